// Command handlers. Each takes optional arguments (a tree node, an id, or an options object) so
// menus, scripts and tests can drive it; without them it asks with quick picks and input boxes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { addDemoSessions } from '../core/demo';
import { CoreError, describeError } from '../core/errors';
import { KNOWN_PROVIDERS, messageText, SESSION_STATUSES, SessionStatus, SessionSummary } from '../core/model';
import { GROUPINGS, Grouping, SUGGESTED_MODELS } from '../settings';
import type { CommandId } from './commandIds';
import { WorkspaceStore, addToGitignore, readSettings } from './workspaceStore';
import type { SessionClient } from '../core/worker/client';
import { STATUS_ICON, messageIcon, relativeTime, sessionDescription } from './format';
import { messageUri } from './messageDocuments';
import { MigrateArgs, exportSessionV1, runMigration } from './migration';
import { quickPick, runQuickPick } from './picks';
import { dumpState } from '../core/dump';
import { HistoryPanel, HistoryPanelOptions } from './webview/historyPanel';
import { StatePanel, dumpOptions } from './webview/statePanel';
import { Providers } from './providers';
import { VirtualDocuments } from './virtualDocuments';
import { ActiveSession } from './statusBar';
import { Node, SessionsTree, TreeFilter } from './tree';
import { salvageDatabase } from './salvage';

type Args = unknown[];

export interface CommandContext {
  db: WorkspaceStore;
  tree: SessionsTree;
  treeView: vscode.TreeView<Node>;
  active: ActiveSession;
  log: vscode.LogOutputChannel;
  providers: Providers;
  context: vscode.ExtensionContext;
  views: VirtualDocuments;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isNode = (v: unknown): v is Node => isObject(v) && typeof v['kind'] === 'string' && typeof v['id'] === 'string';

/** A session id from a tree node, an id string, or `{ sessionId }`. */
function sessionIdFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (isNode(arg)) return arg.kind === 'session' ? arg.summary.id : arg.kind === 'message' ? arg.message.sessionId : undefined;
  if (isObject(arg) && typeof arg['sessionId'] === 'string') return arg['sessionId'];
  return undefined;
}

function messageIdFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (isNode(arg) && arg.kind === 'message') return arg.message.id;
  if (isObject(arg) && typeof arg['messageId'] === 'string') return arg['messageId'];
  return undefined;
}

const option = <T>(arg: unknown, key: string): T | undefined => (isObject(arg) && !isNode(arg) ? (arg[key] as T | undefined) : undefined);

export class Commands {
  /** The last error a command reported to the user (tests read it). */
  lastError: CoreError | Error | undefined;
  /** The history browser sends from its composer through the providers (keys in SecretStorage). */
  private get history(): HistoryPanelOptions { return { conversations: this.ctx.providers }; }

