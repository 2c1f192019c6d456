// The OTLP receiver: spans per second received and stored, in JSON and protobuf, against the same messages
// written through addMessages one call at a time (the baseline, in the same run). The requests are what the
// OpenTelemetry JS SDK's exporters send (captured once on a loopback server, then replayed), in batches of
// 512 spans as its BatchSpanProcessor sends them: 1,000 conversations of 10 calls (10,000 spans), each call resending its
// history, so deduplication is part of the work.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SessionManager } from '../../src/core/sessions';
import { Report, scaled } from './report';

const CALLS = 10;
const BATCH = 512;

type Call = { conversation: number; input: Array<{ role: string; text: string }>; output: string };

function calls(conversations: number): Call[] {
  const out: Call[] = [];
  for (let turn = 0; turn < CALLS; turn++)
    for (let c = 0; c < conversations; c++) {
      const input = [];
      for (let t = 0; t <= turn; t++) {
        input.push({ role: 'user', text: `Conversation ${c}, question ${t}: how does step ${t} of the plan work?` });
        if (t < turn)
          input.push({ role: 'assistant', text: `Step ${t} of conversation ${c} works like this, in short.` });
      }
      out.push({ conversation: c, input, output: `Step ${turn} of conversation ${c} works like this, in short.` });
    }
  return out;
}

const parts = (text: string) => [{ type: 'text', content: text }];

/** The request bodies the SDK's exporter sends for these calls (one span each). */
async function capture(encoding: 'json' | 'protobuf', all: Call[]): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' });
        res.end(encoding === 'json' ? '{}' : undefined);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const exporter = encoding === 'json' ? new JsonExporter({ url }) : new ProtoExporter({ url });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: all.length, maxExportBatchSize: BATCH })],
  });
  const tracer = provider.getTracer('bench');
  for (const call of all) {
    tracer
      .startSpan('chat', {
        attributes: {
          'gen_ai.conversation.id': `c${call.conversation}`,
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.input.messages': JSON.stringify(call.input.map((m) => ({ role: m.role, parts: parts(m.text) }))),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: parts(call.output) }]),
          'gen_ai.usage.input_tokens': 100,
          'gen_ai.usage.output_tokens': 20,
        },
      })
      .end();
  }
  await provider.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bodies;
}

async function receive(dir: string, encoding: 'json' | 'protobuf', bodies: Buffer[]): Promise<[number, number]> {
  const m = await SessionManager.open(path.join(dir, `${encoding}.sqlite`));
  const { url } = await m.startOtlpReceiver({ port: 0 });
  const type = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const start = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': type },
      body: new Uint8Array(body),
    });
    if (res.status !== 200) throw new Error(`the receiver answered ${res.status}: ${await res.text()}`);
  }
  const ms = performance.now() - start;
  const stats = await m.stopOtlpReceiver();
  await m.close();
  return [stats!.stored, ms];
}

/** The baseline: each call's new messages through addMessages, the way an app using the API would store them. */
async function direct(dir: string, all: Call[]): Promise<[number, number]> {
  const m = await SessionManager.open(path.join(dir, 'direct.sqlite'));
  const sessions = new Map<number, string>();
  const start = performance.now();
  for (const call of all) {
    let id = sessions.get(call.conversation);
    if (!id) sessions.set(call.conversation, (id = (await m.create({ provider: 'openai', model: 'gpt-4o' })).id));
    await m.addMessages(id, [
      { role: 'user', content: call.input.at(-1)!.text },
      { role: 'assistant', content: call.output },
    ]);
  }
  const ms = performance.now() - start;
  await m.close();
  return [all.length, ms];
}

export async function runOtlpBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-otlp-'));
  try {
    const all = calls(scaled(1000));
    const [baseCalls, baseMs] = await direct(dir, all);
    const baseline = baseCalls / (baseMs / 1000);
    report.add({
      suite: 'otlp',
      metric: `baseline: ${baseCalls} calls' new messages through addMessages, one write per call`,
      value: baseline,
      unit: 'calls/s',
    });
    for (const encoding of ['json', 'protobuf'] as const) {
      const bodies = await capture(encoding, all);
      const [stored, ms] = await receive(dir, encoding, bodies);
      if (stored !== all.length) throw new Error(`the receiver stored ${stored} of ${all.length} spans`);
      const rate = stored / (ms / 1000);
      const mib = bodies.reduce((n, b) => n + b.length, 0) / 1048576;
      report.add({
        suite: 'otlp',
        metric: `${encoding}: spans received and stored (${bodies.length} requests, ${mib.toFixed(1)} MiB, history resent)`,
        value: rate,
        unit: 'spans/s',
        note: `${(rate / baseline).toFixed(2)}x the baseline`,
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
