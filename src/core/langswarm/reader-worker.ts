// The import's reader thread (read.ts): reads and maps the files it was given and posts them in batches,
// at most READ_AHEAD_BATCHES ahead of the store's thread, which answers each batch it takes.
import { parentPort, workerData } from 'node:worker_threads';
import { READ_AHEAD_BATCHES, ReaderMessage, ReaderSetup, batchBuffers, readSources } from './read';

const port = parentPort!;
const { files, options } = workerData as ReaderSetup;

let credit = READ_AHEAD_BATCHES;
let waiting: (() => void) | undefined;
port.on('message', () => {
  credit += 1;
  waiting?.();
  waiting = undefined;
});

void (async () => {
  for await (const events of readSources(files, options)) {
    if (credit === 0) await new Promise<void>((resolve) => (waiting = resolve));
    credit -= 1;
    port.postMessage({ type: 'batch', events } satisfies ReaderMessage, batchBuffers(events));
  }
  port.postMessage({ type: 'end' } satisfies ReaderMessage);
})();
