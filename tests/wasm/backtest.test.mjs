// runBacktest / validateBacktest / takeEquityCurve: results equal the native engine's, progress
// and cancel through the JS callback, validation errors that name the field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { ROOT, SAMPLE_FILES, error, fnv1a64, generateBars, loadEngine, loadGenerated, readSample, value } from './helpers.mjs';

let engine;
const datasets = {};
before(async () => {
  engine = await loadEngine();
  for (const file of SAMPLE_FILES) datasets[file] = value(engine.importCsv(readSample(file), '{}')).dataset;
});

const BROKER = { commission_pct: 0.1, slippage_bps: 2, allow_short: true };

test('every sample result equals the native golden file (metrics, trades, equity, curve digest)', () => {
  // Written by the native build: tests/engine/determinism_test.cpp (strategy defaults, BROKER).
  const golden = JSON.parse(readFileSync(path.join(ROOT, 'tests/engine/golden/sample_results.json'), 'utf8'));
  const keys = Object.keys(golden);
  assert.equal(keys.length, SAMPLE_FILES.length * JSON.parse(engine.strategies()).length);
  for (const key of keys) {
    const [file, strategy] = key.split(' ');
    const result = value(engine.runBacktest(datasets[file], JSON.stringify({ strategy, broker: BROKER }), null));
    assert.equal(result.equity_curve, undefined, 'the curve comes from takeEquityCurve()');
    const curve = engine.takeEquityCurve();
    assert.ok(curve instanceof Float64Array);
    assert.equal(curve.length, result.bars);
    assert.equal(curve.at(-1), result.final_equity);
    result.equity_curve_fnv1a = fnv1a64(curve);
    assert.equal(result.plots, undefined, 'indicator series only when asked for (indicator_plots)');
    assert.deepStrictEqual(result, golden[key], key);
  }
});

test('takeEquityCurve hands the curve over once, JS-owned; a failed run leaves none', () => {
  const id = datasets[SAMPLE_FILES[0]];
  const r = value(engine.runBacktest(id, JSON.stringify({ strategy: 'ema_cross' }), null));
  const curve = engine.takeEquityCurve();
  assert.equal(curve.length, r.bars);
  assert.notEqual(curve.buffer, engine.HEAPF64?.buffer, 'a copy, not a view of the Wasm heap');
  assert.equal(engine.takeEquityCurve().length, 0, 'taken: the C++ copy is freed');
  value(engine.runBacktest(id, JSON.stringify({ strategy: 'ema_cross' }), null));
  error(engine.runBacktest(id, JSON.stringify({ strategy: 'ema_cross', params: { fast: 0 } }), null));
  assert.equal(engine.takeEquityCurve().length, 0, 'each run discards the previous curve');
});

test('progress: increasing running totals, at most one per 1,024-bar batch, ending at the total', () => {
  const n = 20000;
  const id = loadGenerated(engine, generateBars(n));
  const batches = Math.ceil(n / 1024);
  // A fast callback: throttled to about one call per 10 ms, plus the first and the last batch.
  let seen = [];
  value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), (done) => { seen.push(done); return false; }));
  assert.ok(seen.length >= 1 && seen.length <= batches, `${seen.length} calls`);
  assert.equal(seen.at(-1), n);
  for (let i = 1; i < seen.length; ++i) assert.ok(seen[i] > seen[i - 1]);
  // A slow callback (10 ms each) is called on every batch: 1024, 2048, ..., n.
  seen = [];
  value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), (done) => {
    seen.push(done);
    const until = performance.now() + 10.5;
    while (performance.now() < until) { /* spin */ }
    return false;
  }));
  assert.deepEqual(seen, Array.from({ length: batches }, (_, i) => Math.min(n, (i + 1) * 1024)));
  // Returning undefined means "go on".
  value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), () => undefined));
  engine.freeDataset(id);
});

test('returning true from onProgress cancels the run with code "cancelled"', () => {
  const n = 50000;
  const id = loadGenerated(engine, generateBars(n));
  // A slow callback (10 ms) is asked after every batch, so the cancel lands after the third.
  let calls = 0;
  const e = error(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), (done) => {
    calls++;
    const until = performance.now() + 10.5;
    while (performance.now() < until) { /* spin */ }
    return done >= 3 * 1024;
  }));
  assert.equal(e.code, 'cancelled');
  assert.equal(e.message, 'cancelled after 3072 of 50000 bars');
  assert.equal(calls, 3);
  assert.equal(engine.takeEquityCurve().length, 0);
  // The first batch always reports, so an immediate cancel stops after 1,024 bars.
  const first = error(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), () => true));
  assert.equal(first.code, 'cancelled');
  assert.match(first.message, /after 1024 of/);
  // The instance is fine afterwards.
  assert.equal(value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), () => false)).bars, n);
  engine.freeDataset(id);
});

test('validateBacktest counts the bars; invalid requests name the field', () => {
  const id = datasets[SAMPLE_FILES[0]];
  assert.deepEqual(value(engine.validateBacktest(id, JSON.stringify({ strategy: 'sma_cross', broker: BROKER }))),
                   { total_bars: 4012 });
  const cases = [
    [{ strategy: 'sma_cross', params: { fast: 50, slow: 10 } }, 'validation', 'fast'],
    [{ strategy: 'sma_cross', params: { fast: 0 } }, 'validation', 'fast'],
    [{ strategy: 'sma_cross', params: { bogus: 1 } }, 'validation', 'bogus'],
    [{ strategy: 'sma_cross', params: { fast: 'x' } }, 'validation', 'params.fast'],
    [{ strategy: 'nope' }, 'not_found', 'strategy'],
    [{ params: {} }, 'validation', 'strategy'],
    [{ strategy: 'sma_cross', broker: { cash: -1 } }, 'validation', 'broker.cash'],
    [{ strategy: 'sma_cross', broker: { commission_pct: 'x' } }, 'validation', 'broker.commission_pct'],
    [{ strategy: 'sma_cross', broker: { sizing: 'x' } }, 'validation', 'broker.sizing'],
    [{ strategy: 'sma_cross', schema: 'atf/v0' }, 'validation', 'schema'],
  ];
  for (const [req, code, field] of cases) {
    for (const text of [engine.validateBacktest(id, JSON.stringify(req)), engine.runBacktest(id, JSON.stringify(req), null)]) {
      const e = error(text);
      assert.deepEqual([e.code, e.field], [code, field], JSON.stringify(req));
    }
  }
  for (const bad of ['{bad', '', '[1,2]', 'null', 42, undefined, { strategy: 'sma_cross' }]) {
    const e = error(engine.runBacktest(id, bad, null));
    assert.deepEqual([e.code, e.field], ['validation', 'request'], bad);
  }
});

test('a strategy that throws while running is a runtime error with where it failed as the stack', () => {
  const id = datasets[SAMPLE_FILES[0]];
  const req = { strategy: 'fault_probe', params: { period: 7, fail_period: 7, fail_at_bar: 100 } };
  const e = error(engine.runBacktest(id, JSON.stringify(req), null));
  assert.equal(e.code, 'runtime');
  assert.equal(e.message, 'fault_probe: injected failure for period 7');
  assert.equal(e.field, undefined);
  assert.match(e.stack, /^fault_probe\(.*period=7\) at bar 100 /);
  // Hidden strategies still run when named.
  value(engine.runBacktest(id, JSON.stringify({ strategy: 'fault_probe', params: { period: 8, fail_period: 7 } }), null));
});
