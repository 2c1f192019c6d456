// One message as a row of the conversation: header (role, time, state, actions), its parts, and a details row.
import type { MessageRevision, Part, Role } from '../../core/model';
import { partsText } from '../../core/text';
import type { WebMessage } from '../../protocol';
import { button, Child, formatNumber, formatTime, h, icon, safeLink } from '../shared/dom';
import { codeBlock } from './highlight';
import { renderMarkdown } from './markdown';

export interface MessageActions {
  /** Jump from a tool call to its result, or back. */
  locateTool(callId: string, seq: number, find: 'result' | 'call'): void;
  fork(message: WebMessage): void;
  copy(text: string): void;
  revisions(messageId: string): Promise<MessageRevision[]>;
  /** Opens the inspector on the model call that made this message. */
  inspect(message: WebMessage): void;
}

const ROLE_ICONS: Record<string, string> = {
  system: 'gear',
  developer: 'tools',
  user: 'account',
  assistant: 'hubot',
  tool: 'wrench',
};
/** Longer text is cut (with a button to show it all): one huge line must not freeze layout. */
const TEXT_LIMIT = 20_000;
/** Above this, even "show all" shows plain text rather than markdown. */
const MARKDOWN_LIMIT = 200_000;

let markdown = true;
/** Plain text instead of markdown, for every message rendered from now on. */
export function setPlainText(plain: boolean): void {
  markdown = !plain;
}

/** Message text: sanitised markdown, or plain text when asked. */
function richText(s: string): Node {
  return markdown ? h('div', { class: 'markdown' }, renderMarkdown(s)) : h('div', { class: 'plain-text' }, s);
}

export function roleIcon(role: string): HTMLElement {
  return icon(ROLE_ICONS[role] ?? 'comment');
}

/** A row while its message is still on its way. */
export function placeholderRow(seq: number, role: Role): HTMLElement {
  return h(
    'article',
    { class: `message role-${role} loading`, 'aria-busy': 'true', 'data-seq': seq, tabindex: -1 },
    h(
      'header',
      { class: 'message-header' },
      roleIcon(role),
      h('span', { class: 'role' }, role),
      h('span', { class: 'seq' }, `#${seq}`),
    ),
    h('div', { class: 'message-body' }, h('div', { class: 'skeleton' })),
  );
}

/** `streaming`: the reply is still arriving (shown as such, not as cut off). */
export function messageRow(m: WebMessage, actions: MessageActions, { streaming = false } = {}): HTMLElement {
  const time = h('time', { datetime: m.createdAt, title: m.createdAtRaw ?? m.createdAt }, formatTime(m.createdAt));
  const badges: Child[] = [
    streaming
      ? h(
          'span',
          { class: 'badge state-streaming', title: 'The reply is streaming in' },
          icon('loading codicon-modifier-spin'),
          ' streaming',
        )
      : m.state !== 'complete'
        ? h(
            'span',
            {
              class: `badge state-${m.state}`,
              title: m.state === 'partial' ? 'The reply was cut off before it finished' : 'The reply failed',
            },
            icon(m.state === 'partial' ? 'debug-pause' : 'error'),
            ` ${m.state}`,
          )
        : null,
    m.revision > 0 ? editedBadge(m, actions) : null,
  ];
  const header = h(
    'header',
    { class: 'message-header' },
    roleIcon(m.role),
    h('span', { class: 'role' }, m.role),
    h('span', { class: 'seq' }, `#${m.seq}`),
    time,
    ...badges,
    h('span', { class: 'spacer' }),
    h(
      'span',
      { class: 'message-actions', role: 'toolbar', 'aria-label': 'Message actions' },
      m.role === 'assistant'
        ? button('inspect', 'Inspect the model call (I)', () => actions.inspect(m), { class: 'icon-button inspect' })
        : null,
      button('copy', 'Copy message text', () => actions.copy(partsText(m.parts, 'copy'))),
      button('repo-forked', 'Fork from here', () => actions.fork(m), { class: 'icon-button fork' }),
    ),
  );
  const body = h('div', { class: 'message-body' }, ...m.parts.map((p) => renderPart(p, m, actions)));
  return h(
    'article',
    {
      class: `message role-${m.role} is-${streaming ? 'streaming' : m.state}`,
      'data-seq': m.seq,
      'data-id': m.id,
      tabindex: -1,
      'aria-label': `${m.role} message ${m.seq}`,
      'aria-busy': streaming ? 'true' : undefined,
    },
    header,
    body,
    detailsRow(m),
  );
}

