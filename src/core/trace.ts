// Levelled events and timing spans for every core operation. The core only talks to this port;
// the CLI plugs in stderr/JSON-file sinks, the extension plugs in VS Code's log output channel.

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SpanInfo {
  name: string;
  sessionId?: string;
  durationMs: number;
  outcome: 'ok' | 'error';
  error?: string;
}

export interface TraceEvent {
  time: string;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
  span?: SpanInfo;
}

export type TraceSink = (event: TraceEvent) => void;

const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);

export function isAtLeast(level: LogLevel, threshold: LogLevel): boolean {
  return rank(level) >= rank(threshold);
}

export function parseLogLevel(value: string): LogLevel | undefined {
  return (LOG_LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : undefined;
}

export class Tracer {
  private readonly ring: TraceEvent[] = [];
  private ringStart = 0;
  private readonly sinks = new Set<TraceSink>();

  constructor(
    /** Events below this level are neither kept nor sent. */
    public level: LogLevel = 'debug',
    private readonly ringSize = 2000,
  ) {}

  addSink(sink: TraceSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  enabled(level: LogLevel): boolean {
    return isAtLeast(level, this.level);
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (this.enabled(level)) this.record({ time: new Date().toISOString(), level, message, fields });
  }

  trace(message: string, fields?: Record<string, unknown>) {
    this.log('trace', message, fields);
  }
  debug(message: string, fields?: Record<string, unknown>) {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>) {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>) {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>) {
    this.log('error', message, fields);
  }

  /** Times `fn` (sync or async) and records a span event at debug level (errors at warn). */
  span<T>(name: string, sessionId: string | undefined, fn: () => T): T {
    const start = performance.now();
    const finish = (error?: unknown) => {
      const durationMs = Math.round((performance.now() - start) * 1000) / 1000;
      const outcome = error === undefined ? 'ok' : 'error';
      // A refused request (bad input, unknown id) is routine; a failure of the machine is not.
      const expected = (error as { isUserError?: boolean } | undefined)?.isUserError === true;
      const level: LogLevel = error === undefined ? 'debug' : expected ? 'info' : 'warn';
      if (!this.enabled(level)) return;
      const span: SpanInfo = { name, durationMs, outcome };
      if (sessionId !== undefined) span.sessionId = sessionId;
      if (error !== undefined) span.error = error instanceof Error ? error.message : String(error);
      this.record({ time: new Date().toISOString(), level, message: `${name} ${outcome} ${durationMs}ms`, span });
    };
    let result: T;
    try {
      result = fn();
    } catch (e) {
      finish(e);
      throw e;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => {
          finish();
          return v;
        },
        (e: unknown) => {
          finish(e);
          throw e;
        },
      ) as T;
    }
    finish();
    return result;
  }

  /** The most recent events, oldest first, optionally only those of one session. */
  recent(filter?: { sessionId?: string; limit?: number }): TraceEvent[] {
    return pickRecent([...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)], filter);
  }

  /** Keeps and sends an event made elsewhere (the store's worker thread forwards its events here). */
  record(event: TraceEvent): void {
    if (this.ring.length < this.ringSize) this.ring.push(event);
    else {
      this.ring[this.ringStart] = event;
      this.ringStart = (this.ringStart + 1) % this.ringSize;
    }
    for (const sink of this.sinks) {
      try {
        sink(event);
      } catch {
        /* a broken sink must not break the operation it observes */
      }
    }
  }
}

/** Formats an event as one human line (the CLI's stderr sink). */
export function formatEvent(e: TraceEvent): string {
  const fields = e.fields && Object.keys(e.fields).length ? ` ${JSON.stringify(e.fields)}` : '';
  return `${e.time} [${e.level}] ${e.message}${fields}`;
}

/** The last `limit` of `events` (oldest first), only those of one session when `sessionId` is given. */
export function pickRecent(
  events: readonly TraceEvent[],
  filter?: { sessionId?: string; limit?: number },
): TraceEvent[] {
  const picked =
    filter?.sessionId === undefined
      ? [...events]
      : events.filter((e) => e.span?.sessionId === filter.sessionId || e.fields?.['sessionId'] === filter.sessionId);
  return filter?.limit === undefined ? picked : picked.slice(-filter.limit);
}
