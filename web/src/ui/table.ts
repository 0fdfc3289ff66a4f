// A sortable data table: headers are buttons (keyboard), aria-sort shows the order, rows can be
// activated by click or Enter. Cells are rendered as text or as nodes built with h().
import { clear, h } from './dom';

export interface Column<T> {
  key: string;
  label: string;
  /** Sort key (numbers sort numerically, nulls last). */
  value: (row: T) => number | string | null | undefined;
  render?: (row: T) => Node | string;
  numeric?: boolean;
  title?: string;
}

export interface TableOptions<T> {
  columns: Column<T>[];
  rowKey: (row: T) => string;
  onActivate?: (row: T) => void;
  rowClass?: (row: T) => string;
  /** Extra content under a row (e.g. an expandable error), shown as a full-width row. */
  detail?: (row: T) => Node | null;
  initialSort?: { key: string; dir: 1 | -1 } | null;
  maxRows?: number;
  empty?: string;
  caption?: string;
  testId?: string;
  /** Rows sorted elsewhere (SQL): a header click asks for that order rather than sorting here. */
  onSort?: (sort: { key: string; dir: 1 | -1 } | null) => void;
  /** Rows paged elsewhere: "Show more" asks for the first `n` rows (setPage answers). */
  onMore?: (n: number) => void;
}

export class SortableTable<T> {
  readonly el: HTMLTableElement;
  private rows: T[] = [];
  private sort: { key: string; dir: 1 | -1 } | null;
  private readonly body: HTMLTableSectionElement;
  private readonly headCells = new Map<string, HTMLTableCellElement>();
  private readonly note: HTMLTableCaptionElement;
  selectedKey: string | null = null;

  constructor(private readonly o: TableOptions<T>) {
    this.sort = o.initialSort ?? null;
    const head = h('tr');
    for (const c of o.columns) {
      const btn = h('button.th-sort', { type: 'button', title: c.title ?? null }, c.label, h('span.sort-ind', { 'aria-hidden': 'true' }));
      btn.addEventListener('click', () => this.toggle(c.key));
      const th = h('th', { scope: 'col', class: c.numeric ? 'num' : null }, btn);
      this.headCells.set(c.key, th);
      head.append(th);
    }
    this.body = h('tbody');
    this.note = h('caption.table-note');
    this.el = h('table.data', { 'data-testid': o.testId ?? null }, this.note, h('thead', null, head), this.body);
    if (o.caption) this.note.textContent = o.caption;
  }

  setRows(rows: T[]): void {
    this.rows = rows;
    this.total = null;
    this.limit = null;
    this.render();
  }

  /** Rows of a page sorted and cut elsewhere (onSort, onMore), of `total` matching rows. */
  setPage(rows: T[], total: number): void {
    this.rows = rows;
    this.total = total;
    this.limit = rows.length;
    this.render();
  }

  /** All matching rows when paged elsewhere (null: the rows given are all). */
  private total: number | null = null;

  private toggle(key: string): void {
    const first = this.o.columns.find((c) => c.key === key)?.numeric ? -1 : 1;
    this.sort = this.sort?.key === key ? { key, dir: this.sort.dir === 1 ? -1 : 1 } : { key, dir: first };
    if (this.o.onSort) {
      this.o.onSort(this.sort);
      return;
    }
    this.render();
  }

  /** Rows shown (grows by maxRows with "Show more"; back to one page on new rows). */
  private limit: number | null = null;

  private sorted(): T[] {
    const s = this.sort;
    if (!s || this.o.onSort) return this.rows;
    const col = this.o.columns.find((c) => c.key === s.key);
    if (!col) return this.rows;
    return [...this.rows].sort((a, b) => {
      const va = col.value(a);
      const vb = col.value(b);
      const na = va === null || va === undefined || (typeof va === 'number' && Number.isNaN(va));
      const nb = vb === null || vb === undefined || (typeof vb === 'number' && Number.isNaN(vb));
      if (na || nb) return na === nb ? 0 : na ? 1 : -1;
      if (typeof va === 'number' && typeof vb === 'number') return (va - vb) * s.dir;
      return String(va).localeCompare(String(vb)) * s.dir;
    });
  }

  render(): void {
    for (const [key, th] of this.headCells) {
      const on = this.sort?.key === key;
      th.setAttribute('aria-sort', on ? (this.sort?.dir === 1 ? 'ascending' : 'descending') : 'none');
      const ind = th.querySelector('.sort-ind');
      if (ind) ind.textContent = on ? (this.sort?.dir === 1 ? ' ▲' : ' ▼') : '';
    }
    clear(this.body);
    const all = this.sorted();
    const max = this.limit ?? this.o.maxRows ?? Infinity;
    const rows = all.slice(0, max);
    const count = this.total ?? all.length;
    if (rows.length === 0) {
      this.body.append(h('tr', null, h('td.empty', { colspan: this.o.columns.length }, this.o.empty ?? 'Nothing here yet.')));
    }
    for (const row of rows) {
      const key = this.o.rowKey(row);
      const tr = h('tr', { 'data-key': key, class: this.o.rowClass?.(row) ?? null });
      if (key === this.selectedKey) tr.classList.add('selected');
      for (const c of this.o.columns) {
        const v = c.render ? c.render(row) : String(c.value(row) ?? '—');
        tr.append(h('td', { class: c.numeric ? 'num' : null }, v));
      }
      if (this.o.onActivate) {
        const act = this.o.onActivate;
        tr.tabIndex = 0;
        tr.classList.add('clickable');
        tr.addEventListener('click', (e) => {
          if ((e.target as HTMLElement).closest('button, a, summary, input, select')) return;
          this.select(key);
          act(row);
        });
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' && e.target === tr) {
            this.select(key);
            act(row);
          }
        });
      }
      this.body.append(tr);
      const d = this.o.detail?.(row);
      if (d) this.body.append(h('tr.detail-row', null, h('td', { colspan: this.o.columns.length }, d)));
    }
    if (count > rows.length) {
      // Rows come in pages: laying out thousands of rows at once would block the page.
      const page = this.o.maxRows ?? rows.length;
      const more = h('button.link.show-more', { type: 'button' }, `Show ${Math.min(page, count - rows.length).toLocaleString('en-US')} more`);
      more.addEventListener('click', () => {
        if (this.o.onMore && this.total !== null) {
          this.o.onMore(rows.length + page);
          return;
        }
        this.limit = rows.length + page;
        this.render();
      });
      this.body.append(
        h('tr', null, h('td.empty', { colspan: this.o.columns.length }, `Showing ${rows.length.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} rows (sort or filter to see others). `, more)),
      );
    }
  }

  private select(key: string): void {
    this.selectedKey = key;
    for (const tr of this.body.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    this.body.querySelector(`tr[data-key="${CSS.escape(key)}"]`)?.classList.add('selected');
  }
}
