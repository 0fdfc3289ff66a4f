// Bookkeeping of one optimization's combinations on the page: which were reported, which are
// still to hand out (fallback ranges, re-runs), what each worker was given, and what to do with
// the combinations of a worker that was lost. Pure data: no workers, board or log here.
import type { ClaimPlan, StatisticsTrial } from './protocol';
import { rankTrials } from './run-utils';
import type { OptimizationResult, TrialRecord } from './types';

export class TrialLedger {
  readonly trials: TrialRecord[] = [];
  readonly seen = new Set<number>();
  /** Block sums of the reported trials by index (PBO's input), kept apart from the records so
   *  that results, live views and storage never carry them. */
  readonly blockSums = new Map<number, Float64Array>();
  /** Fallback mode: combination ranges not yet given to a worker. */
  private readonly ranges: Array<[number, number]>;
  /** Combinations to run again (claimed by a worker lost before reporting them), and a planned
   *  search's lists; a list of one is a trap suspect, run alone so that a second trap identifies it. */
  private readonly retry: number[][] = [];
  /** What each worker was given. */
  private readonly plans = new Map<object, ClaimPlan>();

  /** `shared`: workers claim from the board's counter (else the ledger hands out ranges of
   *  `chunk` combinations). `plan`: the grid indexes of a random search (`total` of them), handed
   *  out as lists of `chunk` in either mode. */
  constructor(
    /** Combinations to evaluate (a genetic search that ends under its budget lowers it). */
    public total: number,
    private readonly shared: boolean,
    private readonly chunk: number,
    private readonly plan?: number[],
  ) {
    this.ranges = !plan && !shared && total > 0 ? [[0, total]] : [];
    if (plan) for (let i = 0; i < plan.length; i += chunk) this.retry.push(plan.slice(i, i + chunk));
  }

  /** The next share for `worker`: re-runs first, then the shared counter (`sharedLeft`: whether
   *  it still has combinations) or a fallback range. */
  take(worker: object, sharedLeft: boolean): ClaimPlan | null {
    let plan: ClaimPlan | null = null;
    const retry = this.retry.shift();
    if (retry) {
      plan = { mode: 'list', indices: retry };
    } else if (this.shared) {
      if (sharedLeft) plan = { mode: 'shared' };
    } else {
      const range = this.ranges.shift();
      if (range) {
        const [start, end] = range;
        const stop = Math.min(end, start + this.chunk);
        if (stop < end) this.ranges.unshift([stop, end]);
        plan = { mode: 'range', start, end: stop };
      }
    }
    if (plan) this.plans.set(worker, plan);
    return plan;
  }

  /** The worker's share is over; returns what it had been given. */
  release(worker: object): ClaimPlan | undefined {
    const plan = this.plans.get(worker);
    this.plans.delete(worker);
    return plan;
  }

  /** True while re-runs or fallback ranges wait for a worker. */
  get queued(): boolean {
    return this.retry.length > 0 || this.ranges.length > 0;
  }

  /** A genetic search's next generation: its combinations not reported yet join the plan and are
   *  handed out as `parts` lists (one or more per worker: a generation is small, and the next
   *  one waits for its last trial); returns how many were added. */
  extend(indexes: number[], parts: number): number {
    if (!this.plan) throw new Error('only a planned search can be extended');
    const fresh = indexes.filter((i) => !this.seen.has(i) && !this.plan!.includes(i));
    this.plan.push(...fresh);
    const size = Math.max(1, Math.ceil(fresh.length / Math.max(1, parts)));
    for (let i = 0; i < fresh.length; i += size) this.retry.push(fresh.slice(i, i + size));
    return fresh.length;
  }

  /** Records reported trials; returns those not seen before. */
  add(trials: TrialRecord[]): TrialRecord[] {
    const fresh: TrialRecord[] = [];
    for (const t of trials) {
      if (this.seen.has(t.index)) continue;
      this.seen.add(t.index);
      if (t.block_sums) {
        this.blockSums.set(t.index, t.block_sums);
        delete t.block_sums;
      }
      this.trials.push(t);
      fresh.push(t);
    }
    return fresh;
  }

