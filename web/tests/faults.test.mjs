// Fault tests (issue 6, "Faults", plus a CI-sized smoke of "Load"): the built site in headless
// Chromium with the real Wasm module, real IndexedDB and real Web Locks; nothing is mocked. Each
// test uses its own browser context (its own IndexedDB). The full load figures come from
// tests/load.mjs (not part of npm test).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
const INTERRUPTED = 'interrupted: the page was closed while the run was in progress';
let server;
let browser;

before(async () => {
  server = await startServer({ isolated: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

// Page-side helpers, installed in each page that needs them.
const HELPERS = () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const status = (kind, id) => (kind === 'backtest' ? window.atf.getBacktestStatus(id) : window.atf.getOptimizationStatus(id));
  window.t = {
    sleep,
    status,
    /** Resolves with the run's status once it is terminal: woken by the run log's terminal
     *  record (no polling delay), checked again every 50 ms in case the record came earlier. */
    async done(kind, id, timeoutMs = 60000) {
      const end = performance.now() + timeoutMs;
      let fired = false;
      let wake = () => {};
      const off = window.atf.log.subscribe((r) => {
        if (r.runId === id && ['completed', 'cancelled', 'run_failed'].includes(r.event)) {
          fired = true;
          wake();
        }
      });
      try {
        for (;;) {
          const s = await status(kind, id);
          if (!['Pending', 'Running'].includes(s.status)) return s;
          if (performance.now() > end) throw new Error(`run ${id} still ${s.status} after ${timeoutMs} ms`);
          if (!fired) {
            await new Promise((r) => {
              wake = r;
              setTimeout(r, 50);
            });
          }
        }
      } finally {
        off();
      }
    },
    async until(pred, timeoutMs = 20000) {
      const end = performance.now() + timeoutMs;
      while (!(await pred())) {
        if (performance.now() > end) throw new Error('condition not met in time');
        await sleep(5);
      }
    },
    poolIdle() {
      const p = window.atf.poolState();
      return p.workers.length === window.atf.workerCount && p.workers.every((w) => w.ready && w.runId === null) && p.queued === 0 && p.live === 0;
    },
    brief(s) {
      const { result, ...rest } = s;
      return rest;
    },
  };
};

async function open(context, query = '') {
  const page = await openSite(context, `${server.url}${query}`);
  await page.evaluate(HELPERS);
  return page;
}

async function reload(page) {
  await page.reload();
  await page.waitForFunction(() => window.atf || window.atfError);
  await page.evaluate(HELPERS);
}

/** index:status:sharpe of every trial, by index (a report compared across reloads). */
const trialKeys = (trials) =>
  trials
    .map((t) => `${t.index}:${t.status}:${t.metrics?.sharpe ?? null}:${t.final_equity}`)
    .sort((a, b) => Number(a.split(':')[0]) - Number(b.split(':')[0]));

// ---- a worker trap in the middle of an optimization ----------------------------------------------

for (const mode of ['shared-memory', 'message-fallback']) {
  test(`trap mid-optimization (${mode}): the other 199 trials complete, are saved, and the report survives a reload`, async () => {
    const context = await browser.newContext();
    const page = await open(context, mode === 'message-fallback' ? '?fallback' : '');
    const request = {
      dataset: NVDA,
      strategy: 'sma_cross',
      axes: [{ name: 'fast', min: 2, max: 41, step: 1 }, { name: 'slow', values: [60, 80, 100, 120, 140] }],
    };
    const r = await page.evaluate(async (request) => {
      const a = window.atf;
      const workersBefore = a.poolState().workers.map((w) => w.id);
      const clean = await a.submitOptimization(request);
      const cleanS = await window.t.done('optimization', clean.id);
      const { id, totalCombinations } = await a.submitOptimization({ ...request, _debug: { trapAtTrial: 117 } });
      const s = await window.t.done('optimization', id);
      await window.t.until(() => window.t.poolIdle());
      const after = await a.submitBacktest({ dataset: request.dataset, strategy: 'sma_cross' });
      const afterS = await window.t.done('backtest', after.id);
      return {
        mode: a.mode,
        id,
        totalCombinations,
        s,
        clean: cleanS.result.trials,
        replaced: a.logEntries(id).filter((l) => l.event === 'worker_replaced').length,
        terminal: a.logEntries(id).filter((l) => ['completed', 'cancelled', 'run_failed'].includes(l.event)).map((l) => l.event),
        workersBefore,
        workersAfter: a.poolState().workers.map((w) => w.id),
        after: afterS.status,
      };
    }, request);
    assert.equal(r.mode, mode);
    assert.equal(r.totalCombinations, 200);
    assert.equal(r.s.status, 'Completed');
    assert.equal(r.s.completedCombinations, 199);
    assert.equal(r.s.failedCombinations, 1);
    assert.equal(r.s.result.trials.length, 200);
    const failed = r.s.result.trials.filter((t) => t.status === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].index, 117);
    assert.match(failed[0].error_message, /RuntimeError: unreachable/);
    assert.match(failed[0].error_stack_trace, /wasm/);
    // Every other trial is exactly what a run without the trap computed.
    const clean = new Map(r.clean.map((t) => [t.index, t]));
    for (const t of r.s.result.trials.filter((x) => x.status === 'completed')) {
      assert.deepEqual(t, clean.get(t.index), `trial ${t.index}`);
    }
    assert.ok(r.replaced >= 1, 'the trapped worker was replaced');
    assert.equal(r.workersAfter.length, r.workersBefore.length);
    assert.ok(r.workersAfter.some((w) => !r.workersBefore.includes(w)));
    assert.deepEqual(r.terminal, ['completed']);
    assert.equal(r.after, 'Completed');

    await reload(page);
    const again = await page.evaluate(async (id) => {
      const s = await window.atf.getOptimizationStatus(id);
      const run = await window.atf.getOptimizationRun(id);
      const listed = (await window.atf.listRuns()).find((x) => x.id === id);
      return { s, run, listed };
    }, r.id);
    assert.equal(again.s.status, 'Completed');
    assert.equal(again.s.completedCombinations, 199);
    assert.equal(again.s.failedCombinations, 1);
    assert.equal(again.listed.status, 'Completed');
    assert.deepEqual(trialKeys(again.run.result.trials), trialKeys(r.s.result.trials));
    assert.deepEqual(again.s.result.best, r.s.result.best);
    const savedFailed = again.run.result.trials.find((t) => t.status === 'failed');
    assert.equal(savedFailed.index, 117);
    assert.equal(savedFailed.error_message, failed[0].error_message);
    await context.close();
  });
}

// ---- out of Wasm memory ----------------------------------------------------------------------------

test('out of memory: a grid on a 10M-bar dataset exhausts the 2 GB Wasm heap; clear per-trial errors, the worker replaced, the next run works', async () => {
  const context = await browser.newContext();
  const page = await open(context, '?nostore&workers=1');
  const r = await page.evaluate(async () => {
    const a = window.atf;
    // 10,000,000 bars (720 MB in the engine) and trials run in groups of 8, each with its own
    // channel series: more than the 2 GB heap holds, so some trials cannot get memory.
    a.addSyntheticDataset('huge', 10_000_000, 5);
    const before = a.poolState().workers.map((w) => w.id);
    const { id, totalCombinations } = await a.submitOptimization({
      dataset: 'huge',
      strategy: 'donchian_breakout',
      axes: [{ name: 'entry', min: 20, max: 51, step: 1 }],
    });
    const s = await window.t.done('optimization', id, 120000);
    await window.t.until(() => window.t.poolIdle(), 30000);
    const replaced = a.logEntries(id).filter((l) => l.event === 'worker_replaced').map((l) => l.message);
    const after = a.poolState().workers;
    const mem = await a.debug.memory();
    const next = await a.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' });
    const nextS = await window.t.done('backtest', next.id);
    return { totalCombinations, s: window.t.brief(s), trials: s.result.trials, before, after, replaced, mem, next: nextS.status };
  });
  assert.equal(r.s.status, 'Completed');
  assert.equal(r.s.completedCombinations + r.s.failedCombinations, r.totalCombinations);
  assert.equal(r.trials.length, r.totalCombinations);
  const failed = r.trials.filter((t) => t.status === 'failed');
  assert.ok(failed.length >= 1, 'some trials ran out of memory');
  for (const t of failed) assert.match(t.error_message, /^donchian_breakout\(entry=\d+, exit=10\) ran out of memory at bar \d+$/);
  for (const t of r.trials.filter((x) => x.status === 'completed')) assert.ok(t.metrics && typeof t.final_equity === 'number');
  console.log(`out of memory: ${failed.length} of ${r.totalCombinations} trials; ${JSON.stringify(r.replaced)}`);
  // The worker whose heap hit the ceiling was replaced (a Wasm heap never shrinks).
  assert.ok(r.replaced.some((m) => /^recycled: engine heap grew to \d+ MB/.test(m)), JSON.stringify(r.replaced));
  assert.equal(r.after.length, 1);
  assert.ok(!r.before.includes(r.after[0].id));
  const run = r.mem.find((m) => m.role === 'run');
  assert.ok(run.heapBytes < 1024 * 1048576, `replacement heap ${run.heapBytes}`);
  assert.equal(r.next, 'Completed');
  await context.close();
});

test('datasets do not pile up in a worker: three 6M-bar datasets in turn all run (older ones are freed)', async () => {
  const context = await browser.newContext();
  const page = await open(context, '?nostore&workers=1');
  const r = await page.evaluate(async () => {
    const a = window.atf;
    const out = [];
    for (let i = 0; i < 3; i++) {
      a.addSyntheticDataset(`big-${i}`, 6_000_000, 100 + i);
      const { id } = await a.submitBacktest({ dataset: `big-${i}`, strategy: 'sma_cross', params: { fast: 10, slow: 40 } });
      const s = await window.t.done('backtest', id, 120000);
      out.push({ status: s.status, error: s.errorMessage ?? null, bars: s.processedBars, heaps: (await a.debug.memory()).map((m) => [m.role, m.heapBytes, m.datasets]) });
    }
    return out;
  });
  for (const x of r) {
    assert.equal(x.status, 'Completed', JSON.stringify(x));
    assert.equal(x.bars, 6_000_000);
    for (const [, heap] of x.heaps) assert.ok(heap < 2047 * 1048576, JSON.stringify(x.heaps));
  }
  await context.close();
});

// ---- a tab closed mid-run -------------------------------------------------------------------------

test('a tab closed mid-run: its runs become Failed "interrupted" (seen by a tab that stayed open), finished trials kept, resumable', async () => {
  const context = await browser.newContext();
  const a = await open(context);
  const b = await open(context);
  const ids = await a.evaluate(async (NVDA) => {
    const atf = window.atf;
    atf.addSyntheticDataset('synthetic-100k', 100_000, 7);
    const opt = await atf.submitOptimization({
      dataset: NVDA,
      strategy: 'sma_cross',
      axes: [{ name: 'fast', min: 2, max: 41, step: 1 }, { name: 'slow', values: [60, 80, 100, 120, 140] }],
      _debug: { delayMsPerProgress: 100 },
    });
    const bt = await atf.submitBacktest({ dataset: 'synthetic-100k', strategy: 'sma_cross', _debug: { delayMsPerProgress: 50 } });
    const queued = await atf.submitBacktest({ dataset: NVDA, strategy: 'ema_cross' });
    await window.t.until(async () => (await atf.getOptimizationStatus(opt.id)).completedCombinations >= 20);
    await window.t.sleep(700);  // trials are saved in batches at least every 0.5 s
    return { opt: opt.id, bt: bt.id, queued: queued.id, processed: atf.progress(opt.id).processed };
  }, NVDA);
  // The other tab sees them in flight (their page holds their locks): not interrupted.
  const seenByB = await b.evaluate(async (ids) => {
    await window.t.sleep(400);
    const byId = Object.fromEntries((await window.atf.listRuns()).map((r) => [r.id, r.status]));
    return [byId[ids.opt], byId[ids.bt], byId[ids.queued]];
  }, ids);
  for (const st of seenByB) assert.ok(st === 'Pending' || st === 'Running', JSON.stringify(seenByB));
  await a.close();

  // The tab that stayed open marks them once the closed page's locks are released.
  const inB = await b.evaluate(async (ids) => {
    await window.t.until(async () => {
      const runs = await window.atf.listRuns();
      return runs.every((r) => r.status !== 'Pending' && r.status !== 'Running');
    }, 20000);
    const opt = await window.atf.getOptimizationRun(ids.opt);
    return {
      runs: (await window.atf.listRuns()).map((r) => ({ id: r.id, status: r.status })),
      opt: { status: opt.status, errorMessage: opt.errorMessage, completed: opt.completed, failed: opt.failed, trials: opt.result.trials.length },
      bt: window.t.brief(await window.atf.getBacktestStatus(ids.bt)),
      queued: window.t.brief(await window.atf.getBacktestStatus(ids.queued)),
    };
  }, ids);
  assert.equal(inB.runs.length, 3);
  for (const run of inB.runs) assert.equal(run.status, 'Failed', JSON.stringify(inB.runs));
  assert.equal(inB.opt.errorMessage, INTERRUPTED);
  assert.equal(inB.bt.errorMessage, INTERRUPTED);
  assert.equal(inB.queued.errorMessage, INTERRUPTED);
  assert.ok(inB.opt.trials >= 20 && inB.opt.trials < 200, `trials kept: ${inB.opt.trials}`);
  assert.equal(inB.opt.completed + inB.opt.failed, inB.opt.trials);

  // A third page: the same, once; the optimization resumes to 200 trials keeping the saved ones.
  const c = await open(context);
  const inC = await c.evaluate(async (ids) => {
    const before = await window.atf.getOptimizationRun(ids.opt);
    const runs = (await window.atf.listRuns()).map((r) => r.status);
    const marks = window.atf.logEntries().filter((l) => l.message === 'interrupted: the page was closed while the run was in progress').length;
    await window.atf.resumeOptimization(ids.opt);
    const done = await window.t.done('optimization', ids.opt, 60000);
    return { runs, marks, savedBefore: before.result.trials.length, done: window.t.brief(done), trials: done.result.trials.length };
  }, ids);
  assert.deepEqual(inC.runs, ['Failed', 'Failed', 'Failed']);
  assert.equal(inC.marks, 0, 'runs already marked are not marked again');
  assert.equal(inC.savedBefore, inB.opt.trials);
  assert.equal(inC.done.status, 'Completed');
  assert.equal(inC.done.completedCombinations + inC.done.failedCombinations, 200);
  assert.equal(inC.trials, 200);
  await context.close();
});

// ---- IndexedDB quota exceeded during a save ------------------------------------------------------

test('quota exceeded during a save: a clear message, the result stays reachable in the page, data saved before intact', async () => {
  const context = await browser.newContext();
  // A real QuotaExceededError: the origin's quota set by the DevTools protocol before the site
  // opens its database (the quota is read then): room for the service worker's precache (about
  // 8 MB: the engine's .wasm is 3 MB since it runs Pine scripts, the SQLite ones 2.3 + 0.7 MB) and
  // a small run, not for an 8 MB equity curve on top.
  const page = await context.newPage();
  await page.goto(`${server.url}no-such-page`);
  const cdp = await context.newCDPSession(page);
  const origin = new URL(server.url).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 10 * 1024 * 1024 });
  await page.goto(server.url);
  await page.waitForFunction(() => window.atf || window.atfError);
  await page.evaluate(HELPERS);
  const first = await page.evaluate(async (NVDA) => {
    const { id } = await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross' });
    const s = await window.t.done('backtest', id);
    return { id, final: s.result.final_equity, warning: window.atf.storageWarning };
  }, NVDA);
  assert.equal(first.warning, null, 'the first run fits in the quota');
  const r = await page.evaluate(async () => {
    const a = window.atf;
    a.addSyntheticDataset('s200k', 1_000_000, 3);  // an 8 MB equity curve: more than the quota left
    const bt = await a.submitBacktest({ dataset: 's200k', strategy: 'sma_cross' });
    const s = await window.t.done('backtest', bt.id, 30000);
    const warning = a.storageWarning;
    const opt = await a.submitOptimization({
      dataset: 's200k',
      strategy: 'sma_cross',
      axes: [{ name: 'fast', min: 2, max: 61, step: 1 }, { name: 'slow', values: [80, 120] }],
    });
    const os = await window.t.done('optimization', opt.id, 30000);
    const run = await a.getBacktestRun(bt.id);
    const listed = Object.fromEntries((await a.listRuns()).map((x) => [x.id, x.status]));
    const cancel = await a.cancelBacktest(bt.id).then(() => 'answered', (e) => e.name);
    await window.t.sleep(1200);  // the banner is refreshed every second
    const banner = document.getElementById('storage-warning');
    return {
      bt: bt.id,
      opt: opt.id,
      s: window.t.brief(s),
      curve: s.result?.equity_curve?.length,
      warning,
      os: window.t.brief(os),
      optTrials: os.result?.trials.length,
      run: { status: run.status, curve: run.result?.equity_curve?.length },
      listed,
      cancel,
      banner: { hidden: banner.hidden, text: banner.textContent },
    };
  });
  assert.equal(r.s.status, 'Completed');
  assert.equal(r.s.processedBars, 1_000_000);
  assert.equal(r.curve, 1_000_000);
  assert.match(r.warning, /^Run [0-9a-f]{8} could not be saved: The browser refused to store more data \(storage quota exceeded\)\. .*results saved before are intact\. Its result stays available in this page until it is closed\.$/);
  assert.equal(r.run.status, 'Completed');
  assert.equal(r.run.curve, 1_000_000);
  assert.equal(r.listed[r.bt], 'Completed');
  assert.equal(r.cancel, 'ConflictError', 'a Completed (unsaved) run is a Conflict to cancel, as a saved one');
  assert.equal(r.os.status, 'Completed');
  assert.equal(r.os.completedCombinations + r.os.failedCombinations, 120);
  assert.equal(r.optTrials, 120);
  assert.equal(r.listed[r.opt], 'Completed');
  assert.equal(r.banner.hidden, false);
  assert.match(r.banner.text, /storage quota exceeded/);

  // Reload: the run saved before is intact; the runs that could not be saved are not shown as
  // running (their results were lost with the page, as the message said).
  await reload(page);
  const after = await page.evaluate(async (id) => {
    const s = await window.atf.getBacktestStatus(id);
    return { status: s.status, final: s.result.final_equity, runs: (await window.atf.listRuns()).map((x) => x.status) };
  }, first.id);
  assert.equal(after.status, 'Completed');
  assert.equal(after.final, first.final);
  assert.ok(after.runs.every((s) => s === 'Completed' || s === 'Failed'), JSON.stringify(after.runs));
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await context.close();
});

