#!/usr/bin/env node
// Runs the integration suite (out/test/integration) inside a real VS Code on this machine:
// the VS Code server + Chromium harness (run-tests.mjs). `--vsix FILE` tests the packaged build.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './tools.mjs';
import { ARTIFACTS, runVscodeTests } from './run-tests.mjs';

const { values } = parseArgs({
  options: { vsix: { type: 'string' }, grep: { type: 'string' }, keep: { type: 'boolean', default: false } },
});
const suite = path.join(REPO_ROOT, 'out/test/integration/index.js');
if (!fs.existsSync(suite)) {
  console.error(`${suite} is missing: run "npm run build" first.`);
  process.exit(2);
}
// A fresh workspace (a git repository, for the .gitignore offer) for every run.
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-workspace-'));
fs.mkdirSync(path.join(workspace, '.git'));
fs.mkdirSync(ARTIFACTS, { recursive: true });
const code = await runVscodeTests({
  extensionDevelopmentPath: REPO_ROOT,
  extensionTestsPath: suite,
  workspace,
  vsix: values.vsix && path.resolve(values.vsix),
  env: {
    LSS_ARTIFACTS: ARTIFACTS,
    LSS_FIXTURES: path.resolve(REPO_ROOT, '../shared/fixtures/langswarm'),
    ...(values.grep ? { LSS_GREP: values.grep } : {}),
  },
  timeoutSec: 600,
  keep: values.keep,
});
fs.rmSync(workspace, { recursive: true, force: true });
process.exit(code);
