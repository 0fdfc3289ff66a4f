// The engine client: the JS API of DESIGN.md (window.atf wraps it, api.ts), as a facade over the
// parts that do the work, one job each:
//   run-request.ts        a request's shape, engine fields, test hooks and dedup key (RunKey)
//   validator.ts          the control worker's checks: requests, scripts, datasets
//   submitter.ts          submit: dedup, validation, registration (Pending, saved, queued); resume
//   scheduler.ts          the queue and the hand-out of free workers to runs, by run kind
//   backtest-runner.ts    the backtest kind: one run on one worker
//   optimization-runner.ts the optimization kind: combinations shared out to every free worker
//   walkforward-runner.ts the walk-forward kind: the whole walk on one worker
//   run-cancel.ts         cancel: Pending, Running (cancel flag, hard stop), terminal states
//   live-store.ts         runs in flight (the live progress store) and their state machine
//   run-store.ts          persistence of runs and trials, and what storage refused
//   run-queries.ts        status lookups (live first, then saved), the runs list, delete
//   interrupted-runs.ts   runs left by a closed page: Web Locks, marked Failed ("interrupted")
//   engine-pool.ts        the engine workers: start, replace, recycle, diagnostics
//   saved-datasets.ts     datasets added in this page and their persistence
// A new run kind is a RunExecutor registered with the scheduler (plus its API methods here).
import { BacktestRunner } from './backtest-runner';
import { DatasetRegistry } from './datasets';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { EnginePool } from './engine-pool';
import { InterruptedRuns } from './interrupted-runs';
import { LiveStore } from './live-store';
import { RunLog } from './log';
import { OptimizationRunner } from './optimization-runner';
import { createBoardBuffer, ProgressBoard, sharedMemoryAvailable, type SlotSnapshot } from './progress-board';
import type { DateOrder } from './protocol';
import { InMemoryRunRepository, type RunRepository } from './repository';
import { RunCancel } from './run-cancel';
import { RunQueries } from './run-queries';
import type { SubmitAnswer } from './run-request';
import { RunStore } from './run-store';
import { SavedDatasets, type DatasetStore } from './saved-datasets';
import { Scheduler, type RunContext } from './scheduler';
import { Submitter } from './submitter';
import type {
  BacktestRequest,
  BacktestStatus,
  CancelAnswer,
  Columns,
  DatasetInfo,
  EngineMode,
  LogRecord,
  OptimizationRequest,
  OptimizationResult,
  OptimizationStatus,
  RunFilter,
  RunReadOptions,
  RunSummary,
  ScriptCheck,
  StoredRun,
  TrialColumns,
  TrialPage,
  TrialQuery,
  TrialRecord,
  WalkForwardRequest,
  WalkForwardStatus,
} from './types';
import { Validator } from './validator';
import { WalkForwardRunner } from './walkforward-runner';

export type { DatasetStore } from './saved-datasets';
export type { SubmitAnswer } from './run-request';
export { scriptHashOf } from './run-request';
export { INTERRUPTED_MESSAGE } from './interrupted-runs';

/** An optimization in flight as its live views read it (AtfEngineClient.liveGrid). */
export interface LiveGrid {
  /** Moves whenever the arrays change (a view redraws only then). */
  version: number;
  /** Combinations of the run (a planned search: its planned indexes). */
  total: number;
  /** A planned (random) search: the grid index at each position; null: position = index. */
  plan: number[] | null;
  /** Per position, TrialState (0 not reported yet, 1 completed, 2 failed, 3 skipped). */
  state: Uint8Array;
  /** Per position, the objective's value (NaN: none). */
  objective: Float64Array;
  /** The best completed trials so far, best first (at most TOP_K). */
  top: readonly TrialRecord[];
  reported: number;
  /** Trials reported but not handed to storage yet (diagnostics: storage keeping up). */
  unsaved: number;
}

export interface EngineAssets {
  glueUrl: string;
  wasmUrl: string;
  /** Bundled sample datasets: name -> CSV URL. */
  samples: Record<string, string>;
}

export interface ClientOptions {
  assets: EngineAssets;
  /** Engine workers for runs (default: navigator.hardwareConcurrency). */
  workers?: number;
  repository?: RunRepository;
  /** Set when results cannot be kept (storage unavailable); shown by the page. */
  storageWarning?: string;
  /** Where imported datasets are kept once, for any number of runs (and after a reload). */
  datasetStore?: DatasetStore;
  /** Use the message fallback even where shared memory exists (tests, comparisons). */
  forceFallback?: boolean;
  log?: RunLog;
}

