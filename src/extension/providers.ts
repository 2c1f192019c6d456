// Talking to providers from the editor: API keys in SecretStorage (never in settings, the
// database, logs or dumps), provider settings, sending a message with progress and cancel,
// replaying a conversation on another model with a side-by-side comparison, connection tests.
// Nothing here runs in an untrusted workspace.
import * as vscode from 'vscode';
import { ReplayResult, replay, send, testConnection, importOpenAIConversation, ConnectionReport } from '../core/conversation';
import { CoreError } from '../core/errors';
import { KNOWN_PROVIDERS } from '../core/model';
import { OpenAIProvider, Provider, ProviderName, StreamEvent, createProvider } from '../core/providers';
import type { ProviderConfig } from '../core/providers';
import { PROVIDER_LABELS } from '../core/providers/provider';
import type { SessionApi } from '../core/sessions';
import type { ProviderChoice } from '../protocol';
import { SUGGESTED_MODELS } from '../settings';
import { WorkspaceStore } from './workspaceStore';
import { quickPick } from './picks';
import { ConversationAccess, providerForTurn } from './webview/turns';
import { VirtualDocuments } from './virtualDocuments';

const secretKey = (provider: string) => `langswarmSessions.apiKey.${provider}`;
const CALLABLE = ['openai', 'anthropic', 'gemini'] as const;
type Callable = (typeof CALLABLE)[number];

const isCallable = (name: string): name is Callable => (CALLABLE as readonly string[]).includes(name);

/** Provider settings (application scope: a workspace cannot redirect your keys to another server). */
function providerSettings(name: Callable): Partial<ProviderConfig> {
  const c = vscode.workspace.getConfiguration('langswarmSessions');
  const baseUrl = c.get<string>(`${name}.baseUrl`)?.trim();
  const common = {
    ...(baseUrl ? { baseUrl } : {}),
    timeoutMs: Math.max(1, c.get<number>('requestTimeoutSeconds') ?? 600) * 1000,
    maxRetries: Math.max(0, c.get<number>('maxRetries') ?? 2),
  };
  if (name === 'openai') return { ...common, stateless: c.get<boolean>('openai.stateless') === true };
  if (name === 'anthropic') return { ...common, contextWindow: c.get<number>('anthropic.contextWindow') ?? 200_000 };
  const apiVersion = c.get<string>('gemini.apiVersion')?.trim();
  return { ...common, ...(apiVersion ? { apiVersion } : {}) };
}

