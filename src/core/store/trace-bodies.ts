// How a request body is stored so the history a stateless provider resends every turn is stored once.
//
// A body that is canonical JSON (JSON.stringify(JSON.parse(body)) === body) is cut at its large arrays
// (OpenAI `input`, Anthropic `messages`, Gemini `contents`, tools…): each element becomes an item blob
// keyed by the SHA-256 of its text, and the array a chain of list nodes, node i keyed by the hash of
// (node i-1, item i). The same history prefix hashes to the same nodes every turn, so a turn adds only
// its new elements and a body's stored form holds one head per array, whatever the history's length.
// Any other body is kept whole (in the trace's compressed detail). Reading joins it back byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CoreError, describeError } from '../errors';
import type { Tx } from './connection';
import { W } from './schema';

/** An array at least this long (as JSON text) is stored as a list of blobs. */
const MIN_LIST_CHARS = 256;
/** Arrays deeper than this in a body stay where they are. */
const MAX_DEPTH = 6;
/** The most a stored blob or detail may inflate to: bounds what a hostile database can make us allocate. */
export const MAX_INFLATED_BYTES = 128 * 1024 * 1024;

/** A body as stored: whole, or its text between arrays (`parts`, one more than `lists`) and each array's list head. */
export type StoredBody = { text: string } | { parts: string[]; lists: string[] };

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A preset deflate dictionary of what traces and request bodies repeat (keys, URLs, common values): the
 * small texts stored (a summary, a history item) would otherwise spend most of their bytes spelling it.
 * Part of the file format: never change it (a new one needs a new column or marker).
 */
const DICTIONARY = Buffer.from(
  [
    '"generationConfig":{"thinkingConfig":"safetySettings":"systemInstruction":{"parts":[{"text":"contents":[{"role":"model","parts":[{"text":"functionCall":"functionResponse":',
    'https://generativelanguage.googleapis.com/v1beta/models/:streamGenerateContent?alt=sse',
    '"max_tokens":"thinking":{"budget_tokens":"cache_control":{"type":"ephemeral"},"system":[{"type":"text","text":"messages":[{"role":"user","content":[{"type":"tool_use","tool_result","tool_use_id":"',
    'https://api.anthropic.com/v1/messages"anthropic-version":"2023-06-01"request-id":"req_',
    '"reasoning":{"effort":"summary":"temperature":"max_output_tokens":"previous_response_id":"tools":[{"type":"function","name":"description":"parameters":{"type":"object","properties":{',
    '"instructions":"store":false,"stream":true,"input":[{"type":"function_call","call_id":"function_call_output","arguments":"output":"',
    'https://api.openai.com/v1/responses"openai-processing-ms":"x-request-id":"req_',
    '{"id":"resp_","object":"response","status":"completed","model":"gpt-4o","output":[{"type":"message","id":"msg_","status":"completed","role":"assistant","content":[{"type":"output_text","annotations":[],"text":"',
    '"usage":{"input_tokens":"output_tokens":"total_tokens":"input_tokens_details":{"cached_tokens":"output_tokens_details":{"reasoning_tokens":',
    '{"streamed":true,"firstTokenAt":"2026-"error":{"code":"ProviderError","message":"usage":{"inputTokens":"cachedInputTokens":"outputTokens":"reasoningTokens":"totalTokens":"attemptCount":1,"requestIds":{"x-request-id":"req_',
    '{"attempts":[{"spanId":"startedAt":"2026-"endedAt":"2026-"url":"https://api.openai.com/v1/responses","method":"POST","requestHeaders":{"content-type":"application/json"},',
    '"requestBody":{"parts":["{\\"model\\":\\"","\\"input\\":",",\\"stream\\":true}"],"lists":["text":"status":200,"responseHeaders":{"content-type":"text/event-stream","requestIds":{"x-request-id":"req_"}}],"response":',
    '{"role":"assistant","content":[{"type":"output_text","text":"{"role":"user","content":[{"type":"input_text","text":"',
  ].join(''),
  'utf8',
);

export const deflateHex = (text: string): string =>
  deflateRawSync(Buffer.from(text, 'utf8'), { dictionary: DICTIONARY }).toString('hex');

export function inflateText(data: Uint8Array, what: string): string {
  try {
    return inflateRawSync(data, { maxOutputLength: MAX_INFLATED_BYTES, dictionary: DICTIONARY }).toString('utf8');
  } catch (e) {
    throw new CoreError('CorruptDatabase', `The stored ${what} cannot be decompressed (${describeError(e)}).`);
  }
}

