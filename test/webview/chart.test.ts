// The history browser's chart (src/webview/history/chart.ts), built, in Chromium, answered by HistoryHost over a real
// SessionManager: it draws the session's series in the theme's colours (and again in another theme), says each turn's
// numbers under the cursor, reveals a turn's message on click, stays open across reloads and follows new turns.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { SessionManager } from '../../src/core/sessions';
import { makeTrace } from '../helpers/traces';
import { tempDb } from '../helpers/temp';
import { DARK_MODERN, LIGHT_MODERN, Theme } from '../helpers/themes';
import { OpenedHistory, closeHistoryView, openHistoryView, until, withChromium } from '../helpers/webview';

const OUT = path.resolve(__dirname, '../../test-artifacts');

/** The hour before now: replies stored without a trace (now) come after the traced ones. */
const T0 = Date.now() - 3_600_000;

/** Four turns: cached and reasoning tokens, a trimmed request, a failed call, an imported reply of an unpriced model. */
async function seed(m: SessionManager) {
  const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Charted session' });
  const producer = { name: 'openai', model: 'gpt-4o' };
  const [u1, r1, u2, r2, u3] = await m.addMessages(s.id, [
    { role: 'user', content: 'First question' },
    {
      role: 'assistant',
      content: 'First answer',
      provider: producer,
      usage: {
        inputTokens: 10_000,
        cachedInputTokens: 6_000,
        outputTokens: 2_000,
        reasoningTokens: 1_500,
        totalTokens: 12_000,
      },
    },
    { role: 'user', content: 'Second question' },
    {
      role: 'assistant',
      content: 'Second answer',
      provider: producer,
      usage: { inputTokens: 90_000, outputTokens: 300, totalTokens: 90_300 },
    },
    { role: 'user', content: 'Third question' },
  ]);
  const trace = (fields: Parameters<typeof makeTrace>[1], turn: number) =>
    m.recordTrace(makeTrace('{}', { sessionId: s.id, ...fields }, T0 + turn * 60_000));
  await trace({ messageIds: [u1!.id, r1!.id] }, 0);
  await trace({ messageIds: [u2!.id, r2!.id], trimmed: { turns: 2, messages: 4 } }, 1);
  await trace(
    {
      messageIds: [u3!.id],
      outcome: 'error',
      error: { code: 'ProviderError', message: 'overloaded' },
      usage: undefined,
      firstTokenAt: undefined,
      endedAt: new Date(T0 + 2 * 60_000 + 4_000).toISOString(),
    },
    2,
  );
  const [imported] = await m.addMessages(s.id, [
    {
      role: 'assistant',
      content: 'An imported answer',
      provider: { name: 'openai', model: 'mystery-model-9' },
      usage: { inputTokens: 500, outputTokens: 50, totalTokens: 550 },
    },
  ]);
  return { session: s, r1: r1!, r2: r2!, u3: u3!, imported: imported! };
}

/** The page x of turn `turn` (1-based) of `count` in the first chart's plot area (each turn in the middle of its slot). */
async function turnX(page: Page, turn: number, count: number): Promise<{ x: number; y: number }> {
  const box = (await page.locator('.chart-plots .u-over').first().boundingBox())!;
  return { x: box.x + ((turn - 0.5) / count) * box.width, y: box.y + box.height / 2 };
}

/** How many pixels of each canvas are (nearly) `hex`, optionally only in the column at page x. */
function countColour(page: Page, index: number, hex: string, atX?: number): Promise<number> {
  return page.evaluate(
    ({ index, hex, atX }) => {
      const canvas = document.querySelectorAll<HTMLCanvasElement>('.chart-plots canvas')[index]!;
      const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      const rect = canvas.getBoundingClientRect();
      const column = atX === undefined ? undefined : Math.round(((atX - rect.left) / rect.width) * width);
      let n = 0;
      for (let y = 0; y < height; y++)
        for (let x = column === undefined ? 0 : column - 2; x < (column === undefined ? width : column + 3); x++) {
          const i = (y * width + x) * 4;
          if (Math.abs(data[i]! - r!) < 24 && Math.abs(data[i + 1]! - g!) < 24 && Math.abs(data[i + 2]! - b!) < 24) n++;
        }
      return n;
    },
    { index, hex, atX },
  );
}

