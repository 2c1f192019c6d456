// Spans from real producers become sessions: the OpenTelemetry JS SDK's OTLP/HTTP exporters (JSON and
// protobuf) sending GenAI spans in each convention, and OpenInference's instrumentation of the real
// `openai` SDK talking to the local wire-protocol server.
import { strict as assert } from 'node:assert';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import { MockProviders } from '../mock-providers/server';
import { type ExportEncoding, assistant, chatSpan, otelProvider, user } from '../helpers/otlp';
import { tempDb } from '../helpers/temp';

const texts = (m: SessionManager, id: string) =>
  m
    .allMessages(id)
    .map(
      (x) =>
        `${x.role}: ${x.parts.map((p) => ('text' in p ? p.text : p.type === 'tool_call' ? `call ${p.name}(${p.argumentsJson})` : p.type === 'tool_result' ? `result ${p.name}=${p.content}` : p.type)).join(' ')}`,
    );

describe('OTLP receiver: spans from real producers become sessions', function () {
  this.timeout(30_000);
  let manager: SessionManager;
  let url: string;
  beforeEach(async () => {
    manager = await SessionManager.open(tempDb(), { tracer: new Tracer('error') });
    ({ url } = await manager.startOtlpReceiver({ port: 0 }));
  });
  afterEach(() => manager.close());

  for (const encoding of ['json', 'protobuf'] as ExportEncoding[]) {
    it(`${encoding}: a stateless app's resent history is stored once, tool calls linked, a trace per call`, async () => {
      const provider = otelProvider(url, encoding, { service: 'weather-bot' });
      const history = [{ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] }, user('Weather in Oslo?')];
      const call = {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }],
        finish_reason: 'tool_calls',
      };
      const result = { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: '3°C, snow' }] };
      chatSpan(provider, { conversation: 'conv-1', input: history, output: [call], usage: { input: 20, output: 5 } });
      chatSpan(provider, {
        conversation: 'conv-1',
        input: [...history, call, result],
        output: [assistant('3°C and snowing.')],
        usage: { input: 40, output: 7, cacheRead: 16 },
      });
      // A span that is not GenAI, in a trace of its own: kept, in the service's spans-without-a-conversation session.
      provider.getTracer('test').startSpan('GET /health').end();
      await provider.forceFlush();
      await provider.shutdown();

      const sessions = manager.list({}).items;
      const chat = sessions.find((s) => s.title === 'Weather in Oslo?')!;
      assert.ok(chat, `sessions: ${sessions.map((s) => s.title).join(', ')}`);
      assert.deepEqual(texts(manager, chat.id), [
        'system: Be brief.',
        'user: Weather in Oslo?',
        'assistant: call weather({"city":"Oslo"})',
        'tool: result weather=3°C, snow',
        'assistant: 3°C and snowing.',
      ]);
      const full = manager.get(chat.id);
      assert.equal(full.provider, 'openai');
      assert.deepEqual(full.metadata, { otlp: { service: 'weather-bot', conversation: 'conv-1' } });
      const traces = manager.listTraces(chat.id);
      assert.equal(traces.length, 2);
      const messages = manager.allMessages(chat.id);
      // Each call is tied to the messages it brought: the first to the system, user and tool call; the second to the rest.
      assert.deepEqual(
        traces.map((t) => t.messageIds),
        [messages.slice(0, 3).map((m) => m.id), messages.slice(3).map((m) => m.id)],
      );
      assert.deepEqual(
        traces.map((t) => [
          t.operation,
          t.api,
          t.modelRequested,
          t.modelAnswered,
          t.usage?.inputTokens,
          t.usage?.cachedInputTokens,
        ]),
        [
          ['otlp', 'otlp', 'gpt-test', 'gpt-test-2026', 20, undefined],
          ['otlp', 'otlp', 'gpt-test', 'gpt-test-2026', 40, 16],
        ],
      );
      assert.equal(messages.at(-1)!.usage?.outputTokens, 7);
      assert.equal(messages.at(-1)!.stopReason, 'end_turn');
      const loose = sessions.find((s) => s.title === 'Spans without a conversation (weather-bot)')!;
      assert.ok(loose);
      assert.deepEqual(
        manager.listTraces(loose.id).map((t) => t.provider),
        ['span'],
      );
      assert.equal(
        (manager.getTrace(manager.listTraces(loose.id)[0]!.spanId).response as { span: { name: string } }).span.name,
        'GET /health',
      );
    });
  }

  it('protobuf: the deprecated event form, grouped by trace without a conversation id, child spans in the same session, even those stored before the call', async () => {
    const provider = otelProvider(url, 'protobuf', { service: 'events-app', gzip: true });
    const tracer = provider.getTracer('test');
    const root = tracer.startSpan('agent run');
    const { trace, context } = await import('@opentelemetry/api');
    const ctx = trace.setSpan(context.active(), root);
    const chat = tracer.startSpan(
      'chat',
      { attributes: { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-test' } },
      ctx,
    );
    chat.addEvent('gen_ai.system.message', { content: 'You are terse.' });
    chat.addEvent('gen_ai.user.message', { content: 'Hi there' });
    chat.addEvent('gen_ai.choice', {
      index: 0,
      finish_reason: 'stop',
      message: JSON.stringify({ role: 'assistant', content: 'Hello.' }),
    });
    chat.setAttributes({ 'gen_ai.usage.input_tokens': 9, 'gen_ai.usage.output_tokens': 2 });
    // The call's HTTP span ends, and is stored, before the call: it waits without a conversation, then moves.
    tracer.startSpan('http POST', {}, trace.setSpan(ctx, chat)).end();
    await provider.forceFlush();
    assert.deepEqual(
      manager.list({}).items.map((s) => s.title),
      ['Spans without a conversation (events-app)'],
    );
    chat.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    const session = manager.list({}).items.find((s) => s.title === 'Hi there')!;
    assert.ok(
      session,
      JSON.stringify(
        manager
          .list({})
          .items.map((s) => [
            s.title,
            manager.allMessages(s.id).length,
            manager.listTraces(s.id).map((t) => (manager.getTrace(t.spanId).response as any).span.name),
          ]),
      ),
    );
    assert.equal(session.provider, 'anthropic');
    assert.deepEqual(texts(manager, session.id), ['system: You are terse.', 'user: Hi there', 'assistant: Hello.']);
    // All three spans of the trace are kept in the conversation's session, the call's with its messages.
    const traces = manager.listTraces(session.id);
    assert.equal(traces.length, 3);
    assert.deepEqual(traces.map((t) => t.messageIds.length).sort(), [0, 0, 3]);
    assert.equal(manager.list({}).items.length, 1);
  });

  it("OpenInference's openai instrumentation: the real SDK against the local server, a session per conversation", async () => {
    const mock = await new MockProviders().start();
    const provider = otelProvider(url, 'protobuf', { service: 'oi-app' });
    const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
    instrumentation.manuallyInstrument(OpenAI as never);
    try {
      mock.script(
        'openai',
        { text: 'Paris.', usage: { input: 12, output: 2 } },
        { text: 'About 2.1 million.', usage: { input: 30, output: 5 } },
      );
      const client = new OpenAI({ apiKey: mock.keys.openai, baseURL: `${mock.url}/v1` });
      const first = await client.responses.create({
        model: 'gpt-test',
        input: [{ role: 'user', content: 'Capital of France?' }],
      });
      await client.responses.create({
        model: 'gpt-test',
        input: [
          { role: 'user', content: 'Capital of France?' },
          { role: 'assistant', content: first.output_text },
          { role: 'user', content: 'Population?' },
        ],
      });
      await provider.forceFlush();
    } finally {
      instrumentation.disable();
      await provider.shutdown();
      await mock.stop();
    }
    // No conversation id: each call is its own trace, so its own session; the second holds the whole history.
    const sessions = manager.list({}).items;
    assert.deepEqual(sessions.map((s) => s.title).sort(), ['Capital of France?', 'Capital of France?']);
    const both = sessions.map((s) => texts(manager, s.id));
    assert.deepEqual(
      both.sort((a, b) => a.length - b.length),
      [
        ['user: Capital of France?', 'assistant: Paris.'],
        ['user: Capital of France?', 'assistant: Paris.', 'user: Population?', 'assistant: About 2.1 million.'],
      ],
    );
    const traces = sessions.flatMap((s) => manager.listTraces(s.id));
    assert.deepEqual(
      traces.map((t) => t.modelRequested),
      ['gpt-test', 'gpt-test'],
    );
    assert.deepEqual(traces.map((t) => t.usage?.inputTokens).sort(), [12, 30]);
  });
});
