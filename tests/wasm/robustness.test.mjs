// optimizationStatistics / runWalkForward: the statistics of trials gathered by runTrials, and a
// walk-forward, each equal to the native CLI's figures (native and Wasm results are identical).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { NATIVE_ATF, SAMPLES_DIR, counter, error, loadEngine, readSample, value } from './helpers.mjs';

const FILE = 'ORCL-1d-1995-2014.csv';
const GRID = { strategy: 'sma_cross', statistics_blocks: 16,
               axes: [{ name: 'fast', min: 5, max: 30, step: 5 }, { name: 'slow', min: 40, max: 120, step: 20 }] };
const GRID_ARGS = ['--strategy', 'sma_cross', '--axis', 'fast=5:30:5', '--axis', 'slow=40:120:20'];

let engine, id;
before(async () => {
  engine = await loadEngine();
  id = value(engine.importCsv(readSample(FILE), '{}')).dataset;
});

function allTrials(request) {
  const total = value(engine.validateOptimization(id, JSON.stringify(request))).total_combinations;
  const trials = [];
  value(engine.runTrials(id, JSON.stringify(request), counter(total), (t) => trials.push(JSON.parse(t)), null));
  return trials;
}

/** Deep equality with numbers equal to 1e-12 relative: the statistics call erfc, exp and log,
 *  whose last bit differs between glibc (native) and Emscripten's musl (everything else, the
 *  counts, ranks and resampled paths included, is exact). */
function assertClose(actual, expected, where = '') {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const tol = 1e-12 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tol, `${where}: ${actual} vs ${expected}`);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    assert.strictEqual(actual, expected, where);
    return;
  }
  assert.deepStrictEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), where);
  for (const k of Object.keys(expected)) assertClose(actual[k], expected[k], `${where}.${k}`);
}

function native(args) {
  return JSON.parse(execFileSync(NATIVE_ATF, args, { maxBuffer: 256 << 20 }).toString());
}

test('runTrials with statistics_blocks reports block sums; optimizationStatistics equals the native figures', (t) => {
  const trials = allTrials(GRID);
  assert.equal(trials.length, 30);
  for (const tr of trials) assert.equal(tr.block_sums.length, 32, `trial ${tr.index}`);
  // Shuffled on purpose: the engine ranks them itself.
  trials.reverse();
  const stats = value(engine.optimizationStatistics(id, JSON.stringify(GRID), JSON.stringify(trials), null, 1000, 1));
  assert.equal(stats.trials, 30);
  assert.ok(stats.pbo.ok);
  assert.equal(stats.pbo.combinations, 12870);
  assert.ok(stats.dsr >= 0 && stats.dsr <= stats.psr && stats.psr <= 1, JSON.stringify(stats));
  assert.equal(stats.monte_carlo.paths, 1000);
  if (!existsSync(NATIVE_ATF)) {
    t.skip(`${NATIVE_ATF} is not built`);
    return;
  }
  const cli = native(['optimize', '--data', path.join(SAMPLES_DIR, FILE), ...GRID_ARGS, '--json']);
  assertClose(stats, cli.statistics, 'statistics');
  assert.equal(stats.pbo.pbo, cli.statistics.pbo.pbo);
  assert.deepEqual(stats.pbo.logit_bins, cli.statistics.pbo.logit_bins);
});

test('optimizationStatistics takes the block sums as one Float64Array: the same figures as in JSON', () => {
  const trials = allTrials(GRID).reverse();
  const fromJson = value(engine.optimizationStatistics(id, JSON.stringify(GRID), JSON.stringify(trials), null, 1000, 1));
  const flat = new Float64Array(trials.length * 32);
  trials.forEach((tr, k) => flat.set(tr.block_sums, k * 32));
  const slim = trials.map(({ block_sums, ...rest }) => rest);
  const fromArray = value(engine.optimizationStatistics(id, JSON.stringify(GRID), JSON.stringify(slim), flat, 1000, 1));
  assert.deepEqual(fromArray, fromJson);
  assert.ok(fromArray.pbo.ok);
  // Without the sums there is no PBO: the array really is what PBO read.
  const none = value(engine.optimizationStatistics(id, JSON.stringify(GRID), JSON.stringify(slim), null, 1000, 1));
  assert.equal(none.pbo.ok, false);
  const short = error(engine.optimizationStatistics(id, JSON.stringify(GRID), JSON.stringify(slim), flat.subarray(1), 1000, 1));
  assert.equal(short.field, 'blockSums');
  assert.match(short.message, /959 numbers; 30 trials × 32 block sums/);
  assert.equal(error(engine.optimizationStatistics(id, JSON.stringify(GRID), JSON.stringify(slim), 7, 1000, 1)).field, 'blockSums');
});

