// The one interface every provider implements, the normalized stream events (docs/PROVIDERS_NOTES.md,
// "The interface"), and the pieces all providers share: provider errors as core errors, and the
// portable view of a history.
import { CoreError } from '../errors';
import type { Message, ModelParameters, Part, ProviderState, Session, StopReason, Usage } from '../model';
import type { ProviderName } from '../names';
import type { Tracer } from '../trace';
import type { HttpRecording } from './http-trace';

export const PROVIDER_LABELS: Record<ProviderName, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  gemini: 'Gemini',
  replay: 'Replay',
};

export type ProviderErrorKind =
  | 'auth'
  | 'permission'
  | 'rate_limit'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'context_length'
  | 'content_filter'
  | 'invalid_request'
  | 'not_found';

export type StreamEvent =
  | { type: 'turn_start'; responseId?: string }
  | { type: 'text_delta'; text: string }
  | { type: 'reasoning_delta'; text: string }
  | { type: 'tool_call_start'; callId: string; name: string }
  | { type: 'tool_call_delta'; callId: string; argsDelta: string }
  | { type: 'tool_call_end'; callId: string; argumentsJson: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'turn_end'; stop: StopReason }
  /** Something the user should know that did not stop the turn (fallback, truncation, dropped data). */
  | { type: 'warning'; message: string }
  | { type: 'error'; error: ReturnType<CoreError['toJSON']> };

export interface ProviderRequest {
  /** Model, system prompt and provider state come from the session. */
  session: Session;
  /** The whole local history, oldest first; the last message is what the reply answers. */
  messages: readonly Message[];
  /** How the model is asked to answer (tools, effort, temperature…): the session's, unless the caller says otherwise. */
  parameters?: ModelParameters;
  /** false: one JSON request; true (default): server-sent events, reported through onEvent. */
  stream?: boolean;
  /** The id the reply will be stored under, for providers that track what the server already holds. */
  replyMessageId?: string;
}

export interface ProviderReply {
  parts: Part[];
  stopReason: StopReason;
  usage?: Usage;
  model: string;
  providerIds?: Record<string, string | string[]>;
  /** The provider's exact JSON for this reply, stored as message.native[provider]. */
  native: unknown;
  /** Continuation handles to merge into session.providerState. */
  providerState?: Partial<ProviderState>;
  warnings: string[];
}

export interface SendOptions {
  signal?: AbortSignal;
  onEvent?: (event: StreamEvent) => void;
  /** Where the HTTP requests of this call are recorded (the turn trace's attempts). */
  recording?: HttpRecording;
}

export interface Provider {
  readonly name: ProviderName;
  send(request: ProviderRequest, options?: SendOptions): Promise<ProviderReply>;
  /**
   * Throws (a CoreError saying why) when it could not answer the conversation's `turn`-th user turn, so
   * the turn is refused before anything is stored. Only Replay can know that in advance.
   */
  checkCanAnswer?(turn: number): void;
}

/** What every provider is built from. Keys are passed in by the caller and never stored. */
export interface ProviderOptions {
  apiKey?: string;
  baseUrl?: string;
  /** Retries for 429/5xx/connection errors (default 2). */
  maxRetries?: number;
  timeoutMs?: number;
  tracer?: Tracer;
}

export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
export const DEFAULT_MAX_RETRIES = 2;
/** Long: a streamed reply from a reasoning model can take minutes. */
export const DEFAULT_TIMEOUT_MS = 600_000;

// ---- errors ---------------------------------------------------------------------------------

/** A provider failure as the SDKs report it, reduced to what the sentence and details need. */
export interface ProviderFailure {
  kind?: ProviderErrorKind;
  status?: number;
  headers?: Headers | Record<string, string | null | undefined>;
  retryAfterMs?: number;
  requestId?: string;
  /** The provider's own error code or type (e.g. invalid_api_key, overloaded_error, RESOURCE_EXHAUSTED). */
  providerCode?: string;
  /** The provider's message; secrets are scrubbed before it is shown. */
  detail?: string;
}

