// The engine as seen from JavaScript: embind functions that take and return JSON strings, with
// datasets held in a per-instance registry. The contract is wasm/atf_engine.d.ts.
//
// Rules every entry point follows:
// - Errors cross as values: {"ok":false,"error":{code,message,field?,line?,column?,stack?}}. Every
//   entry point catches std::exception and ...; no C++ exception ever reaches JS (under
//   Emscripten 3.1.6 JS would only see a bare pointer).
// - Ids are checked against the registry: a stale or unknown dataset id is "not_found".
// - Buffers: the only bulk output, the equity curve, is copied into a JS-owned Float64Array by
//   takeEquityCurve(), which then frees the C++ copy (the squoosh pattern). Inputs (CSV text, bar
//   columns) are copied into the Wasm heap; the caller keeps its arrays.
// - Callbacks (onProgress, claim, onTrial) are called through a JS try/catch: one that throws
//   stops the call, which answers {"code":"internal","message":"onTrial threw: ..."}. (A JS
//   exception unwinding through Wasm frames would skip C++ destructors and leak that call's memory.)
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atf/backtest.h"
#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/pine_json.h"
#include "atf/market_data.h"
#include "atf/metrics.h"
#include "atf/optimization_statistics.h"
#include "atf/optimizer.h"
#include "atf/progress.h"
#include "atf/search.h"
#include "atf/statistics.h"
#include "atf/strategy.h"
#include "atf/walkforward.h"

#include "answer.h"
#include "js_callbacks.h"

#ifndef ATF_VERSION
#define ATF_VERSION "0.0.0"
#endif

namespace {

using emscripten::val;
using nlohmann::json;
using namespace atf::wasm;  // NOLINT(google-build-using-namespace): this file's own helpers

/// A string argument; any other JS value is a validation error on `field` (rather than embind's
/// BindingError thrown at the caller).
atf::Result<std::string> string_arg(const val& v, const char* field) {
  if (!v.isString()) return atf::Error::validation(field, std::string(field) + " must be a string");
  return v.as<std::string>();
}

// ---- dataset registry ----------------------------------------------------------------------

/// Datasets of this instance by id. Ids start at 1 and are never reused, so a stale id can only
/// be not_found, never someone else's data.
class Registry {
 public:
  int add(std::shared_ptr<const atf::MarketData> md) {
    const int id = next_++;
    sets_.emplace(id, std::move(md));
    return id;
  }
  std::shared_ptr<const atf::MarketData> find(int id) const {
    auto it = sets_.find(id);
    return it == sets_.end() ? nullptr : it->second;
  }
  void erase(int id) { sets_.erase(id); }

