// Hostile content in every place a conversation can carry it: nothing runs, nothing loads, nothing navigates.
// Any payload that executed would set the canary `window.__xss`, open a dialog, make a request or trip the CSP.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { dumpState } from '../../src/core/dump';
import { createProvider } from '../../src/core/providers';
import { SessionManager } from '../../src/core/sessions';
import { HistoryHost } from '../../src/extension/webview/historyHost';
import type { ConversationAccess } from '../../src/extension/webview/turns';
import { tempDb } from '../helpers/temp';
import { OpenedView, openHistoryView, openStateView, until, withChromium } from '../helpers/webview';

const c = (n: number) => `window.__xss=${n}`;
/** Markdown and raw HTML payloads: script, handlers, SVG/MathML, javascript:/data: links, link and image tricks, CSS. */
const payloads = (origin: string): string[] => [
  `<script>${c(1)}</script>`,
  `<img src=x onerror="${c(2)}">`,
  `<svg onload="${c(3)}"><circle r="10"/></svg>`,
  `<iframe src="javascript:parent.__xss=4"></iframe>`,
  `[click me](javascript:${c(5)})`,
  `[mixed case](JaVaScRiPt:${c(6)})`,
  `[data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9Nzwvc2NyaXB0Pg==)`,
  `![js image](javascript:${c(8)})`,
  `![remote image](${origin}/leak-image.png)`,
  `<a href="javascript:${c(10)}">raw anchor</a>`,
  `<style>body { background: url(${origin}/leak-css.png) } * { display: none }</style>`,
  `<div style="background:url(javascript:${c(12)})">styled</div>`,
  `<math><mi xlink:href="javascript:${c(13)}">math</mi></math>`,
  `<details open ontoggle="${c(14)}"><summary>x</summary></details>`,
  `<body onload="${c(15)}">`,
  `<object data="javascript:${c(16)}"></object><embed src="javascript:${c(17)}">`,
  `<form action="javascript:${c(18)}"><button>submit</button></form>`,
  `<input autofocus onfocus="${c(19)}">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${c(20)}">`,
  `<base href="javascript:${c(21)}//">`,
  `[angle](<javascript:${c(22)}>)`,
  `[reference link][r]\n\n[r]: javascript:${c(23)}`,
  `[entity](&#106;avascript:${c(24)})`,
  `[tab](java\tscript:${c(25)})`,
  `\`<img src=x onerror=${c(26)}>\` in a code span`,
  '```html\n<img src=x onerror="window.__xss=27"><script>window.__xss=27</script>\n```',
  `<noscript><p title="</noscript><img src=x onerror=${c(28)}>"></noscript>`,
  `<svg><use href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"/></svg>`,
  `<img src=x onerror=alert(29)>`,
  `[vb](vbscript:msgbox(30)) [file](file:///etc/passwd) [blob](blob:${origin}/x)`,
  '```js" onmouseover="window.__xss=31\nlet a = 1;\n```',
  `<a href="${origin}/leak-anchor">plain anchor</a> <link rel="stylesheet" href="${origin}/leak-link.css">`,
  `</textarea></title></style><script>${c(33)}</script>`,
  `[![nested](javascript:${c(34)})](javascript:${c(34)})`,
];
const BIDI = 'invoice_\u202Efdp.exe\u202C and \u2066isolate\u2069 and zero\u200Bwidth';
const HUGE = `${'A'.repeat(1_500_000)} end of the huge line`;

