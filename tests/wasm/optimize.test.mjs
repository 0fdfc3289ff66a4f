// validateOptimization / runTrials / rerunTrial: trials claimed from a JS counter, each in its own
// error boundary, the same trials as the native optimizer, cancel through onProgress.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { NATIVE_ATF, SAMPLES_DIR, counter, error, fnv1a64, loadEngine, readSample, value } from './helpers.mjs';

const FILE = 'NVDA-1d-1999-2014.csv';
const BROKER = { commission_pct: 0.1, slippage_bps: 2, allow_short: true };
// 10 × 6 = 60 combinations; those with fast >= slow fail their parameter check.
const SMA_GRID = { strategy: 'sma_cross', broker: BROKER,
                   axes: [{ name: 'fast', min: 5, max: 50, step: 5 }, { name: 'slow', min: 10, max: 60, step: 10 }] };
const VALID_GRID = { strategy: 'sma_cross', broker: BROKER,
                     axes: [{ name: 'fast', values: [5, 10, 15] }, { name: 'slow', values: [30, 60, 90, 120] }] };
const TRIAL_KEYS = ['error_message', 'error_stack_trace', 'final_equity', 'index', 'metrics', 'params', 'rejected_orders', 'status'];

let engine, id;
before(async () => {
  engine = await loadEngine();
  id = value(engine.importCsv(readSample(FILE), '{}')).dataset;
});

/** Runs every trial of `request` through one runTrials call; returns {summary, trials, claims}. */
function runAll(request, { onProgress = null, claim } = {}) {
  const total = value(engine.validateOptimization(id, JSON.stringify(request))).total_combinations;
  const trials = [];
  let claims = 0;
  const next = claim ?? counter(total);
  const summary = value(engine.runTrials(id, JSON.stringify(request), () => { claims++; return next(); },
                                         (text) => trials.push(JSON.parse(text)), onProgress));
  return { total, summary, trials, claims };
}

test('validateOptimization counts the combinations and the bars of one trial', () => {
  assert.deepEqual(value(engine.validateOptimization(id, JSON.stringify(SMA_GRID))), { total_combinations: 60, total_bars: 4012, search: 'grid', planned: 60 });
});

test('validateOptimization gives a random search its seeded sample of the grid', () => {
  const v = value(engine.validateOptimization(id, JSON.stringify({ ...SMA_GRID, search: 'random:7', seed: 3 })));
  assert.equal(v.search, 'random:7');
  assert.equal(v.planned, 7);
  assert.equal(v.sample.length, 7);
  assert.deepEqual([...v.sample].sort((a, b) => a - b), v.sample, 'ascending');
  assert.equal(new Set(v.sample).size, 7);
  assert.ok(v.sample.every((i) => Number.isInteger(i) && i >= 0 && i < 60));
  // The same for the seed; another seed, another sample; more samples than the grid: all of it.
  assert.deepEqual(value(engine.validateOptimization(id, JSON.stringify({ ...SMA_GRID, search: 'random:7', seed: 3 }))).sample, v.sample);
  assert.notDeepEqual(value(engine.validateOptimization(id, JSON.stringify({ ...SMA_GRID, search: 'random:7', seed: 4 }))).sample, v.sample);
  assert.equal(value(engine.validateOptimization(id, JSON.stringify({ ...SMA_GRID, search: 'random:600' }))).sample.length, 60);
});

