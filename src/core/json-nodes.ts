// A JSON document as the tree widget (webview/shared/jsonTree.ts) sees it: the children of a path a page at a
// time, a value in full, and search over keys and values. Pure (no DOM, no Node): the store's worker serves a
// state dump with it (dump.ts), and the inspector serves the bodies it received with it in the webview itself.

/** A node of the dump tree as the state view shows it: children are fetched when it is expanded. */
export interface DumpNode {
  key: string | number;
  type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  /** Scalars: the value as text (long strings cut); containers: a one-line summary. */
  preview: string;
  /** Containers: how many children. Strings: full length. */
  size: number;
}
export type DumpPath = Array<string | number>;

const PREVIEW_CHARS = 300;

export interface SearchMatch {
  path: DumpPath;
  preview: string;
}

/** The value at `path`; throws a sentence naming the path when there is none. */
export function resolvePath(root: unknown, path: DumpPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key))
      throw new Error(`The document has nothing at ${path.join('.')}.`);
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

/** One page of a container's children (a scalar has none). */
export function childrenOf(node: unknown, offset: number, limit: number): { nodes: DumpNode[]; total: number } {
  // Arrays are paged without copying them whole: a body may hold a 100,000-item history.
  if (Array.isArray(node)) {
    const nodes: DumpNode[] = [];
    for (let i = offset; i < Math.min(node.length, offset + limit); i++) nodes.push(describeNode(i, node[i]));
    return { nodes, total: node.length };
  }
  const all = entries(node);
  return { nodes: all.slice(offset, offset + limit).map(([k, v]) => describeNode(k, v)), total: all.length };
}

/** Paths whose key or scalar value contains `query` (case-insensitive), in document order; `limit` kept. */
export function searchJson(root: unknown, query: string, limit: number): { matches: SearchMatch[]; total: number } {
  const needle = query.trim().toLowerCase();
  const matches: SearchMatch[] = [];
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
