// Report charts on lightweight-charts (TradingView's library for price data): candles with the
// trades' entry/exit markers and the plots (a script's plot() series or a built-in strategy's
// indicators: overlay on the candles, the others in a pane below), the volume in a pane of its
// own, equity with drawdown in a second pane, and a Monte Carlo fan (equity percentiles over the
// trade sequence). The price and equity time scales follow each other;
// colours come from the page's CSS variables (light and dark themes).
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  LineSeries,
  PriceScaleMode,
  type AutoscaleInfo,
  type IChartApi,
  type LineData,
  type WhitespaceData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { PlotSeries, Trade } from '../engine/types';

declare global {
  interface HTMLElement {
    /** Test hook: the lightweight-charts chart drawn in this host (its axes are canvas pixels;
     *  the tests ask the chart's own API for formats, ranges and markers). */
    atfChart?: IChartApi;
  }
}
import { h, num, utcDate } from './dom';
import type { PriceBars } from './prices';

const MAX_POINTS = 20000;

/** A volume as 12.3K / 4.56M / 7.8B (the legend's width stays small). */
function compact(v: number): string {
  const a = Math.abs(v);
  return a >= 1e9 ? `${num(v / 1e9, 2)}B` : a >= 1e6 ? `${num(v / 1e6, 2)}M` : a >= 1e3 ? `${num(v / 1e3, 1)}K` : num(v, 0);
}

function css(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function baseOptions(indexTime: boolean) {
  const fmt = (t: Time) => (indexTime ? `bar ${Number(t)}` : utcDate(Number(t) * 1000));
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: css('--panel') },
      textColor: css('--muted'),
      fontFamily: getComputedStyle(document.body).fontFamily,
      attributionLogo: false,
      panes: { separatorColor: css('--border'), separatorHoverColor: css('--grid') },
    },
    grid: { vertLines: { color: css('--grid') }, horzLines: { color: css('--grid') } },
    // One width for every chart's price axis, so that the synced time axes line up.
    rightPriceScale: { borderColor: css('--border'), minimumWidth: 84 },
    timeScale: { borderColor: css('--border'), timeVisible: false, minBarSpacing: 0.01, tickMarkFormatter: indexTime ? (t: Time) => String(Number(t)) : undefined },
    localization: { timeFormatter: fmt },
    crosshair: { mode: 0 },
  };
}

/** Colours for plots that name none (TradingView's default is blue; the others alternate). */
const PALETTE = ['#2962ff', '#ff9800', '#9c27b0', '#00897b', '#e91e63', '#795548', '#607d8b'];

/** A plot's colour as CSS: "#RRGGBBAA" (the engine's) becomes rgba(); "" a palette colour. */
export function plotColor(color: string, i: number): string {
  const m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color);
  if (!m) return PALETTE[i % PALETTE.length] ?? '#2962ff';
  const rgb = m[1] ?? '000000';
  const [r, g, b] = [0, 2, 4].map((k) => parseInt(rgb.slice(k, k + 2), 16));
  const a = m[2] === undefined ? 1 : parseInt(m[2], 16) / 255;
  return a >= 1 ? `#${rgb}` : `rgba(${r}, ${g}, ${b}, ${Number(a.toFixed(3))})`;
}

/** Charts created for a report; dispose() removes them (and the theme listener). */
export class ReportCharts {
  private charts: IChartApi[] = [];
  private unsynced: IChartApi[] = [];
  private cleanups: Array<() => void> = [];
  private syncing = false;
  /** Pixels kept free right of the last bar (an open position's label), in every chart. */
  private rightPad = 0;
  private readonly media = window.matchMedia('(prefers-color-scheme: dark)');
  private readonly onTheme = () => this.applyTheme();

  constructor() {
    this.media.addEventListener('change', this.onTheme);
  }

