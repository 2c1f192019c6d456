// Running a write statement without sql.js's binding cost.
//
// sql.js binds a string by measuring and encoding its UTF-8 in a JavaScript loop and allocating wasm
// memory for it. Profiled on an import, that cost three times SQLite's own work for the insert. Here
// the same statement is bound through the C functions sql.js exports: TextEncoder into one reused
// buffer, copied into one reused block of wasm memory, bound SQLITE_TRANSIENT (SQLite copies it).
// Anything else — named parameters, any error, a sql.js whose internals no longer match — goes
// through sql.js's own run(), so results and error messages stay sql.js's.
import type { SqlJsStatic, SqlValue, Statement } from 'sql.js';

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

export type RunStatement = (stmt: Statement, params: readonly SqlValue[] | Record<string, SqlValue> | null) => void;

const runners = new WeakMap<SqlJsStatic, RunStatement>();

/** A run() for statements of this sql.js (one per module: they share its buffers). */
export function statementRunner(SQL: SqlJsStatic): RunStatement {
  let runner = runners.get(SQL);
  if (!runner) runners.set(SQL, (runner = makeRunner(SQL)));
  return runner;
}

function makeRunner(SQL: SqlJsStatic): RunStatement {
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
  if (names.some((n) => typeof api[n] !== 'function'))
    return (stmt, params) => {
      stmt.run(params as never);
    };
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

  return (stmt, params) => {
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
}
