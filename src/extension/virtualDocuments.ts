// Read-only documents the extension shows in editors (replay comparisons, state dumps): not
// "dirty" like untitled files, and "Save As…" still works.
import * as vscode from 'vscode';

export const VIEW_SCHEME = 'langswarm-view';

export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** Puts `content` at a URI named `name` (`key` keeps documents of the same name apart). */
  set(name: string, key: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: VIEW_SCHEME, path: `/${name.replace(/[\\/:*?"<>|#%]/g, '_')}`, query: key });
    this.contents.set(uri.toString(), content);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
