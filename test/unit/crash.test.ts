// Crash safety and concurrency with real processes: the CLI's `add --jsonl` prints each message id
// only once that message is durable; we SIGKILL it at random moments (including mid-snapshot) and
// check that every id it printed survives, exactly once, in a readable database.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { messageText } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { CLI, cliAsync } from '../helpers/cli';
import { tempDb } from '../helpers/temp';

const KILLS = Number(process.env['LANGSWARM_CRASH_KILLS'] ?? 200);

/** A seeded pseudo-random generator so a failing run can be repeated (seed printed on failure). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  acked: string[];
  killed: boolean;
  code: number | null;
  stderr: string;
}

/** Runs `add --jsonl` and kills it `killAfterMs` after its first acknowledgement (or after start, when `early`). */
function addUntilKilled(
  db: string,
  sessionId: string,
  lines: string[],
  killAfterMs: number,
  early: boolean,
  env: NodeJS.ProcessEnv,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'add', sessionId, '--jsonl', '--db', db], {
      env: { ...process.env, ...env },
    });
    const acked: string[] = [];
    let buffered = '';
    let stderr = '';
    let exited = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, killAfterMs);
    };
    if (early) arm();
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      arm();
      buffered += d;
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      acked.push(...complete.filter(Boolean));
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdin.on('error', () => undefined); // EPIPE after the kill
    child.stdin.end(`${lines.join('\n')}\n`);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      // An id whose line was not complete when the process died was never acknowledged.
      resolve({ acked, killed: signal === 'SIGKILL', code, stderr });
    });
  });
}

async function assertValidSqlite(file: string): Promise<void> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    assert.equal(db.exec('PRAGMA quick_check')[0]?.values[0]?.[0], 'ok', `${file} is a valid SQLite file`);
  } finally {
    db.close();
  }
}

describe('crash safety with real processes', function () {
  this.timeout(15 * 60_000);

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });

  it(`loses no acknowledged message across ${KILLS} SIGKILLs during appends and snapshots`, async () => {
    const seed = Number(process.env['LANGSWARM_CRASH_SEED'] ?? Date.now() % 1_000_000);
    const rand = random(seed);
    const db = tempDb();
    const setup = await SessionManager.open(db);
    const session = await setup.create({ provider: 'openai', model: 'm', title: 'crash test' });
    await setup.close();

    const acked = new Map<string, string>(); // id -> content
    let counter = 0;
    let kills = 0;
    let rounds = 0;
    while (kills < KILLS) {
      rounds += 1;
      // Half the rounds snapshot every few messages, so kills land inside snapshot writes too.
      const env = rand() < 0.5 ? { LANGSWARM_CHECKPOINT_BYTES: String(1500 + Math.floor(rand() * 4000)) } : {};
      const lines = Array.from({ length: 300 }, () => JSON.stringify({ role: 'user', content: `c${counter++}` }));
      // Most kills land while messages are being appended; some during start-up and open.
      const early = rand() < 0.15;
      const run = await addUntilKilled(db, session.id, lines, Math.floor(rand() * (early ? 400 : 150)), early, env);
      if (run.killed) kills += 1;
      else assert.equal(run.code, 0, `seed ${seed}: a run that was not killed must succeed: ${run.stderr}`);

      // Verify as another program would, without repairing anything first.
      await assertValidSqlite(db);
      const check = await SessionManager.open(db, { readOnly: true });
      const messages = check.allMessages(session.id);
      await check.close();
      const byId = new Map(messages.map((m) => [m.id, m]));
      for (const id of run.acked) {
        const m = byId.get(id);
        assert.ok(m, `seed ${seed}, round ${rounds}: acknowledged message ${id} is missing`);
        acked.set(id, messageText(m.parts));
      }
      for (const [id, text] of acked)
        assert.equal(
          byId.has(id) ? messageText(byId.get(id)!.parts) : undefined,
          text,
          `seed ${seed}: message ${id} changed or vanished`,
        );
      const texts = messages.map((m) => messageText(m.parts));
      assert.equal(new Set(texts).size, texts.length, `seed ${seed}: no message is stored twice`);
      const seqs = messages.map((m) => m.seq);
      assert.equal(new Set(seqs).size, seqs.length, `seed ${seed}: seqs are unique`);
    }
    assert.ok(acked.size > KILLS, `messages were acknowledged between kills (${acked.size})`);
    const final = await SessionManager.open(db);
    assert.equal(final.get(session.id).messageCount, final.allMessages(session.id).length);
    await final.close();
  });

  it('two processes appending to one session at once lose and duplicate nothing', async () => {
    const db = tempDb();
    const setup = await SessionManager.open(db);
    const session = await setup.create({ provider: 'openai', model: 'm' });
    await setup.close();
    const lines = (who: string) =>
      Array.from({ length: 300 }, (_, i) => JSON.stringify({ role: 'user', content: `${who}-${i}` })).join('\n');
    const env = { LANGSWARM_CHECKPOINT_BYTES: '20000' }; // both also fold snapshots while the other writes
    const [a, b] = await Promise.all([
      cliAsync(['add', session.id, '--jsonl', '--db', db], { input: lines('a'), env }),
      cliAsync(['add', session.id, '--jsonl', '--db', db], { input: lines('b'), env }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ids = [...a.stdout.trim().split('\n'), ...b.stdout.trim().split('\n')];
    assert.equal(new Set(ids).size, 600);
    const check = await SessionManager.open(db);
    const messages = check.allMessages(session.id);
    await check.close();
    assert.deepEqual(new Set(messages.map((m) => m.id)), new Set(ids));
    assert.deepEqual(
      messages.map((m) => m.seq),
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    const texts = messages.map((m) => messageText(m.parts));
    for (const who of ['a', 'b']) {
      const mine = texts.filter((t) => t.startsWith(`${who}-`));
      assert.deepEqual(
        mine,
        Array.from({ length: 300 }, (_, i) => `${who}-${i}`),
        `${who}'s messages keep their order`,
      );
    }
  });
});
