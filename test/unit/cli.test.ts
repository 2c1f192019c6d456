// The CLI as scripts use it: the built dist/cli.js in real processes, exact outputs and exit codes.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, cli, cliOnDb } from '../helpers/cli';
import { tempDb, tempDir } from '../helpers/temp';

const ID = /^[0-9a-f-]{36}$/;

describe('CLI', function () {
  this.timeout(60_000);
  let db: string;
  const { run, ok } = cliOnDb(() => db);

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    db = tempDb();
  });

  it('creates a session, adds messages and shows them', () => {
    const id = ok(
      'create',
      '--provider',
      'anthropic',
      '--model',
      'claude-sonnet',
      '--title',
      'CLI demo',
      '--user',
      'u1',
      '--system',
      'Be terse.',
      '--tag',
      'x',
    ).trim();
    assert.match(id, ID);
    const m1 = ok('add', id, '--role', 'user', '--content', 'Hello there').trim();
    const m2 = ok('add', id, '--role', 'assistant', '--content', 'General Kenobi').trim();
    assert.match(m1, ID);
    const shown = JSON.parse(ok('show', id, '--json')) as {
      session: Record<string, unknown>;
      messages: Array<Record<string, unknown>>;
    };
    assert.equal(shown.session['title'], 'CLI demo');
    assert.equal(shown.session['userId'], 'u1');
    assert.equal(shown.session['systemPrompt'], 'Be terse.');
    assert.deepEqual(shown.session['tags'], ['x']);
    assert.deepEqual(
      shown.messages.map((m) => [m['id'], m['seq'], m['role'], m['text']]),
      [
        [m1, 1, 'user', 'Hello there'],
        [m2, 2, 'assistant', 'General Kenobi'],
      ],
    );
    assert.deepEqual(Object.keys(shown.messages[0]!).slice(0, 4), ['id', 'seq', 'role', 'text']);
    const text = ok('show', id);
    assert.match(text, /#1 user: Hello there\n#2 assistant: General Kenobi/);
    assert.match(text, /system: Be terse\./);
  });

  it('shows tool calls and results after the words, and a message that is not complete with its state', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'gpt-4o').trim();
    const call = { type: 'tool_call', callId: 'c1', name: 'lookup', argumentsJson: '{"q":"x"}' };
    const input = [
      {
        role: 'assistant',
        parts: [{ type: 'text', text: 'Let me look.' }, call, { type: 'reasoning', text: 'not shown' }],
      },
      { role: 'tool', parts: [{ type: 'tool_result', callId: 'c1', name: 'lookup', content: 'found' }] },
      { role: 'assistant', content: 'half', state: 'partial' },
    ]
      .map((m) => JSON.stringify(m))
      .join('\n');
    assert.equal(cli(['add', id, '--jsonl', '--db', db], { input }).code, 0);
    assert.match(
      ok('show', id),
      /\n#1 assistant: Let me look\. \[call lookup\(\{"q":"x"\}\)\]\n#2 tool: \[result lookup: found\]\n#3 assistant \(partial\): half\n$/,
    );
  });

  it('adds JSONL from stdin, printing each id and reporting bad lines without stopping', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'gpt-4o').trim();
    const input = [
      '{"role":"user","content":"one"}',
      'not json',
      '{"role":"wizard","content":"x"}',
      '',
      '{"role":"assistant","content":"two"}',
    ].join('\n');
    const r = cli(['add', id, '--jsonl', '--db', db], { input });
    assert.equal(r.code, 1, 'bad lines make the exit code 1');
    const ids = r.stdout.trim().split('\n');
    assert.equal(ids.length, 2);
    assert.ok(ids.every((x) => ID.test(x)));
    assert.match(r.stderr, /line 2: not JSON/);
    assert.match(r.stderr, /line 3: Invalid message: role/);
    const shown = JSON.parse(ok('show', id, '--json')) as { messages: Array<{ id: string; text: string }> };
    assert.deepEqual(
      shown.messages.map((m) => [m.id, m.text]),
      [
        [ids[0], 'one'],
        [ids[1], 'two'],
      ],
    );
  });

  it('lists with filters, as text and JSON', () => {
    const a = ok('create', '--provider', 'openai', '--model', 'm', '--title', 'Alpha', '--tag', 'red').trim();
    const b = ok('create', '--provider', 'gemini', '--model', 'g', '--title', 'Beta').trim();
    ok('set-status', b, 'paused');
    const all = JSON.parse(ok('list', '--json')) as { total: number; sessions: Array<{ id: string }> };
    assert.equal(all.total, 2);
    assert.deepEqual(
      JSON.parse(ok('list', '--status', 'paused', '--json')).sessions.map((s: { id: string }) => s.id),
      [b],
    );
    assert.deepEqual(
      JSON.parse(ok('list', '--provider', 'openai', '--json')).sessions.map((s: { id: string }) => s.id),
      [a],
    );
    assert.deepEqual(
      JSON.parse(ok('list', '--tag', 'red', '--json')).sessions.map((s: { id: string }) => s.id),
      [a],
    );
    const text = ok('list');
    assert.match(text, new RegExp(`${a}\\s+active\\s+openai/m\\s+0 msgs .* Alpha`));
    assert.match(text, new RegExp(`${b}\\s+paused\\s+gemini/g`));
  });

  it('takes an empty filter as no filter, and an empty --user as sessions without a user', () => {
    const a = ok('create', '--provider', 'openai', '--model', 'm', '--user', 'ann').trim();
    const b = ok('create', '--provider', 'gemini', '--model', 'g').trim();
    const ids = (...args: string[]) =>
      (JSON.parse(ok('list', ...args, '--json')) as { sessions: Array<{ id: string }> }).sessions
        .map((s) => s.id)
        .sort();
    assert.deepEqual(ids('--status', '', '--provider', '', '--tag', '', '--text', ''), [a, b].sort());
    assert.deepEqual(ids('--user', ''), [b]);
    assert.deepEqual(ids('--user', 'ann'), [a]);
  });

  it('searches, forks, deletes and reports stats', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'm').trim();
    const m1 = ok('add', id, '--role', 'user', '--content', 'tell me about the aurora borealis').trim();
    ok('add', id, '--role', 'assistant', '--content', 'It is a light display');
    const found = JSON.parse(ok('search', 'aurora', '--json')) as {
      total: number;
      hits: Array<{ messageId: string; snippet: string; highlights: number[][] }>;
    };
    assert.equal(found.total, 1);
    assert.equal(found.hits[0]!.messageId, m1);
    assert.match(ok('search', 'aurora'), /\[aurora\] borealis[\s\S]*1 match/);
    const fork = ok('fork', id, '--at', m1).trim();
    assert.match(fork, ID);
    const forked = JSON.parse(ok('show', fork, '--json')) as { session: { parent: unknown }; messages: unknown[] };
    assert.equal(forked.messages.length, 1);
    assert.deepEqual(forked.session.parent, { sessionId: id, messageId: m1 });
    const stats = JSON.parse(ok('stats', '--json')) as { sessions: number; messages: number };
    assert.deepEqual([stats.sessions, stats.messages], [2, 3]);
    assert.match(ok('stats'), /sessions: 2 {2}active 2\n[\s\S]*messages: 3/);
    ok('delete', fork);
    assert.equal(JSON.parse(ok('stats', '--json')).sessions, 1);
  });

  it('searches with exclusions typed without quotes, and known options among the words', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'm').trim();
    for (const content of ['invoice paid', 'invoice due', 'paid'])
      ok('add', id, '--role', 'user', '--content', content);
    const texts = (...args: string[]) =>
      (JSON.parse(ok('search', ...args, '--json')) as { hits: Array<{ snippet: string }> }).hits
        .map((h) => h.snippet)
        .sort();
    assert.deepEqual(texts('invoice', '-paid'), ['invoice due']);
    assert.deepEqual(texts('-paid', 'invoice'), ['invoice due']);
    assert.deepEqual(texts('invoice', '--limit', '5', '-due'), ['invoice paid']);
    assert.deepEqual(texts('invoice', '--session', id, '-"invoice', 'due"'), ['invoice paid']);
    const afterDashes = cli(['search', '--db', db, '--json', '--', 'invoice', '-due']);
    assert.deepEqual(
      JSON.parse(afterDashes.stdout).hits.map((h: { snippet: string }) => h.snippet),
      ['invoice paid'],
      'after -- everything is the query',
    );
    assert.match(ok('search', 'invoice', '-paid'), /\[invoice\] due\n1 match\n$/);
    const onlyExcluded = run('search', '-paid');
    assert.equal(onlyExcluded.code, 1);
    assert.match(onlyExcluded.stderr, /^error: A search needs a word or phrase to find/);
    const unknown = run('search', 'invoice', '--paid');
    assert.equal(unknown.code, 1, '--name stays an option, so a typo is not searched for');
    assert.match(unknown.stderr, /Unknown option '--paid'/);
    assert.match(cli(['search', '-h']).stdout, /^Usage: langswarm-sessions search QUERY/);
  });

  it('exits 1 with a sentence on stderr for user errors', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'm').trim();
    const cases: Array<[string[], RegExp]> = [
      [['show', 'missing'], /error: No session with id "missing"/],
      [['add', id, '--role', 'king', '--content', 'x'], /role: Invalid option/],
      [['add', id, '--role', 'user'], /Missing --content/],
      [['create', '--model', 'm'], /Missing --provider/],
      [['set-status', id, 'deleted'], /Unknown status "deleted"/],
      [['fork', id, '--at', 'nope'], /No message with id "nope"/],
      [['frobnicate'], /Unknown command "frobnicate"/],
      [['list', '--bogus'], /Unknown option '--bogus'/],
      [['list', '--log-level', 'loud'], /Unknown log level "loud"/],
    ];
    for (const [args, pattern] of cases) {
      const r = run(...args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
      assert.equal(r.stdout.includes('at '), false);
    }
    ok('set-status', id, 'archived');
    const r = run('add', id, '--role', 'user', '--content', 'x');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /archived; unarchive it before adding messages/);
  });

  it('refuses a --db that is not a session database and leaves it untouched', () => {
    const dir = tempDir();
    const notes = path.join(dir, 'README.md');
    fs.writeFileSync(notes, '# not a database\n');
    const hash = createHash('sha256').update(fs.readFileSync(notes)).digest('hex');
    const r = cli(['list', '--db', notes]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /README\.md is not a SQLite database; it was left untouched/);
    assert.equal(createHash('sha256').update(fs.readFileSync(notes)).digest('hex'), hash);
    assert.deepEqual(fs.readdirSync(dir), ['README.md']);
  });

  it('writes levelled logs and JSON spans for every operation', () => {
    const log = path.join(tempDir(), 'trace.jsonl');
    const r = cli([
      'create',
      '--provider',
      'openai',
      '--model',
      'm',
      '--db',
      db,
      '--log-level',
      'debug',
      '--log-json',
      log,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[debug\] sessions\.create ok [\d.]+ms/);
    const events = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; span?: { name: string; durationMs: number; outcome: string } });
    const names = events.flatMap((e) => (e.span ? [e.span.name] : []));
    assert.ok(names.includes('store.open') && names.includes('sessions.create'), names.join(','));
    assert.ok(events.every((e) => typeof e.level === 'string'));
    const quiet = cli(['list', '--db', db]);
    assert.equal(quiet.stderr, '', 'the default level (warn) prints nothing on success');
  });

  it('takes global options before the command and prints usage', () => {
    const r = cli(['--db', db, 'create', '--provider', 'p', '--model', 'm']);
    assert.equal(r.code, 0, r.stderr);
    const help = cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /add SESSION --role R --content TEXT/);
    assert.equal(cli([]).code, 1);
  });
});
