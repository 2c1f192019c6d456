// The history browser at the editor width VS Code's default layout leaves it (1400 px window, Sessions view on the
// left, Chat on the right: ~700 px): nothing overflows, controls keep their size, long identifiers are cut with
// their whole text in a tooltip, and the session list folds into a drawer behind a toggle.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { Session } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import type { HistoryHost } from '../../src/extension/webview/historyHost';
import { LONG, seedLongIdentifiers, seedOthers, seedShowcase } from '../helpers/sample';
import { tempDb } from '../helpers/temp';
import { OpenedView, closeHistoryView, openHistoryView, until, withChromium } from '../helpers/webview';

describe('history browser layout at the default editor width (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  let m: SessionManager;
  let imported: Session;
  let view: OpenedView;
  let page: Page;
  let host: HistoryHost;

  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    await seedShowcase(m);
    await seedOthers(m);
    imported = await seedLongIdentifiers(m);
    ({ view, page, host } = await openHistoryView(
      env,
      m,
      {
        // The composer shows; nothing is sent here.
        conversations: {
          provider: () => Promise.reject(new Error('not in this test')),
          choices: () => [{ name: 'openai', models: [LONG.model] }],
          continueHow: () => Promise.reject(new Error('not in this test')),
        },
      },
      { width: 700, height: 900, listState: 'attached' },
    ));
  });
  afterEach(async () => {
    await closeHistoryView({ view, page, host });
    await m.close();
  });

  /** Elements reaching past the window's right edge (outside the deliberate horizontal scrollers: code, tables). */
  const overflowing = () =>
    page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const out: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>('#app *')) {
        if (el.closest('pre, .table-wrap')) continue;
        const r = el.getBoundingClientRect();
        if (r.width && r.height && (r.right > width + 0.5 || r.left < -0.5))
          out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
      const app = document.querySelector<HTMLElement>('.history')!;
      if (app.scrollWidth > app.clientWidth) out.push(`.history scrolls: ${app.scrollWidth} > ${app.clientWidth}`);
      return out;
    });
  const box = (selector: string) =>
    page.$eval(selector, (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width, height: r.height };
    });
  /** Cut to one line with an ellipsis, and the tooltip holds the whole text. */
  const ellipsized = (selector: string) =>
    page.$eval(selector, (el) => {
      const css = getComputedStyle(el);
      return {
        cut: el.scrollWidth > el.clientWidth,
        ellipsis: css.textOverflow === 'ellipsis' && css.whiteSpace === 'nowrap',
        title: el.getAttribute('title') ?? (el as HTMLInputElement).value,
        text: (el as HTMLInputElement).value || el.textContent,
      };
    });
  const openImported = async () => {
    host.reveal({ sessionId: imported.id });
    await page.waitForSelector('.tool-call .tool-name');
  };

  it('folds the session list into a drawer below the breakpoint, and the toggle opens and closes it', async () => {
    assert.equal(await page.isVisible('.sidebar'), false, 'the list is folded away at 700 px');
    assert.equal(await page.isVisible('.list-toggle'), true);
    assert.equal(await page.getAttribute('.list-toggle', 'aria-expanded'), 'false');
    // The conversation has the whole width.
    assert.ok((await box('.conversation')).width >= 690);
    // Keyboard: the toggle is the first Tab stop; Enter opens the drawer with the keyboard in the list.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('list-toggle')), true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.sidebar', { state: 'visible' });
    assert.equal(await page.getAttribute('.list-toggle', 'aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'option');
    const drawer = await box('.sidebar');
    assert.ok(drawer.width >= 220 && drawer.right <= 700, `drawer ${JSON.stringify(drawer)}`);
    // Escape closes it and gives the keyboard back to the toggle.
    await page.keyboard.press('Escape');
    await page.waitForSelector('.sidebar', { state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('list-toggle')), true);
    // What was typed in the list's search stays while folded (it is only hidden).
    await page.click('.list-toggle');
    await page.fill('.search-input', 'kubernetes');
    await page.waitForSelector('.hit-item');
    // Choosing a session closes the drawer and opens it.
    await page.click('.hit-item');
    await page.waitForSelector('.sidebar', { state: 'hidden' });
    await page.waitForSelector('.session-title >> text=Kubernetes latency debugging');
    await page.click('.list-toggle');
    assert.equal(await page.inputValue('.search-input'), 'kubernetes');
    // The toggle stays in sight beside the drawer, and closes it.
    await page.click('.list-toggle');
    await page.waitForSelector('.sidebar', { state: 'hidden' });
    // Wider than the breakpoint: the list is beside the conversation again, and the toggle is gone.
    await page.setViewportSize({ width: 1100, height: 900 });
    await until(async () => !(await page.isVisible('.list-toggle')), 'the toggle hidden when wide');
    assert.equal(await page.isVisible('.sidebar'), true);
    const side = await box('.sidebar');
    const conv = await box('.conversation');
    assert.ok(conv.left >= side.right - 1, 'side by side, not over the conversation');
    assert.deepEqual(await overflowing(), []);
  });

  it('keeps the imported session inside 700 px: nothing overflows, controls keep their size, identifiers are cut with a tooltip', async () => {
    await openImported();
    // The "Imported from" details, open: the header scrolls, the conversation keeps most of the height.
    await page.click('.session-header details summary');
    await page.waitForSelector('.session-header details[open] pre');
    const feed = await box('.feed');
    assert.ok(feed.height >= 400, `the conversation keeps its height (${feed.height} px)`);
    assert.deepEqual(await overflowing(), []);

    // Tool name and call id: one line, cut (the id gives way first), whole in the tooltip.
    for (const sel of ['.tool-call .tool-name', '.tool-call .tool-id', '.tool-result .tool-id']) {
      const e = await ellipsized(sel);
      assert.ok(e.ellipsis, `${sel} ends in an ellipsis`);
      assert.ok(e.cut || sel.endsWith('.tool-name'), `${sel} is cut at this width`);
      assert.equal(e.title, e.text, `${sel}: the tooltip has the whole text`);
    }
    assert.equal(await page.getAttribute('.tool-call .tool-name', 'title'), LONG.tool);
    assert.equal(await page.getAttribute('.tool-call .tool-id', 'title'), LONG.callId);
    assert.ok((await box('.tool-call .tool-header')).height < 30, 'the tool header is one line');
    assert.ok((await box('.tool-call .tool-jump')).width >= 20, 'the jump button keeps its size');
    // Details (model, response id): one line each, whole in the tooltip.
    const detail = await page.$$eval('.message-details .detail', (els) =>
      els.map((el) => ({ title: el.getAttribute('title'), nowrap: getComputedStyle(el).whiteSpace === 'nowrap' })),
    );
    assert.ok(detail.some((d) => d.title === `model openai/${LONG.model}`));
    assert.ok(detail.every((d) => d.nowrap));

    // The composer's model box: wide enough to read, cut with an ellipsis, the whole name in its tooltip.
    const model = await box('.composer-model');
    assert.ok(model.width >= 150, `model box ${model.width} px`);
    const m1 = await ellipsized('.composer-model');
    assert.ok(m1.ellipsis || m1.title.includes(LONG.model));
    assert.match((await page.getAttribute('.composer-model', 'title')) ?? '', new RegExp(LONG.model));

    // Replay: every control whole and inside the window, the speed box readable.
    await page.click('.open-replay');
    await page.waitForSelector('.replay-bar:not([hidden])');
    const speed = await box('.replay-speed');
    assert.ok(speed.width >= 48, `speed box ${speed.width} px`);
    const bar = await box('.replay-bar');
    for (const sel of ['.replay-prev', '.replay-play', '.replay-next', '.replay-close']) {
      const b = await box(sel);
      assert.ok(
        b.width >= 20 && b.left >= bar.left && b.right <= Math.min(bar.right, 700),
        `${sel} whole: ${JSON.stringify(b)}`,
      );
    }
    assert.ok((await box('.timeline')).width >= 120);
    assert.deepEqual(await overflowing(), []);
  });

  it('keeps its controls whole with the list beside a narrow conversation, just above the breakpoint', async () => {
    await page.setViewportSize({ width: 820, height: 900 });
    await until(async () => page.isVisible('.sidebar'), 'the list beside the conversation');
    await openImported();
    // A 520 px conversation: the tool name too is cut now, never broken mid-word.
    const name = await ellipsized('.tool-call .tool-name');
    assert.ok(name.cut && name.ellipsis && name.title === LONG.tool, JSON.stringify(name));
    assert.ok((await box('.tool-call .tool-header')).height < 30, 'the tool header is one line');
    await page.click('.open-replay');
    await page.waitForSelector('.replay-bar:not([hidden])');
    for (const sel of ['.replay-speed', '.replay-close', '.composer-action', '.filters-toggle']) {
      const b = await box(sel);
      assert.ok(b.width >= 20 && b.right <= 820, `${sel} whole: ${JSON.stringify(b)}`);
    }
    assert.ok((await box('.replay-speed')).width >= 48);
    assert.deepEqual(await overflowing(), []);
  });
});
