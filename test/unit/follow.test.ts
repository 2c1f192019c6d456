// The follower (src/core/langswarm/follow.ts) on real files in temp folders and a real database:
// stat first (an idle poll reads nothing), only changed sessions parsed, torn and hostile files.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MigrateReport, migrate } from '../../src/core/langswarm';
import { FollowEvent, FollowProblem, Follower } from '../../src/core/langswarm/follow';
import { SessionManager } from '../../src/core/sessions';
import {
  addV1SessionRow,
  copyFixture,
  generateV1Docs,
  importedAs,
  python,
  v1Doc,
  v1Message,
  writeV1Db,
  writeV1Json,
} from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

/** Saves a session of a V1 SQLite store as V1 did: the whole row rewritten with INSERT OR REPLACE. */
function appendV1Row(file: string, sessionId: string, messageId: string): void {
  python(
    `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = list(db.execute("SELECT * FROM sessions WHERE session_id = ?", (sys.argv[2],)).fetchone())
meta, hist = json.loads(row[9]), json.loads(row[10])
hist["messages"].append({"id": sys.argv[3], "role": "user", "content": "one more", "timestamp": "2025-07-09T10:00:00", "metadata": {}, "tool_calls": None, "tool_call_id": None, "provider_message_id": None})
meta["updated_at"] = row[7] = "2025-07-09T10:00:00.000001"
row[9], row[10] = json.dumps(meta), json.dumps(hist)
db.execute("INSERT OR REPLACE INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
db.commit()
`,
    file,
    sessionId,
    messageId,
  );
}

