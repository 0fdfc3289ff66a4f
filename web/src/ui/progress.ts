// The progress view of one run: counts, bar, throughput, elapsed and ETA, Cancel. Counters are
// read from the progress board (atf.progress) every animation frame; when the board has no entry
// (the run left the live store) or in fallback mode, the run's status is polled as well. A
// walk-forward shows two levels: windows (the main bar) and the trials of the window running.
import type { BacktestStatus, OptimizationStatus, RunKind, WalkForwardStatus } from '../engine/types';
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
  /** Walk-forward: the trials of the window running, of `combinations` (known from the status). */
  private readonly windowBar: HTMLProgressElement;
  private readonly windowText: HTMLElement;
  private combinations = 0;
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
    this.windowText = h('p#progress-window-text.progress-text', { 'aria-live': 'off', hidden: kind !== 'walkforward' });
    this.windowBar = h('progress#progress-window-bar', { max: 1, value: 0, 'aria-label': 'Trials of the window running', hidden: kind !== 'walkforward' });
    this.el = h(
      'section#progress.progress-view',
      { 'aria-labelledby': 'progress-title', 'data-run': id },
      h(
        'div.panel-head',
        null,
        h('h2#progress-title', null, kind === 'backtest' ? 'Backtest' : kind === 'walkforward' ? 'Walk-forward' : 'Optimization', ' ', h('span.run-id', null, id.slice(0, 8))),
        this.statusEl,
      ),
      this.text,
      this.bar,
      this.windowText,
      this.windowBar,
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
    return this.kind === 'backtest' ? 'bars/s' : this.kind === 'walkforward' ? 'windows/s' : 'trials/s';
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
      if (this.kind === 'walkforward') this.renderWalk(p.processed, p.total, p.completed);
      else this.render(p.processed, p.total, p.failed);
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
      if ('totalWindows' in s) this.combinations = s.combinations;  // a window's size is not on the board
      if (!this.ctx.atf.progress(this.id)) this.renderStatus(s);
      if (s.status !== 'Pending' && s.status !== 'Running') void this.finish();
      else this.setStatus(s.cancelRequested ? 'Cancelling…' : s.status, s.cancelRequested ? 'Cancelling' : s.status);
    } catch (e) {
      this.outcome.replaceChildren(errorPanel('Status unavailable', errorText(e), null));
      this.done = true;
    }
  }

  private fetchStatus(): Promise<BacktestStatus | OptimizationStatus | WalkForwardStatus> {
    if (this.kind === 'walkforward') return this.ctx.atf.getWalkForwardStatus(this.id);
    // The trials are not what this view shows: the light status (no trial read back).
    return this.kind === 'backtest' ? this.ctx.atf.getBacktestStatus(this.id) : this.ctx.atf.getOptimizationStatus(this.id, { trials: false });
  }

  private renderStatus(s: BacktestStatus | OptimizationStatus | WalkForwardStatus): void {
    if ('processedBars' in s) this.render(s.processedBars, s.totalBars, 0);
    else if ('totalWindows' in s) {
      this.combinations = s.combinations;
      this.renderWalk(s.completedWindows, s.totalWindows, s.windowTrials);
    } else this.render(s.completedCombinations + s.failedCombinations, s.totalCombinations, s.failedCombinations);
  }

  /** Walk-forward: windows finished of the total (the main bar, advanced by the trials of the
   *  window running), and those trials of the window's combinations. */
  private renderWalk(windowsDone: number, windows: number, windowTrials: number): void {
    const c = this.combinations;
    const running = windowsDone < windows;
    const t = windows > 0 ? `Window ${int(Math.min(windowsDone + 1, windows))} of ${int(windows)}${running ? '' : ' (all done)'}` : 'Counting windows…';
    if (this.text.textContent !== t) this.text.textContent = t;
    const wt = running && c > 0 ? `${int(Math.min(windowTrials, c))} / ${int(c)} trials in this window` : running ? `${int(windowTrials)} trials in this window` : '';
    if (this.windowText.textContent !== wt) this.windowText.textContent = wt;
    this.windowBar.max = Math.max(1, c);
    this.windowBar.value = running ? Math.min(windowTrials, c) : c;
    this.el.dataset['window'] = String(windowsDone);
    this.el.dataset['windowTrials'] = String(windowTrials);
    const fraction = running && c > 0 ? Math.min(windowTrials, c) / c : 0;
    this.render(windowsDone + fraction, windows, 0, true);
  }

  private setStatus(text: string, cls: string): void {
    if (this.statusEl.textContent !== text) this.statusEl.textContent = text;
    this.statusEl.dataset['status'] = cls;
  }

  /** The main bar, rate and ETA; `keepText`: the caller wrote the text (walk-forward). */
  private render(processed: number, total: number, failed: number, keepText = false): void {
    const t =
      this.kind === 'backtest'
        ? `Processed ${int(processed)} / ${int(total)} bars`
        : `${int(processed)} / ${int(total)} combinations (${int(failed)} failed)`;
    if (!keepText && this.text.textContent !== t) this.text.textContent = t;
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
      const atf = this.ctx.atf;
      await (this.kind === 'backtest' ? atf.cancelBacktest(this.id) : this.kind === 'walkforward' ? atf.cancelWalkForward(this.id) : atf.cancelOptimization(this.id));
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
    let s: BacktestStatus | OptimizationStatus | WalkForwardStatus;
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
    this.renderStatus(s);
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
