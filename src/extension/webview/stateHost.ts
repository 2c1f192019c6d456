// The state view's host side, free of `vscode`: shows one dump (a DumpSource: in the editor, a document the
// store's worker keeps) and hands the webview its tree a level and a page at a time (dumps can be large), plus
// search over keys and values. statePanel.ts is the glue.
import type { DumpSource } from '../../core/dump';
import { HostToWebview, IpcCommand, IpcNotification, IpcRequest } from '../../protocol';
import { IpcHost } from './ipcHost';

export interface StateHostOptions {
  /** Saves the shown dump where the user picks. */
  save?(dump: DumpSource, title: string): void;
  onError?(message: string): void;
}

/** Nothing shown yet: an empty document. */
const NOTHING: DumpSource = {
  info: async () => ({ formatVersion: 0, redacted: false, bytes: 4 }),
  children: async () => ({ nodes: [], total: 0 }),
  value: async () => 'null',
  search: async () => ({ matches: [], total: 0 }),
  text: async () => 'null\n',
};

export class StateHost {
  readonly ipc: IpcHost;
  private dump: DumpSource = NOTHING;
  private title = '';

  constructor(post: (message: HostToWebview) => unknown, options: StateHostOptions = {}) {
    this.ipc = new IpcHost(
      'state',
      post,
      () => this.ipc.notify(IpcNotification.Init, { view: 'state' }),
      options.onError,
    );
    this.ipc
      .onRequest(IpcRequest.DumpInfo, async () => ({ title: this.title, ...(await this.dump.info()) }))
      .onRequest(IpcRequest.DumpChildren, ({ path, offset, limit }) => this.dump.children(path, offset, limit))
      .onRequest(IpcRequest.DumpValue, async ({ path }) => ({ text: await this.dump.value(path) }))
      .onRequest(IpcRequest.DumpSearch, ({ query, limit }) => this.dump.search(query, limit))
      .onCommand(IpcCommand.SaveDump, () => options.save?.(this.dump, this.title));
  }

  /** Shows another dump (the webview reloads its tree). */
  show(dump: DumpSource, title: string): void {
    this.dump = dump;
    this.title = title;
    this.ipc.notify(IpcNotification.DumpChanged, {});
  }

  receive(message: unknown): Promise<void> {
    return this.ipc.receive(message);
  }

  detach(): void {
    this.ipc.detach();
  }
}
