// The history browser's host side, free of `vscode`: answers the webview's requests from the session core
// and forwards the core's change events as notifications. historyPanel.ts is the thin VS Code glue around it.
import { isStreaming } from '../../core/conversation';
import type { PriceOverrides } from '../../core/cost';
import { CoreError, describeError } from '../../core/errors';
import type { Message, ModelParameters, ReasoningEffort } from '../../core/model';
import type { SessionApi, SessionEvent } from '../../core/sessions';
import {
  ComposerInfo,
  HostToWebview,
  IpcCommand,
  IpcNotification,
  IpcRequest,
  isSafeLink,
  MESSAGE_PAGE,
  NoticeLink,
  OutlineColumns,
  PAGE_LEAD,
  ResultOf,
  RevealTarget,
  WebMessage,
} from '../../protocol';
import { IpcHost } from './ipcHost';
import { serveTraces, TraceRequestOptions } from './tracesHost';
import { ConversationAccess, Turns } from './turns';

export interface HistoryHostOptions extends Omit<TraceRequestOptions, 'copyText'> {
  /** Opens an http(s) link outside the editor (the scheme is already checked). */
  openLink?(url: string): void;
  copyText?(text: string): void;
  /** Opens the state view on a dump of the session. */
  showDump?(sessionId: string): void;
  /** Runs a notice's command link (the protocol allows only NOTICE_COMMANDS, with their arguments). */
  runCommand?(link: NoticeLink): void;
  /** Opens "Set Model Parameters…" for a session. */
  editParameters?(sessionId: string): void;
  onError?(message: string): void;
  /** Content as plain text, no markdown (the extension sets it in an untrusted workspace). The composer is off then. */
  plainText?: boolean;
  /** Sending from the composer; without it the composer is hidden. */
  conversations?: ConversationAccess;
  /** How long reply deltas are gathered before they are posted (ms). */
  deltaMs?: number;
  /** How long change events are gathered before the webview hears of them (ms). */
  coalesceMs?: number;
  /** The langswarmSessions.prices setting's overrides, read when a chart is asked for. */
  priceOverrides?(): PriceOverrides;
}

/** Find in session stops counting here: more matches than anyone steps through. */
const FIND_MAX = 10_000;
/** How far (in messages) a tool call's result is looked for. */
const LOCATE_SPAN = 5_000;

export class HistoryHost {
  readonly ipc: IpcHost;
  private pendingReveal: RevealTarget | undefined;
  private readonly unsubscribe: () => void;
  private changed = { sessions: false, messages: new Set<string | undefined>(), traces: new Set<string | undefined>() };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly turns: Turns | undefined;
  private readonly unsubscribeAccess: (() => void) | undefined;

  constructor(
    private readonly manager: SessionApi,
    post: (message: HostToWebview) => unknown,
    private readonly options: HistoryHostOptions = {},
  ) {
    this.ipc = new IpcHost(
      'history',
      post,
      async () => {
        const reveal = this.pendingReveal;
        this.pendingReveal = undefined;
        const composer = await this.composer();
        this.ipc.notify(IpcNotification.Init, {
          view: 'history',
          ...(reveal ? { reveal: await this.locate(reveal) } : {}),
          ...(options.plainText ? { plainText: true } : {}),
          ...(composer ? { composer } : {}),
        });
      },
      options.onError,
    );
    this.turns =
      options.conversations &&
      new Turns(manager, options.conversations, (type, params) => this.ipc.notify(type, params), options.deltaMs);
    const m = manager;
    this.ipc
      .onRequest(IpcRequest.ListSessions, (p) => m.list({ ...p, sortBy: 'lastActivityAt', descending: true }))
      .onRequest(IpcRequest.Facets, async () => ({
        providers: await m.providers(),
        tags: (await m.tags()).map((t) => t.tag),
      }))
      .onRequest(IpcRequest.OpenSession, ({ sessionId, aroundSeq }) => this.open(sessionId, aroundSeq))
      .onRequest(IpcRequest.Messages, async ({ sessionId, ...page }) => ({
        messages: this.forWebview(await m.messages(sessionId, page)),
      }))
      .onRequest(IpcRequest.Search, ({ query, ...options }) => m.search(query, { ...options, prefix: true }))
      .onRequest(IpcRequest.Find, ({ sessionId, query }) => this.find(sessionId, query))
      .onRequest(IpcRequest.Revisions, async ({ messageId }) => ({ revisions: await m.revisions(messageId) }))
      .onRequest(IpcRequest.Fork, async ({ sessionId, messageId, title }) => ({
        session: await m.fork(sessionId, messageId, { title: title || undefined }),
      }))
      .onRequest(IpcRequest.SessionChart, ({ sessionId }) => m.turnSeries(sessionId, options.priceOverrides?.()))
      .onRequest(IpcRequest.LocateTool, (p) => this.locateTool(p.sessionId, p.callId, p.seq, p.find))
      .onRequest(IpcRequest.Send, async (p) => {
        // Continued in a fork: the answer names it, and the browser goes there.
        const sessionId = await this.sender().start(p);
        return sessionId ? { sessionId } : {};
      })
      .onRequest(IpcRequest.Stop, ({ sessionId }) => ({ stopped: this.sender().stop(sessionId) }))
      .onRequest(IpcRequest.SetParameters, async ({ sessionId, ...inline }) => {
        this.sender(); // the composer's rule: no changes in plain-text or read-only mode
        const session = await m.get(sessionId);
        if (session.parametersProblem)
          throw new CoreError('InvalidInput', `Session "${session.title}": ${session.parametersProblem}`);
        return { session: await m.setParameters(sessionId, withInline(session.parameters ?? {}, inline)) };
      })
      .onCommand(IpcCommand.EditParameters, async ({ sessionId }) =>
        options.editParameters?.((await m.get(sessionId)).id),
      )
      .onCommand(IpcCommand.OpenLink, ({ url }) => {
        if (!isSafeLink(url))
          throw new CoreError('InvalidInput', `Refused to open a link that is not http(s): ${url.slice(0, 100)}`);
        options.openLink?.(url);
      })
      .onCommand(IpcCommand.CopyText, ({ text }) => options.copyText?.(text))
      .onCommand(IpcCommand.RunCommand, (link) => options.runCommand?.(link))
      .onCommand(IpcCommand.DumpSession, async ({ sessionId }) => options.showDump?.((await m.get(sessionId)).id));
    serveTraces(this.ipc, manager, { copyText: (text) => options.copyText?.(text), prices: options.prices });
    this.unsubscribe = manager.onDidChange((e) => this.onChange(e));
    this.unsubscribeAccess = options.conversations?.onDidChange?.(() => void this.composerChanged());
  }

