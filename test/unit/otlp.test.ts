// `trace --otlp`'s conversion (core/otlp.ts, core/genai-messages.ts) on turns recorded for real through each
// provider's SDK against its local wire-protocol server: plain, retried, tool-calling and failed calls. Each
// export is checked against the official OTLP .proto files (helpers/otlp-proto.ts), and the GenAI semantic
// conventions' attributes are compared whole.
import { strict as assert } from 'node:assert';
import { send } from '../../src/core/conversation';
import { genAiRequest, genAiResponse } from '../../src/core/genai-messages';
import { KeyValue, OtlpSpan, toOtlp, unixNanos } from '../../src/core/otlp';
import { TurnTrace } from '../../src/core/turn-trace';
import { assertValidOtlp } from '../helpers/otlp-proto';
import { WIRES, providerFor, useMock } from '../helpers/providers';

const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const PRODUCER = { name: 'langswarm-sessions', version: '9.9.9' };
const PROVIDER_NAME = { openai: 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini' };
const OPERATION = { openai: 'chat', anthropic: 'chat', gemini: 'generate_content' };
const RESPONSE_ID = { openai: undefined, anthropic: 'msg_mock', gemini: 'gemini-resp-1' };
const FINISHED = { openai: 'completed', anthropic: 'end_turn', gemini: 'STOP' };
const TOOL_FINISH = { openai: 'completed', anthropic: 'tool_use', gemini: 'STOP' };

/** An attribute list as a plain object: arrays as arrays, 64-bit integers as numbers. */
function attrs(list: KeyValue[]): Record<string, unknown> {
  const plain = (v: KeyValue['value']): unknown => {
    if ('stringValue' in v) return v.stringValue;
    if ('intValue' in v) return Number(v.intValue);
    if ('doubleValue' in v) return v.doubleValue;
    if ('boolValue' in v) return v.boolValue;
    return v.arrayValue.values.map(plain);
  };
  const out: Record<string, unknown> = {};
  for (const { key, value } of list) {
    assert.ok(!(key in out), `${key} twice`);
    out[key] = plain(value);
  }
  return out;
}

/** Exports the traces, checks the document against the protos, and returns its spans. */
function exported(traces: TurnTrace[]): OtlpSpan[] {
  const doc = toOtlp(traces, PRODUCER);
  assertValidOtlp(JSON.parse(JSON.stringify(doc)));
  assert.deepEqual(attrs(doc.resourceSpans[0]!.resource.attributes), {
    'service.name': 'langswarm-sessions',
    'service.version': '9.9.9',
  });
  return doc.resourceSpans[0]!.scopeSpans[0]!.spans;
}

const text = (content: string) => ({ type: 'text', content });

for (const w of WIRES) {
  describe(`OTLP export: ${w.name} (recorded through the real SDK)`, function () {
    this.timeout(20_000);
    const { mock, manager } = useMock();
    const port = () => Number(new URL(mock.url).port);
    const collect = () => {
      const traces: TurnTrace[] = [];
      return { traces, sink: (t: TurnTrace) => void traces.push(TurnTrace.parse(t)) };
    };

    it('a retried plain turn: one chat span with every GenAI attribute, a child span per HTTP attempt', async () => {
      const s = await manager().create({ provider: w.name, model: w.model, systemPrompt: 'Be terse.' });
      const { traces, sink } = collect();
      mock.script(
        w.name,
        { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } },
        { text: 'Hello there!', usage: { input: 12, output: 5 } },
      );
      const { user, reply } = await send(manager(), s.id, 'Hi', {
        provider: providerFor(w, mock),
        stream: false,
        parameters: { maxOutputTokens: 99 },
        traceSink: sink,
      });
      const [t] = traces as [TurnTrace];
      const [turn, ...attempts] = exported(traces);
      assert.equal(turn!.name, `${OPERATION[w.name]} ${w.model}`);
      assert.equal(turn!.kind, 3, 'CLIENT');
      assert.equal(turn!.parentSpanId, undefined);
      assert.deepEqual([turn!.traceId, turn!.spanId], [t.traceId, t.spanId]);
      assert.deepEqual(
        [turn!.startTimeUnixNano, turn!.endTimeUnixNano],
        [unixNanos(t.startedAt), unixNanos(t.endedAt)],
      );
      assert.equal(turn!.status, undefined, 'a call that succeeded has no error status');
      const responseId = RESPONSE_ID[w.name] ?? (t.response as { id: string }).id;
      assert.match(responseId, /\S/);
      assert.deepEqual(attrs(turn!.attributes), {
        'gen_ai.operation.name': OPERATION[w.name],
        'gen_ai.provider.name': PROVIDER_NAME[w.name],
        'gen_ai.request.model': w.model,
        'gen_ai.conversation.id': s.id,
        'server.address': '127.0.0.1',
        'server.port': port(),
        'gen_ai.request.max_tokens': 99,
        'gen_ai.response.id': responseId,
        'gen_ai.response.model': reply.provider!.model,
        'gen_ai.response.finish_reasons': [FINISHED[w.name]],
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 5,
        ...(t.usage!.cachedInputTokens === undefined ? {} : { 'gen_ai.usage.cache_read.input_tokens': 0 }),
        ...(t.usage!.cacheWriteTokens === undefined ? {} : { 'gen_ai.usage.cache_creation.input_tokens': 0 }),
        ...(t.usage!.reasoningTokens === undefined ? {} : { 'gen_ai.usage.reasoning.output_tokens': 0 }),
        ...(w.name === 'openai' ? { 'openai.api.type': 'responses' } : {}),
        'gen_ai.system_instructions': JSON.stringify([text('Be terse.')]),
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [text('Hi')] }]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [text('Hello there!')], finish_reason: 'stop' },
        ]),
        'langswarm.operation': 'send',
        'langswarm.message_ids': [user!.id, reply.id],
      });

      // OpenAI's conversation creation comes first; then the failed try and its retry.
      const generations = attempts.slice(-2);
      assert.equal(attempts.length, w.name === 'openai' ? 3 : 2);
      for (const [i, a] of attempts.entries()) {
        assert.equal(a.parentSpanId, t.spanId);
        assert.equal(a.traceId, t.traceId);
        assert.equal(a.spanId, t.attempts[i]!.spanId);
        assert.equal(a.name, 'POST');
        assert.deepEqual(
          [a.startTimeUnixNano, a.endTimeUnixNano],
          [unixNanos(t.attempts[i]!.startedAt), unixNanos(t.attempts[i]!.endedAt!)],
        );
      }
      const requestIds = (i: number) =>
        Object.fromEntries(
          Object.entries(t.attempts.at(i)!.requestIds).map(([k, v]) => [`http.response.header.${k}`, [v]]),
        );
      assert.deepEqual(attrs(generations[0]!.attributes), {
        'http.request.method': 'POST',
        'url.full': t.attempts.at(-2)!.url,
        'server.address': '127.0.0.1',
        'server.port': port(),
        'http.response.status_code': 500,
        'error.type': '500',
        ...requestIds(-2),
      });
      assert.equal(generations[0]!.status!.code, 2, 'ERROR');
      assert.match(generations[0]!.status!.message, /^HTTP 500/);
      assert.deepEqual(attrs(generations[1]!.attributes), {
        'http.request.method': 'POST',
        'url.full': t.attempts.at(-1)!.url,
        'server.address': '127.0.0.1',
        'server.port': port(),
        'http.response.status_code': 200,
        'http.request.resend_count': 1,
        ...requestIds(-1),
      });
      assert.equal(generations[1]!.status, undefined);
      assert.ok(t.attempts.at(-1)!.url.startsWith(mock.url) && !/key=/.test(t.attempts.at(-1)!.url));
    });

    it('a streamed tool call and the turn that answers it: tool_call and tool_call_response parts', async () => {
      const s = await manager().create({ provider: w.name, model: w.model });
      const { traces, sink } = collect();
      mock.script(
        w.name,
        { text: 'Let me check.', toolCalls: [{ id: 'call_w1', name: 'get_weather', args: { city: 'Paris' } }] },
        { text: 'Sunny.' },
      );
      const provider = providerFor(w, mock);
      await send(manager(), s.id, 'Weather in Paris?', { provider, parameters: { tools: [WEATHER] }, traceSink: sink });
      await manager().addMessage(s.id, {
        role: 'tool',
        parts: [{ type: 'tool_result', callId: 'call_w1', name: 'get_weather', content: '{"temp":21}' }],
      });
      await send(manager(), s.id, undefined, { provider, parameters: { tools: [WEATHER] }, traceSink: sink });
      const [ask, answer] = exported(traces)
        .filter((x) => !x.parentSpanId)
        .map((x) => attrs(x.attributes));
      const call = { type: 'tool_call', id: 'call_w1', name: 'get_weather', arguments: { city: 'Paris' } };
      assert.equal(ask!['gen_ai.request.stream'], true);
      for (const offered of [ask, answer])
        assert.equal(
          offered!['gen_ai.tool.definitions'],
          JSON.stringify([
            { type: 'function', name: 'get_weather', description: WEATHER.description, parameters: WEATHER.parameters },
          ]),
        );
      assert.equal(
        ask!['gen_ai.response.time_to_first_chunk'],
        (Date.parse(traces[0]!.firstTokenAt!) - Date.parse(traces[0]!.startedAt)) / 1000,
      );
      assert.deepEqual(ask!['gen_ai.response.finish_reasons'], [TOOL_FINISH[w.name]]);
      assert.equal(
        ask!['gen_ai.output.messages'],
        JSON.stringify([{ role: 'assistant', parts: [text('Let me check.'), call], finish_reason: 'tool_call' }]),
      );
      // OpenAI keeps the history in its conversation: only the tool's answer is sent again.
      const toolAnswer = {
        role: 'tool',
        parts: [
          {
            type: 'tool_call_response',
            id: 'call_w1',
            response: w.name === 'gemini' ? { output: { temp: 21 } } : '{"temp":21}',
          },
        ],
      };
      const history =
        w.name === 'openai'
          ? [toolAnswer]
          : [
              { role: 'user', parts: [text('Weather in Paris?')] },
              { role: 'assistant', parts: [text('Let me check.'), call] },
              toolAnswer,
            ];
      assert.equal(answer!['gen_ai.input.messages'], JSON.stringify(history));
      assert.equal(
        answer!['gen_ai.output.messages'],
        JSON.stringify([{ role: 'assistant', parts: [text('Sunny.')], finish_reason: 'stop' }]),
      );
    });

    it('a failed call: ERROR status with the message, error.type, no response attributes', async () => {
      const s = await manager().create({ provider: w.name, model: w.model });
      const { traces, sink } = collect();
      mock.script(w.name, {
        error: { status: 400, body: { error: { message: 'Bad field.', type: 'invalid_request_error' } } },
      });
      await assert.rejects(send(manager(), s.id, 'Hi', { provider: providerFor(w, mock), traceSink: sink }));
      const [t] = traces as [TurnTrace];
      const spans = exported(traces);
      const turn = attrs(spans[0]!.attributes);
      assert.deepEqual(spans[0]!.status, { code: 2, message: t.error!.message });
      assert.match(t.error!.message, /HTTP 400/);
      assert.equal(turn['error.type'], 'ProviderError');
      for (const absent of [
        'gen_ai.response.id',
        'gen_ai.output.messages',
        'gen_ai.response.finish_reasons',
        'gen_ai.usage.input_tokens',
      ])
        assert.ok(!(absent in turn), absent);
      assert.equal(turn['gen_ai.input.messages'], JSON.stringify([{ role: 'user', parts: [text('Hi')] }]));
      const failed = attrs(spans.at(-1)!.attributes);
      assert.equal(failed['error.type'], '400');
      assert.equal(failed['http.response.status_code'], 400);
    });
  });
}

