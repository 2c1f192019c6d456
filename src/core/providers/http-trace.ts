// Records every HTTP request an SDK provider makes for one call, at the fetch layer: the body is exactly
// what went over the wire, and each SDK retry is an attempt of its own. The call being recorded is found
// through AsyncLocalStorage, so one SDK client (made once per provider) serves concurrent calls, each
// recording only its own requests. Auth headers and key parameters are never recorded.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type DroppedItems, type TRACE_APIS, type TraceAttempt, type TrimmedHistory, newSpanId } from '../turn-trace';
import { networkDetail, scrubSecrets } from './provider';

/** What one call's HTTP requests were, and which API the provider spoke; filled in while the call runs. */
export class HttpRecording {
  readonly attempts: TraceAttempt[] = [];
  /** Set by the provider when it is not its usual one (OpenAI bound to a conversation). */
  api?: (typeof TRACE_APIS)[number];
  /** Set by the provider when the request left out history: old turns (to fit), another provider's items. */
  trimmed?: TrimmedHistory;
  dropped?: DroppedItems;
  /** A debugger's stop before the model call: sees the body as it will be sent, returns the body to send. */
  review?: RequestReview;
  /** The body's changed JSON paths, when the review edited it (the trace records the call as edited). */
  edited?: string[];
  private reviewed?: { original: string; sent: string };
  private readonly reads = new Set<Promise<void>>();

  /** Waits for the response bodies still being copied (error bodies, plain JSON replies). */
  async settled(): Promise<void> {
    while (this.reads.size) await Promise.all(this.reads);
  }

  track(read: Promise<void>): void {
    const done = read.finally(() => this.reads.delete(done));
    this.reads.add(done);
  }

  /**
   * The body to send for a model call: the review's answer, asked once per call (an SDK retry of the same body
   * sends the same edit without asking again). Other requests (OpenAI's conversation, a token count) pass.
   */
  async bodyToSend(url: string, method: string, text: string): Promise<string> {
    if (!this.review || method !== 'POST' || !isModelCall(url)) return text;
    if (this.reviewed?.original === text) return this.reviewed.sent;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return text; // not JSON: nothing a reviewer could edit
    }
    const edited = await this.review({ url, body });
    const sent = edited === undefined ? text : JSON.stringify(edited);
    if (sent !== text) this.edited = changedPaths(body, edited);
    this.reviewed = { original: text, sent };
    return sent;
  }
}

/** Sees a model call's request before it goes out; returns the body to send instead, or undefined for as is. */
export type RequestReview = (request: { url: string; body: unknown }) => Promise<unknown>;

/** Each provider's model call: OpenAI's POST /responses, Anthropic's /messages, Gemini's (stream)GenerateContent. */
export function isModelCall(url: string): boolean {
  const path = url.replace(/[?#].*$/, '');
  return /\/responses$|\/messages$|:(?:stream)?[Gg]enerateContent$/.test(path);
}

/** Where `b` differs from `a`, as JSON paths (`messages[2].content`), at most 50. */
export function changedPaths(a: unknown, b: unknown, at = '', out: string[] = []): string[] {
  if (out.length >= 50) return out;
  const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) changedPaths(a[i], b[i], `${at}[${i}]`, out);
  } else if (object(a) && object(b) && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      changedPaths(a[key], b[key], at ? `${at}.${key}` : key, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(at || '(body)');
  return out;
}

const current = new AsyncLocalStorage<HttpRecording>();

/** Runs `fn` so that the requests it makes through a recordingFetch are added to `recording`. */
export function recordInto<T>(recording: HttpRecording | undefined, fn: () => Promise<T>): Promise<T> {
  return recording ? current.run(recording, fn) : fn();
}

/** Request headers that carry a credential; never recorded (names in lowercase). */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'cookie',
  'set-cookie',
]);
/** Query parameters that carry a credential (Gemini accepts `key=`). */
const SECRET_PARAMS = ['key', 'api_key', 'apikey', 'access_token'];
/** Response headers that name the request at the provider, for its support. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-goog-request-id', 'openai-request-id'];

const now = () => new Date().toISOString();

function withoutSecrets(headers: Headers, clean: (text: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!SECRET_HEADERS.has(name.toLowerCase())) out[name.toLowerCase()] = clean(value);
  });
  return out;
}

function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    for (const name of [...url.searchParams.keys()])
      if (SECRET_PARAMS.includes(name.toLowerCase())) url.searchParams.delete(name);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return raw.replace(/([?&](?:key|api_key|apikey|access_token)=)[^&#]*/gi, '$1');
  }
}

