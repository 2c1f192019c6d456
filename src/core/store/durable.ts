// An sql.js database made durable and shareable between processes.
//
// Files, for a database `x.sqlite`:
//   x.sqlite          the last snapshot: always a complete, valid SQLite file (written temp + fsync + rename)
//   x.sqlite.journal  checksummed records of every change since the previous snapshot (not SQLite's journal)
//   x.sqlite.bak      the previous snapshot, a file of its own: the fallback when x.sqlite is found damaged
//   x.sqlite.lock     held only while a process writes (a few hundred microseconds; an import, its whole
//                     run); its holder refreshes it every few seconds, and others break it when its owner
//                     died or it went unrefreshed (see FileLock, and WriteTurns for taking turns)
//
// A write takes the lock, first applies records other processes appended, runs its SQL in a
// transaction while recording the statements, appends them as one record, fdatasyncs, and only then
// commits in memory and resolves. The cost is one small append whatever the database size. The
// journal is folded into a new snapshot when it grows; it keeps the records since the *previous*
// snapshot, so x.sqlite.bak plus the journal can always rebuild the latest state.
//
// This file ties the pieces together and keeps the state they share (which change the memory holds,
// which snapshot it started from): connection.ts is the in-memory database, snapshot.ts reads and
// checks snapshots, journal-file.ts reads and appends the journal, checkpoint.ts writes snapshots,
// write-turns.ts gives writers their turns; durable-config.ts has what a database is opened with.
// Over 450 lines: it keeps the state the pieces below share; each piece is a file of its own.
import type { Database, SqlJsStatic } from 'sql.js';
import { CoreError, describeError } from '../errors';
import { Tracer } from '../trace';
import { writeSnapshot } from './checkpoint';
import { BulkOptions, BulkRun, Connection, Params, Row, Tx } from './connection';
import { DatabaseFiles, databaseFiles, dirOf, realFs, statOrUndefined, storageError } from './files';
import { EntryVerdict, JournalEntry, JournalFile, JournalStop } from './journal-file';
import { Change, JOURNAL_HEADER_BYTES, MAX_LSN, encodeRecord, snapshotInfo } from './journal';
import { SnapshotReader, initializeSchema, refuseWal } from './snapshot';
import { loadSqlJs } from './sqljs';
import { WriteTurns } from './write-turns';
import type { DurableHooks, DurableOptions } from './durable-config';

export type ChangeListener = (changes: Change[] | 'reset', external: boolean) => void;

const DEFAULT_CHECKPOINT_BYTES = 8 * 1024 * 1024;
/**
 * A bulk write whose statements stay under this is one journal record, not a snapshot: a followed store's few
 * new messages then cost an append, not a rewrite of the whole database and its backup (2 × 57 MB for the
 * reference workload).
 */
const BULK_RECORD_BYTES = 1024 * 1024;
/** On close, fold a journal this large so the next open replays little. */
const CLOSE_CHECKPOINT_BYTES = 1024 * 1024;

export class DurableDatabase {
  private readonly conn: Connection;
  private readonly files: DatabaseFiles;
  private readonly journal: JournalFile;
  private readonly snapshots: SnapshotReader;
  /** Sequence number of the last change applied to the in-memory database. */
  private lsn = 0;
  /** Sequence number contained in the snapshot file as last seen. */
  private snapshotLsn = 0;
  /** Inode of the snapshot file we loaded, to notice another process replacing it. */
  private snapshotIno: number | undefined;
  private bytesSinceSnapshot = 0;
  private readonly turns: WriteTurns;
  private readonly listeners = new Set<ChangeListener>();
  private closed = false;
  private recoveredFromBackup = false;
  /** Until open() is done (a writable open then sets a bad journal aside itself). */
  private loading = true;
  /** The journal has a record we could not read or apply: nothing after it was applied. */
  private journalStopped = false;
  /** Things the user should be told about (recovered from backup, journal damage…). */
  readonly warnings: string[] = [];
  readonly readOnly: boolean;
  private readonly tracer: Tracer;
  private readonly checkpointBytes: number;

  private constructor(
    SQL: SqlJsStatic,
    readonly path: string,
    private readonly hooks: DurableHooks,
    options: DurableOptions,
  ) {
    const fs = options.fs ?? realFs;
    this.tracer = options.tracer ?? new Tracer('warn');
    this.readOnly = options.readOnly ?? false;
    this.checkpointBytes =
      options.checkpointBytes ?? (Number(process.env['LANGSWARM_CHECKPOINT_BYTES']) || DEFAULT_CHECKPOINT_BYTES);
    this.files = databaseFiles(fs, path);
    this.journal = new JournalFile(fs, this.files.journalPath);
    this.snapshots = new SnapshotReader(SQL, hooks, this.files);
    this.turns = new WriteTurns(
      fs,
      `${path}.lock`,
      { timeoutMs: options.lockTimeoutMs, heartbeatMs: options.lockHeartbeatMs },
      options.lingerLock ?? false,
    );
    this.conn = new Connection(SQL, hooks.statements, this.tracer);
  }

