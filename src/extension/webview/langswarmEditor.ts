// The read-only custom editor of LangSwarm stores (`langswarm_sessions.db`, `langswarm_memory.db`): instead of VS Code's
// binary-file warning, what the file holds and an Import button. The file is read in a worker of its own with a budget
// (SessionClient.inspect): it is untrusted, may be large, and sql.js is synchronous. It is read again when it changes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { SessionClient } from '../../core/worker/client';
import { IMPORT_COMMAND, LangSwarmPage, langswarmPageHtml } from './langswarmPage';

const REREAD_DELAY_MS = 500;

/** Shows `uri` in `panel` and keeps it current; disposed with the panel. */
export function showLangSwarmStore(uri: vscode.Uri, panel: vscode.WebviewPanel, log: vscode.LogOutputChannel): void {
  const webview = panel.webview;
  webview.options = { enableScripts: false, enableCommandUris: [IMPORT_COMMAND], localResourceRoots: [] };
  const file = uri.fsPath;
  const base: LangSwarmPage = {
    cspSource: webview.cspSource,
    file,
    shownPath: vscode.workspace.asRelativePath(uri),
    trusted: vscode.workspace.isTrusted,
  };
  let generation = 0;
  let disposed = false;
  const render = async () => {
    const mine = ++generation;
    webview.html = langswarmPageHtml({ ...base, trusted: vscode.workspace.isTrusted });
    let page: LangSwarmPage;
    if (uri.scheme !== 'file') {
      page = { ...base, error: `It is not a local file (${uri.scheme}:), which is all LangSwarm Sessions reads.` };
    } else {
      try {
        page = { ...base, summary: await SessionClient.inspect(file) };
      } catch (e) {
        log.info(`${path.basename(file)} could not be summarised: ${describeError(e)}`);
        page = { ...base, error: describeError(e) };
      }
    }
    if (disposed || mine !== generation) return; // closed, or a newer read is under way
    webview.html = langswarmPageHtml({ ...page, trusted: vscode.workspace.isTrusted });
  };
  void render();

  let timer: NodeJS.Timeout | undefined;
  const reread = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void render(), REREAD_DELAY_MS);
  };
  const watcher =
    uri.scheme === 'file'
      ? vscode.workspace.createFileSystemWatcher(
          new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
        )
      : undefined;
  const subscriptions = [
    watcher,
    watcher?.onDidChange(reread),
    watcher?.onDidCreate(reread),
    vscode.workspace.onDidGrantWorkspaceTrust(reread),
  ];
  panel.onDidDispose(() => {
    disposed = true;
    clearTimeout(timer);
    for (const s of subscriptions) s?.dispose();
  });
}
