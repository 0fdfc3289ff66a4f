-- 3 -> 4: the runs list and the start-up check read index pages, not run rows (issue 13). A
-- backtest row holds its trades and equity curve (tens of KB): with the database stored page by
-- page, reading 500 such rows for a list line each meant tens of MB. The list's columns, in an
-- index ordered as the list, answer it alone; the Pending/Running check finds its rows by status.
CREATE INDEX backtest_runs_list ON backtest_runs (created_at, id, status, dataset_id, strategy, total_bars, processed_bars,
  started_at, finished_at, final_equity, metrics, error_message, error_stack_trace, request);
CREATE INDEX backtest_runs_status ON backtest_runs (status);
CREATE INDEX optimization_runs_status ON optimization_runs (status);
CREATE INDEX walkforward_runs_status ON walkforward_runs (status);
