// data/pine: the six built-in strategies written in Pine give the built-ins' trades exactly.
// Each script runs against its built-in counterpart on every sample (NVDA, ORCL, YHOO), for
// several parameter sets (the defaults included; for sma_cross, sets whose averages are exactly
// equal on some bars, checked to exist), long-only and with shorts, filled at the next open and
// at the close. Trades (times, indexes, side, quantity, prices, commission, P&L), final equity,
// cash, the open position and every metric must be identical. A grid over a script's inputs
// gives the built-in grid's metrics combination by combination. The other example scripts of
// data/pine compile and trade on the samples.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "atf/backtest.h"
#include "atf/csv_import.h"
#include "atf/datagen.h"
#include "atf/indicators.h"
#include "atf/optimizer.h"
#include "atf/pine.h"
#include "atf/strategy.h"
#include "test_util.h"

using namespace atf;
using atf::test::sample;

namespace {

const std::vector<std::string> kSamples = {"NVDA-1d-1999-2014.csv", "ORCL-1d-1995-2014.csv", "YHOO-1d-1996-2014.csv"};
const std::vector<std::string> kBuiltins = {"sma_cross",         "ema_cross",         "rsi_reversion",
                                            "bollinger_reversion", "donchian_breakout", "macd_signal"};

std::string pine_path(const std::string& name) { return std::string(ATF_SOURCE_DIR) + "/data/pine/" + name + ".pine"; }

std::shared_ptr<const PineScript> load_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = compile_pine(ss.str());
  if (!s) FAIL(path << ":" << s.error().line << ":" << s.error().column << ": " << s.error().message);
  return *s;
}

std::shared_ptr<const PineScript> builtin_script(const std::string& name) {
  static std::map<std::string, std::shared_ptr<const PineScript>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  return cache[name] = load_script(pine_path(name));
}

/// The script input that carries each built-in parameter.
std::string input_name(const std::string& strategy, const std::string& param) {
  static const std::map<std::string, std::map<std::string, std::string>> names = {
      {"sma_cross", {{"fast", "fastLength"}, {"slow", "slowLength"}}},
      {"ema_cross", {{"fast", "fastLength"}, {"slow", "slowLength"}}},
      {"rsi_reversion", {{"period", "length"}, {"lower", "lower"}, {"upper", "upper"}}},
      {"bollinger_reversion", {{"period", "length"}, {"k", "mult"}}},
      {"donchian_breakout", {{"entry", "entryLength"}, {"exit", "exitLength"}}},
      {"macd_signal", {{"fast", "fastLength"}, {"slow", "slowLength"}, {"signal", "signalLength"}}},
  };
  return names.at(strategy).at(param);
}

ParamMap script_inputs(const std::string& strategy, const ParamMap& params, bool allow_short) {
  ParamMap out;
  for (const auto& [k, v] : params) out[input_name(strategy, k)] = v;
  out["allowShort"] = allow_short ? 1 : 0;
  return out;
}

/// The broker settings both sides share. Margin rules are off on both (each broker's margin
/// calls have their own tests). With next-open fills the size is a fixed 10 units: TradingView
/// sizes percent_of_equity orders at the signal bar's close, the built-in broker at the fill
/// price, so only fills at the close size alike from equity.
void parity_settings(BrokerConfig& cfg, FillRule fill) {
  cfg.fill = fill;
  cfg.margin_long_pct = 0;
  cfg.margin_short_pct = 0;
  if (fill == FillRule::kNextOpen) {
    cfg.sizing = SizingKind::kUnits;
    cfg.size = 10;
  }
}

BrokerConfig builtin_broker(bool allow_short, FillRule fill) {
  BrokerConfig cfg;  // the CLI's defaults: 100,000 cash, 100 % of equity in whole units
  cfg.allow_short = allow_short;
  parity_settings(cfg, fill);
  return cfg;
}

/// The script's broker settings as the CLI makes them from --fill, --margin-long/short, --size.
BrokerConfig script_broker(const PineScript& script, const MarketData& md, FillRule fill) {
  BrokerConfig given;
  parity_settings(given, fill);
  std::set<std::string> fields = {"fill", "margin_long_pct", "margin_short_pct"};
  if (fill == FillRule::kNextOpen) fields.insert({"sizing", "size"});
  auto cfg = script_broker_config(script, given, fields, 1.0 / std::pow(10.0, md.decimals));
  REQUIRE(cfg.ok());
  return *cfg;
}

