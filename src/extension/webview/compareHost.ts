// The compare view's host side, free of `vscode`: asks the store (the worker, in the editor) to align two sessions
// once, keeps the result, and hands the webview its outline and then its rows a page at a time, with message text
// cut to previews. A change to either session drops the result and tells the webview to reload.
import type { AlignedPair, MessageMetrics, SideTotals } from '../../core/compare';
import type { JsonChange, PartChanges, WordRun } from '../../core/compare-parts';
import type { ComparedSide, StoredComparison } from '../../core/compare-view';
import { type PriceOverrides, describeTotal, formatUsd } from '../../core/cost';
import type { Message, Part } from '../../core/model';
import type { SessionApi, SessionEvent } from '../../core/sessions';
import { displayTitle, partsText } from '../../core/text';
import {
  type CompareCell,
  type CompareChanges,
  type CompareOutline,
  type CompareRow,
  type CompareSideHeader,
  STATUS_LETTERS,
  type StatusLetter,
  type HostToWebview,
  IpcNotification,
  IpcRequest,
  type ToolPreview,
} from '../../protocol';
import { IpcHost } from './ipcHost';

export interface CompareHostOptions {
  /** The langswarmSessions.prices setting, read when the comparison is computed. */
  priceOverrides?: () => PriceOverrides;
  onError?(message: string): void;
  /** How long change events are gathered before the webview hears of them (ms). */
  coalesceMs?: number;
}

/** Characters of a message's words a cell shows; the rest is counted, not sent. */
const CELL_CHARS = 4_000;
/** Characters of word runs a changed pair sends (both sides together). */
const RUN_CHARS = 12_000;
const TOOL_PREVIEW = 300;
const VALUE_PREVIEW = 200;
/** JSON-path changes listed per tool; the rest are counted. */
const PATHS_SHOWN = 20;

const LETTER: Record<AlignedPair['status'], StatusLetter> = Object.fromEntries(
  Object.entries(STATUS_LETTERS).map(([letter, status]) => [status, letter]),
) as Record<AlignedPair['status'], StatusLetter>;

