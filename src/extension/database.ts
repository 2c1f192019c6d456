// The workspace's session database as the extension sees it: where it lives, opening it lazily
// (read-only in untrusted workspaces), noticing what other processes change, folding the journal
// when idle, auto-archive, and reopening when settings or trust change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { SessionEvent, SessionManager } from '../core/sessions';
import { Tracer } from '../core/trace';
import { DEFAULT_DATABASE_PATH, Settings } from '../settings';

/** How often to look for changes made by other processes (one stat call). */
const POLL_MS = 500;
/** Fold the journal into a snapshot after this long without writes. */
const IDLE_CHECKPOINT_MS = 30_000;
const AUTO_ARCHIVE_EVERY_MS = 6 * 3_600_000;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('langswarmSessions');
  return Settings.parse({
    databasePath: c.get('databasePath'),
    grouping: c.get('grouping'),
    autoArchiveDays: c.get('autoArchiveDays'),
    defaultProvider: c.get('defaultProvider'),
    defaultModel: c.get('defaultModel'),
  });
}

export function resolveDatabasePath(setting: string, workspaceFolder: string | undefined, globalStorage: string): string {
  const base = workspaceFolder ?? globalStorage;
  if (setting) return path.isAbsolute(setting) ? setting : path.join(base, setting);
  return workspaceFolder ? path.join(workspaceFolder, DEFAULT_DATABASE_PATH) : path.join(globalStorage, 'langswarm-sessions.sqlite');
}

function firstLocalFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

export class SessionDatabase implements vscode.Disposable {
  private opening: Promise<SessionManager> | undefined;
  private current: SessionManager | undefined;
  private unsubscribe: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private archiveTimer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<SessionEvent>();
  private readonly reopened = new vscode.EventEmitter<void>();
  /** Core events, from this window and (marked external) from other processes. */
  readonly onDidChange = this.changed.event;
  /** The database was closed and opened again (other file, trust granted): reload everything. */
  readonly onDidReopen = this.reopened.event;
  /** Set when the database was created by this window (for the .gitignore offer). */
  createdNow = false;

  constructor(private readonly context: vscode.ExtensionContext, readonly tracer: Tracer) {}

  get path(): string {
    return resolveDatabasePath(readSettings().databasePath, firstLocalFolder(), this.context.globalStorageUri.fsPath);
  }

  get readOnly(): boolean {
    return !vscode.workspace.isTrusted || (this.current?.readOnly ?? false);
  }

  /** The open manager, opening the database on first use. */
  manager(): Promise<SessionManager> {
    this.opening ??= this.open().catch((e: unknown) => {
      this.opening = undefined; // try again next time
      throw e;
    });
    return this.opening;
  }

  /** The manager if it is already open (never opens). */
  get openManager(): SessionManager | undefined {
    return this.current;
  }

  async reopen(): Promise<void> {
    await this.close();
    this.reopened.fire();
  }

  async dispose(): Promise<void> {
    await this.close();
    this.changed.dispose();
    this.reopened.dispose();
  }

  private async open(): Promise<SessionManager> {
    const file = this.path;
    const readOnly = !vscode.workspace.isTrusted;
    const existed = fs.existsSync(file);
    const manager = await SessionManager.open(file, { readOnly, tracer: this.tracer });
    this.createdNow = !existed && !readOnly;
    this.current = manager;
    this.tracer.info(`opened ${file}${readOnly ? ' read-only (untrusted workspace)' : ''}`);
    for (const w of manager.warnings) void vscode.window.showWarningMessage(`LangSwarm Sessions: ${w}`);
    this.unsubscribe = manager.onDidChange((e) => {
      this.changed.fire(e);
      if (!e.external) this.scheduleIdleCheckpoint();
    });
    this.pollTimer = setInterval(() => {
      try {
        manager.refresh();
      } catch (e) {
        this.tracer.warn('could not read changes from other processes', { error: describeError(e) });
      }
    }, POLL_MS);
    this.startAutoArchive(manager);
    return manager;
  }

  private scheduleIdleCheckpoint(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.current?.store.durable.checkpoint().catch((e: unknown) => this.tracer.warn('idle snapshot failed', { error: describeError(e) }));
    }, IDLE_CHECKPOINT_MS);
  }

  /** Runs auto-archive now and every few hours, when the setting asks for it. */
  startAutoArchive(manager: SessionManager): void {
    clearInterval(this.archiveTimer);
    const run = () => {
      const days = readSettings().autoArchiveDays;
      if (days <= 0 || manager.readOnly) return;
      manager.autoArchive(days).then(
        (ids) => ids.length && this.tracer.info(`auto-archived ${ids.length} session(s) idle for over ${days} days`),
        (e: unknown) => this.tracer.warn('auto-archive failed', { error: describeError(e) }),
      );
    };
    run();
    this.archiveTimer = setInterval(run, AUTO_ARCHIVE_EVERY_MS);
  }

  private async close(): Promise<void> {
    clearInterval(this.pollTimer);
    clearInterval(this.archiveTimer);
    clearTimeout(this.idleTimer);
    this.unsubscribe?.();
    const opening = this.opening;
    this.opening = undefined;
    this.current = undefined;
    const manager = await opening?.catch(() => undefined);
    await manager?.close().catch((e: unknown) => this.tracer.warn('closing the database failed', { error: describeError(e) }));
  }
}

/** The .gitignore line for a database inside `folder`, or undefined when it is outside it. */
export function gitignoreEntry(folder: string, databasePath: string): string | undefined {
  const relative = path.relative(folder, databasePath);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return `/${relative.split(path.sep).join('/')}*`;
}

/** Adds the database (and its journal, backup and lock: same prefix) to the folder's .gitignore. */
export function addToGitignore(folder: string, databasePath: string): 'added' | 'present' | 'outside' {
  const entry = gitignoreEntry(folder, databasePath);
  if (!entry) return 'outside';
  const file = path.join(folder, '.gitignore');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current.split(/\r?\n/).includes(entry)) return 'present';
  const prefix = current && !current.endsWith('\n') ? '\n' : '';
  fs.appendFileSync(file, `${prefix}# LangSwarm Sessions database (local history, not for git)\n${entry}\n`);
  return 'added';
}
