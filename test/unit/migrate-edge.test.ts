// Every "things real files contain" case of the LangSwarm format: imported without loss, reported,
// and written back by export-v1 exactly as the source had it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportV1, migrate } from '../../src/core/langswarm';
import type { MigrateReport } from '../../src/core/langswarm';
import { Message, Session, messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { V1Doc, copyFixture, importedAs, python, v1Doc, v1Message, writeV1Db, writeV1Json } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

const msg = v1Message;

/** Writes `doc` as a V1 JSON file, imports it, and checks that export-v1 writes the file back unchanged. */
async function roundTrip(
  m: SessionManager,
  doc: unknown,
  options: { naiveUtc?: boolean } = {},
): Promise<{ s: Session; ms: Message[]; report: MigrateReport; warnings: string[] }> {
  const file = path.join(tempDir(), 'session.json');
  writeV1Json(file, doc);
  const report = await migrate(m, [file], options);
  const result = report.files[0]!.sessions[0]!;
  assert.ok(result.sessionId, `imported: ${JSON.stringify(report.files[0]!.errors)}`);
  assert.equal(
    await exportV1(m, result.sessionId),
    fs.readFileSync(file, 'utf8'),
    'export-v1 writes the source back unchanged',
  );
  return { s: m.get(result.sessionId), ms: m.allMessages(result.sessionId), report, warnings: result.warnings };
}

const partTypes = (x: Message) => x.parts.map((p) => p.type);

describe('migrate: what real files contain', function () {
  this.timeout(60_000);
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(async () => {
    await m.close();
  });

  it('null and empty content, [] and null tool_calls, empty tool_call_id', async () => {
    const call = { id: 'call_1', function: { arguments: '{"q": 1}', name: 'lookup' }, type: 'function' };
    const { ms, warnings } = await roundTrip(
      m,
      v1Doc('s', [
        msg('m1', 'user', null, '2025-07-01T10:00:00'),
        msg('m2', 'assistant', '', '2025-07-01T10:00:01', { tool_calls: [] }),
        msg('m3', 'assistant', '', '2025-07-01T10:00:02', { tool_call_id: '' }),
        msg('m4', 'assistant', null, '2025-07-01T10:00:03', { tool_calls: [call] }),
        msg('m5', 'tool', 'result', '2025-07-01T10:00:04', { tool_call_id: 'call_1' }),
        msg('m6', 'tool', null, '2025-07-01T10:00:05', { tool_call_id: '' }),
      ]),
    );
    assert.deepEqual(ms.map(partTypes), [[], [], [], ['tool_call'], ['tool_result'], ['tool_result']]);
    assert.deepEqual(
      ms.map((x) => x.origin?.['content']),
      [null, undefined, undefined, null, undefined, null],
      'null content kept where "" would differ',
    );
    assert.equal((ms[4]!.parts[0] as { callId: string }).callId, 'call_1');
    assert.ok(
      warnings.some((w) => /message 6: tool result does not name its call/.test(w)),
      warnings.join('\n'),
    );
  });

  it('links tool results to their calls, and says when one answers a call nobody made', async () => {
    const calls = ['a', 'b'].map((x) => ({
      id: `call_${x}`,
      function: { arguments: '{}', name: `tool_${x}` },
      type: 'function',
    }));
    const { ms, warnings } = await roundTrip(
      m,
      v1Doc('s', [
        msg('m1', 'assistant', '', '2025-07-01T10:00:00', { tool_calls: calls }),
        msg('m2', 'tool', 'B', '2025-07-01T10:00:01', { tool_call_id: 'call_b' }),
        msg('m3', 'tool', 'A', '2025-07-01T10:00:02', { metadata: { name: 'tool_a' } }),
        msg('m4', 'tool', '?', '2025-07-01T10:00:03', { tool_call_id: 'call_zzz' }),
      ]),
    );
    const results = ms.slice(1).map((x) => x.parts[0] as { callId: string; name: string });
    assert.deepEqual(
      results.map((r) => [r.callId, r.name]),
      [
        ['call_b', 'tool_b'],
        ['call_a', 'tool_a'],
        ['call_zzz', ''],
      ],
    );
    assert.ok(
      warnings.some((w) => /message 4: tool result answers call "call_zzz", which no earlier message made/.test(w)),
    );
  });

  it('role function becomes a tool result linked to the legacy function_call, keeping the raw role', async () => {
    const { ms } = await roundTrip(
      m,
      v1Doc('s', [
        msg('m1', 'assistant', '', '2025-07-01T10:00:00', {
          metadata: { function_call: { name: 'get_weather', arguments: '{"city": "Oslo"}' } },
        }),
        msg('m2', 'function', '{"t": 3}', '2025-07-01T10:00:01', { metadata: { name: 'get_weather' } }),
      ]),
    );
    const call = ms[0]!.parts[0] as { callId: string; name: string; argumentsJson: string };
    assert.deepEqual([ms[1]!.role, ms[1]!.origin?.['fields']], ['tool', { role: 'function' }]);
    assert.deepEqual(ms[1]!.parts, [
      { type: 'tool_result', callId: call.callId, name: 'get_weather', content: '{"t": 3}' },
    ]);
    assert.deepEqual(ms[0]!.metadata, { function_call: { name: 'get_weather', arguments: '{"city": "Oslo"}' } });
  });

  it('bare NaN, Infinity and -Infinity (and 1.0) in metadata survive to the export', async () => {
    const doc = v1Doc(
      's',
      [msg('m1', 'assistant', 'ok', '2025-07-01T10:00:00', { metadata: { logprob: -Infinity, temperature: 1.5 } })],
      { custom_metadata: { score: NaN, max: Infinity, nested: [1, NaN] }, total_tokens: NaN },
    );
    const file = path.join(tempDir(), 'nan.json');
    writeV1Json(file, doc);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"temperature": 1.5', '"temperature": 1.0'));
    assert.match(fs.readFileSync(file, 'utf8'), /"score": NaN, "max": Infinity, "nested": \[1, NaN\]/);
    const report = await migrate(m, [file]);
    const id = report.files[0]!.sessions[0]!.sessionId!;
    assert.deepEqual(m.get(id).metadata, { score: null, max: null, nested: [1, null] }, 'stored as JSON nulls');
    assert.deepEqual(m.allMessages(id)[0]!.metadata, { logprob: null, temperature: 1 });
    assert.equal(await exportV1(m, id), fs.readFileSync(file, 'utf8'));
  });

  it('keeps sessions and messages with values outside the enums, and says so', async () => {
    const { s, ms, warnings } = await roundTrip(
      m,
      v1Doc(
        's',
        [
          msg('m1', 'developer', 'Use metric units.', '2025-07-01T10:00:00'),
          msg('m2', 'wizard', 'Abracadabra', '2025-07-01T10:00:01'),
        ],
        { status: 'deleted', provider: 'test', session_control: 'telepathy' },
      ),
    );
    assert.deepEqual([s.status, s.provider], ['paused', 'test']);
    assert.deepEqual(
      ms.map((x) => x.role),
      ['developer', 'user'],
    );
    assert.deepEqual(ms[1]!.origin?.['fields'], { role: 'wizard' });
    assert.ok(warnings.some((w) => /unknown status "deleted"; shown as paused/.test(w)));
    assert.ok(warnings.some((w) => /message 2: unknown role "wizard"/.test(w)));
  });

  it('defaults missing optional keys as V1 did, keeps them missing on export, and adds a missing session_control', async () => {
    const doc = v1Doc('s', [{ id: 'm1', role: 'user', content: 'hi', timestamp: '2025-07-01T10:00:00' }]);
    for (const key of ['tags', 'custom_metadata', 'context_limit', 'last_activity', 'session_control'])
      delete doc.metadata[key];
    delete doc.history['summary'];
    const file = path.join(tempDir(), 'missing.json');
    writeV1Json(file, doc);
    const report = await migrate(m, [file]);
    const result = report.files[0]!.sessions[0]!;
    const s = m.get(result.sessionId!);
    assert.deepEqual([s.tags, s.metadata, m.allMessages(s.id)[0]!.metadata], [[], {}, {}]);
    assert.ok(result.warnings.some((w) => /no session_control; V1 defaults it to "hybrid"/.test(w)));
    const exported = JSON.parse(await exportV1(m, s.id)) as V1Doc;
    assert.deepEqual(
      exported,
      { ...doc, metadata: { ...doc.metadata, session_control: 'hybrid' } },
      'only session_control added, for V1 to load it',
    );
    assert.deepEqual(Object.keys((exported.history['messages'] as object[])[0]!), [
      'id',
      'role',
      'content',
      'timestamp',
    ]);
  });

  it('preserves unknown extra keys at every level through export', async () => {
    const doc = {
      ...v1Doc('s', [msg('m1', 'user', 'hi', '2025-07-01T10:00:00', { x_reaction: '👍', x_score: 2 })], {
        x_team: { name: 'α' },
      }),
      x_version: 3,
    };
    doc.history['x_cursor'] = [1, 2];
    const { ms, s } = await roundTrip(m, doc);
    assert.deepEqual(ms[0]!.origin?.['fields'], { x_reaction: '👍', x_score: 2 });
    assert.equal((s.origin!.fields as Record<string, unknown>)['x_version'], 3);
  });

  it('replaces lone surrogates and NUL (saying so), keeps ANSI escapes, never touches the neighbours', async () => {
    const { ms, warnings } = await roundTrip(
      m,
      v1Doc('s', [
        msg('m1', 'user', 'left \ud800 right', '2025-07-01T10:00:00'),
        msg('m2', 'assistant', 'before\u0000after NUL', '2025-07-01T10:00:01'),
        msg('m3', 'assistant', '\u001b[31mred\u001b[0m plain', '2025-07-01T10:00:02'),
        msg('m4', 'user', 'neighbour 👋🏽 intact', '2025-07-01T10:00:03'),
      ]),
    );
    assert.deepEqual(
      ms.map((x) => messageText(x.parts)),
      ['left \ufffd right', 'before\ufffdafter NUL', '\u001b[31mred\u001b[0m plain', 'neighbour 👋🏽 intact'],
    );
    assert.equal(ms[0]!.origin?.['content'], 'left \ud800 right', 'the original is kept for export');
    assert.ok(
      warnings.some((w) =>
        /^1 lone surrogate\(s\) replaced by U\+FFFD in message 1; the original text is kept for export\.$/.test(w),
      ),
      warnings.join('\n'),
    );
    assert.ok(warnings.some((w) => /^1 NUL character\(s\) replaced by U\+FFFD in message 2;/.test(w)));
    assert.equal(m.search('after').total, 1, 'text after a NUL is searchable');
    assert.equal(m.search('red').total, 1);
  });

  it('imports duplicate message ids, odd ids and unsafe session ids under ids of its own', async () => {
    const unsafe = 'chat/2025 07 08?#ü:*';
    const { s, ms, warnings } = await roundTrip(
      m,
      v1Doc(
        unsafe,
        [
          msg('openai_unknown', 'user', 'one', '2025-07-01T10:00:00'),
          msg('openai_unknown', 'assistant', 'two', '2025-07-01T10:00:01'),
          msg('', 'user', 'three', '2025-07-01T10:00:02'),
        ],
        { user_id: '' },
      ),
    );
    assert.match(s.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual([s.title, s.origin?.originalId, s.userId], [unsafe, unsafe, '']);
    assert.equal(new Set(ms.map((x) => x.id)).size, 3);
    assert.deepEqual(
      ms.map((x) => x.origin?.['id']),
      ['openai_unknown', 'openai_unknown', ''],
    );
    assert.ok(
      warnings.some((w) => /message 2: id "openai_unknown" was already used by message 1; both are kept/.test(w)),
    );
    assert.equal(m.list({ text: '2025 07 08?#ü' }).total, 1);
  });

  it('reads mixed offsets, Z, space separators and epoch numbers; keeps array order and the raw strings', async () => {
    const times = [
      '2025-07-08T09:15:02.123456',
      '2025-07-08T09:15:02+02:00',
      '2025-07-08T07:15:03.5+00:00',
      '2025-07-08T07:15:04Z',
      '2025-07-08 09:15:05.000001',
      1751966106.25,
      '2025-07-08T09:00:00',
      'yesterday',
    ];
    const doc = v1Doc(
      's',
      times.map((t, i) => msg(`m${i}`, 'user', `text ${i}`, t as string)),
      { created_at: '2025-07-08T09:15:00' },
    );
    const utc = (await roundTrip(m, doc, { naiveUtc: true })).ms;
    assert.deepEqual(
      utc.map((x) => x.createdAt),
      [
        '2025-07-08T09:15:02.123Z',
        '2025-07-08T07:15:02.000Z',
        '2025-07-08T07:15:03.500Z',
        '2025-07-08T07:15:04.000Z',
        '2025-07-08T09:15:05.000Z',
        '2025-07-08T09:15:06.250Z',
        '2025-07-08T09:00:00.000Z',
        '2025-07-08T09:00:00.000Z',
      ],
    );
    assert.deepEqual(
      utc.map((x) => x.createdAtRaw),
      [...times.slice(0, 5), undefined, ...times.slice(6)],
    );
    assert.deepEqual(
      utc.map((x) => messageText(x.parts)),
      times.map((_, i) => `text ${i}`),
      'array order, not time order',
    );
    assert.deepEqual(utc[5]!.origin?.['fields'], { timestamp: 1751966106.25 });

    const tz = process.env['TZ'];
    process.env['TZ'] = 'Europe/Stockholm'; // UTC+2 in July
    try {
      const other = await SessionManager.open(tempDb());
      const local = (await roundTrip(other, doc)).ms;
      assert.deepEqual(
        local.slice(0, 2).map((x) => x.createdAt),
        ['2025-07-08T07:15:02.123Z', '2025-07-08T07:15:02.000Z'],
        'naive times are local time by default',
      );
      await other.close();
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
  });

  it('uses the JSON when the V1 columns disagree with it, and reports the mismatch', async () => {
    const file = path.join(tempDir(), 'store.db');
    await writeV1Db(file, [v1Doc('s1', [msg('m1', 'user', 'hi', '2025-07-01T10:00:00')])], () => ({
      status: 'archived',
      provider: 'claude',
    }));
    const report = await migrate(m, [file]);
    const result = report.files[0]!.sessions[0]!;
    const s = m.get(result.sessionId!);
    assert.deepEqual([s.status, s.provider], ['active', 'openai']);
    assert.deepEqual(s.origin?.['columns'], { provider: 'claude', status: 'archived' });
    assert.ok(
      result.warnings.some((w) =>
        /column status says "archived" but the metadata JSON says "active"; the JSON wins/.test(w),
      ),
    );
  });

  it('imports V2 messages whose session row is gone as a session of their own', async () => {
    const store = copyFixture('v2/langswarm_sessions.db');
    python(
      `import sqlite3,sys; db = sqlite3.connect(sys.argv[1]); db.execute("DELETE FROM sessions WHERE session_id = 'session_4c8e0f16'"); db.commit()`,
      store,
    );
    const report = await migrate(m, [store]);
    const orphan = report.files[0]!.sessions.find((x) => x.originalId === 'session_4c8e0f16')!;
    assert.deepEqual([orphan.outcome, orphan.messagesAdded], ['imported', 4]);
    assert.match(orphan.where, /has no sessions row/);
    assert.ok(orphan.warnings.some((w) => /no session row/.test(w)));
    assert.equal(report.totals.imported, 8);
    const [s] = importedAs(m, 'session_4c8e0f16');
    assert.deepEqual([s!.provider, s!.model, s!.messageCount], ['unknown', 'unknown', 4]);
  });

  it('carries large messages and elements that are not messages at all', async () => {
    const big = `${'x'.repeat(256 * 1024 - 10)} 🚀 end`;
    const { ms, warnings } = await roundTrip(
      m,
      v1Doc('s', [
        msg('m1', 'user', big, '2025-07-01T10:00:00'),
        null as unknown as Record<string, unknown>,
        msg('m3', 'assistant', 'after', '2025-07-01T10:00:02'),
      ]),
    );
    assert.equal(messageText(ms[0]!.parts), big);
    assert.deepEqual([ms[1]!.role, messageText(ms[1]!.parts)], ['user', 'null']);
    assert.ok(warnings.some((w) => /message 2 is null, not an object/.test(w)));
  });
});
