// Recorded model calls (turn-trace.ts) as OTLP/JSON: an `ExportTraceServiceRequest` in the JSON Protobuf
// encoding (opentelemetry-proto v1.11.0, docs/specification.md "JSON Protobuf Encoding": ids as hex, 64-bit
// integers as decimal strings, enums as integers) that Langfuse, Phoenix (through a collector) or any OTLP
// receiver imports. One span per call with the GenAI semantic conventions' attributes (genai-messages.ts names
// the version followed) and a child span per HTTP attempt with the HTTP client conventions' attributes.
// Hand-written rather than built with @opentelemetry/otlp-transformer: its serializer takes the SDK's live
// ReadableSpan objects (sdk-trace-base, resources, core) whose shape changes between its 0.x releases, for a
// document this small; test/unit/otlp.test.ts checks every export against the official .proto files instead.
import { genAiRequest, genAiResponse } from './genai-messages';
import type { TraceAttempt, TurnTrace } from './turn-trace';

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };
export interface KeyValue {
  key: string;
  value: AnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  /** Absent when unset (a call that did not fail): proto3 JSON leaves out default values. */
  status?: { code: number; message: string };
}
export interface ExportTraceServiceRequest {
  resourceSpans: Array<{
    resource: { attributes: KeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version: string }; spans: OtlpSpan[] }>;
    schemaUrl?: string;
  }>;
}

/** Span.SpanKind and Status.StatusCode of trace.proto (OK is for an operator's verdict, not ours to set). */
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

/** `gen_ai.provider.name`'s well-known values for the providers the core calls (Gemini: the AI Studio API). */
const PROVIDER_NAME: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini' };

type Attribute = string | number | boolean | string[] | undefined;

/** Attributes in order, leaving out what is not known; whole numbers as intValue, others as doubleValue. */
function attributes(entries: Array<[string, Attribute]>, doubles: ReadonlySet<string> = new Set()): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, v] of entries) {
    if (v === undefined) continue;
    if (Array.isArray(v)) out.push({ key, value: { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } });
    else if (typeof v === 'string') out.push({ key, value: { stringValue: v } });
    else if (typeof v === 'boolean') out.push({ key, value: { boolValue: v } });
    else if (Number.isInteger(v) && !doubles.has(key)) out.push({ key, value: { intValue: String(v) } });
    else out.push({ key, value: { doubleValue: v } });
  }
  return out;
}

/** An ISO time as nanoseconds since the epoch, keeping digits below the millisecond. */
export function unixNanos(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`Not a time: ${iso}`);
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const belowMs = BigInt(fraction.slice(3, 9).padEnd(6, '0'));
  return (BigInt(ms) * 1_000_000n + belowMs).toString();
}

const seconds = (from: string, to: string | undefined) => (to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined);

/** The call's operation: Gemini's generateContent is the conventions' `generate_content`, the others `chat`. */
const operationName = (t: TurnTrace) => (t.api === 'generateContent' ? 'generate_content' : 'chat');