function editedBadge(m: WebMessage, actions: MessageActions): HTMLElement {
  const b = h(
    'button',
    {
      type: 'button',
      class: 'badge edited',
      title: m.editedAt ? `Edited ${formatTime(m.editedAt)}: show earlier versions` : 'Show earlier versions',
      'aria-expanded': 'false',
    },
    icon('history'),
    ` edited (${m.revision})`,
  );
  b.addEventListener('click', () => {
    const article = b.closest('article')!;
    const open = article.querySelector('.revisions');
    b.setAttribute('aria-expanded', String(!open));
    if (open) return open.remove();
    const box = h(
      'div',
      { class: 'revisions', role: 'region', 'aria-label': 'Earlier versions' },
      'Loading earlier versions…',
    );
    article.querySelector('.message-body')!.before(box);
    actions.revisions(m.id).then(
      (revs) => {
        box.replaceChildren(
          ...revs.map((r) =>
            h(
              'div',
              { class: 'revision' },
              h('div', { class: 'revision-header' }, `Version ${r.revision}, replaced ${formatTime(r.replacedAt)}`),
              ...r.parts.map((p) => renderPart(p, m, actions)),
            ),
          ),
        );
      },
      (e: Error) => box.replaceChildren(`Could not load earlier versions: ${e.message}`),
    );
  });
  return b;
}

function detailsRow(m: WebMessage): HTMLElement | null {
  const items: Child[] = [];
  // Each detail stays on one line, cut with an ellipsis; its tooltip has it whole.
  const item = (label: string, value: string, title?: string) =>
    items.push(
      h(
        'span',
        { class: 'detail', title: title ? `${label} ${value}\n${title}` : `${label} ${value}` },
        h('span', { class: 'detail-label' }, `${label} `),
        value,
      ),
    );
  if (m.provider) item('model', m.provider.model ? `${m.provider.name}/${m.provider.model}` : m.provider.name);
  if (m.usage) {
    const u = m.usage;
    const extra = [
      u.cachedInputTokens ? `cached ${formatNumber(u.cachedInputTokens)}` : '',
      u.reasoningTokens ? `reasoning ${formatNumber(u.reasoningTokens)}` : '',
      u.cacheWriteTokens ? `cache write ${formatNumber(u.cacheWriteTokens)}` : '',
    ].filter(Boolean);
    // An import's usage is LangSwarm's token count of the message itself, not a call's input and output.
    if (m.origin) item('tokens', `${formatNumber(u.totalTokens)} (LangSwarm's count)`, 'As the imported file holds it');
    else
      item(
        'tokens',
        `${formatNumber(u.inputTokens)} in · ${formatNumber(u.outputTokens)} out · ${formatNumber(u.totalTokens)} total`,
        extra.join(', ') || undefined,
      );
  }
  if (m.stopReason) item('stop', m.stopReason);
  for (const [k, v] of Object.entries(m.providerIds ?? {})) item(k, Array.isArray(v) ? v.join(', ') : v);
  if (m.nativeProviders?.length)
    item('native', m.nativeProviders.join(', '), "The provider's own JSON is stored for verbatim replay");
  if (m.createdAtRaw && m.createdAtRaw !== m.createdAt) item('original time', m.createdAtRaw);
  const extras: Child[] = [];
  if (Object.keys(m.metadata).length) extras.push(jsonDetails('Metadata', m.metadata));
  if (m.origin && Object.keys(m.origin).length) extras.push(jsonDetails('Origin', m.origin));
  if (!items.length && !extras.length) return null;
  return h('footer', { class: 'message-details' }, ...items, ...extras);
}

export function jsonDetails(title: string, value: unknown, open = false): HTMLElement {
  return h(
    'details',
    { class: 'json-details', open },
    h('summary', null, title),
    codeBlock(JSON.stringify(value, null, 2), 'json'),
  );
}

/** Text that may be huge: cut at TEXT_LIMIT with a button that shows the rest. */
function longText(text: string, render: (s: string) => Node): HTMLElement {
  const box = h('div', { class: 'text' });
  if (text.length <= TEXT_LIMIT) {
    box.appendChild(render(text));
    return box;
  }
  const more = h('button', { type: 'button', class: 'show-more' }, `Show all ${formatNumber(text.length)} characters`);
  more.addEventListener('click', () =>
    box.replaceChildren(text.length > MARKDOWN_LIMIT ? h('div', { class: 'plain' }, text) : render(text)),
  );
  box.append(
    render(text.slice(0, TEXT_LIMIT)),
    h('div', { class: 'truncated' }, `… ${formatNumber(text.length - TEXT_LIMIT)} more characters. `, more),
  );
  return box;
}

function prettyJson(raw: string): { text: string; valid: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(raw), null, 2), valid: true };
  } catch {
    return { text: raw, valid: false };
  }
}

function collapsible(summary: Child[], content: Node, open: boolean, cls: string): HTMLElement {
  return h('details', { class: cls, open }, h('summary', null, ...summary), content);
}

