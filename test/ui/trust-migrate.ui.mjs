#!/usr/bin/env node
// UI test: a LangSwarm user's first hour, from Restricted Mode to imported sessions, in the real VS Code web workbench
// (1400×900, the secondary side bar open as in desktop VS Code's default layout), dark and light:
//   - a workspace holding LangSwarm stores opens untrusted: the Sessions view names the files and offers
//     Manage Workspace Trust; a command that needs trust, run from the palette, says why instead of vanishing;
//   - a store opened from the Explorer shows the read-only custom editor's summary, not the binary-file warning,
//     and a damaged one says why in a sentence;
//   - trust granted from the view: the import is offered at once; its pick lists the stores found, all checked; one
//     click on a row unchecks it and starts nothing; OK asks for confirmation (what, where); the imported sessions
//     appear in the tree, revealed and selected; the import is in the log at info level;
//   - then the offer to follow the stores: Follow writes them to the workspace setting, the status bar follows them,
//     the tree marks their sessions, and the damaged store is a warning said once.
// Screenshots go to test-artifacts/ui-trust-*.png.
//
//   node test/ui/trust-migrate.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../vscode/tools.mjs';
import {
  SEL,
  forEachTheme,
  openContainer,
  openSecondarySideBar,
  runCommand,
  shot,
  stepLogger,
  themeTag,
  treeRows,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

// LangSwarm's own session files (../shared beside the repository, as CI has it).
const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures/langswarm');

const opt = uiArgs();
const step = stepLogger('ui trust');
const openPage = workbenchPages({ opt, step, name: 'trust-migrate' });

/** A fresh workspace as a LangSwarm user has it: a V1 store, a V2 memory store, and a damaged store. */
function langswarmWorkspace() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-trust-'));
  const copy = (from, to) => {
    fs.mkdirSync(path.dirname(path.join(workspace, to)), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, from), path.join(workspace, to));
    fs.chmodSync(path.join(workspace, to), 0o644); // the fixtures are read-only
  };
  copy('v1/langswarm_sessions.db', 'agent/langswarm_sessions.db');
  copy('v2_memory/langswarm_memory.db', 'memory/langswarm_memory.db');
  // A store cut short (a crash mid-copy): the editor says why, the pick still lists it.
  const damaged = path.join(workspace, 'broken', 'langswarm_sessions.db');
  fs.mkdirSync(path.dirname(damaged), { recursive: true });
  fs.writeFileSync(damaged, fs.readFileSync(path.join(FIXTURES, 'v1/langswarm_sessions.db')).subarray(0, 20_000));
  return workspace;
}

/** The webview of the active editor (two nested iframes; the last opened is the visible one). */
const webview = (page) => page.frameLocator(`${SEL.webviewOuter} >> nth=-1`).frameLocator(SEL.webviewInner);

/** Opens `relative` from the Explorer by clicking through its folders, as a user does. */
async function openFromExplorer(page, relative) {
  await page.keyboard.press('Control+Shift+E');
  const explorer = page.locator('.part.sidebar .explorer-folders-view');
  await explorer.waitFor({ timeout: 15_000 });
  let after = -1; // the row of the folder above: its children come next
  for (const [i, name] of relative.split('/').entries()) {
    const candidates = explorer.locator(`.monaco-list-row[aria-level="${i + 1}"][aria-label="${name}"]`);
    let index = Infinity;
    for (const end = Date.now() + 15_000; index === Infinity; await page.waitForTimeout(100)) {
      if (Date.now() > end) throw new Error(`no "${name}" in the Explorer`);
      const indexes = await candidates.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-index'))));
      index = Math.min(...indexes.filter((x) => x > after));
    }
    const row = explorer.locator(`.monaco-list-row[data-index="${index}"]`);
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    after = index;
  }
}

/** `notification` that also copes with the notification arriving after the centre was opened (it then stays closed). */
async function notice(page, text) {
  const row = page.locator(SEL.notificationMessage, { hasText: text });
  for (const end = Date.now() + 30_000; ; ) {
    if (!(await page.locator(SEL.notificationCenter).isVisible())) await page.locator(SEL.bell).click();
    try {
      await row.first().waitFor({ timeout: 2000 });
      return row.first();
    } catch (e) {
      if (Date.now() > end) throw e;
    }
  }
}

async function closeNotifications(page) {
  if (await page.locator(SEL.notificationCenter).isVisible()) await page.locator(SEL.bell).click();
}

