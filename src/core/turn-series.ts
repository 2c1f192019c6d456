// A session's model calls as per-turn series for the history browser's chart: tokens in (cached, written
// to the cache), tokens out (reasoning), cost, latency and the model's context window, with markers where
// the request was trimmed or the cache was hit. One turn per recorded call (turn trace); replies stored
// without a trace (imported, recorded before traces were) are turns from their usage alone. Columns, not
// objects: a 10,000-message session's series crosses from the store worker to the webview small.
import { type Cost, type PriceOverrides, type UsageRecord, contextWindow, usageCost } from './cost';
import { Usage } from './model';
import type { TraceSummary } from './store/trace-store';

/** `null` is a gap: not recorded, or (cost) not known. Never a 0 standing in for "unknown". */
type Column = Array<number | null>;

export interface TurnSeries {
  /** Epoch ms the call started (a reply without a trace: when it was stored), ascending. */
  at: number[];
  /** The message to reveal for the turn (its reply, else its user message), by seq; null when it is gone. */
  seq: Column;
  /** `provider/model` that answered (or was asked, when the call failed). */
  model: string[];
  outcome: Array<'ok' | 'error' | 'cancelled'>;
  /** Every input token, including cache reads and writes. */
  input: Column;
  cachedInput: Column;
  cacheWrite: Column;
  /** Every output token, including reasoning. */
  output: Column;
  reasoning: Column;
  /** USD; null when the price is unknown (why: `costUnknown`, an index into `reasons`) or nothing was used. */
  cost: Column;
  costUnknown: Column;
  reasons: string[];
  /** Start to end of the call, and to its first token (streams), in ms. */
  latencyMs: Column;
  firstTokenMs: Column;
  /** The answering model's context window in tokens; null when neither the price table nor an override knows it. */
  contextWindow: Column;
  /** Old turns the request left out to fit the window, and another provider's items it left out (0: none). */
  trimmedTurns: number[];
  droppedItems: number[];
  /** The price tables the costs come from (with their versions). */
  tables: string[];
}

/**
 * What turnSeries keeps between calls for one session, so that after a turn only that turn is read and priced:
 * trace summaries by span id (a trace never changes once recorded) and costs by the stored usage they price.
 */
export class SeriesMemo {
  traces: ReadonlyMap<string, TraceSummary> = new Map();
  private costs = new Map<string, Cost>();
  private pricedWith = '';

  /** Remembers this call's traces (only these: pruned ones are let go). */
  keepTraces(traces: readonly TraceSummary[]): void {
    this.traces = new Map(traces.map((t) => [t.spanId, t]));
  }

  cost(usage: unknown, producer: unknown, at: string, overrides: PriceOverrides | undefined): Cost {
    const prices = JSON.stringify(overrides ?? {});
    if (prices !== this.pricedWith) {
      this.costs.clear();
      this.pricedWith = prices;
    }
    const key = JSON.stringify([usage, producer, at]);
    let cost = this.costs.get(key);
    if (!cost) this.costs.set(key, (cost = usageCost(usage, producer, { at, overrides })));
    return cost;
  }
}

export interface SeriesInput {
  /** The session's replies with usage (SessionManager.usages). */
  usages: readonly UsageRecord[];
  /** The session's trace summaries (SessionManager.listTraces). */
  traces: readonly TraceSummary[];
  /** The session's messages' seqs by id (from its outline). */
  seqOf: ReadonlyMap<string, number>;
  overrides?: PriceOverrides;
  /** The session's memo from the previous call (none: everything is computed afresh). */
  memo?: SeriesMemo;
}

interface Turn {
  at: number;
  messageId?: string;
  producer: { name: string; model?: string };
  usage?: unknown;
  usageAt: string;
  outcome: TurnSeries['outcome'][number];
  latencyMs?: number;
  firstTokenMs?: number;
  trimmedTurns: number;
  droppedItems: number;
}

const NO_USAGE: Record<Turn['outcome'], string> = {
  ok: 'no usage was recorded',
  error: 'the call failed before the provider reported usage',
  cancelled: 'the call was stopped before the provider reported usage',
};

