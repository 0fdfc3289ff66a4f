// Strategy catalog, parameter validation, and each strategy's signals on crafted prices.
#include <catch2/catch.hpp>

#include <cmath>

#include "atf/backtest.h"
#include "atf/indicators.h"
#include "atf/strategy.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

BacktestResult run(const std::string& strategy, ParamMap params, const Bars& bars, bool allow_short = false) {
  BacktestRequest r;
  r.strategy = strategy;
  r.params = std::move(params);
  r.broker.cash = 10000;
  r.broker.sizing = SizingKind::kUnits;
  r.broker.size = 1;
  r.broker.fill = FillRule::kClose;  // fills on the signal bar: indexes read directly
  r.broker.allow_short = allow_short;
  auto md = prepare(bars);
  auto res = run_backtest(*md, r);
  if (!res) FAIL(res.error().message);
  return *res;
}

}  // namespace

TEST_CASE("the catalog declares every strategy with its parameters", "[strategy]") {
  for (const char* name : {"sma_cross", "ema_cross", "rsi_reversion", "bollinger_reversion", "donchian_breakout",
                           "macd_signal"}) {
    const StrategyInfo* s = find_strategy(name);
    REQUIRE(s != nullptr);
    CHECK_FALSE(s->hidden);
    CHECK_FALSE(s->description.empty());
    for (const auto& p : s->params) {
      CHECK(p.min <= p.default_value);
      CHECK(p.default_value <= p.max);
      CHECK(p.step > 0);
      CHECK_FALSE(p.description.empty());
    }
    CHECK(resolve_params(name, {}).ok());  // defaults are valid
  }
  CHECK(find_strategy("fault_probe")->hidden);
}

TEST_CASE("parameter validation names the parameter", "[strategy][validation]") {
  auto err = [](const std::string& s, ParamMap p) {
    auto r = resolve_params(s, p);
    REQUIRE_FALSE(r.ok());
    return r.error();
  };
  CHECK(err("sma_cross", {{"fast", 30}, {"slow", 20}}).field == "fast");
  CHECK(err("sma_cross", {{"fast", 30}, {"slow", 20}}).message == "fast (30) must be less than slow (20)");
  CHECK(err("sma_cross", {{"fast", 20}, {"slow", 20}}).field == "fast");
  CHECK(err("sma_cross", {{"fast", 2.5}}).field == "fast");
  CHECK(err("sma_cross", {{"slow", 0}}).field == "slow");
  CHECK(err("sma_cross", {{"slow", 1e9}}).message == "slow must be between 2 and 2000, got 1000000000");
  CHECK(err("sma_cross", {{"speed", 3}}).field == "speed");
  CHECK(err("rsi_reversion", {{"lower", 80}, {"upper", 70}}).field == "lower");
  CHECK(err("macd_signal", {{"fast", 30}}).field == "fast");
  auto unknown = err("no_such", {});
  CHECK(unknown.code == ErrorCode::kNotFound);
  CHECK(unknown.field == "strategy");
  auto ok = resolve_params("sma_cross", {{"fast", 5}});
  REQUIRE(ok.ok());
  CHECK(ok->at("slow") == 30);  // default filled
}

TEST_CASE("sma_cross with fast = 1 compares the close itself", "[strategy]") {
  auto res = run("sma_cross", {{"fast", 1}, {"slow", 2}}, make_bars({10, 9, 11, 12, 10, 9}, {10, 9, 11, 12, 10, 9}));
  REQUIRE(res.trades.size() == 1);
  CHECK(res.trades[0].entry_index == 2);
  CHECK(res.trades[0].exit_index == 4);
}

TEST_CASE("sma_cross: a touch is not a cross", "[strategy][cross]") {
  // SMA(2) vs close: bar 2 close 10 equals SMA (10+10)/2 exactly: touch, then back up: no trade.
  const std::vector<double> c = {9, 11, 10, 10, 12, 13};
  auto res = run("sma_cross", {{"fast", 1}, {"slow", 2}}, make_bars(c, c));
  // Bar 1: 11 > 10 (+). Bar 2: 10 < 10.5 (−): cross below (flat anyway). Bar 3: 10 = 10 (0).
  // Bar 4: 12 > 11 (+): the last non-equal side was below → cross above on bar 4.
  REQUIRE(res.open_position.has_value());
  CHECK(res.open_position->entry_index == 4);
}

