// Reading the sources for the importer, in batches: each file opened, read and mapped (files.ts, v1.ts, v2.ts),
// each session's messages already made rows of the messages table and encoded into the batch's one buffer
// (encoded-rows.ts), so the store's thread only binds them.
//
// For large sources the reading runs in a worker thread of its own (reader-worker.ts) while the store's
// thread writes the batches before: the two overlap. What crosses threads is the batch's buffer
// (transferred) and small objects (session fields, fingerprints). The reader runs at most
// READER_WINDOW_BYTES ahead, so memory stays bounded; a reader that dies (out of memory on a hostile file,
// or a crash) fails only the file it was in, and a new one goes on with the next file.
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { CoreError, ErrorCode, describeError } from '../errors';
import type { Session } from '../model';
import { RowWriter, decodeRows } from '../store/encoded-rows';
import { messageBodyRow, messageOfBodyRow } from '../store/rows';
import type { Tracer } from '../trace';
import { workerScript } from '../worker/entry';
import { openSource } from './files';
import { firstStored } from './origins';
import {
  type MappedMessage,
  type OpenedSource,
  SourceChanged,
  type SourceFormat,
  type SourceItem,
  type SourceSession,
} from './source';

/** A source session as read: its messages as encoded rows (messageBodyRow), with their fingerprints. */
export interface ReadSession extends Omit<SourceSession, 'messages'> {
  /** The fingerprint of each source message, in order. */
  fps: string[];
  rows: Uint8Array;
  /** The session as a new import stores it (origins.ts firstStored), checked here. */
  checked: Session | { invalid: string };
}

export interface ReadProblem {
  code: ErrorCode;
  message: string;
}

/** What the reader says, in order: per file 'file', then 'opened' and its items, or 'failed'; then 'done'. */
export type ReadEvent =
  | { kind: 'file'; index: number }
  | { kind: 'opened'; format: SourceFormat; warnings: string[] }
  /** The file could not be opened, or reading it stopped part way (what was read before stands). */
  | { kind: 'failed'; problem: ReadProblem }
  | { kind: 'session'; session: ReadSession }
  | Exclude<SourceItem, { kind: 'session' }>
  | { kind: 'done' };

export interface ReaderOptions {
  naiveUtc: boolean;
  /** Per file, update markers of sessions not to read again (MigrateOptions.unchanged). */
  unchanged?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
}

/** A batch is sent once it holds this many bytes of rows or this many events. */
const BATCH_BYTES = 512 * 1024;
const BATCH_EVENTS = 256;
/**
 * Bytes of rows the worker may send before the store's thread has taken them (always at least one batch).
 * Enough for the reader to finish a typical store well before the store's thread does: it is the faster of
 * the two, and once done its copy of the source is freed, while the database it feeds grows.
 */
export const READER_WINDOW_BYTES = 64 * 1024 * 1024;
/** The worker's heap limit: a file that needs more fails alone instead of taking the store's thread down. */
const READER_HEAP_MB = 1024;
/**
 * Its young generation: it makes garbage fast (parsed JSON, mapped messages) and keeps little; V8's default
 * let it grow to ~48 MB, which counted against the import's peak memory (~15 MB less measured, no slower).
 */
const READER_YOUNG_MB = 4;

/** The messages of a session as read, as mapped objects again (for the rare imports that compare or rewrite them). */
export function messagesOf(session: ReadSession): MappedMessage[] {
  return decodeRows(session.rows).map((values, i) => ({ ...messageOfBodyRow(values), fp: session.fps[i]! }));
}

export function problemOf(e: unknown): ReadProblem {
  return e instanceof CoreError
    ? { code: e.code, message: e.message }
    : { code: 'Internal', message: describeError(e) };
}

const NO_ROWS = new Uint8Array(0);

