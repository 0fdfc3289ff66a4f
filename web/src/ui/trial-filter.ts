// The ranked trials' filter: "sharpe > 0.5, fast <= 10" (comma or "and" separated). A name is a
// parameter or a metric, written as its key (win_rate_pct), as the column header shows it
// ("Win rate"), or as that label in key style (win_rate); case and spaces do not matter.

/** One condition on a trial's parameter or metric (by its key). */
export interface Condition {
  name: string;
  /** The comparison ("==" is written "="), for SQL. */
  op: '>' | '>=' | '<' | '<=' | '=' | '!=';
  value: number;
  test: (v: number) => boolean;
}

/** A name the filter knows: its key and the label the table shows for it. */
export interface FilterName {
  key: string;
  label: string;
}

/** "Win rate %" and "win_rate_pct" both become "win_rate_pct"-like tokens: lowercase words
 *  joined by "_". */
function token(s: string): string {
  return s.trim().toLowerCase().replace(/%/g, ' pct').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** Every way of writing each name, to its key: the key, the label, and both without a trailing
 *  "pct" (the table shows "Win rate" for win_rate_pct). */
function aliases(names: FilterName[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { key, label } of names) {
    for (const a of [key, label]) {
      const t = token(a);
      if (!t) continue;
      if (!out.has(t)) out.set(t, key);
      const bare = t.replace(/_pct$/, '');
      if (bare && !out.has(bare)) out.set(bare, key);
    }
  }
  return out;
}

/** Parses the filter's text into conditions on known names; an error names the part it cannot
 *  read, or the unknown name with the names it knows. */
export function parseConditions(text: string, names: FilterName[]): { conds: Condition[]; error: string | null; unknown?: boolean } {
  const known = aliases(names);
  const conds: Condition[] = [];
  for (const part of text.split(/,|\band\b/i).map((p) => p.trim()).filter(Boolean)) {
    const m = /^(.+?)\s*(>=|<=|!=|==|=|>|<)\s*(-?[\d.]+(?:e-?\d+)?)\s*%?$/i.exec(part);
    if (!m) return { conds: [], error: `cannot read "${part}": write a name, a comparison and a number (sharpe > 0.5)` };
    const [, rawName = '', op, raw] = m;
    const key = known.get(token(rawName));
    if (key === undefined) return { conds: [], error: `unknown name "${rawName.trim()}": use one of the names listed under the filter`, unknown: true };
    const x = Number(raw);
    if (!Number.isFinite(x)) return { conds: [], error: `cannot read the number in "${part}"` };
    const test =
      op === '>' ? (v: number) => v > x
      : op === '>=' ? (v: number) => v >= x
      : op === '<' ? (v: number) => v < x
      : op === '<=' ? (v: number) => v <= x
      : op === '!=' ? (v: number) => v !== x
      : (v: number) => v === x;
    const sqlOp = (op === '==' ? '=' : op) as Condition['op'];
    conds.push({ name: key, op: sqlOp, value: x, test });
  }
  return { conds, error: null };
}

/** The names a filter over these parameters and metrics knows, parameters first. */
export function filterNames(params: string[], metrics: FilterName[]): FilterName[] {
  const seen = new Set<string>();
  const out: FilterName[] = [];
  for (const n of [...params.map((p) => ({ key: p, label: p })), ...metrics]) {
    if (seen.has(n.key)) continue;
    seen.add(n.key);
    out.push(n);
  }
  return out;
}
