// LangSwarm V1: the session document (LangSwarmSession.to_dict(), a JSON file or one row of the
// SQLite store) mapped into the core model without losing anything.
//
// Where things go: the session's source document, with its message list emptied, is kept whole in
// origin.fields (key order included); custom_metadata is the session's metadata; each message keeps
// its source id, fingerprint and every field the model has no home for in message.origin (V1
// defaults such as `tool_calls: null` are left out to keep rows small); content lives in the parts,
// the timestamp string in createdAtRaw, message metadata verbatim in metadata. export-v1.ts reverses it.
import type { Database } from 'sql.js';
import { CoreError, describeError } from '../errors';
import { Part, Session } from '../model';
import { SessionMapper, attachModel, mappedMessage, sessionTitle } from './mapper';
import { describe, fingerprint, isObject, mapFinishReason, normaliseProvider, usableTags, v1Role } from './normalise';
import { Specials, parsePythonJson, prefixSpecials, splitSpecials } from './pyjson';
import type { MappedMessage, SessionDraft, SourceFormat, SourceItem, SourceSession } from './source';
import { quoteIdentifier } from './sqlite-file';

export const V1_MESSAGE_KEYS = [
  'id',
  'role',
  'content',
  'timestamp',
  'metadata',
  'tool_calls',
  'tool_call_id',
  'provider_message_id',
];
/** Message keys V1 defaults to null: a null there is not worth storing. */
export const V1_NULL_DEFAULTS = new Set(['tool_calls', 'tool_call_id', 'provider_message_id']);
/** Keys LangSwarmSession.from_dict cannot do without (export adds those a source lacked). */
export const V1_REQUIRED_METADATA = [
  'user_id',
  'session_id',
  'provider',
  'model',
  'created_at',
  'updated_at',
  'status',
  'session_control',
] as const;
/** What V1 used when session_control was not given. */
export const V1_DEFAULT_SESSION_CONTROL = 'hybrid';
/** LangSwarmSession's own defaults for the metadata this app has no counterpart for, in to_dict()'s order. */
export const V1_UNMODELLED_DEFAULTS = {
  provider_thread_id: null,
  provider_conversation_id: null,
  provider_agent_id: null,
  context_limit: null,
  auto_truncate: true,
  summarization_enabled: true,
} as const;

/** The scalar columns of the V1 SQLite table, copies of metadata keys of the same name. */
export const V1_COLUMNS = [
  'session_id',
  'user_id',
  'provider',
  'model',
  'status',
  'session_control',
  'created_at',
  'updated_at',
  'last_activity',
];
/** Columns that identify the V1 table (V1 itself read only the two JSON columns). */
export const V1_TABLE_COLUMNS = ['metadata', 'history', 'session_control'] as const;

export function isV1Document(v: unknown): v is { metadata: Record<string, unknown>; history: Record<string, unknown> } {
  return isObject(v) && isObject(v['metadata']) && isObject(v['history']);
}

export interface V1Context {
  format: SourceFormat;
  file: string;
  where: string;
  naiveUtc: boolean;
  /** The SQLite row's scalar columns, checked against the JSON (which wins). */
  columns?: Record<string, unknown>;
}

/**
 * The rows of a V1 SQLite store, one session each; a row that cannot be read is reported and skipped.
 * A row's update marker is its rowid and updated_at: V1 saved with INSERT OR REPLACE, which gives the
 * row a new rowid on every save (and updated_at moves), so rows carrying a marker in `unchanged` are
 * skipped without parsing their JSON.
 */
export function* v1SqliteItems(
  db: Database,
  table: string,
  file: string,
  naiveUtc: boolean,
  unchanged?: Readonly<Record<string, string>>,
): Iterable<SourceItem> {
  // One scan in rowid order (a lookup per row costs more); an unchanged row is skipped before its JSON is parsed.
  const rows = db.prepare(`SELECT rowid AS ${ROWID}, * FROM ${quoteIdentifier(table)} ORDER BY rowid`);
  try {
    for (let n = 1; rows.step(); n++) {
      const { [ROWID]: rowid, ...row } = rows.getAsObject();
      const originalId = String(row['session_id'] ?? '');
      const marker = `${String(rowid)}|${String(row['updated_at'])}`;
      if (unchanged?.[originalId] === marker) {
        yield { kind: 'unchanged', originalId, marker };
        continue;
      }
      const where = `row ${n}`;
      try {
        const metadata = parsePythonJson(cellText(row['metadata'], 'metadata'));
        const history = parsePythonJson(cellText(row['history'], 'history'));
        const specials = {
          ...prefixSpecials(metadata.specials, '/metadata'),
          ...prefixSpecials(history.specials, '/history'),
        };
        const doc = { metadata: metadata.value, history: history.value };
        const session = mapV1Document(doc, Object.keys(specials).length ? specials : undefined, {
          format: 'langswarm-v1-sqlite',
          file,
          where,
          naiveUtc,
          columns: row,
        });
        yield { kind: 'session', session: { ...session, marker } };
      } catch (e) {
        yield { kind: 'error', where, originalId, message: describeError(e) };
      }
    }
  } finally {
    rows.free();
  }
}

