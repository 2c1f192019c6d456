// The state view: a dump document as a lazily expanded tree (the host sends one level and one page at a time),
// with search over keys and values that opens the tree down to each match. Keyboard as VS Code's trees: one Tab
// stop (roving tabindex), arrows, Home/End; Ctrl+F goes to the search box.
import './state.css';
import { DumpNode, DumpPath, IpcCommand, IpcNotification, IpcRequest } from '../../protocol';
import { clear, formatBytes, formatNumber, h, icon } from '../shared/dom';
import { command, loadState, onNotification, ready, request, saveState } from '../shared/ipc';

const PAGE = 200;
const key = (path: DumpPath) => JSON.stringify(path);

interface SavedState {
  query?: string;
  expanded?: string[];
}
const saved = loadState<SavedState>();

const titleEl = h('h1', { class: 'dump-title' });
const infoEl = h('span', { class: 'dump-info' });
const searchInput = h('input', {
  type: 'search',
  placeholder: 'Search keys and values',
  'aria-label': 'Search the dump',
  spellcheck: 'false',
});
const resultsEl = h('div', { class: 'search-results', role: 'listbox', 'aria-label': 'Search results', hidden: true });
const tree = h('div', { class: 'tree', role: 'tree', 'aria-label': 'State dump' });
const treeWrap = h('div', { class: 'tree-wrap' }, tree);
const save = h('button', { type: 'button', class: 'primary-button' }, icon('save'), ' Save…');
save.addEventListener('click', () => command(IpcCommand.SaveDump, {}));
document
  .getElementById('app')!
  .replaceChildren(
    h(
      'div',
      { class: 'state' },
      h(
        'div',
        { class: 'toolbar' },
        titleEl,
        infoEl,
        h('span', { class: 'spacer' }),
        icon('search'),
        searchInput,
        save,
      ),
      resultsEl,
      treeWrap,
    ),
  );

/** Rendered tree items by path; each knows its children's container once expanded. */
const items = new Map<string, { row: HTMLElement; group?: HTMLElement; loaded: number; total: number }>();
const expanded = new Set<string>(saved.expanded ?? []);

function persist(): void {
  saveState<SavedState>({ query: searchInput.value, expanded: [...expanded] });
}

function nodeRow(node: DumpNode, path: DumpPath, level: number): HTMLElement {
  const container = node.type === 'object' || node.type === 'array';
  const row = h(
    'div',
    {
      role: 'treeitem',
      class: `node type-${node.type}`,
      'aria-level': level,
      tabindex: -1,
      'aria-expanded': container ? 'false' : undefined,
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
      node.type === 'string' && node.size > node.preview.length
        ? h('span', { class: 'muted' }, ` (${formatNumber(node.size)} chars)`)
        : null,
      container && node.size
        ? h(
            'span',
            { class: 'muted count' },
            ` ${formatNumber(node.size)} ${node.type === 'array' ? 'item' : 'key'}${node.size === 1 ? '' : 's'}`,
          )
        : null,
    ),
  );
  items.set(key(path), { row, loaded: 0, total: node.size });
  if (container) row.querySelector('.line')!.addEventListener('click', () => void toggle(path));
  else if (node.type === 'string' && node.size > node.preview.length) {
    // A long string: its full text on demand, as text.
    row.setAttribute('aria-expanded', 'false');
    row.querySelector('.line')!.addEventListener('click', () => void toggleValue(row, path));
  }
  return row;
}

async function toggleValue(row: HTMLElement, path: DumpPath): Promise<void> {
  const open = row.querySelector(':scope > .full-value');
  row.setAttribute('aria-expanded', String(!open));
  if (open) return open.remove();
  const { text } = await request(IpcRequest.DumpValue, { path });
  row.appendChild(h('div', { class: 'full-value' }, text));
}

