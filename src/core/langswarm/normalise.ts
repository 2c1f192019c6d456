// Mapping LangSwarm's free-form values onto the core model's enums, both ways, and making source text
// safe to store. Import and export both use these, so an unchanged value always maps back to its raw form.
import { hash } from 'node:crypto';
import { MAX_PROVIDER_NAME_LENGTH, MAX_TAG_LENGTH, Role, SessionStatus } from '../model';
import { formatFamily } from './source';

const PROVIDERS: Record<string, string> = {
  openai: 'openai',
  gpt: 'openai',
  chatgpt: 'openai',
  'azure-openai': 'openai',
  azure_openai: 'openai',
  anthropic: 'anthropic',
  claude: 'anthropic',
  gemini: 'gemini',
  google: 'gemini',
  'google-genai': 'gemini',
  vertex: 'gemini',
  vertexai: 'gemini',
  mistral: 'mistral',
  mistralai: 'mistral',
  cohere: 'cohere',
};

/** A provider name for display and filtering (`gpt`, `OpenAI` → openai; `claude` → anthropic). */
export function normaliseProvider(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  return PROVIDERS[name] ?? (name.slice(0, MAX_PROVIDER_NAME_LENGTH) || 'unknown');
}

/** LangSwarm statuses (V1: active|inactive|archived|expired; the V2 memory store adds its own). */
const STATUSES: Record<string, SessionStatus> = {
  active: 'active',
  inactive: 'paused',
  paused: 'paused',
  archived: 'archived',
  expired: 'completed',
  completed: 'completed',
  closed: 'completed',
  error: 'error',
  failed: 'error',
};

/** The status to show; unknown values become paused (kept, not hidden) and are reported. */
export function mapStatus(raw: unknown): { status: SessionStatus; known: boolean } {
  const status = typeof raw === 'string' ? STATUSES[raw.trim().toLowerCase()] : undefined;
  return { status: status ?? 'paused', known: status !== undefined };
}

/** A stored origin's format family and source fields (empty when the origin is not the shape import wrote). */
function originParts(origin: unknown): { family: string; fields: Record<string, unknown> } {
  if (!isObject(origin) || typeof origin['format'] !== 'string') return { family: '', fields: {} };
  return { family: formatFamily(origin['format']), fields: isObject(origin['fields']) ? origin['fields'] : {} };
}

/**
 * The status word an imported session's source used, where its format keeps one: V1's metadata.status, the V2
 * memory store's status column (the V2 session store keeps none). Shown beside ours, which maps it.
 */
export function sourceStatusOf(origin: unknown): string | undefined {
  const { family, fields } = originParts(origin);
  const holder =
    family === 'langswarm-v1' ? fields['metadata'] : family === 'langswarm-v2-memory' ? fields['row'] : undefined;
  const status = isObject(holder) ? holder['status'] : undefined;
  return typeof status === 'string' ? status : undefined;
}

/**
 * The summary LangSwarm kept of a session (its summarisation of older messages): V1's history.summary, the V2 memory
 * store's latest row of its summaries table. Undefined when there is none.
 */
export function sourceSummaryOf(origin: unknown): string | undefined {
  const { family, fields } = originParts(origin);
  let summary: unknown;
  if (family === 'langswarm-v1') {
    const history = fields['history'];
    summary = isObject(history) ? history['summary'] : undefined;
  } else if (family === 'langswarm-v2-memory') {
    const rows = Object.values(fields).find(
      (v): v is unknown[] => Array.isArray(v) && v.some((r) => isObject(r) && 'summary_id' in r),
    );
    const last = rows?.filter(isObject).at(-1);
    summary = last?.['summary'];
  }
  return typeof summary === 'string' && summary.trim() ? summary : undefined;
}

const V1_STATUSES: Record<SessionStatus, string> = {
  active: 'active',
  paused: 'inactive',
  completed: 'expired',
  archived: 'archived',
  error: 'inactive',
};

export function v1Status(status: SessionStatus): string {
  return V1_STATUSES[status];
}

export type RoleMapping = { readonly role: Role; readonly known: boolean; readonly toolResult: boolean };

const ROLES: Record<string, RoleMapping> = {
  system: { role: 'system', known: true, toolResult: false },
  developer: { role: 'developer', known: true, toolResult: false },
  user: { role: 'user', known: true, toolResult: false },
  assistant: { role: 'assistant', known: true, toolResult: false },
  tool: { role: 'tool', known: true, toolResult: true },
  // OpenAI's legacy function-calling role: its content is a tool result.
  function: { role: 'tool', known: true, toolResult: true },
};
const UNKNOWN_ROLE: RoleMapping = { role: 'user', known: false, toolResult: false };

/** The model role for a LangSwarm role; an unknown one becomes `user` and is reported. */
export function mapRole(raw: unknown): RoleMapping {
  return (typeof raw === 'string' && Object.hasOwn(ROLES, raw) ? ROLES[raw] : undefined) ?? UNKNOWN_ROLE;
}

/** The V1 role for a model role (V1 has no developer role). */
export function v1Role(role: Role): string {
  return role === 'developer' ? 'system' : role;
}

const STOP_REASONS: Record<string, 'end_turn' | 'tool_use' | 'max_tokens' | 'content_filter'> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  length: 'max_tokens',
  content_filter: 'content_filter',
};

export function mapFinishReason(raw: unknown): 'end_turn' | 'tool_use' | 'max_tokens' | 'content_filter' | undefined {
  return typeof raw === 'string' ? STOP_REASONS[raw] : undefined;
}

/** What cleanText replaced, for the report. */
export interface Replacements {
  loneSurrogates: number;
  nul: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as the store can hold it: lone surrogates (not representable in UTF-8) and NUL (which cuts
 * SQLite's full-text index short) become U+FFFD. Everything else, ANSI escapes included, is kept.
 */
export function cleanText(s: string, counts: Replacements): string {
  if (s.isWellFormed() && !s.includes('\0')) return s;
  counts.loneSurrogates += s.match(LONE_SURROGATE)?.length ?? 0;
  counts.nul += s.split('\0').length - 1;
  return s.toWellFormed().replaceAll('\0', '\uFFFD');
}

/** A short content hash (64 bits, base64url) for recognising what was imported before. */
export function fingerprint(text: string): string {
  return hash('sha1', text, 'base64url').slice(0, 11);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  const text = v === undefined ? 'missing' : (JSON.stringify(v) ?? String(v));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Tags the model can show (text, 1 to MAX_TAG_LENGTH characters, no duplicates); the others are reported and stay in the original. */
export function usableTags(raw: unknown, warnings: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    warnings.push(`tags is ${describe(raw)}, not a list; not shown as tags (the original is kept).`);
    return [];
  }
  const tags = new Set<string>();
  for (const t of raw) {
    const tag = typeof t === 'string' ? t.toWellFormed().replaceAll('\0', '\uFFFD').trim() : '';
    if (tag && tag.length <= MAX_TAG_LENGTH) tags.add(tag);
    else warnings.push(`tag ${describe(t)} cannot be used as a tag; it is kept in the original only.`);
  }
  return [...tags];
}
