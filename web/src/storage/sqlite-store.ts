// SQLite (sql.js, in memory) kept durable in IndexedDB by IdbJournal. Writes are batches of
// statements applied inside one SQLite transaction and committed only once their journal record is
// durable; a failed IndexedDB write (quota, private mode) rolls the batch back, so memory never
// holds what storage lost. Tabs share one database: writes take a Web Lock, first replay what
// other tabs wrote, and announce themselves on a BroadcastChannel.
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { IdbJournal, type JournalRecord, type Statement } from './idb-journal';
import { copyImportedData } from './db-import';
import { MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION } from './schema';
import { ImportRejectedError, StorageError } from './storage-errors';

export type { Statement } from './idb-journal';
export { ImportRejectedError, StorageError } from './storage-errors';

export type Persistence = { durable: true } | { durable: false; reason: string };

export interface StoreOptions {
  /** URL of sql.js's sql-wasm.wasm. */
  sqlWasmUrl: string;
  /** IndexedDB database name (tests use their own). */
  name?: string;
  /** Journal records before the snapshot is rewritten. */
  compactEvery?: number;
  /** Keep everything in memory only (e.g. IndexedDB is known to be unusable). */
  memoryOnly?: boolean;
}

const LOCK = 'atf-results-write';
const CHANNEL = 'atf-results';
const SQLITE_MAGIC = 'SQLite format 3\u0000';

type Row = Record<string, SqlValue | undefined>;

function describeStorageFailure(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'QuotaExceededError') {
    return 'The browser refused to store more data (storage quota exceeded). Free space or delete old runs; results saved before are intact.';
  }
  return `Saving to browser storage failed: ${e instanceof Error ? e.message : String(e)}. Results saved before are intact.`;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return fn();
  return locks.request(LOCK, { mode: 'exclusive' }, fn) as Promise<T>;
}

export class SqliteStore {
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  private channel: BroadcastChannel | null = null;

  private constructor(
    private readonly sql: SqlJsStatic,
    private db: Database,
    private readonly journal: IdbJournal | null,
    readonly persistence: Persistence,
    private readonly compactEvery: number,
  ) {}

