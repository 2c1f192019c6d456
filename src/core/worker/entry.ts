// Where a worker thread's script is: the bundle beside the running one in dist/, or its TypeScript source
// through tsx when running from source (unit tests).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `dir` is the caller's __dirname: dist/ when bundled, the source's folder under tsx. */
export function workerScript(dir: string, bundle: string, source: string): { file: string; execArgv: string[] } {
  const bundled = path.join(dir, bundle);
  if (fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  const tsx = 'tsx/cjs'; // a variable: bundlers leave it alone
  return { file: path.join(dir, source), execArgv: ['--require', require.resolve(tsx)] };
}
