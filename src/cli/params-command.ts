// `params SESSION [--set KEY=VALUE]... [--file FILE|-] [--clear] [--json]`: shows or sets how the session's
// model is asked to answer (core model.ts ModelParameters; every later send and replay uses them).
import * as fs from 'node:fs';
import { CoreError, describeError } from '../core/errors';
import { type ModelParameters, REASONING_EFFORTS, REASONING_SUMMARIES } from '../core/model';
import { parametersSummary } from '../core/text';
import type { SessionManager } from '../core/sessions';
import type { Command, Output } from './command';
import { need, str } from './command';

/** A parameters file is a few KB; more is not one (and is not read whole into memory). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const KEYS = ['effort', 'summary', 'budget', 'temperature', 'max-tokens'] as const;
type Key = (typeof KEYS)[number];

export const paramsCommand = {
  usage: `params SESSION [--set KEY=VALUE]... [--file FILE|-] [--clear] [--json]   (the session's model parameters; KEY: ${KEYS.join(', ')}; an empty VALUE removes it; --file: all of them as JSON, tools and safety settings included)`,
  options: {
    set: { type: 'string', multiple: true },
    file: { type: 'string' },
    clear: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  parse([sessionId, ...extra], v) {
    const id = need(sessionId, 'SESSION');
    if (extra.length) throw new CoreError('InvalidInput', `Unexpected argument "${extra[0]}".`);
    const sets = (Array.isArray(v['set']) ? v['set'] : []).map((s) => parseSet(String(s)));
    const file = str(v['file']);
    const changes = sets.length > 0 || file !== undefined || v['clear'] === true;
    return {
      database: changes ? 'write' : 'read',
      async run(m: SessionManager, out: Output) {
        let session = m.get(id);
        if (changes) {
          let next: Record<string, unknown> =
            file !== undefined ? readJsonObject(file) : v['clear'] ? {} : structuredClone(session.parameters ?? {});
          for (const [key, value] of sets) next = applySet(next, key, value);
          session = await m.setParameters(session.id, next as ModelParameters);
        } else if (session.parametersProblem) {
          throw new CoreError('InvalidInput', `Session ${session.id}: ${session.parametersProblem}`);
        }
        if (v['json']) return out.json(session.parameters ?? {});
        out.line(parametersSummary(session.parameters) || 'no model parameters set (the provider’s defaults apply)');
      },
    };
  },
} satisfies Command;

function parseSet(arg: string): [Key, string] {
  const at = arg.indexOf('=');
  const key = (at < 0 ? arg : arg.slice(0, at)).trim();
  if (at < 0 || !KEYS.includes(key as Key))
    throw new CoreError('InvalidInput', `--set ${arg}: give KEY=VALUE with KEY one of ${KEYS.join(', ')}.`);
  return [key as Key, arg.slice(at + 1).trim()];
}

function number(key: Key, value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new CoreError('InvalidInput', `--set ${key}=${value}: expected a number.`);
  return Number(value);
}

/** `value` '' removes the key; the result is checked whole by setParameters. */
function applySet(p: Record<string, unknown>, key: Key, value: string): Record<string, unknown> {
  const reasoning = { ...((p['reasoning'] as Record<string, unknown> | undefined) ?? {}) };
  const setReasoning = (field: string, v: unknown) => {
    if (v === undefined) delete reasoning[field];
    else reasoning[field] = v;
    const { reasoning: _, ...rest } = p;
    // Summary and budget refine an effort: without one, there is no reasoning to refine.
    return reasoning['effort'] === undefined && Object.keys(reasoning).length === 0 ? rest : { ...rest, reasoning };
  };
  const top = (field: string, v: unknown) => {
    const { [field]: _, ...rest } = p;
    return v === undefined ? rest : { ...rest, [field]: v };
  };
  const given = value === '' ? undefined : value;
  switch (key) {
    case 'effort':
      if (given !== undefined && !(REASONING_EFFORTS as readonly string[]).includes(given))
        throw new CoreError('InvalidInput', `--set effort=${value}: use one of ${REASONING_EFFORTS.join(', ')}.`);
      return given === undefined ? top('reasoning', undefined) : setReasoning('effort', given);
    case 'summary':
      if (given !== undefined && !(REASONING_SUMMARIES as readonly string[]).includes(given))
        throw new CoreError('InvalidInput', `--set summary=${value}: use one of ${REASONING_SUMMARIES.join(', ')}.`);
      return setReasoning('summary', given);
    case 'budget':
      return setReasoning('budgetTokens', given === undefined ? undefined : number(key, given));
    case 'temperature':
      return top('temperature', given === undefined ? undefined : number(key, given));
    case 'max-tokens':
      return top('maxOutputTokens', given === undefined ? undefined : number(key, given));
  }
}

/** A JSON object from a file or stdin ('-'), bounded in size; its shape is checked by setParameters. */
function readJsonObject(file: string): Record<string, unknown> {
  const where = file === '-' ? 'standard input' : file;
  let text: string;
  try {
    const fd = file === '-' ? 0 : fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
      let length = 0;
      for (let n = 1; n > 0 && length <= MAX_FILE_BYTES; length += n) n = readSome(fd, buffer, length);
      if (length > MAX_FILE_BYTES)
        throw new CoreError(
          'InvalidInput',
          `${where} is larger than ${MAX_FILE_BYTES / 1048576} MB; model parameters are a few KB.`,
        );
      text = buffer.subarray(0, length).toString('utf8');
    } finally {
      if (fd !== 0) fs.closeSync(fd);
    }
  } catch (e) {
    if (e instanceof CoreError) throw e;
    throw new CoreError('InvalidInput', `Could not read ${where}: ${describeError(e)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CoreError('InvalidInput', `${where} is not JSON: ${describeError(e)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CoreError('InvalidInput', `${where} holds JSON but not an object of model parameters.`);
  return value as Record<string, unknown>;
}

/** readSync, waiting on a stdin that has nothing yet (a non-blocking pipe answers EAGAIN instead of waiting). */
function readSome(fd: number, buffer: Buffer, offset: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buffer, offset, buffer.length - offset, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}
