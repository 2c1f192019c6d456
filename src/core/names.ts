// The core's enumerations as plain constants, free of zod, so the webview bundle can share them.
export const SESSION_STATUSES = ['active', 'paused', 'completed', 'archived', 'error'] as const;
export const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export const MESSAGE_STATES = ['complete', 'partial', 'error'] as const;
/** A session's reasoning effort and summary (ModelParameters in model.ts). */
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const;
export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed'] as const;
/** The largest max output tokens a session may set, and the highest temperature. */
export const MAX_OUTPUT_TOKENS_LIMIT = 1_000_000;
export const MAX_TEMPERATURE = 2;

/**
 * The providers the core can call: the one list every other (labels, settings, keys, pickers) derives
 * from. Sessions may name any other provider (imported data); see `AnyProviderName` in model.ts.
 */
export const KNOWN_PROVIDERS = ['openai', 'anthropic', 'gemini', 'replay'] as const;
export type ProviderName = (typeof KNOWN_PROVIDERS)[number];
/** The providers that need an API key: all but the offline Replay provider. */
export type KeyedProvider = Exclude<ProviderName, 'replay'>;
export const KEYED_PROVIDERS = KNOWN_PROVIDERS.filter((p): p is KeyedProvider => p !== 'replay');

export function isProviderName(name: string): name is ProviderName {
  return (KNOWN_PROVIDERS as readonly string[]).includes(name);
}
