// The state view's host side, free of `vscode`: keeps one dump document and hands the webview its tree a
// level and a page at a time (dumps can be large), plus search over keys and values. statePanel.ts is the glue.
import { CoreError } from '../../core/errors';
import { DumpPath, HostToWebview, IpcCommand, IpcNotification, IpcRequest } from '../../protocol';
import { childrenOf, resolvePath, searchJson } from '../../webview/shared/jsonNodes';
import { IpcHost } from './ipcHost';

export interface StateHostOptions {
  /** Saves the shown document where the user picks. */
  save?(document: unknown, title: string): void;
  onError?(message: string): void;
}

export class StateHost {
  readonly ipc: IpcHost;
  private document: unknown = null;
  private title = '';
  private bytes: number | undefined;

  constructor(post: (message: HostToWebview) => unknown, options: StateHostOptions = {}) {
    this.ipc = new IpcHost(
      'state',
      post,
      () => this.ipc.notify(IpcNotification.Init, { view: 'state' }),
      options.onError,
    );
    this.ipc
      .onRequest(IpcRequest.DumpInfo, () => ({
        title: this.title,
        formatVersion: Number((this.document as { formatVersion?: unknown } | null)?.formatVersion ?? 0),
        redacted: this.redaction?.enabled === true,
        ...(typeof this.redaction?.summary === 'string' ? { redactionSummary: this.redaction.summary } : {}),
        bytes: (this.bytes ??= Buffer.byteLength(JSON.stringify(this.document))),
      }))
      .onRequest(IpcRequest.DumpChildren, ({ path, offset, limit }) =>
        childrenOf(resolve(this.document, path), offset, limit),
      )
      .onRequest(IpcRequest.DumpValue, ({ path }) => ({ text: String(resolve(this.document, path)) }))
      .onRequest(IpcRequest.DumpSearch, ({ query, limit }) => searchJson(this.document, query, limit))
      .onCommand(IpcCommand.SaveDump, () => options.save?.(this.document, this.title));
  }

  private get redaction(): { enabled?: unknown; summary?: unknown } | undefined {
    return (this.document as { redaction?: { enabled?: unknown; summary?: unknown } } | null)?.redaction;
  }

  /** Shows another document (the webview reloads its tree). */
  show(document: unknown, title: string): void {
    this.document = document;
    this.title = title;
    this.bytes = undefined;
    this.ipc.notify(IpcNotification.DumpChanged, {});
  }

  receive(message: unknown): Promise<void> {
    return this.ipc.receive(message);
  }

  detach(): void {
    this.ipc.detach();
  }
}

/** The value at `path`, or the core's error for a path the webview made up. */
function resolve(root: unknown, path: DumpPath): unknown {
  try {
    return resolvePath(root, path);
  } catch (e) {
    throw new CoreError('InvalidInput', (e as Error).message.replace('The document', 'The dump'));
  }
}
