// An optimization's finish (issue 13, "A finish that keeps up"), in headless Chromium with
// IndexedDB storage: every trial is written to storage once, while the grid runs (the finish
// writes the run's row only); the report's heatmap stays on screen from Running to Completed (no
// "Loading report…" between); the ranked table's top rows are the best trials by the objective;
// cancel answers Cancelled promptly; a resume runs only the missing combinations. Storage calls
// are counted by wrapping Worker.prototype.postMessage before the app starts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, waitForApp } from './browser.mjs';
import { startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
/** 2,400 combinations: long enough to watch the finish, short enough for CI. */
const GRID = { dataset: NVDA, strategy: 'sma_cross', axes: [{ name: 'fast', min: 1, max: 40, step: 1 }, { name: 'slow', min: 41, max: 100, step: 1 }] };

/** Before the app: every storage call is recorded (method, and what it writes). */
function recordStorageCalls() {
  window.storageCalls = [];
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message && typeof message === 'object' && typeof message.method === 'string') {
      const a = message.args ?? [];
      const entry = { method: message.method, runId: typeof a[0] === 'string' ? a[0] : a[0]?.id };
      if (message.method === 'saveTrials') entry.indexes = a[1].map((t) => t.index);
      if (message.method === 'save') entry.trials = a[0]?.result?.trials?.length ?? 0;
      window.storageCalls.push(entry);
    }
    return post.call(this, message, ...rest);
  };
}

