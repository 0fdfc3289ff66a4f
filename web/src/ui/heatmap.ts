// The optimization heatmap: the objective over two chosen parameters, drawn on a canvas (one cell
// per pair of values; other parameters aggregated by best or mean). Cells whose combinations the
// strategy's constraint skipped are hatched in a neutral colour; cells with a trial that failed
// are crossed out in red. Hover shows the cell (and why it has no value); click (or Enter on the
// focused canvas) picks the cell's best trial, or the skipped or failed one, which says why.
import type { TrialRecord } from '../engine/types';
import { h, num } from './dom';
import { isSkipped, noResultText } from './trial-outcome';

export interface HeatmapInput {
  trials: TrialRecord[];
  x: string;
  y: string;
  objective: string;
  maximize: boolean;
  aggregate: 'best' | 'mean';
  /** Every value of each axis (from the request): the grid keeps its shape while it fills in. */
  xValues?: number[];
  yValues?: number[];
  /** A cell to outline (e.g. the best parameters), by its X and Y values. */
  mark?: { x: number; y: number };
}

interface Cell {
  xi: number;
  yi: number;
  value: number | null;
  best: TrialRecord | null;
  /** Trials that ran and failed. */
  failed: number;
  /** Trials the strategy's constraint refused (never ran). */
  skipped: number;
  /** The first trial without a result (what a click on a cell without value shows). */
  noResult: TrialRecord | null;
  count: number;
}

