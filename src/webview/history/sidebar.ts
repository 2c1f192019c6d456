// The left column: full-text search over every session (host search, highlighted snippets), session filters
// (status, provider, tag, activity dates) and role filters folded behind a toggle, and the session list. Every
// result opens its message. Keyboard as in VS Code's lists: the list is one Tab stop (roving tabindex), arrows,
// Home/End and PageUp/PageDown move, Enter or Space opens.
import type { Role, SessionSummary } from '../../core/model';
import { ROLES, SESSION_STATUSES } from '../../core/names';
import { displayTitle } from '../../core/text';
import { IpcRequest, SearchHit, SESSION_PAGE_MAX } from '../../protocol';
import { clear, formatDate, formatNumber, formatTime, h, icon } from '../shared/dom';
import { request } from '../shared/ipc';
import { calendarDay, dateInput, localMidnight } from './dateFilter';
import { roleIcon } from './message';

export interface Filters {
  status?: string;
  provider?: string;
  tag?: string;
  from?: string;
  to?: string;
}

export interface SidebarState {
  query: string;
  filters: Filters;
  hiddenRoles: Role[];
  filtersOpen?: boolean;
}

export interface SidebarEvents {
  open(sessionId: string, seq?: number): void;
  rolesChanged(hidden: ReadonlySet<Role>): void;
  stateChanged(): void;
}

const STATUS_ICONS: Record<string, string> = {
  active: 'circle-filled',
  paused: 'debug-pause',
  completed: 'pass',
  archived: 'archive',
  error: 'error',
};
const PAGE = 100;
const ANY = { status: 'Status', provider: 'Provider', tag: 'Tag' };

