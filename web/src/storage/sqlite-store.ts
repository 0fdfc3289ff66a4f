// The results database: SQLite (wa-sqlite, the Asyncify build) stored page by page in IndexedDB by
// wa-sqlite's IDBBatchAtomicVFS. Opening reads a few pages, not the whole file, so start-up and
// every write cost the same whether 1 MB or 1 GB is stored. Each write batch is one SQLite
// transaction, which the VFS commits as one IndexedDB transaction (batch atomic write): a failed
// IndexedDB write (quota, private mode) rolls the whole batch back. Tabs share the file: SQLite's
// locking (Web Locks, in the VFS) serialises them and SQLite itself notices another tab's commit
// (file change counter) and drops its stale page cache; a BroadcastChannel only tells the other
// tabs' pages to refresh what they show.
//
// Why this library and these settings: web/README.md, "Storage: the choice, measured" (headless
// Chromium, 15,000 trial rows: the 15,000-trial read is 2x faster with 64 KiB pages than 4 KiB).
import SQLiteAsyncFactory from '@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs';
import * as SQLite from '@journeyapps/wa-sqlite';
import { IDBBatchAtomicVFS } from '@journeyapps/wa-sqlite/src/examples/IDBBatchAtomicVFS.js';
import initSqlJs, { type Database as SqlJsDatabase, type SqlJsStatic, type SqlValue } from 'sql.js';
import { copyImportedData, validateImport } from './db-import';
import { readLegacyDatabase, deleteLegacyDatabase } from './legacy-import';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';
import { StorageError } from './storage-errors';

export { ImportRejectedError, StorageError } from './storage-errors';

/** One SQL statement of a write batch, with its positional parameters. */
export interface Statement {
  sql: string;
  params?: Array<string | number | null | Uint8Array>;
}

export type Persistence = { durable: true } | { durable: false; reason: string };

export interface StoreOptions {
  /** URL of sql.js's sql-wasm.wasm (reads imported files and the previous storage format). */
  sqlWasmUrl: string;
  /** URL of wa-sqlite-async.wasm (the database engine of the store). */
  waSqliteWasmUrl: string;
  /** Base name of the store (tests use their own). The pages live in the IndexedDB database
   *  `${name}-pages`; `name` itself is the previous format's snapshot + journal database. */
  name?: string;
  /** Keep everything in memory only (e.g. IndexedDB is known to be unusable). */
  memoryOnly?: boolean;
}

/** A row as column name → value (integers as numbers, BLOBs as Uint8Array). */
export type Row = Record<string, SqlValue | undefined>;

const DEFAULT_NAME = 'atf-results';
const DB_FILE = 'atf-results.sqlite';
const CHANNEL = 'atf-results';
/** The app-level lock around a first open (migrations, the one-time move of the old format). */
const OPEN_LOCK = 'atf-results-open';
/** Page size of a new database. Larger pages mean fewer IndexedDB reads for a report's 15,000
 *  trial rows (measured: 0.9 s at 64 KiB against 1.9 s at 4 KiB); the VFS cannot change it later. */
const PAGE_SIZE = 65536;
/** Connection settings: the page cache holds a report's trials (32 MiB), and sorts and
 *  temporary b-trees stay in memory instead of going through the VFS (4x faster sorts). */
const PRAGMAS = 'PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA synchronous = FULL;';


type PageVfs = SQLiteVFS & { name: string; lastError: unknown; close(): void };
type VfsMethods = { jUnlock(fileId: number, lockType: number): Promise<number> };

/**
 * IDBBatchAtomicVFS with one guard. When IndexedDB aborts a commit (QuotaExceededError), the
 * library's jUnlock rethrows the abort instead of answering an error code, and the Asyncify call
 * into SQLite then never returns (the write hung forever, and with it every later call). Here the
 * abort becomes SQLITE_IOERR_UNLOCK, the Web Lock is still released (other tabs go on), and the
 * VFS is marked `broken`: its IndexedDB context keeps the aborted transaction, so the store opens
 * a new VFS and connection (SqliteStore.recover).
 */
