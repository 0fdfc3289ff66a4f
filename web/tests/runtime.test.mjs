// Browser runtime tests (issue 3): the built site (web/dist) in headless Chromium, against the
// real Wasm module; nothing is mocked. The whole suite runs twice: served with COOP/COEP (shared
// memory mode) and without (message fallback mode).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const GOLDEN = JSON.parse(readFileSync(new URL('../../tests/engine/golden/sample_results.json', import.meta.url), 'utf8'));
const NVDA = 'NVDA-1d-1999-2014.csv';
const COSTS = { commission_pct: 0.1, slippage_bps: 2, allow_short: true };
/** ~100 progress callbacks of 10 ms each: a backtest that runs about one second. */
const SLOW = { dataset: 'synthetic-100k', strategy: 'sma_cross', params: { fast: 10, slow: 50 }, _debug: { delayMsPerProgress: 10 } };

// Page-side helpers, installed once per page.
const HELPERS = () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const status = (kind, id) => (kind === 'backtest' ? window.atf.getBacktestStatus(id) : window.atf.getOptimizationStatus(id));
  window.t = {
    sleep,
    status,
    /** Polls until the run is terminal; returns its status. */
    async done(kind, id, timeoutMs = 60000) {
      const end = performance.now() + timeoutMs;
      for (;;) {
        const s = await status(kind, id);
        if (!['Pending', 'Running'].includes(s.status)) return s;
        if (performance.now() > end) throw new Error(`run ${id} still ${s.status} after ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    async until(pred, timeoutMs = 20000) {
      const end = performance.now() + timeoutMs;
      while (!(await pred())) {
        if (performance.now() > end) throw new Error('condition not met in time');
        await sleep(2);
      }
    },
    /** Every worker alive, started and free. */
    poolIdle() {
      const p = window.atf.poolState();
      return p.workers.length === window.atf.workerCount && p.workers.every((w) => w.ready && w.runId === null) && p.queued === 0;
    },
    async errorOf(promise) {
      try {
        await promise;
        return null;
      } catch (e) {
        return { name: e.name, message: e.message, field: e.field ?? null };
      }
    },
    brief(s) {
      const { result, ...rest } = s;
      return rest;
    },
  };
};

for (const isolated of [true, false]) {
  const modeName = isolated ? 'shared-memory' : 'message-fallback';
  describe(`browser runtime, served ${isolated ? 'with' : 'without'} COOP/COEP`, () => {
    let server;
    let browser;
    let page;
    const consoleLines = [];

    before(async () => {
      server = await startServer({ isolated });
      browser = await launch();
      page = await openSite(browser, isolated ? server.url : `${server.url}?nosw`, { consoleSink: consoleLines });
      await page.evaluate(HELPERS);
      await page.evaluate(() => {
        window.atf.addSyntheticDataset('synthetic-100k', 100_000, 7);
        window.atf.addSyntheticDataset('synthetic-1m', 1_000_000, 11);
      });
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test(`the page runs in ${modeName} mode and shows it`, async () => {
      const r = await page.evaluate(() => ({
        mode: window.atf.mode,
        isolated: window.crossOriginIsolated,
        badge: document.getElementById('mode').textContent,
        workers: window.atf.poolState().workers.length,
        sharedBoard: window.atf.board.buffer instanceof (globalThis.SharedArrayBuffer ?? class {}),
      }));
      assert.equal(r.mode, modeName);
      assert.equal(r.isolated, isolated);
      assert.equal(r.sharedBoard, isolated);
      assert.match(r.badge, isolated ? /Full speed/ : /Reduced mode/);
      assert.ok(r.workers >= 1);
    });

    test('submit answers before the first bar is processed', async () => {
      const r = await page.evaluate(async () => {
        const sub = await window.atf.submitBacktest({ dataset: 'synthetic-1m', strategy: 'sma_cross', params: { fast: 10, slow: 50 } });
        // Same task as the answer: read the board and the status before anything else can run.
        const board = window.atf.progress(sub.id);
        const first = await window.atf.getBacktestStatus(sub.id);
        const last = await window.t.done('backtest', sub.id);
        return { sub, board, first: window.t.brief(first), last: window.t.brief(last) };
      });
      assert.equal(r.sub.totalBars, 1_000_000);
      assert.equal(r.board.processed, 0);
      assert.equal(r.first.status, 'Pending');
      assert.equal(r.first.processedBars, 0);
      assert.equal(r.last.status, 'Completed');
      assert.equal(r.last.processedBars, 1_000_000);
    });

    test('progress is monotonic and ends at the total', async () => {
      const r = await page.evaluate(async (req) => {
        const { id, totalBars } = await window.atf.submitBacktest(req);
        const seen = [];
        for (let p = window.atf.progress(id); p; p = window.atf.progress(id)) {
          seen.push(p.processed);
          await window.t.sleep(3);
        }
        const last = await window.t.done('backtest', id);
        return { totalBars, seen, last: window.t.brief(last) };
      }, SLOW);
      for (let i = 1; i < r.seen.length; i++) assert.ok(r.seen[i] >= r.seen[i - 1], `progress went back at sample ${i}`);
      const intermediate = new Set(r.seen.filter((v) => v > 0 && v < r.totalBars));
      assert.ok(intermediate.size >= 5, `only ${intermediate.size} intermediate progress values`);
      assert.equal(r.last.status, 'Completed');
      assert.equal(r.last.processedBars, r.totalBars);
    });

    test('a throwing trial fails alone with its message; completed + failed = total', async () => {
      const r = await page.evaluate(async (ds) => {
        const { id, totalCombinations } = await window.atf.submitOptimization({
          dataset: ds,
          strategy: 'fault_probe',
          params: { fail_period: 7, fail_at_bar: 100 },
          axes: [{ name: 'period', min: 2, max: 21, step: 1 }],
        });
        const s = await window.t.done('optimization', id);
        const failedLog = window.atf.logEntries(id).filter((l) => l.event === 'trial_failed');
        return { totalCombinations, s, failedLog };
      }, NVDA);
      assert.equal(r.totalCombinations, 20);
      assert.equal(r.s.status, 'Completed');
      assert.equal(r.s.completedCombinations + r.s.failedCombinations, r.s.totalCombinations);
      assert.equal(r.s.failedCombinations, 1);
      assert.equal(r.s.result.trials.length, 20);
      const failed = r.s.result.trials.filter((t) => t.status === 'failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0].params.period, 7);
      assert.match(failed[0].error_message, /injected failure for period 7/);
      assert.ok(failed[0].error_stack_trace, 'a failed trial carries a stack trace');
      assert.ok(r.s.result.trials.filter((t) => t.status === 'completed').every((t) => t.params.period !== 7 && t.metrics));
      assert.equal(r.failedLog.length, 1);
      assert.match(r.failedLog[0].message, /period 7/);
    });

    test('cancel of a Running backtest gives Cancelled, shows cancelRequested, and frees the worker', async () => {
      const r = await page.evaluate(async (req) => {
        const { id, totalBars } = await window.atf.submitBacktest(req);
        await window.t.until(() => (window.atf.progress(id)?.processed ?? 0) > 0);
        const t0 = performance.now();
        const cancelled = window.atf.cancelBacktest(id);
        const between = await window.atf.getBacktestStatus(id);
        const answer = await cancelled;
        const latencyMs = performance.now() - t0;
        const after = await window.atf.getBacktestStatus(id);
        await window.t.until(() => window.t.poolIdle());
        const again = await window.atf.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' });
        const next = await window.t.done('backtest', again.id);
        return { totalBars, between, answer, latencyMs, after, next: next.status, log: window.atf.logEntries(id).map((l) => l.event) };
      }, SLOW);
      assert.equal(r.between.status, 'Running');
      assert.equal(r.between.cancelRequested, true);
      assert.deepEqual(r.answer, { id: r.after.id, status: 'Cancelled' });
      assert.equal(r.after.status, 'Cancelled');
      assert.ok(r.after.processedBars < r.totalBars);
      assert.ok(r.latencyMs < 1000, `cancel took ${r.latencyMs} ms`);
      assert.equal(r.next, 'Completed');
      assert.deepEqual(r.log.filter((e) => e !== 'worker_replaced'), ['submitted', 'started', 'cancelled']);
      // Without shared memory, cancel stops the worker, which is replaced.
      assert.equal(r.log.includes('worker_replaced'), !isolated);
    });

    test('a cancel the engine does not confirm within 1 s stops the worker (hard stop) and replaces it', async () => {
      const r = await page.evaluate(async () => {
        // The first progress callback blocks for 4 s, so the engine cannot see the cancel flag in time.
        const { id } = await window.atf.submitBacktest({
          dataset: 'NVDA-1d-1999-2014.csv',
          strategy: 'sma_cross',
          _debug: { delayMsPerProgress: 4000 },
        });
        await window.t.until(async () => (await window.atf.getBacktestStatus(id)).status === 'Running');
        await window.t.sleep(100);
        const t0 = performance.now();
        const answer = await window.atf.cancelBacktest(id);
        const latencyMs = performance.now() - t0;
        await window.t.until(() => window.t.poolIdle());
        return { answer, latencyMs, log: window.atf.logEntries(id).map((l) => l.event) };
      });
      assert.equal(r.answer.status, 'Cancelled');
      assert.ok(r.latencyMs < 2000, `cancel took ${r.latencyMs} ms`);
      if (isolated) assert.ok(r.latencyMs >= 900, `the cooperative cancel cannot have been seen (${r.latencyMs} ms)`);
      assert.ok(r.log.includes('worker_replaced'));
      assert.equal(r.log.at(-1), 'cancelled');
    });

    test('cancel of Pending runs gives Cancelled; queued runs wait for a free worker', async () => {
      const r = await page.evaluate(async (req) => {
        const n = window.atf.workerCount;
        const busy = [];
        for (let i = 0; i < n; i++) busy.push((await window.atf.submitBacktest(req)).id);
        const queuedBt = (await window.atf.submitBacktest(req)).id;
        const queuedOpt = (
          await window.atf.submitOptimization({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross', axes: [{ name: 'fast', values: [5, 10] }] })
        ).id;
        await window.t.until(async () => (await Promise.all(busy.map((id) => window.atf.getBacktestStatus(id)))).every((s) => s.status === 'Running'));
        await window.t.sleep(50);
        const pendingBefore = [await window.atf.getBacktestStatus(queuedBt), await window.atf.getOptimizationStatus(queuedOpt)].map((s) => s.status);
        const a1 = await window.atf.cancelBacktest(queuedBt);
        const a2 = await window.atf.cancelOptimization(queuedOpt);
        const s1 = await window.atf.getBacktestStatus(queuedBt);
        const s2 = await window.atf.getOptimizationStatus(queuedOpt);
        const busyAnswers = await Promise.all(busy.map((id) => window.atf.cancelBacktest(id)));
        await window.t.until(() => window.t.poolIdle());
        const started = window.atf.logEntries(queuedBt).some((l) => l.event === 'started');
        const after = await window.atf.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'ema_cross' });
        const next = await window.t.done('backtest', after.id);
        return { pendingBefore, a1: a1.status, a2: a2.status, s1: window.t.brief(s1), s2: window.t.brief(s2), busyAnswers, started, next: next.status };
      }, SLOW);
      assert.deepEqual(r.pendingBefore, ['Pending', 'Pending']);
      assert.equal(r.a1, 'Cancelled');
      assert.equal(r.a2, 'Cancelled');
      assert.equal(r.s1.status, 'Cancelled');
      assert.equal(r.s1.processedBars, 0);
      assert.equal(r.s2.status, 'Cancelled');
      assert.equal(r.started, false, 'a cancelled Pending run never starts');
      assert.ok(r.busyAnswers.every((a) => a.status === 'Cancelled'));
      assert.equal(r.next, 'Completed');
    });

    test('cancel of a Running optimization keeps the finished trials and frees all workers', async () => {
      const r = await page.evaluate(async () => {
        const { id, totalCombinations } = await window.atf.submitOptimization({
          dataset: 'NVDA-1d-1999-2014.csv',
          strategy: 'sma_cross',
          axes: [{ name: 'fast', min: 2, max: 41, step: 1 }, { name: 'slow', values: [60, 80, 100, 120, 140] }],
          _debug: { delayMsPerProgress: 10 },
        });
        await window.t.until(async () => (await window.atf.getOptimizationStatus(id)).completedCombinations >= 3);
        // The optimization spreads over every worker.
        const spread = window.atf.poolState().workers.map((w) => w.runId === id);
        const answer = await window.atf.cancelOptimization(id);
        const s = await window.atf.getOptimizationStatus(id);
        await window.t.until(() => window.t.poolIdle());
        return { totalCombinations, answer, s, spread };
      });
      assert.ok(r.spread.length >= 1 && r.spread.every(Boolean), `workers on the run: ${JSON.stringify(r.spread)}`);
      assert.equal(r.answer.status, 'Cancelled');
      assert.equal(r.s.status, 'Cancelled');
      const finished = r.s.completedCombinations + r.s.failedCombinations;
      assert.ok(finished >= 3 && finished < r.totalCombinations, `finished ${finished}`);
      assert.equal(r.s.result.cancelled, true);
      assert.equal(r.s.result.trials.length, finished);
    });

    test('cancel of Completed gives Conflict; cancel of Cancelled answers Cancelled again', async () => {
      const r = await page.evaluate(async () => {
        const done = await window.atf.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' });
        await window.t.done('backtest', done.id);
        const conflict = await window.t.errorOf(window.atf.cancelBacktest(done.id));
        const stillCompleted = (await window.atf.getBacktestStatus(done.id)).status;
        const c = await window.atf.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' });
        const first = await window.atf.cancelBacktest(c.id);
        const second = await window.atf.cancelBacktest(c.id);
        const opt = await window.atf.submitOptimization({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross', axes: [{ name: 'fast', values: [5] }] });
        await window.t.done('optimization', opt.id);
        const optConflict = await window.t.errorOf(window.atf.cancelOptimization(opt.id));
        return { conflict, stillCompleted, first, second, optConflict };
      });
      assert.equal(r.conflict?.name, 'ConflictError');
      assert.equal(r.stillCompleted, 'Completed');
      assert.equal(r.first.status, 'Cancelled');
      assert.deepEqual(r.second, r.first);
      assert.equal(r.optConflict?.name, 'ConflictError');
    });

    test('a Failed run is a Conflict to cancel too', async () => {
      const r = await page.evaluate(async () => {
        const { id } = await window.atf.submitBacktest({
          dataset: 'NVDA-1d-1999-2014.csv',
          strategy: 'fault_probe',
          params: { period: 10, fail_period: 10, fail_at_bar: 50 },
        });
        const s = await window.t.done('backtest', id);
        return { s: window.t.brief(s), conflict: await window.t.errorOf(window.atf.cancelBacktest(id)) };
      });
      assert.equal(r.s.status, 'Failed');
      assert.match(r.s.errorMessage, /injected failure/);
      assert.equal(r.conflict?.name, 'ConflictError');
    });

    test('an unknown id gives NotFound everywhere', async () => {
      const r = await page.evaluate(async () => {
        const a = window.atf;
        const bt = await a.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' });
        await window.t.done('backtest', bt.id);
        return Promise.all([
          window.t.errorOf(a.getBacktestStatus('no-such-run')),
          window.t.errorOf(a.cancelBacktest('no-such-run')),
          window.t.errorOf(a.getOptimizationStatus('no-such-run')),
          window.t.errorOf(a.cancelOptimization('no-such-run')),
          window.t.errorOf(a.getBacktestRun('no-such-run')),
          window.t.errorOf(a.deleteRun('no-such-run')),
          // A backtest id is not an optimization.
          window.t.errorOf(a.getOptimizationStatus(bt.id)),
        ]);
      });
      for (const e of r) assert.equal(e?.name, 'NotFoundError');
    });

    test('invalid input gives ValidationError naming the field and creates no run', async () => {
      const r = await page.evaluate(async () => {
        const a = window.atf;
        const before = (await a.listRuns()).length;
        const liveBefore = a.poolState().live;
        const base = { dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' };
        const errors = {
          strategy: await window.t.errorOf(a.submitBacktest({ ...base, strategy: 'no_such_strategy' })),
          dataset: await window.t.errorOf(a.submitBacktest({ ...base, dataset: 'missing.csv' })),
          param: await window.t.errorOf(a.submitBacktest({ ...base, params: { fast: -3 } })),
          cash: await window.t.errorOf(a.submitBacktest({ ...base, broker: { cash: -1 } })),
          axes: await window.t.errorOf(a.submitOptimization({ ...base })),
          limit: await window.t.errorOf(
            a.submitOptimization({ ...base, max_combinations: 10, axes: [{ name: 'fast', min: 2, max: 40, step: 1 }] }),
          ),
          csv: await (async () => {
            a.addDatasetCsv('broken.csv', 'time,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,abc,0.5,1.5,10\n');
            return window.t.errorOf(a.submitBacktest({ ...base, dataset: 'broken.csv' }));
          })(),
        };
        return { errors, before, after: (await a.listRuns()).length, liveBefore, liveAfter: a.poolState().live };
      });
      for (const [k, e] of Object.entries(r.errors)) assert.equal(e?.name, 'ValidationError', `${k}: ${JSON.stringify(e)}`);
      assert.equal(r.errors.strategy.field, 'strategy');
      assert.equal(r.errors.dataset.field, 'dataset');
      assert.match(r.errors.param.field, /fast/);
      assert.equal(r.errors.cash.field, 'broker.cash');
      assert.equal(r.errors.axes.field, 'axes');
      assert.match(r.errors.limit.field, /max_combinations|axes/);
      assert.equal(r.errors.csv.field, 'dataset');
      assert.match(r.errors.csv.message, /line 3/);
      assert.equal(r.after, r.before, 'no run was created');
      assert.equal(r.liveAfter, r.liveBefore);
    });

    test('a trapping worker is replaced; its run is Failed with the trap message and Wasm stack', async () => {
      const r = await page.evaluate(async () => {
        const a = window.atf;
        const idsBefore = a.poolState().workers.map((w) => w.id);
        const direct = await a.debug.trapIdleWorker();
        await window.t.until(() => window.t.poolIdle());
        const idsAfterDirect = a.poolState().workers.map((w) => w.id);
        const bt = await a.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross', _debug: { trapAtBar: 2048 } });
        const failed = await window.t.done('backtest', bt.id);
        await window.t.until(() => window.t.poolIdle());
        const opt = await a.submitOptimization({
          dataset: 'NVDA-1d-1999-2014.csv',
          strategy: 'sma_cross',
          axes: [{ name: 'fast', min: 2, max: 21, step: 1 }],
          _debug: { trapAtTrial: 5 },
        });
        const os = await window.t.done('optimization', opt.id);
        const osLog = a.logEntries().slice(-8).map((l) => `${l.event}:${l.runId}:${l.message ?? ''}`);
        await window.t.until(() => window.t.poolIdle());
        const ok = await a.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'sma_cross' });
        const okS = await window.t.done('backtest', ok.id);
        return {
          idsBefore,
          direct,
          idsAfterDirect,
          failed: window.t.brief(failed),
          os,
          osLog,
          ok: okS.status,
          replaced: a.logEntries().filter((l) => l.event === 'worker_replaced').length,
          workers: a.poolState().workers.length,
        };
      });
      assert.match(r.direct.message, /unreachable/);
      assert.ok(r.idsBefore.includes(r.direct.trappedWorker));
      assert.ok(!r.idsAfterDirect.includes(r.direct.trappedWorker), 'the trapped worker is gone');
      assert.equal(r.idsAfterDirect.length, r.idsBefore.length);
      assert.equal(r.failed.status, 'Failed');
      assert.match(r.failed.errorMessage, /RuntimeError: unreachable/);
      assert.match(r.failed.errorStackTrace, /wasm/);
      assert.match(r.failed.errorStackTrace, /debug_?[tT]rap|debugTrap/);
      assert.equal(r.os.status, 'Completed');
      const failedTrials = r.os.result.trials.filter((t) => t.status === 'failed').map((t) => [t.index, t.error_message]);
      assert.equal(r.os.completedCombinations, 19, `failed trials: ${JSON.stringify(failedTrials)}; log: ${JSON.stringify(r.osLog)}`);
      assert.equal(r.os.failedCombinations, 1);
      const trapped = r.os.result.trials.find((t) => t.status === 'failed');
      assert.equal(trapped.index, 5);
      assert.match(trapped.error_message, /unreachable/);
      assert.equal(r.ok, 'Completed');
      assert.ok(r.replaced >= 3);
      assert.equal(r.workers, r.idsBefore.length);
    });

    test('results equal the native atf results on the sample data', async () => {
      const jobs = Object.entries(GOLDEN).map(([key, g]) => ({ key, dataset: key.split(' ')[0], strategy: g.strategy, params: g.params }));
      const results = await page.evaluate(
        async ({ jobs, costs }) => {
          // The digest of tests/engine/determinism_test.cpp (FNV-1a 64 over the doubles' bytes, with
          // that file's offset basis 1469598103934665603).
          const fnv = (curve) => {
            const bytes = new Uint8Array(curve.buffer, curve.byteOffset, curve.byteLength);
            let h = 1469598103934665603n;
            for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
            return h.toString(16).padStart(16, '0');
          };
          const subs = await Promise.all(
            jobs.map((j) => window.atf.submitBacktest({ dataset: j.dataset, strategy: j.strategy, params: j.params, broker: costs })),
          );
          const out = {};
          for (let i = 0; i < jobs.length; i++) {
            const s = await window.t.done('backtest', subs[i].id);
            const { equity_curve, ...rest } = s.result;
            out[jobs[i].key] = { status: s.status, ...rest, equity_curve_fnv1a: fnv(equity_curve), bars: equity_curve.length };
          }
          return out;
        },
        { jobs, costs: COSTS },
      );
      assert.equal(Object.keys(results).length, 18);
      for (const [key, g] of Object.entries(GOLDEN)) {
        const r = results[key];
        assert.equal(r.status, 'Completed', key);
        assert.equal(r.final_equity, g.final_equity, `${key} final_equity`);
        assert.equal(r.final_cash, g.final_cash, `${key} final_cash`);
        assert.deepEqual(r.metrics, g.metrics, `${key} metrics`);
        assert.deepEqual(r.trades, g.trades, `${key} trades`);
        assert.equal(r.equity_curve_fnv1a, g.equity_curve_fnv1a, `${key} equity curve`);
        assert.equal(r.bars, g.bars, `${key} bars`);
      }
    });

    test('runs are listed, fetched and deleted through the repository', async () => {
      const r = await page.evaluate(async () => {
        const a = window.atf;
        const { id } = await a.submitBacktest({ dataset: 'NVDA-1d-1999-2014.csv', strategy: 'rsi_reversion' });
        await window.t.done('backtest', id);
        const listed = (await a.listRuns({ kind: 'backtest' })).find((x) => x.id === id);
        const run = await a.getBacktestRun(id);
        const del = await a.deleteRun(id);
        const gone = await window.t.errorOf(a.getBacktestStatus(id));
        const log = a.logEntries(id).map((l) => ({ event: l.event, status: l.status, hasElapsed: typeof l.elapsedMs === 'number' }));
        return { listed, run: { status: run.status, final: run.result.final_equity, strategy: run.request.strategy }, del, gone, log };
      });
      assert.equal(r.listed.status, 'Completed');
      assert.equal(r.run.status, 'Completed');
      assert.equal(r.run.strategy, 'rsi_reversion');
      assert.equal(typeof r.run.final, 'number');
      assert.equal(r.del.deleted, true);
      assert.equal(r.gone?.name, 'NotFoundError');
      assert.deepEqual(
        r.log.map((l) => l.event),
        ['submitted', 'started', 'completed'],
      );
      assert.ok(r.log.every((l) => l.hasElapsed));
    });

    test('the page stayed alive and logged no uncaught error', async () => {
      const alive = await page.evaluate(() => typeof window.atf.submitBacktest === 'function' && document.body !== null);
      assert.equal(alive, true);
      const uncaught = consoleLines.filter((l) => l.startsWith('pageerror'));
      assert.deepEqual(uncaught, []);
    });
  });
}
