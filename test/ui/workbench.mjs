// Selectors and steps for driving the VS Code 1.139 web workbench (see test/vscode/README.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import { ARTIFACTS, launchBrowser, workbenchUrl } from '../vscode/run-tests.mjs';
import { installVsix, startServer } from '../vscode/server.mjs';
import { REPO_ROOT, SetupError } from '../vscode/tools.mjs';

/** The options every UI test takes — `--vsix FILE`, `--theme NAME` (repeatable; default both themes) — and `extra`. */
export function uiArgs(extra = {}) {
  return parseArgs({
    options: {
      vsix: { type: 'string' },
      theme: { type: 'string', multiple: true, default: ['Dark Modern', 'Light Modern'] },
      ...extra,
    },
  }).values;
}

/** A log line maker: `[prefix 12.3s] msg`, the seconds counted from this call. */
export function stepLogger(prefix) {
  const t0 = Date.now();
  return (msg) => console.log(`[${prefix} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
}

/** Polls `probe` every 100 ms until it is truthy; throws naming `what` after `ms`. */
export async function waitUntil(probe, what = 'a condition', ms = 15_000) {
  for (const end = Date.now() + ms; !(await probe()); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/**
 * Runs `scenario(browser, server, theme, index)` once per theme, each in its own workbench started with `options`
 * (see withWorkbench), making test-artifacts/ first; stops at the first that fails. Resolves whether all passed.
 */
/** A fresh workspace folder (`lss-ui-NAME-…`) whose session database `seed(manager)` fills before VS Code starts. */
export async function seededWorkspace(name, seed) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), `lss-ui-${name}-`));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  const { SessionManager } = await tsImport('../../src/core/sessions.ts', import.meta.url);
  const m = await SessionManager.open(path.join(workspace, '.vscode', 'langswarm-sessions.sqlite'));
  try {
    await seed(m);
  } finally {
    await m.close();
  }
  return workspace;
}

export async function forEachTheme(themes, options, scenario) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const [i, theme] of themes.entries()) {
    const ok = await withWorkbench({ ...options, theme }, (browser, server) => scenario(browser, server, theme, i));
    if (!ok) return false;
  }
  return true;
}

/**
 * forEachTheme with the local wire-protocol server `mock` (test/mock-providers) running and OpenAI's base URL set to
 * it (application-scoped: a user setting); stops it after. Resolves whether every theme passed.
 */
export async function forEachThemeWithMock(opt, mock, scenario) {
  await mock.start();
  try {
    const settings = { 'langswarmSessions.openai.baseUrl': `${mock.url}/v1` };
    return await forEachTheme(opt.theme, { vsix: opt.vsix, settings }, scenario);
  } finally {
    await mock.stop();
  }
}

/**
 * Runs `fn(browser, server)` against a fresh VS Code server (with the .vsix installed when given)
 * and a fresh Chromium; cleans up what was started, also when starting failed. Resolves false when
 * starting or `fn` threw (the error is printed).
 */
export async function withWorkbench({ vsix, theme, trust = false, settings = {} }, fn) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-data-'));
  let server, browser;
  try {
    if (vsix) installVsix(dataDir, vsix);
    server = await startServer({
      dataDir,
      trust,
      settings: { ...settings, ...(theme ? { 'workbench.colorTheme': theme } : {}) },
    });
    browser = await launchBrowser();
    await fn(browser, server);
    return true;
  } catch (e) {
    console.error(e instanceof SetupError ? e.message : e);
    return false;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export const SEL = {
  activityItem: (title) => `.part.activitybar li[role="tab"] a.action-label[aria-label^="${title}"]`,
  sidebarTitle: '.part.sidebar .composite.title h2',
  treeRow: '.part.sidebar .monaco-list-row',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRows: '.quick-input-widget .quick-input-list .monaco-list-row',
  quickInputTitle: '.quick-input-widget .quick-input-title',
  menuItem: (label) => `.monaco-menu .action-item a.action-menu-item:has(.action-label:text-is("${label}"))`,
  dialog: '.monaco-dialog-box',
  dialogMessage: '.monaco-dialog-box .dialog-message-text',
  dialogDetail: '.monaco-dialog-box .dialog-message-detail',
  dialogButton: (label) => `.monaco-dialog-box .dialog-buttons a.monaco-button:has-text("${label}")`,
  webviewOuter: 'iframe.webview.ready',
  webviewInner: 'iframe#active-frame',
  bell: '[id="status.notifications"]',
  notificationCenter: '.notifications-center.visible',
  notificationMessage: '.notifications-center .notification-list-item-message',
  notificationButton: (label) =>
    `.notifications-center .notification-list-item-buttons-container a.monaco-button:has-text("${label}")`,
};

/** Notifications: the smoke-test driver shows no toasts, so open the Notification Center. */
export async function notification(page, text) {
  if (!(await page.locator(SEL.notificationCenter).isVisible())) await page.locator(SEL.bell).click();
  const row = page.locator(SEL.notificationMessage, { hasText: text });
  await row.waitFor({ timeout: 20_000 });
  return row;
}

/** 'light' or 'dark', for screenshot names. */
export const themeTag = (theme) => (theme.toLowerCase().includes('light') ? 'light' : 'dark');

/**
 * Opens the workbench on `workspace` in a new page (VS Code's default 1400×900 unless `viewport`; this repository's
 * extension in development unless a .vsix was installed), waits for it, and runs `scenario(page)`. If that throws,
 * a screenshot `NAME[-THEME]-failure.png`; then, in any case, the page is closed, `cleanup()` runs and the workspace
 * is removed if `removeWorkspace`.
 */
export async function onWorkbenchPage(
  { browser, server, workspace, vsix, theme, name, step, viewport, cleanup, removeWorkspace = false },
  scenario,
) {
  const page = await browser.newPage({ viewport: viewport ?? { width: 1400, height: 900 } });
  try {
    await page.goto(workbenchUrl(server, { workspace, extensionDevelopmentPath: vsix ? undefined : REPO_ROOT }));
    await waitForWorkbench(page, 'LangSwarm Sessions');
    return await scenario(page);
  } catch (e) {
    await shot(page, `${name}${theme ? `-${themeTag(theme)}` : ''}-failure`, step).catch(() => undefined);
    throw e;
  } finally {
    await page.close();
    await cleanup?.();
    if (removeWorkspace) fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** onWorkbenchPage for one UI test file: its options (the .vsix), its step logger and its name. */
export function workbenchPages({ opt, step, name }) {
  return (where, scenario) => onWorkbenchPage({ vsix: opt.vsix, step, name, ...where }, scenario);
}

/** Waits until the workbench, our activity-bar item and the colour theme are all there. */
export async function waitForWorkbench(page, containerTitle) {
  await page.waitForFunction(() => window.driver, null, { timeout: 90_000 });
  await page.evaluate(() => window.driver.whenWorkbenchRestored());
  await page.locator(SEL.activityItem(containerTitle)).waitFor({ timeout: 60_000 });
  await page.locator('.monaco-workbench[class*="vscode-theme-"]').waitFor({ timeout: 30_000 });
}

export async function openContainer(page, title) {
  const icon = page.locator(SEL.activityItem(title));
  const tab = page.locator('.part.activitybar li[role="tab"]', {
    has: page.locator(`a.action-label[aria-label^="${title}"]`),
  });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await icon.click();
  await page.locator(SEL.sidebarTitle, { hasText: title }).waitFor();
}

/** Runs a context-menu item. A click sometimes only highlights it (the menu still settling); Enter then runs the highlighted item. */
export async function chooseMenuItem(page, label) {
  await page.locator(SEL.menuItem(label)).click();
  await page
    .locator('.monaco-menu')
    .waitFor({ state: 'hidden', timeout: 2000 })
    .catch(() => page.keyboard.press('Enter'));
}

/** The OpenAI key, through the real prompts (a quick pick, then a password box); it goes to SecretStorage. */
export async function setOpenAIKey(page, key) {
  await runCommand(page, 'LangSwarm Sessions: Set API Key…');
  await page.locator(`${SEL.quickInputRows}[aria-label^="openai"]`).first().click();
  await page.locator(SEL.quickInputTitle, { hasText: 'OpenAI API key' }).waitFor();
  // fill, not type: keys typed while the pick turns into the input box are lost.
  await page.locator(SEL.quickInputBox).fill(key);
  await page.keyboard.press('Enter');
  await page.locator(SEL.quickInputTitle).waitFor({ state: 'hidden' });
}

/**
 * F1, type the command's full "Category: Title", wait for its row, Enter. `untilMs`: for a command that appears
 * only once something was registered (the Testing view's, after a test controller): the palette is closed and
 * opened again until it lists the command, for up to that long (the palette does not refresh while open).
 */
export async function runCommand(page, label, { untilMs = 0 } = {}) {
  const until = Date.now() + untilMs;
  for (;;) {
    await page.keyboard.press('F1');
    await page.locator(SEL.quickInputBox).waitFor();
    await page.keyboard.type(label);
    const row = page.locator(`${SEL.quickInputRows}[aria-label^="${label}"]`).first();
    const left = until - Date.now();
    if (left <= 0) await row.waitFor();
    else if (
      !(await row.waitFor({ timeout: Math.min(left, 3000) }).then(
        () => true,
        () => false,
      ))
    ) {
      await page.keyboard.press('Escape');
      continue;
    }
    await page.keyboard.press('Enter');
    return;
  }
}

/**
 * Runs `command`, which shows a quick pick (`ready`: a selector only it matches), types `text` into it (if given) and
 * clicks the first row holding `row` (`beforeChoosing()` runs just before, e.g. a screenshot). After a webview had the
 * focus, the workbench hands it back to the webview just after the palette closed, which closes the quick pick that has
 * just opened; the extension shows it again (src/extension/picks.ts). Should the pick still be gone, even between the
 * row showing and the click, it is opened again here (at most 3 times), and logged: a log line means the re-show missed.
 */
export async function chooseQuickPickRow(page, command, { ready, text, row, log = console.log, beforeChoosing }) {
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommand(page, command);
      // The palette and the command's pick share one widget: wait for the pick's own title or placeholder first.
      await page.locator(ready).waitFor({ timeout: 10_000 });
      // fill, not type: it sets the whole value at once, and fails at once if the pick has closed.
      if (text !== undefined) await page.locator(SEL.quickInputBox).fill(text, { timeout: 5000 });
      const hit = page.locator(SEL.quickInputRows, { hasText: row }).first();
      await hit.waitFor({ timeout: 10_000 });
      await beforeChoosing?.();
      await hit.click({ timeout: 5000 });
      return;
    } catch (e) {
      // What the pick showed, for the log: closed, or open with which value and rows.
      const box = page.locator(SEL.quickInputBox);
      const seen = (await box.isVisible())
        ? `open, value ${JSON.stringify(await box.inputValue())}, rows ${JSON.stringify(await page.locator(SEL.quickInputRows).allInnerTexts())}`
        : 'closed';
      log(`the quick pick of "${command}" was not usable (attempt ${attempt}: ${seen})`);
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/** Visible tree rows as "level:label" (aria-label is the tooltip, so read .label-name). */
export async function treeRows(page) {
  return page
    .locator(SEL.treeRow)
    .evaluateAll((rows) =>
      rows.map((r) => `${r.getAttribute('aria-level')}:${r.querySelector('.label-name')?.textContent ?? ''}`),
    );
}

export async function shot(page, name, log = console.log) {
  const file = path.join(ARTIFACTS, `ui-${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${path.relative(process.cwd(), file)}`);
}

/**
 * The default layout of desktop VS Code 1.139: the Chat view open in the secondary side bar on the right,
 * narrowing the editor area our webviews get. code-server ships no Chat view, so the bar opens empty at
 * the same default width (about 300 px); that width is what matters to our layout.
 */
export async function openSecondarySideBar(page) {
  const bar = page.locator('.part.auxiliarybar');
  if (await bar.isVisible()) return;
  await runCommand(page, 'View: Toggle Secondary Side Bar Visibility');
  await bar.waitFor({ state: 'visible', timeout: 10_000 });
}
