// Comparing two sessions: Compare Sessions (two rows selected in the Sessions view, or one and a second asked for),
// Compare with Parent (a fork or a replay beside the session it came from), and F7 / Shift+F7 in the compare view.
import { CoreError } from '../../core/errors';
import { SESSION_STATUSES } from '../../core/model';
import { displayTitle } from '../../core/text';
import { ComparePanel } from '../webview/comparePanel';
import { Commands, command, sessionIdOf, sessionTarget } from './args';
import { compareTarget, namedSessions, parentPair, selectedRows } from './compareTargets';
import type { CommandEnv } from './env';

/** Opens the compare view of `aId` (left) and `bId` (right). */
export async function showComparison(env: CommandEnv, aId: string, bId: string): Promise<ComparePanel> {
  return ComparePanel.show(env.ctx.context, await env.manager(), aId, bId);
}

export function compareCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.compareSessions'
  | 'langswarmSessions.compareWithParent'
  | 'langswarmSessions.nextDifference'
  | 'langswarmSessions.previousDifference'
> {
  return {
    'langswarmSessions.compareSessions': command([compareTarget, selectedRows], async (t, selected) => {
      const ids = namedSessions(t, selected);
      const first = ids[0] ?? (await env.pickSession('Compare which session…', SESSION_STATUSES));
      if (!first) return undefined;
      let second = ids[1];
      if (!second) {
        const title = displayTitle(await (await env.manager()).get(first));
        second = await env.pickSession(`…with which session? ("${title}" is on the left)`, SESSION_STATUSES);
        if (!second) return undefined;
        if (second === first) throw new CoreError('InvalidInput', 'Choose two different sessions to compare.');
      }
      await showComparison(env, first, second);
      return [first, second];
    }),

    'langswarmSessions.compareWithParent': command([sessionTarget()], async (t) => {
      const sessionId =
        sessionIdOf(t) ??
        env.ctx.active.id ??
        (await env.pickSession('Compare which fork or replay with its parent?', SESSION_STATUSES));
      if (!sessionId) return undefined;
      const [parent, child] = await parentPair(await env.manager(), sessionId);
      await showComparison(env, parent, child);
      return [parent, child];
    }),

    'langswarmSessions.nextDifference': command([], async () => ComparePanel.step(1)),
    'langswarmSessions.previousDifference': command([], async () => ComparePanel.step(-1)),
  };
}
