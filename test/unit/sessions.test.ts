import { strict as assert } from 'node:assert';
import { isCoreError } from '../../src/core/errors';
import { MAX_TAG_LENGTH, MAX_TITLE_LENGTH, messageText, Session } from '../../src/core/model';
import { SessionEvent, SessionManager } from '../../src/core/sessions';
import { tempDb } from '../helpers/temp';

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    assert.ok(isCoreError(e), `expected a CoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return;
  }
  assert.fail(`expected ${code}`);
}

describe('SessionManager', () => {
  let m: SessionManager;
  let now: Date;

  beforeEach(async () => {
    now = new Date('2026-01-10T12:00:00.000Z');
    m = await SessionManager.open(tempDb(), { clock: () => now });
  });
  afterEach(() => m.close());

  describe('sessions', () => {
    it('creates a session with defaults and reads it back', async () => {
      const s = await m.create({
        provider: 'openai',
        model: 'gpt-4o',
        title: '  Trip planning ',
        tags: ['travel', 'travel', 'demo'],
        systemPrompt: 'Be brief.',
      });
      assert.equal(s.title, 'Trip planning');
      assert.equal(s.status, 'active');
      assert.deepEqual(s.tags, ['travel', 'demo']);
      assert.equal(s.createdAt, now.toISOString());
      assert.deepEqual(m.get(s.id), s);
    });

    it('rejects bad session input with a readable sentence', async () => {
      await rejectsWith(m.create({ provider: '', model: 'x' }), 'InvalidInput', /provider/);
      await rejectsWith(m.create({ provider: 'openai', model: '  ' }), 'InvalidInput', /model is required/);
      await rejectsWith(
        m.create({ provider: 'openai', model: 'm', status: 'deleted' as never }),
        'InvalidInput',
        /status/,
      );
    });

    it('reports unknown ids as SessionNotFound / MessageNotFound', async () => {
      await rejectsWith(() => m.get('nope'), 'SessionNotFound', /"nope"/);
      await rejectsWith(m.addMessage('nope', { role: 'user', content: 'x' }), 'SessionNotFound');
      await rejectsWith(() => m.getMessage('nope'), 'MessageNotFound');
      await rejectsWith(m.delete('nope'), 'SessionNotFound');
      await rejectsWith(m.editMessage('nope', { content: 'x' }), 'MessageNotFound');
    });

    it('lists with filters, sorting and paging', async () => {
      const made: Session[] = [];
      for (let i = 0; i < 7; i++) {
        now = new Date(Date.UTC(2026, 0, 1 + i));
        made.push(
          await m.create({
            provider: i % 2 ? 'anthropic' : 'openai',
            model: 'm',
            title: `Session ${String.fromCharCode(71 - i)}`,
            userId: i < 3 ? 'alice' : 'bob',
            tags: i % 3 === 0 ? ['red'] : ['blue'],
          }),
        );
      }
      now = new Date(Date.UTC(2026, 0, 20));
      await m.pause(made[1]!.id);
      const all = m.list();
      assert.equal(all.total, 7);
      const expected = [made[1]!, ...[...made].reverse().filter((s) => s.id !== made[1]!.id)].map((s) => s.id);
      assert.deepEqual(
        all.items.map((s) => s.id),
        expected,
        'most recently updated first',
      );
      assert.equal(m.list({ status: 'paused' }).items[0]!.id, made[1]!.id);
      assert.equal(m.list({ provider: 'anthropic' }).total, 3);
      assert.equal(m.list({ tag: 'red' }).total, 3);
      assert.equal(m.list({ userId: 'alice' }).total, 3);
      assert.deepEqual(
        m.list({ sortBy: 'title', descending: false, limit: 2 }).items.map((s) => s.title),
        ['Session A', 'Session B'],
      );
      const page2 = m.list({ sortBy: 'createdAt', descending: false, offset: 2, limit: 2 });
      assert.deepEqual(
        page2.items.map((s) => s.id),
        [made[2]!.id, made[3]!.id],
      );
      assert.equal(page2.total, 7);
      assert.equal(m.list({ status: ['paused', 'active'], provider: 'openai', tag: 'red' }).total, 2);
    });

    it('finds sessions by title, id, model or message text', async () => {
      const a = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Budget review' });
      const b = await m.create({ provider: 'gemini', model: 'gemini-2.5-pro', title: 'Other' });
      await m.addMessage(b.id, { role: 'user', content: 'tell me about kangaroos' });
      assert.deepEqual(
        m.list({ text: 'budget' }).items.map((s) => s.id),
        [a.id],
      );
      assert.deepEqual(
        m.list({ text: 'gemini-2.5' }).items.map((s) => s.id),
        [b.id],
      );
      assert.deepEqual(
        m.list({ text: 'kangar' }).items.map((s) => s.id),
        [b.id],
      );
      assert.deepEqual(m.list({ text: '100%_\\' }).items, []);
    });

    it('renames, tags and merges metadata', async () => {
      const s = await m.create({ provider: 'openai', model: 'm', metadata: { a: 1, b: 2 } });
      assert.equal((await m.rename(s.id, 'New name')).title, 'New name');
      await rejectsWith(m.rename(s.id, '   '), 'InvalidInput');
      assert.deepEqual((await m.setTags(s.id, ['x', ' y ', 'x', ''])).tags, ['x', 'y']);
      assert.equal(m.list({ tag: 'y' }).total, 1);
      assert.deepEqual(m.tags(), [
        { tag: 'x', count: 1 },
        { tag: 'y', count: 1 },
      ]);
      assert.deepEqual((await m.updateMetadata(s.id, { b: null, c: { d: true } })).metadata, { a: 1, c: { d: true } });
    });

    it('holds titles and tags to the same limits when creating, renaming and tagging', async () => {
      const title = 't'.repeat(MAX_TITLE_LENGTH);
      const tag = 'g'.repeat(MAX_TAG_LENGTH);
      const s = await m.create({ provider: 'openai', model: 'm', title, tags: [tag] });
      await rejectsWith(m.create({ provider: 'openai', model: 'm', title: `${title}t` }), 'InvalidInput', /title/);
      await rejectsWith(m.create({ provider: 'openai', model: 'm', tags: [`${tag}g`] }), 'InvalidInput', /tags/);
      assert.equal((await m.rename(s.id, ` ${title} `)).title, title);
      await rejectsWith(
        m.rename(s.id, `${title}t`),
        'InvalidInput',
        new RegExp(`at most ${MAX_TITLE_LENGTH} characters`),
      );
      assert.deepEqual((await m.setTags(s.id, [tag])).tags, [tag]);
      await rejectsWith(
        m.setTags(s.id, [`${tag}g`]),
        'InvalidInput',
        new RegExp(`at most ${MAX_TAG_LENGTH} characters`),
      );
    });
  });

  describe('lifecycle', () => {
    it('moves through pause, resume, complete, archive and unarchive', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      assert.equal((await m.pause(s.id)).status, 'paused');
      assert.equal((await m.resume(s.id)).status, 'active');
      assert.equal((await m.complete(s.id)).status, 'completed');
      assert.equal((await m.archive(s.id)).status, 'archived');
      assert.equal((await m.unarchive(s.id)).status, 'completed', 'unarchive restores the status before archiving');
      const e = await m.markError(s.id, 'provider said 500');
      assert.equal(e.status, 'error');
      assert.equal((e.metadata['lastError'] as { message: string }).message, 'provider said 500');
      assert.equal((await m.resume(s.id)).status, 'active');
    });

    it('rejects invalid transitions and writes to archived sessions', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      await m.complete(s.id);
      await rejectsWith(m.pause(s.id), 'InvalidTransition', /completed and cannot become paused/);
      await rejectsWith(m.unarchive(s.id), 'InvalidTransition', /not archived/);
      await rejectsWith(m.setStatus(s.id, 'bogus' as never), 'InvalidInput', /Unknown status/);
      await m.archive(s.id);
      await rejectsWith(m.addMessage(s.id, { role: 'user', content: 'hi' }), 'SessionNotWritable', /unarchive it/);
      await m.unarchive(s.id);
      await rejectsWith(m.addMessage(s.id, { role: 'user', content: 'hi' }), 'SessionNotWritable', /resume it/);
      await m.resume(s.id);
      await m.addMessage(s.id, { role: 'user', content: 'hi' });
    });

    it('auto-archives sessions idle longer than N days', async () => {
      const old = await m.create({ provider: 'openai', model: 'm' });
      now = new Date('2026-01-20T12:00:00.000Z');
      const fresh = await m.create({ provider: 'openai', model: 'm' });
      await m.pause(fresh.id);
      const archived = await m.autoArchive(7);
      assert.deepEqual(archived, [old.id]);
      assert.equal(m.get(old.id).status, 'archived');
      assert.equal(m.get(fresh.id).status, 'paused');
      await rejectsWith(m.autoArchive(0), 'InvalidInput');
    });

    it('deletes a session with everything it owns', async () => {
      const s = await m.create({ provider: 'openai', model: 'm', tags: ['t'] });
      const msg = await m.addMessage(s.id, { role: 'user', content: 'unique-word-zebra' });
      await m.editMessage(msg.id, { content: 'unique-word-zebra edited' });
      assert.equal(await m.delete(s.id), 1);
      await rejectsWith(() => m.get(s.id), 'SessionNotFound');
      await rejectsWith(() => m.getMessage(msg.id), 'MessageNotFound');
      assert.equal(m.search('zebra').total, 0);
      assert.deepEqual(m.tags(), []);
      assert.equal(m.stats().messages, 0);
    });
  });

  describe('messages', () => {
    it('adds messages in order with all their fields', async () => {
      const s = await m.create({ provider: 'openai', model: 'gpt-4o' });
      const user = await m.addMessage(s.id, { role: 'user', content: 'weather in Paris?' });
      const call = await m.addMessage(s.id, {
        role: 'assistant',
        parts: [{ type: 'tool_call', callId: 'c1', name: 'get_weather', argumentsJson: '{"city":"Paris"}' }],
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        stopReason: 'tool_use',
        provider: { name: 'openai', model: 'gpt-4o' },
        providerIds: { responseId: 'resp_1', itemIds: ['fc_1'] },
        native: { openai: { type: 'function_call', id: 'fc_1' } },
      });
      const result = await m.addMessage(s.id, {
        role: 'tool',
        parts: [{ type: 'tool_result', callId: 'c1', name: 'get_weather', content: '{"temp":21}' }],
      });
      assert.deepEqual([user.seq, call.seq, result.seq], [1, 2, 3]);
      const stored = m.getMessage(call.id);
      assert.deepEqual(stored, call);
      assert.equal(stored.state, 'complete');
      const session = m.get(s.id);
      assert.equal(session.messageCount, 3);
      assert.equal(session.totalTokens, 15);
      assert.deepEqual(
        m.allMessages(s.id).map((x) => x.id),
        [user.id, call.id, result.id],
      );
    });

    it('adds a batch all or nothing', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      await rejectsWith(
        m.addMessages(s.id, [
          { role: 'user', content: 'ok' },
          { role: 'wizard' as never, content: 'bad' },
        ]),
        'InvalidInput',
        /message 2/,
      );
      assert.equal(m.get(s.id).messageCount, 0);
      const added = await m.addMessages(s.id, [
        { role: 'system', content: 'a' },
        { role: 'developer', content: 'b' },
      ]);
      assert.deepEqual(
        added.map((x) => x.seq),
        [1, 2],
      );
    });

    it('rejects invalid roles, mixed content/parts and oversized content', async () => {
      const small = await SessionManager.open(tempDb(), { maxMessageBytes: 1000 });
      try {
        const s = await small.create({ provider: 'openai', model: 'm' });
        await rejectsWith(small.addMessage(s.id, { role: 'function' as never, content: 'x' }), 'InvalidInput', /role/);
        await rejectsWith(
          small.addMessage(s.id, { role: 'user', content: 'x', parts: [] }),
          'InvalidInput',
          /either content or parts/,
        );
        await rejectsWith(
          small.addMessage(s.id, { role: 'user', content: 'x'.repeat(2000) }),
          'InvalidInput',
          /limit is/,
        );
        await rejectsWith(
          small.addMessage(s.id, { role: 'user', parts: [{ type: 'video' } as never] }),
          'InvalidInput',
        );
        assert.equal(small.get(s.id).messageCount, 0);
      } finally {
        await small.close();
      }
    });

    it('stores lone surrogates as replacement characters instead of corrupting text', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      const msg = await m.addMessage(s.id, { role: 'user', content: 'a\ud800b \u0000 nul and 😀' });
      assert.equal(messageText(m.getMessage(msg.id).parts), 'a\ufffdb \u0000 nul and 😀');
    });

    it('pages through messages by seq in both directions', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      await m.addMessages(
        s.id,
        Array.from({ length: 25 }, (_, i) => ({ role: 'user' as const, content: `m${i + 1}` })),
      );
      const first = m.messages(s.id, { limit: 10 });
      assert.deepEqual(
        first.map((x) => x.seq),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      const next = m.messages(s.id, { afterSeq: 10, limit: 10 });
      assert.equal(next[0]!.seq, 11);
      const before = m.messages(s.id, { beforeSeq: 6, limit: 3 });
      assert.deepEqual(
        before.map((x) => x.seq),
        [3, 4, 5],
      );
      assert.equal(m.messageIndex(next[0]!.id), 10);
    });

    it('edits a message keeping every previous revision', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      const msg = await m.addMessage(s.id, { role: 'assistant', content: 'first draft with walrus' });
      now = new Date('2026-01-11T00:00:00.000Z');
      const e1 = await m.editMessage(msg.id, { content: 'second draft with narwhal' });
      const e2 = await m.editMessage(msg.id, {
        parts: [
          { type: 'text', text: 'third' },
          { type: 'refusal', text: 'no' },
        ],
      });
      assert.equal(e1.revision, 1);
      assert.equal(e1.editedAt, '2026-01-11T00:00:00.000Z');
      assert.equal(e2.revision, 2);
      const revs = m.revisions(msg.id);
      assert.deepEqual(
        revs.map((r) => [r.revision, messageText(r.parts)]),
        [
          [0, 'first draft with walrus'],
          [1, 'second draft with narwhal'],
        ],
      );
      assert.equal(m.search('walrus').total, 0, 'search follows the current text');
      assert.equal(m.search('third').total, 1);
      const same = await m.editMessage(msg.id, { state: 'partial' });
      assert.equal(same.revision, 2, 'a state change is not a content revision');
      assert.equal(m.getMessage(msg.id).state, 'partial');
    });

    it('deletes a message and keeps the counters right', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      const [a, b] = await m.addMessages(s.id, [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } },
      ]);
      await m.deleteMessage(b!.id);
      assert.equal(m.get(s.id).messageCount, 1);
      assert.equal(m.get(s.id).totalTokens, 0);
      const c = await m.addMessage(s.id, { role: 'user', content: 'c' });
      assert.equal(c.seq, 3, 'seq is never reused');
      assert.deepEqual(
        m.allMessages(s.id).map((x) => x.id),
        [a!.id, c.id],
      );
    });

    it('forks a session at a message', async () => {
      const s = await m.create({ provider: 'anthropic', model: 'claude', systemPrompt: 'sys', tags: ['t'] });
      const msgs = await m.addMessages(
        s.id,
        Array.from({ length: 1200 }, (_, i) => ({
          role: i % 2 ? ('assistant' as const) : ('user' as const),
          content: `turn ${i + 1}`,
        })),
      );
      const at = msgs[1100]!;
      const fork = await m.fork(s.id, at.id, { title: 'What if' });
      assert.equal(fork.title, 'What if');
      assert.deepEqual(fork.parent, { sessionId: s.id, messageId: at.id });
      assert.equal(fork.systemPrompt, 'sys');
      assert.deepEqual(fork.tags, ['t']);
      assert.equal(fork.messageCount, 1101);
      const copied = m.allMessages(fork.id);
      assert.deepEqual(
        copied.map((x) => messageText(x.parts)),
        msgs.slice(0, 1101).map((x) => messageText(x.parts)),
      );
      assert.ok(copied.every((x, i) => x.id !== msgs[i]!.id && x.sessionId === fork.id));
      const next = await m.addMessage(fork.id, { role: 'user', content: 'diverge' });
      assert.equal(next.seq, at.seq + 1);
      assert.equal(m.get(s.id).messageCount, 1200, 'the original is untouched');
      const other = await m.create({ provider: 'x', model: 'y' });
      await rejectsWith(m.fork(other.id, at.id), 'InvalidInput', /another session/);
    });
  });

  describe('search and stats', () => {
    it('finds words across sessions with highlighted snippets, newest first', async () => {
      const a = await m.create({ provider: 'openai', model: 'm', title: 'A' });
      const b = await m.create({ provider: 'openai', model: 'm', title: 'B' });
      await m.addMessage(a.id, { role: 'user', content: 'The quick brown fox jumps over the lazy dog' });
      await m.addMessage(b.id, { role: 'assistant', content: 'A fox is a small omnivore' });
      await m.addMessage(b.id, {
        role: 'assistant',
        parts: [{ type: 'tool_call', callId: 'c', name: 'lookup_animal', argumentsJson: '{"q":"arctic"}' }],
      });
      const r = m.search('fox');
      assert.equal(r.total, 2);
      assert.deepEqual(
        r.hits.map((h) => h.sessionTitle),
        ['B', 'A'],
      );
      const hit = r.hits[0]!;
      assert.deepEqual(
        hit.highlights.map(([s, e]) => hit.snippet.slice(s, e)),
        ['fox'],
      );
      assert.equal(m.search('arctic').hits[0]!.role, 'assistant', 'tool arguments are searchable');
      assert.equal(m.search('fox', { sessionId: a.id }).total, 1);
      assert.equal(m.search('quick fox').total, 1);
      assert.equal(m.search('"brown fox"').total, 1);
      assert.equal(m.search('"fox brown"').total, 0);
      assert.equal(m.search('fox -lazy').total, 1);
      assert.equal(m.search('omni').total, 0, 'words match whole by default');
      assert.equal(m.search('omni', { prefix: true }).total, 1, 'as you type, the last word matches as a prefix');
      assert.equal(m.search('omni fox', { prefix: true }).total, 0, 'only the last word');
      assert.equal(m.search('fox', { limit: 1, offset: 1 }).hits[0]!.sessionTitle, 'A');
    });

    it('survives hostile search input', async () => {
      const s = await m.create({ provider: 'openai', model: 'm' });
      await m.addMessage(s.id, { role: 'user', content: 'near the NOT operator (parenthesis) "quoted" star*' });
      for (const q of [
        '"',
        '(',
        ')',
        '*',
        'NOT',
        'AND OR',
        'a NEAR/2 b',
        '^x',
        'col:val',
        '-',
        '--',
        '""',
        '"unterminated',
        'x OR',
        '\u0000',
        '😀',
        "'; DROP TABLE messages; --",
      ]) {
        for (const prefix of [false, true]) assert.ok(m.search(q, { prefix }).total >= 0, q);
      }
      assert.equal(m.search('parenthesis').total, 1);
      assert.equal(m.search('(parenthesis)').total, 1);
      assert.equal(m.stats().messages, 1);
    });

    it('counts sessions, messages and tokens overall and per session', async () => {
      const a = await m.create({ provider: 'openai', model: 'm' });
      const b = await m.create({ provider: 'gemini', model: 'g' });
      await m.addMessage(a.id, { role: 'user', content: 'x' });
      await m.addMessage(a.id, {
        role: 'assistant',
        content: 'y',
        usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
      });
      await m.addMessage(b.id, {
        role: 'assistant',
        content: 'z',
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
      });
      await m.pause(b.id);
      const all = m.stats();
      assert.deepEqual(all, {
        sessions: 2,
        byStatus: { active: 1, paused: 1 },
        byProvider: { gemini: 1, openai: 1 },
        messages: 3,
        byRole: { assistant: 2, user: 1 },
        inputTokens: 101,
        outputTokens: 22,
        totalTokens: 123,
        messagesWithUsage: 2,
      });
      const one = m.stats(a.id);
      assert.equal(one.messages, 2);
      assert.equal(one.totalTokens, 120);
      assert.deepEqual(one.byStatus, { active: 1 });
    });
  });

  describe('events', () => {
    it('tells subscribers what changed', async () => {
      const events: SessionEvent[] = [];
      const off = m.onDidChange((e) => events.push(e));
      const s = await m.create({ provider: 'openai', model: 'm' });
      const msg = await m.addMessage(s.id, { role: 'user', content: 'x' });
      await m.editMessage(msg.id, { content: 'y' });
      await m.deleteMessage(msg.id);
      await m.pause(s.id);
      await m.delete(s.id);
      off();
      await m.create({ provider: 'openai', model: 'm' });
      assert.deepEqual(
        events.map((e) => e.type),
        ['sessionCreated', 'messagesAdded', 'messagesUpdated', 'messagesDeleted', 'sessionUpdated', 'sessionDeleted'],
      );
      assert.deepEqual(events[1], { type: 'messagesAdded', sessionId: s.id, messageIds: [msg.id], external: false });
    });

    it("sees another manager's changes on the same file, marked external", async () => {
      const path = tempDb();
      const one = await SessionManager.open(path);
      const two = await SessionManager.open(path);
      try {
        const events: SessionEvent[] = [];
        two.onDidChange((e) => events.push(e));
        const s = await one.create({ provider: 'openai', model: 'm' });
        await one.addMessage(s.id, { role: 'user', content: 'from one' });
        assert.equal(two.get(s.id).messageCount, 1);
        assert.deepEqual(
          events.map((e) => [e.type, e.external]),
          [
            ['sessionCreated', true],
            ['messagesAdded', true],
          ],
        );
        await two.addMessage(s.id, { role: 'assistant', content: 'from two' });
        assert.deepEqual(
          one.allMessages(s.id).map((x) => [x.seq, messageText(x.parts)]),
          [
            [1, 'from one'],
            [2, 'from two'],
          ],
        );
      } finally {
        await one.close();
        await two.close();
      }
    });
  });
});
