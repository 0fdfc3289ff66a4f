// Share links: a run's configuration (kind + request) in the URL hash. Version 2, written now:
// `#/new?z=<base64url of the JSON deflated (CompressionStream 'deflate-raw')>`; version 1, still
// opened: `#/new?c=<base64url JSON>`. Opening such a link fills the new-run panel; nothing runs
// until the user submits. The decoder trusts nothing: it inflates at most MAX_INFLATED bytes and
// keeps only known fields of the right types (the form then checks names against the catalog and
// shows what it could not use), so a crafted link can at most pre-fill numbers and names, never
// run code or a request the user did not see.
import type { AxisSpec, BacktestRequest, BrokerSettings, OptimizationRequest, RunKind } from '../engine/types';
import { h } from './dom';

export interface SharedConfig {
  kind: RunKind;
  dataset: string;
  strategy: string;
  params: Record<string, number>;
  axes: AxisSpec[];
  objective?: string;
  direction?: 'max' | 'min';
  broker: BrokerSettings;
  /** A Pine script run: the source, the input values and "start trading at". */
  script?: string;
  inputs?: Record<string, number | boolean | string>;
  /** The date range and "start trading at" ("YYYY-MM-DD"), built-in strategies and scripts. */
  from?: string;
  to?: string;
  trade_from?: string;
}

const DATE_FIELDS = ['from', 'to', 'trade_from'] as const;

/** The date fields of a request or config that are plain dates ("YYYY-MM-DD"). */
export function datesOf(x: { from?: unknown; to?: unknown; trade_from?: unknown }): Pick<SharedConfig, 'from' | 'to' | 'trade_from'> {
  const out: Pick<SharedConfig, 'from' | 'to' | 'trade_from'> = {};
  for (const k of DATE_FIELDS) {
    const v = x[k];
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) out[k] = v;
  }
  return out;
}

/** The broker's numeric settings the panel edits (and a link may carry). */
export const NUMERIC_BROKER = ['cash', 'size', 'commission_pct', 'commission_fixed', 'commission_per_unit', 'slippage_bps', 'stop_loss_pct', 'take_profit_pct'] as const;

/** Version 1 links: plain base64url JSON. */
const PREFIX_V1 = '#/new?c=';
/** Version 2 links: base64url of the deflated JSON. */
const PREFIX = '#/new?z=';
/** Links longer than this are neither made nor opened (a URL is not a data channel); a script
 *  that does not fit is shared as a .pine file. */
export const MAX_LINK = 8192;
/** A link's configuration inflates to at most this many bytes (a small link cannot become a
 *  huge text). */
const MAX_INFLATED = 256 * 1024;

function bytesToBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const utf8 = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

/** The text deflated with the browser's CompressionStream ('deflate-raw': no header). */
async function deflate(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates deflate-raw bytes into UTF-8 text; throws once the text passes MAX_INFLATED bytes. */
async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_INFLATED) {
      await reader.cancel();
      throw new Error('the link holds too much');
    }
    parts.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return utf8(all);
}

/** The config of a request as submitted (test hooks dropped). */
export function configOf(runKind: RunKind, req: BacktestRequest | OptimizationRequest): SharedConfig {
  const o = req as OptimizationRequest;
  // A walk-forward's link carries its optimization (strategy, axes, objective); not its windows.
  const kind = runKind === 'walkforward' ? 'optimization' : runKind;
  return {
    kind,
    dataset: req.dataset,
    strategy: req.strategy ?? '',
    params: { ...(req.params ?? {}) },
    axes: kind === 'optimization' ? (o.axes ?? []).map((a) => ({ ...a })) : [],
    ...(kind === 'optimization' && o.objective ? { objective: o.objective } : {}),
    ...(kind === 'optimization' && o.direction ? { direction: o.direction } : {}),
    broker: { ...(req.broker ?? {}) },
    ...(req.script !== undefined ? { script: req.script, inputs: { ...(req.inputs ?? {}) } } : {}),
    ...datesOf(req),
  };
}

/** The hash part of a share link (append to the app's URL): version 2, the JSON deflated. */
export async function shareHash(cfg: SharedConfig): Promise<string> {
  return PREFIX + bytesToBase64Url(await deflate(JSON.stringify(cfg)));
}

/** This app's address, outside embed mode, with `hash` (other query flags are kept as written). */
export function appUrl(hash: string): string {
  const search = location.search
    .slice(1)
    .split('&')
    .filter((kv) => kv !== '' && decodeURIComponent(kv.split('=')[0] ?? '') !== 'embed')
    .join('&');
  return `${location.origin}${location.pathname}${search ? `?${search}` : ''}${hash}`;
}

/** Whether a URL hash is a share link (either version). */
export function isShareHash(hash: string): boolean {
  return hash.startsWith(PREFIX) || hash.startsWith(PREFIX_V1);
}

const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numbers(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (isName(k) && isNum(x)) out[k] = x;
  }
  return out;
}

