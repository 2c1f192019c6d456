// What model calls cost, from the usage each reply stores, priced with the table bundled in
// @pydantic/genai-prices (offline: its update hook is never installed, so it never fetches).
//
// Usage as the core stores it (providers/*.ts), the same for every provider: cachedInputTokens and
// cacheWriteTokens are parts of inputTokens, reasoningTokens is part of outputTokens. OpenAI reports it
// that way; anthropic.ts adds Anthropic's separate cache reads and writes into inputTokens; gemini.ts
// adds the separate thoughtsTokenCount into outputTokens. So each token is priced once: uncached input,
// cache reads, cache writes, non-reasoning output and reasoning, which add up to input + output.
import type { MatchLogic, ModelPrice, TieredPrices } from '@pydantic/genai-prices';
import { z } from 'zod';
import { Usage } from './model';

/** Loaded on first use: evaluating its ~0.5 MB of price data takes 40–130 ms, which no other command should pay. */
let priceTable: typeof import('@pydantic/genai-prices') | undefined;
const calcPrice: typeof import('@pydantic/genai-prices').calcPrice = (...args) =>
  (priceTable ??= require('@pydantic/genai-prices') as typeof import('@pydantic/genai-prices')).calcPrice(...args);

/** The price table's name and version, recorded with every cost (test/unit/cost.test.ts checks it is the installed one). */
export const PRICE_TABLE = '@pydantic/genai-prices 0.1.8';
export const OVERRIDE_TABLE = 'price override (langswarmSessions.prices or --prices)';
const FREE_TABLE = 'replay (offline, no charge)';

/** The table's provider id for each provider the core calls; other names (imports) have no usage semantics we know. */
const TABLE_PROVIDER: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', gemini: 'google' };

export interface CostParts {
  /** Input tokens read neither from nor into the cache. */
  input: number;
  cachedInput: number;
  cacheWrite: number;
  /** Output tokens other than reasoning. */
  output: number;
  reasoning: number;
  /** What the table charges beyond tokens (a per-request fee), when it does. */
  other?: number;
}

export type Cost =
  | { known: true; total: number; parts: CostParts; currency: 'USD'; table: string }
  | { known: false; reason: string };

/** Prices in USD per million tokens; cached input and cache writes cost the input price when not given. */
export const PriceOverride = z.strictObject({
  input: z.number().finite().nonnegative(),
  output: z.number().finite().nonnegative(),
  cachedInput: z.number().finite().nonnegative().optional(),
  cacheWrite: z.number().finite().nonnegative().optional(),
  /** The model's context window in tokens, for the history browser's chart (the table's when not given). */
  contextWindow: z.number().int().positive().optional(),
});
export type PriceOverride = z.infer<typeof PriceOverride>;
export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

/** A `{ "model-id": { input, output, cachedInput?, cacheWrite? } }` setting; each bad entry is left out with a sentence why. */
export function parsePriceOverrides(value: unknown): { overrides: PriceOverrides; warnings: string[] } {
  const overrides: Record<string, PriceOverride> = {};
  const warnings: string[] = [];
  if (value === undefined || value === null) return { overrides, warnings };
  if (typeof value !== 'object' || Array.isArray(value))
    return { overrides, warnings: ['Price overrides must be an object of model ids; all of them are ignored.'] };
  for (const [model, entry] of Object.entries(value)) {
    const parsed = PriceOverride.safeParse(entry);
    if (parsed.success && model.trim()) overrides[model] = parsed.data;
    else
      warnings.push(
        `The price override for "${model}" is ignored: ${
          parsed.success ? 'the model id is empty' : z.prettifyError(parsed.error).replace(/\n+/g, ' ')
        }. Give { "input": N, "output": N, "cachedInput"?: N, "cacheWrite"?: N } in USD per million tokens (and "contextWindow"?: tokens).`,
      );
  }
  return { overrides, warnings };
}

const Producer = z.object({ name: z.string(), model: z.string().optional() });
const AnthropicRaw = z.object({
  cache_creation: z.object({ ephemeral_1h_input_tokens: z.number().int().nonnegative() }).nullish(),
});

