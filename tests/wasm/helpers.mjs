// Shared by the Wasm module tests and bench.mjs: loads the real module (build/wasm/atf_engine.js,
// or $ATF_WASM_DIR), unwraps its JSON outcomes, digests curves, generates bars.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WASM_DIR = process.env.ATF_WASM_DIR ? path.resolve(process.env.ATF_WASM_DIR) : path.join(ROOT, 'build/wasm');
export const SAMPLES_DIR = path.join(ROOT, 'data/samples');
export const SAMPLE_FILES = ['NVDA-1d-1999-2014.csv', 'ORCL-1d-1995-2014.csv', 'YHOO-1d-1996-2014.csv'];
export const NATIVE_ATF = path.join(ROOT, 'build/native/atf');

/** A fresh module instance. The glue is CommonJS (MODULARIZE without EXPORT_ES6); we hand it the
 *  .wasm bytes, as a worker would, so it never tries fetch() on a file path under Node. */
export async function loadEngine() {
  const js = path.join(WASM_DIR, 'atf_engine.js');
  if (!existsSync(js)) throw new Error(`${js} is missing: build the atf_wasm target first`);
  const createAtfEngine = createRequire(import.meta.url)(js);
  return createAtfEngine({ wasmBinary: readFileSync(path.join(WASM_DIR, 'atf_engine.wasm')) });
}

/** The value of a successful outcome (fails the test, showing the error, otherwise). */
export function value(text) {
  assert.equal(typeof text, 'string');
  const o = JSON.parse(text);
  assert.equal(o.ok, true, `expected ok, got ${text}`);
  assert.deepEqual(Object.keys(o).sort(), ['ok', 'value']);
  return o.value;
}

/** The error of a failed outcome, checked to have a code and a message. */
export function error(text) {
  assert.equal(typeof text, 'string');
  const o = JSON.parse(text);
  assert.equal(o.ok, false, `expected an error, got ${text.slice(0, 300)}`);
  assert.equal(typeof o.error.code, 'string');
  assert.equal(typeof o.error.message, 'string');
  assert.ok(o.error.message.length > 0);
  return o.error;
}

export function readSample(file) {
  return readFileSync(path.join(SAMPLES_DIR, file), 'utf8');
}

/** FNV-1a 64 over the bytes of the doubles (little-endian, as in memory), as 16 hex digits: the
 *  digest tests/engine/determinism_test.cpp writes into the golden file. */
export function fnv1a64(f64) {
  const bytes = new Uint8Array(f64.buffer, f64.byteOffset, f64.byteLength);
  const prime = 1099511628211n;
  let h = 1469598103934665603n;
  for (let i = 0; i < bytes.length; ++i) h = BigInt.asUintN(64, (h ^ BigInt(bytes[i])) * prime);
  return h.toString(16).padStart(16, '0');
}

/** splitmix64, as engine/src/datagen.cpp. */
class SplitMix64 {
  constructor(seed) { this.state = BigInt.asUintN(64, BigInt(seed)); }
  next() {
    this.state = BigInt.asUintN(64, this.state + 0x9E3779B97F4A7C15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94D049BB133111EBn);
    return z ^ (z >> 31n);
  }
  below(n) { return Number(this.next() % BigInt(n)); }
}

/** The random walk in whole cents of atf::generate_bars (same seed, same bars), as six columns. */
export function generateBars(n, { seed = 42, startMs = 1577836800000, stepMs = 60000, startCents = 10000 } = {}) {
  const cols = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
                 low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  const rng = new SplitMix64(seed);
  let close = startCents;
  for (let i = 0; i < n; ++i) {
    const scale = Math.max(1, Math.trunc(close / 2000));
    const open = Math.max(1, close + rng.below(3) - 1);
    const move = (rng.below(2 * scale + 1) - scale) + (rng.below(2 * scale + 1) - scale);
    const nextClose = Math.max(1, open + move);
    const high = Math.max(open, nextClose) + rng.below(scale + 1);
    const low = Math.max(1, Math.min(open, nextClose) - rng.below(scale + 1));
    const volume = 100 + rng.below(10000);
    cols.time[i] = startMs + i * stepMs;
    cols.open[i] = open / 100;
    cols.high[i] = high / 100;
    cols.low[i] = low / 100;
    cols.close[i] = nextClose / 100;
    cols.volume[i] = volume;
    close = nextClose;
  }
  return cols;
}

/** loadBars over generated columns; returns the dataset id. */
export function loadGenerated(engine, cols) {
  return value(engine.loadBars(cols.time, cols.open, cols.high, cols.low, cols.close, cols.volume)).dataset;
}

/** A claim() over [0, total): what a worker pool's shared counter does, in one thread. */
export function counter(total) {
  let next = 0;
  return () => (next < total ? next++ : -1);
}
