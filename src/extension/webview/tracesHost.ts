// The inspector's requests, answered from the session core: a session's recorded model calls, one call whole with
// its cost (src/core/cost.ts), and an attempt copied as a curl command (src/core/curl.ts). Free of `vscode`.
import { Cost, PriceOverrides, usageCost } from '../../core/cost';
import { curlCommand } from '../../core/curl';
import { CoreError } from '../../core/errors';
import type { SessionApi } from '../../core/sessions';
import type { TurnTrace } from '../../core/turn-trace';
import { IpcRequest, TRACE_LIST_MAX } from '../../protocol';
import type { IpcHost } from './ipcHost';

export interface TraceRequestOptions {
  copyText?(text: string): void;
  /** The user's per-model prices (langswarmSessions.prices), read at each request. */
  prices?(): PriceOverrides;
}

export function serveTraces(ipc: IpcHost, manager: SessionApi, options: TraceRequestOptions): void {
  ipc
    .onRequest(IpcRequest.ListTraces, async ({ sessionId }) => {
      const all = await manager.listTraces(sessionId);
      return { traces: all.slice(-TRACE_LIST_MAX), total: all.length };
    })
    .onRequest(IpcRequest.GetTrace, async ({ spanId }) => {
      const trace = await manager.getTrace(spanId);
      return { trace, cost: traceCost(trace, options.prices?.()) };
    })
    .onRequest(IpcRequest.CopyCurl, async ({ spanId, attempt }) => {
      const trace = await manager.getTrace(spanId);
      const chosen = trace.attempts[attempt];
      if (!chosen)
        throw new CoreError(
          'InvalidInput',
          `This call has ${trace.attempts.length} HTTP attempts, not ${attempt + 1}.`,
        );
      const { command, keyVariable, piped } = curlCommand(chosen, trace.provider);
      options.copyText?.(command);
      return { ...(keyVariable ? { keyVariable } : {}), piped };
    });
}

/** What the call cost, priced for the model that answered, as of when it ran; never a guess. */
export function traceCost(trace: TurnTrace, overrides?: PriceOverrides): Cost {
  if (!trace.usage)
    return { known: false, reason: 'the call recorded no usage (the provider reported none before it ended)' };
  const producer = { name: trace.provider, model: trace.modelAnswered ?? trace.modelRequested };
  return usageCost(trace.usage, producer, { at: trace.startedAt, overrides });
}
