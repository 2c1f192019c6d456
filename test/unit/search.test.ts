import { strict as assert } from 'node:assert';
import { makeSnippet, parseQuery, SNIPPET_SCAN_CHARS, SNIPPET_TEXT_CHARS, toMatchExpression } from '../../src/core/search';

describe('search query and snippets', () => {
  it('builds safe FTS4 expressions from what users type', () => {
    assert.equal(toMatchExpression('hello world'), '"hello" "world"');
    assert.equal(toMatchExpression('hello worl', { prefix: true }), '"hello" "worl*"');
    assert.equal(toMatchExpression('hello wor', { prefix: true }), '"hello" "wor"', 'prefixes start at four letters');
    assert.equal(toMatchExpression('"exact phrase" -not'), '"exact phrase" -"not"');
    assert.equal(toMatchExpression('gpt-4o'), '"gpt 4o"');
    assert.equal(toMatchExpression('a OR b AND NOT c NEAR/3 d'), '"a" "b" "c" "d"');
    for (const nothing of ['', '   ', '"', '***', '-only', '()', '😀', '\u0000']) assert.equal(toMatchExpression(nothing), undefined, nothing);
  });

  it('highlights matching words, folding case and diacritics like unicode61', () => {
    const q = parseQuery('cafe NAIVE')!;
    const s = makeSnippet('A naïve question at the Café de Flore', q.highlight);
    assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['naïve', 'Café']);
  });

  it('highlights prefixes only for the last word while typing', () => {
    const q = parseQuery('deploy kube', { prefix: true })!;
    const s = makeSnippet('deploying to kubernetes and kube', q.highlight);
    assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['kubernetes', 'kube']);
  });

  it('cuts long text around the first match with ellipses and correct offsets', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
    words[120] = 'needle';
    const q = parseQuery('needle')!;
    const s = makeSnippet(words.join(' '), q.highlight, 10);
    assert.ok(s.text.startsWith('…') && s.text.endsWith('…'));
    assert.equal(s.highlights.length, 1);
    const [a, b] = s.highlights[0]!;
    assert.equal(s.text.slice(a, b), 'needle');
    assert.ok(s.text.split(' ').length <= 11);
  });

  it('returns the start of the text when nothing is highlighted (e.g. phrase across punctuation)', () => {
    const s = makeSnippet('short text', parseQuery('zzz')!.highlight);
    assert.equal(s.text, 'short text');
    assert.deepEqual(s.highlights, []);
  });

  describe('huge texts', () => {
    const filler = (chars: number) => 'lorem ipsum '.repeat(Math.ceil(chars / 12)).slice(0, chars);
    const shown = (s: { text: string; highlights: Array<[number, number]> }) => s.highlights.map(([a, b]) => s.text.slice(a, b));

    it('shows the start, without highlights, when the first match is beyond the scanned part', () => {
      // The needle starts right at the end of the scanned part, or one character before it.
      const beyond = `${filler(SNIPPET_SCAN_CHARS - 1)} needle ${filler(100)}`;
      const s = makeSnippet(beyond, parseQuery('needle')!.highlight, 10);
      assert.equal(s.text, `${beyond.split(' ').slice(0, 10).join(' ')}…`);
      assert.deepEqual(s.highlights, []);
      const inside = makeSnippet(`${filler(SNIPPET_SCAN_CHARS - 2)} needle ${filler(100)}`, parseQuery('needle')!.highlight, 10);
      assert.deepEqual(shown(inside), ['needle']);
    });

    it('highlights a match inside a 5 MB text, with ellipses on both sides', () => {
      const at = SNIPPET_SCAN_CHARS - 500;
      const text = `${filler(at)}Naïve needle NEEDLES needle ${filler(5_000_000)}`;
      const s = makeSnippet(text, parseQuery('needle naive')!.highlight, 10);
      assert.ok(s.text.startsWith('…ipsum lorem ipsum Naïve needle NEEDLES needle lorem'), s.text);
      assert.ok(s.text.endsWith('…') && s.text.length < 100, s.text);
      assert.deepEqual(shown(s), ['Naïve', 'needle', 'needle']);
    });

    it('also works on just the start of a text, as search() fetches it', () => {
      const text = `${filler(100)} needle ${filler(5_000_000)}`;
      const whole = makeSnippet(text, parseQuery('needle')!.highlight);
      assert.deepEqual(makeSnippet(text.slice(0, SNIPPET_TEXT_CHARS + 1), parseQuery('needle')!.highlight), whole);
      assert.deepEqual(shown(whole), ['needle']);
    });

    it('never splits a surrogate pair where it cuts the text', () => {
      for (const lead of ['', ' ']) {
        // No words, so the snippet runs up to the cut; after the space, an emoji straddles it.
        const s = makeSnippet(lead + '😀'.repeat(SNIPPET_TEXT_CHARS), parseQuery('zzz')!.highlight);
        assert.equal(s.text, `${lead}${'😀'.repeat((SNIPPET_TEXT_CHARS - lead.length) >> 1)}…`);
      }
    });
  });
});
