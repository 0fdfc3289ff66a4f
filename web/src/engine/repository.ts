// Where finished (and submitted) runs are kept. The interface is narrow and async so that the
// SQLite-in-IndexedDB store of a later issue can replace the in-memory one without touching the
// client.
import { isConstraintSkip, rankTrials } from './run-utils';
import type { OptimizationResult, OptimizationStatistics, StatisticsUnavailable, RunFilter, RunReadOptions, StoredRun, TrialColumns, TrialPage, TrialQuery, TrialRecord } from './types';

export interface RunRepository {
  /** Inserts or replaces the run with this id. Resolves once the write is durable. */
  save(run: StoredRun): Promise<void>;
  /** The run; an optimization's result with its trials ranked (none with `trials: false`). */
  get(id: string, options?: RunReadOptions): Promise<StoredRun | undefined>;
  /** An optimization's trials as columns (a heatmap's input), in index order. */
  trialColumns(runId: string, objective: string): Promise<TrialColumns>;
  /** A page of an optimization's trials, filtered, ranked and sorted (TrialQuery). */
  trialPage(runId: string, query: TrialQuery): Promise<TrialPage>;
  /** One trial by its combination index, or null. */
  trialAt(runId: string, index: number): Promise<TrialRecord | null>;
  /** Sets a completed optimization's statistics (computed after its Completed row was saved). */
  saveStatistics(runId: string, statistics: OptimizationStatistics | StatisticsUnavailable): Promise<void>;
  /** Newest first. */
  list(filter?: RunFilter): Promise<StoredRun[]>;
  /** Resolves true if a run was deleted. */
  delete(id: string): Promise<boolean>;
  /** Adds finished trials of an optimization while it runs (in batches), so that an interrupted
   *  optimization keeps them. */
  saveTrials(runId: string, trials: TrialRecord[]): Promise<void>;
  /** Runs saved as Pending or Running (after a reload: candidates for "interrupted"), as of now
   *  (including what other tabs wrote). */
  unfinished(): Promise<StoredRun[]>;
  /** Called when the stored runs changed (this tab or another); optional. */
  onChange?(listener: () => void): () => void;
}

/** Keeps runs in a Map (lost on reload). Records are copied shallowly; a stored `result` is
 *  shared, not cloned (results hold megabytes: cloning them on every read would block the page),
 *  so callers must treat results as read-only. */
export class InMemoryRunRepository implements RunRepository {
  private readonly runs = new Map<string, StoredRun>();
  /** Trials by run, by index (saved apart from the run's row, as SQLite keeps them). */
  private readonly trials = new Map<string, Map<number, TrialRecord>>();

  async save(run: StoredRun): Promise<void> {
    const result = run.result as Partial<OptimizationResult> | undefined;
    if (run.kind === 'optimization' && result?.trials?.length) await this.saveTrials(run.id, result.trials);
    this.runs.set(run.id, run.kind === 'optimization' && result ? { ...run, result: { ...(result as OptimizationResult), trials: [] } } : { ...run });
  }

  async get(id: string, options: RunReadOptions = {}): Promise<StoredRun | undefined> {
    const run = this.runs.get(id);
    if (!run) return undefined;
    const result = run.result as OptimizationResult | undefined;
    if (run.kind !== 'optimization' || !result) return { ...run };
    const ranked = this.ranked(id, result.objective, result.direction);
    const best = ranked[0]?.status === 'completed' ? ranked[0] : null;
    return { ...run, result: { ...result, best, trials: options.trials === false ? [] : ranked } };
  }

  private ranked(id: string, objective: string, direction: 'max' | 'min'): TrialRecord[] {
    return rankTrials([...(this.trials.get(id)?.values() ?? [])], objective, direction !== 'min');
  }

