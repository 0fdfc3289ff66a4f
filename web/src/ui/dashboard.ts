// The dashboard: every run (backtests and optimizations) with status, strategy, parameters or
// axes, dataset, key metrics, started and duration; sortable, filterable by kind and status; runs
// in flight show live progress (read from the progress board every frame); delete and cancel.
import type { OptimizationRequest, RunKind, RunStatus, RunSummary, StoredRun, BacktestResult, OptimizationResult, WalkForwardRequest, WalkForwardResult } from '../engine/types';
import type { Ctx } from './context';
import { duration, shortTime, errorText, h, int, metricLabel, metricText, num, paramsText, pct, runDuration } from './dom';
import { frameProgress } from './live-progress';
import { isResumable, resumeButton } from './resume';
import { SortableTable } from './table';

interface Detail {
  setup: string;
  metricA: number | null;
  metricB: number | null;
  keyText: string;
  startedAt: number | null;
  finishedAt: number | null;
  terminal: boolean;
  /** The status the detail was read at (a resumed run leaves its terminal status). */
  status: RunStatus;
  /** A cancelled or interrupted optimization with combinations left (offers Resume). */
  resumable: boolean;
}

interface Row extends RunSummary {
  d: Detail | undefined;
}

const TERMINAL: RunStatus[] = ['Completed', 'Failed', 'Cancelled'];

function axesText(req: OptimizationRequest): string {
  return (req.axes ?? [])
    .map((a) => ('values' in a ? `${a.name}∈{${a.values.join(',')}}` : `${a.name} ${a.min}…${a.max}/${a.step}`))
    .join(' × ');
}

/** Only the parameters an optimization varied (the fixed ones are in its request). */
function axisParams(req: OptimizationRequest, p: Record<string, number> | null): Record<string, number> | null {
  if (!p) return p;
  const names = new Set((req.axes ?? []).map((a) => a.name));
  return Object.fromEntries(Object.entries(p).filter(([k]) => names.has(k)));
}

function detailOf(run: StoredRun): Detail {
  const terminal = TERMINAL.includes(run.status);
  const base = { startedAt: run.startedAt, finishedAt: run.finishedAt, terminal, status: run.status, resumable: isResumable(run) };
  if (run.kind === 'backtest') {
    const r = run.result as BacktestResult | undefined;
    const m = r?.metrics;
    return {
      ...base,
      setup: paramsText(r?.params ?? run.request.params ?? {}),
      metricA: m?.['total_return_pct'] ?? null,
      metricB: m?.['sharpe'] ?? null,
      keyText: m ? `${pct(m['total_return_pct'])} · Sharpe ${num(m['sharpe'])} · DD ${pct(m['max_drawdown_pct'])}` : run.errorMessage ?? '—',
    };
  }
  if (run.kind === 'walkforward') {
    const req = run.request as WalkForwardRequest;
    const w = run.result as WalkForwardResult | undefined;
    const oos = w?.out_of_sample;
    const wf = req.walk_forward;
    return {
      ...base,
      setup: `${axesText(req)} · IS ${String(wf?.in_sample ?? '?')} / OOS ${String(wf?.out_of_sample ?? '?')}${wf?.anchored ? ' anchored' : ''}`,
      metricA: oos?.['total_return_pct'] ?? null,
      metricB: w?.efficiency ?? null,
      keyText: w ? `${int(w.windows.length)} windows · OOS ${pct(oos?.['total_return_pct'])} · efficiency ${num(w.efficiency)}` : run.errorMessage ?? '—',
    };
  }
  const req = run.request as OptimizationRequest;
  const r = run.result as OptimizationResult | undefined;
  const best = r?.best?.metrics?.[r.objective] ?? null;
  return {
    ...base,
    setup: axesText(req),
    metricA: best,
    metricB: null,
    keyText: r?.best ? `best ${metricLabel(r.objective)} ${metricText(r.objective, best)} @ ${paramsText(axisParams(req, r.best.params))}` : run.errorMessage ?? '—',
  };
}

export class Dashboard {
  readonly el: HTMLElement;
  private readonly table: SortableTable<Row>;
  private readonly kindSel: HTMLSelectElement;
  private readonly statusSel: HTMLSelectElement;
  private readonly search: HTMLInputElement;
  private readonly summary: HTMLElement;
  private readonly message: HTMLElement;
  private readonly details = new Map<string, Detail>();
  private live = new Map<string, { bar: HTMLProgressElement; text: HTMLElement; kind: RunKind }>();
  private runs: RunSummary[] = [];
  private refreshing: Promise<void> | null = null;
  private again = false;
  private raf = 0;
  private confirmDelete: string | null = null;

