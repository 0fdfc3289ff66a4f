// Bookkeeping of one optimization's combinations on the page: which were reported, which are
// still to hand out (fallback ranges, re-runs), what each worker was given, and what to do with
// the combinations of a worker that was lost. Pure data: no workers, board or log here.
// Memory is bounded by the grid, not by the trial records: a reported trial leaves here only its
// state, objective and Sharpe ratio in typed arrays (about 17 bytes a combination), its block sums
// in one typed array when the grid is small enough for PBO, and a place in the top K when it ranks
// there; the records themselves go to storage (run-store.ts) and are read back by SQL.
import type { ClaimPlan, StatisticsColumns } from './protocol';
import { isConstraintSkip } from './run-utils';
import type { OptimizationResult, TrialRecord } from './types';

/** What became of a combination (TrialLedger.state). */
export const TrialState = { None: 0, Completed: 1, Failed: 2, Skipped: 3 } as const;

/** Best trials kept as records on the page (the live ranked list and the result's best). */
export const TOP_K = 100;

export class TrialLedger {
  /** Per combination (a planned search: per planned index, in plan order), TrialState. */
  readonly state: Uint8Array;
  /** Per combination, the objective's value (NaN: none; failed trials have none). */
  readonly objective: Float64Array;
  /** Per combination, the Sharpe ratio (the statistics' DSR needs it whatever the objective). */
  readonly sharpe: Float64Array;
  /** Block sums (PBO's input), `blocks` per combination, kept apart from the records so that
   *  results, live views and storage never carry them; null until a trial brings some, and for
   *  grids above `maxBlockTrials`. */
  private blockSums: Float64Array | null = null;
  private blocks = 0;
  /** Per combination, 1 once its block sums are in. */
  private hasSums: Uint8Array | null = null;
  /** The best completed trials, best first (at most TOP_K). */
  readonly top: TrialRecord[] = [];
  /** Trials reported (completed + failed, skipped included). */
  reported = 0;
  completed = 0;
  /** Bumped by every change of the per-combination arrays (live views redraw when it moves). */
  version = 0;
  /** A planned search: position of each planned grid index in the arrays. */
  /** A planned search: position of each planned grid index in the arrays (a genetic search adds
   *  each generation's). */
  private readonly slotOf: Map<number, number> | null;
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
    readonly plan: number[] | undefined,
    /** Ranking of the top K: the objective's metric name and its direction. */
    readonly objectiveName: string,
    readonly maximize: boolean,
    /** Above this many combinations no block sums are kept (PBO is not computed). */
    private readonly maxBlockTrials = Infinity,
  ) {
    this.ranges = !plan && !shared && total > 0 ? [[0, total]] : [];
    if (plan) for (let i = 0; i < plan.length; i += chunk) this.retry.push(plan.slice(i, i + chunk));
    this.slotOf = plan ? new Map(plan.map((index, slot) => [index, slot])) : null;
    this.state = new Uint8Array(total);
    this.objective = new Float64Array(total).fill(NaN);
    this.sharpe = new Float64Array(total).fill(NaN);
  }

  /** Position of combination `index` in the per-combination arrays (-1: not part of the run). */
  slot(index: number): number {
    if (this.slotOf) return this.slotOf.get(index) ?? -1;
    return index >= 0 && index < this.total ? index : -1;
  }

  /** Combination index at position `slot`. */
  indexAt(slot: number): number {
    return this.plan ? (this.plan[slot] ?? -1) : slot;
  }

  /** Whether combination `index` was reported. */
  has(index: number): boolean {
    const s = this.slot(index);
    return s >= 0 && this.state[s] !== TrialState.None;
  }

  get failed(): number {
    return this.reported - this.completed;
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

  /** A genetic search's next generation: its combinations not planned yet join the plan (each
   *  a slot in the per-combination arrays, which the budget `total` sizes) and are handed out as
   *  `parts` lists (one or more per worker: a generation is small, and the next one waits for
   *  its last trial); returns how many were added. */
  extend(indexes: number[], parts: number): number {
    if (!this.plan || !this.slotOf) throw new Error('only a planned search can be extended');
    const fresh = indexes.filter((i) => !this.slotOf!.has(i));
    if (this.plan.length + fresh.length > this.total) throw new Error(`a generation past the search's budget of ${this.total}`);
    for (const i of fresh) {
      this.slotOf.set(i, this.plan.length);
      this.plan.push(i);
    }
    const size = Math.max(1, Math.ceil(fresh.length / Math.max(1, parts)));
    for (let i = 0; i < fresh.length; i += size) this.retry.push(fresh.slice(i, i + size));
    return fresh.length;
  }

  /** The reported trials' combination indexes and objective values (NaN: failed), for the
   *  genetic search's fitness. */
  fitnessColumns(): { indexes: Float64Array; objective: Float64Array } {
    const indexes = new Float64Array(this.reported);
    const objective = new Float64Array(this.reported);
    let r = 0;
    for (let s = 0; s < this.total && r < this.reported; s++) {
      if (this.state[s] === TrialState.None) continue;
      indexes[r] = this.indexAt(s);
      objective[r++] = this.state[s] === TrialState.Completed ? (this.objective[s] ?? NaN) : NaN;
    }
    return { indexes, objective };
  }

  /** Records reported trials (their block sums are taken out of them); returns those not seen
   *  before. The records are not kept, except the top K. */
  add(trials: TrialRecord[]): TrialRecord[] {
    const fresh: TrialRecord[] = [];
    for (const t of trials) {
      const s = this.slot(t.index);
      if (s < 0 || this.state[s] !== TrialState.None) continue;
      const sums = t.block_sums;
      if (sums) delete t.block_sums;
      this.note(s, t, sums);
      fresh.push(t);
    }
    if (fresh.length > 0) this.version++;
    return fresh;
  }

  private note(s: number, t: TrialRecord, sums: Float64Array | undefined): void {
    this.reported++;
    if (t.status !== 'completed') {
      this.state[s] = isConstraintSkip(t) ? TrialState.Skipped : TrialState.Failed;
      return;
    }
    this.completed++;
    this.state[s] = TrialState.Completed;
    const v = t.metrics?.[this.objectiveName];
    this.objective[s] = typeof v === 'number' ? v : NaN;
    const sh = t.metrics?.['sharpe'];
    this.sharpe[s] = typeof sh === 'number' ? sh : NaN;
    if (sums && this.total <= this.maxBlockTrials) {
      if (!this.blockSums) {
        this.blocks = sums.length;
        this.blockSums = new Float64Array(this.total * this.blocks);
        this.hasSums = new Uint8Array(this.total);
      }
      if (sums.length === this.blocks && this.hasSums) {
        this.blockSums.set(sums, s * this.blocks);
        this.hasSums[s] = 1;
      }
    }
    this.offerTop(t);
  }

  /** Keeps `t` among the best TOP_K (ranked as rankTrials ranks completed trials). */
  private offerTop(t: TrialRecord): void {
    const better = (a: TrialRecord, b: TrialRecord): boolean => {
      const va = a.metrics?.[this.objectiveName];
      const vb = b.metrics?.[this.objectiveName];
      const ua = typeof va !== 'number' || Number.isNaN(va);
      const ub = typeof vb !== 'number' || Number.isNaN(vb);
      if (ua !== ub) return ub;
      if (!ua && !ub && va !== vb) return this.maximize ? (va as number) > (vb as number) : (va as number) < (vb as number);
      return a.index < b.index;
    };
    const top = this.top;
    if (top.length >= TOP_K && !better(t, top[top.length - 1] as TrialRecord)) return;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(top[mid] as TrialRecord, t)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, t);
    if (top.length > TOP_K) top.pop();
  }

  /** Resumes an interrupted optimization: `saved` trials count as reported, and only the
   *  missing combinations are handed out (as lists of up to `chunk`). */
  resume(saved: TrialRecord[]): void {
    // A genetic search's plan grows as it runs: its saved trials take their slots first.
    if (this.plan && this.slotOf) {
      for (const t of saved) {
        if (this.slotOf.has(t.index) || this.plan.length >= this.total) continue;
        this.slotOf.set(t.index, this.plan.length);
        this.plan.push(t.index);
      }
    }
    this.add(saved);
    const missing = this.missing();
    this.ranges.length = 0;
    this.retry.length = 0;
    for (let i = 0; i < missing.length; i += this.chunk) this.retry.push(missing.slice(i, i + this.chunk));
  }

  /** Combinations never reported, in index order. */
  missing(): number[] {
    const out: number[] = [];
    if (this.plan) return this.plan.filter((i) => !this.has(i));
    for (let i = 0; i < this.total && this.reported + out.length < this.total; i++) if (this.state[i] === TrialState.None) out.push(i);
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
    const unseen = (i: number) => !this.has(i) && i !== known;
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

  /** The result as the run's row keeps it: counts, the best trial and no trial list (the trials
   *  are in storage, which ranks them by SQL; `trials` is empty here). */
  result(objective: string, direction: 'max' | 'min', cancelled: boolean): OptimizationResult {
    const best = this.top[0] ?? null;
    return {
      objective,
      direction,
      total: this.total,
      completed: this.completed,
      failed: this.failed,
      cancelled,
      best,
      trials: [],
    };
  }

  /** True when every completed trial brought its block sums (not so for trials saved before a
   *  reload: a resumed optimization has no PBO). */
  hasAllBlockSums(): boolean {
    if (this.completed === 0) return true;
    if (!this.hasSums) return false;
    for (let s = 0; s < this.total; s++) if (this.state[s] === TrialState.Completed && this.hasSums[s] !== 1) return false;
    return true;
  }

  /** The reported trials as the statistics read them, one column per field (protocol.ts
   *  StatisticsColumns): new arrays of the reported rows only, which the caller may transfer;
   *  block sums only when every completed trial has them (PBO compares all trials on all blocks). */
  statisticsColumns(): StatisticsColumns {
    const n = this.reported;
    const index = new Float64Array(n);
    const completed = new Uint8Array(n);
    const objective = new Float64Array(n);
    const sharpe = new Float64Array(n);
    const withSums = this.blockSums !== null && this.hasAllBlockSums();
    const blockSums = withSums ? new Float64Array(n * this.blocks) : null;
    let r = 0;
    for (let s = 0; s < this.total && r < n; s++) {
      const st = this.state[s];
      if (st === TrialState.None) continue;
      index[r] = this.indexAt(s);
      completed[r] = st === TrialState.Completed ? 1 : 0;
      objective[r] = this.objective[s] ?? NaN;
      sharpe[r] = this.sharpe[s] ?? NaN;
      if (blockSums && this.blockSums && st === TrialState.Completed) blockSums.set(this.blockSums.subarray(s * this.blocks, (s + 1) * this.blocks), r * this.blocks);
      r++;
    }
    return { index, completed, objective, sharpe, blocks: this.blocks, blockSums };
  }

  /** Drops the block sums (after the statistics: the run's memory goes back to its views'). */
  dropBlockSums(): void {
    this.blockSums = null;
    this.hasSums = null;
  }

  /** Puts the unseen part of [start, end) outside `exclude` back as ranges. */
  private requeue(start: number, end: number, exclude: Set<number>): void {
    let s = -1;
    for (let i = start; i <= end; i++) {
      const missing = i < end && !this.has(i) && !exclude.has(i);
      if (missing && s < 0) s = i;
      if (!missing && s >= 0) {
        this.ranges.push([s, i]);
        s = -1;
      }
    }
  }
}