  private readonly handlers: Record<CommandId, (...args: Args) => Promise<unknown>> = {
    'langswarmSessions.createSession': (a) => this.createSession(a),
    'langswarmSessions.resumeSession': (a) => this.resumeSession(a),
    'langswarmSessions.pauseSession': (a) => this.transition(a, 'pause', 'Pause which session?', ['active']),
    'langswarmSessions.completeSession': (a) => this.transition(a, 'complete', 'Complete which session?', ['active', 'paused', 'error']),
    'langswarmSessions.archiveSession': (a) => this.transition(a, 'archive', 'Archive which session?', ['active', 'paused', 'completed', 'error']),
    'langswarmSessions.unarchiveSession': (a) => this.transition(a, 'unarchive', 'Unarchive which session?', ['archived']),
    'langswarmSessions.deleteSession': (a) => this.deleteSession(a),
    'langswarmSessions.renameSession': (a, title) => this.renameSession(a, title),
    'langswarmSessions.editTags': (a, tags) => this.editTags(a, tags),
    'langswarmSessions.forkFromHere': (a) => this.forkFromHere(a),
    'langswarmSessions.editMessage': (a, content) => this.editMessage(a, content),
    'langswarmSessions.deleteMessage': (a) => this.deleteMessage(a),
    'langswarmSessions.copyMessage': (a) => this.copyMessage(a),
    'langswarmSessions.searchSessions': (a) => this.searchSessions(a),
    'langswarmSessions.filter': (a) => this.filter(a),
    'langswarmSessions.clearFilter': () => this.ctx.tree.setFilter({}),
    'langswarmSessions.groupBy': (a) => this.groupBy(a),
    'langswarmSessions.refresh': async () => { await (await this.ctx.db.manager()).refresh(); this.ctx.tree.refresh(); },
    'langswarmSessions.showLog': async () => this.ctx.log.show(true),
    'langswarmSessions.showMore': async (a) => { if (isNode(a) && a.kind === 'more') this.ctx.tree.showMore(a.parentId); },
    'langswarmSessions.openDemo': () => this.openDemo(),
    'langswarmSessions.addToGitignore': () => this.addToGitignore(),
    'langswarmSessions.sendMessage': (a) => this.sendMessage(a),
    'langswarmSessions.replayConversation': (a) => this.replayConversation(a),
    'langswarmSessions.testProviderConnection': (a) => this.ctx.providers.testConnections(a),
    'langswarmSessions.setApiKey': (a) => this.ctx.providers.setApiKey(a),
    'langswarmSessions.clearApiKey': (a) => this.ctx.providers.clearApiKey(a),
    'langswarmSessions.importRemoteConversation': (a) => this.importRemoteConversation(a),
    'langswarmSessions.migrate': async (a) => runMigration(await this.manager(), (isObject(a) && !isNode(a) ? a : {}) as MigrateArgs),
    'langswarmSessions.exportV1': (a) => this.exportV1(a),
    'langswarmSessions.openHistory': (a) => this.openHistory(a),
    'langswarmSessions.dumpSessionState': (a) => this.dumpState(a, false),
    'langswarmSessions.dumpAllSessions': () => this.dumpState(undefined, true),
    'langswarmSessions.exportState': (a) => this.exportState(a),
    'langswarmSessions.salvageDatabase': () => salvageDatabase(this.ctx.db),
    'langswarmSessions.revealSession': async (a) => {
      const id = sessionIdFrom(a);
      if (id) await this.reveal(id, true);
      return id;
    },
  };

  constructor(private readonly ctx: CommandContext) {}

  /** Runs a command; failures are shown to the user as the core's sentence, never thrown at the UI. */
  async run(id: CommandId, args: Args): Promise<unknown> {
    try {
      this.lastError = undefined;
      return await this.handlers[id](...args);
    } catch (e) {
      this.lastError = e instanceof Error ? e : new Error(String(e));
      this.ctx.log.error(`${id} failed: ${describeError(e)}`);
      // The user was told when the store had to be stopped (WorkspaceStore): once is enough.
      if (e instanceof CoreError && e.code === 'StoreStopped') return undefined;
      const readOnly = e instanceof CoreError && e.code === 'DatabaseReadOnly';
      void vscode.window.showErrorMessage(readOnly ? 'This workspace is not trusted: its sessions are read-only.' : describeError(e));
      return undefined;
    }
  }

  private manager(): Promise<SessionClient> {
    return this.ctx.db.manager();
  }

  // ---- sessions ------------------------------------------------------------------------------

  private async createSession(arg: unknown): Promise<string | undefined> {
    const settings = readSettings();
    let input: { provider: string; model: string; title?: string; systemPrompt?: string; tags?: string[] };
    if (isObject(arg)) {
      const provider = String(arg['provider'] ?? settings.defaultProvider);
      input = {
        provider,
        model: String(arg['model'] ?? (settings.defaultModel || SUGGESTED_MODELS[provider as keyof typeof SUGGESTED_MODELS]?.[0] || 'default')),
        ...(typeof arg['title'] === 'string' ? { title: arg['title'] } : {}),
        ...(typeof arg['systemPrompt'] === 'string' ? { systemPrompt: arg['systemPrompt'] } : {}),
        ...(Array.isArray(arg['tags']) ? { tags: arg['tags'].map(String) } : {}),
      };
    } else {
      const asked = await this.askNewSession(settings.defaultProvider, settings.defaultModel);
      if (!asked) return undefined;
      input = asked;
    }
    const session = await (await this.manager()).create(input);
    await this.ctx.active.set(session.id);
    await this.reveal(session.id);
    return session.id;
  }

