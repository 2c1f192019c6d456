// Redaction of a real session database: secrets of every kind planted in messages, metadata, tool-call
// arguments (JSON in strings, JSON in JSON), revisions and object keys must all be gone from the dump, not a
// fragment left; look-alikes (git SHAs, UUIDs, "token" in prose, base64 images, model names) must survive.
// Every secret is assembled at run time from random characters: nothing key-like is committed, and any
// 10 characters of one found in the output is a leak.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type DumpDocument, documentSource, dumpState, dumpText } from '../../src/core/dump';
import { isCoreError } from '../../src/core/errors';
import { Redactor } from '../../src/core/redact';
import { SessionApi, SessionManager } from '../../src/core/sessions';
import { SessionClient } from '../../src/core/worker/client';
import { tempDb } from '../helpers/temp';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number, alphabet = ALNUM) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = `${ALNUM}+/`;
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** A planted secret: `text` is what is written; `core` the part that must not survive, in any 10 characters. */
interface Plant {
  kind: string;
  text: string;
  core: string;
}
const plant = (kind: string, prefix: string, core: string, suffix = ''): Plant => ({
  kind,
  text: `${prefix}${core}${suffix}`,
  core,
});

function makePlants() {
  const jwtPayload = b64url(JSON.stringify({ sub: rand(16), iat: 1767225600, scope: 'admin' }));
  const jwtSig = rand(43, `${ALNUM}-_`);
  const pemBody = (magic: string) => `${magic}${rand(62, B64)}\n${rand(64, B64)}\n${rand(64, B64)}\n${rand(40, B64)}==`;
  const rsaBody = pemBody('MIIE');
  const sshBody = pemBody('b3BlbnNzaC1rZXktdjE');
  const pem = (label: string, body: string) =>
    `-----BEGIN ${label}PRIVATE KEY-----\n${body}\n-----END ${label}PRIVATE KEY-----`;
  const ghSplit = rand(36);
  const inText: Plant[] = [
    plant('bare Bearer token', 'Call the staging API with Bearer ', rand(40), ' and nothing else.'),
    {
      kind: 'JWT',
      text: `the session was ${b64url('{"alg":"HS256","typ":"JWT"}')}.${jwtPayload}.${jwtSig} yesterday`,
      core: `${jwtPayload}.${jwtSig}`,
    },
    plant('AWS access key id', 'the key id ', `AKIA${rand(16, UPPER_DIGITS)}`, ' belongs to CI'),
    // Ends in a letter or digit: secretlint's AWS rule ends at a word boundary, so a value ending in / or + (3% of
    // random ones) is caught by its name instead — still redacted, but named '"aws-secret-access-key" value'.
    plant('AWS secret access key', 'aws_secret_access_key = ', rand(39, B64) + rand(1)),
    plant('GitHub classic token', 'push with ', `ghp_${rand(36)}`, ' please'),
    plant('GitHub fine-grained token', 'or ', `github_pat_${rand(82)}`),
    plant('Slack bot token', 'slack: ', `xoxb-${rand(11, '0123456789')}-${rand(12, '0123456789')}-${rand(24)}`),
    plant(
      'Slack webhook',
      'hook ',
      `https://hooks.slack.com/services/T${rand(10, UPPER_DIGITS)}/B${rand(10, UPPER_DIGITS)}/${rand(24)}`,
    ),
    plant('npm token', '//registry.npmjs.org/:_authToken=', `npm_${rand(36)}`),
    { kind: 'RSA private key', text: `key:\n${pem('RSA ', rsaBody)}\nend`, core: rsaBody },
    { kind: 'OpenSSH private key', text: pem('OPENSSH ', sshBody), core: sshBody },
    plant('PostgreSQL URL password', 'DATABASE_URL is postgres://app:', rand(20), '@db.internal:5432/app'),
    plant('MySQL URL password', 'mysql://root:', rand(18), '@127.0.0.1:3306/shop'),
    plant('MongoDB URL password', 'mongodb+srv://svc:', rand(22), '@cluster0.example.net/prod'),
    plant('Redis URL password', 'cache at redis://:', rand(24), '@cache.internal:6379/0'),
    plant('password in an https URL', 'git clone https://deploy:', rand(20), '@git.example.com/repo.git'),
    plant('OpenAI key', 'OPENAI=', `${'sk'}-proj-${rand(64, `${ALNUM}_-`)}`),
    plant('Anthropic key', 'claude: ', `${['sk', 'ant', 'api03'].join('-')}-${rand(93, `${ALNUM}_-`)}AA`),
    plant('Google key', 'gemini ', `${'AI'}za${rand(35, `${ALNUM}_-`)}`),
    {
      kind: 'key split across two lines',
      text: `here is the token: ghp_${ghSplit.slice(0, 18)}\n${ghSplit.slice(18)}\nthanks`,
      core: ghSplit,
    },
    plant('key after _', 'export DEPLOY_', `AKIA${rand(16, UPPER_DIGITS)}`),
    plant('key after %3D', 'https://example.com/cb?next=%2Fhome&key%3D', `ghp_${rand(36)}`, '&x=1'),
    plant('password=value in text', 'login with password=', rand(14), ' then'),
    plant('client_secret: value in YAML', 'oauth:\n  client_secret: ', rand(30), '\n  client_id: web'),
  ];
  // Values under credential-like names (any case or separator), and secrets used as object keys.
  const named = {
    password: rand(16),
    token: rand(32),
    client_secret: rand(40),
    api_key: rand(32),
    'X-Api-Key': rand(32),
    Authorization: `Basic ${b64url(`admin:${rand(12)}`)}`,
    privateKey: rand(48),
    AWS_SECRET_ACCESS_KEY: rand(40, B64),
    refreshToken: rand(36),
  };
  const keyAsKey = { gh: `ghp_${rand(36)}`, aws: `AKIA${rand(16, UPPER_DIGITS)}` };
  // Tool-call arguments: JSON text, with JSON text inside one of its strings.
  const argPassword = rand(18);
  const argBearer = rand(40);
  const nestedKey = rand(32);
  const argumentsJson = JSON.stringify({
    url: 'https://api.example.com/v1/items',
    headers: { Authorization: `Bearer ${argBearer}`, accept: 'application/json' },
    login: { user: 'svc', password: argPassword },
    config: JSON.stringify({ region: 'eu', api_key: nestedKey }),
  });
  const toolResult = { access_token: rand(40), refresh_token: rand(40), expires_in: 3600 };
  const revised = `ghp_${rand(36)}`;
  const systemKey = `${'sk'}-${rand(48)}`;
  const cores = [
    ...inText.map((p) => p.core),
    ...Object.values(named).map((v) => v.replace(/^Basic /, '')),
    ...Object.values(keyAsKey),
    argPassword,
    argBearer,
    nestedKey,
    toolResult.access_token,
    toolResult.refresh_token,
    revised,
    systemKey,
  ];
  return { inText, named, keyAsKey, argumentsJson, toolResult, revised, systemKey, cores };
}

