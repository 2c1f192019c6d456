// The history browser, built, in Chromium, answered by HistoryHost over a real SessionManager.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { SessionManager } from '../../src/core/sessions';
import { partsText } from '../../src/core/text';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import { seedOthers, seedShowcase, SampleIds } from '../helpers/sample';
import { tempDb } from '../helpers/temp';
import { OpenedView, closeHistoryView, openHistoryView, openView, until, withChromium } from '../helpers/webview';

describe('history browser (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  let m: SessionManager;
  let sample: SampleIds;
  let view: OpenedView;
  let page: Page;
  let host: HistoryHost;
  const links: string[] = [];
  const copied: string[] = [];
  const dumps: string[] = [];

  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    sample = await seedShowcase(m);
    await seedOthers(m);
    links.length = copied.length = dumps.length = 0;
    ({ view, page, host } = await openHistoryView(env, m, {
      openLink: (u) => links.push(u),
      copyText: (t) => copied.push(t),
      showDump: (id) => dumps.push(id),
      coalesceMs: 10,
    }));
  });
  afterEach(async () => {
    await closeHistoryView({ view, page, host });
    await m.close();
  });

  const openShowcase = async () => {
    await page.click(`.session-item[data-session="${sample.session.id}"]`);
    await page.waitForSelector(`article.message[data-id="${sample.ids['markdown']}"]`);
  };
  const row = (name: string) => `article.message[data-id="${sample.ids[name]}"]`;
  /** Brings a row into view (the feed renders only what is near the viewport). */
  const show = async (name: string) => {
    host.reveal({ sessionId: sample.session.id, messageId: sample.ids[name]! });
    await page.waitForSelector(`${row(name)}.flash`);
  };

  it('lists sessions and renders every part type with its details', async () => {
    assert.equal(await page.locator('.session-item').count(), 4);
    assert.match((await page.textContent('.list-heading')) ?? '', /4 sessions/);
    await openShowcase();
    assert.equal(await page.textContent('.session-title'), 'Trip planning with tools');
    // header: system prompt and metadata are collapsible
    assert.equal(await page.locator('.system-prompt').getAttribute('open'), null);
    await page.click('.system-prompt summary');
    assert.match((await page.textContent('.system-prompt')) ?? '', /concise travel assistant/);
    // markdown: heading, emphasis, list with tasks, table, quote, highlighted code with copy, link, image placeholder
    const md = `${row('markdown')} .markdown`;
    assert.equal(await page.textContent(`${md} h2`), 'Plan for the trip');
    assert.equal(await page.textContent(`${md} h2 em`), 'trip');
    assert.equal(await page.locator(`${md} li.task`).count(), 2);
    assert.equal(await page.locator(`${md} table tbody tr`).count(), 2);
    assert.match((await page.textContent(`${md} blockquote`)) ?? '', /light jacket/);
    assert.ok(
      (await page.locator(`${md} .code-block code.language-python .hljs-keyword`).count()) > 0,
      'python keywords highlighted',
    );
    await page.click(`${md} .code-block .copy-code`);
    await until(() => copied.some((c) => c.includes('def average')), 'code copied through the host');
    assert.equal(await page.locator(`${md} img`).count(), 0, 'images are never loaded');
    assert.match((await page.textContent(`${md} .image-placeholder`)) ?? '', /the Eiffel tower/);
    await page.click(`${md} .link >> text=forecast link`);
    await until(() => links.includes('https://example.com/forecast'), 'link opened by the host');
    // tool call with pretty, collapsible arguments, and its result
    const call = `${row('toolCall')} .tool-call`;
    assert.equal(await page.textContent(`${call} .tool-name`), 'get_weather');
    assert.match((await page.textContent(`${call} .tool-args code`)) ?? '', /"city": "Paris",\n {2}"month": "June"/);
    assert.equal(await page.locator(`${call} .tool-args`).getAttribute('open'), '');
    await page.click(`${call} .tool-args summary`);
    assert.equal(await page.locator(`${call} .tool-args`).getAttribute('open'), null, 'arguments collapse');
    assert.match(
      (await page.textContent(`${row('toolResult')} .tool-result`)) ?? '',
      /get_weather result[\s\S]*"conditions": "sunny"/,
    );
    // reasoning (collapsed), redacted reasoning, provider item, refusal, attachments never loaded
    assert.match((await page.textContent(`${row('toolCall')} details.reasoning summary`)) ?? '', /Reasoning/);
    await show('opaque');
    assert.match(
      (await page.textContent(`${row('opaque')} details.reasoning`)) ?? '',
      /redacted[\s\S]*Encrypted reasoning \(anthropic\)/,
    );
    assert.match(
      (await page.textContent(`${row('opaque')} .provider-item`)) ?? '',
      /openai item[\s\S]*web_search_call/,
    );
    assert.match(
      (await page.textContent(`${row('refusal')} .refusal`)) ?? '',
      /Refused: I cannot read personal documents/,
    );
    assert.match(
      (await page.textContent(`${row('attachments')} .attachment.image`)) ?? '',
      /Image \(image\/png\).*example\.com\/photo\.png.*not loaded/,
    );
    assert.match(
      (await page.textContent(`${row('attachments')} .attachment.file`)) ?? '',
      /boarding-pass\.pdf \(application\/pdf\): inline data/,
    );
    // details: model, usage, stop reason, provider ids, native, states, edits, original timestamp on hover
    await show('toolCall');
    const details = (await page.textContent(`${row('toolCall')} .message-details`)) ?? '';
    for (const s of [
      'anthropic/claude-sonnet-4',
      '1,200 in',
      '85 out',
      '1,285 total',
      'stop tool_use',
      'messageId msg_01ABC',
      'requestId req_42',
    ])
      assert.ok(details.includes(s), `details show ${s}: ${details}`);
    await show('opaque');
    assert.match((await page.textContent(`${row('opaque')} .message-details`)) ?? '', /native anthropic/);
    assert.match((await page.textContent(`${row('partial')} .badge.state-partial`)) ?? '', /partial/);
    assert.match((await page.textContent(`${row('refusal')} .badge.state-error`)) ?? '', /error/);
    await show('question');
    assert.equal(await page.getAttribute(`${row('question')} time`, 'title'), '02/03/2026 09:00:00 CET');
    await show('markdown');
    assert.match((await page.textContent(`${row('markdown')} .message-details`)) ?? '', /latencyMs/);
    await show('question');
    // edited message: earlier versions on demand
    await page.click(`${row('question')} .badge.edited`);
    await page.waitForSelector(`${row('question')} .revision`);
    assert.match((await page.textContent(`${row('question')} .revision`)) ?? '', /Version 0[\s\S]*Also plan my trip\./);
    assert.match((await page.textContent(`${row('question')} .message-body`)) ?? '', /please plan my whole trip/);
    // roles are visually distinct
    const colour = (name: string) => page.$eval(row(name), (el) => getComputedStyle(el).borderLeftColor);
    assert.notEqual(await colour('question'), await colour('markdown'));
    assert.notEqual(await colour('toolResult'), await colour('markdown'));
  });

  it('shows content as plain text when the host asks (untrusted workspace)', async () => {
    host.dispose();
    await page.context().close();
    view = await openView(
      env.browser,
      env.server,
      'history',
      (post) => (host = new HistoryHost(m, post, { plainText: true })),
    );
    page = view.page;
    host.reveal({ sessionId: sample.session.id, messageId: sample.ids['markdown']! });
    await page.waitForSelector(`${row('markdown')}.flash`);
    assert.equal(await page.locator(`${row('markdown')} .markdown`).count(), 0);
    assert.match((await page.textContent(`${row('markdown')} .plain-text`)) ?? '', /^## Plan for the \*trip\*\n/);
  });

  it('copies a message as Copy Message in the Sessions view does: reasoning, words and tool calls', async () => {
    await openShowcase();
    await page.hover(row('toolCall')); // the row's actions show on hover
    await page.click(`${row('toolCall')} button[aria-label="Copy message text"]`);
    await until(() => copied.length > 0, 'the message copied through the host');
    const expected =
      'The user wants weather, so call the **weather** tool first.\n\nLet me check the forecast.\n\n' +
      'get_weather({"city":"Paris","month":"June","units":"metric","days":[1,2,3]})';
    assert.deepEqual(copied, [expected]);
    assert.equal(
      partsText((await m.getMessage(sample.ids['toolCall']!)).parts, 'copy'),
      expected,
      'the one function both copy with',
    );
  });

  it('jumps from a tool call to its result and back', async () => {
    await openShowcase();
    await page.click(`${row('toolCall')} .tool-call .tool-jump`);
    await page.waitForSelector(`${row('toolResult')} .tool-result.flash`);
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset['seq']), '3');
    await page.click(`${row('toolResult')} .tool-result .tool-jump`);
    await page.waitForSelector(`${row('toolCall')} .tool-call.flash`);
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset['seq']), '2');
  });

  it('searches all sessions with highlighted snippets, and each hit opens its message', async () => {
    await page.fill('.search-input', 'kubernetes latency');
    await page.waitForSelector('.hit-item');
    assert.match((await page.textContent('.list-heading')) ?? '', /2 matching messages/);
    const user = '.hit-item[data-role="user"]';
    assert.deepEqual(await page.$$eval(`${user} mark`, (ms) => ms.map((x) => x.textContent)), [
      'kubernetes',
      'latency',
    ]);
    await page.click(user);
    await page.waitForSelector('.session-title >> text=Kubernetes latency debugging');
    await page.waitForSelector('article.message.flash[data-seq="1"]');
    // prefix matching while typing, across sessions
    await page.fill('.search-input', 'weath');
    const expected = m.search('weath', { prefix: true }).total;
    assert.ok(expected >= 4);
    await until(
      async () => (await page.textContent('.list-heading'))?.match(/(\d+) matching/)?.[1] === String(expected),
      'prefix search hits',
    );
  });

  it('filters sessions by status, provider, tag and date, and messages by role', async () => {
    const titles = () => page.$$eval('.session-item .title-text', (els) => els.map((e) => e.textContent).sort());
    const settle = async (n: number) =>
      until(async () => (await page.locator('.session-item').count()) === n, `${n} sessions`);
    // The filters are folded behind a toggle (few Tab stops from the search box to the list); it counts those applied.
    assert.equal(await page.isVisible('.filter-status'), false);
    await page.click('.filters-toggle');
    assert.equal(await page.getAttribute('.filters-toggle', 'aria-expanded'), 'true');
    await page.selectOption('.filter-status', 'archived');
    await settle(1);
    assert.deepEqual(await titles(), ['Archived recipe chat']);
    await page.selectOption('.filter-status', '');
    await page.selectOption('.filter-provider', 'openai');
    await settle(2);
    assert.deepEqual(await titles(), ['Archived recipe chat', 'Kubernetes latency debugging']);
    await page.selectOption('.filter-provider', '');
    await page.selectOption('.filter-tag', 'finance');
    await settle(1);
    assert.deepEqual(await titles(), ['Quarterly revenue forecast']);
    await page.selectOption('.filter-tag', '');
    await page.fill('.filter-from', '2026-01-01');
    await page.dispatchEvent('.filter-from', 'change');
    await settle(2);
    assert.deepEqual(await titles(), ['Kubernetes latency debugging', 'Trip planning with tools']);
    await page.fill('.filter-to', '2026-02-01');
    await page.dispatchEvent('.filter-to', 'change');
    await settle(1);
    assert.deepEqual(await titles(), ['Kubernetes latency debugging']);
    await page.click('.filters-toggle');
    assert.equal(await page.getAttribute('.filters-toggle', 'aria-label'), 'Show filters (2 active)');
    await page.click('.filters-toggle');
    // A date typed wrong (there is no 30 February) filters nothing and says so; before, the list kept the last one.
    await page.fill('.filter-from', '2026-02-30');
    await page.dispatchEvent('.filter-from', 'change');
    await settle(3);
    assert.deepEqual(await titles(), [
      'Archived recipe chat',
      'Kubernetes latency debugging',
      'Quarterly revenue forecast',
    ]);
    assert.equal(await page.getAttribute('.filter-from', 'aria-invalid'), 'true');
    assert.match((await page.getAttribute('.filter-from', 'title')) ?? '', /Not a date: write it as YYYY-MM-DD/);
    assert.equal(await page.getAttribute('.filters-toggle', 'aria-label'), 'Hide filters (1 active)');
    await page.fill('.filter-from', '');
    await page.dispatchEvent('.filter-from', 'change');
    await page.fill('.filter-to', '');
    await page.dispatchEvent('.filter-to', 'change');
    await settle(4);
    // role filter: hide tool and user messages in the conversation
    await openShowcase();
    await page.click('.role-toggle[data-role="tool"]');
    await page.click('.role-toggle[data-role="user"]');
    await until(
      async () => (await page.locator('article.message.role-tool, article.message.role-user').count()) === 0,
      'tool and user rows hidden',
    );
    assert.ok((await page.locator('article.message.role-assistant').count()) >= 4);
    assert.equal(await page.getAttribute('.role-toggle[data-role="tool"]', 'aria-pressed'), 'false');
    await page.click('.role-toggle[data-role="tool"]');
    await page.waitForSelector(row('toolResult'));
  });

  it('finds within the session: count, next and previous, highlights', async () => {
    await openShowcase();
    await page.keyboard.press('Control+f');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'find-input');
    await page.keyboard.type('paris');
    await until(async () => /^1 of \d+$/.test((await page.textContent('.find-count')) ?? ''), 'find count');
    const total = Number((await page.textContent('.find-count'))!.split(' of ')[1]);
    assert.equal(total, 5, 'messages mentioning Paris');
    const current = () =>
      page.$eval('article.message.find-current', (el) => Number((el as HTMLElement).dataset['seq']));
    const first = await current();
    await page.keyboard.press('Enter');
    await until(async () => (await page.textContent('.find-count')) === `2 of ${total}`, 'next match');
    assert.ok((await current()) > first);
    await page.keyboard.press('Shift+Enter');
    await until(async () => (await page.textContent('.find-count')) === `1 of ${total}`, 'previous match');
    await page.click('.find-prev');
    await until(async () => (await page.textContent('.find-count')) === `${total} of ${total}`, 'wraps around');
    const highlighted = await page.evaluate(
      () => (CSS as unknown as { highlights: Map<string, { size: number }> }).highlights.get('lss-find')?.size ?? 0,
    );
    assert.ok(highlighted > 0, 'matches highlighted');
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('.find-bar'), true);
  });

  it('replays turn by turn with buttons, keys, play/pause and a timeline with gaps', async () => {
    await openShowcase();
    await page.click('.open-replay');
    await page.waitForSelector('.replay-bar:not([hidden])');
    const step = () => page.textContent('.replay-step');
    assert.equal(await step(), '1 / 8');
    assert.equal(await page.locator('article.message').count(), 1, 'only the first turn shows');
    assert.match((await page.textContent('.replay-gaps')) ?? '', /1 gap \(longest 43m 0s\)/);
    await page.click('.replay-next');
    assert.equal(await step(), '2 / 8');
    await page.locator('.feed').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await step(), '4 / 8');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await step(), '3 / 8');
    await until(async () => (await page.locator('article.message').count()) === 3, 'three turns shown');
    assert.match((await page.textContent('.replay-time')) ?? '', /2026/);
    await page.selectOption('.replay-speed', '8');
    await page.click('.replay-play');
    assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'true');
    await until(async () => (await step()) === '5 / 8', 'playing advances');
    await page.click('.replay-play');
    assert.equal(await page.getAttribute('.replay-play', 'aria-pressed'), 'false');
    const paused = await step();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await step(), paused, 'paused stays');
    // the timeline is a slider: End jumps to the last turn
    await page.focus('.timeline');
    await page.keyboard.press('End');
    assert.equal(await step(), '8 / 8');
    assert.equal(await page.getAttribute('.timeline', 'aria-valuenow'), '8');
    await page.click('.replay-close');
    await until(
      async () => (await page.getAttribute('article.message', 'aria-setsize')) === '8',
      'whole session again',
    );
  });

  it('forks from a message through the host; the fork is in the database', async () => {
    await openShowcase();
    await page.hover(row('toolResult'));
    await page.click(`${row('toolResult')} .fork`);
    await page.waitForSelector('.status-line .open-fork');
    assert.match(
      (await page.textContent('.status-line')) ?? '',
      /Forked at #3 into “Fork of Trip planning with tools”/,
    );
    const fork = m.list({ text: 'Fork of' }).items.find((s) => s.title === 'Fork of Trip planning with tools');
    assert.ok(fork, 'fork exists in the database');
    const full = m.get(fork.id);
    assert.deepEqual(full.parent, { sessionId: sample.session.id, messageId: sample.ids['toolResult'] });
    assert.equal(m.allMessages(fork.id).length, 3);
    await page.waitForSelector(`.session-item[data-session="${fork.id}"]`);
    await page.click('.status-line .open-fork');
    await page.waitForSelector('.session-title >> text=Fork of Trip planning with tools');
  });

  it('follows core changes, reveals on request, asks for dumps, and keeps its state across reloads', async () => {
    await openShowcase();
    await m.addMessage(sample.session.id, { role: 'user', content: 'A late question about Lyon.' });
    await until(
      async () => (await page.getAttribute('article.message', 'aria-setsize')) === '9',
      'the new message in the outline',
    );
    await page.$eval('.feed', (el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForSelector('article.message >> text=A late question about Lyon.');
    host.reveal({ sessionId: sample.session.id, messageId: sample.ids['refusal']! });
    await page.waitForSelector(`${row('refusal')}.flash`);
    await m.editMessage(sample.ids['refusal']!, { content: 'Edited elsewhere while shown.' });
    await page.waitForSelector(`${row('refusal')} >> text=Edited elsewhere while shown.`);
    await page.click('.dump-state');
    await until(() => dumps.includes(sample.session.id), 'dump asked of the host');
    await page.fill('.search-input', 'nothing-matches-this');
    await page.waitForSelector('.list-heading >> text=0 matching messages');
    await page.click('.filters-toggle');
    await page.selectOption('.filter-provider', 'anthropic');
    await view.reload();
    await page.waitForSelector(row('markdown'));
    assert.equal(await page.textContent('.session-title'), 'Trip planning with tools');
    assert.equal(await page.inputValue('.search-input'), 'nothing-matches-this');
    assert.equal(await page.inputValue('.filter-provider'), 'anthropic');
    assert.equal(await page.isVisible('.filter-provider'), true, 'the filters stay open across reloads');
    // A saved date that is not a calendar day is dropped on the way back in: the list request would throw on it.
    await page.addInitScript({
      content: `(() => {
        const key = '__lssWebviewState';
        const s = JSON.parse(sessionStorage.getItem(key));
        sessionStorage.setItem(key, JSON.stringify(Object.assign(s, { query: '', filters: { from: 'Tuesday' } })));
      })();`,
    });
    await view.reload();
    await until(async () => (await page.locator('.session-item').count()) === 4, 'every session listed');
    assert.equal(await page.inputValue('.filter-from'), '');
  });
});
