// The worker side of the protocol: one single-threaded engine instance per worker, instantiated
// from the page's precompiled WebAssembly.Module. The class is abstract over post() and the way
// the Emscripten glue is imported, so the same dispatcher can be driven outside a Web Worker.
import type { AtfEngineModule, EngineErrorValue, Outcome } from '../../../wasm/atf_engine';
import { rangedKey, rangeIndexes, rangeOf, type DateRange } from './date-range';
import { EngineError, serializeError, type SerializedError } from './errors';
import { ProgressBoard } from './progress-board';
import {
  assertNever,
  PROGRESS_MESSAGE_INTERVAL_MS,
  type BacktestReply,
  type DatasetRef,
  type GeneticNextData,
  type GeneticNextReply,
  type InitData,
  type Reply,
  type RequestEnvelope,
  type RunBacktestData,
  type RunTrialsData,
  type RunWalkForwardData,
  type StatisticsColumns,
  type StatisticsData,
  type StatisticsReply,
  type TrialsReply,
  type ValidateReply,
  type WalkForwardReply,
  type WorkerMemory,
  type WorkerMessage,
} from './protocol';
import { reviveMetric } from './run-utils';
import type { BacktestResult, OptimizationStatistics, RunKind, ScriptCheck, TrialRecord, WalkForwardResult } from './types';

/** Bad lines of a refused CSV listed in its error message (the rest are counted). */
const LISTED_BAD_LINES = 20;

/** The importer's error, with every bad line it listed (the first LISTED_BAD_LINES and a count). */
function importErrorText(e: EngineErrorValue & { errors?: Array<{ message: string }>; error_count?: number }): string {
  const listed = e.errors ?? [];
  const count = e.error_count ?? listed.length;
  if (count <= 1) return e.message;
  const more = count > listed.length ? `\n… and ${count - listed.length} more` : '';
  return `${count} bad lines:\n${listed.map((x) => x.message).join('\n')}${more}`;
}

/** The Emscripten factory's shape (MODULARIZE, EXPORT_NAME=createAtfEngine). */
export type EngineFactory = (overrides: {
  instantiateWasm: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => unknown;
}) => Promise<AtfEngineModule>;

function parseOutcome<T>(json: string): Outcome<T> {
  // Metrics come as "Infinity" where a ratio's denominator is zero for a good reason.
  const parsed: Outcome<T> = JSON.parse(json, reviveMetric);
  return parsed;
}

/** A metric value as the engine's JSON reads it: NaN (no value) is null, ±∞ a string. */
function metricText(v: number): string {
  if (Number.isNaN(v)) return 'null';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return JSON.stringify(v);
}

/** The statistics' columns as the engine's trials JSON ([{index, status, metrics: {sharpe,
 *  <objective>}}]), written row by row (no million intermediate objects). The block sums go
 *  beside it as one Float64Array (optimizationStatistics' blockSums), not as JSON text. */
export function statisticsJson(c: StatisticsColumns, objective: string): string {
  const parts: string[] = [];
  const key = JSON.stringify(objective);
  for (let i = 0; i < c.index.length; i++) {
    const done = c.completed[i] === 1;
    let row = `{"index":${c.index[i]},"status":"${done ? 'completed' : 'failed'}","metrics":`;
    row += done ? `{"sharpe":${metricText(c.sharpe[i] ?? NaN)}${objective === 'sharpe' ? '' : `,${key}:${metricText(c.objective[i] ?? NaN)}`}}` : 'null';
    parts.push(`${row}}`);
  }
  return `[${parts.join(',')}]`;
}

/** The engine's answer when its Wasm heap (2 GB at most) cannot grow any further. */
function outOfMemory(e: EngineErrorValue): boolean {
  return e.code === 'limit' && /out of memory/i.test(e.message);
}

/** What the engine keeps per bar of a dataset: six 8-byte columns plus three tick columns. */
const DATASET_BYTES_PER_BAR = 72;
/** Datasets one worker keeps at most (of its 2 GB heap), the rest is for runs. */
const DATASET_BUDGET_BYTES = 768 * 1048576;

