// The same contract for OpenAI, Anthropic and Gemini, each through its real SDK against a local
// server speaking its wire protocol: what reached the server, and what was stored.
import { strict as assert } from 'node:assert';
import { send } from '../../src/core/conversation';
import { isCoreError } from '../../src/core/errors';
import { messageText } from '../../src/core/model';
import type { StreamEvent } from '../../src/core/providers';
import { WIRES, providerFor, useMock } from '../helpers/providers';

const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

for (const w of WIRES) {
  describe(`provider contract: ${w.name} (real SDK, local server)`, function () {
    this.timeout(20_000);
    const { mock, manager } = useMock();
    const session = () => manager().create({ provider: w.name, model: w.model, systemPrompt: 'Be terse.' });
    const events = () => {
      const list: StreamEvent[] = [];
      return {
        list,
        onEvent: (e: StreamEvent) => list.push(e),
        text: () => list.flatMap((e) => (e.type === 'text_delta' ? [e.text] : [])).join(''),
      };
    };

    it('answers a plain (non-streamed) turn and stores it complete with usage and native JSON', async () => {
      const s = await session();
      mock.script(w.name, { text: 'Hello there!', usage: { input: 12, output: 5 } });
      const { reply, user } = await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock), stream: false });
      const [req] = w.generations(mock);
      assert.equal(w.generations(mock).length, 1);
      assert.equal(w.streamed(req!), false);
      assert.equal(w.authHeader(req!), w.name === 'gemini' ? mock.keys.gemini : `Bearer ${mock.keys[w.name]}`);
      assert.equal(w.system(req!), 'Be terse.');
      assert.deepEqual(w.history(req!), [['user', 'Hi']]);
      const stored = manager().allMessages(s.id);
      assert.deepEqual(
        stored.map((m) => [m.id, m.role, m.state, messageText(m.parts)]),
        [
          [user!.id, 'user', 'complete', 'Hi'],
          [reply.id, 'assistant', 'complete', 'Hello there!'],
        ],
      );
      assert.equal(reply.stopReason, 'end_turn');
      assert.equal(reply.provider?.name, w.name);
      assert.ok(
        reply.usage && reply.usage.inputTokens >= 12 && reply.usage.outputTokens === 5,
        JSON.stringify(reply.usage),
      );
      assert.ok(reply.native?.[w.name], 'native JSON kept under the provider name');
      assert.ok(
        !JSON.stringify(reply.native).includes('sdkHttpResponse') &&
          !JSON.stringify(reply.native).includes('"output_text":'),
        'only wire JSON, no SDK additions',
      );
    });

    it('streams deltas that the SDK really yielded, then replays the history on the next turn', async () => {
      const s = await session();
      mock.script(w.name, { text: 'Streaming works fine.' }, { text: 'Second.' });
      const ev = events();
      const first = await send(manager(), s.id, 'Stream please', {
        provider: providerFor(w, mock),
        onEvent: ev.onEvent,
      });
      const req = w.generations(mock)[0]!;
      assert.equal(w.streamed(req), true);
      // Guard against framing that tests nothing: every delta the server sent came out of the SDK.
      const deltas = ev.list.filter((e) => e.type === 'text_delta').length;
      assert.ok(mock.sentDeltas[w.name] > 1);
      assert.equal(deltas, mock.sentDeltas[w.name]);
      assert.equal(ev.text(), 'Streaming works fine.');
      assert.deepEqual(
        ev.list.filter((e) => e.type === 'turn_end'),
        [{ type: 'turn_end', stop: 'end_turn' }],
      );
      assert.equal(first.reply.state, 'complete');
      assert.equal(messageText(first.reply.parts), 'Streaming works fine.');
      await send(manager(), s.id, 'And again', { provider: providerFor(w, mock) });
      const second = w.generations(mock)[1]!;
      const history = w.history(second);
      // OpenAI's conversation already holds the first turn; the others resend it.
      if (w.name === 'openai') assert.deepEqual(history, [['user', 'And again']]);
      else
        assert.deepEqual(history, [
          ['user', 'Stream please'],
          ['assistant', 'Streaming works fine.'],
          ['user', 'And again'],
        ]);
      assert.equal(manager().allMessages(s.id).length, 4);
    });

    it('stores tool calls, sends tool results back, and finishes the turn', async () => {
      const s = await session();
      mock.script(
        w.name,
        {
          text: 'Let me check.',
          toolCalls: [{ id: 'call_w1', name: 'get_weather', args: { city: 'Paris' }, thoughtSignature: 'sig-call-1' }],
        },
        { text: 'It is 21 degrees in Paris.' },
      );
      const ev = events();
      const first = await send(manager(), s.id, 'Weather in Paris?', {
        provider: providerFor(w, mock),
        parameters: { tools: [WEATHER] },
        onEvent: ev.onEvent,
      });
      assert.equal(first.reply.stopReason, 'tool_use');
      const call = first.reply.parts.find((p) => p.type === 'tool_call');
      assert.ok(call && call.type === 'tool_call');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.argumentsJson), { city: 'Paris' });
      assert.ok(ev.list.some((e) => e.type === 'tool_call_start' && e.name === 'get_weather'));
      const firstReq = w.generations(mock)[0]!;
      const tools = JSON.stringify(firstReq.body.tools);
      assert.ok(tools.includes('get_weather') && tools.includes('"city"'), tools);

      await manager().addMessage(s.id, {
        role: 'tool',
        parts: [{ type: 'tool_result', callId: call.callId, name: 'get_weather', content: '{"temp":21}' }],
      });
      const done = await send(manager(), s.id, undefined, {
        provider: providerFor(w, mock),
        parameters: { tools: [WEATHER] },
      });
      assert.equal(messageText(done.reply.parts), 'It is 21 degrees in Paris.');
      const req = w.generations(mock)[1]!;
      const history = w.history(req);
      assert.deepEqual(history[history.length - 1], ['tool', '{"temp":21}']);
      if (w.name !== 'openai')
        assert.deepEqual(history.slice(1, 3), [
          ['assistant', 'Let me check.'],
          ['assistant', 'call get_weather({"city":"Paris"})'],
        ]);
      // The tool result is tied to the provider's own call id.
      const body = JSON.stringify(req.body);
      if (w.name === 'openai') assert.ok(body.includes('"type":"function_call_output","call_id":"call_w1"'), body);
      if (w.name === 'anthropic') {
        const lastUser = req.body.messages[req.body.messages.length - 1];
        assert.equal(lastUser.content[0].type, 'tool_result', 'tool_result blocks lead the user message');
        assert.equal(lastUser.content[0].tool_use_id, 'call_w1');
      }
      if (w.name === 'gemini') {
        assert.ok(body.includes('"thoughtSignature":"sig-call-1"'), 'thought signature resent unchanged');
        assert.ok(
          body.includes('"functionResponse":{"name":"get_weather","response":{"output":{"temp":21}},"id":"call_w1"}'),
          body,
        );
      }
    });

    it('waits out a 429 with retry-after and succeeds', async () => {
      const s = await session();
      mock.script(
        w.name,
        {
          error: { status: 429, headers: w.name === 'gemini' ? { 'retry-after': '0.01' } : { 'retry-after-ms': '10' } },
        },
        { text: 'After the wait.' },
      );
      const { reply } = await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) });
      assert.equal(w.generations(mock).length, 2);
      assert.equal(messageText(reply.parts), 'After the wait.');
    });

    it('reports a 429 it cannot wait out as a rate-limit error with retryAfter, keeping the user message', async () => {
      const s = await session();
      mock.script(w.name, { error: { status: 429, headers: { 'retry-after': '20' } } });
      await assert.rejects(
        send(manager(), s.id, 'Hi', { provider: providerFor(w, mock, { maxRetries: 0 }) }),
        (e: unknown) => {
          assert.ok(isCoreError(e, 'ProviderError'));
          assert.equal(e.details['kind'], 'rate_limit');
          assert.equal(e.details['status'], 429);
          assert.equal(e.details['retryAfterMs'], 20_000);
          assert.match(e.message, /rate-limiting requests .*try again in 20 s/);
          return true;
        },
      );
      // No empty "error" reply: the failure is in the turn's trace.
      assert.deepEqual(
        manager()
          .allMessages(s.id)
          .map((m) => [m.role, m.state]),
        [['user', 'complete']],
      );
      const traced = manager()
        .tracer.recent({ sessionId: s.id })
        .filter((e) => e.level === 'warn');
      assert.equal(traced.at(-1)?.fields?.['kind'], 'rate_limit');
    });

    it('reports a rejected key as an auth error without retrying', async () => {
      const s = await session();
      const provider = providerFor(w, mock, { apiKey: 'sk-wrong-key-1234567890' });
      await assert.rejects(send(manager(), s.id, 'Hi', { provider }), (e: unknown) => {
        assert.ok(isCoreError(e, 'ProviderError'));
        assert.equal(e.details['kind'], 'auth');
        assert.equal(e.details['status'], w.name === 'gemini' ? 400 : 401);
        assert.match(e.message, /rejected the API key/);
        assert.ok(!e.message.includes('sk-wrong'), e.message);
        return true;
      });
      assert.equal(mock.calls(w.name).length, 1);
    });

    it('reports a server error after its retries', async () => {
      const s = await session();
      const fail = { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } };
      mock.script(w.name, fail, fail, fail);
      await assert.rejects(send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) }), (e: unknown) => {
        assert.ok(isCoreError(e, 'ProviderError'));
        assert.equal(e.details['kind'], 'server');
        assert.match(e.message, /server error \(HTTP 500/);
        return true;
      });
      assert.equal(w.generations(mock).length, 3, 'the first try and two retries');
    });

    for (const cut of ['destroy', 'end'] as const) {
      it(`keeps the partial reply, marked, when the stream is cut (${cut})`, async () => {
        const s = await session();
        mock.script(w.name, { chunks: ['The answer ', 'is forty', ' and then'], cut });
        const ev = events();
        await assert.rejects(
          send(manager(), s.id, 'Long answer please', {
            provider: providerFor(w, mock, { maxRetries: 0 }),
            onEvent: ev.onEvent,
            saveEveryMs: 0,
          }),
          (e: unknown) => {
            assert.ok(isCoreError(e, 'ProviderError'));
            assert.equal(e.details['kind'], 'connection');
            return true;
          },
        );
        const [user, reply] = manager().allMessages(s.id);
        assert.equal(user!.state, 'complete');
        assert.equal(reply!.state, 'error');
        assert.equal(reply!.stopReason, 'error');
        assert.equal(messageText(reply!.parts), 'The answer is forty and then');
        assert.equal(messageText(reply!.parts), ev.text());
        assert.equal((reply!.metadata['error'] as { details: { kind: string } }).details.kind, 'connection');
      });
    }

    it('keeps the partial reply when the provider sends an error frame mid-stream', async () => {
      const s = await session();
      mock.script(w.name, { chunks: ['Half ', 'a reply'], streamError: true });
      await assert.rejects(
        send(manager(), s.id, 'Hi', { provider: providerFor(w, mock, { maxRetries: 0 }), saveEveryMs: 0 }),
        (e: unknown) => {
          assert.ok(isCoreError(e, 'ProviderError'));
          assert.equal(e.details['kind'], w.name === 'openai' ? 'server' : 'overloaded');
          return true;
        },
      );
      const reply = manager().allMessages(s.id)[1]!;
      assert.deepEqual([reply.state, messageText(reply.parts)], ['error', 'Half a reply']);
    });

    it('reports a request that gets no answer in time as a timeout', async () => {
      const s = await session();
      mock.script(w.name, { stall: true });
      await assert.rejects(
        send(manager(), s.id, 'Hi', {
          provider: providerFor(w, mock, { maxRetries: 0, timeoutMs: 200 }),
          stream: false,
        }),
        (e: unknown) => {
          assert.ok(isCoreError(e, 'ProviderError'), String(e));
          assert.equal(e.details['kind'], 'timeout');
          assert.match(e.message, /did not answer in time/);
          return true;
        },
      );
    });

    it('cancels mid-stream: the partial reply is kept and marked partial/cancelled', async () => {
      const s = await session();
      mock.script(w.name, { chunks: ['one ', 'two ', 'three'], hang: true });
      const controller = new AbortController();
      let seen = 0;
      const pending = send(manager(), s.id, 'Count', {
        provider: providerFor(w, mock),
        signal: controller.signal,
        saveEveryMs: 0,
        onEvent: (e) => {
          if (e.type === 'text_delta' && ++seen === 3) controller.abort();
        },
      });
      await assert.rejects(pending, (e: unknown) => isCoreError(e, 'Cancelled'));
      const reply = manager().allMessages(s.id)[1]!;
      assert.equal(reply.state, 'partial');
      assert.equal(reply.stopReason, 'cancelled');
      assert.equal(messageText(reply.parts), 'one two three');
      assert.equal((reply.metadata['error'] as { code: string }).code, 'Cancelled');
    });
  });
}
