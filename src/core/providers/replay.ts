// The offline provider: answers from a recorded session, deterministically, with no network and no
// key. The n-th user turn of the conversation gets the reply that ended the n-th user turn of the
// recording; a turn the recording has no reply for is refused (nothing is made up). Replies stream in
// chunks like a real provider's.
import { CoreError } from '../errors';
import type { Message, Part } from '../model';
import { messageText } from '../model';
import { Provider, ProviderReply, ProviderRequest, SendOptions, cancelled, estimateTokens } from './provider';

export interface ReplayOptions {
  /** The recorded conversation to answer from (usually the session this one was forked or replayed from). */
  recorded?: readonly Message[];
  /** Characters per streamed chunk. */
  chunkSize?: number;
}

/** A user message that starts a turn (tool results continue the turn they answer). */
export function isUserTurn(m: Message): boolean {
  return m.role === 'user' && m.parts.some((p) => p.type !== 'tool_result');
}

/** For each user turn, the text of the last complete assistant reply before the next user turn. */
export function turnReplies(messages: readonly Message[]): Array<Message | undefined> {
  const replies: Array<Message | undefined> = [];
  for (const m of messages) {
    if (isUserTurn(m)) replies.push(undefined);
    else if (m.role === 'assistant' && m.state === 'complete' && replies.length && messageText(m.parts))
      replies[replies.length - 1] = m;
  }
  return replies;
}

export class ReplayProvider implements Provider {
  readonly name = 'replay' as const;

  constructor(private readonly options: ReplayOptions = {}) {}

  checkCanAnswer(turn: number): void {
    this.recordedReply(turn);
  }

  async send(request: ProviderRequest, options: SendOptions = {}): Promise<ProviderReply> {
    if (options.signal?.aborted) throw cancelled('replay');
    const turn = request.messages.filter(isUserTurn).length;
    const source = this.recordedReply(turn);
    // Nothing goes over the wire, but a debugger still stops here: it sees what Replay answers from.
    await options.recording?.review?.({
      url: 'replay:',
      body: { turn, answersWith: source.id, messages: request.messages.map((m) => ({ role: m.role, parts: m.parts })) },
    });
    const text = messageText(source.parts);
    const emit = options.onEvent ?? (() => undefined);
    if (request.stream !== false) {
      emit({ type: 'turn_start' });
      const size = this.options.chunkSize ?? 16;
      for (let i = 0; i < text.length; i += size) {
        // Yield between chunks so a cancel (or a reader) gets its turn, as with a real stream.
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) throw cancelled('replay');
        emit({ type: 'text_delta', text: text.slice(i, i + size) });
      }
    }
    const input = estimateTokens(request.messages.map((m) => messageText(m.parts)).join('\n'));
    const output = estimateTokens(text);
    const parts: Part[] = [{ type: 'text', text }];
    return {
      parts,
      stopReason: 'end_turn',
      model: request.session.model,
      usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
      native: { turn, sourceMessageId: source.id },
      warnings: [],
    };
  }

  /** The reply recorded for the `turn`-th user turn (1-based), or the reason there is none. */
  private recordedReply(turn: number): Message {
    const replies = turnReplies(this.options.recorded ?? []);
    const source = turn > 0 ? replies[turn - 1] : undefined;
    if (source) return source;
    const recording = this.options.recorded
      ? `its recording answers ${replies.filter(Boolean).length} turn(s)`
      : 'this session was not forked or replayed from a recording';
    throw new CoreError(
      'ProviderError',
      `The offline Replay provider has no recorded reply for turn ${turn} (${recording}), so nothing was sent or stored. Set an API key for the session's provider to get a real answer.`,
      { provider: 'replay', turn, kind: 'nothing_recorded' },
    );
  }
}
