// Session commands: create, resume, the status changes, delete, rename and tags. Given no session, each asks for one.
import * as vscode from 'vscode';
import { KNOWN_PROVIDERS, SESSION_STATUSES, SessionStatus } from '../../core/model';
import { SUGGESTED_MODELS } from '../../settings';
import { pickModel, quickPick } from '../picks';
import { HistoryPanel } from '../webview/historyPanel';
import { readSettings } from '../workspaceStore';
import { Commands, command, flag, options, sessionIdOf, sessionTarget, text, texts } from './args';
import type { CommandEnv } from './env';

const onSession = sessionTarget();

type Transition = 'pause' | 'complete' | 'archive' | 'unarchive';

export function sessionCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.createSession'
  | 'langswarmSessions.resumeSession'
  | 'langswarmSessions.pauseSession'
  | 'langswarmSessions.completeSession'
  | 'langswarmSessions.archiveSession'
  | 'langswarmSessions.unarchiveSession'
  | 'langswarmSessions.deleteSession'
  | 'langswarmSessions.renameSession'
  | 'langswarmSessions.editTags'
> {
  /** Moves a session to another status; resolves to the status it has now. */
  const transition = (action: Transition, question: string, from: SessionStatus[]) =>
    command([onSession], async (t) => {
      const sessionId = sessionIdOf(t) ?? (await env.pickSession(question, from));
      if (!sessionId) return undefined;
      return (await (await env.manager())[action](sessionId)).status;
    });

  return {
    'langswarmSessions.createSession': command(
      [
        options(
          {
            provider: text.optional(),
            model: text.optional(),
            title: text.optional(),
            systemPrompt: text.optional(),
            tags: texts.optional(),
          },
          '{ provider, model, title, systemPrompt, tags }',
        ).optional(),
      ],
      async (given) => {
        const settings = readSettings();
        let input: {
          provider: string;
          model: string;
          title?: string | undefined;
          systemPrompt?: string | undefined;
          tags?: string[] | undefined;
        };
        if (given) {
          const provider = given.provider ?? settings.defaultProvider;
          const suggested: Partial<Record<string, string[]>> = SUGGESTED_MODELS;
          input = {
            ...given,
            provider,
            model: given.model ?? (settings.defaultModel || suggested[provider]?.[0] || 'default'),
          };
        } else {
          const asked = await askNewSession(settings.defaultProvider, settings.defaultModel);
          if (!asked) return undefined;
          input = asked;
        }
        const session = await (await env.manager()).create(input);
        await env.ctx.active.set(session.id);
        await env.reveal(session.id);
        return session.id;
      },
    ),

    'langswarmSessions.resumeSession': command([sessionTarget({ openHistory: flag.optional() })], async (t) => {
      const manager = await env.manager();
      const sessionId =
        sessionIdOf(t) ??
        (await env.pickSession('Resume which session?', ['active', 'paused', 'completed', 'error', 'archived']));
      if (!sessionId) return undefined;
      let session = await manager.get(sessionId);
      if (!env.ctx.store.readOnly) {
        if (session.status === 'archived') session = await manager.unarchive(sessionId);
        if (session.status !== 'active') session = await manager.resume(sessionId);
      }
      await env.ctx.active.set(sessionId);
      await env.reveal(sessionId);
      // The history browser opens with the keyboard in its composer: after resuming, the next thing is to write.
      if (t.openHistory !== false)
        HistoryPanel.show(env.ctx.context, manager, { sessionId, focusComposer: true }, env.history);
      return sessionId;
    }),

    'langswarmSessions.pauseSession': transition('pause', 'Pause which session?', ['active']),
    'langswarmSessions.completeSession': transition('complete', 'Complete which session?', [
      'active',
      'paused',
      'error',
    ]),
    'langswarmSessions.archiveSession': transition('archive', 'Archive which session?', [
      'active',
      'paused',
      'completed',
      'error',
    ]),
    'langswarmSessions.unarchiveSession': transition('unarchive', 'Unarchive which session?', ['archived']),

    'langswarmSessions.deleteSession': command([sessionTarget({ confirmed: flag.optional() })], async (t) => {
      const manager = await env.manager();
      const sessionId = sessionIdOf(t) ?? (await env.pickSession('Delete which session?', SESSION_STATUSES));
      if (!sessionId) return false;
      const s = await manager.get(sessionId);
      if (t.confirmed !== true) {
        const what =
          s.messageCount === 0
            ? 'It has no messages.'
            : `Its ${s.messageCount} message${s.messageCount === 1 ? '' : 's'} and their revisions will be deleted.`;
        const answer = await vscode.window.showWarningMessage(
          `Delete session "${s.title}"?`,
          { modal: true, detail: `${what} This cannot be undone.` },
          'Delete',
        );
        if (answer !== 'Delete') return false;
      }
      await manager.delete(sessionId);
      if (env.ctx.active.id === sessionId) await env.ctx.active.set(undefined);
      return true;
    }),

    'langswarmSessions.renameSession': command([onSession, text.optional()], async (t, title) => {
      const manager = await env.manager();
      const sessionId = sessionIdOf(t) ?? (await env.pickSession('Rename which session?', SESSION_STATUSES));
      if (!sessionId) return undefined;
      const next =
        title ??
        (await vscode.window.showInputBox({
          title: 'Rename session',
          value: (await manager.get(sessionId)).title,
          validateInput: (v) => (v.trim() ? undefined : 'A title cannot be empty'),
        }));
      if (next === undefined) return undefined;
      return (await manager.rename(sessionId, next)).title;
    }),

    'langswarmSessions.editTags': command([onSession, texts.optional()], async (t, tags) => {
      const manager = await env.manager();
      const sessionId = sessionIdOf(t) ?? (await env.pickSession('Edit the tags of which session?', SESSION_STATUSES));
      if (!sessionId) return undefined;
      let next = tags;
      if (!next) {
        const known = (await manager.tags()).map((x) => x.tag).join(', ');
        const typed = await vscode.window.showInputBox({
          title: 'Edit tags',
          value: (await manager.get(sessionId)).tags.join(', '),
          prompt: `Comma-separated.${known ? ` In use: ${known}` : ''}`,
        });
        if (typed === undefined) return undefined;
        next = typed.split(',');
      }
      return (await manager.setTags(sessionId, next)).tags;
    }),
  };
}

