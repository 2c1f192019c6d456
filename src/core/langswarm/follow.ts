// Following LangSwarm stores while an app writes them: a poll stats every source file (and a SQLite
// file's -wal and -journal) and hands only the files whose stamp moved to the importer, with the update
// markers of the sessions it imported before, so an unchanged session in a changed V1 store is not
// parsed again. The importer is idempotent and opens sources read-only (in place, or from a copy when the
// app writes meanwhile), so following never duplicates a message nor writes or locks the app's files. A
// source that does not exist (not yet saved by the app, or removed) is waited for: said once, not counted
// as an error.
//
// A file that cannot be read (a JSON file caught half-written, a busy or damaged database) is not
// marked as seen: the next poll reads it again. Only when it fails twice with the same stamp is it
// reported — once per file and error, until it reads cleanly again. The CLI (`migrate --watch`) and
// the extension both drive this class; the extension's import runs in its store worker.
import * as fs from 'node:fs';
import { describeError } from '../errors';
import { expandSources } from './files';
import type { FileResult, MigrateReport } from './importer';

export interface FollowEvent {
  file: string;
  originalId: string;
  /** Our session. */
  sessionId: string;
  /** A session new to the database, or one that gained messages or fields. */
  kind: 'added' | 'extended';
  messagesAdded: number;
}

export interface FollowProblem {
  file: string;
  message: string;
  /** A followed path that does not exist: waited for, not an error. */
  missing?: true;
}

/** A problem in a sentence that names its file (`shown` as the reader knows it): most messages start with the path. */
export function problemText(p: FollowProblem, shown: (file: string) => string): string {
  if (p.missing) return `${shown(p.file)} does not exist; it is imported once it appears.`;
  return p.message.startsWith(p.file)
    ? shown(p.file) + p.message.slice(p.file.length)
    : `${shown(p.file)}: ${p.message}`;
}

export interface FollowTotals {
  polls: number;
  sessionsAdded: number;
  sessionsExtended: number;
  messages: number;
  /** Problems reported (each once), missing sources not counted. */
  errors: number;
  /** Source files handed to the importer, and their bytes (with side files): what following read. */
  filesRead: number;
  bytesRead: number;
}

export interface FollowerOptions {
  sources: readonly string[];
  /** Imports `files` (never called with none); `unchanged` holds, per file, the markers from earlier reports. */
  importFiles(files: string[], unchanged: Record<string, Record<string, string>>): Promise<MigrateReport>;
  /** Between the end of one poll and the start of the next (default 1000 ms). */
  intervalMs?: number;
  /** After the first poll (`initial`: what was already there), then after each poll that imported something. */
  onImport?(events: FollowEvent[], initial: boolean): void;
  /** A problem, once per file and error. */
  onProblem?(problem: FollowProblem): void;
}

interface FileState {
  stamp: string;
  markers?: Record<string, string> | undefined;
}

