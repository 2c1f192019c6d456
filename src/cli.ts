// langswarm-sessions: the session core, headless. Exit codes: 0 ok, 1 user error, 2 internal error.
// The commands are in src/cli/ (session-commands.ts, provider-commands.ts); this file parses the
// command line, opens the database a command needs, runs it and reports.
import * as fs from 'node:fs';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { CoreError, describeError } from './core/errors';
import { SessionManager } from './core/sessions';
import { errno } from './core/store/files';
import { formatEvent, isAtLeast, parseLogLevel, Tracer } from './core/trace';
import { Command, DEFAULT_DB, Output, Values, databaseArg, str, warn } from './cli/command';
import { diffCommand } from './cli/diff-command';
import { costCommand } from './cli/cost-command';
import { paramsCommand } from './cli/params-command';
import { dapCommand } from './cli/dap-command';
import { serveCommand } from './cli/serve-command';
import { traceCommand } from './cli/trace-command';
import { checkDatabase, fileError, statOrUndefined } from './cli/files';
import { providerCommands as talk } from './cli/provider-commands';
import { sessionCommands as data } from './cli/session-commands';
import { simulateCommand } from './cli/simulate-command';

/** Every command, in the order the usage lists them. */
const commands: Record<string, Command> = {
  create: data.create,
  add: data.add,
  list: data.list,
  show: data.show,
  search: data.search,
  migrate: data.migrate,
  'export-v1': data.exportV1,
  'set-status': data.setStatus,
  fork: data.fork,
  dump: data.dump,
  delete: data.delete,
  demo: data.demo,
  stats: data.stats,
  cost: costCommand,
  trace: traceCommand,
  params: paramsCommand,
  diff: diffCommand,
  serve: serveCommand,
  send: talk.send,
  replay: talk.replay,
  'test-provider': talk.testProvider,
  salvage: data.salvage,
  'import-openai': talk.importOpenAI,
  simulate: simulateCommand,
  dap: dapCommand,
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
    `--db defaults to $LANGSWARM_SESSIONS_DB or ${DEFAULT_DB}; only create, demo, migrate and import-openai create it when missing.`,
    'Exit codes: 0 done; 1 not done, with a sentence on stderr (arguments, missing session or database, unwritable file, full disk…); 2 internal error. diff: 0 identical, 1 different, 2 trouble.',
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
    return command.errorExit ?? 1;
  }
  if (values['help']) {
    process.stdout.write(`Usage: langswarm-sessions ${command.usage}\n`);
    return 0;
  }
  const level = parseLogLevel(str(values['log-level']) ?? 'warn');
  if (!level) {
    process.stderr.write(`Unknown log level "${str(values['log-level'])}"; use trace, debug, info, warn or error.\n`);
    return command.errorExit ?? 1;
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
      if (statOrUndefined(logJson, `write the log ${logJson}`, true)?.isDirectory())
        throw new CoreError('InvalidInput', `--log-json ${logJson} is a folder; give a file name.`);
      try {
        log = { fd: fs.openSync(logJson, 'a') };
      } catch (e) {
        throw fileError(`open the log ${logJson}`, e);
      }
      const sink = log;
      // The tracer ignores a sink that throws; remember the first failure (a full disk) to report it.
      tracer.addSink((e) => {
        if (sink.error !== undefined) return;
        try {
          fs.writeSync(sink.fd, `${JSON.stringify(e)}\n`);
        } catch (error) {
          sink.error = error;
        }
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
    code = reportError(e, command.errorExit);
  } finally {
    await manager?.close().catch(() => undefined);
    if (log) fs.closeSync(log.fd);
  }
  if (log?.error !== undefined) {
    process.stderr.write(
      `error: ${fileError(`write the log ${logJson}`, log.error).message} Events after that are missing from it.\n`,
    );
    if (code === 0) code = 1;
  }
  return code;
}

/** Prints an error: a sentence for what the user or the machine can fix (exit 1), a stack for a bug (exit 2). */
function reportError(e: unknown, errorExit?: number): number {
  if (e instanceof CoreError && e.code !== 'Internal') {
    process.stderr.write(`error: ${e.message}\n`);
    return errorExit ?? 1;
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
  process.stdout.on('error', (e) => {
    outputError ??= e;
  });
  process.stderr.on('error', () => undefined); // nowhere left to report it
  const finish = async (code: number) => {
    await flushed(process.stdout);
    // A reader that stopped early (| head) wanted no more: no message then, as with SIGPIPE.
    if (outputError !== undefined && errno(outputError) !== 'EPIPE')
      process.stderr.write(`error: ${fileError('write the output', outputError).message}\n`);
    await flushed(process.stderr);
    // Exit explicitly, once flushed: otherwise Node waits for V8's background optimisation of sql.js's wasm (~0.3 s).
    process.exit(outputError !== undefined && code === 0 ? 1 : code);
  };
  main(process.argv.slice(2)).then(finish, (e: unknown) => finish(reportError(e)));
}
