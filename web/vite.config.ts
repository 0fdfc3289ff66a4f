// Vite config: COOP/COEP on dev and preview servers (SharedArrayBuffer needs cross-origin
// isolation), the atf-assets plugin that puts the Wasm module and the sample data into the site, and
// the atf-sw plugin that builds the service worker (COOP/COEP on hosts without them; offline cache).
import { defineConfig } from 'vite';
import { atfAssets } from './scripts/atf-assets-plugin.ts';
import { atfServiceWorker } from './scripts/atf-sw-plugin.ts';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [atfAssets(), atfServiceWorker()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: process.env.ATF_WEB_DIST ?? 'dist', emptyOutDir: true, sourcemap: true },
});
