// Reads the history browser adds to the core: a session's outline, the activity date filter, providers in use.
import { strict as assert } from 'node:assert';
import { SessionManager } from '../../src/core/sessions';
import { tempDb } from '../helpers/temp';

describe('SessionManager outline and date filter', () => {
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(() => m.close());

  it('outlines every message in order without content', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o' });
    const added = await m.addMessages(s.id, [
      { role: 'user', content: 'hello', createdAt: '2026-01-10T12:00:00.000Z' },
      { role: 'assistant', content: 'hi', state: 'partial', createdAt: '2026-01-10T12:00:05.000Z' },
    ]);
    assert.deepEqual(m.outline(s.id), [
      { id: added[0]!.id, seq: 1, role: 'user', createdAt: '2026-01-10T12:00:00.000Z', state: 'complete' },
      { id: added[1]!.id, seq: 2, role: 'assistant', createdAt: '2026-01-10T12:00:05.000Z', state: 'partial' },
    ]);
    assert.throws(() => m.outline('nope'), /No session/);
  });

  it('filters sessions by last activity', async () => {
    const old = await m.create({ provider: 'openai', model: 'x', title: 'old', createdAt: '2025-03-01T00:00:00.000Z' });
    const recent = await m.create({
      provider: 'openai',
      model: 'x',
      title: 'recent',
      createdAt: '2026-01-09T00:00:00.000Z',
    });
    const titles = (o: Parameters<SessionManager['list']>[0]) =>
      m
        .list(o)
        .items.map((x) => x.title)
        .sort();
    assert.deepEqual(titles({ activeFrom: '2026-01-01T00:00:00.000Z' }), ['recent']);
    assert.deepEqual(titles({ activeTo: '2026-01-01T00:00:00.000Z' }), ['old']);
    assert.deepEqual(titles({ activeFrom: '2025-01-01T00:00:00Z', activeTo: '2027-01-01T00:00:00Z' }), [
      'old',
      'recent',
    ]);
    assert.ok(old.id && recent.id);
    await m.create({ provider: 'gemini', model: 'x' });
    assert.deepEqual(m.providers(), ['gemini', 'openai']);
  });
});
