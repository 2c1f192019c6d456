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

/**
 * `bytes` as sql.js keeps them for `new SQL.Database(...)`: its file system stores a slice() of what it is
 * given, a full copy; this view's slice() is a view of itself, so the database file is these very bytes
 * (written to by SQLite from then on) and memory holds them once.
 */
export function asDatabaseFile(bytes: Uint8Array): Uint8Array {
  // Bytes sharing their buffer (a small Buffer from Node's pool) are copied: SQLite may write its file.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  return new DatabaseFile(own.buffer as ArrayBuffer, 0, own.byteLength);
}

class DatabaseFile extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end);
  }
}

/**
 * A file on disk as sql.js's file system keeps a database file, read where it is: every read SQLite makes
 * (the file system takes `subarray(start, end)` of its file) reads those bytes from `fd`, so memory never holds
 * the file, only the last READ_AHEAD bytes read (SQLite reads a page at a time: pages read in file order are read
 * ahead, so that one read of the disk serves many). Read-only: a write fails, and SQLite reports it. The caller closes `fd` after.
 */
export function fileInPlace(fd: number, size: number): Uint8Array {
  return new FileInPlace(fd, size);
}

const READ_AHEAD = 256 * 1024;
/**
 * Where SQLite's lock bytes are (1 GiB): on Windows a writer locks them, and reading locked bytes fails there.
 * SQLite never reads that page itself; reading ahead stops before it.
 */
const LOCK_BYTES = 0x40000000;

class FileInPlace extends Uint8Array {
  private readonly ahead = new Uint8Array(READ_AHEAD);
  private aheadAt = 0;
  private aheadLength = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    super(0);
  }
  override get length(): number {
    return this.size;
  }
  override slice(): Uint8Array<ArrayBuffer> {
    return this as Uint8Array<ArrayBuffer>; // what the file system keeps as the file
  }
  /** Bytes start..end of the file (a view the file system copies at once). */
  override subarray(start = 0, end = this.size): Uint8Array<ArrayBuffer> {
    end = Math.min(end, this.size);
    if (end - start > READ_AHEAD) return this.read(new Uint8Array(Math.max(0, end - start)), start);
    if (start < this.aheadAt || end > this.aheadAt + this.aheadLength) {
      // Reading on from where the last read ended: read ahead; elsewhere (a b-tree's other branch), just this.
      const onwards = start === this.aheadAt + this.aheadLength;
      this.aheadAt = start;
      const ahead = start < LOCK_BYTES ? Math.min(READ_AHEAD, LOCK_BYTES - start) : READ_AHEAD;
      this.aheadLength = Math.min(onwards ? Math.max(ahead, end - start) : end - start, this.size - start);
      this.read(this.ahead.subarray(0, this.aheadLength), start);
    }
    return this.ahead.subarray(start - this.aheadAt, end - this.aheadAt);
  }
  override set(): void {
    throw new Error('this database file is read in place: it cannot be written');
  }

  private read(into: Uint8Array<ArrayBuffer>, at: number): Uint8Array<ArrayBuffer> {
    for (let got = 0; got < into.length; ) {
      const n = fs.readSync(this.fd, into, got, into.length - got, at + got);
      if (n === 0) {
        into.fill(0, got); // cut short meanwhile: zeros read as a damaged page, and the reader sees the change
        break;
      }
      got += n;
    }
    return into;
  }
}
