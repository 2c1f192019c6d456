// The cross-process write lock: it never spins, never waits on something that is not a lock, and no
// abandoned lock (unrelated live pid, clock in the future, crashed owner) blocks writes for good.
import { strict as assert } from 'node:assert';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionManager } from '../../src/core/sessions';
import { FileSystem, realFs } from '../../src/core/store/files';
import { FileLock } from '../../src/core/store/lock';
import { expectCoreError } from '../helpers/errors';
import { tempDb, tempDir } from '../helpers/temp';

const HOLDER = path.resolve(__dirname, '../helpers/lock-holder.ts');
const TSX = require.resolve('tsx/cjs');

/** A database with one session and message, closed, so the lock path is free for the test to fill. */
async function seeded(): Promise<{ file: string; sessionId: string }> {
  const file = tempDb();
  const m = await SessionManager.open(file);
  const s = await m.create({ provider: 'openai', model: 'm' });
  await m.addMessage(s.id, { role: 'user', content: 'first' });
  await m.close();
  return { file, sessionId: s.id };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function holder(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--require', TSX, HOLDER, ...args]);
}

/** Resolves with the child's stdout once it contains `text`. */
function waitFor(child: ChildProcessWithoutNullStreams, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes(text)) resolve(out);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('close', (code) => reject(new Error(`lock holder exited (${code}) before "${text}": ${err}`)));
  });
}

