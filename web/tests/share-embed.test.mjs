// Sharing, embedding and the live heatmap (issue 5), in headless Chromium through the UI.
// - A run's configuration shared as a link fills the panel of another page (nothing runs by
//   itself); links naming what this browser does not have, or damaged links, say so.
// - Embed mode (?embed) inside an iframe of a page that is not cross-origin isolated: just the
//   panel, the progress and the report, in the reduced (message) mode, and a backtest completes.
// - While an optimization runs, its report is open and the heatmap fills in.
// Screenshots go to artifacts/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const NVDA = 'NVDA-1d-1999-2014.csv';

describe('share links, embed mode, live heatmap', () => {
  let server;
  let browser;
  let context;

  before(async () => {
    server = await startServer({ isolated: true });
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(url) {
    const page = await openSite(context, url);
    await page.waitForSelector('body[data-ready="true"]');
    return page;
  }

  test('a shared link fills the panel of a new page with the same settings', async () => {
    const a = await open(`${server.url}?nostore`);
    await a.click('#nr-tab-optimization');
    await a.selectOption('#nr-dataset', NVDA);
    await a.selectOption('#nr-strategy', 'ema_cross');
    await a.fill('#ax-fast-min', '3');
    await a.fill('#ax-fast-max', '9');
    await a.fill('#ax-fast-step', '3');
    await a.fill('#ax-slow-min', '30');
    await a.fill('#ax-slow-max', '60');
    await a.fill('#ax-slow-step', '15');
    await a.selectOption('#nr-objective', 'max_drawdown_pct');
    await a.fill('#b-cash', '25000');
    await a.fill('#b-commission_pct', '0.05');
    await a.fill('#b-stop_loss_pct', '2.5');
    await a.check('#b-allow_short');
    await a.selectOption('#b-fill', 'close');
    assert.match(await a.textContent('#nr-combos'), /^9 combinations/);
    await a.click('#nr-share');
    const link = await a.inputValue('[data-testid="share-out"] input.share-link');
    // Version 2 links: the configuration deflated (version 1 links, plain base64url, still open below).
    assert.match(link, /#\/new\?z=[\w-]+$/);
    await a.close();

    assert.ok(link.startsWith(`${server.url}?nostore#`), link);
    const b = await open(link);
    // The link left the address bar; the panel holds the settings.
    assert.equal(await b.evaluate(() => location.hash), '#/runs');
    assert.equal(await b.getAttribute('#nr-tab-optimization', 'aria-selected'), 'true');
    assert.equal(await b.inputValue('#nr-dataset'), NVDA);
    assert.equal(await b.inputValue('#nr-strategy'), 'ema_cross');
    assert.deepEqual(
      await b.evaluate(() => ['fast', 'slow'].map((p) => ['min', 'max', 'step'].map((k) => document.getElementById(`ax-${p}-${k}`).value))),
      [['3', '9', '3'], ['30', '60', '15']],
    );
    assert.equal(await b.inputValue('#nr-objective'), 'max_drawdown_pct');
    assert.equal(await b.inputValue('#nr-direction'), 'min');
    assert.equal(await b.inputValue('#b-cash'), '25000');
    assert.equal(await b.inputValue('#b-commission_pct'), '0.05');
    assert.equal(await b.inputValue('#b-stop_loss_pct'), '2.5');
    assert.equal(await b.isChecked('#b-allow_short'), true);
    assert.equal(await b.inputValue('#b-fill'), 'close');
    assert.match(await b.textContent('#nr-combos'), /^9 combinations/);
    assert.match(await b.textContent('[data-testid="share-out"]'), /Filled in from a shared link/);
    // Nothing ran by itself.
    assert.equal((await b.evaluate(() => window.atf.listRuns())).length, 0);
    await b.screenshot({ path: `${SHOTS}share-link-filled.png` });
    // And it runs as shared.
    await b.click('#nr-submit');
    await b.waitForSelector('article.report[data-kind="optimization"] [data-testid="trials-table"]', { timeout: 60000 });
    const runs = await b.evaluate(() => window.atf.listRuns());
    assert.equal(runs.length, 1);
    const run = await b.evaluate((id) => window.atf.getOptimizationRun(id), runs[0].id);
    assert.deepEqual(run.request.axes, [
      { name: 'fast', min: 3, max: 9, step: 3 },
      { name: 'slow', min: 30, max: 60, step: 15 },
    ]);
    assert.equal(run.request.broker.cash, 25000);
    assert.equal(run.request.broker.stop_loss_pct, 2.5);
    assert.equal(run.request.objective, 'max_drawdown_pct');
    // The report's own "Share settings" link gives the same configuration back.
    await b.click('article.report button.share');
    const again = await b.inputValue('article.report input.share-link');
    const decode = (u) => JSON.parse(inflateRawSync(Buffer.from(u.split('#/new?z=')[1], 'base64url')).toString('utf8'));
    assert.deepEqual(decode(again), decode(link));
    await b.close();
  });

  test('a link naming an unknown dataset or parameter, and a damaged link, say so', async () => {
    const cfg = { kind: 'backtest', dataset: 'my-own-file.csv', strategy: 'sma_cross', params: { fast: 7, nonsense: 3 }, axes: [], broker: { cash: 5000 } };
    const hash = `#/new?c=${Buffer.from(JSON.stringify(cfg)).toString('base64url')}`;
    const p = await open(`${server.url}?nostore${hash}`);
    assert.match(await p.textContent('#err-dataset'), /the link's dataset "my-own-file\.csv" is not in this browser/);
    assert.match(await p.textContent('.new-run .field-error.general'), /"nonsense" are not parameters of sma_cross/);
    assert.equal(await p.inputValue('#p-fast'), '7');
    assert.equal(await p.inputValue('#b-cash'), '5000');
    await p.evaluate(() => (location.hash = '#/new?c=%%%not-base64'));
    await p.waitForSelector('.main .error-panel, #main :text("Cannot use this link")');
    assert.match(await p.textContent('#main'), /Cannot use this link.*damaged/s);
    await p.close();
  });

  test('embed mode in an iframe of a plain page: reduced mode, panel → progress → report', async () => {
    const plain = await startServer({ isolated: false });
    try {
      const host = await context.newPage();
      await host.setContent(`<!doctype html><title>demo</title><h1>Demo page</h1>
        <iframe id="atf" src="${plain.url}?embed&nostore" width="900" height="640" style="border:1px solid #999"></iframe>`);
      const frame = await (await host.waitForSelector('#atf')).contentFrame();
      await frame.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
      assert.equal(await frame.evaluate(() => document.body.classList.contains('embed')), true);
      assert.equal(await frame.evaluate(() => window.crossOriginIsolated), false);
      assert.equal(await frame.evaluate(() => window.atf.mode), 'message-fallback');
      assert.match(await frame.textContent('#mode'), /Reduced mode/);
      // No dashboard or log navigation: a link to the full app instead.
      assert.equal(await frame.locator('nav.top a[data-nav]').count(), 0);
      assert.match(await frame.getAttribute('nav.top a.open-full', 'href'), /^http:\/\/127\.0\.0\.1:\d+\/\?nostore#\/runs$/);
      assert.match(await frame.textContent('#main'), /Backtest a strategy in your browser/);
      await frame.selectOption('#nr-dataset', NVDA);
      await frame.selectOption('#nr-strategy', 'sma_cross');
      await frame.click('#nr-submit');
      await frame.waitForSelector('#progress');
      await frame.waitForSelector('article.report[data-kind="backtest"] [data-testid="metric-cards"]', { timeout: 30000 });
      assert.equal(await frame.textContent('#progress-status'), 'Completed');
      await host.screenshot({ path: `${SHOTS}embed-iframe-report.png` });
      await host.close();
    } finally {
      await plain.close();
    }
  });

  test('the heatmap over three parameters: the third aggregated, or fixed at one value', async () => {
    const p = await open(`${server.url}?nostore`);
    const id = await p.evaluate(async (ds) => {
      const axes = [
        { name: 'fast', values: [8, 12] },
        { name: 'slow', values: [20, 26] },
        { name: 'signal', values: [5, 9] },
      ];
      const { id } = await window.atf.submitOptimization({ dataset: ds, strategy: 'macd_signal', params: {}, axes });
      for (;;) {
        const s = await window.atf.getOptimizationStatus(id);
        if (s.status === 'Completed') return id;
        await new Promise((r) => setTimeout(r, 20));
      }
    }, NVDA);
    await p.evaluate((i) => (location.hash = `#/run/optimization/${i}`), id);
    await p.waitForSelector('[data-testid="heatmap"][data-cells="4"]');
    const tipAfterArrow = async () => {
      await p.focus('[data-testid="heatmap"]');
      await p.keyboard.press('ArrowRight');
      return p.textContent('.heatmap-tip');
    };
    assert.match(await tipAfterArrow(), /over 2 trial\(s\)/);
    await p.selectOption('#hm-fix-signal', '9');
    assert.match(await tipAfterArrow(), /over 1 trial\(s\)/);
    // Fixed at 9, each cell is that one trial: its value is the trial's own objective.
    const run = await p.evaluate((i) => window.atf.getOptimizationRun(i), id);
    const tip = await p.textContent('.heatmap-tip');
    const [, fast, slow, shown] = /fast=(\d+), slow=(\d+): sharpe best (-?[\d.]+)/.exec(tip);
    const t = run.result.trials.find((x) => x.params.fast === Number(fast) && x.params.slow === Number(slow) && x.params.signal === 9);
    assert.equal(Number(shown), Number(t.metrics.sharpe.toFixed(4)), tip);
    await p.screenshot({ path: `${SHOTS}heatmap-fixed-third-parameter.png` });
    await p.close();
  });

  test('while an optimization runs, its report is open and the heatmap fills in', async () => {
    const p = await open(`${server.url}?nostore&workers=1`);
    await p.evaluate(() => window.atf.addSyntheticDataset('synthetic-20k', 20_000, 3));
    await p.focus('#nr-dataset');
    await p.click('#nr-tab-optimization');
    await p.selectOption('#nr-dataset', 'synthetic-20k');
    await p.selectOption('#nr-strategy', 'sma_cross');
    await p.fill('#ax-fast-min', '2');
    await p.fill('#ax-fast-max', '12');
    await p.fill('#ax-fast-step', '2');
    await p.fill('#ax-slow-min', '20');
    await p.fill('#ax-slow-max', '65');
    await p.fill('#ax-slow-step', '5');
    assert.match(await p.textContent('#nr-combos'), /^60 combinations/);
    // Test hook: each progress callback pauses, so the 60 trials take a few seconds.
    await p.evaluate(() => (window.atfUiDebug = { delayMsPerProgress: 20 }));
    // Record every cell count the heatmap shows.
    await p.evaluate(() => {
      window.cellCounts = [];
      new MutationObserver(() => {
        const c = document.querySelector('[data-testid="heatmap"]')?.getAttribute('data-cells');
        if (c !== undefined && c !== null && window.cellCounts.at(-1) !== Number(c)) window.cellCounts.push(Number(c));
      }).observe(document.getElementById('main'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-cells'] });
    });
    await p.click('#nr-submit');
    await p.waitForSelector('[data-testid="live-trials"]');
    await p.waitForFunction(() => /In flight: \d+ of 60/.test(document.querySelector('[data-testid="live-trials"]')?.textContent ?? ''));
    await p.screenshot({ path: `${SHOTS}optimization-live-heatmap.png` });
    await p.waitForSelector('article.report[data-kind="optimization"] [data-testid="trials-table"]', { timeout: 60000 });
    await p.evaluate(() => (window.atfUiDebug = undefined));
    const counts = await p.evaluate(() => window.cellCounts);
    const partial = counts.filter((n) => n > 0 && n < 60);
    assert.ok(partial.length >= 2, `the heatmap should fill in step by step: ${JSON.stringify(counts)}`);
    for (let i = 1; i < counts.length; i++) {
      // Counts only grow while live; the final report starts a new canvas (0 → 60).
      if (counts[i] !== 60 && counts[i - 1] !== 60) assert.ok(counts[i] >= counts[i - 1] || counts[i] === 0, JSON.stringify(counts));
    }
    assert.equal(await p.getAttribute('[data-testid="heatmap"]', 'data-cells'), '60');
    console.log(`heatmap cell counts while live: ${JSON.stringify(counts)}`);
    await p.close();
  });
});
