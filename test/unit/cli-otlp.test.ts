// `trace --otlp` through the built CLI (dist/cli.js): a file and stdout (-) hold the same valid OTLP/JSON,
// whole through a slowly read pipe; --turn narrows it; a missing session or an unwritable file is a sentence
// and exit code 1, with nothing written.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExportTraceServiceRequest } from '../../src/core/otlp';
import { SessionManager } from '../../src/core/sessions';
import { cli, cliSlowReader } from '../helpers/cli';
import { assertValidOtlp } from '../helpers/otlp-proto';
import { tempDb, tempDir } from '../helpers/temp';
import { answer, playStatelessConversation, question } from '../helpers/traces';

const spansOf = (doc: ExportTraceServiceRequest) => doc.resourceSpans[0]!.scopeSpans[0]!.spans;
const attribute = (span: ReturnType<typeof spansOf>[number], key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && 'stringValue' in value ? value.stringValue : value;
};

describe('CLI trace --otlp', function () {
  this.timeout(120_000);
  let db: string;
  let sessionId: string;
  let spanIds: string[];
  const run = (...args: string[]) => cli([...args, '--db', db]);

  before(async () => {
    db = tempDb();
    const m = await SessionManager.open(db);
    sessionId = (await m.create({ title: 'Traced', provider: 'openai', model: 'gpt-4o' })).id;
    ({ spanIds } = await playStatelessConversation(m, sessionId, 40));
    await m.close();
  });

  it('writes every call as valid OTLP/JSON to a file, the same as to stdout', () => {
    const file = path.join(tempDir(), 'trace.json');
    const r = run('trace', sessionId, '--otlp', file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /wrote .*trace\.json \(40 calls as OTLP\/JSON\)/);
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(run('trace', sessionId, '--otlp', '-').stdout, text);
    const doc = JSON.parse(text) as ExportTraceServiceRequest;
    assertValidOtlp(doc);
    const spans = spansOf(doc);
    assert.equal(spans.length, 80, 'a turn span and its attempt for each of 40 calls');
    const turns = spans.filter((s) => !s.parentSpanId);
    assert.deepEqual(
      turns.map((s) => s.spanId),
      spanIds,
    );
    const last = turns.at(-1)!;
    assert.equal(last.name, 'chat gpt-4o');
    assert.equal(attribute(last, 'gen_ai.conversation.id'), sessionId);
    // The last body resent the whole history: 40 questions and 39 answers, in order.
    const history = JSON.parse(attribute(last, 'gen_ai.input.messages') as string) as Array<{
      role: string;
      parts: Array<{ content: string }>;
    }>;
    assert.equal(history.length, 79);
    assert.deepEqual(history[0], { role: 'user', parts: [{ type: 'text', content: question(1) }] });
    assert.deepEqual(history[77], { role: 'assistant', parts: [{ type: 'text', content: answer(39) }] });
    assert.equal(
      attribute(last, 'gen_ai.system_instructions'),
      JSON.stringify([{ type: 'text', content: 'You are a careful assistant.' }]),
    );
  });

  it('--otlp - writes a large export whole through a pipe read slowly', async () => {
    const expected = run('trace', sessionId, '--otlp', '-').stdout;
    assert.ok(expected.length > 8 * 65_536, `${expected.length} bytes: many times what a pipe holds`);
    const piped = await cliSlowReader(['trace', sessionId, '--otlp', '-', '--db', db], 300);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout.toString('utf8'), expected);
  });

  it('--turn N exports only the calls that stored message #N', () => {
    const doc = JSON.parse(run('trace', sessionId, '--turn', '4', '--otlp', '-').stdout) as ExportTraceServiceRequest;
    assertValidOtlp(doc);
    assert.deepEqual(
      spansOf(doc)
        .filter((s) => !s.parentSpanId)
        .map((s) => s.spanId),
      [spanIds[1]],
    );
  });

  it('refuses a missing session, an unwritable file, and --json with --otlp, writing nothing', () => {
    const dir = tempDir();
    const missing = run('trace', 'nope', '--otlp', path.join(dir, 'x.json'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: .*nope/);
    assert.equal(missing.stdout, '');
    const noFolder = run('trace', sessionId, '--otlp', path.join(dir, 'no', 'x.json'));
    assert.equal(noFolder.code, 1);
    assert.match(noFolder.stderr, /^error: Could not write .*x\.json: the folder .* does not exist\.\n$/);
    const folder = run('trace', sessionId, '--otlp', dir);
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /^error: --otlp .* is a folder; give a file name\.\n$/);
    const both = run('trace', sessionId, '--otlp', '-', '--json');
    assert.equal(both.code, 1);
    assert.match(both.stderr, /Give --json or --otlp, not both/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
