// "Edit Message" opens a message's text as a document; saving it applies the edit through the core
// (which keeps the previous text as a revision). URIs: langswarm-message:/<title>/<seq>-<role>.md?<message id>
import * as vscode from 'vscode';
import { CoreError } from '../core/errors';
import { Message, messageText, Part } from '../core/model';
import { WorkspaceStore } from './workspaceStore';

export const MESSAGE_SCHEME = 'langswarm-message';

export function messageUri(m: Message, sessionTitle: string): vscode.Uri {
  const safeTitle = sessionTitle.replace(/[\\/:*?"<>|#%\u0000-\u001f]/g, '_').slice(0, 60) || 'session';
  return vscode.Uri.from({
    scheme: MESSAGE_SCHEME,
    path: `/${safeTitle}/${m.seq}-${m.role}.md`,
    query: encodeURIComponent(m.id),
  });
}

const idOf = (uri: vscode.Uri) => decodeURIComponent(uri.query);

/** The message's parts with its text replaced: other parts (tool calls, reasoning…) stay where they were. */
export function withText(parts: readonly Part[], text: string): Part[] {
  const first = parts.findIndex((p) => p.type === 'text');
  const kept = parts.filter((p) => p.type !== 'text');
  const at = first < 0 ? kept.length : parts.slice(0, first).filter((p) => p.type !== 'text').length;
  return [...kept.slice(0, at), { type: 'text', text }, ...kept.slice(at)];
}

export class MessageDocuments implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly db: WorkspaceStore) {
    // Another window (or the history browser) edited a message that is open here: reload it.
    this.subscription = db.onDidChange((e) => {
      if (e.type !== 'messagesUpdated' && e.type !== 'messagesDeleted') return;
      const open = vscode.workspace.textDocuments.filter(
        (d) => d.uri.scheme === MESSAGE_SCHEME && e.messageIds.includes(idOf(d.uri)),
      );
      if (open.length)
        this.changed.fire(
          open.map((d) => ({
            type: e.type === 'messagesDeleted' ? vscode.FileChangeType.Deleted : vscode.FileChangeType.Changed,
            uri: d.uri,
          })),
        );
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const m = await this.message(uri);
    return {
      type: vscode.FileType.File,
      ctime: Date.parse(m.createdAt),
      mtime: Date.parse(m.editedAt ?? m.createdAt) + m.revision,
      size: Buffer.byteLength(messageText(m.parts)),
      permissions: this.db.readOnly ? vscode.FilePermission.Readonly : undefined,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return Buffer.from(messageText((await this.message(uri)).parts), 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    if (this.db.readOnly)
      throw vscode.FileSystemError.NoPermissions('The session database is read-only in this workspace.');
    const manager = await this.db.manager();
    const m = await this.message(uri);
    await manager.editMessage(m.id, { parts: withText(m.parts, Buffer.from(content).toString('utf8')) });
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  readDirectory(): never {
    throw vscode.FileSystemError.NoPermissions();
  }
  createDirectory(): never {
    throw vscode.FileSystemError.NoPermissions();
  }
  delete(): never {
    throw vscode.FileSystemError.NoPermissions('Use "Delete Message" in the Sessions view.');
  }
  rename(): never {
    throw vscode.FileSystemError.NoPermissions();
  }

  private async message(uri: vscode.Uri): Promise<Message> {
    const manager = await this.db.manager();
    try {
      return await manager.getMessage(idOf(uri));
    } catch (e) {
      if (e instanceof CoreError && e.code === 'MessageNotFound') throw vscode.FileSystemError.FileNotFound(uri);
      throw e;
    }
  }
}
