// The Sessions view's TreeDataProvider: groups → sessions → messages, paged, filtered, with getParent so reveal
// works. Whole levels refresh debounced; a changed session refreshes at once. The rows are nodes.ts's; which of
// them are remembered, nodeIndex.ts's.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isStreaming } from '../../core/conversation';
import { totalCost } from '../../core/cost';
import { describeError, isCoreError } from '../../core/errors';
import type { Message, SessionStatus, SessionSummary } from '../../core/model';
import type { SessionApi, SessionEvent } from '../../core/sessions';
import type { Grouping } from '../../settings';
import { STATUS_ORDER, messageTooltipMarkdown, sessionTooltipMarkdown } from '../format';
import { LANGSWARM_EDITOR, TREE_FILTER, TREE_FILTERED, TREE_STATE } from '../keys';
import { LANGSWARM_FILES, findLangSwarmFiles, relativeFolder } from '../migration';
import { readPriceOverrides } from '../prices';
import { WorkspaceStore, readSettings } from '../workspaceStore';
import { NodeIndex, ROOT } from './nodeIndex';
import {
  GroupKey,
  GroupNode,
  MessageNode,
  Node,
  PAGE_SIZE,
  SessionNode,
  TreeFilter,
  groupFilter,
  groupId,
  groupKeyOf,
  groupLabel,
  messageNodeId,
  moreNodeId,
  plainMarkdown,
  sessionNodeId,
  treeItem,
} from './nodes';

const REFRESH_DEBOUNCE_MS = 150;