/** The name the row's rowid is read under (not a V1 column). */
const ROWID = '__langswarm_sessions_rowid';

function cellText(value: unknown, column: string): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  throw new CoreError('ImportRejected', `the ${column} column holds ${describe(value)}, not JSON text.`);
}

/** Maps one V1 document. Throws ImportRejected when it is not one. */
export function mapV1Document(doc: unknown, specials: Specials | undefined, ctx: V1Context): SourceSession {
  if (!isV1Document(doc)) {
    const keys = isObject(doc) ? Object.keys(doc).slice(0, 8).join(', ') || 'none' : describe(doc);
    throw new CoreError(
      'ImportRejected',
      `Not a LangSwarm V1 session: expected {"metadata": {…}, "history": {…}}, found ${isObject(doc) ? `keys ${keys}` : keys}.`,
    );
  }
  const { metadata: md, history } = doc;
  const mapper = new SessionMapper(ctx.naiveUtc, md['created_at'] ?? md['updated_at']);
  const warnings = mapper.warnings;
  const sessionId = md['session_id'] ?? history['session_id'];
  const originalId =
    typeof sessionId === 'string'
      ? sessionId
      : sessionId === undefined || sessionId === null
        ? ''
        : JSON.stringify(sessionId);
  if (
    history['session_id'] !== undefined &&
    md['session_id'] !== undefined &&
    history['session_id'] !== md['session_id']
  ) {
    warnings.push(
      `history.session_id ${describe(history['session_id'])} differs from metadata.session_id ${describe(md['session_id'])}; used the metadata's.`,
    );
  }
  for (const key of V1_REQUIRED_METADATA) {
    if (!(key in md)) {
      warnings.push(
        key === 'session_control'
          ? `metadata has no session_control; V1 defaults it to "${V1_DEFAULT_SESSION_CONTROL}" (written so on export).`
          : `metadata has no ${key} (V1 requires it).`,
      );
    }
  }
  if (ctx.columns) checkColumns(md, ctx.columns, warnings);
  if (history['messages'] !== undefined && !Array.isArray(history['messages'])) {
    warnings.push(
      `history.messages is ${describe(history['messages'])}, not a list; no messages imported (the value is kept).`,
    );
  }
  const { inside: historySpecials, outside: sessionSpecials } = splitSpecials(specials, '/history/messages');
  const rawMessages = Array.isArray(history['messages']) ? history['messages'] : [];
  const messages = rawMessages.map((raw, i) =>
    mapV1Message(raw, i, mapper, historySpecials && splitSpecials(historySpecials, `/${i}`).inside),
  );
  const fields = Array.isArray(history['messages']) ? { ...doc, history: { ...history, messages: [] } } : doc;
  const session: SessionDraft = {
    title: sessionTitle(mapper.text(originalId), messages),
    ...v1SessionFields(md, mapper),
    providerState: {},
    ...mapper.times(
      { created: md['created_at'], updated: md['updated_at'], lastActivity: md['last_activity'] },
      messages,
    ),
    origin: {
      format: ctx.format,
      file: ctx.file,
      originalId,
      fields,
      ...(sessionSpecials ? { specials: sessionSpecials } : {}),
      ...(ctx.naiveUtc ? { naiveUtc: true } : {}),
      ...(ctx.columns ? columnMismatches(md, ctx.columns) : {}),
    },
  };
  attachModel(messages, session.provider, session.model);
  return {
    format: ctx.format,
    originalId,
    where: ctx.where,
    session,
    messages,
    fieldsHash: fingerprint(JSON.stringify([fields, sessionSpecials ?? null])),
    sourceUpdatedAt: typeof md['updated_at'] === 'string' ? md['updated_at'] : undefined,
    warnings: mapper.finish(),
  };
}

/** The session fields the model takes from V1 metadata: import sets them, export compares with them. */
export function v1SessionFields(
  md: Record<string, unknown>,
  mapper: SessionMapper,
): Pick<Session, 'userId' | 'provider' | 'model' | 'status' | 'tags' | 'metadata'> {
  const text = (v: unknown) => (typeof v === 'string' ? mapper.text(v) : '');
  return {
    userId: text(md['user_id']),
    provider: normaliseProvider(md['provider']),
    model: text(md['model']).trim() || 'unknown',
    status: mapper.status(md['status']),
    tags: usableTags(md['tags'], mapper.warnings),
    metadata: isObject(md['custom_metadata']) ? md['custom_metadata'] : {},
  };
}