  private async askNewSession(defaultProvider: string, defaultModel: string) {
    const providers = KNOWN_PROVIDERS.map((p) => ({
      label: p,
      description: p === 'replay' ? 'offline: answers from recorded turns, no API key' : p === defaultProvider ? 'default' : '',
    }));
    providers.sort((a, b) => (a.label === defaultProvider ? -1 : b.label === defaultProvider ? 1 : 0));
    const provider = await quickPick(providers, { title: 'New session (1/4): provider', placeHolder: 'Which provider?' });
    if (!provider) return undefined;
    const model = await this.pickModel(provider.label as (typeof KNOWN_PROVIDERS)[number], defaultModel);
    if (!model) return undefined;
    const title = await vscode.window.showInputBox({ title: 'New session (3/4): title', prompt: 'A title (optional)', placeHolder: 'e.g. Refactor the parser' });
    if (title === undefined) return undefined;
    const systemPrompt = await vscode.window.showInputBox({ title: 'New session (4/4): system prompt', prompt: 'A system prompt (optional)', placeHolder: 'e.g. You are a concise assistant.' });
    if (systemPrompt === undefined) return undefined;
    return { provider: provider.label, model, ...(title.trim() ? { title } : {}), ...(systemPrompt.trim() ? { systemPrompt } : {}) };
  }

  /** A quick pick of suggested models that also accepts any typed name. */
  private pickModel(provider: (typeof KNOWN_PROVIDERS)[number], defaultModel: string, title = 'New session (2/4): model'): Promise<string | undefined> {
    const suggested = [...new Set([defaultModel, ...(SUGGESTED_MODELS[provider] ?? [])].filter(Boolean))];
    const pick = vscode.window.createQuickPick();
    pick.title = title;
    pick.placeholder = 'Pick a model or type its name';
    const base = suggested.map((label) => ({ label }));
    pick.items = base;
    pick.onDidChangeValue((v) => {
      pick.items = v && !suggested.includes(v) ? [{ label: v, description: 'use this name' }, ...base] : base;
    });
    return runQuickPick(pick, (p) => p.selectedItems[0]?.label ?? (p.value || undefined));
  }

  private async resumeSession(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? (await this.pickSession('Resume which session?', ['active', 'paused', 'completed', 'error', 'archived']));
    if (!id) return undefined;
    let session = await manager.get(id);
    if (!this.ctx.db.readOnly) {
      if (session.status === 'archived') session = await manager.unarchive(id);
      if (session.status !== 'active') session = await manager.resume(id);
    }
    await this.ctx.active.set(id);
    await this.reveal(id);
    // The history browser opens with the keyboard in its composer: after resuming, the next thing is to write.
    if (option<boolean>(arg, 'openHistory') !== false) HistoryPanel.show(this.ctx.context, manager, { sessionId: id, focusComposer: true }, this.history);
    return id;
  }

  private async transition(arg: unknown, action: 'pause' | 'complete' | 'archive' | 'unarchive', question: string, from: SessionStatus[]): Promise<SessionStatus | undefined> {
    const id = sessionIdFrom(arg) ?? (await this.pickSession(question, from));
    if (!id) return undefined;
    return (await (await this.manager())[action](id)).status;
  }

