// Copies the sessions a refused database holds into a new one. The source may be hostile (a foreign
// trigger, view or odd number in a shared repository's database), so it is only read, as data: no
// statement runs on it but SELECTs of known columns from plain tables, and every row is checked
// against the model before it is written to the new database.
import * as fs from 'node:fs';
import type { Database, SqlValue } from 'sql.js';
import { CoreError, describeError } from '../errors';
import { Message, Session, searchableText } from '../model';
import { SessionStore } from './session-store';
import { BODY_COLUMNS, toMessage, toSession } from './rows';
import { loadSqlJs } from './sqljs';

export interface SalvageReport {
  sessions: number;
  messages: number;
  /** What could not be copied, one sentence each (at most a few dozen). */
  skipped: string[];
}

const MAX_SKIPPED_SHOWN = 30;

const SESSION_COLUMNS = [
  'id',
  'title',
  'user_id',
  'provider',
  'model',
  'status',
  'system_prompt',
  'tags',
  'metadata',
  'provider_state',
  'created_at',
  'updated_at',
  'last_activity_at',
  'parent_session_id',
  'parent_message_id',
  'origin',
  'message_count',
  'total_tokens',
  'parameters',
];
const MESSAGE_COLUMNS = ['id', 'session_id', 'seq', ...BODY_COLUMNS];

/** Copies what `source` holds into a new database at `target` (which must not exist yet). */
export async function salvage(source: string, target: string): Promise<SalvageReport> {
  if (fs.existsSync(target))
    throw new CoreError('InvalidInput', `${target} already exists; choose a new file for the copied sessions.`, {
      path: target,
    });
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(source);
  } catch (e) {
    throw new CoreError('StorageError', `Could not read ${source}: ${describeError(e)}`, { path: source });
  }
  const SQL = await loadSqlJs();
  let db: Database;
  try {
    db = new SQL.Database(bytes);
  } catch (e) {
    throw new CoreError('NotADatabase', `${source} is not a SQLite database (${describeError(e)}).`, { path: source });
  }
  const skipped: string[] = [];
  const skip = (what: string) => {
    if (skipped.length < MAX_SKIPPED_SHOWN) skipped.push(what);
  };
  let sessions: Session[];
  const messages = new Map<string, Message[]>();
  try {
    sessions = rows(db, 'sessions', SESSION_COLUMNS).flatMap((r) => {
      const parsed = Session.safeParse(attempt(() => toSession(r)));
      if (parsed.success) return [parsed.data];
      skip(`session ${String(r['id']).slice(0, 60)}: not a valid session`);
      return [];
    });
    const known = new Set(sessions.map((s) => s.id));
    for (const r of rows(db, 'messages', MESSAGE_COLUMNS)) {
      const parsed = Message.safeParse(attempt(() => toMessage(r)));
      if (!parsed.success || !known.has(parsed.data.sessionId)) {
        skip(
          `message ${String(r['id']).slice(0, 60)}: ${parsed.success ? 'its session was not copied' : 'not a valid message'}`,
        );
        continue;
      }
      const list = messages.get(parsed.data.sessionId) ?? [];
      list.push(parsed.data);
      messages.set(parsed.data.sessionId, list);
    }
  } finally {
    db.close();
  }
  for (const list of messages.values()) list.sort((a, b) => a.seq - b.seq);
  const store = await SessionStore.open(target);
  let copied = 0;
  let copiedSessions = 0;
  try {
    const now = new Date().toISOString();
    await store.bulk(async (step) => {
      for (const s of sessions) {
        try {
          step((tx) => {
            store.insertSession(tx, s);
            for (const m of messages.get(s.id) ?? []) store.insertMessage(tx, m, searchableText(m.parts), now, false);
            store.recount(tx, s.id, now);
          });
        } catch (e) {
          skip(`session ${s.id}: ${describeError(e)}`); // e.g. a duplicate id or seq: the step left no trace
          continue;
        }
        copiedSessions += 1;
        copied += messages.get(s.id)?.length ?? 0;
      }
    });
  } finally {
    await store.close();
  }
  return { sessions: copiedSessions, messages: copied, skipped };
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined; // a JSON column that does not parse: the row is skipped
  }
}

/**
 * Reads `columns` of a plain table. A view or virtual table would run code of the file's choosing,
 * and a generated column an expression, so those are not read.
 */
function rows(db: Database, table: string, columns: string[]): Array<Record<string, string | number | null>> {
  const kind = db.exec(`SELECT type, sql FROM sqlite_master WHERE name = ?`, [table])[0]?.values[0];
  if (kind?.[0] !== 'table' || /^\s*create\s+virtual/i.test(String(kind[1]))) {
    throw new CoreError('NotADatabase', `The database has no plain "${table}" table to copy from.`);
  }
  const info = db.exec(`SELECT name, hidden FROM pragma_table_xinfo(?)`, [table])[0]?.values ?? [];
  const plain = new Set(info.filter((c) => Number(c[1]) === 0).map((c) => String(c[0])));
  const present = columns.filter((c) => plain.has(c));
  if (!present.includes('id'))
    throw new CoreError('NotADatabase', `The "${table}" table has no plain id column to copy from.`);
  const result = db.exec(`SELECT ${present.map((c) => `"${c}"`).join(', ')} FROM "${table}"`)[0];
  const value = (v: SqlValue | undefined) => (v instanceof Uint8Array || v === undefined ? null : v); // no blob is ours
  return (result?.values ?? []).map((values) => Object.fromEntries(present.map((c, i) => [c, value(values[i])])));
}
