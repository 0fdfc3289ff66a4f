// The robustness lab in the browser (issue 16), in headless Chromium against the real Wasm module:
// an optimization's statistics (DSR, PSR, PBO, Monte Carlo) equal the module's own figures for the
// same grid, computed here under Node (and the native CLI's when it is built), are saved, and show
// in the report's Robustness tab; a walk-forward submitted through window.atf reaches Completed
// with the module's windows and efficiency, reports two-level progress, cancels when asked, is
// marked interrupted when its page closes, refuses bad settings by field, and its report renders.
// Screenshots (1440×900 and 390×844, light and dark) go to $ATF_SHOTS_DIR (default /tmp/shots).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';
import { NATIVE_ATF, SAMPLES_DIR, counter, loadEngine, value } from '../../tests/wasm/helpers.mjs';

const ORCL = 'ORCL-1d-1995-2014.csv';
const AXES = [{ name: 'fast', min: 5, max: 30, step: 5 }, { name: 'slow', min: 40, max: 120, step: 20 }];
const GRID = { dataset: ORCL, strategy: 'sma_cross', axes: AXES, objective: 'sharpe' };
const WALK = { ...GRID, walk_forward: { in_sample: '3y', out_of_sample: '1y' } };
/** A genetic search over a 20 × 20 grid: 12 individuals, 5 generations (a budget of 60). */
const GA = { dataset: ORCL, strategy: 'sma_cross', objective: 'sharpe', search: 'genetic:pop=12,gen=5', seed: 3,
             axes: [{ name: 'fast', min: 2, max: 40, step: 2 }, { name: 'slow', min: 50, max: 240, step: 10 }] };
const SHOTS = process.env.ATF_SHOTS_DIR ?? '/tmp/shots';

let server;
let browser;
let context;
let page;
const consoleLines = [];
/** What the module computes for the same requests under Node (the expected figures). */
const expected = {};
const ids = {};

