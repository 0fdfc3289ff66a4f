// UI tests (issue 5): the built site in headless Chromium, driven through its controls like a
// user (clicks, keyboard, file input); nothing is mocked. Each flow saves a screenshot into
// artifacts/screenshots/ (repo root). Runs served with COOP/COEP (shared memory) and without
// (message fallback) for the flows that differ between the modes.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const NVDA = 'NVDA-1d-1999-2014.csv';

for (const isolated of [true, false]) {
  const mode = isolated ? 'shared' : 'fallback';
  describe(`UI, served ${isolated ? 'with' : 'without'} COOP/COEP`, () => {
    let server;
    let browser;
    let page;
    const consoleLines = [];
    const shot = (name) => page.screenshot({ path: `${SHOTS}${mode}-${name}.png`, fullPage: false });

    before(async () => {
      server = await startServer({ isolated });
      browser = await launch();
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // openSite takes a browser; a context has the same newPage().
      page = await openSite(ctx, isolated ? server.url : `${server.url}?nosw`, { consoleSink: consoleLines });
      await page.waitForSelector('body[data-ready="true"]');
      await page.evaluate(() => window.atf.addSyntheticDataset('synthetic-100k', 100_000, 7));
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    /** Back to the new-run form (the progress view has a "New run" button). */
    async function newRun() {
      const back = page.locator('#progress button:has-text("New run")');
      if (await back.count()) await back.click();
      await page.waitForSelector('#nr-submit');
    }

    test('a backtest: progress changes, then the report opens with metric cards and charts', async () => {
      await newRun();
      await page.click('#nr-tab-backtest');
      // The dataset added through the API appears when the list gets focus.
      await page.focus('#nr-dataset');
      await page.selectOption('#nr-dataset', 'synthetic-100k');
      await page.selectOption('#nr-strategy', 'sma_cross');
      // Test hook: a pause in each progress callback makes the run last long enough to watch.
      await page.evaluate(() => (window.atfUiDebug = { delayMsPerProgress: 30 }));
      // Record every text the progress line shows.
      await page.evaluate(() => {
        window.seen = [];
        new MutationObserver(() => {
          const t = document.getElementById('progress-text')?.textContent;
          if (t && window.seen.at(-1) !== t) window.seen.push(t);
        }).observe(document.getElementById('side'), { subtree: true, childList: true, characterData: true });
      });
      await page.click('#nr-submit');
      await page.waitForSelector('#progress');
      await page.waitForFunction(() => {
        const m = /Processed ([\d,]+) \/ 100,000 bars/.exec(document.getElementById('progress-text')?.textContent ?? '');
        return m && Number(m[1].replace(/,/g, '')) > 0 && Number(m[1].replace(/,/g, '')) < 100000;
      });
      await shot('backtest-progress');
      await page.waitForSelector('article.report[data-kind="backtest"]', { timeout: 30000 });
      await page.evaluate(() => (window.atfUiDebug = undefined));
      const seen = await page.evaluate(() => window.seen);
      const counts = seen.map((t) => Number(/Processed ([\d,]+)/.exec(t)?.[1].replace(/,/g, '')));
      const intermediate = counts.filter((n) => n > 0 && n < 100000);
      assert.ok(intermediate.length >= 1, `progress texts: ${JSON.stringify(seen)}`);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], `progress went back: ${JSON.stringify(seen)}`);
      assert.equal(await page.textContent('#progress-status'), 'Completed');
      assert.match(await page.textContent('#progress-text'), /Processed 100,000 \/ 100,000 bars/);

      // A run on a bundled sample: the report has the price chart with trade markers too.
      await newRun();
      await page.selectOption('#nr-dataset', NVDA);
      await page.fill('#b-commission_pct', '0.1');
      await page.click('#nr-submit');
      await page.waitForSelector(`article.report[data-kind="backtest"]:has-text("${NVDA}")`);
      await page.waitForFunction(() => document.querySelectorAll('article.report .chart-host canvas').length >= 2);
      const r = await page.evaluate(() => ({
        cards: [...document.querySelectorAll('[data-testid="metric-cards"] .card')].map((c) => c.dataset.metric),
        canvases: document.querySelectorAll('article.report .chart-host canvas').length,
        trades: document.querySelectorAll('[data-testid="trades-table"] tbody tr').length,
        charts: document.querySelectorAll('article.report figure.chart').length,
        notice: document.querySelector('article.report .notice')?.textContent ?? '',
      }));
      assert.ok(r.cards.includes('sharpe') && r.cards.includes('max_drawdown_pct') && r.cards.length >= 12, JSON.stringify(r.cards));
      assert.equal(r.charts, 2, `price chart and equity/drawdown chart (${r.notice})`);
      assert.ok(r.canvases >= 2);
      assert.ok(r.trades > 10);
      await page.waitForTimeout(150);
      await shot('backtest-report');
      await page.locator('article.report figure.chart').nth(1).scrollIntoViewIfNeeded();
      await shot('backtest-report-equity');
      // Sorting the trades table by P&L puts the largest first.
      await page.click('[data-testid="trades-table"] th button:has-text("P&L")');
      const pnl = await page.$$eval('[data-testid="trades-table"] tbody tr td:nth-child(10)', (tds) =>
        tds.slice(0, 5).map((td) => Number(td.textContent.replace(/[^\d.-]/g, ''))),
      );
      for (let i = 1; i < pnl.length; i++) assert.ok(pnl[i] <= pnl[i - 1], `sorted P&L ${pnl}`);
      // The dashboard lists it with its key metrics.
      await page.click('nav.top a[data-nav="runs"]');
      await page.waitForSelector('[data-testid="runs-table"] tbody tr[data-key]');
      const row = await page.textContent('[data-testid="runs-table"] tbody tr[data-key]');
      assert.match(row, /Completed/);
      assert.match(row, /Sharpe/);
    });

    test('an optimization: combination count, counts, heatmap, and a picked trial', async () => {
      await newRun();
      await page.click('#nr-tab-optimization');
      await page.selectOption('#nr-dataset', NVDA);
      await page.selectOption('#nr-strategy', 'sma_cross');
      await page.fill('#ax-fast-min', '4');
      await page.fill('#ax-fast-max', '18');
      await page.fill('#ax-fast-step', '2');
      await page.fill('#ax-slow-min', '20');
      await page.fill('#ax-slow-max', '80');
      await page.fill('#ax-slow-step', '5');
      assert.match(await page.textContent('#nr-combos'), /^104 combinations/);
      await page.click('#nr-submit');
      await page.waitForSelector('#progress');
      // The report opens at once (its heatmap fills in live); the ranked table comes at the end.
      await page.waitForSelector('article.report[data-kind="optimization"] [data-testid="trials-table"]', { timeout: 60000 });
      assert.match(await page.textContent('#progress-text'), /104 \/ 104 combinations \(0 failed\)/);
      await page.waitForSelector('[data-testid="heatmap"][data-cells="104"]');
      // Rows come in pages of 100; "Show 4 more" lays out the rest.
      const rows = await page.$$eval('[data-testid="trials-table"] tbody tr[data-key]', (t) => t.length);
      assert.equal(rows, 100);
      await page.click('[data-testid="trials-table"] button.show-more:has-text("Show 4 more")');
      // The next page comes from SQL (queryTrials).
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials-table"] tbody tr[data-key]').length === 104, null, { timeout: 5000 }).catch(() => undefined);
      assert.equal(await page.$$eval('[data-testid="trials-table"] tbody tr[data-key]', (t) => t.length), 104);
      // Filter the trials by a parameter and a metric.
      await page.fill('#trials-filter', 'fast <= 8, sharpe > 0');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials-table"] tbody tr[data-key]').length < 104);
      const fasts = await page.$$eval('[data-testid="trials-table"] tbody tr[data-key] td:nth-child(3)', (tds) => tds.map((td) => Number(td.textContent)));
      assert.ok(fasts.length > 0 && fasts.every((f) => f <= 8), `filtered fast values ${fasts}`);
      await page.fill('#trials-filter', '');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials-table"] tbody tr[data-key]').length === 100);
      await page.click('[data-testid="trials-table"] tbody tr[data-key]:nth-child(3)');
      await page.waitForSelector('[data-testid="picked-trial"] h3:has-text("Trial #")');
      const picked = await page.textContent('[data-testid="picked-trial"] h3');
      assert.match(picked, /fast=\d+, slow=\d+/);
      await page.hover('[data-testid="heatmap"]', { position: { x: 200, y: 100 } });
      await shot('optimization-report');
      // The dark theme (prefers-color-scheme), charts and heatmap included.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(100);
      await shot('optimization-report-dark');
      await page.emulateMedia({ colorScheme: 'light' });
      // The picked trial re-runs as a full backtest (deterministic) and opens its report.
      const params = picked.split(': ')[1];
      await page.click('[data-testid="picked-trial"] button:has-text("Open full backtest report")');
      await page.waitForSelector('article.report[data-kind="backtest"] [data-testid="metric-cards"]');
      assert.match(await page.textContent('article.report dl.settings'), new RegExp(params.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

    test('cancel a long run from the progress view: Cancelled', async () => {
      await newRun();
      await page.click('#nr-tab-backtest');
      await page.selectOption('#nr-dataset', 'synthetic-100k');
      await page.evaluate(() => (window.atfUiDebug = { delayMsPerProgress: 40 }));
      await page.click('#nr-submit');
      await page.evaluate(() => (window.atfUiDebug = undefined));
      await page.waitForFunction(() => Number(document.getElementById('progress')?.dataset.processed ?? 0) > 0);
      const latency = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const status = document.getElementById('progress-status');
            const t0 = performance.now();
            new MutationObserver((_, obs) => {
              if (status.textContent === 'Cancelled') {
                obs.disconnect();
                resolve(performance.now() - t0);
              }
            }).observe(status, { childList: true, characterData: true, subtree: true });
            document.getElementById('progress-cancel').click();
          }),
      );
      assert.ok(latency < (isolated ? 250 : 1000), `Cancelled shown after ${latency} ms`);
      assert.match(await page.textContent('#progress .outcome'), /Cancelled/);
      const processed = await page.evaluate(() => Number(document.getElementById('progress').dataset.processed));
      assert.ok(processed < 100000);
      await shot('cancelled');
    });

    test('a failing trial is marked and shows its message and stack trace', async () => {
      const id = await page.evaluate(async (ds) => {
        // fault_probe is hidden from the catalog (the form cannot pick it): submitted through the API.
        const r = await window.atf.submitOptimization({
          dataset: ds,
          strategy: 'fault_probe',
          params: { fail_period: 7, fail_at_bar: 100 },
          axes: [{ name: 'period', min: 2, max: 21, step: 1 }],
        });
        for (;;) {
          const s = await window.atf.getOptimizationStatus(r.id);
          if (s.status !== 'Pending' && s.status !== 'Running') return r.id;
          await new Promise((ok) => setTimeout(ok, 10));
        }
      }, NVDA);
      await page.evaluate((id) => (location.hash = `#/run/optimization/${id}`), id);
      await page.waitForSelector(`article.report[data-run="${id}"] tr.trial-failed`);
      assert.match(await page.textContent('[data-testid="opt-summary"]'), /Failed\s*1/);
      await page.click('tr.trial-failed button:has-text("failed")');
      const panel = page.locator('[data-testid="trials-table"] .error-panel');
      await panel.waitFor();
      assert.match(await panel.textContent(), /injected failure for period 7/);
      await panel.locator('summary').click();
      assert.ok((await panel.locator('details.stack pre').textContent()).length > 0, 'the stack trace is shown');
      await page.locator('tr.trial-failed').scrollIntoViewIfNeeded();
      await shot('failed-trial');
    });

    test('a backtest that fails while watched: the progress view and the report show the error and stack', async () => {
      // Opened while running, the report's run is followed in the side panel until it fails.
      const id = await page.evaluate(async () => {
        const r = await window.atf.submitBacktest({
          dataset: 'synthetic-100k',
          strategy: 'fault_probe',
          params: { period: 10, fail_period: 10, fail_at_bar: 40000 },
          _debug: { delayMsPerProgress: 15 },
        });
        location.hash = `#/run/backtest/${r.id}`;
        return r.id;
      });
      await page.waitForSelector(`#progress[data-run="${id}"]`);
      await page.waitForSelector('#progress-status[data-status="Failed"]', { timeout: 30000 });
      const side = page.locator('#progress .error-panel');
      assert.match(await side.textContent(), /injected failure/);
      await side.locator('summary').click();
      assert.ok((await side.locator('details.stack pre').textContent()).length > 0, 'the stack trace is shown');
      const panel = page.locator(`article.report[data-run="${id}"] .error-panel`);
      await panel.waitFor();
      assert.match(await panel.textContent(), /injected failure/);
      await shot('failed-backtest');
    });

    test('a CSV with a bad line shows the line next to the dataset field', async () => {
      await page.click('nav.top a[data-nav="runs"]');
      await newRun();
      await page.click('#nr-tab-backtest');
      const csv = 'Date,Open,High,Low,Close,Volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,2,0.5,1.5,10\n2020-01-03,1,<b>x</b>,0.5,1.5,10\n';
      await page.setInputFiles('#nr-csv', { name: 'bad-line.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.waitForSelector('.csv-preview table');
      // The preview shows file text as text (no markup from the file).
      assert.equal(await page.locator('.csv-preview b').count(), 0);
      // The importer checks every line at once; the refused file is not kept in the list.
      const err = page.locator('#err-dataset');
      await err.waitFor({ state: 'visible' });
      const text = await err.textContent();
      assert.match(text, /line 4/);
      assert.match(text, /column|High|high/i);
      assert.equal(await page.locator('#progress').count(), 0, 'no run was started');
      assert.equal(await page.locator('#nr-dataset option[value="bad-line.csv"]').count(), 0);
      assert.match(await page.textContent('.csv-verdict'), /bad-line\.csv was not imported/);
      await shot('csv-bad-line');
    });

    test('a validation error appears next to the named field', async () => {
      await newRun();
      await page.selectOption('#nr-dataset', NVDA);
      await page.fill('#b-cash', '-5');
      await page.click('#nr-submit');
      await page.locator('#err-broker_cash').waitFor({ state: 'visible' });
      assert.match(await page.textContent('#err-broker_cash'), /cash/);
      assert.equal(await page.getAttribute('#b-cash', 'aria-invalid'), 'true');
      await shot('validation');
      // Editing the field clears its error.
      await page.fill('#b-cash', '100000');
      assert.equal(await page.locator('#err-broker_cash').isVisible(), false);
    });

    test('the dashboard filters by kind and status, and deletes a run', async () => {
      // One run of each kind, so that every filter has something to show.
      await page.evaluate(async (ds) => {
        await window.atf.submitBacktest({ dataset: ds, strategy: 'ema_cross' });
        await window.atf.submitOptimization({ dataset: ds, strategy: 'ema_cross', axes: [{ name: 'fast', values: [5, 8, 12] }] });
      }, NVDA);
      await page.click('nav.top a[data-nav="runs"]');
      await page.waitForSelector('[data-testid="runs-table"] tbody tr[data-key]');
      await page.selectOption('#dash-status', 'Cancelled');
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="runs-table"] tbody tr[data-key]')].every((tr) => tr.classList.contains('status-cancelled')));
      await page.selectOption('#dash-status', '');
      await page.selectOption('#dash-kind', 'optimization');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid="runs-table"] tbody tr[data-key]')];
        return rows.length > 0 && rows.every((tr) => tr.querySelector('.kind')?.textContent === 'optimization');
      });
      await page.selectOption('#dash-kind', '');
      // Delete a finished run (two clicks: Delete, then Confirm delete).
      const row = page.locator('[data-testid="runs-table"] tbody tr[data-key]:has(button:has-text("Delete"))').first();
      const id = await row.getAttribute('data-key');
      await row.locator('button:has-text("Delete")').click();
      await page.locator(`[data-testid="runs-table"] tr[data-key="${id}"] button:has-text("Confirm delete")`).click();
      await page.waitForSelector(`[data-testid="runs-table"] tr[data-key="${id}"]`, { state: 'detached' });
      const listed = await page.evaluate(async () => (await window.atf.listRuns()).map((r) => r.id));
      assert.ok(!listed.includes(id), 'the run is gone from the repository');
      await shot('dashboard');
      // The run log view lists the structured records.
      await page.click('nav.top a[data-nav="log"]');
      await page.waitForSelector('table#log tbody tr[data-event="submitted"]');
      assert.match(await page.textContent('table#log'), /submitted (backtest|optimization)/);
      await page.click('nav.top a[data-nav="runs"]');
    });

    test('the Data view exports the database and refuses a bad import with a clear message', async () => {
      await page.goto(`${server.url}${isolated ? '' : '?nosw'}#/data`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#db-export');
      const storage = await page.locator('.data-status').innerText();
      assert.match(storage, /IndexedDB \(kept after reloads\)/);
      const before = await page.evaluate(async () => (await window.atf.listRuns()).length);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#db-export')]);
      const path = await download.path();
      const { readFileSync } = await import('node:fs');
      assert.equal(readFileSync(path).subarray(0, 15).toString('latin1'), 'SQLite format 3');
      await page.setInputFiles('#db-import-file', { name: 'prices.csv', mimeType: 'text/csv', buffer: Buffer.from('Date,Open\n2020-01-01,1\n') });
      await page.click('#db-import');
      await page.waitForFunction(() => document.getElementById('data-message')?.textContent?.includes('not imported'));
      assert.equal(await page.locator('#data-message').innerText(), 'prices.csv was not imported: This is not a SQLite database file.');
      assert.equal(await page.evaluate(async () => (await window.atf.listRuns()).length), before);  // nothing changed
      await shot('data-view');
      assert.equal(await page.locator('#storage-warning').isHidden(), true);
    });

    test('without storage a banner says results will not be kept', async () => {
      const other = await openSite(await browser.newContext({ viewport: { width: 1280, height: 800 } }), `${server.url}?nostore${isolated ? '' : '&nosw'}`);
      await other.waitForSelector('#storage-warning:not([hidden])');
      assert.equal(
        await other.locator('#storage-warning').innerText(),
        'Results will not be kept after this page closes: storage is turned off for this page.',
      );
      await other.screenshot({ path: `${SHOTS}${mode}-storage-warning.png` });
      await other.context().close();
    });

    test('no uncaught page errors', () => {
      assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
    });
  });
}
