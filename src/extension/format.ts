// What the tree shows, as pure functions (no `vscode` import) so they are tested on plain Node.
import * as path from 'node:path';
import { CostTotal, describeTotal, formatUsd } from '../core/cost';
import { sourceCounts } from '../core/langswarm/source-counts';
import type { Message, Part, Session, SessionStatus, SessionSummary } from '../core/model';
import { displayTitle, knownTokens, partsText, sourceStatusNote } from '../core/text';

export const STATUS_ORDER: readonly SessionStatus[] = ['active', 'paused', 'completed', 'archived', 'error'];

export const STATUS_LABEL: Record<SessionStatus, string> = {
  active: 'Active',
  paused: 'Paused',
  completed: 'Completed',
  archived: 'Archived',
  error: 'Error',
};

/** Codicon ids. */
export const STATUS_ICON: Record<SessionStatus, string> = {
  active: 'play-circle',
  paused: 'debug-pause',
  completed: 'pass',
  archived: 'archive',
  error: 'error',
};

export function relativeTime(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 30) return `${days} d ago`;
  return iso.slice(0, 10);
}

/** The local day of an instant, as YYYY-MM-DD (the "day" grouping's key). */
export function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Today", "Yesterday" or the date, for a local YYYY-MM-DD day. */
export function dayLabel(day: string, now: Date = new Date()): string {
  if (day === localDay(now)) return 'Today';
  if (day === localDay(new Date(now.getTime() - 86_400_000))) return 'Yesterday';
  return day;
}

/** Local-day bounds as UTC instants, for listing one day's sessions. */
export function dayRange(day: string): { from: string; to: string } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const from = new Date(y, m - 1, d);
  const to = new Date(y, m - 1, d + 1);
  return { from: from.toISOString(), to: to.toISOString() };
}

