// Sessions for the webview tests and screenshots: one conversation using every part type and detail the
// history browser shows, plus a few others to filter and search across.
import type { Session } from '../../src/core/model';
import type { SessionManager } from '../../src/core/sessions';

export const MARKDOWN = [
  '## Plan for the *trip*',
  '',
  'Here is what I found about **Paris weather** in June, with a [forecast link](https://example.com/forecast).',
  '',
  '- [x] check flights',
  '- [ ] book the hotel',
  '',
  '| Day | High | Low |',
  '|-----|-----:|----:|',
  '| Mon | 24°C | 15°C |',
  '| Tue | 26°C | 16°C |',
  '',
  '> Pack a light jacket for the evenings.',
  '',
  '```python',
  'def average(xs: list[float]) -> float:',
  '    """Mean of the readings."""',
  '    return sum(xs) / len(xs)  # never empty here',
  '```',
  '',
  'Inline `code` and an image ![the Eiffel tower](https://example.com/eiffel.png) that is never loaded.',
].join('\n');

export interface SampleIds {
  session: Session;
  ids: Record<string, string>;
}

/** The showcase conversation: every part type, tool call and result, states, usage, ids, an edit. */
export async function seedShowcase(m: SessionManager): Promise<SampleIds> {
  const session = await m.create({
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    title: 'Trip planning with tools',
    tags: ['travel', 'demo'],
    systemPrompt: 'You are a concise travel assistant. Use the weather tool when asked about weather.',
    metadata: { project: 'langswarm', temperature: 0.2 },
    createdAt: '2026-03-02T09:00:00.000Z',
  });
  const t = (min: number) => new Date(Date.UTC(2026, 2, 2, 9, min)).toISOString();
  const added = await m.addMessages(session.id, [
    {
      role: 'user',
      content: 'What is the weather in Paris in June? Also plan my trip.',
      createdAt: t(0),
      createdAtRaw: '02/03/2026 09:00:00 CET',
    },
    {
      role: 'assistant',
      createdAt: t(1),
      stopReason: 'tool_use',
      provider: { name: 'anthropic', model: 'claude-sonnet-4' },
      providerIds: { messageId: 'msg_01ABC', requestId: 'req_42' },
      usage: { inputTokens: 1200, cachedInputTokens: 800, outputTokens: 85, totalTokens: 1285 },
      parts: [
        {
          type: 'reasoning',
          text: 'The user wants weather, so call the **weather** tool first.',
          summary: ['Needs weather data'],
        },
        { type: 'text', text: 'Let me check the forecast.' },
        {
          type: 'tool_call',
          callId: 'call_weather_1',
          name: 'get_weather',
          argumentsJson: '{"city":"Paris","month":"June","units":"metric","days":[1,2,3]}',
        },
      ],
    },
    {
      role: 'tool',
      createdAt: t(1),
      parts: [
        {
          type: 'tool_result',
          callId: 'call_weather_1',
          name: 'get_weather',
          content: '{"city":"Paris","high":24,"low":15,"conditions":"sunny"}',
        },
      ],
    },
    {
      role: 'assistant',
      content: MARKDOWN,
      createdAt: t(2),
      stopReason: 'end_turn',
      provider: { name: 'anthropic', model: 'claude-sonnet-4' },
      usage: { inputTokens: 1400, outputTokens: 420, reasoningTokens: 64, totalTokens: 1820 },
      metadata: { latencyMs: 2140 },
    },
    {
      role: 'user',
      createdAt: t(45),
      parts: [
        { type: 'text', text: 'Here is my boarding pass and a photo.' },
        { type: 'image', mediaType: 'image/png', source: { kind: 'url', url: 'https://example.com/photo.png' } },
        {
          type: 'file',
          name: 'boarding-pass.pdf',
          mediaType: 'application/pdf',
          source: { kind: 'base64', data: 'JVBERi0xLjQK'.repeat(100) },
        },
      ],
    },
    {
      role: 'assistant',
      createdAt: t(46),
      state: 'partial',
      stopReason: 'max_tokens',
      content: 'Your flight leaves at 10:40 from CDG terminal 2E and the',
    },
    {
      role: 'assistant',
      createdAt: t(47),
      state: 'error',
      stopReason: 'refusal',
      parts: [{ type: 'refusal', text: 'I cannot read personal documents.' }],
    },
    {
      role: 'assistant',
      createdAt: t(48),
      parts: [
        { type: 'reasoning', redacted: true, opaque: { provider: 'anthropic', redactedData: 'xyz' } },
        {
          type: 'provider_item',
          provider: 'openai',
          item: { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        },
        { type: 'text', text: 'Done. Enjoy Paris!' },
      ],
      native: { anthropic: { id: 'msg_native' } },
    },
  ]);
  await m.editMessage(added[0]!.id, {
    content: 'What is the weather in Paris in June? Also please plan my whole trip.',
  });
  const names = ['question', 'toolCall', 'toolResult', 'markdown', 'attachments', 'partial', 'refusal', 'opaque'];
  return { session: m.get(session.id), ids: Object.fromEntries(names.map((n, i) => [n, added[i]!.id])) };
}

/** A few more sessions with other providers, statuses, tags and dates. */
export async function seedOthers(m: SessionManager): Promise<Session[]> {
  const made: Session[] = [];
  const specs = [
    {
      provider: 'openai',
      model: 'gpt-4o',
      title: 'Kubernetes latency debugging',
      tags: ['work'],
      createdAt: '2026-01-15T10:00:00.000Z',
      text: 'Why is the kubernetes ingress latency so high after the deploy?',
    },
    {
      provider: 'gemini',
      model: 'gemini-2.5-pro',
      title: 'Quarterly revenue forecast',
      tags: ['work', 'finance'],
      createdAt: '2025-11-03T08:00:00.000Z',
      text: 'Forecast the quarterly revenue from these numbers.',
    },
    {
      provider: 'openai',
      model: 'gpt-4o-mini',
      title: 'Archived recipe chat',
      tags: [],
      createdAt: '2025-06-01T12:00:00.000Z',
      text: 'A recipe with weather-proof picnic food.',
    },
  ];
  for (const s of specs) {
    const session = await m.create({
      provider: s.provider,
      model: s.model,
      title: s.title,
      tags: s.tags,
      createdAt: s.createdAt,
    });
    await m.addMessages(session.id, [
      { role: 'user', content: s.text, createdAt: s.createdAt },
      {
        role: 'assistant',
        content: `Answer about ${s.title.toLowerCase()}.`,
        createdAt: new Date(Date.parse(s.createdAt) + 30_000).toISOString(),
      },
    ]);
    made.push(session);
  }
  await m.archive(made[2]!.id);
  return made;
}

export const LONG = {
  tool: 'search_internal_knowledge_base_documents_by_semantic_similarity',
  callId: 'call_9f8e7d6c5b4a39281706f5e4d3c2b1a0_zyxwvutsrqponmlkjihgfedcba',
  model: 'gpt-4o-2024-08-06-extended-preview-deployment-eastus2',
  file: '/home/user/projects/agent/very/long/path/to/the/store/langswarm_sessions.db',
};

/** An imported session (LangSwarm V1) with long identifiers everywhere the issue saw them break the layout. */
export async function seedLongIdentifiers(m: SessionManager): Promise<Session> {
  const s = await m.create({
    provider: 'openai',
    model: LONG.model,
    title: 'session_5f0c2a9e',
    origin: {
      format: 'langswarm-v1-sqlite',
      file: LONG.file,
      originalId: 'session_5f0c2a9e',
      fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field_${i}`, `value ${i}`])),
    },
  });
  await m.addMessages(s.id, [
    { role: 'user', content: 'Look it up.', createdAt: '2026-03-02T09:00:00.000Z' },
    {
      role: 'assistant',
      createdAt: '2026-03-02T09:01:00.000Z',
      provider: { name: 'openai', model: LONG.model },
      providerIds: { responseId: `resp_${'0123456789abcdef'.repeat(6)}` },
      parts: [{ type: 'tool_call', callId: LONG.callId, name: LONG.tool, argumentsJson: '{"q":"x"}' }],
    },
    {
      role: 'tool',
      createdAt: '2026-03-02T09:02:00.000Z',
      parts: [{ type: 'tool_result', callId: LONG.callId, name: LONG.tool, content: '{"hits":[]}' }],
    },
  ]);
  return m.get(s.id);
}