export class CompareHost {
  readonly ipc: IpcHost;
  private stored: Promise<StoredComparison> | undefined;
  private readonly unsubscribe: () => void;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly manager: SessionApi,
    readonly aId: string,
    readonly bId: string,
    post: (message: HostToWebview) => unknown,
    private readonly options: CompareHostOptions = {},
  ) {
    this.ipc = new IpcHost(
      'compare',
      post,
      () => this.ipc.notify(IpcNotification.Init, { view: 'compare' }),
      options.onError,
    );
    this.ipc
      .onRequest(IpcRequest.CompareOpen, async () => outline(await this.comparison()))
      .onRequest(IpcRequest.CompareRows, ({ pairs }) => this.rows(pairs));
    this.unsubscribe = manager.onDidChange((e) => this.onChange(e));
  }

  receive(message: unknown): Promise<void> {
    return this.ipc.receive(message);
  }

  /** F7 / Shift+F7 (the keybindings run a command that lands here). */
  step(direction: 1 | -1): void {
    this.ipc.notify(IpcNotification.CompareStep, { direction });
  }

  detach(): void {
    this.ipc.detach();
  }

  dispose(): void {
    this.unsubscribe();
    clearTimeout(this.timer);
  }

  private comparison(): Promise<StoredComparison> {
    this.stored ??= Promise.resolve(this.manager.compare(this.aId, this.bId, this.options.priceOverrides?.())).catch(
      (e: unknown) => {
        this.stored = undefined; // the next request tries again
        throw e;
      },
    );
    return this.stored;
  }

  private async rows(wanted: number[]): Promise<{ rows: CompareRow[] }> {
    const stored = await this.comparison();
    const indices = [...new Set(wanted)].filter((p) => p < stored.comparison.pairs.length).sort((x, y) => x - y);
    const pairs = indices.map((p) => stored.comparison.pairs[p]!);
    const [messagesA, messagesB] = await Promise.all([
      this.load(
        this.aId,
        stored.a,
        pairs.map((p) => p.a),
      ),
      this.load(
        this.bId,
        stored.b,
        pairs.map((p) => p.b),
      ),
    ]);
    return {
      rows: pairs.map((p, k) => ({
        pair: indices[k]!,
        ...(p.a !== null ? { a: cell(messagesA.get(p.a), stored.a.metrics[p.a]) } : {}),
        ...(p.b !== null ? { b: cell(messagesB.get(p.b), stored.b.metrics[p.b]) } : {}),
        ...(p.changes ? { changes: changesView(p.changes) } : {}),
      })),
    };
  }

  /** The messages at these indices of one side, by index: one read per run of consecutive indices. */
  private async load(
    sessionId: string,
    side: ComparedSide,
    indices: Array<number | null>,
  ): Promise<Map<number, Message>> {
    const sorted = [...new Set(indices.filter((i): i is number => i !== null))].sort((x, y) => x - y);
    const runs: Array<[number, number]> = [];
    for (const i of sorted) {
      const last = runs[runs.length - 1];
      if (last && i === last[1] + 1) last[1] = i;
      else runs.push([i, i]);
    }
    const byIndex = new Map<number, Message>();
    const pages = await Promise.all(
      runs.map(([first, last]) =>
        this.manager.messages(sessionId, { afterSeq: side.seqs[first]! - 1, limit: last - first + 1 }),
      ),
    );
    const indexOfSeq = new Map(sorted.map((i) => [side.seqs[i]!, i]));
    for (const m of pages.flat()) {
      const i = indexOfSeq.get(m.seq);
      if (i !== undefined) byIndex.set(i, m);
    }
    return byIndex;
  }

  private onChange(e: SessionEvent): void {
    const touches = e.type === 'reset' || ('sessionId' in e && (e.sessionId === this.aId || e.sessionId === this.bId));
    if (!touches) return;
    this.stored = undefined;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.ipc.notify(IpcNotification.MessagesChanged, {});
    }, this.options.coalesceMs ?? 100);
  }
}

function outline(stored: StoredComparison): CompareOutline {
  const { comparison: c } = stored;
  const header = (side: ComparedSide, totals: SideTotals): CompareSideHeader => ({
    id: side.session.id,
    title: displayTitle(side.session),
    provider: side.session.provider,
    model: side.session.model,
    messages: side.seqs.length,
    totals: {
      tokens: `${totals.cost.tokens.input.toLocaleString('en')} in · ${totals.cost.tokens.output.toLocaleString('en')} out`,
      cost: describeTotal(totals.cost),
      latency: totals.tracedTurns
        ? `${formatMs(totals.latencyMs)} over ${totals.tracedTurns} ${totals.tracedTurns === 1 ? 'call' : 'calls'}`
        : 'not traced',
    },
    seqs: side.seqs,
    roles: side.roles,
  });
  return {
    a: header(stored.a, c.totals.a),
    b: header(stored.b, c.totals.b),
    statuses: c.pairs.map((p) => LETTER[p.status]).join(''),
    pairA: c.pairs.map((p) => p.a ?? -1),
    pairB: c.pairs.map((p) => p.b ?? -1),
    firstDivergence: c.firstDivergence?.pair ?? -1,
    setup: {
      ...(c.setup.systemPrompt ? { systemPrompt: cutRuns(c.setup.systemPrompt) } : {}),
      ...(c.setup.provider ? { provider: c.setup.provider } : {}),
      ...(c.setup.model ? { model: c.setup.model } : {}),
    },
    counts: c.counts,
    approximate: c.approximate,
  };
}

