// The scenario file's model (`*.sim.yaml`, `*.sim.json`): the one definition that validates files, types
// the runner and generates the JSON Schema the editor completes and checks them with
// (schemas/scenario.schema.json). A scenario is data: nothing in it is ever run as code.
import { z } from 'zod';
import { KNOWN_PROVIDERS } from '../names';
import { compileRegex } from './regex';

/** Bounds that keep a hostile file from asking for unbounded work. */
export const LIMITS = {
  text: 100_000,
  turns: 200,
  tools: 128,
  answers: 200,
  assertions: 100,
  rounds: 50,
  simulatedTurns: 50,
} as const;

const text = (what: string) => z.string().min(1, `${what} cannot be empty`).max(LIMITS.text);
/** Any JSON value (YAML's core schema parses to JSON values only). */
const json = z.unknown();
const jsonObject = z.record(z.string(), z.unknown());

export const ProviderChoice = z.enum(KNOWN_PROVIDERS).describe('A provider the product can call.');

export const ToolAnswer = z
  .strictObject({
    when: jsonObject.describe(
      'Matched on the call’s arguments: every key given must be there with this value (deep, partial).',
    ),
    result: json.describe('What the simulator answers (a string as is, anything else as JSON).'),
    is_error: z.boolean().optional().describe('Answer as a failed call.'),
  })
  .describe('An answer used when the call’s arguments match `when`.');

export const ScenarioTool = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a tool name is 1 to 64 letters, digits, "_", "-" or "."')
      .describe('The function name the model calls.'),
    description: z.string().max(LIMITS.text).optional(),
    parameters: jsonObject.optional().describe('JSON Schema of the arguments (default: an object with no properties).'),
    result: json.optional().describe('The answer to any call no `results` entry matches.'),
    results: z.array(ToolAnswer).max(LIMITS.answers).optional().describe('Answers by arguments; the first match wins.'),
    is_error: z.boolean().optional().describe('Answer `result` as a failed call.'),
  })
  .refine((t) => t.result !== undefined || t.results?.length, {
    message: 'a tool needs `result` or `results` (what the simulator answers)',
  });
export type ScenarioTool = z.infer<typeof ScenarioTool>;

const ToolRef = z.union([
  z.string().min(1).describe('A tool name.'),
  z.strictObject({
    name: z.string().min(1),
    args: jsonObject.optional().describe('Arguments the call must have (deep, partial match).'),
  }),
]);
export type ToolRef = z.infer<typeof ToolRef>;

const JudgeModel = z.strictObject({ provider: ProviderChoice, model: text('model') });

/** Each assertion is an object with exactly one of these keys. */
export const ASSERTION_SHAPES = {
  contains: z.string().min(1).max(LIMITS.text).describe('The reply contains this text.'),
  not_contains: z.string().min(1).max(LIMITS.text).describe('The reply does not contain this text.'),
  regex: z
    .string()
    .min(1)
    .max(10_000)
    .refine((p) => typeof compileRegex(p) !== 'string', { error: (issue) => String(compileRegex(String(issue.input))) })
    .describe('The reply matches this RE2 regular expression (linear time; (?i) for any case, (?s) for dot-all).'),
  equals: z.string().max(LIMITS.text).describe('The reply, without surrounding white space, is exactly this.'),
  json_schema: jsonObject.describe('The reply is JSON that this JSON Schema accepts.'),
  tool_called: ToolRef.describe('The model called this tool during the turn.'),
  tool_not_called: ToolRef.describe('The model did not call this tool during the turn.'),
  max_input_tokens: z.number().int().nonnegative().describe('Input tokens of the turn’s model calls together.'),
  max_cost: z
    .number()
    .nonnegative()
    .describe('Cost in USD of the turn’s model calls together (an unknown price fails).'),
  max_latency_ms: z.number().nonnegative().describe('Milliseconds from sending the user message to the final reply.'),
  judge: z
    .union([text('rubric'), z.strictObject({ rubric: text('rubric'), ...JudgeModel.partial().shape })])
    .describe('A rubric another model grades the reply on; skipped unless judging is turned on.'),
} as const;
export type AssertionKind = keyof typeof ASSERTION_SHAPES;
export const ASSERTION_KINDS = Object.keys(ASSERTION_SHAPES) as AssertionKind[];

export const Assertion = z
  .strictObject(
    Object.fromEntries(ASSERTION_KINDS.map((k) => [k, ASSERTION_SHAPES[k].optional()])) as {
      [K in AssertionKind]: z.ZodOptional<(typeof ASSERTION_SHAPES)[K]>;
    },
  )
  .refine((a) => Object.keys(a).length === 1, {
    message: `an assertion has exactly one of: ${ASSERTION_KINDS.join(', ')}`,
  })
  .meta({ minProperties: 1, maxProperties: 1 });
export type Assertion = z.infer<typeof Assertion>;

export const Turn = z.strictObject({
  user: text('a user message').describe('What the user sends.'),
  expect: z.array(Assertion).max(LIMITS.assertions).optional().describe('What the turn’s final reply must satisfy.'),
});
export type Turn = z.infer<typeof Turn>;

export const UserSimulator = z.strictObject({
  persona: text('persona').describe('Who the simulated user is.'),
  goal: text('goal').describe('What the simulated user wants; the simulation stops when it is met.'),
  provider: ProviderChoice.optional().describe('Default: the scenario’s provider.'),
  model: text('model').optional().describe('Default: the scenario’s model.'),
  max_turns: z.number().int().min(1).max(LIMITS.simulatedTurns).default(6),
  expect: z.array(Assertion).max(LIMITS.assertions).optional().describe('Judged on every simulated turn’s reply.'),
});
export type UserSimulator = z.infer<typeof UserSimulator>;

export const Scenario = z
  .strictObject({
    $schema: z.string().optional(),
    name: text('name').max(500),
    description: z.string().max(LIMITS.text).optional(),
    provider: ProviderChoice,
    model: text('model').max(200),
    system: z.string().max(LIMITS.text).optional().describe('The system prompt.'),
    from: z
      .strictObject({
        session: text('session id').max(1000),
        message: z.number().int().nonnegative().describe('The message’s seq: the run starts after it.'),
      })
      .optional()
      .describe('Start from a recorded session at a message (in a fork of it).'),
    tools: z.array(ScenarioTool).max(LIMITS.tools).optional(),
    rounds: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.rounds)
      .default(8)
      .describe('At most this many model calls per turn (tool calls answered in between).'),
    judge: JudgeModel.optional().describe('The model that grades `judge` rubrics (default: the model under test).'),
    turns: z.array(Turn).max(LIMITS.turns).optional(),
    user_simulator: UserSimulator.optional().describe('A model plays the user (after the scripted turns).'),
  })
  .refine((s) => s.turns?.length || s.user_simulator, { message: 'a scenario needs `turns` or `user_simulator`' })
  .refine((s) => new Set(s.tools?.map((t) => t.name)).size === (s.tools?.length ?? 0), {
    message: 'two tools have the same name',
    path: ['tools'],
  });
export type Scenario = z.infer<typeof Scenario>;

/** The JSON Schema of a scenario file, for the editor (schemas/scenario.schema.json is this, written at build). */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Scenario, { io: 'input', unrepresentable: 'any' }),
    title: 'LangSwarm Sessions scenario',
  };
}
