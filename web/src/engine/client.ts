// The engine client: the JS API of DESIGN.md over a pool of engine workers and the shared
// progress board. It owns the run state machine (Pending -> Running -> Completed | Failed |
// Cancelled), the queue, the live progress store (runs in flight, by id) and the repository.
import { ConflictError, EngineError, NotFoundError, ValidationError, type SerializedError } from './errors';
import { RunLog } from './log';
import {
  createBoardBuffer,
  ProgressBoard,
  SlotAllocator,
  StatusCode,
  sharedMemoryAvailable,
  type SlotSnapshot,
} from './progress-board';
import { assertNever, type BacktestReply, type DateOrder, type TrialsReply, type WorkerEvent } from './protocol';
import { InMemoryRunRepository, type RunRepository } from './repository';
import { describe, errorOf, fieldOf, isObject, toBacktestStatus, toOptimizationStatus } from './run-utils';
import { TrialLedger } from './trial-ledger';
import { newId, type LiveRun } from './live-run';
import { DatasetRegistry } from './datasets';
import type {
  BacktestRequest,
  BacktestResult,
  BacktestStatus,
  CancelAnswer,
  Columns,
  DatasetInfo,
  DebugHooks,
  EngineMode,
  LogRecord,
  OptimizationRequest,
  OptimizationResult,
  OptimizationStatus,
  RunFilter,
  RunKind,
  RunStatus,
  RunSummary,
  ScriptCheck,
  StoredRun,
  Trade,
  TrialRecord,
} from './types';
import { EngineWorker, type PoolOptions } from './worker-pool';

export interface EngineAssets {
  glueUrl: string;
  wasmUrl: string;
  /** Bundled sample datasets: name -> CSV URL. */
  samples: Record<string, string>;
}

export interface ClientOptions {
  assets: EngineAssets;
  /** Engine workers for runs (default: navigator.hardwareConcurrency). */
  workers?: number;
  repository?: RunRepository;
  /** Set when results cannot be kept (storage unavailable); shown by the page. */
  storageWarning?: string;
  /** Where imported datasets are kept once, for any number of runs (and after a reload). */
  datasetStore?: DatasetStore;
  /** Use the message fallback even where shared memory exists (tests, comparisons). */
  forceFallback?: boolean;
  log?: RunLog;
}

/** Keeps imported CSV datasets (the results database's `datasets` table). */
export interface DatasetStore {
  saveDataset(name: string, csv: string): Promise<void>;
  datasets(): Promise<Array<{ name: string; csv: string }>>;
}

/** Web Lock held by the page running a run; its absence marks the run as interrupted. */
const RUN_LOCK_PREFIX = 'atf-run-';
export const INTERRUPTED_MESSAGE = 'interrupted: the page was closed while the run was in progress';

function emptyResult(run: StoredRun): OptimizationResult {
  const req = run.request as OptimizationRequest;
  return { objective: req.objective ?? 'sharpe', direction: req.direction ?? 'max', total: run.total, completed: 0, failed: 0, cancelled: false, best: null, trials: [] };
}

/** What submit answers besides the totals (DESIGN.md: `{ id, total…, status, isDedup }`). */
export interface SubmitAnswer {
  id: string;
  status: RunStatus;
  isDedup: boolean;
}