async function scenario(browser, server, theme) {
  const tag = themeTag(theme);
  const workspace = langswarmWorkspace();
  await openPage({ browser, server, workspace, theme, removeWorkspace: true }, async (page) => {
    // The web workbench opens an unknown folder in Restricted Mode without asking.
    await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor();
    await openSecondarySideBar(page);
    step(`workbench ready in Restricted Mode (${theme})`);

    // 1. The Sessions view names the LangSwarm files it found, says importing needs trust, offers to manage it.
    await openContainer(page, 'LangSwarm Sessions');
    const trustRow = page.locator(SEL.treeRow, { hasText: 'Trust Workspace to Import…' });
    await trustRow.waitFor({ timeout: 30_000 });
    assert.match(
      await trustRow.getAttribute('aria-label'),
      /imports nothing\. Trust it .* to import the 3 LangSwarm files below/,
    );
    const rows = await treeRows(page);
    step(`Restricted Mode rows: ${JSON.stringify(rows)}`);
    assert.deepEqual(rows, [
      '1:Trust Workspace to Import…',
      '1:langswarm_sessions.db',
      '1:langswarm_sessions.db',
      '1:langswarm_memory.db',
    ]);
    const descriptions = await page.locator(`${SEL.treeRow} .label-description`).allInnerTexts();
    assert.deepEqual(descriptions.slice(-3), ['agent', 'broken', 'memory']);
    await shot(page, `trust-${tag}-01-restricted-view`, step);

    // 2. A command that needs trust is in the palette, and run untrusted it says why, with the way out.
    await runCommand(page, 'LangSwarm Sessions: Migrate LangSwarm Sessions…');
    const why = await notice(page, '"LangSwarm Sessions: Migrate LangSwarm Sessions…" needs a trusted workspace');
    assert.match(await why.innerText(), /In Restricted Mode LangSwarm Sessions only reads/);
    await page.locator(SEL.notificationButton('Manage Workspace Trust')).first().waitFor();
    await shot(page, `trust-${tag}-02-untrusted-command`, step);
    await closeNotifications(page);
    step('an untrusted command said why, with Manage Workspace Trust');

    // 3. Opening a store from the Explorer: the read-only summary, not the binary-file warning.
    await openFromExplorer(page, 'agent/langswarm_sessions.db');
    const summary = webview(page).locator('dl');
    await summary.waitFor({ timeout: 30_000 });
    const text = await summary.innerText();
    assert.match(text, /Kind\s+LangSwarm V1 session store \(SQLite\)/);
    assert.match(text, /Sessions\s+6/);
    assert.match(text, /Messages\s+2,017/);
    assert.match(text, /Dates\s+\d{4}-\d\d-\d\d \d\d:\d\d – \d{4}-\d\d-\d\d \d\d:\d\d/);
    await webview(page).locator('text=importing needs trust').waitFor();
    await webview(page).locator('a.button', { hasText: 'Import…' }).waitFor();
    assert.equal(await page.locator('.editor-container', { hasText: 'binary' }).count(), 0, 'no binary-file warning');
    await shot(page, `trust-${tag}-03-store-editor`, step);
    await openFromExplorer(page, 'broken/langswarm_sessions.db');
    const refused = webview(page).locator('.error');
    await refused.waitFor({ timeout: 30_000 });
    assert.match(
      await refused.innerText(),
      /^This file cannot be read as a LangSwarm store\. .*is a damaged SQLite database .*nothing was imported from it\.$/,
    );
    await shot(page, `trust-${tag}-04-damaged-store`, step);
    step('the custom editor summarised the store and refused the damaged one in a sentence');

    // 4. Trust granted from the view's row: the import is offered at once.
    await openContainer(page, 'LangSwarm Sessions');
    await trustRow.click();
    await page
      .getByRole('button', { name: /^Trust/ })
      .first()
      .click();
    await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor({ state: 'detached' });
    // The trust editor opens as a modal editor: close it as a user would.
    const modal = page.locator('.monaco-modal-editor-block');
    if (await modal.isVisible()) {
      await page.keyboard.press('Escape');
      await modal.waitFor({ state: 'hidden', timeout: 5000 }).catch(async () => {
        await page
          .locator('.monaco-modal-editor-block a.codicon-close, .monaco-modal-editor-block [aria-label^="Close"]')
          .first()
          .click();
        await modal.waitFor({ state: 'hidden', timeout: 5000 });
      });
    }
    await notice(page, 'This workspace has LangSwarm session files');
    await shot(page, `trust-${tag}-05-offer`, step);
    await page.locator(SEL.notificationButton('Migrate…')).first().click();
    step('trust granted: the import was offered');

    // 5. The pick: the stores found, all checked, and Browse…; one click unchecks a row and starts nothing.
    await page.locator(SEL.quickInputTitle, { hasText: 'Migrate LangSwarm Files' }).waitFor({ timeout: 15_000 });
    const pickRow = (dir, name) => page.locator(SEL.quickInputRows, { hasText: name }).filter({ hasText: dir });
    for (const [dir, name] of [
      ['agent', 'langswarm_sessions.db'],
      ['memory', 'langswarm_memory.db'],
      ['broken', 'langswarm_sessions.db'],
    ])
      assert.equal(await pickRow(dir, name).getAttribute('aria-checked'), 'true', `${dir}/${name} checked`);
    await page.locator(SEL.quickInputRows, { hasText: 'Browse…' }).waitFor();
    await pickRow('broken', 'langswarm_sessions.db').click();
    await page.waitForTimeout(500);
    assert.equal(await page.locator(SEL.dialog).count(), 0, 'a click on a row starts nothing');
    assert.equal(await pickRow('broken', 'langswarm_sessions.db').getAttribute('aria-checked'), 'false');
    await page.locator('.quick-input-widget .quick-input-count', { hasText: '2 Selected' }).waitFor();
    await shot(page, `trust-${tag}-06-pick`, step);
    await page.keyboard.press('Enter');

    // 6. The confirmation says what goes where.
    await page.locator(SEL.dialog).waitFor({ timeout: 15_000 });
    assert.match(
      await page.locator(SEL.dialogMessage).innerText(),
      /Import these 2 LangSwarm files into this workspace's sessions\?/,
    );
    const detail = await page.locator(SEL.dialogDetail).innerText();
    assert.match(detail, /agent\/langswarm_sessions\.db/);
    assert.match(detail, /memory\/langswarm_memory\.db/);
    assert.doesNotMatch(detail, /broken/);
    assert.match(detail, /Into \.vscode\/langswarm-sessions\.sqlite\./);
    await shot(page, `trust-${tag}-07-confirm`, step);
    await page.locator(SEL.dialogButton('Import')).click();

    // 7. The sessions are in the tree, the view shown with an imported session revealed and selected.
    await notice(page, /^Imported [\d,]+ messages — \d+ new/);
    await closeNotifications(page);
    const selected = page.locator(`${SEL.treeRow}.selected[aria-level="2"]`);
    await selected.waitFor({ timeout: 30_000 });
    const after = await treeRows(page);
    step(`tree after the import: ${JSON.stringify(after)}`);
    assert.ok(after.includes('1:Active'), 'grouped sessions');
    assert.ok(!after.some((r) => r.includes('Manage Workspace Trust')), 'the Restricted Mode rows are gone');
    assert.ok(after.filter((r) => r.startsWith('2:')).length >= 3, 'imported sessions shown');
    await shot(page, `trust-${tag}-08-imported`, step);

    // 8. The import is in the log, at info level.
    await runCommand(page, 'LangSwarm Sessions: Show Log');
    const output = page.locator('.part.panel .view-lines');
    await output.filter({ hasText: 'migration done' }).waitFor({ timeout: 15_000 });
    // Lines wrap in the Output view: compare with the whitespace folded.
    assert.match((await output.innerText()).replace(/\s+/g, ' '), /\[info\] migration done: Imported [\d,]+ messages/);
    await shot(page, `trust-${tag}-09-log`, step);
    step('imported, revealed, logged');

    // 9. Then the offer to follow the stores found (it came once the import offer was answered): Follow → the
    // workspace setting names them, the status bar follows them, the tree marks their sessions, and the damaged
    // store is an error said once.
    await notice(page, 'Follow the LangSwarm stores in this workspace?');
    await shot(page, `trust-${tag}-10-follow-offer`, step);
    await page
      .locator('.notifications-center .notification-list-item', { hasText: 'Follow the LangSwarm stores' })
      .locator('a.monaco-button', { hasText: /^Follow$/ })
      .click();
    const status = page.locator('.part.statusbar .statusbar-item', { hasText: /Following 3 stores/ });
    await status.waitFor({ timeout: 30_000 });
    const settings = JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8'));
    assert.deepEqual(
      [...settings['langswarmSessions.follow.paths']].sort(),
      ['agent/langswarm_sessions.db', 'broken/langswarm_sessions.db', 'memory/langswarm_memory.db'],
      'the setting names the stores found',
    );
    await notice(page, /LangSwarm follow: broken\/langswarm_sessions\.db is a damaged SQLite database/);
    await status.locator('.codicon-warning').waitFor({ timeout: 15_000 });
    const marked = page
      .locator(`${SEL.treeRow}[aria-level="2"] .label-description`)
      .filter({ hasText: /^following · / });
    await waitUntil(async () => (await marked.count()) >= 3, 'followed sessions marked in the tree', 30_000);
    await page.waitForTimeout(3000); // more polls: the damaged store is not said again
    assert.equal(
      await page.locator(SEL.notificationMessage, { hasText: 'is a damaged SQLite database' }).count(),
      1,
      'said once',
    );
    await shot(page, `trust-${tag}-11-following`, step);
    step(`following: ${await status.innerText()}`);
  });
}

async function main() {
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix, trust: true }, scenario);
  step(ok ? 'all trust and migration checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
