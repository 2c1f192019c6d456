// The compare view in Chromium on two 10,000-message sessions that differ in a few replies: time from the view's
// load to the first paint with every row in sight filled, beside the history browser's first paint in the same run.
import type { SessionManager } from '../../src/core/sessions';
import { CompareHost } from '../../src/extension/webview/compareHost';
import { type WebviewServer, openView } from '../helpers/webview';
import type { Browser } from 'playwright-core';
import { type Report, percentile, scaled } from './report';

export async function runCompareViewBench(
  report: Report,
  env: { browser: Browser; server: WebviewServer; manager: SessionManager },
  historyFirstPaint: number,
): Promise<void> {
  const m = env.manager;
  const count = scaled(10_000);
  const text = (i: number) => `Message ${i}: ${'lorem ipsum '.repeat(3 + (i % 20))}`;
  const make = async (title: string, edit: (i: number) => string) => {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o', title });
    await m.addMessages(
      s.id,
      Array.from({ length: count }, (_, i) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: edit(i),
      })),
    );
    return s.id;
  };
  // 1% of the replies edited, the first a third of the way in (where the view opens).
  const a = await make('compare bench A', text);
  const b = await make('compare bench B', (i) => (i % 200 === 67 && i > count / 3 ? `${text(i)} (edited)` : text(i)));
  const paints: number[] = [];
  for (let run = 0; run < 5; run++) {
    let host: CompareHost | undefined;
    const view = await openView(env.browser, env.server, 'compare', (post) => (host = new CompareHost(m, a, b, post)), {
      width: 1280,
      height: 900,
    });
    await view.page.waitForFunction(() => document.body.dataset['painted'] !== undefined, null, { timeout: 60_000 });
    paints.push(await view.page.evaluate(() => performance.measure('paint', 'lss:open', 'lss:painted').duration));
    host?.dispose();
    await view.page.context().close();
  }
  paints.sort((x, y) => x - y);
  const median = percentile(paints, 50);
  const n = count.toLocaleString('en');
  report.add({
    suite: 'webview',
    metric: `compare view: ${n} vs ${n} messages (1% differ) to first paint (median of 5)`,
    value: median,
    unit: 'ms',
    note: `${(median / historyFirstPaint).toFixed(2)}x the history browser's first paint in this run; alignment in the host's store`,
  });
}
