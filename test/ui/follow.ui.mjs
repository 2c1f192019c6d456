#!/usr/bin/env node
// UI test: following a LangSwarm store in the real VS Code web workbench (1400×900, secondary side bar open), dark
// and light. A trusted workspace names a V1 JSON folder in `langswarmSessions.follow.paths`, and a V1 store the app
// has not saved yet; a writer (this script, as a LangSwarm app would) appends messages to one session and adds
// another while the editor runs:
//   - the status bar shows "Following 2 stores · HH:MM:SS" once the folder was imported, with no warning (the store
//     not there yet is waited for, not an error);
//   - the tree marks followed sessions ("· following") and shows the new session and the grown message count
//     without a manual refresh;
//   - a click on the status bar item lists the followed stores, the missing one as "does not exist yet" (with Stop
//     Following).
// Screenshots go to test-artifacts/ui-follow-*.png.
//
//   node test/ui/follow.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
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
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures/langswarm');
const opt = uiArgs();
const step = stepLogger('ui follow');
const openPage = workbenchPages({ opt, step, name: 'follow' });

/**
 * A workspace whose settings follow agent/sessions, holding three active V1 JSON sessions (the Active group is the one
 * shown expanded), and agent/langswarm_sessions.db, which does not exist.
 */
function followedWorkspace() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-follow-'));
  const folder = path.join(workspace, 'agent/sessions');
  fs.mkdirSync(folder, { recursive: true });
  for (const id of ['session_5f0c2a9e', 'session_4c8e0f16', 'session_9a6c1d24']) {
    fs.copyFileSync(path.join(FIXTURES, `v1/json/${id}.json`), path.join(folder, `${id}.json`));
    fs.chmodSync(path.join(folder, `${id}.json`), 0o644);
  }
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(
    path.join(workspace, '.vscode/settings.json'),
    JSON.stringify({ 'langswarmSessions.follow.paths': ['agent/sessions', 'agent/langswarm_sessions.db'] }),
  );
  return { workspace, folder };
}

/** What a LangSwarm V1 app does on each save: the whole document rewritten. */
function appendMessage(file, n) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  doc.history.messages.push({
    id: `live_${n}`,
    role: n % 2 ? 'user' : 'assistant',
    content: `Live message ${n}`,
    timestamp: `2025-07-09T10:00:${String(n).padStart(2, '0')}`,
    metadata: {},
    tool_calls: null,
    tool_call_id: null,
    provider_message_id: null,
  });
  doc.metadata.updated_at = doc.metadata.last_activity = `2025-07-09T10:00:${String(n).padStart(2, '0')}`;
  fs.writeFileSync(file, JSON.stringify(doc));
}

const sessionRows = (page) =>
  page
    .locator(`${SEL.treeRow}[aria-level="2"]`)
    .evaluateAll((rows) =>
      rows.map(
        (r) =>
          `${r.querySelector('.label-name')?.textContent ?? ''} | ${r.querySelector('.label-description')?.textContent ?? ''}`,
      ),
    );

async function scenario(browser, server, theme) {
  const tag = themeTag(theme);
  const { workspace, folder } = followedWorkspace();
  let writer;
  await openPage(
    { browser, server, workspace, theme, removeWorkspace: true, cleanup: () => clearInterval(writer) },
    async (page) => {
      await openSecondarySideBar(page);
      await openContainer(page, 'LangSwarm Sessions');
      const status = page.locator('.part.statusbar .statusbar-item', {
        hasText: /Following 2 stores · \d\d:\d\d:\d\d/,
      });
      await status.waitFor({ timeout: 60_000 });
      step(`status bar: ${await status.innerText()}`);
      assert.equal(await status.locator('.codicon-warning').count(), 0, 'a store not saved yet is no error');
      await page.keyboard.press('Escape'); // the migration offer's toast, if any

      // The app writes: one message every 700 ms to one session, and a new session after the third.
      const grown = path.join(folder, 'session_4c8e0f16.json');
      let n = 0;
      writer = setInterval(() => {
        n += 1;
        appendMessage(grown, n);
        if (n === 3) {
          const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'v1/json/session_b7d41e03.json'), 'utf8'));
          doc.metadata.session_id = doc.history.session_id = 'session_live_new';
          doc.metadata.status = 'active';
          fs.writeFileSync(path.join(folder, 'session_live_new.json'), JSON.stringify(doc));
        }
      }, 700);
      await waitUntil(
        async () => (await sessionRows(page)).some((r) => r.includes('session_live_new')),
        'the new session in the tree',
        30_000,
      );
      await waitUntil(
        async () =>
          (await sessionRows(page)).some(
            (r) => /\| following · session_4c8e0f16 .*· (\d+) msgs/.test(r) && Number(/· (\d+) msgs/.exec(r)[1]) >= 7,
          ),
        'the grown session in the tree',
        30_000,
      );
      clearInterval(writer);
      await page.waitForTimeout(2500); // the last write arrives
      const rows = await sessionRows(page);
      step(`sessions: ${JSON.stringify(rows)}`);
      assert.equal(rows.length, 4, 'three sessions and the new one, none twice');
      assert.ok(
        rows.every((r) => r.includes('| following · ')),
        'every session from the followed folder is marked',
      );
      const count = Number(/· (\d+) msgs/.exec(rows.find((r) => r.includes('session_4c8e0f16')))[1]);
      assert.equal(count, 4 + n, `all ${n} appended messages, once`);
      await shot(page, `follow-${tag}-01-tree-and-status`, step);

      // The status bar item lists the followed store.
      await status.click();
      await page.locator(SEL.quickInputTitle, { hasText: 'Followed LangSwarm Stores' }).waitFor({ timeout: 15_000 });
      await page.locator(SEL.quickInputRows, { hasText: 'sessions' }).first().waitFor();
      await page
        .locator(SEL.quickInputRows, { hasText: 'langswarm_sessions.db' })
        .filter({ hasText: 'does not exist yet: imported once it appears' })
        .waitFor();
      await page.locator(SEL.quickInputRows, { hasText: 'Stop Following' }).waitFor();
      await shot(page, `follow-${tag}-02-stores`, step);
      await page.keyboard.press('Escape');
      step('followed while the app wrote; the tree and the status bar kept up');
    },
  );
}

async function main() {
  // Workspace trust off (the default here): the workspace is trusted.
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix }, scenario);
  step(ok ? 'all follow checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
