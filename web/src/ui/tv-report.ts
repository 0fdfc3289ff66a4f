// TradingView's report pieces for a backtest result: the "List of trades" CSV (the same text as
// the engine's trades_csv in engine/src/tv_report.cpp, which the CLI writes with --trades-csv),
// the trade list's figures (signals, excursions, cumulative P&L) and the Performance Summary
// table (All / Long / Short) from `result.performance`.
import type { BacktestResult, PerformanceSummary, Trade } from '../engine/types';
import { h, int, num } from './dom';

/** printf("%.*f", d, v) exactly (round half to even on the double's exact value), "-0.00" written
 *  "0.00", non-finite values empty: tv_report.cpp fixed(). */
export function fixed(v: number | null | undefined, d: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (e === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = e - 1075;
  }
  // |v| × 10^d = num / den exactly.
  let n = mant * 10n ** BigInt(d);
  let den = 1n;
  if (exp >= 0) n <<= BigInt(exp);
  else den <<= BigInt(-exp);
  let q = n / den;
  const twice = (n % den) * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  const digits = q.toString().padStart(d + 1, '0');
  const text = d > 0 ? `${digits.slice(0, -d)}.${digits.slice(-d)}` : digits;
  return negative && q !== 0n ? `-${text}` : text;
}

/** printf("%.<p>g", v). */
function gFormat(v: number, p: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [m = '', e = '0'] = v.toExponential(p - 1).split('e');
  const x = Number(e);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x < -4 || x >= p) return `${strip(m)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return strip(v.toFixed(Math.max(0, p - 1 - x)));
}

/** The shortest of %.15g / %.17g that reads back as the same double (params.cpp format_number). */
export function formatNumber(v: number): string {
  const short = gFormat(v, 15);
  return Number(short) === v ? short : gFormat(v, 17);
}

/** "YYYY-MM-DD HH:MM" in UTC (tv_report.cpp format_trade_time). */
export function formatTradeTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function entrySignalName(t: Trade): string {
  return t.entry_signal || (t.side === 'long' ? 'Long' : 'Short');
}

export function exitSignalName(t: Trade, reversed: boolean): string {
  if (t.exit_signal) return t.exit_signal;
  switch (t.exit_reason) {
    case 'stop_loss':
      return 'Stop loss';
    case 'take_profit':
      return 'Take profit';
    case 'end':
      return 'Close at end';
    case 'margin_call':
      return 'Margin call';
    default:
      return reversed ? (t.side === 'long' ? 'Short' : 'Long') : 'Close';
  }
}

/** A trade with what the list shows: its number, signals, value at entry, cumulative P&L. */
export interface TradeRow extends Trade {
  n: number;
  open: boolean;
  entrySignal: string;
  exitSignal: string;
  /** Entry price × quantity × multiplier. */
  value: number;
  pnlPct: number;
  runup: number;
  drawdown: number;
  cumulative: number;
  cumulativePct: number;
}

/** Closed trades numbered from 1, then the open ones (exit signal "Open"), as TradingView lists them. */
export function tradeRows(r: BacktestResult, multiplier = 1): TradeRow[] {
  const open = r.open_trades ?? [];
  const entries = new Set<string>();
  for (const t of [...r.trades, ...open]) entries.add(`${t.entry_index}:${t.side}`);
  const initial = r.initial_capital ?? NaN;
  let cumulative = 0;
  const rows: TradeRow[] = [];
  const add = (t: Trade, isOpen: boolean) => {
    cumulative += t.pnl;
    const value = t.entry_price * t.quantity * multiplier;
    const pctOf = (x: number) => (value !== 0 ? (x / value) * 100 : NaN);
    const reversed = entries.has(`${t.exit_index}:${t.side === 'long' ? 'short' : 'long'}`);
    rows.push({
      ...t,
      n: rows.length + 1,
      open: isOpen,
      entrySignal: entrySignalName(t),
      exitSignal: isOpen ? 'Open' : exitSignalName(t, reversed),
      value,
      pnlPct: pctOf(t.pnl),
      runup: t.max_runup ?? NaN,
      drawdown: -(t.max_drawdown ?? NaN),
      cumulative,
      cumulativePct: initial !== 0 ? (cumulative / initial) * 100 : NaN,
    });
  };
  for (const t of r.trades) add(t, false);
  for (const t of open) add(t, true);
  return rows;
}

export const TRADES_CSV_HEADER =
  'Trade #,Type,Date and time,Signal,Price,Size (qty),Size (value),Net P&L,Net P&L %,Favorable excursion,Favorable excursion %,Adverse excursion,Adverse excursion %,Cumulative P&L,Cumulative P&L %';

/** TradingView's "List of trades" CSV: the exit row then the entry row of each trade ("\n" line
 *  ends, header first), byte for byte the engine's trades_csv(result, {multiplier, decimals}). */
export function tradesCsv(r: BacktestResult, multiplier = 1, decimals = 2): string {
  const money = (v: number) => (decimals < 0 ? (Number.isFinite(v) ? formatNumber(v === 0 ? 0 : v) : '') : fixed(v, decimals));
  let out = `${TRADES_CSV_HEADER}\n`;
  for (const t of tradeRows(r, multiplier)) {
    const pct = (x: number) => (t.value !== 0 ? (x / t.value) * 100 : NaN);
    const figures = [
      csvField(formatNumber(t.quantity)),
      money(t.value),
      money(t.pnl),
      money(pct(t.pnl)),
      money(t.max_runup ?? NaN),
      money(pct(t.max_runup ?? NaN)),
      money(-(t.max_drawdown ?? NaN)),
      money(pct(-(t.max_drawdown ?? NaN))),
      money(t.cumulative),
      money(t.cumulativePct),
    ].join(',');
    const side = t.side === 'long' ? 'long' : 'short';
    out += `${t.n},Exit ${side},${formatTradeTime(t.exit_time)},${csvField(t.exitSignal)},${formatNumber(t.exit_price)},${figures}\n`;
    out += `${t.n},Entry ${side},${formatTradeTime(t.entry_time)},${csvField(t.entrySignal)},${formatNumber(t.entry_price)},${figures}\n`;
  }
  return out;
}

// ---- Performance Summary ------------------------------------------------------------------------

type Kind = 'money' | 'pct' | 'ratio' | 'count' | 'bars';
/** Rows as TradingView orders them: [label, key, kind, key of the % shown under it, tone]. */
const ROWS: Array<[string, string, Kind, string | null, 'gain' | 'loss' | 'signed' | null]> = [
  ['Net profit', 'net_profit', 'money', 'net_profit_pct', 'signed'],
  ['Gross profit', 'gross_profit', 'money', 'gross_profit_pct', 'gain'],
  ['Gross loss', 'gross_loss', 'money', 'gross_loss_pct', 'loss'],
  ['Max run-up', 'max_runup', 'money', 'max_runup_pct', null],
  ['Max drawdown', 'max_drawdown', 'money', 'max_drawdown_pct', null],
  ['Buy & hold return', 'buy_hold_return', 'money', 'buy_hold_return_pct', 'signed'],
  ['Sharpe ratio', 'sharpe', 'ratio', null, null],
  ['Sortino ratio', 'sortino', 'ratio', null, null],
  ['Profit factor', 'profit_factor', 'ratio', null, null],
  ['Max contracts held', 'max_contracts_held', 'count', null, null],
  ['Open P&L', 'open_pl', 'money', 'open_pl_pct', 'signed'],
  ['Commission paid', 'commission_paid', 'money', null, null],
  ['Total closed trades', 'total_closed_trades', 'count', null, null],
  ['Total open trades', 'total_open_trades', 'count', null, null],
  ['Number winning trades', 'winning_trades', 'count', null, null],
  ['Number losing trades', 'losing_trades', 'count', null, null],
  ['Number even trades', 'even_trades', 'count', null, null],
  ['Percent profitable', 'percent_profitable', 'pct', null, null],
  ['Avg trade', 'avg_trade', 'money', 'avg_trade_pct', 'signed'],
  ['Avg winning trade', 'avg_winning_trade', 'money', 'avg_winning_trade_pct', 'gain'],
  ['Avg losing trade', 'avg_losing_trade', 'money', 'avg_losing_trade_pct', 'loss'],
  ['Ratio avg win / avg loss', 'ratio_avg_win_loss', 'ratio', null, null],
  ['Largest winning trade', 'largest_winning_trade', 'money', 'largest_winning_trade_pct', 'gain'],
  ['Largest losing trade', 'largest_losing_trade', 'money', 'largest_losing_trade_pct', 'loss'],
  ['Avg # bars in trades', 'avg_bars_in_trades', 'bars', null, null],
  ['Avg # bars in winning trades', 'avg_bars_in_winning_trades', 'bars', null, null],
  ['Avg # bars in losing trades', 'avg_bars_in_losing_trades', 'bars', null, null],
  ['Margin calls', 'margin_calls', 'count', null, null],
];

function figure(v: number | null | undefined, kind: Kind): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  switch (kind) {
    case 'money':
      return num(v, 2);
    case 'pct':
      return `${num(v, 2)}%`;
    case 'ratio':
      return num(v, 3);
    case 'count':
      return Number.isInteger(v) ? int(v) : num(v, 4);
    case 'bars':
      return int(Math.round(v));
  }
}

/** The Performance Summary as a table: one row per figure, columns All / Long / Short; a money
 *  figure carries its percentage under it. `descriptions` are the rows' tooltips. */
export function performanceTable(p: PerformanceSummary, descriptions: Record<string, string> = {}): HTMLElement {
  const cols = [p.all, p.long, p.short];
  const cell = (c: Record<string, number | null>, key: string, kind: Kind, pctKey: string | null, tone: string | null) => {
    const v = c[key];
    const cls = v === null || v === undefined || !Number.isFinite(v) || v === 0 ? null : tone === 'gain' ? 'pos' : tone === 'loss' ? 'neg' : tone === 'signed' ? (v > 0 ? 'pos' : 'neg') : null;
    const pv = pctKey ? c[pctKey] : null;
    return h('td.num', null, h('span', { class: cls }, figure(v, kind)), pctKey && pv !== null && pv !== undefined && Number.isFinite(pv) ? h('span.perf-pct', null, `${num(pv, 2)}%`) : null);
  };
  return h(
    'table.data.perf',
    { 'data-testid': 'perf-summary' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span.th-plain', null, 'Figure')), ...['All', 'Long', 'Short'].map((l) => h('th.num', { scope: 'col' }, h('span.th-plain', null, l))))),
    h(
      'tbody',
      null,
      ...ROWS.filter(([, key]) => cols.some((c) => key in c)).map(([label, key, kind, pctKey, tone]) =>
        h('tr', { 'data-figure': key }, h('th', { scope: 'row', title: descriptions[key] ?? null }, label), ...cols.map((c) => cell(c, key, kind, pctKey, tone))),
      ),
    ),
  );
}

// ---- Monthly returns and the distribution of trade returns ---------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Return of each calendar month (UTC), in %: equity at the month's last close over the equity at
 *  the previous month's last close (the first month: over the initial capital), as the engine's
 *  Sharpe takes its periods. Keyed by year, then month 0–11. */
export function monthlyReturns(times: number[], equity: ArrayLike<number>, initial: number): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  let prev = initial;
  for (let i = 0; i < equity.length; i++) {
    const d = new Date(times[i] ?? 0);
    const next = i + 1 < equity.length ? new Date(times[i + 1] ?? 0) : null;
    if (next && next.getUTCFullYear() === d.getUTCFullYear() && next.getUTCMonth() === d.getUTCMonth()) continue;
    const e = equity[i] ?? NaN;
    const year = d.getUTCFullYear();
    if (!out.has(year)) out.set(year, new Map());
    out.get(year)!.set(d.getUTCMonth(), prev > 0 ? (e / prev - 1) * 100 : NaN);
    prev = e;
  }
  return out;
}

/** A cell tinted by its sign and size (full colour at ±10 %). */
function tinted(v: number | undefined): HTMLElement {
  if (v === undefined || !Number.isFinite(v)) return h('td.num.muted', null, '');
  if (v === 0) return h('td.num.muted', null, '0.0');
  const share = Math.min(100, Math.round((Math.abs(v) / 10) * 45));
  const color = v > 0 ? 'var(--up)' : v < 0 ? 'var(--down)' : 'transparent';
  return h('td.num', { style: `background: color-mix(in srgb, ${color} ${share}%, transparent)` }, num(v, 1));
}

/** Years × months table of monthly returns with the year's compounded return. */
export function monthlyTable(returns: Map<number, Map<number, number>>): HTMLElement {
  const years = [...returns.keys()].sort((a, b) => a - b);
  return h(
    'table.data.monthly',
    { 'data-testid': 'monthly-returns' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span.th-plain', null, 'Year')), ...[...MONTHS, 'Year'].map((m) => h('th.num', { scope: 'col' }, h('span.th-plain', null, m))))),
    h(
      'tbody',
      null,
      ...years.map((y) => {
        const months = returns.get(y)!;
        const year = ([...months.values()].reduce((p, r) => (Number.isFinite(r) ? p * (1 + r / 100) : p), 1) - 1) * 100;
        return h('tr', null, h('th', { scope: 'row' }, String(y)), ...MONTHS.map((_, m) => tinted(months.get(m))), tinted(year));
      }),
    ),
  );
}

/** Histogram of the closed trades' returns (% of the entry value): about 20 bins, bars drawn
 *  with CSS (heights as a share of the fullest bin). */
export function returnsHistogram(trades: Array<{ return_pct: number }>): HTMLElement {
  const values = trades.map((t) => t.return_pct).filter(Number.isFinite);
  if (!values.length) return h('p.hint', { 'data-testid': 'returns-histogram' }, 'No closed trades.');
  const lo = Math.min(...values, 0);
  const hi = Math.max(...values, 0);
  const raw = (hi - lo) / 20 || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((w) => w >= raw) ?? raw;
  const start = Math.floor(lo / width) * width;
  const bins = Math.max(1, Math.ceil((hi - start) / width + 1e-9));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - start) / width))]! += 1;
  const most = Math.max(...counts);
  const label = (x: number) => `${num(x, width < 1 ? 1 : 0)}%`;
  return h(
    'figure.histogram',
    { 'data-testid': 'returns-histogram', role: 'img', 'aria-label': `Trade returns: ${values.length} trades from ${label(lo)} to ${label(hi)}` },
    h(
      'div.hist-bars',
      null,
      ...counts.map((c, i) => {
        const from = start + i * width;
        return h('div.hist-bar', {
          class: from + width <= 0 ? 'neg-bar' : from >= 0 ? 'pos-bar' : 'mixed-bar',
          style: `height: ${c ? Math.max(2, (c / most) * 100) : 0}%`,
          title: `${label(from)} … ${label(from + width)}: ${c} trade${c === 1 ? '' : 's'}`,
        });
      }),
    ),
    h('figcaption.hist-axis', null, h('span', null, label(start)), h('span', null, `${values.length} trades, bins of ${label(width)}`), h('span', null, label(start + bins * width))),
  );
}
