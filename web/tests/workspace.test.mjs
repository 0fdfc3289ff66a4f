// The strategy workspace (issue 14) in headless Chromium: the Pine editor in the new-run panel
// (engine diagnostics as lint markers at line:column, the inputs form from the compile answer,
// Ctrl+Enter runs), and the report pieces of a script run (plots, Performance Summary, trades with
// signals and excursions, TradingView's trades CSV). One page serves every case, in order; the
// last case takes screenshots (1440×900 and 390×844, light and dark) into /tmp/shots/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
const SHOTS = process.env.ATF_SHOTS_DIR ?? '/tmp/shots';
const HEADER =
  'Trade #,Type,Date and time,Signal,Price,Size (qty),Size (value),Net P&L,Net P&L %,Favorable excursion,Favorable excursion %,Adverse excursion,Adverse excursion %,Cumulative P&L,Cumulative P&L %';
// Not an overlay script: the two averages are forced onto the price chart, the RSI goes below it.
const GOOD = `//@version=6
strategy("Workspace test", overlay = false, initial_capital = 100000, default_qty_type = strategy.percent_of_equity, default_qty_value = 100)
fastLength = input.int(10, "Fast length", minval = 2, maxval = 50)
slowLength = input.int(40, "Slow length", minval = 5, maxval = 200)
exitRsi = input.float(75.0, "Exit RSI", minval = 50, maxval = 95, step = 5)
useEma = input.bool(false, "EMA for the fast average")
label = input.string("Cross", "Entry label", options = ["Cross", "Trend"])
fast = useEma ? ta.ema(close, fastLength) : ta.sma(close, fastLength)
slow = ta.sma(close, slowLength)
rsi = ta.rsi(close, 14)
plot(fast, "Fast", color = color.orange, force_overlay = true)
plot(slow, "Slow", color = #2962ff, force_overlay = true)
plot(rsi, "RSI", color = color.purple)
if ta.crossover(fast, slow)
    strategy.entry(label, strategy.long)
if ta.crossunder(fast, slow) or rsi > exitRsi
    strategy.close(label, comment = "Exit")
`;
// Line 4 refers to a name that does not exist (column 15).
const BROKEN_HEAD = '//@version=6\nstrategy("Broken")\nfast = ta.sma(close, 10)\n';

