// Datasets: importCsv, loadBars, freeDataset, and ids checked against the registry.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { SAMPLE_FILES, error, loadEngine, readSample, value } from './helpers.mjs';

let engine;
before(async () => { engine = await loadEngine(); });

const HEADER = 'time,open,high,low,close,volume\n';
const SMA = JSON.stringify({ strategy: 'sma_cross' });
const GRID = JSON.stringify({ strategy: 'sma_cross', axes: [{ name: 'fast', values: [5, 10] }] });

test('importCsv reads every sample file and describes it', () => {
  for (const file of SAMPLE_FILES) {
    const text = readSample(file);
    const v = value(engine.importCsv(text, '{}'));
    const rows = text.trim().split('\n').length - 1;
    assert.equal(v.bars, rows, file);
    assert.ok(Number.isInteger(v.dataset) && v.dataset > 0);
    assert.equal(v.first_time, Date.parse(text.split('\n')[1].split(',')[0]), file);
    assert.equal(v.last_time, Date.parse(text.trim().split('\n').at(-1).split(',')[0]), file);
    assert.equal(v.price_decimals, 6, file);
    assert.equal(v.rows_read, rows);
    assert.equal(v.rows_skipped, 0);
    assert.deepEqual(v.layout, { separator: ',', has_header: true, time_format: 'date', columns: 7, time_col: 0,
                                 open_col: 1, high_col: 2, low_col: 3, close_col: 4, volume_col: 6, clock_col: -1,
                                 date_style: 'iso', decimal_mark: '.' });
    assert.equal(v.rows_without_prices, 0);
    assert.equal(v.first_line_without_prices, null);
    assert.equal(v.newest_first, false);
    assert.deepEqual(v.notices, []);
  }
});

test('importCsv ids are distinct and never reused', () => {
  const text = readSample(SAMPLE_FILES[0]);
  const a = value(engine.importCsv(text, '')).dataset;
  engine.freeDataset(a);
  const b = value(engine.importCsv(text, '')).dataset;
  assert.ok(b > a);
});

test('importCsv options: from/to (ms or dates, inclusive) and symbol', () => {
  const text = readSample('NVDA-1d-1999-2014.csv');
  const v = value(engine.importCsv(text, JSON.stringify({ from: '2001-01-01', to: '2001-12-31', symbol: 'NVDA' })));
  assert.equal(v.symbol, 'NVDA');
  assert.equal(v.first_time, Date.parse('2001-01-02'));
  assert.equal(v.last_time, Date.parse('2001-12-31'));
  assert.equal(v.bars + v.rows_skipped, v.rows_read);
  const ms = value(engine.importCsv(text, JSON.stringify({ from: Date.parse('2001-01-02'), to: Date.parse('2001-12-31') })));
  assert.equal(ms.bars, v.bars);
  assert.equal(error(engine.importCsv(text, '{"from": "soon"}')).field, 'options.from');
  assert.equal(error(engine.importCsv(text, '{"to": 1.5}')).field, 'options.to');
  assert.equal(error(engine.importCsv(text, '{"symbol": 3}')).field, 'options.symbol');
  assert.equal(error(engine.importCsv(text, '[1]')).field, 'options');
  assert.equal(error(engine.importCsv(text, '{from')).field, 'options');
  assert.equal(value(engine.importCsv(text, undefined)).bars, value(engine.importCsv(text, null)).bars);
  // Arguments of the wrong JS type are error values too (not embind's BindingError).
  assert.equal(error(engine.importCsv(null, '')).field, 'text');
  assert.equal(error(engine.importCsv(text, 42)).field, 'options');
});

test('import errors name the line and the column', () => {
  let e = error(engine.importCsv(`${HEADER}2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,abc,0.5,1.5,10\n`, ''));
  assert.equal(e.code, 'import');
  assert.equal(e.line, 3);
  assert.equal(e.column, 3);
  assert.equal(e.field, 'high');
  assert.match(e.message, /line 3, column 3 \(high\).*'abc'/);

  e = error(engine.importCsv(`${HEADER}2020-01-01,1,0.5,0.4,0.6,1\n`, ''));  // high below the open
  assert.deepEqual([e.code, e.line, e.column], ['import', 2, 3]);

  // time goes back after going forward (a file wholly newest-first is read in time order)
  e = error(engine.importCsv(`${HEADER}2020-01-02,1,2,0.5,1,1\n2020-01-03,1,2,0.5,1,1\n2020-01-01,1,2,0.5,1,1\n`, ''));
  assert.deepEqual([e.code, e.line, e.column, e.field], ['import', 4, 1, 'time']);

  e = error(engine.importCsv(`${HEADER}2020-01-01,-1,2,0.5,1,1\n`, ''));
  assert.deepEqual([e.code, e.line, e.column, e.field], ['import', 2, 2, 'open']);

  assert.equal(error(engine.importCsv('', '')).code, 'import');
  assert.equal(error(engine.importCsv('a,b\n1,2\n', '')).code, 'import');
  // Bytes that are not UTF-8 in the quoted cell still give a JSON answer.
  e = error(engine.importCsv(`${HEADER}2020-01-01,1,\udcff\u00ff,0.5,1,1\n`, ''));
  assert.deepEqual([e.line, e.column], [2, 3]);
});

