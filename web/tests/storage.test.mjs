// Persistence tests (issues 4 and 13): the built site in headless Chromium with real IndexedDB and
// SQLite (wa-sqlite, stored page by page in IndexedDB) in the storage worker; nothing is mocked.
// Each test gets its own browser context, so its own IndexedDB.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const ORCL = 'ORCL-1d-1995-2014.csv';
const NVDA = 'NVDA-1d-1999-2014.csv';
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

/** Polls a run until it is terminal, in the page. */
const waitDone = (page, kind, id, timeoutMs = 60000) =>
  page.evaluate(
    async ({ kind, id, timeoutMs }) => {
      const get = (x) => (kind === 'backtest' ? window.atf.getBacktestStatus(x) : window.atf.getOptimizationStatus(x));
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

/** A status with its equity curve as a plain array, for deep comparison (key order aside). */
const plain = (s) => ({ ...s, result: s.result && { ...s.result, equity_curve: s.result.equity_curve && Array.from(s.result.equity_curve) } });

test('a completed backtest and optimization are there after a reload, identical', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, server.url);
  const ids = await page.evaluate(async ({ NVDA, ORCL }) => {
    const bt = await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', broker: { commission_pct: 0.1 } });
    const opt = await window.atf.submitOptimization({
      dataset: ORCL,
      strategy: 'sma_cross',
      axes: [{ name: 'fast', min: 5, max: 30, step: 5 }, { name: 'slow', min: 20, max: 60, step: 10 }],
    });
    return { bt: bt.id, opt: opt.id };
  }, { NVDA, ORCL });
  const bt = await waitDone(page, 'backtest', ids.bt);
  const opt = await waitDone(page, 'optimization', ids.opt);
  assert.equal(bt.status, 'Completed');
  assert.equal(opt.status, 'Completed');
  assert.equal(opt.result.trials.length, 30);
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const [bt2, opt2] = await page.evaluate(
    async (ids) => [await window.atf.getBacktestStatus(ids.bt), await window.atf.getOptimizationStatus(ids.opt)],
    ids,
  );
  assert.deepEqual(plain(bt2), plain(bt));
  assert.deepEqual(plain(opt2), plain(opt));
  assert.ok(bt2.result.equity_curve.length === 4012);
  const listed = await page.evaluate(async () => (await window.atf.listRuns()).map((r) => r.id));
  assert.deepEqual(new Set(listed), new Set([ids.bt, ids.opt]));
  await context.close();
});

test('a page closed mid-run leaves no run "running"; the optimization resumes to the same ranking', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, server.url);
  // 100 × 500 = 50,000 combinations over 5,036 bars: long enough to close the page mid-run.
  const request = {
    dataset: ORCL,
    strategy: 'sma_cross',
    axes: [{ name: 'fast', min: 1, max: 100, step: 1 }, { name: 'slow', min: 101, max: 600, step: 1 }],
    objective: 'sharpe',
  };
  const id = await page.evaluate(async (request) => (await window.atf.submitOptimization(request)).id, request);
  // Wait until some trials were saved (they are written in batches at least every 0.5 s).
  await page.waitForFunction((id) => (window.atf.progress(id)?.processed ?? 0) > 3000, id, { timeout: 60000 });
  await page.waitForTimeout(700);
  const before = await page.evaluate((id) => window.atf.progress(id), id);
  assert.ok(before.processed < 50000, 'the run must still be in flight when the page closes');
  await page.close();

  const again = await openSite(context, server.url);
  const st = await again.evaluate((id) => window.atf.getOptimizationStatus(id), id);
  assert.equal(st.status, 'Failed');
  assert.equal(st.errorMessage, 'interrupted: the page was closed while the run was in progress');
  const saved = st.completedCombinations + st.failedCombinations;
  assert.ok(saved > 0 && saved < 50000, `saved ${saved}`);
  const stored = await again.evaluate((id) => window.atf.getOptimizationRun(id), id);
  assert.equal(stored.result.trials.length, saved);
  const log = await again.evaluate(() => window.atf.logEntries().filter((r) => r.message?.startsWith('interrupted')).length);
  assert.equal(log, 1);

  // Resume: only the missing combinations run; the ranking equals an uninterrupted run's.
  const resumed = await again.evaluate((id) => window.atf.resumeOptimization(id), id);
  assert.deepEqual(resumed, { id, totalCombinations: 50000 });
  const done = await waitDone(again, 'optimization', id, 120000);
  assert.equal(done.status, 'Completed');
  assert.equal(done.completedCombinations + done.failedCombinations, 50000);
  const freshId = await again.evaluate(async (request) => (await window.atf.submitOptimization(request)).id, request);
  const fresh = await waitDone(again, 'optimization', freshId, 120000);
  const rank = (s) => s.result.trials.map((t) => `${t.index}:${t.status}:${t.metrics?.sharpe ?? null}`);
  assert.equal(fresh.result.trials.length, 50000);
  assert.deepEqual(rank(done), rank(fresh));
  assert.equal(done.result.best.index, fresh.result.best.index);
  await context.close();
});

