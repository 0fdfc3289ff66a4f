// Issue 13's walk-through defects, each fixed with an assertion here: one browser, one page
// (cross-origin isolated, with storage), small runs on the bundled samples, in order. The page is
// resized to a phone at the end. Screenshots of every changed screen at 1440×900 and 390×844,
// light and dark, go to artifacts/screenshots/walkthrough-* (or ATF_SHOTS_DIR).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const SHOTS = process.env.ATF_SHOTS_DIR ?? fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const NVDA = 'NVDA-1d-1999-2014.csv';

describe('issue 13 walk-through', () => {
  let server;
  let browser;
  let page;
  const consoleLines = [];
  let width = 1440;

  /** The screen now, light and dark. */
  async function shoot(name) {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(60);
      await page.screenshot({ path: `${SHOTS}/walkthrough-${width}-${name}-${scheme}.png` });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** Waits until a run submitted through the API has ended; its status. */
  const settle = (id, kind) =>
    page.evaluate(
      async ([i, k]) => {
        for (;;) {
          const s = k === 'backtest' ? await window.atf.getBacktestStatus(i) : await window.atf.getOptimizationStatus(i);
          if (s.status !== 'Pending' && s.status !== 'Running') return s;
          await new Promise((ok) => setTimeout(ok, 20));
        }
      },
      [id, kind],
    );

  async function newRun() {
    await page.click('nav.top a[data-nav="runs"]');
    const back = page.locator('#progress button:has-text("New run")');
    if (await back.count()) await back.click();
    await page.waitForSelector('#nr-submit');
  }

  before(async () => {
    server = await startServer({ isolated: true });
    browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await openSite(ctx, server.url, { consoleSink: consoleLines });
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('D12 first visit: what the app is, the mode in plain words, Run above the fold', async () => {
    assert.equal(await page.isVisible('#intro'), true);
    assert.match(await page.textContent('#intro'), /trading strategies .* in your browser/);
    const chip = await page.textContent('#mode');
    assert.equal(chip, 'Full speed');
    assert.match(await page.getAttribute('#mode', 'title'), /cross-origin isolated/);
    assert.equal(await page.isVisible('#mode-details'), false);
    await page.click('#mode');
    assert.match(await page.textContent('#mode-details'), /Progress counters update live and Cancel stops a run at once/);
    assert.equal(await page.getAttribute('#mode', 'aria-expanded'), 'true');
    // "Run backtest" is on screen without scrolling at 1440×900.
    const box = await page.locator('#nr-submit').boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 900, `Run backtest at ${JSON.stringify(box)}`);
    await shoot('first-visit');
    await page.click('#mode');
    assert.equal(await page.isVisible('#mode-details'), false);
  });

  test('D2 the default grid is valid; D9 both counters of a run agree', async () => {
    await page.click('#nr-tab-optimization');
    await page.selectOption('#nr-dataset', NVDA);
    assert.equal(await page.inputValue('#nr-strategy'), 'sma_cross');
    const fastMax = Number(await page.inputValue('#ax-fast-max'));
    const slowMin = Number(await page.inputValue('#ax-slow-min'));
    assert.ok(fastMax < slowMin, `default axes overlap: fast ≤ ${fastMax}, slow ≥ ${slowMin}`);
    // Slowed so that the counters can be compared while it runs.
    await page.evaluate(() => (window.atfUiDebug = { delayMsPerProgress: 20 }));
    await page.click('#nr-submit');
    await page.evaluate(() => (window.atfUiDebug = undefined));
    await page.waitForSelector('[data-testid="live-trials"]');
    const samples = await page.evaluate(async () => {
      const out = [];
      const num = (re, text) => Number((re.exec(text ?? '')?.[1] ?? 'NaN').replace(/,/g, ''));
      for (let i = 0; i < 400 && out.length < 12; i++) {
        await new Promise((ok) => setTimeout(ok, 25));
        const side = document.getElementById('progress-text')?.textContent;
        const live = document.querySelector('[data-testid="live-trials"]')?.textContent;
        const a = num(/^([\d,]+) \//, side);
        const b = num(/In flight: ([\d,]+) of/, live);
        if (Number.isFinite(a) && Number.isFinite(b) && a > 0) out.push([a, b]);
        if (!document.querySelector('[data-testid="live-trials"]')) break;
      }
      return out;
    });
    assert.ok(samples.length >= 3, `too few samples while it ran: ${JSON.stringify(samples)}`);
    for (const [a, b] of samples) assert.equal(a, b, `the side panel says ${a}, the report ${b}: ${JSON.stringify(samples)}`);
    await page.waitForSelector('article.report[data-kind="optimization"] [data-testid="trials-table"]', { timeout: 60000 });
    // (The Results tab's heatmap: the Robustness tab has heatmaps of its own.)
    assert.equal(await page.getAttribute('#opt-panel-results [data-testid="heatmap"]', 'data-skipped-cells'), '0');
    assert.match(await page.textContent('[data-testid="opt-summary"] [data-metric="skipped"]'), /Skipped\s*0/);
    assert.match(await page.textContent('[data-testid="opt-summary"] [data-metric="failed"]'), /Failed\s*0/);
  });

  let optId;
  test('D2 combinations the constraint refuses are skipped, neutral, and say why; D3 the filter takes the shown names', async () => {
    const sub = await page.evaluate(
      (ds) => window.atf.submitOptimization({ dataset: ds, strategy: 'sma_cross', axes: [{ name: 'fast', values: [10, 40] }, { name: 'slow', values: [20, 50] }] }),
      NVDA,
    );
    optId = sub.id;
    await settle(optId, 'optimization');
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), optId);
    await page.waitForSelector(`article.report[data-run="${optId}"] [data-testid="trials-table"]`);
    const hm = page.locator('#opt-panel-results [data-testid="heatmap"]');
    await page.waitForSelector('#opt-panel-results [data-testid="heatmap"][data-cells="4"]');
    assert.equal(await hm.getAttribute('data-skipped-cells'), '1');
    assert.equal(await hm.getAttribute('data-failed-cells'), '0');
    assert.match(await page.textContent('.heatmap-legend'), /skipped by the strategy's constraint/);
    assert.doesNotMatch(await page.textContent('.heatmap-legend'), /failed/);
    assert.match(await page.textContent('[data-testid="opt-summary"] [data-metric="skipped"]'), /Skipped\s*1/);
    assert.match(await page.textContent('[data-testid="opt-summary"] [data-metric="failed"]'), /Failed\s*0/);
    assert.equal(await page.locator('[data-testid="trials-table"] tr.trial-failed').count(), 0);
    assert.equal(await page.locator('[data-testid="trials-table"] tr.trial-skipped').count(), 1);
    // fast = 40 (x index 1), slow = 20 (y index 0, the bottom row) is the refused cell.
    const size = await hm.evaluate((c) => ({ w: c.clientWidth, h: c.clientHeight }));
    const cw = (size.w - 64) / 2;
    const ch = (size.h - 42) / 2;
    const at = { x: 56 + 1.5 * cw, y: 8 + 1.5 * ch };
    await hm.hover({ position: at });
    const why = "skipped by the strategy's constraint: fast (40) must be less than slow (20)";
    // The exact reason is the trial's own, read from storage when the cell is first hovered.
    await page.waitForFunction((t) => document.querySelector('.heatmap-tip')?.textContent === t, `fast=40, slow=20: no result, ${why}`, { timeout: 5000 }).catch(() => undefined);
    assert.equal(await page.textContent('.heatmap-tip'), `fast=40, slow=20: no result, ${why}`);
    await hm.click({ position: at });
    await page.waitForSelector('[data-testid="picked-trial"] [data-testid="trial-skipped"]');
    assert.match(await page.textContent('[data-testid="picked-trial"]'), /Skipped by the strategy's constraint: fast \(40\) must be less than slow \(20\)/);
    assert.equal(await page.locator('[data-testid="picked-trial"] .error-panel').count(), 0);
    await shoot('skipped-cell');

    // D3: labels as the headers show them, keys, and label-style keys; unknown names list the known.
    const rows = () => page.$$eval('[data-testid="trials-table"] tbody tr[data-key]', (t) => t.length);
    for (const [text, n] of [['Sharpe > -100', 3], ['win_rate > 0', 3], ['Win rate > 0', 3], ['win_rate_pct >= 0', 3], ['Max drawdown < 1000, fast = 10', 2], ['fast > 10 and Sharpe > -100', 1]]) {
      await page.fill('#trials-filter', text);
      assert.equal(await page.textContent('#trials-filter-error'), '', `"${text}" was refused`);
      // The filtered page comes from SQL (queryTrials): wait for it.
      await page.waitForFunction((k) => document.querySelectorAll('[data-testid="trials-table"] tbody tr[data-key]').length === k, n, { timeout: 5000 }).catch(() => undefined);
      assert.equal(await rows(), n, `"${text}" keeps ${n} rows`);
    }
    await page.fill('#trials-filter', 'nonsense > 1');
    assert.equal(await page.textContent('#trials-filter-error'), 'unknown name "nonsense": use one of the names listed under the filter');
    // The names it knows open under it: keys with the labels the columns show.
    assert.equal(await page.getAttribute('#trials-filter-names', 'open'), '');
    assert.match(await page.textContent('#trials-filter-names .names'), /^fast · slow · net_profit Net profit · .*win_rate_pct Win rate/);
    // The placeholder fits its field.
    const fit = await page.evaluate(() => {
      const i = document.getElementById('trials-filter');
      const cs = getComputedStyle(i);
      const g = document.createElement('canvas').getContext('2d');
      g.font = `${cs.fontSize} ${cs.fontFamily}`;
      const inner = i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return { text: g.measureText(i.placeholder).width, inner };
    });
    assert.ok(fit.text <= fit.inner, `placeholder ${fit.text} px in ${fit.inner} px`);
    await shoot('trial-filter');
    await page.fill('#trials-filter', '');
  });

  let trialBacktest;
  test('D7 a trial re-run names its parameters and optimization; Back keeps the panel and the report on one run', async () => {
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), optId);
    await page.waitForSelector(`article.report[data-run="${optId}"] [data-testid="trials-table"]`);
    await page.fill('#trials-filter', 'fast = 10, slow = 20');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials-table"] tbody tr[data-key]').length === 1);
    await page.click('[data-testid="trials-table"] tbody tr[data-key]');
    await page.click('[data-testid="picked-trial"] button:has-text("Open full backtest report")');
    await page.waitForSelector('article.report[data-kind="backtest"] [data-testid="trial-origin"]');
    trialBacktest = await page.getAttribute('article.report[data-kind="backtest"]', 'data-run');
    assert.match(await page.textContent('#report-title'), /sma_cross \(fast=10, slow=20\) on NVDA/);
    const origin = await page.textContent('[data-testid="trial-origin"]');
    assert.match(origin, new RegExp(`Trial #\\d+ \\(fast=10, slow=20\\) of optimization ${optId.slice(0, 8)}`));
    assert.equal(await page.getAttribute('[data-testid="trial-origin"] a', 'href'), `#/run/optimization/${optId}`);
    await shoot('trial-origin');
    // Back: the optimization's report, and no other run's progress in the panel.
    await page.goBack();
    await page.waitForSelector(`article.report[data-run="${optId}"]`);
    await page.waitForFunction((id) => {
      const p = document.getElementById('progress');
      return !p || p.dataset.run === id;
    }, optId);
    await page.goForward();
    await page.waitForSelector(`article.report[data-run="${trialBacktest}"]`);
    await page.click('[data-testid="trial-origin"] a:has-text("Back to the optimization")');
    await page.waitForSelector(`article.report[data-run="${optId}"]`);
  });

  test('D1 a position open at the end: table row, chart marker, realized vs unrealized; D10 chart axes; D8 one duration', async () => {
    await newRun();
    await page.click('#nr-tab-backtest');
    await page.selectOption('#nr-dataset', NVDA);
    await page.selectOption('#nr-strategy', 'ema_cross'); // ends long on NVDA
    await page.click('#nr-submit');
    const report = 'article.report[data-kind="backtest"]:has(h2:has-text("ema_cross"))';
    await page.waitForSelector(`${report} [data-testid="metric-cards"]`, { timeout: 30000 });
    const id = await page.getAttribute(report, 'data-run');
    // The open trade: a row marked open, its P&L unrealized.
    const open = page.locator('[data-testid="trades-table"] tr.trade-open');
    await open.waitFor();
    assert.match(await open.textContent(), /open.*unrealized/i);
    // Net profit says what it is made of.
    assert.match(await page.textContent('[data-metric="net_profit"] .card-note'), /^realized [\d,.-]+ \+ unrealized 80,942\.28 \(open position\)$/);
    // Settings: in words, not JSON.
    const settings = await page.textContent('dl.settings');
    assert.doesNotMatch(settings, /\{"|unrealized_pnl/);
    assert.match(settings, /Open positionlong 62,746 since 2014-10-30 at 18\.76(00)?; unrealized P&L 80,942\.28/);
    // The chart has the open position's markers.
    await page.waitForFunction(() => document.querySelector('article.report figure.chart .chart-host')?.atfChart);
    assert.equal(await page.getAttribute('article.report figure.chart .chart-host', 'data-open-markers'), '1');
    const axes = await page.evaluate(() => {
      const [price, equity] = [...document.querySelectorAll('article.report figure.chart .chart-host')].map((x) => x.atfChart);
      const [eq] = equity.panes()[0].getSeries();
      const [dd] = equity.panes()[1].getSeries();
      return {
        equity: eq.priceFormatter().format(4000000),
        ddLabel: dd.options().lastValueVisible,
        ddText: dd.priceFormatter().format(-12.34),
        mode: price.priceScale('right').options().mode,
        from: price.panes()[0].getSeries()[0].coordinateToPrice(price.panes()[0].getHeight() - 1),
      };
    });
    assert.equal(axes.equity, '4,000,000');
    assert.equal(axes.ddLabel, false);
    assert.equal(axes.ddText, '-12.3%');
    assert.equal(axes.mode, 1, 'a price series from 0.3 to 50 gets a logarithmic scale');
    assert.ok(axes.from > 0, `the price axis reaches ${axes.from} at its bottom`);
    // OHLC of the bar under the cursor; a picked trade brings the charts to it.
    const legend = () => page.textContent('[data-testid="chart-legend"]');
    const lastBar = await legend();
    const host = page.locator('article.report figure.chart .chart-host').first();
    const hb = await host.boundingBox();
    await page.mouse.move(hb.x + hb.width * 0.3, hb.y + hb.height / 2);
    await page.waitForFunction((t) => document.querySelector('[data-testid="chart-legend"]')?.textContent !== t, lastBar);
    assert.match(await legend(), /^\d{4}-\d\d-\d\dO [\d.,]+H [\d.,]+L [\d.,]+C [\d.,]+/);
    await page.mouse.move(0, 0);
    await shoot('open-position');
    await page.locator('article.report figure.chart').nth(1).scrollIntoViewIfNeeded();
    await shoot('equity');
    const range = () => page.evaluate(() => document.querySelector('article.report figure.chart .chart-host').atfChart.timeScale().getVisibleRange());
    const before = await range();
    await page.click('[data-testid="trades-table"] tbody tr[data-key="3"]');
    await page.waitForFunction((b) => JSON.stringify(document.querySelector('article.report figure.chart .chart-host').atfChart.timeScale().getVisibleRange()) !== b, JSON.stringify(before));
    const after3 = await range();
    assert.ok(after3.to - after3.from < before.to - before.from, 'the chart zoomed to the trade');
    await shoot('trade-picked');
    await page.locator('[data-testid="trades-table"] tr.trade-open').scrollIntoViewIfNeeded();
    await shoot('open-trade-row');

    // D8: one definition of a run's duration (finishedAt − startedAt), one figure everywhere.
    const run = await page.evaluate((i) => window.atf.getBacktestRun(i), id);
    const ms = run.finishedAt - run.startedAt;
    const text = ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
    assert.equal(await page.textContent('#progress .outcome .notice'), `Completed in ${text}.`);
    assert.equal(await page.textContent('#progress-elapsed'), text);
    assert.match(settings, new RegExp(`Duration${text}`));
    await page.click('nav.top a[data-nav="runs"]');
    await page.waitForSelector(`[data-testid="runs-table"] tr[data-key="${id}"] .run-duration`);
    assert.equal(await page.textContent(`[data-testid="runs-table"] tr[data-key="${id}"] .run-duration`), text);
  });

  test('D5 a cancelled optimization resumes from the runs list; only the missing combinations run', async () => {
    const { id, total } = await page.evaluate(async (ds) => {
      const r = await window.atf.submitOptimization({
        dataset: ds,
        strategy: 'sma_cross',
        axes: [{ name: 'fast', min: 2, max: 16, step: 2 }, { name: 'slow', min: 20, max: 60, step: 10 }],
        _debug: { delayMsPerProgress: 20 },
      });
      for (;;) {
        const s = await window.atf.getOptimizationStatus(r.id);
        if (s.completedCombinations >= 3) break;
        await new Promise((ok) => setTimeout(ok, 5));
      }
      await window.atf.cancelOptimization(r.id);
      return { id: r.id, total: r.totalCombinations };
    }, NVDA);
    const cancelled = await settle(id, 'optimization');
    assert.equal(cancelled.status, 'Cancelled');
    const kept = cancelled.result.trials.map((t) => t.index);
    assert.ok(kept.length > 0 && kept.length < total, `kept ${kept.length} of ${total}`);
    await page.click('nav.top a[data-nav="runs"]');
    const resume = page.locator(`[data-testid="runs-table"] tr[data-key="${id}"] [data-testid="resume"]`);
    await resume.waitFor();
    await shoot('resume');
    // The report offers it too.
    await page.click(`[data-testid="runs-table"] tr[data-key="${id}"] button:has-text("Open")`);
    await page.waitForSelector(`article.report[data-run="${id}"] .resume-box [data-testid="resume"]`);
    assert.match(await page.textContent('.resume-box'), new RegExp(`${total - kept.length} combinations have not run`));
    await page.click('nav.top a[data-nav="runs"]');
    await resume.click();
    await page.waitForSelector(`article.report[data-run="${id}"] [data-testid="trials-table"]`, { timeout: 60000 });
    const done = await settle(id, 'optimization');
    assert.equal(done.status, 'Completed');
    assert.equal(done.result.trials.length, total);
    assert.equal(new Set(done.result.trials.map((t) => t.index)).size, total);
    // The resumed run started with the kept trials already counted: only the others ran.
    const started = await page.evaluate((i) => window.atf.logEntries(i).filter((r) => r.event === 'started').map((r) => r.counts), id);
    assert.equal(started.length, 2, JSON.stringify(started));
    assert.equal(started[1].completed + started[1].failed, kept.length, JSON.stringify(started));
    for (const t of cancelled.result.trials) {
      assert.deepEqual(done.result.trials.find((x) => x.index === t.index)?.metrics, t.metrics, `trial ${t.index} was kept as it was`);
    }
    // Completed now: the list no longer offers Resume.
    await page.click('nav.top a[data-nav="runs"]');
    await page.waitForSelector(`[data-testid="runs-table"] tr[data-key="${id}"].status-completed`);
    await page.waitForFunction((i) => !document.querySelector(`[data-testid="runs-table"] tr[data-key="${i}"] [data-testid="resume"]`), id);
  });

  test('D4 CSV import: the preview scrolls inside the panel, columns only once accepted, Adj Close offered', async () => {
    await newRun();
    await page.click('#nr-tab-backtest');
    const rows = [];
    for (let d = 1; d <= 28; d++) {
      const c = 10 + d / 10;
      rows.push(`2020-02-${String(d).padStart(2, '0')},${c - 0.1},${c + 0.5},${c - 0.5},${c},${(c / 2).toFixed(4)},123456789,SOME-LONG-EXCHANGE-CODE,another-long-column-value`);
    }
    const csv = `Date,Open,High,Low,Close,Adj Close,Volume,Exchange Identifier,Comment Column\n${rows.join('\n')}\n`;
    await page.setInputFiles('#nr-csv', { name: 'yahoo.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForSelector('.csv-verdict.ok-text');
    const layout = await page.evaluate(() => {
      const side = document.getElementById('side');
      const box = document.querySelector('.csv-preview .csv-table');
      const run = document.getElementById('nr-submit').getBoundingClientRect();
      const s = side.getBoundingClientRect();
      return { sideScroll: side.scrollWidth - side.clientWidth, boxScroll: box.scrollWidth > box.clientWidth, boxRight: box.getBoundingClientRect().right, sideRight: s.right, runRight: run.right };
    });
    assert.equal(layout.sideScroll, 0, 'the side panel scrolls sideways');
    assert.ok(layout.boxScroll, 'the preview scrolls inside its box');
    assert.ok(layout.boxRight <= layout.sideRight && layout.runRight <= layout.sideRight, JSON.stringify(layout));
    assert.equal(await page.textContent('.csv-columns'), 'Columns: time ← Date, open ← Open, high ← High, low ← Low, close ← Close, volume ← Volume.');
    assert.equal(await page.inputValue('#nr-dataset'), 'yahoo.csv');
    await shoot('csv-adj-close');
    await page.selectOption('#nr-price-basis', 'adj');
    await page.waitForFunction(() => document.getElementById('nr-dataset').value === 'yahoo (adj close).csv');
    await page.waitForSelector('.csv-verdict.ok-text:has-text("yahoo (adj close).csv")');
    const adj = await page.evaluate(() => window.atf.datasetCsv('yahoo (adj close).csv'));
    assert.match(adj.split('\n')[0], /^Date,Open,High,Low,Close,Volume,/);
    assert.equal(adj.split('\n')[1].split(',')[4], '5.05');
    assert.equal(await page.isVisible('#nr-price-basis'), true);
    await page.selectOption('#nr-price-basis', 'close');
    assert.equal(await page.inputValue('#nr-dataset'), 'yahoo.csv');

    // A file without a time column: refused, and no "detected columns" next to the error.
    await page.setInputFiles('#nr-csv', { name: 'notime.csv', mimeType: 'text/csv', buffer: Buffer.from('foo,Open,High,Low,Close\nx,1,2,0.5,1.5\ny,1,2,0.5,1.5\n') });
    await page.waitForSelector('.csv-verdict:has-text("was not imported")');
    assert.match(await page.textContent('#err-dataset'), /time/);
    assert.equal(await page.isVisible('.csv-columns'), false);
    await shoot('csv-refused');
    // An empty file: refused, no columns.
    await page.setInputFiles('#nr-csv', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') });
    await page.waitForFunction(() => (document.getElementById('err-dataset')?.textContent ?? '') !== '');
    assert.equal(await page.isVisible('.csv-columns'), false);
    assert.equal(await page.locator('.csv-preview table').count(), 0);
  });

  test('D6 an import asks first, naming what it replaces; a half-done delete does not survive navigation; D12 Log and Data views', async () => {
    // A run through the form saves the imported dataset, so that the Data view can delete it.
    await page.selectOption('#nr-dataset', 'yahoo.csv');
    await page.click('#nr-submit');
    await page.waitForSelector('article.report[data-kind="backtest"]:has-text("yahoo.csv") [data-testid="metric-cards"]');
    // Runs list: Delete, then leave and come back: the confirmation is gone.
    await page.click('nav.top a[data-nav="runs"]');
    const row = page.locator('[data-testid="runs-table"] tbody tr[data-key]:has(button:has-text("Delete"))').first();
    const rid = await row.getAttribute('data-key');
    await row.locator('button:has-text("Delete")').click();
    await page.waitForSelector(`[data-testid="runs-table"] tr[data-key="${rid}"] button:has-text("Confirm delete")`);
    await page.click('nav.top a[data-nav="log"]');
    // D12: the log is a table of time, level, run and message.
    await page.waitForSelector('table#log tbody tr[data-event="submitted"]');
    assert.deepEqual(await page.$$eval('table#log thead th', (ths) => ths.map((t) => t.textContent)), ['Time', 'Level', 'Run', 'Message']);
    const rec = await page.$$eval('table#log tbody tr[data-event="completed"]', (trs) => [...trs[0].cells].map((c) => c.textContent));
    assert.match(rec[0], /^\d\d:\d\d:\d\d$/);
    assert.equal(rec[1], 'info');
    assert.match(rec[2], /^[\w-]{8}$/);
    assert.match(rec[3], /^completed (backtest|optimization), [\d.,]+ (ms|s) after submission · /);
    // A combination the constraint refused is information, not an error.
    const skip = await page.$$eval('table#log tbody tr[data-event="trial_failed"]', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.ok(skip.length > 0 && skip.every((c) => c[1] === 'info' && /skipped by the strategy's constraint: fast \(40\) must be less than slow \(20\)/.test(c[3])), JSON.stringify(skip));
    assert.doesNotMatch(await page.textContent('table#log'), /\{"/);
    await shoot('log');
    await page.click('nav.top a[data-nav="runs"]');
    await page.waitForSelector(`[data-testid="runs-table"] tr[data-key="${rid}"]`);
    assert.equal(await page.locator(`[data-testid="runs-table"] tr[data-key="${rid}"] button:has-text("Confirm delete")`).count(), 0);

    // D12: the Data view lists the datasets.
    await page.click('nav.top a[data-nav="data"]');
    await page.waitForSelector('[data-testid="datasets-table"] tr[data-key="yahoo.csv"]');
    const nvda = await page.$$eval(`[data-testid="datasets-table"] tr[data-key="${NVDA}"] td`, (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(nvda.slice(0, 5), [NVDA, 'bundled sample', '4,012', '1999-01-22', '2014-12-31']);
    assert.match(nvda[5], /^\d+ KB$/);
    assert.equal(await page.locator(`[data-testid="datasets-table"] tr[data-key="${NVDA}"] button`).count(), 0, 'samples cannot be deleted');
    await shoot('data');
    await page.click('[data-testid="datasets-table"] tr[data-key="yahoo.csv"] button:has-text("Delete")');
    await page.click('[data-testid="datasets-table"] tr[data-key="yahoo.csv"] button:has-text("Confirm delete")');
    await page.waitForSelector('[data-testid="datasets-table"] tr[data-key="yahoo.csv"]', { state: 'detached' });
    assert.equal(await page.evaluate(() => window.atf.listDatasets().some((d) => d.name === 'yahoo.csv')), false);

    // D6: an import that would replace runs asks first and says what it replaces.
    const runs = await page.evaluate(() => window.atf.listRuns());
    const bt = runs.filter((r) => r.kind === 'backtest').length;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#db-export')]);
    const file = readFileSync(await download.path());
    await page.setInputFiles('#db-import-file', { name: 'copy.sqlite', mimeType: 'application/x-sqlite3', buffer: file });
    await page.click('#db-import');
    await page.waitForSelector('#db-import-confirm-box:not([hidden])');
    assert.equal(
      await page.textContent('#db-import-question'),
      `Importing copy.sqlite replaces the ${bt} backtests and ${runs.length - bt} optimizations in this browser (${runs.length} runs) with the runs in the file. Export the database first to keep a copy.`,
    );
    await shoot('import-confirm');
    await page.click('#db-import-cancel');
    assert.equal(await page.textContent('#data-message'), 'Nothing was imported.');
    await page.click('#db-import');
    await page.click('#db-import-confirm');
    await page.waitForFunction(() => document.getElementById('data-message')?.textContent === 'Imported copy.sqlite.');
    assert.equal((await page.evaluate(() => window.atf.listRuns())).length, runs.length);
  });

  test('D11 at 390 px a report opens in view, tables scroll inside their card', async () => {
    width = 390;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('nav.top a[data-nav="runs"]');
    await newRun();
    await shoot('new-run');
    await page.click('nav.top a[data-nav="runs"]');
    await page.waitForSelector('[data-testid="runs-table"] tbody tr[data-key]');
    await page.locator('[data-testid="runs-table"]').scrollIntoViewIfNeeded();
    await shoot('runs');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(await overflow(), 0);
    const runsBox = await page.evaluate(() => {
      const box = document.querySelector('.dashboard .scroll-x');
      const r = box.getBoundingClientRect();
      return { right: r.right, scrolls: box.scrollWidth > box.clientWidth };
    });
    assert.ok(runsBox.right <= 390 && runsBox.scrolls, JSON.stringify(runsBox));
    // Open the ema_cross report from the list: it is on screen, the form folded above it.
    await page.click('[data-testid="runs-table"] tbody tr[data-key]:has-text("ema_cross"):has-text("NVDA") button:has-text("Open")');
    await page.waitForSelector('article.report [data-testid="metric-cards"]');
    const title = await page.evaluate(() => document.getElementById('report-title').getBoundingClientRect().top);
    assert.ok(title >= 0 && title < 300, `the report's title is at ${title} px`);
    assert.equal(await page.isVisible('#side-unfold'), true);
    await shoot('report');
    assert.equal(await overflow(), 0);
    const trades = await page.evaluate(() => {
      const box = document.querySelector('[data-testid="trades-table"]').closest('.table-box');
      const r = box.getBoundingClientRect();
      return { right: r.right, scrolls: box.scrollWidth > box.clientWidth };
    });
    assert.ok(trades.right <= 390 && trades.scrolls, JSON.stringify(trades));
    await page.locator('[data-testid="trades-table"]').scrollIntoViewIfNeeded();
    await shoot('trades');
    await page.click('#side-unfold');
    await page.waitForSelector('#side #nr-submit');
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), optId);
    await page.waitForSelector(`article.report[data-run="${optId}"] [data-testid="heatmap"]`);
    await shoot('optimization');
    for (const view of ['log', 'data']) {
      await page.click(`nav.top a[data-nav="${view}"]`);
      await page.waitForTimeout(100);
      assert.equal(await overflow(), 0, `${view} scrolls sideways`);
      await shoot(view);
    }
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
  });
});
