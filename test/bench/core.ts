// Core benchmarks on the reference workload of the README's Benchmarks section (2,000 sessions, ~75,000 messages),
// with two baselines measured in the same run: writing the exported database after every message,
// and rewriting a session's whole history per message as LangSwarm V1 did.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { Message, Session, searchableText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { writeFileAtomic, realFs } from '../../src/core/store/files';
import { Report, percentile, scaled, time } from './report';

const WORDS = (
  'the of and to in is that for it as with was on be at by this had not are but from or have an they which one you were her all ' +
  'she there would their we him been has when who will more no if out so said what up its about into than them can only other new some ' +
  'could time these two may then do first any my now such like our over man me even most made after also did many before must through ' +
  'weather paris tokyo invoice refund deploy kubernetes latency python typescript function error retry token budget model prompt tool ' +
  'database index search session replay stream cache embedding vector agent planner summary quarterly revenue forecast migration schema'
).split(' ');

export function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

export function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * rand() * WORDS.length)]!);
  return out.join(' ');
}

/** Writes `sessions` sessions holding `messages` messages in total straight into a new database. */
export async function generateWorkload(
  file: string,
  sessions: number,
  messages: number,
  seed = 1,
): Promise<SessionManager> {
  const m = await SessionManager.open(file);
  const rand = rng(seed);
  const perSession = Math.max(1, Math.floor(messages / sessions));
  const providers = ['openai', 'anthropic', 'gemini', 'replay'];
  const statuses = ['active', 'active', 'paused', 'completed', 'archived'] as const;
  const start = Date.UTC(2025, 0, 1);
  await m.store.writeBulk((tx) => {
    let made = 0;
    for (let s = 0; s < sessions; s++) {
      const count = s === sessions - 1 ? messages - made : Math.min(perSession, messages - made);
      const created = new Date(start + s * 3_600_000).toISOString();
      const session: Session = {
        id: uuidv7(),
        title: sentence(rand, 4),
        userId: `user${s % 50}`,
        provider: providers[s % 4]!,
        model: 'model-x',
        status: statuses[s % statuses.length]!,
        tags: [`tag${s % 7}`],
        metadata: {},
        providerState: {},
        createdAt: created,
        updatedAt: created,
        lastActivityAt: created,
        messageCount: 0,
        totalTokens: 0,
      };
      m.store.insertSession(tx, session);
      for (let i = 0; i < count; i++) {
        const text = sentence(rand, 20 + Math.floor(rand() * 110));
        const msg: Message = {
          id: uuidv7(),
          sessionId: session.id,
          seq: i + 1,
          role: i % 2 ? 'assistant' : 'user',
          parts: [{ type: 'text', text }],
          createdAt: new Date(start + s * 3_600_000 + i * 1000).toISOString(),
          state: 'complete',
          metadata: {},
          revision: 0,
          ...(i % 2 ? { usage: { inputTokens: 100, outputTokens: 50, totalTokens: 150 } } : {}),
        };
        m.store.insertMessage(tx, msg, searchableText(msg.parts), created, false);
      }
      m.store.recount(tx, session.id, created);
      made += count;
    }
  });
  return m;
}

/**
 * A search whose page of hits includes a 50 MB message, against the same search before that message
 * was added (same database): snippets read only the start of each text, so the two should be close.
 */
async function searchWithHugeMessage(report: Report, dir: string): Promise<void> {
  const m = await generateWorkload(path.join(dir, 'huge.sqlite'), 100, 5_000);
  const medianSearch = async () => {
    const runs: number[] = [];
    for (let i = 0; i < 10; i++) runs.push((await time(() => m.search('weather', { limit: 50 })))[1]);
    return percentile(
      runs.sort((a, b) => a - b),
      50,
    );
  };
  const without = await medianSearch();
  const target = m.list({ limit: 1 }).items[0]!;
  const rand = rng(11);
  const chunk = Array.from({ length: 100 }, () => sentence(rand, 100)).join(' ');
  // Straight into the store, as an import writes it: addMessage refuses messages over 16 MB.
  const parts: Message['parts'] = [{ type: 'text', text: chunk.repeat(Math.ceil(scaled(50_000_000) / chunk.length)) }];
  const now = new Date().toISOString();
  await m.store.writeBulk((tx) =>
    m.store.insertMessage(
      tx,
      {
        id: uuidv7(),
        sessionId: target.id,
        seq: target.messageCount + 1,
        role: 'user',
        parts,
        createdAt: now,
        state: 'complete',
        metadata: {},
        revision: 0,
      },
      searchableText(parts),
      now,
    ),
  );
  const withHuge = await medianSearch();
  await m.close();
  report.add({
    suite: 'core',
    metric: 'search "weather" without a 50 MB message (page of 50, median)',
    value: without,
    unit: 'ms',
  });
  report.add({
    suite: 'core',
    metric: 'the same search, its page holding a 50 MB message (median)',
    value: withHuge,
    unit: 'ms',
    note: `${(withHuge / without).toFixed(1)}x without`,
  });
}

async function addLatencies(m: SessionManager, sessionId: string, count: number): Promise<number[]> {
  const rand = rng(7);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const content = sentence(rand, 60);
    const t = performance.now();
    await m.addMessage(sessionId, { role: 'user', content });
    latencies.push(performance.now() - t);
  }
  return latencies.sort((a, b) => a - b);
}

