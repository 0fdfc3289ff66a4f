// The optimization heatmap: the objective over two chosen parameters, drawn on a canvas (one cell
// per pair of values; other parameters aggregated by best or mean). Cells whose combinations the
// strategy's constraint skipped are hatched in a neutral colour; cells with a trial that failed
// are crossed out in red. Hover shows the cell (and why it has no value); click (or Enter on the
// focused canvas) picks the cell's best trial, or the skipped or failed one, which says why.
import type { TrialRecord } from '../engine/types';
import { h, num } from './dom';
import { isSkipped, noResultText } from './trial-outcome';

/** The trials a heatmap reads, row by row: trial records (a finished run's few trials, the
 *  robustness views), or columns (a run's every trial as typed arrays: the live ledger, or
 *  SQLite's columns), so that a grid of a million trials is drawn without a million objects. */
export interface HeatmapRows {
  count: number;
  /** Combination index of row i. */
  index(i: number): number;
  /** TrialState of row i: 0 not reported, 1 completed, 2 failed, 3 skipped. */
  state(i: number): number;
  /** The objective's value of row i (NaN: none). */
  value(i: number): number;
  /** A parameter's value of row i. */
  param(i: number, name: string): number | undefined;
  /** The record of row i when the rows are records (else the heatmap asks `resolve`). */
  record?(i: number): TrialRecord;
}

/** Trial records as heatmap rows. */
export function recordRows(trials: TrialRecord[], objective: string): HeatmapRows {
  return {
    count: trials.length,
    index: (i) => trials[i]?.index ?? -1,
    state: (i) => {
      const t = trials[i];
      return !t ? 0 : t.status === 'completed' ? 1 : isSkipped(t) ? 3 : 2;
    },
    value: (i) => {
      const v = trials[i]?.metrics?.[objective];
      return typeof v === 'number' ? v : NaN;
    },
    param: (i, name) => (name === '__none' ? 0 : trials[i]?.params?.[name]),
    record: (i) => trials[i] as TrialRecord,
  };
}

/** Decodes a grid index into its axis values as the engine does (optimizer.cpp Grid::params_at:
 *  the last axis varies fastest), given each axis's values in the request's order. */
export function gridDecoder(axes: Array<{ name: string; values: number[] }>): (index: number, name: string) => number | undefined {
  const pos = new Map(axes.map((a, i) => [a.name, i]));
  // Stride of each axis: the product of the sizes of the axes after it.
  const stride: number[] = [];
  let s = 1;
  for (let i = axes.length - 1; i >= 0; i--) {
    stride[i] = s;
    s *= Math.max(1, axes[i]?.values.length ?? 1);
  }
  return (index, name) => {
    if (name === '__none') return 0;
    const i = pos.get(name);
    if (i === undefined) return undefined;
    const a = axes[i];
    if (!a || a.values.length === 0) return undefined;
    return a.values[Math.floor(index / (stride[i] ?? 1)) % a.values.length];
  };
}

/** Columns (index, state, objective per row) as heatmap rows, their parameters decoded from the
 *  combination index. */
export function columnRows(c: { index?: ArrayLike<number> | null; state: ArrayLike<number>; objective: ArrayLike<number>; count?: number }, decode: (index: number, name: string) => number | undefined): HeatmapRows {
  const index = c.index ? (i: number) => c.index?.[i] ?? -1 : (i: number) => i;
  return {
    count: c.count ?? c.state.length,
    index,
    state: (i) => c.state[i] ?? 0,
    value: (i) => c.objective[i] ?? NaN,
    param: (i, name) => decode(index(i), name),
  };
}

export interface HeatmapInput {
  /** Trial records, or `rows`. */
  trials?: TrialRecord[];
  rows?: HeatmapRows;
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
  /** Rows of other parameters kept (a fixed value of a third parameter); all when absent. */
  keep?: (rows: HeatmapRows, i: number) => boolean;
}

interface Cell {
  xi: number;
  yi: number;
  value: number | null;
  /** The row of the cell's best trial (-1: none). */
  best: number;
  bestValue: number;
  /** Trials that ran and failed. */
  failed: number;
  /** Trials the strategy's constraint refused (never ran). */
  skipped: number;
  /** The row of the first trial without a result (what a click on a cell without value shows). */
  noResult: number;
  noResultSkipped: boolean;
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

  private rows: HeatmapRows = recordRows([], '');
  /** Why a trial without result has none, once asked (by combination index). */
  private readonly why = new Map<number, string>();

