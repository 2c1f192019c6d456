// What a span says about a model call, read from the conventions apps emit today:
// - OpenTelemetry GenAI semantic conventions as of semantic-conventions v1.41.0 (the last release that held
//   them before they moved to their own repository): gen_ai.input.messages / gen_ai.output.messages /
//   gen_ai.system_instructions (JSON strings or structured values, docs/gen-ai/gen-ai-input-messages.json),
//   also on the gen_ai.client.inference.operation.details event; the deprecated event form
//   (gen_ai.system/user/assistant/tool.message and gen_ai.choice as span events,
//   model/gen-ai/deprecated/events-deprecated.yaml), and the deprecated gen_ai.prompt / gen_ai.completion
//   attributes (JSON, or flattened as gen_ai.prompt.{i}.role/content the way Traceloop's instrumentations do).
// - OpenInference (Arize's spec/semantic_conventions.md at openinference-semantic-conventions 2.7.0):
//   llm.input_messages.{i}.message.role/content/contents/tool_calls…, llm.output_messages.*, llm.model_name,
//   llm.provider/llm.system, llm.token_count.*, session.id.
import type { Part, Role, Usage } from '../model';
import type { AttrValue, Attributes, OtlpSpan } from './decode';

export interface ChatMessage {
  role: Role;
  parts: Part[];
  /** The role the span named when it is not one of ours (kept in the message's metadata). */
  sourceRole?: string;
  finishReason?: string;
}

export interface GenAiCall {
  /** gen_ai.conversation.id or OpenInference's session.id, when the app gave one. */
  conversationId?: string;
  provider?: string;
  operation?: string;
  modelRequested?: string;
  modelAnswered?: string;
  responseId?: string;
  streamed: boolean;
  /** The history the call was sent (system instructions first), and what came back. */
  input: ChatMessage[];
  output: ChatMessage[];
  usage?: Usage;
  /** gen_ai.response.time_to_first_chunk, in ms after the span's start. */
  firstChunkMs?: number;
}

const str = (v: AttrValue | undefined): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
const int = (v: AttrValue | undefined): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};
const first = <T>(...values: Array<T | undefined>): T | undefined => values.find((v) => v !== undefined);

/** True when the span describes GenAI work (a model call, an agent, a tool run) in either convention. */
export function isGenAiSpan(span: OtlpSpan): boolean {
  const keys = Object.keys(span.attributes);
  return (
    keys.some((k) => k.startsWith('gen_ai.') || k.startsWith('llm.')) ||
    span.events.some((e) => e.name.startsWith('gen_ai.'))
  );
}

/** The model call a span records, or undefined when it holds no messages, model or usage. */
export function readGenAiCall(span: OtlpSpan): GenAiCall | undefined {
  const a = span.attributes;
  const details = span.events.find((e) => e.name === 'gen_ai.client.inference.operation.details')?.attributes ?? {};
  const input = [
    ...structured(first(a['gen_ai.system_instructions'], details['gen_ai.system_instructions']), 'system'),
    ...first(
      nonEmpty(structured(first(a['gen_ai.input.messages'], details['gen_ai.input.messages']))),
      nonEmpty(legacyMessages(a, 'gen_ai.prompt')),
      nonEmpty(openInference(a, 'llm.input_messages')),
      eventMessages(span, false),
    )!,
  ];
  const output = first(
    nonEmpty(structured(first(a['gen_ai.output.messages'], details['gen_ai.output.messages']))),
    nonEmpty(legacyMessages(a, 'gen_ai.completion')),
    nonEmpty(openInference(a, 'llm.output_messages')),
    eventMessages(span, true),
  )!;
  const call: GenAiCall = {
    conversationId: first(str(a['gen_ai.conversation.id']), str(a['session.id'])),
    provider: first(
      str(a['gen_ai.provider.name']),
      str(a['gen_ai.system']),
      str(a['llm.provider']),
      str(a['llm.system']),
    ),
    operation: str(a['gen_ai.operation.name']),
    modelRequested: first(str(a['gen_ai.request.model']), str(a['llm.request.model_name']), str(a['llm.model_name'])),
    modelAnswered: first(str(a['gen_ai.response.model']), str(a['llm.response.model_name'])),
    responseId: str(a['gen_ai.response.id']),
    streamed: a['gen_ai.request.stream'] === true,
    input,
    output,
    usage: usage(a),
  };
  const ttfc = a['gen_ai.response.time_to_first_chunk'];
  if (typeof ttfc === 'number' && ttfc >= 0 && ttfc < 86_400) call.firstChunkMs = ttfc * 1000;
  const finish = a['gen_ai.response.finish_reasons'];
  if (Array.isArray(finish)) for (const [i, m] of output.entries()) m.finishReason ??= str(finish[i]);
  if (!input.length && !output.length && !call.modelRequested && !call.modelAnswered && !call.usage) return undefined;
  return call;
}

const nonEmpty = (ms: ChatMessage[]): ChatMessage[] | undefined => (ms.length ? ms : undefined);

