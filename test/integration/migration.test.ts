// Migrating LangSwarm files from the editor: the command with arguments, the tree afterwards,
// idempotency, dry run, V1 export, and the offer when the workspace holds LangSwarm files.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MigrateReport } from '../../src/core/langswarm';
import type { Main } from '../../src/extension/main';
import { extension, freshDatabase, rootLabels, run, setSetting, waitFor } from './helpers';

const FIXTURES = process.env['LSS_FIXTURES'] ?? '';

describe('migration in VS Code', () => {
  let main: Main;
  let sources: string;

  before(async () => {
    if (!fs.existsSync(FIXTURES)) throw new Error(`LangSwarm fixtures not found at "${FIXTURES}" (LSS_FIXTURES)`);
    main = (await extension()).main;
    // Sources are read-only inputs: work on copies.
    sources = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-sources-'));
    fs.cpSync(FIXTURES, sources, { recursive: true });
  });
  beforeEach(() => freshDatabase(main));

  it('imports V1 stores and documents, shows them in the tree, and changes nothing the second time', async () => {
    const manager = await main.database.manager();
    const args = {
      sources: [path.join(sources, 'v1/langswarm_sessions.db'), path.join(sources, 'v1/json')],
      showReport: false,
    };
    const first = (await run<MigrateReport>('langswarmSessions.migrate', args))!;
    assert.ok(first, main.commands.lastError?.message);
    assert.equal(first.totals.imported, 6);
    assert.equal(first.totals.unchanged, 6, 'the JSON documents are the same sessions as the database rows');
    assert.equal(first.totals.failed, 0);
    assert.equal((await manager.stats()).messages, 2017);
    assert.deepEqual(await rootLabels(main), ['Active (3)', 'Paused (1)', 'Completed (1)', 'Archived (1)']);
    const before = fs.readFileSync(main.database.path);
    const second = (await run<MigrateReport>('langswarmSessions.migrate', args))!;
    assert.equal(second.totals.unchanged, 12);
    assert.equal(second.totals.imported + second.totals.updated + second.totals.conflict, 0);
    assert.equal((await manager.stats()).messages, 2017);
    assert.ok(fs.readFileSync(main.database.path).equals(before), 'the database file did not change');
  });

  it('reports a dry run without writing', async () => {
    const manager = await main.database.manager();
    const report = (await run<MigrateReport>('langswarmSessions.migrate', {
      sources: [path.join(sources, 'v2_memory')],
      dryRun: true,
      showReport: false,
    }))!;
    assert.equal(report.dryRun, true);
    assert.ok(report.totals.imported > 0);
    assert.equal((await manager.list()).total, 0);
  });

  it('exports an imported V1 session back to exactly its source document', async () => {
    const manager = await main.database.manager();
    await run('langswarmSessions.migrate', {
      sources: [path.join(sources, 'v1/json/session_e2c94f71.json')],
      showReport: false,
    });
    const session = (await manager.list()).items[0]!;
    const target = path.join(sources, 'exported.json');
    assert.equal(await run('langswarmSessions.exportV1', { sessionId: session.id, target }), target);
    assert.equal(
      fs.readFileSync(target, 'utf8'),
      fs.readFileSync(path.join(sources, 'v1/json/session_e2c94f71.json'), 'utf8'),
    );
  });

  it('opens a LangSwarm store from the Explorer in the read-only custom editor, not as text', async () => {
    const store = vscode.Uri.file(path.join(sources, 'v1/langswarm_sessions.db'));
    await vscode.commands.executeCommand('vscode.open', store);
    const input = await waitFor(
      'the store to open in an editor',
      () => vscode.window.tabGroups.activeTabGroup.activeTab?.input,
    );
    assert.ok(input instanceof vscode.TabInputCustom, `opened as ${JSON.stringify(input)}`);
    assert.equal(input.viewType, 'langswarmSessions.langswarmStore');
    assert.equal(input.uri.fsPath, store.fsPath);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('follows the stores the setting names, globs resolved in the workspace, and nothing else', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const place = (from: string, to: string) => {
      fs.mkdirSync(path.dirname(path.join(folder, to)), { recursive: true });
      fs.copyFileSync(path.join(sources, from), path.join(folder, to));
      return path.join(folder, to);
    };
    const v1 = place('v1/langswarm_sessions.db', 'agents/a/langswarm_sessions.db');
    const memory = place('v2_memory/langswarm_memory.db', 'agents/b/langswarm_memory.db');
    place('v2/langswarm_sessions.db', 'other/langswarm_sessions.db'); // two more sessions, if it were followed
    const manager = await main.database.manager();
    try {
      await setSetting('follow.paths', ['agents/*/langswarm_*.db', 'later/langswarm_sessions.db']);
      await waitFor('the followed stores imported', async () => (await manager.stats()).sessions === 7, 30_000);
      assert.deepEqual(main.following.stores, [memory, v1, path.join(folder, 'later/langswarm_sessions.db')].sort());
      await new Promise((r) => setTimeout(r, 2500)); // more polls
      const stats = await manager.stats();
      assert.deepEqual([stats.sessions, stats.messages], [7, 2021], 'the V1 store and the memory store, not other/');
      const { items } = await manager.list({ limit: 50 });
      assert.ok(
        items.every((s) => main.following.isFollowed(s.id)),
        'every session marked as followed',
      );

      await setSetting('follow.paths', undefined);
      await waitFor('following stopped', async () => !main.following.active);
    } finally {
      await setSetting('follow.paths', undefined);
      for (const dir of ['agents', 'other']) fs.rmSync(path.join(folder, dir), { recursive: true, force: true });
    }
  });

  it('offers to migrate when the workspace holds LangSwarm files', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const copy = path.join(folder, 'data', 'langswarm_sessions.db');
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(path.join(sources, 'v1/langswarm_sessions.db'), copy);
    try {
      const found = await main.offerMigration();
      assert.deepEqual(found, [copy]);
      assert.deepEqual(await main.offerMigration(), [], 'only once per workspace');
    } finally {
      fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  });
});
