// The Robustness tab of an optimization report: the overfitting statistics the engine computed
// when the run completed (OptimizationResult.statistics): DSR, PSR and PBO, each with one plain
// sentence on what the number means, the PBO logit histogram, a Monte Carlo fan chart of the best
// parameters' trades, and the stability of the objective around the best cell with a stability
// map (each cell's neighbourhood mean) beside the objective heatmap.
import type { MonteCarloStatistics, OptimizationRequest, OptimizationResult, OptimizationStatistics, PboStatistics, TrialRecord } from '../engine/types';
import { chartBox, fanChart, type ReportCharts } from './charts';
import { h, int, metricLabel, money, num, paramsText, pct } from './dom';
import { axisValues, Heatmap } from './heatmap';

/** A probability as a percentage with one decimal ("98.5 %"). */
function prob(p: number | null | undefined): string {
  return p === null || p === undefined || !Number.isFinite(p) ? '—' : `${num(p * 100, 1)} %`;
}

function card(label: string, value: string, sentence: string, testId: string, tone: string | null = null): HTMLElement {
  return h(
    'div.card.stat-card',
    { 'data-testid': testId },
    h('div.card-label', null, label),
    h('div.card-value', { class: tone }, value),
    h('p.stat-sentence', null, sentence),
  );
}

/** DSR, PSR and PBO with their meaning in one sentence each. */
function headline(s: OptimizationStatistics): HTMLElement {
  const pbo = s.pbo;
  return h(
    'div.cards.stat-cards',
    { 'data-testid': 'robustness-cards' },
    card(
      'Deflated Sharpe ratio (DSR)',
      prob(s.dsr),
      `The chance that the best parameters' Sharpe ratio (${num(s.best_sharpe)}) is real skill rather than the luck of trying ${int(s.trials)} combinations: by luck alone the best of them would reach about ${num(s.expected_max_sharpe)}.`,
      'stat-dsr',
      s.dsr >= 0.95 ? 'pos' : s.dsr < 0.5 ? 'neg' : null,
    ),
    card(
      'Probabilistic Sharpe ratio (PSR)',
      prob(s.psr),
      `The chance that the best parameters' true Sharpe ratio is above zero, judged from ${int(s.observations)} bars of their returns (skewness ${num(s.skewness)}, kurtosis ${num(s.kurtosis)}), before accounting for how many combinations were tried.`,
      'stat-psr',
      s.psr >= 0.95 ? 'pos' : s.psr < 0.5 ? 'neg' : null,
    ),
    pbo.ok
      ? card(
          'Probability of backtest overfitting (PBO)',
          prob(pbo.pbo),
          `When the data is split into ${int(pbo.blocks)} blocks and recombined ${int(pbo.combinations)} ways, the parameters that were best on one half ranked below the median on the other half this often: the chance that picking the best backtest picks an overfit one.`,
          'stat-pbo',
          (pbo.pbo ?? 0) <= 0.1 ? 'pos' : (pbo.pbo ?? 0) >= 0.5 ? 'neg' : null,
        )
      : card('Probability of backtest overfitting (PBO)', '—', `Not computed: ${pbo.reason ?? 'unavailable'}.`, 'stat-pbo'),
  );
}

/** The distribution of PBO's logits λ = ln(ω / (1 − ω)) (ω: the out-of-sample relative rank of the
 *  in-sample best): bars left of 0 are splits where the in-sample best fell below the median. */
