// JSON as Python's json module writes it (LangSwarm saved with json.dump): read it without losing
// anything, and write it back the same way.
//
// Python writes bare NaN, Infinity and -Infinity, which JSON.parse rejects; floats with an integral
// value keep their ".0" (1.0 is not 1 to Python); integers have no size limit. A JS number carries
// none of these exactly, so the parser returns them as "specials": the original token by JSON
// pointer, kept beside the value so the writer can put it back. Everything else is plain JSON.
import { CoreError } from '../errors';

/** Number tokens a JS number cannot carry exactly, by JSON pointer (RFC 6901) within the value. */
export type Specials = Record<string, string>;

export interface ParsedJson {
  value: unknown;
  /** Undefined when there are none (the common case). */
  specials: Specials | undefined;
}

/** Parses Python-written JSON. Throws ImportRejected with the position of the first error. */
export function parsePythonJson(text: string): ParsedJson {
  // Fast path: JSON.parse is exact unless a token outside strings needs care.
  if (!needsCare(text)) {
    try {
      return { value: JSON.parse(text), specials: undefined };
    } catch {
      // fall through for the positioned error message
    }
  }
  return new Parser(text).parseDocument();
}

export function pointerToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Specials under `prefix` (a pointer), re-rooted there; and the rest. */
export function splitSpecials(
  specials: Specials | undefined,
  prefix: string,
): { inside: Specials | undefined; outside: Specials | undefined } {
  if (!specials) return { inside: undefined, outside: undefined };
  let inside: Specials | undefined;
  let outside: Specials | undefined;
  for (const [pointer, token] of Object.entries(specials)) {
    if (pointer.startsWith(`${prefix}/`)) (inside ??= {})[pointer.slice(prefix.length)] = token;
    else (outside ??= {})[pointer] = token;
  }
  return { inside, outside };
}

/** Specials re-rooted under `prefix`. */
export function prefixSpecials(specials: Specials | undefined, prefix: string): Specials | undefined {
  if (!specials) return undefined;
  return Object.fromEntries(Object.entries(specials).map(([p, t]) => [`${prefix}${p}`, t]));
}

// ---- reading --------------------------------------------------------------------------------

/** Index just after the string that starts at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let k = quote - 1; text.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

const isNumberChar = (c: number) => (c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 69 || c === 101;

/** A number token JSON.parse would not read back exactly. */
function isSpecialNumber(token: string): boolean {
  const value = Number(token);
  if (/[.eE]/.test(token)) return Number.isInteger(value) || !Number.isFinite(value);
  return !Number.isSafeInteger(value);
}

