// One writer at a time: writes of this process wait their turn in a queue, and each turn holds the
// cross-process write lock (FileLock), released once no write of this process is waiting.
import { FileLock, FileSystem, LockTiming } from './files';

/** With `lingerLock`, the lock is kept at most this long for writes that follow one another. */
const LOCK_BURST_MS = 50;

export class WriteTurns {
  private readonly lock: FileLock;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** `lingerLock`: see DurableOptions.lingerLock. */
  constructor(fs: FileSystem, lockPath: string, timing: LockTiming, private readonly lingerLock: boolean) {
    this.lock = new FileLock(fs, lockPath, timing);
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
   * awaiting writes one after another pays for it once; never longer than LOCK_BURST_MS.
   */
  private releaseSoon(): void {
    if (!this.lingerLock || performance.now() - this.lock.acquiredAt > LOCK_BURST_MS) {
      this.lock.release();
      return;
    }
    setImmediate(() => {
      if (this.pending === 0) this.lock.release();
    });
  }
}
