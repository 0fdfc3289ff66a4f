// Pine Script through window.atf (issue 10), in headless Chromium against the real Wasm module:
// compileScript in the control worker, script backtests and optimizations through the same run
// API as built-in strategies (validation, dedup, status, result with plots, failure, reload).
// One page (cross-origin isolated, with storage) serves every case, in order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
const SMA = readFileSync(new URL('../../data/pine/sma_cross.pine', import.meta.url), 'utf8');
// Equal sizing on both sides: TradingView sizes percent_of_equity orders at the signal bar's
// close, the built-in broker at the fill price; margin rules off (each broker tests its own).
const BROKER = { commission_pct: 0.1, slippage_bps: 2, sizing: 'units', size: 10, margin_long_pct: 0, margin_short_pct: 0 };
// A trade's fills and money, without what only scripts name (signals) or brokers measure their own way.
const core = (trades) => trades.map(({ entry_signal, exit_signal, max_runup, max_drawdown, ...t }) => t);
const BROKEN = '//@version=6\nstrategy("Broken")\nfast = ta.sma(close, 10)\nslow = fast + nope\nplot(slow)\n';
const BOOM = '//@version=6\nstrategy("Boom")\nvalues = array.new_float(0)\nx = bar_index == 10 ? array.get(values, 5) : 0.0\nplot(x)\n';
const AXES = (a, b) => [{ name: a, values: [5, 10, 20] }, { name: b, min: 30, max: 60, step: 15 }];

let server;
let browser;
let page;
const consoleLines = [];
const ids = {};

