// Messages between the extension host and its two webviews (history browser, state dump), used by both sides.
//
//   webview → host   IpcReady (handshake), IpcRequest (with an id; answered by one IpcResponse), IpcCommand (no reply)
//   host → webview   IpcResponse, IpcNotification (only after the webview said it is ready)
//
// Every envelope and every request's params is a zod schema: the host parses all that comes from the webview
// (it is untrusted: it renders conversation content). Results are typed, not parsed: the host builds them from
// the core, which parsed them already. zod/mini keeps the webview bundle small.
// Over 450 lines on purpose: it is the one contract between host and webviews; split, each side would import
// pieces of it from several files and a changed shape would be easier to miss on one side.
import * as z from 'zod/mini';
import type { Message, MessageRevision, Role, Session, SessionSummary } from './core/model';
import {
  KEYED_PROVIDERS,
  MAX_OUTPUT_TOKENS_LIMIT,
  MAX_TEMPERATURE,
  MESSAGE_STATES,
  REASONING_EFFORTS,
  SESSION_STATUSES,
} from './core/names';
import type { Cost } from './core/cost';
import type { SearchHit } from './core/store/session-store';
import type { WordRun } from './core/compare-parts';
import type { TraceSummary } from './core/store/trace-store';
import type { TraceAttempt, TurnTrace } from './core/turn-trace';
import type { TurnSeries } from './core/turn-series';
import type { DumpNode, DumpPath } from './core/json-nodes';

export type { DumpNode, DumpPath };

/**
 * A search hit, a recorded model call with what it cost, a session's per-turn series and a compare view's word
 * runs, as the webview receives them (it never imports the store).
 */
export type { Cost, SearchHit, TraceAttempt, TraceSummary, TurnSeries, TurnTrace, WordRun };

export const VIEWS = ['history', 'state', 'compare'] as const;
export type ViewName = (typeof VIEWS)[number];

// ---- message types --------------------------------------------------------------------------

export interface RequestType<P, R> {
  readonly method: string;
  readonly params: z.ZodMiniType<P>;
  readonly _result?: R;
}
export interface NotificationType<P> {
  readonly method: string;
  readonly params: z.ZodMiniType<P>;
}
export interface CommandType<P> {
  readonly method: string;
  readonly params: z.ZodMiniType<P>;
}

const typed = <S extends z.ZodMiniType>(params: S) => params as unknown as z.ZodMiniType<z.infer<S>>;
const request =
  <R>() =>
  <S extends z.ZodMiniType>(method: string, params: S): RequestType<z.infer<S>, R> => ({
    method,
    params: typed(params),
  });
const notification = <S extends z.ZodMiniType>(method: string, params: S): NotificationType<z.infer<S>> => ({
  method,
  params: typed(params),
});
const command = notification as <S extends z.ZodMiniType>(method: string, params: S) => CommandType<z.infer<S>>;

// ---- shared pieces --------------------------------------------------------------------------

const id = z.string().check(z.minLength(1), z.maxLength(1000));
const int = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));
const query = z.string().check(z.maxLength(1000));
const isoTime = z.iso.datetime({ offset: true });

export const IpcError = z.object({ code: z.string(), message: z.string() });
export type IpcError = z.infer<typeof IpcError>;

/**
 * A message as the webview gets it: without the provider's native JSON (only which providers have one); `streaming`
 * when it is a reply still arriving in this window (from the composer, Send Message…, or another view).
 */
export type WebMessage = Omit<Message, 'native'> & { nativeProviders?: string[]; streaming?: true };

/** `focusComposer`: put the keyboard in the message box (Resume: the next thing is to write). */
export interface RevealTarget {
  sessionId: string;
  messageId?: string;
  focusComposer?: boolean;
}
/** What the webview is told: the host resolves the message to its seq, which the webview navigates by. */
const revealAt = z.object({
  sessionId: id,
  seq: z.optional(z.number().check(z.int())),
  focusComposer: z.optional(z.boolean()),
});

/**
 * Every message of a session in order, as columns (a fraction of the size of 10,000 objects): enough to lay
 * out, filter by role and step through a long session before any content arrives.
 */
