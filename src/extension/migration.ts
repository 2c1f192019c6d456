// Migrating LangSwarm V1/V2 files from the editor: a pick of the files found in the workspace (and others, browsed to),
// a confirmation saying what goes where, progress by phase with Cancel (between sessions: never half a session), the
// imported sessions revealed in the Sessions view, a readable report whose entries reveal their session, an offer when
// the workspace holds LangSwarm data (when it is trusted, and the moment trust is granted), and V1 JSON export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MigrateReport, Outcome, SessionResult, describeProgress, exportV1, formatReport } from '../core/langswarm';
import type { SessionApi } from '../core/sessions';
import { MIGRATION_CHECKED, MIGRATION_OFFERED } from './keys';
import { quickPick, runQuickPick } from './picks';
import { withCancellableProgress } from './ui';

/** File names LangSwarm uses by default: only to find candidates; the importer detects by content. */
export const LANGSWARM_FILES = '**/{langswarm_sessions.db,langswarm_memory.db,session_*.json}';
const NOT_SEARCHED = '**/{node_modules,.git,.vscode-test}/**';
const MAX_FOUND = 50;

const OUTCOME_ICON: Record<Outcome, string> = {
  imported: 'add',
  updated: 'arrow-up',
  unchanged: 'check',
  conflict: 'git-compare',
  failed: 'error',
};

export interface MigrateArgs {
  sources?: string[];
  dryRun?: boolean;
  naiveUtc?: boolean;
  showReport?: boolean;
  /** Ask before importing the given sources too (a click on the custom editor's Import button). */
  confirm?: boolean;
}

/** What a migration needs from the rest of the extension. */
export interface MigrationDeps {
  manager(): Promise<SessionApi>;
  log: vscode.LogOutputChannel;
  /** The workspace's session database, named in the confirmation. */
  databasePath: string;
  /** Shows the Sessions view with these sessions revealed, the first selected. */
  reveal(sessionIds: readonly string[]): Promise<void>;
}

/** The LangSwarm files in the workspace (by their default names), in path order. Works in Restricted Mode too. */
export async function findLangSwarmFiles(): Promise<string[]> {
  const found = await vscode.workspace.findFiles(LANGSWARM_FILES, NOT_SEARCHED, MAX_FOUND);
  return found
    .filter((u) => u.scheme === 'file')
    .map((u) => u.fsPath)
    .sort();
}

/** The workspace folder holding `file`, as the workspace names it ('' at its root). */
export function relativeFolder(file: string): string {
  const folder = path.posix.dirname(vscode.workspace.asRelativePath(file));
  return folder === '.' ? '' : folder;
}

/**
 * Without sources: picks from the files found in the workspace (all checked) or browsed to, then confirms what goes
 * where. Then imports with a cancellable progress notification, logs it, reveals what was imported, and offers the
 * report. Resolves to the report, or undefined when the user stopped before importing.
 */
export async function runMigration(deps: MigrationDeps, args: MigrateArgs): Promise<MigrateReport | undefined> {
  let sources = args.sources;
  if (!sources?.length) {
    sources = await pickSources(await findLangSwarmFiles());
    if (!sources?.length) return undefined;
    if (!(await confirmImport(sources, deps.databasePath, args.dryRun === true))) return undefined;
  } else if (args.confirm && !(await confirmImport(sources, deps.databasePath, args.dryRun === true))) return undefined;
  const chosen = sources;
  const manager = await deps.manager();
  deps.log.info(`migration${args.dryRun ? ' (dry run)' : ''} started: ${chosen.join(', ')}`);
  const report = await withCancellableProgress(
    args.dryRun ? 'LangSwarm migration (dry run)' : 'Migrating LangSwarm sessions',
    (signal, progress) => {
      let lastFiles = 0;
      return manager.migrate(chosen, {
        dryRun: args.dryRun === true,
        naiveUtc: args.naiveUtc === true,
        signal,
        onProgress: (p) => {
          const increment = p.filesTotal ? ((p.filesDone - lastFiles) / p.filesTotal) * 100 : undefined;
          lastFiles = p.filesDone;
          progress.report({ message: describeProgress(p), increment: increment || undefined });
        },
      });
    },
  );
  deps.log.info(`migration ${report.cancelled ? 'cancelled' : 'done'}: ${summary(report)}`);
  for (const f of report.files)
    for (const e of f.errors) deps.log.warn(`migration: ${e.where ? `${f.file} (${e.where}): ` : ''}${e.message}`);
  if (!report.dryRun) {
    const ids = report.files.flatMap((f) =>
      f.sessions.flatMap((s) =>
        s.sessionId && s.outcome !== 'failed' && s.outcome !== 'unchanged' ? [s.sessionId] : [],
      ),
    );
    if (ids.length) await deps.reveal(ids);
  }
  if (args.showReport !== false) void offerReport(report);
  return report;
}

