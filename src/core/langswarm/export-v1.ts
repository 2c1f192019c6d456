// Writes a session as a LangSwarm V1 JSON document (LangSwarmSession.to_dict(), written as Python's
// json.dump does), which LangSwarm V1 loads.
//
// For a session imported from V1 every value is written back raw unless the model's value is no
// longer what that raw value maps to, so an unmodified import comes out equal to its source: key
// order, NaN/Infinity tokens, timestamps to the microsecond, unknown keys and all. Only keys V1
// cannot load without (session_control and the other required ones) are added when the source
// lacked them. Other sessions get a valid document with V1's defaults.
import type { Message, Part, Session } from '../model';
import { messageText } from '../model';
import type { SessionApi } from '../sessions';
import { SessionMapper } from './mapper';
import { isObject, v1Role, v1Status } from './normalise';
import { Specials, dumpPythonJson, prefixSpecials } from './pyjson';
import { viewAs } from './origins';
import { formatFamily } from './source';
import { TimeStyle, formatPythonTime, parseSourceTime, timeStyle } from './time';
import {
  V1_DEFAULT_SESSION_CONTROL,
  V1_MESSAGE_KEYS,
  V1_NULL_DEFAULTS,
  V1_REQUIRED_METADATA,
  V1_UNMODELLED_DEFAULTS,
  v1SessionFields,
} from './v1';

/** The V1 JSON text of a session. */
export async function exportV1(manager: SessionApi, sessionId: string): Promise<string> {
  const session = await manager.get(sessionId);
  const { doc, specials } = toV1Document(session, await manager.allMessages(sessionId));
  return dumpPythonJson(doc, specials);
}

type Doc = Record<string, unknown> & { metadata: Record<string, unknown>; history: Record<string, unknown> };

export function toV1Document(
  merged: Session,
  allMessages: readonly Message[],
): { doc: Doc; specials: Specials | undefined } {
  // A session with several origins is written as its V1 origin imported it.
  const { session, messages } = viewAs(merged, allMessages, 'langswarm-v1');
  const origin = session.origin;
  const fields = origin?.fields;
  const fromV1 =
    origin !== undefined &&
    formatFamily(origin.format) === 'langswarm-v1' &&
    isObject(fields?.['metadata']) &&
    isObject(fields['history']);
  const naiveUtc = origin?.['naiveUtc'] === true;
  const style: TimeStyle = fromV1
    ? timeStyle((fields['metadata'] as Record<string, unknown>)['created_at'], naiveUtc)
    : 'offset';
  const specials: Specials = { ...(fromV1 ? (origin['specials'] as Specials | undefined) : {}) };
  const list = [
    ...(session.systemPrompt !== undefined && !fromV1 ? [systemPromptMessage(session)] : []),
    ...messages.map((m, i) => {
      const built = fromV1 && m.origin?.['fp'] !== undefined ? importedMessage(m, style) : newMessage(m, style);
      Object.assign(specials, prefixSpecials(built.specials, `/history/messages/${i}`));
      return built.message;
    }),
  ];
  const doc = fromV1 ? fromImported(session, fields as Doc, list, style) : fresh(session, list, style);
  // V1 cannot load a document without these: a source that lacked them gets this session's values.
  const fallback = fresh(session, [], style).metadata;
  for (const key of V1_REQUIRED_METADATA) {
    if (!(key in doc.metadata))
      doc.metadata[key] = key === 'session_control' ? V1_DEFAULT_SESSION_CONTROL : fallback[key];
  }
  doc.history['session_id'] ??= doc.metadata['session_id'];
  return { doc, specials: Object.keys(specials).length ? specials : undefined };
}

function fromImported(session: Session, fields: Doc, messages: Array<Record<string, unknown>>, style: TimeStyle): Doc {
  const md: Record<string, unknown> = { ...fields.metadata };
  const history: Record<string, unknown> = { ...fields.history };
  const stamp = (session.origin?.['import'] as { stamp?: string } | undefined)?.stamp;
  const modified = session.updatedAt !== stamp;
  const naiveUtc = session.origin?.['naiveUtc'] === true;
  const imported = v1SessionFields(md, new SessionMapper(naiveUtc, undefined));
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  // Each value the model can change: written raw while it still maps to what the model holds.
  const put = (key: string, unchanged: boolean, value: () => unknown) => {
    if (!unchanged) md[key] = value();
  };
  put('user_id', imported.userId === session.userId, () => session.userId);
  put('provider', imported.provider === session.provider, () => session.provider);
  put('model', imported.model === session.model, () => session.model);
  put('status', imported.status === session.status, () => v1Status(session.status));
  put('tags', same(imported.tags, session.tags), () => session.tags);
  put('custom_metadata', same(imported.metadata, session.metadata), () => session.metadata);
  if (modified) {
    md['updated_at'] = formatPythonTime(session.updatedAt, style);
    put('last_activity', parseSourceTime(md['last_activity'], naiveUtc)?.iso === session.lastActivityAt, () =>
      formatPythonTime(session.lastActivityAt, style),
    );
    md['message_count'] = messages.length;
    if (typeof history['total_tokens'] === 'number') history['total_tokens'] = wordCount(messages);
  }
  if (Array.isArray(history['messages']) || messages.length > 0) history['messages'] = messages;
  return { ...fields, metadata: md, history };
}

