// The commands that talk to providers: send, replay, test-provider, import-openai. Keys and base URLs
// come from the environment; without a key the offline Replay provider answers.
import { importOpenAIConversation, replay, send, testConnection } from '../core/conversation';
import { CoreError } from '../core/errors';
import type { Message } from '../core/model';
import { OpenAIProvider, Provider, StreamEvent, configFromEnv, createProvider } from '../core/providers';
import type { SessionManager } from '../core/sessions';
import { partsText } from '../core/text';
import type { Tracer } from '../core/trace';
import { Command, need, str, warn, withInterrupt } from './command';

/** Fails now, before anything is opened, when `name` would need an API key that is not set. */
function requireKey(name: string): void {
  const { note } = configFromEnv(name, process.env);
  if (note) throw new CoreError('InvalidInput', note.replace(/; answering with the offline Replay provider\./, '.'));
}

/**
 * The provider for `name`, keyed from the environment. Without a key the offline Replay provider
 * stands in, answering from `recorded()` (the session this one came from).
 */
export function providerFor(
  tracer: Tracer,
  name: string,
  options: { recorded?: () => Message[] | undefined; stateless?: boolean } = {},
): Provider {
  const { config, note } = configFromEnv(name, process.env);
  if (note) process.stderr.write(`note: ${note}\n`);
  if (config.name === 'replay') {
    return createProvider({ name: 'replay', recorded: options.recorded?.() });
  }
  return createProvider({
    ...config,
    tracer,
    ...(options.stateless && config.name === 'openai' ? { stateless: true } : {}),
  });
}

/** The messages of session `id` when it exists (what Replay answers from). */
function recordedFrom(m: SessionManager, id: string | undefined): () => Message[] | undefined {
  return () => (id && m.find(id) ? m.allMessages(id) : undefined);
}

/** A turn's warnings as they happen (the editor shows them as notifications). */
function warnOfEvent(e: StreamEvent): void {
  if (e.type === 'warning') warn(e.message);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

export const providerCommands = {
  send: {
    usage:
      'send SESSION [--content TEXT] [--stream] [--provider P] [--model M] [--stateless]   (keys and base URLs from the environment)',
    options: {
      content: { type: 'string' },
      stream: { type: 'boolean' },
      provider: { type: 'string' },
      model: { type: 'string' },
      stateless: { type: 'boolean' },
    },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const streaming = v['stream'] === true;
      return {
        database: 'write',
        async run(m, out) {
          const session = m.get(id);
          const provider = providerFor(m.tracer, str(v['provider']) ?? session.provider, {
            recorded: recordedFrom(m, session.parent?.sessionId),
            stateless: v['stateless'] === true,
          });
          // Naming the session on the command line is the choice to continue it; say when that changes its status.
          if (session.status !== 'active')
            process.stderr.write(`note: session "${session.title}" was ${session.status}; sending makes it active.\n`);
          const result = await withInterrupt((signal) =>
            send(m, session.id, str(v['content']), {
              provider,
              signal,
              resume: true,
              stream: streaming,
              model: str(v['model']) || undefined, // an empty --model keeps the session's
              onEvent: (e) => {
                warnOfEvent(e);
                if (streaming && e.type === 'text_delta') process.stdout.write(e.text);
              },
            }),
          );
          out.line(streaming ? '' : partsText(result.reply.parts, 'text'));
          const calls = partsText(result.reply.parts, 'calls');
          if (calls) out.line(calls);
        },
      };
    },
  },
  replay: {
    usage: 'replay SESSION --provider P --model M [--json]   (re-runs the user turns into a new session and compares)',
    options: { provider: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } },
    parse([sessionId], v) {
      const id = need(sessionId, 'SESSION');
      const providerName = need(v['provider'], '--provider');
      const model = need(v['model'], '--model');
      return {
        database: 'write',
        async run(m, out) {
          const source = m.get(id);
          const provider = providerFor(m.tracer, providerName, { recorded: recordedFrom(m, source.id) });
          const result = await withInterrupt((signal) =>
            replay(m, source.id, {
              provider,
              model,
              signal,
              onEvent: warnOfEvent,
            }),
          );
          if (v['json']) return out.json({ sessionId: result.session.id, turns: result.turns });
          out.line(result.session.id);
          const facts = (stop?: string, usage?: { totalTokens: number }) =>
            [stop, usage ? `${usage.totalTokens} tokens` : undefined].filter(Boolean).join(', ');
          for (const [i, t] of result.turns.entries()) {
            out.line(`turn ${i + 1}`);
            out.line(`  user:     ${oneLine(t.user)}`);
            out.line(
              `  original: ${oneLine(t.original)}${facts(t.originalStop, t.originalUsage) ? `  [${facts(t.originalStop, t.originalUsage)}]` : ''}`,
            );
            out.line(
              `  replayed: ${oneLine(t.replayed)}${facts(t.replayedStop, t.replayedUsage) ? `  [${facts(t.replayedStop, t.replayedUsage)}]` : ''}`,
            );
          }
        },
      };
    },
  },
  testProvider: {
    usage: 'test-provider PROVIDER --model M   (one tiny request: latency, model, or what is wrong)',
    options: { model: { type: 'string' } },
    parse([name], v) {
      const providerName = need(name, 'PROVIDER');
      const model = need(v['model'], '--model');
      requireKey(providerName);
      return {
        database: 'none',
        async run(tracer, out) {
          const report = await withInterrupt((signal) =>
            testConnection(providerFor(tracer, providerName), model, signal),
          );
          if (report.ok)
            out.line(
              `ok  ${report.provider}/${report.model}  ${report.latencyMs} ms  reply: ${oneLine(report.reply ?? '')}`,
            );
          else
            process.stderr.write(
              `failed  ${report.provider}/${report.model}  ${report.latencyMs} ms: ${report.error}\n`,
            );
          return report.ok ? 0 : 1;
        },
      };
    },
  },
  importOpenAI: {
    usage:
      'import-openai CONVERSATION --model M [--title T]   (copies an OpenAI conversation into a new bound session)',
    options: { model: { type: 'string' }, title: { type: 'string' } },
    parse([conversationId], v) {
      const conversation = need(conversationId, 'CONVERSATION');
      const model = need(v['model'], '--model');
      const title = str(v['title']);
      requireKey('openai');
      return {
        database: 'create',
        async run(m, out) {
          const provider = providerFor(m.tracer, 'openai');
          if (!(provider instanceof OpenAIProvider)) throw new CoreError('Internal', 'expected the OpenAI provider');
          out.line(
            (await importOpenAIConversation(m, provider, conversation, { model, title: title || undefined })).id,
          );
        },
      };
    },
  },
} satisfies Record<string, Command>;
