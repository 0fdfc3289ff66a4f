// The live progress store (the spec's ConcurrentDictionary): runs in flight by id, each with its
// slot on the progress board, and the run state machine's transitions (Pending -> Running ->
// Completed | Failed | Cancelled). A terminal state is persisted first, shown only then, and the
// entry is removed last, so a status query never falls into a gap (spec T048).
import type { RunLog } from './log';
import { newId, type LiveRun } from './live-run';
import { ProgressBoard, SlotAllocator, StatusCode } from './progress-board';
import type { RunStore } from './run-store';
import { TrialLedger } from './trial-ledger';
import type { BacktestRequest, BacktestResult, DebugHooks, LogRecord, OptimizationRequest, OptimizationResult, RunKind, StoredRun, WalkForwardResult } from './types';

/** What a terminal transition records besides the status. */
export interface FinishExtra {
  result?: BacktestResult | OptimizationResult | WalkForwardResult;
  errorMessage?: string;
  errorStackTrace?: string;
}

/** What a new live run is made from (validated by the engine already). */
export interface NewRun {
  kind: RunKind;
  dataset: string;
  request: BacktestRequest | OptimizationRequest;
  requestJson: string;
  total: number;
  /** Walk-forward: the combinations of each window. */
  combinations?: number;
  /** A random search: the grid indexes to evaluate (total is their count); a genetic one: [],
   *  extended generation by generation. */
  plan?: number[];
  /** A genetic search (its generations come from the engine as the previous one ends). */
  genetic?: boolean;
  debug: DebugHooks | null;
  dedupKey: string | null;
  /** A resumed run keeps its id and creation time. */
  resume?: StoredRun;
}

export class LiveStore {
  private readonly runs = new Map<string, LiveRun>();
  private readonly allocator: SlotAllocator;

  constructor(
    readonly board: ProgressBoard,
    private readonly store: RunStore,
    private readonly log: RunLog,
    /** Number of workers sharing an optimization (sizes its fallback chunks). */
    private readonly workerCount: number,
    /** Called after a run left the store (its worker or slot may serve another run). */
    private readonly onSettled: () => void,
  ) {
    this.allocator = new SlotAllocator(board);
  }

  private get shared(): boolean {
    return this.board.shared;
  }

  get(id: string): LiveRun | undefined {
    return this.runs.get(id);
  }

  has(id: string): boolean {
    return this.runs.has(id);
  }

  values(): IterableIterator<LiveRun> {
    return this.runs.values();
  }

  get size(): number {
    return this.runs.size;
  }

  /** Allocates a board slot and enters a Pending run; null if every slot is taken. */
  create(n: NewRun): LiveRun | null {
    const slot = this.allocator.allocate(n.kind, n.total);
    if (slot < 0) return null;
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const opt = n.request as Partial<OptimizationRequest>;
    const objective = typeof opt.objective === 'string' ? opt.objective : 'sharpe';
    const direction = opt.direction === 'min' ? 'min' : 'max';
    const run: LiveRun = {
      id: n.resume?.id ?? newId(),
      kind: n.kind,
      status: 'Pending',
      slot,
      total: n.total,
      ...(n.combinations !== undefined ? { combinations: n.combinations } : {}),
      dataset: n.dataset,
      request: n.request,
      requestJson: n.requestJson,
      debug: n.debug,
      dedupKey: n.dedupKey,
      createdAt: n.resume?.createdAt ?? Date.now(),
      startedAt: null,
      finishedAt: null,
      t0: performance.now(),
      cancelRequested: false,
      workers: new Set(),
      finishing: false,
      settled,
      settle,
      hardStop: null,
      objective,
      direction,
      // Small fallback chunks keep cancel and load balance fine-grained.
      genetic: n.genetic === true,
      ledger: new TrialLedger(n.kind === 'optimization' ? n.total : 0, this.shared, Math.max(1, Math.ceil(n.total / (this.workerCount * 8))), n.plan, objective, direction !== 'min'),
      fatal: null,
      engineMs: 0,
      trialBuffer: [],
      trialSaves: Promise.resolve(),
      trialTimer: null,
      trialQueued: false,
    };
    // A planned search is handed out as lists by the ledger, never through the board's counter.
    if (n.plan && this.shared) this.board.store(slot, 'NextIndex', n.total);
    if (n.resume) this.seedResumed(run, n.resume);
    this.runs.set(run.id, run);
    return run;
  }

