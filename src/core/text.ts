// How a message's parts read as text, in one place for every caller (CLI, tree, hovers, the history
// view's copy button). Free of zod and of any value import, so the webview bundle can use it.
import type { Part } from './model';

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