function fromEngineError(e: EngineErrorValue): SerializedError {
  const out: SerializedError = { name: 'EngineError', message: e.message, code: e.code };
  if (e.stack) out.stack = e.stack;
  if (e.field) out.field = e.field;
  if (e.line) out.line = e.line;
  if (e.column) out.column = e.column;
  return out;
}

/** Remembers the first exception thrown by an engine callback (then rethrows it). */
class CallbackGuard {
  thrown: unknown = undefined;

  wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      try {
        return fn(...args);
      } catch (e) {
        if (this.thrown === undefined) this.thrown = e;
        throw e;
      }
    };
  }
}

export abstract class EngineDispatcher {
  private engine: AtfEngineModule | null = null;
  private board: ProgressBoard | null = null;
  /** Imported datasets by key, least recently used first, with their approximate bytes. */
  private readonly datasets = new Map<string, number>();
  private readonly datasetBytes = new Map<string, number>();
  /** What each dataset's import noticed (rows without prices skipped, newest-first reversed). */
  private readonly datasetNotices = new Map<string, string[]>();
  private memory: WebAssembly.Memory | null = null;
  private workerId = -1;
  private readonly sleepCell: Int32Array | null =
    typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true
      ? new Int32Array(new SharedArrayBuffer(4))
      : null;

  /** Sends a message to the page. */
  protected abstract post(message: WorkerMessage, transfer?: Transferable[]): void;
  /** Loads the Emscripten glue and returns its factory. */
  protected abstract importFactory(glueUrl: string): Promise<EngineFactory>;

  /** Handles one request; never throws (errors become error replies). */
  async handle(envelope: RequestEnvelope): Promise<void> {
    try {
      const [reply, transfer] = await this.execute(envelope);
      this.post({ kind: 'reply', requestId: envelope.messageId, ok: true, reply, heapBytes: this.heapBytes() }, transfer);
    } catch (e) {
      const code = e instanceof EngineError ? e.code : 'internal';
      this.post({ kind: 'reply', requestId: envelope.messageId, ok: false, error: serializeError(e, code), heapBytes: this.heapBytes() });
    }
  }

  /** Bytes of the instance's Wasm memory (it grows on demand up to 2 GB and never shrinks). */
  private heapBytes(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  private async execute(req: RequestEnvelope): Promise<[Reply, Transferable[]]> {
    switch (req.type) {
      case 'init':
        return [{ type: 'init', data: await this.init(req.data) }, []];
      case 'info': {
        const e = this.require();
        return [
          { type: 'info', data: { version: e.version(), strategies: JSON.parse(e.strategies()), metrics: JSON.parse(e.metrics()) } },
          [],
        ];
      }
      case 'validate':
        return [{ type: 'validate', data: await this.validate(req.data.kind, req.data.dataset, req.data.requestJson) }, []];
      case 'compileScript': {
        const out = parseOutcome<ScriptCheck>(this.require().compileScript(req.data.source));
        if (!out.ok) throw new EngineError(out.error.message, out.error.code);
        return [{ type: 'compileScript', data: out.value }, []];
      }
      case 'runBacktest': {
        const data = await this.runBacktest(req.data);
        return [{ type: 'runBacktest', data }, data.outcome === 'completed' ? [data.equityCurve.buffer] : []];
      }
      case 'runTrials':
        return [{ type: 'runTrials', data: await this.runTrials(req.data) }, []];
      case 'statistics':
        return [{ type: 'statistics', data: await this.statistics(req.data) }, []];
      case 'geneticNext':
        return [{ type: 'geneticNext', data: await this.geneticNext(req.data) }, []];
      case 'runWalkForward': {
        const data = await this.runWalkForward(req.data);
        return [{ type: 'runWalkForward', data }, data.outcome === 'completed' ? [data.equityTime.buffer, data.equityCurve.buffer] : []];
      }
      case 'dropDataset': {
        const id = this.datasets.get(req.data.key);
        if (id !== undefined) this.require().freeDataset(id);
        this.datasets.delete(req.data.key);
        this.datasetBytes.delete(req.data.key);
        this.datasetNotices.delete(req.data.key);
        return [{ type: 'dropDataset', data: null }, []];
      }
      case 'debugTrap':
        this.require().debugTrap();
        return [{ type: 'debugTrap', data: null }, []];
      case 'memory': {
        const data: WorkerMemory = { heapBytes: this.heapBytes(), datasets: this.datasets.size };
        return [{ type: 'memory', data }, []];
      }
      default:
        return assertNever(req);
    }
  }

  private async init(d: InitData): Promise<{ version: string }> {
    this.workerId = d.workerId;
    this.board = d.board ? new ProgressBoard(d.board, d.boardEpoch) : null;
    const factory = await this.importFactory(d.glueUrl);
    // The module was compiled once by the page; each worker only instantiates it.
    this.engine = await factory({
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(d.module, imports).then(
          (instance) => {
            this.memory = Object.values(instance.exports).find((x): x is WebAssembly.Memory => x instanceof WebAssembly.Memory) ?? null;
            receive(instance, d.module);
          },
          (e: unknown) => this.post({ kind: 'log', level: 'error', message: `instantiate failed: ${String(e)}` }),
        );
        return {};
      },
    });
    const version: { version: string } = JSON.parse(this.engine.version());
    return { version: version.version };
  }

