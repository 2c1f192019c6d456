// The state view's host side, free of `vscode`: keeps one dump document and hands the webview its tree a
// level and a page at a time (dumps can be large), plus search over keys and values. statePanel.ts is the glue.
import { CoreError } from '../../core/errors';
import { DumpNode, DumpPath, HostToWebview, IpcCommand, IpcNotification, IpcRequest } from '../../protocol';
import { IpcHost } from './ipcHost';

export interface StateHostOptions {
  /** Saves the shown document where the user picks. */
  save?(document: unknown, title: string): void;
  onError?(message: string): void;
}

const PREVIEW_CHARS = 300;

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
        children(resolve(this.document, path), offset, limit),
      )
      .onRequest(IpcRequest.DumpValue, ({ path }) => ({ text: String(resolve(this.document, path)) }))
      .onRequest(IpcRequest.DumpSearch, ({ query, limit }) => search(this.document, query, limit))
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

function resolve(root: unknown, path: DumpPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) {
      throw new CoreError('InvalidInput', `The dump has nothing at ${path.join('.')}.`);
    }
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function entries(node: unknown): Array<[string | number, unknown]> {
  if (Array.isArray(node)) return node.map((v, i) => [i, v]);
  if (node !== null && typeof node === 'object') return Object.entries(node);
  return [];
}

export function describeNode(key: string | number, value: unknown): DumpNode {
  if (Array.isArray(value)) return { key, type: 'array', preview: value.length ? '[…]' : '[]', size: value.length };
  if (value === null || value === undefined) return { key, type: 'null', preview: 'null', size: 0 };
  switch (typeof value) {
    case 'object': {
      const keys = Object.keys(value);
      const shown = keys.slice(0, 5).join(', ');
      return {
        key,
        type: 'object',
        preview: keys.length ? `{${shown}${keys.length > 5 ? ', …' : ''}}` : '{}',
        size: keys.length,
      };
    }
    case 'string':
      return {
        key,
        type: 'string',
        preview: value.length > PREVIEW_CHARS ? `${value.slice(0, PREVIEW_CHARS)}…` : value,
        size: value.length,
      };
    case 'number':
      return { key, type: 'number', preview: String(value), size: 0 };
    case 'boolean':
      return { key, type: 'boolean', preview: String(value), size: 0 };
    default:
      return { key, type: 'string', preview: String(value), size: 0 };
  }
}

function children(node: unknown, offset: number, limit: number): { nodes: DumpNode[]; total: number } {
  const all = entries(node);
  return { nodes: all.slice(offset, offset + limit).map(([k, v]) => describeNode(k, v)), total: all.length };
}

/** Paths whose key or scalar value contains `query` (case-insensitive), in document order. */
function search(
  root: unknown,
  query: string,
  limit: number,
): { matches: Array<{ path: DumpPath; preview: string }>; total: number } {
  const needle = query.trim().toLowerCase();
  const matches: Array<{ path: DumpPath; preview: string }> = [];
  let total = 0;
  if (!needle) return { matches, total };
  const walk = (node: unknown, path: DumpPath) => {
    for (const [k, v] of entries(node)) {
      const here = [...path, k];
      const scalar = v === null || typeof v !== 'object';
      if (
        (typeof k === 'string' && k.toLowerCase().includes(needle)) ||
        (scalar && String(v).toLowerCase().includes(needle))
      ) {
        total += 1;
        if (matches.length < limit) matches.push({ path: here, preview: describeNode(k, v).preview });
      }
      if (!scalar) walk(v, here);
    }
  };
  walk(root, []);
  return { matches, total };
}
