// langswarm-sessions: the session core, headless. Exit codes: 0 ok, 1 user error, 2 internal error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { version as extensionVersion } from '../package.json';
import { dumpState } from './core/dump';
import { importOpenAIConversation, replay, send, testConnection } from './core/conversation';
import { addDemoSessions } from './core/demo';
import { CoreError, describeError, invalidInput } from './core/errors';
import { exportV1, formatReport, hasFailures, migrate } from './core/langswarm';
import { Message, NewMessage, NewSession, SessionStatus, SessionSummary } from './core/model';
import { OpenAIProvider, Provider, StreamEvent, configFromEnv, createProvider } from './core/providers';
import { SessionManager } from './core/sessions';
import { partsText } from './core/text';
import { parseQuery } from './core/search';
import { errno, FileSystem, realFs, writeFileAtomic } from './core/store/files';
import { salvage } from './core/store/salvage';
import { formatEvent, isAtLeast, parseLogLevel, Tracer } from './core/trace';

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;
type Exit = Promise<number | void>;
/**
 * What a command does once its arguments were checked, and what it needs of the database: `read` or
 * `write` one that exists (a missing one is an error, never created), `create` it if missing, or `none`.
 */
type Work =
  | { database: 'read' | 'write' | 'create'; run(m: SessionManager, out: Output): Exit }
  | { database: 'none'; run(tracer: Tracer, out: Output): Exit };
interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** For `search`: arguments like -word are part of the query (exclusions), not options. */
  dashWordsArePositional?: boolean;
  /** Checks every argument, before any file is touched, and returns the work to do. */
  parse(positionals: string[], values: Values): Work;
}

const DEFAULT_DB = path.join('.vscode', 'langswarm-sessions.sqlite');

class Output {
  line(text = ''): void { process.stdout.write(`${text}\n`); }
  json(value: unknown): void { this.line(JSON.stringify(value, null, 2)); }
}

const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);

/** The database the command line names: --db, else $LANGSWARM_SESSIONS_DB, else the default. */
function databaseArg(values: Values): { explicitDb: string | undefined; shownDb: string; dbPath: string } {
  const explicitDb = str(values['db']) ?? process.env['LANGSWARM_SESSIONS_DB'];
  const shownDb = explicitDb ?? DEFAULT_DB;
  return { explicitDb, shownDb, dbPath: path.resolve(shownDb) };
}

function need(v: Values[string], what: string): string {
  const s = str(v);
  if (s === undefined || s === '') throw new CoreError('InvalidInput', `Missing ${what}.`);
  return s;
}

/** A whole number option such as --limit; `fallback` when it is not given. */
function count(v: Values[string], option: string, fallback: number): number {
  const s = str(v);
  if (s === undefined) return fallback;
  const n = /^\d{1,9}$/.test(s.trim()) ? Number(s) : NaN;
  if (!(n >= 1)) throw new CoreError('InvalidInput', `${option} needs a whole number of 1 or more, not "${s}".`);
  return n;
}

function status(v: string): SessionStatus {
  const parsed = SessionStatus.safeParse(v);
  if (!parsed.success) throw new CoreError('InvalidInput', `Unknown status "${v}"; use one of ${SessionStatus.options.join(', ')}.`);
  return parsed.data;
}

/** Throws the search's own sentence for a query that cannot be searched (only exclusions…). */
function checkSearchable(query: string): void {
  const parsed = parseQuery(query);
  if (!parsed) throw new CoreError('InvalidInput', `Nothing to search for in "${query}": give words or "a phrase".`);
  if ('problem' in parsed) throw new CoreError('InvalidInput', parsed.problem);
}

/** Fails now, before anything is opened, when `name` would need an API key that is not set. */
function requireKey(name: string): void {
  const { note } = configFromEnv(name, process.env);
  if (note) throw new CoreError('InvalidInput', note.replace(/; answering with the offline Replay provider\./, '.'));
}