const unknown = (reason: string): Cost => ({ known: false, reason });
/** LangSwarm V2 stored a token count per message (its own text), not what the call that made it was billed. */
const IMPORTED_COUNT =
  "its token count is LangSwarm's count of the message itself (imported), not what the call was billed";
const zeroParts = (): CostParts => ({ input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 });

/**
 * The cost of one model call: its usage as stored, the provider and model that answered (the message's
 * `provider`), and when (prices that changed on a date are taken as of then). Never a guess: an unknown
 * provider or model, or usage that does not add up, gives `known: false` with the reason.
 */
export function usageCost(
  storedUsage: unknown,
  producer: unknown,
  options: { at?: string; overrides?: PriceOverrides; imported?: boolean } = {},
): Cost {
  const usageParse = Usage.safeParse(storedUsage);
  if (!usageParse.success) return unknown('its stored usage is not valid');
  if (options.imported) return unknown(IMPORTED_COUNT);
  const usage = usageParse.data;
  const who = Producer.safeParse(producer);
  if (!who.success) return unknown('no provider is recorded for it');
  const { name, model } = who.data;
  if (name === 'replay') return { known: true, total: 0, parts: zeroParts(), currency: 'USD', table: FREE_TABLE };
  if (!model) return unknown(`no model is recorded for it (provider ${name})`);

  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  if (cached + written > usage.inputTokens || reasoning > usage.outputTokens)
    return unknown('its usage does not add up (cached or reasoning tokens exceed the input or output tokens)');
  const tokens = {
    input: usage.inputTokens - cached - written,
    cachedInput: cached,
    cacheWrite: written,
    output: usage.outputTokens - reasoning,
    reasoning,
  };

  const override = Object.hasOwn(options.overrides ?? {}, model) ? options.overrides![model] : undefined;
  if (override) {
    const perToken = {
      input: override.input,
      cachedInput: override.cachedInput ?? override.input,
      cacheWrite: override.cacheWrite ?? override.input,
      output: override.output,
      reasoning: override.output,
    };
    const parts = zeroParts();
    for (const k of Object.keys(perToken) as Array<keyof typeof perToken>) parts[k] = (tokens[k] * perToken[k]) / 1e6;
    return { known: true, total: sum(parts), parts, currency: 'USD', table: OVERRIDE_TABLE };
  }

  const providerId = TABLE_PROVIDER[name];
  if (!providerId) return unknown(`the price table has no prices for provider ${name}`);
  // Anthropic charges one-hour cache writes more than five-minute ones; only its raw usage tells them apart.
  const raw = name === 'anthropic' ? AnthropicRaw.safeParse(usage.raw) : undefined;
  const writtenForAnHour = Math.min(
    raw?.success ? (raw.data.cache_creation?.ephemeral_1h_input_tokens ?? 0) : 0,
    written,
  );
  const at = options.at ? new Date(options.at) : undefined;
  let result: ReturnType<typeof calcPrice>;
  try {
    result = calcPrice(
      {
        input_tokens: usage.inputTokens,
        cache_read_tokens: cached,
        cache_write_tokens: written,
        ...(writtenForAnHour ? { cache_write_1h_tokens: writtenForAnHour } : {}),
        output_tokens: usage.outputTokens,
        output_reasoning_tokens: reasoning,
      },
      model,
      { providerId, ...(at && !Number.isNaN(at.getTime()) ? { timestamp: at } : {}) },
    );
  } catch (e) {
    return unknown(`the price table cannot price it (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!result || isLaterVersion(result.model.match, model))
    return unknown(`model ${model} is not in the price table (${name})`);

  // The table prices the whole request at a tier's rate once the input passes its threshold.
  const price = (key: string, fallback?: number) => tierPrice(result.model_price[key], usage.inputTokens) ?? fallback;
  const input = price('input_mtok', 0)!;
  const output = price('output_mtok', 0)!;
  const cacheWrite5m = price('cache_write_mtok', input)!;
  const parts: CostParts = {
    input: tokens.input * input,
    cachedInput: cached * price('cache_read_mtok', input)!,
    cacheWrite:
      (written - writtenForAnHour) * cacheWrite5m + writtenForAnHour * price('cache_write_1h_mtok', cacheWrite5m)!,
    output: tokens.output * output,
    reasoning: reasoning * price('output_reasoning_mtok', output)!,
  };
  for (const k of Object.keys(parts) as Array<keyof CostParts>) parts[k] = parts[k]! / 1e6;
  // The table's total is the authority; what our parts do not explain (a fee per request) shows as `other`.
  const other = result.total_price - sum(parts);
  if (Math.abs(other) > 1e-12 * Math.max(1, result.total_price)) parts.other = other;
  return { known: true, total: result.total_price, parts, currency: 'USD', table: PRICE_TABLE };
}

/**
 * The context window (tokens) of the model that answered: the override's, else the price table's (by the
 * same match as prices, so a later version is not taken for its predecessor). Undefined when neither knows.
 */
export function contextWindow(producer: unknown, overrides?: PriceOverrides): number | undefined {
  const who = Producer.safeParse(producer);
  if (!who.success || !who.data.model) return undefined;
  const { name, model } = who.data;
  const override = Object.hasOwn(overrides ?? {}, model) ? overrides![model] : undefined;
  if (override?.contextWindow) return override.contextWindow;
  const providerId = TABLE_PROVIDER[name];
  if (!providerId) return undefined;
  try {
    const found = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId });
    return found && !isLaterVersion(found.model.match, model) ? found.model.context_window : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the table matched `model` only by a prefix that ends where a version number goes on: its
 * `claude-sonnet-5` prefix (meant for dated ids like `claude-sonnet-5-20260101`) also takes
 * `claude-sonnet-5-5`, a different model with its own price. That would be a guess, so it is no match.
 */
function isLaterVersion(logic: MatchLogic, model: string): boolean {
  const accepts = (l: MatchLogic, id: string): boolean => {
    if ('or' in l) return l.or.some((x) => accepts(x, id));
    if ('and' in l) return l.and.every((x) => accepts(x, id));
    if ('starts_with' in l) {
      const prefix = l.starts_with.toLowerCase();
      return id.startsWith(prefix) && !/^[-.]\d{1,2}(?!\d)/.test(id.slice(prefix.length));
    }
    if ('equals' in l) return id === l.equals.toLowerCase();
    if ('ends_with' in l) return id.endsWith(l.ends_with.toLowerCase());
    if ('contains' in l) return id.includes(l.contains.toLowerCase());
    return new RegExp(l.regex).test(id);
  };
  const id = model.toLowerCase().trim();
  // The table also tries a date written -YYYYMMDD as -YYYY-MM-DD.
  const dashedDate = id.replace(/-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g, '-$1-$2-$3');
  return !accepts(logic, id) && !accepts(logic, dashedDate);
}

function tierPrice(p: ModelPrice[string], inputTokens: number): number | undefined {
  if (p === undefined || typeof p === 'number') return p;
  const tiers = [...(p as TieredPrices).tiers].sort((a, b) => a.start - b.start);
  let rate = p.base;
  for (const t of tiers) if (inputTokens > t.start) rate = t.price;
  return rate;
}

function sum(parts: CostParts): number {
  return parts.input + parts.cachedInput + parts.cacheWrite + parts.output + parts.reasoning + (parts.other ?? 0);
}

// ---- sessions and totals ---------------------------------------------------------------------------

/** One stored reply's usage and who produced it, without its content (SessionManager.usages). */
export interface UsageRecord {
  sessionId: string;
  messageId: string;
  createdAt: string;
  provider?: unknown;
  usage: unknown;
  /** Imported from a LangSwarm file: its usage is LangSwarm's token count of the message, never priced. */
  imported?: boolean;
}

export interface TokenCounts {
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
}

export interface CostTotal {
  /** `partly unknown`: `total` is the sum of the priced messages only; `unknown`: nothing could be priced. */
  state: 'no usage' | 'known' | 'partly unknown' | 'unknown';
  total: number;
  parts: CostParts;
  currency: 'USD';
  /** Messages with usage that were priced, and that could not be. */
  priced: number;
  unpriced: number;
  /** Why messages could not be priced, and how many each. */
  unknownReasons: Record<string, number>;
  /** Tokens of every message with usage, priced or not. */
  tokens: TokenCounts;
  /** The price tables the sum used. */
  tables: string[];
}

export function emptyTotal(): CostTotal {
  return {
    state: 'no usage',
    total: 0,
    parts: zeroParts(),
    currency: 'USD',
    priced: 0,
    unpriced: 0,
    unknownReasons: {},
    tokens: { input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 },
    tables: [],
  };
}

/** Adds one message's cost and tokens to a running total. */
export function addToTotal(total: CostTotal, record: UsageRecord, overrides?: PriceOverrides): CostTotal {
  const cost = usageCost(record.usage, record.provider, { at: record.createdAt, overrides, imported: record.imported });
  const usage = Usage.safeParse(record.usage);
  if (usage.success) {
    const u = usage.data;
    total.tokens.input += u.inputTokens;
    total.tokens.cachedInput += u.cachedInputTokens ?? 0;
    total.tokens.cacheWrite += u.cacheWriteTokens ?? 0;
    total.tokens.output += u.outputTokens;
    total.tokens.reasoning += u.reasoningTokens ?? 0;
  }
  if (cost.known) {
    total.priced += 1;
    total.total += cost.total;
    for (const k of Object.keys(cost.parts) as Array<keyof CostParts>)
      total.parts[k] = (total.parts[k] ?? 0) + cost.parts[k]!;
    if (!total.tables.includes(cost.table)) total.tables.push(cost.table);
  } else {
    total.unpriced += 1;
    total.unknownReasons[cost.reason] = (total.unknownReasons[cost.reason] ?? 0) + 1;
  }
  total.state = total.unpriced === 0 ? 'known' : total.priced === 0 ? 'unknown' : 'partly unknown';
  return total;
}

/** The cost of every record together. */
export function totalCost(records: Iterable<UsageRecord>, overrides?: PriceOverrides): CostTotal {
  let total = emptyTotal();
  for (const r of records) total = addToTotal(total, r, overrides);
  return total;
}

/** Totals per key (model, day…), in the order keys first appear. */
export function costBy(
  records: Iterable<UsageRecord>,
  keyOf: (r: UsageRecord) => string,
  overrides?: PriceOverrides,
): Map<string, CostTotal> {
  const groups = new Map<string, CostTotal>();
  for (const r of records) {
    const key = keyOf(r);
    groups.set(key, addToTotal(groups.get(key) ?? emptyTotal(), r, overrides));
  }
  return groups;
}

/** `openai/gpt-5.5`; what a record names when it has no model. */
export function modelKey(r: UsageRecord): string {
  const who = Producer.safeParse(r.provider);
  if (!who.success) return '(no provider recorded)';
  return `${who.data.name}/${who.data.model ?? '(no model recorded)'}`;
}

/** US dollars, with enough digits that a cheap call does not read as $0.00. */
export function formatUsd(amount: number): string {
  if (amount === 0) return '$0.00';
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.0001) return `$${amount.toFixed(4)}`;
  return `$${amount.toPrecision(2)}`;
}

/** One line: the total and, when not all of it is known, how much is not. */
export function describeTotal(t: CostTotal): string {
  switch (t.state) {
    case 'no usage':
      return 'no usage recorded';
    case 'known':
      return formatUsd(t.total);
    case 'unknown':
      return `price unknown (${t.unpriced} ${t.unpriced === 1 ? 'message' : 'messages'} with usage)`;
    case 'partly unknown':
      return `${formatUsd(t.total)} + price unknown for ${t.unpriced} of ${t.priced + t.unpriced} messages (partly unknown)`;
  }
}
