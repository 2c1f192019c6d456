// Migration benchmark: a LangSwarm V1 store like a heavy user's (2,000 sessions, ~75,000 messages with tool
// calls and non-ASCII text) imported into an empty workspace database, timed until the import is durable and
// searchable, end to end as a user meets it: the CLI as a process of its own (start to exit), and the store's
// worker as the extension runs it (request to answer). Peak memory is the whole process's (its threads,
// the store's worker and the import's reader, included) against the source's size. An in-process run
// breaks the time down, beside the same import with the reading in the store's thread (as before the
// reader thread) in the same run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import type { Database, SqlValue, Statement } from 'sql.js';
import { SessionManager } from '../../src/core/sessions';
import { statementRunner } from '../../src/core/store/fast-run';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { Tracer } from '../../src/core/trace';
import { SessionClient } from '../../src/core/worker/client';
import { generateV1Docs, writeV1Db } from '../helpers/langswarm';
import { Report, SMOKE, scaled } from './report';

const SESSIONS = scaled(2000);
const MESSAGES = scaled(75_000);
/** End-to-end runs of each way; the median is reported. */
const RUNS = SMOKE ? 1 : 3;
const TARGET_RATE = 25_000;

/** Peak RSS since the last reset: exact on Linux (VmHWM), else sampled. */
class PeakMemory {
  private sampled = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly linux = fs.existsSync('/proc/self/clear_refs');

  start(): void {
    if (this.linux) {
      try {
        fs.writeFileSync('/proc/self/clear_refs', '5');
      } catch {
        /* not allowed: the sampled value still counts */
      }
    }
    this.sampled = process.memoryUsage.rss();
    this.timer = setInterval(() => {
      this.sampled = Math.max(this.sampled, process.memoryUsage.rss());
    }, 2);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sampled = Math.max(this.sampled, process.memoryUsage.rss());
    const hwm = this.linux ? /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] : undefined;
    return Math.max(this.sampled, hwm ? Number(hwm) * 1024 : 0);
  }
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => `load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const rate = (ms: number) => MESSAGES / (ms / 1000);

export async function runMigrateBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-migrate-'));
  try {
    const source = path.join(dir, 'langswarm_sessions.db');
    await writeV1Db(source, generateV1Docs(SESSIONS, MESSAGES));
    const sourceBytes = fs.statSync(source).size;
    report.add({
      suite: 'migrate',
      metric: `V1 source (${SESSIONS.toLocaleString('en-US')} sessions, ${MESSAGES.toLocaleString('en-US')} messages)`,
      value: sourceBytes / 1048576,
      unit: 'MB',
    });
    const empty = path.join(dir, 'empty.db');
    await writeV1Db(empty, []);
    cliEndToEnd(report, dir, source, empty, sourceBytes);
    await workerEndToEnd(report, dir, source, sourceBytes);
    await inProcess(report, dir, source);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `langswarm-sessions migrate SOURCE --db FILE` as a process of its own, start to exit; its peak memory is
 * its VmHWM as it exits (every thread of it), less that of the same command importing an empty V1 store.
 */
function cliEndToEnd(report: Report, dir: string, source: string, empty: string, sourceBytes: number): void {
  const cli = path.join(__dirname, 'cli.js'); // dist/cli.js beside dist/bench.js
  const peakProbe = path.join(dir, 'peak.js');
  fs.writeFileSync(
    peakProbe,
    `process.on('exit', () => { const fs = require('fs'); try { fs.writeFileSync(process.env.LSS_PEAK_FILE, /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} });`,
  );
  const run = (from: string, db: string) => {
    const peakFile = path.join(dir, 'peak.txt');
    fs.rmSync(peakFile, { force: true });
    const t = performance.now();
    const out = spawnSync(process.execPath, ['--require', peakProbe, cli, 'migrate', from, '--db', db, '--json'], {
      env: { ...process.env, LSS_PEAK_FILE: peakFile },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - t;
    if (out.status !== 0) throw new Error(`the CLI failed (${out.status}): ${out.stderr}`);
    const imported = (JSON.parse(out.stdout) as { totals: { messagesImported: number } }).totals.messagesImported;
    const peak = fs.existsSync(peakFile) ? Number(fs.readFileSync(peakFile, 'utf8')) * 1024 : Number.NaN;
    return { ms, peak, imported };
  };
  const baseline = run(empty, path.join(dir, 'cli-empty.sqlite')).peak;
  const runs: Array<{ ms: number; peak: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const db = path.join(dir, `cli-${i}.sqlite`);
    const r = run(source, db);
    if (r.imported !== MESSAGES) throw new Error(`the CLI imported ${r.imported} of ${MESSAGES} messages`);
    const search = spawnSync(process.execPath, [cli, 'search', 'weather', '--limit', '1', '--json', '--db', db], {
      encoding: 'utf8',
    });
    if (!((JSON.parse(search.stdout) as { total: number }).total > 0))
      throw new Error('messages imported by the CLI are not searchable');
    for (const f of fs.readdirSync(dir)) if (f.startsWith(`cli-${i}.sqlite`)) fs.rmSync(path.join(dir, f));
    runs.push(r);
  }
  const ms = median(runs.map((r) => r.ms));
  const times = runs.map((r) => r.ms).sort((a, b) => a - b);
  report.add({
    suite: 'migrate',
    metric: `CLI \`migrate\` end to end: process start to exit (median of ${RUNS})`,
    value: ms,
    unit: 'ms',
    note: `${times.map((t) => Math.round(t)).join(' / ')} ms; ${load()}`,
  });
  report.add({
    suite: 'migrate',
    metric: '  import rate, CLI end to end',
    value: rate(ms),
    unit: 'msg/s',
    target: '>= 25,000 msg/s',
    met: rate(ms) >= TARGET_RATE,
  });
  const peak = median(runs.map((r) => r.peak));
  const added = (peak - baseline) / sourceBytes;
  report.add({
    suite: 'migrate',
    metric: '  peak memory added / source size (CLI process, all threads)',
    value: added,
    unit: 'x',
    target: '<= 4x',
    met: added <= 4,
    note: `peak RSS ${mb(peak)}; ${mb(baseline)} importing an empty store`,
  });
}

