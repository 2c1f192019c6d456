// Which two sessions "Compare Sessions" and "Compare with Parent" compare, free of `vscode` (unit tests run it on
// plain Node). The Sessions view passes (clicked row, selected rows) when several rows are selected.
import { z } from 'zod';
import { CoreError, isCoreError } from '../../core/errors';
import type { SessionApi } from '../../core/sessions';
import { displayTitle } from '../../core/text';
import { TreeRow, id, sessionIdOf, target } from './args';

/** Argument 1: nothing, a row, a session id, or `{ sessionId, otherSessionId }` (scripts name both). */
export const compareTarget = target(
  { sessionId: id.optional(), otherSessionId: id.optional() },
  'sessionId',
  'a session id, a session row or { sessionId, otherSessionId }',
);
/** Argument 2: the rows selected in the Sessions view (VS Code passes them with a multiple selection). */
export const selectedRows = z.array(TreeRow, { error: 'expected the selected rows of the Sessions view' }).optional();

/**
 * The sessions named, in order, without repeats: the selection when it holds several sessions (first selected on
 * the left, as the Explorer's "Compare Selected"), else the clicked one and `otherSessionId`. More than two is refused.
 */
export function namedSessions(t: z.output<typeof compareTarget>, selected: z.output<typeof selectedRows>): string[] {
  const fromSelection = [
    ...new Set((selected ?? []).map((row) => sessionIdOf({ row })).filter((s) => s !== undefined)),
  ];
  const ids =
    fromSelection.length > 1
      ? fromSelection
      : [...new Set([sessionIdOf(t), t.otherSessionId].filter((s): s is string => s !== undefined))];
  if (ids.length > 2)
    throw new CoreError('InvalidInput', `Select two sessions to compare (${ids.length} are selected).`);
  if (t.otherSessionId !== undefined && t.otherSessionId === sessionIdOf(t))
    throw new CoreError('InvalidInput', 'Choose two different sessions to compare.');
  return ids;
}

/** The session a fork or replay came from, and the session itself: left and right of "Compare with Parent". */
export async function parentPair(manager: SessionApi, sessionId: string): Promise<[string, string]> {
  const session = await manager.get(sessionId);
  if (!session.parent)
    throw new CoreError(
      'InvalidInput',
      `"${displayTitle(session)}" has no parent session: only a fork or a replay can be compared with the session it came from.`,
      { sessionId },
    );
  try {
    return [(await manager.get(session.parent.sessionId)).id, session.id];
  } catch (e) {
    if (!isCoreError(e, 'SessionNotFound')) throw e;
    throw new CoreError(
      'InvalidInput',
      `The session "${displayTitle(session)}" was forked from no longer exists (it was deleted).`,
      { sessionId, parentId: session.parent.sessionId },
    );
  }
}
