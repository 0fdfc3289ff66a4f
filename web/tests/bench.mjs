// Benchmark (measurements, not assertions) of the browser runtime against the built site:
//   node tests/bench.mjs [--quick]
// 1. Wasm-in-Chromium-worker throughput of a 1M-bar sma_cross 10/50 backtest vs native `atf`
//    on the same bars (written to a temporary CSV; needs build/native/atf).
// 2. Optimization on 2 workers vs 1 worker (same grid as `atf bench`: fast 1..20 x slow 25..215/10).
// 3. Cancel latency (cancel() call -> Cancelled answer), p50/p95/max over 20 runs, in both modes.
// 4. Longest main-thread task (PerformanceObserver longtask + event-loop gap) and progress-board
//    staleness while runs are in flight.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const quick = process.argv.includes('--quick');
const ATF = new URL('../../build/native/atf', import.meta.url).pathname;
const REQ = { strategy: 'sma_cross', params: { fast: 10, slow: 50 }, broker: { sizing: 'units', size: 10, commission_pct: 0.1 } };
const GRID = [
  { name: 'fast', min: 1, max: 20, step: 1 },
  { name: 'slow', min: 25, max: 215, step: 10 },
];

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const helpers = () => {
  window.b = {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    async done(kind, id) {
      for (;;) {
        const s = kind === 'backtest' ? await window.atf.getBacktestStatus(id) : await window.atf.getOptimizationStatus(id);
        if (!['Pending', 'Running'].includes(s.status)) return s;
        await new Promise((r) => setTimeout(r, 2));
      }
    },
  };
};

