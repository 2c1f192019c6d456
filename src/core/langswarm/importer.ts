// Imports LangSwarm files into the session database: each session whole or not at all, the same file
// twice changes nothing, a source that moved on is brought up to date, and nothing imported and
// then changed on either side is ever overwritten.
//
// Recognising what was imported: every imported session records in origin.import the stamp it was
// written with (its updated_at), a fingerprint of its source fields and the source's own update
// time; every imported message records a fingerprint of its source message (origin.fp). A source
// session matches the earlier imports of the same format family and original id:
//   - a local edit shows as updated_at no longer equal to the stamp: that copy is never touched;
//   - the source's fingerprints are compared with the imported ones: equal (or an older subset) is
//     unchanged; the same messages plus new ones at the end is an update (only the new ones are
//     appended; V1's auto_truncate dropping old messages from the source is allowed for); anything
//     else has diverged;
//   - when no earlier copy can take the source, it is imported beside them as a new session
//     (origin.conflictWith names the first), reported as a conflict. Two different sources with one
//     id therefore never overwrite each other.
// Everything runs as one bulk write: each session is a savepoint step, the full-text index takes the
// new rows of each batch read, and one snapshot makes it all durable.
// Over 450 lines: matching a source session against earlier imports and the bulk write share one run's state
// (report, progress, conflicts); the readers and file handling are files of their own (files.ts, source.ts, v1.ts, v2.ts).
import { v7 as uuidv7 } from 'uuid';
import { CoreError, ErrorCode, describeError } from '../errors';
import type { SessionManager } from '../sessions';
import type { ImportedSession, SessionStore } from '../store/session-store';
import type { BulkTx, Tx } from '../store/connection';
import { expandSources, sourceBytes } from './files';
import { attachOrigin, entryOf, firstStored, originOf, sameConversation, withOrigin } from './origins';
import { ReadSession, messagesOf, readSources, readSourcesInWorker } from './read';
import { MappedMessage, SourceFormat, SourceSession, formatFamily } from './source';
import { parseSourceTime } from './time';

export interface MigrateOptions {
  /** Report what would happen without changing anything. */
  dryRun?: boolean;
  /** Read naive source timestamps as UTC (default: the local time of this machine). */
  naiveUtc?: boolean;
  /** Stops between sessions; what was imported until then is kept, whole. */
  signal?: AbortSignal;
  onProgress?: (progress: MigrateProgress) => void;
  /** Per file, the update markers of sessions imported before (FileResult.markers): those are not read again. */
  unchanged?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Read and map the sources in a thread of their own while this one writes (default: when they total
   * READ_AHEAD_FROM_BYTES or more; below that starting the thread costs more than it saves).
   */
  readAhead?: boolean;
  /** The reading thread's heap limit in MB (tests; a file needing more fails alone). */
  readerHeapMb?: number;
}

/** From this many bytes of sources on, reading them overlaps with writing (see MigrateOptions.readAhead). */
export const READ_AHEAD_FROM_BYTES = 4 * 1024 * 1024;

export interface MigrateProgress {
  /** Reading the files and writing their sessions, then building the search index for what was new, then done. */
  phase: 'reading' | 'indexing' | 'done';
  filesDone: number;
  filesTotal: number;
  /** Sessions and messages read so far, in all files. */
  sessions: number;
  messages: number;
  /** The file being read, and the sessions and messages read from it so far. */
  file: string;
  fileSessions: number;
  fileMessages: number;
}

