// The session database's schema: its tables, the upgrades from each version to the next, how a file is
// recognised as ours, and the catalogue of statements a write may run (the journal names these).
import type { Database } from 'sql.js';
import { CoreError } from '../errors';
import type { Tx } from './connection';

export const FORMAT_NAME = 'langswarm-sessions';
export const SCHEMA_VERSION = 3;

/** Forward upgrades: SCHEMA_UPGRADES[n] upgrades schema n to n + 1. Never edit a shipped entry. */
const SCHEMA_UPGRADES: Record<number, string[]> = {
  0: [
    `CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value)`,
    `INSERT OR REPLACE INTO store_meta(key, value) VALUES ('format', '${FORMAT_NAME}')`,
    `CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      user_id TEXT NOT NULL DEFAULT '',
      provider TEXT NOT NULL,
      model TEXT NOT NULL,
      status TEXT NOT NULL,
      status_before_archive TEXT,
      system_prompt TEXT,
      tags TEXT NOT NULL DEFAULT '[]',
      metadata TEXT NOT NULL DEFAULT '{}',
      provider_state TEXT NOT NULL DEFAULT '{}',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      last_activity_at TEXT NOT NULL,
      parent_session_id TEXT,
      parent_message_id TEXT,
      origin TEXT,
      message_count INTEGER NOT NULL DEFAULT 0,
      total_tokens INTEGER NOT NULL DEFAULT 0,
      next_seq INTEGER NOT NULL DEFAULT 1
    )`,
    `CREATE INDEX sessions_by_updated ON sessions(updated_at)`,
    `CREATE INDEX sessions_by_status ON sessions(status, updated_at)`,
    `CREATE INDEX sessions_by_provider ON sessions(provider, updated_at)`,
    `CREATE INDEX sessions_by_activity ON sessions(last_activity_at)`,
    `CREATE TABLE session_tags (session_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (session_id, tag)) WITHOUT ROWID`,
    `CREATE INDEX session_tags_by_tag ON session_tags(tag, session_id)`,
    `CREATE TABLE messages (
      pk INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      session_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      role TEXT NOT NULL,
      parts TEXT,
      search_text TEXT NOT NULL,
      created_at TEXT NOT NULL,
      created_at_raw TEXT,
      state TEXT NOT NULL,
      usage TEXT,
      total_tokens INTEGER NOT NULL DEFAULT 0,
      stop_reason TEXT,
      provider TEXT,
      provider_ids TEXT,
      metadata TEXT NOT NULL DEFAULT '{}',
      native TEXT,
      origin TEXT,
      revision INTEGER NOT NULL DEFAULT 0,
      edited_at TEXT,
      UNIQUE (session_id, seq)
    )`,
    // External-content FTS4 over messages.search_text; kept in step explicitly by the functions below.
    `CREATE VIRTUAL TABLE message_fts USING fts4(content="messages", search_text, tokenize=unicode61)`,
    `CREATE TABLE message_revisions (
      message_id TEXT NOT NULL,
      revision INTEGER NOT NULL,
      parts TEXT NOT NULL,
      replaced_at TEXT NOT NULL,
      PRIMARY KEY (message_id, revision)
    ) WITHOUT ROWID`,
  ],
  // Turn traces (store/trace-store.ts): one row per model call; request bodies point into trace_blobs,
  // content-addressed by SHA-256, so history a stateless provider resends every turn is stored once.
  1: [
    `CREATE TABLE turn_traces (
      pk INTEGER PRIMARY KEY,
      span_id BLOB NOT NULL UNIQUE,
      trace_id BLOB NOT NULL,
      session_id TEXT,
      operation TEXT NOT NULL,
      provider TEXT NOT NULL,
      api TEXT NOT NULL,
      model_requested TEXT NOT NULL,
      model_answered TEXT,
      started_at TEXT NOT NULL,
      ended_at TEXT NOT NULL,
      outcome TEXT NOT NULL,
      message_ids TEXT NOT NULL DEFAULT '[]',
      summary BLOB NOT NULL,
      detail BLOB NOT NULL
    )`,
    `CREATE INDEX turn_traces_by_session ON turn_traces(session_id)`,
    `CREATE INDEX turn_traces_by_start ON turn_traces(started_at)`,
    // An item (data: a deflated array element, keyed by its SHA-256) or a list node: the list `prev` ends,
    // less its first `skip` elements, plus `item` (keyed by the first 16 bytes of the SHA-256 of those).
    `CREATE TABLE trace_blobs (hash BLOB PRIMARY KEY, prev BLOB, skip INTEGER, item BLOB, data BLOB) WITHOUT ROWID`,
    // The blobs each trace points at directly (list heads); what they reach is alive, the rest is collected.
    `CREATE TABLE trace_blob_refs (trace_pk INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (trace_pk, hash)) WITHOUT ROWID`,
  ],
  // A session's model parameters (model.ts ModelParameters: effort, temperature, tools…), JSON; NULL: none set.
  2: [`ALTER TABLE sessions ADD COLUMN parameters TEXT`],
};

