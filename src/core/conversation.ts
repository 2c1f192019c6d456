// Runs conversation turns against a provider and stores them so that nothing is lost: the user's
// message is durable before the request; the reply is stored as it streams (state "partial") and
// finished in place; a failure or cancel keeps what arrived, marked, with the error beside it (when
// nothing arrived, nothing is stored: the failure is in the trace).
// Tools are never executed here: a reply that calls tools ends the turn, the caller adds tool
// results and calls send() again without content.
// Over 450 lines: send, replay, connection test and import share the turn's bookkeeping (stored
// before the request, partial replies kept, warnings collected).
import { v7 as uuidv7 } from 'uuid';
import { CoreError, describeError } from './errors';
import { Message, ModelParameters, NewMessage, Part, Session, StopReason, Usage, messageText } from './model';
import { ProviderConfig, createProvider } from './providers';
import type { RequestReview } from './providers/http-trace';
import { OpenAIProvider, conversationBinding } from './providers/openai';
import {
  PROVIDER_LABELS,
  Provider,
  StreamEvent,
  collectWarnings,
  describeDropped,
  portableHistory,
} from './providers/provider';
import { isUserTurn } from './providers/replay';
import type { SessionApi } from './sessions';
import { displayTitle } from './text';
import type { Tracer } from './trace';
import { TraceOperation, TurnRecorder, asCoreError } from './turn-recorder';
import type { TraceSinkFn } from './turn-trace';

export interface TurnOptions {
  provider: Provider;
  /** Switches the session to this model. */
  model?: string;
  signal?: AbortSignal;
  onEvent?: (event: StreamEvent) => void;
  /** Stream the reply (default) or make one plain request. */
  stream?: boolean;
  /** How the model is asked to answer (tools, effort, temperature…); default: the session's (setParameters). */
  parameters?: ModelParameters;
  /** Least time between two saves of a streaming reply (default 250 ms). */
  saveEveryMs?: number;
  /**
   * Make a session that is not active (paused, completed, archived, failed) active first. Without it such a
   * session is refused: its status changes only when the caller asked for that.
   */
  resume?: boolean;
  /**
   * Receives the trace of each model call (what was sent, what came back); a sink that fails is only logged.
   * Default: the session's own database (recordTrace), so every turn the product runs is on record; `null`
   * records nothing at all (the recording-overhead bench's baseline).
   */
  traceSink?: TraceSinkFn | null;
  /** What the trace calls this turn (default 'send'). */
  operation?: TraceOperation;
  /** A debugger's stop before the model call, with the body as it will be sent (needs a trace: not with traceSink null). */
  review?: RequestReview;
}

export interface TurnResult {
  session: Session;
  user?: Message;
  reply: Message;
  warnings: string[];
}

/**
 * Refuses, before anything is stored or changed, a turn that cannot go ahead: a session that is not active
 * (unless `resume`), one whose stored model parameters cannot be used (sending without them would silently
 * drop its tools), or a provider that knows it has no answer (Replay without a recorded reply).
 */
export async function checkTurn(
  manager: SessionApi,
  sessionId: string,
  content: string | Part[] | undefined,
  options: Pick<TurnOptions, 'provider' | 'resume' | 'parameters'>,
): Promise<Session> {
  const session = await manager.get(sessionId);
  if (!options.parameters) checkParameters(session);
  if (session.status !== 'active' && !options.resume) {
    throw new CoreError(
      'SessionNotWritable',
      `Session "${session.title}" is ${session.status}: sending would make it active again. Resume it first, or continue in a fork.`,
      { sessionId, status: session.status },
    );
  }
  if (options.provider.checkCanAnswer) {
    const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
    const asked = parts?.some((p) => p.type !== 'tool_result') ? 1 : 0;
    const turns = (await manager.allMessages(sessionId)).filter(isUserTurn).length;
    options.provider.checkCanAnswer(turns + asked);
  }
  return session;
}

/**
 * Sends `content` as the user's next message (or, without content, answers what is there). A session that is
 * not active is refused unless `options.resume` says to make it active.
 */
