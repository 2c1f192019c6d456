// Providers for the editor: API keys in SecretStorage (never in settings, the database, logs or dumps), the provider
// settings, and building the provider a conversation turn uses. No UI here: the commands that ask and show are in
// commands/providers.ts. Nothing here runs in an untrusted workspace.
import * as vscode from 'vscode';
import { CoreError } from '../core/errors';
import { KNOWN_PROVIDERS, KeyedProvider, isProviderName } from '../core/names';
import { PROVIDER_ENV, Provider, ProviderConfig, createProvider } from '../core/providers';
import { PROVIDER_LABELS } from '../core/providers/provider';
import type { Message, Session } from '../core/model';
import type { SessionApi } from '../core/sessions';
import type { RunOptions } from '../core/simulate/runner';
import type { ProviderChoice } from '../protocol';
import { SUGGESTED_MODELS } from '../settings';
import { askHowToContinue } from './continueChoice';
import type { ConversationAccess } from './webview/turns';

/** A provider whose key is kept here: one of the core's KEYED_PROVIDERS. */
export const isKeyedProvider = (name: string): name is KeyedProvider => isProviderName(name) && name !== 'replay';

const SECRET_PREFIX = 'langswarmSessions.apiKey.';
const secretKey = (provider: KeyedProvider) => `${SECRET_PREFIX}${provider}`;

/** Provider settings (application scope: a workspace cannot redirect your keys to another server). */
function providerSettings(name: KeyedProvider): Partial<ProviderConfig> {
  const c = vscode.workspace.getConfiguration('langswarmSessions');
  const baseUrl = c.get<string>(`${name}.baseUrl`)?.trim();
  const common = {
    baseUrl: baseUrl || undefined,
    timeoutMs: Math.max(1, c.get<number>('requestTimeoutSeconds') ?? 600) * 1000,
    maxRetries: Math.max(0, c.get<number>('maxRetries') ?? 2),
  };
  if (name === 'openai') return { ...common, stateless: c.get<boolean>('openai.stateless') === true };
  if (name === 'anthropic') return { ...common, contextWindow: c.get<number>('anthropic.contextWindow') ?? 200_000 };
  return { ...common, apiVersion: c.get<string>('gemini.apiVersion')?.trim() || undefined };
}

export class ProviderAccess implements ConversationAccess {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    /** The workspace's state: where "always continue … in this workspace" is kept. */
    private readonly workspaceState: vscode.Memento,
  ) {}

  /**
   * The provider for `name`: with its key and settings, or the offline Replay provider (with the
   * reason) when there is no key or the core cannot call that provider. `recordedFrom` feeds Replay.
   */
  async provider(
    name: string,
    manager: SessionApi,
    recordedFrom?: string,
  ): Promise<{ provider: Provider; note?: string }> {
    return this.build(name, manager, async () =>
      recordedFrom && (await manager.find(recordedFrom)) ? await manager.allMessages(recordedFrom) : undefined,
    );
  }

  /**
   * The providers of a scenario run (the Test Explorer's, the debugger's): the runner hands over the recording Replay
   * answers from; `note` hears why Replay stands in, when it does.
   */
  forRun(manager: SessionApi, note: (text: string) => void): RunOptions['providerFor'] {
    return async (choice, recorded) => {
      const { provider, note: said } = await this.build(choice.provider, manager, async () =>
        recorded ? [...recorded] : undefined,
      );
      if (said) note(said);
      return provider;
    };
  }

  /**
   * The environment `langswarm-sessions` reads keys and provider settings from (PROVIDER_ENV): for the debugger run as
   * a separate process. Holds the keys: only for a child process, never logged.
   */
  async cliEnvironment(): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const name of KNOWN_PROVIDERS) {
      if (!isKeyedProvider(name)) continue;
      const key = await this.secrets.get(secretKey(name));
      if (key) env[PROVIDER_ENV[name].keys[0]] = key;
      const baseUrl = vscode.workspace.getConfiguration('langswarmSessions').get<string>(`${name}.baseUrl`)?.trim();
      if (baseUrl) env[PROVIDER_ENV[name].baseUrl] = baseUrl;
    }
    return env;
  }

  private async build(
    name: string,
    manager: SessionApi,
    recorded: () => Promise<Message[] | undefined>,
  ): Promise<{ provider: Provider; note?: string }> {
    if (!vscode.workspace.isTrusted) {
      throw new CoreError(
        'ProviderError',
        'This workspace is not trusted: LangSwarm Sessions does not call providers here. Trust the folder to send messages.',
      );
    }
    const replay = async (note?: string) => ({
      provider: createProvider({ name: 'replay', recorded: await recorded() }),
      note,
    });
    if (name === 'replay') return replay();
    if (!isKeyedProvider(name))
      return replay(`LangSwarm Sessions cannot call "${name}"; answering with the offline Replay provider.`);
    const apiKey = await this.secrets.get(secretKey(name));
    if (!apiKey)
      return replay(
        `No API key is set for ${PROVIDER_LABELS[name]}; answering with the offline Replay provider. Use "LangSwarm Sessions: Set API Key…" to add one.`,
      );
    return {
      provider: createProvider({ name, apiKey, tracer: manager.tracer, ...providerSettings(name) } as ProviderConfig),
    };
  }

  /** Provider names with suggested models, and the ones Replay answers for (no key), for the history browser's composer. */
  async choices(): Promise<ProviderChoice[]> {
    return Promise.all(
      KNOWN_PROVIDERS.map(async (name) => {
        const offline =
          name === 'replay'
            ? 'Replay answers only from the recording this session was forked from.'
            : (await this.hasKey(name))
              ? undefined
              : `No API key is set for ${PROVIDER_LABELS[name]}.`;
        return { name, models: SUGGESTED_MODELS[name], ...(offline ? { offline } : {}) };
      }),
    );
  }

  continueHow(session: Session): Promise<'fork' | 'here' | undefined> {
    return askHowToContinue(this.workspaceState, session);
  }

  /** A key was stored or deleted (here, or in another window). */
  onDidChange(listener: () => void): () => void {
    const subscription = this.secrets.onDidChange((e) => {
      if (e.key.startsWith(SECRET_PREFIX)) listener();
    });
    return () => subscription.dispose();
  }

  async hasKey(name: KeyedProvider): Promise<boolean> {
    return (await this.secrets.get(secretKey(name))) !== undefined;
  }

  async storeKey(name: KeyedProvider, key: string): Promise<void> {
    await this.secrets.store(secretKey(name), key);
    this.log.info(`API key for ${name} stored in secret storage`);
  }

  async deleteKey(name: KeyedProvider): Promise<void> {
    await this.secrets.delete(secretKey(name));
    this.log.info(`API key for ${name} removed from secret storage`);
  }
}
