// Steps through a conversation: the simulation runner (simulate/runner.ts) runs it, and its hooks stop here
// before every model call (with the request body exactly as it will be sent, editable for that call), at tool
// calls, on provider errors and failed assertions. The Debug Adapter Protocol side (src/dap) only translates:
// every rule of when to stop and what a stop shows lives here, without any protocol or editor.
// Over 450 lines: the stepping state (mode, pending request and tool, console queue, restart) is shared by the
// stop rules, the console's commands and the runner's hooks; what a stop shows is in views.ts.
import { v7 as uuidv7 } from 'uuid';
import type { PriceOverrides } from '../cost';
import { CoreError, describeError } from '../errors';
import { type Message, type Part, messageText } from '../model';
import type { ProviderName } from '../names';
import type { SessionApi } from '../sessions';
import type { KeyPath, LoadedScenario } from '../simulate/load';
import { type CallPoint, type RunOptions, type ScenarioRun, type ToolCall, runScenario } from '../simulate/runner';
import { conversationDocument, lastReplyView, recordedSessionScenario, sessionView } from './views';

/** Why the conversation stopped (the DAP stopped reasons, plus 'waiting' for a message from the console). */
export type StopReason =
  | 'entry'
  | 'step'
  | 'breakpoint'
  | 'function breakpoint'
  | 'exception'
  | 'pause'
  | 'restart'
  | 'waiting';

export interface Stop {
  reason: StopReason;
  /** One sentence for the stop (shown in the call stack and on an exception). */
  description: string;
}

/** The exception breakpoints: stop on a provider error, a failed assertion, any tool call. */
export const EXCEPTION_FILTERS = {
  'provider-error': 'Provider error',
  'assertion-failed': 'Assertion failed',
  'tool-call': 'Tool call',
} as const;
export type ExceptionFilter = keyof typeof EXCEPTION_FILTERS;

/** What runs: a scenario file, or a recorded session continued live from one of its messages. */
export type DebugProgram =
  | { scenario: LoadedScenario }
  | { session: string; fromMessage?: number; provider?: ProviderName; model?: string };

export interface DebugOptions {
  manager: SessionApi;
  providerFor: RunOptions['providerFor'];
  stopOnEntry?: boolean;
  priceOverrides?: PriceOverrides;
  judge?: boolean;
}

export interface DebugEvents {
  stopped(stop: Stop): void;
  output(text: string, category: 'stdout' | 'stderr' | 'console'): void;
  /** The run ended: its result, or the error that ended it. */
  ended(result: ScenarioRun | CoreError): void;
}

/** A turn of the run, one frame of the call stack (the current turn first). */
export interface Frame {
  turn: number;
  /** Where the turn is written in the scenario; for a recorded session, the seq of its user message. */
  path: KeyPath;
  userSeq?: number;
  label: string;
  round: number;
}

/** The model call waiting at a stop: its body as it will be sent, edits applied. */
export interface PendingRequest {
  url: string;
  body: unknown;
  /** Replay sends nothing over the wire: its "request" is what it answers from, and cannot be edited. */
  editable: boolean;
}

/** A tool call waiting at a stop, with the answer that will be sent unless the console supplies another. */
export interface PendingTool {
  call: ToolCall;
  answer: Part;
  problem?: string;
}

type Action = 'continue' | 'next' | 'stepIn' | 'restart' | 'terminate';

const short = (text: string, max = 60) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

export class ConversationDebugger {
  private readonly lineTurns = new Set<string>();
  private toolBreakpoints = new Set<string>();
  private filters = new Set<ExceptionFilter>();
  private readonly frameList: Frame[] = [];
  private readonly queue: string[] = [];
  private readonly supplied = new Map<string, Part>();
  private readonly abort = new AbortController();
  private mode: Action = 'continue';
  private calls = 0;
  private modelOverride?: string;
  private resume?: (action: Action) => void;
  private current?: CallPoint;
  private streaming = false;
  private paused = false;
  /** The next stop is the restarted turn's first call (DAP: a restarted frame stops again). */
  private restarting = false;
  private stopInfo?: Stop;
  private sessionIdValue?: string;
  private lastReplyValue?: Message;
  pending?: PendingRequest;
  pendingTool?: PendingTool;

  constructor(
    readonly program: DebugProgram,
    private readonly options: DebugOptions,
    private readonly events: DebugEvents,
  ) {
    if (options.stopOnEntry) this.mode = 'next';
  }

  get sessionId(): string | undefined {
    return this.sessionIdValue;
  }

  get stopped(): Stop | undefined {
    return this.stopInfo;
  }

  get lastReply(): Message | undefined {
    return this.lastReplyValue;
  }

