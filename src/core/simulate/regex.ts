// Regular expressions of scenario files run on RE2 (re2js: linear time in the input), so no pattern a file
// holds can make a run hang on a long reply. RE2 has no look-around or back-references; (?i), (?s), (?m) are flags.
import { RE2JS } from 're2js';
import { describeError } from '../errors';

/** A compiled RE2 pattern, or the sentence why `pattern` is not one. */
export function compileRegex(pattern: string): RE2JS | string {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    return `"${pattern.slice(0, 200)}" is not an RE2 regular expression: ${describeError(e)}`;
  }
}
