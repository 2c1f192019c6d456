// Judges one turn of a simulation: its final reply and the tool calls made on the way, against the
// scenario's assertions. Regular expressions (`regex`, and `pattern` inside `json_schema`) run on RE2
// (re2js: linear time), so no pattern in a scenario can hang the run on a long reply.
import Ajv2020 from 'ajv/dist/2020';
import { RE2JS } from 're2js';
import { describeError } from '../errors';
import { compileRegex } from './regex';
import type { KeyPath } from './load';
import { type Assertion, type AssertionKind, type ToolRef } from './scenario';

export interface ToolCallMade {
  name: string;
  /** The parsed arguments (undefined when the model sent text that is not JSON). */
  args: unknown;
  argumentsJson: string;
}

/** What a turn produced, for the assertions. */
export interface TurnObservation {
  reply: string;
  calls: ToolCallMade[];
  /** Input tokens of the turn's model calls together. */
  inputTokens: number;
  /** USD of the turn's model calls together, or why it is not known. */
  cost: { known: true; total: number } | { known: false; reason: string };
  latencyMs: number;
}

export interface AssertionOutcome {
  /** An assertion kind, or what the simulator itself checks: `tool_answer`, `rounds`, `goal`. */
  kind: AssertionKind | 'tool_answer' | 'rounds' | 'goal';
  passed: boolean;
  /** Not judged (a `judge` rubric while judging is off). */
  skipped?: boolean;
  message: string;
  expected?: string;
  actual?: string;
  /** Where in the scenario file it is written. */
  path: KeyPath;
}

/** Grades `reply` on `rubric`; the model is the assertion's, else the scenario's judge. */
export type JudgeFn = (
  rubric: string,
  reply: string,
  model: { provider?: string; model?: string },
) => Promise<{ passed: boolean; reason: string }>;

/** The longest reply a message quotes. */
const QUOTE = 300;
const quote = (s: string) => JSON.stringify(s.length > QUOTE ? `${s.slice(0, QUOTE)}…` : s);

/**
 * `expected` is in `actual`: every key of an expected object is in the actual object with a matching value
 * (deep, so nested objects are partial too); arrays match element by element with the same length.
 */
export function partialMatch(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected))
    return (
      Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => partialMatch(e, actual[i]))
    );
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(
      ([k, v]) => Object.hasOwn(actual, k) && partialMatch(v, (actual as Record<string, unknown>)[k]),
    );
  }
  return Object.is(expected, actual) || expected === actual;
}

const refName = (ref: ToolRef) => (typeof ref === 'string' ? ref : ref.name);
const refMatches = (ref: ToolRef, call: ToolCallMade) =>
  call.name === refName(ref) && (typeof ref === 'string' || !ref.args || partialMatch(ref.args, call.args));
const describeRef = (ref: ToolRef) =>
  typeof ref === 'string' || !ref.args ? refName(ref) : `${ref.name}(${JSON.stringify(ref.args)})`;
const describeCalls = (calls: ToolCallMade[]) =>
  calls.length ? calls.map((c) => `${c.name}(${c.argumentsJson})`).join(', ') : 'no tool calls';

/** Made on first use: compiling Ajv's own meta-schemas costs every CLI command otherwise. */
let validator: Ajv2020 | undefined;
function ajv(): Ajv2020 {
  validator ??= new Ajv2020({
    strict: false,
    allErrors: false,
    // Formats need a plug-in per format; a scenario checks shapes, and an unknown format is ignored.
    validateFormats: false,
    code: { regExp: Object.assign((pattern: string) => RE2JS.compile(pattern), { code: 'RE2JS.compile' }) },
  });
  return validator;
}

/** The reply as JSON: the whole text, or the one fenced code block it consists of. */
function replyJson(reply: string): { value: unknown } | { error: string } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(reply);
  try {
    return { value: JSON.parse(fenced ? fenced[1]! : reply) };
  } catch (e) {
    return { error: describeError(e) };
  }
}

