// The compare view's panels: one per pair of sessions (comparing the same two again brings theirs forward). What
// they show comes from CompareHost.
import * as vscode from 'vscode';
import type { SessionApi } from '../../core/sessions';
import { displayTitle } from '../../core/text';
import { readPriceOverrides } from '../prices';
import { CompareHost } from './compareHost';
import { bindPanel, createPanel, poster } from './panel';

export class ComparePanel {
  private static readonly open = new Map<string, ComparePanel>();
  private host!: CompareHost;
  private binding: vscode.Disposable | undefined;

  private constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    private readonly aId: string,
    private readonly bId: string,
  ) {}

  /** Opens (or brings forward) the comparison of session `aId` (left) with `bId` (right). */
  static async show(
    context: vscode.ExtensionContext,
    manager: SessionApi,
    aId: string,
    bId: string,
  ): Promise<ComparePanel> {
    const key = `${aId}\n${bId}`;
    const existing = ComparePanel.open.get(key);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const [a, b] = await Promise.all([manager.get(aId), manager.get(bId)]);
    const panel = createPanel(context, 'compare', `${displayTitle(a)} ↔ ${displayTitle(b)}`);
    const created = new ComparePanel(context, panel, a.id, b.id);
    created.attach(manager);
    ComparePanel.open.set(key, created);
    panel.onDidDispose(() => {
      created.binding?.dispose();
      if (ComparePanel.open.get(key) === created) ComparePanel.open.delete(key);
    });
    return created;
  }

  static get isOpen(): boolean {
    return ComparePanel.open.size > 0;
  }

  /** F7 / Shift+F7 in the focused compare view (its keybindings' `when` names the view). */
  static step(direction: 1 | -1): boolean {
    const active = [...ComparePanel.open.values()].find((p) => p.panel.active);
    active?.host.step(direction);
    return active !== undefined;
  }

  /** The database was reopened (trust granted, another file): each open comparison starts over on the new manager. */
  static reattach(manager: SessionApi): void {
    for (const p of ComparePanel.open.values()) p.attach(manager);
  }

  /** Connects a new host (the page reloads and asks it for everything). */
  private attach(manager: SessionApi): void {
    this.binding?.dispose();
    this.host = new CompareHost(manager, this.aId, this.bId, poster(this.panel), {
      priceOverrides: readPriceOverrides,
      onError: (message) => manager.tracer.warn(message),
    });
    this.binding = bindPanel(this.context, this.panel, 'compare', this.host);
  }
}
