// The state dumps the store's worker keeps for the editor (client.ts `dump`): made here, from the worker's own
// store and redacted here, then walked a level at a time by the state view and turned into text here, so that
// the editor's thread never holds, walks or serializes a document of tens of MB.
import { CoreError } from '../errors';
import { type DumpInfo, type DumpSource, documentSource, dumpState } from '../dump';
import type { SessionApi } from '../sessions';
import type { DumpOp, OpKind } from './protocol';

/** Dumps kept at once: the state view shows one, and a command's is dropped when done; older ones go first. */
const KEPT = 4;

export class DumpShelf {
  private readonly kept = new Map<number, DumpSource>();
  private next = 1;

  async run(manager: SessionApi | undefined, op: DumpOp): Promise<unknown> {
    if (op.op === 'make') {
      if (!manager) throw new CoreError('DatabaseClosed', 'The session database is closed.');
      const source = documentSource(await dumpState(manager, op.scope, op.options));
      const handle = this.next++;
      this.kept.set(handle, source);
      for (const old of this.kept.keys()) if (this.kept.size > KEPT) this.kept.delete(old);
      return handle;
    }
    if (op.op === 'drop') return this.kept.delete(op.handle);
    const source = this.kept.get(op.handle);
    if (!source) throw new CoreError('InvalidInput', 'That state dump is no longer kept: dump the state again.');
    switch (op.op) {
      case 'info':
        return source.info();
      case 'text':
        return source.text();
      case 'children':
        return source.children(op.path, op.offset, op.limit);
      case 'value':
        return source.value(op.path);
      case 'search':
        return source.search(op.query, op.limit);
    }
  }
}

/** A dump the worker keeps, as the editor's thread sees it: `drop()` lets it go there (never fails: a worker
 * that is gone keeps nothing). */
export type KeptDump = DumpSource & { drop(): Promise<void> };

/** The editor's side of the dump kept as `handle`: each call an operation on it in the worker, through `send`. */
export function keptDump(handle: number, send: (op: DumpOp, kind: OpKind) => Promise<unknown> | null): KeptDump {
  type Result<K extends keyof DumpSource> = Awaited<ReturnType<DumpSource[K]>>;
  let info: Promise<DumpInfo> | undefined; // asked once, when shown (its size costs a pass over the document)
  return {
    info: () => (info ??= Promise.resolve(send({ op: 'info', handle }, 'dump')) as Promise<DumpInfo>),
    children: async (path, offset, limit) =>
      (await send({ op: 'children', handle, path, offset, limit }, 'read')) as Result<'children'>,
    value: async (path) => (await send({ op: 'value', handle, path }, 'read')) as string,
    search: async (query, limit) => (await send({ op: 'search', handle, query, limit }, 'read')) as Result<'search'>,
    text: async () => (await send({ op: 'text', handle }, 'dump')) as string,
    drop: async () => {
      await Promise.resolve(send({ op: 'drop', handle }, 'read')).catch(() => undefined);
    },
  };
}
