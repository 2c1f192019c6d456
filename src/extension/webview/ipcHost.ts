// The host end of a webview's messaging, free of `vscode`: parses everything the webview sends with the
// protocol's schemas, answers requests by id, runs commands, and posts notifications only while the webview
// is ready (it says so on load, and again after a hidden webview was destroyed and reloads: it then fetches
// everything afresh, so nothing missed in between needs replaying).
import type * as z from 'zod/mini';
import { CoreError, describeError } from '../../core/errors';
import {
  CommandType,
  HostToWebview,
  IpcError,
  NotificationType,
  RequestType,
  ViewName,
  WebviewToHost,
} from '../../protocol';

interface Handler {
  schema: z.ZodMiniType<unknown>;
  run: (params: never) => unknown;
}

export class IpcHost {
  private ready = false;
  private readonly requests = new Map<string, Handler>();
  private readonly commands = new Map<string, Handler>();

  constructor(
    readonly view: ViewName,
    private readonly post: (message: HostToWebview) => unknown,
    /** Called each time the webview (re)loads and says it is ready: send it what it needs to start. */
    private readonly onReady: () => void | Promise<void>,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  onRequest<P, R>(type: RequestType<P, R>, run: (params: P) => R | Promise<R>): this {
    this.requests.set(type.method, { schema: type.params, run });
    return this;
  }

  onCommand<P>(type: CommandType<P>, run: (params: P) => void): this {
    this.commands.set(type.method, { schema: type.params, run });
    return this;
  }

  /** Sends a notification now, or drops it if the webview is not there to get it (it reloads everything when ready). */
  notify<P>(type: NotificationType<P>, params: P): void {
    if (this.ready) this.post({ kind: 'notification', method: type.method, params });
  }

  /** The webview went away (hidden, reloading): stop posting until it is ready again. */
  detach(): void {
    this.ready = false;
  }

  /** Handles one message from the webview. Never throws: bad input is reported, not obeyed. */
  async receive(raw: unknown): Promise<void> {
    const parsed = WebviewToHost.safeParse(raw);
    if (!parsed.success) return this.onError(`${this.view} webview sent a malformed message`);
    const message = parsed.data;
    if (message.kind === 'ready') {
      if (message.view !== this.view)
        return this.onError(`a ${message.view} webview said ready to the ${this.view} host`);
      this.ready = true;
      try {
        await this.onReady();
      } catch (e) {
        this.onError(`${this.view} webview could not start: ${describeError(e)}`);
      }
      return;
    }
    const table = message.kind === 'request' ? this.requests : this.commands;
    const handler = table.get(message.method);
    let outcome: { ok: true; result: unknown } | { ok: false; error: IpcError };
    try {
      if (!handler) throw new CoreError('InvalidInput', `Unknown ${message.kind} "${message.method}".`);
      const params = handler.schema.safeParse(message.params ?? {});
      if (!params.success) {
        const problems = params.error.issues.map((i) =>
          i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
        );
        throw new CoreError('InvalidInput', `Invalid ${message.method} parameters: ${problems.join('; ')}`);
      }
      outcome = { ok: true, result: (await handler.run(params.data as never)) ?? null };
    } catch (e) {
      const error =
        e instanceof CoreError ? { code: e.code, message: e.message } : { code: 'Internal', message: describeError(e) };
      if (!(e instanceof CoreError && e.isUserError))
        this.onError(`${this.view} ${message.kind} ${message.method} failed: ${error.message}`);
      outcome = { ok: false, error };
    }
    if (message.kind === 'request') this.post({ kind: 'response', id: message.id, ...outcome });
    else if (!outcome.ok) this.onError(`${this.view} command ${message.method}: ${outcome.error.message}`);
  }
}
