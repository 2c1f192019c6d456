// Anthropic through the Messages API (stateless: the whole history goes out each time).
// Assistant turns are resent exactly as Anthropic returned them (thinking signatures included);
// long requests get prompt-cache breakpoints, and requests that would not fit the model's context
// window lose their oldest whole turns (never a tool_use without its tool_result), with a warning.
import type Anthropic from '@anthropic-ai/sdk';
import type {
  Message as ApiReply,
  RawMessageStreamEvent,
  Usage as ApiUsage,
} from '@anthropic-ai/sdk/resources/messages/messages';
import { CoreError } from '../errors';
import type { Part, StopReason, Usage } from '../model';
import {
  HistoryEntry,
  ProviderOptions,
  ProviderReply,
  ProviderRequest,
  SendOptions,
  cancelled,
  estimateTokens,
  parseArguments,
  providerError,
  stainlessFailure,
  streamCut,
  systemText,
} from './provider';
import { AnthropicParameters, anthropicParameters } from './parameters';
import { SdkProvider, Turn, stainlessClientOptions } from './sdk-provider';
import type { TrimmedHistory } from '../turn-trace';

export interface AnthropicOptions extends ProviderOptions {
  /** Tokens the model accepts in all (default 200,000); requests are trimmed to fit it. */
  contextWindow?: number;
}

type Sdk = typeof import('@anthropic-ai/sdk');
type Block = { type: string; [key: string]: unknown };
type ApiMessage = { role: 'user' | 'assistant'; content: Block[] };
interface Params extends AnthropicParameters {
  model: string;
  system?: Block[];
  messages: ApiMessage[];
}

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_CONTEXT_WINDOW = 200_000;
/** Below Anthropic's minimum cacheable prefix (1,024 tokens ≈ 4 KB) a breakpoint does nothing. */
const CACHE_MIN_CHARS = 4096;

export class AnthropicProvider extends SdkProvider<Sdk, Anthropic, AnthropicOptions, Params> {
  constructor(options: AnthropicOptions) {
    // require() here, not import: the bundle maps it to dist/vendor/anthropic-sdk.js, loaded on first use.
    super(
      'anthropic',
      ANTHROPIC_DEFAULT_BASE_URL,
      options,
      () => require('@anthropic-ai/sdk') as Sdk,
      (sdk, settings) => new sdk.default({ ...stainlessClientOptions(settings), openTelemetry: false }),
    );
  }

  protected build({ model, entries, warn }: Turn<Sdk, Anthropic>, request: ProviderRequest): Params {
    const system = systemText(request.session, entries);
    const { max_tokens, ...rest } = anthropicParameters(request.parameters ?? {}, warn);
    return {
      model,
      max_tokens,
      ...(system ? { system: [{ type: 'text', text: system }] } : {}),
      messages: toMessages(entries),
      ...rest,
    };
  }

  protected async call(
    { client, warn }: Turn<Sdk, Anthropic>,
    params: Params,
    request: ProviderRequest,
    options: SendOptions,
  ): Promise<Omit<ProviderReply, 'warnings'>> {
    const trimmed = await this.fit(client, params, warn);
    if (trimmed && options.recording) options.recording.trimmed = trimmed;
    addCacheBreakpoints(params);
    const reply =
      request.stream === false
        ? await client.messages.create(
            { ...params, stream: false } as unknown as Anthropic.MessageCreateParamsNonStreaming,
            options.signal ? { signal: options.signal } : {},
          )
        : await this.stream(client, params, request, options);
    const native = JSON.parse(JSON.stringify(reply)) as ApiReply;
    const usage = usageOf(native.usage);
    return {
      parts: fromContent(native.content as unknown as Block[]),
      stopReason: stopReasonOf(native.stop_reason),
      model: native.model,
      providerIds: { messageId: native.id },
      native,
      ...(usage ? { usage } : {}),
    };
  }

