// The offline provider: answers from a recorded session, deterministically, with no network and no
// key. The n-th user turn of the conversation gets the reply that ended the n-th user turn of the
// recording; without one, a stable canned reply. Replies stream in chunks like a real provider's.
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

  async send(request: ProviderRequest, options: SendOptions = {}): Promise<ProviderReply> {
    if (options.signal?.aborted) throw cancelled('replay');
    const turn = request.messages.filter(isUserTurn).length;
    const source = turn > 0 ? turnReplies(this.options.recorded ?? [])[turn - 1] : undefined;
    const lastUser = [...request.messages].reverse().find(isUserTurn);
    const text = source
      ? messageText(source.parts)
      : `(Replay provider: no recorded reply for turn ${turn}.) You said: ${messageText(lastUser?.parts ?? []).slice(0, 200)}`;
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
      native: { turn, ...(source ? { sourceMessageId: source.id } : {}) },
      warnings: [],
    };
  }
}
