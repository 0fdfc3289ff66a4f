// Failures that are not error values: a real Wasm trap, and a JS callback that throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { counter, error, loadEngine, readSample, value } from './helpers.mjs';

test('debugTrap() throws a WebAssembly.RuntimeError whose stack names a Wasm function', async () => {
  const engine = await loadEngine();
  assert.throws(() => engine.debugTrap(), (e) => {
    assert.ok(e instanceof WebAssembly.RuntimeError, String(e));
    assert.match(e.message, /unreachable/);
    assert.match(e.stack, /debug_trap\(\) \(wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[\d+\]/);
    return true;
  });
});

test('another instance is unaffected by a trap (what worker replacement relies on)', async () => {
  const a = await loadEngine();
  const b = await loadEngine();
  const id = value(b.importCsv(readSample('YHOO-1d-1996-2014.csv'), '')).dataset;
  assert.throws(() => a.debugTrap(), WebAssembly.RuntimeError);
  assert.equal(value(b.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), null)).bars, 4713);
});

test('a throwing callback stops the call with an "internal" error value, and leaks nothing', async () => {
  const engine = await loadEngine();
  const id = value(engine.importCsv(readSample('ORCL-1d-1995-2014.csv'), '')).dataset;
  const grid = JSON.stringify({ strategy: 'sma_cross', axes: [{ name: 'fast', values: [5, 10] }] });
  const boom = (where) => () => { throw new Error(where); };
  let trials = 0;
  let e = error(engine.runTrials(id, grid, counter(2), () => { trials++; throw new TypeError('onTrial'); }, null));
  assert.equal(trials, 1, 'no trial after the throw');
  assert.deepEqual([e.code, e.message], ['internal', 'onTrial threw: TypeError: onTrial']);
  assert.match(e.stack, /TypeError: onTrial\n\s+at /);
  e = error(engine.runTrials(id, grid, boom('claim'), () => {}, null));
  assert.deepEqual([e.code, e.message], ['internal', 'claim threw: Error: claim']);
  e = error(engine.runTrials(id, grid, counter(2), () => {}, boom('progress')));
  assert.deepEqual([e.code, e.message], ['internal', 'onProgress threw: Error: progress']);
  e = error(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), boom('progress')));
  assert.deepEqual([e.code, e.message], ['internal', 'onProgress threw: Error: progress']);
  assert.equal(engine.takeEquityCurve().length, 0);
  e = error(engine.runTrials(id, grid, () => 'zero', () => {}, null));
  assert.deepEqual([e.code, e.field], ['validation', 'claim']);
  // Nothing unwinds through C++ frames, so nothing leaks: 2,000 more throws (each run holds a
  // 38 KB curve) leave the heap at its size.
  const heap = engine.HEAP8.length;
  for (let i = 0; i < 2000; ++i) error(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), boom('again')));
  assert.equal(engine.HEAP8.length, heap);
  assert.equal(value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross' }), null)).strategy, 'sma_cross');
});
