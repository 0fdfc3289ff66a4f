// Interrupted-run recovery (DESIGN.md run lifecycle, step 5): a page holds a Web Lock per run it
// is running; a saved Pending/Running row whose lock nobody holds was left by a page that is gone
// and becomes Failed ("interrupted"), an optimization keeping its saved trials (resumable).
import type { RunLog } from './log';
import type { RunRepository } from './repository';
import type { OptimizationRequest, OptimizationResult, StoredRun } from './types';

/** Web Lock held by the page running a run; its absence marks the run as interrupted. */
const RUN_LOCK_PREFIX = 'atf-run-';
export const INTERRUPTED_MESSAGE = 'interrupted: the page was closed while the run was in progress';

/** An optimization's result with no trials (a run interrupted before saving any). */
export function emptyOptimizationResult(run: StoredRun): OptimizationResult {
  const req = run.request as OptimizationRequest;
  return { objective: req.objective ?? 'sharpe', direction: req.direction ?? 'max', total: run.total, completed: 0, failed: 0, cancelled: false, best: null, trials: [] };
}

function webLocks(): LockManager | undefined {
  return typeof navigator !== 'undefined' ? navigator.locks : undefined;
}

export class InterruptedRuns {
  /** Runs of other pages whose lock this page waits for (see check). */
  private readonly watched = new Set<string>();
  private rescanTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly repo: RunRepository,
    /** True while the run is in flight in this page (never interrupted then). */
    private readonly isLive: (id: string) => boolean,
    private readonly log: RunLog,
  ) {}

  /** Holds a Web Lock named after the run until `settled`. Another page (or this one after a
   *  reload) tells a run in progress elsewhere from an interrupted one by it. */
  hold(id: string, settled: Promise<void>): void {
    const locks = webLocks();
    if (!locks) return;
    void locks.request(RUN_LOCK_PREFIX + id, () => settled).catch(() => undefined);
  }

  /** Marks the unfinished runs of pages that are gone, and watches the rest (and runs other
   *  pages start later: rescanned when the database changes), so no page shows a run Running
   *  forever. */
  async recover(): Promise<void> {
    let unfinished: StoredRun[];
    try {
      unfinished = await this.repo.unfinished();
    } catch {
      return;
    }
    await Promise.all(unfinished.map((run) => this.check(run.id)));
    this.repo.onChange?.(() => this.scheduleRescan());
  }

  private scheduleRescan(): void {
    if (this.rescanTimer !== null) return;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      void this.repo.unfinished().then(
        (runs) => runs.forEach((r) => void this.check(r.id)),
        () => undefined,
      );
    }, 250);
  }

  /** Marks the run interrupted at once if no page holds its lock; else waits for the lock. */
  private async check(id: string): Promise<void> {
    if (this.isLive(id) || this.watched.has(id)) return;
    const locks = webLocks();
    if (!locks) {
      await this.markInterrupted(id);
      return;
    }
    this.watched.add(id);
    try {
      const free = await locks.request(RUN_LOCK_PREFIX + id, { ifAvailable: true }, async (lock) => {
        if (!lock) return false;
        await this.markInterrupted(id);
        return true;
      });
      if (free) {
        this.watched.delete(id);
        return;
      }
    } catch {
      this.watched.delete(id);
      return;
    }
    // Held by a page running it: granted when that page finishes the run or is closed.
    void locks
      .request(RUN_LOCK_PREFIX + id, () => this.markInterrupted(id))
      .catch(() => undefined)
      .finally(() => this.watched.delete(id));
  }

  /** Called holding the run's lock (so no page is running it): if the freshly read row is still
   *  Pending or Running, its page is gone. */
  private async markInterrupted(id: string): Promise<void> {
    if (this.isLive(id)) return;
    let run: StoredRun | undefined;
    try {
      run = (await this.repo.unfinished()).find((r) => r.id === id);
    } catch {
      return;
    }
    if (!run || this.isLive(id)) return;
    const full = (await this.repo.get(run.id)) ?? run;
    const interrupted: StoredRun = { ...full, status: 'Failed', finishedAt: Date.now(), errorMessage: INTERRUPTED_MESSAGE };
    if (full.kind === 'optimization') {
      const prior = full.result as OptimizationResult | undefined;
      const trials = prior?.trials ?? [];
      const completed = trials.filter((t) => t.status === 'completed').length;
      interrupted.completed = completed;
      interrupted.failed = trials.length - completed;
      interrupted.processed = trials.length;
      interrupted.result = { ...(prior ?? emptyOptimizationResult(full)), completed, failed: trials.length - completed, cancelled: false };
      interrupted.errorStackTrace = `${trials.length} of ${full.total} combinations were saved; resumeOptimization("${full.id}") runs the rest`;
    }
    await this.repo.save(interrupted).catch(() => undefined);
    this.log.write({
      event: 'run_failed',
      runId: run.id,
      kind: run.kind,
      status: 'Failed',
      elapsedMs: null,
      counts: { processed: interrupted.processed, total: interrupted.total },
      message: INTERRUPTED_MESSAGE,
    });
  }
}
