// The webview end of src/protocol.ts: the ready handshake, requests answered by id, commands, notifications,
// and the webview's saved state (kept by VS Code across reloads of a hidden panel).
import { CommandType, HostToWebview, IpcError, NotificationType, RequestType, ViewName } from '../../protocol';

const vscode = acquireVsCodeApi();
let nextId = 1;
const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: RequestError) => void }>();
const listeners = new Map<string, Array<(params: unknown) => void>>();

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = HostToWebview.safeParse(event.data);
  if (!parsed.success) return;
  const m = parsed.data;
  if (m.kind === 'notification') {
    for (const l of listeners.get(m.method) ?? []) l(m.params);
    return;
  }
  const waiter = pending.get(m.id);
  if (!waiter) return;
  pending.delete(m.id);
  if (m.ok) waiter.resolve(m.result);
  else waiter.reject(new RequestError((m.error as IpcError).code, (m.error as IpcError).message));
});

export function request<P, R>(type: RequestType<P, R>, params: P): Promise<R> {
  const id = nextId++;
  return new Promise<R>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    vscode.postMessage({ kind: 'request', id, method: type.method, params });
  });
}

export function command<P>(type: CommandType<P>, params: P): void {
  vscode.postMessage({ kind: 'command', method: type.method, params });
}

export function onNotification<P>(type: NotificationType<P>, listener: (params: P) => void): void {
  const list = listeners.get(type.method) ?? [];
  list.push(listener as (params: unknown) => void);
  listeners.set(type.method, list);
}

/** Say hello once the listeners are in place: the host posts nothing before this. */
export function ready(view: ViewName): void {
  vscode.postMessage({ kind: 'ready', view });
}

export function loadState<T extends object>(): Partial<T> {
  const s = vscode.getState();
  return s !== null && typeof s === 'object' ? (s as Partial<T>) : {};
}

export function saveState<T extends object>(state: T): void {
  vscode.setState(state);
}
