// Runs the built CLI (dist/cli.js) as a real process.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '../../dist/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** A file descriptor to give the CLI as its stdout (then `stdout` in the result is empty). */
  stdoutFd?: number;
  cwd?: string;
  /** Run as another user (uid and gid), e.g. so that folder permissions apply when the tests run as root. */
  user?: number;
}

export function cli(args: string[], options: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    maxBuffer: 256 * 1024 * 1024,
    ...(options.stdoutFd === undefined ? {} : { stdio: ['pipe', options.stdoutFd, 'pipe'] }),
    ...(options.user === undefined ? {} : { uid: options.user, gid: options.user }),
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr };
}

/**
 * The CLI on one test database, read from `db()` at each call (tests make a fresh one per test): `run` adds `--db`;
 * `ok` also asserts exit code 0 and returns stdout.
 */
export function cliOnDb(db: () => string) {
  const run = (...args: string[]) => cli([...args, '--db', db()]);
  const ok = (...args: string[]) => {
    const r = run(...args);
    assert.equal(r.code, 0, `${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  return { run, ok };
}

/**
 * A user whose permissions the file system enforces: this one, or "nobody" (65534) when the tests
 * run as root, whom permissions do not stop.
 */
export const RESTRICTED_USER: number | undefined = process.getuid?.() === 0 ? 65534 : undefined;

export function cliAsync(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs the CLI with stdout a pipe that is read slowly: not at all for `pauseMs`, so the pipe fills
 * up and the CLI's writes wait. Resolves with every byte it wrote.
 */
export function cliSlowReader(
  args: string[],
  pauseMs: number,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.on('data', (d: Buffer) => chunks.push(d)).resume(), pauseMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}
