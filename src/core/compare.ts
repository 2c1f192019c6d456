// Two sessions side by side: a minimal alignment of their messages (equal, changed, inserted, deleted), the
// first place they part, and what each aligned pair and each side cost in tokens, money and time.
//
// The alignment is Myers' diff (the `diff` package's diffArrays) over content keys interned to numbers, so
// 10,000 messages compare as integers. A run of deletions next to a run of insertions is then paired into
// "changed" rows by a second, role-level diff, so an edited reply lines up with the reply it replaced.
import { diffArrays } from 'diff';
import { type CostTotal, type PriceOverrides, addToTotal, emptyTotal, usageCost } from './cost';
import { contentKey, type PartChanges, partChanges } from './compare-parts';
import type { Message, Session } from './model';
import type { TraceSummary } from './store/trace-store';

export type PairStatus = 'equal' | 'changed' | 'inserted' | 'deleted';

/** What one message cost and took, as far as it is known. */
export interface MessageMetrics {
  inputTokens?: number;
  outputTokens?: number;
  /** USD; absent when there is no usage, `null` when the price is unknown. */
  cost?: number | null;
  /** From the turn's trace: start to end, and to the first token (ms). */
  latencyMs?: number;
  firstTokenMs?: number;
  stopReason?: string;
  model?: string;
}

export interface AlignedPair {
  /** Indices into the two message lists; null on the side that lacks the message. */
  a: number | null;
  b: number | null;
  status: PairStatus;
  /** For `changed` pairs: what differs. */
  changes?: PartChanges;
}

export interface SideTotals {
  messages: number;
  cost: CostTotal;
  /** Summed over the messages whose turn was traced. */
  latencyMs: number;
  tracedTurns: number;
}

export interface SessionComparison {
  pairs: AlignedPair[];
  /** The first pair that is not equal, as message indices (the side without a message: null). */
  firstDivergence: { pair: number; a: number | null; b: number | null } | null;
  /** Differences of the sessions themselves: system prompt, provider, model. */
  setup: { systemPrompt?: PartChanges['words']; provider?: { a: string; b: string }; model?: { a: string; b: string } };
  counts: Record<PairStatus, number>;
  totals: { a: SideTotals; b: SideTotals };
  /** True when the sessions differed too much for a minimal alignment and were paired by position. */
  approximate: boolean;
}

export interface CompareSide {
  session: Pick<Session, 'provider' | 'model' | 'systemPrompt'>;
  messages: readonly Message[];
  traces?: readonly TraceSummary[];
}

/** Past this many message edits an exact alignment costs too much (two unrelated 10,000-message sessions). */
const MAX_EDITS = 2_000;

export function compareSessions(a: CompareSide, b: CompareSide, overrides?: PriceOverrides): SessionComparison {
  const { pairs, approximate } = align(a.messages, b.messages);
  const counts: Record<PairStatus, number> = { equal: 0, changed: 0, inserted: 0, deleted: 0 };
  for (const p of pairs) {
    counts[p.status] += 1;
    if (p.status === 'changed') p.changes = partChanges(a.messages[p.a!]!, b.messages[p.b!]!);
  }
  const first = pairs.findIndex((p) => p.status !== 'equal');
  return {
    pairs,
    firstDivergence: first < 0 ? null : { pair: first, a: pairs[first]!.a, b: pairs[first]!.b },
    setup: setupChanges(a.session, b.session),
    counts,
    totals: { a: sideTotals(a, overrides), b: sideTotals(b, overrides) },
    approximate,
  };
}

/** Whether the comparison found any difference at all (diff(1)'s exit status 1). */
export function differs(c: SessionComparison): boolean {
  return c.firstDivergence !== null || Object.keys(c.setup).length > 0;
}

function align(a: readonly Message[], b: readonly Message[]): { pairs: AlignedPair[]; approximate: boolean } {
  const ids = new Map<string, number>();
  const intern = (m: Message) => {
    const key = contentKey(m);
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  };
  const keysA = a.map(intern);
  const keysB = b.map(intern);
  const runs = minEdits(keysA, keysB) > MAX_EDITS ? undefined : diffArrays(keysA, keysB, { maxEditLength: MAX_EDITS });
  if (!runs) return { pairs: byPosition(a, b, 0, 0, a.length, b.length), approximate: true };
  const pairs: AlignedPair[] = [];
  walk(runs, 0, 0, {
    equal: (i, j, n) => {
      for (let k = 0; k < n; k++) pairs.push({ a: i + k, b: j + k, status: 'equal' });
    },
    block: (i, j, removed, added) => pairs.push(...pairBlock(a, b, i, j, removed, added)),
  });
  return { pairs, approximate: false };
}

/** A lower bound of the edit distance: whatever the two sides do not hold in common must be deleted or inserted. */
function minEdits(a: readonly number[], b: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const k of a) counts.set(k, (counts.get(k) ?? 0) + 1);
  let common = 0;
  for (const k of b) {
    const n = counts.get(k) ?? 0;
    if (n > 0) {
      common += 1;
      counts.set(k, n - 1);
    }
  }
  return a.length + b.length - 2 * common;
}

/**
 * Walks a diff's runs from positions `i`/`j`: each equal run, and each block of removals and additions
 * between two equal runs (diff gives them in either order, sometimes split) as one.
 */
