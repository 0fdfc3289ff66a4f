// Issue 5's targets, measured (figures, not assertions) against the built site in headless Chromium:
//   node tests/targets.mjs            (after `npm run build`)
// 1. Cold start: a fresh browser profile opens the page, picks a bundled sample in the new-run
//    panel and runs a backtest; time from navigation start to the report's metric cards.
// 2. A 50 × 50 grid (sma_cross fast 2..51 × slow 60..305/5) over a bundled sample, submitted
//    through the panel: time to Completed, with every engine worker.
// 3. Main-thread tasks over 50 ms while both run (PerformanceObserver 'longtask').
// 4. Compressed size of what the app downloads (gzip -9 of the JS, CSS, HTML and both .wasm).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch } from './browser.mjs';
import { distDir, startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
const out = {};

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}
const app = files(distDir).filter((f) => /\.(js|css|html|wasm)$/.test(f) && !f.endsWith('.map'));
const size = (re) => app.filter((f) => re.test(f)).reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
out.transfer_gzip_kb = {
  js: Math.round(size(/\.js$/) / 1024),
  wasm: Math.round(size(/\.wasm$/) / 1024),
  css_html: Math.round(size(/\.(css|html)$/) / 1024),
  total_js_wasm: Math.round(size(/\.(js|wasm)$/) / 1024),
};

const server = await startServer({ isolated: true });
const browser = await launch();
try {
  const coldRuns = [];
  for (let i = 0; i < 3; i++) {
    // A new context is a fresh profile: empty HTTP cache, no IndexedDB, no compiled Wasm cache.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await page.addInitScript(() => {
      window.__long = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(Math.round(e.duration)))).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${server.url}?db=cold-${i}-${Date.now()}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    const ready = await page.evaluate(() => performance.now());
    await page.selectOption('#nr-dataset', NVDA);
    await page.selectOption('#nr-strategy', 'sma_cross');
    await page.click('#nr-submit');
    await page.waitForSelector('article.report[data-kind="backtest"] [data-testid="metric-cards"]', { timeout: 30000 });
    const done = await page.evaluate(() => performance.now());
    coldRuns.push({ app_ready_ms: Math.round(ready), first_report_ms: Math.round(done), long_tasks_ms: await page.evaluate(() => window.__long) });
    if (i < 2) await ctx.close();
    else out.page = page;
  }
  out.cold_start = coldRuns;

  const page = out.page;
  delete out.page;
  await page.evaluate(() => (window.__long = []));
  await page.click('#progress button:has-text("New run")');
  await page.click('#nr-tab-optimization');
  await page.selectOption('#nr-dataset', NVDA);
  await page.selectOption('#nr-strategy', 'sma_cross');
  for (const [id, v] of [['fast-min', 2], ['fast-max', 51], ['fast-step', 1], ['slow-min', 60], ['slow-max', 305], ['slow-step', 5]]) await page.fill(`#ax-${id}`, String(v));
  const combos = await page.textContent('#nr-combos');
  const t0 = await page.evaluate(() => performance.now());
  await page.click('#nr-submit');
  await page.waitForFunction(() => /Completed/.test(document.getElementById('progress-status')?.textContent ?? ''), null, { timeout: 120000 });
  const t1 = await page.evaluate(() => performance.now());
  await page.waitForSelector('[data-testid="trials-table"]', { timeout: 60000 });
  const t2 = await page.evaluate(() => performance.now());
  out.grid_50x50 = {
    combinations: combos,
    workers: await page.evaluate(() => window.atf.workerCount),
    completed_s: Math.round(t1 - t0) / 1000,
    report_shown_s: Math.round(t2 - t0) / 1000,
    long_tasks_ms: await page.evaluate(() => window.__long),
  };
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(out, null, 2));
