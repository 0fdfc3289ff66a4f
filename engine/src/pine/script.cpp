// The public face of the Pine subsystem (atf/pine.h): compile, check, and turn a script's
// strategy() settings into the run's broker settings.
#include <cmath>
#include <cstdio>

#include "atf/backtest.h"
#include "atf/pine.h"
#include "compiler.h"

namespace atf {
namespace {

std::string fnv1a_hex(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool numeric_kind(const std::string& k) { return k == "int" || k == "float" || k == "bool" || k == "time" || k == "price"; }

}  // namespace

Result<std::shared_ptr<const PineScript>> compile_pine(std::string_view source) {
  auto prog = pine::compile_program(source);
  if (!prog) return prog.error();
  auto s = std::make_shared<PineScript>();
  s->source = std::string(source);
  s->hash = fnv1a_hex(source);
  s->program = *prog;
  const pine::Program& p = **prog;
  for (const auto& in : p.inputs) {
    ScriptInput si;
    si.name = in.name;
    si.title = in.title;
    si.kind = in.kind;
    si.default_value = in.kind == "source" ? pine::kNa : in.defval;
    si.default_text = in.def_text;
    si.min = in.minval;
    si.max = in.maxval;
    si.step = in.step;
    si.options = in.options;
    si.tooltip = in.tooltip;
    si.group = in.group;
    si.line = in.line;
    s->inputs.push_back(si);
    if (numeric_kind(in.kind) && in.options.empty()) {
      ParamSpec ps;
      ps.name = in.name;
      ps.type = in.kind == "float" || in.kind == "price" ? ParamType::kFloat : ParamType::kInt;
      ps.default_value = in.defval;
      // Undeclared bounds: the whole range (the optimizer's axes give the real one).
      ps.min = std::isnan(in.minval) ? (in.kind == "bool" ? 0 : -1e300) : in.minval;
      ps.max = std::isnan(in.maxval) ? (in.kind == "bool" ? 1 : 1e300) : in.maxval;
      ps.step = std::isnan(in.step) ? (ps.type == ParamType::kInt ? 1 : 0) : in.step;
      ps.description = in.title.empty() ? in.name : in.title;
      s->params.push_back(ps);
    }
  }
  const pine::ScriptSettings& st = p.settings;
  s->settings.is_strategy = st.is_strategy;
  s->settings.title = st.title;
  s->settings.overlay = st.overlay;
  s->settings.initial_capital = st.initial_capital;
  s->settings.currency = st.currency;
  s->settings.default_qty_type = st.default_qty_type;
  s->settings.default_qty_value = st.default_qty_value;
  s->settings.pyramiding = st.pyramiding;
  s->settings.commission_type = st.commission_type;
  s->settings.commission_value = st.commission_value;
  s->settings.slippage = st.slippage;
  s->settings.process_orders_on_close = st.process_orders_on_close;
  s->settings.margin_long = st.margin_long;
  s->settings.margin_short = st.margin_short;
  s->settings.max_bars_back = st.max_bars_back;
  return std::shared_ptr<const PineScript>(std::move(s));
}

ScriptCheck check_pine(std::string_view source) {
  ScriptCheck out;
  auto s = compile_pine(source);
  if (s) {
    out.script = *s;
  } else {
    out.diagnostics.push_back({"error", s.error().message, s.error().line, s.error().column});
  }
  return out;
}

Result<BrokerConfig> script_broker_config(const PineScript& script, const BrokerConfig& given,
                                          const std::set<std::string>& explicit_fields, double mintick) {
  const ScriptSettings& st = script.settings;
  auto is_set = [](double v) { return !std::isnan(v); };
  auto user = [&](const char* f) { return explicit_fields.count(f) > 0; };
  auto refuse = [](const std::string& field, const std::string& msg) { return Error::validation("script." + field, msg); };
  BrokerConfig cfg = given;
  // TradingView's defaults (Reference Manual, strategy()): initial_capital 1,000,000, one
  // contract per order, no commission, no slippage, orders filled at the next bar's open.
  if (!user("cash")) cfg.cash = is_set(st.initial_capital) ? st.initial_capital : 1'000'000;
  if (!user("size") && !user("sizing")) {
    const std::string type = st.default_qty_type.empty() ? "fixed" : st.default_qty_type;
    const double v = is_set(st.default_qty_value) ? st.default_qty_value : 1;
    if (type == "fixed") {
      cfg.sizing = SizingKind::kUnits;
      cfg.size = v;  // as given, fractions included (the quantity step applies to computed sizes)
    } else if (type == "percent_of_equity") {
      if (!(v > 0) || v > 100) {
        return refuse("default_qty_value", "default_qty_value must be in (0, 100] for percent_of_equity (more than 100 % of equity, i.e. leverage, is not supported yet)");
      }
      cfg.sizing = SizingKind::kEquity;
      cfg.size = v / 100.0;
    } else if (type == "cash") {
      if (!(v > 0)) return refuse("default_qty_value", "default_qty_value must be a positive cash amount for strategy.cash");
      cfg.sizing = SizingKind::kCash;
      cfg.size = v;
    } else {
      return refuse("default_qty_type", "unknown default_qty_type '" + type + "'");
    }
  }
  if (is_set(st.pyramiding) && !(st.pyramiding >= 0)) return refuse("pyramiding", "pyramiding must be 0 or more");
  // TradingView v6: margin_long / margin_short default to 100 (no leverage).
  if (!user("margin_long_pct")) cfg.margin_long_pct = is_set(st.margin_long) ? st.margin_long : 100;
  if (!user("margin_short_pct")) cfg.margin_short_pct = is_set(st.margin_short) ? st.margin_short : 100;
  if (!(cfg.margin_long_pct >= 0) || !(cfg.margin_short_pct >= 0)) {
    return refuse(cfg.margin_long_pct >= 0 ? "margin_short" : "margin_long", "margin must be a percentage of 0 or more");
  }
  if (!user("risk_free_rate_pct") && is_set(script.program->settings.risk_free_rate)) cfg.risk_free_rate_pct = script.program->settings.risk_free_rate;
  // The built-in strategies' stop-loss / take-profit options have no place in a script's broker:
  // TradingView's strategy.exit does that job, on the intrabar path.
  if (cfg.stop_loss_pct > 0) return Error::validation("stop_loss_pct", "stop_loss_pct applies to built-in strategies; in a Pine script use strategy.exit(loss = ...) or stop = ...");
  if (cfg.take_profit_pct > 0) return Error::validation("take_profit_pct", "take_profit_pct applies to built-in strategies; in a Pine script use strategy.exit(profit = ...) or limit = ...");
  if (!user("commission_pct") && !user("commission_fixed") && !user("commission_per_unit") && is_set(st.commission_value)) {
    const std::string type = st.commission_type.empty() ? "percent" : st.commission_type;
    if (type == "percent") cfg.commission_pct = st.commission_value;
    else if (type == "cash_per_order") cfg.commission_fixed = st.commission_value;
    else if (type == "cash_per_contract") cfg.commission_per_unit = st.commission_value;
    else return refuse("commission_type", "unknown commission_type '" + type + "'");
  }
  if (!user("slippage_bps") && is_set(st.slippage) && st.slippage > 0) {
    cfg.slippage_abs = st.slippage * mintick;
  }
  if (!user("fill") && st.process_orders_on_close) cfg.fill = FillRule::kClose;
  // Scripts decide their own direction: strategy.entry(..., strategy.short) opens a short.
  cfg.allow_short = true;
  return cfg;
}

Status prepare_script_request(BacktestRequest& request, const MarketData& data) {
  if (!request.script || request.script_prepared) return Ok{};
  if (!(request.mintick >= 0) || !std::isfinite(request.mintick)) {
    return Error::validation("mintick", "mintick must be a positive number (or 0: from the data)");
  }
  const double mintick = request.mintick > 0 ? request.mintick : 1.0 / std::pow(10.0, data.decimals);
  auto cfg = script_broker_config(*request.script, request.broker, request.broker_given, mintick);
  if (!cfg) return cfg.error();
  request.broker = *cfg;
  if (request.strategy.empty()) request.strategy = request.script->settings.title;
  request.script_prepared = true;
  return Ok{};
}

}  // namespace atf