async function createPageVfs(vfsName: string, idbName: string, module: unknown): Promise<PageVfs & { broken: boolean }> {
  const Base = IDBBatchAtomicVFS as unknown as new (name: string, module: unknown, options: object) => PageVfs & VfsMethods & { isReady(): Promise<void> };
  const lockUnlock = (Object.getPrototypeOf(Base.prototype) as VfsMethods).jUnlock;  // WebLocksMixin's
  class GuardedVfs extends Base {
    broken = false;
    override async jUnlock(fileId: number, lockType: number): Promise<number> {
      try {
        return await super.jUnlock(fileId, lockType);
      } catch (e) {
        this.lastError = e;
        this.broken = true;
        await lockUnlock.call(this, fileId, lockType).catch(() => undefined);
        return SQLite.SQLITE_IOERR_UNLOCK;
      }
    }
  }
  const vfs = new GuardedVfs(vfsName, module, { idbName, lockPolicy: 'exclusive' });
  await vfs.isReady();
  return vfs;
}

function describeStorageFailure(e: unknown, cause?: unknown): string {
  const name = cause instanceof DOMException ? cause.name : e instanceof DOMException ? e.name : '';
  const code = (e as { code?: number } | null)?.code;
  // The VFS reports an aborted IndexedDB commit as "transaction aborted" without its cause; a
  // commit the browser aborts is the browser refusing to store (quota, disk full).
  const aborted = cause instanceof Error && cause.message === 'transaction aborted';
  if (name === 'QuotaExceededError' || code === SQLite.SQLITE_FULL || aborted) {
    return 'The browser refused to store more data (storage quota exceeded). Free space or delete old runs; results saved before are intact.';
  }
  const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : e instanceof Error ? e.message : String(e);
  return `Saving to browser storage failed: ${detail}. Results saved before are intact.`;
}

async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return fn();
  return locks.request(name, { mode: 'exclusive' }, fn) as Promise<T>;
}

/** wa-sqlite answers integers past 2^53 as bigint; our columns never hold such values. */
function plainValue(v: unknown): SqlValue {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  return v as SqlValue;
}

export class SqliteStore {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  private channel: BroadcastChannel | null = null;

  /** Opens after a failed commit (recover): each needs a VFS name of its own. */
  private reopened = 0;

  private constructor(
    private readonly sqlite3: SQLiteAPI,
    private readonly module: unknown,
    private readonly name: string,
    private db: number,
    private vfs: (PageVfs & { broken: boolean }) | null,
    private readonly sqlJs: () => Promise<SqlJsStatic>,
    readonly persistence: Persistence,
  ) {}

