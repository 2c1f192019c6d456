// The keyboard in both webviews, as VS Code's lists and trees have it: few Tab stops to a list, one Tab stop per
// list (roving tabindex), arrows/Home/End/PageUp/PageDown inside it, Space for the focused control, Escape back to
// where the keyboard was.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { dumpState } from '../../src/core/dump';
import { SessionManager } from '../../src/core/sessions';
import type { HistoryHost } from '../../src/extension/webview/historyHost';
import { seedOthers, seedShowcase, SampleIds } from '../helpers/sample';
import { tempDb } from '../helpers/temp';
import { OpenedView, closeHistoryView, openHistoryView, openStateView, until, withChromium } from '../helpers/webview';

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase(),
      cls: el?.className ?? '',
      role: el?.getAttribute('role') ?? '',
      seq: el?.dataset['seq'],
      path: el?.dataset['path'],
      posinset: el?.getAttribute('aria-posinset'),
      setsize: el?.getAttribute('aria-setsize'),
      label: el?.getAttribute('aria-label'),
      tabIndex: el?.tabIndex,
    };
  });

describe('keyboard (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();

  describe('history browser', () => {
    let m: SessionManager;
    let sample: SampleIds;
    let longId: string;
    let view: OpenedView;
    let page: Page;
    let host: HistoryHost;

    before(async () => {
      m = await SessionManager.open(tempDb());
      sample = await seedShowcase(m);
      await seedOthers(m);
      // Far more messages than the feed renders at once.
      const long = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Three hundred messages' });
      await m.addMessages(
        long.id,
        Array.from({ length: 300 }, (_, i) => ({
          role: i % 2 ? ('assistant' as const) : ('user' as const),
          content: `Message number ${i + 1}.\n\n${'Some words to give the row a height. '.repeat(1 + (i % 4))}`,
        })),
      );
      longId = long.id;
    });
    after(async () => {
      await m?.close();
    });
    beforeEach(async () => {
      ({ view, page, host } = await openHistoryView(env, m));
    });
    afterEach(async () => {
      await closeHistoryView({ view, page, host });
    });

    const openLong = async () => {
      host.reveal({ sessionId: longId });
      await page.waitForSelector('article.message[data-seq="1"]:not(.loading)');
    };

    it('reaches the session list from the search box in a few Tabs, onto one of its items', async () => {
      await page.focus('.search-input');
      let tabs = 0;
      while (tabs < 30) {
        await page.keyboard.press('Tab');
        tabs++;
        if (await page.evaluate(() => document.activeElement?.closest('.session-list') != null)) break;
      }
      assert.ok(tabs <= 2, `${tabs} Tabs from the search box to the list`);
      const f = await focused(page);
      assert.equal(f.role, 'option', 'the keyboard lands on an item, not the list box');
      // The list is one Tab stop: the next Tab leaves it.
      assert.equal(await page.locator('.session-list [role=option][tabindex="0"]').count(), 1);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      const second = await page.evaluate(() => (document.activeElement as HTMLElement).dataset['session']);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('.session-list')), null);
      // Shift+Tab comes back to the item it left.
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset['session']), second);
      // The filters are one Tab stop until opened.
      await page.focus('.search-input');
      await page.keyboard.press('Tab');
      assert.match((await focused(page)).cls, /filters-toggle/);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      assert.match((await focused(page)).cls, /filter-status/);
      // Opened, each filter is one stop, a date field too (an <input type=date> took four: month, day, year, picker).
      const stops: string[] = [];
      while (stops.length < 30 && !(await page.evaluate(() => document.activeElement?.closest('.session-list')))) {
        stops.push((await focused(page)).cls);
        await page.keyboard.press('Tab');
      }
      assert.deepEqual(
        stops.filter((cls) => /filter-(from|to)/.test(cls)),
        ['date-input filter-from', 'date-input filter-to'],
      );
    });

    it('moves through the messages with the arrows, Home, End and the page keys, past the rendered rows', async () => {
      await openLong();
      // Tab from the header's last action (the chart's toggle; the chart is closed) enters the feed at the row on
      // screen: the feed is one Tab stop.
      await page.focus('.chart-toggle');
      await page.keyboard.press('Tab');
      let f = await focused(page);
      assert.equal(f.tag, 'article');
      assert.equal(f.seq, '1');
      assert.equal(f.tabIndex, 0);
      assert.equal(await page.locator('article.message[tabindex="0"]').count(), 1);
      // Announced as one of a set.
      assert.deepEqual([f.posinset, f.setsize, f.label], ['1', '300', 'user message 1']);
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
      assert.equal((await focused(page)).seq, '4');
      await page.keyboard.press('ArrowUp');
      assert.equal((await focused(page)).seq, '3');
      // End: the last message, far past the rendered rows; it is focused once it is there.
      await page.keyboard.press('End');
      await until(async () => (await focused(page)).seq === '300', 'the last message focused');
      f = await focused(page);
      assert.deepEqual([f.posinset, f.setsize], ['300', '300']);
      assert.ok(
        await page.$eval('article.message[data-seq="300"]', (el) => {
          const r = el.getBoundingClientRect();
          const feed = el.closest('.feed')!.getBoundingClientRect();
          return r.top >= feed.top - 1 && r.bottom <= feed.bottom + 1;
        }),
        'the focused message is in view',
      );
      await page.keyboard.press('PageUp');
      await until(async () => Number((await focused(page)).seq) < 299, 'a page up');
      const afterPage = Number((await focused(page)).seq);
      assert.ok(afterPage > 250, `about a page up (#${afterPage})`);
      await page.keyboard.press('Home');
      await until(async () => (await focused(page)).seq === '1', 'the first message focused');
      await page.keyboard.press('PageDown');
      await until(async () => Number((await focused(page)).seq) > 2, 'a page down');
      const down = (await focused(page)).seq;
      // Scrolling away with the wheel keeps the focused row rendered and focused (not the page body).
      await page.$eval('.feed', (el) => {
        el.scrollTop = el.scrollHeight / 2;
      });
      await page.waitForTimeout(200);
      f = await focused(page);
      assert.equal(f.seq, down, 'the focus stays on its row while the view is elsewhere');
      await page.keyboard.press('ArrowDown');
      await until(async () => (await focused(page)).seq === String(Number(down) + 1), 'moves on from there');
    });

    it("Tab goes through the current message's controls only, then leaves the feed", async () => {
      await page.click(`.session-item[data-session="${sample.session.id}"]`);
      await page.waitForSelector('article.message[data-seq="2"]:not(.loading)');
      await page.focus('article.message[data-seq="1"]');
      await page.keyboard.press('ArrowDown');
      assert.equal((await focused(page)).seq, '2');
      // Row #2 holds a reasoning summary, a tool call with its jump button, arguments and a copy button.
      const seen: Array<string | undefined> = [];
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press('Tab');
        const where = await page.evaluate(() => {
          const el = document.activeElement;
          return el?.closest('.feed') ? (el.closest<HTMLElement>('article.message')?.dataset['seq'] ?? 'feed') : null;
        });
        if (where === null) break;
        seen.push(where);
      }
      assert.ok(seen.length >= 3, `the row's controls are reachable (${seen.length})`);
      assert.deepEqual([...new Set(seen)], ['2'], 'no stop in another message');
    });

    it('Space presses the focused control during a replay, not Play', async () => {
      await page.click(`.session-item[data-session="${sample.session.id}"]`);
      await page.waitForSelector('article.message[data-seq="1"]');
      await page.focus('.open-replay');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.replay-bar:not([hidden])');
      const focused = () => page.evaluate(() => document.activeElement?.className ?? '');
      assert.match(await focused(), /replay-play/, 'opening the replay puts the keyboard on Play');
      await page.keyboard.press('Tab');
      assert.match(await focused(), /replay-next/);
      await page.keyboard.press('Space');
      assert.equal(await page.textContent('.replay-step'), '2 / 8');
      assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'false');
      // A summary (the tool call's arguments): Space folds it, and does not start playing.
      const args = 'article.message[data-seq="2"] .tool-args';
      await page.waitForSelector(`${args}[open]`);
      await page.focus(`${args} > summary`);
      await page.keyboard.press('Space');
      await until(async () => (await page.getAttribute(args, 'open')) === null, 'the arguments folded');
      assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'false', 'not playing');
      // The timeline slider: Space does not play either.
      await page.focus('.timeline');
      await page.keyboard.press('Space');
      assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'false');
      // On a message row (no control), Space is Play/Pause.
      await page.focus('article.message[data-seq="1"]');
      await page.keyboard.press('Space');
      assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'true');
      await page.keyboard.press('Space');
      assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'false');
      // Stop: the bar goes, and the keyboard goes back to the Replay button rather than to the page.
      await page.focus('.replay-close');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.replay-bar[hidden]', { state: 'attached' });
      assert.match(await focused(), /open-replay/, 'back on the Replay button');
    });

    it('Escape from find in session gives the keyboard back to where it was', async () => {
      await openLong();
      await page.focus('article.message[data-seq="1"]');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Control+f');
      assert.match((await focused(page)).cls, /find-input/);
      await page.keyboard.type('number');
      await until(async () => /of/.test((await page.textContent('.find-count')) ?? ''), 'find results');
      await page.keyboard.press('Escape');
      assert.equal(await page.isHidden('.find-bar'), true);
      assert.equal((await focused(page)).seq, '3', 'back on the message it came from');
      // Opened from the header's button: back to the button.
      await page.click('.open-find');
      assert.match((await focused(page)).cls, /find-input/);
      await page.keyboard.press('Escape');
      assert.match((await focused(page)).cls, /open-find/);
    });
  });

  describe('state view', () => {
    let m: SessionManager;
    let sessionId: string;
    let view: OpenedView;
    let page: Page;

    before(async () => {
      m = await SessionManager.open(tempDb());
      sessionId = (await seedShowcase(m)).session.id;
      await m.updateMetadata(sessionId, { readings: Array.from({ length: 300 }, (_, i) => i) });
    });
    after(async () => {
      await m?.close();
    });
    let lastKey: string;
    beforeEach(async () => {
      const dump = await dumpState(m, { sessionId });
      // The last item shown with the session open: the session entry's last key (whichever the dump format ends on).
      lastKey = Object.keys(dump.sessions[0]!).at(-1)!;
      ({ view, page } = await openStateView(env, dump, 'State: keyboard', { save: () => undefined }));
    });
    afterEach(async () => {
      assert.deepEqual(view.errors, []);
      await page.context().close();
    });

    const node = (path: Array<string | number>) => `[data-path='${JSON.stringify(path)}']`;
    const scrollTop = () =>
      page.$eval('.tree-wrap', (el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));

    it('End and Home move to the last and first item and scroll there; Ctrl+F reaches the search', async () => {
      for (const p of [
        ['sessions'],
        ['sessions', 0],
        ['sessions', 0, 'session'],
        ['sessions', 0, 'session', 'metadata'],
      ])
        await page.click(`${node(p)} > .line`);
      await page.click(`${node(['sessions', 0, 'session', 'metadata', 'readings'])} > .line`);
      await page.waitForSelector(`${node(['sessions', 0, 'session', 'metadata', 'readings', 199])}`);
      assert.ok((await scrollTop()).max > 1000, 'the tree is taller than the view');
      // In the tree: End focuses the last visible item, scrolled into view; Home the first.
      await page.focus(node(['formatVersion']));
      await page.keyboard.press('End');
      const last = (await focused(page)).path;
      assert.equal(last, JSON.stringify(['sessions', 0, lastKey]));
      let s = await scrollTop();
      assert.ok(s.top >= s.max - 2, `scrolled to the end (${s.top} of ${s.max})`);
      await page.keyboard.press('Home');
      assert.equal((await focused(page)).path, JSON.stringify(['formatVersion']));
      assert.equal((await scrollTop()).top, 0);
      // The tree is one Tab stop, and it is the item last focused.
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.locator('[role=treeitem][tabindex="0"]').count(), 1);
      assert.equal(await page.getAttribute(node(['kind']), 'tabindex'), '0');
      // With the keyboard outside the tree (the page), End and Home scroll it.
      await page.evaluate(() => (document.activeElement as HTMLElement).blur());
      await page.keyboard.press('End');
      s = await scrollTop();
      assert.ok(s.top >= s.max - 2, `End scrolls to the end (${s.top} of ${s.max})`);
      await page.keyboard.press('Home');
      assert.equal((await scrollTop()).top, 0);
      // Ctrl+F: the search box, its text selected.
      await page.fill('input[type=search]', 'readings');
      await page.focus(node(['kind']));
      await page.keyboard.press('Control+f');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement;
        return { type: el.type, selected: el.selectionEnd! - el.selectionStart! };
      });
      assert.deepEqual(f, { type: 'search', selected: 'readings'.length });
    });
  });
});
