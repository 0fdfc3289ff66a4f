// Submit answers `{ id, total…, status, isDedup }` (DESIGN.md "The JS API", issue 13): an
// identical request (same dataset, strategy, parameters, settings; key order does not matter)
// while one is Pending or Running returns that run's id with isDedup: true; otherwise a new run,
// isDedup: false (a finished or cancelled run, a different request, a run with test hooks).
// The built site in headless Chromium, in both modes (shared memory and message fallback).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
const BROKER = { commission_pct: 0.1, slippage_bps: 2 };
/** ~100 progress callbacks of 10 ms each: a backtest that keeps a worker busy about a second. */
const SLOW = { dataset: 'synthetic-100k', strategy: 'sma_cross', params: { fast: 10, slow: 50 }, _debug: { delayMsPerProgress: 10 } };
/** 2,000 backtests of 1,000,000 bars: Running for a while on any machine (cancelled by the test). */
const LONG_GRID = {
  dataset: 'synthetic-1m',
  strategy: 'sma_cross',
  axes: [{ name: 'fast', min: 2, max: 41, step: 1 }, { name: 'slow', min: 60, max: 1040, step: 20 }],
};

const HELPERS = () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const status = (kind, id) => (kind === 'backtest' ? window.atf.getBacktestStatus(id) : window.atf.getOptimizationStatus(id));
  window.t = {
    sleep,
    status,
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
    poolIdle() {
      const p = window.atf.poolState();
      return p.workers.length === window.atf.workerCount && p.workers.every((w) => w.ready && w.runId === null) && p.queued === 0;
    },
    submitted(id) {
      return window.atf.logEntries(id).filter((l) => l.event === 'submitted').length;
    },
  };
};

for (const isolated of [true, false]) {
  describe(`submit dedup, served ${isolated ? 'with' : 'without'} COOP/COEP`, () => {
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

    test('an identical backtest while one is Pending answers its id with isDedup: true and status Pending', async () => {
      const r = await page.evaluate(
        async ({ SLOW, NVDA, BROKER }) => {
          const a = window.atf;
          // Every worker busy with a slow run (runs with test hooks are never shared).
          const busy = [];
          for (let i = 0; i < a.workerCount; i++) busy.push(await a.submitBacktest(SLOW));
          const req = { dataset: NVDA, strategy: 'sma_cross', params: { fast: 10, slow: 50 }, broker: BROKER };
          // Two at once: the second joins the first while it is being validated.
          const [first, joined] = await Promise.all([a.submitBacktest(req), a.submitBacktest(req)]);
          await window.t.until(async () => (await Promise.all(busy.map((b) => a.getBacktestStatus(b.id)))).every((s) => s.status === 'Running'));
          // Queued behind the busy workers: still Pending. Key order does not make a request differ.
          const queuedStatus = (await a.getBacktestStatus(first.id)).status;
          const reordered = await a.submitBacktest({ broker: { slippage_bps: 2, commission_pct: 0.1 }, params: { slow: 50, fast: 10 }, strategy: 'sma_cross', dataset: NVDA });
          const other = await a.submitBacktest({ ...req, params: { fast: 11, slow: 50 } });
          const otherBroker = await a.submitBacktest({ ...req, broker: { ...BROKER, slippage_bps: 3 } });
          await Promise.all(busy.map((b) => a.cancelBacktest(b.id)));
          const done = await window.t.done('backtest', first.id);
          await window.t.done('backtest', other.id);
          await window.t.done('backtest', otherBroker.id);
          // Finished: the same request again is a new run.
          const again = await a.submitBacktest(req);
          const againDone = await window.t.done('backtest', again.id);
          const runs = (await a.listRuns({ kind: 'backtest' })).filter((x) => x.dataset === NVDA).map((x) => x.id);
          return {
            busy,
            first,
            joined,
            queuedStatus,
            reordered,
            other,
            otherBroker,
            done: done.status,
            again,
            againDone: againDone.status,
            runs,
            submittedFirst: window.t.submitted(first.id),
          };
        },
        { SLOW, NVDA, BROKER },
      );
      // Runs with test hooks: identical, yet each its own run.
      assert.equal(new Set(r.busy.map((b) => b.id)).size, r.busy.length);
      assert.ok(r.busy.every((b) => b.isDedup === false && b.status === 'Pending'), JSON.stringify(r.busy));
      assert.deepEqual(r.first, { id: r.first.id, totalBars: 4012, status: 'Pending', isDedup: false });
      assert.deepEqual(r.joined, { id: r.first.id, totalBars: 4012, status: 'Pending', isDedup: true });
      assert.equal(r.queuedStatus, 'Pending');
      assert.deepEqual(r.reordered, { id: r.first.id, totalBars: 4012, status: 'Pending', isDedup: true });
      for (const x of [r.other, r.otherBroker]) {
        assert.equal(x.isDedup, false);
        assert.notEqual(x.id, r.first.id);
      }
      assert.notEqual(r.other.id, r.otherBroker.id);
      assert.equal(r.done, 'Completed');
      assert.equal(r.again.isDedup, false);
      assert.equal(r.again.status, 'Pending');
      assert.notEqual(r.again.id, r.first.id);
      assert.equal(r.againDone, 'Completed');
      // The shared submits made no run of their own: one row and one 'submitted' record.
      assert.deepEqual(new Set(r.runs), new Set([r.first.id, r.other.id, r.otherBroker.id, r.again.id]));
      assert.equal(r.submittedFirst, 1);
    });

    test('an identical optimization while one is Running answers its id with status Running; a cancelled one is not shared', async () => {
      const r = await page.evaluate(async (grid) => {
        const a = window.atf;
        const first = await a.submitOptimization(grid);
        await window.t.until(async () => (await a.getOptimizationStatus(first.id)).status === 'Running');
        const joined = await a.submitOptimization({ ...grid, axes: grid.axes.map((x) => ({ step: x.step, max: x.max, min: x.min, name: x.name })) });
        const cancelled = await a.cancelOptimization(first.id);
        const afterCancel = await a.submitOptimization(grid);
        // Between a cancel request and its confirmation the run is not shared either.
        const cancelling = a.cancelOptimization(afterCancel.id);
        const duringCancel = await a.submitOptimization(grid);
        await cancelling;
        await a.cancelOptimization(duringCancel.id);
        await window.t.until(() => window.t.poolIdle());
        const statuses = await Promise.all([first, afterCancel, duringCancel].map(async (x) => (await a.getOptimizationStatus(x.id)).status));
        return { first, joined, cancelled, afterCancel, duringCancel, statuses, submittedFirst: window.t.submitted(first.id) };
      }, LONG_GRID);
      assert.deepEqual(r.first, { id: r.first.id, totalCombinations: 2000, status: 'Pending', isDedup: false });
      assert.deepEqual(r.joined, { id: r.first.id, totalCombinations: 2000, status: 'Running', isDedup: true });
      assert.equal(r.cancelled.status, 'Cancelled');
      assert.equal(r.afterCancel.isDedup, false);
      assert.notEqual(r.afterCancel.id, r.first.id);
      assert.equal(r.duringCancel.isDedup, false);
      assert.notEqual(r.duringCancel.id, r.afterCancel.id);
      assert.deepEqual(r.statuses, ['Cancelled', 'Cancelled', 'Cancelled']);
      assert.equal(r.submittedFirst, 1);
    });

    test('the page logged no uncaught error', () => {
      assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
    });
  });
}
