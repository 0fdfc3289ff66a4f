// Benchmark (measurements, not assertions) of the results store with a large database, in
// headless Chromium against the built site:
//   node tests/bench-storage.mjs [--opts N] [--trials N] [--backtests N] [--profile DIR]
//   (default 60 × 15,000 + 500; --profile keeps the filled profile in DIR and, when DIR was
//   filled before, measures again without filling)
// in a Chromium profile on disk (IndexedDB on disk, as users have it).
// 1. Fill: a backtest and an optimization are run by the app for templates (real results); then a
//    second storage worker of the built site (the app's own worker script, its own protocol: save
//    and saveTrials, as the app calls them) writes N optimizations of M trials (in batches of 500,
//    as the app streams them) and B backtests, each a copy of the templates with its own id and
//    slightly varied numbers (so that rows do not compress to nothing).
// 2. Reload: app usable (window.atf set, the side panel's New run form shown), runs list shown (its table
//    has its rows), both from navigation start.
// 3. A M-trial optimization's report opening (hash change → its ranked table has rows).
// 4. A second tab of the same database: usable and its list shown, while the first stays open.
// Targets (issue 13): usable ≤ 1.5 s, list ≤ 0.5 s later, report ≤ 1 s, the second tab works.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, openSite } from './browser.mjs';
import { distDir, startServer } from './server.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const OPTS = arg('opts', 60);
const TRIALS = arg('trials', 15000);
const BACKTESTS = arg('backtests', 500);
const NVDA = 'NVDA-1d-1999-2014.csv';
const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (bytes) => round(bytes / 1e6, 1);

const assets = readdirSync(`${distDir}/assets`);
const workerFile = assets.find((f) => /^storage\.worker-.*\.js$/.test(f));
const sqlWasmFile = assets.find((f) => /^sql-wasm-.*\.wasm$/.test(f));
if (!workerFile || !sqlWasmFile) throw new Error(`dist/assets lacks the storage worker or sql-wasm.wasm: build the site first`);