BacktestResult run_builtin(const MarketData& md, const std::string& strategy, const ParamMap& params, bool allow_short,
                           FillRule fill) {
  BacktestRequest req;
  req.strategy = strategy;
  req.params = params;
  req.broker = builtin_broker(allow_short, fill);
  auto r = run_backtest(md, req);
  if (!r) FAIL(strategy << ": " << r.error().message);
  return *r;
}

BacktestResult run_script(const MarketData& md, const std::string& strategy, const ParamMap& params, bool allow_short,
                          FillRule fill, std::shared_ptr<const PineScript> script = nullptr) {
  if (!script) script = builtin_script(strategy);
  BacktestRequest req;
  req.script = script;
  req.params = script_inputs(strategy, params, allow_short);
  req.broker = script_broker(*script, md, fill);
  auto r = run_backtest(md, req);
  if (!r) FAIL(strategy << ".pine: " << r.error().message << " [" << r.error().context << "]");
  return *r;
}

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string differing_metrics(const Metrics& a, const Metrics& b) {
  std::string out;
  for (const auto& m : metric_catalog()) {
    if (!same_number(a.*m.field, b.*m.field)) out += std::string(out.empty() ? "" : ", ") + m.name;
  }
  return out;
}

std::string describe(const Trade& t) {
  std::ostringstream o;
  o.precision(17);
  o << (t.side > 0 ? "long " : "short ") << t.quantity << " @" << t.entry_price << " bar " << t.entry_index << " (t "
    << t.entry_time << ") -> @" << t.exit_price << " bar " << t.exit_index << " (t " << t.exit_time << ") pnl " << t.pnl
    << " commission " << t.commission << " reason " << exit_reason_name(t.exit_reason);
  return o.str();
}

bool same_trade(const Trade& a, const Trade& b) {
  return a.entry_time == b.entry_time && a.exit_time == b.exit_time && a.entry_index == b.entry_index &&
         a.exit_index == b.exit_index && a.side == b.side && a.quantity == b.quantity &&
         a.entry_price == b.entry_price && a.exit_price == b.exit_price && a.commission == b.commission &&
         a.pnl == b.pnl && same_number(a.return_pct, b.return_pct) && a.exit_reason == b.exit_reason;
}

/// Runs both and checks they agree; returns the built-in's trade count.
size_t check_parity(const std::string& file, const std::string& strategy, const ParamMap& params, bool allow_short,
                    FillRule fill, std::shared_ptr<const MarketData> data = nullptr) {
  const auto md = data ? data : sample(file);
  const BacktestResult want = run_builtin(*md, strategy, params, allow_short, fill);
  const BacktestResult got = run_script(*md, strategy, params, allow_short, fill);
  INFO(strategy << " on " << file << " (" << format_params(want.params) << ", allow_short " << allow_short
                << ", fill " << (fill == FillRule::kClose ? "close" : "next-open") << ")");
  REQUIRE(got.trades.size() == want.trades.size());
  for (size_t i = 0; i < want.trades.size(); ++i) {
    INFO("trade " << i << "\n  built-in " << describe(want.trades[i]) << "\n  script   " << describe(got.trades[i]));
    REQUIRE(same_trade(got.trades[i], want.trades[i]));
  }
  CHECK(got.final_equity == want.final_equity);
  CHECK(got.final_cash == want.final_cash);
  CHECK(got.rejected_orders == want.rejected_orders);
  REQUIRE(got.open_position.has_value() == want.open_position.has_value());
  if (want.open_position) {
    CHECK(got.open_position->side == want.open_position->side);
    CHECK(got.open_position->quantity == want.open_position->quantity);
    CHECK(got.open_position->entry_price == want.open_position->entry_price);
    CHECK(got.open_position->entry_index == want.open_position->entry_index);
    CHECK(got.open_position->unrealized_pnl == want.open_position->unrealized_pnl);
  }
  CHECK(differing_metrics(got.metrics, want.metrics).empty());
  REQUIRE(got.equity_curve.size() == want.equity_curve.size());
  size_t curve_diffs = 0;
  for (size_t t = 0; t < want.equity_curve.size(); ++t) curve_diffs += got.equity_curve[t] != want.equity_curve[t];
  CHECK(curve_diffs == 0);
  return want.trades.size();
}

struct ParityTotals {
  size_t runs = 0, trades = 0, with_shorts = 0;
};