/** True when a token outside strings is NaN/Infinity or a number JSON.parse would change. */
function needsCare(text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(text, i);
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      if (j === i + 1 && c === 45) return true; // "-Infinity"
      if (isSpecialNumber(text.slice(i, j))) return true;
      i = j;
    } else if (c === 78 || c === 73) {
      return true; // NaN, Infinity
    } else {
      i++;
    }
  }
  return false;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  private i = 0;
  private readonly path: string[] = [];
  private specials: Specials | undefined;

  constructor(private readonly text: string) {}

  parseDocument(): ParsedJson {
    const value = this.value();
    this.space();
    if (this.i < this.text.length) this.fail('unexpected text after the end');
    return { value, specials: this.specials };
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.i];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      case 'N':
        return this.special('NaN', NaN);
      case 'I':
        return this.special('Infinity', Infinity);
      case '-':
        return this.text[this.i + 1] === 'I' ? this.special('-Infinity', -Infinity) : this.number();
      default:
        return this.number();
    }
  }

  private object(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') this.fail('expected a key');
      const key = this.string();
      this.space();
      if (this.text[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.path.push(pointerToken(key));
      // defineProperty: a "__proto__" key must become a plain property, as with JSON.parse.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.path.pop();
      this.space();
      const c = this.text[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'", -1);
    }
  }

  private array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.path.push(String(out.length));
      out.push(this.value());
      this.path.pop();
      this.space();
      const c = this.text[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'", -1);
    }
  }

  private string(): string {
    const start = this.i;
    const end = stringEnd(this.text, start);
    if (end > this.text.length || this.text[end - 1] !== '"' || end === start + 1) this.fail('unterminated string');
    this.i = end;
    const token = this.text.slice(start, end);
    if (token.indexOf('\\') < 0 && !/[\u0000-\u001f]/.test(token)) return token.slice(1, -1);
    try {
      return JSON.parse(token) as string;
    } catch {
      return this.fail('invalid string', start - this.i);
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.i)) this.fail('unexpected token');
    this.i += word.length;
    return value;
  }

  private special(word: string, value: number): number {
    this.literal(word, value);
    this.record(word);
    return value;
  }

  private number(): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('unexpected token');
    this.i += m[0].length;
    if (isSpecialNumber(m[0])) this.record(m[0]);
    return Number(m[0]);
  }

  private record(token: string): void {
    (this.specials ??= {})[this.path.length ? `/${this.path.join('/')}` : ''] = token;
  }

  private space(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      this.i++;
    }
  }

  private fail(what: string, back = 0): never {
    const at = Math.max(0, Math.min(this.i + back, this.text.length));
    const line = this.text.slice(0, at).split('\n').length;
    const near = this.text.slice(at, at + 20).replace(/\s+/g, ' ');
    throw new CoreError(
      'ImportRejected',
      `Not valid JSON: ${what} at line ${line}, character ${at + 1}${near ? ` (near "${near}")` : ' (the text ends there)'}.`,
      { offset: at },
    );
  }
}

// ---- writing --------------------------------------------------------------------------------

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string as json.dumps(ensure_ascii=True) writes it: every non-ASCII UTF-16 unit as \uXXXX. */
function pyString(s: string): string {
  return `"${s.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** A number as Python writes it: ints as digits, floats as repr() does (shortest, with ".0" or "e+XX"). */
export function pyNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v === 0 ? 0 : v) : BigInt(v).toString();
  // toExponential() gives the shortest round-trip digits, as repr() does; only the layout differs.
  const [mantissa = '', exponent = '0'] = v.toExponential().split('e');
  const exp = Number(exponent);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = v < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
}

/** Whether a value read back from storage still is the special token's number (NaN/Infinity come back as null). */
function stillSpecial(v: unknown, token: string): boolean {
  const n = Number(token);
  if (!Number.isFinite(n))
    return v === null || (typeof v === 'number' && (Number.isNaN(n) ? Number.isNaN(v) : v === n));
  return typeof v === 'number' && v === n;
}

/**
 * Writes `value` as Python's json.dumps does by default (", " and ": " separators, ASCII only,
 * NaN/Infinity allowed), putting special tokens back where the value is unchanged.
 */
export function dumpPythonJson(value: unknown, specials?: Specials): string {
  const out: string[] = [];
  const write = (v: unknown, pointer: string | undefined): void => {
    const special = pointer !== undefined ? specials?.[pointer] : undefined;
    if (special !== undefined && stillSpecial(v, special)) {
      out.push(special);
      return;
    }
    if (v === null || v === undefined) {
      out.push('null');
      return;
    }
    switch (typeof v) {
      case 'string':
        out.push(pyString(v));
        return;
      case 'number':
        out.push(pyNumber(v));
        return;
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
      case 'bigint':
        out.push(v.toString());
        return;
      default:
        break;
    }
    if (Array.isArray(v)) {
      out.push('[');
      v.forEach((item, i) => {
        if (i > 0) out.push(', ');
        write(item, pointer === undefined ? undefined : `${pointer}/${i}`);
      });
      out.push(']');
      return;
    }
    out.push('{');
    let first = true;
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (item === undefined) continue;
      if (!first) out.push(', ');
      first = false;
      out.push(pyString(k), ': ');
      write(item, pointer === undefined ? undefined : `${pointer}/${pointerToken(k)}`);
    }
    out.push('}');
  };
  write(value, specials && Object.keys(specials).length ? '' : undefined);
  return out.join('');
}
