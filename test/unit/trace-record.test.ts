// Every model call leaves a TurnTrace: for OpenAI, Anthropic and Gemini, each through its real SDK against
// the local wire-protocol server, the trace's request bodies are the bytes the server received, retries are
// attempts of their own, failures keep the provider's error body, and no key is ever in it.
import { strict as assert } from 'node:assert';
import { replay, send, testConnection } from '../../src/core/conversation';
import { isCoreError } from '../../src/core/errors';
import { messageText } from '../../src/core/model';
import { createProvider } from '../../src/core/providers';
import { TurnTrace } from '../../src/core/turn-trace';
import { WIRES, providerFor, useMock } from '../helpers/providers';

const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A sink that keeps what it gets, checked against the shape the store reads. */
function collect() {
  const traces: TurnTrace[] = [];
  return { traces, sink: (t: TurnTrace) => void traces.push(TurnTrace.parse(t)) };
}

for (const w of WIRES) {
  describe(`turn traces: ${w.name} (real SDK, local server)`, function () {
    this.timeout(20_000);
    const { mock, manager } = useMock();
    const session = () => manager().create({ provider: w.name, model: w.model, systemPrompt: 'Be terse.' });
    /** Generation attempts (not OpenAI's conversation creation). */
    const generations = (t: TurnTrace) => t.attempts.filter((a) => !a.url.endsWith('/conversations'));
    const assertBodiesAsReceived = (t: TurnTrace) =>
      assert.deepEqual(
        t.attempts.map((a) => a.requestBody),
        mock.requests.map((r) => r.raw),
      );

    it('records a plain turn: the body exactly as received, the parsed reply, request ids, the stored messages', async () => {
      const s = await session();
      const { traces, sink } = collect();
      mock.script(w.name, { text: 'Hello there!', usage: { input: 12, output: 5 } });
      const { user, reply } = await send(manager(), s.id, 'Hi', {
        provider: providerFor(w, mock),
        stream: false,
        traceSink: sink,
      });
      assert.equal(traces.length, 1);
      const [t] = traces as [TurnTrace];
      assertBodiesAsReceived(t);
      const [attempt] = generations(t);
      assert.ok(attempt!.requestBody.includes('"Hi"'), attempt!.requestBody);
      assert.equal(attempt!.status, 200);
      assert.equal(attempt!.method, 'POST');
      assert.ok(attempt!.url.startsWith(mock.url), attempt!.url);
      assert.deepEqual(t.response, JSON.parse(attempt!.responseBody!));
      assert.equal(messageText(reply.parts), 'Hello there!');
      assert.deepEqual(t.messageIds, [user!.id, reply.id]);
      assert.equal(t.sessionId, s.id);
      assert.equal(t.operation, 'send');
      assert.equal(t.provider, w.name);
      assert.equal(t.api, { openai: 'conversations', anthropic: 'messages', gemini: 'generateContent' }[w.name]);
      assert.equal(t.modelRequested, w.model);
      assert.equal(t.modelAnswered, reply.provider?.model);
      assert.equal(t.streamed, false);
      assert.equal(t.outcome, 'ok');
      assert.equal(t.usage?.outputTokens, 5);
      assert.equal(t.firstTokenAt, undefined);
      assert.ok(t.startedAt <= attempt!.startedAt && attempt!.endedAt! <= t.endedAt);
      if (w.name === 'openai') assert.deepEqual(attempt!.requestIds, { 'x-request-id': 'req_ok' });
      if (w.name === 'anthropic') assert.deepEqual(attempt!.requestIds, { 'request-id': 'req_ok' });
    });

    it('records a streamed tool-calling turn: first token, the assembled reply as stored', async () => {
      const s = await session();
      const { traces, sink } = collect();
      mock.script(w.name, {
        text: 'Let me check.',
        toolCalls: [{ id: 'call_w1', name: 'get_weather', args: { city: 'Paris' } }],
      });
      const { reply } = await send(manager(), s.id, 'Weather in Paris?', {
        provider: providerFor(w, mock),
        parameters: { tools: [WEATHER] },
        traceSink: sink,
      });
      const [t] = traces as [TurnTrace];
      assertBodiesAsReceived(t);
      assert.ok(JSON.parse(generations(t)[0]!.requestBody).tools, 'the tools are in the recorded body');
      assert.equal(t.streamed, true);
      assert.equal(reply.stopReason, 'tool_use');
      assert.deepEqual(t.response, manager().allMessages(s.id).at(-1)!.native![w.name]);
      assert.ok(JSON.stringify(t.response).includes('get_weather'));
      assert.equal(generations(t)[0]!.responseBody, undefined, 'a stream has no body of its own');
      assert.ok(t.firstTokenAt && t.startedAt <= t.firstTokenAt && t.firstTokenAt <= t.endedAt);
      if (w.name === 'openai') assert.deepEqual(generations(t)[0]!.requestIds, { 'x-request-id': 'req_stream' });
      if (w.name === 'anthropic') assert.deepEqual(generations(t)[0]!.requestIds, { 'request-id': 'req_stream' });
    });

    it('records a retried call as two attempts, the first with its status, error and body', async () => {
      const s = await session();
      const { traces, sink } = collect();
      mock.script(
        w.name,
        { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } },
        { text: 'Second time lucky.' },
      );
      await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock), traceSink: sink });
      const [t] = traces as [TurnTrace];
      assertBodiesAsReceived(t);
      const [first, second] = generations(t);
      assert.equal(generations(t).length, 2);
      assert.equal(first!.status, 500);
      assert.match(first!.error!, /^HTTP 500/);
      assert.ok(first!.responseBody!.includes('error'), first!.responseBody);
      assert.equal(second!.status, 200);
      assert.equal(second!.error, undefined);
      assert.notEqual(first!.spanId, second!.spanId);
      assert.equal(t.outcome, 'ok');
    });

    it('lets a reviewer (the debugger) see the model call before it goes, send an edit, once across retries', async () => {
      const s = await session();
      const { traces, sink } = collect();
      mock.script(
        w.name,
        { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } },
        { text: 'Edited.' },
      );
      const seen: Array<{ url: string; body: any }> = [];
      await send(manager(), s.id, 'Hi', {
        provider: providerFor(w, mock),
        traceSink: sink,
        review: async (request) => {
          seen.push(request as { url: string; body: any });
          // A marker each provider's body can carry: the user's text, changed.
          return JSON.parse(JSON.stringify(request.body).replace('Hi', 'Edited hi'));
        },
      });
      assert.equal(seen.length, 1, 'asked once: the retry sends the same edit');
      assert.ok(JSON.stringify(seen[0]!.body).includes('"Hi"'), 'the reviewer sees the body as built');
      const generated = mock.requests.filter((r) => !r.path.endsWith('/conversations'));
      assert.equal(generated.length, 2);
      for (const r of generated) assert.ok(r.raw.includes('Edited hi') && !r.raw.includes('"Hi"'), r.raw);
      const [t] = traces as [TurnTrace];
      assertBodiesAsReceived(t);
      assert.equal(t.edited?.paths.length, 1);
      assert.match(t.edited!.paths[0]!, /text|content|parts/);
    });

    it("records a failed call with the provider's error body, outcome error, and no stored reply", async () => {
      const s = await session();
      const { traces, sink } = collect();
      const body = { error: { message: 'Bad field "temperature_x".', type: 'invalid_request_error', code: 'bad' } };
      mock.script(w.name, { error: { status: 400, body } });
      await assert.rejects(send(manager(), s.id, 'Hi', { provider: providerFor(w, mock), traceSink: sink }), (e) =>
        isCoreError(e, 'ProviderError'),
      );
      const [t] = traces as [TurnTrace];
      const stored = manager().allMessages(s.id);
      assert.deepEqual(
        stored.map((m) => m.role),
        ['user'],
      );
      assert.equal(t.outcome, 'error');
      assert.equal(t.error?.code, 'ProviderError');
      assert.match(t.error!.message, /rejected the request \(HTTP 400/);
      assert.deepEqual(t.messageIds, [stored[0]!.id]);
      const failed = generations(t)[0]!;
      assert.equal(failed.status, 400);
      assert.equal(failed.responseBody, JSON.stringify(body));
      assert.equal(t.response, undefined);
    });

    it('records a cancelled stream as cancelled', async () => {
      const s = await session();
      const { traces, sink } = collect();
      mock.script(w.name, { chunks: ['one ', 'two ', 'three'], hang: true });
      const controller = new AbortController();
      await assert.rejects(
        send(manager(), s.id, 'Count', {
          provider: providerFor(w, mock),
          signal: controller.signal,
          onEvent: (e) => e.type === 'text_delta' && e.text === 'three' && controller.abort(),
          traceSink: sink,
        }),
        (e) => isCoreError(e, 'Cancelled'),
      );
      const [t] = traces as [TurnTrace];
      assert.equal(t.outcome, 'cancelled');
      assert.equal(t.error?.code, 'Cancelled');
      assert.ok(t.firstTokenAt);
      assert.equal(t.messageIds.length, 2, 'the user message and the partial reply kept');
    });

    it('never holds the key: not in headers, url, bodies, or an error that echoes it', async () => {
      const key = `sk-${'x'.repeat(40)}`;
      mock.keys[w.name] = key;
      try {
        const s = await session();
        const { traces, sink } = collect();
        mock.script(w.name, { error: { status: 400, body: { error: { message: `Bad request for key ${key}` } } } });
        const provider = providerFor(w, mock);
        await assert.rejects(send(manager(), s.id, 'Hi', { provider, traceSink: sink }));
        await send(manager(), s.id, undefined, { provider, stream: false, traceSink: sink });
        assert.equal(traces.length, 2);
        assert.equal(traces[1]!.outcome, 'ok', 'the key worked');
        const all = JSON.stringify(traces);
        assert.ok(!all.includes(key) && !all.includes('x'.repeat(20)), 'no key');
        for (const a of traces.flatMap((t) => t.attempts))
          for (const name of ['authorization', 'x-api-key', 'x-goog-api-key'])
            assert.equal(a.requestHeaders[name], undefined);
        assert.ok(Object.keys(traces[1]!.attempts[0]!.requestHeaders).includes('content-type'));
      } finally {
        mock.keys[w.name] = `test-${w.name}-key`;
      }
    });

    it('traces a connection test (no session, no messages) and survives a sink that throws', async () => {
      const { traces, sink } = collect();
      const report = await testConnection(providerFor(w, mock), w.model, undefined, { sink });
      assert.equal(report.ok, true);
      const [t] = traces as [TurnTrace];
      assert.equal(t.operation, 'connection-test');
      assert.equal(t.sessionId, undefined);
      assert.deepEqual(t.messageIds, []);
      assertBodiesAsReceived(t);
      assert.equal(t.outcome, 'ok');

      const s = await session();
      const { reply } = await send(manager(), s.id, 'Hi', {
        provider: providerFor(w, mock),
        traceSink: () => Promise.reject(new Error('disk full')),
      });
      assert.equal(reply.state, 'complete');
      assert.ok(
        manager()
          .tracer.recent()
          .some((e) => e.level === 'warn' && /could not be recorded: .*disk full/.test(e.message)),
      );
    });
  });
}

