#!/usr/bin/env node
// UI test: the keyboard in the real VS Code at its default layout (1400×900, the Sessions view on the left, the
// secondary side bar open on the right), as VS Code's lists and trees have it. In the history browser (about 750 px
// wide: the session list is a drawer): from the conversation to the drawer's toggle, the drawer opened and a session
// chosen with keys only, few Tab stops from the search box to the list (the filters one stop, each date field one
// stop); arrows/Home/End through the messages; Escape from find in session back where the keyboard was; Space during
// a replay presses the focused control, not Play. In the state view: End/Home to the last and first item. Both
// themes, screenshots in test-artifacts/ui-keyboard-*.png. (Ctrl+F in the state view: layout.ui.mjs.)
//
//   node test/ui/keyboard.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
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
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui keyboard');
const openPage = workbenchPages({ opt, step, name: 'keyboard' });

/** The element with the keyboard focus inside a webview's page, described (runs in the page). */
function focusedElement() {
  const el = document.activeElement;
  const row = el?.closest('article.message');
  return {
    body: el === document.body || !el,
    tag: el?.tagName.toLowerCase() ?? '',
    cls: typeof el?.className === 'string' ? el.className : '',
    role: el?.getAttribute('role') ?? '',
    label: el?.getAttribute('aria-label') ?? '',
    text: (el?.textContent ?? '').trim().slice(0, 2000),
    seq: row?.getAttribute('data-seq') ?? null,
    path: el?.getAttribute('data-path') ?? null,
    inList: el?.closest('.session-list') != null,
    inFeed: el?.closest('.feed') != null,
  };
}

const describe = (f) => `${f.tag}.${f.cls.split(' ').join('.')}${f.label ? `[${f.label}]` : ''}`;

/**
 * Presses `key` until `reached(focused)` holds; returns the stops on the way (the last is the one reached). Fails
 * after `max` presses, naming the stops.
 */
async function pressUntil(page, frame, key, reached, max) {
  const stops = [];
  while (stops.length < max) {
    await page.keyboard.press(key);
    const f = await frame.locator('body').evaluate(focusedElement);
    stops.push(f);
    if (reached(f)) return stops;
  }
  throw new Error(`not reached in ${max} × ${key}: ${stops.map(describe).join(' → ')}`);
}

