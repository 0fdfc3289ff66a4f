// Benchmark (numbers, no assertions) of an optimization's finish in headless Chromium, against
// the built site (issue 13, "A finish that keeps up" and "Bounded page memory"):
//   node tests/bench-finish.mjs [--million] [--no-grid]
// 1. A 14,850-combination grid (sma_cross fast 1..99 × slow 100..249 on the NVDA sample, 2
//    engine workers, IndexedDB storage), followed in the UI as a user would: last trial → status
//    Completed shown (ms), Completed → ranked table visible (ms), whether the heatmap left the
//    screen (or "Loading report…" showed) in between.
// 2. The same grid again, cancelled at about a third: Cancel click → "Cancelled" shown in the
//    side panel, and → getOptimizationStatus answering Cancelled (ms).
// 3. --million: a 1,000,000-combination grid (rsi_reversion period 2..401 × lower 1..50 × upper
//    50..99 on 300 synthetic bars, storage in memory) with the page's JS heap sampled through CDP
//    (Runtime.getHeapUsage, after HeapProfiler.collectGarbage at the end): its peak (MB).
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const million = process.argv.includes('--million');
const grid = !process.argv.includes('--no-grid');
const NVDA = 'NVDA-1d-1999-2014.csv';
const GRID = {
  dataset: NVDA,
  strategy: 'sma_cross',
  axes: [
    { name: 'fast', min: 1, max: 99, step: 1 },
    { name: 'slow', min: 100, max: 249, step: 1 },
  ],
};

/** In the page: follows run `id` in the UI, sampling every 4 ms; resolves with the timings. */
function watchFinish(id) {
  return new Promise((resolve, reject) => {
    const t = { lastTrial: null, completedUi: null, table: null, loadingSeen: false, heatmapGone: false, samples: 0 };
    const started = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      t.samples++;
      const p = window.atf.progress(id);
      if (t.lastTrial === null && p && p.total > 0 && p.processed >= p.total) t.lastTrial = now;
      const status = document.getElementById('progress-status')?.textContent;
      if (t.completedUi === null && status === 'Completed') {
        t.completedUi = now;
        // A run that left the board between two samples: its last trial was at most one sample ago.
        if (t.lastTrial === null) t.lastTrial = now;
      }
      const report = document.querySelector(`article.report[data-run="${id}"]`);
      if (t.lastTrial !== null && t.table === null) {
        if (document.querySelector('#main .loading')) t.loadingSeen = true;
        if (!document.querySelector('#main [data-testid="heatmap"]')) t.heatmapGone = true;
      }
      const row = report?.querySelector('[data-testid="trials-table"] tbody tr');
      if (t.table === null && row && row.getBoundingClientRect().height > 0) t.table = now;
      if (t.table !== null && t.completedUi !== null) {
        clearInterval(timer);
        resolve({
          lastTrialToCompletedMs: Math.round(t.completedUi - t.lastTrial),
          completedToTableMs: Math.round(t.table - t.completedUi),
          trialsMs: Math.round(t.lastTrial - started),
          loadingSeen: t.loadingSeen,
          heatmapGone: t.heatmapGone,
        });
      }
      if (now - started > 240_000) {
        clearInterval(timer);
        reject(new Error(`timed out: ${JSON.stringify(t)}`));
      }
    }, 4);
  });
}

