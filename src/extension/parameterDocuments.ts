// "Edit as JSON…" (Set Model Parameters…) opens a session's model parameters as a JSON document; saving it sets them
// through the core, which checks them whole. JSON that does not parse, or parameters it refuses, fail the save with the
// sentence saying where: the editor keeps the text (still unsaved), so nothing typed is lost.
// URIs: langswarm-params:/<title>/model parameters.json?<session id>
import * as vscode from 'vscode';
import type { ModelParameters, Session } from '../core/model';
import { parametersText, parseParametersText } from './commands/parameterInput';
import { RecordDocuments, idOf, recordUri, safeTitle } from './recordDocuments';
import type { WorkspaceStore } from './workspaceStore';

export const PARAMETERS_SCHEME = 'langswarm-params';

export function parametersUri(session: Pick<Session, 'id' | 'title'>): vscode.Uri {
  return recordUri(PARAMETERS_SCHEME, `/${safeTitle(session.title)}/model parameters.json`, session.id);
}

export class ParameterDocuments extends RecordDocuments implements vscode.FileSystemProvider {
  constructor(private readonly db: WorkspaceStore) {
    super(PARAMETERS_SCHEME);
    // Set elsewhere (the composer, another window, the CLI): an open document shows the new ones.
    this.subscriptions.push(
      db.onDidChange((e) => {
        if (e.type === 'sessionUpdated' || e.type === 'sessionDeleted') this.fireOpen((id) => id === e.sessionId);
      }),
    );
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

  private async session(uri: vscode.Uri): Promise<Session> {
    const manager = await this.db.manager();
    return this.read(uri, 'SessionNotFound', (id) => manager.get(id));
  }
}
