// Durability of the store on real files: journal, snapshots, damage, disk full, foreign files.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { FileSystem, realFs } from '../../src/core/store/files';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { expectCoreError } from '../helpers/errors';
import { tempDb, tempDir } from '../helpers/temp';

const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/langswarm');

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Opens a file with plain sql.js, as another tool would, and counts its messages. */
async function countInFile(file: string): Promise<number> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    assert.equal(db.exec('PRAGMA quick_check')[0]?.values[0]?.[0], 'ok');
    return Number(db.exec('SELECT count(*) FROM messages')[0]?.values[0]?.[0]);
  } finally {
    db.close();
  }
}

async function seed(file: string, count: number, options: Parameters<typeof SessionManager.open>[1] = {}) {
  const m = await SessionManager.open(file, options);
  const s = await m.create({ provider: 'openai', model: 'm' });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await m.addMessage(s.id, { role: 'user', content: `message ${i}` })).id);
  return { m, sessionId: s.id, ids };
}

/** A file system whose writes fail with ENOSPC for files matching `full.paths` while `full.on` is set. */
function fullDisk(): { fs: FileSystem; full: { on: boolean; afterBytes: number; paths: RegExp } } {
  const full = { on: false, afterBytes: 0, paths: /./ };
  const openFiles = new Map<number, string>();
  const wrapped: FileSystem = {
    ...realFs,
    openSync: ((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null) => {
      const fd = realFs.openSync(file, flags ?? 'r', mode);
      openFiles.set(fd, String(file));
      return fd;
    }) as FileSystem['openSync'],
    writeSync: ((fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null) => {
      if (full.on && full.paths.test(openFiles.get(fd) ?? '')) {
        const n = Math.min(length ?? buffer.length, full.afterBytes);
        full.afterBytes -= n;
        if (n > 0) return realFs.writeSync(fd, buffer, offset, n, position);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return realFs.writeSync(fd, buffer, offset, length, position);
    }) as FileSystem['writeSync'],
    copyFileSync: ((from: fs.PathLike, to: fs.PathLike, mode?: number) => {
      if (full.on && full.paths.test(String(to)))
        throw Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC' });
      realFs.copyFileSync(from, to, mode);
    }) as FileSystem['copyFileSync'],
  };
  return { fs: wrapped, full };
}

describe('durable store', () => {
  it('keeps every acknowledged change across reopen, with the database file always valid SQLite', async () => {
    const file = tempDb();
    const { m, sessionId, ids } = await seed(file, 20);
    assert.equal(await countInFile(file), 0, 'changes live in the journal until a snapshot');
    await m.close();
    const again = await SessionManager.open(file);
    assert.deepEqual(
      again.allMessages(sessionId).map((x) => x.id),
      ids,
    );
    await again.close();
  });

  it('folds the journal into snapshots as it grows, keeping the previous snapshot as backup', async () => {
    const file = tempDb();
    const { m, sessionId } = await seed(file, 200, { checkpointBytes: 8 * 1024 });
    await new Promise((r) => setTimeout(r, 10));
    const inFile = await countInFile(file);
    assert.ok(inFile > 100, `snapshot holds most messages (${inFile})`);
    assert.ok(fs.statSync(`${file}.journal`).size < 40 * 1024, 'journal stays small');
    assert.ok((await countInFile(`${file}.bak`)) <= inFile);
    await m.close();
    const again = await SessionManager.open(file);
    assert.equal(again.get(sessionId).messageCount, 200);
    await again.close();
  });

  it('ignores and then repairs a torn journal tail left by a crash', async () => {
    const file = tempDb();
    const { m, sessionId, ids } = await seed(file, 5);
    await m.close();
    const journal = `${file}.journal`;
    const goodSize = fs.statSync(journal).size;
    fs.appendFileSync(journal, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 240, 63, 123, 34])); // header + 2 bytes of a record
    const again = await SessionManager.open(file);
    assert.deepEqual(
      again.allMessages(sessionId).map((x) => x.id),
      ids,
    );
    assert.deepEqual(again.warnings, []);
    const more = await again.addMessage(sessionId, { role: 'user', content: 'after the tear' });
    assert.equal(fs.statSync(journal).size > goodSize, true);
    await again.close();
    const third = await SessionManager.open(file);
    assert.deepEqual(
      third.allMessages(sessionId).map((x) => x.id),
      [...ids, more.id],
    );
    await third.close();
  });

  for (const damage of ['scrambled pages', 'zeroed header', 'truncated'] as const) {
    it(`rebuilds from the backup snapshot and the journal when the database file is damaged (${damage})`, async () => {
      const file = tempDb();
      const { m, sessionId, ids } = await seed(file, 120, { checkpointBytes: 6 * 1024 });
      await m.close();
      const bytes = fs.readFileSync(file);
      if (damage === 'scrambled pages') bytes.fill(0x5a, 4096, bytes.length - 10);
      if (damage === 'zeroed header') bytes.fill(0, 0, 100);
      fs.writeFileSync(file, damage === 'truncated' ? bytes.subarray(0, 5000) : bytes);
      const again = await SessionManager.open(file);
      assert.deepEqual(
        again.allMessages(sessionId).map((x) => x.id),
        ids,
        'nothing acknowledged is lost',
      );
      assert.match(again.warnings.join('\n'), /damaged.*rebuilt from the previous snapshot/);
      const aside = fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.damaged-'));
      assert.equal(aside.length, 1, 'the damaged file is kept for inspection');
      assert.equal(await countInFile(file), 120, 'a repaired snapshot replaced it');
      await again.close();
    });
  }

  it('reports damage in the middle of the journal, keeps what precedes it, and sets the journal aside', async () => {
    const file = tempDb();
    const { m, sessionId } = await seed(file, 10);
    await m.close();
    const journal = `${file}.journal`;
    const bytes = fs.readFileSync(journal);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = bytes[mid]! ^ 0xff;
    fs.writeFileSync(journal, bytes);
    const again = await SessionManager.open(file);
    assert.match(again.warnings.join('\n'), /journal .* is damaged/);
    const kept = again.get(sessionId).messageCount;
    assert.ok(kept > 0 && kept < 10, `kept the readable prefix (${kept})`);
    await again.addMessage(sessionId, { role: 'user', content: 'later' });
    assert.equal(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.journal.damaged-')).length, 1);
    await again.close();
  });

  it('fails a write cleanly when the disk is full, loses nothing acknowledged, and recovers', async () => {
    const file = tempDb();
    const disk = fullDisk();
    const { m, sessionId, ids } = await seed(file, 3, { fs: disk.fs });
    disk.full.on = true;
    disk.full.afterBytes = 7; // a torn partial record reaches the disk
    await expectCoreError(
      m.addMessage(sessionId, { role: 'user', content: 'lost?' }),
      'StorageFull',
      /disk is full.*Nothing was saved/,
    );
    assert.equal(m.get(sessionId).messageCount, 3, 'memory does not claim what the disk does not hold');
    disk.full.on = false;
    const after = await m.addMessage(sessionId, { role: 'user', content: 'after space was freed' });
    await m.close();
    const again = await SessionManager.open(file);
    assert.deepEqual(
      again.allMessages(sessionId).map((x) => x.id),
      [...ids, after.id],
    );
    await again.close();
  });

  it('keeps acknowledged changes in the journal when a snapshot cannot be written', async () => {
    const file = tempDb();
    const disk = fullDisk();
    const { m, sessionId } = await seed(file, 2, { fs: disk.fs, checkpointBytes: 2 * 1024 });
    await new Promise((r) => setTimeout(r, 20));
    const snapshotted = await countInFile(file);
    disk.full.on = true;
    disk.full.paths = /\.tmp-/; // the journal can grow, but no snapshot can be written
    const acked = await m.addMessage(sessionId, { role: 'user', content: 'x'.repeat(2500) });
    await new Promise((r) => setTimeout(r, 20)); // the snapshot runs after the acknowledgement
    assert.equal(await countInFile(file), snapshotted, 'the snapshot failed');
    disk.full.on = false;
    await m.close();
    const again = await SessionManager.open(file);
    assert.equal(again.getMessage(acked.id).id, acked.id);
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.tmp-')),
      [],
      'no temp files left behind',
    );
    await again.close();
  });

  it('makes a bulk write durable whole or not at all when the disk fills up at its backup', async () => {
    const file = tempDb();
    const disk = fullDisk();
    const m = await SessionManager.open(file, { fs: disk.fs });
    const s = await m.create({ provider: 'openai', model: 'm', title: 'before' });
    disk.full.on = true;
    disk.full.paths = /\.bak\.tmp-/; // the new snapshot can be written, its backup cannot
    await expectCoreError(
      m.store.bulk(async (step) =>
        step((tx) => tx.run(`INSERT INTO session_tags(session_id, tag) VALUES (?, 'imported')`, [s.id])),
      ),
      'StorageFull',
      /disk is full/,
    );
    assert.deepEqual(m.tags(), [], 'memory does not claim what failed');
    disk.full.on = false;
    await m.close();
    const again = await SessionManager.open(file);
    assert.deepEqual(again.tags(), [], 'the database on disk is as it was: the error said nothing was saved');
    assert.equal(again.get(s.id).title, 'before');
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.tmp-')),
      [],
    );
    await again.close();
  });

  it('leaves no temp file and keeps the backup a file of its own while snapshots keep failing on a full disk', async () => {
    const file = tempDb();
    const temps = () => fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.tmp-'));
    const disk = fullDisk();
    const { m, sessionId, ids } = await seed(file, 2, { fs: disk.fs, checkpointBytes: 1024 });
    disk.full.on = true;
    disk.full.paths = /\.tmp-/; // the journal can grow, but no snapshot can be written
    for (let i = 0; i < 40; i++) {
      ids.push((await m.addMessage(sessionId, { role: 'user', content: `on a full disk ${i} ${'x'.repeat(300)}` })).id);
      await new Promise((r) => setImmediate(r)); // lets the snapshot that follows the acknowledgement run (and fail)
    }
    assert.deepEqual(temps(), []);
    assert.notEqual(
      fs.statSync(`${file}.bak`).ino,
      fs.statSync(file).ino,
      'the backup is not the database under a second name',
    );
    disk.full.on = false;
    ids.push((await m.addMessage(sessionId, { role: 'user', content: 'space was freed' })).id);
    await m.store.durable.checkpoint();
    assert.deepEqual(temps(), []);
    assert.notEqual(fs.statSync(`${file}.bak`).ino, fs.statSync(file).ino);
    await m.close();
    // Writing into one file in place (as another tool may) leaves the other as it was.
    const backup = sha(`${file}.bak`);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(100), 0, 100, 0);
    fs.closeSync(fd);
    assert.equal(sha(`${file}.bak`), backup);
    const again = await SessionManager.open(file);
    assert.match(again.warnings.join('\n'), /rebuilt from the previous snapshot/);
    assert.deepEqual(
      again.allMessages(sessionId).map((x) => x.id),
      ids,
      'every acknowledged write, from the backup and the journal',
    );
    await again.close();
  });

  it('removes temp files a killed writer left beside the database at the next snapshot, and only those', async () => {
    const file = tempDb();
    const { m } = await seed(file, 1);
    const dir = path.dirname(file);
    const leftovers = [`${file}.tmp-1-dead`, `${file}.bak.tmp-1-dead`, `${file}.journal.tmp-1-dead`];
    for (const f of leftovers) fs.writeFileSync(f, 'half a snapshot');
    fs.writeFileSync(path.join(dir, 'other.sqlite.tmp-1-dead'), 'not ours');
    await m.store.durable.checkpoint();
    assert.deepEqual(
      leftovers.filter((f) => fs.existsSync(f)),
      [],
    );
    assert.equal(fs.existsSync(path.join(dir, 'other.sqlite.tmp-1-dead')), true);
    await m.close();
  });

  it('refuses a file that is not SQLite and leaves it untouched', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'just some text, not a database\n'.repeat(100));
    const before = sha(file);
    await expectCoreError(SessionManager.open(file), 'NotADatabase', /not a SQLite database; it was left untouched/);
    assert.equal(sha(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt'], 'no journal, lock or backup created');
  });

  it('refuses a SQLite database of another program (here a LangSwarm V1 store) and leaves it untouched', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'langswarm_sessions.db');
    fs.copyFileSync(path.join(FIXTURES, 'v1/langswarm_sessions.db'), file);
    const before = sha(file);
    await expectCoreError(SessionManager.open(file), 'NotADatabase', /not a LangSwarm Sessions database.*migrate/);
    assert.equal(sha(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['langswarm_sessions.db']);
  });

  it('refuses a database written by a newer version, leaving it untouched', async () => {
    const file = tempDb();
    const { m } = await seed(file, 1, { checkpointBytes: 1 });
    await m.close();
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(file));
    db.run(`UPDATE store_meta SET value = 99 WHERE key = 'schema_version'`);
    fs.writeFileSync(file, db.export());
    db.close();
    const before = sha(file);
    await expectCoreError(SessionManager.open(file), 'SchemaTooNew', /newer version of LangSwarm Sessions \(schema 99/);
    assert.equal(sha(file), before);
  });

  it('refuses a database another tool left in WAL mode', async () => {
    const file = tempDb();
    const { m } = await seed(file, 1);
    await m.close();
    fs.writeFileSync(`${file}-wal`, 'x');
    await expectCoreError(SessionManager.open(file), 'NotADatabase', /WAL mode/);
  });

  it('adopts an empty file or an empty SQLite database as a new session database', async () => {
    const zero = tempDb();
    fs.writeFileSync(zero, '');
    const a = await SessionManager.open(zero);
    await a.create({ provider: 'openai', model: 'm' });
    await a.close();
    const SQL = await loadSqlJs();
    const emptySqlite = tempDb();
    fs.writeFileSync(emptySqlite, new SQL.Database().export());
    const b = await SessionManager.open(emptySqlite);
    await b.create({ provider: 'openai', model: 'm' });
    assert.equal(b.list().total, 1);
    await b.close();
  });

  it('opens read-only without writing anything, and refuses changes', async () => {
    const file = tempDb();
    const { m, sessionId } = await seed(file, 2);
    await m.close();
    const listing = fs.readdirSync(path.dirname(file)).sort();
    const before = sha(`${file}.journal`);
    const ro = await SessionManager.open(file, { readOnly: true });
    assert.equal(ro.get(sessionId).messageCount, 2);
    await expectCoreError(ro.addMessage(sessionId, { role: 'user', content: 'x' }), 'DatabaseReadOnly');
    await ro.close();
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), listing);
    assert.equal(sha(`${file}.journal`), before);
    const missing = await SessionManager.open(path.join(tempDir(), 'none.sqlite'), { readOnly: true });
    assert.equal(missing.list().total, 0);
    await missing.close();
  });

  it('breaks a write lock left by a dead process at once, and waits for a live one', async () => {
    const file = tempDb();
    const { m, sessionId } = await seed(file, 1);
    await m.close();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: 999_999_999, host: os.hostname(), token: 'dead' }));
    const again = await SessionManager.open(file, { lockTimeoutMs: 300 });
    await again.addMessage(sessionId, { role: 'user', content: 'after a dead lock' });
    assert.equal(fs.existsSync(`${file}.lock`), false, 'the lock is released after the write');
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, host: os.hostname(), token: 'alive' }));
    await expectCoreError(
      again.addMessage(sessionId, { role: 'user', content: 'blocked' }),
      'DatabaseBusy',
      /another process \(pid \d+/,
    );
    fs.unlinkSync(`${file}.lock`);
    await again.addMessage(sessionId, { role: 'user', content: 'unblocked' });
    assert.equal(again.get(sessionId).messageCount, 3);
    await again.close();
  });

  it('with lingerLock, keeps the lock only until the event loop turns', async () => {
    const file = tempDb();
    // However slow the machine, the write itself must not use up the linger time.
    const { m, sessionId } = await seed(file, 1, { lingerLock: 60_000 });
    await m.addMessage(sessionId, { role: 'user', content: 'x' });
    assert.equal(fs.existsSync(`${file}.lock`), true, 'still held right after the write');
    await new Promise((r) => setImmediate(r));
    assert.equal(fs.existsSync(`${file}.lock`), false, 'released once the loop turned');
    await m.close();
  });

  it('stores the same text when another process replays a change as when it was made (lone surrogates too)', async () => {
    const file = tempDb();
    const writer = await SessionManager.open(file);
    const reader = await SessionManager.open(file);
    const s = await writer.create({ provider: 'openai', model: 'm' });
    const m = await writer.addMessage(s.id, { role: 'user', content: 'é, 👋' });
    // Below the session manager (which cleans text first): the store's binding and its replay must agree.
    await writer.store.durable.write((tx) =>
      tx.run(`UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?`, [
        'half a pair \ud83d here',
        s.updatedAt,
        s.id,
      ]),
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(writer.get(s.id).title, 'half a pair \ufffd here');
    assert.equal(reader.get(s.id).title, writer.get(s.id).title);
    assert.equal(messageText(reader.getMessage(m.id).parts), 'é, 👋');
    await writer.close();
    await reader.close();
  });

  it('follows another writer across its snapshots without losing or doubling anything', async () => {
    const file = tempDb();
    const writer = await SessionManager.open(file, { checkpointBytes: 4 * 1024 });
    const reader = await SessionManager.open(file);
    const s = await writer.create({ provider: 'openai', model: 'm' });
    const written: string[] = [];
    for (let i = 0; i < 150; i++) {
      written.push((await writer.addMessage(s.id, { role: 'user', content: `n${i}` })).id);
      if (i % 37 === 0) assert.equal(reader.get(s.id).messageCount, i + 1);
    }
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      reader.allMessages(s.id).map((x) => x.id),
      written,
    );
    const own = await reader.addMessage(s.id, { role: 'assistant', content: 'reader writes too' });
    assert.equal(writer.getMessage(own.id).seq, 151);
    assert.equal(messageText(writer.getMessage(own.id).parts), 'reader writes too');
    await writer.close();
    await reader.close();
  });
});
