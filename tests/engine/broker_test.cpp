// Hand-computed fills, costs, sizing and stops. Most cases use sma_cross(fast=1, slow=2) on
// closes 10, 9, 11, 12, 10, 9: the close crosses above its SMA(2) on bar 2 and below on bar 4.
#include <catch2/catch.hpp>

#include "atf/backtest.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

const std::vector<double> kOpen = {10, 9.5, 10, 11.5, 11, 9.8};
const std::vector<double> kClose = {10, 9, 11, 12, 10, 9};

BacktestRequest units_request(double units) {
  BacktestRequest r;
  r.strategy = "sma_cross";
  r.params = {{"fast", 1}, {"slow", 2}};
  r.broker.cash = 1000;
  r.broker.sizing = SizingKind::kUnits;
  r.broker.size = units;
  return r;
}

BacktestResult run(const BacktestRequest& r, const Bars& bars) {
  auto md = prepare(bars);
  auto res = run_backtest(*md, r);
  REQUIRE(res.ok());
  return *res;
}

}  // namespace

TEST_CASE("next-open fill with percent commission", "[broker]") {
  auto r = units_request(10);
  r.broker.commission_pct = 0.1;
  auto res = run(r, make_bars(kOpen, kClose));
  REQUIRE(res.trades.size() == 1);
  const Trade& t = res.trades[0];
  CHECK(t.entry_index == 3);  // signal on bar 2's close, filled at bar 3's open
  CHECK(t.exit_index == 5);
  CHECK(t.entry_price == 11.5);
  CHECK(t.exit_price == 9.8);
  CHECK(t.quantity == 10);
  CHECK(t.side == 1);
  CHECK(t.commission == Approx(0.115 + 0.098).epsilon(1e-12));
  CHECK(t.pnl == Approx(-17 - 0.213).epsilon(1e-12));
  CHECK(t.return_pct == Approx(-17.213 / 115.0 * 100).epsilon(1e-12));
  CHECK(t.entry_time == kJan1_2020 + 3 * kDay);
  // Equity at each close: flat 1000, then cash 884.885 + 10 × close.
  REQUIRE(res.equity_curve.size() == 6);
  CHECK(res.equity_curve[2] == 1000);
  CHECK(res.equity_curve[3] == Approx(1004.885).epsilon(1e-12));
  CHECK(res.equity_curve[4] == Approx(984.885).epsilon(1e-12));
  CHECK(res.final_equity == Approx(982.787).epsilon(1e-12));
  CHECK(res.final_cash == Approx(982.787).epsilon(1e-12));
  CHECK_FALSE(res.open_position.has_value());
  CHECK(res.metrics.commissions == Approx(0.213).epsilon(1e-12));
  CHECK(res.metrics.exposure_pct == Approx(2.0 / 6.0 * 100).epsilon(1e-12));
  CHECK(res.metrics.trades == 1);
}

TEST_CASE("fill at the signal bar's close", "[broker]") {
  auto r = units_request(10);
  r.broker.commission_pct = 0.1;
  r.broker.fill = FillRule::kClose;
  auto res = run(r, make_bars(kOpen, kClose));
  REQUIRE(res.trades.size() == 1);
  CHECK(res.trades[0].entry_index == 2);
  CHECK(res.trades[0].entry_price == 11);
  CHECK(res.trades[0].exit_index == 4);
  CHECK(res.trades[0].exit_price == 10);
  CHECK(res.trades[0].pnl == Approx(-10 - 0.11 - 0.10).epsilon(1e-12));
  CHECK(res.equity_curve[2] == Approx(1000 - 0.11).epsilon(1e-12));  // commission only
  CHECK(res.final_equity == Approx(1000 - 10.21).epsilon(1e-12));
}

TEST_CASE("slippage moves both fills against the trader", "[broker]") {
  auto r = units_request(10);
  r.broker.slippage_bps = 100;  // 1 %
  auto res = run(r, make_bars(kOpen, kClose));
  REQUIRE(res.trades.size() == 1);
  CHECK(res.trades[0].entry_price == Approx(11.5 * 1.01).epsilon(1e-14));
  CHECK(res.trades[0].exit_price == Approx(9.8 * 0.99).epsilon(1e-14));
  CHECK(res.trades[0].pnl == Approx(10 * (9.8 * 0.99 - 11.5 * 1.01)).epsilon(1e-12));
}

TEST_CASE("fixed and per-unit commission", "[broker]") {
  auto r = units_request(10);
  r.broker.commission_fixed = 1.5;
  r.broker.commission_per_unit = 0.02;
  auto res = run(r, make_bars(kOpen, kClose));
  REQUIRE(res.trades.size() == 1);
  CHECK(res.trades[0].commission == Approx(2 * (1.5 + 0.2)).epsilon(1e-12));
  CHECK(res.final_equity == Approx(1000 - 17 - 3.4).epsilon(1e-12));
}

