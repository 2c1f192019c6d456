// The open session: its header (sessionHeader.ts), the virtualized message feed fed page by page from
// the host, find in session, replay, tool call ↔ result jumps and forking. The feed is one Tab stop (roving
// tabindex, as VS Code's lists): its current row takes the focus, arrows/Home/End/PageUp/PageDown move it.
// Over 450 lines: feed, paging, find, replay and forking share the view's state; the header
// (sessionHeader.ts) and the rows (message.ts) are their own files.
import type { MessageState, Role, Session } from '../../core/model';
import { displayTitle } from '../../core/text';
import { IpcCommand, IpcRequest, MESSAGE_PAGE, OutlineColumns, PAGE_LEAD, WebMessage } from '../../protocol';
import { button, formatNumber, h, icon } from '../shared/dom';
import { command, request } from '../shared/ipc';
import { messageRow, MessageActions, placeholderRow, withStreamed } from './message';
import { ReplayBar } from './replay';
import { renderEmptyHeader, renderSessionHeader } from './sessionHeader';
import { VirtualList } from '../shared/virtualList';

/** Messages kept in memory at most; the farthest from view are dropped first. */
const CACHE_MAX = 3000;

export interface ConversationEvents {
  /** The scroll position or another part of the saved state changed. */
  stateChanged(): void;
  /** A fork was made: the session list should show it. */
  forked(session: Session): void;
  open(sessionId: string, seq?: number): void;
  /** A session's data arrived (again, after a reload), before its rows are painted; or none is open (undefined). */
  shown(session: Session | undefined): void;
  /** The reply streaming into a session, ahead of what the database holds (undefined: none streams). */
  streamingText(sessionId: string): StreamedReply | undefined;
  /** Opens the inspector on a message's model call, or on the session's calls. */
  inspect(target: { sessionId: string; messageId?: string }): void;
  /** Buttons the session header's toolbar shows besides its own (the chart's toggle). */
  headerButtons?(): HTMLElement[];
}

export interface Position {
  seq: number;
  delta: number;
}

/** Text streamed into a reply; once the turn ended (until the database catches up), the state it ended in. */
export interface StreamedReply {
  text: string;
  ended?: MessageState;
}

export class ConversationView {
  readonly element: HTMLElement;
  session: Session | undefined;
  private outline: OutlineColumns = { seqs: [], roles: [], times: [] };
  private readonly indexOfSeq = new Map<number, number>();
  private readonly cache = new Map<number, WebMessage>();
  private readonly inflight = new Set<number>();
  private hiddenRoles: ReadonlySet<Role> = new Set();
  /** Outline indices shown (roles not hidden), in order. */
  private shown: number[] = [];
  private readonly list: VirtualList;
  private readonly feed: HTMLElement;
  /**
   * Following the conversation's end: whether the last scroll left the view there. A reply's row grows before
   * the list re-anchors to the end (a frame later); a reload arriving in between must still follow, so this is
   * not judged from the scroll position at that moment alone.
   */
  private following = false;
  private readonly header: HTMLElement;
  private readonly status: HTMLElement;
  private readonly findBar: HTMLElement;
  private readonly findInput: HTMLInputElement;
  private readonly findCount: HTMLElement;
  private find: { query: string; seqs: number[]; pos: number } = { query: '', seqs: [], pos: -1 };
  private findTimer: ReturnType<typeof setTimeout> | undefined;
  readonly replay: ReplayBar;
  /** A row to flash (and focus, unless find is typing) once it is rendered with its content. */
  private focusTarget: { item: number; callId?: string; focus: boolean; quiet?: boolean } | undefined;
  private openGeneration = 0;
  /** The feed's one Tab stop (an outline index): the focused row, or while the keyboard is elsewhere the row at the top. */
  private current: number | undefined;
  /** Where the keyboard was when find opened, to go back to when it closes. */
  private findReturn: { el: Element; item?: number } | undefined;
  private readonly actions: MessageActions;
  private streamFrame = 0;