export const OUTCOMES = ['imported', 'updated', 'unchanged', 'conflict', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface SessionResult {
  originalId: string;
  where: string;
  outcome: Outcome;
  /** Our session: the new one, the updated one, the unchanged one (absent for new ones in a dry run, and failures). */
  sessionId?: string;
  messagesAdded: number;
  /** For conflicts: the session it was imported beside. */
  conflictWith?: string;
  /** Why it conflicted or failed. */
  reason?: string;
  warnings: string[];
}

export interface Issue {
  code: ErrorCode;
  message: string;
  where?: string;
  originalId?: string;
}

export interface FileResult {
  file: string;
  format?: SourceFormat;
  counts: Record<Outcome, number>;
  messagesImported: number;
  sessions: SessionResult[];
  warnings: string[];
  /** The file could not be read at all, or rows of it could not. */
  errors: Issue[];
  /** Update markers (by original id) of the sessions now in the database, for formats that have them. */
  markers?: Record<string, string>;
}

export interface MigrateReport {
  dryRun: boolean;
  cancelled: boolean;
  files: FileResult[];
  totals: Record<Outcome, number> & { files: number; filesFailed: number; messagesImported: number };
  durationMs: number;
}

/** Earlier imports: session ids by format family and original id, and by original id alone. */
class ImportIndex {
  private readonly byKey = new Map<string, string[]>();
  private readonly byOriginalId = new Map<string, Set<string>>();

  constructor(rows: ImportedSession[]) {
    for (const r of rows) for (const [format, originalId] of r.origins) this.set(format, originalId, r.id);
  }

  get(format: string, originalId: string): string[] {
    return this.byKey.get(`${formatFamily(format)}\u0000${originalId}`) ?? [];
  }

  /** Sessions with this original id imported from other format families only. */
  others(format: string, originalId: string): string[] {
    const mine = new Set(this.get(format, originalId));
    return [...(this.byOriginalId.get(originalId) ?? [])].filter((id) => !mine.has(id));
  }

  set(format: string, originalId: string, id: string): void {
    const key = `${formatFamily(format)}\u0000${originalId}`;
    this.byKey.set(key, [...this.get(format, originalId).filter((x) => x !== id), id]);
    this.byOriginalId.set(originalId, (this.byOriginalId.get(originalId) ?? new Set()).add(id));
  }
}

/** Imports the files and folders in `sources`. Per-file and per-session problems are in the report. */
export async function migrate(
  manager: SessionManager,
  sources: readonly string[],
  options: MigrateOptions = {},
): Promise<MigrateReport> {
  const started = performance.now();
  const store = manager.store;
  const dryRun = options.dryRun ?? false;
  const { files, problems } = expandSources(sources);
  const results: FileResult[] = problems.map((p) => ({
    ...emptyFile(p.file),
    errors: [{ code: 'ImportRejected', message: p.message }],
  }));
  let cancelled = false;
  const progress: MigrateProgress = {
    phase: 'reading',
    filesDone: 0,
    filesTotal: files.length,
    sessions: 0,
    messages: 0,
    file: '',
    fileSessions: 0,
    fileMessages: 0,
  };
  let lastBreath = performance.now();
  const breathe = async () => {
    if (performance.now() - lastBreath < 15) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastBreath = performance.now();
    options.onProgress?.({ ...progress });
  };

  if (files.length > 0) {
    const bytesFrom = fromHereOn(files.map(sourceBytes));
    // The room new sessions may need from each file on: a file followed before (its markers given) adds a few at most.
    const roomFrom = fromHereOn(files.map((file) => (options.unchanged?.[file] ? 0 : sourceBytes(file))));
    const readerOptions = { naiveUtc: options.naiveUtc ?? false, unchanged: options.unchanged };
    const readAhead = options.readAhead ?? bytesFrom[0]! >= READ_AHEAD_FROM_BYTES;
    await manager.tracer.span('migrate', undefined, () =>
      store.bulk(
        async (step, makeRoom) => {
          const index = new ImportIndex(step((tx) => store.importedSessions(tx)));
          /** Adds the messages after `pk` to the full-text index; returns the last one it indexed. */
          const indexNew = (pk: number) =>
            manager.tracer.span('migrate.index', undefined, () =>
              step((tx) => {
                store.indexMessagesAfter(tx, pk);
                return store.lastMessagePk(tx);
              }),
            );
          let indexed = step((tx) => store.lastMessagePk(tx));
          const reader = readAhead
            ? readSourcesInWorker(files, readerOptions, manager.tracer, options.readerHeapMb)
            : readSources(files, readerOptions);
          let fileIndex = 0;
          let result = emptyFile('');
          reading: for await (const batch of reader) {
            for (const event of batch) {
              switch (event.kind) {
                case 'file': {
                  if (options.signal?.aborted) {
                    cancelled = true;
                    break reading;
                  }
                  fileIndex = event.index;
                  const file = files[fileIndex]!;
                  result = emptyFile(file);
                  results.push(result);
                  Object.assign(progress, { file, fileSessions: 0, fileMessages: 0 });
                  options.onProgress?.({ ...progress }); // at once: the last file's figures are not this one's
                  continue;
                }
                case 'opened':
                  result.format = event.format;
                  result.warnings.push(...event.warnings);
                  continue;
                case 'failed':
                  result.errors.push(event.problem); // unreadable, or the reader broke part way: what it read stands
                  continue;
                case 'done':
                  progress.filesDone += 1;
                  continue;
                case 'unchanged':
                  (result.markers ??= {})[event.originalId] = event.marker;
                  continue;
                case 'error':
                  record(result, {
                    originalId: event.originalId ?? '',
                    where: event.where,
                    outcome: 'failed',
                    messagesAdded: 0,
                    reason: event.message,
                    warnings: [],
                  });
                  result.errors.push({
                    code: 'ImportRejected',
                    message: event.message,
                    where: event.where,
                    ...(event.originalId !== undefined ? { originalId: event.originalId } : {}),
                  });
                  break;
                case 'session': {
                  const src = event.session;
                  const count = src.fps.length;
                  // A session never imported before is written whole: make room for this file and the rest
                  // (sessions from a V1 store took 1.7 times its bytes). Re-imports mostly write nothing.
                  if (index.get(src.format, src.originalId).length === 0) makeRoom(1.75 * roomFrom[fileIndex]!);
                  let outcome: SessionResult;
                  try {
                    const done = step((tx) => importSession(tx, store, index, src, dryRun));
                    if (done.written) index.set(src.format, src.originalId, done.written); // only once the step stuck
                    outcome = done.result;
                    if (src.marker !== undefined && !dryRun) (result.markers ??= {})[src.originalId] = src.marker;
                  } catch (e) {
                    const problem = issue(e);
                    outcome = {
                      originalId: src.originalId,
                      where: src.where,
                      outcome: 'failed',
                      messagesAdded: 0,
                      reason: problem.message,
                      warnings: src.warnings,
                    };
                    result.errors.push({ ...problem, where: src.where, originalId: src.originalId });
                  }
                  record(result, outcome);
                  progress.sessions += 1;
                  progress.messages += count;
                  progress.fileSessions += 1;
                  progress.fileMessages += count;
                  break;
                }
              }
              await breathe();
              if (options.signal?.aborted) {
                cancelled = true;
                break reading;
              }
            }
            // Index what the batch added while the reader makes the next one (one statement for all at the
            // end left this thread idle while it waited for the reader, then busy alone).
            if (!dryRun) indexed = indexNew(indexed);
          }
          if (!dryRun) {
            progress.phase = 'indexing';
            options.onProgress?.({ ...progress });
            indexNew(indexed);
          }
        },
        { rehearse: dryRun },
      ),
    );
  }
  progress.phase = 'done';
  options.onProgress?.({ ...progress });
  return summarise(results, dryRun, cancelled, performance.now() - started);
}

/** Imports one source session (inside its step); `written` is the session the index should remember. */
function importSession(
  tx: BulkTx,
  store: SessionStore,
  index: ImportIndex,
  src: ReadSession,
  dryRun: boolean,
): { result: SessionResult; written?: string } {
  const base = { originalId: src.originalId, where: src.where, warnings: src.warnings };
  const family = formatFamily(src.format);
  const candidates = index.get(src.format, src.originalId);
  const reasons: string[] = [];
  for (const id of candidates) {
    const session = store.importState(tx, id);
    const found = session && originOf(session, family);
    if (!session || !found?.entry.import) continue;
    const stamp = found.entry.import;
    if (session.updatedAt !== stamp.stamp) {
      reasons.push(`session ${id} was changed here after it was imported`);
      continue;
    }
    const history = compareHistories(store.messageFingerprints(tx, id, family, found.first), src.fps);
    if (history.kind === 'diverged') {
      reasons.push(`message ${history.at + 1} differs from what was imported as session ${id}`);
      continue;
    }
    if (
      history.kind === 'append' ||
      (src.fieldsHash !== stamp.fieldsHash && isNewer(src.sourceUpdatedAt, stamp.sourceUpdatedAt))
    ) {
      const from = history.kind === 'append' ? history.from : src.fps.length;
      update(tx, store, { id, ...session }, found.first, src, messagesOf(src).slice(from));
      return {
        result: { ...base, outcome: 'updated', sessionId: id, messagesAdded: src.fps.length - from },
        written: id,
      };
    }
    const warnings =
      src.fieldsHash === stamp.fieldsHash
        ? base.warnings
        : [
            ...base.warnings,
            'the source has other session fields than the imported copy but is not newer; the imported copy was kept.',
          ];
    return { result: { ...base, warnings, outcome: 'unchanged', sessionId: id, messagesAdded: 0 } };
  }
  if (candidates.length === 0) {
    // The same conversation from another format: one session with several origins (see origins.ts).
    let mapped: SourceSession | undefined;
    for (const id of index.others(src.format, src.originalId)) {
      const session = store.getSession(id);
      const stored = session ? store.importedMessages(tx, id) : [];
      mapped ??= { ...src, messages: messagesOf(src) };
      const shared = session && sameConversation(session, stored, mapped);
      if (!session || shared === undefined) continue;
      const added = src.fps.length - shared;
      const stamp = added > 0 ? later(session.updatedAt, src.session.updatedAt) : session.updatedAt;
      const rest = attachOrigin(tx, store, session, stored, mapped, entryOf(src, stamp), added > 0 ? stamp : undefined);
      if (rest.length > 0) append(tx, store, id, rest, stamp);
      return {
        result: { ...base, outcome: added > 0 ? 'updated' : 'unchanged', sessionId: id, messagesAdded: added },
        written: id,
      };
    }
  }
  const conflictWith = candidates[0];
  const written = insert(tx, store, src, conflictWith);
  return {
    written,
    result: {
      ...base,
      outcome: conflictWith ? 'conflict' : 'imported',
      ...(dryRun ? {} : { sessionId: written }),
      messagesAdded: src.fps.length,
      ...(conflictWith ? { conflictWith, reason: `${reasons.join('; ')}; imported beside it as a new session` } : {}),
    },
  };
}

export type HistoryMatch = { kind: 'same' } | { kind: 'append'; from: number } | { kind: 'diverged'; at: number };

/**
 * How a source's messages relate to those imported before, by fingerprint. The source may lack
 * imported messages (an older file, or LangSwarm truncated its history) as long as what it has is
 * in the same order; new messages may only follow the last imported one.
 */
export function compareHistories(imported: ReadonlyArray<string | null>, source: readonly string[]): HistoryMatch {
  let next = 0;
  for (let i = 0; i < source.length; i++) {
    const at = imported.indexOf(source[i]!, next);
    if (at >= 0) {
      next = at + 1;
      continue;
    }
    // From here on everything is new: it must follow the last imported message.
    return next === imported.length ? { kind: 'append', from: i } : { kind: 'diverged', at: i };
  }
  return { kind: 'same' };
}

function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const ta = parseSourceTime(a, true)?.iso;
  const tb = parseSourceTime(b, true)?.iso;
  return ta !== undefined && tb !== undefined ? ta > tb : a > b;
}

