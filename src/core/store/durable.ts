// An sql.js database made durable and shareable between processes (DESIGN.md §2).
//
// Files, for a database `x.sqlite`:
//   x.sqlite          the last snapshot: always a complete, valid SQLite file (written temp + fsync + rename)
//   x.sqlite.journal  checksummed records of every change since the previous snapshot (not SQLite's journal)
//   x.sqlite.bak      the previous snapshot, a file of its own: the fallback when x.sqlite is found damaged
//   x.sqlite.lock     held only while a process writes (a few hundred microseconds; an import, its whole
//                     run); its holder refreshes it every few seconds, and others break it when its owner
//                     died or it went unrefreshed (see FileLock)
//
// A write takes the lock, first applies records other processes appended, runs its SQL in a
// transaction while recording the statements, appends them as one record, fdatasyncs, and only then
// commits in memory and resolves. The cost is one small append whatever the database size. The
// journal is folded into a new snapshot when it grows; it keeps the records since the *previous*
// snapshot, so x.sqlite.bak plus the journal can always rebuild the latest state.
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { BindParams, Database, SqlJsStatic, SqlValue, Statement as SqlStatement } from 'sql.js';
import { CoreError, describeError } from '../errors';
import { Tracer } from '../trace';
import { FileLock, FileSystem, LockTiming, dirOf, errno, readRange, realFs, renameOver, storageError, writeAll, writeFileAtomic, writeTemp } from './files';
import { crc32 } from 'node:zlib';
import {
  Change, JOURNAL_HEADER_BYTES, MAX_LSN, SnapshotInfo, Statement, decodeJournalHeader, encodeJournalHeader, encodeRecord,
  parseRecords, recordBytesAt, snapshotInfo,
} from './journal';
import { RunStatement, statementRunner } from './fast-run';
import { loadSqlJs } from './sqljs';

export type Row = Record<string, SqlValue>;
type Params = SqlValue[] | Record<string, SqlValue> | null;

/** Reads and recorded writes inside one transaction. */
export interface Tx {
  run(sql: string, params?: Params): void;
  all<T = Row>(sql: string, params?: Params): T[];
  get<T = Row>(sql: string, params?: Params): T | undefined;
  /** Rows changed by the last `run`. */
  changes(): number;
}

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

interface CatalogueEntry { name: string; sql: string; params: number }

export interface BulkOptions {
  /** Roll everything back at the end (a dry run). */
  rehearse?: boolean;
}

/**
 * A bulk write: `step` runs one all-or-nothing part; `makeRoom` says the run is about to add about
 * `bytes` (see DurableDatabase.bulk).
 */
export type BulkRun<T> = (step: <R>(fn: (tx: Tx) => R) => R, makeRoom: (bytes: number) => void) => Promise<T>;

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
   * host runs other code that may, and would keep everyone else waiting.
   */
  lingerLock?: boolean;
}

export type ChangeListener = (changes: Change[] | 'reset', external: boolean) => void;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const DEFAULT_CHECKPOINT_BYTES = 8 * 1024 * 1024;
/** On close, fold a journal this large so the next open replays little. */
const CLOSE_CHECKPOINT_BYTES = 1024 * 1024;
const LOCK_BURST_MS = 50;
/** Journal bytes read at a time when catching up (a record larger than this is read whole). */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;
/** Below this, growing the in-memory file as it goes costs less than reopening it with room. */
const MIN_RESERVE_BYTES = 16 * 1024 * 1024;

interface JournalReader { fd: number; ino: number; offset: number }

export class DurableDatabase {
  db: Database;
  /** Sequence number of the last change applied to `db`. */
  private lsn = 0;
  /** Sequence number contained in the snapshot file as last seen. */
  private snapshotLsn = 0;
  private reader: JournalReader | undefined;
  private appendFd: { fd: number; ino: number } | undefined;
  private bytesSinceSnapshot = 0;
  private readonly lock: FileLock;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingWrites = 0;
  private readonly prepared = new Map<string, SqlStatement>();
  private readonly runStatement: RunStatement;
  private readonly byName = new Map<string, CatalogueEntry>();
  private readonly bySql = new Map<string, CatalogueEntry>();
  /** Size of the in-memory database file while a bulk write holds room reserved in it (else 0). */
  private fileBytesInMemory = 0;
  private readonly listeners = new Set<ChangeListener>();
  private closed = false;
  /** Things the user should be told about (recovered from backup, journal damage…). */
  readonly warnings: string[] = [];
  readonly journalPath: string;
  readonly backupPath: string;

