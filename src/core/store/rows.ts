// Rows of the session database as the core model's objects, and messages as rows.
import { sourceStatusOf, sourceSummaryOf } from '../langswarm/normalise';
import {
  ModelParameters,
  type Message,
  type Part,
  type Session,
  type SessionStatus,
  type SessionSummary,
  type Usage,
} from '../model';

/** Enough of the first user message for a title's first line (displayTitle keeps 80 characters). */
const OPENING_CHARS = 300;

export type Row = Record<string, string | number | null>;

export const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
export const parse = <T>(text: unknown, fallback: T): T =>
  typeof text === 'string' ? (JSON.parse(text) as T) : fallback;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * What the store derives when it reads a session (Session's derived fields), for `sessions AS s`: the source id, and
 * the first user words (first by seq; the (session_id, seq) index finds them) for a session whose title is empty or
 * only that id (the cases text.ts's displayTitle replaces; others do not carry the words twice).
 */
export const TITLE_COLUMNS = `json_extract(s.origin, '$.originalId') AS original_id,
  CASE WHEN trim(s.title) = '' OR s.title IN (json_extract(s.origin, '$.originalId'), json_extract(s.origin, '$.originalId') || ' (conflict)')
    THEN (SELECT substr(f.search_text, 1, ${OPENING_CHARS}) FROM messages f
      WHERE f.session_id = s.id AND f.role = 'user' AND trim(substr(f.search_text, 1, ${OPENING_CHARS})) <> ''
      ORDER BY f.seq LIMIT 1) END AS opening`;
/**
 * A whole session also says whether any message reports usage (a scan of its messages when its total is 0, so
 * listings, which show no token counts, leave it out).
 */
export const DERIVED_COLUMNS = `${TITLE_COLUMNS},
  (s.total_tokens > 0 OR s.message_count = 0
    OR EXISTS (SELECT 1 FROM messages u WHERE u.session_id = s.id AND u.usage IS NOT NULL)) AS tokens_known`;

export const SUMMARY_COLUMNS = `s.id, s.title, s.user_id, s.provider, s.model, s.status, s.tags, s.created_at, s.updated_at,
  s.last_activity_at, s.parent_session_id, s.parent_message_id, s.message_count, s.total_tokens,
  json_extract(s.origin, '$.format') AS origin_format, ${TITLE_COLUMNS}`;

export function toSummary(r: Row): SessionSummary {
  const s: SessionSummary = {
    id: String(r['id']),
    title: String(r['title']),
    userId: String(r['user_id']),
    provider: String(r['provider']),
    model: String(r['model']),
    status: r['status'] as SessionStatus,
    tags: parse<string[]>(r['tags'], []),
    createdAt: String(r['created_at']),
    updatedAt: String(r['updated_at']),
    lastActivityAt: String(r['last_activity_at']),
    messageCount: Number(r['message_count']),
    totalTokens: Number(r['total_tokens']),
  };
  if (r['parent_session_id'] != null)
    s.parent = { sessionId: String(r['parent_session_id']), messageId: String(r['parent_message_id']) };
  if (r['origin_format'] != null) s.originFormat = String(r['origin_format']);
  if (r['original_id'] != null) s.originalId = String(r['original_id']);
  if (r['opening'] != null) s.opening = String(r['opening']);
  if (r['tokens_known'] === 0) s.tokensKnown = false;
  return s;
}

export function toSession(r: Row): Session {
  const { originFormat: _, ...summary } = toSummary(r);
  const s: Session = { ...summary, metadata: parse(r['metadata'], {}), providerState: parse(r['provider_state'], {}) };
  if (r['system_prompt'] != null) s.systemPrompt = String(r['system_prompt']);
  if (r['parameters'] != null) Object.assign(s, readParameters(r['parameters']));
  if (r['origin'] != null) s.origin = parse(r['origin'], undefined);
  if (s.origin) {
    const sourceStatus = sourceStatusOf(s.origin);
    if (sourceStatus !== undefined) s.sourceStatus = sourceStatus;
    const sourceSummary = sourceSummaryOf(s.origin);
    if (sourceSummary !== undefined) s.sourceSummary = sourceSummary;
  }
  return s;
}

/** The file's words, in the file's place: the largest stored parameters read (a real session's are a few KB). */
const MAX_PARAMETERS_CHARS = 1_000_000;

/**
 * A session's stored model parameters, checked: the file may come from anywhere. What cannot be used is not
 * thrown (the session must still open) but said, as `parametersProblem`; sending refuses it (conversation.ts).
 */
function readParameters(value: unknown): Pick<Session, 'parameters' | 'parametersProblem'> {
  const problem = (why: string) => ({
    parametersProblem: `Its stored model parameters cannot be used (${why}); set them again or clear them.`,
  });
  if (typeof value !== 'string') return problem('they are not text');
  if (value.length > MAX_PARAMETERS_CHARS) return problem(`they are ${value.length} characters long`);
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return problem('they are not valid JSON');
  }
  const parsed = ModelParameters.safeParse(data);
  if (parsed.success) return { parameters: parsed.data };
  const first = parsed.error.issues[0]!;
  return problem(`${first.path.length ? `${first.path.join('.')}: ` : ''}${first.message}`);
}

/** A message without what places it (id, session, seq). */
export type MessageBody = Omit<Message, 'id' | 'sessionId' | 'seq'>;

export function messageRow(
  id: string,
  sessionId: string,
  seq: number,
  m: MessageBody,
  searchText: string,
): Array<string | number | null> {
  return [id, sessionId, seq, ...messageBodyRow(m, searchText)];
}

/** The columns of a message row after id, session_id and seq, in the order of messageBodyRow's values. */
export const BODY_COLUMNS = [
  'role',
  'parts',
  'search_text',
  'created_at',
  'created_at_raw',
  'state',
  'usage',
  'total_tokens',
  'stop_reason',
  'provider',
  'provider_ids',
  'metadata',
  'native',
  'origin',
  'revision',
  'edited_at',
] as const;

/** A message's row without what places it (id, session, seq): what the import's reader thread encodes. */
export function messageBodyRow(m: MessageBody, searchText: string): Array<string | number | null> {
  return [
    m.role,
    partsColumn(m.parts, searchText),
    searchText,
    m.createdAt,
    m.createdAtRaw ?? null,
    m.state,
    json(m.usage),
    m.usage?.totalTokens ?? 0,
    m.stopReason ?? null,
    json(m.provider),
    json(m.providerIds),
    JSON.stringify(m.metadata),
    json(m.native),
    json(m.origin),
    m.revision,
    m.editedAt ?? null,
  ];
}

/** The message a messageBodyRow holds (exactly: its row made again is the same). */
export function messageOfBodyRow(values: readonly unknown[]): { message: MessageBody; search: string } {
  const row: Row = { id: '', session_id: '', seq: 0 };
  BODY_COLUMNS.forEach((column, i) => {
    row[column] = (values[i] ?? null) as Row[string];
  });
  const { id: _id, sessionId: _session, seq: _seq, ...message } = toMessage(row);
  return { message, search: String(row['search_text']) };
}

/** A message that is one plain text part stores no parts JSON: its text is search_text (saves a third of the file). */
export function partsColumn(parts: readonly Part[], searchText: string): string | null {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === 'text' && only.annotations === undefined && only.text === searchText
    ? null
    : JSON.stringify(parts);
}

export function toMessage(r: Row): Message {
  const m: Message = {
    id: String(r['id']),
    sessionId: String(r['session_id']),
    seq: Number(r['seq']),
    role: r['role'] as Message['role'],
    parts: r['parts'] === null ? [{ type: 'text', text: String(r['search_text']) }] : parse<Part[]>(r['parts'], []),
    createdAt: String(r['created_at']),
    state: r['state'] as Message['state'],
    metadata: parse(r['metadata'], {}),
    revision: Number(r['revision']),
  };
  const optional: Array<[keyof Message, unknown]> = [
    ['createdAtRaw', str(r['created_at_raw'])],
    ['usage', parse<Usage | undefined>(r['usage'], undefined)],
    ['stopReason', str(r['stop_reason'])],
    ['provider', parse(r['provider'], undefined)],
    ['providerIds', parse(r['provider_ids'], undefined)],
    ['native', parse(r['native'], undefined)],
    ['origin', parse(r['origin'], undefined)],
    ['editedAt', str(r['edited_at'])],
  ];
  for (const [key, value] of optional) if (value !== undefined) (m as Record<string, unknown>)[key] = value;
  return m;
}
