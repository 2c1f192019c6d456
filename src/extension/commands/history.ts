// The history browser and the state dump: Open History, Dump Session State / Dump All Sessions, Export State…
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { SESSION_STATUSES } from '../../core/model';
import { displayTitle } from '../../core/text';
import { stateFileName } from '../format';
import { defaultSaveUri } from '../ui';
import { HistoryPanel } from '../webview/historyPanel';
import { StatePanel, dumpOptions } from '../webview/statePanel';
import { Commands, command, flag, id, sessionIdOf, sessionTarget, target, text } from './args';
import type { CommandEnv } from './env';

/**
 * Opens the history browser at a session, or at a message (scrolled to it); without either, at the active session.
 * `preserveFocus` leaves the keyboard where it was.
 */
export async function openHistory(
  env: CommandEnv,
  at: { sessionId?: string | undefined; messageId?: string | undefined; preserveFocus: boolean },
): Promise<string | undefined> {
  const manager = await env.manager();
  const message = at.messageId ? await manager.getMessage(at.messageId) : undefined;
  const sessionId =
    message?.sessionId ??
    at.sessionId ??
    env.ctx.active.id ??
    (await env.pickSession('Open the history of which session?', SESSION_STATUSES));
  if (!sessionId) return undefined;
  await manager.get(sessionId);
  HistoryPanel.show(env.ctx.context, manager, { sessionId, messageId: message?.id }, env.history, at.preserveFocus);
  return sessionId;
}

export function historyCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.openHistory'
  | 'langswarmSessions.dumpSessionState'
  | 'langswarmSessions.dumpAllSessions'
  | 'langswarmSessions.exportState'
> {
  /** The dump (made in the store's worker) as JSON in an editor, and in the State view; returns its text. */
  const showDump = async (sessionId: string | undefined) => {
    const manager = await env.manager();
    const dump = await manager.dump(sessionId ? { sessionId } : { all: true }, dumpOptions(env.ctx.context));
    const text = await dump.text();
    const sessionTitle = sessionId ? displayTitle(await manager.get(sessionId)) : undefined;
    const uri = env.ctx.views.set(`${sessionTitle ?? 'all sessions'} state.json`, String(Date.now()), text);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), {
      preview: false,
      viewColumn: vscode.ViewColumn.One,
    });
    StatePanel.show(env.ctx.context, dump, sessionTitle);
    return text;
  };

  return {
    // From a row of the tree the keyboard stays there (as a single click in the Explorer previews a file).
    'langswarmSessions.openHistory': command(
      [
        target(
          { sessionId: id.optional(), messageId: id.optional(), preserveFocus: flag.optional() },
          'sessionId',
          'a session id, a row or { sessionId, messageId, preserveFocus }',
        ),
      ],
      (t) =>
        openHistory(env, {
          sessionId: sessionIdOf(t),
          messageId: t.row?.kind === 'message' ? t.row.message.id : t.row ? undefined : t.messageId,
          preserveFocus: t.row !== undefined || t.preserveFocus === true,
        }),
    ),

    'langswarmSessions.dumpSessionState': command([sessionTarget()], async (t) => {
      const sessionId =
        sessionIdOf(t) ??
        env.ctx.active.id ??
        (await env.pickSession('Dump the state of which session?', SESSION_STATUSES));
      return sessionId ? showDump(sessionId) : undefined;
    }),

    'langswarmSessions.dumpAllSessions': command([], () => showDump(undefined)),

    /** Writes the dump (of a session, the active one by default, or of everything) to a file. */
    'langswarmSessions.exportState': command(
      [sessionTarget({ all: flag.optional(), target: text.optional() })],
      async (t) => {
        const manager = await env.manager();
        const sessionId = t.all === true ? undefined : (sessionIdOf(t) ?? env.ctx.active.id);
        const dump = await manager.dump(sessionId ? { sessionId } : { all: true }, dumpOptions(env.ctx.context));
        try {
          let file = t.target;
          if (!file) {
            const sessionTitle = sessionId ? displayTitle(await manager.get(sessionId)) : undefined;
            const uri = await vscode.window.showSaveDialog({
              title: 'Save LangSwarm Sessions state',
              filters: { JSON: ['json'] },
              defaultUri: defaultSaveUri(stateFileName(sessionTitle)),
            });
            if (!uri) return undefined;
            file = uri.fsPath;
          }
          await fs.promises.writeFile(file, await dump.text());
          return file;
        } finally {
          void dump.drop();
        }
      },
    ),
  };
}
