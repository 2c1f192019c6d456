// The single source of truth for the shapes the core stores and returns.
// Every boundary (CLI input, imports, webview messages, provider replies) parses with these.
import { z } from 'zod';
import {
  KNOWN_PROVIDERS,
  MAX_OUTPUT_TOKENS_LIMIT,
  MAX_TEMPERATURE,
  MESSAGE_STATES,
  REASONING_EFFORTS,
  REASONING_SUMMARIES,
  ROLES,
  SESSION_STATUSES,
} from './names';
import { toolSchemaProblem } from './json-schema';
import { partsText } from './text';

export { KNOWN_PROVIDERS, MESSAGE_STATES, REASONING_EFFORTS, REASONING_SUMMARIES, ROLES, SESSION_STATUSES };

/** Strings reach SQLite as UTF-8: a lone surrogate would turn into garbage there, so make them well formed here. */
const text = z.string().transform((s) => s.toWellFormed());
const jsonObject = z.record(z.string(), z.unknown());
const timestamp = z.iso.datetime({ offset: true });

export const SessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const MessageState = z.enum(MESSAGE_STATES);
export type MessageState = z.infer<typeof MessageState>;

export const StopReason = z.enum([
  'end_turn',
  'tool_use',
  'max_tokens',
  'stop_sequence',
  'refusal',
  'pause',
  'context_exceeded',
  'content_filter',
  'cancelled',
  'error',
  'other',
]);
export type StopReason = z.infer<typeof StopReason>;

export const MAX_PROVIDER_NAME_LENGTH = 100;
/** The provider a session names: any name (imported data), not only the KNOWN_PROVIDERS the core can call. */
export const AnyProviderName = z.string().trim().min(1).max(MAX_PROVIDER_NAME_LENGTH);

const mediaSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('base64'), data: z.string() }),
  z.object({ kind: z.literal('url'), url: z.string() }),
  z.object({ kind: z.literal('file'), fileId: z.string() }),
]);

export const TextPart = z.object({ type: z.literal('text'), text, annotations: z.array(z.unknown()).optional() });
export const ToolCallPart = z.object({
  type: z.literal('tool_call'),
  callId: z.string(),
  name: text,
  /** Raw JSON text as the provider sent it; it may be partial or invalid. */
  argumentsJson: text,
  providerIds: z.record(z.string(), z.string()).optional(),
  /** Gemini part-level signature, resent unchanged. */
  thoughtSignature: z.string().optional(),
});
export const ToolResultPart = z.object({
  type: z.literal('tool_result'),
  callId: z.string(),
  name: text,
  content: text,
  isError: z.boolean().optional(),
});
export const ReasoningPart = z.object({
  type: z.literal('reasoning'),
  text: text.optional(),
  summary: z.array(text).optional(),
  redacted: z.boolean().optional(),
  /** Provider-only payloads (signatures, encrypted content) needed for lossless replay. */
  opaque: z
    .object({
      provider: z.string(),
      signature: z.string().optional(),
      encryptedContent: z.string().optional(),
      redactedData: z.string().optional(),
      itemId: z.string().optional(),
    })
    .optional(),
});
export const ImagePart = z.object({ type: z.literal('image'), mediaType: z.string().optional(), source: mediaSource });
export const FilePart = z.object({
  type: z.literal('file'),
  mediaType: z.string().optional(),
  name: text.optional(),
  source: mediaSource,
});
export const RefusalPart = z.object({ type: z.literal('refusal'), text });
export const ProviderItemPart = z.object({ type: z.literal('provider_item'), provider: z.string(), item: z.unknown() });

export const Part = z.discriminatedUnion('type', [
  TextPart,
  ToolCallPart,
  ToolResultPart,
  ReasoningPart,
  ImagePart,
  FilePart,
  RefusalPart,
  ProviderItemPart,
]);
export type Part = z.infer<typeof Part>;

