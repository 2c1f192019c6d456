// A database file changed behind the store's back, as another tool would.
import * as fs from 'node:fs';
import { loadSqlJs } from '../../src/core/store/sqljs';

/** Runs SQL on a closed database file (its journal folded in) with plain sql.js, and writes it back. */
export async function editFile(file: string, sql: string): Promise<void> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    db.run(sql);
    fs.writeFileSync(file, db.export());
  } finally {
    db.close();
  }
}
