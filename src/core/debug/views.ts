// What a debugger stop shows beside the request (controller.ts): the run's session, the last reply, the recorded
// conversation as a document; and the program that continues a recorded session live. Read from the store,
// never from the debugger's state, so a view is the same whichever host (extension or `dap`) asks.
import { contextWindow, type PriceOverrides, usageCost } from '../cost';
import { CoreError } from '../errors';
import { type Message, messageText } from '../model';
import { isProviderName, type ProviderName } from '../names';
import type { SessionApi } from '../sessions';
import type { LoadedScenario } from '../simulate/load';
import type { Scenario } from '../simulate/scenario';

/** The Session variables: id, status, provider and model, tokens, cost, context used of the window. */
export async function sessionView(
  manager: SessionApi,
  id: string | undefined,
  modelOverride: string | undefined,
  priceOverrides: PriceOverrides | undefined,
): Promise<Record<string, unknown>> {
  if (!id) return { note: 'The run has not started a session yet.' };
  const session = await manager.get(id);
  const messages = await manager.allMessages(id);
  const replies = messages.filter((m) => m.usage);
  const tokens = { input: 0, output: 0 };
  let cost = 0;
  let costKnown = true;
  for (const m of replies) {
    tokens.input += m.usage?.inputTokens ?? 0;
    tokens.output += m.usage?.outputTokens ?? 0;
    const c = usageCost(m.usage, m.provider, { at: m.createdAt, overrides: priceOverrides });
    if (c.known) cost += c.total;
    else costKnown = false;
  }
  const last = replies.at(-1);
  const window = contextWindow(last?.provider ?? { name: session.provider, model: session.model }, priceOverrides);
  const used = last?.usage?.inputTokens;
  return {
    id: session.id,
    title: session.title,
    status: session.status,
    provider: session.provider,
    model: modelOverride ?? session.model,
    messages: messages.length,
    tokens,
    cost: costKnown ? `$${cost.toFixed(6)}` : replies.length ? 'unknown (a price is missing)' : '$0',
    context:
      window && used !== undefined
        ? `${used} of ${window} tokens (${((used / window) * 100).toFixed(1)}%)`
        : window
          ? `window ${window} tokens`
          : 'unknown window',
  };
}

/** The Last reply variables: parts, tool calls, usage, timing (from its trace). */
export async function lastReplyView(
  manager: SessionApi,
  reply: Message | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (!reply) return undefined;
  const traces = await manager.listTraces(reply.sessionId, { messageId: reply.id });
  const trace = traces.at(-1);
  const ms = (a?: string, b?: string) => (a && b ? Date.parse(b) - Date.parse(a) : undefined);
  return {
    text: messageText(reply.parts),
    parts: reply.parts,
    toolCalls: reply.parts.filter((p) => p.type === 'tool_call'),
    stopReason: reply.stopReason,
    model: reply.provider?.model,
    usage: reply.usage,
    timing: trace
      ? {
          latencyMs: ms(trace.startedAt, trace.endedAt),
          firstTokenMs: ms(trace.startedAt, trace.firstTokenAt),
          attempts: trace.attemptCount,
          ...(trace.edited ? { edited: trace.edited.paths } : {}),
        }
      : undefined,
  };
}

/** A plain-text view of the run's session, one line per message part, for a recorded session's frames. */
export async function conversationDocument(
  manager: SessionApi,
  id: string | undefined,
): Promise<{ text: string; lineOfSeq: Map<number, number> }> {
  const lines: string[] = [];
  const lineOfSeq = new Map<number, number>();
  if (id)
    for (const m of await manager.allMessages(id)) {
      lineOfSeq.set(m.seq, lines.length + 1);
      const body = m.parts.map((p) =>
        p.type === 'text'
          ? p.text
          : p.type === 'tool_call'
            ? `→ ${p.name}(${p.argumentsJson}) [${p.callId}]`
            : p.type === 'tool_result'
              ? `← ${p.callId}: ${p.content}`
              : `[${p.type}]`,
      );
      lines.push(
        `#${m.seq} ${m.role}:`,
        ...body
          .join('\n')
          .split('\n')
          .map((l) => `    ${l}`),
        '',
      );
    }
  return { text: lines.join('\n'), lineOfSeq };
}

/** A recorded session continued live: a run forked at `fromMessage` (default its last), with no scripted turns. */
export async function recordedSessionScenario(
  manager: SessionApi,
  p: { session: string; fromMessage?: number; provider?: ProviderName; model?: string },
): Promise<LoadedScenario> {
  const source = await manager.get(p.session);
  const last = (await manager.allMessages(source.id)).at(-1);
  if (!last && p.fromMessage === undefined)
    throw new CoreError('InvalidInput', `Session "${source.title}" has no messages to continue from.`);
  const provider = p.provider ?? source.provider;
  if (!isProviderName(provider))
    throw new CoreError(
      'InvalidInput',
      `Session "${source.title}" is on provider "${provider}"; give "provider" in the launch configuration.`,
    );
  const scenario: Scenario = {
    name: `Debug of ${source.title}`,
    provider,
    model: p.model ?? source.model,
    from: { session: source.id, message: p.fromMessage ?? last!.seq },
    rounds: 8,
    turns: [],
  };
  return {
    file: `session ${source.id}`,
    scenario,
    locate: () => ({ start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }),
  };
}
