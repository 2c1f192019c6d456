// What a LangSwarm file holds, without importing it: its format, how many sessions and messages, and the
// span of time they cover — read exactly as the importer reads it (same detection, same readers), so the
// summary never promises what an import would not find. Sessions are read one at a time; the event loop
// is let go every few milliseconds so a worker running this keeps answering its watchdog.
import { describeError } from '../errors';
import { openSource } from './files';
import { type OpenedSource, SourceChanged, type SourceFormat } from './source';

export interface SourceSummary {
  file: string;
  format: SourceFormat;
  sessions: number;
  messages: number;
  /** Rows or groups that could not be read (an import reports them as failed). */
  unreadable: number;
  /** The earliest and latest times of its sessions and messages (ISO), when it has any. */
  from?: string;
  to?: string;
  warnings: string[];
}

/** Reads `file` through the importer's readers and counts what it holds. Throws the reader's CoreError for a file it refuses. */
export async function inspectSource(file: string, options: { naiveUtc?: boolean } = {}): Promise<SourceSummary> {
  const naiveUtc = options.naiveUtc ?? false;
  try {
    return await summarise(file, await openSource(file, { naiveUtc }));
  } catch (e) {
    if (!(e instanceof SourceChanged)) throw e;
    return summarise(file, await openSource(file, { naiveUtc, inPlace: false })); // the app wrote it meanwhile
  }
}

async function summarise(file: string, source: OpenedSource): Promise<SourceSummary> {
  const summary: SourceSummary = { file, format: source.format, sessions: 0, messages: 0, unreadable: 0, warnings: [] };
  const seen = (iso: string | undefined) => {
    if (!iso) return;
    if (summary.from === undefined || iso < summary.from) summary.from = iso;
    if (summary.to === undefined || iso > summary.to) summary.to = iso;
  };
  let lastBreath = performance.now();
  try {
    summary.warnings.push(...source.warnings);
    for (const item of source.items()) {
      if (item.kind === 'error') summary.unreadable += 1;
      else if (item.kind === 'session') {
        const { session, messages } = item.session;
        summary.sessions += 1;
        summary.messages += messages.length;
        seen(session.createdAt);
        seen(session.lastActivityAt);
        for (const m of messages) seen(m.message.createdAt);
      }
      if (performance.now() - lastBreath > 15) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastBreath = performance.now();
      }
    }
  } catch (e) {
    if (e instanceof SourceChanged) throw e;
    // The reader broke part way: what it read is summarised, and the rest counted as unreadable.
    summary.unreadable += 1;
    summary.warnings.push(`Reading stopped part way: ${describeError(e)}`);
  } finally {
    source.close();
  }
  return summary;
}
