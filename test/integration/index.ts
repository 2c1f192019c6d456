// The suite VS Code loads in the extension host (the run() contract of @vscode/test-electron).
// Test files are bundled into tests.js and registered after mocha's globals exist.
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    ...(process.env['LSS_GREP'] ? { grep: process.env['LSS_GREP'] } : {}),
  });
  mocha.suite.emit('pre-require', globalThis, 'tests.js', mocha);
  require(path.join(__dirname, 'tests.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
