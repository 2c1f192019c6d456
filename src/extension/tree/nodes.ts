// The rows of the Sessions view: their types, their ids (stable across refreshes, so VS Code keeps selection and
// expansion), the filter each group lists with, and the TreeItem each row shows.
import * as vscode from 'vscode';
import type { Message, SessionFilter, SessionStatus, SessionSummary } from '../../core/model';
import { displayTitle } from '../../core/text';
import type { Grouping } from '../../settings';
import {
  STATUS_ICON,
  STATUS_LABEL,
  dayLabel,
  dayRange,
  localDay,
  messageContextValue,
  messageIcon,
  messagePreview,
  relativeTime,
  sessionContextValue,
  sessionDescription,
} from '../format';

export const PAGE_SIZE = 200;

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
  | {
      kind: 'notice';
      id: string;
      label: string;
      description?: string;
      tooltip?: string;
      icon: string;
      command?: vscode.Command;
    };

export type GroupNode = Extract<Node, { kind: 'group' }>;
export type SessionNode = Extract<Node, { kind: 'session' }>;
export type MessageNode = Extract<Node, { kind: 'message' }>;

export type TreeFilter = Pick<SessionFilter, 'text' | 'status' | 'provider' | 'tag'>;

// ---- ids: a row's id names its parent's, so the same session under two tags is two rows ----

export function groupId(key: GroupKey): string {
  switch (key.by) {
    case 'status':
      return `group/status/${key.status}`;
    case 'provider':
      return `group/provider/${encodeURIComponent(key.provider)}`;
    case 'tag':
      return key.tag === null ? 'group/untagged' : `group/tag/${encodeURIComponent(key.tag)}`;
    case 'day':
      return `group/day/${key.day}`;
  }
}

export const sessionNodeId = (groupNodeId: string, sessionId: string) => `${groupNodeId}|${sessionId}`;
export const messageNodeId = (sessionNode: string, messageId: string) => `${sessionNode}|${messageId}`;
export const moreNodeId = (parentId: string) => `${parentId}|more`;

// ---- groups ----

/** What a group lists, on top of the view's filter. */
export function groupFilter(key: GroupKey): SessionFilter {
  switch (key.by) {
    case 'status':
      return { status: key.status };
    case 'provider':
      return { provider: key.provider };
    case 'tag':
      return { tag: key.tag };
    case 'day': {
      const r = dayRange(key.day);
      return { activeFrom: r.from, activeTo: r.to };
    }
  }
}

/** The group a session shows under (by tag: its first tag, where reveal finds it). */
export function groupKeyOf(s: SessionSummary, grouping: Grouping): GroupKey {
  switch (grouping) {
    case 'status':
      return { by: 'status', status: s.status };
    case 'provider':
      return { by: 'provider', provider: s.provider };
    case 'tag':
      return { by: 'tag', tag: s.tags[0] ?? null };
    case 'day':
      return { by: 'day', day: localDay(new Date(s.lastActivityAt)) };
  }
}

export function groupLabel(key: GroupKey): string {
  switch (key.by) {
    case 'status':
      return STATUS_LABEL[key.status];
    case 'provider':
      return key.provider;
    case 'tag':
      return key.tag ?? 'No tag';
    case 'day':
      return dayLabel(key.day);
  }
}

// ---- tree items ----

const statusColor: Partial<Record<SessionStatus, string>> = {
  active: 'charts.green',
  paused: 'charts.yellow',
  error: 'errorForeground',
  completed: 'charts.blue',
};

/** What a row shows. `writable`: the database can be changed (menus offer edits); `streaming`: a reply arrives in this message now. */
export function treeItem(
  node: Node,
  {
    writable,
    streaming,
    followed = () => false,
  }: { writable: boolean; streaming: (messageId: string) => boolean; followed?: (sessionId: string) => boolean },
): vscode.TreeItem {
  switch (node.kind) {
    case 'group':
      return groupItem(node);
    case 'session':
      return sessionItem(node, writable, followed(node.summary.id));
    case 'message':
      return messageItem(node, writable, node.message.state === 'partial' && streaming(node.message.id));
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
      item.description = node.description;
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.tooltip = node.tooltip;
      item.command = node.command;
      return item;
    }
  }
}

function groupItem(node: GroupNode): vscode.TreeItem {
  const expanded = node.key.by === 'status' ? node.key.status === 'active' : false;
  const item = new vscode.TreeItem(
    node.label,
    expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = node.id;
  item.description = String(node.count);
  item.contextValue = `group;group-${node.key.by};`;
  item.iconPath = new vscode.ThemeIcon(
    node.key.by === 'status'
      ? STATUS_ICON[node.key.status]
      : node.key.by === 'provider'
        ? 'server'
        : node.key.by === 'tag'
          ? 'tag'
          : 'calendar',
  );
  return item;
}

function sessionItem(node: SessionNode, writable: boolean, followed: boolean): vscode.TreeItem {
  const s = node.summary;
  const title = displayTitle(s);
  const item = new vscode.TreeItem(
    title,
    s.messageCount > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = node.id;
  // A followed session may still grow while the LangSwarm app runs (first: the sidebar cuts the end off).
  item.description = followed ? `following · ${sessionDescription(s)}` : sessionDescription(s);
  const color = statusColor[s.status];
  item.iconPath = new vscode.ThemeIcon(STATUS_ICON[s.status], color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = sessionContextValue(s, writable);
  item.accessibilityInformation = { label: `${title}, ${s.status}, ${item.description}` };
  return item;
}

/** A partial reply still streaming here is not one that was cut off. */
function messageItem(node: MessageNode, writable: boolean, streaming: boolean): vscode.TreeItem {
  const m = node.message;
  const item = new vscode.TreeItem(messagePreview(m.parts), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = `${m.role} · #${m.seq} · ${relativeTime(m.createdAt)}${streaming ? ' · streaming' : m.state === 'complete' ? '' : ` · ${m.state}`}`;
  item.iconPath = new vscode.ThemeIcon(streaming ? 'loading~spin' : messageIcon(m));
  item.contextValue = messageContextValue(m, node.sessionStatus, writable);
  item.command = { command: 'langswarmSessions.openHistory', title: 'Open in History', arguments: [node] };
  item.accessibilityInformation = { label: `${m.role} message ${m.seq}: ${messagePreview(m.parts, 200)}` };
  return item;
}

/** Markdown whose values format.ts escaped: no theme icons, no HTML, no command links. */
export function plainMarkdown(value: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(value, false);
  md.supportHtml = false;
  md.isTrusted = false;
  return md;
}