export async function send(
  manager: SessionApi,
  sessionId: string,
  content: string | Part[] | undefined,
  options: TurnOptions,
): Promise<TurnResult> {
  const { provider } = options;
  let session = await checkTurn(manager, sessionId, content, options);
  const warn = collectWarnings(options, manager.tracer, { sessionId });
  const warnings = warn.list;
  if (session.status !== 'active') session = await manager.resume(sessionId);
  // Replay stands in when there is no key; it does not make the session a replay session.
  const switching =
    provider.name !== 'replay' &&
    (session.provider !== provider.name || (options.model !== undefined && options.model !== session.model));
  if (switching) {
    if (session.provider !== provider.name) {
      const note = describeDropped(
        portableHistory(await manager.allMessages(sessionId), provider.name).dropped,
        provider.name,
      );
      if (note) warn.add(note);
    }
    session = await manager.configure(sessionId, { provider: provider.name, model: options.model ?? session.model });
  }
  const user =
    content === undefined
      ? undefined
      : await manager.addMessage(
          sessionId,
          typeof content === 'string' ? { role: 'user', content } : { role: 'user', parts: content },
        );
  const history = withoutFailedTail(await manager.allMessages(sessionId));
  const last = history[history.length - 1];
  if (!last || (last.role === 'assistant' && last.state === 'complete')) {
    throw new CoreError(
      'InvalidInput',
      'There is nothing to answer: the session ends with a complete reply. Add a message, or results for its tool calls, first.',
      { sessionId },
    );
  }
  const model = options.model ?? session.model;
  const draft = new Draft(manager, sessionId, { name: provider.name, model }, options.saveEveryMs ?? 250);
  const parameters = options.parameters ?? session.parameters;
  const streamed = options.stream !== false;
  const recorder = new TurnRecorder(
    { operation: options.operation ?? 'send', provider: provider.name, modelRequested: model, streamed, sessionId },
    options.traceSink === null
      ? undefined
      : (options.traceSink ??
          (async (trace) => {
            await manager.recordTrace(trace);
          })),
    manager.tracer,
  );
  if (recorder.recording && options.review) recorder.recording.review = options.review;
  manager.tracer.info('provider request', {
    sessionId,
    provider: provider.name,
    model,
    messages: history.length,
    stream: streamed,
  });
  try {
    const reply = await manager.tracer.span(`provider.${provider.name}.send`, sessionId, () =>
      provider
        .send(
          {
            session,
            messages: history,
            replyMessageId: draft.id,
            ...(parameters ? { parameters } : {}),
            stream: options.stream,
          },
          {
            signal: options.signal,
            recording: recorder.recording,
            onEvent: (e) => {
              recorder.observe(e);
              if (manager.tracer.enabled('trace')) manager.tracer.trace('provider event', { sessionId, type: e.type });
              draft.apply(e);
              options.onEvent?.(e);
            },
          },
        )
        .finally(() => recorder.ended()),
    );
    warnings.push(...reply.warnings);
    if (reply.usage) options.onEvent?.({ type: 'usage', usage: reply.usage });
    options.onEvent?.({ type: 'turn_end', stop: reply.stopReason });
    const stored = await draft.finish({
      parts: reply.parts,
      state: 'complete',
      stopReason: reply.stopReason,
      provider: { name: provider.name, model: reply.model },
      native: { [provider.name]: reply.native },
      metadata: warnings.length ? { warnings } : {},
      ...(reply.usage ? { usage: reply.usage } : {}),
      ...(reply.providerIds ? { providerIds: reply.providerIds } : {}),
    });
    await recorder.finish({ reply, messageIds: user ? [user.id, stored.id] : [stored.id] });
    if (reply.providerState && Object.keys(reply.providerState).length) {
      session = await manager.configure(sessionId, {
        providerState: { ...(await manager.get(sessionId)).providerState, ...reply.providerState },
      });
    }
    return { session, user, reply: stored, warnings };
  } catch (e) {
    const error =
      e instanceof CoreError
        ? e
        : new CoreError(
            'Internal',
            `The ${PROVIDER_LABELS[provider.name]} turn failed: ${describeError(e)}`,
            { provider: provider.name },
            { cause: e },
          );
    const kept = await draft.fail(error, warnings).catch((storeError: unknown) => {
      manager.tracer.error('could not store the failed reply', { sessionId, error: describeError(storeError) });
      return undefined;
    });
    manager.tracer.log(error.code === 'Cancelled' ? 'info' : 'warn', error.message, {
      sessionId,
      ...error.details,
      ...(kept ? { messageId: kept.id } : {}),
    });
    await recorder.finish({ error, messageIds: [user?.id, kept?.id].filter((id): id is string => !!id) });
    options.onEvent?.({ type: 'error', error: error.toJSON() });
    throw error;
  }
}

