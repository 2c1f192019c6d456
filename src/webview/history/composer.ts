// The composer under the conversation: type a message and send it (Enter; Shift+Enter for a new line), watch the
// reply stream in, stop it. Provider and model show the session's; choosing others switches the session when the
// message is sent (the core then says what the new provider cannot read). When the offline Replay provider will
// answer instead (no API key), it says so before anything is sent. Turns run in the host: this only asks, and
// shows what the host reports (one notice at a time: the newest replaces the last). Unsent text and choices
// survive reloads of the webview.
// Just over 450 lines: the model-parameter controls joined the composer; they share its session and notices.
import type { Session } from '../../core/model';
import { KEYED_PROVIDERS } from '../../core/names';
import { ComposerInfo, IpcRequest, ParamsOf, IpcNotification, NoticeLink, ProviderChoice } from '../../protocol';
import { clear, commandLink, h, icon } from '../shared/dom';
import { request } from '../shared/ipc';
import { ComposerParams } from './composerParams';
import type { StreamedReply } from './conversationView';

export interface ComposerEvents {
  /** A message went out from here: the conversation follows it to the end. */
  sent(sessionId: string): void;
  /** More reply text arrived for a session. */
  streamed(sessionId: string): void;
  /** A session's turn ended: its conversation repaints from the database. */
  ended(sessionId: string): void;
  stateChanged(): void;
}

/** Kept per session across reloads: unsent text, and a provider/model chosen but not sent with yet. */
export interface Draft {
  text?: string;
  provider?: string;
  model?: string;
}

interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  link?: NoticeLink;
}

const NOTICE_ICONS: Record<Notice['level'], string> = { info: 'info', warning: 'warning', error: 'error' };
/** The textarea grows with its text up to this height (px), then scrolls. */
const INPUT_MAX_HEIGHT = 200;

export class Composer {
  readonly element: HTMLElement;
  private info: ComposerInfo | undefined;
  private session: Session | undefined;
  private drafts: Record<string, Draft> = {};
  /** Reply text streamed so far, for each session with a turn running. */
  private readonly live = new Map<string, string>();
  /** A turn's text from its end until the conversation has the stored reply: painting meanwhile must not show an older save. */
  private readonly settling = new Map<string, Required<StreamedReply>>();
  /** The newest notice of each session (a new one replaces it: an old "no key" must not sit above a new error). */
  private readonly notices = new Map<string, Notice>();
  /** What was last sent in each session: given back if the turn failed before the message was stored. */
  private readonly lastSent = new Map<string, string>();
  private sending = false;
  private readonly input: HTMLTextAreaElement;
  private readonly provider: HTMLSelectElement;
  private readonly model: HTMLInputElement;
  private readonly models: HTMLDataListElement;
  private readonly switchNote: HTMLElement;
  private readonly state: HTMLElement;
  private readonly action: HTMLButtonElement;
  private readonly noticeList: HTMLElement;
  /** Says who answers when it is not the provider shown: the offline Replay provider. */
  private readonly answerer: HTMLElement;
  private readonly box: HTMLElement;
  private readonly off: HTMLElement;
  private readonly params = new ComposerParams({
    changed: (session) => this.show(session),
    failed: (message) => this.session && this.setNotice(this.session.id, { level: 'error', message }),
  });

