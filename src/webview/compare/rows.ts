// The compare view's rows: which pairs show (runs of identical pairs fold into one row), where the differences
// are (F7 steps through them), and each row's elements. Everything from a message is a text node (dom.ts h()).
import {
  type WordRun,
  type CompareCell,
  type CompareOutline,
  type CompareRow,
  type MetricName,
  STATUS_LETTERS,
  type StatusLetter,
} from '../../protocol';
import { type Child, append, h, icon } from '../shared/dom';

/** Identical pairs kept beside a difference; longer identical runs fold (as the diff editor hides unchanged lines). */
const CONTEXT = 1;
/** A fold hides at least this many pairs (hiding one would save nothing). */
const MIN_FOLD = 2;

/** A run of identical pairs shown as one row until expanded. */
export interface Fold {
  from: number;
  to: number;
  expanded: boolean;
}

/** The outline's pairs as rows: item ids 0..pairs-1 are pairs, pairs+k is fold k. */
export class RowModel {
  readonly pairs: number;
  /** Each difference: a run of consecutive pairs that are not equal, [from, to). */
  readonly hunks: Array<{ from: number; to: number }> = [];
  readonly folds: Fold[] = [];

  constructor(readonly outline: CompareOutline) {
    const s = outline.statuses;
    this.pairs = s.length;
    for (let p = 0; p < s.length; ) {
      let q = p;
      const equal = s[p] === 'e';
      while (q < s.length && (s[q] === 'e') === equal) q++;
      if (!equal) this.hunks.push({ from: p, to: q });
      else {
        const from = p + (p > 0 ? CONTEXT : 0);
        const to = q - (q < s.length ? CONTEXT : 0);
        if (to - from >= MIN_FOLD) this.folds.push({ from, to, expanded: false });
      }
      p = q;
    }
  }

  status(pair: number): (typeof STATUS_LETTERS)[StatusLetter] {
    return STATUS_LETTERS[this.outline.statuses[pair] as StatusLetter];
  }

  get capacity(): number {
    return this.pairs + this.folds.length;
  }

  fold(item: number): Fold | undefined {
    return item >= this.pairs ? this.folds[item - this.pairs] : undefined;
  }

  /** The rows in order: every pair, but a folded run's pairs as its one row. */
  items(): number[] {
    const items: number[] = [];
    let k = 0;
    for (let p = 0; p < this.pairs; ) {
      const f = this.folds[k];
      if (f && p === f.from) {
        k++;
        if (!f.expanded) {
          items.push(this.pairs + k - 1);
          p = f.to;
          continue;
        }
      }
      items.push(p++);
    }
    return items;
  }

  /** The difference a pair belongs to (-1: none). */
  hunkOf(pair: number): number {
    return this.hunks.findIndex((x) => pair >= x.from && pair < x.to);
  }
}

export interface RowHandlers {
  expand(fold: Fold): void;
}

/** A row: a fold, or a pair with its content (or a placeholder until it arrives). */
export function renderItem(
  model: RowModel,
  item: number,
  row: CompareRow | undefined,
  handlers: RowHandlers,
): HTMLElement {
  const fold = model.fold(item);
  if (fold) return foldRow(model, fold, handlers);
  const status = model.status(item);
  const { outline } = model;
  const el = h(
    'div',
    {
      class: `pair status-${status}`,
      role: 'row',
      tabindex: -1,
      'data-pair': item,
      'aria-label': ariaLabel(model, item),
    },
    side(model, 'a', outline.pairA[item]!, row?.a, row, status),
    side(model, 'b', outline.pairB[item]!, row?.b, row, status),
  );
  if (item === outline.firstDivergence)
    el.prepend(h('div', { class: 'divergence-mark' }, icon('debug-breakpoint-function'), 'First divergence'));
  const notes = row?.changes && changeNotes(row);
  if (notes?.length) el.append(h('ul', { class: 'change-list', 'aria-label': 'What changed' }, ...notes));
  return el;
}

function ariaLabel(model: RowModel, pair: number): string {
  const { outline } = model;
  const at = (s: 'a' | 'b') => {
    const i = (s === 'a' ? outline.pairA : outline.pairB)[pair]!;
    return i < 0 ? '' : `${s.toUpperCase()} #${outline[s].seqs[i]} ${outline[s].roles[i]}`;
  };
  return [model.status(pair), at('a'), at('b')].filter(Boolean).join(', ');
}

function foldRow(model: RowModel, fold: Fold, handlers: RowHandlers): HTMLElement {
  const { outline } = model;
  const range = (s: 'a' | 'b') => {
    const idx = s === 'a' ? outline.pairA : outline.pairB;
    return `${s.toUpperCase()} #${outline[s].seqs[idx[fold.from]!]}–#${outline[s].seqs[idx[fold.to - 1]!]}`;
  };
  const n = fold.to - fold.from;
  const button = h(
    'button',
    { type: 'button', class: 'fold-button', title: 'Show these messages' },
    icon('unfold'),
    `${n.toLocaleString('en')} identical messages`,
    h('span', { class: 'muted' }, ` (${range('a')}, ${range('b')})`),
  );
  button.addEventListener('click', () => handlers.expand(fold));
  return h('div', { class: 'fold', role: 'row' }, button);
}

