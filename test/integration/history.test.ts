// The webviews in the real VS Code: the history browser opened from commands and the tree, and
// the state dump (editor, State view, export) with secrets redacted.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Main } from '../../src/extension/main';
import { VIEW_TYPES } from '../../src/extension/keys';
import { children, extension, freshDatabase, group, run, setSetting, waitFor } from './helpers';

const webviewTabs = (viewType: string) =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType));

// A key-shaped canary, assembled at run time so no literal key sits in the repository.
const planted = ['sk', 'proj', `${'Z'.repeat(24)}canary${'9'.repeat(20)}`].join('-');

describe('history browser and state dump in VS Code', () => {
  let main: Main;
  let sessionId: string;
  let messageId: string;

  before(async () => {
    main = (await extension()).main;
  });
  beforeEach(async () => {
    await freshDatabase(main);
    const manager = await main.database.manager();
    sessionId = (await run<string>('langswarmSessions.createSession', {
      provider: 'openai',
      model: 'gpt-4o',
      title: 'Inspect me',
    }))!;
    const added = await manager.addMessages(sessionId, [
      { role: 'user', content: `My key is ${planted}, do not leak it.` },
      { role: 'assistant', content: 'I will not repeat it.' },
    ]);
    messageId = added[1]!.id;
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens one history browser, re-used, from the command, the tree and Resume', async () => {
    assert.equal(await run('langswarmSessions.openHistory', sessionId), sessionId);
    await waitFor('the history panel', () => webviewTabs(VIEW_TYPES.history).length === 1);
    const session = (await children(main, await group(main, 'Active')))[0]!;
    const message = (await children(main, session)).at(-1)!;
    const item = main.tree.getTreeItem(message);
    assert.equal(item.command?.command, 'langswarmSessions.openHistory', 'clicking a message opens it in the history');
    assert.equal(await run(item.command!.command, ...(item.command!.arguments ?? [])), sessionId);
    assert.equal(await run('langswarmSessions.openHistory', { messageId }), sessionId);
    await run('langswarmSessions.resumeSession', sessionId);
    assert.equal(webviewTabs(VIEW_TYPES.history).length, 1, 'one panel, re-used');
  });

  it('dumps a session as versioned JSON in an editor and the State view, with secrets redacted', async () => {
    const text = await run<string>('langswarmSessions.dumpSessionState', sessionId);
    assert.ok(text, main.commands.lastError?.message);
    const doc = JSON.parse(text) as {
      formatVersion: number;
      kind: string;
      sessions: Array<{ messages: unknown[] }>;
      redaction: { enabled: boolean; replaced: Record<string, number> };
    };
    assert.equal(doc.formatVersion, 1);
    assert.equal(doc.kind, 'langswarm-sessions/state-dump');
    assert.equal(doc.sessions[0]?.messages.length, 2);
    assert.equal(doc.redaction.enabled, true);
    assert.equal(text.includes(planted), false, 'the key is not in the dump');
    assert.match(text, /\[REDACTED:openai-key\]/);
    const editor = await waitFor('the dump in an editor', () =>
      vscode.window.visibleTextEditors.find(
        (e) => e.document.languageId === 'json' && e.document.getText().includes('state-dump'),
      ),
    );
    assert.equal(editor.document.getText().includes(planted), false);
    await waitFor('the State view', () => webviewTabs(VIEW_TYPES.state).length === 1);
    const all = JSON.parse((await run<string>('langswarmSessions.dumpAllSessions'))!) as { sessions: unknown[] };
    assert.equal(all.sessions.length, 1);
  });

  it('exports the state to a file; redaction can be turned off for local use only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-export-'));
    const redacted = path.join(dir, 'redacted.json');
    assert.equal(await run('langswarmSessions.exportState', { sessionId, target: redacted }), redacted);
    assert.equal(fs.readFileSync(redacted, 'utf8').includes(planted), false);
    await setSetting('dump.redact', false);
    try {
      const raw = path.join(dir, 'raw.json');
      await run('langswarmSessions.exportState', { sessionId, target: raw });
      assert.equal(fs.readFileSync(raw, 'utf8').includes(planted), true, 'with redaction off the dump is complete');
    } finally {
      await setSetting('dump.redact', undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
