// `cost SESSION|--all [--by model|day] [--json]`: what the stored replies cost, priced with the bundled table.
import {
  CostTotal,
  PRICE_TABLE,
  UsageRecord,
  costBy,
  describeTotal,
  formatUsd,
  modelKey,
  totalCost,
} from '../core/cost';
import { CoreError } from '../core/errors';
import type { Command, Output } from './command';
import { str } from './command';
import { pricesArg, pricesOption } from './prices';

const GROUPINGS = { model: modelKey, day: (r: UsageRecord) => `${r.createdAt.slice(0, 10)} UTC` } as const;
type Grouping = keyof typeof GROUPINGS;

function printTotal(out: Output, label: string, t: CostTotal): void {
  out.line(`${label}${describeTotal(t)}`);
  if (t.priced > 0) {
    const p = t.parts;
    const parts = [
      `input ${formatUsd(p.input)}`,
      `cached input ${formatUsd(p.cachedInput)}`,
      `cache write ${formatUsd(p.cacheWrite)}`,
      `output ${formatUsd(p.output)}`,
      `reasoning ${formatUsd(p.reasoning)}`,
      ...(p.other ? [`other ${formatUsd(p.other)}`] : []),
    ];
    out.line(`  ${parts.join(' · ')}`);
  }
  const k = t.tokens;
  out.line(
    `  tokens: input ${k.input} (cached ${k.cachedInput}, cache write ${k.cacheWrite}) · output ${k.output} (reasoning ${k.reasoning})`,
  );
  for (const [reason, n] of Object.entries(t.unknownReasons)) out.line(`  price unknown for ${n}: ${reason}`);
}

export const costCommand = {
  usage:
    'cost SESSION|--all [--by model|day] [--json] [--prices FILE]   (USD, from the usage stored with each reply; days in UTC; --prices or $LANGSWARM_PRICES: per-model prices that win over the table)',
  options: { all: { type: 'boolean' }, by: { type: 'string' }, json: { type: 'boolean' }, ...pricesOption },
  parse([sessionId, ...extra], v) {
    const all = v['all'] === true;
    if (all === (sessionId !== undefined) || extra.length)
      throw new CoreError('InvalidInput', 'Give one SESSION, or --all for every session.');
    const by = str(v['by']);
    if (by !== undefined && !Object.hasOwn(GROUPINGS, by))
      throw new CoreError('InvalidInput', `Unknown --by "${by}"; use model or day.`);
    const grouping = by as Grouping | undefined;
    const { overrides, source } = pricesArg(v);
    return {
      database: 'read',
      async run(m, out) {
        const records = m.usages(all ? undefined : sessionId);
        const total = totalCost(records, overrides);
        const groups = grouping
          ? [...costBy(records, GROUPINGS[grouping], overrides)].sort(([a], [b]) => a.localeCompare(b))
          : [];
        if (v['json']) {
          return out.json({
            scope: all ? { all: true } : { session: sessionId },
            priceTable: PRICE_TABLE,
            ...(source ? { priceOverrides: { file: source, models: Object.keys(overrides) } } : {}),
            ...jsonTotal(total),
            ...(grouping ? { by: grouping, groups: groups.map(([key, t]) => ({ key, ...jsonTotal(t) })) } : {}),
          });
        }
        printTotal(out, all ? 'all sessions: ' : `session ${sessionId}: `, total);
        for (const [key, t] of groups) printTotal(out, `${key}: `, t);
        out.line(
          `prices: ${total.tables.length ? total.tables.join(', ') : PRICE_TABLE}${source ? ` (overrides from ${source})` : ''}`,
        );
      },
    };
  },
} satisfies Command;

/** An unknown total is null, never 0: a price nobody knows is not free. */
function jsonTotal(t: CostTotal) {
  return {
    state: t.state,
    total: t.state === 'unknown' ? null : t.total,
    currency: t.currency,
    parts: t.state === 'unknown' ? null : t.parts,
    priced: t.priced,
    unpriced: t.unpriced,
    unknownReasons: t.unknownReasons,
    tokens: t.tokens,
    tables: t.tables,
  };
}
