// Public types of the JS API (DESIGN.md "The JS API"). Status fields are camelCase (the spec's);
// everything inside `result` and the engine request fields keep the engine's snake_case names.

export type RunStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Cancelled';
export type RunKind = 'backtest' | 'optimization' | 'walkforward';
export type EngineMode = 'shared-memory' | 'message-fallback';

/** Broker settings, as the engine names them (engine/include/atf/json_io.h). */
export interface BrokerSettings {
  cash?: number;
  sizing?: 'units' | 'equity' | 'cash';
  size?: number;
  fractional?: boolean;
  commission_pct?: number;
  commission_fixed?: number;
  commission_per_unit?: number;
  slippage_bps?: number;
  multiplier?: number;
  margin?: number;
  fill?: 'next_open' | 'close';
  allow_short?: boolean;
  close_at_end?: boolean;
  stop_loss_pct?: number;
  take_profit_pct?: number;
  /** Margin a position needs, percent of its value (100 = cash account, 0 = no margin rule); margin calls below it. */
  margin_long_pct?: number;
  margin_short_pct?: number;
  /** Annual percent, for the performance summary's Sharpe and Sortino. */
  risk_free_rate_pct?: number;
  bars_per_year?: number;
}

/** Test-only hooks (ignored by the engine): they run inside the worker's engine callbacks. */
export interface DebugHooks {
  /** Backtest: call the module's debugTrap() (a real Wasm trap) once this many bars are done. */
  trapAtBar?: number;
  /** Optimization: call debugTrap() when this combination index is claimed. */
  trapAtTrial?: number;
  /** Busy-waits this long in every progress callback (makes short runs long enough to cancel). */
  delayMsPerProgress?: number;
}

export interface BacktestRequest {
  /** Name of a dataset known to the client (a bundled sample or one added with addDataset*). */
  dataset: string;
  /** A built-in strategy's name; with `script`, only the run's label (default: the script's
   *  strategy() title). */
  strategy?: string;
  params?: Record<string, number>;
  /** A Pine Script strategy (its source text) instead of a built-in strategy. */
  script?: string;
  /** Overrides of the script's inputs, by variable name (or title). */
  inputs?: Record<string, number | boolean | string>;
  /** No order before this time (UTC ms or a date such as "2005-01-01"); earlier bars warm up.
   *  Scripts and built-in strategies alike. */
  trade_from?: number | string;
  /** The bars the run sees: from this time on (UTC ms, or a date: its first millisecond). */
  from?: number | string;
  /** The bars the run sees: up to this time (UTC ms, or a date: its whole day), inclusive. */
  to?: number | string;
  /** Built-in strategies: add `plots` (their indicators, one value per bar) to the result. */
  indicator_plots?: boolean;
  /** Set by the client on script runs: FNV-1a 64 of the source's UTF-8 bytes (16 hex digits),
   *  as the engine's script_hash. Ignored on input. */
  script_hash?: string;
  broker?: BrokerSettings;
  /** A backtest re-run from an optimization's trial: which one (kept with the saved run so that
   *  its report names the trial and links back; never sent to the engine). */
  origin?: RunOrigin;
  /** Test-only (see DebugHooks). */
  _debug?: DebugHooks;
}

/** The optimization trial a backtest re-runs. */
export interface RunOrigin {
  optimization: string;
  trial: number;
}

/** A script input as compileScript declares it (numeric kinds become parameters/axes). */
export interface ScriptInput {
  name: string;
  title: string;
  kind: string;
  default: number | boolean | string | null;
  min: number | null;
  max: number | null;
  step: number | null;
  options: Array<number | string>;
  tooltip: string;
  group: string;
  line: number;
}

export interface ScriptDiagnostic {
  severity: string;
  message: string;
  line: number;
  column: number;
}

/** compileScript's answer: ok with the script's hash, inputs and strategy()/indicator() settings,
 *  or not ok with a diagnostic at the line:column of the first error. */
