// The API object the page exposes as window.atf: the client's methods, bound, plus what the
// console, embedding pages and tests need (mode, progress board, log, test hooks).
import type { AtfEngineClient } from './client';
import type { ConflictError, NotFoundError, ValidationError } from './errors';
import { Field, SLOT_INTS } from './progress-board';
import type { Columns } from './types';
import type { StorageClient } from '../storage/storage-client';
import type { ScriptDoc, ScriptRef, ScriptSummary, ScriptVersionInfo } from '../storage/script-repository';
import { scriptHashOf } from './run-request';

export interface ApiExtras {
  syntheticColumns: (bars: number, seed?: number) => Columns;
  errors: { ValidationError: typeof ValidationError; NotFoundError: typeof NotFoundError; ConflictError: typeof ConflictError };
  /** The results database (null when it could not start: runs are then kept in memory only). */
  storage?: StorageClient | null;
}

/** The scripts library of window.atf (SQLite, tables scripts and script_versions): every call
 *  rejects with an Error whose message is a sentence for the user (a bad name, a script deleted
 *  in another tab, no storage in this browser). Hashes are computed here (scriptHashOf, as runs
 *  record them). */
export interface ScriptsApi {
  /** Whether the library can be used (false when the results database could not start). */
  readonly available: boolean;
  list(): Promise<ScriptSummary[]>;
  /** A new script whose version 1 is `source`. */
  create(name: string, source: string): Promise<ScriptDoc>;
  /** Its draft (edits not saved yet) or its latest version's text. */
  open(id: string): Promise<ScriptDoc>;
  rename(id: string, name: string): Promise<void>;
  /** A new script named `name` whose version 1 is this one's current text (draft included). */
  duplicate(id: string, name: string): Promise<ScriptDoc>;
  /** The script and every version of it (runs keep their own copy of the text). */
  delete(id: string): Promise<void>;
  /** Its versions, the newest first. */
  versions(id: string): Promise<ScriptVersionInfo[]>;
  versionText(id: string, version: number): Promise<string>;
  /** Keeps edits not saved as a version (null: none). */
  saveDraft(id: string, text: string | null): Promise<void>;
  /** Saves the text as the next version (the latest one when unchanged); answers its number. */
  save(id: string, source: string): Promise<number>;
  /** The library version a run's script hash belongs to, or null. */
  byHash(hash: string): Promise<ScriptRef | null>;
}

function scriptsApi(storage: StorageClient | null | undefined): ScriptsApi {
  const s = (): StorageClient => {
    if (!storage) throw new Error('the scripts library needs the results database, which could not start in this browser');
    return storage;
  };
  return {
    available: Boolean(storage),
    list: async () => s().scriptList(),
    create: async (name, source) => s().scriptCreate(name, source, scriptHashOf(source)),
    open: async (id) => s().scriptOpen(id),
    rename: async (id, name) => s().scriptRename(id, name),
    duplicate: async (id, name) => {
      const doc = await s().scriptOpen(id);
      return s().scriptCreate(name, doc.text, scriptHashOf(doc.text));
    },
    delete: async (id) => s().scriptDelete(id),
    versions: async (id) => s().scriptVersions(id),
    versionText: async (id, version) => s().scriptVersionText(id, version),
    saveDraft: async (id, text) => s().scriptSaveDraft(id, text),
    save: async (id, source) => s().scriptSaveVersion(id, source, scriptHashOf(source)),
    byHash: async (hash) => (storage ? storage.scriptByHash(hash) : null),
  };
}

