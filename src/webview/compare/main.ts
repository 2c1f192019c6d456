// The compare view: two sessions side by side, one row per aligned pair, identical runs folded, the first
// divergence shown on open, F7 / Shift+F7 (VS Code's keybindings, forwarded by the host as compare/step) and the
// toolbar's arrows stepping through the differences. Rows are virtualized; their content is paged in as they show.
import './compare.css';
import type { CompareOutline, CompareRow } from '../../protocol';
import { COMPARE_ROWS_MAX, IpcNotification, IpcRequest } from '../../protocol';
import { append, button, h, icon } from '../shared/dom';
import { loadState, onNotification, ready, request, saveState } from '../shared/ipc';
import { VirtualList } from '../shared/virtualList';
import { RowModel, renderItem, wordSpans } from './rows';

interface SavedState {
  /** The difference last stepped to, and the pair at the top of the view. */
  current?: number;
  topPair?: number;
}

const saved = loadState<SavedState>();
const header = h('header', { class: 'compare-header' });
const status = h('div', { class: 'nav-status', role: 'status', 'aria-live': 'polite' });
const position = h('span', { class: 'nav-position' });
const prev = button('arrow-up', 'Previous Difference (Shift+F7)', () => step(-1));
const next = button('arrow-down', 'Next Difference (F7)', () => step(1));
const toolbar = h('div', { class: 'compare-toolbar' }, prev, next, position, status);
const scroller = h('div', { class: 'pairs', role: 'grid', 'aria-label': 'Aligned messages' });
document
  .getElementById('app')!
  .replaceChildren(h('div', { class: 'compare' }, header, toolbar, h('div', { class: 'pairs-wrap' }, scroller)));

let model: RowModel | undefined;
let current = -1;
const rows = new Map<number, CompareRow>();
/** Pairs asked for and not answered yet. */
const pending = new Set<number>();
/** Rows in sight without content yet: asked for together, once per layout pass. */
const wanted = new Set<number>();
/** Bumped on each load: a page answered for an older outline is dropped. */
let generation = 0;
/** The generation whose rows in sight were all painted with content. */
let painted = -1;

const list = new VirtualList({
  scroller,
  estimate: 90,
  render: (item) =>
    renderItem(model!, item, rows.get(item), {
      expand: (fold) => {
        fold.expanded = true;
        list.setItems(model!.items(), model!.capacity);
        list.scrollToItem(fold.from, 'nearest');
      },
    }),
  onRendered: (items) => {
    for (const item of items)
      if (model && item < model.pairs && !rows.has(item) && !pending.has(item)) wanted.add(item);
    if (wanted.size) void fetchRows();
    persist();
  },
});

async function fetchRows(): Promise<void> {
  const pairs = [...wanted].slice(0, COMPARE_ROWS_MAX);
  wanted.clear();
  for (const p of pairs) pending.add(p);
  const at = generation;
  try {
    const { rows: got } = await request(IpcRequest.CompareRows, { pairs });
    if (at !== generation) return;
    for (const r of got) rows.set(r.pair, r);
    const shown = new Set(list.renderedItems);
    list.refresh(got.map((r) => r.pair).filter((p) => shown.has(p)));
    if (current >= 0) mark(current);
    if (painted !== at && list.renderedItems.every((i) => i >= model!.pairs || rows.has(i))) {
      painted = at;
      // The bench's first paint: every row in sight has its content (the rows are placed once this frame is drawn).
      requestAnimationFrame(() =>
        setTimeout(() => {
          performance.mark('lss:painted');
          document.body.dataset['painted'] = String(at);
        }, 0),
      );
    }
  } catch (e) {
    if (at === generation) say(`Could not load these messages: ${(e as Error).message}`);
  } finally {
    for (const p of pairs) pending.delete(p);
  }
}

async function load(keepPosition: boolean): Promise<void> {
  const top = keepPosition ? topPair() : saved.topPair;
  performance.mark('lss:open');
  generation++;
  rows.clear();
  pending.clear();
  wanted.clear();
  let outline: CompareOutline;
  try {
    outline = await request(IpcRequest.CompareOpen, {});
  } catch (e) {
    header.replaceChildren(h('p', { class: 'error' }, `Could not compare the sessions: ${(e as Error).message}`));
    return;
  }
  model = new RowModel(outline);
  renderHeader(outline);
  list.reset();
  list.setItems(model.items(), model.capacity);
  if (top !== undefined && top < model.pairs) {
    // A reload after a change keeps the difference stepped to; a reopened panel the one it had.
    current = Math.min((keepPosition ? current : saved.current) ?? -1, model.hunks.length - 1);
    list.scrollToItem(top);
    showPosition();
  } else if (model.hunks.length) go(0, 'First divergence');
  else {
    current = -1;
    showPosition();
    say(outline.approximate ? '' : 'The sessions are identical.');
  }
}

