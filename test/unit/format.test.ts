// The tree's wording and menu flags (pure functions of src/extension/format.ts).
import { strict as assert } from 'node:assert';
import {
  dayLabel, dayRange, messageContextValue, messageIcon, messagePreview, relativeTime, sessionContextValue, sessionDescription,
} from '../../src/extension/format';

describe('tree formatting', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');

  it('says how long ago something happened', () => {
    const ago = (ms: number) => relativeTime(new Date(now.getTime() - ms).toISOString(), now);
    assert.equal(ago(10_000), 'just now');
    assert.equal(ago(5 * 60_000), '5 min ago');
    assert.equal(ago(3 * 3_600_000), '3 h ago');
    assert.equal(ago(30 * 3_600_000), 'yesterday');
    assert.equal(ago(5 * 86_400_000), '5 d ago');
    assert.equal(ago(90 * 86_400_000), '2025-12-10');
    assert.equal(relativeTime('not a date', now), '');
  });

  it('names days and turns a local day into UTC bounds', () => {
    const local = new Date(2026, 2, 10, 15);
    assert.equal(dayLabel('2026-03-10', local), 'Today');
    assert.equal(dayLabel('2026-03-09', local), 'Yesterday');
    assert.equal(dayLabel('2026-02-01', local), '2026-02-01');
    const { from, to } = dayRange('2026-03-10');
    assert.equal(Date.parse(to) - Date.parse(from), 86_400_000);
    assert.equal(new Date(from).getDate(), 10);
  });

  it('previews messages in one line, tool calls and results included', () => {
    assert.equal(messagePreview([{ type: 'text', text: '  **Bold**   `code`\nnext line ' }]), 'Bold code next line');
    assert.equal(messagePreview([{ type: 'text', text: 'x'.repeat(200) }], 10), `${'x'.repeat(9)}…`);
    assert.equal(messagePreview([{ type: 'tool_call', callId: 'c', name: 'f', argumentsJson: '{"a":1}' }]), 'f({"a":1})');
    assert.equal(messagePreview([{ type: 'tool_result', callId: 'c', name: 'f', content: 'ok' }]), 'f → ok');
    assert.equal(messagePreview([{ type: 'reasoning', text: 'hmm' }]), '(reasoning only)');
    assert.equal(messagePreview([]), '(empty)');
  });

  it('picks icons that make tool traffic and failures stand out', () => {
    assert.equal(messageIcon({ role: 'user', parts: [], state: 'complete' }), 'account');
    assert.equal(messageIcon({ role: 'assistant', parts: [{ type: 'tool_call', callId: 'c', name: 'f', argumentsJson: '{}' }], state: 'complete' }), 'tools');
    assert.equal(messageIcon({ role: 'tool', parts: [{ type: 'tool_result', callId: 'c', name: 'f', content: '' }], state: 'complete' }), 'reply');
    assert.equal(messageIcon({ role: 'assistant', parts: [], state: 'partial' }), 'warning');
  });

  it('sets capability flags for the menus, and none that change data when read-only', () => {
    assert.equal(sessionContextValue({ status: 'active' }, true), 'session;status-active;renamable;taggable;deletable;pausable;completable;archivable;');
    assert.equal(sessionContextValue({ status: 'archived' }, true), 'session;status-archived;renamable;taggable;deletable;unarchivable;');
    assert.equal(sessionContextValue({ status: 'paused' }, false), 'session;status-paused;');
    assert.equal(messageContextValue({ role: 'user' }, 'archived', true), 'message;role-user;copyable;forkable;');
    assert.equal(messageContextValue({ role: 'tool' }, 'active', false), 'message;role-tool;copyable;');
  });

  it('describes a session in one line', () => {
    const s = { id: 'x', title: 't', userId: '', provider: 'openai', model: 'gpt-4o', status: 'active' as const, tags: [], createdAt: '', updatedAt: '', lastActivityAt: new Date(now.getTime() - 120_000).toISOString(), messageCount: 1, totalTokens: 0 };
    assert.equal(sessionDescription(s, now), 'openai · gpt-4o · 1 msg · 2 min ago');
  });
});