function usage(a: Attributes): Usage | undefined {
  const input = first(
    int(a['gen_ai.usage.input_tokens']),
    int(a['gen_ai.usage.prompt_tokens']),
    int(a['llm.token_count.prompt']),
  );
  const output = first(
    int(a['gen_ai.usage.output_tokens']),
    int(a['gen_ai.usage.completion_tokens']),
    int(a['llm.token_count.completion']),
  );
  if (input === undefined && output === undefined) return undefined;
  const u: Usage = {
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    totalTokens: int(a['llm.token_count.total']) ?? (input ?? 0) + (output ?? 0),
  };
  const cached = first(
    int(a['gen_ai.usage.cache_read.input_tokens']),
    int(a['llm.token_count.prompt_details.cache_read']),
  );
  const written = first(
    int(a['gen_ai.usage.cache_creation.input_tokens']),
    int(a['llm.token_count.prompt_details.cache_write']),
  );
  const reasoning = first(
    int(a['gen_ai.usage.reasoning.output_tokens']),
    int(a['llm.token_count.completion_details.reasoning']),
  );
  if (cached !== undefined) u.cachedInputTokens = cached;
  if (written !== undefined) u.cacheWriteTokens = written;
  if (reasoning !== undefined) u.reasoningTokens = reasoning;
  return u;
}

// ---- the current form: messages of typed parts ----------------------------------------------------------

/** gen_ai.input/output.messages or system_instructions: a JSON string or the structured value itself. */
function structured(value: AttrValue | undefined, systemRole?: 'system'): ChatMessage[] {
  const parsed = parseIfJson(value);
  const list = systemRole && typeof parsed === 'string' ? [parsed] : asArray(parsed);
  if (systemRole) {
    // system_instructions is a list of parts, not of messages.
    const parts = list.flatMap((p) => structuredPart(p));
    return parts.length ? [{ role: 'system', parts }] : [];
  }
  return list.flatMap((m) => {
    if (!isObject(m)) return [];
    const message = withRole(str(m['role']) ?? 'user', asArray(m['parts']).flatMap(structuredPart));
    const finish = str(m['finish_reason']);
    if (finish) message.finishReason = finish;
    return [message];
  });
}

function structuredPart(p: AttrValue): Part[] {
  if (typeof p === 'string') return [{ type: 'text', text: p }];
  if (!isObject(p)) return [];
  const type = str(p['type']);
  const content = p['content'];
  switch (type) {
    case 'text':
      return [{ type: 'text', text: textOf(content) }];
    case 'reasoning':
      return [{ type: 'reasoning', text: textOf(content) }];
    case 'tool_call':
      return [toolCall(str(p['id']), str(p['name']), p['arguments'])];
    case 'tool_call_response':
      return [{ type: 'tool_result', callId: str(p['id']) ?? '', name: '', content: textOf(p['response']) }];
    case 'uri':
    case 'blob':
    case 'file': {
      const source =
        type === 'uri'
          ? { kind: 'url' as const, url: str(p['uri']) ?? '' }
          : type === 'blob'
            ? { kind: 'base64' as const, data: textOf(content) }
            : { kind: 'file' as const, fileId: str(p['file_id']) ?? '' };
      const mediaType = str(p['mime_type']);
      const part: Part = p['modality'] === 'image' ? { type: 'image', source } : { type: 'file', source };
      if (mediaType) part.mediaType = mediaType;
      return [part];
    }
    default:
      return [{ type: 'provider_item', provider: 'otlp', item: p }];
  }
}

// ---- the older forms: OpenAI-like messages {role, content, tool_calls, tool_call_id} --------------------

/** gen_ai.prompt / gen_ai.completion as a JSON list, or flattened as gen_ai.prompt.{i}.role/content. */
function legacyMessages(a: Attributes, key: 'gen_ai.prompt' | 'gen_ai.completion'): ChatMessage[] {
  const whole = parseIfJson(a[key]);
  if (Array.isArray(whole)) return whole.flatMap(openAiLike);
  if (typeof whole === 'string') return [withRole(key === 'gen_ai.prompt' ? 'user' : 'assistant', [text(whole)])];
  return asArray(unflatten(a, key)).flatMap(openAiLike);
}

function openAiLike(m: AttrValue): ChatMessage[] {
  if (!isObject(m)) return typeof m === 'string' ? [withRole('user', [text(m)])] : [];
  const role = str(m['role']) ?? 'user';
  const nested = parseIfJson(m['message']); // gen_ai.choice nests the message, as an object or JSON
  const inner = isObject(nested) ? nested : m;
  const parts: Part[] = [];
  const content = parseIfJson(inner['content']);
  const callId = first(str(inner['tool_call_id']), str(inner['id']));
  if (role === 'tool' || role === 'function') {
    parts.push({ type: 'tool_result', callId: callId ?? '', name: str(inner['name']) ?? '', content: textOf(content) });
  } else if (Array.isArray(content)) {
    for (const c of content)
      parts.push(...structuredPart(isObject(c) && c['text'] !== undefined ? { type: 'text', content: c['text'] } : c));
  } else if (content !== undefined && content !== null && content !== '') {
    parts.push(text(textOf(content)));
  }
  for (const call of asArray(parseIfJson(inner['tool_calls']))) {
    if (!isObject(call)) continue;
    const fn = isObject(call['function']) ? call['function'] : call;
    parts.push(toolCall(str(call['id']), str(fn['name']), fn['arguments']));
  }
  const message = withRole(isObject(nested) ? (str(inner['role']) ?? 'assistant') : role, parts);
  const finish = str(m['finish_reason']);
  if (finish) message.finishReason = finish;
  return [message];
}

