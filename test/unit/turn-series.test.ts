// The chart's per-turn series (src/core/turn-series.ts): cached and reasoning tokens kept apart and priced
// as such, an unknown price a gap (never 0), trimmed and failed calls, replies without a trace, and the
// series as the session manager computes it from what the store holds.
import { strict as assert } from 'node:assert';
import { PRICE_TABLE, type UsageRecord, usageCost } from '../../src/core/cost';
import { SessionManager } from '../../src/core/sessions';
import type { TraceSummary } from '../../src/core/store/trace-store';
import { turnSeries } from '../../src/core/turn-series';
import type { TurnTrace } from '../../src/core/turn-trace';
import { makeTrace } from '../helpers/traces';
import { tempDb } from '../helpers/temp';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A trace summary as listTraces gives it (no bodies). */
function summary(fields: Partial<TurnTrace>, at = T0): TraceSummary {
  const { attempts, response: _response, ...rest } = makeTrace('{}', fields, at);
  return { ...rest, attemptCount: attempts.length, requestIds: {} };
}

function usage(messageId: string, at: number, model: string, u: Record<string, number>, name = 'openai'): UsageRecord {
  return {
    sessionId: 's',
    messageId,
    createdAt: iso(at),
    provider: { name, model },
    usage: { totalTokens: (u['inputTokens'] ?? 0) + (u['outputTokens'] ?? 0), ...u },
  };
}

/** $ per million tokens, so every figure below is worked out by hand. */
const OVERRIDES = { 'house-model': { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5, contextWindow: 64_000 } };

