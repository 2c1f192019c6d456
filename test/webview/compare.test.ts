// The compare view in Chromium over real sessions in a real sql.js database: rows and statuses, folded identical
// runs, word highlights as text spans, tool JSON-path changes, metrics, the first divergence on open, F7 / Shift+F7
// through package.json's keybindings (as VS Code forwards a webview's keys), and two 10,000-message sessions.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { NewMessage } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import type { CompareHost } from '../../src/extension/webview/compareHost';
import { LIGHT_MODERN } from '../helpers/themes';
import { tempDb } from '../helpers/temp';
import { openCompareView, withChromium } from '../helpers/webview';

const XSS = '<img src=x onerror="window.__xss=1"><b>bold</b>';
const filler = (n: number): NewMessage[] =>
  Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Filler ${i}` }) as NewMessage);
const call = (city: string): NewMessage => ({
  role: 'assistant',
  parts: [{ type: 'tool_call', callId: 'c1', name: 'get_weather', argumentsJson: JSON.stringify({ city, unit: 'C' }) }],
});
const reply = (text: string, model: string): NewMessage => ({
  role: 'assistant',
  content: text,
  usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
  stopReason: 'end_turn',
  provider: { name: model.startsWith('gpt') ? 'openai' : 'anthropic', model },
});

/**
 * F7 as VS Code delivers it: the webview's keydown goes to the workbench, whose keybinding (package.json, `when` on
 * the compare view) runs a command; the command steps the focused view's host.
 */
const KEYBINDINGS = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
    contributes: { keybindings: Array<{ key: string; command: string; when: string }> };
  }
).contributes.keybindings;
const STEPS: Record<string, 1 | -1> = {
  'langswarmSessions.nextDifference': 1,
  'langswarmSessions.previousDifference': -1,
};
async function forwardKeys(page: Page, host: CompareHost): Promise<void> {
  await page.exposeFunction('__lssKey', (key: string) => {
    const binding = KEYBINDINGS.find((k) => k.key === key && k.when.includes("'langswarm.compare'"));
    if (binding) host.step(STEPS[binding.command]!);
  });
  await page.evaluate(() =>
    document.addEventListener('keydown', (e) => {
      const key = `${e.shiftKey ? 'shift+' : ''}${e.key.toLowerCase()}`;
      void (window as unknown as { __lssKey(k: string): Promise<void> }).__lssKey(key);
    }),
  );
}

const statuses = (page: Page) =>
  page.$$eval('.pair, .fold', (els) =>
    els
      .map((el) => ({
        top: Number((el as HTMLElement).style.transform.match(/[\d.]+/)?.[0] ?? 0),
        what: el.classList.contains('fold')
          ? `fold:${el.textContent}`
          : `${(el as HTMLElement).dataset['pair']}:${[...el.classList].find((c) => c.startsWith('status-'))!.slice(7)}`,
      }))
      .sort((a, b) => a.top - b.top)
      .map((r) => r.what),
  );

describe('compare view (Chromium)', function () {
  this.timeout(120_000);
  const env = withChromium();
  let m: SessionManager;
  let aId: string;
  let bId: string;

  before(async () => {
    m = await SessionManager.open(tempDb());
    const a = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Trip A', systemPrompt: 'You are terse.' });
    const b = await m.create({
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      title: 'Trip B',
      systemPrompt: 'You are very terse.',
    });
    const start: NewMessage = { role: 'user', content: 'Plan a trip to Paris' };
    const result: NewMessage = {
      role: 'tool',
      parts: [{ type: 'tool_result', callId: 'c1', name: 'get_weather', content: '{"temp":20}' }],
    };
    const sunny: NewMessage = { role: 'assistant', content: 'It is sunny.' };
    const thanks: NewMessage = { role: 'user', content: 'Thanks' };
    await m.addMessages(a.id, [
      start,
      reply('Day one: the Louvre in the morning, then lunch.', 'gpt-4o'),
      call('Paris'),
      result,
      sunny,
      { role: 'user', content: `An extra question ${XSS}` },
      { role: 'assistant', content: 'An extra answer' },
      ...filler(8),
      thanks,
    ]);
    await m.addMessages(b.id, [
      start,
      reply('Day one: the Orsay at noon, then lunch.', 'claude-sonnet-4'),
      call('Lyon'),
      result,
      sunny,
      ...filler(8),
      thanks,
      { role: 'assistant', content: `You are welcome ${XSS}` },
    ]);
    aId = a.id;
    bId = b.id;
  });
  after(() => m?.close());

  it('shows one row per aligned pair, folds identical runs, and opens at the first divergence', async () => {
    const { page, view, host } = await openCompareView(env, m, aId, bId);
    await page.waitForSelector('.pair[data-pair="1"] .word-added');
    assert.deepEqual(await statuses(page), [
      '0:equal',
      '1:changed',
      '2:changed',
      '3:equal',
      '4:equal',
      '5:deleted',
      '6:deleted',
      '7:equal',
      'fold:7 identical messages (A #9–#15, B #7–#13)',
      '15:equal',
      '16:inserted',
    ]);
    // The first divergence is marked, in sight, and the current difference.
    const first = page.locator('.pair[data-pair="1"]');
    assert.match((await first.locator('.divergence-mark').textContent()) ?? '', /First divergence/);
    assert.ok(await first.evaluate((el) => el.classList.contains('current')));
    assert.equal(await page.textContent('.nav-position'), 'Difference 1 of 3');
    // Header: both sides, the setup's differences (the system prompt as a word diff).
    assert.match((await page.textContent('.side-header.side-a')) ?? '', /Trip A.*openai · gpt-4o · 16 messages/s);
    assert.equal(await page.textContent('.system-diff .word-added'), 'very ');
    assert.match((await page.textContent('.setup')) ?? '', /Provider\s*openai → anthropic/);
    host.dispose();
    await page.context().close();
    assert.deepEqual(view.errors, []);
  });

  it('highlights changed words as text spans, lists tool JSON-path changes, emphasises changed metrics, never runs content', async () => {
    const { page, view, host } = await openCompareView(env, m, aId, bId, { theme: LIGHT_MODERN });
    await page.waitForSelector('.pair[data-pair="1"] .word-added');
    const words = (side: string, cls: string) =>
      page.$$eval(`.pair[data-pair="1"] .side-${side} .${cls}`, (els) => els.map((e) => e.textContent));
    // Changed words with only spaces between them are one highlight, as in the diff editor.
    assert.deepEqual(await words('a', 'word-removed'), ['Louvre in the morning']);
    assert.deepEqual(await words('b', 'word-added'), ['Orsay at noon']);
    assert.equal(
      await page.textContent('.pair[data-pair="1"] .side-a .text'),
      'Day one: the Louvre in the morning, then lunch.',
    );
    // The diff editor's inserted colour, from the theme.
    const bg = await page.$eval('.pair[data-pair="1"] .word-added', (el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(bg, 'rgba(0, 0, 0, 0)');
    const changes = (await page.textContent('.pair[data-pair="2"] .change-list')) ?? '';
    assert.match(changes, /call get_weather \$\.city: "Paris" → "Lyon"/);
    // Same tokens, another model at another price: the model and the cost are emphasised, the tokens not.
    const metrics = await page.$$eval('.pair[data-pair="1"] .side-b .metric', (els) =>
      els.map((e) => `${e.classList.contains('metric-changed') ? '*' : ''}${e.textContent}`),
    );
    assert.deepEqual(
      metrics.map((x) => x.replace(/\$[\d.]+/, '$')),
      ['*model claude-sonnet-4', 'tokens 100 in · 20 out', '*cost $', 'stop end_turn'],
    );
    // Hostile text in a deleted row and an inserted row stays text.
    await page.locator('.pair[data-pair="16"]').scrollIntoViewIfNeeded();
    await page.waitForSelector('.pair[data-pair="16"] .side-b .text');
    assert.equal(await page.textContent('.pair[data-pair="16"] .side-b .text'), `You are welcome ${XSS}`);
    assert.equal(await page.$$eval('.pairs img, .pairs b', (els) => els.length), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(await view.cspViolations(), []);
    host.dispose();
    await page.context().close();
    assert.deepEqual(view.errors, []);
  });

  it('shows hostile session titles, models and system prompts in the header as text', async () => {
    const evil = (n: number) => `<img src=x onerror="window.__xss=${n}"><script>window.__xss=${n}</script>`;
    const x = await m.create({ provider: 'openai', model: evil(1), title: evil(2), systemPrompt: evil(3) });
    const y = await m.create({
      provider: 'openai',
      model: evil(4),
      title: evil(5),
      systemPrompt: `${evil(3)} ${evil(6)}`,
    });
    await m.addMessages(x.id, [{ role: 'user', content: evil(7) }]);
    await m.addMessages(y.id, [{ role: 'user', content: evil(8) }]);
    const { page, view, host } = await openCompareView(env, m, x.id, y.id);
    await page.waitForSelector('.pair[data-pair="0"] .word-added');
    assert.match(
      (await page.textContent('.side-header.side-a .side-title')) ?? '',
      /<img src=x onerror="window.__xss=2">/,
    );
    assert.equal(await page.$$eval('#app img, #app script', (els) => els.length), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(await view.cspViolations(), []);
    host.dispose();
    await page.context().close();
  });

  it('follows a change to either session: the comparison is made again and the view keeps its place', async () => {
    const x = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'X' });
    const y = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Y' });
    await m.addMessages(x.id, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
    ]);
    await m.addMessages(y.id, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'three' },
    ]);
    const { page, host } = await openCompareView(env, m, x.id, y.id, { host: { coalesceMs: 10 } });
    await page.waitForSelector('.pair[data-pair="1"].current');
    await m.addMessages(y.id, [{ role: 'user', content: 'four' }]);
    await page.waitForSelector('.pair[data-pair="2"].status-inserted .text');
    assert.equal(await page.textContent('.pair[data-pair="2"] .side-b .text'), 'four');
    assert.equal(await page.textContent('.nav-position'), 'Difference 1 of 1');
    host.dispose();
    await page.context().close();
  });

  it('expands a folded run of identical messages', async () => {
    const { page, host } = await openCompareView(env, m, aId, bId);
    await page.click('.fold-button');
    await page.waitForSelector('.pair[data-pair="10"]');
    const rows = await statuses(page);
    assert.ok(!rows.some((r) => r.startsWith('fold:')), rows.join(', '));
    assert.deepEqual(
      rows.filter((r) => /^(8|9|1[0-4]):/.test(r)),
      ['8:equal', '9:equal', '10:equal', '11:equal', '12:equal', '13:equal', '14:equal'],
    );
    host.dispose();
    await page.context().close();
  });

  it('steps through the differences with F7 / Shift+F7, wrapping at either end as the diff editor does', async () => {
    const { page, host } = await openCompareView(env, m, aId, bId);
    await forwardKeys(page, host);
    await page.waitForSelector('.pair[data-pair="1"].current');
    const at = async () => ({
      position: await page.textContent('.nav-position'),
      current: await page.$$eval('.pair.current', (els) => els.map((e) => (e as HTMLElement).dataset['pair'])),
      status: await page.textContent('.nav-status'),
    });
    const press = async (key: string, position: string) => {
      await page.keyboard.press(key);
      await page.waitForFunction((p) => document.querySelector('.nav-position')?.textContent === p, position);
      return at();
    };
    assert.deepEqual(await press('F7', 'Difference 2 of 3'), {
      position: 'Difference 2 of 3',
      current: ['5', '6'],
      status: '',
    });
    assert.deepEqual((await press('F7', 'Difference 3 of 3')).current, ['16']);
    assert.deepEqual(await press('F7', 'Difference 1 of 3'), {
      position: 'Difference 1 of 3',
      current: ['1', '2'],
      status: 'Wrapped to the first difference.',
    });
    assert.deepEqual(await press('Shift+F7', 'Difference 3 of 3'), {
      position: 'Difference 3 of 3',
      current: ['16'],
      status: 'Wrapped to the last difference.',
    });
    // The row of the current difference has the keyboard (a screen reader reads it).
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset['pair']), '16');
    // The toolbar's arrows do the same.
    await page.click('button[aria-label="Previous Difference (Shift+F7)"]');
    assert.equal(await page.textContent('.nav-position'), 'Difference 2 of 3');
    host.dispose();
    await page.context().close();
  });

  it('says two identical sessions are identical, with everything folded', async () => {
    const same = await m.fork(aId, (await m.allMessages(aId)).at(-1)!.id, { title: 'Copy' });
    const { page, host } = await openCompareView(env, m, aId, same.id);
    await page.waitForSelector('.fold');
    assert.deepEqual(await statuses(page), ['fold:16 identical messages (A #1–#16, B #1–#16)']);
    assert.equal(await page.textContent('.nav-position'), 'No differences');
    assert.equal(await page.textContent('.nav-status'), 'The sessions are identical.');
    host.dispose();
    await page.context().close();
  });
});

describe('compare view with two 10,000-message sessions (Chromium)', function () {
  this.timeout(180_000);
  const env = withChromium();
  let m: SessionManager;

  it('renders only a window of rows and opens at a divergence far down', async () => {
    m = await SessionManager.open(tempDb());
    const a = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Long A' });
    const b = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Long B' });
    const text = (i: number) => `Message ${i}: ${'words '.repeat(i % 30)}`;
    const messages = (edit: (i: number) => string) =>
      Array.from(
        { length: 10_000 },
        (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: edit(i) }) as NewMessage,
      );
    await m.addMessages(a.id, messages(text));
    await m.addMessages(
      b.id,
      messages((i) => (i === 6_001 || i === 9_001 ? `${text(i)} (edited)` : text(i))),
    );
    const { page, view, host } = await openCompareView(env, m, a.id, b.id);
    await page.waitForSelector('.pair[data-pair="6001"].current .word-added');
    assert.equal(await page.textContent('.nav-position'), 'Difference 1 of 2');
    const rows = await page.$$eval('.pair, .fold', (els) => els.length);
    assert.ok(rows <= 40, `at most 40 rows in the DOM (saw ${rows})`);
    // The 6,001 identical pairs before it fold into one row, the one beside the difference kept in sight.
    assert.equal(
      (await statuses(page)).find((r) => r.startsWith('fold:')),
      'fold:6,000 identical messages (A #1–#6000, B #1–#6000)',
    );
    await page.keyboard.press('End');
    host.step(1);
    await page.waitForSelector('.pair[data-pair="9001"].current .word-added');
    assert.ok((await page.$$eval('.pair, .fold', (els) => els.length)) <= 40);
    host.dispose();
    await page.context().close();
    assert.deepEqual(view.errors, []);
    await m.close();
  });
});
