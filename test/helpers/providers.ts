// Shared set-up for provider tests: one mock server for the file, a fresh database per test, and
// per-provider views of the wire format so contract tests can be written once for all three.
import { ProviderConfig, createProvider } from '../../src/core/providers';
import type { Provider } from '../../src/core/providers/provider';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import { MockProvider, MockProviders, Recorded } from '../mock-providers/server';
import { tempDb } from './temp';
import type { ConversationAccess } from '../../src/extension/webview/turns';
import type { ProviderChoice } from '../../src/protocol';

export interface Wire {
  name: MockProvider;
  model: string;
  config(mock: MockProviders, extra?: Record<string, unknown>): ProviderConfig;
  /** The generation requests (not conversations or token counts). */
  generations(mock: MockProviders): Recorded[];
  authHeader(req: Recorded): string | undefined;
  system(req: Recorded): string | undefined;
  streamed(req: Recorded): boolean;
  /** The history as [role, text] pairs, roles normalized to user/assistant/tool. */
  history(req: Recorded): Array<[string, string]>;
}

const text = (parts: Array<Record<string, any>>) => parts.map((p) => p.text ?? p.content ?? '').join('');

export const WIRES: Wire[] = [
  {
    name: 'openai',
    model: 'gpt-test',
    config: (mock, extra) => ({ name: 'openai', apiKey: mock.keys.openai, baseUrl: `${mock.url}/v1`, ...extra }),
    generations: (mock) => mock.calls('openai', '/v1/responses'),
    authHeader: (req) => req.headers['authorization'],
    system: (req) => req.body.instructions,
    streamed: (req) => req.body.stream === true,
    history: (req) =>
      (req.body.input as Array<Record<string, any>>).flatMap((i): Array<[string, string]> => {
        if (i.type === 'message') return [[i.role, typeof i.content === 'string' ? i.content : text(i.content)]];
        if (i.type === 'function_call') return [['assistant', `call ${i.name}(${i.arguments})`]];
        if (i.type === 'function_call_output') return [['tool', i.output]];
        return [];
      }),
  },
  {
    name: 'anthropic',
    model: 'claude-test',
    config: (mock, extra) => ({ name: 'anthropic', apiKey: mock.keys.anthropic, baseUrl: mock.url, ...extra }),
    generations: (mock) => mock.calls('anthropic').filter((r) => r.path === '/v1/messages'),
    authHeader: (req) => req.headers['authorization'],
    system: (req) => req.body.system?.map((b: { text: string }) => b.text).join(''),
    streamed: (req) => req.body.stream === true,
    history: (req) =>
      (req.body.messages as Array<{ role: string; content: Array<Record<string, any>> }>).flatMap((m) =>
        m.content.map((b): [string, string] => {
          if (b.type === 'tool_use') return ['assistant', `call ${b.name}(${JSON.stringify(b.input)})`];
          if (b.type === 'tool_result') return ['tool', b.content];
          return [m.role, b.text ?? ''];
        }),
      ),
  },
  {
    name: 'gemini',
    model: 'gemini-test',
    config: (mock, extra) => ({ name: 'gemini', apiKey: mock.keys.gemini, baseUrl: mock.url, ...extra }),
    generations: (mock) => mock.calls('gemini').filter((r) => /GenerateContent|generateContent/.test(r.path)),
    authHeader: (req) => req.headers['x-goog-api-key'] as string | undefined,
    system: (req) => req.body.systemInstruction?.parts?.map((p: { text: string }) => p.text).join(''),
    streamed: (req) => req.path.endsWith(':streamGenerateContent') && req.query.get('alt') === 'sse',
    history: (req) =>
      (req.body.contents as Array<{ role: string; parts: Array<Record<string, any>> }>).flatMap((c) =>
        c.parts.map((p): [string, string] => {
          if (p.functionCall)
            return ['assistant', `call ${p.functionCall.name}(${JSON.stringify(p.functionCall.args)})`];
          if (p.functionResponse)
            return ['tool', JSON.stringify(p.functionResponse.response.output ?? p.functionResponse.response.error)];
          return [c.role === 'model' ? 'assistant' : c.role, p.text ?? ''];
        }),
      ),
  },
];

export function wire(name: MockProvider): Wire {
  return WIRES.find((w) => w.name === name)!;
}

/** Starts the mock for the enclosing describe() and gives each test a fresh database. */
export function useMock(): { mock: MockProviders; manager: () => SessionManager; dbPath: () => string } {
  const mock = new MockProviders();
  let manager: SessionManager | undefined;
  let db = '';
  before(async () => {
    await mock.start();
  });
  after(async () => {
    await mock.stop();
  });
  beforeEach(async () => {
    mock.reset();
    db = tempDb();
    manager = await SessionManager.open(db, { tracer: new Tracer('warn') });
  });
  afterEach(async () => {
    await manager?.close();
  });
  return { mock, manager: () => manager!, dbPath: () => db };
}

export function providerFor(w: Wire, mock: MockProviders, extra?: Record<string, unknown>): Provider {
  return createProvider(w.config(mock, extra));
}

/**
 * For the history browser's composer: OpenAI through its real SDK against the mock server; Replay for itself, and
 * (as the editor does without a key) for any other provider. `continueHow` answers "how to continue a recorded
 * session" (default: in a fork), and `asked` lists the sessions it was asked about.
 */
export function mockAccess(
  mock: MockProviders,
  options: { continueHow?: () => 'fork' | 'here' | undefined } = {},
): Omit<ConversationAccess, 'choices'> & { asked: string[]; choices(): ProviderChoice[] } {
  const asked: string[] = [];
  return {
    asked,
    provider: async (name, manager, recordedFrom) => {
      if (name === 'openai')
        return {
          provider: createProvider({ name, apiKey: mock.keys.openai, baseUrl: `${mock.url}/v1`, maxRetries: 0 }),
        };
      const recorded =
        recordedFrom && (await manager.find(recordedFrom)) ? await manager.allMessages(recordedFrom) : undefined;
      const provider = createProvider({ name: 'replay', chunkSize: 4, recorded });
      return name === 'replay'
        ? { provider }
        : { provider, note: `No API key is set for ${name}; answering with the offline Replay provider.` };
    },
    choices: () => [
      { name: 'openai', models: ['gpt-5.5', 'gpt-5.4-mini'] },
      { name: 'anthropic', models: ['claude-sonnet-5-5'], offline: 'No API key is set for Anthropic.' },
      { name: 'gemini', models: ['gemini-2.5-pro'], offline: 'No API key is set for Gemini.' },
      {
        name: 'replay',
        models: ['recorded'],
        offline: 'Replay answers only from the recording this session was forked from.',
      },
    ],
    continueHow: async (session) => {
      asked.push(session.id);
      return options.continueHow ? options.continueHow() : 'fork';
    },
  };
}