export function renderPart(p: Part, m: WebMessage, actions: MessageActions): Node {
  switch (p.type) {
    case 'text':
      return longText(p.text, richText);
    case 'refusal':
      return h(
        'div',
        { class: 'callout refusal', role: 'note' },
        icon('circle-slash'),
        h('span', { class: 'callout-title' }, ' Refused: '),
        longText(p.text, (s) => document.createTextNode(s)),
      );
    case 'tool_call': {
      const args = prettyJson(p.argumentsJson);
      const jump = button('arrow-down', 'Go to the result', () => actions.locateTool(p.callId, m.seq, 'result'), {
        class: 'icon-button tool-jump',
        'data-call-id': p.callId,
      });
      return h(
        'div',
        { class: 'tool tool-call', 'data-call-id': p.callId },
        h(
          'div',
          { class: 'tool-header' },
          icon('symbol-method'),
          h('span', { class: 'tool-name', title: p.name }, p.name),
          h('span', { class: 'tool-id', title: p.callId }, p.callId),
          jump,
        ),
        collapsible(
          [args.valid ? 'Arguments' : 'Arguments (not valid JSON)'],
          args.text.length > TEXT_LIMIT
            ? longText(args.text, (s) => h('div', { class: 'plain' }, s))
            : codeBlock(args.text, args.valid ? 'json' : ''),
          args.text.split('\n').length <= 30,
          'tool-args',
        ),
      );
    }
    case 'tool_result': {
      const content = prettyJson(p.content);
      const jump = button('arrow-up', 'Go to the call', () => actions.locateTool(p.callId, m.seq, 'call'), {
        class: 'icon-button tool-jump',
        'data-call-id': p.callId,
      });
      const body =
        content.valid && content.text.length <= TEXT_LIMIT
          ? codeBlock(content.text, 'json')
          : longText(p.content, (s) => h('div', { class: 'plain' }, s));
      return h(
        'div',
        { class: `tool tool-result${p.isError ? ' is-error' : ''}`, 'data-call-id': p.callId },
        h(
          'div',
          { class: 'tool-header' },
          icon(p.isError ? 'error' : 'output'),
          h('span', { class: 'tool-name', title: `${p.name} result` }, `${p.name} result`),
          p.isError ? h('span', { class: 'badge state-error' }, 'error') : null,
          h('span', { class: 'tool-id', title: p.callId }, p.callId),
          jump,
        ),
        collapsible(['Output'], body, p.content.split('\n').length <= 30, 'tool-output'),
      );
    }
    case 'reasoning': {
      const inner = h('div', { class: 'reasoning-body' });
      if (p.summary?.length)
        inner.appendChild(h('ul', { class: 'reasoning-summary' }, ...p.summary.map((s) => h('li', null, s))));
      if (p.text) inner.appendChild(longText(p.text, richText));
      if (p.redacted || (!p.text && !p.summary?.length))
        inner.appendChild(
          h(
            'p',
            { class: 'muted' },
            p.opaque
              ? `Encrypted reasoning (${p.opaque.provider}), kept for replay.`
              : 'Reasoning redacted by the provider.',
          ),
        );
      return collapsible([icon('lightbulb'), ' Reasoning', p.redacted ? ' (redacted)' : ''], inner, false, 'reasoning');
    }
    case 'image':
      return h(
        'div',
        { class: 'attachment image' },
        icon('file-media'),
        ` Image${p.mediaType ? ` (${p.mediaType})` : ''}: `,
        describeSource(p.source),
        h('span', { class: 'muted' }, ' — not loaded'),
      );
    case 'file':
      return h(
        'div',
        { class: 'attachment file' },
        icon('file'),
        ` ${p.name ?? 'File'}${p.mediaType ? ` (${p.mediaType})` : ''}: `,
        describeSource(p.source),
      );
    case 'provider_item':
      return collapsible(
        [icon('json'), ` ${p.provider} item`],
        codeBlock(JSON.stringify(p.item, null, 2) ?? 'null', 'json'),
        false,
        'provider-item',
      );
    default:
      return h('div', { class: 'muted' }, `Unknown part ${(p as { type: string }).type}`);
  }
}

function describeSource(source: Extract<Part, { type: 'image' }>['source']): Child {
  switch (source.kind) {
    case 'base64':
      return `inline data, ${formatNumber(Math.round((source.data.length * 3) / 4 / 1024))} KB`;
    case 'url':
      return safeLink(source.url, source.url.length > 200 ? `${source.url.slice(0, 200)}…` : source.url);
    case 'file':
      return `file ${source.fileId}`;
  }
}

/** The stored reply with the text that streamed in since its last save appended (all of its text parts form the streamed text). */
export function withStreamed(m: WebMessage, streamed: string): WebMessage {
  const stored = m.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  if (streamed.length <= stored.length || !streamed.startsWith(stored)) return m;
  const tail = streamed.slice(stored.length);
  const parts = [...m.parts];
  const last = parts[parts.length - 1];
  if (last?.type === 'text') parts[parts.length - 1] = { ...last, text: last.text + tail };
  else parts.push({ type: 'text', text: tail });
  return { ...m, parts };
}
