// Running a write statement without sql.js's binding cost.
//
// sql.js binds a string by measuring and encoding its UTF-8 in a JavaScript loop and allocating wasm
// memory for it. Profiled on an import, that cost three times SQLite's own work for the insert. Here
// the same statement is bound through the C functions sql.js exports: TextEncoder into one reused
// buffer, copied into one reused block of wasm memory, bound SQLITE_TRANSIENT (SQLite copies it).
// Anything else — named parameters, any error, a sql.js whose internals no longer match — goes
// through sql.js's own run(), so results and error messages stay sql.js's.
//
// Rows encoded by encoded-rows.ts (the import's reader thread makes them) are bound from their bytes: each
// row copied into wasm memory once, its text bound from there SQLITE_STATIC (SQLite does not copy it again).
import type { SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { RowReader, ValueTag, decodeRows } from './encoded-rows';

/** The part of sql.js's module (Emscripten exports) used here; not in its type definitions. */
interface SqlJsExports {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _sqlite3_sql(stmt: number): number;
  _sqlite3_bind_text(stmt: number, index: number, ptr: number, bytes: number, destructor: number): number;
  _sqlite3_bind_blob(stmt: number, index: number, ptr: number, bytes: number, destructor: number): number;
  _sqlite3_bind_int(stmt: number, index: number, value: number): number;
  _sqlite3_bind_double(stmt: number, index: number, value: number): number;
  _sqlite3_step(stmt: number): number;
  _sqlite3_reset(stmt: number): number;
  _sqlite3_clear_bindings(stmt: number): number;
  writeArrayToMemory(bytes: Int8Array, ptr: number): void;
  UTF8ToString(ptr: number): string;
}

const SQLITE_OK = 0;
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const SQLITE_TRANSIENT = -1;

const SQLITE_STATIC = 0;

export type RunStatement = (stmt: Statement, params: readonly SqlValue[] | Record<string, SqlValue> | null) => void;
/**
 * Runs `stmt` once per row of `rows` (encoded-rows.ts), binding `lead(i)` first and then the row's values;
 * returns how many rows it ran.
 */
export type RunRows = (stmt: Statement, lead: (row: number) => readonly SqlValue[], rows: Uint8Array) => number;

interface Runners {
  run: RunStatement;
  runRows: RunRows;
}

const runners = new WeakMap<SqlJsStatic, Runners>();

function runnersOf(SQL: SqlJsStatic): Runners {
  let found = runners.get(SQL);
  if (!found) runners.set(SQL, (found = makeRunners(SQL)));
  return found;
}

/** A run() for statements of this sql.js (one per module: they share its buffers). */
export function statementRunner(SQL: SqlJsStatic): RunStatement {
  return runnersOf(SQL).run;
}

/** A RunRows for statements of this sql.js. */
export function rowsRunner(SQL: SqlJsStatic): RunRows {
  return runnersOf(SQL).runRows;
}

function makeRunners(SQL: SqlJsStatic): Runners {
  const api = SQL as unknown as Partial<SqlJsExports>;
  const names: Array<keyof SqlJsExports> = [
    '_malloc',
    '_free',
    '_sqlite3_sql',
    '_sqlite3_bind_text',
    '_sqlite3_bind_blob',
    '_sqlite3_bind_int',
    '_sqlite3_bind_double',
    '_sqlite3_step',
    '_sqlite3_reset',
    '_sqlite3_clear_bindings',
    'writeArrayToMemory',
    'UTF8ToString',
  ];
  const ownRun: RunStatement = (stmt, params) => {
    stmt.run(params as never);
  };
  /** sql.js's own run() per row, the values decoded. */
  const ownRows: RunRows = (stmt, lead, rows) => {
    const decoded = decodeRows(rows);
    for (const [i, values] of decoded.entries()) ownRun(stmt, [...lead(i), ...values]);
    return decoded.length;
  };
  if (names.some((n) => typeof api[n] !== 'function')) return { run: ownRun, runRows: ownRows };
  const c = api as SqlJsExports;

  const encoder = new TextEncoder();
  let scratch = new Uint8Array(4096);
  let wasmBlock = 0;
  let wasmBlockSize = 0;
  const pointers = new WeakMap<Statement, number>();

  /** The sqlite3_stmt* behind a Statement (a private field of sql.js): the own number that SQLite says holds this statement's SQL. */
  const pointerOf = (stmt: Statement): number => {
    let found = pointers.get(stmt);
    if (found === undefined) {
      const sql = stmt.getSQL();
      found = 0;
      for (const value of Object.values(stmt)) {
        if (
          typeof value === 'number' &&
          value > 0 &&
          value % 8 === 0 &&
          c.UTF8ToString(c._sqlite3_sql(value)) === sql
        ) {
          found = value;
          break;
        }
      }
      pointers.set(stmt, found);
    }
    return found;
  };

  const bindText = (p: number, index: number, text: string): number => {
    if (scratch.length < text.length * 3) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
    const { written } = encoder.encodeInto(text, scratch);
    if (!wasmBlock || wasmBlockSize < written) {
      // a NULL pointer would bind NULL, not ''
      if (wasmBlock) c._free(wasmBlock);
      wasmBlockSize = Math.max(written, wasmBlockSize * 2, 4096);
      wasmBlock = c._malloc(wasmBlockSize);
      if (!wasmBlock) {
        wasmBlockSize = 0;
        return 7;
      } // SQLITE_NOMEM: let sql.js report it
    }
    c.writeArrayToMemory(new Int8Array(scratch.buffer, 0, written), wasmBlock);
    return c._sqlite3_bind_text(p, index, wasmBlock, written, SQLITE_TRANSIENT);
  };

  const bind = (p: number, index: number, value: SqlValue): number => {
    if (typeof value === 'string') return bindText(p, index, value);
    if (typeof value === 'number')
      return value === (value | 0) ? c._sqlite3_bind_int(p, index, value) : c._sqlite3_bind_double(p, index, value);
    if (value === null) return c._sqlite3_bind_blob(p, index, 0, 0, 0); // NULL, as sql.js binds it
    return -1; // blobs and others: sql.js's own path
  };

  const run: RunStatement = (stmt, params) => {
    const p = Array.isArray(params) ? pointerOf(stmt) : 0;
    if (p) {
      const values = params as readonly SqlValue[];
      let ok = c._sqlite3_clear_bindings(p) === SQLITE_OK; // as sql.js: parameters not given are NULL
      for (let i = 0; i < values.length && ok; i++) ok = bind(p, i + 1, values[i] ?? null) === SQLITE_OK;
      if (ok) {
        const rc = c._sqlite3_step(p);
        c._sqlite3_reset(p);
        if (rc === SQLITE_DONE || rc === SQLITE_ROW) return;
      }
    }
    // Unchanged by a failed attempt (a failing statement changes nothing): sql.js runs it and reports.
    stmt.run(params as never);
  };

  // One block of wasm memory holds the row being bound (its own: bindText's block is rewritten by `lead`).
  let rowBlock = 0;
  let rowBlockSize = 0;
  const rowRoom = (bytes: number): boolean => {
    if (rowBlockSize >= bytes) return true;
    if (rowBlock) c._free(rowBlock);
    rowBlockSize = Math.max(bytes, rowBlockSize * 2, 4096);
    rowBlock = c._malloc(rowBlockSize);
    if (!rowBlock) rowBlockSize = 0;
    return rowBlock !== 0;
  };

  /** Binds the reader's current row after `lead`, its text from the row block. */
  const bindRow = (p: number, lead: readonly SqlValue[], reader: RowReader, bytes: Int8Array): boolean => {
    const { start, end } = reader;
    if (!rowRoom(end - start) || c._sqlite3_clear_bindings(p) !== SQLITE_OK) return false;
    c.writeArrayToMemory(bytes.subarray(start, end), rowBlock);
    const base = rowBlock - start;
    for (let i = 0; i < lead.length; i++) if (bind(p, i + 1, lead[i] ?? null) !== SQLITE_OK) return false;
    for (let i = 0; i < reader.count; i++) {
      const v = reader.nextValue();
      const index = lead.length + i + 1;
      const rc =
        v.tag === ValueTag.Text
          ? c._sqlite3_bind_text(p, index, base + v.textStart, v.textBytes, SQLITE_STATIC)
          : bind(p, index, v.tag === ValueTag.Number ? v.number : null);
      if (rc !== SQLITE_OK) return false;
    }
    return true;
  };

  const runRows: RunRows = (stmt, lead, rows) => {
    const p = pointerOf(stmt);
    if (!p) return ownRows(stmt, lead, rows);
    const bytes = new Int8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    const reader = new RowReader(rows);
    let n = 0;
    try {
      while (reader.nextRow()) {
        const values = lead(n++);
        if (bindRow(p, values, reader, bytes)) {
          const rc = c._sqlite3_step(p);
          c._sqlite3_reset(p);
          if (rc === SQLITE_DONE || rc === SQLITE_ROW) continue;
        }
        // Not bound, or it failed (changing nothing): sql.js runs it and reports.
        c._sqlite3_clear_bindings(p);
        ownRun(stmt, [...values, ...decodeRows(rows.subarray(reader.start, reader.end))[0]!]);
      }
    } finally {
      c._sqlite3_clear_bindings(p); // no binding may point into the row block once it is reused
    }
    return n;
  };

  return { run, runRows };
}