/// Every sample × parameter set × {long-only, shorts} × {next open, close}.
ParityTotals check_all(const std::string& strategy, const std::vector<ParamMap>& sets) {
  ParityTotals totals;
  for (const auto& file : kSamples) {
    for (const auto& params : sets) {
      for (bool allow_short : {false, true}) {
        for (FillRule fill : {FillRule::kNextOpen, FillRule::kClose}) {
          totals.trades += check_parity(file, strategy, params, allow_short, fill);
          ++totals.runs;
        }
      }
    }
  }
  return totals;
}

/// Bars (from the first with both averages) where SMA(fast) = SMA(slow) exactly, and how many of
/// those ties sit inside a crossing (the averages differ on each side of the tie with opposite
/// signs): the crossings that backtrader's CrossOver rule, and so sma_cross.pine, must date right.
struct Ties {
  int64_t ties = 0, crossings_through_ties = 0;
};
Ties sma_ties(const MarketData& md, int fast, int slow) {
  const auto sf = sma_sum_series(md.close_ticks, fast);
  const auto ss = sma_sum_series(md.close_ticks, slow);
  Ties out;
  int last = 0;
  bool in_tie = false;
  for (size_t t = static_cast<size_t>(slow - 1); t < md.close_ticks.size(); ++t) {
    const int128 d = static_cast<int128>(sf[t]) * slow - static_cast<int128>(ss[t]) * fast;
    const int s = (d > 0) - (d < 0);
    if (s == 0) {
      ++out.ties;
      in_tie = true;
      continue;
    }
    if (in_tie && last != 0 && s != last) ++out.crossings_through_ties;
    in_tie = false;
    last = s;
  }
  return out;
}

ParamMap pm(std::initializer_list<std::pair<const std::string, double>> kv) { return ParamMap(kv); }

}  // namespace

TEST_CASE("data/pine: each built-in strategy's script compiles with inputs named for --input and axes", "[pine_parity]") {
  const std::map<std::string, std::set<std::string>> inputs = {
      {"sma_cross", {"fastLength", "slowLength", "allowShort"}},
      {"ema_cross", {"fastLength", "slowLength", "allowShort"}},
      {"rsi_reversion", {"length", "lower", "upper", "allowShort"}},
      {"bollinger_reversion", {"length", "mult", "allowShort"}},
      {"donchian_breakout", {"entryLength", "exitLength", "allowShort"}},
      {"macd_signal", {"fastLength", "slowLength", "signalLength", "allowShort"}},
  };
  for (const auto& name : kBuiltins) {
    INFO(name);
    auto script = builtin_script(name);
    CHECK(script->settings.is_strategy);
    std::set<std::string> got;
    for (const auto& p : script->params) got.insert(p.name);
    CHECK(got == inputs.at(name));
    // Defaults equal the built-in's, and the broker settings are the built-in's defaults.
    const StrategyInfo* info = find_strategy(name);
    REQUIRE(info);
    for (const auto& spec : info->params) {
      for (const auto& p : script->params) {
        if (p.name == input_name(name, spec.name)) CHECK(p.default_value == spec.default_value);
      }
    }
    for (const auto& p : script->params) {
      if (p.name == "allowShort") CHECK(p.default_value == 0);
    }
    auto cfg_or = script_broker_config(*script, BrokerConfig{}, {}, 0.01);
    REQUIRE(cfg_or.ok());
    const BrokerConfig cfg = *cfg_or;
    const BrokerConfig def;
    CHECK(cfg.cash == def.cash);
    CHECK(cfg.sizing == def.sizing);
    CHECK(cfg.size == def.size);
    CHECK(cfg.fractional == def.fractional);
    CHECK(cfg.commission_pct == def.commission_pct);
    CHECK(cfg.commission_fixed == def.commission_fixed);
    CHECK(cfg.commission_per_unit == def.commission_per_unit);
    CHECK(cfg.slippage_abs == def.slippage_abs);
  }
}

TEST_CASE("data/pine/sma_cross.pine: same trades as sma_cross, exact SMA ties included", "[pine_parity]") {
  // Pairs whose averages are exactly equal on some bars of every sample, with crossings that go
  // through a tie (found by scanning the samples; asserted here so the test proves something).
  const std::vector<std::pair<int, int>> tie_pairs = {{1, 3}, {2, 4}, {5, 10}};
  for (const auto& file : kSamples) {
    for (const auto& [fast, slow] : tie_pairs) {
      const Ties t = sma_ties(*sample(file), fast, slow);
      INFO(file << " fast " << fast << " slow " << slow);
      CHECK(t.ties > 0);
      CHECK(t.crossings_through_ties > 0);
    }
  }
  std::vector<ParamMap> sets = {{}, pm({{"fast", 5}, {"slow", 20}}), pm({{"fast", 20}, {"slow", 50}})};
  for (const auto& [fast, slow] : tie_pairs) sets.push_back(pm({{"fast", fast}, {"slow", slow}}));
  const ParityTotals totals = check_all("sma_cross", sets);
  CHECK(totals.runs == 3 * sets.size() * 4);
  CHECK(totals.trades > 1000);
}