  /** Pre-fills a resumed run with its saved trials: counted, and never handed out again. */
  private seedResumed(run: LiveRun, resumed: StoredRun): void {
    const saved = (resumed.result as OptimizationResult | undefined)?.trials ?? [];
    run.ledger.resume(saved);
    this.board.store(run.slot, 'Completed', run.ledger.completed);
    this.board.store(run.slot, 'Failed', run.ledger.failed);
    this.board.store(run.slot, 'Processed', run.ledger.reported);
    if (this.shared) this.board.store(run.slot, 'NextIndex', run.total);  // only the ledger's lists remain
  }

  /** Pending -> Running (the run's elapsed time starts here). */
  markRunning(run: LiveRun): void {
    run.status = 'Running';
    run.startedAt = Date.now();
    run.t0 = performance.now();
    this.board.store(run.slot, 'Status', StatusCode.Running);
    this.board.beat(run.slot);
    this.write(run, 'started');
  }

  /** Records the terminal state: persisted first, only then shown and removed from the store. */
  async finish(run: LiveRun, status: 'Completed' | 'Failed' | 'Cancelled', extra: FinishExtra = {}): Promise<void> {
    if (run.finishing) return run.settled;
    run.finishing = true;
    if (run.hardStop !== null) clearTimeout(run.hardStop);
    run.finishedAt = Date.now();
    if (extra.result) run.result = extra.result;
    if (extra.errorMessage !== undefined) run.errorMessage = extra.errorMessage || 'run failed';
    if (extra.errorStackTrace) run.errorStackTrace = extra.errorStackTrace;
    if (status === 'Failed' && !run.errorMessage) run.errorMessage = 'run failed';
    if (status === 'Completed' && run.kind === 'backtest') this.board.store(run.slot, 'Processed', run.total);
    // A run reported Completed, Failed or Cancelled is already in IndexedDB (or, if storage
    // refused it, kept in this page and flagged).
    await this.store.flushTrials(run);
    await this.store.saveFinal({ ...this.view(run), status });
    run.status = status;
    this.board.store(run.slot, 'Status', StatusCode[status]);
    this.board.beat(run.slot);
    this.write(run, status === 'Completed' ? 'completed' : status === 'Cancelled' ? 'cancelled' : 'run_failed');
    this.runs.delete(run.id);
    this.allocator.release(run.slot);
    run.settle();
    this.onSettled();
  }

  /** A run in flight as a stored row (its counters read from the board now). */
  view(run: LiveRun): StoredRun {
    const s = this.board.snapshot(run.slot);
    const stored: StoredRun = {
      id: run.id,
      kind: run.kind,
      status: run.status,
      dataset: run.dataset,
      request: run.request,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      total: run.total,
      processed: s.processed,
      completed: s.completed,
      failed: s.failed,
    };
    if (run.combinations !== undefined) stored.combinations = run.combinations;
    if (run.errorMessage !== undefined) stored.errorMessage = run.errorMessage;
    if (run.errorStackTrace !== undefined) stored.errorStackTrace = run.errorStackTrace;
    if (run.result !== undefined) stored.result = run.result;
    return stored;
  }

  /** The run's counters for its log records. */
  counts(run: LiveRun): Record<string, number> {
    const s = this.board.snapshot(run.slot);
    const out: Record<string, number> =
      run.kind === 'backtest'
        ? { processedBars: s.processed, totalBars: run.total }
        : run.kind === 'walkforward'
          ? { completedWindows: s.processed, totalWindows: run.total, windowTrials: s.completed }
          : { completed: s.completed, failed: s.failed, total: run.total };
    if (run.engineMs > 0) out['engineMs'] = Math.round(run.engineMs * 10) / 10;
    return out;
  }

  /** Logs a transition of the run (DESIGN.md run lifecycle, step 6). */
  write(run: LiveRun, event: LogRecord['event']): void {
    this.log.write({
      event,
      runId: run.id,
      kind: run.kind,
      status: run.status,
      elapsedMs: Math.round(performance.now() - run.t0),
      counts: this.counts(run),
      ...(run.errorMessage ? { message: run.errorMessage } : {}),
    });
  }
}
