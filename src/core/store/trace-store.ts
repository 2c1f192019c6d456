// Turn traces in the session database: recording one (its request bodies stored once per distinct history
// item, trace-bodies.ts), listing summaries, reading one back exactly, and retention. Everything read is
// checked: a damaged row, blob or compressed detail is a CoreError with a sentence, never a crash.
import { z } from 'zod';
import { CoreError, describeError } from '../errors';
import { TraceAttempt, TurnTrace } from '../turn-trace';
import type { Tx } from './connection';
import type { Row } from './rows';
import { W } from './schema';
import { BlobReader, BodyReader, StoredBody, deflateHex, inflateText, storeBody } from './trace-bodies';

/** A trace without its bodies and response: what lists and dumps show. */
export const TraceSummary = TurnTrace.omit({ attempts: true, response: true }).extend({
  attemptCount: z.number().int().nonnegative(),
  /** Provider request ids of every attempt. */
  requestIds: z.record(z.string(), z.string()),
});
export type TraceSummary = z.infer<typeof TraceSummary>;

/** How long traces are kept; unset means no limit. Messages are never pruned. */
export const TraceRetention = z.object({
  maxAgeDays: z.number().positive().optional(),
  maxMegabytes: z.number().positive().optional(),
});
export type TraceRetention = z.infer<typeof TraceRetention>;

/** The detail column: everything not in the summary, with bodies in their stored form. */
const StoredDetail = z.object({
  attempts: z.array(z.object({ requestBody: z.unknown() }).passthrough()),
  response: z.unknown().optional(),
});
const StoredBodyShape = z.union([
  z.object({ text: z.string() }).strict(),
  z.object({ parts: z.array(z.string()).min(1), lists: z.array(z.string().regex(/^[0-9a-f]{32}$/)) }).strict(),
]);

/** Rough bytes of a row beyond its columns' contents (keys, indexes, record headers), for the size limit. */
const ROW_OVERHEAD = 100;

/** Stores a trace; `trace` was checked by the caller (TurnTrace). */
export function insertTrace(tx: Tx, trace: TurnTrace): void {
  if (tx.get(`SELECT 1 AS x FROM turn_traces WHERE span_id = unhex(?)`, [trace.spanId]))
    throw new CoreError('InvalidInput', `A trace with span id ${trace.spanId} is already recorded.`);
  const { attempts, response } = trace;
  const bases = trace.sessionId === undefined ? [] : previousLists(tx, trace.sessionId);
  const stored = attempts.map((a) => ({ ...a, requestBody: storeBody(tx, a.requestBody, bases) }));
  // What the columns do not hold (they hold the rest, to keep each row small).
  const summary = {
    streamed: trace.streamed,
    firstTokenAt: trace.firstTokenAt,
    error: trace.error,
    usage: trace.usage,
    trimmed: trace.trimmed,
    dropped: trace.dropped,
    edited: trace.edited,
    attemptCount: attempts.length,
    requestIds: Object.assign({}, ...attempts.map((a) => a.requestIds)),
  };
  const detail = JSON.stringify(response === undefined ? { attempts: stored } : { attempts: stored, response });
  tx.run(W.insertTrace, [
    trace.spanId,
    trace.traceId,
    trace.sessionId ?? null,
    trace.operation,
    trace.provider,
    trace.api,
    trace.modelRequested,
    trace.modelAnswered ?? null,
    trace.startedAt,
    trace.endedAt,
    trace.outcome,
    JSON.stringify(trace.messageIds),
    deflateHex(JSON.stringify(summary)),
    deflateHex(detail),
  ]);
  const heads = new Set(stored.flatMap((a) => ('lists' in a.requestBody ? a.requestBody.lists : [])));
  for (const head of heads) tx.run(W.insertTraceRef, [head, trace.spanId]);
}

