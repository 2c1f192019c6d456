// "Edit as JSON…" (Set Model Parameters…) opens a session's model parameters as a JSON document; saving it sets them
// through the core, which checks them whole. JSON that does not parse, or parameters it refuses, fail the save with the
// sentence saying where: the editor keeps the text (still unsaved), so nothing typed is lost.
// URIs: langswarm-params:/<title>/model parameters.json?<session id>
import * as vscode from 'vscode';
import { CoreError } from '../core/errors';
import type { ModelParameters, Session } from '../core/model';
import { parametersText, parseParametersText } from './commands/parameterInput';
import type { WorkspaceStore } from './workspaceStore';

export const PARAMETERS_SCHEME = 'langswarm-params';

export function parametersUri(session: Pick<Session, 'id' | 'title'>): vscode.Uri {
  const safeTitle = session.title.replace(/[\\/:*?"<>|#%\u0000-\u001f]/g, '_').slice(0, 60) || 'session';
  return vscode.Uri.from({
    scheme: PARAMETERS_SCHEME,
    path: `/${safeTitle}/model parameters.json`,
    query: encodeURIComponent(session.id),
  });
}

const idOf = (uri: vscode.Uri) => decodeURIComponent(uri.query);

export class ParameterDocuments implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly db: WorkspaceStore) {
    // Set elsewhere (the composer, another window, the CLI): an open document shows the new ones.
    this.subscription = db.onDidChange((e) => {
      if (e.type !== 'sessionUpdated' && e.type !== 'sessionDeleted') return;
      const open = vscode.workspace.textDocuments.filter(
        (d) => d.uri.scheme === PARAMETERS_SCHEME && idOf(d.uri) === e.sessionId,
      );
      if (open.length) this.changed.fire(open.map((d) => ({ type: vscode.FileChangeType.Changed, uri: d.uri })));
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
    const s = await this.session(uri);
    return {
      type: vscode.FileType.File,
      ctime: Date.parse(s.createdAt),
      mtime: Date.parse(s.updatedAt),
      size: Buffer.byteLength(parametersText(s.parameters)),
      permissions: this.db.readOnly || s.status === 'archived' ? vscode.FilePermission.Readonly : undefined,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return Buffer.from(parametersText((await this.session(uri)).parameters), 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    if (this.db.readOnly)
      throw vscode.FileSystemError.NoPermissions('The session database is read-only in this workspace.');
    const parameters = parseParametersText(Buffer.from(content).toString('utf8'));
    const manager = await this.db.manager();
    await manager.setParameters(idOf(uri), parameters as ModelParameters);
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri }]);
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

  private async session(uri: vscode.Uri): Promise<Session> {
    const manager = await this.db.manager();
    try {
      return await manager.get(idOf(uri));
    } catch (e) {
      if (e instanceof CoreError && e.code === 'SessionNotFound') throw vscode.FileSystemError.FileNotFound(uri);
      throw e;
    }
  }
}
