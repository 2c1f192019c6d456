// The state view: a dump document as a lazily expanded tree (the host sends one level and one page at a time),
// with search over keys and values that opens the tree down to each match. Keyboard as VS Code's trees: one Tab
// stop (roving tabindex), arrows, Home/End; Ctrl+F goes to the search box.
import './state.css';
import { DumpPath, IpcCommand, IpcNotification, IpcRequest } from '../../protocol';
import { clear, formatBytes, formatNumber, h, icon } from '../shared/dom';
import { command, loadState, onNotification, ready, request, saveState } from '../shared/ipc';
import { JsonTree, TreeSource } from '../shared/jsonTree';

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
/** The dump lives in the host: the tree asks it for each level and page. */
const fromHost: TreeSource = {
  children: (path, offset, limit) => request(IpcRequest.DumpChildren, { path, offset, limit }),
  value: async (path) => (await request(IpcRequest.DumpValue, { path })).text,
};
const treeWrap = h('div', { class: 'tree-wrap' });
const tree = new JsonTree(fromHost, { label: 'State dump', scroller: () => treeWrap, changed: () => persist() });
treeWrap.appendChild(tree.element);
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

/** What was open before a reload (reopened once the tree is back). */
let reopen: DumpPath[] = saved.expanded?.map((k) => JSON.parse(k) as DumpPath) ?? [];

function persist(): void {
  saveState<SavedState>({ query: searchInput.value, expanded: tree.expandedPaths.map((p) => JSON.stringify(p)) });
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
    el.addEventListener('click', () => void tree.reveal(m.path));
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void tree.reveal(m.path);
    });
    resultsEl.appendChild(el);
  }
}

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    searchInput.focus();
    searchInput.select();
    return;
  }
  // Outside the tree and the inputs (the page itself has the focus): the keys scroll the tree, as in an editor.
  const target = e.target as Element;
  if (tree.element.contains(target) || target.closest('input, select, textarea, button, [role=option]')) return;
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
  await tree.load(fromHost, reopen);
  reopen = [];
  if (searchInput.value) await search(searchInput.value);
}

searchInput.value = saved.query ?? '';
onNotification(IpcNotification.Init, () => void load());
onNotification(IpcNotification.DumpChanged, () => {
  reopen = [];
  void load();
});
ready('state');
