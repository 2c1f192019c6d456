// The user's files as the CLI checks and writes them: --out targets, --db before it is opened, and
// sentences for what an I/O error code means.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreError, describeError } from '../core/errors';
import { errno, FileSystem, realFs, writeFileAtomic } from '../core/store/files';

/** What an I/O error code means, for sentences about the user's files. */
const REASONS: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is too large',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EPIPE: 'the reader closed the pipe',
};

export function fileError(action: string, e: unknown): CoreError {
  const code = errno(e);
  const reason = (code && REASONS[code]) ?? describeError(e);
  return new CoreError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'StorageFull' : 'StorageError',
    `Could not ${action}: ${reason}${code ? ` (${code})` : ''}.`,
    { errno: code },
    { cause: e },
  );
}

/** The file's stat (of a symbolic link itself, unless `follow`), or undefined when there is none. */
export function statOrUndefined(file: string, action: string, follow = false): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw fileError(action, e);
  }
}

/**
 * Checks an --out target before anything else happens: its folder must exist, and the target, if it
 * exists, must be a regular file. A symbolic link is refused: following it could overwrite any file
 * it points to, and replacing it would silently turn it into a file.
 */
export function outTarget(file: string, option = '--out'): { target: string; mode?: number } {
  const target = path.resolve(file);
  const existing = statOrUndefined(target, `write ${file}`);
  if (existing?.isSymbolicLink())
    throw new CoreError(
      'InvalidInput',
      `${option} ${file} is a symbolic link; give the path of the file itself (links are not written through).`,
    );
  if (existing?.isDirectory()) throw new CoreError('InvalidInput', `${option} ${file} is a folder; give a file name.`);
  if (existing && !existing.isFile()) throw new CoreError('InvalidInput', `${option} ${file} is not a regular file.`);
  if (!existing) {
    const folder = statOrUndefined(path.dirname(target), `write ${file}`, true);
    if (!folder?.isDirectory())
      throw new CoreError(
        'InvalidInput',
        `Could not write ${file}: the folder ${path.dirname(target)} does not exist.`,
      );
  }
  // Only the permission bits: never pass on set-user-id and the like.
  return existing ? { target, mode: existing.mode & 0o777 } : { target };
}

/**
 * Writes an --out file atomically (a temp file beside it, fsync, rename: readers see the old file
 * or the new one, and a failure leaves the old one), keeping an existing file's permissions.
 */
export function writeOutFile(file: string, text: string, fsys: FileSystem = realFs, option = '--out'): void {
  const { target, mode } = outTarget(file, option);
  try {
    writeFileAtomic(fsys, target, [Buffer.from(text)], { mode });
  } catch (e) {
    throw fileError(`write ${file}`, e);
  }
}

/**
 * Checks --db before opening it: a folder is refused; a missing database is created only by commands
 * that create sessions, in a folder that exists (the default .vscode folder is made when missing).
 */
export function checkDatabase(
  dbPath: string,
  shown: string,
  access: 'read' | 'write' | 'create',
  isDefault: boolean,
): void {
  const existing = statOrUndefined(dbPath, `open the database ${shown}`, true);
  if (existing?.isDirectory())
    throw new CoreError('InvalidInput', `--db ${shown} is a folder; give the path of the database file.`);
  if (existing) return;
  if (access !== 'create')
    throw new CoreError(
      'InvalidInput',
      `No database at ${shown}: nothing to ${access === 'read' ? 'read' : 'change'}. Give --db, or create a session first.`,
    );
  if (isDefault) return;
  const folder = path.dirname(dbPath);
  const folderStat = statOrUndefined(folder, `create the database ${shown}`, true);
  if (!folderStat?.isDirectory())
    throw new CoreError('InvalidInput', `Could not create the database ${shown}: the folder ${folder} does not exist.`);
}
