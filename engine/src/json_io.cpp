#include "atf/json_io.h"

#include "atf/csv_import.h"
#include "atf/pine_json.h"

#include <cmath>

namespace atf {
namespace {

using nlohmann::json;

/// A metric's JSON form: a number; "Infinity" / "-Infinity" for ±∞ (a ratio whose denominator is
/// zero for a good reason, e.g. profit factor with no losing trade); null for undefined (NaN).
json number_or_null(double v) {
  if (std::isfinite(v)) return json(v);
  if (std::isinf(v)) return json(v > 0 ? "Infinity" : "-Infinity");
  return json(nullptr);
}

json params_json(const ParamMap& p) {
  json j = json::object();
  for (const auto& [k, v] : p) j[k] = v;
  return j;
}

Error field_error(const std::string& field, const std::string& what) {
  return Error::validation(field, field + " " + what);
}

// Reads an optional number field into `out`.
Status read_number(const json& j, const char* key, const std::string& prefix, double& out) {
  if (!j.contains(key) || j[key].is_null()) return Ok{};
  if (!j[key].is_number()) return field_error(prefix + key, "must be a number");
  out = j[key].get<double>();
  return Ok{};
}
Status read_bool(const json& j, const char* key, const std::string& prefix, bool& out) {
  if (!j.contains(key) || j[key].is_null()) return Ok{};
  if (!j[key].is_boolean()) return field_error(prefix + key, "must be true or false");
  out = j[key].get<bool>();
  return Ok{};
}

Result<ParamMap> params_from_json(const json& j) {
  ParamMap p;
  if (!j.contains("params") || j["params"].is_null()) return p;
  if (!j["params"].is_object()) return field_error("params", "must be an object of name: number");
  for (const auto& [k, v] : j["params"].items()) {
    if (!v.is_number()) return field_error("params." + k, "must be a number");
    p[k] = v.get<double>();
  }
  return p;
}

}  // namespace

json to_json(const BrokerConfig& b) {
  return json{{"cash", b.cash},
              {"sizing", b.sizing == SizingKind::kUnits ? "units" : b.sizing == SizingKind::kCash ? "cash" : "equity"},
              {"size", b.size},
              {"fractional", b.fractional},
              {"commission_pct", b.commission_pct},
              {"commission_fixed", b.commission_fixed},
              {"commission_per_unit", b.commission_per_unit},
              {"slippage_bps", b.slippage_bps},
              {"multiplier", b.multiplier},
              {"margin", b.margin},
              {"fill", b.fill == FillRule::kNextOpen ? "next_open" : "close"},
              {"allow_short", b.allow_short},
              {"close_at_end", b.close_at_end},
              {"stop_loss_pct", b.stop_loss_pct},
              {"take_profit_pct", b.take_profit_pct},
              {"margin_long_pct", b.margin_long_pct},
              {"margin_short_pct", b.margin_short_pct},
              {"risk_free_rate_pct", b.risk_free_rate_pct},
              {"bars_per_year", b.bars_per_year}};
}

json to_json(const Metrics& m) {
  json j = json::object();
  for (const auto& info : metric_catalog()) j[info.name] = number_or_null(m.*(info.field));
  return j;
}

json to_json(const Trade& t) {
  return json{{"entry_time", t.entry_time}, {"exit_time", t.exit_time},       {"entry_index", t.entry_index},
              {"exit_index", t.exit_index}, {"side", t.side > 0 ? "long" : "short"}, {"quantity", t.quantity},
              {"entry_price", t.entry_price}, {"exit_price", t.exit_price},   {"commission", t.commission},
              {"pnl", t.pnl},               {"return_pct", t.return_pct},     {"exit_reason", exit_reason_name(t.exit_reason)},
              {"entry_signal", t.entry_signal}, {"exit_signal", t.exit_signal}, {"max_runup", t.max_runup},
              {"max_drawdown", t.max_drawdown}};
}

json to_json(const OpenPosition& p) {
  return json{{"side", p.side > 0 ? "long" : "short"}, {"quantity", p.quantity},       {"entry_price", p.entry_price},
              {"entry_time", p.entry_time},            {"entry_index", p.entry_index}, {"commission", p.commission},
              {"unrealized_pnl", p.unrealized_pnl}, {"entry_signal", p.entry_signal}, {"max_runup", p.max_runup},
              {"max_drawdown", p.max_drawdown}};
}

json to_json(const PerformanceColumn& c) {
  json j = json::object();
  for (const auto& info : performance_catalog()) j[info.name] = number_or_null(c.*(info.field));
  return j;
}

json to_json(const PerformanceSummary& s) {
  return json{{"all", to_json(s.all)}, {"long", to_json(s.longs)}, {"short", to_json(s.shorts)}};
}

json to_json(const Error& e) {
  json j{{"code", error_code_name(e.code)}, {"message", e.message}};
  if (!e.field.empty()) j["field"] = e.field;
  if (e.line > 0) j["line"] = e.line;
  if (e.column > 0) j["column"] = e.column;
  if (!e.context.empty()) j["context"] = e.context;
  return j;
}

json to_json(const StrategyInfo& s) {
  json params = json::array();
  for (const auto& p : s.params) {
    params.push_back({{"name", p.name},
                      {"type", p.type == ParamType::kInt ? "int" : "float"},
                      {"default", p.default_value},
                      {"min", p.min},
                      {"max", p.max},
                      {"step", p.step},
                      {"description", p.description}});
  }
  return json{{"name", s.name}, {"description", s.description}, {"params", params}, {"hidden", s.hidden}};
}

json to_json(const BacktestRequest& r) {
  json j{{"schema", kSchemaVersion}, {"strategy", r.strategy}, {"params", params_json(r.params)}, {"broker", to_json(r.broker)}};
  if (r.script) {
    // The script itself is identified by its hash (its text is the caller's to keep).
    j["script"] = {{"hash", r.script->hash}, {"title", r.script->settings.title}};
    json texts = json::object();
    for (const auto& [k, v] : r.text_inputs) texts[k] = v;
    j["text_inputs"] = texts;
    j["trade_from"] = r.trade_from_ms ? json(*r.trade_from_ms) : json(nullptr);
    j["mintick"] = r.mintick > 0 ? json(r.mintick) : json(nullptr);
  } else if (r.trade_from_ms) {
    j["trade_from"] = *r.trade_from_ms;
  }
  return j;
}

json to_json(const OptimizationRequest& r) {
  json j = to_json(r.base);
  json axes = json::array();
  for (const auto& a : r.axes) axes.push_back({{"name", a.name}, {"values", a.values}});
  j["axes"] = axes;
  j["objective"] = r.objective;
  j["direction"] = r.maximize ? "max" : "min";
  j["threads"] = r.threads;
  j["max_combinations"] = r.max_combinations;
  j["search"] = to_string(r.search);
  j["seed"] = r.search.seed;
  if (r.statistics_blocks > 0) j["statistics_blocks"] = r.statistics_blocks;
  return j;
}

json to_json(const BacktestResult& r, bool with_curve) {
  json j{{"schema", kSchemaVersion},
         {"strategy", r.strategy},
         {"params", params_json(r.params)},
         {"bars", r.bars},
         {"bars_per_year", r.bars_per_year},
         {"final_equity", r.final_equity},
         {"final_cash", r.final_cash},
         {"open_position", r.open_position ? to_json(*r.open_position) : json(nullptr)},
         {"rejected_orders", r.rejected_orders},
         {"metrics", to_json(r.metrics)}};
  json trades = json::array();
  for (const auto& t : r.trades) trades.push_back(to_json(t));
  j["trades"] = std::move(trades);
  json open_trades = json::array();
  for (const auto& t : r.open_trades) open_trades.push_back(to_json(t));
  j["open_trades"] = std::move(open_trades);
  j["initial_capital"] = r.initial_capital;
  j["performance"] = to_json(r.performance);
  if (with_curve) j["equity_curve"] = r.equity_curve;
  if (!r.script_hash.empty()) j["script_hash"] = r.script_hash;
  // A script's plot() series, or the indicators a built-in strategy trades on.
  if (!r.script_hash.empty() || !r.plots.empty()) j["plots"] = plots_json(r.plots);
  return j;
}

json to_json(const OptimizationResult& r, int64_t max_trials, bool block_sums) {
  json trials = json::array();
  int64_t listed = 0;
  for (const auto& t : r.trials) {
    if (max_trials >= 0 && listed >= max_trials) break;
    ++listed;
    json tj{{"index", t.index},
            {"params", params_json(r.grid.params_at(t.index))},
            {"status", t.ok ? "completed" : "failed"},
            {"metrics", t.ok ? to_json(t.metrics) : json(nullptr)},
            {"final_equity", t.ok ? json(t.final_equity) : json(nullptr)},
            {"rejected_orders", t.ok ? json(t.rejected_orders) : json(nullptr)},
            {"error_message", t.ok ? json(nullptr) : json(t.error_message)},
            {"error_stack_trace", t.ok ? json(nullptr) : json(t.error_stack_trace)}};
    if (block_sums && !t.block_sums.empty()) tj["block_sums"] = t.block_sums;
    trials.push_back(std::move(tj));
  }
  json best = nullptr;
  if (r.best_index) {
    for (const auto& t : r.trials) {
      if (t.index == *r.best_index) {
        best = {{"index", t.index},
                {"params", params_json(r.grid.params_at(t.index))},
                {"metrics", to_json(t.metrics)},
                {"final_equity", t.final_equity}};
        break;
      }
    }
  }
  json out{{"schema", kSchemaVersion},
           {"objective", r.objective},
           {"direction", r.maximize ? "max" : "min"},
           {"total", r.total},
           {"completed", r.completed},
           {"failed", r.failed},
           {"cancelled", r.cancelled},
           {"search", to_string(r.search)},
           {"best", best},
           {"trials", trials}};
  if (r.shard_count > 1) {
    out["shard"] = {{"index", r.shard_index + 1}, {"count", r.shard_count}, {"planned", r.planned},
                    {"first", r.shard_first}, {"end", r.shard_end}};
  }
  return out;
}

namespace {
// A Monte Carlo of trades: the grid's best trial's, or the walk-forward's stitched OOS trades.
json monte_carlo_json(const MonteCarloResult& m) {
  auto n = number_or_null;
  json mc{{"ok", m.ok}};
  if (m.ok) {
    mc.update({{"paths", m.paths},
               {"trades", m.trades},
               {"seed", m.seed},
               {"initial", m.initial},
               {"final_equity", {{"p5", n(m.final_equity_p5)}, {"p50", n(m.final_equity_p50)}, {"p95", n(m.final_equity_p95)}}},
               {"max_drawdown_pct", {{"p5", n(m.max_drawdown_p5)}, {"p50", n(m.max_drawdown_p50)}, {"p95", n(m.max_drawdown_p95)}}},
               {"prob_loss", n(m.prob_loss)},
               {"fan", {{"steps", m.fan_steps}, {"p5", m.fan_p5}, {"p25", m.fan_p25}, {"p50", m.fan_p50},
                        {"p75", m.fan_p75}, {"p95", m.fan_p95}}}});
  } else {
    mc["reason"] = m.reason;
  }
  return mc;
}
}  // namespace

json to_json(const OptimizationStatistics& s) {
  auto n = number_or_null;
  json pbo{{"ok", s.pbo.ok}};
  if (s.pbo.ok) {
    pbo.update({{"pbo", n(s.pbo.pbo)},
                {"blocks", s.pbo.blocks},
                {"combinations", s.pbo.combinations},
                {"trials", s.pbo.trials},
                {"logit_mean", n(s.pbo.logit_mean)},
                {"logit_median", n(s.pbo.logit_median)},
                {"prob_oos_loss", n(s.pbo.prob_oos_loss)},
                {"logit_min", n(s.pbo.logit_min)},
                {"logit_max", n(s.pbo.logit_max)},
                {"logit_bins", s.pbo.logit_bins}});
  } else {
    pbo["reason"] = s.pbo.reason;
  }
  const json mc = monte_carlo_json(s.monte_carlo);
  json st{{"ok", s.stability.ok}, {"verdict", s.stability.verdict}};
  if (s.stability.ok) {
    st.update({{"best", n(s.stability.best)},
               {"neighbour_mean", n(s.stability.neighbour_mean)},
               {"neighbour_min", n(s.stability.neighbour_min)},
               {"neighbours", s.stability.neighbours},
               {"ratio", n(s.stability.ratio)}});
  }
  if (!s.stability.reason.empty()) st["reason"] = s.stability.reason;
  return json{{"trials", s.trials},
              {"observations", s.observations},
              {"bars_per_year", s.bars_per_year},
              {"best_index", s.best_index},
              {"best_sharpe", n(s.best_sharpe)},
              {"sharpe_variance", n(s.sharpe_variance)},
              {"expected_max_sharpe", n(s.expected_max_sharpe)},
              {"skewness", n(s.returns.skewness)},
              {"kurtosis", n(s.returns.kurtosis)},
              {"psr", n(s.psr)},
              {"dsr", n(s.dsr)},
              {"pbo", pbo},
              {"monte_carlo", mc},
              {"stability", st}};
}

Result<BrokerConfig> broker_from_json(const json& j) {
  BrokerConfig b;
  if (j.is_null()) return b;
  if (!j.is_object()) return field_error("broker", "must be an object");
  const std::string p = "broker.";
  for (auto [key, field] : {std::pair{"cash", &b.cash}, {"size", &b.size}, {"commission_pct", &b.commission_pct},
                            {"commission_fixed", &b.commission_fixed}, {"commission_per_unit", &b.commission_per_unit},
                            {"slippage_bps", &b.slippage_bps}, {"multiplier", &b.multiplier}, {"margin", &b.margin},
                            {"stop_loss_pct", &b.stop_loss_pct}, {"take_profit_pct", &b.take_profit_pct},
                            {"margin_long_pct", &b.margin_long_pct}, {"margin_short_pct", &b.margin_short_pct},
                            {"risk_free_rate_pct", &b.risk_free_rate_pct}, {"bars_per_year", &b.bars_per_year}}) {
    if (auto st = read_number(j, key, p, *field); !st) return st.error();
  }
  for (auto [key, field] : {std::pair{"fractional", &b.fractional}, {"allow_short", &b.allow_short},
                            {"close_at_end", &b.close_at_end}}) {
    if (auto st = read_bool(j, key, p, *field); !st) return st.error();
  }
  if (j.contains("sizing")) {
    const auto s = j["sizing"].is_string() ? j["sizing"].get<std::string>() : "";
    if (s == "units") b.sizing = SizingKind::kUnits;
    else if (s == "equity") b.sizing = SizingKind::kEquity;
    else return field_error("broker.sizing", "must be \"units\" or \"equity\"");
  }
  if (j.contains("fill")) {
    const auto s = j["fill"].is_string() ? j["fill"].get<std::string>() : "";
    if (s == "next_open") b.fill = FillRule::kNextOpen;
    else if (s == "close") b.fill = FillRule::kClose;
    else return field_error("broker.fill", "must be \"next_open\" or \"close\"");
  }
  return b;
}

Result<BacktestRequest> backtest_request_from_json(const json& j) {
  if (!j.is_object()) return field_error("request", "must be a JSON object");
  if (j.contains("schema") && j["schema"] != kSchemaVersion) {
    return field_error("schema", std::string("must be \"") + kSchemaVersion + "\"");
  }
  BacktestRequest r;
  if (j.contains("indicator_plots") && !j["indicator_plots"].is_null()) {
    if (!j["indicator_plots"].is_boolean()) return field_error("indicator_plots", "must be true or false");
    r.indicator_plots = j["indicator_plots"].get<bool>();
  }
  // No order before trade_from (earlier bars warm up): scripts and built-in strategies alike.
  if (j.contains("trade_from") && !j["trade_from"].is_null()) {
    const json& tf = j["trade_from"];
    if (tf.is_number_integer()) {
      r.trade_from_ms = tf.get<int64_t>();
    } else if (tf.is_string()) {
      auto t = parse_time_arg(tf.get<std::string>());
      if (!t) return field_error("trade_from", "must be a date or epoch milliseconds: " + t.error().message);
      r.trade_from_ms = *t;
    } else {
      return field_error("trade_from", "must be a date or epoch milliseconds");
    }
  }
  const bool has_script = j.contains("script") && !j["script"].is_null();
  if (has_script) {
    // A Pine script (its source text) instead of a built-in strategy; "inputs" override its
    // inputs by variable name or title.
    if (!j["script"].is_string()) return field_error("script", "must be the script's source text");
    auto script = compile_pine(j["script"].get<std::string>());
    if (!script) return script.error();
    r.script = *script;
    r.strategy = j.contains("strategy") && j["strategy"].is_string() ? j["strategy"].get<std::string>() : (*script)->settings.title;
    if (j.contains("inputs") && !j["inputs"].is_null()) {
      if (auto st = inputs_from_json(j["inputs"], r.params, r.text_inputs); !st) return st.error();
    }
    if (j.contains("mintick") && !j["mintick"].is_null()) {
      if (!j["mintick"].is_number() || !(j["mintick"].get<double>() > 0)) return field_error("mintick", "must be a positive number");
      r.mintick = j["mintick"].get<double>();
    }
  } else {
    if (!j.contains("strategy") || !j["strategy"].is_string()) return field_error("strategy", "is required (a strategy name, or a Pine script)");
    r.strategy = j["strategy"].get<std::string>();
  }
  if (!has_script || j.contains("params")) {
    auto params = params_from_json(j);
    if (!params) return params.error();
    for (const auto& [k, v] : *params) r.params[k] = v;
  }
  auto broker = broker_from_json(j.contains("broker") ? j["broker"] : json(nullptr));
  if (!broker) return broker.error();
  r.broker = *broker;
  if (j.contains("broker") && j["broker"].is_object()) {
    for (auto it = j["broker"].begin(); it != j["broker"].end(); ++it) r.broker_given.insert(it.key());
  }
  if (r.script && r.params.size() > 0) {
    // Inputs may be named by their title: store them under their variable names.
    ParamMap by_name;
    for (const auto& [key, v] : r.params) {
      std::string name = key;
      for (const auto& in : r.script->inputs) {
        if (in.name != key && in.title == key) name = in.name;
      }
      by_name[name] = v;
    }
    r.params = by_name;
  }
  return r;
}

Result<OptimizationRequest> optimization_request_from_json(const json& j) {
  auto base = backtest_request_from_json(j);
  if (!base) return base.error();
  OptimizationRequest r;
  r.base = *base;
  auto input_name = [&](const std::string& name) {
    if (!r.base.script) return name;
    for (const auto& in : r.base.script->inputs) {
      if (in.name != name && in.title == name) return in.name;
    }
    return name;
  };
  if (j.contains("max_combinations")) {
    if (!j["max_combinations"].is_number_integer()) return field_error("max_combinations", "must be a whole number");
    r.max_combinations = j["max_combinations"].get<int64_t>();
  }
  if (!j.contains("axes") || !j["axes"].is_array()) return field_error("axes", "is required (a list of axes)");
  for (const auto& a : j["axes"]) {
    if (!a.is_object() || !a.contains("name") || !a["name"].is_string()) return field_error("axes", "entries need a name");
    const std::string name = input_name(a["name"].get<std::string>());
    if (a.contains("values")) {
      if (!a["values"].is_array()) return field_error("axes." + name + ".values", "must be a list of numbers");
      Axis axis{name, {}};
      for (const auto& v : a["values"]) {
        if (!v.is_number()) return field_error("axes." + name + ".values", "must be a list of numbers");
        axis.values.push_back(v.get<double>());
      }
      r.axes.push_back(std::move(axis));
    } else {
      double mn = 0, mx = 0, st = 0;
      for (auto [key, field] : {std::pair{"min", &mn}, {"max", &mx}, {"step", &st}}) {
        if (!a.contains(key) || !a[key].is_number()) return field_error("axes." + name + "." + key, "is required (a number)");
        *field = a[key].get<double>();
      }
      auto axis = make_range_axis(name, mn, mx, st, r.max_combinations);
      if (!axis) return axis.error();
      r.axes.push_back(std::move(*axis));
    }
  }
  if (j.contains("objective")) {
    if (!j["objective"].is_string()) return field_error("objective", "must be a metric name");
    r.objective = j["objective"].get<std::string>();
  }
  const MetricInfo* metric = find_metric(r.objective);
  r.maximize = metric ? metric->higher_is_better : true;
  if (j.contains("direction")) {
    const auto d = j["direction"].is_string() ? j["direction"].get<std::string>() : "";
    if (d != "max" && d != "min") return field_error("direction", "must be \"max\" or \"min\"");
    r.maximize = d == "max";
  }
  if (j.contains("threads")) {
    if (!j["threads"].is_number_integer()) return field_error("threads", "must be a whole number");
    r.threads = j["threads"].get<int>();
  }
  if (j.contains("search")) {
    if (!j["search"].is_string()) return field_error("search", "must be \"grid\", \"random:N\" or \"genetic:pop=P,gen=G,...\"");
    auto spec = parse_search(j["search"].get<std::string>());
    if (!spec) return spec.error();
    r.search = *spec;
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) return field_error("seed", "must be a whole number ≥ 0");
    r.search.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("statistics_blocks")) {
    if (!j["statistics_blocks"].is_number_integer()) return field_error("statistics_blocks", "must be a whole number");
    r.statistics_blocks = j["statistics_blocks"].get<int>();
  }
  return r;
}

