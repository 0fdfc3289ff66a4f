-- 2 -> 3: the robustness lab (issue 16): an optimization's overfitting statistics, and walk-forward runs.
ALTER TABLE optimization_runs ADD COLUMN statistics TEXT;  -- JSON: psr, dsr, pbo, monte_carlo, stability (or {unavailable})
CREATE TABLE walkforward_runs (
  id TEXT PRIMARY KEY,
  dataset_id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  request TEXT NOT NULL,             -- JSON: the optimization request plus walk_forward {in_sample, out_of_sample, step, anchored}
  status TEXT NOT NULL,              -- Pending | Running | Completed | Failed | Cancelled
  total_windows INTEGER NOT NULL,
  completed_windows INTEGER NOT NULL DEFAULT 0,
  combinations INTEGER NOT NULL,     -- trials of each window's in-sample optimization
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  efficiency REAL,                   -- walk-forward efficiency (null when undefined)
  result TEXT,                       -- JSON: windows, out_of_sample, stability, trades (equity apart)
  equity BLOB,                       -- stitched out-of-sample equity: float64 (time ms, value) pairs
  error_message TEXT,
  error_stack_trace TEXT
);
CREATE INDEX walkforward_runs_created ON walkforward_runs (created_at);
