// A virtualized list of variable-height rows: only rows in (or near) the viewport exist in the DOM. Heights are
// measured by a ResizeObserver (after layout, so measuring never forces one) and cached by item; estimates stand
// in until then. When measured heights differ from the estimates, the scroll position is corrected so that what
// the user looks at stays put. One item may be kept rendered wherever it is (the row with the keyboard focus, so
// scrolling away does not drop the focus on the page body).

type Anchor =
  /** Keep this position's row at the top (plus delta px into it), centred, or just inside the viewport (nearest). */
  | { kind: 'item'; pos: number; delta: number; align: Align }
  /** Keep the end of the list at the bottom of the viewport. */
  | { kind: 'end' };

type Align = 'start' | 'center' | 'nearest';

export interface VirtualListOptions {
  /** The scrolling element; rows are laid out in a spacer inside it. */
  scroller: HTMLElement;
  /** Builds the element for an item (an index into the caller's data). */
  render(item: number): HTMLElement;
  /** Called after each layout pass with the items now in the DOM. */
  onRendered?(items: number[]): void;
  estimate?: number;
  /** Extra pixels rendered above and below the viewport. */
  overscan?: number;
}

interface Row {
  el: HTMLElement;
  top: number;
  pos: number;
}

export class VirtualList {
  /** Which items are shown, in order (e.g. the messages of the roles not filtered out). */
  private items: number[] = [];
  /** Item → position in `items`. */
  private positions = new Map<number, number>();
  private heights = new Float64Array(0);
  private offsets = new Float64Array(1);
  private offsetsDirty = true;
  private readonly rows = new Map<number, Row>();
  private readonly spacer: HTMLElement;
  private readonly resize: ResizeObserver;
  private frame = 0;
  /** An explicit target kept for a few frames while late measurements settle. */
  private sticky: { anchor: Anchor; frames: number } | undefined;
  private readonly estimate: number;
  private readonly overscan: number;
  /** The scroller's height, kept by a ResizeObserver so a layout pass need not read it. */
  private viewport = 0;
  /** The scroll position the last layout pass left. */
  private placedAt = 0;
  /** An item rendered even when far from the viewport. */
  private kept: number | undefined;

  constructor(private readonly options: VirtualListOptions) {
    this.estimate = options.estimate ?? 96;
    this.overscan = options.overscan ?? 500;
    this.spacer = document.createElement('div');
    this.spacer.className = 'virtual-spacer';
    options.scroller.appendChild(this.spacer);
    options.scroller.addEventListener(
      'scroll',
      () => {
        // The user scrolled (not us): their position wins over a target still settling.
        if (Math.abs(options.scroller.scrollTop - this.placedAt) > 1) this.sticky = undefined;
        this.schedule();
      },
      { passive: true },
    );
    this.resize = new ResizeObserver((entries) => this.onResize(entries));
    new ResizeObserver(([e]) => {
      // The anchor is taken with the old height: a view at the end stays there when the viewport shrinks.
      const anchor = this.currentAnchor();
      this.viewport = e?.contentRect.height ?? 0;
      this.update(anchor);
    }).observe(options.scroller);
  }

  /** Sets the data size (item indices are 0..capacity-1) and which items show. Measured heights are kept. */
  setItems(items: number[], capacity: number): void {
    if (capacity !== this.heights.length) {
      const next = new Float64Array(capacity);
      next.set(this.heights.subarray(0, Math.min(capacity, this.heights.length)));
      this.heights = next;
    }
    this.items = items;
    this.positions = new Map(items.map((item, pos) => [item, pos]));
    this.offsetsDirty = true;
    for (const item of [...this.rows.keys()]) if (!this.positions.has(item)) this.drop(item);
    this.update();
  }

  /** Forgets everything (another session). */
  reset(): void {
    for (const item of [...this.rows.keys()]) this.drop(item);
    this.heights = new Float64Array(0);
    this.items = [];
    this.positions = new Map();
    this.offsetsDirty = true;
    this.sticky = undefined;
    this.kept = undefined;
    this.spacer.style.height = '0px';
  }

  get count(): number {
    return this.items.length;
  }
  get renderedItems(): number[] {
    return [...this.rows.keys()];
  }
  rowOf(item: number): HTMLElement | undefined {
    return this.rows.get(item)?.el;
  }

  /** Keeps an item's row in the DOM wherever the view scrolls (undefined: none). */
  keep(item: number | undefined): void {
    if (this.kept === item) return;
    this.kept = item;
    this.update();
  }

  /** Re-renders items whose data changed (e.g. a page of messages arrived). A focused row hands its focus on. */
  refresh(items: Iterable<number>): void {
    for (const item of items) {
      const row = this.rows.get(item);
      if (!row) continue;
      this.resize.unobserve(row.el);
      const el = this.options.render(item);
      this.prepare(el, item);
      const focused = row.el.contains(document.activeElement);
      row.el.replaceWith(el);
      if (focused) el.focus({ preventScroll: true });
      row.el = el;
      row.top = NaN;
      row.pos = -1; // the new element has no aria-posinset yet
      this.resize.observe(el);
    }
    this.update();
  }

  /** Scrolls so the item is at the top (centred, or only as far as it takes to show it), keeping it there while heights settle. */
  scrollToItem(item: number, align: Align = 'start', delta = 0): void {
    const pos = this.positions.get(item);
    if (pos === undefined) return;
    this.pin({ kind: 'item', pos, delta, align });
  }

  /** Scrolls to the very end, and stays there while heights settle. */
  scrollToEnd(): void {
    if (this.items.length) this.pin({ kind: 'end' });
  }

