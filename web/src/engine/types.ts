// Public types of the JS API (DESIGN.md "The JS API"). Status fields are camelCase (the spec's);
// everything inside `result` and the engine request fields keep the engine's snake_case names.

export type RunStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Cancelled';
export type RunKind = 'backtest' | 'optimization';
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
  request: BacktestRequest | OptimizationRequest;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Backtest: total bars; optimization: total combinations. */
  total: number;
  /** Backtest: bars processed; optimization: completed + failed combinations. */
  processed: number;
  completed: number;
  failed: number;
  errorMessage?: string;
  errorStackTrace?: string;
  result?: BacktestResult | OptimizationResult;
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
  event: 'submitted' | 'started' | 'completed' | 'cancelled' | 'run_failed' | 'trial_failed' | 'worker_replaced';
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