describe('turn traces: calls without HTTP, and calls at the same time', function () {
  this.timeout(20_000);
  const { mock, manager } = useMock();

  it('traces the offline Replay provider with no attempts, and a replay re-run as replay', async () => {
    const source = await manager().create({ provider: 'openai', model: 'gpt-test' });
    await manager().addMessage(source.id, { role: 'user', content: 'Q1' });
    await manager().addMessage(source.id, { role: 'assistant', content: 'A1' });
    const { traces, sink } = collect();
    const provider = createProvider({ name: 'replay', recorded: manager().allMessages(source.id) });
    const result = await replay(manager(), source.id, { provider, model: 'recorded', traceSink: sink });
    const [t] = traces as [TurnTrace];
    assert.equal(traces.length, 1);
    assert.equal(t.operation, 'replay');
    assert.equal(t.api, 'replay');
    assert.deepEqual(t.attempts, []);
    assert.equal(t.sessionId, result.session.id);
    assert.equal(t.messageIds.length, 1, 'the reply (the user message was copied by the fork)');
  });

  it('gives each of two concurrent calls on one provider only its own requests', async () => {
    const w = WIRES.find((x) => x.name === 'anthropic')!;
    const provider = providerFor(w, mock);
    const { traces, sink } = collect();
    const [a, b] = await Promise.all(
      ['first', 'second'].map(async (text) => {
        const s = await manager().create({ provider: 'anthropic', model: w.model });
        await send(manager(), s.id, text, { provider, traceSink: sink });
        return s.id;
      }),
    );
    for (const [id, text] of [
      [a, 'first'],
      [b, 'second'],
    ] as const) {
      const t = traces.find((x) => x.sessionId === id)!;
      assert.equal(t.attempts.length, 1);
      assert.ok(t.attempts[0]!.requestBody.includes(`"${text}"`), t.attempts[0]!.requestBody);
    }
  });
});