function walk(
  runs: ReadonlyArray<{ added: boolean; removed: boolean; count: number }>,
  i: number,
  j: number,
  on: {
    equal(i: number, j: number, n: number): void;
    block(i: number, j: number, removed: number, added: number): void;
  },
): void {
  for (let r = 0; r < runs.length; ) {
    if (!runs[r]!.added && !runs[r]!.removed) {
      on.equal(i, j, runs[r]!.count);
      i += runs[r]!.count;
      j += runs[r]!.count;
      r++;
      continue;
    }
    let removed = 0;
    let added = 0;
    for (; r < runs.length && (runs[r]!.added || runs[r]!.removed); r++) {
      if (runs[r]!.added) added += runs[r]!.count;
      else removed += runs[r]!.count;
    }
    on.block(i, j, removed, added);
    i += removed;
    j += added;
  }
}

/**
 * Pairs A's `removed` messages from `i` with B's `added` from `j`: the same roles in order become changed
 * rows; between them, what is left of each side is paired by position (see byPosition).
 */
function pairBlock(a: readonly Message[], b: readonly Message[], i: number, j: number, removed: number, added: number) {
  if (removed === 0 || added === 0) return byPosition(a, b, i, j, removed, added);
  const roles = diffArrays(
    a.slice(i, i + removed).map((m) => m.role),
    b.slice(j, j + added).map((m) => m.role),
  );
  const pairs: AlignedPair[] = [];
  walk(roles, i, j, {
    equal: (x, y, n) => {
      for (let k = 0; k < n; k++) pairs.push({ a: x + k, b: y + k, status: 'changed' });
    },
    block: (x, y, gone, come) => pairs.push(...byPosition(a, b, x, y, gone, come)),
  });
  return pairs;
}

/**
 * Pairs message by message from `i`/`j`: two messages of one speaker are equal or changed, of different
 * speakers a deletion and an insertion; where one side runs out, the rest are inserted or deleted.
 */
function byPosition(a: readonly Message[], b: readonly Message[], i: number, j: number, n: number, m: number) {
  const pairs: AlignedPair[] = [];
  for (let k = 0; k < Math.max(n, m); k++) {
    const x = k < n ? i + k : null;
    const y = k < m ? j + k : null;
    if (x !== null && y !== null && speaker(a[x]!.role) === speaker(b[y]!.role))
      pairs.push({ a: x, b: y, status: contentKey(a[x]!) === contentKey(b[y]!) ? 'equal' : 'changed' });
    else {
      if (x !== null) pairs.push({ a: x, b: null, status: 'deleted' });
      if (y !== null) pairs.push({ a: null, b: y, status: 'inserted' });
    }
  }
  return pairs;
}

/** Who speaks: a system prompt turned developer message (OpenAI renamed the role) is the same speaker. */
const speaker = (role: Message['role']) => (role === 'developer' ? 'system' : role);

function setupChanges(a: CompareSide['session'], b: CompareSide['session']): SessionComparison['setup'] {
  const setup: SessionComparison['setup'] = {};
  if ((a.systemPrompt ?? '') !== (b.systemPrompt ?? ''))
    setup.systemPrompt = partChanges(
      { role: 'system', parts: [{ type: 'text', text: a.systemPrompt ?? '' }] },
      { role: 'system', parts: [{ type: 'text', text: b.systemPrompt ?? '' }] },
    ).words;
  if (a.provider !== b.provider) setup.provider = { a: a.provider, b: b.provider };
  if (a.model !== b.model) setup.model = { a: a.model, b: b.model };
  return setup;
}

/** The latest finished trace of each message that a call stored. */
function tracesByMessage(traces: readonly TraceSummary[] = []): Map<string, TraceSummary> {
  const byMessage = new Map<string, TraceSummary>();
  for (const t of traces) for (const id of t.messageIds) byMessage.set(id, t);
  return byMessage;
}

export function messageMetrics(
  m: Message,
  trace: TraceSummary | undefined,
  overrides?: PriceOverrides,
): MessageMetrics {
  const metrics: MessageMetrics = {};
  if (m.usage) {
    metrics.inputTokens = m.usage.inputTokens;
    metrics.outputTokens = m.usage.outputTokens;
    const cost = usageCost(m.usage, m.provider, { at: m.createdAt, ...(overrides ? { overrides } : {}) });
    metrics.cost = cost.known ? cost.total : null;
  }
  if (m.stopReason) metrics.stopReason = m.stopReason;
  if (m.provider?.model) metrics.model = m.provider.model;
  // Only the reply carries the call's time (the user message it answered is in the same trace).
  if (trace && m.role === 'assistant') {
    metrics.latencyMs = Date.parse(trace.endedAt) - Date.parse(trace.startedAt);
    if (trace.firstTokenAt) metrics.firstTokenMs = Date.parse(trace.firstTokenAt) - Date.parse(trace.startedAt);
  }
  return metrics;
}

/** Each message's metrics, by index, for one side. */
export function sideMetrics(side: CompareSide, overrides?: PriceOverrides): MessageMetrics[] {
  const traces = tracesByMessage(side.traces);
  return side.messages.map((m) => messageMetrics(m, traces.get(m.id), overrides));
}

function sideTotals(side: CompareSide, overrides?: PriceOverrides): SideTotals {
  let cost = emptyTotal();
  let latencyMs = 0;
  let tracedTurns = 0;
  const traces = tracesByMessage(side.traces);
  for (const m of side.messages) {
    if (m.usage)
      cost = addToTotal(
        cost,
        { sessionId: m.sessionId, messageId: m.id, createdAt: m.createdAt, provider: m.provider, usage: m.usage },
        overrides,
      );
    const t = m.role === 'assistant' ? traces.get(m.id) : undefined;
    if (t) {
      latencyMs += Date.parse(t.endedAt) - Date.parse(t.startedAt);
      tracedTurns += 1;
    }
  }
  return { messages: side.messages.length, cost, latencyMs, tracedTurns };
}