export interface OutlineColumns {
  seqs: number[];
  roles: Role[] /** createdAt, epoch ms */;
  times: number[];
}

const dumpPath = z.array(z.union([z.string().check(z.maxLength(10_000)), int(0, 1e9)])).check(z.maxLength(100));

/**
 * A provider the composer offers, with models to suggest (any other model name may be typed). `offline`: why the
 * offline Replay provider answers instead (no API key, a provider the editor cannot call); the composer says so.
 */
const providerChoice = z.object({ name: z.string(), models: z.array(z.string()), offline: z.optional(z.string()) });
export type ProviderChoice = z.infer<typeof providerChoice>;
/**
 * What the history browser's composer may do: send, with these choices (and the text of replies streaming now,
 * so a reloaded webview carries on), or nothing, for the reason given.
 */
const composerInfo = z.union([
  z.object({ providers: z.array(providerChoice), streaming: z.array(z.object({ sessionId: id, text: z.string() })) }),
  z.object({ disabled: z.string() }),
]);
export type ComposerInfo = z.infer<typeof composerInfo>;
/**
 * The commands a notice may link to (the host runs only these, with only these arguments): a link in a webview is
 * content, and content must not run arbitrary commands.
 */
export const NOTICE_COMMANDS = ['langswarmSessions.setApiKey', 'langswarmSessions.testProviderConnection'] as const;
const noticeLink = z.strictObject({
  label: z.string().check(z.maxLength(100)),
  command: z.enum(NOTICE_COMMANDS),
  args: z.optional(z.strictObject({ provider: z.optional(z.enum(KEYED_PROVIDERS)) })),
});
/** A command link in a composer notice ("Set API Key…"). */
export type NoticeLink = z.infer<typeof noticeLink>;

/** A span id (16 hex digits), as the core's TurnTrace has them. */
const spanId = z.string().check(z.regex(/^[0-9a-f]{16}$/));
/** The calls of a session the inspector lists at most: the latest (a call is a turn, so this is a long session). */
export const TRACE_LIST_MAX = 2000;

/** Longest message the composer sends (characters). */
export const COMPOSE_MAX = 1_000_000;

// ---- the compare view ---------------------------------------------------------------------------
// An outline of every aligned pair first, compact enough for two 10,000-message sessions, then the rows' content a
// page at a time. Text is cut to a preview in the host: a row never carries a whole 1 MB message.

/** One pair's status as a letter of CompareOutline.statuses. */
export const STATUS_LETTERS = { e: 'equal', c: 'changed', i: 'inserted', d: 'deleted' } as const;
export type StatusLetter = keyof typeof STATUS_LETTERS;

export interface CompareSideHeader {
  id: string;
  title: string;
  provider: string;
  model: string;
  messages: number;
  /** Totals, formatted. */
  totals: { tokens: string; cost: string; latency: string };
  /** By message index: the seq and role of each message (rows show these before their content arrives). */
  seqs: number[];
  roles: Role[];
}

export type MetricName = 'model' | 'tokens' | 'cost' | 'latency' | 'stop';

export interface CompareOutline {
  a: CompareSideHeader;
  b: CompareSideHeader;
  /** One letter per aligned pair (e equal, c changed, i inserted, d deleted). */
  statuses: string;
  /** Per pair: the message index on each side, -1 where that side has none. */
  pairA: number[];
  pairB: number[];
  /** The first pair that differs (index into the pairs), or -1. */
  firstDivergence: number;
  setup: {
    systemPrompt?: WordRun[];
    provider?: { a: string; b: string };
    model?: { a: string; b: string };
  };
  counts: Record<'equal' | 'changed' | 'inserted' | 'deleted', number>;
  /** The sessions differed too much for a minimal alignment: messages were paired by position. */
  approximate: boolean;
}

/** A tool call or result in a cell: its name and a preview of its arguments or content. */
export interface ToolPreview {
  kind: 'call' | 'result';
  name: string;
  preview: string;
  isError?: boolean;
}

