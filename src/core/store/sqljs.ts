// Loads sql.js once per process, with its wasm from the extension's own dist/ (never a CDN).
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/** The folder holding sql-wasm.wasm: beside the bundle in dist/, or node_modules when running from source. */
export function wasmDir(): string {
  if (fs.existsSync(path.join(__dirname, 'sql-wasm.wasm'))) return __dirname;
  const fromNodeModules = 'sql.js/dist/sql-wasm.wasm'; // a variable: bundlers leave it alone
  return path.dirname(require.resolve(fromNodeModules));
}

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const dir = wasmDir();
    loading = initSqlJs({ locateFile: (file: string) => path.join(dir, file) });
  }
  return loading;
}