test('optimizationStatistics names what is wrong', () => {
  assert.equal(error(engine.optimizationStatistics(id, JSON.stringify(GRID), '{"a":1}', null, 1000, 1)).field, 'trials');
  assert.equal(error(engine.optimizationStatistics(id, JSON.stringify(GRID), '[{"index": 9999, "status": "completed", "metrics": {}}]', null, 10, 1)).field, 'trials');
  assert.equal(error(engine.optimizationStatistics(id, JSON.stringify(GRID), '[]', null, 0, 1)).field, 'mcPaths');
  assert.equal(error(engine.optimizationStatistics(id, JSON.stringify(GRID), '[]', null, 10, 1)).field, 'trials');  // no successful trial
  assert.equal(error(engine.optimizationStatistics(999, JSON.stringify(GRID), '[]', null, 10, 1)).code, 'not_found');
});

test('runWalkForward: windows, progress on two levels, and the native result', (t) => {
  const request = { ...GRID, statistics_blocks: 0, walk_forward: { in_sample: '3y', out_of_sample: '1y' } };
  const windows = [];
  const before = [];
  let lastBars = 0;
  let lastTrials = 0;
  let trialsStepped = true;
  const wf = value(engine.runWalkForward(id, JSON.stringify(request), (bars, trials) => {
    if (trials < lastTrials) trialsStepped = false;
    lastBars = bars;
    lastTrials = trials;
    return false;
  }, (w) => { windows.push([w.k, w.n]); before.push(w.trials); }));
  const n = wf.windows.length;
  assert.ok(n >= 15, `${n} windows`);
  assert.deepEqual(windows, [...Array(n + 1).keys()].map((k) => [k, n]));
  assert.ok(lastBars > 0);
  // Two-level progress: each window runs the 30 combinations; onWindow says how many trials
  // came before it, onProgress's second argument counts them as they finish.
  assert.deepEqual(before, [...Array(n + 1).keys()].map((k) => 30 * k));
  assert.equal(lastTrials, 30 * n);
  assert.ok(trialsStepped, 'the trial count never goes back');
  // validateWalkForward counts the same windows before anything runs.
  assert.deepEqual(value(engine.validateWalkForward(id, JSON.stringify(request))), { total_combinations: 30, total_bars: 5036, windows: n });
  assert.equal(wf.equity.length, wf.windows.reduce((s, w) => s + w.oos_end - w.oos_start, 0));
  for (const w of wf.windows) assert.equal(w.trials_completed + w.trials_failed, 30);
  assert.equal(wf.cancelled, false);
  if (!existsSync(NATIVE_ATF)) {
    t.skip(`${NATIVE_ATF} is not built`);
    return;
  }
  const cli = native(['walkforward', '--data', path.join(SAMPLES_DIR, FILE), ...GRID_ARGS, '--is', '3y', '--oos', '1y', '--json']);
  for (const key of ['windows', 'out_of_sample', 'efficiency', 'stability', 'equity', 'trades']) {
    assert.deepStrictEqual(wf[key], cli[key], key);
  }
});

