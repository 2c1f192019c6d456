// Summarising a LangSwarm file without importing it (the custom editor's summary): the same counts an import
// finds, the span of time it covers, hostile files refused with a sentence — also through its own worker.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import { inspectSource } from '../../src/core/langswarm/inspect';
import { isCoreError } from '../../src/core/errors';
import { SessionManager } from '../../src/core/sessions';
import { SessionClient } from '../../src/core/worker/client';
import { FIXTURES } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

const STORES = {
  'langswarm-v1-sqlite': path.join(FIXTURES, 'v1/langswarm_sessions.db'),
  'langswarm-v2-session': path.join(FIXTURES, 'v2/langswarm_sessions.db'),
  'langswarm-v2-memory': path.join(FIXTURES, 'v2_memory/langswarm_memory.db'),
};

describe('migrate: summarising a LangSwarm file', function () {
  this.timeout(60_000);

  it('finds in each fixture store exactly what importing it finds, and the time it spans', async () => {
    for (const [format, file] of Object.entries(STORES)) {
      const summary = await inspectSource(file, { naiveUtc: true });
      const m = await SessionManager.open(tempDb());
      try {
        const report = await migrate(m, [file], { naiveUtc: true });
        const imported = m.list({ limit: 1000 }).items;
        const times = imported.flatMap((s) => [
          s.createdAt,
          s.lastActivityAt,
          ...m.allMessages(s.id).map((x) => x.createdAt),
        ]);
        assert.equal(summary.format, format);
        assert.equal(summary.sessions, imported.length, file);
        assert.equal(summary.messages, report.totals.messagesImported, file);
        assert.equal(summary.unreadable, report.totals.failed, file);
        times.sort(); // ISO strings in UTC order as text
        assert.equal(summary.from, times[0]);
        assert.equal(summary.to, times.at(-1));
      } finally {
        await m.close();
      }
    }
    const v1 = await inspectSource(STORES['langswarm-v1-sqlite'], { naiveUtc: true });
    assert.deepEqual([v1.sessions, v1.messages], [6, 2017]);
  });

  it('refuses files that are not LangSwarm stores with a sentence saying what they are', async () => {
    const dir = tempDir();
    const cases: Array<[string, Buffer | string, RegExp]> = [
      ['empty/langswarm_sessions.db', '', /is empty/],
      ['binary/langswarm_sessions.db', Buffer.from([0, 1, 2, 0xff, 0xfe, 7, 8, 9, 10, 0, 0, 3]), /binary data/],
      [
        'truncated/langswarm_sessions.db',
        fs.readFileSync(STORES['langswarm-v1-sqlite']).subarray(0, 20_000),
        /damaged SQLite database/,
      ],
    ];
    for (const [name, bytes, why] of cases) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      await assert.rejects(
        inspectSource(file),
        (e: unknown) => isCoreError(e, 'ImportRejected') && why.test(e.message),
      );
    }
  });

  it('runs in a worker of its own: a summary, or the reader’s sentence for a hostile file', async () => {
    const summary = await SessionClient.inspect(STORES['langswarm-v2-memory']);
    assert.equal(summary.format, 'langswarm-v2-memory');
    assert.ok(summary.sessions > 0 && summary.messages > 0);
    const hostile = path.join(tempDir(), 'langswarm_memory.db');
    fs.writeFileSync(hostile, '{"metadata": [1, 2, ');
    await assert.rejects(
      SessionClient.inspect(hostile),
      (e: unknown) => isCoreError(e, 'ImportRejected') && /is not valid JSON/.test(e.message),
    );
  });
});