export interface ScriptCheck {
  ok: boolean;
  diagnostics: ScriptDiagnostic[];
  hash: string | null;
  inputs: ScriptInput[];
  /** kind ("strategy" | "indicator"), title, overlay, initial_capital, … (null when not ok). */
  settings: ({ kind: string; title: string } & Record<string, unknown>) | null;
}

/** One plot() series of a script run: a value per bar (null where the script plotted na). */
export interface PlotSeries {
  title: string;
  color: string;
  overlay: boolean;
  values: Array<number | null>;
}

export type AxisSpec = { name: string; values: number[] } | { name: string; min: number; max: number; step: number };

export interface OptimizationRequest extends BacktestRequest {
  axes: AxisSpec[];
  objective?: string;
  direction?: 'max' | 'min';
  max_combinations?: number;
  /** Blocks of PBO's cross-validation (default 16; 0: no PBO). Trials then carry block sums. */
  statistics_blocks?: number;
  /** "grid" (default), "random:N": N distinct combinations drawn from the grid (the native
   *  optimizer's sample for `seed`), or "genetic:pop=P,gen=G[,cx=C][,mut=M][,elite=E][,tour=K]":
   *  a genetic algorithm whose generations run on every worker in turn (the native optimizer's
   *  evaluations for `seed`; total is the budget P × G, lowered to the evaluations made if it
   *  ends early). */
  search?: string;
  /** Seed of a random or genetic search (default 1). */
  seed?: number;
}

/** Walk-forward settings (engine walk_forward_request_from_json): lengths are bars (a number, or
 *  "500" / "500bars") or calendar periods ("90d", "13w", "6m", "3y"). */
export interface WalkForwardSettings {
  in_sample: number | string;
  out_of_sample: number | string;
  /** How far each window moves (default: the out-of-sample length). */
  step?: number | string;
  /** In-sample windows all start at the first bar (else they roll). */
  anchored?: boolean;
}

/** A walk-forward: per window, an optimization over the in-sample bars, then its best parameters
 *  traded out of sample (objective, direction and axes as an optimization's). */
export interface WalkForwardRequest extends OptimizationRequest {
  walk_forward: WalkForwardSettings;
}

export type Metrics = Record<string, number | null>;

export interface Trade {
  entry_time: number;
  exit_time: number;
  entry_index: number;
  exit_index: number;
  side: 'long' | 'short';
  quantity: number;
  entry_price: number;
  exit_price: number;
  commission: number;
  pnl: number;
  return_pct: number;
  exit_reason?: string;
  /** The entry's and exit's order ids or comments (scripts); "" when the broker names none. */
  entry_signal?: string;
  exit_signal?: string;
  /** Largest favourable / adverse excursion while open, in currency (both ≥ 0). */
  max_runup?: number;
  max_drawdown?: number;
}

/** One column of TradingView's Performance Summary (keys: engine/src/tv_report.cpp
 *  performance_catalog); null where a figure is undefined or All-only. */
export type PerformanceColumn = Record<string, number | null>;

export interface PerformanceSummary {
  all: PerformanceColumn;
  long: PerformanceColumn;
  short: PerformanceColumn;
}

export interface BacktestResult {
  schema: string;
  strategy: string;
  params: Record<string, number>;
  bars: number;
  bars_per_year: number;
  final_equity: number;
  final_cash: number;
  open_position: unknown;
  rejected_orders: number;
  metrics: Metrics;
  trades: Trade[];
  /** Equity at every close (a typed array: 8 bytes per bar, transferred from the worker). */
  equity_curve: Float64Array;
  /** Trades still open at the end (exit = the last close, pnl unrealized). */
  open_trades?: Trade[];
  initial_capital?: number;
  /** TradingView's Performance Summary. */
  performance?: PerformanceSummary;
  /** Script runs: the source's hash and the script's plot() series. */
  script_hash?: string;
  plots?: PlotSeries[];
}

