// The offline Replay provider: deterministic answers from a recording, streamed in chunks, with
// usage, and no network or key at all.
import { strict as assert } from 'node:assert';
import { send } from '../../src/core/conversation';
import { isCoreError } from '../../src/core/errors';
import { messageText } from '../../src/core/model';
import type { StreamEvent } from '../../src/core/providers';
import { ReplayProvider } from '../../src/core/providers/replay';
import { useMock } from '../helpers/providers';

describe('Replay provider (offline)', () => {
  const { manager } = useMock();
  let realFetch: typeof fetch;
  // No network: any fetch during these tests fails them.
  beforeEach(() => {
    realFetch = globalThis.fetch;
    globalThis.fetch = () => {
      throw new Error('the Replay provider must not use the network');
    };
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  async function recording() {
    const s = await manager().create({ provider: 'openai', model: 'gpt-x', title: 'Recorded' });
    await manager().addMessages(s.id, [
      { role: 'user', content: 'First question' },
      { role: 'assistant', parts: [{ type: 'tool_call', callId: 'c1', name: 't', argumentsJson: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', callId: 'c1', name: 't', content: 'r' }] },
      { role: 'assistant', content: 'First recorded answer, long enough to arrive in several chunks.' },
      { role: 'user', content: 'Second question' },
      { role: 'assistant', content: 'Second recorded answer.' },
    ]);
    return manager().allMessages(s.id);
  }

  it('answers the n-th user turn with the n-th recorded reply, streamed in chunks, with usage', async () => {
    const provider = new ReplayProvider({ recorded: await recording() });
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const s = await manager().create({ provider: 'replay', model: 'demo' });
      const texts: string[] = [];
      for (const q of ['Something else', 'And more']) {
        const ev: StreamEvent[] = [];
        const { reply } = await send(manager(), s.id, q, { provider, onEvent: (e) => ev.push(e) });
        const deltas = ev.flatMap((e) => (e.type === 'text_delta' ? [e.text] : []));
        assert.equal(deltas.join(''), messageText(reply.parts));
        if (messageText(reply.parts).length > 16) assert.ok(deltas.length > 1, 'streamed in chunks');
        assert.ok(
          reply.usage &&
            reply.usage.outputTokens > 0 &&
            reply.usage.totalTokens === reply.usage.inputTokens + reply.usage.outputTokens,
        );
        assert.equal(reply.provider?.name, 'replay');
        texts.push(messageText(reply.parts));
      }
      runs.push(texts);
    }
    assert.deepEqual(runs[0], [
      'First recorded answer, long enough to arrive in several chunks.',
      'Second recorded answer.',
    ]);
    assert.deepEqual(runs[1], runs[0], 'deterministic');
  });

  it('refuses a turn the recording has no reply for, storing nothing and saying why', async () => {
    const provider = new ReplayProvider({ recorded: await recording() });
    const s = await manager().create({ provider: 'openai', model: 'gpt-x' });
    await send(manager(), s.id, 'One', { provider });
    await send(manager(), s.id, 'Two', { provider });
    const before = JSON.stringify([manager().get(s.id), manager().allMessages(s.id)]);
    await assert.rejects(
      send(manager(), s.id, 'A third', { provider }),
      (e: unknown) =>
        isCoreError(e, 'ProviderError') &&
        e.message ===
          "The offline Replay provider has no recorded reply for turn 3 (its recording answers 2 turn(s)), so nothing was sent or stored. Set an API key for the session's provider to get a real answer.",
    );
    assert.equal(JSON.stringify([manager().get(s.id), manager().allMessages(s.id)]), before, 'nothing stored');
  });

  it('without a recording refuses every turn (nothing made up), and needs no key', async () => {
    const s = await manager().create({ provider: 'anthropic', model: 'claude-x' });
    await assert.rejects(
      send(manager(), s.id, 'Hello', { provider: new ReplayProvider(), stream: false }),
      (e: unknown) =>
        isCoreError(e, 'ProviderError') && /no recorded reply for turn 1 \(this session was not forked/.test(e.message),
    );
    assert.deepEqual(manager().allMessages(s.id), []);
    assert.equal(manager().get(s.id).provider, 'anthropic');
  });

  it('can be cancelled mid-stream like any provider', async () => {
    const s = await manager().create({ provider: 'replay', model: 'demo' });
    const controller = new AbortController();
    const long = await manager().create({ provider: 'openai', model: 'gpt-x' });
    await manager().addMessages(long.id, [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: '(Replay answer) '.repeat(10) },
    ]);
    await assert.rejects(
      send(manager(), s.id, 'Long '.repeat(40), {
        provider: new ReplayProvider({ chunkSize: 8, recorded: manager().allMessages(long.id) }),
        signal: controller.signal,
        saveEveryMs: 0,
        onEvent: (e) => {
          if (e.type === 'text_delta') controller.abort();
        },
      }),
      (e: unknown) => isCoreError(e, 'Cancelled'),
    );
    const partial = manager().allMessages(s.id)[1]!;
    assert.equal(partial.state, 'partial');
    assert.equal(messageText(partial.parts), '(Replay ');
  });
});
