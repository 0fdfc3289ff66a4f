// A small static server for the built site (web/dist), for the browser tests and the benchmark.
// `isolated: true` adds COOP/COEP (cross-origin isolation, SharedArrayBuffer); false serves the
// same files as a plain static host would. Listens on 127.0.0.1 only.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

// ATF_WEB_DIST (also read by vite.config.ts) lets parallel work build and test separate copies.
export const distDir = resolve(process.env.ATF_WEB_DIST ?? fileURLToPath(new URL('../dist', import.meta.url)));

/** Starts a server; resolves { url, close() }. */
export async function startServer({ isolated, root = distDir, port = 0 } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const { port: p } = server.address();
  return {
    url: `http://127.0.0.1:${p}/`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

// `node tests/server.mjs [--no-isolation] [--port N]`: serve dist/ until Ctrl+C.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const isolated = !process.argv.includes('--no-isolation');
  const i = process.argv.indexOf('--port');
  const s = await startServer({ isolated, port: i > 0 ? Number(process.argv[i + 1]) : 8080 });
  console.log(`serving ${distDir} at ${s.url} (${isolated ? 'with' : 'without'} COOP/COEP)`);
}
