// Every query of the session database, typed: what the session manager and the importer read and write.
// The SQL of the sessions, messages and search lives here and in schema.ts (tables, upgrades, the
// write catalogue). durable.ts runs only its own bookkeeping (store_meta, pragmas, schema checks) and
// salvage.ts only SELECTs known columns from a refused file, as data.
// Over 450 lines once formatted at 120 columns: it is the one typed home of the queries (rows.ts maps
// rows, schema.ts holds the tables); splitting reads from writes would split what they share.
import type { UsageRecord } from '../cost';
import { CoreError } from '../errors';
import {
  Message,
  MessageOutline,
  MessageRevision,
  ModelParameters,
  Part,
  Session,
  SessionFilter,
  SessionStatus,
  SessionSummary,
} from '../model';
import { makeSnippet, ParsedQuery, SNIPPET_TEXT_CHARS } from '../search';
import { displayTitle } from '../text';
import { BulkOptions, BulkRun, BulkTx, Tx } from './connection';
import { DurableDatabase } from './durable';
import type { DurableOptions } from './durable-config';
import type { Change } from './journal';
import {
  MessageBody,
  Row,
  DERIVED_COLUMNS,
  SUMMARY_COLUMNS,
  TITLE_COLUMNS,
  json,
  messageRow,
  parse,
  partsColumn,
  toMessage,
  toSession,
  toSummary,
} from './rows';
import { deleteSessionTraces } from './trace-store';
import { SCHEMA_VERSION, SessionFieldColumn, W, WRITES, inspectSchema, upgradeSchema } from './schema';

export interface StoreOptions extends DurableOptions {}

/** What one update of a session may set; `parameters: null` clears them. */
export type SessionFields = Partial<Omit<Session, 'parameters'>> & {
  statusBeforeArchive?: SessionStatus | null;
  parameters?: ModelParameters | null;
};

const SESSION_SORT_COLUMNS: Record<string, string> = {
  updatedAt: 'updated_at',
  createdAt: 'created_at',
  lastActivityAt: 'last_activity_at',
  title: 'title COLLATE NOCASE',
  messageCount: 'message_count',
};

export interface SearchHit {
  messageId: string;
  sessionId: string;
  sessionTitle: string;
  seq: number;
  role: Message['role'];
  createdAt: string;
  /** The matching passage; highlighted ranges are [start, end) offsets into it. */
  snippet: string;
  highlights: Array<[number, number]>;
}

export interface ImportedSession {
  id: string;
  /** The format and original id of each of its origins (origin, then origin.also; see src/core/langswarm/origins.ts). */
  origins: Array<[format: string, originalId: string]>;
}

export interface Stats {
  sessions: number;
  byStatus: Record<string, number>;
  byProvider: Record<string, number>;
  messages: number;
  byRole: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Messages that report token usage: when 0 (and there are messages), the token counts are unknown, not 0. */
  messagesWithUsage: number;
}

export interface ListQuery extends SessionFilter {
  sortBy: keyof typeof SESSION_SORT_COLUMNS;
  descending: boolean;
  offset: number;
  limit: number;
  /** An FTS MATCH expression for `text`, built by search.ts. */
  textMatch?: string;
}

/** All reads and writes of the session database, typed. */
export class SessionStore {
  private constructor(readonly durable: DurableDatabase) {}

  static async open(path: string, options: StoreOptions = {}): Promise<SessionStore> {
    const durable = await DurableDatabase.open(
      path,
      {
        schemaVersion: SCHEMA_VERSION,
        initialize: (tx, version) => upgradeSchema(tx, 0, version),
        inspect: inspectSchema,
        statements: WRITES,
      },
      options,
    );
    const store = new SessionStore(durable);
    const version = store.schemaVersion();
    if (version < SCHEMA_VERSION) {
      if (durable.readOnly)
        throw new CoreError(
          'DatabaseReadOnly',
          `${path} uses an older schema (${version}) and is open read-only, so it cannot be upgraded.`,
        );
      await durable.write(
        (tx) => upgradeSchema(tx, version, SCHEMA_VERSION),
        () => [{ kind: 'reset' }],
      );
    }
    return store;
  }