const tokens = z.number().int().nonnegative();
export const Usage = z.object({
  inputTokens: tokens,
  cachedInputTokens: tokens.optional(),
  cacheWriteTokens: tokens.optional(),
  outputTokens: tokens,
  reasoningTokens: tokens.optional(),
  totalTokens: tokens,
  /** The provider's usage object verbatim. */
  raw: z.unknown().optional(),
});
export type Usage = z.infer<typeof Usage>;

export const Message = z.object({
  id: z.string(),
  sessionId: z.string(),
  /** Order within the session; gaps are allowed (deleted messages). */
  seq: z.number().int(),
  role: Role,
  parts: z.array(Part),
  createdAt: timestamp,
  /** An imported timestamp exactly as the source spelled it. */
  createdAtRaw: z.string().optional(),
  state: MessageState,
  usage: Usage.optional(),
  stopReason: StopReason.optional(),
  /** Which provider/model produced it, with the provider's own ids (response, item, message ids). */
  provider: z.object({ name: z.string(), model: z.string().optional() }).optional(),
  providerIds: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  metadata: jsonObject,
  /** The exact provider JSON per provider name, for verbatim same-provider replay. */
  native: jsonObject.optional(),
  /** For imported messages: source ids and every source field without a column of its own. */
  origin: jsonObject.optional(),
  /** 0 for an unedited message; each edit keeps the previous parts as a revision. */
  revision: z.number().int().nonnegative(),
  editedAt: timestamp.optional(),
});
export type Message = z.infer<typeof Message>;

export const MessageRevision = z.object({
  messageId: z.string(),
  revision: z.number().int().nonnegative(),
  parts: z.array(Part),
  /** When this revision was replaced. */
  replacedAt: timestamp,
});
export type MessageRevision = z.infer<typeof MessageRevision>;

/** One line per message: enough to lay out, filter and step through a long session without its content. */
export interface MessageOutline {
  id: string;
  seq: number;
  role: Role;
  createdAt: string;
  state: MessageState;
}

/** Server-side continuation handles; the local history stays the source of truth. */
export const ProviderState = z
  .object({
    openai: z
      .object({
        conversationId: z.string().optional(),
        lastResponseId: z.string().optional(),
        store: z.boolean().optional(),
        expiresAt: timestamp.optional(),
        /** The last local message the conversation holds, and a digest of ids/revisions up to it (to notice local edits). */
        syncedThrough: z.string().optional(),
        syncedDigest: z.string().optional(),
      })
      .optional(),
    anthropic: z.object({ threadLastMessageId: z.string().optional(), expiresAt: timestamp.optional() }).optional(),
    gemini: z
      .object({
        lastInteractionId: z.string().optional(),
        expiresAt: timestamp.optional(),
      })
      .optional(),
  })
  .catchall(z.unknown());
export type ProviderState = z.infer<typeof ProviderState>;

