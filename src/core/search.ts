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

/** Returns undefined when the query has nothing to search for. */
export function toMatchExpression(query: string, options: { prefix?: boolean } = {}): string | undefined {
  const terms = tokenize(query);
  const positive = terms.filter((t) => !t.negated);
  if (positive.length === 0) return undefined;
  const last = positive[positive.length - 1];
  const parts = positive.map((t) => `"${t.text}${options.prefix && t === last && !t.phrase ? '*' : ''}"`);
  // FTS4's standard syntax has no unary NOT; "a -b" is how it spells "a but not b".
  for (const t of terms.filter((x) => x.negated)) parts.push(`-"${t.text}"`);
  return parts.join(' ');
}
