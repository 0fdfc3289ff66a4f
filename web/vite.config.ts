// Vite config: COOP/COEP on dev and preview servers (SharedArrayBuffer needs cross-origin
// isolation), and the atf-assets plugin that puts the Wasm module and the sample data into the site.
import { defineConfig } from 'vite';
import { atfAssets } from './scripts/atf-assets-plugin.ts';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [atfAssets()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: process.env.ATF_WEB_DIST ?? 'dist', emptyOutDir: true, sourcemap: true },
});
