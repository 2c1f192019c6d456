#!/usr/bin/env node
// Run an extension-host mocha suite (the run() module @vscode/test-electron would load) inside a
// real VS Code 1.139 web workbench: VS Code server + headless Chromium.
//
//   node scripts/run-vscode-tests.mjs [--extension DIR] [--tests FILE] [--workspace DIR]
//        [--vsix FILE] [--env KEY=VALUE]... [--timeout SECONDS] [--keep] [--all-logs]
//
// Defaults: --extension sample-ext, --tests <ext>/out/test/suite/index.js,
// --workspace <ext>/test-fixtures/workspace, --timeout 300.
// --vsix installs the packaged extension into the server and does NOT load DIR as a
// development extension, so the packaged build is what the suite exercises.
// --env sets environment variables of the extension host; --keep keeps the server data dir
// (logs under data/logs/); --all-logs also prints the workbench's own log lines.
// Exit code: the suite's own (0 = all passed), 124 on timeout, 2 on harness errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, format } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadPlaywright, paths, requireTools, REPO_ROOT, CHROMIUM_ARGS, SetupError } from './tools.mjs';
import { startServer, installVsix, remoteUri } from './server.mjs';

// Workbench log lines that are not the suite's output (all of them still land in workbench.log).
const WORKBENCH_NOISE_PREFIXES = [
  '\\[(AgentHost|ChatModelSelection|AccountPolicyGate|reconnection-grace-time|Service Worker)',
  'Resolving connection token',
  'Resolved connection token',
  'Creating a socket',
  'Updating additional builtin extensions cache',
  'Timed out waiting for authentication provider',
  'getaddrinfo ENOTFOUND',
  'Failed: getaddrinfo',
];
const WORKBENCH_NOISE = new RegExp(`^(${WORKBENCH_NOISE_PREFIXES.join('|')})`);

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const log = (...a) => console.error('[run-vscode-tests]', ...a);
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/** URL that makes the workbench open `workspace` and run the suite (needs --enable-smoke-test-driver). */
export function workbenchUrl(server, { workspace, extensionDevelopmentPath, extensionTestsPath, env } = {}) {
  // skipWelcome / skipReleaseNotes: no Welcome editor on top of what the tests open.
  const payload = [
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  if (extensionDevelopmentPath)
    payload.push(['extensionDevelopmentPath', remoteUri(server.port, extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(server.port, extensionTestsPath)]);
  // Environment variables for the extension host process (read as process.env in the tests).
  if (env && Object.keys(env).length) payload.push(['extensionEnvironment', JSON.stringify(env)]);
  const q = new URLSearchParams();
  if (workspace) q.set('folder', workspace); // plain absolute path on the server
  q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q}`;
}

function emptyDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function launchBrowser() {
  requireTools();
  if (!fs.existsSync(paths.chromium))
    throw new SetupError(`Chromium is not at ${paths.chromium}: run "npm run test:setup" first.`);
  const { chromium } = await loadPlaywright();
  return chromium.launch({ executablePath: paths.chromium, headless: true, args: CHROMIUM_ARGS });
}

/**
 * @returns {Promise<number>} the exit code
 */
export async function runVscodeTests({
  extensionDevelopmentPath,
  extensionTestsPath,
  workspace,
  vsix,
  env = {},
  timeoutSec = 300,
  keep = false,
  settings,
  allLogs = false,
}) {
  const tAll = Date.now();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-data-')); // fresh profile every run
  let server,
    browser,
    timer,
    code = 2;
  try {
    if (vsix) {
      const t = Date.now();
      log(`installing ${vsix}`);
      installVsix(dataDir, vsix);
      log(`installed in ${secs(t)}`);
    }
    let t = Date.now();
    server = await startServer({ dataDir, settings });
    log(`server on ${server.url} in ${secs(t)} (log: ${server.logFile})`);

    t = Date.now();
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

    // The web workbench calls these globals when the extension host asks to exit / logs.
    let resolveExit;
    const exitCode = new Promise((r) => {
      resolveExit = r;
    });
    await page.exposeFunction('codeAutomationExit', (c) => resolveExit(c));
    // In test mode the extension host's console.* AND the workbench's own log lines arrive here,
    // unlabelled, as printf-style argument arrays (mocha logs '%s' formats). Everything goes to
    // workbench.log; stdout gets all but the known workbench chatter (allLogs: everything).
    const wbLog = path.join(ARTIFACTS, 'workbench.log');
    fs.writeFileSync(wbLog, '');
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = (Array.isArray(args) ? format(...args) : String(args)).replace(/\n$/, '');
      fs.appendFileSync(wbLog, `${secs(t)} [${type}] ${text}\n`);
      if (!allLogs && WORKBENCH_NOISE.test(text)) return;
      (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
    });
    // Browser-side console goes to a file: it holds workbench errors (e.g. extension host crashes).
    const consoleFile = path.join(ARTIFACTS, 'browser-console.log');
    fs.writeFileSync(consoleFile, '');
    page.on('console', (m) => fs.appendFileSync(consoleFile, `[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => fs.appendFileSync(consoleFile, `[pageerror] ${e.stack || e}\n`));

    const url = workbenchUrl(server, {
      workspace,
      // Test mode (running extensionTestsPath, log streaming, exit callback) only switches on
      // when some extensionDevelopmentPath is given. With --vsix we give an EMPTY folder, so no
      // development copy shadows the installed one and the packaged build is what gets tested.
      extensionDevelopmentPath: vsix ? emptyDir(path.join(dataDir, 'no-dev-extension')) : extensionDevelopmentPath,
      extensionTestsPath,
      env,
    });
    log(`opening ${url}`);
    await page.goto(url);

    const timeout = new Promise((r) => {
      timer = setTimeout(() => r('timeout'), timeoutSec * 1000);
    });
    const result = await Promise.race([exitCode, timeout]);
    if (result === 'timeout') {
      log(`TIMEOUT after ${timeoutSec} s`);
      code = 124;
    } else {
      code = Number(result) || 0;
    }
    log(`suite finished with code ${code} in ${secs(t)} (page open to exit)`);
    if (code !== 0) {
      const shot = path.join(ARTIFACTS, `failure-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
      await page.screenshot({ path: shot }).then(
        () => log(`screenshot: ${shot}`),
        (e) => log(`no screenshot: ${e.message}`),
      );
    }
  } catch (e) {
    log(`harness error: ${e instanceof SetupError ? e.message : e.stack || e}`);
    code = 2;
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await server?.stop();
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
    else log(`kept server data dir ${dataDir}`);
    log(`total ${secs(tAll)}`);
  }
  return code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string', default: path.join(REPO_ROOT, 'sample-ext') },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      vsix: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '300' },
      keep: { type: 'boolean', default: false },
      'all-logs': { type: 'boolean', default: false },
    },
  });
  const ext = path.resolve(values.extension);
  const env = Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const code = await runVscodeTests({
    extensionDevelopmentPath: ext,
    extensionTestsPath: path.resolve(values.tests ?? path.join(ext, 'out/test/suite/index.js')),
    workspace: path.resolve(values.workspace ?? path.join(ext, 'test-fixtures/workspace')),
    vsix: values.vsix && path.resolve(values.vsix),
    env,
    timeoutSec: Number(values.timeout),
    keep: values.keep,
    allLogs: values['all-logs'],
  });
  process.exit(code);
}
