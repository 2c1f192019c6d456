// A recorded call's request body and response as the OpenTelemetry GenAI semantic conventions' messages:
// `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions` and the request
// parameters, for each API the core calls (OpenAI Responses, Anthropic Messages, Gemini generateContent).
// Followed: open-telemetry/semantic-conventions at 953276f (after v1.41.0, the last commit before the GenAI
// conventions moved to open-telemetry/semantic-conventions-genai): docs/gen-ai/gen-ai-spans.md and the JSON
// schemas gen-ai-input-messages.json, gen-ai-output-messages.json, gen-ai-system-instructions.json.
// Bodies are hostile input: anything not shaped as expected becomes a `GenericPart` or is left out, never a throw.

type Json = Record<string, unknown>;
export type Part = Json & { type: string };
export interface ChatMessage {
  role: string;
  parts: Part[];
}
/** The schema's FinishReason values. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_call' | 'error';
export interface OutputMessage extends ChatMessage {
  finish_reason: FinishReason;
}

export interface GenAiRequest {
  system?: Part[];
  messages: ChatMessage[];
  /** The tools offered, whole (the conventions leave description and parameters to the instrumentation: a
   * debugging export wants what the model saw). */
  tools?: Json[];
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  seed?: number;
}
export interface GenAiResponse {
  id?: string;
  /** The provider's own stop reasons, one per generation. */
  finishReasons: string[];
  messages: OutputMessage[];
}

const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] | undefined => {
  const list = typeof v === 'string' ? [v] : arr(v).filter((s): s is string => typeof s === 'string');
  return list.length ? list : undefined;
};
const text = (content: string): Part => ({ type: 'text', content });
/** A function tool as the conventions' FunctionToolDefinition; other tools (built-in search…) by their type. */
const tool = (type: unknown, name: unknown, description: unknown, parameters: unknown): Json =>
  type === 'function'
    ? {
        type: 'function',
        name: str(name) ?? '',
        ...(str(description) ? { description } : {}),
        ...(parameters !== undefined ? { parameters } : {}),
      }
    : { type: str(type) ?? 'unknown', name: str(name) ?? str(type) ?? '' };
const someTools = (list: Json[]) => (list.length ? { tools: list } : {});
/** Tool arguments as an object when they are JSON (OpenAI sends them as a string). */
const parsedArguments = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};
/** The schema's roles: system, user, assistant, tool. */
const role = (r: unknown): string =>
  r === 'developer' || r === 'system' ? 'system' : r === 'model' ? 'assistant' : (str(r) ?? 'user');
const blob = (mime: unknown, data: unknown): Part => {
  const mimeType = str(mime) ?? 'application/octet-stream';
  const modality = mimeType.startsWith('image/')
    ? 'image'
    : mimeType.startsWith('audio/')
      ? 'audio'
      : mimeType.startsWith('video/')
        ? 'video'
        : 'image';
  return { type: 'blob', mime_type: mimeType, modality, content: str(data) ?? '' };
};