  private constructor(
    private readonly SQL: SqlJsStatic,
    readonly path: string,
    private readonly hooks: DurableHooks,
    private readonly fs: FileSystem,
    private readonly tracer: Tracer,
    readonly readOnly: boolean,
    private readonly checkpointBytes: number,
    lockTiming: LockTiming,
    private readonly lingerLock: boolean,
  ) {
    this.journalPath = `${path}.journal`;
    this.backupPath = `${path}.bak`;
    this.lock = new FileLock(fs, `${path}.lock`, lockTiming);
    this.runStatement = statementRunner(SQL);
    this.db = new SQL.Database();
    for (const [name, sql] of Object.entries(hooks.statements)) {
      // Our own SQL: every '?' is a parameter (none sits inside a string literal).
      const entry = { name, sql, params: sql.split('?').length - 1 };
      this.byName.set(name, entry);
      this.bySql.set(sql, entry);
    }
  }

  static async open(path: string, hooks: DurableHooks, options: DurableOptions = {}): Promise<DurableDatabase> {
    const SQL = await loadSqlJs();
    const fs = options.fs ?? realFs;
    const store = new DurableDatabase(
      SQL, path, hooks, fs, options.tracer ?? new Tracer('warn'), options.readOnly ?? false,
      options.checkpointBytes ?? (Number(process.env['LANGSWARM_CHECKPOINT_BYTES']) || DEFAULT_CHECKPOINT_BYTES),
      { timeoutMs: options.lockTimeoutMs, heartbeatMs: options.lockHeartbeatMs },
      options.lingerLock ?? false,
    );
    try {
      await store.load();
      store.loading = false;
    } catch (e) {
      store.closeFiles();
      store.db.close();
      throw e;
    }
    return store;
  }

  // ---- reading -----------------------------------------------------------------------------