/** The deprecated span events (one per message), in the order they were added. */
function eventMessages(span: OtlpSpan, output: boolean): ChatMessage[] {
  const roles: Record<string, string> = {
    'gen_ai.system.message': 'system',
    'gen_ai.user.message': 'user',
    'gen_ai.assistant.message': 'assistant',
    'gen_ai.tool.message': 'tool',
  };
  return span.events.flatMap((e) => {
    const body = parseIfJson(e.attributes['gen_ai.event.content']) ?? e.attributes;
    if (!isObject(body)) return [];
    if (output && e.name === 'gen_ai.choice') return openAiLike({ ...body, role: 'assistant' });
    if (output && e.name === 'gen_ai.content.completion') return legacyMessages(e.attributes, 'gen_ai.completion');
    if (!output && e.name === 'gen_ai.content.prompt') return legacyMessages(e.attributes, 'gen_ai.prompt');
    const role = roles[e.name];
    return !output && role ? openAiLike({ ...body, role: str(body['role']) ?? role }) : [];
  });
}

/** OpenInference's flattened llm.input_messages.{i}.message.* attributes. */
function openInference(a: Attributes, key: string): ChatMessage[] {
  return asArray(unflatten(a, key)).flatMap((entry) => {
    const m = isObject(entry) && isObject(entry['message']) ? entry['message'] : undefined;
    if (!m) return [];
    const contents = asArray(m['contents']).flatMap((c) => {
      const mc = isObject(c) && isObject(c['message_content']) ? c['message_content'] : undefined;
      if (mc?.['type'] === 'image' && isObject(mc['image']) && isObject(mc['image']['image']))
        return [{ type: 'uri', modality: 'image', uri: mc['image']['image']['url'] ?? '' } as AttrValue];
      return mc ? [{ type: 'text', content: mc['text'] ?? '' } as AttrValue] : [];
    });
    const toolCalls = asArray(m['tool_calls']).map((t) =>
      isObject(t) && isObject(t['tool_call']) ? t['tool_call'] : t,
    );
    return openAiLike({
      role: m['role'] ?? 'user',
      content: contents.length ? contents : (m['content'] ?? null),
      tool_calls: toolCalls,
      tool_call_id: m['tool_call_id'] ?? null,
      name: m['name'] ?? null,
    });
  });
}

// ---- helpers ------------------------------------------------------------------------------------------

const ROLE_NAMES: Record<string, Role> = {
  system: 'system',
  developer: 'developer',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  model: 'assistant',
  tool: 'tool',
  function: 'tool',
};

function withRole(role: string, parts: Part[]): ChatMessage {
  const known = ROLE_NAMES[role.toLowerCase()];
  return known ? { role: known, parts } : { role: 'user', parts, sourceRole: role };
}

const text = (t: string): Part => ({ type: 'text', text: t });

function toolCall(id: string | undefined, name: string | undefined, args: AttrValue | undefined): Part {
  return {
    type: 'tool_call',
    callId: id ?? '',
    name: name ?? '',
    argumentsJson: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
  };
}

function textOf(v: AttrValue | undefined): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

function isObject(v: AttrValue | undefined): v is { [key: string]: AttrValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: AttrValue | undefined): AttrValue[] {
  if (Array.isArray(v)) return v;
  // An unflattened list arrives as an object keyed "0", "1", …
  if (isObject(v) && Object.keys(v).every((k) => /^\d+$/.test(k)))
    return Object.keys(v)
      .sort((x, y) => Number(x) - Number(y))
      .map((k) => v[k]!);
  return [];
}

/** A JSON list or object in a string attribute, parsed; anything else as it is. */
function parseIfJson(v: AttrValue | undefined): AttrValue | undefined {
  if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return v;
  try {
    return JSON.parse(v) as AttrValue;
  } catch {
    return v;
  }
}

/** `prefix.0.message.role = "user"` and friends as nested objects ({0: {message: {role: "user"}}}). */
function unflatten(a: Attributes, prefix: string): AttrValue | undefined {
  let root: { [key: string]: AttrValue } | undefined;
  for (const [key, value] of Object.entries(a)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    root ??= Object.create(null) as { [key: string]: AttrValue };
    const path = key.slice(prefix.length + 1).split('.');
    let node = root;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      node = isObject(next) ? next : (node[segment] = Object.create(null) as { [key: string]: AttrValue });
    }
    node[path[path.length - 1]!] = value;
  }
  return root;
}
