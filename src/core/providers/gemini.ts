// Gemini through @google/genai (generateContent with our own history; the SDK's chats are only a
// client-side copy of the same thing). Model turns are resent exactly as Gemini returned them, with
// thought signatures and function-call ids; safety settings come from the session's model parameters.
// Not @google/generative-ai: that SDK reached end of life on 2025-08-31.
import type { Content, GenerateContentConfig, GenerateContentResponse, GoogleGenAI } from '@google/genai';
import { randomUUID } from 'node:crypto';
import { CoreError } from '../errors';
import type { Message, Part, StopReason, Usage } from '../model';
import {
  HistoryEntry,
  ProviderOptions,
  ProviderReply,
  ProviderRequest,
  SendOptions,
  causeChain,
  kindForStatus,
  networkDetail,
  parseArguments,
  retryAfterMs,
  sleep,
  streamCut,
  systemText,
} from './provider';
import { recordingFetch } from './http-trace';
import { geminiParameters } from './parameters';
import { SdkProvider, Turn } from './sdk-provider';

export interface GeminiOptions extends ProviderOptions {
  /** REST version in the path (default v1, as @google/genai 3.x). */
  apiVersion?: string;
}

type Sdk = typeof import('@google/genai');
type ApiPart = { [key: string]: unknown };
/** A response as JSON (the SDK's class adds getters such as .text). */
type Wire = Pick<
  GenerateContentResponse,
  'candidates' | 'usageMetadata' | 'modelVersion' | 'responseId' | 'promptFeedback' | 'createTime'
>;

export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** generateContent's request: the model, the contents and the config. */
type Params = Parameters<GoogleGenAI['models']['generateContentStream']>[0];

export class GeminiProvider extends SdkProvider<Sdk, GoogleGenAI, GeminiOptions, Params> {
  /**
   * Every option is explicit: the SDK otherwise reads GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GEMINI_BASE_URL,
   * GOOGLE_GENAI_API_VERSION and GOOGLE_API_KEY/GEMINI_API_KEY from the environment.
   */
  constructor(options: GeminiOptions) {
    // require() here, not import: the bundle maps it to dist/vendor/google-genai.js, loaded on first use.
    super(
      'gemini',
      GEMINI_DEFAULT_BASE_URL,
      options,
      () => require('@google/genai') as Sdk,
      (sdk, c, o) =>
        new sdk.GoogleGenAI({
          apiKey: c.apiKey,
          vertexai: false,
          httpOptions: {
            baseUrl: c.baseUrl,
            apiVersion: o.apiVersion ?? 'v1',
            timeout: c.timeoutMs,
            fetch: retrying(c.maxRetries, recordingFetch(c.apiKey)),
          },
        }),
    );
  }