  get path(): string {
    return this.durable.path;
  }
  get readOnly(): boolean {
    return this.durable.readOnly;
  }
  get warnings(): readonly string[] {
    return this.durable.warnings;
  }

  write<T>(fn: (tx: Tx) => T, describe?: (result: T) => Change[]): Promise<T> {
    return this.durable.write(fn, describe);
  }

  writeBulk<T>(fn: (tx: Tx) => T): Promise<T> {
    return this.durable.writeBulk(fn);
  }

  /** A long bulk write in savepoint steps, made durable by one snapshot (see DurableDatabase.bulk). */
  bulk<T>(run: BulkRun<T>, options: BulkOptions = {}): Promise<T> {
    return this.durable.bulk(run, options);
  }

  refresh(): void {
    this.durable.refresh();
  }
  close(): Promise<void> {
    return this.durable.close();
  }

  schemaVersion(): number {
    const hasMeta = this.durable.get(`SELECT 1 AS x FROM sqlite_master WHERE name = 'store_meta'`) !== undefined;
    if (!hasMeta) return 0;
    return Number(
      this.durable.get<{ value: number }>(`SELECT value FROM store_meta WHERE key = 'schema_version'`)?.value ?? 0,
    );
  }

  // ---- sessions ------------------------------------------------------------------------------

  getSession(id: string): Session | undefined {
    const r = this.durable.get<Row>(`SELECT s.*, ${DERIVED_COLUMNS} FROM sessions s WHERE s.id = ?`, [id]);
    return r ? toSession(r) : undefined;
  }

  /** Just what adding a message needs, without parsing the session's JSON columns. */
  sessionState(id: string): { title: string; status: SessionStatus; nextSeq: number } | undefined {
    return this.durable.get<{ title: string; status: SessionStatus; nextSeq: number }>(
      `SELECT title, status, next_seq AS nextSeq FROM sessions WHERE id = ?`,
      [id],
    );
  }

  statusBeforeArchive(id: string): SessionStatus | undefined {
    const r = this.durable.get<Row>(`SELECT status_before_archive AS s FROM sessions WHERE id = ?`, [id]);
    return (r?.['s'] ?? undefined) as SessionStatus | undefined;
  }

