// The storage worker: owns the SQLite database (stored page by page in IndexedDB), so that
// queries and writes never block the page.
import { SqliteScriptRepository } from './script-repository';
import { SqliteRunRepository } from './sqlite-repository';
import { SqliteStore } from './sqlite-store';
import waSqliteWasmUrl from '@journeyapps/wa-sqlite/dist/wa-sqlite-async.wasm?url';
import type { StorageCalls, StorageInit, StorageMethod, StorageReply, StorageRequest } from './storage-protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let store: SqliteStore | null = null;
let repo: SqliteRunRepository | null = null;
let scripts: SqliteScriptRepository | null = null;
let persisted: boolean | null = null;

function reply(message: StorageReply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function call<M extends StorageMethod>(method: M, args: StorageCalls[M][0]): Promise<StorageCalls[M][1]> {
  if (!store || !repo || !scripts) throw new Error('storage is not open');
  const a = args as unknown[];
  switch (method) {
    case 'save': return (await repo.save(a[0] as never)) as never;
    case 'saveTrials': return (await repo.saveTrials(a[0] as string, a[1] as never)) as never;
    case 'savedTrialIndexes': return (await repo.savedTrialIndexes(a[0] as string)) as never;
    case 'get': return (await repo.get(a[0] as string, (a[1] ?? {}) as never)) as never;
    case 'trialColumns': return (await repo.trialColumns(a[0] as string, a[1] as string)) as never;
    case 'trialPage': return (await repo.trialPage(a[0] as string, a[1] as never)) as never;
    case 'saveStatistics': return (await repo.saveStatistics(a[0] as string, a[1] as never)) as never;
    case 'trialAt': return (await repo.trialAt(a[0] as string, a[1] as number)) as never;
    case 'list': return (await repo.list(a[0] as never)) as never;
    case 'delete': return (await repo.delete(a[0] as string)) as never;
    case 'unfinished': return (await repo.unfinished()) as never;
    case 'saveDataset': return (await repo.saveDataset(a[0] as string, a[1] as string)) as never;
    case 'datasets': return (await repo.datasets()) as never;
    case 'deleteDataset': return (await repo.deleteDataset(a[0] as string)) as never;
    case 'exportBytes': return (await store.exportBytes()) as never;
    case 'importBytes': return (await store.importBytes(a[0] as Uint8Array)) as never;
    case 'status': return { persistence: store.persistence, bytes: await store.sizeBytes(), persisted } as never;
    case 'scriptList': return (await scripts.list()) as never;
    case 'scriptCreate': return (await scripts.create(a[0] as string, a[1] as string, a[2] as string)) as never;
    case 'scriptOpen': return (await scripts.open(a[0] as string)) as never;
    case 'scriptRename': return (await scripts.rename(a[0] as string, a[1] as string)) as never;
    case 'scriptDelete': return (await scripts.delete(a[0] as string)) as never;
    case 'scriptVersions': return (await scripts.versions(a[0] as string)) as never;
    case 'scriptVersionText': return (await scripts.versionText(a[0] as string, a[1] as number)) as never;
    case 'scriptSaveDraft': return (await scripts.saveDraft(a[0] as string, a[1] as string | null)) as never;
    case 'scriptSaveVersion': return (await scripts.saveVersion(a[0] as string, a[1] as string, a[2] as string)) as never;
    case 'scriptByHash': return (await scripts.byHash(a[0] as string)) as never;
    default: {
      const never: never = method;
      throw new Error(`unknown storage call ${String(never)}`);
    }
  }
}

/** Buffers an answer hands over rather than copies: an exported file, a heatmap's columns. */
function transferables(value: unknown): Transferable[] {
  if (value instanceof Uint8Array) return [value.buffer as ArrayBuffer];
  if (value && typeof value === 'object' && 'state' in value && (value as { state: unknown }).state instanceof Uint8Array) {
    return Object.values(value as Record<string, ArrayBufferView>).map((a) => a.buffer as ArrayBuffer);
  }
  return [];
}

scope.onmessage = async (e: MessageEvent<StorageInit | StorageRequest>) => {
  const data = e.data;
  if (!('method' in data)) {
    try {
      store = await SqliteStore.open({ ...data, waSqliteWasmUrl: new URL(waSqliteWasmUrl, self.location.href).href });
      repo = new SqliteRunRepository(store);
      scripts = new SqliteScriptRepository(store);
      store.onChange(() => reply({ id: -1, event: 'changed' }));
      const storage = (self as { navigator?: { storage?: StorageManager } }).navigator?.storage;
      // persist() is for pages (StorageClient asks); a worker can read the answer.
      persisted = storage?.persisted ? await storage.persisted().catch(() => null) : null;
      reply({ id: -2, event: 'ready' });
    } catch (err) {
      reply({ id: -2, event: 'ready', error: { name: (err as Error).name, message: (err as Error).message } });
    }
    return;
  }
  try {
    const value = await call(data.method, data.args);
    reply({ id: data.id, ok: true, value }, transferables(value));
  } catch (err) {
    reply({ id: data.id, ok: false, error: { name: (err as Error).name ?? 'Error', message: String((err as Error).message ?? err) } });
  }
};