  private require(): AtfEngineModule {
    if (!this.engine) throw new EngineError(`worker ${this.workerId}: engine not initialised`, 'internal');
    return this.engine;
  }

  /** The range a request's JSON states (its `from`/`to`), null for all the bars. */
  private static rangeOfRequest(requestJson: string): DateRange | null {
    const req: unknown = JSON.parse(requestJson);
    return req && typeof req === 'object' ? rangeOf(req as Record<string, unknown>) : null;
  }

  /** The engine's dataset for a ref seen through a range (all its bars without one): a ranged
   *  dataset is a dataset of its own, imported with the range. */
  private async dataset(base: DatasetRef, range: DateRange | null = null): Promise<number> {
    const ref: DatasetRef = { ...base, key: rangedKey(base.key, range) };
    const have = this.datasets.get(ref.key);
    if (have !== undefined) {
      this.datasets.delete(ref.key);  // most recently used last
      this.datasets.set(ref.key, have);
      return have;
    }
    const engine = this.require();
    const src = ref.source;
    if (!src) throw new EngineError(`dataset "${ref.key}" is not loaded in this worker`, 'internal');
    let json: string;
    let load: () => string;
    try {
      if (src.kind === 'csv') {
        const text = await src.blob.text();
        // The importer keeps only the rows in the range (its from/to options, UTC ms, inclusive).
        const options = {
          symbol: src.symbol,
          list_errors: LISTED_BAD_LINES,
          ...(src.dateOrder ? { date_order: src.dateOrder } : {}),
          ...(range?.from !== undefined ? { from: range.from } : {}),
          ...(range?.to !== undefined ? { to: range.to } : {}),
        };
        load = () => engine.importCsv(text, JSON.stringify(options));
      } else {
        const buf = await src.blob.arrayBuffer();
        // Columns seen through a range are sliced here (views: nothing is copied until loadBars).
        const [start, end] = rangeIndexes(new Float64Array(buf, 0, src.bars), range);
        const col = (i: number) => new Float64Array(buf, (i * src.bars + start) * 8, end - start);
        load = () => engine.loadBars(col(0), col(1), col(2), col(3), col(4), col(5));
      }
    } catch (e) {
      // The browser could not hand the bytes to this worker (e.g. a Blob above its size limit).
      const size = `${Math.round(src.blob.size / 1048576)} MB`;
      throw new EngineError(
        `dataset "${ref.key}" (${size}) could not be loaded into the engine: the browser could not read it (${e instanceof Error ? e.message : String(e)}); ` +
          'a dataset this large can exceed what the browser holds in memory for one file: use fewer bars',
        'import',
      );
    }
    // Keep the datasets held within a budget (least recently used go first), so that what they
    // take plus a run's own memory stays under the 2 GB heap; dropped ones are imported again if
    // needed (the page sends the source with every request).
    const estimate = src.kind === 'columns' ? src.bars * DATASET_BYTES_PER_BAR : src.blob.size * 3;
    this.evict(DATASET_BUDGET_BYTES - estimate);
    json = load();
    let out = parseOutcome<{ dataset: number; bars: number; notices?: string[] }>(json);
    // The heap is full: drop the other datasets this worker keeps (they are imported again when
    // needed) and try once more.
    if (!out.ok && outOfMemory(out.error) && this.datasets.size > 0) {
      this.dropAll();
      out = parseOutcome<{ dataset: number; bars: number; notices?: string[] }>(load());
    }
    if (!out.ok) {
      // The importer's messages mostly start with "line N, column C"; add the place only if not.
      const where =
        out.error.line && !out.error.message.startsWith('line ') ? ` (line ${out.error.line}${out.error.column ? `, column ${out.error.column}` : ''})` : '';
      throw new EngineError(`dataset "${ref.key}": ${importErrorText(out.error)}${where}`, out.error.code);
    }
    if (out.value.notices?.length) this.datasetNotices.set(ref.key, out.value.notices);
    else this.datasetNotices.delete(ref.key);
    this.datasets.set(ref.key, out.value.dataset);
    this.datasetBytes.set(ref.key, out.value.bars * DATASET_BYTES_PER_BAR);
    return out.value.dataset;
  }