function topPair(): number | undefined {
  const top = list.topItem()?.item;
  return top === undefined || !model ? undefined : (model.fold(top)?.from ?? top);
}

/** F7 / Shift+F7: the next or previous difference, wrapping around at either end as VS Code's diff editor does. */
function step(direction: 1 | -1): void {
  if (!model?.hunks.length) return say('No differences.');
  const n = model.hunks.length;
  const target = current < 0 ? (direction > 0 ? 0 : n - 1) : current + direction;
  if (target >= n) go(0, 'Wrapped to the first difference.');
  else if (target < 0) go(n - 1, 'Wrapped to the last difference.');
  else go(target);
}

function go(hunk: number, note = ''): void {
  current = hunk;
  const { from } = model!.hunks[hunk]!;
  list.keep(from);
  // Scrolled to (a little context above it) unless its first row is already in sight.
  if (!inSight(list.rowOf(from))) list.scrollToItem(from, 'start', -32);
  mark(hunk);
  list.rowOf(from)?.focus({ preventScroll: true });
  showPosition();
  say(note);
  persist();
}

function inSight(row: HTMLElement | undefined): boolean {
  if (!row) return false;
  const r = row.getBoundingClientRect();
  const view = scroller.getBoundingClientRect();
  return r.height > 0 && r.top >= view.top && r.bottom <= view.bottom;
}

/** Outlines the rows of the current difference. */
function mark(hunk: number): void {
  const { from, to } = model!.hunks[hunk]!;
  for (const el of scroller.querySelectorAll('.pair.current')) el.classList.remove('current');
  for (let p = from; p < to; p++) list.rowOf(p)?.classList.add('current');
}

function showPosition(): void {
  const n = model?.hunks.length ?? 0;
  position.textContent = n === 0 ? 'No differences' : `Difference ${current + 1} of ${n}`;
  prev.disabled = next.disabled = n === 0;
}

function say(text: string): void {
  status.textContent = text;
}

function renderHeader(o: CompareOutline): void {
  const side = (which: 'a' | 'b') => {
    const s = o[which];
    return h(
      'div',
      { class: `side-header side-${which}` },
      h(
        'div',
        { class: 'side-title' },
        h('span', { class: 'side-letter' }, which.toUpperCase()),
        h('span', null, s.title),
      ),
      h(
        'div',
        { class: 'muted side-facts' },
        `${s.provider} · ${s.model} · ${s.messages.toLocaleString('en')} messages`,
      ),
      h(
        'div',
        { class: 'side-totals' },
        h('span', null, `tokens ${s.totals.tokens}`),
        h('span', null, `cost ${s.totals.cost}`),
        h('span', null, `latency ${s.totals.latency}`),
      ),
    );
  };
  const setup: HTMLElement[] = [];
  if (o.setup.provider) setup.push(change('Provider', o.setup.provider.a, o.setup.provider.b));
  if (o.setup.model) setup.push(change('Model', o.setup.model.a, o.setup.model.b));
  if (o.setup.systemPrompt)
    setup.push(
      h(
        'div',
        { class: 'setup-line' },
        h('span', { class: 'setup-label' }, 'System prompt'),
        h(
          'div',
          { class: 'text system-diff' },
          ...o.setup.systemPrompt.map((r) =>
            r.op === 'equal' ? r.text : wordSpans([r], r.op === 'added' ? 'b' : 'a')[0]!,
          ),
        ),
      ),
    );
  const c = o.counts;
  const summary = [
    c.changed && `${c.changed} changed`,
    c.inserted && `${c.inserted} only in B`,
    c.deleted && `${c.deleted} only in A`,
    `${c.equal.toLocaleString('en')} identical`,
  ].filter(Boolean);
  header.replaceChildren();
  append(
    header,
    h('div', { class: 'sides' }, side('a'), side('b')),
    setup.length ? h('div', { class: 'setup' }, ...setup) : null,
    h(
      'div',
      { class: 'summary muted' },
      icon('diff'),
      ` ${summary.join(' · ')}`,
      o.approximate ? ' · too different for a minimal alignment: messages paired by position' : '',
    ),
  );
}

function change(label: string, a: string, b: string): HTMLElement {
  return h(
    'div',
    { class: 'setup-line' },
    h('span', { class: 'setup-label' }, label),
    h('span', { class: 'word-removed' }, a),
    ' → ',
    h('span', { class: 'word-added' }, b),
  );
}

/** Saves where the view is, a moment after scrolling or stepping settles. */
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function persist(): void {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => saveState<SavedState>({ current, topPair: topPair() }), 250);
}

onNotification(IpcNotification.Init, () => void load(false));
onNotification(IpcNotification.MessagesChanged, () => void load(true));
onNotification(IpcNotification.CompareStep, ({ direction }) => step(direction));

ready('compare');
