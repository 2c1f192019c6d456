// Providers from the editor: keys in SecretStorage, the real SDKs against a local server that
// speaks each provider's wire protocol (started inside the extension host), replies streamed into
// the database, replay with a side-by-side diff, connection tests, and no key anywhere on disk.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Main } from '../../src/extension/main';
import { MockProviders } from '../mock-providers/server';
import { children, extension, freshDatabase, group, run, waitFor } from './helpers';

async function setUserSetting(key: string, value: unknown): Promise<void> {
  // Base URLs are application-scoped (a workspace must not redirect keys), so they are user settings.
  await vscode.workspace.getConfiguration('langswarmSessions').update(key, value, vscode.ConfigurationTarget.Global);
}

describe('providers in VS Code', () => {
  let main: Main;
  const mock = new MockProviders();

  before(async () => {
    main = (await extension()).main;
    await mock.start();
    await setUserSetting('openai.baseUrl', `${mock.url}/v1`);
    await setUserSetting('anthropic.baseUrl', mock.url);
    await setUserSetting('gemini.baseUrl', mock.url);
    for (const p of ['openai', 'anthropic', 'gemini'] as const)
      assert.equal(await run('langswarmSessions.setApiKey', { provider: p, key: mock.keys[p] }), true);
  });
  after(async () => {
    for (const key of ['openai.baseUrl', 'anthropic.baseUrl', 'gemini.baseUrl']) await setUserSetting(key, undefined);
    await mock.stop();
  });
  beforeEach(async () => {
    mock.reset();
    await freshDatabase(main);
  });

  it('sends a message: the user turn is stored, the reply streams in through the real SDK', async () => {
    const manager = await main.database.manager();
    const id = (await run<string>('langswarmSessions.createSession', {
      provider: 'openai',
      model: 'gpt-4o',
      title: 'Live',
      systemPrompt: 'Be brief.',
    }))!;
    mock.script('openai', { text: 'Hello from the local OpenAI server', usage: { input: 12, output: 7 } });
    const replyId = await run<string>('langswarmSessions.sendMessage', { sessionId: id, content: 'Hi there' });
    assert.ok(replyId, main.commands.lastError?.message);
    const [user, reply] = await manager.allMessages(id);
    assert.equal(user?.role, 'user');
    assert.equal(reply?.id, replyId);
    assert.equal(reply?.state, 'complete');
    assert.equal(reply?.parts[0]?.type === 'text' && reply.parts[0].text, 'Hello from the local OpenAI server');
    assert.equal(reply?.usage?.outputTokens, 7);
    const request = mock.calls('openai', '/responses').at(-1)!;
    assert.equal(
      request.headers['authorization'],
      `Bearer ${mock.keys.openai}`,
      'the key from SecretStorage reached the server',
    );
    assert.equal(request.body.instructions, 'Be brief.');
    assert.ok(
      (await manager.get(id)).providerState.openai?.conversationId?.startsWith('conv_'),
      'the session is bound to an OpenAI conversation',
    );
  });

  it('shows a reply streaming in the tree as streaming, and as partial once cut off', async () => {
    const manager = await main.database.manager();
    const id = (await run<string>('langswarmSessions.createSession', {
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
      title: 'Streaming',
    }))!;
    mock.script('anthropic', { chunks: ['Slowly ', 'but ', 'surely '], delayMs: 300, cut: 'destroy' });
    const sending = run('langswarmSessions.sendMessage', { sessionId: id, content: 'Take your time' });
    const replyNode = async () => {
      const session = (await children(main, await group(main, 'Active'))).find(
        (n) => n.kind === 'session' && n.summary.id === id,
      );
      return (
        session && (await children(main, session)).find((n) => n.kind === 'message' && n.message.role === 'assistant')
      );
    };
    const streaming = await waitFor('the reply in the tree', replyNode);
    let item = main.tree.getTreeItem(streaming);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'loading~spin');
    assert.match(String(item.description), / · streaming$/);
    await sending;
    const cut = (await replyNode())!;
    assert.equal(cut.kind === 'message' && cut.message.state, 'error');
    item = main.tree.getTreeItem(cut);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item.description), / · error$/);
    assert.equal((await manager.allMessages(id)).length, 2);
  });

  it('keeps the partial reply when the stream is cut, and says what went wrong', async () => {
    const manager = await main.database.manager();
    const id = (await run<string>('langswarmSessions.createSession', {
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
      title: 'Cut',
    }))!;
    mock.script('anthropic', {
      text: 'This answer will be cut off',
      chunks: ['This answer ', 'will be '],
      cut: 'destroy',
    });
    assert.equal(
      await run('langswarmSessions.sendMessage', { sessionId: id, content: 'Tell me something' }),
      undefined,
    );
    assert.match(main.commands.lastError?.message ?? '', /Anthropic/);
    const reply = (await manager.allMessages(id)).at(-1)!;
    assert.equal(reply.role, 'assistant');
    assert.notEqual(reply.state, 'complete');
    assert.match(reply.parts[0]?.type === 'text' ? reply.parts[0].text : '', /^This answer /);
    assert.ok(reply.metadata['error'], 'the error is kept beside the partial reply');
  });

  it('replays a conversation on another provider into a fork and opens the compare view of the two', async () => {
    const manager = await main.database.manager();
    const id = (await run<string>('langswarmSessions.createSession', {
      provider: 'openai',
      model: 'gpt-4o',
      title: 'Original',
    }))!;
    await manager.addMessages(id, [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
      { role: 'user', content: 'And 3+3?' },
      { role: 'assistant', content: '6' },
    ]);
    mock.script('gemini', { text: 'Four.' }, { text: 'Six.' });
    const forkId = await run<string>('langswarmSessions.replayConversation', {
      sessionId: id,
      provider: 'gemini',
      model: 'gemini-2.5-pro',
    });
    assert.ok(forkId, main.commands.lastError?.message);
    const fork = await manager.get(forkId!);
    assert.equal(fork.provider, 'gemini');
    assert.deepEqual(fork.parent?.sessionId, id);
    const replies = (await manager.allMessages(forkId!))
      .filter((m) => m.role === 'assistant')
      .map((m) => (m.parts[0]?.type === 'text' ? m.parts[0].text : ''));
    assert.deepEqual(replies, ['Four.', 'Six.']);
    const compareTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('langswarm.compare'));
    const tab = await waitFor('the compare view', () => compareTabs()[0]);
    assert.equal(tab.label, `Original ↔ ${fork.title}`);
    // The same comparison the view shows: the two replies changed, the questions equal.
    const { comparison } = await manager.compare(id, forkId!);
    assert.deepEqual(
      comparison.pairs.map((p) => p.status),
      ['equal', 'changed', 'equal', 'changed'],
    );
    // Compare with Parent on the fork brings the same view forward; on the original it says why it cannot.
    assert.deepEqual(await run('langswarmSessions.compareWithParent', forkId), [id, forkId]);
    assert.equal(compareTabs().length, 1);
    assert.equal(await run('langswarmSessions.compareWithParent', id), undefined);
    assert.match(main.commands.lastError?.message ?? '', /"Original" has no parent session/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('tests each configured provider and reports latency or the error in words', async () => {
    mock.script('openai', { text: 'ok' });
    mock.script('anthropic', {
      error: {
        status: 401,
        body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      },
    });
    mock.script('gemini', { text: 'ok' });
    const reports = await run<Array<{ provider: string; ok: boolean; latencyMs?: number; error?: string }>>(
      'langswarmSessions.testProviderConnection',
    );
    assert.ok(reports, main.commands.lastError?.message);
    const byName = Object.fromEntries(reports!.map((r) => [r.provider, r]));
    assert.equal(byName['openai']?.ok, true);
    assert.equal(byName['gemini']?.ok, true);
    assert.equal(byName['replay']?.ok, true);
    assert.equal(byName['anthropic']?.ok, false);
    assert.match(byName['anthropic']?.error ?? '', /key/i);
  });

  it('stands in the offline Replay provider when no key is set (refusing a turn it has no recording for), and never writes a key to disk', async () => {
    const manager = await main.database.manager();
    await run('langswarmSessions.clearApiKey', { provider: 'gemini' });
    try {
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'gemini',
        model: 'gemini-2.5-flash',
        title: 'No key',
      }))!;
      const replyId = await run<string>('langswarmSessions.sendMessage', { sessionId: id, content: 'Anyone there?' });
      assert.equal(replyId, undefined);
      assert.match(
        main.commands.lastError?.message ?? '',
        /^The offline Replay provider has no recorded reply for turn 1/,
      );
      assert.deepEqual(await manager.allMessages(id), [], 'nothing made up, nothing stored');
      assert.equal(mock.calls('gemini').length, 0, 'nothing was sent without a key');
    } finally {
      await run('langswarmSessions.setApiKey', { provider: 'gemini', key: mock.keys.gemini });
    }
    await manager.checkpoint();
    const dir = path.dirname(main.database.path);
    for (const file of fs.readdirSync(dir)) {
      const bytes = fs.readFileSync(path.join(dir, file));
      for (const key of Object.values(mock.keys)) assert.equal(bytes.includes(key), false, `${file} holds no key`);
    }
  });
});
