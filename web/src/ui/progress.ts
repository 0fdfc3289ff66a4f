// The progress view of one run: counts, bar, throughput, elapsed and ETA, Cancel. Counters are
// read from the progress board (atf.progress) every animation frame; when the board has no entry
// (the run left the live store) or in fallback mode, the run's status is polled as well.
import type { BacktestStatus, OptimizationStatus, RunKind } from '../engine/types';
import { StatusCode } from '../engine/progress-board';
import type { Ctx } from './context';
import { duration, errorPanel, errorText, h, int, rate, runDuration } from './dom';
import { frameProgress } from './live-progress';

const NAMES = ['Pending', 'Pending', 'Running', 'Completed', 'Failed', 'Cancelled'] as const;

export class ProgressView {
  readonly el: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly text: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly rateEl: HTMLElement;
  private readonly elapsedEl: HTMLElement;
  private readonly etaEl: HTMLElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly outcome: HTMLElement;
  private raf = 0;
  private poll = 0;
  private startedAt: number | null = null;
  private done = false;
  private lastPoll = 0;
  private disposed = false;
  private finishing = false;

  constructor(
    private readonly ctx: Ctx,
    readonly id: string,
    readonly kind: RunKind,
    onBack: () => void,
  ) {
    this.statusEl = h('span#progress-status.status', { 'data-status': 'Pending' }, 'Pending');
    this.text = h('p#progress-text.progress-text', { 'aria-live': 'off' }, '');
    this.bar = h('progress#progress-bar', { max: 1, value: 0, 'aria-label': 'Progress' });
    this.rateEl = h('dd#progress-rate', null, '—');
    this.elapsedEl = h('dd#progress-elapsed', null, '—');
    this.etaEl = h('dd#progress-eta', null, '—');
    this.cancelBtn = h('button#progress-cancel.danger', { type: 'button', onclick: () => void this.cancel() }, 'Cancel');
    this.outcome = h('div.outcome', { 'aria-live': 'polite' });
    this.el = h(
      'section#progress.progress-view',
      { 'aria-labelledby': 'progress-title', 'data-run': id },
      h(
        'div.panel-head',
        null,
        h('h2#progress-title', null, kind === 'backtest' ? 'Backtest' : 'Optimization', ' ', h('span.run-id', null, id.slice(0, 8))),
        this.statusEl,
      ),
      this.text,
      this.bar,
      h(
        'dl.stats',
        null,
        h('div', null, h('dt', null, 'Throughput'), this.rateEl),
        h('div', null, h('dt', null, 'Elapsed'), this.elapsedEl),
        h('div', null, h('dt', null, 'ETA'), this.etaEl),
      ),
      h('div.actions', null, this.cancelBtn, h('button.secondary', { type: 'button', onclick: onBack }, 'New run')),
      this.outcome,
    );
    this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  /** Whether the run has ended (the view shows its outcome). */
  get finished(): boolean {
    return this.done;
  }

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.raf);
    clearTimeout(this.poll);
  }

  private unit(): string {
    return this.kind === 'backtest' ? 'bars/s' : 'trials/s';
  }

  private frame(frameTime: number): void {
    if (this.disposed || this.done) return;
    const p = frameProgress(this.ctx.atf, this.id, frameTime);
    const now = performance.now();
    if (p && p.status !== StatusCode.Free) {
      const name = NAMES[p.status] ?? 'Pending';
      if (p.status === StatusCode.Running && this.startedAt === null) this.startedAt = now;
      if (p.cancel && name === 'Running') this.setStatus('Cancelling…', 'Cancelling');
      else this.setStatus(name, name);
      this.render(p.processed, p.total, p.failed);
      if (p.status >= StatusCode.Completed) void this.finish();
    }
    // The status is the source when the board has no entry, and a periodic check otherwise.
    if (!p || this.ctx.atf.mode === 'message-fallback' || now - this.lastPoll > 1000) {
      if (now - this.lastPoll > 150) {
        this.lastPoll = now;
        void this.pollStatus();
      }
    }
    if (!this.done) this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  private async pollStatus(): Promise<void> {
    try {
      const s = await this.fetchStatus();
      if (this.disposed || this.done) return;
      if (s.status === 'Running' && this.startedAt === null) this.startedAt = performance.now();
      // While the board has the run, its counts are the only ones shown (every view reads them
      // per frame); the status's own counts are written only when the board has none.
      if (!this.ctx.atf.progress(this.id)) {
        if ('processedBars' in s) this.render(s.processedBars, s.totalBars, 0);
        else this.render(s.completedCombinations + s.failedCombinations, s.totalCombinations, s.failedCombinations);
      }
      if (s.status !== 'Pending' && s.status !== 'Running') void this.finish();
      else this.setStatus(s.cancelRequested ? 'Cancelling…' : s.status, s.cancelRequested ? 'Cancelling' : s.status);
    } catch (e) {
      this.outcome.replaceChildren(errorPanel('Status unavailable', errorText(e), null));
      this.done = true;
    }
  }

  private fetchStatus(): Promise<BacktestStatus | OptimizationStatus> {
    return this.kind === 'backtest' ? this.ctx.atf.getBacktestStatus(this.id) : this.ctx.atf.getOptimizationStatus(this.id);
  }

  private setStatus(text: string, cls: string): void {
    if (this.statusEl.textContent !== text) this.statusEl.textContent = text;
    this.statusEl.dataset['status'] = cls;
  }

  private render(processed: number, total: number, failed: number): void {
    const t =
      this.kind === 'backtest'
        ? `Processed ${int(processed)} / ${int(total)} bars`
        : `${int(processed)} / ${int(total)} combinations (${int(failed)} failed)`;
    if (this.text.textContent !== t) this.text.textContent = t;
    this.bar.max = Math.max(1, total);
    this.bar.value = processed;
    this.el.dataset['processed'] = String(processed);
    const now = performance.now();
    if (this.startedAt !== null) {
      const secs = (now - this.startedAt) / 1000;
      this.elapsedEl.textContent = duration(now - this.startedAt);
      const r = processed / Math.max(secs, 1e-3);
      this.rateEl.textContent = processed > 0 ? `${rate(r)} ${this.unit()}` : '—';
      this.etaEl.textContent = processed > 0 && processed < total ? duration(((total - processed) / r) * 1000) : processed >= total ? '0 s' : '—';
    }
  }

  private async cancel(): Promise<void> {
    this.cancelBtn.disabled = true;
    this.cancelBtn.textContent = 'Cancelling…';
    try {
      await (this.kind === 'backtest' ? this.ctx.atf.cancelBacktest(this.id) : this.ctx.atf.cancelOptimization(this.id));
    } catch (e) {
      // A run that completed meanwhile is a Conflict: the status shows what happened.
      if ((e as Error).name !== 'ConflictError') this.outcome.replaceChildren(errorPanel('Cancel failed', errorText(e), null));
    }
    void this.finish();
  }

  /** Terminal state: final counts from the status, then the outcome panel (and the report). */
  private async finish(): Promise<void> {
    if (this.done || this.finishing) return;
    this.finishing = true;
    let s: BacktestStatus | OptimizationStatus;
    try {
      s = await this.fetchStatus();
    } catch (e) {
      this.outcome.replaceChildren(errorPanel('Status unavailable', errorText(e), null));
      return;
    } finally {
      this.finishing = false;
    }
    if (s.status === 'Pending' || s.status === 'Running' || this.done || this.disposed) return;
    this.done = true;
    cancelAnimationFrame(this.raf);
    this.setStatus(s.status, s.status);
    if ('processedBars' in s) this.render(s.processedBars, s.totalBars, 0);
    else this.render(s.completedCombinations + s.failedCombinations, s.totalCombinations, s.failedCombinations);
    this.etaEl.textContent = '—';
    this.cancelBtn.hidden = true;
    // The run's own duration (finishedAt − startedAt, as the runs list and the report show it),
    // not the time this view watched it.
    const ran = runDuration(s);
    const elapsed = ran ?? 0;
    this.elapsedEl.textContent = duration(ran);
    if (s.status === 'Completed' && 'processedBars' in s && elapsed > 0) this.ctx.barsPerSecond = s.totalBars / (elapsed / 1000);
    const est = this.ctx.gridEstimates.get(this.id);
    // Learn from grids long enough to measure (start-up costs dominate tiny ones).
    if (s.status === 'Completed' && est && elapsed > 300) this.ctx.gridCorrection = Math.min(50, Math.max(0.02, (elapsed / est) * this.ctx.gridCorrection));
    this.ctx.gridEstimates.delete(this.id);
    const open = h('button.primary', { type: 'button', onclick: () => this.ctx.openRun(this.id, this.kind) }, 'Open report');
    if (s.status === 'Failed') {
      this.outcome.replaceChildren(errorPanel('The run failed', s.errorMessage, s.errorStackTrace), open);
    } else if (s.status === 'Cancelled') {
      const kept = 'completedCombinations' in s ? ` ${int(s.completedCombinations + s.failedCombinations)} finished trial(s) were kept.` : '';
      this.outcome.replaceChildren(h('p.notice.cancelled', null, `Cancelled.${kept}`), open);
    } else {
      this.outcome.replaceChildren(h('p.notice.ok', null, `Completed${ran !== null ? ` in ${duration(ran)}` : ''}.`), open);
    }
    this.ctx.runsChanged();
    if (s.status === 'Completed') this.ctx.openRun(this.id, this.kind);
    else this.ctx.runEnded(this.id, this.kind);
  }
}
