// Compare Sessions and Compare with Parent: which two sessions their arguments name (a tree row with the selection,
// ids, options), the sentences a bad choice gets, and the comparison as the store's worker computes it for the view.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreError } from '../../src/core/errors';
import { SessionManager } from '../../src/core/sessions';
import { SessionClient } from '../../src/core/worker/client';
import { command, parseArgs } from '../../src/extension/commands/args';
import { compareTarget, namedSessions, parentPair, selectedRows } from '../../src/extension/commands/compareTargets';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import { VIEW_TYPES } from '../../src/extension/keys';
import { CompareHost } from '../../src/extension/webview/compareHost';
import type { CompareOutline, CompareRow, HostToWebview } from '../../src/protocol';
import { tempDb } from '../helpers/temp';

const spec = command([compareTarget, selectedRows], async () => undefined);
const row = (id: string) => ({ kind: 'session', id: `group|${id}`, summary: { id, title: id, status: 'active' } });
const named = (...args: unknown[]) => {
  const [t, selected] = parseArgs('langswarmSessions.compareSessions', spec, args) as Parameters<typeof namedSessions>;
  return namedSessions(t, selected);
};
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof CoreError && e.code === 'InvalidInput', `a CoreError InvalidInput, not ${String(e)}`);
    return e.message;
  }
  assert.fail('accepted');
}

describe('Compare Sessions: which sessions', () => {
  it('takes the two selected rows of the Sessions view, first selected on the left', () => {
    assert.deepEqual(named(row('s2'), [row('s1'), row('s2')]), ['s1', 's2']);
    // One row (or one selected): that one, and the command asks for the other.
    assert.deepEqual(named(row('s1'), [row('s1')]), ['s1']);
    assert.deepEqual(named(row('s1')), ['s1']);
    assert.deepEqual(named(), []);
    // Scripts name both.
    assert.deepEqual(named({ sessionId: 'a', otherSessionId: 'b' }), ['a', 'b']);
    assert.deepEqual(named('a'), ['a']);
  });

  it('refuses three selected sessions, one session twice, and a selection that is not rows, in a sentence', () => {
    assert.equal(
      refusal(() => named(row('s1'), [row('s1'), row('s2'), row('s3')])),
      'Select two sessions to compare (3 are selected).',
    );
    assert.equal(
      refusal(() => named({ sessionId: 'a', otherSessionId: 'a' })),
      'Choose two different sessions to compare.',
    );
    assert.match(
      refusal(() => named(row('s1'), 'oops')),
      /^langswarmSessions\.compareSessions was given a bad argument 2: expected the selected rows of the Sessions view\.$/,
    );
    assert.match(
      refusal(() => named({ sessionId: 'a', other: 'b' })),
      /bad argument 1: unknown option "other"/,
    );
  });
});

describe('F7 / Shift+F7', () => {
  it('are bound only while the compare view is the active webview, to commands the extension has', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
      contributes: { keybindings: Array<{ key: string; command: string; when: string }> };
    };
    const when = `activeWebviewPanelId == '${VIEW_TYPES.compare}'`;
    assert.deepEqual(manifest.contributes.keybindings, [
      { command: 'langswarmSessions.nextDifference', key: 'f7', when },
      { command: 'langswarmSessions.previousDifference', key: 'shift+f7', when },
    ]);
    for (const k of manifest.contributes.keybindings) assert.ok(COMMAND_IDS.includes(k.command as never), k.command);
  });
});