  /** Resumes an interrupted optimization: `saved` trials count as reported, and only the
   *  missing combinations are handed out (as lists of up to `chunk`). */
  resume(saved: TrialRecord[]): void {
    this.add(saved);
    const missing = this.missing();
    this.ranges.length = 0;
    this.retry.length = 0;
    for (let i = 0; i < missing.length; i += this.chunk) this.retry.push(missing.slice(i, i + this.chunk));
  }

  /** Combinations never reported, in index order. */
  missing(): number[] {
    const out: number[] = [];
    if (this.plan) return this.plan.filter((i) => !this.seen.has(i));
    for (let i = 0; i < this.total && this.seen.size + out.length < this.total; i++) if (!this.seen.has(i)) out.push(i);
    return out;
  }

  /**
   * Accounts for the share of a worker that trapped or crashed; returns the indexes to record as
   * failed. `known` is the index whose claim trapped; `unfinished` the other indexes it claimed
   * and did not report (undefined when it died without a reply). The engine runs claimed trials
   * in groups, so a trap during a group does not say which trial caused it: those trials are
   * run again one by one, and one that traps alone is the culprit.
   */
  lost(plan: ClaimPlan | undefined, known: number | undefined, unfinished: number[] | undefined): number[] {
    const failed: number[] = known !== undefined ? [known] : [];
    const unseen = (i: number) => !this.seen.has(i) && i !== known;
    let candidates: number[] = [];
    if (unfinished) {
      candidates = unfinished.filter(unseen);
    } else if (plan?.mode === 'list') {
      candidates = plan.indices.filter(unseen);
    } else if (plan?.mode === 'range') {
      for (let i = plan.start; i < plan.end; i++) if (unseen(i)) candidates.push(i);
    } // shared claims of a crashed worker are unknown: missing() reports them at the end
    if (plan?.mode === 'range') this.requeue(plan.start, plan.end, new Set([...candidates, ...failed]));
    if (known !== undefined) {
      if (candidates.length > 0) this.retry.push(candidates);
    } else if (candidates.length === 1 && (unfinished !== undefined || plan?.mode === 'list')) {
      failed.push(...candidates);
    } else {
      for (const i of candidates) this.retry.push([i]);
    }
    return failed;
  }

  /** The result: trials ranked as the engine ranks them. */
  result(objective: string, direction: 'max' | 'min', cancelled: boolean): OptimizationResult {
    const trials = rankTrials(this.trials, objective, direction === 'max');
    const completed = trials.filter((t) => t.status === 'completed').length;
    return {
      objective,
      direction,
      total: this.total,
      completed,
      failed: trials.length - completed,
      cancelled,
      best: trials[0]?.status === 'completed' ? trials[0] : null,
      trials,
    };
  }

  /** True when every completed trial brought its block sums (not so for trials saved before a
   *  reload: a resumed optimization has no PBO). */
  hasAllBlockSums(): boolean {
    return this.trials.every((t) => t.status !== 'completed' || this.blockSums.has(t.index));
  }

  /** The finished trials as the statistics read them: index, status, the objective and Sharpe
   *  ratio, and the block sums (every trial's, or none: PBO compares all trials on all blocks). */
  statisticsTrials(objective: string): StatisticsTrial[] {
    const withSums = this.hasAllBlockSums();
    return this.trials.map((t) => {
      const m = t.metrics;
      const out: StatisticsTrial = { index: t.index, status: t.status, metrics: m ? { sharpe: m['sharpe'] ?? null, [objective]: m[objective] ?? null } : null };
      const sums = withSums ? this.blockSums.get(t.index) : undefined;
      if (sums) out.block_sums = sums;
      return out;
    });
  }

  /** Puts the unseen part of [start, end) outside `exclude` back as ranges. */
  private requeue(start: number, end: number, exclude: Set<number>): void {
    let s = -1;
    for (let i = start; i <= end; i++) {
      const missing = i < end && !this.seen.has(i) && !exclude.has(i);
      if (missing && s < 0) s = i;
      if (!missing && s >= 0) {
        this.ranges.push([s, i]);
        s = -1;
      }
    }
  }
}
