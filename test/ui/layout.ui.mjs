#!/usr/bin/env node
// UI test: the history browser at VS Code's default layout — a 1400×900 window, the Sessions view open on the left
// and the secondary side bar (Chat) on the right, so the editor area is about 700 px wide. An imported session
// with long identifiers: nothing may overflow inside the webview, the replay controls must be whole, the session
// list folds into a drawer; and the keyboard reaches the state view's search with Ctrl+F. Both themes, screenshots
// in test-artifacts/ui-layout-*.png.
//
//   node test/ui/layout.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tsImport } from 'tsx/esm/api';
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
const step = stepLogger('ui layout');
const openPage = workbenchPages({ opt, step, name: 'layout' });

/** Elements of the webview reaching past its right edge (outside the deliberate horizontal scrollers: code, tables). */
function overflowing() {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('#app *')) {
    if (el.closest('pre, .table-wrap')) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.height && (r.right > width + 0.5 || r.left < -0.5))
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const app = document.querySelector('.history');
  if (app && app.scrollWidth > app.clientWidth) out.push(`.history scrolls: ${app.scrollWidth} > ${app.clientWidth}`);
  return out;
}

async function scenario(browser, server, workspace, theme) {
  const tag = themeTag(theme);
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openContainer(page, 'LangSwarm Sessions');
    await openSecondarySideBar(page);
    step(`workbench ready, secondary side bar open (${theme})`);

    // The imported session, opened in the history browser from one of its messages in the tree.
    const session = page.locator(SEL.treeRow, { hasText: 'session_5f0c2a9e' });
    await session.waitFor({ timeout: 30_000 });
    if ((await session.getAttribute('aria-expanded')) !== 'true') await session.click();
    // The message row (level 3), not the session row that now takes its title from this first message.
    await page.locator(`${SEL.treeRow}[aria-level="3"]`, { hasText: 'Look it up.' }).click();
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    await history.locator('.tool-call .tool-name').waitFor({ timeout: 30_000 });
    const body = history.locator('body');
    const size = await body.evaluate(() => ({ width: innerWidth, height: innerHeight }));
    step(`the history browser is ${size.width}×${size.height} px`);
    assert.ok(size.width < 800, `the editor area is narrow in the default layout (${size.width} px)`);
    await shot(page, `layout-${tag}-1-history`, step);

    // Folded list: the toggle shows, the conversation has the width; nothing overflows.
    assert.equal(await history.locator('.sidebar').isVisible(), false, 'the session list folds away');
    assert.equal(await history.locator('.list-toggle').isVisible(), true);
    assert.deepEqual(await body.evaluate(overflowing), []);
    const cut = await history.locator('.tool-call .tool-id').evaluate((el) => ({
      title: el.title,
      cut: el.scrollWidth > el.clientWidth,
      css: getComputedStyle(el).textOverflow,
    }));
    assert.equal(cut.css, 'ellipsis');
    assert.ok(
      cut.cut && cut.title.startsWith('call_9f8e7d6c'),
      `call id cut, whole in its tooltip: ${JSON.stringify(cut)}`,
    );

    // "Imported from", open: the conversation keeps its height.
    await history.locator('.session-header details summary', { hasText: 'Imported from' }).click();
    await history.locator('.session-header details[open] pre').waitFor();
    const feed = await history.locator('.feed').boundingBox();
    assert.ok(feed.height >= size.height * 0.4, `the conversation keeps its height (${feed.height} px)`);

    // Replay: every control whole, inside the webview.
    await history.locator('.open-replay').click();
    await history.locator('.replay-bar:not([hidden])').waitFor();
    const controls = await history.locator('.replay-bar').evaluate((bar) =>
      [...bar.querySelectorAll('button, select, .timeline')].map((el) => {
        const r = el.getBoundingClientRect();
        return {
          cls: el.className,
          left: r.left,
          right: r.right,
          width: r.width,
          inside: r.right <= innerWidth && r.left >= 0,
        };
      }),
    );
    for (const c of controls) assert.ok(c.inside && c.width >= 20, `replay control whole: ${JSON.stringify(c)}`);
    assert.ok(controls.find((c) => c.cls.includes('replay-speed')).width >= 48, 'the speed box is readable');
    assert.ok(
      controls.some((c) => c.cls.includes('replay-close')),
      'the Stop button is there',
    );
    assert.deepEqual(await body.evaluate(overflowing), []);
    await shot(page, `layout-${tag}-2-replay`, step);
    step('replay controls whole at the default width');
    await history.locator('.replay-close').click();

    // The drawer: opened by its toggle, over the conversation, closed by Escape.
    await history.locator('.list-toggle').click();
    await history.locator('.sidebar').waitFor({ state: 'visible' });
    assert.deepEqual(await body.evaluate(overflowing), []);
    await shot(page, `layout-${tag}-3-drawer`, step);
    await page.keyboard.press('Escape');
    await history.locator('.sidebar').waitFor({ state: 'hidden' });
    step('the session list opens as a drawer and closes with Escape');

    // The state view: Ctrl+F reaches its search box inside VS Code.
    await session.click({ button: 'right' });
    await chooseMenuItem(page, 'Dump Session State');
    const state = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator(SEL.webviewInner);
    await state.locator('[role=treeitem]').first().click();
    await page.keyboard.press('Control+f');
    await state
      .locator('input[type=search]')
      .evaluate((el) => el === document.activeElement)
      .then((yes) => assert.ok(yes, 'Ctrl+F put the keyboard in the state view search'));
    await shot(page, `layout-${tag}-4-state`, step);
    step('Ctrl+F reaches the state view search');
  });
}

async function main() {
  // The database, seeded before VS Code starts: the demo sessions and an imported one with long identifiers.
  const { seedLongIdentifiers, seedShowcase } = await tsImport('../helpers/sample.ts', import.meta.url);
  const workspace = await seededWorkspace('layout', async (m) => {
    await seedShowcase(m);
    await seedLongIdentifiers(m);
  });
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix }, (browser, server, theme) =>
    scenario(browser, server, workspace, theme),
  );
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all layout UI checks passed' : 'LAYOUT UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
