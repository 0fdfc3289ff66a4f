#include "merge.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "app_database.h"
#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/optimization_statistics.h"
#include "atf/pine.h"

namespace atf::cli {
namespace {

constexpr int kExitFailed = 1, kExitUsage = 2;

int fail(const std::string& message, int code) {
  std::fprintf(stderr, "atf: %s\n", message.c_str());
  return code;
}

Result<std::string> read_file(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error::validation(what, what + ": cannot read '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// The request as the shards ran it, script source put back (the shard document keeps it under
/// "script") so that the grid and the best trial's re-run can be rebuilt.
nlohmann::json runnable_request(const nlohmann::json& doc) {
  nlohmann::json req = doc["request"];
  if (doc.contains("script") && doc["script"].contains("source")) req["script"] = doc["script"]["source"];
  return req;
}

/// The request in the web app's format (DESIGN.md's JS API): what its import stores and re-runs.
nlohmann::json app_request(const nlohmann::json& doc, const std::string& dataset) {
  const nlohmann::json& r = doc["request"];
  nlohmann::json out{{"dataset", dataset}, {"strategy", r["strategy"]}, {"params", r["params"]}, {"broker", r["broker"]},
                     {"axes", r["axes"]}, {"objective", r["objective"]}, {"direction", r["direction"]},
                     {"max_combinations", r["max_combinations"]}};
  if (doc.contains("script") && doc["script"].contains("source")) {
    out["script"] = doc["script"]["source"];
    out["script_hash"] = doc["script"]["hash"];
    if (r.contains("text_inputs") && !r["text_inputs"].empty()) out["inputs"] = r["text_inputs"];
    if (r.contains("trade_from") && !r["trade_from"].is_null()) out["trade_from"] = r["trade_from"];
  }
  return out;
}

std::string base_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

}  // namespace

int run_merge(const std::vector<std::string>& args) {
  std::string out_path, data_path, sqlite_path, script_path;
  DateOrder date_order = DateOrder::kUnknown;
  std::vector<std::string> shard_paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "--data" || a == "--out-sqlite" || a == "--date-order" || a == "--script") {
      const std::string* v = value();
      if (!v) return fail(a + ": needs a value", kExitUsage);
      if (a == "--data") data_path = *v;
      if (a == "--out-sqlite") sqlite_path = *v;
      if (a == "--script") script_path = *v;
      if (a == "--date-order") {
        auto order = parse_date_order(*v, "--date-order");
        if (!order) return fail("--date-order: " + order.error().message, kExitUsage);
        date_order = *order;
      }
    } else if (!a.empty() && a[0] == '-') {
      return fail(a + ": unknown option; usage: atf merge OUT.json SHARD.json... [--data FILE] [--script FILE.pine] [--out-sqlite FILE]", kExitUsage);
    } else if (out_path.empty()) {
      out_path = a;
    } else {
      shard_paths.push_back(a);
    }
  }
  if (out_path.empty() || shard_paths.empty()) return fail("merge: usage: atf merge OUT.json SHARD.json... [--data FILE] [--script FILE.pine] [--out-sqlite FILE]", kExitUsage);

