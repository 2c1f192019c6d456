// The history browser's composer, host side and free of `vscode`: one conversation turn (core `send()`) per
// session at a time, stoppable, its reply text and warnings forwarded to the webview as they come. The reply
// is stored as it streams (by `send()`), so the change notifications repaint the conversation too; the deltas
// only paint ahead of the database's 250 ms saves.
import { checkTurn, send } from '../../core/conversation';
import { CoreError, describeError } from '../../core/errors';
import type { Session } from '../../core/model';
import { KEYED_PROVIDERS } from '../../core/names';
import type { Provider, StreamEvent } from '../../core/providers';
import type { SessionApi } from '../../core/sessions';
import { IpcError, IpcNotification, NoticeLink, NotificationType, ParamsOf, ProviderChoice } from '../../protocol';

/** What the host needs from the extension to send: providers with their keys, the choices to offer, the user's say. */
export interface ConversationAccess {
  /** The provider to answer with (or the offline Replay provider, with a note saying why); throws when sending is not allowed. */
  provider(name: string, manager: SessionApi, recordedFrom?: string): Promise<{ provider: Provider; note?: string }>;
  /** Provider names with suggested models, and which of them the offline Replay provider stands in for. */
  choices(): ProviderChoice[] | Promise<ProviderChoice[]>;
  /** Asks how to continue a session that is a record (isRecord): in a fork, here, or not at all (undefined). */
  continueHow(session: Session): Promise<'fork' | 'here' | undefined>;
  /** Calls `listener` when what choices() answers may have changed (a key was set or cleared); returns the unsubscribe. */
  onDidChange?(listener: () => void): () => void;
}

/**
 * A session that is a record of what happened: imported (from LangSwarm or elsewhere), completed or archived.
 * Continuing one asks first; a fork of it is the user's own and does not.
 */
export function isRecord(session: Session): boolean {
  return session.origin !== undefined || session.status === 'completed' || session.status === 'archived';
}

/** Where a message to a session goes, and whether sending may make that session active. */
export interface Continuation {
  sessionId: string;
  resume: boolean;
  /** Set when the user chose to continue in a fork: the fork was made from this session. */
  forkedFrom?: Session;
}

/**
 * Where the user's next message to `sessionId` goes: a record (isRecord) asks — a fork keeps it as it was, "here"
 * continues it (and may make it active); any other session continues here. Undefined: the user cancelled.
 */
export async function continuation(
  manager: SessionApi,
  access: Pick<ConversationAccess, 'continueHow'>,
  sessionId: string,
): Promise<Continuation | undefined> {
  const session = await manager.get(sessionId);
  if (!isRecord(session)) return { sessionId, resume: true };
  const how = await access.continueHow(session);
  if (how === undefined) return undefined;
  if (how === 'here') return { sessionId, resume: true };
  const [last] = await manager.messages(sessionId, { beforeSeq: Number.MAX_SAFE_INTEGER, limit: 1 });
  if (!last)
    throw new CoreError(
      'InvalidInput',
      `Session "${session.title}" has no messages to fork; continue it here instead.`,
      {
        sessionId,
      },
    );
  const fork = await manager.fork(sessionId, last.id);
  return { sessionId: fork.id, resume: false, forkedFrom: session };
}

/** The "Set API Key…" link for a provider that has keys. */
export function setKeyLink(provider: string): NoticeLink | undefined {
  const keyed = KEYED_PROVIDERS.find((p) => p === provider);
  return keyed && { label: 'Set API Key…', command: 'langswarmSessions.setApiKey', args: { provider: keyed } };
}

/** The provider to send with: the session's unless another is named; Replay answers from the session this one was forked from. */
export async function providerForTurn(
  manager: SessionApi,
  access: ConversationAccess,
  sessionId: string,
  providerName?: string,
): Promise<{ provider: Provider; note?: string }> {
  const session = await manager.get(sessionId);
  return access.provider(providerName ?? session.provider, manager, session.parent?.sessionId);
}

export interface TurnRequest {
  sessionId: string;
  content: string;
  provider?: string;
  model?: string;
}

type Notify = <P>(type: NotificationType<P>, params: P) => void;

interface Running {
  abort: AbortController;
  /** Text already sent to the webview, and text waiting for the next flush. */
  sent: string;
  pending: string;
  timer?: ReturnType<typeof setTimeout>;
}