TEST_CASE("data/pine/ema_cross.pine: same trades as ema_cross", "[pine_parity]") {
  const ParityTotals totals = check_all("ema_cross", {{}, pm({{"fast", 5}, {"slow", 20}}), pm({{"fast", 1}, {"slow", 10}}),
                                                      pm({{"fast", 20}, {"slow", 50}})});
  CHECK(totals.trades > 1000);
}

TEST_CASE("data/pine/rsi_reversion.pine: same trades as rsi_reversion", "[pine_parity]") {
  const ParityTotals totals =
      check_all("rsi_reversion", {{}, pm({{"period", 7}, {"lower", 25}, {"upper", 75}}),
                                  pm({{"period", 21}, {"lower", 40}, {"upper", 60}}),
                                  pm({{"period", 2}, {"lower", 10}, {"upper", 90}})});
  CHECK(totals.trades > 1000);
}

TEST_CASE("data/pine/bollinger_reversion.pine: same trades as bollinger_reversion (exact band tests)", "[pine_parity]") {
  const ParityTotals totals =
      check_all("bollinger_reversion", {{}, pm({{"period", 10}, {"k", 1.5}}), pm({{"period", 50}, {"k", 2.5}}),
                                        pm({{"period", 5}, {"k", 0.1}}), pm({{"period", 30}, {"k", 1.234}})});
  CHECK(totals.trades > 1000);
}

TEST_CASE("data/pine: same trades on generated minute bars, closes exactly on a Bollinger band included", "[pine_parity]") {
  GeneratorOptions g;
  g.bars = 3000;
  g.seed = 7;
  const auto md = test::prepare(generate_bars(g));
  // Over 2 bars the lower band is exactly the lower of the two closes (mean - |a - b| / 2): with
  // k = 1 every falling close sits on the lower band (not outside it), with k = 0.999 outside.
  int64_t on_band = 0;
  for (size_t t = 1; t < md->close_ticks.size(); ++t) on_band += md->close_ticks[t] < md->close_ticks[t - 1];
  CHECK(on_band > 500);
  size_t trades_k1 = 0, trades_below = 0;
  for (bool allow_short : {false, true}) {
    for (FillRule fill : {FillRule::kNextOpen, FillRule::kClose}) {
      trades_k1 += check_parity("generated", "bollinger_reversion", pm({{"period", 2}, {"k", 1}}), allow_short, fill, md);
      trades_below +=
          check_parity("generated", "bollinger_reversion", pm({{"period", 2}, {"k", 0.999}}), allow_short, fill, md);
      check_parity("generated", "bollinger_reversion", pm({{"period", 3}, {"k", 1.001}}), allow_short, fill, md);
      check_parity("generated", "bollinger_reversion", {}, allow_short, fill, md);
      for (const auto& [fast, slow] : std::vector<std::pair<int, int>>{{1, 2}, {5, 10}, {10, 30}}) {
        check_parity("generated", "sma_cross", pm({{"fast", fast}, {"slow", slow}}), allow_short, fill, md);
      }
      check_parity("generated", "ema_cross", {}, allow_short, fill, md);
      check_parity("generated", "rsi_reversion", {}, allow_short, fill, md);
      check_parity("generated", "donchian_breakout", {}, allow_short, fill, md);
      check_parity("generated", "macd_signal", {}, allow_short, fill, md);
    }
  }
  CHECK(trades_k1 == 0);       // on the band is not below it
  CHECK(trades_below > 1000);  // just inside it is
}

TEST_CASE("data/pine/donchian_breakout.pine: same trades as donchian_breakout", "[pine_parity]") {
  const ParityTotals totals =
      check_all("donchian_breakout", {{}, pm({{"entry", 55}, {"exit", 20}}), pm({{"entry", 5}, {"exit", 5}}),
                                      pm({{"entry", 10}, {"exit", 30}}), pm({{"entry", 1}, {"exit", 1}})});
  CHECK(totals.trades > 1000);
}

