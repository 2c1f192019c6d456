#!/usr/bin/env node
// UI test: the Sessions view in the real VS Code web workbench, driven like a person would with
// playwright-core: the activity-bar container, the welcome view, Create Session through the real
// quick picks, tree rows read from the DOM, a context menu, the real modal to delete, search, and
// the history browser's composer answered by the real OpenAI SDK from a local server that speaks
// its wire protocol (test/mock-providers). Screenshots (dark and light theme) go to test-artifacts/ui-*.png.
//
//   node test/ui/sessions.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { REPO_ROOT } from '../vscode/tools.mjs';
// LangSwarm's own session files (../shared beside the repository, as CI has it).
const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures/langswarm');
import {
  SEL,
  chooseMenuItem,
  chooseQuickPickRow,
  forEachTheme,
  notification,
  openContainer,
  runCommand,
  setOpenAIKey,
  shot,
  stepLogger,
  themeTag,
  treeRows,
  uiArgs,
  waitUntil,
  withWorkbench,
  workbenchPages,
} from './workbench.mjs';

// --only untrusted: just the Restricted Mode part (quicker while working on it).
const opt = uiArgs({ only: { type: 'string' } });
const step = stepLogger('ui');
const openPage = workbenchPages({ opt, step, name: 'sessions' });
const cli = (...args) =>
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8' });
// The provider servers the unit tests use, in this process: the extension host reaches them on 127.0.0.1.
const { MockProviders } = await tsImport('../mock-providers/server.ts', import.meta.url);
const mock = new MockProviders();

