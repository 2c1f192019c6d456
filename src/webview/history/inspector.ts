// The turn inspector: a dialog over the history browser showing one recorded model call — Request | Response |
// Timing | Raw (inspectorPanes.ts) — beside the list of the session's calls, failed and cancelled ones included.
// Find in the bodies (next/previous reveal the node), Copy JSON, Copy as cURL (built and copied by the host).
// Escape closes it and the keyboard goes back where it came from.
import './inspector.css';
import { IpcCommand, IpcRequest, ResultOf, TraceSummary } from '../../protocol';
import { button, formatNumber, h, icon } from '../shared/dom';
import { command, request } from '../shared/ipc';
import type { DumpPath } from '../../protocol';
import { resolvePath, searchJson } from '../../core/json-nodes';
import { CallsList } from './inspectorCalls';
import {
  attemptLabel,
  formatMs,
  outcomeBadge,
  Pane,
  rawPane,
  requestPane,
  responsePane,
  timingPane,
  usd,
} from './inspectorPanes';

const TABS = ['Request', 'Response', 'Timing', 'Raw'] as const;
type Tab = (typeof TABS)[number];
/** Find stops collecting here (the count says how many there are). */
const FIND_MAX = 5000;

export interface InspectTarget {
  sessionId: string;
  /** The message whose call to show (its latest); without it, the session's latest call. */
  messageId?: string;
  spanId?: string;
}

type Loaded = ResultOf<typeof IpcRequest.GetTrace>;

export class Inspector {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly attemptPicker: HTMLSelectElement;
  private readonly tabs: HTMLButtonElement[];
  private readonly panel: HTMLElement;
  private readonly status: HTMLElement;
  private readonly findInput: HTMLInputElement;
  private readonly findCount: HTMLElement;
  private readonly calls: CallsList;
  private target: InspectTarget | undefined;
  private loaded: Loaded | undefined;
  private attempt = 0;
  private tab: Tab = 'Request';
  private pane: Pane | undefined;
  private find: { query: string; hits: Array<{ body: number; path: DumpPath }>; pos: number } = {
    query: '',
    hits: [],
    pos: -1,
  };
  /** Where the keyboard was, to go back to on close; and the message, should that element be gone by then. */
  private opener: { el: Element | null; messageId?: string } = { el: null };
  private generation = 0;

