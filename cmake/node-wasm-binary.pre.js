// Emscripten 3.1.6 fetches its .wasm whenever `fetch` exists, which fails under Node >= 18 for a
// file path. Under Node, read the bytes from the file next to this script instead.
if (typeof process === 'object' && process.versions && process.versions.node &&
    typeof __filename === 'string' && !Module['wasmBinary']) {
  Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.m?js$/, '.wasm'));
}
