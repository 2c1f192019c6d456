// "Edit Message" opens a message's text as a document; saving it applies the edit through the core
// (which keeps the previous text as a revision). URIs: langswarm-message:/<title>/<seq>-<role>.md?<message id>
import * as vscode from 'vscode';
import { Message, messageText, Part } from '../core/model';
import { RecordDocuments, recordUri, safeTitle } from './recordDocuments';
import { WorkspaceStore } from './workspaceStore';

export const MESSAGE_SCHEME = 'langswarm-message';

export function messageUri(m: Message, sessionTitle: string): vscode.Uri {
  return recordUri(MESSAGE_SCHEME, `/${safeTitle(sessionTitle)}/${m.seq}-${m.role}.md`, m.id);
}

/** The message's parts with its text replaced: other parts (tool calls, reasoning…) stay where they were. */
export function withText(parts: readonly Part[], text: string): Part[] {
  const first = parts.findIndex((p) => p.type === 'text');
  const kept = parts.filter((p) => p.type !== 'text');
  const at = first < 0 ? kept.length : parts.slice(0, first).filter((p) => p.type !== 'text').length;
  return [...kept.slice(0, at), { type: 'text', text }, ...kept.slice(at)];
}

export class MessageDocuments extends RecordDocuments implements vscode.FileSystemProvider {
  constructor(private readonly db: WorkspaceStore) {
    super(MESSAGE_SCHEME);
    // Another window (or the history browser) edited a message that is open here: reload it.
    this.subscriptions.push(
      db.onDidChange((e) => {
        if (e.type !== 'messagesUpdated' && e.type !== 'messagesDeleted') return;
        const type = e.type === 'messagesDeleted' ? vscode.FileChangeType.Deleted : vscode.FileChangeType.Changed;
        this.fireOpen((id) => e.messageIds.includes(id), type);
      }),
    );
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

  override delete(): never {
    throw vscode.FileSystemError.NoPermissions('Use "Delete Message" in the Sessions view.');
  }

  private async message(uri: vscode.Uri): Promise<Message> {
    const manager = await this.db.manager();
    return this.read(uri, 'MessageNotFound', (id) => manager.getMessage(id));
  }
}