  /** Brings every chart to a time span (UTC ms), with a margin of half the span on each side
   *  (at least 10 days): a trade picked in the list. */
  focus(fromMs: number, toMs: number): void {
    const pad = Math.max((toMs - fromMs) / 2, 10 * 86400000);
    const range = { from: Math.floor((fromMs - pad) / 1000) as UTCTimestamp, to: Math.floor((toMs + pad) / 1000) as UTCTimestamp };
    for (const c of this.charts) {
      try {
        c.timeScale().setVisibleRange(range);
      } catch {
        /* a chart over bar indices (no times) keeps its range */
      }
    }
  }

  /** A chart's picture as a PNG data URL (null when no chart lives in `host`). */
  snapshot(host: HTMLElement): string | null {
    const c = this.charts.find((x) => host.contains(x.chartElement()));
    return c ? c.takeScreenshot().toDataURL('image/png') : null;
  }

  /** Shows all data in every chart (call once they are laid out). */
  fitAll(): void {
    for (const c of this.charts) c.timeScale().fitContent();
  }

  dispose(): void {
    this.media.removeEventListener('change', this.onTheme);
    for (const f of this.cleanups) f();
    this.cleanups = [];
    for (const c of [...this.charts, ...this.unsynced]) c.remove();
    this.charts = [];
    this.unsynced = [];
  }

  private applyTheme(): void {
    for (const c of [...this.charts, ...this.unsynced]) {
      c.applyOptions({
        layout: { background: { type: ColorType.Solid, color: css('--panel') }, textColor: css('--muted'), panes: { separatorColor: css('--border'), separatorHoverColor: css('--grid') } },
        grid: { vertLines: { color: css('--grid') }, horzLines: { color: css('--grid') } },
        rightPriceScale: { borderColor: css('--border') },
        timeScale: { borderColor: css('--border') },
      });
    }
  }

  /** Keeps a chart that is not synchronised with the others (disposed and themed with them);
   *  `cleanup` runs before it is removed (e.g. to stop observers that would touch it). */
  adopt(chart: IChartApi, cleanup?: () => void): void {
    this.unsynced.push(chart);
    if (cleanup) this.cleanups.push(cleanup);
  }

  private add(chart: IChartApi): void {
    for (const other of this.charts) {
      chart.timeScale().subscribeVisibleLogicalRangeChange((r) => {
        if (this.syncing || !r) return;
        this.syncing = true;
        other.timeScale().setVisibleLogicalRange(r);
        this.syncing = false;
      });
      other.timeScale().subscribeVisibleLogicalRangeChange((r) => {
        if (this.syncing || !r) return;
        this.syncing = true;
        chart.timeScale().setVisibleLogicalRange(r);
        this.syncing = false;
      });
    }
    this.charts.push(chart);
  }

