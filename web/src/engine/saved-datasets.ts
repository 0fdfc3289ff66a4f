// Datasets added in this page and their persistence: a CSV dataset is saved once (the results
// database's `datasets` table), when a run first validates on it, so a file the importer rejects
// is never saved; the datasets saved by earlier visits are registered at start-up.
import type { DatasetRegistry } from './datasets';
import type { DateOrder } from './protocol';

/** Keeps imported CSV datasets (the results database's `datasets` table). */
export interface DatasetStore {
  saveDataset(name: string, csv: string): Promise<void>;
  datasets(): Promise<Array<{ name: string; csv: string }>>;
  /** Deletes a saved dataset; false when none has that name. */
  deleteDataset?(name: string): Promise<boolean>;
}

export class SavedDatasets {
  /** CSV datasets added in this page and not yet saved (saved on first successful validation). */
  private readonly unsaved = new Map<string, string>();

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly store: DatasetStore | undefined,
    /** Says why something could not be kept (the page's storage warning). */
    private readonly warn: (message: string) => void,
  ) {}

  /** Adds a CSV dataset to the registry; saved later, by persist(). */
  addCsv(name: string, text: string, dateOrder: DateOrder | undefined): void {
    this.registry.addCsv(name, text, dateOrder);
    this.unsaved.set(name, text);
  }

  /** Forgets a dataset added in this page that was never saved (e.g. one the importer refused). */
  remove(name: string): boolean {
    if (!this.unsaved.has(name)) return false;
    this.unsaved.delete(name);
    this.registry.remove(name);
    return true;
  }

  /** Deletes an imported dataset: from this page, and from the store if it was saved. */
  async delete(name: string): Promise<void> {
    this.unsaved.delete(name);
    this.registry.remove(name);
    await this.store?.deleteDataset?.(name);
  }

  /** Saves a dataset added in this page once a run has validated on it. */
  async persist(name: string): Promise<void> {
    const text = this.unsaved.get(name);
    if (text === undefined || !this.store) return;
    this.unsaved.delete(name);
    try {
      await this.store.saveDataset(name, text);
    } catch (e) {
      this.warn(`Dataset "${name}" could not be saved: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Registers the datasets saved by earlier visits (bundled samples keep their names). */
  async load(): Promise<void> {
    if (!this.store) return;
    try {
      for (const d of await this.store.datasets()) if (!this.registry.has(d.name)) this.registry.addCsv(d.name, d.csv);
    } catch (e) {
      this.warn(`Saved datasets could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
