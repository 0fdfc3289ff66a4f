// The client's side of persistence: saving runs to the repository (Pending rows, terminal rows),
// streaming an optimization's trials to it in batches, and keeping in memory what storage refused
// (quota, private mode) so the run stays readable in this page, with a warning saying why.
import type { RunRepository } from './repository';
import { rankTrials } from './run-utils';
import type { OptimizationResult, OptimizationStatistics, RunKind, RunReadOptions, StatisticsUnavailable, StoredRun, TrialRecord } from './types';

/** Trials are written when this many are waiting, else at least every TRIAL_FLUSH_MS. */
const TRIAL_BATCH = 500;
const TRIAL_FLUSH_MS = 500;

/** What the store needs of a run in flight to stream its trials. */
export interface TrialStream {
  id: string;
  kind: RunKind;
  trialBuffer: TrialRecord[];
  trialSaves: Promise<void>;
  trialTimer: ReturnType<typeof setTimeout> | null;
  /** A write is queued behind the one in flight (it takes the buffer when it starts). */
  trialQueued: boolean;
}

export class RunStore {
  /** Finished runs the repository refused to store: still readable here. */
  private readonly unsaved = new Map<string, StoredRun>();
  /** Trials the repository refused (quota): kept here, by run, so that the run stays whole. */
  private readonly unsavedTrials = new Map<string, TrialRecord[]>();
  /** Why results may not be kept, for the page to show; null while storage works. */
  warning: string | null;

  constructor(
    readonly repo: RunRepository,
    warning: string | undefined,
  ) {
    this.warning = warning ?? null;
  }

  /** Completed optimizations whose statistics are being computed, until saved. */
  private readonly pending = new Map<string, Promise<void>>();

  /** Notes that the statistics of run `id` are on their way (settles once saved or failed). */
  statisticsPending(id: string, done: Promise<void>): void {
    this.pending.set(id, done);
    void done.finally(() => {
      if (this.pending.get(id) === done) this.pending.delete(id);
    });
  }

  /** Saves a completed optimization's statistics into its row (and its refused copy). */
  async saveStatistics(id: string, statistics: OptimizationStatistics | StatisticsUnavailable): Promise<void> {
    const refused = this.unsaved.get(id)?.result as OptimizationResult | undefined;
    if (refused) refused.statistics = statistics;
    try {
      await this.repo.saveStatistics(id, statistics);
    } catch (e) {
      this.warn(`The statistics of run ${id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Sets the warning the page shows (what could not be kept, and why). */
  warn(message: string): void {
    this.warning = message;
  }

  private refuse(message: string): void {
    this.warn(message);
    console.error('[atf]', message);
  }

  /** Saves a run's Pending row. A refusal does not stop the run: its result is kept in this page
   *  (saveFinal tries to save it again) and the page says why. */
  async savePending(run: StoredRun): Promise<void> {
    try {
      await this.repo.save(run);
    } catch (e) {
      this.refuse(`Run ${run.id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Saves a run's terminal row; if storage refuses it, the run stays readable in this page. */
  async saveFinal(run: StoredRun): Promise<void> {
    try {
      await this.repo.save(run);
      this.unsaved.delete(run.id);
    } catch (e) {
      this.unsaved.set(run.id, run);
      this.refuse(`Run ${run.id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)} Its result stays available in this page until it is closed.`);
    }
  }

  /** The copy storage refused, else the repository's. The refused copy comes first: the
   *  repository may still hold the run's earlier (Pending) row. */
  async get(id: string, options: RunReadOptions = {}): Promise<StoredRun | undefined> {
    // The full result includes the statistics: wait for those being computed.
    if (options.trials !== false) await this.pending.get(id);
    const refused = this.unsavedTrials.get(id) ?? [];
    const copy = this.unsaved.get(id);
    if (copy && (copy.kind !== 'optimization' || options.trials === false) && refused.length === 0) return copy;
    // A refused optimization row: its trials are those storage kept (under its earlier row) and
    // those it refused (only in this page).
    let stored: StoredRun | undefined;
    try {
      stored = await this.repo.get(id, copy || refused.length ? {} : options);
    } catch (e) {
      if (!copy) throw e;
    }
    const run = copy ?? stored;
    if (!run || run.kind !== 'optimization' || !run.result || (!copy && refused.length === 0)) return run;
    const res = run.result as OptimizationResult;
    const byIndex = new Map<number, TrialRecord>();
    for (const t of (stored?.result as OptimizationResult | undefined)?.trials ?? []) byIndex.set(t.index, t);
    for (const t of refused) byIndex.set(t.index, t);
    const trials = rankTrials([...byIndex.values()], res.objective, res.direction !== 'min');
    const best = trials[0]?.status === 'completed' ? trials[0] : res.best;
    return { ...run, result: { ...res, best, trials: options.trials === false ? [] : trials } };
  }

  /** Saved runs of a kind (all kinds if undefined), with refused copies over stale saved rows. */
  async list(kind: RunKind | undefined): Promise<Map<string, StoredRun>> {
    const byId = new Map((await this.repo.list({ kind })).map((r) => [r.id, r]));
    for (const [id, r] of this.unsaved) byId.set(id, r);
    return byId;
  }

  /** Deletes a run from storage and from the refused copies; false if neither held it. */
  async delete(id: string): Promise<boolean> {
    const wasUnsaved = this.unsaved.delete(id);
    const hadTrials = this.unsavedTrials.delete(id);
    return (await this.repo.delete(id)) || wasUnsaved || hadTrials;
  }

  /** Queues finished trials for the repository: written in batches of up to TRIAL_BATCH, at least
   *  every TRIAL_FLUSH_MS, so an interrupted optimization keeps what it computed. */
  bufferTrials(run: TrialStream, trials: TrialRecord[]): void {
    if (trials.length === 0 || run.kind !== 'optimization') return;
    run.trialBuffer.push(...trials);
    if (run.trialBuffer.length >= TRIAL_BATCH) {
      void this.flushTrials(run);
    } else if (run.trialTimer === null) {
      run.trialTimer = setTimeout(() => void this.flushTrials(run), TRIAL_FLUSH_MS);
    }
  }

  /** Writes the waiting trials; resolves once every trial write of the run so far is done. At
   *  most one write waits behind the one in flight, and it takes every trial waiting when it
   *  starts: when storage is slower than the engine, batches grow instead of queueing up (each
   *  queued batch would hold its records in page memory). */
  flushTrials(run: TrialStream): Promise<void> {
    if (run.trialTimer !== null) clearTimeout(run.trialTimer);
    run.trialTimer = null;
    if (run.trialQueued || run.trialBuffer.length === 0) return run.trialSaves;
    run.trialQueued = true;
    run.trialSaves = run.trialSaves.then(async () => {
      run.trialQueued = false;
      const batch = run.trialBuffer.splice(0);
      if (batch.length === 0) return;
      try {
        await this.repo.saveTrials(run.id, batch);
      } catch (e) {
        const kept = this.unsavedTrials.get(run.id) ?? [];
        for (const t of batch) kept.push(t);
        this.unsavedTrials.set(run.id, kept);
        this.warn(`Trials of run ${run.id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)} They stay available in this page until it is closed.`);
      }
    });
    return run.trialSaves;
  }
}
