// The page: starts the app (app/boot.ts) and shows a minimal run list with live progress read
// synchronously from the progress board (one read per animation frame).
import { boot } from './app/boot';
import { StatusCode } from './engine/progress-board';
import type { RunKind } from './engine/types';
import type { AtfApi } from './engine/api';
import { ValidationError } from './engine/errors';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  // Elements are fixed in index.html; the generic parameter only names their kind.
  return el as T;
};

window.atfReady = boot();
window.atfReady.then(setupUi, (e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  window.atfError = msg;
  const badge = $('mode');
  badge.textContent = `engine failed to start: ${msg}`;
  badge.className = 'badge broken';
});

interface Row {
  id: string;
  kind: RunKind;
  tr: HTMLTableRowElement;
  bar: HTMLProgressElement;
  status: HTMLTableCellElement;
  result: HTMLTableCellElement;
  cancel: HTMLButtonElement;
  done: boolean;
}

async function setupUi(atf: AtfApi): Promise<void> {
  const badge = $('mode');
  if (atf.mode === 'shared-memory') {
    badge.textContent = 'Shared memory: cross-origin isolated (live counters, atomic cancel)';
    badge.className = 'badge shared';
  } else {
    badge.textContent = 'Reduced mode: no SharedArrayBuffer (progress by messages, cancel stops the worker)';
    badge.className = 'badge fallback';
  }
  $('workers').textContent = `${atf.workerCount} engine worker(s)`;
  const dsSel = $<HTMLSelectElement>('dataset');
  for (const d of atf.listDatasets()) dsSel.add(new Option(d.name, d.name));
  const info = await atf.info();
  const stSel = $<HTMLSelectElement>('strategy');
  const strategies: Array<{ name: string; params: Array<{ name: string; min: number; max: number; step: number; default: number }> }> =
    JSON.parse(JSON.stringify(info.strategies));
  for (const s of strategies) stSel.add(new Option(s.name, s.name));
  const msg = $('message');
  const rows: Row[] = [];
  const tbody = $<HTMLTableElement>('runs').tBodies[0];

  const addRow = (id: string, kind: RunKind) => {
    const tr = document.createElement('tr');
    const cells = [0, 1, 2, 3, 4, 5].map(() => tr.insertCell());
    const [c0, c1, c2, c3, c4, c5] = cells;
    if (!c0 || !c1 || !c2 || !c3 || !c4 || !c5) return;
    c0.textContent = id.slice(0, 8);
    c1.textContent = kind;
    const bar = document.createElement('progress');
    c3.append(bar);
    const cancel = document.createElement('button');
    cancel.textContent = 'Cancel';
    cancel.onclick = () => {
      const p = kind === 'backtest' ? atf.cancelBacktest(id) : atf.cancelOptimization(id);
      p.catch((e: unknown) => (msg.textContent = e instanceof Error ? e.message : String(e)));
    };
    c5.append(cancel);
    tbody?.prepend(tr);
    rows.push({ id, kind, tr, bar, status: c2, result: c4, cancel, done: false });
  };

  const submit = async (kind: RunKind) => {
    msg.textContent = '';
    const strategy = strategies.find((s) => s.name === stSel.value);
    try {
      if (kind === 'backtest') {
        const r = await atf.submitBacktest({ dataset: dsSel.value, strategy: stSel.value });
        addRow(r.id, kind);
      } else {
        const p = strategy?.params[0];
        if (!p) throw new Error('strategy has no parameter');
        const r = await atf.submitOptimization({
          dataset: dsSel.value,
          strategy: stSel.value,
          axes: [{ name: p.name, min: p.min, max: Math.min(p.max, p.min + 40 * p.step), step: p.step }],
        });
        addRow(r.id, kind);
      }
    } catch (e) {
      msg.textContent = e instanceof ValidationError ? `${e.field}: ${e.message}` : e instanceof Error ? e.message : String(e);
    }
  };
  const runB = $<HTMLButtonElement>('run-backtest');
  const runO = $<HTMLButtonElement>('run-optimization');
  runB.onclick = () => void submit('backtest');
  runO.onclick = () => void submit('optimization');
  runB.disabled = runO.disabled = false;

  const statusNames = ['', 'Pending', 'Running', 'Completed', 'Failed', 'Cancelled'];
  const frame = () => {
    for (const row of rows) {
      if (row.done) continue;
      const p = atf.progress(row.id);
      if (p) {
        row.bar.max = Math.max(1, p.total);
        row.bar.value = p.processed;
        row.status.textContent = statusNames[p.status] ?? '';
        if (p.status === StatusCode.Running || p.status === StatusCode.Pending) continue;
      }
      row.done = true;
      const get = row.kind === 'backtest' ? atf.getBacktestStatus(row.id) : atf.getOptimizationStatus(row.id);
      get.then(
        (s) => {
          row.status.textContent = s.status;
          row.cancel.hidden = true;
          row.bar.value = row.bar.max;
          if (s.errorMessage) row.result.textContent = s.errorMessage;
          else if (s.result && 'final_equity' in s.result) row.result.textContent = `final equity ${s.result.final_equity.toFixed(2)}`;
          else if (s.result && 'best' in s.result && s.result.best) row.result.textContent = `best ${JSON.stringify(s.result.best.params)}`;
        },
        () => (row.done = false),
      );
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  const logEl = $('log');
  atf.log.subscribe((r) => {
    logEl.textContent = `${JSON.stringify(r)}\n${logEl.textContent ?? ''}`.slice(0, 20000);
  });
}
