// Migrating LangSwarm V1/V2 files from the editor: pick files or folders, progress with counts and
// Cancel (between sessions: never half a session), a readable report whose entries reveal their
// session, a one-time offer when the workspace holds LangSwarm data, and V1 JSON export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MigrateReport, Outcome, SessionResult, exportV1, formatReport } from '../core/langswarm';
import type { SessionApi } from '../core/sessions';
import { MIGRATION_CHECKED, MIGRATION_OFFERED } from './keys';
import { quickPick } from './picks';
import { withCancellableProgress } from './ui';

/** File names LangSwarm uses by default: only to find candidates; the importer detects by content. */
const LANGSWARM_FILES = '**/{langswarm_sessions.db,langswarm_memory.db,session_*.json}';

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
}

/** Runs the import with a cancellable progress notification; resolves to the report. */
export async function runMigration(manager: SessionApi, args: MigrateArgs): Promise<MigrateReport | undefined> {
  let sources = args.sources;
  if (!sources?.length) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Migrate LangSwarm sessions: choose files or folders',
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: true,
      openLabel: 'Migrate',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked?.length) return undefined;
    sources = picked.map((u) => u.fsPath);
  }
  const chosen = sources;
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
          progress.report({
            message: `${p.sessions.toLocaleString()} sessions, ${p.messages.toLocaleString()} messages — ${path.basename(p.file)} (${p.filesDone}/${p.filesTotal})`,
            increment: increment || undefined,
          });
        },
      });
    },
  );
  if (args.showReport !== false) void offerReport(report);
  return report;
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

/** Once per workspace: when it holds LangSwarm files, offer to migrate them. */
export async function offerMigration(state: vscode.Memento): Promise<string[]> {
  await MIGRATION_CHECKED.update(state, true);
  if (MIGRATION_OFFERED.get(state) || !vscode.workspace.isTrusted) return [];
  const found = await vscode.workspace.findFiles(LANGSWARM_FILES, '**/{node_modules,.git,.vscode-test}/**', 20);
  if (found.length === 0) return [];
  await MIGRATION_OFFERED.update(state, true);
  const files = found.map((u) => u.fsPath);
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
      if (answer === 'Migrate…') void vscode.commands.executeCommand('langswarmSessions.migrate', { sources: files });
    });
  return files;
}
