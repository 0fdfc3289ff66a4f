// Importing a database file copies its DATA, never its schema. A SQLite file can carry code
// (triggers that fire on our own inserts, views, extra tables, indexes) and rows the app would
// misread (unknown statuses, text that is not JSON). So an import builds a fresh database from
// our migrations and copies, table by table, only the columns our schema has, checking each row;
// anything the app could not read back is refused with the table, row and reason, and the
// current database is left as it was.
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION } from './schema';
import { ImportRejectedError } from './storage-errors';

const RUN_STATUSES = new Set(['Pending', 'Running', 'Completed', 'Failed', 'Cancelled']);
const TRIAL_STATUSES = new Set(['completed', 'failed']);
/** Columns holding JSON: null is allowed, anything else must parse (objects where noted). */
const JSON_COLUMNS: Record<string, Record<string, 'object' | 'any'>> = {
  backtest_runs: { request: 'object', metrics: 'object', result: 'object' },
  optimization_runs: { request: 'object', statistics: 'object', best_trial: 'object' },
  walkforward_runs: { request: 'object', result: 'object' },
  optimization_trials: { params: 'object', metrics: 'object' },
};
const SQLITE_MAGIC = 'SQLite format 3\u0000';
const INTERRUPTED = 'interrupted: the run was still in flight when this database was exported';

function columnsOf(db: Database, table: string): string[] {
  return (db.exec(`PRAGMA table_info("${table}")`)[0]?.values ?? []).map((r) => String(r[1]));
}

function tablesOf(db: Database): string[] {
  return (db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")[0]?.values ?? []).map((r) =>
    String(r[0]),
  );
}

/** Why a row cannot be imported (null when it can); may normalise the row in place. */
function checkRow(table: string, cols: string[], row: SqlValue[]): string | null {
  const at = (name: string) => cols.indexOf(name);
  const status = at('status');
  if (status >= 0) {
    const v = row[status];
    const allowed = table === 'optimization_trials' ? TRIAL_STATUSES : RUN_STATUSES;
    if (typeof v !== 'string' || !allowed.has(v)) return `status ${JSON.stringify(v)} is not one of ${[...allowed].join(', ')}`;
    // A run that was in flight in the exporting tab is not running here: it ended, unfinished.
    if (v === 'Pending' || v === 'Running') {
      row[status] = 'Failed';
      const msg = at('error_message');
      if (msg >= 0 && (row[msg] === null || row[msg] === '')) row[msg] = INTERRUPTED;
    }
  }
  for (const [name, kind] of Object.entries(JSON_COLUMNS[table] ?? {})) {
    const i = at(name);
    const v = i >= 0 ? row[i] : null;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') return `${name} is not JSON text`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      return `${name} is not valid JSON`;
    }
    if (kind === 'object' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) return `${name} is not a JSON object`;
  }
  return null;
}

/**
 * A fresh database at `version` holding the rows of `candidate`'s tables of ours. Throws
 * ImportRejectedError (candidate untouched) when a table lacks a column or a row is unusable.
 */
export function copyImportedData(SQL: SqlJsStatic, candidate: Database, version: number): Database {
  const fresh = new SQL.Database();
  try {
    for (let v = 0; v < version; v++) fresh.exec(MIGRATIONS[v] ?? '');
    fresh.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [String(version)]);
    for (const table of tablesOf(fresh)) {
      if (table === 'meta') continue;
      const ours = columnsOf(fresh, table);
      const theirs = new Set(columnsOf(candidate, table));
      const missing = ours.filter((c) => !theirs.has(c));
      if (missing.length > 0) throw new ImportRejectedError(`Table ${table} of this file lacks the columns ${missing.join(', ')}.`);
      const list = ours.map((c) => `"${c}"`).join(', ');
      const insert = fresh.prepare(`INSERT INTO "${table}" (${list}) VALUES (${ours.map(() => '?').join(', ')})`);
      const select = candidate.prepare(`SELECT ${list} FROM "${table}"`);
      let n = 0;
      try {
        fresh.exec('BEGIN');
        while (select.step()) {
          n++;
          const row = select.get();
          const why = checkRow(table, ours, row);
          if (why) throw new ImportRejectedError(`Row ${n} of table ${table} cannot be used: ${why}.`);
          try {
            insert.run(row);
          } catch (e) {
            throw new ImportRejectedError(`Row ${n} of table ${table} cannot be used: ${e instanceof Error ? e.message : String(e)}.`);
          }
        }
        fresh.exec('COMMIT');
      } finally {
        select.free();
        insert.free();
      }
    }
    return fresh;
  } catch (e) {
    fresh.close();
    if (e instanceof ImportRejectedError) throw e;
    throw new ImportRejectedError(`The file's data could not be read (${e instanceof Error ? e.message : String(e)}).`);
  }
}

/**
 * Opens `bytes` as a database of ours: a SQLite file (header, quick_check) with our tables and a
 * schema version this app reads (1 to SCHEMA_VERSION). Answers the opened file (the caller closes
 * it) and its version; throws ImportRejectedError saying what is wrong otherwise.
 */
export function validateImport(SQL: SqlJsStatic, bytes: Uint8Array): { candidate: Database; version: number } {
  const header = String.fromCharCode(...bytes.subarray(0, 16));
  if (bytes.length < 100 || header !== SQLITE_MAGIC) throw new ImportRejectedError('This is not a SQLite database file.');
  let candidate: Database;
  try {
    candidate = new SQL.Database(bytes);
  } catch (e) {
    throw new ImportRejectedError(`The file is damaged or truncated (${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    try {
      candidate.exec('PRAGMA schema_version');  // forces the header and schema to be read
      const check = candidate.exec('PRAGMA quick_check');
      if (String(check[0]?.values[0]?.[0]) !== 'ok') throw new Error('integrity check failed');
    } catch (e) {
      throw new ImportRejectedError(`The file is damaged or truncated (${e instanceof Error ? e.message : String(e)}).`);
    }
    const tables = new Set(tablesOf(candidate));
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      throw new ImportRejectedError(`This SQLite file is not an AlgoTradeForge database (missing tables: ${missing.join(', ')}).`);
    }
    const version = Number(candidate.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0]);
    if (!Number.isInteger(version) || version < 1 || version > SCHEMA_VERSION) {
      throw new ImportRejectedError(`Unsupported database version ${String(version)} (this app reads 1 to ${SCHEMA_VERSION}).`);
    }
    return { candidate, version };
  } catch (e) {
    candidate.close();
    throw e;
  }
}
