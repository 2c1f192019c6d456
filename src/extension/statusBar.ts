// The active session in the status bar; clicking it switches session (Resume Session).
import * as vscode from 'vscode';
import { displayTitle } from '../core/text';
import { WorkspaceStore } from './workspaceStore';
import { ACTIVE_SESSION } from './keys';

export class ActiveSession implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'langswarmSessions.active',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly db: WorkspaceStore,
    private readonly state: vscode.Memento,
  ) {
    this.item.name = 'LangSwarm active session';
    this.item.command = 'langswarmSessions.resumeSession';
    this.subscriptions = [
      db.onDidChange((e) => {
        if (e.type === 'reset' || ('sessionId' in e && e.sessionId === this.id)) void this.update();
      }),
      db.onDidReopen(() => void this.update()),
    ];
    void this.update();
  }

  get id(): string | undefined {
    return ACTIVE_SESSION.get(this.state);
  }

  async set(sessionId: string | undefined): Promise<void> {
    await ACTIVE_SESSION.update(this.state, sessionId);
    await this.update();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  /** Shows the item once the database is open; hides it when there is no (longer an) active session. */
  private async update(): Promise<void> {
    const manager = this.db.openManager;
    const session = this.id && manager ? await manager.find(this.id).catch(() => undefined) : undefined;
    if (!session) {
      if (manager && this.id) void ACTIVE_SESSION.update(this.state, undefined); // deleted
      this.item.hide();
      return;
    }
    const title = displayTitle(session);
    this.item.text = `$(comment-discussion) ${title.length > 40 ? `${title.slice(0, 39)}…` : title}`;
    this.item.tooltip = `Active LangSwarm session: ${title} (${session.provider} · ${session.model}, ${session.status}). Click to switch.`;
    this.item.show();
  }
}
