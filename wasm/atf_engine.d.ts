// The contract between the Wasm module (wasm/bindings.cpp, embind) and its TypeScript users
// (web/src/engine/*). One single-threaded instance per Web Worker; no pthreads.
// Every entry point returns a value or an error object; no C++ exception ever reaches JS.
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

/** Called by the engine about every 1,024 bars (and at most every ~10 ms of wall time is fine
 *  too): `processedBars` is the running total of this call. Return true to request a cancel. */
export type ProgressCallback = (processedBars: number) => boolean;

export interface AtfEngineModule {
  /** Engine version and schema, e.g. {"version":"0.1.0","schema":"atf/v1"}. */
  version(): string;
  /** JSON array of visible StrategyInfo (name, description, params[{name,type,default,min,max,step,description}]). */
  strategies(): string;
  /** JSON array of {name, higher_is_better, description}. */
  metrics(): string;

  /** Imports CSV text into a dataset held by this instance. Returns JSON Outcome<{dataset, bars,
   *  first_time, last_time, price_decimals, layout:{separator,has_header,time_format,columns}}>. */
  importCsv(text: string, optionsJson: string): string;
  /** Builds a dataset from columns (copied). Returns JSON Outcome<{dataset, bars, ...}> as above. */
  loadBars(time: Float64Array, open: Float64Array, high: Float64Array, low: Float64Array,
           close: Float64Array, volume: Float64Array): string;
  /** Frees a dataset; unknown ids are ignored (cleanup never fails). */
  freeDataset(dataset: number): void;

  /** Validates a backtest request (JSON) against a dataset. Returns JSON Outcome<{total_bars}>. */
  validateBacktest(dataset: number, requestJson: string): string;
  /** Runs a backtest. Returns JSON Outcome<BacktestResult without equity_curve>; the curve of the
   *  last successful run is fetched with takeEquityCurve(). Cancel gives error code "cancelled". */
  runBacktest(dataset: number, requestJson: string, onProgress: ProgressCallback): string;
  /** The equity curve of the last runBacktest/rerunTrial on this instance, copied into a JS array. */
  takeEquityCurve(): Float64Array;

  /** Validates an optimization request. Returns JSON Outcome<{total_combinations}>. */
  validateOptimization(dataset: number, requestJson: string): string;
  /** Runs trials of an optimization, claiming combination indexes from `claim` until it returns
   *  -1 or `onProgress` returns true. `onTrial` receives each finished trial as JSON
   *  {index, params, status:"completed"|"failed", metrics, final_equity, error_message,
   *  error_stack_trace}. Returns JSON Outcome<{completed, failed, cancelled}> for this worker. */
  runTrials(dataset: number, requestJson: string, claim: () => number,
            onTrial: (trialJson: string) => void, onProgress: ProgressCallback): string;
  /** Full report (trades, metrics; curve via takeEquityCurve) of one combination. */
  rerunTrial(dataset: number, requestJson: string, index: number): string;

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
