// "Download report": one self-contained HTML file of a backtest report that opens offline
// anywhere (no script, no request): the page's own styles inlined (light and dark), the charts as
// PNG images, the summary, monthly returns, every trade, the settings and the script's source.
import type { BacktestRequest, BacktestResult, StoredRun } from '../engine/types';
import { h, money, num, pct, utcDate } from './dom';
import { tradeRows } from './tv-report';

/** The CSS rules of the page's own style sheets (same origin: all of them here), less the
 *  editor's (CodeMirror's generated classes: no editor in a report). */
function pageCss(): string {
  const out: string[] = [];
  for (const sheet of [...document.styleSheets]) {
    try {
      for (const rule of [...sheet.cssRules]) if (!/\.cm-|ͼ/.test(rule.cssText)) out.push(rule.cssText);
    } catch {
      /* a sheet whose rules cannot be read is left out */
    }
  }
  return out.join('\n');
}

function allTrades(r: BacktestResult, multiplier: number): HTMLElement {
  const cols = ['#', 'Side', 'Entry', 'Exit', 'Signal', 'Entry price', 'Exit price', 'Qty', 'Net P&L', 'P&L %', 'Run-up', 'Drawdown', 'Cum. P&L'];
  const cls = (v: number) => (v > 0 ? 'pos' : v < 0 ? 'neg' : null);
  return h(
    'table.data',
    { 'data-testid': 'report-trades' },
    h('thead', null, h('tr', null, ...cols.map((c, i) => h(i >= 5 || i === 0 ? 'th.num' : 'th', null, h('span.th-plain', null, c))))),
    h(
      'tbody',
      null,
      ...tradeRows(r, multiplier).map((t) =>
        h(
          'tr',
          null,
          h('td.num', null, String(t.n)),
          h('td', { class: `side-${t.side}` }, t.side),
          h('td', null, utcDate(t.entry_time)),
          h('td', null, t.open ? 'open' : utcDate(t.exit_time)),
          h('td', null, `${t.entrySignal} → ${t.exitSignal}`),
          h('td.num', null, num(t.entry_price, 4)),
          h('td.num', null, num(t.exit_price, 4)),
          h('td.num', null, num(t.quantity, t.quantity % 1 ? 4 : 0)),
          h('td.num', { class: cls(t.pnl) }, money(t.pnl)),
          h('td.num', { class: cls(t.pnlPct) }, Number.isFinite(t.pnlPct) ? pct(t.pnlPct) : '—'),
          h('td.num', null, Number.isFinite(t.runup) ? money(t.runup) : '—'),
          h('td.num', null, Number.isFinite(t.drawdown) ? money(t.drawdown) : '—'),
          h('td.num', { class: cls(t.cumulative) }, money(t.cumulative)),
        ),
      ),
    ),
  );
}

/** The report element as a standalone document. `snapshot(host)` gives a chart's PNG data URL. */
export function reportHtml(article: HTMLElement, run: StoredRun, snapshot: (host: HTMLElement) => string | null): string {
  const req = run.request as BacktestRequest;
  const r = run.result as BacktestResult | undefined;
  const copy = article.cloneNode(true) as HTMLElement;
  // Charts become images (the live ones are canvases drawn by a script).
  const hosts = [...article.querySelectorAll<HTMLElement>('.chart-host')];
  [...copy.querySelectorAll<HTMLElement>('.chart-host')].forEach((host, i) => {
    const live = hosts[i];
    const url = live ? snapshot(live) : null;
    host.replaceWith(url ? h('img.chart-img', { src: url, alt: host.getAttribute('aria-label') ?? 'chart' }) : h('p.hint', null, 'Chart not available.'));
  });
  // Nothing to click in a file: actions go, sort buttons become their labels.
  for (const el of copy.querySelectorAll('.share-box, [data-testid="open-script"], [data-testid="download-report"], button.back, .block-head .filters, .picked')) el.remove();
  for (const b of copy.querySelectorAll('button')) b.replaceWith(h('span.th-plain', null, b.textContent ?? ''));
  for (const el of copy.querySelectorAll('[tabindex]')) el.removeAttribute('tabindex');
  // Every trade (the page shows the first 200).
  const box = copy.querySelector('[data-testid="trades-table"]')?.closest('.table-box');
  if (box && r) box.replaceWith(h('div.scroll-x', null, allTrades(r, req.broker?.multiplier ?? 1)));
  if (req.script !== undefined) {
    copy.append(h('section.block', null, h('h3', null, `Script (${req.script_hash ?? 'Pine'})`), h('pre.script-source', null, req.script)));
  }
  copy.append(h('p.hint', null, `Saved from AlgoTradeForge Web on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Run ${run.id}.`));
  const title = article.querySelector('#report-title')?.textContent ?? 'Backtest report';
  const css = `${pageCss()}\nbody { display: block; height: auto; padding: 1rem 1.25rem; }\n.chart-img { display: block; max-width: 100%; height: auto; }\n.script-source { white-space: pre; overflow: auto; font-size: .8rem; background: var(--panel-2); padding: .75rem; border-radius: 6px; }\n.table-box, .scroll-x { max-height: none; }`;
  const doc = document.implementation.createHTMLDocument(title);
  doc.documentElement.lang = 'en';
  const meta = (attrs: Record<string, string>) => {
    const m = doc.createElement('meta');
    for (const [k, v] of Object.entries(attrs)) m.setAttribute(k, v);
    doc.head.append(m);
  };
  meta({ charset: 'utf-8' });
  meta({ name: 'viewport', content: 'width=device-width, initial-scale=1' });
  meta({ name: 'color-scheme', content: 'light dark' });
  // No script can run in the saved file, whatever text it holds.
  meta({ 'http-equiv': 'Content-Security-Policy', content: "default-src 'none'; style-src 'unsafe-inline'; img-src data:" });
  const style = doc.createElement('style');
  style.textContent = css;
  doc.head.append(style);
  doc.body.append(doc.importNode(copy, true));
  return `<!doctype html>\n${doc.documentElement.outerHTML}\n`;
}
