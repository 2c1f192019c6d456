// Talking to providers from the editor: Send Message… (with progress and Cancel), Replay Conversation… (into a fork,
// opened beside the original in the compare view), Test Provider Connection, Set / Clear API Key…, and importing an OpenAI conversation.
// The keys and the providers themselves are ProviderAccess's (providerAccess.ts).
import * as vscode from 'vscode';
import { ConnectionReport, importOpenAIConversation, replay, send, testConnection } from '../../core/conversation';
import { CoreError } from '../../core/errors';
import { SESSION_STATUSES } from '../../core/model';
import { KEYED_PROVIDERS, KNOWN_PROVIDERS } from '../../core/names';
import { OpenAIProvider, StreamEvent } from '../../core/providers';
import { PROVIDER_LABELS } from '../../core/providers/provider';
import type { SessionApi } from '../../core/sessions';
import { SUGGESTED_MODELS } from '../../settings';
import { pickModel, quickPick } from '../picks';
import { isKeyedProvider } from '../providerAccess';
import { showWarning, withCancellableProgress } from '../ui';
import { CONTINUE_BUTTONS, forgetContinueChoice } from '../continueChoice';
import { continuation, providerForTurn } from '../webview/turns';
import { readSettings } from '../workspaceStore';
import { Commands, command, options, sessionIdOf, sessionTarget, text, textOr } from './args';
import { showComparison } from './compare';
import type { CommandEnv } from './env';

const keyedProvider = text.refine(isKeyedProvider, { error: `expected one of: ${KEYED_PROVIDERS.join(', ')}` });

export function providerCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.sendMessage'
  | 'langswarmSessions.replayConversation'
  | 'langswarmSessions.testProviderConnection'
  | 'langswarmSessions.setApiKey'
  | 'langswarmSessions.clearApiKey'
  | 'langswarmSessions.importRemoteConversation'
  | 'langswarmSessions.resetContinueChoice'
> {
  const { providers } = env.ctx;
  return {
    /** Sends a message in a session (the active one by default) and streams the reply into it. */
    'langswarmSessions.sendMessage': command(
      [sessionTarget({ content: text.optional(), provider: text.optional(), model: text.optional() })],
      async (t) => {
        const manager = await env.manager();
        const sessionId =
          sessionIdOf(t) ?? env.ctx.active.id ?? (await env.pickSession('Send to which session?', ['active']));
        if (!sessionId) return undefined;
        const content =
          t.content ??
          (await vscode.window.showInputBox({
            title: `Message to "${(await manager.get(sessionId)).title}"`,
            prompt: 'Sent as the next user message; the reply streams into the session.',
          }));
        if (content === undefined || !content.trim()) return undefined;
        return sendWithProgress(env, manager, sessionId, content, t.provider || undefined, t.model || undefined);
      },
    ),

    /** Re-runs a session's user turns on a chosen provider and model into a fork, compared side by side. */
    'langswarmSessions.replayConversation': command(
      [sessionTarget({ provider: text.optional(), model: text.optional() })],
      async (t) => {
        const manager = await env.manager();
        const sessionId = sessionIdOf(t) ?? (await env.pickSession('Replay which conversation?', SESSION_STATUSES));
        if (!sessionId) return undefined;
        const provider = t.provider ?? (await quickPick([...KNOWN_PROVIDERS], { title: 'Replay on which provider?' }));
        if (!provider) return undefined;
        const model = t.model ?? (await pickModel(provider, '', `Replay on ${provider}: model`));
        if (!model) return undefined;
        const fork = await replayAndCompare(env, manager, sessionId, provider, model);
        await env.reveal(fork);
        return fork;
      },
    ),

    /** Each provider with a key (and Replay), or the one named; the result in one message. */
    'langswarmSessions.testProviderConnection': command(
      [options({ provider: text.optional(), model: text.optional() }, '{ provider, model }').optional()],
      async (only = {}) => {
        const names = only.provider ? [only.provider] : [...KNOWN_PROVIDERS];
        const manager = await env.manager();
        const reports: ConnectionReport[] = [];
        const suggested: Partial<Record<string, string[]>> = SUGGESTED_MODELS;
        for (const name of names) {
          if (isKeyedProvider(name) && !(await providers.hasKey(name))) continue;
          const { provider } = await providers.provider(name, manager);
          // On record like every call the product makes (the trace has no session).
          const report = await testConnection(provider, only.model ?? suggested[name]?.[0] ?? 'default', undefined, {
            sink: async (trace) => {
              await manager.recordTrace(trace);
            },
          });
          reports.push(report);
          env.ctx.log.info(`connection test ${name}: ${report.ok ? `ok in ${report.latencyMs} ms` : report.error}`);
        }
        const lines = reports.map((r) =>
          r.ok ? `✓ ${r.provider} (${r.model}): ${r.latencyMs} ms` : `✗ ${r.provider} (${r.model}): ${r.error}`,
        );
        void (reports.some((r) => !r.ok) ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
          `Provider connection test — ${lines.join(' · ') || 'no provider has a key; set one with "Set API Key…"'}`,
        );
        return reports;
      },
    ),

    'langswarmSessions.setApiKey': command(
      [options({ provider: keyedProvider.optional(), key: text.optional() }, '{ provider, key }').optional()],
      async (given = {}) => {
        const name =
          given.provider ?? (await quickPick(KEYED_PROVIDERS, { title: 'Set the API key of which provider?' }));
        if (!name || !isKeyedProvider(name)) return false;
        const key =
          given.key ??
          (await vscode.window.showInputBox({
            title: `${PROVIDER_LABELS[name]} API key`,
            password: true,
            ignoreFocusOut: true,
            prompt: "Kept in VS Code's secret storage; never written to settings, the session database, logs or dumps.",
            validateInput: (v) => (v.trim() ? undefined : 'The key cannot be empty'),
          }));
        if (!key?.trim()) return false;
        await providers.storeKey(name, key.trim());
        void vscode.window.showInformationMessage(
          `Saved the ${PROVIDER_LABELS[name]} API key in VS Code's secret storage: ${PROVIDER_LABELS[name]} now answers in its sessions.`,
        );
        return true;
      },
    ),

    'langswarmSessions.clearApiKey': command(
      [textOr('provider', { provider: keyedProvider.optional() }, 'a provider name or { provider }')],
      async (given) => {
        const name =
          given.provider ?? (await quickPick(KEYED_PROVIDERS, { title: 'Clear the API key of which provider?' }));
        if (!name || !isKeyedProvider(name)) return false;
        await providers.deleteKey(name);
        return true;
      },
    ),

    /** Forgets "always fork / continue here in this workspace": continuing a recorded session asks again. */
    'langswarmSessions.resetContinueChoice': command([], async () => {
      const was = await forgetContinueChoice(env.ctx.context.workspaceState);
      void vscode.window.showInformationMessage(
        was
          ? `Forgot "${was === 'fork' ? CONTINUE_BUTTONS.alwaysFork : CONTINUE_BUTTONS.alwaysHere}": sending into an imported, completed or archived session asks again.`
          : 'Sending into an imported, completed or archived session already asks how to continue it.',
      );
      return was ?? null;
    }),

    'langswarmSessions.importRemoteConversation': command(
      [
        options(
          { conversationId: text.optional(), model: text.optional(), title: text.optional() },
          '{ conversationId, model, title }',
        ).optional(),
      ],
      async (given = {}) => {
        const manager = await env.manager();
        const conversationId =
          given.conversationId ??
          (await vscode.window.showInputBox({
            title: 'Import an OpenAI conversation',
            prompt: 'Its id (conv_…)',
            validateInput: (v) =>
              /^conv_\S+$/.test(v.trim()) ? undefined : 'An OpenAI conversation id starts with conv_',
          }));
        if (!conversationId) return undefined;
        const { provider, note } = await providers.provider('openai', manager);
        if (note || !(provider instanceof OpenAIProvider))
          throw new CoreError(
            'InvalidInput',
            'Importing a remote conversation needs an OpenAI API key: use "Set API Key…" first.',
          );
        const model = given.model ?? readSettings().defaultModel ?? 'gpt-4o';
        const session = await importOpenAIConversation(manager, provider, conversationId.trim(), {
          model: model || 'gpt-4o',
          title: given.title || undefined,
        });
        await env.reveal(session.id);
        return session.id;
      },
    ),
  };
}

