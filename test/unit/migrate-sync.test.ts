// Re-importing sources that changed: appends only what is new, never overwrites what diverged or
// what was changed here, keeps two sources with one id apart; cancellation and progress.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportV1, migrate } from '../../src/core/langswarm';
import { messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import {
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

/** Edits one session's history in a V1 SQLite store as LangSwarm V1 would (whole row rewritten). */
function editV1Row(file: string, sessionId: string, edit: string): void {
  python(
    `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
meta, hist = db.execute("SELECT metadata, history FROM sessions WHERE session_id = ?", (sys.argv[2],)).fetchone()
meta, hist = json.loads(meta), json.loads(hist)
msgs = hist["messages"]
${edit}
meta["message_count"] = len(msgs)
meta["updated_at"] = meta["last_activity"] = "2025-07-09T10:00:00.000001"
db.execute("UPDATE sessions SET metadata = ?, history = ?, updated_at = ? WHERE session_id = ?", (json.dumps(meta), json.dumps(hist), meta["updated_at"], sys.argv[2]))
db.commit()
`,
    file,
    sessionId,
  );
}

const texts = (m: SessionManager, id: string) => m.allMessages(id).map((x) => messageText(x.parts));

describe('migrate: re-importing changed sources', function () {
  this.timeout(120_000);
  let m: SessionManager;
  let source: string;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    source = copyFixture('v1/langswarm_sessions.db');
  });
  afterEach(async () => {
    await m.close();
  });

  it('appends only the new messages of a session that grew, and updates its fields', async () => {
    await migrate(m, [source]);
    const [before] = importedAs(m, 'session_5f0c2a9e');
    editV1Row(
      source,
      'session_5f0c2a9e',
      `
msgs.append({"id": "msg_new1", "role": "user", "content": "And INV-2025-0044?", "timestamp": "2025-07-09T09:59:00", "metadata": {}, "tool_calls": None, "tool_call_id": None, "provider_message_id": None})
msgs.append({"id": "msg_new2", "role": "assistant", "content": "Paid on July 9.", "timestamp": "2025-07-09T09:59:30.5", "metadata": {}, "tool_calls": None, "tool_call_id": None, "provider_message_id": None})
meta["status"] = "inactive"`,
    );
    const report = await migrate(m, [source]);
    assert.deepEqual([report.totals.updated, report.totals.unchanged, report.totals.messagesImported], [1, 5, 2]);
    const outcome = report.files[0]!.sessions.find((s) => s.originalId === 'session_5f0c2a9e');
    assert.deepEqual([outcome?.outcome, outcome?.sessionId, outcome?.messagesAdded], ['updated', before!.id, 2]);
    const [after] = importedAs(m, 'session_5f0c2a9e');
    assert.equal(after!.status, 'paused');
    assert.equal(after!.messageCount, 8);
    const ids = m.allMessages(after!.id).map((x) => [x.seq, x.origin?.['id']]);
    assert.deepEqual(ids.slice(-3), [
      [6, 'openai_chatcmpl-9mNqM5c8YlUr1bAsE2tZwX4fG5hI'],
      [7, 'msg_new1'],
      [8, 'msg_new2'],
    ]);
    const row = python(
      `import sqlite3,sys,json; r = sqlite3.connect(sys.argv[1]).execute("SELECT metadata, history FROM sessions WHERE session_id='session_5f0c2a9e'").fetchone(); print('{"metadata": ' + r[0] + ', "history": ' + r[1] + '}', end='')`,
      source,
    );
    assert.equal(await exportV1(m, after!.id), row, 'the export equals the grown source');
    assert.equal((await migrate(m, [source])).totals.unchanged, 6, 'and a third import changes nothing');
  });

  it('follows a source whose old messages V1 truncated away (auto_truncate), appending only the new ones', async () => {
    await migrate(m, [source]);
    editV1Row(
      source,
      'session_4c8e0f16',
      `
msgs[:] = [msgs[0]] + msgs[2:]
msgs.append({"id": "msg_late", "role": "user", "content": "Thanks!", "timestamp": "2025-07-09T09:00:00", "metadata": {}, "tool_calls": None, "tool_call_id": None, "provider_message_id": None})
hist["truncated_at"] = "2025-07-09T09:00:00.000001"`,
    );
    const report = await migrate(m, [source]);
    assert.deepEqual([report.totals.updated, report.totals.messagesImported, report.totals.conflict], [1, 1, 0]);
    const [s] = importedAs(m, 'session_4c8e0f16');
    assert.deepEqual(
      texts(m, s!.id),
      [
        'Policy: refunds within 30 days only.',
        'Thanks, refund initiated.',
        'When will I get it?',
        'Within 5–7 business days.',
        'Thanks!',
      ],
      'the truncated message stays here',
    );
  });

  it('does not overwrite a session whose source changed an imported message: imports it beside, linked', async () => {
    await migrate(m, [source]);
    const [original] = importedAs(m, 'session_b7d41e03');
    editV1Row(source, 'session_b7d41e03', 'msgs[1]["content"] = "Weather in Malmö?"');
    const report = await migrate(m, [source]);
    const outcome = report.files[0]!.sessions.find((s) => s.originalId === 'session_b7d41e03')!;
    assert.equal(outcome.outcome, 'conflict');
    assert.equal(outcome.conflictWith, original!.id);
    assert.match(outcome.reason ?? '', /message 2 differs/);
    const both = importedAs(m, 'session_b7d41e03');
    assert.equal(both.length, 2);
    assert.equal(texts(m, original!.id)[1], 'Weather in Göteborg?', 'the first import is untouched');
    const beside = both.find((s) => s.id !== original!.id)!;
    assert.equal(texts(m, beside.id)[1], 'Weather in Malmö?');
    assert.equal(beside.origin?.['conflictWith'], original!.id);
    assert.match(beside.title, /\(conflict\)$/);
    assert.equal((await migrate(m, [source])).totals.unchanged, 6, 'importing it again matches the copy beside');
  });

  it('does not overwrite a session edited here: the grown source is imported beside it', async () => {
    await migrate(m, [source]);
    const [s] = importedAs(m, 'session_9a6c1d24');
    const first = m.allMessages(s!.id)[0]!;
    await m.editMessage(first.id, { content: 'Edited here.' });
    editV1Row(source, 'session_9a6c1d24', `msgs.append(dict(msgs[-1], id="msg_more", content="More."))`);
    const report = await migrate(m, [source]);
    const outcome = report.files[0]!.sessions.find((x) => x.originalId === 'session_9a6c1d24')!;
    assert.deepEqual([outcome.outcome, outcome.messagesAdded], ['conflict', 2001]);
    assert.match(outcome.reason ?? '', /was changed here after it was imported/);
    assert.equal(texts(m, s!.id)[0], 'Edited here.');
    assert.equal(m.get(s!.id).messageCount, 2000);
  });

  it('keeps two different sources with one session id apart', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    writeV1Json(a, v1Doc('default', [v1Message('m1', 'user', 'Project A question', '2025-07-01T10:00:00')]));
    writeV1Json(b, v1Doc('default', [v1Message('m1', 'user', 'Project B question', '2025-07-02T10:00:00')]));
    const report = await migrate(m, [a, b]);
    assert.deepEqual(
      report.files.map((f) => f.sessions[0]?.outcome),
      ['imported', 'conflict'],
    );
    const both = importedAs(m, 'default');
    assert.deepEqual(both.map((s) => texts(m, s.id)[0]).sort(), ['Project A question', 'Project B question']);
    assert.deepEqual(
      (await migrate(m, [b, a])).files.map((f) => f.sessions[0]?.outcome),
      ['unchanged', 'unchanged'],
    );
    assert.equal(m.stats().sessions, 2);
  });

  it('treats an older copy of an imported session as unchanged', async () => {
    await migrate(m, [source]);
    const older = path.join(tempDir(), 'older.json');
    const doc = JSON.parse(fs.readFileSync(copyFixture('v1/json/session_9a6c1d24.json'), 'utf8')) as {
      history: { messages: unknown[] };
    };
    doc.history.messages = doc.history.messages.slice(0, 100);
    writeV1Json(older, doc);
    const report = await migrate(m, [older]);
    assert.equal(report.files[0]!.sessions[0]!.outcome, 'unchanged');
    assert.equal(importedAs(m, 'session_9a6c1d24').length, 1);
  });

  it('stops between sessions when cancelled, keeping whole sessions only', async () => {
    const big = path.join(tempDir(), 'big.db');
    await writeV1Db(big, generateV1Docs(400, 12_000, 5));
    const controller = new AbortController();
    const seen: number[] = [];
    const report = await migrate(m, [big], {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.sessions);
        if (p.sessions >= 50) controller.abort();
      },
    });
    assert.equal(report.cancelled, true);
    const imported = report.totals.imported;
    assert.ok(imported >= 50 && imported < 400, `imported ${imported}`);
    assert.equal(m.stats().sessions, imported);
    for (const r of report.files[0]!.sessions)
      assert.equal(m.get(r.sessionId!).messageCount, r.messagesAdded, 'whole sessions only');
    assert.equal(m.search('weather').total > 0, true, 'what was imported is indexed');
    assert.ok(seen.length > 1 && seen.every((n, i) => i === 0 || n >= seen[i - 1]!), 'progress only grows');
    const rest = await migrate(m, [big]);
    assert.deepEqual(
      [rest.totals.unchanged, rest.totals.imported],
      [imported, 400 - imported],
      'the rest imports later',
    );
  });
});