export interface TrialRecord {
  index: number;
  params: Record<string, number> | null;
  status: 'completed' | 'failed';
  metrics: Metrics | null;
  final_equity: number | null;
  /** Entries refused for lack of cash or margin (null for a failed trial; absent in older saves). */
  rejected_orders?: number | null;
  error_message: string | null;
  error_stack_trace: string | null;
  /** Per-block sums of the trial's per-bar returns when the request set statistics_blocks
   *  (engine BlockReturns layout: 2 × blocks values, 256 bytes for 16 blocks), for PBO. Only on
   *  the way from the worker to the trial ledger, which keeps them apart from the record. */
  block_sums?: Float64Array;
}

/** Probability of Backtest Overfitting by combinatorially symmetric cross-validation (Bailey,
 *  Borwein, López de Prado and Zhu 2017), as engine/include/atf/statistics.h computes it. */
export interface PboStatistics {
  ok: boolean;
  /** Why it was not computed (ok false). */
  reason?: string;
  /** Share of the C(S, S/2) splits whose in-sample best ranks below the out-of-sample median. */
  pbo?: number;
  blocks?: number;
  combinations?: number;
  trials?: number;
  /** Share of splits whose in-sample best lost money out of sample. */
  prob_oos_loss?: number;
  /** Histogram of the logits λ = ln(ω / (1 − ω)) over 20 equal bins from logit_min to logit_max. */
  logit_bins?: number[];
  logit_min?: number;
  logit_max?: number;
  logit_mean?: number;
  logit_median?: number;
}

/** Monte Carlo resampling of the best trial's trade sequence (paths seeded). Equity in the
 *  account currency, drawdowns in percent. */
export interface MonteCarloStatistics {
  ok: boolean;
  reason?: string;
  paths?: number;
  seed?: number;
  trades?: number;
  initial?: number;
  /** Share of paths ending below the initial equity. */
  prob_loss?: number;
  final_equity?: { p5: number; p50: number; p95: number };
  max_drawdown_pct?: { p5: number; p50: number; p95: number };
  /** Equity percentiles after each step of trades (`steps`: trades taken so far). */
  fan?: { steps: number[]; p5: number[]; p25: number[]; p50: number[]; p75: number[]; p95: number[] };
}

/** Parameter-neighbourhood stability: the objective at the best cell against its grid
 *  neighbours' (a plateau when they are close to it, a spike when they fall away). */
export interface StabilityStatistics {
  ok: boolean;
  reason?: string;
  best?: number;
  neighbour_mean?: number;
  neighbour_min?: number;
  neighbours?: number;
  /** neighbour_mean / best (for a maximised objective). */
  ratio?: number;
  verdict?: string;
}

/** The overfitting statistics of an optimization (engine optimizationStatistics, the native
 *  CLI's `statistics`): PSR and DSR (Bailey and López de Prado 2012, 2014) of the best trial. */
export interface OptimizationStatistics {
  psr: number;
  dsr: number;
  best_index: number;
  best_sharpe: number;
  /** Expected maximum Sharpe ratio of that many trials under the null (annualised). */
  expected_max_sharpe: number;
  sharpe_variance: number;
  skewness: number;
  kurtosis: number;
  /** Return observations (bars) of the best trial. */
  observations: number;
  /** Successful trials with a finite Sharpe ratio. */
  trials: number;
  bars_per_year: number;
  pbo: PboStatistics;
  monte_carlo: MonteCarloStatistics;
  stability: StabilityStatistics;
}

/** Statistics that could not be computed, and why (e.g. no successful trial). */
export interface StatisticsUnavailable {
  unavailable: string;
}

