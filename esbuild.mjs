// Bundles the extension, its store worker, the CLI and the benchmark into dist/, and copies sql.js's wasm beside them
// (loaded with locateFile from dist/, never from the network). Each provider SDK gets a bundle of
// its own in dist/vendor/, loaded on first use: inlined, the three SDKs add ~4 MB and ~130 ms to
// every start of the CLI and the extension.
// The webviews (history, state, compare) are bundled for the browser into dist/webview/ with their CSS
// and the codicon font.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const SDKS = { openai: 'openai', '@anthropic-ai/sdk': 'anthropic-sdk', '@google/genai': 'google-genai' };

/** The providers' `import('openai')` etc. become `require('./vendor/openai.js')` at run time. */
const lazySdks = {
  name: 'lazy-sdks',
  setup(build) {
    build.onResolve({ filter: /^(openai|@anthropic-ai\/sdk|@google\/genai)$/ }, (args) => ({
      path: `./vendor/${SDKS[args.path]}.js`,
      external: true,
    }));
  },
};

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  // The SDKs name themselves from their classes (the OpenAI SDK's User-Agent is `${constructor.name}/JS`, its
  // errors' names likewise): minified, requests went out as "U/JS 7.57.0".
  keepNames: true,
  logLevel: 'info',
  external: ['vscode'],
  plugins: [lazySdks],
};

const builds = [
  // Activation loads only the thin extension.js; everything else (the core with zod and sql.js,
  // the tree, the commands) is main.js, required on first use.
  {
    ...node,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    external: ['vscode', './main.js'],
  },
  { ...node, entryPoints: { main: 'src/extension/main.ts' }, outdir: 'dist' },
  // The session store's worker thread (src/core/worker): the extension never runs sql.js on its own thread.
  { ...node, entryPoints: { 'store-worker': 'src/core/worker/worker.ts' }, outdir: 'dist' },
  // A large migration's reader thread (src/core/langswarm/read.ts), started by whichever thread holds the store.
  { ...node, entryPoints: { 'import-reader': 'src/core/langswarm/reader-worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // playwright-core stays outside the bundle: it loads its own files at run time.
  { ...node, entryPoints: { bench: 'test/bench/bench.ts' }, outdir: 'dist', external: ['vscode', 'playwright-core'] },
  // Tests that run inside VS Code's extension host (mocha comes from node_modules there).
  {
    ...node,
    entryPoints: { index: 'test/integration/index.ts', tests: 'test/integration/tests.ts' },
    outdir: 'out/test/integration',
    external: ['vscode', 'mocha', './tests.js'],
  },
  {
    ...node,
    plugins: [],
    sourcemap: false,
    // The SDKs' CommonJS entries (genai's "node" + "require" export), so `require` gives their exports.
    entryPoints: Object.fromEntries(
      Object.entries(SDKS).map(([pkg, file]) => [`vendor/${file}`, require.resolve(pkg)]),
    ),
    outdir: 'dist',
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    sourcemap: !production,
    minify: !process.env['LSS_NO_MINIFY'],
    logLevel: 'info',
    entryPoints: {
      history: 'src/webview/history/main.ts',
      state: 'src/webview/state/main.ts',
      compare: 'src/webview/compare/main.ts',
    },
    outdir: 'dist/webview',
  },
];

rmSync('dist', { recursive: true, force: true });
rmSync('out', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
mkdirSync('dist/webview', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf'])
  copyFileSync(require.resolve(`@vscode/codicons/dist/${file}`), `dist/webview/${file}`);

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
