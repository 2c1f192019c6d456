// `diff A B [--json]`: two sessions aligned message by message, with diff(1)'s exit codes (0 identical,
// 1 different, 2 trouble). Messages are named by their `seq`, as `show --json` prints it.
import {
  type AlignedPair,
  compareSessions,
  differs,
  type MessageMetrics,
  type SessionComparison,
  type SideTotals,
  sideMetrics,
} from '../core/compare';
import type { PartChanges, WordRun } from '../core/compare-parts';
import { describeTotal, formatUsd } from '../core/cost';
import { CoreError } from '../core/errors';
import type { Message, Session } from '../core/model';
import type { SessionManager } from '../core/sessions';
import { partsText } from '../core/text';
import type { Command, Output } from './command';

/** Equal runs longer than this show as one line. */
const EQUAL_SHOWN = 2;
const PREVIEW = 100;

export const diffCommand = {
  usage: 'diff A B [--json]   (exit 0: the sessions are identical, 1: they differ, 2: trouble)',
  options: { json: { type: 'boolean' } },
  errorExit: 2,
  parse(positionals, v) {
    const [idA, idB, ...extra] = positionals;
    if (idA === undefined || idB === undefined || extra.length)
      throw new CoreError('InvalidInput', 'Give two sessions: diff A B.');
    return {
      database: 'read',
      async run(m, out) {
        const [a, b] = [side(m, idA), side(m, idB)];
        const comparison = compareSessions(a, b);
        if (v['json']) out.json(jsonReport(a, b, comparison));
        else printReport(out, a, b, comparison);
        return differs(comparison) ? 1 : 0;
      },
    };
  },
} satisfies Command;

interface Side {
  session: Session;
  messages: Message[];
  metrics: MessageMetrics[];
}

function side(m: SessionManager, id: string): Side & Parameters<typeof compareSessions>[0] {
  const session = m.get(id);
  const messages = m.allMessages(session.id);
  const traces = m.listTraces(session.id);
  return { session, messages, traces, metrics: sideMetrics({ session, messages, traces }) };
}

const seqOf = (s: Side, index: number | null) => (index === null ? null : s.messages[index]!.seq);

function jsonReport(a: Side, b: Side, c: SessionComparison) {
  const summary = (s: Side) => ({
    id: s.session.id,
    title: s.session.title,
    provider: s.session.provider,
    model: s.session.model,
  });
  return {
    a: summary(a),
    b: summary(b),
    identical: !differs(c),
    firstDivergence: c.firstDivergence && { a: seqOf(a, c.firstDivergence.a), b: seqOf(b, c.firstDivergence.b) },
    setup: c.setup,
    approximate: c.approximate,
    counts: c.counts,
    pairs: c.pairs.map((p) => ({
      a: seqOf(a, p.a),
      b: seqOf(b, p.b),
      status: p.status,
      ...(p.changes ? { changes: p.changes } : {}),
      metrics: { a: p.a === null ? null : a.metrics[p.a], b: p.b === null ? null : b.metrics[p.b] },
    })),
    totals: { a: jsonTotals(c.totals.a), b: jsonTotals(c.totals.b) },
  };
}

function jsonTotals(t: SideTotals) {
  const known = t.cost.state === 'known' || t.cost.state === 'partly unknown';
  return {
    messages: t.messages,
    tokens: t.cost.tokens,
    cost: { state: t.cost.state, total: known ? t.cost.total : null, currency: t.cost.currency },
    latencyMs: t.latencyMs,
    tracedTurns: t.tracedTurns,
  };
}

function printReport(out: Output, a: Side, b: Side, c: SessionComparison): void {
  const head = (s: Side) =>
    `${s.session.title} (${s.session.id}) · ${s.session.provider} · ${s.session.model} · ${s.messages.length} messages`;
  out.line(`--- a  ${head(a)}`);
  out.line(`+++ b  ${head(b)}`);
  if (c.setup.provider) out.line(`provider: ${c.setup.provider.a} → ${c.setup.provider.b}`);
  if (c.setup.model) out.line(`model: ${c.setup.model.a} → ${c.setup.model.b}`);
  if (c.setup.systemPrompt) out.line(`system prompt: ${wordLine(c.setup.systemPrompt)}`);
  const first = c.firstDivergence;
  out.line(
    first
      ? `first divergence: ${[first.a !== null && `a #${seqOf(a, first.a)}`, first.b !== null && `b #${seqOf(b, first.b)}`].filter(Boolean).join(' / ')}`
      : 'no divergence: the messages are identical',
  );
  if (c.approximate) out.line('(the sessions differ too much for a minimal alignment: messages paired by position)');
  out.line();
  for (let p = 0; p < c.pairs.length; ) {
    let q = p;
    while (q < c.pairs.length && c.pairs[q]!.status === 'equal') q++;
    if (q - p > EQUAL_SHOWN) {
      out.line(`  … ${q - p} equal messages (a #${seqOf(a, c.pairs[p]!.a)}–#${seqOf(a, c.pairs[q - 1]!.a)}) …`);
      p = q;
      continue;
    }
    printPair(out, a, b, c.pairs[p]!);
    p++;
  }
  out.line();
  printTotals(out, c.totals);
}