export interface OptimizationResult {
  objective: string;
  direction: 'max' | 'min';
  total: number;
  completed: number;
  failed: number;
  cancelled: boolean;
  best: TrialRecord | null;
  /** Ranked: completed by objective (best first, undefined last, ties by index), then failed by index. */
  trials: TrialRecord[];
  /** Computed when a run completes (absent on cancelled and interrupted runs). */
  statistics?: OptimizationStatistics | StatisticsUnavailable;
}

/** One window of a walk-forward (engine WalkForwardWindow): bar indexes are half-open
 *  [start, end) into the whole dataset, times UTC ms. */
export interface WalkForwardWindow {
  ok: boolean;
  /** Why the window has no out-of-sample run (e.g. every trial failed). */
  error?: string;
  is_start: number;
  is_end: number;
  oos_start: number;
  oos_end: number;
  is_start_time: number;
  is_end_time: number;
  oos_start_time: number;
  oos_end_time: number;
  best_index: number;
  /** The best in-sample parameters, traded out of sample. */
  params: Record<string, number>;
  in_sample: Metrics;
  out_of_sample: Metrics;
  /** OOS CAGR / IS CAGR of the window (null when IS CAGR ≤ 0). */
  efficiency: number | null;
  trials_completed: number;
  trials_failed: number;
}

/** The spread of one parameter's chosen values across the windows. */
export interface ParameterStability {
  name: string;
  values: number[];
  distinct: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  /** Share of windows that chose the most common value. */
  mode_share: number;
}

export interface WalkForwardResult {
  windows: WalkForwardWindow[];
  /** Metrics of the stitched out-of-sample equity and trades. */
  out_of_sample: Metrics;
  /** Walk-forward efficiency (Pardo 2008): stitched OOS CAGR / mean IS CAGR; null when undefined. */
  efficiency: number | null;
  mean_in_sample_cagr_pct: number | null;
  stability: ParameterStability[];
  /** Out-of-sample trades, money scaled as the stitched equity. */
  trades: Trade[];
  /** The stitched out-of-sample equity, one value per OOS bar, and its bar times (UTC ms). */
  equity_curve: Float64Array;
  equity_time: Float64Array;
  /** Statistics of the stitched out-of-sample curve (absent in runs saved by older versions). */
  statistics?: WalkForwardStatistics;
  cancelled: boolean;
}

/** The engine's statistics of a walk-forward's stitched out-of-sample run: PSR of its per-bar
 *  returns (Bailey & López de Prado 2012; no DSR, nothing was selected on those bars) and a
 *  Monte Carlo of its trades. */
export interface WalkForwardStatistics {
  observations: number;
  sharpe_per_bar: number | null;
  skewness: number | null;
  kurtosis: number | null;
  psr: number | null;
  monte_carlo: MonteCarloStatistics;
}

export interface WalkForwardStatus {
  id: string;
  status: RunStatus;
  /** Windows finished; the window running is this one (0-based) while Running. */
  completedWindows: number;
  totalWindows: number;
  /** Trials finished in the window running, of `combinations`. */
  windowTrials: number;
  combinations: number;
  cancelRequested: boolean;
  /** When the run started and ended (UTC ms; null before): its duration is the difference. */
  startedAt?: number | null;
  finishedAt?: number | null;
  errorMessage?: string;
  errorStackTrace?: string;
  result?: WalkForwardResult;
}

export interface BacktestStatus {
  id: string;
  status: RunStatus;
  processedBars: number;
  totalBars: number;
  cancelRequested: boolean;
  /** When the run started and ended (UTC ms; null before): its duration is the difference. */
  startedAt?: number | null;
  finishedAt?: number | null;
  errorMessage?: string;
  errorStackTrace?: string;
  result?: BacktestResult;
}

export interface OptimizationStatus {
  id: string;
  status: RunStatus;
  completedCombinations: number;
  failedCombinations: number;
  totalCombinations: number;
  cancelRequested: boolean;
  /** When the run started and ended (UTC ms; null before): its duration is the difference. */
  startedAt?: number | null;
  finishedAt?: number | null;
  errorMessage?: string;
  errorStackTrace?: string;
  result?: OptimizationResult;
}

