// Cost from stored usage: each provider's raw usage goes through that provider's own usageOf (what the
// store keeps) and is priced once per token. Expected figures are worked out here from the table's
// published prices for the model, plus one literal per provider so a wrong read of the table shows.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import type { Usage as AnthropicUsage } from '@anthropic-ai/sdk/resources/messages';
import type { GenerateContentResponseUsageMetadata } from '@google/genai';
import type { ResponseUsage } from 'openai/resources/responses/responses';
import {
  Cost,
  OVERRIDE_TABLE,
  PriceOverride,
  PRICE_TABLE,
  parsePriceOverrides,
  totalCost,
  usageCost,
  costBy,
  modelKey,
} from '../../src/core/cost';
import { usageOf as anthropicUsage } from '../../src/core/providers/anthropic';
import { usageOf as geminiUsage } from '../../src/core/providers/gemini';
import { usageOf as openaiUsage } from '../../src/core/providers/openai';
import { SessionManager } from '../../src/core/sessions';
import { tempDb } from '../helpers/temp';

/** The table's flat prices (USD per million tokens) for a model. */
function tablePrices(providerId: string, modelId: string): Record<string, number> {
  const model = findProvider({ providerId })?.models.find((m) => m.id === modelId);
  assert.ok(model, `${providerId}/${modelId} is in the table`);
  assert.ok(!Array.isArray(model.prices), `${modelId} has one price set`);
  for (const v of Object.values(model.prices)) assert.equal(typeof v, 'number', `${modelId} has flat prices`);
  return model.prices as Record<string, number>;
}

/** Tiered prices: [below, above] the model's one threshold, and the threshold. */
function tieredPrices(
  providerId: string,
  modelId: string,
  key: string,
): { base: number; above: number; start: number } {
  const model = findProvider({ providerId })?.models.find((m) => m.id === modelId);
  assert.ok(model && !Array.isArray(model.prices));
  const p = model.prices[key] as { base: number; tiers: Array<{ start: number; price: number }> };
  assert.equal(p.tiers.length, 1);
  return { base: p.base, above: p.tiers[0]!.price, start: p.tiers[0]!.start };
}

function known(c: Cost): Extract<Cost, { known: true }> {
  assert.ok(c.known, `priced: ${JSON.stringify(c)}`);
  return c;
}

const close = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= 1e-12 + 1e-9 * Math.abs(expected), `${what} ${actual} ≠ ${expected}`);

