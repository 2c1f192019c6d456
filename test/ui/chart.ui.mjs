#!/usr/bin/env node
// UI test: the history browser's chart and the status bar's cost in the real VS Code web workbench (both themes,
// 1400×900, the secondary side bar open as in desktop VS Code's default layout). A session with ten recorded calls
// (seeded: rising input with cache hits, a trimmed request, a failed call) is resumed; its chart opens from the
// header; one more turn is sent through the composer to the local OpenAI wire-protocol server and the chart and the
// status bar follow it. Screenshots: test-artifacts/ui-chart-*.png.
//
//   node test/ui/chart.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import {
  SEL,
  chooseQuickPickRow,
  forEachThemeWithMock,
  openContainer,
  openSecondarySideBar,
  setOpenAIKey,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui-chart');
const openPage = workbenchPages({ opt, step, name: 'chart' });
const { MockProviders } = await tsImport('../mock-providers/server.ts', import.meta.url);
const { SessionManager } = await tsImport('../../src/core/sessions.ts', import.meta.url);
const { makeTrace } = await tsImport('../helpers/traces.ts', import.meta.url);
const mock = new MockProviders();
const TITLE = 'Agent run with a growing context';
const SEEDED = 10;

/** Ten turns of an OpenAI session: each sends the last one's input back (cached) and more; turn 6 was trimmed, 8 failed. */
async function seed(workspace) {
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  const m = await SessionManager.open(path.join(workspace, '.vscode', 'langswarm-sessions.sqlite'));
  const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: TITLE });
  const t0 = Date.now() - 3 * 3_600_000;
  let input = 6_000;
  for (let turn = 1; turn <= SEEDED; turn++) {
    const failed = turn === 8;
    const trimmed = turn === 6;
    const previous = input;
    input = trimmed ? 52_000 : input + 9_000 + 3_000 * (turn % 3);
    const output = 300 + 170 * ((turn * 7) % 5);
    const [user, reply] = await m.addMessages(s.id, [
      { role: 'user', content: `Step ${turn}: carry on with the refactor and report what changed.` },
      ...(failed
        ? []
        : [
            {
              role: 'assistant',
              content: `Step ${turn} done: ${'updated the parser and its tests; '.repeat(3)}`,
              provider: { name: 'openai', model: 'gpt-4o' },
              usage: {
                inputTokens: input,
                cachedInputTokens: turn === 1 || trimmed ? 0 : previous,
                outputTokens: output,
                reasoningTokens: turn % 2 ? 0 : Math.round(output / 3),
                totalTokens: input + output,
              },
            },
          ]),
    ]);
    const start = t0 + turn * 600_000;
    const seconds = failed ? 30 : 2 + ((turn * 5) % 7);
    await m.recordTrace(
      makeTrace(
        '{}',
        {
          sessionId: s.id,
          messageIds: [user.id, ...(reply ? [reply.id] : [])],
          endedAt: new Date(start + seconds * 1000).toISOString(),
          ...(failed
            ? {
                outcome: 'error',
                error: { code: 'ProviderError', message: 'timed out' },
                usage: undefined,
                firstTokenAt: undefined,
              }
            : { firstTokenAt: new Date(start + 400 + 90 * turn).toISOString() }),
          ...(trimmed ? { trimmed: { turns: 4, messages: 8 } } : {}),
        },
        start,
      ),
    );
  }
  await m.close();
}

async function scenario(browser, server, theme) {
  const tag = themeTag(theme);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-chart-'));
  await seed(workspace);
  await openPage({ browser, server, workspace, theme, removeWorkspace: true }, async (page) => {
    step(`workbench ready (${theme})`);
    await openSecondarySideBar(page);
    await openContainer(page, 'LangSwarm Sessions');
    await setOpenAIKey(page, mock.keys.openai);
    await chooseQuickPickRow(page, 'LangSwarm Sessions: Resume Session…', {
      ready: `${SEL.quickInputBox}[placeholder="Resume which session?"]`,
      row: TITLE,
      log: step,
    });
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    await history.locator('.session-title', { hasText: TITLE }).waitFor({ timeout: 30_000 });

    // The status bar: the active session's tokens and cost (gpt-4o is in the price table).
    const cost = page.locator('.part.statusbar .statusbar-item', { hasText: ' tok · ' });
    await cost.waitFor({ timeout: 15_000 });
    assert.match((await cost.innerText()).trim(), /^\d+k tok · \$\d+\.\d{2,4}$/);
    step(`status bar: ${await cost.innerText()}`);

    // The chart, from the session header's button.
    await history.locator('.chart-toggle').click();
    await waitUntil(async () => (await history.locator('.chart-plots canvas').count()) === 3, 'three charts');
    const readout = history.locator('.chart-readout');
    assert.match(await readout.innerText(), new RegExp(`^${SEEDED} turns · point at one`));
    assert.match(await history.locator('.chart-legend').innerText(), /context window 128k/);
    // The trimmed turn under the cursor: its numbers in the readout.
    const over = history.locator('.chart-plots .u-over').first();
    const box = await over.boundingBox();
    // Each turn is in the middle of its slot of the x axis.
    const at = (turn, count) => ({ x: box.x + ((turn - 0.5) / count) * box.width, y: box.y + box.height / 2 });
    await page.mouse.move(at(6, SEEDED).x, at(6, SEEDED).y);
    await waitUntil(async () => /^Turn 6 /.test(await readout.innerText()), 'turn 6 in the readout');
    assert.match(await readout.innerText(), /in 52,000 · .* history trimmed: 4 oldest turns left out/);
    await shot(page, `chart-${tag}-1-trimmed`, step);

    // One more turn through the composer: the chart and the status bar follow.
    const before = await cost.innerText();
    mock.script('openai', { text: 'Step 11 done: the parser is refactored.', usage: { input: 61_000, output: 420 } });
    await history.locator('.composer-input').fill('Step 11: finish up.');
    await page.keyboard.press('Enter');
    await history
      .locator('article.message.role-assistant.is-complete', { hasText: 'Step 11 done' })
      .waitFor({ timeout: 30_000 });
    await waitUntil(async () => /^11 turns/.test(await readout.innerText()), 'the chart to show turn 11', 15_000);
    await waitUntil(async () => (await cost.innerText()) !== before, 'the status bar to follow', 15_000);
    step(`after a turn: ${await readout.innerText()} — status bar ${await cost.innerText()}`);

    // Clicking the failed turn shows its message (the user's question it did not answer).
    const failed = at(8, SEEDED + 1);
    await page.mouse.move(failed.x, failed.y);
    await waitUntil(async () => /^Turn 8 .* failed/.test(await readout.innerText()), 'turn 8 in the readout');
    await shot(page, `chart-${tag}-2-failed`, step);
    await page.mouse.click(failed.x, failed.y);
    await history.locator('article.message.flash', { hasText: 'Step 8: carry on' }).waitFor({ timeout: 10_000 });
    await cost.hover();
    await page.locator('.monaco-hover, .workbench-hover', { hasText: 'Tokens:' }).first().waitFor({ timeout: 10_000 });
    await shot(page, `chart-${tag}-3-status-tooltip`, step);
    step(`chart checked in ${theme}`);
  });
}

async function main() {
  const ok = await forEachThemeWithMock(opt, mock, scenario);
  step(ok ? 'all chart UI checks passed' : 'CHART UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
