// Submit (DESIGN.md run lifecycle, step 1): a request's shape checked, the dedup of identical
// requests (the spec's RunKey), the engine's validation in the control worker, then the run
// registered: Pending in the live store, its row saved, its Web Lock held, queued. Resume of an
// interrupted or cancelled optimization goes the same way, keeping its id and saved trials.
import { ConflictError, NotFoundError } from './errors';
import type { InterruptedRuns } from './interrupted-runs';
import { normalizeRequest, runKey, type NormalizedRequest, type SubmitAnswer } from './run-request';
import type { SavedDatasets } from './saved-datasets';
import type { RunContext, Scheduler } from './scheduler';
import type { BacktestRequest, OptimizationRequest, RunKind, StoredRun } from './types';
import type { Validator } from './validator';

/** A submit's answer with the run's total (bars or combinations); the API names the total. */
export interface Submitted extends SubmitAnswer {
  total: number;
  /** Walk-forward: the combinations of each window. */
  combinations?: number;
}

export class Submitter {
  /** Submissions being validated, by dedup key (an identical submit meanwhile joins them). */
  private readonly submitting = new Map<string, Promise<Submitted>>();

  constructor(
    private readonly ctx: RunContext,
    private readonly scheduler: Scheduler,
    private readonly validator: Validator,
    private readonly saved: SavedDatasets,
    private readonly locks: InterruptedRuns,
  ) {}

  /** Validates and queues a run; resolves before any bar is processed. An identical request
   *  (same kind, dataset, strategy or script hash, parameters or inputs, settings) while one is
   *  Pending or Running in this page, or still being validated, answers that run with
   *  isDedup: true. Resumed runs and runs with test hooks are never shared. */
  async submit(kind: RunKind, raw: unknown, resume?: StoredRun): Promise<Submitted> {
    const request = normalizeRequest(kind, raw, (name) => this.ctx.datasets.has(name));
    const dedupKey = resume || request.debug ? null : runKey(request);
    if (dedupKey !== null) {
      const twin = [...this.ctx.live.values()].find(
        (r) => r.dedupKey === dedupKey && !r.finishing && !r.cancelRequested && (r.status === 'Pending' || r.status === 'Running'),
      );
      if (twin) return { id: twin.id, total: twin.total, status: twin.status, isDedup: true, ...(twin.combinations !== undefined ? { combinations: twin.combinations } : {}) };
      const inFlight = this.submitting.get(dedupKey);
      if (inFlight) {
        const first = await inFlight;
        // The run's status now (it may have started meanwhile).
        return { ...first, status: this.ctx.live.get(first.id)?.status ?? first.status, isDedup: true };
      }
    }
    const registered = this.register(request, dedupKey, resume);
    if (dedupKey !== null) {
      this.submitting.set(dedupKey, registered);
      const done = () => this.submitting.delete(dedupKey);
      registered.then(done, done);
    }
    return registered;
  }

  /** Resumes an interrupted (or cancelled) optimization: its saved trials are kept and only the
   *  missing combinations run. */
  async resume(id: string): Promise<Submitted> {
    const live = this.ctx.live.get(id);
    if (live) throw new ConflictError(id, live.status, `run ${id} is ${live.status}`);
    const stored = await this.ctx.store.get(id);
    if (!stored || stored.kind !== 'optimization') throw new NotFoundError(id);
    if (stored.status !== 'Failed' && stored.status !== 'Cancelled') {
      throw new ConflictError(id, stored.status, `run ${id} is ${stored.status}; only an interrupted or cancelled optimization resumes`);
    }
    return this.submit('optimization', stored.request, stored);
  }

  /** Validates a normalized request and registers its run (Pending, saved, queued). */
  private async register(r: NormalizedRequest, dedupKey: string | null, resume: StoredRun | undefined): Promise<Submitted> {
    const { kind, dataset, engineRequest } = r;
    const { live, store, datasets } = this.ctx;
    let script: { hash: string; label: string } | null = null;
    if (r.isScript) {
      script = await this.validator.checkScript(engineRequest['script'], engineRequest['strategy']);
      // A script run is labelled by its strategy() title unless the request names it.
      engineRequest['strategy'] = script.label;
    }
    // Fields the run's kind adds for the engine (an optimization: the number of workers).
    this.scheduler.executor(kind).prepare?.(engineRequest);
    const requestJson = JSON.stringify(engineRequest);
    const v = await this.validator.validate(kind, dataset, requestJson);
    await this.saved.persist(dataset);
    if (kind === 'backtest') datasets.setBars(dataset, v.bars);

    // The saved request keeps a script's source (a report can be re-run) and its hash.
    const request: BacktestRequest | OptimizationRequest = JSON.parse(
      JSON.stringify({ ...engineRequest, dataset, ...(script ? { script_hash: script.hash } : {}), ...(r.origin ? { origin: r.origin } : {}) }),
    );
    const run = live.create({
      kind,
      dataset,
      request,
      requestJson,
      total: v.total,
      ...(v.combinations !== undefined ? { combinations: v.combinations } : {}),
      ...(v.sample ? { plan: v.sample } : {}),
      ...(v.genetic ? { genetic: true } : {}),
      debug: r.debug,
      dedupKey,
      ...(resume ? { resume } : {}),
    });
    if (!run) throw new ConflictError('', 'Pending', 'too many runs in flight; wait for some to finish');
    this.locks.hold(run.id, run.settled);
    // A refusal of storage does not stop the run (its result is kept in this page).
    await store.savePending(live.view(run));
    live.write(run, 'submitted');
    // Dispatched in a later task: the caller sees the answer before any bar is processed. (A run
    // cancelled while its row was being saved is already Cancelled and is not queued.)
    if (!run.finishing) this.scheduler.enqueue(run);
    return { id: run.id, total: run.total, status: run.status, isDedup: false, ...(v.combinations !== undefined ? { combinations: v.combinations } : {}) };
  }
}
