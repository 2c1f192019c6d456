// What a CLI command is (its usage, options, and a parse that checks every argument and returns the
// work to do), where it writes, the helpers that check arguments, and Ctrl-C handling.
import * as path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { CoreError } from '../core/errors';
import { SessionStatus } from '../core/model';
import { parseQuery } from '../core/search';
import type { SessionManager } from '../core/sessions';
import type { Tracer } from '../core/trace';

export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;
// biome-ignore lint/suspicious/noConfusingVoidType: a command returns its exit code or nothing (0).
export type Exit = Promise<number | void>;
/**
 * What a command does once its arguments were checked, and what it needs of the database: `read` or
 * `write` one that exists (a missing one is an error, never created), `create` it if missing, or `none`.
 */
export type Work =
  | { database: 'read' | 'write' | 'create'; run(m: SessionManager, out: Output): Exit }
  | { database: 'none'; run(tracer: Tracer, out: Output): Exit };
export interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /**
   * The exit code for any error where 1 means something else (diff(1): "different"; simulate: "an assertion
   * failed"): 2. Else 1, or 2 for a bug.
   */
  errorExit?: number;
  /** For `search`: arguments like -word are part of the query (exclusions), not options. */
  dashWordsArePositional?: boolean;
  /** Checks every argument, before any file is touched, and returns the work to do. */
  parse(positionals: string[], values: Values): Work;
}

export const DEFAULT_DB = path.join('.vscode', 'langswarm-sessions.sqlite');

export class Output {
  line(text = ''): void {
    process.stdout.write(`${text}\n`);
  }
  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }
}

/** Something the user should know that did not stop the command. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

export const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);

/** The database the command line names: --db, else $LANGSWARM_SESSIONS_DB, else the default. */
export function databaseArg(values: Values): { explicitDb: string | undefined; shownDb: string; dbPath: string } {
  const explicitDb = str(values['db']) ?? process.env['LANGSWARM_SESSIONS_DB'];
  const shownDb = explicitDb ?? DEFAULT_DB;
  return { explicitDb, shownDb, dbPath: path.resolve(shownDb) };
}

export function need(v: Values[string], what: string): string {
  const s = str(v);
  if (s === undefined || s === '') throw new CoreError('InvalidInput', `Missing ${what}.`);
  return s;
}

/** A whole number option such as --limit; `fallback` when it is not given. */
export function count(v: Values[string], option: string, fallback: number): number {
  const s = str(v);
  if (s === undefined) return fallback;
  const n = /^\d{1,9}$/.test(s.trim()) ? Number(s) : NaN;
  if (!(n >= 1)) throw new CoreError('InvalidInput', `${option} needs a whole number of 1 or more, not "${s}".`);
  return n;
}

export function status(v: string): SessionStatus {
  const parsed = SessionStatus.safeParse(v);
  if (!parsed.success)
    throw new CoreError('InvalidInput', `Unknown status "${v}"; use one of ${SessionStatus.options.join(', ')}.`);
  return parsed.data;
}

/** Throws the search's own sentence for a query that cannot be searched (only exclusions…). */
export function checkSearchable(query: string): void {
  const parsed = parseQuery(query);
  if (!parsed) throw new CoreError('InvalidInput', `Nothing to search for in "${query}": give words or "a phrase".`);
  if ('problem' in parsed) throw new CoreError('InvalidInput', parsed.problem);
}

/** Runs `fn` with a signal that Ctrl-C fires, so an interrupted reply is kept as partial. */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
