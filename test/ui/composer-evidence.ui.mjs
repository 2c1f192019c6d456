#!/usr/bin/env node
// UI test: imported sessions are evidence. In the real VS Code web workbench at 1400×900 with the secondary side
// bar open (the default layout's Chat panel), a LangSwarm V1 session imported by the CLI and completed is opened in
// the history browser. With no key the composer says the offline Replay provider will answer; its "Set API Key…"
// link sets the key through the real prompt, which is confirmed, and the composer updates without a reload.
// Sending then asks how to continue: "Continue in a fork" leaves the original byte for byte as it was and the fork
// gets the message (answered by the real OpenAI SDK from the local mock server); "Continue here" changes it.
// Screenshots (dark and light theme) go to test-artifacts/ui-evidence-*.png.
//
//   node test/ui/composer-evidence.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { REPO_ROOT } from '../vscode/tools.mjs';
import {
  SEL,
  forEachThemeWithMock,
  notification,
  openContainer,
  openSecondarySideBar,
  runCommand,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const FIXTURE = path.resolve(REPO_ROOT, '../shared/fixtures/langswarm/v1/json/session_5f0c2a9e.json');
// An untitled import shows under its first user words (displayTitle); its LangSwarm id stays beside them.
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const TITLE = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')).history.messages.find((m) => m.role === 'user').content;
const opt = uiArgs();
const step = stepLogger('ui-evidence');
const openPage = workbenchPages({ opt, step, name: 'composer-evidence' });
const cli = (...args) =>
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8' });
const { MockProviders } = await tsImport('../mock-providers/server.ts', import.meta.url);
const mock = new MockProviders();

/** A fresh workspace whose database holds one LangSwarm V1 session, imported and then completed (as "expired" is). */
function workspaceWithImport() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-evidence-'));
  const db = path.join(workspace, '.vscode', 'langswarm-sessions.sqlite');
  fs.mkdirSync(path.dirname(db));
  cli('migrate', FIXTURE, '--db', db);
  const [imported] = JSON.parse(cli('list', '--json', '--db', db)).sessions;
  cli('set-status', imported.id, 'completed', '--db', db);
  return { workspace, db, id: imported.id };
}

/** Waits until `row` is inside the conversation's visible area (the view follows the end as a reply comes). */
async function inView(history, row, what) {
  const feed = history.locator('.feed');
  await waitUntil(async () => {
    const [r, f] = [await row.boundingBox(), await feed.boundingBox()];
    return r && f && r.y >= f.y - 1 && r.y + r.height <= f.y + f.height + 1;
  }, what).catch(async (e) => {
    step(
      `DEBUG ${JSON.stringify(await feed.evaluate((el) => [el.scrollTop, el.clientHeight, el.scrollHeight]))} row ${JSON.stringify(await row.boundingBox())} feed ${JSON.stringify(await feed.boundingBox())}`,
    );
    throw e;
  });
}

