// The migration's progress line: each phase says only its own figures, so nothing stale stands beside the result.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { MigrateProgress, describeProgress, migrate } from '../../src/core/langswarm';
import { SessionManager } from '../../src/core/sessions';
import { FIXTURES } from '../helpers/langswarm';
import { tempDb } from '../helpers/temp';

describe('migrate: progress', function () {
  this.timeout(60_000);

  it('gives per-file figures that start again at each file, then the indexing phase without them', async () => {
    const m = await SessionManager.open(tempDb());
    const seen: MigrateProgress[] = [];
    try {
      await migrate(
        m,
        [path.join(FIXTURES, 'v1/langswarm_sessions.db'), path.join(FIXTURES, 'v1/json/session_0d3f8b52.json')],
        { onProgress: (p) => seen.push(p) },
      );
    } finally {
      await m.close();
    }
    const lines = seen.map(describeProgress);
    // The JSON document starts at zero, not at the 6 sessions and 2,017 messages of the database before it.
    const second = seen.findIndex((p) => p.file.endsWith('.json'));
    assert.ok(second > 0);
    assert.equal(lines[second], 'session_0d3f8b52.json (file 2 of 2): 0 sessions, 0 messages read');
    for (const line of lines.slice(0, second)) assert.match(line, /^langswarm_sessions\.db \(file 1 of 2\): /);
    for (const p of seen.slice(second).filter((x) => x.phase === 'reading'))
      assert.ok(p.fileSessions <= 1 && p.fileMessages === 0, 'figures of this file only');
    assert.deepEqual(
      seen.slice(-2).map((p) => p.phase),
      ['indexing', 'done'],
    );
    assert.equal(lines.at(-2), 'Indexing the new messages for search (2,017 messages read from 2 files)');
    assert.ok(!lines.at(-2)!.includes('langswarm_sessions.db'), 'no file figures once reading is over');
  });
});
