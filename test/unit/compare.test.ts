// Comparing two sessions: the alignment (equal, changed, inserted, deleted) for the shapes a fork or a replay
// produces, the first divergence, what differs inside a changed pair, and the totals.
import { strict as assert } from 'node:assert';
import { type CompareSide, compareSessions, differs } from '../../src/core/compare';
import type { Message, Part, Role } from '../../src/core/model';

let nextId = 0;
function msg(role: Role, parts: Part[] | string, extra: Partial<Message> = {}): Message {
  const id = `m${++nextId}`;
  return {
    id,
    sessionId: 's',
    seq: 0,
    role,
    parts: typeof parts === 'string' ? [{ type: 'text', text: parts }] : parts,
    createdAt: '2026-12-01T10:00:00.000Z',
    state: 'complete',
    metadata: {},
    revision: 0,
    ...extra,
  };
}
/** A side with seqs 1, 2, 3… (or as given by `seqs`). */
function side(messages: Message[], session: Partial<CompareSide['session']> = {}, seqs?: number[]): CompareSide {
  return {
    session: { provider: 'openai', model: 'gpt-4o', ...session },
    messages: messages.map((m, i) => ({ ...m, seq: seqs?.[i] ?? i + 1 })),
  };
}
const call = (name: string, args: object, callId = `call_${++nextId}`): Part => ({
  type: 'tool_call',
  callId,
  name,
  argumentsJson: JSON.stringify(args),
});
const result = (name: string, content: string, callId = `call_${++nextId}`): Part => ({
  type: 'tool_result',
  callId,
  name,
  content,
});
/** The alignment as "status a b" strings (indices), easy to read in a failure. */
const shape = (a: CompareSide, b: CompareSide) =>
  compareSessions(a, b).pairs.map((p) => `${p.status} ${p.a ?? '-'} ${p.b ?? '-'}`);

