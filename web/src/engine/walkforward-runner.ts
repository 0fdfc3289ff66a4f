// The walk-forward run kind: the whole walk on one engine worker (the engine optimizes each
// window's in-sample bars, then trades the best parameters out of sample, and stitches the
// out-of-sample equity); its progress is two-level on the board (windows finished, trials of the
// window running), and its reply becomes the terminal state.
import { assertNever, type WalkForwardReply } from './protocol';
import type { LiveRun } from './live-run';
import { describe, errorOf } from './run-utils';
import { releaseWorker, type RunContext, type RunExecutor } from './scheduler';
import type { Trade, WalkForwardResult } from './types';
import type { EngineWorker } from './worker-pool';

/** The RunExecutor of walk-forwards (registered with the scheduler in client.ts). */
export class WalkForwardRunner implements RunExecutor {
  constructor(private readonly ctx: RunContext) {}

  start(run: LiveRun, free: EngineWorker[]): void {
    const w = free.shift();
    if (!w) return;
    const { live, datasets } = this.ctx;
    live.markRunning(run);
    w.runId = run.id;
    run.workers.add(w);
    w.runWalkForward({ runId: run.id, slot: run.slot, requestJson: run.requestJson, debug: run.debug }, run.dataset, () =>
      datasets.loaded(run.dataset),
    ).then(
      (reply) => this.onReply(run, w, reply),
      (e: unknown) => {
        // The worker died: ended for a cancel (fallback mode, or a hard stop), or crashed.
        releaseWorker(run, w);
        if (run.cancelRequested) void live.finish(run, 'Cancelled');
        else void live.finish(run, 'Failed', errorOf(e));
        this.ctx.pump();
      },
    );
  }

  private onReply(run: LiveRun, w: EngineWorker, reply: WalkForwardReply): void {
    const { live, pool } = this.ctx;
    releaseWorker(run, w);
    switch (reply.outcome) {
      case 'completed': {
        run.engineMs += reply.engineMs;
        const tradesJson = reply.tradesJson;
        let trades: Trade[] | null = null;
        const result: WalkForwardResult = {
          ...reply.result,
          equity_curve: reply.equityCurve,
          equity_time: reply.equityTime,
          // Parsed on first read, outside the task that receives the result.
          get trades(): Trade[] {
            trades ??= JSON.parse(tradesJson);
            return trades ?? [];
          },
        };
        live.board.store(run.slot, 'Processed', run.total);
        live.board.store(run.slot, 'Completed', 0);
        void live.finish(run, 'Completed', { result });
        break;
      }
      case 'cancelled':
        void live.finish(run, 'Cancelled');
        break;
      case 'failed':
        if (reply.error.code === 'trap') pool.retire(w, reply.error.message, 'trap', reply.error.stack, run.id);
        void live.finish(run, 'Failed', { errorMessage: describe(reply.error), errorStackTrace: reply.error.stack });
        break;
      default:
        assertNever(reply);
    }
    pool.recycleIfLarge(w, run.id);
    this.ctx.pump();
  }
}
