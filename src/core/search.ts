// Turns what a user types into a safe FTS4 MATCH expression.
//   words              all must match (implicit AND; AND between two terms says the same)
//   word*              any word starting so (two letters at least)
//   "exact phrase"     adjacent words; an unclosed quote runs to the end
//   a OR b             either (binds tighter than AND: `invoice paid OR due` = invoice and (paid or due))
//   -word, -"phrase"   must not match; so must not a term after NOT
//   last word          also matches as a prefix while typing (`prefix: true`)
// AND, OR and NOT are operators only in capitals and where they join terms (NOT: before one);
// anywhere else they are words like any other. Only runs of letters, digits and marks reach FTS4
// (what the unicode61 tokenizer indexes), each inside quotes, joined by operators we write, so no
// input can make the expression malformed or mean something else.
//
// sql.js builds FTS4 with SQLITE_ENABLE_FTS3_PARENTHESIS (the "enhanced" syntax), where exclusion
// is the binary `a NOT b` and a leading `-` means nothing: `"a" -"b"` would require both.

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const words = (text: string) => (text.match(WORD) ?? []).join(' ');

/** FTS4 refuses expressions deeper than 12; 64 terms in balanced AND/OR trees stay well inside. */
export const MAX_QUERY_TERMS = 64;
const MIN_PREFIX_CHARS = 2;
/** While typing, a short prefix matches a large part of the vocabulary (th… = the, they, then…). */
const MIN_TYPING_PREFIX_CHARS = 4;

/** `text`: the words, space-separated; a prefix term matches any word starting with its last one. */
interface Term {
  text: string;
  phrase: boolean;
  prefix: boolean;
  negated: boolean;
}
type Token = Term | { operator: 'AND' | 'OR' | 'NOT' };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  for (const m of query.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    if (m[2] !== undefined) {
      const text = words(m[2]);
      if (text) tokens.push({ text, phrase: true, prefix: false, negated: m[1] === '-' });
      continue;
    }
    const raw = m[3]!;
    if (raw === 'AND' || raw === 'OR' || raw === 'NOT') {
      tokens.push({ operator: raw });
      continue;
    }
    const negated = raw.startsWith('-');
    const text = words(negated ? raw.slice(1) : raw);
    if (text) tokens.push({ text, phrase: false, prefix: raw.endsWith('*'), negated });
  }
  return tokens;
}

const isTerm = (t: Token | undefined): t is Term => t !== undefined && !('operator' in t);
const asWord = (operator: string): Term => ({
  text: operator.toLowerCase(),
  phrase: false,
  prefix: false,
  negated: false,
});

/**
 * The query as groups of terms (all groups must match; any term of a group may) and exclusions.
 * Operators that join nothing become words.
 */
function structure(tokens: Token[]): { groups: Term[][]; excluded: Term[]; last: Term | undefined } {
  const groups: Term[][] = [];
  const excluded: Term[] = [];
  let joinNext = false;
  let previous: Term | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    let term: Term;
    if (isTerm(token)) {
      term = token;
    } else if (token.operator === 'NOT' && isTerm(next)) {
      tokens[i + 1] = { ...next, negated: true };
      continue;
    } else if (token.operator === 'OR' && previous && !previous.negated && isTerm(next) && !next.negated) {
      joinNext = true;
      continue;
    } else if (token.operator === 'AND' && previous && next) {
      continue;
    } else {
      term = asWord(token.operator);
    }
    if (term.negated) excluded.push(term);
    else if (joinNext) groups[groups.length - 1]!.push(term);
    else groups.push([term]);
    joinNext = false;
    previous = term;
  }
  return { groups, excluded, last: previous };
}

export interface ParsedQuery {
  /** The FTS4 MATCH expression. */
  match: string;
  /** Normalised words to highlight (never excluded ones); `prefix` ones match any word they start. */
  highlight: Array<{ word: string; prefix: boolean }>;
}

/** A query that cannot be searched, and why (a sentence for the user). It matches nothing. */
export interface UnsearchableQuery {
  problem: string;
}

/** Returns undefined when the query has nothing in it to search for. */
export function parseQuery(
  query: string,
  options: { prefix?: boolean } = {},
): ParsedQuery | UnsearchableQuery | undefined {
  const { groups, excluded, last } = structure(tokenize(query));
  const positive = groups.flat();
  if (positive.length === 0) {
    return excluded.length === 0
      ? undefined
      : {
          problem:
            'A search needs a word or phrase to find: exclusions (-word, NOT word) only remove matches from what the other words find.',
        };
  }
  if (positive.length + excluded.length > MAX_QUERY_TERMS) {
    return {
      problem: `Too many search terms (${positive.length + excluded.length}); use at most ${MAX_QUERY_TERMS} words or phrases.`,
    };
  }
  // A one-letter prefix (a*) stands for a large part of the vocabulary: slow, and rarely meant.
  const short = [...positive, ...excluded].find((t) => t.prefix && t.text.length < MIN_PREFIX_CHARS);
  if (short)
    return {
      problem: `"${short.text}*" is too short for a prefix search: give at least ${MIN_PREFIX_CHARS} letters before the *.`,
    };
  // While typing, the word being typed (the last term, unless it is a phrase or an exclusion).
  if (options.prefix && last && !last.negated && !last.phrase && last.text.length >= MIN_TYPING_PREFIX_CHARS)
    last.prefix = true;
  const quoted = (t: Term) => `"${t.text}${t.prefix ? '*' : ''}"`;
  const group = (g: Term[]) => (g.length === 1 ? quoted(g[0]!) : `(${g.map(quoted).join(' OR ')})`);
  let match = groups.map(group).join(' ');
  // One NOT with every exclusion ORed: a chain of NOTs is not balanced and hits FTS4's depth limit.
  if (excluded.length > 0) match = `(${match}) NOT ${group(excluded)}`;
  const highlight = positive.flatMap((t) => {
    const ws = t.text.split(' ').map(normalise);
    return ws.map((word, i) => ({ word, prefix: t.prefix && i === ws.length - 1 }));
  });
  return { match, highlight };
}

export function toMatchExpression(query: string, options: { prefix?: boolean } = {}): string | undefined {
  const parsed = parseQuery(query, options);
  return parsed && 'match' in parsed ? parsed.match : undefined;
}

/** Folds a word the way FTS4's unicode61 tokenizer does: lower case, without diacritics. */
function normalise(word: string): string {
  // ASCII has no decompositions and no marks: lower case is all (and far cheaper).
  return NON_ASCII.test(word) ? word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase() : word.toLowerCase();
}
const NON_ASCII = /[^\u0000-\u007f]/;

export interface Snippet {
  text: string;
  highlights: Array<[number, number]>;
}

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
  if (cut)
    text = text.slice(0, SNIPPET_TEXT_CHARS - (isHighSurrogate(text.charCodeAt(SNIPPET_TEXT_CHARS - 1)) ? 1 : 0));
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
  for (const w of words.slice(from, to))
    if (isHit(w)) highlights.push([lead.length + w.start - start, lead.length + w.end - start]);
  return { text: `${lead}${text.slice(start, end)}${end < text.length || cut ? '…' : ''}`, highlights };
}

interface Word {
  start: number;
  end: number;
}
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
