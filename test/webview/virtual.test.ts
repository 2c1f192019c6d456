// A 10,000-message session: only what is visible is in the DOM while scrolling to the end, and the view
// comes back where it was after a reload.
import { strict as assert } from 'node:assert';
import type { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import { generateWorkload } from '../bench/core';
import { tempDb } from '../helpers/temp';
import { openView, withChromium } from '../helpers/webview';

describe('history browser with 10,000 messages (Chromium)', function () {
  this.timeout(120_000);
  const env = withChromium();
  let m: SessionManager;
  let sessionId: string;

  before(async () => {
    m = await generateWorkload(tempDb(), 1, 10_000);
    sessionId = m.list({ limit: 1 }).items[0]!.id;
  });
  after(async () => {
    await m?.close();
  });

  const counts = () => ({
    rows: document.querySelectorAll('article.message').length,
    nodes: document.getElementsByTagName('*').length,
  });

  it('keeps the DOM bounded while scrolling to the end, and paints the last message', async () => {
    let host: HistoryHost | undefined;
    const view = await openView(env.browser, env.server, 'history', (post) => (host = new HistoryHost(m, post)));
    const { page } = view;
    host!.reveal({ sessionId });
    await page.waitForSelector('article.message[data-seq="1"]:not(.loading)');
    assert.equal(await page.getAttribute('article.message', 'aria-setsize'), '10000');
    let most = await page.evaluate(counts);
    // Scroll down in big steps, then jump to the end repeatedly until the last message is painted.
    for (let i = 0; i < 40; i++) {
      await page.$eval(
        '.feed',
        (el, f) => {
          el.scrollTop = el.scrollHeight * f;
        },
        i / 40,
      );
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const c = await page.evaluate(counts);
      most = { rows: Math.max(most.rows, c.rows), nodes: Math.max(most.nodes, c.nodes) };
    }
    for (let i = 0; i < 20 && !(await page.$('article.message[data-seq="10000"]:not(.loading)')); i++) {
      await page.$eval('.feed', (el) => {
        el.scrollTop = el.scrollHeight;
      });
      await page.waitForTimeout(50);
      const c = await page.evaluate(counts);
      most = { rows: Math.max(most.rows, c.rows), nodes: Math.max(most.nodes, c.nodes) };
    }
    await page.waitForSelector('article.message[data-seq="10000"]:not(.loading)');
    assert.ok(most.rows <= 60, `at most 60 message rows in the DOM at once (saw ${most.rows})`);
    assert.ok(most.nodes <= 3000, `at most 3,000 elements in the page at once (saw ${most.nodes})`);
    // the last row sits at the bottom of the scrolled content
    const gap = await page.$eval('.feed', (el) => {
      const last = el.querySelector('article.message[data-seq="10000"]')!.getBoundingClientRect();
      return el.getBoundingClientRect().bottom - last.bottom;
    });
    assert.ok(Math.abs(gap) < 2, `last message at the bottom (gap ${gap}px)`);
    assert.deepEqual(view.errors, []);
    host!.dispose();
    await page.context().close();
  });

  it('comes back to the same session and scroll position after a reload', async () => {
    let host: HistoryHost | undefined;
    const view = await openView(env.browser, env.server, 'history', (post) => (host = new HistoryHost(m, post)));
    const { page } = view;
    const target = m.messages(sessionId, { afterSeq: 6999, limit: 1 })[0]!;
    host!.reveal({ sessionId, messageId: target.id });
    await page.waitForSelector('article.message.flash[data-seq="7000"]');
    await page.$eval('.feed', (el) => {
      el.scrollTop += 37;
    });
    await page.waitForTimeout(200);
    const top = () =>
      page.$eval('.feed', (feed) => {
        const box = feed.getBoundingClientRect();
        const rows = [...feed.querySelectorAll<HTMLElement>('article.message')].map((r) => ({
          seq: Number(r.dataset['seq']),
          top: r.getBoundingClientRect().top - box.top,
        }));
        const first = rows.filter((r) => r.top <= 0).sort((a, b) => b.top - a.top)[0]!;
        return { seq: first.seq, offset: Math.round(first.top) };
      });
    const before = await top();
    assert.ok(before.seq > 6900 && before.seq <= 7000, `near #7000 (${before.seq})`);
    await view.reload();
    await page.waitForSelector(`article.message[data-seq="${before.seq}"]:not(.loading)`);
    await page.waitForTimeout(200);
    assert.deepEqual(await top(), before);
    assert.deepEqual(view.errors, []);
    host!.dispose();
    await page.context().close();
  });
});
