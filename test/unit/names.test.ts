// What sessions are called and what their counts say: a title from the first user words when a session has none
// (LangSwarm's raw ids count as none), the source id kept findable, forks told from their source, LangSwarm's own
// status and summary, unknown token counts, and where a state dump is saved.
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import { DERIVED_TITLE_LENGTH, displayTitle, knownTokens, sourceStatusNote } from '../../src/core/text';
import { defaultSavePath, sessionDescription, sessionTooltipMarkdown, stateFileName } from '../../src/extension/format';
import { cli } from '../helpers/cli';
import { FIXTURES, importedAs, v1Doc, v1Message, writeV1Json } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

const V1_DB = path.join(FIXTURES, 'v1/langswarm_sessions.db');

describe('session names', function () {
  this.timeout(120_000);

  describe('displayTitle', () => {
    it('keeps a real title', () => {
      assert.equal(displayTitle({ title: 'Trip planning', opening: 'Plan my trip' }), 'Trip planning');
      assert.equal(
        displayTitle({ title: 'Trip planning', originalId: 'session_1', opening: 'Plan my trip' }),
        'Trip planning',
      );
    });

    it('replaces a title that is only the source id by the first line of the first user words', () => {
      const s = { title: 'session_5f0c2a9e', originalId: 'session_5f0c2a9e', opening: '\n  Book a table\nfor two' };
      assert.equal(displayTitle(s), 'Book a table');
      assert.equal(displayTitle({ ...s, title: 'session_5f0c2a9e (conflict)' }), 'Book a table (conflict)');
      assert.equal(displayTitle({ title: '  ', opening: 'Hello\tthere  you' }), 'Hello there you');
    });

    it('falls back to the stored title when there are no user words (empty first message, tool-only session)', () => {
      assert.equal(displayTitle({ title: 'session_0d3f8b52', originalId: 'session_0d3f8b52' }), 'session_0d3f8b52');
      assert.equal(
        displayTitle({ title: 'session_0d3f8b52', originalId: 'session_0d3f8b52', opening: ' \n\u2028 ' }),
        'session_0d3f8b52',
      );
      assert.equal(displayTitle({ title: '' }), 'Untitled session');
    });

    it('shortens long words to a bounded line without splitting a character', () => {
      const long = `${'😀'.repeat(DERIVED_TITLE_LENGTH)} and more`;
      const shown = displayTitle({ title: 'x', originalId: 'x', opening: long });
      assert.equal(Array.from(shown).length, DERIVED_TITLE_LENGTH);
      assert.ok(shown.endsWith('😀…'), shown);
    });
  });

  describe('LangSwarm V1 sessions in the store', () => {
    let m: SessionManager;
    beforeEach(async () => {
      m = await SessionManager.open(tempDb());
      await migrate(m, [V1_DB], { naiveUtc: true });
    });
    afterEach(() => m.close());

    const imported = (originalId: string) => importedAs(m, originalId)[0]!;

    it('are listed under their first user words, with the id as secondary text', () => {
      const summary = m.list({ limit: 100 }).items.find((s) => s.originalId === 'session_9a6c1d24')!;
      assert.equal(summary.title, 'session_9a6c1d24', 'the stored title is as imported');
      assert.equal(displayTitle(summary), 'Question #1: what is 0 squared? (ÅÄÖ åäö)');
      assert.match(sessionDescription(summary), /^session_9a6c1d24 · gemini · gemini-1\.5-pro · 2000 msgs/);
      // The empty session has no words to take: its id stays its title, not repeated as secondary text.
      const empty = m.list({ limit: 100 }).items.find((s) => s.originalId === 'session_0d3f8b52')!;
      assert.equal(displayTitle(empty), 'session_0d3f8b52');
      assert.match(sessionDescription(empty), /^cohere · command-r · 0 msgs/);
    });

    it('stay findable by their original id after a rename', async () => {
      const s = imported('session_5f0c2a9e');
      await m.rename(s.id, 'Weather agent');
      assert.deepEqual(
        m.list({ text: '5f0c2a9e' }).items.map((x) => x.id),
        [s.id],
      );
    });

    it('show the status word LangSwarm used and its summary', () => {
      const expired = m.get(imported('session_0d3f8b52').id);
      assert.equal(expired.status, 'completed');
      assert.equal(sourceStatusNote(expired), 'LangSwarm status: expired (shown as completed)');
      assert.match(
        sessionTooltipMarkdown(expired).replace(/\\/g, ''),
        /Status: completed \(LangSwarm status: expired \(shown as completed\)\)/,
      );
      assert.equal(sourceStatusNote(m.get(imported('session_5f0c2a9e').id)), undefined, 'active is active');
      assert.equal(
        m.get(imported('session_4c8e0f16').id).sourceSummary,
        'User asked for a refund of order 12345; refund initiated, ETA 5–7 business days.',
      );
    });

    it('count tokens as unknown when no message reports usage, and 0 only when it is 0', async () => {
      const s = m.get(imported('session_5f0c2a9e').id);
      assert.ok(s.messageCount > 0);
      assert.equal(knownTokens(s), undefined);
      assert.match(sessionTooltipMarkdown(s), /Tokens: unknown /);
      assert.equal(m.stats(s.id).messagesWithUsage, 0);
      const fresh = await m.create({ provider: 'openai', model: 'm', title: 'Fresh' });
      assert.equal(knownTokens(m.get(fresh.id)), 0, 'nothing to count');
      await m.addMessage(fresh.id, { role: 'user', content: 'hi' });
      assert.equal(knownTokens(m.get(fresh.id)), undefined);
      await m.addMessage(fresh.id, {
        role: 'assistant',
        content: 'cached',
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      });
      assert.equal(knownTokens(m.get(fresh.id)), 0, 'a reported 0 is 0');
    });

    it('fork under a title that leads with the mark and names the source by its words', async () => {
      const source = imported('session_5f0c2a9e');
      const first = m.allMessages(source.id)[1]!;
      const fork = await m.fork(source.id, first.id);
      assert.equal(displayTitle(m.get(fork.id)), `Fork of ${displayTitle(m.get(source.id))}`);
      assert.notEqual(displayTitle(m.get(fork.id)), displayTitle(m.get(source.id)));
    });
  });

  describe('V1 sessions whose first user message has no words', () => {
    it('take the first user words there are, else keep their id', async () => {
      const m = await SessionManager.open(tempDb());
      try {
        const dir = tempDir();
        const t = '2025-07-01T10:00:00';
        writeV1Json(
          path.join(dir, 'a.json'),
          v1Doc('session_late', [
            v1Message('m1', 'user', '', t),
            v1Message('m2', 'assistant', 'Say something?', t),
            v1Message('m3', 'user', '  \n  Second try: the words\nmore', t),
          ]),
        );
        writeV1Json(
          path.join(dir, 'b.json'),
          v1Doc('session_tools', [
            v1Message('m1', 'assistant', null, t, {
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'ping', arguments: '{}' } }],
            }),
            v1Message('m2', 'tool', 'pong', t, { tool_call_id: 'c1' }),
          ]),
        );
        await migrate(m, [path.join(dir, 'a.json'), path.join(dir, 'b.json')], { naiveUtc: true });
        const titles = m.list({ limit: 10, sortBy: 'title', descending: false }).items.map(displayTitle);
        assert.deepEqual(titles, ['Second try: the words', 'session_tools']);
      } finally {
        await m.close();
      }
    });
  });

  describe('the CLI (dist/cli.js)', () => {
    it('lists and shows a V1 session by its words with its id, and says unknown tokens and the LangSwarm status', () => {
      const db = tempDb();
      assert.equal(
        cli(['migrate', path.join(FIXTURES, 'v1/json/session_4c8e0f16.json'), '--naive-utc', '--db', db]).code,
        0,
      );
      assert.equal(
        cli(['migrate', path.join(FIXTURES, 'v1/json/session_0d3f8b52.json'), '--naive-utc', '--db', db]).code,
        0,
      );
      const list = cli(['list', '--db', db]).stdout;
      assert.match(list, / {2}When will I get it\? {2}\[session_4c8e0f16\]\n/);
      const id = list
        .split('\n')
        .find((l) => l.includes('session_4c8e0f16'))!
        .split(' ')[0]!;
      const show = cli(['show', id, '--db', db]).stdout;
      assert.match(show, /\ntokens: unknown \(no message reports usage\)\n/);
      assert.match(show, /\nLangSwarm summary: User asked for a refund of order 12345/);
      const expired = list
        .split('\n')
        .find((l) => l.includes('session_0d3f8b52'))!
        .split(' ')[0]!;
      assert.match(cli(['show', expired, '--db', db]).stdout, /\nLangSwarm status: expired \(shown as completed\)\n/);
      assert.match(cli(['stats', '--db', db]).stdout, /\ntokens: unknown \(no message reports usage\)\n/);
    });
  });

  describe('where a state dump is saved', () => {
    it('defaults to the workspace folder, else the home folder, never the root', () => {
      assert.equal(
        defaultSavePath(stateFileName('Trip: planning / Lisbon'), '/work/project', os.homedir()),
        path.join('/work/project', 'Trip-planning-Lisbon.state.json'),
      );
      assert.equal(
        defaultSavePath(stateFileName(undefined), undefined, '/home/me'),
        path.join('/home/me', 'all-sessions.state.json'),
      );
      assert.equal(stateFileName('///'), 'state.state.json');
      assert.ok(stateFileName('x'.repeat(500)).length <= 60 + '.state.json'.length);
    });
  });
});
