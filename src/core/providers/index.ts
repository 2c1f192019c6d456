// Builds a provider from its configuration, and reads that configuration from environment
// variables for the CLI (the extension passes keys from SecretStorage instead).
import { AnthropicProvider, AnthropicOptions } from './anthropic';
import { GeminiOptions, GeminiProvider } from './gemini';
import { OpenAIOptions, OpenAIProvider } from './openai';
import { KeyedProvider, isProviderName } from '../names';
import { Provider } from './provider';
import { ReplayOptions, ReplayProvider } from './replay';

export type ProviderConfig =
  | ({ name: 'openai' } & OpenAIOptions)
  | ({ name: 'anthropic' } & AnthropicOptions)
  | ({ name: 'gemini' } & GeminiOptions)
  | ({ name: 'replay' } & ReplayOptions);

export function createProvider(config: ProviderConfig): Provider {
  const { name, ...options } = config;
  switch (name) {
    case 'openai':
      return new OpenAIProvider(options as OpenAIOptions);
    case 'anthropic':
      return new AnthropicProvider(options as AnthropicOptions);
    case 'gemini':
      return new GeminiProvider(options as GeminiOptions);
    case 'replay':
      return new ReplayProvider(options as ReplayOptions);
  }
}

/** Where the CLI finds keys and base URLs. The first key variable that is set wins. */
export const PROVIDER_ENV = {
  openai: { keys: ['OPENAI_API_KEY'], baseUrl: 'LANGSWARM_OPENAI_BASE_URL' },
  anthropic: { keys: ['ANTHROPIC_API_KEY'], baseUrl: 'LANGSWARM_ANTHROPIC_BASE_URL' },
  gemini: { keys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], baseUrl: 'LANGSWARM_GEMINI_BASE_URL' },
} as const satisfies Record<KeyedProvider, { keys: readonly string[]; baseUrl: string }>;

/**
 * The configuration for `name` from environment variables. Without a key (or for a provider the core
 * does not know) it is the offline Replay provider, and `note` says why.
 */
export function configFromEnv(
  name: string,
  env: Record<string, string | undefined>,
): { config: ProviderConfig; note?: string } {
  if (name === 'replay') return { config: { name: 'replay' } };
  if (!isProviderName(name) || name === 'replay')
    return {
      config: { name: 'replay' },
      note: `The core cannot call provider "${name}"; answering with the offline Replay provider.`,
    };
  const vars: { keys: readonly string[]; baseUrl: string } = PROVIDER_ENV[name];
  const apiKey = vars.keys.map((k) => env[k]?.trim()).find(Boolean);
  if (!apiKey)
    return {
      config: { name: 'replay' },
      note: `No ${vars.keys.join(' or ')} is set; answering with the offline Replay provider.`,
    };
  const baseUrl = env[vars.baseUrl]?.trim();
  const common = { apiKey, ...(baseUrl ? { baseUrl } : {}) };
  if (name === 'openai')
    return { config: { name, ...common, ...(env['LANGSWARM_OPENAI_STATELESS'] === '1' ? { stateless: true } : {}) } };
  if (name === 'gemini')
    return {
      config: {
        name,
        ...common,
        ...(env['LANGSWARM_GEMINI_API_VERSION'] ? { apiVersion: env['LANGSWARM_GEMINI_API_VERSION'] } : {}),
      },
    };
  return { config: { name, ...common } };
}

export type { ProviderName } from '../names';
export type { Provider, ProviderReply, ProviderRequest, SendOptions, StreamEvent } from './provider';
export { OpenAIProvider } from './openai';