test('loadBars copies columns into a dataset; the caller keeps its arrays', () => {
  const n = 5000;
  const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n),
                new Float64Array(n)];
  for (let i = 0; i < n; ++i) {
    const c = 100 + Math.round(10 * Math.sin(i / 50) * 100) / 100;
    cols[0][i] = 1577836800000 + i * 86400000;
    cols[1][i] = c; cols[2][i] = c + 1; cols[3][i] = c - 1; cols[4][i] = c; cols[5][i] = 1000;
  }
  const v = value(engine.loadBars(...cols));
  assert.equal(v.bars, n);
  assert.equal(v.first_time, cols[0][0]);
  assert.equal(v.last_time, cols[0][n - 1]);
  assert.equal(v.price_decimals, 2);
  assert.equal(v.layout, undefined);
  assert.equal(cols[4].length, n, 'not transferred or detached');
  const bt = value(engine.runBacktest(v.dataset, SMA, null));
  assert.equal(bt.bars, n);
  // Plain arrays work too.
  const small = value(engine.loadBars([1, 2], [1, 1], [2, 2], [0.5, 0.5], [1, 1], [1, 1]));
  assert.equal(small.bars, 2);
});

test('loadBars rejects bad columns with the field', () => {
  const f = (a) => new Float64Array(a);
  let e = error(engine.loadBars(f([1, 2]), f([1, 1]), f([2, 2]), f([0.5, 0.5]), f([1, 1]), f([1])));
  assert.deepEqual([e.code, e.field], ['validation', 'data']);
  e = error(engine.loadBars(f([1, 1]), f([1, 1]), f([2, 2]), f([0.5, 0.5]), f([1, 1]), f([1, 1])));
  assert.equal(e.code, 'validation');
  assert.match(e.message, /strictly increasing/);
  e = error(engine.loadBars(f([1, 2.5]), f([1, 1]), f([2, 2]), f([0.5, 0.5]), f([1, 1]), f([1, 1])));
  assert.deepEqual([e.code, e.field], ['validation', 'time']);
  e = error(engine.loadBars(f([1, 2]), f([1, -1]), f([2, 2]), f([0.5, 0.5]), f([1, 1]), f([1, 1])));
  assert.equal(e.code, 'validation');
  e = error(engine.loadBars(f([]), f([]), f([]), f([]), f([]), f([])));
  assert.equal(e.code, 'validation');
  e = error(engine.loadBars(f([1]), f([1]), f([2]), f([0.5]), f([1]), undefined));
  assert.deepEqual([e.code, e.field], ['validation', 'volume']);
});

test('an unknown dataset is not_found in every call that takes one', () => {
  const claim = () => { throw new Error('claim must not be called'); };
  for (const text of [engine.validateBacktest(424242, SMA), engine.runBacktest(424242, SMA, null),
                      engine.validateOptimization(424242, GRID), engine.runTrials(424242, GRID, claim, () => {}, null),
                      engine.rerunTrial(424242, GRID, 0)]) {
    const e = error(text);
    assert.equal(e.code, 'not_found');
    assert.equal(e.field, 'dataset');
  }
});

test('after freeDataset the id is not_found; freeing twice or an unknown id is fine', () => {
  const id = value(engine.importCsv(readSample(SAMPLE_FILES[1]), '')).dataset;
  value(engine.validateBacktest(id, SMA));
  engine.freeDataset(id);
  assert.equal(error(engine.runBacktest(id, SMA, null)).code, 'not_found');
  assert.equal(error(engine.validateOptimization(id, GRID)).code, 'not_found');
  assert.equal(engine.freeDataset(id), undefined);
  assert.equal(engine.freeDataset(-5), undefined);
});

