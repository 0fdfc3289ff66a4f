// Throughput of the Wasm module under Node (not a test):
//   node --no-experimental-fetch tests/wasm/bench.mjs [--bars N] [--no-native] [--wasm-cli] [--json]
// One sma_cross(10,50) backtest over N (1,000,000) generated one-minute bars, and a 20 x 20 grid
// claimed from a JS counter, the same work as `atf bench` (same bars: atf::generate_bars, seed 42;
// same request: 10 units, 0.1 % commission). When build/native/atf exists it runs
// `atf bench --json` too and prints Wasm/native ratios. `atf bench` times run_backtest alone; a
// runBacktest call also writes the result JSON (13,797 trades here) and copies it to JS, so the
// backtest line shows the call and the call plus JSON.parse and takeEquityCurve. --wasm-cli also
// runs `node build/wasm/atf.js bench` (the engine compiled to Wasm, timed inside, no JS API).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { NATIVE_ATF, ROOT, counter, generateBars, loadEngine, value } from './helpers.mjs';

const args = process.argv.slice(2);
const n = args.includes('--bars') ? Number(args[args.indexOf('--bars') + 1]) : 1_000_000;
const withNative = !args.includes('--no-native') && existsSync(NATIVE_ATF);
const WASM_CLI = path.join(ROOT, 'build/wasm/atf.js');
const withWasmCli = args.includes('--wasm-cli') && existsSync(WASM_CLI);

const REQUEST = { strategy: 'sma_cross', params: { fast: 10, slow: 50 },
                  broker: { sizing: 'units', size: 10, commission_pct: 0.1 } };
const GRID = { ...REQUEST, objective: 'sharpe',
               axes: [{ name: 'fast', min: 1, max: 20, step: 1 }, { name: 'slow', min: 25, max: 215, step: 10 }] };

