import { strict as assert } from 'node:assert';
import {
  makeSnippet,
  MAX_QUERY_TERMS,
  parseQuery,
  ParsedQuery,
  SNIPPET_SCAN_CHARS,
  SNIPPET_TEXT_CHARS,
  toMatchExpression,
} from '../../src/core/search';
import { SessionManager } from '../../src/core/sessions';
import { tempDb } from '../helpers/temp';

/** The words to highlight for a query that can be searched. */
function highlightsOf(query: string, options: { prefix?: boolean } = {}): ParsedQuery['highlight'] {
  const parsed = parseQuery(query, options);
  assert.ok(parsed && 'highlight' in parsed, `"${query}" should be searchable`);
  return parsed.highlight;
}

describe('search query and snippets', () => {
  it('builds safe FTS4 expressions from what users type', () => {
    assert.equal(toMatchExpression('hello world'), '"hello" "world"');
    assert.equal(toMatchExpression('hello worl', { prefix: true }), '"hello" "worl*"');
    assert.equal(toMatchExpression('hello wor', { prefix: true }), '"hello" "wor"', 'prefixes start at four letters');
    assert.equal(
      toMatchExpression('hello worl -x', { prefix: true }),
      '("hello" "worl") NOT "x"',
      'only the word being typed is a prefix',
    );
    assert.equal(toMatchExpression('hel* wo*'), '"hel*" "wo*"', 'typed prefixes from two letters');
    // The enhanced query syntax sql.js is built with: exclusion is the binary NOT, "-" means nothing.
    assert.equal(toMatchExpression('"exact phrase" -not'), '("exact phrase") NOT "not"');
    assert.equal(toMatchExpression('a -b -"c d" NOT e'), '("a") NOT ("b" OR "c d" OR "e")');
    assert.equal(toMatchExpression('gpt-4o'), '"gpt 4o"');
    assert.equal(toMatchExpression('a b OR c d'), '"a" ("b" OR "c") "d"');
    assert.equal(toMatchExpression('a OR b AND NOT c NEAR/3 d'), '(("a" OR "b") "NEAR 3" "d") NOT "c"');
    assert.equal(toMatchExpression('OR and NOT'), '"or" "and" "not"', 'operators that join nothing are words');
    assert.equal(toMatchExpression('col:x ^y (z) "w*"'), '"col x" "y" "z" "w"', 'FTS syntax in user text is text');
    for (const nothing of ['', '   ', '"', '***', '()', '😀', '\u0000', '- -'])
      assert.equal(parseQuery(nothing), undefined, nothing);
  });

  it('says why a query cannot be searched instead of guessing', () => {
    const problem = (q: string) => {
      const parsed = parseQuery(q);
      return parsed && 'problem' in parsed ? parsed.problem : undefined;
    };
    for (const q of ['-paid', 'NOT paid', '-"paid late" -due'])
      assert.match(problem(q) ?? '', /needs a word or phrase to find/, q);
    assert.match(problem('a*') ?? '', /"a\*" is too short for a prefix search/);
    const many = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `w${i}`).join(' ');
    assert.match(problem(many) ?? '', /Too many search terms \(65\)/);
    assert.equal(problem('invoice -paid'), undefined);
  });

  it('highlights matching words, folding case and diacritics like unicode61', () => {
    const q = highlightsOf('cafe NAIVE');
    const s = makeSnippet('A naïve question at the Café de Flore', q);
    assert.deepEqual(
      s.highlights.map(([a, b]) => s.text.slice(a, b)),
      ['naïve', 'Café'],
    );
  });

  it('highlights prefixes only for the last word while typing', () => {
    const q = highlightsOf('deploy kube', { prefix: true });
    const s = makeSnippet('deploying to kubernetes and kube', q);
    assert.deepEqual(
      s.highlights.map(([a, b]) => s.text.slice(a, b)),
      ['kubernetes', 'kube'],
    );
  });

  it('cuts long text around the first match with ellipses and correct offsets', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
    words[120] = 'needle';
    const s = makeSnippet(words.join(' '), highlightsOf('needle'), 10);
    assert.ok(s.text.startsWith('…') && s.text.endsWith('…'));
    assert.equal(s.highlights.length, 1);
    const [a, b] = s.highlights[0]!;
    assert.equal(s.text.slice(a, b), 'needle');
    assert.ok(s.text.split(' ').length <= 11);
  });

  it('returns the start of the text when nothing is highlighted (e.g. phrase across punctuation)', () => {
    const s = makeSnippet('short text', highlightsOf('zzz'));
    assert.equal(s.text, 'short text');
    assert.deepEqual(s.highlights, []);
  });

  describe('huge texts', () => {
    const filler = (chars: number) => 'lorem ipsum '.repeat(Math.ceil(chars / 12)).slice(0, chars);
    const shown = (s: { text: string; highlights: Array<[number, number]> }) =>
      s.highlights.map(([a, b]) => s.text.slice(a, b));

    it('shows the start, without highlights, when the first match is beyond the scanned part', () => {
      // The needle starts right at the end of the scanned part, or one character before it.
      const beyond = `${filler(SNIPPET_SCAN_CHARS - 1)} needle ${filler(100)}`;
      const s = makeSnippet(beyond, highlightsOf('needle'), 10);
      assert.equal(s.text, `${beyond.split(' ').slice(0, 10).join(' ')}…`);
      assert.deepEqual(s.highlights, []);
      const inside = makeSnippet(`${filler(SNIPPET_SCAN_CHARS - 2)} needle ${filler(100)}`, highlightsOf('needle'), 10);
      assert.deepEqual(shown(inside), ['needle']);
    });

    it('highlights a match inside a 5 MB text, with ellipses on both sides', () => {
      const at = SNIPPET_SCAN_CHARS - 500;
      const text = `${filler(at)}Naïve needle NEEDLES needle ${filler(5_000_000)}`;
      const s = makeSnippet(text, highlightsOf('needle naive'), 10);
      assert.ok(s.text.startsWith('…ipsum lorem ipsum Naïve needle NEEDLES needle lorem'), s.text);
      assert.ok(s.text.endsWith('…') && s.text.length < 100, s.text);
      assert.deepEqual(shown(s), ['Naïve', 'needle', 'needle']);
    });

    it('also works on just the start of a text, as search() fetches it', () => {
      const text = `${filler(100)} needle ${filler(5_000_000)}`;
      const whole = makeSnippet(text, highlightsOf('needle'));
      assert.deepEqual(makeSnippet(text.slice(0, SNIPPET_TEXT_CHARS + 1), highlightsOf('needle')), whole);
      assert.deepEqual(shown(whole), ['needle']);
    });

    it('never splits a surrogate pair where it cuts the text', () => {
      for (const lead of ['', ' ']) {
        // No words, so the snippet runs up to the cut; after the space, an emoji straddles it.
        const s = makeSnippet(lead + '😀'.repeat(SNIPPET_TEXT_CHARS), highlightsOf('zzz'));
        assert.equal(s.text, `${lead}${'😀'.repeat((SNIPPET_TEXT_CHARS - lead.length) >> 1)}…`);
      }
    });
  });
});