  /** The turns so far, the current one first. */
  frames(): Frame[] {
    return [...this.frameList].reverse();
  }

  // ---- breakpoints ------------------------------------------------------------------------------

  /** Line breakpoints stop before a turn's first model call; given as the turns' paths (see turnAtLine). */
  setTurnBreakpoints(paths: KeyPath[]): void {
    this.lineTurns.clear();
    for (const p of paths) this.lineTurns.add(JSON.stringify(p));
  }

  setToolBreakpoints(names: string[]): void {
    this.toolBreakpoints = new Set(names);
  }

  setExceptionFilters(filters: ExceptionFilter[]): void {
    this.filters = new Set(filters);
  }

  // ---- execution --------------------------------------------------------------------------------

  /** Runs the program to its end (the events report the stops and the end). */
  async run(): Promise<void> {
    let result: ScenarioRun | CoreError;
    try {
      const loaded =
        'scenario' in this.program
          ? this.program.scenario
          : await recordedSessionScenario(this.options.manager, this.program);
      result = await runScenario(this.options.manager, loaded, {
        providerFor: this.options.providerFor,
        signal: this.abort.signal,
        ...(this.options.judge ? { judge: true } : {}),
        ...(this.options.priceOverrides ? { priceOverrides: this.options.priceOverrides } : {}),
        runId: uuidv7(),
        hooks: this.hooks('scenario' in this.program),
      });
      this.events.output(
        `${result.passed ? 'Passed' : 'Failed'}: ${result.name}. The run is session ${result.sessionId}.\n`,
        'console',
      );
    } catch (e) {
      result =
        e instanceof CoreError
          ? e
          : new CoreError('Internal', `The debug run failed: ${describeError(e)}`, {}, { cause: e });
      if (this.abort.signal.aborted) this.events.output('The run was stopped.\n', 'console');
      else this.events.output(`${result.message}\n`, 'stderr');
    }
    this.stopInfo = undefined;
    this.events.ended(result);
  }

  continue(): void {
    this.go('continue');
  }

  /** Step Over: make the pending call (or send the tool result) and stop before the next call. */
  next(): void {
    this.go('next');
  }

  /** Step Into: like Step Over, and also stop at each tool call of the reply. */
  stepIn(): void {
    this.go('stepIn');
  }

  /** Restart Frame: run the current turn again from its user message (its replies so far are deleted). */
  restartFrame(): void {
    if (this.resume) return this.go('restart');
    if (!this.current) throw new CoreError('InvalidInput', 'There is no turn to restart yet.');
    this.restarting = true;
    this.current.abort('restart');
  }

  /** Pause: cut off a streaming reply (what arrived is kept, marked), or stop before the next call. */
  pause(): void {
    if (this.resume) return;
    if (this.streaming && this.current) {
      this.paused = true;
      this.current.abort('pause');
    } else this.mode = 'next';
  }

  /** Ends the run (what it stored stays). */
  terminate(): void {
    this.abort.abort();
    this.go('terminate');
  }

  private go(action: Action): void {
    const resume = this.resume;
    if (!resume) return;
    this.resume = undefined;
    this.stopInfo = undefined;
    this.pending = undefined;
    this.pendingTool = undefined;
    if (action === 'restart') this.restarting = true;
    else if (action !== 'terminate') this.mode = action;
    resume(action);
  }

  private halt(stop: Stop): Promise<Action> {
    this.stopInfo = stop;
    return new Promise<Action>((resolve) => {
      this.resume = resolve;
      this.events.stopped(stop);
    });
  }

  // ---- editing and the console --------------------------------------------------------------------

  /** Replaces the pending request's body (for this call only; the trace records the call as edited). */
  setRequest(body: unknown): void {
    const pending = this.requirePending();
    pending.body = body;
  }

