// The import's reader thread (read.ts): reads and maps the files it was given and posts them in batches, at
// most READER_WINDOW_BYTES of rows ahead of the store's thread, which answers each batch it takes with its size.
import { parentPort, workerData } from 'node:worker_threads';
import { READER_WINDOW_BYTES, ReaderMessage, ReaderSetup, packBatch, readSources } from './read';

const port = parentPort!;
const { files, options } = workerData as ReaderSetup;

let ahead = 0;
let waiting: (() => void) | undefined;
port.on('message', (taken: number) => {
  ahead -= taken;
  waiting?.();
  waiting = undefined;
});

void (async () => {
  for await (const events of readSources(files, options)) {
    while (ahead > 0 && ahead >= READER_WINDOW_BYTES) await new Promise<void>((resolve) => (waiting = resolve));
    const batch = packBatch(events);
    ahead += batch.rows?.byteLength ?? 0;
    port.postMessage({ type: 'batch', batch } satisfies ReaderMessage, batch.rows ? [batch.rows] : []);
  }
  port.postMessage({ type: 'end' } satisfies ReaderMessage);
})();