  /** Rebuilds the Message from the stream, exactly as the non-streaming API would return it. */
  private async stream(
    client: Anthropic,
    params: Params,
    request: ProviderRequest,
    options: SendOptions,
  ): Promise<ApiReply> {
    const stream = await client.messages.create(
      { ...params, stream: true } as unknown as Anthropic.MessageCreateParamsStreaming,
      options.signal ? { signal: options.signal } : {},
    );
    const emit = options.onEvent ?? (() => undefined);
    let message: (Omit<ApiReply, 'content'> & { content: Block[] }) | undefined;
    const json = new Map<number, string>();
    for await (const ev of stream as AsyncIterable<RawMessageStreamEvent>) {
      switch (ev.type) {
        case 'message_start':
          message = { ...ev.message, content: [] };
          emit({ type: 'turn_start', responseId: ev.message.id });
          break;
        case 'content_block_start': {
          const block = { ...ev.content_block } as unknown as Block;
          message!.content[ev.index] = block;
          if (block.type === 'tool_use') {
            json.set(ev.index, '');
            emit({ type: 'tool_call_start', callId: block['id'] as string, name: block['name'] as string });
          }
          break;
        }
        case 'content_block_delta': {
          const block = message!.content[ev.index]!;
          const d = ev.delta;
          if (d.type === 'text_delta') {
            block['text'] = `${block['text'] as string}${d.text}`;
            emit({ type: 'text_delta', text: d.text });
          } else if (d.type === 'thinking_delta') {
            block['thinking'] = `${block['thinking'] as string}${d.thinking}`;
            emit({ type: 'reasoning_delta', text: d.thinking });
          } else if (d.type === 'signature_delta') block['signature'] = d.signature;
          else if (d.type === 'citations_delta')
            block['citations'] = [...((block['citations'] as unknown[] | null) ?? []), d.citation];
          else if (d.type === 'input_json_delta') {
            json.set(ev.index, `${json.get(ev.index) ?? ''}${d.partial_json}`);
            emit({ type: 'tool_call_delta', callId: block['id'] as string, argsDelta: d.partial_json });
          }
          break;
        }
        case 'content_block_stop': {
          const block = message!.content[ev.index]!;
          if (json.has(ev.index)) {
            block['input'] = parseArguments(json.get(ev.index)!);
            emit({
              type: 'tool_call_end',
              callId: block['id'] as string,
              argumentsJson: JSON.stringify(block['input']),
            });
          }
          break;
        }
        case 'message_delta':
          Object.assign(message!, ev.delta);
          // Usage in message_delta is cumulative: its non-null fields replace message_start's.
          for (const [k, v] of Object.entries(ev.usage))
            if (v !== null) (message!.usage as unknown as Record<string, unknown>)[k] = v;
          break;
        case 'message_stop':
          return message as unknown as ApiReply;
      }
    }
    throw streamCut('anthropic', request.session.model);
  }

  /**
   * Keeps the request inside the context window. Counting costs a request, so it happens only when
   * a rough estimate says the request may be over half the room. The oldest whole turns after the
   * system prompt go first (a turn = a user message and everything up to the next user message,
   * so a tool_use never loses its tool_result); the newest turn is always kept.
   */
  private async fit(
    client: Anthropic,
    params: Params,
    warn: (message: string) => void,
  ): Promise<TrimmedHistory | undefined> {
    const window = this.options.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
    const room = window - params.max_tokens;
    if (estimateTokens(JSON.stringify(params)) <= room / 2) return undefined;
    const turns = splitTurns(params.messages);
    let droppedTurns = 0;
    let droppedMessages = 0;
    for (;;) {
      const { input_tokens: tokens } = await client.messages.countTokens({
        model: params.model,
        messages: params.messages,
        ...(params.system ? { system: params.system } : {}),
        ...(params.tools ? { tools: params.tools } : {}),
      } as unknown as Anthropic.MessageCountTokensParams);
      if (tokens <= room) break;
      if (turns.length <= 1) {
        throw providerError('anthropic', params.model, {
          kind: 'context_length',
          detail: `the latest turn alone needs ${tokens} tokens and ${params.max_tokens} more are kept for the reply, more than the ${window}-token window`,
        });
      }
      // Drop as many old turns as the excess suggests (by size), at least one, then count again.
      const perChar = tokens / JSON.stringify(params.messages).length;
      let freed = 0;
      do {
        const turn = turns.shift()!;
        freed += JSON.stringify(turn).length * perChar;
        droppedTurns += 1;
        droppedMessages += turn.length;
      } while (turns.length > 1 && freed < tokens - room);
      params.messages = turns.flat();
    }
    if (droppedTurns) {
      warn(
        `This conversation is longer than ${params.model}'s ${window}-token context window allows with ${params.max_tokens} tokens kept for the reply: the oldest ${droppedTurns} turn${droppedTurns === 1 ? '' : 's'} (${droppedMessages} message${droppedMessages === 1 ? '' : 's'}) were left out of this request. The session still has them.`,
      );
      return { turns: droppedTurns, messages: droppedMessages };
    }
    return undefined;
  }

  protected toError(sdk: Sdk, e: unknown, model: string): CoreError {
    const f = stainlessFailure(sdk, e);
    if (!f) return cancelled('anthropic');
    if (e instanceof sdk.APIError && f.kind !== 'connection' && f.kind !== 'timeout') {
      const body = (e.error as { error?: { type?: string; message?: string } } | undefined)?.error;
      const type = e.type ?? body?.type ?? undefined;
      const message = e.apiMessage ?? body?.message ?? undefined;
      const kind =
        type === 'overloaded_error'
          ? ('overloaded' as const)
          : type === 'rate_limit_error'
            ? ('rate_limit' as const)
            : type === 'authentication_error'
              ? ('auth' as const)
              : /prompt is too long|context window/i.test(message ?? '')
                ? ('context_length' as const)
                : e.status === undefined
                  ? ('server' as const)
                  : undefined;
      Object.assign(
        f,
        kind ? { kind } : {},
        type ? { providerCode: e.errorCode ?? type } : {},
        message ? { detail: message } : {},
      );
    }
    return this.sdk.error(model, f, e);
  }
}

