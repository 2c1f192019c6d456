// The extension's way to the session store: the SessionManager runs in a worker thread (worker.ts) and this
// client offers its operations as promises (SessionApi), so no statement ever blocks the extension host.
//
// A watchdog gives every outstanding operation a budget (protocol.ts): when the worker stays silent longer
// than that — one statement running away, or honest work far beyond what it should take — the worker is
// terminated and started again, reopening the database. The journal makes every acknowledged write
// durable, so nothing acknowledged is lost; the callers of operations still in flight get a CoreError
// ('StoreStopped'), and onDidStop listeners get one sentence to tell the user.
import { Worker } from 'node:worker_threads';
import { CoreError } from '../errors';
import type { MigrateOptions, MigrateProgress, MigrateReport } from '../langswarm/importer';
import type { SourceSummary } from '../langswarm/inspect';
import type { DumpScope } from '../dump';
import type { SessionEvent, SessionManager, SessionMethod } from '../sessions';
import { realFs } from '../store/files';
import { releaseLockOfThread } from '../store/lock';
import type { SalvageReport } from '../store/salvage';
import { Tracer } from '../trace';
import { type KeptDump, keptDump } from './dumps';
import { workerScript } from './entry';
import {
  ACTIVITY,
  Budgets,
  DEFAULT_BUDGETS,
  DumpOp,
  HostMessage,
  METHOD_KINDS,
  OpKind,
  OpenOptions,
  OpenResult,
  WorkerDumpOptions,
  WorkerMessage,
  WorkerSetup,
  fromWireError,
} from './protocol';

export interface SessionClientOptions extends OpenOptions {
  /** Receives the worker's trace events too; default: a new one. */
  tracer?: Tracer;
  /** Per kind of operation, in ms (DEFAULT_BUDGETS for the rest). */
  budgets?: Partial<Budgets>;
  /** How often the worker looks for changes other processes made (ms; default 500). */
  pollMs?: number;
}

interface Pending {
  kind: OpKind;
  sentAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress?: ((progress: MigrateProgress) => void) | undefined;
  /** Stops listening for the caller's abort. */
  unlisten?: () => void;
}

type Remote = {
  [K in Exclude<SessionMethod, 'migrate'>]: (
    ...args: Parameters<SessionManager[K]>
  ) => Promise<Awaited<ReturnType<SessionManager[K]>>>;
};
type Outgoing = HostMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

// The methods of Remote are added to the prototype below, one per entry of METHOD_KINDS.
export interface SessionClient extends Remote {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface declares exactly the methods added below.
export class SessionClient {
  readonly tracer: Tracer;
  /** Mutable, e.g. for tests. */
  readonly budgets: Budgets;
  private readonly openOptions: OpenOptions;
  private readonly pollMs: number;
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  /** The last worker being terminated: a new one starts once it is gone and its lock released. */
  private terminating: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private lastHeard = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private opened: OpenResult = { readOnly: false, warnings: [] };
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private readonly stopListeners = new Set<(notice: string) => void>();

