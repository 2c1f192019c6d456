// The migration report as people read it; the CLI's --json prints the MigrateReport itself.
import * as path from 'node:path';
import type { FileResult, MigrateProgress, MigrateReport } from './importer';

const MAX_LINES_PER_FILE = 20;

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export function formatReport(report: MigrateReport): string {
  const lines: string[] = [];
  if (report.dryRun) lines.push('Dry run: nothing was changed. This is what importing would do:');
  for (const file of report.files) lines.push(...fileLines(file));
  const t = report.totals;
  lines.push(
    '',
    `${report.dryRun ? 'Would import' : 'Imported'} ${plural(t.messagesImported, 'message')}: ${t.imported} new, ${t.updated} updated, ${t.unchanged} unchanged, ` +
      `${plural(t.conflict, 'conflict')}, ${t.failed} failed session${t.failed === 1 ? '' : 's'}; ${plural(t.files, 'file')}, ${t.filesFailed} unreadable (${(report.durationMs / 1000).toFixed(1)} s).`,
  );
  if (report.cancelled)
    lines.push('Cancelled: the files and sessions listed above were processed; nothing else was imported.');
  return lines.join('\n');
}

function fileLines(f: FileResult): string[] {
  const c = f.counts;
  const head = f.format
    ? `${f.file}  [${f.format}]  ${c.imported} new, ${c.updated} updated, ${c.unchanged} unchanged, ${c.conflict} conflict, ${c.failed} failed; ${plural(f.messagesImported, 'message')}`
    : `${f.file}  not imported`;
  const details: string[] = [
    ...f.errors.filter((e) => !e.where).map((e) => `error: ${e.message}`),
    ...f.warnings.map((w) => `warning: ${w}`),
  ];
  for (const s of f.sessions) {
    const name = `${s.originalId ? `session "${s.originalId}"` : 'session'} (${s.where})`;
    if (s.outcome === 'failed') details.push(`error: ${name}: ${s.reason ?? 'failed'}`);
    if (s.outcome === 'conflict')
      details.push(`conflict: ${name} imported as ${s.sessionId ?? 'a new session'}: ${s.reason ?? ''}`);
    for (const w of s.warnings) details.push(`warning: ${name}: ${w}`);
  }
  const shown = details.slice(0, MAX_LINES_PER_FILE).map((d) => `  ${d}`);
  if (details.length > shown.length) shown.push(`  … and ${details.length - shown.length} more (see --json)`);
  return [head, ...shown];
}

/**
 * The progress line of a migration, for its phase only: while reading, the file being read and what was read from it
 * (so far, never another file's figures); then what is being done instead of figures that no longer move.
 */
export function describeProgress(p: MigrateProgress): string {
  switch (p.phase) {
    case 'reading':
      return `${path.basename(p.file)} (file ${Math.min(p.filesDone + 1, p.filesTotal)} of ${p.filesTotal}): ${plural(p.fileSessions, 'session')}, ${plural(p.fileMessages, 'message')} read`;
    case 'indexing':
      return `Indexing the new messages for search (${plural(p.messages, 'message')} read from ${plural(p.filesTotal, 'file')})`;
    case 'done':
      return 'Done';
  }
}
