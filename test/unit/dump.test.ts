// State dump: redaction of each secret shape, the document's shape and version, and the CLI's `dump`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DUMP_FORMAT_VERSION, DumpDocument, dumpState } from '../../src/core/dump';
import { Redactor } from '../../src/core/redact';
import { isCoreError } from '../../src/core/errors';
import { SessionManager } from '../../src/core/sessions';
import { SCHEMA_VERSION } from '../../src/core/store/schema';
import { Tracer } from '../../src/core/trace';
import { makeTrace } from '../helpers/traces';
import { cli } from '../helpers/cli';
import { KEYS } from '../helpers/keys';
import { tempDb, tempDir } from '../helpers/temp';

describe('state dump', () => {
  describe('redaction', () => {
    const redact = (text: string, patterns: ConstructorParameters<typeof Redactor>[0] = []) =>
      new Redactor(patterns).text(text);

    it('replaces each API key shape with a visible marker of its kind', () => {
      assert.equal(redact(`key ${KEYS.openai} end`), 'key [REDACTED:openai-key] end');
      assert.equal(redact(`key=${KEYS.openaiProject}`), 'key=[REDACTED:openai-key]');
      assert.equal(redact(`"${KEYS.anthropic}"`), '"[REDACTED:anthropic-key]"');
      assert.equal(redact(`url?key=${KEYS.google}&x=1`), 'url?key=[REDACTED:google-key]&x=1');
    });

    it('leaves look-alikes that are not keys alone', () => {
      // A word ending in "sk" before a long run must not count (assembled so no key-like literal is committed).
      const taskId = `ta${'sk-'}${'1234567890'.repeat(3)}`;
      for (const text of ['sk-learn is a library', taskId, 'AIzaShort', 'the risk-free rate']) {
        assert.equal(redact(text), text);
      }
    });

    it('redacts Authorization, x-api-key and x-goog-api-key header values in text and as object keys', () => {
      assert.equal(redact('Authorization: Bearer abc.def-123'), 'Authorization: Bearer [REDACTED:bearer-token]');
      assert.equal(redact('authorization: Basic dXNlcjpwYXNz'), 'authorization: Basic [REDACTED:basic-auth]');
      assert.equal(redact('{"x-api-key": "secret-value-1"}'), '{"x-api-key": "[REDACTED:x-api-key]"}');
      assert.equal(redact('curl -H x-goog-api-key=abcdef'), 'curl -H x-goog-api-key=[REDACTED:x-goog-api-key]');
      assert.equal(
        redact(`Authorization: Bearer ${KEYS.openai}`),
        'Authorization: Bearer [REDACTED:openai-key]',
        'one marker, not two',
      );
      const r = new Redactor();
      const out = r.value({
        headers: { Authorization: 'Bearer opaque-token', 'X-Api-Key': 'k1', 'x-goog-api-key': 'k2', accept: 'json' },
        apiKey: 'k3',
      });
      assert.deepEqual(out, {
        headers: {
          Authorization: '[REDACTED:authorization]',
          'X-Api-Key': '[REDACTED:x-api-key]',
          'x-goog-api-key': '[REDACTED:x-goog-api-key]',
          accept: 'json',
        },
        apiKey: '[REDACTED:apikey]',
      });
      assert.deepEqual(r.counts, { authorization: 1, 'x-api-key': 1, 'x-goog-api-key': 1, apikey: 1 });
    });

    it('redacts secrets used as object keys, keeping keys apart and a key named __proto__ a key', () => {
      const [a, b] = [`ghp_${'A1b2'.repeat(9)}`, `ghp_${'C3d4'.repeat(9)}`];
      const r = new Redactor();
      const out = r.value(JSON.parse(`{"${a}": 1, "${b}": 2, "__proto__": {"password": "p4ss"}}`)) as Record<
        string,
        unknown
      >;
      assert.deepEqual(Object.keys(out), ['[REDACTED:github-token]', '[REDACTED:github-token] #2', '__proto__']);
      assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { password: '[REDACTED:password]' });
      assert.equal(r.summary(), '3 secrets redacted: 2 GitHub tokens, 1 "password" value');
    });

    it('does not let a secretlint-disable comment in the data switch redaction off', () => {
      const token = `ghp_${'A1b2'.repeat(9)}`;
      assert.equal(redact(`// secretlint-disable\n${token}`), '// secretlint-disable\n[REDACTED:github-token]');
    });

    it('leaves JSON in a string as it was written when nothing in it is secret', () => {
      const args = '{ "query": "weather",\n  "units": "metric" }';
      assert.equal(new Redactor().value(args), args);
      assert.equal(new Redactor().value('{"token": "abc123", "q": 1}'), '{"token":"[REDACTED:token]","q":1}');
    });

    it('applies user-configured patterns, named or not, and refuses bad ones', () => {
      assert.equal(redact('ticket ACME-12345 and ACME-9', ['ACME-\\d{5}']), 'ticket [REDACTED:custom] and ACME-9');
      assert.equal(
        redact('host db.internal.example', [{ name: 'internal host', pattern: '[a-z]+\\.internal\\.example' }]),
        'host [REDACTED:internal-host]',
      );
      assert.equal(
        redact('Secret SECRET secret', [{ pattern: 'secret', flags: 'i' }]),
        '[REDACTED:custom] [REDACTED:custom] [REDACTED:custom]',
      );
      assert.throws(
        () => new Redactor(['(unclosed']),
        (e) => isCoreError(e, 'InvalidInput') && /not a valid regular expression/.test(e.message),
      );
      assert.throws(
        () => new Redactor(['x*']),
        (e) => isCoreError(e, 'InvalidInput') && /matches empty text/.test(e.message),
      );
    });
  });

  describe('document', () => {
    let m: SessionManager;
    let sessionId: string;
    let otherId: string;

    beforeEach(async () => {
      m = await SessionManager.open(tempDb(), {
        tracer: new Tracer('debug'),
        clock: () => new Date('2026-02-01T10:00:00.000Z'),
      });
      const s = await m.create({
        provider: 'openai',
        model: 'gpt-4o',
        title: 'Dump me',
        systemPrompt: `use ${KEYS.openai}`,
        providerState: { openai: { lastResponseId: 'resp_1' } },
        metadata: { headers: { authorization: 'Bearer t0ken' } },
      });
      sessionId = s.id;
      const [, reply] = await m.addMessages(s.id, [
        { role: 'user', content: `my key is ${KEYS.anthropic}` },
        {
          role: 'assistant',
          content: 'noted',
          usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
          native: { openai: { raw: `x-api-key: abc123` } },
        },
      ]);
      await m.editMessage(reply!.id, { content: `edited, google ${KEYS.google}` });
      otherId = (await m.create({ provider: 'gemini', model: 'g', title: 'Other' })).id;
    });
    afterEach(() => m.close());

    it('has the versioned shape: rows, messages, revisions, provider state, stats, trace, environment', async () => {
      const d = await dumpState(m, { sessionId }, { extensionVersion: '9.9.9', vscodeVersion: '1.100.0' });
      assert.equal(d.formatVersion, DUMP_FORMAT_VERSION);
      assert.equal(d.kind, 'langswarm-sessions/state-dump');
      assert.deepEqual(d.scope, { sessionId });
      assert.deepEqual(Object.keys(d), [
        'formatVersion',
        'kind',
        'createdAt',
        'scope',
        'environment',
        'redaction',
        'stats',
        'sessions',
      ]);
      assert.deepEqual(
        { ...d.environment, database: undefined },
        {
          extensionVersion: '9.9.9',
          vscodeVersion: '1.100.0',
          schemaVersion: SCHEMA_VERSION,
          platform: process.platform,
          arch: process.arch,
          nodeVersion: process.version,
          database: undefined,
        },
      );
      assert.equal(d.environment.database.file, 'sessions.sqlite');
      assert.equal(d.sessions.length, 1);
      const [s] = d.sessions;
      assert.equal(s!.session.title, 'Dump me');
      assert.deepEqual(s!.session.providerState, { openai: { lastResponseId: 'resp_1' } });
      assert.equal(s!.messages.length, 2);
      assert.equal(s!.stats.messages, 2);
      assert.equal(d.stats.totalTokens, 5);
      const edited = s!.messages[1]!;
      assert.equal(s!.revisions[edited.id]![0]!.parts[0]!.type, 'text');
      assert.ok(s!.trace.length > 0, 'recent spans of the session');
      assert.ok(s!.trace.every((e) => e.span?.sessionId === sessionId || e.fields?.['sessionId'] === sessionId));
      assert.ok(s!.trace.some((e) => e.span?.name === 'sessions.addMessages'));
    });

    it('redacts by default, everywhere in the document, and says what it replaced', async () => {
      const d = await dumpState(m, { sessionId });
      const json = JSON.stringify(d);
      for (const key of Object.values(KEYS)) assert.ok(!json.includes(key), `leaked ${key.slice(0, 8)}…`);
      assert.ok(!json.includes('t0ken') && !json.includes('abc123'));
      assert.equal(d.sessions[0]!.session.systemPrompt, 'use [REDACTED:openai-key]');
      assert.deepEqual(d.sessions[0]!.session.metadata, { headers: { authorization: '[REDACTED:authorization]' } });
      assert.equal(d.redaction.enabled, true);
      assert.deepEqual(d.redaction.replaced, {
        'openai-key': 1,
        'anthropic-key': 1,
        'google-key': 1,
        authorization: 1,
        'x-api-key': 1,
      });
      assert.equal(
        d.redaction.summary,
        '5 secrets redacted: 1 "authorization" value, 1 OpenAI API key, 1 Anthropic API key, 1 Google API key, 1 "x-api-key" value',
      );
    });

    it("includes the session's recorded model calls, bodies and all, redacted like the rest", async () => {
      const body = JSON.stringify({
        model: 'gpt-4o',
        input: [{ role: 'user', content: [{ type: 'input_text', text: `deploy with ${KEYS.openaiProject} please` }] }],
        metadata: { client_secret: 'hunter2-but-longer' },
      });
      const trace = makeTrace(body, {
        sessionId,
        outcome: 'error',
        error: { code: 'ProviderError', message: `rejected key ${KEYS.openai}` },
      });
      trace.attempts[0]!.requestHeaders['x-session-token'] = 'opaque-session-value';
      trace.attempts[0]!.responseBody = JSON.stringify({ error: { message: `Incorrect API key: ${KEYS.anthropic}` } });
      await m.recordTrace(trace);
      const d = await dumpState(m, { sessionId });
      const [summary] = d.sessions[0]!.turnTraces;
      assert.equal(summary!.spanId, trace.spanId);
      assert.equal(summary!.attemptCount, 1);
      assert.deepEqual(summary!.error, { code: 'ProviderError', message: 'rejected key [REDACTED:openai-key]' });
      const [call] = d.sessions[0]!.recordedCalls;
      assert.equal(call!.spanId, trace.spanId);
      assert.equal(d.sessions[0]!.recordedCallsLeftOut, undefined);
      const json = JSON.stringify(d);
      for (const secret of [KEYS.openaiProject, KEYS.openai, KEYS.anthropic, 'hunter2', 'opaque-session-value'])
        assert.ok(!json.includes(secret), `leaked ${secret.slice(0, 8)}…`);
      // The body is there, redacted as data: the rest of it as sent.
      const sent = JSON.parse(call!.attempts[0]!.requestBody);
      assert.equal(sent.input[0].content[0].text, 'deploy with [REDACTED:openai-key] please');
      assert.deepEqual(sent.metadata, { client_secret: '[REDACTED:client-secret]' });
      assert.equal(call!.attempts[0]!.requestHeaders['x-session-token'], '[REDACTED:x-session-token]');
      assert.equal(
        call!.attempts[0]!.responseBody,
        JSON.stringify({ error: { message: 'Incorrect API key: [REDACTED:anthropic-key]' } }),
      );
      assert.deepEqual(call!.response, trace.response);
      const plain = await dumpState(m, { sessionId }, { redact: false });
      assert.equal(plain.sessions[0]!.recordedCalls[0]!.attempts[0]!.requestBody, body);
      assert.deepEqual((await dumpState(m, { sessionId: otherId })).sessions[0]!.recordedCalls, []);
    });

    it("keeps the newest calls' bodies within the budget, shared by the sessions, and says how many are left out", async () => {
      const bodyOf = (n: number) => JSON.stringify({ input: `call ${n} ${'x'.repeat(1000)}` });
      const traces = [1, 2, 3, 4].map((n) =>
        makeTrace(bodyOf(n), { sessionId }, Date.parse('2026-12-01T10:00:00Z') + n * 1000),
      );
      for (const t of traces) await m.recordTrace(t);
      const other = makeTrace(bodyOf(5), { sessionId: otherId });
      await m.recordTrace(other);
      // Room for two calls and a half: the two newest of the first session, none of the second.
      const d = await dumpState(m, { all: true }, { callBytes: 2.5 * (bodyOf(1).length + 200) });
      const [first, second] = d.sessions;
      assert.deepEqual(
        first!.recordedCalls.map((c) => c.spanId),
        [traces[2]!.spanId, traces[3]!.spanId],
      );
      assert.equal(first!.recordedCalls[1]!.attempts[0]!.requestBody, bodyOf(4));
      assert.equal(first!.turnTraces.length, 4);
      assert.equal(first!.recordedCallsLeftOut!.count, 2);
      assert.match(first!.recordedCallsLeftOut!.reason, /newest calls' bodies up to 3 KB; .*trace SESSION --json/);
      assert.deepEqual(second!.recordedCalls, []);
      assert.equal(second!.recordedCallsLeftOut!.count, 1);
      const roomy = await dumpState(m, { all: true });
      assert.equal(roomy.sessions[0]!.recordedCalls.length, 4);
      assert.equal(roomy.sessions[1]!.recordedCalls[0]!.spanId, other.spanId);
    });

    it('keeps everything with redaction off', async () => {
      const d = await dumpState(m, { sessionId }, { redact: false });
      const json = JSON.stringify(d);
      for (const key of [KEYS.openai, KEYS.anthropic, KEYS.google]) assert.ok(json.includes(key));
      assert.deepEqual(d.redaction, { enabled: false, replaced: {} });
    });

    it('dumps all sessions, oldest first', async () => {
      const d = await dumpState(m, { all: true });
      assert.deepEqual(d.scope, { all: true });
      assert.deepEqual(
        d.sessions.map((s) => s.session.id),
        [sessionId, otherId],
      );
      assert.equal(d.stats.sessions, 2);
    });

    it('refuses an unknown session', async () => {
      await assert.rejects(dumpState(m, { sessionId: 'nope' }), (e) => isCoreError(e, 'SessionNotFound'));
    });
  });

  describe('CLI dump', function () {
    this.timeout(60_000);

    it('writes the same document to a file, redacted unless --no-redact', () => {
      const db = tempDb();
      const id = cli([
        'create',
        '--provider',
        'openai',
        '--model',
        'm',
        '--title',
        'cli dump',
        '--db',
        db,
      ]).stdout.trim();
      assert.equal(
        cli(['add', id, '--role', 'user', '--content', `key ${KEYS.openaiProject} and ACME-12345`, '--db', db]).code,
        0,
      );
      const out = path.join(tempDir(), 'dump.json');
      const r = cli(['dump', id, '--out', out, '--redact-pattern', 'ACME-\\d+', '--db', db]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /wrote .*dump\.json \(1 session; 2 secrets redacted: 1 OpenAI API key, 1 custom pattern match\)/,
      );
      const d = JSON.parse(fs.readFileSync(out, 'utf8')) as DumpDocument;
      assert.equal(d.formatVersion, DUMP_FORMAT_VERSION);
      assert.equal(
        d.environment.extensionVersion,
        (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version,
      );
      assert.equal(
        d.sessions[0]!.messages[0]!.parts[0]!.type === 'text' && d.sessions[0]!.messages[0]!.parts[0]!.text,
        'key [REDACTED:openai-key] and [REDACTED:custom]',
      );

      const piped = cli(['dump', '--all', '--no-redact', '--db', db]);
      assert.equal(piped.stderr, 'NOT redacted\n');
      const plain = JSON.parse(piped.stdout) as DumpDocument;
      assert.deepEqual(plain.scope, { all: true });
      assert.equal(plain.redaction.enabled, false);
      assert.ok(JSON.stringify(plain).includes(KEYS.openaiProject));

      const bad = cli(['dump', '--db', db]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Give either SESSION or --all/);
    });
  });
});