export class Providers implements ConversationAccess {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly db: WorkspaceStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly documents: VirtualDocuments,
  ) {}

  /**
   * The provider for `name`: with its key and settings, or the offline Replay provider (with the
   * reason) when there is no key or the core cannot call that provider. `recordedFrom` feeds Replay.
   */
  async provider(name: string, manager: SessionApi, recordedFrom?: string): Promise<{ provider: Provider; note?: string }> {
    if (!vscode.workspace.isTrusted) {
      throw new CoreError('ProviderError', 'This workspace is not trusted: LangSwarm Sessions does not call providers here. Trust the folder to send messages.');
    }
    const replay = async (note?: string) => ({
      provider: createProvider({ name: 'replay', ...(recordedFrom && (await manager.find(recordedFrom)) ? { recorded: await manager.allMessages(recordedFrom) } : {}) }),
      ...(note ? { note } : {}),
    });
    if (name === 'replay') return replay();
    if (!isCallable(name)) return replay(`LangSwarm Sessions cannot call "${name}"; answering with the offline Replay provider.`);
    const apiKey = await this.secrets.get(secretKey(name));
    if (!apiKey) return replay(`No API key is set for ${PROVIDER_LABELS[name]}; answering with the offline Replay provider. Use "LangSwarm Sessions: Set API Key…" to add one.`);
    return { provider: createProvider({ name, apiKey, tracer: manager.tracer, ...providerSettings(name) } as ProviderConfig) };
  }

  /** Provider names with suggested models, for the history browser's composer. */
  choices(): ProviderChoice[] {
    return KNOWN_PROVIDERS.map((name) => ({ name, models: SUGGESTED_MODELS[name] }));
  }

  async setApiKey(arg: unknown): Promise<boolean> {
    const given = typeof arg === 'object' && arg !== null ? (arg as { provider?: string; key?: string }) : {};
    const name = given.provider ?? (await quickPick([...CALLABLE], { title: 'Set the API key of which provider?' }));
    if (!name) return false;
    if (!isCallable(name)) throw new CoreError('InvalidInput', `Keys are kept for ${CALLABLE.join(', ')}, not "${name}".`);
    const key = given.key ?? (await vscode.window.showInputBox({
      title: `${PROVIDER_LABELS[name]} API key`, password: true, ignoreFocusOut: true,
      prompt: 'Kept in VS Code\'s secret storage; never written to settings, the session database, logs or dumps.',
      validateInput: (v) => (v.trim() ? undefined : 'The key cannot be empty'),
    }));
    if (!key?.trim()) return false;
    await this.secrets.store(secretKey(name), key.trim());
    this.log.info(`API key for ${name} stored in secret storage`);
    return true;
  }

  async clearApiKey(arg: unknown): Promise<boolean> {
    const given = typeof arg === 'object' && arg !== null ? (arg as { provider?: string }).provider : typeof arg === 'string' ? arg : undefined;
    const name = given ?? (await quickPick([...CALLABLE], { title: 'Clear the API key of which provider?' }));
    if (!name || !isCallable(name)) return false;
    await this.secrets.delete(secretKey(name));
    this.log.info(`API key for ${name} removed from secret storage`);
    return true;
  }

  /** Sends a message in a session (the active one by default), streaming the reply into the database. */
  async sendMessage(manager: SessionApi, sessionId: string, content: string | undefined, options: { provider?: string; model?: string } = {}): Promise<string | undefined> {
    const { provider, note } = await providerForTurn(manager, this, sessionId, options.provider);
    const session = await manager.get(sessionId);
    if (note) void vscode.window.showInformationMessage(note);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${session.title}: waiting for ${PROVIDER_LABELS[provider.name]}`, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let received = 0;
      const onEvent = (e: StreamEvent) => {
        if (e.type === 'text_delta') {
          received += e.text.length;
          progress.report({ message: `${received} characters…` });
        } else if (e.type === 'warning') {
          void vscode.window.showWarningMessage(e.message);
        }
      };
      const result = await send(manager, sessionId, content, { provider, signal: abort.signal, onEvent, ...(options.model ? { model: options.model } : {}) });
      return result.reply.id;
    });
  }

  /** Re-runs the session's user turns on another provider/model into a fork, and shows both side by side. */
  async replayConversation(manager: SessionApi, sessionId: string, providerName: string, model: string): Promise<ReplayResult> {
    const source = await manager.get(sessionId);
    const { provider, note } = await this.provider(providerName, manager, sessionId);
    if (note) void vscode.window.showInformationMessage(note);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Replaying "${source.title}" on ${providerName} · ${model}`, cancellable: true }, (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return replay(manager, sessionId, { provider, model, signal: abort.signal });
    });
    const side = (which: 'original' | 'replayed') => result.turns.map((t, i) => {
      const reply = which === 'original' ? t.original : t.replayed;
      const stop = which === 'original' ? t.originalStop : t.replayedStop;
      return `## Turn ${i + 1}\n\n**User:** ${t.user}\n\n**Reply${stop ? ` (${stop})` : ''}:**\n\n${reply ?? '(no reply)'}\n`;
    }).join('\n');
    const left = this.documents.set(`${source.provider} ${source.model}.md`, `${result.session.id}-original`, side('original'));
    const right = this.documents.set(`${providerName} ${model}.md`, `${result.session.id}-replayed`, side('replayed'));
    await vscode.commands.executeCommand('vscode.diff', left, right, `${source.title}: ${source.provider} · ${source.model} ↔ ${providerName} · ${model}`);
    return result;
  }

  async testConnections(arg: unknown): Promise<ConnectionReport[]> {
    const only = typeof arg === 'object' && arg !== null ? (arg as { provider?: string; model?: string }) : {};
    const names = only.provider ? [only.provider] : [...KNOWN_PROVIDERS];
    const manager = await this.db.manager();
    const reports: ConnectionReport[] = [];
    for (const name of names) {
      if (name !== 'replay' && isCallable(name) && !(await this.secrets.get(secretKey(name)))) continue;
      const { provider } = await this.provider(name, manager);
      const model = only.model ?? SUGGESTED_MODELS[name as ProviderName]?.[0] ?? 'default';
      const report = await testConnection(provider, model);
      reports.push(report);
      this.log.info(`connection test ${name}: ${report.ok ? `ok in ${report.latencyMs} ms` : report.error}`);
    }
    const lines = reports.map((r) => (r.ok ? `✓ ${r.provider} (${r.model}): ${r.latencyMs} ms` : `✗ ${r.provider} (${r.model}): ${r.error}`));
    const failed = reports.some((r) => !r.ok);
    void (failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
      `Provider connection test — ${lines.join(' · ') || 'no provider has a key; set one with "Set API Key…"'}`,
    );
    return reports;
  }

  async importRemote(manager: SessionApi, conversationId: string, model: string, title?: string): Promise<string> {
    const { provider, note } = await this.provider('openai', manager);
    if (note || !(provider instanceof OpenAIProvider)) throw new CoreError('InvalidInput', 'Importing a remote conversation needs an OpenAI API key: use "Set API Key…" first.');
    const session = await importOpenAIConversation(manager, provider, conversationId, { model, ...(title ? { title } : {}) });
    return session.id;
  }
}
