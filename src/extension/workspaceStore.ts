// The workspace's session database as the extension sees it: where it lives, opening it lazily
// (read-only in untrusted workspaces) in the store's worker thread, telling the user when the worker
// had to be stopped, folding the journal when idle, auto-archive, and reopening when settings or trust
// change. The worker itself notices what other processes change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import type { SessionEvent } from '../core/sessions';
import { Tracer } from '../core/trace';
import { SessionClient } from '../core/worker/client';
import { DEFAULT_DATABASE_PATH, Settings, traceRetentionOf } from '../settings';
import { showWarning } from './ui';

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
    traceRetentionDays: c.get('traceRetentionDays'),
    traceRetentionMegabytes: c.get('traceRetentionMegabytes'),
  });
}

export function resolveDatabasePath(
  setting: string,
  workspaceFolder: string | undefined,
  globalStorage: string,
): string {
  const base = workspaceFolder ?? globalStorage;
  if (setting) return path.isAbsolute(setting) ? setting : path.join(base, setting);
  return workspaceFolder
    ? path.join(workspaceFolder, DEFAULT_DATABASE_PATH)
    : path.join(globalStorage, 'langswarm-sessions.sqlite');
}

function firstLocalFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

export class WorkspaceStore implements vscode.Disposable {
  private opening: Promise<SessionClient> | undefined;
  private current: SessionClient | undefined;
  private unsubscribe: Array<() => void> = [];
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

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly tracer: Tracer,
  ) {}

  get path(): string {
    return resolveDatabasePath(readSettings().databasePath, firstLocalFolder(), this.context.globalStorageUri.fsPath);
  }

  get readOnly(): boolean {
    return !vscode.workspace.isTrusted || (this.current?.readOnly ?? false);
  }

  /** The open store, opening the database on first use. */
  manager(): Promise<SessionClient> {
    this.opening ??= this.open().catch((e: unknown) => {
      this.opening = undefined; // try again next time
      throw e;
    });
    return this.opening;
  }

  /** The store if it is already open (never opens). */
  get openManager(): SessionClient | undefined {
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

  private async open(): Promise<SessionClient> {
    const file = this.path;
    const readOnly = !vscode.workspace.isTrusted;
    const existed = fs.existsSync(file);
    const traceRetention = traceRetentionOf(readSettings());
    const manager = new SessionClient(file, { readOnly, tracer: this.tracer, traceRetention });
    // Told once per stop; the operations it failed report StoreStopped, which commands do not repeat.
    const offStop = manager.onDidStop(showWarning);
    try {
      await manager.ready();
    } catch (e) {
      offStop();
      throw e;
    }
    this.createdNow = !existed && !readOnly;
    this.current = manager;
    this.tracer.info(`opened ${file}${readOnly ? ' read-only (untrusted workspace)' : ''}`);
    for (const w of manager.warnings) showWarning(w);
    this.unsubscribe = [
      offStop,
      manager.onDidChange((e) => {
        this.changed.fire(e);
        if (!e.external) this.scheduleIdleCheckpoint();
      }),
    ];
    this.startAutoArchive(manager);
    return manager;
  }

  private scheduleIdleCheckpoint(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.current
        ?.checkpoint()
        .catch((e: unknown) => this.tracer.warn('idle snapshot failed', { error: describeError(e) }));
    }, IDLE_CHECKPOINT_MS);
  }

  /** Runs auto-archive now and every few hours, when the setting asks for it. */
  startAutoArchive(manager: SessionClient): void {
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
    clearInterval(this.archiveTimer);
    clearTimeout(this.idleTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    const opening = this.opening;
    this.opening = undefined;
    this.current = undefined;
    const manager = await opening?.catch(() => undefined);
    await manager
      ?.close()
      .catch((e: unknown) => this.tracer.warn('closing the database failed', { error: describeError(e) }));
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
