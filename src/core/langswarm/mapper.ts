// What every LangSwarm format shares when mapping one session: text cleaning, timestamps with a
// fallback, statuses, OpenAI-shaped tool calls and the tool results that answer them, and the
// warnings about all of it.
import { MAX_TITLE_LENGTH, Part, Session, SessionStatus, searchableText } from '../model';
import { Replacements, cleanText, describe, isObject, mapRole, mapStatus } from './normalise';
import type { MappedMessage } from './source';
import { parseSourceTime } from './time';

type ToolCallPart = Extract<Part, { type: 'tool_call' }>;
type ToolResultPart = Extract<Part, { type: 'tool_result' }>;

export class SessionMapper {
  readonly warnings: string[] = [];
  private readonly replaced: Replacements = { loneSurrogates: 0, nul: 0 };
  /** Where characters of each kind were replaced: message indexes, -1 for the session's own fields. */
  private readonly replacedIn: Record<keyof Replacements, Set<number>> = { loneSurrogates: new Set(), nul: new Set() };
  /** Calls made so far, by call id, with their tool names (a result names its call's tool). */
  private readonly calls = new Map<string, string>();
  private readonly answered = new Set<string>();
  private readonly seenIds = new Map<string, number>();
  private lastTime: string;

  constructor(
    readonly naiveUtc: boolean,
    fallbackTime: unknown,
  ) {
    this.lastTime = parseSourceTime(fallbackTime, naiveUtc)?.iso ?? new Date().toISOString();
  }

  /** A message's role as the core's; an unknown one is shown as the closest and reported. */
  role(value: unknown, index: number): ReturnType<typeof mapRole> {
    const role = mapRole(value);
    if (!role.known)
      this.warnings.push(
        `message ${index + 1}: unknown role ${describe(value)}; shown as ${role.role} (the original is kept).`,
      );
    return role;
  }

  /** Source text made storable; what was replaced is counted per message (or the session) for the report. */
  text(s: string, index = -1): string {
    if (s.isWellFormed() && !s.includes('\0')) return s; // nearly always: no allocation
    const before = { ...this.replaced };
    const out = cleanText(s, this.replaced);
    for (const kind of ['loneSurrogates', 'nul'] as const)
      if (this.replaced[kind] !== before[kind]) this.replacedIn[kind].add(index);
    return out;
  }

  /** A message time; an unreadable one takes the previous message's time, and is reported. */
  time(raw: unknown, index: number): string {
    const t = parseSourceTime(raw, this.naiveUtc);
    if (!t) {
      this.warnings.push(
        `message ${index + 1}: timestamp ${describe(raw)} is not a date; used the previous message's time (the original is kept).`,
      );
      return this.lastTime;
    }
    this.lastTime = t.iso;
    return t.iso;
  }

  /** Reports a source message id seen before in this session (both messages are kept). */
  noteId(id: unknown, index: number): void {
    if (typeof id !== 'string' && typeof id !== 'number') {
      this.warnings.push(`message ${index + 1}: has no id.`);
      return;
    }
    const key = String(id);
    const first = this.seenIds.get(key);
    if (first === undefined) this.seenIds.set(key, index);
    else
      this.warnings.push(`message ${index + 1}: id "${key}" was already used by message ${first + 1}; both are kept.`);
  }

  /** OpenAI-shaped tool calls ({id, type, function: {name, arguments}}) as tool_call parts. */
  toolCalls(raw: unknown, index: number): ToolCallPart[] {
    if (raw === null || raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.warnings.push(`message ${index + 1}: tool_calls is not a list; kept as it was.`);
      return [];
    }
    return raw.flatMap((call, k) => {
      const fn = isObject(call) && isObject(call['function']) ? call['function'] : undefined;
      if (!isObject(call) || !fn) {
        this.warnings.push(`message ${index + 1}: tool call ${k + 1} is not in OpenAI's shape; kept as it was.`);
        return [];
      }
      const callId = typeof call['id'] === 'string' && call['id'] ? call['id'] : `call_${index + 1}_${k + 1}`;
      return [this.call(callId, fn['name'], fn['arguments'], index)];
    });
  }

  /** A legacy OpenAI `function_call` ({name, arguments}, no id) as a tool_call part with a made-up id. */
  functionCall(raw: unknown, index: number): ToolCallPart | undefined {
    if (!isObject(raw)) return undefined;
    return this.call(`function_call_${index + 1}`, raw['name'], raw['arguments'], index);
  }