test('runWalkForward: a cancel from onProgress stops it; bad settings are named', () => {
  const request = { ...GRID, statistics_blocks: 0, walk_forward: { in_sample: 1000, out_of_sample: 250 } };
  const wf = value(engine.runWalkForward(id, JSON.stringify(request), () => true, () => {}));
  assert.equal(wf.cancelled, true);
  assert.equal(error(engine.runWalkForward(id, JSON.stringify(GRID), null, null)).field, 'walk_forward');
  const bad = { ...GRID, walk_forward: { in_sample: '3q', out_of_sample: '1y' } };
  assert.equal(error(engine.runWalkForward(id, JSON.stringify(bad), null, null)).field, 'walk_forward.in_sample');
  const long = { ...GRID, walk_forward: { in_sample: '40y', out_of_sample: '1y' } };
  assert.equal(error(engine.runWalkForward(id, JSON.stringify(long), null, null)).field, 'in_sample');
  assert.equal(error(engine.validateWalkForward(id, JSON.stringify(long))).field, 'in_sample');
  assert.equal(error(engine.validateWalkForward(id, JSON.stringify(bad))).field, 'walk_forward.in_sample');
  assert.equal(error(engine.validateWalkForward(id, JSON.stringify(GRID))).field, 'walk_forward');
});

test('geneticNextBatch: generations run through runTrials make the native genetic search\'s evaluations', (t) => {
  const request = { strategy: 'sma_cross', objective: 'sharpe', search: 'genetic:pop=12,gen=5', seed: 3,
                    axes: [{ name: 'fast', min: 2, max: 40, step: 2 }, { name: 'slow', min: 50, max: 240, step: 10 }] };
  const text = JSON.stringify(request);
  const trials = new Map();  // index → objective (NaN: failed)
  const generations = [];
  const batches = [];
  for (;;) {
    const indexes = Float64Array.from(trials.keys());
    const step = value(engine.geneticNextBatch(id, text, indexes, Float64Array.from(trials.values())));
    assert.equal(step.evaluations, trials.size);
    assert.equal(step.planned, 60);
    if (step.batch.length === 0) break;
    generations.push(step.generation);
    batches.push(step.batch);
    let k = 0;
    value(engine.runTrials(id, text, () => (k < step.batch.length ? step.batch[k++] : -1), (json) => {
      const tr = JSON.parse(json);
      trials.set(tr.index, tr.status === 'completed' ? tr.metrics.sharpe : NaN);
    }, null));
  }
  assert.deepEqual(generations, [0, 1, 2, 3, 4]);
  assert.ok(trials.size > 40 && trials.size <= 60, `${trials.size} evaluations`);
  // Minimizing negates the fitness: the same first generation, then other children.
  const gen0 = new Set(batches[0]);
  const known0 = [...trials.entries()].filter(([i]) => gen0.has(i));
  const min = value(engine.geneticNextBatch(id, JSON.stringify({ ...request, direction: 'min' }),
                                            Float64Array.from(known0, ([i]) => i), Float64Array.from(known0, ([, v]) => v)));
  assert.equal(min.generation, 1);
  assert.equal(min.evaluations, batches[0].length);
  assert.notDeepEqual(min.batch, batches[1]);
  // Errors name the field.
  assert.equal(error(engine.geneticNextBatch(id, JSON.stringify({ ...request, search: 'grid' }), new Float64Array(0), new Float64Array(0))).field, 'search');
  assert.equal(error(engine.geneticNextBatch(id, text, new Float64Array([1e9]), new Float64Array([1]))).field, 'indexes');
  assert.equal(error(engine.geneticNextBatch(id, text, new Float64Array([1]), new Float64Array(0))).field, 'objective');
  if (!existsSync(NATIVE_ATF)) {
    t.skip(`${NATIVE_ATF} is not built`);
    return;
  }
  const cli = native(['optimize', '--data', path.join(SAMPLES_DIR, FILE), '--strategy', 'sma_cross', '--axis', 'fast=2:40:2',
                      '--axis', 'slow=50:240:10', '--search', 'genetic:pop=12,gen=5', '--seed', '3', '--objective', 'sharpe', '--json']);
  assert.deepEqual([...trials.keys()].sort((a, b) => a - b), cli.trials.map((x) => x.index).sort((a, b) => a - b));
});