/** Polls a run until it is terminal, in the page. */
const waitDone = (kind, id, timeoutMs = 60000) =>
  page.evaluate(
    async ({ kind, id, timeoutMs }) => {
      const get = (x) => (kind === 'backtest' ? window.atf.getBacktestStatus(x) : window.atf.getOptimizationStatus(x));
      const end = performance.now() + timeoutMs;
      for (;;) {
        const s = await get(id);
        if (!['Pending', 'Running'].includes(s.status)) return s;
        if (performance.now() > end) throw new Error(`run ${id} still ${s.status}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    { kind, id, timeoutMs },
  );

before(async () => {
  server = await startServer({ isolated: true });
  browser = await launch();
  page = await openSite(await browser.newContext(), server.url, { consoleSink: consoleLines });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('compileScript: inputs and hash of a script; a broken one has a diagnostic at its line:column', async () => {
  const r = await page.evaluate(async ({ SMA, BROKEN }) => {
    const good = await window.atf.compileScript(SMA);
    const bad = await window.atf.compileScript(BROKEN);
    let submitError = null;
    try {
      await window.atf.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', script: BROKEN });
    } catch (e) {
      submitError = { name: e.name, field: e.field, line: e.line, column: e.column, message: e.message, typed: e instanceof window.atf.errors.ValidationError };
    }
    return { good, bad, submitError, runs: (await window.atf.listRuns()).length };
  }, { SMA, BROKEN });
  assert.equal(r.good.ok, true);
  assert.match(r.good.hash, /^[0-9a-f]{16}$/);
  assert.deepEqual(r.good.inputs.map((i) => i.name), ['fastLength', 'slowLength', 'allowShort']);
  assert.equal(r.good.settings.title, 'SMA cross');
  assert.equal(r.bad.ok, false);
  const d = r.bad.diagnostics.find((x) => x.severity === 'error');
  assert.deepEqual([d.line, d.column], [4, 15]);
  assert.match(d.message, /nope/);
  // Submit rejects synchronously (nothing saved) with a typed ValidationError at the same place.
  assert.equal(r.submitError?.typed, true, JSON.stringify(r.submitError));
  assert.deepEqual([r.submitError.field, r.submitError.line, r.submitError.column], ['script', 4, 15]);
  assert.match(r.submitError.message, /^line 4, column 15: .*nope/);
  assert.equal(r.runs, 0);
  ids.hash = r.good.hash;
});

test('a script backtest completes with the built-in sma_cross trades and has plots; identical submits share a run', async () => {
  const r = await page.evaluate(async ({ SMA, BROKER, NVDA }) => {
    const req = { dataset: NVDA, script: SMA, inputs: { fastLength: 5, slowLength: 50 }, broker: BROKER };
    // Two identical submits at once: one run (DESIGN.md's dedup; the key holds the script hash).
    const [a, b] = await Promise.all([window.atf.submitBacktest(req), window.atf.submitBacktest({ ...req, inputs: { slowLength: 50, fastLength: 5 } })]);
    const builtin = await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', params: { fast: 5, slow: 50 }, broker: BROKER });
    return { a, b, builtin };
  }, { SMA, BROKER, NVDA });
  assert.equal(r.a.isDedup, false);
  assert.equal(r.b.isDedup, true);
  assert.equal(r.b.id, r.a.id);
  assert.equal(r.a.totalBars, 4012);
  const s = await waitDone('backtest', r.a.id);
  const b = await waitDone('backtest', r.builtin.id);
  assert.equal(s.status, 'Completed', s.errorMessage);
  assert.equal(b.status, 'Completed');
  assert.ok(b.result.trades.length > 5);
  assert.deepStrictEqual(core(s.result.trades), core(b.result.trades));
  assert.deepStrictEqual(s.result.metrics, b.result.metrics);
  assert.equal(s.result.final_equity, b.result.final_equity);
  assert.equal(s.result.strategy, 'SMA cross');
  assert.equal(s.result.script_hash, ids.hash);
  assert.deepEqual(s.result.plots.map((p) => [p.title, p.values.length]), [['Fast SMA', 4012], ['Slow SMA', 4012]]);
  assert.equal(s.result.plots[0].values[3], null);
  assert.equal(typeof s.result.plots[0].values[4], 'number');
  ids.bt = r.a.id;
  ids.trades = s.result.trades;
  ids.plots = s.result.plots;
});

test('a script with a runtime error ends Failed with a message naming the line', async () => {
  const id = await page.evaluate(async ({ BOOM, NVDA }) => (await window.atf.submitBacktest({ dataset: NVDA, script: BOOM })).id, { BOOM, NVDA });
  const s = await waitDone('backtest', id);
  assert.equal(s.status, 'Failed');
  assert.match(`${s.errorMessage}\n${s.errorStackTrace ?? ''}`, /line 4/);
  ids.failed = id;
  ids.failedMessage = s.errorMessage;
});

test('an optimization over two script inputs: the right count, the built-in grid\'s ranking, live trials', async () => {
  const r = await page.evaluate(async ({ SMA, BROKER, NVDA, script, builtin }) => {
    const sub = await window.atf.submitOptimization({ dataset: NVDA, script: SMA, broker: BROKER, axes: script, objective: 'sharpe' });
    const live = window.atf.liveGrid(sub.id);
    const ref = await window.atf.submitOptimization({ dataset: NVDA, strategy: 'sma_cross', broker: BROKER, axes: builtin, objective: 'sharpe' });
    return { sub, ref, liveIsArray: live !== null && live.state instanceof Uint8Array };
  }, { SMA, BROKER, NVDA, script: AXES('fastLength', 'slowLength'), builtin: AXES('fast', 'slow') });
  assert.equal(r.sub.totalCombinations, 9);
  assert.equal(r.liveIsArray, true, 'liveGrid feeds the live heatmap while the run is in flight');
  const s = await waitDone('optimization', r.sub.id);
  const b = await waitDone('optimization', r.ref.id);
  assert.equal(s.status, 'Completed', s.errorMessage);
  assert.equal(s.completedCombinations, 9);
  assert.equal(s.failedCombinations, 0);
  assert.equal(s.result.trials.length, 9);
  assert.deepEqual(
    s.result.trials.map((t) => [t.index, t.params.fastLength, t.params.slowLength, t.metrics.sharpe]),
    b.result.trials.map((t) => [t.index, t.params.fast, t.params.slow, t.metrics.sharpe]),
  );
  assert.equal(s.result.best.index, b.result.best.index);
  for (let i = 1; i < 9; i++) assert.ok(s.result.trials[i - 1].metrics.sharpe >= s.result.trials[i].metrics.sharpe);
  ids.opt = r.sub.id;
  ids.ranking = s.result.trials.map((t) => t.index);
});

test('after a reload the script runs, their source and results (with plots) are still there', async () => {
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const r = await page.evaluate(async (ids) => {
    const bt = await window.atf.getBacktestStatus(ids.bt);
    const run = await window.atf.getBacktestRun(ids.bt);
    const failed = await window.atf.getBacktestStatus(ids.failed);
    const opt = await window.atf.getOptimizationStatus(ids.opt);
    const optRun = await window.atf.getOptimizationRun(ids.opt);
    const listed = (await window.atf.listRuns()).map((x) => [x.id, x.strategy]);
    return { bt, request: run.request, failed, opt, optRequest: optRun.request, listed };
  }, ids);
  assert.equal(r.bt.status, 'Completed');
  assert.deepStrictEqual(r.bt.result.trades, ids.trades);
  assert.deepStrictEqual(r.bt.result.plots, ids.plots);
  assert.equal(r.bt.result.script_hash, ids.hash);
  assert.equal(r.request.script, SMA, 'the saved request keeps the source, so the run can be repeated');
  assert.equal(r.request.script_hash, ids.hash);
  assert.deepEqual(r.request.inputs, { fastLength: 5, slowLength: 50 });
  assert.equal(r.failed.status, 'Failed');
  assert.equal(r.failed.errorMessage, ids.failedMessage);
  assert.equal(r.opt.status, 'Completed');
  assert.deepEqual(r.opt.result.trials.map((t) => t.index), ids.ranking);
  assert.equal(r.optRequest.script, SMA);
  assert.ok(r.listed.some(([id, label]) => id === ids.bt && label === 'SMA cross'));
  // The saved request runs again as it is.
  const again = await page.evaluate(async (req) => (await window.atf.submitBacktest(req)).id, r.request);
  const s = await waitDone('backtest', again);
  assert.equal(s.status, 'Completed');
  assert.deepStrictEqual(s.result.trades, ids.trades);
  assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
});