describe('Compare with Parent', () => {
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(() => m.close());

  it('pairs a fork with the session it came from, and refuses a session without a parent in a clear sentence', async () => {
    const source = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Source' });
    const [first] = await m.addMessages(source.id, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
    const fork = await m.fork(source.id, first!.id, { title: 'The fork' });
    assert.deepEqual(await parentPair(m, fork.id), [source.id, fork.id]);
    await assert.rejects(parentPair(m, source.id), {
      code: 'InvalidInput',
      message: '"Source" has no parent session: only a fork or a replay can be compared with the session it came from.',
    });
    await m.delete(source.id);
    await assert.rejects(parentPair(m, fork.id), {
      code: 'InvalidInput',
      message: 'The session "The fork" was forked from no longer exists (it was deleted).',
    });
  });
});

describe('the comparison for the compare view', function () {
  this.timeout(60_000); // bounds a hang: a worker starts from TypeScript sources

  it('is computed in the worker and paged to the webview with previews cut and seqs, not indices', async () => {
    const file = tempDb();
    const client = await SessionClient.open(file);
    try {
      const a = await client.create({ provider: 'openai', model: 'gpt-4o', title: 'A' });
      const b = await client.create({ provider: 'openai', model: 'gpt-4o', title: 'B' });
      const long = 'word '.repeat(2_000); // 10,000 characters
      // A starts with a message B lacks, so the two sides' seqs differ for the same content.
      await client.addMessages(a.id, [
        { role: 'user', content: 'only in A' },
        { role: 'user', content: 'same' },
        { role: 'assistant', content: `${long}old` },
      ]);
      await client.addMessages(b.id, [
        { role: 'user', content: 'same' },
        { role: 'assistant', content: `${long}new` },
      ]);
      const stored = await client.compare(a.id, b.id);
      assert.deepEqual(
        stored.comparison.pairs.map((p) => [p.a, p.b, p.status]),
        [
          [0, null, 'deleted'],
          [1, 0, 'equal'],
          [2, 1, 'changed'],
        ],
      );
      assert.deepEqual(stored.a.seqs, [1, 2, 3]);

      const answers: unknown[] = [];
      const host = new CompareHost(client, a.id, b.id, (m: HostToWebview) => answers.push(m));
      const ask = async (id: number, method: string, params: unknown) => {
        await host.receive({ kind: 'request', id, method, params });
        const answer = answers.find((x) => (x as { id?: number }).id === id) as { ok: boolean; result: unknown };
        assert.ok(answer.ok, JSON.stringify(answer));
        return answer.result;
      };
      const outline = (await ask(1, 'compare/open', {})) as CompareOutline;
      assert.equal(outline.statuses, 'dec');
      assert.deepEqual([outline.pairA, outline.pairB, outline.firstDivergence], [[0, 1, 2], [-1, 0, 1], 0]);
      const { rows } = (await ask(2, 'compare/rows', { pairs: [2, 1, 2] })) as { rows: CompareRow[] };
      assert.deepEqual(
        rows.map((r) => [r.pair, r.a?.seq, r.b?.seq, r.a?.text.slice(0, 4)]),
        [
          [1, 2, 1, 'same'],
          [2, 3, 2, 'word'],
        ],
      );
      // The cell says how much of the message it left out; the word runs hold what changed.
      assert.equal(rows[1]!.a!.text.length, 4_000);
      assert.equal(rows[1]!.a!.omitted, 10_003 - 4_000);
      const runs = rows[1]!.changes!.words!;
      assert.deepEqual(
        runs.filter((r) => r.op !== 'equal').map((r) => [r.op, r.text]),
        [
          ['removed', 'old'],
          ['added', 'new'],
        ],
      );
      // A bad request is refused by the protocol's schema, not obeyed.
      const tooMany = Array.from({ length: 201 }, (_, i) => i);
      await host.receive({ kind: 'request', id: 3, method: 'compare/rows', params: { pairs: tooMany } });
      assert.equal((answers.at(-1) as { ok: boolean }).ok, false);
      host.dispose();
    } finally {
      await client.close();
    }
  });

  it('has a budget of its own in the worker: two unrelated sessions take longer than a read may', async () => {
    const file = tempDb();
    // A read may block the worker 100 ms here; word-diffing 1,500 pairs of unrelated messages blocks it far longer.
    const client = await SessionClient.open(file, { budgets: { read: 100 } });
    try {
      const words = (i: number, tag: string) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: `${tag} ${i} ${'alpha beta gamma delta '.repeat(10)}`,
      });
      const a = await client.create({ provider: 'openai', model: 'gpt-4o', title: 'A' });
      const b = await client.create({ provider: 'openai', model: 'gpt-4o', title: 'B' });
      await client.addMessages(
        a.id,
        Array.from({ length: 3_000 }, (_, i) => words(i, 'left')),
      );
      await client.addMessages(
        b.id,
        Array.from({ length: 3_000 }, (_, i) => words(i, 'right')),
      );
      const { comparison } = await client.compare(a.id, b.id);
      assert.equal(comparison.approximate, true);
      assert.equal(comparison.counts.changed, 3_000);
    } finally {
      await client.close();
    }
  });
});
