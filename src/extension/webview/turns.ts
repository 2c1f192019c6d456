// The history browser's composer, host side and free of `vscode`: one conversation turn (core `send()`) per
// session at a time, stoppable, its reply text and warnings forwarded to the webview as they come. The reply
// is stored as it streams (by `send()`), so the change notifications repaint the conversation too; the deltas
// only paint ahead of the database's 250 ms saves.
import { send } from '../../core/conversation';
import { CoreError, describeError } from '../../core/errors';
import type { Provider, StreamEvent } from '../../core/providers';
import type { SessionApi } from '../../core/sessions';
import { IpcError, IpcNotification, NotificationType, ParamsOf, ProviderChoice } from '../../protocol';

/** What the host needs from the extension to send: providers with their keys, and the choices to offer. */
export interface ConversationAccess {
  /** The provider to answer with (or the offline Replay provider, with a note saying why); throws when sending is not allowed. */
  provider(name: string, manager: SessionApi, recordedFrom?: string): Promise<{ provider: Provider; note?: string }>;
  /** Provider names with suggested models. */
  choices(): ProviderChoice[];
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

  choices(): ProviderChoice[] {
    return this.access.choices();
  }

  /** The replies streaming now, with the text the webview was sent so far. */
  streaming(): Array<{ sessionId: string; text: string }> {
    return [...this.running].map(([sessionId, turn]) => ({ sessionId, text: turn.sent }));
  }

  /** Starts a turn; resolves once it runs. Refused (with a sentence) while one runs in the session. */
  async start({ sessionId, content, provider: providerName, model }: TurnRequest): Promise<void> {
    if (this.running.has(sessionId)) {
      throw new CoreError(
        'InvalidInput',
        'A reply is still streaming in this session: stop it, or wait for it to finish, before sending again.',
        { sessionId },
      );
    }
    if (!content.trim()) throw new CoreError('InvalidInput', 'The message is empty.', { sessionId });
    const turn: Running = { abort: new AbortController(), sent: '', pending: '' };
    this.running.set(sessionId, turn);
    try {
      const { provider, note } = await providerForTurn(this.manager, this.access, sessionId, providerName);
      if (note) this.notify(IpcNotification.TurnNotice, { sessionId, level: 'info', message: note });
      const before = (await this.lastMessage(sessionId))?.seq ?? 0;
      // Run in a later task, after the Send response is posted: the webview must hear that the turn started
      // before it hears of its end (a message refused by the store ends it at once).
      setImmediate(
        () =>
          void this.run(sessionId, turn, before, () =>
            send(this.manager, sessionId, content, {
              provider,
              signal: turn.abort.signal,
              onEvent: (e) => this.onEvent(sessionId, turn, e),
              model: model?.trim() || undefined,
            }),
          ),
      );
    } catch (e) {
      this.running.delete(sessionId);
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
    sending: () => ReturnType<typeof send>,
  ): Promise<void> {
    let end: ParamsOf<typeof IpcNotification.TurnEnd>;
    try {
      const { reply } = await sending();
      end = { sessionId, sent: true, replyId: reply.id, state: reply.state };
    } catch (e) {
      const error: IpcError =
        e instanceof CoreError ? { code: e.code, message: e.message } : { code: 'Internal', message: describeError(e) };
      // send() keeps a failed reply (marked) after the user's message; a failure before that stored neither.
      const last = await this.lastMessage(sessionId);
      const sent = last !== undefined && last.seq > before;
      end = {
        sessionId,
        sent,
        error,
        ...(sent && last.role === 'assistant' ? { replyId: last.id, state: last.state } : {}),
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
