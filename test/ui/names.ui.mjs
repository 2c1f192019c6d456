#!/usr/bin/env node
// UI test: how imported LangSwarm sessions are named and how the tree's filter shows, in the real VS Code web
// workbench at 1400×900 with the secondary side bar open (the default layout's Chat panel), dark and light.
// LangSwarm's V1 fixture store is copied into a fresh workspace and imported there by the CLI before the window
// opens. Checked: rows titled by their first user words with the LangSwarm id as secondary text; a provider
// filter said in the view (its message and a first "Clear filter" row) and cleared from there; the history
// browser's header with LangSwarm's summary, its status word, and an empty session that says what it is.
// Screenshots go to test-artifacts/ui-names-*.png.
//
//   node test/ui/names.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../vscode/tools.mjs';
import {
  SEL,
  chooseQuickPickRow,
  forEachTheme,
  openContainer,
  openSecondarySideBar,
  shot,
  stepLogger,
  themeTag,
  treeRows,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures/langswarm');
const opt = uiArgs();
const step = stepLogger('ui names');
const openPage = workbenchPages({ opt, step, name: 'names' });

/** A tree row by the LangSwarm id its description shows. */
const rowOf = (page, originalId) => page.locator(SEL.treeRow, { hasText: originalId });

/** The row's inline "Open History" action (shown on hover). */
async function openHistory(page, originalId) {
  const row = rowOf(page, originalId);
  await row.hover();
  await row.locator('.actions a.action-label[aria-label^="Open History"]').click();
  // Away from the row, so its hover does not cover the history browser in the screenshots.
  await page.mouse.move(900, 850);
  await page
    .locator('.monaco-hover')
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => {});
}

async function expand(page, label) {
  const group = page.locator(SEL.treeRow, { hasText: new RegExp(`^${label}`) }).first();
  await group.waitFor({ timeout: 30_000 });
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
}

async function scenario(browser, server, workspace, theme) {
  const tag = `names-${themeTag(theme)}`;
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openSecondarySideBar(page);
    await openContainer(page, 'LangSwarm Sessions');
    step(`workbench ready (${theme})`);

    // 1. Titles from the first user words; the LangSwarm id is the row's secondary text.
    await expand(page, 'Active');
    const weather = rowOf(page, 'session_5f0c2a9e');
    await weather.waitFor({ timeout: 30_000 });
    const label = await weather.locator('.label-name').innerText();
    const description = await weather.locator('.label-description').innerText();
    step(`session_5f0c2a9e row: ${JSON.stringify(label)} · ${JSON.stringify(description)}`);
    assert.ok(!/^session_/.test(label), `titled by its words, not its id: ${label}`);
    assert.match(description, /^session_5f0c2a9e · openai · gpt-4o · /);
    const long = rowOf(page, 'session_9a6c1d24');
    assert.equal(await long.locator('.label-name').innerText(), 'Question #1: what is 0 squared? (ÅÄÖ åäö)');
    const rows = await treeRows(page);
    step(`tree rows: ${JSON.stringify(rows)}`);
    assert.ok(!rows.some((r) => /^2:session_(5f0c2a9e|9a6c1d24|4c8e0f16)$/.test(r)), 'no raw ids as titles');
    await shot(page, `${tag}-01-titles`, step);

    // 2. Filter by provider through the real quick picks: the view says so and offers to clear it.
    await chooseQuickPickRow(page, 'LangSwarm Sessions: Filter Sessions…', {
      ready: `${SEL.quickInputTitle}:has-text("Filter sessions by…")`,
      row: 'Provider',
      log: step,
    });
    await page.locator(SEL.quickInputTitle, { hasText: 'Filter sessions by provider' }).waitFor();
    await page.locator(SEL.quickInputRows, { hasText: 'openai' }).first().click();
    const clearRow = page.locator(SEL.treeRow, { hasText: 'Clear filter (provider openai)' });
    await clearRow.waitFor({ timeout: 15_000 });
    const message = page.locator('.part.sidebar .pane-body .message', { hasText: 'Filtered by provider openai' });
    await message.waitFor({ timeout: 15_000 });
    assert.match(await message.innerText(), /The history browser's filters are separate\./);
    await expand(page, 'Active');
    await weather.waitFor();
    await waitUntil(async () => (await rowOf(page, 'session_9a6c1d24').count()) === 0, 'gemini hidden');
    const filtered = await treeRows(page);
    step(`filtered rows: ${JSON.stringify(filtered)}`);
    assert.equal(filtered[0], '1:Clear filter (provider openai)');
    await shot(page, `${tag}-02-filtered`, step);

    // 3. One click on the first row clears it.
    await clearRow.click();
    await clearRow.waitFor({ state: 'detached', timeout: 15_000 });
    await message.waitFor({ state: 'detached', timeout: 15_000 });
    await expand(page, 'Active');
    await rowOf(page, 'session_9a6c1d24').waitFor({ timeout: 15_000 });
    await shot(page, `${tag}-03-cleared`, step);
    step('the filter showed in the view and cleared from its first row');

    // 4. The history browser's header: LangSwarm's summary and the id of a session titled by its words.
    await openHistory(page, 'session_4c8e0f16');
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    const summary = history.locator('.session-header .source-summary');
    await summary.waitFor({ timeout: 30_000 });
    assert.match(await summary.innerText(), /LangSwarm summary: User asked for a refund of order 12345/);
    assert.match(await history.locator('.session-meta').innerText(), /id session_4c8e0f16 .* tokens unknown/);
    await shot(page, `${tag}-04-summary`, step);

    // 5. The empty, expired session: what it is and how LangSwarm's status is shown.
    await expand(page, 'Completed');
    await openHistory(page, 'session_0d3f8b52');
    const empty = history.locator('.session-header .empty-session');
    await empty.waitFor({ timeout: 30_000 });
    assert.match(await empty.innerText(), /No messages yet\./);
    assert.match(
      await history.locator('.session-header .source-status').innerText(),
      /LangSwarm status: expired \(shown as completed\)/,
    );
    await shot(page, `${tag}-05-empty`, step);
    step('history header: summary, status word, empty session');
  });
}

async function main() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-names-'));
  // LangSwarm's store as a user has it in their project, imported by the CLI before the window opens.
  const store = path.join(workspace, 'langswarm_sessions.db');
  fs.copyFileSync(path.join(FIXTURES, 'v1', 'langswarm_sessions.db'), store);
  fs.mkdirSync(path.join(workspace, '.vscode'));
  execFileSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'dist', 'cli.js'),
      'migrate',
      store,
      '--naive-utc',
      '--db',
      path.join(workspace, '.vscode', 'langswarm-sessions.sqlite'),
    ],
    { stdio: 'ignore' },
  );
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix }, (browser, server, theme) =>
    scenario(browser, server, workspace, theme),
  );
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all name checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