  // The shards: each K of one N exactly once, the same request and data.
  std::vector<nlohmann::json> docs;
  std::map<int64_t, std::string> by_index;
  for (const auto& path : shard_paths) {
    auto text = read_file(path, "merge");
    if (!text) return fail(text.error().message, kExitUsage);
    nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return fail(path + ": not a JSON document", kExitUsage);
    if (!doc.contains("shard") || !doc.contains("request") || !doc.contains("trials")) {
      return fail(path + ": not a shard (made by atf optimize --shard K/N --json)", kExitUsage);
    }
    const nlohmann::json& first = docs.empty() ? doc : docs.front();
    if (doc["shard"]["count"] != first["shard"]["count"] || doc["shard"]["planned"] != first["shard"]["planned"]) {
      return fail(path + ": shard " + doc["shard"]["index"].dump() + "/" + doc["shard"]["count"].dump() +
                      " is not of the same split as " + shard_paths.front(), kExitUsage);
    }
    if (doc["request"] != first["request"]) return fail(path + ": its request differs from " + shard_paths.front() + "'s", kExitUsage);
    if (doc.value("kept_top", int64_t{0}) != first.value("kept_top", int64_t{0})) {
      return fail(path + ": its --keep-top differs from " + shard_paths.front() + "'s", kExitUsage);
    }
    for (const char* key : {"bars", "first_time", "last_time", "price_decimals"}) {
      if (doc["data"][key] != first["data"][key]) {
        return fail(path + ": its data differs from " + shard_paths.front() + "'s (" + key + ")", kExitUsage);
      }
    }
    if (doc.value("/script/hash"_json_pointer, std::string()) != first.value("/script/hash"_json_pointer, std::string())) {
      return fail(path + ": its script differs from " + shard_paths.front() + "'s", kExitUsage);
    }
    const int64_t k = doc["shard"]["index"].get<int64_t>();
    if (by_index.count(k)) return fail(path + ": shard " + std::to_string(k) + " is also " + by_index[k], kExitUsage);
    by_index[k] = path;
    docs.push_back(std::move(doc));
  }
  const int64_t n = docs.front()["shard"]["count"].get<int64_t>();
  std::string missing;
  for (int64_t k = 1; k <= n; ++k) {
    if (!by_index.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  }
  if (!missing.empty()) return fail("merge: shards " + missing + " of " + std::to_string(n) + " are missing", kExitUsage);

  const nlohmann::json& head = docs.front();
  auto request = optimization_request_from_json(runnable_request(head));
  if (!request) return fail("merge: the shards' request: " + request.error().message, kExitUsage);
  auto grid = validate_optimization(*request);
  if (!grid) return fail("merge: the shards' request: " + grid.error().message, kExitUsage);

  // The data: --data, else the file the first shard read (same content checked below).
  if (data_path.empty()) data_path = head["data"]["file"].get<std::string>();
  CsvImportOptions opt;
  opt.date_order = date_order;
  opt.symbol = base_name(data_path);
  opt.from_ms = head["data"]["first_time"].get<int64_t>();
  opt.to_ms = head["data"]["last_time"].get<int64_t>();
  auto imported = import_csv_file(data_path, opt);
  if (!imported) return fail(data_path + ": " + imported.error().message, kExitUsage);
  const int64_t bars = static_cast<int64_t>(imported->bars.size());
  auto md = prepare_market_data(std::move(imported->bars));
  if (!md) return fail(data_path + ": " + md.error().message, kExitUsage);
  if (bars != head["data"]["bars"].get<int64_t>() || (*md)->decimals != head["data"]["price_decimals"].get<int>()) {
    return fail(data_path + ": not the data the shards ran on (" + std::to_string(bars) + " bars, the shards " +
                    head["data"]["bars"].dump() + ")", kExitUsage);
  }
  if (auto st = prepare_script_request(request->base, **md); !st) return fail("merge: " + st.error().message, kExitUsage);

  OptimizationResult result;
  result.grid = *grid;
  result.objective = request->objective;
  result.maximize = request->maximize;
  result.search = request->search;
  result.total = head["shard"]["planned"].get<int64_t>();
  // --keep-top shards list only their best trials: the counts come from the shards' own, the
  // Sharpe ratios' moments (for DSR) are combined, and the merge keeps the best of the best.
  const int64_t kept_top = head.value("kept_top", int64_t{0});
  SharpeMoments moments;
  std::set<int64_t> seen;
  for (const auto& doc : docs) {
    result.cancelled = result.cancelled || doc.value("cancelled", false);
    for (const auto& tj : doc["trials"]) {
      auto t = trial_from_json(tj);
      if (!t) return fail("merge: " + t.error().message, kExitUsage);
      if (!seen.insert(t->index).second) return fail("merge: trial #" + std::to_string(t->index) + " is in two shards", kExitUsage);
      if (kept_top == 0) (t->ok ? result.completed : result.failed)++;
      result.trials.push_back(std::move(*t));
    }
    if (kept_top > 0) {
      result.completed += doc.value("completed", int64_t{0});
      result.failed += doc.value("failed", int64_t{0});
      const auto& m = doc.value("sharpe_moments", nlohmann::json::object());
      moments.merge(SharpeMoments{m.value("n", int64_t{0}), m.value("mean", 0.0), m.value("m2", 0.0)});
    }
  }
  if (request->statistics_blocks > 0 && bars >= 2 * request->statistics_blocks) {
    result.block_bounds = block_bounds(bars, request->statistics_blocks);
  }
  rank_trials(result.trials, result.objective, result.maximize);
  if (kept_top > 0 && static_cast<int64_t>(result.trials.size()) > kept_top) result.trials.resize(static_cast<size_t>(kept_top));
  if (!result.trials.empty() && result.trials.front().ok) result.best_index = result.trials.front().index;

  // The document a single-process `atf optimize --json` prints (trials without block sums).
  nlohmann::json doc = to_json(result, -1, false);
  doc["request"] = head["request"];
  doc["data"] = head["data"];
  doc["data"]["file"] = data_path;
  double elapsed = 0;
  for (const auto& d : docs) elapsed += d.value("elapsed_s", 0.0);
  doc["elapsed_s"] = elapsed;  // total compute time of the shards
  if (kept_top > 0) {
    doc["kept_top"] = kept_top;
    doc["sharpe_moments"] = {{"n", moments.n}, {"mean", moments.mean}, {"m2", moments.m2}};
  }
  if (result.best_index && !result.cancelled) {
    Result<OptimizationStatistics> stats = Error::make(ErrorCode::kInternal, "not computed");
    if (kept_top == 0) {
      stats = optimization_statistics(**md, *request, result, 1000, request->search.seed);
    } else {
      // Only the best trials are here: the best cell's neighbours that were left out are run
      // again (at most 3^d − 1 trials, deterministic), so stability is the single-process one;
      // PBO would rank a selection-biased subset, so it is not computed.
      OptimizationResult assessed = result;
      std::vector<int64_t> sizes;
      for (const auto& axis : result.grid.axes()) sizes.push_back(static_cast<int64_t>(axis.values.size()));
      std::set<int64_t> kept;
      for (const auto& t : result.trials) kept.insert(t.index);
      std::vector<int64_t> left_out;
      for (int64_t i : moore_neighbours(sizes, *result.best_index)) {
        if (!kept.count(i)) left_out.push_back(i);
      }
      auto extra = run_grid_trials(**md, *request, result.grid, left_out, RunHooks{});
      for (auto& t : extra) assessed.trials.push_back(std::move(t));
      assessed.block_bounds.clear();
      stats = optimization_statistics(**md, *request, assessed, 1000, request->search.seed, &moments);
      if (stats) {
        stats->pbo = PboResult{};
        stats->pbo.reason = "not computed: the shards kept only their best " + std::to_string(kept_top) +
                            " trials (--keep-top); PBO needs every trial";
      }
    }
    if (stats) doc["statistics"] = to_json(*stats);
  }
  if (head.contains("script")) {
    doc["script"] = head["script"];
    // --script: the shards ran a copy (e.g. on Dask workers); the merged result names the
    // user's file, provided it is the very source the shards ran.
    if (!script_path.empty()) {
      auto source = read_file(script_path, "--script");
      if (!source) return fail(source.error().message, kExitUsage);
      if (*source != head["script"].value("source", std::string())) {
        return fail("--script: " + script_path + " is not the script the shards ran", kExitUsage);
      }
      doc["script"]["path"] = script_path;
    }
  } else if (!script_path.empty()) {
    return fail("--script: the shards ran a built-in strategy, not a script", kExitUsage);
  }
  {
    std::ofstream f(out_path, std::ios::binary | std::ios::trunc);
    if (!f) return fail("merge: cannot write '" + out_path + "'", kExitFailed);
    f << doc.dump(2) << "\n";
    if (!f) return fail("merge: writing '" + out_path + "' failed", kExitFailed);
  }
  if (!sqlite_path.empty()) {
    auto csv = read_file(data_path, "--data");
    if (!csv) return fail(csv.error().message, kExitUsage);
    AppOptimization app;
    app.dataset_name = base_name(data_path);
    app.csv = *csv;
    app.strategy = head["request"]["strategy"].get<std::string>();
    app.request = app_request(head, app.dataset_name);
    app.status = result.cancelled ? "Cancelled" : "Completed";
    app.total = result.total;
    app.completed = result.completed;
    app.failed = result.failed;
    app.objective = result.objective;
    app.direction = result.maximize ? "max" : "min";
    app.best_index = result.best_index.value_or(-1);
    app.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    // A stable id from what was merged: the same shards give the same run (an import replaces it).
    app.id = "merged-" + std::to_string(std::hash<std::string>{}(head["request"].dump() + std::to_string(result.total)));
    app.trials = doc["trials"];
    if (doc.contains("statistics")) app.statistics = doc["statistics"];
    if (auto st = write_app_database(sqlite_path, app); !st) {
      return fail(st.error().message, st.error().code == ErrorCode::kValidation ? kExitUsage : kExitFailed);
    }
  }
  std::printf("merged %zu shards: %lld trials (%lld completed, %lld failed)%s -> %s%s%s\n", docs.size(),
              static_cast<long long>(result.total), static_cast<long long>(result.completed),
              static_cast<long long>(result.failed),
              result.cancelled ? ", some shards were cancelled"
                               : (kept_top > 0 ? (", the best " + std::to_string(result.trials.size()) + " kept").c_str() : ""),
              out_path.c_str(), sqlite_path.empty() ? "" : " and ", sqlite_path.c_str());
  if (result.best_index) {
    std::printf("best      #%lld %s\n", static_cast<long long>(*result.best_index),
                format_params(result.grid.params_at(*result.best_index)).c_str());
  }
  return 0;
}

}  // namespace atf::cli