  private dropAll(): void {
    this.evict(-1);
  }

  /** Frees least recently used datasets until those held take at most `keepBytes`. */
  private evict(keepBytes: number): void {
    const engine = this.require();
    let held = 0;
    for (const b of this.datasetBytes.values()) held += b;
    for (const [key, id] of this.datasets) {
      if (held <= keepBytes && keepBytes >= 0) break;
      engine.freeDataset(id);
      this.datasets.delete(key);
      held -= this.datasetBytes.get(key) ?? 0;
      this.datasetBytes.delete(key);
    }
  }

  private async validate(kind: RunKind, ref: DatasetRef, requestJson: string): Promise<ValidateReply> {
    let ds: number;
    try {
      ds = await this.dataset(ref, EngineDispatcher.rangeOfRequest(requestJson));
    } catch (e) {
      return { ok: false, error: { ...serializeError(e, e instanceof EngineError ? e.code : 'import'), field: 'dataset' } };
    }
    const engine = this.require();
    if (kind === 'backtest') {
      const out = parseOutcome<{ total_bars: number }>(engine.validateBacktest(ds, requestJson));
      const notices = this.datasetNotices.get(rangedKey(ref.key, EngineDispatcher.rangeOfRequest(requestJson)));
      return out.ok
        ? { ok: true, total: out.value.total_bars, bars: out.value.total_bars, ...(notices ? { notices } : {}) }
        : { ok: false, error: fromEngineError(out.error) };
    }
    if (kind === 'walkforward') {
      const wf = parseOutcome<{ total_combinations: number; windows: number }>(engine.validateWalkForward(ds, requestJson));
      if (!wf.ok) return { ok: false, error: fromEngineError(wf.error) };
      // Each window evaluates what the search plans (a random or genetic search: fewer than the
      // grid); the whole walk runs on one worker, so any search method works inside it.
      const plan = parseOutcome<{ planned: number }>(engine.validateOptimization(ds, requestJson));
      return { ok: true, total: wf.value.windows, bars: 0, combinations: plan.ok ? plan.value.planned : wf.value.total_combinations };
    }
    const out = parseOutcome<{ total_combinations: number; search: string; planned: number; sample?: number[] }>(engine.validateOptimization(ds, requestJson));
    if (!out.ok) return { ok: false, error: fromEngineError(out.error) };
    const v = out.value;
    // A genetic search's generations are planned as it runs (geneticNext), each shared out to the
    // workers as a random search's list is; its total is the budget (population × generations).
    if (v.search.startsWith('genetic')) return { ok: true, total: v.planned, bars: 0, sample: [], genetic: true };
    return v.sample ? { ok: true, total: v.sample.length, bars: 0, sample: v.sample } : { ok: true, total: v.total_combinations, bars: 0 };
  }

