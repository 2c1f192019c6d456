// The conversation runner: durability of each step, failure bookkeeping, replay into a fork with a
// side-by-side comparison, and the connection test.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { isStreaming, replay, send, testConnection } from '../../src/core/conversation';
import { CoreError, isCoreError } from '../../src/core/errors';
import { messageText } from '../../src/core/model';
import { createProvider } from '../../src/core/providers';
import type { Provider, ProviderReply, ProviderRequest, SendOptions } from '../../src/core/providers/provider';
import { SessionManager } from '../../src/core/sessions';
import { providerFor, useMock, wire } from '../helpers/providers';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const reply = (text: string): ProviderReply => ({
  parts: [{ type: 'text', text }],
  stopReason: 'end_turn',
  model: 'stub',
  native: { text },
  warnings: [],
});

/** A provider whose send() is the test's own function. */
function stub(fn: (request: ProviderRequest, options: SendOptions) => Promise<ProviderReply>): Provider {
  return { name: 'openai', send: (request, options = {}) => fn(request, options) };
}

describe('conversation runner', function () {
  this.timeout(20_000);
  const { mock, manager, dbPath } = useMock();

  it('reports each warning of a turn once, as an event and in the session trace, and keeps them all with the reply', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    await manager().addMessages(s.id, [
      { role: 'user', content: 'Q1' },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'hmm', opaque: { provider: 'openai', encryptedContent: 'e' } },
          { type: 'text', text: 'A1' },
        ],
        provider: { name: 'openai' },
      },
    ]);
    const anthropic: Provider = {
      name: 'anthropic',
      send: async (_request, options = {}) => {
        options.onEvent?.({ type: 'warning', message: 'from the provider' });
        return { ...reply('A2'), warnings: ['from the provider'] };
      },
    };
    const events: string[] = [];
    const result = await send(manager(), s.id, 'Q2', {
      provider: anthropic,
      onEvent: (e) => {
        if (e.type === 'warning') events.push(e.message);
      },
    });
    const switching =
      'Switching to Anthropic: left out 1 reasoning block made by another provider; only that provider can read them. The local history still has them.';
    assert.deepEqual(events, [switching, 'from the provider']);
    assert.deepEqual(result.warnings, events);
    assert.deepEqual(result.reply.metadata['warnings'], events);
    assert.deepEqual(
      manager()
        .tracer.recent({ sessionId: s.id })
        .filter((e) => e.level === 'warn')
        .map((e) => [e.message, e.fields]),
      [[switching, { sessionId: s.id }]],
    );
  });

  it('makes the user message durable before the request is sent', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    let seenOnDisk: string[] = [];
    await send(manager(), s.id, 'Hello disk', {
      provider: stub(async () => {
        const other = await SessionManager.open(dbPath());
        seenOnDisk = other.allMessages(s.id).map((m) => messageText(m.parts));
        await other.close();
        return reply('ok');
      }),
    });
    assert.deepEqual(seenOnDisk, ['Hello disk']);
  });

  it('creates the reply as "partial" on the first delta and finishes the same message in place', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    const states: string[] = [];
    const { reply: done } = await send(manager(), s.id, 'Go', {
      saveEveryMs: 0,
      provider: stub(async (_req, options) => {
        options.onEvent!({ type: 'text_delta', text: 'Hal' });
        const other = await SessionManager.open(dbPath());
        for (let i = 0; i < 1000 && other.allMessages(s.id).length < 2; i++) await new Promise((r) => setTimeout(r, 1));
        const draft = other.allMessages(s.id)[1]!;
        states.push(`${draft.state}:${messageText(draft.parts)}`);
        await other.close();
        return reply('Hallo!');
      }),
    });
    assert.deepEqual(states, ['partial:Hal']);
    const stored = manager().allMessages(s.id);
    assert.equal(stored.length, 2);
    assert.equal(stored[1]!.id, done.id);
    assert.equal(stored[1]!.state, 'complete');
    assert.equal(messageText(stored[1]!.parts), 'Hallo!');
    assert.deepEqual(stored[1]!.native, { openai: { text: 'Hallo!' } });
  });

  it('refuses a paused, completed or archived session unchanged, and makes it active only when asked to', async () => {
    for (const status of ['paused', 'completed', 'archived'] as const) {
      const s = await manager().create({ provider: 'openai', model: 'stub' });
      await manager().addMessages(s.id, [
        { role: 'user', content: 'Recorded question' },
        { role: 'assistant', content: 'Recorded answer' },
      ]);
      await manager().setStatus(s.id, status);
      const before = JSON.stringify([manager().get(s.id), manager().allMessages(s.id)]);
      let called = false;
      const provider = stub(async (req) => {
        called = true;
        assert.equal(req.session.status, 'active', status);
        return reply('welcome back');
      });
      await assert.rejects(
        send(manager(), s.id, `Back from ${status}`, { provider }),
        (e: unknown) =>
          isCoreError(e, 'SessionNotWritable') && e.message.includes(`is ${status}: sending would make it active`),
      );
      assert.equal(called, false, status);
      assert.equal(JSON.stringify([manager().get(s.id), manager().allMessages(s.id)]), before, `${status}: unchanged`);

      const result = await send(manager(), s.id, `Back from ${status}`, { provider, resume: true });
      assert.equal(result.session.status, 'active', status);
      assert.equal(manager().get(s.id).status, 'active', status);
      assert.deepEqual(
        manager()
          .allMessages(s.id)
          .map((m) => messageText(m.parts)),
        ['Recorded question', 'Recorded answer', `Back from ${status}`, 'welcome back'],
        status,
      );
    }
  });

  it('stores no empty reply for a call that failed before any text arrived; the failure is in the turn trace', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    await assert.rejects(
      send(manager(), s.id, 'Q', {
        provider: stub(async () => {
          throw new CoreError('ProviderError', 'OpenAI rejected the API key (HTTP 401).', { kind: 'auth' });
        }),
      }),
      (e: unknown) => isCoreError(e, 'ProviderError'),
    );
    assert.deepEqual(
      manager()
        .allMessages(s.id)
        .map((m) => [m.role, m.state, messageText(m.parts)]),
      [['user', 'complete', 'Q']],
      'the question is kept, no empty "error" reply',
    );
    assert.deepEqual(
      manager()
        .tracer.recent({ sessionId: s.id })
        .map((e) => [e.level, e.message, e.fields?.['kind']]),
      [['warn', 'OpenAI rejected the API key (HTTP 401).', 'auth']],
    );
  });

  it('knows which partial replies are still streaming here, until they end complete, cancelled or failed', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    const seen: Array<[string, boolean]> = [];
    const stopWatching = manager().onDidChange((e) => {
      if (!e.type.startsWith('messages')) return;
      for (const m of manager().allMessages(s.id))
        if (m.role === 'assistant') seen.push([m.state, isStreaming(manager(), m.id)]);
    });
    try {
      for (const ending of ['complete', 'cancelled', 'failed'] as const) {
        seen.length = 0;
        const abort = new AbortController();
        const sending = send(manager(), s.id, `Q ${ending}`, {
          saveEveryMs: 0,
          signal: abort.signal,
          provider: stub(async (req, o) => {
            o.onEvent!({ type: 'text_delta', text: 'so far' });
            await new Promise((r) => setTimeout(r, 50));
            const partial = manager().allMessages(s.id).at(-1)!;
            assert.deepEqual(
              [partial.id, partial.state, isStreaming(manager(), partial.id)],
              [req.replyMessageId, 'partial', true],
              ending,
            );
            if (ending === 'cancelled') throw new CoreError('Cancelled', 'Stopped.');
            if (ending === 'failed') throw new TypeError('socket hang up');
            return reply('so far, and done');
          }),
        });
        if (ending === 'complete') await sending;
        else await assert.rejects(sending);
        const last = manager().allMessages(s.id).at(-1)!;
        assert.equal(isStreaming(manager(), last.id), false, ending);
        // Whoever repainted on the last write already saw it as ended.
        assert.deepEqual(
          seen.at(-1),
          [ending === 'complete' ? 'complete' : ending === 'cancelled' ? 'partial' : 'error', false],
          ending,
        );
        abort.abort();
      }
    } finally {
      stopWatching();
    }
  });

  it('refuses to answer a session that already ends with a complete reply', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    await manager().addMessages(s.id, [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'A' },
    ]);
    await assert.rejects(
      send(manager(), s.id, undefined, { provider: stub(async () => reply('x')) }),
      (e: unknown) => isCoreError(e, 'InvalidInput') && /nothing to answer/.test(e.message),
    );
  });

  it('keeps a failed reply and retries without it when sent again without content', async () => {
    const s = await manager().create({ provider: 'openai', model: 'stub' });
    let seen: string[] = [];
    await assert.rejects(
      send(manager(), s.id, 'Q', {
        saveEveryMs: 0,
        provider: stub(async (_r, o) => {
          o.onEvent!({ type: 'text_delta', text: 'half an ans' });
          throw new TypeError('socket hang up');
        }),
      }),
      (e: unknown) => isCoreError(e, 'Internal') && /socket hang up/.test(e.message),
    );
    const failed = manager().allMessages(s.id)[1]!;
    assert.equal(failed.state, 'error');
    assert.equal(messageText(failed.parts), 'half an ans');
    await send(manager(), s.id, undefined, {
      provider: stub(async (req) => {
        seen = req.messages.map((m) => messageText(m.parts));
        return reply('full answer');
      }),
    });
    assert.deepEqual(seen, ['Q'], 'the failed reply is not part of the question');
    assert.deepEqual(
      manager()
        .allMessages(s.id)
        .map((m) => [m.state, messageText(m.parts)]),
      [
        ['complete', 'Q'],
        ['error', 'half an ans'],
        ['complete', 'full answer'],
      ],
    );
  });

  it("offers the session's model parameters (its tools), not tool-shaped metadata", async () => {
    const tools = [{ name: 'search', parameters: { type: 'object', properties: {} } }];
    const s = await manager().create({ provider: 'openai', model: 'stub', metadata: { tools: [{ name: 'old' }] } });
    await manager().setParameters(s.id, { tools, temperature: 0.2 });
    let offered: unknown;
    await send(manager(), s.id, 'Q', {
      provider: stub(async (req) => {
        offered = req.parameters;
        return reply('A');
      }),
    });
    assert.deepEqual(offered, { tools, temperature: 0.2 });
  });

  it('replays the user turns on another provider into a fork and compares the replies', async () => {
    const s = await manager().create({
      provider: 'openai',
      model: 'gpt-old',
      title: 'Weather chat',
      systemPrompt: 'Be terse.',
    });
    await manager().addMessages(s.id, [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', callId: 'call_1', name: 'get_weather', argumentsJson: '{"city":"Paris"}' }],
        stopReason: 'tool_use',
      },
      { role: 'tool', parts: [{ type: 'tool_result', callId: 'call_1', name: 'get_weather', content: '{"temp":21}' }] },
      {
        role: 'assistant',
        content: 'Sunny, 21 °C.',
        stopReason: 'end_turn',
        usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14 },
      },
      { role: 'user', content: 'And Rome?' },
      { role: 'assistant', content: 'Rainy.' },
    ]);
    mock.script(
      'anthropic',
      { text: 'Checking.', toolCalls: [{ id: 'toolu_9', name: 'get_weather', args: { city: 'Paris' } }] },
      { text: 'Paris: 21 degrees.' },
      { text: 'Rome: no data.' },
    );
    const result = await replay(manager(), s.id, {
      provider: providerFor(wire('anthropic'), mock),
      model: 'claude-new',
    });
    assert.notEqual(result.session.id, s.id);
    assert.equal(result.session.provider, 'anthropic');
    assert.equal(result.session.model, 'claude-new');
    assert.equal(result.session.systemPrompt, 'Be terse.');
    assert.deepEqual(result.session.parent?.sessionId, s.id);
    assert.deepEqual(
      result.turns.map((t) => [t.user, t.original, t.replayed]),
      [
        ['Weather in Paris?', 'Sunny, 21 °C.', 'Paris: 21 degrees.'],
        ['And Rome?', 'Rainy.', 'Rome: no data.'],
      ],
    );
    assert.equal(result.turns[0]!.originalUsage?.totalTokens, 14);
    assert.ok(result.turns[0]!.replayedUsage);
    // The new tool call was answered with the recorded result for the same tool.
    const forked = manager().allMessages(result.session.id);
    assert.deepEqual(
      forked.map((m) => m.role),
      ['user', 'assistant', 'tool', 'assistant', 'user', 'assistant'],
    );
    assert.deepEqual(forked[2]!.parts[0], {
      type: 'tool_result',
      callId: 'toolu_9',
      name: 'get_weather',
      content: '{"temp":21}',
    });
    assert.equal(manager().allMessages(s.id).length, 6, 'the source is untouched');
  });

  it('tells where a replay stopped when a turn fails', async () => {
    const s = await manager().create({ provider: 'openai', model: 'gpt-old' });
    await manager().addMessages(s.id, [
      { role: 'user', content: 'One' },
      { role: 'assistant', content: '1' },
      { role: 'user', content: 'Two' },
    ]);
    mock.script('anthropic', { text: 'uno' }, { error: { status: 400 } });
    await assert.rejects(
      replay(manager(), s.id, { provider: providerFor(wire('anthropic'), mock), model: 'claude-new' }),
      (e: unknown) => {
        assert.ok(isCoreError(e, 'ProviderError'));
        assert.match(e.message, /The replay stopped at turn 2; session \S+ holds the turns replayed so far\./);
        const fork = manager().get(e.details['sessionId'] as string);
        // Turn 1 replayed (uno), turn 2 asked: its failed call left no empty reply behind.
        assert.deepEqual(
          manager()
            .allMessages(fork.id)
            .map((m) => messageText(m.parts)),
          ['One', 'uno', 'Two'],
        );
        return true;
      },
    );
  });

  it('reports Replay as always there (offline, nothing to connect to) without asking it for a made-up reply', async () => {
    assert.deepEqual(await testConnection({ name: 'replay' }, 'recorded'), {
      ok: true,
      provider: 'replay',
      model: 'recorded',
      latencyMs: 0,
      reply: 'offline: answers from recorded sessions',
    });
  });

  it('tests a connection with one small unstored request', async () => {
    const ok = await testConnection(providerFor(wire('anthropic'), mock), 'claude-test');
    assert.equal(ok.ok, true);
    assert.equal(ok.model, 'claude-test');
    assert.ok(ok.latencyMs >= 0);
    assert.equal(mock.calls('anthropic')[0]!.body.max_tokens, 16);
    const openai = await testConnection(providerFor(wire('openai'), mock), 'gpt-test');
    assert.equal(openai.ok, true);
    assert.equal(mock.calls('openai', '/v1/conversations').length, 0, 'no conversation is left behind');
    const bad = await testConnection(providerFor(wire('gemini'), mock, { apiKey: 'nope' }), 'gemini-test');
    assert.equal(bad.ok, false);
    assert.equal(bad.kind, 'auth');
    assert.match(bad.error!, /Gemini rejected the API key/);
    const port = await closedPort();
    const down = await testConnection(
      { name: 'openai', apiKey: 'k', baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 0 },
      'gpt-test',
    );
    assert.equal(down.kind, 'connection');
    assert.match(
      down.error!,
      /The connection to OpenAI failed: .*ECONNREFUSED.*\. Check your network, proxy or the OpenAI base URL/,
    );
  });

  it('reports a missing key as an auth error before any request', async () => {
    const s = await manager().create({ provider: 'anthropic', model: 'claude-test' });
    await assert.rejects(
      send(manager(), s.id, 'Hi', { provider: createProvider({ name: 'anthropic', baseUrl: mock.url }) }),
      (e: unknown) => e instanceof CoreError && e.details['kind'] === 'auth',
    );
    assert.equal(mock.requests.length, 0);
  });
});
