// Issue 16's browser figure: the statistics of a 15,000-trial optimization (PSR, DSR, PBO over 16
// blocks, 1,000 Monte Carlo paths, stability), computed by the control worker when the run ends,
// in ≤ 1 s. Runs the grid in headless Chromium and prints the 'statistics' log record's time.
// Usage: node tests/bench-robustness.mjs   (after npm run build)
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const server = await startServer({ isolated: true });
const browser = await launch();
try {
  const page = await openSite(await browser.newContext(), server.url);
  const out = await page.evaluate(async () => {
    // 150 × 100 = 15,000 combinations over the 5,036 bars of ORCL.
    const request = {
      dataset: 'ORCL-1d-1995-2014.csv',
      strategy: 'sma_cross',
      axes: [{ name: 'fast', min: 1, max: 150, step: 1 }, { name: 'slow', min: 151, max: 250, step: 1 }],
      objective: 'sharpe',
    };
    const t0 = performance.now();
    const { id, totalCombinations } = await window.atf.submitOptimization(request);
    for (;;) {
      const s = await window.atf.getOptimizationStatus(id);
      if (s.status !== 'Pending' && s.status !== 'Running') {
        const log = window.atf.logEntries(id).find((r) => r.event === 'statistics');
        return {
          status: s.status,
          totalCombinations,
          runMs: Math.round(performance.now() - t0),
          statisticsMs: log?.elapsedMs ?? null,
          engineMs: log?.counts.engineMs ?? null,
          jsonMs: log?.counts.jsonMs ?? null,
          pbo: s.result?.statistics?.pbo?.pbo ?? null,
          dsr: s.result?.statistics?.dsr ?? null,
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  console.log(JSON.stringify(out));
  console.log(`statistics of ${out.totalCombinations} trials: ${out.statisticsMs} ms in all, ${out.engineMs} ms in the engine call, ${out.jsonMs} ms writing its JSON (target ≤ 1000 ms)`);
} finally {
  await browser.close();
  await server.close();
}
