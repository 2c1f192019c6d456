// LangSwarm V2's two SQLite stores, one message per row:
//   session store (`backend` + `context_data`): sessions, session_messages (tool data in the metadata
//     JSON), session_metrics; no status is stored.
//   memory store (`agent_id` + `properties`): sessions (status, tags), messages (tool_calls and
//     function_call columns, aware UTC times), summaries.
// Both order messages by insertion (rowid), may hold messages whose session row is gone (imported as
// a session of their own, with a warning), and keep every row whole in origin.
import type { Database, SqlValue } from 'sql.js';
import { Part } from '../model';
import { SessionMapper, attachModel, mappedMessage, sessionTitle } from './mapper';
import { describe, fingerprint, isObject, mapFinishReason, normaliseProvider, usableTags } from './normalise';
import { ParsedJson, parsePythonJson } from './pyjson';
import type { MappedMessage, SourceFormat, SourceItem, SourceSession } from './source';
import { findTable, quoteIdentifier } from './sqlite-file';

type Row = Record<string, SqlValue>;

/** Columns that tell the formats and their tables apart (never table names: all have `sessions`). */
export const V2_SESSION_COLUMNS = ['session_id', 'backend', 'context_data'] as const;
export const V2_MEMORY_COLUMNS = ['session_id', 'agent_id', 'properties'] as const;
const MESSAGE_COLUMNS = ['session_id', 'message_id', 'role', 'content', 'timestamp'];

interface Layout {
  format: SourceFormat;
  sessions: string;
  messages: string | undefined;
  /** Per-session side table kept in origin: session_metrics, or summaries (several rows). */
  extra: { table: string; many: boolean } | undefined;
}

export function v2Layout(
  tables: Map<string, Set<string>>,
  format: 'langswarm-v2-session' | 'langswarm-v2-memory',
): Layout {
  const memory = format === 'langswarm-v2-memory';
  const sessions = findTable(tables, memory ? V2_MEMORY_COLUMNS : V2_SESSION_COLUMNS)!;
  const messages = findTable(tables, memory ? [...MESSAGE_COLUMNS, 'tool_calls', 'function_call'] : MESSAGE_COLUMNS);
  const extraTable = findTable(
    tables,
    memory ? ['summary_id', 'session_id', 'summary'] : ['session_id', 'session_duration'],
  );
  return { format, sessions, messages, extra: extraTable ? { table: extraTable, many: memory } : undefined };
}

export function* v2Items(db: Database, layout: Layout, file: string, naiveUtc: boolean): Iterable<SourceItem> {
  const q = quoteIdentifier;
  const sessions = db.prepare(`SELECT * FROM ${q(layout.sessions)} ORDER BY rowid`);
  try {
    for (let n = 1; sessions.step(); n++) {
      const row = sessions.getAsObject() as Row;
      const where = `sessions row ${n}`;
      try {
        yield { kind: 'session', session: mapV2Session(db, layout, row, file, where, naiveUtc) };
      } catch (e) {
        yield {
          kind: 'error',
          where,
          originalId: String(row['session_id']),
          message: e instanceof Error ? e.message : String(e),
        };
      }
    }
  } finally {
    sessions.free();
  }
  if (!layout.messages) return;
  const orphans = db.exec(
    `SELECT DISTINCT session_id FROM ${q(layout.messages)} WHERE session_id NOT IN (SELECT session_id FROM ${q(layout.sessions)})`,
  );
  for (const [id] of orphans[0]?.values ?? []) {
    const where = `messages of session ${describe(id)}, which has no sessions row`;
    try {
      yield {
        kind: 'session',
        session: mapV2Session(db, layout, { session_id: id ?? null }, file, where, naiveUtc, true),
      };
    } catch (e) {
      yield { kind: 'error', where, originalId: String(id), message: e instanceof Error ? e.message : String(e) };
    }
  }
}

