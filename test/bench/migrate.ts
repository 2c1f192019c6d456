// Migration benchmark: a LangSwarm V1 store like a heavy user's (2,000 sessions,
// ~75,000 messages with tool calls and non-ASCII text) imported into an empty workspace database,
// timed until the import is durable and searchable; peak memory against the source's size.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import type { Database, SqlValue, Statement } from 'sql.js';
import { SessionManager } from '../../src/core/sessions';
import { statementRunner } from '../../src/core/store/fast-run';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { Tracer } from '../../src/core/trace';
import { generateV1Docs, writeV1Db } from '../helpers/langswarm';
import { Report, scaled } from './report';

const SESSIONS = scaled(2000);
const MESSAGES = scaled(75_000);

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

    // Warm up sql.js's wasm (V8 optimises it in the background) on a small import first.
    const warm = path.join(dir, 'warm.db');
    await writeV1Db(warm, generateV1Docs(scaled(50), scaled(2000), 9));
    const w = await SessionManager.open(path.join(dir, 'warm.sqlite'));
    await migrate(w, [warm]);
    await w.close();

    const tracer = new Tracer('debug');
    const spans = new Map<string, number>();
    tracer.addSink((e) => {
      if (e.span) spans.set(e.span.name, e.span.durationMs);
    });
    const m = await SessionManager.open(path.join(dir, 'workspace.sqlite'), { tracer });
    gc();
    const peak = new PeakMemory();
    const baseline = process.memoryUsage.rss();
    peak.start();
    const cpu = process.cpuUsage();
    const t = performance.now();
    const result = await migrate(m, [source]);
    const ms = performance.now() - t;
    const cpuUsed = process.cpuUsage(cpu);
    const peakRss = peak.stop();
    const imported = result.totals.messagesImported;
    if (imported !== MESSAGES || result.totals.failed)
      throw new Error(`imported ${imported} of ${MESSAGES} messages, ${result.totals.failed} sessions failed`);
    const hits = m.search('weather', { limit: 1 }).total;
    if (hits === 0) throw new Error('imported messages are not searchable');
    const rate = imported / (ms / 1000);
    const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
    const [index = 0, snapshot = 0] = [spans.get('migrate.index'), spans.get('store.snapshot')];
    const load = os.loadavg()[0]!;
    report.add({
      suite: 'migrate',
      metric: 'import until durable and searchable',
      value: ms,
      unit: 'ms',
      note: `load average ${load.toFixed(1)} on ${os.cpus().length} CPUs`,
    });
    report.add({
      suite: 'migrate',
      metric: '  of which read, map and insert',
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
      metric: 'import rate',
      value: rate,
      unit: 'msg/s',
      target: '>= 50,000 msg/s',
      met: rate >= 50_000,
    });
    report.add({
      suite: 'migrate',
      metric: 'import rate by CPU time (less sensitive to other load)',
      value: imported / (cpuMs / 1000),
      unit: 'msg/s',
    });
    const extra = (peakRss - baseline) / sourceBytes;
    report.add({
      suite: 'migrate',
      metric: 'peak memory added by the import / source size',
      value: extra,
      unit: 'x',
      target: '<= 4x',
      met: extra <= 4,
      note: `peak RSS ${(peakRss / 1048576).toFixed(0)} MB, ${(baseline / 1048576).toFixed(0)} MB before`,
    });
    report.add({
      suite: 'migrate',
      metric: 'peak process memory (RSS) / source size',
      value: peakRss / sourceBytes,
      unit: 'x',
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
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
