// Ways the extension talks to the user, written once: long work in a notification with Cancel, a warning, why
// something needs workspace trust, and where a save dialog starts.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { defaultSavePath } from './format';

export type Progress = vscode.Progress<{ message?: string; increment?: number }>;

/** Runs `work` under a notification whose Cancel aborts the signal `work` was given. */
export function withCancellableProgress<T>(
  title: string,
  work: (signal: AbortSignal, progress: Progress) => T | PromiseLike<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      try {
        return await work(abort.signal, progress);
      } finally {
        cancel.dispose();
      }
    },
  );
}

/** A warning, said to be ours (it may come from a stream, the store or its worker). Not awaited: the user may never answer. */
export function showWarning(message: string): void {
  void vscode.window.showWarningMessage(`LangSwarm Sessions: ${message}`);
}

/** The save dialog's starting file for `fileName` (see format.ts's defaultSavePath). */
export function defaultSaveUri(fileName: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (folder && folder.scheme !== 'file') return vscode.Uri.joinPath(folder, fileName); // a virtual workspace
  return vscode.Uri.file(defaultSavePath(fileName, folder?.fsPath, os.homedir()));
}

/** Says why something was not done in Restricted Mode, with the way out. Not awaited: the user may never answer. */
export function explainUntrusted(sentence: string): void {
  void vscode.window.showWarningMessage(sentence, 'Manage Workspace Trust').then((answer) => {
    if (answer) void vscode.commands.executeCommand('workbench.trust.manage');
  });
}