  /** `leading`: shown before the header (the session list's toggle). */
  constructor(
    private readonly events: ConversationEvents,
    leading?: HTMLElement,
  ) {
    this.actions = {
      locateTool: (callId, seq, find) => void this.locateTool(callId, seq, find),
      fork: (m) => void this.fork(m),
      copy: (text) => {
        command(IpcCommand.CopyText, { text });
        this.say('Copied.');
      },
      revisions: async (messageId) => (await request(IpcRequest.Revisions, { messageId })).revisions,
      inspect: (m) => this.events.inspect({ sessionId: m.sessionId, messageId: m.id }),
    };
    this.header = h('div', { class: 'session-header' });
    this.status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
    this.findInput = h('input', {
      type: 'search',
      class: 'find-input',
      placeholder: 'Find in session',
      'aria-label': 'Find in session',
      spellcheck: 'false',
    });
    this.findCount = h('span', { class: 'find-count', 'aria-live': 'polite' });
    this.findInput.addEventListener('input', () => {
      clearTimeout(this.findTimer);
      this.findTimer = setTimeout(() => void this.runFind(this.findInput.value), 150);
    });
    this.findInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === 'F3') {
        e.preventDefault();
        this.stepFind(e.shiftKey ? -1 : 1);
      }
    });
    this.findBar = h(
      'div',
      { class: 'find-bar', role: 'search', hidden: true },
      icon('search'),
      this.findInput,
      this.findCount,
      button('arrow-up', 'Previous match (Shift+Enter)', () => this.stepFind(-1), { class: 'icon-button find-prev' }),
      button('arrow-down', 'Next match (Enter)', () => this.stepFind(1), { class: 'icon-button find-next' }),
      button('close', 'Close (Escape)', () => this.closeFind(true), { class: 'icon-button find-close' }),
    );
    this.findBar.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.closeFind(true);
      }
    });
    this.replay = new ReplayBar({ show: (pos) => this.showReplayStep(pos), close: () => this.stopReplay() });
    this.feed = h('div', { class: 'feed', role: 'feed', 'aria-label': 'Messages', 'aria-busy': 'false' });
    this.feed.addEventListener('keydown', (e) => this.onFeedKey(e));
    this.feed.addEventListener('focusin', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('article.message');
      if (row) this.setCurrent(Number(row.dataset['item']));
    });
    // A row growing fires no scroll event, so only a scroll (the user's or ours) changes it.
    this.feed.addEventListener('scroll', () => (this.following = this.atEnd()), { passive: true });
    this.list = new VirtualList({
      scroller: this.feed,
      render: (item) => this.renderItem(item),
      onRendered: (items) => this.onRendered(items),
    });
    this.element = h(
      'main',
      { class: 'conversation' },
      h('div', { class: 'conversation-top' }, leading, this.header),
      this.findBar,
      this.replay.element,
      h('div', { class: 'feed-wrap' }, this.feed),
      this.status,
    );
    renderEmptyHeader(this.header);
  }

  /** Adds a panel between the header and the feed (the chart). */
  addPanel(panel: HTMLElement): void {
    this.element.querySelector('.conversation-top')!.after(panel);
  }

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  /** Where the view is: the message at the top and how far into it. */
  position(): Position | undefined {
    const top = this.list.topItem();
    const seq = top && this.outline.seqs[top.item];
    return seq === undefined ? undefined : { seq, delta: Math.round(top!.delta) };
  }

  /**
   * Opens a session at a message (by seq), a saved position, or the start. `stay` (a reload: its messages changed)
   * keeps the view where it is when the data arrives (the user may have scrolled meanwhile), at the end if it is there.
   */
  async open(sessionId: string, at?: { seq?: number; position?: Position; stay?: boolean }): Promise<void> {
    const generation = ++this.openGeneration;
    performance.mark('lss:open');
    this.feed.setAttribute('aria-busy', 'true');
    const seq = at?.seq ?? (at?.stay ? this.position() : at?.position)?.seq;
    // The page around the target comes with the outline, so the first paint has content.
    const { session, outline, messages } = await request(IpcRequest.OpenSession, { sessionId, aroundSeq: seq });
    if (generation !== this.openGeneration) return;
    performance.mark('lss:data');
    const position = at?.stay ? this.position() : at?.position;
    const follow = at?.stay === true && !this.replay.active && (this.following || this.atEnd());
    const same = this.session?.id === session.id;
    this.session = session;
    this.events.shown(session);
    if (at?.stay) this.cache.clear();
    this.setOutline(outline, !same);
    this.store(messages);
    // The same session again (its messages changed): rebuild what is on screen from the fresh data.
    if (same) this.list.refresh(this.list.renderedItems);
    renderSessionHeader(this.header, session, {
      find: () => this.openFind(),
      replay: () => (this.replay.active ? this.stopReplay() : this.startReplay()),
      dump: () => command(IpcCommand.DumpSession, { sessionId: session.id }),
      parameters: () => command(IpcCommand.EditParameters, { sessionId: session.id }),
      calls: () => this.events.inspect({ sessionId: session.id }),
      open: (sessionId) => this.events.open(sessionId),
      extra: this.events.headerButtons?.(),
    });
    if (!same) {
      this.closeFind();
      this.replay.close();
    }
    const target = at?.seq ?? position?.seq;
    const item = target === undefined ? 0 : (this.indexOfSeq.get(target) ?? nearestIndex(outline.seqs, target));
    this.applyRows();
    if (outline.seqs.length) {
      if (at?.seq !== undefined) this.reveal(item);
      // Following along at the end: stay at the end as messages arrive.
      else if (follow) this.list.scrollToEnd();
      else this.list.scrollToItem(this.shownItem(item), 'start', position?.delta ?? 0);
    }
    this.feed.setAttribute('aria-busy', 'false');
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark('lss:painted');
        document.body.dataset['painted'] = session.id;
      }, 0),
    );
    this.events.stateChanged();
  }

  /** Reloads the open session after its messages changed, keeping the view where it is. */
  async reload(): Promise<void> {
    if (this.session) await this.open(this.session.id, { stay: true });
  }

  close(): void {
    this.session = undefined;
    this.setOutline({ seqs: [], roles: [], times: [] }, true);
    renderEmptyHeader(this.header);
    this.events.shown(undefined);
  }

  /** Follows the conversation to its end (a message was just sent). */
  followEnd(): void {
    if (this.replay.active) return;
    this.following = true;
    this.list.scrollToEnd();
  }

  private atEnd(): boolean {
    return this.feed.scrollTop + this.feed.clientHeight >= this.feed.scrollHeight - 4;
  }

  /** Repaints the streaming reply (its last row) once per frame as text arrives, or `now` (its turn ended). */
  repaintStreaming(now = false): void {
    if (now) {
      cancelAnimationFrame(this.streamFrame);
      this.streamFrame = 0;
      this.list.refresh([this.outline.seqs.length - 1]);
      return;
    }
    this.streamFrame ||= requestAnimationFrame(() => this.repaintStreaming(true));
  }

  setHiddenRoles(hidden: ReadonlySet<Role>): void {
    this.hiddenRoles = new Set(hidden);
    if (!this.session) return;
    const keep = this.list.topItem();
    this.applyRows();
    if (keep) this.list.scrollToItem(this.shownItem(keep.item), 'start', keep.delta);
  }

  /** Puts the keyboard on the feed's current row (if rendered). */
  focusFeed(): void {
    if (this.current !== undefined) this.list.rowOf(this.current)?.focus({ preventScroll: true });
  }

  openFind(): void {
    const from = document.activeElement;
    if (from && from !== document.body && !this.findBar.contains(from)) {
      const row = from.closest<HTMLElement>('article.message');
      this.findReturn = { el: from, item: row ? Number(row.dataset['item']) : undefined };
    }
    this.findBar.hidden = false;
    this.findInput.focus();
    this.findInput.select();
  }

  get findQuery(): string {
    return this.find.query;
  }

  async runFind(query: string): Promise<void> {
    this.findInput.value = query;
    this.find = { query, seqs: [], pos: -1 };
    if (!query.trim() || !this.session) {
      this.updateFindCount();
      this.highlight();
      return;
    }
    this.findBar.hidden = false;
    const { seqs } = await request(IpcRequest.Find, { sessionId: this.session.id, query });
    if (query !== this.find.query) return;
    this.find.seqs = seqs.filter((s) => this.indexOfSeq.has(s));
    this.stepFind(1);
    this.events.stateChanged();
  }

  stepFind(direction: 1 | -1): void {
    const { seqs } = this.find;
    const visible = seqs.filter((s) => !this.hiddenRoles.has(this.outline.roles[this.indexOfSeq.get(s)!]!));
    if (!visible.length) {
      this.find.pos = -1;
      this.updateFindCount();
      this.highlight();
      return;
    }
    const current = this.find.pos >= 0 ? seqs[this.find.pos] : undefined;
    let next: number;
    if (current === undefined) next = visible[0]!;
    else {
      const i = visible.indexOf(current);
      next = visible[(i + direction + visible.length) % visible.length]!;
    }
    this.find.pos = seqs.indexOf(next);
    this.updateFindCount(visible.length, visible.indexOf(next));
    this.reveal(this.indexOfSeq.get(next)!, { focus: false });
  }

  /** `restoreFocus`: the user closed it; the keyboard goes back to where it was when find opened. */
  closeFind(restoreFocus = false): void {
    const back = this.findReturn;
    this.findReturn = undefined;
    this.findBar.hidden = true;
    this.find = { query: '', seqs: [], pos: -1 };
    this.findInput.value = '';
    this.updateFindCount();
    this.highlight();
    if (!restoreFocus) return;
    // The element may have been re-rendered meanwhile (rows are rebuilt as data arrives): then its row, or the feed's.
    const target = back?.el.isConnected ? (back.el as HTMLElement) : this.list.rowOf(back?.item ?? this.current ?? -1);
    if (target) target.focus({ preventScroll: true });
    else this.focusFeed();
  }

  startReplay(): void {
    if (!this.session || !this.shown.length) return;
    const top = this.list.topItem();
    this.replay.open(
      this.shown.map((i) => this.outline.times[i]!),
      top ? this.shown.indexOf(top.item) : 0,
    );
    // Opened from the keyboard or the mouse, the bar is what comes next (it is far down the header's Tab order).
    this.replay.focus();
  }

  stopReplay(): void {
    if (!this.replay.active) return;
    // A focused control that disappears drops the keyboard on the page: back to the button that opened the bar.
    const hadFocus = this.replay.element.contains(document.activeElement);
    this.replay.close();
    if (hadFocus) this.element.querySelector<HTMLElement>('.open-replay')?.focus();
    this.list.setItems(this.shown, this.outline.seqs.length);
  }

  revealSeq(seq: number): void {
    const item = this.indexOfSeq.get(seq);
    if (item !== undefined) this.reveal(item);
    else this.say('That message is no longer in this session.');
  }

  /** Scrolls to an outline index, flashes it (and a tool part in it) and focuses it. */
  reveal(item: number, options: { callId?: string; focus?: boolean } = {}): void {
    const role = this.outline.roles[item]!;
    if (this.hiddenRoles.has(role)) {
      this.say(`Message #${this.outline.seqs[item]} is a ${role} message, hidden by the role filter.`);
      return;
    }
    if (this.replay.active) this.replay.go(this.shown.indexOf(item));
    this.focusTarget = { item, focus: options.focus ?? true, callId: options.callId };
    this.list.scrollToItem(item, 'center');
  }

  // ---- internals ---------------------------------------------------------------------------

  private setOutline(outline: OutlineColumns, fresh: boolean): void {
    if (fresh) {
      this.cache.clear();
      this.list.reset();
    }
    this.outline = outline;
    this.indexOfSeq.clear();
    outline.seqs.forEach((seq, i) => {
      this.indexOfSeq.set(seq, i);
    });
    this.inflight.clear();
  }

  private applyRows(): void {
    this.shown = [];
    const { roles, times } = this.outline;
    for (let i = 0; i < roles.length; i++) if (!this.hiddenRoles.has(roles[i]!)) this.shown.push(i);
    if (this.replay.active) {
      this.replay.setTimes(this.shown.map((i) => times[i]!));
      this.showReplayStep(Math.min(this.replay.pos, this.shown.length - 1));
    } else this.list.setItems(this.shown, roles.length);
  }

  /** The shown item nearest to an outline index (it may be hidden by a role filter). */
  private shownItem(item: number): number {
    for (const i of this.shown) if (i >= item) return i;
    return this.shown[this.shown.length - 1] ?? 0;
  }

  private showReplayStep(pos: number): void {
    const upTo = this.shown.slice(0, pos + 1);
    this.list.setItems(upTo, this.outline.seqs.length);
    const last = upTo[upTo.length - 1];
    if (last !== undefined) {
      this.focusTarget = { item: last, focus: false };
      this.list.scrollToItem(last, 'start');
    }
  }

  private renderItem(item: number): HTMLElement {
    const m = this.cache.get(item);
    if (!m) return placeholderRow(this.outline.seqs[item]!, this.outline.roles[item]!);
    // The last message, a reply still partial while text streams into the session: that reply, painted ahead of its saves.
    const streamed =
      item === this.outline.seqs.length - 1 && m.role === 'assistant' && m.state === 'partial'
        ? this.events.streamingText(m.sessionId)
        : undefined;
    // A reply streaming here from elsewhere (Send Message…): shown as arriving, painted at each save.
    if (!streamed) return messageRow(m, this.actions, { streaming: m.streaming === true });
    const shown = withStreamed(m, streamed.text);
    return streamed.ended
      ? messageRow({ ...shown, state: streamed.ended }, this.actions)
      : messageRow(shown, this.actions, { streaming: true });
  }

  /** Makes `item` the feed's Tab stop, kept rendered while the view scrolls elsewhere. */
  private setCurrent(item: number | undefined): void {
    this.current = item;
    this.list.keep(item);
    this.updateTabStops(this.list.renderedItems);
  }

  /** Only the current row and its own controls are in the Tab order: Tab leaves the feed after them, as in VS Code's lists. */
  private updateTabStops(items: number[]): void {
    for (const item of items) {
      const row = this.list.rowOf(item);
      const stop = item === this.current ? 0 : -1;
      if (!row || row.dataset['tabStop'] === String(stop)) continue;
      row.dataset['tabStop'] = String(stop);
      row.tabIndex = stop;
      for (const el of row.querySelectorAll<HTMLElement>('button, summary, a, input, select, textarea, [tabindex]'))
        el.tabIndex = stop;
    }
  }

  private onRendered(items: number[]): void {
    // While the keyboard is elsewhere the Tab stop follows the view: Tab comes in at the row on screen.
    const top = this.list.topItem()?.item;
    if (!this.feed.contains(document.activeElement) && !this.focusTarget && top !== this.current) {
      this.current = top;
      this.list.keep(undefined);
    }
    this.updateTabStops(items);
    const missing = items.filter((i) => !this.cache.has(i));
    if (missing.length) {
      // Pages overlap: only rows still waiting for their message are rebuilt.
      void this.loadAround(Math.min(...missing)).then((loaded) => {
        const waiting = loaded.filter((i) => this.list.rowOf(i)?.classList.contains('loading'));
        if (waiting.length) this.list.refresh(waiting);
      });
    }
    this.highlight();
    const target = this.focusTarget;
    if (target && items.includes(target.item) && this.cache.has(target.item)) {
      this.focusTarget = undefined;
      const row = this.list.rowOf(target.item)!;
      const part = target.callId
        ? row.querySelector<HTMLElement>(`.tool[data-call-id="${CSS.escape(target.callId)}"]`)
        : null;
      if (!target.quiet) {
        for (const el of this.feed.querySelectorAll('.flash')) el.classList.remove('flash');
        (part ?? row).classList.add('flash');
      }
      // Only move focus within the webview when it has it: a reveal from the Sessions view must not
      // pull the keyboard away from the workbench.
      if (target.focus && document.hasFocus()) row.focus({ preventScroll: true });
    }
    this.events.stateChanged();
  }

  /** Loads the page of messages starting a little before outline index `item`; resolves to the indices loaded. */
  private async loadAround(item: number): Promise<number[]> {
    const start = Math.max(0, item - PAGE_LEAD);
    const first = this.outline.seqs[start];
    if (first === undefined || this.inflight.has(start) || !this.session) return [];
    this.inflight.add(start);
    const sessionId = this.session.id;
    try {
      const { messages } = await request(IpcRequest.Messages, { sessionId, afterSeq: first - 1, limit: MESSAGE_PAGE });
      if (sessionId !== this.session?.id) return [];
      const loaded = this.store(messages);
      this.evict(item);
      return loaded;
    } finally {
      this.inflight.delete(start);
    }
  }

  /** Caches messages by outline index; returns the indices. */
  private store(messages: WebMessage[]): number[] {
    const loaded: number[] = [];
    for (const m of messages) {
      const i = this.indexOfSeq.get(m.seq);
      if (i !== undefined) {
        this.cache.set(i, m);
        loaded.push(i);
      }
    }
    return loaded;
  }

  private evict(near: number): void {
    if (this.cache.size <= CACHE_MAX) return;
    const far = [...this.cache.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const i of far.slice(0, this.cache.size - CACHE_MAX)) this.cache.delete(i);
  }

  private async locateTool(callId: string, seq: number, find: 'result' | 'call'): Promise<void> {
    if (!this.session) return;
    const found = await request(IpcRequest.LocateTool, { sessionId: this.session.id, callId, seq, find });
    if (!found)
      return this.say(
        find === 'result' ? `No result found for call ${callId}.` : `No call found for result ${callId}.`,
      );
    const item = this.indexOfSeq.get(found.seq);
    if (item !== undefined) this.reveal(item, { callId });
  }

  private async fork(m: WebMessage): Promise<void> {
    if (!this.session) return;
    try {
      const { session } = await request(IpcRequest.Fork, { sessionId: this.session.id, messageId: m.id });
      const open = h('button', { type: 'button', class: 'link-button open-fork' }, 'Open it');
      open.addEventListener('click', () => this.events.open(session.id));
      this.say(h('span', null, `Forked at #${m.seq} into “${displayTitle(session)}”. `, open));
      this.events.forked(session);
    } catch (e) {
      this.say(`Could not fork: ${(e as Error).message}`);
    }
  }

  say(message: string | Node): void {
    this.status.replaceChildren(message);
  }

  private updateFindCount(total = 0, at = -1): void {
    this.findCount.textContent = !this.find.query.trim()
      ? ''
      : total === 0
        ? 'No results'
        : `${at + 1} of ${formatNumber(total)}`;
  }

  /** Marks the find words in the rendered rows (CSS highlights: the DOM is not touched). */
  private highlight(): void {
    const registry = (CSS as unknown as { highlights?: Map<string, unknown> }).highlights;
    const HighlightCtor = (window as unknown as { Highlight?: new (...r: Range[]) => unknown }).Highlight;
    if (!registry || !HighlightCtor) return;
    const words = this.find.query.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
    if (!words.length) {
      registry.delete('lss-find');
      return;
    }
    const ranges: Range[] = [];
    for (const row of this.feed.querySelectorAll<HTMLElement>('.virtual-row .message-body')) {
      const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue!.toLowerCase();
        for (const w of words) {
          for (let at = text.indexOf(w); at >= 0 && ranges.length < 5000; at = text.indexOf(w, at + w.length)) {
            const r = new Range();
            r.setStart(node, at);
            r.setEnd(node, at + w.length);
            ranges.push(r);
          }
        }
      }
    }
    registry.set('lss-find', new HighlightCtor(...ranges));
    const current = this.find.pos >= 0 ? this.find.seqs[this.find.pos] : undefined;
    for (const row of this.feed.querySelectorAll<HTMLElement>('article.message'))
      row.classList.toggle('find-current', Number(row.dataset['seq']) === current);
  }

  /** VS Code's list keys on a focused row; the target row may not be rendered yet (it is focused once it is). */
  private onFeedKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('article.message');
    if (!row || e.target !== row || e.altKey || e.ctrlKey || e.metaKey) return;
    const item = Number(row.dataset['item']);
    // The rows shown now (a replay shows only those up to its step).
    const shown = this.replay.active ? this.shown.slice(0, this.list.count) : this.shown;
    const pos = shown.indexOf(item);
    // I: the inspector on the call that made this message (a user message: the call that answered it).
    const message = this.cache.get(item);
    if (e.key === 'i' && message && (message.role === 'assistant' || message.role === 'user')) {
      e.preventDefault();
      return this.events.inspect({ sessionId: message.sessionId, messageId: message.id });
    }
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, j: 1, k: -1 };
    let target: number | undefined;
    if (moves[e.key] !== undefined) target = shown[Math.max(0, Math.min(shown.length - 1, pos + moves[e.key]!))];
    else if (e.key === 'Home') target = shown[0];
    else if (e.key === 'End') target = shown[shown.length - 1];
    else if (e.key === 'PageDown' || e.key === 'PageUp')
      target = this.list.pageFrom(item, e.key === 'PageDown' ? 1 : -1);
    else return;
    e.preventDefault();
    if (target === undefined || target === item) return;
    this.setCurrent(target);
    this.focusTarget = { item: target, focus: true, quiet: true };
    this.list.scrollToItem(target, 'nearest');
  }
}

function nearestIndex(seqs: number[], seq: number): number {
  const i = seqs.findIndex((s) => s >= seq);
  return i < 0 ? Math.max(0, seqs.length - 1) : i;
}
