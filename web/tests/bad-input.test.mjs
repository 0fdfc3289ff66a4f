// The bad-input table in the browser (issue 6): every bad file and bad request goes through the
// app's real path (window.atf and the new-run panel's CSV import), the exact error the user sees is
// checked, and so is that nothing was saved or changed: the runs, the saved datasets, the database
// file (byte for byte) and the storage status are the same before and after, and after a reload.
// The engine half (the same files, with codes, lines and columns) is tests/engine/bad_input_test.cpp.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const NVDA = 'NVDA-1d-1999-2014.csv';
const HEADER = 'Date,Open,High,Low,Close,Volume\n';
const ROW2 = '2020-01-02,10,11,9,10.5,100\n';
const ROW3 = '2020-01-03,10.5,12,10,11,200\n';
const row3 = (cells) => `${HEADER}${ROW2}${cells}\n`;
const MISSING_TIME =
  'line 1: missing column time: expected columns named time (or date, timestamp, datetime), open, high, low, close ' +
  'and optionally volume, in any order; found ';
const UTF16 = 'the file looks like UTF-16; save it as UTF-8';
const utf16le = (s) => Buffer.from(s, 'utf16le');
const utf16be = (s) => Buffer.from(s, 'utf16le').swap16();
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** Bad files: the bytes of the file, and the engine's error (message, line, column). */
const FILES = [
  ['empty file', '', 'the file is empty'],
  ['only blank lines', '\n  \r\n\t\n', 'the file is empty'],
  ['header only', HEADER, 'no data rows: the file has a header (line 1) but no prices below it'],
  ['unknown columns', 'Symbol,Price,Qty\nAAPL,1,2\n', `${MISSING_TIME}Symbol,Price,Qty`, 1],
  ['wrong separator', 'Date|Open|High|Low|Close|Volume\n2020-01-02|10|11|9|10.5|100\n',
    `${MISSING_TIME}Date|Open|High|Low|Close|Volume (one column: separate columns with a comma, a semicolon or a tab; this line uses '|')`, 1],
  // Decimal commas in a ';' file are read; a decimal point after them is refused.
  ['decimal point after decimal commas', 'Date;Open;High;Low;Close\n2020-01-02;10,5;11;9;10,5\n2020-01-03;10,5;11;9;10.25\n',
    "line 3, column 5 (close): expected a number, found '10.25' (this file writes decimals with a comma, as '10,5' in line 2)", 3, 5],
  ['missing value', row3('2020-01-03,10.5,,10,11,200'), "line 3, column 3 (high): expected a number, found ''", 3, 3],
  ['missing fields', row3('2020-01-03,10.5,12'), 'line 3, column 4 (low): expected 6 fields, found 3', 3, 4],
  ['NaN', row3('2020-01-03,NaN,12,10,11,200'), "line 3, column 2 (open): expected a number, found 'NaN'", 3, 2],
  ['Infinity', row3('2020-01-03,10.5,Infinity,10,11,200'), "line 3, column 3 (high): expected a number, found 'Infinity'", 3, 3],
  ['overflowing number', row3('2020-01-03,10.5,1e999,10,11,200'), "line 3, column 3 (high): expected a finite price, found '1e999'", 3, 3],
  ['negative price', row3('2020-01-03,10.5,12,-1,11,200'), "line 3, column 4 (low): expected a price above 0, found '-1'", 3, 4],
  ['zero price', row3('2020-01-03,0,12,10,11,200'), "line 3, column 2 (open): expected a price above 0, found '0'", 3, 2],
  ['high < low', row3('2020-01-03,10.5,9,10,9.5,200'), "line 3, column 3 (high): expected a high of at least the low (10), found '9'", 3, 3],
  ['duplicate timestamp', row3('2020-01-02,10.5,12,10,11,200'),
    "line 3, column 1 (time): duplicate timestamp: expected a time after 2020-01-02 (line 2), found '2020-01-02'", 3, 1],
  // A file wholly newest-first is read in time order; going back after going forward is refused.
  ['out-of-order timestamps', HEADER + ROW2 + ROW3 + ROW2,
    "line 4, column 1 (time): timestamp out of order: expected a time after 2020-01-03 (line 3), found '2020-01-02'", 4, 1],
  ['mixed timestamp formats', row3('2020-01-03 09:30:00,10.5,12,10,11,200'),
    "line 3, column 1 (time): expected a date like 2020-01-02 (as in line 2), found '2020-01-03 09:30:00'", 3, 1],
  ['binary garbage (PNG)', bytes('\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0'),
    'line 2, column 1: the file looks binary (control byte 0x1A), not CSV text', 2, 1],
  ['binary garbage (xlsx)', bytes('PK\x03\x04\x14\0\x06\0[Content_Types].xml'),
    'line 1, column 1: the file looks binary (control byte 0x03), not CSV text; it may be a ZIP archive or an Excel workbook: export it as CSV', 1, 1],
  // With its BOM a UTF-16 file is decoded by the browser (File.text()) and accepted (last test);
  // without one it reaches the engine as text with a NUL after every character.
  ['UTF-16 LE without BOM', utf16le(HEADER + ROW2 + ROW3), UTF16],
  ['UTF-16 BE without BOM', utf16be(HEADER + ROW2 + ROW3), UTF16],
].map(([name, content, message, line = 0, column = 0]) => ({ name, bytes: Array.from(bytes(content)), message, line, column }));