function cell(m: Message | undefined, metrics: MessageMetrics | undefined): CompareCell | undefined {
  if (!m) return undefined; // deleted since the comparison was made: the reload notification follows
  const words = partsText(m.parts, 'text');
  return {
    seq: m.seq,
    role: m.role,
    text: words.slice(0, CELL_CHARS),
    omitted: Math.max(0, words.length - CELL_CHARS),
    tools: m.parts.flatMap(toolPreview),
    metrics: formatMetrics(metrics ?? {}),
  };
}

function toolPreview(p: Part): ToolPreview[] {
  if (p.type === 'tool_call') return [{ kind: 'call', name: p.name, preview: cut(p.argumentsJson, TOOL_PREVIEW) }];
  if (p.type === 'tool_result')
    return [
      { kind: 'result', name: p.name, preview: cut(p.content, TOOL_PREVIEW), ...(p.isError ? { isError: true } : {}) },
    ];
  return [];
}

export function formatMetrics(m: MessageMetrics): CompareCell['metrics'] {
  const out: CompareCell['metrics'] = {};
  if (m.model) out.model = m.model;
  if (m.inputTokens !== undefined || m.outputTokens !== undefined)
    out.tokens = `${(m.inputTokens ?? 0).toLocaleString('en')} in · ${(m.outputTokens ?? 0).toLocaleString('en')} out`;
  if (m.cost !== undefined) out.cost = m.cost === null ? 'price unknown' : formatUsd(m.cost);
  if (m.latencyMs !== undefined)
    out.latency = `${formatMs(m.latencyMs)}${m.firstTokenMs !== undefined ? ` (first token ${formatMs(m.firstTokenMs)})` : ''}`;
  if (m.stopReason) out.stop = m.stopReason;
  return out;
}

function changesView(c: PartChanges): CompareChanges {
  const tools: CompareChanges['tools'] = [];
  for (const [kind, list] of [
    ['call', c.toolCalls],
    ['result', c.toolResults],
  ] as const) {
    for (const t of list ?? []) {
      if (!t.b) tools.push({ kind, name: t.name, note: 'only in A' });
      else if (!t.a) tools.push({ kind, name: t.name, note: 'only in B' });
      for (const j of (t.json ?? []).slice(0, PATHS_SHOWN)) tools.push({ kind, name: t.name, ...jsonLine(j) });
      if ((t.json?.length ?? 0) > PATHS_SHOWN)
        tools.push({ kind, name: t.name, note: `${t.json!.length - PATHS_SHOWN} more changed paths` });
      if (t.words) tools.push({ kind, name: t.name, note: 'content differs (not JSON)' });
      if (t.isError)
        tools.push({ kind, name: t.name, note: t.isError.b ? 'an error in B only' : 'an error in A only' });
    }
  }
  return {
    ...(c.role ? { role: c.role } : {}),
    ...(c.words ? { words: cutRuns(c.words) } : {}),
    tools,
    ...(c.toolCallsReordered ? { toolCallsReordered: true } : {}),
    ...(c.attachments ? { attachments: true } : {}),
  };
}

function jsonLine(j: JsonChange): { path: string; a?: string; b?: string } {
  const show = (v: unknown) => cut(JSON.stringify(v) ?? 'undefined', VALUE_PREVIEW);
  return {
    path: j.path,
    ...(j.kind !== 'added' ? { a: show(j.a) } : {}),
    ...(j.kind !== 'removed' ? { b: show(j.b) } : {}),
  };
}

/** Word runs up to RUN_CHARS in all; past that, one run says how much more there is. */
function cutRuns(runs: readonly WordRun[]): WordRun[] {
  const out: WordRun[] = [];
  let budget = RUN_CHARS;
  let left = 0;
  for (const r of runs) {
    if (budget <= 0) left += r.text.length;
    else {
      out.push(r.text.length > budget ? { op: r.op, text: r.text.slice(0, budget) } : r);
      left += Math.max(0, r.text.length - budget);
      budget -= r.text.length;
    }
  }
  if (left) out.push({ op: 'equal', text: ` … (${left.toLocaleString('en')} more characters)` });
  return out;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
