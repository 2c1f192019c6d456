#!/usr/bin/env node
// `npm run test:desktop`: the same integration suite in desktop VS Code through the standard
// @vscode/test-electron runner, for machines that can download VS Code (this one cannot: use
// `npm test`, which runs the suite in VS Code's server build instead).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-workspace-'));
fs.mkdirSync(path.join(workspace, '.git'));
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/integration/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { LSS_ARTIFACTS: path.join(root, 'test-artifacts') },
  });
} catch (e) {
  console.error(`Desktop tests failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