export function kindForStatus(status: number | undefined): ProviderErrorKind {
  if (status === undefined) return 'connection';
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'context_length';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  return 'invalid_request';
}

function header(headers: ProviderFailure['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | null | undefined>)[name] ?? undefined;
}

/** retry-after-ms, else retry-after in seconds or as an HTTP date. */
export function retryAfterMs(headers: ProviderFailure['headers']): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (header(headers, 'retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = header(headers, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Removes API keys (the one in use, and anything shaped like one, even masked) from provider text. */
export function scrubSecrets(text: string, apiKey?: string): string {
  const out = apiKey ? text.split(apiKey).join('[key]') : text;
  return out.replace(/\b(?:sk-[\w*.-]{4,}|AIza[\w*.-]{6,})/g, '[key]');
}

function sentence(provider: ProviderName, model: string, kind: ProviderErrorKind, f: ProviderFailure): string {
  const who = PROVIDER_LABELS[provider];
  const http = f.status
    ? ` (HTTP ${f.status}${f.providerCode ? ` ${f.providerCode}` : ''})`
    : f.providerCode
      ? ` (${f.providerCode})`
      : '';
  const detail = f.detail ? ` ${who} said: ${f.detail.replace(/\.?$/, '.')}` : '';
  switch (kind) {
    case 'auth':
      return `${who} rejected the API key${http}. Check the ${who} key you configured: it may be mistyped, revoked or for another account.`;
    case 'permission':
      return `${who} refused access${http}: this key may not use ${model}.${detail}`;
    case 'rate_limit': {
      const wait =
        f.retryAfterMs !== undefined
          ? `try again in ${Math.max(1, Math.ceil(f.retryAfterMs / 1000))} s`
          : 'wait a moment and try again';
      return `${who} is rate-limiting requests${http}; ${wait}, or check your plan's limits and quota.${detail}`;
    }
    case 'overloaded':
      return `${who} is overloaded${http}; try again in a minute.`;
    case 'server':
      return `${who} had a server error${http} and still failed after retries; try again later.${detail}`;
    case 'timeout':
      return `${who} did not answer in time${http}; check your network or try again.`;
    case 'connection':
      return `The connection to ${who} failed${f.detail ? `: ${f.detail}` : ''}. Check your network, proxy or the ${who} base URL; any partial reply was kept.`;
    case 'context_length':
      return `The conversation is too long for ${model}${http}. Fork the session from a later message or use a model with a larger context window.${detail}`;
    case 'content_filter':
      return `${who} blocked the request or its reply for safety reasons${http}. Rephrase the message or adjust the safety settings.${detail}`;
    case 'not_found':
      return `${who} does not know what was asked for${http}; check the model name "${model}".${detail}`;
    case 'invalid_request':
      return `${who} rejected the request${http}.${detail}`;
  }
}

/** A provider failure as a core error: a sentence the user can act on, and the facts in its details. */
export function providerError(
  provider: ProviderName,
  model: string,
  f: ProviderFailure,
  apiKey?: string,
  cause?: unknown,
): CoreError {
  const kind = f.kind ?? kindForStatus(f.status);
  const detail = f.detail ? scrubSecrets(f.detail, apiKey) : undefined;
  const scrubbed: ProviderFailure = {
    ...f,
    ...(detail ? { detail: detail.length > 500 ? `${detail.slice(0, 500)}…` : detail } : {}),
  };
  const retry = f.retryAfterMs ?? retryAfterMs(f.headers);
  if (retry !== undefined) scrubbed.retryAfterMs = retry;
  const details: Record<string, unknown> = { provider, kind };
  if (f.status !== undefined) details['status'] = f.status;
  if (retry !== undefined) details['retryAfterMs'] = retry;
  if (f.requestId) details['requestId'] = f.requestId;
  if (f.providerCode) details['providerCode'] = f.providerCode;
  return new CoreError('ProviderError', sentence(provider, model, kind, scrubbed), details, {
    cause: scrubbedCause(cause, apiKey),
  });
}

/**
 * SDK errors repeat what the server said, and some servers echo the key (masked or not): keep the
 * cause for debugging, but only as a copy with its message and stack scrubbed.
 */
function scrubbedCause(cause: unknown, apiKey?: string): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  const copy = new Error(scrubSecrets(cause.message, apiKey));
  copy.name = cause.name;
  copy.stack = scrubSecrets(cause.stack ?? '', apiKey);
  return copy;
}

/** An error and its causes, outermost first (a few levels at most). */
export function causeChain(e: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let c = e; c && chain.length < 6; c = (c as { cause?: unknown }).cause) chain.push(c);
  return chain;
}

/** The most specific reason in an error's cause chain (fetch wraps "ECONNREFUSED 127.0.0.1:9" in "fetch failed"). */
export function networkDetail(e: unknown): string {
  let detail = e instanceof Error ? e.message : String(e);
  for (const c of causeChain(e).slice(1)) {
    const { message, code } = c as { message?: string; code?: string };
    if (message) detail = code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return detail.replace(/\.$/, '');
}

export function cancelled(provider: ProviderName): CoreError {
  return new CoreError(
    'Cancelled',
    `The ${PROVIDER_LABELS[provider]} request was cancelled; any partial reply was kept.`,
    { provider, kind: 'aborted' },
  );
}

/** The stream closed without the provider's end-of-reply marker: a cut connection, not a finished reply. */
export function streamCut(provider: ProviderName, model: string): CoreError {
  return providerError(provider, model, {
    kind: 'connection',
    detail: 'the stream ended before the reply was complete',
  });
}

/**
 * A provider's SDK and client, made on first use (the CLI and the extension start without the SDKs).
 * The key lives in a private field: not enumerable, not serialised, not shown by inspect().
 */
export class SdkClient<S, C> {
  readonly #apiKey: string | undefined;
  #loaded?: Promise<{ sdk: S; client: C }>;

  constructor(
    private readonly provider: ProviderName,
    apiKey: string | undefined,
    private readonly load: () => S,
    private readonly make: (sdk: S, apiKey: string) => C,
  ) {
    this.#apiKey = apiKey;
  }

  get(model: string): Promise<{ sdk: S; client: C }> {
    const key = this.#apiKey;
    if (!key) return Promise.reject(providerError(this.provider, model, { kind: 'auth', detail: 'no API key is set' }));
    this.#loaded ??= Promise.resolve().then(() => {
      const sdk = this.load();
      return { sdk, client: this.make(sdk, key) };
    });
    return this.#loaded;
  }

  /** A failure as a core error, with this client's key scrubbed from whatever the server said. */
  error(model: string, f: ProviderFailure, cause?: unknown): CoreError {
    return providerError(this.provider, model, f, this.#apiKey, cause);
  }
}

/** The error classes OpenAI's and Anthropic's SDKs share (both are generated by Stainless). */
interface StainlessErrors {
  APIError: abstract new (
    ...args: never[]
  ) => Error & { status?: number | undefined; headers?: Headers | undefined; requestID?: string | null | undefined };
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

/**
 * What a Stainless SDK error says, before the provider adds its own codes. Undefined for the SDK's abort
 * error (a cancel; SdkProvider.failure already turned the caller's fired signal into one).
 */
export function stainlessFailure(sdk: StainlessErrors, e: unknown): ProviderFailure | undefined {
  if (e instanceof sdk.APIUserAbortError) return undefined;
  if (e instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout' };
  // A connection error, or anything else while reading the stream (e.g. the socket closed mid-body).
  if (e instanceof sdk.APIConnectionError || !(e instanceof sdk.APIError))
    return { kind: 'connection', detail: networkDetail(e) };
  const f: ProviderFailure = {};
  if (e.status !== undefined) f.status = e.status;
  if (e.headers) f.headers = e.headers;
  if (e.requestID) f.requestId = e.requestID;
  return f;
}

// ---- history --------------------------------------------------------------------------------

export interface Dropped {
  reasoning: number;
  providerItems: number;
  providerIds: number;
}

export interface HistoryEntry {
  message: Message;
  /** The provider's own JSON for this message, when it can be resent verbatim (same provider, unedited). */
  native?: unknown;
}

/**
 * The history as `target` may receive it (docs/PROVIDERS_NOTES.md, "Mapping decisions per provider"): opaque data another provider made (reasoning
 * payloads, provider items, provider ids) is left out; a cut or failed reply keeps only the text the
 * user saw; a message left empty is skipped. The local history itself is never changed.
 */
export function portableHistory(
  messages: readonly Message[],
  target: ProviderName,
): { entries: HistoryEntry[]; dropped: Dropped } {
  const dropped: Dropped = { reasoning: 0, providerItems: 0, providerIds: 0 };
  const entries: HistoryEntry[] = [];
  for (const m of messages) {
    const own = m.provider?.name === target;
    if (m.state !== 'complete') {
      const text = m.parts.filter((p) => p.type === 'text' && p.text !== '');
      if (text.length) entries.push({ message: { ...m, parts: text } });
      continue;
    }
    const native = own && m.revision === 0 ? m.native?.[target] : undefined;
    const parts: Part[] = [];
    for (const p of m.parts) {
      if (p.type === 'reasoning' && !own && (p.opaque ? p.opaque.provider !== target : true)) dropped.reasoning += 1;
      else if (p.type === 'provider_item' && p.provider !== target) dropped.providerItems += 1;
      else if (p.type === 'tool_call' && !own && (p.providerIds || p.thoughtSignature)) {
        dropped.providerIds += 1;
        parts.push({ type: 'tool_call', callId: p.callId, name: p.name, argumentsJson: p.argumentsJson });
      } else parts.push(p);
    }
    if (parts.length || native !== undefined)
      entries.push({ message: { ...m, parts }, ...(native !== undefined ? { native } : {}) });
  }
  return { entries, dropped };
}

export function describeDropped(d: Dropped, target: ProviderName): string | undefined {
  const list = [
    d.reasoning && `${d.reasoning} reasoning block${d.reasoning === 1 ? '' : 's'}`,
    d.providerItems && `${d.providerItems} provider-only item${d.providerItems === 1 ? '' : 's'}`,
    d.providerIds && `the provider ids of ${d.providerIds} tool call${d.providerIds === 1 ? '' : 's'}`,
  ].filter(Boolean);
  if (!list.length) return undefined;
  return `Switching to ${PROVIDER_LABELS[target]}: left out ${list.join(', ')} made by another provider; only that provider can read them. The local history still has them.`;
}

/** The session's system prompt followed by the text of any system/developer messages. */
export function systemText(session: Session, entries: readonly HistoryEntry[]): string | undefined {
  const pieces = [
    session.systemPrompt ?? '',
    ...entries
      .filter((e) => e.message.role === 'system' || e.message.role === 'developer')
      .flatMap((e) => e.message.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []))),
  ];
  const text = pieces.filter((s) => s.trim()).join('\n\n');
  return text || undefined;
}

/** Tool arguments as an object (Anthropic and Gemini want objects; OpenAI streams a string that may be cut). */
export function parseArguments(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return {};
  }
}

/** Rough token count (≈4 characters a token) for estimates, never for billing. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Collects a turn's warnings, reporting each at once as an event and in the trace (with `fields`). */
export function collectWarnings(
  options: SendOptions,
  tracer?: Tracer,
  fields?: Record<string, unknown>,
): { list: string[]; add(message: string): void } {
  const list: string[] = [];
  return {
    list,
    add(message) {
      list.push(message);
      tracer?.warn(message, fields);
      options.onEvent?.({ type: 'warning', message });
    },
  };
}

/** Sleeps, but wakes with the abort reason as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
