// Ratios whose denominator is zero for a good reason are +∞, not undefined (issue 12): profit
// factor with no losing trade, Sortino with no losing bar, Calmar with no drawdown. They rank above
// every finite value when maximizing and below when minimizing; JSON writes "Infinity". And
// exposure is the same whether a position is closed at the end or left open.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "atf/backtest.h"
#include "atf/json_io.h"
#include "atf/metrics.h"
#include "atf/optimizer.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("no losing trade: profit factor +inf; no trade or only break-even: undefined", "[metrics][infinity]") {
  MetricsAccumulator acc(1000);
  acc.on_bar(1000);
  acc.on_bar(1100);
  acc.on_trade(50, 5);
  acc.on_trade(50, 5);
  const Metrics m = acc.finish(1100, 1, 252);
  CHECK(m.profit_factor == kInf);
  CHECK(m.win_rate_pct == 100);
  CHECK(m.sortino == kInf);  // returns 0 then +10 %: no downside, positive mean
  CHECK(m.calmar == kInf);   // no drawdown, positive growth

  MetricsAccumulator even(1000);
  even.on_bar(1000);
  even.on_trade(0, 0);
  const Metrics e = even.finish(1000, 1, 252);
  CHECK(std::isnan(e.profit_factor));  // 0 / 0
  CHECK(std::isnan(e.sortino));        // flat: mean 0
  CHECK(std::isnan(e.calmar));

  MetricsAccumulator losing(1000);
  losing.on_bar(900);
  losing.on_trade(-100, -10);
  const Metrics l = losing.finish(900, 1, 252);
  CHECK(l.profit_factor == 0);  // no winner, some loser: 0, finite
  CHECK(std::isfinite(l.sortino));
}

TEST_CASE("users-reports/pf_min.csv: one winning trade, profit factor +inf in JSON as \"Infinity\"", "[metrics][infinity]") {
  // 10, 9, 10, 12, 11 with sma_cross(1, 2), fill at close: one long from 10 to 11.
  auto md = prepare(make_bars({10, 9, 10, 12, 11}, {10, 9, 10, 12, 11}));
  BacktestRequest req;
  req.strategy = "sma_cross";
  req.params = {{"fast", 1}, {"slow", 2}};
  req.broker.fill = FillRule::kClose;
  auto r = run_backtest(*md, req);
  REQUIRE(r.ok());
  CHECK(r->metrics.trades == 1);
  CHECK(r->metrics.win_rate_pct == 100);
  CHECK(r->metrics.profit_factor == kInf);
  const auto j = to_json(r->metrics);
  CHECK(j["profit_factor"] == "Infinity");
  CHECK(j["win_rate_pct"] == 100.0);
  Metrics neg;
  neg.sharpe = -kInf;
  neg.calmar = std::nan("");
  CHECK(to_json(neg)["sharpe"] == "-Infinity");
  CHECK(to_json(neg)["calmar"].is_null());
}

TEST_CASE("+inf ranks first when maximizing, last among defined values when minimizing", "[metrics][infinity][optimizer]") {
  std::vector<TrialResult> trials(4);
  const double pf[] = {2.0, kInf, std::nan(""), 5.0};
  for (int i = 0; i < 4; ++i) {
    trials[static_cast<size_t>(i)].index = i;
    trials[static_cast<size_t>(i)].ok = true;
    trials[static_cast<size_t>(i)].metrics.profit_factor = pf[i];
  }
  auto max = trials;
  rank_trials(max, "profit_factor", true);
  CHECK(max[0].index == 1);
  CHECK(max[1].index == 3);
  CHECK(max[2].index == 0);
  CHECK(max[3].index == 2);  // undefined last
  auto min = trials;
  rank_trials(min, "profit_factor", false);
  CHECK(min[0].index == 0);
  CHECK(min[1].index == 3);
  CHECK(min[2].index == 1);
  CHECK(min[3].index == 2);
}

TEST_CASE("users-reports/up.csv: exposure is the same whether closed at the end or left open", "[metrics][exposure]") {
  auto md = prepare(make_bars({10, 9, 10, 11, 12}, {10, 9, 10, 11, 12}));
  BacktestRequest req;
  req.strategy = "sma_cross";
  req.params = {{"fast", 1}, {"slow", 2}};
  req.broker.cash = 1000;
  req.broker.sizing = SizingKind::kUnits;
  req.broker.size = 10;
  auto open = run_backtest(*md, req);
  REQUIRE(open.ok());
  REQUIRE(open->open_position.has_value());
  req.broker.close_at_end = true;
  auto closed = run_backtest(*md, req);
  REQUIRE(closed.ok());
  REQUIRE_FALSE(closed->open_position.has_value());
  REQUIRE(closed->trades.size() == 1);
  CHECK(open->metrics.exposure_pct == 40);  // held at the closes of bars 3 and 4 of 5
  CHECK(closed->metrics.exposure_pct == open->metrics.exposure_pct);
  CHECK(closed->final_equity == open->final_equity);
  SECTION("with fills at the close too") {
    req.broker.fill = FillRule::kClose;
    req.broker.close_at_end = false;
    auto o = run_backtest(*md, req);
    req.broker.close_at_end = true;
    auto c = run_backtest(*md, req);
    REQUIRE(o.ok());
    REQUIRE(c.ok());
    CHECK(c->metrics.exposure_pct == o->metrics.exposure_pct);
  }
}