 private:
  std::map<int, std::shared_ptr<const atf::MarketData>> sets_;
  int next_ = 1;
};

Registry& registry() {
  static Registry r;
  return r;
}

atf::Error dataset_not_found(int id) {
  atf::Error e = atf::Error::make(atf::ErrorCode::kNotFound,
                                  "unknown dataset " + std::to_string(id) + " (never loaded, or freed)");
  e.field = "dataset";
  return e;
}

/// The value part of importCsv/loadBars answers.
json dataset_json(int id, const atf::MarketData& md) {
  const auto& b = md.bars;
  return json{{"dataset", id},
              {"bars", static_cast<int64_t>(b.size())},
              {"first_time", b.time.front()},
              {"last_time", b.time.back()},
              {"price_decimals", md.decimals},
              {"exact_prices", md.exact},
              {"bars_per_year", md.bars_per_year},
              {"symbol", b.symbol}};
}

// ---- the equity curve of the last run --------------------------------------------------------

/// Owned here from the end of runBacktest/rerunTrial until takeEquityCurve() copies it out and
/// frees it. Each run discards the previous curve first, so after a failed run it is empty.
std::vector<double>& last_curve() {
  static std::vector<double> curve;
  return curve;
}
void drop_curve() { std::vector<double>().swap(last_curve()); }

// ---- entry points ----------------------------------------------------------------------------

std::string version() {
  return guarded([] { return dump(json{{"version", ATF_VERSION}, {"schema", atf::kSchemaVersion}}); });
}

std::string strategies() {
  return guarded([] {
    json out = json::array();
    for (const auto& s : atf::strategy_catalog()) {
      if (!s.hidden) out.push_back(atf::to_json(s));
    }
    return dump(out);
  });
}

std::string metrics() {
  return guarded([] {
    json out = json::array();
    for (const auto& m : atf::metric_catalog()) {
      out.push_back({{"name", m.name}, {"higher_is_better", m.higher_is_better}, {"description", m.description}});
    }
    return dump(out);
  });
}

/// Reads options.from / options.to: UTC ms, or a date text as the CLI accepts ("2001-01-31").
atf::Status read_time_option(const json& o, const char* key, bool end_of_day, int64_t& out) {
  if (!o.contains(key) || o[key].is_null()) return atf::Ok{};
  const std::string field = std::string("options.") + key;
  const json& v = o[key];
  if (v.is_number()) {
    const double ms = v.get<double>();
    if (!std::isfinite(ms) || ms != std::floor(ms) || std::fabs(ms) > 9007199254740992.0) {
      return atf::Error::validation(field, field + " must be a whole number of UTC milliseconds");
    }
    out = static_cast<int64_t>(ms);
    return atf::Ok{};
  }
  if (v.is_string()) {
    auto t = atf::parse_time_arg(v.get<std::string>(), end_of_day);
    if (!t) return atf::Error::validation(field, field + ": " + t.error().message);
    out = *t;
    return atf::Ok{};
  }
  return atf::Error::validation(field, field + " must be UTC milliseconds or a date");
}

std::string import_csv(const val& text_arg, const val& options_arg) {
  return guarded([&] {
    auto text = string_arg(text_arg, "text");
    if (!text) return fail(text.error());
    std::string options_json;
    if (!options_arg.isUndefined() && !options_arg.isNull()) {
      auto o = string_arg(options_arg, "options");
      if (!o) return fail(o.error());
      options_json = std::move(*o);
    }
    atf::CsvImportOptions opts;
    atf::CsvErrorList all_errors;
    bool list_errors = false;
    if (!options_json.empty()) {
      auto o = parse_json(options_json, "options");
      if (!o) return fail(o.error());
      if (!o->is_null()) {
        if (!o->is_object()) return fail(atf::Error::validation("options", "options must be a JSON object"));
        if (auto st = read_time_option(*o, "from", false, opts.from_ms); !st) return fail(st.error());
        if (auto st = read_time_option(*o, "to", true, opts.to_ms); !st) return fail(st.error());
        if (o->contains("symbol") && !(*o)["symbol"].is_null()) {
          if (!(*o)["symbol"].is_string()) return fail(atf::Error::validation("options.symbol", "options.symbol must be a string"));
          opts.symbol = (*o)["symbol"].get<std::string>();
        }
        // "dmy" | "mdy" | "ymd": the order of dates whose year comes last (refused until stated).
        if (o->contains("date_order") && !(*o)["date_order"].is_null()) {
          const json& d = (*o)["date_order"];
          auto order = d.is_string() ? atf::parse_date_order(d.get<std::string>(), "options.date_order")
                                     : atf::Result<atf::DateOrder>(atf::Error::validation(
                                           "options.date_order", "options.date_order must be \"dmy\", \"mdy\" or \"ymd\""));
          if (!order) return fail(order.error());
          opts.date_order = *order;
        }
        // list_errors: N -> a refused file's error lists its first N bad lines (and counts all).
        if (o->contains("list_errors") && !(*o)["list_errors"].is_null()) {
          const json& n = (*o)["list_errors"];
          if (!n.is_number_integer() || n.get<int64_t>() < 1 || n.get<int64_t>() > 1000) {
            return fail(atf::Error::validation("options.list_errors", "options.list_errors must be a whole number from 1 to 1000"));
          }
          list_errors = true;
          all_errors.max_listed = static_cast<size_t>(n.get<int64_t>());
        }
      }
    }
    auto imported = atf::import_csv(*text, opts, list_errors ? &all_errors : nullptr);
    if (!imported) {
      if (!list_errors || all_errors.count == 0) return fail(imported.error());
      json answer = json::parse(fail(imported.error()));
      json listed = json::array();
      for (const atf::Error& e : all_errors.errors) {
        listed.push_back(json{{"line", e.line}, {"column", e.column}, {"field", e.field}, {"message", e.message}});
      }
      answer["error"]["errors"] = std::move(listed);
      answer["error"]["error_count"] = all_errors.count;
      return dump(answer);
    }
    const atf::CsvLayout layout = imported->layout;
    const int64_t rows_read = imported->rows_read, rows_skipped = imported->rows_skipped;
    const int64_t rows_without_prices = imported->rows_without_prices;
    const int64_t first_line_without_prices = imported->first_line_without_prices;
    const bool newest_first = imported->newest_first;
    const std::vector<std::string> notices = atf::import_notices(*imported);
    auto md = atf::prepare_market_data(std::move(imported->bars));
    if (!md) return fail(md.error());
    const int id = registry().add(*md);
    json value = dataset_json(id, **md);
    value["rows_read"] = rows_read;
    value["rows_skipped"] = rows_skipped;
    value["rows_without_prices"] = rows_without_prices;
    value["first_line_without_prices"] = rows_without_prices > 0 ? json(first_line_without_prices) : json(nullptr);
    value["newest_first"] = newest_first;
    value["notices"] = notices;
    value["layout"] = json{{"separator", std::string(1, layout.separator)},
                           {"has_header", layout.has_header},
                           {"time_format", layout.time_format},
                           {"columns", layout.columns},
                           {"time_col", layout.time_col},
                           {"open_col", layout.open_col},
                           {"high_col", layout.high_col},
                           {"low_col", layout.low_col},
                           {"close_col", layout.close_col},
                           {"volume_col", layout.volume_col},
                           {"clock_col", layout.clock_col},
                           {"date_style", layout.date_style},
                           {"decimal_mark", std::string(1, layout.decimal_mark)}};
    return ok(std::move(value));
  });
}

/// Copies a JS typed array (or array) of numbers into `out` with one TypedArray.set.
void copy_column(const val& from, std::vector<double>& out) {
  const auto n = from["length"].as<size_t>();
  out.resize(n);
  if (n == 0) return;
  // The view must be made after resize (the heap may have grown) and used before any allocation.
  val view(emscripten::typed_memory_view(n, out.data()));
  view.call<void>("set", from);
}

std::string load_bars(const val& time, const val& open, const val& high, const val& low, const val& close,
                      const val& volume) {
  return guarded([&] {
    static const char* const kNames[] = {"time", "open", "high", "low", "close", "volume"};
    const val* columns[] = {&time, &open, &high, &low, &close, &volume};
    for (int i = 0; i < 6; ++i) {
      const val& c = *columns[i];
      if (c.isUndefined() || c.isNull() || !c["length"].isNumber()) {
        return fail(atf::Error::validation(kNames[i], std::string(kNames[i]) + " must be a Float64Array (or an array of numbers)"));
      }
    }
    atf::Bars bars;
    std::vector<double> t;
    copy_column(time, t);
    copy_column(open, bars.open);
    copy_column(high, bars.high);
    copy_column(low, bars.low);
    copy_column(close, bars.close);
    copy_column(volume, bars.volume);
    for (const auto* col : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) {
      if (col->size() != t.size()) {
        return fail(atf::Error::validation("data", "the six columns must have the same length (time has " +
                                                       std::to_string(t.size()) + ")"));
      }
    }
    bars.time.resize(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      if (!std::isfinite(t[i]) || t[i] != std::floor(t[i]) || std::fabs(t[i]) > 9007199254740992.0) {
        return fail(atf::Error::validation("time", "time[" + std::to_string(i) + "] must be a whole number of UTC milliseconds"));
      }
      bars.time[i] = static_cast<int64_t>(t[i]);
    }
    auto md = atf::prepare_market_data(std::move(bars));
    if (!md) return fail(md.error());
    const int id = registry().add(*md);
    return ok(dataset_json(id, **md));
  });
}

void free_dataset(int dataset) {
  try {
    registry().erase(dataset);
  } catch (...) {  // cleanup never fails (erasing cannot throw; this is belt and braces)
  }
}

atf::Result<atf::BacktestRequest> backtest_request(const val& request_text) {
  auto text = string_arg(request_text, "request");
  if (!text) return text.error();
  auto j = parse_json(*text, "request");
  if (!j) return j.error();
  return atf::backtest_request_from_json(*j);
}

atf::Result<atf::OptimizationRequest> optimization_request(const val& request_text) {
  auto text = string_arg(request_text, "request");
  if (!text) return text.error();
  auto j = parse_json(*text, "request");
  if (!j) return j.error();
  return atf::optimization_request_from_json(*j);
}

std::string validate_backtest(int dataset, const val& request_json) {
  return guarded([&] {
    auto md = registry().find(dataset);
    if (!md) return fail(dataset_not_found(dataset));
    auto req = backtest_request(request_json);
    if (!req) return fail(req.error());
    if (auto st = atf::prepare_script_request(*req, *md); !st) return fail(st.error());
    if (auto st = atf::validate_request(*req); !st) return fail(st.error());
    return ok(json{{"total_bars", static_cast<int64_t>(md->bars.size())}});
  });
}

std::string run_backtest(int dataset, const val& request_json, val on_progress) {
  return guarded([&] {
    drop_curve();
    auto md = registry().find(dataset);
    if (!md) return fail(dataset_not_found(dataset));
    auto req = backtest_request(request_json);
    if (!req) return fail(req.error());
    if (auto st = atf::prepare_script_request(*req, *md); !st) return fail(st.error());
    JsHooks hooks(std::move(on_progress));
    auto result = atf::run_backtest(*md, *req, hooks.hooks(), /*record_equity_curve=*/true);
    if (result) hooks.flush();
    if (hooks.callback().failed()) return fail(hooks.callback().error());
    if (!result) return fail(result.error());
    last_curve() = std::move(result->equity_curve);
    result->equity_curve.clear();
    return backtest_answer(*result);
  });
}

/// Copies the last curve into a new JS-owned Float64Array, then frees the C++ copy.
val take_equity_curve() {
  std::vector<double>& curve = last_curve();
  val out = val::global("Float64Array").new_(emscripten::typed_memory_view(curve.size(), curve.data()));
  drop_curve();
  return out;
}

/// An optimization request on a dataset, ready to run: the dataset found, the request parsed,
/// its script's settings merged (prepare_script_request) and the grid checked.
struct PreparedOptimization {
  std::shared_ptr<const atf::MarketData> md;
  atf::OptimizationRequest req;
  atf::Grid grid;
};
atf::Result<PreparedOptimization> prepare_optimization(int dataset, const val& request_json) {
  auto md = registry().find(dataset);
  if (!md) return dataset_not_found(dataset);
  auto req = optimization_request(request_json);
  if (!req) return req.error();
  if (auto st = atf::prepare_script_request(req->base, *md); !st) return st.error();
  auto grid = atf::validate_optimization(*req);
  if (!grid) return grid.error();
  return PreparedOptimization{md, std::move(*req), std::move(*grid)};
}

std::string validate_optimization(int dataset, const val& request_json) {
  return guarded([&] {
    auto prepared = prepare_optimization(dataset, request_json);
    if (!prepared) return fail(prepared.error());
    const auto& search = prepared->req.search;
    json answer{{"total_combinations", prepared->grid.size()},
                {"total_bars", static_cast<int64_t>(prepared->md->bars.size())},
                {"search", atf::to_string(search)},
                {"planned", atf::planned_trials(search, prepared->grid.size())}};
    // A random search is a fixed sample of the grid (the native optimizer's, for the seed): the
    // page's workers claim these indexes as they claim a grid's.
    if (search.method == atf::SearchSpec::Method::kRandom) {
      answer["sample"] = atf::random_sample(prepared->grid.size(), search.samples, search.seed);
    }
    return ok(answer);
  });
}

std::string run_trials(int dataset, const val& request_json, val claim_fn, val on_trial_fn, val on_progress) {
  return guarded([&] {
    auto prepared = prepare_optimization(dataset, request_json);
    if (!prepared) return fail(prepared.error());
    auto& md = prepared->md;
    auto* req = &prepared->req;
    auto* grid = &prepared->grid;

    // A one-trial OptimizationResult gives each trial exactly the JSON shape of the engine's
    // optimization report (to_json(OptimizationResult)["trials"][i]).
    atf::OptimizationResult shell;
    shell.grid = std::move(*grid);
    shell.objective = req->objective;
    shell.maximize = req->maximize;
    shell.total = shell.grid.size();
    const int64_t group = atf::trial_group_size(shell.total, req->threads);

    JsHooks hooks(std::move(on_progress));
    Callback claim(std::move(claim_fn), "claim"), on_trial(std::move(on_trial_fn), "onTrial");
    int64_t completed = 0, failed = 0;
    bool cancelled = false, exhausted = false;
    std::vector<int64_t> indexes;
    while (!exhausted) {
      if (hooks.callback().failed()) return fail(hooks.callback().error());
      if (hooks.cancelled()) {  // checked before claiming, so no index is taken and left unrun
        cancelled = true;
        break;
      }
      indexes.clear();
      while (static_cast<int64_t>(indexes.size()) < group) {
        const val answer = claim(val::undefined());
        if (claim.failed()) return fail(claim.error());
        if (!answer.isNumber()) return fail(atf::Error::validation("claim", "claim() must return a number (-1: no more)"));
        const double claimed = answer.as<double>();
        if (!(claimed >= 0) || claimed >= static_cast<double>(shell.total)) {  // -1, NaN, past the end
          exhausted = true;
          break;
        }
        if (claimed != std::floor(claimed)) {
          return fail(atf::Error::validation("claim", "claim() returned " + atf::format_number(claimed) +
                                                          ", not a combination index"));
        }
        indexes.push_back(static_cast<int64_t>(claimed));
      }
      if (indexes.empty()) break;
      std::vector<atf::TrialResult> trials = atf::run_grid_trials(*md, *req, shell.grid, indexes, hooks.hooks());
      hooks.flush();
      if (hooks.callback().failed()) return fail(hooks.callback().error());
      for (atf::TrialResult& trial : trials) {
        if (trial.cancelled) {  // cut short: neither completed nor failed, and not reported
          cancelled = true;
          continue;
        }
        (trial.ok ? completed : failed)++;
        shell.trials.assign(1, std::move(trial));
        on_trial(val(dump(atf::to_json(shell)["trials"][0])));
        if (on_trial.failed()) return fail(on_trial.error());
      }
      if (cancelled) break;
    }
    return ok(json{{"completed", completed}, {"failed", failed}, {"cancelled", cancelled}});
  });
}

std::string rerun_trial(int dataset, const val& request_json, double index) {
  return guarded([&] {
    drop_curve();
    auto md = registry().find(dataset);
    if (!md) return fail(dataset_not_found(dataset));
    auto req = optimization_request(request_json);
    if (!req) return fail(req.error());
    if (auto st = atf::prepare_script_request(req->base, *md); !st) return fail(st.error());
    if (!std::isfinite(index) || index != std::floor(index) || std::fabs(index) > 9007199254740992.0) {
      return fail(atf::Error::validation("index", "index must be a whole number"));
    }
    auto result = atf::rerun_trial(*md, *req, static_cast<int64_t>(index));
    if (!result) return fail(result.error());
    last_curve() = std::move(result->equity_curve);
    result->equity_curve.clear();
    return backtest_answer(*result);
  });
}

/// Compiles a Pine script for an editor: diagnostics (line, column, message), the declared
/// inputs and the strategy()/indicator() settings (atf::to_json(ScriptCheck)). Never fails for
/// a bad script: its errors are diagnostics.
std::string compile_script(const val& source_arg) {
  return guarded([&] {
    auto source = string_arg(source_arg, "source");
    if (!source) return fail(source.error());
    return ok(atf::to_json(atf::check_pine(*source)));
  });
}

/// The overfitting statistics (atf::optimization_statistics) of an optimization whose trials
/// were run elsewhere (the page's workers): `trials_json` is a JSON array of trials as runTrials
/// reported them (with block_sums when the request asked for statistics_blocks). `block_sums`,
/// when not null, carries the block sums instead, as one Float64Array: 2·S numbers per trial of
/// `trials_json`, in its order (a failed trial's row is ignored). 15,000 trials × 32 sums as JSON
/// text took ~0.9 s to parse in Wasm (musl's strtod works in 128-bit software long double); the
/// array is one copy. The trials are ranked here as the native optimizer ranks them; the best is
/// re-run for its returns and trades.
std::string optimization_statistics(int dataset, const val& request_json, const val& trials_json,
                                    const val& block_sums, double mc_paths, double seed) {
  return guarded([&] {
    auto prepared = prepare_optimization(dataset, request_json);
    if (!prepared) return fail(prepared.error());
    auto& md = prepared->md;
    auto* req = &prepared->req;
    auto* grid = &prepared->grid;
    auto text = string_arg(trials_json, "trials");
    if (!text) return fail(text.error());
    auto j = parse_json(*text, "trials");
    if (!j) return fail(j.error());
    if (!j->is_array()) return fail(atf::Error::validation("trials", "trials must be a JSON array"));
    if (!(mc_paths >= 1 && mc_paths <= 1e6) || mc_paths != std::floor(mc_paths)) {
      return fail(atf::Error::validation("mcPaths", "mcPaths must be a whole number from 1 to 1000000"));
    }
    if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != std::floor(seed)) {
      return fail(atf::Error::validation("seed", "seed must be a whole number ≥ 0"));
    }
    atf::OptimizationResult result;
    result.grid = std::move(*grid);
    result.objective = req->objective;
    result.maximize = req->maximize;
    result.search = req->search;
    if (req->statistics_blocks > 0 && static_cast<int64_t>(md->bars.size()) >= 2 * req->statistics_blocks) {
      result.block_bounds = atf::block_bounds(static_cast<int64_t>(md->bars.size()), req->statistics_blocks);
    }
    std::vector<double> sums;
    size_t row = 0;
    if (!block_sums.isNull() && !block_sums.isUndefined()) {
      if (!block_sums["length"].isNumber()) {
        return fail(atf::Error::validation("blockSums", "blockSums must be a Float64Array (or null)"));
      }
      copy_column(block_sums, sums);
      row = 2 * static_cast<size_t>(req->statistics_blocks);
      if (row == 0 || sums.size() != row * j->size()) {
        return fail(atf::Error::validation(
            "blockSums", "blockSums holds " + std::to_string(sums.size()) + " numbers; " + std::to_string(j->size()) +
                             " trials × " + std::to_string(row) + " block sums (statistics_blocks " +
                             std::to_string(req->statistics_blocks) + ") are " + std::to_string(row * j->size())));
      }
    }
    for (const json& tj : *j) {
      auto t = atf::trial_from_json(tj);
      if (!t) return fail(t.error());
      if (row > 0 && t->ok) {  // this trial's row: every trial before it has pushed one
        const auto from = sums.begin() + static_cast<std::ptrdiff_t>(row * result.trials.size());
        t->block_sums.assign(from, from + static_cast<std::ptrdiff_t>(row));
      }
      if (t->index < 0 || t->index >= result.grid.size()) {
        return fail(atf::Error::validation("trials", "trial index " + std::to_string(t->index) + " is outside the grid"));
      }
      (t->ok ? result.completed : result.failed)++;
      result.trials.push_back(std::move(*t));
    }
    result.total = result.completed + result.failed;
    atf::rank_trials(result.trials, result.objective, result.maximize);
    if (!result.trials.empty() && result.trials.front().ok) result.best_index = result.trials.front().index;
    auto stats = atf::optimization_statistics(*md, *req, result, static_cast<int>(mc_paths), static_cast<uint64_t>(seed));
    if (!stats) return fail(stats.error());
    return ok(atf::to_json(*stats));
  });
}