const out = {};
const server = await startServer({ isolated: true });
const browser = await launch();
try {
  if (grid) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openSite(ctx, `${server.url}?workers=2&db=bench-finish-${Date.now()}`);
    await page.waitForSelector('body[data-ready="true"]');
    // 1. The finish.
    const id = await page.evaluate(async (req) => (await window.atf.submitOptimization(req)).id, GRID);
    const watching = page.evaluate(watchFinish, id);
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), id);
    out.finish = await watching;
    out.finish.totalCombinations = await page.evaluate(async (i) => (await window.atf.getOptimizationStatus(i)).totalCombinations, id);
    // 2. Cancel, from the side panel's button, at about a third of the same grid.
    const id2 = await page.evaluate(async (req) => (await window.atf.submitOptimization({ ...req, broker: { commission_pct: 0.01 } })).id, GRID);
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), id2);
    await page.waitForSelector(`#progress[data-run="${id2}"] #progress-cancel`);
    out.cancel = await page.evaluate(async (i) => {
      for (;;) {
        const p = window.atf.progress(i);
        if (p && p.processed >= p.total / 3) break;
        await new Promise((ok) => setTimeout(ok, 5));
      }
      const t0 = performance.now();
      let ui = null;
      let api = null;
      const uiDone = new Promise((ok) => {
        const tick = () => {
          if (document.getElementById('progress-status')?.textContent === 'Cancelled') {
            ui = performance.now() - t0;
            ok();
          } else setTimeout(tick, 2);
        };
        tick();
      });
      document.getElementById('progress-cancel').click();
      // The status without its trials (what the UI reads); the full one after it.
      const light = (id) => (window.atf.getOptimizationStatus.length > 1 ? window.atf.getOptimizationStatus(id, { trials: false }) : window.atf.getOptimizationStatus(id));
      for (;;) {
        const s = await light(i);
        if (s.status === 'Cancelled') {
          api = performance.now() - t0;
          break;
        }
        await new Promise((ok) => setTimeout(ok, 2));
      }
      const tf = performance.now();
      await window.atf.getOptimizationStatus(i);
      const full = performance.now() - tf;
      await uiDone;
      const s = await window.atf.getOptimizationStatus(i);
      return { clickToCancelledUiMs: Math.round(ui), clickToCancelledApiMs: Math.round(api), fullStatusWithTrialsMs: Math.round(full), kept: s.completedCombinations + s.failedCombinations };
    }, id2);
    await ctx.close();
  }
  if (million) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openSite(ctx, `${server.url}?workers=2&nostore`);
    await page.waitForSelector('body[data-ready="true"]');
    const cdp = await ctx.newCDPSession(page);
    // A full GC through the heap profiler (turned off again: it keeps ids of the objects).
    const collect = async () => {
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.disable');
    };
    await collect();
    const base = (await cdp.send('Runtime.getHeapUsage')).usedSize;
    await page.evaluate(() => window.atf.addSyntheticDataset('bench-300', 300, 7));
    // 400 × 50 × 50 = 1,000,000 combinations (lower = upper = 50 is refused: 400 skipped).
    const req = { dataset: 'bench-300', strategy: 'rsi_reversion', axes: [{ name: 'period', min: 2, max: 401, step: 1 }, { name: 'lower', min: 1, max: 50, step: 1 }, { name: 'upper', min: 50, max: 99, step: 1 }] };
    const t0 = Date.now();
    const id = await page.evaluate(async (r) => (await window.atf.submitOptimization(r)).id, req);
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), id);
    let peak = base;
    let peakAt = null;
    let status = 'Running';
    for (;;) {
      await new Promise((ok) => setTimeout(ok, 250));
      const used = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      if (used > peak) peakAt = { s: Math.round((Date.now() - t0) / 100) / 10, status };
      peak = Math.max(peak, used);
      // The light status (no trials): reading 1M trials back is what this bench must not measure.
      status = await page.evaluate((i) => document.getElementById('progress-status')?.textContent ?? '', id);
      if (['Completed', 'Failed', 'Cancelled'].includes(status)) break;
      if (Date.now() - t0 > 900_000) throw new Error('the 1M grid did not finish in 15 minutes');
    }
    // The report (heatmap and ranked table) on screen too.
    const tDone = Date.now();
    const table = await page.waitForSelector(`article.report[data-run="${id}"] [data-testid="trials-table"] tbody tr[data-key]`, { timeout: 180_000 }).then(() => Date.now() - tDone, () => null);
    for (let i = 0; i < 12; i++) {
      const used = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      if (used > peak) peakAt = { s: Math.round((Date.now() - t0) / 100) / 10, status: 'report shown' };
      peak = Math.max(peak, used);
      await new Promise((ok) => setTimeout(ok, 250));
    }
    // The statistics (computed after Completed, over a million trials' columns; no PBO above
    // 250,000 combinations): how long, and what they say.
    const stats = await page.evaluate(async (i) => {
      for (let k = 0; k < 600; k++) {
        const e = window.atf.logEntries(i).find((l) => l.event === 'statistics');
        // Logged when computed; saved into the run's row just after.
        const run = e ? await window.atf.getOptimizationRun(i, { trials: false }) : null;
        const st = run?.result?.statistics;
        if (e && st) {
          return { elapsedMs: e.elapsedMs, counts: e.counts, psr: st?.psr ?? null, dsr: st?.dsr ?? null, pbo: st?.pbo?.reason ?? null, unavailable: st?.unavailable ?? null };
        }
        await new Promise((ok) => setTimeout(ok, 500));
      }
      return null;
    }, id);
    for (let k = 0; k < 12; k++) {
      const used = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      if (used > peak) peakAt = { s: Math.round((Date.now() - t0) / 100) / 10, status: 'statistics saved' };
      peak = Math.max(peak, used);
      await new Promise((ok) => setTimeout(ok, 250));
    }
    await collect();
    const after = (await cdp.send('Runtime.getHeapUsage')).usedSize;
    out.million = { status, seconds: Math.round((tDone - t0) / 1000), completedToTableMs: table, baseHeapMB: Math.round(base / 1e6), peakHeapMB: Math.round(peak / 1e6), peakAt, afterGcHeapMB: Math.round(after / 1e6), statistics: stats };
    await ctx.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(out, null, 2));
