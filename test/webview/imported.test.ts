// An imported LangSwarm V2 session in the history browser (Chromium, answered by HistoryHost over a real
// SessionManager): a reply's details name the session's model, and a message's token count reads as
// LangSwarm's count, not as a call's input and output.
import { strict as assert } from 'node:assert';
import { migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import { copyFixture, importedAs, python } from '../helpers/langswarm';
import { tempDb } from '../helpers/temp';
import { closeHistoryView, openHistoryView, withChromium } from '../helpers/webview';

describe('history browser: imported sessions (Chromium)', function () {
  this.timeout(60_000);
  const env = withChromium();

  it("shows a reply's model and LangSwarm's token count of each message", async () => {
    const m = await SessionManager.open(tempDb());
    try {
      const file = copyFixture('v2/langswarm_sessions.db');
      python(
        `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE session_messages SET token_count = 1000 + id WHERE session_id = 'session_5f0c2a9e'")
c.commit()
`,
        file,
      );
      await migrate(m, [file], { naiveUtc: true });
      const [s] = importedAs(m, 'session_5f0c2a9e');
      const reply = m.allMessages(s!.id).find((x) => x.role === 'assistant')!;
      const opened = await openHistoryView(env, m);
      try {
        const { page } = opened;
        await page.click(`.session-item[data-session="${s!.id}"]`);
        const row = `article.message[data-id="${reply.id}"]`;
        await page.waitForSelector(row);
        const details = (await page.textContent(`${row} .message-details`)) ?? '';
        assert.ok(details.includes('model openai/gpt-4o'), details);
        const count = reply.usage!.totalTokens.toLocaleString('en-US');
        assert.ok(details.includes(`tokens ${count} (LangSwarm's count)`), details);
        assert.ok(!/\d in · /.test(details), `no input/output split: ${details}`);
      } finally {
        await closeHistoryView(opened);
      }
    } finally {
      await m.close();
    }
  });
});
