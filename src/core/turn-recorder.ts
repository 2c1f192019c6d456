// Builds the TurnTrace of one model call (send, replay re-run, connection test) and hands it to the sink:
// the provider fills in the HTTP attempts (HttpRecording), the turn code says when the first token came,
// how the call ended and which messages it stored. Without a sink nothing is recorded at all.
import { CoreError, describeError } from './errors';
import type { ProviderName } from './names';
import { HttpRecording } from './providers/http-trace';
import type { ProviderReply, StreamEvent } from './providers/provider';
import type { Tracer } from './trace';
import {
  type TRACE_APIS,
  type TRACE_OPERATIONS,
  type TraceSinkFn,
  type TurnTrace,
  newSpanId,
  newTraceId,
} from './turn-trace';

export type TraceOperation = (typeof TRACE_OPERATIONS)[number];

/** The API each provider speaks unless it says otherwise (OpenAI bound to a conversation). */
const USUAL_API: Record<ProviderName, (typeof TRACE_APIS)[number]> = {
  openai: 'responses',
  anthropic: 'messages',
  gemini: 'generateContent',
  replay: 'replay',
};

export interface TracedCall {
  operation: TraceOperation;
  provider: ProviderName;
  modelRequested: string;
  streamed: boolean;
  sessionId?: string;
}

export class TurnRecorder {
  private readonly http = new HttpRecording();
  private readonly startedAt = new Date().toISOString();
  private firstTokenAt?: string;
  private endedAt?: string;
  private finished = false;

  constructor(
    private readonly call: TracedCall,
    private readonly sink: TraceSinkFn | undefined,
    private readonly tracer?: Tracer,
  ) {}

  /** Where the provider records this call's HTTP requests; undefined (no recording) without a sink. */
  get recording(): HttpRecording | undefined {
    return this.sink ? this.http : undefined;
  }

  /** Notes when the first token (text, reasoning or a tool call) arrived. */
  observe(e: StreamEvent): void {
    if (this.firstTokenAt) return;
    if (e.type === 'text_delta' || e.type === 'reasoning_delta' || e.type.startsWith('tool_call_'))
      this.firstTokenAt = new Date().toISOString();
  }

  /** The call's last byte is in (storing the reply afterwards is not part of the call). */
  ended(): void {
    this.endedAt ??= new Date().toISOString();
  }

  /** Hands the finished trace to the sink; a sink that fails is reported as a warning, never to the turn. */
  async finish(end: { reply?: ProviderReply; error?: CoreError; messageIds: string[] }): Promise<void> {
    if (!this.sink || this.finished) return;
    this.finished = true;
    try {
      await this.http.settled();
      await this.sink(this.build(end));
    } catch (e) {
      this.tracer?.warn(`The trace of this ${this.call.provider} call could not be recorded: ${describeError(e)}`, {
        ...(this.call.sessionId ? { sessionId: this.call.sessionId } : {}),
      });
    }
  }

  private build({ reply, error, messageIds }: { reply?: ProviderReply; error?: CoreError; messageIds: string[] }) {
    const endedAt = this.endedAt ?? new Date().toISOString();
    const attempts = this.http.attempts.map((a) => (a.endedAt ? a : { ...a, endedAt }));
    const response = reply ? (this.call.streamed ? reply.native : (parsedBody(attempts) ?? reply.native)) : undefined;
    const trace: TurnTrace = {
      traceId: newTraceId(),
      spanId: newSpanId(),
      ...(this.call.sessionId ? { sessionId: this.call.sessionId } : {}),
      messageIds,
      operation: this.call.operation,
      provider: this.call.provider,
      api: this.http.api ?? USUAL_API[this.call.provider],
      modelRequested: this.call.modelRequested,
      ...(reply ? { modelAnswered: reply.model } : {}),
      streamed: this.call.streamed,
      startedAt: this.startedAt,
      ...(this.firstTokenAt ? { firstTokenAt: this.firstTokenAt } : {}),
      endedAt,
      outcome: !error ? 'ok' : error.code === 'Cancelled' ? 'cancelled' : 'error',
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      ...(response !== undefined ? { response } : {}),
      ...(reply?.usage ? { usage: reply.usage } : {}),
      ...(this.http.trimmed ? { trimmed: this.http.trimmed } : {}),
      ...(this.http.dropped ? { dropped: this.http.dropped } : {}),
      ...(this.http.edited ? { edited: { paths: this.http.edited } } : {}),
      attempts,
    };
    return trace;
  }
}

/** The last successful attempt's body as JSON: what a plain (non-streamed) request got back. */
function parsedBody(attempts: TurnTrace['attempts']): unknown {
  const last = attempts.findLast((a) => a.status !== undefined && a.status < 300 && a.responseBody);
  try {
    return last ? JSON.parse(last.responseBody!) : undefined;
  } catch {
    return undefined;
  }
}

/** A failure as the core error the trace records (anything else is an internal error). */
export function asCoreError(e: unknown): CoreError {
  return e instanceof CoreError ? e : new CoreError('Internal', describeError(e), {}, { cause: e });
}
