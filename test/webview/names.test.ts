// The history browser's names for imported LangSwarm sessions, in Chromium over a real SessionManager: titles from
// the first user words with the source id beside them, LangSwarm's status word and summary in the header, unknown
// token counts, and an empty session that says what it is instead of a blank pane.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import type { HistoryHost } from '../../src/extension/webview/historyHost';
import { FIXTURES, importedAs } from '../helpers/langswarm';
import { tempDb } from '../helpers/temp';
import { OpenedView, closeHistoryView, openHistoryView, withChromium } from '../helpers/webview';

const V1_JSON = path.join(FIXTURES, 'v1/json');

describe('history browser: imported session names (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  let m: SessionManager;
  let view: OpenedView;
  let page: Page;
  let host: HistoryHost;

  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    const files = ['session_4c8e0f16', 'session_0d3f8b52', 'session_5f0c2a9e'].map((id) =>
      path.join(V1_JSON, `${id}.json`),
    );
    await migrate(m, files, { naiveUtc: true });
    ({ view, page, host } = await openHistoryView(env, m, { coalesceMs: 10 }));
  });
  afterEach(async () => {
    await closeHistoryView({ view, page, host });
    await m.close();
  });

  const open = async (originalId: string) => {
    const id = importedAs(m, originalId)[0]!.id;
    await page.click(`.session-item[data-session="${id}"]`);
    await page.waitForSelector(`body[data-painted="${id}"]`);
  };

  it('lists sessions by their first user words, the source id on hover', async () => {
    const id = importedAs(m, 'session_5f0c2a9e')[0]!.id;
    const title = page.locator(`.session-item[data-session="${id}"] .title-text`);
    const shown = await title.textContent();
    assert.notEqual(shown, 'session_5f0c2a9e');
    // The hover holds the whole title (the row may cut it) and the source id.
    assert.equal(await title.getAttribute('title'), `${shown} (id session_5f0c2a9e)`);
  });

  it("shows LangSwarm's summary and the source id in the header; tokens it never counted are unknown", async () => {
    await open('session_4c8e0f16');
    assert.match(
      (await page.textContent('.session-header .source-summary')) ?? '',
      /LangSwarm summary: User asked for a refund of order 12345/,
    );
    const meta = (await page.textContent('.session-meta')) ?? '';
    assert.match(meta, /id session_4c8e0f16/);
    assert.match(meta, /tokens unknown/);
    assert.doesNotMatch(meta, /0 tokens/);
  });

  it('says an empty session is empty, and how LangSwarm status "expired" is shown', async () => {
    await open('session_0d3f8b52');
    const note = (await page.textContent('.session-header .empty-session')) ?? '';
    assert.match(note, /No messages yet\./);
    assert.match(note, /LangSwarm saved this session without any\./);
    assert.match(note, /Write the first one in the message box below\./);
    assert.equal(
      (await page.textContent('.session-header .source-status'))?.trim(),
      'LangSwarm status: expired (shown as completed)',
    );
    assert.equal(
      await page.locator('.session-header .badge').getAttribute('title'),
      'LangSwarm status: expired (shown as completed)',
    );
  });
});