/** Reads `files` in this thread, in batches. */
export async function* readSources(files: readonly string[], options: ReaderOptions): AsyncGenerator<ReadEvent[]> {
  const writer = new RowWriter();
  let events: ReadEvent[] = [];
  let placed: Array<[ReadSession, number, number]> = [];
  const take = (): ReadEvent[] => {
    const bytes = writer.take();
    for (const [session, start, end] of placed) session.rows = bytes.subarray(start, end);
    const out = events;
    [events, placed] = [[], []];
    return out;
  };
  for (const [index, file] of files.entries()) {
    events.push({ kind: 'file', index });
    yield take(); // at once: progress names the file while it opens
    const opening = { naiveUtc: options.naiveUtc, unchanged: options.unchanged?.[file] };
    let source: OpenedSource | undefined;
    try {
      source = await openSource(file, opening);
    } catch (e) {
      events.push({ kind: 'failed', problem: problemOf(e) }, { kind: 'done' });
      continue;
    }
    events.push({ kind: 'opened', format: source.format, warnings: source.warnings });
    const taken = new TakenItems();
    try {
      for (;;) {
        try {
          for (const item of source.items()) {
            if (!taken.first(item)) continue;
            if (item.kind === 'session') {
              const { messages, ...fields } = item.session;
              const start = writer.length;
              for (const m of messages) writer.add(messageBodyRow(m.message, m.search));
              const session: ReadSession = {
                ...fields,
                fps: messages.map((m) => m.fp),
                rows: NO_ROWS,
                checked: firstStored(fields),
              };
              placed.push([session, start, writer.length]);
              events.push({ kind: 'session', session });
            } else {
              events.push(item);
            }
            if (writer.length >= BATCH_BYTES || events.length >= BATCH_EVENTS) yield take();
          }
          break;
        } catch (e) {
          if (!(e instanceof SourceChanged) || taken.again) throw e;
          // Written to while read in place: the rest from a copy of its last committed state.
          source.close();
          source = undefined; // closed: not again below if the copy cannot be made
          source = await openSource(file, { ...opening, inPlace: false });
          events.push({
            kind: 'opened',
            format: source.format,
            warnings: [`${e.message}; the rest was read from its state after that change.`, ...source.warnings],
          });
          taken.again = true;
        }
      }
    } catch (e) {
      events.push({ kind: 'failed', problem: problemOf(e) }); // the reader broke part way: what it read stands
    } finally {
      source?.close();
    }
    events.push({ kind: 'done' });
  }
  if (events.length > 0) yield take();
}

/**
 * The items of a file taken so far, to take none twice when it is read again from a copy (SourceChanged): by
 * source id and how many times that id came (V1 stores may hold an id twice), else by where in the file.
 */
class TakenItems {
  /** Reading the file again: items counted before are skipped. */
  again = false;
  private readonly before = new Map<string, number>();
  private readonly now = new Map<string, number>();

  first(item: SourceItem): boolean {
    const id = item.kind === 'session' ? item.session.originalId : item.originalId;
    const key = id === undefined ? `\0${item.kind === 'error' ? item.where : ''}` : id;
    const counts = this.again ? this.now : this.before;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return !this.again || n > (this.before.get(key) ?? 0);
  }
}

/**
 * A batch as the reader posts it: its events serialized (v8, the structured clone's format) without their rows,
 * and the one buffer all its sessions' rows are views of, transferred. The store's thread deserializes the
 * events only when it takes the batch: batches waiting in its queue are then two buffers, not thousands of
 * small objects that outlive young-generation collections (which grew its young generation by ~20 MB).
 */
export interface PackedBatch {
  events: Uint8Array;
  rows: ArrayBuffer | undefined;
}

/** What the reader worker posts: a batch, or that it read everything. */
export type ReaderMessage = { type: 'batch'; batch: PackedBatch } | { type: 'end' };

/** A session's rows travel as where they are in the batch's buffer (no typed array: those cost a call each). */
type PackedEvent =
  | Exclude<ReadEvent, { kind: 'session' }>
  | { kind: 'session'; session: Omit<ReadSession, 'rows'>; rows: [start: number, end: number] };

export function packBatch(batch: readonly ReadEvent[]): PackedBatch {
  let rows: ArrayBuffer | undefined;
  const events = batch.map((e): PackedEvent => {
    if (e.kind !== 'session') return e;
    const { rows: bytes, ...session } = e.session;
    if (bytes.byteLength > 0) {
      rows ??= bytes.buffer as ArrayBuffer;
      if (bytes.buffer !== rows) throw new Error('a batch holds one buffer of rows');
    }
    return { kind: 'session', session, rows: [bytes.byteOffset, bytes.byteOffset + bytes.byteLength] };
  });
  return { events: v8.serialize(events), rows };
}

