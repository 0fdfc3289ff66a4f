// Page side of the engine workers: spawns them from one precompiled WebAssembly.Module,
// correlates requests and replies, routes unsolicited events, and replaces a worker that trapped
// or died. The pool of them is engine-pool.ts; which run goes to which worker is scheduler.ts's job.
import { EngineError, type SerializedError } from './errors';
import {
  assertNever,
  type BacktestReply,
  type DatasetSource,
  type EngineInfo,
  type GeneticNextData,
  type GeneticNextReply,
  type Reply,
  type RequestEnvelope,
  type RunBacktestData,
  type RunTrialsData,
  type RunWalkForwardData,
  type StatisticsData,
  type StatisticsReply,
  type TrialsReply,
  type ValidateReply,
  type WalkForwardReply,
  type WorkerEvent,
  type WorkerMemory,
  type WorkerMessage,
  type WorkerRequest,
} from './protocol';
import type { RunKind, ScriptCheck } from './types';

export interface PoolOptions {
  module: WebAssembly.Module;
  glueUrl: string;
  board: SharedArrayBuffer | null;
  boardEpoch: number;
  onEvent: (worker: EngineWorker, event: WorkerEvent) => void;
  /** Called when a worker died on its own (an uncaught error); its pending calls were rejected. */
  onCrash: (worker: EngineWorker, error: SerializedError) => void;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: EngineError) => void;
}

let nextWorkerId = 1;

/** One engine worker: a Web Worker holding one single-threaded engine instance. */
export class EngineWorker {
  readonly id = nextWorkerId++;
  readonly ready: Promise<void>;
  /** Id of the run this worker is executing, if any. */
  runId: string | null = null;
  /** True once the engine instance is up (init answered). */
  isReady = false;
  dead = false;
  /** Size of the worker's Wasm heap after its last reply (it never shrinks). */
  heapBytes = 0;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextMessageId = 1;

  constructor(private readonly options: PoolOptions) {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: `atf-engine-${this.id}` });
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => this.onMessage(event.data);
    this.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.fail({ name: 'Error', code: 'worker', message: event.message || 'engine worker crashed' });
    };
    this.worker.onmessageerror = () => this.fail({ name: 'Error', code: 'worker', message: 'undecodable message from engine worker' });
    this.ready = this.call({
      type: 'init',
      data: {
        workerId: this.id,
        module: options.module,
        glueUrl: options.glueUrl,
        board: options.board,
        boardEpoch: options.boardEpoch,
      },
    }).then(() => undefined);
  }

  /** True while a request to this worker awaits its reply. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  get idle(): boolean {
    return !this.dead && this.runId === null;
  }

  /** Ends the worker at once (cancel in fallback mode, or after a trap); pending calls reject. */
  terminate(reason: string, code = 'terminated', stack?: string): void {
    if (this.dead) return;
    this.dead = true;
    this.worker.terminate();
    const error = new EngineError(reason, code, stack);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async info(): Promise<EngineInfo> {
    const r = await this.call({ type: 'info', data: null });
    if (r.type === 'info') return r.data;
    throw mismatch(r);
  }

  async validate(kind: RunKind, key: string, source: () => DatasetSource, requestJson: string): Promise<ValidateReply> {
    const r = await this.call({ type: 'validate', data: { kind, dataset: this.datasetRef(key, source), requestJson } });
    if (r.type !== 'validate') throw mismatch(r);
    return r.data;
  }

  async compileScript(source: string): Promise<ScriptCheck> {
    const r = await this.call({ type: 'compileScript', data: { source } });
    if (r.type !== 'compileScript') throw mismatch(r);
    return r.data;
  }

  async runBacktest(data: Omit<RunBacktestData, 'dataset'>, key: string, source: () => DatasetSource): Promise<BacktestReply> {
    const r = await this.call({ type: 'runBacktest', data: { ...data, dataset: this.datasetRef(key, source) } });
    if (r.type !== 'runBacktest') throw mismatch(r);
    return r.data;
  }

  async runTrials(data: Omit<RunTrialsData, 'dataset'>, key: string, source: () => DatasetSource): Promise<TrialsReply> {
    const r = await this.call({ type: 'runTrials', data: { ...data, dataset: this.datasetRef(key, source) } });
    if (r.type !== 'runTrials') throw mismatch(r);
    return r.data;
  }

  async runWalkForward(data: Omit<RunWalkForwardData, 'dataset'>, key: string, source: () => DatasetSource): Promise<WalkForwardReply> {
    const r = await this.call({ type: 'runWalkForward', data: { ...data, dataset: this.datasetRef(key, source) } });
    if (r.type !== 'runWalkForward') throw mismatch(r);
    return r.data;
  }

  /** An optimization's statistics (PSR, DSR, PBO, Monte Carlo, stability) from its trials. The
   *  trial columns' buffers are transferred (the caller no longer owns them). */
  async statistics(data: Omit<StatisticsData, 'dataset'>, key: string, source: () => DatasetSource): Promise<StatisticsReply> {
    const c = data.trials;
    const transfer = [c.index.buffer, c.completed.buffer, c.objective.buffer, c.sharpe.buffer, ...(c.blockSums ? [c.blockSums.buffer] : [])] as ArrayBuffer[];
    const r = await this.call({ type: 'statistics', data: { ...data, dataset: this.datasetRef(key, source) } }, transfer);
    if (r.type !== 'statistics') throw mismatch(r);
    return r.data;
  }

  /** The next generation of a genetic search (engine geneticNextBatch). */
  async geneticNext(data: Omit<GeneticNextData, 'dataset'>, key: string, source: () => DatasetSource): Promise<GeneticNextReply> {
    const r = await this.call({ type: 'geneticNext', data: { ...data, dataset: this.datasetRef(key, source) } });
    if (r.type !== 'geneticNext') throw mismatch(r);
    return r.data;
  }

  /** Test-only: makes this worker's engine execute a Wasm trap. */
  async debugTrap(): Promise<void> {
    await this.call({ type: 'debugTrap', data: null });
  }

  /** Diagnostics: the engine instance's memory. */
  async memory(): Promise<WorkerMemory> {
    const r = await this.call({ type: 'memory', data: null });
    if (r.type === 'memory') return r.data;
    throw mismatch(r);
  }

  /** The source goes with every request (a Blob is shared, not copied): the worker imports it
   *  only if it does not hold the dataset (any more). */
  private datasetRef(key: string, source: () => DatasetSource) {
    return { key, source: source() };
  }

  private call(request: WorkerRequest, transfer: Transferable[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(new EngineError(`engine worker ${this.id} is gone`, 'terminated'));
    const messageId = this.nextMessageId++;
    const envelope: RequestEnvelope = { ...request, messageId };
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(messageId, { resolve, reject });
      this.worker.postMessage(envelope, transfer);
    });
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.kind) {
      case 'reply': {
        const p = this.pending.get(message.requestId);
        if (!p) return;
        this.pending.delete(message.requestId);
        if (message.heapBytes !== undefined) this.heapBytes = message.heapBytes;
        if (message.ok) p.resolve(message.reply);
        else p.reject(new EngineError(message.error.message, message.error.code, message.error.stack));
        return;
      }
      case 'progress':
      case 'window':
      case 'trials':
      case 'log':
        this.options.onEvent(this, message);
        return;
      default:
        assertNever(message);
    }
  }

  private fail(error: SerializedError): void {
    if (this.dead) return;
    this.terminate(error.message, error.code, error.stack);
    this.options.onCrash(this, error);
  }
}

function mismatch(r: Reply): EngineError {
  return new EngineError(`protocol error: unexpected ${r.type} reply`, 'internal');
}
