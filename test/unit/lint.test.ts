// `npm run lint` holds the layers: run as a child process, it passes on the tree and fails, naming the rule
// and the file, on a file that crosses a layer. Each probe file is written into the working tree (that is
// where the per-path rules apply) and removed again.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIOME = path.join(ROOT, 'node_modules/@biomejs/biome/bin/biome');

/** The arguments of `npm run lint` (`biome lint … .`), so the test runs exactly what npm test runs. */
function lintArgs(): string[] {
  const script = (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts['lint'];
  const words = script?.split(' ') ?? [];
  assert.equal(words[0], 'biome', `npm run lint runs Biome (it is: ${script})`);
  assert.equal(words.at(-1), '.', 'npm run lint checks the whole tree');
  return words.slice(1, -1);
}

function lint(paths: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [BIOME, ...lintArgs(), '--colors=off', ...paths], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Lints `file` (relative to the root) holding `source`, written for the call only. */
function lintProbe(file: string, source: string): { status: number | null; output: string } {
  const full = path.join(ROOT, file);
  assert.equal(fs.existsSync(full), false, `${file} exists already`);
  fs.writeFileSync(full, source);
  try {
    return lint([file]);
  } finally {
    fs.rmSync(full, { force: true });
  }
}

function assertRefused(
  result: { status: number | null; output: string },
  file: string,
  rule: string,
  message: RegExp,
): void {
  assert.notEqual(result.status, 0, `the lint passed:\n${result.output}`);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(result.output, new RegExp(`${escaped}:\\d+:\\d+ ${rule}`), result.output);
  assert.match(result.output, message, result.output);
}

function assertPasses(result: { status: number | null; output: string }): void {
  assert.equal(result.status, 0, result.output);
}

describe('npm run lint', () => {
  const probe = `lintProbe${process.pid}`;

  it('passes on the tree', () => {
    assertPasses(lint(['.']));
  });

  it('holds src/dap (the debug adapter, shared by the extension and the CLI) to the core rule: no vscode', () => {
    const file = `src/dap/${probe}.ts`;
    assertRefused(
      lintProbe(file, `import * as vscode from 'vscode';\n\nexport const probe = vscode;\n`),
      file,
      'lint/style/noRestrictedImports',
      /src\/core runs without VS Code/,
    );
  });

  describe('src/core', () => {
    const file = `src/core/${probe}.ts`;

    it('refuses an import of vscode', () => {
      assertRefused(
        lintProbe(file, `import * as vscode from 'vscode';\n\nexport const probe = vscode;\n`),
        file,
        'lint/style/noRestrictedImports',
        /src\/core runs without VS Code/,
      );
    });

    it('refuses imports from src/extension and src/webview, relative or through a folder', () => {
      for (const from of ['../extension/tree', './../webview/shared/dom', '../extension']) {
        assertRefused(
          lintProbe(file, `import * as other from '${from}';\n\nexport const probe = other;\n`),
          file,
          'lint/style/noRestrictedImports',
          /src\/core never imports from src\/extension or src\/webview/,
        );
      }
    });

    it('refuses require() of vscode and of src/extension, which the import rule does not see', () => {
      for (const from of ['vscode', '../extension/main']) {
        assertRefused(
          lintProbe(file, `export const probe = require('${from}');\n`),
          file,
          'plugin',
          /src\/core never requires `vscode` or anything from src\/extension or src\/webview/,
        );
      }
    });

    it('allows its own modules and packages', () => {
      assertPasses(
        lintProbe(
          file,
          `import { z } from 'zod';\nimport { CoreError } from './errors';\n\nexport const probe = [z, CoreError, require('openai')];\n`,
        ),
      );
    });
  });

  describe('src/webview (browser code)', () => {
    const file = `src/webview/history/${probe}.ts`;

    it('refuses Node built-ins', () => {
      for (const from of ['node:fs', 'path']) {
        assertRefused(
          lintProbe(file, `import * as fs from '${from}';\n\nexport const probe = fs;\n`),
          file,
          'lint/style/noRestrictedImports',
          /src\/webview is browser code: no Node built-ins/,
        );
      }
    });

    it('refuses vscode and the store', () => {
      assertRefused(
        lintProbe(file, `import * as vscode from 'vscode';\n\nexport const probe = vscode;\n`),
        file,
        'lint/style/noRestrictedImports',
        /of the packages only marked, highlight\.js and uPlot/,
      );
      assertRefused(
        lintProbe(
          file,
          `import type { SearchHit } from '../../core/store/database';\n\nexport type Probe = SearchHit;\n`,
        ),
        file,
        'lint/style/noRestrictedImports',
        /src\/webview imports only src\/protocol\.ts/,
      );
      assertRefused(
        lintProbe(file, `export const probe = require('../../core/sessions');\n`),
        file,
        'lint/style/noCommonJs',
        /./,
      );
    });

    it('allows the protocol, the core names and model types, its own modules, marked, highlight.js and uPlot', () => {
      assertPasses(
        lintProbe(
          file,
          [
            `import hljs from 'highlight.js/lib/core';`,
            `import { Lexer } from 'marked';`,
            `import uPlot from 'uplot';`,
            `import 'uplot/dist/uPlot.min.css';`,
            `import type { Role } from '../../core/model';`,
            `import { ROLES } from '../../core/names';`,
            `import { VIEWS } from '../../protocol';`,
            `import { h } from '../shared/dom';`,
            `import { codeBlock } from './highlight';`,
            '',
            'export const probe = [hljs, Lexer, uPlot, ROLES, VIEWS, h, codeBlock];',
            'export type Probe = Role;',
            '',
          ].join('\n'),
        ),
      );
    });
  });

  describe('the webview host files', () => {
    it('refuse vscode in a *Host.ts file', () => {
      const file = `src/extension/webview/${probe}Host.ts`;
      assertRefused(
        lintProbe(file, `import * as vscode from 'vscode';\n\nexport const probe = vscode;\n`),
        file,
        'lint/style/noRestrictedImports',
        /webview host files and the protocol are free of `vscode`/,
      );
    });

    it('allow vscode in a panel, which holds the VS Code side', () => {
      assertPasses(
        lintProbe(
          `src/extension/webview/${probe}Panel.ts`,
          `import * as vscode from 'vscode';\n\nexport const probe = vscode;\n`,
        ),
      );
    });
  });
});

describe('source files', () => {
  /** The comment lines a file opens with. */
  function header(text: string): string[] {
    const lines = text.split('\n');
    const end = lines.findIndex((l) => !l.startsWith('//'));
    return lines.slice(0, end < 0 ? lines.length : end);
  }

  it('are at most 450 lines, or say in their header why not', () => {
    const unexplained: string[] = [];
    for (const entry of fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|mjs|js)$/.test(entry.name)) continue;
      const file = path.join(entry.parentPath, entry.name);
      const text = fs.readFileSync(file, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > 450 && !header(text).some((l) => /\b450 lines\b/.test(l)))
        unexplained.push(`${path.relative(ROOT, file)} (${lines} lines)`);
    }
    assert.deepEqual(unexplained, [], 'over 450 lines without "Over 450 lines: <why>" in the opening comment');
  });
});
