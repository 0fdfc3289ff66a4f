// Run reports. Backtest: metric cards, price chart with trade markers (and a script's plots),
// equity and drawdown, TradingView's Performance Summary (All / Long / Short), the sortable list
// of trades with signals, excursions and cumulative P&L (CSV in TradingView's layout and the raw
// fields), the run's settings, the error panel when Failed.
// Optimization: summary, then two tabs: Results (heatmap over two chosen parameters, ranked
// trials table with failed trials expandable, the picked trial's parameters and metrics, re-run
// as a full backtest) and Robustness (robustness.ts: DSR, PSR, PBO, Monte Carlo, stability).
import type { BacktestRequest, BacktestResult, OptimizationRequest, OptimizationResult, StoredRun, TrialCondition, TrialQuery, TrialRecord } from '../engine/types';
import { chartBox, plotColor, ReportCharts } from './charts';
import type { Ctx } from './context';
import { dateTime, duration, errorPanel, errorText, h, int, metricLabel, metricText, money, num, paramsText, pct, utcDate } from './dom';
import { axisValues, columnRows, gridDecoder, Heatmap, recordRows, type HeatmapRows } from './heatmap';
import { loadPrices, sliceBars } from './prices';
import { rangeOf, type DateRange } from '../engine/date-range';
import { configOf, showShareLink } from './share';
import { SortableTable } from './table';
import { reportHtml } from './report-html';
import { robustnessPanel } from './robustness';
import { monthlyReturns, monthlyTable, performanceTable, returnsHistogram, tradeRows, tradesCsv, type TradeRow } from './tv-report';
import { frameProgress } from './live-progress';
import { isResumable, resumeButton } from './resume';
import { filterNames, parseConditions } from './trial-filter';
import { isSkipped, noResultText } from './trial-outcome';

const CARD_METRICS = [
  'net_profit', 'total_return_pct', 'cagr_pct', 'sharpe', 'sortino', 'max_drawdown_pct', 'calmar', 'volatility_pct',
  'trades', 'win_rate_pct', 'profit_factor', 'expectancy', 'avg_trade_pct', 'best_trade_pct', 'worst_trade_pct',
  'exposure_pct', 'max_drawdown_bars', 'commissions',
];

function tone(name: string, v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '';
  if (['net_profit', 'total_return_pct', 'cagr_pct', 'avg_trade_pct', 'expectancy'].includes(name)) return v > 0 ? 'pos' : v < 0 ? 'neg' : '';
  return '';
}

/** Card text: large amounts in k / M so that they fit the card (the exact value is the title). */
function cardText(name: string, v: number | null | undefined): string {
  if (v !== null && v !== undefined && Number.isFinite(v) && !name.endsWith('_pct') && Math.abs(v) >= 1e6) return `${num(v / 1e6, 2)} M`;
  return metricText(name, v);
}

/** Metric cards (label, value, the metric's description as title) for the named metrics present;
 *  `notes` adds a line under a card's value (e.g. what net profit is made of). */
export function metricCards(ctx: Ctx, metrics: Record<string, number | null>, names = CARD_METRICS, notes: Record<string, string> = {}): HTMLElement {
  return h(
    'div.cards',
    { 'data-testid': 'metric-cards' },
    ...names
      .filter((n) => n in metrics)
      .map((n) =>
        h(
          'div.card',
          { title: ctx.metrics.find((m) => m.name === n)?.description ?? n, 'data-metric': n },
          h('div.card-label', null, metricLabel(n)),
          h('div.card-value', { class: tone(n, metrics[n]) || null, title: metricText(n, metrics[n]) }, cardText(n, metrics[n])),
          notes[n] ? h('div.card-note', null, notes[n]) : null,
        ),
      ),
  );
}

/** A run's settings as a definition list (strategy or script, dataset, parameters or axes,
 *  broker), with `extra` rows appended. */
