// Starts the app's services: the engine client (workers, progress board) and the run
// repository, and exposes the JS API as window.atf. The UI only talks to that API.
import { assets } from 'virtual:atf-assets';
import { AtfEngineClient } from '../engine/client';
import { syntheticColumns } from '../engine/datasets';
import { ConflictError, NotFoundError, ValidationError } from '../engine/errors';
import { createAtfApi, type AtfApi } from '../engine/api';
import { StorageClient } from '../storage/storage-client';
import sqlWasmUrl from 'sql.js/dist/sql-wasm.wasm?url';
import { setupServiceWorker } from '../sw/register';

declare global {
  interface Window {
    atf?: AtfApi;
    atfReady: Promise<AtfApi>;
    atfError?: string;
  }
}

const abs = (p: string) => new URL(p, document.baseURI).href;
/** A reason as the end of a sentence: one final period, not two. */
const sentence = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

/** The results database in its storage worker; null (with the reason) when it cannot start, in
 *  which case runs live in memory and the page says they will not be kept. */
async function startStorage(params: URLSearchParams): Promise<{ storage: StorageClient | null; warning?: string }> {
  try {
    const storage = await StorageClient.start({
      sqlWasmUrl: abs(sqlWasmUrl),
      ...(params.get('db') ? { name: `atf-results-${params.get('db')}` } : {}),
      ...(params.has('nostore') ? { memoryOnly: true } : {}),
    });
    const status = await storage.status();
    return status.persistence.durable
      ? { storage }
      : { storage, warning: `Results will not be kept after this page closes: ${sentence(status.persistence.reason)}` };
  } catch (e) {
    return { storage: null, warning: `Results will not be kept: ${sentence(e instanceof Error ? e.message : String(e))}` };
  }
}

export async function boot(): Promise<AtfApi> {
  const params = new URLSearchParams(location.search);
  // First, before anything starts: on a host without COOP/COEP this may reload the page once
  // (then it never resolves); otherwise the mode follows window.crossOriginIsolated below.
  await setupServiceWorker(params);
  const workers = params.has('workers') ? Number(params.get('workers')) : undefined;
  const { storage, warning } = await startStorage(params);
  const client = await AtfEngineClient.create({
    ...(storage ? { repository: storage, datasetStore: storage } : {}),
    ...(warning ? { storageWarning: warning } : {}),
    assets: {
      glueUrl: abs(assets.glue),
      wasmUrl: abs(assets.wasm),
      samples: Object.fromEntries(Object.entries(assets.samples).map(([k, v]) => [k, abs(v)])),
    },
    ...(workers ? { workers } : {}),
    forceFallback: params.has('fallback'),
  });
  const api = createAtfApi(client, { syntheticColumns, errors: { ValidationError, NotFoundError, ConflictError }, storage });
  window.atf = api;
  return api;
}
