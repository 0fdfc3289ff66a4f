// The new-run form: dataset (bundled sample or an imported CSV with a preview), strategy with a
// parameter form generated from its declared parameters, backtest / optimization tabs (an axis
// editor per parameter with the live combination count; walk-forward adds the in-sample and
// out-of-sample lengths, step and anchoring), broker settings. Validation errors from
// the API appear next to the field they name. Script mode: a Pine editor (its own chunk, loaded
// when the mode opens) whose compile answers generate the inputs form and the axes.
import type { DateOrder } from '../engine/protocol';
import type {
  AxisSpec,
  BacktestRequest,
  BrokerSettings,
  DebugHooks,
  OptimizationRequest,
  RunKind,
  ScriptCheck,
  ScriptInput,
  WalkForwardRequest,
  WalkForwardSettings,
} from '../engine/types';
import type { PineEditor } from './pine/editor';

declare global {
  interface Window {
    /** Test-only: hooks added to every request the form submits (e.g. a slow run to cancel). */
    atfUiDebug?: DebugHooks;
  }
}
import { estimateGridMs, type Ctx, type ParamInfo, type StrategyInfo } from './context';
import { duration, errorText, h, int, metricLabel } from './dom';
import { csvSizeError } from '../engine/datasets';
import { adjCloseColumn, adjustedCsv, forgetCsv, previewCsv, rememberCsv } from './prices';
import { ScriptLibrary } from './script-library';
import { configOf, datesOf, NUMERIC_BROKER, showShareLink, type SharedConfig } from './share';

interface ParamRow {
  p: ParamInfo;
  value: HTMLInputElement;
  on: HTMLInputElement;
  min: HTMLInputElement;
  max: HTMLInputElement;
  step: HTMLInputElement;
  count: HTMLElement;
  bt: HTMLElement;
  opt: HTMLElement;
}

/** Number of values of an axis min..max by step (the engine's count, with a float tolerance). */
export function axisCount(min: number, max: number, step: number): number {
  if (![min, max, step].every(Number.isFinite) || step <= 0 || max < min) return 0;
  return Math.floor((max - min) / step + 1e-9) + 1;
}

function defaultAxis(p: ParamInfo): { min: number; max: number; step: number } {
  const lo = Math.max(p.min, p.type === 'int' ? Math.round(p.default / 2) : p.default / 2);
  const hi = Math.min(p.max, p.default * 2);
  const raw = (hi - lo) / 10;
  const step = Math.max(p.step, Math.round(raw / p.step) * p.step);
  const clean = (v: number) => Number(v.toFixed(6));
  return { min: clean(lo), max: clean(hi), step: clean(step) };
}

/** The default axes of the parameters varied by default (the first two): each spans half to
 *  twice its default, except that two axes of the same type whose defaults are ordered (fast 10
 *  < slow 30) are cut apart at the midpoint of their defaults, so that no default combination has
 *  them equal or crossed. Strategies that pair parameters (fast < slow, lower < upper) refuse such
 *  combinations, and a default grid should have no skipped cell. */
export function defaultAxes(params: ParamInfo[]): Array<{ min: number; max: number; step: number }> {
  const axes = params.map(defaultAxis);
  const [p, q] = params;
  const [a, b] = axes;
  if (!p || !q || !a || !b || p.type !== q.type || p.default === q.default) return axes;
  const [loP, hiP, loA, hiA] = p.default < q.default ? [p, q, a, b] : [q, p, b, a];
  if (loA.max < hiA.min) return axes;
  const mid = (loP.default + hiP.default) / 2;
  const clean = (v: number) => Number(v.toFixed(6));
  // The lower axis ends below the midpoint (on its own step), the upper one starts at or above it.
  const lowMax = loA.min + Math.floor((mid - loA.min) / loA.step - 1e-9) * loA.step;
  const highMin = Math.max(hiP.min, loP.type === 'int' ? Math.ceil(mid) : mid);
  if (lowMax < loA.min || highMin > hiA.max) return axes;
  loA.max = clean(Math.max(loA.min, lowMax >= mid ? lowMax - loA.step : lowMax));
  hiA.min = clean(highMin);
  return axes;
}

/** A numeric script input as a parameter row (bounds it does not state are open). */
export function paramOfInput(i: ScriptInput): ParamInfo {
  const isInt = i.kind === 'int';
  const def = typeof i.default === 'number' ? i.default : 0;
  return {
    name: i.name,
    description: i.title || i.name,
    type: isInt ? 'int' : 'float',
    min: i.min ?? -Infinity,
    max: i.max ?? Infinity,
    step: i.step ?? (isInt ? 1 : Math.abs(def) >= 10 || def === 0 ? 1 : 0.1),
    default: def,
  };
}

/** A script's strategy() or indicator() title (null when it states none). */
function scriptTitle(text: string): string | null {
  return /^\s*(?:strategy|indicator)\(\s*(?:title\s*=\s*)?"([^"]+)"/m.exec(text)?.[1] ?? null;
}

/** A script input that is not numeric: a checkbox, a list of options or a text field. */
interface ExtraInput {
  input: ScriptInput;
  read(): number | boolean | string;
  el: HTMLInputElement | HTMLSelectElement;
}

const SOURCES = ['open', 'high', 'low', 'close', 'hl2', 'hlc3', 'ohlc4', 'hlcc4'];

export class NewRunForm {
  readonly el: HTMLFormElement;
  private kind: RunKind = 'backtest';
  private readonly tabs: Record<RunKind, HTMLButtonElement>;
  private readonly dataset: HTMLSelectElement;
  private readonly csvInput: HTMLInputElement;
  private readonly csvPreview: HTMLElement;
  /** How the next imported file writes dates whose year comes last (03/01/2013). */
  private readonly dateOrder: HTMLSelectElement;
  private readonly strategy: HTMLSelectElement;
  private readonly strategyDesc: HTMLElement;
  private readonly paramsBox: HTMLElement;
  private readonly optBox: HTMLElement;
  /** Walk-forward settings: lengths (a count and a unit: bars or d/w/m/y), step, anchoring. */
  private readonly wfBox: HTMLElement;
  private readonly wf: Record<'is' | 'oos' | 'step', { n: HTMLInputElement; unit: HTMLSelectElement }>;
  private readonly wfAnchored: HTMLInputElement;
  /** Search: the whole grid, a seeded random sample of it, or a genetic algorithm over it. */
  private readonly search: HTMLSelectElement;
  /** The genetic algorithm's settings (engine SearchSpec; the seed is the random search's field). */
  private readonly genetic: Record<'population' | 'generations' | 'crossover' | 'mutation' | 'elite' | 'tournament', HTMLInputElement>;
  private readonly geneticBox: HTMLElement;
  private readonly samples: HTMLInputElement;
  private readonly seed: HTMLInputElement;
  private readonly sampleBox: HTMLElement;
  private readonly combos: HTMLElement;
  private readonly objective: HTMLSelectElement;
  private readonly direction: HTMLSelectElement;
  private readonly broker: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  private readonly general: HTMLElement;
  private readonly submitBtn: HTMLButtonElement;
  private rows: ParamRow[] = [];
  /** Built-in strategy or Pine script. */
  private source: 'builtin' | 'script' = 'builtin';
  private readonly sourceTabs: Record<'builtin' | 'script', HTMLButtonElement>;
  private readonly strategyField: HTMLElement;
  private readonly scriptBox: HTMLElement;
  private readonly editorHost: HTMLElement;
  private readonly scriptStatus: HTMLElement;
  private readonly template: HTMLSelectElement;
  private readonly pineFile: HTMLInputElement;
  /** The date range (from, to: which bars the run sees) and "start trading at" (warm-up). */
  private readonly rangeFrom: HTMLInputElement;
  private readonly rangeTo: HTMLInputElement;
  private readonly tradeFrom: HTMLInputElement;
  private readonly brokerHint: HTMLElement;
  private editor: PineEditor | null = null;
  /** The scripts library (SQLite): which script the editor holds, its versions. */
  private readonly library: ScriptLibrary;
  private editorLoading: Promise<void> | null = null;
  /** The last compile answer that had inputs (the form keeps it while the text has errors). */
  private lastInputs: ScriptInput[] | null = null;
  private inputsKey = '';
  /** Input values to set once the next compile answer has built the form (a run opened from a report). */
  private pendingInputs: Record<string, number | boolean | string> | null = null;
  /** The inputs the form was last built from. */
  private declared: ScriptInput[] | null = null;
  private extras: ExtraInput[] = [];
  /** Broker fields the user changed (script runs send only these: the script's strategy()
   *  settings are the defaults). */
  private readonly brokerEdited = new Set<string>();
  private readonly shareOut: HTMLElement;
  /** Error slots by field name (dataset, strategy, a parameter name, broker.cash, …). */
  private readonly slots = new Map<string, HTMLElement>();

