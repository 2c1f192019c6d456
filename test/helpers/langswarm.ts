// LangSwarm V1 files for tests and the benchmark, written as LangSwarm writes them: documents are
// LangSwarmSession.to_dict() shapes serialised like Python's json.dumps, the SQLite store has V1's
// schema with the scalar columns copied from the metadata.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dumpPythonJson } from '../../src/core/langswarm/pyjson';
import { V1_UNMODELLED_DEFAULTS } from '../../src/core/langswarm/v1';
import type { Session } from '../../src/core/model';
import type { SessionManager } from '../../src/core/sessions';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { rng, sentence } from '../bench/core';
import { tempDir } from './temp';

export type V1Message = Record<string, unknown>;
export interface V1Doc {
  metadata: Record<string, unknown>;
  history: Record<string, unknown>;
}

export const V1_SCHEMA = `CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL,
  session_control TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_activity TEXT,
  metadata TEXT NOT NULL, history TEXT NOT NULL)`;

export function v1Message(
  id: string,
  role: string,
  content: string | null,
  timestamp: string,
  extra: Partial<V1Message> = {},
): V1Message {
  return {
    id,
    role,
    content,
    timestamp,
    metadata: {},
    tool_calls: null,
    tool_call_id: null,
    provider_message_id: null,
    ...extra,
  };
}

/** A V1 document with V1's defaults; `metadata` overrides any metadata key. */
export function v1Doc(sessionId: string, messages: V1Message[], metadata: Record<string, unknown> = {}): V1Doc {
  const created = String(metadata['created_at'] ?? '2025-07-01T10:00:00.250000');
  return {
    metadata: {
      user_id: 'user_1',
      session_id: sessionId,
      provider: 'openai',
      model: 'gpt-4o',
      created_at: created,
      updated_at: messages.at(-1)?.['timestamp'] ?? created,
      status: 'active',
      session_control: 'hybrid',
      ...V1_UNMODELLED_DEFAULTS,
      message_count: messages.length,
      total_tokens: 0,
      last_activity: messages.at(-1)?.['timestamp'] ?? null,
      tags: [],
      custom_metadata: {},
      ...metadata,
    },
    history: { session_id: sessionId, messages, summary: null, total_tokens: 0, truncated_at: null },
  };
}

export function writeV1Json(file: string, doc: unknown): void {
  fs.writeFileSync(file, dumpPythonJson(doc));
}

