// The CLI and the world around it: slow pipes, full disks, missing or unwritable files, hostile
// input bytes. Real processes (dist/cli.js), real files, /dev/full for a disk that is full.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeOutFile } from '../../src/cli/files';
import { SessionManager } from '../../src/core/sessions';
import { FileSystem, realFs } from '../../src/core/store/files';
import { CLI, RESTRICTED_USER, cli, cliSlowReader } from '../helpers/cli';
import { tempDb, tempDir } from '../helpers/temp';

const ID = /^[0-9a-f-]{36}$/;

/** One session of `messages` messages of `size` characters each, written in-process; returns its id. */
async function seed(db: string, messages: number, size: number): Promise<string> {
  const m = await SessionManager.open(db);
  const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'big' });
  for (let i = 0; i < messages; i++)
    await m.addMessage(s.id, {
      role: i % 2 ? 'assistant' : 'user',
      content: `${i} ${'lorem ipsum dolor '.repeat(size / 18)}`,
    });
  await m.close();
  return s.id;
}

/** The files in a folder, recursively, relative to it. */
const listing = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();

describe('CLI input and output', function () {
  this.timeout(120_000);

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });

  describe('output', () => {
    let db: string;
    let id: string;
    before(async () => {
      db = tempDb();
      id = await seed(db, 6, 500_000); // ~3 MB of text, far beyond a pipe's 64 KB
    });

    it('writes every byte to a pipe that is read slowly, as it does to a file', async () => {
      const dir = tempDir();
      for (const args of [
        ['show', id, '--json'],
        ['dump', id],
        ['export-v1', id],
      ]) {
        const file = path.join(dir, `${args[0]}.out`);
        const fd = fs.openSync(file, 'w');
        const toFile = cli([...args, '--db', db], { stdoutFd: fd });
        fs.closeSync(fd);
        assert.equal(toFile.code, 0, toFile.stderr);
        const expected = fs.readFileSync(file);
        assert.ok(expected.length > 3_000_000, `${args[0]}: ${expected.length} bytes`);
        const piped = await cliSlowReader([...args, '--db', db], 300);
        assert.equal(piped.code, 0, piped.stderr);
        assert.equal(piped.stdout.length, expected.length, `${args[0]}: bytes through the pipe`);
        // A dump says when it was made: the one difference between two runs.
        const made = (b: Buffer) => b.toString('utf8').replace(/"createdAt": "[^"]*"/, '"createdAt": …');
        assert.ok(made(piped.stdout) === made(expected), `${args[0]}: same bytes`);
      }
    });

    it('says so and exits 1 when stdout cannot be written (a full disk: /dev/full)', () => {
      const fd = fs.openSync('/dev/full', 'w');
      try {
        const r = cli(['show', id, '--db', db], { stdoutFd: fd });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stderr, 'error: Could not write the output: the disk is full (ENOSPC).\n');
      } finally {
        fs.closeSync(fd);
      }
    });

    it('says so and exits 1 when the JSON log cannot be written (a full disk: /dev/full)', () => {
      const r = cli(['list', '--db', db, '--log-json', '/dev/full']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: Could not write the log \/dev\/full: the disk is full \(ENOSPC\)\. Events after that are missing from it\.\n$/,
      );
      assert.match(r.stdout, /big/, 'the command itself ran');
    });
  });

  describe('arguments before the database', () => {
    it('never creates a database, or its folders, for a command that fails or only reads', () => {
      const dir = tempDir();
      const db = path.join(dir, 'new', 'dir', 'x.sqlite');
      const cases: Array<[string[], RegExp]> = [
        [['show', 'nosuch'], /^error: No database at .*x\.sqlite: nothing to read/],
        [['list'], /No database at/],
        [['search', 'hello'], /No database at/],
        [['stats'], /No database at/],
        [['dump', '--all'], /No database at/],
        [['export-v1', 'nosuch'], /No database at/],
        [['add', 'nosuch', '--role', 'user', '--content', 'x'], /No database at .*nothing to change/],
        [['set-status', 'nosuch', 'paused'], /No database at/],
        [['delete', 'nosuch'], /No database at/],
        [['send', 'nosuch', '--content', 'x'], /No database at/],
        [
          ['create', '--provider', 'openai', '--model', 'm'],
          /Could not create the database .*x\.sqlite: the folder .*dir does not exist/,
        ],
        [['create', '--provider', 'openai'], /Missing --model/],
        [['create', '--provider', 'openai', '--model', ' '], /Invalid session: model: a model is required/],
        [['add', 'nosuch', '--role', 'king', '--content', 'x'], /Invalid message: role/],
        [['set-status', 'nosuch', 'deleted'], /Unknown status "deleted"/],
        [['list', '--limit', 'abc'], /--limit needs a whole number of 1 or more, not "abc"/],
        [['search', '-paid'], /needs a word or phrase to find/],
        [['migrate', path.join(dir, 'missing.json')], /Nothing was imported: ".*missing\.json" does not exist/],
        [['import-openai', 'conv_1', '--model', 'm'], /No OPENAI_API_KEY is set\./],
        [['test-provider', 'openai', '--model', 'm'], /No OPENAI_API_KEY is set\./],
      ];
      for (const [args, pattern] of cases) {
        const r = cli([...args, '--db', db], { env: { OPENAI_API_KEY: undefined } });
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, pattern, args.join(' '));
        assert.deepEqual(listing(dir), [], `${args.join(' ')} created files`);
      }
    });

    it('creates the default database, and its .vscode folder, only for a command that creates sessions', () => {
      const cwd = tempDir();
      const env = { LANGSWARM_SESSIONS_DB: undefined };
      const list = cli(['list'], { cwd, env });
      assert.equal(list.code, 1);
      assert.equal(
        list.stderr,
        `error: No database at ${path.join('.vscode', 'langswarm-sessions.sqlite')}: nothing to read. Give --db, or create a session first.\n`,
      );
      assert.deepEqual(listing(cwd), []);
      assert.equal(cli(['create', '--provider', 'openai', '--model', 'm'], { cwd, env }).code, 0);
      assert.ok(listing(cwd).includes(path.join('.vscode', 'langswarm-sessions.sqlite')));
      assert.equal(JSON.parse(cli(['list', '--json'], { cwd, env }).stdout).total, 1);
    });

    it('checks every numeric option', () => {
      const db = tempDb();
      assert.equal(cli(['create', '--provider', 'openai', '--model', 'm', '--db', db]).code, 0);
      for (const [args, bad] of [
        [['list', '--limit'], '0'],
        [['list', '--limit'], '1.5'],
        [['list', '--limit'], '1e3'],
        [['search', 'x', '--limit'], 'many'],
        [['search', 'x', '--limit'], ''],
      ] as const) {
        const r = cli([...args, bad, '--db', db]);
        assert.equal(r.code, 1, `${args.join(' ')} ${bad}: ${r.stderr}`);
        assert.equal(r.stderr, `error: --limit needs a whole number of 1 or more, not "${bad}".\n`);
      }
      assert.equal(JSON.parse(cli(['list', '--limit', '1', '--json', '--db', db]).stdout).sessions.length, 1);
    });
  });

  describe('files', () => {
    let db: string;
    let id: string;
    before(async () => {
      db = tempDb();
      id = await seed(db, 2, 100);
    });

    it('gives one sentence and exit 1, never a stack, for folders, missing folders and paths through files', () => {
      const dir = tempDir();
      const file = path.join(dir, 'file.txt');
      fs.writeFileSync(file, 'x');
      const cases: Array<[string[], string]> = [
        [['export-v1', id, '--out', dir, '--db', db], `error: --out ${dir} is a folder; give a file name.\n`],
        [
          ['dump', id, '--out', path.join(dir, 'no', 'x.json'), '--db', db],
          `error: Could not write ${path.join(dir, 'no', 'x.json')}: the folder ${path.join(dir, 'no')} does not exist.\n`,
        ],
        [
          ['dump', id, '--out', path.join(file, 'x.json'), '--db', db],
          `error: Could not write ${path.join(file, 'x.json')}: a part of its path is not a folder (ENOTDIR).\n`,
        ],
        [['list', '--log-json', dir, '--db', db], `error: --log-json ${dir} is a folder; give a file name.\n`],
        [
          ['list', '--log-json', path.join(dir, 'no', 'x.log'), '--db', db],
          `error: Could not open the log ${path.join(dir, 'no', 'x.log')}: its folder does not exist (ENOENT).\n`,
        ],
        [['list', '--db', dir], `error: --db ${dir} is a folder; give the path of the database file.\n`],
        [
          ['list', '--db', path.join(file, 'x.sqlite')],
          `error: Could not open the database ${path.join(file, 'x.sqlite')}: a part of its path is not a folder (ENOTDIR).\n`,
        ],
        [
          ['create', '--provider', 'openai', '--model', 'm', '--db', path.join(dir, 'no', 'x.sqlite')],
          `error: Could not create the database ${path.join(dir, 'no', 'x.sqlite')}: the folder ${path.join(dir, 'no')} does not exist.\n`,
        ],
      ];
      for (const [args, message] of cases) {
        const r = cli(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, message);
      }
      assert.deepEqual(listing(dir), ['file.txt']);
    });

    it('gives one sentence and exit 1 for targets it may not write', () => {
      const dir = tempDir();
      fs.chmodSync(dir, 0o755); // so the restricted user can reach what is inside
      const readOnly = path.join(dir, 'read-only');
      fs.mkdirSync(readOnly, { mode: 0o555 });
      fs.chmodSync(readOnly, 0o555);
      const mine = tempDb();
      fs.chmodSync(path.dirname(mine), 0o755);
      const session = cli(['create', '--provider', 'openai', '--model', 'm', '--db', mine]).stdout.trim();
      try {
        const cases: Array<[string[], RegExp]> = [
          [
            ['export-v1', session, '--out', path.join(readOnly, 'x.json'), '--db', mine],
            /^error: Could not write .*read-only\/x\.json: permission denied \(EACCES\)\.\n$/,
          ],
          [
            ['dump', session, '--out', path.join(readOnly, 'x.json'), '--db', mine],
            /^error: Could not write .*read-only\/x\.json: permission denied \(EACCES\)\.\n$/,
          ],
          [
            ['create', '--provider', 'openai', '--model', 'm', '--db', path.join(readOnly, 'x.sqlite')],
            /^error: .*not writable \(EACCES\)\.\n$/,
          ],
          [
            ['list', '--log-json', path.join(readOnly, 'x.log'), '--db', mine],
            /^error: Could not open the log .*read-only\/x\.log: permission denied \(EACCES\)\.\n$/,
          ],
        ];
        for (const [args, pattern] of cases) {
          const r = cli(args, { ...(RESTRICTED_USER === undefined ? {} : { user: RESTRICTED_USER }) });
          assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, pattern, args.join(' '));
        }
        assert.deepEqual(fs.readdirSync(readOnly), []);
      } finally {
        fs.chmodSync(readOnly, 0o755);
      }
    });

    it('refuses an --out that is a symbolic link, leaving the link and what it points to alone', () => {
      const dir = tempDir();
      const precious = path.join(dir, 'precious.txt');
      fs.writeFileSync(precious, 'keep me');
      const link = path.join(dir, 'out.json');
      fs.symlinkSync(precious, link);
      for (const command of ['export-v1', 'dump']) {
        const r = cli([command, id, '--out', link, '--db', db]);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          r.stderr,
          `error: --out ${link} is a symbolic link; give the path of the file itself (links are not written through).\n`,
        );
        assert.equal(fs.readFileSync(precious, 'utf8'), 'keep me');
        assert.equal(fs.lstatSync(link).isSymbolicLink(), true);
      }
      assert.deepEqual(listing(dir), ['out.json', 'precious.txt']);
    });

    it('replaces an --out file whole, keeping its permissions and leaving no temp file', () => {
      const dir = tempDir();
      for (const command of ['export-v1', 'dump']) {
        const out = path.join(dir, `${command}.json`);
        fs.writeFileSync(out, 'old content that is longer than nothing');
        fs.chmodSync(out, 0o640);
        const r = cli([command, id, '--out', out, '--db', db]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(fs.statSync(out).mode & 0o777, 0o640, `${command} keeps the mode`);
        const written = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>;
        assert.ok(Object.keys(written).length > 0);
      }
      assert.deepEqual(listing(dir), ['dump.json', 'export-v1.json']);
    });

    it('leaves the old --out file as it was when the disk fills up while writing', () => {
      const dir = tempDir();
      const out = path.join(dir, 'dump.json');
      fs.writeFileSync(out, 'the old dump');
      fs.chmodSync(out, 0o600);
      let written = 0;
      const fullAfter1KB: FileSystem = {
        ...realFs,
        writeSync: ((fd: number, buffer: Uint8Array, offset?: number, length?: number) => {
          if (written >= 1024)
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          const n = realFs.writeSync(fd, buffer, offset, Math.min(length ?? buffer.length, 1024 - written));
          written += n;
          return n;
        }) as FileSystem['writeSync'],
      };
      assert.throws(() => writeOutFile(out, 'x'.repeat(100_000), fullAfter1KB), {
        code: 'StorageFull',
        message: `Could not write ${out}: the disk is full (ENOSPC).`,
      });
      assert.equal(fs.readFileSync(out, 'utf8'), 'the old dump');
      assert.deepEqual(listing(dir), ['dump.json']);
      writeOutFile(out, 'the new dump');
      assert.equal(fs.readFileSync(out, 'utf8'), 'the new dump');
      assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    });
  });

  describe('input', () => {
    it('keeps invalid UTF-8 and lone surrogates as U+FFFD, warning with the line; a line without content says so', () => {
      const db = tempDb();
      const id = cli(['create', '--provider', 'openai', '--model', 'm', '--db', db]).stdout.trim();
      const input = Buffer.concat([
        Buffer.from('{"role":"user","content":"fine"}\n'),
        Buffer.from('{"role":"user","content":"x'),
        Buffer.from([0xff, 0xc3]),
        Buffer.from('y"}\r\n'),
        Buffer.from('{"role":"user","content":"a\\ud800b","metadata":{"k\\udc00":"v"}}\n'),
        Buffer.from('{"role":"user"}\n'),
        Buffer.from('{"role":"user","content":"pair \\ud83d\\ude00 and \uFFFD typed"}\n'),
        Buffer.from('[1]\n'),
      ]);
      const r = cli(['add', id, '--jsonl', '--db', db], { input });
      assert.equal(r.code, 1, 'lines that were not added make the exit code 1');
      const ids = r.stdout.trim().split('\n');
      assert.equal(ids.length, 4);
      assert.ok(ids.every((x) => ID.test(x)));
      assert.equal(
        r.stderr,
        [
          'warning: line 2: not valid UTF-8; the bad bytes were kept as U+FFFD.',
          'warning: line 3: a lone surrogate (a \\ud800-\\udfff escape without its pair) was kept as U+FFFD.',
          'line 4: no "content" (or "parts"); the line was skipped.',
          'line 6: not a JSON object; give {"role":…,"content":…}.',
          '',
        ].join('\n'),
      );
      const shown = JSON.parse(cli(['show', id, '--json', '--db', db]).stdout) as {
        messages: Array<{ text: string; metadata: Record<string, unknown> }>;
      };
      assert.deepEqual(
        shown.messages.map((m) => m.text),
        ['fine', 'x\uFFFD\uFFFDy', 'a\uFFFDb', 'pair 😀 and \uFFFD typed'],
      );
      assert.deepEqual(shown.messages[2]!.metadata, { 'k\uFFFD': 'v' });
    });
  });
});
