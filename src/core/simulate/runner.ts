// Runs a scenario: each turn goes through the real conversation path (send(): stored, streamed, traced),
// tool calls are answered from the file until the model replies without one (at most `rounds` model calls
// a turn), and the assertions judge the turn. The run is a session of its own (tag `simulation`, metadata
// naming the scenario file, run and model), started empty or in a fork of a recorded session.
// Just over 450 lines: one run's state (its session, turn, tool rounds and the debugger's hooks) is the Run class;
// loading, the actors and the assertions are files of their own (load.ts, actors.ts, assertions.ts).
import * as path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { send } from '../conversation';
import { usageCost, type PriceOverrides } from '../cost';
import { CoreError } from '../errors';
import { messageText, type Message, type Part, type Session, type ToolDefinition } from '../model';
import type { ProviderName } from '../names';
import type { RequestReview } from '../providers/http-trace';
import type { Provider, StreamEvent } from '../providers/provider';
import type { SessionApi } from '../sessions';
import type { TraceOperation } from '../turn-recorder';
import { makeJudge, parseMove, simulatorOpening, simulatorSystem } from './actors';
import { check, partialMatch, type AssertionOutcome, type ToolCallMade, type TurnObservation } from './assertions';
import type { KeyPath, LoadedScenario } from './load';
import type { Assertion, Scenario } from './scenario';

export const SIMULATION_TAG = 'simulation';

export interface RunTarget {
  provider: ProviderName;
  model: string;
}

export interface RunOptions {
  /** The provider for a model; `recorded` is the session a `from` run forked (what Replay answers from). */
  providerFor(target: { provider: string; model: string }, recorded?: readonly Message[]): Promise<Provider>;
  /** Run against this model instead of the scenario's (a matrix entry). */
  target?: RunTarget;
  /** Grade `judge` rubrics (off: they are reported as skipped). */
  judge?: boolean;
  /** Shared by the runs of one invocation (a matrix, repeats). */
  runId?: string;
  signal?: AbortSignal;
  priceOverrides?: PriceOverrides;
  /** Each turn as soon as it was judged. */
  onTurn?(turn: TurnOutcome): void;
  /** A debugger's say in the run (src/core/debug); without it the run goes straight through. */
  hooks?: RunHooks;
}

/** Where a model call of a turn is: the turn (1-based) and where it is written, and which call of the turn. */
export interface CallPoint {
  turn: number;
  path: KeyPath;
  round: number;
  /** Cancels the call: 'restart' runs the turn again from its user message, anything else is a pause. */
  abort(reason: 'restart' | 'pause'): void;
}

/** What a debugger does at each point of a run; 'restart' runs the current turn again from its user message. */
export interface RunHooks {
  /** The trace operation of the run's calls (default 'simulate'; 'debug' also names the run's session so). */
  operation?: TraceOperation;
  /** The run's session exists (empty, or the fork of a recorded one). */
  started?(sessionId: string): void;
  /** Send with the session's own model parameters (its tools) instead of the scenario's tools. */
  sessionParameters?: boolean;
  /** The model for the next call (a debugger's /model); undefined: the run's. */
  model?(): string | undefined;
  /** A model call is about to be made (its body follows through `review`). */
  beforeCall?(at: CallPoint): void;
  /** The body of each model call as it will be sent; returns the body to send (where a debugger stops). */
  review?: RequestReview;
  onEvent?(event: StreamEvent): void;
  /** A reply was stored. */
  afterCall?(reply: Message): void;
  /** A tool call of a reply with the scenario's answer (and why it has none); returns the answer to send. */
  toolCall?(call: ToolCall, answer: Part, problem?: string): Promise<Part | 'restart'>;
  /** A call failed (a provider error) or was paused: send it again, run the turn again, or end the run. */
  callFailed?(error: CoreError, at: CallPoint): Promise<'retry' | 'restart' | 'stop'>;
  /** The turn was judged. */
  afterTurn?(turn: TurnOutcome): Promise<'restart' | undefined>;
  /**
   * A user message to send before the next scripted turn (`end` false), or after the last one (`end` true; a
   * debugger may wait for one); undefined when there is none.
   */
  nextUserMessage?(end: boolean): Promise<string | undefined>;
}

export interface TurnOutcome {
  /** 1-based, scripted turns first, then the simulated user's. */
  index: number;
  user: string;
  reply: string;
  simulated?: boolean;
  /** Where the turn is written in the file. */
  path: KeyPath;
  assertions: AssertionOutcome[];
}

export interface ScenarioRun {
  name: string;
  file: string;
  runId: string;
  provider: string;
  model: string;
  sessionId: string;
  passed: boolean;
  turns: TurnOutcome[];
}