/** A retry answers the user again: a reply that failed earlier is not part of the question. */
function withoutFailedTail(messages: Message[]): Message[] {
  let end = messages.length;
  while (end > 0 && messages[end - 1]!.role === 'assistant' && messages[end - 1]!.state !== 'complete') end -= 1;
  return messages.slice(0, end);
}

/** Stored parameters that cannot be used stop the turn: sending without them would drop the session's tools unseen. */
function checkParameters(session: Session): void {
  if (session.parametersProblem)
    throw new CoreError('InvalidInput', `Session "${session.title}": ${session.parametersProblem} Nothing was sent.`, {
      sessionId: session.id,
    });
}

/** Replies send() is streaming in this process, per manager: a partial reply among them is still coming, not cut off. */
const streamingReplies = new WeakMap<SessionApi, Set<string>>();

/** Whether `messageId` is a reply send() is streaming now in this process (another process's look partial). */
export function isStreaming(manager: SessionApi, messageId: string): boolean {
  return streamingReplies.get(manager)?.has(messageId) ?? false;
}

/** The reply being streamed: its parts so far, saved at most every `saveEveryMs`, one write at a time. */
class Draft {
  readonly id = uuidv7();
  private parts: Part[] = [];
  private stored?: Message;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private lastSave = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly manager: SessionApi,
    private readonly sessionId: string,
    private readonly provider: { name: string; model: string },
    private readonly saveEveryMs: number,
  ) {
    let live = streamingReplies.get(manager);
    if (!live) streamingReplies.set(manager, (live = new Set()));
    live.add(this.id);
  }

  apply(e: StreamEvent): void {
    const last = this.parts[this.parts.length - 1];
    switch (e.type) {
      case 'text_delta':
        if (last?.type === 'text') last.text += e.text;
        else this.parts.push({ type: 'text', text: e.text });
        break;
      case 'reasoning_delta':
        if (last?.type === 'reasoning') last.text = (last.text ?? '') + e.text;
        else this.parts.push({ type: 'reasoning', text: e.text });
        break;
      case 'tool_call_start':
        this.parts.push({ type: 'tool_call', callId: e.callId, name: e.name, argumentsJson: '' });
        break;
      case 'tool_call_delta':
      case 'tool_call_end': {
        const call = this.parts.find((p) => p.type === 'tool_call' && p.callId === e.callId) as
          | Extract<Part, { type: 'tool_call' }>
          | undefined;
        if (call) call.argumentsJson = e.type === 'tool_call_end' ? e.argumentsJson : call.argumentsJson + e.argsDelta;
        break;
      }
      default:
        return;
    }
    this.schedule();
  }

  /** The first delta is saved at once (the reply exists from then on); later ones at most every saveEveryMs. */
  private schedule(): void {
    if (this.timer) return;
    const wait = this.stored || this.lastSave ? Math.max(0, this.lastSave + this.saveEveryMs - Date.now()) : 0;
    if (wait === 0) return this.enqueue();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue();
    }, wait);
    this.timer.unref();
  }

  private enqueue(): void {
    this.lastSave = Date.now();
    const parts = structuredClone(this.parts);
    this.writes = this.writes
      .then(async () => {
        await this.write({ parts, state: 'partial' });
      })
      .catch((e: unknown) => {
        this.writeError ??= e;
      });
  }

  private async write(fields: Partial<Message> & Pick<Message, 'parts' | 'state'>): Promise<Message> {
    if (this.stored) {
      this.stored = await this.manager.replaceMessage({ ...this.stored, ...fields });
    } else {
      const input: NewMessage = { id: this.id, role: 'assistant', provider: this.provider, ...fields } as NewMessage;
      this.stored = await this.manager.addMessage(this.sessionId, input);
    }
    return this.stored;
  }

  /** Before the last write: whoever repaints on it must see the reply's final state, not "streaming". */
  private async settle(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    streamingReplies.get(this.manager)?.delete(this.id);
    await this.writes;
    if (this.writeError) throw this.writeError;
  }

  async finish(fields: Partial<Message> & Pick<Message, 'parts' | 'state'>): Promise<Message> {
    await this.settle();
    return this.write(fields);
  }

  /**
   * Keeps what arrived: "partial" when the user cancelled, "error" otherwise, with the error in metadata. When
   * nothing arrived nothing is stored: an empty reply would only stand for the error, which the trace holds.
   */
  async fail(error: CoreError, warnings: string[]): Promise<Message | undefined> {
    await this.settle().catch(() => undefined);
    if (!this.stored && !this.parts.length) return undefined;
    const cancelledByUser = error.code === 'Cancelled';
    return this.write({
      parts: this.parts,
      state: cancelledByUser ? 'partial' : 'error',
      stopReason: cancelledByUser ? 'cancelled' : 'error',
      metadata: { error: error.toJSON(), ...(warnings.length ? { warnings } : {}) },
    });
  }
}

