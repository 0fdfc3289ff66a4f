-- 3 -> 4: the runs list and the start-up check read index pages, not run rows (issue 13). A
-- backtest row holds its trades and equity curve (tens of KB): with the database stored page by
-- page, reading 500 such rows for a list line each meant tens of MB. The list's columns, in an
-- index ordered as the list, answer it alone; the Pending/Running check finds its rows by status.
CREATE INDEX backtest_runs_list ON backtest_runs (created_at, id, status, dataset_id, strategy, total_bars, processed_bars,
  started_at, finished_at, final_equity, metrics, error_message, error_stack_trace, request);
CREATE INDEX backtest_runs_status ON backtest_runs (status);
CREATE INDEX optimization_runs_status ON optimization_runs (status);
CREATE INDEX walkforward_runs_status ON walkforward_runs (status);
-- An optimization's list line shows its best trial: kept on the run's row (JSON, as a TrialRecord),
-- so that the list does not read one trial page per optimization. Filled here for existing runs.
ALTER TABLE optimization_runs ADD COLUMN best_trial TEXT;
UPDATE optimization_runs SET best_trial = (
  SELECT json_object('index', t.idx, 'params', json(t.params), 'status', t.status, 'metrics', json(t.metrics),
                     -- 17 digits: json_object writes a REAL with 15, which does not read back the same double
                     'final_equity', CASE WHEN abs(t.final_equity) < 1e308 THEN json(printf('%.17g', t.final_equity)) END,
                     'error_message', t.error_message, 'error_stack_trace', t.error_stack_trace)
    FROM optimization_trials t WHERE t.run_id = optimization_runs.id AND t.idx = optimization_runs.best_index)
 WHERE best_index IS NOT NULL;