  /** A walk-forward on this worker, with progress at two levels: the window running (onWindow)
   *  and the trials finished in it (onProgress's trial count minus the count at the window's
   *  start). Shared memory: written to the board, the cancel flag read back; fallback: 'window'
   *  events (throttled, and at every window's start). */
  private async runWalkForward(d: RunWalkForwardData): Promise<WalkForwardReply> {
    let ds: number;
    try {
      // The request's date range, as for backtests and trials: a walk over the bars the user chose.
      ds = await this.dataset(d.dataset, EngineDispatcher.rangeOfRequest(d.requestJson));
    } catch (e) {
      return { outcome: 'failed', error: serializeError(e, e instanceof EngineError ? e.code : 'import') };
    }
    const engine = this.require();
    const board = this.board;
    const delay = d.debug?.delayMsPerProgress ?? 0;
    const trapAt = d.debug?.trapAtBar ?? -1;
    const guard = new CallbackGuard();
    let window = 0;
    let windows = 0;
    let trialsBefore = 0;
    let lastPost = 0;
    const report = (windowTrials: number, force: boolean): void => {
      if (board) {
        board.store(d.slot, 'Processed', window);
        board.store(d.slot, 'Completed', windowTrials);
        board.beat(d.slot);
        return;
      }
      const now = performance.now();
      if (!force && now - lastPost < PROGRESS_MESSAGE_INTERVAL_MS) return;
      lastPost = now;
      this.post({ kind: 'window', runId: d.runId, window, windows, windowTrials });
    };
    const onWindow = guard.wrap((w: { k: number; n: number; trials: number }): void => {
      window = w.k;
      windows = w.n;
      trialsBefore = w.trials;
      report(0, true);
    });
    const onProgress = guard.wrap((bars: number, trials: number): boolean => {
      this.sleep(delay);
      if (trapAt >= 0 && bars >= trapAt) engine.debugTrap();
      report(trials - trialsBefore, false);
      return board ? board.load(d.slot, 'Cancel') !== 0 : false;
    });
    let json: string;
    const t0 = performance.now();
    try {
      json = engine.runWalkForward(ds, d.requestJson, onProgress, onWindow);
    } catch (e) {
      return { outcome: 'failed', error: serializeError(guard.thrown ?? e, 'runtime') };
    }
    if (guard.thrown !== undefined) return { outcome: 'failed', error: serializeError(guard.thrown, 'runtime') };
    type EngineWalk = Omit<WalkForwardResult, 'equity_curve' | 'equity_time'> & { equity: Array<[number, number]> };
    const out = parseOutcome<EngineWalk>(json);
    if (!out.ok) return { outcome: 'failed', error: fromEngineError(out.error) };
    if (out.value.cancelled) return { outcome: 'cancelled' };
    const { equity, trades, ...result } = out.value;
    const equityTime = new Float64Array(equity.length);
    const equityCurve = new Float64Array(equity.length);
    equity.forEach(([t, v], i) => {
      equityTime[i] = t;
      equityCurve[i] = v;
    });
    return { outcome: 'completed', result, tradesJson: JSON.stringify(trades), equityTime, equityCurve, engineMs: performance.now() - t0 };
  }

  /** The statistics of an optimization's trials (engine optimizationStatistics): the engine ranks
   *  them, re-runs the best for its returns and trades, and resamples those. */
  private async statistics(d: StatisticsData): Promise<StatisticsReply> {
    let ds: number;
    try {
      ds = await this.dataset(d.dataset, EngineDispatcher.rangeOfRequest(d.requestJson));  // the bars the trials ran on
    } catch (e) {
      return { ok: false, error: serializeError(e, e instanceof EngineError ? e.code : 'import') };
    }
    // The block sums go as one Float64Array beside the JSON (PBO's bulk: parsing them as JSON
    // text cost ~0.9 s for 15,000 trials in Wasm), only when every completed trial has them.
    // (±Infinity in metrics is written "Infinity", as the engine reads it.)
    const t0 = performance.now();
    const trialsJson = statisticsJson(d.trials, d.objective);
    const blockSums = d.trials.blockSums;  // `blocks` (2·S) per row, every row; null: no PBO
    const t1 = performance.now();
    const out = parseOutcome<OptimizationStatistics>(
      this.require().optimizationStatistics(ds, d.requestJson, trialsJson, blockSums, d.mcPaths, d.seed),
    );
    const engineMs = performance.now() - t1;
    return out.ok ? { ok: true, value: out.value, engineMs, jsonMs: t1 - t0 } : { ok: false, error: fromEngineError(out.error) };
  }