/** What the page says for a file the engine refuses (the dataset field's ValidationError). */
const shownFor = (dataset, f) =>
  `dataset "${dataset}": ${f.message}${f.line && !f.message.startsWith('line ') ? ` (line ${f.line}${f.column ? `, column ${f.column}` : ''})` : ''}`;

const STRATEGIES = 'sma_cross, ema_cross, rsi_reversion, bollinger_reversion, donchian_breakout, macd_signal';
const axis = (name, min, max, step) => ({ name, min, max, step });
const SMA = { dataset: NVDA, strategy: 'sma_cross' };
/** Bad requests: kind, request, the ValidationError's field and message. */
const REQUESTS = [
  ['parameter below its range', 'backtest', { ...SMA, params: { fast: 0 } }, 'fast', 'fast must be between 1 and 500, got 0'],
  ['parameter above its range', 'backtest', { ...SMA, params: { slow: 5000 } }, 'slow', 'slow must be between 2 and 2000, got 5000'],
  ['parameters that contradict', 'backtest', { ...SMA, params: { fast: 40, slow: 20 } }, 'fast', 'fast (40) must be less than slow (20)'],
  ['parameter that is not a number', 'backtest', { ...SMA, params: { fast: 'ten' } }, 'params.fast', 'params.fast must be a number'],
  ['broker setting out of range', 'backtest', { ...SMA, broker: { cash: -1 } }, 'broker.cash', 'cash must be a positive number'],
  ['axis value out of range', 'optimization', { ...SMA, axes: [axis('fast', 0, 10, 5)] }, 'axes.fast', 'axis fast: fast must be between 1 and 500, got 0'],
  ['step 0', 'optimization', { ...SMA, axes: [axis('fast', 1, 10, 0)] }, 'axes.fast', 'axis fast: step must be positive'],
  ['min > max', 'optimization', { ...SMA, axes: [axis('fast', 30, 5, 5)] }, 'axes.fast', 'axis fast: min (30) is above max (5)'],
  ['grid over the limit', 'optimization',
    { dataset: NVDA, strategy: 'macd_signal', axes: [axis('fast', 1, 101, 1), axis('slow', 2, 102, 1), axis('signal', 1, 101, 1)] }, 'axes',
    'the grid has 1030301 combinations (fast 101 × slow 101 × signal 101), over the limit of 1000000: use larger steps or fewer values'],
  ['unknown strategy', 'backtest', { dataset: NVDA, strategy: 'nope' }, 'strategy', `unknown strategy 'nope' (known: ${STRATEGIES})`],
  ['unknown metric', 'optimization', { ...SMA, axes: [axis('fast', 5, 10, 5)], objective: 'profit' }, 'objective',
    "unknown metric 'profit' (known: net_profit, total_return_pct, cagr_pct, volatility_pct, sharpe, sortino, max_drawdown_pct, " +
    'max_drawdown_bars, calmar, trades, win_rate_pct, profit_factor, avg_trade_pct, best_trade_pct, worst_trade_pct, expectancy, ' +
    'exposure_pct, commissions)'],
  ['unknown dataset', 'backtest', { dataset: 'nope.csv', strategy: 'sma_cross' }, 'dataset', 'unknown dataset "nope.csv"'],
].map(([name, kind, request, field, message]) => ({ name, kind, request, field, message }));

