// The run repository over SQLite: backtest_runs, optimization_runs and optimization_trials rows
// for the client's StoredRun records. Trials can be written as they finish (saveTrials), in
// batches, so an interrupted optimization keeps what it computed.
import type { SqlValue } from 'sql.js';
import type { RunRepository } from '../engine/repository';
import type {
  BacktestResult,
  Metrics,
  OptimizationRequest,
  OptimizationResult,
  OptimizationStatistics,
  RunFilter,
  RunStatus,
  StatisticsUnavailable,
  StoredRun,
  TrialColumns,
  TrialPage,
  TrialQuery,
  TrialRecord,
  WalkForwardRequest,
  WalkForwardResult,
} from '../engine/types';
import { metricJson } from '../engine/run-utils';
import type { Row, SqliteStore, Statement } from './sqlite-store';

// Metrics keep +∞ as "Infinity" in their JSON text (run-utils' metricJson): it reads back as Infinity.
const json = (v: unknown): string => metricJson.stringify(v);
const parse = <T>(v: SqlValue | undefined): T | null => (typeof v === 'string' ? metricJson.parse<T>(v) : null);
const num = (v: SqlValue | undefined): number | null => (typeof v === 'number' ? v : null);
const text = (v: SqlValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function curveBytes(curve: Float64Array | undefined): Uint8Array | null {
  if (!curve || curve.length === 0) return null;
  // Copy: the curve may be a view on shared or transferred memory.
  return new Uint8Array(curve.buffer.slice(curve.byteOffset, curve.byteOffset + curve.byteLength));
}

function curveFrom(v: SqlValue | undefined): Float64Array {
  if (!(v instanceof Uint8Array)) return new Float64Array(0);
  const copy = v.slice();
  return new Float64Array(copy.buffer, 0, copy.byteLength / 8);
}

/** The stitched equity as (time ms, value) float64 pairs, and back. */
function pairsBytes(time: Float64Array, value: Float64Array): Uint8Array | null {
  if (value.length === 0) return null;
  const out = new Float64Array(value.length * 2);
  for (let i = 0; i < value.length; i++) {
    out[2 * i] = time[i] ?? 0;
    out[2 * i + 1] = value[i] ?? 0;
  }
  return new Uint8Array(out.buffer);
}

function pairsFrom(v: SqlValue | undefined): { time: Float64Array; value: Float64Array } {
  const all = curveFrom(v);
  const n = Math.floor(all.length / 2);
  const time = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = all[2 * i] ?? 0;
    value[i] = all[2 * i + 1] ?? 0;
  }
  return { time, value };
}

