// The history browser webview: a session list with search and filters beside the open conversation.
// It only talks to the host through src/protocol.ts; its own state survives reloads via get/setState.
// Below a width (a CSS container query on .history, history.css) the list folds into a drawer opened by a toggle.
import './history.css';
import { IpcNotification, ParamsOf } from '../../protocol';
import { h, icon } from '../shared/dom';
import { loadState, onNotification, ready, saveState } from '../shared/ipc';
import { SessionChart } from './chart';
import { Composer, Draft } from './composer';
import { Inspector } from './inspector';
import { ConversationView, Position } from './conversationView';
import { setPlainText } from './message';
import { Sidebar, SidebarState } from './sidebar';

interface SavedState extends SidebarState {
  sessionId?: string;
  position?: Position;
  find?: string;
  drafts?: Record<string, Draft>;
  /** The session list's drawer is open (it only is a drawer below the breakpoint). */
  listOpen?: boolean;
  /** The chart panel is open. */
  chartOpen?: boolean;
}

const saved = loadState<SavedState>();
let restored = false;

const sidebar = new Sidebar({
  open: (sessionId, seq) => {
    // In the drawer: choosing a session closes it and the keyboard follows to the conversation.
    const fromDrawer = isDrawer() && listOpen;
    if (fromDrawer) setListOpen(false);
    void open(sessionId, seq).then(() => fromDrawer && conversation.focusFeed());
  },
  rolesChanged: (hidden) => conversation.setHiddenRoles(hidden),
  stateChanged: () => persist(),
});
const listToggle = h(
  'button',
  { type: 'button', class: 'icon-button list-toggle', 'aria-controls': 'lss-sidebar', 'aria-expanded': 'false' },
  icon('list-flat'),
);
listToggle.addEventListener('click', () => {
  setListOpen(!listOpen);
  if (listOpen) sidebar.focus();
});
const conversation = new ConversationView(
  {
    stateChanged: () => persist(true),
    forked: () => void sidebar.reload(),
    open: (sessionId, seq) => void open(sessionId, seq),
    shown: (session) => {
      composer.show(session);
      chart.show(session?.id);
    },
    streamingText: (sessionId) => composer.streamingText(sessionId),
    inspect: (target) => void inspector.open(target),
    headerButtons: () => [chart.toggle],
  },
  listToggle,
);
const chart = new SessionChart(
  {
    reveal: (seq) => conversation.revealSeq(seq),
    toggled: () => persist(),
    say: (text) => conversation.say(text),
  },
  saved.chartOpen === true,
);
conversation.addPanel(chart.element);
const isOpen = (sessionId: string) => sessionId === conversation.sessionId;
const composer = new Composer({
  sent: (sessionId) => {
    if (isOpen(sessionId)) return conversation.followEnd();
    // Continued in a fork: the browser goes there, at its end, the keyboard still in the composer.
    void open(sessionId).then(() => {
      if (!isOpen(sessionId)) return;
      conversation.followEnd();
      composer.focus();
    });
  },
  streamed: (sessionId) => {
    if (isOpen(sessionId)) conversation.repaintStreaming();
  },
  // The final reply is in the database: repaint its row in its final state now, then reload rather than wait for
  // the coalesced change notification.
  ended: (sessionId) => {
    if (!isOpen(sessionId)) return;
    conversation.repaintStreaming(true);
    void conversation.reload();
  },
  stateChanged: () => persist(true),
});
conversation.element.append(composer.element);

const layout = h('div', { class: 'history' }, sidebar.element, conversation.element);
const inspector = new Inspector(layout);
document.getElementById('app')!.replaceChildren(layout, inspector.element);

let listOpen = false;
function setListOpen(open: boolean): void {
  listOpen = open;
  layout.classList.toggle('list-open', open);
  listToggle.setAttribute('aria-expanded', String(open));
  const label = open ? 'Hide the session list' : 'Show the session list';
  listToggle.setAttribute('aria-label', label);
  listToggle.title = label;
  persist();
}
setListOpen(saved.listOpen === true);
/** Whether the list is a drawer now: the toggle shows only then (history.css decides, by width). */
const isDrawer = () => getComputedStyle(listToggle).display !== 'none';
// A click in the conversation closes the drawer, as in VS Code's overlays.
conversation.element.addEventListener('pointerdown', (e) => {
  if (listOpen && isDrawer() && !listToggle.contains(e.target as Node)) setListOpen(false);
});

