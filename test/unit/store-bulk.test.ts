// Bulk writes in steps (what imports use): each step whole or not at all, one snapshot at the end,
// a rehearsal that changes nothing, and other writes waiting their turn.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { SessionManager } from '../../src/core/sessions';
import { tempDb } from '../helpers/temp';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

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
    assert.deepEqual(again.tags().map((t) => t.tag), ['one', 'two']);
    await again.close();
  });

  it('rolls everything back when rehearsing, or when the run fails, and writes nothing when nothing changed', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const s = await m.create({ provider: 'openai', model: 'm', title: 'before' });
    await m.store.durable.checkpoint();
    const before = sha(file);
    const rename = (title: string) => m.store.bulk(async (step) => { step((tx) => tx.run(`UPDATE sessions SET title = ? WHERE id = ?`, [title, s.id])); }, { rehearse: true });
    await rename('rehearsed');
    assert.equal(m.get(s.id).title, 'before');
    await assert.rejects(m.store.bulk(async (step) => {
      step((tx) => tx.run(`UPDATE sessions SET title = 'half' WHERE id = ?`, [s.id]));
      throw new Error('run failed');
    }), /run failed/);
    assert.equal(m.get(s.id).title, 'before');
    await m.store.bulk(async (step) => { step((tx) => tx.all(`SELECT * FROM sessions`)); });
    assert.equal(sha(file), before, 'no snapshot was written');
    await m.close();
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
