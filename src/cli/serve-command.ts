// `serve --otlp [--port P] [--token T]`: an OTLP/HTTP trace receiver on 127.0.0.1 (core/otlp/receiver.ts)
// storing GenAI spans as sessions until Ctrl+C, which stops it and prints what it received.
import { CoreError } from '../core/errors';
import { DEFAULT_OTLP_PORT, OTLP_HOST, type ReceiverStats } from '../core/otlp/receiver';
import type { Command } from './command';
import { str } from './command';

export const TOKEN_ENV = 'LANGSWARM_SESSIONS_OTLP_TOKEN';

export const serveCommand = {
  usage: `serve --otlp [--port P] [--token T]   (receives OpenTelemetry traces at http://${OTLP_HOST}:P/v1/traces, P ${DEFAULT_OTLP_PORT} unless given, 0 for a free one; GenAI spans become sessions; a bearer token from --token or $${TOKEN_ENV}; Ctrl+C stops)`,
  options: { otlp: { type: 'boolean' }, port: { type: 'string' }, token: { type: 'string' }, host: { type: 'string' } },
  parse(positionals, v) {
    if (!v['otlp'])
      throw new CoreError('InvalidInput', 'serve needs --otlp: it receives OpenTelemetry traces over OTLP/HTTP.');
    if (positionals.length) throw new CoreError('InvalidInput', `Unexpected argument "${positionals[0]}".`);
    const host = str(v['host']);
    if (host !== undefined && host !== OTLP_HOST)
      throw new CoreError(
        'InvalidInput',
        `The receiver listens on ${OTLP_HOST} only (it writes sessions and has no TLS), not "${host}".`,
      );
    const portText = str(v['port']);
    const port = portText === undefined ? DEFAULT_OTLP_PORT : Number(portText);
    if (portText !== undefined && !(/^\d{1,5}$/.test(portText) && port <= 65535))
      throw new CoreError('InvalidInput', `--port needs a whole number from 0 to 65535, not "${portText}".`);
    const token = str(v['token']) ?? process.env[TOKEN_ENV];
    if (token === '') throw new CoreError('InvalidInput', 'The bearer token is empty; give one, or none.');
    return {
      database: 'create',
      async run(m, out) {
        const { url } = await m.startOtlpReceiver({ port, token });
        out.line(`listening on ${url}`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        const stats = await m.stopOtlpReceiver();
        if (stats) out.line(summary(stats));
      },
    };
  },
} satisfies Command;

function summary(s: ReceiverStats): string {
  return [
    `stopped: ${s.requests} request(s) (${s.refused} refused)`,
    `${s.spans} span(s): ${s.stored} stored, ${s.duplicates} already stored, ${s.rejected} rejected`,
    `${s.sessionsCreated} session(s) created, ${s.messagesAdded} message(s) added`,
  ].join('; ');
}