function mapV2Session(
  db: Database,
  layout: Layout,
  row: Row,
  file: string,
  where: string,
  naiveUtc: boolean,
  orphaned = false,
): SourceSession {
  const memory = layout.format === 'langswarm-v2-memory';
  const originalId = String(row['session_id'] ?? '');
  const mapper = new SessionMapper(naiveUtc, row['created_at']);
  const warnings = mapper.warnings;
  if (orphaned)
    warnings.push('these messages have no session row (it was deleted); imported as a session of their own.');
  const json = (column: string) => jsonColumn(row[column], column, warnings);
  // Parsed JSON columns replace their text in the kept row; their special number tokens go beside.
  const context = memory ? undefined : json('context_data');
  const properties = memory ? json('properties') : undefined;
  const tags = memory ? json('tags') : undefined;
  const keptRow: Record<string, unknown> = { ...row };
  const specials: Record<string, unknown> = {};
  for (const [column, parsed] of [
    ['context_data', context],
    ['properties', properties],
    ['tags', tags],
  ] as const) {
    if (!parsed) continue;
    keptRow[column] = parsed.value;
    if (parsed.specials) specials[column] = parsed.specials;
  }
  const v1 = findV1(
    memory ? properties?.value : isObject(context?.value) ? context.value['provider_context'] : undefined,
  );

  const rows = layout.messages
    ? db.exec(`SELECT * FROM ${quoteIdentifier(layout.messages)} WHERE session_id = ? ORDER BY rowid`, [
        row['session_id'] ?? null,
      ])
    : [];
  const columns = rows[0]?.columns ?? [];
  const messages = (rows[0]?.values ?? []).map((values, i) =>
    mapV2Message(Object.fromEntries(columns.map((c, k) => [c, values[k] ?? null])), i, mapper, memory),
  );

  const extra = layout.extra
    ? db.exec(`SELECT * FROM ${quoteIdentifier(layout.extra.table)} WHERE session_id = ? ORDER BY rowid`, [
        row['session_id'] ?? null,
      ])
    : [];
  const extraRows = (extra[0]?.values ?? []).map((v) =>
    Object.fromEntries((extra[0]?.columns ?? []).map((c, k) => [c, v[k] ?? null])),
  );
  const fields: Record<string, unknown> = {
    row: orphaned ? null : keptRow,
    ...(layout.extra ? { [layout.extra.table]: layout.extra.many ? extraRows : (extraRows[0] ?? null) } : {}),
  };
  const text = (v: unknown) => (typeof v === 'string' ? mapper.text(v) : '');
  const provider = normaliseProvider(row['provider'] ?? v1?.['provider']);
  const model = text(row['model'] ?? v1?.['model']).trim() || 'unknown';
  attachModel(messages, provider, model);
  return {
    format: layout.format,
    originalId,
    where,
    session: {
      title: sessionTitle(text(originalId), messages),
      userId: text(row['user_id']),
      provider,
      model,
      // The session store keeps no status: active, unless LangSwarm migrated it from V1 with one.
      status: memory ? mapper.status(row['status']) : v1 ? mapper.status(v1['status']) : 'active',
      tags: usableTags(tags?.value, warnings),
      metadata: {},
      providerState: {},
      ...mapper.times({ created: row['created_at'], updated: row['updated_at'] }, messages),
      origin: {
        format: layout.format,
        file,
        originalId,
        fields,
        ...(Object.keys(specials).length ? { specials } : {}),
        ...(naiveUtc ? { naiveUtc: true } : {}),
      },
    },
    messages,
    fieldsHash: fingerprint(JSON.stringify([fields, specials])),
    sourceUpdatedAt: typeof row['updated_at'] === 'string' ? row['updated_at'] : undefined,
    warnings: mapper.finish(),
  };
}

/** The V1 session a V2 store recorded when LangSwarm migrated it (its provider, model, status). */
function findV1(container: unknown): Record<string, unknown> | undefined {
  return isObject(container) && isObject(container['v1']) ? container['v1'] : undefined;
}

function jsonColumn(value: SqlValue | undefined, column: string, warnings: string[]): ParsedJson | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return parsePythonJson(value);
  } catch (e) {
    warnings.push(`${column} is not valid JSON (${e instanceof Error ? e.message : String(e)}); kept as text.`);
    return undefined;
  }
}

function mapV2Message(row: Row, index: number, mapper: SessionMapper, memory: boolean): MappedMessage {
  mapper.noteId(row['message_id'], index);
  const role = mapper.role(row['role'], index);
  const local: string[] = [];
  const metadataJson = jsonColumn(row['metadata'], `message ${index + 1} metadata`, local);
  const metadata = isObject(metadataJson?.value) ? metadataJson.value : {};
  const toolCallsJson = memory ? jsonColumn(row['tool_calls'], `message ${index + 1} tool_calls`, local) : undefined;
  const functionCallJson = memory
    ? jsonColumn(row['function_call'], `message ${index + 1} function_call`, local)
    : undefined;
  mapper.warnings.push(...local);
  const text = mapper.text(
    typeof row['content'] === 'string' ? row['content'] : row['content'] === null ? '' : String(row['content']),
    index,
  );
  const parts: Part[] = role.toolResult
    ? [mapper.toolResult(metadata['tool_call_id'], metadata['name'], text, index)]
    : [
        ...(text ? [{ type: 'text' as const, text }] : []),
        ...mapper.toolCalls(memory ? toolCallsJson?.value : metadata['tool_calls'], index),
        ...[mapper.functionCall(memory ? functionCallJson?.value : metadata['function_call'], index)].filter(
          (p) => p !== undefined,
        ),
      ];
  const createdAt = mapper.time(row['timestamp'], index);
  const tokens =
    typeof row['token_count'] === 'number' && Number.isInteger(row['token_count']) && row['token_count'] >= 0
      ? row['token_count']
      : undefined;
  const providerMessageId = row['provider_message_id'] ?? metadata['provider_message_id'];
  const stopReason = mapFinishReason(row['finish_reason'] ?? metadata['finish_reason']);
  const { message_id: id, session_id: _session, content, timestamp, metadata: _metadata, ...rest } = row;
  const fp = fingerprint(JSON.stringify(row));
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null));
  const origin: Record<string, unknown> = { id, fp };
  if (Object.keys(fields).length) origin['fields'] = fields;
  if (typeof content !== 'string' || content !== text) origin['content'] = content;
  if (row['metadata'] !== null && !isObject(metadataJson?.value)) origin['metadata'] = row['metadata'];
  if (metadataJson?.specials) origin['specials'] = { '/metadata': metadataJson.specials };
  return mappedMessage(
    {
      role: role.role,
      parts,
      createdAt,
      createdAtRaw: timestamp,
      metadata,
      ...(tokens !== undefined
        ? {
            usage: {
              inputTokens: role.role === 'assistant' ? 0 : tokens,
              outputTokens: role.role === 'assistant' ? tokens : 0,
              totalTokens: tokens,
            },
          }
        : {}),
      providerMessageId,
      stopReason,
      origin,
    },
    fp,
  );
}
