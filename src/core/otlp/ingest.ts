// Spans received over OTLP → sessions, messages and turn traces, in one transaction (a request is stored
// whole or not at all). Decisions, all documented in the README:
// - A conversation is gen_ai.conversation.id (or OpenInference's session.id), else the trace id, scoped by
//   the app's service.name. Its session id is derived from those, so every request finds it again.
// - Each call's history is compared with what the session holds. A stateless app resends it all: only the
//   messages after the shared part are appended. A history that starts like the session and then differs
//   (an edited or regenerated message) is a fork: a new session copying the shared part, marked as a fork
//   of the original (parent), which the conversation's later calls extend. A history that shares nothing
//   (an app that sends only the new message) or repeats the session's tail (a sliding window) appends.
// - Every span is kept as a turn trace (operation and api 'otlp', the span itself in `response`). A span
//   that is not a model call belongs to the session of its trace's conversation, or, when its trace has
//   none, to the service's "Spans without a conversation" session. Nothing is dropped silently: a span
//   with broken ids is rejected and counted (the answer's partial_success); one already stored (an
//   exporter's retry) is counted as a duplicate.
// Just over 450 lines: the decisions above share one transaction's state (the conversation map, the fork
// bookkeeping); split, that state would have to be passed between files.
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { type Message, Part, type Session, type StopReason, searchableText } from '../model';
import type { Change } from '../store/journal';
import { W } from '../store/schema';
import type { SessionStore } from '../store/session-store';
import type { Tx } from '../store/connection';
import * as traces from '../store/trace-store';
import { TurnTrace } from '../turn-trace';
import type { OtlpSpan } from './decode';
import { type ChatMessage, type GenAiCall, isGenAiSpan, readGenAiCall } from './genai';

export interface ReceiveResult {
  spans: number;
  stored: number;
  duplicates: number;
  rejected: number;
  /** Why spans were rejected (the first reason), for partial_success. */
  rejectedReason: string;
  sessionsCreated: number;
  messagesAdded: number;
  /** The sessions this request touched. */
  sessionIds: string[];
}

/**
 * Which conversation each recent trace belonged to (so a trace's later spans find its session), and the
 * traces whose spans went to a "without a conversation" session so far: a child span usually ends, and is
 * exported, before the model call around it, so when the call arrives its trace's earlier spans move over.
 */
const recentTraces = new WeakMap<SessionStore, { conversation: Map<string, string>; loose: Map<string, string> }>();
const RECENT_TRACES = 10_000;
const NO_CONVERSATION = '\u0000no-conversation';

export function ingestSpans(
  store: SessionStore,
  tx: Tx,
  spans: OtlpSpan[],
  now: string,
): { result: ReceiveResult; changes: Change[]; commit: () => void } {
  const run = new Ingest(store, tx, now);
  const result = run.all(spans);
  return { result, changes: run.changes(), commit: () => run.commit() };
}

interface Conversation {
  session: Session;
  /** Fingerprints and ids of the session's messages, in order, kept current as this request appends. */
  fingerprints: string[];
  ids: string[];
  toolNames: Map<string, string>;
}

class Ingest {
  private readonly memory: { conversation: Map<string, string>; loose: Map<string, string> };
  /** What this request learnt about traces, kept only once its transaction committed (commit()). */
  private readonly recent = new Map<string, string>();
  private readonly loose = new Map<string, string | undefined>();
  private readonly updated = new Set<string>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly created = new Set<string>();
  private readonly deleted = new Set<string>();
  private readonly added = new Map<string, string[]>();
  private readonly traced = new Map<string, string[]>();
  private readonly result: ReceiveResult = {
    spans: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    rejectedReason: '',
    sessionsCreated: 0,
    messagesAdded: 0,
    sessionIds: [],
  };

  constructor(
    private readonly store: SessionStore,
    private readonly tx: Tx,
    private readonly now: string,
  ) {
    let recent = recentTraces.get(store);
    if (!recent) recentTraces.set(store, (recent = { conversation: new Map(), loose: new Map() }));
    this.memory = recent;
  }

