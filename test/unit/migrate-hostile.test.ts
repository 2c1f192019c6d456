// Files that are not what they seem, or are busy: clear per-file errors, the rest imported, nothing
// half-imported, the workspace database intact; sources busy in another process read as committed.
import { strict as assert } from 'node:assert';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import { messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { copyFixture, importedAs, v1Doc, v1Message, writeV1Db, writeV1Json } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Starts python3 holding a write transaction on `db` (after running `sql`), resolved once it holds it. */
function holdWriteTransaction(db: string, sql: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn('python3', [
    '-c',
    `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA cache_size = 1")  # spill changed pages into the file before commit, as big writes do
db.execute("BEGIN IMMEDIATE")
for statement in sys.argv[2].split(";"):
    db.execute(statement)
print("holding", flush=True)
sys.stdin.read()  # until the test closes stdin or kills us
db.execute("ROLLBACK")
`,
    db,
    sql,
  ]);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`python3 exited ${code}: ${err}`)));
  });
}

describe('migrate: hostile inputs', function () {
  this.timeout(180_000);
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(async () => {
    await m.close();
  });

  it('refuses what is not a LangSwarm file, one clear error each, and leaves the workspace exactly as it was', async () => {
    const dir = tempDir();
    const file = (name: string, data: string | Buffer) => {
      fs.writeFileSync(path.join(dir, name), data);
      return path.join(dir, name);
    };
    const v1 = fs.readFileSync(copyFixture('v1/langswarm_sessions.db'));
    const cases: Array<[string, RegExp]> = [
      [file('empty.db', ''), /is empty \(0 bytes\)/],
      [
        file('random.bin', Buffer.concat([Buffer.from([0xff]), randomBytes(4095)])), // not a '{' or '[' by chance
        /neither a SQLite database nor JSON \(it holds binary data\)/,
      ],
      [
        file('truncated.db', v1.subarray(0, 300_000)),
        /is a damaged SQLite database \(database disk image is malformed\); nothing was imported/,
      ],
      [
        file('list.json', '[{"metadata": {}, "history": {}}]'),
        /JSON but not a LangSwarm V1 session: expected \{"metadata": \{…\}, "history": \{…\}\}, found a list/,
      ],
      [file('shape.json', '{"session": {"id": 1}}'), /found an object with keys session/],
      [
        file('broken.json', '{"metadata": {"session_id": "x"}, "history": {'),
        /is not valid JSON: expected a key at line 1, character 47 \(the text ends there\)/,
      ],
      [file('text.md', '# notes\n'), /neither a SQLite database nor JSON: not a LangSwarm session file/],
      [path.join(dir, 'missing.db'), /No such file or folder/],
    ];
    const ours = tempDb('ours.sqlite');
    await (await SessionManager.open(ours)).close();
    cases.push([ours, /LangSwarm Sessions database \(this extension's own\)/]);

    await migrate(m, [copyFixture('v1/json/session_0d3f8b52.json')]);
    const workspace = m.store.path;
    await m.close();
    const before = sha(workspace);
    m = await SessionManager.open(workspace);
    const report = await migrate(
      m,
      cases.map(([f]) => f),
    );
    for (const [f, pattern] of cases) {
      const result = report.files.find((x) => x.file === f);
      assert.ok(result, f);
      assert.equal(result.errors.length, 1, f);
      assert.match(result.errors[0]!.message, pattern);
      assert.equal(result.errors[0]!.code, 'ImportRejected');
    }
    assert.equal(report.totals.filesFailed, cases.length);
    await m.close();
    assert.equal(sha(workspace), before, 'the workspace database did not change');
    m = await SessionManager.open(workspace);
    assert.deepEqual([m.stats().sessions, importedAs(m, 'session_0d3f8b52').length], [1, 1]);
  });

  it('imports the good files of a folder and reports the bad ones', async () => {
    const dir = copyFixture('v1/json');
    fs.writeFileSync(path.join(dir, 'zero.json'), '');
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'nested', 'junk.json'), '{"nope": true}');
    writeV1Json(
      path.join(dir, 'nested', 'extra.json'),
      v1Doc('nested_one', [v1Message('m1', 'user', 'deep', '2025-07-01T10:00:00')]),
    );
    const report = await migrate(m, [dir]);
    assert.deepEqual([report.totals.imported, report.totals.files, report.totals.filesFailed], [7, 9, 2]);
    assert.equal(m.stats().messages, 2017 + 1);
  });

  it('reads a database another process is writing as its last committed state (journal played back in memory)', async () => {
    const source = copyFixture('v1/langswarm_sessions.db');
    const untouched = sha(source);
    // Uncommitted: a status change and every history rewritten (large enough to reach the file).
    const writer = await holdWriteTransaction(
      source,
      `UPDATE sessions SET status = 'archived', metadata = replace(metadata, '"active"', '"archived"'); UPDATE sessions SET history = replace(history, 'Question', 'UNCOMMITTED')`,
    );
    try {
      assert.notEqual(sha(source), untouched, 'the writer changed the file before committing');
      assert.ok(fs.statSync(`${source}-journal`).size > 0);
      const report = await migrate(m, [source]);
      assert.deepEqual([report.totals.imported, report.totals.messagesImported], [6, 2017]);
      assert.match(
        report.files[0]!.warnings.join('\n'),
        /-journal is beside it: a LangSwarm app was writing this database .* Imported its last committed state/,
      );
      assert.equal(m.search('UNCOMMITTED').total, 0);
      assert.equal(m.search('Question').total, 1000);
      assert.equal(importedAs(m, 'session_5f0c2a9e')[0]!.status, 'active');
    } finally {
      writer.kill('SIGKILL'); // dies mid-transaction: the hot journal stays, as after a crash
    }
    await new Promise((r) => writer.once('exit', r));
    const again = await migrate(m, [source]);
    assert.equal(again.totals.unchanged, 6, 'after the crash, the same committed state');
    assert.match(again.files[0]!.warnings.join('\n'), /stopped mid-write/);
    assert.ok(fs.existsSync(`${source}-journal`), 'the source and its journal were not touched');
  });

  it('reads a database locked by a writer that has not touched the file yet', async () => {
    const source = copyFixture('v1/langswarm_sessions.db');
    const writer = await holdWriteTransaction(
      source,
      `UPDATE sessions SET status = 'inactive' WHERE session_id = 'session_5f0c2a9e'`,
    );
    try {
      const report = await migrate(m, [source]);
      assert.equal(report.totals.imported, 6);
      assert.equal(importedAs(m, 'session_5f0c2a9e')[0]!.status, 'active');
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('refuses a database with changes still in its -wal, saying how to fold them in', async () => {
    const source = copyFixture('v1/langswarm_sessions.db');
    fs.writeFileSync(`${source}-wal`, randomBytes(4096));
    const report = await migrate(m, [source]);
    assert.match(
      report.files[0]!.errors[0]!.message,
      /has changes in .*-wal that are not in the database file yet .*PRAGMA wal_checkpoint\(TRUNCATE\)/,
    );
    assert.equal(m.stats().sessions, 0);
  });

  it('imports a 50 MB history cell', async () => {
    const source = path.join(tempDir(), 'big.db');
    const content = (i: number) => `${i} ${'lorem ipsum dolor sit amet '.repeat(20_000)}`;
    await writeV1Db(source, [
      v1Doc(
        'huge',
        Array.from({ length: 100 }, (_, i) =>
          v1Message(`m${i}`, i % 2 ? 'assistant' : 'user', content(i), '2025-07-01T10:00:00'),
        ),
      ),
    ]);
    assert.ok(fs.statSync(source).size > 50e6);
    try {
      const report = await migrate(m, [source]);
      assert.deepEqual([report.totals.imported, report.totals.messagesImported], [1, 100]);
      const [s] = importedAs(m, 'huge');
      const ms = m.allMessages(s!.id);
      assert.equal(messageText(ms[99]!.parts), content(99));
      assert.equal(m.search('lorem', { limit: 1 }).total, 100);
    } finally {
      fs.rmSync(path.dirname(source), { recursive: true, force: true }); // big: not left for the shared clean-up
    }
  });

  it('imports a folder of 10,000 small files, reporting the two bad ones', async () => {
    const dir = tempDir();
    for (let i = 0; i < 9_998; i++) {
      writeV1Json(
        path.join(dir, `s${String(i).padStart(5, '0')}.json`),
        v1Doc(`session_${i}`, [v1Message(`m${i}`, 'user', `hello ${i}`, '2025-07-01T10:00:00')]),
      );
    }
    fs.writeFileSync(path.join(dir, 'zero.json'), '');
    fs.writeFileSync(path.join(dir, 'noise.bin'), randomBytes(100));
    try {
      const report = await migrate(m, [dir]);
      assert.deepEqual(
        [report.totals.files, report.totals.imported, report.totals.filesFailed, report.totals.messagesImported],
        [10_000, 9_998, 2, 9_998],
      );
      assert.equal(m.stats().sessions, 9_998);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true }); // many files: not left for the shared clean-up
    }
  });
});
