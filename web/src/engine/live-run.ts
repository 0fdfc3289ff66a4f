// A run in flight, as the client's live progress store holds it (spec: the progress store entry).
import type { SerializedError } from './errors';
import type { TrialLedger } from './trial-ledger';
import type {
  BacktestRequest,
  BacktestResult,
  DebugHooks,
  OptimizationRequest,
  OptimizationResult,
  RunKind,
  WalkForwardResult,
  RunStatus,
  TrialRecord,
} from './types';
import type { EngineWorker } from './worker-pool';

export interface LiveRun {
  id: string;
  kind: RunKind;
  status: RunStatus;
  slot: number;
  total: number;
  dataset: string;
  request: BacktestRequest | OptimizationRequest;
  requestJson: string;
  debug: DebugHooks | null;
  /** The RunKey of DESIGN.md's dedup (null: never shared, e.g. a resumed run or one with test hooks). */
  dedupKey: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  t0: number;
  cancelRequested: boolean;
  workers: Set<EngineWorker>;
  finishing: boolean;
  settled: Promise<void>;
  settle: () => void;
  hardStop: ReturnType<typeof setTimeout> | null;
  errorMessage?: string;
  errorStackTrace?: string;
  result?: BacktestResult | OptimizationResult | WalkForwardResult;
  /** Walk-forward: the combinations of each window's optimization. */
  combinations?: number;
  // Optimization only:
  objective: string;
  direction: 'max' | 'min';
  ledger: TrialLedger;
  /** A genetic search: after each generation the control worker plans the next one. */
  genetic: boolean;
  fatal: SerializedError | null;
  /** Time spent inside the engine's run calls, summed over workers (diagnostics). */
  engineMs: number;
  /** Finished trials not yet written to the repository, and the chain of trial writes. */
  trialBuffer: TrialRecord[];
  trialSaves: Promise<void>;
  trialTimer: ReturnType<typeof setTimeout> | null;
  /** A trial write waits behind the one in flight (run-store.ts flushTrials). */
  trialQueued: boolean;
}

export function newId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
