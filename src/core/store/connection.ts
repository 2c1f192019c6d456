// The in-memory SQLite database (sql.js) under DurableDatabase: reads with cached prepared statements,
// transactions whose writes are recorded by their names in the write catalogue (for the journal),
// replaying such a record, and room made in advance for a large import.
import type { BindParams, Database, SqlJsStatic, SqlValue, Statement as SqlStatement } from 'sql.js';
import { CoreError, describeError } from '../errors';
import type { Tracer } from '../trace';
import { decodeRows } from './encoded-rows';
import { RunRows, RunStatement, rowsRunner, statementRunner } from './fast-run';
import { asDatabaseFile } from './sqljs';
import type { Statement } from './journal';

export type Row = Record<string, SqlValue>;
export type Params = SqlValue[] | Record<string, SqlValue> | null;

/** Reads and recorded writes inside one transaction. */
export interface Tx {
  run(sql: string, params?: Params): void;
  all<T = Row>(sql: string, params?: Params): T[];
  get<T = Row>(sql: string, params?: Params): T | undefined;
  /** Rows changed by the last `run`. */
  changes(): number;
}

/** A bulk write's Tx (not journaled statement by statement): it also runs rows encoded by encoded-rows.ts. */
export interface BulkTx extends Tx {
  /** Runs `sql` once per row of `rows`, binding `lead(i)` first, then the row's values; returns the row count. */
  runRows(sql: string, lead: (row: number) => readonly SqlValue[], rows: Uint8Array): number;
}

export interface BulkOptions {
  /** Roll everything back at the end (a dry run). */
  rehearse?: boolean;
  /**
   * Also collect the statements run, for a journal record, while their parameters come to at most this many
   * bytes and all are the catalogue's (positional); past that, or for any other statement, collecting stops.
   */
  recordUpTo?: number;
}

/** A committed bulk write's statements when they were collected whole (BulkOptions.recordUpTo). */
export interface BulkOutcome<T> {
  result: T;
  committed: boolean;
  statements?: Statement[];
}

/**
 * A bulk write: `step` runs one all-or-nothing part; `makeRoom` says the run is about to add about
 * `bytes` (see DurableDatabase.bulk).
 */
export type BulkRun<T> = (step: <R>(fn: (tx: BulkTx) => R) => R, makeRoom: (bytes: number) => void) => Promise<T>;

interface CatalogueEntry {
  name: string;
  sql: string;
  params: number;
}

/** Below this, growing the in-memory file as it goes costs less than reopening it with room. */
const MIN_RESERVE_BYTES = 16 * 1024 * 1024;

export class Connection {
  private current: Database;
  private readonly prepared = new Map<string, SqlStatement>();
  private readonly runStatement: RunStatement;
  private readonly runRows: RunRows;
  private readonly byName = new Map<string, CatalogueEntry>();
  private readonly bySql = new Map<string, CatalogueEntry>();
  /** Size of the in-memory database file while a bulk write holds room reserved in it (else 0). */
  private fileBytesInMemory = 0;
  /** The buffer reserve() gave sql.js as the database file, which sql.js keeps using (see reserve). */
  private ownFile: Uint8Array | undefined;

  /** `catalogue`: every statement a journaled write may run, by its stable name (DurableHooks.statements). */
  constructor(
    private readonly SQL: SqlJsStatic,
    catalogue: Readonly<Record<string, string>>,
    private readonly tracer: Tracer,
  ) {
    this.runStatement = statementRunner(SQL);
    this.runRows = rowsRunner(SQL);
    this.current = new SQL.Database();
    for (const [name, sql] of Object.entries(catalogue)) {
      // Our own SQL: every '?' is a parameter (none sits inside a string literal).
      const entry = { name, sql, params: sql.split('?').length - 1 };
      this.byName.set(name, entry);
      this.bySql.set(sql, entry);
    }
  }

  /** The sql.js database itself: for statements outside a Tx (BEGIN, COMMIT…) and export(). */
  get db(): Database {
    return this.current;
  }

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

  /** Runs `fn` in a new transaction, left open for the caller to commit; with `record`, collects what it runs. */
  inTransaction<T>(fn: (tx: Tx) => T, record: boolean): { result: T; statements: Statement[] } {
    const statements: Statement[] = [];
    const tx = this.tx(record ? statements : undefined);
    this.current.run('BEGIN');
    try {
      return { result: fn(tx), statements };
    } catch (e) {
      this.current.run('ROLLBACK');
      throw e;
    }
  }

  /** A Tx over the open transaction; with `statements`, it records what it runs (for the journal). */
  tx(statements?: Statement[]): Tx {
    return {
      run: (sql, params = null) => {
        const bound = normaliseParams(params);
        if (statements) {
          const entry = this.bySql.get(sql);
          if (!entry || (bound !== null && !Array.isArray(bound))) {
            throw new CoreError(
              'Internal',
              `A journaled write ran a statement outside the store's catalogue or with named parameters: ${sql.slice(0, 80)}`,
            );
          }
          statements.push([entry.name, bound ?? []]);
        }
        this.runStatement(this.statement(sql), bound);
      },
      all: (sql, params) => this.all(sql, params),
      get: (sql, params) => this.get(sql, params),
      changes: () => this.current.getRowsModified(),
    };
  }

