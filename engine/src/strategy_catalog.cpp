#include <cmath>

#include "atf/strategy.h"

namespace atf {
namespace {

ParamSpec int_param(const char* name, double def, double min, double max, const char* description) {
  return ParamSpec{name, ParamType::kInt, def, min, max, 1, description};
}
ParamSpec float_param(const char* name, double def, double min, double max, double step, const char* description) {
  return ParamSpec{name, ParamType::kFloat, def, min, max, step, description};
}

Status require_less(const ParamMap& p, const char* small, const char* large) {
  if (p.at(small) < p.at(large)) return Ok{};
  return Error::validation(small, std::string(small) + " (" + format_number(p.at(small)) + ") must be less than " +
                                      large + " (" + format_number(p.at(large)) + ")");
}

// Rules that involve more than one parameter.
Status check_combination(const std::string& strategy, const ParamMap& p) {
  if (strategy == "sma_cross" || strategy == "ema_cross" || strategy == "macd_signal") {
    return require_less(p, "fast", "slow");
  }
  if (strategy == "rsi_reversion") return require_less(p, "lower", "upper");
  return Ok{};
}

}  // namespace

const std::vector<StrategyInfo>& strategy_catalog() {
  static const std::vector<StrategyInfo> catalog = {
      {"sma_cross",
       "Long when the fast SMA crosses above the slow SMA; exit (or short) when it crosses below.",
       {int_param("fast", 10, 1, 500, "fast SMA period (1 = the close itself)"),
        int_param("slow", 30, 2, 2000, "slow SMA period")}},
      {"ema_cross",
       "Long when the fast EMA crosses above the slow EMA; exit (or short) when it crosses below.",
       {int_param("fast", 12, 1, 500, "fast EMA period"), int_param("slow", 26, 2, 2000, "slow EMA period")}},
      {"rsi_reversion",
       "Long when Wilder's RSI is below `lower`; exit (or short) when it is above `upper`.",
       {int_param("period", 14, 2, 500, "RSI period"), float_param("lower", 30, 1, 99, 1, "oversold level"),
        float_param("upper", 70, 1, 99, 1, "overbought level")}},
      {"bollinger_reversion",
       "Long below the lower Bollinger band, short above the upper one (if allowed); exit at the middle band.",
       {int_param("period", 20, 2, 1000, "SMA and standard deviation period"),
        float_param("k", 2, 0.1, 10, 0.1, "band width in population standard deviations")}},
      {"donchian_breakout",
       "Long on a close above the highest high of the last `entry` bars; exit below the lowest low of the last "
       "`exit` bars (mirror for shorts).",
       {int_param("entry", 20, 1, 1000, "breakout channel length"), int_param("exit", 10, 1, 1000, "exit channel length")}},
      {"macd_signal",
       "Long when the MACD line crosses above its signal line; exit (or short) when it crosses below.",
       {int_param("fast", 12, 1, 500, "fast EMA period"), int_param("slow", 26, 2, 1000, "slow EMA period"),
        int_param("signal", 9, 1, 500, "signal EMA period")}},
      {"fault_probe",
       "Testing aid: close-over-SMA crossing that throws at bar `fail_at_bar` when period = fail_period.",
       {int_param("period", 10, 1, 1000, "SMA period"),
        int_param("fail_period", -1, -1, 1000, "the period that fails (-1: none)"),
        int_param("fail_at_bar", 0, 0, 1e12, "bar index at which it fails")},
       true},
  };
  return catalog;
}

const StrategyInfo* find_strategy(const std::string& name) {
  for (const auto& s : strategy_catalog()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status check_param(const ParamSpec& spec, double value) {
  if (!std::isfinite(value)) return Error::validation(spec.name, spec.name + " must be a finite number");
  if (spec.type == ParamType::kInt && value != std::floor(value)) {
    return Error::validation(spec.name, spec.name + " must be a whole number, got " + format_number(value));
  }
  if (value < spec.min || value > spec.max) {
    return Error::validation(spec.name, spec.name + " must be between " + format_number(spec.min) + " and " +
                                            format_number(spec.max) + ", got " + format_number(value));
  }
  return Ok{};
}

Result<ParamMap> resolve_params(const std::string& strategy, const ParamMap& given) {
  const StrategyInfo* info = find_strategy(strategy);
  if (!info) {
    std::string known;
    for (const auto& s : strategy_catalog()) {
      if (!s.hidden) known += (known.empty() ? "" : ", ") + s.name;
    }
    Error e = Error::validation("strategy", "unknown strategy '" + strategy + "' (known: " + known + ")");
    e.code = ErrorCode::kNotFound;
    return e;
  }
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const auto& spec : info->params) known = known || spec.name == name;
    if (!known) return Error::validation(name, "strategy " + strategy + " has no parameter '" + name + "'");
  }
  ParamMap out;
  for (const auto& spec : info->params) {
    auto it = given.find(spec.name);
    const double v = it == given.end() ? spec.default_value : it->second;
    if (auto st = check_param(spec, v); !st) return st.error();
    out[spec.name] = v;
  }
  if (auto st = check_combination(strategy, out); !st) return st.error();
  return out;
}

}  // namespace atf