export interface CompareCell {
  seq: number;
  role: Role;
  /** The message's words, cut to a preview; `omitted` characters were left out. */
  text: string;
  omitted: number;
  tools: ToolPreview[];
  /** Formatted; a metric the message does not have is absent. */
  metrics: Partial<Record<MetricName, string>>;
}

/** What differs in a changed pair, ready to show: word runs (cut), tool changes as lines. */
export interface CompareChanges {
  role?: { a: string; b: string };
  words?: WordRun[];
  /** One line per difference: "call get_weather $.city: "Paris" → "Lyon"". */
  tools: Array<{ kind: 'call' | 'result'; name: string; path?: string; a?: string; b?: string; note?: string }>;
  toolCallsReordered?: boolean;
  attachments?: boolean;
}

export interface CompareRow {
  pair: number;
  a?: CompareCell;
  b?: CompareCell;
  changes?: CompareChanges;
}

// ---- requests -------------------------------------------------------------------------------

export const SESSION_PAGE_MAX = 500;
export const MESSAGE_PAGE_MAX = 200;
/** Messages a page starts before the one it is fetched for, so rows just above are there too. */
export const PAGE_LEAD = 10;
/** Messages per page fetched for the feed. */
export const MESSAGE_PAGE = 100;

/** Most pairs one compare/rows request returns. */
export const COMPARE_ROWS_MAX = 200;

