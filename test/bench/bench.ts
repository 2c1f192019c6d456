// `npm run bench`: every benchmark suite, one table, saved to bench-results/bench.json.
// Numbers, not assertions: targets (the README's Benchmarks section) are shown beside each value.
import * as path from 'node:path';
import { Report, SMOKE } from './report';
import { runActivationBench } from './activation';
import { runChartBench } from './chart';
import { runCompareBench } from './compare';
import { runCoreBench } from './core';
import { runEventLoopBench } from './eventloop';
import { runFollowBench } from './follow';
import { runMigrateBench } from './migrate';
import { runRecordingBench } from './recording';
import { runOtlpBench } from './otlp';
import { runTraceBench } from './traces';
import { runWebviewBench } from './webview';

const suites: Array<[string, (report: Report) => Promise<void>]> = [
  ['extension: activation', runActivationBench],
  ['core: durable store, listing and search', runCoreBench],
  ['migrate: LangSwarm V1 import', runMigrateBench],
  ['follow: LangSwarm stores while an app writes them', runFollowBench],
  ['traces: turn trace storage', runTraceBench],
  ['traces: recording overhead per turn', runRecordingBench],
  ["chart: a session's per-turn series", runChartBench],
  ['compare: aligning two sessions', runCompareBench],
  ['otlp: OpenTelemetry traces received', runOtlpBench],
  ['event loop: the extension host while the store works', runEventLoopBench],
  ['webview: history browser in Chromium', runWebviewBench],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a !== '--smoke');
  const report = new Report();
  console.log(
    `LangSwarm Sessions benchmarks — Node ${process.version}, ${new Date().toISOString()}${SMOKE ? ' — SMOKE RUN: sizes / 50, numbers not meaningful' : ''}`,
  );
  for (const [name, run] of suites) {
    if (only.length && !only.some((o) => name.includes(o))) continue;
    console.log(`\n${name}`);
    await run(report);
  }
  const out = path.resolve(`bench-results/${SMOKE ? 'bench-smoke' : 'bench'}.json`);
  report.save(out);
  console.log(`\nSaved ${out}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