json to_json(const WalkForwardRequest& r) {
  return json{{"in_sample", to_string(r.in_sample)},
              {"out_of_sample", to_string(r.out_of_sample)},
              {"step", to_string(r.step.value_or(r.out_of_sample))},
              {"anchored", r.anchored}};
}

json to_json(const WalkForwardResult& r, const std::vector<int64_t>& time) {
  auto at = [&](int64_t i) { return time[static_cast<size_t>(i)]; };
  json windows = json::array();
  for (const auto& w : r.windows) {
    json wj{{"is_start", w.is_start},
            {"is_end", w.is_end},
            {"oos_start", w.oos_start},
            {"oos_end", w.oos_end},
            {"is_start_time", at(w.is_start)},
            {"is_end_time", at(w.is_end - 1)},
            {"oos_start_time", at(w.oos_start)},
            {"oos_end_time", at(w.oos_end - 1)},
            {"ok", w.ok},
            {"trials_completed", w.trials_completed},
            {"trials_failed", w.trials_failed}};
    if (w.ok) {
      wj["best_index"] = w.best_index;
      wj["params"] = params_json(w.params);
      wj["in_sample"] = to_json(w.in_sample);
      wj["out_of_sample"] = to_json(w.out_of_sample);
      wj["efficiency"] = number_or_null(w.efficiency);
    } else {
      wj["error"] = w.error;
    }
    windows.push_back(std::move(wj));
  }
  json stability = json::array();
  for (const auto& p : r.stability) {
    stability.push_back({{"name", p.name},
                         {"values", p.values},
                         {"mean", number_or_null(p.mean)},
                         {"stddev", number_or_null(p.stddev)},
                         {"min", number_or_null(p.min)},
                         {"max", number_or_null(p.max)},
                         {"distinct", p.distinct},
                         {"mode_share", number_or_null(p.mode_share)}});
  }
  json equity = json::array();
  for (size_t i = 0; i < r.equity.size(); ++i) equity.push_back({r.time[i], r.equity[i]});
  json trades = json::array();
  for (const auto& t : r.trades) trades.push_back(to_json(t));
  return json{{"schema", kSchemaVersion},
              {"windows", windows},
              {"out_of_sample", to_json(r.out_of_sample)},
              {"mean_in_sample_cagr_pct", number_or_null(r.mean_in_sample_cagr)},
              {"efficiency", number_or_null(r.efficiency)},
              {"stability", stability},
              {"statistics", {{"observations", r.oos_returns.n},
                              {"sharpe_per_bar", number_or_null(r.oos_returns.sharpe)},
                              {"skewness", number_or_null(r.oos_returns.skewness)},
                              {"kurtosis", number_or_null(r.oos_returns.kurtosis)},
                              {"psr", number_or_null(r.psr)},
                              {"monte_carlo", monte_carlo_json(r.monte_carlo)}}},
              {"cancelled", r.cancelled},
              {"equity", equity},
              {"trades", trades}};
}

