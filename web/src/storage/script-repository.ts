// The scripts library over SQLite (migrations/002_scripts.sql): Pine scripts the user keeps, each
// save a numbered version (1, 2, 3…), plus the edits not saved yet (the draft, so that a reload
// loses nothing). Runs record a script's hash; byHash names the version that produced a report.
import type { Row, SqliteStore } from './sqlite-store';

/** A script in the library list. Times are UTC ms. */
export interface ScriptSummary {
  id: string;
  name: string;
  /** The latest version's number (1 for a new script). */
  version: number;
  /** Whether there are edits not saved as a version. */
  edited: boolean;
  updatedAt: number;
}

/** A script opened for editing: its text is the draft when there is one, else the latest version's. */
export interface ScriptDoc extends ScriptSummary {
  text: string;
}

/** One saved version of a script (without its text; `versionText` reads it). */
export interface ScriptVersionInfo {
  version: number;
  /** FNV-1a 64 of the source (16 hex digits), as runs record it. */
  hash: string;
  createdAt: number;
}

/** The library version a script hash belongs to (the most recent one when several have it). */
export interface ScriptRef {
  id: string;
  name: string;
  version: number;
}

/** Names are what the user sees in lists and reports: one line, 1 to 120 characters. */
export const MAX_SCRIPT_NAME = 120;

/** The name trimmed; throws an Error with a sentence for the user when it is empty or too long. */
export function checkScriptName(name: unknown): string {
  const n = typeof name === 'string' ? name.replace(/\s+/g, ' ').trim() : '';
  if (!n) throw new Error('a script needs a name');
  if (n.length > MAX_SCRIPT_NAME) throw new Error(`a script name has at most ${MAX_SCRIPT_NAME} characters`);
  return n;
}

function newId(): string {
  return `script-${crypto.randomUUID()}`;
}

export class SqliteScriptRepository {
  constructor(private readonly store: SqliteStore) {}

  /** Every script, the most recently changed first. */
  async list(): Promise<ScriptSummary[]> {
    const rows = await this.store.query(
      `SELECT s.id, s.name, s.draft IS NOT NULL AS edited, s.updated_at,
              (SELECT MAX(version) FROM script_versions v WHERE v.script_id = s.id) AS version
         FROM scripts s ORDER BY s.updated_at DESC, s.name`,
    );
    return rows.map((r) => summary(r));
  }

  /** A new script whose version 1 is `source`. */
  async create(name: string, source: string, hash: string): Promise<ScriptDoc> {
    const id = newId();
    const now = Date.now();
    const n = checkScriptName(name);
    await this.store.write([
      { sql: 'INSERT INTO scripts (id, name, draft, created_at, updated_at) VALUES (?, ?, NULL, ?, ?)', params: [id, n, now, now] },
      { sql: 'INSERT INTO script_versions (script_id, version, source, hash, created_at) VALUES (?, 1, ?, ?, ?)', params: [id, source, hash, now] },
    ]);
    return { id, name: n, version: 1, edited: false, updatedAt: now, text: source };
  }

  /** Opens a script: its draft, or its latest version's text. Throws when it does not exist. */
  async open(id: string): Promise<ScriptDoc> {
    const r = (await this.store.query(
      `SELECT s.id, s.name, s.draft, s.draft IS NOT NULL AS edited, s.updated_at, v.version, v.source
         FROM scripts s JOIN script_versions v ON v.script_id = s.id
        WHERE s.id = ? ORDER BY v.version DESC LIMIT 1`,
      [id],
    ))[0];
    if (!r) throw new Error('this script is no longer in the library (deleted in another tab?)');
    return { ...summary(r), text: typeof r.draft === 'string' ? r.draft : String(r.source ?? '') };
  }

  async rename(id: string, name: string): Promise<void> {
    const n = checkScriptName(name);
    await this.store.write([{ sql: 'UPDATE scripts SET name = ?, updated_at = ? WHERE id = ?', params: [n, Date.now(), id] }]);
  }

  /** Deletes a script and all its versions (runs keep their own copy of the text). */
  async delete(id: string): Promise<void> {
    await this.store.write([
      { sql: 'DELETE FROM script_versions WHERE script_id = ?', params: [id] },
      { sql: 'DELETE FROM scripts WHERE id = ?', params: [id] },
    ]);
  }

  /** A script's versions, the newest first. */
  async versions(id: string): Promise<ScriptVersionInfo[]> {
    return (await this.store.query('SELECT version, hash, created_at FROM script_versions WHERE script_id = ? ORDER BY version DESC', [id])).map((r) => ({ version: Number(r.version), hash: String(r.hash), createdAt: Number(r.created_at) }));
  }

  /** The text of one version; throws when the script has no such version. */
  async versionText(id: string, version: number): Promise<string> {
    const r = (await this.store.query('SELECT source FROM script_versions WHERE script_id = ? AND version = ?', [id, version]))[0];
    if (!r) throw new Error(`version ${version} of this script does not exist`);
    return String(r.source);
  }

  /** Keeps edits not saved as a version (null: none, the text is the latest version's). */
  async saveDraft(id: string, text: string | null): Promise<void> {
    await this.store.write([
      {
        // A draft equal to the latest version is no draft.
        sql: `UPDATE scripts SET updated_at = ?, draft = CASE WHEN ? IS NULL OR ? = (SELECT source FROM script_versions
                WHERE script_id = ? ORDER BY version DESC LIMIT 1) THEN NULL ELSE ? END WHERE id = ?`,
        params: [Date.now(), text, text, id, text, id],
      },
    ]);
  }

  /** Saves `source` as the next version (unless it is the latest version's text already) and
   *  clears the draft; answers the version that holds the text. */
  async saveVersion(id: string, source: string, hash: string): Promise<number> {
    const latest = (await this.store.query('SELECT version, source FROM script_versions WHERE script_id = ? ORDER BY version DESC LIMIT 1', [id]))[0];
    if (!latest) throw new Error('this script is no longer in the library (deleted in another tab?)');
    const now = Date.now();
    if (latest.source === source) {
      await this.store.write([{ sql: 'UPDATE scripts SET draft = NULL WHERE id = ?', params: [id] }]);
      return Number(latest.version);
    }
    // The number is taken inside the write (another tab may have saved meanwhile).
    await this.store.write([
      {
        sql: `INSERT INTO script_versions (script_id, version, source, hash, created_at)
              SELECT ?, COALESCE(MAX(version), 0) + 1, ?, ?, ? FROM script_versions WHERE script_id = ?`,
        params: [id, source, hash, now, id],
      },
      { sql: 'UPDATE scripts SET draft = NULL, updated_at = ? WHERE id = ?', params: [now, id] },
    ]);
    return Number((await this.store.query('SELECT MAX(version) AS v FROM script_versions WHERE script_id = ? AND hash = ?', [id, hash]))[0]?.v ?? 0);
  }

  /** The library version whose text has this hash (the most recently saved one), or null. */
  async byHash(hash: string): Promise<ScriptRef | null> {
    const r = (await this.store.query(
      `SELECT s.id, s.name, v.version FROM script_versions v JOIN scripts s ON s.id = v.script_id
        WHERE v.hash = ? ORDER BY v.created_at DESC, v.version DESC LIMIT 1`,
      [hash],
    ))[0];
    return r ? { id: String(r.id), name: String(r.name), version: Number(r.version) } : null;
  }
}

function summary(r: Row): ScriptSummary {
  return { id: String(r.id), name: String(r.name), version: Number(r.version ?? 1), edited: Number(r.edited) === 1, updatedAt: Number(r.updated_at) };
}