/// The next generation of a genetic search that the page runs generation by generation on its
/// workers (atf::genetic_next_batch: a replay over the fitness known, so the evaluations are the
/// native optimizer's for the seed). `indexes` and `objective` (Float64Arrays of one length) are
/// the trials evaluated so far: combination index and objective value, NaN for a failed trial;
/// fitness is the objective, negated when minimizing, as run_optimization scores it. Answers
/// {batch: [index...] (empty: the search is done; a resumed run may already hold some of them),
/// generation, evaluations, planned}. A request whose search is not genetic is a validation error
/// on "search".
std::string genetic_next_batch(int dataset, const val& request_json, const val& indexes, const val& objective) {
  return guarded([&] {
    auto prepared = prepare_optimization(dataset, request_json);
    if (!prepared) return fail(prepared.error());
    const auto& req = prepared->req;
    if (req.search.method != atf::SearchSpec::Method::kGenetic) {
      return fail(atf::Error::validation("search", "geneticNextBatch needs a genetic search, not \"" + atf::to_string(req.search) + "\""));
    }
    for (const auto& [v, name] : {std::pair{&indexes, "indexes"}, std::pair{&objective, "objective"}}) {
      if (v->isNull() || v->isUndefined() || !(*v)["length"].isNumber()) {
        return fail(atf::Error::validation(name, std::string(name) + " must be a Float64Array"));
      }
    }
    std::vector<double> idx, obj;
    copy_column(indexes, idx);
    copy_column(objective, obj);
    if (idx.size() != obj.size()) {
      return fail(atf::Error::validation("objective", "objective holds " + std::to_string(obj.size()) + " values for " +
                                                          std::to_string(idx.size()) + " indexes"));
    }
    std::unordered_map<int64_t, double> known;
    for (size_t k = 0; k < idx.size(); ++k) {
      if (!(idx[k] >= 0 && idx[k] < static_cast<double>(prepared->grid.size())) || idx[k] != std::floor(idx[k])) {
        return fail(atf::Error::validation("indexes", "indexes[" + std::to_string(k) + "] = " + atf::format_number(idx[k]) +
                                                          " is not a combination of the grid"));
      }
      known[static_cast<int64_t>(idx[k])] = req.maximize ? obj[k] : -obj[k];
    }
    std::vector<int64_t> sizes;
    for (const auto& axis : prepared->grid.axes()) sizes.push_back(static_cast<int64_t>(axis.values.size()));
    const atf::GeneticStep step = atf::genetic_next_batch(req.search, sizes, known);
    return ok(json{{"batch", step.batch},
                   {"generation", step.generation},
                   {"evaluations", step.evaluations},
                   {"planned", atf::planned_trials(req.search, prepared->grid.size())}});
  });
}

