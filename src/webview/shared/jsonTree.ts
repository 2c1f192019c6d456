// A JSON document as a lazily expanded tree: only expanded nodes are in the DOM, long containers come a page at a
// time, long strings show cut and whole on demand. Where the data comes from is a TreeSource: the state view asks
// its host, the inspector reads bodies it holds. Keyboard as VS Code's trees: one Tab stop (roving tabindex),
// arrows, Home/End, PageUp/PageDown, Enter/Space to open and close.
import './jsonTree.css';
import type { DumpNode, DumpPath } from '../../protocol';
import { clear, formatNumber, h } from './dom';

export interface TreeSource {
  /** One page of the children of the container at `path` (the root is `[]`). */
  children(path: DumpPath, offset: number, limit: number): Promise<{ nodes: DumpNode[]; total: number }>;
  /** The string at `path` in full (the tree shows long ones cut). */
  value(path: DumpPath): Promise<string>;
}

export const TREE_PAGE = 200;
const key = (path: DumpPath) => JSON.stringify(path);

interface Item {
  row: HTMLElement;
  group?: HTMLElement;
  loaded: number;
  total: number;
}

export class JsonTree {
  readonly element: HTMLElement;
  /** Rendered tree items by path; each knows its children's container once expanded. */
  private readonly items = new Map<string, Item>();
  private readonly open = new Set<string>();
  private selectedKey: string | undefined;
  /** The load under way: a reveal waits for it (else both would add the first level). */
  private loading: Promise<void> = Promise.resolve();

