import { strict as assert } from 'node:assert';
import { makeSnippet, parseQuery, toMatchExpression } from '../../src/core/search';

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
});
