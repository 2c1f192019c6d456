// Turn traces for tests and benchmarks: a stateless OpenAI-shaped conversation whose every request body
// carries the whole history, recorded turn by turn as the recorder will.
import type { SessionApi } from '../../src/core/sessions';
import { TurnTrace, newSpanId, newTraceId } from '../../src/core/turn-trace';

/** A trace of one call with `body` as its request body; times from `at` (ms since the epoch). */
export function makeTrace(body: string, fields: Partial<TurnTrace> = {}, at = Date.parse('2026-12-01T10:00:00Z')) {
  const iso = (ms: number) => new Date(ms).toISOString();
  const trace: TurnTrace = {
    traceId: newTraceId(),
    spanId: newSpanId(),
    messageIds: [],
    operation: 'send',
    provider: 'openai',
    api: 'responses',
    modelRequested: 'gpt-4o',
    modelAnswered: 'gpt-4o-2024-08-06',
    streamed: true,
    startedAt: iso(at),
    firstTokenAt: iso(at + 300),
    endedAt: iso(at + 1200),
    outcome: 'ok',
    response: { id: 'resp_1', output: [{ type: 'message', content: [{ type: 'output_text', text: 'ok' }] }] },
    usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
    attempts: [
      {
        spanId: newSpanId(),
        startedAt: iso(at),
        endedAt: iso(at + 1200),
        url: 'https://api.openai.com/v1/responses',
        method: 'POST',
        requestHeaders: { 'content-type': 'application/json' },
        requestBody: body,
        status: 200,
        requestIds: { 'x-request-id': 'req_1' },
      },
    ],
    ...fields,
  };
  return trace;
}

/** The `turn`th user question and reply (distinct, a few hundred bytes, with some non-ASCII text). */
export const question = (turn: number) =>
  `Question ${turn}: how does the cache behave when the history grows past ${turn * 17} items? Ünïcödé ✓ — ${'detail '.repeat(20)}`;
export const answer = (turn: number) =>
  `Answer ${turn}: it keeps each item once, so storage grows with the conversation, not its square. ${'because '.repeat(30)}`;

/**
 * Plays a stateless conversation of `turns` turns into `sessionId`: each turn stores the question and the
 * reply, and records a trace whose body holds the instructions, tools and every message so far.
 */
export async function playStatelessConversation(
  m: SessionApi,
  sessionId: string,
  turns: number,
  onTurn?: (turn: number, record: () => Promise<unknown>) => Promise<void>,
): Promise<{ bodies: string[]; spanIds: string[] }> {
  const input: unknown[] = [];
  const bodies: string[] = [];
  const spanIds: string[] = [];
  const start = Date.parse('2026-12-01T10:00:00Z');
  for (let turn = 1; turn <= turns; turn++) {
    input.push({ role: 'user', content: [{ type: 'input_text', text: question(turn) }] });
    const body = JSON.stringify({
      model: 'gpt-4o',
      instructions: 'You are a careful assistant.',
      input,
      tools: [
        { type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
      ],
      store: false,
      stream: true,
    });
    const [user, reply] = await m.addMessages(sessionId, [
      { role: 'user', content: question(turn) },
      {
        role: 'assistant',
        content: answer(turn),
        usage: { inputTokens: 10 * turn, outputTokens: 40, totalTokens: 10 * turn + 40 },
      },
    ]);
    const trace = makeTrace(body, { sessionId, messageIds: [user!.id, reply!.id] }, start + turn * 60_000);
    const record = async () => m.recordTrace(trace);
    if (onTurn) await onTurn(turn, record);
    else await record();
    bodies.push(body);
    spanIds.push(trace.spanId);
    input.push({ role: 'assistant', content: [{ type: 'output_text', text: answer(turn) }] });
  }
  return { bodies, spanIds };
}