export class Follower {
  readonly totals: FollowTotals = {
    polls: 0,
    sessionsAdded: 0,
    sessionsExtended: 0,
    messages: 0,
    errors: 0,
    filesRead: 0,
    bytesRead: 0,
  };
  /** Our sessions that came from the followed files (imported, updated or found unchanged). */
  readonly sessions = new Set<string>();
  /** When (ms since epoch) something was last imported. */
  lastImportAt: number | undefined;
  private readonly seen = new Map<string, FileState>();
  /** A file's stamp when it last failed: a second failure with the same stamp is reported. */
  private readonly failedAt = new Map<string, string>();
  /** Reported problems by file: key `message`. Cleared when the file reads cleanly. */
  private readonly reported = new Map<string, Set<string>>();
  /** Followed paths that could not be listed at the last poll, and why (`missing`: they do not exist). */
  private readonly unlisted = new Map<string, FollowProblem>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: FollowerOptions) {}

  /** Problems reported and not cleared since (for a list of followed stores with their errors). */
  get problems(): FollowProblem[] {
    return [...this.reported].flatMap(([file, messages]) =>
      [...messages].map((message) => ({
        file,
        message,
        ...(this.unlisted.get(file)?.missing ? { missing: true as const } : {}),
      })),
    );
  }

  /** The files followed at the last poll. */
  get files(): string[] {
    return [...this.seen.keys()];
  }

  /** Polls now, then every interval until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs ?? 1000);
      });
    };
    loop();
  }

  /** Stops polling; resolves once a poll under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One look: stat everything, import what changed. */
  async poll(): Promise<void> {
    const initial = this.totals.polls === 0;
    this.totals.polls += 1;
    const { files, problems } = expandSources(this.options.sources);
    // A source that could not be listed (missing, unreadable): reported once; forgotten when it is back.
    for (const [source, { message }] of this.unlisted)
      if (!problems.some((p) => p.file === source)) {
        this.reported.get(source)?.delete(message);
        this.unlisted.delete(source);
      }
    for (const p of problems) {
      this.unlisted.set(p.file, p);
      this.problem(p.file, p.message, p.missing);
    }
    const present = new Set(files);
    for (const file of this.seen.keys()) if (!present.has(file)) this.forget(file); // deleted: its sessions stay
    const stamps = new Map<string, string>();
    for (const file of files) {
      const stamp = this.stamp(file);
      if (stamp === undefined) continue; // gone between the listing and the look
      if (this.seen.get(file)?.stamp !== stamp) stamps.set(file, stamp);
    }
    if (stamps.size === 0) {
      if (initial) this.options.onImport?.([], true);
      return;
    }
    const changed = [...stamps.keys()];
    const unchanged: Record<string, Record<string, string>> = {};
    for (const file of changed) {
      const markers = this.seen.get(file)?.markers;
      if (markers) unchanged[file] = markers;
      this.totals.filesRead += 1;
      this.totals.bytesRead += Number(stamps.get(file)!.split(':')[0]) + this.sideBytes(file);
    }
    let report: MigrateReport;
    try {
      report = await this.options.importFiles(changed, unchanged);
    } catch (e) {
      // Our side failed (the database busy, the store worker restarted): nothing is marked seen, so the next poll tries again.
      for (const file of changed) this.problem(file, `could not be imported: ${describeError(e)}`);
      return;
    }
    const events: FollowEvent[] = [];
    for (const result of report.files) {
      const stamp = stamps.get(result.file);
      if (stamp === undefined) continue;
      this.settle(result, stamp, events);
    }
    if (events.length > 0) this.lastImportAt = Date.now();
    if (events.length > 0 || initial) this.options.onImport?.(events, initial);
  }

  private settle(result: FileResult, stamp: string, events: FollowEvent[]): void {
    const file = result.file;
    if (result.format === undefined) {
      // Perhaps caught mid-write: read again next time; report it when it stays as it is.
      const message = result.errors.map((e) => e.message).join('; ') || 'could not be read';
      if (this.failedAt.get(file) === stamp) {
        this.problem(file, message);
        this.seen.set(file, { ...this.seen.get(file), stamp });
      } else this.failedAt.set(file, stamp);
      return;
    }
    this.failedAt.delete(file);
    // Its problems now: the new ones are reported, those gone are forgotten (so they are reported if they come back).
    const before = this.reported.get(file);
    this.reported.delete(file);
    for (const e of result.errors) {
      // By session id, not row number: rows move when the app saves others.
      const message = e.originalId
        ? `session ${JSON.stringify(e.originalId)}: ${e.message}`
        : e.where
          ? `${e.where}: ${e.message}`
          : e.message;
      if (before?.has(message)) this.reported.set(file, (this.reported.get(file) ?? new Set()).add(message));
      else this.problem(file, message);
    }
    const previous = this.seen.get(file)?.markers;
    this.seen.set(file, { stamp, markers: { ...previous, ...result.markers } });
    for (const s of result.sessions) {
      if (s.sessionId === undefined) continue;
      this.sessions.add(s.sessionId);
      const kind =
        s.outcome === 'imported' || s.outcome === 'conflict'
          ? 'added'
          : s.outcome === 'updated'
            ? 'extended'
            : undefined;
      if (!kind) continue;
      events.push({ file, originalId: s.originalId, sessionId: s.sessionId, kind, messagesAdded: s.messagesAdded });
      this.totals[kind === 'added' ? 'sessionsAdded' : 'sessionsExtended'] += 1;
      this.totals.messages += s.messagesAdded;
    }
  }

  private problem(file: string, message: string, missing?: true): void {
    const messages = this.reported.get(file) ?? new Set<string>();
    if (messages.has(message)) return;
    messages.add(message);
    this.reported.set(file, messages);
    if (!missing) this.totals.errors += 1;
    this.options.onProblem?.({ file, message, ...(missing ? { missing } : {}) });
  }

  private forget(file: string): void {
    this.seen.delete(file);
    this.failedAt.delete(file);
  }

  /** Size, mtime and inode of the file and of its -wal and -journal (SQLite commits there first). */
  private stamp(file: string): string | undefined {
    const main = statStamp(file);
    if (main === undefined) return undefined;
    return `${main}:${statStamp(`${file}-wal`) ?? '-'}:${statStamp(`${file}-journal`) ?? '-'}`;
  }

  private sideBytes(file: string): number {
    let bytes = 0;
    for (const side of ['-wal', '-journal']) bytes += Number(statStamp(file + side)?.split(':')[0] ?? 0);
    return bytes;
  }
}

function statStamp(file: string): string | undefined {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.size}:${st.mtimeNs}:${st.ino}`;
  } catch {
    return undefined;
  }
}