  private async deleteSession(arg: unknown): Promise<boolean> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? (await this.pickSession('Delete which session?', [...SESSION_STATUSES]));
    if (!id) return false;
    const s = await manager.get(id);
    if (option<boolean>(arg, 'confirmed') !== true) {
      const answer = await vscode.window.showWarningMessage(
        `Delete session "${s.title}"?`,
        { modal: true, detail: `${s.messageCount === 0 ? 'It has no messages.' : `Its ${s.messageCount} message${s.messageCount === 1 ? '' : 's'} and their revisions will be deleted.`} This cannot be undone.` },
        'Delete',
      );
      if (answer !== 'Delete') return false;
    }
    await manager.delete(id);
    if (this.ctx.active.id === id) await this.ctx.active.set(undefined);
    return true;
  }

  private async renameSession(arg: unknown, title: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? (await this.pickSession('Rename which session?', [...SESSION_STATUSES]));
    if (!id) return undefined;
    const next = typeof title === 'string' ? title : await vscode.window.showInputBox({
      title: 'Rename session', value: (await manager.get(id)).title, validateInput: (v) => (v.trim() ? undefined : 'A title cannot be empty'),
    });
    if (next === undefined) return undefined;
    return (await manager.rename(id, next)).title;
  }

  private async editTags(arg: unknown, tags: unknown): Promise<string[] | undefined> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? (await this.pickSession('Edit the tags of which session?', [...SESSION_STATUSES]));
    if (!id) return undefined;
    let next: string[] | undefined = Array.isArray(tags) ? tags.map(String) : undefined;
    if (!next) {
      const known = (await manager.tags()).map((t) => t.tag).join(', ');
      const typed = await vscode.window.showInputBox({
        title: 'Edit tags', value: (await manager.get(id)).tags.join(', '), prompt: `Comma-separated.${known ? ` In use: ${known}` : ''}`,
      });
      if (typed === undefined) return undefined;
      next = typed.split(',');
    }
    return (await manager.setTags(id, next)).tags;
  }

  // ---- messages ------------------------------------------------------------------------------

  private async forkFromHere(arg: unknown): Promise<string | undefined> {
    const messageId = messageIdFrom(arg);
    if (!messageId) throw new CoreError('InvalidInput', 'Fork From Here works on a message: use it from a message in the Sessions view.');
    const manager = await this.manager();
    const message = await manager.getMessage(messageId);
    const title = option<string>(arg, 'title');
    const fork = await manager.fork(message.sessionId, messageId, title ? { title } : {});
    await this.ctx.active.set(fork.id);
    await this.reveal(fork.id);
    return fork.id;
  }

  private async editMessage(arg: unknown, content: unknown): Promise<unknown> {
    const messageId = messageIdFrom(arg);
    if (!messageId) throw new CoreError('InvalidInput', 'Edit Message works on a message: use it from a message in the Sessions view.');
    const manager = await this.manager();
    if (typeof content === 'string') return (await manager.editMessage(messageId, { content })).revision;
    const message = await manager.getMessage(messageId);
    const uri = messageUri(message, (await manager.get(message.sessionId)).title);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    return uri.toString();
  }

  private async deleteMessage(arg: unknown): Promise<boolean> {
    const messageId = messageIdFrom(arg);
    if (!messageId) throw new CoreError('InvalidInput', 'Delete Message works on a message: use it from a message in the Sessions view.');
    const manager = await this.manager();
    const m = await manager.getMessage(messageId);
    if (option<boolean>(arg, 'confirmed') !== true) {
      const answer = await vscode.window.showWarningMessage(`Delete this ${m.role} message (#${m.seq})?`, { modal: true, detail: 'This cannot be undone.' }, 'Delete');
      if (answer !== 'Delete') return false;
    }
    await manager.deleteMessage(messageId);
    return true;
  }

  private async copyMessage(arg: unknown): Promise<string | undefined> {
    const messageId = messageIdFrom(arg);
    if (!messageId) throw new CoreError('InvalidInput', 'Copy Message works on a message: use it from a message in the Sessions view.');
    const m = await (await this.manager()).getMessage(messageId);
    const text = messageText(m.parts) || m.parts.map((p) => (p.type === 'tool_call' ? `${p.name}(${p.argumentsJson})` : p.type === 'tool_result' ? p.content : '')).join('\n');
    await vscode.env.clipboard.writeText(text);
    return text;
  }

  // ---- finding -------------------------------------------------------------------------------

  /** Full-text search as you type; choosing a result reveals its message. `{ query, pick }` runs it without UI. */
  private async searchSessions(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const query = typeof arg === 'string' ? arg : option<string>(arg, 'query');
    const pickIndex = option<number>(arg, 'pick');
    if (query !== undefined && pickIndex !== undefined) {
      const hit = (await manager.search(query, { limit: pickIndex + 1 })).hits[pickIndex];
      if (!hit) return undefined;
      await this.revealMessage(hit.messageId);
      return hit.messageId;
    }
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { messageId?: string }>();
    pick.title = 'Search sessions';
    pick.placeholder = 'Words to find in any message (word*, "exact phrase", a OR b, -exclude)';
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    let timer: NodeJS.Timeout | undefined;
    let latest = 0;
    const update = async (value: string) => {
      const asked = ++latest;
      const { hits, total, problem } = await manager.search(value, { prefix: true, limit: 50 });
      if (asked !== latest) return; // a later query's answer is on its way
      pick.items = hits.map((h) => ({
        label: `$(${messageIcon({ role: h.role, parts: [], state: 'complete' })}) ${h.snippet.replace(/\s+/g, ' ')}`,
        description: h.sessionTitle,
        detail: `${h.role} · #${h.seq} · ${relativeTime(h.createdAt)}`,
        alwaysShow: true,
        messageId: h.messageId,
      }));
      pick.title = problem ? `Search sessions — ${problem}` : value.trim() ? `Search sessions — ${total} match${total === 1 ? '' : 'es'}` : 'Search sessions';
      pick.busy = false;
    };
    pick.onDidChangeValue((v) => {
      pick.busy = true;
      clearTimeout(timer);
      timer = setTimeout(() => void update(v).catch(showSearchError), 120);
    });
    const showSearchError = (e: unknown) => {
      pick.busy = false;
      pick.title = `Search sessions — ${describeError(e)}`;
    };
    if (query) {
      pick.value = query;
      void update(query).catch(showSearchError);
    }
    const chosen = await runQuickPick(pick, (p) => p.selectedItems[0]?.messageId);
    clearTimeout(timer);
    if (chosen) {
      await this.revealMessage(chosen);
      // The message was revealed (and focused) in the tree; the history browser shows it beside, keyboard left there.
      await this.openHistory({ messageId: chosen, preserveFocus: true });
    }
    return chosen;
  }

  private async filter(arg: unknown): Promise<TreeFilter | undefined> {
    if (isObject(arg) && !isNode(arg)) {
      await this.ctx.tree.setFilter({ ...this.ctx.tree.currentFilter, ...(arg as TreeFilter) });
      return this.ctx.tree.currentFilter;
    }
    const manager = await this.manager();
    const kind = await quickPick([
      { label: 'Text', description: 'title, id, model or message text', key: 'text' as const },
      { label: 'Status', key: 'status' as const },
      { label: 'Provider', key: 'provider' as const },
      { label: 'Tag', key: 'tag' as const },
    ], { title: 'Filter sessions by…' });
    if (!kind) return undefined;
    let value: string | undefined;
    if (kind.key === 'text') {
      value = await vscode.window.showInputBox({ title: 'Filter sessions by text', value: this.ctx.tree.currentFilter.text ?? '' });
    } else {
      const values = kind.key === 'status' ? [...SESSION_STATUSES]
        : kind.key === 'provider' ? Object.keys((await manager.stats()).byProvider) : (await manager.tags()).map((t) => t.tag);
      value = await quickPick(values, { title: `Filter sessions by ${kind.label.toLowerCase()}` });
    }
    if (value === undefined) return undefined;
    await this.ctx.tree.setFilter({ ...this.ctx.tree.currentFilter, [kind.key]: value });
    return this.ctx.tree.currentFilter;
  }

  private async groupBy(arg: unknown): Promise<Grouping | undefined> {
    const wanted = typeof arg === 'string' ? arg : (await quickPick(GROUPINGS, { title: 'Group sessions by' }));
    if (!wanted) return undefined;
    if (!(GROUPINGS as readonly string[]).includes(wanted)) throw new CoreError('InvalidInput', `Group by one of: ${GROUPINGS.join(', ')}.`);
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('langswarmSessions').update('grouping', wanted, target);
    return wanted as Grouping;
  }

  // ---- history and state ---------------------------------------------------------------------

  /**
   * Opens the history browser at a session, or at a message (scrolled to it). From the tree (or `preserveFocus: true`)
   * the keyboard stays where it was.
   */
  private async openHistory(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const messageId = isNode(arg) ? (arg.kind === 'message' ? arg.message.id : undefined) : option<string>(arg, 'messageId');
    const message = messageId ? await manager.getMessage(messageId) : undefined;
    const sessionId = message?.sessionId ?? sessionIdFrom(arg) ?? this.ctx.active.id ?? (await this.pickSession('Open the history of which session?', [...SESSION_STATUSES]));
    if (!sessionId) return undefined;
    await manager.get(sessionId);
    const preserveFocus = isNode(arg) || option<boolean>(arg, 'preserveFocus') === true;
    HistoryPanel.show(this.ctx.context, manager, message ? { sessionId, messageId: message.id } : { sessionId }, this.history, preserveFocus);
    return sessionId;
  }

  /** "Dump Session State" / "Dump All Sessions": the dump as JSON in an editor, and in the State view. */
  private async dumpState(arg: unknown, all: boolean): Promise<unknown> {
    const manager = await this.manager();
    const sessionId = all ? undefined : sessionIdFrom(arg) ?? this.ctx.active.id ?? (await this.pickSession('Dump the state of which session?', [...SESSION_STATUSES]));
    if (!all && !sessionId) return undefined;
    const document = await dumpState(manager, sessionId ? { sessionId } : { all: true }, dumpOptions(this.ctx.context));
    const title = sessionId ? `State: ${(await manager.get(sessionId)).title}` : 'State: all sessions';
    const uri = this.ctx.views.set(`${title.replace(/^State: /, '')} state.json`, String(Date.now()), `${JSON.stringify(document, null, 2)}\n`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false, viewColumn: vscode.ViewColumn.One });
    StatePanel.show(this.ctx.context, document, title);
    return document;
  }

  /** "Export State…": writes the dump (of a session, or of everything) to a file. */
  private async exportState(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const all = option<boolean>(arg, 'all') === true;
    const sessionId = all ? undefined : sessionIdFrom(arg) ?? this.ctx.active.id;
    const document = await dumpState(manager, sessionId ? { sessionId } : { all: true }, dumpOptions(this.ctx.context));
    let target = option<string>(arg, 'target');
    if (!target) {
      const name = `${sessionId ? (await manager.get(sessionId)).title : 'all-sessions'}`.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'state';
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({
        title: 'Export LangSwarm Sessions state', filters: { JSON: ['json'] },
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${name}.state.json`) } : {}),
      });
      if (!uri) return undefined;
      target = uri.fsPath;
    }
    fs.writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
    return target;
  }

  // ---- providers -----------------------------------------------------------------------------

  /** Sends a message in a session (the active one by default) and streams the reply into it. */
  private async sendMessage(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? this.ctx.active.id ?? (await this.pickSession('Send to which session?', ['active']));
    if (!id) return undefined;
    const content = option<string>(arg, 'content') ?? (await vscode.window.showInputBox({ title: `Message to "${(await manager.get(id)).title}"`, prompt: 'Sent as the next user message; the reply streams into the session.' }));
    if (content === undefined || !content.trim()) return undefined;
    const provider = option<string>(arg, 'provider');
    const model = option<string>(arg, 'model');
    return this.ctx.providers.sendMessage(manager, id, content, { ...(provider ? { provider } : {}), ...(model ? { model } : {}) });
  }

  /** Re-runs a session's user turns on a chosen provider and model into a fork, compared side by side. */
  private async replayConversation(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? (await this.pickSession('Replay which conversation?', [...SESSION_STATUSES]));
    if (!id) return undefined;
    const provider = option<string>(arg, 'provider')
      ?? (await quickPick([...KNOWN_PROVIDERS], { title: 'Replay on which provider?' }));
    if (!provider) return undefined;
    const model = option<string>(arg, 'model') ?? (await this.pickModel(provider as (typeof KNOWN_PROVIDERS)[number], '', `Replay on ${provider}: model`));
    if (!model) return undefined;
    const result = await this.ctx.providers.replayConversation(manager, id, provider, model);
    await this.reveal(result.session.id);
    return result.session.id;
  }

  private async importRemoteConversation(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const conversationId = option<string>(arg, 'conversationId')
      ?? (await vscode.window.showInputBox({ title: 'Import an OpenAI conversation', prompt: 'Its id (conv_…)', validateInput: (v) => (/^conv_\S+$/.test(v.trim()) ? undefined : 'An OpenAI conversation id starts with conv_') }));
    if (!conversationId) return undefined;
    const model = option<string>(arg, 'model') ?? readSettings().defaultModel ?? 'gpt-4o';
    const id = await this.ctx.providers.importRemote(manager, conversationId.trim(), model || 'gpt-4o', option<string>(arg, 'title'));
    await this.reveal(id);
    return id;
  }

  private async exportV1(arg: unknown): Promise<string | undefined> {
    const manager = await this.manager();
    const id = sessionIdFrom(arg) ?? (await this.pickSession('Export which session as LangSwarm V1 JSON?', [...SESSION_STATUSES]));
    if (!id) return undefined;
    const file = await exportSessionV1(manager, id, option<string>(arg, 'target'));
    if (file && option<string>(arg, 'target') === undefined) void vscode.window.showInformationMessage(`Exported to ${file}`);
    return file;
  }

  // ---- setup ---------------------------------------------------------------------------------

  private async openDemo(): Promise<string[]> {
    const ids = await addDemoSessions(await this.manager());
    await this.ctx.active.set(ids[0]);
    await this.reveal(ids[0]!);
    return ids;
  }

  private async addToGitignore(): Promise<string> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') throw new CoreError('InvalidInput', 'Open a folder first: the database is in global storage, not in a repository.');
    const result = addToGitignore(folder.uri.fsPath, this.ctx.db.path);
    const where = path.relative(folder.uri.fsPath, this.ctx.db.path);
    void vscode.window.showInformationMessage(result === 'added' ? `Added ${where} and its journal to .gitignore.`
      : result === 'present' ? '.gitignore already excludes the session database.' : 'The session database is outside this folder; nothing to ignore.');
    return result;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private async pickSession(placeHolder: string, statuses: SessionStatus[]): Promise<string | undefined> {
    const manager = await this.manager();
    const { items } = await manager.list({ status: statuses, sortBy: 'lastActivityAt', limit: 500 });
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`No ${statuses.length < SESSION_STATUSES.length ? statuses.join(' or ') + ' ' : ''}sessions.`);
      return undefined;
    }
    const activeId = this.ctx.active.id;
    const picked = await quickPick(items.map((s: SessionSummary) => ({
      label: `$(${STATUS_ICON[s.status]}) ${s.title}`,
      description: s.id === activeId ? `active session · ${sessionDescription(s)}` : sessionDescription(s),
      detail: s.tags.length ? `tags: ${s.tags.join(', ')}` : undefined,
      id: s.id,
    })), { placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picked?.id;
  }

  private async reveal(sessionId: string, show = false): Promise<void> {
    const node = await this.ctx.tree.sessionNode(sessionId);
    this.ctx.tree.refresh();
    if (!node) return;
    if (show && !this.ctx.treeView.visible) await vscode.commands.executeCommand('langswarmSessions.sessions.focus');
    if (this.ctx.treeView.visible) await this.ctx.treeView.reveal(node, { select: true, focus: show, expand: false }).then(undefined, () => undefined);
  }

  async revealMessage(messageId: string): Promise<void> {
    const node = await this.ctx.tree.messageNode(messageId);
    this.ctx.tree.refresh();
    if (!node) return;
    if (!this.ctx.treeView.visible) await vscode.commands.executeCommand('langswarmSessions.sessions.focus');
    await this.ctx.treeView.reveal(node, { select: true, focus: true, expand: true }).then(undefined, (e: unknown) => this.ctx.log.warn(`reveal failed: ${describeError(e)}`));
  }
}