/** Runs `loaded` once; a provider failure or a bad `from` throws (a CoreError naming the run's session). */
export async function runScenario(
  manager: SessionApi,
  loaded: LoadedScenario,
  options: RunOptions,
): Promise<ScenarioRun> {
  const s = loaded.scenario;
  const target: RunTarget = options.target ?? { provider: s.provider, model: s.model };
  const runId = options.runId ?? uuidv7();
  const { session, recorded } = await startSession(
    manager,
    loaded,
    target,
    runId,
    options.hooks?.operation === 'debug',
  );
  options.hooks?.started?.(session.id);
  const run = new Run(manager, s, session.id, runId, target, options, await options.providerFor(target, recorded));
  const hooks = options.hooks;
  const typed = async (end: boolean) => {
    for (let text = await hooks?.nextUserMessage?.(end); text !== undefined; text = await hooks?.nextUserMessage?.(end))
      await run.turn(text, ['turns'], [], ['turns']);
  };
  try {
    // A run from a recorded session that ends in a question (a user message, tool results) answers it first.
    if (hooks && s.from && (await needsAnswer(manager, session.id))) await run.turn(undefined, ['from'], [], ['from']);
    for (const [i, turn] of (s.turns ?? []).entries()) {
      await typed(false);
      await run.turn(turn.user, ['turns', i], turn.expect ?? [], ['turns', i, 'expect']);
    }
    if (s.user_simulator) await run.simulatedUser(s.user_simulator);
    await typed(true);
  } catch (e) {
    if (!(e instanceof CoreError)) throw e;
    throw new CoreError(
      e.code,
      `${e.message} The simulation stopped at turn ${run.turns.length + 1}; session ${session.id} holds it so far.`,
      { ...e.details, sessionId: session.id },
      { cause: e },
    );
  }
  const passed = run.turns.every((t) => t.assertions.every((a) => a.passed));
  await manager.updateMetadata(session.id, {
    simulation: { ...simulationMetadata(loaded, target, runId), passed },
  });
  await manager.complete(session.id);
  return { name: s.name, file: loaded.file, runId, ...target, sessionId: session.id, passed, turns: run.turns };
}

async function needsAnswer(manager: SessionApi, sessionId: string): Promise<boolean> {
  const last = (await manager.allMessages(sessionId)).at(-1);
  return last !== undefined && last.role !== 'assistant' && last.role !== 'system';
}

function simulationMetadata(loaded: LoadedScenario, target: RunTarget, runId: string): Record<string, unknown> {
  const s = loaded.scenario;
  return { scenario: s.name, file: path.resolve(loaded.file), runId, ...target, ...(s.from ? { from: s.from } : {}) };
}

/** A new session for the run, or a fork of the recorded session at `from.message` (with that session's messages). */
async function startSession(
  manager: SessionApi,
  loaded: LoadedScenario,
  target: RunTarget,
  runId: string,
  debug: boolean,
): Promise<{ session: Session; recorded?: Message[] }> {
  const s = loaded.scenario;
  const title = `${s.name} (${debug ? 'debug' : 'simulation'} on ${target.provider}/${target.model})`;
  const metadata = { simulation: simulationMetadata(loaded, target, runId) };
  if (!s.from) {
    const session = await manager.create({
      provider: target.provider,
      model: target.model,
      title,
      systemPrompt: s.system,
      tags: [SIMULATION_TAG],
      metadata,
    });
    return { session };
  }
  const source = await manager.get(s.from.session);
  const recorded = await manager.allMessages(source.id);
  const at = recorded.find((m) => m.seq === s.from!.message);
  if (!at)
    throw new CoreError(
      'InvalidInput',
      `Session "${source.title}" has no message ${s.from.message} (from.message is a message's seq; it has ${
        recorded.length ? `${recorded[0]!.seq} to ${recorded[recorded.length - 1]!.seq}` : 'none'
      }).`,
      { sessionId: source.id },
    );
  const fork = await manager.fork(source.id, at.id, { title });
  await manager.configure(fork.id, {
    // Replay answers in the recording's place: the fork keeps the recorded session's provider then.
    ...(target.provider === 'replay' ? {} : { provider: target.provider }),
    model: target.model,
    ...(s.system !== undefined ? { systemPrompt: s.system } : {}),
  });
  await manager.setTags(fork.id, [...new Set([...fork.tags, SIMULATION_TAG])]);
  return { session: await manager.updateMetadata(fork.id, metadata), recorded };
}

export type ToolCall = Extract<Part, { type: 'tool_call' }>;

class Run {
  readonly turns: TurnOutcome[] = [];
  private readonly tools: ToolDefinition[];

