// The history browser's composer, built, in Chromium: a real HistoryHost sends through the core's send() with the
// offline Replay provider, or with the real OpenAI SDK against the local mock server; everything lands in a real
// database on a temp file.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { send } from '../../src/core/conversation';
import { Message, messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import { MockProviders } from '../mock-providers/server';
import { mockAccess } from '../helpers/providers';
import { IpcNotification } from '../../src/protocol';
import { seedShowcase, SampleIds } from '../helpers/sample';
import { tempDb } from '../helpers/temp';
import { OpenedView, openView, until, withChromium } from '../helpers/webview';

describe('history browser composer (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();
  const mock = new MockProviders();
  let file: string;
  let m: SessionManager;
  let sample: SampleIds;
  let view: OpenedView;
  let page: Page;
  let host: HistoryHost;

  before(() => mock.start());
  after(() => mock.stop());
  beforeEach(async () => {
    mock.reset();
    file = tempDb();
    m = await SessionManager.open(file);
    sample = await seedShowcase(m);
  });
  afterEach(async () => {
    const csp = await view.cspViolations();
    host.dispose();
    await page.context().close();
    await m.close();
    assert.deepEqual(view.errors, [], 'no page errors');
    assert.deepEqual(csp, [], 'no CSP violations');
  });

  const open = async (
    sessionId: string,
    options: Partial<ConstructorParameters<typeof HistoryHost>[2]> = {},
    size: { width?: number; height?: number } = {},
  ) => {
    view = await openView(
      env.browser,
      env.server,
      'history',
      (post) => (host = new HistoryHost(m, post, { conversations: mockAccess(mock), coalesceMs: 10, ...options })),
      size,
    );
    page = view.page;
    host.reveal({ sessionId });
    await page.waitForSelector('.session-title');
  };
  const type = async (text: string) => {
    await page.fill('.composer-input', text);
    await page.press('.composer-input', 'Enter');
  };
  const last = (sessionId: string): Message => m.allMessages(sessionId).at(-1)!;
  /** A message row (rows are in the DOM in no particular order) with this state and text. */
  const row = (state: 'streaming' | 'partial' | 'complete', text: string) =>
    `article.message.role-assistant.is-${state}:has-text(${JSON.stringify(text)})`;
  const atBottom = () => page.$eval('.feed', (el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
  /** At the bottom once the rows just painted are measured (a frame or two). */
  const settlesAtBottom = (what: string) => until(atBottom, what, 2000);

  it('says before sending that Replay (offline) will answer; with nothing recorded it stores nothing and gives the text back', async () => {
    const s = await m.create({ provider: 'gemini', model: 'gemini-2.5-pro', title: 'Offline' });
    await m.addMessages(s.id, [
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
    ]);
    await open(s.id);
    assert.equal(await page.inputValue('.composer-provider'), 'gemini', "the session's provider");
    assert.equal(
      await page.textContent('.composer-answerer .answerer-text'),
      'Replay (offline) answers, not gemini · gemini-2.5-pro. No API key is set for Gemini.',
    );
    assert.equal(await page.textContent('.composer-answerer a.link'), 'Set API Key…');
    assert.equal(await page.getAttribute('.composer-answerer a.link', 'data-command'), 'langswarmSessions.setApiKey');
    await type('Plan a day in Lisbon');
    await page.waitForSelector('.composer-notice.level-error >> text=no recorded reply for turn 2');
    assert.match(
      (await page.textContent('.composer-notice')) ?? '',
      /The offline Replay provider has no recorded reply for turn 2 \(this session was not forked or replayed from a recording\), so nothing was sent or stored\./,
    );
    assert.equal(await page.inputValue('.composer-input'), 'Plan a day in Lisbon', 'the text is given back');
    assert.deepEqual(
      m.allMessages(s.id).map((x) => messageText(x.parts)),
      ['Earlier question', 'Earlier answer'],
      'nothing stored: no made-up reply',
    );
  });

  it('sends with the offline Replay provider in a fork of a recording: the message and the streamed reply appear, and are in the database', async () => {
    const s = await m.create({ provider: 'gemini', model: 'gemini-2.5-pro', title: 'Recorded' });
    const [, firstAnswer] = await m.addMessages(s.id, [
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
      { role: 'user', content: 'Recorded question' },
      { role: 'assistant', content: 'The recorded plan for Lisbon.' },
    ]);
    const fork = await m.fork(s.id, firstAnswer!.id, { title: 'Offline fork' });
    await open(fork.id);
    assert.equal(await page.inputValue('.composer-model'), 'gemini-2.5-pro', "the session's model");
    await page.waitForSelector('.composer-answerer >> text=Replay (offline)');
    assert.ok(await page.isDisabled('.composer-action'), 'nothing to send yet');
    // Shift+Enter is a new line; Enter sends. The payload must stay text all the way.
    await page.click('.composer-input');
    await page.keyboard.type('Plan a day in Lisbon');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('<img src=x onerror="window.__pwned=1"> **bold**');
    assert.equal(
      await page.inputValue('.composer-input'),
      'Plan a day in Lisbon\n<img src=x onerror="window.__pwned=1"> **bold**',
    );
    await page.keyboard.press('Enter');
    await page.waitForSelector(row('complete', 'The recorded plan for Lisbon.'));
    assert.equal(await page.inputValue('.composer-input'), '', 'the composer is emptied once sent');
    const [user, reply] = m.allMessages(fork.id).slice(-2);
    assert.equal(user?.role, 'user');
    assert.equal(messageText(user!.parts), 'Plan a day in Lisbon\n<img src=x onerror="window.__pwned=1"> **bold**');
    assert.equal(reply?.state, 'complete');
    assert.equal(messageText(reply!.parts), 'The recorded plan for Lisbon.');
    assert.equal(await page.locator(`article.message[data-id="${user!.id}"]`).count(), 1, 'the user message is shown');
    assert.equal(await page.locator('.feed img').count(), 0, 'no element from the text');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(m.get(fork.id).provider, 'gemini', 'answering offline does not switch the session');
    await page.waitForSelector('.composer-action[aria-label="Send (Enter)"]');
    assert.equal(await page.textContent('.composer-state'), '');
    assert.equal(await page.locator('.composer-notice').count(), 0, 'the answerer line said it all: no notice');
  });

  it('replaces a notice with the next one (never stacked); its command link asks the host to run the command', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Paused' });
    await m.pause(s.id);
    const ran: unknown[] = [];
    mock.script('openai', { error: { status: 401 } }, { error: { status: 401 } });
    await open(s.id, { runCommand: (link) => ran.push(link) });
    // A notice from an earlier turn (as the editor once said when there was no key).
    host.ipc.notify(IpcNotification.TurnNotice, {
      sessionId: s.id,
      level: 'info',
      message: 'No API key is set for OpenAI; answering with the offline Replay provider.',
    });
    await page.waitForSelector('.composer-notice.level-info >> text=No API key is set for OpenAI');
    await type('Anyone there?');
    // The host said it made the session active, then the call failed: the error replaces that notice.
    await page.waitForSelector('.composer-notice.level-error >> text=OpenAI rejected the API key');
    assert.equal(await page.locator('.composer-notice').count(), 1, 'one notice: the newest');
    assert.equal(await page.locator('.composer-notice.level-info').count(), 0, 'the older one is gone');
    assert.deepEqual(
      m.allMessages(s.id).map((x) => [x.role, x.state]),
      [['user', 'complete']],
      'no empty "error" reply stored',
    );
    const link = page.locator('.composer-notice a.link', { hasText: 'Set API Key…' });
    assert.equal(await link.getAttribute('role'), 'link');
    await link.click();
    await until(async () => ran.length === 1, 'the host ran the command');
    assert.deepEqual(ran, [
      { label: 'Set API Key…', command: 'langswarmSessions.setApiKey', args: { provider: 'openai' } },
    ]);
    // By keyboard too, and a second failure still leaves one notice.
    await link.focus();
    await page.keyboard.press('Enter');
    await until(async () => ran.length === 2, 'Enter on the link ran it');
    await type('Again?');
    await until(async () => m.allMessages(s.id).length === 2, 'the second message stored');
    await page.waitForSelector('.composer-notice.level-error >> text=OpenAI rejected the API key');
    assert.equal(await page.locator('.composer-notice').count(), 1);
  });

  it('continues an imported session in a fork when the host says so: the browser moves to the fork, at its end', async () => {
    const s = await m.create({
      provider: 'openai',
      model: 'gpt-5.5',
      title: 'Imported record',
      origin: { format: 'langswarm-v1-json', file: 'session.json', originalId: 'session_1', fields: {} },
    });
    await m.addMessages(
      s.id,
      Array.from({ length: 12 }, (_, i) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: `Recorded message ${i} `.repeat(20),
      })),
    );
    await m.complete(s.id);
    const before = JSON.stringify([m.get(s.id), m.allMessages(s.id)]);
    mock.script('openai', { text: 'The answer in the fork.' });
    await open(s.id);
    await type('Go on, in a copy');
    await page.waitForSelector('.session-title:has-text("Fork of Imported record")');
    await page.waitForSelector(row('complete', 'The answer in the fork.'));
    await settlesAtBottom('the fork shown at its end');
    assert.equal(await page.inputValue('.composer-input'), '', 'the message went');
    assert.equal(JSON.stringify([m.get(s.id), m.allMessages(s.id)]), before, 'the record is unchanged');
  });

  it('follows to the end after sending where the placeholder wraps (measuring the box must not clamp the scroll)', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Parked' });
    await m.addMessages(
      s.id,
      Array.from({ length: 12 }, (_, i) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: `Earlier message ${i} `.repeat(20),
      })),
    );
    await m.pause(s.id);
    mock.script('openai', { text: 'Back, and at the end.' });
    // The editor area of a 1400 px window with both side bars open: the empty box's placeholder takes two lines.
    await open(s.id, {}, { width: 730, height: 900 });
    await type('Wake up');
    await page.waitForSelector('.composer-notice >> text=active again (it was paused)');
    await page.waitForSelector(row('complete', 'Back, and at the end.'));
    await settlesAtBottom('the reply in view');
  });

  it('shows who answers anew when a key is set, without a reload', async () => {
    const s = await m.create({ provider: 'anthropic', model: 'claude-sonnet-5-5', title: 'Waiting for a key' });
    let hasKey = false;
    let changed: (() => void) | undefined;
    const base = mockAccess(mock);
    const conversations = {
      ...base,
      choices: () =>
        base.choices().map((c) => (c.name === 'anthropic' && hasKey ? { name: c.name, models: c.models } : c)),
      onDidChange: (listener: () => void) => {
        changed = listener;
        return () => (changed = undefined);
      },
    };
    await open(s.id, { conversations });
    await page.waitForSelector('.composer-answerer >> text=No API key is set for Anthropic.');
    await page.fill('.composer-input', 'kept while the key is set');
    hasKey = true;
    changed!();
    await page.waitForSelector('.composer-answerer', { state: 'hidden' });
    assert.equal(await page.inputValue('.composer-input'), 'kept while the key is set');
  });

  it('stops a reply mid-stream (the partial reply stays, marked), refuses a second send meanwhile, and carries on after a reload', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Long answer' });
    await m.addMessages(
      s.id,
      Array.from({ length: 30 }, (_, i) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: `Filler message ${i} `.repeat(12),
      })),
    );
    mock.script('openai', { chunks: ['The first part ', 'of a long answer, ', 'and then it hangs'], hang: true });
    await open(s.id);
    await type('Tell me everything');
    const streaming = row('streaming', 'and then it hangs');
    await page.waitForSelector(streaming);
    assert.equal(await page.getAttribute(streaming, 'aria-busy'), 'true');
    assert.match((await page.textContent(`${streaming} .badge.state-streaming`)) ?? '', /streaming/);
    await page.waitForSelector('.composer-action.is-stop[aria-label="Stop the reply"]');
    assert.match((await page.textContent('.composer-state')) ?? '', /Streaming the reply/);
    await settlesAtBottom('the view following the reply');
    // A second message while the reply streams is refused, and kept.
    await type('And another thing');
    await page.waitForSelector('.composer-notice.level-error >> text=A reply is still streaming in this session');
    assert.equal(await page.inputValue('.composer-input'), 'And another thing');
    assert.equal(m.allMessages(s.id).filter((x) => messageText(x.parts) === 'And another thing').length, 0);
    // A reload (VS Code reloads a hidden webview) shows the reply so far and still offers Stop.
    await view.reload();
    await page.waitForSelector(streaming);
    await page.waitForSelector('.composer-action.is-stop');
    assert.equal(await page.inputValue('.composer-input'), 'And another thing', 'the unsent text survives the reload');
    await page.click('.composer-action');
    const stopped = row('partial', 'and then it hangs');
    await page.waitForSelector(`${stopped} .badge.state-partial`);
    await page.waitForSelector('.composer-notice.level-info >> text=cancelled; any partial reply was kept');
    const reply = last(s.id);
    assert.equal(reply.state, 'partial');
    assert.equal(reply.stopReason, 'cancelled');
    assert.equal(messageText(reply.parts), 'The first part of a long answer, and then it hangs');
    assert.match(
      (await page.textContent(`${stopped} .message-body`)) ?? '',
      /The first part of a long answer, and then it hangs/,
    );
    assert.match((await page.textContent(`${stopped} .message-details`)) ?? '', /stop cancelled/);
    await page.waitForSelector('.composer-action[aria-label="Send (Enter)"]');
  });

  it('puts the keyboard in the message box when a reveal asks for it (Resume), and not otherwise', async () => {
    const first = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'First session' });
    const second = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Second session' });
    await open(first.id);
    const inComposer = () => page.evaluate(() => document.activeElement?.classList.contains('composer-input') === true);
    await page.waitForSelector('.composer-input');
    assert.equal(await inComposer(), false, 'opening alone leaves the keyboard alone');
    host.reveal({ sessionId: second.id, focusComposer: true });
    await page.waitForSelector('.session-title:has-text("Second session")');
    await until(inComposer, 'the keyboard in the composer', 2000);
    await page.keyboard.type('Typed straight away');
    assert.equal(await page.inputValue('.composer-input'), 'Typed straight away');
  });

  it('shows a reply streaming in from outside the composer (Send Message…) as streaming, not cut off, until it ends', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Sent from the command' });
    await open(s.id);
    let finish: (() => void) | undefined;
    const sending = send(m, s.id, 'From the command', {
      saveEveryMs: 0,
      provider: {
        name: 'openai',
        send: async (_request, options = {}) => {
          options.onEvent?.({ type: 'text_delta', text: 'Arriving slowly' });
          await new Promise<void>((resolve) => (finish = resolve));
          return {
            parts: [{ type: 'text', text: 'Arriving slowly, and done.' }],
            stopReason: 'end_turn',
            model: 'gpt-5.5',
            native: {},
            warnings: [],
          };
        },
      },
    });
    await page.waitForSelector(`${row('streaming', 'Arriving slowly')} .badge.state-streaming`);
    assert.equal(await page.$$eval('.badge.state-partial', (b) => b.length), 0, 'not shown as cut off');
    finish!();
    await sending;
    await page.waitForSelector(row('complete', 'Arriving slowly, and done.'));
    assert.equal(await page.$$eval('.badge.state-streaming', (b) => b.length), 0);
  });

  it('stops a reply with Escape, and a reply that ended never shows as streaming beside Send', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Escape' });
    mock.script(
      'openai',
      { chunks: ['Half ', 'an answer'], hang: true },
      { chunks: ['A whole ', 'answer'], delayMs: 20 },
    );
    await open(s.id);
    // Records any moment the composer offers Send while a row still says it is streaming.
    await page.evaluate(() => {
      const w = window as unknown as { __stale: number };
      w.__stale = 0;
      new MutationObserver(() => {
        if (
          document.querySelector('.composer-action[aria-label="Send (Enter)"]') &&
          document.querySelector('article.message.is-streaming')
        )
          w.__stale++;
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await type('Start');
    await page.waitForSelector(row('streaming', 'an answer'));
    await page.press('.composer-input', 'Escape');
    await page.waitForSelector(row('partial', 'an answer'));
    await until(() => last(s.id).stopReason === 'cancelled', 'the reply stored as stopped');
    await type('Again');
    await page.waitForSelector(row('complete', 'A whole answer'));
    await page.waitForSelector('.composer-action[aria-label="Send (Enter)"]');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __stale: number }).__stale),
      0,
      'no stale streaming badge once a turn ended',
    );
  });

  it('follows the newest message while streaming, unless the user scrolled up', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Scrolling' });
    await m.addMessages(
      s.id,
      Array.from({ length: 40 }, (_, i) => ({
        role: i % 2 ? ('assistant' as const) : ('user' as const),
        content: `Line ${i} `.repeat(40),
      })),
    );
    const chunks = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} of the reply.\n\n`);
    mock.script('openai', { chunks: chunks.slice(0, 20), delayMs: 30 }, { chunks, delayMs: 40 });
    await open(s.id);
    await type('First');
    await page.waitForSelector(row('complete', 'Paragraph 19 of the reply.'));
    await settlesAtBottom('the view following the reply to its end');
    await type('Second');
    await page.waitForSelector(row('streaming', 'Paragraph 3 of the reply.'));
    await settlesAtBottom('the view following while it streams');
    // The user scrolls up with the wheel: the view stays where they put it while the reply goes on.
    await page.hover('.feed');
    await page.mouse.wheel(0, -1500);
    await page.waitForTimeout(300);
    const top = await page.$eval('.feed', (el) => el.scrollTop);
    assert.ok(!(await atBottom()));
    await until(() => last(s.id).state === 'complete', 'the reply stored complete');
    await page.waitForSelector('.composer-action[aria-label="Send (Enter)"]');
    await page.waitForTimeout(300);
    assert.ok(
      Math.abs((await page.$eval('.feed', (el) => el.scrollTop)) - top) < 2,
      'a user who scrolled up stays put',
    );
  });

  it("switches provider and model with the message: the session is configured and the core's warning is shown", async () => {
    await open(sample.session.id);
    assert.equal(await page.inputValue('.composer-provider'), 'anthropic');
    assert.equal(await page.inputValue('.composer-model'), 'claude-sonnet-4');
    assert.ok(await page.isHidden('.composer-switch'));
    await page.selectOption('.composer-provider', 'openai');
    assert.equal(await page.inputValue('.composer-model'), 'gpt-5.5', "the new provider's first model");
    await page.waitForSelector('.composer-switch >> text=switches on send');
    assert.match(
      (await page.getAttribute('.composer-switch', 'title')) ?? '',
      /from anthropic · claude-sonnet-4 to openai · gpt-5\.5/,
    );
    await type('Now on OpenAI, please');
    await page.waitForSelector('.composer-notice.level-warning >> text=Switching to OpenAI: left out');
    await page.waitForSelector(row('complete', 'echo: Now on OpenAI, please'));
    let session = m.get(sample.session.id);
    assert.equal(session.provider, 'openai');
    assert.equal(session.model, 'gpt-5.5');
    assert.equal(mock.calls('openai', '/v1/responses').at(-1)?.body.model, 'gpt-5.5');
    await page.waitForSelector('.session-meta >> text=openai/gpt-5.5');
    await page.waitForSelector('.composer-switch', { state: 'hidden' });
    // Only the model: typed (any name), applied with the next message, no warning.
    await page.fill('.composer-model', 'gpt-5.4-mini');
    await page.press('.composer-model', 'Tab');
    await page.waitForSelector('.composer-switch >> text=switches on send');
    await type('And a smaller model');
    await page.waitForSelector(row('complete', 'echo: And a smaller model'));
    session = m.get(sample.session.id);
    assert.equal(session.model, 'gpt-5.4-mini');
    assert.equal(
      await page.locator('.composer-notice').count(),
      0,
      "no warning for a model change (the last turn's notice went when this one was sent)",
    );
  });

  it('streams through the real OpenAI SDK, painting the reply in more than one repaint', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Real SDK' });
    const chunks = Array.from({ length: 24 }, (_, i) => `word${i} `);
    mock.script('openai', { chunks, delayMs: 50 });
    await open(s.id);
    // Record what the newest reply shows, frame by frame (a string: the page gets no transpiler helpers).
    await page.evaluate(`(() => {
      const seen = window.__seen = [];
      const tick = () => {
        // The session list reloads on every save: it must never go blank meanwhile.
        if (!document.querySelector('.session-item')) window.__blankList = true;
        const rows = [...document.querySelectorAll('article.message.role-assistant')].sort((a, b) => b.dataset.seq - a.dataset.seq);
        const text = rows[0]?.querySelector('.message-body')?.textContent ?? '';
        if (text && text !== seen[seen.length - 1]) seen.push(text);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    await type('Count for me');
    await page.waitForSelector(row('complete', 'word23'));
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
    const partial = seen.filter((t) => t.startsWith('word0') && !t.includes('word23'));
    assert.ok(partial.length >= 3, `the reply grew over several repaints: ${JSON.stringify(seen)}`);
    for (let i = 1; i < partial.length; i++)
      assert.ok(partial[i]!.length > partial[i - 1]!.length, `it only grows: ${JSON.stringify(partial)}`);
    assert.equal(mock.sentDeltas.openai, chunks.length, 'the SDK streamed every delta');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __blankList?: boolean }).__blankList),
      undefined,
      'the session list never went blank',
    );
    assert.equal(messageText(last(s.id).parts), chunks.join(''));
    assert.equal(mock.calls('openai', '/v1/responses').at(-1)?.body.stream, true);
  });

  it('gives the text back when the message could not be stored', async () => {
    const s = await m.create({ provider: 'openai', model: 'gpt-5.5', title: 'Too big' });
    await m.close();
    m = await SessionManager.open(file, { maxMessageBytes: 200 });
    await open(s.id);
    await type('x'.repeat(300));
    await page.waitForSelector('.composer-notice.level-error');
    assert.equal(await page.inputValue('.composer-input'), 'x'.repeat(300), 'given back to send again');
    assert.equal(m.allMessages(s.id).length, 0);
  });

  it('is off, with the reason, in plain-text mode, and absent without a way to send', async () => {
    await open(sample.session.id, { plainText: true });
    await page.waitForSelector('.composer-off >> text=Sending is off: this workspace is not trusted');
    assert.ok(await page.isHidden('.composer-input'));
    assert.ok(await page.isHidden('.composer-action'));
    host.dispose();
    await page.context().close();
    view = await openView(env.browser, env.server, 'history', (post) => (host = new HistoryHost(m, post)));
    page = view.page;
    host.reveal({ sessionId: sample.session.id });
    await page.waitForSelector('.session-title');
    assert.ok(await page.isHidden('.composer'));
  });
});
