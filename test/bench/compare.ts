// Comparing sessions: aligning two 10,000-message sessions that differ in 1% of their messages (target
// <= 300 ms), against comparing a session with an identical copy (the baseline: keys and one equal run), and
// two unrelated sessions (the pairing-by-position fallback).
import { type CompareSide, compareSessions } from '../../src/core/compare';
import type { Message } from '../../src/core/model';
import { sentence } from './core';
import { Report, percentile, scaled, time } from './report';

function side(count: number, text: (i: number) => string): CompareSide {
  const messages: Message[] = Array.from({ length: count }, (_, i) => ({
    id: `m${i}`,
    sessionId: 's',
    seq: i + 1,
    role: i % 2 ? 'assistant' : 'user',
    parts: [{ type: 'text', text: text(i) }],
    createdAt: '2026-12-01T10:00:00.000Z',
    state: 'complete',
    metadata: {},
    revision: 0,
  }));
  return { session: { provider: 'openai', model: 'gpt-4o' }, messages };
}

async function p50(fn: () => unknown, runs = 5): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) ms.push((await time(fn))[1]);
  return percentile(
    ms.sort((x, y) => x - y),
    50,
  );
}

export async function runCompareBench(report: Report): Promise<void> {
  const count = scaled(10_000);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const texts = Array.from({ length: count }, () => sentence(rand, 20 + Math.floor(rand() * 60)));
  const a = side(count, (i) => texts[i]!);
  const copy = side(count, (i) => texts[i]!);
  // 1%: every hundredth message edited, plus one inserted and one deleted exchange.
  const editedMessages = [...side(count, (i) => (i % 100 === 37 ? `${texts[i]} (edited)` : texts[i]!)).messages];
  editedMessages.splice(Math.floor(count / 3), 2);
  editedMessages.splice(Math.floor((2 * count) / 3), 0, ...side(2, () => 'an inserted exchange').messages);
  const edited = { ...a, messages: editedMessages };
  const unrelated = side(count, (i) => `unrelated ${i}`);

  const baseline = await p50(() => compareSessions(a, copy));
  const onePercent = await p50(() => compareSessions(a, edited));
  const fallback = await p50(() => compareSessions(a, unrelated), 3);
  const n = count.toLocaleString('en');
  report.add({
    suite: 'compare',
    metric: `align ${n} vs an identical copy (baseline), p50`,
    value: baseline,
    unit: 'ms',
  });
  report.add({
    suite: 'compare',
    metric: `align ${n} vs ${n} differing in 1%, p50`,
    value: onePercent,
    unit: 'ms',
    target: '<= 300 ms',
    met: onePercent <= 300,
    note: `${(onePercent / baseline).toFixed(2)}x the baseline`,
  });
  report.add({
    suite: 'compare',
    metric: `two unrelated ${n}-message sessions (paired by position), p50`,
    value: fallback,
    unit: 'ms',
    note: `${(fallback / baseline).toFixed(2)}x the baseline`,
  });
}
