// The optimization run kind: its combinations shared out to every free engine worker (claimed
// through the board's next index in shared-memory mode, handed out in chunks by the trial ledger
// otherwise), the trials the workers report counted, logged and streamed to storage, trials of a
// lost worker recorded as failed, and the terminal state once nothing of the run is out; a
// completed run first gets its overfitting statistics (PSR, DSR, PBO, Monte Carlo, stability).
import { isConstraintSkip, SKIPPED_PREFIX } from './run-utils';
import { assertNever, type TrialsReply } from './protocol';
import type { LiveRun } from './live-run';
import { describe, errorOf } from './run-utils';
import { releaseWorker, type RunContext, type RunExecutor } from './scheduler';
import type { FinishExtra } from './live-store';
import type { OptimizationResult, OptimizationStatistics, StatisticsUnavailable, TrialRecord } from './types';
import type { EngineWorker } from './worker-pool';

/** Blocks of PBO's combinatorially symmetric cross-validation (the engine's and CLI's default S). */
export const STATISTICS_BLOCKS = 16;
/** Above this many combinations PBO is skipped, as the native CLI does: each trial's block sums
 *  take 128 bytes of page memory (one typed array for the grid) until the statistics are done
 *  (32 MB at this count). */
export const PBO_MAX_TRIALS = 250_000;
/** Monte Carlo paths and seed of the statistics (the native CLI's defaults, so figures agree). */
export const MC_PATHS = 1000;
export const MC_SEED = 1;

export class OptimizationRunner implements RunExecutor {
  /** Genetic runs whose next generation the control worker is planning. */
  private readonly planning = new Set<string>();
  constructor(private readonly ctx: RunContext) {}

  /** The engine sizes its trial groups by the number of workers sharing the combinations; trials
   *  carry block sums for PBO unless the request says otherwise. */
  prepare(engineRequest: Record<string, unknown>): void {
    engineRequest['threads'] = this.ctx.pool.size;
    if (engineRequest['statistics_blocks'] === undefined) engineRequest['statistics_blocks'] = STATISTICS_BLOCKS;
  }

  start(run: LiveRun, free: EngineWorker[]): void {
    if (run.total > PBO_MAX_TRIALS) withoutBlocks(run);
    this.ctx.live.markRunning(run);
    this.join(run, free);
  }

  /** Gives free workers shares of the combinations still unclaimed, then ends the run if
   *  nothing is left to do. */
  join(run: LiveRun, free: EngineWorker[]): void {
    while (free.length > 0) {
      const w = free[0];
      if (!w || !this.dispatch(run, w)) break;
      free.shift();
    }
    this.settle(run);
  }

  cancelledResult(run: LiveRun): FinishExtra {
    return { result: this.result(run, true) };
  }

  /** Trials a worker reported (an event while its share runs). */
  onTrials(run: LiveRun, trials: TrialRecord[], sharedCounted: boolean): void {
    this.addTrials(run, trials, sharedCounted);
  }

  /** Gives `w` a share of the optimization's combinations; false if none are left. */
  private dispatch(run: LiveRun, w: EngineWorker): boolean {
    const { shared, live, datasets } = this.ctx;
    if (run.cancelRequested || run.fatal || run.finishing) return false;
    const sharedLeft = shared && live.board.load(run.slot, 'NextIndex') < run.total;
    const claim = run.ledger.take(w, sharedLeft);
    if (!claim) return false;
    w.runId = run.id;
    run.workers.add(w);
    w.runTrials(
      { runId: run.id, slot: run.slot, requestJson: run.requestJson, total: run.total, claim, debug: run.debug },
      run.dataset,
      () => datasets.loaded(run.dataset),
    ).then(
      (reply) => this.onReply(run, w, reply),
      (e: unknown) => this.onLost(run, w, errorOf(e)),
    );
    return true;
  }