  constructor(private readonly ctx: Ctx) {
    const opt = (sel: HTMLSelectElement, values: string[]) => {
      sel.add(new Option('All', ''));
      for (const v of values) sel.add(new Option(v, v));
    };
    this.kindSel = h('select#dash-kind', { onchange: () => void this.refresh() });
    opt(this.kindSel, ['backtest', 'optimization', 'walkforward']);
    this.statusSel = h('select#dash-status', { onchange: () => void this.refresh() });
    opt(this.statusSel, ['Pending', 'Running', 'Completed', 'Failed', 'Cancelled']);
    this.search = h('input#dash-search', { type: 'search', placeholder: 'strategy or dataset', oninput: () => this.render() });
    this.summary = h('span.muted');
    this.message = h('p.field-error', { role: 'alert' });
    this.table = new SortableTable<Row>({
      testId: 'runs-table',
      rowKey: (r) => r.id,
      onActivate: (r) => ctx.openRun(r.id, r.kind),
      rowClass: (r) => `status-${r.status.toLowerCase()}`,
      initialSort: { key: 'started', dir: -1 },
      maxRows: 100,
      empty: 'No runs yet. Start one with the panel on the left.',
      columns: [
        { key: 'status', label: 'Status', value: (r) => r.status, render: (r) => h('span.status', { 'data-status': r.cancelRequested ? 'Cancelling' : r.status }, r.cancelRequested && !TERMINAL.includes(r.status) ? 'Cancelling…' : r.status) },
        {
          key: 'strategy',
          label: 'Run',
          value: (r) => `${r.kind} ${r.strategy}`,
          render: (r) => h('span.run-cell', null, h('span.kind', { 'data-kind': r.kind }, r.kind), h('span.strategy', null, r.strategy)),
        },
        { key: 'setup', label: 'Parameters / axes', value: (r) => r.d?.setup ?? '', render: (r) => h('span.wrap', null, r.d?.setup ?? '…') },
        { key: 'dataset', label: 'Dataset', value: (r) => r.dataset, render: (r) => h('span.wrap', { title: r.dataset }, r.dataset.replace(/\.csv$/i, '')) },
        { key: 'result', label: 'Result', value: (r) => r.d?.metricA ?? null, numeric: true, title: 'Backtest: total return; optimization: best objective', render: (r) => this.resultCell(r) },
        {
          key: 'started',
          label: 'Started',
          value: (r) => r.startedAt ?? r.createdAt,
          render: (r) => {
            // The run's duration as every view gives it (finishedAt − startedAt).
            const ran = runDuration(r);
            return h(
              'span.run-cell',
              null,
              shortTime(r.startedAt ?? r.createdAt),
              h('span.muted.run-duration', null, ran !== null ? duration(ran) : TERMINAL.includes(r.status) ? '—' : 'running'),
            );
          },
        },
        { key: 'actions', label: '', value: () => null, render: (r) => this.actions(r) },
      ],
    });
    this.el = h(
      'section.dashboard',
      { 'aria-labelledby': 'dash-title' },
      h(
        'div.panel-head',
        null,
        h('h2#dash-title', null, 'Runs'),
        h(
          'div.filters',
          null,
          h('label', null, 'Kind ', this.kindSel),
          h('label', null, 'Status ', this.statusSel),
          h('label', null, 'Search ', this.search),
          this.summary,
        ),
      ),
      this.message,
      h('div.scroll-x', null, this.table.el),
    );
    // Every run transition is logged: refresh on it, but at most every 250 ms and only while the
    // dashboard is on screen (the route refreshes it when it is shown again).
    ctx.atf.log.subscribe(() => this.refreshSoon());
    void this.refresh();
    this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  private resultCell(r: Row): Node | string {
    if (!TERMINAL.includes(r.status)) {
      const bar = h('progress', { max: Math.max(1, r.total), value: r.processed, 'aria-label': 'Progress' });
      const text = h('span.live-text');
      this.live.set(r.id, { bar, text, kind: r.kind });
      return h('span.live', null, bar, text);
    }
    if (r.status === 'Failed') return h('span.wrap.failed-text', { title: r.d?.keyText ?? '' }, r.d?.keyText ?? 'failed');
    return h('span.wrap', null, r.d?.keyText ?? '…');
  }

  private actions(r: Row): HTMLElement {
    const box = h('span.row-actions');
    box.append(h('button.link', { type: 'button', onclick: () => this.ctx.openRun(r.id, r.kind), 'aria-label': `Open run ${r.id.slice(0, 8)}` }, 'Open'));
    if (!TERMINAL.includes(r.status)) {
      box.append(
        h('button.link.danger-text', {
          type: 'button',
          onclick: () => {
            const atf = this.ctx.atf;
            const p = r.kind === 'backtest' ? atf.cancelBacktest(r.id) : r.kind === 'walkforward' ? atf.cancelWalkForward(r.id) : atf.cancelOptimization(r.id);
            p.catch((e: unknown) => (this.message.textContent = errorText(e))).finally(() => void this.refresh());
          },
        }, 'Cancel'),
      );
    } else {
      if (r.d?.resumable) box.append(resumeButton(this.ctx, r, (m) => (this.message.textContent = m)));
      const confirming = this.confirmDelete === r.id;
      box.append(
        h('button.link.danger-text', {
          type: 'button',
          'aria-label': confirming ? `Confirm delete of run ${r.id.slice(0, 8)}` : `Delete run ${r.id.slice(0, 8)}`,
          onclick: () => {
            if (this.confirmDelete !== r.id) {
              this.confirmDelete = r.id;
              this.render();
              (this.table.el.querySelector(`tr[data-key="${CSS.escape(r.id)}"] .danger-text`) as HTMLElement | null)?.focus();
              return;
            }
            this.confirmDelete = null;
            this.ctx.atf.deleteRun(r.id).then(
              () => {
                this.details.delete(r.id);
                void this.refresh();
              },
              (e: unknown) => (this.message.textContent = errorText(e)),
            );
          },
        }, confirming ? 'Confirm delete' : 'Delete'),
      );
    }
    return box;
  }

  /** Forgets a half-done "Delete" (its "Confirm delete"): called when the list is shown again,
   *  so that a confirmation never survives leaving the list. */
  resetConfirm(): void {
    if (this.confirmDelete === null) return;
    this.confirmDelete = null;
    this.render();
  }

  private soon: ReturnType<typeof setTimeout> | null = null;

  /** A refresh within 250 ms, unless one is pending; nothing while off screen. */
  private refreshSoon(): void {
    if (this.soon !== null || !this.el.isConnected) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      if (this.el.isConnected) void this.refresh();
    }, 250);
  }

  /** Re-reads the run list (coalesced: one refresh at a time, one more if asked meanwhile). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        const filter: { kind?: RunKind; status?: RunStatus } = {};
        if (this.kindSel.value) filter.kind = this.kindSel.value as RunKind;
        if (this.statusSel.value) filter.status = this.statusSel.value as RunStatus;
        this.runs = await this.ctx.atf.listRuns(filter);
        await Promise.all(
          this.runs.map(async (r) => {
            const d = this.details.get(r.id);
            if (d?.terminal && d.status === r.status) return;
            if (d && !TERMINAL.includes(r.status)) return; // live: the request does not change
            try {
              const atf = this.ctx.atf;
              // An optimization's best trial is in its row: its trials (a million, maybe) are not read.
              const run = r.kind === 'backtest' ? await atf.getBacktestRun(r.id) : r.kind === 'walkforward' ? await atf.getWalkForwardRun(r.id) : await atf.getOptimizationRun(r.id, { trials: false });
              this.details.set(r.id, detailOf(run));
            } catch {
              /* deleted meanwhile */
            }
          }),
        );
        this.message.textContent = '';
        this.render();
      } catch (e) {
        this.message.textContent = `Could not list runs: ${errorText(e)}`;
      } finally {
        this.refreshing = null;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      }
    })();
    return this.refreshing;
  }

  private render(): void {
    const q = this.search.value.trim().toLowerCase();
    const rows: Row[] = this.runs
      .filter((r) => !q || r.strategy.toLowerCase().includes(q) || r.dataset.toLowerCase().includes(q))
      .map((r) => ({ ...r, d: this.details.get(r.id) }));
    this.live = new Map();
    this.table.setRows(rows);
    const running = this.runs.filter((r) => !TERMINAL.includes(r.status)).length;
    this.summary.textContent = `${int(rows.length)} run${rows.length === 1 ? '' : 's'}${running ? ` · ${running} in flight` : ''}`;
  }

  private frame(frameTime: number): void {
    for (const [id, l] of this.live) {
      const p = frameProgress(this.ctx.atf, id, frameTime);
      if (!p) continue;
      l.bar.max = Math.max(1, p.total);
      l.bar.value = p.processed;
      const t =
        l.kind === 'backtest'
          ? `${Math.floor((p.processed / Math.max(1, p.total)) * 100)} %`
          : l.kind === 'walkforward'
            ? `window ${int(Math.min(p.processed + 1, p.total))}/${int(p.total)}`
            : `${int(p.processed)}/${int(p.total)}${p.failed ? ` (${p.failed} failed)` : ''}`;
      if (l.text.textContent !== t) l.text.textContent = t;
    }
    this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
  }
}