/** Judges one assertion on a turn; `judge` is absent when judging is off. */
export async function check(
  assertion: Assertion,
  turn: TurnObservation,
  path: KeyPath,
  judge?: JudgeFn,
): Promise<AssertionOutcome> {
  const kind = Object.keys(assertion)[0] as AssertionKind;
  const out = (passed: boolean, message: string, extra: Partial<AssertionOutcome> = {}): AssertionOutcome => ({
    kind,
    passed,
    message,
    path,
    ...extra,
  });
  const reply = turn.reply;
  switch (kind) {
    case 'contains': {
      const text = assertion.contains!;
      return out(
        reply.includes(text),
        `The reply ${reply.includes(text) ? 'contains' : 'does not contain'} ${quote(text)}.`,
        {
          expected: text,
          actual: reply,
        },
      );
    }
    case 'not_contains': {
      const text = assertion.not_contains!;
      const found = reply.includes(text);
      return out(!found, `The reply ${found ? 'contains' : 'does not contain'} ${quote(text)}.`, {
        expected: `not ${text}`,
        actual: reply,
      });
    }
    case 'regex': {
      const re = compileRegex(assertion.regex!);
      if (typeof re === 'string') return out(false, re);
      const found = re.test(reply);
      return out(found, `The reply ${found ? 'matches' : 'does not match'} /${assertion.regex}/.`, {
        expected: `/${assertion.regex}/`,
        actual: reply,
      });
    }
    case 'equals': {
      const same = reply.trim() === assertion.equals!.trim();
      return out(same, same ? 'The reply is as expected.' : `The reply is ${quote(reply.trim())}.`, {
        expected: assertion.equals!,
        actual: reply,
      });
    }
    case 'json_schema': {
      const parsed = replyJson(reply);
      if ('error' in parsed) return out(false, `The reply is not JSON: ${parsed.error}.`, { actual: reply });
      let validate: ReturnType<Ajv2020['compile']>;
      try {
        validate = ajv().compile(assertion.json_schema!);
      } catch (e) {
        return out(false, `The json_schema is not a valid JSON Schema: ${describeError(e)}`);
      }
      const valid = validate(parsed.value);
      return out(
        valid,
        valid
          ? 'The reply is JSON the schema accepts.'
          : `The reply does not fit the schema: ${ajv().errorsText(validate.errors)}.`,
        { expected: JSON.stringify(assertion.json_schema), actual: reply },
      );
    }
    case 'tool_called':
    case 'tool_not_called': {
      const ref = assertion[kind]!;
      const called = turn.calls.some((c) => refMatches(ref, c));
      const passed = kind === 'tool_called' ? called : !called;
      return out(
        passed,
        `${describeRef(ref)} was ${called ? '' : 'not '}called (calls: ${describeCalls(turn.calls)}).`,
        {
          expected: `${kind === 'tool_called' ? '' : 'no call of '}${describeRef(ref)}`,
          actual: describeCalls(turn.calls),
        },
      );
    }
    case 'max_input_tokens': {
      const limit = assertion.max_input_tokens!;
      return out(turn.inputTokens <= limit, `The turn used ${turn.inputTokens} input tokens (at most ${limit}).`, {
        expected: `≤ ${limit}`,
        actual: String(turn.inputTokens),
      });
    }
    case 'max_cost': {
      const limit = assertion.max_cost!;
      if (!turn.cost.known) return out(false, `The turn's cost is not known: ${turn.cost.reason}.`);
      const total = turn.cost.total;
      return out(total <= limit, `The turn cost $${total.toFixed(6)} (at most $${limit}).`, {
        expected: `≤ ${limit}`,
        actual: String(total),
      });
    }
    case 'max_latency_ms': {
      const limit = assertion.max_latency_ms!;
      const ms = Math.round(turn.latencyMs);
      return out(ms <= limit, `The turn took ${ms} ms (at most ${limit}).`, {
        expected: `≤ ${limit}`,
        actual: String(ms),
      });
    }
    case 'judge': {
      const spec = assertion.judge!;
      const rubric = typeof spec === 'string' ? spec : spec.rubric;
      if (!judge)
        return out(true, 'Not judged: judging is off (--judge, or the langswarmSessions.simulate.judge setting).', {
          skipped: true,
        });
      const verdict = await judge(rubric, reply, typeof spec === 'string' ? {} : spec);
      return out(verdict.passed, verdict.reason, { expected: rubric, actual: reply });
    }
  }
}
