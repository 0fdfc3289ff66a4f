// "Resume" for an optimization that stopped before its last combination: cancelled by the user,
// or interrupted (its page closed). The engine keeps its finished trials; resumeOptimization runs
// only the missing combinations under the same run id. Shown in the runs list and the report.
import { INTERRUPTED_MESSAGE } from '../engine/interrupted-runs';
import type { StoredRun } from '../engine/types';
import type { Ctx } from './context';
import { errorText, h, int } from './dom';

/** Whether a saved run can be resumed: an optimization cancelled or interrupted with
 *  combinations left to run (another failure would fail again, so it is not offered). */
export function isResumable(run: Pick<StoredRun, 'kind' | 'status' | 'errorMessage' | 'processed' | 'total'>): boolean {
  if (run.kind !== 'optimization' || run.processed >= run.total) return false;
  return run.status === 'Cancelled' || (run.status === 'Failed' && run.errorMessage === INTERRUPTED_MESSAGE);
}

/** A Resume button: resumes the run, follows it in the side panel and opens its report (whose
 *  heatmap keeps the finished trials and fills in the rest). `say` shows a refusal. */
export function resumeButton(ctx: Ctx, run: Pick<StoredRun, 'id' | 'processed' | 'total'>, say: (message: string) => void): HTMLButtonElement {
  const left = run.total - run.processed;
  const btn = h('button.secondary.resume', {
    type: 'button',
    'data-testid': 'resume',
    'aria-label': `Resume run ${run.id.slice(0, 8)}: run the ${int(left)} combinations left`,
    title: `Run only the ${int(left)} combinations that have not finished; the ${int(run.processed)} finished ones are kept`,
  }, 'Resume');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const r = await ctx.atf.resumeOptimization(run.id);
      ctx.track(r.id, 'optimization');
      ctx.openRun(r.id, 'optimization');
      ctx.runsChanged();
    } catch (e) {
      say(`Could not resume: ${errorText(e)}`);
      btn.disabled = false;
    }
  });
  return btn;
}