async function scenario(browser, server, workspace, theme, run) {
  const first = run === 0;
  const tag = themeTag(theme);
  await openPage({ browser, server, workspace, theme, viewport: { width: 1400, height: 860 } }, async (page) => {
    step(`workbench ready (${theme})`);
    await openContainer(page, 'LangSwarm Sessions');
    // Before any webview opens: a webview that takes focus as it loads would close the quick pick.
    await setOpenAIKey(page, mock.keys.openai);
    step('OpenAI key set through the prompt');

    if (first) {
      // 1. Empty database: the welcome view with its buttons.
      const welcome = page.locator('.part.sidebar .welcome-view-content');
      await welcome.waitFor({ timeout: 30_000 });
      assert.match(await welcome.innerText(), /No sessions yet/);
      assert.ok(await welcome.locator('a.monaco-button:has-text("Create Session")').isVisible());
      await shot(page, `${tag}-01-welcome`, step);

      // 2. Create a session through the real quick picks and input boxes.
      await runCommand(page, 'LangSwarm Sessions: Create Session…');
      await page.locator(SEL.quickInputRows, { hasText: 'anthropic' }).first().waitFor();
      await page.keyboard.type('anthropic');
      await page.locator(`${SEL.quickInputRows}[aria-label^="anthropic"]`).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator(SEL.quickInputTitle, { hasText: 'model' }).waitFor();
      await page.keyboard.type('claude-opus-5-5');
      await page.locator(`${SEL.quickInputRows}[aria-label^="claude-opus-5-5"]`).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator(SEL.quickInputTitle, { hasText: 'title' }).waitFor();
      await page.keyboard.type('Created through the UI');
      await page.keyboard.press('Enter');
      await page.locator(SEL.quickInputTitle, { hasText: 'system prompt' }).waitFor();
      await page.keyboard.type('You are terse.');
      await page.keyboard.press('Enter');
      await page.locator(SEL.treeRow, { hasText: 'Created through the UI' }).waitFor({ timeout: 15_000 });
      assert.deepEqual(await treeRows(page), ['1:Active', '2:Created through the UI']);
      step('created a session through the quick picks');
      // The database was created in a git repository: the extension offers to ignore it.
      await (await notification(page, 'Add it (and its journal) to .gitignore?')).waitFor();
      await page.locator(SEL.notificationButton('Add to .gitignore')).click();
      const ignore = path.join(workspace, '.gitignore');
      await waitUntil(
        () => fs.existsSync(ignore) && fs.readFileSync(ignore, 'utf8').includes('/.vscode/langswarm-sessions.sqlite*'),
      );
      await page.keyboard.press('Escape');
      step('offered to add the database to .gitignore, and did');

      // 3. Demo data through the view's "…" menu equivalent (the palette).
      await runCommand(page, 'LangSwarm Sessions: Open Demo Data');
      await page.locator(SEL.treeRow, { hasText: 'Refactor the CSV parser' }).waitFor({ timeout: 15_000 });
    }

    // 4. The tree: groups with counts, sessions with provider · model · count · time.
    await page.locator(SEL.treeRow, { hasText: 'Weekend trip: weather in Lisbon' }).waitFor({ timeout: 30_000 });
    const rows = await treeRows(page);
    step(`tree rows: ${JSON.stringify(rows)}`);
    assert.ok(rows.includes('1:Active'));
    assert.ok(rows.includes('2:Weekend trip: weather in Lisbon'));
    const lisbon = page.locator(SEL.treeRow, { hasText: 'Weekend trip: weather in Lisbon' });
    // 4 messages, and 2 more from the composer in each earlier run (same workspace).
    assert.match(
      await lisbon.locator('.label-description').innerText(),
      new RegExp(`^openai · gpt-4o · ${4 + 2 * run} msgs · `),
    );
    await lisbon.click(); // expand: its messages, tool call and result recognisable
    await page.locator(SEL.treeRow, { hasText: 'get_forecast({"city":"Lisbon"' }).waitFor();
    await page.locator(SEL.treeRow, { hasText: 'get_forecast → {"Sat"' }).waitFor();
    await shot(page, `${tag}-02-tree`, step);

    // The history browser: clicking a message opens it there (a webview: two nested iframes).
    await page.locator(SEL.treeRow, { hasText: 'Saturday looks dry and sunny' }).click();
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    await history
      .locator('article.message.role-assistant', { hasText: 'Museu do Azulejo' })
      .waitFor({ timeout: 30_000 });
    await history.locator('article.message', { hasText: 'get_forecast' }).first().waitFor();
    await shot(page, `${tag}-06-history`, step);
    step('history browser shows the conversation');
    // The keyboard stays in the Sessions view: the history browser must not take focus when it loads.
    assert.equal(await page.locator(`${SEL.treeRow}.focused`, { hasText: 'Saturday looks dry and sunny' }).count(), 1);
    await page.waitForTimeout(500); // the webview's page has loaded: it would have taken the focus by now
    assert.ok(
      await page.evaluate(() => document.activeElement?.closest('.part.sidebar') != null),
      'the keyboard focus left the Sessions view',
    );

    await composer(page, workspace, tag);

    // 5. Search: the quick pick fills as you type; choosing reveals the message in the tree.
    await chooseQuickPickRow(page, 'LangSwarm Sessions: Search Sessions…', {
      ready: `${SEL.quickInputTitle}:has-text("Search sessions")`,
      text: 'Azulejo',
      row: 'Azulejo',
      log: step,
      beforeChoosing: () => shot(page, `${tag}-03-search`, step),
    });
    const selected = page.locator(`${SEL.treeRow}.selected`, { hasText: 'Saturday looks' });
    await selected.waitFor({ timeout: 15_000 });
    step('search result revealed and selected in the tree');
    await page
      .frameLocator(SEL.webviewOuter)
      .frameLocator(SEL.webviewInner)
      .locator('article.message', { hasText: 'Azulejo' })
      .waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    assert.ok(
      await page.evaluate(() => document.activeElement?.closest('.part.sidebar') != null),
      'the history browser took the focus from the tree',
    );
    await shot(page, `${tag}-07-search-in-history`, step);

    // The state dump of a session: JSON in an editor and the State view.
    await page.locator(SEL.treeRow, { hasText: 'Refactor the CSV parser' }).click({ button: 'right' });
    await chooseMenuItem(page, 'Dump Session State');
    const state = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator(SEL.webviewInner);
    await state.locator('[role=treeitem]').first().waitFor({ timeout: 30_000 });
    await shot(page, `${tag}-08-state`, step);
    step('state dump shown');

    // A LangSwarm fixture session, imported by the migration while the window is open (the CLI writes, the tree follows),
    // opened from the tree: emoji, RTL, combining marks, HTML-looking text and a code block, all shown as text.
    if (first)
      cli(
        'migrate',
        path.join(FIXTURES, 'v1', 'json', 'session_e2c94f71.json'),
        '--db',
        path.join(workspace, '.vscode', 'langswarm-sessions.sqlite'),
      );
    const archivedGroup = page.locator(SEL.treeRow, { hasText: /^Archived/ }).first();
    if ((await archivedGroup.getAttribute('aria-expanded')) !== 'true') await archivedGroup.click();
    const imported = page.locator(SEL.treeRow, { hasText: 'session_e2c94f71' });
    await imported.waitFor({ timeout: 15_000 });
    if ((await imported.getAttribute('aria-expanded')) !== 'true') await imported.click();
    // The message row (level 3): the session row is titled by these words too, its id beside them.
    await page.locator(`${SEL.treeRow}[aria-level="3"]`, { hasText: 'Hej!' }).click();
    const greeting = history.locator('article.message.role-user', { hasText: 'Grüße aus Köln' });
    await greeting.waitFor({ timeout: 30_000 });
    const body = await greeting.locator('.message-body').innerText();
    for (const text of [
      '👨\u200d👩\u200d👧\u200d👦',
      'עברית',
      'العربية',
      "<b>not bold</b> & <script>alert('x')</script>",
    ])
      assert.ok(body.includes(text), `shown as text: ${text}`);
    assert.equal(
      await greeting.locator('.message-body b, .message-body script').count(),
      0,
      'no markup from the content',
    );
    await history.locator('article.message.role-assistant pre code', { hasText: 'def greet(name: str)' }).waitFor();
    await shot(page, `${tag}-11-fixture-history`, step);
    step('LangSwarm fixture session opened from the tree, shown as text');

    if (first) {
      // 6. Delete through the context menu and the real modal dialog.
      const doomed = page.locator(SEL.treeRow, { hasText: 'Created through the UI' });
      await doomed.click({ button: 'right' });
      await chooseMenuItem(page, 'Delete Session…');
      await page.locator(SEL.dialog).waitFor();
      assert.match(await page.locator(SEL.dialogMessage).innerText(), /Delete session "Created through the UI"\?/);
      assert.match(await page.locator(SEL.dialogDetail).innerText(), /cannot be undone/);
      await shot(page, `${tag}-04-delete-dialog`, step);
      await page.locator(SEL.dialogButton('Delete')).click();
      await doomed.waitFor({ state: 'detached', timeout: 15_000 });
      step('deleted through the modal');
    }
    await shot(page, `${tag}-05-final`, step);
  });
}

