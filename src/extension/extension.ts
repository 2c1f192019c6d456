// Activation: register the view and the commands, load nothing else. The implementation
// (main.js, with the session core, zod and sql.js) is required on first use: when the
// Sessions view shows or a command runs. Activation stays under 50 ms (README, Benchmarks; `npm run bench`).
import * as vscode from 'vscode';
import { COMMAND_IDS } from './commandIds';
import { DEBUG_TYPE, FOLLOW_OFFER, LANGSWARM_EDITOR, MIGRATION_CHECKED, SESSIONS_VIEW, VIEW_TYPES } from './keys';
import type { Main } from './main';

export interface ExtensionApi {
  /** Milliseconds activate() took. */
  readonly activationMs: number;
  /** Loads the implementation (if not yet) and returns it: tests drive the tree and core through it. */
  main(): Promise<Main>;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('LangSwarm Sessions', { log: true });
  const treeEvents = new vscode.EventEmitter<unknown>();
  let main: Promise<Main> | undefined;
  const load = (): Promise<Main> => {
    main ??= Promise.resolve().then(() => {
      const t = performance.now();
      const impl = (require('./main.js') as typeof import('./main')).start(context, { log, treeEvents, treeView });
      log.info(`loaded in ${(performance.now() - t).toFixed(1)} ms`);
      return impl;
    });
    return main;
  };
  // The view needs a provider now; this one forwards to the real tree once it is loaded.
  const treeView = vscode.window.createTreeView<unknown>(SESSIONS_VIEW, {
    showCollapseAll: true,
    // Two sessions selected: "Compare Sessions" compares them (menus get the clicked row and the selection).
    canSelectMany: true,
    treeDataProvider: {
      onDidChangeTreeData: treeEvents.event,
      getChildren: async (node) => (await load()).tree.getChildren(node as never),
      getTreeItem: (node) => main!.then((m) => m.tree.getTreeItem(node as never)),
      getParent: async (node) => (await load()).tree.getParent(node as never),
      resolveTreeItem: async (item, node) => (await load()).tree.resolveTreeItem(item, node as never),
    },
  });
  context.subscriptions.push(log, treeEvents, treeView);
  for (const id of COMMAND_IDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => (await load()).execute(id, args)),
    );
  }
  // A history browser left open restores after a reload (the webview keeps its own state).
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.history, {
      deserializeWebviewPanel: async (panel) => (await load()).reviveHistory(panel),
    }),
  );
  // LangSwarm stores opened from the Explorer: a read-only summary with an Import button, not the binary-file warning.
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      LANGSWARM_EDITOR,
      {
        openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
        resolveCustomEditor: async (document, panel) => (await load()).showLangSwarmStore(document.uri, panel),
      },
      { supportsMultipleEditorsPerDocument: true },
    ),
  );
  // The conversation debugger: VS Code asks these before a debug session starts (activation event onDebugResolve).
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      resolveDebugConfiguration: async (folder, config) =>
        (await load()).debugging.resolveDebugConfiguration(folder, config),
    }),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: async (folder) => (await load()).debugging.dynamicConfigurations(folder) },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: async (session) => (await load()).debugging.descriptor(session),
    }),
  );
  // Trust granted (the window may have started in Restricted Mode): the database opens writable, and the
  // LangSwarm files found are offered for import at once.
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => void load().then((m) => m.trustGranted())),
  );
  // Activated because the workspace holds LangSwarm files (or for the first time here): offer to
  // migrate them, a little later so startup is not slowed. (Untrusted, the check waits for trust.)
  // Later windows: follow the LangSwarm stores the follow.paths setting names, or offer to (unless told "Never").
  const following =
    (vscode.workspace.getConfiguration('langswarmSessions').get<unknown[]>('follow.paths')?.length ?? 0) > 0 ||
    FOLLOW_OFFER.get(context.workspaceState) !== 'never';
  if (!MIGRATION_CHECKED.get(context.workspaceState) || following) {
    const first = !MIGRATION_CHECKED.get(context.workspaceState);
    const timer = setTimeout(
      () =>
        void load().then((m) =>
          first ? m.offerMigration().then(() => m.following.fromSettings()) : m.startFollowing(),
        ),
      3000,
    );
    context.subscriptions.push({ dispose: () => clearTimeout(timer) });
  }
  // Scenario files (*.sim.yaml, *.sim.json) belong in the Test Explorer: load the implementation when there are some.
  void vscode.workspace.findFiles('**/*.sim.{yaml,yml,json}', '**/node_modules/**', 1).then((found) => {
    if (found.length) void load();
  });
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, main: load };
}

export function deactivate(): void {
  // main.js registers its own disposables on the context; nothing else to do here.
}
