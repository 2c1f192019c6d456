// Reading a SQLite source where it is (sqlite-file.ts openInPlace): the same items as from a copy in memory, and
// a store written to while it is read is read on from a copy of its new state, no session taken twice or lost.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { openSource } from '../../src/core/langswarm/files';
import { type ReadEvent, readSources } from '../../src/core/langswarm/read';
import type { OpenedSource, SourceItem } from '../../src/core/langswarm/source';
import { FIXTURES, generateV1Docs, python, writeV1Db } from '../helpers/langswarm';
import { tempDir } from '../helpers/temp';

const STORES = [
  path.join(FIXTURES, 'v1/langswarm_sessions.db'),
  path.join(FIXTURES, 'v2/langswarm_sessions.db'),
  path.join(FIXTURES, 'v2_memory/langswarm_memory.db'),
];

function itemsOf(source: OpenedSource): SourceItem[] {
  try {
    return [...source.items()];
  } finally {
    source.close();
  }
}

describe('migrate: SQLite sources read in place', function () {
  this.timeout(60_000);

  it('reads the same items in place as from a copy in memory, for V1 and both V2 stores', async () => {
    const large = path.join(tempDir(), 'large.db'); // many times the read-ahead: read in pieces, out of order too
    await writeV1Db(large, generateV1Docs(300, 9000, 7));
    for (const file of [...STORES, large]) {
      const inPlace = itemsOf(await openSource(file, { naiveUtc: false }));
      const copied = itemsOf(await openSource(file, { naiveUtc: false, inPlace: false }));
      assert.ok(inPlace.length > 2, `${file}: ${inPlace.length} items`);
      assert.deepEqual(inPlace, copied, file);
    }
  });

  it('goes on from a copy when the app writes the store mid-read: every session once, those after the write as written', async () => {
    const file = path.join(tempDir(), 'langswarm_sessions.db');
    const docs = [...generateV1Docs(600, 1800)];
    await writeV1Db(file, docs);
    const early = String(docs[10]!.metadata.session_id); // in the first batch (256 events): read before the write
    const late = String(docs[500]!.metadata.session_id); // read after it
    const events: ReadEvent[] = [];
    let wrote = false;
    for await (const batch of readSources([file], { naiveUtc: false })) {
      events.push(...batch);
      if (!wrote && batch.some((e) => e.kind === 'session')) {
        // A real writer (Python's sqlite3, as LangSwarm V1), in place: two sessions grow, one is added.
        python(
          `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for sid in sys.argv[2:4]:
    hist = json.loads(db.execute("SELECT history FROM sessions WHERE session_id = ?", (sid,)).fetchone()[0])
    hist["messages"].append({"id": "added", "role": "user", "content": "written mid-read", "timestamp": "2025-07-09T10:00:00", "metadata": {}})
    db.execute("UPDATE sessions SET history = ? WHERE session_id = ?", (json.dumps(hist), sid))
row = db.execute("SELECT * FROM sessions WHERE session_id = ?", (sys.argv[2],)).fetchone()
cols = [c[1] for c in db.execute("PRAGMA table_info(sessions)")]
new = dict(zip(cols, row))
meta = json.loads(new["metadata"]); meta["session_id"] = "added_mid_read"
new.update(session_id="added_mid_read", metadata=json.dumps(meta))
db.execute(f"INSERT INTO sessions ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", [new[c] for c in cols])
db.commit()
`,
          file,
          early,
          late,
        );
        wrote = true;
      }
    }
    assert.ok(wrote);
    const sessions = events.flatMap((e) => (e.kind === 'session' ? [e.session] : []));
    const ids = sessions.map((s) => s.originalId);
    assert.equal(new Set(ids).size, ids.length, 'no session taken twice');
    assert.deepEqual(new Set(ids), new Set([...docs.map((d) => String(d.metadata.session_id)), 'added_mid_read']));
    const count = (id: string) => sessions.find((s) => s.originalId === id)!.fps.length;
    assert.equal(count(early), 3, 'taken before the write: as it was then');
    assert.equal(count(late), 4, 'read after the write: with the message it added');
    const warnings = events.flatMap((e) => (e.kind === 'opened' ? e.warnings : []));
    assert.ok(
      warnings.some((w) => w.includes('changed while it was read')),
      `warnings: ${JSON.stringify(warnings)}`,
    );
    assert.ok(!events.some((e) => e.kind === 'failed' || e.kind === 'error'));
  });
});