  /** The next generation of a genetic search from the trials evaluated so far. */
  private async geneticNext(d: GeneticNextData): Promise<GeneticNextReply> {
    let ds: number;
    try {
      ds = await this.dataset(d.dataset, EngineDispatcher.rangeOfRequest(d.requestJson));
    } catch (e) {
      return { ok: false, error: serializeError(e, e instanceof EngineError ? e.code : 'import') };
    }
    const out = parseOutcome<{ batch: number[]; generation: number; evaluations: number; planned: number }>(
      this.require().geneticNextBatch(ds, d.requestJson, d.indexes, d.objective),
    );
    return out.ok ? { ok: true, value: out.value } : { ok: false, error: fromEngineError(out.error) };
  }

  /** Busy-waits (test hook): Atomics.wait where shared memory exists, else a spin. */
  private sleep(ms: number): void {
    if (ms <= 0) return;
    if (this.sleepCell) {
      Atomics.wait(this.sleepCell, 0, 0, ms);
      return;
    }
    const end = performance.now() + ms;
    while (performance.now() < end) {
      /* spin: no shared memory to wait on */
    }
  }

  private async runBacktest(d: RunBacktestData): Promise<BacktestReply> {
    let ds: number;
    try {
      ds = await this.dataset(d.dataset, EngineDispatcher.rangeOfRequest(d.requestJson));
    } catch (e) {
      return { outcome: 'failed', error: serializeError(e, e instanceof EngineError ? e.code : 'import') };
    }
    const engine = this.require();
    const board = this.board;
    const delay = d.debug?.delayMsPerProgress ?? 0;
    const trapAt = d.debug?.trapAtBar ?? -1;
    let lastPost = 0;
    let processed = 0;
    const guard = new CallbackGuard();
    const onProgress = guard.wrap((bars: number): boolean => {
      processed = bars;
      this.sleep(delay);
      if (trapAt >= 0 && bars >= trapAt) engine.debugTrap();
      if (board) {
        board.raise(d.slot, 'Processed', bars);
        board.beat(d.slot);
        return board.load(d.slot, 'Cancel') !== 0;
      }
      const now = performance.now();
      if (now - lastPost >= PROGRESS_MESSAGE_INTERVAL_MS) {
        lastPost = now;
        this.post({ kind: 'progress', runId: d.runId, processed: bars });
      }
      return false;
    });
    let json: string;
    const t0 = performance.now();
    try {
      json = engine.runBacktest(ds, d.requestJson, onProgress);
    } catch (e) {
      return { outcome: 'failed', error: serializeError(guard.thrown ?? e, 'runtime') };
    }
    // The module catches a throwing callback and answers an error; report the callback's own
    // exception (a trap stays a trap, with its Wasm stack).
    if (guard.thrown !== undefined) return { outcome: 'failed', error: serializeError(guard.thrown, 'runtime') };
    const out = parseOutcome<Omit<BacktestResult, 'equity_curve'>>(json);
    if (!out.ok) {
      if (out.error.code === 'cancelled') return { outcome: 'cancelled', processed };
      return { outcome: 'failed', error: fromEngineError(out.error) };
    }
    const engineMs = performance.now() - t0;
    const equityCurve = engine.takeEquityCurve();
    const { trades, ...result } = out.value;
    return { outcome: 'completed', result, tradesJson: JSON.stringify(trades), equityCurve, processed, engineMs };
  }