// ---- two tabs writing at once ---------------------------------------------------------------------

test('two tabs writing at once (past a journal compaction): every run and trial saved, both sets listed after reload', async () => {
  const context = await browser.newContext();
  const [a, b] = [await open(context), await open(context)];
  const work = (page, tag) =>
    page.evaluate(
      async ({ NVDA, tag }) => {
        const atf = window.atf;
        const opt = await atf.submitOptimization({
          dataset: NVDA,
          strategy: 'ema_cross',
          axes: [{ name: 'fast', min: 2, max: 31, step: 1 }, { name: 'slow', values: [50, 100] }],
        });
        const ids = [];
        for (let i = 0; i < 50; i++) {
          ids.push((await atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', params: { fast: 2 + (i % 30), slow: 40 + (tag === 'a' ? 0 : 1) } })).id);
        }
        for (const id of ids) await window.t.done('backtest', id);
        const os = await window.t.done('optimization', opt.id);
        return { ids, opt: opt.id, optTrials: os.result.trials.length };
      },
      { NVDA, tag },
    );
  const [wa, wb] = await Promise.all([work(a, 'a'), work(b, 'b')]);
  assert.equal(wa.optTrials, 60);
  assert.equal(wb.optTrials, 60);
  const expected = new Set([...wa.ids, ...wb.ids, wa.opt, wb.opt]);
  const c = await open(context);
  const listed = await c.evaluate(async () => (await window.atf.listRuns()).map((r) => `${r.id}:${r.status}`));
  assert.equal(listed.length, 102);
  assert.deepEqual(new Set(listed.map((x) => x.split(':')[0])), expected);
  assert.ok(listed.every((x) => x.endsWith(':Completed')));
  for (const p of [a, b]) {
    await reload(p);
    const n = await p.evaluate(async () => (await window.atf.listRuns()).filter((r) => r.status === 'Completed').length);
    assert.equal(n, 102);
  }
  // The database file itself: every row once.
  const bytes = await c.evaluate(async () => Array.from(await window.atf.database.exportFile()));
  const SQL = await (await import('sql.js')).default();
  const db = new SQL.Database(new Uint8Array(bytes));
  assert.deepEqual(db.exec('SELECT COUNT(*), COUNT(DISTINCT id) FROM backtest_runs')[0].values, [[100, 100]]);
  const trialRows = db.exec('SELECT run_id, COUNT(*) FROM optimization_trials GROUP BY run_id')[0].values;
  assert.deepEqual(new Map(trialRows), new Map([[wa.opt, 60], [wb.opt, 60]]));
  await context.close();
});

// ---- cancel racing completion ---------------------------------------------------------------------

/** In the page: `n` tiny runs, `parallel` at a time, each cancelled after a random delay (none,
 *  microtasks, a timer, or once Running). Returns the violations found (empty = all consistent). */
const CANCEL_RACE = async ({ n, parallel, seed }) => {
  const a = window.atf;
  if (!a.listDatasets().some((d) => d.name === 'tiny')) a.addSyntheticDataset('tiny', 3000, 5);
  let s = seed >>> 0;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const violations = [];
  const outcomes = { Cancelled: 0, Completed: 0, other: 0 };
  const timings = { now: 0, microtask: 0, timer: 0, running: 0 };
  const finals = {};
  const one = async (i) => {
    const kind = rnd() < 0.75 ? 'backtest' : 'optimization';
    const req =
      kind === 'backtest'
        ? { dataset: 'tiny', strategy: 'sma_cross', params: { fast: 2 + (i % 20), slow: 30 } }
        : { dataset: 'tiny', strategy: 'sma_cross', axes: [{ name: 'fast', values: [2, 3, 4, 5, 6, 7] }, { name: 'slow', values: [20, 30] }] };
    const sub = kind === 'backtest' ? await a.submitBacktest(req) : await a.submitOptimization(req);
    const cancel = () => (kind === 'backtest' ? a.cancelBacktest(sub.id) : a.cancelOptimization(sub.id));
    const pick = rnd();
    if (pick < 0.2) timings.now++;
    else if (pick < 0.4) {
      timings.microtask++;
      for (let k = Math.floor(rnd() * 20); k > 0; k--) await Promise.resolve();
    } else if (pick < 0.85) {
      timings.timer++;
      // Mostly within a run's few milliseconds; sometimes later, so that completions win too
      // where a run takes longer (the message fallback, a loaded machine).
      await window.t.sleep(rnd() < 0.7 ? rnd() * 6 : 6 + rnd() * 60);
    } else {
      timings.running++;
      const end = performance.now() + 200;
      while ((await window.t.status(kind, sub.id)).status === 'Pending' && performance.now() < end) await Promise.resolve();
    }
    let answer;
    try {
      answer = (await cancel()).status;
    } catch (e) {
      answer = e.name === 'ConflictError' ? `Conflict:${e.status ?? ''}` : `${e.name}: ${e.message}`;
    }
    const st = await window.t.done(kind, sub.id, 20000);
    const again = await cancel().then((x) => x.status, (e) => (e.name === 'ConflictError' ? 'Conflict' : e.name));
    const bad = (m) => violations.push(`${kind} ${sub.id.slice(0, 8)} (${answer} -> ${st.status}): ${m}`);
    finals[sub.id] = st.status;
    if (st.status === 'Cancelled') {
      outcomes.Cancelled++;
      if (answer !== 'Cancelled') bad('cancel did not answer Cancelled');
      if (again !== 'Cancelled') bad(`a second cancel answered ${again}`);
    } else if (st.status === 'Completed') {
      outcomes.Completed++;
      if (!answer.startsWith('Conflict')) bad('cancel of a run that completed did not answer Conflict');
      if (again !== 'Conflict') bad(`a second cancel answered ${again}`);
    } else {
      outcomes.other++;
      bad(`unexpected final status (${st.errorMessage ?? ''})`);
    }
    if (st.cancelRequested) bad('cancelRequested still set on a terminal run');
    if (kind === 'backtest') {
      if (st.status === 'Completed' && (st.processedBars !== st.totalBars || !st.result)) bad(`processed ${st.processedBars}/${st.totalBars}`);
      if (st.status === 'Cancelled' && (st.processedBars > st.totalBars || st.result)) bad(`cancelled with processed ${st.processedBars}/${st.totalBars}`);
    } else {
      const done = st.completedCombinations + st.failedCombinations;
      const trials = st.result?.trials.length ?? -1;
      if (st.status === 'Completed' && (done !== st.totalCombinations || trials !== done)) bad(`counts ${done}/${st.totalCombinations}, trials ${trials}`);
      if (st.status === 'Cancelled' && (done > st.totalCombinations || trials !== done || st.result.cancelled !== true)) bad(`cancelled counts ${done}, trials ${trials}`);
      if (st.failedCombinations !== 0) bad(`${st.failedCombinations} failed trials`);
    }
    const terminal = a.logEntries(sub.id).filter((l) => ['completed', 'cancelled', 'run_failed'].includes(l.event));
    if (terminal.length !== 1) bad(`${terminal.length} terminal log records`);
    if (a.progress(sub.id) !== null) bad('still in the live store');
  };
  let next = 0;
  const lanes = Array.from({ length: parallel }, async () => {
    while (next < n) await one(next++);
  });
  await Promise.all(lanes);
  await window.t.until(() => window.t.poolIdle(), 10000).catch(() => violations.push(`pool not idle: ${JSON.stringify(a.poolState())}`));
  const stuck = (await a.listRuns()).filter((r) => r.status === 'Pending' || r.status === 'Running').length;
  if (stuck) violations.push(`${stuck} runs listed Pending/Running`);
  return { violations: violations.slice(0, 20), count: violations.length, outcomes, timings, finals };
};

/** Runs CANCEL_RACE in batches of 100, each in a freshly loaded page (the app's dashboard
 *  re-renders every run on each change, so one page with 1,000 runs would spend its time there). */
async function cancelRaceBatches(page, batches, seed) {
  const total = { violations: [], count: 0, outcomes: { Cancelled: 0, Completed: 0, other: 0 }, timings: { now: 0, microtask: 0, timer: 0, running: 0 } };
  for (let b = 0; b < batches; b++) {
    if (b > 0) await reload(page);
    const r = await page.evaluate(CANCEL_RACE, { n: 100, parallel: 3, seed: seed + b });
    total.violations.push(...r.violations);
    total.count += r.count;
    for (const k of Object.keys(total.outcomes)) total.outcomes[k] += r.outcomes[k];
    for (const k of Object.keys(total.timings)) total.timings[k] += r.timings[k];
  }
  return total;
}

test('cancel racing completion: 1,000 random cancel timings, each run ends in exactly one consistent state', async () => {
  const context = await browser.newContext();
  const page = await open(context, '?nostore');
  const r = await cancelRaceBatches(page, 10, 20240611);
  console.log(`cancel race (shared memory, no storage): ${JSON.stringify({ outcomes: r.outcomes, timings: r.timings })}`);
  assert.deepEqual(r.violations, [], `${r.count} violations`);
  assert.equal(r.outcomes.Cancelled + r.outcomes.Completed, 1000);
  // Both sides of the race were exercised.
  assert.ok(r.outcomes.Cancelled > 0 && r.outcomes.Completed > 0, JSON.stringify(r.outcomes));
  await context.close();
});

test('cancel racing completion in the message fallback (cancel terminates workers): 200 runs consistent', async () => {
  const context = await browser.newContext();
  const page = await open(context, '?nostore&fallback');
  const r = await cancelRaceBatches(page, 2, 7);
  console.log(`cancel race (fallback): ${JSON.stringify({ outcomes: r.outcomes, timings: r.timings })}`);
  assert.deepEqual(r.violations, [], `${r.count} violations`);
  assert.ok(r.outcomes.Cancelled > 0 && r.outcomes.Completed > 0, JSON.stringify(r.outcomes));
  await context.close();
});

test('cancel racing completion with storage on: 150 runs, the saved state equals the final state after a reload', async () => {
  const context = await browser.newContext();
  const page = await open(context);
  const r = await page.evaluate(CANCEL_RACE, { n: 150, parallel: 3, seed: 99 });
  assert.deepEqual(r.violations, [], `${r.count} violations`);
  await reload(page);
  const saved = await page.evaluate(async () => Object.fromEntries((await window.atf.listRuns()).map((x) => [x.id, x.status])));
  assert.deepEqual(saved, r.finals);
  await context.close();
});

// ---- load, CI-sized ------------------------------------------------------------------------------

test('load smoke: 20 runs submitted at once all complete; 100 sequential runs leave no memory growth in the workers', async () => {
  const context = await browser.newContext();
  const page = await open(context, '?nostore');
  const r = await page.evaluate(async (NVDA) => {
    const a = window.atf;
    const t0 = performance.now();
    const subs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 4 === 3
          ? a.submitOptimization({ dataset: NVDA, strategy: 'sma_cross', axes: [{ name: 'fast', min: 2, max: 21, step: 1 }, { name: 'slow', values: [50, 100] }] }).then((x) => ({ kind: 'optimization', id: x.id }))
          : a.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', params: { fast: 2 + i, slow: 60 } }).then((x) => ({ kind: 'backtest', id: x.id })),
      ),
    );
    const burst = await Promise.all(subs.map((s) => window.t.done(s.kind, s.id).then((x) => x.status)));
    const burstMs = performance.now() - t0;
    const samples = [];
    const t1 = performance.now();
    for (let i = 1; i <= 100; i++) {
      const { id } = await a.submitBacktest({ dataset: NVDA, strategy: 'ema_cross', params: { fast: 2 + (i % 40), slow: 60 } });
      const s = await window.t.done('backtest', id);
      if (s.status !== 'Completed') return { error: `run ${i}: ${s.status}` };
      if (i % 20 === 0) {
        const mem = await a.debug.memory();
        samples.push({ runs: i, jsHeap: performance.memory?.usedJSHeapSize ?? null, workers: mem.filter((m) => m.role === 'run').map((m) => m.heapBytes) });
      }
    }
    return { burst, burstMs, seqMs: performance.now() - t1, samples, pool: a.poolState() };
  }, NVDA);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.burst, Array(20).fill('Completed'));
  console.log(`load smoke: 20 at once in ${Math.round(r.burstMs)} ms; 100 sequential in ${Math.round(r.seqMs)} ms`);
  for (const s of r.samples) console.log(`  after ${s.runs} runs: JS heap ${(s.jsHeap / 1048576).toFixed(1)} MB, worker heaps ${s.workers.map((b) => `${b / 1048576} MB`).join(', ')}`);
  // A Wasm heap never shrinks, so a leak in the engine would show as growth: none after the first 20.
  assert.deepEqual(r.samples.at(-1).workers, r.samples[0].workers);
  assert.equal(r.pool.live, 0);
  await context.close();
});