export class Sidebar {
  readonly element: HTMLElement;
  readonly hiddenRoles = new Set<Role>();
  private query = '';
  private filters: Filters = {};
  private readonly searchInput: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly selects: Record<'status' | 'provider' | 'tag', HTMLSelectElement>;
  private readonly dates: Record<'from' | 'to', HTMLInputElement>;
  private readonly roleButtons = new Map<Role, HTMLButtonElement>();
  private readonly filterToggle: HTMLButtonElement;
  private readonly filterPanel: HTMLElement;
  /** The list item that takes the list's one Tab stop (the last one focused), by key. */
  private current: string | undefined;
  private activeSessionId: string | undefined;
  private shown = 0;
  private generation = 0;
  private hits: SearchHit[] = [];
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly events: SidebarEvents) {
    this.searchInput = h('input', {
      type: 'search',
      class: 'search-input',
      placeholder: 'Search all messages',
      'aria-label': 'Search all messages',
      spellcheck: 'false',
    });
    this.searchInput.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => {
        this.query = this.searchInput.value;
        this.events.stateChanged();
        void this.reload();
      }, 150);
    });
    const select = (name: 'status' | 'provider' | 'tag', label: string) => {
      const s = h(
        'select',
        { 'aria-label': label, title: label, class: `filter-${name}` },
        h('option', { value: '' }, ANY[name]),
      );
      s.addEventListener('change', () => {
        this.filters[name] = s.value || undefined;
        this.renderFilterToggle();
        this.events.stateChanged();
        void this.reload();
      });
      return s;
    };
    this.selects = {
      status: select('status', 'Filter by status'),
      provider: select('provider', 'Filter by provider'),
      tag: select('tag', 'Filter by tag'),
    };
    for (const s of SESSION_STATUSES) this.selects.status.appendChild(h('option', { value: s }, s));
    const date = (name: 'from' | 'to', label: string) =>
      dateInput(name, label, (day) => {
        this.filters[name] = day;
        this.renderFilterToggle();
        this.events.stateChanged();
        void this.reload();
      });
    this.dates = { from: date('from', 'Active from (date)'), to: date('to', 'Active until (date)') };
    const roles = h('div', { class: 'role-filters', role: 'group', 'aria-label': 'Show roles' });
    for (const role of ROLES) {
      const b = h(
        'button',
        {
          type: 'button',
          class: 'role-toggle',
          'aria-pressed': 'true',
          title: `Show ${role} messages`,
          'data-role': role,
        },
        roleIcon(role),
        ` ${role}`,
      );
      b.addEventListener('click', () => this.toggleRole(role));
      this.roleButtons.set(role, b);
      roles.appendChild(b);
    }
    this.filterPanel = h(
      'div',
      { class: 'filter-panel', id: 'lss-filter-panel', hidden: true },
      h(
        'div',
        { class: 'filters', role: 'group', 'aria-label': 'Filters' },
        this.selects.status,
        this.selects.provider,
        this.selects.tag,
        h('label', { class: 'date-label' }, 'From', this.dates.from),
        h('label', { class: 'date-label' }, 'To', this.dates.to),
      ),
      roles,
    );
    this.filterToggle = h(
      'button',
      {
        type: 'button',
        class: 'icon-button filters-toggle',
        'aria-expanded': 'false',
        'aria-controls': 'lss-filter-panel',
      },
      icon('filter'),
    );
    this.filterToggle.addEventListener('click', () => {
      this.filterPanel.hidden = !this.filterPanel.hidden;
      this.renderFilterToggle();
      this.events.stateChanged();
    });
    this.heading = h('div', { class: 'list-heading', 'aria-live': 'polite' });
    this.list = h('div', { class: 'session-list', role: 'listbox', 'aria-label': 'Sessions' });
    this.list.addEventListener('keydown', (e) => this.onListKey(e));
    this.list.addEventListener('focusin', (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>('[role=option]');
      if (item) this.setCurrent(item);
    });
    this.more = h('button', { type: 'button', class: 'load-more', hidden: true }, 'Load more');
    this.more.addEventListener('click', () => void this.loadMore());
    this.element = h(
      'aside',
      { class: 'sidebar', id: 'lss-sidebar', 'aria-label': 'Sessions and search' },
      h('div', { class: 'search-row' }, icon('search'), this.searchInput, this.filterToggle),
      this.filterPanel,
      this.heading,
      this.list,
      this.more,
    );
    this.renderFilterToggle();
  }

  get state(): SidebarState {
    return {
      query: this.query,
      filters: { ...this.filters },
      hiddenRoles: [...this.hiddenRoles],
      filtersOpen: !this.filterPanel.hidden,
    };
  }

  /** Puts the keyboard on the list's current item (or the search box when the list is empty). */
  focus(): void {
    (this.list.querySelector<HTMLElement>('[role=option][tabindex="0"]') ?? this.searchInput).focus();
  }

  restore(state: Partial<SidebarState>): void {
    this.query = state.query ?? '';
    this.searchInput.value = this.query;
    // Saved state is read back as it was written, but a date that is not one would make the list request throw.
    this.filters = { ...state.filters, from: calendarDay(state.filters?.from), to: calendarDay(state.filters?.to) };
    for (const k of ['status', 'provider', 'tag'] as const) this.selects[k].value = this.filters[k] ?? '';
    for (const k of ['from', 'to'] as const) this.dates[k].value = this.filters[k] ?? '';
    this.hiddenRoles.clear();
    for (const r of state.hiddenRoles ?? []) this.hiddenRoles.add(r);
    for (const [role, b] of this.roleButtons) b.setAttribute('aria-pressed', String(!this.hiddenRoles.has(role)));
    this.filterPanel.hidden = !state.filtersOpen;
    this.renderFilterToggle();
  }

  /** The toggle says how many filters apply while their panel is folded away. */
  private renderFilterToggle(): void {
    const active = Object.values(this.filters).filter(Boolean).length + this.hiddenRoles.size;
    const open = !this.filterPanel.hidden;
    const label = `${open ? 'Hide' : 'Show'} filters${active ? ` (${active} active)` : ''}`;
    this.filterToggle.setAttribute('aria-expanded', String(open));
    this.filterToggle.setAttribute('aria-label', label);
    this.filterToggle.title = label;
    this.filterToggle.classList.toggle('has-active', active > 0);
  }

  /** The list's one Tab stop: `item`, or the current item if still listed, else the open session's, else the first. */
  private setCurrent(item?: HTMLElement): void {
    const options = [...this.list.querySelectorAll<HTMLElement>('[role=option]:not([hidden])')];
    const keyOf = (el: HTMLElement) => `${el.dataset['session']}#${el.dataset['seq'] ?? ''}`;
    const target =
      item ??
      options.find((el) => keyOf(el) === this.current) ??
      options.find((el) => el.getAttribute('aria-selected') === 'true') ??
      options[0];
    this.current = target && keyOf(target);
    for (const el of this.list.querySelectorAll<HTMLElement>('[role=option]')) el.tabIndex = el === target ? 0 : -1;
  }

  setActive(sessionId: string | undefined): void {
    this.activeSessionId = sessionId;
    for (const el of this.list.querySelectorAll<HTMLElement>('[data-session]'))
      el.setAttribute('aria-selected', String(el.dataset['session'] === sessionId));
    if (!this.list.contains(document.activeElement)) this.setCurrent();
  }

  async loadFacets(): Promise<void> {
    const { providers, tags } = await request(IpcRequest.Facets, {});
    const fill = (s: HTMLSelectElement, values: string[], label: string) => {
      const keep = s.value;
      s.replaceChildren(h('option', { value: '' }, label), ...values.map((v) => h('option', { value: v }, v)));
      s.value = values.includes(keep) ? keep : '';
    };
    fill(this.selects.provider, providers, ANY.provider);
    fill(this.selects.tag, tags, ANY.tag);
    // A filter restored from saved state keeps its value even if no session has it any more.
    for (const k of ['provider', 'tag'] as const) {
      const v = this.filters[k];
      if (v && this.selects[k].value !== v) {
        this.selects[k].appendChild(h('option', { value: v }, v));
        this.selects[k].value = v;
      }
    }
  }

  /** Reloads the list (sessions, or search hits while there is a query). */
  async reload(): Promise<void> {
    await this.loadMore(++this.generation, true);
  }

  /** `fresh`: the first page replaces the list once it arrives (the list reloads on every save while a reply streams: no blank flashes). */
  private async loadMore(generation = this.generation, fresh = false): Promise<void> {
    const query = this.query.trim();
    let hadFocus = false;
    const restart = () => {
      if (!fresh) return;
      hadFocus = this.list.contains(document.activeElement);
      this.shown = 0;
      this.hits = [];
      clear(this.list);
    };
    // The list is rebuilt on every reload (each save while a reply streams): the keyboard stays on its item.
    const settle = () => {
      this.setCurrent();
      if (hadFocus) this.list.querySelector<HTMLElement>('[role=option][tabindex="0"]')?.focus({ preventScroll: true });
    };
    if (query) {
      const r = await request(IpcRequest.Search, { query, offset: fresh ? 0 : this.hits.length, limit: PAGE });
      if (generation !== this.generation) return;
      restart();
      this.hits.push(...r.hits);
      this.renderHits(r.hits);
      this.heading.textContent = `${formatNumber(r.total)} matching message${r.total === 1 ? '' : 's'}`;
      this.more.hidden = this.hits.length >= r.total;
      settle();
      return;
    }
    const f = this.filters;
    const r = await request(IpcRequest.ListSessions, {
      offset: fresh ? 0 : this.shown,
      limit: Math.min(PAGE, SESSION_PAGE_MAX),
      status: (f.status || undefined) as SessionSummary['status'] | undefined,
      provider: f.provider || undefined,
      tag: f.tag || undefined,
      activeFrom: f.from ? localMidnight(f.from, 0) : undefined,
      activeTo: f.to ? localMidnight(f.to, 1) : undefined,
    });
    if (generation !== this.generation) return;
    restart();
    for (const s of r.items) this.list.appendChild(this.sessionItem(s));
    this.shown += r.items.length;
    this.heading.textContent = `${formatNumber(r.total)} session${r.total === 1 ? '' : 's'}`;
    this.more.hidden = this.shown >= r.total;
    settle();
  }

  /** Hits of hidden roles stay out of the list. */
  private renderHits(hits: SearchHit[]): void {
    for (const hit of hits) {
      const item = this.hitItem(hit);
      item.hidden = this.hiddenRoles.has(hit.role);
      this.list.appendChild(item);
    }
  }

  private sessionItem(s: SessionSummary): HTMLElement {
    const meta = `${s.provider}/${s.model} · ${formatNumber(s.messageCount)} msgs · ${formatDate(s.lastActivityAt)}`;
    const title = displayTitle(s);
    const el = h(
      'div',
      {
        role: 'option',
        class: 'session-item',
        tabindex: -1,
        'data-session': s.id,
        'aria-selected': String(s.id === this.activeSessionId),
      },
      h(
        'div',
        { class: 'item-title' },
        icon(STATUS_ICONS[s.status] ?? 'circle-outline', s.status),
        // The title a session without one takes from its first message; the whole title and the source's id on hover.
        h('span', { class: 'title-text', title: s.originalId ? `${title} (id ${s.originalId})` : title }, title),
      ),
      h('div', { class: 'item-meta', title: meta }, meta),
      s.tags.length ? h('div', { class: 'item-tags' }, ...s.tags.map((t) => h('span', { class: 'tag' }, t))) : null,
    );
    el.addEventListener('click', () => this.events.open(s.id));
    return el;
  }

  private hitItem(hit: SearchHit): HTMLElement {
    const snippet = h('div', { class: 'snippet' });
    let at = 0;
    for (const [a, b] of hit.highlights) {
      snippet.append(hit.snippet.slice(at, a), h('mark', null, hit.snippet.slice(a, b)));
      at = b;
    }
    snippet.append(hit.snippet.slice(at));
    const el = h(
      'div',
      {
        role: 'option',
        class: 'hit-item',
        tabindex: -1,
        'data-session': hit.sessionId,
        'data-seq': hit.seq,
        'data-role': hit.role,
        'aria-selected': 'false',
      },
      h(
        'div',
        { class: 'item-title' },
        roleIcon(hit.role),
        h('span', { class: 'title-text', title: hit.sessionTitle }, hit.sessionTitle),
        h('span', { class: 'seq' }, `#${hit.seq}`),
      ),
      snippet,
      h('div', { class: 'item-meta' }, formatTime(hit.createdAt)),
    );
    el.addEventListener('click', () => this.events.open(hit.sessionId, hit.seq));
    return el;
  }

  private toggleRole(role: Role): void {
    if (this.hiddenRoles.has(role)) this.hiddenRoles.delete(role);
    else this.hiddenRoles.add(role);
    this.roleButtons.get(role)!.setAttribute('aria-pressed', String(!this.hiddenRoles.has(role)));
    for (const el of this.list.querySelectorAll<HTMLElement>('.hit-item'))
      el.hidden = this.hiddenRoles.has(el.dataset['role'] as Role);
    this.setCurrent();
    this.renderFilterToggle();
    this.events.rolesChanged(this.hiddenRoles);
    this.events.stateChanged();
  }

  private onListKey(e: KeyboardEvent): void {
    const items = [...this.list.querySelectorAll<HTMLElement>('[role=option]:not([hidden])')];
    if (!items.length) return;
    const at = items.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => {
      const t = items[Math.max(0, Math.min(items.length - 1, i))]!;
      t.focus();
      t.scrollIntoView({ block: 'nearest' });
    };
    switch (e.key) {
      case 'ArrowDown':
        go(at + 1);
        break;
      case 'ArrowUp':
        go(at - 1);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(items.length - 1);
        break;
      case 'PageDown':
      case 'PageUp': {
        // A page: as many items as fit in the list's height (items are about the same height).
        const step = Math.max(1, Math.floor(this.list.clientHeight / Math.max(1, items[0]!.offsetHeight)) - 1);
        go(at + (e.key === 'PageDown' ? step : -step));
        break;
      }
      case 'Enter':
      case ' ':
        if (at >= 0) items[at]!.click();
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
