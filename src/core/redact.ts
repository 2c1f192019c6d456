// Secret redaction for state dumps (docs/REDACTION_NOTES.md says what is found and why this way; the
// shapes are in redact-shapes.ts).
// Three layers, each replacing a secret by a visible `[REDACTED:kind]` marker, counted by kind:
// - shapes: the scanner rules of secretlint's recommended preset (GitHub, Slack, AWS, private keys,
//   database URLs, … kept up to date upstream), this product's own providers' keys, and a few shapes no
//   vendor rule covers (JWTs, Bearer/Basic credentials, passwords in URLs, PEM blocks without an end);
// - names: values under credential-like names (`password`, `client_secret`, `x-api-key`, …), as object
//   keys and as `name=value`, `"name": "value"` or `Name: value` in text;
// - decodings: every text is also scanned percent-decoded and with line breaks inside a token removed,
//   so a secret after `%3D` or wrapped over two lines is found where it is written.
// Object keys are redacted like values, and JSON held in a string (tool-call arguments) is redacted as data.
import { Add, OWN_SHAPES, PresetScanner, RANK, Shape, customShape, looksRandom } from './redact-shapes';

/** A user-configured pattern: a regular expression source, optionally named (the marker's kind). */
export type RedactionPattern = string | { name?: string; pattern: string; flags?: string };

export const MARKER_PREFIX = '[REDACTED:';
const marker = (kind: string) => `${MARKER_PREFIX}${kind}]`;

/** A range of the scanned text to redact; the lowest rank names the kind when ranges overlap. */
interface Finding {
  start: number;
  end: number;
  kind: string;
  label: string;
  rank: number;
}

// ---- names ------------------------------------------------------------------------------------

/** Compared lower-case with separators removed: `client_secret`, `Client-Secret`, `clientSecret` alike. */
const CREDENTIAL_NAME = new RegExp(
  '^(?:auth|pass|pwd|cookie|setcookie|credentials?' +
    '|.*(?:password|passwd|passphrase|secret|token|apikey|accesskey|accesskeyid|secretkey|privatekey|authorization|authkey|signingkey|credentials?))$',
);

