// Turn traces in the workspace database: bodies read back byte for byte, history stored once, retention
// that never touches messages, session deletion, upgrade of a database made before traces, hostile rows.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import type { BindParams } from 'sql.js';
import { SessionManager } from '../../src/core/sessions';
import type { Tx } from '../../src/core/store/connection';
import { SCHEMA_VERSION, upgradeSchema } from '../../src/core/store/schema';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { expectCoreError } from '../helpers/errors';
import { editFile } from '../helpers/sqlite';
import { tempDb } from '../helpers/temp';
import { makeTrace, playStatelessConversation } from '../helpers/traces';

const count = (m: SessionManager, sql: string) => Number(m.store.durable.get<{ n: number }>(sql)?.n);
const itemBlobs = (m: SessionManager) => count(m, `SELECT count(*) AS n FROM trace_blobs WHERE data IS NOT NULL`);
const allBlobs = (m: SessionManager) => count(m, `SELECT count(*) AS n FROM trace_blobs`);

async function withSession(): Promise<{ m: SessionManager; file: string; id: string }> {
  const file = tempDb();
  const m = await SessionManager.open(file);
  const { id } = await m.create({ title: 'Traced', provider: 'openai', model: 'gpt-4o' });
  return { m, file, id };
}

/** `text` deflated as an SQL blob literal (without the store's dictionary, which inflating does not need then). */
const packed = (text: string) => `x'${deflateRawSync(text).toString('hex')}'`;

