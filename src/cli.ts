// langswarm-sessions: the session core, headless. Exit codes: 0 ok, 1 user error, 2 internal error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { version as extensionVersion } from '../package.json';
import { dumpState } from './core/dump';
import { importOpenAIConversation, replay, send, testConnection } from './core/conversation';
import { addDemoSessions } from './core/demo';
import { CoreError, describeError } from './core/errors';
import { exportV1, formatReport, hasFailures, migrate } from './core/migrate';
import { Message, messageText, Session, SessionSummary } from './core/model';
import { OpenAIProvider, Provider, configFromEnv, createProvider } from './core/providers';
import { SessionManager } from './core/sessions';
import { writeFileAtomic, realFs } from './core/store/files';
import { formatEvent, isAtLeast, parseLogLevel, Tracer } from './core/trace';

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;
interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(manager: SessionManager, positionals: string[], values: Values, out: Output): Promise<number | void>;
}

const DEFAULT_DB = path.join('.vscode', 'langswarm-sessions.sqlite');

class Output {
  line(text = ''): void { process.stdout.write(`${text}\n`); }
  json(value: unknown): void { this.line(JSON.stringify(value, null, 2)); }
}

const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);

function need(v: Values[string], what: string): string {
  const s = str(v);
  if (s === undefined || s === '') throw new CoreError('InvalidInput', `Missing ${what}.`);
  return s;
}