function fresh(session: Session, messages: Array<Record<string, unknown>>, style: TimeStyle): Doc {
  const time = (iso: string) => formatPythonTime(iso, style);
  const id = session.origin?.originalId || session.id;
  return {
    metadata: {
      user_id: session.userId,
      session_id: id,
      provider: session.provider,
      model: session.model,
      created_at: time(session.createdAt),
      updated_at: time(session.updatedAt),
      status: v1Status(session.status),
      // The history is kept client-side, as LangSwarm's own control mode does.
      session_control: 'langswarm',
      ...V1_UNMODELLED_DEFAULTS,
      message_count: messages.length,
      total_tokens: session.totalTokens,
      last_activity: time(session.lastActivityAt),
      tags: session.tags,
      custom_metadata: session.metadata,
    },
    history: { session_id: id, messages, summary: null, total_tokens: wordCount(messages), truncated_at: null },
  };
}

/** An imported V1 message: raw fields from its origin, the rest from the model (see v1.ts). */
function importedMessage(
  m: Message,
  style: TimeStyle,
): { message: Record<string, unknown>; specials: Specials | undefined } {
  const o = m.origin ?? {};
  const specials = o['specials'] as Specials | undefined;
  if ('raw' in o && m.revision === 0) return { message: o['raw'] as Record<string, unknown>, specials: undefined };
  const f = (o['fields'] as Record<string, unknown> | undefined) ?? {};
  const keys = Array.isArray(o['keys']) ? (o['keys'] as string[]) : V1_MESSAGE_KEYS;
  const out: Record<string, unknown> = {};
  const value = (key: string): unknown => {
    if (key in f) return f[key];
    switch (key) {
      case 'id':
        return o['id'] ?? m.id;
      case 'role':
        return v1Role(m.role);
      case 'content':
        return m.revision === 0 && 'content' in o ? o['content'] : contentOf(m.parts);
      case 'timestamp':
        return m.createdAtRaw ?? formatPythonTime(m.createdAt, style);
      case 'metadata':
        return m.metadata;
      case 'provider_message_id':
        return m.providerIds?.['responseId'] ?? null;
      default:
        return V1_NULL_DEFAULTS.has(key) ? null : undefined;
    }
  };
  for (const key of keys) out[key] = value(key);
  // V1 cannot load a message without these.
  for (const key of ['id', 'role', 'content', 'timestamp']) if (!(key in out)) out[key] = value(key);
  return { message: out, specials };
}

/** A message that did not come from V1 (native, or imported from V2). */
function newMessage(
  m: Message,
  style: TimeStyle,
): { message: Record<string, unknown>; specials: Specials | undefined } {
  const calls = m.parts.filter((p): p is Extract<Part, { type: 'tool_call' }> => p.type === 'tool_call');
  const result = m.parts.find((p): p is Extract<Part, { type: 'tool_result' }> => p.type === 'tool_result');
  const sourceId = m.origin?.['id'];
  return {
    message: {
      id: typeof sourceId === 'string' && sourceId ? sourceId : m.id,
      role: v1Role(m.role),
      content: contentOf(m.parts),
      timestamp: formatPythonTime(m.createdAt, style),
      metadata: m.metadata,
      tool_calls: calls.length
        ? calls.map((c) => ({ id: c.callId, function: { arguments: c.argumentsJson, name: c.name }, type: 'function' }))
        : null,
      tool_call_id: result?.callId || null,
      provider_message_id: typeof m.providerIds?.['responseId'] === 'string' ? m.providerIds['responseId'] : null,
    },
    specials: undefined,
  };
}

function systemPromptMessage(session: Session): Record<string, unknown> {
  return {
    id: 'msg_system',
    role: 'system',
    content: session.systemPrompt,
    timestamp: formatPythonTime(session.createdAt, 'offset'),
    metadata: {},
    tool_calls: null,
    tool_call_id: null,
    provider_message_id: null,
  };
}

/** A V1 message's content: a tool result's text, or the message's text. */
function contentOf(parts: readonly Part[]): string {
  const result = parts.find((p) => p.type === 'tool_result');
  return result?.type === 'tool_result' ? result.content : messageText(parts);
}

/** V1's history.total_tokens: a running count of whitespace-separated words. */
function wordCount(messages: ReadonlyArray<Record<string, unknown>>): number {
  return messages.reduce(
    (n, m) => n + (typeof m['content'] === 'string' ? m['content'].split(/\s+/).filter(Boolean).length : 0),
    0,
  );
}
