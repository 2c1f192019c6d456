#!/usr/bin/env node
// UI test: scenario files in VS Code's Test Explorer, in the real web workbench at 1400×900 with the secondary side
// bar open, dark and light. A recorded session is made by the CLI before the window opens; two scenarios start from
// its middle and are answered offline by the Replay provider from the recording: one passes, one fails. Checked: both
// files discovered with their turns and assertions; Run All gives a passed and a failed scenario; the failure's
// message (expected/actual) shows at its line in the editor; the "Run Scenario" CodeLens is on the file.
// Screenshots go to test-artifacts/ui-simulate-*.png.
//
//   node test/ui/simulate.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../vscode/tools.mjs';
import {
  SEL,
  forEachTheme,
  notification,
  openSecondarySideBar,
  runCommand,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  waitUntil,
  withWorkbench,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui simulate');
const openPage = workbenchPages({ opt, step, name: 'simulate' });

const cli = (args, input) =>
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], {
    input: input ?? '',
    encoding: 'utf8',
  }).trim();

/** A workspace with a recorded session and two scenarios starting after its first reply. */
function makeWorkspace() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-simulate-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  const db = ['--db', path.join(workspace, '.vscode', 'langswarm-sessions.sqlite')];
  const id = cli(['create', '--provider', 'openai', '--model', 'gpt-4o-mini', '--title', 'Kettle refund', ...db]);
  const lines = [
    ['user', 'My kettle is broken.'],
    ['assistant', 'Sorry to hear that! What is your order number?'],
    ['user', 'Order 12345.'],
    ['assistant', 'Thanks. Your refund for order 12345 is confirmed.'],
  ];
  cli(['add', id, '--jsonl', ...db], lines.map(([role, content]) => JSON.stringify({ role, content })).join('\n'));
  const scenario = (name, expect) =>
    [
      `name: ${name}`,
      'provider: replay',
      'model: recorded',
      `from: {session: ${id}, message: 2}`,
      'turns:',
      '  - user: It is order 12345.',
      '    expect:',
      ...expect.map((e) => `      - ${e}`),
      '',
    ].join('\n');
  fs.writeFileSync(
    path.join(workspace, 'refund.sim.yaml'),
    scenario('refund is confirmed', ['contains: refund', 'regex: "order \\\\d+"', 'not_contains: sorry']),
  );
  fs.writeFileSync(
    path.join(workspace, 'apology.sim.yaml'),
    scenario('apologises again', ['contains: confirmed', 'contains: We apologise', 'max_input_tokens: 5000']),
  );
  return workspace;
}

/** The Testing view's row for `label` (its label and, once run, its state icon). */
const testRow = (page, label) => page.locator(SEL.treeRow, { hasText: label }).first();