/** The request body as the conventions describe it; undefined when the body is not JSON of a known API. */
export function genAiRequest(api: string, body: string | undefined): GenAiRequest | undefined {
  let parsed: Json | undefined;
  try {
    parsed = obj(JSON.parse(body ?? ''));
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  if (api === 'responses' || api === 'conversations') return openAiRequest(parsed);
  if (api === 'messages') return anthropicRequest(parsed);
  if (api === 'generateContent') return geminiRequest(parsed);
  return undefined;
}

/** The response as the conventions describe it (for a failed call there is none). */
export function genAiResponse(api: string, response: unknown): GenAiResponse | undefined {
  const r = obj(response);
  if (!r) return undefined;
  if (api === 'responses' || api === 'conversations') return openAiResponse(r);
  if (api === 'messages') return anthropicResponse(r);
  if (api === 'generateContent') return geminiResponse(r);
  return undefined;
}

// ---- OpenAI Responses ------------------------------------------------------------------------------

function openAiContent(content: unknown): Part[] {
  if (typeof content === 'string') return [text(content)];
  return arr(content).map((c): Part => {
    const p = obj(c) ?? {};
    if (p['type'] === 'input_text' || p['type'] === 'output_text') return text(str(p['text']) ?? '');
    if (p['type'] === 'refusal') return text(str(p['refusal']) ?? '');
    if (p['type'] === 'input_image' && str(p['image_url']))
      return { type: 'uri', modality: 'image', uri: p['image_url'] as string };
    if (p['type'] === 'input_image' && str(p['file_id']))
      return { type: 'file', modality: 'image', file_id: p['file_id'] as string };
    return { type: str(p['type']) ?? 'unknown' };
  });
}

/** One Responses item as a message (function calls and their outputs become tool_call / tool messages). */
function openAiItem(item: unknown): ChatMessage | undefined {
  const i = obj(item);
  if (!i) return undefined;
  const type = str(i['type']) ?? (i['role'] ? 'message' : undefined);
  if (type === 'message') return { role: role(i['role']), parts: openAiContent(i['content']) };
  if (type === 'function_call')
    return {
      role: 'assistant',
      parts: [
        {
          type: 'tool_call',
          id: str(i['call_id']) ?? null,
          name: str(i['name']) ?? '',
          arguments: parsedArguments(i['arguments']),
        },
      ],
    };
  if (type === 'function_call_output')
    return {
      role: 'tool',
      parts: [{ type: 'tool_call_response', id: str(i['call_id']) ?? null, response: i['output'] ?? null }],
    };
  if (type === 'reasoning') {
    const summary = arr(i['summary'])
      .map((s) => str(obj(s)?.['text']) ?? '')
      .join('\n');
    return { role: 'assistant', parts: [{ type: 'reasoning', content: summary }] };
  }
  return type ? { role: 'assistant', parts: [{ type }] } : undefined;
}

function openAiRequest(b: Json): GenAiRequest {
  const input = b['input'];
  const messages =
    typeof input === 'string'
      ? [{ role: 'user', parts: [text(input)] }]
      : arr(input)
          .map(openAiItem)
          .filter((m) => m !== undefined);
  const tools = arr(b['tools']).map((t) => obj(t) ?? {});
  return {
    ...(str(b['instructions']) ? { system: [text(b['instructions'] as string)] } : {}),
    messages: mergeAdjacent(messages),
    ...someTools(tools.map((t) => tool(t['type'], t['name'], t['description'], t['parameters']))),
    temperature: num(b['temperature']),
    maxTokens: num(b['max_output_tokens']),
    topP: num(b['top_p']),
  };
}

function openAiResponse(r: Json): GenAiResponse {
  const parts = arr(r['output']).flatMap((item) => openAiItem(item)?.parts ?? []);
  const incomplete = str(obj(r['incomplete_details'])?.['reason']);
  const finish: FinishReason =
    r['status'] === 'failed'
      ? 'error'
      : incomplete === 'max_output_tokens'
        ? 'length'
        : incomplete === 'content_filter'
          ? 'content_filter'
          : parts.some((p) => p.type === 'tool_call')
            ? 'tool_call'
            : 'stop';
  // The Responses API has no stop reason of its own: its status (and why it is incomplete) tells.
  return {
    id: str(r['id']),
    finishReasons: [incomplete ?? str(r['status']) ?? finish],
    messages: [{ role: 'assistant', parts, finish_reason: finish }],
  };
}

// ---- Anthropic Messages ----------------------------------------------------------------------------

function anthropicBlocks(content: unknown): Part[] {
  if (typeof content === 'string') return [text(content)];
  return arr(content).map((c): Part => {
    const b = obj(c) ?? {};
    switch (b['type']) {
      case 'text':
        return text(str(b['text']) ?? '');
      case 'thinking':
        return { type: 'reasoning', content: str(b['thinking']) ?? '' };
      case 'tool_use':
        return {
          type: 'tool_call',
          id: str(b['id']) ?? null,
          name: str(b['name']) ?? '',
          arguments: b['input'] ?? null,
        };
      case 'tool_result':
        return { type: 'tool_call_response', id: str(b['tool_use_id']) ?? null, response: b['content'] ?? null };
      case 'image': {
        const source = obj(b['source']) ?? {};
        return source['type'] === 'url'
          ? { type: 'uri', modality: 'image', uri: str(source['url']) ?? '' }
          : blob(source['media_type'], source['data']);
      }
      default:
        return { type: str(b['type']) ?? 'unknown' };
    }
  });
}

function anthropicRequest(b: Json): GenAiRequest {
  const system = typeof b['system'] === 'string' ? [text(b['system'])] : anthropicBlocks(b['system']);
  const messages = arr(b['messages']).map((m): ChatMessage => {
    const parts = anthropicBlocks(obj(m)?.['content']);
    // A user turn that only answers tool calls is the tool's message.
    const answersTools = parts.length > 0 && parts.every((p) => p.type === 'tool_call_response');
    return { role: answersTools ? 'tool' : role(obj(m)?.['role']), parts };
  });
  // Anthropic's custom tools have no type (or "custom"); its server tools name theirs.
  const tools = arr(b['tools']).map((t) => obj(t) ?? {});
  return {
    ...(system.length ? { system } : {}),
    messages,
    ...someTools(
      tools.map((t) =>
        tool(
          t['type'] === undefined || t['type'] === 'custom' ? 'function' : t['type'],
          t['name'],
          t['description'],
          t['input_schema'],
        ),
      ),
    ),
    temperature: num(b['temperature']),
    maxTokens: num(b['max_tokens']),
    topP: num(b['top_p']),
    topK: num(b['top_k']),
    stopSequences: strings(b['stop_sequences']),
  };
}

const ANTHROPIC_FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_call',
  refusal: 'content_filter',
};

