// The Sessions view: filter, group, refresh, page, reveal, and the log behind it.
import * as vscode from 'vscode';
import { z } from 'zod';
import { SESSION_STATUSES } from '../../core/model';
import { GROUPINGS, Grouping } from '../../settings';
import { quickPick } from '../picks';
import type { TreeFilter } from '../tree/nodes';
import { Commands, TreeFilterArg, TreeRow, command, sessionIdOf, sessionTarget } from './args';
import type { CommandEnv } from './env';

const MoreRow = z.custom<Extract<TreeRow, { kind: 'more' }>>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    (v as { kind?: unknown }).kind === 'more' &&
    typeof (v as { parentId?: unknown }).parentId === 'string',
  'expected a "Show more" row of the Sessions view',
);

export function viewCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.filter'
  | 'langswarmSessions.clearFilter'
  | 'langswarmSessions.groupBy'
  | 'langswarmSessions.refresh'
  | 'langswarmSessions.showLog'
  | 'langswarmSessions.showMore'
  | 'langswarmSessions.revealSession'
> {
  const { tree } = env.ctx;
  return {
    /** Given a filter, applies it (over the current one); without, asks what to filter by. */
    'langswarmSessions.filter': command([TreeFilterArg.optional()], async (given): Promise<TreeFilter | undefined> => {
      if (given) {
        await tree.setFilter({ ...tree.currentFilter, ...given });
        return tree.currentFilter;
      }
      const manager = await env.manager();
      const kind = await quickPick(
        [
          { label: 'Text', description: 'title, id, model or message text', key: 'text' as const },
          { label: 'Status', key: 'status' as const },
          { label: 'Provider', key: 'provider' as const },
          { label: 'Tag', key: 'tag' as const },
        ],
        { title: 'Filter sessions by…' },
      );
      if (!kind) return undefined;
      let value: string | undefined;
      if (kind.key === 'text') {
        value = await vscode.window.showInputBox({
          title: 'Filter sessions by text',
          value: tree.currentFilter.text ?? '',
        });
      } else {
        const values =
          kind.key === 'status'
            ? [...SESSION_STATUSES]
            : kind.key === 'provider'
              ? Object.keys((await manager.stats()).byProvider)
              : (await manager.tags()).map((t) => t.tag);
        value = await quickPick(values, { title: `Filter sessions by ${kind.label.toLowerCase()}` });
      }
      if (value === undefined) return undefined;
      await tree.setFilter({ ...tree.currentFilter, [kind.key]: value });
      return tree.currentFilter;
    }),

    'langswarmSessions.clearFilter': command([], () => tree.setFilter({})),

    /** Writes the grouping setting (of the workspace when there is one). */
    'langswarmSessions.groupBy': command(
      [z.enum(GROUPINGS, { error: `expected one of: ${GROUPINGS.join(', ')}` }).optional()],
      async (given): Promise<Grouping | undefined> => {
        const wanted = given ?? ((await quickPick(GROUPINGS, { title: 'Group sessions by' })) as Grouping | undefined);
        if (!wanted) return undefined;
        const target = vscode.workspace.workspaceFolders?.length
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
        await vscode.workspace.getConfiguration('langswarmSessions').update('grouping', wanted, target);
        return wanted;
      },
    ),

    'langswarmSessions.refresh': command([], async () => {
      await (await env.manager()).refresh();
      tree.refresh();
    }),

    'langswarmSessions.showLog': command([], async () => env.ctx.log.show(true)),

    'langswarmSessions.showMore': command([MoreRow], async (row) => tree.showMore(row.parentId)),

    /** Brings the Sessions view forward with the session selected (a migration report's entries use it). */
    'langswarmSessions.revealSession': command([sessionTarget()], async (t) => {
      const sessionId = sessionIdOf(t);
      if (sessionId) await env.reveal(sessionId, true);
      return sessionId;
    }),
  };
}
