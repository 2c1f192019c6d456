// Reading a snapshot (x.sqlite, or x.sqlite.bak to recover) when a database is opened or reloaded, and
// deciding whether it may be used: a SQLite file, intact, ours, of a schema this version understands,
// holding exactly the objects this version creates, with a change number that makes sense.
import { crc32 } from 'node:zlib';
import type { BindParams, Database, SqlJsStatic } from 'sql.js';
import { CoreError, describeError } from '../errors';
import type { Tx } from './connection';
import type { DurableHooks } from './durable-config';
import { DatabaseFiles, statOrUndefined, storageError } from './files';
import { MAX_LSN, SnapshotInfo } from './journal';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** A usable snapshot, or why not; `foreign`: the file is not ours (as opposed to ours and damaged). */
export type SnapshotRead =
  | { ok: true; db: Database; lsn: number }
  | { ok: false; foreign: boolean; reason: string; error: CoreError };

export class SnapshotReader {
  private readonly expectedSchemas = new Map<number, Map<string, string>>();

  constructor(
    private readonly SQL: SqlJsStatic,
    private readonly hooks: DurableHooks,
    private readonly files: DatabaseFiles,
  ) {}

  /**
   * The snapshot to open: x.sqlite, or its backup when x.sqlite is ours but damaged (`damage` then says
   * how). Throws when x.sqlite is not ours, or neither can be used.
   */
  readLatest(expected: SnapshotInfo | undefined): { snapshot: { db: Database; lsn: number }; damage?: string } {
    const { path, backupPath } = this.files;
    const main = this.read(path, expected);
    if (main.ok) return { snapshot: main };
    const backup = statOrUndefined(this.files.fs, backupPath)?.size ? this.read(backupPath) : undefined;
    if (main.foreign || !backup) throw main.error;
    if (!backup.ok) {
      throw new CoreError(
        'CorruptDatabase',
        `${path} is damaged (${main.reason}) and so is its backup (${backup.reason}). The files were left as they are.`,
        { path },
      );
    }
    return { snapshot: backup, damage: main.reason };
  }

  /**
   * Loads and checks a snapshot. When it matches the checksum the journal recorded for it, it is
   * exactly what we wrote and the (slow, O(size)) `PRAGMA quick_check` is skipped.
   */
  read(file: string, expected?: SnapshotInfo): SnapshotRead {
    let bytes: Buffer;
    try {
      bytes = this.files.fs.readFileSync(file);
    } catch (e) {
      const error = storageError(`read ${file}`, e);
      return { ok: false, foreign: false, reason: error.message, error };
    }
    if (!bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
      // Ours if our journal or backup is beside it: then it is damage, not a wrong file.
      const exists = (f: string) => statOrUndefined(this.files.fs, f) !== undefined;
      const ours = exists(this.files.journalPath) || exists(this.files.backupPath);
      const error = new CoreError('NotADatabase', `${file} is not a SQLite database; it was left untouched.`, {
        path: file,
      });
      return { ok: false, foreign: !ours, reason: 'not a SQLite file', error };
    }
    const trusted =
      expected !== undefined && expected.size === bytes.length && expected.size > 0 && crc32(bytes) === expected.crc;
    let db: Database | undefined;
    try {
      db = new this.SQL.Database(bytes);
      const check = trusted ? [{ values: [['ok']] }] : db.exec('PRAGMA quick_check');
      const verdict = check[0]?.values.map((r) => String(r[0])).join('; ') ?? 'no answer';
      if (verdict !== 'ok') throw new Error(verdict);
    } catch (e) {
      db?.close();
      const reason = `integrity check failed: ${describeError(e)}`;
      return {
        ok: false,
        foreign: false,
        reason,
        error: new CoreError('CorruptDatabase', `${file} is damaged (${reason}).`, { path: file }),
      };
    }
    let lsn: number;
    try {
      const version = this.hooks.inspect(db, file);
      if (version > this.hooks.schemaVersion) {
        throw new CoreError(
          'SchemaTooNew',
          `${file} was written by a newer version of LangSwarm Sessions (schema ${version}; this version understands up to ${this.hooks.schemaVersion}). Update the extension; the file was left untouched.`,
          { path: file, version },
        );
      }
      this.checkSchema(db, file, version);
      lsn = snapshotLsnOf(db, file);
    } catch (e) {
      db.close();
      const error = e instanceof CoreError ? e : new CoreError('NotADatabase', describeError(e));
      return { ok: false, foreign: true, reason: error.message, error };
    }
    return { ok: true, db, lsn };
  }