const later = (a: string, b: string) => (b > a ? b : a);

function insert(tx: BulkTx, store: SessionStore, src: ReadSession, conflictWith: string | undefined): string {
  // The reader checked the session as it is first stored; a conflict changes its title and origin: checked again.
  const checked = conflictWith ? firstStored(src, conflictWith) : src.checked;
  if ('invalid' in checked) throw new CoreError('InvalidInput', checked.invalid);
  const session = { ...checked, id: newId() };
  store.insertSession(tx, session);
  store.insertMessageRows(tx, session.id, 1, src.rows, newId);
  store.recount(tx, session.id, src.session.updatedAt);
  return session.id;
}

/**
 * Brings a session up to date with its source: the first origin also sets the session's fields,
 * another one only its origin entry; `added` are appended.
 */
function update(
  tx: Tx,
  store: SessionStore,
  session: { id: string; updatedAt: string; origin: Record<string, unknown> | undefined },
  first: boolean,
  src: ReadSession,
  added: MappedMessage[],
): void {
  const s = src.session;
  const stamp = first ? s.updatedAt : later(session.updatedAt, s.updatedAt);
  const origin = withOrigin(session, entryOf(src, stamp), stamp);
  const fields = first
    ? {
        userId: s.userId,
        provider: s.provider,
        model: s.model,
        status: s.status,
        tags: s.tags,
        metadata: s.metadata,
        lastActivityAt: s.lastActivityAt,
        origin,
      }
    : { origin };
  store.updateSession(tx, session.id, fields, stamp);
  const family = formatFamily(src.format);
  const marked = first
    ? added
    : added.map((m) => ({ ...m, message: { ...m.message, origin: { ...m.message.origin, from: family } } }));
  append(tx, store, session.id, marked, stamp);
}