/** Stores the body's large arrays as blobs (adding only those not yet stored) and returns what the trace keeps. */
export function storeBody(tx: Tx, body: string, bases: readonly string[] = []): StoredBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { text: body };
  }
  if (JSON.stringify(parsed) !== body) return { text: body };
  let nonce = randomBytes(8).toString('hex');
  while (body.includes(nonce)) nonce = randomBytes(8).toString('hex');
  const arrays: unknown[][] = [];
  const skeleton = JSON.stringify(cutArrays(parsed, nonce, arrays, 0));
  if (arrays.length === 0) return { text: body };
  const parts = skeleton.split(new RegExp(`"${nonce}#\\d+"`));
  const itemTexts = arrays.map((a) => a.map((item) => JSON.stringify(item)));
  // Canonical JSON is compositional, so this holds; checked because a wrong answer would be silent.
  if (joinBody(parts, itemTexts) !== body) return { text: body };
  return { parts, lists: itemTexts.map((items) => storeList(tx, items, bases)) };
}

function cutArrays(value: unknown, nonce: string, arrays: unknown[][], depth: number): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    if (JSON.stringify(value).length < MIN_LIST_CHARS) return value;
    arrays.push(value);
    return `${nonce}#${arrays.length - 1}`;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cutArrays(v, nonce, arrays, depth + 1);
  return out;
}

function joinBody(parts: string[], lists: string[][]): string {
  let out = parts[0] ?? '';
  for (let i = 0; i < lists.length; i++) out += `[${lists[i]!.join(',')}]${parts[i + 1] ?? ''}`;
  return out;
}

const blobExists = (tx: Tx, hash: string): boolean =>
  tx.get(`SELECT 1 AS x FROM trace_blobs WHERE hash = unhex(?)`, [hash]) !== undefined;

/**
 * Stores a list's items and nodes not stored yet; returns its head node's hash. A list that shares a
 * stored prefix (the history so far) adds only its new tail. One whose start was trimmed (a context
 * window) continues a list of the session's previous call (`bases`): a node dropping `skip` elements
 * from the front of the list before it, then the new tail, rather than a whole new chain every turn.
 */
function storeList(tx: Tx, items: string[], bases: readonly string[]): string {
  const hashes = items.map(sha256);
  const nodes: string[] = [];
  let prev = '';
  for (const h of hashes) nodes.push((prev = nodeKey(prev, 0, h)));
  let stored = nodes.length;
  while (stored > 0 && !blobExists(tx, nodes[stored - 1]!)) stored--;
  const base = stored < hashes.length - 2 ? bestBase(tx, hashes, bases, stored) : undefined;
  if (!base) return appendNodes(tx, stored > 0 ? nodes[stored - 1]! : null, 0, items, hashes, stored);
  return appendNodes(tx, base.head, base.skip, items, hashes, base.overlap);
}

/** The node keys: the first 16 bytes of the SHA-256 of what the node says. */
const nodeKey = (prev: string, skip: number, item: string) =>
  sha256(skip ? `${prev}:${skip}:${item}` : `${prev}:${item}`).slice(0, 32);

/** Adds nodes for items[from…] after `head` (dropping `skip` elements of its list first). */
function appendNodes(
  tx: Tx,
  head: string | null,
  skip: number,
  items: string[],
  hashes: string[],
  from: number,
): string {
  let prev = head;
  if (from === hashes.length && skip > 0) {
    // Only trimmed, nothing new: a node that drops and adds no item.
    const key = nodeKey(prev ?? '', skip, '');
    tx.run(W.insertTraceNode, [key, prev, skip, null]);
    return key;
  }
  for (let i = from; i < hashes.length; i++) {
    const s = i === from ? skip : 0;
    const key = nodeKey(prev ?? '', s, hashes[i]!);
    if (!blobExists(tx, hashes[i]!)) tx.run(W.insertTraceItem, [hashes[i]!, deflateHex(items[i]!)]);
    tx.run(W.insertTraceNode, [key, prev, s || null, hashes[i]!]);
    prev = key;
  }
  return prev!;
}

/** Of the previous call's lists, the one whose end, after dropping some elements, begins `hashes` longest. */
function bestBase(
  tx: Tx,
  hashes: string[],
  bases: readonly string[],
  atLeast: number,
): { head: string; skip: number; overlap: number } | undefined {
  let best: { head: string; skip: number; overlap: number } | undefined;
  for (const head of bases) {
    let old: string[];
    try {
      old = listHashes(tx, head);
    } catch {
      continue; // a damaged earlier trace is no base; this one is stored in full
    }
    for (let skip = 0; skip < old.length; skip++) {
      const overlap = old.length - skip;
      if (overlap <= (best?.overlap ?? atLeast) || overlap > hashes.length) continue;
      if (old[skip] === hashes[0] && old.every((h, i) => i < skip || h === hashes[i - skip])) {
        best = { head, skip, overlap };
        break; // the smallest skip of this base gives its longest overlap
      }
    }
  }
  return best;
}

