// What one model call was sent and what came back: the record the turn inspector shows, the store keeps and
// OTLP export reads. Shaped like OpenTelemetry's spans: a turn span (one per call the product makes) with a
// child span per HTTP attempt (retries included). Never holds an API key or an auth header.
import { z } from 'zod';
import { Usage } from './model';

/** OpenTelemetry ids: 16 bytes (trace) and 8 bytes (span) as lowercase hex, never all zero. */
export const TraceId = z.string().regex(/^(?!0{32})[0-9a-f]{32}$/);
export const SpanId = z.string().regex(/^(?!0{16})[0-9a-f]{16}$/);
const randomHex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

const isoTime = z.string().datetime({ offset: true });
/** Header names in lowercase; values as received. Auth headers are dropped before this is built. */
const Headers = z.record(z.string(), z.string());

/** One HTTP request/response pair of a call: the first try or a retry. */
export const TraceAttempt = z.object({
  spanId: SpanId,
  startedAt: isoTime,
  endedAt: isoTime.optional(),
  /** The URL without key parameters (Gemini's `key=`). */
  url: z.string(),
  method: z.string(),
  requestHeaders: Headers,
  /** The body exactly as sent (text). */
  requestBody: z.string(),
  status: z.number().int().optional(),
  responseHeaders: Headers.optional(),
  /** The response body for a non-streamed or failed response (the provider's error body); absent for a stream. */
  responseBody: z.string().optional(),
  /** Provider request ids from the response headers (x-request-id, request-id, …). */
  requestIds: z.record(z.string(), z.string()).default({}),
  /** Why this attempt failed (network error, HTTP status), when it did. */
  error: z.string().optional(),
});
export type TraceAttempt = z.infer<typeof TraceAttempt>;

const count = z.number().int().nonnegative();
/** Optional in a trace (traces recorded before these were added still parse). */
export const TrimmedHistory = z.object({ turns: count, messages: count });
export type TrimmedHistory = z.infer<typeof TrimmedHistory>;
export const DroppedItems = z.object({ reasoning: count, providerItems: count, providerIds: count });
export type DroppedItems = z.infer<typeof DroppedItems>;

// 'otlp': a span an app sent to the OTLP receiver (src/core/otlp), not a call the product made.
export const TRACE_OPERATIONS = [
  'send',
  'regenerate',
  'replay',
  'connection-test',
  'simulate',
  'debug',
  'otlp',
] as const;
export const TRACE_APIS = ['responses', 'conversations', 'messages', 'generateContent', 'replay', 'otlp'] as const;

/** One model call the product made, from the first byte sent to the last received. */
export const TurnTrace = z.object({
  traceId: TraceId,
  spanId: SpanId,
  /** Absent for calls outside a session (a connection test). */
  sessionId: z.string().optional(),
  /** The messages this call stored (the user message it answered, the reply); empty when it stored none. */
  messageIds: z.array(z.string()).default([]),
  operation: z.enum(TRACE_OPERATIONS),
  provider: z.string(),
  api: z.enum(TRACE_APIS),
  modelRequested: z.string(),
  modelAnswered: z.string().optional(),
  streamed: z.boolean(),
  startedAt: isoTime,
  /** When the first token (text, reasoning or tool-call delta) arrived. */
  firstTokenAt: isoTime.optional(),
  endedAt: isoTime,
  outcome: z.enum(['ok', 'error', 'cancelled']),
  /** The core error's code and sentence, when the call failed. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** For a streamed reply, the final response as the provider assembled it; else the parsed response body. */
  response: z.unknown().optional(),
  usage: Usage.optional(),
  /** The oldest whole turns the request left out to fit the model's context window (Anthropic), when it did. */
  trimmed: TrimmedHistory.optional(),
  /** Data another provider made that this one cannot read, left out of the request, when there was any. */
  dropped: DroppedItems.optional(),
  /** The request was edited in the debugger before it was sent: the JSON paths it changed (at most 50). */
  edited: z.object({ paths: z.array(z.string()).max(50) }).optional(),
  attempts: z.array(TraceAttempt),
});
export type TurnTrace = z.infer<typeof TurnTrace>;

/** Where the core hands each finished trace (the store; a test's array). */
export type TraceSinkFn = (trace: TurnTrace) => void | Promise<void>;