async function loadChildren(path: DumpPath, until?: (nodes: DumpNode[]) => boolean): Promise<void> {
  const item = items.get(key(path));
  const parent = item?.group ?? tree;
  const level = path.length + 1;
  for (;;) {
    const offset = item?.loaded ?? parent.querySelectorAll(':scope > [role=treeitem]').length;
    const { nodes, total } = await request(IpcRequest.DumpChildren, { path, offset, limit: PAGE });
    parent.querySelector(':scope > .more')?.remove();
    for (const n of nodes) parent.appendChild(nodeRow(n, [...path, n.key], level));
    if (item) {
      item.loaded = offset + nodes.length;
      item.total = total;
    }
    const loaded = offset + nodes.length;
    if (loaded < total) {
      const more = h(
        'button',
        { type: 'button', class: 'more link-button' },
        `Show ${formatNumber(Math.min(PAGE, total - loaded))} more of ${formatNumber(total - loaded)}`,
      );
      more.addEventListener('click', () => void loadChildren(path));
      parent.appendChild(more);
    }
    if (!until || until(nodes) || loaded >= total || nodes.length === 0) return;
  }
}

async function expand(path: DumpPath, until?: (nodes: DumpNode[]) => boolean): Promise<void> {
  const item = items.get(key(path));
  if (!item || item.row.getAttribute('aria-expanded') === null) return;
  if (!item.group) {
    item.group = h('div', { role: 'group' });
    item.row.appendChild(item.group);
    await loadChildren(path, until);
  } else if (until) {
    await loadChildren(path, until);
  }
  item.group.hidden = false;
  item.row.setAttribute('aria-expanded', 'true');
  item.row.querySelector('.twistie')?.classList.replace('codicon-chevron-right', 'codicon-chevron-down');
  expanded.add(key(path));
  persist();
}

function collapse(path: DumpPath): void {
  const item = items.get(key(path));
  if (!item?.group) return;
  item.group.hidden = true;
  item.row.setAttribute('aria-expanded', 'false');
  item.row.querySelector('.twistie')?.classList.replace('codicon-chevron-down', 'codicon-chevron-right');
  expanded.delete(key(path));
  persist();
}

async function toggle(path: DumpPath): Promise<void> {
  const row = items.get(key(path))?.row;
  if (row?.classList.contains('type-string')) return toggleValue(row, path);
  if (row?.getAttribute('aria-expanded') === 'true') collapse(path);
  else await expand(path);
}

/** Opens the tree down to `path` and selects it. */
async function reveal(path: DumpPath): Promise<void> {
  for (let i = 0; i < path.length; i++) {
    const prefix = path.slice(0, i);
    const child = path[i]!;
    const has = () => items.has(key([...prefix, child]));
    if (i === 0) {
      if (!has()) await loadChildren([], has);
      continue;
    }
    if (!has() || items.get(key(prefix))?.group?.hidden) await expand(prefix, has);
  }
  const target = items.get(key(path));
  if (!target) return;
  for (const el of tree.querySelectorAll('.selected')) el.classList.remove('selected');
  target.row.classList.add('selected');
  target.row.focus({ preventScroll: true });
  target.row.scrollIntoView({ block: 'center' });
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => void search(searchInput.value), 200);
});

async function search(query: string): Promise<void> {
  persist();
  clear(resultsEl);
  resultsEl.hidden = !query.trim();
  if (!query.trim()) return;
  const { matches, total } = await request(IpcRequest.DumpSearch, { query, limit: 200 });
  if (query !== searchInput.value) return;
  resultsEl.appendChild(
    h(
      'div',
      { class: 'results-heading' },
      total === 0
        ? 'No matches'
        : `${formatNumber(total)} match${total === 1 ? '' : 'es'}${total > matches.length ? `, first ${matches.length} shown` : ''}`,
    ),
  );
  for (const m of matches) {
    const el = h(
      'div',
      { role: 'option', class: 'result', tabindex: 0, 'aria-selected': 'false' },
      h('span', { class: 'result-path' }, m.path.join(' › ')),
      h('span', { class: 'result-preview' }, m.preview),
    );
    el.addEventListener('click', () => void reveal(m.path));
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void reveal(m.path);
    });
    resultsEl.appendChild(el);
  }
}