function when(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

function sessionLine(s: SessionSummary): string {
  return [s.id, s.status.padEnd(9), `${s.provider}/${s.model}`, `${s.messageCount} msgs`, when(s.updatedAt), s.title].join('  ');
}

function showMessage(m: Message): Record<string, unknown> {
  const { id, seq, role, ...rest } = m;
  return { id, seq, role, text: partsText(m.parts, 'text'), ...rest };
}

/**
 * The provider for `name`, keyed from the environment. Without a key the offline Replay provider
 * stands in, answering from `recorded()` (the session this one came from).
 */
function providerFor(tracer: Tracer, name: string, options: { recorded?: () => Message[] | undefined; stateless?: boolean } = {}): Provider {
  const { config, note } = configFromEnv(name, process.env);
  if (note) process.stderr.write(`note: ${note}\n`);
  if (config.name === 'replay') {
    const recorded = options.recorded?.();
    return createProvider({ name: 'replay', ...(recorded ? { recorded } : {}) });
  }
  return createProvider({ ...config, tracer, ...(options.stateless && config.name === 'openai' ? { stateless: true } : {}) });
}

/** The messages of session `id` when it exists (what Replay answers from). */
function recordedFrom(m: SessionManager, id: string | undefined): () => Message[] | undefined {
  return () => (id && m.find(id) ? m.allMessages(id) : undefined);
}

/** Something the user should know that did not stop the command. */
function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** A turn's warnings as they happen (the editor shows them as notifications). */
function warnOfEvent(e: StreamEvent): void {
  if (e.type === 'warning') warn(e.message);
}

/** Runs `fn` with a signal that Ctrl-C fires, so an interrupted reply is kept as partial. */
async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

// ---- files ----------------------------------------------------------------------------------

/** What an I/O error code means, for sentences about the user's files. */
const REASONS: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is too large',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EPIPE: 'the reader closed the pipe',
};

function fileError(action: string, e: unknown): CoreError {
  const code = errno(e);
  const reason = (code && REASONS[code]) ?? describeError(e);
  return new CoreError(code === 'ENOSPC' || code === 'EDQUOT' ? 'StorageFull' : 'StorageError', `Could not ${action}: ${reason}${code ? ` (${code})` : ''}.`, { errno: code }, { cause: e });
}

/** The file's stat (of a symbolic link itself, unless `follow`), or undefined when there is none. */
function statOrUndefined(file: string, action: string, follow = false): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw fileError(action, e);
  }
}

/**
 * Checks an --out target before anything else happens: its folder must exist, and the target, if it
 * exists, must be a regular file. A symbolic link is refused: following it could overwrite any file
 * it points to, and replacing it would silently turn it into a file.
 */
function outTarget(file: string): { target: string; mode?: number } {
  const target = path.resolve(file);
  const existing = statOrUndefined(target, `write ${file}`);
  if (existing?.isSymbolicLink()) throw new CoreError('InvalidInput', `--out ${file} is a symbolic link; give the path of the file itself (links are not written through).`);
  if (existing?.isDirectory()) throw new CoreError('InvalidInput', `--out ${file} is a folder; give a file name.`);
  if (existing && !existing.isFile()) throw new CoreError('InvalidInput', `--out ${file} is not a regular file.`);
  if (!existing) {
    const folder = statOrUndefined(path.dirname(target), `write ${file}`, true);
    if (!folder?.isDirectory()) throw new CoreError('InvalidInput', `Could not write ${file}: the folder ${path.dirname(target)} does not exist.`);
  }
  // Only the permission bits: never pass on set-user-id and the like.
  return existing ? { target, mode: existing.mode & 0o777 } : { target };
}

/**
 * Writes an --out file atomically (a temp file beside it, fsync, rename: readers see the old file
 * or the new one, and a failure leaves the old one), keeping an existing file's permissions.
 */
export function writeOutFile(file: string, text: string, fsys: FileSystem = realFs): void {
  const { target, mode } = outTarget(file);
  try {
    writeFileAtomic(fsys, target, [Buffer.from(text)], mode === undefined ? {} : { mode });
  } catch (e) {
    throw fileError(`write ${file}`, e);
  }
}

/**
 * Checks --db before opening it: a folder is refused; a missing database is created only by commands
 * that create sessions, in a folder that exists (the default .vscode folder is made when missing).
 */