export interface CancelAnswer {
  id: string;
  status: RunStatus;
}

/** A run as the repository keeps it. */
export interface StoredRun {
  id: string;
  kind: RunKind;
  status: RunStatus;
  dataset: string;
  /** The request without test hooks. */
  request: BacktestRequest | OptimizationRequest | WalkForwardRequest;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Backtest: total bars; optimization: total combinations; walk-forward: windows. */
  total: number;
  /** Backtest: bars processed; optimization: completed + failed combinations; walk-forward:
   *  windows finished. */
  processed: number;
  /** Optimization: completed combinations; walk-forward: trials finished in the window running. */
  completed: number;
  failed: number;
  /** Walk-forward: the combinations of each window's optimization. */
  combinations?: number;
  errorMessage?: string;
  errorStackTrace?: string;
  result?: BacktestResult | OptimizationResult | WalkForwardResult;
}

export interface RunFilter {
  kind?: RunKind;
  status?: RunStatus;
  limit?: number;
}

export interface RunSummary {
  id: string;
  kind: RunKind;
  status: RunStatus;
  dataset: string;
  strategy: string;
  createdAt: number;
  /** When the run started (UTC ms; null while Pending). */
  startedAt: number | null;
  finishedAt: number | null;
  total: number;
  processed: number;
  cancelRequested: boolean;
}

export interface LogRecord {
  time: string;
  /** `statistics`: an optimization's statistics were computed (elapsedMs: how long they took). */
  event: 'submitted' | 'started' | 'completed' | 'cancelled' | 'run_failed' | 'trial_failed' | 'worker_replaced' | 'statistics';
  runId: string | null;
  kind: RunKind | null;
  status: RunStatus | null;
  elapsedMs: number | null;
  counts: Record<string, number>;
  message?: string;
}

export interface DatasetInfo {
  name: string;
  bars: number | null;
  source: 'sample' | 'csv' | 'columns';
}

export interface Columns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** Options of the run lookups that can leave the trials out (getOptimizationStatus,
 *  getOptimizationRun): `trials: false` answers the result with its counts, best trial and
 *  statistics but `trials: []` (views page through them with queryTrials instead). */
export interface RunReadOptions {
  trials?: boolean;
}

/** One condition of a trials query: a parameter or metric (by key), compared with a number. */
export interface TrialCondition {
  name: string;
  op: '>' | '>=' | '<' | '<=' | '=' | '!=';
  value: number;
}

/** A page of an optimization's trials, filtered and sorted by SQL (queryTrials). */
export interface TrialQuery {
  /** The objective ranks the trials (rank 1 = best) and is the default order. */
  objective: string;
  direction: 'max' | 'min';
  /** Only trials of this outcome (skipped: refused by the strategy's constraint). */
  outcome?: 'completed' | 'skipped' | 'failed';
  where?: TrialCondition[];
  /** Another order: a parameter ('p:<name>'), a metric ('m:<name>'), 'eq' (final equity),
   *  'status', or 'rank' (the default), ascending (1) or descending (-1); ties by rank. */
  sort?: { key: string; dir: 1 | -1 } | null;
  /** Rows skipped, and at most this many returned (≤ 10,000). */
  offset?: number;
  limit: number;
}

/** A trials page: its rows (each with its rank among the completed trials; null for the
 *  others) and how many trials match the query in all. */
export interface TrialPage {
  rows: Array<TrialRecord & { rank: number | null }>;
  total: number;
}

/** Every trial of an optimization as columns (a heatmap's input), one row per trial in index
 *  order: its combination index, its TrialState (1 completed, 2 failed, 3 skipped) and its
 *  objective's value (NaN: none). */
export interface TrialColumns {
  index: Float64Array;
  state: Uint8Array;
  objective: Float64Array;
}