describe('comparing sessions', () => {
  const q1 = () => msg('user', 'What is the weather in Lisbon?');
  const r1 = () => msg('assistant', 'Sunny, 24 degrees.');
  const q2 = () => msg('user', 'And tomorrow?');
  const r2 = () => msg('assistant', 'Cloudy in the morning, sunny later.');
  const q3 = () => msg('user', 'Thanks!');
  const r3 = () => msg('assistant', "You're welcome.");

  it('identical sessions: all equal, no divergence, not different — ids, times and usage do not count', () => {
    const a = side([q1(), r1(), q2(), r2()]);
    const b = side([
      q1(),
      msg('assistant', 'Sunny, 24 degrees.', {
        createdAt: '2027-01-01T00:00:00.000Z',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        providerIds: { responseId: 'resp_other' },
      }),
      q2(),
      r2(),
    ]);
    const c = compareSessions(a, b);
    assert.deepEqual(shape(a, b), ['equal 0 0', 'equal 1 1', 'equal 2 2', 'equal 3 3']);
    assert.equal(c.firstDivergence, null);
    assert.equal(differs(c), false);
  });

  it('a changed reply: one changed pair with a word diff, the rest still aligned after it', () => {
    const a = side([q1(), r1(), q2(), r2()]);
    const b = side([q1(), msg('assistant', 'Rainy, 24 degrees.'), q2(), r2()]);
    const c = compareSessions(a, b);
    assert.deepEqual(shape(a, b), ['equal 0 0', 'changed 1 1', 'equal 2 2', 'equal 3 3']);
    assert.deepEqual(c.firstDivergence, { pair: 1, a: 1, b: 1 });
    assert.deepEqual(c.pairs[1]!.changes!.words, [
      { op: 'removed', text: 'Sunny' },
      { op: 'added', text: 'Rainy' },
      { op: 'equal', text: ', 24 degrees.' },
    ]);
    assert.equal(differs(c), true);
  });

  it('insertions and deletions: an extra exchange in B, a dropped one from A', () => {
    const a = side([q1(), r1(), q2(), r2(), q3(), r3()]);
    const inserted = side([
      q1(),
      r1(),
      msg('user', 'Is it windy?'),
      msg('assistant', 'A light breeze.'),
      q2(),
      r2(),
      q3(),
      r3(),
    ]);
    assert.deepEqual(shape(a, inserted), [
      'equal 0 0',
      'equal 1 1',
      'inserted - 2',
      'inserted - 3',
      'equal 2 4',
      'equal 3 5',
      'equal 4 6',
      'equal 5 7',
    ]);
    const deleted = side([q1(), r1(), q3(), r3()]);
    const c = compareSessions(a, deleted);
    assert.deepEqual(shape(a, deleted), [
      'equal 0 0',
      'equal 1 1',
      'deleted 2 -',
      'deleted 3 -',
      'equal 4 2',
      'equal 5 3',
    ]);
    assert.deepEqual(c.firstDivergence, { pair: 2, a: 2, b: null });
    assert.deepEqual(c.counts, { equal: 4, changed: 0, inserted: 0, deleted: 2 });
  });

  it('a changed block pairs by role: an edited question and its new answer are two changed rows, an extra tool turn is inserted', () => {
    const a = side([q1(), r1(), q3()]);
    const b = side([
      msg('user', 'What is the weather in Porto?'),
      msg('assistant', [call('get_weather', { city: 'Porto' })]),
      msg('tool', [result('get_weather', '{"sky":"rain"}')]),
      msg('assistant', 'Rain in Porto.'),
      q3(),
    ]);
    assert.deepEqual(shape(a, b), ['changed 0 0', 'changed 1 1', 'inserted - 2', 'inserted - 3', 'equal 2 4']);
  });

  it('another speaker at the same place is a deletion and an insertion; system → developer is a changed pair that names it', () => {
    const a = side([q1(), msg('assistant', 'Let me check.'), q3()]);
    const b = side([q1(), msg('user', 'Let me check.'), q3()]);
    assert.deepEqual(shape(a, b), ['equal 0 0', 'deleted 1 -', 'inserted - 1', 'equal 2 2']);
    const sys = side([msg('system', 'Be brief.'), q1()]);
    const dev = side([msg('developer', 'Be brief.'), q1()]);
    const c = compareSessions(sys, dev);
    assert.deepEqual(shape(sys, dev), ['changed 0 0', 'equal 1 1']);
    assert.deepEqual(c.pairs[0]!.changes, { role: { a: 'system', b: 'developer' } });
  });

  it('tool calls: other arguments as JSON paths; the same calls in another order (other call ids) only reordered', () => {
    const argsA = { city: 'Lisbon', days: 2, opts: { units: 'metric', extra: [1, 2] } };
    const argsB = { days: 2, city: 'Porto', opts: { units: 'metric', extra: [1, 3], lang: 'pt' } };
    const a = side([q1(), msg('assistant', [call('get_weather', argsA), call('get_time', { tz: 'WET' })])]);
    const changedArgs = side([q1(), msg('assistant', [call('get_weather', argsB), call('get_time', { tz: 'WET' })])]);
    const c = compareSessions(a, changedArgs);
    assert.deepEqual(shape(a, changedArgs), ['equal 0 0', 'changed 1 1']);
    const [weather, ...others] = c.pairs[1]!.changes!.toolCalls!;
    assert.equal(others.length, 0, 'get_time is the same call');
    assert.deepEqual(weather!.json, [
      { path: '$.city', kind: 'changed', a: 'Lisbon', b: 'Porto' },
      { path: '$.opts.extra[1]', kind: 'changed', a: 2, b: 3 },
      { path: '$.opts.lang', kind: 'added', b: 'pt' },
    ]);

    const reordered = side([
      q1(),
      msg('assistant', [call('get_time', { tz: 'WET' }), call('get_weather', { ...argsA })]),
    ]);
    const r = compareSessions(a, reordered);
    assert.deepEqual(shape(a, reordered), ['equal 0 0', 'changed 1 1']);
    assert.deepEqual(r.pairs[1]!.changes, { toolCallsReordered: true });

    // The same arguments with keys in another order and other spacing are the same call: equal.
    const respaced = side([
      q1(),
      msg('assistant', [
        { type: 'tool_call', callId: 'x', name: 'get_weather', argumentsJson: JSON.stringify(argsA, null, 2) },
        call('get_time', { tz: 'WET' }),
      ]),
    ]);
    assert.deepEqual(shape(a, respaced), ['equal 0 0', 'equal 1 1']);
  });

  it('tool results: JSON compared by path, text by words, an added call named on its side', () => {
    const a = side([
      msg('tool', [result('get_weather', '{"sky":"sunny","temp":24}'), result('lookup', 'found 3 rows')]),
    ]);
    const b = side([
      msg('tool', [
        result('get_weather', '{"temp":24,"sky":"rain"}'),
        result('lookup', 'found 4 rows'),
        result('notify', 'sent'),
      ]),
    ]);
    const changes = compareSessions(a, b).pairs[0]!.changes!;
    assert.deepEqual(
      changes.toolResults!.map((t) => [t.name, t.a?.index ?? null, t.b?.index ?? null, t.json ?? t.words ?? null]),
      [
        ['get_weather', 0, 0, [{ path: '$.sky', kind: 'changed', a: 'sunny', b: 'rain' }]],
        [
          'lookup',
          1,
          1,
          [
            { op: 'equal', text: 'found ' },
            { op: 'removed', text: '3' },
            { op: 'added', text: '4' },
            { op: 'equal', text: ' rows' },
          ],
        ],
        ['notify', null, 2, null],
      ],
    );
  });

  it('one empty session: everything inserted (or deleted), divergence at the first message', () => {
    const full = side([q1(), r1()]);
    const empty = side([]);
    assert.deepEqual(shape(empty, full), ['inserted - 0', 'inserted - 1']);
    assert.deepEqual(shape(full, empty), ['deleted 0 -', 'deleted 1 -']);
    assert.deepEqual(compareSessions(empty, full).firstDivergence, { pair: 0, a: null, b: 0 });
    assert.equal(differs(compareSessions(empty, empty)), false);
  });

  it('a changed system prompt, provider or model makes the sessions differ even with the same messages', () => {
    const a = side([q1(), r1()], { systemPrompt: 'You are terse.' });
    const b = side([q1(), r1()], { systemPrompt: 'You are verbose.', model: 'gpt-5' });
    const c = compareSessions(a, b);
    assert.equal(c.firstDivergence, null);
    assert.equal(differs(c), true);
    assert.deepEqual(c.setup.model, { a: 'gpt-4o', b: 'gpt-5' });
    assert.deepEqual(
      c.setup.systemPrompt!.filter((r) => r.op !== 'equal').map((r) => `${r.op}:${r.text}`),
      ['removed:terse', 'added:verbose'],
    );
  });

  it('reasoning never counts: two runs that thought differently but said the same are equal', () => {
    const a = side([
      q1(),
      msg('assistant', [
        { type: 'reasoning', text: 'look it up' },
        { type: 'text', text: 'Sunny.' },
      ]),
    ]);
    const b = side([
      q1(),
      msg('assistant', [
        { type: 'reasoning', text: 'guess' },
        { type: 'text', text: 'Sunny.' },
      ]),
    ]);
    assert.deepEqual(shape(a, b), ['equal 0 0', 'equal 1 1']);
  });

  it('metrics: tokens, cost (price unknown stays null) and latency from the turn traces, in pairs and totals', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, totalTokens: 2_000_000 };
    const replyA = msg('assistant', 'Sunny.', {
      usage,
      provider: { name: 'openai', model: 'gpt-4o' },
      stopReason: 'end_turn',
    });
    const replyB = msg('assistant', 'Rainy.', { usage, provider: { name: 'openai', model: 'no-such-model' } });
    const a = side([q1(), replyA]);
    const b = side([q1(), replyB]);
    a.traces = [
      {
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        sessionId: 's',
        messageIds: [a.messages[0]!.id, replyA.id],
        operation: 'send',
        provider: 'openai',
        api: 'responses',
        modelRequested: 'gpt-4o',
        streamed: true,
        startedAt: '2026-12-01T10:00:00.000Z',
        firstTokenAt: '2026-12-01T10:00:00.250Z',
        endedAt: '2026-12-01T10:00:01.500Z',
        outcome: 'ok',
        attemptCount: 1,
        requestIds: {},
      },
    ];
    const c = compareSessions(a, b);
    assert.equal(c.totals.a.latencyMs, 1500);
    assert.equal(c.totals.a.tracedTurns, 1);
    assert.equal(c.totals.b.tracedTurns, 0);
    assert.equal(c.totals.a.cost.state, 'known');
    assert.ok(c.totals.a.cost.total > 0);
    assert.equal(c.totals.b.cost.state, 'unknown');
    assert.equal(c.totals.b.cost.tokens.input, 1_000_000);
  });

  it('two long sessions that differ everywhere fall back to pairing by position, and say so', () => {
    const a = side(Array.from({ length: 5000 }, (_, i) => msg(i % 2 ? 'assistant' : 'user', `a ${i}`)));
    const b = side(Array.from({ length: 5001 }, (_, i) => msg(i % 2 ? 'assistant' : 'user', `b ${i}`)));
    const c = compareSessions(a, b);
    assert.equal(c.approximate, true);
    assert.deepEqual(c.counts, { equal: 0, changed: 5000, inserted: 1, deleted: 0 });
  });
});
