// One writer at a time: writes of this process wait their turn in a queue, and each turn holds the
// cross-process write lock (FileLock), released once no write of this process is waiting.
import type { FileSystem } from './files';
import { FileLock, type LockTiming } from './lock';

/** With `lingerLock: true`, the lock is kept at most this long for writes that follow one another. */
const LOCK_BURST_MS = 50;

export class WriteTurns {
  private readonly lock: FileLock;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** `lingerLock`: see DurableOptions.lingerLock. */
  private readonly lingerMs: number;

  constructor(fs: FileSystem, lockPath: string, timing: LockTiming, lingerLock: boolean | number) {
    this.lock = new FileLock(fs, lockPath, timing);
    this.lingerMs = lingerLock === true ? LOCK_BURST_MS : lingerLock || 0;
  }

  /** Runs `task` once the writes queued before it are done, holding the write lock. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.pending += 1;
    const turn = async () => {
      try {
        await this.lock.acquire();
        return await task();
      } finally {
        this.pending -= 1;
        if (this.pending === 0) this.releaseSoon();
      }
    };
    const result = this.queue.then(turn, turn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every queued write is done (failed or not). */
  settled(): Promise<unknown> {
    return this.queue.catch(() => undefined);
  }

  release(): void {
    this.lock.release();
  }

  /**
   * With `lingerLock`, keeps the lock until the current turn of the event loop ends, so a caller
   * awaiting writes one after another pays for it once; never longer than its linger time.
   */
  private releaseSoon(): void {
    if (performance.now() - this.lock.acquiredAt >= this.lingerMs) {
      this.lock.release();
      return;
    }
    setImmediate(() => {
      if (this.pending === 0) this.lock.release();
    });
  }
}
