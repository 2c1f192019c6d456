// The state view, built, in Chromium, answered by StateHost holding a real dump (redacted by default).
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { documentSource, dumpState } from '../../src/core/dump';
import { SessionManager } from '../../src/core/sessions';
import type { StateHost } from '../../src/extension/webview/stateHost';
import { KEYS } from '../helpers/keys';
import { seedShowcase } from '../helpers/sample';
import { tempDb } from '../helpers/temp';
import { OpenedView, openStateView, until, withChromium } from '../helpers/webview';

describe('state view (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  let m: SessionManager;
  let sessionId: string;
  let view: OpenedView;
  let page: Page;
  let host: StateHost;
  let dump: Awaited<ReturnType<typeof dumpState>>;
  const saved: string[] = [];

  before(async () => {
    m = await SessionManager.open(tempDb());
    sessionId = (await seedShowcase(m)).session.id;
    await m.addMessage(sessionId, {
      role: 'user',
      content: `my key is ${KEYS.openai}, header Authorization: Bearer abc.def`,
    });
    // A wide array, to page through.
    await m.updateMetadata(sessionId, { readings: Array.from({ length: 450 }, (_, i) => i) });
  });
  after(async () => {
    await m?.close();
  });
  beforeEach(async () => {
    dump = await dumpState(m, { sessionId });
    ({ view, page, host } = await openStateView(env, dump, 'State: showcase', {
      save: (_doc, title) => saved.push(title),
    }));
  });
  afterEach(async () => {
    assert.deepEqual(view.errors, []);
    await page.context().close();
  });

  const node = (path: Array<string | number>) => `[data-path='${JSON.stringify(path)}']`;

  it('shows the dump as a lazily expanded tree', async () => {
    assert.equal(await page.textContent('.dump-title'), 'State: showcase');
    assert.match((await page.textContent('.dump-info')) ?? '', /format 1 · [\d.]+ KB\s+redacted/);
    const roots = await page.$$eval('.tree > [role=treeitem] > .line .key', (els) => els.map((e) => e.textContent));
    // The dump's own keys in its order (test/unit/dump.test.ts holds what they are).
    assert.deepEqual(roots, Object.keys(dump));
    assert.equal(await page.locator('[role=treeitem]').count(), roots.length, 'only the first level until asked');
    await page.click(`${node(['sessions'])} > .line`);
    await page.click(`${node(['sessions', 0])} > .line`);
    // Empty arrays and objects are leaves: nothing to expand, no chevron.
    const empties = await page.$$eval(`${node(['sessions', 0])} > [role=group] > [role=treeitem]`, (rows) =>
      rows
        .filter((r) => ['[]', '{}'].includes(r.querySelector(':scope > .line .value')?.textContent ?? ''))
        .map((r) => ({ expandable: r.hasAttribute('aria-expanded'), chevron: !!r.querySelector('.twistie') })),
    );
    assert.ok(empties.length > 0, 'the showcase session has an empty array or object');
    assert.deepEqual(
      empties.filter((e) => e.expandable || e.chevron),
      [],
    );
    await page.click(`${node(['sessions', 0, 'messages'])} > .line`);
    assert.equal(await page.getAttribute(node(['sessions', 0, 'messages']), 'aria-expanded'), 'true');
    assert.equal(
      await page.locator(`${node(['sessions', 0, 'messages'])} > [role=group] > [role=treeitem]`).count(),
      9,
    );
    // a big array comes a page at a time
    for (const p of [
      ['sessions', 0, 'session'],
      ['sessions', 0, 'session', 'metadata'],
      ['sessions', 0, 'session', 'metadata', 'readings'],
    ])
      await page.click(`${node(p)} > .line`);
    const readings = `${node(['sessions', 0, 'session', 'metadata', 'readings'])} > [role=group]`;
    assert.equal(await page.locator(`${readings} > [role=treeitem]`).count(), 200);
    await page.click(`${readings} > .more`);
    await until(async () => (await page.locator(`${readings} > [role=treeitem]`).count()) === 400, 'second page');
    assert.match((await page.textContent(`${readings} > .more`)) ?? '', /Show 50 more of 50/);
    // keyboard: left collapses, right expands, arrows move
    await page.focus(node(['sessions', 0, 'messages']));
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getAttribute(node(['sessions', 0, 'messages']), 'aria-expanded'), 'false');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute(node(['sessions', 0, 'messages']), 'aria-expanded'), 'true');
    await page.keyboard.press('ArrowDown');
    assert.equal(
      await page.evaluate(() => (document.activeElement as HTMLElement).dataset['path']),
      JSON.stringify(['sessions', 0, 'messages', 0]),
    );
    // a long string shows cut, and whole on demand
    await page.click(`${node(['sessions', 0, 'messages', 3])} > .line`);
    await page.click(`${node(['sessions', 0, 'messages', 3, 'parts'])} > .line`);
    await page.click(`${node(['sessions', 0, 'messages', 3, 'parts', 0])} > .line`);
    const text = node(['sessions', 0, 'messages', 3, 'parts', 0, 'text']);
    assert.match((await page.textContent(`${text} > .line`)) ?? '', /…"\s*\([\d,]+ chars\)/);
    await page.click(`${text} > .line`);
    await page.waitForSelector(`${text} > .full-value`);
    assert.match((await page.textContent(`${text} > .full-value`)) ?? '', /never loaded\.$/);
    await page.keyboard.press('ArrowLeft');
    await until(async () => (await page.locator(`${text} > .full-value`).count()) === 0, 'value folded');
    await page.click('.primary-button');
    await until(() => saved.includes('State: showcase'), 'save asked of the host');
  });

  it('searches keys and values and opens the tree at each match', async () => {
    await page.fill('input[type=search]', 'redacted:openai');
    await page.waitForSelector('.result');
    assert.match((await page.textContent('.results-heading')) ?? '', /^1 match$/);
    const path = ['sessions', 0, 'messages', 8, 'parts', 0, 'text'];
    assert.equal(await page.textContent('.result-path'), path.join(' › '));
    assert.match(
      (await page.textContent('.result-preview')) ?? '',
      /my key is \[REDACTED:openai-key\], header Authorization: Bearer \[REDACTED:authorization\]/,
    );
    await page.click('.result');
    await page.waitForSelector(`${node(path)}.selected`);
    assert.equal(
      await page.evaluate(() => (document.activeElement as HTMLElement).dataset['path']),
      JSON.stringify(path),
    );
    assert.ok(!(await page.textContent('.tree'))!.includes(KEYS.openai), 'no key in the view');
    await page.fill('input[type=search]', 'claude-sonnet');
    await until(
      async () => /^\d+ matches$/.test((await page.textContent('.results-heading')) ?? ''),
      'several matches',
    );
    // the search and what is open survive a reload
    await view.reload();
    await page.waitForSelector(`${node(path)}`);
    assert.equal(await page.inputValue('input[type=search]'), 'claude-sonnet');
    assert.equal(await page.getAttribute(node(['sessions', 0, 'messages']), 'aria-expanded'), 'true');
  });

  it('marks a dump made without redaction', async () => {
    host.show(documentSource(await dumpState(m, { sessionId }, { redact: false })), 'State: local');
    await page.waitForSelector('.not-redacted');
    assert.equal(await page.textContent('.dump-title'), 'State: local');
  });
});