function mapV1Message(
  raw: unknown,
  index: number,
  mapper: SessionMapper,
  specials: Specials | undefined,
): MappedMessage {
  if (!isObject(raw)) {
    // Not a message V1 could load; kept whole so nothing is lost and export writes it back.
    mapper.warnings.push(
      `message ${index + 1} is ${describe(raw)}, not an object; kept as a user message holding that JSON.`,
    );
    const parts: Part[] = [{ type: 'text', text: mapper.text(JSON.stringify(raw) ?? 'null', index) }];
    const fp = fingerprint(`raw\u0001${JSON.stringify(raw)}`);
    return mappedMessage(
      { role: 'user', parts, createdAt: mapper.time(undefined, index), metadata: {}, origin: { raw, fp } },
      fp,
    );
  }
  mapper.noteId(raw['id'], index);
  const role = mapper.role(raw['role'], index);
  const content = raw['content'];
  if (content !== null && content !== undefined && typeof content !== 'string') {
    mapper.warnings.push(`message ${index + 1}: content is not text; shown as its JSON (the original is kept).`);
  }
  const text = mapper.text(
    typeof content === 'string' ? content : content === null || content === undefined ? '' : JSON.stringify(content),
    index,
  );
  const metadata = isObject(raw['metadata']) ? raw['metadata'] : {};
  const parts: Part[] = role.toolResult
    ? [mapper.toolResult(raw['tool_call_id'], metadata['name'], text, index)]
    : [
        ...(text ? [{ type: 'text' as const, text }] : []),
        ...mapper.toolCalls(raw['tool_calls'], index),
        ...(role.role === 'assistant' && metadata['function_call'] !== undefined
          ? [mapper.functionCall(metadata['function_call'], index)].filter((p) => p !== undefined)
          : []),
      ];
  const createdAt = mapper.time(raw['timestamp'], index);

  // Only what cannot be rebuilt from the model goes into origin (see the header).
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'id' || key === 'content') continue;
    if (key === 'timestamp' && typeof value === 'string') continue;
    if (key === 'metadata' && isObject(value)) continue;
    if (key === 'role' && value === v1Role(role.role)) continue;
    if (V1_NULL_DEFAULTS.has(key) && value === null) continue;
    if (key === 'provider_message_id' && typeof value === 'string' && value) continue; // it is providerIds.responseId
    fields[key] = value;
  }
  const keys = Object.keys(raw);
  const fp = v1Fingerprint(raw, specials);
  const origin: Record<string, unknown> = { id: raw['id'], fp };
  if (Object.keys(fields).length) origin['fields'] = fields;
  if (keys.length !== V1_MESSAGE_KEYS.length || keys.some((k, i) => k !== V1_MESSAGE_KEYS[i])) origin['keys'] = keys;
  if ('content' in raw && content !== text) origin['content'] = content;
  if (specials) origin['specials'] = specials;

  return mappedMessage(
    {
      role: role.role,
      parts,
      createdAt,
      createdAtRaw: raw['timestamp'],
      metadata,
      providerMessageId: raw['provider_message_id'],
      stopReason: mapFinishReason(metadata['finish_reason']),
      origin,
    },
    fp,
  );
}

/** Every source field in order; content hashed as is (cheaper than serialising it again). */
function v1Fingerprint(raw: Record<string, unknown>, specials: Specials | undefined): string {
  let text = '';
  for (const [key, value] of Object.entries(raw))
    text += `${key}\u0001${typeof value === 'string' ? value : JSON.stringify(value)}\u0002`;
  if (specials) text += JSON.stringify(specials);
  return fingerprint(text);
}

function checkColumns(md: Record<string, unknown>, columns: Record<string, unknown>, warnings: string[]): void {
  for (const [column, value] of Object.entries(columnMismatches(md, columns).columns ?? {})) {
    warnings.push(
      `column ${column} says ${describe(value)} but the metadata JSON says ${describe(md[column])}; the JSON wins (V1 read only the JSON).`,
    );
  }
}

function columnMismatches(
  md: Record<string, unknown>,
  columns: Record<string, unknown>,
): { columns?: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const column of V1_COLUMNS) {
    const value = columns[column] ?? null;
    if (column in columns && value !== (md[column] ?? null)) out[column] = value;
  }
  return Object.keys(out).length ? { columns: out } : {};
}