TEST_CASE("equity sizing in whole and fractional units", "[broker]") {
  auto r = units_request(1);
  r.broker.sizing = SizingKind::kEquity;
  r.broker.size = 1.0;
  r.broker.commission_pct = 0.1;
  SECTION("whole units: floor(1000 / (11.5 × 1.001)) = 86") {
    auto res = run(r, make_bars(kOpen, kClose));
    REQUIRE(res.trades.size() == 1);
    CHECK(res.trades[0].quantity == 86);
  }
  SECTION("fractional units spend all equity including commission") {
    r.broker.fractional = true;
    auto res = run(r, make_bars(kOpen, kClose));
    REQUIRE(res.trades.size() == 1);
    const double q = 1000 / (11.5 * 1.001);
    CHECK(res.trades[0].quantity == Approx(q).epsilon(1e-12));
    CHECK(res.equity_curve[3] == Approx(q * 12).epsilon(1e-9));  // cash left ≈ 0
  }
  SECTION("half of equity") {
    r.broker.size = 0.5;
    auto res = run(r, make_bars(kOpen, kClose));
    CHECK(res.trades[0].quantity == 43);  // floor(500 / 11.5115)
  }
}

TEST_CASE("an exact fit is not lost to rounding", "[broker]") {
  // 1000 / 10 = 100 units exactly at the open of 10.
  auto r = units_request(0);
  r.broker.sizing = SizingKind::kEquity;
  r.broker.size = 1;
  auto res = run(r, make_bars({10, 10, 10, 10, 10, 10}, {10, 9, 11, 12, 10, 9}));
  REQUIRE(res.trades.size() == 1);
  CHECK(res.trades[0].quantity == 100);
}

TEST_CASE("shorts: bearish crosses open shorts when allowed", "[broker]") {
  // Closes cross below on bar 2, above on bar 5 (fast = close, slow = SMA 2).
  const std::vector<double> o = {10, 10.5, 11, 9.5, 9, 8.5, 10};
  const std::vector<double> c = {10, 11, 9, 8.5, 8, 10, 10.5};
  auto r = units_request(5);
  r.broker.allow_short = true;
  auto res = run(r, make_bars(o, c));
  // Bar 1: 11 > 10.5 first sign (+1). Bar 2: 9 < 10 cross below → short at open[3] = 9.5.
  // Bar 5: 10 > 9 cross above → cover and go long at open[6] = 10.
  REQUIRE(res.trades.size() == 1);
  const Trade& t = res.trades[0];
  CHECK(t.side == -1);
  CHECK(t.entry_price == 9.5);
  CHECK(t.exit_price == 10);
  CHECK(t.pnl == Approx(-5 * 0.5).epsilon(1e-12));
  REQUIRE(res.open_position.has_value());
  CHECK(res.open_position->side == 1);
  CHECK(res.open_position->entry_index == 6);
  // Short equity at bar 4's close: cash 1000 + 47.5, minus 5 × 8 to buy back.
  CHECK(res.equity_curve[4] == Approx(1000 + 5 * (9.5 - 8)).epsilon(1e-12));
  CHECK(res.final_equity == Approx(1000 - 2.5 + 5 * 0.5).epsilon(1e-12));

  SECTION("without shorting the bearish cross only exits") {
    r.broker.allow_short = false;
    auto res2 = run(r, make_bars(o, c));
    CHECK(res2.trades.empty());
    REQUIRE(res2.open_position.has_value());
    CHECK(res2.open_position->side == 1);
  }
}

TEST_CASE("futures: multiplier, margin and per-contract commission", "[broker]") {
  auto r = units_request(2);
  r.broker.multiplier = 50;
  r.broker.margin = 100;
  r.broker.commission_per_unit = 2.5;
  r.broker.cash = 10000;
  auto res = run(r, make_bars(kOpen, kClose));
  REQUIRE(res.trades.size() == 1);
  // P&L = (9.8 − 11.5) × 2 × 50 = −170; commission 2 fills × 2 contracts × 2.5 = 10.
  CHECK(res.trades[0].pnl == Approx(-170 - 10).epsilon(1e-12));
  CHECK(res.final_equity == Approx(10000 - 180).epsilon(1e-12));
  // Marked at bar 3's close (12): +0.5 × 2 × 50 = 50, minus the entry commission 5.
  CHECK(res.equity_curve[3] == Approx(10000 - 5 + 50).epsilon(1e-12));
  CHECK(res.trades[0].return_pct == Approx(-180 / (2 * 11.5 * 50) * 100).epsilon(1e-12));

  SECTION("equity sizing uses margin per contract") {
    r.broker.sizing = SizingKind::kEquity;
    r.broker.size = 1;
    r.broker.commission_per_unit = 0;
    auto res2 = run(r, make_bars(kOpen, kClose));
    CHECK(res2.trades[0].quantity == 100);  // 10000 / 100 margin
  }
}