/** Viridis-like ramp (5 stops), t in [0, 1]. */
function ramp(t: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? [0, 0, 0];
  const c = a.map((v, k) => Math.round(v + ((b[k] ?? 0) - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export class Heatmap {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tip: HTMLElement;
  private readonly legend: HTMLElement;
  private cells: Cell[] = [];
  private xs: number[] = [];
  private ys: number[] = [];
  private geom = { left: 56, top: 8, cw: 0, ch: 0 };
  private input: HeatmapInput | null = null;
  private focus = 0;

  constructor(private readonly onPick: (t: TrialRecord) => void) {
    this.canvas = h('canvas.heatmap-canvas', { tabindex: 0, 'data-testid': 'heatmap', 'aria-label': 'Objective heatmap; arrow keys move, Enter opens the trial' });
    this.tip = h('div.heatmap-tip', { 'aria-live': 'polite' });
    this.legend = h('div.heatmap-legend');
    this.el = h('div.heatmap', null, this.canvas, this.legend, this.tip);
    this.canvas.addEventListener('mousemove', (e) => this.hover(this.cellAt(e.offsetX, e.offsetY)));
    this.canvas.addEventListener('mouseleave', () => this.hover(null));
    this.canvas.addEventListener('click', (e) => {
      const c = this.cellAt(e.offsetX, e.offsetY);
      // A touch has no hover: the tip says what the tapped cell is.
      this.hover(c);
      const t = c?.best ?? c?.noResult;
      if (t) this.onPick(t);
    });
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.draw()).observe(this.el);
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw());
  }

  update(input: HeatmapInput): void {
    this.input = input;
    const vals = (name: string, expected: number[] = []) =>
      [...new Set([...expected, ...input.trials.map((t) => t.params?.[name]).filter((v): v is number => typeof v === 'number')])].sort((a, b) => a - b);
    this.xs = vals(input.x, input.xValues);
    this.ys = vals(input.y, input.yValues);
    const map = new Map<string, Cell & { sum: number; n: number }>();
    for (const t of input.trials) {
      const xv = t.params?.[input.x];
      const yv = t.params?.[input.y];
      if (xv === undefined || yv === undefined) continue;
      const key = `${xv}|${yv}`;
      let c = map.get(key);
      if (!c) {
        c = { xi: this.xs.indexOf(xv), yi: this.ys.indexOf(yv), value: null, best: null, failed: 0, skipped: 0, noResult: null, count: 0, sum: 0, n: 0 };
        map.set(key, c);
      }
      c.count++;
      if (t.status !== 'completed') {
        if (isSkipped(t)) c.skipped++;
        else c.failed++;
        c.noResult ??= t;
        continue;
      }
      const v = t.metrics?.[input.objective];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      c.sum += v;
      c.n++;
      const bv = c.best?.metrics?.[input.objective];
      if (c.best === null || bv === null || bv === undefined || (input.maximize ? v > bv : v < bv)) c.best = t;
    }
    this.cells = [...map.values()].map((c) => ({
      ...c,
      value: c.n === 0 ? null : input.aggregate === 'mean' ? c.sum / c.n : (c.best?.metrics?.[input.objective] ?? null),
    }));
    this.canvas.dataset['cells'] = String(this.cells.length);
    this.canvas.dataset['skippedCells'] = String(this.cells.filter((c) => c.value === null && c.skipped > 0).length);
    this.canvas.dataset['failedCells'] = String(this.cells.filter((c) => c.failed > 0).length);
    this.draw();
  }

  private range(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of this.cells) {
      if (c.value === null) continue;
      lo = Math.min(lo, c.value);
      hi = Math.max(hi, c.value);
    }
    return lo <= hi ? [lo, hi] : [0, 1];
  }

  private draw(): void {
    const w = Math.max(200, this.el.clientWidth);
    const rowsWanted = Math.max(1, this.ys.length) * 26 + 42;
    const hgt = Math.min(420, Math.max(90, Math.min(rowsWanted, Math.round(w * 0.45))));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(hgt * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${hgt}px`;
    const g = this.canvas.getContext('2d');
    if (!g || !this.input) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const cs = getComputedStyle(document.documentElement);
    const text = cs.getPropertyValue('--muted').trim() || '#666';
    const fail = cs.getPropertyValue('--down').trim() || '#c33';
    const empty = cs.getPropertyValue('--grid').trim() || '#eee';
    g.clearRect(0, 0, w, hgt);
    const left = 56;
    const top = 8;
    const bottom = 34;
    const nx = Math.max(1, this.xs.length);
    const ny = Math.max(1, this.ys.length);
    const cw = (w - left - 8) / nx;
    const ch = (hgt - top - bottom) / ny;
    this.geom = { left, top, cw, ch };
    const [lo, hi] = this.range();
    const gap = cw > 6 && ch > 6 ? 1 : 0;
    g.fillStyle = empty;
    g.fillRect(left, top, cw * nx, ch * ny);
    for (const c of this.cells) {
      const x = left + c.xi * cw;
      const y = top + (ny - 1 - c.yi) * ch;
      if (c.value !== null) {
        let t = hi > lo ? (c.value - lo) / (hi - lo) : 0.5;
        if (!this.input.maximize) t = 1 - t;
        g.fillStyle = ramp(t);
        g.fillRect(x, y, cw - gap, ch - gap);
      }
      if (c.value === null && c.skipped > 0) {
        // Skipped by the constraint: a neutral hatch (not an error of the run).
        g.save();
        g.beginPath();
        g.rect(x, y, cw - gap, ch - gap);
        g.clip();
        g.strokeStyle = text;
        g.globalAlpha = 0.35;
        g.lineWidth = 1;
        g.beginPath();
        for (let d = -ch; d < cw; d += 6) {
          g.moveTo(x + d, y + ch);
          g.lineTo(x + d + ch, y);
        }
        g.stroke();
        g.restore();
      }
      if (c.failed > 0) {
        g.strokeStyle = fail;
        g.lineWidth = 1.5;
        g.beginPath();
        g.moveTo(x + 2, y + 2);
        g.lineTo(x + cw - 3, y + ch - 3);
        g.moveTo(x + cw - 3, y + 2);
        g.lineTo(x + 2, y + ch - 3);
        g.stroke();
      }
    }
    const mark = this.input.mark;
    const mx = mark ? this.xs.indexOf(mark.x) : -1;
    const my = mark ? this.ys.indexOf(mark.y) : -1;
    if (mx >= 0 && my >= 0) {
      g.strokeStyle = cs.getPropertyValue('--text').trim() || '#111';
      g.lineWidth = 2.5;
      g.strokeRect(left + mx * cw + 1.5, top + (ny - 1 - my) * ch + 1.5, cw - gap - 3, ch - gap - 3);
    }
    const f = this.cells[this.focus];
    if (f && document.activeElement === this.canvas) {
      g.strokeStyle = text;
      g.lineWidth = 2;
      g.strokeRect(left + f.xi * cw + 1, top + (ny - 1 - f.yi) * ch + 1, cw - 2, ch - 2);
    }
    // Axis labels: a few ticks each.
    g.fillStyle = text;
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const xt = Math.max(1, Math.ceil(nx / Math.floor((w - left) / 48)));
    this.xs.forEach((v, i) => {
      if (i % xt === 0) g.fillText(String(v), left + (i + 0.5) * cw, top + ny * ch + 3);
    });
    g.fillText(this.input.x, left + (nx * cw) / 2, top + ny * ch + 18);
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const yt = Math.max(1, Math.ceil(ny / Math.floor((hgt - top - bottom) / 16)));
    this.ys.forEach((v, i) => {
      if (i % yt === 0 && this.input?.y !== '__none') g.fillText(String(v), left - 6, top + (ny - 1 - i + 0.5) * ch);
    });
    if (this.input.y === '__none') return this.drawLegend(lo, hi);
    g.save();
    g.translate(12, top + (ny * ch) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'center';
    g.fillText(this.input.y, 0, 0);
    g.restore();
    this.drawLegend(lo, hi);
  }

  /** Legend: worst .. best. */
  private drawLegend(lo: number, hi: number): void {
    if (!this.input) return;
    this.legend.replaceChildren(
      ...[
      h('span', null, num(this.input.maximize ? lo : hi, 3)),
      h('span.heatmap-ramp', { 'aria-hidden': 'true' }),
      h('span', null, `${num(this.input.maximize ? hi : lo, 3)} (${this.input.objective}, ${this.input.maximize ? 'higher' : 'lower'} is better)`),
      this.cells.some((c) => c.value === null && c.skipped > 0) ? h('span.heatmap-skip', { title: "The strategy refuses these combinations (e.g. fast must be less than slow): they are not run" }, "▨ skipped by the strategy's constraint") : null,
      this.cells.some((c) => c.failed > 0) ? h('span.heatmap-fail', null, '✕ failed trial') : null,
      this.input.mark ? h('span.heatmap-mark', null, '▢ best parameters') : null,
    ].filter((x): x is HTMLSpanElement => x !== null));
  }

  private cellAt(px: number, py: number): Cell | null {
    const { left, top, cw, ch } = this.geom;
    const xi = Math.floor((px - left) / cw);
    const yi = this.ys.length - 1 - Math.floor((py - top) / ch);
    return this.cells.find((c) => c.xi === xi && c.yi === yi) ?? null;
  }

  private hover(c: Cell | null): void {
    if (!c || !this.input) {
      this.tip.textContent = 'Hover a cell to see its value; click it to open its best trial.';
      return;
    }
    const x = this.xs[c.xi];
    const y = this.ys[c.yi];
    const agg = this.input.aggregate === 'mean' ? 'mean' : 'best';
    const at = this.input.y === '__none' ? `${this.input.x}=${x}` : `${this.input.x}=${x}, ${this.input.y}=${y}`;
    const why = c.noResult ? noResultText(c.noResult) : '';
    if (c.value === null) {
      // No value: say why (every trial of the cell was skipped or failed, or none has finished).
      this.tip.textContent = `${at}: no result, ${why || 'no trial has finished yet'}`;
      return;
    }
    const extra = [c.skipped ? `${c.skipped} skipped` : '', c.failed ? `${c.failed} failed` : ''].filter(Boolean).join(', ');
    this.tip.textContent = `${at}: ${this.input.objective} ${agg} ${num(c.value, 4)} over ${c.count - c.skipped - c.failed} trial(s)${extra ? `; ${extra} (${why})` : ''}`;
  }

  private key(e: KeyboardEvent): void {
    if (this.cells.length === 0) return;
    const cur = this.cells[this.focus] ?? this.cells[0];
    if (!cur) return;
    let { xi, yi } = cur;
    if (e.key === 'ArrowLeft') xi--;
    else if (e.key === 'ArrowRight') xi++;
    else if (e.key === 'ArrowUp') yi++;
    else if (e.key === 'ArrowDown') yi--;
    else if (e.key === 'Enter') {
      const t = cur.best ?? cur.noResult;
      if (t) this.onPick(t);
      return;
    } else return;
    e.preventDefault();
    const i = this.cells.findIndex((c) => c.xi === xi && c.yi === yi);
    if (i >= 0) this.focus = i;
    this.hover(this.cells[this.focus] ?? null);
    this.draw();
  }
}

/** An axis's values as the engine makes them (optimizer.cpp make_range_axis: min + i·step,
 *  rounded to 1e-9, rounding halves away from zero like std::round), or its list. */
export function axisValues(a: { values: number[] } | { min: number; max: number; step: number }): number[] {
  if ('values' in a) return [...a.values];
  const { min, max, step } = a;
  if (![min, max, step].every(Number.isFinite) || !(step > 0) || max < min) return [];
  const n = Math.floor((max - min) / step + 1e-9) + 1;
  if (n > 100_000) return [];
  const round9 = (v: number) => {
    const x = v * 1e9;
    return (x < 0 ? -Math.round(-x) : Math.round(x)) / 1e9;
  };
  return Array.from({ length: n }, (_, i) => round9(min + i * step));
}
