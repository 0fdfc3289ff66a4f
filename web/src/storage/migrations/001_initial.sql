-- 0 -> 1: the first schema.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE datasets (
  name TEXT PRIMARY KEY,           -- what runs refer to (their dataset_id)
  source TEXT NOT NULL,            -- 'csv' (imported by the user)
  bytes INTEGER NOT NULL,
  csv TEXT NOT NULL,               -- the file as imported, stored once for any number of runs
  created_at INTEGER NOT NULL
);
CREATE TABLE backtest_runs (
  id TEXT PRIMARY KEY,
  dataset_id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  request TEXT NOT NULL,           -- JSON
  status TEXT NOT NULL,            -- Pending | Running | Completed | Failed | Cancelled
  total_bars INTEGER NOT NULL,
  processed_bars INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  final_equity REAL,
  metrics TEXT,                    -- JSON
  result TEXT,                     -- JSON without the equity curve
  equity_curve BLOB,               -- float64 per bar
  error_message TEXT,
  error_stack_trace TEXT
);
CREATE INDEX backtest_runs_created ON backtest_runs (created_at);
CREATE TABLE optimization_runs (
  id TEXT PRIMARY KEY,
  dataset_id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  request TEXT NOT NULL,
  status TEXT NOT NULL,
  total_combinations INTEGER NOT NULL,
  completed_combinations INTEGER NOT NULL DEFAULT 0,
  failed_combinations INTEGER NOT NULL DEFAULT 0,
  objective TEXT,
  direction TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  best_index INTEGER,
  error_message TEXT,
  error_stack_trace TEXT
);
CREATE INDEX optimization_runs_created ON optimization_runs (created_at);
CREATE TABLE optimization_trials (
  run_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  params TEXT,                     -- JSON
  status TEXT NOT NULL,            -- completed | failed
  metrics TEXT,                    -- JSON
  final_equity REAL,
  error_message TEXT,
  error_stack_trace TEXT,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