  all<T = Row>(sql: string, params?: Params): T[] {
    const stmt = this.statement(sql);
    try {
      if (params) stmt.bind(params as BindParams);
      const rows: T[] = [];
      let columns: string[] | undefined;
      // get() plus our own object building is several times faster than getAsObject().
      while (stmt.step()) {
        columns ??= stmt.getColumnNames();
        const values = stmt.get();
        const row: Record<string, SqlValue> = {};
        for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i] ?? null;
        rows.push(row as T);
      }
      return rows;
    } finally {
      stmt.reset();
    }
  }

  get<T = Row>(sql: string, params?: Params): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  /** Applies changes other processes made since we last looked. Cheap when there are none. */
  refresh(): void {
    if (this.closed) return;
    this.catchUp(false);
  }

  onChanges(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- writing -----------------------------------------------------------------------------

  /**
   * Runs `fn` in a transaction and resolves once its changes are durable on disk.
   * If `fn` throws, or the journal cannot be written, nothing changes (in memory or on disk).
   */
  write<T>(fn: (tx: Tx) => T, describe: (result: T) => Change[] = () => []): Promise<T> {
    return this.exclusive(() => {
      const { result, statements } = this.inTransaction(fn, true);
      if (statements.length === 0) return result;
      const changes = describe(result);
      const record = encodeRecord({ lsn: this.lsn + 1, schema: this.hooks.schemaVersion, statements, changes });
      try {
        this.append(record);
      } catch (e) {
        this.db.run('ROLLBACK');
        throw e;
      }
      this.db.run('COMMIT');
      this.lsn += 1;
      this.emit(changes, false);
      return result;
    });
  }

  /**
   * For large imports: runs `fn` in one transaction without journaling each statement, then makes it
   * durable with a snapshot (and a second copy as the backup). Other processes reload the snapshot.
   */
  writeBulk<T>(fn: (tx: Tx) => T): Promise<T> {
    return this.bulk(async (step) => step(fn));
  }

  /**
   * writeBulk for long imports that must stay responsive: `run` may await between steps (to report
   * progress, notice cancellation) while the write lock stays held. All steps share one transaction;
   * each step is a savepoint, so a step that throws leaves no trace and the run may go on. At the end
   * one snapshot makes everything durable, or with `rehearse` everything is rolled back (a dry run).
   * When nothing changed, nothing is written. `makeRoom`, called between steps before anything was
   * written, prepares the in-memory database for a large addition (see reserve()); elsewhere it does nothing.
   */
  bulk<T>(run: BulkRun<T>, options: BulkOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      try {
        return await this.bulkLocked(run, options);
      } finally {
        this.releaseUnusedRoom();
      }
    });
  }

  private async bulkLocked<T>(run: BulkRun<T>, options: BulkOptions): Promise<T> {
    let changesBefore = this.totalChanges();
    let inStep = false;
    let roomMade = false;
    const tx = this.makeTx(undefined);
    const step = <R>(fn: (tx: Tx) => R): R => {
      this.db.run('SAVEPOINT bulk_step');
      inStep = true;
      try {
        const result = fn(tx);
        this.db.run('RELEASE bulk_step');
        return result;
      } catch (e) {
        this.db.run('ROLLBACK TO bulk_step');
        this.db.run('RELEASE bulk_step');
        throw e;
      } finally {
        inStep = false;
      }
    };
    const makeRoom = (bytes: number) => {
      if (roomMade || options.rehearse || inStep || bytes < MIN_RESERVE_BYTES) return;
      roomMade = true; // asked once: a later call would come after writes
      if (this.totalChanges() !== changesBefore) return;
      // Nothing written yet, so ending the transaction loses nothing, and what it read stays true (we hold the lock).
      this.db.run('ROLLBACK');
      this.reserve(bytes);
      this.db.run('BEGIN');
      changesBefore = this.totalChanges(); // a reopened database counts from zero
    };
    this.db.run('BEGIN');
    let result: T;
    try {
      result = await run(step, makeRoom);
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
    if (options.rehearse || this.totalChanges() === changesBefore) {
      this.db.run('ROLLBACK');
      return result;
    }
    this.db.run('COMMIT');
    this.lsn += 1;
    try {
      this.checkpointLocked(true);
    } catch (e) {
      // The change is in memory but not on disk: reload the last durable state so memory never
      // claims more than the files hold, then report.
      this.reload();
      throw e;
    }
    this.emit('reset', false);
    return result;
  }

  /**
   * Makes room for `bytes` more in the in-memory database file. sql.js keeps it in a buffer that grows
   * by 12.5% at a time, copying everything each time: a large import spent a fifth of its time there.
   * Reopening it from its own bytes followed by zeros gives it the room at once; SQLite uses the page
   * count in the file's header and writes new pages into the zeros. export() copies only the pages.
   */
  private reserve(bytes: number): void {
    try {
      const image = this.db.export();
      const padded = new Uint8Array(image.length + bytes);
      padded.set(image);
      this.useDatabase(new this.SQL.Database(padded));
      this.fileBytesInMemory = padded.length;
    } catch (e) {
      this.tracer.warn('could not reserve memory for an import; it goes on without', { error: describeError(e) }); // only slower
    }
  }

  /** Gives back room reserved and not used (an import that added less than expected, or nothing). */
  private releaseUnusedRoom(): void {
    if (!this.fileBytesInMemory) return;
    const unused = this.fileBytesInMemory - this.imageBytes();
    this.fileBytesInMemory = 0; // settled for this run: what is not given back is in use
    if (unused < MIN_RESERVE_BYTES) return;
    try {
      this.useDatabase(new this.SQL.Database(this.db.export()));
    } catch (e) {
      this.tracer.warn('could not give back memory reserved for an import', { error: describeError(e) });
    }
  }

  private imageBytes(): number {
    return this.get<{ n: number }>('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()')?.n ?? 0;
  }

  /** Folds the journal into a new snapshot now (e.g. when the editor goes idle). */
  checkpoint(): Promise<void> {
    return this.exclusive(() => {
      if (this.bytesSinceSnapshot > 0) this.checkpointLocked(false);
    });
  }

  get journalBytesSinceSnapshot(): number {
    return this.bytesSinceSnapshot;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readOnly && this.bytesSinceSnapshot >= CLOSE_CHECKPOINT_BYTES) {
      try {
        await this.checkpoint();
      } catch (e) {
        this.tracer.warn('snapshot on close failed; the journal still holds every change', { error: describeError(e) });
      }
    }
    await this.queue.catch(() => undefined);
    this.closed = true;
    this.closeFiles();
    for (const s of this.prepared.values()) s.free();
    this.prepared.clear();
    this.db.close();
  }

  // ---- internals: open -----------------------------------------------------------------------

  private recoveredFromBackup = false;
  /** Until open() is done (a writable open then sets a bad journal aside itself). */
  private loading = true;
  /** The journal has a record we could not read or apply: nothing after it was applied. */
  private journalStopped = false;
  /** Inode of the snapshot file we loaded, to notice another process replacing it. */
  private snapshotIno: number | undefined;

  private async load(): Promise<void> {
    this.refuseWal();
    if (!this.fileSize(this.path)) {
      if (this.readOnly) {
        // Nothing on disk and we may not create it: an empty database in memory.
        this.initializeInMemory();
        return;
      }
      try {
        this.fs.mkdirSync(dirOf(this.path), { recursive: true });
      } catch (e) {
        throw storageError(`create the folder for ${this.path}`, e);
      }
      await this.exclusive(() => {
        if (this.fileSize(this.path)) this.loadExisting();
        else this.createNew();
      }, false);
      return;
    }
    this.loadExisting();
    if (this.readOnly) return;
    if (this.recoveredFromBackup) {
      await this.exclusive(() => {
        this.setAsideDamaged();
        this.checkpointLocked(false);
      });
    } else if (this.journalStopped) {
      await this.exclusive(() => undefined); // catching up under the lock sets the bad journal aside
    }
  }

  private initializeInMemory(): void {
    initializeSchema(this.db, this.makeTx(undefined), this.hooks, this.hooks.schemaVersion);
    this.applyPragmas();
  }

  private createNew(): void {
    this.initializeInMemory();
    this.lsn = 0;
    this.checkpointLocked(true);
    this.tracer.info('created session database', { path: this.path });
  }

  private loadExisting(): void {
    // Note the inode before reading, so a snapshot replaced meanwhile is noticed and reloaded.
    const ino = this.statOrUndefined(this.path)?.ino;
    const main = this.readSnapshot(this.path, this.readJournalHeader());
    this.snapshotIno = ino;
    if (main.ok) {
      this.useSnapshot(main);
    } else {
      const backup = this.fileSize(this.backupPath) ? this.readSnapshot(this.backupPath) : undefined;
      if (main.foreign || !backup) throw main.error;
      if (!backup.ok) {
        throw new CoreError('CorruptDatabase', `${this.path} is damaged (${main.reason}) and so is its backup (${backup.reason}). The files were left as they are.`, { path: this.path });
      }
      this.useSnapshot(backup);
      this.recoveredFromBackup = true;
      this.warn(`The session database was damaged (${main.reason}); it was rebuilt from the previous snapshot and the journal.`);
    }
    this.catchUp(false);
  }

  private useSnapshot(snapshot: { db: Database; lsn: number }): void {
    this.useDatabase(snapshot.db);
    this.lsn = snapshot.lsn;
    this.snapshotLsn = this.lsn;
  }

  /**
   * Loads and checks a snapshot. When it matches the checksum the journal recorded for it, it is
   * exactly what we wrote and the (slow, O(size)) `PRAGMA quick_check` is skipped.
   */
  private readSnapshot(file: string, expected?: SnapshotInfo):
    | { ok: true; db: Database; lsn: number }
    | { ok: false; foreign: boolean; reason: string; error: CoreError } {
    let bytes: Buffer;
    try {
      bytes = this.fs.readFileSync(file);
    } catch (e) {
      const error = storageError(`read ${file}`, e);
      return { ok: false, foreign: false, reason: error.message, error };
    }
    if (!bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
      // Ours if our journal or backup is beside it: then it is damage, not a wrong file.
      const ours = this.fileSize(this.journalPath) !== undefined || this.fileSize(this.backupPath) !== undefined;
      const error = new CoreError('NotADatabase', `${file} is not a SQLite database; it was left untouched.`, { path: file });
      return { ok: false, foreign: !ours, reason: 'not a SQLite file', error };
    }
    const trusted = expected !== undefined && expected.size === bytes.length && expected.size > 0 && crc32(bytes) === expected.crc;
    let db: Database | undefined;
    try {
      db = new this.SQL.Database(bytes);
      const check = trusted ? [{ values: [['ok']] }] : db.exec('PRAGMA quick_check');
      const verdict = check[0]?.values.map((r) => String(r[0])).join('; ') ?? 'no answer';
      if (verdict !== 'ok') throw new Error(verdict);
    } catch (e) {
      db?.close();
      const reason = `integrity check failed: ${describeError(e)}`;
      return { ok: false, foreign: false, reason, error: new CoreError('CorruptDatabase', `${file} is damaged (${reason}).`, { path: file }) };
    }
    let lsn: number;
    try {
      const version = this.hooks.inspect(db, file);
      if (version > this.hooks.schemaVersion) {
        throw new CoreError('SchemaTooNew', `${file} was written by a newer version of LangSwarm Sessions (schema ${version}; this version understands up to ${this.hooks.schemaVersion}). Update the extension; the file was left untouched.`, { path: file, version });
      }
      this.checkSchema(db, file, version);
      lsn = snapshotLsnOf(db, file);
    } catch (e) {
      db.close();
      const error = e instanceof CoreError ? e : new CoreError('NotADatabase', describeError(e));
      return { ok: false, foreign: true, reason: error.message, error };
    }
    return { ok: true, db, lsn };
  }

  /**
   * The file must hold exactly the objects this version creates: a trigger, view, table or index
   * planted in a shared repository's database would otherwise run or be read on the next write.
   */
  private checkSchema(db: Database, file: string, version: number): void {
    const found = schemaObjects(db);
    const expected = version === 0 ? new Map<string, string>() : this.expectedSchema(version);
    const problems: string[] = [];
    for (const [key, sql] of found) {
      if (!expected.has(key)) problems.push(`a ${key} it does not create`);
      else if (expected.get(key) !== sql) problems.push(`the ${key} defined differently`);
    }
    for (const key of expected.keys()) if (!found.has(key)) problems.push(`no ${key}`);
    if (problems.length === 0) return;
    const shown = problems.slice(0, 5).join(', ') + (problems.length > 5 ? ` and ${problems.length - 5} more` : '');
    throw new CoreError('ForeignSchema',
      `${file} is not exactly a LangSwarm Sessions database: it has ${shown}. It was refused and left untouched; the sessions it holds can be copied into a new database ("salvage").`,
      { path: file, problems });
  }

  private readonly expectedSchemas = new Map<number, Map<string, string>>();

  private expectedSchema(version: number): Map<string, string> {
    let schema = this.expectedSchemas.get(version);
    if (!schema) {
      const db = new this.SQL.Database();
      try {
        const tx: Tx = {
          run: (sql, params) => { db.run(sql, (params ?? undefined) as BindParams | undefined); },
          all: () => [], get: () => undefined, changes: () => db.getRowsModified(),
        };
        initializeSchema(db, tx, this.hooks, version);
        schema = schemaObjects(db);
      } finally {
        db.close();
      }
      this.expectedSchemas.set(version, schema);
    }
    return schema;
  }

  private readJournalHeader(): SnapshotInfo | undefined {
    let fd: number;
    try {
      fd = this.fs.openSync(this.journalPath, 'r');
    } catch {
      return undefined;
    }
    try {
      return decodeJournalHeader(readRange(this.fs, fd, 0, JOURNAL_HEADER_BYTES));
    } finally {
      this.fs.closeSync(fd);
    }
  }

  private refuseWal(): void {
    if (this.fileSize(`${this.path}-wal`)) {
      throw new CoreError('NotADatabase', `${this.path} was left in WAL mode by another SQLite tool (a -wal file is beside it), which sql.js cannot read. Open it with sqlite3 and run "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;", then try again.`, { path: this.path });
    }
  }

  private setAsideDamaged(): void {
    if (this.fileSize(this.path) === undefined) return;
    const aside = `${this.path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    this.fs.renameSync(this.path, aside);
    this.warn(`The damaged file was kept as ${aside}.`);
  }

  // ---- internals: journal --------------------------------------------------------------------

  /**
   * Applies journal records newer than our state, reloading the snapshot when another process
   * folded the journal past us. With the lock held, a damaged journal is set aside and replaced.
   */
  private catchUp(locked: boolean, reloads = 0): void {
    const stat = this.statOrUndefined(this.journalPath);
    if (!stat) {
      this.closeReader();
      const snapIno = this.statOrUndefined(this.path)?.ino;
      if (snapIno !== undefined && snapIno !== this.snapshotIno && reloads < 3) this.reload(reloads + 1);
      return;
    }
    if (!this.reader || this.reader.ino !== stat.ino || stat.size < this.reader.offset) {
      this.closeReader();
      const fd = this.fs.openSync(this.journalPath, 'r');
      const header = decodeJournalHeader(readRange(this.fs, fd, 0, JOURNAL_HEADER_BYTES));
      if (header === undefined) {
        this.fs.closeSync(fd);
        if (stat.size < JOURNAL_HEADER_BYTES && locked) {
          // A journal created by hand and cut short: nothing in it was acknowledged.
          this.createJournal({ lsn: this.snapshotLsn, crc: 0, size: 0 }, []);
          return this.catchUp(locked);
        }
        throw new CoreError('CorruptDatabase', `${this.journalPath} is not a LangSwarm Sessions journal; it was left untouched.`, { path: this.journalPath });
      }
      this.reader = { fd, ino: stat.ino, offset: JOURNAL_HEADER_BYTES };
      if (header.lsn > this.lsn && this.statOrUndefined(this.path)?.ino !== this.snapshotIno && reloads < 3) {
        // Another process wrote a snapshot past our state: start again from it.
        this.reload(reloads + 1);
        return;
      }
      this.snapshotLsn = Math.max(this.snapshotLsn, header.lsn);
      this.bytesSinceSnapshot = 0;
    }
    const reader = this.reader;
    const applied: Change[] = [];
    let stop: { at: number; reason: string } | undefined;
    // Read in bounded chunks: a journal arrives with the repository and may be any size.
    while (reader.offset < stat.size && !stop) {
      const start = reader.offset;
      const next = recordBytesAt(readRange(this.fs, reader.fd, reader.offset, Math.min(stat.size, reader.offset + 16)));
      const end = Math.min(stat.size, reader.offset + Math.max(READ_CHUNK_BYTES, next ?? 0));
      const parsed = parseRecords(readRange(this.fs, reader.fd, reader.offset, end), reader.offset, (lsn) => lsn > this.lsn);
      for (const record of parsed.records) {
        if (record.lsn > this.snapshotLsn) this.bytesSinceSnapshot += record.end - record.offset;
        if (record.lsn <= this.lsn) { reader.offset = record.end; continue; }
        if (record.lsn !== this.lsn + 1) {
          if (reloads < 3) return this.reload(reloads + 1); // raced with another process's snapshot: start again
          throw new CoreError('CorruptDatabase', `${this.journalPath} skips from change #${this.lsn} to #${record.lsn}; it does not continue the snapshot.`, { path: this.journalPath });
        }
        if (record.schema > this.hooks.schemaVersion) {
          throw new CoreError('SchemaTooNew', `${this.journalPath} holds changes from a newer version of LangSwarm Sessions (schema ${record.schema}). Update the extension; nothing was changed.`, { path: this.journalPath });
        }
        const failure = this.replay(record.statements);
        if (failure) { stop = { at: record.offset, reason: `change #${record.lsn} cannot be applied: ${failure}` }; break; }
        this.lsn = record.lsn;
        reader.offset = record.end;
        applied.push(...record.changes);
      }
      if (stop) break;
      reader.offset = parsed.goodEnd;
      if (parsed.stop.kind === 'damaged') stop = { at: parsed.goodEnd, reason: parsed.stop.reason };
      if (parsed.stop.kind === 'incomplete') {
        if (end === stat.size) break; // a write in progress, or a torn tail
        // The chunk was sized to hold the next record whole, so more file after it means damage.
        if (parsed.goodEnd === start) stop = { at: start, reason: 'a record cut short before the end of the file' };
      }
    }
    this.journalStopped = stop !== undefined;
    if (stop) {
      const message = `The journal ${this.journalPath} is damaged at byte ${stop.at} (${stop.reason}); changes after that point could not be read.`;
      if (locked) {
        // Keep the unreadable journal for recovery by hand, and continue from a fresh snapshot.
        const aside = `${this.journalPath}.damaged-${Date.now()}`;
        this.fs.renameSync(this.journalPath, aside);
        this.closeReader();
        this.journalStopped = false;
        this.warnings.splice(0, this.warnings.length, ...this.warnings.filter((w) => w !== message)); // said again, completed
        this.warn(`${message} It was kept as ${aside}.`);
        this.checkpointLocked(true);
      } else if (!this.warnings.includes(message)) {
        // A writable open sets the journal aside right after and says so then; say it once.
        if (this.readOnly || !this.loading) this.warn(message);
      }
    }
    if (applied.length > 0) this.emit(applied, true);
  }

  /**
   * Applies one record's statements, all or nothing. Each must name a catalogue statement (journals
   * written before the catalogue named it by its exact text) with the right number of parameters.
   * Returns why it could not be applied, or undefined.
   */
  private replay(statements: Statement[]): string | undefined {
    const runs: Array<[CatalogueEntry, Statement[1]]> = [];
    for (const [name, params] of statements) {
      const entry = this.byName.get(name) ?? this.bySql.get(name);
      if (!entry) return `it names a statement this version does not have (${JSON.stringify(name.slice(0, 60))})`;
      if (params.length !== entry.params) return `statement ${entry.name} takes ${entry.params} parameters, not ${params.length}`;
      runs.push([entry, params]);
    }
    this.db.run('BEGIN');
    try {
      for (const [entry, params] of runs) this.runStatement(this.statement(entry.sql), params); // bound as when it was made
      this.db.run('COMMIT');
      return undefined;
    } catch (e) {
      this.db.run('ROLLBACK');
      return describeError(e);
    }
  }

  /** Loads the snapshot file again (another process replaced it) and replays the journal after it. */
  private reload(reloads = 1): void {
    this.closeReader();
    const ino = this.statOrUndefined(this.path)?.ino;
    const main = this.readSnapshot(this.path, this.readJournalHeader());
    const snap = main.ok || !this.fileSize(this.backupPath) ? main : this.readSnapshot(this.backupPath);
    if (!snap.ok) throw snap.error;
    this.snapshotIno = ino;
    this.useSnapshot(snap);
    this.catchUp(false, reloads);
    this.emit('reset', true);
  }

  private append(record: Buffer): void {
    if (!this.reader) this.createJournal({ lsn: this.snapshotLsn, crc: 0, size: 0 }, []);
    const reader = this.reader ?? this.openReaderAtEnd();
    if (!this.appendFd || this.appendFd.ino !== reader.ino) {
      if (this.appendFd) this.fs.closeSync(this.appendFd.fd);
      this.appendFd = { fd: this.fs.openSync(this.journalPath, 'r+'), ino: reader.ino };
    }
    const fd = this.appendFd.fd;
    const at = reader.offset;
    try {
      // Bytes past the last good record were never acknowledged (a crashed writer): drop them first.
      if (this.fs.fstatSync(fd).size !== at) this.fs.ftruncateSync(fd, at);
      writeAll(this.fs, fd, record, at);
      this.fs.fdatasyncSync(fd);
    } catch (e) {
      try { this.fs.ftruncateSync(fd, at); } catch { /* the next writer truncates it; readers stop there */ }
      throw storageError('save the change to the journal', e);
    }
    reader.offset = at + record.length;
    this.bytesSinceSnapshot += record.length;
  }

  private openReaderAtEnd(): JournalReader {
    this.catchUp(true);
    if (!this.reader) throw new CoreError('StorageError', `Could not open ${this.journalPath}.`);
    return this.reader;
  }

  private createJournal(snapshot: SnapshotInfo, records: Buffer[]): void {
    writeFileAtomic(this.fs, this.journalPath, [encodeJournalHeader(snapshot), ...records]);
    this.closeReader();
  }

  // ---- internals: snapshots ------------------------------------------------------------------

  /**
   * Writes the current state as the new snapshot. The previous snapshot becomes the backup, and the
   * journal keeps only the records after it. With `selfBackup` the backup is a copy of the new
   * snapshot instead (used when the change being made durable is not in the journal).
   *
   * The new snapshot is written to a temp file first, so a full disk changes nothing. The current
   * snapshot file then gets a second name, the new one is renamed over x.sqlite, and that second
   * name is renamed to x.sqlite.bak: no copy, x.sqlite never goes missing, and the backup and the
   * database are never one file. At every crash point x.sqlite.bak plus the journal (still holding
   * the records after the backup's snapshot until it is rewritten last) rebuild the latest state.
   */
  private checkpointLocked(selfBackup: boolean): void {
    if (this.lsn >= MAX_LSN) throw new CoreError('CorruptDatabase', `${this.path} has run out of change numbers.`, { path: this.path });
    this.tracer.span('store.snapshot', undefined, () => {
      this.db.run(`INSERT OR REPLACE INTO store_meta(key, value) VALUES ('lsn', ?)`, [this.lsn]);
      const bytes = this.db.export();
      const kept = selfBackup ? [] : this.journalRecordsAfter(this.snapshotLsn);
      try {
        this.removeLeftoverTemps();
        const keepPrevious = !selfBackup && this.fileSize(this.path) !== undefined;
        const snapshot = writeTemp(this.fs, this.path, [bytes]);
        const previous = `${this.backupPath}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
        try {
          if (keepPrevious) this.fs.linkSync(this.path, previous);
          renameOver(this.fs, snapshot, this.path);
          if (keepPrevious) this.fs.renameSync(previous, this.backupPath);
        } finally {
          // Gone when all went well; also left when the backup already was that file (rename then does nothing).
          for (const tmp of [snapshot, previous]) try { this.fs.unlinkSync(tmp); } catch { /* renamed */ }
        }
        if (selfBackup) writeFileAtomic(this.fs, this.backupPath, [bytes]);
        this.createJournal(snapshotInfo(this.lsn, bytes), kept);
      } catch (e) {
        throw storageError('write a snapshot of the session database', e);
      }
      this.snapshotLsn = this.lsn;
      this.snapshotIno = this.statOrUndefined(this.path)?.ino;
      this.catchUp(true); // opens the new journal and moves to its end
      this.bytesSinceSnapshot = 0;
    });
  }

  /**
   * Removes temp files a crashed or killed writer of this database left beside it. Only a lock holder
   * writes them, and we hold the lock: any that exist now are nobody's.
   */
  private removeLeftoverTemps(): void {
    const dir = dirname(this.path);
    const name = basename(this.path);
    const ours = [name, `${name}.bak`, `${name}.journal`].map((n) => `${n}.tmp-`);
    let entries: string[];
    try {
      entries = this.fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (ours.some((prefix) => entry.startsWith(prefix))) {
        try { this.fs.unlinkSync(join(dir, entry)); } catch { /* best effort */ }
      }
    }
  }

  /** Raw bytes of the journal records with lsn > `after`, to carry into a rewritten journal. */
  private journalRecordsAfter(after: number): Buffer[] {
    const size = this.fileSize(this.journalPath);
    if (!size) return [];
    const fd = this.fs.openSync(this.journalPath, 'r');
    try {
      const buf = readRange(this.fs, fd, 0, size);
      if (decodeJournalHeader(buf) === undefined) return [];
      const parsed = parseRecords(buf.subarray(JOURNAL_HEADER_BYTES), JOURNAL_HEADER_BYTES, () => false);
      const first = parsed.records.find((r) => r.lsn > after);
      return first ? [buf.subarray(first.offset, parsed.goodEnd)] : [];
    } finally {
      this.fs.closeSync(fd);
    }
  }

  // ---- internals: plumbing -------------------------------------------------------------------

  /** Runs `task` alone: in-process queue plus the cross-process lock, caught up with others first. */
  private exclusive<T>(task: () => T | Promise<T>, catchUpFirst = true): Promise<T> {
    if (this.readOnly) {
      return Promise.reject(new CoreError('DatabaseReadOnly', 'The session database is open read-only (untrusted workspace or read-only location); changes are not allowed.'));
    }
    if (this.closed) return Promise.reject(new CoreError('DatabaseClosed', 'The session database is closed.'));
    this.pendingWrites += 1;
    const run = async () => {
      try {
        await this.lock.acquire();
        if (catchUpFirst) this.catchUp(true);
        const result = await task();
        if (this.bytesSinceSnapshot >= this.checkpointBytes) {
          // Fold the journal after this write is acknowledged, before the next one runs.
          void this.exclusive(() => {
            if (this.bytesSinceSnapshot >= this.checkpointBytes) this.checkpointLocked(false);
          }).catch((e: unknown) => this.tracer.warn('snapshot failed; the journal still holds every change', { error: describeError(e) }));
        }
        return result;
      } finally {
        this.pendingWrites -= 1;
        if (this.pendingWrites === 0) this.releaseSoon();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * With `lingerLock`, keeps the lock until the current turn of the event loop ends, so a caller
   * awaiting writes one after another pays for it once; never longer than LOCK_BURST_MS.
   */
  private releaseSoon(): void {
    if (!this.lingerLock || performance.now() - this.lock.acquiredAt > LOCK_BURST_MS) {
      this.lock.release();
      return;
    }
    setImmediate(() => {
      if (this.pendingWrites === 0) this.lock.release();
    });
  }

  private inTransaction<T>(fn: (tx: Tx) => T, record: boolean): { result: T; statements: Statement[] } {
    const statements: Statement[] = [];
    const tx = this.makeTx(record ? statements : undefined);
    this.db.run('BEGIN');
    try {
      return { result: fn(tx), statements };
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
  }

  /** A Tx over the open transaction; with `statements`, it records what it runs (for the journal). */
  private makeTx(statements: Statement[] | undefined): Tx {
    return {
      run: (sql, params = null) => {
        const bound = normaliseParams(params);
        if (statements) {
          const entry = this.bySql.get(sql);
          if (!entry || (bound !== null && !Array.isArray(bound))) {
            throw new CoreError('Internal', `A journaled write ran a statement outside the store's catalogue or with named parameters: ${sql.slice(0, 80)}`);
          }
          statements.push([entry.name, bound ?? []]);
        }
        this.runStatement(this.statement(sql), bound);
      },
      all: (sql, params) => this.all(sql, params),
      get: (sql, params) => this.get(sql, params),
      changes: () => this.db.getRowsModified(),
    };
  }

  /** Rows changed on this connection since it opened (SQLite's total_changes()). */
  private totalChanges(): number {
    return Number(this.get<{ n: number }>('SELECT total_changes() AS n')?.n ?? 0);
  }

  private statement(sql: string): SqlStatement {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.prepared.set(sql, stmt);
    }
    return stmt;
  }

  private useDatabase(db: Database): void {
    for (const s of this.prepared.values()) s.free();
    this.prepared.clear();
    this.db.close();
    this.db = db;
    this.fileBytesInMemory = 0;
    this.applyPragmas();
  }

  private applyPragmas(): void {
    // Rollback journal in memory: sql.js's file lives in memory anyway; durability is our journal's job.
    this.db.run('PRAGMA journal_mode = MEMORY');
    this.db.run('PRAGMA temp_store = MEMORY');
  }

  private emit(changes: Change[] | 'reset', external: boolean): void {
    for (const l of this.listeners) {
      try { l(changes, external); } catch (e) { this.tracer.error('change listener failed', { error: describeError(e) }); }
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.tracer.warn(message, { path: this.path });
  }

  private fileSize(file: string): number | undefined {
    return this.statOrUndefined(file)?.size;
  }

  private statOrUndefined(file: string): { size: number; ino: number } | undefined {
    try {
      const st = this.fs.statSync(file);
      return { size: st.size, ino: st.ino };
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined;
      throw storageError(`read ${file}`, e);
    }
  }

  private closeReader(): void {
    if (this.reader) this.fs.closeSync(this.reader.fd);
    this.reader = undefined;
  }

  private closeFiles(): void {
    this.closeReader();
    if (this.appendFd) this.fs.closeSync(this.appendFd.fd);
    this.appendFd = undefined;
    this.lock.release();
  }
}

