// What people type for a session's model parameters, checked before it reaches the core, free of vscode: the input
// boxes of Set Model Parameters…, and the text of its JSON document (parameterDocuments.ts).
import { CoreError, describeError } from '../../core/errors';
import type { ModelParameters } from '../../core/model';
import { MAX_OUTPUT_TOKENS_LIMIT, MAX_TEMPERATURE } from '../../core/names';

/** What the input boxes accept: a number in range, or nothing (the provider's default). */
export function checkTemperature(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n <= MAX_TEMPERATURE
    ? undefined
    : `A temperature is a number from 0 to ${MAX_TEMPERATURE} (or empty for the provider's default).`;
}

export function checkMaxTokens(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_OUTPUT_TOKENS_LIMIT
    ? undefined
    : `Max output tokens is a whole number from 1 to ${MAX_OUTPUT_TOKENS_LIMIT} (or empty for the provider's default).`;
}

/** The document's text: the parameters, or an empty object for none (stored ones that cannot be used read as none). */
export function parametersText(parameters: ModelParameters | undefined): string {
  return `${JSON.stringify(parameters ?? {}, null, 2)}\n`;
}

/** The parameters a saved document holds, or a sentence saying at which line and column its JSON breaks. */
export function parseParametersText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 says "… in JSON at position N": an editor's user wants the line and column.
    const message = describeError(e);
    const at = /\s*in JSON at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new CoreError(
      'InvalidInput',
      `The model parameters are not valid JSON${where}: ${at ? message.replace(at[0], '') : message}. Nothing was saved; fix it and save again.`,
    );
  }
}
