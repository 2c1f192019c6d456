import { strict as assert } from 'node:assert';
import manifest from '../../package.json';
import { Message, messageText, NewMessage, NewSession, Part, searchableText } from '../../src/core/model';
import { KEYED_PROVIDERS, KNOWN_PROVIDERS, isProviderName } from '../../src/core/names';

describe('model', () => {
  it('accepts every part type and rejects unknown ones', () => {
    const parts: Part[] = [
      { type: 'text', text: 'hi', annotations: [{ url: 'https://x' }] },
      {
        type: 'tool_call',
        callId: 'c1',
        name: 'f',
        argumentsJson: '{"a":',
        providerIds: { openaiItemId: 'fc_1' },
        thoughtSignature: 'sig',
      },
      { type: 'tool_result', callId: 'c1', name: 'f', content: 'done', isError: false },
      { type: 'reasoning', text: 'think', summary: ['s'], opaque: { provider: 'anthropic', signature: 'abc' } },
      { type: 'image', mediaType: 'image/png', source: { kind: 'url', url: 'https://example.com/a.png' } },
      { type: 'file', name: 'a.pdf', source: { kind: 'file', fileId: 'file_1' } },
      { type: 'refusal', text: 'no' },
      { type: 'provider_item', provider: 'openai', item: { type: 'web_search_call' } },
    ];
    const parsed = NewMessage.parse({ role: 'assistant', parts });
    assert.deepEqual(parsed.parts, parts);
    assert.equal(NewMessage.safeParse({ role: 'assistant', parts: [{ type: 'video' }] }).success, false);
    assert.equal(
      NewMessage.safeParse({ role: 'assistant', parts: [{ type: 'image', source: { kind: 'ftp', url: 'x' } }] })
        .success,
      false,
    );
  });

  it('makes strings well formed (lone surrogates would corrupt SQLite text)', () => {
    const m = NewMessage.parse({ role: 'user', content: 'a\udc00b' });
    assert.equal(m.content, 'a\ufffdb');
  });

  it('validates sessions: required provider and model, known statuses, bounded tags', () => {
    assert.equal(NewSession.safeParse({ provider: 'openai', model: 'gpt-4o' }).success, true);
    assert.equal(NewSession.safeParse({ provider: 'openai' }).success, false);
    assert.equal(NewSession.safeParse({ provider: 'openai', model: 'm', status: 'inactive' }).success, false);
    assert.equal(NewSession.safeParse({ provider: 'openai', model: 'm', tags: ['x'.repeat(101)] }).success, false);
    assert.equal(NewSession.safeParse({ provider: 'openai', model: 'm', createdAt: 'yesterday' }).success, false);
    assert.equal(
      NewSession.safeParse({ provider: 'openai', model: 'm', createdAt: '2025-07-08T10:00:00+02:00' }).success,
      true,
    );
  });

  it('extracts readable and searchable text', () => {
    const parts: Part[] = [
      { type: 'text', text: 'Hello' },
      { type: 'tool_call', callId: 'c', name: 'lookup', argumentsJson: '{"q":"otters"}' },
      { type: 'tool_result', callId: 'c', name: 'lookup', content: 'otters are mustelids' },
      { type: 'reasoning', text: 'plan', summary: ['step'] },
      { type: 'refusal', text: 'cannot' },
    ];
    assert.equal(messageText(parts), 'Hello\ncannot');
    assert.equal(
      searchableText(parts),
      'Hello\nlookup\n{"q":"otters"}\nlookup\notters are mustelids\nplan\nstep\ncannot',
    );
  });

  it('round-trips a stored message through its schema', () => {
    const m: Message = {
      id: 'm1',
      sessionId: 's1',
      seq: 1,
      role: 'developer',
      parts: [{ type: 'text', text: 'x' }],
      createdAt: '2026-01-01T00:00:00.000Z',
      createdAtRaw: '2026-01-01T00:00:00.123456',
      state: 'partial',
      metadata: {},
      revision: 0,
      usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3, raw: { any: 'thing' } },
    };
    assert.deepEqual(Message.parse(m), m);
  });

  it('knows its providers in one list: package.json offers the same, and only those need a key that are not Replay', () => {
    assert.deepEqual(manifest.contributes.configuration.properties['langswarmSessions.defaultProvider'].enum, [
      ...KNOWN_PROVIDERS,
    ]);
    assert.deepEqual(KEYED_PROVIDERS, ['openai', 'anthropic', 'gemini']);
    assert.deepEqual(['openai', 'replay', 'OpenAI', 'gpt', 'constructor', ''].map(isProviderName), [
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});
