// "Dump Session State" / "Dump All Sessions": one versioned JSON document with everything needed to
// understand a session's state (rows, messages, revisions, provider state, stats, recent trace spans,
// environment), with secrets redacted by default. The CLI's `dump` and the extension share this code.
import * as path from 'node:path';
import { CoreError } from './errors';
import type { Message, MessageRevision, Session } from './model';
import type { SessionApi } from './sessions';
import { SCHEMA_VERSION, Stats } from './store/database';
import type { TraceEvent } from './trace';

export const DUMP_FORMAT_VERSION = 1;
export const DUMP_KIND = 'langswarm-sessions/state-dump';

export interface DumpEnvironment {
  extensionVersion: string;
  vscodeVersion?: string;
  schemaVersion: number;
  platform: string;
  arch: string;
  nodeVersion: string;
  database: { file: string; readOnly: boolean; warnings: readonly string[] };
}

export interface SessionDump {
  session: Session;
  stats: Stats;
  messages: Message[];
  /** Earlier contents of edited messages, by message id. */
  revisions: Record<string, MessageRevision[]>;
  /** The session's recent spans and events from the tracer's ring buffer, oldest first. */
  trace: TraceEvent[];
}

export interface DumpDocument {
  formatVersion: typeof DUMP_FORMAT_VERSION;
  kind: typeof DUMP_KIND;
  createdAt: string;
  scope: { sessionId: string } | { all: true };
  environment: DumpEnvironment;
  /** Whether secrets were replaced by `[REDACTED:kind]` markers, and how many of each kind. */
  redaction: { enabled: boolean; replaced: Record<string, number> };
  stats: Stats;
  sessions: SessionDump[];
}

/** A user-configured pattern: a regular expression source, optionally named (the marker's kind). */
export type RedactionPattern = string | { name?: string; pattern: string; flags?: string };

export interface DumpOptions {
  /** Redact secrets (default true). Off only for local use: the dump then holds whatever the data holds. */
  redact?: boolean;
  patterns?: readonly RedactionPattern[];
  extensionVersion?: string;
  vscodeVersion?: string;
  /** At most this many trace events per session (default 500). */
  traceLimit?: number;
  clock?: () => Date;
}

/** Builds the dump of one session, or of every session with `{ all: true }`. */
export async function dumpState(manager: SessionApi, scope: { sessionId: string } | { all: true }, options: DumpOptions = {}): Promise<DumpDocument> {
  const redactor = options.redact === false ? undefined : new Redactor(options.patterns ?? []);
  const ids = 'sessionId' in scope ? [(await manager.get(scope.sessionId)).id] : await listAllIds(manager);
  const sessions: SessionDump[] = [];
  for (const id of ids) {
    const messages = await manager.allMessages(id);
    const revisions: Record<string, MessageRevision[]> = {};
    for (const m of messages) if (m.revision > 0) revisions[m.id] = await manager.revisions(m.id);
    sessions.push({
      session: await manager.get(id),
      stats: await manager.stats(id),
      messages,
      revisions,
      trace: manager.tracer.recent({ sessionId: id, limit: options.traceLimit ?? 500 }),
    });
  }
  const document: DumpDocument = {
    formatVersion: DUMP_FORMAT_VERSION,
    kind: DUMP_KIND,
    createdAt: (options.clock?.() ?? new Date()).toISOString(),
    scope: 'sessionId' in scope ? { sessionId: scope.sessionId } : { all: true },
    environment: {
      extensionVersion: options.extensionVersion ?? 'unknown',
      ...(options.vscodeVersion ? { vscodeVersion: options.vscodeVersion } : {}),
      schemaVersion: SCHEMA_VERSION,
      platform: process.platform,
      arch: process.arch,
      nodeVersion: process.version,
      database: { file: path.basename(manager.path), readOnly: manager.readOnly, warnings: manager.warnings },
    },
    redaction: { enabled: redactor !== undefined, replaced: {} },
    stats: 'sessionId' in scope ? sessions[0]!.stats : await manager.stats(),
    sessions,
  };
  if (!redactor) return document;
  const redacted = redactor.value(document) as DumpDocument;
  redacted.redaction = { enabled: true, replaced: redactor.counts };
  return redacted;
}

async function listAllIds(manager: SessionApi): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await manager.list({ sortBy: 'createdAt', descending: false, offset, limit: 1000 });
    ids.push(...page.items.map((s) => s.id));
    if (ids.length >= page.total || page.items.length === 0) return ids;
  }
}

// ---- redaction --------------------------------------------------------------------------------

interface Rule { kind: string; re: RegExp }

/** Anthropic first: its keys also start with "sk-". */
const KEY_RULES: Rule[] = [
  { kind: 'anthropic-key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai-key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'google-key', re: /\bAIza[0-9A-Za-z_-]{35}/g },
];

const HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key'] as const;
/** `Authorization: Bearer …`, `"x-api-key": "…"`, `x-goog-api-key=…` inside text (logs, raw requests). */
const HEADER_IN_TEXT = new RegExp(
  `\\b(${HEADERS.join('|')})(["']?\\s*[:=]\\s*["']?)(?:((?:Bearer|Basic|Token)\\s+)|(?!(?:Bearer|Basic|Token)\\s))(?!\\[REDACTED:)[^\\s"',;}\\]]+`, 'gi');
/** Object keys whose whole value is a secret. */
const SECRET_KEY = new RegExp(`^(?:${HEADERS.join('|')}|api[-_]?key)$`, 'i');

const marker = (kind: string) => `[REDACTED:${kind}]`;

/** Replaces secrets in every string of a JSON value, counting replacements by kind. */
export class Redactor {
  readonly counts: Record<string, number> = {};
  private readonly rules: Rule[];

  constructor(patterns: readonly RedactionPattern[] = []) {
    this.rules = [...KEY_RULES, ...patterns.map(customRule)];
  }

  /** A redacted deep copy of `value` (plain JSON data). */
  value(value: unknown, key?: string): unknown {
    if (typeof value === 'string') {
      if (key !== undefined && SECRET_KEY.test(key) && value !== '' && !value.startsWith('[REDACTED:')) {
        return this.count(key.toLowerCase().replace(/_/g, '-'));
      }
      return this.text(value);
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.value(v, k);
      return out;
    }
    return value;
  }

  /** `text` with every secret replaced by a visible marker. */
  text(text: string): string {
    let out = text;
    for (const rule of this.rules) {
      out = out.replace(rule.re, () => this.count(rule.kind));
    }
    return out.replace(HEADER_IN_TEXT, (_m, name: string, sep: string, scheme: string | undefined) =>
      `${name}${sep}${scheme ?? ''}${this.count(name.toLowerCase())}`);
  }

  private count(kind: string): string {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    return marker(kind);
  }
}

function customRule(p: RedactionPattern): Rule {
  const { name, pattern, flags } = typeof p === 'string' ? { name: undefined, pattern: p, flags: undefined } : p;
  let re: RegExp;
  try {
    re = new RegExp(pattern, [...new Set(`${flags ?? ''}g`)].join(''));
  } catch (e) {
    throw new CoreError('InvalidInput', `The redaction pattern /${pattern}/ is not a valid regular expression: ${(e as Error).message}`);
  }
  if (new RegExp(re.source, re.flags.replace('g', '')).test('')) {
    throw new CoreError('InvalidInput', `The redaction pattern /${pattern}/ matches empty text; it would mark every position.`);
  }
  const kind = name?.trim().replace(/[^\w.-]+/g, '-') || 'custom';
  return { kind, re };
}
