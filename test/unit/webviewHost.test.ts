// The pure host ends of the webviews, without a browser: the ready handshake, replies by id, change events.
import { documentSource } from '../../src/core/dump';
import { strict as assert } from 'node:assert';
import { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import { StateHost } from '../../src/extension/webview/stateHost';
import { createProvider } from '../../src/core/providers';
import type { ConversationAccess } from '../../src/extension/webview/turns';
import type { HostToWebview } from '../../src/protocol';
import { tempDb } from '../helpers/temp';

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('webview hosts', () => {
  let m: SessionManager;
  let file: string;
  let posted: HostToWebview[];
  beforeEach(async () => {
    file = tempDb();
    m = await SessionManager.open(file);
    posted = [];
  });
  afterEach(() => m.close());

  it('posts nothing before ready, then Init with the pending reveal resolved to a seq', async () => {
    const s = await m.create({ provider: 'openai', model: 'x' });
    const [, second] = await m.addMessages(s.id, [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
    ]);
    const host = new HistoryHost(m, (x) => posted.push(x), { coalesceMs: 1 });
    host.reveal({ sessionId: s.id, messageId: second!.id });
    await m.addMessage(s.id, { role: 'user', content: 'c' });
    await settle();
    assert.equal(posted.length, 0, 'nothing before the handshake');
    await host.receive({ kind: 'ready', view: 'history' });
    assert.deepEqual(posted, [
      { kind: 'notification', method: 'init', params: { view: 'history', reveal: { sessionId: s.id, seq: 2 } } },
    ]);
    await m.addMessage(s.id, { role: 'user', content: 'd' });
    await settle();
    assert.deepEqual(
      posted.slice(1).map((p) => p.kind === 'notification' && [p.method, p.params]),
      [
        ['sessions/changed', {}],
        ['messages/changed', { sessionId: s.id }],
      ],
    );
    host.detach();
    await m.addMessage(s.id, { role: 'user', content: 'e' });
    await settle();
    assert.equal(posted.length, 3, 'a detached webview gets nothing');
    host.reveal({ sessionId: s.id });
    await host.receive({ kind: 'ready', view: 'history' });
    assert.deepEqual(posted[3], {
      kind: 'notification',
      method: 'init',
      params: { view: 'history', reveal: { sessionId: s.id } },
    });
    host.dispose();
  });

  it('answers requests by id with results or error values', async () => {
    const s = await m.create({ provider: 'openai', model: 'x', title: 'One' });
    await m.addMessages(s.id, [
      { role: 'user', content: 'hello world' },
      { role: 'assistant', content: 'hello there' },
    ]);
    const host = new HistoryHost(m, (x) => posted.push(x));
    await host.receive({ kind: 'request', id: 7, method: 'session/open', params: { sessionId: s.id } });
    await host.receive({ kind: 'request', id: 8, method: 'session/find', params: { sessionId: s.id, query: 'hello' } });
    await host.receive({ kind: 'request', id: 9, method: 'message/revisions', params: { messageId: 'nope' } });
    const [open, find, missing] = posted as Array<Extract<HostToWebview, { kind: 'response' }>>;
    assert.equal(open!.id, 7);
    assert.ok(open!.ok);
    const result = (open as { result: { outline: { seqs: number[]; roles: string[] }; messages: unknown[] } }).result;
    assert.deepEqual(result.outline.seqs, [1, 2]);
    assert.deepEqual(result.outline.roles, ['user', 'assistant']);
    assert.equal(result.messages.length, 2);
    assert.deepEqual(find, { kind: 'response', id: 8, ok: true, result: { seqs: [1, 2], total: 2 } });
    assert.deepEqual(missing, {
      kind: 'response',
      id: 9,
      ok: false,
      error: { code: 'MessageNotFound', message: 'No message with id "nope".' },
    });
    host.dispose();
  });

  it('gives the state view its tree a level at a time and refuses paths that are not there', async () => {
    const host = new StateHost((x) => posted.push(x));
    host.show(documentSource({ a: { b: [1, 'two', null] }, long: 'x'.repeat(1000) }), 'doc');
    await host.receive({ kind: 'ready', view: 'state' });
    await host.receive({
      kind: 'request',
      id: 1,
      method: 'dump/children',
      params: { path: ['a', 'b'], offset: 1, limit: 5 },
    });
    await host.receive({
      kind: 'request',
      id: 2,
      method: 'dump/children',
      params: { path: ['a', 'zzz'], offset: 0, limit: 5 },
    });
    await host.receive({ kind: 'request', id: 3, method: 'dump/search', params: { query: 'TWO', limit: 5 } });
    await host.receive({ kind: 'request', id: 4, method: 'dump/children', params: { path: [], offset: 0, limit: 5 } });
    const [init, children, missing, found, root] = posted;
    assert.deepEqual(init, { kind: 'notification', method: 'init', params: { view: 'state' } });
    assert.deepEqual(children, {
      kind: 'response',
      id: 1,
      ok: true,
      result: {
        total: 3,
        nodes: [
          { key: 1, type: 'string', preview: 'two', size: 3 },
          { key: 2, type: 'null', preview: 'null', size: 0 },
        ],
      },
    });
    assert.equal(missing?.kind === 'response' && !missing.ok && missing.error.code, 'InvalidInput');
    assert.deepEqual(found, {
      kind: 'response',
      id: 3,
      ok: true,
      result: { matches: [{ path: ['a', 'b', 1], preview: 'two' }], total: 1 },
    });
    const long = (root as { result: { nodes: Array<{ key: string; preview: string; size: number }> } }).result
      .nodes[1]!;
    assert.equal(long.size, 1000);
    assert.equal(long.preview.length, 301);
  });

  it('tells the state view what redaction found, for the badge', async () => {
    const host = new StateHost((x) => posted.push(x));
    host.show(
      documentSource({
        formatVersion: 1,
        redaction: { enabled: true, replaced: { 'github-token': 1 }, summary: '1 secret redacted: 1 GitHub token' },
      }),
      'doc',
    );
    await host.receive({ kind: 'ready', view: 'state' });
    await host.receive({ kind: 'request', id: 1, method: 'dump/info', params: {} });
    assert.deepEqual((posted[1] as { result: unknown }).result, {
      title: 'doc',
      formatVersion: 1,
      redacted: true,
      redactionSummary: '1 secret redacted: 1 GitHub token',
      bytes: 124,
    });
  });

  it('offers the composer in Init, and refuses to send at the host when it is off or absent (nothing stored, no provider asked)', async () => {
    const s = await m.create({ provider: 'replay', model: 'recorded' });
    let asked = 0;
    const conversations: ConversationAccess = {
      provider: async () => {
        asked += 1;
        return { provider: createProvider({ name: 'replay' }) };
      },
      choices: () => [{ name: 'replay', models: ['recorded'] }],
      continueHow: async () => 'here',
    };
    const send = {
      kind: 'request',
      id: 1,
      method: 'turn/send',
      params: { sessionId: s.id, content: 'hello' },
    } as const;
    const init = (p: HostToWebview | undefined) =>
      p?.kind === 'notification' ? (p.params as { composer?: unknown }).composer : 'not init';
    const error = (p: HostToWebview | undefined) =>
      p?.kind === 'response' && !p.ok ? p.error.message : 'not an error';
    for (const [options, composer, refusal] of [
      [{ conversations }, { providers: [{ name: 'replay', models: ['recorded'] }], streaming: [] }, undefined],
      [
        { conversations, plainText: true },
        { disabled: 'Sending is off: this workspace is not trusted, so content is shown as plain text.' },
        /not trusted/,
      ],
      [{}, undefined, /not available in this view/],
    ] as const) {
      posted = [];
      const host = new HistoryHost(m, (x) => posted.push(x), options);
      await host.receive({ kind: 'ready', view: 'history' });
      assert.deepEqual(init(posted[0]), composer);
      if (refusal) {
        await host.receive(send);
        assert.match(error(posted[1]), refusal);
      }
      host.dispose();
    }
    // A database open read-only (e.g. another window holds it): off too.
    const ro = await SessionManager.open(file, { readOnly: true });
    posted = [];
    const host = new HistoryHost(ro, (x) => posted.push(x), { conversations });
    await host.receive({ kind: 'ready', view: 'history' });
    assert.deepEqual(init(posted[0]), { disabled: 'Sending is off: the session database is read-only here.' });
    await host.receive(send);
    assert.match(error(posted[1]), /read-only/);
    host.dispose();
    await ro.close();
    assert.equal(asked, 0, 'no provider was asked for');
    assert.equal(m.allMessages(s.id).length, 0, 'nothing was stored');
  });

  it('answers Send before the turn ends, even when the store refuses the message at once', async () => {
    await m.close();
    m = await SessionManager.open(file, { maxMessageBytes: 100 });
    const s = await m.create({ provider: 'replay', model: 'recorded' });
    const conversations: ConversationAccess = {
      // A provider that would answer anything: the store refuses the message before it is asked.
      provider: async () => ({ provider: { name: 'replay', send: () => Promise.reject(new Error('not asked')) } }),
      choices: () => [],
      continueHow: async () => 'here',
    };
    const host = new HistoryHost(m, (x) => posted.push(x), { conversations });
    await host.receive({ kind: 'ready', view: 'history' });
    await host.receive({
      kind: 'request',
      id: 1,
      method: 'turn/send',
      params: { sessionId: s.id, content: 'x'.repeat(200) },
    });
    await settle();
    const kinds = posted.slice(1).map((p) => (p.kind === 'notification' ? p.method : p.kind));
    assert.deepEqual(kinds, ['response', 'turn/end'], 'the webview knows the turn started before it ends');
    const end =
      posted[2]?.kind === 'notification'
        ? (posted[2].params as { sent: boolean; error?: { code: string } })
        : undefined;
    assert.equal(end?.sent, false, 'nothing was stored: the webview gives the text back');
    assert.equal(m.allMessages(s.id).length, 0);
    host.dispose();
  });
});