  protected build({ model, entries }: Turn<Sdk, GoogleGenAI>, request: ProviderRequest, options: SendOptions): Params {
    const system = systemText(request.session, entries);
    const config: GenerateContentConfig = {
      // The SDK sends temperature, maxOutputTokens and thinkingConfig as generationConfig.
      ...(geminiParameters(request.parameters ?? {}) as GenerateContentConfig),
      // The runner never executes tools: calls come back to the caller.
      automaticFunctionCalling: { disable: true },
      ...(system ? { systemInstruction: system } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    };
    return { model, contents: toContents(entries), config };
  }

  protected async call(
    { client, model, warn }: Turn<Sdk, GoogleGenAI>,
    params: Params,
    request: ProviderRequest,
    options: SendOptions,
  ): Promise<Omit<ProviderReply, 'warnings'>> {
    const native =
      request.stream === false
        ? wireJson(await client.models.generateContent(params))
        : await this.stream(client, params, options);
    const candidate = native.candidates?.[0];
    const parts = fromParts((candidate?.content?.parts ?? []) as ApiPart[]);
    if (!candidate?.finishReason && !native.promptFeedback?.blockReason) throw streamCut('gemini', model);
    const usage = usageOf(native.usageMetadata);
    const stopReason = stopReasonOf(candidate?.finishReason, native.promptFeedback?.blockReason, parts);
    if (stopReason === 'content_filter') {
      warn(
        `Gemini blocked ${native.promptFeedback?.blockReason ? 'the prompt' : 'the reply'} for safety reasons (${native.promptFeedback?.blockReason ?? candidate?.finishReason}). Rephrase the message or adjust the session's safety settings.`,
      );
    }
    return {
      parts,
      stopReason,
      model: native.modelVersion ?? model,
      providerIds: native.responseId ? { responseId: native.responseId } : {},
      native,
      ...(usage ? { usage } : {}),
    };
  }

  /** Joins the streamed chunks into one response shaped like generateContent's. */
  private async stream(client: GoogleGenAI, params: Params, options: SendOptions): Promise<Wire> {
    const emit = options.onEvent ?? (() => undefined);
    let merged: Wire | undefined;
    const parts: ApiPart[] = [];
    for await (const raw of await client.models.generateContentStream(params)) {
      const chunk = wireJson(raw);
      if (!merged) emit({ type: 'turn_start', ...(chunk.responseId ? { responseId: chunk.responseId } : {}) });
      merged = { ...merged, ...chunk };
      for (const p of (chunk.candidates?.[0]?.content?.parts ?? []) as ApiPart[]) {
        if (typeof p['text'] === 'string')
          emit(p['thought'] ? { type: 'reasoning_delta', text: p['text'] } : { type: 'text_delta', text: p['text'] });
        if (p['functionCall']) {
          const call = fromParts([p])[0] as Extract<Part, { type: 'tool_call' }>;
          emit({ type: 'tool_call_start', callId: call.callId, name: call.name });
          emit({ type: 'tool_call_end', callId: call.callId, argumentsJson: call.argumentsJson });
        }
        appendPart(parts, p);
      }
    }
    if (!merged) throw streamCut('gemini', params.model);
    const candidate = { ...merged.candidates?.[0], content: { role: 'model', parts } };
    return { ...merged, candidates: [candidate] };
  }

  protected toError(sdk: Sdk, e: unknown, model: string): CoreError {
    if (e instanceof sdk.ApiError) {
      const body = parseBody(e.message);
      const status = e.status;
      const detail = body?.message ?? e.message;
      // Gemini answers a bad key with 400 INVALID_ARGUMENT "API key not valid".
      const kind = /api key not valid|api_key_invalid/i.test(detail)
        ? ('auth' as const)
        : /exceeds the maximum number of tokens|too long/i.test(detail)
          ? ('context_length' as const)
          : kindForStatus(status);
      const retry = body?.retryDelayMs;
      return this.sdk.error(
        model,
        {
          kind,
          status,
          ...(body?.status ? { providerCode: body.status } : {}),
          detail,
          ...(retry !== undefined ? { retryAfterMs: retry } : {}),
        },
        e,
      );
    }
    // The caller's signal did not fire, so an abort here is the SDK's own timeout.
    const timedOut = causeChain(e).some(
      (c) => c instanceof Error && (c.name === 'AbortError' || c.name === 'TimeoutError'),
    );
    return this.sdk.error(model, timedOut ? { kind: 'timeout' } : { kind: 'connection', detail: networkDetail(e) }, e);
  }
}

/**
 * @google/genai retries only with its own backoff and ignores the server's delay, so retries live
 * here: 429/5xx are retried up to `retries` times, waiting as long as Retry-After or the error's
 * RetryInfo asks (up to 60 s), else 0.5 s, 1 s, 2 s… Each try goes through `send` (the recording fetch).
 */
function retrying(retries: number, send: typeof fetch): typeof fetch {
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const response = await send(input, init);
      if (response.ok || !RETRY_STATUSES.has(response.status) || attempt >= retries) return response;
      const wait =
        retryAfterMs(response.headers) ?? parseBody(await response.clone().text())?.retryDelayMs ?? 500 * 2 ** attempt;
      if (wait > 60_000) return response;
      await response.body?.cancel();
      await sleep(wait, init?.signal ?? undefined);
    }
  };
}