  all(spans: OtlpSpan[]): ReceiveResult {
    this.result.spans = spans.length;
    const seen = new Set<string>();
    const accepted: Array<{ span: OtlpSpan; call: GenAiCall | undefined }> = [];
    for (const span of spans) {
      if (!span.traceId || !span.spanId) {
        this.reject('a span has no valid trace id (16 bytes) or span id (8 bytes)');
      } else if (
        seen.has(span.spanId) ||
        this.tx.get(`SELECT 1 AS x FROM turn_traces WHERE span_id = unhex(?)`, [span.spanId])
      ) {
        this.result.duplicates++;
      } else {
        seen.add(span.spanId);
        accepted.push({ span, call: isGenAiSpan(span) ? readGenAiCall(span) : undefined });
      }
    }
    // A trace's conversation: named by any of its spans, else the trace itself when it holds a model call.
    const traceConversation = new Map<string, string>();
    for (const { span, call } of accepted) {
      const named = conversationId(span);
      if (named) traceConversation.set(span.traceId, named);
      else if (call && !traceConversation.has(span.traceId))
        traceConversation.set(span.traceId, `trace ${span.traceId}`);
    }
    // Calls in the order they were made: an exporter's batch follows the order spans ended.
    accepted.sort((x, y) => x.span.startMs - y.span.startMs || x.span.endMs - y.span.endMs);
    for (const { span, call } of accepted) {
      const key =
        conversationId(span) ??
        traceConversation.get(span.traceId) ??
        this.recentConversation(span.traceId) ??
        NO_CONVERSATION;
      this.remember(span.traceId, key);
      const conversation = this.conversation(span, key, call);
      this.adoptLooseSpans(span.traceId, key, conversation.session.id);
      const messageIds = call ? this.appendCall(conversation, span, call) : [];
      this.recordTrace(conversation.session.id, span, call, messageIds);
    }
    this.result.sessionIds = [...new Set([...this.added.keys(), ...this.traced.keys()])].filter(
      (id) => !this.deleted.has(id),
    );
    this.result.sessionsCreated = this.created.size;
    return this.result;
  }

  changes(): Change[] {
    const changes: Change[] = [...this.created].map((sessionId) => ({ kind: 'sessionCreated' as const, sessionId }));
    for (const [sessionId, messageIds] of this.added)
      if (!this.created.has(sessionId)) changes.push({ kind: 'messagesAdded', sessionId, messageIds });
    for (const [sessionId, messageIds] of this.traced) changes.push({ kind: 'traceRecorded', sessionId, messageIds });
    for (const sessionId of this.updated) changes.push({ kind: 'sessionUpdated', sessionId });
    for (const sessionId of this.deleted) changes.push({ kind: 'sessionDeleted', sessionId });
    return changes;
  }

  private reject(reason: string): void {
    this.result.rejected++;
    this.result.rejectedReason ||= reason;
  }

  private remember(traceId: string, key: string): void {
    this.recent.set(traceId, key);
  }

  private recentConversation(traceId: string): string | undefined {
    return this.recent.get(traceId) ?? this.memory.conversation.get(traceId);
  }

  commit(): void {
    for (const [traceId, key] of this.recent) bounded(this.memory.conversation, traceId, key);
    for (const [traceId, session] of this.loose)
      if (session === undefined) this.memory.loose.delete(traceId);
      else bounded(this.memory.loose, traceId, session);
  }