// Files as traders export them (issue 12): the browser's import path is this same importer.
test('importCsv: YYYYMMDD dates, Date+Time columns, null rows counted, newest-first reversed', () => {
  const compact = value(engine.importCsv('Date,Open,High,Low,Close\n20200102,10,10,10,10\n20200103,11,11,11,11\n', ''));
  assert.equal(compact.first_time, Date.UTC(2020, 0, 2));
  assert.equal(compact.last_time, Date.UTC(2020, 0, 3));
  assert.equal(compact.layout.date_style, 'yyyymmdd');
  const dt = value(engine.importCsv('Date,Time,Open,High,Low,Close\n2011-12-08,18:49,1,1,1,1\n2011-12-08,18:50,1,1,1,1\n', ''));
  assert.equal(dt.first_time, Date.UTC(2011, 11, 8, 18, 49));
  assert.equal(dt.last_time, Date.UTC(2011, 11, 8, 18, 50));
  assert.equal(dt.layout.clock_col, 1);
  const nul = value(engine.importCsv('Date,Open,High,Low,Close,Adj Close,Volume\n2019-10-07,1,1,1,1,1,0\n2019-10-08,1,1,1,1,1,0\n' +
    '2019-10-09,null,null,null,null,null,null\n2019-10-10,1,1,1,1,1,\n', ''));
  assert.equal(nul.bars, 3);
  assert.equal(nul.rows_without_prices, 1);
  assert.equal(nul.first_line_without_prices, 4);
  assert.deepEqual(nul.notices, ['1 row without prices (empty or null) skipped, the first at line 4']);
  const desc = value(engine.importCsv('Date;Open;High;Low;Close\n2020-01-03;27,85;28,15;27,70;28,15\n2020-01-02;27,72;27,98;27,52;27,95\n', ''));
  assert.equal(desc.newest_first, true);
  assert.equal(desc.first_time, Date.UTC(2020, 0, 2));
  assert.equal(desc.layout.decimal_mark, ',');
  assert.match(desc.notices[0], /newest-first/);
});

test('importCsv: date_order states day-first or month-first; without it the refusal says so', () => {
  const text = 'Date,Open,High,Low,Close\n03/01/2013,1,1,1,1\n04/01/2013,1,1,1,1\n';
  const e = error(engine.importCsv(text, ''));
  assert.equal(e.code, 'import');
  assert.equal(e.line, 2);
  assert.match(e.message, /could be day-first or month-first/);
  assert.equal(value(engine.importCsv(text, '{"date_order":"dmy"}')).first_time, Date.UTC(2013, 0, 3));
  assert.equal(value(engine.importCsv(text, '{"date_order":"mdy"}')).first_time, Date.UTC(2013, 2, 1));
  assert.equal(error(engine.importCsv(text, '{"date_order":"dd/mm"}')).field, 'options.date_order');
  assert.equal(error(engine.importCsv(text, '{"date_order":1}')).field, 'options.date_order');
});

test('importCsv: list_errors lists the first N bad lines and counts them all', () => {
  let text = HEADER;
  for (let d = 1; d <= 28; d++) text += `2020-02-${String(d).padStart(2, '0')},${d % 2 ? 1 : 'x'},2,0.5,1,10\n`;
  const e = error(engine.importCsv(text, '{"list_errors":20}'));
  assert.equal(e.line, 3);
  assert.equal(e.error_count, 14);
  assert.equal(e.errors.length, 14);
  assert.deepEqual(e.errors.map((x) => x.line), [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
  assert.equal(e.errors[0].field, 'open');
  const few = error(engine.importCsv(text, '{"list_errors":5}'));
  assert.equal(few.errors.length, 5);
  assert.equal(few.error_count, 14);
  assert.equal(error(engine.importCsv(text, '')).errors, undefined);
  assert.equal(error(engine.importCsv(text, '{"list_errors":0}')).field, 'options.list_errors');
});

test('profit factor with no losing trade crosses as "Infinity"', () => {
  const id = value(engine.importCsv('Date,Open,High,Low,Close\n2020-01-02,10,10,10,10\n2020-01-03,9,9,9,9\n' +
    '2020-01-06,10,10,10,10\n2020-01-07,12,12,12,12\n2020-01-08,11,11,11,11\n', '')).dataset;
  const r = value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross', params: { fast: 1, slow: 2 }, broker: { fill: 'close' } }), null));
  assert.equal(r.metrics.profit_factor, 'Infinity');
  assert.equal(r.metrics.win_rate_pct, 100);
});
