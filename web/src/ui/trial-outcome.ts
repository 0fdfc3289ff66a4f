// What became of a trial that has no result: skipped because the strategy's rules refuse its
// combination of parameters (fast ≥ slow for a moving-average cross), or failed while running.
// The engine marks the first kind: it checks the parameters before running a trial and, when
// they are refused, writes "<strategy>(<params>): parameter check" as the trial's context
// (optimizer.cpp run_grid_trials), with the rule as its message, e.g. "fast (40) must be less
// than slow (20)". A skipped combination is not an error of the run: the views show it neutrally.
import { isConstraintSkip } from '../engine/run-utils';
import type { TrialRecord } from '../engine/types';

/** The trial's combination was refused by the strategy's parameter rules (it never ran). */
export function isSkipped(t: Pick<TrialRecord, 'status' | 'error_stack_trace'>): boolean {
  return isConstraintSkip(t);
}

/** The trial ran and failed (an error in the strategy or the engine). */
export function isFailed(t: Pick<TrialRecord, 'status' | 'error_stack_trace'>): boolean {
  return t.status === 'failed' && !isSkipped(t);
}

/** One line that says why a trial has no result. */
export function noResultText(t: Pick<TrialRecord, 'status' | 'error_message' | 'error_stack_trace'>): string {
  if (isSkipped(t)) return `skipped by the strategy's constraint: ${t.error_message ?? 'its parameters are refused'}`;
  return `failed: ${t.error_message ?? 'no message'}`;
}
