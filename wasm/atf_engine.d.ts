// The contract between the Wasm module (wasm/bindings.cpp, embind) and its TypeScript users
// (web/src/engine/*). One single-threaded instance per Web Worker; no pthreads.
// Every entry point returns a value or an error object; no C++ exception ever reaches JS.
// Callbacks (onProgress, claim, onTrial) are called inside a JS try/catch: if one throws, the call
// stops and answers {code:"internal", message:"<callback> threw: <error>", stack:<its stack>}.
// A runtime error (a strategy that throws) has no `field`; its `stack` says where:
// "strategy(params) at bar N (date)". A text argument that is not a string is a "validation"
// error ("text", "options", "request"); a dataset id is coerced to an int (ids start at 1).
// Only a trap (WebAssembly.RuntimeError, e.g. debugTrap) escapes as an exception.
// The glue is a classic script / CommonJS (MODULARIZE without EXPORT_ES6): it defines
// `var createAtfEngine` and sets module.exports when `module` exists.
// JSON documents use the snake_case schema "atf/v1" of engine/include/atf/json_io.h.

/** A failure crossing the boundary: engine error codes are "validation", "import", "not_found",
 *  "limit", "cancelled", "runtime", "internal"; "trap" is added by JS for a Wasm RuntimeError. */
export interface EngineErrorValue {
  code: string;
  message: string;
  field?: string;
  line?: number;
  column?: number;
  stack?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: EngineErrorValue };

/** `processedBars` is the running total of bars of this call (over all its trials);
 *  `finishedTrials` the running total of optimization trials it finished, completed or failed
 *  (runWalkForward only: every window's trials; 0 for the other calls). Called on the
 *  first 1,024-bar batch, then at most every ~10 ms of wall time (the engine offers it every 1,024
 *  bars), and once more with the final total when a backtest or a group of trials ends. Return
 *  true (any truthy value) to request a cancel: the engine stops at its next 1,024-bar batch. A
 *  trial that fails mid-run stops adding bars, so with failed trials the final total of runTrials
 *  can be below total_combinations × total_bars. */
export type ProgressCallback = (processedBars: number, finishedTrials: number) => boolean;

export interface AtfEngineModule {
  /** Engine version and schema, e.g. {"version":"0.1.0","schema":"atf/v1"}. */
  version(): string;
  /** JSON array of visible StrategyInfo (name, description, params[{name,type,default,min,max,step,description}]). */
  strategies(): string;
  /** JSON array of {name, higher_is_better, description}. */
  metrics(): string;

  /** Imports CSV text into a dataset held by this instance. Returns JSON Outcome<{dataset, bars,
   *  first_time, last_time, price_decimals, layout:{separator,has_header,time_format,columns}}>.
   *  Also in the value: exact_prices, bars_per_year, symbol, rows_read, rows_skipped; `columns` is
   *  the column count, and layout also has time_col, open_col, high_col, low_col, close_col,
   *  volume_col, clock_col (a separate time-of-day column; 0-based, -1 when absent), date_style
   *  ("iso", "yyyymmdd", "ymd", "dmy", "mdy", "month_name"; "" for epoch times) and decimal_mark
   *  ("." or ","). The value also says what the import skipped or reordered: rows_without_prices
   *  (Yahoo's null rows, rows of empty cells), first_line_without_prices (null when none),
   *  newest_first (the rows were reversed into time order) and notices (one sentence each).
   *  optionsJson: "" or {"from"?, "to"?, "symbol"?, "date_order"?, "list_errors"?}, where from/to
   *  are UTC ms or dates ("2001-01-31", inclusive: a bare `to` date means its whole day),
   *  date_order is "dmy" | "mdy" | "ymd" (dates whose year comes last are refused until stated),
   *  and list_errors: N makes a refused file's error carry `errors` (its first N bad lines, each
   *  {line, column, field, message}) and `error_count` (all of them).
   *  Errors: code "import" with line, column (1-based) and field (the column name). */
  importCsv(text: string, optionsJson: string): string;
  /** Builds a dataset from columns (copied; the caller keeps its arrays; plain number arrays work
   *  too). Returns JSON Outcome<{dataset, bars, ...}> as above without layout/rows_*. `time` holds
   *  whole UTC ms. Errors: "validation" with field "data" (lengths, order, prices) or "time". */
  loadBars(time: Float64Array, open: Float64Array, high: Float64Array, low: Float64Array,
           close: Float64Array, volume: Float64Array): string;
  /** Frees a dataset; unknown ids are ignored (cleanup never fails). Ids are never reused, so a
   *  freed or foreign id is always "not_found" (field "dataset") afterwards. */
  freeDataset(dataset: number): void;

