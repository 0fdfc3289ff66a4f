// Vite plugin: serves (dev) or emits with content-hashed names (build) the Emscripten output
// build/wasm/atf_engine.{js,wasm} and the sample CSVs of data/samples, and exposes their URLs as
// the virtual module "virtual:atf-assets". ATF_WASM_DIR overrides where the module is read from.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VIRTUAL = 'virtual:atf-assets';
const RESOLVED = '\0' + VIRTUAL;

interface Asset {
  /** Path relative to the site root, e.g. "engine/atf_engine-1a2b3c4d.wasm". */
  path: string;
  file: string;
}

function hashed(dir: string, file: string): string {
  const h = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
  const name = basename(file);
  const dot = name.lastIndexOf('.');
  return `${dir}/${name.slice(0, dot)}-${h}${name.slice(dot)}`;
}

function collect(): { glue: Asset; wasm: Asset; samples: Record<string, Asset> } {
  const wasmDir = process.env.ATF_WASM_DIR ? resolve(process.env.ATF_WASM_DIR) : join(root, 'build/wasm');
  const glueFile = join(wasmDir, 'atf_engine.js');
  const wasmFile = join(wasmDir, 'atf_engine.wasm');
  for (const f of [glueFile, wasmFile]) {
    if (!existsSync(f)) {
      throw new Error(`${f} is missing: build the Wasm module first (cmake --build build/wasm --target atf_wasm)`);
    }
  }
  const samplesDir = join(root, 'data/samples');
  const samples: Record<string, Asset> = {};
  for (const name of readdirSync(samplesDir).filter((n) => n.endsWith('.csv')).sort()) {
    const file = join(samplesDir, name);
    samples[name] = { path: hashed('samples', file), file };
  }
  return {
    glue: { path: hashed('engine', glueFile), file: glueFile },
    wasm: { path: hashed('engine', wasmFile), file: wasmFile },
    samples,
  };
}

function moduleSource(a: ReturnType<typeof collect>): string {
  const samples = Object.fromEntries(Object.entries(a.samples).map(([k, v]) => [k, v.path]));
  return `export const assets = ${JSON.stringify({ glue: a.glue.path, wasm: a.wasm.path, samples })};\n`;
}

export function atfAssets(): Plugin {
  let assets: ReturnType<typeof collect> | null = null;
  let serving = false;
  return {
    name: 'atf-assets',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    buildStart() {
      assets = collect();
      if (!serving) {
        for (const a of [assets.glue, assets.wasm, ...Object.values(assets.samples)]) {
          this.emitFile({ type: 'asset', fileName: a.path, source: readFileSync(a.file) });
        }
      }
    },
    resolveId(id) {
      return id === VIRTUAL ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      assets ??= collect();
      return moduleSource(assets);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        assets ??= collect();
        const url = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
        const hit = [assets.glue, assets.wasm, ...Object.values(assets.samples)].find((a) => a.path === url);
        if (!hit) return next();
        const type = hit.path.endsWith('.wasm') ? 'application/wasm' : hit.path.endsWith('.js') ? 'text/javascript' : 'text/csv';
        res.setHeader('Content-Type', type);
        res.end(readFileSync(hit.file));
      });
    },
  };
}
