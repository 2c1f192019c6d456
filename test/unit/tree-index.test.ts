// The Sessions tree's memory of its rows (src/extension/tree/nodeIndex.ts): the same object for the same row across
// refreshes, parents found for reveal, and nothing kept for rows the view no longer shows.
import { strict as assert } from 'node:assert';
import type { Message, SessionSummary } from '../../src/core/model';
import { NodeIndex, ROOT } from '../../src/extension/tree/nodeIndex';
import type { Node } from '../../src/extension/tree/nodes';

const group = (name: string): Node => ({
  kind: 'group',
  id: `group/status/${name}`,
  key: { by: 'status', status: 'active' },
  label: name,
  count: 1,
});
const session = (groupId: string, id: string): Node => ({
  kind: 'session',
  id: `${groupId}|${id}`,
  groupId,
  summary: { id, title: id } as SessionSummary,
});
const message = (sessionNodeId: string, id: string): Node => ({
  kind: 'message',
  id: `${sessionNodeId}|${id}`,
  sessionNodeId,
  message: { id } as Message,
  sessionStatus: 'active',
});

/** One refresh of the view: the root, each group, and the expanded sessions listed again. */
function list(index: NodeIndex, tree: Record<string, Record<string, string[]>>): void {
  index.listed(
    ROOT,
    Object.keys(tree).map((g) => index.remember(ROOT, group(g))),
  );
  for (const [g, sessions] of Object.entries(tree)) {
    const groupId = `group/status/${g}`;
    index.listed(
      groupId,
      Object.keys(sessions).map((s) => index.remember(groupId, session(groupId, s))),
    );
    for (const [s, messages] of Object.entries(sessions)) {
      const sessionId = `${groupId}|${s}`;
      if (messages.length)
        index.listed(
          sessionId,
          messages.map((m) => index.remember(sessionId, message(sessionId, m))),
        );
    }
  }
}

describe('tree node index', () => {
  it('hands back the same object for the same row, updated, so VS Code keeps tracking it', () => {
    const index = new NodeIndex();
    const first = index.remember(ROOT, group('active'));
    const again = index.remember(ROOT, { ...group('active'), label: 'Active', count: 7 });
    assert.equal(again, first);
    assert.equal(first.kind === 'group' && first.count, 7);
  });

  it('keeps only the rows shown last, however many refreshes there were', () => {
    const index = new NodeIndex();
    for (let round = 0; round < 500; round++) {
      // Sessions come and go (created, deleted, moved to another group), each expanded with its messages.
      list(index, {
        active: { [`new-${round}`]: [`m${round}a`, `m${round}b`], keep: ['k1'] },
        [round % 2 ? 'paused' : 'completed']: { [`moved-${round}`]: [] },
      });
      assert.equal(index.size, 2 + 3 + 3, `round ${round}: 2 groups, 3 sessions and 3 messages are shown`);
    }
    assert.equal(index.get('group/status/active|new-498'), undefined, 'a session no longer listed is forgotten');
    assert.equal(index.get('group/status/active|new-498|m498a'), undefined, '…with its messages');
    assert.ok(index.get('group/status/active|keep|k1'));
  });

  it('finds the parents of what it shows (reveal), and forgets the pages of what it no longer shows', () => {
    const index = new NodeIndex();
    list(index, { active: { s1: ['m1'] } });
    const m1 = index.get('group/status/active|s1|m1');
    assert.ok(m1?.kind === 'message');
    const s1 = index.get(m1.sessionNodeId);
    assert.ok(s1?.kind === 'session');
    assert.equal(index.get(s1.groupId)?.kind, 'group');
    index.showPages(s1.id, 3);
    index.showPages(s1.id, 2);
    assert.equal(index.pageCount(s1.id), 3, 'pages only grow while the row shows');
    list(index, { paused: { s1: [] } });
    assert.equal(index.get('group/status/active|s1'), undefined);
    assert.equal(index.pageCount('group/status/active|s1'), 1, 'its pages were forgotten with it');
    assert.equal(index.size, 2);
  });

  it('keeps a row found for reveal until its parent is listed without it', () => {
    const index = new NodeIndex();
    list(index, { active: { s1: [] } });
    // Reveal remembers the row before the view lists it (sessionNode / messageNode).
    const revealed = index.remember('group/status/active', session('group/status/active', 's2'));
    assert.equal(index.get(revealed.id), revealed);
    list(index, { active: { s1: [], s2: [] } });
    assert.equal(index.get(revealed.id), revealed, 'the listing hands back the revealed object');
    list(index, { active: { s1: [] } });
    assert.equal(index.get(revealed.id), undefined);
  });
});
