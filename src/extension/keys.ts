// Every name VS Code keeps or matches for the extension, spelled once: context keys (package.json's `when` clauses
// read them), workspace and global state keys, the view and the webview types. Activation imports this file, and
// unit tests load it on plain Node: it imports types only.
import type * as vscode from 'vscode';
import type { TreeFilter } from './tree/nodes';

/** A context key and the type of its value; package.json's `when` clauses read it. */
export class ContextKey<T extends string | boolean> {
  declare readonly valueType?: T;
  constructor(readonly name: string) {}

  /** Sets it, through the `setContext` command of `commands` (vscode.commands). */
  set(commands: Pick<typeof vscode.commands, 'executeCommand'>, value: T): Thenable<unknown> {
    return commands.executeCommand('setContext', this.name, value);
  }
}

/** A key in a Memento (workspaceState or globalState) and the type of its value. */
export class StateKey<T> {
  constructor(readonly name: string) {}

  get(memento: vscode.Memento): T | undefined {
    return memento.get<T>(this.name);
  }

  update(memento: vscode.Memento, value: T | undefined): Thenable<void> {
    return memento.update(this.name, value);
  }
}

/** What the Sessions view shows: its welcome content when empty (the `viewsWelcome` entries). */
export const TREE_STATE = new ContextKey<'empty' | 'ready' | 'failed'>('langswarmSessions.state');
/** A filter is set: "Clear Filter" shows in the view's title. */
export const TREE_FILTERED = new ContextKey<boolean>('langswarmSessions.filtered');

/** The OTLP receiver listens: the palette offers Stop OTLP Receiver instead of Start. */
export const OTLP_LISTENING = new ContextKey<boolean>('langswarmSessions.otlpListening');

/** The conversation debugger's debug type (the adapter's DEBUG_TYPE, src/dap/adapter.ts; activation registers it without loading the adapter). */
export const DEBUG_TYPE = 'langswarm-session';

/** Every context key, for the test that package.json reads each one and no other. */
export const CONTEXT_KEYS: ReadonlyArray<{ name: string }> = [TREE_STATE, TREE_FILTERED, OTLP_LISTENING];

// ---- workspaceState ----
export const ACTIVE_SESSION = new StateKey<string>('langswarmSessions.activeSessionId');
export const TREE_FILTER = new StateKey<TreeFilter>('langswarmSessions.filter');
/** The trusted workspace was searched for LangSwarm files once (activation stops scheduling the search; untrusted, it waits for trust). */
export const MIGRATION_CHECKED = new StateKey<boolean>('langswarmSessions.migrationChecked');
/** The user answered "Never" to following the LangSwarm stores found here. */
export const FOLLOW_OFFER = new StateKey<'never'>('langswarmSessions.followOffer');
/** The user was offered to migrate the LangSwarm files found here. */
export const MIGRATION_OFFERED = new StateKey<boolean>('langswarmSessions.migrationOffered');
/**
 * How to continue an imported, completed or archived session, when the user said not to ask again in this
 * workspace ("Ask Again How to Continue Recorded Sessions" forgets it).
 */
export const CONTINUE_CHOICE = new StateKey<'fork' | 'here'>('langswarmSessions.continueChoice');

// ---- globalState ----
export const NEVER_OFFER_GITIGNORE = new StateKey<boolean>('langswarmSessions.neverOfferGitignore');

/** The Sessions view (package.json `contributes.views`). */
export const SESSIONS_VIEW = 'langswarmSessions.sessions';

/** The read-only custom editor of LangSwarm stores (package.json `contributes.customEditors`). */
export const LANGSWARM_EDITOR = 'langswarmSessions.langswarmStore';

/**
 * The webview panels' types; the history browser's is also the one restored after a reload. The compare view's is
 * what its F7 keybindings' `when` clause names (activeWebviewPanelId).
 */
export const VIEW_TYPES = {
  history: 'langswarm.history',
  state: 'langswarm.state',
  compare: 'langswarm.compare',
} as const;
