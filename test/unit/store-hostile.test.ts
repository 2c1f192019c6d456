// A workspace database arrives with a cloned repository: its snapshot, journal and backup are
// hostile input. Nothing in them may run, hang, take unbounded memory, or brick the database.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import {
  JOURNAL_HEADER_BYTES,
  Statement,
  decodeJournalHeader,
  encodeRecord,
  parseRecords,
} from '../../src/core/store/journal';
import { salvage } from '../../src/core/store/salvage';
import { cli } from '../helpers/cli';
import { expectCoreError } from '../helpers/errors';
import { editFile } from '../helpers/sqlite';
import { tempDb } from '../helpers/temp';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A database with one session of two messages, its changes still in the journal. */
async function makeDatabase(): Promise<{ file: string; sessionId: string }> {
  const file = tempDb();
  const m = await SessionManager.open(file);
  const s = await m.create({ title: 'Kept', provider: 'openai', model: 'gpt-4o' });
  await m.addMessage(s.id, { role: 'user', content: 'first question' });
  await m.addMessage(s.id, { role: 'assistant', content: 'first answer' });
  await m.close();
  return { file, sessionId: s.id };
}

/** The last change number in a journal (or its header's, when it has no records). */
function lastLsn(journal: string): number {
  const bytes = fs.readFileSync(journal);
  const records = parseRecords(bytes.subarray(JOURNAL_HEADER_BYTES), JOURNAL_HEADER_BYTES, () => false).records;
  return records.at(-1)?.lsn ?? decodeJournalHeader(bytes)!.lsn;
}

/** Appends a well-formed, correctly checksummed record holding `statements` (as an attacker would). */
function appendRecord(file: string, statements: Array<[string, unknown[]]>): void {
  const journal = `${file}.journal`;
  fs.appendFileSync(
    journal,
    encodeRecord({ lsn: lastLsn(journal) + 1, schema: 1, statements: statements as Statement[], changes: [] }),
  );
}

const texts = (m: SessionManager, id: string) => m.allMessages(id).map((x) => messageText(x.parts));