export class Turns {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly manager: SessionApi,
    private readonly access: ConversationAccess,
    private readonly notify: Notify,
    /** Deltas are gathered this long (ms) before they are posted. */
    private readonly deltaMs = 40,
  ) {}

  choices(): ProviderChoice[] | Promise<ProviderChoice[]> {
    return this.access.choices();
  }

  /** The replies streaming now, with the text the webview was sent so far. */
  streaming(): Array<{ sessionId: string; text: string }> {
    return [...this.running].map(([sessionId, turn]) => ({ sessionId, text: turn.sent }));
  }

  /**
   * Starts a turn; resolves, once it runs, to the session it runs in (a fork, when the user chose one), or to
   * undefined when the user cancelled. Refused (with a sentence) while one runs in the session, or when the
   * turn cannot go ahead (checkTurn): then nothing was stored, and a fork made for it is gone again.
   */
  async start({ sessionId, content, provider: providerName, model }: TurnRequest): Promise<string | undefined> {
    if (this.running.has(sessionId)) {
      throw new CoreError(
        'InvalidInput',
        'A reply is still streaming in this session: stop it, or wait for it to finish, before sending again.',
        { sessionId },
      );
    }
    if (!content.trim()) throw new CoreError('InvalidInput', 'The message is empty.', { sessionId });
    const turn: Running = { abort: new AbortController(), sent: '', pending: '' };
    this.running.set(sessionId, turn); // held while the user is asked, so a second Send is refused
    let target: Continuation | undefined;
    try {
      target = await continuation(this.manager, this.access, sessionId);
      this.running.delete(sessionId);
      if (!target) return undefined;
      this.running.set(target.sessionId, turn);
      const at = target.sessionId;
      let provider: Provider;
      try {
        ({ provider } = await providerForTurn(this.manager, this.access, at, providerName));
        const session = await checkTurn(this.manager, at, content, { provider, resume: target.resume });
        if (session.status !== 'active') {
          this.notify(IpcNotification.TurnNotice, {
            sessionId: at,
            level: 'info',
            message: `Sending makes "${session.title}" active again (it was ${session.status}).`,
          });
        }
      } catch (e) {
        if (target.forkedFrom) await Promise.resolve(this.manager.delete(at)).catch(() => undefined);
        throw e;
      }
      const before = (await this.lastMessage(at))?.seq ?? 0;
      const resume = target.resume;
      // Run in a later task, after the Send response is posted: the webview must hear that the turn started
      // before it hears of its end (a message refused by the store ends it at once).
      setImmediate(
        () =>
          void this.run(at, turn, before, provider.name, () =>
            send(this.manager, at, content, {
              provider,
              resume,
              signal: turn.abort.signal,
              onEvent: (e) => this.onEvent(at, turn, e),
              model: model?.trim() || undefined,
            }),
          ),
      );
      return at;
    } catch (e) {
      this.running.delete(sessionId);
      if (target) this.running.delete(target.sessionId);
      throw e;
    }
  }

  /** Stops the session's turn; what arrived stays, marked partial. */
  stop(sessionId: string): boolean {
    const turn = this.running.get(sessionId);
    turn?.abort.abort();
    return turn !== undefined;
  }

  /** Stops every turn (the panel closed: nobody could stop them later). */
  dispose(): void {
    for (const turn of this.running.values()) turn.abort.abort();
  }

  private async run(
    sessionId: string,
    turn: Running,
    before: number,
    providerName: string,
    sending: () => ReturnType<typeof send>,
  ): Promise<void> {
    let end: ParamsOf<typeof IpcNotification.TurnEnd>;
    try {
      const { reply } = await sending();
      end = { sessionId, sent: true, replyId: reply.id, state: reply.state };
    } catch (e) {
      const error: IpcError =
        e instanceof CoreError ? { code: e.code, message: e.message } : { code: 'Internal', message: describeError(e) };
      // send() keeps what arrived of a failed reply (marked) after the user's message; a failure before that stored neither.
      const last = await this.lastMessage(sessionId);
      const sent = last !== undefined && last.seq > before;
      const link = keyLinkFor(e, providerName, (await this.manager.find(sessionId))?.provider);
      end = {
        sessionId,
        sent,
        error,
        ...(sent && last.role === 'assistant' ? { replyId: last.id, state: last.state } : {}),
        ...(link ? { link } : {}),
      };
    }
    this.flush(sessionId, turn);
    clearTimeout(turn.timer);
    this.running.delete(sessionId);
    this.notify(IpcNotification.TurnEnd, end);
  }

  private onEvent(sessionId: string, turn: Running, e: StreamEvent): void {
    if (e.type === 'warning')
      this.notify(IpcNotification.TurnNotice, { sessionId, level: 'warning', message: e.message });
    if (e.type !== 'text_delta') return;
    turn.pending += e.text;
    turn.timer ??= setTimeout(() => {
      turn.timer = undefined;
      this.flush(sessionId, turn);
    }, this.deltaMs);
  }

  private flush(sessionId: string, turn: Running): void {
    if (!turn.pending) return;
    this.notify(IpcNotification.TurnDelta, { sessionId, offset: turn.sent.length, text: turn.pending });
    turn.sent += turn.pending;
    turn.pending = '';
  }

  private async lastMessage(sessionId: string) {
    try {
      return (await this.manager.messages(sessionId, { beforeSeq: Number.MAX_SAFE_INTEGER, limit: 1 }))[0];
    } catch {
      return undefined; // the session is gone
    }
  }
}

/** A failure a key would fix (a key rejected, Replay with nothing recorded) links to "Set API Key…". */
function keyLinkFor(e: unknown, providerName: string, sessionProvider: string | undefined): NoticeLink | undefined {
  if (!(e instanceof CoreError) || e.code !== 'ProviderError') return undefined;
  if (e.details['kind'] === 'auth') return setKeyLink(providerName);
  if (e.details['kind'] === 'nothing_recorded' && sessionProvider) return setKeyLink(sessionProvider);
  return undefined;
}
