// The "Data" view: where results are kept (durable or not, size), export of the whole database
// as a .sqlite file, and import of one (validated by the storage worker: a bad file is refused
// and nothing changes). Also the warning banner shown whenever results may not be kept.
import type { AtfApi } from '../engine/api';
import { byId, errorText, h } from './dom';

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

export class DataView {
  readonly el = h('section.data-view', { 'aria-labelledby': 'data-title' });
  private readonly status = h('dl.data-status');
  private readonly message = h('p#data-message', { role: 'status' });

  constructor(private readonly atf: AtfApi, private readonly changed: () => void) {
    const exportBtn = h('button#db-export.primary', { type: 'button', onclick: () => void this.exportFile() }, 'Export database (.sqlite)');
    const input = h('input#db-import-file', { type: 'file', accept: '.sqlite,.db,application/x-sqlite3', 'aria-label': 'Database file to import' });
    const importBtn = h('button#db-import', { type: 'button', onclick: () => void this.importFile(input) }, 'Import database');
    this.el.append(
      h('div.panel-head', null, h('h2#data-title', null, 'Data'), h('span.muted', null, 'runs and datasets are kept in this browser')),
      this.status,
      h('div.data-actions', null, exportBtn),
      h('div.data-actions', null, input, importBtn),
      h('p.muted', null, 'Importing replaces every run in this browser with those in the file. A file that is not an AlgoTradeForge database is refused and nothing changes.'),
      this.message,
    );
  }

  async refresh(): Promise<void> {
    const s = await this.atf.database.status();
    const rows: Array<[string, string]> = s
      ? [
          ['Storage', s.persistence.durable ? 'IndexedDB (kept after reloads)' : `memory only: ${s.persistence.reason}`],
          ['Database size', bytes(s.bytes)],
          ['Protected from eviction', s.persisted === null ? 'unknown' : s.persisted ? 'yes' : 'no (the browser may evict it under pressure)'],
        ]
      : [['Storage', 'unavailable: runs are kept in memory only']];
    rows.push(['Datasets', this.atf.listDatasets().map((d) => d.name).join(', ')]);
    this.status.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
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

  private async importFile(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (!file) {
      this.say('Choose a .sqlite file first.', true);
      return;
    }
    try {
      await this.atf.database.importFile(new Uint8Array(await file.arrayBuffer()));
      this.say(`Imported ${file.name}.`, false);
      this.changed();
      await this.refresh();
    } catch (e) {
      this.say(`${file.name} was not imported: ${errorText(e)}`, true);
    }
  }

  private say(text: string, error: boolean): void {
    this.message.textContent = text;
    this.message.className = error ? 'error-message' : 'muted';
  }
}
