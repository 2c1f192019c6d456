// The active session in the status bar; clicking it switches session (Resume Session). Beside it, the session's
// tokens and cost (clicking opens its history, where the chart is).
import * as vscode from 'vscode';
import { totalCost } from '../core/cost';
import { displayTitle } from '../core/text';
import { costStatus } from './format';
import { ACTIVE_SESSION } from './keys';
import { readPriceOverrides } from './prices';
import { WorkspaceStore } from './workspaceStore';

/** A streaming reply is saved every 250 ms: its cost is summed again at most this often (ms). */
const COST_EVERY_MS = 1000;

export class ActiveSession implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'langswarmSessions.active',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly costItem = vscode.window.createStatusBarItem(
    'langswarmSessions.activeCost',
    vscode.StatusBarAlignment.Left,
    49,
  );
  private readonly subscriptions: vscode.Disposable[];
  private costTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly db: WorkspaceStore,
    private readonly state: vscode.Memento,
  ) {
    this.item.name = 'LangSwarm active session';
    this.item.command = 'langswarmSessions.resumeSession';
    this.costItem.name = 'LangSwarm active session cost';
    this.subscriptions = [
      db.onDidChange((e) => {
        if (e.type === 'reset' || ('sessionId' in e && e.sessionId === this.id)) void this.update();
      }),
      db.onDidReopen(() => void this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('langswarmSessions.prices')) this.updateCostSoon();
      }),
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
    clearTimeout(this.costTimer);
    this.item.dispose();
    this.costItem.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  /** Shows the item once the database is open; hides it when there is no (longer an) active session. */
  private async update(): Promise<void> {
    const manager = this.db.openManager;
    const session = this.id && manager ? await manager.find(this.id).catch(() => undefined) : undefined;
    if (!session) {
      if (manager && this.id) void ACTIVE_SESSION.update(this.state, undefined); // deleted
      this.item.hide();
      this.costItem.hide();
      return;
    }
    const title = displayTitle(session);
    this.item.text = `$(comment-discussion) ${title.length > 40 ? `${title.slice(0, 39)}…` : title}`;
    this.item.tooltip = `Active LangSwarm session: ${title} (${session.provider} · ${session.model}, ${session.status}). Click to switch.`;
    this.item.show();
    this.updateCostSoon();
  }

  private updateCostSoon(): void {
    this.costTimer ??= setTimeout(() => {
      this.costTimer = undefined;
      void this.updateCost();
    }, COST_EVERY_MS);
  }

  /** The active session's tokens and cost; hidden when none of its replies reports usage. */
  private async updateCost(): Promise<void> {
    const manager = this.db.openManager;
    const sessionId = this.id;
    const usages = sessionId && manager ? await manager.usages(sessionId).catch(() => undefined) : undefined;
    const status = usages && costStatus(totalCost(usages, readPriceOverrides()));
    if (!status || sessionId !== this.id) {
      if (!status) this.costItem.hide();
      return;
    }
    this.costItem.text = status.text;
    this.costItem.tooltip = status.tooltip;
    this.costItem.command = {
      command: 'langswarmSessions.openHistory',
      title: 'Open History',
      arguments: [{ sessionId }],
    };
    this.costItem.show();
  }
}
