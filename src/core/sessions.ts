// The one session manager: lifecycle, messages, history, search, stats and change events.
// Reads are synchronous (the database is in memory); writes resolve once durable on disk.
// The CLI runs it in-process; the extension runs it in a worker thread (src/core/worker) and reaches
// it through the same operations (SessionApi), as promises.
// Over 450 lines on purpose: it is one class because each of its methods is an operation the worker
// serves by name (SessionMethod), and all of them keep the same rules (writable statuses, message
// size, status transitions, change events); most are a few lines. The SQL is in store/.
import { v7 as uuidv7 } from 'uuid';
import type { PriceOverrides, UsageRecord } from './cost';
import { StoredComparison, storedComparison } from './compare-view';
import { CoreError, describeError, invalidInput } from './errors';
import { MigrateOptions, MigrateReport, migrate } from './langswarm/importer';
import type { OtlpSpan } from './otlp/decode';
import { ReceiveResult, ingestSpans } from './otlp/ingest';
import { OtlpReceiver, ReceiverOptions, ReceiverStats } from './otlp/receiver';
import {
  MAX_TAG_LENGTH,
  MAX_TITLE_LENGTH,
  Message,
  MessageOutline,
  MessagePatch,
  MessageRevision,
  ModelParameters,
  NewMessage,
  NewSession,
  Part,
  Session,
  SessionListOptions,
  SessionStatus,
  SessionSummary,
  searchableText,
} from './model';
import { parseQuery } from './search';
import { displayTitle } from './text';
import { SearchHit, SessionFields, SessionStore, Stats, StoreOptions } from './store/session-store';
import type { Tx } from './store/connection';
import type { Change } from './store/journal';
import { Tracer } from './trace';
import { SpanId, TurnTrace } from './turn-trace';
import { SeriesMemo, TurnSeries, turnSeries } from './turn-series';
import * as traces from './store/trace-store';
import { TraceRetention, TraceSummary } from './store/trace-store';

/** Sessions whose chart memo (turn-series.ts) is kept. */
const SERIES_MEMOS = 4;

export type SessionEvent =
  | { type: 'sessionCreated' | 'sessionUpdated' | 'sessionDeleted'; sessionId: string; external: boolean }
  | {
      type: 'messagesAdded' | 'messagesUpdated' | 'messagesDeleted';
      sessionId: string;
      messageIds: string[];
      external: boolean;
    }
  /** A model call of the session was recorded (messageIds: the messages it stored); the inspector and cost follow. */
  | { type: 'traceRecorded'; sessionId: string; messageIds: string[]; external: boolean }
  /** Old traces were pruned by the retention (any session). */
  | { type: 'tracesPruned'; external: boolean }
  /** Anything may have changed (another process rewrote the database, a bulk import). */
  | { type: 'reset'; external: boolean };

/** A page of search hits; `problem` says why a query that cannot be searched (e.g. only exclusions) found nothing. */
export interface SearchResult {
  hits: SearchHit[];
  total: number;
  problem?: string;
}

export interface SessionManagerOptions extends StoreOptions {
  tracer?: Tracer;
  /** For tests: the current time. */
  clock?: () => Date;
  /** Largest message accepted, as JSON bytes of its parts. */
  maxMessageBytes?: number;
  /** Turn traces past these limits are pruned when the database opens and after each one recorded. */
  traceRetention?: TraceRetention;
}

/** Which statuses each status may move to. Archived sessions leave only through unarchive/setStatus. */
const TRANSITIONS: Record<SessionStatus, readonly SessionStatus[]> = {
  active: ['paused', 'completed', 'archived', 'error'],
  paused: ['active', 'completed', 'archived', 'error'],
  completed: ['active', 'archived', 'error'],
  error: ['active', 'paused', 'completed', 'archived'],
  archived: ['active', 'paused', 'completed', 'error'],
};

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The operations code outside the store may call: what the worker serves (src/core/worker/protocol.ts). */
export type SessionMethod =
  | 'create'
  | 'get'
  | 'find'
  | 'list'
  | 'providers'
  | 'tags'
  | 'days'
  | 'rename'
  | 'setTags'
  | 'updateMetadata'
  | 'configure'
  | 'setParameters'
  | 'pause'
  | 'resume'
  | 'complete'
  | 'archive'
  | 'unarchive'
  | 'markError'
  | 'setStatus'
  | 'delete'
  | 'autoArchive'
  | 'fork'
  | 'addMessage'
  | 'addMessages'
  | 'findMessage'
  | 'getMessage'
  | 'messages'
  | 'allMessages'
  | 'outline'
  | 'usages'
  | 'messageIndex'
  | 'editMessage'
  | 'replaceMessage'
  | 'revisions'
  | 'deleteMessage'
  | 'search'
  | 'stats'
  | 'refresh'
  | 'checkpoint'
  | 'migrate'
  | 'recordTrace'
  | 'listTraces'
  | 'turnSeries'
  | 'getTrace'
  | 'pruneTraces'
  | 'compare'
  | 'receiveSpans'
  | 'startOtlpReceiver'
  | 'stopOtlpReceiver';