TEST_CASE("data/pine/macd_signal.pine: same trades as macd_signal", "[pine_parity]") {
  const ParityTotals totals =
      check_all("macd_signal", {{}, pm({{"fast", 5}, {"slow", 35}, {"signal", 5}}),
                                pm({{"fast", 1}, {"slow", 10}, {"signal", 1}}), pm({{"fast", 19}, {"slow", 39}, {"signal", 9}})});
  CHECK(totals.trades > 1000);
}

TEST_CASE("data/pine: a grid over a script's inputs gives the built-in grid's metrics per combination", "[pine_parity]") {
  struct GridCase {
    std::string strategy;
    std::vector<Axis> axes;  // built-in parameter names
  };
  const std::vector<GridCase> grids = {
      {"sma_cross", {{"fast", {1, 2, 5, 10}}, {"slow", {20, 30, 50}}}},
      {"ema_cross", {{"fast", {5, 12}}, {"slow", {26, 40}}}},
      {"rsi_reversion", {{"period", {7, 14}}, {"lower", {25, 30}}, {"upper", {70, 75}}}},
      {"bollinger_reversion", {{"period", {10, 20}}, {"k", {1.5, 2}}}},
      {"donchian_breakout", {{"entry", {10, 20}}, {"exit", {5, 10}}}},
      {"macd_signal", {{"fast", {8, 12}}, {"slow", {26, 30}}, {"signal", {5, 9}}}},
  };
  const auto md = sample("ORCL-1d-1995-2014.csv");
  int64_t compared = 0;
  for (const auto& g : grids) {
    for (bool allow_short : {false, true}) {
      INFO(g.strategy << " allow_short " << allow_short);
      OptimizationRequest builtin;
      builtin.base.strategy = g.strategy;
      builtin.base.broker = builtin_broker(allow_short, FillRule::kNextOpen);
      builtin.axes = g.axes;
      builtin.threads = 2;
      OptimizationRequest script;
      script.base.script = builtin_script(g.strategy);
      script.base.params["allowShort"] = allow_short ? 1 : 0;
      script.base.broker = script_broker(*script.base.script, *md, FillRule::kNextOpen);
      for (const auto& a : g.axes) script.axes.push_back({input_name(g.strategy, a.name), a.values});
      script.threads = 2;
      auto want = run_optimization(*md, builtin);
      auto got = run_optimization(*md, script);
      REQUIRE(want.ok());
      if (!got) FAIL(got.error().message);
      REQUIRE(want->total == got->total);
      REQUIRE(got->completed == got->total);
      REQUIRE(want->completed == want->total);
      std::map<int64_t, const TrialResult*> by_index;
      for (const auto& t : got->trials) by_index[t.index] = &t;
      for (const auto& w : want->trials) {
        const TrialResult& s = *by_index.at(w.index);
        INFO("combination " << w.index << ": " << format_params(want->grid.params_at(w.index)) << " / "
                            << format_params(got->grid.params_at(w.index)));
        REQUIRE(s.ok);
        CHECK(s.final_equity == w.final_equity);
        CHECK(s.rejected_orders == w.rejected_orders);
        CHECK(differing_metrics(s.metrics, w.metrics).empty());
        ++compared;
      }
      CHECK(got->best_index == want->best_index);
    }
  }
  CHECK(compared == 2 * (12 + 4 + 8 + 4 + 4 + 8));
}

TEST_CASE("data/pine: the other example scripts compile and trade on the samples", "[pine_parity]") {
  const std::set<std::string> builtins(kBuiltins.begin(), kBuiltins.end());
  std::vector<std::string> examples;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ATF_SOURCE_DIR) + "/data/pine")) {
    if (e.path().extension() != ".pine") continue;
    const std::string stem = e.path().stem().string();
    if (!builtins.count(stem)) examples.push_back(stem);
  }
  CHECK(examples.size() >= 3);
  for (const auto& name : examples) {
    auto script = load_script(pine_path(name));
    CHECK(script->settings.is_strategy);
    for (const auto& file : kSamples) {
      INFO(name << ".pine on " << file);
      const auto md = sample(file);
      BacktestRequest req;
      req.script = script;
      req.broker = script_broker(*script, *md, FillRule::kNextOpen);
      auto r = run_backtest(*md, req);
      if (!r) FAIL(r.error().message << " [" << r.error().context << "]");
      CHECK(r->trades.size() >= 1);
    }
  }
}