  /** Moves the spans a trace stored before its conversation was known into the conversation's session. */
  private adoptLooseSpans(traceId: string, key: string, sessionId: string): void {
    const looseSession = this.loose.has(traceId) ? this.loose.get(traceId) : this.memory.loose.get(traceId);
    if (key === NO_CONVERSATION) return void this.loose.set(traceId, sessionId);
    if (!looseSession) return;
    this.loose.set(traceId, undefined);
    const where = `WHERE session_id = ? AND trace_id = unhex(?)`;
    if (!this.tx.get(`SELECT 1 AS x FROM turn_traces ${where}`, [looseSession, traceId])) return;
    this.tx.run(W.moveTraceSpans, [sessionId, looseSession, traceId]);
    this.push(this.traced, sessionId, []);
    // A holder left with nothing in it goes (it only ever held this trace's early spans).
    const empty =
      !this.tx.get(`SELECT 1 AS x FROM turn_traces WHERE session_id = ?`, [looseSession]) &&
      !this.tx.get(`SELECT 1 AS x FROM messages WHERE session_id = ?`, [looseSession]);
    if (!empty) return void this.push(this.traced, looseSession, []);
    this.store.deleteSession(this.tx, looseSession);
    for (const [base, c] of this.conversations) if (c.session.id === looseSession) this.conversations.delete(base);
    this.traced.delete(looseSession);
    if (!this.created.delete(looseSession)) this.deleted.add(looseSession);
  }

  /** The conversation's current session (its latest fork), created on its first span. */
  private conversation(span: OtlpSpan, key: string, call: GenAiCall | undefined): Conversation {
    const service =
      typeof span.resource['service.name'] === 'string' ? span.resource['service.name'] : 'unknown_service';
    const base = `otlp-${createHash('sha256').update(`${service}\u0000${key}`).digest('hex').slice(0, 32)}`;
    const cached = this.conversations.get(base);
    if (cached) return cached;
    // Forks are base.000001, base.000002…: the highest id in the range is the latest.
    const latest = this.tx.get<{ id: string }>(
      `SELECT id FROM sessions WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1`,
      [base, `${base}/`],
    );
    let session = latest ? this.store.getSession(latest.id) : undefined;
    if (!session) {
      const title =
        key === NO_CONVERSATION
          ? `Spans without a conversation (${service})`
          : ((call && titleOf(call)) ?? `${service}: ${key.startsWith('trace ') ? key : `conversation ${key}`}`);
      session = this.newSession(base, title, {
        provider: call?.provider ?? 'otlp',
        model: call?.modelAnswered ?? call?.modelRequested ?? 'unknown',
        metadata: { otlp: { service, conversation: key === NO_CONVERSATION ? null : key } },
      });
    }
    const conversation = this.load(session);
    this.conversations.set(base, conversation);
    return conversation;
  }

  private newSession(
    id: string,
    title: string,
    fields: Pick<Session, 'provider' | 'model' | 'metadata'> & Partial<Session>,
  ): Session {
    const session: Session = {
      id,
      title,
      userId: '',
      status: 'active',
      tags: ['otlp'],
      providerState: {},
      createdAt: this.now,
      updatedAt: this.now,
      lastActivityAt: this.now,
      messageCount: 0,
      totalTokens: 0,
      ...fields,
    };
    this.store.insertSession(this.tx, session);
    this.created.add(id);
    return session;
  }

  private load(session: Session): Conversation {
    const messages = this.store.listMessages(session.id, { limit: Number.MAX_SAFE_INTEGER });
    const conversation: Conversation = { session, fingerprints: [], ids: [], toolNames: new Map() };
    for (const m of messages) this.track(conversation, m.id, m.role, m.parts);
    return conversation;
  }

  private track(c: Conversation, id: string, role: string, parts: Part[]): void {
    c.fingerprints.push(fingerprint(role, parts));
    c.ids.push(id);
    for (const p of parts) if (p.type === 'tool_call' && p.callId) c.toolNames.set(p.callId, p.name);
  }