async function scenario(browser, server, theme) {
  const tag = `evidence-${themeTag(theme)}`;
  const { workspace, db, id } = workspaceWithImport();
  const show = (sessionId) => JSON.parse(cli('show', sessionId, '--json', '--db', db));
  const list = () => JSON.parse(cli('list', '--json', '--db', db)).sessions;
  await openPage({ browser, server, workspace, theme, removeWorkspace: true }, async (page) => {
    step(`workbench ready (${theme})`);
    await openSecondarySideBar(page);
    await openContainer(page, 'LangSwarm Sessions');
    await page
      .locator(SEL.treeRow, { hasText: /^Completed/ })
      .first()
      .waitFor({ timeout: 30_000 });

    // The history browser on the imported session: no key, so the composer says Replay answers, before any send.
    await runCommand(page, 'LangSwarm Sessions: Open History');
    await page.locator(SEL.quickInputRows, { hasText: 'session_5f0c2a9e' }).first().click({ timeout: 15_000 });
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    await history.locator('.session-title', { hasText: TITLE }).waitFor({ timeout: 30_000 });
    const answerer = history.locator('.composer-answerer');
    await answerer.waitFor({ timeout: 15_000 });
    assert.equal(
      await answerer.locator('.answerer-text').innerText(),
      'Replay (offline) answers, not openai · gpt-4o. No API key is set for OpenAI.',
    );
    await shot(page, `${tag}-01-no-key-replay`, step);
    step('no key: the composer says Replay (offline) answers, not openai · gpt-4o');

    // Its "Set API Key…" link: the real password prompt for OpenAI; saving is confirmed; the composer updates.
    await answerer.locator('a.link', { hasText: 'Set API Key…' }).click();
    await page.locator(SEL.quickInputTitle, { hasText: 'OpenAI API key' }).waitFor({ timeout: 15_000 });
    await page.locator(SEL.quickInputBox).fill(mock.keys.openai);
    await page.keyboard.press('Enter');
    await page.locator(SEL.quickInputTitle).waitFor({ state: 'hidden' });
    await answerer.waitFor({ state: 'hidden', timeout: 15_000 });
    await notification(page, "Saved the OpenAI API key in VS Code's secret storage");
    await shot(page, `${tag}-02-key-saved`, step);
    await page.keyboard.press('Escape');
    step('key saved through the link: confirmed, and the composer no longer says Replay');

    // Sending into the imported, completed session asks first.
    const before = JSON.stringify(show(id));
    mock.script('openai', { text: `Forked answer (${tag}).` }, { text: `Answer here (${tag}).` });
    const input = history.locator('.composer-input');
    await input.click();
    await input.fill('What changed since then?');
    await input.press('Enter');
    await page.locator(SEL.dialog).waitFor({ timeout: 15_000 });
    assert.match(
      await page.locator(SEL.dialogMessage).innerText(),
      new RegExp(`^"${escapeRegExp(TITLE)}" is imported from LangSwarm and completed\\. Continue it in a fork\\?`),
    );
    assert.match(await page.locator(SEL.dialogDetail).innerText(), /the original stays as it was/);
    await shot(page, `${tag}-03-continue-dialog`, step);
    await page.locator(SEL.dialogButton('Continue in a fork (keeps the original as it was)')).click();
    await history
      .locator('article.message.role-assistant.is-complete', { hasText: `Forked answer (${tag}).` })
      .waitFor({ timeout: 30_000 });
    await history.locator('.session-title', { hasText: `Fork of ${TITLE}` }).waitFor();
    await inView(
      history,
      history.locator('article.message', { hasText: `Forked answer (${tag}).` }),
      'the fork at its end',
    );
    await shot(page, `${tag}-04-forked`, step);
    assert.equal(JSON.stringify(show(id)), before, 'the imported session is byte for byte as it was');
    const fork = list().find((s) => s.id !== id);
    const forked = show(fork.id);
    assert.equal(forked.session.status, 'active');
    assert.deepEqual(
      forked.messages.slice(-2).map((m) => [m.role, m.text]),
      [
        ['user', 'What changed since then?'],
        ['assistant', `Forked answer (${tag}).`],
      ],
    );
    step('"Continue in a fork": the original unchanged, the fork got the message and the reply');

    // Back on the original, "Continue here" changes it: the message goes there and it is active again.
    const exactly = new RegExp(`^${escapeRegExp(TITLE)}$`);
    // Beside the Chat panel the editor is narrow: the session list is a drawer behind its toggle.
    if (await history.locator('.list-toggle').isVisible()) await history.locator('.list-toggle').click();
    await history
      .locator('.session-item')
      .filter({ has: history.locator('.title-text', { hasText: exactly }) })
      .click();
    await history
      .locator('.session-title', { hasText: new RegExp(`^${escapeRegExp(TITLE)}$`) })
      .waitFor({ timeout: 15_000 });
    await input.click();
    await input.fill('Continue the record itself');
    await input.press('Enter');
    await page.locator(SEL.dialog).waitFor({ timeout: 15_000 });
    await page.locator(`${SEL.dialog} .dialog-buttons a.monaco-button`, { hasText: /^Continue here$/ }).click();
    await history
      .locator('article.message.role-assistant.is-complete', { hasText: `Answer here (${tag}).` })
      .waitFor({ timeout: 30_000 });
    await history.locator('.composer-notice', { hasText: 'active again (it was completed)' }).waitFor();
    await inView(
      history,
      history.locator('article.message', { hasText: `Answer here (${tag}).` }),
      'the reply in view',
    );
    await shot(page, `${tag}-05-continued-here`, step);
    const after = show(id);
    assert.equal(after.session.status, 'active');
    assert.deepEqual(
      after.messages.slice(-2).map((m) => [m.role, m.text]),
      [
        ['user', 'Continue the record itself'],
        ['assistant', `Answer here (${tag}).`],
      ],
    );
    step('"Continue here": the message went into the original, now active, and the composer said so');

    // "Always continue here in this workspace" is remembered: the next send asks nothing. "Ask Again…" forgets it.
    const sendAndSeeEcho = async (text) => {
      await input.fill(text);
      await input.press('Enter');
    };
    const echoed = (text) =>
      history
        .locator('article.message.role-assistant.is-complete', { hasText: `echo: ${text}` })
        .waitFor({ timeout: 30_000 });
    await sendAndSeeEcho('Remember my answer');
    await page.locator(SEL.dialog).waitFor({ timeout: 15_000 });
    await page.locator(SEL.dialogButton('Always continue here in this workspace')).click();
    await echoed('Remember my answer');
    await sendAndSeeEcho('No question this time');
    await echoed('No question this time');
    assert.equal(await page.locator(SEL.dialog).count(), 0, 'the remembered answer was used without asking');
    await runCommand(page, 'LangSwarm Sessions: Ask Again How to Continue Recorded Sessions');
    await input.click();
    await sendAndSeeEcho('Ask me again');
    await page.locator(SEL.dialog).waitFor({ timeout: 15_000 });
    await page.locator(`${SEL.dialog} .dialog-buttons a.monaco-button`, { hasText: /^Continue here$/ }).click();
    await echoed('Ask me again');
    assert.deepEqual(
      show(id)
        .messages.filter((m) => m.role === 'user')
        .slice(-3)
        .map((m) => m.text),
      ['Remember my answer', 'No question this time', 'Ask me again'],
    );
    step('"Always continue here" was remembered for the workspace, and "Ask Again…" made it ask again');
  });
}

async function main() {
  const ok = await forEachThemeWithMock(opt, mock, scenario);
  step(ok ? 'all evidence checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
