// How a message's parts read as text, in one place for every caller (CLI, tree, hovers, the history
// view's copy button). Free of zod and of any value import, so the webview bundle can use it.
import type { ModelParameters, Part } from './model';

/**
 * - `text`: the words only (text and refusal parts, one per line): what is edited, compared, replayed.
 * - `copy`: everything a reader sees, as plain text for the clipboard: words, reasoning, tool calls as
 *   `name(arguments)`, tool results as their content; a blank line between parts.
 * - `detail`: words, tool calls as `name(arguments)`, tool results as `name → content`; a blank line
 *   between parts (a hover).
 * - `label`: one line for a label: the words, else the first tool call or result as in `detail`, else
 *   what the message holds ("(reasoning only)", "(attachment)", "(empty)"). Not shortened.
 * - `transcript`: the words, then each tool call as `[call name(arguments)]` and each result as
 *   `[result name: content]`, separated by spaces (the CLI's `show`).
 * - `calls`: only the tool calls, one a line, as `[call name(arguments) id=callId]`: what a reply asks
 *   the caller to run, with the id its result must answer (the CLI's `send`).
 */
export type PartsTextStyle = 'text' | 'copy' | 'detail' | 'label' | 'transcript' | 'calls';

export function partsText(parts: readonly Part[], style: PartsTextStyle): string {
  switch (style) {
    case 'text':
      return words(parts).join('\n');
    case 'copy':
      return pieces(parts, (p) => {
        switch (p.type) {
          case 'text':
          case 'refusal':
            return p.text;
          case 'tool_call':
            return callText(p);
          case 'tool_result':
            return p.content;
          case 'reasoning':
            return p.text ?? (p.summary ?? []).join('\n');
          default:
            return '';
        }
      }).join('\n\n');
    case 'detail':
      return pieces(parts, (p) => (p.type === 'text' || p.type === 'refusal' ? p.text : toolText(p))).join('\n\n');
    case 'label':
      return label(parts).replace(/\s+/g, ' ').trim();
    case 'transcript':
      return [
        words(parts).join('\n'),
        ...pieces(parts, (p) => {
          if (p.type === 'tool_call') return `[call ${callText(p)}]`;
          return p.type === 'tool_result' ? `[result ${p.name}: ${p.content}]` : '';
        }),
      ]
        .filter(Boolean)
        .join(' ');
    case 'calls':
      return pieces(parts, (p) => (p.type === 'tool_call' ? `[call ${callText(p)} id=${p.callId}]` : '')).join('\n');
  }
}

type Of<T extends Part['type']> = Extract<Part, { type: T }>;

const words = (parts: readonly Part[]): string[] =>
  parts.flatMap((p) => (p.type === 'text' || p.type === 'refusal' ? [p.text] : []));

/** Each part's text by `show`, empty ones left out. */
const pieces = (parts: readonly Part[], show: (p: Part) => string): string[] => parts.map(show).filter(Boolean);

const callText = (p: Of<'tool_call'>): string => `${p.name}(${p.argumentsJson})`;

/** A tool call or result as `detail` and `label` show it; '' for other parts. */
function toolText(p: Part): string {
  if (p.type === 'tool_call') return callText(p);
  return p.type === 'tool_result' ? `${p.name} → ${p.content}` : '';
}

function label(parts: readonly Part[]): string {
  const text = words(parts).join(' ');
  if (text.trim()) return text;
  const tool = parts.find((p) => p.type === 'tool_call') ?? parts.find((p) => p.type === 'tool_result');
  if (tool) return toolText(tool);
  if (parts.some((p) => p.type === 'reasoning')) return '(reasoning only)';
  if (parts.some((p) => p.type === 'image' || p.type === 'file')) return '(attachment)';
  return '(empty)';
}

/** A title derived from a session's first user words is at most this long (a tree row, a tab, a list line). */
export const DERIVED_TITLE_LENGTH = 80;
/** The suffix the importer adds to a session whose source id another source already used. */
const CONFLICT_SUFFIX = ' (conflict)';

/**
 * What a session is called wherever it is listed. Its stored title, unless it has none or the title is only the
 * source's raw id (LangSwarm sessions have no title; the importer keeps their id as one, so the data stays as it
 * was): then the first line of its first user words (`opening`, which the store reads), shortened, else the
 * stored title, else "Untitled session". The original id stays in `originalId` for secondary text and search.
 */
export function displayTitle(s: { title: string; originalId?: string; opening?: string }): string {
  const title = s.title.trim();
  const id = s.originalId?.trim();
  const conflict = id !== undefined && id !== '' && title === `${id}${CONFLICT_SUFFIX}`;
  const untitled = title === '' || (id !== undefined && title === id) || conflict;
  if (!untitled) return s.title;
  const line = s.opening
    ?.split(/\r\n|[\n\r\u2028\u2029]/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .find(Boolean);
  if (!line) return title || 'Untitled session';
  const chars = Array.from(line);
  const short = chars.length > DERIVED_TITLE_LENGTH ? `${chars.slice(0, DERIVED_TITLE_LENGTH - 1).join('')}…` : line;
  return conflict ? `${short}${CONFLICT_SUFFIX}` : short;
}

/** A session's token total, or undefined when it is unknown (no message reports usage): never shown as 0. */
export function knownTokens(s: { totalTokens: number; tokensKnown?: boolean }): number | undefined {
  return s.tokensKnown === false ? undefined : s.totalTokens;
}

/** "LangSwarm status: expired (shown as completed)" when an import mapped its source's status word onto ours. */
export function sourceStatusNote(s: { status: string; sourceStatus?: string }): string | undefined {
  const raw = s.sourceStatus?.trim();
  if (!raw || raw.toLowerCase() === s.status) return undefined;
  return `LangSwarm status: ${raw} (shown as ${s.status})`;
}

/**
 * A session's model parameters in a few words, for a toolbar or a listing: "effort high · temp 0.2 · max 2000
 * tokens · 2 tools". Empty when none are set.
 */
export function parametersSummary(p: ModelParameters | undefined): string {
  if (!p) return '';
  const r = p.reasoning;
  const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return [
    r && `effort ${r.effort}${r.summary ? ` (summary ${r.summary})` : ''}`,
    r?.budgetTokens !== undefined && `thinking ${r.budgetTokens} tokens`,
    p.temperature !== undefined && `temp ${p.temperature}`,
    p.maxOutputTokens !== undefined && `max ${p.maxOutputTokens} tokens`,
    p.safetySettings?.length && count(p.safetySettings.length, 'safety setting'),
    p.tools?.length && count(p.tools.length, 'tool'),
  ]
    .filter(Boolean)
    .join(' · ');
}