/** The extension's way: the store's worker (SessionClient) migrates; request until answered, then searched. */
async function workerEndToEnd(report: Report, dir: string, source: string, sourceBytes: number): Promise<void> {
  const runs: Array<{ ms: number; added: number; peak: number; baseline: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const file = path.join(dir, `worker-${i}.sqlite`);
    const client = await SessionClient.open(file, { budgets: { migrate: 600_000 } });
    try {
      gc();
      const peak = new PeakMemory();
      const baseline = process.memoryUsage.rss();
      peak.start();
      const t = performance.now();
      const result = await client.migrate([source]);
      const ms = performance.now() - t;
      const peakRss = peak.stop();
      if (result.totals.messagesImported !== MESSAGES || result.totals.failed)
        throw new Error(`the worker imported ${result.totals.messagesImported} of ${MESSAGES} messages`);
      if ((await client.search('weather', { limit: 1 })).total === 0)
        throw new Error('messages imported in the worker are not searchable');
      runs.push({ ms, added: (peakRss - baseline) / sourceBytes, peak: peakRss, baseline });
    } finally {
      await client.close();
    }
    for (const f of fs.readdirSync(dir)) if (f.startsWith(`worker-${i}.sqlite`)) fs.rmSync(path.join(dir, f));
  }
  const ms = median(runs.map((r) => r.ms));
  report.add({
    suite: 'migrate',
    metric: `store worker (the extension's way): request to durable (median of ${RUNS})`,
    value: ms,
    unit: 'ms',
    note: `${runs
      .map((r) => Math.round(r.ms))
      .sort((a, b) => a - b)
      .join(' / ')} ms; ${load()}`,
  });
  report.add({
    suite: 'migrate',
    metric: '  import rate, store worker',
    value: rate(ms),
    unit: 'msg/s',
    target: '>= 25,000 msg/s',
    met: rate(ms) >= TARGET_RATE,
  });
  const mid = runs.sort((a, b) => a.added - b.added)[Math.floor(runs.length / 2)]!;
  report.add({
    suite: 'migrate',
    metric: '  peak memory added / source size (this process, all threads)',
    value: mid.added,
    unit: 'x',
    target: '<= 4x',
    met: mid.added <= 4,
    note: `peak RSS ${mb(mid.peak)}, ${mb(mid.baseline)} before`,
  });
}

