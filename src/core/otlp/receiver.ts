// The OTLP/HTTP trace receiver: POST /v1/traces in protobuf or JSON, on 127.0.0.1 only. Every refusal
// happens before anything is stored and says why (a google.rpc.Status body, as OTLP/HTTP asks): 401 for a
// missing or wrong bearer token, 413 for a body over the limit (refused on its Content-Length, or as soon
// as the bytes read or inflated pass it), 415 for another content type or encoding, 400 for a payload that
// does not decode, 503 when the store could not write (the exporter retries). A request is stored whole
// or not at all (SessionManager.receiveSpans is one transaction).
import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CoreError, describeError, isCoreError } from '../errors';
import { type Encoding, type OtlpSpan, decodeTraces, encodeResponse, encodeStatus } from './decode';
import type { ReceiveResult } from './ingest';

export const DEFAULT_OTLP_PORT = 4318;
/** Bodies (and inflated bodies) over this are refused: the OpenTelemetry Collector's default is 20 MiB. */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
export const OTLP_HOST = '127.0.0.1';

export interface ReceiverOptions {
  port?: number;
  /** Only 127.0.0.1 is accepted: the receiver writes to the session store and has no TLS. */
  host?: string;
  token?: string;
  maxBytes?: number;
  /** Where the receiver reports a refused request or a store failure (one sentence). */
  log?: (message: string) => void;
}

export interface ReceiverStats {
  requests: number;
  refused: number;
  spans: number;
  stored: number;
  duplicates: number;
  rejected: number;
  sessionsCreated: number;
  messagesAdded: number;
}

export type SpanSink = (spans: OtlpSpan[]) => Promise<ReceiveResult>;

const gunzip = promisify(zlib.gunzip);
const GRPC = { 400: 3, 401: 16, 404: 12, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 } as const;
type RefusalStatus = keyof typeof GRPC;

class Refusal extends Error {
  constructor(
    readonly status: RefusalStatus,
    message: string,
  ) {
    super(message);
  }
}

export class OtlpReceiver {
  readonly stats: ReceiverStats = {
    requests: 0,
    refused: 0,
    spans: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    sessionsCreated: 0,
    messagesAdded: 0,
  };

  private constructor(
    private readonly server: http.Server,
    private readonly sink: SpanSink,
    private readonly options: ReceiverOptions & { maxBytes: number },
  ) {}