/** Writes the page's synthetic dataset (same generator and seed) as CSV for the native CLI. */
async function syntheticCsv(page, bars, seed) {
  const csv = await page.evaluate(
    ({ bars, seed }) => {
      const c = window.atf.syntheticColumns(bars, seed);
      const rows = ['time,open,high,low,close,volume'];
      for (let i = 0; i < c.time.length; i++) rows.push(`${c.time[i]},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}`);
      return rows.join('\n');
    },
    { bars, seed },
  );
  const dir = mkdtempSync(join(tmpdir(), 'atf-bench-'));
  const file = join(dir, `synthetic-${bars}-${seed}.csv`);
  writeFileSync(file, csv);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const out = {};
const iso = await startServer({ isolated: true });
const plain = await startServer({ isolated: false });
const browser = await launch();
try {
  // ---- 1. throughput ---------------------------------------------------------------------------
  {
    const page = await openSite(browser, iso.url);
    await page.evaluate(helpers);
    const runs = quick ? 3 : 7;
    const r = await page.evaluate(
      async ({ req, runs }) => {
        window.atf.addSyntheticDataset('bench-1m', 1_000_000, 11);
        const times = [];
        let trades = 0;
        for (let i = 0; i <= runs; i++) {
          const { id } = await window.atf.submitBacktest({ dataset: 'bench-1m', ...req });
          const s = await window.b.done('backtest', id);
          if (s.status !== 'Completed') throw new Error(`backtest ${s.status}: ${s.errorMessage}`);
          trades = s.result.trades.length;
          const log = window.atf.logEntries(id).find((l) => l.event === 'completed');
          if (i > 0) times.push({ endToEndMs: log.elapsedMs, engineMs: log.counts.engineMs }); // i = 0 warms up (dataset import)
        }
        return { times, trades };
      },
      { req: REQ, runs },
    );
    const bestEngine = Math.min(...r.times.map((t) => t.engineMs));
    const bestE2E = Math.min(...r.times.map((t) => t.endToEndMs));
    out.wasmBacktest = {
      bars: 1_000_000,
      trades: r.trades,
      bestEngineMs: bestEngine,
      bestEndToEndMs: bestE2E,
      engineBarsPerS: Math.round(1e6 / (bestEngine / 1000)),
      endToEndBarsPerS: Math.round(1e6 / (bestE2E / 1000)),
    };
    if (existsSync(ATF)) {
      const { file, cleanup } = await syntheticCsv(page, 1_000_000, 11);
      let best = Infinity;
      let trades = 0;
      for (let i = 0; i < runs; i++) {
        const j = JSON.parse(
          execFileSync(ATF, ['backtest', '--data', file, '--strategy', 'sma_cross', '--param', 'fast=10', '--param', 'slow=50',
            '--size', 'units:10', '--commission-pct', '0.1', '--json'], { maxBuffer: 1 << 28 }).toString(),
        );
        best = Math.min(best, j.elapsed_s * 1000);
        trades = j.trades.length;
      }
      cleanup();
      out.nativeBacktest = { bestMs: round(best, 2), trades, barsPerS: Math.round(1e6 / (best / 1000)) };
      out.wasmOverNative = round(out.wasmBacktest.engineBarsPerS / out.nativeBacktest.barsPerS, 2);
    }
    await page.close();
  }

  // ---- 2. optimization speedup -----------------------------------------------------------------
  {
    const bars = quick ? 100_000 : 500_000;
    const times = {};
    if (existsSync(ATF)) {
      const page = await openSite(browser, iso.url);
      const { file, cleanup } = await syntheticCsv(page, bars, 5);
      await page.close();
      for (const threads of [1, 2]) {
        let best = Infinity;
        for (let i = 0; i < (quick ? 1 : 2); i++) {
          const j = JSON.parse(
            execFileSync(ATF, ['optimize', '--data', file, '--strategy', 'sma_cross', '--axis', 'fast=1:20:1', '--axis', 'slow=25:215:10',
              '--size', 'units:10', '--commission-pct', '0.1', '--threads', String(threads), '--top', '1', '--json'], { maxBuffer: 1 << 28 }).toString(),
          );
          best = Math.min(best, j.elapsed_s * 1000);
        }
        times[`native${threads}`] = best;
      }
      cleanup();
    }
    for (const workers of [1, 2]) {
      const page = await openSite(browser, `${iso.url}?workers=${workers}`);
      await page.evaluate(helpers);
      const best = await page.evaluate(
        async ({ req, grid, bars, reps }) => {
          window.atf.addSyntheticDataset('grid', bars, 5);
          // Warm-up: every worker imports the dataset.
          const w = await window.atf.submitOptimization({ dataset: 'grid', ...req, axes: [{ name: 'fast', values: [5, 6, 7, 8] }] });
          await window.b.done('optimization', w.id);
          let best = Infinity;
          for (let i = 0; i < reps; i++) {
            const t0 = performance.now();
            const { id } = await window.atf.submitOptimization({ dataset: 'grid', ...req, axes: grid });
            const s = await window.b.done('optimization', id);
            if (s.status !== 'Completed' || s.completedCombinations !== 400) throw new Error(`grid ${s.status}`);
            best = Math.min(best, performance.now() - t0);
          }
          return best;
        },
        { req: REQ, grid: GRID, bars, reps: quick ? 1 : 3 },
      );
      times[workers] = best;
      await page.close();
    }
    out.optimization = {
      bars,
      combinations: 400,
      oneWorkerMs: round(times[1]),
      twoWorkersMs: round(times[2]),
      speedup: round(times[1] / times[2], 2),
      barStepsPerSTwoWorkers: Math.round((bars * 400) / (times[2] / 1000)),
    };
    if (times.native1) {
      Object.assign(out.optimization, {
        nativeOneThreadMs: round(times.native1),
        nativeTwoThreadsMs: round(times.native2),
        nativeSpeedup: round(times.native1 / times.native2, 2),
        wasmOneWorkerOverNativeOneThread: round(times.native1 / times[1], 2),
      });
    }
  }

  // ---- 3. cancel latency -----------------------------------------------------------------------
  for (const [name, server] of [['sharedMemory', iso], ['fallback', plain]]) {
    const page = await openSite(browser, server.url);
    await page.evaluate(helpers);
    const lat = await page.evaluate(
      async ({ req, n }) => {
        window.atf.addSyntheticDataset('c-1m', 1_000_000, 3);
        // Warm-up: each worker imports the dataset once (a one-time cost, not cancel latency).
        const w = await window.atf.submitOptimization({ dataset: 'c-1m', ...req, axes: [{ name: 'fast', values: [5, 6, 7, 8] }] });
        await window.b.done('optimization', w.id);
        const out = [];
        for (let i = 0; i < n; i++) {
          const { id } = await window.atf.submitOptimization({
            dataset: 'c-1m',
            ...req,
            axes: [{ name: 'fast', min: 5, max: 14, step: 1 }, { name: 'slow', min: 50, max: 100, step: 10 }],
          });
          await window.b.sleep(150 + (i % 5) * 20);
          const t0 = performance.now();
          const a = await window.atf.cancelOptimization(id);
          out.push({ ms: performance.now() - t0, status: a.status });
          // Next run only once every worker is free again.
          while (!window.atf.poolState().workers.every((w) => w.ready && w.runId === null)) await window.b.sleep(2);
        }
        return out;
      },
      { req: REQ, n: 20 },
    );
    const ms = lat.map((x) => x.ms);
    out[`cancel_${name}`] = {
      runs: lat.length,
      allCancelled: lat.every((x) => x.status === 'Cancelled'),
      p50Ms: round(pct(ms, 50)),
      p95Ms: round(pct(ms, 95)),
      maxMs: round(Math.max(...ms)),
    };
    await page.close();
  }

  // ---- 4. main-thread tasks and progress staleness while runs are in flight -----------------------
  {
    const page = await openSite(browser, iso.url);
    await page.evaluate(helpers);
    out.mainThread = await page.evaluate(
      async ({ req, grid }) => {
        window.atf.addSyntheticDataset('m-1m', 1_000_000, 9);
        const longTasks = [];
        const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
        obs.observe({ type: 'longtask', buffered: false });
        let maxGap = 0;
        let last = performance.now();
        let ticking = true;
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          const now = performance.now();
          maxGap = Math.max(maxGap, now - last);
          last = now;
          if (ticking) setTimeout(() => ch.port2.postMessage(0), 1);
        };
        ch.port2.postMessage(0);
        const t0 = performance.now();
        const opt = await window.atf.submitOptimization({ dataset: 'm-1m', ...req, axes: grid.map((a) => ({ ...a, max: a.name === 'fast' ? 8 : 65 })) });
        const bts = [];
        for (let i = 0; i < 3; i++) bts.push((await window.atf.submitBacktest({ dataset: 'm-1m', ...req })).id);
        // Poll the board each animation frame, as the UI does; record how old the heartbeat is.
        // Staleness = how old a new progress value is when a frame first shows it (the worker
        // stamps the heartbeat as it publishes); the longest heartbeat gap is reported apart
        // (it includes each worker's one-time dataset import, when there is no progress to show).
        const stale = [];
        let maxHeartbeatAge = 0;
        let lastProcessed = -1;
        const epoch = performance.timeOrigin;
        await new Promise((resolve) => {
          const frame = () => {
            const p = window.atf.progress(opt.id);
            if (p && p.status === 2) {
              const age = Date.now() - epoch - p.heartbeatMs;
              maxHeartbeatAge = Math.max(maxHeartbeatAge, age);
              if (p.processed !== lastProcessed) stale.push(age);
              lastProcessed = p.processed;
            }
            if (p) requestAnimationFrame(frame);
            else resolve();
          };
          requestAnimationFrame(frame);
        });
        for (const id of bts) await window.b.done('backtest', id);
        const s = await window.b.done('optimization', opt.id);
        ticking = false;
        obs.disconnect();
        const sorted = [...stale].sort((a, b) => a - b);
        return {
          inFlightMs: Math.round(performance.now() - t0),
          optimization: `${s.status} ${s.completedCombinations}/${s.totalCombinations}`,
          longTasksOver50Ms: longTasks.length,
          longestTaskMs: longTasks.length ? Math.round(Math.max(...longTasks)) : '<50 (none reported)',
          maxEventLoopGapMs: Math.round(maxGap),
          progressStalenessP95Ms: sorted.length ? Math.round(sorted[Math.ceil(sorted.length * 0.95) - 1]) : null,
          progressStalenessMaxMs: sorted.length ? Math.round(sorted[sorted.length - 1]) : null,
          longestHeartbeatGapMs: Math.round(maxHeartbeatAge),
        };
      },
      { req: REQ, grid: GRID },
    );
    await page.close();
  }
} finally {
  await browser.close();
  await iso.close();
  await plain.close();
}
console.log(JSON.stringify(out, null, 2));