async function run(browser, server, workspace, theme) {
  const tag = `simulate-${themeTag(theme)}`;
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openSecondarySideBar(page);
    step(`workbench ready (${theme})`);

    // 1. The failing scenario's file is open (its CodeLens, and later its failure at its line).
    await openScenario(page, 'apology.sim.yaml');
    step('the Run Scenario CodeLens is on the file');

    // 2. The Test Explorer discovered both scenario files, with their turns and assertions.
    // The Testing view's commands exist once our test controller is made (when the first scenario file is found).
    await runCommand(page, 'Testing: Focus on Test Explorer View', { untilMs: 30_000 });
    await testRow(page, 'refund is confirmed').waitFor({ timeout: 30_000 });
    await testRow(page, 'apologises again').waitFor({ timeout: 30_000 });
    step('both scenarios discovered');

    // 3. Run All: one passes, one fails.
    await runCommand(page, 'Test: Run All Tests');
    const icon = (label, state) => testRow(page, label).locator(`.codicon-testing-${state}-icon`);
    await icon('refund is confirmed', 'passed').waitFor({ timeout: 60_000 });
    await icon('apologises again', 'failed').waitFor({ timeout: 60_000 });
    step('one scenario passed, one failed');
    // Expand the failed scenario and its turn: the failing assertion is named.
    for (const label of ['apologises again', 'Turn 1: It is order 12345.']) {
      const row = testRow(page, label);
      if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    }
    await icon('contains: We apologise', 'failed').waitFor({ timeout: 15_000 });
    await icon('contains: confirmed', 'passed').waitFor({ timeout: 15_000 });
    await icon('max_input_tokens: 5000', 'passed').waitFor({ timeout: 15_000 });

    // 4. The failure shows in the editor at its line: the peek with the message.
    const peek = page.locator('.test-output-peek, .peekview-widget').first();
    if (!(await peek.isVisible())) {
      await testRow(page, 'contains: We apologise').dblclick();
    }
    await waitUntil(
      async () =>
        (await page.locator('.monaco-editor', { hasText: 'The reply does not contain "We apologise".' }).count()) > 0 ||
        (await page.locator('.peekview-widget', { hasText: 'does not contain' }).count()) > 0,
      'the failure message in the editor',
      30_000,
    );
    const gutterFailed = page.locator('.monaco-editor .margin .codicon-testing-failed-icon');
    await waitUntil(async () => (await gutterFailed.count()) > 0, 'a failed gutter icon', 15_000);
    await page.mouse.move(700, 880);
    await shot(page, `${tag}-results`, step);
    const rows = await page
      .locator(SEL.treeRow)
      .evaluateAll((list) => list.map((r) => r.getAttribute('aria-label') ?? ''));
    step(`testing rows: ${JSON.stringify(rows.slice(0, 12))}`);
    assert.ok(rows.includes('refund.sim.yaml (Passed)') && rows.includes('apology.sim.yaml (Failed)'));
    assert.ok(rows.includes('contains: We apologise (Failed)') && rows.includes('contains: confirmed (Passed)'));
  });
}

/** Opens `name` with Go to File and waits for the "Run Scenario" CodeLens on it. */
async function openScenario(page, name) {
  await runCommand(page, 'Go to File...');
  await page.keyboard.type(name);
  await page.locator(`${SEL.quickInputRows}[aria-label*="${name}"]`).first().waitFor();
  await page.keyboard.press('Enter');
  const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Run Scenario' });
  await lens.waitFor({ timeout: 30_000 });
  return lens;
}

/**
 * Restricted Mode: the scenarios are listed but not run. VS Code asks for trust before any test run (Cancel: nothing
 * runs); the CodeLens's command says it needs trust instead of running.
 */
async function untrusted(browser, server, workspace) {
  await openPage({ browser, server, workspace, name: 'simulate-untrusted' }, async (page) => {
    await page.locator('.part.statusbar', { hasText: 'Restricted Mode' }).waitFor();
    await openSecondarySideBar(page);
    // The Testing view's commands exist once our test controller is made (when the first scenario file is found).
    await runCommand(page, 'Testing: Focus on Test Explorer View', { untilMs: 30_000 });
    await testRow(page, 'refund is confirmed').waitFor({ timeout: 30_000 });
    await runCommand(page, 'Test: Run All Tests');
    await page.locator(SEL.dialogButton('Cancel')).click();
    const lens = await openScenario(page, 'refund.sim.yaml');
    await lens.click();
    await notification(page, '"LangSwarm Sessions: Run Scenario" needs a trusted workspace');
    const rows = await page.locator(SEL.treeRow).evaluateAll((list) => list.map((r) => r.getAttribute('aria-label')));
    step(`untrusted rows: ${JSON.stringify(rows)}`);
    assert.deepEqual(rows, ['apology.sim.yaml (Not yet run)', 'refund.sim.yaml (Not yet run)']);
    await shot(page, 'simulate-untrusted', step);
    step('untrusted: the scenarios were listed and not run; the CodeLens said why');
  });
}

async function main() {
  const workspace = makeWorkspace();
  const ok =
    (await forEachTheme(opt.theme, { vsix: opt.vsix }, (browser, server, theme) =>
      run(browser, server, workspace, theme),
    )) &&
    (await withWorkbench({ vsix: opt.vsix, theme: opt.theme[0], trust: true }, (browser, server) =>
      untrusted(browser, server, workspace),
    ));
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all simulate checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