describe('an optimization finish that keeps up', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer({ isolated: true });
    browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    await page.addInitScript(recordStorageCalls);
    await page.goto(`${server.url}?workers=2&db=finish-${Date.now()}`);
    await waitForApp(page);
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  let optId;
  test('the heatmap stays through the finish; trials are written once; the ranked rows are the best trials', async () => {
    optId = await page.evaluate(async (req) => (await window.atf.submitOptimization(req)).id, GRID);
    // From the moment the report shows until its ranked table does: was a heatmap always there,
    // and did "Loading report…" ever show?
    const watch = page.evaluate((id) => new Promise((resolve) => {
      const seen = { heatmapMissing: 0, loading: 0, samples: 0, live: false };
      const timer = setInterval(() => {
        const report = document.querySelector(`article.report[data-run="${id}"]`);
        if (!report && !seen.samples) return;
        seen.samples++;
        if (document.querySelector('#main .loading')) seen.loading++;
        if (!document.querySelector('#main [data-testid="heatmap"]')) seen.heatmapMissing++;
        if (document.querySelector('[data-testid="live-trials"]')) seen.live = true;
        if (report?.querySelector('[data-testid="trials-table"] tbody tr[data-key]')) {
          clearInterval(timer);
          resolve(seen);
        }
      }, 4);
    }), optId);
    await page.evaluate((id) => (location.hash = `#/run/optimization/${id}`), optId);
    const seen = await watch;
    assert.ok(seen.live, 'the live report was shown while the grid ran');
    assert.equal(seen.loading, 0, `"Loading report…" showed in ${seen.loading} of ${seen.samples} samples`);
    assert.equal(seen.heatmapMissing, 0, `no heatmap in ${seen.heatmapMissing} of ${seen.samples} samples`);
    assert.equal(await page.textContent('#progress-status'), 'Completed');

    // Storage: each trial in exactly one saveTrials call; the run's rows carry no trials.
    const calls = await page.evaluate((id) => window.storageCalls.filter((c) => c.runId === id), optId);
    const written = calls.filter((c) => c.method === 'saveTrials').flatMap((c) => c.indexes);
    assert.equal(written.length, 2400, 'every trial written once');
    assert.equal(new Set(written).size, 2400);
    const saves = calls.filter((c) => c.method === 'save');
    assert.ok(saves.length >= 2, 'a Pending row and a terminal row');
    assert.deepEqual(saves.map((c) => c.trials), saves.map(() => 0), 'no run row rewrites the trials');

    // The ranked table's top rows are the best trials by Sharpe ratio (a full sort of every trial
    // read through the API), ties by index.
    const all = await page.evaluate(async (id) => (await window.atf.getOptimizationStatus(id)).result.trials, optId);
    assert.equal(all.length, 2400);
    const best = all
      .filter((t) => t.status === 'completed')
      .sort((a, b) => (b.metrics.sharpe ?? -Infinity) - (a.metrics.sharpe ?? -Infinity) || a.index - b.index)
      .slice(0, 20)
      .map((t) => String(t.index));
    const shown = await page.$$eval('[data-testid="trials-table"] tbody tr[data-key]', (rows) => rows.slice(0, 20).map((r) => r.dataset.key));
    assert.deepEqual(shown, best);
    // A filter and an order through SQL: fast > 30, by slow ascending.
    await page.fill('#trials-filter', 'fast > 30');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="trials-table"] tbody tr[data-key]')].length === 100 && /of 600 rows/.test(document.querySelector('[data-testid="trials-table"] tbody')?.textContent ?? ''));
    const fastOver30 = await page.evaluate(async (id) => {
      const p = await window.atf.queryTrials(id, { objective: 'sharpe', direction: 'max', where: [{ name: 'fast', op: '>', value: 30 }], sort: { key: 'p:slow', dir: 1 }, limit: 5 });
      return { total: p.total, rows: p.rows.map((t) => [t.params.fast, t.params.slow, t.rank]) };
    }, optId);
    assert.equal(fastOver30.total, 600);
    assert.ok(fastOver30.rows.every(([f, s]) => f > 30 && s === 41), JSON.stringify(fastOver30.rows));
    await page.fill('#trials-filter', '');
  });

  test('cancel is confirmed promptly; a resume runs only the missing combinations', async () => {
    const id = await page.evaluate(async (req) => (await window.atf.submitOptimization({ ...req, broker: { commission_pct: 0.02 }, axes: [{ name: 'fast', min: 1, max: 60, step: 1 }, { name: 'slow', min: 61, max: 160, step: 1 }] })).id, GRID);
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), id);
    await page.waitForSelector(`#progress[data-run="${id}"] #progress-cancel`);
    const r = await page.evaluate(async (i) => {
      for (;;) {
        const p = window.atf.progress(i);
        if (p && p.processed >= 1000) break;
        await new Promise((ok) => setTimeout(ok, 5));
      }
      const t0 = performance.now();
      document.getElementById('progress-cancel').click();
      for (;;) {
        const s = await window.atf.getOptimizationStatus(i, { trials: false });
        if (s.status === 'Cancelled') return { ms: performance.now() - t0, kept: s.completedCombinations + s.failedCombinations, total: s.totalCombinations };
        await new Promise((ok) => setTimeout(ok, 2));
      }
    }, id);
    // Generous (CI machines vary): the bench measures it (tens of ms here).
    assert.ok(r.ms < 2000, `Cancelled after ${r.ms} ms`);
    await page.waitForFunction(() => document.getElementById('progress-status')?.textContent === 'Cancelled');
    assert.ok(r.kept > 0 && r.kept < r.total, JSON.stringify(r));
    const before = await page.evaluate(() => window.storageCalls.length);
    const kept = await page.evaluate(async (i) => (await window.atf.getOptimizationStatus(i)).result.trials.map((t) => t.index), id);
    assert.equal(kept.length, r.kept);
    await page.evaluate((i) => window.atf.resumeOptimization(i), id);
    const done = await page.evaluate(async (i) => {
      for (;;) {
        const s = await window.atf.getOptimizationStatus(i, { trials: false });
        if (s.status !== 'Pending' && s.status !== 'Running') return s;
        await new Promise((ok) => setTimeout(ok, 20));
      }
    }, id);
    assert.equal(done.status, 'Completed');
    assert.equal(done.completedCombinations + done.failedCombinations, r.total);
    const rerun = await page.evaluate(([i, n]) => window.storageCalls.slice(n).filter((c) => c.runId === i && c.method === 'saveTrials').flatMap((c) => c.indexes), [id, before]);
    const keptSet = new Set(kept);
    assert.equal(rerun.filter((i) => keptSet.has(i)).length, 0, 'no kept combination ran again');
    assert.equal(rerun.length, r.total - r.kept, 'exactly the missing combinations ran');
  });
});