test('two pages submitting 20 runs each end with 40 runs, and see each other within 2 s', async () => {
  const context = await browser.newContext();
  const a = await openSite(context, server.url);
  const b = await openSite(context, server.url);
  await b.evaluate(() => {
    window.changed = 0;
    window.atf.database.onChange(() => window.changed++);
  });
  const submit20 = (page) =>
    page.evaluate(async (NVDA) => {
      const ids = [];
      for (let i = 0; i < 20; i++) {
        ids.push((await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', params: { fast: 2 + i, slow: 60 } })).id);
      }
      for (const id of ids) {
        for (;;) {
          const s = await window.atf.getBacktestStatus(id);
          if (s.status === 'Completed') break;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      return ids;
    }, NVDA);
  const [idsA, idsB] = await Promise.all([submit20(a), submit20(b)]);
  const t0 = Date.now();
  await b.waitForFunction(async (n) => (await window.atf.listRuns()).length === n, 40, { timeout: 2000, polling: 50 });
  assert.ok(Date.now() - t0 <= 2000);
  await a.waitForFunction(async (n) => (await window.atf.listRuns()).length === n, 40, { timeout: 2000, polling: 50 });
  assert.ok((await b.evaluate(() => window.changed)) > 0);
  const c = await openSite(context, server.url);
  const all = await c.evaluate(async () => (await window.atf.listRuns()).filter((r) => r.status === 'Completed').map((r) => r.id));
  assert.deepEqual(new Set(all), new Set([...idsA, ...idsB]));
  await context.close();
});

test('importing a truncated, a non-SQLite or a foreign SQLite file is refused; data intact', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, server.url);
  const out = await page.evaluate(async (NVDA) => {
    const { id } = await window.atf.submitBacktest({ dataset: NVDA, strategy: 'ema_cross' });
    for (;;) {
      if ((await window.atf.getBacktestStatus(id)).status === 'Completed') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const good = await window.atf.database.exportFile();
    // A foreign SQLite file: our own export with the tables renamed (valid SQLite, not ours).
    const text = new TextDecoder('latin1').decode(good);
    const results = { id, exported: good.length };
    const attempt = async (name, bytes) => {
      try {
        await window.atf.database.importFile(bytes);
        results[name] = 'accepted';
      } catch (e) {
        results[name] = `${e.name}: ${e.message}`;
      }
    };
    await attempt('truncated', good.slice(0, Math.floor(good.length / 2)));
    await attempt('notSqlite', new TextEncoder().encode('Date,Open,High,Low,Close\n1999-01-22,1,2,0.5,1.5\n'.repeat(10)));
    await attempt('empty', new Uint8Array(0));
    results.header = text.slice(0, 15);
    results.stillThere = (await window.atf.getBacktestStatus(id)).status;
    results.count = (await window.atf.listRuns()).length;
    return results;
  }, NVDA);
  assert.match(out.truncated, /^ImportRejectedError: The file is damaged or truncated/);
  assert.match(out.notSqlite, /^ImportRejectedError: This is not a SQLite database file\./);
  assert.match(out.empty, /^ImportRejectedError: This is not a SQLite database file\./);
  assert.equal(out.header, 'SQLite format 3');
  assert.equal(out.stillThere, 'Completed');
  assert.equal(out.count, 1);

  // A foreign SQLite database, made by Node's own sql.js: valid, but not ours.
  const initSqlJs = (await import('sql.js')).default;
  const SQL = await initSqlJs();
  const foreign = new SQL.Database();
  foreign.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, '<img src=x onerror=alert(1)>')");
  const bytes = Array.from(foreign.export());
  const foreignOut = await page.evaluate(async (bytes) => {
    try {
      await window.atf.database.importFile(new Uint8Array(bytes));
      return 'accepted';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  }, bytes);
  assert.match(foreignOut, /^ImportRejectedError: This SQLite file is not an AlgoTradeForge database \(missing tables: meta, datasets/);
  await page.reload();
  await page.waitForFunction(() => window.atf);
  assert.equal(await page.evaluate(async () => (await window.atf.listRuns()).length), 1);
  await context.close();
});

test('an imported dataset is stored once, reused by several runs, and there after a reload', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, server.url);
  const csv = ['Date,Open,High,Low,Close,Volume'];
  let p = 100;
  for (let i = 0; i < 400; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10);
    const next = Math.round((p + Math.sin(i / 9) * 2 + ((i * 7919) % 13) / 10 - 0.6) * 100) / 100;
    csv.push(`${day},${p},${Math.max(p, next) + 0.5},${Math.min(p, next) - 0.5},${next},1000`);
    p = next;
  }
  const text = csv.join('\n');
  const first = await page.evaluate(async (text) => {
    await window.atf.addDatasetCsv('my-import', text);
    const ids = [];
    for (const fast of [5, 8]) ids.push((await window.atf.submitBacktest({ dataset: 'my-import', strategy: 'sma_cross', params: { fast, slow: 20 } })).id);
    const out = [];
    for (const id of ids) {
      for (;;) {
        const s = await window.atf.getBacktestStatus(id);
        if (s.status !== 'Pending' && s.status !== 'Running') { out.push(s.result.final_equity); break; }
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    return out;
  }, text);
  assert.equal(first.length, 2);
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const again = await page.evaluate(async () => {
    const names = window.atf.listDatasets().map((d) => d.name);
    const { id } = await window.atf.submitBacktest({ dataset: 'my-import', strategy: 'sma_cross', params: { fast: 5, slow: 20 } });
    for (;;) {
      const s = await window.atf.getBacktestStatus(id);
      if (s.status !== 'Pending' && s.status !== 'Running') return { names, equity: s.result.final_equity };
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  assert.ok(again.names.includes('my-import'));
  assert.equal(again.equity, first[0]);  // the same data, the same result
  // Stored once: one datasets row, whatever the number of runs.
  const bytes = await page.evaluate(async () => Array.from(await window.atf.database.exportFile()));
  const SQL = await (await import('sql.js')).default();
  const db = new SQL.Database(new Uint8Array(bytes));
  assert.deepEqual(db.exec('SELECT COUNT(*) FROM datasets')[0].values, [[1]]);
  assert.deepEqual(db.exec("SELECT COUNT(*) FROM backtest_runs WHERE dataset_id = 'my-import'")[0].values, [[3]]);
  await context.close();
});

test('+inf metrics (profit factor with no losing trade) and a stated date order survive SQLite and a reload', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, server.url);
  // Day-first dates (users-reports pf_min.csv): one winning trade with fills at the close.
  const text = 'Date,Open,High,Low,Close\n02/01/2020,10,10,10,10\n03/01/2020,9,9,9,9\n06/01/2020,10,10,10,10\n' +
    '07/01/2020,12,12,12,12\n08/01/2020,11,11,11,11\n';
  const run = async (dataset) => page.evaluate(async (dataset) => {
    const { id } = await window.atf.submitBacktest({ dataset, strategy: 'sma_cross', params: { fast: 1, slow: 2 }, broker: { fill: 'close' } });
    const opt = await window.atf.submitOptimization({ dataset, strategy: 'sma_cross', broker: { fill: 'close' }, objective: 'profit_factor',
      axes: [{ name: 'fast', values: [1] }, { name: 'slow', values: [2, 3, 4] }] });
    const wait = async (get, x) => {
      for (;;) {
        const s = await get(x);
        if (s.status !== 'Pending' && s.status !== 'Running') return s;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const bt = await wait((x) => window.atf.getBacktestStatus(x), id);
    const op = await wait((x) => window.atf.getOptimizationStatus(x), opt.id);
    return { ids: [id, opt.id], pf: bt.result.metrics.profit_factor, first: bt.result.trades[0]?.entry_time, trials: op.result.trials.map((t) => t.metrics?.profit_factor ?? null) };
  }, dataset);
  const refused = await page.evaluate(async (text) => {
    await window.atf.addDatasetCsv('days.csv', text);
    try { await window.atf.checkDataset('days.csv'); return null; } catch (e) { return e.message; }
  }, text);
  assert.match(refused, /could be day-first or month-first/);
  const checked = await page.evaluate(async (text) => {
    await window.atf.addDatasetCsv('days.csv [dmy]', text);
    return window.atf.checkDataset('days.csv [dmy]');
  }, text);
  assert.deepEqual(checked, { bars: 5, notices: [] });
  const before = await run('days.csv [dmy]');
  assert.equal(before.pf, Infinity);
  assert.equal(before.trials[0], Infinity, 'ranked first when maximizing');
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const after = await page.evaluate(async (ids) => {
    const bt = await window.atf.getBacktestStatus(ids[0]);
    const op = await window.atf.getOptimizationStatus(ids[1]);
    return { pf: bt.result.metrics.profit_factor, trials: op.result.trials.map((t) => t.metrics?.profit_factor ?? null), names: window.atf.listDatasets().map((d) => d.name) };
  }, before.ids);
  assert.equal(after.pf, Infinity);
  assert.deepEqual(after.trials, before.trials);
  assert.ok(after.names.includes('days.csv [dmy]'));
  // The saved dataset keeps its date order: a new run on it after the reload reads the same dates.
  const again = await run('days.csv [dmy]');
  assert.equal(again.first, before.first);
  assert.equal(again.first, Date.UTC(2020, 0, 6));
  // In the file: the string "Infinity" in the metrics JSON (JSON has no number for it).
  const bytes = await page.evaluate(async () => Array.from(await window.atf.database.exportFile()));
  const SQL = await (await import('sql.js')).default();
  const db = new SQL.Database(new Uint8Array(bytes));
  const metrics = JSON.parse(db.exec(`SELECT metrics FROM backtest_runs WHERE id = '${before.ids[0]}'`)[0].values[0][0]);
  assert.equal(metrics.profit_factor, 'Infinity');
  await context.close();
});

test('without IndexedDB the app runs and says results will not be kept', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, `${server.url}?nostore`);
  const out = await page.evaluate(async (NVDA) => {
    const { id } = await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross' });
    for (;;) {
      const s = await window.atf.getBacktestStatus(id);
      if (s.status === 'Completed') return { warning: window.atf.storageWarning, status: s.status };
      await new Promise((r) => setTimeout(r, 10));
    }
  }, NVDA);
  assert.equal(out.status, 'Completed');
  assert.match(out.warning, /^Results will not be kept after this page closes: storage is turned off for this page\.$/);
  await context.close();
});

// ---- the page store (issue 13): SQLite page by page in IndexedDB ----------------------------

/** Runs a backtest, a 12-combination optimization and makes a script; answers their ids. */
const makeRuns = (page) =>
  page.evaluate(async (NVDA) => {
    const wait = async (get, id) => {
      for (;;) {
        const s = await get(id);
        if (s.status !== 'Pending' && s.status !== 'Running') return s;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const bt = (await window.atf.submitBacktest({ dataset: NVDA, strategy: 'sma_cross', params: { fast: 7, slow: 40 } })).id;
    const bt2 = (await window.atf.submitBacktest({ dataset: NVDA, strategy: 'ema_cross' })).id;
    const opt = (await window.atf.submitOptimization({
      dataset: NVDA, strategy: 'sma_cross', axes: [{ name: 'fast', values: [5, 10, 15] }, { name: 'slow', values: [30, 40, 50, 60] }],
    })).id;
    await wait((x) => window.atf.getBacktestStatus(x), bt);
    await wait((x) => window.atf.getBacktestStatus(x), bt2);
    await wait((x) => window.atf.getOptimizationStatus(x), opt);
    const script = await window.atf.scripts.create('legacy script', '//@version=5\nstrategy("x")\n');
    return { bt, bt2, opt, script: script.id };
  }, NVDA);

/** Every run, trial and script of the page, for deep comparison. */
const everything = (page, ids) =>
  page.evaluate(async (ids) => {
    const bt = await window.atf.getBacktestStatus(ids.bt);
    const bt2 = await window.atf.getBacktestStatus(ids.bt2);
    const opt = await window.atf.getOptimizationStatus(ids.opt);
    const plainBt = (s) => ({ ...s, result: s.result && { ...s.result, equity_curve: s.result.equity_curve && Array.from(s.result.equity_curve) } });
    const scripts = await window.atf.scripts.list();
    const text = (await window.atf.scripts.open(ids.script)).text;
    const listed = (await window.atf.listRunRecords({ kind: 'optimization' })).find((r) => r.id === ids.opt);
    return { bt: plainBt(bt), bt2: plainBt(bt2), opt, bestInList: listed?.result?.best ?? null, scripts: scripts.map((s) => [s.id, s.name, s.version]), text, runs: (await window.atf.listRuns()).map((r) => r.id).sort() };
  }, ids);

const idbNames = (page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort());

test('a database of the previous format (sql.js snapshot + journal) is moved in without loss, then deleted', async () => {
  // Make real data with the app, take its file, and write it back as the previous version did.
  const source = await browser.newContext();
  const page = await openSite(source, server.url);
  const ids = await makeRuns(page);
  const want = await everything(page, ids);
  const exported = await page.evaluate(async () => Array.from(await window.atf.database.exportFile()));
  await source.close();
  // As the previous version wrote it: schema 3 (before migration 004's indexes and best_trial).
  const SQL = await (await import('sql.js')).default();
  const v3 = new SQL.Database(new Uint8Array(exported));
  v3.exec(`DROP INDEX backtest_runs_list; DROP INDEX backtest_runs_status; DROP INDEX optimization_runs_status; DROP INDEX walkforward_runs_status;
           ALTER TABLE optimization_runs DROP COLUMN best_trial; UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
  const file = Array.from(v3.export());
  v3.close();

  const context = await browser.newContext();
  const blank = await context.newPage();
  await blank.goto(`${server.url}no-app-here`);  // same origin, no app: nothing opens a store yet
  await blank.evaluate(async ({ file, bt2 }) => {
    // The previous writer (idb-journal.ts as it was): database "atf-results" version 1, store
    // "snapshot" (keys 'db' → {seq, bytes, savedAt} and 'seq' → seq), store "journal" (keyPath seq).
    const db = await new Promise((ok, ko) => {
      const req = indexedDB.open('atf-results', 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore('snapshot');
        req.result.createObjectStore('journal', { keyPath: 'seq' });
      };
      req.onsuccess = () => ok(req.result);
      req.onerror = () => ko(req.error);
    });
    const tx = db.transaction(['snapshot', 'journal'], 'readwrite', { durability: 'strict' });
    tx.objectStore('snapshot').put({ seq: 40, bytes: new Uint8Array(file), savedAt: Date.now() }, 'db');
    tx.objectStore('snapshot').put(40, 'seq');
    // Written after the snapshot: a run left Running (a tab closed mid-run) and a renamed script.
    tx.objectStore('journal').add({ seq: 41, statements: [{ sql: "UPDATE backtest_runs SET status = 'Running', finished_at = NULL WHERE id = ?", params: [bt2] }] });
    tx.objectStore('journal').add({ seq: 42, statements: [{ sql: "UPDATE scripts SET name = 'renamed in the journal'" }] });
    await new Promise((ok, ko) => { tx.oncomplete = ok; tx.onerror = () => ko(tx.error); });
    db.close();
  }, { file, bt2: ids.bt2 });
  assert.ok((await idbNames(blank)).includes('atf-results'));
  await blank.close();

  const app = await openSite(context, server.url);
  const got = await everything(app, ids);
  assert.deepEqual(got.bt, want.bt);
  assert.deepEqual(got.opt, want.opt);
  assert.equal(got.opt.result.trials.length, 12);
  assert.deepEqual(got.runs, want.runs);
  // Migration 004 ran on the moved data: the list's best trial (kept on the run's row) is the report's.
  assert.ok(got.bestInList && got.bestInList.index === got.opt.result.best.index, JSON.stringify(got.bestInList));
  assert.deepEqual(got.bestInList, want.bestInList);
  assert.equal(got.text, want.text);
  assert.deepEqual(got.scripts, [[ids.script, 'renamed in the journal', 1]]);
  // The journal's Running run went through the interrupted-run rules on this start.
  assert.equal(got.bt2.status, 'Failed');
  assert.match(got.bt2.errorMessage, /^interrupted/);
  const names = await idbNames(app);
  assert.ok(!names.includes('atf-results'), `the old copy is gone: ${names}`);
  assert.ok(names.includes('atf-results-pages'));
  // A second start reads the page store alone, and finds the same.
  await app.reload();
  await app.waitForFunction(() => window.atf);
  assert.deepEqual((await everything(app, ids)).opt, want.opt);
  await context.close();
});

test('export is a standard SQLite file that imports into an empty browser identically; a write after import persists', async () => {
  const source = await browser.newContext();
  const page = await openSite(source, server.url);
  const ids = await makeRuns(page);
  const want = await everything(page, ids);
  const file = await page.evaluate(async () => Array.from(await window.atf.database.exportFile()));
  await source.close();
  // Standard: Node's own SQLite (sql.js) opens it and finds every row.
  const SQL = await (await import('sql.js')).default();
  const db = new SQL.Database(new Uint8Array(file));
  assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
  assert.deepEqual(db.exec('SELECT COUNT(*) FROM optimization_trials')[0].values, [[12]]);
  assert.deepEqual(db.exec('SELECT COUNT(*) FROM backtest_runs')[0].values, [[2]]);
  assert.deepEqual(db.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0].values, [['4']]);
  // The runs list reads its covering index, not the rows (migration 004).
  const plan = db.exec("EXPLAIN QUERY PLAN SELECT id, dataset_id, strategy, request, status, total_bars, processed_bars, created_at, started_at, finished_at, final_equity, metrics, error_message, error_stack_trace FROM backtest_runs ORDER BY created_at DESC")[0].values.map((r) => r.at(-1)).join(' ');
  assert.match(plan, /USING COVERING INDEX backtest_runs_list/);
  db.close();

  const context = await browser.newContext();
  const app = await openSite(context, server.url);
  const status = await app.evaluate(async (file) => {
    await window.atf.database.importFile(new Uint8Array(file));
    return window.atf.database.status?.() ?? null;
  }, file);
  const got = await everything(app, ids);
  assert.deepEqual(got.bt, want.bt);
  assert.deepEqual(got.opt, want.opt);
  assert.deepEqual(got.runs, want.runs);
  if (status) assert.ok(status.bytes >= 65536 && status.bytes % 65536 === 0, `status bytes ${status.bytes}`);
  await app.evaluate(() => window.atf.scripts.create('after import', 'x'));
  await app.reload();
  await app.waitForFunction(() => window.atf);
  const after = await everything(app, ids);
  assert.deepEqual(after.opt, want.opt);
  assert.deepEqual(after.scripts.map((s) => s[1]).sort(), ['after import', 'legacy script']);
  await context.close();
});

test('an import with a damaged page is refused naming the damage; the page store keeps its data across a reload', async () => {
  const context = await browser.newContext();
  const page = await openSite(context, server.url);
  const ids = await makeRuns(page);
  const want = await everything(page, ids);
  const out = await page.evaluate(async () => {
    const bytes = await window.atf.database.exportFile();
    const pageSize = (bytes[16] << 8) | bytes[17];
    const damaged = bytes.slice();
    // Page 2 is a b-tree page of the schema's tables: an invalid page type makes it unreadable.
    damaged.fill(0xff, pageSize, pageSize + 8);
    try {
      await window.atf.database.importFile(damaged);
      return 'accepted';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  assert.match(out, /^ImportRejectedError: The file is damaged or truncated \(.+\)\.$/);
  await page.reload();
  await page.waitForFunction(() => window.atf);
  assert.deepEqual(await everything(page, ids), want);
  await context.close();
});

test('a write past the storage quota is refused naming the quota; the store goes on and keeps what it had', async () => {
  const context = await browser.newContext();
  // A real QuotaExceededError: the origin's quota set before the site opens its database (as in
  // faults.test.mjs): room for the service worker's precache (~8 MB) and small writes.
  const page = await context.newPage();
  await page.goto(`${server.url}no-such-page`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 10 * 1024 * 1024 });
  await page.goto(server.url);
  await page.waitForFunction(() => window.atf || window.atfError);
  const out = await page.evaluate(async () => {
    const kept = await window.atf.scripts.create('small', 'kept');
    // 8 MB that does not compress (IndexedDB compresses what it stores).
    const big = Array.from({ length: 8e5 }, () => Math.random().toString(36).slice(2, 12)).join('');
    let refused = 'accepted';
    try {
      await window.atf.scripts.create('too big', big);
    } catch (e) {
      refused = `${e.name}: ${e.message}`;
    }
    await window.atf.scripts.create('after', 'written after the refusal');
    return { kept: kept.id, refused, names: (await window.atf.scripts.list()).map((s) => s.name).sort() };
  });
  assert.match(out.refused, /^StorageError: The browser refused to store more data \(storage quota exceeded\)\. .*results saved before are intact\.$/);
  assert.deepEqual(out.names, ['after', 'small']);
  await page.reload();
  await page.waitForFunction(() => window.atf);
  assert.deepEqual(await page.evaluate(async () => (await window.atf.scripts.list()).map((s) => s.name).sort()), ['after', 'small']);
  assert.equal(await page.evaluate((id) => window.atf.scripts.open(id).then((d) => d.text), out.kept), 'kept');
  await context.close();
});