/** Gemini's error JSON ({error:{code,message,status,details:[RetryInfo…]}}), as the SDK puts it in its message. */
function parseBody(text: string): { message?: string; status?: string; retryDelayMs?: number } | undefined {
  try {
    const { error } = JSON.parse(text) as {
      error?: { message?: string; status?: string; details?: Array<{ '@type'?: string; retryDelay?: string }> };
    };
    if (!error) return undefined;
    const delay = error.details?.find((d) => d['@type']?.endsWith('RetryInfo'))?.retryDelay;
    const seconds = delay ? Number.parseFloat(delay) : Number.NaN;
    return {
      ...(error.message ? { message: error.message } : {}),
      ...(error.status ? { status: error.status } : {}),
      ...(Number.isFinite(seconds) ? { retryDelayMs: Math.round(seconds * 1000) } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The response as JSON, without the SDK's copy of the HTTP headers. */
function wireJson(response: GenerateContentResponse): Wire {
  const { sdkHttpResponse: _headers, ...rest } = JSON.parse(JSON.stringify(response)) as GenerateContentResponse;
  return rest;
}

/** Streamed text arrives in pieces; plain pieces are joined, anything carrying a signature stays whole. */
function appendPart(parts: ApiPart[], p: ApiPart): void {
  const last = parts[parts.length - 1];
  const plain = (x: ApiPart) =>
    typeof x['text'] === 'string' && Object.keys(x).every((k) => k === 'text' || k === 'thought');
  if (last && plain(last) && plain(p) && Boolean(last['thought']) === Boolean(p['thought']))
    last['text'] = `${last['text'] as string}${p['text'] as string}`;
  else parts.push({ ...p });
}

// ---- mapping: local → Gemini contents -------------------------------------------------------

export function toContents(entries: readonly HistoryEntry[]): Content[] {
  const callIds = new Map<string, string>();
  const out: Content[] = [];
  for (const { message: m, native } of entries) {
    if (m.role === 'system' || m.role === 'developer') continue; // folded into systemInstruction
    for (const p of m.parts)
      if (p.type === 'tool_call' && p.providerIds?.['geminiCallId'])
        callIds.set(p.callId, p.providerIds['geminiCallId']);
    const role = m.role === 'assistant' ? 'model' : 'user';
    const parts = native !== undefined ? nativeParts(native) : toParts(m, callIds);
    if (!parts.length) continue;
    const last = out[out.length - 1];
    if (last?.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else out.push({ role, parts });
  }
  return out;
}

function nativeParts(native: unknown): ApiPart[] {
  return ((native as Wire).candidates?.[0]?.content?.parts ?? []) as ApiPart[];
}

function toParts(m: Message, callIds: Map<string, string>): ApiPart[] {
  // biome-ignore lint/suspicious/useIterableCallbackReturn: every case returns; TypeScript checks the switch is exhaustive.
  return m.parts.flatMap((p): ApiPart[] => {
    switch (p.type) {
      case 'text':
      case 'refusal':
        return p.text ? [{ text: p.text }] : [];
      case 'tool_call':
        return [
          {
            functionCall: {
              name: p.name,
              args: parseArguments(p.argumentsJson),
              ...(p.providerIds?.['geminiCallId'] ? { id: p.providerIds['geminiCallId'] } : {}),
            },
            ...(p.thoughtSignature ? { thoughtSignature: p.thoughtSignature } : {}),
          },
        ];
      case 'tool_result': {
        const id = callIds.get(p.callId);
        let value: unknown = p.content;
        try {
          value = JSON.parse(p.content);
        } catch {
          /* plain text stays text */
        }
        return [
          {
            functionResponse: {
              name: p.name,
              response: p.isError ? { error: value } : { output: value },
              ...(id ? { id } : {}),
            },
          },
        ];
      }
      case 'reasoning':
        return p.opaque?.provider === 'gemini'
          ? [
              {
                text: p.text ?? '',
                thought: true,
                ...(p.opaque.signature ? { thoughtSignature: p.opaque.signature } : {}),
              },
            ]
          : [];
      case 'image':
      case 'file': {
        const s = p.source;
        const mimeType = p.mediaType ?? 'application/octet-stream';
        if (s.kind === 'base64') return [{ inlineData: { mimeType, data: s.data } }];
        return [{ fileData: { mimeType, fileUri: s.kind === 'url' ? s.url : s.fileId } }];
      }
      case 'provider_item':
        return [p.item as ApiPart];
    }
  });
}

// ---- mapping: Gemini response → local -------------------------------------------------------

function fromParts(parts: readonly ApiPart[]): Part[] {
  return parts.map((p): Part => {
    const signature = p['thoughtSignature'] as string | undefined;
    if (p['functionCall']) {
      const call = p['functionCall'] as { id?: string; name: string; args?: unknown };
      // Gemini does not always give calls an id; ours must be unique and stable once stored.
      const callId = call.id ?? `gemini_${randomUUID()}`;
      return {
        type: 'tool_call',
        callId,
        name: call.name,
        argumentsJson: JSON.stringify(call.args ?? {}),
        ...(call.id ? { providerIds: { geminiCallId: call.id } } : {}),
        ...(signature ? { thoughtSignature: signature } : {}),
      };
    }
    if (typeof p['text'] === 'string') {
      return p['thought']
        ? { type: 'reasoning', text: p['text'], opaque: { provider: 'gemini', ...(signature ? { signature } : {}) } }
        : { type: 'text', text: p['text'] };
    }
    return { type: 'provider_item', provider: 'gemini', item: p };
  });
}

function stopReasonOf(finish: string | undefined, blocked: string | undefined, parts: readonly Part[]): StopReason {
  if (blocked) return 'content_filter';
  switch (finish) {
    case 'STOP':
      return parts.some((p) => p.type === 'tool_call') ? 'tool_use' : 'end_turn';
    case 'MAX_TOKENS':
      return 'max_tokens';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    case 'MALFORMED_FUNCTION_CALL':
      return 'error';
    default:
      return 'other';
  }
}

export function usageOf(u: GenerateContentResponse['usageMetadata']): Usage | undefined {
  if (!u) return undefined;
  const input = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  const output = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  const usage: Usage = {
    inputTokens: input,
    outputTokens: output,
    totalTokens: u.totalTokenCount ?? input + output,
    raw: u,
  };
  if (u.cachedContentTokenCount !== undefined) usage.cachedInputTokens = u.cachedContentTokenCount;
  if (u.thoughtsTokenCount !== undefined) usage.reasoningTokens = u.thoughtsTokenCount;
  return usage;
}