export function createAtfApi(c: AtfEngineClient, extras: ApiExtras) {
  return {
    /** The scripts library (ScriptsApi). */
    scripts: scriptsApi(extras.storage),
    mode: c.mode,
    workerCount: c.workerCount,
    submitBacktest: c.submitBacktest.bind(c),
    getBacktestStatus: c.getBacktestStatus.bind(c),
    cancelBacktest: c.cancelBacktest.bind(c),
    submitOptimization: c.submitOptimization.bind(c),
    getOptimizationStatus: c.getOptimizationStatus.bind(c),
    cancelOptimization: c.cancelOptimization.bind(c),
    submitWalkForward: c.submitWalkForward.bind(c),
    getWalkForwardStatus: c.getWalkForwardStatus.bind(c),
    cancelWalkForward: c.cancelWalkForward.bind(c),
    getWalkForwardRun: c.getWalkForwardRun.bind(c),
    /** Compiles a Pine Script in the control worker: {ok, diagnostics, hash, inputs, settings}. */
    compileScript: c.compileScript.bind(c),
    listRuns: c.listRuns.bind(c),
    /** The runs list as run records: backtests with metrics, optimizations with their best trial
     *  (no trials), walk-forwards without result; get*Run gives a run in full. */
    listRunRecords: c.listRunRecords.bind(c),
    getBacktestRun: c.getBacktestRun.bind(c),
    getOptimizationRun: c.getOptimizationRun.bind(c),
    deleteRun: c.deleteRun.bind(c),
    resumeOptimization: c.resumeOptimization.bind(c),
    /** Why results may not be kept (storage unavailable or full); null while storage works. */
    get storageWarning(): string | null {
      return c.storageWarning;
    },
    /** The results database: status, export and import of the whole SQLite file, and a
     *  notification when another tab changed it. */
    database: {
      status: async () => (extras.storage ? extras.storage.status() : null),
      exportFile: async () => (extras.storage ? extras.storage.exportBytes() : null),
      importFile: async (bytes: Uint8Array) => {
        if (!extras.storage) throw new Error('storage is not available in this browser');
        await extras.storage.importBytes(bytes);
      },
      onChange: (listener: () => void) => extras.storage?.onChange(listener) ?? (() => undefined),
    },
    listDatasets: c.listDatasets.bind(c),
    addDatasetCsv: c.addDatasetCsv.bind(c),
    /** Runs the importer over a dataset now: its bar count, or the ValidationError (line, column). */
    checkDataset: c.checkDataset.bind(c),
    /** Forgets a dataset added in this page and never saved. */
    removeDataset: c.removeDataset.bind(c),
    /** Deletes an imported dataset, saved or not (not a sample, nor one a run in flight uses). */
    deleteDataset: c.deleteDataset.bind(c),
    /** A dataset's CSV text (imported, or a sample fetched); null for generated columns. */
    datasetCsv: c.datasetCsv.bind(c),
    addDatasetColumns: c.addDatasetColumns.bind(c),
    /** Adds a deterministic random-walk dataset of `bars` bars (benchmarks, tests). */
    addSyntheticDataset: (name: string, bars: number, seed = 42) => c.addDatasetColumns(name, extras.syntheticColumns(bars, seed)),
    /** The generator behind addSyntheticDataset (deterministic for a seed). */
    syntheticColumns: extras.syntheticColumns,
    info: c.info.bind(c),
    /** Synchronous progress of a run in flight (null once it left the live store). */
    progress: c.progress.bind(c),
    /** What the page keeps of an optimization in flight (live heatmap, top K); null when not in flight. */
    liveGrid: c.liveGrid.bind(c),
    /** A page of an optimization's trials, filtered, ranked and sorted by SQL. */
    queryTrials: c.queryTrials.bind(c),
    /** Every trial of an optimization as columns (index, state, objective), by SQL. */
    trialColumns: c.trialColumns.bind(c),
    /** One trial of an optimization by its combination index. */
    getTrial: c.getTrial.bind(c),
    slotOf: c.slotOf.bind(c),
    /** The progress board's Int32 view (shared in shared-memory mode) and its layout. */
    board: c.board.ints,
    boardLayout: { slotInts: SLOT_INTS, fields: Field },
    log: c.log,
    logEntries: c.logEntries.bind(c),
    poolState: c.poolState.bind(c),
    errors: extras.errors,
    /** Test-only hooks. */
    debug: { trapIdleWorker: c.debugTrapIdleWorker.bind(c), memory: c.debugMemory.bind(c) },
  };
}

export type AtfApi = ReturnType<typeof createAtfApi>;