function logitHistogram(pbo: PboStatistics): HTMLElement {
  const bins = pbo.logit_bins ?? [];
  const lo = pbo.logit_min ?? 0;
  const hi = pbo.logit_max ?? 0;
  const width = bins.length ? (hi - lo) / bins.length : 0;
  const peak = Math.max(1, ...bins);
  const total = bins.reduce((a, b) => a + b, 0);
  const bars = bins.map((n, i) => {
    const from = lo + i * width;
    const below = from + width <= 0 ? 'neg' : from >= 0 ? 'pos' : 'mixed';
    return h(
      'div.logit-bar',
      { 'data-side': below, style: `height:${Math.max(n ? 2 : 0, (n / peak) * 100)}%`, title: `λ ${num(from)} … ${num(from + width)}: ${int(n)} split${n === 1 ? '' : 's'}` },
    );
  });
  const zeroAt = hi > lo ? ((0 - lo) / (hi - lo)) * 100 : -1;
  return h(
    'figure.logit-hist',
    { 'data-testid': 'pbo-histogram', 'data-splits': String(total) },
    h('figcaption', null, `Logits of the in-sample best's out-of-sample rank over ${int(total)} splits (left of 0: below the median, i.e. overfit)`),
    h(
      'div.logit-plot',
      { role: 'img', 'aria-label': `Histogram of ${bins.length} bins from ${num(lo)} to ${num(hi)}; mean ${num(pbo.logit_mean)}` },
      ...bars,
      zeroAt > 0 && zeroAt < 100 ? h('div.logit-zero', { style: `left:${zeroAt}%` }) : null,
    ),
    h('div.logit-axis', null, h('span', null, num(lo)), h('span', null, `mean ${num(pbo.logit_mean)} · median ${num(pbo.logit_median)}`), h('span', null, num(hi))),
  );
}

/** Per cell of the X × Y grid (other parameters: their best), the mean objective of its up to 8
 *  neighbouring cells: high where good results sit on a plateau, low around an isolated spike. */
export function neighbourhoodMeans(trials: TrialRecord[], x: string, y: string, objective: string, maximize: boolean): Map<string, { mean: number; n: number }> {
  const cell = new Map<string, number>();
  for (const t of trials) {
    const v = t.metrics?.[objective];
    const xv = t.params?.[x];
    const yv = y === '__none' ? 0 : t.params?.[y];
    if (t.status !== 'completed' || v === null || v === undefined || !Number.isFinite(v) || xv === undefined || yv === undefined) continue;
    const key = `${xv}|${yv}`;
    const have = cell.get(key);
    if (have === undefined || (maximize ? v > have : v < have)) cell.set(key, v);
  }
  const xs = [...new Set([...cell.keys()].map((k) => Number(k.split('|')[0])))].sort((a, b) => a - b);
  const ys = [...new Set([...cell.keys()].map((k) => Number(k.split('|')[1])))].sort((a, b) => a - b);
  const out = new Map<string, { mean: number; n: number }>();
  xs.forEach((xv, i) => {
    ys.forEach((yv, j) => {
      if (!cell.has(`${xv}|${yv}`)) return;
      let sum = 0;
      let n = 0;
      for (let di = -1; di <= 1; di++) {
        for (let dj = -1; dj <= 1; dj++) {
          if (di === 0 && dj === 0) continue;
          const v = cell.get(`${xs[i + di]}|${ys[j + dj]}`);
          if (v === undefined) continue;
          sum += v;
          n++;
        }
      }
      if (n > 0) out.set(`${xv}|${yv}`, { mean: sum / n, n });
    });
  });
  return out;
}

/** The stability block: the engine's verdict at the best cell, and the objective heatmap beside
 *  the stability map (neighbourhood means) over the first two axes. */
