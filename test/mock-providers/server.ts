// One loopback HTTP server speaking the OpenAI, Anthropic and Gemini wire protocols (JSON and SSE,
// framed exactly as the real APIs frame them), so tests drive the real SDKs. It records every
// request (headers and body) and answers from a per-provider queue of scripted turns.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAnthropic } from './anthropic';
import { handleGemini } from './gemini';
import { handleOpenAI, OpenAIState } from './openai';

export type MockProvider = 'openai' | 'anthropic' | 'gemini';

/** What one reply should be; the provider's handler renders it in that provider's format. */
export interface Turn {
  text?: string;
  /** Explicit text deltas (default: the text in pieces of 4 characters). */
  chunks?: string[];
  /** Wait this long (ms) before each text delta, so the reply streams over time. */
  delayMs?: number;
  /** Before delta number `delta` (0-based), wait for `until`: a test looks at a half-streamed reply without racing it. */
  holdBefore?: { delta: number; until: Promise<unknown> };
  reasoning?: { text: string; signature?: string; encrypted?: string };
  toolCalls?: Array<{ id?: string; name: string; args: Record<string, unknown>; thoughtSignature?: string }>;
  usage?: { input: number; output: number };
  /** After the deltas, drop the connection ('destroy') or close it cleanly ('end') without the end-of-reply frames. */
  cut?: 'destroy' | 'end';
  /** After the deltas, keep the connection open until the client goes away (for cancel tests). */
  hang?: boolean;
  /** After the deltas, the provider's in-stream error frame instead of the end of the reply. */
  streamError?: boolean;
  /** Never answer (not even headers) until the client gives up: for timeouts. */
  stall?: boolean;
  /** Gemini: the prompt is blocked (promptFeedback.blockReason, no candidates). */
  blocked?: string;
  /** Frame the stream wrongly: Anthropic without `event:` lines, Gemini with them. */
  wrongFraming?: boolean;
  /** Answer with an HTTP error instead. */
  error?: { status: number; headers?: Record<string, string>; body?: unknown };
}

export interface Recorded {
  provider: MockProvider;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: any; // wire JSON, asserted field by field
  /** The body's text exactly as received (what a trace's requestBody must equal). */
  raw: string;
}

export interface Ctx {
  req: Recorded;
  res: http.ServerResponse;
  mock: MockProviders;
}

export class MockProviders {
  readonly requests: Recorded[] = [];
  /** Keys each provider accepts (a request with another key gets that provider's auth error). */
  readonly keys: Record<MockProvider, string> = {
    openai: 'test-openai-key',
    anthropic: 'test-anthropic-key',
    gemini: 'test-gemini-key',
  };
  readonly openai = new OpenAIState();
  /** Deltas sent per provider, to prove the SDK really yielded them. */
  readonly sentDeltas: Record<MockProvider, number> = { openai: 0, anthropic: 0, gemini: 0 };
  private readonly queues: Record<MockProvider, Turn[]> = { openai: [], anthropic: [], gemini: [] };
  private server?: http.Server;
  private readonly open = new Set<http.ServerResponse>();
  private readonly deltasOf = new WeakMap<Turn, number>();

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Closes what start() opened; at once when it never ran (a suite whose setup failed earlier). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    for (const q of Object.values(this.queues)) q.length = 0;
    for (const k of Object.keys(this.sentDeltas) as MockProvider[]) this.sentDeltas[k] = 0;
    this.openai.reset();
  }

  script(provider: MockProvider, ...turns: Turn[]): void {
    this.queues[provider].push(...turns);
  }

  /** The next scripted turn, or an echo of the last user text. */
  next(provider: MockProvider, lastUserText: string): Turn {
    return this.queues[provider].shift() ?? { text: `echo: ${lastUserText}` };
  }

  /** Counts a text delta about to be sent, after the turn's delay. */
  async delta(provider: MockProvider, turn: Turn): Promise<void> {
    if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
    const index = this.deltasOf.get(turn) ?? 0;
    this.deltasOf.set(turn, index + 1);
    if (turn.holdBefore?.delta === index) await turn.holdBefore.until;
    this.sentDeltas[provider] += 1;
  }

  calls(provider: MockProvider, pathPart = ''): Recorded[] {
    return this.requests.filter((r) => r.provider === provider && r.path.includes(pathPart));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const provider: MockProvider = url.pathname.startsWith('/v1/messages')
      ? 'anthropic'
      : url.pathname.includes('/models/')
        ? 'gemini'
        : 'openai';
    const recorded: Recorded = {
      provider,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
      raw: text,
    };
    this.requests.push(recorded);
    const ctx: Ctx = { req: recorded, res, mock: this };
    try {
      if (provider === 'openai') await handleOpenAI(ctx);
      else if (provider === 'anthropic') await handleAnthropic(ctx);
      else await handleGemini(ctx);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `mock failure: ${String(e)}` } });
      else res.destroy();
    }
  }
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function startSse(res: http.ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
}

/** Writes and waits until the bytes are handed to the socket (so a following cut loses nothing already written). */
export function write(res: http.ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(data, () => resolve());
  });
}

/** Whether the turn ends the stream early (right after the text deltas). */
export function endsEarly(turn: Turn): boolean {
  return Boolean(turn.cut || turn.hang || turn.streamError);
}

/** Ends the reply the way the turn asks: normally, with an error frame, by dropping the socket, by closing early, or by hanging. */
export async function finishStream(
  res: http.ServerResponse,
  turn: Turn,
  terminal: () => Promise<void>,
  errorFrame: () => Promise<void>,
): Promise<void> {
  if (turn.cut === 'destroy') {
    res.socket?.destroy();
    return;
  }
  if (turn.cut === 'end') {
    res.end();
    return;
  }
  if (turn.hang) {
    await untilClosed(res);
    return;
  }
  await (turn.streamError ? errorFrame() : terminal());
  res.end();
}

export function untilClosed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.on('close', () => resolve());
  });
}

export function deltas(turn: Turn): string[] {
  if (turn.chunks) return turn.chunks;
  const text = turn.text ?? '';
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 4) out.push(text.slice(i, i + 4));
  return out;
}

export function bearer(req: Recorded): string | undefined {
  return /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1];
}

/** Text of the last user message in any of the three request shapes, for echo replies. */
export function lastUserText(messages: unknown): string {
  const list = Array.isArray(messages)
    ? messages
    : typeof messages === 'string'
      ? [{ role: 'user', content: messages }]
      : [];
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as { role?: string; content?: unknown; parts?: Array<{ text?: string }> };
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    const parts = (Array.isArray(m.content) ? m.content : (m.parts ?? [])) as Array<{ text?: string; type?: string }>;
    const text = parts
      .filter((p) => typeof p.text === 'string')
      .map((p) => p.text)
      .join(' ');
    if (text) return text;
  }
  return '';
}
