// What a DurableDatabase is opened with: the hooks of the schema it holds (session-store.ts, schema.ts)
// and the options. Apart from durable.ts, so that snapshot.ts can check files against the hooks.
import type { Database } from 'sql.js';
import type { Tracer } from '../trace';
import type { Tx } from './connection';
import type { FileSystem } from './files';

export interface DurableHooks {
  /** The schema version this code writes; newer files and records are refused. */
  schemaVersion: number;
  /** Creates the schema of a database at `version` (a brand-new one gets `schemaVersion`). */
  initialize(tx: Tx, version: number): void;
  /** Returns the schema version of a loaded database, or throws NotADatabase when it is not ours. */
  inspect(db: Database, file: string): number;
  /**
   * Every statement a journaled write may run, by a stable name. Records name these and carry
   * parameters; replay runs only these, never SQL read from the file.
   */
  statements: Readonly<Record<string, string>>;
}

export interface DurableOptions {
  readOnly?: boolean;
  fs?: FileSystem;
  tracer?: Tracer;
  /** Fold the journal into a new snapshot after this many bytes were appended since the last one. */
  checkpointBytes?: number;
  lockTimeoutMs?: number;
  /**
   * How often a process holding the write lock refreshes it (default 2 s); others treat a lock not
   * refreshed for five times this as abandoned. Small values are for tests.
   */
  lockHeartbeatMs?: number;
  /**
   * Keep the write lock until the event loop turns, so writes awaited one after another take it once.
   * Only for processes that never block their event loop for long (the CLI): an editor's extension
   * host runs other code that may, and would keep everyone else waiting. A number is the longest the
   * lock is kept that way, counted from when it was taken (default 50 ms).
   */
  lingerLock?: boolean | number;
}
