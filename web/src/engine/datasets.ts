// Datasets the client knows by name: the bundled samples (fetched on first use) and datasets
// added at run time (CSV text or columns). Each worker imports a dataset once and keeps it.
import { ValidationError } from './errors';
import type { DatasetSource, DateOrder } from './protocol';
import type { Columns, DatasetInfo } from './types';

/** The largest CSV file a page imports, in bytes (UTF-8). An imported CSV is parsed by every
 *  engine worker that uses it (text plus columns: about twice its size in each worker's memory)
 *  and its text is kept in the results database (SQLite in memory, IndexedDB on disk) and read
 *  back on every start, so it must stay a small part of what a browser tab can hold. 64 MB is
 *  about 1.3 million rows of one-minute bars (ten years of a stock's trading hours); a larger
 *  file is refused before anything is parsed or saved. */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** UTF-8 length of a string (what the file would take), without encoding it. */
function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;  // a surrogate pair: one 4-byte character
      i++;
    } else n += 3;  // lone surrogates are written as U+FFFD, also 3 bytes
  }
  return n;
}

/** The refusal of a CSV file of `bytes` bytes, or null when it is small enough. The page checks
 *  a chosen file's size with it before reading the file. */
export function csvSizeError(name: string, bytes: number): ValidationError | null {
  if (bytes <= MAX_CSV_BYTES) return null;
  return new ValidationError(
    'dataset',
    `dataset "${name}" is ${megabytes(bytes)}; an imported CSV file can be at most ${megabytes(MAX_CSV_BYTES)}: ` +
      'split it into shorter periods',
  );
}

/** The date order a dataset's name states: "prices.csv [dmy]" -> "dmy". */
export function dateOrderOfName(name: string): DateOrder | undefined {
  const m = /\s\[(dmy|mdy|ymd)\]$/.exec(name);
  return m ? (m[1] as DateOrder) : undefined;
}

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

  /** Registers CSV text; a file over MAX_CSV_BYTES is refused (ValidationError on `dataset`) and
   *  nothing is registered. `dateOrder` states how the file writes dates whose year comes last;
   *  without it, a name ending in " [dmy]", " [mdy]" or " [ymd]" states it (so a saved dataset
   *  keeps its order across reloads). */
  addCsv(name: string, text: string, dateOrder?: DateOrder): void {
    const order = dateOrder ?? dateOrderOfName(name);
    // A string's length never exceeds its UTF-8 size, so only long strings need counting.
    const tooLarge = text.length > MAX_CSV_BYTES / 3 ? csvSizeError(name, utf8Bytes(text)) : null;
    if (tooLarge) throw tooLarge;
    const blob = new Blob([text], { type: 'text/csv' });
    this.entries.set(name, {
      info: { name, bars: null, source: 'csv' },
      source: { kind: 'csv', blob, symbol: name, ...(order ? { dateOrder: order } : {}) },
    });
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

  /** Forgets a dataset added in this page (a sample stays). */
  remove(name: string): void {
    if (this.entries.get(name)?.info.source !== 'sample') this.entries.delete(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** A dataset's CSV text (an imported file's, or a bundled sample's, fetched); null for
   *  generated columns or an unknown name. */
  async csvText(name: string): Promise<string | null> {
    const e = this.entries.get(name);
    if (!e) return null;
    if (e.source?.kind === 'csv') return e.source.blob.text();
    if (e.url) {
      const r = await fetch(e.url);
      return r.ok ? r.text() : null;
    }
    return null;
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
