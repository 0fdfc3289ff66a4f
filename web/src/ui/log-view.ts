// The "Log" view: the structured run log as a table (time, level, run, message), newest first.
// Records are the engine's (atf.log); the level is derived from the event (a failed run or trial
// is an error, a replaced worker a warning), and the message puts the record's fields in words.
import type { AtfApi } from '../engine/api';
import { SKIPPED_PREFIX } from '../engine/run-utils';
import type { LogRecord } from '../engine/types';
import { duration, h, int } from './dom';

const MAX_ROWS = 500;

/** A record's level, from its event. */
export function logLevel(r: LogRecord): 'error' | 'warning' | 'info' {
  // A combination the strategy's constraint refused is not an error.
  if (r.event === 'trial_failed' && r.message?.startsWith(SKIPPED_PREFIX)) return 'info';
  if (r.event === 'run_failed' || r.event === 'trial_failed') return 'error';
  if (r.event === 'worker_replaced') return 'warning';
  return 'info';
}

/** A record in words: "completed optimization, 1.2 s after submission · completed 104, failed 0
 *  · <message>" (a record's time is counted from its run's registration). */
export function logMessage(r: LogRecord): string {
  const what = `${r.event.replace(/_/g, ' ')}${r.kind ? ` ${r.kind}` : ''}`;
  const took = r.event !== 'submitted' && r.elapsedMs !== null && r.elapsedMs !== undefined ? `, ${duration(r.elapsedMs)} after submission` : '';
  // processedBars 28 -> "processed bars 28".
  const counts = Object.entries(r.counts ?? {}).map(([k, v]) => `${k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${int(v)}`).join(', ');
  return [`${what}${took}`, counts, r.message ?? ''].filter(Boolean).join(' · ');
}

/** The Log view: a table of the run log's records (the 500 newest), kept up to date while shown. */
export class LogView {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private records: LogRecord[];

  constructor(atf: AtfApi) {
    this.records = atf.logEntries().slice(-MAX_ROWS).reverse();
    this.el = h(
      'section.log-view',
      { 'aria-labelledby': 'log-title' },
      h('div.panel-head', null, h('h2#log-title', null, 'Run log'), h('span.muted', null, "what the engine did with each run, newest first")),
      h(
        'div.table-box.log-box',
        null,
        h(
          'table#log.data.log-table',
          null,
          h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Level'), h('th', null, 'Run'), h('th', null, 'Message'))),
          this.body,
        ),
      ),
    );
    atf.log.subscribe((r) => {
      this.records.unshift(r);
      if (this.records.length > MAX_ROWS) this.records.length = MAX_ROWS;
      // Off screen the rows are rebuilt when the view is shown again.
      if (this.el.isConnected) this.body.prepend(this.row(r));
      while (this.body.rows.length > MAX_ROWS) this.body.lastElementChild?.remove();
    });
  }

  /** Rebuilds the rows (the view is being shown). */
  show(): void {
    this.body.replaceChildren(...(this.records.length ? this.records.map((r) => this.row(r)) : [h('tr', null, h('td.muted', { colspan: 4 }, 'Nothing yet: records appear as runs are submitted, start and end.'))]));
  }

  private row(r: LogRecord): HTMLTableRowElement {
    const level = logLevel(r);
    const t = new Date(r.time);
    const time = Number.isNaN(t.getTime()) ? r.time : t.toLocaleTimeString(undefined, { hour12: false });
    return h(
      'tr',
      { 'data-level': level, 'data-event': r.event },
      h('td.nowrap', { title: r.time }, time),
      h('td', null, h('span.level', { 'data-level': level }, level)),
      h('td.nowrap', null, r.runId ? h('a', { href: `#/run/${r.kind ?? 'backtest'}/${encodeURIComponent(r.runId)}`, title: r.runId }, r.runId.slice(0, 8)) : '—'),
      h('td.wrap', null, logMessage(r)),
    );
  }
}