let server;
let browser;
let context;
let page;
let baseline;
let SQL;

before(async () => {
  SQL = await (await import('sql.js')).default();
  server = await startServer({ isolated: true });
  browser = await launch();
  context = await browser.newContext();
  page = await openSite(context, server.url);
  // Something to lose: a saved run on an imported dataset (saved too).
  await page.evaluate(async ({ csv }) => {
    await window.atf.addDatasetCsv('good.csv', csv);
    const { id } = await window.atf.submitBacktest({ dataset: 'good.csv', strategy: 'sma_cross', params: { fast: 2, slow: 3 } });
    for (;;) {
      const s = await window.atf.getBacktestStatus(id);
      if (s.status === 'Completed') return;
      if (s.status !== 'Pending' && s.status !== 'Running') throw new Error(`good.csv run ${s.status}: ${s.errorMessage}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }, { csv: goodCsv(30) });
  baseline = await snapshot(page);
  assert.equal(JSON.parse(baseline.runs).length, 1);
  assert.deepEqual(baseline.saved, ['good.csv']);
});
after(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

/** A valid daily CSV of n rows. */
function goodCsv(n) {
  const rows = [HEADER.trim()];
  for (let i = 0; i < n; i++) {
    const p = 100 + ((i * 37) % 11) - 5;
    rows.push(`${new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10)},${p},${p + 2},${p - 2},${p + 1},1000`);
  }
  return `${rows.join('\n')}\n`;
}

/** Everything a bad input must not change: the runs, the saved datasets (the database's datasets
 *  table), the database file's SHA-256, the storage status and warning. `listed` is the page's
 *  dataset list (in memory). */
async function snapshot(p) {
  const s = await p.evaluate(async () => {
    const file = await window.atf.database.exportFile();
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', file)), (b) => b.toString(16).padStart(2, '0')).join('');
    const status = await window.atf.database.status();
    return {
      runs: JSON.stringify(await window.atf.listRuns()),
      file: Array.from(file),
      sha256: digest,
      durable: status?.persistence.durable ?? null,
      warning: window.atf.storageWarning,
      listed: window.atf.listDatasets().map((d) => d.name).sort(),
    };
  });
  const db = new SQL.Database(new Uint8Array(s.file));
  const saved = db.exec('SELECT name FROM datasets ORDER BY name')[0]?.values.map((r) => r[0]) ?? [];
  db.close();
  const { file, ...rest } = s;
  return { ...rest, bytes: file.length, saved };
}

/** The state after a bad input equals the baseline (the page's in-memory list aside). */
function assertUnchanged(now, what) {
  const { listed: _a, ...rest } = now;
  const { listed: _b, ...base } = baseline;
  assert.deepEqual(rest, base, `${what}: something was saved or changed`);
}

test('the database file is byte-identical when nothing is written (the proof below relies on it)', async () => {
  const again = await snapshot(page);
  assert.deepEqual(again, baseline);
  assert.ok(baseline.bytes > 0 && baseline.durable === true);
});

test('bad files through window.atf: the exact error, and nothing saved or changed', async () => {
  const out = await page.evaluate(async (files) => {
    const results = [];
    for (const f of files) {
      const name = `api ${f.name}.csv`;
      // The page reads a chosen file as the file input does (File.text(): UTF-8, BOM stripped).
      const text = await new File([new Uint8Array(f.bytes)], name).text();
      await window.atf.addDatasetCsv(name, text);
      try {
        await window.atf.submitBacktest({ dataset: name, strategy: 'sma_cross' });
        results.push({ name, accepted: true });
      } catch (e) {
        results.push({ name, error: e.name, field: e.field, message: e.message });
      }
    }
    return results;
  }, FILES);
  for (const [i, f] of FILES.entries()) {
    const r = out[i];
    assert.deepEqual(r, { name: r.name, error: 'ValidationError', field: 'dataset', message: shownFor(r.name, f) }, f.name);
  }
  const now = await snapshot(page);
  assertUnchanged(now, 'after every bad file');
  // In this page the refused files stay in the dataset list, never validated (bars unknown); they
  // were not saved, so a reload forgets them (below).
  const listed = await page.evaluate(() => window.atf.listDatasets().filter((d) => d.name.startsWith('api ')));
  assert.equal(listed.length, FILES.length);
  assert.ok(listed.every((d) => d.bars === null && d.source === 'csv'));
});

test('an import check lists every bad line (the first 20 and a count) and says what it skipped', async () => {
  let bad = HEADER;
  for (let d = 1; d <= 25; d++) bad += `2020-03-${String(d).padStart(2, '0')},x,11,9,10.5,100\n`;
  const out = await page.evaluate(async (bad) => {
    await window.atf.addDatasetCsv('api many bad lines.csv', bad);
    let message = null;
    try { await window.atf.checkDataset('api many bad lines.csv'); } catch (e) { message = e.message; }
    await window.atf.addDatasetCsv('api null rows.csv',
      'Date,Open,High,Low,Close,Adj Close,Volume\n2019-10-07,1,1,1,1,1,0\n2019-10-08,1,1,1,1,1,0\n2019-10-09,null,null,null,null,null,null\n2019-10-10,1,1,1,1,1,\n');
    const nulls = await window.atf.checkDataset('api null rows.csv');
    return { message, nulls };
  }, bad);
  const lines = out.message.split('\n');
  assert.equal(lines[0], 'dataset "api many bad lines.csv": 25 bad lines:');
  assert.equal(lines[1], "line 2, column 2 (open): expected a number, found 'x'");
  assert.equal(lines[20], "line 21, column 2 (open): expected a number, found 'x'");
  assert.equal(lines[21], '… and 5 more');
  assert.equal(lines.length, 22);
  assert.deepEqual(out.nulls, { bars: 3, notices: ['1 row without prices (empty or null) skipped, the first at line 4'] });
  assertUnchanged(await snapshot(page), 'after checking files');
});

test('bad files through the new-run panel: the error next to the dataset field at import, the file not kept', async () => {
  await page.click('nav.top a[data-nav="runs"]');
  await page.waitForSelector('#nr-submit');
  await page.click('#nr-tab-backtest');
  for (const f of FILES) {
    const name = `ui ${f.name}.csv`;
    // The importer checks the whole file as soon as it is chosen (no run needed).
    await page.setInputFiles('#nr-csv', { name, mimeType: 'text/csv', buffer: Buffer.from(f.bytes) });
    const err = page.locator('#err-dataset');
    await page.waitForFunction(() => document.querySelector('#err-dataset')?.textContent !== '');
    assert.equal(await err.textContent(), shownFor(name, f), f.name);
    assert.equal(await page.getAttribute('#nr-dataset', 'aria-invalid'), 'true', f.name);
    assert.equal(await page.locator(`#nr-dataset option[value="${name}"]`).count(), 0, `${f.name}: the refused file left the list`);
    assert.equal(await page.evaluate((n) => window.atf.listDatasets().some((d) => d.name === n), name), false, f.name);
    assert.equal(await page.locator('#progress').count(), 0, `${f.name}: no run was started`);
  }
  assertUnchanged(await snapshot(page), 'after every bad file in the panel');
});

test('bad requests: the exact ValidationError, and nothing saved or changed', async () => {
  const out = await page.evaluate(async (cases) => {
    const results = [];
    for (const c of cases) {
      try {
        if (c.kind === 'backtest') await window.atf.submitBacktest(c.request);
        else await window.atf.submitOptimization(c.request);
        results.push({ accepted: true });
      } catch (e) {
        results.push({ error: e.name, field: e.field, message: e.message });
      }
    }
    return results;
  }, REQUESTS);
  for (const [i, c] of REQUESTS.entries()) assert.deepEqual(out[i], { error: 'ValidationError', field: c.field, message: c.message }, c.name);
  assertUnchanged(await snapshot(page), 'after every bad request');
});

test('bad parameters in the new-run panel: the error next to the parameter', async () => {
  await page.selectOption('#nr-dataset', NVDA);
  await page.selectOption('#nr-strategy', 'sma_cross');
  const cases = [
    // [tab, inputs to set, error slot, text shown]
    ['backtest', { '#p-fast': '0' }, '#err-param-fast', 'fast must be between 1 and 500, got 0'],
    ['backtest', { '#p-fast': '40', '#p-slow': '20' }, '#err-param-fast', 'fast (40) must be less than slow (20)'],
    ['optimization', { '#ax-fast-min': '5', '#ax-fast-max': '10', '#ax-fast-step': '0' }, '#err-param-fast', 'axis fast: step must be positive'],
    ['optimization', { '#ax-fast-min': '30', '#ax-fast-max': '5', '#ax-fast-step': '5' }, '#err-param-fast', 'axis fast: min (30) is above max (5)'],
    ['optimization', { strategy: 'macd_signal', check: '#ax-signal-on', '#ax-fast-min': '1', '#ax-fast-max': '101', '#ax-fast-step': '1',
      '#ax-slow-min': '2', '#ax-slow-max': '102', '#ax-slow-step': '1', '#ax-signal-min': '1', '#ax-signal-max': '101', '#ax-signal-step': '1' },
      '.new-run .general', 'axes: the grid has 1030301 combinations (fast 101 × slow 101 × signal 101), over the limit of 1000000: use larger steps or fewer values'],
  ];
  for (const [tab, { strategy, check, ...inputs }, slot, text] of cases) {
    await page.click(`#nr-tab-${tab}`);
    if (strategy) await page.selectOption('#nr-strategy', strategy);
    if (check) await page.check(check);
    for (const [sel, v] of Object.entries(inputs)) await page.fill(sel, v);
    await page.click('#nr-submit');
    await page.waitForFunction((s) => document.querySelector(s)?.textContent !== '', slot);
    assert.equal(await page.textContent(slot), text);
    assert.equal(await page.locator('#progress').count(), 0, `${text}: no run was started`);
  }
  assertUnchanged(await snapshot(page), 'after bad parameters in the panel');
});

test('a 200 MB file is refused before it is parsed or saved, with its size and the limit', async () => {
  const out = await page.evaluate(async () => {
    const heap = () => performance.memory?.usedJSHeapSize ?? null;
    const t0 = performance.now();
    // 200 MB of valid one-minute bars (about 4.9 million rows, 43 bytes each), made in the page.
    const prices = Array.from({ length: 50 }, (_, k) => {
      const p = 100 + k / 10;
      return `,${p.toFixed(2)},${(p + 0.5).toFixed(2)},${(p - 0.5).toFixed(2)},${(p + 0.1).toFixed(2)},${1000 + k}\n`;
    });
    const parts = ['timestamp,open,high,low,close,volume\n'];
    let size = parts[0].length;
    for (let t = 1577836800; size < 200 * 1024 * 1024; ) {
      const rows = [];
      for (let k = 0; k < 20000; k++, t += 60) rows.push(t + prices[k % 50]);
      const chunk = rows.join('');
      parts.push(chunk);
      size += chunk.length;
    }
    const text = parts.join('');
    const file = { size: text.length };  // ASCII: one byte per character
    const made = performance.now() - t0;
    const heapBefore = heap();
    const t1 = performance.now();
    let error = null;
    try {
      await window.atf.addDatasetCsv('big.csv', text);
    } catch (e) {
      error = { name: e.name, field: e.field, message: e.message };
    }
    return { fileBytes: file.size, textLength: text.length, made, refuseMs: performance.now() - t1, heapBefore, heapAfter: heap(), error,
             listed: window.atf.listDatasets().some((d) => d.name === 'big.csv') };
  });
  console.log(`# 200 MB file: ${out.fileBytes} bytes made in ${Math.round(out.made)} ms, refused in ${Math.round(out.refuseMs)} ms; ` +
    `JS heap ${Math.round(out.heapBefore / 2 ** 20)} MB -> ${Math.round(out.heapAfter / 2 ** 20)} MB`);
  assert.ok(out.fileBytes >= 200 * 1024 * 1024 && out.fileBytes < 201 * 1024 * 1024);
  assert.deepEqual(out.error, {
    name: 'ValidationError',
    field: 'dataset',
    message: `dataset "big.csv" is ${(out.fileBytes / 2 ** 20).toFixed(1)} MB; an imported CSV file can be at most 64.0 MB: split it into shorter periods`,
  });
  assert.equal(out.listed, false, 'the refused file is not even listed in this page');
  assert.ok(out.refuseMs < 2000, `refused in ${out.refuseMs} ms`);
  assertUnchanged(await snapshot(page), 'after the 200 MB file');
});

test('a file just under the limit (64 MB, 1.5 million bars) imports, runs, is saved once and is there after a reload', async () => {
  const ctx = await browser.newContext();
  const p = await openSite(ctx, server.url);
  const out = await p.evaluate(async () => {
    const prices = Array.from({ length: 50 }, (_, k) => {
      const q = 100 + k / 10;
      return `,${q.toFixed(2)},${(q + 0.5).toFixed(2)},${(q - 0.5).toFixed(2)},${(q + 0.1).toFixed(2)},${1000 + k}\n`;
    });
    const rows = ['timestamp,open,high,low,close,volume\n'];
    let size = rows[0].length;
    for (let t = 1577836800, k = 0; ; k++, t += 60) {
      const row = t + prices[k % 50];
      if (size + row.length > 64 * 1024 * 1024) break;
      rows.push(row);
      size += row.length;
    }
    const text = rows.join('');
    const t0 = performance.now();
    await window.atf.addDatasetCsv('limit.csv', text);
    const { id, totalBars } = await window.atf.submitBacktest({ dataset: 'limit.csv', strategy: 'sma_cross' });
    const submitted = performance.now() - t0;
    for (;;) {
      const s = await window.atf.getBacktestStatus(id);
      if (s.status !== 'Pending' && s.status !== 'Running') {
        return { bytes: text.length, rows: rows.length - 1, totalBars, status: s.status, submitted, total: performance.now() - t0 };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  console.log(`# 64 MB file: ${out.rows} rows validated and queued in ${Math.round(out.submitted)} ms, run done in ${Math.round(out.total)} ms`);
  assert.ok(out.bytes > 63.9 * 2 ** 20 && out.bytes <= 64 * 2 ** 20);
  assert.equal(out.status, 'Completed');
  assert.equal(out.totalBars, out.rows);
  await p.reload();
  await p.waitForFunction(() => window.atf);
  const names = await p.evaluate(() => window.atf.listDatasets().filter((d) => d.name === 'limit.csv').length);
  assert.equal(names, 1);
  await ctx.close();
});

test('after a reload: the same runs and saved datasets, and none of the refused files', async () => {
  await page.reload();
  await page.waitForFunction(() => window.atf);
  const now = await snapshot(page);
  assertUnchanged(now, 'after a reload');
  assert.deepEqual(now.listed, baseline.listed);
});

test('a UTF-8 BOM is stripped, a UTF-16 file with its BOM is decoded: the same bars and result', async () => {
  const ctx = await browser.newContext();
  const p = await openSite(ctx, server.url);
  const csv = goodCsv(40);
  const out = await p.evaluate(async ({ csv, utf16le, utf16be }) => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const run = async (name, text) => {
      await window.atf.addDatasetCsv(name, text);
      const { id, totalBars } = await window.atf.submitBacktest({ dataset: name, strategy: 'sma_cross', params: { fast: 2, slow: 5 } });
      for (;;) {
        const s = await window.atf.getBacktestStatus(id);
        if (s.status !== 'Pending' && s.status !== 'Running') return { totalBars, status: s.status, equity: s.result?.final_equity, trades: s.result?.trades.length };
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    return {
      plain: await run('plain.csv', csv),
      // As a file (File.text() drops the BOM) and as text that still starts with U+FEFF (the engine drops it).
      file: await run('bom-file.csv', await new File([bom, csv], 'bom-file.csv').text()),
      text: await run('bom-text.csv', `\uFEFF${csv}`),
      utf16le: await run('utf16le.csv', await new File([new Uint8Array(utf16le)], 'utf16le.csv').text()),
      utf16be: await run('utf16be.csv', await new File([new Uint8Array(utf16be)], 'utf16be.csv').text()),
    };
  }, { csv, utf16le: Array.from(bytes([0xff, 0xfe], utf16le(csv))), utf16be: Array.from(bytes([0xfe, 0xff], utf16be(csv))) });
  assert.equal(out.plain.status, 'Completed');
  assert.equal(out.plain.totalBars, 40);
  assert.deepEqual(out.file, out.plain);
  assert.deepEqual(out.text, out.plain);
  assert.deepEqual(out.utf16le, out.plain);
  assert.deepEqual(out.utf16be, out.plain);
  await ctx.close();
});
