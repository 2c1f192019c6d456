import { strict as assert } from 'node:assert';
import { formatEvent, TraceEvent, Tracer } from '../../src/core/trace';

describe('Tracer', () => {
  it('sends events at or above its level to every sink', () => {
    const tracer = new Tracer('info');
    const seen: TraceEvent[] = [];
    const off = tracer.addSink((e) => seen.push(e));
    tracer.debug('hidden');
    tracer.info('shown', { a: 1 });
    tracer.error('also shown');
    off();
    tracer.error('after the sink left');
    assert.deepEqual(
      seen.map((e) => [e.level, e.message]),
      [
        ['info', 'shown'],
        ['error', 'also shown'],
      ],
    );
    assert.deepEqual(seen[0]!.fields, { a: 1 });
    assert.match(formatEvent(seen[0]!), /^\d{4}-\d\d-\d\dT.* \[info\] shown \{"a":1\}$/);
  });

  it('times sync and async spans with their outcome and session', async () => {
    const tracer = new Tracer('debug');
    const spans: TraceEvent[] = [];
    tracer.addSink((e) => spans.push(e));
    assert.equal(
      tracer.span('sync.op', 's1', () => 42),
      42,
    );
    assert.equal(await tracer.span('async.op', undefined, async () => 'ok'), 'ok');
    assert.throws(
      () =>
        tracer.span('sync.fail', 's2', () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    await assert.rejects(
      tracer.span('async.fail', undefined, async () => {
        throw Object.assign(new Error('bad input'), { isUserError: true });
      }),
    );
    assert.deepEqual(
      spans.map((e) => [e.span?.name, e.span?.outcome, e.level]),
      [
        ['sync.op', 'ok', 'debug'],
        ['async.op', 'ok', 'debug'],
        ['sync.fail', 'error', 'warn'],
        ['async.fail', 'error', 'info'],
      ],
    );
    assert.equal(spans[0]!.span!.sessionId, 's1');
    assert.equal(spans[2]!.span!.error, 'boom');
    assert.ok(spans.every((e) => typeof e.span!.durationMs === 'number' && e.span!.durationMs >= 0));
  });

  it('keeps a bounded ring of recent events, filterable by session', () => {
    const tracer = new Tracer('debug', 5);
    for (let i = 0; i < 12; i++) tracer.span(`op${i}`, i % 2 ? 'odd' : 'even', () => i);
    const recent = tracer.recent();
    assert.deepEqual(
      recent.map((e) => e.span?.name),
      ['op7', 'op8', 'op9', 'op10', 'op11'],
      'oldest first, only the last 5',
    );
    assert.deepEqual(
      tracer.recent({ sessionId: 'odd' }).map((e) => e.span?.name),
      ['op7', 'op9', 'op11'],
    );
    assert.deepEqual(
      tracer.recent({ limit: 2 }).map((e) => e.span?.name),
      ['op10', 'op11'],
    );
  });

  it('survives a sink that throws', () => {
    const tracer = new Tracer('info');
    let after = 0;
    tracer.addSink(() => {
      throw new Error('broken sink');
    });
    tracer.addSink(() => {
      after += 1;
    });
    tracer.info('still delivered');
    assert.equal(after, 1);
  });
});
