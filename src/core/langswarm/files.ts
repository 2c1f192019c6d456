// Which files to read and what each one is. The format comes from the content, never the name:
// SQLite files by their columns, JSON files by their shape. Folders are walked recursively and every
// file in them is detected on its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreError } from '../errors';
import { FORMAT_NAME } from '../store/schema';
import { isObject } from './normalise';
import { ParsedJson, parsePythonJson } from './pyjson';
import { type OpenedSource, type ReadOptions, SourceChanged, type SourceItem } from './source';
import { SQLITE_MAGIC, findTable, openSqliteFile, tableColumns } from './sqlite-file';
import { V1_TABLE_COLUMNS, isV1Document, mapV1Document, v1SqliteItems } from './v1';
import { V2_MEMORY_COLUMNS, V2_SESSION_COLUMNS, v2Items, v2Layout } from './v2';

export interface ExpandedSources {
  files: string[];
  /** Paths that could not be listed: `missing` when they do not exist, else unreadable. */
  problems: Array<{ file: string; message: string; missing?: true }>;
}

/** SQLite's own side files: read together with their database, never as sources of their own. */
const SIDE_FILE = /-(journal|wal|shm)$/;

/** A source file's size; 0 when it cannot be read (opening it reports why). */
export function sourceBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The files to import: given files as they are, folders walked (hidden entries skipped), in a stable order. */
export function expandSources(paths: readonly string[]): ExpandedSources {
  const files: string[] = [];
  const problems: ExpandedSources['problems'] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    if (!seen.has(file)) files.push(file);
    seen.add(file);
  };
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({ file: dir, message: `Cannot list the folder: ${(e as Error).message}` });
      return;
    }
    const names = new Set(entries.map((e) => e.name));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory())
        walk(full); // symlinked folders are not followed (no loops)
      else if (entry.isFile() || entry.isSymbolicLink()) {
        if (SIDE_FILE.test(entry.name) && names.has(entry.name.replace(SIDE_FILE, ''))) continue;
        add(full);
      }
    }
  };
  for (const p of paths) {
    const full = path.resolve(p);
    let st: fs.Stats;
    try {
      st = fs.statSync(full);
    } catch (e) {
      problems.push(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? { file: full, message: 'No such file or folder.', missing: true }
          : { file: full, message: `Cannot read it: ${(e as Error).message}` },
      );
      continue;
    }
    if (st.isDirectory()) walk(full);
    else add(full);
  }
  return { files, problems };
}

const reject = (file: string, why: string) => new CoreError('ImportRejected', `${file} ${why}`, { path: file });

/** Detects the format of `file` and opens it for reading. Throws ImportRejected (with why) for anything else. */
export async function openSource(file: string, options: ReadOptions): Promise<OpenedSource> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOENT'
          ? 'it is gone'
          : (e as Error).message;
    throw reject(file, `cannot be read: ${why}.`);
  }
  const head = Buffer.alloc(16);
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (size === 0) throw reject(file, 'is empty (0 bytes): not a LangSwarm session file.');
  if (head.equals(SQLITE_MAGIC)) return openSqliteSource(file, options);
  return openJsonSource(file, options);
}

async function openSqliteSource(file: string, options: ReadOptions): Promise<OpenedSource> {
  const opened = await openSqliteFile(file, { inPlace: options.inPlace !== false });
  const { db, warnings, close, stillAsOpened } = opened;
  const checked = (items: () => Iterable<SourceItem>) =>
    stillAsOpened ? () => whileUnchanged(file, items(), stillAsOpened) : items;
  try {
    const tables = tableColumns(db);
    const v1 = findTable(tables, V1_TABLE_COLUMNS);
    if (v1)
      return {
        format: 'langswarm-v1-sqlite',
        warnings,
        items: checked(() => v1SqliteItems(db, v1, file, options.naiveUtc, options.unchanged)),
        close,
      };
    if (findTable(tables, V2_SESSION_COLUMNS)) {
      const layout = v2Layout(tables, 'langswarm-v2-session');
      return {
        format: layout.format,
        warnings,
        items: checked(() => v2Items(db, layout, file, options.naiveUtc)),
        close,
      };
    }
    if (findTable(tables, V2_MEMORY_COLUMNS)) {
      const layout = v2Layout(tables, 'langswarm-v2-memory');
      return {
        format: layout.format,
        warnings,
        items: checked(() => v2Items(db, layout, file, options.naiveUtc)),
        close,
      };
    }
    const ours =
      tables.has('store_meta') &&
      db.exec(`SELECT value FROM store_meta WHERE key = 'format'`)[0]?.values[0]?.[0] === FORMAT_NAME;
    throw reject(
      file,
      ours
        ? "is a LangSwarm Sessions database (this extension's own), not a LangSwarm file to import."
        : `is a SQLite database but not a LangSwarm session store (tables: ${[...tables.keys()].slice(0, 8).join(', ') || 'none'}).`,
    );
  } catch (e) {
    close();
    throw e;
  }
}

/** `items` of a file read in place, each taken only if the file is unchanged since it was opened (after reading it). */
function* whileUnchanged(
  file: string,
  items: Iterable<SourceItem>,
  stillAsOpened: () => boolean,
): Iterable<SourceItem> {
  const it = items[Symbol.iterator]();
  for (;;) {
    let next: IteratorResult<SourceItem>;
    try {
      next = it.next();
    } catch (e) {
      if (!stillAsOpened()) throw new SourceChanged(file); // a page of the new state read as if of the old
      throw e;
    }
    if (!stillAsOpened()) throw new SourceChanged(file);
    if (next.done) return;
    yield next.value;
  }
}

async function openJsonSource(file: string, options: ReadOptions): Promise<OpenedSource> {
  const bytes = fs.readFileSync(file);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') {
    const printable = bytes.subarray(0, 64).every((b) => b >= 9 && b < 127);
    throw reject(
      file,
      `is neither a SQLite database nor JSON${printable ? '' : ' (it holds binary data)'}: not a LangSwarm session file.`,
    );
  }
  let parsed: ParsedJson;
  try {
    parsed = parsePythonJson(text);
  } catch (e) {
    throw reject(file, `is not valid JSON: ${(e as Error).message.replace(/^Not valid JSON: /, '')}`);
  }
  if (!isV1Document(parsed.value)) {
    const shape = isObject(parsed.value)
      ? `an object with keys ${Object.keys(parsed.value).slice(0, 8).join(', ') || '(none)'}`
      : Array.isArray(parsed.value)
        ? 'a list'
        : 'a single value';
    throw reject(
      file,
      `is JSON but not a LangSwarm V1 session: expected {"metadata": {…}, "history": {…}}, found ${shape}.`,
    );
  }
  const value = parsed.value;
  return {
    format: 'langswarm-v1-json',
    warnings: [],
    *items() {
      try {
        yield {
          kind: 'session',
          session: mapV1Document(value, parsed.specials, {
            format: 'langswarm-v1-json',
            file,
            where: 'document',
            naiveUtc: options.naiveUtc,
          }),
        };
      } catch (e) {
        yield { kind: 'error', where: 'document', message: (e as Error).message };
      }
    },
    close: () => undefined,
  };
}
