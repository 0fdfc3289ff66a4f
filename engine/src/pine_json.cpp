#include "atf/pine_json.h"

#include <cmath>

namespace atf {
namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json to_json(const ScriptInput& in) {
  nlohmann::json j;
  j["name"] = in.name;
  j["title"] = in.title;
  j["kind"] = in.kind;
  if (in.kind == "int" || in.kind == "float" || in.kind == "time" || in.kind == "price" || in.kind == "color") {
    j["default"] = number_or_null(in.default_value);
  } else if (in.kind == "bool") {
    j["default"] = in.default_value != 0;
  } else {
    j["default"] = in.default_text;
  }
  j["min"] = number_or_null(in.min);
  j["max"] = number_or_null(in.max);
  j["step"] = number_or_null(in.step);
  j["options"] = in.options;
  j["tooltip"] = in.tooltip;
  j["group"] = in.group;
  j["line"] = in.line;
  return j;
}

nlohmann::json to_json(const ScriptSettings& s) {
  nlohmann::json j;
  j["kind"] = s.is_strategy ? "strategy" : "indicator";
  j["title"] = s.title;
  j["overlay"] = s.overlay;
  j["initial_capital"] = number_or_null(s.initial_capital);
  j["currency"] = s.currency;
  j["default_qty_type"] = s.default_qty_type;
  j["default_qty_value"] = number_or_null(s.default_qty_value);
  j["pyramiding"] = number_or_null(s.pyramiding);
  j["commission_type"] = s.commission_type;
  j["commission_value"] = number_or_null(s.commission_value);
  j["slippage"] = number_or_null(s.slippage);
  j["process_orders_on_close"] = s.process_orders_on_close;
  j["margin_long"] = number_or_null(s.margin_long);
  j["margin_short"] = number_or_null(s.margin_short);
  j["max_bars_back"] = number_or_null(s.max_bars_back);
  return j;
}

nlohmann::json to_json(const ScriptCheck& check) {
  nlohmann::json j;
  j["ok"] = check.script != nullptr;
  j["diagnostics"] = nlohmann::json::array();
  for (const auto& d : check.diagnostics) {
    j["diagnostics"].push_back({{"severity", d.severity}, {"message", d.message}, {"line", d.line}, {"column", d.column}});
  }
  j["inputs"] = nlohmann::json::array();
  if (check.script) {
    j["hash"] = check.script->hash;
    for (const auto& in : check.script->inputs) j["inputs"].push_back(to_json(in));
    j["settings"] = to_json(check.script->settings);
  } else {
    j["hash"] = nullptr;
    j["settings"] = nullptr;
  }
  return j;
}

nlohmann::json plots_json(const std::vector<PlotSeries>& plots) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : plots) {
    nlohmann::json values = nlohmann::json::array();
    for (double v : p.values) values.push_back(number_or_null(v));
    out.push_back({{"title", p.title}, {"color", p.color}, {"overlay", p.overlay}, {"values", std::move(values)}});
  }
  return out;
}

Status inputs_from_json(const nlohmann::json& j, ParamMap& numbers, std::map<std::string, std::string>& texts) {
  if (!j.is_object()) return Error::validation("inputs", "inputs must be an object of name: value");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string field = "inputs." + it.key();
    if (it->is_boolean()) {
      numbers[it.key()] = it->get<bool>() ? 1 : 0;
    } else if (it->is_number()) {
      const double v = it->get<double>();
      if (!std::isfinite(v)) return Error::validation(field, "input '" + it.key() + "' must be a finite number");
      numbers[it.key()] = v;
    } else if (it->is_string()) {
      texts[it.key()] = it->get<std::string>();
    } else {
      return Error::validation(field, "input '" + it.key() + "' must be a number, a bool or a string");
    }
  }
  return Ok{};
}

}  // namespace atf