const oneLine = (text: string, max: number) => {
  // Markdown emphasis and code marks read as noise in a one-line preview.
  const line = text
    .replace(/```[\w-]*|\*\*|__|`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** One line that says what a message is: its text, or the tool call / result it carries. */
export function messagePreview(parts: readonly Part[], max = 90): string {
  return oneLine(partsText(parts, 'label'), max);
}

/** Codicon for a message: tool calls and results are recognisable at a glance. */
export function messageIcon(m: Pick<Message, 'role' | 'parts' | 'state'>): string {
  if (m.state !== 'complete') return 'warning';
  if (m.parts.some((p) => p.type === 'tool_call')) return 'tools';
  if (m.parts.some((p) => p.type === 'tool_result')) return 'reply';
  return { user: 'account', assistant: 'hubot', system: 'settings-gear', developer: 'code', tool: 'reply' }[m.role];
}

/** Capability flags matched by regex in package.json menus, e.g. `/;pausable;/`. */
export function sessionContextValue(s: Pick<SessionSummary, 'status' | 'parent'>, writable: boolean): string {
  const flags = ['session', `status-${s.status}`];
  // A fork or replay: "Compare with Parent" (a read, so also when read-only).
  if (s.parent) flags.push('forked');
  if (writable) {
    flags.push('renamable', 'taggable', 'deletable');
    if (s.status === 'active') flags.push('pausable');
    if (s.status !== 'active' && s.status !== 'archived') flags.push('resumable');
    if (s.status === 'active' || s.status === 'paused' || s.status === 'error') flags.push('completable');
    if (s.status === 'archived') flags.push('unarchivable');
    else flags.push('archivable');
  }
  return `${flags.join(';')};`;
}

export function messageContextValue(m: Pick<Message, 'role'>, sessionStatus: SessionStatus, writable: boolean): string {
  const flags = ['message', `role-${m.role}`, 'copyable'];
  if (writable) {
    flags.push('forkable');
    if (sessionStatus !== 'archived') flags.push('editable', 'deletable');
  }
  return `${flags.join(';')};`;
}

export function formatTokens(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

/**
 * The active session's tokens and cost for the status bar (`$(pulse) 12k tok · $0.0420`), with the breakdown as
 * its tooltip; undefined when no reply of it reports usage. A cost only partly known is a lower bound (`≥`).
 */
export function costStatus(t: CostTotal): { text: string; tooltip: string } | undefined {
  if (t.state === 'no usage') return undefined;
  const n = (v: number) => v.toLocaleString('en-US');
  const { input, cachedInput, cacheWrite, output, reasoning } = t.tokens;
  const cost =
    t.state === 'known' ? formatUsd(t.total) : t.state === 'unknown' ? 'price unknown' : `≥${formatUsd(t.total)}`;
  const cache = [cachedInput ? `${n(cachedInput)} cached` : '', cacheWrite ? `${n(cacheWrite)} written to cache` : '']
    .filter(Boolean)
    .join(', ');
  const lines = [
    `Active session: ${describeTotal(t)}`,
    `Tokens: ${n(input)} in${cache ? ` (${cache})` : ''} · ${n(output)} out${reasoning ? ` (${n(reasoning)} reasoning)` : ''}`,
    `Priced ${t.priced} of ${t.priced + t.unpriced} replies with usage${t.tables.length ? ` (${t.tables.join(', ')})` : ''}`,
    ...Object.entries(t.unknownReasons).map(([why, count]) => `Price unknown for ${count}: ${why}`),
    'Click to open its history and chart.',
  ];
  return { text: `$(pulse) ${formatTokens(input + output)} tok · ${cost}`, tooltip: lines.join('\n') };
}

/** "openai · gpt-4o · 12 msgs · 5 min ago", led by the source's id when the title shown is not that id. */
export function sessionDescription(s: SessionSummary, now?: Date): string {
  return [
    s.originalId && displayTitle(s) !== s.originalId ? s.originalId : '',
    `${s.provider} · ${s.model}`,
    `${s.messageCount} msg${s.messageCount === 1 ? '' : 's'}`,
    relativeTime(s.lastActivityAt, now),
  ]
    .filter(Boolean)
    .join(' · ');
}

// ---- hover tooltips: Markdown built from stored values, every one shown as literal text ----

/** Line breaks, other control characters and bidirectional overrides: shown as one space each. */
const UNSEEN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Markdown source that renders as `text` itself: every ASCII punctuation character is backslash-escaped
 * (CommonMark allows it for all of them), so no link, image, emphasis, code span, HTML tag, entity, autolink
 * or `$(icon)` can start; line breaks become spaces, so nothing can start a block either. At most `max`
 * characters are shown.
 */
export function markdownText(text: string, max = 300): string {
  const chars = Array.from(text.slice(0, max * 2 + 2).replace(UNSEEN, ' '));
  const shown = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
  return shown.replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/** A fenced code block that `text` cannot close: its fence is longer than any run of backticks in it. */
function codeBlock(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

/** The session row's hover: title, then one line per field. */
export function sessionTooltipMarkdown(s: Session, cost?: CostTotal): string {
  const tokens = knownTokens(s);
  const counted = sourceCounts(s.origin);
  const fileCounts = [
    counted.tokens === undefined ? '' : `${formatTokens(counted.tokens)} tokens`,
    counted.messages === undefined ? '' : `${counted.messages} messages`,
  ].filter(Boolean);
  const rows: Array<[string, string]> = [
    ['Id', s.id],
    ...(s.originalId ? [['Source id', s.originalId] as [string, string]] : []),
    ['Status', sourceStatusNote(s) ? `${s.status} (${sourceStatusNote(s)})` : s.status],
    ['Provider', `${s.provider} · ${s.model}`],
    ['User', s.userId || '—'],
    ['Created', s.createdAt],
    ['Updated', s.updatedAt],
    ...(s.lastActivityAt ? [['Last activity', s.lastActivityAt] as [string, string]] : []),
    ['Messages', String(s.messageCount)],
    ['Tokens', tokens === undefined ? 'unknown (no message reports usage)' : formatTokens(tokens)],
    ...(fileCounts.length
      ? [['In the file', `${fileCounts.join(', ')} (LangSwarm's own counts, not usage)`] as [string, string]]
      : []),
    ...(cost ? [['Cost', costText(cost)] as [string, string]] : []),
    ['Tags', s.tags.join(', ') || '—'],
  ];
  if (s.parent) rows.push(['Forked from', `${s.parent.sessionId} at ${s.parent.messageId}`]);
  if (s.origin) rows.push(['Imported from', `${s.origin.format}: ${s.origin.file} (id ${s.origin.originalId})`]);
  return `**${markdownText(displayTitle(s))}**\n\n${rows.map(([k, v]) => `${k}: ${markdownText(v)}  \n`).join('')}`;
}

/** The session's cost, what part of it is unknown, and the prices it used. */
function costText(t: CostTotal): string {
  return t.tables.length ? `${describeTotal(t)} · ${t.tables.join(', ')}` : describeTotal(t);
}

/** A message row's hover: who and when, its text (or tool call/result) as a code block, usage. */
export function messageTooltipMarkdown(m: Message): string {
  const text = partsText(m.parts, 'detail');
  const source = m.createdAtRaw ? ` (source: ${markdownText(m.createdAtRaw)})` : '';
  let md = `**${markdownText(m.role)}** #${markdownText(String(m.seq))} · ${markdownText(m.createdAt)}${source}\n\n`;
  md += `${codeBlock(text.length > 2000 ? `${text.slice(0, 2000)}…` : text || '(no text)')}\n`;
  const facts = [
    m.provider
      ? `Model: ${markdownText(m.provider.model ? `${m.provider.name}/${m.provider.model}` : m.provider.name)}`
      : '',
    // An import's usage is LangSwarm's count of the message itself, stored as input or output by its role.
    m.usage && m.origin
      ? `Tokens: ${markdownText(String(m.usage.totalTokens))} (LangSwarm's count)`
      : m.usage
        ? `Tokens: ${markdownText(String(m.usage.inputTokens))} in · ${markdownText(String(m.usage.outputTokens))} out`
        : '',
    m.stopReason ? `stop: ${markdownText(m.stopReason)}` : '',
  ].filter(Boolean);
  if (facts.length) md += `\n${facts.join(' · ')}`;
  return md;
}

// ---- saving a state dump: one default place and name for the State view's "Save…" and the palette's export ----

/** "Trip planning.state.json" for a session's dump, "all-sessions.state.json" for everything: file-system safe. */
export function stateFileName(sessionTitle: string | undefined): string {
  const base = (sessionTitle ?? 'all sessions')
    .replace(/[^\w.-]+/g, '-')
    .slice(0, 60)
    .replace(/^[-.]+|-+$/g, '');
  return `${base || 'state'}.state.json`;
}

/** Where a save dialog starts: in the workspace's first folder, else the home folder (never the file system's root). */
export function defaultSavePath(fileName: string, workspaceFolder: string | undefined, home: string): string {
  return path.join(workspaceFolder ?? home, fileName);
}
