// The extension's implementation, loaded on first use (see extension.ts): wires the core to the
// Sessions tree, the commands, the status bar, message documents, settings, trust and logging.
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { SESSION_STATUSES } from '../core/model';
import { Tracer, TraceEvent, LogLevel } from '../core/trace';
import type { CommandId } from './commandIds';
import { type CommandContext, Commands } from './commands';
import { CommandEnv } from './commands/env';
import { ConversationDebugging } from './debug/debugging';
import { WorkspaceStore, gitignoreEntry } from './workspaceStore';
import { NEVER_OFFER_GITIGNORE } from './keys';
import { MESSAGE_SCHEME, MessageDocuments } from './messageDocuments';
import { PARAMETERS_SCHEME, ParameterDocuments } from './parameterDocuments';
import { ProviderAccess } from './providerAccess';
import { VIEW_SCHEME, VirtualDocuments } from './virtualDocuments';
import { offerMigration } from './migration';
import { ComparePanel } from './webview/comparePanel';
import { HistoryPanel } from './webview/historyPanel';
import { showLangSwarmStore } from './webview/langswarmEditor';
import { FOLLOW_SETTING, StoreFollowing } from './follow';
import { OtlpReceiverControl } from './otlpReceiver';
import { ActiveSession } from './statusBar';
import { ScenarioTests } from './simulate/scenarioTests';
import type { Node } from './tree/nodes';
import { SessionsTree } from './tree/sessionsTree';

export interface Main {
  tree: SessionsTree;
  /** The Sessions view (its message and description say what the tree shows; tests read them). */
  treeView: vscode.TreeView<Node>;
  database: WorkspaceStore;
  commands: Commands;
  /** Scenario files in the Test Explorer. */
  scenarios: ScenarioTests;
  /** The conversation debugger (launch configurations, the adapter, Edit Request…). */
  debugging: ConversationDebugging;
  active: ActiveSession;
  providers: ProviderAccess;
  otlp: OtlpReceiverControl;
  tracer: Tracer;
  execute(id: CommandId, args: unknown[]): Promise<unknown>;
  /** Offers (once per workspace) to migrate LangSwarm files found in it, then to follow them; resolves to the files. */
  offerMigration(): Promise<string[]>;
  /** Follows the stores the follow.paths setting names (else offers to follow the ones found). */
  startFollowing(): Promise<void>;
  following: StoreFollowing;
  /** Workspace trust was granted: reopens the database writable, then offers to migrate the LangSwarm files found. */
  trustGranted(): Promise<string[]>;
  /** Shows a LangSwarm store in the read-only custom editor's panel. */
  showLangSwarmStore(uri: vscode.Uri, panel: vscode.WebviewPanel): void;
  /** Takes over a history browser VS Code restored after a reload. */
  reviveHistory(panel: vscode.WebviewPanel): Promise<void>;
}

export interface StartParts {
  log: vscode.LogOutputChannel;
  treeEvents: vscode.EventEmitter<unknown>;
  treeView: vscode.TreeView<unknown>;
}

/** "Developer: Set Log Level…" on the channel decides what reaches it; spans are debug events. */
export function connectLog(log: vscode.LogOutputChannel, tracer: Tracer): vscode.Disposable {
  const write: Record<LogLevel, (message: string) => void> = {
    trace: (m) => log.trace(m),
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => log.error(m),
  };
  const format = (e: TraceEvent) => {
    const session = e.span?.sessionId ? ` [session ${e.span.sessionId}]` : '';
    const fields = e.fields && Object.keys(e.fields).length ? ` ${JSON.stringify(e.fields)}` : '';
    return `${e.message}${session}${fields}`;
  };
  const sync = () => {
    tracer.level = log.logLevel === vscode.LogLevel.Trace ? 'trace' : 'debug';
  };
  sync();
  const off = tracer.addSink((e) => write[e.level](format(e)));
  const sub = log.onDidChangeLogLevel(sync);
  return new vscode.Disposable(() => {
    off();
    sub.dispose();
  });
}