  private onReply(run: LiveRun, w: EngineWorker, reply: TrialsReply): void {
    const { shared, live, pool } = this.ctx;
    const plan = run.ledger.release(w);
    releaseWorker(run, w);
    switch (reply.outcome) {
      case 'done':
        run.engineMs += reply.engineMs;
        break;
      case 'failed': {
        const e = reply.error;
        if (e.code === 'trap') {
          pool.retire(w, e.message, 'trap', e.stack, run.id);
          for (const i of run.ledger.lost(plan, e.trialIndex, reply.unfinished)) this.recordLostTrial(run, i, describe(e), e.stack ?? '');
        } else {
          run.fatal = e;
          if (shared) live.board.store(run.slot, 'Cancel', 1);
        }
        break;
      }
      default:
        assertNever(reply);
    }
    pool.recycleIfLarge(w, run.id);
    // Fallback mode: the worker takes the next chunk at once.
    if (!shared && !run.cancelRequested && !run.fatal && !w.dead && this.dispatch(run, w)) return;
    this.settle(run);
    this.ctx.pump();
  }

  /** The worker died (terminated for cancel, or crashed) while running trials. */
  private onLost(run: LiveRun, w: EngineWorker, e: { errorMessage: string; errorStackTrace?: string; code: string }): void {
    const plan = run.ledger.release(w);
    releaseWorker(run, w);
    if (!run.cancelRequested && e.code !== 'terminated') {
      for (const i of run.ledger.lost(plan, undefined, undefined)) this.recordLostTrial(run, i, e.errorMessage, e.errorStackTrace ?? '');
    }
    this.settle(run);
    this.ctx.pump();
  }

  private recordLostTrial(run: LiveRun, index: number, message: string, stack: string): void {
    const trial: TrialRecord = {
      index,
      params: null,
      status: 'failed',
      metrics: null,
      final_equity: null,
      error_message: message,
      error_stack_trace: stack,
    };
    this.addTrials(run, [trial], false);
  }

  private addTrials(run: LiveRun, trials: TrialRecord[], sharedCounted: boolean): void {
    const { live, store, log } = this.ctx;
    const board = live.board;
    const fresh = run.ledger.add(trials);
    store.bufferTrials(run, fresh);
    for (const t of fresh) {
      if (!sharedCounted) {
        board.add(run.slot, t.status === 'completed' ? 'Completed' : 'Failed', 1);
        board.add(run.slot, 'Processed', 1);
        board.beat(run.slot);
      }
      if (t.status === 'failed') {
        log.write({
          event: 'trial_failed',
          runId: run.id,
          kind: run.kind,
          status: run.status,
          elapsedMs: Math.round(performance.now() - run.t0),
          counts: { index: t.index, ...live.counts(run) },
          // A combination the strategy's constraint refuses is said so (the log view shows it as
          // information, not as an error).
          message: isConstraintSkip(t) ? `${SKIPPED_PREFIX}${t.error_message ?? ''}` : t.error_message ?? '',
        });
      }
    }
  }

  /** Ends the run once none of its workers is still out: Failed (an engine error), Cancelled
   *  (keeping the finished trials) or, with every combination claimed, Completed. */
  settle(run: LiveRun): void {
    const { shared, live } = this.ctx;
    if (run.kind !== 'optimization' || run.finishing || run.status !== 'Running' || run.workers.size > 0) return;
    if (run.fatal) {
      void live.finish(run, 'Failed', { errorMessage: describe(run.fatal), errorStackTrace: run.fatal.stack });
      return;
    }
    if (run.cancelRequested) {
      void live.finish(run, 'Cancelled', this.cancelledResult(run));
      return;
    }
    const unclaimed = run.ledger.queued || (shared && live.board.load(run.slot, 'NextIndex') < run.total);
    if (unclaimed) return; // a worker that frees up (or a replacement) takes the rest
    if (run.genetic) {
      if (!this.planning.has(run.id)) void this.nextGeneration(run);  // once at a time
      return;
    }
    // Every combination was claimed; any not reported (a worker lost without a reply) failed.
    for (const i of run.ledger.missing()) this.recordLostTrial(run, i, 'trial lost: its engine worker stopped', '');
    void this.complete(run);
  }

