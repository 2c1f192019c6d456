// The file-system calls the store makes, behind one seam so tests can inject failures (disk full,
// I/O errors) without mocking the database itself. Everything is synchronous on purpose: a durable
// append is a few hundred microseconds and keeping it synchronous keeps the ordering obvious.
// Also here: atomic file writes. The write lock is in lock.ts.
import * as nodeFs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { CoreError } from '../errors';

export type FileSystem = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'closeSync'
  | 'readSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'fdatasyncSync'
  | 'fstatSync'
  | 'statSync'
  | 'lstatSync'
  | 'renameSync'
  | 'copyFileSync'
  | 'linkSync'
  | 'unlinkSync'
  | 'ftruncateSync'
  | 'readFileSync'
  | 'existsSync'
  | 'mkdirSync'
  | 'readdirSync'
  | 'futimesSync'
  | 'fchmodSync'
>;

export const realFs: FileSystem = nodeFs;

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps an I/O failure to a core error that says what happened to the user's change. */
export function storageError(action: string, e: unknown): CoreError {
  const code = errno(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CoreError(
      'StorageFull',
      `The disk is full: could not ${action}. Nothing was saved; free some space and try again.`,
      { errno: code },
      { cause: e },
    );
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new CoreError(
      'DatabaseReadOnly',
      `Cannot ${action}: the database location is not writable (${code}).`,
      { errno: code },
      { cause: e },
    );
  }
  return new CoreError(
    'StorageError',
    `Could not ${action}: ${(e as Error)?.message ?? String(e)}`,
    { errno: code },
    { cause: e },
  );
}

export function writeAll(fs: FileSystem, fd: number, data: Uint8Array, position?: number): void {
  let written = 0;
  while (written < data.length) {
    const n = fs.writeSync(
      fd,
      data,
      written,
      data.length - written,
      position === undefined ? null : position + written,
    );
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    written += n;
  }
}

export function readRange(fs: FileSystem, fd: number, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

export function fsyncDir(fs: FileSystem, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes `chunks` to a new temp file beside `target` and fsyncs it; returns its path. Leaves nothing
 * behind on failure. `mode`: the new file's permissions (e.g. the ones of the file it replaces), whatever the umask.
 */
export function writeTemp(
  fs: FileSystem,
  target: string,
  chunks: readonly Uint8Array[],
  options: { mode?: number } = {},
): string {
  const tmp = `${target}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  let fd: number | undefined = fs.openSync(tmp, 'wx');
  try {
    if (options.mode !== undefined) fs.fchmodSync(fd, options.mode);
    for (const chunk of chunks) writeAll(fs, fd, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
  } catch (e) {
    if (fd !== undefined)
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* best effort */
    }
    throw e;
  }
  return tmp;
}

/** Renames a temp file over `target` and makes the rename durable; removes the temp file if it fails. */
export function renameOver(fs: FileSystem, tmp: string, target: string): void {
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* best effort */
    }
    throw e;
  }
  fsyncDir(fs, dirOf(target));
}

/** Writes a file atomically and durably: temp file, fsync, rename over the target, fsync the folder. */
export function writeFileAtomic(
  fs: FileSystem,
  target: string,
  chunks: readonly Uint8Array[],
  options: { mode?: number } = {},
): void {
  renameOver(fs, writeTemp(fs, target, chunks, options), target);
}

/** The files of one database (durable.ts says what each holds). */
export interface DatabaseFiles {
  fs: FileSystem;
  /** The snapshot, x.sqlite. */
  path: string;
  journalPath: string;
  backupPath: string;
}

export function databaseFiles(fs: FileSystem, path: string): DatabaseFiles {
  return { fs, path, journalPath: `${path}.journal`, backupPath: `${path}.bak` };
}

/** A file's size and inode, or undefined when there is none. */
export function statOrUndefined(fs: FileSystem, file: string): { size: number; ino: number } | undefined {
  try {
    const st = fs.statSync(file);
    return { size: st.size, ino: st.ino };
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw storageError(`read ${file}`, e);
  }
}

export function dirOf(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? '/' : '.') : file.slice(0, i);
}
