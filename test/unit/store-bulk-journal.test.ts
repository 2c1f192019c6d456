// A small bulk write (an import of a few sessions, a followed store's new messages) is made durable by one
// journal record, not a snapshot: the database file is not rewritten, and another process replaying the record,
// or the database opened again, holds exactly the same rows. Past the limit, or with a statement the journal
// cannot replay, the write is a snapshot as before.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import { W } from '../../src/core/store/schema';
import { copyFixture, v1Doc, v1Message, writeV1Json } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

/** Every table of the database (the full-text index's own tables included), row by row. */
function dump(m: SessionManager): Record<string, unknown[]> {
  const db = m.store.durable;
  const tables = db
    .all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'store_meta' ORDER BY name`)
    .map((t) => t.name);
  // Sorted as text: WITHOUT ROWID tables have no rowid to order by.
  const rows = (t: string) =>
    db.all(`SELECT * FROM "${t}"`).map((r) => JSON.stringify(r, (_, v) => (v instanceof Uint8Array ? [...v] : v)));
  return Object.fromEntries(tables.map((t) => [t, rows(t).sort()]));
}

/** The snapshot file as the file system has it: replaced or rewritten, this changes. */
const fileStamp = (file: string) => {
  const st = fs.statSync(file);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
};
const journalSize = (file: string) => fs.statSync(`${file}.journal`, { throwIfNoEntry: false })?.size ?? 0;

describe('store: small bulk writes go to the journal', function () {
  this.timeout(60_000);

  it('imports a few sessions as one journal record: the file is not rewritten, another process and a reopen agree', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const other = await SessionManager.open(file);
    await m.create({ provider: 'openai', model: 'gpt-4o', title: 'here before' });
    await m.store.durable.checkpoint();
    const [stamp, journal] = [fileStamp(file), journalSize(file)];

    const json = copyFixture('v1/json');
    const small = ['session_5f0c2a9e', 'session_4c8e0f16', 'session_b7d41e03'].map((s) => path.join(json, `${s}.json`));
    const report = await migrate(m, small);
    assert.equal(report.totals.imported, 3);
    assert.equal(fileStamp(file), stamp, 'the database file was not rewritten');
    assert.ok(journalSize(file) > journal, 'the journal took the import');

    other.refresh();
    assert.deepEqual(dump(other), dump(m), 'the other process replayed it to the same rows');
    const hits = (manager: SessionManager) => manager.search('invoice').hits.map((h) => h.messageId);
    assert.ok(hits(m).length > 0);
    assert.deepEqual(hits(other), hits(m), 'and the same full-text index');
    const rows = dump(m);
    await Promise.all([m.close(), other.close()]);
    const again = await SessionManager.open(file);
    assert.deepEqual(dump(again), rows, 'opened again from the files');
    await again.close();
  });

  it('makes an import over the limit durable by a snapshot', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    await m.store.durable.checkpoint();
    const stamp = fileStamp(file);
    const folder = tempDir();
    // One session of 3,000 messages of ~600 characters: ~5 MB of statements.
    const messages = Array.from({ length: 3000 }, (_, i) =>
      v1Message(
        `m${i}`,
        i % 2 ? 'assistant' : 'user',
        `Message ${i}: ${'some words here '.repeat(40)}`,
        '2025-07-09T08:00:00',
      ),
    );
    writeV1Json(path.join(folder, 'session_big.json'), v1Doc('session_big', messages));
    await migrate(m, [folder]);
    assert.notEqual(fileStamp(file), stamp, 'a snapshot');
    assert.equal(journalSize(file) > 64 * 1024, false, 'the journal did not take it');
    const rows = dump(m);
    await m.close();
    const again = await SessionManager.open(file);
    assert.deepEqual(dump(again), rows);
    await again.close();
  });

  it('leaves a step that was rolled back out of the record, and falls back to a snapshot for other statements', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const other = await SessionManager.open(file);
    const s = await m.create({ provider: 'openai', model: 'm', title: 's' });
    await m.store.durable.checkpoint();
    const stamp = fileStamp(file);
    await m.store.bulk(async (step) => {
      step((tx) => tx.run(W.insertTag, [s.id, 'kept']));
      assert.throws(() =>
        step((tx) => {
          tx.run(W.insertTag, [s.id, 'undone']);
          throw new Error('this step fails half way');
        }),
      );
    });
    assert.equal(fileStamp(file), stamp, 'a journal record');
    other.refresh();
    assert.deepEqual(
      other.tags().map((t) => t.tag),
      ['kept'],
    );

    // A statement outside the catalogue cannot be replayed by name: a snapshot.
    await m.store.bulk(async (step) => {
      step((tx) => tx.run(`UPDATE sessions SET title = ? WHERE id = ?`, ['renamed', s.id]));
    });
    assert.notEqual(fileStamp(file), stamp, 'a snapshot');
    other.refresh();
    assert.equal(other.get(s.id).title, 'renamed');
    await Promise.all([m.close(), other.close()]);
  });
});