test('runTrials over a counter: completed + failed = total; failed trials name the parameter', () => {
  const { total, summary, trials, claims } = runAll(SMA_GRID);
  assert.equal(summary.completed + summary.failed, total);
  assert.equal(summary.cancelled, false);
  assert.equal(trials.length, total);
  assert.equal(claims, total + 1, 'claims until -1');
  assert.deepEqual(trials.map((t) => t.index), [...Array(total).keys()]);
  const failed = trials.filter((t) => t.status === 'failed');
  assert.equal(failed.length, summary.failed);
  assert.equal(failed.length, trials.filter((t) => t.params.fast >= t.params.slow).length);
  assert.ok(failed.length > 0);
  for (const t of trials) {
    assert.deepEqual(Object.keys(t).sort(), TRIAL_KEYS);
    if (t.status === 'failed') {
      assert.equal(t.error_message, `fast (${t.params.fast}) must be less than slow (${t.params.slow})`);
      assert.equal(t.error_stack_trace, `sma_cross(fast=${t.params.fast}, slow=${t.params.slow}): parameter check`);
      assert.equal(t.metrics, null);
      assert.equal(t.final_equity, null);
      assert.equal(t.rejected_orders, null);
    } else {
      assert.equal(t.status, 'completed');
      assert.equal(t.error_message, null);
      assert.equal(t.error_stack_trace, null);
      assert.equal(typeof t.final_equity, 'number');
      assert.ok(Number.isInteger(t.rejected_orders) && t.rejected_orders >= 0);
      assert.equal(Object.keys(t.metrics).length, 18);
    }
  }
});

test('a completed trial has the metrics of the same backtest', () => {
  const { trials } = runAll(VALID_GRID);
  for (const t of trials) {
    const bt = value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross', params: t.params, broker: BROKER }), null));
    assert.deepStrictEqual(t.metrics, bt.metrics, JSON.stringify(t.params));
    assert.equal(t.final_equity, bt.final_equity);
  }
});

test('the trials equal the native optimizer\'s (build/native/atf optimize --json)', (t) => {
  if (!existsSync(NATIVE_ATF)) {
    t.skip(`${NATIVE_ATF} is not built`);
    return;
  }
  const out = execFileSync(NATIVE_ATF, ['optimize', '--data', path.join(SAMPLES_DIR, FILE), '--strategy', 'sma_cross',
                                        '--axis', 'fast=5:50:5', '--axis', 'slow=10:60:10', '--commission-pct', '0.1',
                                        '--slippage-bps', '2', '--allow-short', '--json'], { maxBuffer: 64 << 20 });
  const native = JSON.parse(out.toString());
  const { summary, trials } = runAll(SMA_GRID);
  assert.equal(native.total, trials.length);
  assert.deepEqual([summary.completed, summary.failed], [native.completed, native.failed]);
  const byIndex = new Map(native.trials.map((tr) => [tr.index, tr]));
  for (const tr of trials) assert.deepStrictEqual(tr, byIndex.get(tr.index), `trial ${tr.index}`);
  // The native best, re-run in Wasm, is the native re-run.
  const rerunNative = JSON.parse(execFileSync(NATIVE_ATF, [
    'optimize', '--data', path.join(SAMPLES_DIR, FILE), '--strategy', 'sma_cross', '--axis', 'fast=5:50:5', '--axis',
    'slow=10:60:10', '--commission-pct', '0.1', '--slippage-bps', '2', '--allow-short', '--rerun', String(native.best.index),
    '--json']).toString());
  assert.deepStrictEqual(value(engine.rerunTrial(id, JSON.stringify(SMA_GRID), native.best.index)), rerunNative);
});

