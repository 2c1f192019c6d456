// The history browser webview: a session list with search and filters beside the open conversation.
// It only talks to the host through src/protocol.ts; its own state survives reloads via get/setState.
import './history.css';
import { IpcNotification, ParamsOf } from '../../protocol';
import { h } from '../shared/dom';
import { loadState, onNotification, ready, saveState } from '../shared/ipc';
import { Composer, Draft } from './composer';
import { ConversationView, Position } from './conversationView';
import { setPlainText } from './message';
import { Sidebar, SidebarState } from './sidebar';

interface SavedState extends SidebarState {
  sessionId?: string;
  position?: Position;
  find?: string;
  drafts?: Record<string, Draft>;
}

const saved = loadState<SavedState>();
let restored = false;

const sidebar = new Sidebar({
  open: (sessionId, seq) => void open(sessionId, seq),
  rolesChanged: (hidden) => conversation.setHiddenRoles(hidden),
  stateChanged: () => persist(),
});
const conversation = new ConversationView({
  stateChanged: () => persist(true),
  forked: () => void sidebar.reload(),
  open: (sessionId, seq) => void open(sessionId, seq),
  shown: (session) => composer.show(session),
  streamingText: (sessionId) => composer.streamingText(sessionId),
});
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

document.getElementById('app')!.replaceChildren(h('div', { class: 'history' }, sidebar.element, conversation.element));

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
});
onNotification(IpcNotification.TurnDelta, (p) => composer.delta(p));
onNotification(IpcNotification.TurnNotice, (p) => composer.notice(p));
onNotification(IpcNotification.TurnEnd, (p) => composer.end(p));
onNotification(IpcNotification.ComposerChanged, ({ providers }) => composer.updateProviders(providers));

document.addEventListener('keydown', (e) => {
  const typing =
    e.target instanceof HTMLInputElement ||
    e.target instanceof HTMLSelectElement ||
    e.target instanceof HTMLTextAreaElement;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    conversation.openFind();
    return;
  }
  if (typing || !conversation.replay.active) return;
  if (e.key === 'ArrowRight') conversation.replay.go(conversation.replay.pos + 1);
  else if (e.key === 'ArrowLeft') conversation.replay.go(conversation.replay.pos - 1);
  else if (e.key === ' ' && !(e.target instanceof HTMLButtonElement)) conversation.replay.togglePlay();
  else if (e.key === 'Escape') conversation.stopReplay();
  else return;
  e.preventDefault();
});

ready('history');
