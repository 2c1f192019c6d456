// Every command's handler, by id: one module per area (sessions, messages, search, the view, history and state,
// data, providers, comparing). A command's arguments are parsed before it runs (args.ts); whatever fails is shown to the user
// as one sentence, never thrown at the UI.
import * as vscode from 'vscode';
import { CoreError, describeError } from '../../core/errors';
import { CommandId, NEEDS_TRUST, untrustedSentence } from '../commandIds';
import { explainUntrusted } from '../ui';
import { CommandSpec, parseArgs } from './args';
import { compareCommands } from './compare';
import { dataCommands } from './data';
import { CommandContext, CommandEnv } from './env';
import { historyCommands } from './history';
import { messageCommands } from './messages';
import { parameterCommands } from './parameters';
import { otlpCommands } from './otlp';
import { providerCommands } from './providers';
import { searchCommands } from './search';
import { sessionCommands } from './sessions';
import { simulateCommands } from './simulate';
import { viewCommands } from './view';

export type { CommandContext } from './env';

export class Commands {
  /** The last error a command reported to the user (tests read it). */
  lastError: CoreError | Error | undefined;
  private readonly commands: Record<CommandId, CommandSpec>;

  constructor(private readonly ctx: CommandContext) {
    const env = new CommandEnv(ctx);
    this.commands = {
      ...sessionCommands(env),
      ...messageCommands(env),
      ...parameterCommands(env),
      ...searchCommands(env),
      ...viewCommands(env),
      ...historyCommands(env),
      ...dataCommands(env),
      ...providerCommands(env),
      ...compareCommands(env),
      ...otlpCommands(env),
      ...simulateCommands(env),
    };
  }

  /**
   * Runs a command; failures are shown to the user as the core's sentence, never thrown at the UI. In Restricted Mode a
   * command that needs trust is not run: the user is told why, with the way to trust the workspace.
   */
  async run(id: CommandId, args: readonly unknown[]): Promise<unknown> {
    if (NEEDS_TRUST.has(id) && !vscode.workspace.isTrusted) {
      const sentence = untrustedSentence(commandTitle(this.ctx.context, id));
      this.lastError = new CoreError('DatabaseReadOnly', sentence);
      this.ctx.log.info(`${id} not run: the workspace is not trusted`);
      explainUntrusted(sentence);
      return undefined;
    }
    try {
      this.lastError = undefined;
      const spec = this.commands[id];
      return await spec.run(...(parseArgs(id, spec, args) as never[]));
    } catch (e) {
      this.lastError = e instanceof Error ? e : new Error(String(e));
      this.ctx.log.error(`${id} failed: ${describeError(e)}`);
      // The user was told when the store had to be stopped (WorkspaceStore): once is enough.
      if (e instanceof CoreError && e.code === 'StoreStopped') return undefined;
      if (e instanceof CoreError && e.code === 'DatabaseReadOnly' && !vscode.workspace.isTrusted)
        explainUntrusted('This workspace is not trusted: its sessions are read-only.');
      else void vscode.window.showErrorMessage(describeError(e));
      return undefined;
    }
  }
}

/** A command's title as the palette shows it ("Category: Title"), from package.json. */
function commandTitle(context: vscode.ExtensionContext, id: CommandId): string {
  const contributed = (context.extension.packageJSON as { contributes?: { commands?: unknown } }).contributes?.commands;
  const entry = Array.isArray(contributed)
    ? (contributed as Array<{ command?: unknown; title?: unknown; category?: unknown }>).find((c) => c.command === id)
    : undefined;
  if (typeof entry?.title !== 'string') return id;
  return typeof entry.category === 'string' ? `${entry.category}: ${entry.title}` : entry.title;
}
