// OpenAI through the Responses API. By default a session is bound to a Conversations API
// conversation (conv_…): only what the server does not hold yet is sent. Stateless mode sends the
// whole history with store:false and keeps encrypted reasoning so it can be replayed.
// Assistants/threads are not used: that API was shut down in August 2026.
// Over 450 lines: one provider with two ways of keeping history (a bound conversation, stateless)
// that share request building, stream parsing and error mapping.
import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import type {
  Response,
  ResponseInputItem,
  ResponseStreamEvent,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import { CoreError } from '../errors';
import type { Message, NewMessage, Part, ProviderState, StopReason, Usage } from '../model';
import { OpenAIParameters, openaiParameters } from './parameters';
import {
  HistoryEntry,
  ProviderOptions,
  ProviderReply,
  ProviderRequest,
  SendOptions,
  cancelled,
  providerError,
  stainlessFailure,
  streamCut,
} from './provider';
import { SdkProvider, Turn, stainlessClientOptions } from './sdk-provider';

export interface OpenAIOptions extends ProviderOptions {
  /** Never store anything at OpenAI: store:false, full history each time (also per session: providerState.openai.store=false). */
  stateless?: boolean;
}

type Sdk = typeof import('openai');
/** Output and conversation items are a large union; the mapping only reads a few fields of each. */
type Item = { type: string; id?: string; [key: string]: unknown };

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** What every request of a turn carries, bound or stateless. */
interface Base extends OpenAIParameters {
  model: string;
  instructions?: string;
}

export class OpenAIProvider extends SdkProvider<Sdk, OpenAI, OpenAIOptions, Base> {
  constructor(options: OpenAIOptions) {
    // require() here, not import: the bundle maps it to dist/vendor/openai.js, loaded on first use.
    super(
      'openai',
      OPENAI_DEFAULT_BASE_URL,
      options,
      () => require('openai') as Sdk,
      (sdk, settings) => new sdk.default(stainlessClientOptions(settings)),
    );
  }

  protected build({ model, warn }: Turn<Sdk, OpenAI>, request: ProviderRequest): Base {
    return {
      model,
      ...(request.session.systemPrompt ? { instructions: request.session.systemPrompt } : {}),
      ...openaiParameters(request.parameters ?? {}, warn),
    };
  }

  protected async call(
    { sdk, client, entries, warn }: Turn<Sdk, OpenAI>,
    base: Base,
    request: ProviderRequest,
    options: SendOptions,
  ): Promise<Omit<ProviderReply, 'warnings'>> {
    const state = request.session.providerState.openai ?? {};
    if (this.options.stateless || state.store === false) {
      const response = await this.create(
        client,
        { ...base, input: toInput(entries), store: false, include: ['reasoning.encrypted_content'] },
        request,
        options,
      );
      return this.reply(response, {});
    }
    if (options.recording) options.recording.api = 'conversations';
    const newConversation = async () =>
      (await client.conversations.create({ metadata: { source: 'langswarm-sessions' } })).id;
    const synced = state.conversationId ? syncedCount(request.messages, state) : undefined;
    let conversationId: string;
    let input: ResponseInputItem[];
    if (state.conversationId && synced !== undefined) {
      conversationId = state.conversationId;
      const unsent = new Set(request.messages.slice(synced).map((m) => m.id));
      input = toInput(entries.filter((e) => unsent.has(e.message.id)));
    } else {
      if (state.conversationId)
        warn(
          `The local history changed since it was sent to OpenAI conversation ${state.conversationId} (a message was edited, deleted or added elsewhere); sent the whole local history to a new conversation instead.`,
        );
      conversationId = await newConversation();
      input = toInput(entries);
    }
    let response: Response;
    try {
      response = await this.create(client, { ...base, conversation: conversationId, input }, request, options);
    } catch (e) {
      if (!(e instanceof sdk.NotFoundError) || !isAboutConversation(e, conversationId)) throw e;
      const gone = conversationId;
      conversationId = await newConversation();
      warn(
        `OpenAI no longer has conversation ${gone}; sent the local history to a new conversation ${conversationId} and bound the session to it.`,
      );
      response = await this.create(
        client,
        { ...base, conversation: conversationId, input: toInput(entries) },
        request,
        options,
      );
    }
    const next: NonNullable<ProviderState['openai']> = { conversationId, lastResponseId: response.id, store: true };
    if (request.replyMessageId) {
      next.syncedThrough = request.replyMessageId;
      next.syncedDigest = digest([...request.messages, { id: request.replyMessageId, revision: 0 }]);
    }
    return this.reply(response, { openai: next });
  }

  /** One Responses request: JSON, or SSE turned into normalized events and the final Response. */
  private async create(
    client: OpenAI,
    body: Record<string, unknown>,
    request: ProviderRequest,
    options: SendOptions,
  ): Promise<Response> {
    const signal = options.signal ? { signal: options.signal } : {};
    if (request.stream === false) {
      return client.responses.create(
        { ...body, stream: false } as OpenAI.Responses.ResponseCreateParamsNonStreaming,
        signal,
      );
    }
    const stream = await client.responses.create(
      { ...body, stream: true } as OpenAI.Responses.ResponseCreateParamsStreaming,
      signal,
    );
    const callIds = new Map<string, string>();
    const emit = options.onEvent ?? (() => undefined);
    for await (const ev of stream as AsyncIterable<ResponseStreamEvent>) {
      switch (ev.type) {
        case 'response.created':
          emit({ type: 'turn_start', responseId: ev.response.id });
          break;
        case 'response.output_item.added':
          if (ev.item.type === 'function_call') {
            callIds.set(ev.item.id ?? '', ev.item.call_id);
            emit({ type: 'tool_call_start', callId: ev.item.call_id, name: ev.item.name });
          }
          break;
        case 'response.output_text.delta':
        case 'response.refusal.delta':
          emit({ type: 'text_delta', text: ev.delta });
          break;
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          emit({ type: 'reasoning_delta', text: ev.delta });
          break;
        case 'response.function_call_arguments.delta':
          emit({ type: 'tool_call_delta', callId: callIds.get(ev.item_id) ?? ev.item_id, argsDelta: ev.delta });
          break;
        case 'response.function_call_arguments.done':
          emit({ type: 'tool_call_end', callId: callIds.get(ev.item_id) ?? ev.item_id, argumentsJson: ev.arguments });
          break;
        case 'response.completed':
        case 'response.incomplete':
          return ev.response;
        case 'response.failed':
          throw failed(ev.response, request.session.model);
        default:
          break;
      }
    }
    throw streamCut('openai', request.session.model);
  }

  private reply(response: Response, providerState: Partial<ProviderState>): Omit<ProviderReply, 'warnings'> {
    const native = wireJson(response);
    const { parts, stopReason } = fromOutput(native.output as Item[], response);
    const usage = usageOf(response.usage);
    const itemIds = response.output.flatMap((i) => (i.id ? [i.id] : []));
    return {
      parts,
      stopReason,
      model: response.model,
      native,
      providerState,
      providerIds: {
        responseId: response.id,
        itemIds,
        ...(response.conversation?.id ? { conversationId: response.conversation.id } : {}),
      },
      ...(usage ? { usage } : {}),
    };
  }

  /** Reads a conversation's items (oldest first) as local messages, for "import remote conversation". */
  async conversationMessages(conversationId: string, model: string, signal?: AbortSignal): Promise<NewMessage[]> {
    const { sdk, client } = await this.sdk.get(model);
    try {
      const items: Item[] = [];
      for await (const item of client.conversations.items.list(
        conversationId,
        { order: 'asc', limit: 100 },
        signal ? { signal } : {},
      ))
        items.push(item as Item);
      return itemsToMessages(items, model);
    } catch (e) {
      throw this.failure(sdk, e, model, signal);
    }
  }

  protected toError(sdk: Sdk, e: unknown, model: string): CoreError {
    const f = stainlessFailure(sdk, e);
    if (!f) return cancelled('openai');
    if (e instanceof sdk.APIError && f.kind !== 'connection' && f.kind !== 'timeout') {
      const body = e.error as { message?: string; code?: string } | undefined;
      const code = e.code ?? body?.code ?? undefined;
      // An `event: error` mid-stream has no HTTP status; unless its code says otherwise it is the server's.
      const kind = codeKind(code) ?? (e.status === undefined ? 'server' : undefined);
      Object.assign(
        f,
        kind ? { kind } : {},
        code ? { providerCode: code } : {},
        body?.message ? { detail: body.message } : {},
      );
    }
    return this.sdk.error(model, f, e);
  }
}

function codeKind(code: string | null | undefined) {
  switch (code) {
    case 'context_length_exceeded':
      return 'context_length' as const;
    case 'rate_limit_exceeded':
    case 'insufficient_quota':
      return 'rate_limit' as const;
    case 'content_filter':
      return 'content_filter' as const;
    case 'server_error':
      return 'server' as const;
    case 'invalid_api_key':
      return 'auth' as const;
    default:
      return undefined;
  }
}

function failed(response: Response, model: string): CoreError {
  const code = response.error?.code ?? undefined;
  return providerError('openai', model, {
    kind: codeKind(code) ?? 'server',
    ...(code ? { providerCode: code } : {}),
    ...(response.error?.message ? { detail: response.error.message } : {}),
  });
}

function isAboutConversation(
  e: { param?: string | null | undefined; message: string },
  conversationId: string,
): boolean {
  return e.param === 'conversation' || e.message.includes(conversationId);
}

/** The Response as it came over the wire: without the SDK's convenience `output_text`. */
function wireJson(response: Response): Record<string, unknown> {
  const { output_text: _computed, ...rest } = JSON.parse(JSON.stringify(response)) as Record<string, unknown>;
  return rest;
}

// ---- conversation sync ----------------------------------------------------------------------

/** Identifies the local history a conversation was built from: an edit or deletion changes it. */
function digest(messages: ReadonlyArray<Pick<Message, 'id' | 'revision'>>): string {
  return createHash('sha256')
    .update(messages.map((m) => `${m.id}:${m.revision}`).join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/** How many leading local messages the bound conversation already holds, or undefined if they diverged. */
function syncedCount(messages: readonly Message[], state: NonNullable<ProviderState['openai']>): number | undefined {
  const count = state.syncedThrough ? messages.findIndex((m) => m.id === state.syncedThrough) + 1 : 0;
  if (state.syncedThrough && count === 0) return undefined;
  return digest(messages.slice(0, count)) === state.syncedDigest ? count : undefined;
}

/** Provider state for a session whose messages are exactly the conversation's items (after an import). */
export function conversationBinding(
  conversationId: string,
  messages: readonly Message[],
): NonNullable<ProviderState['openai']> {
  const last = messages[messages.length - 1];
  return { conversationId, store: true, syncedDigest: digest(messages), ...(last ? { syncedThrough: last.id } : {}) };
}

// ---- mapping: local → Responses input -------------------------------------------------------

/** Items a message was made of, resent verbatim to keep ids, phase and encrypted reasoning. */
function nativeItems(native: unknown): Item[] | undefined {
  const n = native as { output?: Item[]; items?: Item[] } | undefined;
  return n?.output ?? n?.items;
}

export function toInput(entries: readonly HistoryEntry[]): ResponseInputItem[] {
  return entries.flatMap(({ message: m, native }) => (nativeItems(native) ?? messageItems(m)) as ResponseInputItem[]);
}

function messageItems(m: Message): Item[] {
  const items: Item[] = [];
  const content: Item[] = [];
  for (const p of m.parts) {
    switch (p.type) {
      case 'text':
      case 'refusal':
        if (m.role === 'assistant') items.push({ type: 'message', role: 'assistant', content: p.text });
        else content.push({ type: 'input_text', text: p.text });
        break;
      case 'image':
        content.push({ type: 'input_image', detail: 'auto', ...mediaRef(p.source, p.mediaType, 'image_url') });
        break;
      case 'file':
        content.push({
          type: 'input_file',
          ...(p.name ? { filename: p.name } : {}),
          ...mediaRef(p.source, p.mediaType, 'file_url', 'file_data'),
        });
        break;
      case 'tool_call':
        items.push({
          type: 'function_call',
          call_id: p.providerIds?.['openaiCallId'] ?? p.callId,
          name: p.name,
          arguments: p.argumentsJson,
        });
        break;
      case 'tool_result':
        items.push({ type: 'function_call_output', call_id: p.callId, output: p.content });
        break;
      case 'reasoning':
        if (p.opaque?.itemId) {
          items.push({
            type: 'reasoning',
            id: p.opaque.itemId,
            summary: (p.summary ?? []).map((text) => ({ type: 'summary_text', text })),
            ...(p.opaque.encryptedContent ? { encrypted_content: p.opaque.encryptedContent } : {}),
          });
        }
        break;
      case 'provider_item':
        items.push(p.item as Item);
        break;
    }
  }
  if (content.length) items.unshift({ type: 'message', role: m.role === 'tool' ? 'user' : m.role, content });
  return items;
}

function mediaRef(
  source: Extract<Part, { type: 'image' }>['source'],
  mediaType: string | undefined,
  urlKey: string,
  dataKey = urlKey,
): Record<string, string> {
  if (source.kind === 'file') return { file_id: source.fileId };
  if (source.kind === 'url') return { [urlKey]: source.url };
  return { [dataKey]: `data:${mediaType ?? 'application/octet-stream'};base64,${source.data}` };
}

// ---- mapping: Responses output / conversation items → local ----------------------------------

function fromOutput(
  items: readonly Item[],
  response?: Pick<Response, 'status' | 'incomplete_details'>,
): { parts: Part[]; stopReason: StopReason } {
  const parts: Part[] = [];
  for (const item of items) {
    switch (item.type) {
      case 'message':
        for (const c of item['content'] as Array<{
          type: string;
          text?: string;
          refusal?: string;
          annotations?: unknown[];
        }>) {
          if (c.type === 'output_text' || c.type === 'input_text')
            parts.push({
              type: 'text',
              text: c.text ?? '',
              ...(c.annotations?.length ? { annotations: c.annotations } : {}),
            });
          else if (c.type === 'refusal') parts.push({ type: 'refusal', text: c.refusal ?? '' });
          else parts.push({ type: 'provider_item', provider: 'openai', item: c });
        }
        break;
      case 'function_call':
        parts.push({
          type: 'tool_call',
          callId: item['call_id'] as string,
          name: item['name'] as string,
          argumentsJson: item['arguments'] as string,
          providerIds: { openaiCallId: item['call_id'] as string, ...(item.id ? { openaiItemId: item.id } : {}) },
        });
        break;
      case 'function_call_output':
        parts.push({
          type: 'tool_result',
          callId: item['call_id'] as string,
          name: '',
          content: typeof item['output'] === 'string' ? item['output'] : JSON.stringify(item['output']),
        });
        break;
      case 'reasoning': {
        const summary = (item['summary'] as Array<{ text: string }> | undefined)?.map((s) => s.text) ?? [];
        const text = (item['content'] as Array<{ text: string }> | undefined)?.map((c) => c.text).join('') ?? '';
        const encrypted = item['encrypted_content'] as string | undefined;
        parts.push({
          type: 'reasoning',
          ...(text ? { text } : {}),
          ...(summary.length ? { summary } : {}),
          opaque: {
            provider: 'openai',
            ...(item.id ? { itemId: item.id } : {}),
            ...(encrypted ? { encryptedContent: encrypted } : {}),
          },
        });
        break;
      }
      default:
        parts.push({ type: 'provider_item', provider: 'openai', item });
    }
  }
  return { parts, stopReason: stopReasonOf(parts, response) };
}

function stopReasonOf(parts: readonly Part[], response?: Pick<Response, 'status' | 'incomplete_details'>): StopReason {
  if (response?.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    return reason === 'max_output_tokens' ? 'max_tokens' : reason === 'content_filter' ? 'content_filter' : 'other';
  }
  if (response && response.status !== 'completed') return response.status === 'cancelled' ? 'cancelled' : 'error';
  if (parts.some((p) => p.type === 'tool_call')) return 'tool_use';
  if (parts.some((p) => p.type === 'refusal')) return 'refusal';
  return 'end_turn';
}

export function usageOf(u: ResponseUsage | null | undefined): Usage | undefined {
  if (!u) return undefined;
  const usage: Usage = {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    totalTokens: u.total_tokens,
    raw: u,
  };
  const details = u.input_tokens_details as { cached_tokens?: number; cache_write_tokens?: number } | undefined;
  if (details?.cached_tokens !== undefined) usage.cachedInputTokens = details.cached_tokens;
  if (details?.cache_write_tokens !== undefined) usage.cacheWriteTokens = details.cache_write_tokens;
  if (u.output_tokens_details?.reasoning_tokens !== undefined)
    usage.reasoningTokens = u.output_tokens_details.reasoning_tokens;
  return usage;
}

/**
 * Conversation items → local messages: user/system/developer messages stay one each; a run of model
 * output items (reasoning, function calls, assistant text) becomes one assistant message; a run of
 * function_call_output items becomes one tool message. Each keeps its items verbatim as native.
 */
export function itemsToMessages(items: readonly Item[], model: string): NewMessage[] {
  const out: NewMessage[] = [];
  let group: { role: 'assistant' | 'tool'; items: Item[] } | undefined;
  const flush = () => {
    if (!group) return;
    const { parts, stopReason } = fromOutput(group.items);
    if (group.role === 'tool') fillToolNames(parts, out);
    out.push({
      role: group.role,
      parts,
      native: { openai: { items: group.items } },
      ...(group.role === 'assistant'
        ? {
            stopReason,
            provider: { name: 'openai', model },
            providerIds: { itemIds: group.items.flatMap((i) => (i.id ? [i.id] : [])) },
          }
        : {}),
    });
    group = undefined;
  };
  for (const item of items) {
    const role =
      item.type === 'message' ? (item['role'] as string) : item.type === 'function_call_output' ? 'tool' : 'assistant';
    if (role === 'assistant' || role === 'tool') {
      if (group?.role !== role) {
        flush();
        group = { role, items: [] };
      }
      group.items.push(item);
      continue;
    }
    flush();
    const { parts } = fromOutput([item]);
    out.push({ role: role as Message['role'], parts, native: { openai: { items: [item] } } });
  }
  flush();
  return out;
}

/** function_call_output items carry no tool name; take it from the call they answer. */
function fillToolNames(parts: Part[], earlier: readonly NewMessage[]): void {
  const names = new Map(
    earlier.flatMap((m) =>
      (m.parts ?? []).flatMap((p) => (p.type === 'tool_call' ? [[p.callId, p.name] as const] : [])),
    ),
  );
  for (const p of parts) if (p.type === 'tool_result') p.name = names.get(p.callId) ?? '';
}
