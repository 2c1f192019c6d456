// The page of the read-only custom editor of LangSwarm stores: what the file holds, and an Import button. Built whole
// in the extension host from the summary (no script at all: the button is a command link the webview is allowed to
// follow for the migrate command only). Free of `vscode` so unit tests check it as it is.
import type { SourceSummary } from '../../core/langswarm/inspect';
import type { SourceFormat } from '../../core/langswarm/source';
import { escapeHtml, makeNonce, pageFrame } from './html';

export const FORMAT_LABEL: Record<SourceFormat, string> = {
  'langswarm-v1-sqlite': 'LangSwarm V1 session store (SQLite)',
  'langswarm-v1-json': 'LangSwarm V1 session document (JSON)',
  'langswarm-v2-session': 'LangSwarm V2 session store (SQLite)',
  'langswarm-v2-memory': 'LangSwarm V2 memory store (SQLite)',
};

/** The one command the page links to. */
export const IMPORT_COMMAND = 'langswarmSessions.migrate';

export interface LangSwarmPage {
  cspSource: string;
  /** The file's full path, and how the workspace names it. */
  file: string;
  shownPath: string;
  trusted: boolean;
  /** While reading: neither. */
  summary?: SourceSummary;
  /** The sentence saying why the file cannot be read. */
  error?: string;
  nonce?: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/** An ISO time as "YYYY-MM-DD HH:MM" in the local time of the machine. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The command link of the Import button: the migration of this one file, confirmed first. */
export function importLink(file: string): string {
  return `command:${IMPORT_COMMAND}?${encodeURIComponent(JSON.stringify([{ sources: [file], confirm: true }]))}`;
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 16px 24px; max-width: 760px; }
h1 { font-size: 1.4em; font-weight: 600; margin: 0 0 2px; overflow-wrap: anywhere; }
.path { color: var(--vscode-descriptionForeground); margin: 0 0 16px; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0 0 16px; }
dt { color: var(--vscode-descriptionForeground); }
dd { margin: 0; font-variant-numeric: tabular-nums; }
ul.warnings { padding-left: 18px; color: var(--vscode-editorWarning-foreground); }
.error { color: var(--vscode-errorForeground); overflow-wrap: anywhere; }
.note { color: var(--vscode-descriptionForeground); }
a.button { display: inline-block; padding: 4px 14px; border-radius: 2px; text-decoration: none; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent); }
a.button:hover { background: var(--vscode-button-hoverBackground); }
a.button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
`;

function body(page: LangSwarmPage): string {
  const name = page.shownPath.split(/[\\/]/).pop() ?? page.shownPath;
  const head = `<h1>${escapeHtml(name)}</h1><p class="path">${escapeHtml(page.shownPath)} · read-only: LangSwarm Sessions never changes this file</p>`;
  if (page.error !== undefined)
    return `${head}<p class="error" role="alert">This file cannot be read as a LangSwarm store. ${escapeHtml(page.error)}</p>
<p class="note">To see its bytes anyway, use "Reopen Editor With…" and choose the Text Editor.</p>`;
  const s = page.summary;
  if (!s) return `${head}<p class="note" role="status">Reading what it holds…</p>`;
  const rows: Array<[string, string]> = [
    ['Kind', FORMAT_LABEL[s.format] ?? s.format],
    ['Sessions', count(s.sessions)],
    ['Messages', count(s.messages)],
    ['Dates', s.from && s.to ? `${localTime(s.from)} – ${localTime(s.to)}` : 'none (no sessions)'],
  ];
  if (s.unreadable) rows.push(['Unreadable', `${count(s.unreadable)} row(s) or group(s): an import reports them`]);
  const warnings = s.warnings.length
    ? `<ul class="warnings">${s.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : '';
  const trust = page.trusted
    ? ''
    : '<p class="note">This workspace is not trusted (Restricted Mode): importing needs trust.</p>';
  return `${head}<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>${warnings}
<p class="note">Importing copies its sessions into this workspace's LangSwarm Sessions database; importing again later adds only what is new.</p>
${trust}<p><a class="button" href="${escapeHtml(importLink(page.file))}" title="Import the sessions of this file (asks first)">Import…</a></p>`;
}

export function langswarmPageHtml(page: LangSwarmPage): string {
  const nonce = page.nonce ?? makeNonce();
  return pageFrame({
    cspSource: page.cspSource,
    nonce,
    title: page.shownPath,
    head: `<style nonce="${nonce}">${STYLE}</style>`,
    body: `<body>
${body(page)}
</body>`,
  });
}
