// Start VS Code's own web server (server-main.js from the code-server package) and install
// packaged extensions into it. We use server-main.js, not the code-server CLI, because only
// VS Code's server accepts --enable-smoke-test-driver, which makes the web workbench honour
// the extensionDevelopmentPath / extensionTestsPath "payload" in the page URL.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { paths, requireTools } from './tools.mjs';

/** Ask the kernel for a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Quiet, offline-friendly defaults: no trust prompt, no gallery/update checks (no network here).
export const DEFAULT_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden', // the (empty) chat side bar
};

/**
 * Write settings on the server side, where this (code-server-patched) web workbench reads them:
 *  - DIR/data/Machine/settings.json: remote "machine" settings (window/resource scope);
 *  - DIR/data/User/settings.json: the USER settings (the page's user-data home is
 *    vscode-remote:DIR/data/User, not the browser's IndexedDB). Application-scoped settings are
 *    ignored in Machine settings: security.workspace.trust.enabled=false there still opens the
 *    folder in Restricted Mode; in User settings it works. We write the same object to both.
 */
export function writeSettings(dataDir, settings = {}) {
  const all = JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2);
  for (const sub of ['data/Machine', 'data/User']) {
    fs.mkdirSync(path.join(dataDir, sub), { recursive: true });
    fs.writeFileSync(path.join(dataDir, sub, 'settings.json'), all);
  }
}

async function waitForHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`VS Code server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`VS Code server did not answer ${url} within ${timeoutMs} ms`);
}

/**
 * @param {{dataDir: string, port?: number, settings?: object, verbose?: boolean, timeoutMs?: number, trust?: boolean}} opts
 * @returns {Promise<{port: number, url: string, logFile: string, pid: number, stop: () => Promise<void>}>}
 */
export async function startServer({ dataDir, port, settings, verbose = false, timeoutMs = 60_000, trust = false }) {
  requireTools();
  dataDir = path.resolve(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  // trust: keep VS Code's workspace trust on (to test Restricted Mode); by default it is off.
  writeSettings(dataDir, { ...settings, ...(trust ? { 'security.workspace.trust.enabled': true } : {}) });
  port ??= await freePort();
  const logFile = path.join(dataDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const t0 = Date.now();
  const child = spawn(
    paths.node24,
    [
      paths.serverMain,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--telemetry-level',
      'off',
      '--server-data-dir',
      dataDir,
      '--enable-smoke-test-driver',
      // Belt and braces with the User setting: the page gets enableWorkspaceTrust:false, so no
      // Restricted Mode and installed extensions without untrustedWorkspaces support stay enabled.
      ...(trust ? [] : ['--disable-workspace-trust']),
    ],
    {
      // Own process group, so stop() can kill the server and its extension hosts / pty hosts together.
      detached: true,
      stdio: ['ignore', verbose ? 'inherit' : out, verbose ? 'inherit' : out],
    },
  );
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((r) => child.once('exit', r));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await waitForHttp(`${url}/version`, child, timeoutMs);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n--- ${logFile} ---\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
  }
  return { port, url, logFile, pid: child.pid, startMs: Date.now() - t0, stop };
}

/** Install a .vsix into the server's extensions dir (DIR/extensions). Copying a folder there is ignored. */
export function installVsix(dataDir, vsixPath) {
  requireTools();
  return execFileSync(
    paths.node24,
    [
      paths.serverMain,
      '--server-data-dir',
      path.resolve(dataDir),
      '--accept-server-license-terms',
      '--install-extension',
      path.resolve(vsixPath),
      '--force',
    ],
    { encoding: 'utf8' },
  );
}

/** Build a vscode-remote:// URI the workbench resolves on the server; the path must be absolute. */
export function remoteUri(port, absPath) {
  if (!path.isAbsolute(absPath)) throw new Error(`vscode-remote paths must be absolute: ${absPath}`);
  return `vscode-remote://127.0.0.1:${port}${absPath}`;
}
