// The walk-forward run kind: the whole walk on one engine worker (the engine optimizes each
// window's in-sample bars, then trades the best parameters out of sample, and stitches the
// out-of-sample equity); its progress is two-level on the board (windows finished, trials of the
// window running), and its reply becomes the terminal state.
import type { WalkForwardReply } from './protocol';
import type { LiveRun } from './live-run';
import { SingleWorkerRunner, withLazyTrades } from './single-worker-runner';
import type { WalkForwardResult } from './types';
import type { EngineWorker } from './worker-pool';

/** The RunExecutor of walk-forwards (registered with the scheduler in client.ts). */
export class WalkForwardRunner extends SingleWorkerRunner<WalkForwardReply> {
  protected call(w: EngineWorker, run: LiveRun): Promise<WalkForwardReply> {
    return w.runWalkForward({ runId: run.id, slot: run.slot, requestJson: run.requestJson, debug: run.debug }, run.dataset, () =>
      this.ctx.datasets.loaded(run.dataset),
    );
  }

  protected complete(run: LiveRun, reply: Extract<WalkForwardReply, { outcome: 'completed' }>): void {
    const { live } = this.ctx;
    const result: WalkForwardResult = withLazyTrades(
      { ...reply.result, equity_curve: reply.equityCurve, equity_time: reply.equityTime },
      reply.tradesJson,
    );
    // Every window is done: the board's counters say so before the terminal state.
    live.board.store(run.slot, 'Processed', run.total);
    live.board.store(run.slot, 'Completed', 0);
    void live.finish(run, 'Completed', { result });
  }
}
