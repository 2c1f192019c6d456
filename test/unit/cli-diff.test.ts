// `diff A B` through the built CLI (dist/cli.js): diff(1)'s exit codes, the --json shape with messages named by
// their seq as `show --json` prints them, and the readable view.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { CLI, cli, cliOnDb } from '../helpers/cli';
import { tempDb } from '../helpers/temp';

interface Pair {
  a: number | null;
  b: number | null;
  status: string;
  changes?: { words?: Array<{ op: string; text: string }> };
}

describe('CLI diff', function () {
  this.timeout(120_000);
  let db: string;
  const { run, ok } = cliOnDb(() => db);
  const add = (id: string, messages: object[]) => {
    const r = cli(['add', id, '--jsonl', '--db', db], { input: messages.map((m) => JSON.stringify(m)).join('\n') });
    assert.equal(r.code, 0, r.stderr);
  };
  const seqs = (id: string) =>
    (JSON.parse(ok('show', id, '--json')) as { messages: Array<{ id: string; seq: number; text: string }> }).messages;

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    db = tempDb();
  });

  it('a fork that answered differently: exit 1, the first divergence and every pair by seq', () => {
    const a = ok('create', '--provider', 'openai', '--model', 'gpt-4o', '--title', 'Original').trim();
    add(a, [
      { role: 'user', content: 'Weather in Lisbon?' },
      { role: 'assistant', content: 'Sunny and 24 degrees.' },
      { role: 'user', content: 'Tomorrow?' },
      { role: 'assistant', content: 'Cloudy.' },
      { role: 'user', content: 'Thanks' },
    ]);
    const inA = seqs(a);
    const b = ok('fork', a, '--at', inA[1]!.id).trim();
    add(b, [
      { role: 'user', content: 'Tomorrow?' },
      { role: 'assistant', content: 'Rain all day.' },
      { role: 'assistant', content: 'Take an umbrella.' },
    ]);
    const inB = seqs(b);
    const r = run('diff', a, b, '--json');
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { firstDivergence: unknown; pairs: Pair[]; identical: boolean };
    assert.equal(report.identical, false);
    assert.deepEqual(report.firstDivergence, { a: inA[3]!.seq, b: inB[3]!.seq });
    assert.deepEqual(
      report.pairs.map((p) => [p.a, p.b, p.status]),
      [
        [inA[0]!.seq, inB[0]!.seq, 'equal'],
        [inA[1]!.seq, inB[1]!.seq, 'equal'],
        [inA[2]!.seq, inB[2]!.seq, 'equal'],
        [inA[3]!.seq, inB[3]!.seq, 'changed'],
        [inA[4]!.seq, null, 'deleted'],
        [null, inB[4]!.seq, 'inserted'],
      ],
    );
    assert.deepEqual(report.pairs[3]!.changes!.words, [
      { op: 'removed', text: 'Cloudy' },
      { op: 'added', text: 'Rain all day' },
      { op: 'equal', text: '.' },
    ]);

    const text = run('diff', a, b);
    assert.equal(text.code, 1);
    assert.match(text.stdout, new RegExp(`first divergence: a #${inA[3]!.seq} / b #${inB[3]!.seq}`));
    assert.match(text.stdout, /text: \[-Cloudy-\]\{\+Rain all day\+\}\./);
    assert.match(text.stdout, /^\+ #\d+ assistant {2}Take an umbrella\.$/m);
    assert.match(text.stdout, /^- #\d+ user {2}Thanks$/m);
  });

  it('identical sessions exit 0; trouble exits 2 with a sentence (missing session, bad arguments, no database)', () => {
    const a = ok('create', '--provider', 'openai', '--model', 'gpt-4o').trim();
    add(a, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
    const b = ok('fork', a, '--at', seqs(a)[1]!.id).trim();
    const same = run('diff', a, b);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /no divergence/);
    assert.equal(JSON.parse(run('diff', a, b, '--json').stdout).identical, true);

    const missing = run('diff', a, 'no-such-session');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-session/);
    assert.equal(run('diff', a).code, 2);
    assert.equal(run('diff', a, b, '--no-such-flag').code, 2);
    const noDb = cli(['diff', a, b, '--db', `${db}.absent`]);
    assert.equal(noDb.code, 2);
    assert.match(noDb.stderr, /error: /);
  });
});
