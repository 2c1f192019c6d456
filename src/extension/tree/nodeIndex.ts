// The Sessions tree's memory of its rows: each node by id (VS Code tracks elements by identity, so a refresh must hand
// back the same object, and getParent must find a row's parent for reveal), what each parent listed last, and how
// many pages each parent shows. It holds what the view shows and no more: when a parent is listed again, the rows it
// no longer has (deleted, moved to another group, filtered out) are forgotten with everything under them.
import type { Node } from './nodes';

/** The parent id of the view's top level. */
export const ROOT = '';

export class NodeIndex {
  private readonly nodes = new Map<string, Node>();
  private readonly parentOf = new Map<string, string>();
  private readonly childrenOf = new Map<string, Set<string>>();
  private readonly pages = new Map<string, number>();

  /** How many nodes are remembered (tests check that it stays bounded). */
  get size(): number {
    return this.nodes.size;
  }

  get(id: string): Node | undefined {
    return this.nodes.get(id);
  }

  /** Every remembered node, e.g. to find the rows of a session under each group. */
  values(): IterableIterator<Node> {
    return this.nodes.values();
  }

  /** The node for `node.id` under `parentId`: the object remembered before (updated), or `node`. */
  remember<T extends Node>(parentId: string, node: T): T {
    const existing = this.nodes.get(node.id);
    const kept = existing && existing.kind === node.kind ? (Object.assign(existing, node) as T) : node;
    this.nodes.set(node.id, kept);
    const previousParent = this.parentOf.get(node.id);
    if (previousParent !== undefined && previousParent !== parentId)
      this.childrenOf.get(previousParent)?.delete(node.id);
    this.parentOf.set(node.id, parentId);
    let siblings = this.childrenOf.get(parentId);
    if (!siblings) this.childrenOf.set(parentId, (siblings = new Set()));
    siblings.add(node.id);
    return kept;
  }

  /** `parentId` was listed again with `nodes` (remembered under it): the children it no longer has are forgotten. */
  listed<T extends Node>(parentId: string, nodes: T[]): T[] {
    const now = new Set(nodes.map((n) => n.id));
    for (const id of this.childrenOf.get(parentId) ?? []) if (!now.has(id)) this.forget(id);
    this.childrenOf.set(parentId, now);
    return nodes;
  }

  /** Pages shown under `parentId` ("Show 200 more…" adds one). */
  pageCount(parentId: string): number {
    return this.pages.get(parentId) ?? 1;
  }

  /** Shows at least `count` pages under `parentId`. */
  showPages(parentId: string, count: number): void {
    if (count > this.pageCount(parentId)) this.pages.set(parentId, count);
  }

  private forget(id: string): void {
    for (const child of this.childrenOf.get(id) ?? []) this.forget(child);
    this.childrenOf.delete(id);
    this.pages.delete(id);
    this.nodes.delete(id);
    const parent = this.parentOf.get(id);
    this.parentOf.delete(id);
    if (parent !== undefined) this.childrenOf.get(parent)?.delete(id);
  }
}