  /** Sets the value at `path` (keys and indexes from the body's root) in the pending request. */
  setRequestValue(path: ReadonlyArray<string | number>, value: unknown): void {
    const pending = this.requirePending();
    if (!path.length) return this.setRequest(value);
    let node: unknown = pending.body;
    for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[key];
    if (typeof node !== 'object' || node === null)
      throw new CoreError('InvalidInput', `The request has nothing at ${path.slice(0, -1).join('.')}.`);
    // defineProperty: a key named "__proto__" (JSON may hold one) is set as data, not as the prototype.
    Object.defineProperty(node, path[path.length - 1]!, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  private requirePending(): PendingRequest {
    const pending = this.pending;
    if (!pending)
      throw new CoreError(
        'InvalidInput',
        'No model call is waiting: the request can be edited only at a stop before a call.',
      );
    if (!pending.editable)
      throw new CoreError('InvalidInput', 'Replay sends nothing over the wire, so there is no request to edit.');
    return pending;
  }

  /**
   * A line typed in the debug console: `/tool <callId> <json>` supplies a tool result, `/model <name>` switches
   * the model, anything else is a user message (sent after the pending call, before the next scripted turn).
   * Returns what to print.
   */
  input(line: string): string {
    const text = line.trim();
    if (!text) return '';
    const command = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(text);
    if (command) {
      const [, name, rest = ''] = command;
      if (name === 'tool') return this.supplyTool(rest);
      if (name === 'model') return this.switchModel(rest.trim());
      if (name === 'help') return HELP;
      throw new CoreError('InvalidInput', `Unknown command /${name}. ${HELP}`);
    }
    this.queue.push(text);
    if (this.stopInfo?.reason === 'waiting') {
      this.go(this.mode === 'continue' ? 'continue' : 'next');
      return '';
    }
    return 'Queued: it is sent as the next user message once the pending call is answered.';
  }

  private supplyTool(rest: string): string {
    const match = /^(\S+)\s+([\s\S]+)$/.exec(rest.trim());
    if (!match) throw new CoreError('InvalidInput', 'Write /tool <callId> <json>, e.g. /tool call_1 {"sky": "rainy"}.');
    const [, callId, json] = match;
    let result: unknown;
    try {
      result = JSON.parse(json!);
    } catch (e) {
      throw new CoreError('InvalidInput', `The tool result is not JSON: ${describeError(e)}`);
    }
    const waiting = this.pendingTool?.call;
    if (waiting && waiting.callId !== callId)
      throw new CoreError(
        'InvalidInput',
        `The waiting tool call is ${waiting.callId} (${waiting.name}), not ${callId}.`,
      );
    const answer: Part = {
      type: 'tool_result',
      callId: callId!,
      name: waiting?.name ?? '',
      content: typeof result === 'string' ? result : JSON.stringify(result),
    };
    this.supplied.set(callId!, answer);
    if (this.pendingTool) this.pendingTool = { call: this.pendingTool.call, answer };
    return `The result for ${callId} will be sent.`;
  }

  private switchModel(name: string): string {
    if (!name) throw new CoreError('InvalidInput', 'Write /model <name>.');
    this.modelOverride = name;
    const body = this.pending?.editable ? this.pending.body : undefined;
    if (body && typeof body === 'object' && 'model' in body) {
      (body as Record<string, unknown>)['model'] = name;
      return `Model switched to ${name}, for the pending call too.`;
    }
    return `Model switched to ${name} from the next call.`;
  }

  // ---- what a stop shows (views.ts) ----------------------------------------------------------------------

  sessionView(): Promise<Record<string, unknown>> {
    return sessionView(this.options.manager, this.sessionIdValue, this.modelOverride, this.options.priceOverrides);
  }

  lastReplyView(): Promise<Record<string, unknown> | undefined> {
    return lastReplyView(this.options.manager, this.lastReplyValue);
  }

  conversationDocument(): Promise<{ text: string; lineOfSeq: Map<number, number> }> {
    return conversationDocument(this.options.manager, this.sessionIdValue);
  }

  // ---- the runner's hooks -------------------------------------------------------------------------------

  private hooks(scripted: boolean): RunOptions['hooks'] {
    return {
      operation: 'debug',
      sessionParameters: !scripted,
      started: (sessionId) => {
        this.sessionIdValue = sessionId;
      },
      model: () => this.modelOverride,
      beforeCall: (point) => {
        this.current = point;
        const top = this.frameList.at(-1);
        if (top?.turn === point.turn) top.round = point.round;
        else
          this.frameList.push({ turn: point.turn, path: point.path, label: `Turn ${point.turn}`, round: point.round });
      },
      review: async ({ url, body }) => {
        this.calls += 1;
        const frame = this.frameList.at(-1)!;
        if (frame.userSeq === undefined) await this.noteTurnStart(frame);
        const onEntry = this.calls === 1 && this.options.stopOnEntry;
        const atBreakpoint = frame.round === 1 && this.lineTurns.has(JSON.stringify(frame.path));
        let stop: Stop | undefined;
        if (this.restarting) {
          this.restarting = false;
          stop = { reason: 'restart', description: `Restarted ${frame.label}: before its model call.` };
        } else if (onEntry) stop = { reason: 'entry', description: 'Stopped before the first model call.' };
        else if (atBreakpoint)
          stop = { reason: 'breakpoint', description: `Breakpoint: before ${frame.label}'s model call.` };
        else if (this.mode !== 'continue')
          stop = { reason: 'step', description: `Before model call ${frame.round} of ${frame.label}.` };
        let answer: unknown;
        if (stop) {
          this.pending = { url, body: structuredClone(body), editable: url !== 'replay:' };
          const pending = this.pending;
          const action = await this.halt(stop);
          if (action === 'restart') this.current?.abort('restart');
          else if (pending.editable) answer = pending.body;
        }
        this.streaming = true;
        return answer;
      },
      onEvent: (event) => {
        if (event.type === 'text_delta') this.events.output(event.text, 'stdout');
        else if (event.type === 'tool_call_end') this.events.output('', 'stdout');
        else if (event.type === 'warning') this.events.output(`warning: ${event.message}\n`, 'console');
        else if (event.type === 'turn_end') this.events.output('\n', 'stdout');
      },
      afterCall: (reply) => {
        this.streaming = false;
        this.lastReplyValue = reply;
        for (const p of reply.parts)
          if (p.type === 'tool_call') this.events.output(`→ ${p.name}(${p.argumentsJson}) [${p.callId}]\n`, 'console');
      },
      toolCall: async (call, answer, problem) => {
        const supplied = this.supplied.get(call.callId);
        let chosen = supplied ? { ...supplied, name: call.name } : answer;
        const reason = this.toolStop(call, problem);
        if (reason && !supplied) {
          this.pendingTool = { call, answer, ...(problem ? { problem } : {}) };
          const action = await this.halt(reason);
          if (action === 'restart') return 'restart';
          const given = this.supplied.get(call.callId);
          if (given) chosen = { ...given, name: call.name };
        }
        if (chosen.type === 'tool_result')
          this.events.output(`← ${call.callId}: ${short(chosen.content, 200)}\n`, 'console');
        return chosen;
      },
      callFailed: async (error) => {
        this.streaming = false;
        const paused = this.paused;
        this.paused = false;
        if (!paused) this.events.output(`${error.message}\n`, 'stderr');
        if (!paused && !this.filters.has('provider-error')) return 'stop';
        const action = await this.halt(
          paused
            ? {
                reason: 'pause',
                description: 'Paused: the reply was cut off (what arrived is kept). Continue sends the call again.',
              }
            : { reason: 'exception', description: error.message },
        );
        return action === 'restart' ? 'restart' : action === 'terminate' ? 'stop' : 'retry';
      },
      afterTurn: async (turn) => {
        const failed = turn.assertions.filter((a) => !a.passed && !a.skipped);
        for (const a of turn.assertions)
          this.events.output(
            `${a.skipped ? 'skip' : a.passed ? 'ok' : 'FAIL'}  ${a.kind}: ${a.message}\n`,
            a.passed || a.skipped ? 'console' : 'stderr',
          );
        if (!failed.length || !this.filters.has('assertion-failed')) return;
        const action = await this.halt({
          reason: 'exception',
          description: `Assertion failed in turn ${turn.index}: ${failed.map((a) => a.message).join(' ')}`,
        });
        return action === 'restart' ? 'restart' : undefined;
      },
      nextUserMessage: async (end) => {
        if (this.queue.length) return this.queue.shift();
        if (!end || scripted || this.abort.signal.aborted) return undefined;
        await this.halt({
          reason: 'waiting',
          description: 'Waiting for your message: type it in the Debug Console (or /help).',
        });
        return this.queue.shift();
      },
    };
  }

  /** Why to stop at a tool call, if at all: Step Into, a function breakpoint, the filter, or no answer to send. */
  private toolStop(call: ToolCall, problem: string | undefined): Stop | undefined {
    const shown = `${call.name}(${short(call.argumentsJson || '{}', 80)}) [${call.callId}]`;
    if (problem)
      return { reason: 'exception', description: `${problem} Supply a result: /tool ${call.callId} <json>.` };
    if (this.toolBreakpoints.has(call.name))
      return { reason: 'function breakpoint', description: `The model called ${shown}.` };
    if (this.filters.has('tool-call')) return { reason: 'exception', description: `Tool call ${shown}.` };
    if (this.mode === 'stepIn') return { reason: 'step', description: `Tool call ${shown}.` };
    return undefined;
  }

  /** The run's session, and the user message that opens the frame's turn. */
  private async noteTurnStart(frame: Frame): Promise<void> {
    if (!this.sessionIdValue) return;
    const messages = await this.options.manager.allMessages(this.sessionIdValue);
    const user = messages.findLast((m) => m.role === 'user');
    frame.userSeq = user?.seq;
    if (user) frame.label = `Turn ${frame.turn}: ${short(messageText(user.parts), 40)}`;
  }
}

const HELP =
  'In the Debug Console: plain text sends a user message; /tool <callId> <json> supplies a tool result; /model <name> switches the model.';