export function emptySeries(): TurnSeries {
  return {
    at: [],
    seq: [],
    model: [],
    outcome: [],
    input: [],
    cachedInput: [],
    cacheWrite: [],
    output: [],
    reasoning: [],
    cost: [],
    costUnknown: [],
    reasons: [],
    latencyMs: [],
    firstTokenMs: [],
    contextWindow: [],
    trimmedTurns: [],
    droppedItems: [],
    tables: [],
  };
}

export function turnSeries({ usages, traces, seqOf, overrides, memo }: SeriesInput): TurnSeries {
  const usageOf = new Map(usages.map((u) => [u.messageId, u]));
  const traced = new Set<string>();
  const turns: Turn[] = [];
  for (const t of traces) {
    for (const id of t.messageIds) traced.add(id);
    // The call's reply (stored last), else what it stored; the message's usage is the stored one cost.ts prices.
    const messageId = t.messageIds.at(-1);
    const stored = messageId === undefined ? undefined : usageOf.get(messageId);
    const start = Date.parse(t.startedAt);
    turns.push({
      at: start,
      messageId,
      producer: (stored?.provider as Turn['producer'] | undefined) ?? {
        name: t.provider,
        model: t.modelAnswered ?? t.modelRequested,
      },
      usage: stored?.usage ?? t.usage,
      usageAt: stored?.createdAt ?? t.startedAt,
      outcome: t.outcome,
      latencyMs: Date.parse(t.endedAt) - start,
      firstTokenMs: t.firstTokenAt === undefined ? undefined : Date.parse(t.firstTokenAt) - start,
      trimmedTurns: t.trimmed?.turns ?? 0,
      droppedItems: t.dropped ? t.dropped.reasoning + t.dropped.providerItems + t.dropped.providerIds : 0,
    });
  }
  for (const u of usages) {
    if (traced.has(u.messageId)) continue;
    const producer = u.provider as Turn['producer'] | undefined;
    turns.push({
      at: Date.parse(u.createdAt),
      messageId: u.messageId,
      producer: producer && typeof producer.name === 'string' ? producer : { name: '(unknown)' },
      usage: u.usage,
      usageAt: u.createdAt,
      outcome: 'ok',
      trimmedTurns: 0,
      droppedItems: 0,
    });
  }
  turns.sort((a, b) => a.at - b.at); // stable: calls started in the same ms keep their recorded order

  const series = emptySeries();
  const windows = new Map<string, number | undefined>();
  const reasonIndex = new Map<string, number>();
  for (const turn of turns) {
    const usage = Usage.safeParse(turn.usage);
    const u = usage.success ? usage.data : undefined;
    const key = `${turn.producer.name}/${turn.producer.model ?? '(no model recorded)'}`;
    if (!windows.has(key)) windows.set(key, contextWindow(turn.producer, overrides));
    series.at.push(turn.at);
    series.seq.push(turn.messageId === undefined ? null : (seqOf.get(turn.messageId) ?? null));
    series.model.push(key);
    series.outcome.push(turn.outcome);
    series.input.push(u ? u.inputTokens : null);
    series.cachedInput.push(u ? (u.cachedInputTokens ?? 0) : null);
    series.cacheWrite.push(u ? (u.cacheWriteTokens ?? 0) : null);
    series.output.push(u ? u.outputTokens : null);
    series.reasoning.push(u ? (u.reasoningTokens ?? 0) : null);
    series.latencyMs.push(turn.latencyMs ?? null);
    series.firstTokenMs.push(turn.firstTokenMs ?? null);
    series.contextWindow.push(windows.get(key) ?? null);
    series.trimmedTurns.push(turn.trimmedTurns);
    series.droppedItems.push(turn.droppedItems);
    const cost = u
      ? (memo?.cost(turn.usage, turn.producer, turn.usageAt, overrides) ??
        usageCost(turn.usage, turn.producer, { at: turn.usageAt, overrides }))
      : { known: false as const, reason: NO_USAGE[turn.outcome] };
    if (cost.known) {
      series.cost.push(cost.total);
      series.costUnknown.push(null);
      if (!series.tables.includes(cost.table)) series.tables.push(cost.table);
    } else {
      let index = reasonIndex.get(cost.reason);
      if (index === undefined) {
        index = series.reasons.push(cost.reason) - 1;
        reasonIndex.set(cost.reason, index);
      }
      series.cost.push(null);
      series.costUnknown.push(index);
    }
  }
  return series;
}
