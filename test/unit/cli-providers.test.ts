// The provider commands of the built CLI (dist/cli.js, with the SDKs loaded from dist/vendor/) in
// real processes, keyed and pointed at the local servers through environment variables.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { CLI, cliAsync } from '../helpers/cli';
import { tempDb } from '../helpers/temp';
import { messageItem } from '../mock-providers/openai';
import { MockProviders } from '../mock-providers/server';

const KEY_VARS = [
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'LANGSWARM_OPENAI_STATELESS',
];

describe('CLI provider commands', function () {
  this.timeout(60_000);
  const mock = new MockProviders();
  let db: string;
  let env: NodeJS.ProcessEnv;
  // Async: the mock answers from this process, so the CLI must not block it.
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    cliAsync([...args, '--db', db], { env: { ...env, ...extraEnv } });
  const ok = async (args: string[], extraEnv?: NodeJS.ProcessEnv) => {
    const r = await run(args, extraEnv);
    assert.equal(r.code, 0, `${args.join(' ')} failed: ${r.stderr}`);
    return r;
  };

  before(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
    await mock.start();
  });
  after(() => mock.stop());
  beforeEach(() => {
    mock.reset();
    db = tempDb();
    env = {
      ...Object.fromEntries(KEY_VARS.map((k) => [k, undefined])),
      OPENAI_API_KEY: mock.keys.openai,
      ANTHROPIC_API_KEY: mock.keys.anthropic,
      GEMINI_API_KEY: mock.keys.gemini,
      LANGSWARM_OPENAI_BASE_URL: `${mock.url}/v1`,
      LANGSWARM_ANTHROPIC_BASE_URL: mock.url,
      LANGSWARM_GEMINI_BASE_URL: mock.url,
    };
  });

  it('send prints the reply, and with --stream prints the deltas as they arrive', async () => {
    const id = (
      await ok(['create', '--provider', 'anthropic', '--model', 'claude-test', '--system', 'Be terse.'])
    ).stdout.trim();
    mock.script('anthropic', { text: 'Plain reply.' }, { text: 'Streamed reply.' });
    assert.equal((await ok(['send', id, '--content', 'Hi'])).stdout, 'Plain reply.\n');
    assert.equal(mock.calls('anthropic')[0]!.body.stream, false);
    const streamed = await ok(['send', id, '--content', 'Again', '--stream']);
    assert.equal(streamed.stdout, 'Streamed reply.\n');
    assert.equal(mock.calls('anthropic')[1]!.body.stream, true);
    const shown = JSON.parse((await ok(['show', id, '--json'])).stdout) as {
      messages: Array<{ role: string; text: string; state: string }>;
    };
    assert.deepEqual(
      shown.messages.map((m) => [m.role, m.text, m.state]),
      [
        ['user', 'Hi', 'complete'],
        ['assistant', 'Plain reply.', 'complete'],
        ['user', 'Again', 'complete'],
        ['assistant', 'Streamed reply.', 'complete'],
      ],
    );
  });

  it('send resumes a paused session named on the command line, and says so', async () => {
    const id = (
      await ok(['create', '--provider', 'anthropic', '--model', 'claude-test', '--title', 'Parked'])
    ).stdout.trim();
    await ok(['set-status', id, 'paused']);
    mock.script('anthropic', { text: 'Resumed.' });
    const r = await ok(['send', id, '--content', 'Still there?']);
    assert.equal(r.stdout, 'Resumed.\n');
    assert.match(r.stderr, /^note: session "Parked" was paused; sending makes it active\.$/m);
    const shown = JSON.parse((await ok(['show', id, '--json'])).stdout) as { session: { status: string } };
    assert.equal(shown.session.status, 'active');
  });

  it('send switches provider and model on request, and prints tool calls', async () => {
    const id = (await ok(['create', '--provider', 'openai', '--model', 'gpt-test'])).stdout.trim();
    mock.script('gemini', { toolCalls: [{ id: 'fc-1', name: 'lookup', args: { q: 'x' } }] });
    const r = await ok(['send', id, '--content', 'Find x', '--provider', 'gemini', '--model', 'gemini-test']);
    assert.match(r.stdout, /\[call lookup\(\{"q":"x"\}\) id=fc-1\]/);
    assert.equal(mock.calls('gemini')[0]!.path, '/v1/models/gemini-test:generateContent');
    const shown = JSON.parse((await ok(['show', id, '--json'])).stdout) as {
      session: { provider: string; model: string };
    };
    assert.deepEqual([shown.session.provider, shown.session.model], ['gemini', 'gemini-test']);
  });

  it('send reports a provider error as a sentence and exit code 1, keeping the message', async () => {
    const id = (await ok(['create', '--provider', 'openai', '--model', 'gpt-test'])).stdout.trim();
    const r = await run(['send', id, '--content', 'Hi'], { OPENAI_API_KEY: 'sk-not-the-right-key-0000' });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: OpenAI rejected the API key \(HTTP 401 invalid_api_key\)\. Check the OpenAI key you configured/m,
    );
    assert.ok(!r.stderr.includes('sk-not'));
    const shown = JSON.parse((await ok(['show', id, '--json'])).stdout) as {
      messages: Array<{ role: string; state: string }>;
    };
    assert.deepEqual(
      shown.messages.map((m) => [m.role, m.state]),
      [['user', 'complete']],
      'no empty "error" reply: the failure was reported, and is in the trace',
    );
  });

  it('without a key, the offline Replay provider stands in, and refuses a turn it has no recording for', async () => {
    const id = (await ok(['create', '--provider', 'openai', '--model', 'gpt-test'])).stdout.trim();
    const r = await run(['send', id, '--content', 'Hello offline', '--stream'], { OPENAI_API_KEY: undefined });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /note: No OPENAI_API_KEY is set; answering with the offline Replay provider\./);
    assert.match(
      r.stderr,
      /^error: The offline Replay provider has no recorded reply for turn 1 .*nothing was sent or stored\./m,
    );
    assert.equal(r.stdout, '');
    const shown = JSON.parse((await ok(['show', id, '--json'])).stdout) as { messages: unknown[] };
    assert.deepEqual(shown.messages, []);
    assert.equal(mock.requests.length, 0);
  });

  it('replay re-runs the user turns on another provider and prints the comparison', async () => {
    const id = (await ok(['create', '--provider', 'openai', '--model', 'gpt-test'])).stdout.trim();
    mock.script('openai', { text: 'Original answer.' });
    await ok(['send', id, '--content', 'Question one']);
    mock.script('anthropic', { text: 'Claude answer.' });
    const r = await ok(['replay', id, '--provider', 'anthropic', '--model', 'claude-test']);
    const [newId, ...lines] = r.stdout.trim().split('\n');
    assert.match(newId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      lines.map((l) => l.replace(/\d+ tokens/, 'N tokens')),
      [
        'turn 1',
        '  user:     Question one',
        '  original: Original answer.  [end_turn, N tokens]',
        '  replayed: Claude answer.  [end_turn, N tokens]',
      ],
    );
    const shown = JSON.parse((await ok(['show', newId!, '--json'])).stdout) as {
      session: { provider: string; parent: { sessionId: string } };
    };
    assert.equal(shown.session.provider, 'anthropic');
    assert.equal(shown.session.parent.sessionId, id);
    // Without keys, replay answers from the source's own recording: a deterministic demo.
    const offline = await ok(['replay', id, '--provider', 'gemini', '--model', 'gemini-x', '--json'], {
      GEMINI_API_KEY: undefined,
    });
    assert.deepEqual(
      (JSON.parse(offline.stdout) as { turns: Array<{ replayed: string }> }).turns.map((t) => t.replayed),
      ['Original answer.'],
    );
  });

  it('test-provider reports latency and model, or what is wrong', async () => {
    const good = await ok(['test-provider', 'gemini', '--model', 'gemini-test']);
    assert.match(
      good.stdout,
      /^ok {2}gemini\/gemini-test {2}\d+ ms {2}reply: echo: Reply with the single word OK\.\n$/,
    );
    const bad = await run(['test-provider', 'anthropic', '--model', 'claude-test'], { ANTHROPIC_API_KEY: 'wrong' });
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^failed {2}anthropic\/claude-test {2}\d+ ms: Anthropic rejected the API key \(HTTP 401 authentication_error\)/,
    );
    const none = await run(['test-provider', 'openai', '--model', 'gpt-test'], { OPENAI_API_KEY: undefined });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /error: No OPENAI_API_KEY is set\./);
    assert.equal(fs.existsSync(db), false, 'testing a provider needs no database, and makes none');
  });

  it('test-provider names a provider it cannot call in a sentence, even one named like an Object property', async () => {
    for (const name of ['mistral', 'constructor', 'toString', '__proto__']) {
      const r = await run(['test-provider', name, '--model', 'm']);
      assert.deepEqual([r.code, r.stderr], [1, `error: The core cannot call provider "${name}".\n`], name);
    }
  });

  it('import-openai copies a remote conversation into a bound session', async () => {
    mock.openai.conversations.set('conv_cli', [
      messageItem('msg_u', 'user', 'Hi remote'),
      messageItem('msg_a', 'assistant', 'Hello from the server.'),
    ]);
    const id = (await ok(['import-openai', 'conv_cli', '--model', 'gpt-test'])).stdout.trim();
    const shown = JSON.parse((await ok(['show', id, '--json'])).stdout) as {
      session: { providerState: { openai: { conversationId: string } } };
      messages: Array<{ text: string }>;
    };
    assert.equal(shown.session.providerState.openai.conversationId, 'conv_cli');
    assert.deepEqual(
      shown.messages.map((m) => m.text),
      ['Hi remote', 'Hello from the server.'],
    );
  });
});
