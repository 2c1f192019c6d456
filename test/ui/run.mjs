#!/usr/bin/env node
// npm run test:ui: every test/ui/*.ui.mjs in turn (name order), with this script's arguments; the exit
// code is the first failure's. One file per area keeps a failure's log short and lets areas run alone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ui.mjs'))
  .sort();
let code = 0;
for (const file of files) {
  console.log(`[ui] ${file}`);
  const run = spawnSync(process.execPath, [path.join(here, file), ...process.argv.slice(2)], { stdio: 'inherit' });
  const status = run.status ?? 1;
  console.log(`[ui] ${file}: ${status === 0 ? 'passed' : `failed (exit ${status})`}`);
  if (status !== 0 && code === 0) code = status;
}
process.exit(code);
