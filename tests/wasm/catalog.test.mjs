// version(), strategies(), metrics(): the catalogs the UI is generated from.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { loadEngine } from './helpers.mjs';

let engine;
before(async () => { engine = await loadEngine(); });

test('the factory gives every function of the contract', () => {
  for (const name of ['version', 'strategies', 'metrics', 'importCsv', 'loadBars', 'freeDataset', 'validateBacktest',
                      'runBacktest', 'takeEquityCurve', 'validateOptimization', 'runTrials', 'rerunTrial', 'debugTrap',
                      'optimizationStatistics', 'geneticNextBatch', 'validateWalkForward', 'runWalkForward']) {
    assert.equal(typeof engine[name], 'function', name);
  }
});

test('version names the engine version and the schema', () => {
  const v = JSON.parse(engine.version());
  assert.match(v.version, /^\d+\.\d+\.\d+$/);
  assert.equal(v.schema, 'atf/v1');
});

test('strategies lists the visible strategies with their parameters', () => {
  const list = JSON.parse(engine.strategies());
  const names = list.map((s) => s.name);
  for (const n of ['sma_cross', 'ema_cross', 'rsi_reversion', 'bollinger_reversion', 'donchian_breakout', 'macd_signal']) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(!names.includes('fault_probe'), 'hidden strategies are not listed');
  for (const s of list) {
    assert.equal(typeof s.description, 'string');
    assert.equal(s.hidden, false);
    assert.ok(s.params.length > 0, s.name);
    for (const p of s.params) {
      assert.deepEqual(Object.keys(p).sort(), ['default', 'description', 'max', 'min', 'name', 'step', 'type']);
      assert.ok(p.type === 'int' || p.type === 'float');
      assert.ok(p.min <= p.default && p.default <= p.max, `${s.name}.${p.name}`);
    }
  }
  const sma = list.find((s) => s.name === 'sma_cross');
  assert.deepEqual(sma.params.map((p) => p.name).sort(), ['fast', 'slow']);
});

test('metrics lists every metric with its direction', () => {
  const list = JSON.parse(engine.metrics());
  const names = list.map((m) => m.name);
  assert.deepEqual(names, ['net_profit', 'total_return_pct', 'cagr_pct', 'volatility_pct', 'sharpe', 'sortino',
                           'max_drawdown_pct', 'max_drawdown_bars', 'calmar', 'trades', 'win_rate_pct', 'profit_factor',
                           'avg_trade_pct', 'best_trade_pct', 'worst_trade_pct', 'expectancy', 'exposure_pct',
                           'commissions']);
  for (const m of list) {
    assert.deepEqual(Object.keys(m).sort(), ['description', 'higher_is_better', 'name']);
    assert.equal(typeof m.higher_is_better, 'boolean');
  }
  assert.equal(list.find((m) => m.name === 'sharpe').higher_is_better, true);
  assert.equal(list.find((m) => m.name === 'max_drawdown_pct').higher_is_better, false);
});