test('fault_probe: exactly one trial fails, with its message, and the others are unaffected', () => {
  const request = { strategy: 'fault_probe', params: { fail_period: 7, fail_at_bar: 100 },
                    axes: [{ name: 'period', min: 2, max: 21, step: 1 }] };
  const { total, summary, trials } = runAll(request);
  assert.equal(total, 20);
  assert.deepEqual(summary, { completed: 19, failed: 1, cancelled: false });
  const failed = trials.filter((t) => t.status === 'failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].params.period, 7);
  assert.equal(failed[0].error_message, 'fault_probe: injected failure for period 7');
  assert.match(failed[0].error_stack_trace, /^fault_probe\(fail_at_bar=100, fail_period=7, period=7\) at bar 100 /);
  // A healthy neighbour is the same as when run alone.
  const alone = value(engine.runBacktest(id, JSON.stringify({ strategy: 'fault_probe', params: { fail_period: 7, fail_at_bar: 100, period: 8 } }), null));
  assert.deepStrictEqual(trials.find((t) => t.params.period === 8).metrics, alone.metrics);
});

test('the fault_probe trials equal the native optimizer\'s', (t) => {
  if (!existsSync(NATIVE_ATF)) {
    t.skip(`${NATIVE_ATF} is not built`);
    return;
  }
  const native = JSON.parse(execFileSync(NATIVE_ATF, [
    'optimize', '--data', path.join(SAMPLES_DIR, FILE), '--strategy', 'fault_probe', '--param', 'fail_period=7',
    '--param', 'fail_at_bar=100', '--axis', 'period=2:21:1', '--json']).toString());
  const { trials } = runAll({ strategy: 'fault_probe', params: { fail_period: 7, fail_at_bar: 100 },
                              axes: [{ name: 'period', min: 2, max: 21, step: 1 }] });
  const byIndex = new Map(native.trials.map((tr) => [tr.index, tr]));
  assert.equal(native.failed, 1);
  for (const tr of trials) assert.deepStrictEqual(tr, byIndex.get(tr.index), `trial ${tr.index}`);
});

test('group size follows request.threads; every combination runs once whatever the grouping', () => {
  const reference = runAll(SMA_GRID).trials;
  for (const threads of [1, 2, 3, 8, 64]) {
    const { trials, claims } = runAll({ ...SMA_GRID, threads });
    assert.deepStrictEqual(trials, reference, `threads ${threads}`);
    assert.equal(claims, 61);
  }
});

test('two instances sharing one counter run each trial once, with the same results', async () => {
  const other = await loadEngine();
  const otherId = value(other.importCsv(readSample(FILE), '{}')).dataset;
  const total = 60;
  let next = 0;
  const trials = [];
  const onTrial = (text) => trials.push(JSON.parse(text));
  // The first instance stops claiming at 25 (as if its worker were slower), the second takes the rest.
  const a = value(engine.runTrials(id, JSON.stringify(SMA_GRID), () => (next < 25 ? next++ : -1), onTrial, null));
  const b = value(other.runTrials(otherId, JSON.stringify(SMA_GRID), () => (next < total ? next++ : -1), onTrial, null));
  assert.equal(a.completed + a.failed + b.completed + b.failed, total);
  assert.deepEqual(trials.map((t) => t.index), [...Array(total).keys()]);
  assert.deepStrictEqual(trials, runAll(SMA_GRID).trials);
});

test('claim() answers past the grid end mean "no more"; a fractional answer is an error', () => {
  let k = 0;
  const summary = value(engine.runTrials(id, JSON.stringify(VALID_GRID), () => (k < 2 ? 10 + k++ : 1000), () => {}, null));
  assert.deepEqual(summary, { completed: 2, failed: 0, cancelled: false });
  const e = error(engine.runTrials(id, JSON.stringify(VALID_GRID), () => 1.5, () => {}, null));
  assert.deepEqual([e.code, e.field], ['validation', 'claim']);
});

test('returning true from onProgress stops runTrials: finished trials kept, the cut one not reported', () => {
  // A slow callback (10 ms) is asked after every 1,024-bar batch. 12 combinations on one worker run
  // in groups of 3 (min(8, total / (4 * threads))): the second group is cut after its first batch,
  // so its 3 claimed combinations are neither completed nor failed (a cancelled run keeps only
  // finished trials).
  let reported = 0;
  const slowStopAfter3 = () => {
    const until = performance.now() + 10.5;
    while (performance.now() < until) { /* spin */ }
    return reported >= 3;
  };
  const trials = [];
  let claims = 0;
  const next = counter(12);
  const summary = value(engine.runTrials(id, JSON.stringify(VALID_GRID), () => { claims++; return next(); },
                                         (text) => { reported++; trials.push(JSON.parse(text)); }, slowStopAfter3));
  assert.deepEqual(summary, { completed: 3, failed: 0, cancelled: true });
  assert.deepEqual(trials.map((t) => t.index), [0, 1, 2]);
  assert.equal(claims, 6);
  // Cancel at once: the first trial stops after its first batch and nothing more is claimed.
  claims = 0;
  const one = JSON.stringify({ ...VALID_GRID, threads: 4 });  // groups of one
  const none = value(engine.runTrials(id, one, () => { claims++; return 0; }, () => assert.fail('no trial'), () => true));
  assert.deepEqual(none, { completed: 0, failed: 0, cancelled: true });
  assert.equal(claims, 1);
});

test('progress in runTrials is the running total of bars over the call\'s trials', () => {
  const seen = [];
  const { total, summary } = runAll(VALID_GRID, { onProgress: (n) => { seen.push(n); return false; } });
  assert.equal(summary.completed, total);
  assert.equal(seen.at(-1), total * 4012);
  for (let i = 1; i < seen.length; ++i) assert.ok(seen[i] > seen[i - 1]);
  assert.ok(seen.length <= total * Math.ceil(4012 / 1024));
});

test('rerunTrial gives the full report of one combination; the curve via takeEquityCurve', () => {
  const index = 7;  // fast 10, slow 120
  const report = value(engine.rerunTrial(id, JSON.stringify(VALID_GRID), index));
  assert.deepEqual(report.params, { fast: 10, slow: 120 });
  const curve = fnv1a64(engine.takeEquityCurve());
  const direct = value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross', params: { fast: 10, slow: 120 }, broker: BROKER }), null));
  assert.deepStrictEqual(report, direct);
  assert.equal(fnv1a64(engine.takeEquityCurve()), curve);
  assert.ok(report.trades.length > 0);
  for (const bad of [12, -1, 1.5, NaN]) {
    const e = error(engine.rerunTrial(id, JSON.stringify(VALID_GRID), bad));
    assert.deepEqual([e.code, e.field], ['validation', 'index'], String(bad));
  }
  // A combination whose parameters fail (fast 50, slow 10) fails the same way as its trial.
  const e = error(engine.rerunTrial(id, JSON.stringify(SMA_GRID), 54));
  assert.deepEqual([e.code, e.field, e.message], ['validation', 'fast', 'fast (50) must be less than slow (10)']);
});

test('invalid optimization requests name the field', () => {
  const cases = [
    [{ strategy: 'sma_cross' }, 'validation', 'axes'],
    [{ strategy: 'sma_cross', axes: [{ name: 'fast', min: 5, max: 1, step: 1 }] }, 'validation', 'axis fast'],
    [{ strategy: 'sma_cross', axes: [{ name: 'fast', min: 1, max: 5 }] }, 'validation', 'axes.fast.step'],
    [{ strategy: 'sma_cross', axes: [{ name: 'zzz', values: [1] }] }, 'validation', 'axis zzz'],
    [{ strategy: 'sma_cross', axes: [{ name: 'fast', values: [0] }] }, 'validation', 'axis fast'],
    [{ strategy: 'sma_cross', axes: [{ name: 'fast', values: [1, 2] }], objective: 'nope' }, 'not_found', 'objective'],
    [{ strategy: 'sma_cross', axes: [{ name: 'fast', values: [1, 2] }], direction: 'up' }, 'validation', 'direction'],
    [{ ...SMA_GRID, max_combinations: 10 }, 'limit', 'axes'],
    [{ strategy: 'nope', axes: [] }, 'not_found', 'strategy'],
  ];
  for (const [req, code, field] of cases) {
    for (const text of [engine.validateOptimization(id, JSON.stringify(req)),
                        engine.runTrials(id, JSON.stringify(req), () => assert.fail('claim'), () => {}, null),
                        engine.rerunTrial(id, JSON.stringify(req), 0)]) {
      const e = error(text);
      assert.deepEqual([e.code, e.field], [code, field], JSON.stringify(req));
    }
  }
});