TEST_CASE("ema_cross goes long on a fast-over-slow cross", "[strategy]") {
  std::vector<double> c;
  for (int i = 0; i < 30; ++i) c.push_back(100 - i);  // falling
  for (int i = 0; i < 30; ++i) c.push_back(71 + 2 * i);  // rising
  auto res = run("ema_cross", {{"fast", 3}, {"slow", 10}}, make_bars(c, c));
  REQUIRE(res.open_position.has_value());
  CHECK(res.open_position->entry_index > 30);
  CHECK(res.open_position->entry_index < 40);
}

TEST_CASE("rsi_reversion buys below lower and sells above upper", "[strategy]") {
  std::vector<double> c = {50, 49, 48, 47, 46, 45, 46, 47, 48, 49, 50, 51, 52};
  auto res = run("rsi_reversion", {{"period", 3}, {"lower", 30}, {"upper", 70}}, make_bars(c, c));
  // RSI(3) is 0 once three declines are averaged (bar 3): long there; it exceeds 70 on the way up.
  REQUIRE_FALSE(res.trades.empty());
  CHECK(res.trades[0].entry_index == 3);
  CHECK(res.trades[0].exit_price > res.trades[0].entry_price - 3);
}

TEST_CASE("bollinger_reversion enters outside the band and exits at the middle", "[strategy]") {
  std::vector<double> c = {10, 10, 10, 10, 10.5, 9.5, 10, 10.5, 8, 9, 10.5, 11};
  auto res = run("bollinger_reversion", {{"period", 4}, {"k", 1}}, make_bars(c, c));
  REQUIRE_FALSE(res.trades.empty());
  const Trade& t = res.trades[0];
  CHECK(t.side == 1);
  CHECK(t.entry_index == 5);  // 9.5 < 10 − 0.354 (window 10, 10, 10.5, 9.5)
  CHECK(t.exit_index == 6);   // 10 is back on the middle band (10)
  REQUIRE(res.trades.size() == 2);
  CHECK(res.trades[1].entry_price == 8);  // window 9.5, 10, 10.5, 8: lower band 8.56
  CHECK(res.trades[1].exit_index == 10);  // 10.5 ≥ middle 9.5
}

TEST_CASE("bollinger band test is exact at the boundary", "[strategy][exact]") {
  // Window 8, 12 (n=2): mean 10, σ = 2; the close 8 sits exactly on the lower band with k = 1,
  // which is not "below" it: no entry.
  std::vector<double> c = {12, 8, 8};
  // The window at bar 1 is {12, 8}: mean 10, σ 2, lower band 8 = close: no signal.
  auto res = run("bollinger_reversion", {{"period", 2}, {"k", 1}}, make_bars(c, c));
  CHECK(res.trades.empty());
  CHECK_FALSE(res.open_position.has_value());
}

TEST_CASE("donchian_breakout follows breakouts of the previous bars' range", "[strategy]") {
  const std::vector<double> o = {10, 10, 10, 10, 12, 13, 12, 11, 9};
  const std::vector<double> h = {11, 11, 11, 11, 12.5, 13.5, 13, 12, 10};
  const std::vector<double> l = {9, 9, 9, 9, 11, 12, 11.5, 10.5, 8.5};
  const std::vector<double> c = {10, 10, 10, 10, 12, 13, 12, 11, 9};
  auto res = run("donchian_breakout", {{"entry", 3}, {"exit", 2}}, make_bars(o, h, l, c));
  // Bar 4: close 12 > highest high of bars 1..3 (11): long. Bar 7: close 11 < lowest low of bars
  // 5..6 (11.5): exit.
  REQUIRE(res.trades.size() == 1);
  CHECK(res.trades[0].entry_index == 4);
  CHECK(res.trades[0].exit_index == 7);
}

