// The commands on the session database: create, add, list, show, search, import (migrate) and export,
// status, fork, dump, delete, demo, stats, and salvage (copying a refused database's sessions).
import * as path from 'node:path';
import { version as extensionVersion } from '../../package.json';
import { addDemoSessions } from '../core/demo';
import { dumpState, dumpText } from '../core/dump';
import { CoreError, invalidInput } from '../core/errors';
import { exportV1, formatReport, hasFailures, migrate } from '../core/langswarm';
import { Message, NewMessage, NewSession, SessionSummary } from '../core/model';
import { salvage } from '../core/store/salvage';
import { displayTitle, knownTokens, partsText, sourceStatusNote } from '../core/text';
import { Command, checkSearchable, count, databaseArg, need, status, str, withInterrupt } from './command';
import { checkDatabase, outTarget, statOrUndefined, writeOutFile } from './files';
import { addJsonl } from './input';
import { watchSources } from './watch';

function when(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

function sessionLine(s: SessionSummary): string {
  const title = displayTitle(s);
  return [
    s.id,
    s.status.padEnd(9),
    `${s.provider}/${s.model}`,
    `${s.messageCount} msgs`,
    when(s.updatedAt),
    // The source's id beside a title taken from the first message, so both can be grepped.
    s.originalId && title !== s.originalId ? `${title}  [${s.originalId}]` : title,
  ].join('  ');
}

function showMessage(m: Message): Record<string, unknown> {
  const { id, seq, role, ...rest } = m;
  return { id, seq, role, text: partsText(m.parts, 'text'), ...rest };
}

export const sessionCommands = {
  create: {
    usage: 'create --provider P --model M [--title T] [--user U] [--system S] [--tag T]...',
    options: {
      provider: { type: 'string' },
      model: { type: 'string' },
      title: { type: 'string' },
      user: { type: 'string' },
      system: { type: 'string' },
      tag: { type: 'string', multiple: true },
    },
    parse(_p, v) {
      const input: NewSession = {
        provider: need(v['provider'], '--provider'),
        model: need(v['model'], '--model'),
        title: str(v['title']),
        userId: str(v['user']),
        systemPrompt: str(v['system']),
        tags: Array.isArray(v['tag']) ? v['tag'].map(String) : undefined,
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
    options: {
      status: { type: 'string' },
      provider: { type: 'string' },
      tag: { type: 'string' },
      user: { type: 'string' },
      text: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    parse(_p, v) {
      const query = {
        // An empty --status, --provider, --tag or --text filters nothing; an empty --user finds sessions without one.
        status: str(v['status']) ? status(str(v['status'])!) : undefined,
        provider: str(v['provider']) || undefined,
        tag: str(v['tag']) || undefined,
        userId: str(v['user']),
        text: str(v['text']) || undefined,
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
          const tokens = knownTokens(session);
          out.line(`tokens: ${tokens === undefined ? 'unknown (no message reports usage)' : tokens}`);
          const note = sourceStatusNote(session);
          if (note) out.line(note);
          if (session.sourceSummary) out.line(`LangSwarm summary: ${session.sourceSummary}`);
          if (session.systemPrompt) out.line(`system: ${session.systemPrompt}`);
          for (const msg of messages) {
            out.line(
              `#${msg.seq} ${msg.role}${msg.state === 'complete' ? '' : ` (${msg.state})`}: ${partsText(msg.parts, 'transcript')}`,
            );
          }
        },
      };
    },
  },
  search: {
    usage:
      'search QUERY [--session S] [--limit N] [--json]   (words, word*, "a phrase", -word or -"a phrase" to exclude, a OR b)',
    options: { session: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    dashWordsArePositional: true,
    parse(positionals, v) {
      const query = positionals.join(' ');
      if (!query.trim()) throw new CoreError('InvalidInput', 'Missing QUERY.');
      checkSearchable(query);
      const options = { limit: count(v['limit'], '--limit', 50), sessionId: str(v['session']) || undefined };
      return {
        database: 'read',
        async run(m, out) {
          const result = m.search(query, options);
          if (v['json']) return out.json(result);
          for (const h of result.hits) {
            let marked = '';
            let at = 0;
            for (const [a, b] of h.highlights) {
              marked += `${h.snippet.slice(at, a)}[${h.snippet.slice(a, b)}]`;
              at = b;
            }
            marked += h.snippet.slice(at);
            out.line(`${h.sessionId} #${h.seq} ${h.role}  ${marked.replace(/\s+/g, ' ')}`);
          }
          out.line(`${result.total} match${result.total === 1 ? '' : 'es'}`);
        },
      };
    },
  },
  migrate: {
    usage:
      'migrate SOURCE... [--dry-run] [--naive-utc] [--json] [--watch [--interval MS]]   (LangSwarm V1/V2 files or folders; exit 1 if any file or session failed; --watch keeps importing what the app adds until Ctrl+C)',
    options: {
      'dry-run': { type: 'boolean' },
      'naive-utc': { type: 'boolean' },
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
    },
    parse(sources, v) {
      if (sources.length === 0)
        throw new CoreError('InvalidInput', 'Missing SOURCE: give LangSwarm files or folders to import.');
      // Followed, a source may not exist yet (the app has not saved): it is waited for.
      const missing = v['watch'] ? [] : sources.filter((s) => !statOrUndefined(s, `read ${s}`, true));
      if (missing.length > 0)
        throw new CoreError(
          'InvalidInput',
          `Nothing was imported: ${missing.map((s) => JSON.stringify(s)).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist.`,
        );
      if (v['watch'] && (v['dry-run'] || v['json']))
        throw new CoreError('InvalidInput', '--watch cannot be combined with --dry-run or --json.');
      if (!v['watch'] && v['interval'] !== undefined)
        throw new CoreError('InvalidInput', '--interval is the poll interval of --watch: give --watch too.');
      const intervalMs = count(v['interval'], '--interval', 1000);
      if (v['watch'])
        return {
          database: 'create',
          run: (m, out) => watchSources(m, out, sources, { naiveUtc: Boolean(v['naive-utc']), intervalMs }),
        };
      return {
        database: 'create',
        async run(m, out) {
          // Ctrl-C stops between sessions and keeps what was imported (whole sessions only).
          const report = await withInterrupt((signal) =>
            migrate(m, sources, { dryRun: Boolean(v['dry-run']), naiveUtc: Boolean(v['naive-utc']), signal }),
          );
          if (v['json']) out.json(report);
          else out.line(formatReport(report));
          return hasFailures(report) ? 1 : 0;
        },
      };
    },
  },
  exportV1: {
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
  setStatus: {
    usage: 'set-status SESSION STATUS   (active|paused|completed|archived|error)',
    options: {},
    parse([sessionId, value]) {
      const id = need(sessionId, 'SESSION');
      const to = status(need(value, 'STATUS'));
      return {
        database: 'write',
        run: async (m) => {
          await m.setStatus(id, to);
        },
      };
    },
  },
  fork: {
    usage: 'fork SESSION --at MESSAGE [--title T]',
    options: { at: { type: 'string' }, title: { type: 'string' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const at = need(v['at'], '--at MESSAGE');
      const title = str(v['title']);
      return { database: 'write', run: async (m, out) => out.line((await m.fork(id, at, { title })).id) };
    },
  },
  dump: {
    usage: 'dump SESSION|--all [--out FILE] [--no-redact] [--redact-pattern REGEX]...',
    options: {
      all: { type: 'boolean' },
      out: { type: 'string' },
      'no-redact': { type: 'boolean' },
      'redact-pattern': { type: 'string', multiple: true },
    },
    parse([sessionId], v) {
      if (Boolean(sessionId) === Boolean(v['all']))
        throw new CoreError('InvalidInput', 'Give either SESSION or --all.');
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
          writeOutFile(file, dumpText(document));
          process.stderr.write(
            `wrote ${file} (${document.sessions.length} session${document.sessions.length === 1 ? '' : 's'}; ${redaction})\n`,
          );
        },
      };
    },
  },
  delete: {
    usage: 'delete SESSION',
    options: {},
    parse([sessionId]) {
      const id = need(sessionId, 'SESSION');
      return {
        database: 'write',
        run: async (m) => {
          await m.delete(id);
        },
      };
    },
  },
  demo: {
    usage: 'demo   (adds sample sessions: every part type and status, and a 1,200-message thread)',
    options: {},
    parse() {
      return {
        database: 'create',
        async run(m, out) {
          for (const id of await addDemoSessions(m)) out.line(id);
        },
      };
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
          out.line(
            `sessions: ${stats.sessions}  ${Object.entries(stats.byStatus)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`,
          );
          out.line(
            `providers: ${
              Object.entries(stats.byProvider)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || 'none'
            }`,
          );
          out.line(
            `messages: ${stats.messages}  ${Object.entries(stats.byRole)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`,
          );
          out.line(
            stats.messages > 0 && stats.messagesWithUsage === 0
              ? 'tokens: unknown (no message reports usage)'
              : `tokens: ${stats.totalTokens} (input ${stats.inputTokens}, output ${stats.outputTokens})`,
          );
        },
      };
    },
  },
  salvage: {
    usage:
      'salvage --out NEW.sqlite   (copies the sessions of a database that was refused, e.g. for a foreign trigger, into a new one; --db is only read)',
    options: { out: { type: 'string' } },
    parse(_, v) {
      const { shownDb, dbPath } = databaseArg(v);
      const out = need(v['out'], '--out NEW.sqlite');
      if (statOrUndefined(path.resolve(out), `write ${out}`))
        throw new CoreError('InvalidInput', `--out ${out} already exists; give a new file.`);
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
} satisfies Record<string, Command>;
