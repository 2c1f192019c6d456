// The receiver against hostile and broken senders: every refusal says why, comes before the body is read
// where the headers tell, and stores nothing; a partly broken request stores what is sound and says what
// it rejected; a retried request stores nothing twice; 10,000 spans in one request are all stored.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import { BatchSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import protobuf from 'protobufjs';
import descriptor from '../../src/core/otlp/otlp-proto.json';
import { tempDb } from '../helpers/temp';

const LIMIT = 256 * 1024;

/** One POST; resolves to the status and body even when the server answers before the body was sent. */
function post(
  url: string,
  body: Buffer | undefined,
  headers: Record<string, string | number>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/traces`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      // latin1 keeps a protobuf answer's bytes as they are; the JSON answers are ASCII.
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    // Without a body, the request stays open after its headers: only an answer to them resolves this.
    if (body) req.end(body);
    else req.flushHeaders();
  });
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const JSON_TYPE = { 'Content-Type': 'application/json' };

function exportRequest(spans: Array<Record<string, unknown>>) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-app' } }] },
        scopeSpans: [{ scope: { name: 'raw' }, spans }],
      },
    ],
  };
}

function chat(spanId: string, text: string) {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId,
    name: 'chat gpt-test',
    kind: 3,
    startTimeUnixNano: '1767225600000000000',
    endTimeUnixNano: '1767225601000000000',
    attributes: [
      { key: 'gen_ai.conversation.id', value: { stringValue: 'c1' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-test' } },
      {
        key: 'gen_ai.input.messages',
        value: { stringValue: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]) },
      },
    ],
  };
}

describe('OTLP receiver: hostile and broken requests', function () {
  this.timeout(60_000);
  let manager: SessionManager;
  let url: string;
  const stored = () => manager.list({}).total;
  beforeEach(async () => {
    manager = await SessionManager.open(tempDb(), { tracer: new Tracer('error') });
    ({ url } = await manager.startOtlpReceiver({ port: 0, token: 'fake-token-for-tests', maxBytes: LIMIT }));
  });
  afterEach(() => manager.close());
  const auth = { Authorization: 'Bearer fake-token-for-tests' };

  it('refuses a missing or wrong bearer token with 401, and takes the right one', async () => {
    const body = json(exportRequest([chat('00f067aa0ba902b7', 'Hello')]));
    assert.equal((await post(url, body, JSON_TYPE)).status, 401);
    const wrong = await post(url, body, { ...JSON_TYPE, Authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.match(JSON.parse(wrong.body).message, /bearer token/);
    assert.equal(stored(), 0);
    assert.equal((await post(url, body, { ...JSON_TYPE, ...auth })).status, 200);
    assert.equal(stored(), 1);
  });

  it('refuses a body declared over the limit with 413 on its headers, before a byte of it is sent', async () => {
    const res = await post(url, undefined, { ...JSON_TYPE, ...auth, 'Content-Length': LIMIT + 1 });
    assert.equal(res.status, 413);
    assert.match(JSON.parse(res.body).message, /The body \(262145 bytes\) is over the receiver's limit/);
    assert.equal(stored(), 0);
  });

  it('refuses a chunked body with 413 once it passes the limit, and a gzip bomb once it inflates past it', async () => {
    const big = json(exportRequest([chat('00f067aa0ba902b7', 'x'.repeat(LIMIT))]));
    assert.equal((await post(url, big, { ...JSON_TYPE, ...auth, 'Transfer-Encoding': 'chunked' })).status, 413);
    // 64 MiB of spaces (valid JSON whitespace) gzips to about 64 KiB: under the limit as sent, far over it inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < LIMIT);
    const res = await post(url, bomb, { ...JSON_TYPE, ...auth, 'Content-Encoding': 'gzip' });
    assert.equal(res.status, 413);
    assert.match(JSON.parse(res.body).message, /inflated body/);
    // Sound gzip is taken.
    const ok = gzipSync(json(exportRequest([chat('00f067aa0ba902b7', 'Hello')])));
    assert.equal((await post(url, ok, { ...JSON_TYPE, ...auth, 'Content-Encoding': 'gzip' })).status, 200);
    assert.equal(stored(), 1);
  });

  it('refuses garbage protobuf, JSON of the wrong shape and non-JSON with 400 and a sentence, storing nothing', async () => {
    const protobuf = { 'Content-Type': 'application/x-protobuf', ...auth };
    // Field 1 (resource_spans), length-delimited, claiming far more bytes than follow.
    const garbage = await post(url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), protobuf);
    assert.equal(garbage.status, 400);
    for (const [body, sentence] of [
      [json({ resourceSpans: 'nope' }), /not OTLP JSON trace export: .*resourceSpans: array expected/],
      [json(exportRequest([{ ...chat('00f067aa0ba902b7', 'x'), traceId: 'not hex' }])), /traceId is not hex/],
      [json([1, 2]), /not an object/],
      [Buffer.from('{"resourceSpans": ['), /not JSON/],
    ] as const) {
      const res = await post(url, body, { ...JSON_TYPE, ...auth });
      assert.equal(res.status, 400);
      assert.match(JSON.parse(res.body).message, sentence);
    }
    assert.equal((await post(url, json({}), { 'Content-Type': 'text/plain', ...auth })).status, 415);
    assert.equal(stored(), 0);
  });

  it('stores the sound spans of a request, answers partial_success for the rest, and stores a retried request once', async () => {
    const body = json(
      exportRequest([
        chat('00f067aa0ba902b7', 'Hello'),
        { ...chat('00f067aa0ba902b8', 'Zero trace id'), traceId: '0'.repeat(32) },
        { ...chat('00f067aa0ba902b9', 'Short span id'), spanId: 'abcd' },
      ]),
    );
    const first = await post(url, body, { ...JSON_TYPE, ...auth });
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body), {
      partialSuccess: {
        rejectedSpans: '2',
        errorMessage: '2 span(s) rejected: a span has no valid trace id (16 bytes) or span id (8 bytes)',
      },
    });
    const again = await post(url, body, { ...JSON_TYPE, ...auth });
    assert.equal(again.status, 200);
    const [session] = manager.list({}).items;
    assert.deepEqual(
      manager.allMessages(session!.id).map((m) => m.parts),
      [[{ type: 'text', text: 'Hello' }]],
    );
    assert.equal(manager.listTraces(session!.id).length, 1);
    const stats = await manager.stopOtlpReceiver();
    assert.deepEqual(
      { spans: stats!.spans, stored: stats!.stored, duplicates: stats!.duplicates, rejected: stats!.rejected },
      { spans: 6, stored: 1, duplicates: 1, rejected: 4 },
    );
  });

  it('answers a protobuf request in protobuf: ExportTraceServiceResponse with partial_success', async () => {
    const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
    const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
    const id = (hex: string) => Buffer.from(hex, 'hex');
    const span = (spanId: Buffer) => ({
      traceId: id('5b8efff798038103d269b633813fc60c'),
      spanId,
      name: 'work',
      startTimeUnixNano: 1767225600000000000n.toString(),
      endTimeUnixNano: 1767225601000000000n.toString(),
    });
    const body = Request.encode(
      Request.fromObject({
        resourceSpans: [{ scopeSpans: [{ spans: [span(id('00f067aa0ba902b7')), span(id('00'))] }] }],
      }),
    ).finish();
    const res = await post(url, Buffer.from(body), { 'Content-Type': 'application/x-protobuf', ...auth });
    assert.equal(res.status, 200);
    const answer = Response.toObject(Response.decode(Buffer.from(res.body, 'latin1')), { longs: Number });
    assert.deepEqual(answer, {
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage: '1 span(s) rejected: a span has no valid trace id (16 bytes) or span id (8 bytes)',
      },
    });
    assert.equal(manager.list({}).items[0]!.title, 'Spans without a conversation (unknown_service)');
  });

  it('binds to 127.0.0.1 only', async () => {
    await assert.rejects(manager.startOtlpReceiver({ port: 0, host: '0.0.0.0' }), /already listening/);
    await manager.stopOtlpReceiver();
    await assert.rejects(manager.startOtlpReceiver({ port: 0, host: '0.0.0.0' }), /127\.0\.0\.1 only/);
    await assert.rejects(manager.startOtlpReceiver({ port: 0, host: '::' }), /127\.0\.0\.1 only/);
  });

  it('stores 10,000 spans of one request from the SDK (1,000 conversations of 10 calls, each resending its history)', async () => {
    await manager.stopOtlpReceiver();
    ({ url } = await manager.startOtlpReceiver({ port: 0 }));
    const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, timeoutMillis: 60_000 });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'load' }),
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          maxQueueSize: 10_000,
          maxExportBatchSize: 10_000,
          scheduledDelayMillis: 60_000,
        }),
      ],
    });
    const tracer = provider.getTracer('load');
    for (let turn = 0; turn < 10; turn++)
      for (let c = 0; c < 1000; c++) {
        const history = Array.from({ length: turn + 1 }, (_, t) => [
          { role: 'user', parts: [{ type: 'text', content: `c${c} question ${t}` }] },
          ...(t < turn ? [{ role: 'assistant', parts: [{ type: 'text', content: `c${c} answer ${t}` }] }] : []),
        ]).flat();
        const span = tracer.startSpan('chat', { startTime: Date.UTC(2026, 0, 1, 0, turn, c % 60) });
        span.setAttributes({
          'gen_ai.conversation.id': `c${c}`,
          'gen_ai.request.model': 'gpt-test',
          'gen_ai.input.messages': JSON.stringify(history),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: `c${c} answer ${turn}` }] },
          ]),
        });
        span.end(Date.UTC(2026, 0, 1, 0, turn, c % 60, 500));
      }
    await provider.forceFlush();
    await provider.shutdown();
    const stats = await manager.stopOtlpReceiver();
    assert.equal(stats!.requests, 1);
    assert.equal(stats!.stored, 10_000);
    assert.equal(stats!.messagesAdded, 20_000);
    const { items, total } = manager.list({ limit: 5 });
    assert.equal(total, 1000);
    assert.equal(items[0]!.messageCount, 20);
  });
});
