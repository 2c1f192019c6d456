// The open session's header: title, status, the session actions, its metadata line and the details (system prompt,
// metadata, provider state, origin) folded away.
import type { Session } from '../../core/model';
import { button, clear, formatNumber, formatTime, h, icon } from '../shared/dom';
import { jsonDetails } from './message';

export interface HeaderActions {
  find(): void;
  replay(): void;
  dump(): void;
  /** Opens another session (the one this was forked from). */
  open(sessionId: string): void;
}

export function renderSessionHeader(header: HTMLElement, s: Session, actions: HeaderActions): void {
  const meta = [
    `${s.provider}/${s.model}`,
    `${formatNumber(s.messageCount)} messages`,
    `${formatNumber(s.totalTokens)} tokens`,
    `created ${formatTime(s.createdAt)}`,
    `last active ${formatTime(s.lastActivityAt)}`,
  ];
  const parent = s.parent;
  const parentLink = parent
    ? h(
        'button',
        { type: 'button', class: 'link-button parent-link', title: 'Open the session this was forked from' },
        icon('repo-forked'),
        ' forked from another session',
      )
    : null;
  parentLink?.addEventListener('click', () => actions.open(parent!.sessionId));
  const details: HTMLElement[] = [];
  if (s.systemPrompt)
    details.push(
      h(
        'details',
        { class: 'system-prompt' },
        h('summary', null, icon('gear'), ' System prompt'),
        h('div', { class: 'plain' }, s.systemPrompt),
      ),
    );
  if (Object.keys(s.metadata).length) details.push(jsonDetails('Metadata', s.metadata));
  if (Object.keys(s.providerState).length) details.push(jsonDetails('Provider state', s.providerState));
  if (s.origin) details.push(jsonDetails(`Imported from ${s.origin.format}`, s.origin));
  clear(header);
  header.append(
    h(
      'div',
      { class: 'title-row' },
      h('h1', { class: 'session-title' }, s.title),
      h('span', { class: `badge status-${s.status}` }, s.status),
      h('span', { class: 'spacer' }),
      h(
        'span',
        { role: 'toolbar', 'aria-label': 'Session actions', class: 'session-actions' },
        button('search', 'Find in session (Ctrl+F)', () => actions.find(), { class: 'icon-button open-find' }),
        button('play-circle', 'Replay', () => actions.replay(), { class: 'icon-button open-replay' }),
        button('json', 'Dump session state', () => actions.dump(), { class: 'icon-button dump-state' }),
      ),
    ),
    h(
      'div',
      { class: 'session-meta' },
      meta.join(' · '),
      ' ',
      parentLink,
      ...s.tags.map((t) => h('span', { class: 'tag' }, t)),
    ),
    ...details,
  );
}

export function renderEmptyHeader(header: HTMLElement): void {
  clear(header);
  header.append(h('div', { class: 'empty' }, icon('history'), ' Pick a session, or search all messages.'));
}
