// Building the DOM safely: elements and text nodes only (never HTML strings), no event-handler, style or
// URL attributes, and text with its invisible and direction-changing characters made visible.
import { IpcCommand, NoticeLink, isSafeLink } from '../../protocol';
import { command } from './ipc';

export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined>;

/** Attributes content could use to run script, load something or restyle the page. */
const FORBIDDEN = /^(on|style$|href$|src$|srcset$|xlink:|formaction$|action$|srcdoc$)/i;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === false) continue;
      if (FORBIDDEN.test(name)) throw new Error(`refusing attribute ${name}`);
      el.setAttribute(name === 'className' ? 'class' : name, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? visibleText(String(c)) : c);
  }
}

export function icon(name: string, label?: string): HTMLElement {
  const el = h('span', {
    class: `codicon codicon-${name}`,
    'aria-hidden': label ? undefined : 'true',
    role: label ? 'img' : undefined,
    'aria-label': label,
  });
  return el;
}

export function button(
  iconName: string,
  label: string,
  onClick: (e: MouseEvent) => void,
  attrs: Attrs = {},
): HTMLButtonElement {
  const b = h(
    'button',
    { type: 'button', class: 'icon-button', title: label, 'aria-label': label, ...attrs },
    icon(iconName),
  );
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Bidi overrides and isolates could reorder what is shown (and hide what text really says); zero-width and
 * control characters hide it. Each is shown as a visible marker instead.
 */
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** Text as a node: well formed (no lone surrogates) and with invisible characters made visible. */
export function visibleText(text: string): Node {
  const s = text.toWellFormed();
  if (!INVISIBLE.test(s)) return document.createTextNode(s);
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const m of s.matchAll(INVISIBLE_ALL)) {
    if (m.index > at) frag.appendChild(document.createTextNode(s.slice(at, m.index)));
    const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    frag.appendChild(
      h(
        'span',
        { class: 'invisible-char', title: `Invisible character U+${code}` },
        document.createTextNode(`U+${code}`),
      ),
    );
    at = m.index + m[0].length;
  }
  if (at < s.length) frag.appendChild(document.createTextNode(s.slice(at)));
  return frag;
}

/** A link that never navigates the webview: http(s) targets open through the host; anything else is inert text. */
export function safeLink(url: string, ...children: Child[]): HTMLElement {
  if (!isSafeLink(url)) {
    return h(
      'span',
      { class: 'link-refused', title: `Link not opened (only http and https links are): ${url.slice(0, 200)}` },
      ...children,
    );
  }
  const a = h(
    'a',
    { role: 'link', tabindex: 0, class: 'link', title: url.slice(0, 500), 'data-url': url },
    ...children,
  );
  const open = (e: Event) => {
    e.preventDefault();
    command(IpcCommand.OpenLink, { url });
  };
  a.addEventListener('click', open);
  a.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') open(e);
  });
  return a;
}

/** A link that runs one of the host's allowed commands (NOTICE_COMMANDS: the host checks again). */
export function commandLink(link: NoticeLink): HTMLElement {
  const a = h('a', { role: 'link', tabindex: 0, class: 'link', 'data-command': link.command }, link.label);
  const run = (e: Event) => {
    e.preventDefault();
    command(IpcCommand.RunCommand, link);
  };
  a.addEventListener('click', run);
  a.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') run(e);
  });
  return a;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
export const formatTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
};
export const formatDate = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : shortDate.format(d);
};
const numbers = new Intl.NumberFormat();
export const formatNumber = (n: number) => numbers.format(n);

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${m % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}
