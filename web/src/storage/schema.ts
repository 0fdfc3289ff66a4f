// The results database: one SQLite file (stored page by page in IndexedDB, sqlite-store.ts). The
// schema is versioned from day one; MIGRATIONS[i] takes a database from version i to i + 1.
import initialSchema from './migrations/001_initial.sql?raw';
import scriptsSchema from './migrations/002_scripts.sql?raw';
import robustness from './migrations/003_robustness.sql?raw';
import listIndexes from './migrations/004_list_indexes.sql?raw';

export const SCHEMA_VERSION = 4;

/** Tables every database of ours has; an import without them is refused. */
export const REQUIRED_TABLES = ['meta', 'datasets', 'backtest_runs', 'optimization_runs', 'optimization_trials'];

// The SQL lives in migrations/NNN_*.sql, one file per version step, so that the native CLI
// (`atf merge --out-sqlite`, which embeds the same files at build time) writes the same schema.
export const MIGRATIONS: string[] = [initialSchema, scriptsSchema, robustness, listIndexes];
