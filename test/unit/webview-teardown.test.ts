// The webview suites (npm run test:webview) as a real mocha run on a machine without the browser: every suite
// fails in its `before all` hook with the sentence saying what is missing, and its `after all` hooks close only
// what was opened and return at once (they used to wait for a mock server that never started, 60 s each).
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '../..');
const MOCHA = path.join(ROOT, 'node_modules/mocha/bin/mocha.js');

describe('webview suites without Chromium', function () {
  // Below the suites' own 60 s hook timeout: an `after all` hook that waits for it fails this test.
  this.timeout(45_000);
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('fail in `before all` with the setup error, and tear down without waiting', async () => {
    const missing = path.join(tempDir(), 'no-chromium');
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      child = spawn(process.execPath, [MOCHA, '--config', '.mocharc.webview.json', '--reporter', 'spec'], {
        cwd: ROOT,
        env: { ...process.env, LANGSWARM_CHROMIUM: missing },
      });
      let output = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        output += d;
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        output += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
    const failedHooks = [...output.matchAll(/^\s+\d+\) .*\n\s+"(before|after) all" hook/gm)].map((m) => m[1]);
    assert.ok(failedHooks.length > 0, output);
    assert.deepEqual(
      failedHooks.filter((h) => h === 'after'),
      [],
      output,
    );
    assert.equal(code, failedHooks.length, 'one failure per suite: its setup');
    const errors = [...output.matchAll(/^\s+Error: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(
      new Set(errors),
      new Set([
        `Chromium is needed for the webview tests and is not at ${missing}: run "npm run test:setup" to install it (or set LANGSWARM_CHROMIUM to the browser).`,
      ]),
      output,
    );
  });
});