Result<WalkForwardRequest> walk_forward_request_from_json(const json& j) {
  auto opt = optimization_request_from_json(j);
  if (!opt) return opt.error();
  WalkForwardRequest r;
  r.optimization = std::move(*opt);
  if (!j.contains("walk_forward") || !j["walk_forward"].is_object()) {
    return field_error("walk_forward", "is required: {\"in_sample\": \"3y\", \"out_of_sample\": \"1y\"}");
  }
  const json& w = j["walk_forward"];
  for (auto [key, field] : {std::pair{"in_sample", &r.in_sample}, {"out_of_sample", &r.out_of_sample}}) {
    const std::string name = std::string("walk_forward.") + key;
    if (!w.contains(key) || !(w[key].is_string() || w[key].is_number_integer())) {
      return field_error(name, "is required: bars (a number) or a length such as \"6m\"");
    }
    auto len = parse_window_length(w[key].is_string() ? w[key].get<std::string>() : std::to_string(w[key].get<int64_t>()), name);
    if (!len) return len.error();
    *field = *len;
  }
  if (w.contains("step") && !w["step"].is_null()) {
    if (!(w["step"].is_string() || w["step"].is_number_integer())) return field_error("walk_forward.step", "must be a length");
    auto len = parse_window_length(w["step"].is_string() ? w["step"].get<std::string>() : std::to_string(w["step"].get<int64_t>()),
                                   "walk_forward.step");
    if (!len) return len.error();
    r.step = *len;
  }
  if (w.contains("anchored")) {
    if (!w["anchored"].is_boolean()) return field_error("walk_forward.anchored", "must be true or false");
    r.anchored = w["anchored"].get<bool>();
  }
  return r;
}