/**
 * The session manager as the code that drives it sees it (conversations, dumps, the editor): the manager
 * itself in the CLI, the worker's SessionClient in the extension. A result may be a promise either way,
 * so every call site awaits.
 */
export type SessionApi = {
  [K in SessionMethod]: (
    ...args: Parameters<SessionManager[K]>
  ) => Awaited<ReturnType<SessionManager[K]>> | Promise<Awaited<ReturnType<SessionManager[K]>>>;
} & Pick<SessionManager, 'path' | 'readOnly' | 'warnings' | 'tracer' | 'onDidChange' | 'close'>;

export class SessionManager {
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private readonly clock: () => Date;
  private readonly maxMessageBytes: number;
  private readonly traceRetention: TraceRetention | undefined;
  /** turnSeries memos of the last few sessions charted, oldest first. */
  private readonly seriesMemos = new Map<string, SeriesMemo>();
  private receiver: OtlpReceiver | undefined;

  private constructor(
    readonly store: SessionStore,
    readonly tracer: Tracer,
    options: SessionManagerOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.traceRetention = options.traceRetention;
    store.durable.onChanges((changes, external) => {
      if (changes === 'reset') return this.emit({ type: 'reset', external });
      for (const c of changes) this.emit(toEvent(c, external));
    });
  }

  static async open(dbPath: string, options: SessionManagerOptions = {}): Promise<SessionManager> {
    const tracer = options.tracer ?? new Tracer('info');
    const store = await tracer.span('store.open', undefined, () => SessionStore.open(dbPath, { ...options, tracer }));
    const manager = new SessionManager(store, tracer, options);
    await manager.applyTraceRetention();
    return manager;
  }

  get path(): string {
    return this.store.path;
  }
  get readOnly(): boolean {
    return this.store.readOnly;
  }
  get warnings(): readonly string[] {
    return this.store.warnings;
  }

