// "Copy as cURL" end to end: a turn is recorded through each provider's real SDK against the local wire-protocol
// server, each attempt becomes a curl command, the real /usr/bin/curl runs it in a real shell with the key in the
// environment, and the server must receive what the trace says was sent: method, path, query, headers, body bytes.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { send } from '../../src/core/conversation';
import { curlCommand, INLINE_BODY_MAX, shellQuote } from '../../src/core/curl';
import { isCoreError } from '../../src/core/errors';
import type { TraceAttempt, TurnTrace } from '../../src/core/turn-trace';
import type { Recorded } from '../mock-providers/server';
import { providerFor, useMock, WIRES } from '../helpers/providers';
import { tempDir } from '../helpers/temp';

const run = promisify(execFile);
const LOOKUP = {
  name: 'lookup',
  description: 'Looks a thing up',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
};
const KEY_VARIABLE = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', gemini: 'GEMINI_API_KEY' } as const;
/** Text a shell would love to interpret: quotes of both kinds, expansions, a backslash, newlines, non-ASCII. */
const NASTY = `It's "quoted" — $HOME \`id\` $(echo hi) \\n \\ back\nline two\r\n\ttab ünïcödé ✓ 🎉 '' ''' !event`;

describe('Copy as cURL (real curl against the local provider servers)', function () {
  this.timeout(30_000);
  const { mock, manager } = useMock();

  /** Runs `command` in `shell` with the provider's key in its variable; resolves to what the server received. */
  async function replay(command: string, variable: string, key: string, shell = 'bash'): Promise<Recorded> {
    const before = mock.requests.length;
    // As a script file, as if pasted into a terminal: a long body is too long for `sh -c` itself.
    const script = path.join(tempDir(), 'curl.sh');
    fs.writeFileSync(script, `${command} --silent --show-error --output /dev/null --fail-with-body\n`);
    await run(shell, [script], {
      env: { PATH: process.env['PATH'], [variable]: key },
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(mock.requests.length, before + 1, 'curl made exactly one request');
    return mock.requests.at(-1)!;
  }

  function assertSame(received: Recorded, attempt: TraceAttempt): void {
    const url = new URL(attempt.url);
    assert.equal(received.method, attempt.method);
    assert.equal(received.path, url.pathname);
    assert.equal(received.query.toString(), url.searchParams.toString());
    assert.equal(received.raw, attempt.requestBody, 'the body byte for byte');
    for (const [name, value] of Object.entries(attempt.requestHeaders)) {
      if (['content-length', 'accept-encoding', 'connection', 'host'].includes(name)) continue;
      assert.equal(received.headers[name], value, `header ${name}`);
    }
  }

  for (const w of WIRES) {
    it(`${w.name}: each attempt of a recorded streamed tool turn, a retried one and a failed one is repeated exactly`, async () => {
      const s = await manager().create({ provider: w.name, model: w.model });
      const traces: TurnTrace[] = [];
      const sink = (t: TurnTrace) => void traces.push(t);
      const provider = providerFor(w, mock);
      mock.script(w.name, { text: 'Checking.', toolCalls: [{ id: 'c1', name: 'lookup', args: { q: NASTY } }] });
      await send(manager(), s.id, NASTY, { provider, traceSink: sink, parameters: { tools: [LOOKUP] } });
      mock.script(
        w.name,
        { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } },
        { text: 'Second.' },
      );
      await send(manager(), s.id, 'again', { provider, stream: false, traceSink: sink });
      mock.script(w.name, { error: { status: 400, body: { error: { message: 'no' } } } });
      await assert.rejects(send(manager(), s.id, 'fail', { provider, traceSink: sink }));
      const attempts = traces.flatMap((t) => t.attempts);
      assert.ok(attempts.length >= 4, 'the retried call has two attempts');
      assert.ok(attempts.some((a) => a.requestBody.includes('ünïcödé')));

      for (const attempt of attempts) {
        const curl = curlCommand(attempt, w.name);
        assert.equal(curl.keyVariable, KEY_VARIABLE[w.name]);
        assert.equal(curl.piped, false);
        assert.ok(!curl.command.includes(mock.keys[w.name]), 'the key is never in the command');
        mock.script(w.name, { text: 'again' });
        const received = await replay(curl.command, curl.keyVariable!, mock.keys[w.name]);
        assertSame(received, attempt);
        if (w.name === 'anthropic') assert.equal(received.headers['x-api-key'], mock.keys.anthropic);
        if (w.name === 'gemini') assert.equal(received.headers['x-goog-api-key'], mock.keys.gemini);
        if (w.name === 'openai') assert.equal(received.headers['authorization'], `Bearer ${mock.keys.openai}`);
      }
    });
  }

  it('pipes a body too long for one argument through printf, byte for byte, in bash and in dash', async () => {
    const w = WIRES.find((x) => x.name === 'anthropic')!;
    const s = await manager().create({ provider: w.name, model: w.model });
    const traces: TurnTrace[] = [];
    // 200 KB: over Linux's 128 KiB limit for one argument, so an inline --data-binary could not even start.
    const long = `${NASTY}\n${'Ünïcödé \'quote\' "double" '.repeat(8000)}`;
    await send(manager(), s.id, long, { provider: providerFor(w, mock), traceSink: (t) => void traces.push(t) });
    const attempt = traces[0]!.attempts[0]!;
    // A pretty-printed body ending in newlines: raw newlines and quotes in the text, and the end must survive.
    for (const body of [attempt.requestBody, `${JSON.stringify(JSON.parse(attempt.requestBody), null, 2)}\n\n`]) {
      const sent = { ...attempt, requestBody: body };
      assert.ok(Buffer.byteLength(body) > INLINE_BODY_MAX);
      const curl = curlCommand(sent, w.name);
      assert.equal(curl.piped, true);
      for (const shell of ['bash', 'sh']) {
        mock.script(w.name, { text: 'ok' });
        assertSame(await replay(curl.command, 'ANTHROPIC_API_KEY', mock.keys.anthropic, shell), sent);
      }
    }
  });

  it('says why a body with a NUL character cannot be a command, and quotes every other text literally', async () => {
    const attempt: TraceAttempt = {
      spanId: '00000000000000a1',
      startedAt: '2026-12-01T10:00:00.000Z',
      url: 'https://example.test/v1/x',
      method: 'POST',
      requestHeaders: {},
      requestBody: 'a\0b',
      requestIds: {},
    };
    assert.throws(
      () => curlCommand(attempt, 'openai'),
      (e) => isCoreError(e, 'InvalidInput') && /NUL/.test(e.message),
    );
    const { stdout } = await run('sh', ['-c', `printf '%s' ${shellQuote(NASTY)}`]);
    assert.equal(stdout, NASTY);
    // A method other than the default is said; a provider with no known key gets no auth header.
    const del = curlCommand({ ...attempt, method: 'DELETE', requestBody: '' }, 'replay');
    assert.match(del.command, /^curl \\\n {2}-X 'DELETE' \\\n {2}'https:\/\/example.test\/v1\/x'$/);
    assert.equal(del.keyVariable, undefined);
  });
});
