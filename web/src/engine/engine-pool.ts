// The page's engine workers as a pool: the control worker (validation, script checks, engine
// info) and the run workers; starting them from one compiled module, replacing one that trapped,
// crashed, was stopped or grew too large, and the pool's diagnostics. Which run goes to which
// worker is the scheduler's job (scheduler.ts).
import { ConflictError, EngineError, type SerializedError } from './errors';
import type { RunLog } from './log';
import type { WorkerEvent } from './protocol';
import { EngineWorker, type PoolOptions } from './worker-pool';

/** A worker whose Wasm heap reached this size is replaced after its run (see recycleIfLarge). */
export const RECYCLE_HEAP_BYTES = 1536 * 1048576;

export interface PoolHooks {
  /** An unsolicited worker event (progress, trials, log). */
  onEvent: (worker: EngineWorker, event: WorkerEvent) => void;
  /** A run worker became ready (a new or replacement one): there may be work for it. */
  onWorkerReady: () => void;
}

/** Where the pool starts its workers from. */
export interface PoolStart {
  wasmUrl: string;
  glueUrl: string;
  /** The progress board's buffer when it is shared (shared-memory mode), else null. */
  board: SharedArrayBuffer | null;
  boardEpoch: number;
}

export class EnginePool {
  /** The run workers (the control worker is not among them). */
  workers: EngineWorker[] = [];
  private control: EngineWorker | null = null;
  private options: PoolOptions | null = null;
  private spawnFailures = 0;
  /** Set when workers cannot be started at all (the page shows it). */
  brokenReason: string | null = null;

  constructor(
    readonly size: number,
    private readonly log: RunLog,
    private readonly hooks: PoolHooks,
  ) {}

  /** Compiles the module once, starts the control worker and `size` run workers, and waits for them. */
  async start(s: PoolStart): Promise<void> {
    const response = await fetch(s.wasmUrl);
    if (!response.ok) throw new Error(`cannot load the engine (${s.wasmUrl}: HTTP ${response.status})`);
    const module = await WebAssembly.compile(await response.arrayBuffer());
    this.options = {
      module,
      glueUrl: s.glueUrl,
      board: s.board,
      boardEpoch: s.boardEpoch,
      onEvent: (w, e) => this.hooks.onEvent(w, e),
      // Its pending calls were rejected (their runs are handled there); replace the worker.
      onCrash: (w, e: SerializedError) => this.retire(w, e.message, e.code, e.stack),
    };
    this.control = new EngineWorker(this.options);
    for (let i = 0; i < this.size; i++) this.spawn();
    await Promise.all([this.control.ready, ...this.workers.map((w) => w.ready)]);
  }

  /** Run workers that are up and have nothing to do. */
  free(): EngineWorker[] {
    return this.workers.filter((w) => w.idle && w.isReady);
  }

  /** The control worker, once ready; an EngineError if the engine could not start. */
  async controlWorker(): Promise<EngineWorker> {
    const control = this.control;
    if (!control || control.dead) throw new EngineError(this.brokenReason ?? 'engine not started', 'internal');
    await control.ready;
    return control;
  }

  /** True if `w` is the current control worker. */
  isControl(w: EngineWorker): boolean {
    return w === this.control;
  }

  private spawn(): EngineWorker | null {
    if (!this.options) return null;
    const w = new EngineWorker(this.options);
    this.workers.push(w);
    w.ready.then(
      () => {
        w.isReady = true;
        this.spawnFailures = 0;
        this.hooks.onWorkerReady();
      },
      (e: unknown) => {
        this.workers = this.workers.filter((x) => x !== w);
        w.terminate('failed to start');
        this.spawnFailures++;
        this.brokenReason = `engine worker failed to start: ${e instanceof Error ? e.message : String(e)}`;
        console.error('[atf]', this.brokenReason);
        // A module that cannot start fails every time: stop after three in a row.
        if (this.spawnFailures < 3) this.spawn();
      },
    );
    return w;
  }

  /** Ends a worker (trap, crash, hard cancel, recycling) and starts a replacement. */
  retire(w: EngineWorker, reason: string, code: string, stack?: string, runId: string | null = w.runId): void {
    const inPool = this.workers.includes(w);
    w.terminate(reason, code, stack);
    let replacement = -1;
    if (w === this.control && this.options) {
      this.control = new EngineWorker(this.options);
      replacement = this.control.id;
    } else if (inPool) {
      this.workers = this.workers.filter((x) => x !== w);
      replacement = this.spawn()?.id ?? -1;
    } else {
      return;
    }
    this.log.write({
      event: 'worker_replaced',
      runId,
      kind: null,
      status: null,
      elapsedMs: null,
      counts: { worker: w.id, replacement },
      message: `${code}: ${reason}`,
    });
  }

  /** A worker whose Wasm heap grew past RECYCLE_HEAP_BYTES (a huge dataset, or a run that hit the
   *  2 GB ceiling) is replaced once idle: a Wasm heap never shrinks, so this gives the memory back. */
  recycleIfLarge(w: EngineWorker, runId: string | null): void {
    if (w.dead || w.busy || w.heapBytes < RECYCLE_HEAP_BYTES) return;
    if (!this.isControl(w) && w.runId !== null) return;
    this.retire(w, `engine heap grew to ${Math.round(w.heapBytes / 1048576)} MB; replaced to free it`, 'recycled', undefined, runId);
  }

  /** The run workers' state, for the UI and tests. */
  state(): Array<{ id: number; ready: boolean; runId: string | null; heapBytes: number }> {
    return this.workers.map((w) => ({ id: w.id, ready: w.isReady, runId: w.runId, heapBytes: w.heapBytes }));
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
  async memory(): Promise<Array<{ worker: number; role: 'control' | 'run'; heapBytes: number; datasets: number }>> {
    const all = [...(this.control ? [this.control] : []), ...this.workers].filter((w) => !w.dead);
    return Promise.all(all.map(async (w) => ({ worker: w.id, role: this.isControl(w) ? ('control' as const) : ('run' as const), ...(await w.memory()) })));
  }

  /** Engine version, strategies and metrics (from the control worker). */
  info() {
    if (!this.control) throw new Error('engine not started');
    return this.control.info();
  }
}
