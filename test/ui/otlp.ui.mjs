#!/usr/bin/env node
// UI test: OpenTelemetry traces from a running, instrumented app become sessions in the real VS Code web
// workbench (1400×900, the secondary side bar open, dark and light). "Start OTLP Receiver" from the palette
// (the port setting 0: a free one) puts the address in the status bar; an app in this process, the real
// `openai` SDK instrumented by OpenInference and exported by the OpenTelemetry JS SDK (protobuf), talks to
// the local wire-protocol server; its conversation appears in the Sessions view without a refresh, and its
// history browser shows the messages. Clicking the status bar item stops the receiver with a summary.
// Screenshots go to test-artifacts/ui-otlp-*.png.
//
//   node test/ui/otlp.ui.mjs [--vsix FILE] [--theme "Dark Modern"]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import { tsImport } from 'tsx/esm/api';
import {
  SEL,
  forEachTheme,
  notification,
  openContainer,
  openSecondarySideBar,
  runCommand,
  shot,
  stepLogger,
  themeTag,
  treeRows,
  uiArgs,
  waitUntil,
  workbenchPages,
} from './workbench.mjs';

const opt = uiArgs();
const step = stepLogger('ui otlp');
const openPage = workbenchPages({ opt, step, name: 'otlp' });
const { MockProviders } = await tsImport('../mock-providers/server.ts', import.meta.url);
const { otelProvider } = await tsImport('../helpers/otlp.ts', import.meta.url);

/** The instrumented app: two calls of one conversation (the second resends the first), spans exported to `url`. */
async function runApp(url, mock, question) {
  const provider = otelProvider(url, 'protobuf', { service: 'ui-app' });
  const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
  instrumentation.manuallyInstrument(OpenAI);
  try {
    mock.script('openai', { text: 'Paris.', usage: { input: 12, output: 2 } });
    const client = new OpenAI({ apiKey: mock.keys.openai, baseURL: `${mock.url}/v1` });
    await client.responses.create({ model: 'gpt-test', input: [{ role: 'user', content: question }] });
    await provider.forceFlush();
  } finally {
    instrumentation.disable();
    await provider.shutdown();
  }
}

async function scenario(browser, server, workspace, theme) {
  const tag = `otlp-${themeTag(theme)}`;
  const mock = await new MockProviders().start();
  await openPage({ browser, server, workspace, theme, cleanup: () => mock.stop() }, async (page) => {
    await openSecondarySideBar(page);
    await openContainer(page, 'LangSwarm Sessions');
    step(`workbench ready (${theme})`);

    await runCommand(page, 'LangSwarm Sessions: Start OTLP Receiver');
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'OTLP 127.0.0.1:' });
    await item.waitFor({ timeout: 30_000 });
    const address = (await item.innerText()).match(/127\.0\.0\.1:(\d+)/);
    assert.ok(address, `status bar: ${await item.innerText()}`);
    const url = `http://127.0.0.1:${address[1]}`;
    step(`receiver listening on ${url}`);
    await notification(page, `Receiving OpenTelemetry traces at ${url}/v1/traces`);
    await page.keyboard.press('Escape');

    const question = `Capital of France? (${tag})`;
    await runApp(url, mock, question);
    step('the instrumented app made its call');
    const row = page.locator(SEL.treeRow, { hasText: question });
    await row.waitFor({ timeout: 30_000 });
    step(`tree rows: ${JSON.stringify(await treeRows(page))}`);
    await shot(page, `${tag}-01-session-arrived`, step);

    await row.hover();
    await row.locator('.actions a.action-label[aria-label^="Open History"]').click();
    await page.mouse.move(900, 850);
    const history = page.frameLocator(SEL.webviewOuter).frameLocator(SEL.webviewInner);
    // Both messages, as the history browser shows them.
    const body = history.locator('body');
    await body.waitFor({ timeout: 30_000 });
    await waitUntil(
      async () => {
        const text = await body.innerText().catch(() => '');
        return text.includes('Paris.') && text.split(question).length > 2;
      },
      'the question and the reply in the history browser',
      30_000,
    );
    await shot(page, `${tag}-02-history`, step);

    await item.click();
    await notification(page, 'OTLP receiver stopped: 1 span(s) stored (1 new session(s), 2 message(s))');
    await waitUntil(async () => !(await item.isVisible()), 'the status bar item to go');
    await shot(page, `${tag}-03-stopped`, step);
    step('stopped from the status bar');
  });
}

async function main() {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-ui-otlp-'));
  const ok = await forEachTheme(
    opt.theme,
    { vsix: opt.vsix, settings: { 'langswarmSessions.otlp.port': 0 } },
    (browser, server, theme) => scenario(browser, server, workspace, theme),
  );
  fs.rmSync(workspace, { recursive: true, force: true });
  step(ok ? 'all OTLP checks passed' : 'UI TESTS FAILED');
  return ok ? 0 : 1;
}

process.exit(await main());