export function isCredentialName(name: string): boolean {
  return name.length <= 128 && CREDENTIAL_NAME.test(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

const nameKind = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'credential';

/** `name = value`, `"name": "value"`, `Name: value`, `name => value`, also with JSON-escaped quotes. The
 * separator comes first and the name is looked for behind it: scanning from every letter is slow. */
const SEPARATOR_AFTER_NAME =
  /(=>|[:=])(?<=(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.-]{0,63})(\\?["']|)[ \t]*(?:=>|[:=]))[ \t]*/g;
const UNQUOTED_VALUE = /[^\s"'`,;&<>(){}[\]\\]{1,4096}/y;
const SCHEME = /^(?:Bearer|Basic|Token|Digest)$/i;

function scanNames(text: string, found: (start: number, end: number, name: string) => void): void {
  SEPARATOR_AFTER_NAME.lastIndex = 0;
  for (let m = SEPARATOR_AFTER_NAME.exec(text); m; m = SEPARATOR_AFTER_NAME.exec(text)) {
    const [, separator, name, nameQuote] = m as unknown as [string, string, string, string];
    if (!isCredentialName(name)) continue;
    // A closing quote after the name needs its opening one before it.
    const nameStart = text.lastIndexOf(name + nameQuote, m.index);
    if (nameQuote && text.slice(nameStart - nameQuote.length, nameStart) !== nameQuote) continue;
    let at = m.index + m[0].length;
    let value: [number, number] | undefined;
    const quote = text.startsWith('\\"', at) ? '\\"' : text[at] === '"' || text[at] === "'" ? text[at]! : '';
    if (quote) {
      const close = text.slice(at + quote.length, at + quote.length + 4096).indexOf(quote);
      const stop = close < 0 ? lineEnd(text, at) : at + quote.length + close;
      value = [at + quote.length, stop];
      // "Bearer abc": the credential is what follows the scheme.
      const scheme = /^(?:Bearer|Basic|Token|Digest)\s+/i.exec(text.slice(value[0], Math.min(stop, value[0] + 16)));
      if (scheme) value[0] += scheme[0].length;
    } else {
      UNQUOTED_VALUE.lastIndex = at;
      let v = UNQUOTED_VALUE.exec(text);
      if (v && SCHEME.test(v[0])) {
        at += v[0].length;
        while (text[at] === ' ' || text[at] === '\t') at++;
        UNQUOTED_VALUE.lastIndex = at;
        v = UNQUOTED_VALUE.exec(text);
      } else if (v && !nameQuote && separator === ':' && !looksRandom(v[0])) continue;
      if (v) value = [at, at + v[0].length];
    }
    if (!value || value[1] <= value[0] || text.startsWith(MARKER_PREFIX, value[0])) continue;
    found(value[0], value[1], name);
    // What is inside a value is not looked at again (`a=b=c=…` stays linear).
    SEPARATOR_AFTER_NAME.lastIndex = Math.max(SEPARATOR_AFTER_NAME.lastIndex, value[1]);
  }
}

const lineEnd = (text: string, from: number) => {
  const i = text.slice(from, from + 4096).search(/[\r\n]/);
  return i < 0 ? Math.min(text.length, from + 4096) : from + i;
};

let preset: PresetScanner | undefined;

// ---- decoded views of a text ------------------------------------------------------------------

/** A text to scan, with where each of its characters came from in the original (null: the original). */
interface View {
  text: string;
  from: Int32Array | null;
  to: Int32Array | null;
}

/** A line break (and the next line's indent) between two runs of token characters, 16 or more in all. */
const WRAP = /\r?\n[ \t]*/g;
const TOKEN_CHAR = /[A-Za-z0-9+/=_-]/;
const TOKEN_RUN_AFTER = /[A-Za-z0-9+/=_-]{0,16}/y;
const TOKEN_RUN_BEFORE = /[A-Za-z0-9+/=_-]{0,16}$/;

function views(text: string): View[] {
  const bases: View[] = [{ text, from: null, to: null }];
  if (/%[0-9A-Fa-f]{2}/.test(text))
    bases.push(
      derive(bases[0]!, (t, keep) => {
        for (let i = 0; i < t.length; ) {
          const hex = /^%[0-9A-Fa-f]{2}/.test(t.slice(i, i + 3));
          keep(hex ? String.fromCharCode(parseInt(t.slice(i + 1, i + 3), 16)) : t[i]!, i, hex ? i + 3 : i + 1);
          i += hex ? 3 : 1;
        }
      }),
    );
  const out = [...bases];
  // A secret wrapped over lines: one view without any of the wraps (a long token over many lines), and two
  // without every other one, so a key of fixed length over two lines is whole in one of them while a word
  // on the line after it stays apart.
  for (const v of bases) {
    const wraps: Array<[number, number]> = [];
    for (const m of v.text.matchAll(WRAP)) {
      const [start, end] = [m.index, m.index + m[0].length];
      if (!TOKEN_CHAR.test(v.text[start - 1] ?? '') || !TOKEN_CHAR.test(v.text[end] ?? '')) continue;
      TOKEN_RUN_AFTER.lastIndex = end;
      const before = TOKEN_RUN_BEFORE.exec(v.text.slice(Math.max(0, start - 16), start))![0].length;
      if (before + TOKEN_RUN_AFTER.exec(v.text)![0].length >= 16) wraps.push([start, end]);
    }
    const without = (removed: Array<[number, number]>) =>
      derive(v, (t, keep) => {
        let w = 0;
        for (let i = 0; i < t.length; i++) {
          if (w < removed.length && i === removed[w]![0]) {
            i = removed[w++]![1] - 1;
            continue;
          }
          keep(t[i]!, i, i + 1);
        }
      });
    if (wraps.length > 0) out.push(without(wraps));
    if (wraps.length > 1)
      out.push(without(wraps.filter((_, i) => i % 2 === 0)), without(wraps.filter((_, i) => i % 2 === 1)));
  }
  return out;
}

/** The preset's rules that start with `\b` (AWS key ids, Slack tokens) miss `DEPLOY_AKIA…`: what follows each
 * `_` up to the next `_` or space, each after a space. Undefined when no `_` is followed by a letter or digit. */
function afterUnderscores(v: View): View | undefined {
  if (!/_[A-Za-z0-9]/.test(v.text)) return undefined;
  return derive(v, (t, keep) => {
    for (const m of t.matchAll(/_(?=[A-Za-z0-9])/g)) {
      keep(' ', m.index, m.index + 1);
      for (let i = m.index + 1; i < t.length && t[i] !== '_' && !/\s/.test(t[i]!); i++) keep(t[i]!, i, i + 1);
    }
  });
}

/** A view made from another: `build` calls keep(chars, start, end) with positions in the parent's text. */
function derive(
  parent: View,
  build: (text: string, keep: (chars: string, start: number, end: number) => void) => void,
): View {
  const chars: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  build(parent.text, (c, start, end) => {
    chars.push(c);
    from.push(parent.from ? parent.from[start]! : start);
    to.push(parent.to ? parent.to[end - 1]! : end);
  });
  return { text: chars.join(''), from: Int32Array.from(from), to: Int32Array.from(to) };
}

const original = (v: View, start: number, end: number): [number, number] => [
  v.from ? v.from[start]! : start,
  v.to ? v.to[end - 1]! : end,
];

// ---- the redactor -----------------------------------------------------------------------------

/** Strings only the user's own patterns are looked for in: a UUID, a timestamp, a number, one short word
 * (the shortest shape known, an AWS key id, has 20 characters; names need a separator). */
const CANNOT_HOLD_SECRET =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)?|-?\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9_. -]{0,11})$/i;
const MEMO_MAX_CHARS = 256;
const MEMO_MAX_ENTRIES = 20_000;

/** The most a JSON text in a string may have to be redacted as data (beyond it, as text). */
const MAX_EMBEDDED_JSON = 4 * 1024 * 1024;

/** A redacted copy of plain JSON data, with what the Redactor reports about it. */
export interface Redaction {
  value: unknown;
  counts: Record<string, number>;
  summary: string;
}

/** Redacts plain JSON data with a new Redactor: the one rule for a dump, run in the CLI's thread or, in the
 * editor, in the store's worker thread, where the dump is made (worker/dumps.ts), so a large dump never blocks the host. */
export function redact(value: unknown, patterns: readonly RedactionPattern[]): Redaction {
  const redactor = new Redactor(patterns);
  return { value: redactor.value(value), counts: redactor.counts, summary: redactor.summary() };
}

/** Replaces secrets in strings and object keys of JSON data, counting replacements by kind. */
export class Redactor {
  readonly counts: Record<string, number> = {};
  /** What each kind is called in the summary: the most specific rule's word for it. */
  private readonly labels = new Map<string, { label: string; rank: number }>();
  private readonly custom: Shape[];
  private readonly memo = new Map<string, { out: string; found: Finding[] }>();

  constructor(patterns: readonly RedactionPattern[] = []) {
    this.custom = patterns.map(customShape);
    preset ??= new PresetScanner();
  }

  /** A redacted deep copy of `value` (plain JSON data). `key` is the name it is held under. */
  value(value: unknown, key?: string): unknown {
    if (key !== undefined && isCredentialName(key))
      return this.credential(value, nameKind(key), `"${nameKind(key)}" value`);
    if (typeof value === 'string') return this.string(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value !== null && typeof value === 'object')
      return this.object(value as Record<string, unknown>, (v, k) => this.value(v, k));
    return value;
  }

  /** `text` with every secret replaced by a visible marker. */
  text(text: string): string {
    // A dump repeats many short strings (roles, ids, models): each is scanned once.
    const known = this.memo.get(text);
    if (known) {
      for (const f of known.found) this.count(f.kind, f.label, f.rank);
      return known.out;
    }
    const findings = CANNOT_HOLD_SECRET.test(text) ? this.findCustom(text) : this.find(text);
    findings.sort((a, b) => a.start - b.start || a.rank - b.rank);
    let out = '';
    let at = 0;
    const found: Finding[] = [];
    for (let i = 0; i < findings.length; ) {
      const first = findings[i]!;
      let { end } = first;
      let named = first;
      for (i++; i < findings.length && findings[i]!.start < end; i++) {
        end = Math.max(end, findings[i]!.end);
        if (findings[i]!.rank < named.rank) named = findings[i]!;
      }
      out += text.slice(at, first.start) + this.count(named.kind, named.label, named.rank);
      found.push(named);
      at = end;
    }
    out += text.slice(at);
    if (text.length <= MEMO_MAX_CHARS) {
      if (this.memo.size >= MEMO_MAX_ENTRIES) this.memo.clear();
      this.memo.set(text, { out, found });
    }
    return out;
  }

  /** "3 secrets redacted: 1 GitHub token, 2 AWS access key IDs", or "No secrets found." */
  summary(): string {
    const entries = Object.entries(this.counts);
    const total = entries.reduce((n, [, c]) => n + c, 0);
    if (total === 0) return 'No secrets found.';
    const kinds = entries
      .sort(([, a], [, b]) => b - a)
      .map(([kind, n]) => `${n} ${plural(this.labels.get(kind)?.label ?? kind, n)}`);
    return `${total} secret${total === 1 ? '' : 's'} redacted: ${kinds.join(', ')}`;
  }

  private findCustom(text: string): Finding[] {
    const findings: Finding[] = [];
    for (const shape of this.custom)
      shape.scan(text, (start, end) => {
        if (end > start) findings.push({ start, end, kind: shape.kind, label: shape.label, rank: shape.rank });
      });
    return findings;
  }

  private find(text: string): Finding[] {
    const findings: Finding[] = [];
    for (const v of views(text)) {
      const push =
        (kind: string, label: string, rank: number): Add =>
        (start, end) => {
          if (end <= start) return;
          const [s, e] = original(v, start, end);
          if (!text.startsWith(MARKER_PREFIX, s)) findings.push({ start: s, end: e, kind, label, rank });
        };
      for (const shape of [...OWN_SHAPES, ...this.custom])
        shape.scan(v.text, push(shape.kind, shape.label, shape.rank));
      scanNames(v.text, (start, end, name) => push(nameKind(name), `"${nameKind(name)}" value`, RANK.name)(start, end));
      preset!.scan(v.text, (start, end, kind, label) => push(kind, label, RANK.vendor)(start, end));
      const after = afterUnderscores(v);
      if (after) {
        const pushAfter =
          (kind: string, label: string): Add =>
          (start, end) => {
            const [s, e] = original(after, start, end);
            if (e > s && !text.startsWith(MARKER_PREFIX, s))
              findings.push({ start: s, end: e, kind, label, rank: RANK.vendor });
          };
        preset!.scan(after.text, (start, end, kind, label) => pushAfter(kind, label)(start, end));
      }
    }
    return findings;
  }

  /** A string: JSON in it is redacted as data (and written back compactly only if something was found). */
  private string(value: string): string {
    if (value.length <= MAX_EMBEDDED_JSON && /^\s*[[{]/.test(value)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return this.text(value);
      }
      const before = { ...this.counts };
      try {
        const redacted = this.value(parsed);
        return sameCounts(before, this.counts) ? value : JSON.stringify(redacted);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        // Nested too deep to walk: redacted as text instead, forgetting what the walk counted.
        for (const kind of Object.keys(this.counts)) delete this.counts[kind];
        Object.assign(this.counts, before);
      }
    }
    return this.text(value);
  }

  /** A value held under a credential-like name: every string and number in it goes. */
  private credential(value: unknown, kind: string, label: string): unknown {
    if (typeof value === 'string')
      return value === '' || value.startsWith(MARKER_PREFIX) ? value : this.count(kind, label, RANK.name);
    if (typeof value === 'number') return this.count(kind, label, RANK.name);
    if (Array.isArray(value)) return value.map((v) => this.credential(v, kind, label));
    if (value !== null && typeof value === 'object')
      return this.object(value as Record<string, unknown>, (v) => this.credential(v, kind, label));
    return value;
  }

  /** Keys are redacted too (a secret can be a key); two that become the same marker stay apart. */
  private object(value: Record<string, unknown>, each: (v: unknown, key: string) => unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const redacted = this.text(k);
      let key = redacted;
      for (let n = 2; key !== k && Object.hasOwn(out, key); n++) key = `${redacted} #${n}`;
      // defineProperty: a key named __proto__ stays a key.
      Object.defineProperty(out, key, { value: each(v, k), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private count(kind: string, label: string, rank: number): string {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (rank < (this.labels.get(kind)?.rank ?? Infinity)) this.labels.set(kind, { label, rank });
    return marker(kind);
  }
}

const sameCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(b).every((kind) => a[kind] === b[kind]);

const plural = (label: string, n: number) =>
  n === 1 ? label : /(?:s|x|ch|sh)$/.test(label) ? `${label}es` : `${label}s`;
