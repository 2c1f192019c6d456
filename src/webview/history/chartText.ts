// The chart's words and numbers: a turn's readout (the chart's tooltip) and the formats of its axes and legend.
import type { TurnSeries } from '../../protocol';
import { formatNumber } from '../shared/dom';

/** Every number of one turn, on one line. */
export function turnText(s: TurnSeries, i: number): string {
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatNumber(v));
  const parts = [`Turn ${i + 1}`, s.model[i]!, new Date(s.at[i]!).toLocaleString()];
  if (s.outcome[i] !== 'ok') parts.push(s.outcome[i] === 'error' ? 'failed' : 'stopped');
  if (s.input[i] === null) parts.push('no token usage recorded');
  else {
    const cache = [
      s.cachedInput[i] ? `${n(s.cachedInput[i])} cached` : '',
      s.cacheWrite[i] ? `${n(s.cacheWrite[i])} written to cache` : '',
    ].filter(Boolean);
    parts.push(`in ${n(s.input[i])}${cache.length ? ` (${cache.join(', ')})` : ''}`);
    parts.push(`out ${n(s.output[i])}${s.reasoning[i] ? ` (${n(s.reasoning[i])} reasoning)` : ''}`);
  }
  const window = s.contextWindow[i];
  if (window && s.input[i] !== null) parts.push(`${percent(s.input[i]! / window)} of ${compact(window)} window`);
  const cost = s.cost[i];
  parts.push(cost !== null && cost !== undefined ? usd(cost) : `price unknown (${s.reasons[s.costUnknown[i]!] ?? ''})`);
  if (s.latencyMs[i] !== null) {
    const first = s.firstTokenMs[i];
    parts.push(`${seconds(s.latencyMs[i]! / 1000)}${first !== null ? ` (first token ${seconds(first! / 1000)})` : ''}`);
  }
  if (s.trimmedTurns[i])
    parts.push(`history trimmed: ${s.trimmedTurns[i]} oldest turn${s.trimmedTurns[i] === 1 ? '' : 's'} left out`);
  if (s.droppedItems[i])
    parts.push(`${s.droppedItems[i]} item${s.droppedItems[i] === 1 ? '' : 's'} of another provider left out`);
  return parts.join(' · ');
}

/** The largest value (0 when none), without spreading 50,000 arguments. */
export function largest(values: ReadonlyArray<number | null>): number {
  let max = 0;
  for (const v of values) if (v !== null && v > max) max = v;
  return max;
}

export const toSeconds = (ms: number | null) => (ms === null ? null : ms / 1000);
export const compact = (v: number) =>
  v >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : String(+v.toFixed(0));
export const usd = (v: number) =>
  v === 0 ? '$0' : v >= 1 ? `$${v.toFixed(2)}` : v >= 0.0001 ? `$${v.toFixed(4)}` : `$${v.toPrecision(2)}`;
/** Axis ticks: as few digits as tell them apart ($0.05, $0.2, $12). */
export const usdTick = (v: number) => (v === 0 ? '$0' : `$${+v.toPrecision(2)}`);
export const seconds = (v: number) => (v >= 10 ? `${v.toFixed(0)} s` : `${+v.toFixed(2)} s`);
export const percent = (f: number) => (f >= 0.1 ? `${(f * 100).toFixed(0)}%` : `${+(f * 100).toFixed(1)}%`);

/** A theme colour with `alpha` (the variables are #rrggbb or #rrggbbaa; anything else is used as it is). */
export function fade(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(colour);
  if (!m) return colour;
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return `#${m[1]}${a}`;
}
