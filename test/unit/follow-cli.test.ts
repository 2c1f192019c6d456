// `migrate --watch` as a real process (dist/cli.js): it follows while files change, and Ctrl+C
// (SIGINT) prints a summary and exits 0.
import { strict as assert } from 'node:assert';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, RESTRICTED_USER, cli } from '../helpers/cli';
import { copyFixture, python, v1Doc, v1Message, writeV1Json } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

class Watch {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[], user?: number) {
    this.child = spawn(process.execPath, [CLI, 'migrate', '--watch', '--interval', '100', ...args], {
      ...(user === undefined ? {} : { uid: user, gid: user }),
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  /** Resolves once `pattern` is in stdout (or stderr); mocha's timeout bounds the wait. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    while (!pattern.test(this[stream])) await new Promise((r) => setTimeout(r, 50));
  }

  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

const lines = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l));

describe('CLI: migrate --watch', function () {
  this.timeout(120_000);
  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });

  it('imports what the app adds and extends while it runs, once; a torn JSON file is reported once; Ctrl+C sums up', async () => {
    const db = tempDb();
    const folder = copyFixture('v1/json');
    const store = copyFixture('v1/langswarm_sessions.db');
    const watch = new Watch([folder, store, '--db', db]);
    await watch.waitFor(/^Imported 2,017 messages in 6 sessions\.$/m);

    writeV1Json(
      path.join(folder, 'session_live.json'),
      v1Doc('session_live', [v1Message('l1', 'user', 'Hi', '2025-07-09T08:00:00')]),
    );
    await watch.waitFor(/\+1 message in new session session_live/);
    python(
      `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = list(db.execute("SELECT * FROM sessions WHERE session_id = 'session_9a6c1d24'").fetchone())
meta, hist = json.loads(row[9]), json.loads(row[10])
hist["messages"] += [{"id": "live_%d" % i, "role": "user", "content": "more %d" % i, "timestamp": "2025-07-09T10:00:0%d" % i, "metadata": {}} for i in range(3)]
row[7] = meta["updated_at"] = "2025-07-09T10:00:05"
row[9], row[10] = json.dumps(meta), json.dumps(hist)
db.execute("INSERT OR REPLACE INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
db.commit()
`,
      store,
    );
    await watch.waitFor(/\+3 messages in session_9a6c1d24 \(.*langswarm_sessions\.db\)/);
    const torn = path.join(folder, 'session_torn.json');
    fs.writeFileSync(torn, '{"metadata": {"user_id": "u", "session_id": "session_torn", "provi');
    await watch.waitFor(/session_torn\.json is not valid JSON/, 'stderr');
    await new Promise((r) => setTimeout(r, 600)); // six more polls

    assert.equal(await watch.interrupt(), 0, watch.stderr);
    assert.equal(lines(watch.stderr, /session_torn/).length, 1, watch.stderr);
    assert.equal(lines(watch.stdout, /session_live/).length, 1);
    assert.equal(lines(watch.stdout, /session_9a6c1d24/).length, 1);
    assert.match(watch.stdout, /Stopped following: 7 sessions added, 1 extended, 2,021 messages, 1 error\.\n$/);
    const list = JSON.parse(cli(['list', '--json', '--db', db]).stdout) as {
      sessions: Array<{ originalId: string; messageCount: number }>;
    };
    const counts = Object.fromEntries(list.sessions.map((s) => [s.originalId, s.messageCount]));
    assert.equal(list.sessions.length, 7, 'each session once');
    assert.deepEqual([counts['session_live'], counts['session_9a6c1d24']], [1, 2003]);
  });

  it('refuses --watch with --dry-run or --json, and --interval without --watch, before opening anything', () => {
    const db = tempDb();
    const source = copyFixture('v1/json');
    for (const [args, message] of [
      [['--watch', '--dry-run'], /--watch cannot be combined with --dry-run or --json/],
      [['--watch', '--json'], /--watch cannot be combined/],
      [['--interval', '500'], /--interval is the poll interval of --watch/],
      [['--watch', '--interval', '0'], /--interval needs a whole number of 1 or more/],
    ] as const) {
      const r = cli(['migrate', source, ...args, '--db', db]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
    }
    assert.equal(fs.existsSync(db), false, 'no database was created');
  });

  it('waits for a source that does not exist yet and imports it once the app has saved it', async () => {
    const db = tempDb();
    const later = path.join(tempDir(), 'agent', 'langswarm_sessions.db');
    const watch = new Watch([later, '--db', db]);
    await watch.waitFor(
      /^waiting: .*agent\/langswarm_sessions\.db does not exist; it is imported once it appears\.$/m,
      'stderr',
    );
    await new Promise((r) => setTimeout(r, 300)); // three more polls: said once
    fs.mkdirSync(path.dirname(later));
    fs.copyFileSync(copyFixture('v1/langswarm_sessions.db'), later);
    await watch.waitFor(/\+2,000 messages in new session session_9a6c1d24/);
    assert.equal(await watch.interrupt(), 0, watch.stderr);
    assert.equal(lines(watch.stderr, /./).length, 1, watch.stderr);
    assert.match(watch.stdout, /Stopped following: 6 sessions added, 0 extended, 2,017 messages, 0 errors\.\n$/);
  });

  it('reports a file it may not read, once, and goes on with the others', async () => {
    const root = tempDir();
    fs.chmodSync(root, 0o777);
    const folder = copyFixture('v1/json');
    fs.cpSync(folder, path.join(root, 'json'), { recursive: true });
    fs.chmodSync(path.join(root, 'json'), 0o777);
    const secret = path.join(root, 'json/session_b7d41e03.json');
    fs.chmodSync(secret, 0o000);
    const db = path.join(root, 'sessions.sqlite');
    // Permissions do not stop root: run as nobody then.
    const watch = new Watch([path.join(root, 'json'), '--db', db], RESTRICTED_USER);
    await watch.waitFor(/Imported 2,012 messages in 5 sessions/);
    await watch.waitFor(/session_b7d41e03\.json cannot be read: permission denied/, 'stderr');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await watch.interrupt(), 0, watch.stderr);
    assert.equal(lines(watch.stderr, /session_b7d41e03/).length, 1, watch.stderr);
    assert.match(watch.stdout, /Stopped following: 5 sessions added, 0 extended, 2,012 messages, 1 error\./);
  });
});
