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
  // ASCII has no decompositions and no marks: lower case is all (and far cheaper).
  return NON_ASCII.test(word) ? word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase() : word.toLowerCase();
}
const NON_ASCII = /[^\u0000-\u007f]/;

export interface Snippet { text: string; highlights: Array<[number, number]> }

/**
 * How far into a text makeSnippet looks for the first matching word: a match further in is not shown
 * (the snippet shows the start), so a snippet costs the same for a 5 MB message as for a 20 KB one.
 */
export const SNIPPET_SCAN_CHARS = 20_000;
/** How much of a text makeSnippet reads at most: the scanned part and room for the words after a match. */
export const SNIPPET_TEXT_CHARS = SNIPPET_SCAN_CHARS + 4_000;

/**
 * A short passage of `text` around the first matching word, with every matching word's range.
 * Computed here rather than with FTS4's snippet(), which re-runs the whole query per row. `text` may
 * be just the start of a longer one (search() fetches SNIPPET_TEXT_CHARS + 1 characters).
 */
export function makeSnippet(text: string, highlight: ParsedQuery['highlight'], maxWords = 24): Snippet {
  const cut = text.length > SNIPPET_TEXT_CHARS;
  if (cut) text = text.slice(0, SNIPPET_TEXT_CHARS - (isHighSurrogate(text.charCodeAt(SNIPPET_TEXT_CHARS - 1)) ? 1 : 0));
  const isHit = (w: Word) => {
    const norm = normalise(text.slice(w.start, w.end));
    return highlight.some((h) => (h.prefix ? norm.startsWith(h.word) : norm === h.word));
  };
  // Tokenise only as far as needed: to the first match and maxWords words past it, or, with no match
  // in the scanned part, past that part and maxWords words.
  const words: Word[] = [];
  let first = -1;
  for (const m of text.matchAll(WORD)) {
    const w = { start: m.index, end: m.index + m[0].length };
    words.push(w);
    if (first < 0 && w.start < SNIPPET_SCAN_CHARS && isHit(w)) first = words.length - 1;
    if (first >= 0 ? words.length > first + maxWords : w.start >= SNIPPET_SCAN_CHARS && words.length > maxWords) break;
  }
  // Start a few words before the match: narrow views (a quick pick) cut the end, not the start.
  // Near the end of the text, start earlier so the snippet still has maxWords words.
  const from = Math.max(0, Math.min(first - 3, words.length - maxWords));
  const to = Math.min(words.length, from + maxWords);
  const start = from === 0 ? 0 : words[from]!.start;
  // After the last word comes the rest of the text, unless the text was cut (then: up to that word).
  const end = to === words.length && !(cut && to > 0) ? text.length : words[to - 1]!.end;
  const lead = start > 0 ? '…' : '';
  const highlights: Array<[number, number]> = [];
  for (const w of words.slice(from, to)) if (isHit(w)) highlights.push([lead.length + w.start - start, lead.length + w.end - start]);
  return { text: `${lead}${text.slice(start, end)}${end < text.length || cut ? '…' : ''}`, highlights };
}

interface Word { start: number; end: number }
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
