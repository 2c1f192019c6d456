// The inspector's list of a session's recorded model calls, oldest first: every call, those that stored no message
// (failed, cancelled) included, so each is reachable. A listbox: one Tab stop, arrows and Home/End move, Enter or a
// click shows the call.
import type { TraceSummary } from '../../protocol';
import { formatNumber, h, icon } from '../shared/dom';
import { formatMs } from './inspectorPanes';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const OUTCOME_ICON = { ok: 'pass', error: 'error', cancelled: 'circle-slash' } as const;

export class CallsList {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly heading: HTMLElement;

  constructor(private readonly choose: (spanId: string) => void) {
    this.heading = h('h3', { class: 'calls-heading', id: 'lss-calls-heading' }, 'Calls');
    this.list = h('div', { class: 'calls-list', role: 'listbox', 'aria-labelledby': 'lss-calls-heading' });
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    this.element = h('nav', { class: 'calls', 'aria-label': 'Model calls of this session' }, this.heading, this.list);
  }

  /** Shows `traces` (the latest of `total`), `selected` marked. */
  update(traces: TraceSummary[], total: number, selected: string | undefined): void {
    this.heading.textContent =
      total > traces.length
        ? `Calls (latest ${formatNumber(traces.length)} of ${formatNumber(total)})`
        : `Calls (${formatNumber(total)})`;
    const first = total - traces.length;
    this.list.replaceChildren(...traces.map((t, i) => this.item(t, first + i + 1)));
    this.select(selected);
  }

  select(spanId: string | undefined): void {
    let current: HTMLElement | undefined;
    for (const el of this.list.querySelectorAll<HTMLElement>('[role=option]')) {
      const on = el.dataset['span'] === spanId;
      el.setAttribute('aria-selected', String(on));
      el.tabIndex = -1;
      if (on) current = el;
    }
    const stop = current ?? this.list.querySelector<HTMLElement>('[role=option]:last-child');
    if (stop) stop.tabIndex = 0;
    current?.scrollIntoView({ block: 'nearest' });
  }

  private item(t: TraceSummary, n: number): HTMLElement {
    const ms = Date.parse(t.endedAt) - Date.parse(t.startedAt);
    const el = h(
      'div',
      {
        role: 'option',
        class: `call-item outcome-${t.outcome}`,
        'data-span': t.spanId,
        'aria-selected': 'false',
        tabindex: -1,
        title: t.error ? `${t.error.code}: ${t.error.message}` : undefined,
      },
      h(
        'span',
        { class: 'call-line' },
        icon(OUTCOME_ICON[t.outcome], t.outcome),
        h('span', { class: 'call-n' }, `#${n}`),
        h('span', { class: 'call-time' }, clock.format(new Date(t.startedAt))),
      ),
      h(
        'span',
        { class: 'call-line muted' },
        h('span', { class: 'call-duration' }, formatMs(ms)),
        ` · ${t.operation} · ${t.modelAnswered ?? t.modelRequested}`,
        t.attemptCount > 1 ? ` · ${t.attemptCount} attempts` : '',
        t.messageIds.length === 0 ? ' · no message stored' : '',
      ),
    );
    el.addEventListener('click', () => this.choose(t.spanId));
    return el;
  }

  private onKey(e: KeyboardEvent): void {
    const items = [...this.list.querySelectorAll<HTMLElement>('[role=option]')];
    const at = items.indexOf(e.target as HTMLElement);
    if (at < 0) return;
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(items[at]!.dataset['span']!);
      return;
    }
    if (to === undefined) return;
    e.preventDefault();
    const next = items[Math.max(0, Math.min(items.length - 1, to))]!;
    for (const el of items) el.tabIndex = el === next ? 0 : -1;
    next.focus();
  }
}
