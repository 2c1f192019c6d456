#!/usr/bin/env node
// UI test: the turn inspector in the real VS Code web workbench at 1400×900 with the secondary side bar open (the
// default layout's Chat panel). A session gets a failed call (the CLI's `send`, refused by the local OpenAI server)
// and a retried one sent from the history browser's composer (the real OpenAI SDK against the same server: a 500,
// then the reply). From the reply, I opens the inspector; each tab is screenshot in both themes, the calls list
// holds both calls, Copy as cURL says which variable holds the key, and Escape gives the keyboard back.
// Screenshots go to test-artifacts/ui-inspector-*.png.
//
//   node test/ui/inspector.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import { REPO_ROOT } from '../vscode/tools.mjs';
import {
  SEL,
  forEachThemeWithMock,
  openContainer,
  openSecondarySideBar,
  runCommand,
  setOpenAIKey,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui-inspector');
const openPage = workbenchPages({ opt, step, name: 'inspector' });
// Not execFileSync: the mock server answering the CLI runs in this process.
const cli = async (args, env = {}) =>
  (
    await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    })
  ).stdout;
const { MockProviders } = await tsImport('../mock-providers/server.ts', import.meta.url);
const mock = new MockProviders();
const TITLE = 'Inspected in the UI';

/** A fresh workspace whose database has an OpenAI session with one failed call recorded. */
async function workspaceWithFailedCall() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-inspector-'));
  const db = path.join(workspace, '.vscode', 'langswarm-sessions.sqlite');
  fs.mkdirSync(path.dirname(db));
  const created = await cli(['create', '--provider', 'openai', '--model', 'gpt-4o', '--title', TITLE, '--db', db]);
  const id = /[0-9a-f-]{36}/.exec(created)?.[0];
  assert.ok(id, created);
  mock.script('openai', {
    error: {
      status: 400,
      body: { error: { message: 'Unsupported value: "temperature_x".', type: 'invalid_request_error' } },
    },
  });
  await cli(['send', id, '--content', 'This one fails', '--db', db], {
    OPENAI_API_KEY: mock.keys.openai,
    LANGSWARM_OPENAI_BASE_URL: `${mock.url}/v1`,
  }).catch(() => undefined); // exits 1: the provider refused
  return { workspace, id };
}

async function scenario(browser, server, theme) {
  const tag = `inspector-${themeTag(theme)}`;
  const { workspace } = await workspaceWithFailedCall();
  await openPage({ browser, server, workspace, theme, removeWorkspace: true }, async (page) => {
    step(`workbench ready (${theme})`);
    await openSecondarySideBar(page);
    await openContainer(page, 'LangSwarm Sessions');
    await setOpenAIKey(page, mock.keys.openai);

    // The composer sends; the server fails the first attempt (the SDK retries) and answers the second.
    await runCommand(page, 'LangSwarm Sessions: Open History');
    await page.locator(SEL.quickInputRows, { hasText: TITLE }).first().click({ timeout: 15_000 });
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    await history.locator('.session-title', { hasText: TITLE }).waitFor({ timeout: 30_000 });
    mock.script(
      'openai',
      { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } },
      { text: 'Paris is sunny today: **22 °C**, light wind.', usage: { input: 1834, output: 12 } },
    );
    const input = history.locator('.composer-input');
    await input.click();
    await input.fill('What is the weather in Paris?');
    await input.press('Enter');
    const reply = history.locator('article.message.role-assistant.is-complete', { hasText: 'Paris is sunny' });
    await reply.waitFor({ timeout: 30_000 });
    step('a reply came through the composer (after a retry)');

    // I on the reply: the inspector on its call, the keyboard on the tabs.
    await reply.click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('i');
    const inspector = history.locator('.inspector[role=dialog]');
    await inspector.waitFor({ timeout: 15_000 });
    await history.locator('.inspector .tree [role=treeitem]').first().waitFor({ timeout: 15_000 });
    assert.equal(await history.locator('.call-item').count(), 2, 'the failed call and the retried one');
    // The conversation's creation, the 500, the answer (OpenAI sessions are bound to a conversation).
    assert.equal(await history.locator('.attempt-picker option').count(), 3);
    assert.match(await history.locator('.attempt-picker option').nth(1).innerText(), /HTTP 500/);
    await history.locator(`.inspector [data-path='["input"]'] > .line`).click();
    await history.locator(`.inspector [data-path='["input",0]'] > .line`).click();
    await shot(page, `${tag}-01-request`, step);
    // The packaged (minified) build still sends the SDK's own User-Agent, not a minified class name.
    assert.match(await history.locator('.kv-table.headers').first().innerText(), /user-agent\s+OpenAI\/JS \d/);
    await history.locator('.copy-curl').click();
    await history.locator('.inspector-status', { hasText: '$OPENAI_API_KEY' }).waitFor();
    for (const [n, name] of [
      [2, 'Response'],
      [3, 'Timing'],
      [4, 'Raw'],
    ]) {
      await history.locator(`.inspector-tab:text-is("${name}")`).click();
      await history.locator(`.inspector-tab[aria-selected=true]:text-is("${name}")`).waitFor();
      await shot(page, `${tag}-0${n}-${name.toLowerCase()}`, step);
    }
    await history.locator('.inspector-tab:text-is("Timing")').click();
    assert.match(await history.locator('.inspector-panel').innerText(), /HTTP attempts \(3\)/i);
    // The failed call, from the list: the provider's error body.
    await history.locator('.call-item.outcome-error').click();
    await history.locator('.inspector-tab:text-is("Response")').click();
    await history.locator(`.inspector [data-path='["error"]'] > .line`).click();
    await history.locator('.inspector-panel', { hasText: 'temperature_x' }).waitFor();
    await shot(page, `${tag}-05-failed-call`, step);
    await page.keyboard.press('Escape');
    await inspector.waitFor({ state: 'hidden' });
    step('inspector: request, response, timing, raw and the failed call shown; Escape closed it');
  });
}

async function main() {
  const ok = await forEachThemeWithMock(opt, mock, scenario);
  step(ok ? 'all inspector checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