describe('turn traces in the store', () => {
  it('reads every body back exactly: canonical JSON, unicode, and text that is not canonical JSON', async () => {
    const { m, id } = await withSession();
    const history = Array.from({ length: 6 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `Tür ${i} — 你好 🎉 \u2028 "quoted" \\ ${'x'.repeat(300)}`,
    }));
    const bodies = [
      JSON.stringify({ model: 'gpt-4o', input: history, stream: true }),
      // Same content, other spacing and key escapes: not canonical, so kept whole and still exact.
      `{ "model" : "gpt-4o",\n  "input": ${JSON.stringify(history, null, 2)}, "n": 1.50, "s": "\\u00fc" }`,
      'not json at all ✓',
      // A lone surrogate as a raw character: JSON.stringify would escape it, so the text is kept whole.
      `{"input":[{"text":"\ud800 raw ${'z'.repeat(300)}"}]}`,
      '',
      JSON.stringify({ contents: [{ parts: [{ text: '🎉'.repeat(200) }] }], big: [[1, 2, 3], 'y'.repeat(400)] }),
    ];
    const spans: string[] = [];
    for (const body of bodies) {
      const t = makeTrace(body, { sessionId: id });
      t.attempts.push({
        ...t.attempts[0]!,
        spanId: t.attempts[0]!.spanId.replace(/^./, 'f'),
        status: 500,
        error: 'HTTP 500',
      });
      await m.recordTrace(t);
      spans.push(t.spanId);
    }
    await m.close();
    const again = await SessionManager.open(m.path);
    for (const [i, span] of spans.entries()) {
      const trace = again.getTrace(span);
      assert.equal(trace.attempts.length, 2);
      for (const a of trace.attempts) assert.ok(a.requestBody === bodies[i], `body ${i} differs`);
      assert.deepEqual(trace.response, makeTrace('').response);
    }
    assert.ok(itemBlobs(again) > 0, 'the canonical bodies were cut into items');
    await again.close();
  });

  it('stores a stateless conversation’s history once: blobs grow with the turns, not their square', async () => {
    const { m, id } = await withSession();
    const turns = 50;
    const { bodies, spanIds } = await playStatelessConversation(m, id, turns);
    // Every history item once (50 questions, 49 answers in the last body), plus one list node each.
    assert.equal(itemBlobs(m), 2 * turns - 1);
    assert.equal(allBlobs(m), 2 * (2 * turns - 1));
    assert.equal(count(m, `SELECT count(*) AS n FROM trace_blob_refs`), turns, 'one list head per body');
    assert.equal(m.getTrace(spanIds[turns - 1]!).attempts[0]!.requestBody, bodies[turns - 1]);
    assert.equal(m.getTrace(spanIds[0]!).attempts[0]!.requestBody, bodies[0]);
    const listed = m.listTraces(id);
    assert.deepEqual(
      listed.map((t) => t.spanId),
      spanIds,
    );
    assert.ok(listed.every((t) => !('attempts' in t) && t.attemptCount === 1));
    const reply = m.allMessages(id)[3]!;
    assert.deepEqual(
      m.listTraces(id, { messageId: reply.id }).map((t) => t.spanId),
      [spanIds[1]],
    );
    await m.close();
  });

  it('stores a history trimmed to a window once too: each turn adds its new items and a few nodes', async () => {
    const { m, id } = await withSession();
    const turns = 30;
    const window = 7;
    const history: unknown[] = [];
    const bodies: string[] = [];
    const spans: string[] = [];
    for (let turn = 1; turn <= turns; turn++) {
      history.push({ role: 'user', content: `question ${turn} ${'q'.repeat(100)}` });
      bodies.push(JSON.stringify({ system: [{ text: 's'.repeat(300) }], messages: history.slice(-window) }));
      const t = makeTrace(bodies.at(-1)!, { sessionId: id });
      await m.recordTrace(t);
      spans.push(t.spanId);
      history.push({ role: 'assistant', content: `answer ${turn} ${'a'.repeat(100)}` });
    }
    for (const [i, span] of spans.entries()) assert.equal(m.getTrace(span).attempts[0]!.requestBody, bodies[i]);
    assert.equal(itemBlobs(m), 2 * turns - 1 + 1, 'every message once, and the system block');
    const nodes = allBlobs(m) - itemBlobs(m);
    // A new chain per turn would be ~window nodes a turn (over 200); continuing the last list, about 2.
    assert.ok(nodes <= 3 * turns, `${nodes} nodes for ${turns} turns`);
    await m.close();
  });

  it('prunes by age and by size, oldest first, then unreferenced blobs; never messages', async () => {
    const { m, id } = await withSession();
    const { spanIds } = await playStatelessConversation(m, id, 20);
    const messages = m.allMessages(id);
    // Turn t started at 10:00 + t minutes on 2026-12-01; "now" is 10 days later, at 10:10.
    const clockNow = new Date(Date.parse('2026-12-11T10:10:30Z'));
    await m.close();
    const aged = await SessionManager.open(m.path, { clock: () => clockNow });
    assert.equal(await aged.pruneTraces({ maxAgeDays: 10 }), 10);
    assert.deepEqual(
      aged.listTraces(id).map((t) => t.spanId),
      spanIds.slice(10),
    );
    assert.deepEqual(aged.allMessages(id), messages);
    // The pruned turns' items are still in use by the later bodies (a prefix of theirs): nothing else to drop.
    assert.equal(itemBlobs(aged), 39);
    assert.equal(aged.getTrace(spanIds[19]!).attempts[0]!.requestBody.length > 0, true);

    const before = allBlobs(aged);
    assert.equal(await aged.pruneTraces({ maxMegabytes: 0.001 }), 10, 'a tiny limit leaves no trace');
    assert.equal(aged.listTraces(id).length, 0);
    assert.equal(allBlobs(aged), 0, `all ${before} blobs went with the last trace`);
    assert.deepEqual(aged.allMessages(id), messages);
    assert.equal(await aged.pruneTraces({ maxMegabytes: 0.001, maxAgeDays: 1 }), 0);
    await aged.close();
  });

  it('applies the configured retention when the database opens and after recording', async () => {
    const { m, id } = await withSession();
    await playStatelessConversation(m, id, 3);
    await m.close();
    const later = () => new Date('2027-02-01T00:00:00Z');
    const reopened = await SessionManager.open(m.path, { clock: later, traceRetention: { maxAgeDays: 30 } });
    assert.equal(reopened.listTraces(id).length, 0, 'pruned on open');
    await reopened.recordTrace(makeTrace('{}', { sessionId: id }));
    assert.equal(reopened.listTraces(id).length, 0, 'pruned after recording (the trace is from 2026)');
    await reopened.close();
  });

  it('deleting a session deletes its traces and the blobs only they used', async () => {
    const { m, id } = await withSession();
    const other = await m.create({ title: 'Other', provider: 'openai', model: 'gpt-4o' });
    await playStatelessConversation(m, id, 5);
    const { bodies, spanIds } = await playStatelessConversation(m, other.id, 2);
    // The same questions and answers: the other session shares the first items and nodes.
    const shared = allBlobs(m);
    await m.delete(id);
    assert.equal(count(m, `SELECT count(*) AS n FROM turn_traces`), 2);
    assert.equal(allBlobs(m), 6, `of ${shared}: the other session's 3 items and 3 nodes stay`);
    assert.equal(m.getTrace(spanIds[1]!).attempts[0]!.requestBody, bodies[1]);
    await m.delete(other.id);
    assert.equal(allBlobs(m), 0);
    assert.equal(count(m, `SELECT count(*) AS n FROM trace_blob_refs`), 0);
    await m.close();
  });

  it('another process follows recording, pruning and deleting from the journal, byte for byte', async () => {
    const { m, file, id } = await withSession();
    const reader = await SessionManager.open(file, { readOnly: true });
    const { bodies, spanIds } = await playStatelessConversation(m, id, 4);
    reader.refresh();
    assert.deepEqual(reader.listTraces(id), m.listTraces(id));
    assert.equal(reader.getTrace(spanIds[3]!).attempts[0]!.requestBody, bodies[3]);
    assert.equal(await m.pruneTraces({ maxMegabytes: 0.0001 }), 4);
    reader.refresh();
    assert.equal(allBlobs(reader), 0);
    await playStatelessConversation(m, id, 2);
    await m.delete(id);
    reader.refresh();
    assert.equal(count(reader, `SELECT count(*) AS n FROM turn_traces`), 0);
    assert.equal(allBlobs(reader), 0);
    assert.deepEqual(reader.warnings, []);
    await reader.close();
    await m.close();
  });

  it('tells listeners here and in another process when a trace is recorded (with its messages) and when traces are pruned', async () => {
    const { m, file, id } = await withSession();
    const reader = await SessionManager.open(file, { readOnly: true });
    const here: unknown[] = [];
    const there: unknown[] = [];
    m.onDidChange((e) => here.push(e));
    reader.onDidChange((e) => there.push(e));
    const traced = makeTrace('{"input":[]}', { sessionId: id, messageIds: ['m-user', 'm-reply'] });
    await m.recordTrace(traced);
    await m.recordTrace(makeTrace('{}')); // a connection test: no session, no event
    await m.pruneTraces({ maxAgeDays: 100_000 }); // prunes nothing: no event
    await m.pruneTraces({ maxMegabytes: 0.000001 });
    reader.refresh();
    const expected = (external: boolean) => [
      { type: 'traceRecorded', sessionId: id, messageIds: ['m-user', 'm-reply'], external },
      { type: 'tracesPruned', external },
    ];
    assert.deepEqual(here, expected(false));
    assert.deepEqual(there, expected(true));
    await reader.close();
    await m.close();
  });

  it('upgrades a database made before traces, keeping its sessions', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    const tx: Tx = {
      run: (sql, params) => void db.run(sql, (params ?? undefined) as BindParams | undefined),
      all: () => [],
      get: () => undefined,
      changes: () => db.getRowsModified(),
    };
    upgradeSchema(tx, 0, 1); // what the previous release created
    const now = '2026-11-01T00:00:00.000Z';
    db.run(
      `INSERT INTO sessions (id, title, provider, model, status, created_at, updated_at, last_activity_at) VALUES ('s1', 'Old', 'openai', 'gpt-4o', 'active', ?, ?, ?)`,
      [now, now, now],
    );
    const file = tempDb();
    fs.writeFileSync(file, db.export());
    db.close();
    const m = await SessionManager.open(file);
    assert.equal(m.store.schemaVersion(), SCHEMA_VERSION);
    assert.equal(m.get('s1').title, 'Old');
    const t = makeTrace(JSON.stringify({ input: [{ text: 'a'.repeat(300) }] }), { sessionId: 's1' });
    await m.recordTrace(t);
    await m.checkpoint();
    await m.close();
    const again = await SessionManager.open(file); // the upgraded snapshot passes the schema check
    assert.equal(again.getTrace(t.spanId).attempts[0]!.requestBody, t.attempts[0]!.requestBody);
    await again.close();
  });

  it('a write that changes nothing leaves the database writable (a prune with nothing to prune, a status kept)', async () => {
    const { m, id } = await withSession();
    assert.equal(await m.pruneTraces({ maxAgeDays: 1 }), 0);
    await m.setStatus(id, 'active');
    await m.rename(id, 'Still writable'); // failed before: "cannot start a transaction within a transaction"
    assert.equal(m.get(id).title, 'Still writable');
    await m.close();
  });

  it('refuses a trace that is not one, or recorded twice', async () => {
    const { m, id } = await withSession();
    const t = makeTrace('{}', { sessionId: id });
    await expectCoreError(m.recordTrace({ ...t, spanId: 'zz' }), 'InvalidInput', /turn trace/);
    await m.recordTrace(t);
    await expectCoreError(m.recordTrace(t), 'InvalidInput', /already recorded/);
    await expectCoreError(
      Promise.resolve().then(() => m.getTrace('0123456789abcdef')),
      'InvalidInput',
      /No trace/,
    );
    await m.close();
  });

  describe('hostile database content gives a sentence, never a crash or a hang', () => {
    const cases: Array<[string, string, 'get' | 'list', RegExp]> = [
      ['an item blob missing', `DELETE FROM trace_blobs WHERE data IS NOT NULL`, 'get', /is missing/],
      ['a list node missing', `DELETE FROM trace_blobs WHERE item IS NOT NULL`, 'get', /is missing/],
      ['a node that loops', `UPDATE trace_blobs SET prev = hash WHERE prev IS NOT NULL`, 'get', /loops/],
      [
        'a node that drops a negative count',
        `UPDATE trace_blobs SET skip = -1 WHERE item IS NOT NULL`,
        'get',
        /is damaged/,
      ],
      ['a node that is an item', `UPDATE trace_blobs SET data = x'00' WHERE item IS NOT NULL`, 'get', /is damaged/],
      [
        'corrupt deflate in a blob',
        `UPDATE trace_blobs SET data = x'ffffffff' WHERE data IS NOT NULL`,
        'get',
        /cannot be decompressed/,
      ],
      [
        'another text in a blob',
        `UPDATE trace_blobs SET data = ${packed('"x"')} WHERE data IS NOT NULL`,
        'get',
        /is damaged/,
      ],
      ['corrupt deflate in a detail', `UPDATE turn_traces SET detail = x'00ff'`, 'get', /cannot be decompressed/],
      [
        'a detail of the wrong shape',
        `UPDATE turn_traces SET detail = ${packed('{"attempts":[{"requestBody":{"parts":7}}]}')}`,
        'get',
        /unknown form/,
      ],
      ['a summary that is text, not data', `UPDATE turn_traces SET summary = '{}'`, 'list', /not stored data/],
      ['a summary that is not JSON', `UPDATE turn_traces SET summary = ${packed('{nope')}`, 'list', /not JSON/],
      [
        'a summary of the wrong shape',
        `UPDATE turn_traces SET summary = ${packed('{"attemptCount":-1}')}`,
        'list',
        /wrong shape/,
      ],
      ['an outcome no trace has', `UPDATE turn_traces SET outcome = 'maybe'`, 'list', /wrong shape/],
      ['message ids that are not JSON', `UPDATE turn_traces SET message_ids = '[oops'`, 'get', /not JSON/],
    ];
    for (const [what, sql, read, pattern] of cases) {
      it(what, async () => {
        const { m, file, id } = await withSession();
        const { spanIds } = await playStatelessConversation(m, id, 3);
        await m.checkpoint();
        await m.close();
        await editFile(file, sql);
        const opened = await SessionManager.open(file);
        const attempt = () => (read === 'get' ? opened.getTrace(spanIds[2]!) : opened.listTraces(id));
        await expectCoreError(Promise.resolve().then(attempt), 'CorruptDatabase', pattern);
        assert.equal(opened.allMessages(id).length, 6, 'the messages are untouched');
        await opened.close();
      });
    }
  });
});