  receive(message: unknown): Promise<void> {
    return this.ipc.receive(message);
  }

  /** Shows a session (and scrolls to a message): now if the webview is up, else as soon as it is ready. */
  reveal(target: RevealTarget): void {
    if (!this.ipc.isReady) {
      this.pendingReveal = target;
      return;
    }
    this.locate(target).then(
      (at) => this.ipc.notify(IpcNotification.Reveal, at),
      (e: unknown) => this.options.onError?.(`could not reveal ${target.sessionId}: ${describeError(e)}`),
    );
  }

  private forWebview(messages: Message[]): WebMessage[] {
    return messages.map((x) => toWebMessage(x, isStreaming(this.manager, x.id)));
  }

  /** The webview navigates by seq; a message that is gone just opens its session. */
  private async locate({
    sessionId,
    messageId,
    focusComposer,
  }: RevealTarget): Promise<{ sessionId: string; seq?: number; focusComposer?: boolean }> {
    const message = messageId === undefined ? undefined : await this.manager.findMessage(messageId);
    return {
      sessionId,
      ...(message?.sessionId === sessionId ? { seq: message.seq } : {}),
      ...(focusComposer ? { focusComposer } : {}),
    };
  }

  detach(): void {
    this.ipc.detach();
  }

  dispose(): void {
    this.unsubscribe();
    this.unsubscribeAccess?.();
    clearTimeout(this.timer);
    this.turns?.dispose();
  }

  /** What the composer may do: nothing (hidden) without a way to send; off, with the reason, in plain-text or read-only mode. */
  private async composer(): Promise<ComposerInfo | undefined> {
    if (!this.turns) return undefined;
    const off = this.offReason();
    return off ? { disabled: off } : { providers: await this.turns.choices(), streaming: this.turns.streaming() };
  }

  /** A key was set or cleared: the composer shows who answers now, without a reload. */
  private async composerChanged(): Promise<void> {
    if (!this.turns || this.offReason()) return;
    try {
      this.ipc.notify(IpcNotification.ComposerChanged, { providers: await this.turns.choices() });
    } catch (e) {
      this.options.onError?.(`could not update the composer: ${describeError(e)}`);
    }
  }

  private offReason(): string | undefined {
    if (this.options.plainText)
      return 'Sending is off: this workspace is not trusted, so content is shown as plain text.';
    if (this.manager.readOnly) return 'Sending is off: the session database is read-only here.';
    return undefined;
  }

  private sender(): Turns {
    if (!this.turns) throw new CoreError('InvalidInput', 'Sending messages is not available in this view.');
    const off = this.offReason();
    if (off) throw new CoreError('InvalidInput', off);
    return this.turns;
  }