export async function runCoreBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-'));
  try {
    // Durable add latency as the database grows.
    let ourP50AtLargest = 0;
    for (const size of [10, 1_000, 10_000, 100_000].map(scaled)) {
      const file = path.join(dir, `add-${size}.sqlite`);
      const m = await generateWorkload(file, Math.max(1, Math.round(size / 40)), size);
      const target = m.list({ limit: 1, status: 'active' }).items[0]!;
      const lat = await addLatencies(m, target.id, scaled(size >= 100_000 ? 2000 : 1000));
      const p50 = percentile(lat, 50);
      const p99 = percentile(lat, 99);
      ourP50AtLargest = p50;
      report.add({
        suite: 'core',
        metric: `durable add at ${size.toLocaleString('en-US')} messages, p50`,
        value: p50,
        unit: 'ms',
        target: '<= 0.5 ms',
        met: p50 <= 0.5,
      });
      report.add({
        suite: 'core',
        metric: `durable add at ${size.toLocaleString('en-US')} messages, p99`,
        value: p99,
        unit: 'ms',
        target: '<= 5 ms',
        met: p99 <= 5,
      });
      await m.close();
    }

    // The reference workload: open, list, search.
    const ref = path.join(dir, 'reference.sqlite');
    const gen = await generateWorkload(ref, scaled(2000), scaled(75_000));
    await gen.close();
    const size = fs.statSync(ref).size;
    report.add({
      suite: 'core',
      metric: 'reference database size (2,000 sessions, 75,000 messages)',
      value: size / 1048576,
      unit: 'MB',
    });
    const opens: number[] = [];
    let m: SessionManager | undefined;
    for (let i = 0; i < 5; i++) {
      await m?.close();
      const [opened, ms] = await time(async () => {
        const x = await SessionManager.open(ref);
        x.list({ limit: 200 }); // what the tree shows first
        return x;
      });
      m = opened;
      opens.push(ms);
    }
    opens.sort((a, b) => a - b);
    report.add({
      suite: 'core',
      metric: 'open the reference database and list the first 200 (median of 5)',
      value: percentile(opens, 50),
      unit: 'ms',
      target: '<= 300 ms',
      met: percentile(opens, 50) <= 300,
    });
    const lists: number[] = [];
    for (let i = 0; i < 20; i++) lists.push((await time(() => m!.list({ limit: 2000 })))[1]);
    lists.sort((a, b) => a - b);
    report.add({
      suite: 'core',
      metric: 'list all 2,000 sessions (median of 20)',
      value: percentile(lists, 50),
      unit: 'ms',
      target: '<= 20 ms',
      met: percentile(lists, 50) <= 20,
    });
    for (const [q, prefix] of [
      ['weather', false],
      ['kubernetes latency', false],
      ['"quarterly revenue"', false],
      ['the', false],
      ['migr', true],
      ['quar', true],
    ] as const) {
      const runs: number[] = [];
      let total = 0;
      for (let i = 0; i < 10; i++) {
        const [r, ms] = await time(() => m!.search(q, { limit: 50, prefix }));
        total = r.total;
        runs.push(ms);
      }
      runs.sort((a, b) => a - b);
      const what = prefix ? `search as you type "${q}…"` : `full-text search ${q}`;
      report.add({
        suite: 'core',
        metric: `${what} (${total.toLocaleString('en-US')} hits, page of 50, median)`,
        value: percentile(runs, 50),
        unit: 'ms',
        target: '<= 50 ms',
        met: percentile(runs, 50) <= 50,
      });
    }

    await searchWithHugeMessage(report, dir);

    // Baseline 1: write the exported database after every message (sql.js's usual persistence).
    const busiest = m!.list({ limit: 1, status: 'active' }).items[0]!;
    const exportRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await m!.store.durable.write((tx) =>
        tx.run(`UPDATE sessions SET updated_at = ? WHERE id = ?`, [busiest.updatedAt, busiest.id]),
      );
      writeFileAtomic(realFs, path.join(dir, 'export-baseline.sqlite'), [m!.store.durable.db.export()]);
      exportRuns.push(performance.now() - t);
    }
    // export() freed the store's prepared statements; reopen so the rest of the run is not skewed.
    await m!.close();
    exportRuns.sort((a, b) => a - b);
    const exportP50 = percentile(exportRuns, 50);
    report.add({
      suite: 'core',
      metric: 'baseline: export and write the whole database per message',
      value: exportP50,
      unit: 'ms',
      note: `${(exportP50 / ourP50AtLargest).toFixed(0)}x our durable add`,
    });

    // Baseline 2: LangSwarm V1 rewrote the session's whole history (JSON) on every message.
    const history: Array<Record<string, unknown>> = [];
    const rand = rng(3);
    for (let i = 0; i < 5000; i++)
      history.push({
        id: `m${i}`,
        role: i % 2 ? 'assistant' : 'user',
        content: sentence(rand, 60),
        timestamp: new Date().toISOString(),
        metadata: {},
      });
    const v1File = path.join(dir, 'v1-session.json');
    const v1Runs: number[] = [];
    for (let i = 0; i < 20; i++) {
      history.push({
        id: `n${i}`,
        role: 'user',
        content: sentence(rand, 60),
        timestamp: new Date().toISOString(),
        metadata: {},
      });
      const t = performance.now();
      writeFileAtomic(realFs, v1File, [Buffer.from(JSON.stringify({ metadata: {}, history: { messages: history } }))]);
      v1Runs.push(performance.now() - t);
    }
    v1Runs.sort((a, b) => a - b);
    const v1P50 = percentile(v1Runs, 50);
    report.add({
      suite: 'core',
      metric: 'baseline: V1-style whole-history rewrite at 5,000 messages',
      value: v1P50,
      unit: 'ms',
      note: `${(v1P50 / ourP50AtLargest).toFixed(0)}x our durable add`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
