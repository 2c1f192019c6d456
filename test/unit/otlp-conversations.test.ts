// How calls of one conversation add up to a session (sent by the JS SDK's JSON exporter): a resent history is
// stored once, an edited or regenerated message forks the session, a sliding window and an app that sends only
// the new message append; and the older conventions (Traceloop's flattened gen_ai.prompt.*, gen_ai.prompt as
// JSON, OpenInference's flattened messages with tool calls) read the same.
import { strict as assert } from 'node:assert';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import { assistant, chatSpan, otelProvider, user } from '../helpers/otlp';
import { tempDb } from '../helpers/temp';

describe('OTLP receiver: calls of a conversation become one session', function () {
  this.timeout(30_000);
  let manager: SessionManager;
  let provider: BasicTracerProvider;
  beforeEach(async () => {
    manager = await SessionManager.open(tempDb(), { tracer: new Tracer('error') });
    const { url } = await manager.startOtlpReceiver({ port: 0 });
    provider = otelProvider(url, 'json');
  });
  afterEach(async () => {
    await provider.shutdown();
    await manager.close();
  });

  const call = async (input: unknown[], output: unknown[]) => {
    chatSpan(provider, { conversation: 'conv', input, output });
    await provider.forceFlush();
  };
  const texts = (id: string) =>
    manager.allMessages(id).map((m) => m.parts.map((p) => (p.type === 'text' ? p.text : p.type)).join(''));
  const sessions = () => manager.list({}).items;

  it('forks when an earlier message was edited, and the edited branch goes on in the fork', async () => {
    await call([user('u1')], [assistant('a1')]);
    await call([user('u1'), assistant('a1'), user('u2')], [assistant('a2')]);
    await call([user('u1'), assistant('a1'), user('u2 edited')], [assistant('a2 again')]);
    await call([user('u1'), assistant('a1'), user('u2 edited'), assistant('a2 again'), user('u3')], [assistant('a3')]);
    const all = sessions();
    assert.equal(all.length, 2);
    const original = all.find((s) => !s.parent)!;
    const fork = all.find((s) => s.parent)!;
    assert.deepEqual(texts(original.id), ['u1', 'a1', 'u2', 'a2']);
    assert.deepEqual(texts(fork.id), ['u1', 'a1', 'u2 edited', 'a2 again', 'u3', 'a3']);
    assert.deepEqual(fork.parent, { sessionId: original.id, messageId: manager.allMessages(original.id)[1]!.id });
    // The fork's traces: the call that forked it and the one after, each tied to the messages it brought.
    assert.deepEqual(
      manager.listTraces(fork.id).map((t) => t.messageIds.length),
      [2, 2],
    );
  });

  it('numbers a new fork after the highest, also when the user deleted an earlier one', async () => {
    await call([user('u1')], [assistant('a1')]);
    await call([user('u1')], [assistant('a1 b')]); // fork 1
    await call([user('u1')], [assistant('a1 c')]); // fork 2, of fork 1
    const first = sessions().find((s) => s.id.endsWith('.000001'))!;
    await manager.delete(first.id);
    await call([user('u1')], [assistant('a1 d')]); // fork 3: counting the forks left would name it fork 2 again
    assert.deepEqual(
      sessions()
        .map((s) => s.id.split('.')[1] ?? 'base')
        .sort(),
      ['000002', '000003', 'base'],
    );
    assert.deepEqual(texts(sessions().find((s) => s.id.endsWith('.000003'))!.id), ['u1', 'a1 d']);
  });

  it('forks on a regenerated reply, and stores a repeated call once', async () => {
    await call([user('u1')], [assistant('a1')]);
    await call([user('u1')], [assistant('a1')]);
    assert.equal(sessions().length, 1);
    assert.deepEqual(texts(sessions()[0]!.id), ['u1', 'a1']);
    assert.deepEqual(
      manager.listTraces(sessions()[0]!.id).map((t) => t.messageIds.length),
      [2, 0],
    );
    await call([user('u1')], [assistant('a1, put differently')]);
    const fork = sessions().find((s) => s.parent)!;
    assert.deepEqual(texts(fork.id), ['u1', 'a1, put differently']);
  });

  it('appends after a sliding window (the system prompt kept, old turns dropped) and after calls that send only the new message', async () => {
    const system = { role: 'system', parts: [{ type: 'text', content: 'sys' }] };
    await call([system, user('u1')], [assistant('a1')]);
    await call([system, user('u1'), assistant('a1'), user('u2')], [assistant('a2')]);
    await call([system, user('u2'), assistant('a2'), user('u3')], [assistant('a3')]);
    await call([user('u4')], [assistant('a4')]);
    assert.equal(sessions().length, 1);
    assert.deepEqual(texts(sessions()[0]!.id), ['sys', 'u1', 'a1', 'u2', 'a2', 'u3', 'a3', 'u4', 'a4']);
  });
});