export const IpcRequest = {
  // history browser
  ListSessions: request<{ items: SessionSummary[]; total: number }>()(
    'sessions/list',
    z.object({
      text: z.optional(query),
      status: z.optional(z.enum(SESSION_STATUSES)),
      provider: z.optional(z.string().check(z.maxLength(100))),
      tag: z.optional(z.string().check(z.maxLength(100))),
      activeFrom: z.optional(isoTime),
      activeTo: z.optional(isoTime),
      offset: int(0, 1e9),
      limit: int(1, SESSION_PAGE_MAX),
    }),
  ),
  Facets: request<{ providers: string[]; tags: string[] }>()('sessions/facets', z.object({})),
  /** A session with the outline of all its messages and the first page of them, from a little before `aroundSeq`. */
  OpenSession: request<{ session: Session; outline: OutlineColumns; messages: WebMessage[] }>()(
    'session/open',
    z.object({
      sessionId: id,
      aroundSeq: z.optional(z.number().check(z.int())),
    }),
  ),
  Messages: request<{ messages: WebMessage[] }>()(
    'session/messages',
    z.object({
      sessionId: id,
      afterSeq: z.optional(z.number().check(z.int())),
      beforeSeq: z.optional(z.number().check(z.int())),
      limit: int(1, MESSAGE_PAGE_MAX),
    }),
  ),
  Search: request<{ hits: SearchHit[]; total: number }>()(
    'search/messages',
    z.object({
      query,
      sessionId: z.optional(id),
      offset: int(0, 1e6),
      limit: int(1, 200),
    }),
  ),
  /** Every message of one session matching the query (find in session), by seq. */
  Find: request<{ seqs: number[]; total: number }>()('session/find', z.object({ sessionId: id, query })),
  Revisions: request<{ revisions: MessageRevision[] }>()('message/revisions', z.object({ messageId: id })),
  Fork: request<{ session: Session }>()(
    'session/fork',
    z.object({ sessionId: id, messageId: id, title: z.optional(z.string().check(z.maxLength(500))) }),
  ),
  /** Where the other half of a tool call is: its result (searching forward) or its call (backward). */
  LocateTool: request<{ seq: number; messageId: string } | null>()(
    'tool/locate',
    z.object({
      sessionId: id,
      callId: id,
      seq: z.number().check(z.int()),
      find: z.enum(['result', 'call']),
    }),
  ),
  /** The session's calls as per-turn columns for its chart (core/turn-series.ts), computed in the store worker. */
  SessionChart: request<TurnSeries>()('session/chart', z.object({ sessionId: id })),
  // composer: a turn runs in the host; its progress and end come as Turn* notifications
  /**
   * Sends `content` as the user's next message and starts the reply (resolves once it started). `provider`/`model`
   * switch the session. Resolves to the session the turn runs in: a new fork when the user chose to continue an
   * imported, completed or archived session in one; none when the user cancelled (nothing was sent).
   */
  Send: request<{ sessionId?: string }>()(
    'turn/send',
    z.object({
      sessionId: id,
      content: z.string().check(z.minLength(1), z.maxLength(COMPOSE_MAX)),
      provider: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
      model: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    }),
  ),
  /** Stops the reply streaming in a session (what arrived is kept, marked partial); false if none was. */
  Stop: request<{ stopped: boolean }>()('turn/stop', z.object({ sessionId: id })),
  /**
   * Changes the session's model parameters the composer sets inline (the rest are kept); null removes one.
   * Resolves to the session as stored.
   */
  SetParameters: request<{ session: Session }>()(
    'session/parameters',
    z.object({
      sessionId: id,
      effort: z.optional(z.nullable(z.enum(REASONING_EFFORTS))),
      temperature: z.optional(z.nullable(z.number().check(z.minimum(0), z.maximum(MAX_TEMPERATURE)))),
      maxOutputTokens: z.optional(z.nullable(int(1, MAX_OUTPUT_TOKENS_LIMIT))),
    }),
  ),
  // the inspector: a session's recorded model calls (summaries, oldest first), one call whole with its cost
  ListTraces: request<{ traces: TraceSummary[]; total: number }>()('traces/list', z.object({ sessionId: id })),
  GetTrace: request<{ trace: TurnTrace; cost: Cost }>()('traces/get', z.object({ spanId })),
  /** Copies one attempt of a call as a curl command (the host writes the clipboard); says which variable holds the key. */
  CopyCurl: request<{ keyVariable?: string; piped: boolean }>()(
    'traces/curl',
    z.object({ spanId, attempt: int(0, 10_000) }),
  ),
  // state view
  DumpInfo: request<{
    title: string;
    formatVersion: number;
    redacted: boolean;
    redactionSummary?: string;
    bytes: number;
  }>()('dump/info', z.object({})),
  DumpChildren: request<{ nodes: DumpNode[]; total: number }>()(
    'dump/children',
    z.object({ path: dumpPath, offset: int(0, 1e9), limit: int(1, 1000) }),
  ),
  /** A string value in full (the tree shows long ones cut). */
  DumpValue: request<{ text: string }>()('dump/value', z.object({ path: dumpPath })),
  DumpSearch: request<{ matches: Array<{ path: DumpPath; preview: string }>; total: number }>()(
    'dump/search',
    z.object({ query, limit: int(1, 1000) }),
  ),
  // compare view (the host knows which two sessions its panel compares)
  /** The alignment of the two sessions: every pair's status and messages, setup differences, totals. */
  CompareOpen: request<CompareOutline>()('compare/open', z.object({})),
  /** The content of these pairs (the rows coming into sight): previews, word highlights, tool changes, metrics. */
  CompareRows: request<{ rows: CompareRow[] }>()(
    'compare/rows',
    z.object({ pairs: z.array(int(0, 1e9)).check(z.minLength(1), z.maxLength(COMPARE_ROWS_MAX)) }),
  ),
} as const;

// ---- notifications (host → webview) ----------------------------------------------------------

