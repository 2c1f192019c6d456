// What the two "edit a record as a document" file systems share (a message's text, a session's model
// parameters): URIs named by a readable path with the record's id in the query, change events for the
// documents that are open, and no folders, deletion or renaming.
import * as vscode from 'vscode';
import { CoreError } from '../core/errors';

/** A path segment from a session title: no path or URI specials, at most 60 characters. */
export const safeTitle = (title: string): string =>
  title.replace(/[\\/:*?"<>|#%\u0000-\u001f]/g, '_').slice(0, 60) || 'session';

export const recordUri = (scheme: string, path: string, id: string): vscode.Uri =>
  vscode.Uri.from({ scheme, path, query: encodeURIComponent(id) });

export const idOf = (uri: vscode.Uri): string => decodeURIComponent(uri.query);

export abstract class RecordDocuments implements vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  protected subscriptions: vscode.Disposable[] = [this.changed];

  constructor(private readonly scheme: string) {}

  /** Tells the open documents of this scheme whose record id passes `changedId` that they changed (or are gone). */
  protected fireOpen(changedId: (id: string) => boolean, type = vscode.FileChangeType.Changed): void {
    const open = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === this.scheme && changedId(idOf(d.uri)));
    if (open.length) this.changed.fire(open.map((d) => ({ type, uri: d.uri })));
  }

  /** The record, or FileNotFound when the core says it does not exist (`missing`: that error's code). */
  protected async read<T>(uri: vscode.Uri, missing: string, get: (id: string) => Promise<T>): Promise<T> {
    try {
      return await get(idOf(uri));
    } catch (e) {
      if (e instanceof CoreError && e.code === missing) throw vscode.FileSystemError.FileNotFound(uri);
      throw e;
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  readDirectory(): never {
    throw vscode.FileSystemError.NoPermissions();
  }
  createDirectory(): never {
    throw vscode.FileSystemError.NoPermissions();
  }
  delete(): never {
    throw vscode.FileSystemError.NoPermissions();
  }
  rename(): never {
    throw vscode.FileSystemError.NoPermissions();
  }
}
