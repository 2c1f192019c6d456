// API keys must never be written anywhere: not the database, its journal or backup, the logs, the
// traces, error messages, or a dump of the objects involved. Recognisable keys are planted, every
// provider feature is exercised through the CLI and the core at trace level, and everything written
// is searched for them (also for the masked form OpenAI echoes in its 401 message).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { importOpenAIConversation, replay, send, testConnection } from '../../src/core/conversation';
import { OpenAIProvider } from '../../src/core/providers';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import { cliAsync } from '../helpers/cli';
import { providerFor, wire } from '../helpers/providers';
import { tempDir } from '../helpers/temp';
import { messageItem } from '../mock-providers/openai';
import { MockProviders } from '../mock-providers/server';

const MARK = 'LEAK';
const canary = (prefix: string) => `${prefix}${MARK}CANARY-${randomBytes(12).toString('hex')}-${MARK}`;

describe('API keys never leak', function () {
  this.timeout(300_000);
  const mock = new MockProviders();
  before(() => mock.start());
  after(() => mock.stop());

  it('leaves no trace of any key in the database, journal, backup, logs, traces, output or dumps', async () => {
    const keys = { openai: canary('sk-'), anthropic: canary('sk-ant-'), gemini: canary('AIza') };
    Object.assign(mock.keys, keys);
    const dir = tempDir();
    const db = path.join(dir, 'sessions.sqlite');
    const log = path.join(dir, 'trace.jsonl');
    const outputs: string[] = [];
    const env: NodeJS.ProcessEnv = {
      OPENAI_API_KEY: keys.openai,
      ANTHROPIC_API_KEY: keys.anthropic,
      GEMINI_API_KEY: keys.gemini,
      GOOGLE_API_KEY: undefined,
      LANGSWARM_OPENAI_BASE_URL: `${mock.url}/v1`,
      LANGSWARM_ANTHROPIC_BASE_URL: mock.url,
      LANGSWARM_GEMINI_BASE_URL: mock.url,
      // Snapshot on every write, so the snapshot, its backup and the journal all get written.
      LANGSWARM_CHECKPOINT_BYTES: '1',
    };
    const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = await cliAsync([...args, '--db', db, '--log-level', 'trace', '--log-json', log], {
        env: { ...env, ...extra },
      });
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    // ---- through the CLI: every provider, plain and streamed, tools, errors, replay, test, import
    for (const name of ['openai', 'anthropic', 'gemini'] as const) {
      const id = (await cli(['create', '--provider', name, '--model', `${name}-m`])).stdout.trim();
      mock.script(
        name,
        { text: 'plain' },
        { text: 'calling', toolCalls: [{ id: `call-${name}`, name: 'tool', args: { a: 1 } }] },
        { text: 'after tool' },
      );
      assert.equal((await cli(['send', id, '--content', 'one'])).code, 0);
      assert.equal((await cli(['send', id, '--content', 'two', '--stream'])).code, 0);
      await cliAsync(['add', id, '--jsonl', '--db', db], {
        input: JSON.stringify({
          role: 'tool',
          parts: [{ type: 'tool_result', callId: `call-${name}`, name: 'tool', content: 'ok' }],
        }),
      });
      assert.equal((await cli(['send', id])).code, 0);
      const limited = { error: { status: 429, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } };
      mock.script(name, limited, limited, limited);
      assert.equal((await cli(['send', id, '--content', 'limited'])).code, 1);
      mock.script(name, { chunks: ['cut ', 'here'], cut: 'destroy' });
      assert.equal((await cli(['send', id, '--content', 'cut', '--stream'])).code, 1);
      // A wrong key that is itself recognisable: the OpenAI mock echoes it masked, as the real API does.
      const wrong = await cli(['send', id, '--content', 'bad key'], {
        [name === 'gemini' ? 'GEMINI_API_KEY' : `${name.toUpperCase()}_API_KEY`]: canary(
          name === 'gemini' ? 'AIza' : 'sk-',
        ),
      });
      assert.equal(wrong.code, 1);
      assert.equal((await cli(['test-provider', name, '--model', `${name}-m`])).code, 0);
      assert.equal((await cli(['replay', id, '--provider', name, '--model', `${name}-m2`])).code, 0);
    }
    mock.openai.conversations.set('conv_leak', [messageItem('msg_1', 'user', 'hi')]);
    assert.equal((await cli(['import-openai', 'conv_leak', '--model', 'm'])).code, 0);

    // ---- through the core, tracing everything to a JSON file
    const tracer = new Tracer('trace');
    const coreLog = path.join(dir, 'core-trace.jsonl');
    tracer.addSink((e) => fs.appendFileSync(coreLog, `${JSON.stringify(e)}\n`));
    const manager = await SessionManager.open(db, { tracer });
    const dumps: string[] = [];
    const traces: unknown[] = [];
    const traceSink = (t: unknown) => void traces.push(t);
    try {
      for (const name of ['openai', 'anthropic', 'gemini'] as const) {
        const provider = providerFor(wire(name), mock, { apiKey: keys[name], tracer });
        const s = await manager.create({ provider: name, model: `${name}-core` });
        mock.script(name, { text: 'core reply', reasoning: { text: 'thinking', signature: 'sig', encrypted: 'enc' } });
        await send(manager, s.id, 'core', { provider, traceSink });
        const errors: unknown[] = [];
        const failing = { error: { status: 500, headers: { 'retry-after-ms': '1', 'retry-after': '0.001' } } };
        mock.script(name, failing, failing, failing);
        await send(manager, s.id, 'fail', { provider, traceSink }).catch((e: unknown) => errors.push(e));
        const unauthorised = providerFor(wire(name), mock, { apiKey: canary('sk-'), tracer });
        await send(manager, s.id, undefined, { provider: unauthorised, traceSink }).catch((e: unknown) =>
          errors.push(e),
        );
        await replay(manager, s.id, { provider, model: `${name}-core2`, traceSink });
        const report = await testConnection(unauthorised, 'm', undefined, { sink: traceSink });
        dumps.push(
          inspect(provider, { depth: 8, showHidden: true }),
          JSON.stringify(provider),
          inspect(unauthorised, { depth: 8, showHidden: true }),
          JSON.stringify(report),
        );
        for (const e of errors) dumps.push(inspect(e, { depth: 8 }), JSON.stringify(e), String(e));
        assert.equal(errors.length, 2);
      }
      await importOpenAIConversation(
        manager,
        providerFor(wire('openai'), mock, { apiKey: keys.openai }) as OpenAIProvider,
        'conv_leak',
        { model: 'm' },
      );
      // Every call traced, per provider: a reply, a failure, a refused key, two replayed turns, a connection test.
      assert.equal(traces.length, 3 * 6);
      dumps.push(
        JSON.stringify(tracer.recent()),
        JSON.stringify(manager.list({ limit: 1000 })),
        JSON.stringify(traces),
      );
      await manager.store.durable.checkpoint();
    } finally {
      await manager.close();
    }

    // ---- search everything written
    const written = fs.readdirSync(dir).map((f) => path.join(dir, f));
    for (const suffix of ['.sqlite', '.sqlite.journal', '.sqlite.bak', 'trace.jsonl', 'core-trace.jsonl']) {
      assert.ok(
        written.some((f) => f.endsWith(suffix) && fs.statSync(f).size > 0),
        `${suffix} was written (${written.join(', ')})`,
      );
    }
    const haystacks: Array<[string, string]> = [
      ...written.map((f): [string, string] => [f, fs.readFileSync(f).toString('latin1')]),
      ...outputs.map((o, i): [string, string] => [`cli output ${i}`, o]),
      ...dumps.map((d, i): [string, string] => [`dump ${i}`, d]),
    ];
    for (const [where, text] of haystacks) {
      assert.ok(
        !text.includes(MARK),
        `a key (or its masked form) leaked into ${where}: …${text.slice(Math.max(0, text.indexOf(MARK) - 60), text.indexOf(MARK) + 60)}…`,
      );
    }
    // And the keys did reach the servers, where they belong.
    assert.ok(mock.requests.some((r) => r.headers['authorization'] === `Bearer ${keys.openai}`));
    assert.ok(mock.requests.some((r) => r.headers['x-goog-api-key'] === keys.gemini));
  });
});