export class AtfEngineClient {
  readonly mode: EngineMode;
  readonly board: ProgressBoard;
  readonly log: RunLog;
  readonly datasets = new DatasetRegistry();
  readonly workerCount: number;
  private readonly pool: EnginePool;
  private readonly live: LiveStore;
  private readonly store: RunStore;
  private readonly scheduler: Scheduler;
  private readonly interrupted: InterruptedRuns;
  private readonly validator: Validator;
  private readonly savedDatasets: SavedDatasets;
  private readonly submitter: Submitter;
  private readonly cancels: RunCancel;
  private readonly queries: RunQueries;

  private constructor(options: ClientOptions) {
    const shared = !options.forceFallback && sharedMemoryAvailable();
    this.mode = shared ? 'shared-memory' : 'message-fallback';
    this.board = new ProgressBoard(createBoardBuffer(shared), performance.timeOrigin);
    this.log = options.log ?? new RunLog();
    const hc = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
    this.workerCount = Math.max(1, Math.min(options.workers ?? hc, 16));
    this.datasets.addSamples(options.assets.samples);

    const pump = () => this.scheduler.pump();
    this.store = new RunStore(options.repository ?? new InMemoryRunRepository(), options.storageWarning || undefined);
    this.pool = new EnginePool(this.workerCount, this.log, { onEvent: (_w, e) => this.scheduler.onWorkerEvent(e), onWorkerReady: pump });
    this.live = new LiveStore(this.board, this.store, this.log, this.workerCount, pump);
    this.scheduler = new Scheduler(this.pool, this.live);
    const ctx: RunContext = { pool: this.pool, live: this.live, store: this.store, datasets: this.datasets, log: this.log, shared, pump };
    this.scheduler.register('backtest', new BacktestRunner(ctx));
    this.scheduler.register('optimization', new OptimizationRunner(ctx));
    this.scheduler.register('walkforward', new WalkForwardRunner(ctx));
    this.interrupted = new InterruptedRuns(this.store.repo, (id) => this.live.has(id), this.log);
    this.validator = new Validator(this.pool, this.datasets);
    this.savedDatasets = new SavedDatasets(this.datasets, options.datasetStore, (m) => this.store.warn(m));
    this.submitter = new Submitter(ctx, this.scheduler, this.validator, this.savedDatasets, this.interrupted);
    this.cancels = new RunCancel(ctx, this.scheduler);
    this.queries = new RunQueries(this.live, this.store);
  }

  /** Compiles the module once, starts the control worker and the pool, and waits for them; then
   *  registers the saved datasets and recovers runs interrupted by a closed page. */
  static async create(options: ClientOptions): Promise<AtfEngineClient> {
    const client = new AtfEngineClient(options);
    const sab = client.board.ints.buffer;
    await client.pool.start({
      wasmUrl: options.assets.wasmUrl,
      glueUrl: options.assets.glueUrl,
      board: client.mode === 'shared-memory' && sab instanceof SharedArrayBuffer ? sab : null,
      boardEpoch: client.board.epoch,
    });
    await client.savedDatasets.load();
    await client.interrupted.recover();
    return client;
  }

  /** Why results may not be kept, for the page to show; null while storage works. */
  get storageWarning(): string | null {
    return this.store.warning;
  }

  set storageWarning(message: string | null) {
    this.store.warning = message;
  }

  /** Set when workers cannot be started at all (the page shows it). */
  get brokenReason(): string | null {
    return this.pool.brokenReason;
  }

  // ---- runs ------------------------------------------------------------------------------------

  /** Validates and queues a backtest; resolves before any bar is processed. An identical request
   *  (same dataset, strategy or script hash, parameters or inputs, settings) while one is Pending
   *  or Running answers that run's id with isDedup: true. */
  async submitBacktest(request: BacktestRequest): Promise<SubmitAnswer & { totalBars: number }> {
    const { id, total, status, isDedup } = await this.submitter.submit('backtest', request);
    return { id, totalBars: total, status, isDedup };
  }

  /** Validates and queues an optimization; resolves before any trial runs (dedup as above). */
  async submitOptimization(request: OptimizationRequest): Promise<SubmitAnswer & { totalCombinations: number }> {
    const { id, total, status, isDedup } = await this.submitter.submit('optimization', request);
    return { id, totalCombinations: total, status, isDedup };
  }

