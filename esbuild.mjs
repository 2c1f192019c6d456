// Bundles the extension, the CLI and the benchmark into dist/, and copies sql.js's wasm beside them
// (loaded with locateFile from dist/, never from the network). The two webviews (history, state) are
// bundled for the browser into dist/webview/ with their CSS and the codicon font.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  external: ['vscode'],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // playwright-core stays outside the bundle: it loads its own files at run time.
  { ...node, entryPoints: { bench: 'test/bench/bench.ts' }, outdir: 'dist', external: ['vscode', 'playwright-core'] },
  {
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    sourcemap: !production,
    minify: !process.env['LSS_NO_MINIFY'],
    logLevel: 'info',
    entryPoints: { history: 'src/webview/history/main.ts', state: 'src/webview/state/main.ts' },
    outdir: 'dist/webview',
  },
];

mkdirSync('dist', { recursive: true });
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
mkdirSync('dist/webview', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(require.resolve(`@vscode/codicons/dist/${file}`), `dist/webview/${file}`);

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
