// The backtest run kind: one run on one engine worker, its reply turned into the terminal state.
import { assertNever, type BacktestReply } from './protocol';
import type { LiveRun } from './live-run';
import { describe, errorOf } from './run-utils';
import { releaseWorker, type RunContext, type RunExecutor } from './scheduler';
import type { BacktestResult, Trade } from './types';
import type { EngineWorker } from './worker-pool';

export class BacktestRunner implements RunExecutor {
  constructor(private readonly ctx: RunContext) {}

  start(run: LiveRun, free: EngineWorker[]): void {
    const w = free.shift();
    if (!w) return;
    const { live, datasets } = this.ctx;
    live.markRunning(run);
    w.runId = run.id;
    run.workers.add(w);
    w.runBacktest({ runId: run.id, slot: run.slot, requestJson: run.requestJson, debug: run.debug }, run.dataset, () =>
      datasets.loaded(run.dataset),
    ).then(
      (reply) => this.onReply(run, w, reply),
      (e: unknown) => {
        // The worker died: stopped for a cancel, or crashed.
        releaseWorker(run, w);
        if (run.cancelRequested) void live.finish(run, 'Cancelled');
        else void live.finish(run, 'Failed', errorOf(e));
        this.ctx.pump();
      },
    );
  }

  private onReply(run: LiveRun, w: EngineWorker, reply: BacktestReply): void {
    const { live, pool } = this.ctx;
    releaseWorker(run, w);
    switch (reply.outcome) {
      case 'completed': {
        run.engineMs += reply.engineMs;
        const tradesJson = reply.tradesJson;
        let trades: Trade[] | null = null;
        const result: BacktestResult = {
          ...reply.result,
          equity_curve: reply.equityCurve,
          // Parsed on first read, outside the task that receives the result.
          get trades(): Trade[] {
            trades ??= JSON.parse(tradesJson);
            return trades ?? [];
          },
        };
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
