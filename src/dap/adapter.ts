// The debug adapter (Debug Adapter Protocol, debug type `langswarm-session`): translates DAP requests for the
// conversation debugger (src/core/debug/controller.ts). It runs inline in the extension and, as
// `langswarm-sessions dap`, on stdin/stdout for any DAP client. No `vscode` here: both hosts share it.
import * as path from 'node:path';
import {
  Breakpoint,
  DebugSession,
  Event,
  InitializedEvent,
  OutputEvent,
  Response,
  Scope,
  Source,
  StackFrame,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { z } from 'zod';
import type { PriceOverrides } from '../core/cost';
import {
  ConversationDebugger,
  type DebugProgram,
  EXCEPTION_FILTERS,
  type ExceptionFilter,
  type Stop,
} from '../core/debug/controller';
import { CoreError, describeError } from '../core/errors';
import { KNOWN_PROVIDERS } from '../core/names';
import type { SessionApi } from '../core/sessions';
import { type KeyPath, type LoadedScenario, loadScenarioFile } from '../core/simulate/load';
import type { RunOptions, ScenarioRun } from '../core/simulate/runner';
import { preview, type Root, VariableTree } from './variables';

export const DEBUG_TYPE = 'langswarm-session';
/** The custom event sent just before `terminated`, with EndedEventBody. */
export const ENDED_EVENT = 'langswarm/ended';
export interface EndedEventBody {
  /** The session the run wrote (undefined when it ended before starting one). */
  sessionId?: string;
  run?: ScenarioRun;
  error?: string;
}
const THREAD = 1;

/** A launch configuration's arguments (package.json's configurationAttributes say the same for the editor). */
export const LaunchArguments = z
  .object({
    scenario: z.string().min(1).optional(),
    session: z.string().min(1).optional(),
    fromMessage: z.number().int().nonnegative().optional(),
    provider: z.enum(KNOWN_PROVIDERS).optional(),
    model: z.string().min(1).optional(),
    db: z.string().min(1).optional(),
    stopOnEntry: z.boolean().optional(),
    judge: z.boolean().optional(),
    cwd: z.string().optional(),
  })
  .refine((a) => !!a.scenario !== !!a.session, {
    message: 'give either "scenario" (a *.sim.yaml file) or "session" (a session id), not both',
  });
export type LaunchArguments = z.infer<typeof LaunchArguments>;

/** What the host provides: the session database and the providers (keys live in the host). */
export interface AdapterHost {
  /** The database a launch uses: its `db`, else the host's own. */
  open(db: string | undefined): Promise<{ manager: SessionApi; close?(): Promise<void> }>;
  providerFor(manager: SessionApi): RunOptions['providerFor'];
  priceOverrides?(): PriceOverrides | undefined;
}

/** Breakpoints of one scenario file: the lines asked for, and the turns they fall on. */
interface FileBreakpoints {
  file: string;
  turns: KeyPath[];
}

export class ConversationDebugSession extends DebugSession {
  private debuggerRun?: ConversationDebugger;
  private closeDatabase?: () => Promise<void>;
  private readonly tree = new VariableTree();
  private readonly lineBreakpoints = new Map<string, FileBreakpoints>();
  private toolNames: string[] = [];
  private filters: ExceptionFilter[] = [];
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => {
    this.configured = resolve;
  });
  private loaded?: LoadedScenario;
  private conversationSource?: Source;

  constructor(private readonly host: AdapterHost) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** Every request goes through one place: handlers return the body, a thrown error becomes the error response. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request);
    const handler = this.handlers[request.command];
    if (!handler) {
      this.sendErrorResponse(response, { id: 1, format: `The request "${request.command}" is not supported.` });
      return;
    }
    Promise.resolve()
      .then(() => handler((request.arguments ?? {}) as never))
      .then(
        (body) => {
          if (body !== undefined) (response as DebugProtocol.Response).body = body;
          this.sendResponse(response);
        },
        (e: unknown) => {
          this.sendErrorResponse(response, { id: 1, format: describeError(e).replace(/[{}]/g, ''), showUser: true });
        },
      );
  }

  private readonly handlers: Record<string, (args: never) => unknown> = {
    initialize: () => {
      setImmediate(() => this.sendEvent(new InitializedEvent()));
      return {
        supportsConfigurationDoneRequest: true,
        supportsFunctionBreakpoints: true,
        supportsSetVariable: true,
        supportsRestartFrame: true,
        supportsExceptionInfoRequest: true,
        supportsTerminateRequest: true,
        supportsEvaluateForHovers: false,
        exceptionBreakpointFilters: Object.entries(EXCEPTION_FILTERS).map(([filter, label]) => ({
          filter,
          label,
          default: filter === 'provider-error',
        })),
      } satisfies DebugProtocol.Capabilities;
    },
    configurationDone: () => {
      this.configured();
    },
    launch: (args: unknown) => this.launch(args),
    setBreakpoints: (args: DebugProtocol.SetBreakpointsArguments) => this.setBreakpoints(args),
    setFunctionBreakpoints: (args: DebugProtocol.SetFunctionBreakpointsArguments) => {
      this.toolNames = args.breakpoints.map((b) => b.name.trim()).filter(Boolean);
      this.debuggerRun?.setToolBreakpoints(this.toolNames);
      return { breakpoints: args.breakpoints.map(() => new Breakpoint(true)) };
    },
    setExceptionBreakpoints: (args: DebugProtocol.SetExceptionBreakpointsArguments) => {
      this.filters = args.filters.filter((f): f is ExceptionFilter => Object.hasOwn(EXCEPTION_FILTERS, f));
      this.debuggerRun?.setExceptionFilters(this.filters);
      return { breakpoints: args.filters.map(() => ({ verified: true })) };
    },
    threads: () => ({ threads: [new Thread(THREAD, 'Conversation')] }),
    stackTrace: () => this.stackTrace(),
    scopes: (args: DebugProtocol.ScopesArguments) => this.scopes(args.frameId),
    variables: (args: DebugProtocol.VariablesArguments) => ({
      variables: this.tree.variables(args.variablesReference),
    }),
    setVariable: (args: DebugProtocol.SetVariableArguments) =>
      this.tree.set(args, (path, value) => this.run().setRequestValue(path, value)),
    continue: () => {
      this.run().continue();
      return { allThreadsContinued: true };
    },
    next: () => this.run().next(),
    stepIn: () => this.run().stepIn(),
    stepOut: () => this.run().next(),
    restartFrame: () => this.run().restartFrame(),
    pause: () => this.run().pause(),
    evaluate: (args: DebugProtocol.EvaluateArguments) => this.evaluate(args),
    exceptionInfo: () => {
      const stop = this.run().stopped;
      return { exceptionId: stop?.reason ?? 'none', description: stop?.description ?? '', breakMode: 'always' };
    },
    source: async () => {
      const doc = await this.run().conversationDocument();
      return { content: doc.text, mimeType: 'text/plain' };
    },
    terminate: () => this.end(),
    disconnect: () => this.end(),
    // For the editor's "Edit Request…": the pending body, and a new one for this call.
    'langswarm/request': () => {
      const pending = this.run().pending;
      return pending ? { url: pending.url, body: pending.body, editable: pending.editable } : { body: undefined };
    },
    'langswarm/setRequest': (args: { body?: unknown }) => {
      this.run().setRequest(args.body);
      this.invalidate();
    },
  };

  private run(): ConversationDebugger {
    if (!this.debuggerRun) throw new CoreError('InvalidInput', 'The conversation has not been launched.');
    return this.debuggerRun;
  }

  private async launch(raw: unknown): Promise<void> {
    const parsed = LaunchArguments.safeParse(raw);
    if (!parsed.success)
      throw new CoreError(
        'InvalidInput',
        `The launch configuration is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'it'}: ${i.message}`).join('; ')}.`,
      );
    const args = parsed.data;
    const base = args.cwd ?? process.cwd();
    let program: DebugProgram;
    if (args.scenario) {
      this.loaded = loadScenarioFile(path.resolve(base, args.scenario));
      program = { scenario: this.loaded };
    } else {
      program = {
        session: args.session!,
        ...(args.fromMessage !== undefined ? { fromMessage: args.fromMessage } : {}),
        ...(args.provider ? { provider: args.provider } : {}),
        ...(args.model ? { model: args.model } : {}),
      };
    }
    const { manager, close } = await this.host.open(args.db ? path.resolve(base, args.db) : undefined);
    this.closeDatabase = close;
    // A session that is not there is refused now, in the launch's answer, not after it started.
    if ('session' in program) {
      try {
        await manager.get(program.session);
      } catch (e) {
        await this.closed();
        throw e;
      }
    }
    const overrides = this.host.priceOverrides?.();
    const run = new ConversationDebugger(
      program,
      {
        manager,
        providerFor: this.host.providerFor(manager),
        ...(args.stopOnEntry ? { stopOnEntry: true } : {}),
        ...(args.judge ? { judge: true } : {}),
        ...(overrides ? { priceOverrides: overrides } : {}),
      },
      {
        stopped: (stop) => this.stopped(stop),
        output: (text, category) => {
          if (text) this.sendEvent(new OutputEvent(text, category));
        },
        ended: (result) => {
          // For editors: the run's outcome (VS Code's Test Explorer reports it; its session is offered for comparing).
          this.sendEvent(
            new Event(ENDED_EVENT, {
              sessionId: run.sessionId,
              ...(result instanceof CoreError ? { error: result.message } : { run: result }),
            } satisfies EndedEventBody),
          );
          this.sendEvent(new TerminatedEvent());
        },
      },
    );
    this.debuggerRun = run;
    // Breakpoints arrive between initialize and configurationDone; the run waits for them (a second at most,
    // for clients that never send configurationDone).
    await Promise.race([this.configurationDone, new Promise((resolve) => setTimeout(resolve, 1000))]);
    this.applyBreakpoints();
    run.setToolBreakpoints(this.toolNames);
    run.setExceptionFilters(this.filters);
    this.finished = run.run();
  }

  private stopped(stop: Stop): void {
    this.tree.reset();
    this.sendEvent({
      seq: 0,
      type: 'event',
      event: 'stopped',
      body: {
        // 'waiting' (for a console message) is a pause to DAP clients.
        reason: stop.reason === 'waiting' ? 'pause' : stop.reason,
        description: stop.description,
        text: stop.description,
        threadId: THREAD,
        allThreadsStopped: true,
      },
    } as DebugProtocol.StoppedEvent);
  }

  private invalidate(): void {
    this.tree.reset();
    this.sendEvent({ seq: 0, type: 'event', event: 'invalidated', body: { areas: ['variables'] } });
  }

  private async end(): Promise<void> {
    this.debuggerRun?.terminate();
    setImmediate(() => {
      for (const listener of this.endListeners) listener();
    });
  }

  private readonly endListeners: Array<() => void> = [];

  /** The client disconnected or asked to terminate (the response is on its way). */
  onEnded(listener: () => void): void {
    this.endListeners.push(listener);
  }

  /** Waits for the run to stop and closes the database it opened. */
  async closed(): Promise<void> {
    await this.finished;
    const close = this.closeDatabase;
    this.closeDatabase = undefined;
    await close?.();
  }

  private finished: Promise<void> = Promise.resolve();

  // ---- breakpoints ------------------------------------------------------------------------------

  /** Line breakpoints go on a turn of a scenario file: each line inside a turn stops before its first call. */
  private setBreakpoints(args: DebugProtocol.SetBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    const file = args.source.path;
    const lines = (args.breakpoints ?? []).map((b) => b.line);
    if (!file) return { breakpoints: lines.map(() => unverified('Breakpoints go in a scenario file.')) };
    let loaded: LoadedScenario;
    try {
      loaded = this.loaded && samePath(this.loaded.file, file) ? this.loaded : loadScenarioFile(file);
    } catch (e) {
      return { breakpoints: lines.map(() => unverified(describeError(e))) };
    }
    const turns = turnSpans(loaded);
    const hits: KeyPath[] = [];
    const breakpoints = lines.map((line) => {
      // The latest turn that starts at or before the line (a turn's span may reach into the next one's blank lines).
      const turn = turns.findLast((t) => line >= t.start && line <= t.end);
      if (!turn) return unverified('Not on a turn: put the breakpoint on a turn (its `user` line).');
      hits.push(turn.path);
      return new Breakpoint(true, turn.start);
    });
    this.lineBreakpoints.set(path.resolve(file), { file, turns: hits });
    this.applyBreakpoints();
    return { breakpoints };
  }

  private applyBreakpoints(): void {
    const run = this.debuggerRun;
    if (!run || !this.loaded) return;
    run.setTurnBreakpoints(this.lineBreakpoints.get(path.resolve(this.loaded.file))?.turns ?? []);
  }

  // ---- stack, scopes, variables -----------------------------------------------------------------------

  private async stackTrace(): Promise<{ stackFrames: StackFrame[]; totalFrames: number }> {
    const run = this.run();
    const frames = run.frames();
    const doc = this.loaded ? undefined : await run.conversationDocument();
    const source = this.loaded
      ? new Source(path.basename(this.loaded.file), this.loaded.file)
      : (this.conversationSource ??= new Source('Conversation (read-only)', undefined, 1));
    const stackFrames = frames.map((f) => {
      const line = this.loaded
        ? this.loaded.locate(f.path).start.line
        : ((f.userSeq !== undefined ? doc?.lineOfSeq.get(f.userSeq) : undefined) ?? 1);
      const name = f.round > 1 ? `${f.label} · call ${f.round}` : f.label;
      return new StackFrame(f.turn, name, source, line, 1);
    });
    return { stackFrames, totalFrames: stackFrames.length };
  }

  private async scopes(frameId: number): Promise<{ scopes: Scope[] }> {
    const run = this.run();
    const top = run.frames()[0]?.turn === frameId;
    const scopes: Scope[] = [];
    const add = (root: Root, value: unknown) => {
      scopes.push(new Scope(root, this.tree.reference(root, value), false));
    };
    if (top && run.pending) add('Request', run.pending.body);
    if (top && run.pendingTool) add('Tool call', run.pendingTool);
    add('Session', await run.sessionView());
    if (top) add('Last reply', (await run.lastReplyView()) ?? { note: 'No reply yet.' });
    return { scopes };
  }

  /** The console (plain text, /tool, /model) and watch expressions on the scopes (`Request.model`). */
  private async evaluate(
    args: DebugProtocol.EvaluateArguments,
  ): Promise<{ result: string; variablesReference: number }> {
    const run = this.run();
    if (args.context === 'repl' || args.context === undefined) {
      const said = run.input(args.expression);
      return { result: said, variablesReference: 0 };
    }
    const [head, ...rest] = args.expression.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '');
    const roots: Record<string, () => unknown> = {
      Request: () => run.pending?.body,
      Session: () => run.sessionView(),
      LastReply: () => run.lastReplyView(),
    };
    const read = head ? roots[head] : undefined;
    if (!read) throw new CoreError('InvalidInput', 'Watch Request…, Session… or LastReply… (e.g. Request.model).');
    let value: unknown = await read();
    for (const key of rest) value = (value as Record<string, unknown> | undefined)?.[key];
    return { result: preview(value), variablesReference: this.tree.reference('Session', value) };
  }
}

/** The turns of a scenario file and their lines (the simulated user's turns share its block). */
function turnSpans(loaded: LoadedScenario): Array<{ path: KeyPath; start: number; end: number }> {
  const s = loaded.scenario;
  const paths: KeyPath[] = (s.turns ?? []).map((_, i) => ['turns', i]);
  if (s.user_simulator) paths.push(['user_simulator']);
  return paths.map((p) => {
    const span = loaded.locate(p);
    return { path: p, start: span.start.line, end: span.end.line };
  });
}

function unverified(message: string): DebugProtocol.Breakpoint {
  return { verified: false, message };
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