/**
 * The body's text, and the body to send in its place when reading it would consume it (a stream is teed:
 * one branch goes out, the other is read here).
 */
async function bodyText(body: RequestInit['body']): Promise<{ text: string; send?: RequestInit['body'] }> {
  if (body === undefined || body === null) return { text: '' };
  if (typeof body === 'string') return { text: body };
  if (body instanceof URLSearchParams) return { text: body.toString() };
  if (body instanceof ArrayBuffer) return { text: new TextDecoder().decode(body) };
  if (ArrayBuffer.isView(body))
    return { text: new TextDecoder().decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) };
  if (body instanceof Blob) return { text: await body.text() };
  if (body instanceof ReadableStream) {
    const [out, copy] = body.tee();
    return { text: await new Response(copy).text(), send: out };
  }
  // FormData: its multipart boundary is chosen when sent, so the exact bytes cannot be known here.
  return { text: `[${Object.prototype.toString.call(body).slice(8, -1)} body]` };
}

function requestIds(headers: Headers): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) ids[name] = value;
  }
  return ids;
}

/**
 * `base` (the global fetch by default), recording each request into the call that runs it, if any. `apiKey`
 * is cut out of anything recorded, wherever it appears (beyond the auth headers, which are left out).
 */
export function recordingFetch(
  apiKey: string | undefined,
  base: typeof fetch = (input, init) => fetch(input, init),
): typeof fetch {
  const clean = (text: string) => (apiKey ? text.split(apiKey).join('[key]') : text);
  return async (input, init) => {
    const recording = current.getStore();
    if (!recording) return base(input, init);
    const request = input instanceof Request ? input : undefined;
    let sent = init;
    let text: string;
    if (init?.body !== undefined && init.body !== null) {
      const body = await bodyText(init.body);
      text = body.text;
      if (body.send !== undefined) sent = { ...init, body: body.send };
    } else text = request ? await request.clone().text() : '';
    const headers = new Headers(request?.headers);
    new Headers(init?.headers).forEach((value, name) => {
      headers.set(name, value);
    });
    const url = request ? request.url : String(input);
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const reviewed = await recording.bodyToSend(url, method, text);
    if (reviewed !== text) {
      text = reviewed;
      headers.delete('content-length'); // fetch measures the new body itself
      sent = { ...init, method, headers, body: reviewed };
      if (request) input = request.url;
    }
    const attempt: TraceAttempt = {
      spanId: newSpanId(),
      startedAt: now(),
      url: clean(safeUrl(url)),
      method,
      requestHeaders: withoutSecrets(headers, clean),
      requestBody: clean(text),
      requestIds: {},
    };
    recording.attempts.push(attempt);
    let response: Response;
    try {
      response = await base(input, sent);
    } catch (e) {
      attempt.endedAt = now();
      attempt.error = init?.signal?.aborted ? 'cancelled' : networkDetail(e);
      throw e;
    }
    attempt.status = response.status;
    attempt.responseHeaders = withoutSecrets(response.headers, clean);
    attempt.requestIds = requestIds(response.headers);
    if (!response.ok) attempt.error = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const streamed = /^text\/event-stream/i.test(response.headers.get('content-type') ?? '');
    if (streamed && response.ok) return response; // ends with the call; its final response is the trace's
    // Read from a clone: the SDK reads the original.
    recording.track(
      response
        .clone()
        .text()
        .then(
          (body) => {
            // Some providers echo the key (masked or not) in an auth error.
            attempt.responseBody = response.ok ? clean(body) : scrubSecrets(body, apiKey);
          },
          (e: unknown) => {
            attempt.error ??= `the response body could not be read: ${networkDetail(e)}`;
          },
        )
        .finally(() => {
          attempt.endedAt = now();
        }),
    );
    return response;
  };
}