function side(
  model: RowModel,
  which: 'a' | 'b',
  index: number,
  cell: CompareCell | undefined,
  row: CompareRow | undefined,
  status: string,
): HTMLElement {
  const el = h('div', { class: `side side-${which}` });
  if (index < 0) {
    el.classList.add('empty');
    el.setAttribute('aria-hidden', 'true');
    return el;
  }
  const info = model.outline[which];
  const head = h(
    'div',
    { class: 'cell-head' },
    h('span', { class: 'seq' }, `#${info.seqs[index]}`),
    h('span', { class: 'role' }, info.roles[index]!),
  );
  el.append(head);
  if (!cell) {
    el.append(h('div', { class: 'skeleton' }));
    return el;
  }
  const other = which === 'a' ? row?.b : row?.a;
  const runs = row?.changes?.words;
  append(
    el,
    h('div', { class: 'text' }, ...(status === 'changed' && runs ? wordSpans(runs, which) : [cell.text])),
    cell.omitted
      ? h('div', { class: 'muted omitted' }, `… ${cell.omitted.toLocaleString('en')} more characters`)
      : null,
    ...cell.tools.map((t) =>
      h(
        'div',
        { class: `tool${t.isError ? ' tool-error' : ''}` },
        h('span', { class: 'tool-name' }, `${t.kind === 'call' ? 'call' : 'result'} ${t.name}`),
        ' ',
        h('span', { class: 'tool-preview' }, t.preview),
      ),
    ),
    metricsLine(cell, other),
  );
  return el;
}

/**
 * A's side shows the equal and removed runs, B's the equal and added ones; the changed words are marked. Spaces
 * between two changed runs join them (as the diff editor marks "in the morning" as one change, not three).
 */
export function wordSpans(runs: readonly WordRun[], which: 'a' | 'b'): Child[] {
  const op = which === 'a' ? 'removed' : 'added';
  const own = runs.filter((r) => r.op === 'equal' || r.op === op);
  const merged: WordRun[] = [];
  for (const [i, r] of own.entries()) {
    const joins = r.op === 'equal' && /^\s+$/.test(r.text) && own[i - 1]?.op === op && own[i + 1]?.op === op;
    const last = merged[merged.length - 1];
    if ((r.op === op || joins) && last?.op === op) last.text += r.text;
    else merged.push({ ...r });
  }
  return merged.map((r) => (r.op === 'equal' ? r.text : h('span', { class: `word-${r.op}` }, r.text)));
}

const METRICS: Array<[MetricName, string]> = [
  ['model', 'model'],
  ['tokens', 'tokens'],
  ['cost', 'cost'],
  ['latency', 'latency'],
  ['stop', 'stop'],
];

/** The message's metrics; a value that differs from the other side's is emphasised. */
function metricsLine(cell: CompareCell, other: CompareCell | undefined): HTMLElement | null {
  const shown = METRICS.filter(([k]) => cell.metrics[k] !== undefined || other?.metrics[k] !== undefined);
  if (!shown.length) return null;
  return h(
    'div',
    { class: 'metrics' },
    ...shown.map(([k, label]) => {
      const value = cell.metrics[k];
      const changed = other !== undefined && value !== other.metrics[k];
      return h(
        'span',
        { class: `metric${changed ? ' metric-changed' : ''}`, title: changed ? `${label} differs` : undefined },
        h('span', { class: 'metric-label' }, `${label} `),
        value ?? '–',
      );
    }),
  );
}

function changeNotes(row: CompareRow): HTMLElement[] {
  const c = row.changes!;
  const notes: HTMLElement[] = [];
  if (c.role) notes.push(h('li', null, `role: ${c.role.a} → ${c.role.b}`));
  for (const t of c.tools) {
    const what = `${t.kind} ${t.name}`;
    if (t.path)
      notes.push(
        h(
          'li',
          null,
          h('span', { class: 'tool-name' }, what),
          ' ',
          h('code', null, t.path),
          ': ',
          h('span', { class: 'word-removed' }, t.a ?? '(none)'),
          ' → ',
          h('span', { class: 'word-added' }, t.b ?? '(none)'),
        ),
      );
    else notes.push(h('li', null, h('span', { class: 'tool-name' }, what), `: ${t.note ?? ''}`));
  }
  if (c.toolCallsReordered) notes.push(h('li', null, 'the same tool calls, in another order'));
  if (c.attachments) notes.push(h('li', null, 'attachments differ'));
  return notes;
}