  /** Opens (or creates) the store; moves a database of the previous format (sql.js snapshot +
   *  journal) into it on the first open, then deletes the old copy. Rejects with StorageError
   *  when the database cannot be opened or migrated. */
  static async open(options: StoreOptions): Promise<SqliteStore> {
    const name = options.name ?? DEFAULT_NAME;
    const module = await SQLiteAsyncFactory({ locateFile: () => options.waSqliteWasmUrl });
    const sqlite3 = SQLite.Factory(module);
    let sqlJsPromise: Promise<SqlJsStatic> | null = null;
    const sqlJs = () => (sqlJsPromise ??= initSqlJs({ locateFile: () => options.sqlWasmUrl }));

    let persistence: Persistence = { durable: true };
    let vfs: (PageVfs & { broken: boolean }) | null = null;
    if (options.memoryOnly) {
      persistence = { durable: false, reason: 'storage is turned off for this page' };
    } else if (typeof indexedDB === 'undefined') {
      persistence = { durable: false, reason: 'browser storage (IndexedDB) is unavailable: IndexedDB is not available in this browser' };
    } else {
      try {
        vfs = await createPageVfs(`${name}-pages`, `${name}-pages`, module);
        sqlite3.vfs_register(vfs, false);
      } catch (e) {
        vfs = null;
        persistence = {
          durable: false,
          reason: `browser storage (IndexedDB) is unavailable: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
    }
    let db: number;
    try {
      db = vfs
        ? await sqlite3.open_v2(DB_FILE, SQLite.SQLITE_OPEN_CREATE | SQLite.SQLITE_OPEN_READWRITE, vfs.name)
        : await sqlite3.open_v2(':memory:');
    } catch (e) {
      throw new StorageError(`The results database could not be opened: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    const store = new SqliteStore(sqlite3, module, name, db, vfs, sqlJs, persistence);
    await store.serial(() => store.configure());
    await withLock(`${OPEN_LOCK}:${name}`, async () => {
      if (vfs) await store.moveLegacy(name);
      await store.serial(() => store.migrate());
    });
    if (vfs && typeof BroadcastChannel !== 'undefined') {
      store.channel = new BroadcastChannel(`${CHANNEL}:${name}`);
      store.channel.onmessage = () => store.notify();
    }
    return store;
  }

  /** Called after this or another tab changed the database. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a read-only query; rows as objects. Reads see every commit, this tab's or another's. */
  query(sql: string, params: SqlValue[] = []): Promise<Row[]> {
    return this.serial(() => this.rows(sql, params));
  }

  /** Applies a batch atomically and durably (resolves once IndexedDB has it). Rejects with
   *  StorageError naming the cause (e.g. the storage quota) and leaves nothing of the batch. */
  write(statements: Statement[]): Promise<void> {
    return this.serial(() => this.transaction(async () => {
      for (const s of statements) await this.run(s.sql, s.params ?? []);
    })).then(() => this.changed());
  }

  /** Nothing to catch up with any more: SQLite reads another tab's commits itself. Kept so that
   *  callers that wait for "everything other tabs wrote" still have one call to make. */
  refresh(): Promise<void> {
    return this.serial(async () => undefined);
  }

  /** Bytes of the SQLite file (page_count × page_size), without reading it. */
  async sizeBytes(): Promise<number> {
    const r = await this.query('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()');
    return Number(r[0]?.bytes ?? 0);
  }

  /** The whole database as a standard SQLite file (made by copying every table into sql.js, so
   *  the file is a plain rollback-journal SQLite file whatever this store's VFS does). */
  async exportBytes(): Promise<Uint8Array> {
    const SQL = await this.sqlJs();
    const out = new SQL.Database();
    try {
      await this.serial(async () => {
        await this.sqlite3.exec(this.db, 'BEGIN');  // one consistent read, even with other tabs writing
        try {
          const objects = await this.rows(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC, rowid",
          );
          for (const o of objects) if (o.type === 'table') out.exec(String(o.sql));
          out.exec('BEGIN');
          for (const o of objects) {
            if (o.type !== 'table') continue;
            const cols = (await this.rows(`SELECT name FROM pragma_table_info(?)`, [String(o.name)])).map((r) => `"${String(r.name)}"`);
            const insert = out.prepare(`INSERT INTO "${String(o.name)}" (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
            try {
              await this.each(`SELECT ${cols.join(', ')} FROM "${String(o.name)}"`, [], (row) => insert.run(row));
            } finally {
              insert.free();
            }
          }
          out.exec('COMMIT');
          for (const o of objects) if (o.type !== 'table') out.exec(String(o.sql));
        } finally {
          await this.sqlite3.exec(this.db, 'COMMIT');
        }
      });
      return out.export();
    } finally {
      out.close();
    }
  }

  /** Replaces the database with a file after checking that it is a SQLite file with our schema
   *  (or an older one we can migrate); only its data comes in (db-import.ts). A bad file is
   *  refused with ImportRejectedError and nothing changes. */
  async importBytes(bytes: Uint8Array): Promise<void> {
    const SQL = await this.sqlJs();
    const { candidate, version } = validateImport(SQL, bytes);
    let copied: SqlJsDatabase;
    try {
      copied = copyImportedData(SQL, candidate, version);
    } finally {
      candidate.close();
    }
    try {
      await this.serial(async () => {
        await this.replaceWith(copied, version);
        await this.migrate();
      });
    } finally {
      copied.close();
    }
    this.changed();
  }

  close(): void {
    this.channel?.close();
    void this.serial(() => this.sqlite3.close(this.db)).finally(() => this.vfs?.close());
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Page size (a new file only: the VFS refuses it on an existing one) and the connection's
   *  settings. Caller is serialised. */
  private async configure(): Promise<void> {
    const pages = Number((await this.rows('PRAGMA page_count'))[0]?.page_count ?? 0);
    if (pages === 0) await this.sqlite3.exec(this.db, `PRAGMA page_size = ${PAGE_SIZE};`);
    await this.sqlite3.exec(this.db, PRAGMAS);
  }

  /** After IndexedDB aborted a commit the VFS cannot be used again (GuardedVfs): a new VFS over
   *  the same IndexedDB database and a new connection replace them. What was committed before is
   *  all there; the failed batch is not. Caller is serialised. */
  private async recover(): Promise<void> {
    if (!this.vfs?.broken) return;
    const old = this.vfs;
    this.reopened += 1;
    const vfs = await createPageVfs(`${this.name}-pages-${this.reopened}`, `${this.name}-pages`, this.module);
    this.sqlite3.vfs_register(vfs, false);
    this.db = await this.sqlite3.open_v2(DB_FILE, SQLite.SQLITE_OPEN_CREATE | SQLite.SQLITE_OPEN_READWRITE, vfs.name);
    this.vfs = vfs;
    await this.configure();
    try {
      old.close();  // the old connection is left unclosed: closing it would go through the broken VFS
    } catch {
      /* already unusable */
    }
  }

  /** One call into SQLite at a time: the Asyncify build cannot interleave two. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private changed(): void {
    this.channel?.postMessage({ type: 'changed' });
    this.notify();
  }

  /** Runs `fn` inside BEGIN IMMEDIATE … COMMIT; rolls back and throws StorageError (with the
   *  VFS's own cause, e.g. QuotaExceededError) when the commit fails. Caller is serialised. */
  private async transaction(fn: () => Promise<void>): Promise<void> {
    await this.sqlite3.exec(this.db, 'BEGIN IMMEDIATE');
    try {
      await fn();
    } catch (e) {
      const cause = this.vfs?.lastError;
      await this.rollback();
      await this.recover();
      if (this.isIoError(e)) throw new StorageError(describeStorageFailure(e, cause), e);
      throw e;
    }
    try {
      await this.sqlite3.exec(this.db, 'COMMIT');
    } catch (e) {
      const cause = this.vfs?.lastError;
      await this.rollback();
      await this.recover();
      throw new StorageError(describeStorageFailure(e, cause), e);
    }
  }

  private async rollback(): Promise<void> {
    if (this.vfs?.broken) return;  // the connection is being replaced (recover)
    if (!this.sqlite3.get_autocommit(this.db)) await this.sqlite3.exec(this.db, 'ROLLBACK').catch(() => undefined);
  }

  private isIoError(e: unknown): boolean {
    const code = ((e as { code?: number } | null)?.code ?? 0) & 0xff;
    return code === SQLite.SQLITE_IOERR || code === SQLite.SQLITE_FULL;
  }

  /** Calls `fn` with each row (values in column order) of one statement. Caller is serialised. */
  private async each(sql: string, params: ReadonlyArray<unknown>, fn: (row: SqlValue[], columns: string[]) => void): Promise<void> {
    for await (const stmt of this.sqlite3.statements(this.db, sql)) {
      if (params.length > 0) this.sqlite3.bind_collection(stmt, params as SQLiteCompatibleType[]);
      const columns = this.sqlite3.column_names(stmt);
      while ((await this.sqlite3.step(stmt)) === SQLite.SQLITE_ROW) fn(this.sqlite3.row(stmt).map(plainValue), columns);
    }
  }

  /** Rows of one statement as objects. Caller is serialised. */
  private async rows(sql: string, params: ReadonlyArray<unknown> = []): Promise<Row[]> {
    const out: Row[] = [];
    await this.each(sql, params, (row, columns) => {
      const o: Row = {};
      for (let i = 0; i < columns.length; i++) o[columns[i]!] = row[i];
      out.push(o);
    });
    return out;
  }

  /** Runs one statement (or, without parameters, a script of several). Caller is serialised. */
  private async run(sql: string, params: ReadonlyArray<unknown>): Promise<void> {
    if (params.length === 0) {
      await this.sqlite3.exec(this.db, sql);
      return;
    }
    for await (const stmt of this.sqlite3.statements(this.db, sql)) {
      this.sqlite3.bind_collection(stmt, params as SQLiteCompatibleType[]);
      while ((await this.sqlite3.step(stmt)) === SQLite.SQLITE_ROW) { /* a statement's rows are not wanted */ }
    }
  }

  private async schemaVersion(): Promise<number> {
    const hasMeta = (await this.rows("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'")).length > 0;
    return hasMeta ? Number((await this.rows("SELECT value FROM meta WHERE key = 'schema_version'"))[0]?.value ?? 0) : 0;
  }

  /** Brings the schema to SCHEMA_VERSION, one transaction per step; the version is read inside
   *  the transaction, so two tabs opening at once do not both apply a step. Caller is serialised. */
  private async migrate(): Promise<void> {
    for (;;) {
      let done = false;
      await this.transaction(async () => {
        const version = await this.schemaVersion();
        if (version >= SCHEMA_VERSION) {
          done = true;
          return;
        }
        await this.run(MIGRATIONS[version] ?? '', []);
        await this.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [String(version + 1)]);
      });
      if (done) return;
    }
  }

  /** Replaces every table with `source`'s (a database of ours at schema `version`), in one
   *  transaction: the old data stays if anything fails. Caller is serialised. */
  private async replaceWith(source: SqlJsDatabase, version: number): Promise<void> {
    await this.transaction(async () => {
      const tables = await this.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
      for (const t of tables) await this.run(`DROP TABLE IF EXISTS "${String(t.name)}"`, []);
      for (let v = 0; v < version; v++) await this.run(MIGRATIONS[v] ?? '', []);
      const names = (source.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")[0]?.values ?? []).map((r) => String(r[0]));
      for (const table of names) {
        const ours = new Set((await this.rows('SELECT name FROM pragma_table_info(?)', [table])).map((r) => String(r.name)));
        if (ours.size === 0) continue;  // not a table of ours at this version
        const cols = (source.exec(`PRAGMA table_info("${table}")`)[0]?.values ?? []).map((r) => String(r[1])).filter((c) => ours.has(c));
        const list = cols.map((c) => `"${c}"`).join(', ');
        const select = source.prepare(`SELECT ${list} FROM "${table}"`);
        try {
          for await (const stmt of this.sqlite3.statements(this.db, `INSERT OR REPLACE INTO "${table}" (${list}) VALUES (${cols.map(() => '?').join(', ')})`)) {
            while (select.step()) {
              this.sqlite3.bind_collection(stmt, select.get() as SQLiteCompatibleType[]);
              await this.sqlite3.step(stmt);
              await this.sqlite3.reset(stmt);
            }
          }
        } finally {
          select.free();
        }
      }
      await this.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [String(version)]);
      // Whatever replaced the data, a copy of the previous format left behind must never come back.
      await this.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('legacy_moved', ?)", [String(Date.now())]);
    });
  }

  /** The first open after the storage change: copies a database of the previous format (sql.js
   *  snapshot + journal in the IndexedDB database `name`) into this store, then deletes the old
   *  copy. A crash between the two is safe: `legacy_moved` in meta (set by replaceWith in the
   *  same transaction as the copy) says the copy is done. Runs
   *  under the open lock, so two tabs do not both copy. */
  private async moveLegacy(name: string): Promise<void> {
    const moved = await this.serial(async () => {
      const hasMeta = (await this.rows("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'")).length > 0;
      return hasMeta && (await this.rows("SELECT 1 AS x FROM meta WHERE key = 'legacy_moved'")).length > 0;
    });
    if (!moved) {
      const legacy = await readLegacyDatabase(name, await this.sqlJs());
      if (!legacy) return;
      try {
        await this.serial(() => this.replaceWith(legacy.db, legacy.version));
      } finally {
        legacy.db.close();
      }
    }
    await deleteLegacyDatabase(name);
  }
}