function bestOf(reps, fn) {
  let best = Infinity;
  for (let i = 0; i < reps; ++i) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

const engine = await loadEngine();
let t0 = performance.now();
const cols = generateBars(n);
const tGen = (performance.now() - t0) / 1000;
const load = () => value(engine.loadBars(cols.time, cols.open, cols.high, cols.low, cols.close, cols.volume)).dataset;

const tLoad = bestOf(3, () => engine.freeDataset(load()));
const id = load();
let trades = 0;
const tCall = bestOf(5, () => {
  engine.runBacktest(id, JSON.stringify(REQUEST), null);
});
const tBacktest = bestOf(5, () => {
  trades = value(engine.runBacktest(id, JSON.stringify(REQUEST), null)).trades.length;
  engine.takeEquityCurve();
});
let calls = 0;
const tBacktestProgress = bestOf(5, () => {
  value(engine.runBacktest(id, JSON.stringify(REQUEST), () => { calls++; return false; }));
  engine.takeEquityCurve();
});
engine.freeDataset(id);

// The grid on fresh data each time (shared indicator series computed inside the timing), as
// `atf bench` does.
let combos = 0;
const tGrid = bestOf(2, () => {
  const fresh = load();
  combos = value(engine.validateOptimization(fresh, JSON.stringify(GRID))).total_combinations;
  const summary = value(engine.runTrials(fresh, JSON.stringify(GRID), counter(combos), () => {}, null));
  if (summary.completed !== combos) throw new Error(`grid: ${JSON.stringify(summary)}`);
  engine.freeDataset(fresh);
});

const wasm = {
  bars: n,
  generate_js_s: tGen,
  load_bars_s: tLoad,
  backtest_call_s: tCall,
  backtest_call_bars_per_s: n / tCall,
  backtest_s: tBacktest,
  backtest_bars_per_s: n / tBacktest,
  backtest_trades: trades,
  progress_on_over_off: tBacktestProgress / tBacktest,
  grid_combinations: combos,
  grid_s: tGrid,
  grid_trials_per_s: combos / tGrid,
  grid_bar_steps_per_s: (combos * n) / tGrid,
};
const M = (x) => (x / 1e6).toFixed(2);
console.log(`Wasm module (Node ${process.version}), ${n} bars, best of several runs`);
console.log(`  loadBars          ${tLoad.toFixed(3)} s`);
console.log(`  backtest call     ${tCall.toFixed(3)} s   ${M(wasm.backtest_call_bars_per_s)} M bars/s   (runBacktest: run + result JSON)`);
console.log(`  backtest, all     ${tBacktest.toFixed(3)} s   ${M(wasm.backtest_bars_per_s)} M bars/s   (+ JSON.parse + takeEquityCurve; ${trades} trades)`);
console.log(`  with onProgress   ${wasm.progress_on_over_off.toFixed(3)} x   (time with a JS callback / without)`);
console.log(`  grid 20x20        ${tGrid.toFixed(3)} s   ${wasm.grid_trials_per_s.toFixed(1)} trials/s   ${M(wasm.grid_bar_steps_per_s)} M bar-steps/s`);

let cli = null;
if (withWasmCli) {
  cli = JSON.parse(execFileSync(process.execPath, ['--no-experimental-fetch', WASM_CLI, 'bench', '--json', '--bars', String(n)],
                                { maxBuffer: 1 << 24 }).toString());
  console.log(`engine as Wasm (node build/wasm/atf.js bench, timed inside Wasm)`);
  console.log(`  backtest          ${cli.backtest_s.toFixed(3)} s   ${M(cli.backtest_bars_per_s)} M bars/s`);
  console.log(`  grid 20x20, 1 th  ${cli.grid_1t_s.toFixed(3)} s   ${M(cli.grid_1t_bar_steps_per_s)} M bar-steps/s`);
  // What a browser worker does at the end of a 15,000-trial grid (PSR, DSR, PBO, Monte Carlo).
  console.log(`  statistics        ${cli.statistics_s.toFixed(3)} s   of ${cli.statistics_trials} trials`);
  console.log(`  walk-forward      ${cli.walkforward_s.toFixed(3)} s   ${cli.walkforward_windows} windows x 400 combinations (1 thread)`);
  wasm.wasm_cli = { backtest_bars_per_s: cli.backtest_bars_per_s, grid_1t_bar_steps_per_s: cli.grid_1t_bar_steps_per_s };
}

if (withNative) {
  const native = JSON.parse(execFileSync(NATIVE_ATF, ['bench', '--json', '--bars', String(n)], { maxBuffer: 1 << 24 }).toString());
  const ratio = (w, nat) => (w / nat).toFixed(2);
  console.log(`native ${NATIVE_ATF} bench (same bars and requests; its grid on 1 thread)`);
  console.log(`  backtest          ${native.backtest_s.toFixed(3)} s   ${M(native.backtest_bars_per_s)} M bars/s   (${native.backtest_trades} trades)`);
  console.log(`  grid 20x20, 1 th  ${native.grid_1t_s.toFixed(3)} s   ${M(native.grid_1t_bar_steps_per_s)} M bar-steps/s`);
  console.log(`Wasm module/native: grid ${ratio(wasm.grid_bar_steps_per_s, native.grid_1t_bar_steps_per_s)}, ` +
              `backtest call ${ratio(wasm.backtest_call_bars_per_s, native.backtest_bars_per_s)} ` +
              `(native: run only), backtest with parse ${ratio(wasm.backtest_bars_per_s, native.backtest_bars_per_s)}`);
  if (cli) {
    console.log(`engine as Wasm/native (same timing): backtest ${ratio(cli.backtest_bars_per_s, native.backtest_bars_per_s)}, ` +
                `grid ${ratio(cli.grid_1t_bar_steps_per_s, native.grid_1t_bar_steps_per_s)}`);
  }
  if (native.backtest_trades !== trades) console.log(`WARNING: trade counts differ (native ${native.backtest_trades}): not the same bars?`);
  wasm.native = { backtest_bars_per_s: native.backtest_bars_per_s, grid_1t_bar_steps_per_s: native.grid_1t_bar_steps_per_s,
                  ratio_backtest: wasm.backtest_bars_per_s / native.backtest_bars_per_s,
                  ratio_grid: wasm.grid_bar_steps_per_s / native.grid_1t_bar_steps_per_s };
}
if (args.includes('--json')) console.log(JSON.stringify(wasm, null, 2));
