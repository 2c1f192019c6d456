// Sending from the history browser into a session that is a record (imported, completed, archived): the host asks
// how to continue, a fork leaves the original exactly as it was, "here" changes it (and says so), nothing is
// stored when Replay has nothing recorded, and notice links run only the allowed commands. A real database on a
// temp file, OpenAI's real SDK against the local mock server.
import { strict as assert } from 'node:assert';
import { messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import type { HostToWebview, NoticeLink } from '../../src/protocol';
import { MockProviders } from '../mock-providers/server';
import { mockAccess } from '../helpers/providers';
import { tempDb } from '../helpers/temp';

const IMPORTED = {
  format: 'langswarm-v1-sqlite',
  file: '/work/project/langswarm_sessions.db',
  originalId: 'session_5f0c2a9e',
  fields: { summary: 'weather questions' },
};

describe('continuing a recorded session from the composer', function () {
  this.timeout(20_000);
  const mock = new MockProviders();
  let m: SessionManager;
  let posted: HostToWebview[];
  let host: HistoryHost | undefined;
  before(() => mock.start());
  after(() => mock.stop());
  beforeEach(async () => {
    mock.reset();
    m = await SessionManager.open(tempDb());
    posted = [];
  });
  afterEach(async () => {
    host?.dispose();
    host = undefined;
    await m.close();
  });

  /** An imported, completed OpenAI session of two messages; its JSON (session and messages) as it was. */
  async function imported(status: 'completed' | 'active' = 'completed') {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Imported chat', origin: IMPORTED });
    await m.addMessages(s.id, [
      { role: 'user', content: 'Weather in Lisbon?' },
      { role: 'assistant', content: 'Sunny.' },
    ]);
    if (status === 'completed') await m.complete(s.id);
    return { id: s.id, snapshot: () => JSON.stringify([m.get(s.id), m.allMessages(s.id)]) };
  }

  async function open(access: ReturnType<typeof mockAccess>, runCommand?: (l: NoticeLink) => void) {
    host = new HistoryHost(m, (x) => posted.push(x), { conversations: access, coalesceMs: 1, deltaMs: 1, runCommand });
    await host.receive({ kind: 'ready', view: 'history' });
  }
  let nextId = 1;
  async function send(sessionId: string, content: string): Promise<HostToWebview> {
    const id = nextId++;
    await host!.receive({ kind: 'request', id, method: 'turn/send', params: { sessionId, content } });
    return posted.find((p) => p.kind === 'response' && p.id === id)!;
  }
  const notifications = (method: string) =>
    posted.flatMap((p) =>
      p.kind === 'notification' && p.method === method ? [p.params as Record<string, unknown>] : [],
    );
  async function turnEnded(sessionId: string) {
    for (let i = 0; i < 2000 && !notifications('turn/end').some((e) => e['sessionId'] === sessionId); i++)
      await new Promise((r) => setTimeout(r, 5));
    return notifications('turn/end').find((e) => e['sessionId'] === sessionId)!;
  }

  it('"Continue in a fork" leaves the original byte for byte as it was; the fork gets the message and the reply', async () => {
    const original = await imported();
    const before = original.snapshot();
    const access = mockAccess(mock, { continueHow: () => 'fork' });
    await open(access);
    mock.script('openai', { text: 'Cloudy tomorrow.' });
    const response = await send(original.id, 'And tomorrow?');
    assert.deepEqual(access.asked, [original.id], 'asked once, about the imported session');
    assert.ok(response.kind === 'response' && response.ok);
    const forkId = (response.result as { sessionId?: string }).sessionId!;
    assert.ok(forkId && forkId !== original.id, 'the turn runs in a new session');
    assert.equal((await turnEnded(forkId))['sent'], true);
    assert.equal(original.snapshot(), before, 'the imported session is unchanged: messages and status');
    assert.equal(m.get(original.id).status, 'completed');
    const fork = m.get(forkId);
    assert.deepEqual(fork.parent?.sessionId, original.id);
    assert.equal(fork.status, 'active');
    assert.deepEqual(
      m.allMessages(forkId).map((x) => messageText(x.parts)),
      ['Weather in Lisbon?', 'Sunny.', 'And tomorrow?', 'Cloudy tomorrow.'],
    );
  });

  it('"Continue here" changes the session, and says that it made it active', async () => {
    const original = await imported();
    await open(mockAccess(mock, { continueHow: () => 'here' }));
    mock.script('openai', { text: 'Cloudy tomorrow.' });
    const response = await send(original.id, 'And tomorrow?');
    assert.deepEqual(response.kind === 'response' && response.ok && response.result, { sessionId: original.id });
    await turnEnded(original.id);
    assert.equal(m.get(original.id).status, 'active');
    assert.deepEqual(
      m.allMessages(original.id).map((x) => messageText(x.parts)),
      ['Weather in Lisbon?', 'Sunny.', 'And tomorrow?', 'Cloudy tomorrow.'],
    );
    assert.deepEqual(
      notifications('turn/notice').map((n) => n['message']),
      ['Sending makes "Imported chat" active again (it was completed).'],
    );
  });

  it('asks for an imported session even when it is active; cancelling sends nothing and changes nothing', async () => {
    const original = await imported('active');
    const before = original.snapshot();
    const access = mockAccess(mock, { continueHow: () => undefined });
    await open(access);
    const response = await send(original.id, 'Hello?');
    assert.deepEqual(response.kind === 'response' && response.ok && response.result, {});
    assert.deepEqual(access.asked, [original.id]);
    assert.equal(original.snapshot(), before);
    assert.equal(m.list().total, 1, 'no fork was made');
    assert.equal(mock.requests.length, 0);
  });

  it('does not ask for a paused session of your own: it resumes it, and says so', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Mine' });
    await m.pause(s.id);
    const access = mockAccess(mock);
    await open(access);
    mock.script('openai', { text: 'Back.' });
    await send(s.id, 'Hi again');
    await turnEnded(s.id);
    assert.deepEqual(access.asked, []);
    assert.equal(m.get(s.id).status, 'active');
    assert.match(String(notifications('turn/notice')[0]?.['message']), /active again \(it was paused\)/);
  });

  it('with Replay and nothing recorded, stores nothing and removes the fork made for it', async () => {
    const original = await imported();
    await m.configure(original.id, { provider: 'anthropic' }); // the mock access has no Anthropic key: Replay answers
    const before = original.snapshot();
    await open(mockAccess(mock, { continueHow: () => 'fork' }));
    const response = await send(original.id, 'And tomorrow?');
    assert.ok(response.kind === 'response' && !response.ok);
    assert.match(response.error.message, /^The offline Replay provider has no recorded reply for turn 2 /);
    assert.equal(original.snapshot(), before);
    assert.equal(m.list().total, 1, 'the fork made for the turn is gone');
  });

  it('links a rejected key to "Set API Key…" for that provider, and runs only the allowed commands', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Mine' });
    const ran: NoticeLink[] = [];
    await open(mockAccess(mock), (l) => ran.push(l));
    mock.script('openai', { error: { status: 401 } });
    await send(s.id, 'Hi');
    const end = await turnEnded(s.id);
    assert.deepEqual(end['link'], {
      label: 'Set API Key…',
      command: 'langswarmSessions.setApiKey',
      args: { provider: 'openai' },
    });
    assert.deepEqual(
      m.allMessages(s.id).map((x) => [x.role, x.state]),
      [['user', 'complete']],
      'no empty "error" reply',
    );
    await host!.receive({ kind: 'command', method: 'command/run', params: end['link'] });
    for (const params of [
      { label: 'x', command: 'workbench.action.terminal.new' },
      { label: 'x', command: 'langswarmSessions.deleteSession', args: { sessionId: s.id } },
      { label: 'x', command: 'langswarmSessions.setApiKey', args: { provider: 'openai', key: 'planted' } },
      { label: 'x', command: 'langswarmSessions.setApiKey', args: { provider: 'replay' } },
    ])
      await host!.receive({ kind: 'command', method: 'command/run', params });
    assert.deepEqual(ran, [end['link']], 'only the allowed command, with only its allowed arguments');
  });

  it('tells the composer who answers as soon as a key is set, without a reload', async () => {
    let listener: (() => void) | undefined;
    let hasKey = false;
    const access = {
      ...mockAccess(mock),
      choices: () => [
        { name: 'anthropic', models: ['c'], ...(hasKey ? {} : { offline: 'No API key is set for Anthropic.' }) },
      ],
      onDidChange: (l: () => void) => {
        listener = l;
        return () => (listener = undefined);
      },
    };
    await open(access);
    hasKey = true;
    listener!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(notifications('composer/changed'), [{ providers: [{ name: 'anthropic', models: ['c'] }] }]);
    host!.dispose();
    host = undefined;
    assert.equal(listener, undefined, 'unsubscribed when the panel goes');
  });
});
