// Anthropic Messages, as @anthropic-ai/sdk 1.x expects it: Bearer auth,
// anthropic-version 2026-10-21, named SSE events (`event:` + `data:`; the SDK drops frames without
// `event:`), errors as {"type":"error","error":{type,message},"request_id"} with request-id.
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

type Block = Record<string, unknown> & { type: string };

function error(ctx: Ctx, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(
    ctx.res,
    status,
    { type: 'error', error: { type, message }, request_id: `req_${status}` },
    { 'request-id': `req_${status}`, ...headers },
  );
}

export async function handleAnthropic(ctx: Ctx): Promise<void> {
  const { req, res, mock } = ctx;
  // The SDK sends the key as a bearer token; the API's documented header (what curl users send) is x-api-key.
  if (bearer(req) !== mock.keys.anthropic && req.headers['x-api-key'] !== mock.keys.anthropic)
    return error(ctx, 401, 'authentication_error', 'invalid x-api-key');
  if (req.path === '/v1/messages/count_tokens') {
    // About four characters a token, like the estimate the provider makes.
    return sendJson(res, 200, {
      input_tokens: Math.ceil(
        JSON.stringify({ system: req.body.system, messages: req.body.messages, tools: req.body.tools }).length / 4,
      ),
    });
  }
  if (req.path !== '/v1/messages') return error(ctx, 404, 'not_found_error', `Unknown path ${req.path}`);
  const body = req.body;
  // What API version 2026-10-21 refuses (docs/PROVIDERS_NOTES.md): temperature at all, a thinking budget not below max_tokens.
  if ('temperature' in body)
    return error(ctx, 400, 'invalid_request_error', 'temperature: Extra inputs are not permitted');
  if (
    body.thinking?.type === 'enabled' &&
    !(body.thinking.budget_tokens >= 1024 && body.thinking.budget_tokens < body.max_tokens)
  )
    return error(ctx, 400, 'invalid_request_error', 'thinking.budget_tokens: must be ≥ 1024 and less than max_tokens');
  const turn = mock.next('anthropic', lastUserText(body.messages));
  if (turn.stall) return untilClosed(res);
  if (turn.error) {
    const e = turn.error;
    const type =
      e.status === 429
        ? 'rate_limit_error'
        : e.status === 529
          ? 'overloaded_error'
          : e.status >= 500
            ? 'api_error'
            : 'invalid_request_error';
    if (e.body) return sendJson(res, e.status, e.body, { 'request-id': `req_${e.status}`, ...e.headers });
    return error(ctx, e.status, type, `status ${e.status}`, e.headers);
  }
  const content = blocks(turn, mock.openai.id.bind(mock.openai));
  const stop = turn.toolCalls?.length ? 'tool_use' : 'end_turn';
  const usage = {
    input_tokens: turn.usage?.input ?? 12,
    output_tokens: turn.usage?.output ?? 5,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
  const message = (c: Block[], stopReason: string | null) => ({
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: c,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  });
  if (!body.stream) return sendJson(res, 200, message(content, stop), { 'request-id': 'req_ok' });

  startSse(res, { 'request-id': 'req_stream' });
  const send = (type: string, data: Record<string, unknown>) => {
    const frame = `data: ${JSON.stringify({ type, ...data })}\n\n`;
    return write(res, turn.wrongFraming ? frame : `event: ${type}\n${frame}`);
  };
  const errorFrame = () => send('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
  await send('message_start', { message: { ...message([], null), usage: { ...usage, output_tokens: 1 } } });
  await send('ping', {});
  for (const [index, block] of content.entries()) {
    if (block.type === 'text') {
      await send('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } });
      for (const text of deltas(turn)) {
        await mock.delta('anthropic', turn);
        await send('content_block_delta', { index, delta: { type: 'text_delta', text } });
      }
      if (endsEarly(turn)) return finishStream(res, turn, async () => undefined, errorFrame);
    } else if (block.type === 'thinking') {
      await send('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      await send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block['thinking'] } });
      await send('content_block_delta', { index, delta: { type: 'signature_delta', signature: block['signature'] } });
    } else {
      await send('content_block_start', { index, content_block: { ...block, input: {} } });
      const json = JSON.stringify(block['input']);
      for (let i = 0; i < json.length; i += 8)
        await send('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 8) },
        });
    }
    await send('content_block_stop', { index });
  }
  await finishStream(
    res,
    turn,
    async () => {
      await send('message_delta', {
        delta: { stop_reason: stop, stop_sequence: null, stop_details: null, container: null },
        usage: { output_tokens: usage.output_tokens },
      });
      await send('message_stop', {});
    },
    errorFrame,
  );
}

function blocks(turn: Turn, id: (prefix: string) => string): Block[] {
  const out: Block[] = [];
  if (turn.reasoning)
    out.push({
      type: 'thinking',
      thinking: turn.reasoning.text,
      signature: turn.reasoning.signature ?? 'sig-anthropic',
    });
  if (turn.text !== undefined || turn.chunks)
    out.push({ type: 'text', text: turn.text ?? turn.chunks!.join(''), citations: null });
  for (const call of turn.toolCalls ?? [])
    out.push({
      type: 'tool_use',
      id: call.id ?? id('toolu'),
      name: call.name,
      input: call.args,
      caller: { type: 'direct' },
    });
  return out;
}
