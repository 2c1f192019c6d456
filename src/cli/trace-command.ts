// `trace SESSION [--turn N] [--json | --otlp FILE] [--prices FILE]`: the model calls recorded for a session
// (store/trace-store.ts), each with its cost. N is a message's number as `show` prints it (#N, its seq): the
// calls that stored that message (the question it asked or the reply it brought). --otlp writes them as
// OTLP/JSON (core/otlp.ts) to a file, or to stdout with `-`.
import { version } from '../../package.json';
import { Cost, PriceOverrides, formatUsd, usageCost } from '../core/cost';
import { CoreError } from '../core/errors';
import { toOtlp } from '../core/otlp';
import type { SessionManager } from '../core/sessions';
import type { TraceSummary } from '../core/store/trace-store';
import type { TraceAttempt, TurnTrace } from '../core/turn-trace';
import type { Command, Output } from './command';
import { count, need, str } from './command';
import { outTarget, writeOutFile } from './files';
import { pricesArg, pricesOption } from './prices';

export const traceCommand = {
  usage:
    'trace SESSION [--turn N] [--json | --otlp FILE|-] [--prices FILE]   (the recorded model calls and their cost; N: a message number as show prints it; --json: bodies as sent, responses, usage, timing; --otlp: OTLP/JSON with the GenAI semantic conventions, for Langfuse or Phoenix)',
  options: { turn: { type: 'string' }, json: { type: 'boolean' }, otlp: { type: 'string' }, ...pricesOption },
  parse([sessionId, ...extra], v) {
    const id = need(sessionId, 'SESSION');
    if (extra.length) throw new CoreError('InvalidInput', `Unexpected argument "${extra[0]}".`);
    const turn = str(v['turn']) === undefined ? undefined : count(v['turn'], '--turn', 1);
    const otlp = v['otlp'] === undefined ? undefined : need(v['otlp'], '--otlp FILE (or - for stdout)');
    if (otlp !== undefined && v['json']) throw new CoreError('InvalidInput', 'Give --json or --otlp, not both.');
    if (otlp !== undefined && otlp !== '-') outTarget(otlp, '--otlp');
    const { overrides } = pricesArg(v);
    return {
      database: 'read',
      async run(m, out) {
        const session = m.get(id);
        const seqs = new Map(m.outline(session.id).map((o) => [o.id, o.seq]));
        let messageId: string | undefined;
        if (turn !== undefined) {
          messageId = [...seqs].find(([, seq]) => seq === turn)?.[0];
          if (!messageId) throw new CoreError('InvalidInput', `Session ${session.id} has no message #${turn}.`);
        }
        const calls = m.listTraces(session.id, { messageId });
        if (otlp !== undefined) return writeOtlp(m, out, otlp, calls);
        if (v['json']) return printJson(m, out, session.id, turn, calls, seqs, overrides);
        if (calls.length === 0) {
          out.line(`no recorded model calls${turn === undefined ? '' : ` stored message #${turn}`}`);
          return;
        }
        for (const [i, call] of calls.entries()) printCall(out, i + 1, call, seqs, callCost(call, overrides));
      },
    };
  },
} satisfies Command;

const ms = (from: string, to: string | undefined) => (to ? Date.parse(to) - Date.parse(from) : undefined);

/** What the call cost, priced like its reply (the model that answered, as of when it ran); none without usage. */
function callCost(c: TraceSummary, overrides: PriceOverrides): Cost | undefined {
  if (!c.usage) return undefined;
  const producer = { name: c.provider, model: c.modelAnswered ?? c.modelRequested };
  return usageCost(c.usage, producer, { at: c.startedAt, overrides });
}

function writeOtlp(m: SessionManager, out: Output, file: string, calls: TraceSummary[]): void {
  const text = JSON.stringify(
    toOtlp(
      calls.map((c) => m.getTrace(c.spanId)),
      { name: 'langswarm-sessions', version },
    ),
  );
  if (file === '-') return out.line(text);
  writeOutFile(file, `${text}\n`, undefined, '--otlp');
  process.stderr.write(`wrote ${file} (${calls.length} call${calls.length === 1 ? '' : 's'} as OTLP/JSON)\n`);
}

function printCall(out: Output, n: number, c: TraceSummary, seqs: Map<string, number>, cost: Cost | undefined): void {
  const model =
    c.modelAnswered && c.modelAnswered !== c.modelRequested
      ? `${c.modelRequested} → ${c.modelAnswered}`
      : c.modelRequested;
  out.line(`call ${n} · ${c.operation} · ${c.provider} ${c.api} · ${model} · ${c.outcome}`);
  const firstToken = ms(c.startedAt, c.firstTokenAt);
  out.line(
    `  ${c.startedAt} · took ${ms(c.startedAt, c.endedAt)} ms${firstToken === undefined ? '' : ` · first token after ${firstToken} ms`}${c.streamed ? ' · streamed' : ''}`,
  );
  if (c.usage) {
    const u = c.usage;
    out.line(
      `  tokens: input ${u.inputTokens} (cached ${u.cachedInputTokens ?? 0}, cache write ${u.cacheWriteTokens ?? 0}) · output ${u.outputTokens} (reasoning ${u.reasoningTokens ?? 0})`,
    );
  }
  if (cost)
    out.line(`  cost: ${cost.known ? `${formatUsd(cost.total)} (${cost.table})` : `price unknown: ${cost.reason}`}`);
  const messages = c.messageIds.map((id) => (seqs.has(id) ? `#${seqs.get(id)}` : `${id} (deleted)`));
  if (messages.length) out.line(`  messages: ${messages.join(', ')}`);
  const ids = Object.entries(c.requestIds).map(([k, v]) => `${k} ${v}`);
  out.line(`  attempts: ${c.attemptCount}${ids.length ? ` · ${ids.join(', ')}` : ''}`);
  if (c.error) out.line(`  error: ${c.error.code}: ${c.error.message}`);
  out.line(`  span ${c.spanId} · trace ${c.traceId}`);
}

/** A body as sent: parsed when it is JSON (what a reader wants to walk), else its text. */
function asSent(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function attemptJson(a: TraceAttempt) {
  return {
    spanId: a.spanId,
    startedAt: a.startedAt,
    endedAt: a.endedAt,
    durationMs: ms(a.startedAt, a.endedAt),
    method: a.method,
    url: a.url,
    status: a.status,
    requestIds: a.requestIds,
    error: a.error,
    requestHeaders: a.requestHeaders,
    request: asSent(a.requestBody),
    responseHeaders: a.responseHeaders,
    responseBody: asSent(a.responseBody),
  };
}

function printJson(
  m: SessionManager,
  out: Output,
  sessionId: string,
  turn: number | undefined,
  calls: TraceSummary[],
  seqs: Map<string, number>,
  overrides: PriceOverrides,
): void {
  const full: TurnTrace[] = calls.map((c) => m.getTrace(c.spanId));
  out.json({
    session: sessionId,
    ...(turn === undefined ? {} : { turn }),
    calls: full.map((t, i) => ({
      ...calls[i],
      messages: t.messageIds.map((id) => ({ id, seq: seqs.get(id) ?? null })),
      request: asSent(t.attempts.at(-1)?.requestBody),
      response: t.response ?? null,
      usage: t.usage ?? null,
      cost: jsonCost(callCost(calls[i]!, overrides)),
      timing: {
        startedAt: t.startedAt,
        firstTokenAt: t.firstTokenAt ?? null,
        endedAt: t.endedAt,
        durationMs: ms(t.startedAt, t.endedAt),
        timeToFirstTokenMs: ms(t.startedAt, t.firstTokenAt) ?? null,
      },
      attempts: t.attempts.map(attemptJson),
    })),
  });
}

/** An unknown price is null with the reason, never 0. */
function jsonCost(cost: Cost | undefined) {
  if (!cost) return null;
  return cost.known
    ? { total: cost.total, currency: cost.currency, parts: cost.parts, table: cost.table }
    : { total: null, reason: cost.reason };
}