/** Saves the view's state: at once for a deliberate change, a moment later while scrolling. */
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function persist(soon = false): void {
  if (!restored) return;
  if (soon) {
    saveTimer ??= setTimeout(() => persist(), 250);
    return;
  }
  clearTimeout(saveTimer);
  saveTimer = undefined;
  const position = conversation.position();
  saveState<SavedState>({
    ...sidebar.state,
    sessionId: conversation.sessionId,
    position,
    find: conversation.findQuery || undefined,
    drafts: composer.saved(),
    listOpen,
    chartOpen: chart.isOpen,
  });
}
window.addEventListener('pagehide', () => persist());

async function open(sessionId: string, seq?: number, position?: Position): Promise<void> {
  sidebar.setActive(sessionId);
  try {
    await conversation.open(sessionId, seq !== undefined ? { seq } : position ? { position } : {});
    persist();
  } catch (e) {
    conversation.close();
    conversation.say(`Could not open the session: ${(e as Error).message}`);
  }
}

onNotification(IpcNotification.Init, async ({ reveal, plainText, composer: info }) => {
  setPlainText(plainText === true);
  composer.configure(info, saved.drafts);
  sidebar.restore(saved);
  conversation.setHiddenRoles(sidebar.hiddenRoles);
  await Promise.all([sidebar.reload(), sidebar.loadFacets()]);
  if (reveal) {
    await openTarget(reveal);
  } else if (saved.sessionId) {
    await open(saved.sessionId, undefined, saved.position);
    if (saved.find) await conversation.runFind(saved.find);
  }
  restored = true;
  persist();
});

/** Opens a session (unless open) and shows a message in it; the keyboard goes to the composer when asked. */
async function openTarget({ sessionId, seq, focusComposer }: ParamsOf<typeof IpcNotification.Reveal>): Promise<void> {
  if (conversation.sessionId !== sessionId) await open(sessionId, seq);
  else if (seq !== undefined) conversation.revealSeq(seq);
  if (focusComposer) composer.focus();
}

onNotification(IpcNotification.Reveal, (target) => void openTarget(target));
onNotification(IpcNotification.SessionsChanged, () => {
  void sidebar.reload();
  void sidebar.loadFacets();
});
onNotification(IpcNotification.MessagesChanged, ({ sessionId }) => {
  if (conversation.sessionId && (sessionId === undefined || sessionId === conversation.sessionId))
    void conversation.reload();
  // A streaming reply is saved every 250 ms and has no usage until it ends: the chart waits for its call's trace.
  if (sessionId === undefined || !composer.streamingText(sessionId)) chart.changed(sessionId);
});
onNotification(IpcNotification.TracesChanged, ({ sessionId }) => {
  void inspector.tracesChanged(sessionId);
  chart.changed(sessionId);
});
onNotification(IpcNotification.TurnDelta, (p) => composer.delta(p));
onNotification(IpcNotification.TurnNotice, (p) => composer.notice(p));
onNotification(IpcNotification.TurnEnd, (p) => composer.end(p));
onNotification(IpcNotification.ComposerChanged, ({ providers }) => composer.updateProviders(providers));

/** Controls that have their own meaning for Space and the arrows: the replay's shortcuts leave them alone. */
const CONTROLS =
  'button, input, select, textarea, summary, a, [role=link], [role=slider], [role=option], [contenteditable]';

document.addEventListener('keydown', (e) => {
  // The inspector is a dialog: its keys are its own.
  if (inspector.isOpen) return;
  const target = e.target instanceof Element ? e.target : null;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    conversation.openFind();
    return;
  }
  if (e.key === 'Escape' && listOpen && isDrawer() && sidebar.element.contains(target)) {
    e.preventDefault();
    setListOpen(false);
    listToggle.focus();
    return;
  }
  if (!conversation.replay.active || e.defaultPrevented) return;
  const typing = target?.closest('input, select, textarea, [contenteditable]');
  const control = target?.closest(CONTROLS);
  if (typing) return;
  if (e.key === 'ArrowRight') conversation.replay.go(conversation.replay.pos + 1);
  else if (e.key === 'ArrowLeft') conversation.replay.go(conversation.replay.pos - 1);
  else if (e.key === ' ' && !control) conversation.replay.togglePlay();
  else if (e.key === 'Escape') conversation.stopReplay();
  else return;
  e.preventDefault();
});

ready('history');
