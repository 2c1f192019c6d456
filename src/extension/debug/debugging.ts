// The conversation debugger in VS Code: launch configurations (F5 without a launch.json debugs the open scenario file,
// else a session picked from a list), the debug adapter (src/dap/adapter.ts) inline on the workspace store's worker and
// the editor's providers, or `langswarm-sessions dap` as a separate process for another database file, and the end of
// a run (its result for the Test Explorer, "Compare with Original" for a continued session), and "Edit Request…"
// (requestDocuments.ts). Not in an untrusted workspace: a run calls providers and writes sessions.
import * as path from 'node:path';
import { OutputEvent } from '@vscode/debugadapter';
import * as vscode from 'vscode';
import { CoreError } from '../../core/errors';
import { isScenarioFile } from '../../core/simulate/load';
import { ConversationDebugSession, ENDED_EVENT, type EndedEventBody, type LaunchArguments } from '../../dap/adapter';
import { DEBUG_TYPE } from '../keys';
import { readPriceOverrides } from '../prices';
import type { ProviderAccess } from '../providerAccess';
import { REQUEST_SCHEME, RequestDocuments } from './requestDocuments';
import { SCENARIO_GLOB } from '../simulate/scenarioTests';
import type { WorkspaceStore } from '../workspaceStore';

export const UNTRUSTED_DEBUG =
  'Conversations are not debugged in an untrusted workspace: a run calls providers and writes sessions. Trust the folder to debug it.';
/** A launch started here carries this key: its end is reported to whoever started it (the Test Explorer). */
const RUN_KEY = 'langswarmRun';

type Configuration = vscode.DebugConfiguration & Partial<LaunchArguments>;

export interface DebuggingParts {
  store: WorkspaceStore;
  providers: ProviderAccess;
  /** The extension's folder: dist/cli.js runs the adapter for another database. */
  extensionPath: string;
  pickSession(placeHolder: string): Promise<string | undefined>;
}

export class ConversationDebugging implements vscode.Disposable {
  private readonly endings = new Map<string, EndedEventBody>();
  private readonly waiting = new Map<string, (ended: EndedEventBody | undefined) => void>();
  private readonly requests = new RequestDocuments();
  private readonly disposables: vscode.Disposable[] = [this.requests];
  private runs = 0;
  /** The last "Compare with Original" offered: the continued session and its run (tests read it). */
  lastComparison?: [original: string, run: string];

  constructor(private readonly parts: DebuggingParts) {
    this.disposables.push(
      vscode.workspace.registerFileSystemProvider(REQUEST_SCHEME, this.requests, { isCaseSensitive: true }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === ENDED_EVENT)
          this.endings.set(e.session.id, e.body as EndedEventBody);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  // ---- configurations ---------------------------------------------------------------------------

  /** F5 without a launch.json: the open scenario file, else a session to continue; `cwd` is the folder. */
  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(UNTRUSTED_DEBUG);
      return undefined;
    }
    let resolved: Configuration = config;
    if (!config.type && !config.request && !config.name) {
      const open = vscode.window.activeTextEditor?.document.uri;
      if (open?.scheme === 'file' && isScenarioFile(open.path)) resolved = scenarioConfiguration(open);
      else {
        const sessionId = await this.parts.pickSession(
          'Debug which session? (it continues live from its last message)',
        );
        if (!sessionId) return undefined;
        resolved = { type: DEBUG_TYPE, request: 'launch', name: 'Continue session', session: sessionId };
      }
    }
    resolved.cwd ??= (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
    return resolved;
  }

  /** The Run and Debug view's list: one configuration per scenario file in the workspace. */
  async dynamicConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const pattern = folder ? new vscode.RelativePattern(folder, SCENARIO_GLOB) : SCENARIO_GLOB;
    const files = await vscode.workspace.findFiles(pattern, '**/node_modules/**', 50);
    return files.map(scenarioConfiguration);
  }

  // ---- the adapter --------------------------------------------------------------------------------

  /** Inline on the workspace's database; another database file gets `langswarm-sessions dap` in its own process. */
  async descriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor> {
    const config = session.configuration as Configuration;
    const base = config.cwd ?? session.workspaceFolder?.uri.fsPath ?? process.cwd();
    const db = config.db ? path.resolve(base, config.db) : undefined;
    if (db && db !== path.resolve(this.parts.store.path)) {
      // The store worker holds the workspace's database; the CLI opens the other one (with the keys it needs).
      return new vscode.DebugAdapterExecutable(
        process.execPath,
        [path.join(this.parts.extensionPath, 'dist', 'cli.js'), 'dap', '--db', db],
        { env: { ...(await this.parts.providers.cliEnvironment()), ELECTRON_RUN_AS_NODE: '1' }, cwd: base },
      );
    }
    const { store, providers } = this.parts;
    const adapter: ConversationDebugSession = new ConversationDebugSession({
      open: async () => ({ manager: await store.manager() }),
      providerFor: (manager) =>
        providers.forRun(manager, (note) => adapter.sendEvent(new OutputEvent(`${note}\n`, 'console'))),
      priceOverrides: readPriceOverrides,
    });
    return new vscode.DebugAdapterInlineImplementation(adapter);
  }

  /** "Edit Request…": the pending request of the active debug session, as a JSON document; saving it sends it. */
  editRequest(): Promise<vscode.Uri> {
    return this.requests.open();
  }

  // ---- runs started here --------------------------------------------------------------------------

  /**
   * Debugs the scenario file `uri`; resolves when the debug session ends, with how its run ended (undefined when it
   * did not start or sent no result).
   */
  async debugScenario(uri: vscode.Uri, testRun?: vscode.TestRun): Promise<EndedEventBody | undefined> {
    if (!vscode.workspace.isTrusted) throw new CoreError('InvalidInput', UNTRUSTED_DEBUG);
    const key = `${Date.now()}-${++this.runs}`;
    const ended = new Promise<EndedEventBody | undefined>((resolve) => this.waiting.set(key, resolve));
    const started = await vscode.debug.startDebugging(
      vscode.workspace.getWorkspaceFolder(uri),
      { ...scenarioConfiguration(uri), [RUN_KEY]: key },
      testRun ? { testRun } : {},
    );
    if (!started) {
      this.waiting.delete(key);
      return undefined;
    }
    return ended;
  }

  private ended(session: vscode.DebugSession): void {
    if (session.type !== DEBUG_TYPE) return;
    const ending = this.endings.get(session.id);
    this.endings.delete(session.id);
    const config = session.configuration as Configuration;
    const key = config[RUN_KEY];
    const resolve = typeof key === 'string' ? this.waiting.get(key) : undefined;
    if (resolve) {
      this.waiting.delete(key);
      resolve(ending);
    }
    // A recorded session continued: its run is a fork, to compare with the original.
    const original = config.session;
    const run = ending?.sessionId;
    if (!original || !run || run === original) return;
    this.lastComparison = [original, run];
    void vscode.window
      .showInformationMessage(`The debug run is stored as session ${run}.`, 'Compare with Original')
      .then((answer) => {
        if (answer)
          void vscode.commands.executeCommand('langswarmSessions.compareSessions', {
            sessionId: original,
            otherSessionId: run,
          });
      });
  }
}

/** A launch of the scenario file `uri`, stopping before its first model call. */
function scenarioConfiguration(uri: vscode.Uri): Configuration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Debug ${vscode.workspace.asRelativePath(uri)}`,
    scenario: uri.fsPath,
    stopOnEntry: true,
  };
}
