// A run's date range: the request's `from` and `to` (which bars of the dataset the run sees).
// The engine reads such a range when it imports a CSV (importCsv's from/to options), so a ranged
// run gets a dataset of its own in each worker (imported with the range, or its columns sliced
// here); the page's price chart slices its bars the same way.
import { ValidationError } from './errors';

/** A range in UTC ms, both ends inclusive; an absent end is open. */
export interface DateRange {
  from?: number;
  to?: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** UTC ms of a request's `from`/`to` value: whole ms as given, a "YYYY-MM-DD" date at its first
 *  millisecond (`from`) or its last (`to`: a bare date means its whole day, as the engine's
 *  parse_time_arg with end_of_day). Throws a ValidationError naming the field otherwise. */
export function timeOf(field: 'from' | 'to', v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const m = typeof v === 'string' ? DATE.exec(v) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Date.UTC rolls 2021-02-30 over to March: a date that does not exist is refused.
    if (new Date(ms).toISOString().slice(0, 10) === v) return field === 'to' ? ms + DAY_MS - 1 : ms;
  }
  throw new ValidationError(field, `${field} must be a date such as 2010-01-31 (UTC) or whole UTC milliseconds`);
}

/** The range a request states (null when it states none); throws a ValidationError naming
 *  `from` or `to` when a value is not a date, or when `from` is after `to`. */
export function rangeOf(req: Record<string, unknown>): DateRange | null {
  const has = (k: string) => req[k] !== undefined && req[k] !== null && req[k] !== '';
  if (!has('from') && !has('to')) return null;
  const r: DateRange = {};
  if (has('from')) r.from = timeOf('from', req['from']);
  if (has('to')) r.to = timeOf('to', req['to']);
  if (r.from !== undefined && r.to !== undefined && r.from > r.to) throw new ValidationError('to', 'to must not be before from');
  return r;
}

/** The key of a dataset seen through a range (the dataset's own key without one). */
export function rangedKey(key: string, range: DateRange | null): string {
  return range ? `${key} @${range.from ?? ''}..${range.to ?? ''}` : key;
}

/** Indexes [start, end) of the sorted times that fall in the range. */
export function rangeIndexes(time: ArrayLike<number>, range: DateRange | null): [number, number] {
  let start = 0;
  let end = time.length;
  if (range?.from !== undefined) while (start < end && (time[start] ?? 0) < range.from) start++;
  if (range?.to !== undefined) while (end > start && (time[end - 1] ?? 0) > range.to) end--;
  return [start, end];
}
