// Reading another program's SQLite file strictly read-only: nothing is ever written to it or beside it.
//
// When no transaction is under way in it (no hot journal), the file is read where it is (store/sqljs.ts
// fileInPlace), so memory never holds it: `stillAsOpened()` then says whether it changed since, which the
// reader asks before taking each session (a change means what it reads next may mix two states: it goes on
// from a copy instead). Otherwise its bytes are copied into memory as below.
//
// A `-journal` beside the file means a LangSwarm app is writing it, or stopped mid-write. SQLite
// writes the original of every page to the journal before changing it in the file, so the file plus
// the journal always hold the last committed state: we play the journal back on our in-memory copy,
// exactly as SQLite itself would on its next open, and import that state, with a warning. The two
// files are read until they are read unchanged; if they keep changing the file is reported busy.
// A `-wal` with content holds committed changes the file does not have yet, which sql.js cannot
// read: such a file is refused with what to do. A file failing SQLite's quick_check (truncated,
// damaged) is refused whole rather than read part way.
import * as fs from 'node:fs';
import type { Database } from 'sql.js';
import { CoreError, describeError } from '../errors';
import { asDatabaseFile, fileInPlace, loadSqlJs } from '../store/sqljs';

export const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface OpenedSqlite {
  db: Database;
  warnings: string[];
  /** Read in place: whether the file is still as it was when opened (a copy in memory cannot change). */
  stillAsOpened?: () => boolean;
  /** Closes the database (and the file read in place). */
  close(): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Stamp = { size: number; mtimeMs: number; ino: number } | undefined;

function stamp(file: string): Stamp {
  try {
    const st = fs.statSync(file);
    return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  } catch {
    return undefined;
  }
}

const sameStamp = (a: Stamp, b: Stamp) => a?.size === b?.size && a?.mtimeMs === b?.mtimeMs && a?.ino === b?.ino;

/**
 * Opens `file`'s last committed state: in place when nothing is being written to it (and `inPlace` allows),
 * else as a copy in memory.
 */
export async function openSqliteFile(file: string, { inPlace = true } = {}): Promise<OpenedSqlite> {
  const wal = stamp(`${file}-wal`);
  if (wal && wal.size > 0) {
    throw new CoreError(
      'ImportRejected',
      `${file} has changes in ${file}-wal that are not in the database file yet (WAL mode), which cannot be read here. Close the app using it, or run: sqlite3 "${file}" "PRAGMA wal_checkpoint(TRUNCATE);" — then import again.`,
      { path: file },
    );
  }
  if (inPlace) {
    const opened = await openInPlace(file);
    if (opened) return opened;
  }
  const { bytes, journal } = await readConsistently(file);
  const warnings: string[] = [];
  let data: Uint8Array = bytes;
  if (journal && journal.length > 0) {
    const rolledBack = rollBackJournal(bytes, journal);
    if (rolledBack) data = rolledBack;
    warnings.push(
      rolledBack
        ? `${file}-journal is beside it: a LangSwarm app was writing this database (or stopped mid-write). Imported its last committed state; the unfinished change was left out.`
        : `${file}-journal is beside it: a LangSwarm app may be writing this database. Imported its last committed state.`,
    );
  }
  const SQL = await loadSqlJs();
  let db: Database | undefined;
  try {
    const copy = new SQL.Database(asDatabaseFile(data)); // the bytes read are the file: not held twice
    db = copy;
    checkIntegrity(copy);
    return { db: copy, warnings, close: () => copy.close() };
  } catch (e) {
    db?.close();
    throw damaged(file, e);
  }
}

/** A damaged file is refused whole (rather than failing part way through): a few % of the import's time. */
function checkIntegrity(db: Database): void {
  // The file is in memory or read in place: SQLite's page cache (8 MB by default) would only hold pages twice.
  db.run('PRAGMA cache_size = -512');
  const verdict = db
    .exec('PRAGMA quick_check')[0]
    ?.values.map((r) => String(r[0]))
    .join('; ');
  if (verdict !== 'ok') throw new Error(verdict);
}

function damaged(file: string, e: unknown): CoreError {
  return new CoreError(
    'ImportRejected',
    `${file} is a damaged SQLite database (${describeError(e)}); nothing was imported from it.`,
    { path: file },
  );
}

/**
 * Opens `file` to be read in place, unless a transaction is under way in it (a hot journal beside it) or it
 * changed while being checked: undefined then, and the caller reads a copy. SQLite changes a file only while
 * its journal holds the pages' originals, and every commit bumps the file change counter in its header, so
 * the same size, modification time and counter, with no hot journal, mean nothing read from it since mixes
 * two states.
 */
async function openInPlace(file: string): Promise<OpenedSqlite | undefined> {
  if (hotJournal(file)) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined; // the copy's reading says why
  }
  let db: Database | undefined;
  try {
    const opened = fs.fstatSync(fd);
    const counter = changeCounter(fd);
    const stillAsOpened = () => {
      const now = fs.fstatSync(fd);
      return (
        now.size === opened.size && now.mtimeMs === opened.mtimeMs && changeCounter(fd) === counter && !hotJournal(file)
      );
    };
    const SQL = await loadSqlJs();
    db = new SQL.Database(fileInPlace(fd, opened.size));
    try {
      checkIntegrity(db);
    } catch (e) {
      if (stillAsOpened()) throw damaged(file, e);
      db.close();
      fs.closeSync(fd);
      return undefined; // written to while checked: a copy tells
    }
    if (!stillAsOpened()) throw new Error('changed while checked');
    const open = db;
    return {
      db: open,
      warnings: [],
      stillAsOpened,
      close: () => {
        open.close();
        fs.closeSync(fd);
      },
    };
  } catch (e) {
    db?.close();
    fs.closeSync(fd);
    if (e instanceof CoreError) throw e;
    return undefined;
  }
}