  /**
   * The file must hold exactly the objects this version creates: a trigger, view, table or index
   * planted in a shared repository's database would otherwise run or be read on the next write.
   */
  private checkSchema(db: Database, file: string, version: number): void {
    const found = schemaObjects(db);
    const expected = version === 0 ? new Map<string, string>() : this.expectedSchema(version);
    const problems: string[] = [];
    for (const [key, sql] of found) {
      if (!expected.has(key)) problems.push(`a ${key} it does not create`);
      else if (expected.get(key) !== sql) problems.push(`the ${key} defined differently`);
    }
    for (const key of expected.keys()) if (!found.has(key)) problems.push(`no ${key}`);
    if (problems.length === 0) return;
    const shown = problems.slice(0, 5).join(', ') + (problems.length > 5 ? ` and ${problems.length - 5} more` : '');
    throw new CoreError(
      'ForeignSchema',
      `${file} is not exactly a LangSwarm Sessions database: it has ${shown}. It was refused and left untouched; the sessions it holds can be copied into a new database ("salvage").`,
      { path: file, problems },
    );
  }

  /** The schema objects this version creates at `version`, made once in a scratch database. */
  private expectedSchema(version: number): Map<string, string> {
    let schema = this.expectedSchemas.get(version);
    if (!schema) {
      const db = new this.SQL.Database();
      try {
        const tx: Tx = {
          run: (sql, params) => {
            db.run(sql, (params ?? undefined) as BindParams | undefined);
          },
          all: () => [],
          get: () => undefined,
          changes: () => db.getRowsModified(),
        };
        initializeSchema(db, tx, this.hooks, version);
        schema = schemaObjects(db);
      } finally {
        db.close();
      }
      this.expectedSchemas.set(version, schema);
    }
    return schema;
  }
}

/** Creates store_meta and the hooks' schema at `version` in one transaction. */
export function initializeSchema(db: Database, tx: Tx, hooks: DurableHooks, version: number): void {
  db.run('BEGIN');
  try {
    tx.run('CREATE TABLE IF NOT EXISTS store_meta(key TEXT PRIMARY KEY, value)');
    hooks.initialize(tx, version);
    db.run('COMMIT');
  } catch (e) {
    db.run('ROLLBACK');
    throw e;
  }
}

/** Refuses a database another SQLite tool left in WAL mode: sql.js would not see what the -wal file holds. */
export function refuseWal(files: DatabaseFiles): void {
  if (statOrUndefined(files.fs, `${files.path}-wal`)?.size) {
    throw new CoreError(
      'NotADatabase',
      `${files.path} was left in WAL mode by another SQLite tool (a -wal file is beside it), which sql.js cannot read. Open it with sqlite3 and run "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;", then try again.`,
      { path: files.path },
    );
  }
}

/** Every schema object (type and name) with its definition, SQLite's own internal tables left out. */
function schemaObjects(db: Database): Map<string, string> {
  const rows =
    db.exec(
      `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\'`,
    )[0]?.values ?? [];
  return new Map(
    rows.map(([type, name, table, sql]) => [
      type === 'table' || type === 'view'
        ? `${type} "${String(name)}"`
        : `${type} "${String(name)}" on ${String(table)}`,
      // Whitespace is not meaning: the same statement written with other spacing is the same object.
      String(sql ?? '')
        .replace(/\s+/g, ' ')
        .replace(/ ?([(),]) ?/g, '$1')
        .trim(),
    ]),
  );
}

/** The change number a snapshot holds, checked: a huge one would make the next write unreadable. */
function snapshotLsnOf(db: Database, file: string): number {
  const hasMeta =
    (db.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'`)[0]?.values.length ?? 0) > 0;
  const value = hasMeta ? (db.exec(`SELECT value FROM store_meta WHERE key = 'lsn'`)[0]?.values[0]?.[0] ?? 0) : 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_LSN) {
    throw new CoreError(
      'CorruptDatabase',
      `${file} records an impossible change number (${String(value).slice(0, 40)}); it was left untouched.`,
      { path: file },
    );
  }
  return value;
}