TEST_CASE("macd_signal enters where the MACD line crosses above its signal line", "[strategy]") {
  std::vector<double> c;
  for (int i = 0; i < 200; ++i) c.push_back(std::round((100 + 10 * std::sin(i / 8.0)) * 100) / 100);
  auto res = run("macd_signal", {{"fast", 3}, {"slow", 6}, {"signal", 3}}, make_bars(c, c));
  REQUIRE(res.trades.size() >= 3);
  for (const auto& t : res.trades) {
    // Recompute the indicator independently up to the entry bar.
    Macd macd(3, 6, 3);
    double prev_hist = 0;
    for (int64_t i = 0; i <= t.entry_index; ++i) {
      if (i == t.entry_index) prev_hist = macd.histogram();
      macd.update(c[static_cast<size_t>(i)]);
    }
    CHECK(macd.histogram() > 0);
    CHECK(prev_hist <= 0);
  }
}

TEST_CASE("every strategy trades on real data, long and short", "[strategy][samples]") {
  auto imported = prepare_market_data([] {
    Bars b;
    // 2,000 bars of a deterministic wave with noise: trends and reversals for every strategy.
    double p = 100;
    uint64_t x = 7;
    for (int i = 0; i < 2000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const double noise = static_cast<double>((x >> 33) % 200) / 100.0 - 1.0;
      const double next = std::round((p + std::sin(i / 40.0) * 1.5 + noise) * 100) / 100;
      const double o = p, c = std::max(1.0, next);
      b.push_back(kJan1_2020 + i * kDay, o, std::max(o, c) + 0.5, std::min(o, c) - 0.5, c, 1000);
      p = c;
    }
    return b;
  }());
  REQUIRE(imported.ok());
  for (const auto& s : strategy_catalog()) {
    if (s.hidden) continue;
    for (bool shorts : {false, true}) {
      BacktestRequest r;
      r.strategy = s.name;
      r.broker.allow_short = shorts;
      auto res = run_backtest(**imported, r);
      REQUIRE(res.ok());
      INFO(s.name << " shorts=" << shorts);
      CHECK(res->trades.size() > 0);
      bool any_short = false;
      for (const auto& t : res->trades) any_short = any_short || t.side < 0;
      CHECK(any_short == shorts);
    }
  }
}

TEST_CASE("a strategy that throws fails the backtest with where it happened", "[strategy][isolation]") {
  std::vector<double> c;
  for (int i = 0; i < 300; ++i) c.push_back(100 + (i % 17));
  auto md = prepare(make_bars(c, c));
  BacktestRequest r;
  r.strategy = "fault_probe";
  r.params = {{"period", 5}, {"fail_period", 5}, {"fail_at_bar", 123}};
  auto res = run_backtest(*md, r);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == ErrorCode::kRuntime);
  CHECK(res.error().message == "fault_probe: injected failure for period 5");
  CHECK(res.error().context == "fault_probe(fail_at_bar=123, fail_period=5, period=5) at bar 123 (2020-05-03)");
}

// Found by tests/fuzz (fuzz_csv_import): a 1e300 price became an out-of-range tick (INT64_MIN) and
// the SMA window sums overflowed. Ticks now stay at most 1e15: larger prices are refused, and large
// prices with tiny fractions keep fewer decimals (not exact).
TEST_CASE("prices whose ticks would overflow are refused or rounded", "[strategy][exact]") {
  Bars huge;
  huge.push_back(0, 1, 1, 1, 1, 0);
  huge.push_back(86'400'000, 1e300, 1e300, 1e300, 1e300, 0);
  auto refused = prepare_market_data(huge);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "bar 1: price 1e+300 is too large (at most 1e15)");

  Bars mixed;
  for (int i = 0; i < 8; ++i) {
    const double p = i % 2 == 0 ? 1e13 : 0.001;
    mixed.push_back(int64_t{i} * 86'400'000, p, p, p, p, 0);
  }
  auto md = prepare_market_data(mixed);
  REQUIRE(md.ok());
  CHECK((*md)->decimals == 2);  // 3 would make 1e13 a tick of 1e16
  CHECK_FALSE((*md)->exact);
  CHECK((*md)->max_tick == 1'000'000'000'000'000);
  BacktestRequest r;
  r.strategy = "sma_cross";
  r.params = {{"fast", 1}, {"slow", 2}};
  CHECK(run_backtest(**md, r).ok());
}