let server;
let browser;
let page;
const consoleLines = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ isolated: true });
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light', acceptDownloads: true });
  page = await openSite(context, server.url, { consoleSink: consoleLines });
  await page.waitForSelector('body[data-ready]');
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Replaces the editor's text (as a paste: no auto-indent or bracket closing on the way). */
async function setScript(text) {
  await page.click('.cm-content');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The editor's lint ranges: line, column (1-based) and text of each. */
const lintMarks = () =>
  page.$$eval('.cm-content .cm-lintRange-error', (spans) =>
    spans.map((s) => {
      const line = s.closest('.cm-line');
      const lines = [...document.querySelectorAll('.cm-content > .cm-line')];
      const r = document.createRange();
      r.setStart(line, 0);
      r.setEndBefore(s);
      return { line: lines.indexOf(line) + 1, column: r.toString().length + 1, text: s.textContent };
    }),
  );

test('script mode: a typed error is marked at its line:column with the engine\'s message; fixed, the inputs form follows', async () => {
  // The editor is a chunk of its own, loaded when the mode opens.
  const editorChunk = () => page.evaluate(() => performance.getEntriesByType('resource').some((e) => /\/editor-[\w-]+\.js$/.test(e.name)));
  assert.equal(await editorChunk(), false);
  await page.click('#nr-src-script');
  await page.waitForSelector('.cm-content');
  assert.equal(await editorChunk(), true);
  // The default text (a template) compiles: the form shows its inputs.
  await page.waitForFunction(() => /compiles/.test(document.querySelector('#nr-script-status')?.textContent ?? ''), null, { timeout: 20000 });
  const templates = await page.$$eval('#nr-template option', (o) => o.map((x) => x.value).filter(Boolean));
  for (const t of ['sma_cross', 'supertrend', 'rsi_atr_trailing']) assert.ok(templates.includes(t), `template ${t} in ${templates}`);

  // Indentation follows Pine's blocks: 4 after `=>` and after a block head.
  await setScript('');
  await page.keyboard.type('f(x) =>');
  await page.keyboard.press('Enter');
  await page.keyboard.type('if x > 0');
  await page.keyboard.press('Enter');
  await page.keyboard.type('x');
  assert.deepEqual(await page.$$eval('.cm-content > .cm-line', (ls) => ls.map((l) => l.textContent)), ['f(x) =>', '    if x > 0', '        x']);

  await setScript(BROKEN_HEAD);
  // Typed at the end: a name that does not exist.
  await page.keyboard.type('slow = fast + nope');
  await page.waitForSelector('.cm-lintRange-error', { timeout: 10000 });
  const marks = await lintMarks();
  assert.deepEqual(marks, [{ line: 4, column: 15, text: 'nope' }]);
  assert.equal(await page.locator('.cm-gutter-lint .cm-lint-marker-error').count(), 1);
  assert.match(await page.textContent('#nr-script-status'), /line 4, column 15: .*nope/);
  // Running it anyway: the error under the editor, focus in it, no run.
  await page.keyboard.press('ControlOrMeta+Enter');
  await page.waitForFunction(() => /^line 4, column 15: .*nope/.test(document.querySelector('#err-script')?.textContent ?? ''));
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cm-content')), true);
  assert.equal((await page.evaluate(() => window.atf.listRuns())).length, 0);
  // Hovering the marked word shows the engine's message.
  await page.hover('.cm-lintRange-error');
  await page.waitForSelector('.cm-tooltip .cm-diagnostic-error');
  assert.match(await page.textContent('.cm-tooltip .cm-diagnostic-error'), /4:15: .*nope/);

  // A .pine file opens into the editor (CRLF line ends become LF).
  await page.setInputFiles('#nr-pine-file', { name: 'good.pine', mimeType: 'text/plain', buffer: Buffer.from(GOOD.replace(/\n/g, '\r\n')) });
  await page.waitForFunction(() => /Workspace test: compiles, 5 inputs/.test(document.querySelector('#nr-script-status')?.textContent ?? ''), null, { timeout: 10000 });
  const [pine] = await Promise.all([page.waitForEvent('download'), page.click('#nr-pine-download')]);
  assert.equal(pine.suggestedFilename(), 'Workspace_test.pine');
  assert.equal(readFileSync(await pine.path(), 'utf8'), GOOD);
  await setScript(BROKEN_HEAD);
  await setScript(GOOD);
  await page.waitForFunction(() => /Workspace test: compiles, 5 inputs/.test(document.querySelector('#nr-script-status')?.textContent ?? ''), null, { timeout: 10000 });
  assert.equal(await page.locator('.cm-lintRange-error').count(), 0);
  const form = await page.evaluate(() => ({
    params: [...document.querySelectorAll('#side .param')].map((p) => p.dataset.param),
    fast: [document.querySelector('#p-fastLength').value, document.querySelector('#p-fastLength').min, document.querySelector('#p-fastLength').max],
    rsiStep: document.querySelector('#ax-exitRsi-step').value,
    useEma: document.querySelector('#p-useEma').type,
    label: [...document.querySelector('#p-label').options].map((o) => o.value),
    strategyHidden: document.querySelector('[data-field="strategy"]').hidden,
  }));
  assert.deepEqual(form.params, ['fastLength', 'slowLength', 'exitRsi', 'useEma', 'label']);
  assert.deepEqual(form.fast, ['10', '2', '50']);
  assert.equal(form.useEma, 'checkbox');
  assert.deepEqual(form.label, ['Cross', 'Trend']);
  assert.equal(form.strategyHidden, true);
  // Optimization axes over the numeric inputs, with the script's step.
  await page.click('#nr-tab-optimization');
  assert.equal(await page.inputValue('#ax-exitRsi-step'), '5');
  assert.ok(await page.isVisible('#ax-fastLength-min'));
  assert.equal(await page.locator('#ax-useEma-on').count(), 0, 'a bool input is no axis');
  await page.click('#nr-tab-backtest');

  // Completion of namespaced built-ins with their signatures.
  await page.click('.cm-content');
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('x = ta.atr');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  const options = await page.$$eval('.cm-tooltip-autocomplete li', (li) => li.map((x) => x.textContent));
  assert.ok(options.some((o) => /^ta\.atr\(.*length/.test(o)), options.join(' | '));
  await page.keyboard.press('Escape');
  await page.keyboard.press('ControlOrMeta+z');
  await page.waitForFunction(() => !/ta\.atr/.test(document.querySelector('.cm-content').textContent));
});

test('the completion list (src/ui/pine/builtins.json) matches the engine\'s registered built-ins', () => {
  execFileSync(process.execPath, [new URL('../scripts/gen-pine-builtins.mjs', import.meta.url).pathname, '--check'], { stdio: 'pipe' });
});

let runId;
let result;

test('Ctrl+Enter runs the script: plots on the chart and below it, the summary All/Long/Short, trades with signals; the trades CSV is TradingView\'s', async () => {
  await page.selectOption('#nr-dataset', NVDA);
  await page.fill('#p-fastLength', '8');
  await page.fill('#nr-trade-from', '2003-01-01');
  await page.click('.cm-content');
  await page.keyboard.press('ControlOrMeta+Enter');
  await page.waitForSelector('article.report[data-kind="backtest"]:has-text("Workspace test")', { timeout: 30000 });
  await page.waitForSelector('[data-testid="perf-summary"]');
  runId = await page.getAttribute('article.report', 'data-run');
  const run = await page.evaluate((id) => window.atf.getBacktestRun(id), runId);
  result = run.result;
  assert.equal(run.request.inputs.fastLength, 8);
  assert.equal(run.request.inputs.label, 'Cross');
  assert.equal(run.request.trade_from, '2003-01-01');
  assert.ok(result.trades[0].entry_time >= Date.UTC(2003, 0, 1), 'no trade before "Start trading at"');
  assert.equal(run.request.broker.cash, undefined, "untouched broker fields leave the script's strategy() settings");
  assert.ok(result.trades.length > 5);
  await page.waitForFunction(() => document.querySelectorAll('article.report figure.chart canvas').length >= 2);
  const r = await page.evaluate(() => ({
    plots: document.querySelector('figure.chart[data-plots]')?.dataset.plots,
    legend: [...document.querySelectorAll('[data-testid="plot-legend"] .plot-key')].map((k) => [k.textContent, k.dataset.overlay]),
    summaryHead: [...document.querySelectorAll('[data-testid="perf-summary"] thead th')].map((t) => t.textContent),
    netProfit: [...document.querySelectorAll('[data-testid="perf-summary"] tr[data-figure="net_profit"] td')].map((t) => t.textContent),
    figures: document.querySelectorAll('[data-testid="perf-summary"] tbody tr').length,
    trades: document.querySelectorAll('[data-testid="trades-table"] tbody tr').length,
    firstSignal: document.querySelector('[data-testid="trades-table"] tbody tr .signal')?.textContent,
    years: [...document.querySelectorAll('[data-testid="monthly-returns"] tbody th')].map((t) => t.textContent),
    bins: document.querySelectorAll('[data-testid="returns-histogram"] .hist-bar').length,
  }));
  assert.deepEqual([r.years[0], r.years.at(-1), r.years.length], ['1999', '2014', 16]);
  assert.ok(r.bins >= 5, `${r.bins} bins`);
  assert.equal(r.plots, '3');
  assert.deepEqual(r.legend, [['Fast', 'true'], ['Slow', 'true'], ['RSI (pane)', 'false']]);
  assert.deepEqual(r.summaryHead, ['Figure', 'All', 'Long', 'Short']);
  assert.ok(r.figures >= 25, `${r.figures} figures`);
  const net = result.performance.all.net_profit;
  assert.ok(r.netProfit[0].replace(/[^\d.-]/g, '').startsWith(String(Math.trunc(net)).replace('-', '')) || r.netProfit[0].includes(Math.abs(net).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')), r.netProfit[0]);
  assert.equal(r.trades, Math.min(200, result.trades.length + (result.open_trades?.length ?? 0)));
  assert.equal(r.firstSignal, 'Cross → Exit');

  // A trade row picked: it is selected and the charts go to it.
  await page.click('[data-testid="trades-table"] tbody tr[data-key="3"]');
  assert.equal(await page.getAttribute('[data-testid="trades-table"] tbody tr[data-key="3"]', 'class'), 'clickable selected');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-trades-csv"]')]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines[0], HEADER);
  const n = result.trades.length + (result.open_trades?.length ?? 0);
  assert.equal(lines.length, 1 + 2 * n);
  const t0 = result.trades[0];
  const [exit, entry] = [lines[1].split(','), lines[2].split(',')];
  assert.deepEqual(exit.slice(0, 5), ['1', 'Exit long', new Date(t0.exit_time).toISOString().slice(0, 16).replace('T', ' '), 'Exit', String(t0.exit_price)]);
  assert.deepEqual(entry.slice(0, 5), ['1', 'Entry long', new Date(t0.entry_time).toISOString().slice(0, 16).replace('T', ' '), 'Cross', String(t0.entry_price)]);
  assert.deepEqual(exit.slice(5), entry.slice(5), 'both rows carry the trade\'s figures');
  assert.equal(exit[7], t0.pnl.toFixed(2));
  assert.equal(exit[9], t0.max_runup.toFixed(2));
  const last = lines.at(-1).split(',');
  const cum = [...result.trades, ...(result.open_trades ?? [])].reduce((s, t) => s + t.pnl, 0);
  assert.ok(Math.abs(Number(last[13]) - cum) < 0.006, `${last[13]} vs ${cum}`);

  // "Download report": one HTML file that opens offline, without any script.
  const [rep] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-report"]')]);
  const file = `${SHOTS}/workspace-saved-report.html`;
  await rep.saveAs(file);
  assert.match(rep.suggestedFilename(), /^report-[0-9a-f]{8}\.html$/);
  const html = readFileSync(file, 'utf8');
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.includes('strategy.entry(label, strategy.long)'), 'the script is in the report');
  const offline = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const saved = await offline.newPage();
  await saved.goto(`file://${file}`);
  const view = await saved.evaluate(() => ({
    images: [...document.querySelectorAll('img.chart-img')].map((i) => i.naturalWidth > 100),
    figures: document.querySelectorAll('[data-testid="perf-summary"] tbody tr').length,
    trades: document.querySelectorAll('[data-testid="report-trades"] tbody tr').length,
    buttons: document.querySelectorAll('button').length,
  }));
  await saved.screenshot({ path: `${SHOTS}/workspace-saved-report.png` });
  await offline.close();
  assert.deepEqual(view.images, [true, true]);
  assert.equal(view.figures, r.figures);
  assert.equal(view.trades, n);
  assert.equal(view.buttons, 0);

  // Another script from a template, then the report's "Open in editor" brings the run's back.
  await page.click('#side button:has-text("New run")');
  await page.selectOption('#nr-template', 'supertrend');
  await page.waitForFunction(() => /^✓ Supertrend/.test(document.querySelector('#nr-script-status')?.textContent ?? ''), null, { timeout: 10000 });
  assert.equal(await page.locator('#p-fastLength').count(), 0);
  await page.click('[data-testid="open-script"]');
  await page.waitForFunction(() => document.querySelector('#p-fastLength')?.value === '8', null, { timeout: 10000 });
  assert.match(await page.textContent('#nr-script-status'), /Workspace test: compiles/);
  assert.equal(await page.evaluate(() => document.querySelector('.cm-content').innerText.trimEnd()), GOOD.trimEnd());
  // "Copy link" carries the script and its inputs: a new tab opening it has them in the panel
  // (and runs nothing).
  await page.click('#nr-share');
  const link = await page.inputValue('.share-link');
  const runs = (await page.evaluate(() => window.atf.listRuns())).length;
  const other = await page.context().newPage();
  await other.goto(link);
  await other.waitForFunction(() => document.querySelector('#p-fastLength')?.value === '8' && /Workspace test: compiles/.test(document.querySelector('#nr-script-status')?.textContent ?? ''), null, { timeout: 20000 });
  assert.equal(await other.inputValue('#nr-trade-from'), '2003-01-01');
  assert.equal(await other.evaluate(() => document.querySelector('.cm-content').innerText.trimEnd()), GOOD.trimEnd());
  assert.match(await other.textContent('[data-testid="share-out"]'), /shared link/);
  assert.equal((await other.evaluate(() => window.atf.listRuns())).length, runs);
  await other.close();
  // The price chart's legend has the OHLC and plotted values of a bar.
  assert.match(await page.textContent('[data-testid="chart-legend"]'), /O .*H .*L .*C .*Fast .*Slow .*RSI/);
  assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
});

/** The editor's text as shown. */
const editorText = () => page.evaluate(() => document.querySelector('.cm-content').innerText.trimEnd());
/** Waits until the script status says the editor's text compiles with `n` inputs. */
const compiled = (title, n) =>
  page.waitForFunction(([t, k]) => new RegExp(`${t}: compiles, ${k} inputs`).test(document.querySelector('#nr-script-status')?.textContent ?? ''), [title, n], { timeout: 15000 });
/** Shows the panel (the side panel shows a run's progress after a submit). */
async function showPanel() {
  const back = page.locator('#side button:has-text("New run")');
  if (await back.count()) await back.first().click();
  await page.waitForSelector('#nr-submit');
}
/** Submits the panel and waits for the new run's backtest report; answers the run (with `bars`,
 *  its equity curve's length). */
async function runBacktestFromPanel() {
  const before = (await page.evaluate(() => window.atf.listRuns())).map((r) => r.id);
  await page.click('#nr-submit');
  let id = null;
  for (const end = Date.now() + 30000; !id; await page.waitForTimeout(50)) {
    assert.ok(Date.now() < end, 'no new run after submit');
    id = (await page.evaluate(() => window.atf.listRuns())).find((r) => !before.includes(r.id))?.id ?? null;
  }
  await page.waitForSelector(`article.report[data-run="${id}"] figure.chart canvas`, { timeout: 30000 });
  return page.evaluate(async (i) => {
    const run = await window.atf.getBacktestRun(i);
    return { ...run, bars: run.result.equity_curve.length };
  }, id);
}

test('built-in sma_cross over a date range: both SMAs drawn, volume pane, no trade before "Start trading at"', async () => {
  await showPanel();
  await page.click('#nr-src-builtin');
  await page.click('#nr-tab-backtest');
  await page.selectOption('#nr-dataset', NVDA);
  await page.selectOption('#nr-strategy', 'sma_cross');
  await page.fill('#nr-from', '2004-01-01');
  await page.fill('#nr-to', '2010-12-31');
  await page.fill('#nr-trade-from', '2005-01-01');
  const run = await runBacktestFromPanel();
  assert.deepEqual([run.request.from, run.request.to, run.request.trade_from, run.request.indicator_plots], ['2004-01-01', '2010-12-31', '2005-01-01', true]);
  const r = run.result;
  // The run saw the bars of 2004-2010 only (NVDA trades about 252 days a year).
  const bars = run.bars;
  assert.ok(bars > 1700 && bars < 1780, `${bars} bars in 2004-2010`);
  assert.ok(r.trades.length > 3);
  assert.ok(r.trades.every((t) => t.entry_time >= Date.UTC(2005, 0, 1) && t.exit_time <= Date.UTC(2010, 11, 31, 23, 59)), 'trades inside the range, none before trade_from');
  assert.deepEqual(r.plots.map((p) => [p.title, p.overlay, p.values.length]), [['Fast SMA', true, bars], ['Slow SMA', true, bars]]);
  // Stored size: the plots are two numbers per bar (about 20 bytes each as JSON).
  const bytes = JSON.stringify(r.plots).length;
  assert.ok(bytes < bars * 2 * 24, `${bytes} bytes of plots for ${bars} bars`);
  await page.waitForFunction(() => document.querySelectorAll('article.report figure.chart canvas').length >= 2);
  const view = await page.evaluate(() => ({
    legend: [...document.querySelectorAll('[data-testid="plot-legend"] .plot-key')].map((k) => k.textContent),
    volume: document.querySelector('article.report figure.chart .chart-host')?.dataset.volume,
    chartLegend: document.querySelector('[data-testid="chart-legend"]')?.textContent,
    notice: [...document.querySelectorAll('article.report p.notice')].some((p) => /No price chart/.test(p.textContent)),
    range: [...document.querySelectorAll('article.report dl.settings div')].find((d) => d.querySelector('dt')?.textContent === 'Date range')?.querySelector('dd')?.textContent,
  }));
  assert.deepEqual(view.legend, ['Fast SMA', 'Slow SMA']);
  assert.equal(view.volume, 'true', 'a volume pane on the price chart');
  assert.match(view.chartLegend, /C .*V [\d.]+[KMB].*Fast SMA .*Slow SMA/);
  assert.equal(view.notice, false, 'the price chart shows the range\'s bars (no "No price chart" notice)');
  assert.equal(view.range, '2004-01-01 … 2010-12-31');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, hgt] of [[1440, 900], [390, 844]]) {
      await page.setViewportSize({ width: w, height: hgt });
      await page.waitForTimeout(150);
      await page.locator('article.report figure.chart').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/workspace-builtin-report-${w}-${scheme}.png` });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
  // The dates stay for the next runs unless cleared.
  await showPanel();
  for (const id of ['#nr-from', '#nr-to', '#nr-trade-from']) await page.fill(id, '');
});

test('scripts library: new, rename, save versions, open an older version, duplicate, delete', async () => {
  await showPanel();
  await page.click('#nr-src-script');
  await page.waitForSelector('[data-testid="script-library"]:not([hidden])');
  const names = () => page.$$eval('#nr-script option', (o) => o.map((x) => x.textContent));
  await page.click('#nr-script-new');
  await page.waitForFunction(() => document.querySelector('#nr-script-name').value === 'Untitled');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'nr-script-name', 'the new name is ready to type');
  await page.keyboard.type('my_strategy');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('#nr-script option')].some((o) => o.textContent === 'my_strategy'));
  assert.ok(!(await names()).includes('Untitled'));
  await setScript(GOOD);
  await compiled('Workspace test', 5);
  await page.waitForFunction(() => /v1 · edited/.test(document.querySelector('#nr-script-state').textContent));
  await page.click('#nr-script-save');
  await page.waitForFunction(() => /^v2 · saved/.test(document.querySelector('#nr-script-state').textContent));
  const v3 = GOOD.replace('input.int(10, "Fast length"', 'input.int(12, "Fast length"');
  await setScript(v3);
  await page.keyboard.press('ControlOrMeta+s');
  await page.waitForFunction(() => /^v3 · saved/.test(document.querySelector('#nr-script-state').textContent));
  const versions = await page.$$eval('#nr-script-versions option', (o) => o.map((x) => x.value).filter(Boolean));
  assert.deepEqual(versions, ['3', '2', '1']);
  // An older version opens in the editor (as edits: saving would make it v4).
  await page.selectOption('#nr-script-versions', '2');
  await page.waitForFunction(() => /v2 opened/.test(document.querySelector('#nr-script-state').textContent));
  assert.equal(await editorText(), GOOD.trimEnd());
  await page.selectOption('#nr-script-versions', '3');
  await page.waitForFunction((t) => document.querySelector('.cm-content').innerText.trimEnd() === t, v3.trimEnd());
  const lib = await page.evaluate(async () => {
    const list = await window.atf.scripts.list();
    const mine = list.find((s) => s.name === 'my_strategy');
    return { mine, texts: await Promise.all([1, 2, 3].map((v) => window.atf.scripts.versionText(mine.id, v))) };
  });
  assert.equal(lib.mine.version, 3);
  assert.equal(lib.texts[1], GOOD);
  assert.equal(lib.texts[2], v3);
  // Duplicate: a new script with this text, version 1; then deleted (after a confirmation).
  await page.click('#nr-script-dup');
  await page.waitForFunction(() => document.querySelector('#nr-script-name').value === 'my_strategy copy');
  assert.deepEqual(await page.$$eval('#nr-script-versions option', (o) => o.map((x) => x.value).filter(Boolean)), ['1']);
  assert.equal(await editorText(), v3.trimEnd());
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await page.click('#nr-script-del');
  await page.waitForFunction(() => ![...document.querySelectorAll('#nr-script option')].some((o) => o.textContent === 'my_strategy copy'));
  assert.match(asked, /Delete the script "my_strategy copy" and its 1 version/);
  assert.equal((await page.evaluate(() => window.atf.scripts.list())).some((s) => s.name === 'my_strategy copy'), false);
  // The most recently changed script is open again.
  await page.waitForFunction(() => document.querySelector('#nr-script-name').value === 'my_strategy');
  assert.equal(await editorText(), v3.trimEnd());
});

let scriptRuns;

test('a script optimized over two inputs shows the heatmap; an input changed and run again makes a second run', async () => {
  await compiled('Workspace test', 5);
  await page.selectOption('#nr-dataset', NVDA);
  await page.click('#nr-tab-optimization');
  for (const [name, on] of [['fastLength', true], ['slowLength', true], ['exitRsi', false]]) await page.setChecked(`#ax-${name}-on`, on);
  await page.fill('#ax-fastLength-min', '8');
  await page.fill('#ax-fastLength-max', '12');
  await page.fill('#ax-fastLength-step', '2');
  await page.fill('#ax-slowLength-min', '30');
  await page.fill('#ax-slowLength-max', '50');
  await page.fill('#ax-slowLength-step', '10');
  assert.match(await page.textContent('#nr-combos'), /^9 combinations/);
  await page.click('#nr-submit');
  await page.waitForSelector('article.report[data-kind="optimization"] [data-testid="heatmap"][data-cells="9"]', { timeout: 60000 });
  await page.waitForFunction(() => document.querySelector('article.report .status')?.textContent === 'Completed', null, { timeout: 60000 });
  const opt = await page.evaluate(async () => {
    const id = document.querySelector('article.report').dataset.run;
    return window.atf.getOptimizationRun(id);
  });
  assert.deepEqual(opt.request.axes.map((a) => a.name), ['fastLength', 'slowLength']);
  assert.equal(opt.result.trials.filter((t) => t.status === 'completed').length, 9);
  assert.deepEqual([...new Set(opt.result.trials.map((t) => t.params.fastLength))].sort(), [10, 12, 8]);
  await page.waitForFunction(() => /my_strategy v3/.test(document.querySelector('[data-testid="script-ref"]')?.textContent ?? ''));

  await showPanel();
  await page.click('#nr-tab-backtest');
  await page.fill('#p-fastLength', '9');
  const first = await runBacktestFromPanel();
  await showPanel();
  await page.fill('#p-fastLength', '14');
  const second = await runBacktestFromPanel();
  assert.notEqual(first.id, second.id);
  assert.deepEqual([first.request.inputs.fastLength, second.request.inputs.fastLength], [9, 14]);
  assert.equal(first.request.script_hash, second.request.script_hash, 'the same script, other inputs');
  assert.notDeepEqual(first.result.trades.map((t) => t.entry_time), second.result.trades.map((t) => t.entry_time));
  await page.waitForFunction(() => document.querySelector('[data-testid="script-ref"]')?.textContent === 'my_strategy v3');
  scriptRuns = [first.id, second.id];
});

test('after a reload the report names its script version and opens it in the editor', async () => {
  await page.reload();
  await page.waitForSelector('body[data-ready]');
  await page.evaluate((id) => (location.hash = `#/run/backtest/${id}`), scriptRuns[0]);
  await page.waitForSelector(`article.report[data-run="${scriptRuns[0]}"] [data-testid="perf-summary"]`, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="script-ref"]')?.textContent === 'my_strategy v3');
  await page.click('[data-testid="open-script"]');
  await page.waitForFunction(() => document.querySelector('#p-fastLength')?.value === '9', null, { timeout: 15000 });
  assert.equal(await page.inputValue('#nr-script-name'), 'my_strategy');
  assert.equal(await editorText(), GOOD.replace('input.int(10, "Fast length"', 'input.int(12, "Fast length"').trimEnd());
  assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
});

test('share links are compressed; a script too long even so gets a message instead of a link', async () => {
  // 7,000 characters of a repeated comment: over the old 5,000-character limit, small deflated.
  const repetitive = `${GOOD}${'// the same comment line, again and again\n'.repeat(170)}`;
  assert.ok(repetitive.length > 7000);
  await setScript(repetitive);
  await page.click('#nr-share');
  await page.waitForSelector('[data-testid="share-out"] input.share-link');
  const link = await page.inputValue('[data-testid="share-out"] input.share-link');
  assert.match(link, /#\/new\?z=[\w-]+$/);
  assert.ok(link.length < 3000, `${link.length} characters`);
  // Random text does not compress: the link would pass 8,192 characters.
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const noise = Array.from({ length: 200 }, () => `// ${Array.from({ length: 60 }, () => String.fromCharCode(33 + Math.floor(rnd() * 90))).join('')}\n`).join('');
  await setScript(`${GOOD}${noise}`);
  await page.click('#nr-share');
  await page.waitForSelector('[data-testid="share-out"][data-too-long="true"]');
  const msg = await page.textContent('[data-testid="share-out"]');
  assert.match(msg, /^This script \([\d,]+ characters\) is too long for a link: compressed, the link would take [\d,]+ characters, and a link carries up to 8,192\. Download the script as a \.pine file/);
  assert.equal(await page.locator('[data-testid="share-out"] input.share-link').count(), 0);
  await setScript(GOOD.replace('input.int(10, "Fast length"', 'input.int(12, "Fast length"'));
});

test('screenshots: script panel and report at 1440×900 and 390×844, light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, hgt] of [[1440, 900], [390, 844]]) {
      await page.setViewportSize({ width: w, height: hgt });
      await page.waitForTimeout(150);
      // The panel: back to the form (the report stays in the main area).
      const back = page.locator('#side button:has-text("New run")');
      if (await back.count()) await back.first().click();
      await page.locator('#side .script-box').scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${SHOTS}/workspace-script-${w}-${scheme}.png` });
      await page.locator('article.report figure.chart').first().scrollIntoViewIfNeeded();
      await page.waitForTimeout(100);
      await page.screenshot({ path: `${SHOTS}/workspace-report-${w}-${scheme}.png` });
      await page.locator('[data-testid="perf-summary"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/workspace-summary-${w}-${scheme}.png` });
      await page.locator('[data-testid="monthly-returns"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/workspace-returns-${w}-${scheme}.png` });
      await page.locator('[data-testid="trades-table"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/workspace-trades-${w}-${scheme}.png` });
      // Nothing is wider than the window once it has shrunk (charts follow their box).
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), w);
    }
  }
});