/** Where the time goes, in this thread (spans), and the same import with the reading in the store's thread. */
async function inProcess(report: Report, dir: string, source: string): Promise<void> {
  // Warm up sql.js's wasm (V8 optimises it in the background) on a small import first.
  const warm = path.join(dir, 'warm.db');
  await writeV1Db(warm, generateV1Docs(scaled(50), scaled(2000), 9));
  const w = await SessionManager.open(path.join(dir, 'warm.sqlite'));
  await migrate(w, [warm]);
  await w.close();

  const tracer = new Tracer('debug');
  const spans = new Map<string, number>();
  tracer.addSink((e) => {
    if (e.span) spans.set(e.span.name, (spans.get(e.span.name) ?? 0) + e.span.durationMs);
  });
  const timed = async (readAhead: boolean) => {
    const m = await SessionManager.open(path.join(dir, `in-process-${readAhead}.sqlite`), { tracer });
    spans.clear();
    gc();
    const t = performance.now();
    const result = await migrate(m, [source], { readAhead });
    const ms = performance.now() - t;
    if (result.totals.messagesImported !== MESSAGES || m.search('weather', { limit: 1 }).total === 0)
      throw new Error('the in-process import is incomplete');
    return { m, ms, index: spans.get('migrate.index') ?? 0, snapshot: spans.get('store.snapshot') ?? 0 };
  };
  const before = await timed(false);
  await before.m.close();
  const { m, ms, index, snapshot } = await timed(true);
  report.add({
    suite: 'migrate',
    metric: 'in this process, reading in a thread of its own',
    value: ms,
    unit: 'ms',
    note: `${rate(ms).toLocaleString('en-US', { maximumFractionDigits: 0 })} msg/s; ${load()}`,
  });
  report.add({
    suite: 'migrate',
    metric: '  of which read, map and insert (overlapping)',
    value: ms - index - snapshot,
    unit: 'ms',
  });
  report.add({ suite: 'migrate', metric: '  of which full-text indexing', value: index, unit: 'ms' });
  report.add({
    suite: 'migrate',
    metric: '  of which durable snapshot (database and backup)',
    value: snapshot,
    unit: 'ms',
  });
  report.add({
    suite: 'migrate',
    metric: "baseline: the same with reading in the store's thread",
    value: before.ms,
    unit: 'ms',
    note: `${(before.ms / ms).toFixed(2)}x the time; ${rate(before.ms).toLocaleString('en-US', { maximumFractionDigits: 0 })} msg/s`,
  });

  const again = performance.now();
  const second = await migrate(m, [source]);
  if (second.totals.unchanged !== SESSIONS)
    throw new Error(`re-import: ${second.totals.unchanged} of ${SESSIONS} unchanged`);
  report.add({
    suite: 'migrate',
    metric: 'import the same store again (all unchanged, nothing written)',
    value: performance.now() - again,
    unit: 'ms',
  });
  await bindingBaseline(report, m);
  await m.close();
}

/**
 * Baseline in the same run: the imported messages inserted into an empty table as sql.js does it
 * (its binding, its file growing as it goes), and as the store does (fast-run.ts binding, room made
 * up front as by DurableDatabase.bulk's makeRoom); one transaction each, best of three.
 */
async function bindingBaseline(report: Report, m: SessionManager): Promise<void> {
  const SQL = await loadSqlJs();
  const source = m.store.durable.db;
  const schema = String(source.exec(`SELECT sql FROM sqlite_master WHERE name = 'messages'`)[0]!.values[0]![0]);
  const rows = source.exec('SELECT * FROM messages')[0]!.values;
  const runner = statementRunner(SQL);
  const withRoom = () => {
    const empty = new SQL.Database().export();
    const padded = new Uint8Array(empty.length + source.export().length);
    padded.set(empty);
    return new SQL.Database(padded);
  };
  const time = (bind: (stmt: Statement, row: SqlValue[]) => void, open: () => Database): number => {
    const db = open();
    try {
      db.run('PRAGMA journal_mode = MEMORY');
      db.run(schema);
      const stmt = db.prepare(`INSERT INTO messages VALUES (${rows[0]!.map(() => '?').join(', ')})`);
      const t = performance.now();
      db.run('BEGIN');
      for (const row of rows) bind(stmt, row);
      db.run('COMMIT');
      const ms = performance.now() - t;
      if (db.exec('SELECT count(*) FROM messages')[0]!.values[0]![0] !== rows.length)
        throw new Error('binding baseline: rows missing');
      stmt.free();
      return ms;
    } finally {
      db.close();
    }
  };
  let own = Infinity;
  let ours = Infinity;
  for (let i = 0; i < 3; i++) {
    own = Math.min(
      own,
      time(
        (stmt, row) => stmt.run(row),
        () => new SQL.Database(),
      ),
    );
    ours = Math.min(ours, time(runner, withRoom));
  }
  const n = rows.length.toLocaleString('en-US');
  report.add({ suite: 'migrate', metric: `baseline: insert the ${n} messages as sql.js does`, value: own, unit: 'ms' });
  report.add({
    suite: 'migrate',
    metric: `  the same as the store does (its binding, room made first)`,
    value: ours,
    unit: 'ms',
    note: `${(own / ours).toFixed(1)}x faster`,
  });
}
