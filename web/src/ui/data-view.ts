// The "Data" view: the datasets (bars, date range, size; imported ones can be deleted), where
// results are kept (durable or not, size), export of the whole database as a .sqlite file, and
// import of one (validated by the storage worker: a bad file is refused and nothing changes; a
// file that would replace runs is imported only once the user confirms, told how many). Also the
// warning banner shown whenever results may not be kept.
import type { AtfApi } from '../engine/api';
import type { DatasetInfo } from '../engine/types';
import { byId, errorText, h, int, utcDate } from './dom';
import { forgetCsv, loadPrices } from './prices';

function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** Keeps the #storage-warning banner in step with atf.storageWarning. */
export function watchStorageWarning(atf: AtfApi): () => void {
  const banner = byId('storage-warning');
  const show = () => {
    const w = atf.storageWarning;
    banner.hidden = !w;
    banner.textContent = w ?? '';
  };
  show();
  const timer = setInterval(show, 1000);
  return () => clearInterval(timer);
}

/** The first bytes of every SQLite 3 file. */
const SQLITE_MAGIC = 'SQLite format 3\0';

const SOURCE_TEXT: Record<DatasetInfo['source'], string> = { sample: 'bundled sample', csv: 'imported CSV', columns: 'generated' };

export class DataView {
  readonly el = h('section.data-view', { 'aria-labelledby': 'data-title' });
  private readonly status = h('dl.data-status');
  private readonly message = h('p#data-message', { role: 'status' });
  private readonly datasets = h('tbody');
  private readonly confirmBox = h('div#db-import-confirm-box.confirm-box', { hidden: true, role: 'alertdialog', 'aria-labelledby': 'db-import-question' });
  /** Each dataset's size in bytes, read once (a dataset's text does not change under its name). */
  private readonly sizes = new Map<string, number | null>();
  /** The dataset whose Delete awaits its confirmation. */
  private confirmDelete: string | null = null;

  constructor(private readonly atf: AtfApi, private readonly changed: () => void) {
    const exportBtn = h('button#db-export.primary', { type: 'button', onclick: () => void this.exportFile() }, 'Export database (.sqlite)');
    const input = h('input#db-import-file', { type: 'file', accept: '.sqlite,.db,application/x-sqlite3', 'aria-label': 'Database file to import' });
    const importBtn = h('button#db-import', { type: 'button', onclick: () => void this.importFile(input) }, 'Import database');
    input.addEventListener('change', () => (this.confirmBox.hidden = true));
    this.el.append(
      h('div.panel-head', null, h('h2#data-title', null, 'Data'), h('span.muted', null, 'datasets, runs and where they are kept in this browser')),
      h(
        'section.block',
        { 'aria-labelledby': 'datasets-title' },
        h('h3#datasets-title', null, 'Datasets'),
        h(
          'div.scroll-x.table-box',
          null,
          h(
            'table.data.datasets-table',
            { 'data-testid': 'datasets-table' },
            h('thead', null, h('tr', null, ...['Name', 'Source', 'Bars', 'From', 'To', 'Size', ''].map((t) => h('th', { class: ['Bars', 'Size'].includes(t) ? 'num' : null }, t)))),
            this.datasets,
          ),
        ),
      ),
      h('section.block', null, h('h3', null, 'Storage'), this.status, h('div.data-actions', null, exportBtn)),
      h(
        'section.block',
        null,
        h('h3', null, 'Import a database'),
        h('div.data-actions', null, input, importBtn),
        h('p.muted', null, 'Importing replaces every run in this browser with those in the file (you are asked first). A file that is not an AlgoTradeForge database is refused and nothing changes.'),
        this.confirmBox,
      ),
      this.message,
    );
  }

  async refresh(): Promise<void> {
    this.confirmBox.hidden = true;
    this.confirmDelete = null;
    const s = await this.atf.database.status();
    const rows: Array<[string, string]> = s
      ? [
          ['Storage', s.persistence.durable ? 'IndexedDB (kept after reloads)' : `memory only: ${s.persistence.reason}`],
          ['Database size', bytes(s.bytes)],
          ['Protected from eviction', s.persisted === null ? 'unknown' : s.persisted ? 'yes' : 'no (the browser may evict it under pressure)'],
        ]
      : [['Storage', 'unavailable: runs are kept in memory only']];
    this.status.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
    await this.renderDatasets();
  }

  /** One row per dataset; bars, dates and size come from its CSV text (read once per page). */
  private async renderDatasets(): Promise<void> {
    const list = this.atf.listDatasets();
    const rows = await Promise.all(list.map((d) => this.datasetRow(d)));
    this.datasets.replaceChildren(...rows);
  }

