#!/usr/bin/env node
// UI test: the conversation debugger in the real VS Code web workbench at 1400×900 with the secondary side bar open,
// dark and light. A scenario with a tool is debugged from its "Debug Scenario" CodeLens against the local OpenAI
// server (the real SDK, keys set through the command). Checked: it stops on entry with the Variables view showing
// Request (the user's text, the tool), Session and Last reply; a Request value edited in the Variables view reaches the
// server as edited; Step Into stops at the model's tool call and the Debug Console's `/tool` supplies its result;
// "Edit Request…" opens the next call's body as JSON (invalid JSON is refused, nothing sent; an edit saved is sent);
// the run ends (terminated) and the Test Explorer holds its result. Screenshots: test-artifacts/ui-debugger-*.png.
//
//   node test/ui/debugger.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import {
  SEL,
  chooseMenuItem,
  forEachThemeWithMock,
  notification,
  openSecondarySideBar,
  runCommand,
  setOpenAIKey,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui debugger');
const openPage = workbenchPages({ opt, step, name: 'debugger' });
const { MockProviders } = await tsImport('../mock-providers/server.ts', import.meta.url);
const mock = new MockProviders();

const SCENARIO = `name: weather in Porto
provider: openai
model: gpt-test
system: You are a travel assistant.
tools:
  - name: get_weather
    description: Current weather for a city
    parameters: {type: object, properties: {city: {type: string}}, required: [city]}
    result: {sky: rainy}
turns:
  - user: What is the weather in Porto?
    expect:
      - tool_called: {name: get_weather}
`;

function makeWorkspace() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-debugger-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(path.join(workspace, 'weather.sim.yaml'), SCENARIO);
  return workspace;
}

const posts = () => mock.calls('openai', '/responses').filter((r) => r.method === 'POST');