function trialStatements(runId: string, trials: TrialRecord[]): Statement[] {
  return trials.map((t) => ({
    sql: `INSERT OR REPLACE INTO optimization_trials
            (run_id, idx, params, status, metrics, final_equity, error_message, error_stack_trace)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
      runId,
      t.index,
      t.params ? json(t.params) : null,
      t.status,
      t.metrics ? json(t.metrics) : null,
      t.final_equity,
      t.error_message,
      t.error_stack_trace,
    ],
  }));
}

/** A metric or parameter name as a JSON path ('$.sharpe'): names are keys of ours, but a query's
 *  text comes from the page, so anything but letters, digits and _ is dropped. */
const jsonPath = (name: string): string => `$.${name.replace(/[^a-z0-9_]/gi, '')}`;

/** A trial the strategy's constraint refused (run-utils isConstraintSkip, in SQL). */
const SKIPPED_SQL = "(status = 'failed' AND error_stack_trace LIKE '%): parameter check')";

const OPS = new Set(['>', '>=', '<', '<=', '=', '!=']);

export class SqliteRunRepository implements RunRepository {
  constructor(private readonly store: SqliteStore) {}

  async save(run: StoredRun): Promise<void> {
    const statements =
      run.kind === 'backtest' ? this.backtestStatements(run) : run.kind === 'walkforward' ? this.walkForwardStatements(run) : this.optimizationStatements(run);
    await this.store.write(statements);
  }

  /** Adds finished trials of an optimization (as they come, in batches). */
  async saveTrials(runId: string, trials: TrialRecord[]): Promise<void> {
    if (trials.length > 0) await this.store.write(trialStatements(runId, trials));
  }

  /** Sets a completed optimization's statistics (computed after its Completed row was saved). */
  async saveStatistics(runId: string, statistics: OptimizationStatistics | StatisticsUnavailable): Promise<void> {
    await this.store.write([{ sql: 'UPDATE optimization_runs SET statistics = ? WHERE id = ?', params: [json(statistics), runId] }]);
  }

  /** The indexes of an optimization's saved trials (for resuming it). */
  async savedTrialIndexes(runId: string): Promise<number[]> {
    return (await this.store.query('SELECT idx FROM optimization_trials WHERE run_id = ? ORDER BY idx', [runId])).map((r) => Number(r.idx));
  }

  /** Stores an imported dataset once (by name); runs refer to it by that name. */
  async saveDataset(name: string, csv: string): Promise<void> {
    await this.store.write([
      {
        sql: 'INSERT OR REPLACE INTO datasets (name, source, bytes, csv, created_at) VALUES (?, ?, ?, ?, ?)',
        params: [name, 'csv', csv.length, csv, Date.now()],
      },
    ]);
  }

  /** Deletes a stored dataset (the runs made on it keep their results); false if none. */
  async deleteDataset(name: string): Promise<boolean> {
    const found = await this.store.query('SELECT 1 AS x FROM datasets WHERE name = ?', [name]);
    if (found.length === 0) return false;
    await this.store.write([{ sql: 'DELETE FROM datasets WHERE name = ?', params: [name] }]);
    return true;
  }

  /** Every stored dataset with its CSV text, oldest first. */
  async datasets(): Promise<Array<{ name: string; csv: string }>> {
    return (await this.store.query('SELECT name, csv FROM datasets ORDER BY created_at')).map((r) => ({ name: String(r.name), csv: String(r.csv) }));
  }

  /** The run with everything; `trials: false` leaves an optimization's trials out (its result
   *  then has the counts, the best trial and the statistics, and `trials: []`). */
  async get(id: string, options: { trials?: boolean } = {}): Promise<StoredRun | undefined> {
    const bt = (await this.store.query('SELECT * FROM backtest_runs WHERE id = ?', [id]))[0];
    if (bt) return this.backtestFromRow(bt, true);
    const opt = (await this.store.query('SELECT * FROM optimization_runs WHERE id = ?', [id]))[0];
    if (opt) return this.optimizationFromRow(opt, true, options.trials !== false);
    const wf = (await this.store.query('SELECT * FROM walkforward_runs WHERE id = ?', [id]))[0];
    if (wf) return this.walkForwardFromRow(wf, true);
    return undefined;
  }

  /** Newest first. Backtests come without trades and equity curve, optimizations with their
   *  best trial only: a list stays cheap with thousands of runs. get() gives everything. */
  async list(filter: RunFilter = {}): Promise<StoredRun[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const limit = filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
    const runs: StoredRun[] = [];
    if (filter.kind === undefined || filter.kind === 'backtest') {
      const rows = await this.store.query(
        `SELECT id, dataset_id, strategy, request, status, total_bars, processed_bars, created_at, started_at,
                finished_at, final_equity, metrics, error_message, error_stack_trace
           FROM backtest_runs${clause} ORDER BY created_at DESC${limit}`,
        params,
      );
      runs.push(...rows.map((r) => this.backtestFromRow(r, false)));
    }
    if (filter.kind === undefined || filter.kind === 'optimization') {
      const rows = await this.store.query(
        `SELECT id, dataset_id, strategy, request, status, total_combinations, completed_combinations, failed_combinations,
                objective, direction, created_at, started_at, finished_at, best_index, best_trial, error_message, error_stack_trace
           FROM optimization_runs${clause} ORDER BY created_at DESC${limit}`,
        params,
      );
      for (const r of rows) runs.push(await this.optimizationFromRow(r, false));
    }
    if (filter.kind === undefined || filter.kind === 'walkforward') {
      const rows = await this.store.query(
        `SELECT id, dataset_id, strategy, request, status, total_windows, completed_windows, combinations, created_at,
                started_at, finished_at, efficiency, error_message, error_stack_trace
           FROM walkforward_runs${clause} ORDER BY created_at DESC${limit}`,
        params,
      );
      runs.push(...rows.map((r) => this.walkForwardFromRow(r, false)));
    }
    runs.sort((a, b) => b.createdAt - a.createdAt);
    return filter.limit !== undefined ? runs.slice(0, filter.limit) : runs;
  }

  async delete(id: string): Promise<boolean> {
    const exists = (await this.get(id)) !== undefined;
    if (!exists) return false;
    await this.store.write([
      { sql: 'DELETE FROM backtest_runs WHERE id = ?', params: [id] },
      { sql: 'DELETE FROM optimization_runs WHERE id = ?', params: [id] },
      { sql: 'DELETE FROM optimization_trials WHERE run_id = ?', params: [id] },
      { sql: 'DELETE FROM walkforward_runs WHERE id = ?', params: [id] },
    ]);
    return true;
  }

  /** Runs left Pending or Running (candidates for "interrupted" on start-up). */
  /** Runs saved as Pending or Running, after catching up with what other tabs wrote (a run that
   *  another tab has just finished must not be seen as still running). */
  async unfinished(): Promise<StoredRun[]> {
    await this.store.refresh();
    const active = "status IN ('Pending', 'Running')";
    return [
      ...(await this.store.query(`SELECT * FROM backtest_runs WHERE ${active}`)).map((r) => this.backtestFromRow(r, false)),
      ...(await Promise.all((await this.store.query(`SELECT * FROM optimization_runs WHERE ${active}`)).map((r) => this.optimizationFromRow(r, false)))),
      ...(await this.store.query(`SELECT * FROM walkforward_runs WHERE ${active}`)).map((r) => this.walkForwardFromRow(r, false)),
    ];
  }

  // ---- rows <-> runs -------------------------------------------------------------------------

  private backtestStatements(run: StoredRun): Statement[] {
    const result = run.result as BacktestResult | undefined;
    const { equity_curve: curve, ...rest } = result ?? ({} as Partial<BacktestResult>);
    return [
      {
        sql: `INSERT OR REPLACE INTO backtest_runs
                (id, dataset_id, strategy, request, status, total_bars, processed_bars, created_at, started_at,
                 finished_at, final_equity, metrics, result, equity_curve, error_message, error_stack_trace)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          run.id,
          run.dataset,
          run.request.strategy ?? '',
          json(run.request),
          run.status,
          run.total,
          run.processed,
          run.createdAt,
          run.startedAt,
          run.finishedAt,
          result ? result.final_equity : null,
          result ? json(result.metrics) : null,
          result ? json(rest) : null,
          curveBytes(curve),
          run.errorMessage ?? null,
          run.errorStackTrace ?? null,
        ],
      },
    ];
  }

  private optimizationStatements(run: StoredRun): Statement[] {
    const result = run.result as OptimizationResult | undefined;
    const request = run.request as OptimizationRequest;
    const statements: Statement[] = [
      {
        sql: `INSERT OR REPLACE INTO optimization_runs
                (id, dataset_id, strategy, request, status, total_combinations, completed_combinations,
                 failed_combinations, objective, direction, created_at, started_at, finished_at, best_index,
                 error_message, error_stack_trace, statistics, best_trial)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          run.id,
          run.dataset,
          request.strategy ?? '',
          json(request),
          run.status,
          run.total,
          run.completed,
          run.failed,
          result?.objective ?? request.objective ?? null,
          result?.direction ?? request.direction ?? null,
          run.createdAt,
          run.startedAt,
          run.finishedAt,
          result?.best?.index ?? null,
          run.errorMessage ?? null,
          run.errorStackTrace ?? null,
          result?.statistics ? json(result.statistics) : null,
          result?.best ? json(result.best) : null,
        ],
      },
    ];
    // The trials were streamed to optimization_trials while the run ran (saveTrials); the row's
    // result carries none. (A result that does carry trials, e.g. from the in-memory fallback
    // or an older caller, adds them.)
    if (result && result.trials.length > 0) statements.push(...trialStatements(run.id, result.trials));
    return statements;
  }

  private backtestFromRow(r: Row, full: boolean): StoredRun {
    const request = parse<StoredRun['request']>(r.request)!;
    let result: BacktestResult | undefined;
    if (full && typeof r.result === 'string') {
      result = { ...metricJson.parse<Omit<BacktestResult, 'equity_curve'>>(r.result), equity_curve: curveFrom(r.equity_curve) };
    } else if (!full && typeof r.metrics === 'string') {
      // A summary: metrics and final equity only.
      result = { metrics: parse<Metrics>(r.metrics)!, final_equity: num(r.final_equity) } as unknown as BacktestResult;
    }
    const processed = Number(r.processed_bars);
    return {
      id: String(r.id),
      kind: 'backtest',
      status: String(r.status) as RunStatus,
      dataset: String(r.dataset_id),
      request,
      createdAt: Number(r.created_at),
      startedAt: num(r.started_at),
      finishedAt: num(r.finished_at),
      total: Number(r.total_bars),
      processed,
      completed: 0,
      failed: 0,
      errorMessage: text(r.error_message),
      errorStackTrace: text(r.error_stack_trace),
      result,
    };
  }

  private async optimizationFromRow(r: Row, full: boolean, withTrials = full): Promise<StoredRun> {
    const id = String(r.id);
    const objective = text(r.objective) ?? 'sharpe';
    const direction = text(r.direction) === 'min' ? 'min' : 'max';
    const trials = withTrials ? await this.rankedTrials(id, objective, direction) : [];
    const best = withTrials
      ? trials[0]?.status === 'completed' ? trials[0] : null
      : typeof r.best_trial === 'string' ? this.trialFromJson(r.best_trial)
      : typeof r.best_index === 'number' ? await this.trial(id, r.best_index)
      : full ? (await this.rankedTrials(id, objective, direction, 1))[0] ?? null : null;
    const completed = Number(r.completed_combinations);
    const failed = Number(r.failed_combinations);
    const status = String(r.status) as RunStatus;
    const hasResult = status === 'Completed' || status === 'Cancelled' || full;
    return {
      id,
      kind: 'optimization',
      status,
      dataset: String(r.dataset_id),
      request: parse<OptimizationRequest>(r.request)!,
      createdAt: Number(r.created_at),
      startedAt: num(r.started_at),
      finishedAt: num(r.finished_at),
      total: Number(r.total_combinations),
      processed: completed + failed,
      completed,
      failed,
      errorMessage: text(r.error_message),
      errorStackTrace: text(r.error_stack_trace),
      result: hasResult
        ? {
            objective,
            direction,
            total: Number(r.total_combinations),
            completed,
            failed,
            cancelled: status === 'Cancelled',
            best,
            trials,
            ...(full && typeof r.statistics === 'string' ? { statistics: parse<NonNullable<OptimizationResult['statistics']>>(r.statistics)! } : {}),
          }
        : undefined,
    };
  }

  private walkForwardStatements(run: StoredRun): Statement[] {
    const result = run.result as WalkForwardResult | undefined;
    const request = run.request as WalkForwardRequest;
    let rest: Omit<WalkForwardResult, 'equity_curve' | 'equity_time'> | null = null;
    if (result) {
      const { equity_curve: _curve, equity_time: _time, ...others } = result;
      rest = { ...others, trades: result.trades };
    }
    return [
      {
        sql: `INSERT OR REPLACE INTO walkforward_runs
                (id, dataset_id, strategy, request, status, total_windows, completed_windows, combinations, created_at,
                 started_at, finished_at, efficiency, result, equity, error_message, error_stack_trace)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          run.id,
          run.dataset,
          request.strategy ?? '',
          json(request),
          run.status,
          run.total,
          run.processed,
          run.combinations ?? 0,
          run.createdAt,
          run.startedAt,
          run.finishedAt,
          typeof result?.efficiency === 'number' && Number.isFinite(result.efficiency) ? result.efficiency : null,
          rest ? json(rest) : null,
          result ? pairsBytes(result.equity_time, result.equity_curve) : null,
          run.errorMessage ?? null,
          run.errorStackTrace ?? null,
        ],
      },
    ];
  }

  private walkForwardFromRow(r: Row, full: boolean): StoredRun {
    let result: WalkForwardResult | undefined;
    if (full && typeof r.result === 'string') {
      const { time, value } = pairsFrom(r.equity);
      result = { ...metricJson.parse<Omit<WalkForwardResult, 'equity_curve' | 'equity_time'>>(r.result), equity_curve: value, equity_time: time };
    }
    return {
      id: String(r.id),
      kind: 'walkforward',
      status: String(r.status) as RunStatus,
      dataset: String(r.dataset_id),
      request: parse<WalkForwardRequest>(r.request)!,
      createdAt: Number(r.created_at),
      startedAt: num(r.started_at),
      finishedAt: num(r.finished_at),
      total: Number(r.total_windows),
      processed: Number(r.completed_windows),
      completed: 0,
      failed: 0,
      combinations: Number(r.combinations),
      errorMessage: text(r.error_message),
      errorStackTrace: text(r.error_stack_trace),
      result,
    };
  }

  /** One trial of an optimization, or null. */
  async trialAt(runId: string, index: number): Promise<TrialRecord | null> {
    return this.trial(runId, index);
  }

  /** Every trial of an optimization as columns (index order): index, TrialState, objective. */
  async trialColumns(runId: string, objective: string): Promise<TrialColumns> {
    const rows = await this.store.query(
      `SELECT idx, CASE WHEN status = 'completed' THEN 1 WHEN ${SKIPPED_SQL} THEN 3 ELSE 2 END AS state,
              json_extract(metrics, ?) AS v
         FROM optimization_trials WHERE run_id = ? ORDER BY idx`,
      [jsonPath(objective), runId],
    );
    const n = rows.length;
    const out: TrialColumns = { index: new Float64Array(n), state: new Uint8Array(n), objective: new Float64Array(n) };
    rows.forEach((r, i) => {
      out.index[i] = Number(r.idx);
      out.state[i] = Number(r.state);
      const v = r.v;
      out.objective[i] = typeof v === 'number' ? v : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NaN;
    });
    return out;
  }

  /** A page of an optimization's trials, filtered, ranked and sorted by SQL (TrialQuery). */
  async trialPage(runId: string, q: TrialQuery): Promise<TrialPage> {
    const path = jsonPath(q.objective);
    const dir = q.direction === 'min' ? 'ASC' : 'DESC';
    const rankOrder = `status != 'completed', v IS NULL, v ${dir}, idx`;
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.outcome === 'completed') where.push("status = 'completed'");
    else if (q.outcome === 'skipped') where.push(SKIPPED_SQL);
    else if (q.outcome === 'failed') where.push(`status = 'failed' AND NOT ${SKIPPED_SQL}`);
    for (const c of q.where ?? []) {
      if (!OPS.has(c.op) || !Number.isFinite(c.value)) continue;
      const p = jsonPath(c.name);
      // A parameter first, else a metric (as the page's filter reads a trial).
      where.push(`COALESCE(json_extract(params, ?), json_extract(metrics, ?)) ${c.op === '=' ? '=' : c.op} ?`);
      params.push(p, p, c.value);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = Math.max(0, Math.min(10_000, Math.floor(q.limit)));
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const sort = q.sort && q.sort.key !== 'rank' ? q.sort : null;
    let order = rankOrder;
    if (q.sort?.key === 'rank' && q.sort.dir === -1) order = `status != 'completed', v IS NULL, v ${dir === 'DESC' ? 'ASC' : 'DESC'}, idx DESC`;
    if (sort) {
      const d = sort.dir === 1 ? 'ASC' : 'DESC';
      const key = sort.key;
      const expr = key.startsWith('p:') ? `json_extract(params, '${jsonPath(key.slice(2))}')`
        : key.startsWith('m:') ? `json_extract(metrics, '${jsonPath(key.slice(2))}')`
        : key === 'eq' ? 'final_equity'
        : key === 'status' ? 'status'
        : 'idx';
      // Nulls last whatever the direction, then by rank.
      order = `(${expr}) IS NULL, (${expr}) ${d}, ${rankOrder}`;
    }
    const base = `SELECT *, json_extract(metrics, '${path}') AS v FROM optimization_trials WHERE run_id = ?`;
    // The rank of a row is its place among all the run's completed trials, whatever the filter.
    const ranked = `SELECT *, CASE WHEN status = 'completed' THEN ROW_NUMBER() OVER (ORDER BY ${rankOrder}) END AS rank FROM (${base})`;
    // In rank order with no condition but the outcome, a row's rank is its place: no window.
    const plain = !sort && q.sort?.dir !== -1 && (q.where ?? []).length === 0 && (!q.outcome || q.outcome === 'completed');
    const rows = plain
      ? (await this.store.query(`SELECT * FROM (${base}) ${clause} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`, [runId])).map((r, i) => ({ ...r, rank: r.status === 'completed' ? offset + i + 1 : null }))
      : await this.store.query(`SELECT * FROM (${ranked}) ${clause} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`, [runId, ...params]);
    const total = Number((await this.store.query(`SELECT COUNT(*) AS n FROM optimization_trials ${clause ? `${clause} AND` : 'WHERE'} run_id = ?`, [...params, runId]))[0]?.n ?? 0);
    return { rows: rows.map((r) => ({ ...this.trialFromRow(r), rank: typeof r.rank === 'number' ? r.rank : null })), total };
  }

  private async trial(runId: string, index: number): Promise<TrialRecord | null> {
    const r = (await this.store.query('SELECT * FROM optimization_trials WHERE run_id = ? AND idx = ?', [runId, index]))[0];
    return r ? this.trialFromRow(r) : null;
  }

  /** Ranked as the engine ranks: completed by objective (best first, undefined last, ties by
   *  index), then failed ones by index. */
  private async rankedTrials(runId: string, objective: string, direction: 'max' | 'min', limit?: number): Promise<TrialRecord[]> {
    const path = jsonPath(objective);
    const order = direction === 'max' ? 'DESC' : 'ASC';
    const rows = await this.store.query(
      `SELECT * FROM optimization_trials WHERE run_id = ?
        ORDER BY status != 'completed', json_extract(metrics, ?) IS NULL, json_extract(metrics, ?) ${order}, idx${limit !== undefined ? ` LIMIT ${Math.floor(limit)}` : ''}`,
      [runId, path, path],
    );
    return rows.map((r) => this.trialFromRow(r));
  }

  /** A trial kept as JSON (optimization_runs.best_trial, migration 004), as trialFromRow reads it. */
  private trialFromJson(text: string): TrialRecord {
    const t = metricJson.parse<Partial<TrialRecord>>(text);
    return {
      index: Number(t.index),
      params: t.params ?? null,
      status: t.status === 'completed' ? 'completed' : 'failed',
      metrics: t.metrics ?? null,
      final_equity: typeof t.final_equity === 'number' ? t.final_equity : null,
      error_message: t.error_message ?? null,
      error_stack_trace: t.error_stack_trace ?? null,
    };
  }

  private trialFromRow(r: Row): TrialRecord {
    return {
      index: Number(r.idx),
      params: parse<Record<string, number>>(r.params),
      status: r.status === 'completed' ? 'completed' : 'failed',
      metrics: parse<Metrics>(r.metrics),
      final_equity: num(r.final_equity),
      error_message: text(r.error_message) ?? null,
      error_stack_trace: text(r.error_stack_trace) ?? null,
    };
  }
}
