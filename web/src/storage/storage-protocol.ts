// Messages between the page and the storage worker (one file, like the engine's protocol.ts).
import type { OptimizationStatistics, StatisticsUnavailable, RunFilter, RunReadOptions, StoredRun, TrialColumns, TrialPage, TrialQuery, TrialRecord } from '../engine/types';
import type { Persistence } from './sqlite-store';  // type only: no SQLite in the page bundle
import type { ScriptDoc, ScriptRef, ScriptSummary, ScriptVersionInfo } from './script-repository';

/** Every call the storage worker answers, with its arguments and result. */
export interface StorageCalls {
  save: [[StoredRun], void];
  saveTrials: [[string, TrialRecord[]], void];
  savedTrialIndexes: [[string], number[]];
  /** A run; `{ trials: false }` leaves an optimization's trials out. */
  get: [[string, RunReadOptions?], StoredRun | undefined];
  /** An optimization's trials as columns (index, state, objective value), for heatmaps. */
  trialColumns: [[string, string], TrialColumns];
  /** A page of an optimization's trials, filtered, ranked and sorted by SQL. */
  trialPage: [[string, TrialQuery], TrialPage];
  /** One trial of an optimization by its combination index, or null. */
  trialAt: [[string, number], TrialRecord | null];
  /** Sets a completed optimization's statistics in its row. */
  saveStatistics: [[string, OptimizationStatistics | StatisticsUnavailable], void];
  list: [[RunFilter | undefined], StoredRun[]];
  delete: [[string], boolean];
  unfinished: [[], StoredRun[]];
  saveDataset: [[string, string], void];
  datasets: [[], Array<{ name: string; csv: string }>];
  deleteDataset: [[string], boolean];
  exportBytes: [[], Uint8Array];
  importBytes: [[Uint8Array], void];
  status: [[], StorageStatus];
  // The scripts library (script-repository.ts): ids, names, texts and their hashes.
  scriptList: [[], ScriptSummary[]];
  scriptCreate: [[string, string, string], ScriptDoc];
  scriptOpen: [[string], ScriptDoc];
  scriptRename: [[string, string], void];
  scriptDelete: [[string], void];
  scriptVersions: [[string], ScriptVersionInfo[]];
  scriptVersionText: [[string, number], string];
  scriptSaveDraft: [[string, string | null], void];
  scriptSaveVersion: [[string, string, string], number];
  scriptByHash: [[string], ScriptRef | null];
}

export type StorageMethod = keyof StorageCalls;

export interface StorageStatus {
  persistence: Persistence;
  /** Bytes of the SQLite file (page_count × page_size; the file is not read). */
  bytes: number;
  /** navigator.storage.persist() answer, when asked. */
  persisted: boolean | null;
}

export interface StorageRequest<M extends StorageMethod = StorageMethod> {
  id: number;
  method: M;
  args: StorageCalls[M][0];
}

export interface SerializedStorageError {
  name: string;
  message: string;
}

export type StorageReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedStorageError }
  /** Another tab changed the database. */
  | { id: -1; event: 'changed' }
  /** The worker is ready (or failed to open the database at all). */
  | { id: -2; event: 'ready'; error?: SerializedStorageError };

export interface StorageInit {
  sqlWasmUrl: string;
  name?: string;
  memoryOnly?: boolean;
}