describe('search operators on stored messages', () => {
  let m: SessionManager;
  // Chosen so that each wrong reading gives another answer: an exclusion read as AND, OR read with
  // FTS4's precedence, an operator read as a word or a word as an operator.
  const TEXTS = [
    'invoice paid',
    'invoice due',
    'paid',
    'invoice paid late',
    'receipt due',
    'not or and near',
    'invoicing started',
    'gpt-4o answered',
  ];
  const found = (query: string) => {
    const r = m.search(query, { limit: 100 });
    assert.equal(r.problem, undefined, `${query}: ${r.problem}`);
    assert.equal(r.total, r.hits.length);
    return r.hits.map((h) => h.snippet).sort();
  };

  before(async () => {
    m = await SessionManager.open(tempDb());
    const s = await m.create({ provider: 'openai', model: 'm' });
    for (const content of TEXTS) await m.addMessage(s.id, { role: 'user', content });
  });
  after(() => m.close());

  it('excludes words and phrases', () => {
    assert.deepEqual(found('invoice -paid'), ['invoice due']);
    assert.deepEqual(found('invoice NOT paid'), ['invoice due']);
    assert.deepEqual(found('-paid invoice'), ['invoice due'], 'wherever the exclusion stands');
    assert.deepEqual(found('invoice -"paid late"'), ['invoice due', 'invoice paid']);
    assert.deepEqual(found('invoice -paid -due'), []);
    assert.deepEqual(
      found('invoice -"late paid"'),
      ['invoice due', 'invoice paid', 'invoice paid late'],
      'a phrase is excluded only in its order',
    );
  });

  it('finds words, prefixes and phrases', () => {
    assert.deepEqual(found('invoice'), ['invoice due', 'invoice paid', 'invoice paid late']);
    assert.deepEqual(found('invoic*'), ['invoice due', 'invoice paid', 'invoice paid late', 'invoicing started']);
    assert.deepEqual(found('invoic'), [], 'without * a word matches whole');
    assert.deepEqual(found('paid invoice'), ['invoice paid', 'invoice paid late']);
    assert.deepEqual(found('"invoice paid"'), ['invoice paid', 'invoice paid late']);
    assert.deepEqual(found('"paid invoice"'), []);
    assert.deepEqual(
      found('"invoice paid'),
      ['invoice paid', 'invoice paid late'],
      'an unclosed quote runs to the end',
    );
    assert.deepEqual(found('gpt-4o'), ['gpt-4o answered']);
    assert.deepEqual(found('"gpt 4*"'), [], 'no prefixes inside quotes: * there is punctuation');
  });

  it('offers OR, binding tighter than AND', () => {
    assert.deepEqual(found('invoice paid OR due'), ['invoice due', 'invoice paid', 'invoice paid late']);
    assert.deepEqual(found('invoice OR receipt -paid'), ['invoice due', 'receipt due']);
    assert.deepEqual(found('late OR started OR answered'), [
      'gpt-4o answered',
      'invoice paid late',
      'invoicing started',
    ]);
  });

  it('reads AND, OR, NOT and NEAR as words where they join nothing, and lower case always', () => {
    for (const q of ['NOT', 'OR', 'AND', 'NEAR', 'not', 'or', 'and', 'near', 'not or', 'NEAR/2', 'AND near'])
      assert.deepEqual(found(q), q === 'NEAR/2' ? [] : ['not or and near'], q);
    assert.deepEqual(found('invoice AND due'), ['invoice due'], 'AND between two terms is the implicit AND');
    assert.deepEqual(found('invoice near'), [], 'lower case near is a word, not FTS4 NEAR');
  });

  it('never lets FTS syntax in user text reach MATCH', () => {
    for (const q of [
      'invoice:paid',
      'content:paid',
      '(invoice',
      'paid)',
      '^invoice',
      'invoice NEAR/2 paid',
      'invoice NEAR paid',
      '"invoice" OR',
      'OR OR OR',
      'NOT NOT paid',
      '*',
      '"*"',
      '-',
      '"-"',
      '--paid invoice',
      'invoice -"',
      'x"y"z',
      '\\"',
      "'",
      '[x]',
      '{}',
      'a\u0000b',
    ]) {
      assert.doesNotThrow(() => m.search(q), q);
    }
    assert.deepEqual(
      found('invoice:paid'),
      ['invoice paid', 'invoice paid late'],
      'a colon is punctuation, not a column filter',
    );
    assert.deepEqual(found('NOT NOT paid'), ['not or and near'], 'the word "not", without paid');
  });

  it('answers every query without an FTS error (seeded random queries and the largest ones)', () => {
    const pieces = [
      'invoice',
      'paid',
      'due',
      'x',
      'a*',
      'inv*',
      '-',
      '-paid',
      '"',
      '"invoice',
      'paid"',
      'AND',
      'OR',
      'NOT',
      'NEAR',
      'NEAR/3',
      '(',
      ')',
      ':',
      '^',
      '*',
      '"a b"',
      '-"c d"',
      'ö',
      '😀',
      '\\',
    ];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const queries: string[] = [];
    for (let i = 0; i < 400; i++)
      queries.push(
        Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]!).join(random(3) === 0 ? '' : ' '),
      );
    const words = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
    queries.push(
      words(MAX_QUERY_TERMS, (i) => `w${i}`),
      words(MAX_QUERY_TERMS / 2, (i) => `w${i} OR v${i}`),
      words(MAX_QUERY_TERMS, (i) => `w${i}`)
        .replace(/^w0/, 'invoice')
        .replace(/ w(\d+)/g, ' OR w$1'),
      `invoice ${words(MAX_QUERY_TERMS - 1, (i) => `-w${i}`)}`,
      `${words(MAX_QUERY_TERMS / 2, (i) => `w${i} OR "v${i} u${i}"`).replace(/w0/, 'invoice')} -x`.replace(
        / w(\d+)/,
        ' -w$1',
      ),
    );
    for (const q of queries) {
      const r = m.search(q);
      assert.ok(Number.isInteger(r.total) && r.hits.length <= r.total, q);
    }
    assert.deepEqual(
      found(`invoice ${words(MAX_QUERY_TERMS - 2, (i) => `-w${i}`)} -paid`),
      ['invoice due'],
      'the largest exclusion still means what it says',
    );
  });

  it('says why a query of only exclusions finds nothing', () => {
    const r = m.search('-paid');
    assert.deepEqual([r.total, r.hits], [0, []]);
    assert.match(r.problem ?? '', /needs a word or phrase to find/);
  });

  it('never highlights an excluded word', () => {
    const hits = m.search('invoice NOT "paid late"').hits;
    assert.deepEqual(hits.map((h) => h.snippet).sort(), ['invoice due', 'invoice paid']);
    for (const h of hits)
      assert.deepEqual(
        h.highlights.map(([a, b]) => h.snippet.slice(a, b)),
        ['invoice'],
        h.snippet,
      );
    const prefixed = m.search('paid OR due -invoice').hits;
    assert.deepEqual(prefixed.map((h) => [h.snippet, h.highlights.map(([a, b]) => h.snippet.slice(a, b))]).sort(), [
      ['paid', ['paid']],
      ['receipt due', ['due']],
    ]);
  });
});