TEST_CASE("an entry the cash cannot pay for is rejected", "[broker]") {
  auto r = units_request(1000);  // 1000 × 11.5 > 1000 cash
  auto res = run(r, make_bars(kOpen, kClose));
  CHECK(res.trades.empty());
  CHECK(res.rejected_orders == 1);
  CHECK(res.final_equity == 1000);
}

TEST_CASE("stop-loss and take-profit inside a bar", "[broker]") {
  // Long from bar 3's open at 11.5.
  std::vector<double> o = kOpen, h = {10, 9.5, 11, 12.5, 11, 9.8}, l = {10, 9, 10, 11.4, 10, 9}, c = kClose;
  auto r = units_request(10);
  SECTION("stop at 5 % below the entry: 10.925, touched on bar 4") {
    r.broker.stop_loss_pct = 5;
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    CHECK(res.trades[0].exit_reason == ExitReason::kStopLoss);
    CHECK(res.trades[0].exit_index == 4);
    CHECK(res.trades[0].exit_price == Approx(11.5 * 0.95).epsilon(1e-14));
  }
  SECTION("a gap through the stop fills at the open") {
    r.broker.stop_loss_pct = 2;  // 11.27; bar 4 opens at 11
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    CHECK(res.trades[0].exit_price == 11);
    CHECK(res.trades[0].exit_index == 4);
  }
  SECTION("take-profit at 8 %: 12.42, reached on the entry bar's high 12.5") {
    r.broker.take_profit_pct = 8;
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    CHECK(res.trades[0].exit_reason == ExitReason::kTakeProfit);
    CHECK(res.trades[0].exit_index == 3);
    CHECK(res.trades[0].exit_price == Approx(11.5 * 1.08).epsilon(1e-14));
  }
  SECTION("both inside one bar: the stop is assumed first") {
    r.broker.stop_loss_pct = 0.5;  // 11.4425 ≥ low 11.4
    r.broker.take_profit_pct = 8;  // 12.42 ≤ high 12.5
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    CHECK(res.trades[0].exit_reason == ExitReason::kStopLoss);
  }
}

TEST_CASE("open position at the end: kept and marked, or closed on request", "[broker]") {
  // Cross above on bar 2, never crosses back.
  const std::vector<double> o = {10, 9.5, 10, 11.5, 12, 13};
  const std::vector<double> c = {10, 9, 11, 12, 13, 14};
  auto r = units_request(10);
  r.broker.commission_pct = 0.1;
  auto res = run(r, make_bars(o, c));
  CHECK(res.trades.empty());
  REQUIRE(res.open_position.has_value());
  CHECK(res.open_position->quantity == 10);
  CHECK(res.open_position->entry_price == 11.5);
  CHECK(res.open_position->unrealized_pnl == Approx(10 * (14 - 11.5) - 0.115).epsilon(1e-12));
  CHECK(res.final_equity == Approx(1000 + 25 - 0.115).epsilon(1e-12));
  CHECK(res.final_cash == Approx(1000 - 115 - 0.115).epsilon(1e-12));

  r.broker.close_at_end = true;
  auto closed = run(r, make_bars(o, c));
  REQUIRE(closed.trades.size() == 1);
  CHECK(closed.trades[0].exit_reason == ExitReason::kEnd);
  CHECK(closed.trades[0].exit_price == 14);
  CHECK_FALSE(closed.open_position.has_value());
  CHECK(closed.final_equity == Approx(1000 + 25 - 0.115 - 0.14).epsilon(1e-12));
}

TEST_CASE("a signal on the last bar never fills", "[broker]") {
  const std::vector<double> c = {10, 9, 8, 11};  // cross above on the last bar
  auto r = units_request(1);
  auto res = run(r, make_bars(c, c));
  CHECK(res.trades.empty());
  CHECK_FALSE(res.open_position.has_value());
}

TEST_CASE("broker settings are validated with the field named", "[broker][validation]") {
  auto md = prepare(make_bars(kOpen, kClose));
  auto check = [&](BacktestRequest r, const std::string& field) {
    auto res = run_backtest(*md, r);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code == ErrorCode::kValidation);
    CHECK(res.error().field == field);
  };
  auto r = units_request(1);
  r.broker.cash = 0;
  check(r, "broker.cash");
  r = units_request(1);
  r.broker.commission_pct = -1;
  check(r, "broker.commission_pct");
  r = units_request(1);
  r.broker.sizing = SizingKind::kEquity;
  r.broker.size = 1.5;
  check(r, "broker.size");
  r = units_request(1);
  r.broker.slippage_bps = std::nan("");
  check(r, "broker.slippage_bps");
  r = units_request(1);
  r.broker.multiplier = 0;
  check(r, "broker.multiplier");
}