  static async open(path: string, hooks: DurableHooks, options: DurableOptions = {}): Promise<DurableDatabase> {
    const store = new DurableDatabase(await loadSqlJs(), path, hooks, options);
    try {
      await store.load();
      store.loading = false;
    } catch (e) {
      store.closeFiles();
      store.conn.close();
      throw e;
    }
    return store;
  }

  /** The in-memory sql.js database (benchmarks export it). */
  get db(): Database {
    return this.conn.db;
  }

  // ---- reading -----------------------------------------------------------------------------

  all<T = Row>(sql: string, params?: Params): T[] {
    return this.conn.all<T>(sql, params);
  }

  get<T = Row>(sql: string, params?: Params): T | undefined {
    return this.conn.get<T>(sql, params);
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
      const { result, statements } = this.conn.inTransaction(fn, true);
      if (statements.length === 0) {
        this.conn.db.run('ROLLBACK'); // it only read: end the transaction, or the next write could not begin one
        return result;
      }
      const changes = describe(result);
      const record = encodeRecord({ lsn: this.lsn + 1, schema: this.hooks.schemaVersion, statements, changes });
      try {
        this.append(record);
      } catch (e) {
        this.conn.db.run('ROLLBACK');
        throw e;
      }
      this.conn.db.run('COMMIT');
      this.lsn += 1;
      this.emit(changes, false);
      return result;
    });
  }

  /**
   * For imports: runs `fn` in one transaction, then makes it durable with one journal record when its
   * statements stay small (a followed store's new messages), else with a snapshot (and a second copy as the
   * backup), which other processes reload.
   */
  writeBulk<T>(fn: (tx: Tx) => T): Promise<T> {
    return this.bulk(async (step) => step(fn));
  }

  /**
   * writeBulk for long imports that must stay responsive: `run` may await between steps (to report
   * progress, notice cancellation) while the write lock stays held. All steps share one transaction;
   * each step is a savepoint, so a step that throws leaves no trace and the run may go on. At the end
   * one journal record (up to BULK_RECORD_BYTES of statements) or one snapshot makes everything durable,
   * or with `rehearse` everything is rolled back (a dry run).
   * When nothing changed, nothing is written. `makeRoom`, called between steps before anything was
   * written, prepares the in-memory database for a large addition (Connection.reserve); elsewhere it does nothing.
   */
  bulk<T>(run: BulkRun<T>, options: BulkOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      try {
        const { result, committed, statements } = await this.conn.bulkTransaction(run, {
          recordUpTo: BULK_RECORD_BYTES,
          ...options,
        });
        if (!committed) return result;
        this.lsn += 1;
        try {
          if (statements) {
            const changes = [{ kind: 'reset' }]; // other processes reload their views, as after a snapshot
            this.append(encodeRecord({ lsn: this.lsn, schema: this.hooks.schemaVersion, statements, changes }));
          } else this.checkpointLocked(true);
        } catch (e) {
          // The change is in memory but not on disk: reload the last durable state so memory never
          // claims more than the files hold, then report.
          this.reload();
          throw e;
        }
        this.emit('reset', false);
        return result;
      } finally {
        this.conn.releaseUnusedRoom();
      }
    });
  }

  /** Folds the journal into a new snapshot now (e.g. when the editor goes idle). */
  checkpoint(): Promise<void> {
    return this.exclusive(() => {
      if (this.bytesSinceSnapshot > 0) this.checkpointLocked(false);
    });
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
    await this.turns.settled();
    this.closed = true;
    this.closeFiles();
    this.conn.close();
  }

  // ---- internals: open and recover -----------------------------------------------------------

  private async load(): Promise<void> {
    refuseWal(this.files);
    if (!this.fileSize(this.path)) {
      if (this.readOnly) {
        // Nothing on disk and we may not create it: an empty database in memory.
        this.initializeInMemory();
        return;
      }
      try {
        this.files.fs.mkdirSync(dirOf(this.path), { recursive: true });
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
    initializeSchema(this.conn.db, this.conn.tx(), this.hooks, this.hooks.schemaVersion);
    this.conn.applyPragmas();
  }

  private createNew(): void {
    this.initializeInMemory();
    this.lsn = 0;
    this.checkpointLocked(true);
    this.tracer.info('created session database', { path: this.path });
  }

  private loadExisting(): void {
    // Note the inode before reading, so a snapshot replaced meanwhile is noticed and reloaded.
    const ino = statOrUndefined(this.files.fs, this.path)?.ino;
    const { snapshot, damage } = this.snapshots.readLatest(this.journal.readHeader());
    this.snapshotIno = ino;
    this.useSnapshot(snapshot);
    if (damage) {
      this.recoveredFromBackup = true;
      this.warn(
        `The session database was damaged (${damage}); it was rebuilt from the previous snapshot and the journal.`,
      );
    }
    this.catchUp(false);
  }

  private useSnapshot(snapshot: { db: Database; lsn: number }): void {
    this.conn.use(snapshot.db);
    this.lsn = snapshot.lsn;
    this.snapshotLsn = this.lsn;
  }

  /** Loads the snapshot file again (another process replaced it) and replays the journal after it. */
  private reload(reloads = 1): void {
    this.journal.closeReader();
    const ino = statOrUndefined(this.files.fs, this.path)?.ino;
    const main = this.snapshots.read(this.path, this.journal.readHeader());
    const snap = main.ok || !this.fileSize(this.files.backupPath) ? main : this.snapshots.read(this.files.backupPath);
    if (!snap.ok) throw snap.error;
    this.snapshotIno = ino;
    this.useSnapshot(snap);
    this.catchUp(false, reloads);
    this.emit('reset', true);
  }

  private setAsideDamaged(): void {
    if (this.fileSize(this.path) === undefined) return;
    const aside = `${this.path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    this.files.fs.renameSync(this.path, aside);
    this.warn(`The damaged file was kept as ${aside}.`);
  }

  // ---- internals: following the journal ------------------------------------------------------

  /**
   * Applies journal records newer than our state, reloading the snapshot when another process
   * folded the journal past us. With the lock held, a damaged journal is set aside and replaced.
   */
  private catchUp(locked: boolean, reloads = 0): void {
    const stat = this.journal.stat();
    if (!stat) {
      this.journal.closeReader();
      const snapIno = statOrUndefined(this.files.fs, this.path)?.ino;
      if (snapIno !== undefined && snapIno !== this.snapshotIno && reloads < 3) this.reload(reloads + 1);
      return;
    }
    if (this.journal.isNew(stat)) {
      const header = this.journal.followFromStart(stat.ino);
      if (header === undefined) {
        if (stat.size < JOURNAL_HEADER_BYTES && locked) {
          // A journal created by hand and cut short: nothing in it was acknowledged.
          this.journal.create({ lsn: this.snapshotLsn, crc: 0, size: 0 }, []);
          return this.catchUp(locked);
        }
        throw new CoreError(
          'CorruptDatabase',
          `${this.files.journalPath} is not a LangSwarm Sessions journal; it was left untouched.`,
          { path: this.files.journalPath },
        );
      }
      if (header.lsn > this.lsn && statOrUndefined(this.files.fs, this.path)?.ino !== this.snapshotIno && reloads < 3) {
        // Another process wrote a snapshot past our state: start again from it.
        this.reload(reloads + 1);
        return;
      }
      this.snapshotLsn = Math.max(this.snapshotLsn, header.lsn);
      this.bytesSinceSnapshot = 0;
    }
    const applied: Change[] = [];
    const stop = this.journal.read(
      stat.size,
      (lsn) => lsn > this.lsn,
      (entry) => this.take(entry, applied, reloads),
    );
    if (stop === 'restart') return this.reload(reloads + 1); // raced with another process's snapshot: start again
    this.journalStopped = stop !== undefined;
    if (stop) this.journalDamaged(stop, locked);
    if (applied.length > 0) this.emit(applied, true);
  }

  /** Applies one journal record when it is the next change (collecting what it changed in `applied`). */
  private take(entry: JournalEntry, applied: Change[], reloads: number): EntryVerdict {
    if (entry.lsn > this.snapshotLsn) this.bytesSinceSnapshot += entry.end - entry.offset;
    if (entry.lsn <= this.lsn) return 'next';
    if (entry.lsn !== this.lsn + 1) {
      if (reloads < 3) return 'restart';
      throw new CoreError(
        'CorruptDatabase',
        `${this.files.journalPath} skips from change #${this.lsn} to #${entry.lsn}; it does not continue the snapshot.`,
        { path: this.files.journalPath },
      );
    }
    if (entry.schema > this.hooks.schemaVersion) {
      throw new CoreError(
        'SchemaTooNew',
        `${this.files.journalPath} holds changes from a newer version of LangSwarm Sessions (schema ${entry.schema}). Update the extension; nothing was changed.`,
        { path: this.files.journalPath },
      );
    }
    const failure = this.conn.replay(entry.statements);
    if (failure) return { cannotApply: `change #${entry.lsn} cannot be applied: ${failure}` };
    this.lsn = entry.lsn;
    applied.push(...entry.changes);
    return 'next';
  }

  /** Says the journal is damaged; with the lock held, keeps it aside and continues from a fresh snapshot. */
  private journalDamaged(stop: JournalStop, locked: boolean): void {
    const message = `The journal ${this.files.journalPath} is damaged at byte ${stop.at} (${stop.reason}); changes after that point could not be read.`;
    if (locked) {
      // Keep the unreadable journal for recovery by hand, and continue from a fresh snapshot.
      const aside = `${this.files.journalPath}.damaged-${Date.now()}`;
      this.files.fs.renameSync(this.files.journalPath, aside);
      this.journal.closeReader();
      this.journalStopped = false;
      this.warnings.splice(0, this.warnings.length, ...this.warnings.filter((w) => w !== message)); // said again, completed
      this.warn(`${message} It was kept as ${aside}.`);
      this.checkpointLocked(true);
    } else if (!this.warnings.includes(message)) {
      // A writable open sets the journal aside right after and says so then; say it once.
      if (this.readOnly || !this.loading) this.warn(message);
    }
  }

  private append(record: Buffer): void {
    if (!this.journal.following) {
      this.journal.create({ lsn: this.snapshotLsn, crc: 0, size: 0 }, []);
      this.catchUp(true); // follows the new journal from its start
    }
    this.journal.append(record);
    this.bytesSinceSnapshot += record.length;
  }

  // ---- internals: snapshots ------------------------------------------------------------------

  /**
   * Writes the current state as the new snapshot (see writeSnapshot), then a journal that keeps only
   * the records after the previous snapshot, the backup's. With `selfBackup` the backup is a copy of
   * the new snapshot and the journal starts empty (the change made durable is not in the journal).
   */
  private checkpointLocked(selfBackup: boolean): void {
    if (this.lsn >= MAX_LSN)
      throw new CoreError('CorruptDatabase', `${this.path} has run out of change numbers.`, { path: this.path });
    this.tracer.span('store.snapshot', undefined, () => {
      const bytes = this.conn.snapshotImage(() =>
        this.conn.db.run(`INSERT OR REPLACE INTO store_meta(key, value) VALUES ('lsn', ?)`, [this.lsn]),
      );
      const kept = selfBackup ? [] : this.journal.recordsAfter(this.snapshotLsn);
      try {
        writeSnapshot(this.files, bytes, selfBackup);
        this.journal.create(snapshotInfo(this.lsn, bytes), kept);
      } catch (e) {
        throw storageError('write a snapshot of the session database', e);
      }
      this.snapshotLsn = this.lsn;
      this.snapshotIno = statOrUndefined(this.files.fs, this.path)?.ino;
      this.catchUp(true); // opens the new journal and moves to its end
      this.bytesSinceSnapshot = 0;
    });
  }

  // ---- internals: plumbing -------------------------------------------------------------------

  /** Runs `task` alone (see WriteTurns), caught up with other processes first; folds a journal grown large after it. */
  private exclusive<T>(task: () => T | Promise<T>, catchUpFirst = true): Promise<T> {
    if (this.readOnly) {
      return Promise.reject(
        new CoreError(
          'DatabaseReadOnly',
          'The session database is open read-only (untrusted workspace or read-only location); changes are not allowed.',
        ),
      );
    }
    if (this.closed) return Promise.reject(new CoreError('DatabaseClosed', 'The session database is closed.'));
    return this.turns.run(async () => {
      if (catchUpFirst) this.catchUp(true);
      const result = await task();
      if (this.bytesSinceSnapshot >= this.checkpointBytes) {
        // Fold the journal after this write is acknowledged, before the next one runs.
        void this.exclusive(() => {
          if (this.bytesSinceSnapshot >= this.checkpointBytes) this.checkpointLocked(false);
        }).catch((e: unknown) =>
          this.tracer.warn('snapshot failed; the journal still holds every change', { error: describeError(e) }),
        );
      }
      return result;
    });
  }

  private emit(changes: Change[] | 'reset', external: boolean): void {
    for (const l of this.listeners) {
      try {
        l(changes, external);
      } catch (e) {
        this.tracer.error('change listener failed', { error: describeError(e) });
      }
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.tracer.warn(message, { path: this.path });
  }

  private fileSize(file: string): number | undefined {
    return statOrUndefined(this.files.fs, file)?.size;
  }

  private closeFiles(): void {
    this.journal.close();
    this.turns.release();
  }
}