  async list(filter: RunFilter = {}): Promise<StoredRun[]> {
    const out = [...this.runs.values()]
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.status === undefined || r.status === filter.status))
      .sort((a, b) => b.createdAt - a.createdAt);
    return (filter.limit === undefined ? out : out.slice(0, filter.limit)).map((r) => ({ ...r }));
  }

  async delete(id: string): Promise<boolean> {
    this.trials.delete(id);
    return this.runs.delete(id);
  }

  async saveTrials(runId: string, trials: TrialRecord[]): Promise<void> {
    let kept = this.trials.get(runId);
    if (!kept) this.trials.set(runId, (kept = new Map()));
    for (const t of trials) kept.set(t.index, t);
  }

  async trialColumns(runId: string, objective: string): Promise<TrialColumns> {
    const all = [...(this.trials.get(runId)?.values() ?? [])].sort((a, b) => a.index - b.index);
    return trialColumnsOf(all, objective);
  }

  async trialPage(runId: string, q: TrialQuery): Promise<TrialPage> {
    const ranked = this.ranked(runId, q.objective, q.direction).map((t, i) => ({ ...t, rank: t.status === 'completed' ? i + 1 : null }));
    const outcome = (t: TrialRecord) => (t.status === 'completed' ? 'completed' : isConstraintSkip(t) ? 'skipped' : 'failed');
    const test = (v: number, op: string, x: number) => (op === '>' ? v > x : op === '>=' ? v >= x : op === '<' ? v < x : op === '<=' ? v <= x : op === '!=' ? v !== x : v === x);
    let rows = ranked.filter(
      (t) => (!q.outcome || outcome(t) === q.outcome) && (q.where ?? []).every((c) => {
        const v = t.params?.[c.name] ?? t.metrics?.[c.name];
        return typeof v === 'number' && test(v, c.op, c.value);
      }),
    );
    const s = q.sort && q.sort.key !== 'rank' ? q.sort : null;
    if (q.sort?.key === 'rank' && q.sort.dir === -1) rows = [...rows].reverse();
    if (s) {
      const val = (t: TrialRecord): number | string | null | undefined =>
        s.key.startsWith('p:') ? t.params?.[s.key.slice(2)] : s.key.startsWith('m:') ? t.metrics?.[s.key.slice(2)] : s.key === 'eq' ? t.final_equity : s.key === 'status' ? t.status : t.index;
      rows = [...rows].sort((a, b) => {
        const va = val(a);
        const vb = val(b);
        const na = va === null || va === undefined;
        const nb = vb === null || vb === undefined;
        if (na || nb) return na === nb ? 0 : na ? 1 : -1;
        return (typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb))) * s.dir;
      });
    }
    const offset = q.offset ?? 0;
    return { rows: rows.slice(offset, offset + q.limit), total: rows.length };
  }

  async trialAt(runId: string, index: number): Promise<TrialRecord | null> {
    return this.trials.get(runId)?.get(index) ?? null;
  }

  async saveStatistics(runId: string, statistics: OptimizationStatistics | StatisticsUnavailable): Promise<void> {
    const run = this.runs.get(runId);
    const result = run?.result as OptimizationResult | undefined;
    if (run && result) this.runs.set(runId, { ...run, result: { ...result, statistics } });
  }

  async unfinished(): Promise<StoredRun[]> {
    return [...this.runs.values()].filter((r) => r.status === 'Pending' || r.status === 'Running');
  }
}

/** Trial records as TrialColumns (in the order given). */
export function trialColumnsOf(trials: TrialRecord[], objective: string): TrialColumns {
  const n = trials.length;
  const out: TrialColumns = { index: new Float64Array(n), state: new Uint8Array(n), objective: new Float64Array(n) };
  trials.forEach((t, i) => {
    out.index[i] = t.index;
    out.state[i] = t.status === 'completed' ? 1 : isConstraintSkip(t) ? 3 : 2;
    const v = t.metrics?.[objective];
    out.objective[i] = typeof v === 'number' ? v : NaN;
  });
  return out;
}