/** Creates store_meta and the hooks' schema at `version` in one transaction. */
function initializeSchema(db: Database, tx: Tx, hooks: DurableHooks, version: number): void {
  db.run('BEGIN');
  try {
    tx.run('CREATE TABLE IF NOT EXISTS store_meta(key TEXT PRIMARY KEY, value)');
    hooks.initialize(tx, version);
    db.run('COMMIT');
  } catch (e) {
    db.run('ROLLBACK');
    throw e;
  }
}

/** Every schema object (type and name) with its definition, SQLite's own internal tables left out. */
function schemaObjects(db: Database): Map<string, string> {
  const rows = db.exec(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\'`)[0]?.values ?? [];
  return new Map(rows.map(([type, name, table, sql]) => [
    type === 'table' || type === 'view' ? `${type} "${String(name)}"` : `${type} "${String(name)}" on ${String(table)}`,
    // Whitespace is not meaning: the same statement written with other spacing is the same object.
    String(sql ?? '').replace(/\s+/g, ' ').replace(/ ?([(),]) ?/g, '$1').trim(),
  ]));
}

/** The change number a snapshot holds, checked: a huge one would make the next write unreadable. */
function snapshotLsnOf(db: Database, file: string): number {
  const hasMeta = (db.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'`)[0]?.values.length ?? 0) > 0;
  const value = hasMeta ? db.exec(`SELECT value FROM store_meta WHERE key = 'lsn'`)[0]?.values[0]?.[0] ?? 0 : 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_LSN) {
    throw new CoreError('CorruptDatabase', `${file} records an impossible change number (${String(value).slice(0, 40)}); it was left untouched.`, { path: file });
  }
  return value;
}

/** sql.js binds `undefined` as an error and booleans not at all: normalise, and keep records JSON-safe. */
function normaliseParams(params: Params): Params {
  if (params === null) return null;
  const fix = (v: unknown): SqlValue => {
    if (v === undefined) return null;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v instanceof Uint8Array) throw new TypeError('binary parameters are not supported by the journal');
    return v as SqlValue;
  };
  if (Array.isArray(params)) return params.map(fix);
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, fix(v)]));
}