// ---- mapping: local → Messages API ----------------------------------------------------------

export function toMessages(entries: readonly HistoryEntry[]): ApiMessage[] {
  const out: ApiMessage[] = [];
  for (const { message: m, native } of entries) {
    if (m.role === 'system' || m.role === 'developer') continue; // folded into the top-level system prompt
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const content =
      native !== undefined ? ((native as ApiReply).content as unknown as Block[]) : m.parts.flatMap(toBlocks);
    if (!content.length) continue;
    const last = out[out.length - 1];
    // Consecutive same-role turns are one message; tool results must lead their user message.
    if (last?.role === role) last.content = [...last.content, ...content];
    else out.push({ role, content: [...content] });
  }
  for (const m of out)
    if (m.role === 'user')
      m.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  return out;
}

function toBlocks(p: Part): Block[] {
  switch (p.type) {
    case 'text':
    case 'refusal':
      return p.text ? [{ type: 'text', text: p.text }] : [];
    case 'tool_call':
      return [{ type: 'tool_use', id: p.callId, name: p.name, input: parseArguments(p.argumentsJson) }];
    case 'tool_result':
      return [
        { type: 'tool_result', tool_use_id: p.callId, content: p.content, ...(p.isError ? { is_error: true } : {}) },
      ];
    case 'reasoning':
      if (p.opaque?.redactedData) return [{ type: 'redacted_thinking', data: p.opaque.redactedData }];
      return p.opaque?.signature ? [{ type: 'thinking', thinking: p.text ?? '', signature: p.opaque.signature }] : [];
    case 'image':
    case 'file': {
      const type = p.type === 'image' ? 'image' : 'document';
      const s = p.source;
      const source =
        s.kind === 'base64'
          ? { type: 'base64', media_type: p.mediaType, data: s.data }
          : s.kind === 'url'
            ? { type: 'url', url: s.url }
            : { type: 'file', file_id: s.fileId };
      return [{ type, source }];
    }
    case 'provider_item':
      return [p.item as Block];
  }
}

/** Turns start at a user message that is not only tool results. */
function splitTurns(messages: readonly ApiMessage[]): ApiMessage[][] {
  const turns: ApiMessage[][] = [];
  for (const m of messages) {
    const starts = m.role === 'user' && m.content.some((b) => b.type !== 'tool_result');
    if (starts || !turns.length) turns.push([m]);
    else turns[turns.length - 1]!.push(m);
  }
  return turns;
}

/** Marks the system prompt and the end of the history, so the next request reads both from cache. */
function addCacheBreakpoints(params: Params): void {
  if (JSON.stringify(params).length < CACHE_MIN_CHARS) return;
  const mark = (blocks: Block[] | undefined) => {
    const last = blocks?.[blocks.length - 1];
    if (last && last.type !== 'thinking' && last.type !== 'redacted_thinking')
      blocks![blocks!.length - 1] = { ...last, cache_control: { type: 'ephemeral' } };
  };
  mark(params.system);
  const lastMessage = params.messages[params.messages.length - 1];
  if (lastMessage) {
    lastMessage.content = [...lastMessage.content];
    mark(lastMessage.content);
  }
}

// ---- mapping: Messages API → local ----------------------------------------------------------

export function fromContent(content: readonly Block[]): Part[] {
  return content.map((b): Part => {
    switch (b.type) {
      case 'text': {
        const citations = b['citations'] as unknown[] | null | undefined;
        return { type: 'text', text: b['text'] as string, ...(citations?.length ? { annotations: citations } : {}) };
      }
      case 'thinking':
        return {
          type: 'reasoning',
          text: b['thinking'] as string,
          opaque: { provider: 'anthropic', signature: b['signature'] as string },
        };
      case 'redacted_thinking':
        return {
          type: 'reasoning',
          redacted: true,
          opaque: { provider: 'anthropic', redactedData: b['data'] as string },
        };
      case 'tool_use':
        return {
          type: 'tool_call',
          callId: b['id'] as string,
          name: b['name'] as string,
          argumentsJson: JSON.stringify(b['input'] ?? {}),
          providerIds: { anthropicToolUseId: b['id'] as string },
        };
      default:
        return { type: 'provider_item', provider: 'anthropic', item: b };
    }
  });
}

function stopReasonOf(reason: string | null): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
    case 'refusal':
      return reason;
    case 'pause_turn':
      return 'pause';
    case 'model_context_window_exceeded':
      return 'context_exceeded';
    default:
      return 'other';
  }
}

export function usageOf(u: ApiUsage | undefined): Usage | undefined {
  if (!u) return undefined;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  // input_tokens excludes cache reads and writes; the unified count includes them.
  const input = u.input_tokens + cacheRead + cacheWrite;
  const usage: Usage = {
    inputTokens: input,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: u.output_tokens,
    totalTokens: input + u.output_tokens,
    raw: u,
  };
  if (u.output_tokens_details?.thinking_tokens !== undefined)
    usage.reasoningTokens = u.output_tokens_details.thinking_tokens;
  return usage;
}