/** The Variables view's rows as "level:aria-label" ("1:Scope Request", "2:model, value "gpt-test""). */
async function variableRows(page) {
  return page
    .locator('.debug-variables .monaco-list-row')
    .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('aria-level')}:${r.getAttribute('aria-label')}`));
}

/**
 * Expands the Variables view along `names` (a scope, then variables under it) and returns the last row. A name is
 * looked for below the row before it, at the next level.
 */
async function expand(page, ...names) {
  let index = -1;
  for (const [i, name] of names.entries()) {
    const level = i + 1;
    const label = level === 1 ? `Scope ${name}` : `${name}, value`;
    let found = -1;
    await waitUntil(
      async () => {
        found = await page.locator('.debug-variables .monaco-list-row').evaluateAll(
          (rows, [after, level, label]) => {
            const hit = rows
              .map((r) => ({
                index: Number(r.dataset.index),
                level: Number(r.getAttribute('aria-level')),
                label: r.getAttribute('aria-label') ?? '',
              }))
              .filter((r) => r.index > after && r.level === level && r.label.startsWith(label))
              .sort((a, b) => a.index - b.index)[0];
            return hit ? hit.index : -1;
          },
          [index, level, label],
        );
        return found >= 0;
      },
      `the variable ${names.slice(0, i + 1).join(' > ')}`,
    );
    index = found;
    const row = page.locator(`.debug-variables .monaco-list-row[data-index="${index}"]`);
    // Expanded once its first child shows below it (a click while the tree re-renders can be lost: click again).
    const child = page.locator(
      `.debug-variables .monaco-list-row[data-index="${index + 1}"][aria-level="${level + 1}"]`,
    );
    for (let attempt = 0; i < names.length - 1 && !(await child.count()); attempt++) {
      if (attempt === 5) throw new Error(`${names.slice(0, i + 1).join(' > ')} did not expand`);
      if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
      await child.waitFor({ timeout: 2000 }).catch(() => undefined);
    }
  }
  return page.locator(`.debug-variables .monaco-list-row[data-index="${index}"]`);
}

const toolbarButton = (page, label) => page.locator(`.debug-toolbar a.action-label[aria-label^="${label}"]`);

/**
 * Waits for the stop whose description (the Call Stack's header shows it) holds `text`. The header is current only
 * while the section is open: it is opened for the check and folded again (room for the Variables view).
 */
async function stoppedAt(page, text) {
  const header = page.locator('.part.sidebar .pane-header', { hasText: 'Call Stack' });
  const folded = (await header.getAttribute('aria-expanded')) === 'false';
  if (folded) await header.click();
  await header.filter({ hasText: text }).waitFor({ timeout: 30_000 });
  if (folded) await header.click();
}

async function typeInConsole(page, text) {
  const input = page.locator('.repl-input-wrapper .monaco-editor');
  if (!(await input.isVisible())) await page.keyboard.press('Control+Shift+Y');
  await input.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function scenario(browser, server, workspace, theme) {
  const tag = `debugger-${themeTag(theme)}`;
  mock.reset();
  mock.script(
    'openai',
    { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Porto' } }], usage: { input: 120, output: 9 } },
    { text: 'It is snowy in Porto.', usage: { input: 150, output: 7 } },
  );
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openSecondarySideBar(page);
    step(`workbench ready (${theme})`);
    await setOpenAIKey(page, mock.keys.openai);

    // 1. The "Debug Scenario" CodeLens starts the debugger; it stops before the first model call.
    await runCommand(page, 'Go to File...');
    await page.keyboard.type('weather.sim.yaml');
    await page.locator(`${SEL.quickInputRows}[aria-label*="weather.sim.yaml"]`).first().waitFor();
    await page.keyboard.press('Enter');
    const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Debug Scenario' });
    await lens.waitFor({ timeout: 30_000 });
    await lens.click();
    await page.locator('.debug-toolbar').waitFor({ timeout: 30_000 });
    await page.keyboard.press('Control+Shift+D');
    await stoppedAt(page, 'Stopped before the first model call');
    assert.equal(posts().length, 0, 'nothing is sent before stepping');
    step('stopped on entry');

    // 2. Variables: Request (the body as it will be sent), Session, Last reply.
    await page.locator('.debug-variables').waitFor();
    // Room for the Variables view: the other sections folded (the Call Stack's header still says why it stopped).
    for (const pane of ['Watch', 'Call Stack', 'Breakpoints']) {
      const header = page.locator('.part.sidebar .pane-header[aria-expanded="true"]', { hasText: pane });
      if (await header.count()) await header.first().click();
    }
    const label = async (...names) => (await expand(page, ...names)).getAttribute('aria-label');
    assert.equal(
      await label('Request', 'input', '[0]', 'content', '[0]', 'text'),
      'text, value "What is the weather in Porto?"',
      'the user text in the request',
    );
    assert.equal(await label('Request', 'tools', '[0]', 'name'), 'name, value "get_weather"', 'the tool');
    // Folded again: Session and Last reply below need the room (rows out of view are not rendered).
    await (await expand(page, 'Request', 'tools')).locator('.monaco-tl-twistie').click();
    assert.equal(await label('Session', 'provider'), 'provider, value "openai"', 'the session');
    assert.equal(await label('Last reply', 'note'), 'note, value "No reply yet."', 'no reply yet');
    step(`variables: ${JSON.stringify(await variableRows(page))}`);
    await page.mouse.move(700, 880);
    await shot(page, `${tag}-entry-variables`, step);

    // 3. Set Value on Request.instructions: the server gets the edited value.
    const instructions = await expand(page, 'Request', 'instructions');
    await instructions.click({ button: 'right' });
    await page.locator(SEL.menuItem('Edit Request…')).waitFor({ timeout: 5000 }); // ours, on Request values
    await chooseMenuItem(page, 'Set Value');
    const box = page.locator('.debug-variables .monaco-inputbox input');
    await box.waitFor();
    await box.fill('"Answer in one short sentence."');
    await page.keyboard.press('Enter');
    await (await expand(page, 'Request', 'instructions'))
      .locator('.value', { hasText: 'Answer in one short sentence.' })
      .waitFor({ timeout: 10_000 });

    // 4. Step Into: the call goes out (edited) and it stops at the model's tool call.
    await toolbarButton(page, 'Step Into').click();
    await waitUntil(() => posts().length === 1, 'the first call', 30_000);
    assert.equal(posts()[0].body.instructions, 'Answer in one short sentence.', 'sent as edited');
    await stoppedAt(page, 'Tool call get_weather');
    await expand(page, 'Tool call');
    step('stopped at the tool call');

    // 5. The Debug Console supplies the tool's result.
    await typeInConsole(page, '/tool call_1 {"sky": "snowy"}');
    await page.locator('.repl .monaco-list-row', { hasText: 'The result for call_1 will be sent.' }).waitFor();

    // 6. Step Over: stops before the second call; Edit Request… opens its body; invalid JSON is refused.
    await toolbarButton(page, 'Step Over').click();
    await stoppedAt(page, 'Before model call 2');
    assert.equal(posts().length, 1);
    await toolbarButton(page, 'Edit Request…').click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await page.locator('.editor-instance .monaco-editor', { hasText: '"instructions"' }).waitFor({ timeout: 15_000 });
    await page.locator('.tabs-container .tab.active', { hasText: 'request.json' }).waitFor();
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('oops');
    await page.keyboard.press('Control+S');
    await notification(page, 'The request is not valid JSON, so nothing was sent');
    assert.equal(posts().length, 1, 'nothing sent');
    await page.keyboard.press('Escape');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Backspace');
    // Replace the tool's answer in the body: sent as edited.
    await page.keyboard.press('Control+H');
    const find = page.locator('.find-widget .find-part .monaco-inputbox textarea, .find-widget .find-part input');
    await find.first().fill('snowy');
    // The search runs as typed: Replace All before it found the word replaces nothing (seen once in a fresh clone).
    const matches = page.locator('.find-widget .matchesCount');
    await matches.filter({ hasText: /^1 of 1$/ }).waitFor({ timeout: 10_000 });
    await page.locator('.find-widget .replace-part textarea, .find-widget .replace-part input').first().fill('sleet');
    await page.locator('.find-widget .replace-part .codicon-find-replace-all').click();
    await matches.filter({ hasText: /No results/ }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+S');
    await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 10_000 });
    await shot(page, `${tag}-edit-request`, step);

    // 7. Continue: the second call carries the edit; the run ends.
    await toolbarButton(page, 'Continue').click();
    await waitUntil(() => posts().length === 2, 'the second call', 30_000);
    const second = JSON.stringify(posts()[1].body.input);
    assert.ok(second.includes('sleet') && !second.includes('snowy'), second);
    await page.locator('.repl .monaco-list-row', { hasText: /Passed: weather in Porto\. The run is session/ }).waitFor({
      timeout: 30_000,
    });
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    // The ended call's request is not left open.
    await page.locator('.tabs-container .tab', { hasText: 'request.json' }).waitFor({ state: 'detached' });
    step('the run ended');
    await shot(page, `${tag}-ended`, step);

    // 8. The Test Explorer holds the run's result (the lens runs the Debug profile).
    await runCommand(page, 'Testing: Focus on Test Explorer View', { untilMs: 30_000 });
    await page
      .locator(SEL.treeRow, { has: page.locator('.codicon-testing-passed-icon'), hasText: 'weather in Porto' })
      .first()
      .waitFor({ timeout: 30_000 });
    const rows = await page.locator(SEL.treeRow).evaluateAll((list) => list.map((r) => r.getAttribute('aria-label')));
    step(`testing rows: ${JSON.stringify(rows)}`);
    assert.ok(rows.includes('weather.sim.yaml (Passed)'), 'the scenario passed in the Test Explorer');
  });
}

async function main() {
  const workspace = makeWorkspace();
  const ok = await forEachThemeWithMock(opt, mock, (browser, server, theme) =>
    scenario(browser, server, workspace, theme),
  );
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all debugger checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
