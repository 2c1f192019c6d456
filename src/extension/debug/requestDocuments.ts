// "Edit Request…" while a conversation is stopped before a model call: the pending request body (as the adapter's
// `langswarm/request` gives it) as a JSON document; saving it sends `langswarm/setRequest`, for that call only. JSON
// that does not parse fails the save with the sentence (the editor keeps the text, nothing is sent).
// URIs: langswarm-debug-request:/<debug session name>/request.json?<debug session id>
import * as vscode from 'vscode';
import { CoreError, describeError } from '../../core/errors';
import { DEBUG_TYPE } from '../keys';
import { RecordDocuments, idOf, recordUri, safeTitle } from '../recordDocuments';

export const REQUEST_SCHEME = 'langswarm-debug-request';

interface Pending {
  url?: string;
  body?: unknown;
  editable?: boolean;
}

const bodyText = (body: unknown) => `${JSON.stringify(body, null, 2)}\n`;

export class RequestDocuments extends RecordDocuments implements vscode.FileSystemProvider {
  private readonly sessions = new Map<string, vscode.DebugSession>();
  /** Per debug session, bumped at each stop and edit: a document's mtime, so VS Code rereads it then (and only then). */
  private readonly versions = new Map<string, number>();

  constructor() {
    super(REQUEST_SCHEME);
    this.subscriptions.push(
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === DEBUG_TYPE) this.sessions.set(s.id, s);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (!this.sessions.delete(s.id)) return;
        this.versions.delete(s.id);
        // Its requests are gone with it: their editors close (unless an edit in one was not saved).
        const stale = vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .filter(
            (t) =>
              t.input instanceof vscode.TabInputText &&
              t.input.uri.scheme === REQUEST_SCHEME &&
              idOf(t.input.uri) === s.id &&
              !t.isDirty,
          );
        if (stale.length) void vscode.window.tabGroups.close(stale);
        this.fireOpen((id) => id === s.id, vscode.FileChangeType.Deleted);
      }),
      // Each stop has another pending call: open documents show it.
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
        createDebugAdapterTracker: (s) => ({
          onDidSendMessage: (m: { type?: string; event?: string }) => {
            if (m.type === 'event' && m.event === 'stopped') this.changedFor(s.id);
          },
        }),
      }),
    );
  }

  /** Opens the request waiting in the active conversation debug session (refuses when none waits). */
  async open(): Promise<vscode.Uri> {
    const session = vscode.debug.activeDebugSession;
    if (session?.type !== DEBUG_TYPE)
      throw new CoreError('InvalidInput', 'Edit Request… works in a LangSwarm conversation debug session.');
    this.sessions.set(session.id, session);
    const pending = (await session.customRequest('langswarm/request')) as Pending;
    if (pending.body === undefined)
      throw new CoreError(
        'InvalidInput',
        'No model call is waiting: the request can be edited only when stopped before a call (step to the next one).',
      );
    const uri = recordUri(REQUEST_SCHEME, `/${safeTitle(session.name)}/request.json`, session.id);
    this.changedFor(session.id);
    await vscode.window.showTextDocument(uri, { preview: false });
    if (pending.editable === false)
      void vscode.window.showInformationMessage(
        'Replay sends nothing over the wire: this is what it answers from, and it cannot be edited.',
      );
    return uri;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const pending = await this.pending(uri);
    const version = this.versions.get(idOf(uri)) ?? 0;
    return {
      type: vscode.FileType.File,
      ctime: 0,
      mtime: version,
      size: Buffer.byteLength(bodyText(pending.body)),
      permissions: pending.editable === false ? vscode.FilePermission.Readonly : undefined,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return Buffer.from(bodyText((await this.pending(uri)).body), 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const session = this.session(uri);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(content).toString('utf8'));
    } catch (e) {
      throw new CoreError('InvalidInput', `The request is not valid JSON, so nothing was sent: ${describeError(e)}`);
    }
    await session.customRequest('langswarm/setRequest', { body });
    this.changedFor(session.id);
  }

  private changedFor(sessionId: string): void {
    this.versions.set(sessionId, (this.versions.get(sessionId) ?? 0) + 1);
    this.fireOpen((id) => id === sessionId);
  }

  private session(uri: vscode.Uri): vscode.DebugSession {
    const session = this.sessions.get(idOf(uri));
    if (!session) throw vscode.FileSystemError.FileNotFound(uri);
    return session;
  }

  private async pending(uri: vscode.Uri): Promise<Pending> {
    const pending = (await this.session(uri).customRequest('langswarm/request')) as Pending;
    if (pending.body === undefined)
      throw vscode.FileSystemError.Unavailable('No model call is waiting in this debug session.');
    return pending;
  }
}