// ---- replay against another provider ---------------------------------------------------------

export interface ReplayTurn {
  user: string;
  original: string;
  replayed: string;
  originalStop?: StopReason;
  replayedStop?: StopReason;
  originalUsage?: Usage;
  replayedUsage?: Usage;
}

export interface ReplayResult {
  session: Session;
  turns: ReplayTurn[];
}

/** At most this many replies per replayed turn (a model that keeps calling tools is stopped). */
const MAX_REPLIES_PER_TURN = 8;

/**
 * Re-runs a session's user turns against another provider/model in a fork, and compares the final
 * replies turn by turn. Tool calls in the new replies are answered with the source's recorded
 * results for the same tool, in order; a call with no recorded result gets an error result.
 */
export async function replay(
  manager: SessionApi,
  sessionId: string,
  options: TurnOptions & { model: string },
): Promise<ReplayResult> {
  const source = await manager.get(sessionId);
  if (!options.parameters) checkParameters(source);
  const turns = splitTurns(await manager.allMessages(sessionId));
  if (!turns.length)
    throw new CoreError('InvalidInput', `Session "${source.title}" has no user messages to replay.`, { sessionId });
  const target = `${options.provider.name === 'replay' ? source.provider : options.provider.name}/${options.model}`;
  let session = await manager.fork(sessionId, turns[0]!.user.id, {
    title: `${displayTitle(source)} (replay on ${target})`,
  });
  session = await manager.configure(session.id, {
    model: options.model,
    provider: options.provider.name === 'replay' ? undefined : options.provider.name,
  });
  const compared: ReplayTurn[] = [];
  try {
    for (const [i, turn] of turns.entries()) {
      if (i > 0) await manager.addMessage(session.id, { role: 'user', parts: turn.user.parts });
      const recorded = turn.rest.flatMap((m) =>
        m.parts.filter((p): p is Extract<Part, { type: 'tool_result' }> => p.type === 'tool_result'),
      );
      let reply: Message | undefined;
      for (let n = 0; n < MAX_REPLIES_PER_TURN; n++) {
        ({ reply } = await send(manager, session.id, undefined, { ...options, operation: 'replay' }));
        const calls = reply.parts.filter((p): p is Extract<Part, { type: 'tool_call' }> => p.type === 'tool_call');
        if (!calls.length) break;
        await manager.addMessage(session.id, {
          role: 'tool',
          parts: calls.map((call): Part => {
            const at = recorded.findIndex((r) => r.name === call.name);
            const result = at >= 0 ? recorded.splice(at, 1)[0]! : undefined;
            return {
              type: 'tool_result',
              callId: call.callId,
              name: call.name,
              content: result?.content ?? 'No recorded result for this call in the source session.',
              ...(result ? (result.isError ? { isError: true } : {}) : { isError: true }),
            };
          }),
        });
      }
      const original = [...turn.rest].reverse().find((m) => m.role === 'assistant' && messageText(m.parts));
      compared.push({
        user: messageText(turn.user.parts),
        original: original ? messageText(original.parts) : '',
        replayed: reply ? messageText(reply.parts) : '',
        originalStop: original?.stopReason,
        replayedStop: reply?.stopReason,
        originalUsage: original?.usage,
        replayedUsage: reply?.usage,
      });
    }
  } catch (e) {
    if (!(e instanceof CoreError)) throw e;
    throw new CoreError(
      e.code,
      `${e.message} The replay stopped at turn ${compared.length + 1}; session ${session.id} holds the turns replayed so far.`,
      { ...e.details, sessionId: session.id },
      { cause: e },
    );
  }
  return { session: await manager.get(session.id), turns: compared };
}