/**
 * Resume a session whose provider is OpenAI (its base URL setting points at the local server, its key was set
 * through the real prompts) and send from the history browser's composer: the reply streams in
 * piece by piece, then is in the database, complete.
 */
async function composer(page, workspace, tag) {
  await chooseQuickPickRow(page, 'LangSwarm Sessions: Resume Session…', {
    ready: `${SEL.quickInputBox}[placeholder="Resume which session?"]`,
    row: 'Weekend trip: weather in Lisbon',
    log: step,
  });
  await page.locator(SEL.quickInputRows).first().waitFor({ state: 'hidden' });
  const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
  await history.locator('.session-title', { hasText: 'Weekend trip: weather in Lisbon' }).waitFor({ timeout: 30_000 });
  const input = history.locator('.composer-input');
  assert.equal(await history.locator('.composer-provider').inputValue(), 'openai');
  assert.equal(await history.locator('.composer-model').inputValue(), 'gpt-4o');

  const chunks = [
    'Saturday: ',
    'the Castelo at opening time, ',
    'lunch in the Alfama, ',
    'sunset at a miradouro. ',
    'Sunday: ',
    'tram 28 to Estrela, ',
    `then pastéis in Belém (${tag}).`,
  ];
  // The stream waits after 'lunch in the Alfama, ' until the half-streamed reply and its Stop button were checked.
  let release;
  const released = new Promise((r) => {
    release = r;
  });
  mock.script('openai', { chunks, delayMs: 100, holdBefore: { delta: 3, until: released } });
  const question = `Plan both days for me (${tag})`;
  // Resume left the keyboard in the composer: type straight away, no click.
  await input.waitFor();
  await waitUntil(
    () => input.evaluate((el) => el === document.activeElement),
    'the keyboard in the composer after Resume',
    10_000,
  );
  await page.keyboard.type(question);
  await page.keyboard.press('Enter');
  // Streaming: the reply shows its first pieces while the last has not come yet.
  const streaming = history.locator('article.message.role-assistant.is-streaming', { hasText: 'lunch in the Alfama' });
  await streaming.waitFor({ timeout: 30_000 });
  const early = await streaming.locator('.message-body').innerText();
  await history.locator('.composer-action.is-stop').waitFor();
  await shot(page, `${tag}-09-composer-streaming`, step);
  release();
  const done = history.locator('article.message.role-assistant.is-complete', {
    hasText: `then pastéis in Belém (${tag}).`,
  });
  await done.waitFor({ timeout: 30_000 });
  assert.ok(!early.includes('pastéis'), `the reply was painted before it was complete: ${early}`);
  await history.locator('.composer-action[aria-label="Send (Enter)"]').waitFor();
  assert.equal(await input.inputValue(), '', 'the composer is empty once sent');
  await shot(page, `${tag}-10-composer-done`, step);
  step('a reply streamed into the history browser from the composer');

  // The real SDK made the request, with the key from SecretStorage; the database has both turns.
  const call = mock.calls('openai', '/v1/responses').at(-1);
  assert.equal(call?.headers['authorization'], `Bearer ${mock.keys.openai}`);
  assert.equal(call?.body.stream, true);
  const db = ['--db', path.join(workspace, '.vscode', 'langswarm-sessions.sqlite')];
  const lisbon = JSON.parse(cli('list', '--json', ...db)).sessions.find(
    (s) => s.title === 'Weekend trip: weather in Lisbon',
  );
  const [user, reply] = JSON.parse(cli('show', lisbon.id, '--json', ...db)).messages.slice(-2);
  assert.equal(user.role, 'user');
  assert.equal(user.text, question);
  assert.equal(reply.role, 'assistant');
  assert.equal(reply.state, 'complete');
  assert.equal(reply.text, chunks.join(''));
}