// A profile on disk: a test context (incognito) keeps IndexedDB in memory, which users do not.
const kept = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : null;
if (kept) mkdirSync(kept, { recursive: true });
const profile = kept ?? mkdtempSync(join(tmpdir(), 'atf-bench-storage-'));
const filledBefore = kept && existsSync(join(kept, 'atf-filled.json')) ? JSON.parse(readFileSync(join(kept, 'atf-filled.json'), 'utf8')) : null;
// IndexedDB belongs to the origin, port included: measuring a kept profile again needs the same port.
const server = await startServer({ isolated: true, port: filledBefore?.port ?? 0 });
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
// When window.atf appears (the app is usable), in page time (ms from navigation start).
await context.addInitScript(() => {
  let api;
  Object.defineProperty(window, 'atf', {
    configurable: true,
    get: () => api,
    set: (v) => {
      api = v;
      window.atfAt ??= performance.now();
    },
  });
});
const out = { opts: OPTS, trials: TRIALS, backtests: BACKTESTS };
try {
  const page = await openSite(context, server.url);
  if (filledBefore) {
    out.fill = { ...filledBefore, reused: true };
  } else {
  // ---- templates: real results made by the app -------------------------------------------------
  const tpl = await page.evaluate(async (NVDA) => {
    const wait = async (get, id) => {
      for (;;) {
        const s = await get(id);
        if (s.status !== 'Pending' && s.status !== 'Running') return s;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const bt = (await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', params: { fast: 10, slow: 50 } })).id;
    const opt = (await window.atf.submitOptimization({
      dataset: NVDA, strategy: 'sma_cross', axes: [{ name: 'fast', min: 5, max: 50, step: 5 }, { name: 'slow', min: 60, max: 200, step: 20 }],
    })).id;
    await wait((x) => window.atf.getBacktestStatus(x), bt);
    await wait((x) => window.atf.getOptimizationStatus(x), opt);
    return { bt, opt };
  }, NVDA);

  // ---- fill, through a second storage worker of the built site ---------------------------------
  const t0 = Date.now();
  const filled = await page.evaluate(
    async ({ workerUrl, sqlWasmUrl, tpl, OPTS, TRIALS, BACKTESTS }) => {
      const w = new Worker(workerUrl, { type: 'module', name: 'atf-storage-bench' });
      let next = 1;
      const pending = new Map();
      w.onmessage = (e) => {
        const m = e.data;
        if (m.id < 0) {
          if (m.id === -2) pending.get(-2)?.(m);
          return;
        }
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p.ok(m.value);
        else p.ko(new Error(`${m.error.name}: ${m.error.message}`));
      };
      const ready = new Promise((ok) => pending.set(-2, ok));
      w.postMessage({ sqlWasmUrl });
      const r = await ready;
      if (r.error) throw new Error(`bench storage worker: ${r.error.message}`);
      const call = (method, ...args) => new Promise((ok, ko) => {
        const id = next++;
        pending.set(id, { ok, ko });
        w.postMessage({ id, method, args });
      });
      const bt = await call('get', tpl.bt);
      const opt = await call('get', tpl.opt);
      // Varied numbers: every trial and run gets its own digits, as real ones have.
      const vary = (metrics, k) => Object.fromEntries(Object.entries(metrics ?? {}).map(([n, v], j) => [n, typeof v === 'number' && Number.isFinite(v) ? v * (1 + Math.sin(k * 7.1 + j) * 0.05) : v]));
      const base = Date.now() - 1e9;
      const trialTpl = opt.result.trials.filter((t) => t.status === 'completed');
      const trialJson = JSON.stringify(trialTpl[0]).length;
      const t = performance.now();
      for (let b = 0; b < BACKTESTS; b++) {
        const curve = bt.result.equity_curve.map((v, i) => v * (1 + Math.sin(b + i / 50) * 0.01));
        await call('save', { ...bt, id: `bench-bt-${b}`, createdAt: base + b * 1000, result: { ...bt.result, metrics: vary(bt.result.metrics, b), equity_curve: curve } });
      }
      const tBacktests = performance.now() - t;
      for (let o = 0; o < OPTS; o++) {
        const id = `bench-opt-${o}`;
        const run = { ...opt, id, createdAt: base + (BACKTESTS + o) * 1000, total: TRIALS, processed: TRIALS, completed: TRIALS, failed: 0,
          result: { ...opt.result, total: TRIALS, completed: TRIALS, failed: 0, trials: [], best: { ...opt.result.best, index: 0 } } };
        await call('save', run);
        for (let s = 0; s < TRIALS; s += 500) {
          const batch = [];
          for (let i = s; i < Math.min(TRIALS, s + 500); i++) {
            const tt = trialTpl[i % trialTpl.length];
            batch.push({ ...tt, index: i, params: { fast: 1 + (i % 100), slow: 101 + Math.floor(i / 100) }, metrics: vary(tt.metrics, i + o * TRIALS), final_equity: tt.final_equity * (1 + Math.sin(i) * 0.01) });
          }
          await call('saveTrials', id, batch);
        }
        if (o % 10 === 9) console.log(`bench: ${o + 1} optimizations written, ${Math.round(performance.now() - t)} ms`);
      }
      const status = await call('status');
      w.terminate();
      return { tBacktestsMs: Math.round(tBacktests), tTotalMs: Math.round(performance.now() - t), trialJson, bytes: status.bytes, curveBars: bt.result.equity_curve.length, trades: bt.result.trades.length };
    },
    { workerUrl: `${server.url}assets/${workerFile}`, sqlWasmUrl: `${server.url}assets/${sqlWasmFile}`, tpl, OPTS, TRIALS, BACKTESTS },
  );
  const usage = await page.evaluate(() => navigator.storage.estimate());
  out.fill = { ...filled, wallS: round((Date.now() - t0) / 1000, 1), sqliteMB: mb(filled.bytes), indexedDbMB: mb(usage.usageDetails?.indexedDB ?? usage.usage) };
  if (kept) writeFileSync(join(kept, 'atf-filled.json'), JSON.stringify({ ...out.fill, port: Number(new URL(server.url).port) }));
  }
  console.log('fill', JSON.stringify(out.fill));

  // ---- reload: usable, then the runs list --------------------------------------------------------
  const measureStart = async (p) => {
    await p.waitForFunction(() => window.atf && document.querySelector('#side form.new-run'), null, { timeout: 60000, polling: 'raf' })
      .catch(async (e) => {
        throw new Error(`${e.message}; the page shows: ${await p.evaluate(() => JSON.stringify({ atf: !!window.atf, error: window.atfError, side: document.querySelector('#side')?.innerText.slice(0, 300) }))}`);
      });
    const usable = await p.evaluate(() => ({ atf: window.atfAt, now: performance.now() }));
    await p.waitForFunction((n) => document.querySelectorAll('main tr[data-key]').length >= n, Math.min(50, OPTS + BACKTESTS), { timeout: 120000, polling: 'raf' })
      .catch(async (e) => {
        throw new Error(`${e.message}; the page shows: ${(await p.evaluate(() => document.querySelector('main')?.innerText ?? '')).slice(0, 500)}`);
      });
    const listed = await p.evaluate(() => ({ now: performance.now(), rows: document.querySelectorAll('main tr[data-key]').length }));
    return { atfMs: round(usable.atf), formMs: round(usable.now), listMs: round(listed.now), listAfterUsableMs: round(listed.now - usable.now), rows: listed.rows };
  };
  const samples = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${server.url}?reload=${i}#/runs`);  // a new document each time (a hash alone does not reload)
    samples.push(await measureStart(page));
  }
  out.reload = samples;
  console.log('reload', JSON.stringify(samples));

  // ---- a large optimization's report ---------------------------------------------------------------
  const reports = [];
  for (const o of [0, Math.floor(OPTS / 2), OPTS - 1]) {
    const ms = await page.evaluate(async (id) => {
      const t = performance.now();
      location.hash = `#/run/optimization/${id}`;
      for (;;) {
        const rows = document.querySelectorAll(`article.report[data-run="${id}"] tr[data-key]`).length;
        if (rows > 0) return performance.now() - t;
        await new Promise((r) => requestAnimationFrame(r));
      }
    }, `bench-opt-${o}`);
    reports.push(round(ms));
    await page.evaluate(() => (location.hash = '#/runs'));
  }
  const apiMs = await page.evaluate(async (id) => {
    const t = performance.now();
    const run = await window.atf.getOptimizationRun(id);
    return [performance.now() - t, run.result.trials.length];
  }, `bench-opt-1`);
  out.report = { openMs: reports, getOptimizationRunMs: round(apiMs[0]), trials: apiMs[1] };
  console.log('report', JSON.stringify(out.report));

  // ---- a second tab ---------------------------------------------------------------------------------
  // Three samples: a tab is opened beside the first (which stays open), measured, closed.
  const tabs = [];
  let second;
  for (let i = 0; i < 3; i++) {
    second = await context.newPage();
    await second.goto(`${server.url}?tab=${i}#/runs`);
    tabs.push(await measureStart(second));
    if (i < 2) await second.close();
  }
  out.secondTab = { samples: tabs };
  // Both tabs write: a script made in each is seen by the other.
  await page.evaluate(() => window.atf.scripts.create('from tab 1', 'a'));
  await second.evaluate(() => window.atf.scripts.create('from tab 2', 'b'));
  out.secondTab.scriptsSeenByTab1 = (await page.evaluate(async () => (await window.atf.scripts.list()).map((s) => s.name))).sort();
  console.log('second tab', JSON.stringify(out.secondTab));
} finally {
  await context.close();
  await server.close();
  if (!kept) rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 1));