  /** Compiles a Pine Script strategy or indicator (for editors). Returns JSON Outcome<{ok,
   *  diagnostics: [{severity, message, line, column}], hash, inputs: [{name, title, kind, default,
   *  min, max, step, options, tooltip, group, line}], settings: {kind, title, overlay,
   *  initial_capital, ...}}>; a script that does not compile is ok: false with one diagnostic at
   *  its line:column (the outcome itself is still ok). */
  compileScript(source: string): string;

  /** Validates a backtest request (JSON) against a dataset. Returns JSON Outcome<{total_bars}>.
   *  A request names a built-in `strategy` with `params` (and `indicator_plots: true` to get its
   *  indicators as `plots`), or a Pine `script` (source text) with `inputs` ({name or title:
   *  number | boolean | string}); either may give `trade_from` (UTC ms or a date: no order before
   *  it, earlier bars warm up). The keys of a script request's `broker` object override the
   *  script's strategy() settings. Script results add `script_hash` and `plots` [{title, color,
   *  overlay, values}]. A script that does not compile is a "validation" error with field "script",
   *  line and column. Optimization axes range over a script's numeric inputs. */
  validateBacktest(dataset: number, requestJson: string): string;
  /** Runs a backtest. Returns JSON Outcome<BacktestResult without equity_curve>; the curve of the
   *  last successful run is fetched with takeEquityCurve(). Cancel gives error code "cancelled". */
  runBacktest(dataset: number, requestJson: string, onProgress: ProgressCallback): string;
  /** The equity curve of the last runBacktest/rerunTrial on this instance, copied into a new
   *  JS-owned array; the C++ copy is freed, so a second call returns an empty array. Each
   *  runBacktest/rerunTrial discards the previous curve first: after a failed run it is empty. */
  takeEquityCurve(): Float64Array;

  /** Validates an optimization request. Returns JSON Outcome<{total_combinations, total_bars,
   *  search, planned, sample?}> (total_bars: bars of one trial; total_combinations: the grid;
   *  search: "grid" | "random:N" | "genetic:…" as the request's "search" reads back; planned: the
   *  evaluations it plans; sample: a random search's grid indexes, ascending, the native
   *  optimizer's for the request's "seed"). */
  validateOptimization(dataset: number, requestJson: string): string;
  /** Runs trials of an optimization, claiming combination indexes from `claim` until it returns
   *  -1 or `onProgress` returns true. `onTrial` receives each finished trial as JSON
   *  {index, params, status:"completed"|"failed", metrics, final_equity, error_message,
   *  error_stack_trace}. Returns JSON Outcome<{completed, failed, cancelled}> for this worker.
   *  Trials run in groups (advanced together over the bars, as the native optimizer does, ~1.4x
   *  faster): claim() is called up to G = clamp(total / (4 × request.threads), 1, 8) times, the
   *  group runs, then onTrial is called for each of its trials in claim order. Set
   *  request.threads to the number of workers sharing the counter (threads ≥ total/4 gives groups
   *  of one). A cancel seen mid-group cuts the whole group: its claimed combinations are neither
   *  completed nor failed, and onTrial is not called for them; cancel is also checked before
   *  claiming. claim() answers -1, NaN or ≥ total mean "no more"; a fraction or a non-number is a
   *  "validation" error with field "claim". */
  runTrials(dataset: number, requestJson: string, claim: () => number,
            onTrial: (trialJson: string) => void, onProgress: ProgressCallback): string;
  /** Full report (trades, metrics; curve via takeEquityCurve) of one combination. A bad index is
   *  "validation" with field "index". */
  rerunTrial(dataset: number, requestJson: string, index: number): string;