describe('hostile content (Chromium)', function () {
  this.timeout(90_000);
  const env = withChromium();
  let m: SessionManager;
  let sessionId: string;
  let view: OpenedView;
  let page: Page;
  const links: string[] = [];

  before(async () => {
    m = await SessionManager.open(tempDb());
    const evil = `<img src=x onerror="${c(40)}">`;
    const s = await m.create({
      provider: 'openai',
      model: `<script>${c(41)}</script>`,
      title: `Hostile ${evil}`,
      tags: [`<b onmouseover=${c(42)}>tag</b>`],
      systemPrompt: `<script>${c(43)}</script>`,
      metadata: { html: evil },
    });
    sessionId = s.id;
    const list = payloads(env.server.origin);
    assert.ok(list.length >= 25);
    await m.addMessages(s.id, [
      ...list.map((p) => ({ role: 'user' as const, content: `payload xss: ${p}` })),
      {
        role: 'assistant',
        stopReason: 'tool_use',
        providerIds: { [`<img src=x onerror=${c(44)}>`]: `<script>${c(45)}</script>` },
        parts: [
          {
            type: 'tool_call',
            callId: `"><img src=x onerror=${c(46)}>`,
            name: `<svg onload=${c(47)}>`,
            argumentsJson: `{"q":"</script><script>${c(48)}</script>"}`,
          },
          { type: 'reasoning', text: `<img src=x onerror=${c(49)}>`, summary: [`<script>${c(50)}</script>`] },
          { type: 'image', source: { kind: 'url', url: `javascript:${c(51)}` } },
          { type: 'image', source: { kind: 'url', url: `${env.server.origin}/leak-part.png` } },
          {
            type: 'file',
            name: `<img src=x onerror=${c(52)}>.pdf`,
            source: { kind: 'url', url: `data:text/html,<script>${c(53)}</script>` },
          },
          {
            type: 'provider_item',
            provider: `<script>${c(54)}</script>`,
            item: { html: `<img src=x onerror=${c(55)}>` },
          },
        ],
      },
      {
        role: 'tool',
        parts: [
          {
            type: 'tool_result',
            callId: `"><img src=x onerror=${c(46)}>`,
            name: 'x',
            content: `<iframe srcdoc="<script>parent.__xss=56</script>">`,
          },
        ],
      },
      { role: 'assistant', parts: [{ type: 'refusal', text: `<script>${c(57)}</script>` }] },
      { role: 'user', content: BIDI },
      { role: 'user', content: `lone surrogates \uD800 and \uDFFF stay harmless` },
      { role: 'user', content: HUGE },
    ]);
  });
  after(async () => {
    await m?.close();
  });

  beforeEach(async () => {
    links.length = 0;
  });

  async function assertNothingRan(v: OpenedView, view: 'history' | 'state'): Promise<void> {
    assert.equal(
      await v.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss),
      undefined,
      'canary untouched',
    );
    assert.deepEqual(v.dialogs, [], 'no dialogs');
    const allowed = new Set(env.server.allowed(view).map((p) => `${env.server.origin}${p}`));
    assert.deepEqual(
      v.network.filter((u) => !allowed.has(u.replace(/\?.*$/, ''))),
      [],
      'no requests but the page and its own files',
    );
    assert.deepEqual(await v.cspViolations(), [], 'nothing even tried what the CSP forbids');
    assert.equal(v.page.url(), `${env.server.origin}/${view}.html`, 'never navigated');
    assert.deepEqual(v.errors, [], 'no page errors');
    const dangerous = await v.page.evaluate(() => {
      const bad: string[] = [];
      for (const el of document.querySelectorAll('#app *')) {
        // The composer's own textarea and box (sized through CSSOM as the text grows): never made from content.
        if (el.classList.contains('composer-input') || el.classList.contains('composer-box')) continue;
        if (
          /^(script|img|iframe|svg|math|object|embed|style|link|meta|base|form|textarea|video|audio|source|frame|noscript)$/i.test(
            el.tagName,
          )
        )
          bad.push(el.tagName);
        for (const a of el.getAttributeNames()) {
          if (/^on|^(href|src|srcset|srcdoc|action|formaction|xlink:href)$/i.test(a)) bad.push(`${el.tagName}[${a}]`);
          if (
            a === 'style' &&
            !el.classList.contains('virtual-row') &&
            !el.classList.contains('virtual-spacer') &&
            el.tagName !== 'CANVAS'
          )
            bad.push(`${el.tagName}.${[...el.classList].join('.')}[style=${el.getAttribute('style')}]`);
        }
      }
      return bad;
    });
    assert.deepEqual(dangerous, [], 'no executable or loading elements or attributes from content');
  }

  it(`renders ${payloads('x').length} markdown/HTML payloads and hostile parts, titles, tags and ids inertly in the history browser`, async () => {
    // The composer answers from a recorded reply made of the payloads (streamed in chunks that cut them anywhere),
    // with a hostile note and hostile provider and model names.
    let recordedFrom = '';
    const conversations: ConversationAccess = {
      provider: async () => ({
        provider: createProvider({ name: 'replay', chunkSize: 7, recorded: m.allMessages(recordedFrom) }),
        note: `<img src=x onerror=${c(61)}> note`,
      }),
      choices: () => [
        {
          name: `<img src=x onerror=${c(62)}>`,
          models: [`"><script>${c(63)}</script>`],
          offline: `<img src=x onerror=${c(67)}> offline`,
        },
      ],
      continueHow: async () => 'here',
    };
    let host: HistoryHost;
    ({ view, page, host } = await openHistoryView(
      env,
      m,
      { openLink: (u) => links.push(u), conversations, coalesceMs: 10 },
      { height: 1400 },
    ));
    assert.match((await page.textContent('.session-item .title-text')) ?? '', /^Hostile <img src=x onerror=/);
    await page.click('.session-item');
    await page.waitForSelector('article.message:not(.loading)');
    await page.click('.system-prompt summary');
    await page.click('.session-header .json-details summary');
    assert.match((await page.textContent('.system-prompt')) ?? '', /<script>window.__xss=43<\/script>/);
    // Walk the whole conversation so every message is rendered at least once, clicking every link.
    const total = await page.$eval('.feed', (el) => el.scrollHeight);
    const seen = new Set<string>();
    for (let y = 0; y <= total + 2000; y += 500) {
      await page.$eval(
        '.feed',
        (el, top) => {
          el.scrollTop = top;
        },
        y,
      );
      await page.waitForTimeout(60);
      await page.waitForFunction(() => !document.querySelector('article.message.loading'), null, { timeout: 10_000 });
      // What is on screen first: clicking scrolls whatever it clicks into view.
      for (const t of await page.$$eval('.invisible-char, .truncated, .raw-html', (els) =>
        els.map((e) => `${e.className}: ${e.textContent}`),
      ))
        seen.add(t);
      for (const a of await page.$$('.feed .link, .feed .link-refused'))
        await a.click({ force: true }).catch(() => undefined);
      for (const d of await page.$$('.feed details:not([open]) > summary')) await d.click().catch(() => undefined);
    }
    await page.waitForTimeout(200);
    await assertNothingRan(view, 'history');
    // http(s) links went to the host; nothing else did
    assert.ok(links.length > 0);
    assert.deepEqual(
      links.filter((u) => !/^https?:/.test(u)),
      [],
    );
    // bidi and invisible characters are shown, not obeyed
    for (const cp of ['U+202E', 'U+202C', 'U+2066', 'U+2069', 'U+200B'])
      assert.ok(seen.has(`invisible-char: ${cp}`), `${cp} shown`);
    // the huge line is cut, with a way to see it all
    assert.ok(
      [...seen].some((t) => /^truncated: … [\d,]+ more characters/.test(t)),
      `huge line cut: ${[...seen].filter((t) => t.startsWith('truncated')).join()}`,
    );
    // raw HTML is visible as text
    assert.ok(
      seen.has('raw-html: <script>') && seen.has('raw-html: <iframe src="javascript:parent.__xss=4">'),
      'raw HTML shown as text',
    );
    // search hits carry payload text in snippets: still text
    await page.fill('.search-input', 'xss');
    await page.waitForSelector('.hit-item mark');
    await page.click('.session-item, .hit-item');
    await page.waitForTimeout(300);
    await assertNothingRan(view, 'history');
    // Send from the composer: the payloads stream in, painted on every delta.
    const recorded = await m.create({ provider: 'replay', model: 'recorded', title: 'Recorded hostile reply' });
    await m.addMessages(recorded.id, [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: payloads(env.server.origin).join('\n\n') },
    ]);
    recordedFrom = recorded.id;
    const target = await m.create({
      provider: `<img src=x onerror=${c(64)}>`,
      model: `<script>${c(65)}</script>`,
      title: 'Composer',
    });
    host.reveal({ sessionId: target.id });
    await page.waitForSelector('.session-title >> text=Composer');
    await page.fill('.composer-input', `<script>${c(66)}</script> go`);
    await page.press('.composer-input', 'Enter');
    // The composer says (hostile names and all, as text) who answers before anything is sent.
    await page.waitForSelector('.composer-answerer >> text=cannot call');
    await until(() => m.allMessages(target.id).at(-1)?.state === 'complete', 'the hostile reply stored');
    await page.waitForSelector('.composer-action[aria-label="Send (Enter)"]');
    await page.waitForTimeout(300);
    await assertNothingRan(view, 'history');
    host.dispose();
    await page.context().close();
  });

  it('keeps the state view inert with the same content', async () => {
    const dump = await dumpState(m, { sessionId }, { redact: false });
    ({ view, page } = await openStateView(env, dump, `<img src=x onerror=${c(60)}>`));
    assert.match((await page.textContent('.dump-title')) ?? '', /<img src=x onerror=/);
    const parts = payloads('x').length; // the assistant message with hostile parts
    for (const p of [
      ['sessions'],
      ['sessions', 0],
      ['sessions', 0, 'session'],
      ['sessions', 0, 'messages'],
      ['sessions', 0, 'messages', parts],
      ['sessions', 0, 'messages', parts, 'parts'],
      ['sessions', 0, 'messages', parts, 'parts', 0],
    ]) {
      await page.click(`[data-path='${JSON.stringify(p)}'] > .line`);
    }
    await page.fill('input[type=search]', 'onerror');
    await page.waitForSelector('.result');
    for (const r of (await page.$$('.result')).slice(0, 5)) await r.click();
    await page.waitForTimeout(200);
    await assertNothingRan(view, 'state');
    await page.context().close();
  });

  it('refuses malformed and hostile messages from a webview at the host', async () => {
    const posted: unknown[] = [];
    const errors: string[] = [];
    const host = new HistoryHost(m, (x) => posted.push(x), {
      onError: (e) => errors.push(e),
      openLink: (u) => links.push(u),
    });
    for (const bad of [
      null,
      'ready',
      { kind: 'ready', view: 'nope' },
      { kind: 'request', id: -1, method: 'x' },
      { kind: 'exec', code: 'x' },
    ])
      await host.receive(bad);
    assert.equal(errors.length, 5);
    await host.receive({ kind: 'request', id: 1, method: 'sessions/list', params: { offset: 0, limit: 1e9 } });
    await host.receive({ kind: 'request', id: 2, method: 'no/such', params: {} });
    await host.receive({ kind: 'request', id: 3, method: 'session/open', params: { sessionId: 'missing' } });
    await host.receive({ kind: 'command', method: 'link/open', params: { url: 'javascript:alert(1)' } });
    await host.receive({ kind: 'command', method: 'link/open', params: { url: 'file:///etc/passwd' } });
    assert.deepEqual(links, [], 'no link other than http(s) reaches the opener');
    const replies = posted as Array<{ id: number; ok: boolean; error?: { code: string; message: string } }>;
    assert.deepEqual(
      replies.map((r) => [r.id, r.ok, r.error?.code]),
      [
        [1, false, 'InvalidInput'],
        [2, false, 'InvalidInput'],
        [3, false, 'SessionNotFound'],
      ],
    );
    assert.match(replies[0]!.error!.message, /limit/);
    assert.match(replies[1]!.error!.message, /Unknown request "no\/such"/);
    host.dispose();
    await until(() => true, 'done');
  });
});
