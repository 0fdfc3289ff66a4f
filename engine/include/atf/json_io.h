// JSON in and out of the engine: one versioned schema, the snake_case names of DESIGN.md.
#pragma once
#include <nlohmann/json.hpp>

#include "atf/backtest.h"
#include "atf/error.h"
#include "atf/optimization_statistics.h"
#include "atf/optimizer.h"
#include "atf/strategy.h"
#include "atf/walkforward.h"

namespace atf {

/// Version tag written into every request and result document.
inline constexpr const char* kSchemaVersion = "atf/v1";

nlohmann::json to_json(const BrokerConfig& b);
nlohmann::json to_json(const Metrics& m);  ///< NaN (undefined) -> null; ±∞ -> "Infinity" / "-Infinity"
nlohmann::json to_json(const Trade& t);
nlohmann::json to_json(const OpenPosition& p);
/// The Performance Summary: {"all": {...}, "long": {...}, "short": {...}}, keys of
/// performance_catalog(); NaN -> null, ±∞ -> "Infinity" / "-Infinity" (as metrics).
nlohmann::json to_json(const PerformanceColumn& c);
nlohmann::json to_json(const PerformanceSummary& s);
nlohmann::json to_json(const Error& e);
nlohmann::json to_json(const StrategyInfo& s);
nlohmann::json to_json(const BacktestRequest& r);
nlohmann::json to_json(const OptimizationRequest& r);
/// `with_curve` includes the per-bar equity curve.
nlohmann::json to_json(const BacktestResult& r, bool with_curve = true);
/// `max_trials` caps the trials listed (−1: all); the best is always included. `block_sums`:
/// list each trial's block_sums (when it has them: statistics_blocks > 0).
nlohmann::json to_json(const OptimizationResult& r, int64_t max_trials = -1, bool block_sums = true);
/// {"dsr", "psr", "pbo": {...}, "monte_carlo": {...}, "stability": {...}, ...}; NaN -> null. A
/// part that could not be computed is {"ok": false, "reason": "..."}.
nlohmann::json to_json(const OptimizationStatistics& s);
/// {"windows": [{is_start, is_end, oos_start, oos_end (bar indexes), *_time (UTC ms), params,
/// in_sample, out_of_sample (metrics), efficiency, ...}], "out_of_sample", "efficiency",
/// "stability", "equity": [{time, equity}], "trades"}; `time` is the data's bar times.
nlohmann::json to_json(const WalkForwardResult& r, const std::vector<int64_t>& time);
/// The walk-forward settings: {"in_sample": "500bars", "out_of_sample", "step", "anchored"}.
nlohmann::json to_json(const WalkForwardRequest& r);

/// Parse requests; errors are kValidation naming the offending field ("broker.cash").
Result<BrokerConfig> broker_from_json(const nlohmann::json& j);
Result<BacktestRequest> backtest_request_from_json(const nlohmann::json& j);
Result<OptimizationRequest> optimization_request_from_json(const nlohmann::json& j);
/// A walk-forward request: an optimization request plus "walk_forward": {"in_sample": "3y",
/// "out_of_sample": "1y", "step"?: ..., "anchored"?: bool} (lengths as parse_window_length).
Result<WalkForwardRequest> walk_forward_request_from_json(const nlohmann::json& j);
/// One trial as to_json(OptimizationResult)["trials"][i] writes it (index, status, metrics,
/// final_equity, block_sums?, error_message): how trials gathered elsewhere (browser workers,
/// shards) come back for ranking and statistics. Errors: kValidation on field "trials".
Result<TrialResult> trial_from_json(const nlohmann::json& j);

}  // namespace atf