  constructor(private readonly events: ComposerEvents) {
    this.input = h('textarea', {
      class: 'composer-input',
      rows: 1,
      'aria-label': 'Message',
      spellcheck: 'true',
      placeholder: 'Send a message (Enter to send, Shift+Enter for a new line, Escape stops a reply)',
    });
    this.input.addEventListener('input', () => {
      this.draft().text = this.input.value;
      this.fit();
      this.renderAction();
      this.events.stateChanged();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.running) {
        e.preventDefault();
        void this.stop();
        return;
      }
      if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.isComposing) return;
      e.preventDefault();
      void this.send();
    });
    this.provider = h('select', {
      class: 'composer-provider',
      'aria-label': 'Provider',
      title: 'Provider (a change applies when you send)',
    });
    this.provider.addEventListener('change', () => this.choose(this.provider.value));
    this.models = h('datalist', { id: 'lss-composer-models' });
    this.model = h('input', {
      type: 'text',
      class: 'composer-model',
      'aria-label': 'Model',
      title: 'Model (a change applies when you send)',
      list: 'lss-composer-models',
      spellcheck: 'false',
      autocomplete: 'off',
    });
    this.model.addEventListener('change', () => this.chooseModel(this.model.value.trim()));
    this.switchNote = h('span', { class: 'composer-switch', hidden: true });
    this.state = h('span', { class: 'composer-state', role: 'status' });
    this.action = h('button', { type: 'button', class: 'icon-button composer-action' });
    this.action.addEventListener('click', () => void (this.running ? this.stop() : this.send()));
    this.noticeList = h('div', { class: 'composer-notices', 'aria-live': 'polite' });
    this.answerer = h('div', { class: 'composer-answerer', role: 'note', hidden: true });
    this.box = h(
      'div',
      { class: 'composer-box' },
      this.input,
      h(
        'div',
        { class: 'composer-toolbar' },
        this.provider,
        this.model,
        this.models,
        this.params.toggle,
        this.switchNote,
        h('span', { class: 'spacer' }),
        this.state,
        this.action,
      ),
      this.params.panel,
    );
    this.off = h('div', { class: 'composer-off', hidden: true });
    this.element = h(
      'section',
      { class: 'composer', 'aria-label': 'Send a message', hidden: true },
      this.noticeList,
      this.answerer,
      this.box,
      this.off,
    );
  }

  /** What the host allows (from Init); replies already streaming carry on. */
  configure(info: ComposerInfo | undefined, drafts: Record<string, Draft> = {}): void {
    this.info = info;
    this.drafts = structuredClone(drafts);
    this.live.clear();
    if (info && 'streaming' in info) for (const s of info.streaming) this.live.set(s.sessionId, s.text);
    this.show(this.session);
  }

  /** What the host can send with changed (a key was set or cleared): who answers is shown anew. */
  updateProviders(providers: ProviderChoice[]): void {
    if (!this.info || !('providers' in this.info)) return;
    this.info = { ...this.info, providers };
    if (this.session && !this.element.hidden && !this.box.hidden) this.renderChoices();
  }

  /** The open session (again after each reload: its provider and model may have changed). */
  show(session: Session | undefined): void {
    const other = session?.id !== this.session?.id;
    this.session = session;
    if (session) {
      this.settling.delete(session.id); // fresh data: it holds the whole reply
      const draft = this.draft();
      if (draft.provider === session.provider) delete draft.provider;
      if (draft.model === session.model && !draft.provider) delete draft.model;
      if (other) {
        this.input.value = draft.text ?? '';
        this.fit();
      }
    }
    this.render();
  }

  /** Puts the keyboard in the message box, if there is one to write in. */
  focus(): void {
    if (!this.element.hidden && !this.box.hidden) this.input.focus();
  }

  /** Drafts worth keeping, for the webview's saved state. */
  saved(): Record<string, Draft> {
    return Object.fromEntries(Object.entries(this.drafts).filter(([, d]) => d.text || d.provider || d.model));
  }

  /** Text streamed so far into the session's reply (undefined: no turn running). */
  streamingText(sessionId: string): StreamedReply | undefined {
    const text = this.live.get(sessionId);
    return text === undefined ? this.settling.get(sessionId) : { text };
  }

  delta({ sessionId, offset, text }: ParamsOf<typeof IpcNotification.TurnDelta>): void {
    const have = this.live.get(sessionId) ?? (offset === 0 ? '' : undefined);
    if (have === undefined || have.length !== offset) return; // a gap: the database repaints it
    const first = !have;
    this.live.set(sessionId, have + text);
    this.events.streamed(sessionId);
    if (first && sessionId === this.session?.id) this.renderState();
  }

  notice({ sessionId, level, message, link }: ParamsOf<typeof IpcNotification.TurnNotice>): void {
    this.setNotice(sessionId, { level, message, ...(link ? { link } : {}) });
  }

  end({ sessionId, sent, state, error, link }: ParamsOf<typeof IpcNotification.TurnEnd>): void {
    const streamed = this.live.get(sessionId);
    if (streamed) this.settling.set(sessionId, { text: streamed, ended: state ?? 'partial' });
    this.live.delete(sessionId);
    if (error)
      this.setNotice(sessionId, {
        level: error.code === 'Cancelled' ? 'info' : 'error',
        message: error.message,
        ...(link ? { link } : {}),
      });
    const text = this.lastSent.get(sessionId);
    this.lastSent.delete(sessionId);
    // Nothing was stored: the message is given back to be sent again.
    if (!sent && text !== undefined && !this.drafts[sessionId]?.text) {
      this.draftOf(sessionId).text = text;
      if (sessionId === this.session?.id) {
        this.input.value = text;
        this.fit();
      }
    }
    this.events.ended(sessionId);
    if (sessionId === this.session?.id) this.render();
  }

  // ---- internals ---------------------------------------------------------------------------

  private get running(): boolean {
    return this.session !== undefined && this.live.has(this.session.id);
  }

  private draftOf(sessionId: string): Draft {
    return (this.drafts[sessionId] ??= {});
  }

  private draft(): Draft {
    return this.draftOf(this.session!.id);
  }

  private async send(): Promise<void> {
    const session = this.session;
    const content = this.input.value;
    if (!session || !content.trim() || this.sending) return;
    const { provider, model } = this.draft();
    this.sending = true;
    // A new turn: what was said about the last one is done with.
    this.notices.delete(session.id);
    this.render();
    try {
      // The host may ask how to continue (a recorded session) and answer with a fork, or with nothing (cancelled).
      const { sessionId: target } = await request(IpcRequest.Send, {
        sessionId: session.id,
        content,
        provider: provider || undefined,
        model: model || undefined,
      });
      if (target === undefined) return;
      if (!this.live.has(target)) this.live.set(target, '');
      this.lastSent.set(target, content);
      const draft = this.draftOf(session.id);
      delete draft.text;
      if (target !== session.id) {
        delete draft.provider;
        delete draft.model;
      }
      if (this.session?.id === session.id) {
        this.input.value = '';
        this.fit();
      }
      this.events.sent(target);
    } catch (e) {
      this.setNotice(session.id, { level: 'error', message: (e as Error).message });
    } finally {
      this.sending = false;
      this.render();
      this.events.stateChanged();
    }
  }

  private async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      await request(IpcRequest.Stop, { sessionId: session.id });
    } catch (e) {
      this.setNotice(session.id, { level: 'error', message: (e as Error).message });
    }
  }

  /** Another provider: its first suggested model goes with it (a model name rarely means anything to another provider). */
  private choose(provider: string): void {
    const s = this.session!;
    const draft = this.draft();
    if (provider === s.provider) {
      delete draft.provider;
      delete draft.model;
    } else {
      draft.provider = provider;
      draft.model = this.choice(provider)?.models[0] ?? s.model;
    }
    this.renderChoices();
    this.events.stateChanged();
  }

  private chooseModel(model: string): void {
    const s = this.session!;
    const draft = this.draft();
    if (!model || (model === s.model && !draft.provider)) delete draft.model;
    else draft.model = model;
    this.renderChoices();
    this.events.stateChanged();
  }

  private choice(provider: string): ProviderChoice | undefined {
    return this.info && 'providers' in this.info ? this.info.providers.find((p) => p.name === provider) : undefined;
  }

  private setNotice(sessionId: string, notice: Notice): void {
    this.notices.set(sessionId, notice);
    if (sessionId === this.session?.id) this.renderNotices();
  }

  private render(): void {
    const s = this.session;
    const info = this.info;
    this.element.hidden = !s || !info;
    if (!s || !info) return;
    const off = 'disabled' in info ? info.disabled : undefined;
    this.box.hidden = off !== undefined;
    this.off.hidden = off === undefined;
    if (off !== undefined) {
      this.off.replaceChildren(icon('circle-slash'), ' ', off);
      return;
    }
    this.renderChoices();
    this.params.show(s);
    this.renderNotices();
    this.renderState();
    this.fit();
  }

  private renderChoices(): void {
    const s = this.session!;
    const draft = this.draft();
    const provider = draft.provider ?? s.provider;
    const names = this.info && 'providers' in this.info ? this.info.providers.map((p) => p.name) : [];
    clear(this.provider);
    for (const name of names.includes(s.provider) ? names : [s.provider, ...names]) {
      this.provider.append(h('option', { value: name, selected: name === provider }, name));
    }
    this.provider.value = provider;
    const model = draft.model ?? s.model;
    const suggested = this.choice(provider)?.models ?? [];
    this.models.replaceChildren(
      ...[...new Set(provider === s.provider ? [s.model, ...suggested] : suggested)].map((m) =>
        h('option', { value: m }),
      ),
    );
    if (document.activeElement !== this.model) this.model.value = model;
    this.model.title = `${model} (a change applies when you send)`; // the box may cut a long name
    const switching = provider !== s.provider || model !== s.model;
    this.switchNote.hidden = !switching;
    this.switchNote.replaceChildren(icon('arrow-swap'), ' switches on send');
    this.switchNote.title = `Sending switches this session from ${s.provider} · ${s.model} to ${provider} · ${model}.`;
    this.renderAnswerer(provider, model, names.includes(provider));
  }

  /** Before anything is sent: when the offline Replay provider will answer instead of the provider shown, say so. */
  private renderAnswerer(provider: string, model: string, known: boolean): void {
    const offline = known ? this.choice(provider)?.offline : `LangSwarm Sessions cannot call "${provider}".`;
    this.answerer.hidden = offline === undefined;
    if (offline === undefined) return this.answerer.replaceChildren();
    const keyed = KEYED_PROVIDERS.find((p) => p === provider);
    this.answerer.replaceChildren(
      icon('debug-disconnect'),
      h(
        'span',
        { class: 'answerer-text' },
        h('strong', null, 'Replay (offline)'),
        provider === 'replay' ? ' answers. ' : ` answers, not ${provider} · ${model}. `,
        offline,
      ),
      ...(keyed
        ? [commandLink({ label: 'Set API Key…', command: 'langswarmSessions.setApiKey', args: { provider: keyed } })]
        : []),
    );
  }

  private renderNotices(): void {
    const sessionId = this.session!.id;
    const n = this.notices.get(sessionId);
    if (!n) return this.noticeList.replaceChildren();
    const close = h(
      'button',
      { type: 'button', class: 'icon-button', title: 'Dismiss', 'aria-label': 'Dismiss' },
      icon('close'),
    );
    close.addEventListener('click', () => {
      if (this.notices.get(sessionId) === n) this.notices.delete(sessionId);
      this.renderNotices();
      this.input.focus();
    });
    this.noticeList.replaceChildren(
      h(
        'div',
        { class: `composer-notice level-${n.level}`, role: n.level === 'error' ? 'alert' : undefined },
        icon(NOTICE_ICONS[n.level]),
        h('span', { class: 'notice-text' }, n.message, n.link && ' ', n.link && commandLink(n.link)),
        close,
      ),
    );
  }

  private renderState(): void {
    const running = this.running;
    const waiting = running && !this.live.get(this.session!.id);
    this.state.replaceChildren(
      ...(running || this.sending
        ? [
            icon('loading codicon-modifier-spin'),
            this.sending ? ' Sending…' : waiting ? ' Waiting for the reply…' : ' Streaming the reply…',
          ]
        : []),
    );
    this.renderAction();
  }

  private renderAction(): void {
    const running = this.running;
    const label = running ? 'Stop the reply' : 'Send (Enter)';
    this.action.replaceChildren(icon(running ? 'debug-stop' : 'send'));
    this.action.title = label;
    this.action.setAttribute('aria-label', label);
    this.action.classList.toggle('is-stop', running);
    this.action.disabled = !running && (this.sending || !this.input.value.trim());
  }

  /** Grows the textarea with its text (through CSSOM: the CSP allows no style attributes). Hidden, it has no height to take. */
  private fit(): void {
    // Measuring collapses the box for one forced layout; the box keeps its height meanwhile, or the conversation
    // above would grow for that instant and the browser would clamp its scroll short of the end.
    this.box.style.minHeight = `${this.box.offsetHeight}px`;
    this.input.style.height = 'auto';
    const height = this.input.scrollHeight;
    this.input.style.height = height ? `${Math.min(height, INPUT_MAX_HEIGHT)}px` : '';
    this.box.style.minHeight = '';
  }
}
