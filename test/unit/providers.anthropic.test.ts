// Anthropic specifics: wire headers, thinking blocks resent with their signatures, prompt-cache
// breakpoints, context-window truncation by whole turns, and the SSE framing guard.
import { strict as assert } from 'node:assert';
import { send } from '../../src/core/conversation';
import { isCoreError } from '../../src/core/errors';
import { messageText } from '../../src/core/model';
import type { StreamEvent } from '../../src/core/providers';
import { providerFor, useMock, wire } from '../helpers/providers';

const w = wire('anthropic');

describe('Anthropic provider (@anthropic-ai/sdk, Messages API)', function () {
  this.timeout(20_000);
  const { mock, manager } = useMock();
  const messagesCalls = () => w.generations(mock);

  it('sends the 2026-10-21 API version with a Bearer key and the system prompt at the top level', async () => {
    const s = await manager().create({ provider: 'anthropic', model: w.model, systemPrompt: 'Be terse.' });
    await manager().addMessage(s.id, { role: 'developer', content: 'Answer in French.' });
    await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) });
    const req = messagesCalls()[0]!;
    assert.equal(req.headers['anthropic-version'], '2026-10-21');
    assert.equal(req.headers['authorization'], `Bearer ${mock.keys.anthropic}`);
    assert.equal(req.headers['x-api-key'], undefined);
    assert.deepEqual(req.body.system, [{ type: 'text', text: 'Be terse.\n\nAnswer in French.' }]);
    assert.deepEqual(
      req.body.messages.map((m: { role: string }) => m.role),
      ['user'],
    );
    assert.equal(req.body.max_tokens, 4096);
    for (const removed of ['temperature', 'top_p', 'top_k']) assert.equal(req.body[removed], undefined);
  });

  it('resends thinking blocks unchanged, signature included', async () => {
    const s = await manager().create({ provider: 'anthropic', model: w.model });
    mock.script('anthropic', { text: 'Answer.', reasoning: { text: 'Let me think.', signature: 'sig-XYZ' } });
    const ev: StreamEvent[] = [];
    const first = await send(manager(), s.id, 'Q1', { provider: providerFor(w, mock), onEvent: (e) => ev.push(e) });
    assert.deepEqual(first.reply.parts[0], {
      type: 'reasoning',
      text: 'Let me think.',
      opaque: { provider: 'anthropic', signature: 'sig-XYZ' },
    });
    assert.ok(ev.some((e) => e.type === 'reasoning_delta' && e.text === 'Let me think.'));
    await send(manager(), s.id, 'Q2', { provider: providerFor(w, mock) });
    const assistant = messagesCalls()[1]!.body.messages[1];
    assert.deepEqual(assistant, {
      role: 'assistant',
      content: (first.reply.native!['anthropic'] as { content: unknown[] }).content,
    });
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'Let me think.', signature: 'sig-XYZ' });
  });

  it('adds prompt-cache breakpoints to long requests only', async () => {
    const short = await manager().create({ provider: 'anthropic', model: w.model, systemPrompt: 'Short.' });
    await send(manager(), short.id, 'Hi', { provider: providerFor(w, mock) });
    assert.ok(!JSON.stringify(messagesCalls()[0]!.body).includes('cache_control'));

    const long = await manager().create({ provider: 'anthropic', model: w.model, systemPrompt: 'Rules. '.repeat(800) });
    await send(manager(), long.id, 'Hi', { provider: providerFor(w, mock) });
    await send(manager(), long.id, 'Again', { provider: providerFor(w, mock) });
    const body = messagesCalls()[2]!.body;
    assert.deepEqual(body.system[0].cache_control, { type: 'ephemeral' });
    const last = body.messages[body.messages.length - 1];
    assert.deepEqual(last.content[last.content.length - 1], {
      type: 'text',
      text: 'Again',
      cache_control: { type: 'ephemeral' },
    });
    assert.equal(
      JSON.stringify(body).split('cache_control').length - 1,
      2,
      'two breakpoints, well under the limit of four',
    );
    assert.ok(
      !JSON.stringify(manager().allMessages(long.id)).includes('cache_control'),
      'breakpoints never reach the stored history',
    );
  });

  it('drops the oldest whole turns to fit the context window, never splitting a tool call from its result', async () => {
    const s = await manager().create({ provider: 'anthropic', model: w.model, systemPrompt: 'System.' });
    const pad = (t: string) => `${t} ${'lorem ipsum '.repeat(30)}`;
    await manager().addMessages(s.id, [
      { role: 'user', content: pad('turn one') },
      {
        role: 'assistant',
        parts: [
          { type: 'text', text: pad('calling') },
          { type: 'tool_call', callId: 'toolu_1', name: 'lookup', argumentsJson: '{}' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_result', callId: 'toolu_1', name: 'lookup', content: pad('result') }] },
      { role: 'assistant', content: pad('answer one') },
      { role: 'user', content: pad('turn two') },
      { role: 'assistant', parts: [{ type: 'tool_call', callId: 'toolu_2', name: 'lookup', argumentsJson: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', callId: 'toolu_2', name: 'lookup', content: pad('result two') }] },
      { role: 'assistant', content: pad('answer two') },
    ]);
    const warnings: string[] = [];
    const { reply } = await send(manager(), s.id, 'turn three', {
      provider: providerFor(w, mock, { contextWindow: 900 }),
      parameters: { maxOutputTokens: 100 },
      onEvent: (e) => {
        if (e.type === 'warning') warnings.push(e.message);
      },
    });
    assert.ok(mock.calls('anthropic', '/count_tokens').length >= 1, 'token counting was used');
    const sent = messagesCalls()[0]!.body.messages as Array<{
      role: string;
      content: Array<{ type: string; id?: string; tool_use_id?: string; text?: string }>;
    }>;
    assert.equal(sent[0]!.role, 'user');
    assert.ok(
      sent[0]!.content.every((b) => b.type !== 'tool_result'),
      'the request starts at a turn, not at a tool result',
    );
    const uses = new Set(sent.flatMap((m) => m.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []))));
    for (const m of sent)
      for (const b of m.content)
        if (b.type === 'tool_result')
          assert.ok(uses.has(b.tool_use_id), `tool_result ${b.tool_use_id} has its tool_use`);
    assert.equal(sent[sent.length - 1]!.content[0]!.text, 'turn three');
    assert.ok(!JSON.stringify(sent).includes('turn one'));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /longer than claude-test's 900-token context window allows with 100 tokens kept for the reply: the oldest \d turns? \(\d+ messages?\) were left out of this request\. The session still has them\./,
    );
    assert.deepEqual(reply.metadata['warnings'], warnings);
    assert.equal(manager().allMessages(s.id).length, 10, 'nothing was removed locally');
    // The trace says what was trimmed, as numbers the chart can mark: the 9 messages asked about, less those left out.
    const [, turns, messages] = /the oldest (\d+) turns? \((\d+) messages?\)/.exec(warnings[0]!)!;
    const [trace] = manager().listTraces(s.id);
    assert.deepEqual(trace!.trimmed, { turns: Number(turns), messages: Number(messages) });
    assert.equal(sent.length, 9 - trace!.trimmed!.messages);
    assert.equal(trace!.dropped, undefined);
  });

  it("records in the trace what another provider's history lost (a reasoning block), and no trimming", async () => {
    const s = await manager().create({ provider: 'openai', model: 'gpt-test' });
    await manager().addMessages(s.id, [
      { role: 'user', content: 'Q1' },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'hmm', opaque: { provider: 'openai', encryptedContent: 'e' } },
          { type: 'text', text: 'A1' },
        ],
        provider: { name: 'openai', model: 'gpt-test' },
      },
    ]);
    await send(manager(), s.id, 'Q2', { provider: providerFor(w, mock), model: w.model });
    const [trace] = manager().listTraces(s.id);
    assert.deepEqual(trace!.dropped, { reasoning: 1, providerItems: 0, providerIds: 0 });
    assert.equal(trace!.trimmed, undefined);
  });

  it('refuses, keeping the message, when even the newest turn does not fit', async () => {
    const s = await manager().create({ provider: 'anthropic', model: w.model });
    await assert.rejects(
      send(manager(), s.id, 'x'.repeat(4000), {
        provider: providerFor(w, mock, { contextWindow: 500 }),
        parameters: { maxOutputTokens: 100 },
      }),
      (e: unknown) => {
        assert.ok(isCoreError(e, 'ProviderError'));
        assert.equal(e.details['kind'], 'context_length');
        assert.match(e.message, /too long for claude-test.*the latest turn alone needs \d+ tokens/);
        return true;
      },
    );
    assert.equal(messagesCalls().length, 0, 'nothing was sent that could not fit');
    assert.equal(manager().allMessages(s.id)[0]!.role, 'user');
  });

  it('maps 529 to "overloaded"', async () => {
    const s = await manager().create({ provider: 'anthropic', model: w.model });
    mock.script('anthropic', { error: { status: 529 } });
    await assert.rejects(
      send(manager(), s.id, 'Hi', { provider: providerFor(w, mock, { maxRetries: 0 }) }),
      (e: unknown) => {
        assert.ok(isCoreError(e, 'ProviderError'));
        assert.equal(e.details['kind'], 'overloaded');
        assert.equal(e.details['requestId'], 'req_529');
        assert.match(e.message, /Anthropic is overloaded \(HTTP 529 overloaded_error\); try again in a minute\./);
        return true;
      },
    );
  });

  it('framing guard: frames without `event:` lines are silently dropped by the SDK, so the mock must name them', async () => {
    const s = await manager().create({ provider: 'anthropic', model: w.model });
    mock.script('anthropic', { text: 'This text is framed wrongly.', wrongFraming: true });
    const ev: StreamEvent[] = [];
    await assert.rejects(
      send(manager(), s.id, 'Hi', { provider: providerFor(w, mock), onEvent: (e) => ev.push(e) }),
      (e: unknown) => isCoreError(e, 'ProviderError') && e.details['kind'] === 'connection',
    );
    assert.ok(mock.sentDeltas.anthropic > 0, 'the server did send deltas');
    assert.equal(
      ev.filter((e) => e.type === 'text_delta' || e.type === 'turn_start').length,
      0,
      'the SDK yielded none of them',
    );
    // The same reply, framed correctly, comes through whole.
    mock.script('anthropic', { text: 'This text is framed right.' });
    const { reply } = await send(manager(), s.id, undefined, { provider: providerFor(w, mock) });
    assert.equal(messageText(reply.parts), 'This text is framed right.');
  });
});
