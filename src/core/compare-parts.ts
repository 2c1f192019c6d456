// What differs inside two aligned messages: a word diff of their words, tool calls matched by name with a
// structural diff of their arguments (JSON paths), tool results likewise, and the role. Also the content key
// that decides whether two messages are equal at all — ids, times and usage never count, nor reasoning (a
// model's private notes differ on every run, and replays would never align).
import { diffWordsWithSpace } from 'diff';
import type { Message, Part } from './model';
import { partsText } from './text';

/** A run of words: in both messages, only in A (`removed`) or only in B (`added`). */
export interface WordRun {
  op: 'equal' | 'removed' | 'added';
  text: string;
}

/** One difference between two JSON values, at a JSONPath-like path (`$.items[2].city`). */
export interface JsonChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  a?: unknown;
  b?: unknown;
}

/** A tool call (or result) of A matched with one of B by name, in order; a side is absent when unmatched. */
export interface ToolChange {
  name: string;
  a?: { index: number; callId: string };
  b?: { index: number; callId: string };
  /** For calls: the arguments; for results: the content (structural when both are JSON, else words). */
  json?: JsonChange[];
  words?: WordRun[];
  isError?: { a: boolean; b: boolean };
}

export interface PartChanges {
  role?: { a: string; b: string };
  /** Absent when the words are equal. */
  words?: WordRun[];
  /** Only the calls that differ (added, removed, or other arguments). */
  toolCalls?: ToolChange[];
  /** The same calls, matched, in another order. */
  toolCallsReordered?: boolean;
  toolResults?: ToolChange[];
  /** Parts of other kinds (images, files, refusals) differ. */
  attachments?: boolean;
}

/** Text this long is compared as one piece rather than word by word (bounded time on hostile sizes). */
const WORD_DIFF_MAX_CHARS = 200_000;
/** Beyond this many word edits the texts are simply different: say so rather than search further. */
const WORD_DIFF_MAX_EDITS = 5_000;

/** Everything that makes two messages the same message: role, words, tool calls and results, attachments. */
export function contentKey(m: Pick<Message, 'role' | 'parts'>): string {
  return JSON.stringify([m.role, ...m.parts.map(partKey).filter((k) => k !== undefined)]);
}

function partKey(p: Part): unknown {
  switch (p.type) {
    case 'text':
    case 'refusal':
      return [p.type, p.text];
    case 'tool_call':
      return ['call', p.name, canonicalJson(p.argumentsJson)];
    case 'tool_result':
      return ['result', p.name, canonicalJson(p.content), p.isError === true];
    case 'image':
    case 'file':
      return [p.type, p.mediaType ?? '', p.source];
    default:
      return undefined; // reasoning and provider items: private to a run
  }
}

/** The differences between two messages already known to differ (or to sit at the same place). */
export function partChanges(a: Pick<Message, 'role' | 'parts'>, b: Pick<Message, 'role' | 'parts'>): PartChanges {
  const changes: PartChanges = {};
  if (a.role !== b.role) changes.role = { a: a.role, b: b.role };
  const wordsA = partsText(a.parts, 'text');
  const wordsB = partsText(b.parts, 'text');
  if (wordsA !== wordsB) changes.words = wordDiff(wordsA, wordsB);
  const calls = matchTools(callsOf(a.parts), callsOf(b.parts));
  if (calls.changed.length) changes.toolCalls = calls.changed;
  if (calls.reordered) changes.toolCallsReordered = true;
  const results = matchTools(resultsOf(a.parts), resultsOf(b.parts));
  if (results.changed.length) changes.toolResults = results.changed;
  const attachmentsOf = (m: Pick<Message, 'parts'>) =>
    JSON.stringify(m.parts.filter((p) => p.type === 'image' || p.type === 'file').map(partKey));
  if (attachmentsOf(a) !== attachmentsOf(b)) changes.attachments = true;
  return changes;
}

export function wordDiff(a: string, b: string): WordRun[] {
  const whole = (): WordRun[] => [
    ...(a ? [{ op: 'removed' as const, text: a }] : []),
    ...(b ? [{ op: 'added' as const, text: b }] : []),
  ];
  if (a.length + b.length > WORD_DIFF_MAX_CHARS) return whole();
  const runs = diffWordsWithSpace(a, b, { maxEditLength: WORD_DIFF_MAX_EDITS });
  if (!runs) return whole();
  return runs.map((r) => ({ op: r.added ? 'added' : r.removed ? 'removed' : 'equal', text: r.value }));
}

