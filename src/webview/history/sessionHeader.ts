// The open session's header: title, status, the session actions, its metadata line and the details (system prompt,
// metadata, provider state, origin) folded away.
import type { Session } from '../../core/model';
import { displayTitle, knownTokens, sourceStatusNote } from '../../core/text';
import { button, clear, formatNumber, formatTime, h, icon } from '../shared/dom';
import { jsonDetails } from './message';

export interface HeaderActions {
  find(): void;
  replay(): void;
  dump(): void;
  /** Set Model Parameters… for this session (in VS Code). */
  parameters(): void;
  /** Opens the inspector on the session's recorded model calls. */
  calls(): void;
  /** Opens another session (the one this was forked from). */
  open(sessionId: string): void;
  /** More buttons for the toolbar, kept across renders (the chart's toggle). */
  extra?: HTMLElement[];
}

export function renderSessionHeader(header: HTMLElement, s: Session, actions: HeaderActions): void {
  const title = displayTitle(s);
  const tokens = knownTokens(s);
  const statusNote = sourceStatusNote(s);
  const meta = [
    // The source's id, when the title shown was taken from the first message instead.
    ...(s.originalId && title !== s.originalId ? [`id ${s.originalId}`] : []),
    `${s.provider}/${s.model}`,
    `${formatNumber(s.messageCount)} messages`,
    tokens === undefined ? 'tokens unknown' : `${formatNumber(tokens)} tokens`,
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
  if (s.parametersProblem)
    details.push(
      h('div', { class: 'parameters-problem' }, icon('warning'), ' Model parameters: ', s.parametersProblem),
    );
  else if (s.parameters) details.push(jsonDetails('Model parameters', s.parameters));
  if (Object.keys(s.metadata).length) details.push(jsonDetails('Metadata', s.metadata));
  if (Object.keys(s.providerState).length) details.push(jsonDetails('Provider state', s.providerState));
  if (s.origin) details.push(jsonDetails(`Imported from ${s.origin.format}`, s.origin));
  clear(header);
  header.append(
    h(
      'div',
      { class: 'title-row' },
      h('h1', { class: 'session-title', title }, title),
      h('span', { class: `badge status-${s.status}`, title: statusNote ?? s.status }, s.status),
      h('span', { class: 'spacer' }),
      h(
        'span',
        { role: 'toolbar', 'aria-label': 'Session actions', class: 'session-actions' },
        button('search', 'Find in session (Ctrl+F)', () => actions.find(), { class: 'icon-button open-find' }),
        button('play-circle', 'Replay', () => actions.replay(), { class: 'icon-button open-replay' }),
        button('settings', 'Model parameters…', () => actions.parameters(), { class: 'icon-button edit-parameters' }),
        button('pulse', 'Model calls (inspect what was sent and received)', () => actions.calls(), {
          class: 'icon-button open-calls',
        }),
        button('json', 'Dump session state', () => actions.dump(), { class: 'icon-button dump-state' }),
        ...(actions.extra ?? []),
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
    ...notes(s, statusNote),
    ...details,
  );
}

/** What an import mapped (its status word), what its source summarised, and that a session is empty. */
function notes(s: Session, statusNote: string | undefined): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (statusNote) out.push(h('div', { class: 'source-status' }, icon('info'), ' ', statusNote));
  if (s.sourceSummary)
    out.push(
      h('div', { class: 'source-summary' }, h('span', { class: 'label' }, 'LangSwarm summary: '), s.sourceSummary),
    );
  if (s.messageCount === 0) out.push(emptySessionNote(s));
  return out;
}

/** An empty session says so, and how to give it its first message, instead of an empty pane. */
function emptySessionNote(s: Session): HTMLElement {
  const how =
    s.status === 'archived'
      ? 'It is archived: unarchive it (Sessions view) to add messages.'
      : 'Write the first one in the message box below.';
  return h(
    'div',
    { class: 'empty-session', role: 'note' },
    icon('comment-discussion'),
    h('strong', null, ' No messages yet. '),
    s.origin ? 'LangSwarm saved this session without any. ' : '',
    how,
  );
}

export function renderEmptyHeader(header: HTMLElement): void {
  clear(header);
  header.append(h('div', { class: 'empty' }, icon('history'), ' Pick a session, or search all messages.'));
}