  /**
   * The one transaction of a bulk write (see DurableDatabase.bulk): each `step` is a savepoint, so a step
   * that throws leaves no trace; `makeRoom` reserves memory while nothing was written yet. Resolves once
   * committed, or rolled back with `rehearse` or when nothing changed (then `committed` is false).
   */
  async bulkTransaction<T>(run: BulkRun<T>, options: BulkOptions): Promise<BulkOutcome<T>> {
    let changesBefore = this.totalChanges();
    let inStep = false;
    let roomMade = false;
    const recorder = new BulkRecorder(this.bySql, options.recordUpTo ?? 0);
    const plain = this.tx();
    const tx: BulkTx = {
      ...plain,
      run: (sql, params = null) => {
        plain.run(sql, params);
        if (recorder.recording()) recorder.add(sql, normaliseParams(params));
      },
      runRows: (sql, lead, rows) => {
        if (!recorder.recording(rows.byteLength)) return this.runRows(this.statement(sql), lead, rows);
        const leads: SqlValue[][] = [];
        const n = this.runRows(this.statement(sql), (i) => (leads[i] = [...lead(i)]), rows);
        recorder.addRows(sql, leads, rows);
        return n;
      },
    };
    const step = <R>(fn: (tx: BulkTx) => R): R => {
      this.current.run('SAVEPOINT bulk_step');
      inStep = true;
      const mark = recorder.mark();
      try {
        const result = fn(tx);
        this.current.run('RELEASE bulk_step');
        return result;
      } catch (e) {
        this.current.run('ROLLBACK TO bulk_step');
        this.current.run('RELEASE bulk_step');
        recorder.rewind(mark);
        throw e;
      } finally {
        inStep = false;
      }
    };
    const makeRoom = (bytes: number) => {
      if (roomMade || options.rehearse || inStep || bytes < MIN_RESERVE_BYTES) return;
      roomMade = true; // asked once: a later call would come after writes
      if (this.totalChanges() !== changesBefore) return;
      // Nothing written yet, so ending the transaction loses nothing, and what it read stays true (the caller holds the lock).
      this.current.run('ROLLBACK');
      this.reserve(bytes);
      this.current.run('BEGIN');
      changesBefore = this.totalChanges(); // a reopened database counts from zero
    };
    this.current.run('BEGIN');
    let result: T;
    try {
      result = await run(step, makeRoom);
    } catch (e) {
      this.current.run('ROLLBACK');
      throw e;
    }
    if (options.rehearse || this.totalChanges() === changesBefore) {
      this.current.run('ROLLBACK');
      return { result, committed: false };
    }
    this.current.run('COMMIT');
    const statements = recorder.statements;
    return statements ? { result, committed: true, statements } : { result, committed: true };
  }

  /**
   * Applies one record's statements, all or nothing. Each must name a catalogue statement (journals
   * written before the catalogue named it by its exact text) with the right number of parameters.
   * Returns why it could not be applied, or undefined.
   */
  replay(statements: Statement[]): string | undefined {
    const runs: Array<[CatalogueEntry, Statement[1]]> = [];
    for (const [name, params] of statements) {
      const entry = this.byName.get(name) ?? this.bySql.get(name);
      if (!entry) return `it names a statement this version does not have (${JSON.stringify(name.slice(0, 60))})`;
      if (params.length !== entry.params)
        return `statement ${entry.name} takes ${entry.params} parameters, not ${params.length}`;
      runs.push([entry, params]);
    }
    this.current.run('BEGIN');
    try {
      for (const [entry, params] of runs) this.runStatement(this.statement(entry.sql), params); // bound as when it was made
      this.current.run('COMMIT');
      return undefined;
    } catch (e) {
      this.current.run('ROLLBACK');
      return describeError(e);
    }
  }

  /** Rows changed on this connection since it opened (SQLite's total_changes()). */
  totalChanges(): number {
    return Number(this.get<{ n: number }>('SELECT total_changes() AS n')?.n ?? 0);
  }

  /** Continues on `db` (a loaded snapshot, or this one reopened), closing the one before. */
  use(db: Database): void {
    for (const s of this.prepared.values()) s.free();
    this.prepared.clear();
    this.current.close();
    this.current = db;
    this.fileBytesInMemory = 0;
    this.ownFile = undefined;
    this.applyPragmas();
  }

  applyPragmas(): void {
    // Rollback journal in memory: sql.js's file lives in memory anyway; durability is our journal's job.
    this.current.run('PRAGMA journal_mode = MEMORY');
    this.current.run('PRAGMA temp_store = MEMORY');
  }