  static async start(sink: SpanSink, options: ReceiverOptions = {}): Promise<OtlpReceiver> {
    const host = options.host ?? OTLP_HOST;
    if (host !== OTLP_HOST)
      throw new CoreError(
        'InvalidInput',
        `The OTLP receiver listens on ${OTLP_HOST} only (it writes sessions and has no TLS); it will not bind to "${host}".`,
      );
    const port = options.port ?? DEFAULT_OTLP_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CoreError('InvalidInput', `The port must be a whole number from 0 to 65535, not ${port}.`);
    const server = http.createServer();
    const receiver = new OtlpReceiver(server, sink, { ...options, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
    server.on('request', (req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE'
            ? new CoreError(
                'InvalidInput',
                `Port ${port} on ${OTLP_HOST} is in use; choose another with --port (0 picks a free one).`,
              )
            : new CoreError('Internal', `The OTLP receiver could not listen on ${OTLP_HOST}:${port}: ${e.message}`),
        ),
      );
      server.listen(port, OTLP_HOST, () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${OTLP_HOST}:${this.port}`;
  }

  /** Stops listening (requests being stored finish first) and returns what was received. */
  async close(): Promise<ReceiverStats> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return { ...this.stats };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests++;
    let encoding: Encoding | undefined;
    try {
      encoding = this.check(req);
      const body = await this.read(req);
      const spans = decodeTraces(body, encoding);
      const result = await this.store(spans);
      const reason = result.rejected ? `${result.rejected} span(s) rejected: ${result.rejectedReason}` : '';
      this.send(res, 200, encoding, encodeResponse(encoding, result.rejected, reason));
    } catch (e) {
      const refusal = asRefusal(e);
      this.stats.refused++;
      this.options.log?.(`refused a request (${refusal.status}): ${refusal.message}`);
      // A body left unread (refused on its headers or size) is not drained: the connection closes.
      if (!req.complete) res.setHeader('Connection', 'close');
      this.send(res, refusal.status, encoding, encodeStatus(encoding, GRPC[refusal.status], refusal.message));
    }
  }

  /** Everything the headers can tell, before a byte of the body is read. */
  private check(req: http.IncomingMessage): Encoding {
    if ((req.url ?? '').split('?')[0] !== '/v1/traces')
      throw new Refusal(404, `This receiver takes traces only, at POST /v1/traces (not ${req.url}).`);
    if (req.method !== 'POST') throw new Refusal(405, `Use POST for /v1/traces, not ${req.method}.`);
    if (this.options.token !== undefined && !sameToken(req.headers.authorization, `Bearer ${this.options.token}`))
      throw new Refusal(401, 'The request has no valid bearer token (Authorization: Bearer …).');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding = type === 'application/x-protobuf' ? 'protobuf' : type === 'application/json' ? 'json' : undefined;
    if (!encoding)
      throw new Refusal(415, `Send application/x-protobuf or application/json, not "${type || 'no content type'}".`);
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (contentEncoding !== 'gzip' && contentEncoding !== 'identity')
      throw new Refusal(415, `The receiver takes gzip or uncompressed bodies, not "${contentEncoding}".`);
    const declared = Number(req.headers['content-length']);
    if (declared > this.options.maxBytes) throw new Refusal(413, this.tooLarge(`The body (${declared} bytes)`));
    return encoding;
  }

  private async read(req: http.IncomingMessage): Promise<Uint8Array> {
    // Events rather than for-await: leaving that loop early destroys the socket, and with it the 413.
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= this.options.maxBytes) return void chunks.push(chunk);
        req.off('data', onData).pause();
        reject(new Refusal(413, this.tooLarge('The body')));
      };
      req.on('data', onData).once('end', resolve).once('error', reject);
    });
    const body = Buffer.concat(chunks);
    if ((req.headers['content-encoding'] ?? '').toLowerCase() !== 'gzip') return body;
    try {
      // Bounded: a small body that inflates past the limit (a gzip bomb) stops at the limit.
      return await gunzip(body, { maxOutputLength: this.options.maxBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new Refusal(413, this.tooLarge('The inflated body'));
      throw new Refusal(400, `The body is not valid gzip: ${(e as Error).message}.`);
    }
  }

  private async store(spans: OtlpSpan[]): Promise<ReceiveResult> {
    const result = await this.sink(spans);
    this.stats.spans += result.spans;
    this.stats.stored += result.stored;
    this.stats.duplicates += result.duplicates;
    this.stats.rejected += result.rejected;
    this.stats.sessionsCreated += result.sessionsCreated;
    this.stats.messagesAdded += result.messagesAdded;
    return result;
  }

  private tooLarge(what: string): string {
    const max = this.options.maxBytes;
    const limit = max >= 1048576 ? `${(max / 1048576).toFixed(0)} MiB` : `${Math.round(max / 1024)} KiB`;
    return `${what} is over the receiver's limit of ${limit}; export smaller batches.`;
  }

  private send(res: http.ServerResponse, status: number, encoding: Encoding | undefined, body: Uint8Array): void {
    res.writeHead(status, {
      'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json',
      'Content-Length': body.length,
    });
    res.end(body);
  }
}

function sameToken(given: string | undefined, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

function asRefusal(e: unknown): Refusal {
  if (e instanceof Refusal) return e;
  if (isCoreError(e) && e.isUserError && e.code !== 'DatabaseBusy' && e.code !== 'DatabaseClosed')
    return new Refusal(400, e.message);
  // The store could not write (busy, full, closed): nothing was stored, and the exporter may retry.
  if (isCoreError(e)) return new Refusal(503, e.message);
  return new Refusal(500, describeError(e));
}
