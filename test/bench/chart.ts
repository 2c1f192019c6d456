// The history browser's chart: computing a 10,000-message session's per-turn series (SessionManager.turnSeries,
// in the store worker in the extension) against reading what it is computed from (the baseline: usages, trace
// summaries and the outline), and what crosses to the webview (the series as JSON) against what would cross if
// the webview computed it itself (those inputs as JSON).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionManager } from '../../src/core/sessions';
import { makeTrace } from '../helpers/traces';
import { Report, percentile, scaled } from './report';

/** Median ms of `runs` calls of `fn` (after one warm-up). */
function median(runs: number, fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

export async function runChartBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-chart-'));
  const file = path.join(dir, 'chart.sqlite');
  const m = await SessionManager.open(file);
  try {
    const messages = scaled(10_000);
    const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Long charted session' });
    const start = Date.UTC(2026, 0, 1);
    // Turns of a user message and a reply with usage (cache hits from the second turn, some reasoning, every
    // 97th reply by a model the price table does not know), each recorded as a call; every 50th trimmed.
    for (let turn = 0; turn < messages / 2; turn += 250) {
      const batch = Array.from({ length: Math.min(250, messages / 2 - turn) }, (_, i) => turn + i);
      const stored = await m.addMessages(
        s.id,
        batch.flatMap((t) => [
          { role: 'user' as const, content: `Question ${t}` },
          {
            role: 'assistant' as const,
            content: `Answer ${t}`,
            provider: { name: 'openai', model: t % 97 === 96 ? 'house-model' : 'gpt-4o' },
            usage: {
              inputTokens: 1_000 + 40 * t,
              cachedInputTokens: t ? 1_000 + 40 * (t - 1) : 0,
              outputTokens: 200,
              reasoningTokens: t % 3 ? 0 : 50,
              totalTokens: 1_200 + 40 * t,
            },
          },
        ]),
      );
      for (const [i, t] of batch.entries())
        await m.recordTrace(
          makeTrace(
            '{}',
            {
              sessionId: s.id,
              messageIds: [stored[2 * i]!.id, stored[2 * i + 1]!.id],
              ...(t % 50 === 49 ? { trimmed: { turns: 3, messages: 6 } } : {}),
            },
            start + t * 60_000,
          ),
        );
    }
    await m.checkpoint();
    const runs = 5;
    const inputs = () => ({ usages: m.usages(s.id), traces: m.listTraces(s.id), outline: m.outline(s.id) });
    const baseline = median(runs, inputs);
    report.add({
      suite: 'chart',
      metric: `baseline: read a ${messages}-message session's usages, trace summaries and outline (median of ${runs})`,
      value: baseline,
      unit: 'ms',
    });
    // The first chart of a session: in a freshly opened manager, nothing remembered.
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const fresh = await SessionManager.open(file);
      fresh.turnSeries(s.id); // warm up the price table's module once per manager
      const other = await SessionManager.open(file);
      const t = performance.now();
      other.turnSeries(s.id);
      cold.push(performance.now() - t);
      await other.close();
      await fresh.close();
    }
    const first = percentile(
      cold.sort((a, b) => a - b),
      50,
    );
    report.add({
      suite: 'chart',
      metric: `turnSeries, a session's first chart (${messages / 2} turns; median of 3)`,
      value: first,
      unit: 'ms',
      note: `${(first / baseline).toFixed(2)}x the baseline`,
    });
    // After a turn: the chart follows, reading and pricing only the new turn.
    m.turnSeries(s.id);
    const after: number[] = [];
    for (let i = 0; i < runs; i++) {
      const [reply] = await m.addMessages(s.id, [
        {
          role: 'assistant',
          content: 'More',
          provider: { name: 'openai', model: 'gpt-4o' },
          usage: { inputTokens: 9, outputTokens: 1, totalTokens: 10 },
        },
      ]);
      await m.recordTrace(
        makeTrace('{}', { sessionId: s.id, messageIds: [reply!.id] }, start + (messages + i) * 60_000),
      );
      const t = performance.now();
      m.turnSeries(s.id);
      after.push(performance.now() - t);
    }
    const next = percentile(
      after.sort((a, b) => a - b),
      50,
    );
    report.add({
      suite: 'chart',
      metric: `turnSeries after a turn (median of ${runs})`,
      value: next,
      unit: 'ms',
      note: `${(next / baseline).toFixed(2)}x the baseline`,
    });
    const sent = JSON.stringify(m.turnSeries(s.id)).length;
    const raw = JSON.stringify(inputs()).length;
    report.add({
      suite: 'chart',
      metric: 'series sent to the webview (JSON)',
      value: sent / 1024,
      unit: 'KiB',
      note: `${(sent / raw).toFixed(2)}x its inputs' ${(raw / 1024).toFixed(0)} KiB`,
    });
  } finally {
    await m.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
