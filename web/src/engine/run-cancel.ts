// Cancel (DESIGN.md): a Pending run leaves the queue and is Cancelled at once; a Running run gets
// its cancel flag (shared memory: the engine stops at its next check, and a run not confirmed
// within HARD_STOP_AFTER_MS has its workers ended; fallback: its workers are ended at once) and
// the answer waits for the terminal state. Completed or Failed is a Conflict, Cancelled answers
// Cancelled again, an unknown id is NotFound.
import { ConflictError, NotFoundError } from './errors';
import type { LiveRun } from './live-run';
import { assertNever } from './protocol';
import type { RunContext, Scheduler } from './scheduler';
import type { CancelAnswer, RunKind, RunStatus } from './types';

/** Cancel that the engine has not confirmed by then ends the run's workers (hard stop). */
export const HARD_STOP_AFTER_MS = 1000;

export class RunCancel {
  constructor(
    private readonly ctx: RunContext,
    private readonly scheduler: Scheduler,
  ) {}

  async cancel(id: string, kind: RunKind): Promise<CancelAnswer> {
    const { live, store, shared } = this.ctx;
    const run = live.get(id);
    if (run && run.kind === kind) {
      switch (run.status) {
        case 'Pending': {
          run.cancelRequested = true;
          this.scheduler.dequeue(run);
          live.board.store(run.slot, 'Cancel', 1);
          await live.finish(run, 'Cancelled', this.scheduler.executor(run.kind).cancelledResult?.(run) ?? {});
          return { id, status: 'Cancelled' };
        }
        case 'Running': {
          if (!run.cancelRequested) {
            run.cancelRequested = true;
            if (shared) {
              live.board.store(run.slot, 'Cancel', 1);
              run.hardStop = setTimeout(() => this.stopWorkers(run, 'cancel not confirmed in time'), HARD_STOP_AFTER_MS);
            } else {
              this.stopWorkers(run, 'cancelled');
            }
            // A run waiting for a worker (an optimization whose own workers were all lost) ends here.
            this.scheduler.executor(run.kind).settle?.(run);
          }
          await run.settled;
          return answer(id, run.status);
        }
        case 'Completed':
        case 'Failed':
        case 'Cancelled':
          return answer(id, run.status);
        default:
          return assertNever(run.status);
      }
    }
    const stored = await store.get(id);
    if (!stored || stored.kind !== kind) throw new NotFoundError(id);
    if (stored.status === 'Pending' || stored.status === 'Running') {
      throw new ConflictError(id, stored.status, `run ${id} is not running in this page`);
    }
    return answer(id, stored.status);
  }

  /** Hard stop: ends the run's workers (their replacements start at once). */
  private stopWorkers(run: LiveRun, reason: string): void {
    for (const w of [...run.workers]) this.ctx.pool.retire(w, reason, 'terminated');
  }
}

function answer(id: string, status: RunStatus): CancelAnswer {
  if (status === 'Completed' || status === 'Failed') {
    throw new ConflictError(id, status, `run ${id} is already ${status}; it cannot be cancelled`);
  }
  return { id, status };
}