const waitDone = (kind, id, timeoutMs = 60000) =>
  page.evaluate(
    async ({ kind, id, timeoutMs }) => {
      const get = (x) => (kind === 'walkforward' ? window.atf.getWalkForwardStatus(x) : window.atf.getOptimizationStatus(x));
      const end = performance.now() + timeoutMs;
      for (;;) {
        const s = await get(id);
        if (!['Pending', 'Running'].includes(s.status)) return s;
        if (performance.now() > end) throw new Error(`run ${id} still ${s.status}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    { kind, id, timeoutMs },
  );

/** Opens a run's report afresh (via the runs list) and waits for `selector` in it. */
async function openReport(kind, id, selector) {
  await page.evaluate(() => (location.hash = '#/runs'));
  await page.waitForSelector('#dash-kind', { state: 'attached' });
  await page.evaluate(({ kind, id }) => (location.hash = `#/run/${kind}/${id}`), { kind, id });
  await page.waitForSelector(selector);
}

before(async () => {
  // Expected figures: the same module under Node, trials run in one go then assessed.
  const engine = await loadEngine();
  const ds = value(engine.importCsv(readFileSync(path.join(SAMPLES_DIR, ORCL), 'utf8'), '{}')).dataset;
  const request = JSON.stringify({ schema: 'atf/v1', strategy: 'sma_cross', axes: AXES, objective: 'sharpe', statistics_blocks: 16 });
  const trials = [];
  value(engine.runTrials(ds, request, counter(30), (t) => trials.push(JSON.parse(t)), null));
  expected.stats = value(engine.optimizationStatistics(ds, request, JSON.stringify(trials), null, 1000, 1));
  const walk = JSON.stringify({ schema: 'atf/v1', strategy: 'sma_cross', axes: AXES, objective: 'sharpe', walk_forward: WALK.walk_forward });
  expected.walk = value(engine.runWalkForward(ds, walk, () => false, () => {}));
  // A random search: the module's sample for the seed, its trials, their statistics.
  const randomRequest = JSON.stringify({ schema: 'atf/v1', strategy: 'sma_cross', axes: AXES, objective: 'sharpe', statistics_blocks: 16, search: 'random:12', seed: 7 });
  const sample = value(engine.validateOptimization(ds, randomRequest)).sample;
  const sampled = [];
  const queue = [...sample];
  value(engine.runTrials(ds, randomRequest, () => queue.shift() ?? -1, (t) => sampled.push(JSON.parse(t)), null));
  expected.random = { sample, stats: value(engine.optimizationStatistics(ds, randomRequest, JSON.stringify(sampled), null, 1000, 1)) };
  if (existsSync(NATIVE_ATF)) {
    const args = ['--data', path.join(SAMPLES_DIR, ORCL), '--strategy', 'sma_cross', '--axis', 'fast=5:30:5', '--axis', 'slow=40:120:20'];
    const cli = JSON.parse(execFileSync(NATIVE_ATF, ['optimize', ...args, '--search', 'random:12', '--seed', '7', '--json'], { maxBuffer: 64 << 20 }).toString());
    expected.random.native = cli.trials.map((t) => t.index).sort((a, b) => a - b);
  }
  // A genetic search: the module's generations, each run in full before the next is planned.
  const gaRequest = JSON.stringify({ schema: 'atf/v1', ...GA });
  const known = new Map();
  for (;;) {
    const step = value(engine.geneticNextBatch(ds, gaRequest, Float64Array.from(known.keys()), Float64Array.from(known.values())));
    if (step.batch.length === 0) break;
    const queue = [...step.batch];
    value(engine.runTrials(ds, gaRequest, () => queue.shift() ?? -1, (j) => {
      const t = JSON.parse(j);
      known.set(t.index, t.status === 'completed' ? t.metrics.sharpe : NaN);
    }, null));
  }
  expected.genetic = [...known.keys()].sort((a, b) => a - b);
  if (existsSync(NATIVE_ATF)) {
    const cli = JSON.parse(execFileSync(NATIVE_ATF, ['optimize', '--data', path.join(SAMPLES_DIR, ORCL), '--strategy', 'sma_cross', '--axis', 'fast=2:40:2',
      '--axis', 'slow=50:240:10', '--search', 'genetic:pop=12,gen=5', '--seed', '3', '--json'], { maxBuffer: 64 << 20 }).toString());
    expected.geneticNative = cli.trials.map((t) => t.index).sort((a, b) => a - b);
  }
  if (existsSync(NATIVE_ATF)) {
    const args = ['--data', path.join(SAMPLES_DIR, ORCL), '--strategy', 'sma_cross', '--axis', 'fast=5:30:5', '--axis', 'slow=40:120:20'];
    expected.native = JSON.parse(execFileSync(NATIVE_ATF, ['optimize', ...args, '--json'], { maxBuffer: 64 << 20 }).toString()).statistics;
  }

  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ isolated: true });
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  page = await openSite(context, server.url, { consoleSink: consoleLines });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('an optimization completes with the statistics the module gives for the same grid, saved with the run', async () => {
  const sub = await page.evaluate((req) => window.atf.submitOptimization(req), GRID);
  assert.equal(sub.totalCombinations, 30);
  ids.opt = sub.id;
  const st = await waitDone('optimization', sub.id);
  assert.equal(st.status, 'Completed');
  const s = st.result.statistics;
  const e = expected.stats;
  assert.ok(s && !('unavailable' in s), JSON.stringify(s));
  // The same module on the same trials: the very same numbers.
  assert.equal(s.psr, e.psr);
  assert.equal(s.dsr, e.dsr);
  assert.equal(s.pbo.ok, true);
  assert.equal(s.pbo.pbo, e.pbo.pbo);
  assert.equal(s.pbo.combinations, 12870);
  assert.deepEqual(s.pbo.logit_bins, e.pbo.logit_bins);
  assert.deepEqual(s.monte_carlo.final_equity, e.monte_carlo.final_equity);
  assert.deepEqual(s.stability, e.stability);
  if (expected.native) {
    // Native and Wasm agree to the last bits of erfc/exp/log (tests/wasm/robustness.test.mjs).
    for (const k of ['psr', 'dsr']) assert.ok(Math.abs(s[k] - expected.native[k]) <= 1e-12, `${k}: ${s[k]} vs native ${expected.native[k]}`);
    assert.equal(s.pbo.pbo, expected.native.pbo.pbo);
  }
  // The trials the API returns carry no block sums (they stayed in the ledger until the end).
  assert.ok(st.result.trials.every((t) => !('block_sums' in t)));
  const log = await page.evaluate((id) => window.atf.logEntries(id).map((r) => r.event), sub.id);
  assert.ok(log.includes('statistics'), log.join(','));
});

test('the report’s Robustness tab shows DSR, PSR and PBO, the logit histogram, the fan chart and the stability map', async () => {
  await page.evaluate((id) => (location.hash = `#/run/optimization/${id}`), ids.opt);
  await page.waitForSelector('article.report[data-kind="optimization"] [data-testid="robustness-tab"]');
  assert.equal(await page.isVisible('[data-testid="robustness-cards"]'), false, 'the Results tab comes first');
  await page.click('[data-testid="robustness-tab"]');
  await page.waitForSelector('[data-testid="robustness-cards"]', { state: 'visible' });
  const shown = await page.evaluate(() => {
    const v = (id) => document.querySelector(`[data-testid="${id}"] .card-value`)?.textContent ?? '';
    const s = (id) => document.querySelector(`[data-testid="${id}"] .stat-sentence`)?.textContent ?? '';
    return { dsr: v('stat-dsr'), psr: v('stat-psr'), pbo: v('stat-pbo'), dsrText: s('stat-dsr'), pboText: s('stat-pbo') };
  });
  const e = expected.stats;
  const percent = (text) => Number(text.replace(/[^\d.]/g, ''));
  assert.ok(Math.abs(percent(shown.dsr) - e.dsr * 100) < 0.051, `DSR shown ${shown.dsr}, expected ${e.dsr}`);
  assert.ok(Math.abs(percent(shown.psr) - e.psr * 100) < 0.051, `PSR shown ${shown.psr}, expected ${e.psr}`);
  assert.ok(Math.abs(percent(shown.pbo) - e.pbo.pbo * 100) < 0.051, `PBO shown ${shown.pbo}, expected ${e.pbo.pbo}`);
  assert.match(shown.dsrText, /30 combinations/);
  assert.match(shown.pboText, /16 blocks .* 12,870 ways/);
  // The histogram: 20 bins over every split; the fan chart drew; the stability map has every cell.
  const hist = await page.evaluate(() => {
    const f = document.querySelector('[data-testid="pbo-histogram"]');
    return { bars: f?.querySelectorAll('.logit-bar').length, splits: Number(f?.getAttribute('data-splits')) };
  });
  assert.deepEqual(hist, { bars: 20, splits: 12870 });
  await page.waitForSelector('[data-testid="monte-carlo"] .chart-host canvas');
  assert.match(await page.textContent('[data-testid="mc-table"]'), /Final equity/);
  await page.waitForSelector('[data-testid="stability-map"] canvas[data-cells="30"]');
  assert.equal(await page.getAttribute('[data-testid="stability"]', 'data-verdict'), e.stability.verdict);
  // The stability map's cell at the best parameters (fast=10, slow=60) holds the mean of its
  // neighbours, computed in the page: the engine's neighbour_mean. Hover it and read the tip.
  const canvas = page.locator('[data-testid="stability-map"] canvas');
  const box = await canvas.boundingBox();
  const [left, top, bottom, nx, ny] = [56, 8, 34, 6, 5];
  const cw = (box.width - left - 8) / nx;
  const ch = (box.height - top - bottom) / ny;
  // fast=10 is column 1 of 5..30; slow=60 is row 1 of 40..120 (rows drawn from the bottom).
  await canvas.hover({ position: { x: left + 1.5 * cw, y: top + (ny - 1 - 1 + 0.5) * ch } });
  const tip = await page.textContent('[data-testid="stability-map"] .heatmap-tip');
  assert.match(tip, /^fast=10, slow=60: sharpe best ([\d.]+)/);
  assert.ok(Math.abs(Number(/best ([\d.]+)/.exec(tip)[1]) - e.stability.neighbour_mean) < 5e-5, `${tip} vs ${e.stability.neighbour_mean}`);
  // Screenshots: the report is opened again at each size, so its charts are laid out for it.
  for (const [w, hgt] of [[1440, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: hgt });
      await openReport('optimization', ids.opt, '[data-testid="robustness-tab"]');
      await page.click('[data-testid="robustness-tab"]');
      await page.waitForSelector('[data-testid="monte-carlo"] .chart-host canvas');
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${SHOTS}/robustness-tab-${w}-${scheme}.png` });
      // The whole tab: the page scrolls inside its main area, so a tall viewport shows all of it.
      await page.setViewportSize({ width: w, height: 3600 });
      await page.waitForTimeout(200);
      await (await page.$('[data-testid="robustness"]')).screenshot({ path: `${SHOTS}/robustness-tab-${w}-${scheme}-all.png` });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('the statistics survive a reload', async () => {
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const s = await page.evaluate(async (id) => (await window.atf.getOptimizationRun(id)).result.statistics, ids.opt);
  assert.equal(s.dsr, expected.stats.dsr);
  assert.equal(s.pbo.pbo, expected.stats.pbo.pbo);
  assert.deepEqual(s.monte_carlo.fan.p50, expected.stats.monte_carlo.fan.p50);
});

test('a random search evaluates the module’s seeded sample of the grid, with its statistics', async () => {
  const st = await page.evaluate(async (req) => {
    const { id, totalCombinations } = await window.atf.submitOptimization(req);
    for (;;) {
      const s = await window.atf.getOptimizationStatus(id);
      if (s.status !== 'Pending' && s.status !== 'Running') return { ...s, totalCombinations };
      await new Promise((r) => setTimeout(r, 20));
    }
  }, { ...GRID, search: 'random:12', seed: 7 });
  assert.equal(st.status, 'Completed');
  assert.equal(st.totalCombinations, 12);
  const indexes = st.result.trials.map((t) => t.index).sort((a, b) => a - b);
  assert.deepEqual(indexes, expected.random.sample);
  assert.equal(st.result.statistics.dsr, expected.random.stats.dsr);
  assert.equal(st.result.statistics.pbo.pbo, expected.random.stats.pbo.pbo);
  if (expected.random.native) assert.deepEqual(indexes, expected.random.native);
  // Inside a walk-forward (one worker runs the whole walk) every search works: each window
  // evaluates what its search plans.
  const walk = await page.evaluate((req) => window.atf.submitWalkForward(req).then((r) => r.totalCombinations), { ...WALK, search: 'genetic:pop=4,gen=2' });
  assert.equal(walk, 8);
});

test('a genetic search runs generation by generation on the page’s workers: the module’s (and the CLI’s) evaluations for the seed', async () => {
  const st = await page.evaluate(async (req) => {
    const { id, totalCombinations } = await window.atf.submitOptimization(req);
    for (;;) {
      const s = await window.atf.getOptimizationStatus(id);
      if (s.status !== 'Pending' && s.status !== 'Running') return { ...s, totalCombinations };
      await new Promise((r) => setTimeout(r, 5));
    }
  }, GA);
  assert.equal(st.status, 'Completed');
  assert.equal(st.totalCombinations, 60);  // the budget: population × generations
  const indexes = st.result.trials.map((t) => t.index).sort((a, b) => a - b);
  assert.deepEqual(indexes, expected.genetic);
  if (expected.geneticNative) assert.deepEqual(indexes, expected.geneticNative);
  assert.equal(st.result.completed + st.result.failed, indexes.length);
  assert.equal(st.result.total, indexes.length);  // re-mutation left it under the budget, or at it
  assert.ok(st.result.statistics.pbo.ok, JSON.stringify(st.result.statistics.pbo));
  // A bad setting is refused by field before anything runs.
  const refused = await page.evaluate((req) => window.atf.submitOptimization(req).then(() => 'accepted', (e) => `${e.name}:${e.field}`), { ...GA, search: 'genetic:pop=12,gen=5,cx=2' });
  assert.equal(refused, 'ValidationError:search');
});

test('the panel offers the genetic algorithm: its settings, the budget as the count, a field error for a bad rate', async () => {
  await page.evaluate(() => (location.hash = '#/new'));
  await page.waitForSelector('#nr-tab-optimization');
  await page.click('#nr-tab-optimization');
  await page.selectOption('#nr-dataset', ORCL);
  await page.selectOption('#nr-strategy', 'sma_cross');
  for (const [k, v] of [['fast-min', '2'], ['fast-max', '40'], ['fast-step', '2'], ['slow-min', '50'], ['slow-max', '240'], ['slow-step', '10']]) await page.fill(`#ax-${k}`, v);
  assert.equal(await page.isVisible('#nr-ga-pop'), false);
  await page.selectOption('#nr-search', 'genetic');
  assert.equal(await page.isVisible('#nr-ga-pop'), true);
  assert.equal(await page.isVisible('#nr-samples'), false);
  assert.equal(await page.isVisible('#nr-seed'), true);
  await page.fill('#nr-ga-pop', '12');
  await page.fill('#nr-ga-gen', '5');
  assert.match(await page.textContent('#nr-combos'), /^60 evaluations at most/);
  await page.fill('#nr-ga-mut', '1.5');
  await page.click('#nr-submit');
  assert.match(await page.textContent('#err-ga-mut'), /rate from 0 to 1/);
  await page.fill('#nr-ga-mut', '0.1');
  await page.fill('#nr-seed', '3');
  for (const [w, hgt] of [[1440, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: hgt });
      await page.waitForTimeout(100);
      await (await page.$('form.new-run')).screenshot({ path: `${SHOTS}/genetic-panel-${w}-${scheme}.png` });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.click('#nr-submit');
  await page.waitForFunction(() => /^#\/run\/optimization\//.test(location.hash), null, { timeout: 30000 });
  const id = await page.evaluate(() => location.hash.split('/').pop());
  const st = await waitDone('optimization', id);
  assert.equal(st.status, 'Completed');
  assert.deepEqual(st.result.trials.map((t) => t.index).sort((a, b) => a - b), expected.genetic);
});

test('submitWalkForward: counted windows, Completed with the module’s windows and efficiency', async () => {
  const sub = await page.evaluate((req) => window.atf.submitWalkForward(req), WALK);
  const n = expected.walk.windows.length;
  assert.ok(n >= 15, `${n} windows`);
  assert.deepEqual({ windows: sub.totalWindows, combinations: sub.totalCombinations, isDedup: sub.isDedup }, { windows: n, combinations: 30, isDedup: false });
  ids.walk = sub.id;
  const st = await waitDone('walkforward', sub.id);
  assert.equal(st.status, 'Completed', st.errorMessage);
  assert.equal(st.completedWindows, n);
  assert.equal(st.totalWindows, n);
  assert.equal(st.result.windows.length, n);
  assert.equal(st.result.efficiency, expected.walk.efficiency);
  assert.deepEqual(st.result.windows.map((w) => w.params), expected.walk.windows.map((w) => w.params));
  assert.equal(st.result.equity_curve.length, expected.walk.equity.length);
  assert.equal(st.result.equity_curve[st.result.equity_curve.length - 1], expected.walk.equity.at(-1)[1]);
  assert.equal(st.result.trades.length, expected.walk.trades.length);
  // The stitched run's statistics are the module's (PSR, and a Monte Carlo over its trades).
  assert.equal(st.result.statistics.psr, expected.walk.statistics.psr);
  assert.equal(st.result.statistics.monte_carlo.trades, expected.walk.trades.length);
  // Saved: the same after a reload.
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const saved = await page.evaluate(async (id) => {
    const r = (await window.atf.getWalkForwardRun(id)).result;
    return { windows: r.windows.length, efficiency: r.efficiency, last: r.equity_curve[r.equity_curve.length - 1], lastTime: r.equity_time[r.equity_time.length - 1] };
  }, sub.id);
  assert.deepEqual(saved, { windows: n, efficiency: expected.walk.efficiency, last: expected.walk.equity.at(-1)[1], lastTime: expected.walk.equity.at(-1)[0] });
});

test('bad walk-forward settings are refused by field before anything runs', async () => {
  const fields = await page.evaluate(async (base) => {
    const field = async (wf) => {
      try {
        await window.atf.submitWalkForward({ ...base, walk_forward: wf });
        return 'accepted';
      } catch (e) {
        return `${e.name}:${e.field}`;
      }
    };
    return [await field({ in_sample: '3q', out_of_sample: '1y' }), await field({ in_sample: '40y', out_of_sample: '1y' }), await field(undefined)];
  }, GRID);
  assert.deepEqual(fields, ['ValidationError:walk_forward.in_sample', 'ValidationError:walk_forward.in_sample', 'ValidationError:walk_forward']);
});

test('a walk-forward shows window k of n and the trials of the window, and cancels when asked', async () => {
  const id = await page.evaluate(async (req) => (await window.atf.submitWalkForward({ ...req, _debug: { delayMsPerProgress: 15 } })).id, WALK);
  // Two levels: past the first window, with trials counted inside the window running.
  // (The status is read in the same task as the board, so the window cannot move in between.)
  const handle = await page.waitForFunction((id) => {
    const p = window.atf.progress(id);
    return p && p.processed >= 1 && p.completed > 0 ? window.atf.getWalkForwardStatus(id) : null;
  }, id, { timeout: 60000, polling: 5 });
  const st = await handle.jsonValue();
  assert.equal(st.status, 'Running');
  assert.ok(st.completedWindows >= 1 && st.completedWindows < st.totalWindows, JSON.stringify(st));
  assert.ok(st.windowTrials > 0 && st.windowTrials <= 30, JSON.stringify(st));
  assert.equal(st.combinations, 30);
  const answer = await page.evaluate((id) => window.atf.cancelWalkForward(id), id);
  assert.deepEqual(answer, { id, status: 'Cancelled' });
  const after = await page.evaluate((id) => window.atf.getWalkForwardStatus(id), id);
  assert.equal(after.status, 'Cancelled');
  assert.equal(after.result, undefined);
  // Cancelled again: the same answer; an unknown id: NotFound.
  assert.deepEqual(await page.evaluate((id) => window.atf.cancelWalkForward(id), id), { id, status: 'Cancelled' });
  assert.equal(await page.evaluate(() => window.atf.getWalkForwardStatus('nope').catch((e) => e.name)), 'NotFoundError');
});

test('a walk-forward whose page closed becomes Failed ("interrupted")', async () => {
  const other = await openSite(context, server.url);
  const id = await other.evaluate(async (req) => (await window.atf.submitWalkForward({ ...req, _debug: { delayMsPerProgress: 20 } })).id, WALK);
  await other.waitForFunction((id) => window.atf.progress(id)?.status === 2, id, { timeout: 30000 });
  await other.close();
  const again = await openSite(context, server.url);
  const st = await again.waitForFunction(
    async (id) => {
      const s = await window.atf.getWalkForwardStatus(id);
      return s.status === 'Failed' ? s : null;
    },
    id,
    { timeout: 15000, polling: 100 },
  );
  const s = await st.jsonValue();
  assert.equal(s.errorMessage, 'interrupted: the page was closed while the run was in progress');
  await again.close();
});

test('without shared memory (message fallback) a walk-forward reports its windows, completes and cancels', async () => {
  const ctx2 = await browser.newContext();
  try {
    const fb = await openSite(ctx2, `${server.url}?fallback`);
    assert.equal(await fb.evaluate(() => window.atf.mode), 'message-fallback');
    const slow = await fb.evaluate(async (req) => (await window.atf.submitWalkForward({ ...req, _debug: { delayMsPerProgress: 15 } })).id, WALK);
    const seen = await (await fb.waitForFunction((id) => {
      const p = window.atf.progress(id);
      return p && p.processed >= 1 && p.completed > 0 ? { window: p.processed, trials: p.completed } : null;
    }, slow, { timeout: 60000 })).jsonValue();
    assert.ok(seen.window >= 1 && seen.trials > 0, JSON.stringify(seen));
    assert.deepEqual(await fb.evaluate((id) => window.atf.cancelWalkForward(id), slow), { id: slow, status: 'Cancelled' });
    const done = await fb.evaluate(async (req) => {
      const { id } = await window.atf.submitWalkForward(req);
      for (;;) {
        const s = await window.atf.getWalkForwardStatus(id);
        if (s.status !== 'Pending' && s.status !== 'Running') return { status: s.status, windows: s.result?.windows.length, efficiency: s.result?.efficiency };
        await new Promise((r) => setTimeout(r, 20));
      }
    }, WALK);
    assert.deepEqual(done, { status: 'Completed', windows: expected.walk.windows.length, efficiency: expected.walk.efficiency });
  } finally {
    await ctx2.close();
  }
});

test('the walk-forward report: windows, efficiency, IS vs OOS, stitched equity, parameters per window', async () => {
  await page.evaluate((id) => (location.hash = `#/run/walkforward/${id}`), ids.walk);
  await page.waitForSelector('article.report[data-kind="walkforward"] [data-testid="wf-windows-table"]');
  const n = expected.walk.windows.length;
  assert.equal(await page.textContent('[data-testid="wf-windows"]'), String(n));
  assert.equal(await page.locator('[data-testid="wf-windows-table"] tbody tr').count(), n);
  const eff = Number((await page.textContent('[data-testid="wf-efficiency"]')).trim());
  assert.ok(Math.abs(eff - expected.walk.efficiency) < 0.006, `${eff} vs ${expected.walk.efficiency}`);
  assert.equal(await page.locator('[data-testid="wf-compare"] tbody tr').count(), 6);
  const psr = (await page.textContent('[data-testid="wf-psr"] .card-value')).trim();
  assert.equal(psr, `${(expected.walk.statistics.psr * 100).toFixed(1)} %`);
  assert.match(await page.textContent('[data-testid="monte-carlo"]'), new RegExp(`The ${expected.walk.trades.length} trades, drawn again`));
  assert.equal(await page.locator('[data-testid="wf-stability"] .param-dot').count(), expected.walk.stability.reduce((a, p) => a + p.values.length, 0));
  await page.waitForSelector('article.report[data-kind="walkforward"] .chart-host canvas');
  for (const [w, hgt] of [[1440, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: hgt });
      await openReport('walkforward', ids.walk, 'article.report[data-kind="walkforward"] .chart-host canvas');
      // (At phone width the panel comes first: bring the report into view.)
      await page.locator('article.report[data-kind="walkforward"] #report-title').scrollIntoViewIfNeeded();
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${SHOTS}/walkforward-report-${w}-${scheme}.png` });
      await page.setViewportSize({ width: w, height: 4200 });
      await page.waitForTimeout(200);
      await (await page.$('article.report[data-kind="walkforward"]')).screenshot({ path: `${SHOTS}/walkforward-report-${w}-${scheme}-all.png` });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('the panel’s walk-forward mode submits one; its progress view shows both levels and cancels', async () => {
  await page.evaluate(() => {
    window.atfUiDebug = { delayMsPerProgress: 15 };
    location.hash = '#/new';
  });
  await page.waitForSelector('#nr-tab-walkforward');
  await page.click('#nr-tab-walkforward');
  await page.selectOption('#nr-dataset', ORCL);
  await page.selectOption('#nr-strategy', 'sma_cross');
  for (const [k, v] of [['fast-min', '5'], ['fast-max', '30'], ['fast-step', '5'], ['slow-min', '40'], ['slow-max', '120'], ['slow-step', '20']]) await page.fill(`#ax-${k}`, v);
  assert.match(await page.textContent('#nr-combos'), /^30 combinations in each window/);
  // A random search counts its samples (at most the grid).
  assert.equal(await page.isVisible('#nr-samples'), false);
  await page.selectOption('#nr-search', 'random');
  await page.fill('#nr-samples', '7');
  assert.match(await page.textContent('#nr-combos'), /^7 combinations in each window/);
  await page.fill('#nr-samples', '70');
  assert.match(await page.textContent('#nr-combos'), /^30 combinations in each window/);
  await page.selectOption('#nr-search', 'grid');
  assert.equal(await page.isVisible('#nr-samples'), false);
  await page.fill('#wf-is', '2');
  await page.selectOption('#wf-is-unit', 'y');
  await page.fill('#wf-oos', '6');
  await page.selectOption('#wf-oos-unit', 'm');
  assert.equal(await page.textContent('#nr-submit'), 'Run walk-forward');
  for (const [w, hgt] of [[1440, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: hgt });
      await page.waitForTimeout(100);
      await (await page.$('form.new-run')).screenshot({ path: `${SHOTS}/walkforward-panel-${w}-${scheme}.png` });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.click('#nr-submit');
  await page.waitForSelector('#progress');
  await page.waitForFunction(() => Number(document.querySelector('#progress')?.dataset.window) >= 1 && Number(document.querySelector('#progress')?.dataset.windowTrials) > 0, null, { timeout: 60000 });
  assert.match(await page.textContent('#progress-text'), /^Window \d+ of \d+$/);
  assert.match(await page.textContent('#progress-window-text'), /^\d+ \/ 30 trials in this window$/);
  for (const [w, hgt] of [[1440, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: hgt });
      await page.screenshot({ path: `${SHOTS}/walkforward-progress-${w}-${scheme}.png` });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
  const id = await page.getAttribute('#progress', 'data-run');
  const req = await page.evaluate(async (id) => (await window.atf.getWalkForwardRun(id)).request.walk_forward, id);
  assert.deepEqual(req, { in_sample: '2y', out_of_sample: '6m', anchored: false });
  await page.click('#progress-cancel');
  await page.waitForSelector('#progress-status[data-status="Cancelled"]', { timeout: 10000 });
  await page.evaluate(() => delete window.atfUiDebug);
  assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
});
