// What the control worker checks before anything runs: a request against the engine (its dataset
// imported, strategy and parameters, combinations counted), a Pine script's compile, a dataset's
// import. Refusals become the typed ValidationError naming the field (the spec's 400).
import type { DatasetRegistry } from './datasets';
import { RECYCLE_HEAP_BYTES, type EnginePool } from './engine-pool';
import { ValidationError } from './errors';
import { scriptErrorText } from './run-request';
import type { ValidateReply } from './protocol';
import { fieldOf } from './run-utils';
import type { RunKind, ScriptCheck } from './types';

/** An accepted request: its total (bars or combinations) and its dataset's bar count. */
export type Validation = Extract<ValidateReply, { ok: true }>;

export class Validator {
  constructor(
    private readonly pool: EnginePool,
    private readonly datasets: DatasetRegistry,
  ) {}

  /** Compiles a Pine Script in the control worker (never on the page's thread): resolves
   *  {ok, diagnostics, hash, inputs, settings}; a script that does not compile is ok: false with
   *  a diagnostic at its line:column (not an exception). */
  async compileScript(source: string): Promise<ScriptCheck> {
    if (typeof source !== 'string') throw new ValidationError('script', 'script must be the Pine Script source text (a string)');
    const control = await this.pool.controlWorker();
    return control.compileScript(source);
  }

  /** Checks a request's script: its hash and label, or the ValidationError (field "script", with
   *  line and column) of a script that does not compile. */
  async checkScript(source: unknown, label: unknown): Promise<{ hash: string; label: string }> {
    if (typeof source !== 'string' || source.trim() === '') {
      throw new ValidationError('script', 'script must be the Pine Script source text (a non-empty string)');
    }
    if (label !== undefined && typeof label !== 'string') {
      throw new ValidationError('strategy', "strategy must be a string (with a script it only labels the run)");
    }
    const check = await this.compileScript(source);
    if (!check.ok || !check.hash) {
      const d = check.diagnostics.find((x) => x.severity === 'error') ?? check.diagnostics[0];
      throw new ValidationError('script', scriptErrorText(d), { line: d?.line, column: d?.column });
    }
    return { hash: check.hash, label: label ?? (check.settings?.title || 'script') };
  }

  /** Validates a request (importing its dataset) in the control worker; throws the
   *  ValidationError of a refusal. */
  async validate(kind: RunKind, dataset: string, requestJson: string): Promise<Validation> {
    await this.datasets.load(dataset);
    const control = await this.pool.controlWorker();
    let v: ValidateReply;
    try {
      v = await control.validate(kind, dataset, () => this.datasets.loaded(dataset), requestJson);
    } finally {
      // A huge dataset (or one that did not fit) leaves the control worker's heap large: replace
      // it once no other validation is in flight (it never shrinks otherwise).
      if (this.pool.isControl(control) && control.heapBytes >= RECYCLE_HEAP_BYTES) this.pool.recycleIfLarge(control, control.runId);
    }
    if (!v.ok) {
      const e = v.error;
      const message = e.field === 'script' && e.line ? scriptErrorText({ message: e.message, line: e.line, column: e.column ?? 0 }) : e.message;
      throw new ValidationError(fieldOf(e), message, { line: e.line, column: e.column });
    }
    return v;
  }

  /** Checks a dataset with the engine's importer now (every line), without running anything:
   *  resolves its bar count and what the import noticed (rows without prices skipped, a
   *  newest-first file reversed), or throws the ValidationError a run on it would get (listing
   *  up to 20 bad lines and their count). */
  async checkDataset(name: string): Promise<{ bars: number; notices: string[] }> {
    if (!this.datasets.has(name)) throw new ValidationError('dataset', `unknown dataset "${name}"`);
    // Any strategy with its defaults: the importer runs before the request is looked at.
    const requestJson = JSON.stringify({ schema: 'atf/v1', strategy: 'sma_cross', params: {} });
    const v = await this.validate('backtest', name, requestJson);
    this.datasets.setBars(name, v.bars);
    return { bars: v.bars, notices: v.notices ?? [] };
  }
}