  private call(callId: string, name: unknown, args: unknown, index: number): ToolCallPart {
    const toolName = this.text(typeof name === 'string' ? name : '', index);
    this.calls.set(callId, toolName);
    this.answered.delete(callId);
    // Arguments stay the JSON text the provider sent; an object (some providers) is written as JSON.
    const argumentsJson =
      typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args);
    return { type: 'tool_call', callId, name: toolName, argumentsJson: this.text(argumentsJson, index) };
  }

  /**
   * A tool result linked to its call: by call id, else (legacy `function` role, or a missing id) to
   * the latest unanswered call of the same tool, else to the only unanswered call.
   */
  toolResult(callIdRaw: unknown, nameRaw: unknown, content: string, index: number): ToolResultPart {
    const name = typeof nameRaw === 'string' ? this.text(nameRaw, index) : undefined;
    let callId = typeof callIdRaw === 'string' && callIdRaw ? callIdRaw : undefined;
    if (callId === undefined) {
      const open = [...this.calls].filter(([id]) => !this.answered.has(id));
      const match =
        open.filter(([, n]) => name === undefined || n === name).at(-1) ?? (open.length === 1 ? open[0] : undefined);
      callId = match?.[0];
    }
    if (callId === undefined) {
      this.warnings.push(`message ${index + 1}: tool result does not name its call and none matches; left unlinked.`);
      callId = '';
    } else if (!this.calls.has(callId)) {
      this.warnings.push(`message ${index + 1}: tool result answers call "${callId}", which no earlier message made.`);
    }
    this.answered.add(callId);
    return { type: 'tool_result', callId, name: name ?? this.calls.get(callId) ?? '', content };
  }

  /** The status to show; an unknown one is reported. */
  status(raw: unknown): SessionStatus {
    const { status, known } = mapStatus(raw);
    if (!known) this.warnings.push(`unknown status ${describe(raw)}; shown as ${status} (the original is kept).`);
    return status;
  }

  /** Session times from the source's own, else from its messages' (and as a last resort, now). */
  times(
    raw: { created: unknown; updated: unknown; lastActivity?: unknown },
    messages: readonly MappedMessage[],
  ): Pick<Session, 'createdAt' | 'updatedAt' | 'lastActivityAt'> {
    const read = (v: unknown) => parseSourceTime(v, this.naiveUtc)?.iso;
    const lastTime = messages.at(-1)?.message.createdAt;
    const createdAt =
      read(raw.created) ?? messages[0]?.message.createdAt ?? read(raw.updated) ?? new Date().toISOString();
    if (raw.created !== undefined && read(raw.created) === undefined)
      this.warnings.push(`created_at ${describe(raw.created)} is not a date; used ${createdAt}.`);
    const updatedAt = read(raw.updated) ?? lastTime ?? createdAt;
    return { createdAt, updatedAt, lastActivityAt: read(raw.lastActivity) ?? lastTime ?? updatedAt };
  }

  /** The warnings, with one line for every kind of replaced character. */
  finish(): string[] {
    const names = { loneSurrogates: 'lone surrogate(s)', nul: 'NUL character(s)' };
    for (const kind of ['loneSurrogates', 'nul'] as const) {
      if (!this.replaced[kind]) continue;
      const places = [...this.replacedIn[kind]].sort((a, b) => a - b);
      const where =
        places
          .slice(0, 5)
          .map((i) => (i < 0 ? 'the session fields' : `message ${i + 1}`))
          .join(', ') + (places.length > 5 ? ', …' : '');
      this.warnings.push(
        `${this.replaced[kind]} ${names[kind]} replaced by U+FFFD in ${where}; the original text is kept for export.`,
      );
    }
    return this.warnings;
  }
}

/**
 * LangSwarm files name the provider and model per session, not per message: each reply was that model's, so
 * the assistant messages say so (shown with each reply, as for replies this product made). Left out when
 * the file names no model.
 */
export function attachModel(messages: readonly MappedMessage[], provider: string, model: string): void {
  if (model === 'unknown') return;
  for (const { message } of messages) if (message.role === 'assistant') message.provider = { name: provider, model };
}

/** LangSwarm sessions have no title: their id is what LangSwarm showed, else the first user words. */
export function sessionTitle(originalId: string, messages: readonly MappedMessage[]): string {
  if (originalId.trim()) return originalId.slice(0, MAX_TITLE_LENGTH);
  const firstUser = messages
    .find((m) => m.message.role === 'user')
    ?.search.split('\n')[0]
    ?.trim();
  return firstUser ? firstUser.slice(0, 80) : 'Imported session';
}

type Imported = MappedMessage['message'];

/**
 * A message as every format stores it: complete and unrevised, the source's raw timestamp kept when it is
 * text, its provider message id as providerIds.responseId, indexed by the text of its parts.
 */
export function mappedMessage(
  m: Pick<Imported, 'role' | 'parts' | 'createdAt' | 'metadata' | 'usage' | 'stopReason' | 'origin'> & {
    createdAtRaw?: unknown;
    providerMessageId?: unknown;
  },
  fp: string,
): MappedMessage {
  return {
    message: {
      role: m.role,
      parts: m.parts,
      createdAt: m.createdAt,
      ...(typeof m.createdAtRaw === 'string' ? { createdAtRaw: m.createdAtRaw } : {}),
      state: 'complete',
      metadata: m.metadata,
      revision: 0,
      ...(m.usage ? { usage: m.usage } : {}),
      ...(typeof m.providerMessageId === 'string' && m.providerMessageId
        ? { providerIds: { responseId: m.providerMessageId } }
        : {}),
      ...(m.stopReason ? { stopReason: m.stopReason } : {}),
      origin: m.origin,
    },
    search: searchableText(m.parts),
    fp,
  };
}
