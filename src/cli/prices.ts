// --prices FILE (else $LANGSWARM_PRICES, a file path like $LANGSWARM_SESSIONS_DB): per-model prices that win
// over the bundled table, in the shape of the langswarmSessions.prices setting. Unlike the setting, which
// leaves a bad entry out with a warning, a file given on the command line must be right as a whole: a cost
// from half of it would look right and be wrong. Every problem is reported with where it is.
import * as fs from 'node:fs';
import { z } from 'zod';
import { PriceOverride, PriceOverrides } from '../core/cost';
import { CoreError, describeError } from '../core/errors';
import { Values, str } from './command';
import { fileError } from './files';

export const pricesOption = { prices: { type: 'string' } } as const;
export const PRICES_ENV = 'LANGSWARM_PRICES';
/** A price file is a few models' numbers; anything near this is not one. */
const MAX_BYTES = 1024 * 1024;

/** The overrides the command line asks for, or none; throws a sentence naming the file and each problem. */
export function pricesArg(values: Values): { overrides: PriceOverrides; source?: string } {
  const option = str(values['prices']);
  const file = option ?? (process.env[PRICES_ENV] || undefined);
  if (file === undefined) return { overrides: {} };
  const shown = option !== undefined ? `--prices ${file}` : `$${PRICES_ENV} (${file})`;
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      if (!fs.fstatSync(fd).isFile()) throw new CoreError('InvalidInput', `${shown} is not a file.`);
      const buffer = Buffer.alloc(MAX_BYTES + 1);
      const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
      if (read > MAX_BYTES)
        throw new CoreError('InvalidInput', `${shown} is over ${MAX_BYTES / 1024 / 1024} MB: not a price file.`);
      text = buffer.subarray(0, read).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw e instanceof CoreError ? e : fileError(`read the prices in ${shown}`, e);
  }
  return { overrides: parsePriceFile(text, shown), source: file };
}

/** `{ "model-id": { input, output, cachedInput?, cacheWrite? } }` in USD per million tokens, all of it valid. */
export function parsePriceFile(text: string, shown: string): PriceOverrides {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec(describeError(e));
    const where = at ? ` at ${lineColumn(text, Number(at[1]))}` : '';
    throw new CoreError(
      'InvalidInput',
      `${shown} is not JSON${where}: ${describeError(e).replace(/ in JSON at .*$/, '')}.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CoreError('InvalidInput', `${shown} must be a JSON object of model ids, like ${EXAMPLE}.`);
  const problems: string[] = [];
  const entries: Array<[string, PriceOverride]> = [];
  for (const [model, entry] of Object.entries(value)) {
    const key = JSON.stringify(model);
    const line = lineColumn(text, text.indexOf(`${key}`)).replace(/, column.*/, '');
    if (!model.trim()) problems.push(`${line}: the model id is empty`);
    const parsed = PriceOverride.safeParse(entry);
    if (parsed.success) entries.push([model, parsed.data]);
    else
      for (const issue of parsed.error.issues)
        problems.push(`${line}: ${key}${issue.path.map((p) => `.${String(p)}`).join('')}: ${describeIssue(issue)}`);
  }
  if (problems.length)
    throw new CoreError(
      'InvalidInput',
      `${shown} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} (nothing was priced):\n  ${problems.join('\n  ')}\nEach entry is ${EXAMPLE} in USD per million tokens.`,
    );
  // fromEntries: a model named "__proto__" stays an entry.
  return Object.fromEntries(entries);
}

const EXAMPLE = '{ "model-id": { "input": N, "output": N, "cachedInput"?: N, "cacheWrite"?: N } }';

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function lineColumn(text: string, offset: number): string {
  if (offset < 0) return 'line ?';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}
