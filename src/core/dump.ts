// "Dump Session State" / "Dump All Sessions": one versioned JSON document with everything needed to
// understand a session's state (rows, messages, revisions, provider state, stats, recent trace spans, the
// recorded model calls: all their summaries and the newest ones whole, environment), with secrets redacted by
// default (redact.ts). The CLI's `dump` and the extension share this code.
import * as path from 'node:path';
import type { Message, MessageRevision, Session } from './model';
import { CoreError } from './errors';
import { type DumpNode, type DumpPath, type SearchMatch, childrenOf, resolvePath, searchJson } from './json-nodes';
import { type RedactionPattern, redact } from './redact';
import { customShape } from './redact-shapes';
import type { SessionApi } from './sessions';
import { Stats } from './store/session-store';
import { SCHEMA_VERSION } from './store/schema';
import type { TraceSummary } from './store/trace-store';
import { type TraceEvent, pickRecent } from './trace';
import type { TurnTrace } from './turn-trace';

export const DUMP_FORMAT_VERSION = 1;
export const DUMP_KIND = 'langswarm-sessions/state-dump';

export interface DumpEnvironment {
  extensionVersion: string;
  vscodeVersion?: string;
  schemaVersion: number;
  platform: string;
  arch: string;
  nodeVersion: string;
  database: { file: string; readOnly: boolean; warnings: readonly string[] };
}

export interface SessionDump {
  session: Session;
  stats: Stats;
  messages: Message[];
  /** Earlier contents of edited messages, by message id. */
  revisions: Record<string, MessageRevision[]>;
  /** The session's recent spans and events from the tracer's ring buffer, oldest first. */
  trace: TraceEvent[];
  /** The model calls recorded for the session (store/trace-store.ts), oldest first, without their bodies. */
  turnTraces: TraceSummary[];
  /**
   * The newest of those calls whole (request bodies as sent, responses, headers, timing), oldest first, as
   * many as fit the dump's budget for bodies (DumpOptions.callBytes, shared by the sessions in dump order).
   */
  recordedCalls: TurnTrace[];
  /** How many calls are only in `turnTraces`, when some did not fit, and why. */
  recordedCallsLeftOut?: { count: number; reason: string };
}

export interface DumpDocument {
  formatVersion: typeof DUMP_FORMAT_VERSION;
  kind: typeof DUMP_KIND;
  createdAt: string;
  scope: { sessionId: string } | { all: true };
  environment: DumpEnvironment;
  /** Whether secrets were replaced by `[REDACTED:kind]` markers, how many of each kind, and that in a sentence. */
  redaction: { enabled: boolean; replaced: Record<string, number>; summary?: string };
  stats: Stats;
  sessions: SessionDump[];
}

export interface DumpOptions {
  /** Redact secrets (default true). Off only for local use: the dump then holds whatever the data holds. */
  redact?: boolean;
  patterns?: readonly RedactionPattern[];
  extensionVersion?: string;
  vscodeVersion?: string;
  /** At most this many trace events per session (default 500). */
  traceLimit?: number;
  /**
   * At most this many characters of recorded calls' bodies in the dump (default 4 MB): a stateless
   * conversation resends its history every turn, so its calls' bodies grow with the square of its length,
   * and the whole dump is held in memory, redacted and shown.
   */
  callBytes?: number;
  clock?: () => Date;
  /**
   * The trace events to take each session's recent ones from (default: the manager's tracer). The store's
   * worker, which dumps for the editor, is given the editor's: they hold the worker's events and the editor's.
   */
  recentTrace?: readonly TraceEvent[];
}

/** What the state view shows of a dump before its tree. */
export interface DumpInfo {
  formatVersion: number;
  redacted: boolean;
  redactionSummary?: string;
  /** The size of the document as compact JSON. */
  bytes: number;
}

/**
 * A dump as the state view and the editor take it: its tree a level and a page at a time, and its text. The
 * store's worker holds the document (worker/client.ts `dump`) so that the editor's thread never holds or walks it.
 */
export interface DumpSource {
  info(): Promise<DumpInfo>;
  children(path: DumpPath, offset: number, limit: number): Promise<{ nodes: DumpNode[]; total: number }>;
  /** A scalar's value in full, as text. */
  value(path: DumpPath): Promise<string>;
  search(query: string, limit: number): Promise<{ matches: SearchMatch[]; total: number }>;
  /** The document as editors and files show it: indented JSON, a newline at the end. */
  text(): Promise<string>;
}

/** A document held in this thread as a DumpSource. */
export function documentSource(document: unknown): DumpSource {
  let bytes: number | undefined;
  const redaction = (document as { redaction?: { enabled?: unknown; summary?: unknown } } | null)?.redaction;
  return {
    info: async () => ({
      formatVersion: Number((document as { formatVersion?: unknown } | null)?.formatVersion ?? 0),
      redacted: redaction?.enabled === true,
      ...(typeof redaction?.summary === 'string' ? { redactionSummary: redaction.summary } : {}),
      bytes: (bytes ??= Buffer.byteLength(JSON.stringify(document))),
    }),
    children: async (path, offset, limit) => childrenOf(resolve(document, path), offset, limit),
    value: async (path) => String(resolve(document, path)),
    search: async (query, limit) => searchJson(document, query, limit),
    text: async () => dumpText(document),
  };
}