describe('hostile workspace databases', () => {
  const hostileRecords: Array<[string, Array<[string, unknown[]]>]> = [
    [
      'a recursive query that never ends',
      [['WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c', []]],
    ],
    ['a huge allocation', [['SELECT randomblob(900000000)', []]]],
    ['a trigger', [["CREATE TRIGGER t AFTER INSERT ON messages BEGIN UPDATE sessions SET title = 'pwned'; END", []]]],
    ['a catalogue statement with too few parameters', [['deleteSession', []]]],
    [
      'a catalogue statement that fails (a duplicate id)',
      [
        [
          'insertSession',
          ['dup', 't', '', 'openai', 'm', 'active', null, '[]', '{}', '{}', 'x', 'x', 'x', null, null, null, 0, 0, 1],
        ],
        [
          'insertSession',
          ['dup', 't', '', 'openai', 'm', 'active', null, '[]', '{}', '{}', 'x', 'x', 'x', null, null, null, 0, 0, 1],
        ],
      ],
    ],
  ];
  for (const [what, statements] of hostileRecords) {
    it(`a journal record with ${what} is not run: the open completes, says so, and sets the journal aside`, async function () {
      this.timeout(20_000); // the recursive query would run forever; the huge allocation takes GBs
      const { file, sessionId } = await makeDatabase();
      appendRecord(file, statements);
      // Read-only (an untrusted workspace): opens, warns, changes no file.
      const before = sha(`${file}.journal`);
      const ro = await SessionManager.open(file, { readOnly: true });
      assert.deepEqual(texts(ro, sessionId), ['first question', 'first answer']);
      assert.match(ro.warnings.join('\n'), /cannot be applied|could not be read/);
      await ro.close();
      assert.equal(sha(`${file}.journal`), before);
      // Writable: the journal is kept aside and the database goes on from what came before the record.
      const m = await SessionManager.open(file);
      assert.match(m.warnings.join('\n'), /It was kept as .*\.journal\.damaged-/);
      assert.equal(m.get(sessionId).title, 'Kept');
      await m.addMessage(sessionId, { role: 'user', content: 'after' });
      await m.close();
      const again = await SessionManager.open(file);
      assert.deepEqual(texts(again, sessionId), ['first question', 'first answer', 'after']);
      assert.equal(again.list().items.length, 1, 'no session from the hostile record');
      await again.close();
    });
  }

  it('replays the store’s own operations from another process’s journal (the catalogue covers every write)', async () => {
    const { file, sessionId } = await makeDatabase();
    const reader = await SessionManager.open(file, { readOnly: true });
    const writer = await SessionManager.open(file);
    const other = await writer.create({ title: 'Other', provider: 'anthropic', model: 'claude', tags: ['a', 'b'] });
    await writer.addMessage(other.id, { role: 'user', content: 'hello' });
    await writer.rename(other.id, 'Renamed');
    await writer.setTags(other.id, ['c']);
    await writer.configure(other.id, { systemPrompt: 'Be brief.', model: 'claude-2' });
    const msg = writer.messages(sessionId)[0]!;
    await writer.editMessage(msg.id, { content: 'edited question' });
    await writer.fork(sessionId, msg.id, { title: 'Fork' });
    await writer.deleteMessage(writer.messages(sessionId)[1]!.id);
    await writer.setStatus(other.id, 'archived');
    reader.refresh();
    for (const s of writer.list().items) assert.deepEqual(reader.get(s.id), writer.get(s.id));
    assert.deepEqual(texts(reader, sessionId), ['edited question']);
    assert.equal(reader.search('hello').total, 1);
    assert.equal(reader.warnings.length, 0, reader.warnings.join('\n'));
    await writer.close();
    await reader.close();
  });

  it('reads a journal larger than its read chunk, and a record larger than the chunk, whole', async function () {
    this.timeout(60_000);
    const { file, sessionId } = await makeDatabase();
    const writer = await SessionManager.open(file, { checkpointBytes: 1 << 30 });
    const reader = await SessionManager.open(file, { readOnly: true });
    const sizes = Array.from({ length: 12 }, () => 1024 * 1024 + 17);
    for (const size of sizes) await writer.addMessage(sessionId, { role: 'user', content: 'y'.repeat(size) });
    // Two text parts: the record holds the parts and the search text, over 16 MiB together.
    const half = 'x'.repeat(5 * 1024 * 1024);
    await writer.addMessage(sessionId, {
      role: 'user',
      parts: [
        { type: 'text', text: half },
        { type: 'text', text: half },
      ],
    });
    await writer.addMessage(sessionId, { role: 'user', content: 'last' });
    assert.ok(fs.statSync(`${file}.journal`).size > 2 * 16 * 1024 * 1024);
    reader.refresh();
    assert.deepEqual(
      reader
        .allMessages(sessionId)
        .slice(2)
        .map((x) => x.parts.map((p) => messageText([p]).length).join('+')),
      [...sizes.map(String), `${half.length}+${half.length}`, '4'],
    );
    assert.equal(reader.warnings.length, 0, reader.warnings.join('\n'));
    await writer.close();
    await reader.close();
  });

  it('a journal with a long run of zeros before more bytes is damage, found in bounded time', async () => {
    const { file, sessionId } = await makeDatabase();
    fs.appendFileSync(`${file}.journal`, Buffer.alloc(20 * 1024 * 1024));
    fs.appendFileSync(`${file}.journal`, Buffer.from([1]));
    const m = await SessionManager.open(file, { readOnly: true });
    assert.match(m.warnings.join('\n'), /damaged at byte \d+ \(.*\)/);
    assert.deepEqual(texts(m, sessionId), ['first question', 'first answer']);
    await m.close();
  });

  const foreignObjects: Array<[string, string, RegExp]> = [
    [
      'a trigger',
      `CREATE TRIGGER rewrite AFTER INSERT ON messages BEGIN UPDATE sessions SET title = 'pwned', model = 'evil'; END`,
      /trigger "rewrite" on messages/,
    ],
    // `_` is a LIKE wildcard: SQLite's own `sqlite_autoindex_%` names must be matched literally.
    [
      'a trigger named like SQLite’s own indexes',
      `CREATE TRIGGER sqliteXautoindexXrewrite AFTER INSERT ON messages BEGIN UPDATE sessions SET title = 'pwned', model = 'evil'; END`,
      /trigger "sqliteXautoindexXrewrite" on messages/,
    ],
    [
      'a view',
      `CREATE VIEW v AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c`,
      /view "v"/,
    ],
    ['a table', `CREATE TABLE extra (x)`, /table "extra"/],
    ['an index', `CREATE INDEX by_role ON messages(role)`, /index "by_role" on messages/],
    [
      'a changed definition',
      `DROP INDEX sessions_by_status; CREATE INDEX sessions_by_status ON sessions(title)`,
      /index "sessions_by_status" on sessions defined differently/,
    ],
  ];
  for (const [what, sql, pattern] of foreignObjects) {
    it(`refuses a snapshot and backup holding ${what}, leaving every file untouched, and salvage copies the sessions`, async () => {
      const { file, sessionId } = await makeDatabase();
      const m = await SessionManager.open(file);
      await m.store.durable.checkpoint(); // the session in the snapshot; the backup is the previous snapshot
      await m.close();
      await editFile(file, sql);
      await editFile(`${file}.bak`, sql);
      const files = [file, `${file}.bak`, `${file}.journal`];
      const before = files.map(sha);
      await expectCoreError(SessionManager.open(file), 'ForeignSchema', pattern);
      await expectCoreError(
        SessionManager.open(file, { readOnly: true }),
        'ForeignSchema',
        /refused and left untouched/,
      );
      assert.deepEqual(files.map(sha), before);

      const target = tempDb('salvaged.sqlite');
      const report = await salvage(file, target);
      assert.deepEqual([report.sessions, report.messages, report.skipped], [1, 2, []]);
      assert.deepEqual(files.map(sha), before, 'salvage only reads');
      const copy = await SessionManager.open(target);
      await copy.addMessage(sessionId, { role: 'user', content: 'next' });
      assert.deepEqual(texts(copy, sessionId), ['first question', 'first answer', 'next']);
      assert.deepEqual(
        [copy.get(sessionId).title, copy.get(sessionId).model],
        ['Kept', 'gpt-4o'],
        'no trigger came along',
      );
      assert.equal(copy.search('answer').total, 1);
      await copy.close();
    });
  }

  it('through the CLI: a refused database is named with what was found, and salvage copies it without opening it', async () => {
    const { file, sessionId } = await makeDatabase();
    const m = await SessionManager.open(file);
    await m.store.durable.checkpoint();
    await m.close();
    await editFile(file, foreignObjects[0]![1]);
    await editFile(`${file}.bak`, foreignObjects[0]![1]);
    const before = sha(file);
    const shown = cli(['show', sessionId, '--db', file]);
    assert.equal(shown.code, 1, shown.stderr);
    assert.match(
      shown.stderr,
      /^error: .* has a trigger "rewrite" on messages it does not create\. It was refused and left untouched/,
    );
    const target = tempDb('copy.sqlite');
    const copied = cli(['salvage', '--db', file, '--out', target]);
    assert.equal(copied.code, 0, copied.stderr);
    assert.match(copied.stdout, /copied 1 session\(s\) with 2 message\(s\)/);
    assert.equal(
      cli(['salvage', '--db', file, '--out', target]).stderr,
      `error: --out ${target} already exists; give a new file.\n`,
    );
    assert.match(cli(['show', sessionId, '--db', target]).stdout, /first answer/);
    assert.equal(sha(file), before);
  });

  it('refuses a change number so large that the next write would be lost', async () => {
    const { file } = await makeDatabase();
    const m = await SessionManager.open(file);
    await m.store.durable.checkpoint();
    await m.close();
    await editFile(file, `UPDATE store_meta SET value = ${2 ** 53 - 1} WHERE key = 'lsn'`);
    fs.rmSync(`${file}.bak`);
    const before = sha(file);
    await expectCoreError(
      SessionManager.open(file),
      'CorruptDatabase',
      /impossible change number \(9007199254740991\)/,
    );
    assert.equal(sha(file), before);
  });

  it('refuses an impossible schema version', async () => {
    const { file } = await makeDatabase();
    const m = await SessionManager.open(file);
    await m.store.durable.checkpoint();
    await m.close();
    await editFile(file, `UPDATE store_meta SET value = 'one' WHERE key = 'schema_version'`);
    fs.rmSync(`${file}.bak`);
    await expectCoreError(SessionManager.open(file), 'NotADatabase', /impossible schema version \(one\)/);
  });

  it('salvage skips rows that are not sessions or messages and never reads a view in place of a table', async () => {
    const { file, sessionId } = await makeDatabase();
    const m = await SessionManager.open(file);
    await m.store.durable.checkpoint();
    await m.close();
    await editFile(
      file,
      `INSERT INTO sessions (id, title, provider, model, status, created_at, updated_at, last_activity_at, metadata)
      VALUES ('bad', 't', 'openai', 'm', 'no-such-status', 'x', 'x', 'x', '{not json')`,
    );
    const target = tempDb('salvaged.sqlite');
    const report = await salvage(file, target);
    assert.equal(report.sessions, 1);
    assert.match(report.skipped.join('\n'), /session bad: not a valid session/);
    const copy = await SessionManager.open(target);
    assert.deepEqual(
      copy.list().items.map((s) => s.id),
      [sessionId],
    );
    await copy.close();

    await editFile(
      file,
      `ALTER TABLE messages RENAME TO old_messages; CREATE VIEW messages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS id FROM c`,
    );
    await expectCoreError(salvage(file, tempDb('again.sqlite')), 'NotADatabase', /no plain "messages" table/);
  });
});