describe('OTLP receiver: the older conventions', function () {
  this.timeout(30_000);
  let manager: SessionManager;
  let provider: BasicTracerProvider;
  beforeEach(async () => {
    manager = await SessionManager.open(tempDb(), { tracer: new Tracer('error') });
    const { url } = await manager.startOtlpReceiver({ port: 0 });
    provider = otelProvider(url, 'json');
  });
  afterEach(async () => {
    await provider.shutdown();
    await manager.close();
  });

  const span = async (attributes: Record<string, string | number>) => {
    provider.getTracer('t').startSpan('llm', { attributes }).end();
    await provider.forceFlush();
    const [session] = manager.list({}).items;
    return {
      session: manager.get(session!.id),
      messages: manager.allMessages(session!.id),
      traces: manager.listTraces(session!.id),
    };
  };

  it("reads Traceloop's flattened gen_ai.prompt.* / gen_ai.completion.* with tool calls, and gen_ai.usage.prompt_tokens", async () => {
    const { session, messages, traces } = await span({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Weather in Rome?',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.finish_reason': 'tool_calls',
      'gen_ai.completion.0.tool_calls.0.id': 'call_9',
      'gen_ai.completion.0.tool_calls.0.name': 'weather',
      'gen_ai.completion.0.tool_calls.0.arguments': '{"city":"Rome"}',
      'gen_ai.usage.prompt_tokens': 11,
      'gen_ai.usage.completion_tokens': 4,
    });
    assert.equal(session.title, 'Weather in Rome?');
    assert.deepEqual(
      messages.map((m) => [m.role, m.parts]),
      [
        ['user', [{ type: 'text', text: 'Weather in Rome?' }]],
        ['assistant', [{ type: 'tool_call', callId: 'call_9', name: 'weather', argumentsJson: '{"city":"Rome"}' }]],
      ],
    );
    assert.equal(messages[1]!.stopReason, 'tool_use');
    assert.deepEqual([traces[0]!.usage?.inputTokens, traces[0]!.usage?.outputTokens], [11, 4]);
  });

  it('reads gen_ai.system_instructions given as plain text, not a list of parts', async () => {
    const { messages } = await span({
      'gen_ai.system_instructions': 'Answer in French.',
      'gen_ai.input.messages': JSON.stringify([user('Hi')]),
    });
    assert.deepEqual(
      messages.map((m) => [m.role, m.parts]),
      [
        ['system', [{ type: 'text', text: 'Answer in French.' }]],
        ['user', [{ type: 'text', text: 'Hi' }]],
      ],
    );
  });

  it('reads gen_ai.prompt and gen_ai.completion as JSON lists', async () => {
    const { messages } = await span({
      'gen_ai.prompt': JSON.stringify([
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Hi' },
      ]),
      'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: 'Hello!' }]),
    });
    assert.deepEqual(
      messages.map((m) => `${m.role}: ${m.parts.map((p) => (p.type === 'text' ? p.text : '')).join('')}`),
      ['system: Be kind.', 'user: Hi', 'assistant: Hello!'],
    );
  });

  it("reads OpenInference's flattened messages: contents, tool calls, a tool message linked to its call, session.id, token counts", async () => {
    const attributes = {
      'openinference.span.kind': 'LLM',
      'session.id': 'oi-session',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.contents.0.message_content.type': 'text',
      'llm.input_messages.0.message.contents.0.message_content.text': 'Add 2 and 3',
      'llm.input_messages.1.message.role': 'assistant',
      'llm.input_messages.1.message.tool_calls.0.tool_call.id': 'call_a',
      'llm.input_messages.1.message.tool_calls.0.tool_call.function.name': 'add',
      'llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments': '{"a":2,"b":3}',
      'llm.input_messages.2.message.role': 'tool',
      'llm.input_messages.2.message.tool_call_id': 'call_a',
      'llm.input_messages.2.message.content': '5',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'It is 5.',
      'llm.token_count.prompt': 50,
      'llm.token_count.completion': 6,
      'llm.token_count.prompt_details.cache_read': 32,
    };
    const { session, messages, traces } = await span(attributes);
    assert.deepEqual(session.metadata, { otlp: { service: 'test-app', conversation: 'oi-session' } });
    assert.deepEqual(
      messages.map((m) => [m.role, m.parts]),
      [
        ['user', [{ type: 'text', text: 'Add 2 and 3' }]],
        ['assistant', [{ type: 'tool_call', callId: 'call_a', name: 'add', argumentsJson: '{"a":2,"b":3}' }]],
        ['tool', [{ type: 'tool_result', callId: 'call_a', name: 'add', content: '5' }]],
        ['assistant', [{ type: 'text', text: 'It is 5.' }]],
      ],
    );
    assert.deepEqual(traces[0]!.usage, { inputTokens: 50, outputTokens: 6, totalTokens: 56, cachedInputTokens: 32 });
    assert.equal(traces[0]!.modelRequested, 'gpt-4o-mini');
  });
});