describe('store: the write lock', function () {
  this.timeout(30_000); // a lock that spins or never gives up ends the test here

  it('fails a write within the busy timeout, naming the path, when the lock is a folder', async () => {
    const { file, sessionId } = await seeded();
    fs.mkdirSync(`${file}.lock`);
    fs.writeFileSync(`${file}.lock/keep.txt`, 'mine');
    const m = await SessionManager.open(file, { lockTimeoutMs: 5_000 });
    await expectCoreError(
      m.addMessage(sessionId, { role: 'user', content: 'x' }),
      'StorageError',
      new RegExp(`lock ${file}\\.lock is a folder, not a lock file; remove it`),
    );
    assert.equal(fs.readFileSync(`${file}.lock/keep.txt`, 'utf8'), 'mine', 'the folder is left alone');
    fs.rmSync(`${file}.lock`, { recursive: true });
    await m.addMessage(sessionId, { role: 'user', content: 'after' });
    assert.equal(m.get(sessionId).messageCount, 2);
    await m.close();
  });

  it('gives up at the busy timeout with the cause when the lock cannot be inspected', async () => {
    const { file, sessionId } = await seeded();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: 999_999_999, host: os.hostname(), token: 'dead' }));
    const broken =
      (name: string) =>
      (...args: unknown[]) => {
        if (String(args[0]).endsWith('.lock'))
          throw Object.assign(new Error(`EIO: i/o error, ${name}`), { code: 'EIO' });
        return (realFs[name as keyof FileSystem] as (...a: unknown[]) => unknown)(...args);
      };
    const disk = {
      ...realFs,
      lstatSync: broken('lstatSync'),
      statSync: broken('statSync'),
      readFileSync: broken('readFileSync'),
    } as FileSystem;
    const m = await SessionManager.open(file, { fs: disk, lockTimeoutMs: 300 });
    await expectCoreError(
      m.addMessage(sessionId, { role: 'user', content: 'x' }),
      'StorageError',
      new RegExp(`Could not inspect the database lock ${file}\\.lock: EIO`),
    );
    await m.close();
  });

  it('judges a lock it cannot read by its heartbeat alone, and breaks it once that stops', async () => {
    const { file, sessionId } = await seeded();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'unreadable' }));
    const denied = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    const isLock = (p: unknown) => /\.lock(\.stale-.*)?$/.test(String(p)); // also once moved aside to be broken
    const disk = {
      ...realFs,
      // Creating the lock still works; reading one does not (as for a file of another user, mode 600).
      openSync: ((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null) =>
        isLock(p) && flags !== 'wx' ? denied() : realFs.openSync(p, flags ?? 'r', mode)) as FileSystem['openSync'],
      readFileSync: ((p: fs.PathOrFileDescriptor, o?: unknown) =>
        isLock(p) ? denied() : realFs.readFileSync(p, o as BufferEncoding)) as FileSystem['readFileSync'],
    } as FileSystem;
    const m = await SessionManager.open(file, { fs: disk, lockHeartbeatMs: 40, lockTimeoutMs: 10_000 });
    await m.addMessage(sessionId, { role: 'user', content: 'after the unreadable lock' });
    assert.equal(m.get(sessionId).messageCount, 2);
    await m.close();
  });

  it('breaks a lock held in the name of a live but unrelated process once it is not refreshed', async () => {
    const { file, sessionId } = await seeded();
    assert.doesNotThrow(() => process.kill(1, 0), 'pid 1 is alive (and not ours)');
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: os.hostname(), token: 'planted' }));
    const m = await SessionManager.open(file, { lockHeartbeatMs: 40, lockTimeoutMs: 10_000 });
    await m.addMessage(sessionId, { role: 'user', content: 'after the stale lock' });
    assert.equal(m.get(sessionId).messageCount, 2);
    assert.equal(fs.existsSync(`${file}.lock`), false, 'our own lock is released after the write');
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.lock')),
      [],
      'nothing left aside',
    );
    await m.close();
  });

  it('breaks a lock whose modification time is a day in the future once it stops changing', async () => {
    const { file, sessionId } = await seeded();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: 4242, host: 'another-machine', token: 'future' }));
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    fs.utimesSync(`${file}.lock`, tomorrow, tomorrow);
    const m = await SessionManager.open(file, { lockHeartbeatMs: 40, lockTimeoutMs: 10_000 });
    await m.addMessage(sessionId, { role: 'user', content: 'after the future lock' });
    assert.equal(m.get(sessionId).messageCount, 2);
    await m.close();
  });

  it('refreshes a held lock, so waiters can tell it from an abandoned one', async () => {
    const file = path.join(tempDir(), 'x.lock');
    const lock = new FileLock(realFs, file, { heartbeatMs: 20 });
    await lock.acquire();
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(file, old, old);
    await sleep(200);
    assert.ok(fs.statSync(file).mtimeMs > old.getTime() + 1000, 'the heartbeat moved the modification time on');
    lock.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('takes the lock again, waiting its turn, when another process broke it while we held it', async () => {
    const file = path.join(tempDir(), 'x.lock');
    const a = new FileLock(realFs, file, { timeoutMs: 10_000 });
    const b = new FileLock(realFs, file, { timeoutMs: 10_000 });
    await a.acquire();
    fs.unlinkSync(file); // as a waiter does with a lock it judged abandoned (a long stall here)
    await b.acquire();
    let aHasIt = false;
    const again = a.acquire().then(() => {
      aHasIt = true;
    });
    await sleep(100);
    assert.equal(aHasIt, false, 'a waits for b instead of believing it still holds the lock');
    b.release();
    await again;
    assert.equal(aHasIt, true);
    a.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('waits for another process that holds the lock and keeps it fresh, then writes once it lets go', async () => {
    const { file, sessionId } = await seeded();
    const child = holder(['hold', `${file}.lock`, '50']);
    try {
      await waitFor(child, 'held');
      const theirs = fs.readFileSync(`${file}.lock`, 'utf8');
      assert.match(theirs, new RegExp(`"pid":${child.pid}`));
      const m = await SessionManager.open(file, { lockHeartbeatMs: 200, lockTimeoutMs: 20_000 }); // stale after 1 s unchanged
      let done = false;
      const write = m.addMessage(sessionId, { role: 'user', content: 'after the other process' }).then(() => {
        done = true;
      });
      await sleep(3_000);
      assert.equal(done, false, 'the write waits while the holder keeps its lock fresh');
      assert.equal(fs.readFileSync(`${file}.lock`, 'utf8'), theirs, 'their lock was not broken');
      const released = waitFor(child, 'released');
      child.stdin.write('release\n');
      await released;
      await write;
      assert.equal(m.get(sessionId).messageCount, 2);
      await m.close();
    } finally {
      child.kill();
    }
  });

  it('lets only one of several processes breaking the same abandoned lock hold it at a time', async () => {
    const dir = tempDir();
    const lockPath = path.join(dir, 'x.lock');
    const log = path.join(dir, 'holds.log');
    fs.writeFileSync(lockPath, JSON.stringify({ pid: 999_999_999, host: os.hostname(), token: 'dead' }));
    const children = [1, 2, 3].map(() => holder(['contend', lockPath, log, '15']));
    const codes = await Promise.all(
      children.map(
        (c) =>
          new Promise<number | null>((resolve) => {
            let err = '';
            c.stderr.setEncoding('utf8').on('data', (d: string) => {
              err += d;
            });
            c.on('close', (code) => {
              if (code !== 0) process.stderr.write(err);
              resolve(code);
            });
          }),
      ),
    );
    assert.deepEqual(codes, [0, 0, 0]);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3 * 15 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      assert.ok(
        lines[i]!.startsWith('+') && lines[i + 1] === `-${lines[i]!.slice(1)}`,
        `hold ${i / 2} overlaps another: ${lines.slice(i, i + 2).join(' ')}`,
      );
    }
  });
});
