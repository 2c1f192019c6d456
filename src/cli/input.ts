// add --jsonl: messages read from stdin, one JSON object a line, decoded strictly so that what a
// decoder would change silently is kept and said.
import { CoreError, describeError } from '../core/errors';
import type { NewMessage } from '../core/model';
import type { SessionManager } from '../core/sessions';
import { Exit, Output, warn } from './command';

/**
 * add --jsonl: one message per line of stdin, each acknowledged (its id printed) once durable. A bad
 * line is reported with its number and skipped; text that was not valid UTF-8 is kept with U+FFFD
 * and a warning.
 */
export async function addJsonl(m: SessionManager, id: string, out: Output): Exit {
  m.get(id);
  let failures = 0;
  let lineNo = 0;
  for await (const line of utf8Lines(process.stdin)) {
    lineNo += 1;
    if (!line.text.trim()) continue;
    if (line.invalidUtf8) warn(`line ${lineNo}: not valid UTF-8; the bad bytes were kept as U+FFFD.`);
    try {
      let parsed: ReturnType<typeof parseJsonLine>;
      try {
        parsed = parseJsonLine(line.text);
      } catch (e) {
        throw new CoreError('InvalidInput', `not JSON (${describeError(e)})`);
      }
      const input = parsed.value;
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new CoreError('InvalidInput', 'not a JSON object; give {"role":…,"content":…}.');
      if (!('content' in input) && !('parts' in input))
        throw new CoreError('InvalidInput', 'no "content" (or "parts"); the line was skipped.');
      if (parsed.loneSurrogates)
        warn(`line ${lineNo}: a lone surrogate (a \\ud800-\\udfff escape without its pair) was kept as U+FFFD.`);
      out.line((await m.addMessage(id, input as NewMessage)).id);
    } catch (e) {
      if (!(e instanceof CoreError) || !e.isUserError) throw e;
      failures += 1;
      process.stderr.write(`line ${lineNo}: ${e.message}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}

interface InputLine {
  text: string;
  invalidUtf8: boolean;
}

/**
 * The lines of a byte stream, decoded as UTF-8. Bytes that are not UTF-8 become U+FFFD, as a decoder
 * would make them, but the line says so, so the caller can warn instead of changing text silently.
 */
async function* utf8Lines(input: AsyncIterable<Buffer>): AsyncGenerator<InputLine> {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const lenient = new TextDecoder('utf-8');
  const decode = (bytes: Buffer): InputLine => {
    const line = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    try {
      return { text: strict.decode(line), invalidUtf8: false };
    } catch {
      return { text: lenient.decode(line), invalidUtf8: true };
    }
  };
  let carry: Buffer[] = [];
  for await (const chunk of input) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      carry.push(chunk.subarray(start, nl));
      yield decode(Buffer.concat(carry));
      carry = [];
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield decode(Buffer.concat(carry));
}

/**
 * JSON.parse, with every string (keys too) that holds a lone surrogate (a "\ud800" escape without
 * its pair) made well-formed: U+FFFD in its place, as the store would keep it, and reported.
 */
function parseJsonLine(text: string): { value: unknown; loneSurrogates: boolean } {
  let loneSurrogates = false;
  const value: unknown = JSON.parse(text, function (this: Record<string, unknown>, key, v: unknown) {
    let fixed = v;
    if (typeof v === 'string' && !v.isWellFormed()) {
      loneSurrogates = true;
      fixed = v.toWellFormed();
    }
    if (!key.isWellFormed()) {
      loneSurrogates = true;
      this[key.toWellFormed()] = fixed;
      return undefined;
    }
    return fixed;
  });
  return { value, loneSurrogates };
}
