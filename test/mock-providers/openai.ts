// OpenAI Responses + Conversations, as openai@7 expects them: named SSE events
// with sequence numbers and one response id, no [DONE]; conversations that absorb each response's
// input and output items; errors as {"error":{message,type,param,code}} with x-request-id.
import {
  Ctx,
  Turn,
  bearer,
  deltas,
  endsEarly,
  finishStream,
  lastUserText,
  sendJson,
  startSse,
  untilClosed,
  write,
} from './server';

type Item = Record<string, unknown> & { type: string; id?: string };

export class OpenAIState {
  conversations = new Map<string, Item[]>();
  private counter = 0;

  reset(): void {
    this.conversations.clear();
    this.counter = 0;
  }

  id(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}

/** A finished message as the Conversations API lists it: user text is input_text, assistant text output_text. */
export function messageItem(id: string, role: 'user' | 'assistant', text: string): Item {
  const content =
    role === 'user' ? { type: 'input_text', text } : { type: 'output_text', text, annotations: [], logprobs: [] };
  return { type: 'message', id, status: 'completed', role, content: [content] };
}

function error(
  ctx: Ctx,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(ctx.res, status, { error: { message, type, param, code } }, { 'x-request-id': `req_${status}`, ...headers });
}

export async function handleOpenAI(ctx: Ctx): Promise<void> {
  const { req, mock } = ctx;
  const key = bearer(req);
  if (key !== mock.keys.openai) {
    // Like the real API: the key is echoed, masked.
    return error(
      ctx,
      401,
      `Incorrect API key provided: ${(key ?? '').slice(0, 8)}****${(key ?? '').slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      'invalid_api_key',
    );
  }
  const state = mock.openai;
  const conv = /^\/v1\/conversations(?:\/([^/]+))?(\/items)?$/.exec(req.path);
  if (conv && req.method === 'POST' && !conv[1]) {
    const id = state.id('conv');
    state.conversations.set(id, [...(req.body?.items ?? [])]);
    return sendJson(ctx.res, 200, {
      id,
      object: 'conversation',
      created_at: 1764000000,
      metadata: req.body?.metadata ?? {},
    });
  }
  if (conv?.[1] && conv[2] && req.method === 'GET') {
    const items = state.conversations.get(conv[1]);
    if (!items)
      return error(
        ctx,
        404,
        `Conversation with id '${conv[1]}' not found.`,
        'invalid_request_error',
        null,
        'conversation_id',
      );
    const ordered = req.query.get('order') === 'asc' ? items : [...items].reverse();
    const after = req.query.get('after');
    const start = after ? ordered.findIndex((i) => i.id === after) + 1 : 0;
    const limit = Number(req.query.get('limit') ?? 20);
    const data = ordered.slice(start, start + limit);
    return sendJson(ctx.res, 200, {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: start + limit < ordered.length,
    });
  }
  if (req.path === '/v1/responses' && req.method === 'POST') return respond(ctx);
  return error(ctx, 404, `Unknown path ${req.path}`, 'invalid_request_error', null);
}

async function respond(ctx: Ctx): Promise<void> {
  const { req, res, mock } = ctx;
  const body = req.body;
  const conversationId: string | undefined =
    typeof body.conversation === 'string' ? body.conversation : body.conversation?.id;
  if (conversationId && !mock.openai.conversations.has(conversationId)) {
    return error(
      ctx,
      404,
      `Conversation with id '${conversationId}' not found.`,
      'invalid_request_error',
      null,
      'conversation',
    );
  }
  const turn = mock.next('openai', lastUserText(body.input));
  if (turn.stall) return untilClosed(res);
  if (turn.error) {
    const e = turn.error;
    const body =
      e.status === 429
        ? {
            error: {
              message: 'Rate limit reached for requests',
              type: 'requests',
              param: null,
              code: 'rate_limit_exceeded',
            },
          }
        : {
            error: {
              message: 'The server had an error while processing your request. Sorry about that!',
              type: 'server_error',
              param: null,
              code: null,
            },
          };
    return sendJson(res, e.status, e.body ?? body, { 'x-request-id': `req_${e.status}`, ...e.headers });
  }
  const responseId = mock.openai.id('resp');
  const output = outputItems(turn, mock.openai.id.bind(mock.openai));
  const inputTokens = turn.usage?.input ?? Math.ceil(JSON.stringify(body.input).length / 4);
  const outputTokens = turn.usage?.output ?? Math.ceil((turn.text ?? '').length / 4) + 1;
  const response = (status: string, out: Item[]) => ({
    id: responseId,
    object: 'response',
    created_at: 1764000000,
    status,
    completed_at: status === 'completed' ? 1764000001 : null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: body.model,
    output: out,
    conversation: conversationId ? { id: conversationId } : null,
    previous_response_id: null,
    parallel_tool_calls: true,
    store: body.store ?? true,
    temperature: 1,
    top_p: 1,
    tool_choice: 'auto',
    tools: body.tools ?? [],
    text: { format: { type: 'text' } },
    truncation: 'disabled',
    usage:
      status === 'completed'
        ? {
            input_tokens: inputTokens,
            input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
            output_tokens: outputTokens,
            output_tokens_details: { reasoning_tokens: turn.reasoning ? 3 : 0 },
            total_tokens: inputTokens + outputTokens,
          }
        : null,
    metadata: {},
  });
  const remember = () => {
    if (!conversationId) return;
    const input: Item[] =
      typeof body.input === 'string'
        ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: body.input }] }]
        : body.input;
    mock.openai.conversations
      .get(conversationId)!
      .push(...input.map((i) => ({ id: mock.openai.id('item'), ...i })), ...output);
  };
  if (!body.stream) {
    remember();
    return sendJson(res, 200, response('completed', output), { 'x-request-id': 'req_ok' });
  }
  startSse(res, { 'x-request-id': 'req_stream' });
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>) =>
    write(res, `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const errorFrame = () =>
    send('error', {
      code: 'server_error',
      message: 'The server had an error while processing your request.',
      param: null,
    });
  await send('response.created', { response: response('in_progress', []) });
  await send('response.in_progress', { response: response('in_progress', []) });
  for (const [index, item] of output.entries()) {
    if (item.type === 'message') {
      await send('response.output_item.added', {
        output_index: index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      await send('response.content_part.added', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
      for (const delta of deltas(turn)) {
        await mock.delta('openai', turn);
        await send('response.output_text.delta', {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          delta,
          logprobs: [],
        });
      }
      if (endsEarly(turn)) return finishStream(res, turn, async () => undefined, errorFrame);
      await send('response.output_text.done', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        text: (item.content as Item[])[0]!['text'],
        logprobs: [],
      });
      await send('response.content_part.done', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: (item.content as Item[])[0],
      });
    } else if (item.type === 'function_call') {
      await send('response.output_item.added', {
        output_index: index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      const args = item['arguments'] as string;
      for (let i = 0; i < args.length; i += 8)
        await send('response.function_call_arguments.delta', {
          item_id: item.id,
          output_index: index,
          delta: args.slice(i, i + 8),
        });
      await send('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: index,
        name: item['name'],
        arguments: args,
      });
    } else {
      await send('response.output_item.added', { output_index: index, item });
      if (item.type === 'reasoning') {
        await send('response.reasoning_summary_text.delta', {
          item_id: item.id,
          output_index: index,
          summary_index: 0,
          delta: turn.reasoning!.text,
        });
      }
    }
    await send('response.output_item.done', { output_index: index, item });
  }
  await finishStream(
    res,
    turn,
    async () => {
      remember();
      await send('response.completed', { response: response('completed', output) });
    },
    errorFrame,
  );
}

function outputItems(turn: Turn, id: (prefix: string) => string): Item[] {
  const items: Item[] = [];
  if (turn.reasoning) {
    items.push({
      type: 'reasoning',
      id: id('rs'),
      summary: [{ type: 'summary_text', text: turn.reasoning.text }],
      encrypted_content: turn.reasoning.encrypted ?? 'gAAAA-encrypted',
      status: 'completed',
    });
  }
  if (turn.text !== undefined || turn.chunks) {
    items.push({
      type: 'message',
      id: id('msg'),
      status: 'completed',
      role: 'assistant',
      phase: 'final_answer',
      content: [{ type: 'output_text', text: turn.text ?? turn.chunks!.join(''), annotations: [], logprobs: [] }],
    });
  }
  for (const call of turn.toolCalls ?? []) {
    items.push({
      type: 'function_call',
      id: id('fc'),
      call_id: call.id ?? id('call'),
      name: call.name,
      arguments: JSON.stringify(call.args),
      status: 'completed',
    });
  }
  return items;
}
