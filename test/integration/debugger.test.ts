// The conversation debugger in the extension host: F5 without a launch.json, the adapter inline on the workspace's
// database (through the Debug Scenario path) and as `langswarm-sessions dap` in its own process for another database
// file (with the editor's key and base URL: the run calls the local OpenAI server), each ending with the run's session
// in the right file. Elsewhere the provider is Replay without a recording: the call fails, the debugger stops on it
// (the "provider error" filter), and the test stops the session.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SessionManager } from '../../src/core/sessions';
import type { EndedEventBody } from '../../src/dap/adapter';
import type { Main } from '../../src/extension/main';
import { MockProviders } from '../mock-providers/server';
import { extension, freshDatabase, run, waitFor } from './helpers';

const SCENARIO = `name: debugged offline
provider: replay
model: recorded
turns:
  - user: Hello there
`;

describe('the conversation debugger', () => {
  let main: Main;
  let folder: vscode.WorkspaceFolder;
  let scenario: vscode.Uri;
  const subscriptions: vscode.Disposable[] = [];
  const mock = new MockProviders();

  before(async () => {
    main = (await extension()).main;
    await mock.start();
    // Base URLs are application-scoped: user settings.
    await vscode.workspace
      .getConfiguration('langswarmSessions')
      .update('openai.baseUrl', `${mock.url}/v1`, vscode.ConfigurationTarget.Global);
    assert.equal(await run('langswarmSessions.setApiKey', { provider: 'openai', key: mock.keys.openai }), true);
    folder = vscode.workspace.workspaceFolders![0]!;
    scenario = vscode.Uri.file(path.join(folder.uri.fsPath, `debug-${Date.now()}.sim.yaml`));
    fs.writeFileSync(scenario.fsPath, SCENARIO);
    // Entry: go on; any other stop (the failed call): end the session.
    subscriptions.push(
      vscode.debug.registerDebugAdapterTrackerFactory('langswarm-session', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string } }) => {
            if (m.type !== 'event' || m.event !== 'stopped') return;
            if (m.body?.reason === 'entry') void session.customRequest('continue', { threadId: 1 });
            else void vscode.debug.stopDebugging(session);
          },
        }),
      }),
    );
  });
  after(async () => {
    for (const s of subscriptions) s.dispose();
    fs.rmSync(scenario.fsPath, { force: true });
    await vscode.workspace
      .getConfiguration('langswarmSessions')
      .update('openai.baseUrl', undefined, vscode.ConfigurationTarget.Global);
    await mock.stop();
  });

  it('F5 without a launch.json debugs the open scenario file, in its folder', async () => {
    await vscode.window.showTextDocument(scenario);
    const resolved = await main.debugging.resolveDebugConfiguration(folder, { type: '', request: '', name: '' });
    assert.deepEqual(
      { ...resolved, name: undefined },
      {
        type: 'langswarm-session',
        request: 'launch',
        name: undefined,
        scenario: scenario.fsPath,
        stopOnEntry: true,
        cwd: folder.uri.fsPath,
      },
    );
  });

  it('runs inline on the workspace database and reports how the run ended', async () => {
    await freshDatabase(main);
    const ended = await main.debugging.debugScenario(scenario);
    assert.ok(ended?.sessionId, JSON.stringify(ended));
    assert.match(ended.error ?? '', /The run was stopped|stopped/i);
    const session = await (await main.database.manager()).get(ended.sessionId);
    assert.match(session.title, /^debugged offline/);
  });

  it('runs `langswarm-sessions dap` for another database file with the editor’s key, and the run is stored there', async () => {
    await freshDatabase(main);
    const live = vscode.Uri.file(path.join(folder.uri.fsPath, `live-${Date.now()}.sim.yaml`));
    fs.writeFileSync(
      live.fsPath,
      'name: debugged live\nprovider: openai\nmodel: gpt-test\nturns:\n  - user: Hello there\n    expect: [{contains: CLI}]\n',
    );
    subscriptions.push(new vscode.Disposable(() => fs.rmSync(live.fsPath, { force: true })));
    mock.script('openai', { text: 'Hi from the CLI process.' });
    const other = path.join(folder.uri.fsPath, '.vscode', 'test-dbs', `other-${Date.now()}.sqlite`);
    let ended: EndedEventBody | undefined;
    subscriptions.push(
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.event === 'langswarm/ended') ended = e.body as EndedEventBody;
      }),
    );
    const started = await vscode.debug.startDebugging(folder, {
      type: 'langswarm-session',
      request: 'launch',
      name: 'Other database',
      scenario: live.fsPath,
      db: other,
    });
    assert.ok(started);
    const body = await waitFor('the run to end', () => ended, 30_000);
    assert.equal(body.run?.passed, true, JSON.stringify(body));
    assert.ok(body.sessionId);
    const [call] = mock.calls('openai', '/responses').filter((r) => r.method === 'POST');
    assert.equal(call?.headers['authorization'], `Bearer ${mock.keys.openai}`, 'the key reached the CLI process');
    assert.equal(await (await main.database.manager()).find(body.sessionId), undefined, 'not in the workspace’s');
    const m = await SessionManager.open(other);
    try {
      assert.match(m.get(body.sessionId).title, /^debugged live/);
    } finally {
      await m.close();
    }
  });

  it('continues a recorded session live in a fork, and offers to compare the two when it ends', async () => {
    await freshDatabase(main);
    const manager = await main.database.manager();
    const original = (await run<string>('langswarmSessions.createSession', {
      provider: 'openai',
      model: 'gpt-4o',
      title: 'Recorded',
    }))!;
    await manager.addMessage(original, { role: 'user', content: 'Hi' });
    await manager.addMessage(original, { role: 'assistant', content: 'Hello!' });
    const ended = waitFor('the comparison offer', () => main.debugging.lastComparison?.[0] === original, 30_000);
    // It waits for a message from the Debug Console (a stop the tracker above ends).
    assert.ok(
      await vscode.debug.startDebugging(folder, {
        type: 'langswarm-session',
        request: 'launch',
        name: 'Continue',
        session: original,
        provider: 'replay',
      }),
    );
    await ended;
    const [, fork] = main.debugging.lastComparison!;
    assert.notEqual(fork, original);
    const forked = await manager.get(fork);
    assert.equal(forked.parent?.sessionId, original, 'the run is a fork of the recorded session');
    assert.deepEqual(
      (await manager.allMessages(fork)).map((m) => m.role),
      ['user', 'assistant'],
      'with its messages up to the last',
    );
  });
});
