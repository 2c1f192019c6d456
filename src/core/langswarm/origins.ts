// One conversation, several origins. LangSwarm V2 migrated V1 sessions keeping their ids, so one
// conversation can reach us as a V1 JSON file, a V1 SQLite row and rows of both V2 stores.
//
// The identity rule: a source session from another format family is the same conversation as an
// imported session when it has the same original session id and its messages agree, position by
// position, in original message id and role (one list may be longer: that one holds more). An
// empty session on either side agrees by id alone. A session changed here since its import takes
// no other origin (it is no longer what any source holds).
//
// Where things go: session.origin stays the first origin (format, file, originalId, fields, import);
// each further one is an entry of origin.also with the same keys. A message keeps its first
// origin as before; another family holding it adds origin.alt[family] (that source's id,
// fingerprint and raw fields, plus `model`: the mapped values that differ from the message's, so
// nothing of the source is lost); a message that only another family brought carries origin.from.
// viewAs() turns a session back into what one family imported, for the lossless V1 export.
import { invalidInput } from '../errors';
import { MAX_TITLE_LENGTH, type Message, Session, type SessionOrigin } from '../model';
import type { SessionStore } from '../store/session-store';
import type { Tx } from '../store/connection';
import { MappedMessage, SourceSession, formatFamily } from './source';

/** What origin.import holds: the updated_at written (a different one means changed here) and the source's hashes. */
export interface ImportStamp {
  stamp: string;
  fieldsHash: string;
  sourceUpdatedAt?: string;
}

export type OriginEntry = SessionOrigin & { import?: ImportStamp; model?: Record<string, unknown> };

/** Every origin of a session: the first, then origin.also. */
/** The origin a source session records, stamped with the updated_at its import writes. */
export function entryOf(
  src: Pick<SourceSession, 'session' | 'fieldsHash' | 'sourceUpdatedAt'>,
  stamp: string,
): OriginEntry {
  return {
    ...src.session.origin,
    import: {
      stamp,
      fieldsHash: src.fieldsHash,
      ...(src.sourceUpdatedAt !== undefined ? { sourceUpdatedAt: src.sourceUpdatedAt } : {}),
    },
  };
}

/**
 * A source session as it is first stored (its id still to be given), checked; or why it cannot be. The import's
 * reader checks each session it reads (read.ts): there, not in the store's thread, which has the most to do.
 */
export function firstStored(
  src: Pick<SourceSession, 'session' | 'fieldsHash' | 'sourceUpdatedAt'>,
  conflictWith?: string,
): Session | { invalid: string } {
  const parsed = Session.safeParse({
    ...src.session,
    id: '',
    title: conflictWith ? `${src.session.title} (conflict)`.slice(-MAX_TITLE_LENGTH) : src.session.title,
    messageCount: 0,
    totalTokens: 0,
    origin: { ...entryOf(src, src.session.updatedAt), ...(conflictWith ? { conflictWith } : {}) },
  });
  return parsed.success ? parsed.data : { invalid: invalidInput('imported session', parsed.error).message };
}

export function originsOf(session: { origin?: unknown }): OriginEntry[] {
  const origin = session.origin as OriginEntry | undefined;
  if (!origin) return [];
  const { also, ...first } = origin as OriginEntry & { also?: unknown };
  return [first as OriginEntry, ...(Array.isArray(also) ? (also as OriginEntry[]) : [])];
}

/** The session's origin of `family`, and whether it is the first. */
export function originOf(
  session: { origin?: unknown },
  family: string,
): { entry: OriginEntry; first: boolean } | undefined {
  const all = originsOf(session);
  const at = all.findIndex((o) => formatFamily(o.format) === family);
  return at < 0 ? undefined : { entry: all[at]!, first: at === 0 };
}

/** The session's origin with `entry` in place of its family's (or added), and every import stamp set to `stamp`. */
export function withOrigin(session: { origin?: unknown }, entry: OriginEntry, stamp?: string): SessionOrigin {
  const family = formatFamily(entry.format);
  const all = originsOf(session);
  const at = all.findIndex((o) => formatFamily(o.format) === family);
  if (at < 0) all.push(entry);
  else all[at] = { ...entry, ...(all[at]!['conflictWith'] ? { conflictWith: all[at]!['conflictWith'] } : {}) };
  const stamped = all.map((o) => (stamp && o.import ? { ...o, import: { ...o.import, stamp } } : o));
  const [first, ...also] = stamped;
  return { ...first!, ...(also.length ? { also } : {}) };
}

