// Imported LangSwarm sessions show what their files hold: each reply names the session's model, a V2 message's
// token count is shown as LangSwarm's count (never priced as if it were a call's billed usage), and the file's
// own session counts and times are in the tree's tooltips. Export back to V1 stays byte for byte
// (migrate-fixtures.test.ts).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { totalCost } from '../../src/core/cost';
import { migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import { messageTooltipMarkdown, sessionTooltipMarkdown } from '../../src/extension/format';
import { FIXTURES, copyFixture, importedAs, python } from '../helpers/langswarm';
import { tempDb } from '../helpers/temp';

/** Markdown without its escapes. */
const plain = (md: string) => md.replace(/\\(.)/g, '$1');

describe('migrate: what the files hold is shown', function () {
  this.timeout(60_000);
  let m: SessionManager;
  beforeEach(async () => {
    m = await SessionManager.open(tempDb());
  });
  afterEach(async () => {
    await m.close();
  });

  it("V1: each reply names the session's model; the file's token and message counts and times are in the tooltips", async () => {
    await migrate(m, [path.join(FIXTURES, 'v1/langswarm_sessions.db')], { naiveUtc: true });
    const [billing] = importedAs(m, 'session_5f0c2a9e');
    const messages = m.allMessages(billing!.id);
    assert.deepEqual(
      messages.map((x) => [x.role, x.provider]),
      [
        ['system', undefined],
        ['user', undefined],
        ['assistant', { name: 'openai', model: 'gpt-4o' }],
        ['tool', undefined],
        ['tool', undefined],
        ['assistant', { name: 'openai', model: 'gpt-4o' }],
      ],
    );
    // "claude" in the file is Anthropic.
    const [claude] = importedAs(m, 'session_e2c94f71');
    const reply = m.allMessages(claude!.id).find((x) => x.role === 'assistant')!;
    assert.deepEqual(reply.provider, { name: 'anthropic', model: 'claude-3-5-sonnet-20241022' });
    assert.match(plain(messageTooltipMarkdown(reply)), /\nModel: anthropic\/claude-3-5-sonnet-20241022/);

    const tooltip = plain(sessionTooltipMarkdown(billing!));
    assert.ok(tooltip.includes("In the file: 412 tokens, 5 messages (LangSwarm's own counts, not usage)  \n"), tooltip);
    assert.ok(tooltip.includes('Messages: 6  \n'), 'the messages as recounted');
    assert.ok(tooltip.includes('Tokens: unknown (no message reports usage)  \n'), 'the file has no usage');
    assert.ok(tooltip.includes('Last activity: 2025-07-08T09:15:10.456Z  \n'), tooltip);
    // A native session has no file counts.
    const native = await m.create({ provider: 'openai', model: 'gpt-4o' });
    assert.ok(!sessionTooltipMarkdown(m.get(native.id)).includes('In the file'));
  });

  it("V2: a message's token count is LangSwarm's count, shown as such and never priced", async () => {
    const file = copyFixture('v2/langswarm_sessions.db');
    python(
      `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE session_messages SET token_count = 40 + id WHERE session_id = 'session_5f0c2a9e'")
c.execute("UPDATE session_metrics SET total_tokens = 1234 WHERE session_id = 'session_5f0c2a9e'")
c.commit()
`,
      file,
    );
    await migrate(m, [file], { naiveUtc: true });
    const [s] = importedAs(m, 'session_5f0c2a9e');
    const messages = m.allMessages(s!.id);
    const reply = messages.find((x) => x.role === 'assistant' && x.usage)!;
    assert.deepEqual(reply.provider, { name: 'openai', model: 'gpt-4o' });
    const count = reply.usage!.totalTokens;
    assert.ok(count > 40);
    assert.match(
      plain(messageTooltipMarkdown(reply)),
      new RegExp(`\\nModel: openai/gpt-4o · Tokens: ${count} \\(LangSwarm's count\\)`),
    );
    // Priced, a reply's count would pass for a whole call's usage: it is "price unknown", with why.
    const cost = totalCost(m.usages(s!.id));
    assert.equal(cost.state, 'unknown');
    assert.equal(cost.priced, 0);
    assert.deepEqual(Object.keys(cost.unknownReasons), [
      "its token count is LangSwarm's count of the message itself (imported), not what the call was billed",
    ]);
    assert.equal(cost.unpriced, messages.filter((x) => x.usage).length);
    assert.ok(
      plain(sessionTooltipMarkdown(s!)).includes(
        "In the file: 1.2k tokens, 6 messages (LangSwarm's own counts, not usage)",
      ),
    );
  });
});
