// Sample sessions for first use and demos: every part type, every status, one long session.
import type { NewMessage, SessionStatus } from './model';
import type { SessionApi } from './sessions';

interface DemoSession {
  title: string;
  provider: string;
  model: string;
  status: SessionStatus;
  systemPrompt?: string;
  tags: string[];
  messages: NewMessage[];
}

const usage = (input: number, output: number) => ({
  inputTokens: input,
  outputTokens: output,
  totalTokens: input + output,
});

const DEMO: DemoSession[] = [
  {
    title: 'Weekend trip: weather in Lisbon',
    provider: 'openai',
    model: 'gpt-4o',
    status: 'active',
    tags: ['demo', 'travel'],
    systemPrompt: 'You are a concise travel assistant. Use tools for live data.',
    messages: [
      { role: 'user', content: 'Will it rain in Lisbon this weekend? I want to walk around Alfama.' },
      {
        role: 'assistant',
        stopReason: 'tool_use',
        usage: usage(182, 24),
        provider: { name: 'openai', model: 'gpt-4o' },
        providerIds: { responseId: 'resp_demo_1' },
        parts: [
          {
            type: 'tool_call',
            callId: 'call_weather_1',
            name: 'get_forecast',
            argumentsJson: '{"city":"Lisbon","days":["Sat","Sun"]}',
          },
        ],
      },
      {
        role: 'tool',
        parts: [
          {
            type: 'tool_result',
            callId: 'call_weather_1',
            name: 'get_forecast',
            content: '{"Sat":{"rain_mm":0,"high_c":24},"Sun":{"rain_mm":3.2,"high_c":21}}',
          },
        ],
      },
      {
        role: 'assistant',
        stopReason: 'end_turn',
        usage: usage(240, 61),
        provider: { name: 'openai', model: 'gpt-4o' },
        content:
          'Saturday looks **dry and sunny** (24 °C) — ideal for Alfama. Sunday brings light showers (about 3 mm), so plan museums like the *Museu do Azulejo* then.',
      },
    ],
  },
  {
    title: 'Refactor the CSV parser',
    provider: 'anthropic',
    model: 'claude-sonnet-5-5',
    status: 'active',
    tags: ['demo', 'code'],
    systemPrompt: 'You are a senior TypeScript reviewer.',
    messages: [
      {
        role: 'user',
        content:
          'This parser breaks on quoted commas:\n\n```ts\nexport const parse = (line: string) => line.split(",");\n```\nHow would you fix it?',
      },
      {
        role: 'assistant',
        stopReason: 'end_turn',
        usage: usage(96, 210),
        provider: { name: 'anthropic', model: 'claude-sonnet-5-5' },
        parts: [
          {
            type: 'reasoning',
            text: 'Need a small state machine over characters; handle escaped quotes ("").',
            opaque: { provider: 'anthropic', signature: 'sig-demo' },
          },
          {
            type: 'text',
            text: 'Split on commas only outside quotes, and treat `""` as an escaped quote:\n\n```ts\nexport function parse(line: string): string[] {\n  const out: string[] = [];\n  let cur = "", quoted = false;\n  for (let i = 0; i < line.length; i++) {\n    const c = line[i];\n    if (quoted && c === \'"\' && line[i + 1] === \'"\') { cur += \'"\'; i++; }\n    else if (c === \'"\') quoted = !quoted;\n    else if (c === "," && !quoted) { out.push(cur); cur = ""; }\n    else cur += c;\n  }\n  out.push(cur);\n  return out;\n}\n```',
          },
        ],
      },
      { role: 'user', content: 'Nice. What about newlines inside quotes?' },
      {
        role: 'assistant',
        stopReason: 'end_turn',
        usage: usage(330, 58),
        content:
          'Then parse the whole input, not line by line: keep `quoted` across newlines and emit a row only on a newline outside quotes.',
      },
    ],
  },
  {
    title: 'Quarterly revenue summary',
    provider: 'gemini',
    model: 'gemini-2.5-pro',
    status: 'paused',
    tags: ['demo', 'finance'],
    messages: [
      {
        role: 'user',
        content: 'Summarise Q3: revenue 4.2M (+12% QoQ), churn 2.1%, two enterprise deals slipped to Q4.',
      },
      {
        role: 'assistant',
        usage: usage(64, 80),
        stopReason: 'end_turn',
        content:
          'Q3 revenue grew 12% to 4.2M with healthy churn (2.1%). Two enterprise deals moved to Q4 — upside for next quarter if they close.',
      },
    ],
  },
  {
    title: 'Prompt experiment (archived)',
    provider: 'openai',
    model: 'gpt-5.4-mini',
    status: 'archived',
    tags: ['demo'],
    messages: [
      { role: 'developer', content: 'Answer in exactly three words.' },
      { role: 'user', content: 'Describe the ocean.' },
      { role: 'assistant', content: 'Vast, deep, blue.', usage: usage(20, 4) },
    ],
  },
  {
    title: 'Rate-limited run',
    provider: 'anthropic',
    model: 'claude-haiku-5-5',
    status: 'error',
    tags: ['demo'],
    messages: [
      { role: 'user', content: 'Translate the release notes into German.' },
      {
        role: 'assistant',
        state: 'partial',
        content: 'Versionshinweise: Diese Version behebt',
        metadata: { error: 'Rate limited (429); retry after 20 s' },
      },
    ],
  },
];

/** Adds the demo sessions (tagged "demo") plus one long conversation; returns the new ids. */
export async function addDemoSessions(
  manager: SessionApi,
  options: { longSessionMessages?: number } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (const demo of DEMO) {
    const s = await manager.create({
      title: demo.title,
      provider: demo.provider,
      model: demo.model,
      tags: demo.tags,
      systemPrompt: demo.systemPrompt,
    });
    await manager.addMessages(s.id, demo.messages);
    if (demo.status !== 'active') await manager.setStatus(s.id, demo.status);
    ids.push(s.id);
  }
  const long = await manager.create({
    title: 'Long support thread',
    provider: 'replay',
    model: 'recorded',
    tags: ['demo', 'support'],
  });
  const count = options.longSessionMessages ?? 1200;
  const topics = ['login fails', 'invoice missing', 'export is slow', 'webhook retries', 'SSO setup', 'API limits'];
  const messages: NewMessage[] = [];
  for (let i = 0; i < count; i++) {
    const topic = topics[Math.floor(i / 2) % topics.length]!;
    messages.push(
      i % 2 === 0
        ? { role: 'user', content: `Ticket ${Math.floor(i / 2) + 1}: ${topic} — can you help?` }
        : {
            role: 'assistant',
            content: `For "${topic}", first check the status page, then share the request id from the error.`,
            usage: usage(40, 20),
          },
    );
  }
  for (let i = 0; i < messages.length; i += 500) await manager.addMessages(long.id, messages.slice(i, i + 500));
  ids.push(long.id);
  return ids;
}
