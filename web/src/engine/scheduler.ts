// The queue of Pending runs, the hand-out of free engine workers, and the routing of the
// workers' events to their runs. What a run does with a worker is its kind's job (a RunExecutor:
// backtest-runner.ts, optimization-runner.ts); a new run kind plugs in by adding an executor,
// not by growing this file or the client.
import type { EnginePool } from './engine-pool';
import type { LiveRun } from './live-run';
import type { FinishExtra, LiveStore } from './live-store';
import type { RunStore } from './run-store';
import type { DatasetRegistry } from './datasets';
import type { RunLog } from './log';
import { assertNever, type WorkerEvent } from './protocol';
import type { RunKind, TrialRecord } from './types';
import type { EngineWorker } from './worker-pool';

/** What the executors of run kinds share: the pool, the live store, persistence, datasets. */
export interface RunContext {
  readonly pool: EnginePool;
  readonly live: LiveStore;
  readonly store: RunStore;
  readonly datasets: DatasetRegistry;
  readonly log: RunLog;
  /** Shared-memory mode (workers claim work through the board). */
  readonly shared: boolean;
  /** Asks the scheduler to hand out free workers again (a worker came free). */
  pump(): void;
}

/** How runs of one kind use engine workers. */
export interface RunExecutor {
  /** Adds the fields this kind needs to the engine request before it is validated. */
  prepare?(engineRequest: Record<string, unknown>): void;
  /** Starts a Pending run (it becomes Running) on some of the free workers; takes the ones it
   *  uses out of `free`. */
  start(run: LiveRun, free: EngineWorker[]): void;
  /** Lets a Running run take more free workers (an optimization with unclaimed combinations). */
  join?(run: LiveRun, free: EngineWorker[]): void;
  /** Ends the run if nothing of it is still out (after a cancel, or a lost worker). */
  settle?(run: LiveRun): void;
  /** What a cancelled run of this kind keeps (an optimization: the trials it finished). */
  cancelledResult?(run: LiveRun): FinishExtra;
  /** Trials a worker reported for the run (optimization-like kinds). */
  onTrials?(run: LiveRun, trials: TrialRecord[], sharedCounted: boolean): void;
}

export class Scheduler {
  private readonly queue: LiveRun[] = [];
  private pumpScheduled = false;
  private readonly executors = new Map<RunKind, RunExecutor>();

  constructor(
    private readonly pool: EnginePool,
    private readonly live: LiveStore,
  ) {}

  /** Registers the executor of a run kind. */
  register(kind: RunKind, executor: RunExecutor): void {
    this.executors.set(kind, executor);
  }

  /** The executor of a run's kind (every kind the client accepts has one). */
  executor(kind: RunKind): RunExecutor {
    const e = this.executors.get(kind);
    if (!e) throw new Error(`no executor for run kind ${kind}`);
    return e;
  }

  /** Queues a Pending run; it is dispatched in a later task, so the submitter's answer comes
   *  before any bar is processed. */
  enqueue(run: LiveRun): void {
    this.queue.push(run);
    this.schedulePump();
  }

  /** Takes a Pending run off the queue (cancelled before it started); false if not queued. */
  dequeue(run: LiveRun): boolean {
    const at = this.queue.indexOf(run);
    if (at < 0) return false;
    this.queue.splice(at, 1);
    return true;
  }

  get queued(): number {
    return this.queue.length;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setTimeout(() => {
      this.pumpScheduled = false;
      this.pump();
    }, 0);
  }

  /** Hands free workers to queued runs, oldest first, then to running runs that can use more. */
  pump(): void {
    for (;;) {
      const free = this.pool.free();
      if (free.length === 0) return;
      const run = this.queue.shift();
      if (!run) {
        for (const r of this.live.values()) {
          if (r.status === 'Running' && !r.cancelRequested && !r.fatal) this.executor(r.kind).join?.(r, free);
        }
        return;
      }
      this.executor(run.kind).start(run, free);
    }
  }

  /** An unsolicited event of a worker: progress and trials go to the run they belong to. */
  onWorkerEvent(e: WorkerEvent): void {
    switch (e.kind) {
      case 'progress': {
        const run = this.live.get(e.runId);
        if (run && !run.finishing) {
          this.live.board.raise(run.slot, 'Processed', e.processed);
          this.live.board.beat(run.slot);
        }
        return;
      }
      case 'window': {
        const run = this.live.get(e.runId);
        if (run && !run.finishing) {
          this.live.board.store(run.slot, 'Processed', e.window);
          this.live.board.store(run.slot, 'Completed', e.windowTrials);
          this.live.board.beat(run.slot);
        }
        return;
      }
      case 'trials': {
        const run = this.live.get(e.runId);
        if (run) this.executor(run.kind).onTrials?.(run, e.trials, e.sharedCounted);
        return;
      }
      case 'log':
        console[e.level === 'info' ? 'info' : e.level === 'warn' ? 'warn' : 'error']('[atf worker]', e.message);
        return;
      default:
        assertNever(e);
    }
  }
}

/** Detaches a worker from a run (the worker is free again unless it serves another run). */
export function releaseWorker(run: LiveRun, w: EngineWorker): void {
  run.workers.delete(w);
  if (w.runId === run.id) w.runId = null;
}
