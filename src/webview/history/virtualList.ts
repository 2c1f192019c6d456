// A virtualized list of variable-height rows: only rows in (or near) the viewport exist in the DOM. Heights are
// measured once rendered and cached by item (estimates stand in until then); rows above the viewport that turn
// out taller or shorter than estimated shift the scroll position so what the user looks at stays put.

interface Anchor { pos: number; delta: number; align: 'start' | 'center' }

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

export class VirtualList {
  /** Which items are shown, in order (e.g. the messages of the roles not filtered out). */
  private items: number[] = [];
  private heights = new Float64Array(0);
  private offsets = new Float64Array(1);
  private offsetsDirty = true;
  private readonly rows = new Map<number, HTMLElement>();
  private readonly spacer: HTMLElement;
  private readonly resize: ResizeObserver;
  private frame = 0;
  private readonly estimate: number;
  private readonly overscan: number;

  constructor(private readonly options: VirtualListOptions) {
    this.estimate = options.estimate ?? 96;
    this.overscan = options.overscan ?? 600;
    this.spacer = document.createElement('div');
    this.spacer.className = 'virtual-spacer';
    options.scroller.appendChild(this.spacer);
    options.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.resize = new ResizeObserver((entries) => {
      let changed = false;
      for (const e of entries) changed = this.measure(e.target as HTMLElement) || changed;
      if (changed) this.schedule();
    });
  }

  /** Sets the data size (item indices are 0..capacity-1) and which items show. Measured heights are kept. */
  setItems(items: number[], capacity: number): void {
    if (capacity !== this.heights.length) {
      const next = new Float64Array(capacity).fill(0);
      next.set(this.heights.subarray(0, Math.min(capacity, this.heights.length)));
      this.heights = next;
    }
    this.items = items;
    this.positions = new Map(items.map((item, pos) => [item, pos]));
    this.offsetsDirty = true;
    for (const [item, el] of this.rows) if (!this.positions.has(item)) { this.resize.unobserve(el); el.remove(); this.rows.delete(item); }
    this.update();
  }

  /** Forgets everything (another session). */
  reset(): void {
    for (const el of this.rows.values()) { this.resize.unobserve(el); el.remove(); }
    this.rows.clear();
    this.heights = new Float64Array(0);
    this.items = [];
    this.positions = new Map();
    this.offsetsDirty = true;
    this.spacer.style.height = '0px';
  }

  get count(): number { return this.items.length; }
  get renderedItems(): number[] { return [...this.rows.keys()]; }
  rowOf(item: number): HTMLElement | undefined { return this.rows.get(item); }

  /** Re-renders items whose data changed (e.g. a page of messages arrived). */
  refresh(items: Iterable<number>): void {
    for (const item of items) {
      const old = this.rows.get(item);
      if (!old) continue;
      this.resize.unobserve(old);
      const el = this.build(item);
      old.replaceWith(el);
    }
    this.update();
  }

  /** Scrolls so the item is at the top (or centred), keeping it there while heights settle. */
  scrollToItem(item: number, align: 'start' | 'center' = 'start', delta = 0): void {
    const pos = this.positions.get(item);
    if (pos === undefined) return;
    const anchor = { pos, delta, align };
    this.update(anchor);
    // Keep honouring the target for a few frames while late measurements (fonts, wrapping) settle.
    this.sticky = { anchor, frames: 3 };
    this.schedule();
  }

  /** Scrolls to the very end, and stays there while heights settle. */
  scrollToEnd(): void {
    const last = this.items[this.items.length - 1];
    if (last !== undefined) this.scrollToItem(last, 'start', Number.MAX_SAFE_INTEGER);
  }

  /** The item at the top of the viewport, and how far (px) the viewport top is into it. */
  topItem(): { item: number; delta: number } | undefined {
    this.ensureOffsets();
    const top = this.options.scroller.scrollTop;
    const pos = this.find(top);
    const item = this.items[pos];
    return item === undefined ? undefined : { item, delta: top - this.offsets[pos]! };
  }

  isItemVisible(item: number): boolean {
    const pos = this.positions.get(item);
    if (pos === undefined) return false;
    this.ensureOffsets();
    const { scrollTop, clientHeight } = this.options.scroller;
    return this.offsets[pos + 1]! > scrollTop && this.offsets[pos]! < scrollTop + clientHeight;
  }

  /** Item → position in `items`. */
  private positions = new Map<number, number>();
  private sticky: { anchor: Anchor; frames: number } | undefined;

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

  private build(item: number): HTMLElement {
    const el = this.options.render(item);
    el.dataset['item'] = String(item);
    el.classList.add('virtual-row');
    this.rows.set(item, el);
    this.spacer.appendChild(el);
    this.resize.observe(el);
    return el;
  }

  /** Records a row's real height; true if it changed. */
  private measure(el: HTMLElement): boolean {
    const item = Number(el.dataset['item']);
    if (!el.isConnected || this.rows.get(item) !== el) return false;
    const height = el.offsetHeight;
    if (height === 0 || this.heights[item] === height) return false;
    this.heights[item] = height;
    this.offsetsDirty = true;
    return true;
  }

  /** One layout pass: keep the anchor, render the rows in view, measure them, place them. */
  private update(explicit?: Anchor): void {
    const scroller = this.options.scroller;
    this.ensureOffsets();
    // What to keep still: an explicit target, else the end if the view is there, else the row at the top.
    const atEnd = !explicit && this.items.length > 0 && scroller.scrollTop > 0 && scroller.scrollTop + scroller.clientHeight >= this.offsets[this.items.length]! - 1;
    const top = explicit || atEnd ? undefined : this.topItem();
    for (let pass = 0; pass < 3; pass++) {
      this.ensureOffsets();
      const total = this.offsets[this.items.length]!;
      this.spacer.style.height = `${total}px`;
      if (explicit) {
        const rowTop = this.offsets[explicit.pos]!;
        const rowHeight = this.offsets[explicit.pos + 1]! - rowTop;
        scroller.scrollTop = explicit.align === 'center' ? rowTop - (scroller.clientHeight - rowHeight) / 2 : rowTop + explicit.delta;
      } else if (atEnd) {
        scroller.scrollTop = total - scroller.clientHeight;
      } else if (top) {
        const pos = this.positions.get(top.item);
        if (pos !== undefined) {
          const want = this.offsets[pos]! + top.delta;
          if (Math.abs(scroller.scrollTop - want) > 1) scroller.scrollTop = want;
        }
      }
      const viewTop = scroller.scrollTop - this.overscan;
      const viewBottom = scroller.scrollTop + scroller.clientHeight + this.overscan;
      const first = this.find(Math.max(0, viewTop));
      const wanted = new Set<number>();
      for (let pos = first; pos < this.items.length && this.offsets[pos]! < viewBottom; pos++) wanted.add(this.items[pos]!);
      for (const [item, el] of this.rows) {
        if (!wanted.has(item)) { this.resize.unobserve(el); el.remove(); this.rows.delete(item); }
      }
      let changed = false;
      for (const item of wanted) {
        const el = this.rows.get(item) ?? this.build(item);
        changed = this.measure(el) || changed;
      }
      this.ensureOffsets();
      for (const [item, el] of this.rows) {
        const pos = this.positions.get(item)!;
        el.style.transform = `translateY(${this.offsets[pos]!}px)`;
        el.setAttribute('aria-posinset', String(pos + 1));
        el.setAttribute('aria-setsize', String(this.items.length));
      }
      if (!changed) break;
    }
    this.options.onRendered?.([...this.rows.keys()]);
  }
}