/** Writes a V1 SQLite store holding `docs` (rows in order); `columns` overrides a row's scalar columns. */
export async function writeV1Db(
  file: string,
  docs: Iterable<V1Doc>,
  columns: (doc: V1Doc) => Record<string, unknown> = () => ({}),
): Promise<void> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  try {
    db.run(V1_SCHEMA);
    const insert = db.prepare(`INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)`);
    db.run('BEGIN');
    for (const doc of docs) {
      const md = doc.metadata;
      const row = {
        session_id: md['session_id'],
        user_id: md['user_id'],
        provider: md['provider'],
        model: md['model'],
        status: md['status'],
        session_control: md['session_control'] ?? 'hybrid',
        created_at: md['created_at'],
        updated_at: md['updated_at'],
        last_activity: md['last_activity'] ?? null,
        ...columns(doc),
      };
      insert.run([...Object.values(row), dumpPythonJson(doc.metadata), dumpPythonJson(doc.history)] as never);
    }
    db.run('COMMIT');
    insert.free();
    fs.writeFileSync(file, db.export());
  } finally {
    db.close();
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Python's naive isoformat() of a UTC instant (no fraction when it is zero). */
function naive(ms: number, micros: number): string {
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = d.getUTCMilliseconds() * 1000 + micros;
  return frac ? `${base}.${pad(frac, 6)}` : base;
}

/**
 * Realistic V1 sessions, generated one at a time: a system prompt in half of them, short user turns
 * (8–60 words) and longer assistant answers (40–300 words), a tool-call round (assistant calls, tool
 * results) every few turns, non-ASCII text now and then, provider message ids on assistant turns.
 */
export function* generateV1Docs(sessions: number, messages: number, seed = 1): Generator<V1Doc> {
  const rand = rng(seed);
  const providers = ['openai', 'gpt', 'claude', 'gemini', 'mistral', 'cohere', 'OpenAI'];
  const statuses = ['active', 'active', 'inactive', 'archived', 'expired'];
  const flavour = ['', '', '', ' — Grüße aus Köln, åäö', ' 👋🏽 ok', ' 日本語のテスト'];
  let made = 0;
  for (let s = 0; s < sessions; s++) {
    const count = s === sessions - 1 ? messages - made : Math.min(Math.round(messages / sessions), messages - made);
    const id = `session_${((s * 2654435761) >>> 0).toString(16).padStart(8, '0')}`;
    let t = Date.UTC(2025, 5, 1) + s * 3_600_000;
    const time = () => naive((t += 1000 + Math.floor(rand() * 20_000)), Math.floor(rand() * 1000));
    const created = time();
    const list: V1Message[] = [];
    let m = 0;
    const push = (role: string, content: string | null, extra: Partial<V1Message> = {}) =>
      list.push(v1Message(`msg_${s}_${m++}`, role, content, time(), extra));
    if (s % 2 === 0) push('system', `You are a helpful assistant for team ${s % 17}. ${sentence(rand, 12)}`);
    while (list.length < count) {
      const left = count - list.length;
      if (left >= 4 && m % 9 === 4) {
        const calls = [1, 2].slice(0, 1 + Math.floor(rand() * 2)).map((k) => ({
          id: `call_${s}_${m}_${k}`,
          function: { arguments: `{"city": "${sentence(rand, 1)}", "days": ${k + 2}}`, name: 'get_weather' },
          type: 'function',
        }));
        push('assistant', '', {
          tool_calls: calls,
          metadata: { finish_reason: 'tool_calls' },
          provider_message_id: `chatcmpl-${s}x${m}`,
        });
        for (const call of calls) {
          if (list.length >= count) break;
          push('tool', `{"temperature_c": ${(rand() * 30).toFixed(1)}, "condition": "${sentence(rand, 2)}"}`, {
            tool_call_id: call.id,
            metadata: { name: 'get_weather' },
          });
        }
      } else if (list.length % 2 === 0) {
        push('user', sentence(rand, 8 + Math.floor(rand() * 52)) + flavour[Math.floor(rand() * flavour.length)]!, {
          metadata: { client: 'web' },
        });
      } else {
        push(
          'assistant',
          sentence(rand, 40 + Math.floor(rand() * 260)) + flavour[Math.floor(rand() * flavour.length)]!,
          { provider_message_id: `chatcmpl-${s}y${m}` },
        );
      }
    }
    made += count;
    yield v1Doc(id, list.slice(0, count), {
      user_id: `user_${s % 50}`,
      provider: providers[s % providers.length],
      model: 'gpt-4o',
      created_at: created,
      status: statuses[s % statuses.length],
      tags: s % 3 ? [] : ['bench', `team${s % 17}`],
      custom_metadata: { agent_name: 'bench_bot', score: 0.5 + (s % 10) / 20 },
    });
  }
}

// ---- test plumbing ----------------------------------------------------------------------------

export const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/langswarm');

/** Runs a Python snippet (python3 with its sqlite3 module) and returns its stdout; throws on failure. */
export function python(script: string, ...args: string[]): string {
  return runPython(script, args, '');
}

/** Adds a copy of a V1 store's first session under `sessionId`, through SQLite itself (python3's sqlite3), as the app would. */
export function addV1SessionRow(file: string, sessionId: string): void {
  python(
    `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = list(db.execute("SELECT * FROM sessions ORDER BY rowid LIMIT 1").fetchone())
meta, hist = json.loads(row[9]), json.loads(row[10])
row[0] = meta["session_id"] = hist["session_id"] = sys.argv[2]
row[9], row[10] = json.dumps(meta), json.dumps(hist)
db.execute("INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
db.commit()
`,
    file,
    sessionId,
  );
}

function runPython(script: string, args: string[], input: string): string {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status ?? r.error?.message}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Checks `text` the way LangSwarm V1's LangSwarmSession.from_dict reads it (required keys, enum values,
 * datetime.fromisoformat on every time) and returns it parsed by Python's json module.
 */
export function loadsInV1(text: string): {
  metadata: Record<string, unknown>;
  history: { messages: Array<Record<string, unknown>> } & Record<string, unknown>;
} {
  return JSON.parse(
    runPython(
      `
import json, sys
from datetime import datetime
d = json.loads(sys.stdin.read()); md = d["metadata"]; h = d["history"]
for k in ["user_id", "session_id", "provider", "model", "created_at", "updated_at", "status", "session_control"]: md[k]
assert md["status"] in ("active", "inactive", "archived", "expired"), md["status"]
assert md["session_control"] in ("native", "langswarm", "hybrid"), md["session_control"]
for k in ["created_at", "updated_at"]: datetime.fromisoformat(md[k])
if md.get("last_activity"): datetime.fromisoformat(md["last_activity"])
h["session_id"]
for m in h.get("messages", []):
    assert m["role"] in ("system", "user", "assistant", "tool", "function"), m["role"]
    m["id"]; m["content"]; datetime.fromisoformat(m["timestamp"])
print(json.dumps(d))
`,
      [],
      text,
    ),
  ) as ReturnType<typeof loadsInV1>;
}

/** Copies a fixture (read-only originals) into a fresh temp folder; returns the copy's path. */
export function copyFixture(relative: string): string {
  const target = path.join(tempDir('lss-fx-'), path.basename(relative));
  fs.cpSync(path.join(FIXTURES, relative), target, { recursive: true });
  for (const f of fs.statSync(target).isDirectory() ? fs.readdirSync(target, { recursive: true }).map(String) : ['']) {
    fs.chmodSync(path.join(target, f), fs.statSync(path.join(target, f)).isDirectory() ? 0o755 : 0o644);
  }
  return target;
}

/** The sessions imported from `originalId`, oldest first. */
export function importedAs(m: SessionManager, originalId: string): Session[] {
  return m
    .list({ limit: 100_000, sortBy: 'createdAt', descending: false })
    .items.map((s) => m.get(s.id))
    .filter((s) => s.origin?.originalId === originalId)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
