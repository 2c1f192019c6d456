#!/usr/bin/env node
// UI test: the compare view in the real VS Code web workbench at the default layout (1400×900, the secondary side
// bar open). Two sessions selected in the Sessions view (click, Ctrl+click) → "Compare Sessions" from the context
// menu; the view opens at the first divergence; F7 (VS Code's keybinding, forwarded from the webview) goes to the
// next difference; "Compare with Parent" on a fork. Both themes; screenshots in test-artifacts/ui-compare-*.png.
//
//   node test/ui/compare.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  SEL,
  chooseMenuItem,
  forEachTheme,
  openContainer,
  openSecondarySideBar,
  seededWorkspace,
  shot,
  stepLogger,
  themeTag,
  uiArgs,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui compare');
const openPage = workbenchPages({ opt, step, name: 'compare' });

/** Elements of the webview reaching past its edges. */
function overflowing() {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('#app *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.height && (r.right > width + 0.5 || r.left < -0.5))
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return out;
}

async function scenario(browser, server, workspace, theme) {
  const tag = themeTag(theme);
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openContainer(page, 'LangSwarm Sessions');
    await openSecondarySideBar(page);
    step(`workbench ready, secondary side bar open (${theme})`);

    // Two sessions selected: a click, then Ctrl+click; the context menu of the selection offers Compare Sessions.
    // By the whole label: "Fork of Museum weekend in Paris" holds these words too.
    const original = page.locator(SEL.treeRow).filter({
      has: page.locator('.label-name', { hasText: /^Museum weekend in Paris$/ }),
    });
    const replayed = page.locator(SEL.treeRow, { hasText: 'Museum weekend (replay on anthropic)' });
    await original.waitFor({ timeout: 30_000 });
    await original.click();
    await replayed.click({ modifiers: ['Control'] });
    assert.equal(await page.locator(`${SEL.treeRow}.selected`).count(), 2, 'two rows selected');
    await replayed.click({ button: 'right' });
    // With two rows selected, the single-session commands stay out of the menu.
    assert.equal(await page.locator(SEL.menuItem('Rename Session…')).count(), 0);
    await chooseMenuItem(page, 'Compare Sessions');
    const view = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator(SEL.webviewInner);
    await view.locator('.pair.current .word-added').first().waitFor({ timeout: 30_000 });
    const tab = page.locator('.tabs-container .tab.active');
    assert.match(await tab.innerText(), /Museum weekend in Paris ↔ Museum weekend \(replay on anthropic\)/);
    assert.equal(await view.locator('.nav-position').innerText(), 'Difference 1 of 3');
    assert.match(await view.locator('.divergence-mark').innerText(), /First divergence/);
    const body = view.locator('body');
    const size = await body.evaluate(() => ({ width: innerWidth, height: innerHeight }));
    step(`the compare view is ${size.width}×${size.height} px`);
    assert.deepEqual(await body.evaluate(overflowing), []);
    await page.mouse.move(700, 880); // the tree's hover tooltip would cover the view
    await page.waitForTimeout(300);
    await shot(page, `compare-${tag}-1-open`, step);

    // F7: the keybinding (when the compare view is the active webview) steps to the next difference.
    await view.locator('.pair.current').first().click();
    await page.keyboard.press('F7');
    await view.locator('.nav-position', { hasText: 'Difference 2 of 3' }).waitFor({ timeout: 10_000 });
    await shot(page, `compare-${tag}-2-f7`, step);
    await page.keyboard.press('Shift+F7');
    await view.locator('.nav-position', { hasText: 'Difference 1 of 3' }).waitFor({ timeout: 10_000 });
    step('F7 and Shift+F7 step through the differences');

    // Compare with Parent on the fork: the fork beside the session it came from.
    const fork = page.locator(SEL.treeRow, { hasText: 'Fork of Museum weekend in Paris' });
    await fork.click();
    await fork.click({ button: 'right' });
    await chooseMenuItem(page, 'Compare with Parent');
    await page
      .locator('.tabs-container .tab.active', { hasText: 'Museum weekend in Paris ↔ Fork of Museum weekend in Paris' })
      .waitFor({ timeout: 30_000 });
    const parentView = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator(SEL.webviewInner);
    // The parent goes on past the fork point: its later messages are only in A.
    await parentView.locator('.pair.status-deleted').first().waitFor({ timeout: 30_000 });
    assert.equal(await parentView.locator('.nav-position').innerText(), 'Difference 1 of 1');
    await page.mouse.move(700, 880); // no tooltip over the view
    await shot(page, `compare-${tag}-3-parent`, step);
    step('Compare with Parent opened the fork beside its parent');
  });
}

async function main() {
  const workspace = await seededWorkspace('compare', seed);
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix }, (browser, server, theme) =>
    scenario(browser, server, workspace, theme),
  );
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all compare UI checks passed' : 'COMPARE UI TESTS FAILED');
  return ok ? 0 : 1;
}

/** An original, its replay on another model (other words, another tool argument, a missing turn), and a fork. */
async function seed(m) {
  const reply = (provider, model, text) => ({
    role: 'assistant',
    content: text,
    usage: { inputTokens: 420, outputTokens: 96, totalTokens: 516 },
    stopReason: 'end_turn',
    provider: { name: provider, model },
  });
  const call = (city) => ({
    role: 'assistant',
    parts: [{ type: 'tool_call', callId: 'c1', name: 'get_weather', argumentsJson: JSON.stringify({ city, days: 2 }) }],
  });
  const result = {
    role: 'tool',
    parts: [{ type: 'tool_result', callId: 'c1', name: 'get_weather', content: '{"sat":"sunny","sun":"rain"}' }],
  };
  const chat = Array.from({ length: 10 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: i % 2 ? `Noted: detail ${i} added to the plan.` : `Also consider detail ${i}.`,
  }));
  const ask = { role: 'user', content: 'Plan two days in Paris for a museum lover, with the weather.' };
  const a = await m.create({
    provider: 'openai',
    model: 'gpt-4o',
    title: 'Museum weekend in Paris',
    systemPrompt: 'You are a terse travel agent. Answer in bullet points.',
  });
  const [first] = await m.addMessages(a.id, [
    ask,
    reply(
      'openai',
      'gpt-4o',
      'Saturday: the Louvre in the morning, lunch at a bistro by the Seine.\nSunday: Musée d’Orsay, then the Marais.',
    ),
    call('Paris'),
    result,
    { role: 'user', content: 'Skip the Marais, please.' },
    { role: 'assistant', content: 'Done: Sunday ends at the Orsay.' },
    ...chat,
    { role: 'user', content: 'Thanks!' },
  ]);
  const b = await m.create({
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    title: 'Museum weekend (replay on anthropic)',
    systemPrompt: 'You are a very terse travel agent. Answer in bullet points.',
  });
  await m.addMessages(b.id, [
    ask,
    reply(
      'anthropic',
      'claude-sonnet-4',
      'Saturday: the Orsay in the morning, lunch at a café by the Seine.\nSunday: the Louvre, then the Marais.',
    ),
    call('Paris, France'),
    result,
    ...chat,
    { role: 'user', content: 'Thanks!' },
    { role: 'assistant', content: 'Enjoy Paris!' },
  ]);
  const fork = await m.fork(a.id, first.id);
  await m.addMessages(fork.id, [reply('openai', 'gpt-4o', 'Saturday: the Rodin museum and its garden.')]);
}

process.exit(await main());