export class SessionsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  readonly onDidChangeTreeData: vscode.Event<Node | undefined>;
  private readonly index = new NodeIndex();
  private filter: TreeFilter = {};
  private refreshTimer: NodeJS.Timeout | undefined;
  /** The LangSwarm files in the workspace, found once while untrusted (and again when one appears or goes). */
  private langswarmFiles: Promise<string[]> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The number of sessions the root last counted; -1 before the first listing (tests wait on it). */
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
      this.watchLangSwarmFiles(),
    );
    void this.updateFilterContext();
  }

  private watchLangSwarmFiles(): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher(LANGSWARM_FILES, false, true, false);
    const forget = () => {
      if (!this.langswarmFiles) return;
      this.langswarmFiles = undefined;
      clearTimeout(this.refreshTimer);
      this.refreshTimer = setTimeout(() => this.refresh(), REFRESH_DEBOUNCE_MS);
    };
    watcher.onDidCreate(forget);
    watcher.onDidDelete(forget);
    return watcher;
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

  /** How many rows the tree remembers: those it showed last, never more (tests check it). */
  get rememberedCount(): number {
    return this.index.size;
  }

  async setFilter(filter: TreeFilter): Promise<void> {
    this.filter = Object.fromEntries(
      Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''),
    ) as TreeFilter;
    await TREE_FILTER.update(this.state, this.filter);
    await this.updateFilterContext();
    this.refresh();
  }

  describeFilter(): string {
    const f = this.filter;
    return [
      f.text && `"${f.text}"`,
      f.status && `status ${String(f.status)}`,
      f.provider && `provider ${f.provider}`,
      f.tag && `tag ${f.tag}`,
    ]
      .filter(Boolean)
      .join(', ');
  }

  /** The view's message while a filter is set: what it keeps, and what it does not touch (the first row clears it). */
  filterMessage(): string | undefined {
    const filter = this.describeFilter();
    if (!filter) return undefined;
    return `Filtered by ${filter}. The history browser's filters are separate.`;
  }

  /** Refreshes everything now. */
  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.changed.fire(undefined);
  }

  /** Shows one more page under `parentId`. */
  showMore(parentId: string): void {
    this.index.showPages(parentId, this.index.pageCount(parentId) + 1);
    this.changed.fire(this.index.get(parentId));
  }

  // ---- TreeDataProvider ------------------------------------------------------------------------

  /** Whether a session came from a followed LangSwarm store (set by the extension; marked in its row). */
  isFollowed: (sessionId: string) => boolean = () => false;

  getTreeItem(node: Node): vscode.TreeItem {
    const manager = this.db.openManager;
    return treeItem(node, {
      followed: this.isFollowed,
      // In Restricted Mode the menus still offer the changes (running one says it needs trust).
      writable: !this.db.readOnly || !vscode.workspace.isTrusted,
      streaming: (id) => manager !== undefined && isStreaming(manager, id),
    });
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const parentId = node?.id ?? ROOT;
    let manager: SessionApi;
    try {
      manager = await this.db.manager();
    } catch (e) {
      await TREE_STATE.set(vscode.commands, 'failed');
      const failed = this.index.remember(ROOT, {
        kind: 'notice',
        id: 'notice/open-failed',
        icon: 'error',
        label: `Cannot open the session database: ${describeError(e)}`,
        tooltip: this.db.path,
        command: { command: 'langswarmSessions.showLog', title: 'Show Log' },
      });
      // Refused for what it holds (a foreign trigger…), not damaged: its sessions can be copied out.
      if (!isCoreError(e, 'ForeignSchema') && !isCoreError(e, 'CorruptDatabase'))
        return this.index.listed(ROOT, [failed]);
      return this.index.listed(ROOT, [
        failed,
        this.index.remember(ROOT, {
          kind: 'notice',
          id: 'notice/salvage',
          icon: 'database',
          label: 'Copy its sessions into a new database',
          tooltip: 'Reads the refused file as data only (nothing in it runs) and keeps it beside the new database.',
          command: { command: 'langswarmSessions.salvageDatabase', title: 'Copy Its Sessions into a New Database' },
        }),
      ]);
    }
    try {
      if (!node) return this.index.listed(ROOT, await this.roots(manager));
      if (node.kind === 'group') return this.index.listed(parentId, await this.sessionsOf(manager, node));
      if (node.kind === 'session') return this.index.listed(parentId, await this.messagesOf(manager, node));
      return [];
    } catch (e) {
      const notice = this.index.remember(parentId, {
        kind: 'notice',
        id: `notice/error/${node?.id ?? 'root'}`,
        icon: 'error',
        label: describeError(e),
      });
      return this.index.listed(parentId, [notice]);
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'session') return this.index.get(node.groupId);
    if (node.kind === 'message') return this.index.get(node.sessionNodeId);
    if (node.kind === 'more') return this.index.get(node.parentId);
    return undefined;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: Node): Promise<vscode.TreeItem> {
    const manager = this.db.openManager;
    if (!manager) return item;
    if (node.kind === 'session') {
      const s = await manager.find(node.summary.id);
      const cost = s ? totalCost(await manager.usages(s.id), readPriceOverrides()) : undefined;
      item.tooltip = plainMarkdown(s ? sessionTooltipMarkdown(s, cost) : '');
    }
    if (node.kind === 'message') item.tooltip = plainMarkdown(messageTooltipMarkdown(node.message));
    return item;
  }

  // ---- finding nodes (for reveal) ---------------------------------------------------------------

  /** The tree node of a session under the current grouping, making sure its page is shown. */
  async sessionNode(sessionId: string): Promise<SessionNode | undefined> {
    const manager = await this.db.manager();
    const session = await manager.find(sessionId);
    if (!session) return undefined;
    if (!(await this.matchesFilter(manager, sessionId))) await this.setFilter({});
    const key = groupKeyOf(session, this.grouping);
    const group = await this.groupNode(manager, key);
    const { items } = await manager.list({ ...this.filter, ...groupFilter(key), limit: 100_000 });
    const index = items.findIndex((s) => s.id === sessionId);
    if (index < 0) return undefined;
    this.index.showPages(group.id, Math.floor(index / PAGE_SIZE) + 1);
    return this.sessionRow(group.id, items[index]!);
  }

  /** The tree node of a message, paging its session far enough to show it. */
  async messageNode(messageId: string): Promise<Node | undefined> {
    const manager = await this.db.manager();
    const message = await manager.getMessage(messageId);
    const session = await this.sessionNode(message.sessionId);
    if (!session) return undefined;
    const index = await manager.messageIndex(messageId);
    this.index.showPages(session.id, Math.floor(index / PAGE_SIZE) + 1);
    return this.messageRow(session.id, message, session.summary.status);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Restricted Mode: the LangSwarm files found, named, with why they cannot be imported yet and the way to trust. */
  private async untrustedNotices(): Promise<Node[]> {
    if (vscode.workspace.isTrusted) return [];
    this.langswarmFiles ??= findLangSwarmFiles().catch(() => []);
    const files = await this.langswarmFiles;
    if (files.length === 0) return [];
    const rows: Node[] = [
      {
        kind: 'notice',
        id: 'notice/untrusted-langswarm',
        icon: 'workspace-untrusted',
        label: 'Trust Workspace to Import…',
        tooltip: `This workspace is not trusted (Restricted Mode): LangSwarm Sessions reads, but imports nothing. Trust it (Manage Workspace Trust) to import ${files.length === 1 ? 'the LangSwarm file' : `the ${files.length} LangSwarm files`} below; the import is offered as soon as you do.`,
        command: { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' },
      },
      ...files.map(
        (file): Node => ({
          kind: 'notice',
          id: `notice/langswarm-file/${encodeURIComponent(file)}`,
          icon: 'database',
          label: path.basename(file),
          description: relativeFolder(file),
          tooltip: `${file}\nA LangSwarm file, not imported: importing needs a trusted workspace. Click to see what it holds.`,
          command: {
            command: 'vscode.openWith',
            title: 'Show What It Holds',
            arguments: [vscode.Uri.file(file), LANGSWARM_EDITOR],
          },
        }),
      ),
    ];
    return rows.map((n) => this.index.remember(ROOT, n));
  }

  private async roots(manager: SessionApi): Promise<Node[]> {
    const { total } = await manager.list({ limit: 1 });
    this.lastRootCount = total;
    await TREE_STATE.set(vscode.commands, total === 0 ? 'empty' : 'ready');
    const notices = await this.untrustedNotices();
    if (total === 0) return notices;
    if (notices.length) return [...notices, ...(await this.groupsOf(manager))];
    return this.groupsOf(manager);
  }

  private async groupsOf(manager: SessionApi): Promise<Node[]> {
    const keys = await this.groupKeys(manager);
    const groups = (await Promise.all(keys.map((key) => this.groupNode(manager, key)))).filter((g) => g.count > 0);
    if (groups.length === 0) {
      return [
        this.index.remember(ROOT, {
          kind: 'notice',
          id: 'notice/filtered-out',
          icon: 'filter',
          label: `No session matches the filter (${this.describeFilter()})`,
          command: { command: 'langswarmSessions.clearFilter', title: 'Clear Filter' },
        }),
      ];
    }
    if (Object.keys(this.filter).length === 0) return groups;
    // Listed first, so the filter is seen and cleared where the sessions are (the title bar's button shows on hover).
    const clear = this.index.remember(ROOT, {
      kind: 'notice',
      id: 'notice/filter',
      icon: 'clear-all',
      label: `Clear filter (${this.describeFilter()})`,
      tooltip: 'Shows every session again. The history browser has filters of its own; this does not change them.',
      command: { command: 'langswarmSessions.clearFilter', title: 'Clear Filter' },
    });
    return [clear, ...groups];
  }

  private async groupKeys(manager: SessionApi): Promise<GroupKey[]> {
    switch (this.grouping) {
      case 'status':
        return STATUS_ORDER.map((status) => ({ by: 'status', status }));
      case 'provider':
        return Object.keys((await manager.stats()).byProvider)
          .sort()
          .map((provider) => ({ by: 'provider', provider }));
      case 'tag':
        return [...(await manager.tags()).map((t): GroupKey => ({ by: 'tag', tag: t.tag })), { by: 'tag', tag: null }];
      case 'day':
        return (await manager.days()).map((d) => ({ by: 'day', day: d.day }));
    }
  }

  private async groupNode(manager: SessionApi, key: GroupKey): Promise<GroupNode> {
    const count = (await manager.list({ ...this.filter, ...groupFilter(key), limit: 1 })).total;
    return this.index.remember(ROOT, { kind: 'group', id: groupId(key), key, label: groupLabel(key), count });
  }

  private async sessionsOf(manager: SessionApi, group: GroupNode): Promise<Node[]> {
    const shown = PAGE_SIZE * this.index.pageCount(group.id);
    const { items, total } = await manager.list({ ...this.filter, ...groupFilter(group.key), limit: shown });
    return this.withMore(
      group.id,
      items.map((summary) => this.sessionRow(group.id, summary)),
      total,
    );
  }

  private async messagesOf(manager: SessionApi, node: SessionNode): Promise<Node[]> {
    const session = await manager.find(node.summary.id);
    if (!session) return [];
    const shown = PAGE_SIZE * this.index.pageCount(node.id);
    const messages = await manager.messages(session.id, { limit: shown });
    return this.withMore(
      node.id,
      messages.map((message) => this.messageRow(node.id, message, session.status)),
      session.messageCount,
    );
  }

  /** The row of a session under a group (the object remembered before, updated). */
  private sessionRow(groupId: string, summary: SessionSummary): SessionNode {
    return this.index.remember(groupId, { kind: 'session', id: sessionNodeId(groupId, summary.id), groupId, summary });
  }

  /** The row of a message under a session row. */
  private messageRow(parentId: string, message: Message, sessionStatus: SessionStatus): MessageNode {
    return this.index.remember(parentId, {
      kind: 'message',
      id: messageNodeId(parentId, message.id),
      sessionNodeId: parentId,
      message,
      sessionStatus,
    });
  }

  /** A page of `parentId`'s rows, and the "more" row after them when it has more than the page shows. */
  private withMore(parentId: string, rows: Node[], total: number): Node[] {
    if (total > rows.length)
      rows.push(
        this.index.remember(parentId, {
          kind: 'more',
          id: moreNodeId(parentId),
          parentId,
          remaining: total - rows.length,
        }),
      );
    return rows;
  }

  private async matchesFilter(manager: SessionApi, sessionId: string): Promise<boolean> {
    if (Object.keys(this.filter).length === 0) return true;
    return (await manager.list({ ...this.filter, limit: 100_000 })).items.some((s) => s.id === sessionId);
  }

  private onCoreChange(e: SessionEvent): void {
    if (e.type === 'traceRecorded' || e.type === 'tracesPruned') return; // rows show nothing of traces (cost: messages)
    if (e.type !== 'reset' && e.type !== 'sessionCreated' && e.type !== 'sessionDeleted')
      void this.refreshSession(e.sessionId);
    // Debounced: whole levels (counts, order, group membership).
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  /** Immediate: the changed session's own rows (with its current summary) and children. */
  private async refreshSession(sessionId: string): Promise<void> {
    const nodes = [...this.index.values()].filter(
      (n): n is SessionNode => n.kind === 'session' && n.summary.id === sessionId,
    );
    const manager = this.db.openManager;
    if (nodes.length === 0 || !manager) return;
    const fresh = await manager.find(sessionId).catch(() => undefined);
    for (const node of nodes) {
      if (fresh) node.summary = { ...node.summary, ...fresh };
      this.changed.fire(node);
    }
  }

  private async updateFilterContext(): Promise<void> {
    await TREE_FILTERED.set(vscode.commands, Object.keys(this.filter).length > 0);
  }
}
