#include "app_database.h"

#include <sys/stat.h>

#include "app_schema.h"

#ifdef ATF_HAVE_SQLITE
#include <sqlite3.h>
#endif

namespace atf::cli {

#ifndef ATF_HAVE_SQLITE

Status write_app_database(const std::string&, const AppOptimization&) {
  return Error::validation("--out-sqlite", "--out-sqlite: this build of atf has no SQLite (build it natively)");
}

#else

namespace {

/// One connection, closed on every path; errors carry SQLite's message.
class Db {
 public:
  ~Db() {
    if (db_) sqlite3_close(db_);
  }
  Status open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      return Error::validation("--out-sqlite", "--out-sqlite: cannot create '" + path + "': " + sqlite3_errmsg(db_));
    }
    return Ok{};
  }
  Status exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      Error e = Error::make(ErrorCode::kRuntime, std::string("SQLite: ") + (msg ? msg : "error"));
      sqlite3_free(msg);
      return e;
    }
    return Ok{};
  }
  /// Runs `sql` once with `bind(stmt)` binding its parameters.
  template <class Bind>
  Status run(const char* sql, Bind bind) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return failure();
    bind(st);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? Status(Ok{}) : failure();
  }
  sqlite3* get() { return db_; }

 private:
  Status failure() { return Error::make(ErrorCode::kRuntime, std::string("SQLite: ") + sqlite3_errmsg(db_)); }
  sqlite3* db_ = nullptr;
};

void text(sqlite3_stmt* st, int i, const std::string& s) { sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
void nullable_text(sqlite3_stmt* st, int i, const nlohmann::json& v) {
  if (v.is_null()) sqlite3_bind_null(st, i);
  else text(st, i, v.is_string() ? v.get<std::string>() : v.dump());
}

}  // namespace

Status write_app_database(const std::string& path, const AppOptimization& run) {
  struct stat info {};
  if (stat(path.c_str(), &info) == 0) {
    return Error::validation("--out-sqlite", "--out-sqlite: '" + path + "' exists; give a new file");
  }
  Db db;
  if (auto st = db.open(path); !st) return st;
  if (auto st = db.exec("BEGIN"); !st) return st;
  for (const char* migration : kAppMigrations) {
    if (auto st = db.exec(migration); !st) return st;
  }
  const std::string version = std::to_string(std::size(kAppMigrations));
  if (auto st = db.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [&](sqlite3_stmt* s) { text(s, 1, version); }); !st) {
    return st;
  }
  if (auto st = db.run("INSERT INTO datasets (name, source, bytes, csv, created_at) VALUES (?, 'csv', ?, ?, ?)",
                       [&](sqlite3_stmt* s) {
                         text(s, 1, run.dataset_name);
                         sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(run.csv.size()));
                         text(s, 3, run.csv);
                         sqlite3_bind_int64(s, 4, run.created_ms);
                       });
      !st) {
    return st;
  }
  if (auto st = db.run(
          "INSERT INTO optimization_runs (id, dataset_id, strategy, request, status, total_combinations, "
          "completed_combinations, failed_combinations, objective, direction, created_at, started_at, finished_at, "
          "best_index, statistics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          [&](sqlite3_stmt* s) {
            text(s, 1, run.id);
            text(s, 2, run.dataset_name);
            text(s, 3, run.strategy);
            text(s, 4, run.request.dump());
            text(s, 5, run.status);
            sqlite3_bind_int64(s, 6, run.total);
            sqlite3_bind_int64(s, 7, run.completed);
            sqlite3_bind_int64(s, 8, run.failed);
            text(s, 9, run.objective);
            text(s, 10, run.direction);
            for (int i : {11, 12, 13}) sqlite3_bind_int64(s, i, run.created_ms);
            if (run.best_index >= 0) sqlite3_bind_int64(s, 14, run.best_index);
            else sqlite3_bind_null(s, 14);
            if (run.statistics.is_object()) text(s, 15, run.statistics.dump());
            else sqlite3_bind_null(s, 15);
          });
      !st) {
    return st;
  }
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "INSERT INTO optimization_trials (run_id, idx, params, status, metrics, final_equity, "
                         "error_message, error_stack_trace) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &ins, nullptr) != SQLITE_OK) {
    return Error::make(ErrorCode::kRuntime, std::string("SQLite: ") + sqlite3_errmsg(db.get()));
  }
  for (const auto& t : run.trials) {
    sqlite3_reset(ins);
    text(ins, 1, run.id);
    sqlite3_bind_int64(ins, 2, t["index"].get<int64_t>());
    nullable_text(ins, 3, t["params"]);
    text(ins, 4, t["status"].get<std::string>());
    // Metrics as the app writes them: JSON text, +∞ as "Infinity" (to_json already does).
    nullable_text(ins, 5, t["metrics"]);
    if (t["final_equity"].is_number()) sqlite3_bind_double(ins, 6, t["final_equity"].get<double>());
    else sqlite3_bind_null(ins, 6);
    nullable_text(ins, 7, t["error_message"]);
    nullable_text(ins, 8, t["error_stack_trace"]);
    if (sqlite3_step(ins) != SQLITE_DONE) {
      Error e = Error::make(ErrorCode::kRuntime, std::string("SQLite: ") + sqlite3_errmsg(db.get()));
      sqlite3_finalize(ins);
      return e;
    }
  }
  sqlite3_finalize(ins);
  return db.exec("COMMIT");
}

#endif

}  // namespace atf::cli