  onDidChange(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Picks up changes other processes made. Called before every read; cheap when nothing changed. */
  refresh(): void {
    this.store.refresh();
  }

  async close(): Promise<void> {
    await this.stopOtlpReceiver();
    return this.store.close();
  }

  /** Folds the journal into a new snapshot now (the editor does when it goes idle). */
  checkpoint(): Promise<void> {
    return this.store.durable.checkpoint();
  }

  /** Imports LangSwarm V1/V2 files and folders (langswarm/importer.ts); problems are in the report. */
  migrate(sources: readonly string[], options: MigrateOptions = {}): Promise<MigrateReport> {
    return migrate(this, sources, options);
  }

  // ---- sessions ------------------------------------------------------------------------------

  create(input: NewSession): Promise<Session> {
    const parsed = NewSession.safeParse(input);
    if (!parsed.success) return Promise.reject(invalidInput('session', parsed.error));
    const v = parsed.data;
    const now = this.now();
    const session: Session = {
      id: v.id ?? uuidv7(),
      title: v.title?.trim() || `Session ${now.slice(0, 16).replace('T', ' ')}`,
      userId: v.userId ?? '',
      provider: v.provider,
      model: v.model,
      status: v.status ?? 'active',
      tags: dedupe(v.tags ?? []),
      metadata: v.metadata ?? {},
      providerState: v.providerState ?? {},
      createdAt: v.createdAt ?? now,
      updatedAt: now,
      lastActivityAt: v.createdAt ?? now,
      messageCount: 0,
      totalTokens: 0,
    };
    if (v.systemPrompt !== undefined) session.systemPrompt = v.systemPrompt;
    if (v.parent) session.parent = v.parent;
    if (v.origin) session.origin = v.origin;
    return this.tracer.span('sessions.create', session.id, () =>
      this.store.write(
        (tx) => {
          if (this.store.getSession(session.id))
            throw new CoreError('InvalidInput', `A session with id ${session.id} already exists.`);
          this.store.insertSession(tx, session);
          return session;
        },
        () => [{ kind: 'sessionCreated', sessionId: session.id }],
      ),
    );
  }

  get(id: string): Session {
    this.refresh();
    return this.requireSession(id);
  }

  find(id: string): Session | undefined {
    this.refresh();
    return this.store.getSession(id);
  }

  /** Session summaries (no metadata, provider state, origin or system prompt: `get` has those). */
  list(options: SessionListOptions = {}): { items: SessionSummary[]; total: number } {
    const parsed = SessionListOptions.safeParse(options);
    if (!parsed.success) throw invalidInput('session list options', parsed.error);
    this.refresh();
    const q = parsed.data;
    // Text that cannot be searched (only exclusions…) still filters titles, ids and models.
    const query = q.text ? parseQuery(q.text, { prefix: true }) : undefined;
    const textMatch = query && 'match' in query ? query.match : undefined;
    return this.tracer.span('sessions.list', undefined, () => this.store.listSessions({ ...q, textMatch }));
  }

  providers(): string[] {
    this.refresh();
    return this.store.providers();
  }

  tags(): Array<{ tag: string; count: number }> {
    this.refresh();
    return this.store.tagCounts();
  }

  /** How many sessions were last active on each local day (`offsetMinutes` east of UTC), newest first. */
  days(offsetMinutes = -new Date().getTimezoneOffset()): Array<{ day: string; count: number }> {
    this.refresh();
    return this.store.dayCounts(offsetMinutes);
  }

  rename(id: string, title: string): Promise<Session> {
    const t = title.toWellFormed().trim();
    if (!t) return Promise.reject(new CoreError('InvalidInput', 'A session title cannot be empty.'));
    if (t.length > MAX_TITLE_LENGTH)
      return Promise.reject(
        new CoreError('InvalidInput', `A session title can be at most ${MAX_TITLE_LENGTH} characters.`),
      );
    return this.updateSession('sessions.rename', id, () => ({ title: t }));
  }

  setTags(id: string, tags: string[]): Promise<Session> {
    const clean = dedupe(tags.map((t) => t.toWellFormed().trim()).filter(Boolean));
    if (clean.some((t) => t.length > MAX_TAG_LENGTH))
      return Promise.reject(new CoreError('InvalidInput', `A tag can be at most ${MAX_TAG_LENGTH} characters.`));
    return this.updateSession('sessions.setTags', id, () => ({ tags: clean }));
  }

  /** Merges `patch` into the session's metadata; keys set to null are removed. */
  updateMetadata(id: string, patch: Record<string, unknown>): Promise<Session> {
    return this.updateSession('sessions.updateMetadata', id, (s) => {
      const metadata = { ...s.metadata };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete metadata[k];
        else metadata[k] = v;
      }
      return { metadata };
    });
  }

  /** Changes provider, model, system prompt or provider state (continuation handles). */
  configure(
    id: string,
    fields: Partial<Pick<Session, 'provider' | 'model' | 'systemPrompt' | 'providerState' | 'userId'>>,
  ): Promise<Session> {
    // Only these: the model parameters, say, are checked by setParameters and must not arrive unchecked here.
    const { provider, model, systemPrompt, providerState, userId } = fields;
    const picked = { provider, model, providerState, userId, ...('systemPrompt' in fields ? { systemPrompt } : {}) };
    return this.updateSession('sessions.configure', id, () => picked);
  }

  /**
   * Sets how the session's model is asked to answer (effort, temperature, max output tokens, safety settings,
   * tools); they replace what was set. Null or {} clears them. Refused for an archived session.
   */
  setParameters(id: string, parameters: ModelParameters | null): Promise<Session> {
    const parsed = ModelParameters.safeParse(parameters ?? {});
    if (!parsed.success) return Promise.reject(invalidInput('model parameters', parsed.error));
    const next = Object.keys(parsed.data).length ? parsed.data : null;
    return this.updateSession('sessions.setParameters', id, (s) => {
      if (s.status === 'archived') throw notWritable(s, 'change its model parameters');
      return { parameters: next };
    });
  }

  pause(id: string) {
    return this.setStatus(id, 'paused');
  }
  resume(id: string) {
    return this.setStatus(id, 'active');
  }
  complete(id: string) {
    return this.setStatus(id, 'completed');
  }
  archive(id: string) {
    return this.setStatus(id, 'archived');
  }