function turnSpan(t: TurnTrace): OtlpSpan {
  const sent = t.attempts.at(-1);
  const request = genAiRequest(t.api, sent?.requestBody);
  const response = t.outcome === 'ok' ? genAiResponse(t.api, t.response) : undefined;
  const server = sent ? serverOf(sent.url) : undefined;
  const u = t.usage;
  const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
  return {
    traceId: t.traceId,
    spanId: t.spanId,
    name: `${operationName(t)} ${t.modelRequested}`,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: unixNanos(t.startedAt),
    endTimeUnixNano: unixNanos(t.endedAt),
    attributes: attributes(
      [
        ['gen_ai.operation.name', operationName(t)],
        ['gen_ai.provider.name', PROVIDER_NAME[t.provider] ?? t.provider],
        ['gen_ai.request.model', t.modelRequested],
        ['gen_ai.conversation.id', t.sessionId],
        ['error.type', t.error?.code],
        ['server.address', server?.address],
        ['server.port', server?.port],
        ['gen_ai.request.stream', t.streamed || undefined],
        ['gen_ai.request.temperature', request?.temperature],
        ['gen_ai.request.max_tokens', request?.maxTokens],
        ['gen_ai.request.top_p', request?.topP],
        ['gen_ai.request.top_k', request?.topK],
        ['gen_ai.request.stop_sequences', request?.stopSequences],
        ['gen_ai.request.seed', request?.seed],
        ['gen_ai.response.id', response?.id],
        ['gen_ai.response.model', t.modelAnswered],
        ['gen_ai.response.finish_reasons', response?.finishReasons.length ? response.finishReasons : undefined],
        ['gen_ai.response.time_to_first_chunk', t.streamed ? seconds(t.startedAt, t.firstTokenAt) : undefined],
        ['gen_ai.usage.input_tokens', u?.inputTokens],
        ['gen_ai.usage.output_tokens', u?.outputTokens],
        ['gen_ai.usage.cache_read.input_tokens', u?.cachedInputTokens],
        ['gen_ai.usage.cache_creation.input_tokens', u?.cacheWriteTokens],
        ['gen_ai.usage.reasoning.output_tokens', u?.reasoningTokens],
        ['openai.api.type', t.provider === 'openai' ? 'responses' : undefined],
        ['gen_ai.system_instructions', json(request?.system)],
        ['gen_ai.tool.definitions', json(request?.tools)],
        ['gen_ai.input.messages', json(request?.messages)],
        ['gen_ai.output.messages', json(response?.messages)],
        ['langswarm.operation', t.operation],
        ['langswarm.message_ids', t.messageIds.length ? t.messageIds : undefined],
      ],
      new Set([
        'gen_ai.request.temperature',
        'gen_ai.request.top_p',
        'gen_ai.request.top_k',
        'gen_ai.response.time_to_first_chunk',
      ]),
    ),
    ...(t.outcome === 'ok' ? {} : { status: { code: STATUS_ERROR, message: t.error?.message ?? t.outcome } }),
  };
}

function attemptSpan(t: TurnTrace, a: TraceAttempt, index: number): OtlpSpan {
  const server = serverOf(a.url);
  const failed = a.error !== undefined || (a.status !== undefined && a.status >= 400);
  // A retry resends to the same URL (OpenAI's conversation creation before a reply is not a retry).
  const resends = t.attempts.slice(0, index).filter((b) => b.url === a.url && b.method === a.method).length;
  return {
    traceId: t.traceId,
    spanId: a.spanId,
    parentSpanId: t.spanId,
    name: a.method.toUpperCase(),
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: unixNanos(a.startedAt),
    // An attempt cut off (cancelled) has no end of its own: it ended with the call.
    endTimeUnixNano: unixNanos(a.endedAt ?? t.endedAt),
    attributes: attributes([
      ['http.request.method', a.method.toUpperCase()],
      ['url.full', a.url],
      ['server.address', server?.address],
      ['server.port', server?.port],
      ['http.response.status_code', a.status],
      ['http.request.resend_count', resends || undefined],
      ['error.type', failed ? (a.status !== undefined && a.status >= 400 ? String(a.status) : '_OTHER') : undefined],
      ...Object.entries(a.requestIds).map(([name, id]): [string, Attribute] => [`http.response.header.${name}`, [id]]),
    ]),
    ...(failed ? { status: { code: STATUS_ERROR, message: a.error ?? `HTTP ${a.status}` } } : {}),
  };
}

function serverOf(url: string): { address: string; port: number } | undefined {
  try {
    const u = new URL(url);
    return { address: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443 };
  } catch {
    return undefined;
  }
}

/** The calls as one OTLP/JSON export request: a turn span each, its attempts as children, oldest first. */
export function toOtlp(
  traces: readonly TurnTrace[],
  producer: { name: string; version: string },
): ExportTraceServiceRequest {
  const spans = traces.flatMap((t) => [turnSpan(t), ...t.attempts.map((a, i) => attemptSpan(t, a, i))]);
  return {
    resourceSpans: [
      {
        resource: {
          attributes: attributes([
            ['service.name', producer.name],
            ['service.version', producer.version],
          ]),
        },
        scopeSpans: [{ scope: { name: producer.name, version: producer.version }, spans }],
      },
    ],
  };
}