/// Checks a walk-forward request before it runs: the optimization's (strategy or script, axes,
/// broker: prepare_optimization) and the walk's settings and windows (walk_forward_windows: a
/// window must fit, at most max_windows). Answers {total_combinations (per window), total_bars,
/// windows}.
std::string validate_walk_forward(int dataset, const val& request_json) {
  return guarded([&] {
    auto prepared = prepare_optimization(dataset, request_json);
    if (!prepared) return fail(prepared.error());
    auto j = parse_json(request_json.as<std::string>(), "request");
    if (!j) return fail(j.error());
    auto req = atf::walk_forward_request_from_json(*j);
    if (!req) return fail(req.error());
    auto windows = atf::walk_forward_windows(prepared->md->bars.time, *req);
    if (!windows) return fail(windows.error());
    return ok(json{{"total_combinations", prepared->grid.size()},
                   {"total_bars", static_cast<int64_t>(prepared->md->bars.size())},
                   {"windows", static_cast<int64_t>(windows->size())}});
  });
}

/// A walk-forward run (atf::run_walk_forward) over a dataset: `request_json` is an optimization
/// request plus "walk_forward" (walk_forward_request_from_json). onProgress counts the bars of
/// every trial of every window (and, as its second argument, the trials finished) and may cancel;
/// onWindow({k, n, trials}) is called as window k of n starts, with the trials finished before it.
std::string run_walk_forward(int dataset, const val& request_json, val on_progress, val on_window_fn) {
  return guarded([&] {
    auto md = registry().find(dataset);
    if (!md) return fail(dataset_not_found(dataset));
    auto text = string_arg(request_json, "request");
    if (!text) return fail(text.error());
    auto j = parse_json(*text, "request");
    if (!j) return fail(j.error());
    auto req = atf::walk_forward_request_from_json(*j);
    if (!req) return fail(req.error());
    if (auto st = atf::prepare_script_request(req->optimization.base, *md); !st) return fail(st.error());
    JsHooks hooks(std::move(on_progress));
    Callback on_window(std::move(on_window_fn), "onWindow");
    atf::WalkForwardHooks wf_hooks;
    wf_hooks.run = hooks.hooks();
    wf_hooks.on_window = [&](int64_t k, int64_t n) {
      if (!on_window.present() || on_window.failed()) return;  // onWindow is optional
      val w = val::object();
      w.set("k", static_cast<double>(k));
      w.set("n", static_cast<double>(n));
      // Trials finished before this window (the trials of window k are counted from here on).
      w.set("trials", static_cast<double>(hooks.trials()));
      on_window(w);
    };
    auto result = atf::run_walk_forward(*md, *req, wf_hooks);
    hooks.flush();
    if (hooks.callback().failed()) return fail(hooks.callback().error());
    if (on_window.failed()) return fail(on_window.error());
    if (!result) return fail(result.error());
    return ok(atf::to_json(*result, md->bars.time));
  });
}

/// A real Wasm trap (`unreachable`), for testing worker replacement against the real module.
[[gnu::noinline]] void debug_trap() { __builtin_trap(); }

}  // namespace

EMSCRIPTEN_BINDINGS(atf_engine) {
  emscripten::function("version", &version);
  emscripten::function("strategies", &strategies);
  emscripten::function("metrics", &metrics);
  emscripten::function("importCsv", &import_csv);
  emscripten::function("loadBars", &load_bars);
  emscripten::function("freeDataset", &free_dataset);
  emscripten::function("validateBacktest", &validate_backtest);
  emscripten::function("runBacktest", &run_backtest);
  emscripten::function("takeEquityCurve", &take_equity_curve);
  emscripten::function("validateOptimization", &validate_optimization);
  emscripten::function("runTrials", &run_trials);
  emscripten::function("rerunTrial", &rerun_trial);
  emscripten::function("compileScript", &compile_script);
  emscripten::function("optimizationStatistics", &optimization_statistics);
  emscripten::function("geneticNextBatch", &genetic_next_batch);
  emscripten::function("validateWalkForward", &validate_walk_forward);
  emscripten::function("runWalkForward", &run_walk_forward);
  emscripten::function("debugTrap", &debug_trap);
}