  /** Candles with entry (arrow) and exit (circle) markers per trade, and the script's plots:
   *  overlay ones on the candles, the others together in a pane below (one value per bar). */
  price(container: HTMLElement, bars: PriceBars, trades: Trade[], plots: PlotSeries[] = [], openTrades: Trade[] = []): void {
    const chart = createChart(container, baseOptions(false));
    // Prices are never negative, but the scale's margins (and the markers') can take a linear axis
    // below zero when the lows are near it relative to the highs (a long history of a stock that
    // rose many times over): such a series gets a logarithmic scale, which also keeps its early
    // years readable; any scale is clamped at zero.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < bars.low.length; i++) {
      lo = Math.min(lo, bars.low[i] ?? Infinity);
      hi = Math.max(hi, bars.high[i] ?? -Infinity);
    }
    const log = lo > 0 && hi / lo > 4;
    chart.priceScale('right', 0).applyOptions({ mode: log ? PriceScaleMode.Logarithmic : PriceScaleMode.Normal });
    container.dataset['scale'] = log ? 'log' : 'linear';
    const up = css('--up');
    const down = css('--down');
    const s = chart.addSeries(CandlestickSeries, {
      upColor: up,
      downColor: down,
      borderUpColor: up,
      borderDownColor: down,
      wickUpColor: up,
      wickDownColor: down,
      priceLineVisible: false,
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const r = original();
        if (r?.priceRange && r.priceRange.minValue < 0) r.priceRange.minValue = 0;
        return r;
      },
    });
    s.setData(
      bars.time.map((t, i) => ({
        time: Math.floor(t / 1000) as UTCTimestamp,
        open: bars.open[i] ?? 0,
        high: bars.high[i] ?? 0,
        low: bars.low[i] ?? 0,
        close: bars.close[i] ?? 0,
      })),
    );
    const markers: SeriesMarker<Time>[] = [];
    for (const t of trades) {
      const long = t.side === 'long';
      // Labels only when there are few trades (they overlap otherwise); the table has the numbers.
      const few = trades.length <= 30;
      markers.push({
        time: Math.floor(t.entry_time / 1000) as UTCTimestamp,
        position: long ? 'belowBar' : 'aboveBar',
        shape: long ? 'arrowUp' : 'arrowDown',
        color: long ? css('--accent') : css('--warn'),
        ...(few ? { text: long ? 'L' : 'S' } : {}),
      });
      markers.push({
        time: Math.floor(t.exit_time / 1000) as UTCTimestamp,
        position: long ? 'aboveBar' : 'belowBar',
        shape: 'circle',
        color: t.pnl >= 0 ? up : down,
        size: 0.6,
        ...(few ? { text: `${t.return_pct >= 0 ? '+' : ''}${num(t.return_pct, 1)}%` } : {}),
      });
    }
    // A position still open at the end: its entry, and a square at the last bar with its
    // unrealized return (the table lists it as an open trade).
    for (const t of openTrades) {
      const long = t.side === 'long';
      markers.push({
        time: Math.floor(t.entry_time / 1000) as UTCTimestamp,
        position: long ? 'belowBar' : 'aboveBar',
        shape: long ? 'arrowUp' : 'arrowDown',
        color: long ? css('--accent') : css('--warn'),
        text: long ? 'L' : 'S',
      });
      markers.push({
        time: Math.floor(t.exit_time / 1000) as UTCTimestamp,
        position: long ? 'aboveBar' : 'belowBar',
        shape: 'square',
        color: css('--muted'),
        text: `open ${t.return_pct >= 0 ? '+' : ''}${num(t.return_pct, 1)}%`,
      });
    }
    // Room right of the last bar for the open position's label (the equity chart, which follows
    // this one's range, gets the same room).
    if (openTrades.length) {
      this.rightPad = 72;
      chart.timeScale().applyOptions({ rightOffsetPixels: this.rightPad });
    }
    markers.sort((a, b) => Number(a.time) - Number(b.time));
    createSeriesMarkers(s, markers);
    container.dataset['openMarkers'] = String(openTrades.length);
    const times = bars.time.map((t) => Math.floor(t / 1000) as UTCTimestamp);
    let lower = false;
    plots.forEach((p, i) => {
      if (p.values.length !== times.length) return;
      const pane = p.overlay ? 0 : 1;
      lower ||= !p.overlay;
      const line = chart.addSeries(
        LineSeries,
        { color: plotColor(p.color, i), lineWidth: 2, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, title: p.title },
        pane,
      );
      const data: Array<LineData<Time> | WhitespaceData<Time>> = times.map((time, k) => {
        const v = p.values[k];
        return v === null || v === undefined || !Number.isFinite(v) ? { time } : { time, value: v };
      });
      line.setData(data);
    });
    if (lower) chart.panes()[1]?.setHeight(120);
    // Volume: a histogram in the last pane, each bar coloured as its candle (none without volume).
    if (bars.volume.some((v) => Number.isFinite(v) && v > 0)) {
      const pane = lower ? 2 : 1;
      const vol = chart.addSeries(
        HistogramSeries,
        { priceFormat: { type: 'volume' }, priceLineVisible: false, lastValueVisible: false, title: 'Volume' },
        pane,
      );
      const upFill = `${up}88`;
      const downFill = `${down}88`;
      vol.setData(
        times.map((time, k) => {
          const v = bars.volume[k];
          return v === undefined || !Number.isFinite(v) ? { time } : { time, value: v, color: (bars.close[k] ?? 0) >= (bars.open[k] ?? 0) ? upFill : downFill };
        }),
      );
      chart.panes()[pane]?.setHeight(80);
      container.dataset['volume'] = 'true';
    }
    // The box grows with its panes (style.css), so the candles keep their room.
    container.dataset['panes'] = String(chart.panes().length);
    // OHLC and the plotted values of the bar under the cursor (the last bar otherwise).
    const legend = h('div.chart-legend', { 'aria-hidden': 'true', 'data-testid': 'chart-legend' });
    container.append(legend);
    const index = new Map(times.map((t, i) => [Number(t), i]));
    const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : num(v, Math.abs(v) >= 1 ? 2 : 4));
    const shown = plots.filter((p) => p.values.length === times.length);
    const show = (i: number) => {
      const o = bars.open[i];
      const c = bars.close[i];
      legend.replaceChildren(
        h('span.muted', null, utcDate(bars.time[i] ?? 0)),
        ...(['O', 'H', 'L', 'C'] as const).map((k, j) => h('span', null, h('span.muted', null, `${k} `), fmt([o, bars.high[i], bars.low[i], c][j]))),
        h('span', { class: (c ?? 0) >= (o ?? 0) ? 'pos' : 'neg' }, o ? `${(((c ?? 0) - o) / o) * 100 >= 0 ? '+' : ''}${num((((c ?? 0) - o) / o) * 100, 2)}%` : ''),
        ...(Number.isFinite(bars.volume[i]) ? [h('span', null, h('span.muted', null, 'V '), compact(bars.volume[i] ?? 0))] : []),
        ...shown.map((p) => h('span', { style: `color:${plotColor(p.color, plots.indexOf(p))}` }, `${p.title || 'plot'} ${fmt(p.values[i])}`)),
      );
    };
    const last = times.length - 1;
    if (last >= 0) show(last);
    chart.subscribeCrosshairMove((param) => {
      const i = param.time === undefined ? undefined : index.get(Number(param.time));
      if (last >= 0) show(i ?? last);
    });
    chart.timeScale().fitContent();
    container.atfChart = chart;
    this.add(chart);
  }

  /** Equity (pane 0) and drawdown in % (pane 1). `times` are UTC ms per bar, or null (bar index). */
  equity(container: HTMLElement, curve: Float64Array, times: number[] | null, buyHold: ArrayLike<number> | null = null): void {
    const indexTime = times === null || times.length !== curve.length;
    const chart = createChart(container, baseOptions(indexTime));
    if (this.rightPad) chart.timeScale().applyOptions({ rightOffsetPixels: this.rightPad });
    const stride = Math.max(1, Math.ceil(curve.length / MAX_POINTS));
    const eq: Array<{ time: UTCTimestamp; value: number }> = [];
    const dd: Array<{ time: UTCTimestamp; value: number }> = [];
    const picked: number[] = [];
    let peak = -Infinity;
    let worst = 0;
    for (let i = 0; i < curve.length; i++) {
      const v = curve[i] ?? 0;
      peak = Math.max(peak, v);
      const d = peak > 0 ? ((v - peak) / peak) * 100 : 0;
      worst = Math.min(worst, d);
      if (i % stride === 0 || i === curve.length - 1) {
        const time = (indexTime ? i : Math.floor((times[i] ?? 0) / 1000)) as UTCTimestamp;
        eq.push({ time, value: v });
        picked.push(i);
        dd.push({ time, value: worst });
        worst = 0;
      }
    }
    const accent = css('--accent');
    const e = chart.addSeries(AreaSeries, {
      lineColor: accent,
      topColor: `${accent}55`,
      bottomColor: `${accent}05`,
      lineWidth: 2,
      priceLineVisible: false,
      title: 'Equity',
      // Thousands separators: 4,000,000 rather than 4000000.
      priceFormat: { type: 'custom', minMove: 1, formatter: (v: number) => num(v, 0) },
    });
    e.setData(eq);
    // Buy and hold (TradingView's: the initial capital bought at the first entry), dashed.
    if (buyHold && buyHold.length === curve.length) {
      const bh = chart.addSeries(LineSeries, { color: css('--muted'), lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, title: 'Buy & hold' });
      bh.setData(eq.map((p, k) => ({ time: p.time, value: buyHold[picked[k] ?? 0] ?? p.value })));
    }
    const down = css('--down');
    const d = chart.addSeries(
      AreaSeries,
      // No last-value label: with its title it covered a tick of the pane's small scale (the
      // caption names the pane, the crosshair gives values).
      { lineColor: down, topColor: `${down}10`, bottomColor: `${down}66`, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, invertFilledArea: true, priceFormat: { type: 'custom', minMove: 0.1, formatter: (v: number) => `${num(v, 1)}%` } },
      1,
    );
    d.setData(dd);
    const panes = chart.panes();
    panes[1]?.setHeight(110);
    chart.timeScale().fitContent();
    container.atfChart = chart;
    this.add(chart);
  }
}