describe('follow: importing LangSwarm stores as an app writes them', function () {
  this.timeout(120_000);
  let m: SessionManager;
  let reports: MigrateReport[];
  let events: FollowEvent[];
  let problems: FollowProblem[];
  const follower = (...sources: string[]) =>
    new Follower({
      sources,
      importFiles: async (files, unchanged) => {
        const report = await migrate(m, files, { unchanged });
        reports.push(report);
        return report;
      },
      onImport: (e) => events.push(...e),
      onProblem: (p) => problems.push(p),
    });
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    [reports, events, problems] = [[], [], []];
  });
  afterEach(async () => {
    await m.close();
  });

  it('reads nothing when nothing changed: a poll only stats', async () => {
    const store = copyFixture('v1/langswarm_sessions.db');
    const f = follower(store);
    await f.poll();
    assert.equal(reports.length, 1);
    const read = { ...f.totals };
    assert.equal(read.bytesRead, fs.statSync(store).size);
    for (let i = 0; i < 3; i++) await f.poll();
    assert.equal(reports.length, 1, 'the importer was not called again');
    assert.deepEqual([f.totals.bytesRead, f.totals.filesRead, f.totals.polls], [read.bytesRead, 1, 4]);
  });

  it("leaves the app's files as the app wrote them: same bytes, same times, no side file of ours", async () => {
    const folder = copyFixture('.');
    /** Every file under the folder: its bytes and its mtime. */
    const look = () =>
      Object.fromEntries(
        fs
          .readdirSync(folder, { recursive: true })
          .map(String)
          .filter((f) => fs.statSync(path.join(folder, f)).isFile())
          .sort()
          .map((f) => [
            f,
            `${fs.statSync(path.join(folder, f)).mtimeMs}:${fs.readFileSync(path.join(folder, f), 'base64')}`,
          ]),
      );
    const f = follower(path.join(folder, 'v1'), path.join(folder, 'v2'), path.join(folder, 'v2_memory'));
    const before = look();
    await f.poll();
    assert.deepEqual(look(), before, 'the first import changed nothing');
    appendV1Row(path.join(folder, 'v1/langswarm_sessions.db'), 'session_4c8e0f16', 'msg_live_1');
    const written = look();
    await f.poll();
    assert.equal(events.filter((e) => e.kind === 'extended').length, 1, 'the write was imported');
    assert.deepEqual(look(), written, 'following changed nothing after the app wrote either');
  });

  it('parses only the session the app saved in a V1 store, and appends its new message once', async () => {
    const store = copyFixture('v1/langswarm_sessions.db');
    const f = follower(store);
    await f.poll();
    assert.equal(f.sessions.size, 6);
    const database = fs.statSync(m.path);
    appendV1Row(store, 'session_4c8e0f16', 'msg_live_1');
    await f.poll();
    const after = fs.statSync(m.path);
    assert.deepEqual([after.ino, after.mtimeMs], [database.ino, database.mtimeMs], 'one journal record, no snapshot');
    assert.deepEqual(
      reports[1]!.files[0]!.sessions.map((s) => [s.originalId, s.outcome, s.messagesAdded]),
      [['session_4c8e0f16', 'updated', 1]],
      'the five unchanged rows were skipped by their update markers',
    );
    assert.deepEqual(
      events.slice(-1).map((e) => [e.kind, e.originalId, e.messagesAdded]),
      [['extended', 'session_4c8e0f16', 1]],
    );
    await f.poll();
    assert.equal(reports.length, 2);
    assert.equal(importedAs(m, 'session_4c8e0f16')[0]!.messageCount, 5);
  });

  it('makes no room for a whole followed store again when it gains one session', async () => {
    const store = path.join(tempDir(), 'langswarm_sessions.db');
    await writeV1Db(store, generateV1Docs(300, 20_000));
    // Big enough that importing it whole makes room first (16 MB reserved at the least: 1.75 × the store).
    assert.ok(fs.statSync(store).size * 1.75 > 16 * 1024 * 1024);
    const f = follower(store);
    await f.poll();
    const opened = m.store.durable.db;
    addV1SessionRow(store, 'session_new_live');
    await f.poll();
    assert.deepEqual(
      events.slice(-1).map((e) => [e.kind, e.originalId]),
      [['added', 'session_new_live']],
    );
    assert.equal(m.store.durable.db, opened, 'the database in memory was not reopened with room for the whole store');
  });

  it('follows a V1 JSON folder: a new session and an extended one arrive once', async () => {
    const folder = copyFixture('v1/json');
    const f = follower(folder);
    await f.poll();
    const file = path.join(folder, 'session_5f0c2a9e.json');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { history: { messages: unknown[] } };
    doc.history.messages.push(v1Message('msg_more', 'user', 'Anything else?', '2025-07-08T09:20:00'));
    writeV1Json(file, doc);
    writeV1Json(
      path.join(folder, 'session_new.json'),
      v1Doc('session_new', [v1Message('n1', 'user', 'Hi', '2025-07-09T08:00:00')]),
    );
    await f.poll();
    await f.poll();
    assert.deepEqual(
      events.slice(6).map((e) => [e.kind, e.originalId, e.messagesAdded]),
      [
        ['extended', 'session_5f0c2a9e', 1],
        ['added', 'session_new', 1],
      ],
    );
    assert.deepEqual(
      [importedAs(m, 'session_5f0c2a9e').length, importedAs(m, 'session_5f0c2a9e')[0]!.messageCount],
      [1, 7],
    );
    assert.deepEqual(f.totals.sessionsAdded, 7);
  });

  it('does not import a JSON file caught half-written; reports it once when it stays broken', async () => {
    const folder = copyFixture('v1/json');
    const f = follower(folder);
    await f.poll();
    const text = fs
      .readFileSync(path.join(folder, 'session_5f0c2a9e.json'), 'utf8')
      .replaceAll('session_5f0c2a9e', 'session_torn');
    const torn = path.join(folder, 'session_torn.json');
    fs.writeFileSync(torn, text.slice(0, text.length / 2));
    await f.poll();
    assert.equal(problems.length, 0, 'a first failure may be a write in progress');
    fs.writeFileSync(torn, text); // the app finished writing
    await f.poll();
    assert.equal(problems.length, 0);
    assert.equal(importedAs(m, 'session_torn')[0]!.messageCount, 6);

    fs.writeFileSync(torn, text.slice(0, 100));
    for (let i = 0; i < 4; i++) await f.poll();
    assert.equal(problems.length, 1, 'reported once');
    assert.match(problems[0]!.message, /session_torn\.json is not valid JSON/);
    assert.equal(reports.length, 5, 'read twice (a second look), then left alone until it changes');
    assert.equal(importedAs(m, 'session_torn')[0]!.messageCount, 6, 'nothing lost');
  });

  it('survives a store replaced by garbage, deleted files and sources: one clear error each, nothing lost', async () => {
    const folder = copyFixture('.');
    const store = path.join(folder, 'v1/langswarm_sessions.db');
    const json = path.join(folder, 'v1/json/session_b7d41e03.json');
    const f = follower(path.join(folder, 'v1'), path.join(folder, 'v2'));
    await f.poll();
    const sessions = m.stats().sessions;
    fs.writeFileSync(store, Buffer.from(`SQLite format 3\0${'x'.repeat(5000)}`, 'latin1'));
    fs.rmSync(json);
    fs.rmSync(path.join(folder, 'v2'), { recursive: true });
    for (let i = 0; i < 3; i++) await f.poll();
    assert.deepEqual(
      problems.map((p) => p.message.replace(folder, '…')),
      [
        'No such file or folder.',
        `…/v1/langswarm_sessions.db is a damaged SQLite database (file is not a database); nothing was imported from it.`,
      ],
    );
    assert.equal(m.stats().sessions, sessions, 'every imported session is kept');
    assert.equal(problems[0]!.missing, true, 'the deleted source is waited for');
    assert.equal(f.totals.errors, 1, 'only the damaged store is an error');
    fs.copyFileSync(copyFixture('v1/langswarm_sessions.db'), store); // repaired
    await f.poll();
    assert.deepEqual(
      f.problems.map((p) => p.message),
      ['No such file or folder.'],
      'the store reads again',
    );
  });

  it('waits for a source the app has not saved yet: said once, no error, imported once it appears', async () => {
    const later = path.join(copyFixture('.'), 'later');
    const f = follower(later);
    for (let i = 0; i < 3; i++) await f.poll();
    assert.deepEqual(problems, [{ file: later, message: 'No such file or folder.', missing: true }]);
    assert.deepEqual(f.problems, problems, 'listed while it is missing');
    assert.equal(f.totals.errors, 0);

    fs.cpSync(copyFixture('v1/json'), later, { recursive: true });
    await f.poll();
    assert.deepEqual(f.problems, [], 'there now');
    assert.equal(events.filter((e) => e.kind === 'added').length, 6, 'its six sessions');
    assert.equal(f.totals.messages, 2017);

    fs.rmSync(later, { recursive: true });
    for (let i = 0; i < 2; i++) await f.poll();
    assert.equal(problems.length, 2, 'gone again: said once more');
    assert.equal(problems[1]!.missing, true);
    assert.equal(f.totals.errors, 0);
    assert.equal(m.stats().sessions, 6, 'its sessions stay');
  });

  it('reports a bad row once while the rest of its store keeps changing', async () => {
    const store = copyFixture('v1/langswarm_sessions.db');
    python(
      `import sqlite3,sys; db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE sessions SET history = '{not json' WHERE session_id = 'session_b7d41e03'"); db.commit()`,
      store,
    );
    const f = follower(store);
    await f.poll();
    appendV1Row(store, 'session_4c8e0f16', 'msg_live_1');
    await f.poll();
    appendV1Row(store, 'session_5f0c2a9e', 'msg_live_2');
    await f.poll();
    assert.deepEqual(
      problems.map((p) => p.message.replace(/: .*/s, '')),
      ['session "session_b7d41e03"'],
      'one report for the bad row',
    );
    assert.deepEqual(
      events.slice(-2).map((e) => [e.originalId, e.messagesAdded]),
      [
        ['session_4c8e0f16', 1],
        ['session_5f0c2a9e', 1],
      ],
    );
  });

  it('tries again when the import itself fails (the database busy), reporting it once', async () => {
    const folder = copyFixture('v1/json');
    let failing = 2;
    const f = new Follower({
      sources: [folder],
      importFiles: async (files, unchanged) => {
        if (failing-- > 0) throw new Error('the database is busy');
        return migrate(m, files, { unchanged });
      },
      onImport: (e) => events.push(...e),
      onProblem: (p) => problems.push(p),
    });
    await f.poll();
    await f.poll();
    assert.equal(problems.length, 6, 'each of the six files once');
    assert.match(problems[0]!.message, /could not be imported: the database is busy/);
    await f.poll();
    assert.equal(events.length, 6, 'imported once the database was free');
    assert.deepEqual(f.problems, []);
  });
});