  static async open(options: StoreOptions): Promise<SqliteStore> {
    const sql = await initSqlJs({ locateFile: () => options.sqlWasmUrl });
    let journal: IdbJournal | null = null;
    let persistence: Persistence = { durable: true };
    if (options.memoryOnly) {
      persistence = { durable: false, reason: 'storage is turned off for this page' };
    } else {
      try {
        journal = await IdbJournal.open(options.name);
      } catch (e) {
        persistence = {
          durable: false,
          reason: `browser storage (IndexedDB) is unavailable: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
    }
    const store = new SqliteStore(sql, new sql.Database(), journal, persistence, options.compactEvery ?? 200);
    await store.serial(() => withLock(async () => {
      await store.catchUp();
      await store.migrate();
    }));
    if (journal && typeof BroadcastChannel !== 'undefined') {
      store.channel = new BroadcastChannel(CHANNEL);
      store.channel.onmessage = () => {
        void store.serial(() => store.catchUp()).then(() => store.notify());
      };
    }
    return store;
  }

  /** Called after this or another tab changed the database. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a read-only query; rows as objects. */
  query(sql: string, params: SqlValue[] = []): Row[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const rows: Row[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject() as Row);
      return rows;
    } finally {
      stmt.free();
    }
  }

  /** Applies a batch atomically and durably (resolves once it is in IndexedDB). */
  write(statements: Statement[]): Promise<void> {
    return this.serial(() => withLock(() => this.apply(statements, true))).then(() => this.notify());
  }

  /** Catches up with other tabs' writes now (normally driven by their broadcasts). */
  refresh(): Promise<void> {
    return this.serial(() => this.catchUp());
  }

  /** The whole database as a SQLite file. */
  exportBytes(): Uint8Array {
    return this.db.export();
  }

  /** Replaces the database with a file after checking that it is a SQLite file with our schema
   *  (or an older one we can migrate). A bad file is refused and nothing changes. */
  importBytes(bytes: Uint8Array): Promise<void> {
    const header = String.fromCharCode(...bytes.subarray(0, 16));
    if (bytes.length < 100 || header !== SQLITE_MAGIC) {
      return Promise.reject(new ImportRejectedError('This is not a SQLite database file.'));
    }
    let candidate: Database;
    try {
      candidate = new this.sql.Database(bytes);
      candidate.exec('PRAGMA schema_version');  // forces the header and schema to be read
      const check = candidate.exec('PRAGMA quick_check');
      if (String(check[0]?.values[0]?.[0]) !== 'ok') throw new Error('integrity check failed');
    } catch (e) {
      return Promise.reject(
        new ImportRejectedError(`The file is damaged or truncated (${e instanceof Error ? e.message : String(e)}).`),
      );
    }
    const tables = new Set(
      (candidate.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])),
    );
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      candidate.close();
      return Promise.reject(
        new ImportRejectedError(`This SQLite file is not an AlgoTradeForge database (missing tables: ${missing.join(', ')}).`),
      );
    }
    const version = Number(candidate.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0]);
    if (!Number.isInteger(version) || version < 1 || version > SCHEMA_VERSION) {
      candidate.close();
      return Promise.reject(
        new ImportRejectedError(`Unsupported database version ${String(version)} (this app reads 1 to ${SCHEMA_VERSION}).`),
      );
    }
    // Only the data comes in: triggers, views and extra tables of the file stay behind.
    try {
      const copied = copyImportedData(this.sql, candidate, version);
      candidate.close();
      candidate = copied;
    } catch (e) {
      candidate.close();
      return Promise.reject(e instanceof ImportRejectedError ? e : new ImportRejectedError(String(e)));
    }
    return this.serial(() =>
      withLock(async () => {
        await this.catchUp();
        if (this.journal) {
          const seq = (await this.journal.lastSeq()) + 1;
          try {
            await this.journal.reset({ seq, bytes: candidate.export(), savedAt: Date.now() });
          } catch (e) {
            candidate.close();
            throw new StorageError(describeStorageFailure(e), e);
          }
          this.seq = seq;
        }
        this.db.close();
        this.db = candidate;
        await this.migrate();
        this.channel?.postMessage({ type: 'reset' });
      }),
    ).then(() => this.notify());
  }

  close(): void {
    this.channel?.close();
    this.journal?.close();
    this.db.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private run(statement: Statement): void {
    if (statement.params && statement.params.length > 0) this.db.run(statement.sql, statement.params as SqlValue[]);
    else this.db.exec(statement.sql);
  }

  /** Applies a batch in one SQLite transaction; with `durable`, commits only after IndexedDB has
   *  the journal record. Caller holds the write lock and has caught up. */
  private async apply(statements: Statement[], durable: boolean): Promise<void> {
    await this.catchUp();
    const seq = this.seq + 1;
    this.db.exec('BEGIN');
    try {
      for (const s of statements) this.run(s);
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    if (durable && this.journal) {
      try {
        await this.journal.append({ seq, statements });
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw new StorageError(describeStorageFailure(e), e);
      }
    }
    this.db.exec('COMMIT');
    this.seq = seq;
    this.channel?.postMessage({ type: 'changed', seq });
    if (this.journal && seq % this.compactEvery === 0) {
      // Best effort: a failed compaction leaves the journal longer, nothing is lost.
      await this.journal.compact({ seq, bytes: this.db.export(), savedAt: Date.now() }).catch(() => undefined);
    }
  }

  /** Replays what is in IndexedDB beyond what this copy has (other tabs, or the first load). */
  private async catchUp(): Promise<void> {
    if (!this.journal) return;
    const snapshot = (await this.journal.snapshotSeq()) > this.seq ? await this.journal.readSnapshot() : undefined;
    if (snapshot && snapshot.seq > this.seq) {
      this.db.close();
      this.db = new this.sql.Database(snapshot.bytes);
      this.seq = snapshot.seq;
    }
    const records: JournalRecord[] = await this.journal.readJournal(this.seq);
    for (const record of records) {
      if (record.seq !== this.seq + 1) break;  // a gap: a compaction raced us; the next catch-up reloads
      this.db.exec('BEGIN');
      try {
        for (const s of record.statements) this.run(s);
        this.db.exec('COMMIT');
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw new StorageError(`The saved database could not be replayed (record ${record.seq}): ${String(e)}`, e);
      }
      this.seq = record.seq;
    }
  }

  /** Brings the schema to SCHEMA_VERSION, as one journaled batch per step. */
  private async migrate(): Promise<void> {
    const hasMeta = this.query("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length > 0;
    let version = hasMeta ? Number(this.query("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.value ?? 0) : 0;
    while (version < SCHEMA_VERSION) {
      await this.apply(
        [
          { sql: MIGRATIONS[version] ?? '' },
          {
            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            params: [String(version + 1)],
          },
        ],
        true,
      );
      version += 1;
    }
  }
}
