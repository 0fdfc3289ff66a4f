// Static hosting and offline (issue 5): the service worker (src/sw/) on a host that sends no
// COOP/COEP. One browser profile goes through a user's life with the site: the first visit reloads
// itself once and is cross-origin isolated; with the server stopped and the network offline a
// reload still starts the app and a backtest on a bundled sample completes and is kept; a new
// deploy takes effect on the next load and replaces the old cache. A second profile opts out
// (?fallback, ?nosw): no reload, no service worker, the fallback mode. Nothing is mocked; the
// site is a copy of the build (the "deploy" step edits the copy). Screenshots go to
// artifacts/screenshots/.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launch, waitForApp } from './browser.mjs';
import { distDir, startServer } from './server.mjs';

const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const NVDA = 'NVDA-1d-1999-2014.csv';
const ORCL = 'ORCL-1d-1995-2014.csv';

/** The build's precache version, read from the generated dist/sw.js. */
function swVersion(root) {
  const m = /"version":\s*"([^"]+)"/.exec(readFileSync(join(root, 'sw.js'), 'utf8'));
  assert.ok(m, 'sw.js carries its precache version');
  return m[1];
}

/** A page that counts its document loads (the initial one and every reload). */
async function countingPage(context, consoleLines) {
  const page = await context.newPage();
  const loads = [];
  page.on('domcontentloaded', () => loads.push(page.url()));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  return { page, loads };
}

/** What the page says about its mode, isolation, service worker and caches. */
const pageState = (page) =>
  page.evaluate(async () => ({
    isolated: window.crossOriginIsolated,
    mode: window.atf.mode,
    badge: document.getElementById('mode').textContent,
    controlled: navigator.serviceWorker.controller !== null,
    registered: (await navigator.serviceWorker.getRegistration()) !== undefined,
    sw: window.atfServiceWorker,
    caches: (await caches.keys()).filter((k) => k.startsWith('atf-app-')),
    navigation: performance.getEntriesByType('navigation')[0]?.type,
    title: document.title,
  }));

/** A backtest through the API on a bundled sample; resolves with its final status. */
const apiBacktest = (page, dataset) =>
  page.evaluate(async (dataset) => {
    const { id } = await window.atf.submitBacktest({ dataset, strategy: 'sma_cross', params: { fast: 10, slow: 30 } });
    for (;;) {
      const s = await window.atf.getBacktestStatus(id);
      if (!['Pending', 'Running'].includes(s.status)) return { id, status: s.status, trades: s.result?.metrics?.trades, error: s.errorMessage };
      await new Promise((r) => setTimeout(r, 20));
    }
  }, dataset);

