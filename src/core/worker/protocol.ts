// Messages between the extension host and the store's worker thread (worker.ts ↔ client.ts). Both ends are
// this code, built together: the types are the contract. Everything crosses by structured clone, so only
// plain data does: sessions, messages and reports are plain objects; a CoreError crosses as its JSON.
import { CoreError, ErrorCode, describeError } from '../errors';
import type { MigrateProgress } from '../langswarm/importer';
import type { DumpOptions, DumpScope } from '../dump';
import type { DumpPath } from '../json-nodes';
import type { SessionEvent, SessionManagerOptions, SessionMethod } from '../sessions';
import type { LogLevel, TraceEvent } from '../trace';

/** Kinds of work, each with its own budget. */
export type OpKind = 'open' | 'read' | 'write' | 'migrate' | 'snapshot' | 'compare' | 'dump';

/** Every method the worker serves, and the kind of work it is. */
export const METHOD_KINDS = {
  get: 'read',
  find: 'read',
  list: 'read',
  providers: 'read',
  tags: 'read',
  days: 'read',
  findMessage: 'read',
  getMessage: 'read',
  messages: 'read',
  allMessages: 'read',
  outline: 'read',
  usages: 'read',
  messageIndex: 'read',
  revisions: 'read',
  search: 'read',
  stats: 'read',
  refresh: 'read',
  create: 'write',
  rename: 'write',
  setTags: 'write',
  updateMetadata: 'write',
  configure: 'write',
  setParameters: 'write',
  pause: 'write',
  resume: 'write',
  complete: 'write',
  archive: 'write',
  unarchive: 'write',
  markError: 'write',
  setStatus: 'write',
  delete: 'write',
  autoArchive: 'write',
  fork: 'write',
  addMessage: 'write',
  addMessages: 'write',
  editMessage: 'write',
  replaceMessage: 'write',
  deleteMessage: 'write',
  checkpoint: 'snapshot',
  migrate: 'migrate',
  recordTrace: 'write',
  listTraces: 'read',
  turnSeries: 'read',
  getTrace: 'read',
  pruneTraces: 'write',
  compare: 'compare',
  receiveSpans: 'write',
  startOtlpReceiver: 'write',
  stopOtlpReceiver: 'write',
} as const satisfies Record<SessionMethod, OpKind>;

/**
 * How long (ms) the worker may stay silent while an operation of each kind is outstanding. The worker
 * answers, reports progress or beats its heart (HEARTBEAT_MS) whenever its event loop is free, so
 * waiting — for the write lock, behind a migration — never counts; only a blocked worker does (one
 * statement running that long). Honest large work blocks for about a second (the 75,000-message
 * import's full-text index, a 57 MB open): the budgets leave wide room above that.
 */
export type Budgets = Record<OpKind, number>;
export const DEFAULT_BUDGETS: Budgets = {
  open: 60_000,
  read: 5_000,
  write: 10_000,
  migrate: 60_000,
  snapshot: 30_000,
  // Two unrelated 10,000-message sessions: every pair word-diffed (several seconds on a slow machine).
  compare: 30_000,
  // A state dump: its reads, then its redaction in one synchronous pass (no heartbeat) at ~10 MB of text per
  // CPU-second; or its text, indented (~0.5 s per 40 MB).
  dump: 60_000,
};
export const HEARTBEAT_MS = 250;

/** What the user reads when an operation of each kind was stopped ("… while {activity}"). */
export const ACTIVITY: Record<OpKind, string> = {
  open: 'opening the session database',
  read: 'reading sessions',
  write: 'saving a change',
  migrate: 'migrating',
  snapshot: 'writing a snapshot',
  compare: 'comparing two sessions',
  dump: 'making a state dump',
};

/** Set once per worker (workerData). */
export interface WorkerSetup {
  traceLevel: LogLevel;
  /** How often the worker looks for changes other processes made (ms). */
  pollMs: number;
}

/** The store options that cross to the worker (the rest, like the tracer, are the worker's own). */
export type OpenOptions = Pick<
  SessionManagerOptions,
  'readOnly' | 'lockTimeoutMs' | 'checkpointBytes' | 'maxMessageBytes' | 'traceRetention'
>;

export interface OpenResult {
  readOnly: boolean;
  warnings: string[];
}

export type HostMessage =
  | { type: 'open'; id: number; path: string; options: OpenOptions }
  | { type: 'call'; id: number; method: SessionMethod; args: unknown[] }
  /** Stops the request's work where it can stop cleanly (a migration, between sessions). */
  | { type: 'cancel'; id: number }
  | { type: 'close'; id: number }
  /** Copies the sessions of a refused database into a new one (store/salvage.ts); needs no open store. */
  | { type: 'salvage'; id: number; source: string; target: string }
  /** Summarises a LangSwarm file without importing it (langswarm/inspect.ts); needs no open store. */
  | { type: 'inspect'; id: number; source: string }
  /** Makes a state dump, which the worker keeps until dropped, or works on one it keeps (by its handle). */
  | { type: 'dump'; id: number; op: DumpOp };

/** The dump options that cross (the worker redacts itself; the editor's trace events are handed over). */
export type WorkerDumpOptions = Omit<DumpOptions, 'clock'>;

export type DumpOp =
  | { op: 'make'; scope: DumpScope; options: WorkerDumpOptions }
  | { op: 'info' | 'text' | 'drop'; handle: number }
  | { op: 'children'; handle: number; path: DumpPath; offset: number; limit: number }
  | { op: 'value'; handle: number; path: DumpPath }
  | { op: 'search'; handle: number; query: string; limit: number };

export interface WireError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export type WorkerMessage =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'progress'; id: number; progress: MigrateProgress }
  | { type: 'event'; event: SessionEvent }
  | { type: 'trace'; events: TraceEvent[] }
  | { type: 'alive' };

export function toWireError(e: unknown): WireError {
  if (!(e instanceof CoreError)) return { code: 'Internal', message: describeError(e), details: {} };
  let details: Record<string, unknown> = {};
  try {
    details = structuredClone(e.details);
  } catch {
    /* details that cannot cross (functions, handles) stay behind; the sentence is what matters */
  }
  return { code: e.code, message: e.message, details };
}

export function fromWireError(w: WireError): CoreError {
  return new CoreError(w.code, w.message, w.details);
}
