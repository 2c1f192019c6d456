// Reading ahead in a thread of its own (langswarm/read.ts): the same database as reading in the store's
// thread, whole sessions only when cancelled, and a reader that dies part way fails only its own file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MigrateReport, migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import { FIXTURES, generateV1Docs, v1Doc, v1Message, writeV1Db } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

const SOURCES = [
  path.join(FIXTURES, 'v1/langswarm_sessions.db'),
  path.join(FIXTURES, 'v1/json'),
  path.join(FIXTURES, 'v2/langswarm_sessions.db'),
  path.join(FIXTURES, 'v2_memory/langswarm_memory.db'),
];

type Row = Record<string, unknown>;

/** This process's file descriptors open on `file` (Linux: /proc/self/fd; elsewhere none are seen). */
function descriptorsOn(file: string): string[] {
  if (!fs.existsSync('/proc/self/fd')) return [];
  const target = fs.realpathSync(file);
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false; // closed meanwhile (the listing's own)
    }
  });
}

/** Every session and message row, our ids replaced by what they stand for (source, original id, seq). */
function contents(m: SessionManager): { sessions: Row[]; messages: Row[] } {
  const db = m.store.durable;
  const names = new Map<unknown, string>();
  const sessions = db.all<Row>(`SELECT * FROM sessions ORDER BY origin`).map(({ id, ...rest }) => {
    names.set(id, `${String(rest['origin']).slice(0, 200)}#${names.size}`);
    return rest;
  });
  const messages = db
    .all<Row>(`SELECT * FROM messages ORDER BY session_id, seq`)
    .map(({ id: _id, pk: _pk, session_id, ...rest }): Row => ({ session: names.get(session_id), ...rest }))
    .sort((a, b) => `${a['session']}:${a['seq']}`.localeCompare(`${b['session']}:${b['seq']}`));
  return { sessions, messages };
}

/** The report without our ids and timings. */
function outcomes(report: MigrateReport): unknown {
  return report.files.map((f) => ({
    ...f,
    file: path.basename(f.file),
    sessions: f.sessions.map(({ sessionId: _, ...rest }) => rest),
  }));
}

describe('migrate: reading ahead in a thread of its own', function () {
  this.timeout(120_000);

  it('writes the same database and report from the fixtures as reading in the store thread, and re-imports nothing', async () => {
    const here = await SessionManager.open(tempDb());
    const ahead = await SessionManager.open(tempDb());
    try {
      const a = await migrate(here, SOURCES, { readAhead: false });
      const b = await migrate(ahead, SOURCES, { readAhead: true });
      assert.ok(b.totals.messagesImported > 2000, `imported ${b.totals.messagesImported} messages`);
      assert.deepEqual(outcomes(b), outcomes(a));
      const [x, y] = [contents(here), contents(ahead)];
      assert.equal(y.messages.length, x.messages.length);
      assert.deepEqual(y.sessions, x.sessions);
      assert.deepEqual(y.messages, x.messages);
      assert.deepEqual(ahead.search('weather').total, here.search('weather').total);
      const again = await migrate(ahead, SOURCES, { readAhead: true });
      assert.equal(again.totals.imported + again.totals.updated + again.totals.conflict, 0, 'nothing new');
      assert.deepEqual(contents(ahead), y, 'a second import changes nothing');
    } finally {
      await here.close();
      await ahead.close();
    }
  });

  it('stops between sessions when cancelled, keeping whole, searchable sessions; the rest imports later', async () => {
    const big = path.join(tempDir(), 'big.db');
    await writeV1Db(big, generateV1Docs(300, 9_000, 3));
    const m = await SessionManager.open(tempDb());
    try {
      const controller = new AbortController();
      const report = await migrate(m, [big], {
        readAhead: true,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.sessions >= 40) controller.abort();
        },
      });
      assert.equal(report.cancelled, true);
      const imported = report.totals.imported;
      assert.ok(imported >= 40 && imported < 300, `imported ${imported}`);
      assert.equal(m.stats().sessions, imported);
      for (const r of report.files[0]!.sessions)
        assert.equal(m.get(r.sessionId!).messageCount, r.messagesAdded, 'whole sessions only');
      assert.equal(m.stats().messages, report.totals.messagesImported);
      assert.ok(m.search('weather').total > 0, 'what was imported is indexed');
      const rest = await migrate(m, [big], { readAhead: true });
      assert.deepEqual([rest.totals.unchanged, rest.totals.imported], [imported, 300 - imported]);
    } finally {
      await m.close();
    }
  });

  it('fails only the file a reader died in (out of memory): what it read before stays whole, the next file imports', async () => {
    const dir = tempDir();
    const hostile = path.join(dir, 'hostile.db');
    const normal = [...generateV1Docs(30, 3_000, 4)]; // ~2 MB: several batches before row 21
    // Row 21 holds one message of 48 MB: more than the reader's heap may take.
    const huge = v1Doc('session_huge', [v1Message('m1', 'user', 'x'.repeat(48 * 1024 * 1024), '2025-07-01T10:00:00')]);
    await writeV1Db(hostile, [...normal.slice(0, 20), huge, ...normal.slice(20)]);
    const next = path.join(dir, 'next.db');
    const times = ['2025-07-01T10:00:00', '2025-07-01T10:00:01'];
    await writeV1Db(
      next,
      Array.from({ length: 10 }, (_, i) =>
        v1Doc(`other_${i}`, [
          v1Message('m1', 'user', `hello ${i}`, times[0]!),
          v1Message('m2', 'assistant', 'the weather is fine', times[1]!),
        ]),
      ),
    );
    const m = await SessionManager.open(tempDb());
    try {
      const report = await migrate(m, [hostile, next], { readAhead: true, readerHeapMb: 48 });
      const [first, second] = report.files;
      assert.match(first!.errors.at(-1)?.message ?? '', /^Reading stopped part way through the file/);
      const read = first!.sessions.length;
      assert.ok(read > 0 && read <= 20, `${read} sessions read before row 21`);
      assert.ok(
        first!.sessions.every((s) => s.outcome === 'imported'),
        'each session read before was imported',
      );
      assert.deepEqual(second!.counts.imported, 10, 'a new reader imports the next file');
      assert.deepEqual(descriptorsOn(hostile), [], 'the file the reader died in is not left open');
      assert.equal(second!.errors.length, 0);
      assert.equal(m.stats().sessions, read + 10, 'nothing half-written, nothing else');
      for (const r of [...first!.sessions, ...second!.sessions])
        assert.equal(m.get(r.sessionId!).messageCount, r.messagesAdded, 'each session whole');
    } finally {
      await m.close();
    }
  });
});
