// Pine Script through the Wasm module: compileScript (diagnostics at line:column, inputs,
// settings, hash), a script backtest equal trade for trade to the built-in it re-expresses, and
// an optimization whose axes are the script's inputs (runTrials, rerunTrial).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { ROOT, counter, error, loadEngine, readSample, value } from './helpers.mjs';

const FILE = 'NVDA-1d-1999-2014.csv';
const SMA_SCRIPT = readFileSync(path.join(ROOT, 'data/pine/sma_cross.pine'), 'utf8');
// Equal sizing on both sides: TradingView sizes percent_of_equity orders at the signal bar's
// close, the built-in broker at the fill price; margin rules off (each broker tests its own).
const BROKER = { commission_pct: 0.1, slippage_bps: 2, sizing: 'units', size: 10, margin_long_pct: 0, margin_short_pct: 0 };
// A trade's fills and money, without what only scripts name (signals) or brokers measure their own way.
const core = (trades) => trades.map(({ entry_signal, exit_signal, max_runup, max_drawdown, ...t }) => t);

let engine;
let id;
before(async () => {
  engine = await loadEngine();
  id = value(engine.importCsv(readSample(FILE), '{}')).dataset;
});

/** FNV-1a 64 of the UTF-8 bytes, 16 hex digits: the engine's script hash (engine/src/pine/script.cpp). */
function scriptHash(source) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(source)) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

test('compileScript: inputs, settings and the hash of a script that compiles', () => {
  const c = value(engine.compileScript(SMA_SCRIPT));
  assert.equal(c.ok, true);
  assert.deepEqual(c.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(c.hash, scriptHash(SMA_SCRIPT));
  assert.match(c.hash, /^[0-9a-f]{16}$/);
  assert.deepEqual(c.inputs.map((i) => [i.name, i.kind, i.default]), [['fastLength', 'int', 10], ['slowLength', 'int', 30], ['allowShort', 'bool', false]]);
  assert.equal(c.inputs[0].title, 'Fast length');
  assert.equal(c.inputs[0].min, 1);
  assert.equal(c.settings.kind, 'strategy');
  assert.equal(c.settings.title, 'SMA cross');
  assert.equal(c.settings.initial_capital, 100000);
  // UTF-8 bytes, not UTF-16 code units, are hashed.
  const accented = `${SMA_SCRIPT}\n// café ✓\n`;
  assert.equal(value(engine.compileScript(accented)).hash, scriptHash(accented));
});

test('compileScript: a script that does not compile is ok: false with a diagnostic at its line:column', () => {
  const broken = '//@version=6\nstrategy("Broken")\nfast = ta.sma(close, 10)\nslow = fast + nope\nplot(slow)\n';
  const c = value(engine.compileScript(broken));
  assert.equal(c.ok, false);
  assert.equal(c.hash, null);
  assert.equal(c.settings, null);
  const d = c.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d, JSON.stringify(c.diagnostics));
  assert.equal(d.line, 4);
  assert.equal(d.column, 15);
  assert.match(d.message, /nope/);
  // The same script in a request: a validation error naming the field, line and column.
  const e = error(engine.validateBacktest(id, JSON.stringify({ script: broken })));
  assert.equal(e.code, 'validation');
  assert.equal(e.field, 'script');
  assert.equal(e.line, 4);
  assert.equal(e.column, 15);
  // A text argument that is not a string.
  assert.equal(error(engine.compileScript(42)).code, 'validation');
});

test('a script backtest equals the built-in sma_cross trade for trade, with script_hash and plots', () => {
  for (const [inputs, params] of [[{}, {}], [{ fastLength: 5, slowLength: 50 }, { fast: 5, slow: 50 }], [{ 'Fast length': 20, allowShort: true }, { fast: 20 }]]) {
    const broker = { ...BROKER, ...(inputs.allowShort ? { allow_short: true } : {}) };
    const req = { schema: 'atf/v1', script: SMA_SCRIPT, inputs, broker };
    const bars = value(engine.validateBacktest(id, JSON.stringify(req))).total_bars;
    const s = value(engine.runBacktest(id, JSON.stringify(req), null));
    const sCurve = engine.takeEquityCurve();
    const b = value(engine.runBacktest(id, JSON.stringify({ strategy: 'sma_cross', params, broker }), null));
    const bCurve = engine.takeEquityCurve();
    const what = JSON.stringify(inputs);
    assert.equal(s.bars, bars);
    assert.ok(b.trades.length > 5, what);
    assert.deepStrictEqual(core(s.trades), core(b.trades), what);
    assert.deepStrictEqual(s.metrics, b.metrics, what);
    assert.equal(s.final_equity, b.final_equity, what);
    assert.deepStrictEqual(sCurve, bCurve, what);
    assert.equal(s.script_hash, scriptHash(SMA_SCRIPT));
    assert.equal(b.script_hash, undefined);
    assert.deepEqual(s.plots.map((p) => p.title), ['Fast SMA', 'Slow SMA']);
    for (const p of s.plots) assert.equal(p.values.length, bars);
    const fast = inputs.fastLength ?? inputs['Fast length'] ?? 10;
    assert.equal(s.plots[0].values[fast - 2], null, 'na before the window is full');
    assert.equal(typeof s.plots[0].values[fast - 1], 'number');
  }
});

