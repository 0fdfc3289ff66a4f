// What a submitted request is before anything runs: its shape checked, the fields the engine
// reads picked out, its test hooks, and its dedup key (DESIGN.md: the spec's RunKey).
import { rangeOf } from './date-range';
import { ValidationError } from './errors';
import { isObject } from './run-utils';
import type { DebugHooks, RunKind, RunOrigin, RunStatus } from './types';

/** What submit answers besides the totals (DESIGN.md: `{ id, total…, status, isDedup }`). */
export interface SubmitAnswer {
  id: string;
  status: RunStatus;
  isDedup: boolean;
}

/** A request whose shape passed the synchronous checks (the engine validates the rest). */
export interface NormalizedRequest {
  kind: RunKind;
  dataset: string;
  /** The fields the engine reads, with `schema`; a script's source is still in `script`. */
  engineRequest: Record<string, unknown>;
  isScript: boolean;
  /** FNV-1a 64 of a script's source (scriptHashOf); undefined for a built-in strategy. */
  scriptHash: string | undefined;
  debug: DebugHooks | null;
  /** The optimization trial a backtest re-runs (saved with the run, not sent to the engine). */
  origin: RunOrigin | null;
}

/** Request fields the engine reads, by kind (anything else, `_debug` included, stays out). */
function engineKeys(kind: RunKind, isScript: boolean): string[] {
  return [
    ...(isScript ? ['script', 'inputs'] : []),
    'strategy', 'params', 'broker', 'trade_from',
    // The bars a run sees: the worker imports the dataset with this range (date-range.ts).
    'from', 'to',
    // A built-in strategy's indicators as plots (per bar; a backtest's report draws them).
    ...(kind === 'backtest' && !isScript ? ['indicator_plots'] : []),
    ...(kind === 'optimization' ? ['axes', 'objective', 'direction', 'max_combinations', 'statistics_blocks', 'search', 'seed'] : []),
    ...(kind === 'walkforward' ? ['axes', 'objective', 'direction', 'max_combinations', 'search', 'seed', 'walk_forward'] : []),
  ];
}

/** Checks a raw request's shape (dataset named and known, a strategy or a script) and picks out
 *  the engine's fields; throws the ValidationError naming the field. */
export function normalizeRequest(kind: RunKind, raw: unknown, datasetKnown: (name: string) => boolean): NormalizedRequest {
  if (!isObject(raw)) throw new ValidationError('request', 'request must be an object');
  const dataset = raw['dataset'];
  if (typeof dataset !== 'string' || dataset === '') throw new ValidationError('dataset', 'dataset is required (a dataset name)');
  if (!datasetKnown(dataset)) throw new ValidationError('dataset', `unknown dataset "${dataset}"`);
  // A built-in strategy with params, or a Pine script (source text) with inputs.
  const isScript = raw['script'] !== undefined && raw['script'] !== null;
  let scriptHash: string | undefined;
  if (isScript) {
    const source = raw['script'];
    if (typeof source !== 'string' || source.trim() === '') {
      throw new ValidationError('script', 'script must be the Pine Script source text (a non-empty string)');
    }
    if (raw['strategy'] !== undefined && typeof raw['strategy'] !== 'string') {
      throw new ValidationError('strategy', 'strategy must be a string (with a script it only labels the run)');
    }
    scriptHash = scriptHashOf(source);
  } else if (typeof raw['strategy'] !== 'string') {
    throw new ValidationError('strategy', 'strategy is required (a strategy name, or a Pine script)');
  }
  rangeOf(raw);  // refuses a from/to that is not a date (ValidationError naming the field)
  const engineRequest: Record<string, unknown> = { schema: 'atf/v1' };
  for (const k of engineKeys(kind, isScript)) if (raw[k] !== undefined) engineRequest[k] = raw[k];
  return { kind, dataset, engineRequest, isScript, scriptHash, debug: debugHooksOf(raw['_debug']), origin: kind === 'backtest' ? originOf(raw['origin']) : null };
}

/** A request's `origin` ({optimization: id, trial: index}); anything else is left out. */
function originOf(x: unknown): RunOrigin | null {
  if (!isObject(x)) return null;
  const { optimization, trial } = x;
  return typeof optimization === 'string' && /^[\w-]{1,64}$/.test(optimization) && Number.isInteger(trial) && (trial as number) >= 0
    ? { optimization, trial: trial as number }
    : null;
}

/** The test-only `_debug` field (README: trapAtBar, trapAtTrial, delayMsPerProgress). */
function debugHooksOf(x: unknown): DebugHooks | null {
  if (!isObject(x)) return null;
  const num = (k: string) => (typeof x[k] === 'number' ? (x[k] as number) : undefined);
  return { trapAtBar: num('trapAtBar'), trapAtTrial: num('trapAtTrial'), delayMsPerProgress: num('delayMsPerProgress') };
}

/** JSON with object keys sorted (so that key order never makes two requests differ). */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObject(x)) {
    return `{${Object.keys(x).sort().filter((k) => x[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  }
  return JSON.stringify(x) ?? 'null';
}

/** The dedup key of a request: kind, dataset, strategy or script hash, parameters/inputs and
 *  settings (the script text itself is represented by its hash). */
export function runKey(r: NormalizedRequest): string {
  const { schema: _schema, threads: _threads, script: _script, ...rest } = r.engineRequest;
  return canonical({ kind: r.kind, dataset: r.dataset, ...rest, ...(r.scriptHash ? { script_hash: r.scriptHash } : {}) });
}

/** A script's hash as the engine computes it (engine/src/pine/script.cpp): FNV-1a 64 over the
 *  UTF-8 bytes of the source, 16 lowercase hex digits. */
export function scriptHashOf(source: string): string {
  const bytes = new TextEncoder().encode(source);
  // 64-bit arithmetic in four 16-bit limbs (no BigInt in the hot loop): h = (h ^ b) * 0x100000001b3.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i] ?? 0;
    // prime = 2^40 + 0x1b3: h * 0x1b3 + (h << 40); h << 40 adds limb 0 << 8 to limb 2 and
    // limb 1 << 8 to limb 3 (the rest overflows 64 bits).
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (x: number) => x.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

/** A script's compile error as one line: "line L, column C: message". */
export function scriptErrorText(d: { message: string; line: number; column: number } | undefined): string {
  if (!d) return 'script does not compile';
  if (!d.line || /^line \d+/.test(d.message)) return d.message;
  return `line ${d.line}${d.column ? `, column ${d.column}` : ''}: ${d.message}`;
}