export const dumpText = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;

/** The value at `path`, or the core's error for a path the view made up. */
function resolve(root: unknown, path: DumpPath): unknown {
  try {
    return resolvePath(root, path);
  } catch (e) {
    throw new CoreError('InvalidInput', (e as Error).message.replace('The document', 'The dump'));
  }
}

export type DumpScope = { sessionId: string } | { all: true };

/** Builds the dump of one session, or of every session with `{ all: true }`. */
export async function dumpState(
  manager: SessionApi,
  scope: DumpScope,
  options: DumpOptions = {},
): Promise<DumpDocument> {
  const redacting = options.redact !== false;
  // A pattern that cannot work is refused before the database is read, wherever the redaction runs.
  if (redacting) for (const pattern of options.patterns ?? []) customShape(pattern);
  const ids = 'sessionId' in scope ? [(await manager.get(scope.sessionId)).id] : await listAllIds(manager);
  const sessions: SessionDump[] = [];
  const budget = { left: options.callBytes ?? DEFAULT_CALL_BYTES, limit: options.callBytes ?? DEFAULT_CALL_BYTES };
  const traceEvents = options.recentTrace ?? manager.tracer.recent();
  for (const id of ids) {
    const turnTraces = await manager.listTraces(id);
    const calls = await newestCalls(manager, turnTraces, budget);
    const messages = await manager.allMessages(id);
    const revisions: Record<string, MessageRevision[]> = {};
    for (const m of messages) if (m.revision > 0) revisions[m.id] = await manager.revisions(m.id);
    sessions.push({
      session: await manager.get(id),
      stats: await manager.stats(id),
      messages,
      revisions,
      trace: pickRecent(traceEvents, { sessionId: id, limit: options.traceLimit ?? 500 }),
      turnTraces,
      recordedCalls: calls,
      ...(calls.length < turnTraces.length
        ? {
            recordedCallsLeftOut: {
              count: turnTraces.length - calls.length,
              reason: `The dump keeps the newest calls' bodies up to ${size(budget.limit)}; the older calls are in turnTraces without them (the CLI's trace SESSION --json shows them all).`,
            },
          }
        : {}),
    });
  }
  const document: DumpDocument = {
    formatVersion: DUMP_FORMAT_VERSION,
    kind: DUMP_KIND,
    createdAt: (options.clock?.() ?? new Date()).toISOString(),
    scope: 'sessionId' in scope ? { sessionId: scope.sessionId } : { all: true },
    environment: {
      extensionVersion: options.extensionVersion ?? 'unknown',
      ...(options.vscodeVersion ? { vscodeVersion: options.vscodeVersion } : {}),
      schemaVersion: SCHEMA_VERSION,
      platform: process.platform,
      arch: process.arch,
      nodeVersion: process.version,
      database: { file: path.basename(manager.path), readOnly: manager.readOnly, warnings: manager.warnings },
    },
    redaction: { enabled: redacting, replaced: {} },
    stats: 'sessionId' in scope ? sessions[0]!.stats : await manager.stats(),
    sessions,
  };
  if (!redacting) return document;
  const { value, counts, summary } = redact(document, options.patterns ?? []);
  const redacted = value as DumpDocument;
  redacted.redaction = { enabled: true, replaced: counts, summary };
  return redacted;
}

const DEFAULT_CALL_BYTES = 4 * 1024 * 1024;
const size = (n: number) =>
  n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${Math.ceil(n / 1024)} KB`;

/** The characters a call adds to the dump beyond its summary: its bodies, headers and response. */
function callSize(t: TurnTrace): number {
  let size = t.response === undefined ? 0 : JSON.stringify(t.response).length;
  for (const a of t.attempts)
    size +=
      a.requestBody.length +
      (a.responseBody?.length ?? 0) +
      JSON.stringify([a.requestHeaders, a.responseHeaders]).length;
  return size;
}

/** The newest calls that fit what is left of the budget, oldest first; the budget shrinks by what they take. */
async function newestCalls(
  manager: SessionApi,
  summaries: TraceSummary[],
  budget: { left: number },
): Promise<TurnTrace[]> {
  const calls: TurnTrace[] = [];
  for (let i = summaries.length - 1; i >= 0; i--) {
    const call = await manager.getTrace(summaries[i]!.spanId);
    const size = callSize(call);
    if (size > budget.left) break;
    budget.left -= size;
    calls.push(call);
  }
  return calls.reverse();
}

async function listAllIds(manager: SessionApi): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await manager.list({ sortBy: 'createdAt', descending: false, offset, limit: 1000 });
    ids.push(...page.items.map((s) => s.id));
    if (ids.length >= page.total || page.items.length === 0) return ids;
  }
}
