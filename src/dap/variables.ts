// The Variables view's tree for the debug adapter (adapter.ts): a reference per nested value under one of the
// scopes, forgotten at every stop. Only the Request is editable, and only where a value is shown whole.
import { Handles, Variable } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CoreError } from '../core/errors';

export type Root = 'Request' | 'Tool call' | 'Session' | 'Last reply';
interface Node {
  root: Root;
  path: Array<string | number>;
  value: unknown;
}

/** Longer strings (an image's base64, a long document) are shown cut: the Variables view is not an editor. */
const MAX_SHOWN = 10_000;

export class VariableTree {
  private readonly nodes = new Handles<Node>();

  /** Forgets every reference (the values shown belong to the stop that ended). */
  reset(): void {
    this.nodes.reset();
  }

  /** A reference to `value` at the top of a scope (0 for a value without children). */
  reference(root: Root, value: unknown, path: Array<string | number> = []): number {
    return typeof value === 'object' && value !== null ? this.nodes.create({ root, path, value }) : 0;
  }

  variables(reference: number): Variable[] {
    const node = this.nodes.get(reference);
    if (!node) return [];
    return children(node.value).map(([key, value]) => this.variable(node, key, value));
  }

  /**
   * Edits a Request value (only there): the text as JSON, else as a string. `apply` hands the edit to the pending
   * request by its path before the shown tree takes it.
   */
  set(
    args: DebugProtocol.SetVariableArguments,
    apply: (path: Array<string | number>, value: unknown) => void,
  ): { value: string; variablesReference: number } {
    const parent = this.nodes.get(args.variablesReference);
    if (parent?.root !== 'Request')
      throw new CoreError('InvalidInput', 'Only the Request can be edited (it is sent as edited, for this call only).');
    const entry = children(parent.value).find(([k]) => (typeof k === 'number' ? `[${k}]` : k) === args.name);
    if (!entry) throw new CoreError('InvalidInput', `The request has no ${args.name} here.`);
    const [key, old] = entry;
    if (typeof old === 'string' && old.length > MAX_SHOWN)
      throw new CoreError(
        'InvalidInput',
        `${args.name} is too long to edit here (${old.length} characters): use Edit Request….`,
      );
    let value: unknown;
    try {
      value = JSON.parse(args.value);
    } catch {
      value = args.value;
    }
    apply([...parent.path, key], value);
    Object.defineProperty(parent.value, key, { value, enumerable: true, writable: true, configurable: true });
    return { value: preview(value), variablesReference: this.reference('Request', value, [...parent.path, key]) };
  }

  private variable(parent: Node, key: string | number, value: unknown): DebugProtocol.Variable {
    const name = typeof key === 'number' ? `[${key}]` : key;
    const v: DebugProtocol.Variable = new Variable(
      name,
      preview(value),
      this.reference(parent.root, value, [...parent.path, key]),
    );
    // VS Code's Variables view offers "Edit Request…" on the Request's values (its debugProtocolVariableMenuContext).
    if (parent.root === 'Request')
      (v as { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext = 'request';
    if (Array.isArray(value)) v.indexedVariables = value.length;
    // A value shown cut short cannot be edited in place (the edit would cut it): Edit Request… edits it whole.
    const cut = typeof value === 'string' && value.length > MAX_SHOWN;
    if (parent.root !== 'Request' || cut) v.presentationHint = { attributes: ['readOnly'] };
    return v;
  }
}

function children(value: unknown): Array<[string | number, unknown]> {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).filter(([, v]) => v !== undefined) as Array<[string, unknown]>;
  return [];
}

/** How a value reads in the Variables view: strings and numbers as JSON, objects and arrays summarised. */
export function preview(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string' && value.length > MAX_SHOWN)
    return `${JSON.stringify(value.slice(0, MAX_SHOWN))}… (${value.length} characters; Edit Request… shows it whole)`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    return `{${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}}`;
  }
  return JSON.stringify(value);
}