/** Restricted Mode: a database that came with a cloned repository opens read-only and stays untouched. */
async function untrusted(browser, server, workspace) {
  const db = path.join(workspace, '.vscode', 'langswarm-sessions.sqlite');
  const files = () =>
    fs
      .readdirSync(path.dirname(db))
      .sort()
      .map(
        (f) =>
          `${f}:${createHash('sha256')
            .update(fs.readFileSync(path.join(path.dirname(db), f)))
            .digest('hex')}`,
      );
  const before = files();
  await openPage(
    { browser, server, workspace, name: 'sessions-untrusted', viewport: { width: 1400, height: 860 } },
    async (page) => {
      // The web workbench opens an unknown folder in Restricted Mode without asking.
      await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor();
      await openContainer(page, 'LangSwarm Sessions');
      await page.locator(SEL.treeRow, { hasText: 'Weekend trip: weather in Lisbon' }).waitFor({ timeout: 30_000 });
      await page.locator('.part.sidebar', { hasText: 'Read-only: this workspace is not trusted' }).waitFor();
      // Commands that change sessions stay offered (issue 18); run untrusted, they say why and change nothing.
      assert.ok(
        (await page.locator('.part.sidebar .actions-container a[aria-label^="Create Session"]').count()) > 0,
        'the Create button stays',
      );
      await page.locator(SEL.treeRow, { hasText: 'Weekend trip: weather in Lisbon' }).click({ button: 'right' });
      await page.locator('.monaco-menu').waitFor();
      const menu = await page.locator('.monaco-menu .action-label').allInnerTexts();
      step(`context menu when untrusted: ${JSON.stringify(menu)}`);
      assert.ok(menu.includes('Delete Session…'), 'Delete stays in the menu');
      await chooseMenuItem(page, 'Delete Session…');
      await notification(page, '"LangSwarm Sessions: Delete Session…" needs a trusted workspace');
      assert.equal(await page.locator(SEL.dialog).count(), 0, 'no delete dialog');
      await page.locator(SEL.bell).click();
      // The history browser opens, its composer off with the reason.
      await page.locator(SEL.treeRow, { hasText: 'Weekend trip: weather in Lisbon' }).click();
      await page.locator(SEL.treeRow, { hasText: 'Saturday looks dry and sunny' }).click();
      const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
      await history
        .locator('.composer-off', { hasText: 'Sending is off: this workspace is not trusted' })
        .waitFor({ timeout: 30_000 });
      assert.equal(await history.locator('.composer-input').isVisible(), false);
      await shot(page, 'untrusted-readonly', step);
      assert.deepEqual(files(), before, 'nothing in .vscode/ was written');
      step('untrusted workspace: read-only and untouched');
      // Trusting the folder reopens the database writable, and the open history browser can send.
      await runCommand(page, 'Workspaces: Manage Workspace Trust');
      await page
        .getByRole('button', { name: /^Trust/ })
        .first()
        .click();
      await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor({ state: 'detached' });
      await history.locator('.composer-input').waitFor({ timeout: 30_000 });
      assert.equal(await history.locator('.composer-off').isVisible(), false);
      step('trust granted: the open history browser offers its composer');
    },
  );
}

async function main() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-ws-'));
  fs.mkdirSync(path.join(workspace, '.git'));
  await mock.start();
  // Base URLs are application-scoped: user settings.
  const settings = { 'langswarmSessions.openai.baseUrl': `${mock.url}/v1` };
  const themes = opt.only === 'untrusted' ? [] : opt.theme;
  let ok = await forEachTheme(themes, { vsix: opt.vsix, settings }, (browser, server, theme, i) =>
    scenario(browser, server, workspace, theme, i),
  );
  await mock.stop();
  if (ok) {
    // A cloned repository that ships a session database, opened without trusting it.
    const cloned = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-untrusted-'));
    fs.mkdirSync(path.join(cloned, '.vscode'));
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist', 'cli.js'),
        'demo',
        '--db',
        path.join(cloned, '.vscode', 'langswarm-sessions.sqlite'),
      ],
      { stdio: 'ignore' },
    );
    ok = await withWorkbench({ vsix: opt.vsix, theme: opt.theme[0], trust: true }, (browser, server) =>
      untrusted(browser, server, cloned),
    );
    fs.rmSync(cloned, { recursive: true, force: true });
  }
  const code = ok ? 0 : 1;
  fs.rmSync(workspace, { recursive: true, force: true });
  step(code ? 'UI TESTS FAILED' : 'all UI checks passed');
  return code;
}

process.exit(await main());
