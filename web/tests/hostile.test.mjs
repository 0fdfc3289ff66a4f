// Hostile content (issue 6): HTML/JS payloads in CSV headers and cells, file (symbol) names,
// error messages, share links and imported databases are shown as text and never execute; an
// imported database with an unexpected schema (triggers, views, missing columns) or SQL in its
// fields cannot change what the app does. The page's Content-Security-Policy forbids inline
// script: a positive control proves the policy is in force, and every test asserts that no
// payload ran (window.__pwned) and that no CSP violation happened (the app never produced
// markup from data, so the policy never had to block anything).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js');
const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const NVDA = 'NVDA-1d-1999-2014.csv';

const PAYLOADS = [
  '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
  '<script>window.__pwned=(window.__pwned||0)+1</script>',
  '"><svg onload="window.__pwned=(window.__pwned||0)+1">',
];
const P = PAYLOADS[0];

describe('hostile content never executes', () => {
  let server;
  let browser;
  let context;
  let page;
  let SQL;
  const consoleLines = [];

  before(async () => {
    SQL = await initSqlJs();
    server = await startServer({ isolated: true });
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Records CSP violations and dialogs from the first script on (init scripts are not subject
    // to the page's policy).
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
      window.alert = window.confirm = window.prompt = () => {
        window.__pwned = (window.__pwned || 0) + 1;
      };
    });
    page = await openSite(context, `${server.url}?db=hostile-${Date.now()}`, { consoleSink: consoleLines });
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async () => {
    if (process.env.ATF_TEST_CONSOLE) console.log(consoleLines.join('\n'));
    await browser?.close();
    await server?.close();
  });

  /** Nothing ran and the policy never had to block anything. */
  async function assertClean(p = page) {
    const { pwned, violations } = await p.evaluate(() => ({ pwned: window.__pwned ?? 0, violations: window.__violations }));
    assert.equal(pwned, 0, 'a payload executed');
    assert.deepEqual(violations, [], 'the app produced markup that the CSP had to block');
  }

  test('positive control: the page policy blocks inline script and handlers', async () => {
    const p = await openSite(context, `${server.url}?nostore`);
    await p.evaluate((payload) => {
      const d = document.createElement('div');
      d.innerHTML = payload; // what an XSS bug would do
      document.body.append(d);
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = (window.__pwned || 0) + 1';
      document.body.append(s);
    }, P);
    await p.waitForFunction(() => window.__violations.length >= 2);
    assert.equal(await p.evaluate(() => window.__pwned ?? 0), 0);
    const v = await p.evaluate(() => window.__violations.join('\n'));
    assert.match(v, /script-src/);
    await p.close();
  });

  test('CSV file name, header and cells with payloads are shown as text', async () => {
    // A file the importer rejects: the error quotes the bad cell, as text.
    const bad = `Date,Open,High,Low,Close,Volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,${PAYLOADS[1]},0.5,1.5,10\n`;
    await page.setInputFiles('#nr-csv', { name: `${PAYLOADS[2]}.csv`, mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.waitForSelector('.csv-preview table');
    assert.equal(await page.locator('.csv-preview img, .csv-preview script, .csv-preview svg').count(), 0);
    assert.match(await page.textContent('.csv-preview'), /<script>window\.__pwned/);
    await page.locator('#err-dataset').waitFor({ state: 'visible' });
    assert.match(await page.textContent('#err-dataset'), /line 3/);
    // A valid file whose name and header carry payloads: it runs; the name is shown as text.
    const rows = ['Date,Open,High,Low,Close,Volume'];
    for (let i = 0; i < 300; i++) {
      const d = new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10);
      const c = (100 + 10 * Math.sin(i / 9)).toFixed(2);
      rows.push(`${d},${c},${(Number(c) + 1).toFixed(2)},${(Number(c) - 1).toFixed(2)},${c},1000`);
    }
    const name = `${P}.csv`;
    await page.setInputFiles('#nr-csv', { name, mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.waitForFunction((n) => document.getElementById('nr-dataset').value === n, name);
    await page.selectOption('#nr-strategy', 'sma_cross');
    await page.click('#nr-submit');
    await page.waitForSelector('article.report[data-kind="backtest"] [data-testid="metric-cards"]', { timeout: 30000 });
    assert.ok((await page.textContent('#report-title')).includes(P), 'the title shows the file name as text');
    assert.equal(await page.locator('#main img, #main script, #main svg[onload]').count(), 0);
    await page.click('nav.top a[data-nav="runs"]');
    await page.waitForSelector('#dashboard tbody tr, [data-testid="runs-table"] tbody tr');
    assert.ok((await page.textContent('#main')).includes(P));
    await page.click('nav.top a[data-nav="log"]');
    await page.waitForSelector('#log');
    await assertClean();
    await page.screenshot({ path: `${SHOTS}hostile-names-as-text.png` });
  });

  test('a share link carrying payloads fills nothing executable', async () => {
    const cfg = { kind: 'backtest', dataset: P, strategy: PAYLOADS[1], params: { [PAYLOADS[2]]: 1 }, axes: [], broker: {} };
    const p = await openSite(context, `${server.url}?nostore#/new?c=${Buffer.from(JSON.stringify(cfg)).toString('base64url')}`);
    await p.waitForSelector('body[data-ready="true"]');
    assert.ok((await p.textContent('#err-dataset')).includes(P));
    assert.ok((await p.textContent('#err-strategy')).includes(PAYLOADS[1]));
    await assertClean(p);
    await p.close();
  });

  /** The page's database file, opened with sql.js in Node. */
  async function exportedDatabase() {
    return new SQL.Database(Uint8Array.from(await page.evaluate(async () => Array.from(await window.atf.database.exportFile()))));
  }

  /** The app's database with payloads written into every text field a report shows. */
  async function poisonedDatabase({ trigger = false } = {}) {
    const db = await exportedDatabase();
    const id = db.exec('SELECT id FROM backtest_runs LIMIT 1')[0].values[0][0];
    const req = JSON.parse(db.exec('SELECT request FROM backtest_runs WHERE id = ?', [id])[0].values[0][0]);
    req.strategy = PAYLOADS[1];
    req.params = { [P]: 3 };
    db.run(
      `UPDATE backtest_runs SET status = 'Failed', strategy = ?, dataset_id = ?, request = ?,
         error_message = ?, error_stack_trace = ? WHERE id = ?`,
      [PAYLOADS[1], P, JSON.stringify(req), `'); DROP TABLE backtest_runs; -- ${P}`, PAYLOADS[2], id],
    );
    if (trigger) {
      // An import must not bring code along: this trigger would wipe every run saved later.
      db.run('CREATE TRIGGER wipe AFTER INSERT ON backtest_runs BEGIN DELETE FROM backtest_runs; END');
      db.run('CREATE VIEW spy AS SELECT * FROM backtest_runs');
      db.run('CREATE TABLE extra (x TEXT)');
    }
    const bytes = db.export();
    db.close();
    return { id, bytes };
  }

  async function importThroughUi(name, bytes) {
    await page.click('nav.top a[data-nav="data"]');
    await page.setInputFiles('#db-import-file', { name, mimeType: 'application/x-sqlite3', buffer: Buffer.from(bytes) });
    await page.click('#db-import');
    // With runs in this browser the import asks first (what it replaces): confirm it.
    // (The message must name this file: an earlier import's "Imported …" is still on the page.)
    const escaped = name.replace(/\./g, '\\.');
    await page.waitForFunction(
      (n) => !document.getElementById('db-import-confirm-box')?.hidden || new RegExp(`Imported ${n}\\.|${n} was not imported`).test(document.getElementById('data-message')?.textContent ?? ''),
      escaped,
    );
    if (await page.isVisible('#db-import-confirm')) await page.click('#db-import-confirm');
    // The data view answers "Imported <name>." or "<name> was not imported: <why>".
    await page.waitForFunction((n) => new RegExp(`Imported ${n}\\.|${n} was not imported`).test(document.getElementById('main').textContent), escaped);
    return page.textContent('#main');
  }

  test('an imported database with payloads and SQL in its fields shows them as text', async () => {
    const { id, bytes } = await poisonedDatabase();
    await importThroughUi('poisoned.sqlite', bytes);
    await page.click('nav.top a[data-nav="runs"]');
    await page.waitForFunction(() => document.getElementById('main').textContent.includes('<script>'));
    await page.evaluate((i) => (location.hash = `#/run/backtest/${i}`), id);
    await page.waitForSelector(`article.report[data-run="${id}"] .error-panel`);
    const text = await page.textContent('#main');
    assert.ok(text.includes(`DROP TABLE backtest_runs; -- ${P}`));
    assert.equal(await page.locator('#main img, #main script, #main svg').count(), 0);
    await assertClean();
    // The "SQL" was data: the tables are all there and the runs can be listed and deleted.
    assert.ok((await page.evaluate(() => window.atf.listRuns())).length >= 1);
    await page.evaluate((i) => window.atf.deleteRun(i), id);
    await assert.rejects(page.evaluate((i) => window.atf.getBacktestRun(i), id), /not found|NotFound/i);
    await page.screenshot({ path: `${SHOTS}hostile-imported-db.png` });
  });

  test('an imported database with triggers, views or extra tables cannot change what saving does', async () => {
    // A run to poison: the previous test deleted its run.
    await page.evaluate(async (ds) => {
      const { id } = await window.atf.submitBacktest({ dataset: ds, strategy: 'sma_cross', params: {} });
      for (;;) {
        const s = await window.atf.getBacktestStatus(id);
        if (s.status !== 'Pending' && s.status !== 'Running') return;
        await new Promise((r) => setTimeout(r, 20));
      }
    }, NVDA);
    const { bytes } = await poisonedDatabase({ trigger: true });
    const message = await importThroughUi('with-trigger.sqlite', bytes);
    if (/not imported/i.test(message)) {
      // Refusing such a file is a correct answer too; then nothing changed.
      assert.match(message, /trigger|view|unexpected/i);
    }
    // Whatever was imported, saving a new run keeps it and the runs before it.
    const before = (await page.evaluate(() => window.atf.listRuns())).length;
    const newId = await page.evaluate(async (ds) => {
      const { id } = await window.atf.submitBacktest({ dataset: ds, strategy: 'ema_cross', params: {} });
      for (;;) {
        const s = await window.atf.getBacktestStatus(id);
        if (s.status !== 'Pending' && s.status !== 'Running') return id;
        await new Promise((r) => setTimeout(r, 20));
      }
    }, NVDA);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const runs = await page.evaluate(() => window.atf.listRuns());
    assert.equal(runs.length, before + 1, 'a trigger from the imported file deleted runs');
    assert.ok(runs.some((r) => r.id === newId));
    const exported = await exportedDatabase();
    const objects = exported.exec("SELECT type || ':' || name FROM sqlite_master WHERE type IN ('trigger', 'view') OR name = 'extra'")[0]?.values.flat() ?? [];
    exported.close();
    assert.deepEqual(objects, [], 'the imported file brought schema objects along');
    await assertClean();
  });

  test('an imported database with a table missing columns is refused and nothing changes', async () => {
    const before = await page.evaluate(() => window.atf.listRuns());
    const db = await exportedDatabase();
    db.run('DROP TABLE backtest_runs');
    db.run('CREATE TABLE backtest_runs (id TEXT PRIMARY KEY, status TEXT)');
    db.run("INSERT INTO backtest_runs VALUES ('x', 'Completed')");
    const bytes = db.export();
    db.close();
    const message = await importThroughUi('wrong-columns.sqlite', bytes);
    assert.match(message, /was not imported: .*backtest_runs/);
    assert.deepEqual(await page.evaluate(() => window.atf.listRuns()), before);
    await assertClean();
  });

  test('a database written by `atf merge --out-sqlite` opens as a normal optimization', async (t) => {
    // The distributed path (issue 15): shards of a grid run by the native CLI, merged into a
    // database in the app's schema, imported through the UI.
    const atf = fileURLToPath(new URL('../../build/native/atf', import.meta.url));
    if (!existsSync(atf)) {
      t.skip(`${atf} is not built`);
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'atf-merge-'));
    const data = fileURLToPath(new URL('../../data/samples/ORCL-1d-1995-2014.csv', import.meta.url));
    const grid = ['--strategy', 'sma_cross', '--axis', 'fast=5:30:5', '--axis', 'slow=20:120:20'];
    const shards = [1, 2].map((k) => {
      const file = path.join(dir, `s${k}.json`);
      writeFileSync(file, execFileSync(atf, ['optimize', '--data', data, ...grid, '--shard', `${k}/2`, '--json']));
      return file;
    });
    const db = path.join(dir, 'merged.sqlite');
    execFileSync(atf, ['merge', path.join(dir, 'merged.json'), ...shards, '--out-sqlite', db]);
    const merged = JSON.parse(readFileSync(path.join(dir, 'merged.json'), 'utf8'));
    const message = await importThroughUi('merged.sqlite', readFileSync(db));
    assert.match(message, /Imported merged\.sqlite\./);
    const runs = await page.evaluate(() => window.atf.listRuns());
    const run = runs.find((r) => r.kind === 'optimization' && r.id.startsWith('merged-'));
    assert.ok(run, JSON.stringify(runs));
    const stored = await page.evaluate((i) => window.atf.getOptimizationRun(i), run.id);
    assert.equal(stored.status, 'Completed');
    assert.equal(stored.total, merged.total);
    assert.equal(stored.completed, merged.completed);
    assert.equal(stored.failed, merged.failed);
    await page.evaluate((i) => (location.hash = `#/run/optimization/${i}`), run.id);
    await page.waitForSelector(`article.report[data-run="${run.id}"]`);
    const best = merged.best.params;
    await page.waitForFunction((b) => document.getElementById('main').textContent.includes(String(b.slow)), best);
    await page.screenshot({ path: `${SHOTS}merged-optimization-imported.png` });
    await assertClean();
  });
});
