// The worker side of the protocol: one single-threaded engine instance per worker, instantiated
// from the page's precompiled WebAssembly.Module. The class is abstract over post() and the way
// the Emscripten glue is imported, so the same dispatcher can be driven outside a Web Worker.
import type { AtfEngineModule, EngineErrorValue, Outcome } from '../../../wasm/atf_engine';
import { EngineError, serializeError, type SerializedError } from './errors';
import { ProgressBoard } from './progress-board';
import {
  assertNever,
  PROGRESS_MESSAGE_INTERVAL_MS,
  type BacktestReply,
  type DatasetRef,
  type InitData,
  type Reply,
  type RequestEnvelope,
  type RunBacktestData,
  type RunTrialsData,
  type TrialsReply,
  type ValidateReply,
  type WorkerMessage,
} from './protocol';
import type { BacktestResult, RunKind, TrialRecord } from './types';

/** The Emscripten factory's shape (MODULARIZE, EXPORT_NAME=createAtfEngine). */
export type EngineFactory = (overrides: {
  instantiateWasm: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => unknown;
}) => Promise<AtfEngineModule>;

function parseOutcome<T>(json: string): Outcome<T> {
  const parsed: Outcome<T> = JSON.parse(json);
  return parsed;
}

function fromEngineError(e: EngineErrorValue): SerializedError {
  const out: SerializedError = { name: 'EngineError', message: e.message, code: e.code };
  if (e.stack) out.stack = e.stack;
  if (e.field) out.field = e.field;
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
  private readonly datasets = new Map<string, number>();
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
      this.post({ kind: 'reply', requestId: envelope.messageId, ok: true, reply }, transfer);
    } catch (e) {
      const code = e instanceof EngineError ? e.code : 'internal';
      this.post({ kind: 'reply', requestId: envelope.messageId, ok: false, error: serializeError(e, code) });
    }
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
      case 'runBacktest': {
        const data = await this.runBacktest(req.data);
        return [{ type: 'runBacktest', data }, data.outcome === 'completed' ? [data.equityCurve.buffer] : []];
      }
      case 'runTrials':
        return [{ type: 'runTrials', data: await this.runTrials(req.data) }, []];
      case 'dropDataset': {
        const id = this.datasets.get(req.data.key);
        if (id !== undefined) this.require().freeDataset(id);
        this.datasets.delete(req.data.key);
        return [{ type: 'dropDataset', data: null }, []];
      }
      case 'debugTrap':
        this.require().debugTrap();
        return [{ type: 'debugTrap', data: null }, []];
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
          (instance) => receive(instance, d.module),
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

  private async dataset(ref: DatasetRef): Promise<number> {
    const have = this.datasets.get(ref.key);
    if (have !== undefined) return have;
    const engine = this.require();
    const src = ref.source;
    if (!src) throw new EngineError(`dataset "${ref.key}" is not loaded in this worker`, 'internal');
    let json: string;
    if (src.kind === 'csv') {
      json = engine.importCsv(await src.blob.text(), JSON.stringify({ symbol: src.symbol }));
    } else {
      const buf = await src.blob.arrayBuffer();
      const col = (i: number) => new Float64Array(buf, i * src.bars * 8, src.bars);
      json = engine.loadBars(col(0), col(1), col(2), col(3), col(4), col(5));
    }
    const out = parseOutcome<{ dataset: number; bars: number }>(json);
    if (!out.ok) {
      const where = out.error.line ? ` (line ${out.error.line}${out.error.column ? `, column ${out.error.column}` : ''})` : '';
      throw new EngineError(`dataset "${ref.key}": ${out.error.message}${where}`, out.error.code);
    }
    this.datasets.set(ref.key, out.value.dataset);
    return out.value.dataset;
  }

  private async validate(kind: RunKind, ref: DatasetRef, requestJson: string): Promise<ValidateReply> {
    let ds: number;
    try {
      ds = await this.dataset(ref);
    } catch (e) {
      return { ok: false, error: { ...serializeError(e, e instanceof EngineError ? e.code : 'import'), field: 'dataset' } };
    }
    const engine = this.require();
    if (kind === 'backtest') {
      const out = parseOutcome<{ total_bars: number }>(engine.validateBacktest(ds, requestJson));
      return out.ok ? { ok: true, total: out.value.total_bars, bars: out.value.total_bars } : { ok: false, error: fromEngineError(out.error) };
    }
    const out = parseOutcome<{ total_combinations: number }>(engine.validateOptimization(ds, requestJson));
    return out.ok ? { ok: true, total: out.value.total_combinations, bars: 0 } : { ok: false, error: fromEngineError(out.error) };
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
      ds = await this.dataset(d.dataset);
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
      ds = await this.dataset(d.dataset);
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
      const trial: TrialRecord = JSON.parse(trialJson);
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