  /** `scroller`: the element the tree scrolls in (for a page's height); `changed`: what is open changed. */
  constructor(
    private source: TreeSource,
    private readonly options: { label: string; scroller: () => HTMLElement; changed?: () => void },
  ) {
    this.element = h('div', { class: 'tree', role: 'tree', 'aria-label': options.label });
    this.element.addEventListener('focusin', (e) => this.onFocus(e));
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** The paths open now, shallowest first (to reopen them after a reload). */
  get expandedPaths(): DumpPath[] {
    return [...this.open].map((k) => JSON.parse(k) as DumpPath).sort((a, b) => a.length - b.length);
  }

  /** The path of the row last selected or focused. */
  get selectedPath(): DumpPath | undefined {
    return this.selectedKey === undefined ? undefined : (JSON.parse(this.selectedKey) as DumpPath);
  }

  /** Shows the first level of `source` (the one it has, by default), then reopens `reopen`. */
  load(source: TreeSource = this.source, reopen: DumpPath[] = []): Promise<void> {
    this.loading = this.loadNow(source, reopen);
    return this.loading;
  }

  private async loadNow(source: TreeSource, reopen: DumpPath[]): Promise<void> {
    this.source = source;
    this.items.clear();
    this.open.clear();
    this.selectedKey = undefined;
    clear(this.element);
    await this.loadChildren([]);
    const first = this.element.querySelector<HTMLElement>('[role=treeitem]');
    if (first) first.tabIndex = 0;
    for (const p of reopen) if (this.items.has(key(p))) await this.expand(p);
  }

  /** Opens the tree down to `path`, selects it and scrolls to it; `focus` moves the keyboard there too. */
  async reveal(path: DumpPath, { focus = true } = {}): Promise<boolean> {
    await this.loading;
    for (let i = 0; i < path.length; i++) {
      const prefix = path.slice(0, i);
      const has = () => this.items.has(key([...prefix, path[i]!]));
      if (i === 0) {
        if (!has()) await this.loadChildren([], has);
        continue;
      }
      if (!has() || this.items.get(key(prefix))?.group?.hidden) await this.expand(prefix, has);
    }
    const target = this.items.get(key(path));
    if (!target) return false;
    for (const el of this.element.querySelectorAll('.selected')) el.classList.remove('selected');
    target.row.classList.add('selected');
    this.selectedKey = key(path);
    if (focus) target.row.focus({ preventScroll: true });
    target.row.querySelector(':scope > .line')?.scrollIntoView({ block: 'center' });
    return true;
  }

  private nodeRow(node: DumpNode, path: DumpPath, level: number): HTMLElement {
    // An empty array or object has nothing to open: a leaf, as in VS Code's trees.
    const container = (node.type === 'object' || node.type === 'array') && node.size > 0;
    const longString = node.type === 'string' && node.size > node.preview.length;
    const row = h(
      'div',
      {
        role: 'treeitem',
        class: `node type-${node.type}`,
        'aria-level': level,
        tabindex: -1,
        'aria-expanded': container || longString ? 'false' : undefined,
        'data-path': key(path),
      },
      h(
        'span',
        { class: 'line' },
        container
          ? h('span', { class: 'codicon codicon-chevron-right twistie', 'aria-hidden': 'true' })
          : h('span', { class: 'twistie-space' }),
        h('span', { class: 'key' }, String(node.key)),
        h('span', { class: 'colon' }, ': '),
        h('span', { class: 'value' }, node.type === 'string' ? `"${node.preview}"` : node.preview),
        longString ? h('span', { class: 'muted' }, ` (${formatNumber(node.size)} chars)`) : null,
        container && node.size
          ? h(
              'span',
              { class: 'muted count' },
              ` ${formatNumber(node.size)} ${node.type === 'array' ? 'item' : 'key'}${node.size === 1 ? '' : 's'}`,
            )
          : null,
      ),
    );
    this.items.set(key(path), { row, loaded: 0, total: node.size });
    if (container || longString) row.querySelector('.line')!.addEventListener('click', () => void this.toggle(path));
    return row;
  }

  /** A long string: its full text on demand, as text. */
  private async toggleValue(row: HTMLElement, path: DumpPath): Promise<void> {
    const open = row.querySelector(':scope > .full-value');
    row.setAttribute('aria-expanded', String(!open));
    if (open) return open.remove();
    const text = await this.source.value(path);
    row.appendChild(h('div', { class: 'full-value' }, text));
  }

  /** Appends pages of children until `until` is satisfied (one page without it). */
  private async loadChildren(path: DumpPath, until?: (nodes: DumpNode[]) => boolean): Promise<void> {
    const item = this.items.get(key(path));
    const parent = item?.group ?? this.element;
    const level = path.length + 1;
    for (;;) {
      const offset = item?.loaded ?? parent.querySelectorAll(':scope > [role=treeitem]').length;
      const { nodes, total } = await this.source.children(path, offset, TREE_PAGE);
      parent.querySelector(':scope > .more')?.remove();
      for (const n of nodes) parent.appendChild(this.nodeRow(n, [...path, n.key], level));
      if (item) {
        item.loaded = offset + nodes.length;
        item.total = total;
      }
      const loaded = offset + nodes.length;
      if (loaded < total) {
        const more = h(
          'button',
          { type: 'button', class: 'more link-button' },
          `Show ${formatNumber(Math.min(TREE_PAGE, total - loaded))} more of ${formatNumber(total - loaded)}`,
        );
        more.addEventListener('click', () => void this.loadChildren(path));
        parent.appendChild(more);
      }
      if (!until || until(nodes) || loaded >= total || nodes.length === 0) return;
    }
  }

  private async expand(path: DumpPath, until?: (nodes: DumpNode[]) => boolean): Promise<void> {
    const item = this.items.get(key(path));
    if (!item || item.row.getAttribute('aria-expanded') === null || item.row.classList.contains('type-string')) return;
    if (!item.group) {
      item.group = h('div', { role: 'group' });
      item.row.appendChild(item.group);
      await this.loadChildren(path, until);
    } else if (until) {
      await this.loadChildren(path, until);
    }
    item.group.hidden = false;
    item.row.setAttribute('aria-expanded', 'true');
    item.row.querySelector('.twistie')?.classList.replace('codicon-chevron-right', 'codicon-chevron-down');
    this.open.add(key(path));
    this.options.changed?.();
  }

  private collapse(path: DumpPath): void {
    const item = this.items.get(key(path));
    if (!item?.group) return;
    item.group.hidden = true;
    item.row.setAttribute('aria-expanded', 'false');
    item.row.querySelector('.twistie')?.classList.replace('codicon-chevron-down', 'codicon-chevron-right');
    this.open.delete(key(path));
    this.options.changed?.();
  }

  private async toggle(path: DumpPath): Promise<void> {
    const row = this.items.get(key(path))?.row;
    if (row?.classList.contains('type-string')) return this.toggleValue(row, path);
    if (row?.getAttribute('aria-expanded') === 'true') this.collapse(path);
    else await this.expand(path);
  }

  /** The tree's one Tab stop follows the focus. */
  private onFocus(e: FocusEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[role=treeitem]');
    if (!row) return;
    for (const el of this.element.querySelectorAll<HTMLElement>('[role=treeitem][tabindex="0"]'))
      if (el !== row) el.tabIndex = -1;
    row.tabIndex = 0;
    this.selectedKey = row.dataset['path'];
  }

  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[role=treeitem]');
    if (!row || e.target !== row) return;
    const path = JSON.parse(row.dataset['path']!) as DumpPath;
    const visible = [...this.element.querySelectorAll<HTMLElement>('[role=treeitem]')].filter(
      (r) => r.offsetParent !== null,
    );
    const at = visible.indexOf(row);
    const focus = (el: HTMLElement | undefined) => {
      el?.focus({ preventScroll: true });
      el?.querySelector(':scope > .line')?.scrollIntoView({ block: 'nearest' });
    };
    const scroller = this.options.scroller();
    // A page: as many rows as fit in the view.
    const page = Math.max(
      1,
      Math.floor(scroller.clientHeight / Math.max(1, row.querySelector(':scope > .line')!.clientHeight)) - 1,
    );
    switch (e.key) {
      case 'Home':
        focus(visible[0]);
        scroller.scrollTop = 0;
        break;
      case 'End':
        focus(visible[visible.length - 1]);
        scroller.scrollTop = scroller.scrollHeight;
        break;
      case 'PageDown':
        focus(visible[Math.min(visible.length - 1, at + page)]);
        break;
      case 'PageUp':
        focus(visible[Math.max(0, at - page)]);
        break;
      case 'ArrowDown':
        focus(visible[at + 1]);
        break;
      case 'ArrowUp':
        focus(visible[at - 1]);
        break;
      case 'ArrowRight':
        if (row.getAttribute('aria-expanded') === 'false') void this.toggle(path);
        else focus(row.querySelector<HTMLElement>('[role=treeitem]') ?? undefined);
        break;
      case 'ArrowLeft':
        if (row.getAttribute('aria-expanded') === 'true') void this.toggle(path);
        else focus(row.parentElement?.closest<HTMLElement>('[role=treeitem]') ?? undefined);
        break;
      case 'Enter':
      case ' ':
        void this.toggle(path);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
