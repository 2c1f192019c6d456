// Following LangSwarm stores from the editor: the `langswarmSessions.follow.paths` setting names them
// (workspace-relative paths or globs); while it is set in a trusted workspace, a Follower (core) polls
// them and the store worker imports what changed (the host thread only stats files, the worker
// reads and parses them). The status bar shows the state and the last import; the tree marks the
// sessions that came from followed stores; each error in the app's files is reported once.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FollowProblem, Follower, problemText } from '../core/langswarm/follow';
import { FOLLOW_OFFER } from './keys';
import { findLangSwarmFiles, relativeFolder } from './migration';
import type { WorkspaceStore } from './workspaceStore';

export const FOLLOW_SETTING = 'follow.paths';

/** The setting's entries as files and folders to follow: plain paths resolved in the first folder, globs expanded. */
export async function resolveFollowPaths(entries: readonly string[]): Promise<string[]> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) return [];
  const out = new Set<string>();
  for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
    if (!/[*?[\]{}]/.test(entry)) out.add(path.resolve(folder.uri.fsPath, entry));
    else
      for (const uri of await vscode.workspace.findFiles(new vscode.RelativePattern(folder, entry), null, 200))
        out.add(uri.fsPath);
  }
  return [...out].sort();
}

export function followSetting(): string[] {
  const value = vscode.workspace.getConfiguration('langswarmSessions').get<unknown>(FOLLOW_SETTING);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export class StoreFollowing implements vscode.Disposable {
  private follower: Follower | undefined;
  private sources: string[] = [];
  private readonly item = vscode.window.createStatusBarItem(
    'langswarmSessions.following',
    vscode.StatusBarAlignment.Left,
    49,
  );

  constructor(
    private readonly db: WorkspaceStore,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    /** The followed sessions changed (the tree marks them). */
    private readonly onSessions: () => void,
  ) {
    this.item.name = 'LangSwarm following';
    this.item.command = 'langswarmSessions.showFollowedStores';
  }

  /** Sessions imported from the followed stores. */
  isFollowed(sessionId: string): boolean {
    return this.follower?.sessions.has(sessionId) ?? false;
  }

  get active(): boolean {
    return this.follower !== undefined;
  }

  /** The paths followed: the setting's entries, globs resolved in the workspace folder. */
  get stores(): readonly string[] {
    return this.follower ? this.sources : [];
  }

  /** Follows what the setting names (trusted workspaces only); stops when it names nothing. */
  async fromSettings(): Promise<void> {
    const sources = vscode.workspace.isTrusted ? await resolveFollowPaths(followSetting()) : [];
    await this.stop();
    if (sources.length === 0) return;
    this.sources = sources;
    this.follower = new Follower({
      sources,
      importFiles: async (files, unchanged) => (await this.db.manager()).migrate(files, { unchanged }),
      onImport: (events) => {
        for (const e of events)
          this.log.info(
            `following: +${e.messagesAdded} messages in ${e.originalId} (${vscode.workspace.asRelativePath(e.file)})`,
          );
        this.render();
        this.onSessions();
      },
      onProblem: (p) => this.problem(p),
    });
    this.follower.start();
    this.render();
  }

  async stop(): Promise<void> {
    const follower = this.follower;
    this.follower = undefined;
    this.item.hide();
    if (follower) {
      await follower.stop();
      this.onSessions();
    }
  }

  /** Once per workspace session: offers to follow the LangSwarm files found here (Follow / Not now / Never). */
  async offer(): Promise<void> {
    if (!vscode.workspace.isTrusted || this.follower || followSetting().length > 0) return;
    if (FOLLOW_OFFER.get(this.state) === 'never') return;
    const files = await findLangSwarmFiles();
    if (files.length === 0) return;
    const answer = await vscode.window.showInformationMessage(
      'Follow the LangSwarm stores in this workspace? Sessions and messages a running LangSwarm app writes appear here within seconds (its files are only read).',
      'Follow',
      'Not now',
      'Never',
    );
    if (answer === 'Never') await FOLLOW_OFFER.update(this.state, 'never');
    if (answer === 'Follow') await this.choose(files);
  }

  /** The "Follow LangSwarm Stores…" command: pick among the files found (all checked); the choice goes to the setting. */
  async pickAndFollow(): Promise<string[] | undefined> {
    const found = await findLangSwarmFiles();
    const current = new Set(await resolveFollowPaths(followSetting()));
    const items = [...new Set([...current, ...found])].map((file) => ({
      label: path.basename(file),
      description: relativeFolder(file),
      picked: current.size === 0 || current.has(file),
      file,
    }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage(
        'No LangSwarm stores found in this workspace. List them in the "LangSwarm Sessions: Follow Paths" setting (paths or globs).',
      );
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: 'Follow LangSwarm Stores',
      placeHolder: 'Stores to follow while a LangSwarm app writes them',
    });
    if (!picked) return undefined;
    return this.choose(picked.map((p) => p.file));
  }

  /** The "Stop Following" command: empties the setting (so a reload does not follow again). */
  async stopFollowing(): Promise<void> {
    await vscode.workspace
      .getConfiguration('langswarmSessions')
      .update(FOLLOW_SETTING, undefined, vscode.ConfigurationTarget.Workspace);
    await this.stop();
  }

  /** The status bar item's quick pick: each followed store and its errors. */
  async showStores(): Promise<void> {
    const problems = this.follower?.problems ?? [];
    const files = this.follower?.files.length ? this.follower.files : this.sources;
    const items: Array<vscode.QuickPickItem & { stop?: true }> = files.map((file) => {
      const mine = problems.filter((p) => p.file === file);
      return {
        label: `${storeIcon(mine)} ${path.basename(file)}`,
        description: relativeFolder(file),
        detail: mine.map(problemDetail).join(' · ') || undefined,
      };
    });
    for (const p of problems.filter((x) => !files.includes(x.file)))
      items.push({
        label: `${storeIcon([p])} ${path.basename(p.file)}`,
        description: relativeFolder(p.file),
        detail: problemDetail(p),
      });
    items.push({ label: '$(debug-stop) Stop Following', stop: true });
    const chosen = await vscode.window.showQuickPick(items, { title: 'Followed LangSwarm Stores' });
    if (chosen?.stop) await this.stopFollowing();
  }

  dispose(): void {
    void this.stop();
    this.item.dispose();
  }

  private async choose(files: string[]): Promise<string[]> {
    const relative = files.map((f) => vscode.workspace.asRelativePath(f, false));
    await vscode.workspace
      .getConfiguration('langswarmSessions')
      .update(FOLLOW_SETTING, relative, vscode.ConfigurationTarget.Workspace);
    return relative;
  }

  private problem(p: FollowProblem): void {
    const text = problemText(p, (file) => vscode.workspace.asRelativePath(file));
    this.render();
    // A store the app has not saved yet is no error: said in the log and the store list, not in a toast.
    if (p.missing) return this.log.info(`following: ${text}`);
    this.log.warn(`following: ${text}`);
    void vscode.window.showWarningMessage(`LangSwarm follow: ${text}`);
  }

  private render(): void {
    const f = this.follower;
    if (!f) return this.item.hide();
    const stores = this.sources.length;
    const errors = f.problems.filter((p) => !p.missing).length;
    const waiting = f.problems.length - errors;
    const when = f.lastImportAt
      ? new Date(f.lastImportAt).toLocaleTimeString(undefined, { hour12: false })
      : 'nothing new yet';
    this.item.text = `${errors ? '$(warning)' : '$(sync)'} Following ${stores} store${stores === 1 ? '' : 's'} · ${when}`;
    this.item.tooltip = `LangSwarm Sessions is following ${stores} store${stores === 1 ? '' : 's'}${errors ? `; ${errors} error${errors === 1 ? '' : 's'}` : ''}${waiting ? `; ${waiting} not there yet` : ''}. Click for the stores and their errors.`;
    this.item.backgroundColor = errors ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}

const problemDetail = (p: FollowProblem) => (p.missing ? 'does not exist yet: imported once it appears' : p.message);

/** A followed store's icon in the list: a warning for an error, a clock while it does not exist, else in sync. */
function storeIcon(problems: readonly FollowProblem[]): string {
  if (problems.some((p) => !p.missing)) return '$(warning)';
  return problems.length ? '$(watch)' : '$(sync)';
}
