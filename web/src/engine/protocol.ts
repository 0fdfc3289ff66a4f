// The whole worker protocol, in one file: requests (page -> worker), their replies, and the
// events a worker sends unprompted while a run is in flight. Every switch over these unions is
// exhaustive (see assertNever). The shared progress board's layout is in progress-board.ts.
import type { SerializedError } from './errors';
import type { BacktestResult, DebugHooks, OptimizationStatistics, RunKind, ScriptCheck, TrialRecord, WalkForwardResult } from './types';

/** A dataset as a worker receives it. The page sends `source` with every request (posting a Blob
 *  shares it, no copy), so a worker may drop a dataset it holds (to make room) and import it again. */
export interface DatasetRef {
  key: string;
  source?: DatasetSource;
}
/** Dataset bytes travel as Blobs: posting one shares it (no copy on the page's thread); the
 *  worker reads it off the main thread. Columns are six Float64 arrays back to back
 *  (time, open, high, low, close, volume), `bars` values each. */
export type DatasetSource =
  /** dateOrder: how the file writes dates whose year comes last (03/01/2013); the importer refuses
   *  them until it is stated. */
  | { kind: 'csv'; blob: Blob; symbol: string; dateOrder?: DateOrder }
  | { kind: 'columns'; blob: Blob; bars: number };
export type DateOrder = 'dmy' | 'mdy' | 'ymd';

/** How a worker claims combination indexes in runTrials. */
export type ClaimPlan =
  /** Shared memory: Atomics.add on the slot's NextIndex until it passes Total. */
  | { mode: 'shared' }
  /** Fallback: the half-open range [start, end), dispatched chunk by chunk by the page. */
  | { mode: 'range'; start: number; end: number }
  /** These indexes, in order (re-runs of combinations a lost worker had claimed). */
  | { mode: 'list'; indices: number[] };

export interface InitData {
  workerId: number;
  module: WebAssembly.Module;
  glueUrl: string;
  /** The shared board, or null in fallback mode (progress then goes by 'progress' events). */
  board: SharedArrayBuffer | null;
  boardEpoch: number;
}

export interface RunBacktestData {
  runId: string;
  slot: number;
  dataset: DatasetRef;
  requestJson: string;
  debug: DebugHooks | null;
}

export interface RunTrialsData {
  runId: string;
  slot: number;
  dataset: DatasetRef;
  requestJson: string;
  total: number;
  claim: ClaimPlan;
  debug: DebugHooks | null;
}

export interface RunWalkForwardData {
  runId: string;
  slot: number;
  dataset: DatasetRef;
  requestJson: string;
  debug: DebugHooks | null;
}

/** The end of a walk-forward: its result, with the stitched equity as two transferred arrays
 *  (the engine's [[time, value], ...] pairs split) and the trades as JSON text (parsed on read). */
export type WalkForwardReply =
  | {
      outcome: 'completed';
      result: Omit<WalkForwardResult, 'equity_curve' | 'equity_time' | 'trades'>;
      tradesJson: string;
      equityTime: Float64Array;
      equityCurve: Float64Array;
      engineMs: number;
    }
  | { outcome: 'cancelled' }
  | { outcome: 'failed'; error: SerializedError };

/** The finished trials as the statistics need them, one column per field and one row per trial
 *  (typed arrays, so that a grid of a million trials travels as a few megabytes rather than a
 *  million objects): the objective and Sharpe ratio of each trial's metrics (DSR's variance of the
 *  trials' Sharpe ratios, the stability of the objective; NaN: no value) and, for PBO, its block
 *  sums (`blocks` per trial, row after row; null when some completed trial has none). */
export interface StatisticsColumns {
  /** Combination index of each row. */
  index: Float64Array;
  /** 1 completed, 0 failed (or skipped by the strategy's constraint). */
  completed: Uint8Array;
  objective: Float64Array;
  sharpe: Float64Array;
  blocks: number;
  blockSums: Float64Array | null;
}

/** An optimization's statistics, computed at its end (engine optimizationStatistics). */
export interface StatisticsData {
  dataset: DatasetRef;
  /** The optimization's engine request (statistics_blocks as its trials ran). */
  requestJson: string;
  /** The objective's metric name (the key the columns' objective is written under). */
  objective: string;
  trials: StatisticsColumns;
  /** Monte Carlo paths and seed (the native CLI's defaults: 1,000 and 1). */
  mcPaths: number;
  seed: number;
}

/** The next generation of a genetic search (engine geneticNextBatch): the trials evaluated so far
 *  as two columns, combination index and objective value (NaN: failed). */
export interface GeneticNextData {
  dataset: DatasetRef;
  requestJson: string;
  indexes: Float64Array;
  objective: Float64Array;
}

/** batch: the generation's new individuals (empty: the search is done; a resumed run may already
 *  hold some); evaluations: individuals evaluated before it; planned: population × generations
 *  capped at the grid. */
export type GeneticNextReply =
  | { ok: true; value: { batch: number[]; generation: number; evaluations: number; planned: number } }
  | { ok: false; error: SerializedError };

