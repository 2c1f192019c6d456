#!/usr/bin/env node
// UI test: a session's model parameters in the real VS Code web workbench at 1400×900 with the secondary side bar
// open, dark and light. A session made by the CLI with a tool; "Set Model Parameters…" from its row's context menu
// sets the reasoning effort through the real quick picks; the history browser's composer shows them beside the
// model; "Edit as JSON…" opens them as a document whose save of refused values fails with the sentence and keeps the
// text, and whose save of good ones applies them (read back through the CLI). Screenshots go to
// test-artifacts/ui-parameters-*.png.
//
//   node test/ui/parameters.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../vscode/tools.mjs';
import {
  SEL,
  chooseMenuItem,
  chooseQuickPickRow,
  forEachTheme,
  notification,
  openContainer,
  openSecondarySideBar,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui parameters');
const openPage = workbenchPages({ opt, step, name: 'parameters' });
const TITLE = 'Weather bot';
const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

async function scenario(browser, server, workspace, db, sessionId, theme) {
  const tag = `parameters-${themeTag(theme)}`;
  const cli = (...args) =>
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args, '--db', db], { encoding: 'utf8' });
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openSecondarySideBar(page);
    await openContainer(page, 'LangSwarm Sessions');
    step(`workbench ready (${theme})`);

    // 1. From the row's context menu: the effort through the real quick picks.
    const row = page.locator(SEL.treeRow, { hasText: TITLE });
    await row.waitFor({ timeout: 30_000 });
    await row.click({ button: 'right' });
    await chooseMenuItem(page, 'Set Model Parameters…');
    await page.locator(SEL.quickInputTitle, { hasText: `Model parameters of "${TITLE}"` }).waitFor({ timeout: 15_000 });
    await shot(page, `${tag}-01-menu`, step);
    await page.locator(SEL.quickInputRows, { hasText: 'Reasoning effort' }).first().click();
    await page.locator(SEL.quickInputTitle, { hasText: 'Reasoning effort' }).waitFor();
    await page.locator(SEL.quickInputRows, { hasText: /^low/ }).first().click();
    await notification(page, `Model parameters of "${TITLE}": effort low · 1 tool.`);
    assert.deepEqual(JSON.parse(cli('params', sessionId, '--json')).reasoning, { effort: 'low' });
    step('effort set from the context menu');

    // 2. The composer shows them beside the model.
    await row.hover();
    await row.locator('.actions a.action-label[aria-label^="Open History"]').click();
    await page.mouse.move(900, 850);
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    const summary = history.locator('.composer-params');
    await waitUntil(
      async () => (await summary.innerText().catch(() => '')).trim() === 'effort low · 1 tool',
      'the composer summary',
      30_000,
    );
    await history.locator('.composer-params').click();
    await history.locator('.params-effort').waitFor();
    await shot(page, `${tag}-02-composer`, step);
    step('composer shows effort low · 1 tool');

    // 3. Edit as JSON…: refused values fail the save with the sentence and keep the text; good ones apply.
    // From the palette, without a session: it asks which one first.
    await chooseQuickPickRow(page, 'LangSwarm Sessions: Set Model Parameters…', {
      ready: `${SEL.quickInputBox}[placeholder="Set the model parameters of which session?"]`,
      row: TITLE,
      log: step,
    });
    const json = page.locator(SEL.quickInputRows, { hasText: 'Edit as JSON…' }).first();
    await json.waitFor({ timeout: 10_000 });
    await json.click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ timeout: 15_000 });
    await page.locator('.tab.active', { hasText: 'model parameters.json' }).waitFor({ timeout: 15_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{"temperature": 5, "tools": []}');
    await page.keyboard.press('Control+S');
    const refused = await notification(page, 'Invalid model parameters: temperature');
    step(`save refused: ${await refused.innerText()}`);
    await page.locator('.tab.active.dirty', { hasText: 'model parameters.json' }).waitFor({ timeout: 10_000 });
    await shot(page, `${tag}-03-refused`, step);
    assert.equal(JSON.parse(cli('params', sessionId, '--json')).temperature, undefined, 'nothing was stored');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ temperature: 0.3, tools: [WEATHER] }));
    await page.keyboard.press('Control+S');
    await page.locator('.tab.active:not(.dirty)', { hasText: 'model parameters.json' }).waitFor({ timeout: 15_000 });
    await waitUntil(() => JSON.parse(cli('params', sessionId, '--json')).temperature === 0.3, 'the saved parameters');
    // The document opened over the history browser: back to it, which shows the new parameters.
    await page.locator('.tab', { hasText: 'Session History' }).click();
    await waitUntil(
      async () => (await summary.innerText().catch(() => '')).trim() === 'temp 0.3 · 1 tool',
      'the composer follows',
      30_000,
    );
    await shot(page, `${tag}-04-saved`, step);
    step('Edit as JSON: refused save kept the text; a good save applied');
  });
}

async function main() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-params-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  const db = path.join(workspace, '.vscode', 'langswarm-sessions.sqlite');
  const run = (args, input) =>
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args, '--db', db], {
      encoding: 'utf8',
      ...(input === undefined ? {} : { input }),
    });
  const sessionId = run(['create', '--provider', 'openai', '--model', 'gpt-4o', '--title', TITLE]).trim();
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix }, (browser, server, theme) => {
    run(['params', sessionId, '--file', '-'], JSON.stringify({ tools: [WEATHER] }));
    return scenario(browser, server, workspace, db, sessionId, theme);
  });
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all parameter checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