  constructor(private readonly ctx: Ctx) {
    const tab = (k: RunKind, label: string) =>
      h('button.tab', { type: 'button', role: 'tab', id: `nr-tab-${k}`, 'aria-selected': String(k === 'backtest'), onclick: () => this.setKind(k) }, label);
    this.tabs = { backtest: tab('backtest', 'Backtest'), optimization: tab('optimization', 'Optimization'), walkforward: tab('walkforward', 'Walk-forward') };

    this.dataset = h('select#nr-dataset', { name: 'dataset', onchange: () => this.updateCount() });
    // Datasets added through the API meanwhile show up when the list is opened.
    this.dataset.addEventListener('focus', () => this.refreshDatasets());
    this.csvInput = h('input#nr-csv', { type: 'file', accept: '.csv,text/csv,text/plain', class: 'visually-hidden' });
    this.csvInput.addEventListener('change', () => void this.importCsv());
    this.csvPreview = h('div.csv-preview');
    this.dateOrder = h('select#nr-date-order', { 'aria-label': 'Date order of the imported file', title: 'How the file writes dates whose year comes last, e.g. 03/01/2013' });
    for (const [value, label] of [['', 'Dates: as written'], ['dmy', 'Dates: day/month/year'], ['mdy', 'Dates: month/day/year'], ['ymd', 'Dates: year first']]) {
      this.dateOrder.add(new Option(label, value));
    }
    const srcTab = (k: 'builtin' | 'script', label: string) =>
      h('button.tab', { type: 'button', role: 'tab', id: `nr-src-${k}`, 'aria-selected': String(k === 'builtin'), onclick: () => void this.setSource(k) }, label);
    this.sourceTabs = { builtin: srcTab('builtin', 'Built-in'), script: srcTab('script', 'Pine script') };
    this.template = h('select#nr-template', { 'aria-label': 'Start from a template', onchange: () => void this.useTemplate() });
    this.scriptStatus = h('p#nr-script-status.hint.script-status', { 'aria-live': 'polite' });
    this.editorHost = h('div.editor-host', { 'data-testid': 'pine-editor' }, h('p.muted.loading', null, 'Loading the editor…'));
    this.pineFile = h('input#nr-pine-file', { type: 'file', accept: '.pine,.txt,text/plain', class: 'visually-hidden', 'aria-label': 'Open a .pine file' });
    this.pineFile.addEventListener('change', () => void this.openPineFile());
    this.tradeFrom = h('input#nr-trade-from', { type: 'date', 'aria-describedby': 'err-trade_from' });
    this.rangeFrom = h('input#nr-from', { type: 'date', 'aria-describedby': 'err-from' });
    this.rangeTo = h('input#nr-to', { type: 'date', 'aria-describedby': 'err-to' });
    this.library = new ScriptLibrary(ctx.atf);
    this.scriptBox = h(
      'div.script-box',
      { hidden: true },
      this.library.el,
      h(
        'div.script-head',
        null,
        this.template,
        h('button.secondary', { type: 'button', id: 'nr-pine-open', title: 'Open a .pine file from this device', onclick: () => this.pineFile.click() }, 'Open…'),
        h('button.secondary', { type: 'button', id: 'nr-pine-download', title: 'Download the script as a .pine file', onclick: () => this.downloadScript() }, 'Download'),
        this.pineFile,
      ),
      this.editorHost,
      h('div.script-foot', null, this.scriptStatus, h('span.hint.kbd-hint', { title: 'Ctrl/⌘+Enter runs; Tab indents: press Esc, then Tab, to leave the editor' }, 'Ctrl/⌘+Enter runs')),
      this.errorSlot('script'),
    );
    // Ctrl/⌘+S saves the script as a new version (not the browser's "save page").
    this.scriptBox.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        this.library.saveFromKeyboard();
      }
    });
    this.brokerHint = h('p.hint', { hidden: true }, "Script runs use the script's strategy() settings; a field you change here overrides it.");
    this.strategy = h('select#nr-strategy', { name: 'strategy', onchange: () => this.buildParams() });
    for (const s of ctx.strategies) this.strategy.add(new Option(s.name, s.name));
    this.strategyDesc = h('p.hint');
    this.paramsBox = h('div.params');
    this.combos = h('output#nr-combos.combos', { 'aria-live': 'polite' });
    this.objective = h('select#nr-objective', { onchange: () => this.syncDirection() });
    for (const m of ctx.metrics) this.objective.add(new Option(metricLabel(m.name), m.name));
    this.objective.value = 'sharpe';
    this.direction = h('select#nr-direction');
    this.direction.add(new Option('maximize', 'max'));
    this.direction.add(new Option('minimize', 'min'));
    this.search = h('select#nr-search', { onchange: () => this.updateCount() });
    this.search.add(new Option('every combination (grid)', 'grid'));
    this.search.add(new Option('a random sample', 'random'));
    this.search.add(new Option('a genetic algorithm', 'genetic'));
    this.samples = h('input#nr-samples', { type: 'number', min: 1, step: 1, value: 100, inputmode: 'numeric', oninput: () => this.updateCount() });
    this.seed = h('input#nr-seed', { type: 'number', min: 0, step: 1, value: 1, inputmode: 'numeric' });
    this.sampleBox = h('div.row2', { hidden: true }, this.field('Samples', this.samples, 'search', 'nr-samples'), this.field('Seed', this.seed, 'seed', 'nr-seed'));
    const gene = (id: string, value: number, min: number, step: number, max?: number) =>
      h(`input#${id}`, { type: 'number', min, step, value, ...(max !== undefined ? { max } : {}), inputmode: step < 1 ? 'decimal' : 'numeric', oninput: () => this.updateCount() });
    this.genetic = {
      population: gene('nr-ga-pop', 40, 2, 1),
      generations: gene('nr-ga-gen', 20, 1, 1),
      crossover: gene('nr-ga-cx', 0.9, 0, 0.05, 1),
      mutation: gene('nr-ga-mut', 0.1, 0, 0.01, 1),
      elite: gene('nr-ga-elite', 2, 0, 1),
      tournament: gene('nr-ga-tour', 3, 1, 1),
    };
    const g = this.genetic;
    this.geneticBox = h(
      'div.ga-settings',
      { hidden: true },
      h('div.row2', null, this.field('Population', g.population, 'ga-pop', 'nr-ga-pop'), this.field('Generations', g.generations, 'ga-gen', 'nr-ga-gen')),
      h('div.row2', null, this.field('Crossover rate', g.crossover, 'ga-cx', 'nr-ga-cx'), this.field('Mutation rate', g.mutation, 'ga-mut', 'nr-ga-mut')),
      h('div.row2', null, this.field('Elite kept', g.elite, 'ga-elite', 'nr-ga-elite'), this.field('Tournament size', g.tournament, 'ga-tour', 'nr-ga-tour')),
    );
    this.optBox = h(
      'div.opt-settings',
      { hidden: true },
      h('div.row2', null, this.field('Objective', this.objective, 'objective'), this.field('Direction', this.direction, 'direction')),
      this.field('Search', this.search, 'search-method', 'nr-search'),
      this.sampleBox,
      this.geneticBox,
      this.combos,
    );
    const length = (key: 'is' | 'oos' | 'step', value: string, unit: string) => {
      const n = h('input', { id: `wf-${key}`, type: 'number', min: 1, step: 1, value, inputmode: 'numeric' });
      const u = h('select', { id: `wf-${key}-unit`, 'aria-label': 'unit' });
      for (const [v, l] of [['bars', 'bars'], ['d', 'days'], ['w', 'weeks'], ['m', 'months'], ['y', 'years']]) u.add(new Option(l, v));
      u.value = unit;
      return { n, unit: u };
    };
    this.wf = { is: length('is', '3', 'y'), oos: length('oos', '1', 'y'), step: length('step', '', 'y') };
    this.wf.step.n.placeholder = '= OOS';
    this.wfAnchored = h('input#wf-anchored', { type: 'checkbox' });
    const lengthField = (label: string, key: 'is' | 'oos' | 'step', field: string) =>
      this.field(label, h('div.inline', null, this.wf[key].n, this.wf[key].unit), field, `wf-${key}`);
    this.wfBox = h(
      'div.wf-settings',
      { hidden: true },
      h('div.row2', null, lengthField('In-sample length', 'is', 'walk_forward.in_sample'), lengthField('Out-of-sample length', 'oos', 'walk_forward.out_of_sample')),
      h(
        'div.row2',
        null,
        lengthField('Step (empty: = OOS)', 'step', 'walk_forward.step'),
        this.field('Anchored', h('span.inline', { title: 'Every in-sample window starts at the first bar (else the windows roll)' }, this.wfAnchored, h('span.hint', null, ' from the first bar')), 'walk_forward.anchored', 'wf-anchored'),
      ),
      h('p.hint', null, 'Each window optimizes the axes on its in-sample bars, then trades the best parameters on the out-of-sample bars that follow.'),
    );
    this.general = h('p.field-error.general', { role: 'alert' });
    this.slots.set('request', this.general);
    this.submitBtn = h('button#nr-submit.primary', { type: 'submit' }, 'Run backtest');
    this.shareOut = h('p.hint.share-out', { 'aria-live': 'polite', 'data-testid': 'share-out' });
    const shareBtn = h('button#nr-share.secondary', { type: 'button', title: 'Copy a link that opens this panel filled in like now', onclick: () => void this.share() }, 'Copy link');

    const num = (id: string, value: number, attrs: Record<string, string | number> = {}) => {
      const el = h('input', { id: `b-${id}`, type: 'number', value, step: 'any', inputmode: 'decimal', ...attrs });
      this.broker[id] = el;
      return el;
    };
    const sizing = h('select#b-sizing');
    sizing.add(new Option('fraction of equity', 'equity'));
    sizing.add(new Option('units', 'units'));
    this.broker['sizing'] = sizing;
    const fill = h('select#b-fill');
    fill.add(new Option("next bar's open", 'next_open'));
    fill.add(new Option("this bar's close", 'close'));
    this.broker['fill'] = fill;
    const shortBox = h('input#b-allow_short', { type: 'checkbox' });
    this.broker['allow_short'] = shortBox;
    const fracBox = h('input#b-fractional', { type: 'checkbox' });
    this.broker['fractional'] = fracBox;
    const closeBox = h('input#b-close_at_end', { type: 'checkbox' });
    this.broker['close_at_end'] = closeBox;

    const importBtn = h('button.secondary', { type: 'button', onclick: () => this.csvInput.click() }, 'Import CSV…');
    this.el = h(
      'form.new-run',
      { novalidate: true, 'aria-labelledby': 'nr-title' },
      h('div.panel-head', null, h('h2#nr-title', null, 'New run'), h('div.tabs', { role: 'tablist', 'aria-label': 'Run kind' }, this.tabs.backtest, this.tabs.optimization, this.tabs.walkforward)),
      h(
        'fieldset',
        null,
        h('legend', null, 'Data'),
        this.field('Dataset', h('div.inline', null, this.dataset, importBtn, this.dateOrder, this.csvInput), 'dataset', 'nr-dataset'),
        this.csvPreview,
        h(
          'div.date-range',
          { 'data-testid': 'date-range' },
          this.field('From', this.rangeFrom, 'from', 'nr-from'),
          this.field('To', this.rangeTo, 'to', 'nr-to'),
          this.field('Start trading at', this.tradeFrom, 'trade_from', 'nr-trade-from'),
        ),
        h('p.hint.date-hint', null, 'Empty dates: all the bars. The bars before "Start trading at" only warm the indicators up (no order).'),
      ),
      h(
        'fieldset',
        null,
        h('legend', null, 'Strategy'),
        h('div.tabs.source-tabs', { role: 'tablist', 'aria-label': 'Strategy source' }, this.sourceTabs.builtin, this.sourceTabs.script),
        (this.strategyField = this.field('Strategy', this.strategy, 'strategy', 'nr-strategy')),
        this.scriptBox,
        this.strategyDesc,
        this.paramsBox,
        this.optBox,
        this.wfBox,
      ),
      h(
        'details.broker',
        { open: true },
        h('summary', null, 'Broker settings'),
        this.brokerHint,
        h(
          'div.grid2',
          null,
          this.field('Starting cash', num('cash', 100000, { min: 0 }), 'broker.cash', 'b-cash'),
          this.field('Sizing', sizing, 'broker.sizing', 'b-sizing'),
          this.field('Size (fraction or units)', num('size', 1, { min: 0 }), 'broker.size', 'b-size'),
          this.field('Fill rule', fill, 'broker.fill', 'b-fill'),
          this.field('Commission (% of notional)', num('commission_pct', 0, { min: 0 }), 'broker.commission_pct', 'b-commission_pct'),
          this.field('Commission per order', num('commission_fixed', 0, { min: 0 }), 'broker.commission_fixed', 'b-commission_fixed'),
          this.field('Commission per unit', num('commission_per_unit', 0, { min: 0 }), 'broker.commission_per_unit', 'b-commission_per_unit'),
          this.field('Slippage (bps)', num('slippage_bps', 0, { min: 0 }), 'broker.slippage_bps', 'b-slippage_bps'),
          this.field('Stop-loss % (0 = off)', num('stop_loss_pct', 0, { min: 0 }), 'broker.stop_loss_pct', 'b-stop_loss_pct'),
          this.field('Take-profit % (0 = off)', num('take_profit_pct', 0, { min: 0 }), 'broker.take_profit_pct', 'b-take_profit_pct'),
          h(
            'div.checks',
            null,
            h('label.check', null, shortBox, ' Allow shorts'),
            h('label.check', null, fracBox, ' Fractional units'),
            h('label.check', null, closeBox, ' Close at the end'),
            this.errorSlot('broker.allow_short'),
            this.errorSlot('broker.fractional'),
            this.errorSlot('broker.close_at_end'),
          ),
        ),
      ),
      this.general,
      h('div.actions', null, this.submitBtn, shareBtn),
      this.shareOut,
    );
    // Editing a field clears its error.
    this.el.addEventListener('input', (e) => {
      const box = (e.target as HTMLElement).closest('.field, .param');
      for (const err of box?.querySelectorAll('.field-error') ?? []) err.textContent = '';
      (e.target as HTMLElement).removeAttribute('aria-invalid');
    });
    this.el.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    // Ctrl/Cmd+Enter runs from anywhere in the panel (the editor handles its own).
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
        e.preventDefault();
        this.el.requestSubmit();
      }
    });
    for (const [id, el] of Object.entries(this.broker)) {
      el.addEventListener('change', () => this.brokerEdited.add(id));
      el.addEventListener('input', () => this.brokerEdited.add(id));
    }
    this.refreshDatasets();
    this.buildParams();
  }

  /** A labelled field with its error slot (aria-describedby). */
  private field(label: string, control: HTMLElement, errorKey: string, forId?: string): HTMLElement {
    const slot = this.errorSlot(errorKey);
    const target = forId ? document.getElementById(forId) ?? control.querySelector(`#${forId}`) ?? control : control;
    target.setAttribute('aria-describedby', slot.id);
    return h('div.field', { 'data-field': errorKey }, h('label', { for: forId ?? control.id ?? null }, label), control, slot);
  }

  private errorSlot(key: string): HTMLElement {
    const slot = h('p.field-error', { id: `err-${key.replace(/[^\w-]/g, '_')}`, 'aria-live': 'polite' });
    this.slots.set(key, slot);
    return slot;
  }

  refreshDatasets(select?: string): void {
    const current = select ?? this.dataset.value;
    this.dataset.replaceChildren();
    const list = this.ctx.atf.listDatasets();
    const groups: Record<string, HTMLOptGroupElement> = {
      sample: h('optgroup', { label: 'Bundled samples' }),
      csv: h('optgroup', { label: 'Imported CSV' }),
      columns: h('optgroup', { label: 'Generated' }),
    };
    for (const d of list) groups[d.source]?.append(new Option(d.bars ? `${d.name} (${int(d.bars)} bars)` : d.name, d.name));
    for (const g of Object.values(groups)) if (g.children.length) this.dataset.append(g);
    if (current && list.some((d) => d.name === current)) this.dataset.value = current;
  }

  /** Imports a chosen CSV file: size check before reading, then importText. */
  private async importCsv(): Promise<void> {
    const file = this.csvInput.files?.[0];
    this.csvInput.value = '';
    if (!file) return;
    this.clearErrors();
    this.csvPreview.replaceChildren();
    const tooBig = csvSizeError(file.name || 'imported.csv', file.size);
    if (tooBig) {
      this.showError('dataset', tooBig.message);
      return;
    }
    await this.importText(file.name || 'imported.csv', await file.text(), false);
  }

  /** A preview of the first rows, then the engine's importer checks every line at once. Only a
   *  file it accepts shows the columns it read (and, with an "Adj Close" column, the choice of
   *  price basis); a file it refuses is shown with the line and column and leaves the dataset
   *  list (nothing is ever saved). `adjusted`: the text is the adjusted-close version. */
  private async importText(fileName: string, text: string, adjusted: boolean): Promise<void> {
    const names = new Set(this.ctx.atf.listDatasets().map((d) => d.name));
    // A stated date order becomes part of the name ("prices.csv [dmy]"), so the saved dataset keeps it.
    const order = this.dateOrder.value as '' | DateOrder;
    const suffix = order ? ` [${order}]` : '';
    const base = fileName.replace(/\.csv$/i, '') + (adjusted ? ' (adj close)' : '');
    let name = `${base}.csv${suffix}`;
    for (let i = 2; names.has(name); i++) name = `${base} (${i}).csv${suffix}`;
    try {
      await this.ctx.atf.addDatasetCsv(name, text, order ? { dateOrder: order } : {});
    } catch (e) {
      this.showError('dataset', errorText(e));
      return;
    }
    rememberCsv(name, text);
    this.refreshDatasets(name);
    const pv = previewCsv(text, 5);
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
    const verdict = h('p.hint.csv-verdict', { 'aria-live': 'polite' }, `${name}: ${int(lines)} lines; checking every line…`);
    const detected = h('p.hint.csv-columns', { hidden: true });
    const basis = h('div.csv-basis', { hidden: true });
    const table =
      pv.header.length && lines > 0
        ? h(
            'div.scroll-x.csv-table',
            { tabindex: 0, 'aria-label': 'The first rows of the file' },
            h(
              'table.mini',
              null,
              h('thead', null, h('tr', null, ...pv.header.map((c) => h('th', null, c)))),
              h('tbody', null, ...pv.rows.map((r) => h('tr', null, ...r.map((c) => h('td', null, c))))),
            ),
          )
        : null;
    this.csvPreview.replaceChildren(...([detected, table, verdict, basis] as Array<HTMLElement | null>).filter((x): x is HTMLElement => x !== null));
    try {
      const { bars, notices } = await this.ctx.atf.checkDataset(name);
      const noticed = notices.length ? ` Note: ${notices.join('; ')}.` : '';
      verdict.textContent = `${name}: ${int(bars)} bars, every line valid.${noticed} It is saved when a run uses it.`;
      verdict.classList.add('ok-text');
      // The columns the file was read by: only now that the importer has accepted it.
      detected.textContent = `Columns: ${Object.entries(pv.columns).map(([k, i]) => `${k} ← ${pv.header[i] ?? `column ${i + 1}`}`).join(', ')}.`;
      detected.hidden = false;
      if (!adjusted) this.offerAdjusted(fileName, text, name, pv.header, basis);
      this.refreshDatasets(name);
      this.updateCount();
    } catch (e) {
      verdict.textContent = `${name} was not imported.`;
      this.ctx.atf.removeDataset(name);
      forgetCsv(name);
      this.refreshDatasets();
      this.showError('dataset', errorText(e));
    }
  }

  /** A file with an "Adj Close" column (Yahoo Finance's): the price basis can be the close as
   *  traded (the file as it is) or the close adjusted for splits and dividends (every price
   *  scaled by adj close / close, imported as a dataset of its own). */
  private offerAdjusted(fileName: string, text: string, asTraded: string, header: string[], box: HTMLElement): void {
    if (adjCloseColumn(header) < 0) return;
    const pick = h('select#nr-price-basis', { 'aria-describedby': 'nr-price-basis-hint' });
    pick.add(new Option('Close (as traded)', 'close'));
    pick.add(new Option('Adj Close (adjusted for splits and dividends)', 'adj'));
    let adjustedName: string | null = null;
    pick.addEventListener('change', async () => {
      if (pick.value === 'close') {
        this.refreshDatasets(asTraded);
        return;
      }
      if (adjustedName && this.ctx.atf.listDatasets().some((d) => d.name === adjustedName)) {
        this.refreshDatasets(adjustedName);
        return;
      }
      const adjusted = adjustedCsv(text);
      if (!adjusted) return;
      const before = new Set(this.ctx.atf.listDatasets().map((d) => d.name));
      // The adjusted file gets its own preview and check; the choice stays offered under it.
      const keep = box;
      await this.importText(fileName, adjusted, true);
      adjustedName = this.ctx.atf.listDatasets().find((d) => !before.has(d.name))?.name ?? null;
      keep.hidden = false;
      this.csvPreview.append(keep);
    });
    box.replaceChildren(
      h('label', { for: 'nr-price-basis' }, 'Price basis '),
      pick,
      h('p.hint#nr-price-basis-hint', null, 'This file has an Adj Close column: backtest on the prices as traded, or on prices adjusted for splits and dividends (a dataset of its own).'),
    );
    box.hidden = false;
  }

  private get current(): StrategyInfo | undefined {
    return this.ctx.strategies.find((s) => s.name === this.strategy.value);
  }

  private buildParams(): void {
    if (this.source === 'script') {
      this.buildScriptInputs(this.lastInputs ?? [], true);
      return;
    }
    const s = this.current;
    this.strategyDesc.textContent = s?.description ?? '';
    this.renderParams(s?.params ?? [], []);
  }

  /** The parameter rows (value, or an axis when optimizing) and the other script inputs. */
  private renderParams(params: ParamInfo[], extras: ScriptInput[]): void {
    this.paramsBox.replaceChildren();
    this.rows = [];
    this.extras = [];
    for (const key of [...this.slots.keys()]) if (key.startsWith('param:')) this.slots.delete(key);
    const bound = (v: number) => (Number.isFinite(v) ? v : null);
    const range = (p: ParamInfo) => {
      const lo = bound(p.min);
      const hi = bound(p.max);
      return lo !== null && hi !== null ? ` (${lo}…${hi})` : lo !== null ? ` (≥ ${lo})` : hi !== null ? ` (≤ ${hi})` : '';
    };
    const axes = defaultAxes(params);
    params.forEach((p, i) => {
      const attrs = { type: 'number', min: bound(p.min), max: bound(p.max), step: p.type === 'int' ? 1 : 'any', inputmode: 'decimal' };
      const value = h('input', { ...attrs, id: `p-${p.name}`, value: p.default });
      const ax = axes[i] ?? defaultAxis(p);
      const on = h('input', { type: 'checkbox', id: `ax-${p.name}-on`, 'aria-label': `Vary ${p.name}` });
      on.checked = i < 2;
      const min = h('input', { ...attrs, id: `ax-${p.name}-min`, value: ax.min, 'aria-label': `${p.name} min` });
      const max = h('input', { ...attrs, id: `ax-${p.name}-max`, value: ax.max, 'aria-label': `${p.name} max` });
      const step = h('input', { ...attrs, min: 0, id: `ax-${p.name}-step`, value: ax.step, 'aria-label': `${p.name} step` });
      const count = h('span.axis-count');
      const slot = h('p.field-error', { id: `err-param-${p.name}`, 'aria-live': 'polite' });
      this.slots.set(`param:${p.name}`, slot);
      for (const el of [value, min, max, step]) el.setAttribute('aria-describedby', slot.id);
      const bt = h('div.param-bt', null, value);
      const opt = h('div.param-opt', { hidden: true }, on, min, h('span.sep', null, '…'), max, h('span.sep', null, 'step'), step, count);
      const row: ParamRow = { p, value, on, min, max, step, count, bt, opt };
      for (const el of [on, min, max, step, value]) el.addEventListener('input', () => this.updateCount());
      this.rows.push(row);
      this.paramsBox.append(
        h(
          'div.param',
          { 'data-param': p.name },
          h('label', { for: `p-${p.name}` }, h('span.param-name', null, p.name), h('span.hint', null, ` ${p.description}${range(p)}`)),
          bt,
          opt,
          slot,
        ),
      );
    });
    for (const input of extras) this.addExtraInput(input);
    this.setKind(this.kind);
  }

  /** A script input that is not an axis: bool (checkbox), options or source (select), text. */
  private addExtraInput(input: ScriptInput): void {
    const id = `p-${input.name}`;
    const slot = h('p.field-error', { id: `err-param-${input.name}`, 'aria-live': 'polite' });
    this.slots.set(`param:${input.name}`, slot);
    const label = h('span.hint', null, ` ${input.title || input.name}`);
    let el: HTMLInputElement | HTMLSelectElement;
    let read: () => number | boolean | string;
    if (input.kind === 'bool') {
      const box = h('input', { type: 'checkbox', id, 'aria-describedby': slot.id });
      box.checked = input.default === true;
      el = box;
      read = () => box.checked;
      this.paramsBox.append(h('div.param.param-extra', { 'data-param': input.name }, h('label.check', null, box, h('span.param-name', null, input.name), label), slot));
      this.extras.push({ input, el, read });
      return;
    }
    const options = input.kind === 'source' && !input.options.length ? SOURCES : input.options;
    if (options.length) {
      const sel = h('select', { id, 'aria-describedby': slot.id });
      for (const o of options) sel.add(new Option(String(o), String(o)));
      sel.value = String(input.default ?? options[0]);
      el = sel;
      const numeric = options.every((o) => typeof o === 'number');
      read = () => (numeric ? Number(sel.value) : sel.value);
    } else {
      const text = h('input', { type: 'text', id, value: String(input.default ?? ''), 'aria-describedby': slot.id });
      el = text;
      read = () => text.value;
    }
    this.paramsBox.append(h('div.param.param-extra', { 'data-param': input.name }, h('label', { for: id }, h('span.param-name', null, input.name), label), el, slot));
    this.extras.push({ input, el, read });
  }

  /** Rebuilds the inputs form from a script's inputs, keeping what the user set for inputs that
   *  are still declared the same way (same name, kind, default, bounds, options); an input whose
   *  declaration changed starts from its new default. Unchanged inputs leave the form as it is. */
  private buildScriptInputs(inputs: ScriptInput[], force = false): void {
    const key = JSON.stringify(inputs.map(({ line: _line, ...rest }) => rest));
    if (!force && key === this.inputsKey) return;
    this.inputsKey = key;
    const declOf = (i: ScriptInput) => JSON.stringify([i.kind, i.default, i.min, i.max, i.step, i.options]);
    const before = new Map((this.declared ?? []).map((i) => [i.name, declOf(i)]));
    this.declared = inputs;
    const same = (i: ScriptInput) => before.get(i.name) === declOf(i);
    const kept = new Map<string, { value: string; on: boolean; min: string; max: string; step: string }>();
    for (const r of this.rows) kept.set(r.p.name, { value: r.value.value, on: r.on.checked, min: r.min.value, max: r.max.value, step: r.step.value });
    const keptExtra = new Map<string, string | boolean>();
    for (const x of this.extras) keptExtra.set(x.input.name, x.el instanceof HTMLInputElement && x.el.type === 'checkbox' ? x.el.checked : x.el.value);
    const numeric = inputs.filter((i) => i.kind === 'int' || i.kind === 'float');
    const others = inputs.filter((i) => !(i.kind === 'int' || i.kind === 'float') && ['bool', 'string', 'source'].includes(i.kind));
    this.renderParams(numeric.map(paramOfInput), others);
    for (const r of this.rows) {
      const k = kept.get(r.p.name);
      const decl = inputs.find((i) => i.name === r.p.name);
      if (!k || !decl || !same(decl)) continue;
      r.value.value = k.value;
      r.on.checked = k.on;
      r.min.value = k.min;
      r.max.value = k.max;
      r.step.value = k.step;
    }
    for (const x of this.extras) {
      const k = keptExtra.get(x.input.name);
      if (k === undefined || !same(x.input)) continue;
      if (typeof k === 'boolean' && x.el instanceof HTMLInputElement) x.el.checked = k;
      else if (typeof k === 'string' && [...(x.el instanceof HTMLSelectElement ? x.el.options : [])].some((o) => o.value === k)) x.el.value = k;
      else if (typeof k === 'string' && x.el instanceof HTMLInputElement) x.el.value = k;
    }
    this.updateCount();
  }

  /** Built-in strategy or Pine script: the script mode loads the editor on first use. */
  async setSource(source: 'builtin' | 'script'): Promise<void> {
    this.source = source;
    for (const [k, t] of Object.entries(this.sourceTabs)) t.setAttribute('aria-selected', String(k === source));
    const script = source === 'script';
    this.strategyField.hidden = script;
    this.scriptBox.hidden = !script;
    this.brokerHint.hidden = !script;
    document.body.classList.toggle('script-mode', script);
    this.clearErrors();
    if (!script) {
      this.buildParams();
      return;
    }
    this.strategyDesc.textContent = '';
    this.buildScriptInputs(this.lastInputs ?? [], true);
    await this.loadEditor();
  }

  private loadEditor(): Promise<void> {
    this.editorLoading ??= (async () => {
      try {
        const mod = await import('./pine/editor');
        this.template.replaceChildren(new Option('Start from a template…', ''));
        for (const t of mod.TEMPLATES) this.template.add(new Option(t.name, t.name));
        // The library's most recent script (a new one from the template when it is empty).
        const doc = await this.library.start(mod.TEMPLATES.find((t) => t.name === 'sma_cross')?.text ?? '');
        this.editorHost.replaceChildren();
        this.editor = mod.createPineEditor(this.editorHost, {
          doc,
          check: (text) => this.ctx.atf.compileScript(text) as Promise<ScriptCheck>,
          onCheck: (text, result, error) => this.onScriptCheck(text, result, error),
          onChange: (text) => {
            this.scriptStatus.textContent = 'Checking…';
            this.slots.get('script')!.textContent = '';
            this.library.onEdit(text);
          },
          onRun: () => this.el.requestSubmit(),
        });
        this.library.attach(this.editor);
        this.templates = mod.TEMPLATES;
        this.scriptStatus.textContent = 'Checking…';
      } catch (e) {
        this.editorLoading = null;
        this.editorHost.replaceChildren(h('p.field-error', null, `The editor could not load: ${errorText(e)}`));
      }
    })();
    return this.editorLoading;
  }

  private templates: Array<{ name: string; text: string }> = [];

  /** Reads a .pine file into the editor (undo brings the previous text back). */
  private async openPineFile(): Promise<void> {
    const file = this.pineFile.files?.[0];
    this.pineFile.value = '';
    if (!file) return;
    this.slots.get('script')!.textContent = '';
    if (file.size > 1024 * 1024) {
      this.showError('script', `${file.name} is ${int(file.size)} bytes: a script of at most 1 MB can be opened`);
      return;
    }
    const text = await file.text();
    await this.loadEditor();
    // The file's script (in the library already, or as a new script named after the file).
    await this.library.adopt(text.replace(/\r\n?/g, '\n'), file.name.replace(/\.(pine|txt)$/i, '') || 'Opened script');
    this.editor?.focus();
    this.shareOut.textContent = `Opened ${file.name}.`;
  }

  /** Downloads the editor's text, named after the script's strategy() title. */
  private downloadScript(): void {
    const text = this.scriptText;
    const title = scriptTitle(text) ?? 'script';
    const name = `${title.replace(/[^\w-]+/g, '_').replace(/^_+|_+$/g, '') || 'script'}.pine`;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** Replaces the editor's text with a template's (undo brings the previous text back). */
  private async useTemplate(): Promise<void> {
    const name = this.template.value;
    if (!name) return;
    await this.loadEditor();
    const t = this.templates.find((x) => x.name === name);
    if (t && this.editor) {
      // Templates are read-only: starting from one makes a library script of its own.
      await this.library.adopt(t.text, t.name);
      this.editor.focus();
    }
    this.template.value = '';
  }

  /** The answer of a compile for the editor's text: the status line and the inputs form. */
  /** The text of the last compile answer that built the form. */
  private checkedText: string | null = null;

  private onScriptCheck(text: string, result: ScriptCheck | null, error?: unknown): void {
    if (!result) {
      this.scriptStatus.textContent = `Could not check the script: ${errorText(error)}`;
      return;
    }
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    this.scriptStatus.classList.toggle('bad', !result.ok);
    this.scriptStatus.classList.toggle('ok-text', result.ok);
    if (result.ok) {
      const title = result.settings?.title ? `${result.settings.title}: ` : '';
      const n = result.inputs.length;
      this.scriptStatus.textContent = `✓ ${title}compiles, ${n} input${n === 1 ? '' : 's'}.`;
      this.lastInputs = result.inputs;
      this.checkedText = text;
      // (Back in built-in mode meanwhile: the form is rebuilt from lastInputs when the mode returns.)
      if (this.source !== 'script') return;
      this.buildScriptInputs(result.inputs);
      this.applyPendingInputs();
    } else {
      const first = errors[0] ?? result.diagnostics[0];
      this.scriptStatus.textContent = first ? `${errors.length || 1} error${errors.length > 1 ? 's' : ''}: line ${first.line}, column ${first.column}: ${first.message}` : 'The script does not compile.';
    }
  }

  /** Opens a script run's request in the editor: its source, inputs, dataset and the broker
   *  fields it set. */
  async openScript(req: BacktestRequest, dataset: string): Promise<void> {
    if (req.script === undefined) return;
    await this.setSource('script');
    this.refreshDatasets();
    if (this.ctx.atf.listDatasets().some((d) => d.name === dataset)) this.dataset.value = dataset;
    const b = req.broker ?? {};
    for (const [k, v] of Object.entries(b)) {
      const el = this.broker[k];
      if (!el || v === undefined) continue;
      if (el instanceof HTMLInputElement && el.type === 'checkbox') el.checked = Boolean(v);
      else el.value = String(v);
      this.brokerEdited.add(k);
    }
    this.setDates(req);
    this.pendingInputs = { ...(req.inputs ?? {}) };
    // The values go in once the form has this script's inputs: now if its compile answer is in,
    // else when it comes (the editor checks a new text, and its first text, by itself).
    const before = this.editor?.text();
    await this.library.adopt(req.script, scriptTitle(req.script) ?? 'Script of a run');
    if (this.editor?.text() === before && this.checkedText === req.script) this.applyPendingInputs();
    this.editor?.focus();
    this.shareOut.textContent = "Opened from a report: the run's script, inputs and broker fields.";
  }

  /** The date fields from a request or a link (dates as "YYYY-MM-DD"; UTC ms shown as their day). */
  private setDates(req: { from?: number | string; to?: number | string; trade_from?: number | string }): void {
    const day = (v: number | string | undefined) =>
      typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : typeof v === 'number' ? new Date(v).toISOString().slice(0, 10) : '';
    this.rangeFrom.value = day(req.from);
    this.rangeTo.value = day(req.to);
    this.tradeFrom.value = day(req.trade_from);
  }

  /** A shared link with a script: the editor gets its text (nothing runs), the form its inputs,
   *  axes and broker fields once the script has compiled. */
  private async fillScript(cfg: SharedConfig): Promise<void> {
    this.setKind(cfg.kind);
    await this.openScript({ dataset: cfg.dataset, script: cfg.script ?? '', inputs: cfg.inputs ?? {}, broker: cfg.broker, ...datesOf(cfg) }, cfg.dataset);
    this.pendingAxes = cfg.kind === 'optimization' ? cfg : null;
    if (cfg.dataset && !this.ctx.atf.listDatasets().some((d) => d.name === cfg.dataset)) {
      this.slots.get('dataset')!.textContent = `the link's dataset "${cfg.dataset}" is not in this browser: import it, or pick one here`;
    }
    if (!this.pendingInputs) this.applyPendingAxes();
    this.shareOut.textContent = 'Filled in from a shared link (a script): check it, then run.';
  }

  /** Axes (and objective) of a shared optimization, once the script's rows exist. */
  private pendingAxes: SharedConfig | null = null;
  private applyPendingAxes(): void {
    const cfg = this.pendingAxes;
    if (!cfg) return;
    this.pendingAxes = null;
    for (const r of this.rows) r.on.checked = false;
    for (const a of cfg.axes) {
      const r = this.rows.find((x) => x.p.name === a.name);
      if (!r) continue;
      r.on.checked = true;
      const vals = 'values' in a ? [...a.values].sort((x, y) => x - y) : null;
      r.min.value = String(vals ? (vals[0] ?? 0) : (a as { min: number }).min);
      r.max.value = String(vals ? (vals[vals.length - 1] ?? 0) : (a as { max: number }).max);
      r.step.value = String(vals ? r.p.step : (a as { step: number }).step);
    }
    if (cfg.objective && this.ctx.metrics.some((m) => m.name === cfg.objective)) this.objective.value = cfg.objective;
    if (cfg.direction) this.direction.value = cfg.direction;
    this.updateCount();
  }

  private applyPendingInputs(): void {
    this.applyPendingAxesLater();
    const inputs = this.pendingInputs;
    if (!inputs) return;
    this.pendingInputs = null;
    for (const r of this.rows) {
      const v = inputs[r.p.name];
      if (typeof v === 'number') r.value.value = String(v);
    }
    for (const x of this.extras) {
      const v = inputs[x.input.name];
      if (v === undefined) continue;
      if (x.el instanceof HTMLInputElement && x.el.type === 'checkbox') x.el.checked = v === true;
      else x.el.value = String(v);
    }
    this.updateCount();
  }

  /** Pending axes wait for the rows of the compile answer that applies the pending inputs. */
  private applyPendingAxesLater(): void {
    if (this.pendingAxes) queueMicrotask(() => this.applyPendingAxes());
  }

  /** The script in the editor (empty until it is loaded). */
  get scriptText(): string {
    return this.editor?.text() ?? '';
  }

  private syncDirection(): void {
    const m = this.ctx.metrics.find((x) => x.name === this.objective.value);
    this.direction.value = m && !m.higher_is_better ? 'min' : 'max';
  }

  setKind(kind: RunKind): void {
    this.kind = kind;
    for (const [k, t] of Object.entries(this.tabs)) t.setAttribute('aria-selected', String(k === kind));
    // A walk-forward optimizes like an optimization (axes, objective) inside each window.
    this.optBox.hidden = kind === 'backtest';
    this.wfBox.hidden = kind !== 'walkforward';
    for (const r of this.rows) r.opt.hidden = kind === 'backtest';
    this.submitBtn.textContent = kind === 'backtest' ? 'Run backtest' : kind === 'walkforward' ? 'Run walk-forward' : 'Run optimization';
    this.clearErrors();
    this.updateCount();
  }

  /** Live combination count (and a rough duration estimate) of the axes being edited. */
  private updateCount(): number {
    let total = 1;
    let varied = 0;
    for (const r of this.rows) {
      const active = r.on.checked;
      r.min.disabled = r.max.disabled = r.step.disabled = !active;
      // A parameter that is not varied keeps the fixed value of its input.
      r.bt.hidden = this.kind !== 'backtest' && active;
      if (!active) {
        r.count.textContent = 'fixed (value above)';
        continue;
      }
      varied++;
      const n = axisCount(Number(r.min.value), Number(r.max.value), Number(r.step.value));
      r.count.textContent = `${int(n)} value${n === 1 ? '' : 's'}`;
      total *= n;
    }
    const random = this.search.value === 'random';
    const genetic = this.search.value === 'genetic';
    // The seed field serves both sampled searches; the sample size only the random one.
    this.sampleBox.hidden = !random && !genetic;
    this.samples.closest('.field')?.toggleAttribute('hidden', genetic);
    this.geneticBox.hidden = !genetic;
    if (random) total = Math.min(total, Math.max(0, Math.floor(Number(this.samples.value)) || 0));
    if (genetic) {
      const budget = (Math.floor(Number(this.genetic.population.value)) || 0) * (Math.floor(Number(this.genetic.generations.value)) || 0);
      total = Math.min(total, Math.max(0, budget));
    }
    if (this.kind === 'walkforward') {
      this.combos.textContent = varied === 0 ? 'Tick at least one parameter to vary.' : `${int(total)} combination${total === 1 ? '' : 's'} in each window`;
    } else if (this.kind === 'optimization') {
      const ms = this.estimateMs(total);
      const est = ms === null ? '' : ` · est. ${duration(ms)}`;
      const what = genetic ? ` evaluation${total === 1 ? '' : 's'} at most (population × generations, within the grid)` : ` combination${total === 1 ? '' : 's'}`;
      this.combos.textContent = varied === 0 ? 'Tick at least one parameter to vary.' : `${int(total)}${what}${est}`;
    }
    return total;
  }

  /** Estimated duration of `trials` combinations on the chosen dataset (null: bars unknown yet). */
  private estimateMs(trials: number): number | null {
    const bars = this.ctx.atf.listDatasets().find((d) => d.name === this.dataset.value)?.bars ?? null;
    return bars ? estimateGridMs(this.ctx, trials, bars, this.ctx.atf.workerCount) : null;
  }

  private clearErrors(): void {
    for (const s of this.slots.values()) s.textContent = '';
    for (const el of this.el.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  /** Shows an error next to the field it names; returns the control to focus. */
  showError(field: string, message: string): void {
    if (field === 'script' && this.source === 'script') {
      // A compile error: the editor has its marker; the message goes under it, focus into it.
      this.slots.get('script')!.textContent = message;
      this.editor?.focus();
      return;
    }
    const bare = field.replace(/^(axes|params|inputs)\./, '');
    const slot =
      this.slots.get(field) ??
      this.slots.get(`param:${bare}`) ??
      (field.startsWith('axes') || field === 'max_combinations' ? this.combos : undefined) ??
      (field === 'objective' || field === 'direction' ? this.slots.get(field) : undefined) ??
      this.general;
    if (slot === this.combos) {
      slot.textContent = '';
      this.general.textContent = `${field}: ${message}`;
      return;
    }
    slot.textContent = slot === this.general && field !== 'request' ? `${field}: ${message}` : message;
    const control = slot.parentElement?.querySelector<HTMLElement>('input:not([type=file]):not([disabled]), select');
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
  }

  private readNumber(el: HTMLInputElement, field: string): number | null {
    const v = el.value.trim() === '' ? NaN : Number(el.value);
    if (!Number.isFinite(v)) {
      this.showError(field, 'enter a number');
      return null;
    }
    return v;
  }

  /** Builds the request; null when a field is not a number (its error is shown). */
  private request(): BacktestRequest | OptimizationRequest | WalkForwardRequest | null {
    const b = this.broker;
    const broker: BrokerSettings = {};
    for (const k of NUMERIC_BROKER) {
      const el = b[k];
      if (!(el instanceof HTMLInputElement)) continue;
      const v = this.readNumber(el, `broker.${k}`);
      if (v === null) return null;
      broker[k] = v;
    }
    broker.sizing = (b['sizing']?.value ?? 'equity') as 'equity' | 'units';
    broker.fill = (b['fill']?.value ?? 'next_open') as 'next_open' | 'close';
    broker.allow_short = (b['allow_short'] as HTMLInputElement).checked;
    broker.fractional = (b['fractional'] as HTMLInputElement).checked;
    broker.close_at_end = (b['close_at_end'] as HTMLInputElement).checked;
    const script = this.source === 'script';
    if (script) {
      // Only the fields the user changed: the script's strategy() settings are the defaults.
      for (const k of Object.keys(broker) as Array<keyof BrokerSettings>) if (!this.brokerEdited.has(k)) delete broker[k];
    }
    const params: Record<string, number> = {};
    const axes: AxisSpec[] = [];
    for (const r of this.rows) {
      if (this.kind !== 'backtest' && r.on.checked) {
        const min = this.readNumber(r.min, r.p.name);
        const max = min === null ? null : this.readNumber(r.max, r.p.name);
        const step = max === null ? null : this.readNumber(r.step, r.p.name);
        if (min === null || max === null || step === null) return null;
        axes.push({ name: r.p.name, min, max, step });
      } else {
        const v = this.readNumber(r.value, r.p.name);
        if (v === null) return null;
        params[r.p.name] = v;
      }
    }
    let base: BacktestRequest;
    if (script) {
      const inputs: Record<string, number | boolean | string> = { ...params };
      for (const x of this.extras) inputs[x.input.name] = x.read();
      base = { dataset: this.dataset.value, script: this.scriptText, inputs, broker };
    } else {
      base = { dataset: this.dataset.value, strategy: this.strategy.value, params, broker };
      // A built-in backtest's report draws the strategy's indicators (e.g. both SMAs of sma_cross).
      if (this.kind === 'backtest') base.indicator_plots = true;
    }
    if (this.rangeFrom.value) base.from = this.rangeFrom.value;
    if (this.rangeTo.value) base.to = this.rangeTo.value;
    if (this.tradeFrom.value) base.trade_from = this.tradeFrom.value;
    if (window.atfUiDebug) base._debug = { ...window.atfUiDebug };
    if (this.kind === 'backtest') return base;
    const opt: OptimizationRequest = { ...base, axes, objective: this.objective.value, direction: this.direction.value === 'min' ? 'min' : 'max' };
    if (this.search.value === 'random') {
      const n = Number(this.samples.value);
      const seed = Number(this.seed.value);
      if (!Number.isInteger(n) || n < 1) {
        this.showError('search', 'enter a whole number ≥ 1');
        return null;
      }
      if (!Number.isInteger(seed) || seed < 0) {
        this.showError('seed', 'enter a whole number ≥ 0');
        return null;
      }
      opt.search = `random:${n}`;
      opt.seed = seed;
    } else if (this.search.value === 'genetic') {
      const g = this.genetic;
      const whole = (el: HTMLInputElement, field: string, min: number): number | null => {
        const v = Number(el.value);
        if (el.value.trim() === '' || !Number.isInteger(v) || v < min) {
          this.showError(field, `enter a whole number ≥ ${min}`);
          return null;
        }
        return v;
      };
      const rate = (el: HTMLInputElement, field: string): number | null => {
        const v = Number(el.value);
        if (el.value.trim() === '' || !(v >= 0 && v <= 1)) {
          this.showError(field, 'enter a rate from 0 to 1');
          return null;
        }
        return v;
      };
      const pop = whole(g.population, 'ga-pop', 2);
      const gen = pop === null ? null : whole(g.generations, 'ga-gen', 1);
      const cx = gen === null ? null : rate(g.crossover, 'ga-cx');
      const mut = cx === null ? null : rate(g.mutation, 'ga-mut');
      const elite = mut === null ? null : whole(g.elite, 'ga-elite', 0);
      const tour = elite === null ? null : whole(g.tournament, 'ga-tour', 1);
      const seed = Number(this.seed.value);
      if (pop === null || gen === null || cx === null || mut === null || elite === null || tour === null) return null;
      if (elite >= pop) {
        this.showError('ga-elite', `keep fewer than the population (${pop})`);
        return null;
      }
      if (!Number.isInteger(seed) || seed < 0) {
        this.showError('seed', 'enter a whole number ≥ 0');
        return null;
      }
      opt.search = `genetic:pop=${pop},gen=${gen},cx=${cx},mut=${mut},elite=${elite},tour=${tour}`;
      opt.seed = seed;
    }
    if (this.kind !== 'walkforward') return opt;
    const walk = this.walkForward();
    return walk ? { ...opt, walk_forward: walk } : null;
  }

  /** The walk-forward settings as the engine reads them ("3y", "500bars"); null when a length
   *  is not a whole number ≥ 1 (its error is shown). */
  private walkForward(): WalkForwardSettings | null {
    const length = (key: 'is' | 'oos' | 'step', field: string): string | null | undefined => {
      const { n, unit } = this.wf[key];
      if (key === 'step' && n.value.trim() === '') return undefined;
      const v = Number(n.value);
      if (n.value.trim() === '' || !Number.isInteger(v) || v < 1) {
        this.showError(field, 'enter a whole number ≥ 1');
        return null;
      }
      return `${v}${unit.value}`;
    };
    const inSample = length('is', 'walk_forward.in_sample');
    if (!inSample) return null;
    const outOfSample = length('oos', 'walk_forward.out_of_sample');
    if (!outOfSample) return null;
    const step = length('step', 'walk_forward.step');
    if (step === null) return null;
    return { in_sample: inSample, out_of_sample: outOfSample, ...(step ? { step } : {}), anchored: this.wfAnchored.checked };
  }

  /** Copies a link to this panel's configuration (shown as text when the clipboard is refused). */
  private async share(): Promise<void> {
    this.clearErrors();
    const req = this.request();
    if (!req) return;
    await showShareLink(this.shareOut, configOf(this.kind, req));
  }

  /** Fills the panel from a shared configuration. Names this page does not know (a dataset
   *  imported elsewhere, a parameter of another version) are reported next to their field. */
  fill(cfg: SharedConfig): void {
    this.clearErrors();
    this.shareOut.textContent = '';
    if (cfg.script !== undefined) {
      void this.fillScript(cfg);
      return;
    }
    if (this.source === 'script') void this.setSource('builtin');
    const knownStrategy = this.ctx.strategies.some((s) => s.name === cfg.strategy);
    if (knownStrategy) {
      this.strategy.value = cfg.strategy;
      this.buildParams();
    }
    this.setKind(cfg.kind); // (clears errors: the link's problems are shown after it)
    if (!knownStrategy && cfg.strategy) this.slots.get('strategy')!.textContent = `the link's strategy "${cfg.strategy}" is not in this engine`;
    this.refreshDatasets();
    if (this.ctx.atf.listDatasets().some((d) => d.name === cfg.dataset)) this.dataset.value = cfg.dataset;
    else if (cfg.dataset) this.slots.get('dataset')!.textContent = `the link's dataset "${cfg.dataset}" is not in this browser: import it, or pick one here`;
    const unknown: string[] = [];
    const rowOf = (name: string) => this.rows.find((r) => r.p.name === name);
    for (const [name, v] of Object.entries(cfg.params)) {
      const r = rowOf(name);
      if (r) r.value.value = String(v);
      else unknown.push(name);
    }
    if (cfg.kind === 'optimization') {
      for (const r of this.rows) r.on.checked = false;
      for (const a of cfg.axes) {
        const r = rowOf(a.name);
        if (!r) {
          unknown.push(a.name);
          continue;
        }
        r.on.checked = true;
        const vals = 'values' in a ? [...a.values].sort((x, y) => x - y) : null;
        const min = vals ? (vals[0] ?? 0) : (a as { min: number }).min;
        const max = vals ? (vals[vals.length - 1] ?? 0) : (a as { max: number }).max;
        // A list becomes min..max by its smallest gap (the panel edits ranges).
        const gaps = vals ? vals.slice(1).map((v, i) => v - (vals[i] ?? v)).filter((g) => g > 0) : [];
        const step = vals ? (gaps.length ? Math.min(...gaps) : r.p.step) : (a as { step: number }).step;
        r.min.value = String(min);
        r.max.value = String(max);
        r.step.value = String(step);
      }
      if (cfg.objective && this.ctx.metrics.some((m) => m.name === cfg.objective)) this.objective.value = cfg.objective;
      if (cfg.direction) this.direction.value = cfg.direction;
    }
    const b = this.broker;
    for (const k of NUMERIC_BROKER) {
      const v = cfg.broker[k];
      const el = b[k];
      if (v !== undefined && el) el.value = String(v);
    }
    if (cfg.broker.sizing && b['sizing']) b['sizing'].value = cfg.broker.sizing;
    if (cfg.broker.fill && b['fill']) b['fill'].value = cfg.broker.fill;
    for (const k of ['allow_short', 'fractional', 'close_at_end'] as const) {
      const v = cfg.broker[k];
      if (v !== undefined) (b[k] as HTMLInputElement).checked = v;
    }
    this.setDates(cfg);
    this.updateCount();
    if (unknown.length) this.general.textContent = `The link's parameters ${unknown.map((n) => `"${n}"`).join(', ')} are not parameters of ${this.strategy.value}; they were left out.`;
    this.shareOut.textContent = 'Filled in from a shared link: check it, then run.';
  }

  private async submit(): Promise<void> {
    this.clearErrors();
    const req = this.request();
    if (!req) return;
    if (req.script !== undefined && !req.script.trim()) {
      this.showError('script', 'write a script or start from a template');
      return;
    }
    this.submitBtn.disabled = true;
    this.submitBtn.classList.add('busy');
    try {
      // A script run saves its text as a library version first, so its report names the version.
      if (req.script !== undefined) await this.library.save().catch(() => null);
      if (this.kind === 'backtest') {
        const r = await this.ctx.atf.submitBacktest(req);
        this.ctx.track(r.id, 'backtest');
      } else if (this.kind === 'walkforward') {
        const r = await this.ctx.atf.submitWalkForward(req as WalkForwardRequest);
        this.ctx.track(r.id, 'walkforward');
      } else {
        const r = await this.ctx.atf.submitOptimization(req as OptimizationRequest);
        const est = this.estimateMs(this.updateCount());
        if (est !== null) this.ctx.gridEstimates.set(r.id, est);
        this.ctx.track(r.id, 'optimization');
        // The report opens at once: its heatmap fills in while the trials run.
        this.ctx.openRun(r.id, 'optimization');
      }
      this.refreshDatasets();
      this.ctx.runsChanged();
    } catch (e) {
      const field = (e as { field?: unknown }).field;
      if (e instanceof Error && e.name === 'ValidationError' && typeof field === 'string') this.showError(field, e.message);
      else this.showError('request', errorText(e));
    } finally {
      this.submitBtn.disabled = false;
      this.submitBtn.classList.remove('busy');
    }
  }
}
