// What the UI parts share: the API, the engine catalog and a few app-level actions.
import type { AtfApi } from '../engine/api';
import type { RunKind } from '../engine/types';

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
  /** Something about the runs changed: the dashboard refreshes. */
  runsChanged(): void;
  /** Last measured engine throughput (bars per second), for estimates. */
  barsPerSecond: number | null;
}

export function metricInfo(ctx: Ctx, name: string): MetricInfo | undefined {
  return ctx.metrics.find((m) => m.name === name);
}