/** SQLite's file change counter (header offset 24), or -1 when the file is too short to have one. */
function changeCounter(fd: number): number {
  const bytes = Buffer.alloc(4);
  return fs.readSync(fd, bytes, 0, 4, 24) === 4 ? bytes.readUInt32BE(0) : -1;
}

/** A `-journal` beside `file` that a writer is using: it starts with the journal header's magic. */
function hotJournal(file: string): boolean {
  const journal = `${file}-journal`;
  if (!fs.statSync(journal, { throwIfNoEntry: false })?.size) return false; // none, or empty: asked per session
  let fd: number;
  try {
    fd = fs.openSync(journal, 'r');
  } catch {
    return false; // gone meanwhile (or unreadable: the copy's reading will say so)
  }
  try {
    const head = Buffer.alloc(8);
    return fs.readSync(fd, head, 0, 8, 0) === 8 && head.equals(JOURNAL_MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the file (and its journal) until two looks agree nothing changed while reading. */
async function readConsistently(file: string): Promise<{ bytes: Buffer; journal: Buffer | undefined }> {
  const journalPath = `${file}-journal`;
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = [stamp(file), stamp(journalPath)];
    // The file first: every page changed in it was journaled before, so a journal read after it covers them.
    const bytes = fs.readFileSync(file);
    let journal: Buffer | undefined;
    try {
      journal = before[1] ? fs.readFileSync(journalPath) : undefined;
    } catch {
      journal = undefined; // committed meanwhile: look again
    }
    const after = [stamp(file), stamp(journalPath)];
    if (
      sameStamp(before[0], after[0]) &&
      sameStamp(before[1], after[1]) &&
      (journal !== undefined) === (before[1] !== undefined)
    ) {
      return { bytes, journal };
    }
    await sleep(20 * (attempt + 1));
  }
  throw new CoreError(
    'DatabaseBusy',
    `${file} kept changing while being read: a LangSwarm app is writing it right now. Try again when it is idle.`,
    { path: file },
  );
}

const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');

/**
 * Plays a rollback journal back onto a copy of the database bytes, as SQLite's pager does for a hot
 * journal: each segment header names its record count, each record is a page number, the original
 * page and a checksum; playback stops at the first invalid record. Returns undefined when the
 * journal holds nothing to play back (its header was never synced, so the file was not touched).
 */
export function rollBackJournal(db: Buffer, journal: Buffer): Buffer | undefined {
  if (journal.length < 28 || !journal.subarray(0, 8).equals(JOURNAL_MAGIC)) return undefined;
  const originalPages = journal.readUInt32BE(16);
  const sectorSize = journal.readUInt32BE(20);
  const pageSize = journal.readUInt32BE(24);
  const dbPageSize = db.length >= 18 ? (db.readUInt16BE(16) === 1 ? 65536 : db.readUInt16BE(16)) : pageSize;
  if (
    pageSize < 512 ||
    pageSize > 65536 ||
    (pageSize & (pageSize - 1)) !== 0 ||
    (db.length > 0 && pageSize !== dbPageSize)
  ) {
    throw new CoreError(
      'ImportRejected',
      'its -journal does not match the database (page size); it cannot be read safely.',
    );
  }
  const sector = sectorSize >= 32 && sectorSize <= 65536 && (sectorSize & (sectorSize - 1)) === 0 ? sectorSize : 512;
  const out = Buffer.alloc(originalPages * pageSize);
  db.copy(out, 0, 0, Math.min(db.length, out.length));
  const lockBytePage = Math.floor(0x40000000 / pageSize) + 1;
  const recordSize = pageSize + 8;
  let header = 0;
  let played = 0;
  while (header + 28 <= journal.length && journal.subarray(header, header + 8).equals(JOURNAL_MAGIC)) {
    let records = journal.readUInt32BE(header + 8);
    const checksumInit = journal.readUInt32BE(header + 12);
    const first = header + sector;
    if (records === 0xffffffff) records = Math.floor((journal.length - first) / recordSize);
    for (let r = 0; r < records; r++) {
      const at = first + r * recordSize;
      if (at + recordSize > journal.length) return out; // cut short by a crash: the file was not written past it
      const page = journal.readUInt32BE(at);
      const data = journal.subarray(at + 4, at + 4 + pageSize);
      if (
        page === 0 ||
        page === lockBytePage ||
        journal.readUInt32BE(at + 4 + pageSize) !== pageChecksum(checksumInit, data)
      )
        return out;
      if (page <= originalPages) data.copy(out, (page - 1) * pageSize);
      played++;
    }
    header = Math.ceil((first + records * recordSize) / sector) * sector;
  }
  return played > 0 || out.length !== db.length ? out : undefined;
}

function pageChecksum(init: number, page: Buffer): number {
  let sum = init;
  for (let i = page.length - 200; i > 0; i -= 200) sum = (sum + page[i]!) >>> 0;
  return sum;
}

/** Tables of `db` with their column names, to recognise a format by its columns. */
export function tableColumns(db: Database): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  const names =
    db.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`)[0]?.values.map((r) => String(r[0])) ?? [];
  for (const name of names) {
    const columns = db.exec(`SELECT name FROM pragma_table_info(?)`, [name])[0]?.values.map((r) => String(r[0])) ?? [];
    tables.set(name, new Set(columns));
  }
  return tables;
}

/** The first table having all of `columns`. */
export function findTable(tables: Map<string, Set<string>>, columns: readonly string[]): string | undefined {
  for (const [name, have] of tables) if (columns.every((c) => have.has(c))) return name;
  return undefined;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
