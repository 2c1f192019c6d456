// The extension in the real VS Code: activation, every command with arguments, the tree in its
// grouped, paged and filtered states, events, external changes and settings.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadSqlJs } from '../../src/core/store/sqljs';
import type { SalvageReport } from '../../src/core/store/salvage';
import { partsText } from '../../src/core/text';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import { markdownText } from '../../src/extension/format';
import type { Main } from '../../src/extension/main';
import type { Node } from '../../src/extension/tree/nodes';
import {
  artifactsDir,
  children,
  extension,
  freshDatabase,
  group,
  label,
  rootLabels,
  run,
  setSetting,
  waitFor,
} from './helpers';

describe('LangSwarm Sessions in VS Code', () => {
  let main: Main;
  let extensionPath: string;

  before(async () => {
    const ext = await extension();
    main = ext.main;
    extensionPath = ext.extensionPath;
    fs.writeFileSync(
      path.join(artifactsDir(), 'activation.json'),
      JSON.stringify({ activationMs: ext.api.activationMs }),
    );
  });
  beforeEach(async () => {
    await setSetting('grouping', 'status');
    await run('langswarmSessions.clearFilter');
    await freshDatabase(main);
  });

  describe('activation and contributions', () => {
    it('activates lazily and measures its own activation', async () => {
      const { api } = await extension();
      assert.ok(api.activationMs > 0, 'activation time was measured');
      const manifest = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as {
        contributes: { commands: Array<{ command: string }> };
        main: string;
      };
      assert.deepEqual(
        manifest.contributes.commands.map((c) => c.command).sort(),
        [...COMMAND_IDS].sort(),
        'package.json lists exactly the implemented commands',
      );
      const registered = await vscode.commands.getCommands(true);
      for (const id of COMMAND_IDS) assert.ok(registered.includes(id), `${id} is registered`);
      assert.ok(fs.existsSync(path.join(extensionPath, 'dist', 'sql-wasm.wasm')), 'the wasm ships beside the bundle');
      for (const sdk of ['openai', 'anthropic-sdk', 'google-genai'])
        assert.ok(
          fs.existsSync(path.join(extensionPath, 'dist', 'vendor', `${sdk}.js`)),
          `the ${sdk} bundle ships for its provider`,
        );
    });

    it('shows the welcome state for an empty database and groups once there are sessions', async () => {
      assert.deepEqual(await children(main), []);
      assert.equal(main.tree.lastRootCount, 0);
      const id = await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'gpt-4o',
        title: 'First',
      });
      assert.ok(id);
      assert.deepEqual(await rootLabels(main), ['Active (1)']);
    });
  });

  describe('session commands', () => {
    it('create, resume, pause, complete, archive, unarchive, rename, tag and delete', async () => {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'anthropic',
        model: 'claude-sonnet-5-5',
        title: 'Lifecycle',
        systemPrompt: 'Be brief.',
        tags: ['a'],
      }))!;
      let s = await manager.get(id);
      assert.deepEqual(
        [s.provider, s.model, s.title, s.systemPrompt, s.tags],
        ['anthropic', 'claude-sonnet-5-5', 'Lifecycle', 'Be brief.', ['a']],
      );
      assert.equal(main.active.id, id, 'a new session becomes the active one');

      assert.equal(await run('langswarmSessions.pauseSession', id), 'paused');
      assert.deepEqual(await rootLabels(main), ['Paused (1)']);
      assert.equal(await run('langswarmSessions.resumeSession', { sessionId: id }), id);
      assert.equal((await manager.get(id)).status, 'active');
      assert.equal(await run('langswarmSessions.completeSession', id), 'completed');
      assert.equal(await run('langswarmSessions.archiveSession', id), 'archived');
      assert.deepEqual(await rootLabels(main), ['Archived (1)']);
      assert.equal(await run('langswarmSessions.unarchiveSession', id), 'completed');

      assert.equal(await run('langswarmSessions.pauseSession', id), undefined, 'an invalid transition is refused');
      assert.match(main.commands.lastError?.message ?? '', /completed and cannot become paused/);

      assert.equal(await run('langswarmSessions.renameSession', id, 'Renamed'), 'Renamed');
      assert.deepEqual(await run('langswarmSessions.editTags', id, ['x', ' y ', 'x']), ['x', 'y']);
      s = await manager.get(id);
      assert.deepEqual([s.title, s.tags], ['Renamed', ['x', 'y']]);

      assert.equal(await run('langswarmSessions.deleteSession', { sessionId: id, confirmed: true }), true);
      assert.equal(await manager.find(id), undefined);
      assert.equal(main.active.id, undefined, 'deleting the active session clears it');
    });

    it('resume makes an archived session active again and reveals it', async () => {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'm',
        title: 'Old',
      }))!;
      await manager.archive(id);
      await run('langswarmSessions.resumeSession', id);
      assert.equal((await manager.get(id)).status, 'active');
      assert.equal(main.active.id, id);
    });
  });

  describe('message commands', () => {
    async function sessionWithMessages(count: number): Promise<{ id: string; messageIds: string[] }> {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'gpt-4o',
        title: `With ${count}`,
      }))!;
      const added = await manager.addMessages(
        id,
        Array.from({ length: count }, (_, i) => ({
          role: i % 2 ? ('assistant' as const) : ('user' as const),
          content: `message number ${i + 1}`,
        })),
      );
      return { id, messageIds: added.map((m) => m.id) };
    }

    it('forks from a message, copies it, edits it and deletes it', async () => {
      const manager = await main.database.manager();
      const { id, messageIds } = await sessionWithMessages(6);
      const forkId = (await run<string>('langswarmSessions.forkFromHere', {
        messageId: messageIds[3],
        title: 'Fork at 4',
      }))!;
      const fork = await manager.get(forkId);
      assert.equal(fork.title, 'Fork at 4');
      assert.equal(fork.messageCount, 4);
      assert.deepEqual(fork.parent, { sessionId: id, messageId: messageIds[3] });

      assert.equal(await run('langswarmSessions.copyMessage', messageIds[0]), 'message number 1');
      assert.equal(await vscode.env.clipboard.readText(), 'message number 1');

      assert.equal(await run('langswarmSessions.editMessage', messageIds[1], 'edited by command'), 1);
      assert.equal((await manager.revisions(messageIds[1]!)).length, 1);

      assert.equal(await run('langswarmSessions.deleteMessage', { messageId: messageIds[5], confirmed: true }), true);
      assert.equal((await manager.get(id)).messageCount, 5);
    });

    it('copies a message as the history browser does: reasoning, words and tool calls', async () => {
      const manager = await main.database.manager();
      const { id } = await sessionWithMessages(1);
      const [m] = await manager.addMessages(id, [
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', text: 'plan first' },
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_call', callId: 'c1', name: 'lookup', argumentsJson: '{"q":"otters"}' },
          ],
        },
      ]);
      const expected = 'plan first\n\nLet me look.\n\nlookup({"q":"otters"})';
      assert.equal(await run('langswarmSessions.copyMessage', m!.id), expected);
      assert.equal(await vscode.env.clipboard.readText(), expected);
      assert.equal(partsText(m!.parts, 'copy'), expected, 'the one function both copy with');
    });

    it('refuses a bad argument with a sentence, before doing anything', async () => {
      const manager = await main.database.manager();
      const { id, messageIds } = await sessionWithMessages(1);
      // A forged row (another extension, a keybinding's args) is checked, never dereferenced.
      assert.equal(await run('langswarmSessions.copyMessage', { kind: 'message', id: 'x', message: null }), undefined);
      assert.equal(
        main.commands.lastError?.message,
        'langswarmSessions.copyMessage was given a bad argument 1: message: expected the message of the row.',
      );
      assert.equal(await run('langswarmSessions.renameSession', id, 42), undefined);
      assert.equal(
        main.commands.lastError?.message,
        'langswarmSessions.renameSession was given a bad argument 2: expected text.',
      );
      assert.equal(
        await run('langswarmSessions.deleteMessage', { messageId: messageIds[0], confirm: true }),
        undefined,
      );
      assert.equal(
        main.commands.lastError?.message,
        'langswarmSessions.deleteMessage was given a bad argument 1: unknown option "confirm".',
      );
      assert.equal((await manager.get(id)).messageCount, 1, 'nothing was deleted');
      assert.equal((await manager.get(id)).title, 'With 1');
    });

    it('edits a message in an editor: saving applies it and keeps the revision', async () => {
      const manager = await main.database.manager();
      const { messageIds } = await sessionWithMessages(2);
      const uri = vscode.Uri.parse((await run<string>('langswarmSessions.editMessage', { messageId: messageIds[0] }))!);
      const doc = await waitFor('the message document', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()),
      );
      assert.equal(doc.getText(), 'message number 1');
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'rewritten in the editor');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(await doc.save());
      const m = await manager.getMessage(messageIds[0]!);
      assert.equal(m.parts[0]?.type === 'text' && m.parts[0].text, 'rewritten in the editor');
      assert.equal(m.revision, 1);
      assert.deepEqual((await manager.revisions(m.id))[0]?.parts, [{ type: 'text', text: 'message number 1' }]);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('searches and reveals the message in the tree', async () => {
      const manager = await main.database.manager();
      const { id } = await sessionWithMessages(450);
      await manager.addMessage(id, { role: 'user', content: 'the unique needle word' });
      const found = await run<string>('langswarmSessions.searchSessions', { query: 'needle', pick: 0 });
      const target = (await manager.allMessages(id)).at(-1)!;
      assert.equal(found, target.id);
      const node = await main.tree.messageNode(target.id);
      assert.ok(node && node.kind === 'message');
      const sessionNode = main.tree.getParent(node)!;
      const shown = await children(main, sessionNode);
      assert.ok(
        shown.some((n) => n.kind === 'message' && n.message.id === target.id),
        'the page holding the message is loaded for reveal',
      );
    });
  });

  describe('the tree', () => {
    it('groups by status, provider, tag and day', async () => {
      const manager = await main.database.manager();
      const a = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'm',
        title: 'A',
        tags: ['red', 'blue'],
      }))!;
      await run('langswarmSessions.createSession', { provider: 'gemini', model: 'g', title: 'B', tags: ['blue'] });
      await run('langswarmSessions.createSession', { provider: 'gemini', model: 'g', title: 'C' });
      await manager.pause(a);
      assert.deepEqual(await rootLabels(main), ['Active (2)', 'Paused (1)']);
      await setSetting('grouping', 'provider');
      await waitFor('provider groups', async () => (await rootLabels(main)).join() === 'gemini (2),openai (1)');
      await setSetting('grouping', 'tag');
      await waitFor('tag groups', async () => (await rootLabels(main)).join() === 'blue (2),red (1),No tag (1)');
      const blue = await group(main, 'blue');
      assert.deepEqual((await children(main, blue)).map((n) => label(main, n)).sort(), ['A', 'B']);
      await run('langswarmSessions.groupBy', 'day');
      await waitFor('day groups', async () => (await rootLabels(main)).join() === 'Today (3)');
      assert.equal(
        vscode.workspace.getConfiguration('langswarmSessions').get('grouping'),
        'day',
        'Group By writes the setting',
      );
    });

    it('pages sessions with thousands of messages in steps of 200', async () => {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'replay',
        model: 'recorded',
        title: 'Big',
      }))!;
      for (let i = 0; i < 3; i++)
        await manager.addMessages(
          id,
          Array.from({ length: 150 }, (_, j) => ({ role: 'user' as const, content: `m${i * 150 + j}` })),
        );
      const session = (await children(main, await group(main, 'Active')))[0]!;
      let page = await children(main, session);
      assert.equal(page.length, 201);
      const more = page.at(-1)!;
      assert.equal(more.kind, 'more');
      assert.equal(label(main, more), 'Show 200 more…');
      await run('langswarmSessions.showMore', more);
      page = await children(main, session);
      assert.equal(page.length, 401);
      await run('langswarmSessions.showMore', page.at(-1));
      page = await children(main, session);
      assert.equal(page.length, 450);
      assert.ok(page.every((n) => n.kind === 'message'));
      const first = page[0]!;
      assert.equal(main.tree.getParent(first), session, 'getParent makes reveal work');
    });

    it('remembers the rows it shows and no more, however many sessions came and went', async () => {
      const manager = await main.database.manager();
      const keep = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'm',
        title: 'Keep',
      }))!;
      await manager.addMessage(keep, { role: 'user', content: 'stay' });
      /** Lists every row (every session expanded), as the view would; resolves to how many there are. */
      const listAll = async () => {
        let rows = 0;
        for (const g of await children(main)) {
          rows++;
          for (const s of await children(main, g)) rows += 1 + (await children(main, s)).length;
        }
        return rows;
      };
      for (let i = 0; i < 40; i++) {
        const id = (await run<string>('langswarmSessions.createSession', {
          provider: 'gemini',
          model: 'g',
          title: `Passing ${i}`,
          tags: [`t${i}`],
        }))!;
        await manager.addMessage(id, { role: 'user', content: `hello ${i}` });
        if (i % 2) await manager.pause(id);
        await listAll();
        await manager.delete(id);
      }
      // The view itself may still be listing what it was told changed: wait for the two to agree.
      await waitFor(
        'the remembered rows to be the rows shown',
        async () => main.tree.rememberedCount === (await listAll()),
      );
      assert.equal(main.tree.rememberedCount, 3, 'Active, the kept session and its message');
    });

    it('shows tool calls and results recognisably, with capability flags for menus', async () => {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'm',
        title: 'Tools',
      }))!;
      await manager.addMessages(id, [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', callId: 'c1', name: 'get_weather', argumentsJson: '{"city":"Oslo"}' }],
          usage: { inputTokens: 1_000, outputTokens: 100, totalTokens: 1_100 },
          provider: { name: 'openai', model: 'm' },
        },
        { role: 'tool', parts: [{ type: 'tool_result', callId: 'c1', name: 'get_weather', content: '{"temp":3}' }] },
      ]);
      const session = (await children(main, await group(main, 'Active')))[0]!;
      const items = (await children(main, session)).map((n) => main.tree.getTreeItem(n));
      assert.deepEqual(
        items.map((i) => (i.iconPath as vscode.ThemeIcon).id),
        ['account', 'tools', 'reply'],
      );
      assert.equal(items[1]!.label, 'get_weather({"city":"Oslo"})');
      assert.equal(items[2]!.label, 'get_weather → {"temp":3}');
      assert.match(items[0]!.contextValue!, /^message;role-user;copyable;forkable;editable;deletable;$/);
      const sessionItem = main.tree.getTreeItem(session);
      assert.match(sessionItem.contextValue!, /;pausable;/);
      assert.match(String(sessionItem.description), /^openai · m · 3 msgs · just now$/);
      const resolved = await main.tree.resolveTreeItem(sessionItem, session);
      const tooltip = (resolved.tooltip as vscode.MarkdownString).value;
      assert.ok(tooltip.includes(`Id: ${markdownText(id)}  \n`));
      // Model "m" is in no price table: unknown, never a guess — until the prices setting names it.
      assert.ok(tooltip.includes(`Cost: ${markdownText('price unknown (1 message with usage)')}  \n`), tooltip);
      const config = vscode.workspace.getConfiguration('langswarmSessions');
      await config.update('prices', { m: { input: 1, output: 2 } }, vscode.ConfigurationTarget.Global);
      try {
        const priced = await main.tree.resolveTreeItem(main.tree.getTreeItem(session), session);
        // 1,000 tokens at $1 and 100 at $2 per million.
        const expected = `Cost: ${markdownText('$0.0012 · price override (langswarmSessions.prices or --prices)')}  \n`;
        assert.ok((priced.tooltip as vscode.MarkdownString).value.includes(expected), String(priced.tooltip));
      } finally {
        await config.update('prices', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('filters and clears the filter', async () => {
      await run('langswarmSessions.createSession', { provider: 'openai', model: 'm', title: 'Keep me' });
      await run('langswarmSessions.createSession', { provider: 'gemini', model: 'g', title: 'Hide me' });
      assert.equal(main.treeView.message, undefined);
      assert.deepEqual(await run('langswarmSessions.filter', { provider: 'openai' }), { provider: 'openai' });
      // The filter is said where the sessions are, with a row that clears it.
      assert.deepEqual(await rootLabels(main), ['Clear filter (provider openai)', 'Active (1)']);
      assert.equal(main.treeView.message, "Filtered by provider openai. The history browser's filters are separate.");
      assert.equal(main.treeView.description, 'filtered: provider openai');
      assert.deepEqual(
        (await children(main, await group(main, 'Active'))).map((n) => label(main, n)),
        ['Keep me'],
      );
      await run('langswarmSessions.filter', { text: 'nothing-matches-this' });
      assert.match((await rootLabels(main))[0]!, /No session matches the filter/);
      await run('langswarmSessions.filter', { text: '' });
      // The clear row runs Clear Filter.
      const clearRow = main.tree.getTreeItem((await children(main))[0]!);
      assert.equal(clearRow.command?.command, 'langswarmSessions.clearFilter');
      await run(clearRow.command!.command);
      assert.deepEqual(await rootLabels(main), ['Active (2)']);
      assert.equal(main.treeView.message, undefined);
      assert.equal(main.treeView.description, undefined);
    });

    it('refreshes a changed session at once and whole levels shortly after', async () => {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'm',
        title: 'Events',
      }))!;
      const session = (await children(main, await group(main, 'Active')))[0]!;
      const fired: Array<Node | undefined> = [];
      const sub = main.tree.onDidChangeTreeData((n) => fired.push(n));
      try {
        await manager.addMessage(id, { role: 'user', content: 'ping' });
        // Immediately: once its current summary is read, before the debounced refresh of whole levels.
        await waitFor('the session row', () => fired.length > 0);
        assert.equal(fired[0], session, 'the session row refreshes first');
        await waitFor('a debounced full refresh', () => fired.includes(undefined));
      } finally {
        sub.dispose();
      }
    });
  });

  describe('changes from elsewhere and settings', () => {
    it('picks up a message the CLI adds, within a second, and loses nothing on either side', async () => {
      const manager = await main.database.manager();
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'm',
        title: 'Shared',
      }))!;
      await manager.addMessage(id, { role: 'user', content: 'from the editor' });
      const external = new Promise<void>((resolve) => {
        const sub = main.database.onDidChange((e) => {
          if (e.external && e.type === 'messagesAdded') {
            sub.dispose();
            resolve();
          }
        });
      });
      const started = Date.now();
      const cli = (...args: string[]) =>
        promisify(execFile)(
          process.execPath,
          [path.join(extensionPath, 'dist', 'cli.js'), ...args, '--db', main.database.path],
          { encoding: 'utf8' },
        );
      const cliId = (await cli('add', id, '--role', 'assistant', '--content', 'from the CLI')).stdout.trim();
      await external;
      const pickedUpMs = Date.now() - started;
      const session = (await children(main, await group(main, 'Active')))[0]!;
      const texts = (await children(main, session)).map((n) => label(main, n));
      assert.deepEqual(texts, ['from the editor', 'from the CLI']);
      assert.equal((await manager.getMessage(cliId)).seq, 2);
      await manager.addMessage(id, { role: 'user', content: 'and the editor again' });
      const shown = (await cli('show', id, '--json')).stdout;
      assert.deepEqual(
        (JSON.parse(shown) as { messages: Array<{ text: string }> }).messages.map((m) => m.text),
        ['from the editor', 'from the CLI', 'and the editor again'],
      );
      fs.writeFileSync(path.join(artifactsDir(), 'external-change.json'), JSON.stringify({ pickedUpMs }));
    });

    it('reopens another database when the path setting changes', async () => {
      const first = main.database.path;
      await run('langswarmSessions.createSession', { provider: 'openai', model: 'm', title: 'In the first' });
      const second = await freshDatabase(main);
      assert.notEqual(second, first);
      assert.deepEqual(await children(main), []);
      await setSetting('databasePath', path.relative(vscode.workspace.workspaceFolders![0]!.uri.fsPath, first));
      await waitFor(
        'the first database again',
        async () => main.database.path === first && (await rootLabels(main)).join() === 'Active (1)',
      );
    });

    it('auto-archives idle sessions when the setting asks for it', async () => {
      const manager = await main.database.manager();
      const old = await manager.create({
        provider: 'openai',
        model: 'm',
        title: 'Idle',
        createdAt: new Date(Date.now() - 10 * 86_400_000).toISOString(),
      });
      await setSetting('autoArchiveDays', 7);
      try {
        await waitFor('auto-archive', async () => (await manager.get(old.id)).status === 'archived');
      } finally {
        await setSetting('autoArchiveDays', 0);
      }
    });

    it('refuses a database with a planted trigger, and copies its sessions into a new one on request', async () => {
      const file = main.database.path;
      const id = (await run<string>('langswarmSessions.createSession', {
        provider: 'openai',
        model: 'gpt-4o',
        title: 'Evidence',
      }))!;
      await (await main.database.manager()).checkpoint(); // salvage reads the snapshot
      await freshDatabase(main); // closes the first one
      const SQL = await loadSqlJs();
      for (const f of [file, `${file}.bak`]) {
        const db = new SQL.Database(fs.readFileSync(f));
        db.run(`CREATE TRIGGER rewrite AFTER INSERT ON messages BEGIN UPDATE sessions SET title = 'pwned'; END`);
        fs.writeFileSync(f, db.export());
        db.close();
      }
      await setSetting('databasePath', path.relative(vscode.workspace.workspaceFolders![0]!.uri.fsPath, file));
      const notices = await waitFor('the refusal', async () => {
        const nodes = await children(main);
        return nodes.some((n) => n.id === 'notice/salvage') && nodes;
      });
      assert.match(label(main, notices[0]!), /Cannot open the session database: .* trigger "rewrite" on messages/);
      const report = await run<SalvageReport>('langswarmSessions.salvageDatabase');
      assert.deepEqual([report?.sessions, report?.skipped], [1, []]);
      await waitFor('the copied session', async () => (await rootLabels(main)).join() === 'Active (1)');
      const copied = await (await main.database.manager()).get(id);
      assert.equal(copied.title, 'Evidence');
      await (await main.database.manager()).addMessage(id, { role: 'user', content: 'after the copy' });
      assert.equal((await (await main.database.manager()).get(id)).title, 'Evidence', 'no trigger came along');
      assert.ok(
        fs.readdirSync(path.dirname(file)).some((f) => f.startsWith(`${path.basename(file)}.refused-`)),
        'the refused file is kept',
      );
    });

    it('seeds demo data and offers to keep the database out of git', async () => {
      const ids = await run<string[]>('langswarmSessions.openDemo');
      assert.equal(ids?.length, 6);
      assert.ok((await rootLabels(main)).includes('Active (3)'));
      assert.equal(await run('langswarmSessions.addToGitignore'), 'added');
      const gitignore = fs.readFileSync(
        path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.gitignore'),
        'utf8',
      );
      assert.match(gitignore, /^\/\.vscode\/test-dbs\/db-.*\.sqlite\*$/m);
      assert.equal(await run('langswarmSessions.addToGitignore'), 'present');
    });
  });
});
