// One conversation imported from V1 JSON, V1 SQLite and both V2 stores is one session with several
// origins (src/core/langswarm/origins.ts): counted on the real fixtures, in both import orders, with
// the V1 export still byte for byte and every V2 field kept.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportV1, migrate } from '../../src/core/langswarm';
import { firstStored, originsOf } from '../../src/core/langswarm/origins';
import { SessionManager } from '../../src/core/sessions';
import { copyFixture, importedAs, python } from '../helpers/langswarm';
import type { SourceSession } from '../../src/core/langswarm/source';
import { tempDb } from '../helpers/temp';

const SIX = [
  'session_0d3f8b52',
  'session_4c8e0f16',
  'session_5f0c2a9e',
  'session_9a6c1d24',
  'session_b7d41e03',
  'session_e2c94f71',
];
/** The V2-only sessions: two native V2 session-store ones, one native memory-store one. */
const NATIVE = ['session_user_v2_40905e14', 'session_user_v2_archived', 'f792b9d7-cc6e-4f41-9cc3-8e2056fe0851'];

/** Appends a message to a V2 session store's session, as LangSwarm V2 does (one row). */
function appendV2(file: string, sessionId: string, messageId: string, content: string): void {
  python(
    `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO session_messages (session_id, message_id, role, content, timestamp, metadata, token_count) VALUES (?, ?, 'user', ?, '2025-07-09 10:00:00.5', '{\\"client\\": \\"cli\\"}', 7)", (sys.argv[2], sys.argv[3], sys.argv[4]))
db.commit()
`,
    file,
    sessionId,
    messageId,
    content,
  );
}

describe('migrate: one conversation from several formats is one session', function () {
  this.timeout(120_000);
  let m: SessionManager;
  let fixtures: string;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    fixtures = copyFixture('.');
  });
  afterEach(async () => {
    await m.close();
  });

  const all = () => m.list({ limit: 1000 }).items.map((s) => m.get(s.id));
  const json = (id: string) => fs.readFileSync(path.join(fixtures, 'v1/json', `${id}.json`), 'utf8');
  const sources = (order: 'v1 first' | 'v2 first') => {
    const v1 = [path.join(fixtures, 'v1/json'), path.join(fixtures, 'v1/langswarm_sessions.db')];
    const v2 = [path.join(fixtures, 'v2_memory'), path.join(fixtures, 'v2')];
    return order === 'v1 first' ? [...v1, ...v2] : [...v2, ...v1];
  };

  for (const order of ['v1 first', 'v2 first'] as const) {
    it(`imports the fixtures (${order}) as 9 sessions, the six shared ones with three origins each, exported to V1 byte for byte`, async () => {
      const report = await migrate(m, sources(order));
      assert.equal(report.totals.failed, 0);
      const sessions = all();
      assert.deepEqual(sessions.map((s) => s.origin?.originalId).sort(), [...SIX, ...NATIVE].sort());
      for (const id of SIX) {
        const [s, ...more] = importedAs(m, id);
        assert.equal(more.length, 0, `${id} once`);
        const families = originsOf(s!).map((o) => o.format.replace(/-(json|sqlite)$/, ''));
        assert.deepEqual(families.sort(), ['langswarm-v1', 'langswarm-v2-memory', 'langswarm-v2-session'], id);
        const v1Messages = (JSON.parse(json(id)) as { history: { messages: unknown[] } }).history.messages.length;
        assert.equal(s!.messageCount, v1Messages, `${id}: no message twice`);
        assert.equal(await exportV1(m, s!.id), json(id), `${id}: the V1 export is the V1 source`);
      }
      const again = await migrate(m, sources(order));
      assert.deepEqual([again.totals.imported, again.totals.updated, again.totals.messagesImported], [0, 0, 0]);
      assert.equal(all().length, 9);
    });
  }

  it('keeps every V2 field of a shared conversation: the V2 session row and each message row', async () => {
    await migrate(m, sources('v1 first'));
    const [s] = importedAs(m, 'session_5f0c2a9e');
    const v2 = originsOf(s!).find((o) => o.format === 'langswarm-v2-session')!;
    const row = (v2.fields['row'] as Record<string, unknown>)['context_data'] as Record<string, unknown>;
    assert.equal(row['provider_session_id'], 'thread_abc123XYZ789');
    assert.equal(v2.file, path.join(fixtures, 'v2/langswarm_sessions.db'));
    const second = m.allMessages(s!.id)[1]!;
    const alt = (second.origin!['alt'] as Record<string, Record<string, unknown>>)['langswarm-v2-session']!;
    assert.equal(alt['id'], 'msg_c0f5ef66');
    assert.equal(typeof alt['fp'], 'string');
    assert.notEqual(alt['fp'], second.origin?.['fp'], 'its own fingerprint, not the V1 one');
    // V2 wrote the time with a space: the mapped value that differs is kept beside the V1 one.
    assert.equal((alt['model'] as Record<string, unknown>)['createdAtRaw'], '2025-07-08 09:15:06.123457');
    assert.equal(second.createdAtRaw, '2025-07-08T09:15:06.123457');
  });

  it('appends what a second format holds beyond the first, once, and keeps following that format', async () => {
    const v2 = path.join(fixtures, 'v2/langswarm_sessions.db');
    appendV2(v2, 'session_5f0c2a9e', 'msg_v2_only', 'Only V2 has this one');
    await migrate(m, [path.join(fixtures, 'v1/json')]);
    let report = await migrate(m, [v2]);
    let outcome = report.files[0]!.sessions.find((x) => x.originalId === 'session_5f0c2a9e')!;
    assert.deepEqual([outcome.outcome, outcome.messagesAdded], ['updated', 1]);
    appendV2(v2, 'session_5f0c2a9e', 'msg_v2_later', 'And a later one');
    report = await migrate(m, [v2]);
    outcome = report.files[0]!.sessions.find((x) => x.originalId === 'session_5f0c2a9e')!;
    assert.deepEqual([outcome.outcome, outcome.messagesAdded], ['updated', 1]);
    const [s, ...more] = importedAs(m, 'session_5f0c2a9e');
    assert.equal(more.length, 0);
    const tail = m
      .allMessages(s!.id)
      .slice(-3)
      .map((x) => [x.origin?.['id'], x.origin?.['from']]);
    assert.deepEqual(tail, [
      ['openai_chatcmpl-9mNqM5c8YlUr1bAsE2tZwX4fG5hI', undefined],
      ['msg_v2_only', 'langswarm-v2-session'],
      ['msg_v2_later', 'langswarm-v2-session'],
    ]);
    // The V1 JSON again: the session was moved on by an import, not changed here, so it stays one session.
    report = await migrate(m, [path.join(fixtures, 'v1/json/session_5f0c2a9e.json')]);
    assert.deepEqual([report.totals.unchanged, report.totals.conflict, report.totals.imported], [1, 0, 0]);
    const exported = JSON.parse(await exportV1(m, s!.id)) as { history: { messages: Array<{ id: string }> } };
    assert.deepEqual(
      exported.history.messages.slice(-2).map((x) => x.id),
      ['msg_v2_only', 'msg_v2_later'],
    );
  });

  it('keeps a session apart when the other format holds another conversation under the same id', async () => {
    const v2 = path.join(fixtures, 'v2/langswarm_sessions.db');
    python(
      `import sqlite3,sys; db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE session_messages SET message_id = 'other' WHERE session_id = 'session_5f0c2a9e' AND message_id = 'msg_c0f5ef66'"); db.commit()`,
      v2,
    );
    await migrate(m, [path.join(fixtures, 'v1/json'), v2]);
    const copies = importedAs(m, 'session_5f0c2a9e');
    assert.deepEqual(
      copies.map((s) => originsOf(s).length),
      [1, 1],
    );
    assert.deepEqual(
      copies.map((s) => s.messageCount),
      [6, 6],
    );
  });
});

