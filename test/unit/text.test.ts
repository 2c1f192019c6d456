import { strict as assert } from 'node:assert';
import type { Part } from '../../src/core/model';
import { partsText } from '../../src/core/text';

const call: Part = { type: 'tool_call', callId: 'c1', name: 'lookup', argumentsJson: '{"q":"otters"}' };
const result: Part = { type: 'tool_result', callId: 'c1', name: 'lookup', content: 'otters are mustelids' };
const parts: Part[] = [
  { type: 'text', text: 'Hello\n  there' },
  call,
  result,
  { type: 'reasoning', text: 'plan' },
  { type: 'reasoning', summary: ['first', 'second'] },
  { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } },
  { type: 'refusal', text: 'cannot' },
];

describe('partsText', () => {
  it('text: the words only, one part a line', () => {
    assert.equal(partsText(parts, 'text'), 'Hello\n  there\ncannot');
    assert.equal(partsText([call], 'text'), '');
  });

  it('copy: everything a reader sees, calls as name(arguments), results as their content, reasoning too', () => {
    assert.equal(
      partsText(parts, 'copy'),
      'Hello\n  there\n\nlookup({"q":"otters"})\n\notters are mustelids\n\nplan\n\nfirst\nsecond\n\ncannot',
    );
  });

  it('detail: words, calls and results (name → content), no reasoning', () => {
    assert.equal(
      partsText(parts, 'detail'),
      'Hello\n  there\n\nlookup({"q":"otters"})\n\nlookup → otters are mustelids\n\ncannot',
    );
  });

  it('label: one line of words, else the first call, else the first result, else what the message holds', () => {
    assert.equal(partsText(parts, 'label'), 'Hello there cannot');
    assert.equal(partsText([result, call], 'label'), 'lookup({"q":"otters"})');
    assert.equal(
      partsText(
        [
          { type: 'text', text: ' \n' },
          { ...result, content: 'two\nlines' },
        ],
        'label',
      ),
      'lookup → two lines',
    );
    assert.equal(partsText([{ type: 'reasoning', text: 'hmm' }], 'label'), '(reasoning only)');
    assert.equal(partsText([{ type: 'file', source: { kind: 'file', fileId: 'f' } }], 'label'), '(attachment)');
    assert.equal(partsText([], 'label'), '(empty)');
  });

  it('transcript: words, then [call …] and [result …] as the CLI shows them', () => {
    assert.equal(
      partsText(parts, 'transcript'),
      'Hello\n  there\ncannot [call lookup({"q":"otters"})] [result lookup: otters are mustelids]',
    );
    assert.equal(partsText([call], 'transcript'), '[call lookup({"q":"otters"})]');
  });

  it('calls: one tool call a line, with its id', () => {
    assert.equal(
      partsText([call, result, { ...call, callId: 'c2', name: 'f', argumentsJson: '{}' }], 'calls'),
      '[call lookup({"q":"otters"}) id=c1]\n[call f({}) id=c2]',
    );
    assert.equal(
      partsText(
        parts.filter((p) => p.type === 'text'),
        'calls',
      ),
      '',
    );
  });
});
