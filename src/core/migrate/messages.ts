// What every LangSwarm format shares when mapping one session's messages: text cleaning, timestamps
// with a fallback, OpenAI-shaped tool calls and the tool results that answer them, and warnings.
import type { Part } from '../model';
import { Replacements, cleanText, describe, isObject } from './normalise';
import { parseSourceTime } from './time';

type ToolCallPart = Extract<Part, { type: 'tool_call' }>;
type ToolResultPart = Extract<Part, { type: 'tool_result' }>;

export class MessageMapper {
  readonly warnings: string[] = [];
  private readonly replaced: Replacements = { loneSurrogates: 0, nul: 0 };
  private readonly replacedIn = new Set<number>();
  /** Calls made so far, by call id, with their tool names (a result names its call's tool). */
  private readonly calls = new Map<string, string>();
  private readonly answered = new Set<string>();
  private readonly seenIds = new Map<string, number>();
  private lastTime: string;

  constructor(private readonly naiveUtc: boolean, fallbackTime: string) {
    this.lastTime = fallbackTime;
  }

  /** Source text made storable; what was replaced is counted per message for the report. */
  text(s: string, index: number): string {
    const before = this.replaced.loneSurrogates + this.replaced.nul;
    const out = cleanText(s, this.replaced);
    if (this.replaced.loneSurrogates + this.replaced.nul !== before) this.replacedIn.add(index);
    return out;
  }

  /** A message time; an unreadable one takes the previous message's time, and is reported. */
  time(raw: unknown, index: number): { createdAt: string; naive: boolean } {
    const t = parseSourceTime(raw, this.naiveUtc);
    if (!t) {
      this.warnings.push(`message ${index + 1}: timestamp ${describe(raw)} is not a date; used the previous message's time (the original is kept).`);
      return { createdAt: this.lastTime, naive: false };
    }
    this.lastTime = t.iso;
    return { createdAt: t.iso, naive: t.naive };
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
    else this.warnings.push(`message ${index + 1}: id "${key}" was already used by message ${first + 1}; both are kept.`);
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
    const argumentsJson = typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args);
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
      const match = open.filter(([, n]) => name === undefined || n === name).at(-1) ?? (open.length === 1 ? open[0] : undefined);
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

  /** The warnings, with one line for every kind of replaced character. */
  finish(): string[] {
    const where = [...this.replacedIn].slice(0, 5).map((i) => i + 1).join(', ') + (this.replacedIn.size > 5 ? ', …' : '');
    if (this.replaced.loneSurrogates) {
      this.warnings.push(`${this.replaced.loneSurrogates} lone surrogate(s) replaced by U+FFFD in message(s) ${where}; the original text is kept for export.`);
    }
    if (this.replaced.nul) {
      this.warnings.push(`${this.replaced.nul} NUL character(s) replaced by U+FFFD in message(s) ${where}; the original text is kept for export.`);
    }
    return this.warnings;
  }
}
