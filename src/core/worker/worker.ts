// The store's worker thread: opens the SessionManager and serves the extension host's requests (client.ts),
// so sql.js, which is synchronous, never blocks the host. It also looks for other processes' changes on a
// timer and forwards change events, progress and trace events. While a request is outstanding it sends a
// heartbeat whenever its event loop is free: a worker that falls silent is stuck in one statement.
import { parentPort, workerData } from 'node:worker_threads';
import { CoreError, describeError } from '../errors';
import type { MigrateOptions } from '../langswarm/importer';
import { inspectSource } from '../langswarm/inspect';
import { DumpShelf } from './dumps';
import { SessionManager } from '../sessions';
import { salvage } from '../store/salvage';
import { TraceEvent, Tracer } from '../trace';
import {
  HEARTBEAT_MS,
  HostMessage,
  METHOD_KINDS,
  OpenOptions,
  OpenResult,
  WorkerMessage,
  WorkerSetup,
  toWireError,
} from './protocol';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const tracer = new Tracer(setup.traceLevel);
let manager: SessionManager | undefined;
let pollTimer: NodeJS.Timeout | undefined;
const dumps = new DumpShelf();
const cancels = new Map<number, AbortController>();

// Trace events go in batches, ahead of whatever is posted next, so the host logs them in order.
let traceBatch: TraceEvent[] = [];
tracer.addSink((event) => {
  if (traceBatch.push(event) === 1) setImmediate(flushTrace);
});
function flushTrace(): void {
  if (traceBatch.length === 0) return;
  const events = traceBatch;
  traceBatch = [];
  port.postMessage({ type: 'trace', events } satisfies WorkerMessage);
}

function post(message: WorkerMessage): void {
  flushTrace();
  port.postMessage(message);
}

let outstanding = 0;
let heartbeat: NodeJS.Timeout | undefined;

port.on('message', (message: HostMessage) => {
  if (message.type === 'cancel') cancels.get(message.id)?.abort();
  else void serve(message);
});

async function serve(message: Exclude<HostMessage, { type: 'cancel' }>): Promise<void> {
  if (outstanding++ === 0)
    heartbeat = setInterval(() => port.postMessage({ type: 'alive' } satisfies WorkerMessage), HEARTBEAT_MS);
  try {
    const value = await handle(message);
    post({ type: 'result', id: message.id, value });
  } catch (e) {
    post({ type: 'error', id: message.id, error: toWireError(e) });
  } finally {
    cancels.delete(message.id);
    if (--outstanding === 0) clearInterval(heartbeat);
  }
}

async function handle(message: Exclude<HostMessage, { type: 'cancel' }>): Promise<unknown> {
  switch (message.type) {
    case 'open':
      return open(message.path, message.options);
    case 'salvage':
      return salvage(message.source, message.target);
    case 'inspect':
      return inspectSource(message.source);
    case 'dump':
      return dumps.run(manager, message.op);
    case 'close': {
      clearInterval(pollTimer);
      const closing = manager;
      manager = undefined;
      await closing?.close();
      return null;
    }
    case 'call': {
      if (!manager) throw new CoreError('DatabaseClosed', 'The session database is closed.');
      if (!Object.hasOwn(METHOD_KINDS, message.method))
        throw new CoreError('Internal', `The session store has no operation "${String(message.method)}".`);
      if (message.method === 'migrate') return migrate(manager, message.id, message.args);
      const method = manager[message.method] as (...args: unknown[]) => unknown;
      return method.apply(manager, message.args);
    }
  }
}

async function open(path: string, options: OpenOptions): Promise<OpenResult> {
  if (manager) throw new CoreError('Internal', 'The session store is already open.');
  const opened = await SessionManager.open(path, { ...options, tracer });
  manager = opened;
  opened.onDidChange((event) => post({ type: 'event', event }));
  pollTimer = setInterval(() => {
    try {
      opened.refresh();
    } catch (e) {
      tracer.warn('could not read changes from other processes', { error: describeError(e) });
    }
  }, setup.pollMs);
  return { readOnly: opened.readOnly, warnings: [...opened.warnings] };
}

/** The migration's progress goes to the host as events; the host's cancel aborts it between sessions. */
function migrate(m: SessionManager, id: number, args: unknown[]): Promise<unknown> {
  const [sources, options] = args as [string[], Pick<MigrateOptions, 'dryRun' | 'naiveUtc' | 'unchanged'> | undefined];
  const cancel = new AbortController();
  cancels.set(id, cancel);
  return m.migrate(sources, {
    ...options,
    signal: cancel.signal,
    onProgress: (progress) => post({ type: 'progress', id, progress }),
  });
}