function splitTurns(messages: readonly Message[]): Array<{ user: Message; rest: Message[] }> {
  const turns: Array<{ user: Message; rest: Message[] }> = [];
  for (const m of messages) {
    if (isUserTurn(m)) turns.push({ user: m, rest: [] });
    else turns[turns.length - 1]?.rest.push(m);
  }
  return turns;
}

// ---- connection test and import --------------------------------------------------------------

export interface ConnectionReport {
  ok: boolean;
  provider: string;
  model: string;
  latencyMs: number;
  reply?: string;
  error?: string;
  kind?: string;
}

/** A request outside any stored session (a connection test, a simulation's judge): one user message. */
export function unstoredRequest(r: {
  name: string;
  title: string;
  provider: string;
  model: string;
  system?: string;
  text: string;
}): { session: Session; message: Message } {
  const now = new Date().toISOString();
  const session: Session = {
    id: r.name,
    title: r.title,
    userId: '',
    provider: r.provider,
    model: r.model,
    status: 'active',
    ...(r.system === undefined ? {} : { systemPrompt: r.system }),
    tags: [],
    metadata: {},
    // Stateless for OpenAI: a request outside a session must not leave a conversation behind.
    providerState: { openai: { store: false } },
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
    messageCount: 1,
    totalTokens: 0,
  };
  const message: Message = {
    id: `${r.name}-1`,
    sessionId: session.id,
    seq: 1,
    role: 'user',
    parts: [{ type: 'text', text: r.text }],
    createdAt: now,
    state: 'complete',
    metadata: {},
    revision: 0,
  };
  return { session, message };
}

/** One tiny, unstored request: says whether the key, base URL and model work, and how fast; traced to `trace.sink`. */
export async function testConnection(
  providerOrConfig: Provider | ProviderConfig,
  model: string,
  signal?: AbortSignal,
  trace?: { sink: TraceSinkFn; tracer?: Tracer },
): Promise<ConnectionReport> {
  const provider = 'send' in providerOrConfig ? providerOrConfig : createProvider(providerOrConfig);
  // Replay has nothing to connect to, and answers only what a recording holds: it is always there.
  if (provider.name === 'replay')
    return { ok: true, provider: 'replay', model, latencyMs: 0, reply: 'offline: answers from recorded sessions' };
  const { session, message } = unstoredRequest({
    name: 'connection-test',
    title: 'Connection test',
    provider: provider.name,
    model,
    text: 'Reply with the single word OK.',
  });
  const start = performance.now();
  const latency = () => Math.round(performance.now() - start);
  const recorder = new TurnRecorder(
    { operation: 'connection-test', provider: provider.name, modelRequested: model, streamed: false },
    trace?.sink,
    trace?.tracer,
  );
  try {
    const reply = await provider.send(
      { session, messages: [message], stream: false, parameters: { maxOutputTokens: 16 } },
      { signal, recording: recorder.recording },
    );
    const report = {
      ok: true,
      provider: provider.name,
      model: reply.model,
      latencyMs: latency(),
      reply: messageText(reply.parts),
    };
    await recorder.finish({ reply, messageIds: [] });
    return report;
  } catch (e) {
    const error = e instanceof CoreError ? e : undefined;
    const latencyMs = latency();
    await recorder.finish({ error: asCoreError(e), messageIds: [] });
    return {
      ok: false,
      provider: provider.name,
      model,
      latencyMs,
      error: error?.message ?? describeError(e),
      ...(error?.details['kind'] ? { kind: String(error.details['kind']) } : {}),
    };
  }
}

/** Copies an OpenAI conversation's items into a new local session bound to that conversation. */
export async function importOpenAIConversation(
  manager: SessionApi,
  provider: OpenAIProvider,
  conversationId: string,
  options: { model: string; title?: string },
): Promise<Session> {
  const messages = await provider.conversationMessages(conversationId, options.model);
  const session = await manager.create({
    provider: 'openai',
    model: options.model,
    title: options.title ?? `OpenAI conversation ${conversationId}`,
    metadata: { importedFrom: { provider: 'openai', conversationId } },
  });
  const added = messages.length ? await manager.addMessages(session.id, messages) : [];
  return manager.configure(session.id, { providerState: { openai: conversationBinding(conversationId, added) } });
}