/** The tree's one Tab stop follows the focus. */
tree.addEventListener('focusin', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('[role=treeitem]');
  if (!row) return;
  for (const el of tree.querySelectorAll<HTMLElement>('[role=treeitem][tabindex="0"]'))
    if (el !== row) el.tabIndex = -1;
  row.tabIndex = 0;
});

tree.addEventListener('keydown', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('[role=treeitem]');
  if (!row) return;
  const path = JSON.parse(row.dataset['path']!) as DumpPath;
  const visible = [...tree.querySelectorAll<HTMLElement>('[role=treeitem]')].filter((r) => r.offsetParent !== null);
  const at = visible.indexOf(row);
  const focus = (el: HTMLElement | undefined) => {
    el?.focus({ preventScroll: true });
    el?.querySelector(':scope > .line')?.scrollIntoView({ block: 'nearest' });
  };
  // A page: as many rows as fit in the view.
  const page = Math.max(
    1,
    Math.floor(treeWrap.clientHeight / Math.max(1, row.querySelector(':scope > .line')!.clientHeight)) - 1,
  );
  switch (e.key) {
    case 'Home':
      focus(visible[0]);
      treeWrap.scrollTop = 0;
      break;
    case 'End':
      focus(visible[visible.length - 1]);
      treeWrap.scrollTop = treeWrap.scrollHeight;
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
      if (row.getAttribute('aria-expanded') === 'false') void toggle(path);
      else focus(row.querySelector<HTMLElement>('[role=treeitem]') ?? undefined);
      break;
    case 'ArrowLeft':
      if (row.getAttribute('aria-expanded') === 'true') void toggle(path);
      else focus(row.parentElement?.closest<HTMLElement>('[role=treeitem]') ?? undefined);
      break;
    case 'Enter':
    case ' ':
      void toggle(path);
      break;
    default:
      return;
  }
  e.preventDefault();
});

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    searchInput.focus();
    searchInput.select();
    return;
  }
  // Outside the tree and the inputs (the page itself has the focus): the keys scroll the tree, as in an editor.
  const target = e.target as Element;
  if (tree.contains(target) || target.closest('input, select, textarea, button, [role=option]')) return;
  const scroll: Record<string, () => number> = {
    Home: () => 0,
    End: () => treeWrap.scrollHeight,
    PageDown: () => treeWrap.scrollTop + treeWrap.clientHeight * 0.9,
    PageUp: () => treeWrap.scrollTop - treeWrap.clientHeight * 0.9,
  };
  const to = scroll[e.key];
  if (!to) return;
  e.preventDefault();
  treeWrap.scrollTop = to();
});

async function load(): Promise<void> {
  items.clear();
  clear(tree);
  const info = await request(IpcRequest.DumpInfo, {});
  titleEl.textContent = info.title || 'State dump';
  titleEl.title = titleEl.textContent; // cut with an ellipsis in a narrow editor
  clear(infoEl);
  infoEl.append(
    `format ${info.formatVersion} · ${formatBytes(info.bytes)} `,
    info.redacted
      ? h(
          'span',
          { class: 'badge redacted', title: info.redactionSummary ?? 'Secrets were redacted' },
          icon('shield'),
          ' redacted',
        )
      : h(
          'span',
          { class: 'badge state-error not-redacted', title: 'Secrets were not redacted: for local use only' },
          icon('warning'),
          ' not redacted',
        ),
  );
  await loadChildren([]);
  const first = tree.querySelector<HTMLElement>('[role=treeitem]');
  if (first) first.tabIndex = 0;
  // Re-open what was open before a reload, shallowest first.
  const paths = [...expanded].map((k) => JSON.parse(k) as DumpPath).sort((a, b) => a.length - b.length);
  for (const p of paths) if (items.has(key(p))) await expand(p);
  if (searchInput.value) await search(searchInput.value);
}

searchInput.value = saved.query ?? '';
onNotification(IpcNotification.Init, () => void load());
onNotification(IpcNotification.DumpChanged, () => {
  expanded.clear();
  void load();
});
ready('state');
