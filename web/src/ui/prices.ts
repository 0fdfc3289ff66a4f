// Price bars for the report's chart. The engine result carries the equity curve and the trades but
// not the bars, so the UI reads the dataset's CSV itself (the bundled sample's URL, or the text of
// a CSV the user imported in this page). This parser is for display only: the engine's importer
// has already validated the same file when the run was submitted.
import { assets } from 'virtual:atf-assets';
import { rangeIndexes, type DateRange } from '../engine/date-range';

/** Bars for display: UTC ms and prices per bar; `volume` is NaN where the file has none. */
export interface PriceBars {
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** The bars of a run's date range (all of them without one), as the engine's import keeps them. */
export function sliceBars(bars: PriceBars, range: DateRange | null): PriceBars {
  if (!range) return bars;
  const [a, b] = rangeIndexes(bars.time, range);
  return {
    time: bars.time.slice(a, b),
    open: bars.open.slice(a, b),
    high: bars.high.slice(a, b),
    low: bars.low.slice(a, b),
    close: bars.close.slice(a, b),
    volume: bars.volume.slice(a, b),
  };
}

const imported = new Map<string, string>();
const cache = new Map<string, Promise<PriceBars | null>>();

export function rememberCsv(name: string, text: string): void {
  imported.set(name, text);
  cache.delete(name);
}

export function forgetCsv(name: string): void {
  imported.delete(name);
  cache.delete(name);
}

/** Where the text of a dataset this page did not import comes from (one saved by an earlier
 *  visit: the engine's registry has it). */
let savedText: ((name: string) => Promise<string | null>) | null = null;

/** Sets the reader of saved datasets' text (atf.datasetCsv). */
export function useSavedDatasets(read: (name: string) => Promise<string | null>): void {
  savedText = read;
}

export function loadPrices(dataset: string): Promise<PriceBars | null> {
  let p = cache.get(dataset);
  if (!p) {
    p = (async () => {
      const text = imported.get(dataset) ?? (await fetchSample(dataset)) ?? (await savedText?.(dataset)) ?? null;
      return text === null ? null : parseCsv(text);
    })().catch(() => null);
    cache.set(dataset, p);
  }
  return p;
}

async function fetchSample(name: string): Promise<string | null> {
  const path = assets.samples[name];
  if (!path) return null;
  const r = await fetch(new URL(path, document.baseURI).href);
  return r.ok ? r.text() : null;
}

function parseTime(s: string): number {
  const t = s.trim().replace(/^"|"$/g, '');
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n < 1e11 ? n * 1000 : n;
  }
  let iso = t.includes('T') ? t : t.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(iso)) iso += 'Z';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  return Date.parse(iso);
}

/** First rows and detected columns, for the import preview. A role whose name is not in the
 *  header takes its usual position (time first, then open, high, low, close), as the importer
 *  does with a file without a header. */
export function previewCsv(text: string, rows = 5): { header: string[]; rows: string[][]; columns: Record<string, number> } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const split = (l: string) => l.split(/[,;\t]/).map((c) => c.trim());
  const first = split(lines[0] ?? '');
  const hasHeader = first.some((c) => /[a-z]/i.test(c) && Number.isNaN(Number(c)) && Number.isNaN(Date.parse(c)));
  const header = hasHeader ? first : first.map((_, i) => `column ${i + 1}`);
  return { header, rows: lines.slice(hasHeader ? 1 : 0, (hasHeader ? 1 : 0) + rows).map(split), columns: detect(header) };
}

function detect(header: string[]): Record<string, number> {
  const lower = header.map((x) => x.toLowerCase().replace(/[^a-z]/g, ''));
  const find = (names: string[], fallback: number) => {
    const i = lower.findIndex((x) => names.includes(x));
    return i >= 0 ? i : fallback;
  };
  return {
    time: find(['date', 'time', 'timestamp', 'datetime', 'ts'], 0),
    open: find(['open', 'o'], 1),
    high: find(['high', 'h'], 2),
    low: find(['low', 'l'], 3),
    close: find(['close', 'c'], 4),
    // No fallback position: a file without a volume column shows no volume pane.
    volume: find(['volume', 'vol', 'v'], -1),
  };
}

export function parseCsv(text: string): PriceBars | null {
  const { header, columns } = previewCsv(text, 0);
  const lines = text.split(/\r?\n/);
  const out: PriceBars = { time: [], open: [], high: [], low: [], close: [], volume: [] };
  const volumeCol = columns['volume'] ?? -1;
  const hasHeader = !header[0]?.startsWith('column ');
  let started = false;
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (!started) {
      started = true;
      if (hasHeader) continue;
    }
    const c = line.split(/[,;\t]/);
    const t = parseTime(c[columns['time'] ?? 0] ?? '');
    const o = Number(c[columns['open'] ?? 1]);
    const hi = Number(c[columns['high'] ?? 2]);
    const lo = Number(c[columns['low'] ?? 3]);
    const cl = Number(c[columns['close'] ?? 4]);
    if (![t, o, hi, lo, cl].every(Number.isFinite)) continue;
    out.time.push(t);
    out.open.push(o);
    out.high.push(hi);
    out.low.push(lo);
    out.close.push(cl);
    const v = volumeCol >= 0 ? Number(c[volumeCol]) : NaN;
    out.volume.push(Number.isFinite(v) ? v : NaN);
  }
  return out.time.length ? out : null;
}

/** The index of an "Adj Close" column (Yahoo Finance's adjusted close), or -1. */
export function adjCloseColumn(header: string[]): number {
  return header.findIndex((x) => x.toLowerCase().replace(/[^a-z]/g, '') === 'adjclose');
}

/** The file with prices adjusted for splits and dividends: each row's open, high, low and close
 *  scaled by adj close / close (close becomes adj close), the Adj Close column dropped. Rows that
 *  cannot be scaled (a missing or zero close) are kept as they are; the engine's importer then
 *  checks the result like any file. Null when the file has no Adj Close column. */
export function adjustedCsv(text: string): string | null {
  const lines = text.split(/\r?\n/);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0) return null;
  const delim = [',', ';', '\t'].find((d) => (lines[firstIndex] ?? '').includes(d)) ?? ',';
  const header = (lines[firstIndex] ?? '').split(delim).map((c) => c.trim());
  const adj = adjCloseColumn(header);
  if (adj < 0) return null;
  const cols = detect(header);
  const scaled = [cols['open'], cols['high'], cols['low'], cols['close']].filter((i): i is number => i !== undefined && i !== adj);
  const close = cols['close'] ?? -1;
  const out: string[] = [];
  lines.forEach((line, k) => {
    if (k < firstIndex || line.trim() === '') return;
    const cells = line.split(delim);
    if (k > firstIndex) {
      const c = Number(cells[close]);
      const a = Number(cells[adj]);
      if (Number.isFinite(c) && c !== 0 && Number.isFinite(a)) {
        const f = a / c;
        for (const i of scaled) {
          const v = Number(cells[i]);
          if (cells[i] !== undefined && cells[i]!.trim() !== '' && Number.isFinite(v)) cells[i] = String(Number((v * f).toPrecision(12)));
        }
      }
    }
    cells.splice(adj, 1);
    out.push(cells.join(delim));
  });
  return `${out.join('\n')}\n`;
}