  constructor(
    private readonly manager: SessionApi,
    private readonly s: Scenario,
    private readonly sessionId: string,
    private readonly runId: string,
    private readonly target: RunTarget,
    private readonly options: RunOptions,
    private readonly provider: Provider,
  ) {
    this.tools = (s.tools ?? []).map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters ?? { type: 'object', properties: {} },
    }));
  }

  /**
   * Sends `user` (none: answers what the session ends with), answers tool calls until a reply without one, then
   * judges `expect`. A debugger's 'restart' runs it again from its user message, with what followed it deleted.
   */
  async turn(
    user: string | undefined,
    at: KeyPath,
    expect: Assertion[],
    expectAt: KeyPath,
    simulated = false,
  ): Promise<TurnOutcome> {
    const index = this.turns.length + 1;
    const before = (await this.manager.allMessages(this.sessionId)).at(-1)?.seq ?? -1;
    let content = user;
    for (let operation = this.options.hooks?.operation ?? 'simulate'; ; operation = 'regenerate') {
      const outcome = await this.attempt(index, user, content, before, at, expect, expectAt, simulated, operation);
      if (outcome !== 'restart') {
        this.turns.push(outcome);
        this.options.onTurn?.(outcome);
        return outcome;
      }
      // Keep the turn's user message (the first stored after `before`), delete the rest.
      const since = (await this.manager.allMessages(this.sessionId)).filter((m) => m.seq > before);
      for (const m of since.slice(user === undefined ? 0 : 1)) await this.manager.deleteMessage(m.id);
      if (since.length) content = undefined; // the user message is stored: the next attempt answers it
    }
  }

  /** One try at the turn; `content` is the user message when it is not stored yet. */
  private async attempt(
    index: number,
    user: string | undefined,
    content: string | undefined,
    before: number,
    at: KeyPath,
    expect: Assertion[],
    expectAt: KeyPath,
    simulated: boolean,
    operation: TraceOperation,
  ): Promise<TurnOutcome | 'restart'> {
    const hooks = this.options.hooks;
    const started = performance.now();
    const replies: Message[] = [];
    const calls: ToolCallMade[] = [];
    const problems: AssertionOutcome[] = [];
    const stored = async () => (await this.manager.allMessages(this.sessionId)).some((m) => m.seq > before);
    for (let round = 1; ; round++) {
      const call = new AbortController();
      const signal = this.options.signal ? AbortSignal.any([this.options.signal, call.signal]) : call.signal;
      const point: CallPoint = { turn: index, path: at, round, abort: (reason) => call.abort(reason) };
      hooks?.beforeCall?.(point);
      let reply: Message;
      try {
        ({ reply } = await send(this.manager, this.sessionId, content, {
          provider: this.provider,
          model: hooks?.model?.() ?? this.target.model,
          ...(hooks?.sessionParameters ? {} : { parameters: { tools: this.tools } }),
          operation,
          resume: true,
          signal,
          ...(hooks?.review ? { review: hooks.review } : {}),
          ...(hooks?.onEvent ? { onEvent: hooks.onEvent } : {}),
        }));
      } catch (e) {
        if (!hooks || !(e instanceof CoreError) || this.options.signal?.aborted) throw e;
        const next = call.signal.reason === 'restart' ? 'restart' : await (hooks.callFailed?.(e, point) ?? 'stop');
        if (next !== 'retry') {
          if (next === 'stop') throw e;
          return next;
        }
        if (await stored()) content = undefined;
        round -= 1;
        continue;
      }
      content = undefined;
      replies.push(reply);
      hooks?.afterCall?.(reply);
      const asked = reply.parts.filter((p): p is ToolCall => p.type === 'tool_call');
      if (!asked.length) break;
      // Every call is answered, even past the last round: a provider refuses a history with unanswered calls.
      const results: Part[] = [];
      for (const c of asked) {
        const { part, problem } = this.answer(c, calls);
        const chosen = hooks?.toolCall ? await hooks.toolCall(c, part, problem?.message) : part;
        if (chosen === 'restart') return 'restart';
        if (problem && chosen === part) problems.push(problem);
        results.push(chosen);
      }
      await this.manager.addMessage(this.sessionId, { role: 'tool', parts: results });
      if (round >= this.s.rounds) {
        problems.push({
          kind: 'rounds',
          passed: false,
          message: `The model was still calling tools after ${round} model calls; the turn stopped there (rounds: ${this.s.rounds}).`,
          path: ['rounds'],
        });
        break;
      }
    }
    const observation: TurnObservation = {
      reply: messageText(replies[replies.length - 1]!.parts),
      calls,
      inputTokens: replies.reduce((n, r) => n + (r.usage?.inputTokens ?? 0), 0),
      cost: this.cost(replies),
      latencyMs: performance.now() - started,
    };
    const judge = this.options.judge
      ? makeJudge(
          this.manager,
          this.sessionId,
          (provider, model) => this.options.providerFor({ provider, model }),
          this.s.judge ?? this.target,
          this.options.signal,
        )
      : undefined;
    const assertions = [...problems];
    for (const [i, a] of expect.entries()) assertions.push(await check(a, observation, [...expectAt, i], judge));
    const outcome: TurnOutcome = {
      index,
      user: user ?? '',
      reply: observation.reply,
      ...(simulated ? { simulated } : {}),
      path: at,
      assertions,
    };
    return (await hooks?.afterTurn?.(outcome)) === 'restart' ? 'restart' : outcome;
  }

  /** The scenario's answer to a call: the first `results` entry whose `when` matches, else `result`. */
  private answer(call: ToolCall, calls: ToolCallMade[]): { part: Part; problem?: AssertionOutcome } {
    let args: unknown;
    try {
      args = JSON.parse(call.argumentsJson || '{}');
    } catch {
      args = undefined;
    }
    calls.push({ name: call.name, args, argumentsJson: call.argumentsJson });
    const index = (this.s.tools ?? []).findIndex((t) => t.name === call.name);
    const tool = this.s.tools?.[index];
    const shown = `${call.name}(${call.argumentsJson || '{}'})`;
    const fail = (message: string, at: KeyPath) => ({
      part: { type: 'tool_result' as const, callId: call.callId, name: call.name, content: message, isError: true },
      problem: { kind: 'tool_answer' as const, passed: false, message, actual: shown, path: at },
    });
    if (!tool) return fail(`The model called ${shown}, a tool the scenario does not declare.`, ['tools']);
    const matched = tool.results?.find((r) => partialMatch(r.when, args));
    const result = matched ? matched.result : tool.result;
    if (result === undefined)
      return fail(
        `No answer for ${shown}: no \`when\` of its \`results\` matches these arguments, and it has no \`result\`.`,
        ['tools', index, 'results'],
      );
    const isError = matched ? matched.is_error : tool.is_error;
    return {
      part: {
        type: 'tool_result',
        callId: call.callId,
        name: call.name,
        content: typeof result === 'string' ? result : JSON.stringify(result),
        ...(isError ? { isError: true } : {}),
      },
    };
  }

  private cost(replies: Message[]): TurnObservation['cost'] {
    let total = 0;
    for (const r of replies) {
      const c = usageCost(r.usage, r.provider, { at: r.createdAt, overrides: this.options.priceOverrides });
      if (!c.known) return { known: false, reason: r.usage ? c.reason : 'the provider reported no usage' };
      total += c.total;
    }
    return { known: true, total };
  }

  /** The simulated user speaks until its goal is met, it gives up, or max_turns replies were answered. */
  async simulatedUser(sim: NonNullable<Scenario['user_simulator']>): Promise<void> {
    const choice = { provider: sim.provider ?? this.s.provider, model: sim.model ?? this.s.model };
    const provider = await this.options.providerFor(choice);
    const simulator = await this.manager.create({
      ...choice,
      title: `${this.s.name} (simulated user)`,
      systemPrompt: simulatorSystem(sim),
      tags: [SIMULATION_TAG, 'simulated-user'],
      metadata: { simulation: { role: 'user-simulator', runId: this.runId, sessionId: this.sessionId } },
    });
    let said = simulatorOpening(await this.manager.allMessages(this.sessionId));
    let met = false;
    let reason = `The simulated user did not say its goal was met within ${sim.max_turns} turns.`;
    for (let n = 0; n <= sim.max_turns; n++) {
      const { reply } = await send(this.manager, simulator.id, said, {
        provider,
        model: choice.model,
        operation: 'simulate',
        resume: true,
        signal: this.options.signal,
      });
      const move = parseMove(messageText(reply.parts));
      if (move.kind === 'goal_met') {
        met = true;
        reason = `The simulated user said its goal was met after ${n} turn(s).`;
        break;
      }
      if (move.kind === 'give_up') {
        reason = `The simulated user gave up after ${n} turn(s).`;
        break;
      }
      if (n === sim.max_turns) break;
      const turn = await this.turn(move.text, ['user_simulator'], sim.expect ?? [], ['user_simulator', 'expect'], true);
      said = turn.reply || '(the assistant replied without text)';
    }
    const goal: AssertionOutcome = {
      kind: 'goal',
      passed: met,
      message: reason,
      expected: sim.goal,
      path: ['user_simulator', 'goal'],
    };
    const last = this.turns[this.turns.length - 1];
    if (last?.simulated) last.assertions.push(goal);
    else
      this.turns.push({
        index: this.turns.length + 1,
        user: '',
        reply: '',
        simulated: true,
        path: ['user_simulator'],
        assertions: [goal],
      });
    await this.manager.updateMetadata(simulator.id, {
      simulation: { role: 'user-simulator', runId: this.runId, sessionId: this.sessionId, goalMet: met },
    });
    await this.manager.complete(simulator.id);
  }
}