  /** A genetic search between generations: the control worker replays the search over the
   *  fitness known and answers the next generation, which is shared out to the free workers; an
   *  empty one ends the search (its total becomes the evaluations made, which a grid nearly
   *  exhausted or repeated children can leave under the budget). */
  private async nextGeneration(run: LiveRun): Promise<void> {
    const { pool, datasets, live } = this.ctx;
    this.planning.add(run.id);
    let added = 0;
    try {
      const { indexes, objective } = run.ledger.fitnessColumns();
      const evaluated = indexes.length;
      const control = await pool.controlWorker();
      const reply = await control.geneticNext({ requestJson: run.requestJson, indexes, objective }, run.dataset, () => datasets.loaded(run.dataset));
      if (!reply.ok) {
        run.fatal = reply.error;
      } else if (!run.cancelRequested) {
        added = run.ledger.extend(reply.value.batch, pool.size * 2);
        if (added === 0 && reply.value.batch.length === 0 && run.total !== evaluated) {
          run.total = run.ledger.total = evaluated;  // done under the budget: progress reads what was evaluated
          live.board.store(run.slot, 'Total', run.total);
        }
      }
    } catch (e) {
      run.fatal = { name: 'Error', code: 'engine', message: errorOf(e).errorMessage };
    } finally {
      this.planning.delete(run.id);
    }
    if (added > 0) {
      this.ctx.pump();  // the free workers take the generation's lists
      return;
    }
    // Nothing new to run: settle ends the run (no generation left, a cancel, or an error).
    run.genetic = run.fatal === null && !run.cancelRequested && added > 0;
    this.settle(run);
  }

  /** Completed at once (the trials are already in storage; the row gets its counts and best
   *  trial), then the statistics of the trials, in the control worker, off the page's thread:
   *  saved into the row when done. Until then a read of the full result waits for them
   *  (RunStore.get), a read without trials does not. A run whose statistics cannot be computed
   *  (no successful trial, an engine error) gets the reason in their place. */
  private async complete(run: LiveRun): Promise<void> {
    const { store, live } = this.ctx;
    const result = this.result(run, false);
    let done = () => {};
    store.statisticsPending(run.id, new Promise<void>((resolve) => (done = resolve)));
    try {
      await live.finish(run, 'Completed', { result });
      const statistics = await this.statistics(run);
      // The block sums served their purpose: the run's memory goes back to what its views need.
      run.ledger.dropBlockSums();
      result.statistics = statistics;
      await store.saveStatistics(run.id, statistics);
    } finally {
      done();
    }
  }

  private async statistics(run: LiveRun): Promise<OptimizationStatistics | StatisticsUnavailable> {
    const { pool, datasets, log } = this.ctx;
    const t0 = performance.now();
    const counts: Record<string, number> = { trials: run.ledger.reported };
    try {
      const control = await pool.controlWorker();
      const reply = await control.statistics(
        { requestJson: run.requestJson, objective: run.objective, trials: run.ledger.statisticsColumns(), mcPaths: MC_PATHS, seed: MC_SEED },
        run.dataset,
        () => datasets.loaded(run.dataset),
      );
      if (!reply.ok) return { unavailable: describe(reply.error) };
      counts['engineMs'] = Math.round(reply.engineMs);
      counts['jsonMs'] = Math.round(reply.jsonMs);
      const stats = reply.value;
      if (!stats.pbo.ok && run.total > PBO_MAX_TRIALS) {
        stats.pbo.reason = `not computed: ${run.total.toLocaleString('en-US')} combinations is above ${PBO_MAX_TRIALS.toLocaleString('en-US')} (each trial's block returns would be kept in page memory)`;
      } else if (!stats.pbo.ok && !run.ledger.hasAllBlockSums()) {
        stats.pbo.reason = 'not computed: the trials saved before the page closed carry no block returns (a resumed optimization)';
      }
      return stats;
    } catch (e) {
      return { unavailable: errorOf(e).errorMessage };
    } finally {
      log.write({
        event: 'statistics',
        runId: run.id,
        kind: run.kind,
        status: run.status,
        elapsedMs: Math.round(performance.now() - t0),
        counts,
      });
    }
  }

  private result(run: LiveRun, cancelled: boolean): OptimizationResult {
    return run.ledger.result(run.objective, run.direction, cancelled);
  }
}

/** Takes statistics_blocks out of a run's engine request (and its saved request): its trials then
 *  report no block sums and its statistics come without PBO. */
function withoutBlocks(run: LiveRun): void {
  const engineRequest: Record<string, unknown> = JSON.parse(run.requestJson);
  engineRequest['statistics_blocks'] = 0;
  run.requestJson = JSON.stringify(engineRequest);
  (run.request as { statistics_blocks?: number }).statistics_blocks = 0;
}
