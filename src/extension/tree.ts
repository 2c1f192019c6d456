// The Sessions tree: groups → sessions → messages, paged, filtered, with stable ids and getParent
// so reveal works. Whole levels refresh debounced; a changed session refreshes at once.
import * as vscode from 'vscode';
import { isStreaming } from '../core/conversation';
import { describeError, isCoreError } from '../core/errors';
import type { Message, SessionFilter, SessionStatus, SessionSummary } from '../core/model';
import type { SessionApi, SessionEvent } from '../core/sessions';
import type { Grouping } from '../settings';
import { WorkspaceStore, readSettings } from './workspaceStore';
import {
  STATUS_ICON, STATUS_LABEL, STATUS_ORDER, dayLabel, dayRange, messageContextValue, messageIcon, messagePreview,
  messageTooltipMarkdown, relativeTime, sessionContextValue, sessionDescription, sessionTooltipMarkdown,
} from './format';
import { TREE_FILTER, TREE_FILTERED, TREE_STATE } from './keys';

export const PAGE_SIZE = 200;
const REFRESH_DEBOUNCE_MS = 150;

export type GroupKey =
  | { by: 'status'; status: SessionStatus }
  | { by: 'provider'; provider: string }
  | { by: 'tag'; tag: string | null }
  | { by: 'day'; day: string };

export type Node =
  | { kind: 'group'; id: string; key: GroupKey; label: string; count: number }
  | { kind: 'session'; id: string; groupId: string; summary: SessionSummary }
  | { kind: 'message'; id: string; sessionNodeId: string; message: Message; sessionStatus: SessionStatus }
  | { kind: 'more'; id: string; parentId: string; remaining: number }
  | { kind: 'notice'; id: string; label: string; tooltip?: string; icon: string; command?: vscode.Command };

export type TreeFilter = Pick<SessionFilter, 'text' | 'status' | 'provider' | 'tag'>;

const statusColor: Partial<Record<SessionStatus, string>> = {
  active: 'charts.green', paused: 'charts.yellow', error: 'errorForeground', completed: 'charts.blue',
};

function groupFilter(key: GroupKey): SessionFilter {
  switch (key.by) {
    case 'status': return { status: key.status };
    case 'provider': return { provider: key.provider };
    case 'tag': return { tag: key.tag };
    case 'day': { const r = dayRange(key.day); return { activeFrom: r.from, activeTo: r.to }; }
  }
}

function groupId(key: GroupKey): string {
  switch (key.by) {
    case 'status': return `group/status/${key.status}`;
    case 'provider': return `group/provider/${encodeURIComponent(key.provider)}`;
    case 'tag': return key.tag === null ? 'group/untagged' : `group/tag/${encodeURIComponent(key.tag)}`;
    case 'day': return `group/day/${key.day}`;
  }
}

