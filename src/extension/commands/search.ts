// Search Sessions…: full-text search as you type; choosing a result reveals its message in the Sessions view and shows
// it in the history browser. `{ query, pick }` runs it without UI.
import * as vscode from 'vscode';
import { z } from 'zod';
import { describeError } from '../../core/errors';
import { messageIcon, relativeTime } from '../format';
import { runQuickPick } from '../picks';
import { Commands, command, text, textOr } from './args';
import type { CommandEnv } from './env';
import { openHistory } from './history';

const SearchArgs = textOr(
  'query',
  {
    query: text.optional(),
    pick: z.number({ error: 'expected a number' }).int().min(0).max(10_000).optional(),
  },
  'a query, or { query, pick }',
);

export function searchCommands(env: CommandEnv): Commands<'langswarmSessions.searchSessions'> {
  return {
    'langswarmSessions.searchSessions': command([SearchArgs], async ({ query, pick: pickIndex }) => {
      const manager = await env.manager();
      if (query !== undefined && pickIndex !== undefined) {
        const hit = (await manager.search(query, { limit: pickIndex + 1 })).hits[pickIndex];
        if (!hit) return undefined;
        await env.revealMessage(hit.messageId);
        return hit.messageId;
      }
      const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { messageId?: string }>();
      pick.title = 'Search sessions';
      pick.placeholder = 'Words to find in any message (word*, "exact phrase", a OR b, -exclude)';
      pick.matchOnDescription = true;
      pick.matchOnDetail = true;
      let timer: NodeJS.Timeout | undefined;
      let latest = 0;
      const update = async (value: string) => {
        const asked = ++latest;
        const { hits, total, problem } = await manager.search(value, { prefix: true, limit: 50 });
        if (asked !== latest) return; // a later query's answer is on its way
        pick.items = hits.map((h) => ({
          label: `$(${messageIcon({ role: h.role, parts: [], state: 'complete' })}) ${h.snippet.replace(/\s+/g, ' ')}`,
          description: h.sessionTitle,
          detail: `${h.role} · #${h.seq} · ${relativeTime(h.createdAt)}`,
          alwaysShow: true,
          messageId: h.messageId,
        }));
        pick.title = problem
          ? `Search sessions — ${problem}`
          : value.trim()
            ? `Search sessions — ${total} match${total === 1 ? '' : 'es'}`
            : 'Search sessions';
        pick.busy = false;
      };
      const showSearchError = (e: unknown) => {
        pick.busy = false;
        pick.title = `Search sessions — ${describeError(e)}`;
      };
      pick.onDidChangeValue((v) => {
        pick.busy = true;
        clearTimeout(timer);
        timer = setTimeout(() => void update(v).catch(showSearchError), 120);
      });
      if (query) {
        pick.value = query;
        void update(query).catch(showSearchError);
      }
      const chosen = await runQuickPick(pick, (p) => p.selectedItems[0]?.messageId);
      clearTimeout(timer);
      if (chosen) {
        // The history browser shows the message beside the tree, then the tree reveals and focuses it — last, because
        // the closing quick pick hands the focus back to where it was (the composer, say) and that must not win.
        await openHistory(env, { messageId: chosen, preserveFocus: true });
        await env.revealMessage(chosen);
      }
      return chosen;
    }),
  };
}