  /** Restores the status the session had before it was archived. */
  unarchive(id: string): Promise<Session> {
    const session = this.get(id);
    if (session.status !== 'archived') {
      return Promise.reject(
        new CoreError('InvalidTransition', `Session "${session.title}" is not archived (it is ${session.status}).`, {
          sessionId: id,
        }),
      );
    }
    return this.setStatus(id, this.store.statusBeforeArchive(id) ?? 'paused');
  }

  markError(id: string, reason: string): Promise<Session> {
    return this.setStatus(id, 'error', { lastError: { message: reason, at: this.now() } });
  }

  setStatus(id: string, status: SessionStatus, metadataPatch?: Record<string, unknown>): Promise<Session> {
    if (!SessionStatus.safeParse(status).success) {
      return Promise.reject(
        new CoreError('InvalidInput', `Unknown status "${status}"; use one of ${SessionStatus.options.join(', ')}.`),
      );
    }
    return this.updateSession(`sessions.setStatus`, id, (s) => {
      if (s.status === status && !metadataPatch) return undefined;
      if (s.status !== status && !TRANSITIONS[s.status].includes(status)) {
        throw new CoreError('InvalidTransition', `Session "${s.title}" is ${s.status} and cannot become ${status}.`, {
          sessionId: id,
          from: s.status,
          to: status,
        });
      }
      return {
        status,
        statusBeforeArchive: status === 'archived' && s.status !== 'archived' ? s.status : undefined,
        metadata: metadataPatch ? { ...s.metadata, ...metadataPatch } : undefined,
      };
    });
  }

  /** Deletes a session with its messages, revisions and tags. Resolves to the number of messages removed. */
  delete(id: string): Promise<number> {
    return this.tracer.span('sessions.delete', id, () =>
      this.store.write(
        (tx) => {
          this.requireSession(id);
          return this.store.deleteSession(tx, id);
        },
        () => [{ kind: 'sessionDeleted', sessionId: id }],
      ),
    );
  }

  /** Archives sessions whose last activity is older than `days`. Resolves to the archived ids. */
  autoArchive(days: number): Promise<string[]> {
    if (!(days > 0))
      return Promise.reject(new CoreError('InvalidInput', 'Auto-archive needs a positive number of days.'));
    const before = new Date(this.clock().getTime() - days * 86_400_000).toISOString();
    return this.tracer.span('sessions.autoArchive', undefined, () =>
      this.store.write(
        (tx) => {
          const ids = this.store.idleSessionIds(before, ['active', 'paused', 'completed', 'error']);
          const now = this.now();
          for (const id of ids) {
            const s = this.requireSession(id);
            this.store.updateSession(tx, id, { status: 'archived', statusBeforeArchive: s.status }, now);
          }
          return ids;
        },
        (ids) => ids.map((sessionId) => ({ kind: 'sessionUpdated', sessionId })),
      ),
    );
  }

  /** A new session holding copies of `sessionId`'s messages up to and including `atMessageId`. */
  fork(sessionId: string, atMessageId: string, options: { title?: string } = {}): Promise<Session> {
    return this.tracer.span('sessions.fork', sessionId, () =>
      this.store.write(
        (tx) => {
          const source = this.requireSession(sessionId);
          const at = this.requireMessage(atMessageId);
          if (at.sessionId !== sessionId) {
            throw new CoreError('InvalidInput', `Message ${atMessageId} belongs to another session.`, {
              sessionId,
              messageId: atMessageId,
            });
          }
          const now = this.now();
          const fork: Session = {
            ...source,
            id: uuidv7(),
            // The mark leads, so a narrow row still tells the fork from its source.
            title: options.title?.trim() || `Fork of ${displayTitle(source)}`.slice(0, MAX_TITLE_LENGTH),
            status: 'active',
            providerState: {},
            createdAt: now,
            updatedAt: now,
            lastActivityAt: now,
            parent: { sessionId, messageId: atMessageId },
            messageCount: 0,
            totalTokens: 0,
          };
          delete fork.origin;
          this.store.insertSession(tx, fork);
          const copies: string[] = [];
          let afterSeq: number | undefined;
          for (;;) {
            const page = this.store.listMessages(sessionId, { afterSeq, limit: 500 });
            for (const m of page) {
              if (m.seq > at.seq) break;
              const copy: Message = { ...m, id: uuidv7(), sessionId: fork.id };
              this.store.insertMessage(tx, copy, searchableText(copy.parts), now);
              copies.push(copy.id);
            }
            const last = page[page.length - 1];
            if (!last || page.length < 500 || last.seq >= at.seq) break;
            afterSeq = last.seq;
          }
          return this.requireSession(fork.id);
        },
        (s) => [{ kind: 'sessionCreated', sessionId: s.id }],
      ),
    );
  }

