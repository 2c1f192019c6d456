// Gemini specifics: explicit client options that beat the environment, safety settings per session,
// thought parts and signatures resent unchanged, and the data-only SSE framing guard.
import { strict as assert } from 'node:assert';
import { send } from '../../src/core/conversation';
import { isCoreError } from '../../src/core/errors';
import { messageText } from '../../src/core/model';
import type { StreamEvent } from '../../src/core/providers';
import { providerFor, useMock, wire } from '../helpers/providers';

const w = wire('gemini');

describe('Gemini provider (@google/genai)', function () {
  this.timeout(20_000);
  const { mock, manager } = useMock();

  it('passes every client option explicitly, so GOOGLE_* environment variables cannot redirect it', async () => {
    const traps = {
      GOOGLE_GENAI_USE_VERTEXAI: 'true',
      GOOGLE_GENAI_USE_ENTERPRISE: 'true',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9',
      GOOGLE_GENAI_API_VERSION: 'v9',
      GOOGLE_API_KEY: 'env-key',
    };
    const saved = Object.fromEntries(Object.keys(traps).map((k) => [k, process.env[k]]));
    Object.assign(process.env, traps);
    try {
      const s = await manager().create({ provider: 'gemini', model: w.model, systemPrompt: 'Be terse.' });
      const { reply } = await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) });
      assert.equal(messageText(reply.parts), 'echo: Hi');
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    const req = w.generations(mock)[0]!;
    assert.equal(req.path, '/v1/models/gemini-test:streamGenerateContent');
    assert.equal(req.headers['x-goog-api-key'], mock.keys.gemini);
    assert.deepEqual(req.body.systemInstruction.parts, [{ text: 'Be terse.' }]);
  });

  it('uses the configured API version', async () => {
    const s = await manager().create({ provider: 'gemini', model: w.model });
    await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock, { apiVersion: 'v1beta' }), stream: false });
    assert.equal(w.generations(mock)[0]!.path, '/v1beta/models/gemini-test:generateContent');
  });

  it("sends the safety settings of the session's model parameters", async () => {
    const safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];
    const s = await manager().create({ provider: 'gemini', model: w.model });
    await manager().setParameters(s.id, { safetySettings });
    await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) });
    assert.deepEqual(w.generations(mock)[0]!.body.safetySettings, safetySettings);
  });

  it('resends model turns unchanged: thought parts, thought signatures and function-call ids', async () => {
    const s = await manager().create({ provider: 'gemini', model: w.model });
    mock.script('gemini', {
      text: 'Checking.',
      reasoning: { text: 'Plan the call.', signature: 'sig-thought' },
      toolCalls: [{ id: 'fc-7', name: 'lookup', args: { q: 'x' }, thoughtSignature: 'sig-call' }],
    });
    const ev: StreamEvent[] = [];
    const first = await send(manager(), s.id, 'Look it up', {
      provider: providerFor(w, mock),
      onEvent: (e) => ev.push(e),
    });
    assert.deepEqual(
      first.reply.parts.map((p) => p.type),
      ['reasoning', 'text', 'tool_call'],
    );
    assert.deepEqual(first.reply.parts[2], {
      type: 'tool_call',
      callId: 'fc-7',
      name: 'lookup',
      argumentsJson: '{"q":"x"}',
      providerIds: { geminiCallId: 'fc-7' },
      thoughtSignature: 'sig-call',
    });
    assert.ok(ev.some((e) => e.type === 'reasoning_delta' && e.text === 'Plan the call.'));
    assert.equal(first.reply.stopReason, 'tool_use');
    await manager().addMessage(s.id, {
      role: 'tool',
      parts: [{ type: 'tool_result', callId: 'fc-7', name: 'lookup', content: 'found' }],
    });
    await send(manager(), s.id, undefined, { provider: providerFor(w, mock) });
    const contents = w.generations(mock)[1]!.body.contents;
    assert.deepEqual(
      contents.map((c: { role: string }) => c.role),
      ['user', 'model', 'user'],
    );
    assert.deepEqual(contents[1].parts, [
      { text: 'Plan the call.', thought: true, thoughtSignature: 'sig-thought' },
      { text: 'Checking.' },
      { functionCall: { id: 'fc-7', name: 'lookup', args: { q: 'x' } }, thoughtSignature: 'sig-call' },
    ]);
    assert.deepEqual(contents[2].parts, [
      { functionResponse: { name: 'lookup', response: { output: 'found' }, id: 'fc-7' } },
    ]);
  });

  it("gives calls without a Gemini id a stable id of its own, and never sends it back as Gemini's", async () => {
    const s = await manager().create({ provider: 'gemini', model: w.model });
    mock.script('gemini', { toolCalls: [{ name: 'lookup', args: {} }] });
    const { reply } = await send(manager(), s.id, 'Go', { provider: providerFor(w, mock) });
    const call = reply.parts[0]!;
    assert.ok(call.type === 'tool_call' && call.callId.startsWith('gemini_') && !call.providerIds);
    await manager().addMessage(s.id, {
      role: 'tool',
      parts: [{ type: 'tool_result', callId: call.callId, name: 'lookup', content: '{"ok":true}' }],
    });
    await send(manager(), s.id, undefined, { provider: providerFor(w, mock) });
    assert.ok(!JSON.stringify(w.generations(mock)[1]!.body).includes('gemini_'));
  });

  it('stores a blocked prompt as a complete, empty reply stopped by the content filter, and says why', async () => {
    const s = await manager().create({ provider: 'gemini', model: w.model });
    mock.script('gemini', { blocked: 'SAFETY' });
    const { reply, warnings } = await send(manager(), s.id, 'Something blocked', { provider: providerFor(w, mock) });
    assert.equal(reply.state, 'complete');
    assert.equal(reply.stopReason, 'content_filter');
    assert.deepEqual(reply.parts, []);
    assert.match(warnings[0]!, /Gemini blocked the prompt for safety reasons \(SAFETY\)/);
  });

  it('framing guard: @google/genai yields nothing for frames with an `event:` line, so the mock sends data-only frames', async () => {
    const s = await manager().create({ provider: 'gemini', model: w.model });
    mock.script('gemini', { text: 'Framed like OpenAI, wrongly.', wrongFraming: true });
    const ev: StreamEvent[] = [];
    await assert.rejects(
      send(manager(), s.id, 'Hi', { provider: providerFor(w, mock), onEvent: (e) => ev.push(e) }),
      (e: unknown) => isCoreError(e, 'ProviderError') && e.details['kind'] === 'connection',
    );
    assert.ok(mock.sentDeltas.gemini > 0);
    assert.equal(ev.filter((e) => e.type === 'text_delta').length, 0);
  });
});