/** Session columns a single update may set (one statement each, so the catalogue stays fixed). */
const SESSION_FIELD_COLUMNS = {
  title: 'title',
  provider: 'provider',
  model: 'model',
  status: 'status',
  statusBeforeArchive: 'status_before_archive',
  systemPrompt: 'system_prompt',
  userId: 'user_id',
  metadata: 'metadata',
  providerState: 'provider_state',
  origin: 'origin',
  lastActivityAt: 'last_activity_at',
  tags: 'tags',
  parameters: 'parameters',
} as const;
export type SessionFieldColumn = (typeof SESSION_FIELD_COLUMNS)[keyof typeof SESSION_FIELD_COLUMNS];
const setSessionColumn = (column: SessionFieldColumn) =>
  `UPDATE sessions SET ${column} = ?, updated_at = ? WHERE id = ?`;

/**
 * Every statement a write runs, by name: the journal records these names with their parameters and
 * replays nothing else (see journal.ts). Names are part of the file format: never rename or change
 * a shipped entry; add a new one.
 */
export const WRITES = {
  insertSession: `INSERT INTO sessions (id, title, user_id, provider, model, status, system_prompt, tags, metadata, provider_state,
         created_at, updated_at, last_activity_at, parent_session_id, parent_message_id, origin, message_count, total_tokens, next_seq)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  insertTag: `INSERT OR IGNORE INTO session_tags(session_id, tag) VALUES (?, ?)`,
  deleteTags: `DELETE FROM session_tags WHERE session_id = ?`,
  ...Object.fromEntries(Object.values(SESSION_FIELD_COLUMNS).map((c) => [`setSession.${c}`, setSessionColumn(c)])),
  touchSession: `UPDATE sessions SET updated_at = ? WHERE id = ?`,
  deleteSessionFts: `DELETE FROM message_fts WHERE docid IN (SELECT pk FROM messages WHERE session_id = ?)`,
  deleteSessionRevisions: `DELETE FROM message_revisions WHERE message_id IN (SELECT id FROM messages WHERE session_id = ?)`,
  deleteSessionMessages: `DELETE FROM messages WHERE session_id = ?`,
  deleteSession: `DELETE FROM sessions WHERE id = ?`,
  insertMessage: `INSERT INTO messages (id, session_id, seq, role, parts, search_text, created_at, created_at_raw, state, usage,
  total_tokens, stop_reason, provider, provider_ids, metadata, native, origin, revision, edited_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  indexLastMessage: `INSERT INTO message_fts(docid, search_text) VALUES (last_insert_rowid(), ?)`,
  countMessage: `UPDATE sessions SET message_count = message_count + 1, total_tokens = total_tokens + ?, next_seq = max(next_seq, ? + 1),
           updated_at = ?, last_activity_at = max(last_activity_at, ?) WHERE id = ?`,
  // One pass over the session's messages for all four (a subquery per column would make four).
  recount: `UPDATE sessions SET (message_count, total_tokens, next_seq, last_activity_at, updated_at) = (
         SELECT count(*), coalesce(sum(m.total_tokens), 0), max(sessions.next_seq, coalesce(max(m.seq), 0) + 1),
                max(sessions.last_activity_at, coalesce(max(m.created_at), '')), ?
           FROM messages m WHERE m.session_id = sessions.id)
       WHERE id = ?`,
  insertRevision: `INSERT INTO message_revisions(message_id, revision, parts, replaced_at) VALUES (?,?,?,?)`,
  unindexMessage: `DELETE FROM message_fts WHERE docid = ?`,
  updateMessage: `UPDATE messages SET parts = ?, search_text = ?, state = ?, metadata = ?, revision = ?, edited_at = ?, usage = ?, total_tokens = ?,
         stop_reason = ?, provider_ids = ?, native = ? WHERE pk = ?`,
  indexMessage: `INSERT INTO message_fts(docid, search_text) VALUES (?, ?)`,
  addSessionTokens: `UPDATE sessions SET updated_at = ?, total_tokens = total_tokens + ? WHERE id = ?`,
  unindexMessageById: `DELETE FROM message_fts WHERE docid = (SELECT pk FROM messages WHERE id = ?)`,
  deleteRevisions: `DELETE FROM message_revisions WHERE message_id = ?`,
  deleteMessage: `DELETE FROM messages WHERE id = ?`,
  uncountMessage: `UPDATE sessions SET message_count = message_count - 1, total_tokens = total_tokens - ?, updated_at = ? WHERE id = ?`,
  indexMessagesAfter: `INSERT INTO message_fts(docid, search_text) SELECT pk, search_text FROM messages WHERE pk > ?`,
  insertTrace: `INSERT INTO turn_traces (span_id, trace_id, session_id, operation, provider, api, model_requested, model_answered,
         started_at, ended_at, outcome, message_ids, summary, detail) VALUES (unhex(?),unhex(?),?,?,?,?,?,?,?,?,?,?,unhex(?),unhex(?))`,
  insertTraceRef: `INSERT OR IGNORE INTO trace_blob_refs(trace_pk, hash) SELECT pk, unhex(?) FROM turn_traces WHERE span_id = unhex(?)`,
  insertTraceItem: `INSERT OR IGNORE INTO trace_blobs(hash, data) VALUES (unhex(?), unhex(?))`,
  insertTraceNode: `INSERT OR IGNORE INTO trace_blobs(hash, prev, skip, item) VALUES (unhex(?), unhex(?), ?, unhex(?))`,
  deleteSessionTraces: `DELETE FROM turn_traces WHERE session_id = ?`,
  // OTLP: a trace's spans stored before its conversation was known move to the conversation's session.
  moveTraceSpans: `UPDATE turn_traces SET session_id = ? WHERE session_id = ? AND trace_id = unhex(?)`,
  deleteTracesBefore: `DELETE FROM turn_traces WHERE started_at < ?`,
  deleteOldestTraces: `DELETE FROM turn_traces WHERE pk IN (SELECT pk FROM turn_traces ORDER BY started_at, pk LIMIT ?)`,
  deleteOrphanTraceRefs: `DELETE FROM trace_blob_refs WHERE trace_pk NOT IN (SELECT pk FROM turn_traces)`,
  // Mark and sweep: every blob reachable from a trace's references stays.
  collectTraceBlobs: `DELETE FROM trace_blobs WHERE hash NOT IN (
         WITH RECURSIVE live(h) AS (
           SELECT hash FROM trace_blob_refs
           UNION SELECT b.prev FROM trace_blobs b JOIN live ON b.hash = live.h WHERE b.prev IS NOT NULL
           UNION SELECT b.item FROM trace_blobs b JOIN live ON b.hash = live.h WHERE b.item IS NOT NULL)
         SELECT h FROM live)`,
  setSchemaVersion: `INSERT OR REPLACE INTO store_meta(key, value) VALUES ('schema_version', ?)`,
  // Schema upgrades run as journaled writes too; "migration.…" since the first release (file format).
  ...Object.fromEntries(
    Object.entries(SCHEMA_UPGRADES).flatMap(([v, list]) => list.map((sql, i) => [`migration.${v}.${i}`, sql])),
  ),
} as const satisfies Record<string, string>;
export const W = WRITES as Record<keyof typeof WRITES | `setSession.${SessionFieldColumn}`, string>;

/** Upgrades the schema from version `from` to `to` (from 0: creates it). */
export function upgradeSchema(tx: Tx, from: number, to: number): void {
  for (let v = from; v < to; v++) {
    for (const sql of SCHEMA_UPGRADES[v] ?? []) tx.run(sql);
    tx.run(W.setSchemaVersion, [v + 1]);
  }
}

/** Our databases say so in store_meta; an empty SQLite file is accepted as new. Anything else is refused. */
export function inspectSchema(db: Database, file: string): number {
  const tables = (db.exec(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)[0]?.values ?? []).map(
    (r) => String(r[0]),
  );
  if (tables.length === 0) return 0; // an empty SQLite file: becomes ours
  if (tables.includes('store_meta')) {
    const rows =
      db.exec(`SELECT key, value FROM store_meta WHERE key IN ('format', 'schema_version')`)[0]?.values ?? [];
    const meta = Object.fromEntries(rows.map((r) => [String(r[0]), r[1]]));
    if (meta['format'] === FORMAT_NAME) {
      const version = meta['schema_version'] ?? 0;
      if (typeof version === 'number' && Number.isSafeInteger(version) && version >= 0) return version;
      throw new CoreError(
        'NotADatabase',
        `${file} records an impossible schema version (${String(version).slice(0, 40)}); it was left untouched.`,
        { path: file },
      );
    }
  }
  const hint = tables.includes('sessions') ? ' If it is a LangSwarm session store, import it with "migrate".' : '';
  throw new CoreError(
    'NotADatabase',
    `${file} is a SQLite database but not a LangSwarm Sessions database (tables: ${tables.slice(0, 8).join(', ') || 'none'}); it was left untouched.${hint}`,
    { path: file, tables },
  );
}
