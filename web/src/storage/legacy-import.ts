// The previous storage format, read once to move it into the page store: the whole SQLite file
// as a sql.js snapshot plus a journal of the write batches made since, in the IndexedDB database
// named after the store ("atf-results"; idb-journal.ts has its layout). Nothing writes this format
// any more; the page store copies it on its first open (sqlite-store.ts) and then deletes it.
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { IdbJournal } from './idb-journal';
import { SCHEMA_VERSION } from './schema';
import { StorageError } from './storage-errors';

/** A database of the previous format, rebuilt in memory (the caller closes `db`). */
export interface LegacyDatabase {
  db: Database;
  /** Its schema version (1 to SCHEMA_VERSION). */
  version: number;
  /** Journal records replayed on top of the snapshot. */
  replayed: number;
}

/** Whether the IndexedDB database `name` exists, without creating it. Browsers without
 *  indexedDB.databases() answer "maybe" (true): reading it then finds it empty. */
async function exists(name: string): Promise<boolean> {
  const list = (indexedDB as IDBFactory & { databases?: () => Promise<IDBDatabaseInfo[]> }).databases;
  if (!list) return true;
  return (await list.call(indexedDB)).some((d) => d.name === name);
}

/**
 * The database stored in the previous format under `name`, or null when there is none (or it is
 * empty). Throws StorageError naming the record when the journal cannot be replayed: the old
 * copy then stays where it is, untouched.
 */
export async function readLegacyDatabase(name: string, SQL: SqlJsStatic): Promise<LegacyDatabase | null> {
  if (!(await exists(name))) return null;
  const journal = await IdbJournal.open(name);
  try {
    const snapshot = await journal.readSnapshot();
    const records = await journal.readJournal(snapshot?.seq ?? 0);
    if (!snapshot && records.length === 0) return null;
    const db = snapshot ? new SQL.Database(snapshot.bytes) : new SQL.Database();
    let seq = snapshot?.seq ?? 0;
    let replayed = 0;
    try {
      for (const record of records) {
        if (record.seq !== seq + 1) break;  // a gap: what follows was never visible to the old app either
        db.exec('BEGIN');
        try {
          for (const s of record.statements) {
            if (s.params && s.params.length > 0) db.run(s.sql, s.params as SqlValue[]);
            else db.exec(s.sql);
          }
          db.exec('COMMIT');
        } catch (e) {
          db.exec('ROLLBACK');
          throw new StorageError(`The saved database of the previous version could not be read (journal record ${record.seq}): ${String(e)}`, e);
        }
        seq = record.seq;
        replayed++;
      }
      const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length > 0;
      const version = hasMeta ? Number(db.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0] ?? 0) : 0;
      if (version === 0) {
        db.close();
        return null;
      }
      if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
        throw new StorageError(`The saved database of the previous version has schema version ${String(version)}, newer than this app reads (${SCHEMA_VERSION}).`);
      }
      return { db, version, replayed };
    } catch (e) {
      db.close();
      throw e;
    }
  } finally {
    journal.close();
  }
}

/** Deletes the previous format's database. Resolves also when another tab still has it open
 *  (the browser deletes it once that tab closes) or when it does not exist. */
export function deleteLegacyDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => resolve();
    req.onblocked = () => resolve();
  });
}
