// The backtest run kind: one run on one engine worker, its reply turned into the terminal state.
import type { BacktestReply } from './protocol';
import type { LiveRun } from './live-run';
import { SingleWorkerRunner, withLazyTrades } from './single-worker-runner';
import type { BacktestResult } from './types';
import type { EngineWorker } from './worker-pool';

/** The RunExecutor of backtests (registered with the scheduler in client.ts). */
export class BacktestRunner extends SingleWorkerRunner<BacktestReply> {
  protected call(w: EngineWorker, run: LiveRun): Promise<BacktestReply> {
    return w.runBacktest({ runId: run.id, slot: run.slot, requestJson: run.requestJson, debug: run.debug }, run.dataset, () =>
      this.ctx.datasets.loaded(run.dataset),
    );
  }

  protected complete(run: LiveRun, reply: Extract<BacktestReply, { outcome: 'completed' }>): void {
    const result: BacktestResult = withLazyTrades({ ...reply.result, equity_curve: reply.equityCurve }, reply.tradesJson);
    void this.ctx.live.finish(run, 'Completed', { result });
  }
}