describe('cost', () => {
  it('records the version of the price table that is installed', () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../node_modules/@pydantic/genai-prices/package.json'), 'utf8'),
    ) as { version: string };
    assert.equal(PRICE_TABLE, `@pydantic/genai-prices ${pkg.version}`);
  });

  it('OpenAI: cached tokens are part of input_tokens and reasoning part of output_tokens', () => {
    const raw = {
      input_tokens: 10_000,
      input_tokens_details: { cached_tokens: 8_000 },
      output_tokens: 500,
      output_tokens_details: { reasoning_tokens: 300 },
      total_tokens: 10_500,
    } as ResponseUsage;
    const c = known(usageCost(openaiUsage(raw), { name: 'openai', model: 'gpt-5' }));
    const p = tablePrices('openai', 'gpt-5');
    close(c.parts.input, (2_000 * p['input_mtok']!) / 1e6, 'input');
    close(c.parts.cachedInput, (8_000 * p['cache_read_mtok']!) / 1e6, 'cached');
    close(c.parts.output, (200 * p['output_mtok']!) / 1e6, 'output');
    close(c.parts.reasoning, (300 * p['output_mtok']!) / 1e6, 'reasoning');
    close(c.total, (2_000 * p['input_mtok']! + 8_000 * p['cache_read_mtok']! + 500 * p['output_mtok']!) / 1e6);
    // $1.25 in, $0.125 cached, $10 out per million: 0.0025 + 0.001 + 0.005.
    close(c.total, 0.0085);
    assert.equal(c.currency, 'USD');
    assert.equal(c.table, PRICE_TABLE);
  });

  it('Anthropic: cache reads and writes (5-minute and one-hour) are priced apart from input_tokens, never twice', () => {
    const raw = {
      input_tokens: 1_000,
      cache_read_input_tokens: 20_000,
      cache_creation_input_tokens: 3_000,
      cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 1_000 },
      output_tokens: 400,
      output_tokens_details: { thinking_tokens: 100 },
    } as unknown as AnthropicUsage;
    const usage = anthropicUsage(raw);
    const c = known(usageCost(usage, { name: 'anthropic', model: 'claude-opus-4-5-20251101' }));
    const p = tablePrices('anthropic', 'claude-opus-4-5');
    const expected =
      (1_000 * p['input_mtok']! +
        20_000 * p['cache_read_mtok']! +
        2_000 * p['cache_write_mtok']! +
        1_000 * p['cache_write_1h_mtok']! +
        400 * p['output_mtok']!) /
      1e6;
    close(c.total, expected);
    close(c.parts.input, (1_000 * p['input_mtok']!) / 1e6, 'input');
    close(c.parts.cacheWrite, (2_000 * p['cache_write_mtok']! + 1_000 * p['cache_write_1h_mtok']!) / 1e6, 'writes');
    close(c.parts.reasoning, (100 * p['output_mtok']!) / 1e6, 'thinking');
    // $5 in, $0.50 read, $6.25 / $10 write, $25 out: 0.005 + 0.01 + 0.0125 + 0.01 + 0.01.
    close(c.total, 0.0475);
  });

  it('Gemini: cached content is part of the prompt; thoughts are output beside the candidates', () => {
    const raw: GenerateContentResponseUsageMetadata = {
      promptTokenCount: 10_000,
      cachedContentTokenCount: 6_000,
      candidatesTokenCount: 300,
      thoughtsTokenCount: 700,
      totalTokenCount: 11_000,
    };
    const c = known(usageCost(geminiUsage(raw), { name: 'gemini', model: 'gemini-3.5-flash' }));
    const p = tablePrices('google', 'gemini-3.5-flash');
    close(c.parts.input, (4_000 * p['input_mtok']!) / 1e6, 'input');
    close(c.parts.cachedInput, (6_000 * p['cache_read_mtok']!) / 1e6, 'cached');
    close(c.parts.output, (300 * p['output_mtok']!) / 1e6, 'candidates');
    close(c.parts.reasoning, (700 * p['output_mtok']!) / 1e6, 'thoughts');
    // $1.50 in, $0.15 cached, $9 out: 0.006 + 0.0009 + 0.0027 + 0.0063.
    close(c.total, 0.0159);
  });

  it('prices the whole request at the higher tier once the input, cache reads included, passes the threshold', () => {
    // Gemini 2.5 Pro: 250k prompt tokens, 100k of them cached.
    const gem = (prompt: number) =>
      known(
        usageCost(
          geminiUsage({
            promptTokenCount: prompt,
            cachedContentTokenCount: 100_000,
            candidatesTokenCount: 1_000,
            thoughtsTokenCount: 400,
          }),
          { name: 'gemini', model: 'gemini-2.5-pro' },
        ),
      );
    const input = tieredPrices('google', 'gemini-2.5-pro', 'input_mtok');
    const read = tieredPrices('google', 'gemini-2.5-pro', 'cache_read_mtok');
    const out = tieredPrices('google', 'gemini-2.5-pro', 'output_mtok');
    close(gem(250_000).total, (150_000 * input.above + 100_000 * read.above + 1_400 * out.above) / 1e6);
    close(gem(250_000).total, 0.421); // $2.50 / $0.25 / $15 above 200k
    const at = input.start; // exactly at the threshold is still the base price
    close(gem(at).total, ((at - 100_000) * input.base + 100_000 * read.base + 1_400 * out.base) / 1e6);

    // Claude Sonnet 4.5: 1,000 uncached input tokens but 250,000 read from the cache — over 200k.
    const sonnet = known(
      usageCost(
        anthropicUsage({
          input_tokens: 1_000,
          cache_read_input_tokens: 250_000,
          cache_creation_input_tokens: 0,
          output_tokens: 100,
        } as AnthropicUsage),
        { name: 'anthropic', model: 'claude-sonnet-4-5' },
      ),
    );
    const sIn = tieredPrices('anthropic', 'claude-sonnet-4-5', 'input_mtok');
    const sRead = tieredPrices('anthropic', 'claude-sonnet-4-5', 'cache_read_mtok');
    const sOut = tieredPrices('anthropic', 'claude-sonnet-4-5', 'output_mtok');
    close(sonnet.total, (1_000 * sIn.above + 250_000 * sRead.above + 100 * sOut.above) / 1e6);
  });

  it('never guesses: an unknown model, provider or missing model is "price unknown"', () => {
    const usage = { inputTokens: 1_000, outputTokens: 10, totalTokens: 1_010 };
    for (const producer of [
      { name: 'openai', model: 'gpt-unknown-9' },
      { name: 'mistral', model: 'mistral-large' },
      { name: 'openai' },
      undefined,
    ]) {
      const c = usageCost(usage, producer);
      assert.equal(c.known, false, JSON.stringify(producer));
      assert.ok(!('total' in c));
    }
    // The table's "claude-sonnet-5" prefix would price claude-sonnet-5-5 as Sonnet 5: a guess.
    assert.equal(
      calcPrice({ input_tokens: 1, output_tokens: 1 }, 'claude-sonnet-5-5', { providerId: 'anthropic' })?.model.id,
      'claude-sonnet-5',
    );
    assert.deepEqual(usageCost(usage, { name: 'anthropic', model: 'claude-sonnet-5-5' }), {
      known: false,
      reason: 'model claude-sonnet-5-5 is not in the price table (anthropic)',
    });
    // …while a dated id of the same model is that model.
    assert.ok(usageCost(usage, { name: 'anthropic', model: 'claude-sonnet-5-20260101' }).known);
    // Usage that does not add up, or is not usage at all.
    assert.equal(usageCost({ ...usage, cachedInputTokens: 2_000 }, { name: 'openai', model: 'gpt-5' }).known, false);
    assert.equal(usageCost({ ...usage, reasoningTokens: 11 }, { name: 'openai', model: 'gpt-5' }).known, false);
    assert.equal(usageCost({ inputTokens: -1 }, { name: 'openai', model: 'gpt-5' }).known, false);
    // Replay calls no one: it costs nothing, and says so.
    assert.equal(known(usageCost(usage, { name: 'replay', model: 'recorded' })).total, 0);
  });

  it('prices every OpenAI, Anthropic and Google model of the table exactly as the table totals it', () => {
    for (const [ours, theirs] of [
      ['openai', 'openai'],
      ['anthropic', 'anthropic'],
      ['gemini', 'google'],
    ] as const) {
      for (const model of findProvider({ providerId: theirs })!.models) {
        for (const input of [20_000, 600_000]) {
          const usage = {
            inputTokens: input,
            cachedInputTokens: input / 4,
            cacheWriteTokens: input / 10,
            outputTokens: 3_000,
            reasoningTokens: 1_000,
            totalTokens: input + 3_000,
          };
          const c = usageCost(usage, { name: ours, model: model.id });
          if (!c.known) continue; // ids the table itself does not match (ft:…)
          const sum = c.parts.input + c.parts.cachedInput + c.parts.cacheWrite + c.parts.output + c.parts.reasoning;
          assert.equal(c.parts.other, undefined, `${model.id}: ${JSON.stringify(c.parts)}`);
          close(sum, c.total, model.id);
        }
      }
    }
  });

  it('a price override wins over the table, per model, and a bad entry is left out with a warning', () => {
    const { overrides, warnings } = parsePriceOverrides({
      'gpt-5': { input: 2, output: 20, cachedInput: 0.5 },
      'my-model': { input: 1, output: 3 },
      'bad-model': { input: 'two', output: 20 },
      'negative-model': { input: -1, output: 1 },
    });
    assert.deepEqual(Object.keys(overrides).sort(), ['gpt-5', 'my-model']);
    assert.equal(warnings.length, 2);
    assert.match(warnings.join('\n'), /"bad-model" is ignored/);
    assert.match(warnings.join('\n'), /"negative-model" is ignored/);
    const usage = {
      inputTokens: 10_000,
      cachedInputTokens: 8_000,
      cacheWriteTokens: 1_000,
      outputTokens: 500,
      reasoningTokens: 300,
      totalTokens: 10_500,
    };
    const c = known(usageCost(usage, { name: 'openai', model: 'gpt-5' }, { overrides }));
    assert.equal(c.table, OVERRIDE_TABLE);
    // Cache writes without a price of their own cost the input price.
    close(c.total, (1_000 * 2 + 8_000 * 0.5 + 1_000 * 2 + 500 * 20) / 1e6);
    // A model the table does not know is priced by its override.
    close(
      known(usageCost(usage, { name: 'somewhere', model: 'my-model' }, { overrides })).total,
      (10_000 * 1 + 500 * 3) / 1e6,
    );
    assert.deepEqual(parsePriceOverrides([1, 2]).overrides, {});
    assert.equal(parsePriceOverrides([1, 2]).warnings.length, 1);
    assert.deepEqual(parsePriceOverrides(undefined), { overrides: {}, warnings: [] });
  });

  it('declares the langswarmSessions.prices setting with the fields the core reads', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const setting = manifest.contributes.configuration.properties['langswarmSessions.prices'];
    const entry = setting.additionalProperties as { properties: object; required: string[] };
    assert.deepEqual(Object.keys(entry.properties).sort(), Object.keys(PriceOverride.shape).sort());
    assert.deepEqual(
      entry.required.sort(),
      Object.entries(PriceOverride.shape)
        .filter(([, v]) => !v.safeParse(undefined).success)
        .map(([k]) => k)
        .sort(),
    );
    assert.equal(setting.scope, 'application');
  });

  it('sums a session; a session with unpriced replies is partly unknown with the known sum and their count', async () => {
    const m = await SessionManager.open(tempDb());
    try {
      const s = await m.create({ provider: 'openai', model: 'gpt-5' });
      const usage = { inputTokens: 1_000, outputTokens: 100, totalTokens: 1_100 };
      await m.addMessages(s.id, [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'a', usage, provider: { name: 'openai', model: 'gpt-5' } },
        { role: 'assistant', content: 'b', usage, provider: { name: 'anthropic', model: 'claude-opus-4-5' } },
        { role: 'assistant', content: 'c', usage, provider: { name: 'openai', model: 'gpt-nope' } },
        { role: 'assistant', content: 'd', usage },
      ]);
      const records = await m.usages(s.id);
      assert.equal(records.length, 4, 'the user message has no usage');
      const t = totalCost(records);
      const gpt5 = tablePrices('openai', 'gpt-5');
      const opus = tablePrices('anthropic', 'claude-opus-4-5');
      const knownSum =
        (1_000 * gpt5['input_mtok']! +
          100 * gpt5['output_mtok']! +
          1_000 * opus['input_mtok']! +
          100 * opus['output_mtok']!) /
        1e6;
      assert.equal(t.state, 'partly unknown');
      close(t.total, knownSum);
      assert.equal(t.priced, 2);
      assert.equal(t.unpriced, 2);
      assert.equal(t.tokens.input, 4_000);
      assert.deepEqual(t.tables, [PRICE_TABLE]);
      const byModel = costBy(records, modelKey);
      assert.deepEqual(
        [...byModel.keys()],
        ['openai/gpt-5', 'anthropic/claude-opus-4-5', 'openai/gpt-nope', '(no provider recorded)'],
      );
      assert.equal(byModel.get('openai/gpt-nope')!.state, 'unknown');
      assert.equal(totalCost([]).state, 'no usage');
    } finally {
      await m.close();
    }
  });
});