export function start(context: vscode.ExtensionContext, parts: StartParts): Main {
  // Spans are always kept (debug) for state dumps; the channel shows what its level allows.
  const tracer = new Tracer('debug');
  const database = new WorkspaceStore(context, tracer);
  const treeView = parts.treeView as vscode.TreeView<Node>;
  const tree = new SessionsTree(
    database,
    context.workspaceState,
    parts.treeEvents as vscode.EventEmitter<Node | undefined>,
  );
  const active = new ActiveSession(database, context.workspaceState);
  const following = new StoreFollowing(database, context.workspaceState, parts.log, () => tree.refresh());
  tree.isFollowed = (id) => following.isFollowed(id);
  const views = new VirtualDocuments();
  const providers = new ProviderAccess(context.secrets, parts.log, context.workspaceState);
  const otlp = new OtlpReceiverControl(database, parts.log);
  const debugging = new ConversationDebugging({
    store: database,
    providers,
    extensionPath: context.extensionPath,
    pickSession: (placeHolder) => new CommandEnv(commandContext).pickSession(placeHolder, SESSION_STATUSES),
  });
  const scenarios = new ScenarioTests(
    database,
    providers,
    () => vscode.workspace.getConfiguration('langswarmSessions').get<boolean>('simulate.judge') === true,
    (uri, run) => debugging.debugScenario(uri, run),
  );
  const commandContext: CommandContext = {
    store: database,
    tree,
    treeView,
    active,
    log: parts.log,
    providers,
    context,
    views,
    following,
    otlp,
    scenarios,
    debugging,
  };
  const commands = new Commands(commandContext);
  const documents = new MessageDocuments(database);
  const parameterDocuments = new ParameterDocuments(database);

  const describeView = () => {
    const filter = tree.describeFilter();
    treeView.description = filter ? `filtered: ${filter}` : undefined;
    const readOnly =
      database.readOnly && database.openManager
        ? 'Read-only: this workspace is not trusted, so its sessions cannot be changed.'
        : undefined;
    treeView.message = [readOnly, tree.filterMessage()].filter(Boolean).join(' ') || undefined;
  };

  context.subscriptions.push(
    connectLog(parts.log, tracer),
    otlp,
    database,
    scenarios,
    debugging,
    tree,
    active,
    following,
    documents,
    vscode.workspace.registerFileSystemProvider(MESSAGE_SCHEME, documents, { isCaseSensitive: true }),
    parameterDocuments,
    vscode.workspace.registerFileSystemProvider(PARAMETERS_SCHEME, parameterDocuments, { isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, views),
    views,
    parts.treeEvents.event(describeView),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('langswarmSessions.databasePath')) void database.reopen();
      else if (e.affectsConfiguration('langswarmSessions.grouping')) tree.refresh();
      if (e.affectsConfiguration(`langswarmSessions.${FOLLOW_SETTING}`)) void following.fromSettings();
      if (e.affectsConfiguration('langswarmSessions.autoArchiveDays') && database.openManager)
        database.startAutoArchive(database.openManager);
    }),
    database.onDidReopen(() => {
      describeView();
      if (!HistoryPanel.isOpen && !ComparePanel.isOpen) return;
      database.manager().then(
        (m) => {
          HistoryPanel.reattach(context, m);
          ComparePanel.reattach(m);
        },
        (e: unknown) =>
          tracer.error('could not reopen the session database for the history browser', { error: describeError(e) }),
      );
    }),
  );

  void database.manager().then(
    () => {
      describeView();
      if (database.createdNow) offerGitignore(context, database);
      void otlp.followSetting();
    },
    (e: unknown) =>
      tracer.error('could not open the session database', { path: database.path, error: describeError(e) }),
  );

  return {
    tree,
    treeView,
    database,
    commands,
    scenarios,
    debugging,
    active,
    tracer,
    providers,
    otlp,
    execute: (id, args) => commands.run(id, args),
    offerMigration: () => offerMigration(context.workspaceState, () => following.offer()),
    startFollowing: async () => {
      await following.fromSettings();
      await following.offer();
    },
    following,
    trustGranted: async () => {
      await database.reopen();
      void following.fromSettings();
      return offerMigration(context.workspaceState, () => following.offer());
    },
    showLangSwarmStore: (uri, panel) => showLangSwarmStore(uri, panel, parts.log),
    reviveHistory: async (panel) => {
      HistoryPanel.revive(context, await database.manager(), panel, { conversations: providers });
    },
  };
}

/** Once, when this window created the database inside a git repository: offer to ignore it. */
function offerGitignore(context: vscode.ExtensionContext, database: WorkspaceStore): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder?.uri.scheme !== 'file' || NEVER_OFFER_GITIGNORE.get(context.globalState)) return;
  if (!gitignoreEntry(folder.uri.fsPath, database.path)) return;
  void vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, '.git')).then(
    async () => {
      const answer = await vscode.window.showInformationMessage(
        'LangSwarm Sessions created its database in this repository. Add it (and its journal) to .gitignore?',
        'Add to .gitignore',
        'Not now',
        'Never',
      );
      if (answer === 'Add to .gitignore') await vscode.commands.executeCommand('langswarmSessions.addToGitignore');
      if (answer === 'Never') await NEVER_OFFER_GITIGNORE.update(context.globalState, true);
    },
    () => undefined,
  );
}
