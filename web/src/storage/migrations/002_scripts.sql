-- 1 -> 2: the scripts library (Pine scripts the user keeps; every save is a version).
CREATE TABLE scripts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  draft TEXT,                      -- edits not saved as a version yet (NULL: the latest version's text)
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE script_versions (
  script_id TEXT NOT NULL,
  version INTEGER NOT NULL,        -- 1, 2, 3… per script
  source TEXT NOT NULL,
  hash TEXT NOT NULL,              -- FNV-1a 64 of the source (runs record the same hash)
  created_at INTEGER NOT NULL,
  PRIMARY KEY (script_id, version)
) WITHOUT ROWID;
CREATE INDEX script_versions_hash ON script_versions (hash);
