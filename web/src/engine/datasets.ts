// Datasets the client knows by name: the bundled samples (fetched on first use) and datasets
// added at run time (CSV text or columns). Each worker imports a dataset once and keeps it.
import { ValidationError } from './errors';
import type { DatasetSource } from './protocol';
import type { Columns, DatasetInfo } from './types';

interface Entry {
  info: DatasetInfo;
  url?: string;
  source?: DatasetSource;
  loading?: Promise<DatasetSource>;
}

export class DatasetRegistry {
  private readonly entries = new Map<string, Entry>();

  /** Registers the bundled samples: name -> URL of the CSV. */
  addSamples(samples: Record<string, string>): void {
    for (const [name, url] of Object.entries(samples)) {
      this.entries.set(name, { info: { name, bars: null, source: 'sample' }, url });
    }
  }

  addCsv(name: string, text: string): void {
    const blob = new Blob([text], { type: 'text/csv' });
    this.entries.set(name, { info: { name, bars: null, source: 'csv' }, source: { kind: 'csv', blob, symbol: name } });
  }

  /** Copies the columns once into a Blob (workers read it; the caller keeps its arrays). */
  addColumns(name: string, columns: Columns): void {
    const bars = columns.time.length;
    const cols = [columns.time, columns.open, columns.high, columns.low, columns.close, columns.volume];
    if (cols.some((c) => c.length !== bars)) throw new ValidationError('dataset', `dataset "${name}": columns differ in length`);
    // Blob parts must be plain ArrayBuffer views (not SharedArrayBuffer ones): copy those.
    const parts = cols.map((c): Float64Array<ArrayBuffer> =>
      c.buffer instanceof ArrayBuffer ? new Float64Array(c.buffer, c.byteOffset, c.length) : new Float64Array(c),
    );
    const blob = new Blob(parts, { type: 'application/octet-stream' });
    this.entries.set(name, { info: { name, bars, source: 'columns' }, source: { kind: 'columns', blob, bars } });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  list(): DatasetInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info }));
  }

  setBars(name: string, bars: number): void {
    const e = this.entries.get(name);
    if (e) e.info.bars = bars;
  }

  /** Resolves the dataset's source, fetching a sample the first time. */
  async load(name: string): Promise<DatasetSource> {
    const e = this.entries.get(name);
    if (!e) throw new ValidationError('dataset', `unknown dataset "${name}"`);
    if (e.source) return e.source;
    if (!e.loading) {
      const url = e.url ?? '';
      e.loading = fetch(url).then(async (r) => {
        if (!r.ok) throw new ValidationError('dataset', `dataset "${name}" could not be read (HTTP ${r.status})`);
        const source: DatasetSource = { kind: 'csv', blob: await r.blob(), symbol: name };
        e.source = source;
        return source;
      });
      e.loading.catch(() => {
        e.loading = undefined;
      });
    }
    return e.loading;
  }

  /** The source of a dataset already loaded (after load() resolved). */
  loaded(name: string): DatasetSource {
    const s = this.entries.get(name)?.source;
    if (!s) throw new ValidationError('dataset', `dataset "${name}" is not loaded`);
    return s;
  }
}

/** A deterministic random-walk OHLCV series (prices on a 0.01 grid, one bar a minute). */
export function syntheticColumns(bars: number, seed = 42): Columns {
  const c: Columns = {
    time: new Float64Array(bars),
    open: new Float64Array(bars),
    high: new Float64Array(bars),
    low: new Float64Array(bars),
    close: new Float64Array(bars),
    volume: new Float64Array(bars),
  };
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  let cents = 10000;
  const t0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < bars; i++) {
    const open = cents;
    const step = Math.round((rnd() - 0.5) * 60);
    cents = Math.max(100, cents + step);
    const close = cents;
    const high = Math.max(open, close) + Math.floor(rnd() * 20);
    const low = Math.max(1, Math.min(open, close) - Math.floor(rnd() * 20));
    c.time[i] = t0 + i * 60000;
    c.open[i] = open / 100;
    c.high[i] = high / 100;
    c.low[i] = low / 100;
    c.close[i] = close / 100;
    c.volume[i] = 1000 + Math.floor(rnd() * 1000);
  }
  return c;
}
