// The history browser panel: one panel, re-used. Everything it answers comes from HistoryHost.
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import type { SessionClient } from '../../core/worker/client';
import type { RevealTarget } from '../../protocol';
import { readPriceOverrides } from '../prices';
import { HistoryHost } from './historyHost';
import { bindPanel, createPanel, poster } from './panel';
import { StatePanel } from './statePanel';
import type { ConversationAccess } from './turns';

export interface HistoryPanelOptions {
  /** Sending from the history browser's composer (the extension's ProviderAccess); without it the composer is hidden. */
  conversations?: ConversationAccess;
}

export class HistoryPanel {
  private static current: HistoryPanel | undefined;

  private readonly subscriptions: vscode.Disposable;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly host: HistoryHost,
    private readonly options: HistoryPanelOptions,
    binding: vscode.Disposable,
  ) {
    this.subscriptions = vscode.Disposable.from(
      binding,
      panel.onDidDispose(() => {
        this.subscriptions.dispose();
        if (HistoryPanel.current === this) HistoryPanel.current = undefined;
      }),
    );
  }

  static get isOpen(): boolean {
    return HistoryPanel.current !== undefined;
  }

  /**
   * Opens the history browser (or brings it forward), optionally at a session and message. `preserveFocus` leaves the
   * keyboard where it is (opened from the tree, as a single click in the Explorer previews a file).
   */
  static show(
    context: vscode.ExtensionContext,
    manager: SessionClient,
    target?: RevealTarget,
    options: HistoryPanelOptions = {},
    preserveFocus = false,
  ): HistoryPanel {
    const existing = HistoryPanel.current;
    if (existing) {
      existing.panel.reveal(undefined, preserveFocus);
      if (target) existing.reveal(target);
      return existing;
    }
    const panel = createPanel(context, 'history', 'Session History', preserveFocus);
    const created = HistoryPanel.attach(context, manager, panel, options);
    if (target) created.reveal(target);
    return created;
  }

  /** For a WebviewPanelSerializer: takes over a panel VS Code restored after a restart. */
  static revive(
    context: vscode.ExtensionContext,
    manager: SessionClient,
    panel: vscode.WebviewPanel,
    options: HistoryPanelOptions = {},
  ): HistoryPanel {
    HistoryPanel.current?.panel.dispose();
    return HistoryPanel.attach(context, manager, panel, options);
  }

  /**
   * The database was reopened (trust granted, another file): an open history browser starts over on the new
   * manager, its page reloaded so it hears what it may do now (write, send).
   */
  static reattach(context: vscode.ExtensionContext, manager: SessionClient): void {
    const open = HistoryPanel.current;
    if (!open) return;
    open.subscriptions.dispose();
    HistoryPanel.attach(context, manager, open.panel, open.options);
  }

  private static attach(
    context: vscode.ExtensionContext,
    manager: SessionClient,
    panel: vscode.WebviewPanel,
    options: HistoryPanelOptions,
  ): HistoryPanel {
    const host = new HistoryHost(manager, poster(panel), {
      priceOverrides: readPriceOverrides,
      openLink: (url) => void vscode.env.openExternal(vscode.Uri.parse(url, true)),
      copyText: (text) => void vscode.env.clipboard.writeText(text),
      prices: readPriceOverrides,
      showDump: (sessionId) =>
        void StatePanel.showSession(context, manager, sessionId).catch((e: unknown) =>
          manager.tracer.warn('could not dump the session', { error: describeError(e) }),
        ),
      // Only NOTICE_COMMANDS get here (the protocol's schema checked the link).
      runCommand: (link) =>
        void vscode.commands
          .executeCommand(link.command, link.args)
          .then(undefined, (e: unknown) =>
            manager.tracer.warn('a notice link failed', { command: link.command, error: describeError(e) }),
          ),
      editParameters: (sessionId) =>
        void vscode.commands
          .executeCommand('langswarmSessions.setModelParameters', { sessionId })
          .then(undefined, (e: unknown) =>
            manager.tracer.warn('Set Model Parameters failed', { error: describeError(e) }),
          ),
      onError: (message) => manager.tracer.warn(message),
      plainText: !vscode.workspace.isTrusted,
      conversations: options.conversations,
    });
    HistoryPanel.current = new HistoryPanel(panel, host, options, bindPanel(context, panel, 'history', host));
    return HistoryPanel.current;
  }

  reveal(target: RevealTarget): void {
    this.host.reveal(target);
  }

  dispose(): void {
    this.panel.dispose();
  }
}
