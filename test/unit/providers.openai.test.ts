// OpenAI specifics: Conversations API binding and its fallbacks, stateless mode with encrypted
// reasoning, importing a remote conversation, and switching provider mid-session.
import { strict as assert } from 'node:assert';
import { importOpenAIConversation, send } from '../../src/core/conversation';
import { messageText } from '../../src/core/model';
import { OpenAIProvider, createProvider } from '../../src/core/providers';
import { providerFor, useMock, wire } from '../helpers/providers';
import { messageItem } from '../mock-providers/openai';

const w = wire('openai');

describe('OpenAI provider (openai SDK, Responses + Conversations)', function () {
  this.timeout(20_000);
  const { mock, manager } = useMock();
  const responses = () => mock.calls('openai', '/v1/responses');

  it('binds a session to a conversation and sends only what the conversation lacks', async () => {
    const s = await manager().create({ provider: 'openai', model: w.model, systemPrompt: 'Be terse.' });
    const first = await send(manager(), s.id, 'One', { provider: providerFor(w, mock) });
    assert.deepEqual(
      mock.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /v1/conversations', 'POST /v1/responses'],
    );
    const state = manager().get(s.id).providerState.openai!;
    assert.match(state.conversationId!, /^conv_/);
    assert.equal(responses()[0]!.body.conversation, state.conversationId);
    assert.equal(state.syncedThrough, first.reply.id);
    assert.equal(state.lastResponseId, first.reply.providerIds?.['responseId']);
    assert.equal(state.store, true);
    await send(manager(), s.id, 'Two', { provider: providerFor(w, mock) });
    assert.deepEqual(w.history(responses()[1]!), [['user', 'Two']]);
    assert.equal(responses()[1]!.body.conversation, state.conversationId);
    assert.equal(responses()[1]!.body.instructions, 'Be terse.', 'instructions are per response, so sent every time');
    // The server's conversation now holds both turns.
    assert.equal(mock.openai.conversations.get(state.conversationId!)!.length, 4);
  });

  it('falls back to the local history when the remote conversation is gone, says so, and rebinds', async () => {
    const s = await manager().create({ provider: 'openai', model: w.model });
    await send(manager(), s.id, 'Remember 42', { provider: providerFor(w, mock) });
    const gone = manager().get(s.id).providerState.openai!.conversationId!;
    mock.openai.conversations.clear();
    const warnings: string[] = [];
    const { reply, session } = await send(manager(), s.id, 'What number?', {
      provider: providerFor(w, mock),
      onEvent: (e) => {
        if (e.type === 'warning') warnings.push(e.message);
      },
    });
    const calls = mock.requests
      .slice(2)
      .map((r) => `${r.method} ${r.path}${r.body?.conversation ? ` ${r.body.conversation}` : ''}`);
    const rebound = session.providerState.openai!.conversationId!;
    assert.notEqual(rebound, gone);
    assert.deepEqual(calls, [`POST /v1/responses ${gone}`, 'POST /v1/conversations', `POST /v1/responses ${rebound}`]);
    assert.deepEqual(w.history(responses()[2]!), [
      ['user', 'Remember 42'],
      ['assistant', 'echo: Remember 42'],
      ['user', 'What number?'],
    ]);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(`no longer has conversation ${gone}; sent the local history to a new conversation ${rebound}`),
    );
    assert.deepEqual(reply.metadata['warnings'], warnings);
    assert.equal(session.providerState.openai!.syncedThrough, reply.id);
  });

  it('starts a new conversation with the full history when the local history was edited', async () => {
    const s = await manager().create({ provider: 'openai', model: w.model });
    const { user } = await send(manager(), s.id, 'Original question', { provider: providerFor(w, mock) });
    await manager().editMessage(user!.id, { content: 'Edited question' });
    const { warnings } = await send(manager(), s.id, 'Next', { provider: providerFor(w, mock) });
    assert.match(warnings[0]!, /local history changed since it was sent/);
    assert.deepEqual(w.history(responses()[1]!)[0], ['user', 'Edited question']);
    assert.notEqual(responses()[1]!.body.conversation, responses()[0]!.body.conversation);
  });

  it('stateless mode stores nothing at OpenAI and replays encrypted reasoning and phase verbatim', async () => {
    const s = await manager().create({ provider: 'openai', model: w.model });
    mock.script('openai', {
      text: 'Thought about it.',
      reasoning: { text: 'Considering', encrypted: 'gAAAA-secret-state' },
    });
    const first = await send(manager(), s.id, 'Think', { provider: providerFor(w, mock, { stateless: true }) });
    const reasoning = first.reply.parts.find((p) => p.type === 'reasoning');
    assert.deepEqual(reasoning, {
      type: 'reasoning',
      summary: ['Considering'],
      opaque: { provider: 'openai', itemId: 'rs_2', encryptedContent: 'gAAAA-secret-state' },
    });
    await send(manager(), s.id, 'Again', { provider: providerFor(w, mock, { stateless: true }) });
    assert.equal(mock.calls('openai', '/v1/conversations').length, 0);
    const [a, b] = responses();
    for (const r of [a!, b!]) {
      assert.equal(r.body.store, false);
      assert.deepEqual(r.body.include, ['reasoning.encrypted_content']);
      assert.equal(r.body.conversation, undefined);
    }
    const resent = b!.body.input as Array<Record<string, unknown>>;
    assert.deepEqual(
      resent.map((i) => i['type']),
      ['message', 'reasoning', 'message', 'message'],
    );
    assert.equal(resent[1]!['encrypted_content'], 'gAAAA-secret-state');
    assert.equal(resent[2]!['phase'], 'final_answer');
    assert.equal(resent[2]!['id'], (first.reply.native!['openai'] as { output: Array<{ id: string }> }).output[1]!.id);
    assert.equal(manager().get(s.id).providerState.openai, undefined, 'no conversation was bound');
  });

  it('is stateless for a session whose provider state says store:false', async () => {
    const s = await manager().create({
      provider: 'openai',
      model: w.model,
      providerState: { openai: { store: false } },
    });
    await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) });
    assert.equal(responses()[0]!.body.store, false);
    assert.equal(mock.calls('openai', '/v1/conversations').length, 0);
  });

  it('imports a remote conversation into a bound local session and continues it', async () => {
    mock.openai.conversations.set('conv_remote', [
      messageItem('msg_a', 'user', 'weather?'),
      {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
      { type: 'function_call_output', id: 'fco_1', status: 'completed', call_id: 'call_1', output: '{"temp":21}' },
      messageItem('msg_b', 'assistant', 'It is sunny in Paris.'),
    ]);
    const provider = createProvider(w.config(mock)) as OpenAIProvider;
    const session = await importOpenAIConversation(manager(), provider, 'conv_remote', { model: w.model });
    const messages = manager().allMessages(session.id);
    assert.deepEqual(
      messages.map((m) => [m.role, m.parts.map((p) => p.type).join(',')]),
      [
        ['user', 'text'],
        ['assistant', 'tool_call'],
        ['tool', 'tool_result'],
        ['assistant', 'text'],
      ],
    );
    assert.deepEqual(messages[2]!.parts[0], {
      type: 'tool_result',
      callId: 'call_1',
      name: 'get_weather',
      content: '{"temp":21}',
    });
    assert.equal(messageText(messages[3]!.parts), 'It is sunny in Paris.');
    assert.deepEqual(messages[1]!.native, { openai: { items: [mock.openai.conversations.get('conv_remote')![1]] } });
    assert.equal(mock.calls('openai', '/items')[0]!.query.get('order'), 'asc');
    assert.equal(session.providerState.openai!.conversationId, 'conv_remote');
    await send(manager(), session.id, 'And tomorrow?', { provider });
    assert.equal(responses()[0]!.body.conversation, 'conv_remote');
    assert.deepEqual(w.history(responses()[0]!), [['user', 'And tomorrow?']]);
  });

  it('pages through a long conversation when importing', async () => {
    const items = Array.from({ length: 130 }, (_, i) => messageItem(`msg_${i}`, i % 2 ? 'assistant' : 'user', `m${i}`));
    mock.openai.conversations.set('conv_long', items);
    const session = await importOpenAIConversation(
      manager(),
      createProvider(w.config(mock)) as OpenAIProvider,
      'conv_long',
      { model: w.model },
    );
    assert.equal(manager().allMessages(session.id).length, 130);
    assert.equal(messageText(manager().allMessages(session.id)[129]!.parts), 'm129');
    assert.equal(mock.calls('openai', '/items').length, 2);
  });

  it('switching provider mid-session drops opaque OpenAI data, says so, and keeps it locally', async () => {
    const s = await manager().create({ provider: 'openai', model: w.model });
    mock.script('openai', { text: 'Reasoned answer.', reasoning: { text: 'hmm', encrypted: 'gAAAA-opaque' } });
    await send(manager(), s.id, 'Q1', { provider: providerFor(w, mock, { stateless: true }) });
    const { warnings, session } = await send(manager(), s.id, 'Q2', {
      provider: providerFor(wire('anthropic'), mock),
      model: 'claude-test',
    });
    assert.equal(session.provider, 'anthropic');
    assert.equal(session.model, 'claude-test');
    assert.match(warnings[0]!, /Switching to Anthropic: left out 1 reasoning block made by another provider/);
    const sent = JSON.stringify(mock.calls('anthropic')[0]!.body);
    assert.ok(!sent.includes('gAAAA-opaque') && !sent.includes('rs_'), sent);
    assert.deepEqual(wire('anthropic').history(mock.calls('anthropic')[0]!), [
      ['user', 'Q1'],
      ['assistant', 'Reasoned answer.'],
      ['user', 'Q2'],
    ]);
    assert.ok(
      manager()
        .allMessages(s.id)[1]!
        .parts.some((p) => p.type === 'reasoning'),
      'the local history keeps it',
    );
  });
});