describe('a source session as first stored (checked in the reader thread)', () => {
  const src = (updatedAt: string): Pick<SourceSession, 'session' | 'fieldsHash' | 'sourceUpdatedAt'> => ({
    session: {
      title: `Trip ${'\uD800'}`, // a lone surrogate: stored well-formed
      userId: 'u',
      provider: 'openai',
      model: 'gpt-4o',
      status: 'active' as const,
      tags: [],
      metadata: {},
      providerState: {},
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt,
      lastActivityAt: '2026-01-02T00:00:00Z',
      origin: { format: 'langswarm-v1-json', file: 'x.json', originalId: 's1', fields: { id: 's1' } },
    },
    fieldsHash: 'h1',
    sourceUpdatedAt: 'raw time',
  });

  it('is the session the store writes: zod applied, stamped origin, a conflict titled and linked', () => {
    const first = firstStored(src('2026-01-02T00:00:00Z'));
    assert.ok(!('invalid' in first));
    assert.equal(first.title, 'Trip \uFFFD');
    assert.deepEqual(first.origin?.['import'], {
      stamp: '2026-01-02T00:00:00Z',
      fieldsHash: 'h1',
      sourceUpdatedAt: 'raw time',
    });
    const conflict = firstStored(src('2026-01-02T00:00:00Z'), 'other');
    assert.ok(!('invalid' in conflict));
    assert.equal(conflict.title, 'Trip \uFFFD (conflict)');
    assert.equal(conflict.origin?.['conflictWith'], 'other');
  });

  it('says why a session cannot be stored, naming the field', () => {
    assert.deepEqual(Object.keys(firstStored(src('yesterday'))), ['invalid']);
    assert.match(
      (firstStored(src('yesterday')) as { invalid: string }).invalid,
      /^Invalid imported session: updatedAt: /,
    );
  });
});