function checkDatabase(dbPath: string, shown: string, access: 'read' | 'write' | 'create', isDefault: boolean): void {
  const existing = statOrUndefined(dbPath, `open the database ${shown}`, true);
  if (existing?.isDirectory()) throw new CoreError('InvalidInput', `--db ${shown} is a folder; give the path of the database file.`);
  if (existing) return;
  if (access !== 'create') throw new CoreError('InvalidInput', `No database at ${shown}: nothing to ${access === 'read' ? 'read' : 'change'}. Give --db, or create a session first.`);
  if (isDefault) return;
  const folder = path.dirname(dbPath);
  const folderStat = statOrUndefined(folder, `create the database ${shown}`, true);
  if (!folderStat?.isDirectory()) throw new CoreError('InvalidInput', `Could not create the database ${shown}: the folder ${folder} does not exist.`);
}

// ---- input ----------------------------------------------------------------------------------

interface InputLine { text: string; invalidUtf8: boolean }

/**
 * The lines of a byte stream, decoded as UTF-8. Bytes that are not UTF-8 become U+FFFD, as a decoder
 * would make them, but the line says so, so the caller can warn instead of changing text silently.
 */
async function* utf8Lines(input: AsyncIterable<Buffer>): AsyncGenerator<InputLine> {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const lenient = new TextDecoder('utf-8');
  const decode = (bytes: Buffer): InputLine => {
    const line = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    try {
      return { text: strict.decode(line), invalidUtf8: false };
    } catch {
      return { text: lenient.decode(line), invalidUtf8: true };
    }
  };
  let carry: Buffer[] = [];
  for await (const chunk of input) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      carry.push(chunk.subarray(start, nl));
      yield decode(Buffer.concat(carry));
      carry = [];
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield decode(Buffer.concat(carry));
}

/**
 * JSON.parse, with every string (keys too) that holds a lone surrogate (a "\ud800" escape without
 * its pair) made well-formed: U+FFFD in its place, as the store would keep it, and reported.
 */
function parseJsonLine(text: string): { value: unknown; loneSurrogates: boolean } {
  let loneSurrogates = false;
  const value: unknown = JSON.parse(text, function (this: Record<string, unknown>, key, v: unknown) {
    let fixed = v;
    if (typeof v === 'string' && !v.isWellFormed()) {
      loneSurrogates = true;
      fixed = v.toWellFormed();
    }
    if (!key.isWellFormed()) {
      loneSurrogates = true;
      this[key.toWellFormed()] = fixed;
      return undefined;
    }
    return fixed;
  });
  return { value, loneSurrogates };
}