/** "Create Session…" without arguments: provider, model, title and system prompt, one step each. */
async function askNewSession(defaultProvider: string, defaultModel: string) {
  const providers = KNOWN_PROVIDERS.map((p) => ({
    label: p,
    description:
      p === 'replay' ? 'offline: answers from recorded turns, no API key' : p === defaultProvider ? 'default' : '',
  }));
  providers.sort((a, b) => (a.label === defaultProvider ? -1 : b.label === defaultProvider ? 1 : 0));
  const provider = await quickPick(providers, { title: 'New session (1/4): provider', placeHolder: 'Which provider?' });
  if (!provider) return undefined;
  const model = await pickModel(provider.label, defaultModel, 'New session (2/4): model');
  if (!model) return undefined;
  const title = await vscode.window.showInputBox({
    title: 'New session (3/4): title',
    prompt: 'A title (optional)',
    placeHolder: 'e.g. Refactor the parser',
  });
  if (title === undefined) return undefined;
  const systemPrompt = await vscode.window.showInputBox({
    title: 'New session (4/4): system prompt',
    prompt: 'A system prompt (optional)',
    placeHolder: 'e.g. You are a concise assistant.',
  });
  if (systemPrompt === undefined) return undefined;
  return {
    provider: provider.label,
    model,
    title: title.trim() ? title : undefined,
    systemPrompt: systemPrompt.trim() ? systemPrompt : undefined,
  };
}
