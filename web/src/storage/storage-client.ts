// The page side of the storage worker: a RunRepository whose every call is a message.
import type { RunRepository } from '../engine/repository';
import type { OptimizationStatistics, StatisticsUnavailable, RunFilter, RunReadOptions, StoredRun, TrialColumns, TrialPage, TrialQuery, TrialRecord } from '../engine/types';
import { ImportRejectedError, StorageError } from './storage-errors';
import type { ScriptDoc, ScriptRef, ScriptSummary, ScriptVersionInfo } from './script-repository';
import type { StorageCalls, StorageInit, StorageMethod, StorageReply, StorageStatus } from './storage-protocol';

export class StorageClient implements RunRepository {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<StorageReply>) => {
      const m = e.data;
      if (m.id === -1) {
        for (const l of this.listeners) l();
        return;
      }
      if (m.id === -2 || !('ok' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(m.error.name === 'ImportRejectedError' ? new ImportRejectedError(m.error.message)
        : m.error.name === 'StorageError' ? new StorageError(m.error.message) : Object.assign(new Error(m.error.message), { name: m.error.name }));
    };
  }

  /** Starts the storage worker and opens the database. */
  static async start(init: StorageInit): Promise<StorageClient> {
    const worker = new Worker(new URL('./storage.worker.ts', import.meta.url), { type: 'module', name: 'atf-storage' });
    const ready = new Promise<void>((resolve, reject) => {
      worker.addEventListener('message', function onReady(e: MessageEvent<StorageReply>) {
        if (e.data.id !== -2) return;
        worker.removeEventListener('message', onReady);
        if ('error' in e.data && e.data.error) reject(new StorageError(e.data.error.message));
        else resolve();
      });
      worker.addEventListener('error', (e) => reject(new StorageError(`storage worker failed: ${e.message}`)), { once: true });
    });
    const client = new StorageClient(worker);
    // Ask once for persistent storage, so the browser does not evict saved runs under pressure.
    await globalThis.navigator?.storage?.persist?.().catch(() => false);
    worker.postMessage(init);
    await ready;
    return client;
  }

  /** Called when another tab changed the database. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private call<M extends StorageMethod>(method: M, ...args: StorageCalls[M][0]): Promise<StorageCalls[M][1]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  save(run: StoredRun): Promise<void> { return this.call('save', run); }
  saveTrials(runId: string, trials: TrialRecord[]): Promise<void> { return this.call('saveTrials', runId, trials); }
  savedTrialIndexes(runId: string): Promise<number[]> { return this.call('savedTrialIndexes', runId); }
  get(id: string, options?: RunReadOptions): Promise<StoredRun | undefined> { return options ? this.call('get', id, options) : this.call('get', id); }
  trialColumns(runId: string, objective: string): Promise<TrialColumns> { return this.call('trialColumns', runId, objective); }
  trialPage(runId: string, query: TrialQuery): Promise<TrialPage> { return this.call('trialPage', runId, query); }
  trialAt(runId: string, index: number): Promise<TrialRecord | null> { return this.call('trialAt', runId, index); }
  saveStatistics(runId: string, statistics: OptimizationStatistics | StatisticsUnavailable): Promise<void> { return this.call('saveStatistics', runId, statistics); }
  list(filter?: RunFilter): Promise<StoredRun[]> { return this.call('list', filter); }
  delete(id: string): Promise<boolean> { return this.call('delete', id); }
  unfinished(): Promise<StoredRun[]> { return this.call('unfinished'); }
  saveDataset(name: string, csv: string): Promise<void> { return this.call('saveDataset', name, csv); }
  datasets(): Promise<Array<{ name: string; csv: string }>> { return this.call('datasets'); }
  deleteDataset(name: string): Promise<boolean> { return this.call('deleteDataset', name); }
  exportBytes(): Promise<Uint8Array> { return this.call('exportBytes'); }
  importBytes(bytes: Uint8Array): Promise<void> { return this.call('importBytes', bytes); }
  status(): Promise<StorageStatus> { return this.call('status'); }

  // The scripts library (script-repository.ts has what each call does).
  scriptList(): Promise<ScriptSummary[]> { return this.call('scriptList'); }
  scriptCreate(name: string, source: string, hash: string): Promise<ScriptDoc> { return this.call('scriptCreate', name, source, hash); }
  scriptOpen(id: string): Promise<ScriptDoc> { return this.call('scriptOpen', id); }
  scriptRename(id: string, name: string): Promise<void> { return this.call('scriptRename', id, name); }
  scriptDelete(id: string): Promise<void> { return this.call('scriptDelete', id); }
  scriptVersions(id: string): Promise<ScriptVersionInfo[]> { return this.call('scriptVersions', id); }
  scriptVersionText(id: string, version: number): Promise<string> { return this.call('scriptVersionText', id, version); }
  scriptSaveDraft(id: string, text: string | null): Promise<void> { return this.call('scriptSaveDraft', id, text); }
  scriptSaveVersion(id: string, source: string, hash: string): Promise<number> { return this.call('scriptSaveVersion', id, source, hash); }
  scriptByHash(hash: string): Promise<ScriptRef | null> { return this.call('scriptByHash', hash); }
}
