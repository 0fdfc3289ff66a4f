// THE PREVIOUS STORAGE FORMAT, kept to read it once (legacy-import.ts moves it into the page
// store, sqlite-store.ts). It was: the durable copy of the database in IndexedDB, a snapshot (the
// whole SQLite file) plus a journal of the write batches made since. A write is durable once its journal record commits
// (one small IndexedDB transaction, `strict` durability); the snapshot is rewritten only when the
// journal grows past a threshold, so saving a run costs a few kilobytes, not the whole file.

export interface Statement {
  sql: string;
  params?: Array<string | number | null | Uint8Array>;
}

export interface JournalRecord {
  seq: number;
  statements: Statement[];
}

export interface Snapshot {
  seq: number;
  bytes: Uint8Array;
  savedAt: number;
}

const DB_NAME = 'atf-results';
const SNAPSHOT = 'snapshot';
const JOURNAL = 'journal';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}

export class IdbJournal {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (or creates) the store; rejects when IndexedDB is unavailable. */
  static async open(name = DB_NAME): Promise<IdbJournal> {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available in this browser');
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(SNAPSHOT)) db.createObjectStore(SNAPSHOT);
      if (!db.objectStoreNames.contains(JOURNAL)) db.createObjectStore(JOURNAL, { keyPath: 'seq' });
    };
    const db = await request(req);
    return new IdbJournal(db);
  }

  private tx(stores: string[], mode: IDBTransactionMode): IDBTransaction {
    // `strict`: the transaction completes only once the data is flushed (survives a crash).
    return this.db.transaction(stores, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
  }

  /** The snapshot's seq without reading its bytes (a write checks it every time: reading the
   *  whole file there made each save cost as much as the database is large). Stores written
   *  before this key existed answer by reading the snapshot once. */
  async snapshotSeq(): Promise<number> {
    const tx = this.tx([SNAPSHOT], 'readonly');
    const seq = (await request(tx.objectStore(SNAPSHOT).get('seq'))) as number | undefined;
    if (typeof seq === 'number') return seq;
    return (await this.readSnapshot())?.seq ?? 0;
  }

  async readSnapshot(): Promise<Snapshot | undefined> {
    const tx = this.tx([SNAPSHOT], 'readonly');
    return (await request(tx.objectStore(SNAPSHOT).get('db'))) as Snapshot | undefined;
  }

  /** Journal records with seq > after, in order. */
  async readJournal(after: number): Promise<JournalRecord[]> {
    const tx = this.tx([JOURNAL], 'readonly');
    const range = IDBKeyRange.lowerBound(after, true);
    return (await request(tx.objectStore(JOURNAL).getAll(range))) as JournalRecord[];
  }

  /** The highest seq written so far (journal or snapshot). */
  async lastSeq(): Promise<number> {
    const tx = this.tx([SNAPSHOT, JOURNAL], 'readonly');
    const cursor = await request(tx.objectStore(JOURNAL).openCursor(null, 'prev'));
    const snap = (await request(tx.objectStore(SNAPSHOT).get('db'))) as Snapshot | undefined;
    return Math.max(cursor ? (cursor.value as JournalRecord).seq : 0, snap?.seq ?? 0);
  }

  /** Appends one record; resolves when durable. Rejects (e.g. QuotaExceededError) otherwise. */
  async append(record: JournalRecord): Promise<void> {
    const tx = this.tx([JOURNAL], 'readwrite');
    tx.objectStore(JOURNAL).add(record);
    await done(tx);
  }

  /** Replaces the snapshot and drops the journal records it contains, atomically. */
  async compact(snapshot: Snapshot): Promise<void> {
    const tx = this.tx([SNAPSHOT, JOURNAL], 'readwrite');
    tx.objectStore(SNAPSHOT).put(snapshot, 'db');
    tx.objectStore(SNAPSHOT).put(snapshot.seq, 'seq');
    tx.objectStore(JOURNAL).delete(IDBKeyRange.upperBound(snapshot.seq));
    await done(tx);
  }

  /** Replaces everything with `snapshot` (database import), atomically. */
  async reset(snapshot: Snapshot): Promise<void> {
    const tx = this.tx([SNAPSHOT, JOURNAL], 'readwrite');
    tx.objectStore(JOURNAL).clear();
    tx.objectStore(SNAPSHOT).put(snapshot, 'db');
    tx.objectStore(SNAPSHOT).put(snapshot.seq, 'seq');
    await done(tx);
  }

  /** Journal size, for deciding when to compact. */
  async journalCount(): Promise<number> {
    const tx = this.tx([JOURNAL], 'readonly');
    return request(tx.objectStore(JOURNAL).count());
  }

  close(): void {
    this.db.close();
  }
}
