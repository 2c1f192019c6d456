// Chromium's flags for every test that starts it (the webview tests, the VS Code UI and integration runs):
// no sandbox (we are root), and no background networking (the machine has no network; without these
// Chromium keeps retrying Google hosts). Plain .mjs so test/vscode/tools.mjs, run by node, can import it.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