function append(tx: Tx, store: SessionStore, id: string, messages: MappedMessage[], stamp: string): void {
  store.insertMessages(tx, id, store.sessionState(id)?.nextSeq ?? 1, messages, newId);
  store.recount(tx, id, stamp);
}

/**
 * Time-ordered UUIDv7s, cheaply: uuid's default reads 16 random bytes from the OS per id, which
 * costs more than inserting the message. Here the bytes come from a pool and the time and sequence
 * from a counter (monotonic, so ids stay in insertion order).
 */
const newId = (() => {
  const pool = new Uint8Array(16 * 1024);
  let at = pool.length;
  let msecs = 0;
  let seq = 0;
  return (): string => {
    if (at === pool.length) {
      crypto.getRandomValues(pool);
      at = 0;
    }
    const now = Date.now();
    if (now > msecs) [msecs, seq] = [now, 0];
    else seq += 1;
    return uuidv7({ random: pool.subarray(at, (at += 16)), msecs, seq });
  };
})();

function emptyFile(file: string): FileResult {
  return {
    file,
    counts: { imported: 0, updated: 0, unchanged: 0, conflict: 0, failed: 0 },
    messagesImported: 0,
    sessions: [],
    warnings: [],
    errors: [],
  };
}

function record(file: FileResult, r: SessionResult): void {
  file.sessions.push(r);
  file.counts[r.outcome] += 1;
  file.messagesImported += r.messagesAdded;
}

function issue(e: unknown): Issue {
  if (e instanceof CoreError) return { code: e.code, message: e.message };
  return { code: 'Internal', message: describeError(e) };
}

function summarise(files: FileResult[], dryRun: boolean, cancelled: boolean, durationMs: number): MigrateReport {
  const totals = {
    imported: 0,
    updated: 0,
    unchanged: 0,
    conflict: 0,
    failed: 0,
    files: files.length,
    filesFailed: 0,
    messagesImported: 0,
  };
  for (const f of files) {
    for (const o of OUTCOMES) totals[o] += f.counts[o];
    totals.messagesImported += f.messagesImported;
    if (f.errors.length > 0 && f.sessions.length === 0) totals.filesFailed += 1;
  }
  return { dryRun, cancelled, files, totals, durationMs };
}

/** True when any file or session failed (the CLI's exit code 1). */
export function hasFailures(report: MigrateReport): boolean {
  return report.files.some((f) => f.errors.length > 0);
}

/** Each value plus all those after it (of each file and the files after it). */
function fromHereOn(values: number[]): number[] {
  for (let i = values.length - 2; i >= 0; i--) values[i]! += values[i + 1]!;
  return values;
}
