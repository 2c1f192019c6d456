// Importing the LangSwarm fixtures (files written by LangSwarm's own code): counts, field by field,
// export back to V1 byte for byte, idempotency, dry runs.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportV1, migrate } from '../../src/core/langswarm';
import { Message, Session, messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { FIXTURES, importedAs, loadsInV1 } from '../helpers/langswarm';
import { tempDb } from '../helpers/temp';

const V1_DB = path.join(FIXTURES, 'v1/langswarm_sessions.db');
const V1_JSON = path.join(FIXTURES, 'v1/json');
const V2_DB = path.join(FIXTURES, 'v2/langswarm_sessions.db');
const V2_MEMORY = path.join(FIXTURES, 'v2_memory/langswarm_memory.db');

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const parts = <T extends Message['parts'][number]['type']>(m: Message, type: T) =>
  m.parts.filter((p) => p.type === type) as Array<Extract<Message['parts'][number], { type: T }>>;

/** The only session imported from `originalId` in `format`, with its messages. */
function one(m: SessionManager, originalId: string, format = 'langswarm-v1-sqlite'): { s: Session; ms: Message[] } {
  const found = importedAs(m, originalId).filter((s) => s.origin?.format === format);
  assert.equal(found.length, 1, `one ${format} session ${originalId}`);
  return { s: found[0]!, ms: m.allMessages(found[0]!.id) };
}

describe('migrate: LangSwarm fixtures', function () {
  this.timeout(120_000);
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(async () => {
    await m.close();
  });

  it('imports the V1 database: 6 sessions, 2,017 messages, searchable', async () => {
    const report = await migrate(m, [V1_DB], { naiveUtc: true });
    assert.equal(report.files[0]!.format, 'langswarm-v1-sqlite');
    assert.deepEqual(report.totals, {
      imported: 6,
      updated: 0,
      unchanged: 0,
      conflict: 0,
      failed: 0,
      files: 1,
      filesFailed: 0,
      messagesImported: 2017,
    });
    assert.equal(m.stats().sessions, 6);
    assert.equal(m.stats().messages, 2017);
    assert.equal(m.search('Göteborg').total, 3);
    // A V1 session is titled by its first user words, not its raw id (which stays findable).
    assert.equal(m.search('"Question #1000"').hits[0]?.sessionTitle, 'Question #1: what is 0 squared? (ÅÄÖ åäö)');
    assert.equal(m.list({ text: 'session_5f0c2a9e' }).total, 1, 'the original id is searchable');
  });

  it('maps session_5f0c2a9e field by field: tool calls, their results, provider ids, counts', async () => {
    await migrate(m, [V1_DB], { naiveUtc: true });
    const { s, ms } = one(m, 'session_5f0c2a9e');
    assert.match(s.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      [s.title, s.userId, s.provider, s.model, s.status],
      ['session_5f0c2a9e', 'user_42', 'openai', 'gpt-4o', 'active'],
    );
    assert.deepEqual(s.tags, ['billing', 'priority']);
    assert.deepEqual(s.metadata, {
      agent_name: 'billing_bot',
      ticket: 4711,
      nested: { channel: 'web', vip: true, score: 0.75, none: null },
      unicode: 'Åsa Öberg',
    });
    assert.equal(s.createdAt, '2025-07-08T09:14:59.123Z');
    assert.equal(s.updatedAt, '2025-07-08T09:15:11.456Z');
    assert.equal(s.messageCount, 6, 'recounted (the source says 5)');
    const md = (s.origin!.fields as { metadata: Record<string, unknown> }).metadata;
    assert.equal(md['message_count'], 5, 'the original count is kept');
    assert.equal(md['provider_thread_id'], 'thread_abc123XYZ789');
    assert.equal(md['session_control'], 'hybrid');

    assert.deepEqual(
      ms.map((x) => [x.seq, x.role]),
      [
        [1, 'system'],
        [2, 'user'],
        [3, 'assistant'],
        [4, 'tool'],
        [5, 'tool'],
        [6, 'assistant'],
      ],
    );
    assert.deepEqual(
      ms.map((x) => x.origin?.['id']),
      [
        'msg_4f0a0ef2',
        'msg_c0f5ef66',
        'openai_chatcmpl-9mNqL2b7XkTq0aZrD1sYvW3eF4gH',
        'msg_704b17da',
        'msg_2166455c',
        'openai_chatcmpl-9mNqM5c8YlUr1bAsE2tZwX4fG5hI',
      ],
    );
    assert.equal(ms[1]!.createdAtRaw, '2025-07-08T09:15:06.123457');
    assert.equal(ms[1]!.createdAt, '2025-07-08T09:15:06.123Z');
    assert.deepEqual(ms[1]!.metadata, { client: 'web', ip_country: 'SE' });
    const calls = parts(ms[2]!, 'tool_call');
    assert.equal(messageText(ms[2]!.parts), '', 'the tool-call turn has no text');
    assert.deepEqual(
      calls.map((c) => [c.callId, c.name, c.argumentsJson]),
      [
        ['call_Xq3bN8sKp2LmZ7vT1yR0uE5w', 'get_invoice_status', '{"invoice_id": "INV-2025-0042"}'],
        ['call_Hd9fJ2kQw4PzX6cV8bN1mL3s', 'get_invoice_status', '{"invoice_id": "INV-2025-0043"}'],
      ],
    );
    assert.equal(ms[2]!.stopReason, 'tool_use');
    assert.deepEqual(ms[2]!.providerIds, { responseId: 'chatcmpl-9mNqL2b7XkTq0aZrD1sYvW3eF4gH' });
    const results = [ms[3]!, ms[4]!].map((x) => parts(x, 'tool_result')[0]!);
    assert.deepEqual(
      results.map((r) => [r.callId, r.name]),
      calls.map((c) => [c.callId, 'get_invoice_status']),
    );
    assert.match(results[1]!.content, /"overdue"/);
    assert.equal(m.search('overdue').total, 2, 'tool results are searchable');
  });

  it('maps the other V1 sessions: function role, Unicode, empty, 2,000 messages, summary', async () => {
    await migrate(m, [V1_DB], { naiveUtc: true });
    const mistral = one(m, 'session_b7d41e03');
    assert.equal(mistral.s.status, 'paused', 'inactive → paused');
    const [call] = parts(mistral.ms[2]!, 'tool_call');
    assert.deepEqual(
      [call?.name, call?.argumentsJson],
      ['get_weather', '{"city": "Göteborg"}'],
      'legacy function_call becomes a tool call',
    );
    const fn = mistral.ms[3]!;
    assert.equal(fn.role, 'tool');
    assert.deepEqual(fn.origin?.['fields'], { role: 'function' }, 'the raw role is kept');
    assert.deepEqual(
      parts(fn, 'tool_result').map((r) => [r.callId, r.name]),
      [[call!.callId, 'get_weather']],
      'linked to the function call',
    );

    const claude = one(m, 'session_e2c94f71');
    assert.deepEqual([claude.s.provider, claude.s.status, claude.s.userId], ['anthropic', 'archived', 'användare_ü']);
    const source = JSON.parse(fs.readFileSync(path.join(V1_JSON, 'session_e2c94f71.json'), 'utf8')) as {
      history: { messages: Array<{ content: string }> };
    };
    assert.deepEqual(
      claude.ms.map((x) => messageText(x.parts)),
      source.history.messages.map((x) => x.content),
      'emoji, RTL, \\r\\n, U+2028 intact',
    );

    const cohere = one(m, 'session_0d3f8b52');
    assert.deepEqual(
      [cohere.s.status, cohere.s.messageCount, cohere.s.createdAt],
      ['completed', 0, '2025-05-01T12:00:00.000Z'],
    );

    const bulk = one(m, 'session_9a6c1d24');
    assert.equal(bulk.ms.length, 2000);
    assert.ok(
      bulk.ms.every(
        (x, i) =>
          x.seq === i + 1 &&
          messageText(x.parts).startsWith(i % 2 ? `Answer #${(i + 1) / 2}:` : `Question #${i / 2 + 1}:`),
      ),
    );

    const agent = one(m, 'session_4c8e0f16');
    assert.equal(agent.s.provider, 'openai', 'gpt → openai');
    const history = (agent.s.origin!.fields as { history: Record<string, unknown> }).history;
    assert.equal(
      history['summary'],
      'User asked for a refund of order 12345; refund initiated, ETA 5–7 business days.',
    );
    assert.equal(history['truncated_at'], '2025-07-05T14:30:41.000255');
  });

  it('exports every V1 JSON fixture back byte for byte (and the database rows as the same documents)', async () => {
    await migrate(m, [V1_JSON]);
    const files = fs.readdirSync(V1_JSON);
    assert.equal(files.length, 6);
    for (const file of files) {
      const id = one(m, path.basename(file, '.json'), 'langswarm-v1-json').s.id;
      assert.equal(await exportV1(m, id), fs.readFileSync(path.join(V1_JSON, file), 'utf8'), file);
    }
    const db = await SessionManager.open(tempDb());
    try {
      await migrate(db, [V1_DB]);
      for (const file of files) {
        const id = one(db, path.basename(file, '.json')).s.id;
        assert.equal(
          await exportV1(db, id),
          fs.readFileSync(path.join(V1_JSON, file), 'utf8'),
          `${file} from the database`,
        );
      }
    } finally {
      await db.close();
    }
  });

  it('imports the V2 session store: 8 sessions, tool calls from metadata, no status stored', async () => {
    const report = await migrate(m, [V2_DB], { naiveUtc: true });
    assert.equal(report.files[0]!.format, 'langswarm-v2-session');
    assert.deepEqual([report.totals.imported, report.totals.messagesImported, report.totals.failed], [8, 2021, 0]);
    const { s, ms } = one(m, 'session_5f0c2a9e', 'langswarm-v2-session');
    assert.equal(s.createdAt, '2026-11-23T23:53:17.000Z', 'space-separated naive time');
    assert.equal(ms[0]!.createdAtRaw, '2025-07-08 09:15:02.123456');
    assert.deepEqual(
      parts(ms[2]!, 'tool_call').map((c) => c.callId),
      ['call_Xq3bN8sKp2LmZ7vT1yR0uE5w', 'call_Hd9fJ2kQw4PzX6cV8bN1mL3s'],
    );
    assert.deepEqual(
      parts(ms[3]!, 'tool_result').map((r) => r.callId),
      ['call_Xq3bN8sKp2LmZ7vT1yR0uE5w'],
    );
    assert.equal(ms[2]!.stopReason, 'tool_use');
    assert.equal(
      one(m, 'session_b7d41e03', 'langswarm-v2-session').s.status,
      'paused',
      'status of a migrated V1 session',
    );
    assert.equal(one(m, 'session_user_v2_40905e14', 'langswarm-v2-session').s.status, 'active');
    const fields = s.origin?.fields as { row: Record<string, unknown>; session_metrics: Record<string, unknown> };
    assert.equal(fields.row['backend'], 'hybrid');
    assert.equal(fields.session_metrics['message_count'], 6);
  });

  it('imports the V2 memory store: statuses, tags, tool_calls column, summaries', async () => {
    const report = await migrate(m, [V2_MEMORY], { naiveUtc: true });
    assert.equal(report.files[0]!.format, 'langswarm-v2-memory');
    assert.deepEqual([report.totals.imported, report.totals.messagesImported], [7, 2021]);
    const native = one(m, 'f792b9d7-cc6e-4f41-9cc3-8e2056fe0851', 'langswarm-v2-memory');
    assert.equal(native.s.status, 'completed');
    assert.equal(native.ms[0]!.createdAt, '2026-11-23T23:53:19.623Z', 'aware UTC time');
    const [call] = parts(native.ms[2]!, 'tool_call');
    assert.deepEqual([call?.callId, call?.argumentsJson], ['call_mem_1', '{"city": "Malmö"}']);
    assert.deepEqual(
      parts(native.ms[3]!, 'tool_result').map((r) => [r.callId, r.name, r.content]),
      [['call_mem_1', 'get_weather', '{"temp_c": 9}']],
    );
    const agent = one(m, 'session_4c8e0f16', 'langswarm-v2-memory');
    assert.deepEqual(agent.s.tags, []);
    assert.equal(
      (agent.s.origin!.fields as { summaries: Array<{ summary: string }> }).summaries[0]?.summary.startsWith(
        'User asked for a refund',
      ),
      true,
    );
    assert.deepEqual(one(m, 'session_5f0c2a9e', 'langswarm-v2-memory').s.tags, ['billing', 'priority']);
  });

  it('imports everything twice: the second time changes nothing, not even the file', async () => {
    const all = [V1_DB, V1_JSON, V2_DB, V2_MEMORY];
    const first = await migrate(m, all);
    // The six V1 conversations are also in both V2 stores: one session each, with several origins.
    assert.equal(first.totals.imported, 6 + 2 + 1, 'V1 JSON files, V1 rows and V2 copies are the same sessions');
    assert.equal(first.totals.unchanged, 6 + 6 + 6);
    const before = sha(m.store.path);
    const second = await migrate(m, all);
    assert.deepEqual(
      [
        second.totals.imported,
        second.totals.updated,
        second.totals.conflict,
        second.totals.unchanged,
        second.totals.messagesImported,
      ],
      [0, 0, 0, 27, 0],
    );
    assert.equal(sha(m.store.path), before);
    assert.equal(m.stats().messages, 2017 + 4 + 4, "the V2 stores add only their own sessions' messages");
  });

  it('dry run reports what would happen and changes nothing', async () => {
    const before = sha(m.store.path);
    const dry = await migrate(m, [V1_DB], { dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.deepEqual([dry.totals.imported, dry.totals.messagesImported], [6, 2017]);
    assert.ok(dry.files[0]!.sessions.every((s) => s.sessionId === undefined));
    assert.equal(m.stats().sessions, 0);
    assert.equal(sha(m.store.path), before);
    const real = await migrate(m, [V1_DB]);
    assert.deepEqual(real.totals, { ...dry.totals });
  });

  it('exports a native session as a V1 document that V1 loads', async () => {
    const s = await m.create({
      provider: 'anthropic',
      model: 'claude-sonnet',
      title: 'Native',
      systemPrompt: 'Be brief.',
      tags: ['x'],
      metadata: { k: 1 },
    });
    await m.addMessage(s.id, { role: 'user', content: 'What is the weather in Malmö?' });
    await m.addMessage(s.id, {
      role: 'assistant',
      parts: [{ type: 'tool_call', callId: 'toolu_1', name: 'get_weather', argumentsJson: '{"city":"Malmö"}' }],
    });
    await m.addMessage(s.id, {
      role: 'tool',
      parts: [{ type: 'tool_result', callId: 'toolu_1', name: 'get_weather', content: '9 °C' }],
    });
    await m.addMessage(s.id, { role: 'assistant', content: 'It is 9 °C.' });
    const text = await exportV1(m, s.id);
    assert.match(text, /^[\x20-\x7e]*$/, 'ASCII only, like json.dump');
    const doc = loadsInV1(text);
    assert.deepEqual(
      [doc.metadata['session_id'], doc.metadata['message_count'], doc.history['total_tokens']],
      [s.id, 5, 14],
    );
    assert.deepEqual(
      doc.history.messages.map((x) => x['role']),
      ['system', 'user', 'assistant', 'tool', 'assistant'],
    );
    assert.deepEqual(doc.history.messages[2]!['tool_calls'], [
      { id: 'toolu_1', function: { arguments: '{"city":"Malmö"}', name: 'get_weather' }, type: 'function' },
    ]);
    assert.equal(doc.history.messages[3]!['tool_call_id'], 'toolu_1');
  });

  it('exports sessions imported from V2 as V1 documents that V1 loads, with the source ids', async () => {
    await migrate(m, [V2_DB, V2_MEMORY]);
    const sessions = m.list({ limit: 100 }).items;
    assert.equal(
      sessions.length,
      8 + 1,
      'the memory store holds six of the session store conversations and one of its own',
    );
    for (const summary of sessions) {
      const s = m.get(summary.id);
      const doc = loadsInV1(await exportV1(m, s.id));
      assert.equal(doc.metadata['session_id'], s.origin?.originalId);
      assert.deepEqual(
        doc.history.messages.map((x) => x['id']),
        m.allMessages(s.id).map((x) => x.origin?.['id']),
      );
    }
    const memory = one(m, 'f792b9d7-cc6e-4f41-9cc3-8e2056fe0851', 'langswarm-v2-memory');
    const calls = loadsInV1(await exportV1(m, memory.s.id)).history.messages.map((x) => [
      x['role'],
      x['tool_calls'],
      x['tool_call_id'],
    ]);
    assert.deepEqual(calls.slice(2), [
      [
        'assistant',
        [{ id: 'call_mem_1', function: { arguments: '{"city": "Malmö"}', name: 'get_weather' }, type: 'function' }],
        null,
      ],
      ['tool', null, 'call_mem_1'],
    ]);
  });
});
