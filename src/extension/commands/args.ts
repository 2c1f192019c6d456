// Command arguments, checked with zod as the webview's messages are (src/protocol.ts): a command can be run by a menu
// (with a row of the Sessions view), a keybinding, a script or another extension, so what it is given is untrusted.
// A bad argument is refused with a sentence that says which and why; it never reaches a handler.
import { z } from 'zod';
import { CoreError } from '../../core/errors';
import { ModelParameters, SessionStatus } from '../../core/model';
import type { CommandId } from '../commandIds';

export const id = z
  .string({ error: 'expected an id (text)' })
  .min(1, 'an id cannot be empty')
  .max(1000, 'an id has at most 1000 characters');
export const text = z.string({ error: 'expected text' });
export const flag = z.boolean({ error: 'expected true or false' });
export const texts = z.array(text, { error: 'expected a list of text' });

/** A row of the Sessions view, as menus and clicks on rows pass it (the tree's nodes; only what commands read is checked). */
export const TreeRow = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('session'), summary: z.object({ id }, { error: 'expected the session of the row' }) }),
    z.object({
      kind: z.literal('message'),
      message: z.object({ id, sessionId: id }, { error: 'expected the message of the row' }),
    }),
    z.object({ kind: z.literal('more'), parentId: id }),
    z.object({ kind: z.literal(['group', 'notice']) }),
  ],
  { error: 'expected a row of the Sessions view' },
);
export type TreeRow = z.infer<typeof TreeRow>;

const isRow = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';

/** An object of options: `shape` and nothing else (a misspelt option is refused, not ignored). */
export function options<const S extends z.ZodRawShape>(shape: S, expected: string) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : `expected ${expected}`,
  });
}

/** An object of options, or text standing for its option `key`; nothing is no options. */
export function textOr<const S extends z.ZodRawShape>(key: keyof S & string, shape: S, expected: string) {
  return z.preprocess(
    (arg: unknown) => (typeof arg === 'string' ? { [key]: arg } : (arg ?? {})),
    options(shape, expected),
  );
}

/**
 * Argument 1 of a command on a session or a message: nothing (the command asks), a row of the Sessions view, an id
 * (`idKey` says which), or an object of options (`shape`, which names the id keys it takes). Parsed to the options
 * object, with `row` when a row was given.
 */
export function target<const S extends z.ZodRawShape>(shape: S, idKey: keyof S & string, expected: string) {
  return z.preprocess(
    (arg: unknown) =>
      arg === undefined || arg === null
        ? {}
        : typeof arg === 'string'
          ? { [idKey]: arg }
          : isRow(arg)
            ? { row: arg }
            : arg,
    options({ row: TreeRow.optional(), ...shape }, expected),
  );
}

/** Argument 1 of a command on a session: its id, a row, or `{ sessionId, ...more }` (the sentence names those keys). */
export function sessionTarget<const S extends z.ZodRawShape = Record<never, never>>(more: S = {} as S) {
  return target(
    { sessionId: id.optional(), ...more },
    'sessionId',
    `a session id, a session row or ${keys('sessionId', more)}`,
  );
}

/** Argument 1 of a command on a message: its id, a message row, or `{ messageId, ...more }`. */
export function messageTarget<const S extends z.ZodRawShape = Record<never, never>>(more: S = {} as S) {
  return target(
    { messageId: id.optional(), ...more },
    'messageId',
    `a message id, a message row or ${keys('messageId', more)}`,
  );
}

const keys = (idKey: string, more: z.ZodRawShape) => `{ ${[idKey, ...Object.keys(more)].join(', ')} }`;

/** The session a target names: a session row's, a message row's, or `sessionId`. */
export function sessionIdOf(t: { row?: TreeRow | undefined; sessionId?: string | undefined }): string | undefined {
  if (t.row?.kind === 'session') return t.row.summary.id;
  if (t.row?.kind === 'message') return t.row.message.sessionId;
  return t.sessionId;
}

/** The message a target names: a message row's, or `messageId`. */
export function messageIdOf(t: { row?: TreeRow | undefined; messageId?: string | undefined }): string | undefined {
  return t.row?.kind === 'message' ? t.row.message.id : t.messageId;
}

/** The Sessions view's filter, as the Filter command takes it. */
export const TreeFilterArg = options(
  {
    text: text.optional(),
    status: z
      .union([SessionStatus, z.array(SessionStatus)], { error: 'expected a session status or a list of them' })
      .optional(),
    provider: text.optional(),
    tag: text.nullable().optional(),
  },
  'a filter: { text, status, provider, tag }',
);

/** A command: the schemas of its arguments, in order, and what it does with them once they are parsed. */
export interface CommandSpec {
  readonly args: readonly z.ZodType[];
  readonly run: (...args: never[]) => Promise<unknown>;
}

export type Commands<K extends CommandId> = Record<K, CommandSpec>;

/** Typing help: `run` receives each argument as its schema parses it. */
export function command<const A extends readonly z.ZodType[]>(
  args: A,
  run: (...parsed: { -readonly [K in keyof A]: z.output<A[K]> }) => Promise<unknown>,
): CommandSpec {
  return { args, run: run as CommandSpec['run'] };
}

/** Parses `args` for command `id`; throws InvalidInput naming the first bad argument. Arguments beyond the schemas are ignored. */
export function parseArgs(id: CommandId, spec: CommandSpec, args: readonly unknown[]): unknown[] {
  return spec.args.map((schema, i) => {
    const parsed = schema.safeParse(args[i]);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.filter((key) => key !== 'row').join('.');
      return `${where ? `${where}: ` : ''}${issue.message}`;
    });
    throw new CoreError('InvalidInput', `${id} was given a bad argument ${i + 1}: ${problems.join('; ')}.`, {
      command: id,
      argument: i + 1,
    });
  });
}

/**
 * Argument 1 of Set Model Parameters: a session (id, row or `{ sessionId }`) with, for scripts, the `parameters` to
 * set (checked whole, as the core checks them; null clears them), or `edit: 'json'` to open them as a document.
 */
export const SetParametersArg = sessionTarget({
  parameters: ModelParameters.nullable().optional(),
  edit: z.literal('json', { error: 'expected "json"' }).optional(),
});