/** Letters, digits, _ and -, starting with a letter or _, at most 64: what OpenAI, Anthropic and Gemini all accept. */
export const TOOL_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** A function the model may call; `parameters` is a JSON Schema object (checked: json-schema.ts). */
export const ToolDefinition = z.strictObject({
  name: z
    .string({ error: "expected the tool's name" })
    .regex(TOOL_NAME, 'a tool name is 1–64 letters, digits, _ or -, starting with a letter or _'),
  description: z.string().max(10_000).optional(),
  parameters: jsonObject.default({ type: 'object', properties: {} }).superRefine((schema, ctx) => {
    const problem = toolSchemaProblem(schema, 'parameters');
    if (problem) ctx.addIssue({ code: 'custom', message: `not a usable JSON Schema: ${problem}` });
  }),
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/**
 * How a session asks its model to answer (provider-neutral; each provider maps it, providers/parameters.ts, and
 * warns about what it cannot send). Stored with the session (SessionManager.setParameters); every turn, replay
 * included, sends them.
 */
export const ModelParameters = z.strictObject({
  temperature: z.number().min(0).max(MAX_TEMPERATURE).optional(),
  maxOutputTokens: z.number().int().positive().max(MAX_OUTPUT_TOKENS_LIMIT).optional(),
  reasoning: z
    .strictObject({
      effort: z.enum(REASONING_EFFORTS),
      /** OpenAI's reasoning summaries; Gemini returns its thoughts when set. */
      summary: z.enum(REASONING_SUMMARIES).optional(),
      /** Thinking tokens for Anthropic and Gemini (default: from the effort). */
      budgetTokens: z.number().int().min(0).max(1_000_000).optional(),
    })
    .optional(),
  /** Gemini's safety settings, as its API spells them. */
  safetySettings: z
    .array(z.strictObject({ category: z.string().min(1).max(100), threshold: z.string().min(1).max(100) }))
    .max(50)
    .optional(),
  tools: z
    .array(ToolDefinition)
    .max(128)
    .refine((tools) => new Set(tools.map((t) => t.name)).size === tools.length, 'two tools have the same name')
    .optional(),
});
export type ModelParameters = z.infer<typeof ModelParameters>;

export const SessionOrigin = z
  .object({
    /** e.g. `langswarm-v1-sqlite`, `langswarm-v1-json`, `langswarm-v2-session`, `langswarm-v2-memory`. */
    format: z.string(),
    file: z.string(),
    /** The id the source used (may be unsafe for files and URLs). */
    originalId: z.string(),
    /** Every source field the model has no column for, verbatim. */
    fields: jsonObject,
  })
  .catchall(z.unknown());
export type SessionOrigin = z.infer<typeof SessionOrigin>;

export const Session = z.object({
  id: z.string(),
  title: text,
  userId: text,
  provider: AnyProviderName,
  model: text,
  status: SessionStatus,
  systemPrompt: text.optional(),
  tags: z.array(text),
  metadata: jsonObject,
  providerState: ProviderState,
  /** How the model is asked to answer: sent with every turn. */
  parameters: ModelParameters.optional(),
  /** Set instead of `parameters` when the stored ones cannot be used (a damaged or foreign file): why, as a sentence. */
  parametersProblem: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  lastActivityAt: timestamp,
  parent: z.object({ sessionId: z.string(), messageId: z.string() }).optional(),
  origin: SessionOrigin.optional(),
  /** Derived, kept current by the store. */
  messageCount: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  // Derived by the store when it reads a session (never written): see text.ts's displayTitle.
  /** For an imported session, the id its source used (origin.originalId), so listings can show and find it. */
  originalId: z.string().optional(),
  /** The start of the first user message with words: what a session without a real title is called. */
  opening: z.string().optional(),
  /** False when messages exist but none reports token usage: totalTokens is then unknown, not 0 (sessions read whole). */
  tokensKnown: z.boolean().optional(),
  /** For an imported session, the status word its source used (e.g. LangSwarm's "expired", shown as completed). */
  sourceStatus: z.string().optional(),
  /** For an imported session, the summary its source kept (LangSwarm V1's history.summary). */
  sourceSummary: z.string().optional(),
});
export type Session = z.infer<typeof Session>;

/** What listings return: a session without its heavy JSON fields (fetch the session for those). */
export const SessionSummary = Session.omit({
  metadata: true,
  providerState: true,
  parameters: true,
  parametersProblem: true,
  origin: true,
  systemPrompt: true,
}).extend({
  /** For imported sessions, the source format (see SessionOrigin.format). */
  originFormat: z.string().optional(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

// ---- inputs ---------------------------------------------------------------------------------

export const MAX_TITLE_LENGTH = 500;
export const MAX_TAG_LENGTH = 100;

const tag = text.pipe(z.string().trim().min(1, 'a tag cannot be empty').max(MAX_TAG_LENGTH));

export const NewSession = z.object({
  id: z.string().min(1).max(1000).optional(),
  title: text.pipe(z.string().max(MAX_TITLE_LENGTH)).optional(),
  userId: text.optional(),
  provider: AnyProviderName,
  model: text.pipe(z.string().trim().min(1, 'a model is required')),
  status: SessionStatus.optional(),
  systemPrompt: text.optional(),
  tags: z.array(tag).optional(),
  metadata: jsonObject.optional(),
  providerState: ProviderState.optional(),
  createdAt: timestamp.optional(),
  parent: Session.shape.parent,
  origin: SessionOrigin.optional(),
});
export type NewSession = z.input<typeof NewSession>;

/** A message to add: give `parts`, or `content` as a shorthand for one text part. */
export const NewMessage = z
  .object({
    id: z.string().min(1).max(1000).optional(),
    role: Role,
    content: text.optional(),
    parts: z.array(Part).optional(),
    createdAt: timestamp.optional(),
    createdAtRaw: z.string().optional(),
    state: MessageState.optional(),
    usage: Usage.optional(),
    stopReason: StopReason.optional(),
    provider: Message.shape.provider,
    providerIds: Message.shape.providerIds,
    metadata: jsonObject.optional(),
    native: jsonObject.optional(),
    origin: jsonObject.optional(),
  })
  .refine((m) => !(m.content !== undefined && m.parts !== undefined), {
    message: 'give either content or parts, not both',
  });
export type NewMessage = z.input<typeof NewMessage>;

export const MessagePatch = z
  .object({
    content: text.optional(),
    parts: z.array(Part).optional(),
    state: MessageState.optional(),
    metadata: jsonObject.optional(),
  })
  .refine((m) => !(m.content !== undefined && m.parts !== undefined), {
    message: 'give either content or parts, not both',
  });
export type MessagePatch = z.input<typeof MessagePatch>;

export const SessionFilter = z.object({
  status: z.union([SessionStatus, z.array(SessionStatus)]).optional(),
  provider: z.string().optional(),
  /** A tag the session carries; null for sessions without tags. */
  tag: z.string().nullable().optional(),
  userId: z.string().optional(),
  /** Matches title, id, model or any message text. */
  text: z.string().optional(),
  /** Last activity within [from, to) (ISO instants). */
  activeFrom: timestamp.optional(),
  activeTo: timestamp.optional(),
});
export type SessionFilter = z.infer<typeof SessionFilter>;

export const SESSION_SORT_KEYS = ['updatedAt', 'createdAt', 'lastActivityAt', 'title', 'messageCount'] as const;
export const SessionListOptions = SessionFilter.extend({
  sortBy: z.enum(SESSION_SORT_KEYS).default('updatedAt'),
  descending: z.boolean().default(true),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(100_000).default(100),
});
export type SessionListOptions = z.input<typeof SessionListOptions>;

// ---- helpers --------------------------------------------------------------------------------

/** The words of a message: its text and refusal parts, one per line (partsText's `text` style). */
export function messageText(parts: readonly Part[]): string {
  return partsText(parts, 'text');
}

/** Everything worth finding with full-text search: text, tool names, arguments, results, reasoning. */
export function searchableText(parts: readonly Part[]): string {
  const pieces: string[] = [];
  for (const p of parts) {
    switch (p.type) {
      case 'text':
      case 'refusal':
        pieces.push(p.text);
        break;
      case 'tool_call':
        pieces.push(p.name, p.argumentsJson);
        break;
      case 'tool_result':
        pieces.push(p.name, p.content);
        break;
      case 'reasoning':
        pieces.push(p.text ?? '', ...(p.summary ?? []));
        break;
      case 'file':
        if (p.name) pieces.push(p.name);
        break;
      default:
        break;
    }
  }
  const text = pieces.filter(Boolean).join('\n');
  // Terminal colour codes (tool output) would glue to the words around them in the index.
  return text.includes('\u001b') ? text.replace(ANSI_ESCAPE, '') : text;
}

/** ANSI/VT escape sequences: CSI (colours, cursor), OSC (titles, links) and two-character ones. */
const ANSI_ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
