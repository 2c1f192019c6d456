// Following the reference V1 store (the migrate bench's 2,000 sessions): what an idle poll costs
// (time and bytes read) against one full import in the same run, and how long a message the app
// saves takes to reach the database (a writer appending one message per save, as LangSwarm V1 does:
// the whole row rewritten, INSERT OR REPLACE).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from '../../src/core/langswarm';
import { Follower } from '../../src/core/langswarm/follow';
import { SessionManager } from '../../src/core/sessions';
import { addV1SessionRow, generateV1Docs, writeV1Db } from '../helpers/langswarm';
import { Report, scaled } from './report';

const SESSIONS = scaled(2000);
const MESSAGES = scaled(75_000);
const INTERVAL_MS = 1000;

/** Appends one message to a session of the store through SQLite itself (python3's sqlite3), as the app would. */
function appendOne(file: string, n: number): void {
  const r = spawnSync(
    'python3',
    [
      '-c',
      `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
row = list(db.execute("SELECT * FROM sessions ORDER BY rowid LIMIT 1 OFFSET ?", (int(sys.argv[2]) * 97 % rows,)).fetchone())
meta, hist = json.loads(row[9]), json.loads(row[10])
hist["messages"].append({"id": "live_" + sys.argv[2], "role": "user", "content": "live " + sys.argv[2], "timestamp": "2026-01-01T10:00:00", "metadata": {}})
row[7] = meta["updated_at"] = "2026-01-01T10:00:%02d.5" % int(sys.argv[2])
row[9], row[10] = json.dumps(meta), json.dumps(hist)
db.execute("INSERT OR REPLACE INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
db.commit()
`,
      file,
      String(n),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
}

export async function runFollowBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-follow-'));
  try {
    const source = path.join(dir, 'langswarm_sessions.db');
    await writeV1Db(source, generateV1Docs(SESSIONS, MESSAGES));
    const m = await SessionManager.open(path.join(dir, 'workspace.sqlite'));
    let imported: (() => void) | undefined;
    const follower = new Follower({
      sources: [source],
      intervalMs: INTERVAL_MS,
      importFiles: (files, unchanged) => migrate(m, files, { unchanged }),
      onImport: () => imported?.(),
    });
    const t0 = performance.now();
    await follower.poll();
    const fullMs = performance.now() - t0;
    const fullBytes = follower.totals.bytesRead;
    const importedAtFirst = follower.totals.messages;
    report.add({
      suite: 'follow',
      metric: `first poll: full import of the V1 store (${(fullBytes / 1048576).toFixed(0)} MB)`,
      value: fullMs,
      unit: 'ms',
    });

    const POLLS = 200;
    const t1 = performance.now();
    for (let i = 0; i < POLLS; i++) await follower.poll();
    const idleMs = (performance.now() - t1) / POLLS;
    report.add({
      suite: 'follow',
      metric: 'idle poll (nothing changed)',
      value: idleMs,
      unit: 'ms',
      note: `${(fullMs / idleMs).toFixed(0)}x less than the full import`,
    });
    report.add({
      suite: 'follow',
      metric: 'bytes read per idle poll',
      value: (follower.totals.bytesRead - fullBytes) / POLLS,
      unit: 'bytes',
      target: '0 (stat only)',
      met: follower.totals.bytesRead === fullBytes,
    });

    // From a committed write to the session in the database, the follower polling every second.
    follower.start();
    await new Promise<void>((resolve) => {
      imported = resolve;
      setTimeout(resolve, INTERVAL_MS * 2);
    });
    const latencies: number[] = [];
    const polls: number[] = [];
    for (let n = 1; n <= 5; n++) {
      const arrived = new Promise<void>((resolve) => {
        imported = resolve;
      });
      appendOne(source, n);
      const written = performance.now();
      await arrived;
      latencies.push(performance.now() - written);
      await new Promise((r) => setTimeout(r, 300 + n * 137)); // writes at different points of the poll cycle
    }
    await follower.stop();
    const t2 = performance.now();
    appendOne(source, 9);
    const changedAt = performance.now();
    const filesBefore = databaseFiles(m.path);
    await follower.poll();
    polls.push(performance.now() - changedAt);
    const writtenBytes = bytesWritten(filesBefore, databaseFiles(m.path));
    const live = follower.totals.messages - importedAtFirst;
    if (live !== 6) throw new Error(`expected 6 live messages, got ${live}`);
    const worst = Math.max(...latencies);
    report.add({
      suite: 'follow',
      metric: `write to session in the database (${INTERVAL_MS} ms polls), mean of 5`,
      value: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      unit: 'ms',
    });
    report.add({
      suite: 'follow',
      metric: '  worst of 5',
      value: worst,
      unit: 'ms',
      target: '<= 2,000 ms',
      met: worst <= 2000,
    });
    report.add({
      suite: 'follow',
      metric: `  of which the poll that imports it (one session re-read of ${SESSIONS.toLocaleString('en-US')})`,
      value: polls[0]!,
      unit: 'ms',
      note: `writer took ${(changedAt - t2).toFixed(0)} ms`,
    });
    // A session the app adds: a row of its own in the store.
    addV1SessionRow(source, 'session_new_live');
    const addedAt = performance.now();
    await follower.poll();
    const newSessionPoll = performance.now() - addedAt;
    if (follower.totals.sessionsAdded !== SESSIONS + 1) throw new Error('the new session was not imported');
    report.add({
      suite: 'follow',
      metric: '  a new session instead: the poll that imports it',
      value: newSessionPoll,
      unit: 'ms',
    });
    const snapshotBytes = 2 * fs.statSync(m.path).size; // the database and its backup, as a snapshot writes them
    report.add({
      suite: 'follow',
      metric: '  database bytes that poll wrote',
      value: writtenBytes,
      unit: 'bytes',
      note: `${((writtenBytes / snapshotBytes) * 100).toFixed(3)} % of a snapshot's ${(snapshotBytes / 1048576).toFixed(0)} MB`,
    });
    await m.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The database, its journal and its backup as the file system has them. */
function databaseFiles(db: string): Array<fs.Stats | undefined> {
  return ['', '.journal', '.bak'].map((ext) => fs.statSync(db + ext, { throwIfNoEntry: false }));
}

/** What was written between two looks: a file rewritten or replaced counts whole, the journal its growth. */
function bytesWritten(before: Array<fs.Stats | undefined>, after: Array<fs.Stats | undefined>): number {
  let bytes = 0;
  for (const [i, now] of after.entries()) {
    const was = before[i];
    if (!now || (was && now.ino === was.ino && now.mtimeMs === was.mtimeMs)) continue;
    bytes += i === 1 && was && now.ino === was.ino ? now.size - was.size : now.size;
  }
  return bytes;
}
