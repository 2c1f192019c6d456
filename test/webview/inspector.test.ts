// The turn inspector, built, in Chromium, answered by HistoryHost over a real SessionManager whose traces were
// recorded by running turns through the core against the local wire-protocol server (real OpenAI SDK): a streamed
// tool-calling turn over a 250-message history, a retried call, a failed one, and a hostile one.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { send } from '../../src/core/conversation';
import { usageCost } from '../../src/core/cost';
import { curlCommand } from '../../src/core/curl';
import { SessionManager } from '../../src/core/sessions';
import type { TraceSummary } from '../../src/core/store/trace-store';
import type { TurnTrace } from '../../src/core/turn-trace';
import { MockProviders } from '../mock-providers/server';
import { providerFor, wire } from '../helpers/providers';
import { tempDb } from '../helpers/temp';
import { closeHistoryView, OpenedHistory, openHistoryView, until, withChromium } from '../helpers/webview';

const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;

describe('turn inspector (Chromium)', function () {
  this.timeout(90_000);
  const env = withChromium();
  const mock = new MockProviders();
  let m: SessionManager;
  let sessionId: string;
  let opened: OpenedHistory;
  let page: Page;
  const copied: string[] = [];
  /** The recorded calls in order: tool turn, retried, failed, hostile. */
  let calls: TraceSummary[];
  const full = (i: number): TurnTrace => m.getTrace(calls[i]!.spanId);

  before(async () => {
    await mock.start();
    m = await SessionManager.open(tempDb());
    const s = await m.create({ provider: 'openai', model: 'gpt-test', title: 'Inspected' });
    sessionId = s.id;
    // A long history, so the request's `input` array is paged in the tree.
    await m.addMessages(
      s.id,
      Array.from({ length: 250 }, (_, i) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: `history item ${i}`,
      })),
    );
    const provider = providerFor(wire('openai'), mock);
    mock.script('openai', {
      text: 'Let me check.',
      toolCalls: [{ id: 'call_w1', name: 'get_weather', args: { city: 'Paris' } }],
      usage: { input: 1200, output: 40 },
    });
    await send(m, s.id, 'Weather in Paris?', { provider, parameters: { tools: [WEATHER] } });
    mock.script(
      'openai',
      { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } },
      { text: 'Second time lucky.' },
    );
    await send(m, s.id, 'And tomorrow?', { provider, stream: false });
    mock.script('openai', { error: { status: 400, body: { error: { message: 'Bad field "temperature_x".' } } } });
    await assert.rejects(send(m, s.id, 'Fail please', { provider }));
    mock.script('openai', { error: { status: 400, body: { error: { message: XSS, type: `<svg onload=alert(1)>` } } } });
    await assert.rejects(send(m, s.id, `hostile ${XSS}`, { provider }));
    calls = m.listTraces(s.id);
    assert.deepEqual(
      calls.map((c) => c.outcome),
      ['ok', 'ok', 'error', 'error'],
    );
  });
  after(async () => {
    await m?.close();
    await mock.stop();
  });
  beforeEach(async () => {
    copied.length = 0;
    opened = await openHistoryView(env, m, {
      copyText: (t) => copied.push(t),
      coalesceMs: 10,
      prices: () => ({ 'gpt-test': { input: 2, output: 8 } }),
    });
    page = opened.page;
    await page.click(`.session-item[data-session="${sessionId}"]`);
    await page.waitForSelector('article.message.role-assistant');
  });
  afterEach(async () => {
    await closeHistoryView(opened);
  });

  const inspected = (i: number, tab: string, attempt = 0) =>
    page.waitForFunction(
      (want) => document.body.dataset['inspected'] === want,
      `${calls[i]!.spanId}:${tab}:${attempt}`,
    );
  const tab = async (name: string) => {
    await page.click(`.inspector-tab:text-is("${name}")`);
  };
  const panelText = async () => (await page.textContent('.inspector-panel')) ?? '';

  it('opens from an assistant message by keyboard: the request as sent as a lazy tree, response, timing, raw; Escape goes back', async () => {
    const reply = m.allMessages(sessionId).find((x) => x.role === 'assistant' && x.stopReason === 'tool_use')!;
    const row = `article.message[data-id="${reply.id}"]`;
    opened.host.reveal({ sessionId, messageId: reply.id });
    await page.waitForSelector(`${row}.flash`);
    await page.focus(row);
    await page.keyboard.press('i');
    const attempt = full(0).attempts.at(-1)!;
    await inspected(0, 'Request', full(0).attempts.length - 1);
    assert.equal(await page.getAttribute('.inspector', 'role'), 'dialog');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('role')),
      'tab',
      'the keyboard is on the tabs',
    );
    assert.equal(await page.evaluate(() => document.querySelector<HTMLElement>('.history')!.inert), true);
    // The tree's first level is the body's keys, in order; nothing deeper until asked.
    const body = JSON.parse(attempt.requestBody) as Record<string, unknown>;
    const roots = await page.$$eval('.inspector .tree > [role=treeitem] > .line .key', (els) =>
      els.map((e) => e.textContent),
    );
    assert.deepEqual(roots, Object.keys(body));
    assert.equal(await page.locator('.inspector [role=treeitem]').count(), roots.length);
    // Headers as recorded, without auth.
    const headers = await page.$$eval('.headers th', (els) => els.map((e) => e.textContent));
    assert.deepEqual(headers, Object.keys(attempt.requestHeaders));
    assert.ok(!headers.includes('authorization'));
    // The long history is paged.
    const input = `.inspector [data-path='["input"]']`;
    await page.click(`${input} > .line`);
    await until(
      async () => (await page.locator(`${input} > [role=group] > [role=treeitem]`).count()) === 200,
      'a page',
    );
    assert.match((await page.textContent(`${input} > [role=group] > .more`)) ?? '', /Show \d+ more of \d+/);
    // Find: the match is revealed (deep in tools) and selected; Copy JSON copies that node.
    await page.fill('.inspector-find', 'get_weather');
    await page.waitForSelector('.inspector .node.selected');
    assert.match((await page.textContent('.inspector .find-count')) ?? '', /^1 of \d+$/);
    const selectedPath = JSON.parse((await page.getAttribute('.inspector .node.selected', 'data-path'))!) as string[];
    assert.equal(selectedPath.at(-1), 'name');
    await page.click('.copy-json');
    await until(() => copied.length === 1, 'copied');
    assert.equal(copied[0], JSON.stringify('get_weather', null, 2));
    // Copy as cURL: the host builds it from the stored attempt and writes the clipboard.
    await page.click('.copy-curl');
    await until(() => copied.length === 2, 'curl copied');
    assert.equal(copied[1], curlCommand(attempt, 'openai').command);
    assert.match((await page.textContent('.inspector-status')) ?? '', /\$OPENAI_API_KEY/);
    // Response: the assembled reply as a tree, the request id.
    await tab('Response');
    await inspected(0, 'Response', full(0).attempts.length - 1);
    assert.match(await panelText(), /assembled from the stream/i);
    assert.match(await panelText(), /x-request-id: req_stream/);
    const responseKeys = await page.$$eval('.inspector .tree > [role=treeitem] > .line .key', (els) =>
      els.map((e) => e.textContent),
    );
    assert.deepEqual(responseKeys, Object.keys(full(0).response as object));
    // Timing by keyboard: the tabs are a tablist (arrows move and choose).
    await page.focus('.inspector-tab[aria-selected=true]');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('.inspector-tab:text-is("Timing")', 'aria-selected'), 'true');
    const timing = await panelText();
    const t = full(0);
    const cost = usageCost(
      t.usage,
      { name: 'openai', model: t.modelAnswered },
      { overrides: { 'gpt-test': { input: 2, output: 8 } } },
    );
    assert.ok(cost.known);
    assert.match(timing, new RegExp(`\\$${cost.total.toFixed(4).replace('.', '\\.')}`), timing);
    assert.match(timing, /Time to first token[\d.]+ m?s/);
    assert.match(timing, /1,200 in · 40 out/);
    assert.match(timing, /Model requestedgpt-test/);
    // Raw: the body exactly as sent.
    await tab('Raw');
    assert.equal(await page.textContent('.raw-text[aria-label="Request body"]'), attempt.requestBody);
    // Escape: closed, the keyboard back on the message it came from.
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('.inspector'), true);
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset['id']), reply.id);
  });

  it('lists every call (failed ones too), shows retries by attempt with their error bodies, refreshes as calls are recorded', async () => {
    await page.click('.open-calls');
    await inspected(3, 'Request');
    const items = page.locator('.call-item');
    assert.equal(await items.count(), 4);
    assert.deepEqual(
      await items.evaluateAll((els) => els.map((e) => e.getAttribute('aria-selected'))),
      ['false', 'false', 'false', 'true'],
      'the latest call is shown',
    );
    // The failed call: the provider's error body, and the call's error.
    await items.nth(2).click();
    await inspected(2, 'Request');
    await tab('Response');
    await inspected(2, 'Response');
    assert.match(await panelText(), /HTTP 400/);
    assert.match(await panelText(), /the provider's error/);
    assert.match(await panelText(), /The call ended with ProviderError/);
    await page.click(`.inspector [data-path='["error"]'] > .line`);
    assert.match((await page.textContent(`.inspector [data-path='["error","message"]']`)) ?? '', /temperature_x/);
    // The retried call: two attempts; the first is the 500.
    await items.nth(1).click();
    await inspected(1, 'Response', 1);
    assert.equal(await page.isVisible('.attempt-picker'), true);
    assert.equal(await page.locator('.attempt-picker option').count(), 2);
    await page.selectOption('.attempt-picker', '0');
    await inspected(1, 'Response', 0);
    assert.match(await panelText(), /HTTP 500/);
    assert.match(await panelText(), /This attempt failed: HTTP 500/);
    await tab('Timing');
    assert.match(await panelText(), /HTTP attempts \(2\)/);
    // A call recorded while it is open shows up.
    mock.script('openai', { text: 'One more.' });
    await send(m, sessionId, 'Another', { provider: providerFor(wire('openai'), mock) });
    await until(async () => (await items.count()) === 5, 'the new call listed');
    assert.equal(
      await page.getAttribute('.call-item[aria-selected=true]', 'data-span'),
      calls[1]!.spanId,
      'still on the chosen call',
    );
    // Back where it was opened from.
    await page.keyboard.press('Escape');
    assert.match((await page.evaluate(() => document.activeElement?.className)) ?? '', /open-calls/);
  });

  it('shows a hostile call inertly: bodies, error body and model names are text', async () => {
    await page.click('.open-calls');
    await page.click(`.call-item[data-span="${calls[3]!.spanId}"]`);
    await inspected(3, 'Request');
    await page.click(`.inspector [data-path='["input"]'] > .line`);
    await page.fill('.inspector-find', 'onerror');
    await page.waitForSelector('.inspector .node.selected');
    await tab('Response');
    await inspected(3, 'Response');
    await page.click(`.inspector [data-path='["error"]'] > .line`);
    await tab('Raw');
    assert.ok(
      ((await page.textContent('.raw-text[aria-label="Response body"]')) ?? '').includes(
        JSON.stringify(XSS).slice(1, -1),
      ),
    );
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
    assert.deepEqual(opened.view.dialogs, []);
    assert.deepEqual(await opened.view.cspViolations(), []);
    const bad = await page.$$eval('.inspector *', (els) =>
      els.flatMap((el) => [
        ...(/^(script|img|svg|iframe|object|embed|style|link)$/i.test(el.tagName) ? [el.tagName] : []),
        ...el.getAttributeNames().filter((a) => /^on|^(href|src|style|srcdoc)$/i.test(a)),
      ]),
    );
    assert.deepEqual(bad, []);
  });

  it('says so for a message no call is recorded for', async () => {
    const first = m.allMessages(sessionId).find((x) => x.role === 'assistant')!;
    opened.host.reveal({ sessionId, messageId: first.id });
    await page.waitForSelector(`article.message[data-id="${first.id}"].flash`);
    await page.focus(`article.message[data-id="${first.id}"]`);
    await page.keyboard.press('i');
    await page.waitForSelector('.inspector .pane-empty');
    assert.match(await panelText(), /No model call is recorded for this message/);
    assert.ok((await page.locator('.call-item').count()) >= calls.length, 'the calls are still listed');
  });
});