/** Equity percentiles after each trade of resampled paths (MonteCarloStatistics.fan). */
export interface FanData {
  steps: number[];
  p5: number[];
  p25: number[];
  p50: number[];
  p75: number[];
  p95: number[];
}

/** A Monte Carlo fan: the median path, the 25–75 % band and the 5–95 % band of equity against
 *  the number of trades taken (the x axis counts trades, not time). Not synchronised with the
 *  other charts. */
export function fanChart(charts: ReportCharts, container: HTMLElement, fan: FanData, initial: number): void {
  const chart = createChart(container, {
    ...baseOptions(true),
    localization: { timeFormatter: (t: Time) => `after ${Number(t)} trade${Number(t) === 1 ? '' : 's'}` },
    timeScale: { borderColor: css('--border'), minBarSpacing: 0.01, tickMarkFormatter: (t: Time) => String(Number(t)) },
    // Resampled paths compound: the 95 % path can end many times above the median, so the
    // price scale is logarithmic (equal ratios, equal heights).
    rightPriceScale: { borderColor: css('--border'), mode: PriceScaleMode.Logarithmic },
  });
  const at = (k: number) => (fan.steps[k] ?? k) as UTCTimestamp;
  // Every path starts from the initial equity (step 0).
  const series = (values: number[]) => [{ time: 0 as UTCTimestamp, value: initial }, ...values.map((value, k) => ({ time: at(k), value }))];
  const accent = css('--accent');
  const muted = css('--muted');
  const line = (color: string, width: 1 | 2, style: 0 | 2, title: string, values: number[]) => {
    const s = chart.addSeries(LineSeries, { color, lineWidth: width, lineStyle: style, priceLineVisible: false, lastValueVisible: true, crosshairMarkerVisible: false, title, priceFormat: { type: 'custom', minMove: 1, formatter: (v: number) => num(v, 0) } });  // 2,890,284
    s.setData(series(values));
  };
  line(muted, 1, 2, '95 %', fan.p95);
  line(accent, 1, 0, '75 %', fan.p75);
  line(accent, 2, 0, 'median', fan.p50);
  line(accent, 1, 0, '25 %', fan.p25);
  line(muted, 1, 2, '5 %', fan.p5);
  chart.timeScale().fitContent();
  // The fan is read whole (no zooming into trades): it refits whenever its box changes size.
  const resize = new ResizeObserver(() => chart.timeScale().fitContent());
  resize.observe(container);
  charts.adopt(chart, () => resize.disconnect());
}

export function chartBox(label: string, cls = ''): { box: HTMLElement; host: HTMLElement } {
  const host = h('div.chart-host', { role: 'img', 'aria-label': label });
  const box = h('figure.chart', { class: cls || null }, h('figcaption', null, label), host);
  return { box, host };
}