const commands: Record<string, Command> = {
  create: {
    usage: 'create --provider P --model M [--title T] [--user U] [--system S] [--tag T]...',
    options: { provider: { type: 'string' }, model: { type: 'string' }, title: { type: 'string' }, user: { type: 'string' }, system: { type: 'string' }, tag: { type: 'string', multiple: true } },
    parse(_p, v) {
      const input: NewSession = {
        provider: need(v['provider'], '--provider'),
        model: need(v['model'], '--model'),
        ...(str(v['title']) !== undefined ? { title: str(v['title']) } : {}),
        ...(str(v['user']) !== undefined ? { userId: str(v['user']) } : {}),
        ...(str(v['system']) !== undefined ? { systemPrompt: str(v['system']) } : {}),
        ...(Array.isArray(v['tag']) ? { tags: v['tag'].map(String) } : {}),
      };
      const parsed = NewSession.safeParse(input);
      if (!parsed.success) throw invalidInput('session', parsed.error);
      return { database: 'create', run: async (m, out) => out.line((await m.create(input)).id) };
    },
  },
  add: {
    usage: 'add SESSION --role R --content TEXT | add SESSION --jsonl  (lines of {"role","content"} on stdin)',
    options: { role: { type: 'string' }, content: { type: 'string' }, jsonl: { type: 'boolean' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      if (v['jsonl']) return { database: 'write', run: (m, out) => addJsonl(m, id, out) };
      const role = need(v['role'], '--role');
      const content = str(v['content']);
      if (content === undefined) throw new CoreError('InvalidInput', 'Missing --content.');
      const input = { role: role as Message['role'], content };
      const parsed = NewMessage.safeParse(input);
      if (!parsed.success) throw invalidInput('message', parsed.error);
      return { database: 'write', run: async (m, out) => out.line((await m.addMessage(id, input)).id) };
    },
  },
  list: {
    usage: 'list [--status S] [--provider P] [--tag T] [--user U] [--text Q] [--limit N] [--json]',
    options: { status: { type: 'string' }, provider: { type: 'string' }, tag: { type: 'string' }, user: { type: 'string' }, text: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    parse(_p, v) {
      const query = {
        ...(str(v['status']) ? { status: status(str(v['status'])!) } : {}),
        ...(str(v['provider']) ? { provider: str(v['provider']) } : {}),
        ...(str(v['tag']) ? { tag: str(v['tag']) } : {}),
        ...(str(v['user']) !== undefined ? { userId: str(v['user']) } : {}),
        ...(str(v['text']) ? { text: str(v['text']) } : {}),
        limit: count(v['limit'], '--limit', 100_000),
      };
      return {
        database: 'read',
        async run(m, out) {
          const { items, total } = m.list(query);
          if (v['json']) return out.json({ total, sessions: items });
          for (const s of items) out.line(sessionLine(s));
          if (items.length < total) out.line(`… ${total - items.length} more`);
        },
      };
    },
  },
  show: {
    usage: 'show SESSION [--json]',
    options: { json: { type: 'boolean' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      return {
        database: 'read',
        async run(m, out) {
          const session = m.get(id);
          const messages = m.allMessages(session.id);
          if (v['json']) return out.json({ session, messages: messages.map(showMessage) });
          out.line(sessionLine(session));
          if (session.systemPrompt) out.line(`system: ${session.systemPrompt}`);
          for (const msg of messages) {
            out.line(`#${msg.seq} ${msg.role}${msg.state === 'complete' ? '' : ` (${msg.state})`}: ${partsText(msg.parts, 'transcript')}`);
          }
        },
      };
    },
  },
  search: {
    usage: 'search QUERY [--session S] [--limit N] [--json]   (words, word*, "a phrase", -word or -"a phrase" to exclude, a OR b)',
    options: { session: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    dashWordsArePositional: true,
    parse(positionals, v) {
      const query = positionals.join(' ');
      if (!query.trim()) throw new CoreError('InvalidInput', 'Missing QUERY.');
      checkSearchable(query);
      const options = { limit: count(v['limit'], '--limit', 50), ...(str(v['session']) ? { sessionId: str(v['session']) } : {}) };
      return {
        database: 'read',
        async run(m, out) {
          const result = m.search(query, options);
          if (v['json']) return out.json(result);
          for (const h of result.hits) {
            let marked = '';
            let at = 0;
            for (const [a, b] of h.highlights) { marked += `${h.snippet.slice(at, a)}[${h.snippet.slice(a, b)}]`; at = b; }
            marked += h.snippet.slice(at);
            out.line(`${h.sessionId} #${h.seq} ${h.role}  ${marked.replace(/\s+/g, ' ')}`);
          }
          out.line(`${result.total} match${result.total === 1 ? '' : 'es'}`);
        },
      };
    },
  },
  migrate: {
    usage: 'migrate SOURCE... [--dry-run] [--naive-utc] [--json]   (LangSwarm V1/V2 files or folders; exit 1 if any file or session failed)',
    options: { 'dry-run': { type: 'boolean' }, 'naive-utc': { type: 'boolean' }, json: { type: 'boolean' } },
    parse(sources, v) {
      if (sources.length === 0) throw new CoreError('InvalidInput', 'Missing SOURCE: give LangSwarm files or folders to import.');
      const missing = sources.filter((s) => !statOrUndefined(s, `read ${s}`, true));
      if (missing.length > 0) throw new CoreError('InvalidInput', `Nothing was imported: ${missing.map((s) => JSON.stringify(s)).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist.`);
      return {
        database: 'create',
        async run(m, out) {
          // Ctrl-C stops between sessions and keeps what was imported (whole sessions only).
          const report = await withInterrupt((signal) => migrate(m, sources, { dryRun: Boolean(v['dry-run']), naiveUtc: Boolean(v['naive-utc']), signal }));
          if (v['json']) out.json(report);
          else out.line(formatReport(report));
          return hasFailures(report) ? 1 : 0;
        },
      };
    },
  },
  'export-v1': {
    usage: 'export-v1 SESSION [--out FILE]   (a LangSwarm V1 JSON document, to stdout by default)',
    options: { out: { type: 'string' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const file = str(v['out']);
      if (file !== undefined) outTarget(need(file, '--out FILE'));
      return {
        database: 'read',
        async run(m) {
          const text = await exportV1(m, id);
          // As json.dump wrote it: no newline at the end.
          if (file) writeOutFile(file, text);
          else process.stdout.write(text);
        },
      };
    },
  },
  'set-status': {
    usage: 'set-status SESSION STATUS   (active|paused|completed|archived|error)',
    options: {},
    parse([sessionId, value]) {
      const id = need(sessionId, 'SESSION');
      const to = status(need(value, 'STATUS'));
      return { database: 'write', run: async (m) => { await m.setStatus(id, to); } };
    },
  },
  fork: {
    usage: 'fork SESSION --at MESSAGE [--title T]',
    options: { at: { type: 'string' }, title: { type: 'string' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const at = need(v['at'], '--at MESSAGE');
      const title = str(v['title']);
      return { database: 'write', run: async (m, out) => out.line((await m.fork(id, at, title ? { title } : {})).id) };
    },
  },
  dump: {
    usage: 'dump SESSION|--all [--out FILE] [--no-redact] [--redact-pattern REGEX]...',
    options: { all: { type: 'boolean' }, out: { type: 'string' }, 'no-redact': { type: 'boolean' }, 'redact-pattern': { type: 'string', multiple: true } },
    parse([sessionId], v) {
      if (Boolean(sessionId) === Boolean(v['all'])) throw new CoreError('InvalidInput', 'Give either SESSION or --all.');
      const file = str(v['out']);
      if (file !== undefined) outTarget(need(file, '--out FILE'));
      return {
        database: 'read',
        async run(m, out) {
          const document = await dumpState(m, sessionId ? { sessionId } : { all: true }, {
            redact: !v['no-redact'],
            patterns: Array.isArray(v['redact-pattern']) ? v['redact-pattern'].map(String) : [],
            extensionVersion,
          });
          const redaction = document.redaction.summary ?? 'NOT redacted';
          if (!file) {
            process.stderr.write(`${redaction}\n`);
            return out.json(document);
          }
          writeOutFile(file, `${JSON.stringify(document, null, 2)}\n`);
          process.stderr.write(`wrote ${file} (${document.sessions.length} session${document.sessions.length === 1 ? '' : 's'}; ${redaction})\n`);
        },
      };
    },
  },
  delete: {
    usage: 'delete SESSION',
    options: {},
    parse([sessionId]) {
      const id = need(sessionId, 'SESSION');
      return { database: 'write', run: async (m) => { await m.delete(id); } };
    },
  },
  demo: {
    usage: 'demo   (adds sample sessions: every part type and status, and a 1,200-message thread)',
    options: {},
    parse() {
      return { database: 'create', async run(m, out) { for (const id of await addDemoSessions(m)) out.line(id); } };
    },
  },
  stats: {
    usage: 'stats [--session S] [--json]',
    options: { session: { type: 'string' }, json: { type: 'boolean' } },
    parse(_p, v) {
      return {
        database: 'read',
        async run(m, out) {
          const stats = m.stats(str(v['session']));
          if (v['json']) return out.json(stats);
          out.line(`sessions: ${stats.sessions}  ${Object.entries(stats.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')}`);
          out.line(`providers: ${Object.entries(stats.byProvider).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
          out.line(`messages: ${stats.messages}  ${Object.entries(stats.byRole).map(([k, n]) => `${k} ${n}`).join(', ')}`);
          out.line(`tokens: ${stats.totalTokens} (input ${stats.inputTokens}, output ${stats.outputTokens})`);
        },
      };
    },
  },
  send: {
    usage: 'send SESSION [--content TEXT] [--stream] [--provider P] [--model M] [--stateless]   (keys and base URLs from the environment)',
    options: { content: { type: 'string' }, stream: { type: 'boolean' }, provider: { type: 'string' }, model: { type: 'string' }, stateless: { type: 'boolean' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const streaming = v['stream'] === true;
      return {
        database: 'write',
        async run(m, out) {
          const session = m.get(id);
          const provider = providerFor(m.tracer, str(v['provider']) ?? session.provider, { recorded: recordedFrom(m, session.parent?.sessionId), stateless: v['stateless'] === true });
          const result = await withInterrupt((signal) => send(m, session.id, str(v['content']), {
            provider, signal, stream: streaming,
            ...(str(v['model']) ? { model: str(v['model'])! } : {}),
            onEvent: (e) => {
              warnOfEvent(e);
              if (streaming && e.type === 'text_delta') process.stdout.write(e.text);
            },
          }));
          out.line(streaming ? '' : partsText(result.reply.parts, 'text'));
          const calls = partsText(result.reply.parts, 'calls');
          if (calls) out.line(calls);
        },
      };
    },
  },
  replay: {
    usage: 'replay SESSION --provider P --model M [--json]   (re-runs the user turns into a new session and compares)',
    options: { provider: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const providerName = need(v['provider'], '--provider');
      const model = need(v['model'], '--model');
      return {
        database: 'write',
        async run(m, out) {
          const source = m.get(id);
          const provider = providerFor(m.tracer, providerName, { recorded: recordedFrom(m, source.id) });
          const result = await withInterrupt((signal) => replay(m, source.id, {
            provider, model, signal,
            onEvent: warnOfEvent,
          }));
          if (v['json']) return out.json({ sessionId: result.session.id, turns: result.turns });
          out.line(result.session.id);
          const facts = (stop?: string, usage?: { totalTokens: number }) => [stop, usage ? `${usage.totalTokens} tokens` : undefined].filter(Boolean).join(', ');
          for (const [i, t] of result.turns.entries()) {
            out.line(`turn ${i + 1}`);
            out.line(`  user:     ${oneLine(t.user)}`);
            out.line(`  original: ${oneLine(t.original)}${facts(t.originalStop, t.originalUsage) ? `  [${facts(t.originalStop, t.originalUsage)}]` : ''}`);
            out.line(`  replayed: ${oneLine(t.replayed)}${facts(t.replayedStop, t.replayedUsage) ? `  [${facts(t.replayedStop, t.replayedUsage)}]` : ''}`);
          }
        },
      };
    },
  },
  'test-provider': {
    usage: 'test-provider PROVIDER --model M   (one tiny request: latency, model, or what is wrong)',
    options: { model: { type: 'string' } },
    parse([name], v) {
      const providerName = need(name, 'PROVIDER');
      const model = need(v['model'], '--model');
      requireKey(providerName);
      return {
        database: 'none',
        async run(tracer, out) {
          const report = await withInterrupt((signal) => testConnection(providerFor(tracer, providerName), model, signal));
          if (report.ok) out.line(`ok  ${report.provider}/${report.model}  ${report.latencyMs} ms  reply: ${oneLine(report.reply ?? '')}`);
          else process.stderr.write(`failed  ${report.provider}/${report.model}  ${report.latencyMs} ms: ${report.error}\n`);
          return report.ok ? 0 : 1;
        },
      };
    },
  },
  salvage: {
    usage: 'salvage --out NEW.sqlite   (copies the sessions of a database that was refused, e.g. for a foreign trigger, into a new one; --db is only read)',
    options: { out: { type: 'string' } },
    parse(_, v) {
      const { shownDb, dbPath } = databaseArg(v);
      const out = need(v['out'], '--out NEW.sqlite');
      if (statOrUndefined(path.resolve(out), `write ${out}`)) throw new CoreError('InvalidInput', `--out ${out} already exists; give a new file.`);
      checkDatabase(dbPath, shownDb, 'read', false);
      return {
        database: 'none', // never opened as a session database: only read, as data
        async run(_tracer, output) {
          const report = await salvage(dbPath, path.resolve(out));
          output.line(`copied ${report.sessions} session(s) with ${report.messages} message(s) into ${out}`);
          for (const skipped of report.skipped) process.stderr.write(`skipped: ${skipped}\n`);
          return report.skipped.length ? 1 : 0;
        },
      };
    },
  },
  'import-openai': {
    usage: 'import-openai CONVERSATION --model M [--title T]   (copies an OpenAI conversation into a new bound session)',
    options: { model: { type: 'string' }, title: { type: 'string' } },
    parse([conversationId], v) {
      const conversation = need(conversationId, 'CONVERSATION');
      const model = need(v['model'], '--model');
      const title = str(v['title']);
      requireKey('openai');
      return {
        database: 'create',
        async run(m, out) {
          const provider = providerFor(m.tracer, 'openai');
          if (!(provider instanceof OpenAIProvider)) throw new CoreError('Internal', 'expected the OpenAI provider');
          out.line((await importOpenAIConversation(m, provider, conversation, { model, ...(title ? { title } : {}) })).id);
        },
      };
    },
  },
};

/**
 * add --jsonl: one message per line of stdin, each acknowledged (its id printed) once durable. A bad
 * line is reported with its number and skipped; text that was not valid UTF-8 is kept with U+FFFD
 * and a warning.
 */
async function addJsonl(m: SessionManager, id: string, out: Output): Exit {
  m.get(id);
  let failures = 0;
  let lineNo = 0;
  for await (const line of utf8Lines(process.stdin)) {
    lineNo += 1;
    if (!line.text.trim()) continue;
    if (line.invalidUtf8) warn(`line ${lineNo}: not valid UTF-8; the bad bytes were kept as U+FFFD.`);
    try {
      let parsed: ReturnType<typeof parseJsonLine>;
      try { parsed = parseJsonLine(line.text); } catch (e) { throw new CoreError('InvalidInput', `not JSON (${describeError(e)})`); }
      const input = parsed.value;
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CoreError('InvalidInput', 'not a JSON object; give {"role":…,"content":…}.');
      if (!('content' in input) && !('parts' in input)) throw new CoreError('InvalidInput', 'no "content" (or "parts"); the line was skipped.');
      if (parsed.loneSurrogates) warn(`line ${lineNo}: a lone surrogate (a \\ud800-\\udfff escape without its pair) was kept as U+FFFD.`);
      out.line((await m.addMessage(id, input as NewMessage)).id);
    } catch (e) {
      if (!(e instanceof CoreError) || !e.isUserError) throw e;
      failures += 1;
      process.stderr.write(`line ${lineNo}: ${e.message}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}

const globalOptions: NonNullable<ParseArgsConfig['options']> = {
  db: { type: 'string' },
  'log-level': { type: 'string' },
  'log-json': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function usage(): string {
  return [
    'Usage: langswarm-sessions COMMAND [options] [--db FILE] [--log-level trace|debug|info|warn|error] [--log-json FILE]',
    '',
    ...Object.values(commands).map((c) => `  ${c.usage}`),
    '',
    `--db defaults to $LANGSWARM_SESSIONS_DB or ${DEFAULT_DB}; only create, demo, migrate and import-openai create it when missing.`,
    'Exit codes: 0 done; 1 not done, with a sentence on stderr (arguments, missing session or database, unwritable file, full disk…); 2 internal error.',
    'Provider keys: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or GOOGLE_API_KEY (without one, the offline Replay provider answers).',
    'Base URLs: LANGSWARM_OPENAI_BASE_URL, LANGSWARM_ANTHROPIC_BASE_URL, LANGSWARM_GEMINI_BASE_URL; LANGSWARM_OPENAI_STATELESS=1 for store:false.',
  ].join('\n');
}

/** The command is the first word that is not a global option (those may come before it). */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    const option = globalOptions[arg.replace(/^--?/, '')];
    if (option?.type === 'string' && !arg.includes('=')) i += 1;
    else if (!option) break;
  }
  return { name: argv.find((a) => a === '--help' || a === '-h'), rest: [] };
}

/**
 * Moves arguments like -word behind "--", so parseArgs takes them as positionals (search words)
 * instead of refusing them as unknown options. "--name" arguments stay options, and -h help.
 */
function dashWordsLast(args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const optionArgs: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      optionArgs.push(arg);
    } else if (arg.startsWith('--')) {
      // A value may itself start with "-": give it with "=", which parseArgs never mistakes.
      const value = options[arg.slice(2)]?.type === 'string' ? args[i + 1] : undefined;
      if (value !== undefined) i += 1;
      optionArgs.push(value === undefined ? arg : `${arg}=${value}`);
    } else {
      words.push(arg);
    }
  }
  return [...optionArgs, '--', ...words];
}

/** Parses and runs one command line; returns the exit code. Output to stdout is flushed by the caller. */
export async function main(argv: string[]): Promise<number> {
  const { name, rest } = splitCommand(argv);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n${usage()}\n`);
    return 1;
  }
  const options = { ...globalOptions, ...command.options };
  let values: Values;
  let positionals: string[];
  try {
    const args = command.dashWordsArePositional ? dashWordsLast(rest, options) : rest;
    ({ values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true }));
  } catch (e) {
    process.stderr.write(`${describeError(e)}\nUsage: langswarm-sessions ${command.usage}\n`);
    return 1;
  }
  if (values['help']) {
    process.stdout.write(`Usage: langswarm-sessions ${command.usage}\n`);
    return 0;
  }
  const level = parseLogLevel(str(values['log-level']) ?? 'warn');
  if (!level) {
    process.stderr.write(`Unknown log level "${str(values['log-level'])}"; use trace, debug, info, warn or error.\n`);
    return 1;
  }
  const logJson = str(values['log-json']);
  const { explicitDb, shownDb, dbPath } = databaseArg(values);
  let manager: SessionManager | undefined;
  let log: { fd: number; error?: unknown } | undefined;
  let code: number;
  try {
    // Everything the command was given is checked before any file is created or opened.
    const work = command.parse(positionals, values);
    if (work.database !== 'none') checkDatabase(dbPath, shownDb, work.database, explicitDb === undefined);
    const tracer = new Tracer(logJson ? 'trace' : level);
    tracer.addSink((e) => {
      if (isAtLeast(e.level, level)) process.stderr.write(`${formatEvent(e)}\n`);
    });
    if (logJson) {
      if (statOrUndefined(logJson, `write the log ${logJson}`, true)?.isDirectory()) throw new CoreError('InvalidInput', `--log-json ${logJson} is a folder; give a file name.`);
      try {
        log = { fd: fs.openSync(logJson, 'a') };
      } catch (e) {
        throw fileError(`open the log ${logJson}`, e);
      }
      const sink = log;
      // The tracer ignores a sink that throws; remember the first failure (a full disk) to report it.
      tracer.addSink((e) => {
        if (sink.error !== undefined) return;
        try { fs.writeSync(sink.fd, `${JSON.stringify(e)}\n`); } catch (error) { sink.error = error; }
      });
    }
    if (work.database === 'none') {
      code = (await work.run(tracer, new Output())) ?? 0;
    } else {
      // The CLI's event loop only runs our writes, so it may keep the lock between them.
      manager = await SessionManager.open(dbPath, { tracer, lingerLock: true });
      // The tracer has printed them already when its level shows warnings.
      if (!isAtLeast('warn', level)) for (const w of manager.warnings) warn(w);
      code = (await work.run(manager, new Output())) ?? 0;
    }
  } catch (e) {
    code = reportError(e);
  } finally {
    await manager?.close().catch(() => undefined);
    if (log) fs.closeSync(log.fd);
  }
  if (log?.error !== undefined) {
    process.stderr.write(`error: ${fileError(`write the log ${logJson}`, log.error).message} Events after that are missing from it.\n`);
    if (code === 0) code = 1;
  }
  return code;
}

/** Prints an error: a sentence for what the user or the machine can fix (exit 1), a stack for a bug (exit 2). */
function reportError(e: unknown): number {
  if (e instanceof CoreError && e.code !== 'Internal') {
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 2;
}

/** Resolves once everything written to `stream` was handed to the OS, or the stream failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

if (require.main === module) {
  // stdout may be a pipe read slowly (| less, | jq): what does not fit in the pipe waits in memory,
  // so the process must not exit before it drained. A write that fails (a full disk, a closed
  // pipe) is remembered here and reported instead of being lost silently.
  let outputError: unknown;
  process.stdout.on('error', (e) => { outputError ??= e; });
  process.stderr.on('error', () => undefined); // nowhere left to report it
  const finish = async (code: number) => {
    await flushed(process.stdout);
    // A reader that stopped early (| head) wanted no more: no message then, as with SIGPIPE.
    if (outputError !== undefined && errno(outputError) !== 'EPIPE') process.stderr.write(`error: ${fileError('write the output', outputError).message}\n`);
    await flushed(process.stderr);
    // Exit explicitly, once flushed: otherwise Node waits for V8's background optimisation of sql.js's wasm (~0.3 s).
    process.exit(outputError !== undefined && code === 0 ? 1 : code);
  };
  main(process.argv.slice(2)).then(finish, (e: unknown) => finish(reportError(e)));
}
