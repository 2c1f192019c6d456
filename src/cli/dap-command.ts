// `dap`: the conversation debugger's Debug Adapter Protocol on stdin/stdout (src/dap/adapter.ts), for any DAP
// client (neovim's nvim-dap, JetBrains, Helix). The database is opened at launch: the configuration's `db`,
// else --db / $LANGSWARM_SESSIONS_DB / the default. Keys come from the environment, as for `send`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreError } from '../core/errors';
import { SessionManager } from '../core/sessions';
import { ConversationDebugSession } from '../dap/adapter';
import { type Command, databaseArg } from './command';
import { providerFor } from './provider-commands';

export const dapCommand = {
  usage:
    'dap   (the conversation debugger over the Debug Adapter Protocol on stdin/stdout; launch with "scenario": FILE or "session": ID)',
  options: {},
  parse(positionals, values) {
    if (positionals.length) throw new CoreError('InvalidInput', `Unexpected argument "${positionals[0]}".`);
    const { dbPath } = databaseArg(values);
    return {
      database: 'none',
      async run(tracer) {
        const session = new ConversationDebugSession({
          async open(db) {
            const file = db ?? dbPath;
            fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
            const manager = await SessionManager.open(file, { tracer });
            return { manager, close: () => manager.close() };
          },
          providerFor: (manager) => async (choice, recorded) =>
            providerFor(manager.tracer, choice.provider, { recorded: () => (recorded ? [...recorded] : undefined) }),
        });
        session.start(process.stdin, process.stdout);
        await new Promise<void>((resolve) => {
          session.onEnded(resolve);
          process.stdin.once('end', resolve);
        });
        await session.closed();
      },
    };
  },
} satisfies Command;
