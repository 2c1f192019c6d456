// What every command module works with: the extension's parts, and the few steps many commands share (asking for a
// session, revealing a session or message in the Sessions view).
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { SESSION_STATUSES, SessionStatus } from '../../core/model';
import { displayTitle } from '../../core/text';
import type { SessionClient } from '../../core/worker/client';
import { STATUS_ICON, sessionDescription } from '../format';
import { SESSIONS_VIEW } from '../keys';
import { quickPick } from '../picks';
import type { ConversationDebugging } from '../debug/debugging';
import type { StoreFollowing } from '../follow';
import type { OtlpReceiverControl } from '../otlpReceiver';
import type { ProviderAccess } from '../providerAccess';
import type { ScenarioTests } from '../simulate/scenarioTests';
import type { ActiveSession } from '../statusBar';
import type { Node } from '../tree/nodes';
import type { SessionsTree } from '../tree/sessionsTree';
import type { VirtualDocuments } from '../virtualDocuments';
import type { HistoryPanelOptions } from '../webview/historyPanel';
import type { WorkspaceStore } from '../workspaceStore';

export interface CommandContext {
  store: WorkspaceStore;
  tree: SessionsTree;
  treeView: vscode.TreeView<Node>;
  active: ActiveSession;
  log: vscode.LogOutputChannel;
  providers: ProviderAccess;
  context: vscode.ExtensionContext;
  views: VirtualDocuments;
  following: StoreFollowing;
  otlp: OtlpReceiverControl;
  /** Scenario files in the Test Explorer. */
  scenarios: ScenarioTests;
  /** The conversation debugger's launches and "Edit Request…". */
  debugging: ConversationDebugging;
}

export class CommandEnv {
  constructor(readonly ctx: CommandContext) {}

  manager(): Promise<SessionClient> {
    return this.ctx.store.manager();
  }

  /** The history browser sends from its composer through the providers (keys in SecretStorage). */
  get history(): HistoryPanelOptions {
    return { conversations: this.ctx.providers };
  }

  /** Asks for one of the sessions in `statuses` (most recently active first); undefined when there is none or none was chosen. */
  async pickSession(placeHolder: string, statuses: readonly SessionStatus[]): Promise<string | undefined> {
    const manager = await this.manager();
    const { items } = await manager.list({ status: [...statuses], sortBy: 'lastActivityAt', limit: 500 });
    if (items.length === 0) {
      void vscode.window.showInformationMessage(
        `No ${statuses.length < SESSION_STATUSES.length ? `${statuses.join(' or ')} ` : ''}sessions.`,
      );
      return undefined;
    }
    const activeId = this.ctx.active.id;
    const picked = await quickPick(
      items.map((s) => ({
        label: `$(${STATUS_ICON[s.status]}) ${displayTitle(s)}`,
        description: s.id === activeId ? `active session · ${sessionDescription(s)}` : sessionDescription(s),
        detail: s.tags.length ? `tags: ${s.tags.join(', ')}` : undefined,
        id: s.id,
      })),
      { placeHolder, matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.id;
  }

  /** Selects the session in the Sessions view (when it shows); `show` brings the view forward and focuses the row. */
  async reveal(sessionId: string, show = false): Promise<void> {
    const { tree, treeView } = this.ctx;
    const node = await tree.sessionNode(sessionId);
    tree.refresh();
    if (!node) return;
    if (show && !treeView.visible) await vscode.commands.executeCommand(`${SESSIONS_VIEW}.focus`);
    if (treeView.visible)
      await treeView.reveal(node, { select: true, focus: show, expand: false }).then(undefined, () => undefined);
  }

  /** Shows the Sessions view with these sessions (up to 20) revealed, and the first selected and focused. */
  async revealSessions(sessionIds: readonly string[]): Promise<void> {
    const { tree, treeView } = this.ctx;
    const [first, ...rest] = sessionIds;
    if (first === undefined) return;
    if (!treeView.visible) await vscode.commands.executeCommand(`${SESSIONS_VIEW}.focus`);
    tree.refresh(); // the import's own refresh may still be waiting on its debounce
    for (const id of rest.slice(0, 19)) {
      const node = await tree.sessionNode(id);
      if (node)
        await treeView.reveal(node, { select: false, focus: false, expand: false }).then(undefined, () => undefined);
    }
    await this.reveal(first, true);
  }

  /** Shows the Sessions view with the message selected and focused, its session paged far enough to hold it. */
  async revealMessage(messageId: string): Promise<void> {
    const { tree, treeView } = this.ctx;
    const node = await tree.messageNode(messageId);
    tree.refresh();
    if (!node) return;
    if (!treeView.visible) await vscode.commands.executeCommand(`${SESSIONS_VIEW}.focus`);
    await treeView
      .reveal(node, { select: true, focus: true, expand: true })
      .then(undefined, (e: unknown) => this.ctx.log.warn(`reveal failed: ${describeError(e)}`));
  }
}
