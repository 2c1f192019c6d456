// The product's own turns are on record without anyone asking: send (the composer, the CLI) and replay store
// their trace in the session's database by default, tied to the messages they stored, and it survives a reopen.
import { strict as assert } from 'node:assert';
import { replay, send } from '../../src/core/conversation';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import { WIRES, providerFor, useMock } from '../helpers/providers';

const wire = WIRES.find((w) => w.name === 'anthropic')!;

describe('turn traces are recorded in the database by default', function () {
  this.timeout(20_000);
  const { mock, manager, dbPath } = useMock();

  it('stores the trace of a send with no sink given: bodies as received, tied to the stored messages, kept on disk', async () => {
    const s = await manager().create({ provider: wire.name, model: wire.model });
    mock.script(wire.name, { text: 'First answer.' }, { text: 'Second answer.' });
    const first = await send(manager(), s.id, 'One', { provider: providerFor(wire, mock), stream: false });
    const second = await send(manager(), s.id, 'Two', { provider: providerFor(wire, mock) });
    const listed = manager().listTraces(s.id);
    assert.deepEqual(
      listed.map((t) => t.messageIds),
      [
        [first.user!.id, first.reply.id],
        [second.user!.id, second.reply.id],
      ],
    );
    // Only the second call: the body the server received, byte for byte, after a reopen of the file.
    await manager().close();
    const reopened = await SessionManager.open(dbPath(), { tracer: new Tracer('warn') });
    try {
      const trace = reopened.getTrace(listed[1]!.spanId);
      assert.equal(trace.streamed, true);
      assert.deepEqual(
        trace.attempts.map((a) => a.requestBody),
        [mock.requests.at(-1)!.raw],
      );
      assert.deepEqual(
        reopened.listTraces(s.id, { messageId: first.reply.id }).map((t) => t.spanId),
        [listed[0]!.spanId],
      );
    } finally {
      await reopened.close();
    }
  });

  it('stores a replay run as operation "replay" in the fork it made', async () => {
    const s = await manager().create({ provider: wire.name, model: wire.model });
    await manager().addMessage(s.id, { role: 'user', content: 'Hello' });
    await manager().addMessage(s.id, { role: 'assistant', content: 'Hi.' });
    mock.script(wire.name, { text: 'Hi again.' });
    const result = await replay(manager(), s.id, { provider: providerFor(wire, mock), model: wire.model });
    const traces = manager().listTraces(result.session.id);
    assert.equal(traces.length, 1);
    assert.equal(traces[0]!.operation, 'replay');
    assert.deepEqual(manager().listTraces(s.id), [], 'the original has no trace: nothing was sent for it');
  });

  it('records nothing with traceSink null (the recording-overhead baseline)', async () => {
    const s = await manager().create({ provider: wire.name, model: wire.model });
    mock.script(wire.name, { text: 'Unrecorded.' });
    const { reply } = await send(manager(), s.id, 'One', { provider: providerFor(wire, mock), traceSink: null });
    assert.equal(reply.state, 'complete');
    assert.deepEqual(manager().listTraces(s.id), []);
  });
});
