// Reading runs (spec T024/T030's lookup order): the live progress store first, then the saved run
// (a copy storage refused before the repository's row); neither is a typed NotFound error. Also
// the runs list (saved rows overlaid by refused copies and runs in flight) and delete.
import { ConflictError, NotFoundError } from './errors';
import type { LiveStore } from './live-store';
import type { RunStore } from './run-store';
import { toBacktestStatus, toOptimizationStatus, toWalkForwardStatus } from './run-utils';
import type { BacktestStatus, OptimizationStatus, RunFilter, RunKind, RunReadOptions, RunSummary, StoredRun, WalkForwardStatus } from './types';

/** A runs-list record (RunQueries.records) as the list's summary line (listRuns' shape). */
export function runSummaryOf(r: StoredRun & { cancelRequested: boolean }): RunSummary {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    dataset: r.dataset,
    strategy: r.request.strategy ?? '',
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    total: r.total,
    processed: r.processed,
    cancelRequested: r.cancelRequested,
  };
}

export class RunQueries {
  constructor(
    private readonly live: LiveStore,
    private readonly store: RunStore,
  ) {}

  async backtestStatus(id: string): Promise<BacktestStatus> {
    const run = this.live.get(id);
    if (run && run.kind === 'backtest') return toBacktestStatus(this.live.view(run), run.cancelRequested);
    const stored = await this.store.get(id);
    if (stored && stored.kind === 'backtest') return toBacktestStatus(stored, false);
    throw new NotFoundError(id);
  }

  async optimizationStatus(id: string, options: RunReadOptions = {}): Promise<OptimizationStatus> {
    const run = this.live.get(id);
    if (run && run.kind === 'optimization') return toOptimizationStatus(this.live.view(run), run.cancelRequested);
    const stored = await this.store.get(id, options);
    if (stored && stored.kind === 'optimization') return toOptimizationStatus(stored, false);
    throw new NotFoundError(id);
  }

  async walkForwardStatus(id: string): Promise<WalkForwardStatus> {
    const run = this.live.get(id);
    if (run && run.kind === 'walkforward') return toWalkForwardStatus(this.live.view(run), run.cancelRequested);
    const stored = await this.store.get(id);
    if (stored && stored.kind === 'walkforward') return toWalkForwardStatus(stored, false);
    throw new NotFoundError(id);
  }

  /** The run as a stored row, of the given kind. */
  async run(id: string, kind: RunKind, options: RunReadOptions = {}): Promise<StoredRun> {
    const run = this.live.get(id);
    if (run && run.kind === kind) return this.live.view(run);
    const stored = await this.store.get(id, options);
    if (stored && stored.kind === kind) return stored;
    throw new NotFoundError(id);
  }

  /** The runs list as run records, newest first: saved rows (backtests with their metrics,
   *  optimizations with their best trial and no trial list, walk-forwards without result: the
   *  repository's list never reads trial rows) overlaid by refused copies and runs in flight. */
  async records(filter: RunFilter = {}): Promise<Array<StoredRun & { cancelRequested: boolean }>> {
    const byId = await this.store.list(filter.kind);  // refused copies over stale saved rows
    for (const run of this.live.values()) byId.set(run.id, this.live.view(run));
    const out = [...byId.values()]
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.status === undefined || r.status === filter.status))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => ({ ...r, cancelRequested: this.live.get(r.id)?.cancelRequested ?? false }));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  async list(filter: RunFilter = {}): Promise<RunSummary[]> {
    return (await this.records(filter)).map((r) => runSummaryOf(r));
  }

  /** Deletes a finished run; a run in flight is a Conflict (cancel it first). */
  async delete(id: string): Promise<{ id: string; deleted: true }> {
    const run = this.live.get(id);
    if (run) throw new ConflictError(id, run.status, `run ${id} is ${run.status}; cancel it before deleting`);
    if (!(await this.store.delete(id))) throw new NotFoundError(id);
    return { id, deleted: true };
  }
}
