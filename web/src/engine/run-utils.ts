// Pure helpers of the client: request checks, engine error -> API field mapping, trial ranking.
import { EngineError, type SerializedError } from './errors';
import type { BacktestStatus, OptimizationStatus, StoredRun, TrialRecord, WalkForwardStatus } from './types';

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The request field an engine error names; errors without one map by code. */
const BROKER_KEYS = new Set([
  'cash', 'sizing', 'size', 'fractional', 'commission_pct', 'commission_fixed', 'commission_per_unit', 'slippage_bps',
  'multiplier', 'margin', 'fill', 'allow_short', 'close_at_end', 'stop_loss_pct', 'take_profit_pct', 'bars_per_year',
  'margin_long_pct', 'margin_short_pct', 'risk_free_rate_pct',
]);

export function fieldOf(e: SerializedError): string {
  // The engine's broker checks name the bare key ("cash"); the request nests it under broker.
  if (e.field && BROKER_KEYS.has(e.field)) return `broker.${e.field}`;
  // The grid's checks name "axis <name>"; the request field is axes.<name>.
  if (e.field?.startsWith('axis ')) return `axes.${e.field.slice(5)}`;
  // A walk-forward's lengths that no window fits name the bare setting.
  if (e.field === 'in_sample' || e.field === 'out_of_sample' || e.field === 'step') return `walk_forward.${e.field}`;
  if (e.field) return e.field;
  if (e.code === 'import' || e.code === 'not_found') return 'dataset';
  if (e.code === 'limit') return 'max_combinations';
  return 'request';
}

function isBad(v: number | null | undefined): boolean {
  return v === null || v === undefined || Number.isNaN(v);
}

/** Ranks trials as the engine does: completed by objective (best first, undefined last, ties by
 *  index), then failed ones by index. */
export function rankTrials(trials: TrialRecord[], objective: string, maximize: boolean): TrialRecord[] {
  const ok = trials.filter((t) => t.status === 'completed');
  const bad = trials.filter((t) => t.status !== 'completed').sort((a, b) => a.index - b.index);
  ok.sort((a, b) => {
    const va = a.metrics?.[objective];
    const vb = b.metrics?.[objective];
    const ua = isBad(va);
    const ub = isBad(vb);
    if (ua !== ub) return ua ? 1 : -1;
    if (!ua && !ub && va !== vb) return maximize ? (vb ?? 0) - (va ?? 0) : (va ?? 0) - (vb ?? 0);
    return a.index - b.index;
  });
  return ok.concat(bad);
}


export function describe(e: SerializedError): string {
  return e.code === 'trap' ? `${e.name}: ${e.message}` : e.message;
}

export function errorOf(e: unknown): { errorMessage: string; errorStackTrace?: string; code: string } {
  if (e instanceof EngineError) {
    const out: { errorMessage: string; errorStackTrace?: string; code: string } = { errorMessage: e.message, code: e.code };
    if (e.wasmStack) out.errorStackTrace = e.wasmStack;
    return out;
  }
  if (e instanceof Error) return { errorMessage: e.message, errorStackTrace: e.stack ?? '', code: 'internal' };
  return { errorMessage: String(e), code: 'internal' };
}

/** A trial the strategy's parameter rules refused before it ran (fast ≥ slow for a moving-average
 *  cross): the engine writes "<strategy>(<params>): parameter check" as its context
 *  (optimizer.cpp run_grid_trials) and the rule as its message. Counted as failed by the engine;
 *  shown as skipped, not as an error. */
/** How the log's message of a skipped trial begins. */
export const SKIPPED_PREFIX = "skipped by the strategy's constraint: ";

export function isConstraintSkip(t: { status: string; error_stack_trace?: string | null }): boolean {
  return t.status === 'failed' && /\): parameter check$/.test(t.error_stack_trace ?? '');
}

/** The API status of a run record. */
export function toBacktestStatus(r: StoredRun, cancelRequested: boolean): BacktestStatus {
  const out: BacktestStatus = { id: r.id, status: r.status, processedBars: r.processed, totalBars: r.total, cancelRequested, startedAt: r.startedAt, finishedAt: r.finishedAt };
  if (r.errorMessage !== undefined) out.errorMessage = r.errorMessage;
  if (r.errorStackTrace !== undefined) out.errorStackTrace = r.errorStackTrace;
  if (r.status === 'Completed' && r.result && 'final_equity' in r.result) out.result = r.result;
  return out;
}

export function toOptimizationStatus(r: StoredRun, cancelRequested: boolean): OptimizationStatus {
  const out: OptimizationStatus = {
    id: r.id,
    status: r.status,
    completedCombinations: r.completed,
    failedCombinations: r.failed,
    totalCombinations: r.total,
    cancelRequested,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
  if (r.errorMessage !== undefined) out.errorMessage = r.errorMessage;
  if (r.errorStackTrace !== undefined) out.errorStackTrace = r.errorStackTrace;
  if ((r.status === 'Completed' || r.status === 'Cancelled') && r.result && 'trials' in r.result) out.result = r.result;
  return out;
}

export function toWalkForwardStatus(r: StoredRun, cancelRequested: boolean): WalkForwardStatus {
  const out: WalkForwardStatus = {
    id: r.id,
    status: r.status,
    completedWindows: r.processed,
    totalWindows: r.total,
    windowTrials: r.status === 'Running' ? r.completed : 0,
    combinations: r.combinations ?? 0,
    cancelRequested,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
  if (r.errorMessage !== undefined) out.errorMessage = r.errorMessage;
  if (r.errorStackTrace !== undefined) out.errorStackTrace = r.errorStackTrace;
  if (r.status === 'Completed' && r.result && 'windows' in r.result) out.result = r.result;
  return out;
}

/** The metric names, whose JSON (engine answers, SQLite's metrics/result columns) writes +∞ as the
 *  string "Infinity" (-∞ "-Infinity") and an undefined value as null: a profit factor with no
 *  losing trade is +∞, one with no trade at all is undefined. */
const METRIC_KEYS = new Set([
  'net_profit', 'total_return_pct', 'cagr_pct', 'volatility_pct', 'sharpe', 'sortino', 'max_drawdown_pct',
  'max_drawdown_bars', 'calmar', 'trades', 'win_rate_pct', 'profit_factor', 'avg_trade_pct', 'best_trade_pct',
  'worst_trade_pct', 'expectancy', 'exposure_pct', 'commissions',
]);

/** JSON.parse reviver: a metric written "Infinity" / "-Infinity" becomes the number ±Infinity. */
export function reviveMetric(key: string, value: unknown): unknown {
  if (typeof value === 'string' && METRIC_KEYS.has(key)) {
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
  }
  return value;
}

/** JSON.stringify replacer: ±Infinity is written "Infinity" / "-Infinity" (JSON has no infinity;
 *  a plain stringify would turn it into null, the mark of an undefined value). */
export function keepInfinity(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (value === Infinity || value === -Infinity)) return value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** JSON text with metrics' ±Infinity kept, and its reading back: the pair round-trips. */
export const metricJson = {
  stringify: (v: unknown): string => JSON.stringify(v, keepInfinity),
  parse: <T>(text: string): T => JSON.parse(text, reviveMetric) as T,
};