  listSessions(q: ListQuery): { items: SessionSummary[]; total: number } {
    const where: string[] = [];
    const params: Array<string | number> = [];
    const statuses = q.status === undefined ? [] : Array.isArray(q.status) ? q.status : [q.status];
    if (statuses.length) {
      where.push(`status IN (${statuses.map(() => '?').join(',')})`);
      params.push(...statuses);
    }
    /** A condition with one parameter, when the query gives a value for it. */
    const when = (condition: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(condition);
      params.push(value);
    };
    when('provider = ?', q.provider);
    when('user_id = ?', q.userId);
    if (q.tag === null) where.push('id NOT IN (SELECT session_id FROM session_tags)');
    else when('id IN (SELECT session_id FROM session_tags WHERE tag = ?)', q.tag);
    when('last_activity_at >= ?', q.activeFrom);
    when('last_activity_at < ?', q.activeTo);
    if (q.text !== undefined && q.text.trim() !== '') {
      const like = `%${q.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // The source's own id too: an imported session stays findable by it after a rename.
      const conditions = [
        `title LIKE ? ESCAPE '\\'`,
        `id LIKE ? ESCAPE '\\'`,
        `model LIKE ? ESCAPE '\\'`,
        `json_extract(origin, '$.originalId') LIKE ? ESCAPE '\\'`,
      ];
      params.push(like, like, like, like);
      if (q.textMatch) {
        conditions.push(
          `id IN (SELECT m.session_id FROM messages m WHERE m.pk IN (SELECT docid FROM message_fts WHERE message_fts MATCH ?))`,
        );
        params.push(q.textMatch);
      }
      where.push(`(${conditions.join(' OR ')})`);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // Ties broken by rowid in the same direction, so the (column, rowid) index gives the order without a sort.
    const dir = q.descending ? 'DESC' : 'ASC';
    const order = `${SESSION_SORT_COLUMNS[q.sortBy] ?? 'updated_at'} ${dir}, rowid ${dir}`;
    const rows = this.durable.all<Row>(
      `SELECT ${SUMMARY_COLUMNS} FROM sessions s ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`,
      [...params, q.limit, q.offset],
    );
    const total = Number(
      this.durable.get<{ n: number }>(`SELECT count(*) AS n FROM sessions ${whereSql}`, params)?.n ?? 0,
    );
    return { items: rows.map(toSummary), total };
  }

  /** Providers that sessions use, sorted. */
  providers(): string[] {
    return this.durable
      .all<{ provider: string }>(`SELECT DISTINCT provider FROM sessions ORDER BY provider`)
      .map((r) => r.provider);
  }

  /** Tags in use, with how many sessions carry each. */
  tagCounts(): Array<{ tag: string; count: number }> {
    return this.durable.all<{ tag: string; count: number }>(
      `SELECT tag, count(*) AS count FROM session_tags GROUP BY tag ORDER BY tag`,
    );
  }

  /** Sessions per local calendar day of last activity, newest day first (offset: minutes east of UTC). */
  dayCounts(offsetMinutes: number): Array<{ day: string; count: number }> {
    return this.durable.all<{ day: string; count: number }>(
      `SELECT date(last_activity_at, ?) AS day, count(*) AS count FROM sessions GROUP BY day ORDER BY day DESC`,
      [`${offsetMinutes >= 0 ? '+' : ''}${Math.round(offsetMinutes)} minutes`],
    );
  }

  /** Sessions in one of `statuses` whose last activity is before `before`. */
  idleSessionIds(before: string, statuses: SessionStatus[]): string[] {
    return this.durable
      .all<{ id: string }>(
        `SELECT id FROM sessions WHERE last_activity_at < ? AND status IN (${statuses.map(() => '?').join(',')})`,
        [before, ...statuses],
      )
      .map((r) => r.id);
  }

  insertSession(tx: Tx, s: Session, nextSeq = 1): void {
    tx.run(W.insertSession, [
      s.id,
      s.title,
      s.userId,
      s.provider,
      s.model,
      s.status,
      s.systemPrompt ?? null,
      JSON.stringify(s.tags),
      JSON.stringify(s.metadata),
      JSON.stringify(s.providerState),
      s.createdAt,
      s.updatedAt,
      s.lastActivityAt,
      s.parent?.sessionId ?? null,
      s.parent?.messageId ?? null,
      json(s.origin),
      0,
      0,
      nextSeq,
    ]);
    // insertSession is a shipped journal statement (never changed): the newer column is set by its own.
    if (s.parameters) tx.run(W['setSession.parameters'], [JSON.stringify(s.parameters), s.updatedAt, s.id]);
    for (const tag of s.tags) tx.run(W.insertTag, [s.id, tag]);
  }

  /** Updates the given session fields (those that are columns) and stamps updated_at. */
  updateSession(tx: Tx, id: string, fields: SessionFields, now: string): void {
    const set = (column: SessionFieldColumn, value: string | null) =>
      tx.run(W[`setSession.${column}`], [value, now, id]);
    if (fields.title !== undefined) set('title', fields.title);
    if (fields.provider !== undefined) set('provider', fields.provider);
    if (fields.model !== undefined) set('model', fields.model);
    if (fields.status !== undefined) set('status', fields.status);
    if (fields.statusBeforeArchive !== undefined) set('status_before_archive', fields.statusBeforeArchive);
    if ('systemPrompt' in fields) set('system_prompt', fields.systemPrompt ?? null);
    if (fields.userId !== undefined) set('user_id', fields.userId);
    if (fields.metadata !== undefined) set('metadata', JSON.stringify(fields.metadata));
    if (fields.providerState !== undefined) set('provider_state', JSON.stringify(fields.providerState));
    if (fields.origin !== undefined) set('origin', json(fields.origin));
    if (fields.parameters !== undefined) set('parameters', fields.parameters && JSON.stringify(fields.parameters));
    if (fields.lastActivityAt !== undefined) set('last_activity_at', fields.lastActivityAt);
    if (fields.tags !== undefined) {
      set('tags', JSON.stringify(fields.tags));
      tx.run(W.deleteTags, [id]);
      for (const tag of fields.tags) tx.run(W.insertTag, [id, tag]);
    }
    tx.run(W.touchSession, [now, id]);
  }

  deleteSession(tx: Tx, id: string): number {
    const count = Number(
      tx.get<{ n: number }>(`SELECT count(*) AS n FROM messages WHERE session_id = ?`, [id])?.n ?? 0,
    );
    tx.run(W.deleteSessionFts, [id]);
    tx.run(W.deleteSessionRevisions, [id]);
    tx.run(W.deleteSessionMessages, [id]);
    tx.run(W.deleteTags, [id]);
    tx.run(W.deleteSession, [id]);
    deleteSessionTraces(tx, id);
    return count;
  }

  // ---- messages ------------------------------------------------------------------------------

  messageExists(id: string): boolean {
    return this.durable.get(`SELECT 1 AS x FROM messages WHERE id = ?`, [id]) !== undefined;
  }

  /** Inserts a message and keeps the session's counters, seq and activity time current. */
  insertMessage(tx: Tx, m: Message, searchText: string, now: string, touchSession = true): void {
    tx.run(W.insertMessage, messageRow(m.id, m.sessionId, m.seq, m, searchText));
    tx.run(W.indexLastMessage, [searchText]);
    if (touchSession) {
      tx.run(W.countMessage, [m.usage?.totalTokens ?? 0, m.seq, now, m.createdAt, m.sessionId]);
    }
  }

  /**
   * Bulk imports: inserts messages with seq from `firstSeq` on and ids from `newId`, without their
   * full-text entries (indexMessagesAfter adds them all at the end) and without touching the session
   * (recount once after). The rows are built without copying the message objects: at this volume a
   * copy per message costs more than SQLite's insert.
   */
  insertMessages(
    tx: Tx,
    sessionId: string,
    firstSeq: number,
    messages: ReadonlyArray<{ message: MessageBody; search: string }>,
    newId: () => string,
  ): void {
    let seq = firstSeq;
    for (const m of messages) tx.run(W.insertMessage, messageRow(newId(), sessionId, seq++, m.message, m.search));
  }

  /** insertMessages for rows the import's reader thread encoded (messageBodyRow in a RowWriter): bound from their bytes. */
  insertMessageRows(tx: BulkTx, sessionId: string, firstSeq: number, rows: Uint8Array, newId: () => string): number {
    return tx.runRows(W.insertMessage, (i) => [newId(), sessionId, firstSeq + i], rows);
  }

  /** Recomputes a session's counters from its messages (after bulk inserts). */
  recount(tx: Tx, sessionId: string, now: string): void {
    tx.run(W.recount, [now, sessionId]);
  }

  getMessage(id: string): Message | undefined {
    const r = this.durable.get<Row>(`SELECT * FROM messages WHERE id = ?`, [id]);
    return r ? toMessage(r) : undefined;
  }

  /** Messages of a session in seq order, paged by seq (`afterSeq` forward, `beforeSeq` backward). */
  listMessages(sessionId: string, page: { afterSeq?: number; beforeSeq?: number; limit: number }): Message[] {
    if (page.beforeSeq !== undefined) {
      const rows = this.durable.all<Row>(
        `SELECT * FROM messages WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
        [sessionId, page.beforeSeq, page.limit],
      );
      return rows.reverse().map(toMessage);
    }
    return this.durable
      .all<Row>(`SELECT * FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?`, [
        sessionId,
        page.afterSeq ?? Number.MIN_SAFE_INTEGER,
        page.limit,
      ])
      .map(toMessage);
  }

  /** Every message of a session in seq order, without content. */
  messageOutline(sessionId: string): MessageOutline[] {
    return this.durable.all<MessageOutline>(
      `SELECT id, seq, role, created_at AS createdAt, state FROM messages WHERE session_id = ? ORDER BY seq`,
      [sessionId],
    );
  }

  /** Each message with usage: its usage and producer as stored (JSON, unchecked: cost.ts checks them), without content. */
  usages(sessionId?: string): UsageRecord[] {
    const rows = this.durable.all<Row>(
      `SELECT id, session_id, created_at, provider, usage, origin IS NOT NULL AS imported FROM messages WHERE usage IS NOT NULL
       ${sessionId === undefined ? '' : 'AND session_id = ?'} ORDER BY session_id, seq`,
      sessionId === undefined ? [] : [sessionId],
    );
    return rows.map((r) => ({
      sessionId: String(r['session_id']),
      messageId: String(r['id']),
      createdAt: String(r['created_at']),
      provider: jsonOrUndefined(r['provider']),
      usage: jsonOrUndefined(r['usage']),
      ...(r['imported'] ? { imported: true } : {}),
    }));
  }

  /** The position of a message within its session (0-based), for paging to it. */
  messageIndex(m: Message): number {
    return Number(
      this.durable.get<{ n: number }>(`SELECT count(*) AS n FROM messages WHERE session_id = ? AND seq < ?`, [
        m.sessionId,
        m.seq,
      ])?.n ?? 0,
    );
  }

  updateMessage(tx: Tx, before: Message, after: Message, searchText: string, now: string): void {
    const pk = tx.get<{ pk: number }>(`SELECT pk FROM messages WHERE id = ?`, [before.id])?.pk;
    if (pk === undefined) throw new CoreError('MessageNotFound', `Message ${before.id} does not exist.`);
    if (after.revision !== before.revision) {
      tx.run(W.insertRevision, [before.id, before.revision, JSON.stringify(before.parts), now]);
    }
    tx.run(W.unindexMessage, [pk]);
    tx.run(W.updateMessage, [
      partsColumn(after.parts, searchText),
      searchText,
      after.state,
      JSON.stringify(after.metadata),
      after.revision,
      after.editedAt ?? null,
      json(after.usage),
      after.usage?.totalTokens ?? 0,
      after.stopReason ?? null,
      json(after.providerIds),
      json(after.native),
      pk,
    ]);
    tx.run(W.indexMessage, [pk, searchText]);
    const delta = (after.usage?.totalTokens ?? 0) - (before.usage?.totalTokens ?? 0);
    tx.run(W.addSessionTokens, [now, delta, before.sessionId]);
  }

  deleteMessage(tx: Tx, m: Message, now: string): void {
    tx.run(W.unindexMessageById, [m.id]);
    tx.run(W.deleteRevisions, [m.id]);
    tx.run(W.deleteMessage, [m.id]);
    tx.run(W.uncountMessage, [m.usage?.totalTokens ?? 0, now, m.sessionId]);
  }

  revisions(messageId: string): MessageRevision[] {
    return this.durable
      .all<Row>(`SELECT * FROM message_revisions WHERE message_id = ? ORDER BY revision`, [messageId])
      .map((r) => ({
        messageId: String(r['message_id']),
        revision: Number(r['revision']),
        parts: parse<Part[]>(r['parts'], []),
        replacedAt: String(r['replaced_at']),
      }));
  }

  // ---- imports -------------------------------------------------------------------------------

  /** Every session that came from an import, with what the importer recorded to recognise it again. */
  importedSessions(tx: Tx): ImportedSession[] {
    return tx
      .all<Row>(
        `SELECT id, json_extract(origin, '$.format') AS format, json_extract(origin, '$.originalId') AS original_id,
              (SELECT json_group_array(json_array(json_extract(value, '$.format'), json_extract(value, '$.originalId')))
                 FROM json_each(sessions.origin, '$.also')) AS also
           FROM sessions WHERE origin IS NOT NULL AND json_extract(origin, '$.import') IS NOT NULL`,
      )
      .map((r) => ({
        id: String(r['id']),
        origins: [
          [String(r['format'] ?? ''), String(r['original_id'] ?? '')],
          ...parse<Array<[unknown, unknown]>>(r['also'], []).map(([f, o]): [string, string] => [
            String(f ?? ''),
            String(o ?? ''),
          ]),
        ],
      }));
  }

  /** A session's messages in order, read inside `tx` (the importer compares them with a source's). */
  importedMessages(tx: Tx, sessionId: string): Message[] {
    return tx.all<Row>(`SELECT * FROM messages WHERE session_id = ? ORDER BY seq`, [sessionId]).map(toMessage);
  }

  /** What the importer compares a source with: the session's updated_at and origin (without the derived columns). */
  importState(tx: Tx, id: string): { updatedAt: string; origin: Record<string, unknown> | undefined } | undefined {
    const r = tx.get<Row>(`SELECT updated_at, origin FROM sessions WHERE id = ?`, [id]);
    return r ? { updatedAt: String(r['updated_at']), origin: parse(r['origin'], undefined) } : undefined;
  }

  /**
   * The source fingerprints of a session's messages in order as one format family imported them
   * (null for messages it does not hold): the message's own fp when it came from that family (from
   * its first origin: no origin.from), else origin.alt[family].fp (see src/core/langswarm/origins.ts).
   */
  messageFingerprints(tx: Tx, sessionId: string, family: string, first: boolean): Array<string | null> {
    const own = first ? `json_extract(origin, '$.from') IS NULL` : `json_extract(origin, '$.from') = ?`;
    return tx
      .all<{ fp: string | null }>(
        `SELECT CASE WHEN ${own} THEN json_extract(origin, '$.fp') ELSE json_extract(origin, ?) END AS fp
           FROM messages WHERE session_id = ? ORDER BY seq`,
        [...(first ? [] : [family]), `$.alt."${family.replace(/"/g, '')}".fp`, sessionId],
      )
      .map((r) => r.fp);
  }

  /** Replaces a session's origin, touching nothing else (updated_at stays). */
  setSessionOrigin(tx: Tx, id: string, origin: Record<string, unknown>): void {
    tx.run(`UPDATE sessions SET origin = ? WHERE id = ?`, [JSON.stringify(origin), id]);
  }

  /** Replaces a message's origin, touching nothing else. */
  setMessageOrigin(tx: Tx, id: string, origin: Record<string, unknown>): void {
    tx.run(`UPDATE messages SET origin = ? WHERE id = ?`, [JSON.stringify(origin), id]);
  }

  /** The highest message rowid: rows inserted after this call have larger ones (for indexMessagesAfter). */
  lastMessagePk(tx: Tx): number {
    return Number(tx.get<{ pk: number }>(`SELECT coalesce(max(pk), 0) AS pk FROM messages`)?.pk ?? 0);
  }

  /** Adds the full-text index entries of every message inserted after `pk`, in one statement. */
  indexMessagesAfter(tx: Tx, pk: number): void {
    tx.run(W.indexMessagesAfter, [pk]);
  }

  // ---- search and stats ----------------------------------------------------------------------

  /** Full-text search, newest first. `query` comes from search.ts's parseQuery (a searchable one). */
  search(
    query: ParsedQuery,
    opts: { sessionId?: string; limit: number; offset: number },
  ): { hits: SearchHit[]; total: number } {
    // Keep the MATCH on its own so FTS4 walks its doclist once (docid order is native to it); a
    // docid IN (...) or a join on the FTS side would re-run the whole query per row.
    const inSession = `SELECT pk FROM messages WHERE session_id = ? AND pk IN (SELECT docid FROM message_fts WHERE message_fts MATCH ?)`;
    const pks = (
      opts.sessionId === undefined
        ? this.durable.all<{ pk: number }>(
            `SELECT docid AS pk FROM message_fts WHERE message_fts MATCH ? ORDER BY docid DESC LIMIT ? OFFSET ?`,
            [query.match, opts.limit, opts.offset],
          )
        : this.durable.all<{ pk: number }>(`${inSession} ORDER BY pk DESC LIMIT ? OFFSET ?`, [
            opts.sessionId,
            query.match,
            opts.limit,
            opts.offset,
          ])
    ).map((r) => r.pk);
    const total = Number(
      (opts.sessionId === undefined
        ? this.durable.get<{ n: number }>(`SELECT count(*) AS n FROM message_fts WHERE message_fts MATCH ?`, [
            query.match,
          ])
        : this.durable.get<{ n: number }>(`SELECT count(*) AS n FROM (${inSession})`, [opts.sessionId, query.match])
      )?.n ?? 0,
    );
    if (pks.length === 0) return { hits: [], total };
    // Only the start of each text (one character more than a snippet reads, so it knows there is more).
    const rows = this.durable.all<Row>(
      `SELECT m.id, m.session_id, m.seq, m.role, m.created_at, s.title AS session_title, ${TITLE_COLUMNS},
              substr(m.search_text, 1, ?) AS text_start
         FROM messages m JOIN sessions s ON s.id = m.session_id
        WHERE m.pk IN (${pks.map(() => '?').join(',')}) ORDER BY m.pk DESC`,
      [SNIPPET_TEXT_CHARS + 1, ...pks],
    );
    return {
      total,
      hits: rows.map((r) => {
        const snippet = makeSnippet(String(r['text_start']), query.highlight);
        return {
          messageId: String(r['id']),
          sessionId: String(r['session_id']),
          sessionTitle: displayTitle({
            title: String(r['session_title']),
            ...(r['original_id'] != null ? { originalId: String(r['original_id']) } : {}),
            ...(r['opening'] != null ? { opening: String(r['opening']) } : {}),
          }),
          seq: Number(r['seq']),
          role: r['role'] as Message['role'],
          createdAt: String(r['created_at']),
          snippet: snippet.text,
          highlights: snippet.highlights,
        };
      }),
    };
  }

  stats(sessionId?: string): Stats {
    const scope = sessionId === undefined ? '' : 'WHERE session_id = ?';
    const sessionScope = sessionId === undefined ? '' : 'WHERE id = ?';
    const p = sessionId === undefined ? [] : [sessionId];
    const counts = (sql: string) =>
      Object.fromEntries(this.durable.all<{ k: string; n: number }>(sql, p).map((r) => [r.k, Number(r.n)]));
    const tokens =
      this.durable.get<Row>(
        `SELECT count(*) AS messages, count(usage) AS with_usage,
              coalesce(sum(json_extract(usage, '$.inputTokens')), 0) AS input,
              coalesce(sum(json_extract(usage, '$.outputTokens')), 0) AS output,
              coalesce(sum(total_tokens), 0) AS total
         FROM messages ${scope}`,
        p,
      ) ?? {};
    const byStatus = counts(`SELECT status AS k, count(*) AS n FROM sessions ${sessionScope} GROUP BY status`);
    return {
      sessions: Object.values(byStatus).reduce((a, b) => a + b, 0),
      byStatus,
      byProvider: counts(`SELECT provider AS k, count(*) AS n FROM sessions ${sessionScope} GROUP BY provider`),
      messages: Number(tokens['messages'] ?? 0),
      byRole: counts(`SELECT role AS k, count(*) AS n FROM messages ${scope} GROUP BY role`),
      inputTokens: Number(tokens['input'] ?? 0),
      outputTokens: Number(tokens['output'] ?? 0),
      totalTokens: Number(tokens['total'] ?? 0),
      messagesWithUsage: Number(tokens['with_usage'] ?? 0),
    };
  }
}

/** A column's JSON, or undefined when it is not JSON (a damaged row prices as unknown instead of failing the query). */
function jsonOrUndefined(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