describe('OTLP export: conversion details', () => {
  it('keeps time below the millisecond and refuses what is not a time', () => {
    assert.equal(unixNanos('2026-12-01T10:00:00.123456Z'), '1796119200123456000');
    assert.equal(unixNanos('2026-12-01T10:00:00Z'), '1796119200000000000');
    assert.equal(unixNanos('2026-12-01T11:00:00.5+01:00'), '1796119200500000000');
    assert.throws(() => unixNanos('yesterday'), RangeError);
  });

  it("reads each API's sampling parameters from the body as sent", () => {
    const openai = genAiRequest(
      'responses',
      JSON.stringify({ input: 'x', temperature: 0.2, top_p: 0.9, max_output_tokens: 50 }),
    );
    assert.deepEqual([openai?.temperature, openai?.topP, openai?.maxTokens], [0.2, 0.9, 50]);
    const anthropic = genAiRequest(
      'messages',
      JSON.stringify({ messages: [], temperature: 1, top_k: 5, max_tokens: 64, stop_sequences: ['END'] }),
    );
    assert.deepEqual(
      [anthropic?.temperature, anthropic?.topK, anthropic?.maxTokens, anthropic?.stopSequences],
      [1, 5, 64, ['END']],
    );
    const gemini = genAiRequest(
      'generateContent',
      JSON.stringify({
        contents: [],
        generationConfig: { temperature: 0, maxOutputTokens: 8, seed: 7, stopSequences: ['x'] },
      }),
    );
    assert.deepEqual([gemini?.temperature, gemini?.maxTokens, gemini?.seed, gemini?.stopSequences], [0, 8, 7, ['x']]);
  });

  it('exports a temperature as a double even when it is whole, and never throws on a hostile body', () => {
    const trace = (body: string): TurnTrace => ({
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      messageIds: [],
      operation: 'send',
      provider: 'anthropic',
      api: 'messages',
      modelRequested: 'claude-x',
      streamed: false,
      startedAt: '2026-12-01T10:00:00.000Z',
      endedAt: '2026-12-01T10:00:01.000Z',
      outcome: 'ok',
      response: { content: [{ type: 'mystery' }, 7], stop_reason: 42 },
      attempts: [
        {
          spanId: 'c'.repeat(16),
          startedAt: '2026-12-01T10:00:00.000Z',
          url: 'not a url',
          method: 'post',
          requestHeaders: {},
          requestBody: body,
          requestIds: {},
        },
      ],
    });
    const doc = toOtlp(
      [trace(JSON.stringify({ temperature: 1, messages: [{ role: 'user', content: [null, { type: 'x' }] }] }))],
      PRODUCER,
    );
    assertValidOtlp(JSON.parse(JSON.stringify(doc)));
    const span = doc.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.deepEqual(span.attributes.find((a) => a.key === 'gen_ai.request.temperature')?.value, { doubleValue: 1 });
    assert.equal(
      attrs(span.attributes)['gen_ai.output.messages'],
      JSON.stringify([{ role: 'assistant', parts: [{ type: 'mystery' }, { type: 'unknown' }], finish_reason: 'stop' }]),
    );
    for (const body of [
      '',
      'not json',
      '[1,2]',
      '{"messages":"no"}',
      '{"input":[{"type":"function_call","arguments":"{bad"}]}',
    ]) {
      const [turn, attempt] = toOtlp([trace(body)], PRODUCER).resourceSpans[0]!.scopeSpans[0]!.spans;
      assert.equal(turn!.name, 'chat claude-x');
      assert.equal(attrs(attempt!.attributes)['url.full'], 'not a url');
    }
    assert.deepEqual(
      genAiResponse('responses', { output: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{bad' }] })
        ?.messages[0]?.parts,
      [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{bad' }],
    );
  });
});