export class SessionsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  readonly onDidChangeTreeData: vscode.Event<Node | undefined>;
  /** Nodes by id: VS Code tracks elements by identity, so a refresh must fire the same object. */
  private readonly nodes = new Map<string, Node>();
  /** Pages shown per parent id ("Show 200 more…"). */
  private readonly pages = new Map<string, number>();
  private filter: TreeFilter = {};
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Resolved once the root was listed at least once (tests and reveal wait on it). */
  lastRootCount = -1;

  constructor(
    private readonly db: WorkspaceStore,
    private readonly state: vscode.Memento,
    /** Owned by the activation code, which registered the view before this tree was loaded. */
    private readonly changed: vscode.EventEmitter<Node | undefined>,
  ) {
    this.onDidChangeTreeData = changed.event;
    this.filter = TREE_FILTER.get(state) ?? {};
    this.disposables.push(
      db.onDidChange((e) => this.onCoreChange(e)),
      db.onDidReopen(() => this.refresh()),
    );
    void this.updateFilterContext();
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }

  get grouping(): Grouping {
    return readSettings().grouping;
  }

  get currentFilter(): TreeFilter {
    return this.filter;
  }

  async setFilter(filter: TreeFilter): Promise<void> {
    this.filter = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '')) as TreeFilter;
    await TREE_FILTER.update(this.state, this.filter);
    await this.updateFilterContext();
    this.refresh();
  }

  describeFilter(): string {
    const f = this.filter;
    return [f.text && `"${f.text}"`, f.status && `status ${String(f.status)}`, f.provider && `provider ${f.provider}`, f.tag && `tag ${f.tag}`]
      .filter(Boolean).join(', ');
  }

  /** Refreshes everything now. */
  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.changed.fire(undefined);
  }

  /** Shows one more page under `parentId`. */
  showMore(parentId: string): void {
    this.pages.set(parentId, (this.pages.get(parentId) ?? 1) + 1);
    const parent = this.nodes.get(parentId);
    this.changed.fire(parent);
  }

  // ---- TreeDataProvider ------------------------------------------------------------------------

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'group': return this.groupItem(node);
      case 'session': return this.sessionItem(node);
      case 'message': return this.messageItem(node);
      case 'more': {
        const item = new vscode.TreeItem(`Show ${Math.min(PAGE_SIZE, node.remaining)} more…`);
        item.id = node.id;
        item.description = `${node.remaining} not shown`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'more;';
        item.command = { command: 'langswarmSessions.showMore', title: 'Show More', arguments: [node] };
        return item;
      }
      case 'notice': {
        const item = new vscode.TreeItem(node.label);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.tooltip) item.tooltip = node.tooltip;
        if (node.command) item.command = node.command;
        return item;
      }
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    let manager: SessionApi;
    try {
      manager = await this.db.manager();
    } catch (e) {
      await TREE_STATE.set(vscode.commands, 'failed');
      const failed = this.remember({
        kind: 'notice', id: 'notice/open-failed', icon: 'error', label: `Cannot open the session database: ${describeError(e)}`,
        tooltip: this.db.path, command: { command: 'langswarmSessions.showLog', title: 'Show Log' },
      });
      // Refused for what it holds (a foreign trigger…), not damaged: its sessions can be copied out.
      if (!isCoreError(e, 'ForeignSchema') && !isCoreError(e, 'CorruptDatabase')) return [failed];
      return [failed, this.remember({
        kind: 'notice', id: 'notice/salvage', icon: 'database', label: 'Copy its sessions into a new database',
        tooltip: 'Reads the refused file as data only (nothing in it runs) and keeps it beside the new database.',
        command: { command: 'langswarmSessions.salvageDatabase', title: 'Copy Its Sessions into a New Database' },
      })];
    }
    try {
      if (!node) return await this.roots(manager);
      if (node.kind === 'group') return await this.sessionsOf(manager, node);
      if (node.kind === 'session') return await this.messagesOf(manager, node);
      return [];
    } catch (e) {
      return [this.remember({ kind: 'notice', id: `notice/error/${node?.id ?? 'root'}`, icon: 'error', label: describeError(e) })];
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'session') return this.nodes.get(node.groupId);
    if (node.kind === 'message') return this.nodes.get(node.sessionNodeId);
    if (node.kind === 'more') return this.nodes.get(node.parentId);
    return undefined;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: Node): Promise<vscode.TreeItem> {
    const manager = this.db.openManager;
    if (!manager) return item;
    if (node.kind === 'session') item.tooltip = await this.sessionTooltip(manager, node.summary.id);
    if (node.kind === 'message') item.tooltip = this.messageTooltip(node.message);
    return item;
  }

  // ---- finding nodes (for reveal) ---------------------------------------------------------------

  /** The tree node of a session under the current grouping, making sure its page is shown. */
  async sessionNode(sessionId: string): Promise<Node | undefined> {
    const manager = await this.db.manager();
    const session = await manager.find(sessionId);
    if (!session) return undefined;
    if (!(await this.matchesFilter(manager, sessionId))) await this.setFilter({});
    const key = this.groupOf(session);
    const group = await this.groupNode(manager, key);
    const { items } = await manager.list({ ...this.filter, ...groupFilter(key), limit: 100_000 });
    const index = items.findIndex((s) => s.id === sessionId);
    if (index < 0) return undefined;
    this.pages.set(group.id, Math.max(this.pages.get(group.id) ?? 1, Math.floor(index / PAGE_SIZE) + 1));
    return this.remember({ kind: 'session', id: `${group.id}|${sessionId}`, groupId: group.id, summary: items[index]! });
  }

  /** The tree node of a message, paging its session far enough to show it. */
  async messageNode(messageId: string): Promise<Node | undefined> {
    const manager = await this.db.manager();
    const message = await manager.getMessage(messageId);
    const sessionNode = await this.sessionNode(message.sessionId);
    if (sessionNode?.kind !== 'session') return undefined;
    const index = await manager.messageIndex(messageId);
    this.pages.set(sessionNode.id, Math.max(this.pages.get(sessionNode.id) ?? 1, Math.floor(index / PAGE_SIZE) + 1));
    return this.remember({ kind: 'message', id: `${sessionNode.id}|${messageId}`, sessionNodeId: sessionNode.id, message, sessionStatus: sessionNode.summary.status });
  }

  // ---- internals -------------------------------------------------------------------------------

  private async roots(manager: SessionApi): Promise<Node[]> {
    const { total } = await manager.list({ limit: 1 });
    this.lastRootCount = total;
    await TREE_STATE.set(vscode.commands, total === 0 ? 'empty' : 'ready');
    if (total === 0) return [];
    const keys = await this.groupKeys(manager);
    const groups = (await Promise.all(keys.map((key) => this.groupNode(manager, key)))).filter((g) => g.kind === 'group' && g.count > 0);
    if (groups.length === 0) {
      return [this.remember({
        kind: 'notice', id: 'notice/filtered-out', icon: 'filter', label: `No session matches the filter (${this.describeFilter()})`,
        command: { command: 'langswarmSessions.clearFilter', title: 'Clear Filter' },
      })];
    }
    return groups;
  }

  private async groupKeys(manager: SessionApi): Promise<GroupKey[]> {
    switch (this.grouping) {
      case 'status': return STATUS_ORDER.map((status) => ({ by: 'status', status }));
      case 'provider': return Object.keys((await manager.stats()).byProvider).sort().map((provider) => ({ by: 'provider', provider }));
      case 'tag': return [...(await manager.tags()).map((t): GroupKey => ({ by: 'tag', tag: t.tag })), { by: 'tag', tag: null }];
      case 'day': return (await manager.days()).map((d) => ({ by: 'day', day: d.day }));
    }
  }

  private groupOf(s: SessionSummary): GroupKey {
    switch (this.grouping) {
      case 'status': return { by: 'status', status: s.status };
      case 'provider': return { by: 'provider', provider: s.provider };
      case 'tag': return { by: 'tag', tag: s.tags[0] ?? null };
      case 'day': {
        const d = new Date(s.lastActivityAt);
        return { by: 'day', day: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}` };
      }
    }
  }

  private async groupNode(manager: SessionApi, key: GroupKey): Promise<Node> {
    const count = (await manager.list({ ...this.filter, ...groupFilter(key), limit: 1 })).total;
    const label = key.by === 'status' ? STATUS_LABEL[key.status]
      : key.by === 'provider' ? key.provider
        : key.by === 'tag' ? (key.tag ?? 'No tag')
          : dayLabel(key.day);
    return this.remember({ kind: 'group', id: groupId(key), key, label, count });
  }

  private async sessionsOf(manager: SessionApi, group: Extract<Node, { kind: 'group' }>): Promise<Node[]> {
    const shown = PAGE_SIZE * (this.pages.get(group.id) ?? 1);
    const { items, total } = await manager.list({ ...this.filter, ...groupFilter(group.key), limit: shown });
    const nodes: Node[] = items.map((summary) => this.remember({ kind: 'session', id: `${group.id}|${summary.id}`, groupId: group.id, summary }));
    if (total > items.length) nodes.push(this.remember({ kind: 'more', id: `${group.id}|more`, parentId: group.id, remaining: total - items.length }));
    return nodes;
  }

  private async messagesOf(manager: SessionApi, node: Extract<Node, { kind: 'session' }>): Promise<Node[]> {
    const session = await manager.find(node.summary.id);
    if (!session) return [];
    const shown = PAGE_SIZE * (this.pages.get(node.id) ?? 1);
    const messages = await manager.messages(session.id, { limit: shown });
    const nodes: Node[] = messages.map((message) => this.remember({
      kind: 'message', id: `${node.id}|${message.id}`, sessionNodeId: node.id, message, sessionStatus: session.status,
    }));
    if (session.messageCount > messages.length) {
      nodes.push(this.remember({ kind: 'more', id: `${node.id}|more`, parentId: node.id, remaining: session.messageCount - messages.length }));
    }
    return nodes;
  }

  private groupItem(node: Extract<Node, { kind: 'group' }>): vscode.TreeItem {
    const expanded = node.key.by === 'status' ? node.key.status === 'active' : false;
    const item = new vscode.TreeItem(node.label, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = String(node.count);
    item.contextValue = `group;group-${node.key.by};`;
    item.iconPath = new vscode.ThemeIcon(node.key.by === 'status' ? STATUS_ICON[node.key.status]
      : node.key.by === 'provider' ? 'server' : node.key.by === 'tag' ? 'tag' : 'calendar');
    return item;
  }

  private sessionItem(node: Extract<Node, { kind: 'session' }>): vscode.TreeItem {
    const s = node.summary;
    const item = new vscode.TreeItem(s.title, s.messageCount > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = sessionDescription(s);
    const color = statusColor[s.status];
    item.iconPath = new vscode.ThemeIcon(STATUS_ICON[s.status], color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = sessionContextValue(s, !this.db.readOnly);
    item.accessibilityInformation = { label: `${s.title}, ${s.status}, ${sessionDescription(s)}` };
    return item;
  }

  private messageItem(node: Extract<Node, { kind: 'message' }>): vscode.TreeItem {
    const m = node.message;
    const item = new vscode.TreeItem(messagePreview(m.parts), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    // A partial reply still streaming here is not one that was cut off.
    const streaming = m.state === 'partial' && this.db.openManager !== undefined && isStreaming(this.db.openManager, m.id);
    item.description = `${m.role} · #${m.seq} · ${relativeTime(m.createdAt)}${streaming ? ' · streaming' : m.state === 'complete' ? '' : ` · ${m.state}`}`;
    item.iconPath = new vscode.ThemeIcon(streaming ? 'loading~spin' : messageIcon(m));
    item.contextValue = messageContextValue(m, node.sessionStatus, !this.db.readOnly);
    item.command = { command: 'langswarmSessions.openHistory', title: 'Open in History', arguments: [node] };
    item.accessibilityInformation = { label: `${m.role} message ${m.seq}: ${messagePreview(m.parts, 200)}` };
    return item;
  }

  private async sessionTooltip(manager: SessionApi, sessionId: string): Promise<vscode.MarkdownString> {
    const s = await manager.find(sessionId);
    return plainMarkdown(s ? sessionTooltipMarkdown(s) : '');
  }

  private messageTooltip(m: Message): vscode.MarkdownString {
    return plainMarkdown(messageTooltipMarkdown(m));
  }

  private async matchesFilter(manager: SessionApi, sessionId: string): Promise<boolean> {
    if (Object.keys(this.filter).length === 0) return true;
    return (await manager.list({ ...this.filter, limit: 100_000 })).items.some((s) => s.id === sessionId);
  }

  private onCoreChange(e: SessionEvent): void {
    if (e.type !== 'reset' && e.type !== 'sessionCreated' && e.type !== 'sessionDeleted') void this.refreshSession(e.sessionId);
    // Debounced: whole levels (counts, order, group membership).
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  /** Immediate: the changed session's own row (with its current summary) and children. */
  private async refreshSession(sessionId: string): Promise<void> {
    const nodes = [...this.nodes.values()].filter((n): n is Extract<Node, { kind: 'session' }> => n.kind === 'session' && n.summary.id === sessionId);
    const manager = this.db.openManager;
    if (nodes.length === 0 || !manager) return;
    const fresh = await manager.find(sessionId).catch(() => undefined);
    for (const node of nodes) {
      if (fresh) node.summary = { ...node.summary, ...fresh };
      this.changed.fire(node);
    }
  }

  private remember<T extends Node>(node: T): T {
    const existing = this.nodes.get(node.id);
    if (existing && existing.kind === node.kind) {
      Object.assign(existing, node);
      return existing as T;
    }
    this.nodes.set(node.id, node);
    return node;
  }

  private async updateFilterContext(): Promise<void> {
    await TREE_FILTERED.set(vscode.commands, Object.keys(this.filter).length > 0);
  }
}

/** Markdown whose values format.ts escaped: no theme icons, no HTML, no command links. */
function plainMarkdown(value: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(value, false);
  md.supportHtml = false;
  md.isTrusted = false;
  return md;
}
