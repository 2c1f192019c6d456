// The data: LangSwarm import (Migrate…) and V1 export, the demo sessions, keeping the database out of git, and
// copying the sessions of a refused database into a new one.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { addDemoSessions } from '../../core/demo';
import { CoreError } from '../../core/errors';
import { SESSION_STATUSES } from '../../core/model';
import { exportSessionV1, runMigration } from '../migration';
import { salvageDatabase } from '../salvage';
import { addToGitignore } from '../workspaceStore';
import { Commands, command, flag, options, sessionIdOf, sessionTarget, text, texts } from './args';
import type { CommandEnv } from './env';

export function dataCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.migrate'
  | 'langswarmSessions.exportV1'
  | 'langswarmSessions.openDemo'
  | 'langswarmSessions.addToGitignore'
  | 'langswarmSessions.salvageDatabase'
  | 'langswarmSessions.followStores'
  | 'langswarmSessions.stopFollowing'
  | 'langswarmSessions.showFollowedStores'
> {
  return {
    /** Without sources, offers the LangSwarm files found in the workspace (and a way to browse to others). */
    'langswarmSessions.migrate': command(
      [
        options(
          {
            sources: texts.optional(),
            dryRun: flag.optional(),
            naiveUtc: flag.optional(),
            showReport: flag.optional(),
            confirm: flag.optional(),
          },
          '{ sources, dryRun, naiveUtc, showReport, confirm }',
        ).optional(),
      ],
      async (given) =>
        runMigration(
          {
            manager: () => env.manager(),
            log: env.ctx.log,
            databasePath: env.ctx.store.path,
            reveal: (ids) => env.revealSessions(ids),
          },
          given ?? {},
        ),
    ),

    /** Without a target file, asks where to save. */
    'langswarmSessions.exportV1': command([sessionTarget({ target: text.optional() })], async (t) => {
      const sessionId =
        sessionIdOf(t) ?? (await env.pickSession('Export which session as LangSwarm V1 JSON?', SESSION_STATUSES));
      if (!sessionId) return undefined;
      const file = await exportSessionV1(await env.manager(), sessionId, t.target);
      if (file && t.target === undefined) void vscode.window.showInformationMessage(`Exported to ${file}`);
      return file;
    }),

    'langswarmSessions.openDemo': command([], async () => {
      const ids = await addDemoSessions(await env.manager());
      await env.ctx.active.set(ids[0]);
      await env.reveal(ids[0]!);
      return ids;
    }),

    'langswarmSessions.addToGitignore': command([], async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (folder?.uri.scheme !== 'file')
        throw new CoreError(
          'InvalidInput',
          'Open a folder first: the database is in global storage, not in a repository.',
        );
      const file = env.ctx.store.path;
      const result = addToGitignore(folder.uri.fsPath, file);
      const where = path.relative(folder.uri.fsPath, file);
      void vscode.window.showInformationMessage(
        result === 'added'
          ? `Added ${where} and its journal to .gitignore.`
          : result === 'present'
            ? '.gitignore already excludes the session database.'
            : 'The session database is outside this folder; nothing to ignore.',
      );
      return result;
    }),

    'langswarmSessions.salvageDatabase': command([], () => salvageDatabase(env.ctx.store)),

    /** Picks stores to follow (written to the follow.paths setting, which starts following). */
    'langswarmSessions.followStores': command([], () => env.ctx.following.pickAndFollow()),
    'langswarmSessions.stopFollowing': command([], () => env.ctx.following.stopFollowing()),
    'langswarmSessions.showFollowedStores': command([], () => env.ctx.following.showStores()),
  };
}