interface ToolItem {
  index: number;
  callId: string;
  name: string;
  /** Arguments (calls) or content (results): parsed when JSON, else the text. */
  value: { json: unknown } | { text: string };
  key: string;
  isError?: boolean;
}

function callsOf(parts: readonly Part[]): ToolItem[] {
  return parts
    .flatMap((p) => (p.type === 'tool_call' ? [p] : []))
    .map((p, index) => toolItem(index, p, p.argumentsJson));
}

function resultsOf(parts: readonly Part[]): ToolItem[] {
  return parts
    .flatMap((p) => (p.type === 'tool_result' ? [p] : []))
    .map((p, index) => ({ ...toolItem(index, p, p.content), isError: p.isError === true }));
}

function toolItem(index: number, p: { callId: string; name: string }, raw: string): ToolItem {
  const json = parseJson(raw);
  return {
    index,
    callId: p.callId,
    name: p.name,
    value: json.ok ? { json: json.value } : { text: raw },
    key: `${p.name}\u0000${canonicalJson(raw)}`,
  };
}

/**
 * Pairs A's tools with B's: identical ones first (wherever they are, so a reordering is not a change), then the
 * rest by name in order. Returns only pairs that differ, and whether the identical ones moved.
 */
function matchTools(a: ToolItem[], b: ToolItem[]): { changed: ToolChange[]; reordered: boolean } {
  const taken = new Set<ToolItem>();
  const pairs = new Map<ToolItem, ToolItem>();
  const take = (x: ToolItem, match: (y: ToolItem) => boolean) => {
    const y = b.find((c) => !taken.has(c) && match(c));
    if (y) {
      taken.add(y);
      pairs.set(x, y);
    }
  };
  for (const x of a) take(x, (y) => y.key === x.key && y.isError === x.isError);
  const identical = [...pairs];
  for (const x of a) if (!pairs.has(x)) take(x, (y) => y.name === x.name);
  const reordered = identical.some(([, y], i) => i > 0 && y.index < identical[i - 1]![1].index);
  const changed: ToolChange[] = [];
  for (const x of a) {
    const y = pairs.get(x);
    const side = (t: ToolItem) => ({ index: t.index, callId: t.callId });
    if (!y) {
      changed.push({ name: x.name, a: side(x) });
      continue;
    }
    if (identical.some(([i]) => i === x)) continue;
    const change: ToolChange = { name: x.name, a: side(x), b: side(y) };
    if ('json' in x.value && 'json' in y.value) change.json = jsonChanges(x.value.json, y.value.json);
    else change.words = wordDiff(textOf(x.value), textOf(y.value));
    if (x.isError !== y.isError) change.isError = { a: x.isError === true, b: y.isError === true };
    changed.push(change);
  }
  for (const y of b) if (!taken.has(y)) changed.push({ name: y.name, b: { index: y.index, callId: y.callId } });
  return { changed, reordered };
}

const textOf = (v: ToolItem['value']) => ('text' in v ? v.text : JSON.stringify(v.json));

/** Leaf differences between two JSON values, depth first, with `$`-rooted paths. */
export function jsonChanges(a: unknown, b: unknown, path = '$', out: JsonChange[] = []): JsonChange[] {
  if (out.length >= 1_000) return out; // a bound for hostile sizes; the first thousand say enough
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const at = `${path}${/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`;
      if (!Object.hasOwn(b, k)) out.push({ path: at, kind: 'removed', a: a[k] });
      else if (!Object.hasOwn(a, k)) out.push({ path: at, kind: 'added', b: b[k] });
      else jsonChanges(a[k], b[k], at, out);
    }
  } else if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const at = `${path}[${i}]`;
      if (i >= b.length) out.push({ path: at, kind: 'removed', a: a[i] });
      else if (i >= a.length) out.push({ path: at, kind: 'added', b: b[i] });
      else jsonChanges(a[i], b[i], at, out);
    }
  } else if (canonical(a) !== canonical(b)) {
    out.push({ path, kind: 'changed', a, b });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

/** JSON text with object keys sorted (so `{"a":1,"b":2}` equals `{ "b": 2, "a": 1 }`); other text as it is. */
function canonicalJson(text: string): string {
  const parsed = parseJson(text);
  return parsed.ok ? canonical(parsed.value) : text;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