  static {
    for (const method of Object.keys(METHOD_KINDS) as SessionMethod[]) {
      if (method === 'migrate') continue;
      Object.defineProperty(SessionClient.prototype, method, {
        value(this: SessionClient, ...args: unknown[]) {
          return this.call(method, args);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  constructor(
    readonly path: string,
    options: SessionClientOptions = {},
  ) {
    const { tracer, budgets, pollMs, ...openOptions } = options;
    this.tracer = tracer ?? new Tracer('info');
    this.budgets = { ...DEFAULT_BUDGETS, ...budgets };
    this.pollMs = pollMs ?? 500;
    this.openOptions = openOptions;
  }

  /** Starts the worker and opens the database in it. */
  static async open(file: string, options: SessionClientOptions = {}): Promise<SessionClient> {
    const client = new SessionClient(file, options);
    await client.ready();
    return client;
  }

  /** Starts the worker and opens the database in it, unless it is running (every operation does this first). */
  async ready(): Promise<void> {
    await this.started();
  }

  get readOnly(): boolean {
    return this.opened.readOnly;
  }
  get warnings(): readonly string[] {
    return this.opened.warnings;
  }

  onDidChange(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The worker was stopped (over budget) or died: one sentence for the user, once per time. */
  onDidStop(listener: (notice: string) => void): () => void {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  migrate(sources: readonly string[], options: MigrateOptions = {}): Promise<MigrateReport> {
    const { signal, onProgress, ...plain } = options;
    return this.call('migrate', [sources, plain], { signal, onProgress }) as Promise<MigrateReport>;
  }

  /**
   * Makes a state dump in the worker (dump.ts dumpState over its store, redacted there), which keeps it: the
   * source returned walks it and asks for its text there, so this thread never holds the document. The
   * session trace events in it are this thread's (they include the worker's). `drop()` it when done.
   */
  async dump(scope: DumpScope, options: WorkerDumpOptions = {}): Promise<KeptDump> {
    const recentTrace = options.recentTrace ?? this.tracer.recent();
    const handle = (await this.dumpOp({ op: 'make', scope, options: { ...options, recentTrace } })) as number;
    return keptDump(handle, (op, kind) => (this.closed && op.op === 'drop' ? null : this.dumpOp(op, kind)));
  }

  private async dumpOp(op: DumpOp, kind: OpKind = 'dump'): Promise<unknown> {
    return this.request(await this.current(), { type: 'dump', op }, kind);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = await this.starting?.catch(() => undefined);
    if (!worker || worker !== this.worker) return;
    try {
      await this.request(worker, { type: 'close' }, 'snapshot');
    } finally {
      this.discard(worker);
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private started(): Promise<Worker> {
    if (this.closed) return Promise.reject(new CoreError('DatabaseClosed', 'The session database is closed.'));
    this.starting ??= this.start().catch((e: unknown) => {
      this.starting = undefined; // the next operation tries again
      throw e;
    });
    return this.starting;
  }

  /**
   * Copies the sessions of a database that was refused (a foreign trigger…) into a new database at
   * `target`, in a worker of its own with the migration's budget: the file is untrusted and may be large.
   */
  static async salvage(source: string, target: string, options: SessionClientOptions = {}): Promise<SalvageReport> {
    const client = new SessionClient(target, options);
    const worker = client.spawn();
    try {
      return (await client.request(worker, { type: 'salvage', source, target }, 'migrate')) as SalvageReport;
    } finally {
      client.closed = true;
      if (client.worker === worker) client.discard(worker);
    }
  }

  /**
   * What a LangSwarm file holds (langswarm/inspect.ts), read in a worker of its own with the migration's budget:
   * the file is untrusted and may be large, and sql.js would block the caller's thread.
   */
  static async inspect(source: string, options: SessionClientOptions = {}): Promise<SourceSummary> {
    const client = new SessionClient(source, options);
    const worker = client.spawn();
    try {
      return (await client.request(worker, { type: 'inspect', source }, 'migrate')) as SourceSummary;
    } finally {
      client.closed = true;
      if (client.worker === worker) client.discard(worker);
    }
  }

  private async start(): Promise<Worker> {
    await this.terminating;
    const worker = this.spawn();
    try {
      this.opened = (await this.request(
        worker,
        { type: 'open', path: this.path, options: this.openOptions },
        'open',
      )) as OpenResult;
    } catch (e) {
      if (worker === this.worker) this.discard(worker); // it could not open: nothing for it to do
      throw e;
    }
    return worker;
  }

  private spawn(): Worker {
    const { file, execArgv } = workerScript(__dirname, 'store-worker.js', 'worker.ts');
    const setup: WorkerSetup = { traceLevel: this.tracer.level, pollMs: this.pollMs };
    const worker = new Worker(file, { execArgv, workerData: setup });
    this.worker = worker;
    worker.unref(); // only outstanding requests keep the process alive
    worker.on('message', (message: WorkerMessage) => this.receive(worker, message));
    worker.on('error', (e) => this.died(worker, `it failed (${e.message})`));
    worker.on('exit', (code) => this.died(worker, `it exited (code ${code})`));
    return worker;
  }

  private async call(
    method: SessionMethod,
    args: unknown[],
    extra: Pick<Pending, 'onProgress'> & { signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    return this.request(await this.current(), { type: 'call', method, args }, METHOD_KINDS[method], extra);
  }

  /** The running worker, started if need be. */
  private async current(): Promise<Worker> {
    let worker = await this.started();
    // Restarted meanwhile: nothing was sent yet, so it goes to the new worker.
    while (worker !== this.worker) worker = await this.started();
    return worker;
  }

  private request(
    worker: Worker,
    message: Outgoing,
    kind: OpKind,
    extra: Pick<Pending, 'onProgress'> & { signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const pending: Pending = { kind, sentAt: performance.now(), resolve, reject, onProgress: extra.onProgress };
      if (extra.signal) {
        const cancel = () => worker.postMessage({ type: 'cancel', id } satisfies HostMessage);
        extra.signal.addEventListener('abort', cancel, { once: true });
        pending.unlisten = () => extra.signal?.removeEventListener('abort', cancel);
      }
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, pending);
      worker.postMessage({ ...message, id } as HostMessage);
      if (extra.signal?.aborted) worker.postMessage({ type: 'cancel', id } satisfies HostMessage);
      this.armWatchdog();
    });
  }

  private receive(worker: Worker, message: WorkerMessage): void {
    if (worker !== this.worker) return; // from a worker already given up
    this.lastHeard = performance.now();
    switch (message.type) {
      case 'result':
        this.settle(message.id)?.resolve(message.value);
        break;
      case 'error':
        this.settle(message.id)?.reject(fromWireError(message.error));
        break;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.progress);
        break;
      case 'event':
        this.emit(message.event);
        break;
      case 'trace':
        for (const e of message.events) this.tracer.record(e);
        break;
      case 'alive':
        break;
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    pending.unlisten?.();
    if (this.pending.size === 0) {
      this.worker?.unref();
      clearTimeout(this.watchdog);
    }
    return pending;
  }

  /**
   * Silence counts from the later of the request and the worker's last message. The worker serves requests
   * in order, so one sent behind a longer one (a compare, a state dump: synchronous, without heartbeats)
   * waits silently for it: it gets that one's budget too.
   */
  private deadline(p: Pending): number {
    let budget = this.budgets[p.kind];
    for (const earlier of this.pending.values()) {
      if (earlier === p) break;
      budget = Math.max(budget, this.budgets[earlier.kind]);
    }
    return Math.max(p.sentAt, this.lastHeard) + budget;
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    if (this.pending.size === 0) return;
    let next = Infinity;
    for (const p of this.pending.values()) next = Math.min(next, this.deadline(p));
    // Judged after the poll phase: messages that arrived while this thread was busy are read first.
    this.watchdog = setTimeout(() => setImmediate(() => this.checkWatchdog()), Math.max(0, next - performance.now()));
    this.watchdog.unref();
  }

  private checkWatchdog(): void {
    const worker = this.worker;
    const now = performance.now();
    const late = [...this.pending.values()].find((p) => now >= this.deadline(p));
    if (!late || !worker) return this.armWatchdog();
    const limit = formatMs(this.budgets[late.kind]);
    const activity = ACTIVITY[late.kind];
    // A database that cannot open within its budget is not opened again in a loop: the next operation tries.
    const restart = late.kind !== 'open';
    const stopped = `the session store was stopped${restart ? ' and started again' : ''}`;
    const lost = (p: Pending) => (p.kind === 'write' ? ' This change may not have been saved.' : '');
    this.fail(
      worker,
      `The session store did not respond for ${limit} while ${activity}, so ${stopped}. Everything saved before is kept.`,
      (p) =>
        p === late
          ? `${capitalise(activity)} took longer than ${limit}, so ${stopped}.${lost(p)} Everything saved before is kept; try again.`
          : `The session store was stopped while ${ACTIVITY[p.kind]} (${activity} took longer than ${limit}).${lost(p)} Everything saved before is kept; try again.`,
      restart,
    );
  }

  /** The worker ended without being asked to. */
  private died(worker: Worker, how: string): void {
    if (worker !== this.worker) return;
    this.fail(
      worker,
      `The session store stopped unexpectedly (${how}). Everything saved before is kept.`,
      (p) =>
        `The session store stopped unexpectedly (${how}) while ${ACTIVITY[p.kind]}.${p.kind === 'write' ? ' This change may not have been saved.' : ''} Try again.`,
      ![...this.pending.values()].some((p) => p.kind === 'open'),
    ); // one that cannot even open is not started in a loop
  }

  /**
   * Gives up on the worker: terminates it, fails what was in flight, tells the listeners, and with `restart`
   * starts a new one at once, so changes from other processes keep coming; views reload on its 'reset'.
   */
  private fail(worker: Worker, notice: string, callerMessage: (p: Pending) => string, restart: boolean): void {
    this.tracer.error(notice, { path: this.path });
    this.discard(worker);
    const failed = [...this.pending.values()];
    this.pending.clear();
    clearTimeout(this.watchdog);
    for (const p of failed) {
      p.unlisten?.();
      p.reject(new CoreError('StoreStopped', callerMessage(p), { path: this.path }));
    }
    for (const listener of this.stopListeners) {
      try {
        listener(notice);
      } catch (e) {
        this.tracer.error('store stop listener failed', { error: String(e) });
      }
    }
    if (restart && !this.closed) {
      this.started().then(
        () => this.emit({ type: 'reset', external: true }),
        (e: unknown) =>
          this.tracer.warn('could not restart the session store', {
            error: e instanceof Error ? e.message : String(e),
          }),
      );
    }
  }

  /** Terminates the worker and releases the write lock it may have held (it cannot release it itself any more). */
  private discard(worker: Worker): void {
    if (this.worker === worker) {
      this.worker = undefined;
      this.starting = undefined;
    }
    const threadId = worker.threadId;
    this.terminating = worker
      .terminate()
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        try {
          releaseLockOfThread(realFs, `${this.path}.lock`, threadId);
        } catch (e) {
          this.tracer.warn("could not release the stopped store's write lock", {
            error: e instanceof Error ? e.message : String(e),
          });
        }
      });
  }

  private emit(event: SessionEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.tracer.error('session event listener failed', { error: String(e) });
      }
    }
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