  private async datasetRow(d: DatasetInfo): Promise<HTMLTableRowElement> {
    const [size, prices] = await Promise.all([this.size(d.name), loadPrices(d.name)]);
    const n = prices?.time.length ?? d.bars;
    const first = prices?.time[0];
    const last = prices?.time[prices.time.length - 1];
    const actions = h('span.row-actions');
    if (d.source !== 'sample') {
      const confirming = this.confirmDelete === d.name;
      actions.append(
        h('button.link.danger-text', {
          type: 'button',
          'aria-label': confirming ? `Confirm delete of dataset ${d.name}` : `Delete dataset ${d.name}`,
          title: 'Runs made on it keep their results; their price charts need the dataset',
          onclick: () => void this.deleteDataset(d.name),
        }, confirming ? 'Confirm delete' : 'Delete'),
      );
    }
    return h(
      'tr',
      { 'data-key': d.name },
      h('td.wrap', null, d.name),
      h('td', null, SOURCE_TEXT[d.source]),
      h('td.num', null, n ? int(n) : '—'),
      h('td.nowrap', null, first !== undefined ? utcDate(first) : '—'),
      h('td.nowrap', null, last !== undefined ? utcDate(last) : '—'),
      h('td.num', null, size !== null ? bytes(size) : '—'),
      h('td', null, actions),
    );
  }

  private async size(name: string): Promise<number | null> {
    if (!this.sizes.has(name)) {
      const text = await this.atf.datasetCsv(name).catch(() => null);
      this.sizes.set(name, text === null ? null : new Blob([text]).size);
    }
    return this.sizes.get(name) ?? null;
  }

  /** Delete in two steps (Delete, then Confirm delete), as for runs. */
  private async deleteDataset(name: string): Promise<void> {
    if (this.confirmDelete !== name) {
      this.confirmDelete = name;
      await this.renderDatasets();
      (this.datasets.querySelector(`tr[data-key="${CSS.escape(name)}"] button`) as HTMLElement | null)?.focus();
      return;
    }
    this.confirmDelete = null;
    try {
      await this.atf.deleteDataset(name);
      forgetCsv(name);
      this.sizes.delete(name);
      this.say(`Deleted the dataset ${name}.`, false);
    } catch (e) {
      this.say(`${name} was not deleted: ${errorText(e)}`, true);
    }
    await this.renderDatasets();
  }

  private async exportFile(): Promise<void> {
    try {
      const file = await this.atf.database.exportFile();
      if (!file) throw new Error('storage is not available in this browser');
      const url = URL.createObjectURL(new Blob([file.slice()], { type: 'application/x-sqlite3' }));
      const a = h('a', { href: url, download: `algotradeforge-${new Date().toISOString().slice(0, 10)}.sqlite` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.say(`Exported ${bytes(file.byteLength)}.`, false);
    } catch (e) {
      this.say(`Export failed: ${errorText(e)}`, true);
    }
  }

  /** Imports the chosen file. When it would replace runs, it asks first, saying how many of
   *  which kind (a file that is not SQLite at all is refused by the storage worker without
   *  asking: nothing would be replaced). */
  private async importFile(input: HTMLInputElement): Promise<void> {
    this.confirmBox.hidden = true;
    const file = input.files?.[0];
    if (!file) {
      this.say('Choose a .sqlite file first.', true);
      return;
    }
    const bytesOf = new Uint8Array(await file.arrayBuffer());
    const isSqlite = new TextDecoder('latin1').decode(bytesOf.subarray(0, 16)) === SQLITE_MAGIC;
    const runs = isSqlite ? await this.atf.listRuns().catch(() => []) : [];
    if (runs.length === 0) {
      await this.doImport(file.name, bytesOf);
      return;
    }
    const backtests = runs.filter((r) => r.kind === 'backtest').length;
    const optimizations = runs.length - backtests;
    const inFlight = runs.filter((r) => r.status === 'Pending' || r.status === 'Running').length;
    const what = [backtests ? `${int(backtests)} backtest${backtests === 1 ? '' : 's'}` : '', optimizations ? `${int(optimizations)} optimization${optimizations === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
    const confirm = h('button#db-import-confirm.danger', { type: 'button' }, `Replace ${int(runs.length)} run${runs.length === 1 ? '' : 's'}`);
    const cancel = h('button#db-import-cancel.secondary', { type: 'button' }, 'Keep my runs');
    confirm.addEventListener('click', () => {
      this.confirmBox.hidden = true;
      void this.doImport(file.name, bytesOf);
    });
    cancel.addEventListener('click', () => {
      this.confirmBox.hidden = true;
      this.say('Nothing was imported.', false);
    });
    this.confirmBox.replaceChildren(
      h(
        'p#db-import-question',
        null,
        `Importing ${file.name} replaces the ${what} in this browser (${int(runs.length)} run${runs.length === 1 ? '' : 's'}${inFlight ? `, ${int(inFlight)} still in flight` : ''}) with the runs in the file. Export the database first to keep a copy.`,
      ),
      h('div.data-actions', null, confirm, cancel),
    );
    this.confirmBox.hidden = false;
    cancel.focus();
  }

  private async doImport(name: string, data: Uint8Array): Promise<void> {
    try {
      await this.atf.database.importFile(data);
      this.say(`Imported ${name}.`, false);
      this.changed();
      await this.refresh();
    } catch (e) {
      this.say(`${name} was not imported: ${errorText(e)}`, true);
    }
  }

  private say(text: string, error: boolean): void {
    this.message.textContent = text;
    this.message.className = error ? 'error-message' : 'muted';
  }
}
