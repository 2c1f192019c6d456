// Start / Stop OTLP Receiver: the receiver runs in the store's worker (see ../otlpReceiver.ts).
import * as vscode from 'vscode';
import { Commands, command } from './args';
import type { CommandEnv } from './env';

export function otlpCommands(
  env: CommandEnv,
): Commands<'langswarmSessions.startOtlpReceiver' | 'langswarmSessions.stopOtlpReceiver'> {
  return {
    'langswarmSessions.startOtlpReceiver': command([], async () => {
      const url = await env.ctx.otlp.start();
      void vscode.window
        .showInformationMessage(
          `Receiving OpenTelemetry traces at ${url}/v1/traces: run your app with OTEL_EXPORTER_OTLP_ENDPOINT=${url}.`,
          'Copy Endpoint',
        )
        .then((answer) => (answer ? vscode.env.clipboard.writeText(url) : undefined));
      return url;
    }),
    'langswarmSessions.stopOtlpReceiver': command([], async () => env.ctx.otlp.stop()),
  };
}
