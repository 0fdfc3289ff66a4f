// Starts the app's services: the engine client (workers, progress board) and the run
// repository, and exposes the JS API as window.atf. The UI only talks to that API.
import { assets } from 'virtual:atf-assets';
import { AtfEngineClient } from '../engine/client';
import { syntheticColumns } from '../engine/datasets';
import { ConflictError, NotFoundError, ValidationError } from '../engine/errors';
import { createAtfApi, type AtfApi } from '../engine/api';

declare global {
  interface Window {
    atf?: AtfApi;
    atfReady: Promise<AtfApi>;
    atfError?: string;
  }
}

const abs = (p: string) => new URL(p, document.baseURI).href;

export async function boot(): Promise<AtfApi> {
  const params = new URLSearchParams(location.search);
  const workers = params.has('workers') ? Number(params.get('workers')) : undefined;
  const client = await AtfEngineClient.create({
    assets: {
      glueUrl: abs(assets.glue),
      wasmUrl: abs(assets.wasm),
      samples: Object.fromEntries(Object.entries(assets.samples).map(([k, v]) => [k, abs(v)])),
    },
    ...(workers ? { workers } : {}),
    forceFallback: params.has('fallback'),
  });
  const api = createAtfApi(client, { syntheticColumns, errors: { ValidationError, NotFoundError, ConflictError } });
  window.atf = api;
  return api;
}
