// Tiny DOM helpers. Every piece of text goes in as a text node (textContent), never as HTML, so
// text from files, the engine or errors can never become markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

type TagOf<S extends string> = S extends `${infer T}.${string}` ? TagOf<T> : S extends `${infer T}#${string}` ? TagOf<T> : S;
type ElementOf<S extends string> = TagOf<S> extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[TagOf<S>] : HTMLElement;

/** Creates an element: h('button#go.primary', { onclick, type: 'button' }, 'Go'). */
export function h<S extends string>(tag: S, attrs?: Attrs | null, ...children: Child[]): ElementOf<S> {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(tag);
  const el = document.createElement(m?.[1] ?? tag) as ElementOf<S>;
  for (const part of (m?.[2] ?? '').match(/[.#][\w-]+/g) ?? []) {
    if (part.startsWith('.')) el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
      else if (k === 'class') el.classList.add(...String(v).split(/\s+/).filter(Boolean));
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- formatting -------------------------------------------------------------------------------

/** One formatter per digit count (creating an Intl.NumberFormat costs ~0.1 ms: a 2,500-trial
 *  table would spend most of its time there). */
const formatters = new Map<number, Intl.NumberFormat>();
const nf = (d: number): Intl.NumberFormat => {
  let f = formatters.get(d);
  if (!f) formatters.set(d, (f = new Intl.NumberFormat('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })));
  return f;
};
const NF0 = nf(0);
const NF2 = nf(2);
const NF4 = nf(4);

export function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return (digits === 0 ? NF0 : digits === 4 ? NF4 : digits === 2 ? NF2 : nf(digits)).format(v);
}

export function int(v: number | null | undefined): string {
  return num(v, 0);
}

export function money(v: number | null | undefined): string {
  return num(v, 2);
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : `${num(v, 2)} %`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Time only for today, else date and minutes (local time); the full stamp goes in a title. */
/** A run's duration, one definition for every view: finishedAt − startedAt (null until it ended,
 *  or when it never started). */
export function runDuration(r: { startedAt?: number | null; finishedAt?: number | null }): number | null {
  return r.startedAt != null && r.finishedAt != null ? Math.max(0, r.finishedAt - r.startedAt) : null;
}

export function shortTime(ms: number | null | undefined): HTMLElement | string {
  if (ms === null || ms === undefined) return '—';
  const full = dateTime(ms);
  const today = new Date().toDateString() === new Date(ms).toDateString();
  return h('time', { datetime: new Date(ms).toISOString(), title: full }, today ? full.slice(11) : full.slice(0, 16));
}

export function utcDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  return d.getUTCHours() || d.getUTCMinutes() ? `${day} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}` : day;
}

export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '—';
  if (perSecond >= 1e6) return `${num(perSecond / 1e6, 1)} M`;
  if (perSecond >= 1e3) return `${num(perSecond / 1e3, 1)} k`;
  return num(perSecond, perSecond < 10 ? 1 : 0);
}

export function paramsText(p: Record<string, number> | null | undefined): string {
  if (!p) return '—';
  const e = Object.entries(p);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(', ') : 'defaults';
}

/** A metric's display: percent metrics end in _pct. */
export function metricText(name: string, v: number | null | undefined): string {
  if (name.endsWith('_pct')) return pct(v);
  if (name === 'trades' || name.endsWith('_bars')) return int(v);
  if (name === 'sharpe' || name === 'sortino' || name === 'calmar' || name === 'profit_factor') return num(v, 2);
  return money(v);
}

export function metricLabel(name: string): string {
  const special: Record<string, string> = {
    net_profit: 'Net profit',
    total_return_pct: 'Total return',
    cagr_pct: 'CAGR',
    volatility_pct: 'Volatility',
    sharpe: 'Sharpe',
    sortino: 'Sortino',
    max_drawdown_pct: 'Max drawdown',
    max_drawdown_bars: 'Max DD duration (bars)',
    calmar: 'Calmar',
    trades: 'Trades',
    win_rate_pct: 'Win rate',
    profit_factor: 'Profit factor',
    avg_trade_pct: 'Avg trade',
    best_trade_pct: 'Best trade',
    worst_trade_pct: 'Worst trade',
    expectancy: 'Expectancy',
    exposure_pct: 'Exposure',
    commissions: 'Commissions',
  };
  return special[name] ?? name.replace(/_/g, ' ');
}

/** A collapsible error panel: message, then the stack trace in a <details>. */
export function errorPanel(title: string, message: string | undefined | null, stack: string | undefined | null): HTMLElement {
  return h(
    'div.error-panel',
    { role: 'alert' },
    h('strong', null, title),
    h('p.error-message', null, message || 'no message'),
    stack ? h('details.stack', null, h('summary', null, 'Stack trace'), h('pre', null, stack)) : null,
  );
}
