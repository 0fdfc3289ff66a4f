// The walk-forward report: the walk's outcome (windows, walk-forward efficiency, the stitched
// out-of-sample metrics), in-sample against out-of-sample figures, the stitched out-of-sample
// equity (the backtest report's equity chart), the windows table with the parameters each window
// chose, and the spread of those parameters across windows.
import type { Metrics, StoredRun, WalkForwardRequest, WalkForwardResult } from '../engine/types';
import { chartBox, ReportCharts } from './charts';
import { monteCarloBlock } from './robustness';
import type { Ctx } from './context';
import { errorPanel, h, int, metricLabel, metricText, num, utcDate } from './dom';
import { header, metricCards, settingsList, type Report } from './reports';
import { SortableTable } from './table';

/** Out-of-sample metrics shown as cards. */
const OOS_CARDS = ['total_return_pct', 'cagr_pct', 'sharpe', 'max_drawdown_pct', 'trades', 'win_rate_pct', 'profit_factor', 'exposure_pct'];
/** Metrics compared in sample (the windows' best trials, averaged) and out of sample. */
const COMPARED = ['cagr_pct', 'total_return_pct', 'sharpe', 'max_drawdown_pct', 'win_rate_pct', 'trades'];

/** The mean of a metric over the windows that have it. */
function meanOf(rows: Metrics[], name: string): number | null {
  const vs = rows.map((m) => m[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
}

function lengthText(v: number | string | undefined): string {
  if (v === undefined) return '—';
  const m = /^(\d+)\s*(bars|d|w|m|y)?$/.exec(String(v));
  if (!m) return String(v);
  const n = Number(m[1]);
  const unit = { bars: 'bar', d: 'day', w: 'week', m: 'month', y: 'year' }[m[2] ?? 'bars'] ?? 'bar';
  return `${int(n)} ${unit}${n === 1 ? '' : 's'}`;
}

/** The efficiency in one plain sentence. */
function efficiencySentence(w: WalkForwardResult): string {
  const e = w.efficiency;
  if (e === null || !Number.isFinite(e)) return 'Undefined: the in-sample windows did not make money on average, so there is nothing to compare the out-of-sample return with.';
  const share = `${num(e * 100, 0)} %`;
  return `Out of sample the chosen parameters earned ${share} of the annual return they showed in sample (${num(w.out_of_sample['cagr_pct'])} % against ${num(w.mean_in_sample_cagr_pct)} % a year)${e >= 0.5 ? ': much of the optimized edge carried over to unseen data.' : e > 0 ? ': most of the optimized edge did not carry over.' : ': the edge did not survive on unseen data.'}`;
}

/** The report of a walk-forward run (any status: a failed, cancelled or running one shows why it
 *  has no result, and its settings). */
export function walkForwardReport(ctx: Ctx, run: StoredRun, onBack: () => void): Report {
  const req = run.request as WalkForwardRequest;
  const charts = new ReportCharts();
  const el = h('article.report', { 'data-kind': 'walkforward', 'data-run': run.id, 'aria-labelledby': 'report-title' });
  el.append(header(`Walk-forward · ${req.strategy ?? 'Pine script'} on ${run.dataset}`, run, onBack, ctx));
  const wf = req.walk_forward ?? { in_sample: '?', out_of_sample: '?' };
  const settings = settingsList(run, [
    ['In sample', lengthText(wf.in_sample)],
    ['Out of sample', lengthText(wf.out_of_sample)],
    ['Step', wf.step !== undefined ? lengthText(wf.step) : `${lengthText(wf.out_of_sample)} (the out-of-sample length)`],
    ['Windows', wf.anchored ? 'anchored (in sample from the first bar)' : 'rolling'],
    ['Combinations per window', int(run.combinations ?? null)],
  ]);
  if (run.status === 'Failed') el.append(errorPanel('The walk-forward failed', run.errorMessage, run.errorStackTrace));
  if (run.status === 'Cancelled') el.append(h('p.notice.cancelled', null, `Cancelled after ${int(run.processed)} of ${int(run.total)} windows; a cancelled walk-forward has no result.`));
  if (run.status === 'Pending' || run.status === 'Running') el.append(h('p.notice', null, 'This walk-forward is still in flight; its report appears when it completes.'));
  const w = run.result as WalkForwardResult | undefined;
  if (!w || run.status !== 'Completed') {
    el.append(h('section.block', null, h('h3', null, 'Settings'), settings));
    return { el, dispose: () => charts.dispose() };
  }
  const objective = req.objective ?? 'sharpe';
  const okWindows = w.windows.filter((x) => x.ok);
  el.append(
    h(
      'div.cards',
      { 'data-testid': 'wf-summary' },
      h('div.card', null, h('div.card-label', null, 'Windows'), h('div.card-value', { 'data-testid': 'wf-windows' }, int(w.windows.length))),
      h('div.card', { title: 'Walk-forward efficiency: out-of-sample CAGR / mean in-sample CAGR (Pardo)' }, h('div.card-label', null, 'WF efficiency'), h('div.card-value', { class: (w.efficiency ?? 0) >= 0.5 ? 'pos' : (w.efficiency ?? 0) <= 0 ? 'neg' : null, 'data-testid': 'wf-efficiency' }, w.efficiency === null ? '—' : num(w.efficiency, 2))),
      h('div.card', { title: "Mean in-sample CAGR of the windows' best trials" }, h('div.card-label', null, 'IS CAGR'), h('div.card-value', null, metricText('cagr_pct', w.mean_in_sample_cagr_pct))),
      h('div.card', { title: 'CAGR of the stitched out-of-sample equity' }, h('div.card-label', null, 'OOS CAGR'), h('div.card-value', null, metricText('cagr_pct', w.out_of_sample['cagr_pct']))),
    ),
    h('p.stat-sentence', { 'data-testid': 'wf-efficiency-sentence' }, efficiencySentence(w)),
    h('h3.sub', null, 'Out of sample, stitched'),
    metricCards(ctx, w.out_of_sample, OOS_CARDS),
  );

  const eqFig = chartBox('Stitched out-of-sample equity (each window traded with its in-sample best) and drawdown (%)', 'tall');
  el.append(h('section.charts', null, eqFig.box));
  queueMicrotask(() =>
    requestAnimationFrame(() => {
      charts.equity(eqFig.host, w.equity_curve, Array.from(w.equity_time));
      requestAnimationFrame(() => charts.fitAll());
    }),
  );

  // In sample (each window's best trial, averaged) against out of sample (the stitched run).
  const compare = h(
    'table.data',
    { 'data-testid': 'wf-compare' },
    h('thead', null, h('tr', null, h('th', null, 'Metric'), h('th.num', null, 'In sample (mean of windows)'), h('th.num', null, 'Out of sample (stitched)'))),
    h(
      'tbody',
      null,
      ...COMPARED.map((m) =>
        h('tr', null, h('th', { scope: 'row' }, metricLabel(m)), h('td.num', null, metricText(m, meanOf(okWindows.map((x) => x.in_sample), m))), h('td.num', null, metricText(m, w.out_of_sample[m]))),
      ),
    ),
  );
  el.append(h('section.block', null, h('h3', null, 'In sample against out of sample'), h('div.scroll-x', null, compare)));

  // The stitched run's statistics: PSR (no DSR: nothing was selected on these bars) and a Monte
  // Carlo of its trades. Runs saved before the engine computed them have none.
  const st = w.statistics;
  if (st) {
    const psr = st.psr === null || !Number.isFinite(st.psr) ? '—' : `${num(st.psr * 100, 1)} %`;
    el.append(
      h(
        'section.block',
        { 'data-testid': 'wf-psr' },
        h('h3', null, 'Probabilistic Sharpe ratio of the stitched out-of-sample run'),
        h('div.card-value', null, psr),
        h(
          'p.stat-sentence',
          null,
          `The chance that the stitched out-of-sample run's true Sharpe ratio is above zero, judged from ${int(st.observations)} bars of its returns (skewness ${num(st.skewness ?? NaN, 2)}, kurtosis ${num(st.kurtosis ?? NaN, 2)}). Nothing was chosen on these bars, so no deflation for the number of trials applies.`,
        ),
      ),
    );
    const mc = monteCarloBlock(st.monte_carlo, charts, 'the stitched out-of-sample');
    el.append(mc.el);
    queueMicrotask(() => requestAnimationFrame(() => mc.draw()));
  }

  // The windows: periods, the parameters chosen, IS and OOS figures.
  const axes = (req.axes ?? []).map((a) => a.name);
  type Row = WalkForwardResult['windows'][number] & { n: number };
  const rows: Row[] = w.windows.map((x, i) => ({ ...x, n: i + 1 }));
  const metric = (get: (r: Row) => Metrics, m: string) => ({
    value: (r: Row) => get(r)[m] ?? null,
    render: (r: Row) => (r.ok ? metricText(m, get(r)[m]) : '—'),
    numeric: true,
  });
  const table = new SortableTable<Row>({
    testId: 'wf-windows-table',
    rowKey: (r) => String(r.n),
    initialSort: { key: 'n', dir: 1 },
    empty: 'No windows.',
    columns: [
      { key: 'n', label: '#', value: (r) => r.n, numeric: true },
      { key: 'is', label: 'In sample', value: (r) => r.is_start_time, render: (r) => h('span.nowrap', null, `${utcDate(r.is_start_time)} – ${utcDate(r.is_end_time)}`) },
      { key: 'oos', label: 'Out of sample', value: (r) => r.oos_start_time, render: (r) => h('span.nowrap', null, `${utcDate(r.oos_start_time)} – ${utcDate(r.oos_end_time)}`) },
      ...axes.map((a) => ({ key: `p:${a}`, label: a, numeric: true, value: (r: Row) => r.params?.[a] ?? null, render: (r: Row) => (r.ok ? String(r.params?.[a] ?? '—') : '—') })),
      { key: 'iso', label: `IS ${metricLabel(objective)}`, ...metric((r) => r.in_sample, objective) },
      { key: 'ooso', label: `OOS ${metricLabel(objective)}`, ...metric((r) => r.out_of_sample, objective) },
      { key: 'isr', label: 'IS return', ...metric((r) => r.in_sample, 'total_return_pct') },
      { key: 'oosr', label: 'OOS return', ...metric((r) => r.out_of_sample, 'total_return_pct') },
      { key: 'eff', label: 'Efficiency', value: (r) => r.efficiency, numeric: true, render: (r) => (r.ok && r.efficiency !== null ? num(r.efficiency, 2) : '—') },
      { key: 'trials', label: 'Trials', value: (r) => r.trials_completed, numeric: true, render: (r) => `${int(r.trials_completed)}${r.trials_failed ? ` (+${int(r.trials_failed)} failed)` : ''}` },
      { key: 'note', label: 'Note', value: (r) => r.error ?? '', render: (r) => (r.ok ? '' : h('span.failed-text', null, r.error ?? 'no out-of-sample run')) },
    ],
  });
  table.setRows(rows);
  el.append(
    h(
      'section.block',
      null,
      h('h3', null, `Windows (${int(w.windows.length)}): the parameters each chose and how they did`),
      h('p.hint', null, `${int(w.trades.length)} out-of-sample trades in all; a window's efficiency is its OOS CAGR over its IS CAGR (— where the IS CAGR was not positive).`),
      h('div.scroll-x.table-box', null, table.el),
    ),
  );

  // How much the chosen parameters moved from window to window.
  if (w.stability.length) {
    el.append(
      h(
        'section.block',
        { 'data-testid': 'wf-stability' },
        h('h3', null, 'Parameters across windows'),
        h('p.hint', null, 'A parameter the windows keep choosing (a high share of the most common value, a small spread) is stable; one that jumps around was fitted to each window’s noise.'),
        h(
          'div.param-strips',
          null,
          ...w.stability.map((p) => {
            const lo = p.min;
            const span = p.max - p.min || 1;
            return h(
              'div.param-strip',
              null,
              h('div.param-strip-head', null, h('strong', null, p.name), h('span.hint', null, `${int(p.distinct)} distinct · most common chosen in ${num(p.mode_share * 100, 0)} % of windows · mean ${num(p.mean)} ± ${num(p.stddev)}`)),
              h(
                'div.param-dots',
                { role: 'img', 'aria-label': `${p.name} per window: ${p.values.join(', ')}` },
                ...p.values.map((v, i) =>
                  h('span.param-dot', { style: `left:${((i + 0.5) / p.values.length) * 100}%;bottom:${((v - lo) / span) * 80 + 5}%`, title: `window ${i + 1}: ${p.name} = ${v}` }),
                ),
              ),
              h('div.logit-axis', null, h('span', null, `${num(p.min)} (min)`), h('span', null, 'window →'), h('span', null, `${num(p.max)} (max)`)),
            );
          }),
        ),
      ),
    );
  }
  el.append(h('section.block', null, h('h3', null, 'Settings'), settings));
  return { el, dispose: () => charts.dispose() };
}
