// A tiny table printer for `npm run bench`: numbers, targets and ratios, printed and saved as JSON.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Row {
  suite: string;
  metric: string;
  value: number;
  unit: string;
  /** e.g. "<= 0.5 ms"; `met` says whether the value meets it. */
  target?: string;
  met?: boolean;
  note?: string;
}

export class Report {
  readonly rows: Row[] = [];

  add(row: Row): void {
    this.rows.push(row);
    const target = row.target && !SMOKE ? `  target ${row.target} ${row.met ? 'OK' : 'MISSED'}` : '';
    console.log(
      `  ${row.metric.padEnd(58)} ${format(row.value).padStart(12)} ${row.unit.padEnd(6)}${target}${row.note ? `  (${row.note})` : ''}`,
    );
  }

  save(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({ date: new Date().toISOString(), node: process.version, rows: this.rows }, null, 2),
    );
  }
}

function format(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  return n >= 10 ? n.toFixed(1) : n.toFixed(3);
}

/**
 * `--smoke` (the last step of `npm test`): every suite at 1/50 of its size, only to prove the benchmarks still run
 * against today's code; its numbers mean nothing and go to their own file.
 */
export const SMOKE = process.argv.includes('--smoke');
export const scaled = (n: number): number => (SMOKE ? Math.max(1, Math.ceil(n / 50)) : n);

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function time<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}