/** Decodes a share hash (version 2, deflated, or version 1, plain); throws an Error with a
 *  sentence for the user when it is not one, is longer than MAX_LINK or cannot be read. */
export async function decodeShareHash(hash: string): Promise<SharedConfig> {
  if (!isShareHash(hash)) throw new Error('not a share link');
  if (hash.length > MAX_LINK) throw new Error(`the link is too long (${hash.length} characters; at most ${MAX_LINK})`);
  let raw: unknown;
  try {
    const v2 = hash.startsWith(PREFIX);
    const bytes = base64UrlToBytes(decodeURIComponent(hash.slice(v2 ? PREFIX.length : PREFIX_V1.length)));
    raw = JSON.parse(v2 ? await inflate(bytes) : utf8(bytes));
  } catch {
    throw new Error('the link is damaged (its configuration could not be read)');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the link holds no run configuration');
  const r = raw as Record<string, unknown>;
  const kind: RunKind = r['kind'] === 'optimization' ? 'optimization' : 'backtest';
  const axes: AxisSpec[] = [];
  if (Array.isArray(r['axes'])) {
    for (const a of r['axes'] as unknown[]) {
      if (!a || typeof a !== 'object') continue;
      const x = a as Record<string, unknown>;
      if (!isName(x['name'])) continue;
      if (Array.isArray(x['values'])) {
        const values = (x['values'] as unknown[]).filter(isNum).slice(0, 10_000);
        if (values.length) axes.push({ name: x['name'], values });
      } else if (isNum(x['min']) && isNum(x['max']) && isNum(x['step'])) {
        axes.push({ name: x['name'], min: x['min'], max: x['max'], step: x['step'] });
      }
    }
  }
  const b = (r['broker'] && typeof r['broker'] === 'object' ? r['broker'] : {}) as Record<string, unknown>;
  const broker: BrokerSettings = {};
  for (const k of NUMERIC_BROKER) {
    const v = b[k];
    if (isNum(v)) broker[k] = v;
  }
  if (b['sizing'] === 'equity' || b['sizing'] === 'units') broker.sizing = b['sizing'];
  if (b['fill'] === 'next_open' || b['fill'] === 'close') broker.fill = b['fill'];
  if (typeof b['allow_short'] === 'boolean') broker.allow_short = b['allow_short'];
  if (typeof b['fractional'] === 'boolean') broker.fractional = b['fractional'];
  if (typeof b['close_at_end'] === 'boolean') broker.close_at_end = b['close_at_end'];
  // A script is text for the editor (it runs only when the user runs it); inputs are plain values.
  const script = typeof r['script'] === 'string' && r['script'].length <= 64 * 1024 ? r['script'] : undefined;
  const inputs: Record<string, number | boolean | string> = {};
  if (script !== undefined && r['inputs'] && typeof r['inputs'] === 'object' && !Array.isArray(r['inputs'])) {
    for (const [k, x] of Object.entries(r['inputs'] as Record<string, unknown>)) {
      if (isName(k) && (isNum(x) || typeof x === 'boolean' || (typeof x === 'string' && x.length <= 256))) inputs[k] = x;
    }
  }
  return {
    kind,
    dataset: isName(r['dataset']) ? r['dataset'] : '',
    strategy: isName(r['strategy']) ? r['strategy'] : '',
    params: numbers(r['params']),
    axes,
    ...(isName(r['objective']) ? { objective: r['objective'] } : {}),
    ...(r['direction'] === 'min' || r['direction'] === 'max' ? { direction: r['direction'] } : {}),
    broker,
    ...(script !== undefined ? { script, inputs } : {}),
    ...datesOf(r),
  };
}

/** Copies a share link to the clipboard and shows it in `out` (as a selectable field, which
 *  is also the way to copy it when the browser refuses the clipboard). A configuration whose link
 *  would pass MAX_LINK characters even compressed (a long script) gets a message instead. */
export async function showShareLink(out: HTMLElement, cfg: SharedConfig): Promise<void> {
  const hash = await shareHash(cfg);
  if (hash.length > MAX_LINK) {
    const what = cfg.script !== undefined ? `This script (${cfg.script.length.toLocaleString('en-US')} characters)` : 'This configuration';
    out.replaceChildren(
      `${what} is too long for a link: compressed, the link would take ${hash.length.toLocaleString('en-US')} characters, and a link carries up to ${MAX_LINK.toLocaleString('en-US')}. ` +
        (cfg.script !== undefined ? 'Download the script as a .pine file and share that instead.' : 'Vary fewer values in one run.'),
    );
    out.dataset['tooLong'] = 'true';
    return;
  }
  delete out.dataset['tooLong'];
  const url = appUrl(hash);
  let copied = true;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    copied = false;
  }
  out.replaceChildren(
    copied ? 'Link copied. ' : 'Copy this link: ',
    h('input.share-link', { type: 'text', readonly: true, value: url, 'aria-label': 'Share link', onfocus: (e: Event) => (e.target as HTMLInputElement).select() }),
  );
}