type SourceItem = vscode.QuickPickItem & { file?: string; browse?: true };

/**
 * The files to import: a pick listing `found` (checked) and a "Browse…" row for others. A click on a file row checks or
 * unchecks it, never starts anything: the import starts from OK (or Enter), and is confirmed after.
 */
async function pickSources(found: readonly string[]): Promise<string[] | undefined> {
  let files = [...found];
  let checked = new Set(found);
  for (;;) {
    const pick = vscode.window.createQuickPick<SourceItem>();
    pick.title = 'Migrate LangSwarm Files';
    pick.placeholder = files.length
      ? 'Check the files to import, then OK (Enter)'
      : 'No LangSwarm files were found in this workspace: browse for them';
    pick.canSelectMany = true;
    pick.matchOnDescription = true;
    const rows: SourceItem[] = files.map((file) => ({
      label: path.basename(file),
      description: relativeFolder(file),
      file,
    }));
    const browse: SourceItem = {
      label: '$(folder-opened) Browse…',
      description: 'other files or folders',
      alwaysShow: true,
      browse: true,
    };
    pick.items = [...rows, browse];
    pick.selectedItems = rows.filter((r) => checked.has(r.file!));
    const answer = await runQuickPick<SourceItem, { files: string[]; browse: boolean }>(
      pick,
      (q) => ({ files: q.selectedItems.flatMap((i) => (i.file ? [i.file] : [])), browse: false }),
      (finish) =>
        pick.onDidChangeSelection((selected) => {
          if (selected.some((i) => i.browse))
            finish({ files: selected.flatMap((i) => (i.file ? [i.file] : [])), browse: true });
        }),
    );
    if (!answer) return undefined;
    if (!answer.browse) return answer.files.length ? answer.files : undefined;
    checked = new Set(answer.files);
    const more = await vscode.window.showOpenDialog({
      title: 'Migrate LangSwarm sessions: choose files or folders',
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: true,
      openLabel: 'Add',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    for (const u of more ?? []) {
      if (!files.includes(u.fsPath)) files = [...files, u.fsPath];
      checked.add(u.fsPath);
    }
  }
}

/** Says what will be imported where; true when the user said to go ahead. */
async function confirmImport(sources: readonly string[], databasePath: string, dryRun: boolean): Promise<boolean> {
  const shown = sources.slice(0, 10).map((f) => `• ${vscode.workspace.asRelativePath(f)}`);
  if (sources.length > shown.length) shown.push(`• … and ${sources.length - shown.length} more`);
  const where = vscode.workspace.asRelativePath(databasePath);
  const action = dryRun ? 'Dry Run' : 'Import';
  const answer = await vscode.window.showInformationMessage(
    dryRun
      ? `Check what importing ${sources.length === 1 ? 'this LangSwarm file' : `these ${sources.length} LangSwarm files`} would do?`
      : `Import ${sources.length === 1 ? 'this LangSwarm file' : `these ${sources.length} LangSwarm files`} into this workspace's sessions?`,
    {
      modal: true,
      detail: `${shown.join('\n')}\n\n${dryRun ? 'Nothing is written.' : `Into ${where}.`} The files are only read, never changed; importing them again later adds only what is new.`,
    },
    action,
  );
  return answer === action;
}

function summary(report: MigrateReport): string {
  const t = report.totals;
  return (
    `${report.dryRun ? 'Dry run: would import' : 'Imported'} ${t.messagesImported.toLocaleString()} messages — ${t.imported} new, ${t.updated} updated, ` +
    `${t.unchanged} unchanged, ${t.conflict} conflict${t.conflict === 1 ? '' : 's'}, ${t.failed} failed${t.filesFailed ? `, ${t.filesFailed} file(s) not imported` : ''}.` +
    `${report.cancelled ? ' Cancelled: the rest was not imported.' : ''}`
  );
}

async function offerReport(report: MigrateReport): Promise<void> {
  const failed = report.totals.failed + report.totals.filesFailed + report.totals.conflict > 0;
  const show = failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const answer = await show(summary(report), 'Show Report', 'Open as Text');
  if (answer === 'Show Report') await showReport(report);
  if (answer === 'Open as Text') await openReportText(report);
}

/** Every session of the report in a quick pick; choosing one reveals it in the Sessions view. */
export async function showReport(report: MigrateReport): Promise<void> {
  type Item = vscode.QuickPickItem & { result?: SessionResult };
  const items: Item[] = [];
  for (const file of report.files) {
    items.push({ label: path.basename(file.file), kind: vscode.QuickPickItemKind.Separator });
    for (const e of file.errors.filter((x) => !x.where))
      items.push({ label: '$(error) File not imported', detail: e.message });
    for (const s of file.sessions) {
      items.push({
        label: `$(${OUTCOME_ICON[s.outcome]}) ${s.originalId || '(no id)'}`,
        description: `${s.outcome}${s.messagesAdded ? ` · ${s.messagesAdded} messages` : ''}`,
        detail: [s.reason, ...s.warnings].filter(Boolean).join(' · ') || undefined,
        result: s,
      });
    }
  }
  const picked = await quickPick(items, {
    title: summary(report),
    placeHolder: 'Choose a session to reveal it',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  const id = picked?.result?.sessionId;
  if (id) await vscode.commands.executeCommand('langswarmSessions.revealSession', id);
}

async function openReportText(report: MigrateReport): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: formatReport(report) });
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Writes a session as a LangSwarm V1 JSON document (the exact source bytes for an unchanged V1 import). */
export async function exportSessionV1(
  manager: SessionApi,
  sessionId: string,
  target?: string,
): Promise<string | undefined> {
  const session = await manager.get(sessionId);
  const json = await exportV1(manager, sessionId);
  let file = target;
  if (!file) {
    const safe = (session.origin?.originalId ?? session.id).replace(/[^\w.-]+/g, '_').slice(0, 80) || 'session';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Export "${session.title}" as LangSwarm V1 JSON`,
      filters: { 'LangSwarm V1 session': ['json'] },
      defaultUri: folder && vscode.Uri.joinPath(folder, `${safe}.json`),
    });
    if (!uri) return undefined;
    file = uri.fsPath;
  }
  fs.writeFileSync(file, json);
  return file;
}

/**
 * Once per workspace, when it is trusted and holds LangSwarm files: offers to migrate them (the pick, with them
 * checked). Untrusted, nothing is marked: the Sessions view names the files, and granting trust calls this again.
 */
export async function offerMigration(state: vscode.Memento, then?: () => unknown): Promise<string[]> {
  if (!vscode.workspace.isTrusted) return [];
  await MIGRATION_CHECKED.update(state, true);
  if (MIGRATION_OFFERED.get(state)) return [];
  const files = await findLangSwarmFiles();
  if (files.length === 0) return [];
  await MIGRATION_OFFERED.update(state, true);
  // Then (once it is answered) the offer to follow them.
  void vscode.window
    .showInformationMessage(
      `This workspace has LangSwarm session files (${files
        .map((f) => path.basename(f))
        .slice(0, 3)
        .join(', ')}${files.length > 3 ? ', …' : ''}). Import them into LangSwarm Sessions?`,
      'Migrate…',
      'Not now',
    )
    .then((answer) => {
      if (answer === 'Migrate…') void vscode.commands.executeCommand('langswarmSessions.migrate');
      then?.();
    });
  return files;
}
