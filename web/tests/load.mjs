// Load figures (issue 6, "Load"): not part of npm test; prints numbers.
//   ATF_WEB_DIST=... node tests/load.mjs [burst] [grid] [bars] [sequential]   (default: all)
// 20 runs submitted at once; a 1,000,000-combination grid (time, peak page heap, worker heaps);
// a 10,000,000-bar dataset (generation, import, backtest, memory); 200 sequential runs (memory
// every 20 runs). Memory: the page's JS heap from the DevTools protocol (Performance metrics,
// main thread) and each engine worker's Wasm heap (window.atf.debug.memory()).
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const which = new Set(process.argv.slice(2));
const want = (k) => which.size === 0 || which.has(k);
const MB = (b) => `${(b / 1048576).toFixed(1)} MB`;

const server = await startServer({ isolated: true });
const browser = await launch();

async function page(query) {
  const context = await browser.newContext();
  const p = await openSite(context, `${server.url}${query}`);
  const cdp = await context.newCDPSession(p);
  await cdp.send('Performance.enable');
  const jsHeap = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  };
  const workers = () => p.evaluate(async () => (await window.atf.debug.memory()).map((m) => `${m.role}#${m.worker} ${(m.heapBytes / 1048576).toFixed(0)} MB/${m.datasets} ds`).join(', '));
  return { context, p, cdp, jsHeap, workers };
}

/** Waits in the page for the run to be terminal (polling every 50 ms); returns a brief status. */
const WAIT = async ({ kind, id }) => {
  for (;;) {
    // An optimization's status without its trials: a million of them are not read back here.
    const s = kind === 'backtest' ? await window.atf.getBacktestStatus(id) : await window.atf.getOptimizationStatus(id, { trials: false });
    if (s.status !== 'Pending' && s.status !== 'Running') {
      const { result, ...rest } = s;
      return { ...rest, trials: kind === 'backtest' ? undefined : s.completedCombinations + s.failedCombinations };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
};

if (want('burst')) {
  const { context, p } = await page('');
  const r = await p.evaluate(async () => {
    const a = window.atf;
    const t0 = performance.now();
    const subs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 4 === 3
          ? a.submitOptimization({ dataset: 'ORCL-1d-1995-2014.csv', strategy: 'sma_cross', axes: [{ name: 'fast', min: 2, max: 41, step: 1 }, { name: 'slow', values: [50, 100, 150, 200] }] }).then((x) => ({ kind: 'optimization', id: x.id }))
          : a.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: i % 2 ? 'ema_cross' : 'sma_cross', params: { fast: 2 + i, slow: 60 } }).then((x) => ({ kind: 'backtest', id: x.id })),
      ),
    );
    const submitMs = performance.now() - t0;
    const statuses = [];
    for (const s of subs) {
      for (;;) {
        const st = s.kind === 'backtest' ? await a.getBacktestStatus(s.id) : await a.getOptimizationStatus(s.id);
        if (st.status !== 'Pending' && st.status !== 'Running') { statuses.push(st.status); break; }
        await new Promise((res) => setTimeout(res, 10));
      }
    }
    return { submitMs, totalMs: performance.now() - t0, statuses, saved: (await a.listRuns()).filter((x) => x.status === 'Completed').length };
  });
  const counts = r.statuses.reduce((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
  console.log(`20 runs at once (15 backtests + 5 optimizations of 160 combinations, storage on): submitted in ${r.submitMs.toFixed(0)} ms, all terminal in ${r.totalMs.toFixed(0)} ms; ${JSON.stringify(counts)}; ${r.saved} Completed listed`);
  await context.close();
}

if (want('grid')) {
  const { context, p, jsHeap, workers } = await page('?nostore');
  await p.evaluate(() => window.atf.addSyntheticDataset('grid-500', 500, 9));
  const t0 = Date.now();
  const sub = await p.evaluate(() =>
    window.atf.submitOptimization({
      dataset: 'grid-500',
      strategy: 'macd_signal',
      axes: [{ name: 'fast', min: 1, max: 100, step: 1 }, { name: 'slow', min: 2, max: 101, step: 1 }, { name: 'signal', min: 1, max: 100, step: 1 }],
      max_combinations: 1_000_000,
    }),
  );
  let peak = 0;
  let peakWorkers = '';
  const done = p.evaluate(WAIT, { kind: 'optimization', id: sub.id });
  let finished = null;
  done.then((x) => (finished = x));
  while (!finished) {
    const h = await jsHeap();
    if (h > peak) {
      peak = h;
      peakWorkers = await workers();
    }
    const prog = await p.evaluate((id) => window.atf.progress(id), sub.id);
    if (prog) process.stdout.write(`\r  grid: ${prog.completed + prog.failed} / ${sub.totalCombinations}, page JS heap ${MB(h)}   `);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const afterHeap = await jsHeap();
  console.log(`\n1,000,000-combination grid (macd_signal 100 × 100 × 100 on 500 bars, 2 workers, no storage): ${finished.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
    `${finished.completedCombinations} completed + ${finished.failedCombinations} failed, ${finished.trials} trials in the result; ` +
    `peak page JS heap ${MB(peak)} (workers then: ${peakWorkers}); after: ${MB(afterHeap)}; workers now: ${await workers()}`);
  await context.close();
}

if (want('bars')) {
  const { context, p, jsHeap, workers } = await page('?nostore&workers=1');
  const r = await p.evaluate(() => {
    const t0 = performance.now();
    window.atf.addSyntheticDataset('bars-10m', 10_000_000, 21);
    return performance.now() - t0;
  });
  const heapAfterGen = await jsHeap();
  const t1 = Date.now();
  const sub = await p.evaluate(() => window.atf.submitBacktest({ dataset: 'bars-10m', strategy: 'sma_cross', params: { fast: 10, slow: 50 } }));
  const submitMs = Date.now() - t1;
  const st = await p.evaluate(WAIT, { kind: 'backtest', id: sub.id });
  const runMs = Date.now() - t1 - submitMs;
  const log = await p.evaluate((id) => window.atf.logEntries(id).map((l) => `${l.event}${l.counts?.engineMs ? ` engine ${l.counts.engineMs} ms` : ''}${l.message ? `: ${l.message}` : ''}`), sub.id);
  console.log(`10,000,000-bar dataset: generated in ${r.toFixed(0)} ms (page JS heap ${MB(heapAfterGen)}); submit (import + validate in the control worker) ${submitMs} ms; ` +
    `backtest ${st.status} in ${runMs} ms (worker import + run + result transfer), ${st.processedBars} bars; log: ${log.join(' | ')}; workers: ${await workers()}`);
  await context.close();
}

if (want('sequential')) {
  const { context, p, jsHeap, workers } = await page('');
  console.log('200 sequential runs (storage on, NVDA ema_cross): every 20 runs');
  let last = Date.now();
  for (let block = 1; block <= 10; block++) {
    const statuses = await p.evaluate(async () => {
      const out = [];
      for (let i = 0; i < 20; i++) {
        const { id } = await window.atf.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'ema_cross', params: { fast: 2 + (i % 40), slow: 60 } });
        for (;;) {
          const s = await window.atf.getBacktestStatus(id);
          if (s.status !== 'Pending' && s.status !== 'Running') { out.push(s.status); break; }
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      return out;
    });
    await p.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    const now = Date.now();
    console.log(`  after ${block * 20} runs: ${statuses.filter((s) => s === 'Completed').length}/20 Completed, ${((now - last) / 20).toFixed(0)} ms per run, page JS heap ${MB(await jsHeap())}, ${await workers()}`);
    last = now;
  }
  await context.close();
}

await browser.close();
await server.close();