function when(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

function sessionLine(s: SessionSummary): string {
  return [s.id, s.status.padEnd(9), `${s.provider}/${s.model}`, `${s.messageCount} msgs`, when(s.updatedAt), s.title].join('  ');
}

function showMessage(m: Message): Record<string, unknown> {
  const { id, seq, role, ...rest } = m;
  return { id, seq, role, text: messageText(m.parts), ...rest };
}

/**
 * The provider for `name`, keyed from the environment. Without a key the offline Replay provider
 * stands in (answering from the session this one came from), unless the command needs the real one.
 */
function providerFor(m: SessionManager, name: string, options: { recordedFrom?: string | undefined; stateless?: boolean; requireKey?: boolean }): Provider {
  const { config, note } = configFromEnv(name, process.env);
  if (note) {
    if (options.requireKey) throw new CoreError('InvalidInput', note.replace(/; answering with the offline Replay provider\./, '.'));
    process.stderr.write(`note: ${note}\n`);
  }
  if (config.name === 'replay') {
    return createProvider({ name: 'replay', ...(options.recordedFrom && m.find(options.recordedFrom) ? { recorded: m.allMessages(options.recordedFrom) } : {}) });
  }
  return createProvider({ ...config, tracer: m.tracer, ...(options.stateless && config.name === 'openai' ? { stateless: true } : {}) });
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

function replyText(reply: Message): string {
  return messageText(reply.parts);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

const commands: Record<string, Command> = {
  create: {
    usage: 'create --provider P --model M [--title T] [--user U] [--system S] [--tag T]...',
    options: { provider: { type: 'string' }, model: { type: 'string' }, title: { type: 'string' }, user: { type: 'string' }, system: { type: 'string' }, tag: { type: 'string', multiple: true } },
    async run(m, _p, v, out) {
      const s = await m.create({
        provider: need(v['provider'], '--provider'),
        model: need(v['model'], '--model'),
        ...(str(v['title']) !== undefined ? { title: str(v['title']) } : {}),
        ...(str(v['user']) !== undefined ? { userId: str(v['user']) } : {}),
        ...(str(v['system']) !== undefined ? { systemPrompt: str(v['system']) } : {}),
        ...(Array.isArray(v['tag']) ? { tags: v['tag'].map(String) } : {}),
      });
      out.line(s.id);
    },
  },
  add: {
    usage: 'add SESSION --role R --content TEXT | add SESSION --jsonl  (lines of {"role","content"} on stdin)',
    options: { role: { type: 'string' }, content: { type: 'string' }, jsonl: { type: 'boolean' } },
    async run(m, [sessionId], v, out) {
      const id = need(sessionId, 'SESSION');
      if (!v['jsonl']) {
        const role = need(v['role'], '--role');
        const content = str(v['content']);
        if (content === undefined) throw new CoreError('InvalidInput', 'Missing --content.');
        out.line((await m.addMessage(id, { role: role as Message['role'], content })).id);
        return;
      }
      m.get(id);
      let failures = 0;
      let lineNo = 0;
      for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        lineNo += 1;
        if (!line.trim()) continue;
        try {
          let input: unknown;
          try { input = JSON.parse(line); } catch (e) { throw new CoreError('InvalidInput', `not JSON (${describeError(e)})`); }
          out.line((await m.addMessage(id, input as Parameters<SessionManager['addMessage']>[1])).id);
        } catch (e) {
          if (!(e instanceof CoreError) || !e.isUserError) throw e;
          failures += 1;
          process.stderr.write(`line ${lineNo}: ${e.message}\n`);
        }
      }
      return failures > 0 ? 1 : 0;
    },
  },
  list: {
    usage: 'list [--status S] [--provider P] [--tag T] [--user U] [--text Q] [--limit N] [--json]',
    options: { status: { type: 'string' }, provider: { type: 'string' }, tag: { type: 'string' }, user: { type: 'string' }, text: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    async run(m, _p, v, out) {
      const { items, total } = m.list({
        ...(str(v['status']) ? { status: str(v['status']) as Session['status'] } : {}),
        ...(str(v['provider']) ? { provider: str(v['provider']) } : {}),
        ...(str(v['tag']) ? { tag: str(v['tag']) } : {}),
        ...(str(v['user']) !== undefined ? { userId: str(v['user']) } : {}),
        ...(str(v['text']) ? { text: str(v['text']) } : {}),
        limit: Number(str(v['limit']) ?? 100_000),
      });
      if (v['json']) return out.json({ total, sessions: items });
      for (const s of items) out.line(sessionLine(s));
      if (items.length < total) out.line(`… ${total - items.length} more`);
    },
  },
  show: {
    usage: 'show SESSION [--json]',
    options: { json: { type: 'boolean' } },
    async run(m, [sessionId], v, out) {
      const session = m.get(need(sessionId, 'SESSION'));
      const messages = m.allMessages(session.id);
      if (v['json']) return out.json({ session, messages: messages.map(showMessage) });
      out.line(sessionLine(session));
      if (session.systemPrompt) out.line(`system: ${session.systemPrompt}`);
      for (const msg of messages) {
        const tools = msg.parts.filter((p) => p.type === 'tool_call' || p.type === 'tool_result')
          .map((p) => (p.type === 'tool_call' ? `[call ${p.name}(${p.argumentsJson})]` : p.type === 'tool_result' ? `[result ${p.name}: ${p.content}]` : ''));
        out.line(`#${msg.seq} ${msg.role}${msg.state === 'complete' ? '' : ` (${msg.state})`}: ${[messageText(msg.parts), ...tools].filter(Boolean).join(' ')}`);
      }
    },
  },
  search: {
    usage: 'search QUERY [--session S] [--limit N] [--json]',
    options: { session: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    async run(m, positionals, v, out) {
      const query = positionals.join(' ');
      if (!query.trim()) throw new CoreError('InvalidInput', 'Missing QUERY.');
      const result = m.search(query, {
        limit: Number(str(v['limit']) ?? 50),
        ...(str(v['session']) ? { sessionId: str(v['session']) } : {}),
      });
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
  },
  migrate: {
    usage: 'migrate SOURCE... [--dry-run] [--naive-utc] [--json]   (LangSwarm V1/V2 files or folders; exit 1 if any file or session failed)',
    options: { 'dry-run': { type: 'boolean' }, 'naive-utc': { type: 'boolean' }, json: { type: 'boolean' } },
    async run(m, sources, v, out) {
      if (sources.length === 0) throw new CoreError('InvalidInput', 'Missing SOURCE: give LangSwarm files or folders to import.');
      // Ctrl-C stops between sessions and keeps what was imported (whole sessions only).
      const report = await withInterrupt((signal) => migrate(m, sources, { dryRun: Boolean(v['dry-run']), naiveUtc: Boolean(v['naive-utc']), signal }));
      if (v['json']) out.json(report);
      else out.line(formatReport(report));
      return hasFailures(report) ? 1 : 0;
    },
  },
  'export-v1': {
    usage: 'export-v1 SESSION [--out FILE]   (a LangSwarm V1 JSON document, to stdout by default)',
    options: { out: { type: 'string' } },
    async run(m, [sessionId], v) {
      const text = await exportV1(m, need(sessionId, 'SESSION'));
      const file = str(v['out']);
      // As json.dump wrote it: no newline at the end.
      if (file) writeFileAtomic(realFs, path.resolve(file), [Buffer.from(text)]);
      else process.stdout.write(text);
    },
  },
  'set-status': {
    usage: 'set-status SESSION STATUS   (active|paused|completed|archived|error)',
    options: {},
    async run(m, [sessionId, status]) {
      await m.setStatus(need(sessionId, 'SESSION'), need(status, 'STATUS') as Session['status']);
    },
  },
  fork: {
    usage: 'fork SESSION --at MESSAGE [--title T]',
    options: { at: { type: 'string' }, title: { type: 'string' } },
    async run(m, [sessionId], v, out) {
      const s = await m.fork(need(sessionId, 'SESSION'), need(v['at'], '--at MESSAGE'), str(v['title']) ? { title: str(v['title'])! } : {});
      out.line(s.id);
    },
  },
  dump: {
    usage: 'dump SESSION|--all [--out FILE] [--no-redact] [--redact-pattern REGEX]...',
    options: { all: { type: 'boolean' }, out: { type: 'string' }, 'no-redact': { type: 'boolean' }, 'redact-pattern': { type: 'string', multiple: true } },
    async run(m, [sessionId], v, out) {
      if (Boolean(sessionId) === Boolean(v['all'])) throw new CoreError('InvalidInput', 'Give either SESSION or --all.');
      const document = await dumpState(m, sessionId ? { sessionId } : { all: true }, {
        redact: !v['no-redact'],
        patterns: Array.isArray(v['redact-pattern']) ? v['redact-pattern'].map(String) : [],
        extensionVersion,
      });
      const file = str(v['out']);
      if (!file) return out.json(document);
      fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
      process.stderr.write(`wrote ${file} (${document.sessions.length} session${document.sessions.length === 1 ? '' : 's'}${document.redaction.enabled ? ', redacted' : ', NOT redacted'})\n`);
    },
  },
  delete: {
    usage: 'delete SESSION',
    options: {},
    async run(m, [sessionId]) {
      await m.delete(need(sessionId, 'SESSION'));
    },
  },
  demo: {
    usage: 'demo   (adds sample sessions: every part type and status, and a 1,200-message thread)',
    options: {},
    async run(m, _p, _v, out) {
      for (const id of await addDemoSessions(m)) out.line(id);
    },
  },
  stats: {
    usage: 'stats [--session S] [--json]',
    options: { session: { type: 'string' }, json: { type: 'boolean' } },
    async run(m, _p, v, out) {
      const stats = m.stats(str(v['session']));
      if (v['json']) return out.json(stats);
      out.line(`sessions: ${stats.sessions}  ${Object.entries(stats.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      out.line(`providers: ${Object.entries(stats.byProvider).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
      out.line(`messages: ${stats.messages}  ${Object.entries(stats.byRole).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      out.line(`tokens: ${stats.totalTokens} (input ${stats.inputTokens}, output ${stats.outputTokens})`);
    },
  },
  send: {
    usage: 'send SESSION [--content TEXT] [--stream] [--provider P] [--model M] [--stateless]   (keys and base URLs from the environment)',
    options: { content: { type: 'string' }, stream: { type: 'boolean' }, provider: { type: 'string' }, model: { type: 'string' }, stateless: { type: 'boolean' } },
    async run(m, [sessionId], v, out) {
      const session = m.get(need(sessionId, 'SESSION'));
      const provider = providerFor(m, str(v['provider']) ?? session.provider, { recordedFrom: session.parent?.sessionId, stateless: v['stateless'] === true });
      const streaming = v['stream'] === true;
      const result = await withInterrupt((signal) => send(m, session.id, str(v['content']), {
        provider, signal, stream: streaming,
        ...(str(v['model']) ? { model: str(v['model'])! } : {}),
        onEvent: (e) => {
          if (e.type === 'warning') process.stderr.write(`warning: ${e.message}\n`);
          else if (streaming && e.type === 'text_delta') process.stdout.write(e.text);
        },
      }));
      if (streaming) out.line();
      else out.line(replyText(result.reply));
      const calls = result.reply.parts.flatMap((p) => (p.type === 'tool_call' ? [`[call ${p.name}(${p.argumentsJson}) id=${p.callId}]`] : []));
      for (const c of calls) out.line(c);
    },
  },
  replay: {
    usage: 'replay SESSION --provider P --model M [--json]   (re-runs the user turns into a new session and compares)',
    options: { provider: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } },
    async run(m, [sessionId], v, out) {
      const source = m.get(need(sessionId, 'SESSION'));
      const provider = providerFor(m, need(v['provider'], '--provider'), { recordedFrom: source.id });
      const result = await withInterrupt((signal) => replay(m, source.id, {
        provider, model: need(v['model'], '--model'), signal,
        onEvent: (e) => { if (e.type === 'warning') process.stderr.write(`warning: ${e.message}\n`); },
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
  },
  'test-provider': {
    usage: 'test-provider PROVIDER --model M   (one tiny request: latency, model, or what is wrong)',
    options: { model: { type: 'string' } },
    async run(m, [name], v, out) {
      const provider = providerFor(m, need(name, 'PROVIDER'), { requireKey: true });
      const report = await withInterrupt((signal) => testConnection(provider, need(v['model'], '--model'), signal));
      if (report.ok) out.line(`ok  ${report.provider}/${report.model}  ${report.latencyMs} ms  reply: ${oneLine(report.reply ?? '')}`);
      else process.stderr.write(`failed  ${report.provider}/${report.model}  ${report.latencyMs} ms: ${report.error}\n`);
      return report.ok ? 0 : 1;
    },
  },
  'import-openai': {
    usage: 'import-openai CONVERSATION --model M [--title T]   (copies an OpenAI conversation into a new bound session)',
    options: { model: { type: 'string' }, title: { type: 'string' } },
    async run(m, [conversationId], v, out) {
      const provider = providerFor(m, 'openai', { requireKey: true });
      if (!(provider instanceof OpenAIProvider)) throw new CoreError('Internal', 'expected the OpenAI provider');
      const session = await importOpenAIConversation(m, provider, need(conversationId, 'CONVERSATION'), {
        model: need(v['model'], '--model'), ...(str(v['title']) ? { title: str(v['title'])! } : {}),
      });
      out.line(session.id);
    },
  },
};

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
    `--db defaults to $LANGSWARM_SESSIONS_DB or ${DEFAULT_DB}; it is created if missing.`,
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
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true }));
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
  const tracer = new Tracer(logJson ? 'trace' : level);
  tracer.addSink((e) => {
    if (isAtLeast(e.level, level)) process.stderr.write(`${formatEvent(e)}\n`);
  });
  let jsonFd: number | undefined;
  if (logJson) {
    jsonFd = fs.openSync(logJson, 'a');
    tracer.addSink((e) => fs.writeSync(jsonFd!, `${JSON.stringify(e)}\n`));
  }
  const dbPath = path.resolve(str(values['db']) ?? process.env['LANGSWARM_SESSIONS_DB'] ?? DEFAULT_DB);
  let manager: SessionManager | undefined;
  try {
    // The CLI's event loop only runs our writes, so it may keep the lock between them.
    manager = await SessionManager.open(dbPath, { tracer, lingerLock: true });
    for (const w of manager.warnings) process.stderr.write(`warning: ${w}\n`);
    return (await command.run(manager, positionals, values, new Output())) ?? 0;
  } catch (e) {
    if (e instanceof CoreError && e.isUserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  } finally {
    await manager?.close().catch(() => undefined);
    if (jsonFd !== undefined) fs.closeSync(jsonFd);
  }
}

if (require.main === module) {
  // Exit explicitly: otherwise Node waits for V8's background optimisation of sql.js's wasm (~0.3 s).
  // Output is already written: stdout and stderr are synchronous for files, pipes and terminals.
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`internal error: ${describeError(e)}\n`);
    process.exit(2);
  });
}