  /** Appends what the call adds to the conversation (forking it when it rewrote history); returns the new ids. */
  private appendCall(c: Conversation, span: OtlpSpan, call: GenAiCall): string[] {
    if (!c.ids.length && (call.input.length || call.output.length)) this.nameAfter(c, call);
    const sequence = [...call.input, ...call.output];
    const fps = sequence.map((m) => fingerprint(m.role, m.parts));
    const n = c.fingerprints.length;
    let shared = 0;
    while (shared < fps.length && shared < n && fps[shared] === c.fingerprints[shared]) shared++;
    let from = shared;
    if (shared < fps.length && shared < n) {
      const overlap = tailOverlap(c.fingerprints, shared, fps, shared);
      if (overlap > 0) from = shared + overlap;
      else if (shared > 0) this.fork(c, shared);
    }
    const outputStart = call.input.length;
    const ids: string[] = [];
    for (let i = from; i < sequence.length; i++) {
      const isOutput = i >= outputStart;
      const lastOutput = i === sequence.length - 1 && isOutput;
      ids.push(this.insert(c, span, call, sequence[i]!, isOutput, lastOutput));
    }
    return ids;
  }

  /** A session opened by a span that was not a call takes its title, provider and model from its first call. */
  private nameAfter(c: Conversation, call: GenAiCall): void {
    const title = titleOf(call);
    const fields: Partial<Session> = {};
    if (title && title !== c.session.title) fields.title = title;
    if (call.provider && call.provider !== c.session.provider) fields.provider = call.provider;
    const model = call.modelAnswered ?? call.modelRequested;
    if (model && model !== c.session.model) fields.model = model;
    if (!Object.keys(fields).length) return;
    this.store.updateSession(this.tx, c.session.id, fields, this.now);
    Object.assign(c.session, fields);
    if (!this.created.has(c.session.id)) this.updated.add(c.session.id);
  }

  /** Makes the conversation continue in a new session that copies its first `keep` messages. */
  private fork(c: Conversation, keep: number): void {
    const source = c.session;
    const base = source.id.split('.')[0]!;
    // The next number after the highest fork (not the count: the user may have deleted one).
    const last = this.tx.get<{ id: string | null }>(`SELECT max(id) AS id FROM sessions WHERE id > ? AND id < ?`, [
      `${base}.`,
      `${base}/`,
    ])?.id;
    const next = (last ? Number(last.slice(base.length + 1)) || 0 : 0) + 1;
    const id = `${base}.${String(next).padStart(6, '0')}`;
    const fork = this.newSession(id, source.title, {
      provider: source.provider,
      model: source.model,
      metadata: source.metadata,
      parent: { sessionId: source.id, messageId: c.ids[keep - 1]! },
    });
    const kept = this.store.listMessages(source.id, { limit: keep });
    const copy: Conversation = { session: fork, fingerprints: [], ids: [], toolNames: new Map() };
    let seq = 1;
    for (const m of kept) {
      const message: Message = { ...m, id: uuidv7(), sessionId: id, seq: seq++ };
      this.store.insertMessage(this.tx, message, searchableText(message.parts), this.now);
      this.track(copy, message.id, message.role, message.parts);
    }
    Object.assign(c, copy);
  }

  private insert(
    c: Conversation,
    span: OtlpSpan,
    call: GenAiCall,
    m: ChatMessage,
    isOutput: boolean,
    last: boolean,
  ): string {
    // Tool results name the tool their call named (the conventions give only the call id).
    const parts = m.parts.map((p) =>
      Part.parse(p.type === 'tool_result' && !p.name ? { ...p, name: c.toolNames.get(p.callId) ?? '' } : p),
    );
    const metadata: Record<string, unknown> = { otlp: { traceId: span.traceId, spanId: span.spanId } };
    if (m.sourceRole) metadata['role'] = m.sourceRole;
    const message: Message = {
      id: uuidv7(),
      sessionId: c.session.id,
      seq: this.store.sessionState(c.session.id)?.nextSeq ?? 1,
      role: m.role,
      parts,
      createdAt: new Date(isOutput ? span.endMs : span.startMs).toISOString(),
      state: 'complete',
      metadata,
      revision: 0,
    };
    if (isOutput) {
      const model = call.modelAnswered ?? call.modelRequested;
      message.provider = { name: call.provider ?? 'otlp', ...(model ? { model } : {}) };
      if (call.responseId) message.providerIds = { responseId: call.responseId };
      const stop = STOP_REASONS[m.finishReason ?? ''];
      if (stop) message.stopReason = stop;
      if (last && call.usage) message.usage = call.usage;
    }
    this.store.insertMessage(this.tx, message, searchableText(parts), this.now);
    this.track(c, message.id, message.role, parts);
    this.push(this.added, c.session.id, [message.id]);
    this.result.messagesAdded++;
    return message.id;
  }