/** `target` with the values of `model` (see differing): null ones removed. */
function applyModel<T extends object>(target: T, model: unknown): T {
  const out = { ...target } as Record<string, unknown>;
  for (const [k, v] of Object.entries((model ?? {}) as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out as T;
}

/** The mapped values a message or session field of one source has that differ from the stored ones. */
function differing(stored: object, mapped: object, keys: readonly string[]) {
  const model: Record<string, unknown> = {};
  const [a, b] = [stored as Record<string, unknown>, mapped as Record<string, unknown>];
  for (const key of keys) {
    if (key in b && JSON.stringify(a[key]) !== JSON.stringify(b[key])) model[key] = b[key];
    else if (!(key in b) && key in a) model[key] = null; // the source has none
  }
  return Object.keys(model).length ? { model } : {};
}

const MESSAGE_KEYS = ['role', 'parts', 'createdAt', 'createdAtRaw', 'metadata', 'usage', 'stopReason', 'providerIds'];
const SESSION_KEYS = [
  'title',
  'userId',
  'provider',
  'model',
  'status',
  'tags',
  'metadata',
  'createdAt',
  'lastActivityAt',
];

const sameMessage = (stored: Message, src: MappedMessage) =>
  stored.role === src.message.role && stored.origin?.['id'] === src.message.origin?.['id'];

/**
 * Whether `src` (of a family `session` has no origin of) is the same conversation: how many of its
 * messages the session already holds, or undefined when it is another one.
 */
export function sameConversation(session: Session, stored: readonly Message[], src: SourceSession): number | undefined {
  if (session.updatedAt !== (session.origin as OriginEntry | undefined)?.import?.stamp) return undefined;
  const common = Math.min(stored.length, src.messages.length);
  for (let i = 0; i < common; i++) if (!sameMessage(stored[i]!, src.messages[i]!)) return undefined;
  return common;
}

/**
 * Adds `src` as another origin of `session`: its session fields go to origin.also, each message it
 * shares gets origin.alt[family], and its messages beyond the session's are returned to be appended
 * (marked origin.from). Writes origins only: the session's updated_at is the caller's to move.
 */
export function attachOrigin(
  tx: Tx,
  store: SessionStore,
  session: Session,
  stored: readonly Message[],
  src: SourceSession,
  entry: OriginEntry,
  stamp: string | undefined,
): MappedMessage[] {
  const family = formatFamily(src.format);
  const shared = Math.min(stored.length, src.messages.length);
  for (let i = 0; i < shared; i++) {
    const m = stored[i]!;
    const mapped = src.messages[i]!.message;
    const alt = { ...(m.origin?.['alt'] as Record<string, unknown> | undefined) };
    alt[family] = { ...mapped.origin, ...differing(m, mapped, MESSAGE_KEYS) };
    store.setMessageOrigin(tx, m.id, { ...m.origin, alt });
  }
  const full = { ...entry, ...differing(session, src.session, SESSION_KEYS) };
  store.setSessionOrigin(tx, session.id, withOrigin(session, full, stamp));
  return src.messages
    .slice(shared)
    .map((m) => ({ ...m, message: { ...m.message, origin: { ...m.message.origin, from: family } } }));
}

/**
 * The session and messages as `family` imported them: that origin first, its messages with their own
 * origins and mapped values; a message it does not hold keeps only its source id (it is new to it).
 */
export function viewAs(
  session: Session,
  messages: readonly Message[],
  family: string,
): { session: Session; messages: readonly Message[] } {
  const found = originOf(session, family);
  if (!found || !originsOf(session)[1]) return { session, messages }; // one origin: as it always was
  const { model, ...entry } = found.entry;
  const view = found.first ? session : { ...applyModel(session, model), origin: entry };
  return {
    session: view,
    messages: messages.map((m): Message => {
      const { from, alt, ...own } = (m.origin ?? {}) as Record<string, unknown>;
      if (found.first ? from === undefined : from === family) return { ...m, origin: own };
      const theirs = (alt as Record<string, Record<string, unknown>> | undefined)?.[family];
      if (!theirs) return { ...m, origin: { id: own['id'] } };
      const { model: values, ...origin } = theirs;
      return { ...applyModel(m, values), origin };
    }),
  };
}
