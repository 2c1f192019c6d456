// Command arguments (src/extension/commands/args.ts): what menus, keybindings, scripts and other extensions may pass,
// and the sentence a bad argument gets instead of reaching the handler.
import { strict as assert } from 'node:assert';
import { CoreError } from '../../src/core/errors';
import {
  command,
  flag,
  messageIdOf,
  messageTarget,
  parseArgs,
  sessionIdOf,
  sessionTarget,
  text,
  textOr,
} from '../../src/extension/commands/args';

const onSession = sessionTarget({ confirmed: flag.optional() });
const onMessage = messageTarget({ title: text.optional() });
const rename = command([onSession, text.optional()], async () => undefined);
const messageCommand = command([onMessage], async () => undefined);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof CoreError && e.code === 'InvalidInput', `a CoreError InvalidInput, not ${String(e)}`);
    return e.message;
  }
  assert.fail('the arguments were accepted');
}

describe('command arguments', () => {
  // A row as the Sessions view passes it (src/extension/tree nodes), with the fields commands do not read.
  const sessionRow = {
    kind: 'session',
    id: 'group/status/active|s1',
    groupId: 'group/status/active',
    summary: { id: 's1', title: 'T', status: 'active' },
  };
  const messageRow = {
    kind: 'message',
    id: 'x|m1',
    sessionNodeId: 'x',
    message: { id: 'm1', sessionId: 's1', role: 'user', parts: [] },
    sessionStatus: 'active',
  };

  it('takes a row of the Sessions view, an id, or an options object', () => {
    const [fromRow] = parseArgs('langswarmSessions.renameSession', rename, [sessionRow]) as [
      Parameters<typeof sessionIdOf>[0],
    ];
    assert.equal(sessionIdOf(fromRow), 's1');
    const [fromMessageRow] = parseArgs('langswarmSessions.renameSession', rename, [messageRow]) as [
      Parameters<typeof sessionIdOf>[0],
    ];
    assert.equal(sessionIdOf(fromMessageRow), 's1', 'a message row names its session');
    const [fromId, title] = parseArgs('langswarmSessions.renameSession', rename, ['s2', 'New title']) as [
      Parameters<typeof sessionIdOf>[0],
      string,
    ];
    assert.deepEqual([sessionIdOf(fromId), title], ['s2', 'New title']);
    assert.deepEqual(parseArgs('langswarmSessions.deleteSession', rename, [{ sessionId: 's3', confirmed: true }])[0], {
      sessionId: 's3',
      confirmed: true,
    });
    assert.deepEqual(parseArgs('langswarmSessions.deleteSession', rename, [])[0], {}, 'nothing: the command asks');
    const [message] = parseArgs('langswarmSessions.copyMessage', messageCommand, [messageRow]) as [
      Parameters<typeof messageIdOf>[0],
    ];
    assert.equal(messageIdOf(message), 'm1');
    assert.equal(
      messageIdOf(parseArgs('langswarmSessions.copyMessage', messageCommand, [sessionRow])[0] as object),
      undefined,
      'a session row names no message',
    );
    const search = command(
      [textOr('query', { query: text.optional() }, 'a query or { query }')],
      async () => undefined,
    );
    assert.deepEqual(parseArgs('langswarmSessions.searchSessions', search, ['needle']), [{ query: 'needle' }]);
  });

  it('refuses a bad argument with a sentence naming the command, the argument and what was wrong', () => {
    assert.equal(
      refusal(() => parseArgs('langswarmSessions.renameSession', rename, ['s1', 42])),
      'langswarmSessions.renameSession was given a bad argument 2: expected text.',
    );
    assert.equal(
      refusal(() => parseArgs('langswarmSessions.deleteSession', rename, [{ sessionId: 7 }])),
      'langswarmSessions.deleteSession was given a bad argument 1: sessionId: expected an id (text).',
    );
    assert.equal(
      refusal(() => parseArgs('langswarmSessions.deleteSession', rename, [{ sesionId: 's1' }])),
      'langswarmSessions.deleteSession was given a bad argument 1: unknown option "sesionId".',
    );
    assert.equal(
      refusal(() => parseArgs('langswarmSessions.deleteSession', rename, [{ sessionId: 's1', confirmed: 'yes' }])),
      'langswarmSessions.deleteSession was given a bad argument 1: confirmed: expected true or false.',
    );
    assert.equal(
      refusal(() => parseArgs('langswarmSessions.deleteSession', rename, [12])),
      'langswarmSessions.deleteSession was given a bad argument 1: expected a session id, a session row or { sessionId, confirmed }.',
    );
    assert.equal(
      refusal(() => parseArgs('langswarmSessions.forkFromHere', messageCommand, [false])),
      'langswarmSessions.forkFromHere was given a bad argument 1: expected a message id, a message row or { messageId, title }.',
    );
    // Rows are what other extensions could forge: a bad one is refused, never dereferenced.
    assert.match(
      refusal(() =>
        parseArgs('langswarmSessions.copyMessage', messageCommand, [{ kind: 'message', id: 'x', message: null }]),
      ),
      /^langswarmSessions\.copyMessage was given a bad argument 1: message: expected the message of the row\.$/,
    );
    assert.match(
      refusal(() => parseArgs('langswarmSessions.renameSession', rename, [{ kind: 'folder', id: 'x' }])),
      /bad argument 1: kind: expected a row of the Sessions view\.$/,
    );
    assert.match(
      refusal(() => parseArgs('langswarmSessions.renameSession', rename, [''])),
      /bad argument 1: sessionId: an id cannot be empty\.$/,
    );
  });
});