export function unpackBatch({ events, rows }: PackedBatch): ReadEvent[] {
  return (v8.deserialize(events) as PackedEvent[]).map((e) => {
    if (e.kind !== 'session') return e;
    const [start, end] = e.rows;
    return {
      kind: 'session',
      session: { ...e.session, rows: rows ? new Uint8Array(rows, start, end - start) : NO_ROWS },
    };
  });
}

export interface ReaderSetup {
  files: string[];
  options: ReaderOptions;
}

/** Reads `files` in a worker thread (reader-worker.ts) while the caller works on the batches before. */
export async function* readSourcesInWorker(
  files: readonly string[],
  options: ReaderOptions,
  tracer: Tracer,
  heapMb = READER_HEAP_MB,
): AsyncGenerator<ReadEvent[]> {
  let next = 0; // the first file not finished
  while (next < files.length) {
    const offset = next;
    const { file, execArgv } = workerScript(__dirname, 'import-reader.js', 'reader-worker.ts');
    const worker = new Worker(file, {
      execArgv,
      workerData: { files: files.slice(offset), options } satisfies ReaderSetup,
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: READER_YOUNG_MB },
      // Node's default, said: the file it reads in place is closed when it is stopped mid-read or dies.
      trackUnmanagedFds: true,
    });
    const inbox = new Inbox(worker);
    let inFile = false;
    let heard = false;
    try {
      for (;;) {
        const got = await inbox.next();
        if (got.type === 'end') {
          next = files.length;
          break;
        }
        if (got.type === 'died' && !heard) {
          // It never started (it says which file it begins with first): read the rest here, only slower.
          tracer.warn("the import's reader thread did not start; reading in this thread", { error: got.why });
          for await (const batch of readSources(files.slice(next), options)) {
            for (const e of batch) if (e.kind === 'file') e.index += next;
            yield batch;
          }
          return;
        }
        heard = true;
        if (got.type === 'died') {
          // The file it was in (or the next, if it died between files) fails; a new reader goes on after it.
          const failed: ReadEvent[] = inFile ? [] : [{ kind: 'file', index: next }];
          failed.push(
            { kind: 'failed', problem: { code: 'ImportRejected', message: stopped(got.why) } },
            { kind: 'done' },
          );
          next += 1;
          yield failed;
          break;
        }
        worker.postMessage(got.batch.rows?.byteLength ?? 0); // taken: the reader may send that much more
        const events = unpackBatch(got.batch);
        for (const e of events) {
          if (e.kind === 'file') {
            e.index += offset;
            [next, inFile] = [e.index, true];
          } else if (e.kind === 'done') {
            [next, inFile] = [next + 1, false];
          }
        }
        yield events;
      }
    } finally {
      inbox.close();
      await worker.terminate();
    }
  }
}

type Received = ReaderMessage | { type: 'died'; why: string };

/** The worker's messages in order, and its death as the last one. */
class Inbox {
  private readonly queue: Received[] = [];
  private waiting: ((r: Received) => void) | undefined;
  private over = false;

  constructor(private readonly worker: Worker) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
  }

  next(): Promise<Received> {
    const first = this.queue.shift();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  close(): void {
    this.over = true;
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
  }

  private push(r: Received): void {
    if (this.over) return;
    if (r.type !== 'batch') this.over = true; // nothing comes after the end or a death
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(r);
    else this.queue.push(r);
  }

  private readonly onMessage = (m: ReaderMessage) => {
    // Done: what it sent is here, so its memory (the source's copy above all) goes now, not once all is taken.
    if (m.type === 'end') void this.worker.terminate();
    this.push(m);
  };
  private readonly onError = (e: Error) =>
    this.push({
      type: 'died',
      why: /memory limit/i.test(e.message)
        ? `it needed more memory than the reader may use (${describeError(e)})`
        : describeError(e),
    });
  private readonly onExit = (code: number) => this.push({ type: 'died', why: `the reader exited (code ${code})` });
}

function stopped(why: string): string {
  return `Reading stopped part way through the file: ${why}. The sessions imported from it before that point are kept; the rest of it was not imported.`;
}