describe('session chart (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  let m: SessionManager;
  let ids: Awaited<ReturnType<typeof seed>>;
  let opened: OpenedHistory;
  let page: Page;

  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    ids = await seed(m);
    opened = await openHistoryView(env, m, { coalesceMs: 10 });
    page = opened.page;
    await page.click(`.session-item[data-session="${ids.session.id}"]`);
    await page.waitForSelector('.session-title');
  });
  afterEach(async () => {
    await closeHistoryView(opened);
    await m.close();
  });

  const openChart = async () => {
    await page.click('.chart-toggle');
    await page.waitForFunction(() => document.querySelectorAll('.chart-plots canvas').length === 3);
  };
  const readoutAt = async (turn: number, count = 4) => {
    const { x, y } = await turnX(page, turn, count);
    await page.mouse.move(x, y);
    return (await page.textContent('.chart-readout')) ?? '';
  };

  it("draws the session's turns in the theme's colours, with the trimmed turn marked, and no CSP violation", async () => {
    assert.equal(await page.locator('.chart-panel').isHidden(), true, 'closed until asked for');
    await openChart();
    assert.equal(await page.getAttribute('.chart-toggle', 'aria-pressed'), 'true');
    const c = DARK_MODERN.colors;
    assert.ok((await countColour(page, 0, c['charts-blue']!)) > 50, 'input tokens drawn');
    assert.ok((await countColour(page, 1, c['charts-orange']!)) > 50, 'cost bars drawn');
    assert.ok((await countColour(page, 2, c['charts-blue']!)) > 20, 'latency drawn');
    // The trimmed turn (2 of 4) has the red rule through it; turn 1 has none.
    const red = c['charts-red']!;
    assert.ok((await countColour(page, 0, red, (await turnX(page, 2, 4)).x)) > 20, 'trimmed mark at turn 2');
    assert.equal(await countColour(page, 0, red, (await turnX(page, 1, 4)).x + 3), 0, 'no mark at turn 1');
    const legend = (await page.textContent('.chart-legend')) ?? '';
    assert.match(legend, /context window 128k/);
    assert.match(legend, /history trimmed \(1 turn\)/);
    assert.match(legend, /cost \(no bar for 2 of 4: price unknown or no usage\)/);
    assert.match((await page.textContent('.chart-readout')) ?? '', /^4 turns · point at one/);
    assert.deepEqual(await opened.view.cspViolations(), []);
  });

  it("says each turn's numbers under the cursor", async () => {
    await openChart();
    const first = await readoutAt(1);
    assert.match(first, /^Turn 1 · openai\/gpt-4o · /);
    // gpt-4o at $2.50, $1.25 cached and $10 out per million: 4,000 × 2.5 + 6,000 × 1.25 + 2,000 × 10 (not $0.0450, all uncached).
    assert.match(
      first,
      /in 10,000 \(6,000 cached\) · out 2,000 \(1,500 reasoning\) · 7\.8% of 128k window · \$0\.0375 · /,
    );
    assert.match(first, /1\.2 s \(first token 0\.3 s\)/);
    assert.match(
      await readoutAt(2),
      /in 90,000 · out 300 · 70% of 128k window .* history trimmed: 2 oldest turns left out/,
    );
    const failed = await readoutAt(3);
    assert.match(failed, /Turn 3 · .* · failed · no token usage recorded · price unknown \(the call failed before/);
    assert.match(failed, /· 4 s$/);
    assert.match(
      await readoutAt(4),
      /openai\/mystery-model-9 .* price unknown \(model mystery-model-9 is not in the price table/,
    );
  });

  it("reveals a turn's message on click", async () => {
    await openChart();
    const { x, y } = await turnX(page, 2, 4);
    await page.mouse.click(x, y);
    await page.waitForSelector(`article.message[data-id="${ids.r2.id}"].flash`);
    const failed = await turnX(page, 3, 4);
    await page.mouse.click(failed.x, failed.y);
    await page.waitForSelector(`article.message[data-id="${ids.u3.id}"].flash`);
  });

  it('steps through the turns from the keyboard: arrows, Home/End, Enter reveals', async () => {
    await openChart();
    await page.focus('.chart-plots');
    await page.keyboard.press('End');
    assert.match((await page.textContent('.chart-readout')) ?? '', /^Turn 4 · openai\/mystery-model-9/);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.match((await page.textContent('.chart-readout')) ?? '', /^Turn 2 · .*history trimmed/);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`article.message[data-id="${ids.r2.id}"].flash`);
    await page.focus('.chart-plots');
    await page.keyboard.press('Home');
    assert.match((await page.textContent('.chart-readout')) ?? '', /^Turn 1 · /);
  });

  it('is pictured in Dark Modern and Light Modern (test-artifacts/chart-*.png, to be looked at)', async () => {
    await openChart();
    fs.mkdirSync(OUT, { recursive: true });
    await page.mouse.move(...(Object.values(await turnX(page, 2, 4)) as [number, number]));
    await page.screenshot({ path: path.join(OUT, 'chart-dark.png') });
    await setTheme(page, LIGHT_MODERN);
    await until(async () => (await countColour(page, 0, LIGHT_MODERN.colors['charts-blue']!)) > 50, 'the light theme');
    await page.screenshot({ path: path.join(OUT, 'chart-light.png') });
  });

  it('stays open across a reload, follows a new turn, and redraws in a new theme', async () => {
    await openChart();
    await opened.view.reload();
    await page.waitForFunction(() => document.querySelectorAll('.chart-plots canvas').length === 3);
    assert.equal(await page.getAttribute('.chart-toggle', 'aria-pressed'), 'true');
    // A turn ends: its trace is recorded, and the chart hears of it.
    const [reply] = await m.addMessages(ids.session.id, [
      {
        role: 'assistant',
        content: 'Fifth',
        provider: { name: 'openai', model: 'gpt-4o' },
        usage: { inputTokens: 100, outputTokens: 10, totalTokens: 110 },
      },
    ]);
    await m.recordTrace(makeTrace('{}', { sessionId: ids.session.id, messageIds: [reply!.id] }, Date.now()));
    await until(async () => /^5 turns/.test((await page.textContent('.chart-readout')) ?? ''), 'the chart to follow');
    const dark = DARK_MODERN.colors['charts-blue']!;
    const light = LIGHT_MODERN.colors['charts-blue']!;
    const before = await countColour(page, 0, dark);
    await setTheme(page, LIGHT_MODERN);
    await until(async () => (await countColour(page, 0, light)) > 50, 'the light theme drawn');
    // Light blue's anti-aliased edges pass near dark blue, so a few pixels may match: not the lines themselves.
    assert.ok((await countColour(page, 0, dark)) < before / 10, 'the dark theme is gone');
    await page.click('.chart-toggle');
    assert.equal(await page.locator('.chart-panel').isHidden(), true);
    assert.equal(await page.locator('.chart-plots canvas').count(), 0, 'closed, its charts are gone');
  });
});

/** What VS Code does when the colour theme changes: new variables, then the body's class. */
async function setTheme(page: Page, theme: Theme): Promise<void> {
  await page.evaluate(
    ({ colors, bodyClass }) => {
      for (const [k, v] of Object.entries(colors)) document.documentElement.style.setProperty(`--vscode-${k}`, v);
      document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
      document.body.classList.add(bodyClass);
    },
    { colors: theme.colors, bodyClass: theme.bodyClass },
  );
}