  /**
   * Makes room for `bytes` more in the in-memory database file. sql.js keeps it in a buffer that grows
   * by 12.5% at a time, copying everything each time: a large import spent a fifth of its time there.
   * Reopening it from its own bytes followed by zeros gives it the room at once; SQLite uses the page
   * count in the file's header and writes new pages into the zeros. export() copies only the pages.
   */
  reserve(bytes: number): void {
    try {
      const image = this.current.export();
      // The file stays this one buffer (asDatabaseFile): the room is neither copied nor touched (the zeros cost
      // memory only once written), and snapshotImage() can write the file without copying it.
      const padded = asDatabaseFile(new Uint8Array(image.length + bytes));
      padded.set(image);
      this.use(new this.SQL.Database(padded));
      this.fileBytesInMemory = padded.length;
      this.ownFile = padded;
    } catch (e) {
      this.tracer.warn('could not reserve memory for an import; it goes on without', { error: describeError(e) }); // only slower
    }
  }

  /**
   * Runs `change` (a statement that writes) and returns the database file's bytes for a snapshot: the file
   * itself, no copy, when it is still the buffer reserve() made (SQLite counted the change in its header there,
   * and the header's page count is the database's), else a copy from export(). The bytes are valid until the
   * next write.
   */
  snapshotImage(change: () => void): Uint8Array {
    const own = this.ownFile;
    const counter = own && fileChangeCounter(own);
    change();
    if (own && counter !== undefined && fileChangeCounter(own) === (counter + 1) >>> 0) {
      const bytes = this.imageBytes();
      const view = new DataView(own.buffer, own.byteOffset, own.byteLength);
      const pageSize = view.getUint16(16) === 1 ? 65536 : view.getUint16(16);
      // Header fields as export() leaves them: a rollback-journal file whose page count is in the header.
      if (bytes > 0 && bytes <= own.length && view.getUint32(28) * pageSize === bytes && own[18] === 1 && own[19] === 1)
        return own.subarray(0, bytes);
    }
    return this.current.export();
  }

  /** Gives back room reserved and not used (an import that added less than expected, or nothing). */
  releaseUnusedRoom(): void {
    if (!this.fileBytesInMemory) return;
    const unused = this.fileBytesInMemory - this.imageBytes();
    this.fileBytesInMemory = 0; // settled for this run: what is not given back is in use
    if (unused < MIN_RESERVE_BYTES) return;
    try {
      this.use(new this.SQL.Database(this.current.export()));
    } catch (e) {
      this.tracer.warn('could not give back memory reserved for an import', { error: describeError(e) });
    }
  }

  close(): void {
    for (const s of this.prepared.values()) s.free();
    this.prepared.clear();
    this.current.close();
  }

  private imageBytes(): number {
    return (
      this.get<{ n: number }>('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()')?.n ?? 0
    );
  }

  private statement(sql: string): SqlStatement {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      stmt = this.current.prepare(sql);
      this.prepared.set(sql, stmt);
    }
    return stmt;
  }
}

/** SQLite's file change counter (header offset 24): incremented by every transaction that wrote the file. */
function fileChangeCounter(file: Uint8Array): number | undefined {
  return file.length >= 100 ? new DataView(file.buffer, file.byteOffset, 100).getUint32(24) : undefined;
}

/**
 * The statements of a bulk write, collected for a journal record while they stay small and replayable
 * (catalogue statements with positional parameters); once they are not, it gives up and the write is made
 * durable by a snapshot instead. A step rolled back is rewound.
 */
class BulkRecorder {
  private collected: Statement[] | undefined;
  private bytes = 0;

  constructor(
    private readonly catalogue: ReadonlyMap<string, CatalogueEntry>,
    private readonly limit: number,
  ) {
    if (limit > 0) this.collected = [];
  }

  get statements(): Statement[] | undefined {
    return this.collected;
  }

  /** Whether it still collects, with about `bytes` more to come. */
  recording(bytes = 0): boolean {
    if (this.collected && this.bytes + bytes > this.limit) this.collected = undefined;
    return this.collected !== undefined;
  }

  add(sql: string, params: Params): void {
    if (!this.collected) return;
    const entry = this.catalogue.get(sql);
    if (!entry || (params !== null && !Array.isArray(params))) return void (this.collected = undefined);
    const values = (params ?? []) as SqlValue[];
    for (const v of values) this.bytes += typeof v === 'string' ? v.length * 3 : 8;
    this.collected.push([entry.name, values]);
    this.recording();
  }

  addRows(sql: string, leads: readonly SqlValue[][], rows: Uint8Array): void {
    const decoded = decodeRows(rows);
    for (let i = 0; i < decoded.length && this.collected; i++) this.add(sql, [...leads[i]!, ...decoded[i]!]);
  }

  mark(): number {
    return this.collected?.length ?? 0;
  }

  rewind(mark: number): void {
    this.collected?.splice(mark);
  }
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
