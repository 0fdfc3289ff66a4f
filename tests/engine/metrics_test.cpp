// Metrics from a hand-made equity path: 100 → 100, 110, 99, 121 (initial 100).
#include <catch2/catch.hpp>
#include <cmath>

#include "atf/metrics.h"

using namespace atf;

TEST_CASE("per-bar return statistics, drawdown and annualisation", "[metrics]") {
  MetricsAccumulator acc(100);
  const double eq[] = {100, 110, 99, 121};
  for (double e : eq) acc.on_bar(e);
  acc.add_exposed_bars(3);
  const double bpy = 252, years = 2;
  Metrics m = acc.finish(121, years, bpy);

  const double r[] = {0.0, 0.1, -0.1, 121.0 / 99.0 - 1};
  const double mean = (r[0] + r[1] + r[2] + r[3]) / 4;
  double ss = 0;
  for (double x : r) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / 3);  // sample stddev
  const double down = std::sqrt(0.01 / 4);

  CHECK(m.net_profit == Approx(21));
  CHECK(m.total_return_pct == Approx(21));
  CHECK(m.cagr_pct == Approx((std::sqrt(1.21) - 1) * 100));  // 10 % a year over 2 years
  CHECK(m.volatility_pct == Approx(sd * std::sqrt(bpy) * 100).epsilon(1e-12));
  CHECK(m.sharpe == Approx(mean / sd * std::sqrt(bpy)).epsilon(1e-12));
  CHECK(m.sortino == Approx(mean / down * std::sqrt(bpy)).epsilon(1e-12));
  CHECK(m.max_drawdown_pct == Approx(10));  // 110 → 99
  CHECK(m.max_drawdown_bars == 1);
  CHECK(m.calmar == Approx(10 / 10.0));
  CHECK(m.exposure_pct == Approx(75));
}

TEST_CASE("trade statistics", "[metrics]") {
  MetricsAccumulator acc(1000);
  acc.on_bar(1000);
  acc.on_trade(50, 5);
  acc.on_trade(-20, -2);
  acc.on_trade(30, 3);
  acc.add_commission(1.5);
  Metrics m = acc.finish(1060, 1, 252);
  CHECK(m.trades == 3);
  CHECK(m.win_rate_pct == Approx(200.0 / 3));
  CHECK(m.profit_factor == Approx(80.0 / 20));
  CHECK(m.avg_trade_pct == Approx(2));
  CHECK(m.best_trade_pct == 5);
  CHECK(m.worst_trade_pct == -2);
  CHECK(m.expectancy == Approx(60.0 / 3));
  CHECK(m.commissions == 1.5);
}

TEST_CASE("undefined metrics are NaN, never a made-up number", "[metrics]") {
  MetricsAccumulator acc(1000);
  for (int i = 0; i < 5; ++i) acc.on_bar(1000);
  Metrics m = acc.finish(1000, 1, 252);
  CHECK(std::isnan(m.sharpe));
  CHECK(std::isnan(m.sortino));
  CHECK(std::isnan(m.calmar));
  CHECK(std::isnan(m.win_rate_pct));
  CHECK(std::isnan(m.profit_factor));
  CHECK(m.trades == 0);
  CHECK(m.max_drawdown_pct == 0);
  CHECK(m.volatility_pct == 0);
}

TEST_CASE("drawdown duration counts the longest stretch below a peak", "[metrics]") {
  MetricsAccumulator acc(100);
  for (double e : {105.0, 100.0, 101.0, 104.0, 106.0, 90.0, 95.0}) acc.on_bar(e);
  Metrics m = acc.finish(95, 1, 252);
  CHECK(m.max_drawdown_bars == 3);                          // 100, 101, 104 below 105
  CHECK(m.max_drawdown_pct == Approx((106.0 - 90) / 106 * 100));  // the deepest, not the longest
}

TEST_CASE("an unrecovered drawdown at the end counts", "[metrics]") {
  MetricsAccumulator acc(100);
  for (double e : {101.0, 99.0, 98.0, 97.0, 96.0}) acc.on_bar(e);
  CHECK(acc.finish(96, 1, 252).max_drawdown_bars == 4);
  MetricsAccumulator from_start(100);
  for (double e : {99.0, 98.0}) from_start.on_bar(e);
  CHECK(from_start.finish(98, 1, 252).max_drawdown_bars == 2);  // below the starting cash
}

TEST_CASE("the metric catalog names every metric once", "[metrics]") {
  const auto& cat = metric_catalog();
  CHECK(cat.size() == 18);
  for (size_t i = 0; i < cat.size(); ++i) {
    CHECK(find_metric(cat[i].name) == &cat[i]);
  }
  CHECK(find_metric("sharpe")->higher_is_better);
  CHECK_FALSE(find_metric("max_drawdown_pct")->higher_is_better);
  CHECK(find_metric("nope") == nullptr);
}