  // ---- messages ------------------------------------------------------------------------------

  addMessage(sessionId: string, input: NewMessage): Promise<Message> {
    return this.addMessages(sessionId, [input]).then((ms) => ms[0]!);
  }

  /** Adds messages in order, all or none, in one durable write. */
  addMessages(sessionId: string, inputs: readonly NewMessage[]): Promise<Message[]> {
    let prepared: Array<{ message: Omit<Message, 'seq' | 'sessionId'>; search: string }>;
    try {
      prepared = inputs.map((input, i) =>
        this.prepareMessage(input, inputs.length > 1 ? `message ${i + 1}` : 'message'),
      );
    } catch (e) {
      return Promise.reject(e);
    }
    return this.tracer.span('sessions.addMessages', sessionId, () =>
      this.store.write(
        (tx) => {
          const session = this.store.sessionState(sessionId);
          if (!session) throw new CoreError('SessionNotFound', `No session with id "${sessionId}".`, { sessionId });
          this.requireWritable(session, sessionId);
          let seq = session.nextSeq;
          const now = this.now();
          const added: Message[] = [];
          for (const p of prepared) {
            if (p.message.id && this.store.messageExists(p.message.id)) {
              throw new CoreError('InvalidInput', `A message with id ${p.message.id} already exists.`);
            }
            const message: Message = { ...p.message, id: p.message.id || uuidv7(), sessionId, seq: seq++ };
            this.store.insertMessage(tx, message, p.search, now);
            added.push(message);
          }
          return added;
        },
        (ms) => [{ kind: 'messagesAdded', sessionId, messageIds: ms.map((m) => m.id) }],
      ),
    );
  }

  findMessage(id: string): Message | undefined {
    this.refresh();
    return this.store.getMessage(id);
  }

  getMessage(id: string): Message {
    this.refresh();
    return this.requireMessage(id);
  }

  /** A page of a session's messages in order: forward after `afterSeq`, or backward before `beforeSeq`. */
  messages(sessionId: string, page: { afterSeq?: number; beforeSeq?: number; limit?: number } = {}): Message[] {
    this.refresh();
    this.requireSession(sessionId);
    const limit = Math.min(Math.max(page.limit ?? 200, 1), 10_000);
    return this.tracer.span('sessions.messages', sessionId, () =>
      this.store.listMessages(sessionId, { ...page, limit }),
    );
  }

  /** Every message of a session, in order. */
  allMessages(sessionId: string): Message[] {
    this.refresh();
    this.requireSession(sessionId);
    return this.store.listMessages(sessionId, { limit: Number.MAX_SAFE_INTEGER });
  }

  /** Every message of a session as one light line (id, seq, role, time, state), in order. */
  outline(sessionId: string): MessageOutline[] {
    this.refresh();
    this.requireSession(sessionId);
    return this.tracer.span('sessions.outline', sessionId, () => this.store.messageOutline(sessionId));
  }

  /** The usage and producer of every message that has usage, in one session or all, for cost (cost.ts). */
  usages(sessionId?: string): UsageRecord[] {
    this.refresh();
    if (sessionId !== undefined) this.requireSession(sessionId);
    return this.tracer.span('sessions.usages', sessionId, () => this.store.usages(sessionId));
  }

  /** Where a message sits in its session (0-based), to page to it. */
  messageIndex(id: string): number {
    return this.store.messageIndex(this.getMessage(id));
  }

