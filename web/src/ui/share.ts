// Share links: a run's configuration (kind + request) in the URL hash, `#/new?c=<base64url JSON>`.
// Opening such a link fills the new-run panel; nothing runs until the user submits. The decoder
// trusts nothing: it keeps only known fields of the right types (the form then checks names
// against the catalog and shows what it could not use), so a crafted link can at most pre-fill
// numbers and names, never run code or a request the user did not see.
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
  trade_from?: string;
}

/** Scripts longer than this are not put in a link (with a message saying so). */
export const MAX_LINK_SCRIPT = 5000;

/** The broker's numeric settings the panel edits (and a link may carry). */
export const NUMERIC_BROKER = ['cash', 'size', 'commission_pct', 'commission_fixed', 'commission_per_unit', 'slippage_bps', 'stop_loss_pct', 'take_profit_pct'] as const;

const PREFIX = '#/new?c=';
/** Links longer than this are refused on decode (a URL is not a data channel). */
const MAX_LINK = 8192;

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
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
    ...(typeof req.trade_from === 'string' ? { trade_from: req.trade_from } : {}),
  };
}

/** The hash part of a share link (append to the app's URL). */
export function shareHash(cfg: SharedConfig): string {
  return PREFIX + toBase64Url(JSON.stringify(cfg));
}

/** An absolute link to the app (not embedded) that opens with `cfg` in the panel. */
export function shareUrl(cfg: SharedConfig): string {
  return appUrl(shareHash(cfg));
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

export function isShareHash(hash: string): boolean {
  return hash.startsWith(PREFIX);
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

/** Decodes a share hash; throws an Error with a sentence for the user when it is not one. */
export function decodeShareHash(hash: string): SharedConfig {
  if (!isShareHash(hash)) throw new Error('not a share link');
  if (hash.length > MAX_LINK) throw new Error(`the link is too long (${hash.length} characters; at most ${MAX_LINK})`);
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(decodeURIComponent(hash.slice(PREFIX.length))));
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
  const tradeFrom = typeof r['trade_from'] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r['trade_from']) ? r['trade_from'] : undefined;
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
    ...(tradeFrom ? { trade_from: tradeFrom } : {}),
  };
}

/** Copies a share link to the clipboard and shows it in `out` (as a selectable field, which
 *  is also the way to copy it when the browser refuses the clipboard). */
export async function showShareLink(out: HTMLElement, cfg: SharedConfig): Promise<void> {
  const hash = shareHash(cfg);
  if (cfg.script !== undefined && (cfg.script.length > MAX_LINK_SCRIPT || hash.length > MAX_LINK)) {
    out.replaceChildren(
      `This script is too long for a link (${cfg.script.length} characters; a link carries up to ${MAX_LINK_SCRIPT}): download it as a .pine file and share that instead.`,
    );
    return;
  }
  const url = shareUrl(cfg);
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