function stabilityBlock(s: OptimizationStatistics, req: OptimizationRequest, res: OptimizationResult, pick: (t: TrialRecord) => void): { el: HTMLElement; draw: () => void } {
  const st = s.stability;
  const specs = req.axes ?? [];
  const x = specs[0]?.name ?? '';
  const y = specs[1]?.name ?? '__none';
  const maximize = res.direction !== 'min';
  const objective = res.objective;
  const summary = st.ok
    ? `${st.verdict === 'plateau' ? 'A plateau' : st.verdict === 'spike' ? 'A spike' : (st.verdict ?? '—')}: at the best cell ${metricLabel(objective)} is ${num(st.best, 3)}; its ${int(st.neighbours)} neighbours average ${num(st.neighbour_mean, 3)} (lowest ${num(st.neighbour_min, 3)}), ${num((st.ratio ?? 0) * 100, 0)} % of it. ${st.verdict === 'plateau' ? 'Nearby parameters do almost as well, so the result does not hinge on the exact values.' : 'Nearby parameters do much worse: the best result may be a lucky point.'}`
    : `Not assessed: ${st.reason ?? 'unavailable'}.`;
  const bestTrial = res.trials.find((t) => t.index === s.best_index);
  const bx = bestTrial?.params?.[x];
  const by = y === '__none' ? 0 : bestTrial?.params?.[y];
  const mark = bx !== undefined && by !== undefined ? { x: bx, y: by } : undefined;
  const objectiveMap = new Heatmap(pick);
  const stabilityMap = new Heatmap(pick);
  const draw = () => {
    const xValues = specs[0] ? axisValues(specs[0]) : [0];
    const yValues = specs[1] ? axisValues(specs[1]) : [0];
    const trials = y === '__none' ? res.trials.map((t) => ({ ...t, params: t.params ? { ...t.params, __none: 0 } : null })) : res.trials;
    objectiveMap.update({ trials, x, y, objective, maximize, aggregate: 'best', xValues, yValues, ...(mark ? { mark } : {}) });
    const means = neighbourhoodMeans(res.trials, x, y, objective, maximize);
    // One pseudo-trial per cell carrying its neighbourhood mean (picking it opens the cell's best trial).
    const bestOf = new Map<string, TrialRecord>();
    for (const t of res.trials) {
      const key = `${t.params?.[x]}|${y === '__none' ? 0 : t.params?.[y]}`;
      const v = t.metrics?.[objective];
      const b = bestOf.get(key)?.metrics?.[objective];
      if (t.status === 'completed' && typeof v === 'number' && (b === undefined || b === null || (maximize ? v > b : v < b))) bestOf.set(key, t);
    }
    const cells: TrialRecord[] = [...means].map(([key, m]) => {
      const [xv, yv] = key.split('|').map(Number);
      const best = bestOf.get(key);
      return {
        index: best?.index ?? -1,
        params: { [x]: xv ?? 0, [y]: yv ?? 0 },
        status: 'completed',
        metrics: { [objective]: m.mean },
        final_equity: null,
        error_message: null,
        error_stack_trace: null,
      };
    });
    stabilityMap.update({ trials: cells, x, y, objective, maximize, aggregate: 'best', xValues, yValues, ...(mark ? { mark } : {}) });
  };
  stabilityMap.el.setAttribute('data-testid', 'stability-map');
  const el = h(
    'section.block',
    { 'data-testid': 'stability', 'data-verdict': st.verdict ?? '' },
    h('h3', null, 'Parameter stability'),
    h('p.stat-sentence', null, summary),
    specs.length >= 1
      ? h(
          'div.stability-maps',
          null,
          h('figure', null, h('figcaption', null, `${metricLabel(objective)} (best over the other parameters)`), objectiveMap.el),
          h('figure', null, h('figcaption', null, `Stability map: the mean of each cell's neighbours (${x}${y !== '__none' ? ` × ${y}` : ''})`), stabilityMap.el),
        )
      : null,
  );
  return { el, draw };
}

/** The Monte Carlo block: the fan chart and the 5 / 50 / 95 % of final equity and drawdown;
 *  `whose` names the trades ("the best parameters’", "the stitched out-of-sample"). */