  /** Replaces a message's content (or state/metadata). The previous content is kept as a revision. */
  editMessage(id: string, patch: MessagePatch): Promise<Message> {
    const parsed = MessagePatch.safeParse(patch);
    if (!parsed.success) return Promise.reject(invalidInput('message edit', parsed.error));
    const p = parsed.data;
    const parts: Part[] | undefined = p.content !== undefined ? [{ type: 'text', text: p.content }] : p.parts;
    if (parts) {
      try {
        this.checkSize(parts, 'message');
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.tracer.span('sessions.editMessage', undefined, () =>
      this.store.write(
        (tx) => {
          const before = this.requireMessage(id);
          const session = this.requireSession(before.sessionId);
          if (session.status === 'archived') throw notWritable(session, 'edit its messages');
          const now = this.now();
          const contentChanged = parts !== undefined && JSON.stringify(parts) !== JSON.stringify(before.parts);
          const after: Message = {
            ...before,
            parts: parts ?? before.parts,
            state: p.state ?? before.state,
            metadata: p.metadata ?? before.metadata,
            revision: contentChanged ? before.revision + 1 : before.revision,
          };
          if (contentChanged) after.editedAt = now;
          this.store.updateMessage(tx, before, after, searchableText(after.parts), now);
          return after;
        },
        (m) => [{ kind: 'messagesUpdated', sessionId: m.sessionId, messageIds: [m.id] }],
      ),
    );
  }

  /** Replaces a message whole (used by providers to finish a streamed reply). */
  replaceMessage(message: Message): Promise<Message> {
    const parsed = Message.safeParse(message);
    if (!parsed.success) return Promise.reject(invalidInput('message', parsed.error));
    const next = parsed.data;
    try {
      this.checkSize(next.parts, 'message');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.store.write(
      (tx) => {
        const before = this.requireMessage(next.id);
        const after: Message = { ...next, sessionId: before.sessionId, seq: before.seq, revision: before.revision };
        this.store.updateMessage(tx, before, after, searchableText(after.parts), this.now());
        return after;
      },
      (m) => [{ kind: 'messagesUpdated', sessionId: m.sessionId, messageIds: [m.id] }],
    );
  }

  revisions(messageId: string): MessageRevision[] {
    this.refresh();
    this.requireMessage(messageId);
    return this.store.revisions(messageId);
  }

  deleteMessage(id: string): Promise<void> {
    return this.tracer
      .span('sessions.deleteMessage', undefined, () =>
        this.store.write(
          (tx) => {
            const m = this.requireMessage(id);
            const session = this.requireSession(m.sessionId);
            if (session.status === 'archived') throw notWritable(session, 'delete its messages');
            this.store.deleteMessage(tx, m, this.now());
            return m;
          },
          (m) => [{ kind: 'messagesDeleted', sessionId: m.sessionId, messageIds: [m.id] }],
        ),
      )
      .then(() => undefined);
  }

  // ---- search and stats ----------------------------------------------------------------------

  /**
   * Full-text search over message content, newest first, with highlighted snippets. Words must match
   * whole; with `prefix` the last word also matches as a prefix (for search as you type).
   */
  search(
    query: string,
    options: { sessionId?: string; limit?: number; offset?: number; prefix?: boolean } = {},
  ): SearchResult {
    this.refresh();
    const parsed = parseQuery(query, { prefix: options.prefix ?? false });
    if (!parsed) return { hits: [], total: 0 };
    if ('problem' in parsed) return { hits: [], total: 0, problem: parsed.problem };
    const page = {
      limit: Math.min(Math.max(options.limit ?? 50, 1), 1000),
      offset: Math.max(options.offset ?? 0, 0),
      sessionId: options.sessionId,
    };
    return this.tracer.span('sessions.search', options.sessionId, () => this.store.search(parsed, page));
  }

  stats(sessionId?: string): Stats {
    this.refresh();
    if (sessionId !== undefined) this.requireSession(sessionId);
    return this.tracer.span('sessions.stats', sessionId, () => this.store.stats(sessionId));
  }

  /** Two sessions aligned message by message (compare-view.ts), computed here so the editor's thread never is. */
  compare(aId: string, bId: string, overrides?: PriceOverrides): StoredComparison {
    this.refresh();
    const side = (id: string) => ({
      session: this.requireSession(id),
      messages: this.store.listMessages(id, { limit: Number.MAX_SAFE_INTEGER }),
      traces: traces.listTraces(this.store.durable, id),
    });
    return this.tracer.span('sessions.compare', aId, () => storedComparison(side(aId), side(bId), overrides));
  }

  // ---- turn traces (store/trace-store.ts) ------------------------------------------------------

  /** Stores a model call's trace (request bodies deduplicated and compressed), then applies the retention. */
  async recordTrace(trace: TurnTrace): Promise<TraceSummary> {
    const parsed = TurnTrace.safeParse(trace);
    if (!parsed.success) throw invalidInput('turn trace', parsed.error);
    const t = parsed.data;
    await this.tracer.span('sessions.recordTrace', t.sessionId, () =>
      this.store.write(
        (tx) => traces.insertTrace(tx, t),
        () => (t.sessionId ? [{ kind: 'traceRecorded', sessionId: t.sessionId, messageIds: t.messageIds }] : []),
      ),
    );
    await this.applyTraceRetention();
    const { attempts, response: _response, ...summary } = t;
    return {
      ...summary,
      attemptCount: attempts.length,
      requestIds: Object.assign({}, ...attempts.map((a) => a.requestIds)),
    };
  }

  /** A session's trace summaries (no bodies), oldest first; with `messageId`, the calls that stored that message. */
  listTraces(sessionId: string, options: { messageId?: string } = {}): TraceSummary[] {
    this.refresh();
    this.requireSession(sessionId);
    return traces.listTraces(this.store.durable, sessionId, options.messageId);
  }

  /**
   * The session's calls as per-turn series for the chart (turn-series.ts), computed here so only columns travel.
   * The last few sessions' memos make the next call, after a turn, read and price only what is new.
   */
  turnSeries(sessionId: string, overrides?: PriceOverrides): TurnSeries {
    this.refresh();
    this.requireSession(sessionId);
    const memo = this.seriesMemos.get(sessionId) ?? new SeriesMemo();
    this.seriesMemos.delete(sessionId);
    this.seriesMemos.set(sessionId, memo);
    for (const oldest of this.seriesMemos.keys()) {
      if (this.seriesMemos.size <= SERIES_MEMOS) break;
      this.seriesMemos.delete(oldest);
    }
    return this.tracer.span('sessions.turnSeries', sessionId, () => {
      const summaries = traces.listTraces(this.store.durable, sessionId, undefined, memo.traces);
      memo.keepTraces(summaries);
      return turnSeries({
        usages: this.store.usages(sessionId),
        traces: summaries,
        seqOf: new Map(this.store.messageOutline(sessionId).map((m) => [m.id, m.seq])),
        overrides,
        memo,
      });
    });
  }

  /** One trace with every request body exactly as sent. */
  getTrace(spanId: string): TurnTrace {
    this.refresh();
    const trace = SpanId.safeParse(spanId).success ? traces.getTrace(this.store.durable, spanId) : undefined;
    if (!trace) throw new CoreError('InvalidInput', `No trace with span id "${spanId}".`, { spanId });
    return trace;
  }

  /** Deletes the oldest traces past `retention` (never messages). Resolves to how many were deleted. */
  pruneTraces(retention: TraceRetention): Promise<number> {
    const parsed = TraceRetention.safeParse(retention);
    if (!parsed.success) return Promise.reject(invalidInput('trace retention', parsed.error));
    return this.tracer.span('sessions.pruneTraces', undefined, () =>
      this.store.write(
        (tx) => traces.pruneTraces(tx, parsed.data, this.clock()),
        (deleted) => (deleted ? [{ kind: 'tracesPruned' }] : []),
      ),
    );
  }

  /** The configured retention, where it can be applied; a failure is logged, never in the caller's way. */
  private async applyTraceRetention(): Promise<void> {
    if (!this.traceRetention || this.readOnly) return;
    try {
      await this.pruneTraces(this.traceRetention);
    } catch (e) {
      this.tracer.warn('could not prune old turn traces', { error: describeError(e) });
    }
  }

  // ---- spans received over OTLP (otlp/) ---------------------------------------------------------

  /** Stores an OTLP request's spans as sessions, messages and traces: all of them or, on an error, none. */
  async receiveSpans(spans: OtlpSpan[]): Promise<ReceiveResult> {
    const { result, commit } = await this.tracer.span('sessions.receiveSpans', undefined, () =>
      this.store.write(
        (tx) => ingestSpans(this.store, tx, spans, this.now()),
        (r) => r.changes,
      ),
    );
    commit();
    if (result.stored) await this.applyTraceRetention();
    return result;
  }

  /** Starts the OTLP/HTTP receiver (otlp/receiver.ts) on 127.0.0.1, storing into this database. */
  async startOtlpReceiver(options: Omit<ReceiverOptions, 'log'> = {}): Promise<{ url: string; port: number }> {
    if (this.readOnly)
      throw new CoreError('DatabaseReadOnly', 'The session database is read-only here; traces cannot be received.');
    if (this.receiver)
      throw new CoreError('InvalidInput', `The OTLP receiver is already listening on ${this.receiver.url}.`);
    const log = (message: string) => this.tracer.warn(`otlp: ${message}`);
    this.receiver = await OtlpReceiver.start((spans) => this.receiveSpans(spans), { ...options, log });
    return { url: this.receiver.url, port: this.receiver.port };
  }

  /** Stops the receiver; resolves to what it received (undefined when it was not running). */
  async stopOtlpReceiver(): Promise<ReceiverStats | undefined> {
    const receiver = this.receiver;
    this.receiver = undefined;
    return receiver?.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  private now(): string {
    return this.clock().toISOString();
  }

  private updateSession(span: string, id: string, change: (s: Session) => SessionFields | undefined): Promise<Session> {
    return this.tracer.span(span, id, () =>
      this.store.write(
        (tx: Tx) => {
          const current = this.requireSession(id);
          const fields = change(current);
          if (!fields) return current;
          this.store.updateSession(tx, id, fields, this.now());
          return this.requireSession(id);
        },
        () => [{ kind: 'sessionUpdated', sessionId: id }],
      ),
    );
  }

  private requireSession(id: string): Session {
    const s = this.store.getSession(id);
    if (!s) throw new CoreError('SessionNotFound', `No session with id "${id}".`, { sessionId: id });
    return s;
  }

  private requireMessage(id: string): Message {
    const m = this.store.getMessage(id);
    if (!m) throw new CoreError('MessageNotFound', `No message with id "${id}".`, { messageId: id });
    return m;
  }

  private requireWritable(s: { title: string; status: SessionStatus }, sessionId: string): void {
    if (s.status !== 'active') {
      const how = s.status === 'archived' ? 'unarchive it' : 'resume it';
      throw new CoreError('SessionNotWritable', `Session "${s.title}" is ${s.status}; ${how} before adding messages.`, {
        sessionId,
        status: s.status,
      });
    }
  }

  private prepareMessage(
    input: NewMessage,
    what: string,
  ): { message: Omit<Message, 'seq' | 'sessionId'>; search: string } {
    const parsed = NewMessage.safeParse(input);
    if (!parsed.success) throw invalidInput(what, parsed.error);
    const v = parsed.data;
    const parts: Part[] = v.parts ?? (v.content !== undefined ? [{ type: 'text', text: v.content }] : []);
    this.checkSize(parts, what);
    const message: Omit<Message, 'seq' | 'sessionId'> = {
      id: v.id ?? '',
      role: v.role,
      parts,
      createdAt: v.createdAt ?? this.now(),
      state: v.state ?? 'complete',
      metadata: v.metadata ?? {},
      revision: 0,
    };
    const optional = {
      createdAtRaw: v.createdAtRaw,
      usage: v.usage,
      stopReason: v.stopReason,
      provider: v.provider,
      providerIds: v.providerIds,
      native: v.native,
      origin: v.origin,
    };
    for (const [k, value] of Object.entries(optional))
      if (value !== undefined) (message as Record<string, unknown>)[k] = value;
    return { message, search: searchableText(parts) };
  }

  private checkSize(parts: Part[], what: string): void {
    const bytes = Buffer.byteLength(JSON.stringify(parts));
    if (bytes > this.maxMessageBytes) {
      throw new CoreError(
        'InvalidInput',
        `The ${what} is ${(bytes / 1048576).toFixed(1)} MB; the limit is ${(this.maxMessageBytes / 1048576).toFixed(0)} MB.`,
        { bytes },
      );
    }
  }

  private emit(event: SessionEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.tracer.error('session event listener failed', { error: String(e) });
      }
    }
  }
}

function toEvent(c: Change, external: boolean): SessionEvent {
  switch (c.kind) {
    case 'sessionCreated':
    case 'sessionUpdated':
    case 'sessionDeleted':
      return { type: c.kind, sessionId: c.sessionId ?? '', external };
    case 'messagesAdded':
    case 'messagesUpdated':
    case 'messagesDeleted':
    case 'traceRecorded':
      return { type: c.kind, sessionId: c.sessionId ?? '', messageIds: c.messageIds ?? [], external };
    case 'tracesPruned':
      return { type: c.kind, external };
    default:
      return { type: 'reset', external };
  }
}

function notWritable(s: Session, what: string): CoreError {
  return new CoreError('SessionNotWritable', `Session "${s.title}" is archived; unarchive it to ${what}.`, {
    sessionId: s.id,
    status: s.status,
  });
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
