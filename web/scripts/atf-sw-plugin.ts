// Vite plugin: builds the service worker (src/sw/sw.ts) into dist/sw.js with the precache manifest
// of this build prepended: every emitted file except source maps (index.html, hashed JS/CSS, both
// .wasm files, the worker scripts, the sample CSVs) and a version hashed from their names and
// contents, which names the cache (a new build installs a new cache and deletes the old one).
// Also provides "virtual:atf-sw" (the worker's URL in a build, null on the dev server).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformWithOxc, type Plugin } from 'vite';

const SW_SOURCE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'src/sw/sw.ts');
const SW_FILE = 'sw.js';
const VIRTUAL = 'virtual:atf-sw';
const RESOLVED = '\0' + VIRTUAL;

export function atfServiceWorker(): Plugin {
  let serving = false;
  return {
    name: 'atf-sw',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    resolveId(id) {
      return id === VIRTUAL ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      return `export const serviceWorkerUrl = ${serving ? 'null' : JSON.stringify(SW_FILE)};\n`;
    },
    generateBundle: {
      order: 'post',
      async handler(_options, bundle) {
        const files = Object.keys(bundle)
          .filter((f) => !f.endsWith('.map') && f !== SW_FILE)
          .sort();
        if (!files.includes('index.html')) this.error('atf-sw: index.html is not in the bundle');
        const hash = createHash('sha256');
        for (const f of files) {
          const out = bundle[f]!;
          hash.update(f).update('\0').update(out.type === 'chunk' ? out.code : out.source).update('\0');
        }
        const version = hash.digest('hex').slice(0, 16);
        const compiled = await transformWithOxc(readFileSync(SW_SOURCE, 'utf8'), SW_SOURCE, { lang: 'ts', target: 'es2022' });
        const body = compiled.code.replace(/^export\s*\{\s*\};?[ \t]*\n?/m, '');
        if (/^\s*(import|export)\b/m.test(body)) this.error('atf-sw: src/sw/sw.ts must not import or export (it is a classic script)');
        const source =
          `// AlgoTradeForge Web service worker (generated from src/sw/sw.ts by scripts/atf-sw-plugin.ts).\n` +
          `const ATF_PRECACHE = ${JSON.stringify({ version, files }, null, 1)};\n${body}`;
        this.emitFile({ type: 'asset', fileName: SW_FILE, source });
      },
    },
  };
}