test('trade_from: no order before it', () => {
  const s = value(engine.runBacktest(id, JSON.stringify({ script: SMA_SCRIPT, trade_from: '2008-01-01' }), null));
  assert.ok(s.trades.length > 0);
  assert.ok(s.trades.every((t) => t.entry_time >= Date.UTC(2008, 0, 1)));
  assert.equal(error(engine.validateBacktest(id, JSON.stringify({ script: SMA_SCRIPT, trade_from: 'soon' }))).field, 'trade_from');
});

test('a runtime error of a script fails the run and names its line', () => {
  const script = '//@version=6\nstrategy("Boom")\nvalues = array.new_float(0)\nx = bar_index == 10 ? array.get(values, 5) : 0.0\nplot(x)\n';
  assert.equal(value(engine.compileScript(script)).ok, true);
  const e = error(engine.runBacktest(id, JSON.stringify({ script }), null));
  assert.equal(e.code, 'runtime');
  assert.match(`${e.message} ${e.stack ?? ''}`, /line 4/);
  assert.match(e.stack ?? '', /bar 10\b/);
});

test('runTrials over two inputs: the built-in grid\'s metrics, combination by combination; rerunTrial', () => {
  const axesOf = (a, b) => [{ name: a, values: [5, 10, 20] }, { name: b, min: 30, max: 60, step: 15 }];
  const script = { script: SMA_SCRIPT, broker: BROKER, axes: axesOf('fastLength', 'slowLength'), objective: 'sharpe' };
  const builtin = { strategy: 'sma_cross', broker: BROKER, axes: axesOf('fast', 'slow'), objective: 'sharpe' };
  const run = (req) => {
    const total = value(engine.validateOptimization(id, JSON.stringify(req))).total_combinations;
    const trials = [];
    const summary = value(engine.runTrials(id, JSON.stringify(req), counter(total), (t) => trials.push(JSON.parse(t)), null));
    return { total, summary, trials: trials.sort((x, y) => x.index - y.index) };
  };
  const s = run(script);
  const b = run(builtin);
  assert.equal(s.total, 9);
  assert.deepEqual(s.summary, { completed: 9, failed: 0, cancelled: false });
  assert.deepEqual(s.trials.map((t) => [t.params.fastLength, t.params.slowLength]), b.trials.map((t) => [t.params.fast, t.params.slow]));
  for (let i = 0; i < s.total; ++i) {
    assert.deepStrictEqual(s.trials[i].metrics, b.trials[i].metrics, `combination ${i}`);
    assert.equal(s.trials[i].final_equity, b.trials[i].final_equity);
  }
  // An axis that is not a numeric input of the script names it.
  assert.match(error(engine.validateOptimization(id, JSON.stringify({ ...script, axes: [{ name: 'nope', values: [1, 2] }] }))).field, /nope/);
  // The full report of one combination, with its plots.
  const r = value(engine.rerunTrial(id, JSON.stringify(script), 4));
  assert.equal(r.params.fastLength, s.trials[4].params.fastLength);
  assert.deepStrictEqual(r.metrics, s.trials[4].metrics);
  assert.equal(r.plots.length, 2);
});

test('TradingView broker emulator under Wasm: bracket on the intrabar path, trailing stop, margin call (hand-worked)', () => {
  // Daily bars as time,open,high,low,close; whole-number prices make syminfo.mintick 1.
  const csv = (rows) => 'time,open,high,low,close,volume\n' + rows.map((r, i) => `${Date.UTC(2024, 0, 1 + i) / 1000},${r.join(',')},100`).join('\n') + '\n';
  const run = (rows, script) => {
    const ds = value(engine.importCsv(csv(rows), '{}')).dataset;
    return value(engine.runBacktest(ds, JSON.stringify({ script }), null));
  };
  // Entry at bar 1's open (100); profit 10 / loss 5 ticks: 110 / 95. Bar 2 opens 103, high 112 is
  // 9 away and low 95 is 8 away: the low comes first, so the stop fills at 95.
  const bracket = '//@version=6\nstrategy("b")\nif bar_index == 0\n    strategy.entry("L", strategy.long)\n    strategy.exit("X", "L", profit = 10, loss = 5)\n';
  const b = run([[100, 100, 100, 100], [100, 104, 97, 103], [103, 112, 95, 100]], bracket);
  assert.equal(b.trades.length, 1);
  assert.deepEqual([b.trades[0].entry_price, b.trades[0].exit_price, b.trades[0].exit_reason, b.trades[0].exit_signal], [100, 95, 'stop_loss', 'X']);
  // Trailing: activation 105, offset 2; bar 1 runs 100 → 108 → 104: stopped at 106 on the entry's own bar.
  const trail = '//@version=6\nstrategy("t")\nif bar_index == 0\n    strategy.entry("L", strategy.long)\n    strategy.exit("T", "L", trail_points = 5, trail_offset = 2)\n';
  const t = run([[100, 100, 100, 100], [100, 108, 100, 104]], trail);
  assert.deepEqual([t.trades[0].exit_index, t.trades[0].exit_price], [1, 106]);
  // Short 10 at 50 with 1000 capital; bar 2's high 80: equity 700 < margin 800, cover 1, 4 liquidated at 80.
  const squeeze = '//@version=6\nstrategy("s", initial_capital = 1000, default_qty_value = 10)\nif bar_index == 0\n    strategy.entry("S", strategy.short)\n';
  const s = run([[50, 50, 50, 50], [50, 51, 49, 50], [50, 80, 50, 70]], squeeze);
  assert.deepEqual([s.trades[0].exit_reason, s.trades[0].quantity, s.trades[0].exit_price, s.trades[0].exit_signal], ['margin_call', 4, 80, 'Margin call']);
});
