// The file-system calls the store makes, behind one seam so tests can inject failures (disk full,
// I/O errors) without mocking the database itself. Everything is synchronous on purpose: a durable
// append is a few hundred microseconds and keeping it synchronous keeps the ordering obvious.
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import { randomUUID } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { CoreError } from '../errors';

export type FileSystem = Pick<
  typeof nodeFs,
  | 'openSync' | 'closeSync' | 'readSync' | 'writeSync' | 'fsyncSync' | 'fdatasyncSync' | 'fstatSync'
  | 'statSync' | 'renameSync' | 'linkSync' | 'unlinkSync' | 'ftruncateSync' | 'readFileSync' | 'existsSync'
  | 'mkdirSync'
>;

export const realFs: FileSystem = nodeFs;

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps an I/O failure to a core error that says what happened to the user's change. */
export function storageError(action: string, e: unknown): CoreError {
  const code = errno(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CoreError('StorageFull', `The disk is full: could not ${action}. Nothing was saved; free some space and try again.`, { errno: code }, { cause: e });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new CoreError('DatabaseReadOnly', `Cannot ${action}: the database location is not writable (${code}).`, { errno: code }, { cause: e });
  }
  return new CoreError('StorageError', `Could not ${action}: ${(e as Error)?.message ?? String(e)}`, { errno: code }, { cause: e });
}

export function writeAll(fs: FileSystem, fd: number, data: Uint8Array, position?: number): void {
  let written = 0;
  while (written < data.length) {
    const n = fs.writeSync(fd, data, written, data.length - written, position === undefined ? null : position + written);
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

/** Writes a file atomically and durably: temp file, fsync, rename over the target, fsync the folder. */
export function writeFileAtomic(fs: FileSystem, target: string, chunks: readonly Uint8Array[]): void {
  const tmp = `${target}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const chunk of chunks) writeAll(fs, fd, chunk);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* best effort */ }
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* best effort */ }
    throw e;
  }
  fsyncDir(fs, dirOf(target));
}

export function dirOf(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? '/' : '.') : file.slice(0, i);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A cross-process write lock: a lock file created exclusively, holding the owner's pid and host.
 * A lock left by a process that died (SIGKILL, crash) on this host is broken at once; elsewhere it
 * is broken when it has not been refreshed for `staleMs`.
 */
/**
 * Removes the write lock when a thread of this process holds it that has ended (a store worker terminated
 * mid-write): its pid is alive, so no one else would ever judge the lock stale.
 */
export function releaseLockOfThread(fs: FileSystem, lockPath: string, thread: number): void {
  let holder: { pid?: unknown; host?: unknown; thread?: unknown };
  try {
    holder = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as typeof holder;
  } catch {
    return; // no lock, or not one we can read: not that thread's
  }
  if (holder.pid === process.pid && holder.host === os.hostname() && holder.thread === thread) fs.unlinkSync(lockPath);
}

export class FileLock {
  private token: string | undefined;
  private ino = -1;
  /** When the lock was taken (performance.now()), to bound how long a burst of writes keeps it. */
  acquiredAt = 0;

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    private readonly timeoutMs = 30_000,
    private readonly staleMs = 60_000,
  ) {}

  get held(): boolean {
    return this.token !== undefined;
  }

  async acquire(): Promise<void> {
    if (this.token) return;
    const token = `${process.pid}-${randomUUID()}`;
    // The thread too: a worker thread terminated by its watchdog leaves the lock to its process (releaseLockOfThread).
    const content = JSON.stringify({ pid: process.pid, host: os.hostname(), thread: threadId, token, since: new Date().toISOString() });
    const deadline = Date.now() + this.timeoutMs;
    let delay = 1;
    for (;;) {
      const ino = this.tryCreate(content);
      if (ino !== undefined) {
        this.token = token;
        this.ino = ino;
        this.acquiredAt = performance.now();
        return;
      }
      if (this.breakIfStale()) continue;
      if (Date.now() > deadline) {
        throw new CoreError('DatabaseBusy', `The session database is busy: another process (${this.describeHolder()}) has held its write lock for over ${Math.round(this.timeoutMs / 1000)} s.`, { lock: this.path });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  release(): void {
    if (!this.token) return;
    this.token = undefined;
    try {
      // Only remove the lock if it is still ours (it cannot normally have changed hands).
      if (this.fs.statSync(this.path).ino === this.ino) this.fs.unlinkSync(this.path);
    } catch { /* already gone */ }
  }

  /** Creates the lock file; returns its inode, or undefined when someone else holds the lock. */
  private tryCreate(content: string): number | undefined {
    let fd: number;
    try {
      fd = this.fs.openSync(this.path, 'wx');
    } catch (e) {
      if (errno(e) === 'EEXIST') return undefined;
      throw storageError('take the database write lock', e);
    }
    try {
      writeAll(this.fs, fd, Buffer.from(content));
    } catch (e) {
      // Do not leave a lock nobody can identify (e.g. the disk is full).
      this.fs.closeSync(fd);
      try { this.fs.unlinkSync(this.path); } catch { /* best effort */ }
      throw storageError('take the database write lock', e);
    }
    const ino = this.fs.fstatSync(fd).ino;
    this.fs.closeSync(fd);
    return ino;
  }

  private readHolder(): { raw: string; pid?: number; host?: string; ageMs: number } | undefined {
    try {
      const raw = this.fs.readFileSync(this.path, 'utf8');
      const ageMs = Date.now() - this.fs.statSync(this.path).mtimeMs;
      try {
        const info = JSON.parse(raw) as { pid?: number; host?: string };
        return { raw, pid: info.pid, host: info.host, ageMs };
      } catch {
        return { raw, ageMs }; // being written right now, or torn by a crash
      }
    } catch {
      return undefined;
    }
  }

  private describeHolder(): string {
    const h = this.readHolder();
    return h?.pid ? `pid ${h.pid} on ${h.host ?? 'unknown host'}` : 'unknown';
  }

  /** Returns true when the caller should retry at once (the lock is gone or was broken). */
  private breakIfStale(): boolean {
    const holder = this.readHolder();
    if (!holder) return true;
    const dead = holder.pid !== undefined && holder.host === os.hostname()
      ? !pidAlive(holder.pid)
      : holder.ageMs > (holder.pid === undefined ? 5_000 : this.staleMs);
    if (!dead) return false;
    // Move the stale lock aside, then make sure what we moved is the stale one we judged.
    const aside = `${this.path}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      this.fs.renameSync(this.path, aside);
    } catch {
      return true;
    }
    try {
      if (this.fs.readFileSync(aside, 'utf8') !== holder.raw) {
        // A live process took the lock in between: give it back.
        try { this.fs.linkSync(aside, this.path); } catch { /* someone else has it now */ }
      }
    } finally {
      try { this.fs.unlinkSync(aside); } catch { /* best effort */ }
    }
    return true;
  }
}