  /** `background`: the view behind the dialog, made inert while it is open. */
  constructor(private readonly background: HTMLElement) {
    this.title = h('h2', { class: 'inspector-title', id: 'lss-inspector-title' }, 'Model call');
    this.summary = h('span', { class: 'inspector-summary' });
    this.attemptPicker = h('select', { class: 'attempt-picker', 'aria-label': 'HTTP attempt' });
    this.attemptPicker.addEventListener('change', () => {
      this.attempt = Number(this.attemptPicker.value);
      this.render();
    });
    const curl = h(
      'button',
      {
        type: 'button',
        class: 'primary-button copy-curl',
        title: 'Copy this attempt as a curl command (the key comes from an environment variable)',
      },
      icon('terminal'),
      ' Copy as cURL',
    );
    curl.addEventListener('click', () => void this.copyCurl());
    this.tabs = TABS.map((name) => {
      const tab = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: 'inspector-tab',
          id: `lss-tab-${name}`,
          'aria-controls': 'lss-inspector-panel',
          'aria-selected': 'false',
          tabindex: -1,
        },
        name,
      );
      tab.addEventListener('click', () => this.select(name));
      return tab;
    });
    const tablist = h('div', { role: 'tablist', class: 'inspector-tabs', 'aria-label': 'Call details' }, ...this.tabs);
    tablist.addEventListener('keydown', (e) => this.onTabKey(e));
    this.findInput = h('input', {
      type: 'search',
      class: 'inspector-find',
      placeholder: 'Find in the bodies',
      'aria-label': 'Find in the bodies',
      spellcheck: 'false',
    });
    this.findCount = h('span', { class: 'find-count', 'aria-live': 'polite' });
    let findTimer: ReturnType<typeof setTimeout> | undefined;
    this.findInput.addEventListener('input', () => {
      clearTimeout(findTimer);
      findTimer = setTimeout(() => this.runFind(), 150);
    });
    this.findInput.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== 'F3') return;
      e.preventDefault();
      if (this.find.query !== this.findInput.value) this.runFind();
      else void this.stepFind(e.shiftKey ? -1 : 1);
    });
    const copyJson = h(
      'button',
      {
        type: 'button',
        class: 'link-button copy-json',
        title: 'Copy the selected node as JSON (the whole body when none is selected)',
      },
      icon('copy'),
      ' Copy JSON',
    );
    copyJson.addEventListener('click', () => this.copyJson());
    this.panel = h('div', { role: 'tabpanel', class: 'inspector-panel', id: 'lss-inspector-panel', tabindex: -1 });
    this.status = h('div', { class: 'inspector-status', role: 'status', 'aria-live': 'polite' });
    this.calls = new CallsList((spanId) => void this.show(spanId));
    this.element = h(
      'div',
      {
        class: 'inspector',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': 'lss-inspector-title',
        hidden: true,
      },
      h(
        'header',
        { class: 'inspector-header' },
        icon('inspect'),
        this.title,
        this.summary,
        h('span', { class: 'spacer' }),
        this.attemptPicker,
        curl,
        button('close', 'Close (Escape)', () => this.close(), { class: 'icon-button inspector-close' }),
      ),
      h(
        'div',
        { class: 'inspector-body' },
        this.calls.element,
        h(
          'section',
          { class: 'inspector-call', 'aria-label': 'The call' },
          h(
            'div',
            { class: 'inspector-bar' },
            tablist,
            h('span', { class: 'spacer' }),
            h(
              'span',
              { class: 'find-box', role: 'search' },
              icon('search'),
              this.findInput,
              this.findCount,
              button('arrow-up', 'Previous match (Shift+Enter)', () => void this.stepFind(-1), {
                class: 'icon-button find-prev',
              }),
              button('arrow-down', 'Next match (Enter)', () => void this.stepFind(1), {
                class: 'icon-button find-next',
              }),
            ),
            copyJson,
          ),
          this.panel,
        ),
      ),
      this.status,
    );
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.select(this.tab, false);
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Opens on a message's call (or the session's latest); the keyboard goes to the tabs. */
  async open(target: InspectTarget): Promise<void> {
    performance.mark('lss:inspect');
    if (!this.isOpen) this.opener = { el: document.activeElement, messageId: target.messageId };
    this.target = target;
    this.element.hidden = false;
    this.background.inert = true;
    this.say('');
    await this.refresh(true);
    this.tabs.find((t) => t.tabIndex === 0)?.focus();
  }

  close(): void {
    if (!this.isOpen) return;
    this.element.hidden = true;
    this.background.inert = false;
    this.generation++;
    // The element may have been rebuilt meanwhile (a reload repaints rows and the header): then its new self.
    const { el, messageId } = this.opener;
    const back =
      el instanceof HTMLElement && el.isConnected && el !== document.body
        ? el
        : document.querySelector<HTMLElement>(
            messageId ? `article.message[data-id="${CSS.escape(messageId)}"]` : '.session-actions .open-calls',
          );
    back?.focus({ preventScroll: true });
  }

  /** The session's calls changed (one recorded, some pruned): the list, and the call shown if it was waiting for one. */
  async tracesChanged(sessionId: string | undefined): Promise<void> {
    if (!this.isOpen || !this.target || (sessionId !== undefined && sessionId !== this.target.sessionId)) return;
    await this.refresh(false);
  }

  /** Reloads the list; `choose` picks the call to show from the target (else the one shown stays, if still there). */
  private async refresh(choose: boolean): Promise<void> {
    const target = this.target!;
    const generation = ++this.generation;
    let list: ResultOf<typeof IpcRequest.ListTraces>;
    try {
      list = await request(IpcRequest.ListTraces, { sessionId: target.sessionId });
    } catch (e) {
      return this.say(`Could not list the calls: ${(e as Error).message}`);
    }
    if (generation !== this.generation) return;
    const shown = this.loaded?.trace.spanId;
    const exists = (spanId: string | undefined) => list.traces.some((t) => t.spanId === spanId);
    const wanted = choose || !shown ? pick(list.traces, target) : shown;
    this.calls.update(list.traces, list.total, wanted);
    if (wanted && exists(wanted)) {
      // Opened anew: the call afresh (its answering attempt, the tab kept); a refresh leaves the one shown alone.
      if (choose || wanted !== shown) await this.show(wanted, generation);
      return;
    }
    if (shown && !choose) return this.say('This call is no longer recorded (the trace retention pruned it).');
    this.loaded = undefined;
    this.renderEmpty(
      target.messageId
        ? 'No model call is recorded for this message: it was imported, made before calls were recorded, or pruned by the trace retention.'
        : 'No model call is recorded for this session yet.',
    );
  }

  /** Loads and shows one call. */
  private async show(spanId: string, generation = ++this.generation): Promise<void> {
    this.calls.select(spanId);
    let loaded: Loaded;
    try {
      loaded = await request(IpcRequest.GetTrace, { spanId });
    } catch (e) {
      return this.say(`Could not load the call: ${(e as Error).message}`);
    }
    if (generation !== this.generation) return;
    performance.mark('lss:trace');
    this.say(''); // what was said was about the call shown before
    this.loaded = loaded;
    const { trace } = loaded;
    // The attempt that answered: the last (retries come before it).
    this.attempt = Math.max(0, trace.attempts.length - 1);
    this.attemptPicker.replaceChildren(...trace.attempts.map((a, i) => h('option', { value: i }, attemptLabel(a, i))));
    this.attemptPicker.value = String(this.attempt);
    this.attemptPicker.hidden = trace.attempts.length < 2;
    this.title.textContent = `${trace.provider} · ${trace.modelAnswered ?? trace.modelRequested}`;
    this.summary.replaceChildren(
      outcomeBadge(trace),
      ` ${trace.operation} · ${formatMs(Date.parse(trace.endedAt) - Date.parse(trace.startedAt))}`,
      trace.attempts.length > 1 ? ` · ${trace.attempts.length} attempts` : '',
      loaded.cost.known ? ` · ${usd(loaded.cost.total)}` : ' · price unknown',
    );
    this.render();
  }

  private renderEmpty(note: string): void {
    this.title.textContent = 'Model call';
    this.summary.replaceChildren();
    this.attemptPicker.hidden = true;
    this.pane = undefined;
    this.panel.replaceChildren(h('p', { class: 'muted pane-empty' }, note));
    this.select(this.tab, false);
  }

  private select(tab: Tab, focus = true): void {
    this.tab = tab;
    for (const t of this.tabs) {
      const on = t.textContent === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
    }
    this.panel.setAttribute('aria-labelledby', `lss-tab-${tab}`);
    if (this.loaded) this.render();
    if (
      focus &&
      this.element.contains(document.activeElement) &&
      document.activeElement?.getAttribute('role') === 'tab'
    )
      this.tabs.find((t) => t.tabIndex === 0)?.focus();
  }

  /** Builds the chosen tab for the chosen attempt (only that tab: the others wait until chosen). */
  private render(): void {
    if (!this.loaded) return;
    const { trace, cost } = this.loaded;
    const scroller = () => this.panel;
    this.pane =
      this.tab === 'Request'
        ? requestPane(trace, this.attempt, scroller)
        : this.tab === 'Response'
          ? responsePane(trace, this.attempt, scroller)
          : this.tab === 'Timing'
            ? timingPane(trace, cost)
            : rawPane(trace, this.attempt, (text, what) => this.copy(text, `Copied the ${what}.`));
    this.panel.replaceChildren(this.pane.element);
    this.panel.scrollTop = 0;
    // For tests and the bench: the tab is painted with its bodies' first level.
    const painted = `${trace.spanId}:${this.tab}:${this.attempt}`;
    void Promise.all(this.pane.bodies.map((b) => b.loaded)).then(() =>
      requestAnimationFrame(() =>
        setTimeout(() => {
          performance.mark('lss:inspected');
          document.body.dataset['inspected'] = painted;
        }, 0),
      ),
    );
    const searchable = this.pane.bodies.length > 0;
    this.findInput.disabled = !searchable;
    this.findInput.placeholder = searchable ? 'Find in the bodies' : 'Find (Request, Response)';
    this.find = { query: '', hits: [], pos: -1 };
    if (searchable && this.findInput.value) this.runFind();
    else this.findCount.textContent = '';
  }

  private runFind(): void {
    const query = this.findInput.value;
    const bodies = this.pane?.bodies ?? [];
    const hits: Array<{ body: number; path: DumpPath }> = [];
    let total = 0;
    bodies.forEach((b, body) => {
      const found = searchJson(b.doc, query, FIND_MAX - hits.length);
      total += found.total;
      for (const m of found.matches) hits.push({ body, path: m.path });
    });
    this.find = { query, hits, pos: -1 };
    this.findCount.textContent = query.trim() ? (total ? `${formatNumber(total)} found` : 'No results') : '';
    if (hits.length) void this.stepFind(1);
  }

  /** Reveals the next (or previous) match; the keyboard stays in the find box. */
  private async stepFind(direction: 1 | -1): Promise<void> {
    const { hits } = this.find;
    if (!hits.length || !this.pane) return;
    this.find.pos = (this.find.pos + direction + hits.length) % hits.length;
    const hit = hits[this.find.pos]!;
    this.findCount.textContent = `${formatNumber(this.find.pos + 1)} of ${formatNumber(hits.length)}`;
    for (const b of this.pane.bodies)
      for (const el of b.tree.element.querySelectorAll('.selected')) el.classList.remove('selected');
    await this.pane.bodies[hit.body]!.tree.reveal(hit.path, { focus: false });
  }

  /** The selected node of a body as JSON; the whole body (as sent) when none is selected. */
  private copyJson(): void {
    const bodies = this.pane?.bodies ?? [];
    const focused =
      bodies.find((b) => b.tree.element.contains(document.activeElement)) ?? bodies.find((b) => b.tree.selectedPath);
    const body = focused ?? bodies[0];
    if (!body) return this.say('Nothing to copy here: Copy JSON works in Request and Response.');
    const path = body.tree.selectedPath;
    if (!path?.length) return this.copy(body.text, 'Copied the whole body.');
    this.copy(JSON.stringify(resolvePath(body.doc, path), null, 2) ?? 'null', `Copied ${path.join('.')} as JSON.`);
  }

  private async copyCurl(): Promise<void> {
    const trace = this.loaded?.trace;
    if (!trace?.attempts.length) return this.say('This call made no HTTP request to copy.');
    try {
      const { keyVariable, piped } = await request(IpcRequest.CopyCurl, {
        spanId: trace.spanId,
        attempt: this.attempt,
      });
      this.say(
        `Copied a curl command for attempt #${this.attempt + 1}.${keyVariable ? ` It reads the key from $${keyVariable}: set it in your shell first.` : ''}${piped ? ' The body is long, so it is piped in with printf.' : ''}`,
      );
    } catch (e) {
      this.say(`Could not copy as cURL: ${(e as Error).message}`);
    }
  }

  private copy(text: string, said: string): void {
    command(IpcCommand.CopyText, { text });
    this.say(said);
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  private onTabKey(e: KeyboardEvent): void {
    const at = TABS.indexOf(this.tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    this.select(TABS[(to + TABS.length) % TABS.length]!);
    this.tabs.find((t) => t.tabIndex === 0)?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      return this.close();
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      e.stopPropagation();
      this.findInput.focus();
      this.findInput.select();
    }
  }
}

/** The call to show for a target: by span id, else the message's latest call, else the session's latest. */
function pick(traces: TraceSummary[], target: InspectTarget): string | undefined {
  if (target.spanId) return target.spanId;
  const candidates = target.messageId ? traces.filter((t) => t.messageIds.includes(target.messageId!)) : traces;
  return candidates.at(-1)?.spanId;
}
