// Screenshots of both webviews in Dark Modern, Light Modern and High Contrast, saved to test-artifacts/ to be looked at.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { documentSource, dumpState } from '../../src/core/dump';
import { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import { StateHost } from '../../src/extension/webview/stateHost';
import { MockProviders } from '../mock-providers/server';
import { mockAccess } from '../helpers/providers';
import { seedOthers, seedShowcase } from '../helpers/sample';
import { tempDb } from '../helpers/temp';
import { DARK_MODERN, HIGH_CONTRAST, LIGHT_MODERN } from '../helpers/themes';
import { openView, withChromium } from '../helpers/webview';

const OUT = path.resolve(__dirname, '../../test-artifacts');

describe('webview screenshots (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  let m: SessionManager;
  let sessionId: string;
  const mock = new MockProviders();

  before(async () => {
    await mock.start();
    m = await SessionManager.open(tempDb());
    sessionId = (await seedShowcase(m)).session.id;
    await seedOthers(m);
    fs.mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await m?.close();
    await mock.stop();
  });

  for (const [name, theme] of [
    ['dark', DARK_MODERN],
    ['light', LIGHT_MODERN],
    ['high-contrast', HIGH_CONTRAST],
  ] as const) {
    it(`history browser, ${name}`, async () => {
      let host: HistoryHost | undefined;
      const view = await openView(env.browser, env.server, 'history', (post) => (host = new HistoryHost(m, post)), {
        theme,
        width: 1280,
        height: 860,
      });
      host!.reveal({ sessionId });
      await view.page.waitForSelector('article.message:not(.loading)');
      await view.page.click('.filters-toggle'); // the filters, open in the picture
      await view.page.click('.role-toggle[data-role="system"]'); // a pressed-off toggle in the picture
      await view.page.hover('article.message[data-seq="2"]');
      await view.page.waitForTimeout(300);
      const file = path.join(OUT, `history-${name}.png`);
      await view.page.screenshot({ path: file });
      await view.page.$eval('.feed', (el) => {
        el.scrollTop = 900;
      });
      await view.page.waitForTimeout(300);
      await view.page.screenshot({ path: path.join(OUT, `history-${name}-2.png`) });
      await view.page.click('.open-replay');
      await view.page.keyboard.press('ArrowRight');
      await view.page.waitForTimeout(200);
      await view.page.screenshot({ path: path.join(OUT, `history-${name}-replay.png`) });
      host!.dispose();
      assert.deepEqual(view.errors, []);
      await view.page.context().close();
      assert.ok(fs.statSync(file).size > 10_000);
    });

    it(`composer mid-stream, ${name}`, async () => {
      let host: HistoryHost | undefined;
      const { session } = await seedShowcase(m);
      const view = await openView(
        env.browser,
        env.server,
        'history',
        (post) => (host = new HistoryHost(m, post, { conversations: mockAccess(mock) })),
        { theme, width: 1280, height: 860 },
      );
      host!.reveal({ sessionId: session.id });
      await view.page.waitForSelector('.composer-input');
      await view.page.selectOption('.composer-provider', 'openai');
      mock.script('openai', {
        chunks: [
          'Here is the plan in short:\n\n',
          '- **Mon**: Louvre in the morning, ',
          'Seine walk at dusk\n',
          '- **Tue**: Montmartre and ',
        ],
        hang: true,
      });
      await view.page.fill('.composer-input', 'Summarise the plan day by day.');
      await view.page.press('.composer-input', 'Enter');
      await view.page.waitForSelector('article.message.is-streaming:has-text("Montmartre and")');
      await view.page.waitForSelector('.composer-notice.level-warning');
      await view.page.fill('.composer-input', 'And what should I pack?');
      await view.page.waitForTimeout(300);
      const file = path.join(OUT, `history-composer-${name}.png`);
      await view.page.screenshot({ path: file });
      await view.page.click('.composer-action');
      await view.page.waitForSelector('article.message.is-partial:has-text("Montmartre and")');
      await view.page.waitForTimeout(200);
      await view.page.screenshot({ path: path.join(OUT, `history-composer-${name}-stopped.png`) });
      host!.dispose();
      assert.deepEqual(view.errors, []);
      await view.page.context().close();
      assert.ok(fs.statSync(file).size > 10_000);
    });

    it(`state view, ${name}`, async () => {
      let host: StateHost | undefined;
      const dump = await dumpState(
        m,
        { sessionId },
        { extensionVersion: '0.1.0', patterns: [{ name: 'city', pattern: 'Paris' }] },
      );
      const view = await openView(
        env.browser,
        env.server,
        'state',
        (post) => {
          host = new StateHost(post);
          host.show(documentSource(dump), 'State: Trip planning with tools');
          return host;
        },
        { theme, width: 1100, height: 700 },
      );
      await view.page.waitForSelector('[role=treeitem]');
      await view.page.click('[data-path=\'["sessions"]\'] > .line');
      await view.page.click('[data-path=\'["sessions",0]\'] > .line');
      await view.page.click('[data-path=\'["sessions",0,"session"]\'] > .line');
      await view.page.fill('input[type=search]', 'REDACTED');
      await view.page.waitForSelector('.result');
      await view.page.waitForTimeout(200);
      const file = path.join(OUT, `state-${name}.png`);
      await view.page.screenshot({ path: file });
      assert.deepEqual(view.errors, []);
      await view.page.context().close();
      assert.ok(fs.statSync(file).size > 10_000);
    });
  }
});