function anthropicResponse(r: Json): GenAiResponse {
  const stop = str(r['stop_reason']);
  return {
    id: str(r['id']),
    finishReasons: stop ? [stop] : [],
    messages: [
      {
        role: 'assistant',
        parts: anthropicBlocks(r['content']),
        finish_reason: ANTHROPIC_FINISH[stop ?? ''] ?? 'stop',
      },
    ],
  };
}

// ---- Gemini generateContent ------------------------------------------------------------------------

function geminiParts(parts: unknown): Part[] {
  return arr(parts).map((x): Part => {
    const p = obj(x) ?? {};
    if (typeof p['text'] === 'string')
      return p['thought'] === true ? { type: 'reasoning', content: p['text'] } : text(p['text']);
    const call = obj(p['functionCall']);
    if (call)
      return {
        type: 'tool_call',
        id: str(call['id']) ?? null,
        name: str(call['name']) ?? '',
        arguments: call['args'] ?? null,
      };
    const answer = obj(p['functionResponse']);
    if (answer)
      return { type: 'tool_call_response', id: str(answer['id']) ?? null, response: answer['response'] ?? null };
    const inline = obj(p['inlineData']);
    if (inline) return blob(inline['mimeType'], inline['data']);
    const file = obj(p['fileData']);
    if (file)
      return {
        type: 'uri',
        mime_type: str(file['mimeType']) ?? null,
        modality: 'image',
        uri: str(file['fileUri']) ?? '',
      };
    return { type: Object.keys(p)[0] ?? 'unknown' };
  });
}

function geminiRequest(b: Json): GenAiRequest {
  const config = obj(b['generationConfig']) ?? {};
  const system = geminiParts(obj(b['systemInstruction'])?.['parts']);
  const messages = arr(b['contents']).map((c): ChatMessage => {
    const parts = geminiParts(obj(c)?.['parts']);
    const answersTools = parts.length > 0 && parts.every((p) => p.type === 'tool_call_response');
    return { role: answersTools ? 'tool' : role(obj(c)?.['role']), parts };
  });
  const declarations = arr(b['tools']).flatMap((t) => arr(obj(t)?.['functionDeclarations']).map((d) => obj(d) ?? {}));
  return {
    ...(system.length ? { system } : {}),
    messages,
    ...someTools(
      declarations.map((d) =>
        tool('function', d['name'], d['description'], d['parametersJsonSchema'] ?? d['parameters']),
      ),
    ),
    temperature: num(config['temperature']),
    maxTokens: num(config['maxOutputTokens']),
    topP: num(config['topP']),
    topK: num(config['topK']),
    stopSequences: strings(config['stopSequences']),
    seed: num(config['seed']),
  };
}

const GEMINI_FINISH: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
};

function geminiResponse(r: Json): GenAiResponse {
  const candidates = arr(r['candidates']).map((c) => obj(c) ?? {});
  return {
    id: str(r['responseId']),
    finishReasons: candidates.map((c) => str(c['finishReason'])).filter((f) => f !== undefined),
    messages: candidates.map((c) => {
      const parts = geminiParts(obj(c['content'])?.['parts']);
      const reason = str(c['finishReason']);
      const finish =
        reason === 'STOP' && parts.some((p) => p.type === 'tool_call')
          ? 'tool_call'
          : (GEMINI_FINISH[reason ?? ''] ?? 'stop');
      return { role: 'assistant', parts, finish_reason: finish };
    }),
  };
}

/** Responses items are one per part: a reply's text and its function calls become one assistant message. */
function mergeAdjacent(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    const last = out.at(-1);
    if (last && last.role === m.role && m.role !== 'user' && m.role !== 'system') last.parts.push(...m.parts);
    else out.push({ role: m.role, parts: [...m.parts] });
  }
  return out;
}