describe('turn series (the chart)', () => {
  it('keeps cached input, cache writes and reasoning apart, and prices each at its own rate', () => {
    const u = usage('r1', T0 + 900, 'house-model', {
      inputTokens: 10_000,
      cachedInputTokens: 6_000,
      cacheWriteTokens: 1_000,
      outputTokens: 2_000,
      reasoningTokens: 1_500,
    });
    const s = turnSeries({
      usages: [u],
      traces: [summary({ messageIds: ['u1', 'r1'], modelAnswered: 'house-model' })],
      seqOf: new Map([
        ['u1', 0],
        ['r1', 1],
      ]),
      overrides: OVERRIDES,
    });
    assert.deepEqual(
      [s.input, s.cachedInput, s.cacheWrite, s.output, s.reasoning],
      [[10_000], [6_000], [1_000], [2_000], [1_500]],
    );
    // 3,000 uncached × $2 + 6,000 cached × $0.5 + 1,000 written × $2.5 + 2,000 out × $8 (reasoning is output) per million.
    const expected = (3_000 * 2 + 6_000 * 0.5 + 1_000 * 2.5 + 2_000 * 8) / 1e6;
    assert.ok(Math.abs(s.cost[0]! - expected) < 1e-12, `${s.cost[0]} ≠ ${expected}`);
    assert.notEqual(s.cost[0], (10_000 * 2 + 2_000 * 8) / 1e6, 'not priced as if nothing were cached');
    assert.deepEqual(s.contextWindow, [64_000]);
    assert.deepEqual(s.seq, [1], 'the turn reveals its reply');
    assert.deepEqual(s.model, ['openai/house-model']);
  });

  it('takes the context window from the price table, and has none (a gap) for a model it does not know', () => {
    const s = turnSeries({
      usages: [
        usage('a', T0, 'gpt-4o', { inputTokens: 100, outputTokens: 10 }),
        usage('b', T0 + 1000, 'mystery-model-9', { inputTokens: 100, outputTokens: 10 }),
      ],
      traces: [],
      seqOf: new Map(),
    });
    assert.deepEqual(s.contextWindow, [128_000, null]);
  });

  it('leaves an unknown price as a gap with its reason, where a free call is a 0', () => {
    const s = turnSeries({
      usages: [
        usage('a', T0, 'mystery-model-9', { inputTokens: 500, outputTokens: 50 }),
        usage('b', T0 + 1000, 'replay', { inputTokens: 5, outputTokens: 5 }, 'replay'),
        usage('c', T0 + 2000, 'house-model', { inputTokens: 0, outputTokens: 0 }),
      ],
      traces: [],
      seqOf: new Map(),
      overrides: OVERRIDES,
    });
    assert.deepEqual(s.cost, [null, 0, 0]);
    assert.match(s.reasons[s.costUnknown[0]!]!, /mystery-model-9 is not in the price table/);
    assert.deepEqual(s.costUnknown.slice(1), [null, null]);
    assert.deepEqual(s.input, [500, 5, 0], 'the tokens of an unpriced call are still shown');
  });

  it('marks the turn whose request was trimmed, and times each call from its trace', () => {
    const s = turnSeries({
      usages: [],
      traces: [
        summary({ messageIds: ['u1', 'r1'] }, T0),
        summary(
          {
            messageIds: ['u2', 'r2'],
            trimmed: { turns: 3, messages: 7 },
            dropped: { reasoning: 1, providerItems: 2, providerIds: 0 },
            firstTokenAt: iso(T0 + 60_250),
            endedAt: iso(T0 + 61_500),
          },
          T0 + 60_000,
        ),
      ],
      seqOf: new Map([['r2', 3]]),
    });
    assert.deepEqual(s.trimmedTurns, [0, 3]);
    assert.deepEqual(s.droppedItems, [0, 3]);
    assert.deepEqual(s.latencyMs, [1200, 1500]);
    assert.deepEqual(s.firstTokenMs, [300, 250]);
    assert.deepEqual(s.input, [10, 10], "the trace's usage when no message has one");
    assert.deepEqual(s.seq, [null, 3], 'a deleted reply leaves nothing to reveal');
  });

  it('shows a failed call: its latency, no tokens, a cost gap saying why, revealing the failed reply kept', () => {
    const s = turnSeries({
      usages: [],
      traces: [
        summary({
          messageIds: ['u1', 'failed'],
          outcome: 'error',
          error: { code: 'ProviderError', message: 'overloaded' },
          usage: undefined,
          firstTokenAt: undefined,
          endedAt: iso(T0 + 4_000),
        }),
      ],
      seqOf: new Map([
        ['u1', 0],
        ['failed', 1],
      ]),
    });
    assert.deepEqual(s.outcome, ['error']);
    assert.deepEqual([s.input, s.output, s.cost, s.firstTokenMs], [[null], [null], [null], [null]]);
    assert.deepEqual(s.latencyMs, [4_000]);
    assert.match(s.reasons[s.costUnknown[0]!]!, /failed before the provider reported usage/);
    assert.deepEqual(s.seq, [1]);
  });

  it('charts replies without a trace from their usage, in time order with the traced ones, each reply once', () => {
    const s = turnSeries({
      usages: [
        usage('imported', T0 - 86_400_000, 'gpt-4o', { inputTokens: 1_000, outputTokens: 100 }),
        // A traced reply's stored usage is the one shown (and priced), not counted a second time.
        usage('r1', T0 + 1_000, 'gpt-4o', { inputTokens: 2_000, cachedInputTokens: 1_024, outputTokens: 200 }),
      ],
      traces: [summary({ messageIds: ['u1', 'r1'] }, T0)],
      seqOf: new Map([
        ['imported', 0],
        ['r1', 2],
      ]),
    });
    assert.deepEqual(s.seq, [0, 2]);
    assert.deepEqual(s.input, [1_000, 2_000]);
    assert.deepEqual(s.cachedInput, [0, 1_024]);
    assert.deepEqual(s.latencyMs, [null, 1_200], 'no timing without a trace');
    assert.deepEqual(s.tables, [PRICE_TABLE]);
    const priced = usageCost(
      { inputTokens: 2_000, cachedInputTokens: 1_024, outputTokens: 200, totalTokens: 2_200 },
      {
        name: 'openai',
        model: 'gpt-4o',
      },
      { at: iso(T0 + 1_000) },
    );
    assert.ok(priced.known && s.cost[1] === priced.total);
  });

  it('is what the session manager computes from the store (trimming kept through storage)', async () => {
    const m = await SessionManager.open(tempDb());
    try {
      const session = await m.create({ provider: 'openai', model: 'house-model' });
      const [user, reply] = await m.addMessages(session.id, [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: 'Hello',
          provider: { name: 'openai', model: 'house-model' },
          usage: { inputTokens: 1_000, cachedInputTokens: 400, outputTokens: 20, totalTokens: 1_020 },
        },
      ]);
      await m.recordTrace(
        makeTrace('{}', {
          sessionId: session.id,
          messageIds: [user!.id, reply!.id],
          trimmed: { turns: 2, messages: 4 },
        }),
      );
      const s = m.turnSeries(session.id, OVERRIDES);
      assert.deepEqual(s.trimmedTurns, [2]);
      assert.deepEqual(s.seq, [reply!.seq]);
      assert.deepEqual([s.input, s.cachedInput], [[1_000], [400]]);
      assert.deepEqual(s.cost, [(600 * 2 + 400 * 0.5 + 20 * 8) / 1e6]);
      // Remembered between calls (the chart follows each turn): a new turn is added, new prices are applied.
      const [next] = await m.addMessages(session.id, [
        {
          role: 'assistant',
          content: 'Again',
          provider: { name: 'openai', model: 'house-model' },
          usage: { inputTokens: 2_000, outputTokens: 10, totalTokens: 2_010 },
        },
      ]);
      await m.recordTrace(
        makeTrace('{}', { sessionId: session.id, messageIds: [next!.id] }, Date.parse('2026-12-01T10:05:00Z')),
      );
      const cheaper = { 'house-model': { input: 1, output: 4 } };
      const again = m.turnSeries(session.id, cheaper);
      assert.deepEqual(again.input, [1_000, 2_000]);
      assert.deepEqual(again.trimmedTurns, [2, 0]);
      assert.deepEqual(again.cost, [(1_000 * 1 + 20 * 4) / 1e6, (2_000 * 1 + 10 * 4) / 1e6]);
    } finally {
      m.close();
    }
  });
});
