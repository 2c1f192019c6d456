// Bulk writes in steps (what imports use): each step whole or not at all, one snapshot at the end,
// a rehearsal that changes nothing, and other writes waiting their turn.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { SessionManager } from '../../src/core/sessions';
import { tempDb } from '../helpers/temp';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A SQLite file's size as its header states it (page size × page count). */
function headerSize(file: string): number {
  const head = fs.readFileSync(file).subarray(0, 32);
  const pageSize = head.readUInt16BE(16);
  return (pageSize === 1 ? 65536 : pageSize) * head.readUInt32BE(28);
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** Collects garbage until big buffers are freed (V8 frees their memory after the collection). */
const settledBuffers = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().arrayBuffers;
};
const MB = 1024 * 1024;

describe('store: bulk writes in steps', () => {
  it('undoes a step that throws and keeps the others, durably', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const kept = await m.create({ provider: 'openai', model: 'm', title: 'kept' });
    const errors: string[] = [];
    await m.store.bulk(async (step) => {
      for (const title of ['one', 'broken', 'two']) {
        try {
          step((tx) => {
            tx.run(`UPDATE sessions SET title = ? WHERE id = ?`, [title, kept.id]);
            tx.run(`INSERT INTO session_tags(session_id, tag) VALUES (?, ?)`, [kept.id, title]);
            if (title === 'broken') throw new Error('this step fails half way');
          });
        } catch (e) {
          errors.push((e as Error).message);
        }
        await new Promise((r) => setImmediate(r));
      }
    });
    assert.deepEqual(errors, ['this step fails half way']);
    await m.close();
    const again = await SessionManager.open(file);
    assert.equal(again.get(kept.id).title, 'two');
    assert.deepEqual(
      again.tags().map((t) => t.tag),
      ['one', 'two'],
    );
    await again.close();
  });

  it('rolls everything back when rehearsing, or when the run fails, and writes nothing when nothing changed', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const s = await m.create({ provider: 'openai', model: 'm', title: 'before' });
    await m.store.durable.checkpoint();
    const before = sha(file);
    const rename = (title: string) =>
      m.store.bulk(
        async (step) => {
          step((tx) => tx.run(`UPDATE sessions SET title = ? WHERE id = ?`, [title, s.id]));
        },
        { rehearse: true },
      );
    await rename('rehearsed');
    assert.equal(m.get(s.id).title, 'before');
    await assert.rejects(
      m.store.bulk(async (step) => {
        step((tx) => tx.run(`UPDATE sessions SET title = 'half' WHERE id = ?`, [s.id]));
        throw new Error('run failed');
      }),
      /run failed/,
    );
    assert.equal(m.get(s.id).title, 'before');
    await m.store.bulk(async (step) => {
      step((tx) => tx.all(`SELECT * FROM sessions`));
    });
    assert.equal(sha(file), before, 'no snapshot was written');
    await m.close();
  });

  it('writes the snapshot from the reserved in-memory file itself (no copy), and from a copy once the file outgrew its room', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const s = await m.create({ provider: 'openai', model: 'm', title: 'before' });
    let exports = 0;
    const counting = () => {
      exports = 0;
      const db = m.store.durable.db;
      const own = db.export.bind(db);
      db.export = () => {
        exports += 1;
        return own();
      };
    };
    const tag = (i: number) => `${i} ${'é'.repeat(2000)}`; // ~4 KB each
    const importTags = (from: number, count: number, room: number) =>
      m.store.bulk(async (step, makeRoom) => {
        makeRoom(room);
        counting(); // the database reserve() reopened
        step((tx) => {
          for (let i = from; i < from + count; i++)
            tx.run(`INSERT INTO session_tags(session_id, tag) VALUES (?, ?)`, [s.id, tag(i)]);
        });
      });
    const onDisk = async (expected: number) => {
      for (const f of [file, `${file}.bak`]) {
        const copy = `${f}.copy.sqlite`;
        fs.copyFileSync(f, copy);
        const opened = await SessionManager.open(copy, { readOnly: true });
        assert.deepEqual(opened.store.durable.all(`PRAGMA integrity_check`), [{ integrity_check: 'ok' }]);
        assert.equal(opened.tags().length, expected, `${f}: every row`);
        await opened.close();
      }
    };
    await importTags(0, 1000, 24 * MB); // ~8 MB: fits
    assert.equal(exports, 0, 'the snapshot was the file itself');
    await onDisk(1000);
    await importTags(1000, 6000, 16 * MB); // ~24 MB into 16 MB of room: sql.js moved the file to a larger buffer
    assert.equal(exports, 1, 'a copy, the file having moved');
    await onDisk(7000);
    await m.close();
  });

  it('reserves room for a large import in memory, writes only the database to disk, and gives unused room back', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const s = await m.create({ provider: 'openai', model: 'm', title: 'before' });
    const before = await settledBuffers();
    // Nothing changed: all 64 MB unused, given back.
    await m.store.bulk(async (step, makeRoom) => {
      const read = step((tx) => tx.all(`SELECT * FROM sessions`));
      makeRoom(64 * MB);
      assert.equal(read.length, 1);
    });
    const kept = (await settledBuffers()) - before;
    assert.ok(kept < 16 * MB, `memory kept: ${(kept / MB).toFixed(1)} MB`);

    // A real import into the reserved room: durable, exact on disk, and later writes go on as usual.
    const text = 'é'.repeat(2000);
    await m.store.bulk(async (step, makeRoom) => {
      makeRoom(20 * MB);
      step((tx) => {
        for (let i = 0; i < 2000; i++)
          tx.run(`INSERT INTO session_tags(session_id, tag) VALUES (?, ?)`, [s.id, `${i} ${text}`]);
      });
    });
    assert.equal(fs.statSync(file).size, headerSize(file), 'no reserved room in the snapshot');
    assert.equal(fs.statSync(`${file}.bak`).size, headerSize(file));
    // Asked for room once something is written (inside a step, or after one): ignored, nothing lost.
    await m.store.bulk(async (step, makeRoom) => {
      step((tx) => {
        makeRoom(20 * MB);
        tx.run(`UPDATE sessions SET title = 'bulk' WHERE id = ?`, [s.id]);
        tx.run(`INSERT INTO session_tags(session_id, tag) VALUES (?, 'inside')`, [s.id]);
      });
      makeRoom(20 * MB);
      step((tx) => tx.run(`INSERT INTO session_tags(session_id, tag) VALUES (?, 'after')`, [s.id]));
    });
    assert.equal(m.get(s.id).title, 'bulk');
    await m.rename(s.id, 'renamed'); // journalled on top of that snapshot
    await m.close();
    const again = await SessionManager.open(file);
    assert.equal(again.get(s.id).title, 'renamed');
    const tags = again.tags().map((t) => t.tag);
    assert.equal(tags.length, 2002);
    assert.ok(tags.includes('inside') && tags.includes('after'));
    assert.deepEqual(again.store.durable.all(`PRAGMA integrity_check`), [{ integrity_check: 'ok' }]);
    await again.close();
  });

  it('makes other writes wait until the bulk write is done', async () => {
    const m = await SessionManager.open(tempDb());
    const s = await m.create({ provider: 'openai', model: 'm' });
    const order: string[] = [];
    const bulk = m.store.bulk(async (step) => {
      step((tx) => tx.run(`UPDATE sessions SET title = 'bulk' WHERE id = ?`, [s.id]));
      await new Promise((r) => setTimeout(r, 50));
      order.push('bulk done');
    });
    const rename = m.rename(s.id, 'after').then(() => order.push('rename done'));
    await Promise.all([bulk, rename]);
    assert.deepEqual(order, ['bulk done', 'rename done']);
    assert.equal(m.get(s.id).title, 'after');
    await m.close();
  });
});
