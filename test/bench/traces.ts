// Turn trace storage: a stateless OpenAI-shaped conversation of 200 turns, each request body carrying the
// whole history, recorded as the recorder will. What the traces add to the database against what its messages
// take (target <= 1x), against storing each body whole and compressed, and what recording costs per turn.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { SessionManager } from '../../src/core/sessions';
import type { TurnTrace } from '../../src/core/turn-trace';
import { makeTrace } from '../helpers/traces';
import { Report, percentile, scaled } from './report';
import { sentence } from './core';

/** mulberry32: core.ts's rng repeats its sentences within a few hundred, which would flatter deduplication. */
function distinctRng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Turn {
  question: string;
  answer: string;
  body: string;
}

/**
 * The conversation: questions and answers of 20 to 130 words, each body the whole history so far, or with
 * `window` its last `window` messages (history trimmed to fit a context window).
 */
function conversation(turns: number, window = Number.POSITIVE_INFINITY): Turn[] {
  const rand = distinctRng(42);
  const input: unknown[] = [];
  const out: Turn[] = [];
  for (let t = 0; t < turns; t++) {
    const question = sentence(rand, 20 + Math.floor(rand() * 110));
    const answer = sentence(rand, 20 + Math.floor(rand() * 110));
    input.push({ role: 'user', content: [{ type: 'input_text', text: question }] });
    const sent = input.slice(-window);
    const body = JSON.stringify({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      input: sent,
      store: false,
      stream: true,
    });
    out.push({ question, answer, body });
    input.push({ role: 'assistant', content: [{ type: 'output_text', text: answer }] });
  }
  return out;
}

function traceOf(turn: Turn, sessionId: string, messageIds: string[], at: number): TurnTrace {
  const inputTokens = Math.ceil(turn.body.length / 4);
  const outputTokens = Math.ceil(turn.answer.length / 4);
  const trace = makeTrace(
    turn.body,
    {
      sessionId,
      messageIds,
      // The assembled final response repeats the reply: stored with the trace, compressed.
      response: {
        id: `resp_${at}`,
        status: 'completed',
        output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: turn.answer }] }],
      },
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    },
    at,
  );
  const ids = { 'x-request-id': `req_${at}` };
  return { ...trace, attempts: [{ ...trace.attempts[0]!, responseHeaders: ids, requestIds: ids }] };
}

/** Plays the conversation into a new database, recording traces or not; returns its file size and record times. */
async function play(file: string, turns: Turn[], record: boolean): Promise<{ bytes: number; times: number[] }> {
  const m = await SessionManager.open(file);
  const s = await m.create({ provider: 'openai', model: 'gpt-4o', title: 'Stateless' });
  const times: number[] = [];
  for (const [i, turn] of turns.entries()) {
    const [user, reply] = await m.addMessages(s.id, [
      { role: 'user', content: turn.question },
      { role: 'assistant', content: turn.answer },
    ]);
    if (!record) continue;
    const trace = traceOf(turn, s.id, [user!.id, reply!.id], Date.UTC(2026, 0, 1) + i * 60_000);
    const start = performance.now();
    await m.recordTrace(trace);
    times.push(performance.now() - start);
  }
  await m.checkpoint();
  await m.close();
  return { bytes: fs.statSync(file).size, times };
}

export async function runTraceBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-traces-'));
  try {
    const turnCount = scaled(200);
    const turns = conversation(turnCount);
    const empty = await play(path.join(dir, 'empty.sqlite'), [], false);
    const messagesOnly = await play(path.join(dir, 'messages.sqlite'), turns, false);
    const traced = await play(path.join(dir, 'traced.sqlite'), turns, true);
    const messageBytes = messagesOnly.bytes - empty.bytes;
    const traceBytes = traced.bytes - messagesOnly.bytes;
    const naive = turns.reduce((sum, t) => sum + deflateRawSync(t.body).length, 0);
    const ratio = traceBytes / messageBytes;
    report.add({
      suite: 'traces',
      metric: `${turnCount}-turn stateless conversation: messages' database bytes`,
      value: messageBytes / 1024,
      unit: 'KiB',
    });
    report.add({
      suite: 'traces',
      metric: `the same conversation's traces: added database bytes`,
      value: traceBytes / 1024,
      unit: 'KiB',
      note: `${ratio.toFixed(2)}x the messages`,
    });
    report.add({
      suite: 'traces',
      metric: 'traces added / messages (ratio)',
      value: ratio,
      unit: 'x',
      target: '<= 1x',
      met: ratio <= 1,
    });
    report.add({
      suite: 'traces',
      metric: 'baseline: each request body whole, deflated',
      value: naive / 1024,
      unit: 'KiB',
      note: `${(naive / messageBytes).toFixed(1)}x the messages, growing with the square of the turns`,
    });
    // Trimmed history: the first element changes every turn, so the list nodes (not the items) are new each turn.
    const window = 40;
    const trimmed = await play(path.join(dir, 'trimmed.sqlite'), conversation(turnCount, window), true);
    const trimmedRatio = (trimmed.bytes - messagesOnly.bytes) / messageBytes;
    report.add({
      suite: 'traces',
      metric: `the same, history trimmed to the last ${window} messages: traces / messages`,
      value: trimmedRatio,
      unit: 'x',
      target: '<= 1x',
      met: trimmedRatio <= 1,
    });
    const sorted = [...traced.times].sort((a, b) => a - b);
    report.add({ suite: 'traces', metric: 'recordTrace per turn, p50', value: percentile(sorted, 50), unit: 'ms' });
    report.add({ suite: 'traces', metric: 'recordTrace per turn, p99', value: percentile(sorted, 99), unit: 'ms' });
    const lastTen = traced.times.slice(-10).sort((a, b) => a - b);
    report.add({
      suite: 'traces',
      metric: `recordTrace at turn ${turnCount} (body of ${(turns.at(-1)!.body.length / 1024).toFixed(0)} KiB, median of last 10)`,
      value: percentile(lastTen, 50),
      unit: 'ms',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