/** JSON with object keys sorted (so that key order never makes two requests differ). */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObject(x)) {
    return `{${Object.keys(x).sort().filter((k) => x[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  }
  return JSON.stringify(x) ?? 'null';
}

/** A script's hash as the engine computes it (engine/src/pine/script.cpp): FNV-1a 64 over the
 *  UTF-8 bytes of the source, 16 lowercase hex digits. */
export function scriptHashOf(source: string): string {
  const bytes = new TextEncoder().encode(source);
  // 64-bit arithmetic in four 16-bit limbs (no BigInt in the hot loop): h = (h ^ b) * 0x100000001b3.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i] ?? 0;
    // prime = 2^40 + 0x1b3: h * 0x1b3 + (h << 40); h << 40 adds limb 0 << 8 to limb 2 and
    // limb 1 << 8 to limb 3 (the rest overflows 64 bits).
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (x: number) => x.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

/** The dedup key of a request: kind, dataset, strategy or script hash, parameters/inputs and
 *  settings (the script text itself is represented by its hash). */
function runKey(kind: RunKind, dataset: string, engineRequest: Record<string, unknown>, scriptHash: string | undefined): string {
  const { schema: _schema, threads: _threads, script: _script, ...rest } = engineRequest;
  return canonical({ kind, dataset, ...rest, ...(scriptHash ? { script_hash: scriptHash } : {}) });
}

/** A script's compile error as one line: "line L, column C: message". */
function scriptErrorText(d: { message: string; line: number; column: number } | undefined): string {
  if (!d) return 'script does not compile';
  if (!d.line || /^line \d+/.test(d.message)) return d.message;
  return `line ${d.line}${d.column ? `, column ${d.column}` : ''}: ${d.message}`;
}

/** A worker whose Wasm heap reached this size is replaced after its run (see recycleIfLarge). */
const RECYCLE_HEAP_BYTES = 1536 * 1048576;

/** Cancel that the engine has not confirmed by then ends the run's workers (hard stop). */
const HARD_STOP_AFTER_MS = 1000;

export class AtfEngineClient {
  readonly mode: EngineMode;
  readonly board: ProgressBoard;
  readonly log: RunLog;
  readonly datasets = new DatasetRegistry();
  readonly workerCount: number;
  private readonly repo: RunRepository;
  private readonly allocator: SlotAllocator;
  private readonly live = new Map<string, LiveRun>();
  /** Finished runs the repository refused to store (quota, private mode): still readable here. */
  private readonly unsaved = new Map<string, StoredRun>();
  /** CSV datasets added in this page and not yet saved (saved on first successful validation). */
  private readonly unsavedDatasets = new Map<string, string>();
  /** Why results may not be kept, for the page to show; null while storage works. */
  storageWarning: string | null = null;
  private readonly queue: LiveRun[] = [];
  /** Submissions being validated, by dedup key (an identical submit meanwhile joins them). */
  private readonly submitting = new Map<string, Promise<SubmitAnswer & { total: number }>>();
  private workers: EngineWorker[] = [];
  private control: EngineWorker | null = null;
  private poolOptions: PoolOptions | null = null;
  private spawnFailures = 0;
  /** Set when workers cannot be started at all (the page shows it). */
  brokenReason: string | null = null;
  private pumpScheduled = false;
  /** Runs of other pages whose lock this page waits for (see checkRun). */
  private readonly watched = new Set<string>();
  private rescanTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(private readonly options: ClientOptions) {
    const shared = !options.forceFallback && sharedMemoryAvailable();
    this.mode = shared ? 'shared-memory' : 'message-fallback';
    this.board = new ProgressBoard(createBoardBuffer(shared), performance.timeOrigin);
    this.allocator = new SlotAllocator(this.board);
    this.repo = options.repository ?? new InMemoryRunRepository();
    if (options.storageWarning) this.storageWarning = options.storageWarning;
    this.log = options.log ?? new RunLog();
    const hc = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
    this.workerCount = Math.max(1, Math.min(options.workers ?? hc, 16));
    this.datasets.addSamples(options.assets.samples);
  }

  /** Compiles the module once, starts the control worker and the pool, and waits for them. */
  static async create(options: ClientOptions): Promise<AtfEngineClient> {
    const client = new AtfEngineClient(options);
    await client.start();
    await client.loadStoredDatasets();
    await client.recoverInterrupted();
    return client;
  }

  private get shared(): boolean {
    return this.mode === 'shared-memory';
  }

  private async start(): Promise<void> {
    const response = await fetch(this.options.assets.wasmUrl);
    if (!response.ok) throw new Error(`cannot load the engine (${this.options.assets.wasmUrl}: HTTP ${response.status})`);
    const module = await WebAssembly.compile(await response.arrayBuffer());
    const sab = this.board.ints.buffer;
    this.poolOptions = {
      module,
      glueUrl: this.options.assets.glueUrl,
      board: this.shared && sab instanceof SharedArrayBuffer ? sab : null,
      boardEpoch: this.board.epoch,
      onEvent: (w, e) => this.onWorkerEvent(w, e),
      onCrash: (w, e) => this.onWorkerCrash(w, e),
    };
    this.control = new EngineWorker(this.poolOptions);
    for (let i = 0; i < this.workerCount; i++) this.spawn();
    await Promise.all([this.control.ready, ...this.workers.map((w) => w.ready)]);
  }

  // ---- the JS API ------------------------------------------------------------------------------

  /** Validates and queues a backtest; resolves before any bar is processed. An identical request
   *  (same dataset, strategy or script hash, parameters or inputs, settings) while one is Pending
   *  or Running answers that run's id with isDedup: true. */
  async submitBacktest(request: BacktestRequest): Promise<SubmitAnswer & { totalBars: number }> {
    const { id, total, status, isDedup } = await this.submit('backtest', request);
    return { id, totalBars: total, status, isDedup };
  }

  /** Validates and queues an optimization; resolves before any trial runs (dedup as above). */
  async submitOptimization(request: OptimizationRequest): Promise<SubmitAnswer & { totalCombinations: number }> {
    const { id, total, status, isDedup } = await this.submit('optimization', request);
    return { id, totalCombinations: total, status, isDedup };
  }

  async getBacktestStatus(id: string): Promise<BacktestStatus> {
    const run = this.live.get(id);
    if (run && run.kind === 'backtest') return toBacktestStatus(this.liveToStored(run), run.cancelRequested);
    const stored = await this.stored(id);
    if (stored && stored.kind === 'backtest') return toBacktestStatus(stored, false);
    throw new NotFoundError(id);
  }

  async getOptimizationStatus(id: string): Promise<OptimizationStatus> {
    const run = this.live.get(id);
    if (run && run.kind === 'optimization') return toOptimizationStatus(this.liveToStored(run), run.cancelRequested);
    const stored = await this.stored(id);
    if (stored && stored.kind === 'optimization') return toOptimizationStatus(stored, false);
    throw new NotFoundError(id);
  }

  cancelBacktest(id: string): Promise<CancelAnswer> {
    return this.cancel(id, 'backtest');
  }

  cancelOptimization(id: string): Promise<CancelAnswer> {
    return this.cancel(id, 'optimization');
  }

  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    const stored = await this.repo.list({ kind: filter.kind });
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const [id, r] of this.unsaved) byId.set(id, r);  // newer than a stale saved row
    for (const run of this.live.values()) byId.set(run.id, this.liveToStored(run));
    const out = [...byId.values()]
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.status === undefined || r.status === filter.status))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        dataset: r.dataset,
        strategy: r.request.strategy ?? '',
        createdAt: r.createdAt,
        finishedAt: r.finishedAt,
        total: r.total,
        processed: r.processed,
        cancelRequested: this.live.get(r.id)?.cancelRequested ?? false,
      }));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  getBacktestRun(id: string): Promise<StoredRun> {
    return this.getRun(id, 'backtest');
  }

  getOptimizationRun(id: string): Promise<StoredRun> {
    return this.getRun(id, 'optimization');
  }

  /** Deletes a finished run; a run in flight is a Conflict (cancel it first). */
  async deleteRun(id: string): Promise<{ id: string; deleted: true }> {
    const run = this.live.get(id);
    if (run) throw new ConflictError(id, run.status, `run ${id} is ${run.status}; cancel it before deleting`);
    const wasUnsaved = this.unsaved.delete(id);
    if (!(await this.repo.delete(id)) && !wasUnsaved) throw new NotFoundError(id);
    return { id, deleted: true };
  }

  listDatasets(): DatasetInfo[] {
    return this.datasets.list();
  }

  /** Adds a CSV dataset. With a dataset store it is saved once, when a run first validates on
   *  it (a file the importer rejects is never saved), and is there after a reload. */
  async addDatasetCsv(name: string, text: string, options: { dateOrder?: DateOrder } = {}): Promise<void> {
    this.datasets.addCsv(name, text, options.dateOrder);
    this.unsavedDatasets.set(name, text);
  }

  /** Checks a dataset with the engine's importer now (every line), without running anything:
   *  resolves its bar count and what the import noticed (rows without prices skipped, a
   *  newest-first file reversed), or throws the ValidationError a run on it would get (listing
   *  up to 20 bad lines and their count). */
  async checkDataset(name: string): Promise<{ bars: number; notices: string[] }> {
    if (!this.datasets.has(name)) throw new ValidationError('dataset', `unknown dataset "${name}"`);
    // Any strategy with its defaults: the importer runs before the request is looked at.
    const requestJson = JSON.stringify({ schema: 'atf/v1', strategy: 'sma_cross', params: {} });
    const v = await this.validateOnControl('backtest', name, requestJson);
    this.datasets.setBars(name, v.bars);
    return { bars: v.bars, notices: v.notices ?? [] };
  }

  /** Compiles a Pine Script in the control worker (never on the page's thread): resolves
   *  {ok, diagnostics, hash, inputs, settings}; a script that does not compile is ok: false with
   *  a diagnostic at its line:column (not an exception). */
  async compileScript(source: string): Promise<ScriptCheck> {
    if (typeof source !== 'string') throw new ValidationError('script', 'script must be the Pine Script source text (a string)');
    const control = await this.controlWorker();
    return control.compileScript(source);
  }

  private async controlWorker(): Promise<EngineWorker> {
    const control = this.control;
    if (!control || control.dead) throw new EngineError(this.brokenReason ?? 'engine not started', 'internal');
    await control.ready;
    return control;
  }

  /** Checks a request's script: its hash and label, or the ValidationError (field "script", with
   *  line and column) of a script that does not compile. */
  private async checkScript(source: unknown, label: unknown): Promise<{ hash: string; label: string }> {
    if (typeof source !== 'string' || source.trim() === '') {
      throw new ValidationError('script', 'script must be the Pine Script source text (a non-empty string)');
    }
    if (label !== undefined && typeof label !== 'string') {
      throw new ValidationError('strategy', "strategy must be a string (with a script it only labels the run)");
    }
    const check = await this.compileScript(source);
    if (!check.ok || !check.hash) {
      const d = check.diagnostics.find((x) => x.severity === 'error') ?? check.diagnostics[0];
      throw new ValidationError('script', scriptErrorText(d), { line: d?.line, column: d?.column });
    }
    return { hash: check.hash, label: label ?? (check.settings?.title || 'script') };
  }

  /** Validates a request (importing its dataset) in the control worker; throws the
   *  ValidationError of a refusal. */
  private async validateOnControl(kind: RunKind, dataset: string, requestJson: string) {
    await this.datasets.load(dataset);
    const control = await this.controlWorker();
    let v: Awaited<ReturnType<EngineWorker['validate']>>;
    try {
      v = await control.validate(kind, dataset, () => this.datasets.loaded(dataset), requestJson);
    } finally {
      // A huge dataset (or one that did not fit) leaves the control worker's heap large: replace
      // it once no other validation is in flight (it never shrinks otherwise).
      if (control === this.control && !control.dead && !control.busy && control.heapBytes >= RECYCLE_HEAP_BYTES) {
        this.retire(control, `engine heap grew to ${Math.round(control.heapBytes / 1048576)} MB; replaced to free it`, 'recycled');
      }
    }
    if (!v.ok) {
      const e = v.error;
      const message = e.field === 'script' && e.line ? scriptErrorText({ message: e.message, line: e.line, column: e.column ?? 0 }) : e.message;
      throw new ValidationError(fieldOf(e), message, { line: e.line, column: e.column });
    }
    return v;
  }

  /** Forgets a dataset added in this page that was never saved (e.g. one the importer refused). */
  removeDataset(name: string): boolean {
    if (!this.unsavedDatasets.has(name)) return false;
    this.unsavedDatasets.delete(name);
    this.datasets.remove(name);
    return true;
  }

  /** Saves a dataset added in this page once a run has validated on it. */
  private async persistDataset(name: string): Promise<void> {
    const text = this.unsavedDatasets.get(name);
    const store = this.options.datasetStore;
    if (text === undefined || !store) return;
    this.unsavedDatasets.delete(name);
    try {
      await store.saveDataset(name, text);
    } catch (e) {
      this.storageWarning = `Dataset "${name}" could not be saved: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Registers the datasets saved by earlier visits (bundled samples keep their names). */
  private async loadStoredDatasets(): Promise<void> {
    const store = this.options.datasetStore;
    if (!store) return;
    try {
      for (const d of await store.datasets()) if (!this.datasets.has(d.name)) this.datasets.addCsv(d.name, d.csv);
    } catch (e) {
      this.storageWarning = `Saved datasets could not be read: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Adds a dataset from columns (copied to each worker that uses it). */
  addDatasetColumns(name: string, columns: Columns): void {
    this.datasets.addColumns(name, columns);
  }

  /** The slot of a run in flight on the progress board (-1 if not in flight). */
  slotOf(id: string): number {
    return this.live.get(id)?.slot ?? -1;
  }

  /** The trials an optimization in flight has reported so far, from position `from` of the
   *  arrival order (live views poll with the length they already have); null once the run left
   *  the live store (its saved report has them all). The records are shared: read only. */
  trialsSoFar(id: string, from = 0): TrialRecord[] | null {
    const run = this.live.get(id);
    if (!run || run.kind !== 'optimization') return null;
    return run.ledger.trials.slice(from);
  }

  /** Synchronous progress of a run in flight, read from the board (no message round trip). */
  progress(id: string): SlotSnapshot | null {
    const run = this.live.get(id);
    return run ? this.board.snapshot(run.slot) : null;
  }

  logEntries(runId?: string): LogRecord[] {
    return this.log.entries(runId);
  }

  /** Pool state, for the UI and tests. */
  poolState(): {
    mode: EngineMode;
    workers: Array<{ id: number; ready: boolean; runId: string | null; heapBytes: number }>;
    queued: number;
    live: number;
  } {
    return {
      mode: this.mode,
      workers: this.workers.map((w) => ({ id: w.id, ready: w.isReady, runId: w.runId, heapBytes: w.heapBytes })),
      queued: this.queue.length,
      live: this.live.size,
    };
  }

  /** Test-only: makes an idle worker's engine execute a Wasm trap; the worker is replaced. */
  async debugTrapIdleWorker(): Promise<{ trappedWorker: number; message: string; stack: string }> {
    const w = this.workers.find((x) => x.idle && x.isReady);
    if (!w) throw new ConflictError('', 'Running', 'no idle engine worker');
    w.runId = 'debug-trap';
    try {
      await w.debugTrap();
    } catch (e) {
      if (e instanceof EngineError) {
        this.retire(w, e.message, e.code, e.wasmStack);
        return { trappedWorker: w.id, message: e.message, stack: e.wasmStack ?? '' };
      }
      throw e;
    } finally {
      if (!w.dead) w.runId = null;
    }
    throw new Error('debugTrap returned without a trap');
  }

  /** Diagnostics: each engine worker's Wasm heap and datasets held (the control worker first). */
  async debugMemory(): Promise<Array<{ worker: number; role: 'control' | 'run'; heapBytes: number; datasets: number }>> {
    const all = [...(this.control ? [this.control] : []), ...this.workers].filter((w) => !w.dead);
    return Promise.all(all.map(async (w) => ({ worker: w.id, role: w === this.control ? ('control' as const) : ('run' as const), ...(await w.memory()) })));
  }

  /** Engine version, strategies and metrics (from the control worker). */
  info() {
    if (!this.control) throw new Error('engine not started');
    return this.control.info();
  }

  // ---- submit ----------------------------------------------------------------------------------

  private async submit(kind: RunKind, raw: unknown, resume?: StoredRun): Promise<SubmitAnswer & { total: number }> {
    if (!isObject(raw)) throw new ValidationError('request', 'request must be an object');
    const dataset = raw['dataset'];
    if (typeof dataset !== 'string' || dataset === '') throw new ValidationError('dataset', 'dataset is required (a dataset name)');
    if (!this.datasets.has(dataset)) throw new ValidationError('dataset', `unknown dataset "${dataset}"`);
    // A built-in strategy with params, or a Pine script (source text) with inputs.
    const isScript = raw['script'] !== undefined && raw['script'] !== null;
    let scriptHash: string | undefined;
    if (isScript) {
      const source = raw['script'];
      if (typeof source !== 'string' || source.trim() === '') {
        throw new ValidationError('script', 'script must be the Pine Script source text (a non-empty string)');
      }
      if (raw['strategy'] !== undefined && typeof raw['strategy'] !== 'string') {
        throw new ValidationError('strategy', 'strategy must be a string (with a script it only labels the run)');
      }
      scriptHash = scriptHashOf(source);
    } else if (typeof raw['strategy'] !== 'string') {
      throw new ValidationError('strategy', 'strategy is required (a strategy name, or a Pine script)');
    }
    const engineKeys = [
      ...(isScript ? ['script', 'inputs', 'trade_from'] : []),
      'strategy', 'params', 'broker',
      ...(kind === 'optimization' ? ['axes', 'objective', 'direction', 'max_combinations'] : []),
    ];
    const engineRequest: Record<string, unknown> = { schema: 'atf/v1' };
    for (const k of engineKeys) if (raw[k] !== undefined) engineRequest[k] = raw[k];
    const debugRaw = raw['_debug'];
    const debug: DebugHooks | null = isObject(debugRaw)
      ? {
          trapAtBar: typeof debugRaw['trapAtBar'] === 'number' ? debugRaw['trapAtBar'] : undefined,
          trapAtTrial: typeof debugRaw['trapAtTrial'] === 'number' ? debugRaw['trapAtTrial'] : undefined,
          delayMsPerProgress: typeof debugRaw['delayMsPerProgress'] === 'number' ? debugRaw['delayMsPerProgress'] : undefined,
        }
      : null;
    // Dedup (the spec's RunKey): an identical request in flight in this page (Pending, Running,
    // or still being validated) answers that run. Runs with test hooks are never shared.
    const dedupKey = resume || debug ? null : runKey(kind, dataset, engineRequest, scriptHash);
    if (dedupKey !== null) {
      const twin = [...this.live.values()].find(
        (r) => r.dedupKey === dedupKey && !r.finishing && !r.cancelRequested && (r.status === 'Pending' || r.status === 'Running'),
      );
      if (twin) return { id: twin.id, total: twin.total, status: twin.status, isDedup: true };
      const inFlight = this.submitting.get(dedupKey);
      if (inFlight) return { ...(await inFlight), isDedup: true };
    }
    const registered = this.register(kind, dataset, engineRequest, isScript, debug, dedupKey, resume);
    if (dedupKey !== null) {
      this.submitting.set(dedupKey, registered);
      const done = () => this.submitting.delete(dedupKey);
      registered.then(done, done);
    }
    return registered;
  }

  /** Validates a normalized request and registers its run (Pending, saved, queued). */
  private async register(
    kind: RunKind,
    dataset: string,
    engineRequest: Record<string, unknown>,
    isScript: boolean,
    debug: DebugHooks | null,
    dedupKey: string | null,
    resume: StoredRun | undefined,
  ): Promise<SubmitAnswer & { total: number }> {
    let script: { hash: string; label: string } | null = null;
    if (isScript) {
      script = await this.checkScript(engineRequest['script'], engineRequest['strategy']);
      // A script run is labelled by its strategy() title unless the request names it.
      engineRequest['strategy'] = script.label;
    }
    // The engine sizes its trial groups by the number of workers sharing the combinations.
    if (kind === 'optimization') engineRequest['threads'] = this.workerCount;
    const requestJson = JSON.stringify(engineRequest);
    const v = await this.validateOnControl(kind, dataset, requestJson);
    await this.persistDataset(dataset);
    if (kind === 'backtest') this.datasets.setBars(dataset, v.bars);

    const slot = this.allocator.allocate(kind, v.total);
    if (slot < 0) throw new ConflictError('', 'Pending', 'too many runs in flight; wait for some to finish');
    // The saved request keeps a script's source (a report can be re-run) and its hash.
    const request: BacktestRequest | OptimizationRequest = JSON.parse(
      JSON.stringify({ ...engineRequest, dataset, ...(script ? { script_hash: script.hash } : {}) }),
    );
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const run: LiveRun = {
      id: resume?.id ?? newId(),
      kind,
      status: 'Pending',
      slot,
      total: v.total,
      dataset,
      request,
      requestJson,
      debug,
      dedupKey,
      createdAt: resume?.createdAt ?? Date.now(),
      startedAt: null,
      finishedAt: null,
      t0: performance.now(),
      cancelRequested: false,
      workers: new Set(),
      finishing: false,
      settled,
      settle,
      hardStop: null,
      objective: typeof engineRequest['objective'] === 'string' ? engineRequest['objective'] : 'sharpe',
      direction: engineRequest['direction'] === 'min' ? 'min' : 'max',
      // Small fallback chunks keep cancel and load balance fine-grained.
      ledger: new TrialLedger(kind === 'optimization' ? v.total : 0, this.shared, Math.max(1, Math.ceil(v.total / (this.workerCount * 8)))),
      fatal: null,
      engineMs: 0,
      trialBuffer: [],
      trialSaves: Promise.resolve(),
      trialTimer: null,
    };
    if (resume) this.seedResumed(run, resume);
    this.live.set(run.id, run);
    this.holdRunLock(run);
    try {
      await this.repo.save(this.liveToStored(run));
    } catch (e) {
      // Storage refused the Pending row (quota, private mode): the run still runs, its result is
      // kept in this page (finish() tries to save it again) and the page says why.
      this.storageWarning = `Run ${run.id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)}`;
      console.error('[atf]', this.storageWarning);
    }
    this.queue.push(run);
    this.write(run, 'submitted');
    // Dispatch in a later task: the caller sees the answer before any bar is processed.
    this.schedulePump();
    return { id: run.id, total: run.total, status: 'Pending', isDedup: false };
  }

  // ---- scheduling ------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setTimeout(() => {
      this.pumpScheduled = false;
      this.pump();
    }, 0);
  }

  private freeWorkers(): EngineWorker[] {
    return this.workers.filter((w) => w.idle && w.isReady);
  }

  private pump(): void {
    for (;;) {
      const free = this.freeWorkers();
      if (free.length === 0) return;
      const run = this.queue.shift();
      if (!run) {
        this.joinRunning(free);
        return;
      }
      if (run.kind === 'backtest') {
        const w = free[0];
        if (w) this.startBacktest(run, w);
      } else {
        this.markRunning(run);
        for (const w of free) if (!this.dispatchTrials(run, w)) break;
        this.maybeFinishOptimization(run);
      }
    }
  }

  /** Free workers join optimizations in flight that still have unclaimed combinations. */
  private joinRunning(free: EngineWorker[]): void {
    for (const run of this.live.values()) {
      if (run.kind !== 'optimization' || run.status !== 'Running' || run.cancelRequested || run.fatal) continue;
      while (free.length > 0) {
        const w = free[0];
        if (!w || !this.dispatchTrials(run, w)) break;
        free.shift();
      }
      this.maybeFinishOptimization(run);
    }
  }

  private markRunning(run: LiveRun): void {
    run.status = 'Running';
    run.startedAt = Date.now();
    run.t0 = performance.now();
    this.board.store(run.slot, 'Status', StatusCode.Running);
    this.board.beat(run.slot);
    this.write(run, 'started');
  }

  private startBacktest(run: LiveRun, w: EngineWorker): void {
    this.markRunning(run);
    w.runId = run.id;
    run.workers.add(w);
    w.runBacktest({ runId: run.id, slot: run.slot, requestJson: run.requestJson, debug: run.debug }, run.dataset, () =>
      this.datasets.loaded(run.dataset),
    ).then(
      (reply) => this.onBacktestReply(run, w, reply),
      (e: unknown) => {
        this.release(run, w);
        if (run.cancelRequested) void this.finish(run, 'Cancelled');
        else void this.finish(run, 'Failed', errorOf(e));
        this.pump();
      },
    );
  }

  private onBacktestReply(run: LiveRun, w: EngineWorker, reply: BacktestReply): void {
    this.release(run, w);
    switch (reply.outcome) {
      case 'completed': {
        run.engineMs += reply.engineMs;
        const tradesJson = reply.tradesJson;
        let trades: Trade[] | null = null;
        const result: BacktestResult = {
          ...reply.result,
          equity_curve: reply.equityCurve,
          // Parsed on first read, outside the task that receives the result.
          get trades(): Trade[] {
            trades ??= JSON.parse(tradesJson);
            return trades ?? [];
          },
        };
        void this.finish(run, 'Completed', { result });
        break;
      }
      case 'cancelled':
        void this.finish(run, 'Cancelled');
        break;
      case 'failed':
        if (reply.error.code === 'trap') this.retire(w, reply.error.message, 'trap', reply.error.stack, run.id);
        void this.finish(run, 'Failed', { errorMessage: describe(reply.error), errorStackTrace: reply.error.stack });
        break;
      default:
        assertNever(reply);
    }
    this.recycleIfLarge(w, run.id);
    this.pump();
  }

  /** A worker whose Wasm heap grew past RECYCLE_HEAP_BYTES (a huge dataset, or a run that hit the
   *  2 GB ceiling) is replaced once idle: a Wasm heap never shrinks, so this gives the memory back. */
  private recycleIfLarge(w: EngineWorker, runId: string): void {
    if (w.dead || w.runId !== null || w.heapBytes < RECYCLE_HEAP_BYTES) return;
    this.retire(w, `engine heap grew to ${Math.round(w.heapBytes / 1048576)} MB; replaced to free it`, 'recycled', undefined, runId);
  }

  /** Gives `w` a share of the optimization's combinations; false if none are left. */
  private dispatchTrials(run: LiveRun, w: EngineWorker): boolean {
    if (run.cancelRequested || run.fatal || run.finishing) return false;
    const sharedLeft = this.shared && this.board.load(run.slot, 'NextIndex') < run.total;
    const claim = run.ledger.take(w, sharedLeft);
    if (!claim) return false;
    w.runId = run.id;
    run.workers.add(w);
    w.runTrials(
      { runId: run.id, slot: run.slot, requestJson: run.requestJson, total: run.total, claim, debug: run.debug },
      run.dataset,
      () => this.datasets.loaded(run.dataset),
    ).then(
      (reply) => this.onTrialsReply(run, w, reply),
      (e: unknown) => this.onTrialsLost(run, w, errorOf(e)),
    );
    return true;
  }

  private onTrialsReply(run: LiveRun, w: EngineWorker, reply: TrialsReply): void {
    const plan = run.ledger.release(w);
    this.release(run, w);
    switch (reply.outcome) {
      case 'done':
        run.engineMs += reply.engineMs;
        break;
      case 'failed': {
        const e = reply.error;
        if (e.code === 'trap') {
          this.retire(w, e.message, 'trap', e.stack, run.id);
          for (const i of run.ledger.lost(plan, e.trialIndex, reply.unfinished)) this.recordLostTrial(run, i, describe(e), e.stack ?? '');
        } else {
          run.fatal = e;
          if (this.shared) this.board.store(run.slot, 'Cancel', 1);
        }
        break;
      }
      default:
        assertNever(reply);
    }
    this.recycleIfLarge(w, run.id);
    if (!this.shared && !run.cancelRequested && !run.fatal && !w.dead && this.dispatchTrials(run, w)) return;
    this.maybeFinishOptimization(run);
    this.pump();
  }

  /** The worker died (terminated for cancel, or crashed) while running trials. */
  private onTrialsLost(run: LiveRun, w: EngineWorker, e: { errorMessage: string; errorStackTrace?: string; code: string }): void {
    const plan = run.ledger.release(w);
    this.release(run, w);
    if (!run.cancelRequested && e.code !== 'terminated') {
      for (const i of run.ledger.lost(plan, undefined, undefined)) this.recordLostTrial(run, i, e.errorMessage, e.errorStackTrace ?? '');
    }
    this.maybeFinishOptimization(run);
    this.pump();
  }

  private recordLostTrial(run: LiveRun, index: number, message: string, stack: string): void {
    const trial: TrialRecord = {
      index,
      params: null,
      status: 'failed',
      metrics: null,
      final_equity: null,
      error_message: message,
      error_stack_trace: stack,
    };
    this.addTrials(run, [trial], false);
  }

  private addTrials(run: LiveRun, trials: TrialRecord[], sharedCounted: boolean): void {
    const fresh = run.ledger.add(trials);
    this.bufferTrials(run, fresh);
    for (const t of fresh) {
      if (!sharedCounted) {
        this.board.add(run.slot, t.status === 'completed' ? 'Completed' : 'Failed', 1);
        this.board.add(run.slot, 'Processed', 1);
        this.board.beat(run.slot);
      }
      if (t.status === 'failed') {
        this.log.write({
          event: 'trial_failed',
          runId: run.id,
          kind: run.kind,
          status: run.status,
          elapsedMs: Math.round(performance.now() - run.t0),
          counts: { index: t.index, ...this.counts(run) },
          message: t.error_message ?? '',
        });
      }
    }
  }

  private maybeFinishOptimization(run: LiveRun): void {
    if (run.kind !== 'optimization' || run.finishing || run.status !== 'Running' || run.workers.size > 0) return;
    if (run.fatal) {
      void this.finish(run, 'Failed', { errorMessage: describe(run.fatal), errorStackTrace: run.fatal.stack });
      return;
    }
    if (run.cancelRequested) {
      void this.finish(run, 'Cancelled', { result: this.optimizationResult(run, true) });
      return;
    }
    const unclaimed = run.ledger.queued || (this.shared && this.board.load(run.slot, 'NextIndex') < run.total);
    if (unclaimed) return; // a worker that frees up (or a replacement) takes the rest
    // Every combination was claimed; any not reported (a worker lost without a reply) failed.
    for (const i of run.ledger.missing()) this.recordLostTrial(run, i, 'trial lost: its engine worker stopped', '');
    void this.finish(run, 'Completed', { result: this.optimizationResult(run, false) });
  }

  private optimizationResult(run: LiveRun, cancelled: boolean): OptimizationResult {
    return run.ledger.result(run.objective, run.direction, cancelled);
  }

  private release(run: LiveRun, w: EngineWorker): void {
    run.workers.delete(w);
    if (w.runId === run.id) w.runId = null;
  }

  // ---- cancel ----------------------------------------------------------------------------------

  private async cancel(id: string, kind: RunKind): Promise<CancelAnswer> {
    const run = this.live.get(id);
    if (run && run.kind === kind) {
      switch (run.status) {
        case 'Pending': {
          run.cancelRequested = true;
          const at = this.queue.indexOf(run);
          if (at >= 0) this.queue.splice(at, 1);
          this.board.store(run.slot, 'Cancel', 1);
          await this.finish(run, 'Cancelled', run.kind === 'optimization' ? { result: this.optimizationResult(run, true) } : {});
          return { id, status: 'Cancelled' };
        }
        case 'Running': {
          if (!run.cancelRequested) {
            run.cancelRequested = true;
            if (this.shared) {
              this.board.store(run.slot, 'Cancel', 1);
              run.hardStop = setTimeout(() => this.stopWorkers(run, 'cancel not confirmed in time'), HARD_STOP_AFTER_MS);
            } else {
              this.stopWorkers(run, 'cancelled');
            }
            // An optimization waiting for a worker (all of its own were lost) ends here.
            this.maybeFinishOptimization(run);
          }
          await run.settled;
          return this.cancelAnswer(id, run.status);
        }
        case 'Completed':
        case 'Failed':
        case 'Cancelled':
          return this.cancelAnswer(id, run.status);
        default:
          return assertNever(run.status);
      }
    }
    const stored = await this.stored(id);
    if (!stored || stored.kind !== kind) throw new NotFoundError(id);
    if (stored.status === 'Pending' || stored.status === 'Running') {
      throw new ConflictError(id, stored.status, `run ${id} is not running in this page`);
    }
    return this.cancelAnswer(id, stored.status);
  }

  private cancelAnswer(id: string, status: RunStatus): CancelAnswer {
    if (status === 'Completed' || status === 'Failed') {
      throw new ConflictError(id, status, `run ${id} is already ${status}; it cannot be cancelled`);
    }
    return { id, status };
  }

  /** Hard stop: ends the run's workers (their replacements start at once). */
  private stopWorkers(run: LiveRun, reason: string): void {
    for (const w of [...run.workers]) this.retire(w, reason, 'terminated');
  }

  // ---- workers ---------------------------------------------------------------------------------

  private spawn(): EngineWorker | null {
    if (!this.poolOptions) return null;
    const w = new EngineWorker(this.poolOptions);
    this.workers.push(w);
    w.ready.then(
      () => {
        w.isReady = true;
        this.spawnFailures = 0;
        this.pump();
      },
      (e: unknown) => {
        this.workers = this.workers.filter((x) => x !== w);
        w.terminate('failed to start');
        this.spawnFailures++;
        this.brokenReason = `engine worker failed to start: ${e instanceof Error ? e.message : String(e)}`;
        console.error('[atf]', this.brokenReason);
        if (this.spawnFailures < 3) this.spawn();
      },
    );
    return w;
  }

  /** Ends a worker (trap, crash, hard cancel) and starts a replacement. */
  private retire(w: EngineWorker, reason: string, code: string, stack?: string, runId: string | null = w.runId): void {
    const inPool = this.workers.includes(w);
    w.terminate(reason, code, stack);
    if (w === this.control && this.poolOptions) {
      this.control = new EngineWorker(this.poolOptions);
      this.log.write({
        event: 'worker_replaced',
        runId,
        kind: null,
        status: null,
        elapsedMs: null,
        counts: { worker: w.id, replacement: this.control.id },
        message: `${code}: ${reason}`,
      });
      return;
    }
    if (!inPool) return;
    this.workers = this.workers.filter((x) => x !== w);
    const fresh = this.spawn();
    this.log.write({
      event: 'worker_replaced',
      runId,
      kind: null,
      status: null,
      elapsedMs: null,
      counts: { worker: w.id, replacement: fresh?.id ?? -1 },
      message: `${code}: ${reason}`,
    });
  }

  private onWorkerCrash(w: EngineWorker, e: SerializedError): void {
    // Pending calls were rejected (their runs are handled there); replace the worker.
    this.retire(w, e.message, e.code, e.stack);
  }

  private onWorkerEvent(_w: EngineWorker, e: WorkerEvent): void {
    switch (e.kind) {
      case 'progress': {
        const run = this.live.get(e.runId);
        if (run && !run.finishing) {
          this.board.raise(run.slot, 'Processed', e.processed);
          this.board.beat(run.slot);
        }
        return;
      }
      case 'trials': {
        const run = this.live.get(e.runId);
        if (run) this.addTrials(run, e.trials, e.sharedCounted);
        return;
      }
      case 'log':
        console[e.level === 'info' ? 'info' : e.level === 'warn' ? 'warn' : 'error']('[atf worker]', e.message);
        return;
      default:
        assertNever(e);
    }
  }

  // ---- terminal transitions --------------------------------------------------------------------

  /** Records the terminal state: persisted first, only then removed from the live store. */
  private async finish(
    run: LiveRun,
    status: 'Completed' | 'Failed' | 'Cancelled',
    extra: { result?: BacktestResult | OptimizationResult; errorMessage?: string; errorStackTrace?: string } = {},
  ): Promise<void> {
    if (run.finishing) return run.settled;
    run.finishing = true;
    if (run.hardStop !== null) clearTimeout(run.hardStop);
    run.finishedAt = Date.now();
    if (extra.result) run.result = extra.result;
    if (extra.errorMessage !== undefined) run.errorMessage = extra.errorMessage || 'run failed';
    if (extra.errorStackTrace) run.errorStackTrace = extra.errorStackTrace;
    if (status === 'Failed' && !run.errorMessage) run.errorMessage = 'run failed';
    if (status === 'Completed' && run.kind === 'backtest') this.board.store(run.slot, 'Processed', run.total);
    // The terminal state is written first and shown only then: a run reported Completed, Failed
    // or Cancelled is already in IndexedDB (or, if storage refused it, kept and flagged).
    await this.flushTrials(run);
    const stored = { ...this.liveToStored(run), status };
    try {
      await this.repo.save(stored);
      this.unsaved.delete(run.id);
    } catch (e) {
      // Storage failed (quota, private mode): the run stays readable in this page, and the page
      // says that results will not be kept.
      this.unsaved.set(run.id, stored);
      this.storageWarning = `Run ${run.id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)} Its result stays available in this page until it is closed.`;
      console.error('[atf]', this.storageWarning);
    }
    run.status = status;
    this.board.store(run.slot, 'Status', StatusCode[status]);
    this.board.beat(run.slot);
    this.write(run, status === 'Completed' ? 'completed' : status === 'Cancelled' ? 'cancelled' : 'run_failed');
    this.live.delete(run.id);
    this.allocator.release(run.slot);
    run.settle();
    this.pump();
  }

  private counts(run: LiveRun): Record<string, number> {
    const s = this.board.snapshot(run.slot);
    const out: Record<string, number> =
      run.kind === 'backtest'
        ? { processedBars: s.processed, totalBars: run.total }
        : { completed: s.completed, failed: s.failed, total: run.total };
    if (run.engineMs > 0) out['engineMs'] = Math.round(run.engineMs * 10) / 10;
    return out;
  }

  private write(run: LiveRun, event: LogRecord['event']): void {
    this.log.write({
      event,
      runId: run.id,
      kind: run.kind,
      status: run.status,
      elapsedMs: Math.round(performance.now() - run.t0),
      counts: this.counts(run),
      ...(run.errorMessage ? { message: run.errorMessage } : {}),
    });
  }

  // ---- persistence -----------------------------------------------------------------------------

  /** The copy storage refused (kept in memory, see finish()), else the repository's. The refused
   *  copy comes first: the repository may still hold the run's earlier (Pending) row. */
  private async stored(id: string): Promise<StoredRun | undefined> {
    return this.unsaved.get(id) ?? (await this.repo.get(id));
  }

  /** Queues finished trials for the repository: written in batches of up to 500, at least every
   *  half second, so an interrupted optimization keeps what it computed. */
  private bufferTrials(run: LiveRun, trials: TrialRecord[]): void {
    if (trials.length === 0 || run.kind !== 'optimization') return;
    run.trialBuffer.push(...trials);
    if (run.trialBuffer.length >= 500) {
      void this.flushTrials(run);
    } else if (run.trialTimer === null) {
      run.trialTimer = setTimeout(() => void this.flushTrials(run), 500);
    }
  }

  private flushTrials(run: LiveRun): Promise<void> {
    if (run.trialTimer !== null) clearTimeout(run.trialTimer);
    run.trialTimer = null;
    const batch = run.trialBuffer.splice(0);
    if (batch.length > 0) {
      run.trialSaves = run.trialSaves
        .then(() => this.repo.saveTrials(run.id, batch))
        .catch((e: unknown) => {
          this.storageWarning = `Trials of run ${run.id.slice(0, 8)} could not be saved: ${e instanceof Error ? e.message : String(e)}`;
        });
    }
    return run.trialSaves;
  }

  /** Holds a Web Lock named after the run while it is in flight in this page. Another page (or
   *  this one after a reload) tells a run in progress elsewhere from an interrupted one by it. */
  private holdRunLock(run: LiveRun): void {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) return;
    void locks.request(RUN_LOCK_PREFIX + run.id, () => run.settled).catch(() => undefined);
  }

  /** Runs left Pending or Running by a page that is gone become Failed ("interrupted"); an
   *  optimization keeps its saved trials and can be resumed (resumeOptimization). A run another
   *  page is running (it holds the run's Web Lock) is watched: when that page closes, the lock
   *  comes free and the run is marked then, so no page shows it Running forever. */
  private async recoverInterrupted(): Promise<void> {
    let unfinished: StoredRun[];
    try {
      unfinished = await this.repo.unfinished();
    } catch {
      return;
    }
    await Promise.all(unfinished.map((run) => this.checkRun(run.id)));
    // Runs other pages start later are watched too (rescanned when the database changes).
    this.repo.onChange?.(() => this.scheduleRescan());
  }

  private scheduleRescan(): void {
    if (this.rescanTimer !== null) return;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      void this.repo.unfinished().then(
        (runs) => runs.forEach((r) => void this.checkRun(r.id)),
        () => undefined,
      );
    }, 250);
  }

  /** Marks the run interrupted at once if no page holds its lock; else waits for the lock. */
  private async checkRun(id: string): Promise<void> {
    if (this.live.has(id) || this.watched.has(id)) return;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) {
      await this.markInterrupted(id);
      return;
    }
    this.watched.add(id);
    try {
      const free = await locks.request(RUN_LOCK_PREFIX + id, { ifAvailable: true }, async (lock) => {
        if (!lock) return false;
        await this.markInterrupted(id);
        return true;
      });
      if (free) {
        this.watched.delete(id);
        return;
      }
    } catch {
      this.watched.delete(id);
      return;
    }
    // Held by a page running it: granted when that page finishes the run or is closed.
    void locks
      .request(RUN_LOCK_PREFIX + id, () => this.markInterrupted(id))
      .catch(() => undefined)
      .finally(() => this.watched.delete(id));
  }

  /** Called holding the run's lock (so no page is running it): if the freshly read row is still
   *  Pending or Running, its page is gone. */
  private async markInterrupted(id: string): Promise<void> {
    if (this.live.has(id)) return;
    let run: StoredRun | undefined;
    try {
      run = (await this.repo.unfinished()).find((r) => r.id === id);
    } catch {
      return;
    }
    if (!run || this.live.has(id)) return;
    const full = (await this.repo.get(run.id)) ?? run;
    const interrupted: StoredRun = {
      ...full,
      status: 'Failed',
      finishedAt: Date.now(),
      errorMessage: INTERRUPTED_MESSAGE,
    };
    if (full.kind === 'optimization') {
      const prior = full.result as OptimizationResult | undefined;
      const trials = prior?.trials ?? [];
      const completed = trials.filter((t) => t.status === 'completed').length;
      interrupted.completed = completed;
      interrupted.failed = trials.length - completed;
      interrupted.processed = trials.length;
      interrupted.result = { ...(prior ?? emptyResult(full)), completed, failed: trials.length - completed, cancelled: false };
      interrupted.errorStackTrace = `${trials.length} of ${full.total} combinations were saved; resumeOptimization("${full.id}") runs the rest`;
    }
    await this.repo.save(interrupted).catch(() => undefined);
    this.log.write({
      event: 'run_failed',
      runId: run.id,
      kind: run.kind,
      status: 'Failed',
      elapsedMs: null,
      counts: { processed: interrupted.processed, total: interrupted.total },
      message: INTERRUPTED_MESSAGE,
    });
  }

  /** Resumes an interrupted (or cancelled) optimization: its saved trials are kept and only the
   *  missing combinations run. Resolves like submitOptimization. */
  async resumeOptimization(id: string): Promise<{ id: string; totalCombinations: number }> {
    const live = this.live.get(id);
    if (live) throw new ConflictError(id, live.status, `run ${id} is ${live.status}`);
    const stored = await this.stored(id);
    if (!stored || stored.kind !== 'optimization') throw new NotFoundError(id);
    if (stored.status !== 'Failed' && stored.status !== 'Cancelled') {
      throw new ConflictError(id, stored.status, `run ${id} is ${stored.status}; only an interrupted or cancelled optimization resumes`);
    }
    const { id: rid, total } = await this.submit('optimization', stored.request, stored);
    return { id: rid, totalCombinations: total };
  }

  /** Pre-fills a resumed run with its saved trials: counted, and never handed out again. */
  private seedResumed(run: LiveRun, resumed: StoredRun): void {
    const saved = (resumed.result as OptimizationResult | undefined)?.trials ?? [];
    run.ledger.resume(saved);
    const completed = saved.filter((t) => t.status === 'completed').length;
    this.board.store(run.slot, 'Completed', completed);
    this.board.store(run.slot, 'Failed', saved.length - completed);
    this.board.store(run.slot, 'Processed', saved.length);
    if (this.shared) this.board.store(run.slot, 'NextIndex', run.total);  // only the ledger's lists remain
  }

  // ---- views -----------------------------------------------------------------------------------

  private liveToStored(run: LiveRun): StoredRun {
    const s = this.board.snapshot(run.slot);
    const stored: StoredRun = {
      id: run.id,
      kind: run.kind,
      status: run.status,
      dataset: run.dataset,
      request: run.request,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      total: run.total,
      processed: s.processed,
      completed: s.completed,
      failed: s.failed,
    };
    if (run.errorMessage !== undefined) stored.errorMessage = run.errorMessage;
    if (run.errorStackTrace !== undefined) stored.errorStackTrace = run.errorStackTrace;
    if (run.result !== undefined) stored.result = run.result;
    return stored;
  }

  private async getRun(id: string, kind: RunKind): Promise<StoredRun> {
    const run = this.live.get(id);
    if (run && run.kind === kind) return this.liveToStored(run);
    const stored = await this.stored(id);
    if (stored && stored.kind === kind) return stored;
    throw new NotFoundError(id);
  }
}
