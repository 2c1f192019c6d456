// The composer's model parameters, built, in Chromium, over a real HistoryHost and a real database: the compact
// summary beside the model, the inline effort / temperature / max tokens that change what is stored (a bad value
// is refused with a notice and changes nothing), and "More…" / the header's button asking the host for
// Set Model Parameters….
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import { mockAccess } from '../helpers/providers';
import { tempDb } from '../helpers/temp';
import { OpenedView, openView, until, withChromium } from '../helpers/webview';
import { MockProviders } from '../mock-providers/server';

const tool = (name: string) => ({ name, parameters: { type: 'object', properties: {} } });

describe('history browser: model parameters in the composer (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  const mock = new MockProviders();
  let m: SessionManager;
  let view: OpenedView;
  let page: Page;
  let host: HistoryHost;
  let edited: string[];

  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
    edited = [];
  });
  afterEach(async () => {
    const csp = await view.cspViolations();
    host.dispose();
    await page.context().close();
    await m.close();
    assert.deepEqual(view.errors, [], 'no page errors');
    assert.deepEqual(csp, [], 'no CSP violations');
  });

  const open = async (sessionId: string) => {
    view = await openView(env.browser, env.server, 'history', (post) => {
      host = new HistoryHost(m, post, {
        conversations: mockAccess(mock),
        coalesceMs: 10,
        editParameters: (id) => void edited.push(id),
      });
      return host;
    });
    page = view.page;
    host.reveal({ sessionId });
    await page.waitForSelector('.session-title');
  };
  const summary = () => page.textContent('.composer-params');

  it('shows the parameters compactly and changes effort, temperature and max tokens inline', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Tools' });
    await m.setParameters(s.id, { reasoning: { effort: 'high' }, temperature: 0.2, tools: [tool('a'), tool('b')] });
    await open(s.id);
    assert.equal((await summary())?.trim(), 'effort high · temp 0.2 · 2 tools');
    assert.equal(await page.inputValue('.composer-model'), 'gpt-4o', 'beside the model');
    assert.ok(await page.isHidden('.composer-params-edit'), 'the controls are folded away');
    await page.click('.composer-params');
    assert.equal(await page.inputValue('.params-effort'), 'high');
    assert.equal(await page.inputValue('.params-temperature'), '0.2');

    await page.selectOption('.params-effort', 'low');
    await until(() => m.get(s.id).parameters?.reasoning?.effort === 'low', 'effort low stored', 5000);
    await page.fill('.params-max-tokens', '2000');
    await page.press('.params-max-tokens', 'Enter');
    await until(() => m.get(s.id).parameters?.maxOutputTokens === 2000, 'max tokens stored', 5000);
    await page.fill('.params-temperature', '');
    await page.press('.params-temperature', 'Enter');
    await until(() => m.get(s.id).parameters?.temperature === undefined, 'temperature removed', 5000);
    assert.deepEqual(m.get(s.id).parameters, {
      reasoning: { effort: 'low' },
      maxOutputTokens: 2000,
      tools: [tool('a'), tool('b')],
    });
    await until(
      async () => (await summary())?.trim() === 'effort low · max 2000 tokens · 2 tools',
      'the summary follows',
      5000,
    );
  });

  it('refuses a temperature out of range with a notice and changes nothing', async () => {
    const s = await m.create({ provider: 'gemini', model: 'gemini-2.5-pro' });
    await m.setParameters(s.id, { temperature: 1 });
    await open(s.id);
    await page.click('.composer-params');
    await page.fill('.params-temperature', '7');
    await page.press('.params-temperature', 'Enter');
    await page.waitForSelector('.composer-notice.level-error');
    assert.match(
      (await page.textContent('.composer-notice')) ?? '',
      /A temperature is a number from 0 to 2.*Nothing was changed/,
    );
    assert.deepEqual(m.get(s.id).parameters, { temperature: 1 });
  });

  it('says when none are set, and More… and the header button ask for Set Model Parameters…', async () => {
    const s = await m.create({ provider: 'anthropic', model: 'claude-sonnet-5-5' });
    await open(s.id);
    assert.equal((await summary())?.trim(), 'default parameters');
    await page.click('.composer-params');
    await page.click('.params-more');
    await page.click('.edit-parameters');
    await until(() => edited.length === 2, 'both asked the host', 5000);
    assert.deepEqual(edited, [s.id, s.id]);
  });

  it('a change made elsewhere (the command, the CLI) repaints the summary and the header', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-4o' });
    await open(s.id);
    await m.setParameters(s.id, { tools: [tool('lookup')] });
    await until(async () => (await summary())?.trim() === '1 tool', 'the summary repaints', 5000);
    await page.waitForSelector('details >> text=Model parameters');
  });
});