/**
 * Sends (into a fork when the user chose to continue a recorded session in one), with the reply's progress in a
 * notification whose Cancel stops it; resolves to the reply's id, or undefined when the user cancelled.
 */
async function sendWithProgress(
  env: CommandEnv,
  manager: SessionApi,
  sessionId: string,
  content: string,
  providerName?: string,
  model?: string,
): Promise<string | undefined> {
  const target = await continuation(manager, env.ctx.providers, sessionId);
  if (!target) return undefined; // the user cancelled: nothing sent
  if (target.forkedFrom) await env.reveal(target.sessionId);
  const { provider, note } = await providerForTurn(manager, env.ctx.providers, target.sessionId, providerName);
  const session = await manager.get(target.sessionId);
  if (note) void vscode.window.showInformationMessage(note);
  if (session.status !== 'active')
    void vscode.window.showInformationMessage(
      `Sending makes "${session.title}" active again (it was ${session.status}).`,
    );
  return withCancellableProgress(
    `${session.title}: waiting for ${PROVIDER_LABELS[provider.name]}`,
    async (signal, progress) => {
      let received = 0;
      const onEvent = (e: StreamEvent) => {
        if (e.type === 'text_delta') {
          received += e.text.length;
          progress.report({ message: `${received} characters…` });
        } else if (e.type === 'warning') {
          showWarning(e.message);
        }
      };
      const resume = target.resume;
      return (await send(manager, target.sessionId, content, { provider, signal, onEvent, model, resume })).reply.id;
    },
  );
}

/** Replays the session's user turns on another provider and model into a fork, and opens the compare view of the two; resolves to the fork. */
async function replayAndCompare(
  env: CommandEnv,
  manager: SessionApi,
  sessionId: string,
  providerName: string,
  model: string,
): Promise<string> {
  const source = await manager.get(sessionId);
  const { provider, note } = await env.ctx.providers.provider(providerName, manager, sessionId);
  if (note) void vscode.window.showInformationMessage(note);
  const result = await withCancellableProgress(`Replaying "${source.title}" on ${providerName} · ${model}`, (signal) =>
    replay(manager, sessionId, { provider, model, signal }),
  );
  await showComparison(env, sessionId, result.session.id);
  return result.session.id;
}
