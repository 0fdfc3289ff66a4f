// Writes an optimization into a new SQLite database in the web app's schema, which the app's
// "Import database" opens as one of its own runs (`atf merge --out-sqlite`).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "atf/error.h"

namespace atf::cli {

/// What the app stores of an optimization (web/src/storage/migrations): the dataset as its CSV
/// text, the run row and one row per trial.
struct AppOptimization {
  std::string id;            ///< run id (unique; the app's own are UUIDs)
  std::string dataset_name;  ///< what the run refers to; the CSV is stored under it
  std::string csv;           ///< the data file as imported
  std::string strategy;
  nlohmann::json request;    ///< in the app's request format (DESIGN.md's JS API)
  std::string status = "Completed";
  int64_t total = 0, completed = 0, failed = 0;
  std::string objective, direction;
  int64_t best_index = -1;   ///< −1: none
  int64_t created_ms = 0;
  nlohmann::json trials;     ///< to_json(OptimizationResult)["trials"]
  /// to_json(OptimizationStatistics), shown in the app's Robustness tab; null when not computed.
  nlohmann::json statistics;
};

/// Creates `path` (refused if it exists) with the app's schema and `run`. Errors: kValidation on
/// "--out-sqlite" (exists, cannot create), kRuntime on a SQLite failure; a build without SQLite
/// (the Wasm CLI) answers kValidation saying so.
Status write_app_database(const std::string& path, const AppOptimization& run);

}  // namespace atf::cli
