// `cost` through the built CLI (dist/cli.js): figures from the table, the --json shape, --by model and
// day, "partly unknown", exit codes, and a long report whole through a slowly read pipe.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { findProvider } from '@pydantic/genai-prices';
import { PRICE_TABLE } from '../../src/core/cost';
import { CLI, cli, cliOnDb, cliSlowReader } from '../helpers/cli';
import { tempDb } from '../helpers/temp';

interface JsonTotal {
  state: string;
  total: number | null;
  currency: string;
  parts: Record<string, number> | null;
  priced: number;
  unpriced: number;
  unknownReasons: Record<string, number>;
  tokens: Record<string, number>;
  tables: string[];
}

const price = (provider: string, model: string, key: string) =>
  (findProvider({ providerId: provider })!.models.find((m) => m.id === model)!.prices as Record<string, number>)[key]!;

const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('CLI cost', function () {
  this.timeout(120_000);
  let db: string;
  const { run, ok } = cliOnDb(() => db);
  const add = (id: string, messages: object[]) => {
    const r = cli(['add', id, '--jsonl', '--db', db], { input: messages.map((m) => JSON.stringify(m)).join('\n') });
    assert.equal(r.code, 0, r.stderr);
  };

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    db = tempDb();
  });

  it('prices a session, says what it could not price, and groups by model', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'gpt-5').trim();
    const other = ok('create', '--provider', 'gemini', '--model', 'gemini-3.5-flash').trim();
    const gpt = { name: 'openai', model: 'gpt-5' };
    add(id, [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: 'a',
        provider: gpt,
        usage: {
          inputTokens: 10_000,
          cachedInputTokens: 8_000,
          outputTokens: 500,
          reasoningTokens: 300,
          totalTokens: 10_500,
        },
      },
      {
        role: 'assistant',
        content: 'b',
        provider: gpt,
        usage: { inputTokens: 1_000, outputTokens: 100, totalTokens: 1_100 },
      },
      {
        role: 'assistant',
        content: 'c',
        provider: { name: 'openai', model: 'gpt-nope' },
        usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
      },
    ]);
    add(other, [
      {
        role: 'assistant',
        content: 'd',
        provider: { name: 'gemini', model: 'gemini-3.5-flash' },
        usage: { inputTokens: 2_000, outputTokens: 100, totalTokens: 2_100 },
      },
    ]);
    const [pin, pread, pout] = ['input_mtok', 'cache_read_mtok', 'output_mtok'].map((k) =>
      price('openai', 'gpt-5', k),
    ) as [number, number, number];
    const gptTotal = (2_000 * pin + 8_000 * pread + 500 * pout + 1_000 * pin + 100 * pout) / 1e6;
    close(gptTotal, 0.0085 + 0.00225); // $1.25 / $0.125 / $10 per million

    const one = JSON.parse(ok('cost', id, '--json')) as JsonTotal & { scope: unknown; priceTable: string };
    assert.deepEqual(one.scope, { session: id });
    assert.equal(one.priceTable, PRICE_TABLE);
    assert.equal(one.state, 'partly unknown');
    close(one.total, gptTotal);
    assert.equal(one.currency, 'USD');
    assert.deepEqual([one.priced, one.unpriced], [2, 1]);
    assert.deepEqual(one.unknownReasons, { 'model gpt-nope is not in the price table (openai)': 1 });
    assert.deepEqual(one.tokens, { input: 11_005, cachedInput: 8_000, cacheWrite: 0, output: 605, reasoning: 300 });
    close(one.parts!['reasoning']!, (300 * pout) / 1e6);
    assert.deepEqual(one.tables, [PRICE_TABLE]);

    const all = JSON.parse(ok('cost', '--all', '--by', 'model', '--json')) as JsonTotal & {
      by: string;
      groups: Array<JsonTotal & { key: string }>;
    };
    assert.equal(all.by, 'model');
    const gemTotal =
      (2_000 * price('google', 'gemini-3.5-flash', 'input_mtok') +
        100 * price('google', 'gemini-3.5-flash', 'output_mtok')) /
      1e6;
    close(all.total, gptTotal + gemTotal);
    assert.deepEqual(
      all.groups.map((g) => [g.key, g.state, g.priced, g.unpriced]),
      [
        ['gemini/gemini-3.5-flash', 'known', 1, 0],
        ['openai/gpt-5', 'known', 2, 0],
        ['openai/gpt-nope', 'unknown', 0, 1],
      ],
    );
    const unknownGroup = all.groups.find((g) => g.key === 'openai/gpt-nope')!;
    assert.equal(unknownGroup.total, null, 'an unknown price is null, not 0');
    assert.equal(unknownGroup.parts, null);

    const text = ok('cost', id);
    assert.match(text, /^session [0-9a-f-]{36}: \$0\.0108 \+ price unknown for 1 of 3 messages \(partly unknown\)\n/);
    assert.match(text, /price unknown for 1: model gpt-nope is not in the price table \(openai\)/);
    assert.match(text, new RegExp(`prices: ${PRICE_TABLE.replace(/[.]/g, '\\.')}\\n$`));
    const byDay = ok('cost', '--all', '--by', 'day');
    assert.match(byDay, /^\d{4}-\d{2}-\d{2} UTC: \$/m);
  });

  it('refuses what it cannot do with exit 1 and a sentence', () => {
    const id = ok('create', '--provider', 'openai', '--model', 'gpt-5').trim();
    for (const [args, message] of [
      [['cost'], /Give one SESSION, or --all/],
      [['cost', id, '--all'], /Give one SESSION, or --all/],
      [['cost', id, id], /Give one SESSION, or --all/],
      [['cost', id, '--by', 'week'], /Unknown --by "week"; use model or day/],
      [['cost', 'no-such-session'], /no-such-session/],
    ] as const) {
      const r = run(...args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.match(ok('cost', id), /no usage recorded/);
  });

  it('writes a long report whole through a pipe that is read slowly', async () => {
    const id = ok('create', '--provider', 'openai', '--model', 'gpt-5').trim();
    const usage = { inputTokens: 10, outputTokens: 1, totalTokens: 11 };
    add(
      id,
      Array.from({ length: 1500 }, (_, i) => ({
        role: 'assistant',
        content: 'x',
        provider: { name: 'openai', model: `model-${String(i).padStart(4, '0')}` },
        usage,
      })),
    );
    const expected = ok('cost', id, '--by', 'model', '--json');
    assert.ok(expected.length > 500_000, `${expected.length} bytes`);
    const piped = await cliSlowReader(['cost', id, '--by', 'model', '--json', '--db', db], 300);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout.toString('utf8'), expected);
    assert.equal((JSON.parse(expected) as { groups: unknown[] }).groups.length, 1500);
  });
});