/** Every string and object key in a value, one per line: JSON escapes would hide line breaks. */
function allText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(allText).join('\n');
  if (value !== null && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k}\n${allText(v)}`)
      .join('\n');
  return String(value);
}

/** The first 10 characters of `core` found in `output`, if any. */
function fragment(core: string, output: string): string | undefined {
  const width = Math.min(10, core.length);
  for (let i = 0; i + width <= core.length; i++)
    if (output.includes(core.slice(i, i + width))) return core.slice(i, i + width);
  return undefined;
}

/** A session holding every planted secret: in its prompt, metadata and keys, messages, tool calls, a revision. */
async function plantedSession(m: SessionApi, p: ReturnType<typeof makePlants>) {
  const s = await m.create({
    provider: 'openai',
    model: 'gpt-4o',
    title: 'secrets',
    systemPrompt: `Use ${p.systemKey} for tools.`,
    metadata: {
      ...p.named,
      nested: { db: { Password: p.named.password } },
      [p.keyAsKey.gh]: 'personal',
      [p.keyAsKey.aws]: 'ci',
    },
  });
  const texts = p.inText.map((x) => x.text);
  const half = Math.ceil(texts.length / 2);
  const [first] = await m.addMessages(s.id, [
    { role: 'user', content: texts.slice(0, half).join('\n\n') },
    {
      role: 'assistant',
      content: texts.slice(half).join('\n\n'),
      metadata: { 'client-secret': p.named.client_secret },
    },
    {
      role: 'assistant',
      parts: [{ type: 'tool_call', callId: 'call_1', name: 'http_get', argumentsJson: p.argumentsJson }],
    },
    {
      role: 'tool',
      parts: [{ type: 'tool_result', callId: 'call_1', name: 'http_get', content: JSON.stringify(p.toolResult) }],
    },
  ]);
  const [note] = await m.addMessages(s.id, [{ role: 'user', content: `old note ${p.revised}` }]);
  await m.editMessage(note!.id, { content: 'note removed' });
  assert.ok(first);
  return s;
}

describe('redaction of a real session database', () => {
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(() => m.close());

  it('leaves no fragment of any planted secret anywhere in the dump, and says what it found', async () => {
    const p = makePlants();
    const s = await plantedSession(m, p);
    // Unredacted, every secret is there (the test plants what it means to).
    const raw = allText(await dumpState(m, { sessionId: s.id }, { redact: false }));
    for (const core of p.cores) assert.ok(raw.includes(core.slice(0, 10)), `planted ${core.slice(0, 6)}…`);

    const d = await dumpState(m, { sessionId: s.id });
    const out = allText(d);
    const leaks = p.cores
      .map((core, i) => [i < p.inText.length ? p.inText[i]!.kind : `planted #${i}`, fragment(core, out)] as const)
      .filter(([, f]) => f !== undefined);
    assert.deepEqual(leaks, [], `leaked ${leaks.length} of ${p.cores.length}`);
    assert.ok(p.cores.length >= 27);

    // The summary names the kinds found, and adds up.
    const total = Object.values(d.redaction.replaced).reduce((a, b) => a + b, 0);
    assert.ok(d.redaction.summary?.startsWith(`${total} secrets redacted: `), d.redaction.summary);
    for (const kind of [
      'GitHub token',
      'AWS access key ID',
      'AWS secret access key',
      'Slack token',
      'private key',
      'JWT',
      'database URL',
      '"password" value',
    ]) {
      assert.ok(d.redaction.summary!.includes(kind), `summary names ${kind}: ${d.redaction.summary}`);
    }
    // What was not a secret is still readable: the tool call's other arguments, names, structure.
    const call = d.sessions[0]!.messages[2]!.parts[0]!;
    assert.ok(call.type === 'tool_call');
    const args = JSON.parse(call.argumentsJson) as {
      url: string;
      headers: Record<string, string>;
      login: { user: string };
      config: string;
    };
    assert.equal(args.url, 'https://api.example.com/v1/items');
    assert.equal(args.headers['accept'], 'application/json');
    assert.equal(args.login.user, 'svc');
    assert.deepEqual(JSON.parse(args.config), { region: 'eu', api_key: '[REDACTED:api-key]' });
    assert.equal((d.sessions[0]!.session.metadata as Record<string, unknown>)['password'], '[REDACTED:password]');
  });

  it('keeps look-alikes readable: git SHAs, UUIDs, "token" in prose, base64 images, model names', async () => {
    const sha = createHash('sha1').update(randomUUID()).digest('hex');
    const uuid = randomUUID();
    const png = randomBytes(600).toString('base64');
    const lookAlikes = [
      `commit ${sha} (short ${sha.slice(0, 7)}) fixed it`,
      `request id ${uuid}`,
      'Each token is about four characters; the token: expired warning is harmless. Token limits apply.',
      'Authorization: required for every call, see the docs.',
      'The Basic plan uses gpt-4o-mini; Bearer bonds are old; the token gpt-4o-mini emitted was "Hello".',
      `![chart](data:image/png;base64,${png})`,
      'Compared gpt-4o-2024-08-06, claude-3-5-sonnet-20241022, gemini-2.5-pro and text-embedding-3-large.',
      'Connect to postgres://localhost:5432/app as the current user; open https://example.com/a?b=c.',
      `digest sha256:${createHash('sha256').update(uuid).digest('hex')}`,
    ];
    const metadata = {
      tokens: 42,
      max_tokens: 4096,
      tokenizer: 'cl100k_base',
      secretName: 'prod-db',
      keyId: uuid,
      model: 'claude-3-5-sonnet-20241022',
    };
    const s = await m.create({
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      title: 'look-alikes',
      metadata,
    });
    await m.addMessages(s.id, [
      { role: 'user', content: lookAlikes.join('\n') },
      { role: 'user', parts: [{ type: 'image', mediaType: 'image/png', source: { kind: 'base64', data: png } }] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', callId: 'c1', name: 'git_show', argumentsJson: JSON.stringify({ rev: sha, id: uuid }) },
        ],
      },
    ]);
    const d = await dumpState(m, { sessionId: s.id });
    assert.deepEqual(d.redaction.replaced, {});
    assert.equal(d.redaction.summary, 'No secrets found.');
    const [session] = d.sessions;
    assert.deepEqual(session!.session.metadata, metadata);
    assert.equal(
      session!.messages[0]!.parts[0]!.type === 'text' && session!.messages[0]!.parts[0]!.text,
      lookAlikes.join('\n'),
    );
    assert.deepEqual(session!.messages[1]!.parts[0], {
      type: 'image',
      mediaType: 'image/png',
      source: { kind: 'base64', data: png },
    });
    const call = session!.messages[2]!.parts[0]!;
    assert.equal(call.type === 'tool_call' && call.argumentsJson, JSON.stringify({ rev: sha, id: uuid }));
  });

  it('gets through hostile text of a megabyte and more in one pass (quadratic work would take hours)', function () {
    this.timeout(120_000);
    const hostile: Array<[string, string, string]> = [
      ['-----BEGIN X PRIVATE KEY-----'.repeat(40_000), '[REDACTED:private-key]', '1 secret redacted: 1 private key'],
      ['password='.repeat(120_000), 'password=[REDACTED:password]', ''],
      ['aaaaaaaaaaaaaaaa\n'.repeat(60_000), 'aaaaaaaaaaaaaaaa\n'.repeat(60_000), 'No secrets found.'],
      ['_a'.repeat(500_000), '_a'.repeat(500_000), 'No secrets found.'],
      [
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        'No secrets found.',
      ],
    ];
    for (const [text, start, summary] of hostile) {
      const r = new Redactor();
      const out = r.value(text) as string;
      assert.ok(out.startsWith(start), out.slice(0, 80));
      if (summary) assert.equal(r.summary(), summary);
    }
  });
});