function printPair(out: Output, a: Side, b: Side, pair: AlignedPair): void {
  const preview = (s: Side, i: number) => {
    const m = s.messages[i]!;
    const text = partsText(m.parts, 'transcript').replace(/\s+/g, ' ');
    return `#${m.seq} ${m.role}  ${text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text}`;
  };
  switch (pair.status) {
    case 'equal':
      return out.line(`  ${preview(a, pair.a!)}`);
    case 'deleted':
      return out.line(`- ${preview(a, pair.a!)}`);
    case 'inserted':
      return out.line(`+ ${preview(b, pair.b!)}`);
    case 'changed': {
      const [ma, mb] = [a.messages[pair.a!]!, b.messages[pair.b!]!];
      out.line(`~ a #${ma.seq} / b #${mb.seq} ${ma.role === mb.role ? ma.role : `${ma.role} → ${mb.role}`}`);
      for (const line of changeLines(pair.changes ?? {})) out.line(`    ${line}`);
      const [xa, xb] = [a.metrics[pair.a!]!, b.metrics[pair.b!]!];
      const m = metricsLine(xa, xb);
      if (m) out.line(`    ${m}`);
    }
  }
}

/** git's --word-diff=plain: [-removed-]{+added+}. */
function wordLine(runs: readonly WordRun[]): string {
  return runs
    .map((r) => (r.op === 'equal' ? r.text : r.op === 'removed' ? `[-${r.text}-]` : `{+${r.text}+}`))
    .join('')
    .replace(/\n/g, '⏎');
}

function changeLines(c: PartChanges): string[] {
  const lines: string[] = [];
  if (c.words) lines.push(`text: ${wordLine(c.words)}`);
  for (const [label, tools] of [
    ['call', c.toolCalls],
    ['result', c.toolResults],
  ] as const) {
    for (const t of tools ?? []) {
      if (!t.b) lines.push(`${label} ${t.name}: only in a`);
      else if (!t.a) lines.push(`${label} ${t.name}: only in b`);
      for (const j of t.json ?? [])
        lines.push(
          `${label} ${t.name} ${j.path}: ${j.kind === 'added' ? '(none)' : show(j.a)} → ${j.kind === 'removed' ? '(none)' : show(j.b)}`,
        );
      if (t.words) lines.push(`${label} ${t.name}: ${wordLine(t.words)}`);
      if (t.isError) lines.push(`${label} ${t.name}: error ${t.isError.a} → ${t.isError.b}`);
    }
  }
  if (c.toolCallsReordered) lines.push('tool calls: the same calls in another order');
  if (c.attachments) lines.push('attachments differ');
  return lines;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > PREVIEW ? `${s.slice(0, PREVIEW)}…` : s;
};

function metricsLine(a: MessageMetrics, b: MessageMetrics): string {
  const parts: string[] = [];
  const pair = (label: string, x: unknown, y: unknown, fmt = (v: unknown) => String(v)) => {
    if (x === undefined && y === undefined) return;
    const [fx, fy] = [x === undefined ? '–' : fmt(x), y === undefined ? '–' : fmt(y)];
    parts.push(fx === fy ? `${label} ${fx}` : `${label} ${fx} → ${fy}`);
  };
  pair('model', a.model, b.model);
  pair('tokens in', a.inputTokens, b.inputTokens);
  pair('out', a.outputTokens, b.outputTokens);
  pair('cost', a.cost, b.cost, (v) => (v === null ? 'price unknown' : formatUsd(v as number)));
  pair('latency', a.latencyMs, b.latencyMs, (v) => `${v} ms`);
  pair('stop', a.stopReason, b.stopReason);
  return parts.join(' · ');
}

function printTotals(out: Output, t: SessionComparison['totals']): void {
  const row = (label: string, x: string, y: string) => out.line(`${label.padEnd(12)}${x.padEnd(28)}${y}`);
  row('', 'a', 'b');
  row('messages', String(t.a.messages), String(t.b.messages));
  row('tokens in', String(t.a.cost.tokens.input), String(t.b.cost.tokens.input));
  row('tokens out', String(t.a.cost.tokens.output), String(t.b.cost.tokens.output));
  row('cost', describeTotal(t.a.cost), describeTotal(t.b.cost));
  const time = (s: SideTotals) => (s.tracedTurns ? `${s.latencyMs} ms over ${s.tracedTurns} calls` : 'not traced');
  row('latency', time(t.a), time(t.b));
}
