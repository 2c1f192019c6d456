// The session store in a worker thread (src/core/worker), as the extension uses it: real worker threads on
// real temp database files, another real process writing beside them, and the watchdog stopping real work.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreError, isCoreError } from '../../src/core/errors';
import type { NewMessage } from '../../src/core/model';
import { SessionEvent, SessionManager } from '../../src/core/sessions';
import { SessionClient, SessionClientOptions } from '../../src/core/worker/client';
import { DEFAULT_BUDGETS } from '../../src/core/worker/protocol';
import { cliAsync } from '../helpers/cli';
import { expectCoreError } from '../helpers/errors';
import { generateV1Docs, writeV1Db } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';
import { playStatelessConversation } from '../helpers/traces';

async function until<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  for (const start = Date.now(); ; ) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - start > 15_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const many = (n: number, prefix: string): NewMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `${prefix} ${i} lorem ipsum dolor sit amet`,
  }));

/** A database written in-process (as the CLI does) with one session of `messages` messages. */
async function seeded(messages: number): Promise<{ file: string; sessionId: string }> {
  const file = tempDb();
  const m = await SessionManager.open(file);
  const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Seeded' });
  for (let i = 0; i < messages; i += 5000) await m.addMessages(s.id, many(Math.min(5000, messages - i), `seed ${i}`));
  await m.close();
  return { file, sessionId: s.id };
}