describe('state dumps made in the store worker, as the editor dumps', function () {
  this.timeout(60_000); // bounds a hang; starting a worker from TypeScript sources takes a second or two

  it('gives the dump the CLI makes in-process, byte for byte, with every planted secret gone', async () => {
    const p = makePlants();
    const c = await SessionClient.open(tempDb());
    try {
      const s = await plantedSession(c, p);
      await plantedSession(c, makePlants()); // "Dump All Sessions" redacts them in one pass, counted together
      await c.addMessages(s.id, [{ role: 'user', content: 'see TICKET-4711' }]);
      const options = { patterns: [{ name: 'ticket', pattern: 'TICKET-\\d+' }] };
      for (const scope of [{ sessionId: s.id }, { all: true as const }]) {
        const dump = await c.dump(scope, options);
        const text = await dump.text();
        const there = JSON.parse(text) as DumpDocument;
        const here = await dumpState(c, scope, { ...options, clock: () => new Date(there.createdAt) });
        assert.equal(text, dumpText(here));
        const out = allText(there);
        assert.deepEqual(
          p.cores.filter((core) => fragment(core, out) !== undefined),
          [],
        );
        assert.equal(there.redaction.replaced['ticket'], 1);
        assert.ok(there.redaction.summary?.includes('GitHub token'), there.redaction.summary);
        assert.deepEqual(await dump.info(), await documentSource(here).info());
        await dump.drop();
      }
      // A pattern that cannot work is refused before anything is read (not after a large database is).
      await assert.rejects(c.dump({ sessionId: 'nope' }, { patterns: ['('] }), (e: unknown) =>
        isCoreError(e, 'InvalidInput'),
      );
    } finally {
      await c.close();
    }
  });

  it('walks and searches the dump where the worker keeps it, and says when it is no longer kept', async () => {
    const p = makePlants();
    const c = await SessionClient.open(tempDb());
    try {
      const s = await plantedSession(c, p);
      const dump = await c.dump({ sessionId: s.id });
      const here = documentSource(JSON.parse(await dump.text()));
      for (const path of [[], ['sessions'], ['sessions', 0, 'messages']])
        assert.deepEqual(await dump.children(path, 0, 50), await here.children(path, 0, 50));
      assert.equal(await dump.value(['sessions', 0, 'session', 'id']), s.id);
      const found = await dump.search(s.id, 5);
      assert.ok(found.total > 0);
      assert.deepEqual(found, await here.search(s.id, 5));
      await assert.rejects(dump.children(['nothing', 'here'], 0, 10), (e: unknown) => isCoreError(e, 'InvalidInput'));
      // The worker keeps the newest four: older ones are let go.
      for (let i = 0; i < 4; i++) await c.dump({ sessionId: s.id });
      await assert.rejects(dump.children([], 0, 10), /no longer kept: dump the state again/);
    } finally {
      await c.close();
    }
  });
});
