// `trace` through the built CLI (dist/cli.js): the recorded calls of a session, one turn by a message's
// number, the --json shape with bodies exactly as sent, errors, and a large report whole through a slow pipe.
import { strict as assert } from 'node:assert';
import { SessionManager } from '../../src/core/sessions';
import { cli, cliSlowReader } from '../helpers/cli';
import { tempDb } from '../helpers/temp';
import { makeTrace, playStatelessConversation } from '../helpers/traces';

interface JsonCall {
  spanId: string;
  request: unknown;
  response: unknown;
  usage: unknown;
  timing: { durationMs: number; timeToFirstTokenMs: number | null };
  messages: Array<{ id: string; seq: number | null }>;
  attempts: Array<{ request: unknown; status?: number; error?: string }>;
}

describe('CLI trace', function () {
  this.timeout(120_000);
  let db: string;
  let sessionId: string;
  let bodies: string[];
  let spanIds: string[];
  const run = (...args: string[]) => cli([...args, '--db', db]);

  before(async () => {
    db = tempDb();
    const m = await SessionManager.open(db);
    sessionId = (await m.create({ title: 'Traced', provider: 'openai', model: 'gpt-4o' })).id;
    ({ bodies, spanIds } = await playStatelessConversation(m, sessionId, 40));
    await m.create({ title: 'Untraced', provider: 'openai', model: 'gpt-4o', id: 'quiet' });
    await m.close();
  });

  it('prints every recorded call of a session, oldest first', () => {
    const r = run('trace', sessionId);
    assert.equal(r.code, 0, r.stderr);
    const calls = r.stdout.split('\n').filter((l) => l.startsWith('call '));
    assert.equal(calls.length, 40);
    assert.equal(calls[0], 'call 1 · send · openai responses · gpt-4o → gpt-4o-2024-08-06 · ok');
    assert.match(r.stdout, /took 1200 ms · first token after 300 ms · streamed/);
    assert.match(r.stdout, /messages: #1, #2\n/);
    assert.match(r.stdout, new RegExp(`span ${spanIds[39]}`));
  });

  it('--turn N picks the calls that stored message #N, as show numbers them', () => {
    const r = run('trace', sessionId, '--turn', '4', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { turn: number; calls: JsonCall[] };
    assert.equal(doc.turn, 4);
    assert.deepEqual(
      doc.calls.map((c) => c.spanId),
      [spanIds[1]],
    );
    const call = doc.calls[0]!;
    // The body as sent, parsed: its text is exactly what was recorded.
    assert.equal(JSON.stringify(call.request), bodies[1]);
    assert.equal(JSON.stringify(call.attempts[0]!.request), bodies[1]);
    assert.deepEqual(call.response, makeTrace('').response);
    assert.deepEqual(call.usage, { inputTokens: 10, outputTokens: 2, totalTokens: 12 });
    assert.deepEqual(call.timing, { ...call.timing, durationMs: 1200, timeToFirstTokenMs: 300 });
    assert.deepEqual(
      call.messages.map((x) => x.seq),
      [3, 4],
    );
    const show = JSON.parse(run('show', sessionId, '--json').stdout) as {
      messages: Array<{ id: string; seq: number }>;
    };
    assert.equal(show.messages.find((x) => x.seq === 4)!.id, call.messages[1]!.id);
  });

  it('says so when there is nothing to show, and refuses what is not there', () => {
    assert.equal(run('trace', 'quiet').stdout, 'no recorded model calls\n');
    const none = run('trace', sessionId, '--turn', '999');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no message #999/);
    assert.equal(run('trace', 'nope').code, 1);
    assert.match(run('trace', sessionId, '--turn', 'x').stderr, /--turn needs a whole number/);
  });

  it('writes a large --json report whole through a pipe read slowly', async () => {
    const expected = run('trace', sessionId, '--json').stdout;
    assert.ok(expected.length > 1_000_000, `${expected.length} bytes: larger than a pipe holds`);
    const piped = await cliSlowReader(['trace', sessionId, '--json', '--db', db], 300);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout.toString('utf8'), expected);
    const doc = JSON.parse(expected) as { calls: JsonCall[] };
    assert.deepEqual(
      doc.calls.map((c) => JSON.stringify(c.request)),
      bodies,
    );
  });
});