export interface BlobReader {
  get<T>(sql: string, params: string[]): T | undefined;
  all<T>(sql: string, params: Array<string | number>): T[];
}

/** Items fetched per query when a body is rebuilt (well under SQLite's limit on parameters). */
const ITEMS_PER_QUERY = 500;

/** The item hashes of the list a node ends, in order. Throws CoreError when the nodes are damaged. */
export function listHashes(db: BlobReader, head: string): string[] {
  const chain: Array<{ skip: number; item: string | null }> = [];
  // A hostile database may chain nodes in a loop; content-addressed nodes never meet themselves again.
  const seen = new Set<string>();
  // The whole chain in one query (a query per node made a 2,000-item body take hundreds of ms): it follows `prev`
  // from the head; a chain longer than the table has rows loops, so the walk stops there and the check below says so.
  const rows = db.all<{
    hash: string;
    absent: number;
    prev: string | null;
    skip: unknown;
    item: string | null;
    data: unknown;
  }>(
    `WITH RECURSIVE chain(hash, depth) AS (
       SELECT unhex(?), 0
       UNION ALL
       SELECT b.prev, c.depth + 1 FROM chain c JOIN trace_blobs b ON b.hash = c.hash
        WHERE b.prev IS NOT NULL AND c.depth <= ?
     )
     SELECT lower(hex(c.hash)) AS hash, b.hash IS NULL AS absent, lower(hex(b.prev)) AS prev, b.skip,
            lower(hex(b.item)) AS item,
            b.data IS NOT NULL AS data
       FROM chain c LEFT JOIN trace_blobs b ON b.hash = c.hash ORDER BY c.depth`,
    // A number, not text: SQLite orders every number before any text, so `depth <= '12'` never ends.
    [head, db.get<{ n: number }>('SELECT count(*) AS n FROM trace_blobs', [])?.n ?? 0],
  );
  for (const row of rows) {
    const node = row.hash;
    if (seen.has(node))
      throw new CoreError('CorruptDatabase', 'A stored request body is damaged: its list of items loops.');
    seen.add(node);
    if (row.absent) throw missing(node);
    const skip = row.skip ?? 0;
    if (row.data || !Number.isSafeInteger(skip) || (skip as number) < 0 || (!row.item && !skip))
      throw new CoreError('CorruptDatabase', `A stored list of request body parts (${node.slice(0, 12)}…) is damaged.`);
    chain.push({ skip: skip as number, item: row.item || null });
  }
  let list: string[] = [];
  for (const { skip, item } of chain.reverse()) {
    if (skip) list = list.slice(skip);
    if (item) list.push(item);
  }
  return list;
}

/** Rebuilds bodies from their stored form; items read once are kept for the other bodies of the same trace. */
export class BodyReader {
  private readonly items = new Map<string, string>();

  constructor(private readonly db: BlobReader) {}

  read(stored: StoredBody): string {
    if ('text' in stored) return stored.text;
    return joinBody(
      stored.parts,
      stored.lists.map((head) => this.list(head)),
    );
  }

  private list(head: string): string[] {
    const hashes = listHashes(this.db, head);
    // The items not read yet, a few hundred per query.
    const wanted = [...new Set(hashes.filter((h) => !this.items.has(h)))];
    for (let i = 0; i < wanted.length; i += ITEMS_PER_QUERY) {
      const batch = wanted.slice(i, i + ITEMS_PER_QUERY);
      const rows = this.db.all<{ hash: string; data: unknown }>(
        `SELECT lower(hex(hash)) AS hash, data FROM trace_blobs WHERE hash IN (${batch.map(() => 'unhex(?)').join(', ')})`,
        batch,
      );
      for (const row of rows) if (row.data instanceof Uint8Array) this.store(row.hash, row.data);
    }
    return hashes.map((h) => {
      const text = this.items.get(h);
      if (text === undefined) throw missing(h);
      return text;
    });
  }

  private store(hash: string, data: Uint8Array): void {
    const text = inflateText(data, 'part of a request body');
    if (sha256(text) !== hash)
      throw new CoreError('CorruptDatabase', `A stored part of a request body (${hash.slice(0, 12)}…) is damaged.`);
    this.items.set(hash, text);
  }
}

const missing = (hash: string) =>
  new CoreError('CorruptDatabase', `A stored part of a request body (${hash.slice(0, 12)}…) is missing.`);