/** The list heads of the session's last recorded call: what a trimmed history continues. */
function previousLists(tx: Tx, sessionId: string): string[] {
  const row = tx.get<{ detail: unknown }>(
    `SELECT detail FROM turn_traces WHERE session_id = ? ORDER BY pk DESC LIMIT 1`,
    [sessionId],
  );
  if (!(row?.detail instanceof Uint8Array)) return [];
  try {
    const detail = StoredDetail.parse(JSON.parse(inflateText(row.detail, 'detail')));
    const bodies = detail.attempts.map((a) => StoredBodyShape.safeParse(a.requestBody).data);
    return [...new Set(bodies.flatMap((b) => (b && 'lists' in b ? b.lists : [])))];
  } catch {
    return []; // a damaged earlier trace is no base: this one is stored in full
  }
}

const SUMMARY_COLUMNS = `lower(hex(span_id)) AS span_id, lower(hex(trace_id)) AS trace_id, session_id, operation, provider, api, model_requested, model_answered, started_at,
  ended_at, outcome, message_ids, summary`;

/**
 * A session's traces, oldest first; with `messageId`, those that stored that message. `known`: summaries read
 * before, by span id (a trace never changes once recorded), reused rather than decompressed and checked again.
 */
export function listTraces(
  db: BlobReader & Reader,
  sessionId: string,
  messageId?: string,
  known?: ReadonlyMap<string, TraceSummary>,
): TraceSummary[] {
  const rows = guard(() =>
    messageId === undefined
      ? db.all<Row>(`SELECT ${SUMMARY_COLUMNS} FROM turn_traces WHERE session_id = ? ORDER BY pk`, [sessionId])
      : db.all<Row>(
          `SELECT ${SUMMARY_COLUMNS} FROM turn_traces WHERE session_id = ? AND json_valid(message_ids)
             AND EXISTS (SELECT 1 FROM json_each(message_ids) WHERE value = ?) ORDER BY pk`,
          [sessionId, messageId],
        ),
  );
  // Recorded in about the order they started; the sort (stable) makes it exact.
  return rows
    .map((row) => known?.get(String(row['span_id'])) ?? toSummary(row))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** One trace, whole: every body as it was sent. Undefined when there is none with that span id. */
export function getTrace(db: BlobReader & Reader, spanId: string): TurnTrace | undefined {
  const row = guard(() =>
    db.all<Row>(`SELECT ${SUMMARY_COLUMNS}, detail FROM turn_traces WHERE span_id = unhex(?)`, [spanId]),
  )[0];
  if (!row) return undefined;
  const { attemptCount: _count, requestIds: _ids, ...summary } = toSummary(row);
  const where = `the trace ${spanId}`;
  const stored: unknown = row['detail'];
  if (!(stored instanceof Uint8Array)) throw damaged(where, 'its detail is not stored data');
  const detail = StoredDetail.safeParse(parseJson(inflateText(stored, `detail of ${where}`), where));
  if (!detail.success) throw damaged(where, 'its detail has the wrong shape');
  const bodies = new BodyReader(db);
  const attempts = detail.data.attempts.map((a) => {
    const body = StoredBodyShape.safeParse(a.requestBody);
    if (!body.success) throw damaged(where, 'a request body is stored in an unknown form');
    return { ...a, requestBody: bodies.read(body.data as StoredBody) } as TraceAttempt;
  });
  const trace = TurnTrace.safeParse({ ...summary, attempts, response: detail.data.response });
  if (!trace.success) throw damaged(where, 'it does not hold a whole trace');
  return trace.data;
}

export interface Reader {
  all<T>(sql: string, params: Array<string | number>): T[];
}

/**
 * Deletes traces past the retention limits, oldest first, then the blobs no trace reaches. Bounded: the
 * size limit deletes in at most 16 rounds of a sixteenth of the traces each. Returns how many were deleted.
 */
export function pruneTraces(tx: Tx, retention: TraceRetention, now: Date): number {
  let deleted = 0;
  if (retention.maxAgeDays !== undefined) {
    const before = new Date(now.getTime() - retention.maxAgeDays * 86_400_000).toISOString();
    if (tx.get(`SELECT 1 AS x FROM turn_traces WHERE started_at < ? LIMIT 1`, [before])) {
      tx.run(W.deleteTracesBefore, [before]);
      deleted += tx.changes();
    }
  }
  if (retention.maxMegabytes !== undefined) {
    const limit = retention.maxMegabytes * 1024 * 1024;
    // The pages in use bound the traces' share: the exact sum (a scan) is only needed when they are more.
    const fileBytes = Number(tx.get<{ n: number }>(FILE_BYTES)?.n ?? 0);
    if (fileBytes > limit) {
      if (deleted > 0) collect(tx);
      const total = Number(tx.get<{ n: number }>(`SELECT count(*) AS n FROM turn_traces`)?.n ?? 0);
      const batch = Math.max(1, Math.ceil(total / 16));
      for (let round = 0; round < 17 && traceBytes(tx) > limit; round++) {
        tx.run(W.deleteOldestTraces, [batch]);
        if (tx.changes() === 0) break;
        deleted += tx.changes();
        collect(tx);
      }
      return deleted;
    }
  }
  if (deleted > 0) collect(tx);
  return deleted;
}

/** Deletes a session's traces and the blobs only they used. */
export function deleteSessionTraces(tx: Tx, sessionId: string): void {
  if (!tx.get(`SELECT 1 AS x FROM turn_traces WHERE session_id = ? LIMIT 1`, [sessionId])) return;
  tx.run(W.deleteSessionTraces, [sessionId]);
  collect(tx);
}

/** What the traces take in the database, roughly (contents plus a row overhead). */
export function traceBytes(tx: Pick<Tx, 'get'>): number {
  return Number(
    tx.get<{ n: number }>(
      `SELECT (SELECT coalesce(sum(length(detail) + length(summary) + length(message_ids) + ${ROW_OVERHEAD}), 0) FROM turn_traces)
            + (SELECT coalesce(sum(coalesce(length(data), 0) + ${ROW_OVERHEAD}), 0) FROM trace_blobs) AS n`,
    )?.n ?? 0,
  );
}

const FILE_BYTES = `SELECT (page_count - freelist_count) * page_size AS n FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`;

function collect(tx: Tx): void {
  tx.run(W.deleteOrphanTraceRefs);
  tx.run(W.collectTraceBlobs);
}

function toSummary(row: Row): TraceSummary {
  const where = `the trace ${String(row['span_id']).slice(0, 40)}`;
  const packed: unknown = row['summary'];
  if (!(packed instanceof Uint8Array)) throw damaged(where, 'its summary is not stored data');
  const summary = parseJson(inflateText(packed, `summary of ${where}`), where);
  const messageIds = parseJson(row['message_ids'], where);
  const optional = (column: string) => (row[column] === null ? undefined : row[column]);
  const parsed = TraceSummary.safeParse({
    ...(typeof summary === 'object' ? summary : {}),
    traceId: row['trace_id'],
    spanId: row['span_id'],
    sessionId: optional('session_id'),
    messageIds,
    operation: row['operation'],
    provider: row['provider'],
    api: row['api'],
    modelRequested: row['model_requested'],
    modelAnswered: optional('model_answered'),
    startedAt: row['started_at'],
    endedAt: row['ended_at'],
    outcome: row['outcome'],
  });
  if (!parsed.success) throw damaged(where, 'its summary has the wrong shape');
  for (const key of ['sessionId', 'modelAnswered'] as const)
    if (parsed.data[key] === undefined) delete parsed.data[key];
  return parsed.data;
}

function parseJson(text: unknown, where: string): unknown {
  if (typeof text !== 'string') throw damaged(where, 'a column holds no text');
  try {
    return JSON.parse(text);
  } catch {
    throw damaged(where, 'a column holds text that is not JSON');
  }
}

const damaged = (where: string, why: string) =>
  new CoreError('CorruptDatabase', `The session database's record of ${where} is damaged: ${why}.`);

/** SQL errors from a damaged row (malformed JSON in a json_each) become a sentence. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CoreError) throw e;
    throw new CoreError('CorruptDatabase', `The session database's traces could not be read (${describeError(e)}).`);
  }
}