async function scenario(browser, server, workspace, theme) {
  const tag = themeTag(theme);
  await openPage({ browser, server, workspace, theme }, async (page) => {
    await openContainer(page, 'LangSwarm Sessions');
    await openSecondarySideBar(page);
    step(`workbench ready, secondary side bar open (${theme})`);

    // The imported session, opened in the history browser from its first message in the tree (as layout.ui.mjs).
    const imported = page.locator(SEL.treeRow, { hasText: 'session_5f0c2a9e' });
    await imported.waitFor({ timeout: 30_000 });
    if ((await imported.getAttribute('aria-expanded')) !== 'true') await imported.click();
    await page.locator(`${SEL.treeRow}[aria-level="3"]`, { hasText: 'Look it up.' }).click();
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    const focused = () => history.locator('body').evaluate(focusedElement);
    await history.locator('article.message[data-seq="1"]:not(.loading)').waitFor({ timeout: 30_000 });
    const width = await history.locator('body').evaluate(() => innerWidth);
    assert.ok(width < 800, `the session list is a drawer at the default layout (${width} px)`);

    // 1. The session list. The keyboard enters the webview on a message (a click); Shift+Tab reaches the drawer's
    // toggle past the header's actions.
    await history.locator('article.message[data-seq="1"]').click({ position: { x: 4, y: 4 } });
    assert.equal((await focused()).seq, '1', 'the click put the keyboard on the message');
    const back = await pressUntil(page, history, 'Shift+Tab', (f) => f.cls.includes('list-toggle'), 12);
    step(`Shift+Tab from the message to the list toggle: ${back.map(describe).join(' → ')}`);
    // Enter opens the drawer on the list's current item (the open session).
    await page.keyboard.press('Enter');
    await history.locator('.sidebar').waitFor({ state: 'visible' });
    let f = await focused();
    assert.ok(f.inList && f.role === 'option', `the drawer opens with the keyboard on a list item: ${describe(f)}`);
    assert.match(f.text, /Look it up|session_5f0c2a9e/, 'on the open session');
    // Back to the search box: the filter toggle is the only stop between.
    const up = await pressUntil(page, history, 'Shift+Tab', (f) => f.cls.includes('search-input'), 6);
    assert.equal(up.length, 2, `list → search box: ${up.map(describe).join(' → ')}`);
    // From the search box to the list: a few Tabs (the issue counted 17), onto an item.
    const down = await pressUntil(page, history, 'Tab', (f) => f.inList, 6);
    step(`Tab from the search box to the list: ${down.map(describe).join(' → ')}`);
    assert.ok(down.length <= 3, `${down.length} Tabs from the search box to the list`);
    assert.equal(down.at(-1).role, 'option');
    await shot(page, `keyboard-${tag}-1-drawer`, step);

    // With the filters open, every filter is one stop; a date field is not a stop per part (day, month, year).
    await pressUntil(page, history, 'Shift+Tab', (f) => f.cls.includes('filters-toggle'), 2);
    await page.keyboard.press('Enter');
    await history.locator('.filter-panel:not([hidden])').waitFor();
    const filters = await pressUntil(page, history, 'Tab', (f) => f.inList, 20);
    step(`Tab through the open filters: ${filters.map(describe).join(' → ')}`);
    const dateStops = filters.map((s) => /filter-(from|to)/.exec(s.cls)?.[0]).filter(Boolean);
    assert.deepEqual(dateStops, ['filter-from', 'filter-to'], 'one stop per date field');
    const distinct = new Set(filters.map((s) => `${describe(s)} ${s.text}`));
    assert.equal(distinct.size, filters.length, `no control takes two stops: ${filters.map(describe).join(' → ')}`);
    await shot(page, `keyboard-${tag}-2-filters`, step);
    // Closed again (Enter on the toggle), and down the list to another session: Enter opens it, the drawer closes
    // and the keyboard follows to its messages.
    await pressUntil(page, history, 'Shift+Tab', (f) => f.cls.includes('filters-toggle'), 20);
    await page.keyboard.press('Enter');
    await history.locator('.filter-panel').waitFor({ state: 'hidden' });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Home');
    const trip = (f) => f.inList && f.role === 'option' && f.text.includes('Trip planning with tools');
    if (!trip(await focused())) await pressUntil(page, history, 'ArrowDown', trip, 8);
    await page.keyboard.press('Enter');
    await history.locator('.sidebar').waitFor({ state: 'hidden' });
    await history.locator('.session-title', { hasText: 'Trip planning with tools' }).waitFor();
    await waitUntil(async () => (await focused()).inFeed, 'the keyboard in the chosen session’s messages');
    step('the drawer opened, a session chosen and opened with the keyboard only');

    // 2. The messages: the feed's arrows, Home and End (8 messages, the first a question, the last "Done.").
    const message = async () => {
      const now = await focused();
      assert.ok(now.inFeed && now.tag === 'article', `the keyboard on a message: ${describe(now)}`);
      return now;
    };
    const at = async (seq, text) => {
      await waitUntil(async () => (await focused()).seq === seq, `message #${seq} focused`, 5000);
      assert.match((await message()).text, text);
    };
    await page.keyboard.press('Home');
    await at('1', /weather in Paris in June/);
    await page.keyboard.press('ArrowDown');
    await at('2', /Needs weather data|Let me check the forecast/);
    await page.keyboard.press('End');
    await at('8', /Done\. Enjoy Paris!/);
    await shot(page, `keyboard-${tag}-3-end`, step);
    await page.keyboard.press('ArrowUp');
    await at('7', /cannot read personal documents/);
    await page.keyboard.press('Home');
    await at('1', /weather in Paris in June/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await at('3', /get_weather result/);
    step('ArrowDown/ArrowUp/Home/End move through the messages');

    // 3. Find in session: Ctrl+F from message #3, Escape gives the keyboard back to #3.
    await page.keyboard.press('Control+f');
    await waitUntil(async () => (await focused()).cls.includes('find-input'), 'the find box focused', 5000);
    await page.keyboard.type('Paris');
    await history.locator('.find-count', { hasText: /of/ }).waitFor();
    await shot(page, `keyboard-${tag}-4-find`, step);
    await page.keyboard.press('Escape');
    await history.locator('.find-bar').waitFor({ state: 'hidden' });
    f = await focused();
    assert.ok(!f.body, 'Escape did not drop the keyboard on the page body');
    assert.equal(f.seq, '3', `back on the message find was opened from: ${describe(f)}`);
    // Opened from the header's button (Shift+Tab from the feed to it, Enter): back on the button.
    await pressUntil(page, history, 'Shift+Tab', (f) => f.cls.includes('open-find'), 8);
    await page.keyboard.press('Enter');
    await waitUntil(async () => (await focused()).cls.includes('find-input'), 'the find box focused', 5000);
    await page.keyboard.press('Escape');
    f = await focused();
    assert.ok(!f.body && f.cls.includes('open-find'), `back on the find button: ${describe(f)}`);
    step('Escape from find in session gives the keyboard back');

    // 4. Replay: Space on the focused Next presses Next (not Play); on the timeline it does not play; on Stop it stops.
    const playing = () => history.locator('.replay-play').getAttribute('aria-pressed');
    const stepLabel = () => history.locator('.replay-step').innerText();
    await pressUntil(page, history, 'Tab', (f) => f.cls.includes('open-replay'), 6);
    await page.keyboard.press('Enter');
    await history.locator('.replay-bar:not([hidden])').waitFor();
    assert.match(await stepLabel(), /^\d+ \/ 8$/);
    f = await focused();
    assert.ok(f.cls.includes('replay-play'), `opening the replay put the keyboard on Play: ${describe(f)}`);
    const toNext = await pressUntil(page, history, 'Tab', (f) => f.cls.includes('replay-next'), 12);
    step(`Tab from the Replay button to Next: ${toNext.map(describe).join(' → ')}`);
    const start = Number((await stepLabel()).split(' / ')[0]);
    await page.keyboard.press('Space');
    await waitUntil(async () => (await stepLabel()) === `${start + 1} / 8`, 'Space pressed Next', 5000);
    assert.equal(await playing(), 'false', 'Space on Next did not start playing');
    await page.keyboard.press('Space');
    await waitUntil(async () => (await stepLabel()) === `${start + 2} / 8`, 'Space pressed Next again', 5000);
    assert.equal(await playing(), 'false');
    await pressUntil(page, history, 'Tab', (f) => f.role === 'slider', 3);
    await page.keyboard.press('Space');
    await page.waitForTimeout(300); // Play would show at once (aria-pressed); the wait lets a moved step show too
    assert.equal(await playing(), 'false', 'Space on the timeline did not start playing');
    assert.equal(await stepLabel(), `${start + 2} / 8`);
    await pressUntil(page, history, 'Tab', (f) => f.cls.includes('replay-close'), 3);
    await shot(page, `keyboard-${tag}-5-replay`, step);
    await page.keyboard.press('Space');
    await history.locator('.replay-bar').waitFor({ state: 'hidden' });
    assert.equal(await playing(), 'false', 'Space on Stop stopped the replay, did not play it');
    f = await focused();
    assert.ok(f.cls.includes('open-replay'), `the keyboard went back to the Replay button: ${describe(f)}`);
    step('Space during a replay pressed the focused control');

    // 5. The state view of the imported session (40 imported fields: taller than the view): End and Home.
    await imported.click({ button: 'right' });
    await chooseMenuItem(page, 'Dump Session State');
    const state = page.frameLocator(`${SEL.webviewOuter} >> nth=-1`).frameLocator(SEL.webviewInner);
    const node = (p) => state.locator(`[data-path='${JSON.stringify(p)}'] > .line`);
    // Opened by clicks; the last click leaves the keyboard on the tree's "fields" item.
    for (const p of [['sessions'], ['sessions', 0], ['sessions', 0, 'session'], ['sessions', 0, 'session', 'origin']])
      await node(p).click();
    await node(['sessions', 0, 'session', 'origin', 'fields']).click();
    await state
      .locator(`[data-path='${JSON.stringify(['sessions', 0, 'session', 'origin', 'fields', 'field_39'])}']`)
      .waitFor();
    const scroll = () =>
      state.locator('.tree-wrap').evaluate((el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));
    assert.ok((await scroll()).max > 200, `the tree is taller than the view (${JSON.stringify(await scroll())})`);
    const ends = await state.locator('[role=tree]').evaluate((tree) => {
      const shown = [...tree.querySelectorAll('[role=treeitem]')].filter((r) => r.offsetParent !== null);
      return { first: shown[0].dataset.path, last: shown.at(-1).dataset.path };
    });
    const stateFocused = () => state.locator('body').evaluate(focusedElement);
    f = await stateFocused();
    assert.equal(f.path, JSON.stringify(['sessions', 0, 'session', 'origin', 'fields']), 'the keyboard in the tree');
    await page.keyboard.press('End');
    f = await stateFocused();
    assert.equal(f.path, ends.last, 'End: the last item');
    let s = await scroll();
    assert.ok(s.top >= s.max - 2, `End scrolled to the end (${s.top} of ${s.max})`);
    await shot(page, `keyboard-${tag}-6-state-end`, step);
    await page.keyboard.press('Home');
    f = await stateFocused();
    assert.equal(f.path, ends.first, 'Home: the first item');
    s = await scroll();
    assert.equal(s.top, 0, 'Home scrolled to the top');
    step(`state view: End → ${ends.last}, Home → ${ends.first}`);
  });
}

async function main() {
  // The database, seeded before VS Code starts: the demo sessions, a few more to list, and an imported one.
  const { seedLongIdentifiers, seedOthers, seedShowcase } = await tsImport('../helpers/sample.ts', import.meta.url);
  const workspace = await seededWorkspace('keyboard', async (m) => {
    await seedShowcase(m);
    await seedOthers(m);
    await seedLongIdentifiers(m);
  });
  const ok = await forEachTheme(opt.theme, { vsix: opt.vsix }, (browser, server, theme) =>
    scenario(browser, server, workspace, theme),
  );
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all keyboard UI checks passed' : 'KEYBOARD UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
