// --prices FILE and $LANGSWARM_PRICES through the built CLI: they price `cost` and `trace` with the file's
// numbers instead of the table's, --prices wins over the variable, and a bad file is refused as a whole with
// each problem located (its line, the model and field), never half-applied.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OVERRIDE_TABLE } from '../../src/core/cost';
import { SessionManager } from '../../src/core/sessions';
import { cli } from '../helpers/cli';
import { tempDb, tempDir } from '../helpers/temp';
import { makeTrace } from '../helpers/traces';

describe('CLI --prices and $LANGSWARM_PRICES', function () {
  this.timeout(60_000);
  let db: string;
  let dir: string;
  let sessionId: string;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    cli([...args, '--db', db], { env: { LANGSWARM_PRICES: '', ...env } });
  const priceFile = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  /** 1,000,000 input tokens (400,000 of them cached) and 1,000,000 output tokens. */
  const usage = { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 1_000_000, totalTokens: 2_000_000 };

  before(async () => {
    db = tempDb();
    dir = tempDir();
    const m = await SessionManager.open(db);
    sessionId = (await m.create({ provider: 'openai', model: 'gpt-4o' })).id;
    const [, reply] = await m.addMessages(sessionId, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello', provider: { name: 'openai', model: 'gpt-4o-2024-08-06' }, usage },
    ]);
    await m.recordTrace(makeTrace('{}', { sessionId, messageIds: [reply!.id], usage }));
    await m.close();
  });

  const costJson = (args: string[], env?: NodeJS.ProcessEnv) => {
    const r = run(['cost', sessionId, '--json', ...args], env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as {
      total: number;
      tables: string[];
      priceOverrides?: { file: string; models: string[] };
    };
  };

  it('prices cost and trace with the file: uncached input, cached input and output each at its price', () => {
    const file = priceFile(
      'prices.json',
      JSON.stringify({ 'gpt-4o-2024-08-06': { input: 2, cachedInput: 0.5, output: 10 } }),
    );
    const table = costJson([]);
    assert.deepEqual(table.tables, ['@pydantic/genai-prices 0.1.8']);
    const priced = costJson(['--prices', file]);
    // 0.6 M uncached × $2 + 0.4 M cached × $0.5 + 1 M output × $10
    assert.equal(priced.total, 1.2 + 0.2 + 10);
    assert.notEqual(table.total, priced.total);
    assert.deepEqual(priced.tables, [OVERRIDE_TABLE]);
    assert.deepEqual(priced.priceOverrides, { file, models: ['gpt-4o-2024-08-06'] });
    const text = run(['cost', sessionId, '--prices', file]).stdout;
    assert.match(text, new RegExp(`prices: .*\\(overrides from ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));

    const trace = run(['trace', sessionId, '--prices', file]);
    assert.equal(trace.code, 0, trace.stderr);
    assert.match(trace.stdout, /\n {2}cost: \$11\.40 \(price override/);
    const calls = JSON.parse(run(['trace', sessionId, '--json', '--prices', file]).stdout).calls as Array<{
      cost: { total: number };
    }>;
    assert.equal(calls[0]!.cost.total, 11.4);
    assert.match(run(['trace', sessionId]).stdout, /\n {2}cost: \$\d+\.\d+ \(@pydantic\/genai-prices/);
  });

  it('reads $LANGSWARM_PRICES when --prices is not given, and --prices wins over it', () => {
    const env = priceFile('env.json', JSON.stringify({ 'gpt-4o-2024-08-06': { input: 1, output: 1 } }));
    const option = priceFile('option.json', JSON.stringify({ 'gpt-4o-2024-08-06': { input: 3, output: 3 } }));
    assert.equal(costJson([], { LANGSWARM_PRICES: env }).total, 2);
    assert.equal(costJson(['--prices', option], { LANGSWARM_PRICES: env }).total, 6);
  });

  it('refuses a bad file as a whole, each problem with its line, model and field', () => {
    const bad = priceFile(
      'bad.json',
      '{\n  "gpt-4o-2024-08-06": { "input": 2, "output": 10 },\n  "gpt-5": { "input": "cheap", "output": 1 },\n  "o3": { "input": 1, "output": -4, "cashedInput": 1 }\n}\n',
    );
    const r = run(['cost', sessionId, '--prices', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: --prices .*bad\.json has 3 problems \(nothing was priced\):\n/);
    assert.match(r.stderr, /\n {2}line 3: "gpt-5"\.input: expected number, received string\n/);
    assert.match(r.stderr, /\n {2}line 4: "o3"\.output: Too small: expected number to be >=0\n/);
    assert.match(r.stderr, /\n {2}line 4: "o3": unknown field "cashedInput"\n/);

    const syntax = run(['trace', sessionId, '--prices', priceFile('syntax.json', '{\n  "gpt-5": { "input": 1, }\n}')]);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /^error: --prices .*syntax\.json is not JSON at line 2, column \d+: /);

    const env = run(['cost', sessionId], { LANGSWARM_PRICES: priceFile('list.json', '[1]') });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /^error: \$LANGSWARM_PRICES \(.*list\.json\) must be a JSON object of model ids/);

    const missing = run(['cost', sessionId, '--prices', path.join(dir, 'none.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: Could not read the prices in --prices .*none\.json: .*\(ENOENT\)\.\n$/);
  });
});