Result<TrialResult> trial_from_json(const json& j) {
  if (!j.is_object() || !j.contains("index") || !j["index"].is_number_integer()) {
    return field_error("trials", "each trial needs an integer index");
  }
  TrialResult t;
  t.index = j["index"].get<int64_t>();
  t.ok = j.value("status", "") == "completed";
  if (t.ok) {
    if (!j.contains("metrics") || !j["metrics"].is_object()) return field_error("trials", "a completed trial needs its metrics");
    for (const auto& info : metric_catalog()) {
      const json& v = j["metrics"].contains(info.name) ? j["metrics"][info.name] : json(nullptr);
      double x = std::nan("");
      if (v.is_number()) x = v.get<double>();
      else if (v.is_string()) x = v.get<std::string>() == "Infinity" ? INFINITY : v.get<std::string>() == "-Infinity" ? -INFINITY : x;
      t.metrics.*(info.field) = x;
    }
    if (j.contains("final_equity") && j["final_equity"].is_number()) t.final_equity = j["final_equity"].get<double>();
    if (j.contains("rejected_orders") && j["rejected_orders"].is_number_integer()) t.rejected_orders = j["rejected_orders"].get<int64_t>();
  } else {
    t.error_message = j.contains("error_message") && j["error_message"].is_string() ? j["error_message"].get<std::string>() : "";
    t.error_stack_trace = j.contains("error_stack_trace") && j["error_stack_trace"].is_string() ? j["error_stack_trace"].get<std::string>() : "";
  }
  if (j.contains("block_sums")) {
    if (!j["block_sums"].is_array()) return field_error("trials", "block_sums must be a list of numbers");
    for (const auto& v : j["block_sums"]) {
      if (!v.is_number()) return field_error("trials", "block_sums must be a list of numbers");
      t.block_sums.push_back(v.get<double>());
    }
  }
  return t;
}

}  // namespace atf