  private async runTrials(d: RunTrialsData): Promise<TrialsReply> {
    let ds: number;
    try {
      ds = await this.dataset(d.dataset, EngineDispatcher.rangeOfRequest(d.requestJson));
    } catch (e) {
      return { outcome: 'failed', error: serializeError(e, e instanceof EngineError ? e.code : 'import'), unfinished: [] };
    }
    const engine = this.require();
    const board = this.board;
    const claim = d.claim;
    const delay = d.debug?.delayMsPerProgress ?? 0;
    const trapAt = d.debug?.trapAtTrial ?? -1;
    const guard = new CallbackGuard();
    let next = claim.mode === 'range' ? claim.start : 0;
    const list = claim.mode === 'list' ? [...claim.indices] : [];
    let current = -1;
    let inClaim = false;
    const claimed: number[] = [];
    const reported = new Set<number>();
    let batch: TrialRecord[] = [];
    let lastFlush = performance.now();
    const flush = (): void => {
      if (batch.length === 0) return;
      this.post({ kind: 'trials', runId: d.runId, trials: batch, sharedCounted: board !== null });
      batch = [];
      lastFlush = performance.now();
    };
    const take = (): number => {
      if (board && board.load(d.slot, 'Cancel') !== 0) return -1;
      switch (claim.mode) {
        case 'shared': {
          if (!board) return -1;
          const index = board.add(d.slot, 'NextIndex', 1);
          return index < d.total ? index : -1;
        }
        case 'range':
          return next < claim.end ? next++ : -1;
        case 'list':
          return list.shift() ?? -1;
        default:
          return assertNever(claim);
      }
    };
    const claimNext = guard.wrap((): number => {
      const index = take();
      if (index < 0) return -1;
      current = index;
      claimed.push(index);
      inClaim = true;
      if (index === trapAt) engine.debugTrap();
      inClaim = false;
      return index;
    });
    const onTrial = guard.wrap((trialJson: string): void => {
      const parsed: TrialRecord & { block_sums?: number[] | Float64Array } = JSON.parse(trialJson, reviveMetric);
      // Block sums travel as a typed array: 256 bytes for 16 blocks rather than 32 boxed numbers.
      const trial: TrialRecord = parsed.block_sums ? { ...parsed, block_sums: Float64Array.from(parsed.block_sums) } : parsed;
      reported.add(trial.index);
      if (board) {
        board.add(d.slot, trial.status === 'completed' ? 'Completed' : 'Failed', 1);
        board.add(d.slot, 'Processed', 1);
        board.beat(d.slot);
      }
      batch.push(trial);
      if (performance.now() - lastFlush >= PROGRESS_MESSAGE_INTERVAL_MS) flush();
    });
    const onProgress = guard.wrap((): boolean => {
      this.sleep(delay);
      // Trials of the last group that the interval held back go out while the next group runs
      // (not only at its end), so the page and storage are never a whole group behind.
      if (batch.length > 0 && performance.now() - lastFlush >= PROGRESS_MESSAGE_INTERVAL_MS) flush();
      if (board) {
        board.beat(d.slot);
        return board.load(d.slot, 'Cancel') !== 0;
      }
      return false;
    });
    const failed = (error: SerializedError): TrialsReply => {
      flush();
      if (inClaim) error.trialIndex = current;
      const unfinished = claimed.filter((i) => !reported.has(i) && !(inClaim && i === current));
      return { outcome: 'failed', error, unfinished };
    };
    let json: string;
    const t0 = performance.now();
    try {
      json = engine.runTrials(ds, d.requestJson, claimNext, onTrial, onProgress);
    } catch (e) {
      return failed(serializeError(guard.thrown ?? e, 'runtime'));
    }
    if (guard.thrown !== undefined) return failed(serializeError(guard.thrown, 'runtime'));
    flush();
    const out = parseOutcome<{ completed: number; failed: number; cancelled: boolean }>(json);
    if (!out.ok) return failed(fromEngineError(out.error));
    return { outcome: 'done', ...out.value, engineMs: performance.now() - t0 };
  }
}