describe('the session store in a worker thread', function () {
  this.timeout(60_000); // bounds a hang; starting a worker from TypeScript sources takes a second or two

  const clients: SessionClient[] = [];
  const open = async (file: string, options: SessionClientOptions = {}) => {
    const client = await SessionClient.open(file, options);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  });

  it('writes and reads through the worker exactly what the manager in-process finds on disk', async () => {
    const file = tempDb();
    const c = await open(file);
    assert.equal(c.readOnly, false);
    const s = await c.create({ provider: 'anthropic', model: 'claude', title: 'Round trip', tags: ['x'] });
    const added = await c.addMessages(s.id, [
      { role: 'user', content: 'hello from the host' },
      { role: 'assistant', content: 'hi 👋' },
    ]);
    const edited = await c.editMessage(added[1]!.id, { content: 'hi again' });
    assert.equal(edited.revision, 1);
    assert.deepEqual(
      (await c.list()).items.map((x) => [x.title, x.messageCount]),
      [['Round trip', 2]],
    );
    assert.deepEqual(
      (await c.search('host')).hits.map((h) => h.messageId),
      [added[0]!.id],
    );
    assert.equal((await c.revisions(added[1]!.id)).length, 1);
    const inWorker = { session: await c.get(s.id), messages: await c.allMessages(s.id) };
    await c.close();
    const m = await SessionManager.open(file);
    try {
      assert.deepEqual({ session: m.get(s.id), messages: m.allMessages(s.id) }, inWorker);
    } finally {
      await m.close();
    }
  });

  it('records, lists, reads back exactly and prunes turn traces through the worker, with retention set at open', async () => {
    const file = tempDb();
    const c = await open(file, { traceRetention: { maxAgeDays: 36_500 } });
    const s = await c.create({ provider: 'openai', model: 'gpt-4o', title: 'Traced' });
    const { bodies, spanIds } = await playStatelessConversation(c, s.id, 3);
    assert.deepEqual(
      (await c.listTraces(s.id)).map((t) => t.spanId),
      spanIds,
    );
    assert.equal((await c.getTrace(spanIds[2]!)).attempts[0]!.requestBody, bodies[2]);
    await assert.rejects(c.getTrace('0123456789abcdef'), (e: unknown) => isCoreError(e, 'InvalidInput'));
    assert.equal(await c.pruneTraces({ maxMegabytes: 0.001 }), 3);
    assert.equal((await c.allMessages(s.id)).length, 6);
    // The retention crosses to the worker, which applies it after recording.
    await c.close();
    const again = await open(file, { traceRetention: { maxMegabytes: 0.0001 } });
    await playStatelessConversation(again, s.id, 1);
    assert.deepEqual(await again.listTraces(s.id), [], 'pruned after recording in the worker');
  });

  it("forwards what another process changes, marked external, from the worker's own polling", async () => {
    const file = tempDb();
    const c = await open(file, { pollMs: 50 });
    const s = await c.create({ provider: 'openai', model: 'gpt-4o' });
    const events: SessionEvent[] = [];
    c.onDidChange((e) => events.push(e));
    const cli = await cliAsync(['add', s.id, '--role', 'user', '--content', 'from the CLI', '--db', file]);
    assert.equal(cli.code, 0, cli.stderr);
    const messageId = cli.stdout.trim();
    const seen = await until('the external event', () => events.find((e) => e.type === 'messagesAdded'));
    assert.deepEqual(seen, { type: 'messagesAdded', sessionId: s.id, messageIds: [messageId], external: true });
    assert.equal((await c.getMessage(messageId)).sessionId, s.id);
  });

  it("rebuilds the core's errors on the host: class, code, sentence and details", async () => {
    const file = tempDb();
    const c = await open(file);
    await assert.rejects(
      c.get('nope'),
      (e: unknown) =>
        e instanceof CoreError &&
        e.code === 'SessionNotFound' &&
        e.message === 'No session with id "nope".' &&
        e.details['sessionId'] === 'nope',
    );
    await assert.rejects(
      c.create({ provider: '', model: 'm' }),
      (e: unknown) =>
        isCoreError(e, 'InvalidInput') &&
        /^Invalid session: provider/.test(e.message) &&
        Array.isArray(e.details['issues']),
    );
    const s = await c.create({ provider: 'openai', model: 'm' });
    await c.close();
    const readOnly = await open(file, { readOnly: true });
    assert.equal(readOnly.readOnly, true);
    assert.equal((await readOnly.get(s.id)).id, s.id);
    await assert.rejects(readOnly.rename(s.id, 'no'), (e: unknown) => isCoreError(e, 'DatabaseReadOnly'));
  });

  it('cancels a migration running in the worker between sessions, with progress on the way', async () => {
    const dir = tempDir();
    const source = path.join(dir, 'langswarm_sessions.db');
    await writeV1Db(source, generateV1Docs(400, 12_000));
    const c = await open(path.join(dir, 'sessions.sqlite'));
    const abort = new AbortController();
    const progress: number[] = [];
    const report = await c.migrate([source], {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.sessions === 0) return; // the file's start
        progress.push(p.sessions);
        abort.abort();
      },
    });
    assert.ok(progress.length > 0 && progress[0]! > 0, 'progress came from the worker');
    assert.equal(report.cancelled, true);
    const imported = report.totals.imported;
    assert.ok(imported > 0 && imported < 400, `stopped part way (${imported} of 400)`);
    const { items, total } = await c.list({ limit: 1000 });
    assert.equal(total, imported, 'what was imported stays, and nothing else');
    const expected = new Map(report.files[0]!.sessions.map((r) => [r.sessionId, r.messagesAdded]));
    for (const s of items) assert.equal(s.messageCount, expected.get(s.id), 'each session whole');
  });

  it('stops an open over its budget, says so once, and opens with a normal budget on the next call', async () => {
    const { file, sessionId } = await seeded(20_000);
    const c = new SessionClient(file, { budgets: { open: 5 } });
    clients.push(c);
    const notices: string[] = [];
    c.onDidStop((n) => notices.push(n));
    assert.equal(
      (await expectCoreError(c.get(sessionId), 'StoreStopped')).message,
      'Opening the session database took longer than 5 ms, so the session store was stopped. Everything saved before is kept; try again.',
    );
    assert.deepEqual(notices, [
      'The session store did not respond for 5 ms while opening the session database, so the session store was stopped. Everything saved before is kept.',
    ]);
    c.budgets.open = DEFAULT_BUDGETS.open;
    assert.equal((await c.get(sessionId)).messageCount, 20_000);
    assert.equal(notices.length, 1);
  });

  it('stops a write over its budget mid-transaction, frees the write lock it held, restarts, and keeps every acknowledged write', async () => {
    const { file, sessionId } = await seeded(30_000);
    // A lock left behind would make the next write wait this long and fail as busy.
    const c = await open(file, { lockTimeoutMs: 3000 });
    const acknowledged = await c.addMessage(sessionId, { role: 'user', content: 'acknowledged before' });
    const events: SessionEvent[] = [];
    c.onDidChange((e) => events.push(e));
    const notices: string[] = [];
    c.onDidStop((n) => notices.push(n));
    c.budgets.write = 30;
    // Copying 30,000 messages is one transaction of far more than 30 ms, under the write lock.
    const forking = c.fork(sessionId, acknowledged.id);
    const reading = c.stats(); // sent behind it: in flight when the worker is stopped
    assert.equal(
      (await expectCoreError(forking, 'StoreStopped')).message,
      'Saving a change took longer than 30 ms, so the session store was stopped and started again. This change may not have been saved. Everything saved before is kept; try again.',
    );
    assert.equal(
      (await expectCoreError(reading, 'StoreStopped')).message,
      'The session store was stopped while reading sessions (saving a change took longer than 30 ms). Everything saved before is kept; try again.',
    );
    assert.equal(notices.length, 1);
    c.budgets.write = DEFAULT_BUDGETS.write;
    await until("the restarted store's reset", () => events.some((e) => e.type === 'reset' && e.external));
    const after = await c.addMessage(sessionId, { role: 'user', content: 'after the restart' });
    const session = await c.get(sessionId);
    assert.equal(session.messageCount, 30_002);
    assert.deepEqual(
      (await c.messages(sessionId, { beforeSeq: Number.MAX_SAFE_INTEGER, limit: 2 })).map((m) => m.id),
      [acknowledged.id, after.id],
    );
    assert.equal((await c.list()).total, 1, 'the stopped fork left nothing behind');
    assert.equal(fs.existsSync(`${file}.lock`), false);
  });

  it("makes a state dump in the worker on its own budget, and a read sent behind it waits on that budget, not the read's", async () => {
    const { file, sessionId } = await seeded(10);
    const c = await open(file);
    const notices: string[] = [];
    c.onDidStop((n) => notices.push(n));
    // Megabytes of text to redact: one synchronous pass of far more than 30 ms, without a heartbeat.
    const text = Array.from({ length: 15_000 }, (_, i) => `line ${i} of a long tool output, nothing secret here`).join(
      '\n',
    );
    await c.addMessages(
      sessionId,
      [1, 2, 3, 4].map(() => ({ role: 'user' as const, content: text })),
    );
    c.budgets.read = 30;
    const dumping = c.dump({ sessionId });
    const reading = c.get(sessionId);
    const dump = await dumping;
    assert.equal((await dump.info()).redactionSummary, 'No secrets found.');
    assert.equal(await dump.value(['sessions', 0, 'messages', 10, 'parts', 0, 'text']), text);
    assert.equal((await reading).id, sessionId);
    assert.deepEqual(notices, []);

    c.budgets.dump = 30;
    assert.equal(
      (await expectCoreError(c.dump({ sessionId }), 'StoreStopped')).message,
      'Making a state dump took longer than 30 ms, so the session store was stopped and started again. Everything saved before is kept; try again.',
    );
    assert.equal(notices.length, 1);
  });

  it('closes: folds the journal, releases the lock, and refuses further calls', async () => {
    const { file, sessionId } = await seeded(10);
    const c = await open(file, { checkpointBytes: 64 * 1024 * 1024 });
    await c.addMessages(sessionId, many(3000, 'journaled'));
    assert.ok(fs.statSync(`${file}.journal`).size > 1024 * 1024, 'over a megabyte in the journal');
    const snapshotBefore = fs.statSync(file).size;
    await c.close();
    assert.ok(fs.statSync(file).size > snapshotBefore + 512 * 1024, 'folded into the snapshot on close');
    assert.equal(fs.existsSync(`${file}.lock`), false);
    await assert.rejects(c.list(), (e: unknown) => isCoreError(e, 'DatabaseClosed'));
    await c.close(); // twice is fine
    const m = await SessionManager.open(file);
    assert.equal(m.get(sessionId).messageCount, 3010);
    await m.close();
  });
});
