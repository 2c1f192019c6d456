// Loads the BUILT webviews (dist/webview) in Debian's Chromium, in the same page the extension serves
// (src/extension/webview/html.ts, same CSP), with a stand-in `acquireVsCodeApi` whose messages go to a real
// host handler in Node (HistoryHost / StateHost over a real SessionManager) and whose state survives reloads.
import { documentSource } from '../../src/core/dump';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import type { SessionApi } from '../../src/core/sessions';
import { HistoryHost, HistoryHostOptions } from '../../src/extension/webview/historyHost';
import { StateHost, StateHostOptions } from '../../src/extension/webview/stateHost';
import { CompareHost, CompareHostOptions } from '../../src/extension/webview/compareHost';
import { webviewHtml } from '../../src/extension/webview/html';
import type { HostToWebview, ViewName } from '../../src/protocol';
import { CHROMIUM_ARGS } from './chromium.mjs';
import { DARK_MODERN, Theme } from './themes';

export const CHROMIUM = process.env['LANGSWARM_CHROMIUM'] ?? '/usr/bin/chromium';
/** dist/webview of this checkout (found from here: this file also runs bundled, as dist/bench.js). */
const WEBVIEW_DIST = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'esbuild.mjs')))
      return path.join(dir, 'dist', 'webview');
  }
  return path.resolve('dist/webview');
})();
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is needed for the webview tests and is not at ${CHROMIUM}: run "npm run test:setup" to install it (or set LANGSWARM_CHROMIUM to the browser).`,
    );
  }
  if (!fs.existsSync(path.join(WEBVIEW_DIST, 'history.js')))
    throw new Error(`${WEBVIEW_DIST} is missing: run "npm run build" first.`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Mocha hooks giving a describe block one Chromium and one page server; read them inside tests and hooks. */
export function withChromium(): { browser: Browser; server: WebviewServer } {
  const env = {} as { browser: Browser; server: WebviewServer };
  before(async () => {
    env.browser = await launchChromium();
    env.server = await WebviewServer.start();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** What the page's messages go to: HistoryHost, StateHost or CompareHost. */
export interface TestHost {
  receive(message: unknown): Promise<void>;
  detach(): void;
}

/** Serves the page and dist/webview on 127.0.0.1, and records every request it gets. */
export class WebviewServer {
  readonly requests: string[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<WebviewServer> {
    let self: WebviewServer | undefined;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      self?.requests.push(url.pathname);
      const page = /^\/(history|state|compare)\.html$/.exec(url.pathname);
      if (page) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          webviewHtml({
            view: page[1] as ViewName,
            title: 'test',
            cspSource: self!.origin,
            base: `${self!.origin}/webview`,
          }),
        );
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const file = /^\/webview\/([\w.-]+)$/.exec(url.pathname)?.[1];
      const full = file ? path.join(WEBVIEW_DIST, file) : '';
      if (!file || !fs.existsSync(full)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(fs.readFileSync(full));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new WebviewServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** The files a webview may load: its page, script, stylesheet and the codicon font. */
  allowed(view: ViewName): string[] {
    return [
      `/${view}.html`,
      `/webview/${view}.js`,
      `/webview/${view}.css`,
      '/webview/codicon.css',
      '/webview/codicon.ttf',
    ];
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface OpenedView {
  page: Page;
  /** Everything the page posted, in order (parsed). */
  posted: unknown[];
  /** Host messages are delivered to the page through this (bound when the host is made). */
  post: (message: HostToWebview) => void;
  /** Network requests the page made, dialogs it opened, CSP violations it caused, page errors. */
  network: string[];
  dialogs: string[];
  errors: string[];
  cspViolations(): Promise<string[]>;
  /** Reloads the page like VS Code reloading a hidden webview: the host hears `ready` again. */
  reload(): Promise<void>;
}

/**
 * Opens `view` in a new page. `makeHost` gets the function that posts to the page and returns the host;
 * messages from the page are handed to it, as JSON (what VS Code's postMessage carries).
 */
export async function openView(
  browser: Browser,
  server: WebviewServer,
  view: ViewName,
  makeHost: (post: (m: HostToWebview) => void) => TestHost,
  options: { theme?: Theme; width?: number; height?: number } = {},
): Promise<OpenedView> {
  const theme = options.theme ?? DARK_MODERN;
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1200, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  const opened: OpenedView = {
    page,
    posted: [],
    network: [],
    dialogs: [],
    errors: [],
    post: (message) => {
      // As a JSON string: the page parses it (as VS Code's structured clone would copy it) far faster than the
      // driver serialises a large object value by value.
      page
        .evaluate(
          (json) => window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(json) })),
          JSON.stringify(message),
        )
        .catch(() => undefined);
    },
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp ?? []),
    reload: async () => {
      host.detach();
      await page.reload();
    },
  };
  const host = makeHost(opened.post);
  page.on('request', (r) => {
    if (!r.url().endsWith('/favicon.ico')) opened.network.push(r.url());
  });
  page.on('dialog', (d) => {
    opened.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  page.on('crash', () => opened.errors.push('the page crashed'));
  page.on('console', (m) => {
    if (m.type() === 'error') opened.errors.push(m.text());
  });
  await page.exposeFunction('__lssPost', (json: string) => {
    const message: unknown = JSON.parse(json);
    opened.posted.push(message);
    return host.receive(message);
  });
  await page.addInitScript(stubScript(theme));
  await page.goto(`${server.origin}/${view}.html`);
  return opened;
}

/**
 * The stand-in for what VS Code gives a webview: acquireVsCodeApi (messages to Node, state kept in
 * sessionStorage so it survives reloads), the theme's variables and body class. A string, not a function:
 * the test runner's transpiler would add helpers the page does not have.
 */
function stubScript(theme: Theme): string {
  return `(() => {
    const KEY = '__lssWebviewState';
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__lssPost(JSON.stringify(m)),
      getState: () => { const s = sessionStorage.getItem(KEY); return s ? JSON.parse(s) : undefined; },
      setState: (s) => sessionStorage.setItem(KEY, JSON.stringify(s)),
    });
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    document.addEventListener('DOMContentLoaded', () => {
      for (const [k, v] of Object.entries(${JSON.stringify(theme.colors)})) document.documentElement.style.setProperty('--vscode-' + k, v);
      document.body.classList.add(${JSON.stringify(theme.bodyClass)});
    });
  })();`;
}

/** Waits until `fn` returns a truthy value (polling in Node: for host-side effects). */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface OpenedHistory {
  view: OpenedView;
  page: Page;
  host: HistoryHost;
}

/**
 * The history browser over `manager` (a HistoryHost with `hostOptions`) in a new page, once its session list is there:
 * shown, or with `listState: 'attached'` only in the page (a narrow width folds it into a drawer).
 */
export async function openHistoryView(
  env: { browser: Browser; server: WebviewServer },
  manager: SessionApi,
  hostOptions: HistoryHostOptions = {},
  page: { width?: number; height?: number; listState?: 'attached' | 'visible' } = {},
): Promise<OpenedHistory> {
  let host: HistoryHost | undefined;
  const view = await openView(
    env.browser,
    env.server,
    'history',
    (post) => (host = new HistoryHost(manager, post, hostOptions)),
    page,
  );
  await view.page.waitForSelector('.session-item', { state: page.listState ?? 'visible' });
  return { view, page: view.page, host: host! };
}

/** Closes what openHistoryView opened, then checks that the page raised no error. */
export async function closeHistoryView({ view, host }: OpenedHistory): Promise<void> {
  host.dispose();
  await view.page.context().close();
  assert.deepEqual(view.errors, [], 'no page errors');
}

/** The state view showing `dump` under `title` (a StateHost with `hostOptions`) in a new page, once its tree is there. */
export async function openStateView(
  env: { browser: Browser; server: WebviewServer },
  dump: unknown,
  title: string,
  hostOptions: StateHostOptions = {},
): Promise<{ view: OpenedView; page: Page; host: StateHost }> {
  let host: StateHost | undefined;
  const view = await openView(env.browser, env.server, 'state', (post) => {
    host = new StateHost(post, hostOptions);
    host.show(documentSource(dump), title);
    return host;
  });
  await view.page.waitForSelector('[role=treeitem]');
  return { view, page: view.page, host: host! };
}

/** The compare view of sessions `aId` and `bId` (a CompareHost) in a new page, once its rows are there. */
export async function openCompareView(
  env: { browser: Browser; server: WebviewServer },
  manager: SessionApi,
  aId: string,
  bId: string,
  options: { theme?: Theme; width?: number; height?: number; host?: CompareHostOptions } = {},
): Promise<{ view: OpenedView; page: Page; host: CompareHost }> {
  let host: CompareHost | undefined;
  const view = await openView(
    env.browser,
    env.server,
    'compare',
    (post) => (host = new CompareHost(manager, aId, bId, post, options.host)),
    options,
  );
  await view.page.waitForSelector('.pair, .fold');
  return { view, page: view.page, host: host! };
}