describe('service worker on a host without COOP/COEP', () => {
  let site; // a copy of the build: the "deploy" test edits it
  let server;
  let port;
  let browser;
  let context;
  let page;
  let loads;
  const consoleLines = [];
  let version;
  const runIds = [];

  before(async () => {
    site = mkdtempSync(join(tmpdir(), 'atf-site-'));
    cpSync(distDir, site, { recursive: true });
    version = swVersion(site);
    server = await startServer({ isolated: false, root: site });
    port = Number(new URL(server.url).port);
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, loads } = await countingPage(context, consoleLines));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  test('first visit: the service worker is installed, one automatic reload, then shared-memory mode', async () => {
    await page.goto(server.url);
    await waitForApp(page);
    await page.waitForSelector('body[data-ready="true"]');
    const s = await pageState(page);
    assert.equal(loads.length, 2, `document loads: ${JSON.stringify(loads)}`); // the visit and exactly one reload
    assert.equal(s.navigation, 'reload');
    assert.equal(s.isolated, true);
    assert.equal(s.mode, 'shared-memory');
    assert.match(s.badge, /Full speed/);
    assert.equal(s.controlled, true);
    assert.deepEqual(s.sw, { state: 'active', reloaded: true });
    assert.deepEqual(s.caches, [`atf-app-${version}`]);
    const run = await apiBacktest(page, NVDA);
    assert.equal(run.status, 'Completed', run.error);
    assert.ok(run.trades > 10);
    runIds.push(run.id);
    await page.waitForTimeout(300);
    assert.equal(loads.length, 2, 'no further reload');
    await page.screenshot({ path: `${SHOTS}sw-isolated-after-one-reload.png` });
  });

  test('offline: with the server stopped and the network off, a reload starts the app and a backtest completes and is kept', async () => {
    await server.close();
    await context.setOffline(true);
    const before = loads.length;
    await page.reload();
    await waitForApp(page);
    await page.waitForSelector('body[data-ready="true"]');
    const s = await pageState(page);
    assert.equal(loads.length, before + 1, 'no automatic reload offline');
    assert.equal(s.isolated, true, 'the cached page gets its headers from the service worker');
    assert.equal(s.mode, 'shared-memory');
    // The network really is gone.
    assert.equal(await page.evaluate(() => fetch('./no-such-file.txt').then(() => 'answered', () => 'failed')), 'failed');

    // A backtest on a bundled sample through the UI, like a user.
    await page.click('#nr-tab-backtest');
    await page.selectOption('#nr-dataset', ORCL);
    await page.selectOption('#nr-strategy', 'sma_cross');
    await page.click('#nr-submit');
    await page.waitForSelector(`article.report[data-kind="backtest"]:has-text("${ORCL}")`, { timeout: 20000 });
    assert.equal(await page.textContent('#progress-status'), 'Completed');
    await page.waitForFunction(() => document.querySelectorAll('article.report .chart-host canvas').length >= 2);
    await page.waitForTimeout(150);
    await page.screenshot({ path: `${SHOTS}offline-backtest-report.png` });
    const runs = await page.evaluate(async () => (await window.atf.listRuns()).map((r) => ({ id: r.id, dataset: r.dataset, status: r.status })));
    const offlineRun = runs.find((r) => r.dataset === ORCL);
    assert.ok(offlineRun, JSON.stringify(runs));
    assert.equal(offlineRun.status, 'Completed');
    assert.ok(runs.some((r) => r.id === runIds[0]), 'the run of the first visit is still there');
    runIds.push(offlineRun.id);

    // Kept: still there after another offline reload.
    await page.reload();
    await waitForApp(page);
    const kept = await page.evaluate(async (id) => {
      const run = await window.atf.getBacktestRun(id);
      return { status: run.status, trades: run.result?.metrics?.trades };
    }, offlineRun.id);
    assert.equal(kept.status, 'Completed');
    assert.ok(kept.trades > 0, JSON.stringify(kept));
  });

  test('a new deploy takes effect on the next load and replaces the old cache', async () => {
    // The open tab's "atf:update" events (the app dispatches them when a new version takes over).
    await page.evaluate(() => {
      window.updatesSeen = 0;
      window.addEventListener('atf:update', () => window.updatesSeen++);
    });
    // The "deploy": a new service worker version and a changed page, on the same origin.
    const swFile = join(site, 'sw.js');
    writeFileSync(swFile, readFileSync(swFile, 'utf8').replace(`"version": "${version}"`, `"version": "${version}-next"`));
    const index = join(site, 'index.html');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/<title>([^<]*)<\/title>/, '<title>$1 (next)</title>'));
    server = await startServer({ isolated: false, root: site, port });
    await context.setOffline(false);
    // Another tab opens the site: it gets the new page, and the browser's update check installs
    // the new worker, which takes over every tab and drops the old cache.
    const other = await countingPage(context, consoleLines);
    await other.page.goto(server.url);
    await waitForApp(other.page);
    assert.match(await other.page.title(), /\(next\)$/, 'the new page is served on the first load after the deploy');
    assert.equal(other.loads.length, 1, 'no automatic reload under the old worker');
    await other.page.waitForFunction(
      async (v) => JSON.stringify((await caches.keys()).filter((k) => k.startsWith('atf-app-'))) === JSON.stringify([`atf-app-${v}-next`]),
      version,
      { timeout: 15000, polling: 100 },
    );
    // The tab still showing the old version is told (the UI can offer "new version - reload").
    await page.waitForFunction(() => window.updatesSeen > 0, null, { timeout: 10000 });
    assert.ok(consoleLines.some((l) => l.includes('a new version of the app is installed')), 'the open tab says so in its console');
    assert.doesNotMatch(await page.title(), /\(next\)$/);
    await other.page.close();
    // Its next load is the new version, with no extra reload.
    const before = loads.length;
    await page.reload();
    await waitForApp(page);
    assert.match(await page.title(), /\(next\)$/);
    const s = await pageState(page);
    assert.equal(s.isolated, true);
    assert.equal(loads.length, before + 1, 'an update never reloads the page by itself');
    assert.deepEqual(s.caches, [`atf-app-${version}-next`]);
    const listed = await page.evaluate(async () => (await window.atf.listRuns()).map((r) => r.id));
    for (const id of runIds) assert.ok(listed.includes(id), `run ${id} survives the update`);
    // The new version works offline too.
    await server.close();
    await context.setOffline(true);
    await page.reload();
    await waitForApp(page);
    assert.match(await page.title(), /\(next\)$/);
    const run = await apiBacktest(page, NVDA);
    assert.equal(run.status, 'Completed', run.error);
    await page.screenshot({ path: `${SHOTS}sw-updated-offline.png` });
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
  });
});

describe('opting out of the service worker (?fallback, ?nosw)', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer({ isolated: false });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const query of ['?fallback', '?nosw']) {
    test(`${query}: no service worker, no reload, the fallback mode runs`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const consoleLines = [];
      const { page, loads } = await countingPage(context, consoleLines);
      await page.goto(`${server.url}${query}`);
      await waitForApp(page);
      await page.waitForSelector('body[data-ready="true"]');
      const run = await apiBacktest(page, NVDA);
      assert.equal(run.status, 'Completed', run.error);
      const s = await pageState(page);
      assert.equal(loads.length, 1, `document loads: ${JSON.stringify(loads)}`);
      assert.equal(s.isolated, false);
      assert.equal(s.mode, 'message-fallback');
      assert.match(s.badge, /Reduced mode/);
      assert.equal(s.registered, false);
      assert.equal(s.controlled, false);
      assert.equal(s.sw.state, 'off');
      assert.deepEqual(s.caches, []);
      await page.screenshot({ path: `${SHOTS}fallback-no-sw${query.replace('?', '-')}.png` });
      assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
      await context.close();
    });
  }
});