export function monteCarloBlock(mc: MonteCarloStatistics, charts: ReportCharts, whose = 'the best parameters’'): { el: HTMLElement; draw: () => void } {
  if (!mc.ok || !mc.fan) {
    return { el: h('section.block', { 'data-testid': 'monte-carlo' }, h('h3', null, 'Monte Carlo'), h('p.hint', null, `Not computed: ${mc.reason ?? 'unavailable'}.`)), draw: () => {} };
  }
  const fig = chartBox(`Equity over the trades of ${int(mc.paths)} reshuffled trade sequences (5, 25, 50, 75 and 95 %)`, 'fan');
  const fe = mc.final_equity;
  const dd = mc.max_drawdown_pct;
  const table = h(
    'table.data.mc-table',
    { 'data-testid': 'mc-table' },
    h('thead', null, h('tr', null, h('th', null, ''), h('th.num', null, '5 %'), h('th.num', null, 'median'), h('th.num', null, '95 %'))),
    h(
      'tbody',
      null,
      h('tr', null, h('th', { scope: 'row' }, 'Final equity'), h('td.num', null, money(fe?.p5)), h('td.num', null, money(fe?.p50)), h('td.num', null, money(fe?.p95))),
      h('tr', null, h('th', { scope: 'row' }, 'Max drawdown'), h('td.num', null, pct(dd?.p5)), h('td.num', null, pct(dd?.p50)), h('td.num', null, pct(dd?.p95))),
    ),
  );
  const el = h(
    'section.block',
    { 'data-testid': 'monte-carlo' },
    h('h3', null, `Monte Carlo resampling of ${whose} trades`),
    h(
      'p.stat-sentence',
      null,
      `The ${int(mc.trades)} trades, drawn again in random order with replacement ${int(mc.paths)} times (seed ${int(mc.seed)}): ${prob(mc.prob_loss)} of the paths end below the starting ${money(mc.initial)}.`,
    ),
    fig.box,
    h('div.scroll-x', null, table),
  );
  return { el, draw: () => fanChart(charts, fig.host, mc.fan!, mc.initial ?? 0) };
}

/** The tab's content; `draw` creates the charts once the tab is visible (they measure their box). */
export function robustnessPanel(
  req: OptimizationRequest,
  res: OptimizationResult,
  charts: ReportCharts,
  pick: (t: TrialRecord) => void,
  runStatus: string,
  /** Why the stability maps are not drawn (res then holds the best trial only), if so. */
  noMaps?: string,
): { el: HTMLElement; draw: () => void } {
  const s = res.statistics;
  const el = h('div.robustness', { 'data-testid': 'robustness' });
  if (!s) {
    el.append(h('p.notice', null, runStatus === 'Completed' ? 'This optimization was saved without statistics (an older version of the app).' : `Statistics are computed when an optimization completes; this one is ${runStatus}.`));
    return { el, draw: () => {} };
  }
  if ('unavailable' in s) {
    el.append(h('p.notice', { 'data-testid': 'robustness-unavailable' }, `The statistics could not be computed: ${s.unavailable}`));
    return { el, draw: () => {} };
  }
  const best = res.trials.find((t) => t.index === s.best_index);
  el.append(
    h('p.hint', null, `Of the best parameters (${paramsText(best?.params)}) among ${int(s.trials)} successful trials; ${int(s.observations)} bars of returns, ${num(s.bars_per_year, 1)} bars a year.`),
    headline(s),
  );
  if (s.pbo.ok) el.append(h('section.block', null, h('h3', null, 'Probability of backtest overfitting'), h('p.stat-sentence', null, `In ${prob(s.pbo.prob_oos_loss)} of the splits the in-sample best also lost money out of sample.`), logitHistogram(s.pbo)));
  const mc = monteCarloBlock(s.monte_carlo, charts);
  const stab = noMaps ? { el: h('p.notice', { 'data-testid': 'robustness-no-maps' }, noMaps), draw: () => {} } : stabilityBlock(s, req, res, pick);
  el.append(mc.el, stab.el);
  let drawn = false;
  return {
    el,
    draw: () => {
      if (drawn) return;
      drawn = true;
      mc.draw();
      stab.draw();
    },
  };
}