  private recordTrace(sessionId: string, span: OtlpSpan, call: GenAiCall | undefined, messageIds: string[]): void {
    const { resource, scope, traceId: _t, spanId: _s, startMs, endMs, ...rest } = span;
    const trace = TurnTrace.parse({
      traceId: span.traceId,
      spanId: span.spanId,
      sessionId,
      messageIds,
      operation: 'otlp',
      provider: call?.provider ?? (isGenAiSpan(span) ? 'otlp' : 'span'),
      api: 'otlp',
      modelRequested: call?.modelRequested ?? '',
      modelAnswered: call?.modelAnswered,
      streamed: call?.streamed ?? false,
      startedAt: new Date(startMs).toISOString(),
      firstTokenAt: call?.firstChunkMs !== undefined ? new Date(startMs + call.firstChunkMs).toISOString() : undefined,
      endedAt: new Date(Math.max(endMs, startMs)).toISOString(),
      outcome: span.status.code === 2 ? 'error' : 'ok',
      error:
        span.status.code === 2
          ? { code: 'SpanError', message: span.status.message || String(span.attributes['error.type'] ?? 'error') }
          : undefined,
      response: { span: rest, resource, scope },
      usage: call?.usage,
      attempts: [],
    });
    traces.insertTrace(this.tx, trace);
    this.push(this.traced, sessionId, messageIds);
    this.result.stored++;
  }

  private push(map: Map<string, string[]>, key: string, values: string[]): void {
    const list = map.get(key);
    if (list) list.push(...values);
    else map.set(key, [...values]);
  }
}

/** A session is called by the start of its first user message. */
function titleOf(call: GenAiCall): string | undefined {
  const part = call.input.find((m) => m.role === 'user')?.parts.find((p) => p.type === 'text');
  const text = part?.type === 'text' ? part.text.trim().replace(/\s+/g, ' ') : '';
  return text ? text.slice(0, 80) : undefined;
}

function bounded(map: Map<string, string>, key: string, value: string): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > RECENT_TRACES) map.delete(map.keys().next().value!);
}

function conversationId(span: OtlpSpan): string | undefined {
  for (const key of ['gen_ai.conversation.id', 'session.id']) {
    const v = span.attributes[key];
    if ((typeof v === 'string' && v) || typeof v === 'number') return String(v);
  }
  return undefined;
}

/** What makes two messages the same for deduplication: role and parts, without the names we link in. */
function fingerprint(role: string, parts: readonly Part[]): string {
  return `${role}\u0000${JSON.stringify(parts.map((p) => (p.type === 'tool_result' ? { ...p, name: '' } : p)))}`;
}

/** The longest k with sequence[from, from+k) equal to the session's last k messages (after `after`). */
function tailOverlap(session: string[], after: number, sequence: string[], from: number): number {
  const n = session.length;
  for (let k = Math.min(n - after, sequence.length - from); k > 0; k--) {
    if (session[n - k] !== sequence[from]) continue;
    let i = 1;
    while (i < k && session[n - k + i] === sequence[from + i]) i++;
    if (i === k) return k;
  }
  return 0;
}

const STOP_REASONS: Record<string, StopReason> = {
  stop: 'end_turn',
  end_turn: 'end_turn',
  tool_calls: 'tool_use',
  tool_call: 'tool_use',
  tool_use: 'tool_use',
  length: 'max_tokens',
  max_tokens: 'max_tokens',
  content_filter: 'content_filter',
  stop_sequence: 'stop_sequence',
  error: 'error',
};