  /** The item at the top of the viewport, and how far (px) the viewport top is into it. */
  topItem(): { item: number; delta: number } | undefined {
    this.ensureOffsets();
    const top = this.options.scroller.scrollTop;
    const pos = this.find(top);
    const item = this.items[pos];
    return item === undefined ? undefined : { item, delta: top - this.offsets[pos]! };
  }

  /** The item about a viewport's height before (-1) or after (1) `item`, for PageUp/PageDown. */
  pageFrom(item: number, direction: 1 | -1): number | undefined {
    const pos = this.positions.get(item);
    if (pos === undefined) return undefined;
    this.ensureOffsets();
    const y = this.offsets[pos]! + direction * Math.max(1, this.viewport - this.heightOf(item));
    let next = this.find(Math.max(0, y));
    if (next === pos) next += direction;
    return this.items[Math.max(0, Math.min(this.items.length - 1, next))];
  }

  // ---- internals ---------------------------------------------------------------------------

  private pin(anchor: Anchor): void {
    this.sticky = { anchor, frames: 3 };
    this.update(anchor);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const sticky = this.sticky;
      if (sticky && sticky.frames-- > 0) {
        this.update(sticky.anchor);
        this.schedule();
      } else {
        this.sticky = undefined;
        this.update();
      }
    });
  }

  /** What keeps still by default: the end if the view is there, else the row at the top. */
  private currentAnchor(): Anchor | undefined {
    const { scrollTop } = this.options.scroller;
    this.ensureOffsets();
    if (this.items.length && scrollTop > 0 && scrollTop + this.viewport >= this.offsets[this.items.length]! - 1)
      return { kind: 'end' };
    const top = this.topItem();
    return top ? { kind: 'item', pos: this.positions.get(top.item)!, delta: top.delta, align: 'start' } : undefined;
  }

  private onResize(entries: ResizeObserverEntry[]): void {
    // The anchor is taken with the old heights: that is what the user saw.
    const anchor = this.sticky?.anchor ?? this.currentAnchor();
    let changed = false;
    for (const e of entries) {
      const item = Number((e.target as HTMLElement).dataset['item']);
      const height = e.borderBoxSize[0]?.blockSize ?? (e.target as HTMLElement).offsetHeight;
      if (this.rows.get(item)?.el !== e.target || !height || this.heights[item] === height) continue;
      this.heights[item] = height;
      changed = true;
    }
    if (changed) {
      this.offsetsDirty = true;
      this.update(anchor);
    }
  }

  private heightOf(item: number): number {
    return this.heights[item] || this.estimate;
  }

  private ensureOffsets(): void {
    if (!this.offsetsDirty) return;
    const n = this.items.length;
    if (this.offsets.length !== n + 1) this.offsets = new Float64Array(n + 1);
    let y = 0;
    for (let i = 0; i < n; i++) {
      this.offsets[i] = y;
      y += this.heightOf(this.items[i]!);
    }
    this.offsets[n] = y;
    this.offsetsDirty = false;
  }

  /** The position whose row covers `y`. */
  private find(y: number): number {
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return Math.max(0, lo);
  }

  private prepare(el: HTMLElement, item: number): void {
    el.dataset['item'] = String(item);
    el.classList.add('virtual-row');
  }

  private drop(item: number): void {
    const row = this.rows.get(item);
    if (!row) return;
    this.resize.unobserve(row.el);
    row.el.remove();
    this.rows.delete(item);
  }

  /** One layout pass: apply the anchor, render the rows in view, place them. Reads no row's layout. */
  private update(anchor: Anchor | undefined = this.currentAnchor()): void {
    const scroller = this.options.scroller;
    this.ensureOffsets();
    const n = this.items.length;
    const total = this.offsets[n]!;
    this.spacer.style.height = `${total}px`;
    const viewport = this.viewport || scroller.clientHeight;
    if (anchor?.kind === 'end') scroller.scrollTop = total - viewport;
    else if (anchor && anchor.pos < n) {
      const rowTop = this.offsets[anchor.pos]!;
      const rowBottom = this.offsets[anchor.pos + 1]!;
      const want =
        anchor.align === 'center'
          ? rowTop - (viewport - (rowBottom - rowTop)) / 2
          : anchor.align === 'nearest'
            ? Math.min(rowTop, Math.max(scroller.scrollTop, rowBottom - viewport))
            : rowTop + anchor.delta;
      if (Math.abs(scroller.scrollTop - want) > 0.5) scroller.scrollTop = want;
    }
    this.placedAt = scroller.scrollTop;
    const viewTop = scroller.scrollTop - this.overscan;
    const viewBottom = scroller.scrollTop + viewport + this.overscan;
    const wanted = new Set<number>();
    for (let pos = this.find(Math.max(0, viewTop)); pos < n && this.offsets[pos]! < viewBottom; pos++)
      wanted.add(this.items[pos]!);
    if (this.kept !== undefined && this.positions.has(this.kept)) wanted.add(this.kept);
    for (const item of [...this.rows.keys()]) if (!wanted.has(item)) this.drop(item);
    for (const item of wanted) {
      let row = this.rows.get(item);
      if (!row) {
        const el = this.options.render(item);
        this.prepare(el, item);
        row = { el, top: NaN, pos: -1 };
        this.rows.set(item, row);
        this.spacer.appendChild(el);
        this.resize.observe(el);
      }
      const pos = this.positions.get(item)!;
      const top = this.offsets[pos]!;
      if (row.top !== top) {
        row.el.style.transform = `translateY(${top}px)`;
        row.top = top;
      }
      if (row.pos !== pos) {
        row.el.setAttribute('aria-posinset', String(pos + 1));
        row.pos = pos;
      }
      if (row.el.getAttribute('aria-setsize') !== String(n)) row.el.setAttribute('aria-setsize', String(n));
    }
    this.options.onRendered?.([...this.rows.keys()]);
  }
}