/** engineMs: the engine call; jsonMs: writing the trials as its JSON argument (diagnostics). */
export type StatisticsReply =
  | { ok: true; value: OptimizationStatistics; engineMs: number; jsonMs: number }
  | { ok: false; error: SerializedError };

/** Requests, keyed by type; `data` is the payload. */
export type WorkerRequest =
  | { type: 'init'; data: InitData }
  | { type: 'info'; data: null }
  | { type: 'validate'; data: { kind: RunKind; dataset: DatasetRef; requestJson: string } }
  /** Compiles a Pine Script (no dataset needed): diagnostics, hash, inputs, settings. */
  | { type: 'compileScript'; data: { source: string } }
  | { type: 'runBacktest'; data: RunBacktestData }
  | { type: 'runTrials'; data: RunTrialsData }
  | { type: 'statistics'; data: StatisticsData }
  | { type: 'geneticNext'; data: GeneticNextData }
  | { type: 'runWalkForward'; data: RunWalkForwardData }
  | { type: 'dropDataset'; data: { key: string } }
  /** Test-only: calls the module's debugTrap() (a real Wasm trap) outside any run. */
  | { type: 'debugTrap'; data: null }
  /** Diagnostics: the engine instance's memory (load tests). */
  | { type: 'memory'; data: null };
export type WorkerRequestType = WorkerRequest['type'];

export interface EngineInfo {
  version: string;
  strategies: unknown[];
  metrics: unknown[];
}

/** Validation answer: a count, or the engine's error (code "validation" names a field). */
/** notices: what the import of the dataset skipped or reordered (rows without prices, a
 *  newest-first file), one sentence each. */
/** A walk-forward's total is its windows and `combinations` the trials of each window. */
export type ValidateReply =
  | {
      ok: true;
      total: number;
      bars: number;
      notices?: string[];
      combinations?: number;
      /** A random search: the grid indexes it evaluates (total is their count). A genetic
       *  search: [] (its generations are planned as it runs; total is its budget). */
      sample?: number[];
      /** A genetic search: generations come from geneticNext as the previous one ends. */
      genetic?: boolean;
    }
  | { ok: false; error: SerializedError };

export type BacktestReply =
  | {
      outcome: 'completed';
      result: Omit<BacktestResult, 'equity_curve' | 'trades'>;
      /** Trades as JSON text: a string crosses postMessage far cheaper than thousands of objects,
       *  and the page parses it only when the trades are read. */
      tradesJson: string;
      /** Transferred (the worker's copy is detached). */
      equityCurve: Float64Array;
      processed: number;
      engineMs: number;
    }
  | { outcome: 'cancelled'; processed: number }
  | { outcome: 'failed'; error: SerializedError };

export type TrialsReply =
  | { outcome: 'done'; completed: number; failed: number; cancelled: boolean; engineMs: number }
  | {
      outcome: 'failed';
      /** `error.trialIndex` is set when the failure happened while claiming that index. */
      error: SerializedError;
      /** Indexes this call claimed but never reported (the engine runs claimed trials in groups). */
      unfinished: number[];
    };

/** What each request type answers. */
export interface ReplyData {
  init: { version: string };
  info: EngineInfo;
  validate: ValidateReply;
  compileScript: ScriptCheck;
  runBacktest: BacktestReply;
  runTrials: TrialsReply;
  statistics: StatisticsReply;
  geneticNext: GeneticNextReply;
  runWalkForward: WalkForwardReply;
  dropDataset: null;
  debugTrap: null;
  memory: WorkerMemory;
}

/** An engine instance's memory: its Wasm heap (never shrinks) and the datasets it holds. */
export interface WorkerMemory {
  heapBytes: number;
  datasets: number;
}

/** A successful reply, discriminated by the request type it answers. */
export type Reply = { [T in WorkerRequestType]: { type: T; data: ReplyData[T] } }[WorkerRequestType];

/** Page -> worker envelope. */
export type RequestEnvelope = WorkerRequest & { messageId: number };

/** Worker -> page: a reply to one request (with the Wasm heap size after it), or an event. */
export type WorkerMessage =
  | { kind: 'reply'; requestId: number; ok: true; reply: Reply; heapBytes?: number }
  | { kind: 'reply'; requestId: number; ok: false; error: SerializedError; heapBytes?: number }
  | WorkerEvent;

/** Unsolicited events. */
export type WorkerEvent =
  /** Fallback mode only: bars processed by a backtest (throttled). */
  | { kind: 'progress'; runId: string; processed: number }
  /** Finished trials, batched (about every 50 ms and at the end of each runTrials). */
  | { kind: 'trials'; runId: string; trials: TrialRecord[]; sharedCounted: boolean }
  /** Fallback mode only: a walk-forward's progress (throttled, and at every window's start). */
  | { kind: 'window'; runId: string; window: number; windows: number; windowTrials: number }
  /** A worker-side diagnostic for the page's log. */
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}

/** Minimum interval between fallback progress messages and trial batches. */
export const PROGRESS_MESSAGE_INTERVAL_MS = 25;
