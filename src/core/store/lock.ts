// FileLock, the cross-process write lock with its heartbeat, and the release of a lock left by a
// stopped worker thread of this process.
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import { threadId } from 'node:worker_threads';
import { CoreError } from '../errors';
import { errno, type FileSystem, readRange, storageError, writeAll } from './files';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opens a lock file for reading without following a symlink or blocking on a FIFO put in its place. */
const READ_LOCK_FLAGS =
  nodeFs.constants.O_RDONLY | (nodeFs.constants.O_NOFOLLOW ?? 0) | (nodeFs.constants.O_NONBLOCK ?? 0);
/** Our lock files hold about 150 bytes; more is not ours and is not read. */
const MAX_LOCK_BYTES = 4096;

export interface LockTiming {
  /** How long to wait for another holder before giving up with DatabaseBusy. */
  timeoutMs?: number;
  /** How often the holder refreshes the lock file's modification time. */
  heartbeatMs?: number;
  /** A lock seen unchanged (not refreshed) for this long is abandoned, whatever its pid or clock says. */
  staleMs?: number;
}

/** What is at the lock path: `key` changes whenever its holder refreshes it (or it changes hands). */
interface Sighting {
  key: string;
  pid?: number;
  host?: string;
}

/**
 * A cross-process write lock: a lock file created exclusively, holding the owner's pid, host and a
 * unique token. While held, a heartbeat refreshes its modification time every `heartbeatMs` (also
 * across awaits, e.g. a long import). A waiter breaks it when its owner died on this host (at once),
 * or when it has seen it unchanged for `staleMs`: it measures that on its own monotonic clock from
 * the first time it saw this exact file, so an unrelated live pid, a reused pid, another host's dead
 * process or an mtime in the future cannot keep it forever. Every path through `acquire()` sleeps and
 * checks the deadline; what is not a lock file (a folder) is refused with a sentence naming it.
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
  /** Our lock file, kept open while held: it refreshes the mtime, and its inode cannot be reused meanwhile. */
  private fd: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastBeat = 0;
  /** The foreign lock we are waiting on, and when we first saw it exactly so (performance.now()). */
  private sighting: (Sighting & { since: number }) | undefined;
  /** When the lock was taken (performance.now()), to bound how long a burst of writes keeps it. */
  acquiredAt = 0;
  private readonly timeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    timing: LockTiming = {},
  ) {
    this.timeoutMs = timing.timeoutMs ?? 30_000;
    this.heartbeatMs = timing.heartbeatMs ?? 2_000;
    // Five missed beats: room for a long synchronous step (an index build, a large snapshot).
    this.staleMs = timing.staleMs ?? 5 * this.heartbeatMs;
  }

  get held(): boolean {
    return this.fd !== undefined;
  }

  async acquire(): Promise<void> {
    if (this.fd !== undefined) {
      if (this.stillOurs()) {
        this.beatIfDue(); // a chain of writes that never yields to timers still refreshes it
        return;
      }
      this.forget(); // broken while we were stalled: take it again like anyone else
    }
    const token = `${process.pid}-${randomUUID()}`;
    // The thread too: a store worker terminated by its watchdog leaves the lock to its process (releaseLockOfThread).
    const content = JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      thread: threadId,
      token,
      since: new Date().toISOString(),
    });
    const deadline = performance.now() + this.timeoutMs;
    let delay = 1;
    for (;;) {
      if (this.tryCreate(content)) return;
      let problem: unknown;
      try {
        if (this.breakIfAbandoned()) delay = 1;
      } catch (e) {
        if (e instanceof CoreError) throw e;
        problem = e; // maybe passing (the lock changing under us); reported if it lasts until the deadline
      }
      if (performance.now() >= deadline) {
        if (problem !== undefined) {
          throw new CoreError(
            'StorageError',
            `Could not inspect the database lock ${this.path}: ${(problem as Error)?.message ?? String(problem)}`,
            { lock: this.path, errno: errno(problem) },
            { cause: problem },
          );
        }
        throw new CoreError(
          'DatabaseBusy',
          `The session database is busy: another process (${this.describeHolder()}) has held its write lock for over ${Math.round(this.timeoutMs / 1000)} s.`,
          { lock: this.path },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  release(): void {
    if (this.fd === undefined) return;
    // Only remove the lock if it is still ours (another process may have broken it while we stalled).
    try {
      if (this.stillOurs()) this.fs.unlinkSync(this.path);
    } catch {
      /* already gone */
    }
    this.forget();
  }

  private forget(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.fd !== undefined)
      try {
        this.fs.closeSync(this.fd);
      } catch {
        /* nothing to keep */
      }
    this.fd = undefined;
  }

  /** Creates the lock file; returns false when something is already there. */
  private tryCreate(content: string): boolean {
    let fd: number;
    try {
      fd = this.fs.openSync(this.path, 'wx');
    } catch (e) {
      if (errno(e) === 'EEXIST') return false;
      throw storageError(`take the database write lock ${this.path}`, e);
    }
    try {
      writeAll(this.fs, fd, Buffer.from(content));
    } catch (e) {
      // Do not leave a lock nobody can identify (e.g. the disk is full).
      this.fs.closeSync(fd);
      try {
        this.fs.unlinkSync(this.path);
      } catch {
        /* best effort */
      }
      throw storageError(`take the database write lock ${this.path}`, e);
    }
    this.fd = fd;
    this.sighting = undefined;
    this.acquiredAt = this.lastBeat = performance.now();
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    return true;
  }

  private beat(): void {
    if (this.fd === undefined) return;
    this.lastBeat = performance.now();
    const now = new Date();
    try {
      this.fs.futimesSync(this.fd, now, now);
    } catch {
      /* the next beat tries again; waiters allow several to be missed */
    }
  }

  private beatIfDue(): void {
    if (performance.now() - this.lastBeat >= this.heartbeatMs) this.beat();
  }

  private stillOurs(): boolean {
    if (this.fd === undefined) return false;
    try {
      const mine = this.fs.fstatSync(this.fd);
      const there = this.fs.lstatSync(this.path);
      return there.ino === mine.ino && there.dev === mine.dev;
    } catch {
      return false;
    }
  }

  /** Looks at `file`; undefined when nothing is there. Throws for a folder, which is no lock to wait on. */
  private look(file: string): Sighting | undefined {
    let st: nodeFs.Stats;
    try {
      st = this.fs.lstatSync(file);
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined;
      throw e;
    }
    if (st.isDirectory()) {
      throw new CoreError(
        'StorageError',
        `The database lock ${this.path} is a folder, not a lock file; remove it and try again.`,
        { lock: this.path },
      );
    }
    const raw = st.isFile() ? this.readText(file, st.size) : undefined;
    let pid: number | undefined;
    let host: string | undefined;
    try {
      const info = JSON.parse(raw ?? '') as { pid?: unknown; host?: unknown };
      if (Number.isSafeInteger(info.pid) && (info.pid as number) > 0) pid = info.pid as number;
      if (typeof info.host === 'string') host = info.host;
    } catch {
      /* being written right now, torn by a crash, unreadable or not ours: judged by its heartbeat alone */
    }
    return { key: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${raw ?? ''}`, pid, host };
  }

  private readText(file: string, size: number): string | undefined {
    if (size > MAX_LOCK_BYTES) return undefined;
    let fd: number | undefined;
    try {
      fd = this.fs.openSync(file, READ_LOCK_FLAGS);
      return readRange(this.fs, fd, 0, size).toString('utf8');
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) this.fs.closeSync(fd);
    }
  }

  private describeHolder(): string {
    const h = this.sighting;
    return h?.pid ? `pid ${h.pid} on ${h.host ?? 'unknown host'}` : 'unknown';
  }

  /** Breaks the lock at our path when its owner is gone; returns true when it did. */
  private breakIfAbandoned(): boolean {
    const seen = this.look(this.path);
    if (!seen) return false;
    const now = performance.now();
    if (this.sighting?.key !== seen.key) this.sighting = { ...seen, since: now }; // new, or refreshed since we last looked
    const ownerDied = seen.pid !== undefined && seen.host === os.hostname() && !pidAlive(seen.pid);
    if (!ownerDied && now - this.sighting.since < this.staleMs) return false;
    // Move it aside under a name of our own, then make sure what we moved is the one we judged: two
    // waiters may break the same lock, and the second must not take the lock the first one just made.
    const aside = `${this.path}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      this.fs.renameSync(this.path, aside);
    } catch (e) {
      if (errno(e) === 'ENOENT') return false; // someone else broke it first
      throw e;
    }
    try {
      if (this.look(aside)?.key !== seen.key) {
        // A live process took the lock (or refreshed it) in between: give it back.
        try {
          this.fs.linkSync(aside, this.path);
        } catch {
          /* someone else has it now */
        }
        return false;
      }
      this.sighting = undefined;
      return true;
    } finally {
      try {
        this.fs.unlinkSync(aside);
      } catch {
        /* best effort */
      }
    }
  }
}