export function settingsList(run: StoredRun, extra: Array<[string, string]> = []): HTMLElement {
  const req = run.request as OptimizationRequest;
  const b = req.broker ?? {};
  const items: Array<[string, string]> = [
    ['Run id', run.id],
    ['Strategy', req.script ? `${req.strategy ?? 'script'} (Pine script ${req.script_hash ?? ''})` : req.strategy ?? ''],
    ['Dataset', run.dataset],
    req.script !== undefined
      ? ['Inputs', Object.entries(req.inputs ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'defaults']
      : ['Parameters', paramsText(req.params ?? {})],
    ...(req.from !== undefined || req.to !== undefined
      ? ([['Date range', `${req.from === undefined ? 'first bar' : typeof req.from === 'number' ? utcDate(req.from) : String(req.from)} … ${req.to === undefined ? 'last bar' : typeof req.to === 'number' ? utcDate(req.to) : String(req.to)}`]] as Array<[string, string]>)
      : []),
    ...(req.trade_from !== undefined ? ([['Start trading at', typeof req.trade_from === 'number' ? utcDate(req.trade_from) : String(req.trade_from)]] as Array<[string, string]>) : []),
    ...(req.axes ? ([['Axes', req.axes.map((a) => ('values' in a ? `${a.name} ∈ {${a.values.join(', ')}}` : `${a.name}: ${a.min} … ${a.max} step ${a.step}`)).join('; ')], ['Objective', `${req.objective ?? 'sharpe'} (${req.direction ?? 'max'})`]] as Array<[string, string]>) : []),
    ...(req.search && req.search !== 'grid' ? ([['Search', `${req.search} (seed ${req.seed ?? 1})`]] as Array<[string, string]>) : []),
    ['Cash', money(b.cash ?? 100000)],
    ['Sizing', `${b.sizing ?? 'equity'} ${b.size ?? 1}${b.fractional ? ' (fractional)' : ''}`],
    ['Commission', `${b.commission_pct ?? 0} % + ${b.commission_fixed ?? 0} per order`],
    ['Slippage', `${b.slippage_bps ?? 0} bps`],
    ['Fill', b.fill === 'close' ? "signal bar's close" : "next bar's open"],
    ['Shorts', b.allow_short ? 'allowed' : 'not allowed'],
    ['Submitted', dateTime(run.createdAt)],
    ['Duration', run.startedAt && run.finishedAt ? duration(run.finishedAt - run.startedAt) : '—'],
    ...extra,
  ];
  return h('dl.settings', null, ...items.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
}

/** A report's head: back link, title, status, "Open in editor" for scripts, "Share settings". */
export function header(title: string, run: StoredRun, onBack: () => void, ctx?: Ctx): HTMLElement {
  const open = ctx?.openScript;
  return h(
    'div.report-head',
    null,
    h('button.link.back', { type: 'button', onclick: onBack }, '← All runs'),
    h('h2#report-title', null, title),
    h('span.status', { 'data-status': run.status }, run.status),
    run.request.script !== undefined ? scriptRef(run, ctx) : null,
    run.request.script !== undefined && open
      ? h('button.secondary', { type: 'button', 'data-testid': 'open-script', title: "Put this run's script, inputs and broker fields in the panel's editor", onclick: () => open(run) }, 'Open in editor')
      : null,
    shareButton(run),
  );
}

/** Which script produced a script run: "name vN" from the scripts library when a version has the
 *  run's hash (looked up once the report is shown), else the hash itself. */
function scriptRef(run: StoredRun, ctx?: Ctx): HTMLElement {
  const hash = run.request.script_hash ?? '';
  const el = h('span.script-ref', { 'data-testid': 'script-ref', title: `Pine script, hash ${hash}` }, `script ${hash}`);
  void ctx?.atf.scripts
    .byHash(hash)
    .then((ref) => {
      if (!ref) return;
      el.textContent = `${ref.name} v${ref.version}`;
      el.dataset['script'] = ref.id;
    })
    .catch(() => undefined);
  return el;
}

/** "Share settings": a link that opens the new-run panel filled in with this run's settings. */
function shareButton(run: StoredRun): HTMLElement {
  const out = h('span.hint.share-out', { 'aria-live': 'polite' });
  const btn = h(
    'button.secondary.share',
    {
      type: 'button',
      title: 'Copy a link that fills the new-run panel with these settings',
      onclick: () => void showShareLink(out, configOf(run.kind, run.request)),
    },
    'Share settings',
  );
  return h('span.share-box', null, btn, out);
}

function downloadCsv(name: string, rows: Array<Array<string | number>>): void {
  downloadText(name, rows.map((r) => r.map((c) => (typeof c === 'string' && /[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : String(c))).join(',')).join('\n'));
}

function downloadText(name: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Equity of buy and hold as the Performance Summary takes it: the initial capital bought at the
 *  first trade's entry price and held (flat before that bar); null without trades. */
function buyAndHold(close: number[], r: BacktestResult): Float64Array | null {
  const all = [...r.trades, ...(r.open_trades ?? [])];
  if (!all.length) return null;
  const first = all.reduce((a, t) => (t.entry_index < a.entry_index ? t : a));
  const initial = r.initial_capital ?? r.equity_curve[0] ?? 0;
  if (!(first.entry_price > 0) || close.length !== r.equity_curve.length) return null;
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) out[i] = i < first.entry_index ? initial : (initial * (close[i] ?? 0)) / first.entry_price;
  return out;
}

/** A position still open at the end, in words (the Settings list; the trades table has it as an
 *  open trade). */
function openPositionText(r: BacktestResult): string {
  const open = r.open_trades ?? [];
  if (!open.length) return 'none (every trade closed)';
  return open
    .map((t) => `${t.side} ${num(t.quantity, t.quantity % 1 ? 4 : 0)} since ${utcDate(t.entry_time)} at ${num(t.entry_price, 4)}; unrealized P&L ${money(t.pnl)} (${pct(t.return_pct)}) at the last close ${num(t.exit_price, 4)}`)
    .join('; ');
}

/** Net profit's parts when a position is still open: it counts the open position's unrealized
 *  P&L (the equity at the end is marked to the last close), which the card says. */
function netProfitNote(r: BacktestResult): Record<string, string> {
  const open = r.open_trades ?? [];
  if (!open.length) return r.trades.length ? { net_profit: 'realized: every trade closed' } : {};
  const unrealized = open.reduce((a, t) => a + t.pnl, 0);
  const net = r.metrics['net_profit'];
  const realized = typeof net === 'number' ? net - unrealized : r.trades.reduce((a, t) => a + t.pnl, 0);
  return { net_profit: `realized ${money(realized)} + unrealized ${money(unrealized)} (open position)` };
}

/** "Trial #N of optimization …" for a backtest re-run from a trial: its parameters and a link
 *  back to its optimization. */
function originNotice(req: BacktestRequest, params: Record<string, number> | null | undefined): HTMLElement | null {
  const o = req.origin;
  // Imported databases are not trusted: only an id of our shape becomes a link.
  if (!o || typeof o.optimization !== 'string' || !/^[\w-]{1,64}$/.test(o.optimization) || !Number.isInteger(o.trial)) return null;
  return h(
    'p.notice.origin',
    { 'data-testid': 'trial-origin' },
    `Trial #${o.trial} (${paramsText(params)}) of `,
    h('a', { href: `#/run/optimization/${o.optimization}` }, `optimization ${o.optimization.slice(0, 8)}`),
    ', re-run as a full backtest. ',
    h('a', { href: `#/run/optimization/${o.optimization}` }, '← Back to the optimization'),
  );
}

export interface Report {
  el: HTMLElement;
  dispose(): void;
}

export async function backtestReport(ctx: Ctx, run: StoredRun, onBack: () => void): Promise<Report> {
  const req = run.request as BacktestRequest;
  const charts = new ReportCharts();
  const el = h('article.report', { 'data-kind': 'backtest', 'data-run': run.id, 'aria-labelledby': 'report-title' });
  const r = run.result as BacktestResult | undefined;
  // The title names the parameters (a trial's re-run, or any backtest, is told apart by them).
  const shownParams = r?.params ?? req.params;
  const paramPart = req.script === undefined && shownParams && Object.keys(shownParams).length ? ` (${paramsText(shownParams)})` : '';
  const head = header(`Backtest · ${req.strategy ?? r?.strategy ?? 'Pine script'}${paramPart} on ${run.dataset}`, run, onBack, ctx);
  if (r) {
    head.querySelector('.share-box')?.before(
      h(
        'button.secondary',
        {
          type: 'button',
          'data-testid': 'download-report',
          title: 'One HTML file with the charts, summary, trades, settings and script; it opens offline anywhere',
          onclick: () => {
            // The whole period in the pictures (a picked trade may have zoomed in).
            charts.fitAll();
            downloadText(`report-${run.id.slice(0, 8)}.html`, reportHtml(el, run, (host) => charts.snapshot(host)), 'text/html');
          },
        },
        'Download report',
      ),
    );
  }
  el.append(head);
  const origin = originNotice(req, shownParams);
  if (origin) el.append(origin);
  if (run.status === 'Failed') el.append(errorPanel('The run failed', run.errorMessage, run.errorStackTrace));
  if (run.status === 'Cancelled') el.append(h('p.notice.cancelled', null, `Cancelled after ${int(run.processed)} of ${int(run.total)} bars; a cancelled backtest has no result.`));
  if (run.status === 'Pending' || run.status === 'Running') el.append(h('p.notice', null, 'This run is still in flight; its report appears when it completes.'));
  if (r) {
    el.append(metricCards(ctx, r.metrics, CARD_METRICS, netProfitNote(r)));
    const plots = r.plots ?? [];
    const openNote = r.open_trades?.length ? '; ■ the position still open, with its unrealized return' : '';
    const priceFig = chartBox(plots.some((p) => !p.overlay) ? `Price with entries, exits and plots (the other plots in the pane below)${openNote}` : `Price with entries (▲ long, ▼ short) and exits (● with the trade return)${openNote}`);
    if (plots.length) {
      priceFig.box.dataset['plots'] = String(plots.length);
      priceFig.box.querySelector('figcaption')?.append(
        h(
          'span.plot-legend',
          { 'data-testid': 'plot-legend' },
          ...plots.map((p, i) => h('span.plot-key', { 'data-overlay': String(p.overlay) }, h('span.swatch', { style: `background:${plotColor(p.color, i)}` }), p.title || `Plot ${i + 1}`, p.overlay ? '' : ' (pane)')),
        ),
      );
    }
    const eqFig = chartBox('Equity (dashed: buy and hold) and drawdown (%)', 'tall');
    const chartsBox = h('section.charts', null, priceFig.box, eqFig.box);
    el.append(chartsBox);
    // The run saw the bars of its date range only: the chart shows the same ones.
    const all = await loadPrices(run.dataset);
    let range: DateRange | null = null;
    try {
      range = rangeOf(run.request as unknown as Record<string, unknown>);
    } catch {
      /* a saved request was validated on submit; an unreadable range shows every bar */
    }
    const bars = all && sliceBars(all, range);
    const trades = r.trades;
    const aligned = bars && bars.time.length === r.equity_curve.length ? bars : null;
    // Charts measure their host: create them once the report is in the document.
    queueMicrotask(() => {
      requestAnimationFrame(() => {
        if (aligned) charts.price(priceFig.host, aligned, trades, plots, r.open_trades ?? []);
        else
          priceFig.box.replaceWith(
            h(
              'p.notice',
              null,
              bars
                ? `No price chart: the dataset has ${int(bars.time.length)} readable rows for ${int(r.equity_curve.length)} bars.`
                : 'No price chart: the bars of this dataset are not available to the page (generated data, or imported in another session).',
            ),
          );
        charts.equity(eqFig.host, r.equity_curve, aligned ? aligned.time : null, aligned ? buyAndHold(aligned.close, r) : null);
        requestAnimationFrame(() => charts.fitAll());
      });
    });

    const multiplier = req.broker?.multiplier ?? 1;
    const rows = tradeRows(r, multiplier);
    if (r.performance) {
      el.append(
        h(
          'section.block',
          null,
          h('div.block-head', null, h('h3', null, 'Performance summary'), h('span.hint', null, `Initial capital ${money(r.initial_capital ?? null)}; percentages of it, per trade of the entry value`)),
          h('div.scroll-x', null, performanceTable(r.performance)),
        ),
      );
    }
    // Monthly returns (when the bars' times are known) and the distribution of trade returns.
    el.append(
      h(
        'section.block.returns',
        null,
        h('div', null, h('h3', null, 'Monthly returns (%)'), aligned ? h('div.scroll-x', null, monthlyTable(monthlyReturns(aligned.time, r.equity_curve, r.initial_capital ?? r.equity_curve[0] ?? 0))) : h('p.hint', null, 'The bars of this dataset are not available to the page: no calendar.')),
        h('div', null, h('h3', null, 'Trade returns'), returnsHistogram(r.trades)),
      ),
    );
    const signed = (v: number, text: string) => h('span', { class: v > 0 ? 'pos' : v < 0 ? 'neg' : null }, text);
    const table = new SortableTable<TradeRow>({
      testId: 'trades-table',
      rowKey: (t) => String(t.n),
      // A picked trade: the charts show it (and the price chart comes into view).
      onActivate: (t) => {
        charts.focus(t.entry_time, t.exit_time);
        priceFig.box.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      },
      initialSort: { key: 'n', dir: 1 },
      rowClass: (t) => (t.open ? 'trade-open' : ''),
      maxRows: 200,
      empty: 'No trades.',
      columns: [
        { key: 'n', label: '#', value: (t) => t.n, numeric: true },
        { key: 'side', label: 'Side', value: (t) => t.side, render: (t) => h('span', { class: `side-${t.side}` }, t.side) },
        { key: 'entry', label: 'Entry', value: (t) => t.entry_time, render: (t) => utcDate(t.entry_time) },
        {
          key: 'exit',
          label: 'Exit',
          value: (t) => t.exit_time,
          // An open trade has no exit: its P&L is valued at the last close.
          render: (t) => (t.open ? h('span.open-tag', { title: `Still open at the end; valued at the last close (${utcDate(t.exit_time)})` }, 'open') : utcDate(t.exit_time)),
        },
        { key: 'bars', label: 'Bars', value: (t) => t.exit_index - t.entry_index, numeric: true },
        { key: 'qty', label: 'Qty', value: (t) => t.quantity, numeric: true, render: (t) => num(t.quantity, t.quantity % 1 ? 4 : 0) },
        { key: 'ep', label: 'Entry price', value: (t) => t.entry_price, numeric: true, render: (t) => num(t.entry_price, 4) },
        { key: 'xp', label: 'Exit price', value: (t) => t.exit_price, numeric: true, render: (t) => num(t.exit_price, 4) },
        { key: 'comm', label: 'Commission', value: (t) => t.commission, numeric: true, render: (t) => money(t.commission) },
        { key: 'pnl', label: 'P&L', value: (t) => t.pnl, numeric: true, render: (t) => h('span', { class: t.pnl > 0 ? 'pos' : t.pnl < 0 ? 'neg' : null, title: t.open ? 'unrealized' : null }, money(t.pnl), t.open ? h('span.muted', null, ' unrealized') : null) },
        { key: 'ret', label: 'Return', value: (t) => t.return_pct, numeric: true, render: (t) => h('span', { class: t.return_pct > 0 ? 'pos' : t.return_pct < 0 ? 'neg' : null }, pct(t.return_pct)) },
        { key: 'signal', label: 'Signal', value: (t) => `${t.entrySignal} → ${t.exitSignal}`, render: (t) => h('span.signal', null, t.entrySignal, h('span.muted', null, ' → '), t.exitSignal) },
        { key: 'runup', label: 'Run-up', value: (t) => t.runup, numeric: true, render: (t) => (Number.isFinite(t.runup) ? money(t.runup) : '—') },
        { key: 'dd', label: 'Drawdown', value: (t) => t.drawdown, numeric: true, render: (t) => (Number.isFinite(t.drawdown) ? money(t.drawdown) : '—') },
        { key: 'cum', label: 'Cum. P&L', value: (t) => t.cumulative, numeric: true, render: (t) => signed(t.cumulative, money(t.cumulative)) },
        { key: 'cumpct', label: 'Cum. %', value: (t) => t.cumulativePct, numeric: true, render: (t) => (Number.isFinite(t.cumulativePct) ? signed(t.cumulativePct, pct(t.cumulativePct)) : '—') },
        { key: 'dur', label: 'Duration', value: (t) => t.exit_time - t.entry_time, numeric: true, render: (t) => duration(t.exit_time - t.entry_time) },
        { key: 'reason', label: 'Exit reason', value: (t) => (t.open ? 'open' : t.exit_reason ?? '') },
      ],
    });
    table.setRows(rows);
    const exportBtn = h(
      'button.secondary',
      {
        type: 'button',
        onclick: () =>
          downloadCsv(`trades-${run.id.slice(0, 8)}.csv`, [
            ['entry_time', 'exit_time', 'entry_index', 'exit_index', 'side', 'quantity', 'entry_price', 'exit_price', 'commission', 'pnl', 'return_pct', 'exit_reason'],
            ...trades.map((t) => [new Date(t.entry_time).toISOString(), new Date(t.exit_time).toISOString(), t.entry_index, t.exit_index, t.side, t.quantity, t.entry_price, t.exit_price, t.commission, t.pnl, t.return_pct, t.exit_reason ?? '']),
          ]),
      },
      'Raw CSV',
    );
    exportBtn.title = 'The engine\'s trade fields, one row per trade';
    const tvBtn = h(
      'button.secondary',
      { type: 'button', 'data-testid': 'download-trades-csv', title: "TradingView's List of trades layout: an exit row and an entry row per trade", onclick: () => downloadText(`trades-${run.id.slice(0, 8)}-tv.csv`, tradesCsv(r, multiplier)) },
      'Download trades CSV',
    );
    const openCount = r.open_trades?.length ?? 0;
    el.append(
      h(
        'section.block',
        null,
        h('div.block-head', null, h('h3', null, `Trades (${int(trades.length)}${openCount ? ` + ${int(openCount)} open` : ''})`), h('div.filters', null, tvBtn, exportBtn)),
        h('div.scroll-x.table-box', null, table.el),
      ),
    );
    el.append(
      h(
        'section.block',
        null,
        h('h3', null, 'Settings'),
        settingsList(run, [
          ['Bars', int(r.bars)],
          ['Final equity', money(r.final_equity)],
          ['Final cash', money(r.final_cash)],
          ['Open position', openPositionText(r)],
          ['Rejected orders', int(r.rejected_orders)],
        ]),
      ),
    );
  } else {
    el.append(h('section.block', null, h('h3', null, 'Settings'), settingsList(run)));
  }
  return { el, dispose: () => charts.dispose() };
}

type TrialRow = TrialRecord & { rank: number | null };

/** Above this many combinations the Robustness tab does not draw its stability maps (they read
 *  every trial as a record). */
const ROBUSTNESS_MAX_TRIALS = 200_000;

/** Rows of the ranked table per page (and per "Show more"). */
const PAGE_ROWS = 100;

/** The heatmap block: X / Y / aggregate pickers over the request's axes and the canvas. The grid
 *  has every axis value from the start, so a live one fills in rather than grows. `rows` gives
 *  the trials to draw (columns: the live ledger's, or SQLite's), `resolve` a trial's record. */
function heatmapBlock(
  req: OptimizationRequest,
  objective: string,
  maximize: boolean,
  pick: (t: TrialRecord) => void,
  rows: () => HeatmapRows,
  resolve: (index: number) => Promise<TrialRecord | null>,
): { el: HTMLElement; draw: () => void } {
  const specs = req.axes ?? [];
  const axes = specs.map((a) => a.name);
  const xSel = h('select#hm-x');
  const ySel = h('select#hm-y');
  for (const a of axes) {
    xSel.add(new Option(a, a));
    ySel.add(new Option(a, a));
  }
  if (axes.length === 1) ySel.add(new Option('(none)', '__none'));
  xSel.value = axes[0] ?? '';
  ySel.value = axes[1] ?? '__none';
  const aggSel = h('select#hm-agg');
  aggSel.add(new Option('best of the others', 'best'));
  aggSel.add(new Option('mean of the others', 'mean'));
  const hm = new Heatmap(pick, resolve);
  const valuesOf = (name: string) => {
    const spec = specs.find((a) => a.name === name);
    return spec ? axisValues(spec) : [0];
  };
  // Each parameter that is neither X nor Y is aggregated ("all") or fixed at one of its values.
  const fixBox = h('span.hm-fixed');
  const fixSels = new Map<string, HTMLSelectElement>();
  const buildFixed = () => {
    const keep = new Map([...fixSels].map(([k, sel]) => [k, sel.value]));
    fixSels.clear();
    fixBox.replaceChildren();
    for (const a of axes) {
      if (a === xSel.value || a === ySel.value) continue;
      const sel = h('select', { id: `hm-fix-${a}`, 'aria-label': `${a}: aggregate or fix` });
      sel.add(new Option(`${a}: all`, ''));
      for (const v of valuesOf(a)) sel.add(new Option(`${a} = ${v}`, String(v)));
      sel.value = keep.get(a) ?? '';
      sel.addEventListener('change', draw);
      fixSels.set(a, sel);
      fixBox.append(sel);
    }
  };
  const draw = () => {
    const none = ySel.value === '__none';
    const fixed = [...fixSels].filter(([, sel]) => sel.value !== '').map(([k, sel]) => [k, Number(sel.value)] as const);
    hm.update({
      rows: rows(),
      ...(fixed.length ? { keep: (r: HeatmapRows, i: number) => fixed.every(([k, v]) => r.param(i, k) === v) } : {}),
      x: xSel.value,
      y: ySel.value,
      objective,
      maximize,
      aggregate: aggSel.value === 'mean' ? 'mean' : 'best',
      xValues: valuesOf(xSel.value),
      yValues: none ? [0] : valuesOf(ySel.value),
    });
  };
  aggSel.addEventListener('change', draw);
  for (const s of [xSel, ySel]) {
    s.addEventListener('change', () => {
      buildFixed();
      draw();
    });
  }
  buildFixed();
  const el = h(
    'section.block',
    null,
    h(
      'div.block-head',
      null,
      h('h3', null, `Heatmap of ${metricLabel(objective)}`),
      h('div.filters', null, h('label', null, 'X ', xSel), h('label', null, 'Y ', ySel), axes.length > 2 ? h('label', null, 'Others ', aggSel, ' ', fixBox) : null),
    ),
    hm.el,
  );
  return { el, draw };
}

/** The request's axes with their values in the request's order (as the engine indexes them). */
function decoderOf(req: OptimizationRequest): (index: number, name: string) => number | undefined {
  return gridDecoder((req.axes ?? []).map((a) => ({ name: a.name, values: axisValues(a) })));
}

/** A picked trial's body: its metric cards, or why it has none (skipped by the strategy's
 *  constraint, said neutrally; or failed, with the message and the stack trace). */
function trialBody(ctx: Ctx, t: TrialRecord): HTMLElement {
  if (isSkipped(t)) {
    return h('p.notice.skipped', { 'data-testid': 'trial-skipped' }, `Skipped by the strategy's constraint: ${t.error_message ?? 'its parameters are refused'}. This combination was not run; it is not an error.`);
  }
  if (t.status === 'failed') return errorPanel('This trial failed', t.error_message, t.error_stack_trace);
  return metricCards(ctx, t.metrics ?? {});
}

/** While an optimization runs: its heatmap fills in from what the page keeps of it (the live
 *  ledger's per-combination state and objective, polled; a redraw is spaced by at least 5× its
 *  own cost so a huge grid stays smooth). Returns the function that stops polling. The ranked
 *  table appears with the final report. */
function liveTrials(ctx: Ctx, run: StoredRun, el: HTMLElement): () => void {
  const req = run.request as OptimizationRequest;
  const objective = req.objective ?? 'sharpe';
  const info = ctx.metrics.find((m) => m.name === objective);
  const maximize = req.direction ? req.direction !== 'min' : info?.higher_is_better !== false;
  const counts = h('p.notice.live-trials', { 'aria-live': 'off', 'data-testid': 'live-trials' }, 'In flight: trials appear here as they finish.');
  el.append(counts);
  if ((req.axes ?? []).length === 0) return () => {};
  const picked = h('section.block.picked', { 'data-testid': 'picked-trial', hidden: true });
  const pick = (t: TrialRecord) => {
    picked.hidden = false;
    picked.replaceChildren(
      h('h3', null, `Trial #${t.index}: ${paramsText(t.params)}`),
      trialBody(ctx, t),
    );
  };
  const decode = decoderOf(req);
  let rows: HeatmapRows = recordRows([], objective);
  const block = heatmapBlock(req, objective, maximize, pick, () => rows, (i) => ctx.atf.getTrial(run.id, i));
  el.append(block.el, picked);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let raf = 0;
  let stopped = false;
  let version = -1;
  const poll = () => {
    if (stopped) return;
    const grid = ctx.atf.liveGrid(run.id);
    if (grid === null) return; // left the live store: the app rebuilds the report as finished
    let wait = 250;
    if (grid.version !== version) {
      version = grid.version;
      const plan = grid.plan;
      rows = columnRows({ index: plan, state: grid.state, objective: grid.objective }, decode);
      const t0 = performance.now();
      block.draw();
      wait = Math.max(250, 5 * (performance.now() - t0));
    }
    timer = setTimeout(poll, wait);
  };
  // The counts come from the progress board, read once per frame for every view (the side
  // panel's progress shows the same figures at the same moment); the heatmap draws the trials
  // received so far, a little behind.
  const count = (frame: number) => {
    if (stopped) return;
    const p = frameProgress(ctx.atf, run.id, frame);
    if (p) {
      const text = `In flight: ${int(p.processed)} of ${int(p.total)} combinations finished${p.failed ? ` (${int(p.failed)} failed)` : ''}; the ranked table appears when it ends.`;
      if (counts.textContent !== text) counts.textContent = text;
    }
    raf = requestAnimationFrame(count);
  };
  requestAnimationFrame((frame) => {
    block.draw();
    poll();
    count(frame);
  });
  return () => {
    stopped = true;
    cancelAnimationFrame(raf);
    if (timer !== null) clearTimeout(timer);
  };
}

/** An optimization's report. `run` may come without its trials (getOptimizationRun with
 *  `{ trials: false }`): the heatmap reads every trial as columns and the ranked table pages
 *  through them, both by SQL; the Robustness tab loads the trials when first shown. Resolves
 *  once the heatmap's data and the table's first page are in, so that the caller can swap it in
 *  for the live report at once. */
export async function optimizationReport(ctx: Ctx, run: StoredRun, onBack: () => void): Promise<Report> {
  const req = run.request as OptimizationRequest;
  const el = h('article.report', { 'data-kind': 'optimization', 'data-run': run.id, 'aria-labelledby': 'report-title' });
  el.append(header(`Optimization · ${req.strategy ?? 'Pine script'} on ${run.dataset}`, run, onBack, ctx));
  const res = run.result as OptimizationResult | undefined;
  if (run.status === 'Failed') el.append(errorPanel('The optimization failed', run.errorMessage, run.errorStackTrace));
  if (run.status === 'Cancelled') el.append(h('p.notice.cancelled', null, `Cancelled: ${int(run.completed + run.failed)} of ${int(run.total)} combinations finished and were kept.`));
  if (isResumable(run)) {
    const say = h('span.field-error', { role: 'alert' });
    el.append(h('p.notice.resume-box', null, `${int(run.total - run.processed)} combinations have not run. `, resumeButton(ctx, run, (m) => (say.textContent = m)), ' ', say));
  }
  if (!res) {
    const stop = run.status === 'Pending' || run.status === 'Running' ? liveTrials(ctx, run, el) : () => {};
    el.append(h('section.block', null, h('h3', null, 'Settings'), settingsList(run)));
    return { el, dispose: stop };
  }
  const objective = res.objective;
  const maximize = res.direction !== 'min';
  const axes = (req.axes ?? []).map((a) => a.name);
  const best = res.best;
  // Every trial as columns (index, state, objective), read by SQL: the heatmap and the counts.
  const columns = await ctx.atf.trialColumns(run.id);
  let skipped = 0;
  let failedCount = 0;
  for (const st of columns.state) {
    if (st === 3) skipped++;
    else if (st === 2) failedCount++;
  }
  el.append(
    h(
      'div.cards',
      { 'data-testid': 'opt-summary' },
      h('div.card', null, h('div.card-label', null, 'Combinations'), h('div.card-value', null, int(res.total))),
      h('div.card', null, h('div.card-label', null, 'Completed'), h('div.card-value', null, int(res.completed))),
      h('div.card', { 'data-metric': 'skipped', title: "Combinations the strategy's constraint refuses (e.g. fast must be less than slow): not run, not errors" }, h('div.card-label', null, 'Skipped'), h('div.card-value', null, int(skipped)), h('div.card-note', null, "by the strategy's constraint")),
      h('div.card', { 'data-metric': 'failed' }, h('div.card-label', null, 'Failed'), h('div.card-value', { class: failedCount ? 'neg' : null }, int(failedCount))),
      h('div.card', null, h('div.card-label', null, `Best ${metricLabel(objective)}`), h('div.card-value.pos', null, metricText(objective, best?.metrics?.[objective]))),
      h('div.card.wide', null, h('div.card-label', null, 'Best parameters'), h('div.card-value.small', null, paramsText(best?.params))),
    ),
  );

  // Picked trial: its parameters and metrics, and a re-run as a full backtest.
  const picked = h('section.block.picked', { 'aria-live': 'polite', 'data-testid': 'picked-trial' }, h('p.hint', null, 'Click a trial (or a heatmap cell) to see its parameters and metrics.'));
  const pick = (t: TrialRecord) => {
    const rerun = h(
      'button.primary',
      {
        type: 'button',
        disabled: t.status !== 'completed' || !t.params,
        onclick: async () => {
          rerun.setAttribute('disabled', '');
          try {
            // The trial's bars and warm-up are the optimization's (its date range, trade_from).
            const dates = {
              ...(req.from !== undefined ? { from: req.from } : {}),
              ...(req.to !== undefined ? { to: req.to } : {}),
              ...(req.trade_from !== undefined ? { trade_from: req.trade_from } : {}),
            };
            const sub = await ctx.atf.submitBacktest(
              // The backtest keeps which trial it re-runs: its report names it and links back.
              req.script
                ? { dataset: run.dataset, script: req.script, strategy: req.strategy, inputs: { ...(req.inputs ?? {}), ...(t.params ?? {}) }, ...dates, broker: req.broker ?? {}, origin: { optimization: run.id, trial: t.index } }
                : { dataset: run.dataset, strategy: req.strategy, params: { ...(req.params ?? {}), ...(t.params ?? {}) }, ...dates, indicator_plots: true, broker: req.broker ?? {}, origin: { optimization: run.id, trial: t.index } },
            );
            ctx.track(sub.id, 'backtest');
            ctx.runsChanged();
          } catch (e) {
            rerun.after(h('p.field-error', null, errorText(e)));
          } finally {
            rerun.removeAttribute('disabled');
          }
        },
      },
      'Open full backtest report',
    );
    picked.replaceChildren(
      h('div.block-head', null, h('h3', null, `Trial #${t.index}: ${paramsText(t.params)}`), t.status === 'completed' ? rerun : null),
      trialBody(ctx, t),
    );
  };

  // Two tabs: the results, and their robustness (drawn when first shown: charts measure their box).
  const charts = new ReportCharts();
  const results = h('div.tab-panel', { role: 'tabpanel', id: 'opt-panel-results', 'aria-labelledby': 'opt-tab-results' });
  // The robustness views read every trial: loaded when the tab is first shown.
  let robust: { el: HTMLElement; draw: () => void } | null = null;
  const robustPanel = h('div.tab-panel', { role: 'tabpanel', id: 'opt-panel-robustness', 'aria-labelledby': 'opt-tab-robustness', hidden: true }, h('p.muted', null, 'Loading the trials…'));
  let robustLoading: Promise<void> | null = null;
  const loadRobust = () =>
    (robustLoading ??= (async () => {
      try {
        // The stability maps read every trial as a record: above ROBUSTNESS_MAX_TRIALS they are
        // left out (the page's memory would grow with the grid); the figures need the best only.
        if (run.total > ROBUSTNESS_MAX_TRIALS) {
          // Statistics are saved a little after Completed: read the row until they are in.
          let lr = res;
          for (let i = 0; i < 600 && !lr.statistics && run.status === 'Completed'; i++) {
            await new Promise((ok) => setTimeout(ok, 500));
            lr = (await ctx.atf.getOptimizationRun(run.id, { trials: false })).result as OptimizationResult;
          }
          const s = lr.statistics;
          const bestTrial = s && 'best_index' in s ? await ctx.atf.getTrial(run.id, s.best_index) : null;
          const note = `The stability maps are drawn for grids of up to ${int(ROBUSTNESS_MAX_TRIALS)} combinations (they read every trial); this one has ${int(run.total)}.`;
          robust = robustnessPanel(req, { ...lr, trials: bestTrial ? [bestTrial] : [] }, charts, pick, run.status, note);
        } else {
          const full = res.trials.length > 0 ? run : await ctx.atf.getOptimizationRun(run.id);
          robust = robustnessPanel(req, full.result as OptimizationResult, charts, pick, run.status);
        }
        robustPanel.replaceChildren(robust.el);
      } catch (e) {
        robustPanel.replaceChildren(errorPanel('Cannot load the trials', errorText(e), null));
      }
    })());
  const tabs = {
    results: h('button.tab', { type: 'button', role: 'tab', id: 'opt-tab-results', 'aria-controls': 'opt-panel-results', 'aria-selected': 'true' }, 'Results'),
    robustness: h('button.tab', { type: 'button', role: 'tab', id: 'opt-tab-robustness', 'aria-controls': 'opt-panel-robustness', 'aria-selected': 'false', 'data-testid': 'robustness-tab' }, 'Robustness'),
  };
  const show = (which: 'results' | 'robustness') => {
    tabs.results.setAttribute('aria-selected', String(which === 'results'));
    tabs.robustness.setAttribute('aria-selected', String(which === 'robustness'));
    results.hidden = which !== 'results';
    robustPanel.hidden = which !== 'robustness';
    if (which === 'robustness') void loadRobust().then(() => requestAnimationFrame(() => robust?.draw()));
  };
  tabs.results.addEventListener('click', () => show('results'));
  tabs.robustness.addEventListener('click', () => show('robustness'));
  el.append(h('div.tabs.report-tabs', { role: 'tablist', 'aria-label': 'Report' }, tabs.results, tabs.robustness), results, robustPanel);

  // Heatmap over two chosen parameters.
  if (axes.length >= 1) {
    const rows = columnRows(columns, decoderOf(req));
    const block = heatmapBlock(req, objective, maximize, pick, () => rows, (i) => ctx.atf.getTrial(run.id, i));
    results.append(block.el);
    requestAnimationFrame(block.draw);
  }

  results.append(picked);

  // Ranked trials: pages of a SQL query (filter, outcome, order), never every trial in the page.
  const metricCols = [objective, ...['net_profit', 'total_return_pct', 'sharpe', 'max_drawdown_pct', 'trades'].filter((m) => m !== objective)];
  const open = new Set<number>();
  const statusFilter = h('select#trials-status');
  for (const [v, l] of [['', 'All'], ['completed', 'Completed'], ['skipped', 'Skipped (constraint)'], ['failed', 'Failed']]) statusFilter.add(new Option(l, v));
  const outcome = (t: TrialRecord) => (t.status === 'completed' ? 'completed' : isSkipped(t) ? 'skipped' : 'failed');
  const table = new SortableTable<TrialRow>({
    testId: 'trials-table',
    rowKey: (t) => String(t.index),
    onActivate: pick,
    rowClass: (t) => (t.status === 'completed' ? '' : `trial-${outcome(t)}`),
    maxRows: PAGE_ROWS,
    empty: 'No trials.',
    // The order and the pages come from SQL.
    onSort: (sort) => {
      order = sort;
      void query(PAGE_ROWS);
    },
    onMore: (n) => void query(n),
    detail: (t) =>
      t.status === 'failed' && open.has(t.index)
        ? isSkipped(t)
          ? h('p.notice.skipped', null, `Trial #${t.index} (${paramsText(t.params)}) was ${noResultText(t)}.`)
          : errorPanel(`Trial #${t.index} (${paramsText(t.params)}) failed`, t.error_message, t.error_stack_trace)
        : null,
    columns: [
      { key: 'rank', label: 'Rank', value: (t) => (t.status === 'completed' ? t.rank : null), numeric: true, render: (t) => (t.status === 'completed' && t.rank !== null ? String(t.rank) : '—') },
      {
        key: 'status',
        label: 'Status',
        value: (t) => t.status,
        render: (t) => {
          if (t.status !== 'failed') return h('span.status', { 'data-status': 'Completed' }, 'ok');
          const word = outcome(t);
          const b = h(word === 'skipped' ? 'button.link.muted' : 'button.link.danger-text', { type: 'button', 'aria-expanded': String(open.has(t.index)), title: noResultText(t) }, open.has(t.index) ? `▾ ${word}` : `▸ ${word}`);
          b.addEventListener('click', () => {
            if (open.has(t.index)) open.delete(t.index);
            else open.add(t.index);
            table.render();
          });
          return b;
        },
      },
      ...axes.map((a) => ({ key: `p:${a}`, label: a, numeric: true, value: (t: TrialRow) => t.params?.[a] ?? null, render: (t: TrialRow) => (t.params ? String(t.params[a] ?? '—') : '—') })),
      ...metricCols.map((m) => ({ key: `m:${m}`, label: metricLabel(m), numeric: true, value: (t: TrialRow) => t.metrics?.[m] ?? null, render: (t: TrialRow) => (t.status !== 'failed' ? metricText(m, t.metrics?.[m]) : m === objective ? h(isSkipped(t) ? 'span.muted' : 'span.failed-text', { title: noResultText(t) }, t.error_message ?? 'failed') : '—') })),
      { key: 'eq', label: 'Final equity', numeric: true, value: (t) => t.final_equity, render: (t) => money(t.final_equity) },
    ],
  });
  // The names the filter knows: the parameters, then the metrics (key and the label the column
  // headers show; either is accepted).
  const names = filterNames([...axes, ...Object.keys(req.params ?? {})], ctx.metrics.map((m) => ({ key: m.name, label: metricLabel(m.name) })));
  const condInput = h('input#trials-filter', { type: 'search', placeholder: 'e.g. Sharpe > 0.5, fast <= 10', 'aria-describedby': 'trials-filter-error trials-filter-names' });
  const condError = h('span#trials-filter-error.field-error');
  const namesHelp = h(
    'details#trials-filter-names.filter-names',
    null,
    h('summary', null, 'Names you can filter on'),
    h('p.hint', null, 'A name as its column shows it or as its key, a comparison (>, >=, <, <=, =, !=) and a number; join conditions with commas or "and".'),
    h('p.names', null, ...names.flatMap((n, i) => [i ? ' · ' : '', h('code', null, n.key), n.label !== n.key ? h('span.muted', null, ` ${n.label}`) : ''])),
  );
  let order: { key: string; dir: 1 | -1 } | null = null;
  let conds: TrialCondition[] = [];
  let seq = 0;
  /** The first `n` rows of the query as the filter and order now say. */
  const query = async (n: number) => {
    const mine = ++seq;
    const outcome = statusFilter.value as TrialQuery['outcome'] | '';
    try {
      const page = await ctx.atf.queryTrials(run.id, { objective, direction: maximize ? 'max' : 'min', ...(outcome ? { outcome } : {}), where: conds, sort: order, limit: n });
      if (mine !== seq) return;
      table.setPage(page.rows, page.total);
    } catch (e) {
      if (mine === seq) condError.textContent = errorText(e);
    }
  };
  const applyFilter = () => {
    const parsed = parseConditions(condInput.value, names);
    condError.textContent = parsed.error ?? '';
    // An unknown name: the list of known ones opens.
    if (parsed.unknown) (namesHelp as HTMLDetailsElement).open = true;
    if (parsed.error) return;
    conds = parsed.conds.map((c) => ({ name: c.name, op: c.op, value: c.value }));
    return query(PAGE_ROWS);
  };
  statusFilter.addEventListener('change', () => void applyFilter());
  condInput.addEventListener('input', () => void applyFilter());
  await applyFilter();
  results.append(
    h(
      'section.block',
      null,
      h('div.block-head', null, h('h3', null, `Trials, ranked by ${metricLabel(objective)} (${maximize ? 'higher' : 'lower'} is better)`), h('div.filters', null, h('label', null, 'Where ', condInput), h('label', null, 'Show ', statusFilter))),
      condError,
      namesHelp,
      h('div.scroll-x.table-box', null, table.el),
    ),
  );
  el.append(h('section.block', null, h('h3', null, 'Settings'), settingsList(run)));
  return { el, dispose: () => charts.dispose() };
}
