// Turns what a user types into a safe FTS4 MATCH expression.
//   words           all must match (implicit AND)
//   "exact phrase"  adjacent words
//   -word           must not match
//   last word       also matches as a prefix while typing (`prefix: true`)
// Only runs of letters, digits and marks survive (what the unicode61 tokenizer indexes), so no input
// can make the query malformed.

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const words = (text: string) => (text.match(WORD) ?? []).join(' ');

interface Term { text: string; phrase: boolean; negated: boolean }

function tokenize(query: string): Term[] {
  const terms: Term[] = [];
  const re = /(-?)"([^"]*)"?|(\S+)/g;
  for (const m of query.matchAll(re)) {
    if (m[2] !== undefined) {
      const text = words(m[2]);
      if (text) terms.push({ text, phrase: true, negated: m[1] === '-' });
    } else if (m[3] !== undefined && !/^(AND|OR|NOT|NEAR(\/\d+)?)$/.test(m[3])) {
      const negated = m[3].startsWith('-');
      const text = words(negated ? m[3].slice(1) : m[3]);
      if (text) terms.push({ text, phrase: false, negated });
    }
  }
  return terms;
}

export interface ParsedQuery {
  /** The FTS4 MATCH expression. */
  match: string;
  /** Normalised words to highlight; `prefix` ones match any word they start. */
  highlight: Array<{ word: string; prefix: boolean }>;
}

/** Returns undefined when the query has nothing to search for. */
export function parseQuery(query: string, options: { prefix?: boolean } = {}): ParsedQuery | undefined {
  const terms = tokenize(query);
  const positive = terms.filter((t) => !t.negated);
  if (positive.length === 0) return undefined;
  const last = positive[positive.length - 1];
  // A short prefix matches a large part of the vocabulary (th… = the, they, then…): slow and not
  // useful, so prefixes start at four letters; shorter words match whole.
  const isPrefix = (t: Term) => Boolean(options.prefix) && t === last && !t.phrase && t.text.length >= 4;
  const parts = positive.map((t) => `"${t.text}${isPrefix(t) ? '*' : ''}"`);
  // FTS4's standard syntax has no unary NOT; "a -b" is how it spells "a but not b".
  for (const t of terms.filter((x) => x.negated)) parts.push(`-"${t.text}"`);
  const highlight = positive.flatMap((t) => {
    const ws = t.text.split(' ').map(normalise);
    return ws.map((word, i) => ({ word, prefix: isPrefix(t) && i === ws.length - 1 }));
  });
  return { match: parts.join(' '), highlight };
}

export function toMatchExpression(query: string, options: { prefix?: boolean } = {}): string | undefined {
  return parseQuery(query, options)?.match;
}

/** Folds a word the way FTS4's unicode61 tokenizer does: lower case, without diacritics. */
function normalise(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export interface Snippet { text: string; highlights: Array<[number, number]> }

/**
 * A short passage of `text` around the first matching word, with every matching word's range.
 * Computed here rather than with FTS4's snippet(), which re-runs the whole query per row.
 */
export function makeSnippet(text: string, highlight: ParsedQuery['highlight'], maxWords = 24): Snippet {
  const words = [...text.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, norm: normalise(m[0]) }));
  const hits = words.map((w) => highlight.some((h) => (h.prefix ? w.norm.startsWith(h.word) : w.norm === h.word)));
  const first = Math.max(0, hits.indexOf(true));
  // Start a few words before the match: narrow views (a quick pick) cut the end, not the start.
  const from = Math.max(0, Math.min(first - 3, words.length - maxWords));
  const to = Math.min(words.length, from + maxWords);
  const start = from === 0 ? 0 : words[from]!.start;
  const end = to === words.length ? text.length : words[to - 1]!.end;
  const lead = start > 0 ? '…' : '';
  const body = text.slice(start, end);
  const highlights: Array<[number, number]> = [];
  for (let i = from; i < to; i++) {
    if (hits[i]) highlights.push([lead.length + words[i]!.start - start, lead.length + words[i]!.end - start]);
  }
  return { text: `${lead}${body}${end < text.length ? '…' : ''}`, highlights };
}
