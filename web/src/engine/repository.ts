// Where finished (and submitted) runs are kept. The interface is narrow and async so that the
// SQLite-in-IndexedDB store of a later issue can replace the in-memory one without touching the
// client.
import type { RunFilter, StoredRun, TrialRecord } from './types';

export interface RunRepository {
  /** Inserts or replaces the run with this id. Resolves once the write is durable. */
  save(run: StoredRun): Promise<void>;
  get(id: string): Promise<StoredRun | undefined>;
  /** Newest first. */
  list(filter?: RunFilter): Promise<StoredRun[]>;
  /** Resolves true if a run was deleted. */
  delete(id: string): Promise<boolean>;
  /** Adds finished trials of an optimization while it runs (in batches), so that an interrupted
   *  optimization keeps them. */
  saveTrials(runId: string, trials: TrialRecord[]): Promise<void>;
  /** Runs saved as Pending or Running (after a reload: candidates for "interrupted"), as of now
   *  (including what other tabs wrote). */
  unfinished(): Promise<StoredRun[]>;
  /** Called when the stored runs changed (this tab or another); optional. */
  onChange?(listener: () => void): () => void;
}

/** Keeps runs in a Map (lost on reload). Records are copied shallowly; a stored `result` is
 *  shared, not cloned (results hold megabytes: cloning them on every read would block the page),
 *  so callers must treat results as read-only. */
export class InMemoryRunRepository implements RunRepository {
  private readonly runs = new Map<string, StoredRun>();

  async save(run: StoredRun): Promise<void> {
    this.runs.set(run.id, { ...run });
  }

  async get(id: string): Promise<StoredRun | undefined> {
    const run = this.runs.get(id);
    return run ? { ...run } : undefined;
  }

  async list(filter: RunFilter = {}): Promise<StoredRun[]> {
    const out = [...this.runs.values()]
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.status === undefined || r.status === filter.status))
      .sort((a, b) => b.createdAt - a.createdAt);
    return (filter.limit === undefined ? out : out.slice(0, filter.limit)).map((r) => ({ ...r }));
  }

  async delete(id: string): Promise<boolean> {
    return this.runs.delete(id);
  }

  async saveTrials(runId: string, trials: TrialRecord[]): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    const kept = (run.result as { trials?: TrialRecord[] } | undefined)?.trials;
    if (kept) kept.push(...trials);
  }

  async unfinished(): Promise<StoredRun[]> {
    return [...this.runs.values()].filter((r) => r.status === 'Pending' || r.status === 'Running');
  }
}