  /** The overfitting statistics of an optimization whose trials ran elsewhere: `trialsJson` is a
   *  JSON array of runTrials' trials (with block_sums when the request set statistics_blocks,
   *  e.g. 16, for PBO). `blockSums`, when not null, carries the block sums instead: 2·S numbers
   *  per trial of `trialsJson`, in its order (failed trials' rows ignored); a wrong length is a
   *  validation error on field "blockSums". Ranks the trials as the native optimizer does and
   *  re-runs the best. Returns JSON Outcome<{psr, dsr, expected_max_sharpe, trials, observations,
   *  pbo: {ok, pbo, ...} | {ok: false, reason}, monte_carlo: {...}, stability: {...}}>. */
  optimizationStatistics(dataset: number, requestJson: string, trialsJson: string, blockSums: Float64Array | null,
                         mcPaths: number, seed: number): string;
  /** The next generation of a genetic search run generation by generation on the page's workers
   *  (a replay over the fitness known, so the evaluations equal the native optimizer's for the
   *  seed). `indexes`/`objective`: the trials evaluated so far (objective NaN for a failed one).
   *  Returns JSON Outcome<{batch: number[] (empty: done), generation, evaluations, planned}>;
   *  a non-genetic search is a validation error on "search". */
  geneticNextBatch(dataset: number, requestJson: string, indexes: Float64Array, objective: Float64Array): string;
  /** Validates a walk-forward request (an optimization request plus "walk_forward") and counts
   *  its windows. Returns JSON Outcome<{total_combinations (per window), total_bars, windows}>.
   *  Errors: those of validateOptimization; "validation" naming "walk_forward",
   *  "walk_forward.in_sample" (…out_of_sample, …step, …anchored) for a bad setting, or
   *  "in_sample" / "out_of_sample" / "step" when no window fits the data; "limit" above 1,000
   *  windows. */
  validateWalkForward(dataset: number, requestJson: string): string;
  /** A walk-forward run: requestJson is an optimization request plus "walk_forward":
   *  {in_sample: "3y" | bars, out_of_sample, step?, anchored?}. onProgress counts every trial's
   *  bars and the trials finished (return true to cancel); onWindow({k, n, trials}) as window k
   *  of n starts (k = n at the end), `trials` being those finished before it, so that the trials
   *  of the running window are onProgress's count minus it.
   *  Returns JSON Outcome<{windows, out_of_sample, efficiency, stability, statistics: {psr,
   *  observations, sharpe_per_bar, skewness, kurtosis, monte_carlo}, equity, trades, cancelled}>
   *  (statistics of the stitched out-of-sample curve and trades). */
  runWalkForward(dataset: number, requestJson: string, onProgress: ProgressCallback,
                 onWindow: (w: { k: number; n: number; trials: number }) => void): string;

  /** Test hook: executes an unreachable instruction (a real Wasm trap) so that worker replacement
   *  can be tested against the real module. */
  debugTrap(): void;
}

/** The Emscripten factory (MODULARIZE, EXPORT_NAME=createAtfEngine). */
export default function createAtfEngine(moduleOverrides?: {
  wasmBinary?: ArrayBuffer | Uint8Array;
  instantiateWasm?: (imports: WebAssembly.Imports,
                     receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => unknown;
  locateFile?: (path: string, prefix: string) => string;
}): Promise<AtfEngineModule>;