  /** The session, its outline, and the page the view shows first: opening takes one round trip. */
  private async open(
    sessionId: string,
    aroundSeq: number | undefined,
  ): Promise<ResultOf<typeof IpcRequest.OpenSession>> {
    const session = await this.manager.get(sessionId);
    const rows = await this.manager.outline(sessionId);
    const outline: OutlineColumns = {
      seqs: rows.map((o) => o.seq),
      roles: rows.map((o) => o.role),
      times: rows.map((o) => Date.parse(o.createdAt)),
    };
    const at =
      aroundSeq === undefined
        ? 0
        : Math.max(
            0,
            outline.seqs.findIndex((seq) => seq >= aroundSeq),
          );
    const first = outline.seqs[Math.max(0, at - PAGE_LEAD)];
    const messages =
      first === undefined
        ? []
        : this.forWebview(await this.manager.messages(sessionId, { afterSeq: first - 1, limit: MESSAGE_PAGE }));
    return { session, outline, messages };
  }

  private async find(sessionId: string, query: string): Promise<{ seqs: number[]; total: number }> {
    const seqs: number[] = [];
    let total = 0;
    for (let offset = 0; offset < FIND_MAX; offset += 1000) {
      const page = await this.manager.search(query, { sessionId, prefix: true, limit: 1000, offset });
      total = page.total;
      seqs.push(...page.hits.map((h) => h.seq));
      if (page.hits.length < 1000) break;
    }
    return { seqs: seqs.sort((a, b) => a - b), total };
  }

  /** The message holding the result of a call (looking forward from `seq`) or the call of a result (backward). */
  private async locateTool(
    sessionId: string,
    callId: string,
    seq: number,
    find: 'result' | 'call',
  ): Promise<{ seq: number; messageId: string } | null> {
    const wanted = find === 'result' ? 'tool_result' : 'tool_call';
    let cursor = seq;
    for (let seen = 0; seen < LOCATE_SPAN; ) {
      const page = await this.manager.messages(
        sessionId,
        find === 'result' ? { afterSeq: cursor, limit: 200 } : { beforeSeq: cursor, limit: 200 },
      );
      const ordered = find === 'result' ? page : [...page].reverse();
      const hit = ordered.find((msg) => msg.parts.some((p) => p.type === wanted && p.callId === callId));
      if (hit) return { seq: hit.seq, messageId: hit.id };
      if (page.length < 200) return null;
      seen += page.length;
      cursor = ordered[ordered.length - 1]!.seq;
    }
    return null;
  }

  private onChange(e: SessionEvent): void {
    if (e.type === 'reset') {
      this.changed.sessions = true;
      this.changed.messages.add(undefined);
      this.changed.traces.add(undefined);
    } else if (e.type === 'traceRecorded' || e.type === 'tracesPruned') {
      this.changed.traces.add(e.type === 'traceRecorded' ? e.sessionId : undefined);
    } else {
      this.changed.sessions = true;
      // A changed session (its parameters, title, status) repaints like changed messages: its header and composer show it.
      if (e.type.startsWith('messages') || e.type === 'sessionDeleted' || e.type === 'sessionUpdated')
        this.changed.messages.add(e.sessionId);
    }
    this.timer ??= setTimeout(() => this.flushChanges(), this.options.coalesceMs ?? 100);
  }

  private flushChanges(): void {
    this.timer = undefined;
    const { sessions, messages, traces } = this.changed;
    this.changed = { sessions: false, messages: new Set(), traces: new Set() };
    if (sessions) this.ipc.notify(IpcNotification.SessionsChanged, {});
    if (messages.has(undefined)) this.ipc.notify(IpcNotification.MessagesChanged, {});
    else for (const sessionId of messages) this.ipc.notify(IpcNotification.MessagesChanged, { sessionId: sessionId! });
    if (traces.has(undefined)) this.ipc.notify(IpcNotification.TracesChanged, {});
    else for (const sessionId of traces) this.ipc.notify(IpcNotification.TracesChanged, { sessionId: sessionId! });
  }
}

/** The composer's inline changes on top of the session's parameters: null removes one, undefined keeps it. */
function withInline(
  p: ModelParameters,
  inline: { effort?: ReasoningEffort | null; temperature?: number | null; maxOutputTokens?: number | null },
): ModelParameters {
  const next = { ...p };
  if (inline.effort === null) delete next.reasoning;
  else if (inline.effort) next.reasoning = { ...next.reasoning, effort: inline.effort };
  for (const key of ['temperature', 'maxOutputTokens'] as const) {
    const value = inline[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}

/** The provider's native JSON stays in the host: the webview only learns which providers have one. */
export function toWebMessage(m: Message, streaming = false): WebMessage {
  const { native, ...rest } = m;
  return {
    ...rest,
    ...(native ? { nativeProviders: Object.keys(native) } : {}),
    ...(streaming ? { streaming: true } : {}),
  };
}
