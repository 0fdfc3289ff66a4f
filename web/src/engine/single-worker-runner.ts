// What the run kinds that run whole on one engine worker (backtest, walk-forward) share: taking a
// free worker, the worker's death (a cancel's hard stop, or a crash), and the cancelled and
// failed replies; each kind turns its own completed reply into its result.
import type { SerializedError } from './errors';
import { assertNever } from './protocol';
import type { LiveRun } from './live-run';
import { describe, errorOf } from './run-utils';
import { releaseWorker, type RunContext, type RunExecutor } from './scheduler';
import type { Trade } from './types';
import type { EngineWorker } from './worker-pool';

/** The replies of a one-worker run: completed (with the engine's time), cancelled or failed. */
export type SingleWorkerReply =
  | { outcome: 'completed'; engineMs: number }
  | { outcome: 'cancelled' }
  | { outcome: 'failed'; error: SerializedError };

/** A RunExecutor whose run is one call on one worker: `call` starts it, `complete` saves the
 *  completed reply's result (live.finish(run, 'Completed', …)). */
export abstract class SingleWorkerRunner<R extends SingleWorkerReply> implements RunExecutor {
  constructor(protected readonly ctx: RunContext) {}

  /** Starts the run on `w` (its reply settles the promise; a dead worker rejects it). */
  protected abstract call(w: EngineWorker, run: LiveRun): Promise<R>;
  /** The completed reply's result, saved as the terminal state. */
  protected abstract complete(run: LiveRun, reply: Extract<R, { outcome: 'completed' }>): void;

  start(run: LiveRun, free: EngineWorker[]): void {
    const w = free.shift();
    if (!w) return;
    const { live } = this.ctx;
    live.markRunning(run);
    w.runId = run.id;
    run.workers.add(w);
    this.call(w, run).then(
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

  private onReply(run: LiveRun, w: EngineWorker, reply: R): void {
    const { live, pool } = this.ctx;
    releaseWorker(run, w);
    const r: SingleWorkerReply = reply;
    switch (r.outcome) {
      case 'completed':
        run.engineMs += r.engineMs;
        this.complete(run, reply as Extract<R, { outcome: 'completed' }>);
        break;
      case 'cancelled':
        void live.finish(run, 'Cancelled');
        break;
      case 'failed':
        if (r.error.code === 'trap') pool.retire(w, r.error.message, 'trap', r.error.stack, run.id);
        void live.finish(run, 'Failed', { errorMessage: describe(r.error), errorStackTrace: r.error.stack });
        break;
      default:
        assertNever(r);
    }
    pool.recycleIfLarge(w, run.id);
    this.ctx.pump();
  }
}

/** Adds `trades` to `result` as a getter that parses `tradesJson` on first read: the text crosses
 *  postMessage cheaply, and the page parses it outside the task that receives the result. */
export function withLazyTrades<T extends object>(result: T, tradesJson: string): T & { readonly trades: Trade[] } {
  let trades: Trade[] | null = null;
  return Object.defineProperty(result, 'trades', {
    enumerable: true,
    configurable: true,
    get(): Trade[] {
      trades ??= JSON.parse(tradesJson) as Trade[];
      return trades ?? [];
    },
  }) as T & { readonly trades: Trade[] };
}
