// "Copy Its Sessions into a New Database": offered when the workspace's database was refused for what
// it holds (a trigger, view or table this version does not write, an impossible number). The copy runs
// in a worker of its own; the refused files are kept beside the new database under another name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SalvageReport } from '../core/store/salvage';
import { SessionClient } from '../core/worker/client';
import type { WorkspaceStore } from './workspaceStore';

/** The files of one database: the snapshot, its journal and its backup. */
const DATABASE_FILES = ['', '.journal', '.bak'];

export async function salvageDatabase(db: WorkspaceStore): Promise<SalvageReport | undefined> {
  const file = db.path;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const copy = `${file}.salvaged-${stamp}`;
  const refused = `${file}.refused-${stamp}`;
  const report = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'LangSwarm Sessions: copying the sessions of the refused database…',
    },
    () => SessionClient.salvage(file, copy, { tracer: db.tracer }),
  );
  // Nothing has the refused database open (it never opened): set it aside and put the copy in its place.
  for (const suffix of DATABASE_FILES) if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, refused + suffix);
  for (const suffix of DATABASE_FILES) if (fs.existsSync(copy + suffix)) fs.renameSync(copy + suffix, file + suffix);
  await db.reopen();
  const skipped = report.skipped.length ? ` ${report.skipped.length} item(s) could not be copied (see the log).` : '';
  for (const s of report.skipped) db.tracer.warn(`salvage skipped ${s}`);
  void vscode.window.showInformationMessage(
    `LangSwarm Sessions: copied ${report.sessions} session(s) with ${report.messages} message(s) into a new database.${skipped} The refused files were kept as ${path.basename(refused)}.`,
  );
  return report;
}
