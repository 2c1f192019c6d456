// `migrate --watch`: follows LangSwarm stores until Ctrl+C, one line per import, then a summary.
import * as path from 'node:path';
import { migrate } from '../core/langswarm';
import { FollowEvent, Follower, problemText } from '../core/langswarm/follow';
import type { SessionManager } from '../core/sessions';
import type { Output } from './command';

const shown = (file: string) => path.relative(process.cwd(), file) || file;
const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

function eventLine(e: FollowEvent): string {
  const where = `${e.originalId} (${shown(e.file)})`;
  return e.kind === 'added'
    ? `+${plural(e.messagesAdded, 'message')} in new session ${where}`
    : `+${plural(e.messagesAdded, 'message')} in ${where}`;
}

/** Resolves with exit code 0 on SIGINT/SIGTERM, after the poll under way has finished. */
export async function watchSources(
  m: SessionManager,
  out: Output,
  sources: readonly string[],
  options: { naiveUtc: boolean; intervalMs: number },
): Promise<number> {
  const follower = new Follower({
    sources,
    intervalMs: options.intervalMs,
    importFiles: (files, unchanged) => migrate(m, files, { naiveUtc: options.naiveUtc, unchanged }),
    onImport(events, initial) {
      if (!initial) {
        for (const e of events) out.line(eventLine(e));
        return;
      }
      const messages = events.reduce((n, e) => n + e.messagesAdded, 0);
      out.line(`Imported ${plural(messages, 'message')} in ${plural(events.length, 'session')}.`);
    },
    onProblem: (p) => process.stderr.write(`${p.missing ? 'waiting' : 'error'}: ${problemText(p, shown)}\n`),
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  follower.start();
  out.line(`Following ${sources.map(shown).join(', ')} (Ctrl+C to stop).`);
  await stopped;
  await follower.stop();
  const t = follower.totals;
  out.line(
    `Stopped following: ${plural(t.sessionsAdded, 'session')} added, ${t.sessionsExtended.toLocaleString('en-US')} extended, ${plural(t.messages, 'message')}, ${plural(t.errors, 'error')}.`,
  );
  return 0;
}
