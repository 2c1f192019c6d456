#!/usr/bin/env node
// `npm start`: build and package the extension, seed a demo workspace, and open it in VS Code:
// desktop VS Code through its `code` command when installed, otherwise VS Code's web server
// (the same one the tests use) — then print the URL to open in a browser.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = path.join(root, '.demo-workspace');
const vsix = path.join(root, 'dist', 'langswarm-sessions.vsix');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

execFileSync(npm, ['run', 'package'], { cwd: root, stdio: 'inherit' });

// The demo database: generated sample sessions (every part type and status, one long thread), plus
// LangSwarm's V1 fixtures imported by the core when they are beside the repository. Only V1: the V2
// fixtures hold the same conversations again (each would show as a session of its own); migrate
// ../shared/fixtures/langswarm/v2 from the Sessions view to try a V2 import.
const db = path.join(workspace, '.vscode', 'langswarm-sessions.sqlite');
if (!fs.existsSync(db)) {
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const cli = (...args) =>
    execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args, '--db', db], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  cli('demo');
  const fixtures = path.resolve(root, '../shared/fixtures/langswarm');
  if (fs.existsSync(fixtures)) cli('migrate', path.join(fixtures, 'v1'));
  fs.writeFileSync(
    path.join(workspace, 'README.md'),
    '# LangSwarm Sessions demo\n\nOpen the LangSwarm Sessions view in the activity bar.\n',
  );
}

const code = spawnSync('code', ['--version'], { encoding: 'utf8' });
if (code.status === 0) {
  console.log(`Opening ${workspace} in VS Code with the extension from ${root}`);
  spawn('code', ['--extensionDevelopmentPath', root, workspace], { stdio: 'inherit', detached: true }).unref();
} else {
  // No desktop VS Code: the VS Code server, with the packaged extension installed (installed on first use).
  const { ensureTools, SetupError } = await import('../test/vscode/tools.mjs');
  try {
    ensureTools();
  } catch (e) {
    if (!(e instanceof SetupError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
  const { installVsix, startServer } = await import('../test/vscode/server.mjs');
  const dataDir = path.join(root, '.vscode-test', 'start-data');
  installVsix(dataDir, vsix);
  const server = await startServer({ dataDir, port: Number(process.env.PORT) || undefined });
  console.log(
    `\nVS Code is running with LangSwarm Sessions. Open this URL in a browser:\n\n  ${server.url}/?folder=${encodeURIComponent(workspace)}\n\nPress Ctrl+C to stop.`,
  );
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
