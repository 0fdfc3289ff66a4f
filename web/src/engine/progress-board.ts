// The progress board: one fixed-size table of run slots shared by the page and the engine workers.
// With cross-origin isolation it lives in a SharedArrayBuffer: workers write with Atomics.store /
// Atomics.add from inside the engine's progress callback and the UI reads synchronously with
// Atomics.load (no message round trip). Without isolation the same layout sits in a plain
// ArrayBuffer owned by the page, which copies progress messages into it; readers do not change.

/** Int32 fields of one slot, in order. A slot is 16 Int32s (64 bytes, one cache line). */
export const Field = {
  /** RunStatusCode of the run in this slot (Free when unused). */
  Status: 0,
  /** 1 backtest, 2 optimization, 3 walk-forward. */
  Kind: 1,
  /** Backtest: bars processed. Optimization: trials finished (completed + failed). Walk-forward:
   *  windows finished (the window running is this one, 0-based). */
  Processed: 2,
  /** Backtest: total bars. Optimization: total combinations. Walk-forward: windows. */
  Total: 3,
  /** Optimization: trials completed. Walk-forward: trials finished in the window running. */
  Completed: 4,
  /** Optimization: trials failed. */
  Failed: 5,
  /** Cancel flag: the page stores 1; the engine's progress callback returns Atomics.load of it. */
  Cancel: 6,
  /** Last progress write, in ms since the board's epoch (performance.timeOrigin of the page). */
  Heartbeat: 7,
  /** Optimization: next combination index to claim (Atomics.add by the workers' claim callback). */
  NextIndex: 8,
  /** Incremented each time the slot is reused, so a stale reader can notice. */
  Generation: 9,
} as const;
export type FieldName = keyof typeof Field;

export const SLOT_INTS = 16;
export const SLOT_COUNT = 256;
export const BOARD_BYTES = SLOT_INTS * SLOT_COUNT * Int32Array.BYTES_PER_ELEMENT;

/** Status codes stored in Field.Status. */
export const StatusCode = { Free: 0, Pending: 1, Running: 2, Completed: 3, Failed: 4, Cancelled: 5 } as const;
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];

export const KindCode = { backtest: 1, optimization: 2, walkforward: 3 } as const;

/** True where a SharedArrayBuffer can be created and shared with workers. */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

/** Creates the board's memory: shared when possible, else a plain buffer (fallback mode). */
export function createBoardBuffer(shared: boolean): SharedArrayBuffer | ArrayBuffer {
  return shared ? new SharedArrayBuffer(BOARD_BYTES) : new ArrayBuffer(BOARD_BYTES);
}

/** A typed view over the board; the same class is used on the page and in the workers. */
export class ProgressBoard {
  readonly ints: Int32Array;
  /** Milliseconds origin of Field.Heartbeat (the page's performance.timeOrigin). */
  readonly epoch: number;

  constructor(buffer: SharedArrayBuffer | ArrayBuffer, epoch: number) {
    this.ints = new Int32Array(buffer);
    this.epoch = epoch;
  }

  get shared(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && this.ints.buffer instanceof SharedArrayBuffer;
  }

  /** Reads one field (Atomics.load; valid on shared and plain buffers alike). */
  load(slot: number, field: FieldName): number {
    return Atomics.load(this.ints, slot * SLOT_INTS + Field[field]);
  }

  store(slot: number, field: FieldName, value: number): void {
    Atomics.store(this.ints, slot * SLOT_INTS + Field[field], value);
  }

  /** Returns the value before the addition. */
  add(slot: number, field: FieldName, delta: number): number {
    return Atomics.add(this.ints, slot * SLOT_INTS + Field[field], delta);
  }

  /** Raises a field to `value` if larger (progress never goes backwards). */
  raise(slot: number, field: FieldName, value: number): void {
    const i = slot * SLOT_INTS + Field[field];
    for (;;) {
      const old = Atomics.load(this.ints, i);
      if (value <= old || Atomics.compareExchange(this.ints, i, old, value) === old) return;
    }
  }

  beat(slot: number): void {
    this.store(slot, 'Heartbeat', Math.floor(Date.now() - this.epoch) & 0x7fffffff);
  }

  /** Synchronous snapshot of a slot, for UI polling. */
  snapshot(slot: number): SlotSnapshot {
    return {
      status: this.load(slot, 'Status'),
      kind: this.load(slot, 'Kind'),
      processed: this.load(slot, 'Processed'),
      total: this.load(slot, 'Total'),
      completed: this.load(slot, 'Completed'),
      failed: this.load(slot, 'Failed'),
      cancel: this.load(slot, 'Cancel') !== 0,
      heartbeatMs: this.load(slot, 'Heartbeat'),
      generation: this.load(slot, 'Generation'),
    };
  }
}

export interface SlotSnapshot {
  status: number;
  kind: number;
  processed: number;
  total: number;
  completed: number;
  failed: number;
  cancel: boolean;
  heartbeatMs: number;
  generation: number;
}

/** Page-side slot allocation (only the page allocates; workers only write counters). */
export class SlotAllocator {
  private readonly free: number[] = [];

  constructor(private readonly board: ProgressBoard) {
    for (let s = SLOT_COUNT - 1; s >= 0; s--) this.free.push(s);
  }

  /** Claims and zeroes a slot; returns -1 when all slots are in use. */
  allocate(kind: keyof typeof KindCode, total: number): number {
    const slot = this.free.pop();
    if (slot === undefined) return -1;
    const generation = this.board.load(slot, 'Generation') + 1;
    for (let f = 0; f < SLOT_INTS; f++) Atomics.store(this.board.ints, slot * SLOT_INTS + f, 0);
    this.board.store(slot, 'Generation', generation);
    this.board.store(slot, 'Kind', KindCode[kind]);
    this.board.store(slot, 'Total', total);
    this.board.store(slot, 'Status', StatusCode.Pending);
    return slot;
  }

  release(slot: number): void {
    this.board.store(slot, 'Status', StatusCode.Free);
    this.free.push(slot);
  }

  get available(): number {
    return this.free.length;
  }
}
