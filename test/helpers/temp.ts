// Temporary folders for tests: real files on disk, removed after each test file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'lss-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function tempDb(name = 'sessions.sqlite'): string {
  return path.join(tempDir(), name);
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Root-level hook: clean up once the whole run is over. */
export const mochaHooks = { afterAll: removeTempDirs };