export const IpcNotification = {
  /** The answer to IpcReady: which view, and where to go (history) if the panel was opened for a target. */
  /** `plainText`: show content as plain text, no markdown (e.g. in an untrusted workspace). */
  /** `composer`: absent when the host cannot send (the composer is hidden). */
  Init: notification(
    'init',
    z.object({
      view: z.enum(VIEWS),
      reveal: z.optional(revealAt),
      plainText: z.optional(z.boolean()),
      composer: z.optional(composerInfo),
    }),
  ),
  Reveal: notification('reveal', revealAt),
  /** Sessions were created, changed or deleted: lists should reload. */
  SessionsChanged: notification('sessions/changed', z.object({})),
  /** Messages of one session changed (or `sessionId` is absent: anything may have). */
  MessagesChanged: notification('messages/changed', z.object({ sessionId: z.optional(id) })),
  /** A model call of one session was recorded (or `sessionId` is absent: traces were pruned or reloaded). */
  TracesChanged: notification('traces/changed', z.object({ sessionId: z.optional(id) })),
  /** Reply text streaming in a session: `text` follows the `offset` characters sent before (the database catches up every 250 ms). */
  TurnDelta: notification(
    'turn/delta',
    z.object({ sessionId: id, offset: int(0, Number.MAX_SAFE_INTEGER), text: z.string() }),
  ),
  /** What the user should know about a turn: the core's warnings (e.g. data left out when switching provider), or a note (e.g. answering offline). */
  TurnNotice: notification(
    'turn/notice',
    z.object({ sessionId: id, level: z.enum(['info', 'warning']), message: z.string(), link: z.optional(noticeLink) }),
  ),
  /**
   * A turn ended. `sent`: the user's message was stored (if not, the composer gives the text back). The reply, when
   * one was stored, by id and state; `error` says why it failed or stopped (code `Cancelled` when stopped).
   */
  TurnEnd: notification(
    'turn/end',
    z.object({
      sessionId: id,
      sent: z.boolean(),
      replyId: z.optional(id),
      state: z.optional(z.enum(MESSAGE_STATES)),
      error: z.optional(IpcError),
      /** What the user can do about the error ("Set API Key…"). */
      link: z.optional(noticeLink),
    }),
  ),
  /** What the composer may send with changed (an API key was set or cleared): it shows who will answer. */
  ComposerChanged: notification('composer/changed', z.object({ providers: z.array(providerChoice) })),
  /** The state view shows another dump. */
  DumpChanged: notification('dump/changed', z.object({})),
  /** Go to the next (1) or previous (-1) difference: F7 / Shift+F7, bound by the compare view's keybindings. */
  CompareStep: notification('compare/step', z.object({ direction: z.union([z.literal(1), z.literal(-1)]) })),
} as const;

// ---- commands (webview → host, no reply) ------------------------------------------------------

export const IpcCommand = {
  /** Open an http(s) link outside the webview (the host checks the scheme again). */
  OpenLink: command('link/open', z.object({ url: z.string().check(z.maxLength(8192)) })),
  CopyText: command('clipboard/copy', z.object({ text: z.string().check(z.maxLength(16 * 1024 * 1024)) })),
  /** Open the state view on a dump of this session. */
  DumpSession: command('session/dump', z.object({ sessionId: id })),
  /** Save the shown dump to a file the user picks. */
  SaveDump: command('dump/save', z.object({})),
  /** Open "Set Model Parameters…" for a session (tools, safety settings, Edit as JSON…). */
  EditParameters: command('session/editParameters', z.object({ sessionId: id })),
  /** A notice's command link was clicked: the host runs it (only NOTICE_COMMANDS, checked by this schema). */
  RunCommand: command('command/run', noticeLink),
} as const;

// ---- envelopes --------------------------------------------------------------------------------

export const WebviewToHost = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), view: z.enum(VIEWS) }),
  z.object({
    kind: z.literal('request'),
    id: int(0, Number.MAX_SAFE_INTEGER),
    method: z.string().check(z.maxLength(100)),
    params: z.unknown(),
  }),
  z.object({ kind: z.literal('command'), method: z.string().check(z.maxLength(100)), params: z.unknown() }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;

export const HostToWebview = z.union([
  z.object({ kind: z.literal('response'), id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('response'), id: z.number(), ok: z.literal(false), error: IpcError }),
  z.object({ kind: z.literal('notification'), method: z.string(), params: z.unknown() }),
]);
export type HostToWebview = z.infer<typeof HostToWebview>;

export type AnyRequest = (typeof IpcRequest)[keyof typeof IpcRequest];
export type ParamsOf<T> = T extends RequestType<infer P, unknown> ? P : T extends NotificationType<infer P> ? P : never;
export type ResultOf<T> = T extends RequestType<unknown, infer R> ? R : never;

/** The only links content may carry: http and https (opened by the host, never in the webview). */
export function isSafeLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
