// What the UI parts share: the API, the engine catalog and a few app-level actions.
import type { AtfApi } from '../engine/api';
import type { RunKind, StoredRun } from '../engine/types';

export interface ParamInfo {
  name: string;
  description: string;
  type: 'int' | 'float';
  min: number;
  max: number;
  step: number;
  default: number;
}

export interface StrategyInfo {
  name: string;
  description: string;
  params: ParamInfo[];
}

export interface MetricInfo {
  name: string;
  description: string;
  higher_is_better: boolean;
}

export interface Ctx {
  atf: AtfApi;
  strategies: StrategyInfo[];
  metrics: MetricInfo[];
  /** Shows a run's report in the main area (and its progress in the side panel if in flight). */
  openRun(id: string, kind: RunKind): void;
  /** A followed run ended: a report of it on screen that was built while it ran is rebuilt. */
  runEnded(id: string, kind: RunKind): void;
  /** Follows a run in the side panel's progress view. */
  track(id: string, kind: RunKind): void;
  /** Opens a script run's source, inputs and broker fields in the new-run panel's editor. */
  openScript?(run: StoredRun): void;
  /** Something about the runs changed: the dashboard refreshes. */
  runsChanged(): void;
  /** Last measured engine throughput (bars per second), for estimates. */
  barsPerSecond: number | null;
  /** Grid duration estimates: the estimate given for each submitted optimization, and the
   *  ratio measured/estimated of the last one that completed (corrects the model below). */
  gridEstimates: Map<string, number>;
  gridCorrection: number;
}

export function metricInfo(ctx: Ctx, name: string): MetricInfo | undefined {
  return ctx.metrics.find((m) => m.name === name);
}

/** Estimated wall time (ms) of a grid of `trials` over `bars` bars on `workers` workers: a cost
 *  per trial (claim, indicator lookup, report) plus a cost per bar step, times the correction
 *  learnt from the last completed grid. */
export function estimateGridMs(ctx: Ctx, trials: number, bars: number, workers: number): number {
  const perTrialMs = 0.15 + (bars / 40e6) * 1000;
  return ((trials * perTrialMs) / Math.max(1, workers)) * ctx.gridCorrection;
}