  /** `resolve`: the record of a combination, for rows that are not records (a click opens it,
   *  a hover on a cell without value says why it has none). */
  constructor(
    private readonly onPick: (t: TrialRecord) => void,
    private readonly resolve?: (index: number) => Promise<TrialRecord | null>,
  ) {
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
      if (c) void this.pickCell(c);
    });
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.draw()).observe(this.el);
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw());
  }

  update(input: HeatmapInput): void {
    this.input = input;
    const rows = input.rows ?? recordRows(input.trials ?? [], input.objective);
    this.rows = rows;
    const index = (vals: number[]) => new Map(vals.map((v, i) => [v, i]));
    // The axes' values: those of the request, plus any a trial has that the request lacks.
    const extra = (name: string, expected: number[] = []) => {
      const set = new Set(expected);
      if (!input.rows) for (let i = 0; i < rows.count; i++) {
        const v = rows.param(i, name);
        if (typeof v === 'number') set.add(v);
      }
      return [...set].sort((a, b) => a - b);
    };
    this.xs = extra(input.x, input.xValues);
    this.ys = extra(input.y, input.yValues);
    const xi = index(this.xs);
    const yi = index(this.ys);
    const ny = Math.max(1, this.ys.length);
    const map = new Map<number, Cell & { sum: number; n: number }>();
    for (let i = 0; i < rows.count; i++) {
      const st = rows.state(i);
      if (st === 0) continue;
      if (input.keep && !input.keep(rows, i)) continue;
      const xv = rows.param(i, input.x);
      const yv = rows.param(i, input.y);
      if (xv === undefined || yv === undefined) continue;
      const cx = xi.get(xv);
      const cy = yi.get(yv);
      if (cx === undefined || cy === undefined) continue;
      const key = cx * ny + cy;
      let c = map.get(key);
      if (!c) {
        c = { xi: cx, yi: cy, value: null, best: -1, bestValue: NaN, failed: 0, skipped: 0, noResult: -1, noResultSkipped: false, count: 0, sum: 0, n: 0 };
        map.set(key, c);
      }
      c.count++;
      if (st !== 1) {
        if (st === 3) c.skipped++;
        else c.failed++;
        if (c.noResult < 0) {
          c.noResult = i;
          c.noResultSkipped = st === 3;
        }
        continue;
      }
      const v = rows.value(i);
      if (!Number.isFinite(v)) continue;
      c.sum += v;
      c.n++;
      if (c.best < 0 || (input.maximize ? v > c.bestValue : v < c.bestValue)) {
        c.best = i;
        c.bestValue = v;
      }
    }
    this.cells = [...map.values()].map((c) => ({
      ...c,
      value: c.n === 0 ? null : input.aggregate === 'mean' ? c.sum / c.n : c.bestValue,
    }));
    this.canvas.dataset['cells'] = String(this.cells.length);
    this.canvas.dataset['skippedCells'] = String(this.cells.filter((c) => c.value === null && c.skipped > 0).length);
    this.canvas.dataset['failedCells'] = String(this.cells.filter((c) => c.failed > 0).length);
    this.draw();
  }

  /** The record of row `i` (the rows' own, or asked of `resolve`). */
  private async recordOf(i: number): Promise<TrialRecord | null> {
    const rows = this.rows;
    if (rows.record) return rows.record(i);
    return (await this.resolve?.(rows.index(i))) ?? null;
  }

  /** A click or Enter on a cell: its best trial, or the one without result (which says why). */
  private async pickCell(c: Cell): Promise<void> {
    const row = c.best >= 0 ? c.best : c.noResult;
    if (row < 0) return;
    const t = await this.recordOf(row);
    if (t) this.onPick(t);
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
    const text = (why: string) => {
      if (c.value === null) return `${at}: no result, ${why || 'no trial has finished yet'}`;
      const extra = [c.skipped ? `${c.skipped} skipped` : '', c.failed ? `${c.failed} failed` : ''].filter(Boolean).join(', ');
      return `${at}: ${this.input?.objective} ${agg} ${num(c.value, 4)} over ${c.count - c.skipped - c.failed} trial(s)${extra ? `; ${extra} (${why})` : ''}`;
    };
    if (c.noResult < 0) {
      this.tip.textContent = text('');
      return;
    }
    // Why the cell's first trial without result has none: its record says (asked once).
    const index = this.rows.index(c.noResult);
    const known = this.why.get(index);
    const generic = c.noResultSkipped ? "skipped by the strategy's constraint" : 'failed';
    this.tip.textContent = text(known ?? generic);
    if (known !== undefined) return;
    const rows = this.rows;
    void this.recordOf(c.noResult).then((t) => {
      if (!t || rows !== this.rows) return;
      const why = noResultText(t);
      this.why.set(index, why);
      // Still the cell under the pointer: the tip gets the exact reason.
      if (this.tip.textContent === text(generic)) this.tip.textContent = text(why);
    });
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
      void this.pickCell(cur);
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
