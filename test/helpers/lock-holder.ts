// A separate process that takes the database write lock through the real FileLock, for lock tests.
//   hold LOCK HEARTBEAT_MS          take it, print "held", keep it (heartbeating) until stdin says "release"
//   contend LOCK LOG ROUNDS         take and release it ROUNDS times, logging "+pid"/"-pid" around each
//                                   hold; after the last round exit without releasing (as if killed)
import * as fs from 'node:fs';
import { realFs } from '../../src/core/store/files';
import { FileLock } from '../../src/core/store/lock';

const [mode, lockPath, arg1, arg2] = process.argv.slice(2);

async function main(): Promise<void> {
  if (mode === 'hold') {
    const lock = new FileLock(realFs, lockPath!, { heartbeatMs: Number(arg1) });
    await lock.acquire();
    process.stdout.write('held\n');
    process.stdin.setEncoding('utf8');
    let input = '';
    for await (const chunk of process.stdin) {
      input += chunk as string;
      if (input.includes('release')) break;
    }
    lock.release();
    process.stdout.write('released\n');
    return;
  }
  if (mode === 'contend') {
    const lock = new FileLock(realFs, lockPath!, { timeoutMs: 60_000 });
    const rounds = Number(arg2);
    for (let i = 0; i < rounds; i++) {
      await lock.acquire();
      fs.appendFileSync(arg1!, `+${process.pid}\n`);
      await new Promise((r) => setTimeout(r, 2));
      fs.appendFileSync(arg1!, `-${process.pid}\n`);
      if (i === rounds - 1) process.exit(0); // leaves its lock behind, owned by a process about to be gone
      lock.release();
    }
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