  /** Resumes an interrupted (or cancelled) optimization: its saved trials are kept and only the
   *  missing combinations run. Resolves like submitOptimization (a resume is never a dedup). */
  async resumeOptimization(id: string): Promise<{ id: string; totalCombinations: number }> {
    const { id: rid, total } = await this.submitter.resume(id);
    return { id: rid, totalCombinations: total };
  }

  /** Validates and queues a walk-forward (an optimization request plus `walk_forward`: in-sample
   *  and out-of-sample lengths, step, anchored); resolves before any trial runs, with its windows
   *  and the combinations of each (dedup as above). Bad settings, or lengths no window fits, are
   *  a ValidationError naming the field (e.g. walk_forward.in_sample). */
  async submitWalkForward(request: WalkForwardRequest): Promise<SubmitAnswer & { totalWindows: number; totalCombinations: number }> {
    const { id, total, status, isDedup, combinations } = await this.submitter.submit('walkforward', request);
    return { id, totalWindows: total, totalCombinations: combinations ?? 0, status, isDedup };
  }

  /** A walk-forward's status: windows finished of the total, trials finished in the window
   *  running, and its result once Completed. */
  getWalkForwardStatus(id: string): Promise<WalkForwardStatus> {
    return this.queries.walkForwardStatus(id);
  }

  cancelWalkForward(id: string): Promise<CancelAnswer> {
    return this.cancels.cancel(id, 'walkforward');
  }

  getWalkForwardRun(id: string): Promise<StoredRun> {
    return this.queries.run(id, 'walkforward');
  }

  getBacktestStatus(id: string): Promise<BacktestStatus> {
    return this.queries.backtestStatus(id);
  }

  /** The optimization's status; once Completed or Cancelled its result, with every trial
   *  ranked, or with `{ trials: false }` without them (counts, best trial, statistics). */
  getOptimizationStatus(id: string, options?: RunReadOptions): Promise<OptimizationStatus> {
    return this.queries.optimizationStatus(id, options);
  }

  cancelBacktest(id: string): Promise<CancelAnswer> {
    return this.cancels.cancel(id, 'backtest');
  }

  cancelOptimization(id: string): Promise<CancelAnswer> {
    return this.cancels.cancel(id, 'optimization');
  }

  listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    return this.queries.list(filter);
  }

  /** The runs list as run records (RunQueries.records: summaries, no trial lists), for a view
   *  that shows a line per run without reading every run's full result. */
  listRunRecords(filter: RunFilter = {}): Promise<Array<StoredRun & { cancelRequested: boolean }>> {
    return this.queries.records(filter);
  }

  getBacktestRun(id: string): Promise<StoredRun> {
    return this.queries.run(id, 'backtest');
  }

  /** The saved optimization (with every trial ranked; `{ trials: false }`: without them). */
  getOptimizationRun(id: string, options?: RunReadOptions): Promise<StoredRun> {
    return this.queries.run(id, 'optimization', options);
  }

  /** Deletes a finished run; a run in flight is a Conflict (cancel it first). */
  deleteRun(id: string): Promise<{ id: string; deleted: true }> {
    return this.queries.delete(id);
  }

  // ---- datasets and scripts --------------------------------------------------------------------

  listDatasets(): DatasetInfo[] {
    return this.datasets.list();
  }

  /** Adds a CSV dataset. With a dataset store it is saved once, when a run first validates on
   *  it (a file the importer rejects is never saved), and is there after a reload. */
  async addDatasetCsv(name: string, text: string, options: { dateOrder?: DateOrder } = {}): Promise<void> {
    this.savedDatasets.addCsv(name, text, options.dateOrder);
  }

  /** Checks a dataset with the engine's importer now (every line), without running anything:
   *  its bar count and what the import noticed, or the ValidationError a run on it would get. */
  checkDataset(name: string): Promise<{ bars: number; notices: string[] }> {
    return this.validator.checkDataset(name);
  }

  /** Forgets a dataset added in this page that was never saved (e.g. one the importer refused). */
  removeDataset(name: string): boolean {
    return this.savedDatasets.remove(name);
  }

  /** Deletes an imported dataset, saved or not (a bundled sample is refused, and so is a dataset
   *  a run in flight uses). Finished runs made on it keep their results. */
  async deleteDataset(name: string): Promise<void> {
    const info = this.datasets.list().find((d) => d.name === name);
    if (!info) throw new NotFoundError(name);
    if (info.source === 'sample') throw new ValidationError('dataset', `"${name}" is a bundled sample; only imported datasets can be deleted`);
    const busy = [...this.live.values()].find((r) => r.dataset === name);
    if (busy) throw new ConflictError(busy.id, busy.status, `dataset "${name}" is used by run ${busy.id}, which is ${busy.status}`);
    await this.savedDatasets.delete(name);
  }

  /** A dataset's CSV text (an imported file, or a sample fetched), for the page's charts and
   *  the Data view; null for generated columns. */
  datasetCsv(name: string): Promise<string | null> {
    return this.datasets.csvText(name);
  }

  /** Adds a dataset from columns (copied to each worker that uses it). */
  addDatasetColumns(name: string, columns: Columns): void {
    this.datasets.addColumns(name, columns);
  }

  /** Compiles a Pine Script in the control worker: {ok, diagnostics, hash, inputs, settings}; a
   *  script that does not compile is ok: false with a diagnostic at its line:column. */
  compileScript(source: string): Promise<ScriptCheck> {
    return this.validator.compileScript(source);
  }

  // ---- progress, log, diagnostics --------------------------------------------------------------

  /** The slot of a run in flight on the progress board (-1 if not in flight). */
  slotOf(id: string): number {
    return this.live.get(id)?.slot ?? -1;
  }

  /** What the page keeps of an optimization in flight, for its live views (LiveGrid); null once
   *  the run left the live store (its trials are then read from storage: queryTrials,
   *  trialColumns). The arrays are the ledger's own: read only. */
  liveGrid(id: string): LiveGrid | null {
    const run = this.live.get(id);
    if (!run || run.kind !== 'optimization') return null;
    const l = run.ledger;
    return { version: l.version, total: l.total, plan: l.plan ?? null, state: l.state, objective: l.objective, top: l.top, reported: l.reported, unsaved: run.trialBuffer.length };
  }

  /** A page of an optimization's trials, filtered, ranked and sorted by SQL (TrialQuery); of a
   *  run in flight too (its waiting trials are written first). Rows carry their rank among the
   *  completed trials. */
  async queryTrials(id: string, query: TrialQuery): Promise<TrialPage> {
    await this.flushLive(id);
    return this.store.repo.trialPage(id, query);
  }

  /** Every trial of an optimization as columns (index, TrialState, objective value), in index
   *  order: a finished run's heatmap, read by SQL. */
  async trialColumns(id: string): Promise<TrialColumns> {
    await this.flushLive(id);
    const run = await this.queries.run(id, 'optimization', { trials: false });
    const objective = (run.result as OptimizationResult | undefined)?.objective ?? (run.request as OptimizationRequest).objective ?? 'sharpe';
    return this.store.repo.trialColumns(id, objective);
  }

  /** One trial of an optimization by its combination index (null: not reported, or unknown). */
  async getTrial(id: string, index: number): Promise<TrialRecord | null> {
    await this.flushLive(id);
    const top = this.live.get(id)?.ledger.top.find((t) => t.index === index);
    return top ?? this.store.repo.trialAt(id, index);
  }

  /** Writes the waiting trials of a run in flight (so that storage answers for all of them). */
  private async flushLive(id: string): Promise<void> {
    const run = this.live.get(id);
    if (run && run.kind === 'optimization') await this.store.flushTrials(run);
  }

  /** Synchronous progress of a run in flight, read from the board (no message round trip). */
  progress(id: string): SlotSnapshot | null {
    const run = this.live.get(id);
    return run ? this.board.snapshot(run.slot) : null;
  }

  logEntries(runId?: string): LogRecord[] {
    return this.log.entries(runId);
  }

  /** Pool state, for the UI and tests. */
  poolState(): {
    mode: EngineMode;
    workers: Array<{ id: number; ready: boolean; runId: string | null; heapBytes: number }>;
    queued: number;
    live: number;
  } {
    return { mode: this.mode, workers: this.pool.state(), queued: this.scheduler.queued, live: this.live.size };
  }

  /** Test-only: makes an idle worker's engine execute a Wasm trap; the worker is replaced. */
  debugTrapIdleWorker(): Promise<{ trappedWorker: number; message: string; stack: string }> {
    return this.pool.debugTrapIdleWorker();
  }

  /** Diagnostics: each engine worker's Wasm heap and datasets held (the control worker first). */
  debugMemory(): Promise<Array<{ worker: number; role: 'control' | 'run'; heapBytes: number; datasets: number }>> {
    return this.pool.memory();
  }

  /** Engine version, strategies and metrics (from the control worker). */
  info() {
    return this.pool.info();
  }
}
