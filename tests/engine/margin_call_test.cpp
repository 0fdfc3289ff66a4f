// Margin calls of the built-in strategies' broker (issue 11, "An account that cannot go below
// zero"): TradingView's rule, checked once per bar at the bar's worst price for the position,
// liquidating 4 × the quantity that covers the shortfall (Pine User Manual, Strategies → Margin;
// the ten steps are quoted in engine/src/broker_sim.h). Every quantity and price below is worked by
// hand from those steps. Also the trades' excursions (max run-up / drawdown) for both fill rules.
//
// The signals come from sma_cross(fast = 1, slow = 2): the close against the average of the last
// two closes, so a cross happens exactly when the closes turn (up after down, or down after up);
// equal closes give no cross.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "atf/backtest.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

BacktestRequest cross_request(double cash) {
  BacktestRequest r;
  r.strategy = "sma_cross";
  r.params = {{"fast", 1}, {"slow", 2}};
  r.broker.cash = cash;
  r.broker.fill = FillRule::kClose;
  return r;
}

BacktestResult run(const BacktestRequest& r, const Bars& bars) {
  auto md = prepare(bars);
  auto res = run_backtest(*md, r);
  REQUIRE(res.ok());
  return *res;
}

// A short squeezed. Closes 10, 11, 10, 10, 10, 10, 10: a cross below on bar 2 only, so a short at
// bar 2's close (fill at the close) = 10. The highs then squeeze it: 11, 23, 40.
const std::vector<double> kSqO = {10, 10, 11, 10, 10, 10, 10};
const std::vector<double> kSqH = {10, 11, 11, 11, 23, 40, 10};
const std::vector<double> kSqL = {10, 10, 10, 9, 8, 10, 10};
const std::vector<double> kSqC = {10, 11, 10, 10, 10, 10, 10};

}  // namespace

TEST_CASE("a short squeezed is margin-called step by step (margin_short 100)", "[broker][margin]") {
  // Cash 1000, all of equity: 1000 / 10 = 100 units short at 10; the cash becomes 2000.
  // Equity at a price p: 2000 − 100 p; margin (100 %): 100 p; funds short when p > 10.
  auto r = cross_request(1000);
  r.broker.allow_short = true;
  auto res = run(r, make_bars(kSqO, kSqH, kSqL, kSqC));
  REQUIRE(res.trades.size() == 3);
  // Bar 3, worst price = high 11:
  //   1 money spent 100 × 10 = 1000; 2 MVS 100 × 11 = 1100; 3 open profit −(1100 − 1000) = −100;
  //   4 equity 1000 − 100 = 900; 5 ratio 1; 6 margin 1100; 7 available 900 − 1100 = −200;
  //   8 loss −200 / 1 = −200; 9 cover TRUNC(200 / 11 = 18.18) = 18; 10 liquidate 4 × 18 = 72.
  //   72 bought back at 11: P&L 72 × (10 − 11) = −72; cash 2000 − 792 = 1208; 28 left short.
  const Trade& a = res.trades[0];
  CHECK(a.exit_reason == ExitReason::kMarginCall);
  CHECK(a.side == -1);
  CHECK(a.entry_index == 2);
  CHECK(a.exit_index == 3);
  CHECK(a.quantity == 72);
  CHECK(a.entry_price == 10);
  CHECK(a.exit_price == 11);
  CHECK(a.pnl == -72);
  // Bar 4, high 23: MVS 28 × 23 = 644; equity 1208 − 644 = 564 (= 1000 − 72 + 28 × (10 − 23));
  //   margin 644; available −80; loss −80; cover TRUNC(80 / 23 = 3.48) = 3; liquidate 12 at 23.
  //   P&L 12 × (10 − 23) = −156; cash 1208 − 276 = 932; 16 left.
  // (Before the call: 28 short needs 2 × 28 p > 1208, p > 21.57, so bar 4 is the next call.)
  const Trade& b = res.trades[1];
  CHECK(b.exit_reason == ExitReason::kMarginCall);
  CHECK(b.entry_index == 2);
  CHECK(b.exit_index == 4);
  CHECK(b.quantity == 12);
  CHECK(b.exit_price == 23);
  CHECK(b.pnl == -156);
  // Bar 5, high 40: MVS 640; equity 932 − 640 = 292; margin 640; available −348; cover
  //   TRUNC(348 / 40 = 8.7) = 8; 4 × 8 = 32 > 16: the whole position, at 40. P&L 16 × −30 = −480.
  const Trade& c = res.trades[2];
  CHECK(c.exit_reason == ExitReason::kMarginCall);
  CHECK(c.exit_index == 5);
  CHECK(c.quantity == 16);
  CHECK(c.exit_price == 40);
  CHECK(c.pnl == -480);
  CHECK_FALSE(res.open_position.has_value());
  // 1000 − 72 − 156 − 480 = 292, kept from bar 5 on.
  CHECK(res.final_equity == 292);
  CHECK(res.final_cash == 292);
  CHECK(res.equity_curve[3] == 1208 - 28 * 10);
  CHECK(res.equity_curve[4] == 932 - 16 * 10);
  CHECK(res.equity_curve[5] == 292);
  CHECK(res.metrics.trades == 3);
  // Held at the closes of bars 2, 3 and 4 of 7: the partial calls add no exposure of their own.
  CHECK(res.metrics.exposure_pct == Approx(3.0 / 7.0 * 100).epsilon(1e-12));
  // Excursions of a short: run-up from the lowest price, drawdown from the highest. Entered at
  // bar 2's close, so bar 2 does not count; each call inside bar x counts bars 3..x−1 and its fill.
  //   call 1 (bar 3): prices 10 (entry), 11 (fill): run-up 0, drawdown 72 × 1 = 72.
  //   call 2 (bar 4): bar 3 (9..11) and 23: run-up 12 × (10 − 9) = 12, drawdown 12 × 13 = 156.
  //   call 3 (bar 5): bars 3, 4 (8..23) and 40: run-up 16 × 2 = 32, drawdown 16 × 30 = 480.
  CHECK(a.max_runup == 0);
  CHECK(a.max_drawdown == 72);
  CHECK(b.max_runup == 12);
  CHECK(b.max_drawdown == 156);
  CHECK(c.max_runup == 32);
  CHECK(c.max_drawdown == 480);
  CHECK(a.entry_signal.empty());
  CHECK(a.exit_signal.empty());

  SECTION("the entry commission is split pro rata; the exit pays its own") {
    // 100 units fixed, cash 1001, 1 per order: the cash after the entry is again
    // 1001 + 1000 − 1 = 2000, so the same bars call the same quantities (shortfalls 201, 81, 350
    // give covers 18, 3, 8), each exit paying 1 more.
    r.broker.cash = 1001;
    r.broker.sizing = SizingKind::kUnits;
    r.broker.size = 100;
    r.broker.commission_fixed = 1;
    auto res2 = run(r, make_bars(kSqO, kSqH, kSqL, kSqC));
    REQUIRE(res2.trades.size() == 3);
    CHECK(res2.trades[0].quantity == 72);
    CHECK(res2.trades[1].quantity == 12);
    CHECK(res2.trades[2].quantity == 16);
    // Entry commission 1: 0.72, then 0.28 × 12 / 28 = 0.12, then the 0.16 left.
    CHECK(res2.trades[0].commission == Approx(1.72).epsilon(1e-12));
    CHECK(res2.trades[1].commission == Approx(1.12).epsilon(1e-12));
    CHECK(res2.trades[2].commission == Approx(1.16).epsilon(1e-12));
    CHECK(res2.trades[0].pnl == Approx(-73.72).epsilon(1e-12));
    CHECK(res2.trades[1].pnl == Approx(-157.12).epsilon(1e-12));
    CHECK(res2.trades[2].pnl == Approx(-481.16).epsilon(1e-12));
    CHECK(res2.metrics.commissions == Approx(4).epsilon(1e-12));
    CHECK(res2.final_equity == Approx(289).epsilon(1e-12));
  }

  SECTION("no slippage on the liquidation: it fills at the bar's high itself") {
    r.broker.slippage_bps = 100;  // entry at 10 × 0.99 = 9.9: 101 units, 101 × 9.9 = 999.9
    auto res2 = run(r, make_bars(kSqO, kSqH, kSqL, kSqC));
    REQUIRE_FALSE(res2.trades.empty());
    CHECK(res2.trades[0].exit_reason == ExitReason::kMarginCall);
    CHECK(res2.trades[0].exit_price == 11);
  }

  SECTION("margin_short 0: no margin rule, the short rides the squeeze") {
    r.broker.margin_short_pct = 0;
    auto res2 = run(r, make_bars(kSqO, kSqH, kSqL, kSqC));
    CHECK(res2.trades.empty());
    REQUIRE(res2.open_position.has_value());
    CHECK(res2.open_position->quantity == 100);
    CHECK(res2.final_equity == 1000);
    // Held through bars 3..6 (the last): lowest 8, highest 40.
    CHECK(res2.open_position->max_runup == 200);
    CHECK(res2.open_position->max_drawdown == 3000);
  }

  SECTION("next-open fills: the entry bar's own high can call") {
    // Short at bar 3's open 10 (100 units); bar 3's high 11 is seen the same bar: the same call.
    r.broker.fill = FillRule::kNextOpen;
    auto res2 = run(r, make_bars(kSqO, kSqH, kSqL, kSqC));
    REQUIRE(res2.trades.size() == 3);
    CHECK(res2.trades[0].entry_index == 3);
    CHECK(res2.trades[0].exit_index == 3);
    CHECK(res2.trades[0].quantity == 72);
    // Entered at bar 3's open, so bar 3 counts for the later calls: low 9 from there on.
    CHECK(res2.trades[0].max_runup == 0);
    CHECK(res2.trades[1].max_runup == 12);
  }
}

TEST_CASE("a leveraged long with margin_long 50 is called as it falls", "[broker][margin]") {
  // Closes 100, 99, 100, then flat: a cross above on bar 2, a long at its close, 100.
  // 20 units fixed, cash 1000: at 50 % the entry needs 20 × 100 × 0.5 = 1000, all of the cash;
  // the cash becomes 1000 − 2000 = −1000 (borrowed).
  const std::vector<double> o = {100, 100, 99, 100, 100, 100, 100};
  const std::vector<double> h = {100, 100, 100, 100, 100, 100, 100};
  const std::vector<double> l = {100, 99, 99, 90, 50, 45, 100};
  const std::vector<double> c = {100, 99, 100, 100, 100, 100, 100};
  auto r = cross_request(1000);
  r.broker.sizing = SizingKind::kUnits;
  r.broker.size = 20;
  r.broker.margin_long_pct = 50;
  auto res = run(r, make_bars(o, h, l, c));
  REQUIRE(res.trades.size() == 2);
  // Bar 3, low 90: 1 spent 2000; 2 MVS 1800; 3 open profit −200; 4 equity 1000 − 200 = 800;
  //   5 ratio 0.5; 6 margin 900; 7 available −100; 8 loss −100 / 0.5 = −200;
  //   9 cover TRUNC(200 / 90 = 2.22) = 2; 10 liquidate 8 at 90: P&L 8 × −10 = −80.
  //   Cash −1000 + 720 = −280; 12 left; at 90: equity 800, margin 540, available 260.
  CHECK(res.trades[0].exit_reason == ExitReason::kMarginCall);
  CHECK(res.trades[0].side == 1);
  CHECK(res.trades[0].exit_index == 3);
  CHECK(res.trades[0].quantity == 8);
  CHECK(res.trades[0].exit_price == 90);
  CHECK(res.trades[0].pnl == -80);
  // Bar 4, low 50: equity −280 + 600 = 320, margin 300, available 20: no call (the level is
  //   −280 + 12 p = 6 p, p = 46.67).
  // Bar 5, low 45: equity −280 + 540 = 260, margin 270, available −10, loss −20, cover
  //   TRUNC(20 / 45 = 0.44) = 0 while funds are short: 1 unit, at 45. P&L −55.
  CHECK(res.trades[1].exit_reason == ExitReason::kMarginCall);
  CHECK(res.trades[1].exit_index == 5);
  CHECK(res.trades[1].quantity == 1);
  CHECK(res.trades[1].exit_price == 45);
  CHECK(res.trades[1].pnl == -55);
  REQUIRE(res.open_position.has_value());
  CHECK(res.open_position->quantity == 11);
  CHECK(res.open_position->entry_price == 100);
  // Cash −280 + 45 = −235; at the last close 100: −235 + 1100 = 865 (= 1000 − 80 − 55).
  CHECK(res.final_cash == -235);
  CHECK(res.final_equity == 865);
  CHECK(res.open_position->unrealized_pnl == 0);
  // The open position's excursions, bars 3..6: lowest 45, highest 100 (= the entry).
  CHECK(res.open_position->max_runup == 0);
  CHECK(res.open_position->max_drawdown == 11 * 55);

  SECTION("at the default 100 % the same entry is rejected, as before") {
    r.broker.margin_long_pct = 100;
    auto res2 = run(r, make_bars(o, h, l, c));
    CHECK(res2.trades.empty());
    CHECK_FALSE(res2.open_position.has_value());
    CHECK(res2.rejected_orders == 1);
  }

  SECTION("a long paid in full is never called, however far it falls") {
    r.broker.size = 10;  // 1000 of 1000 cash
    r.broker.margin_long_pct = 100;
    auto res2 = run(r, make_bars(o, h, l, c));
    CHECK(res2.trades.empty());
    REQUIRE(res2.open_position.has_value());
    CHECK(res2.open_position->quantity == 10);
  }
}

TEST_CASE("futures-style: equity must cover margin × contracts", "[broker][margin]") {
  // Margin 100 per contract, multiplier 10, cash 1000, all of it: 10 contracts. Closes 50, 49,
  // 50, then flat: long at bar 2's close, 50. Equity at p: 1000 + 10 × 10 × (p − 50); margin
  // 10 × 100 = 1000; funds short when p < 50.
  const std::vector<double> o = {50, 50, 49, 50, 50, 50};
  const std::vector<double> h = {50, 50, 50, 50, 50, 50};
  const std::vector<double> l = {50, 49, 49, 48, 15, 50};
  const std::vector<double> c = {50, 49, 50, 50, 50, 50};
  auto r = cross_request(1000);
  r.broker.margin = 100;
  r.broker.multiplier = 10;
  auto res = run(r, make_bars(o, h, l, c));
  REQUIRE(res.trades.size() == 2);
  // Bar 3, low 48: equity 1000 − 200 = 800; margin 1000; available −200; cover TRUNC(200 / 100)
  //   = 2 contracts; liquidate 8 at 48: P&L 8 × (48 − 50) × 10 = −160. Cash 840; 2 left: equity
  //   800, margin 200.
  CHECK(res.trades[0].quantity == 10 - 2);
  CHECK(res.trades[0].exit_reason == ExitReason::kMarginCall);
  CHECK(res.trades[0].exit_price == 48);
  CHECK(res.trades[0].pnl == -160);
  // Bar 4, low 15: equity 840 + 2 × 10 × (15 − 50) = 140; margin 200; available −60; cover
  //   TRUNC(0.6) = 0: 1 contract at 15, P&L 10 × −35 = −350. Cash 490; 1 left: equity 140,
  //   margin 100.
  CHECK(res.trades[1].quantity == 1);
  CHECK(res.trades[1].exit_index == 4);
  CHECK(res.trades[1].exit_price == 15);
  CHECK(res.trades[1].pnl == -350);
  REQUIRE(res.open_position.has_value());
  CHECK(res.open_position->quantity == 1);
  CHECK(res.final_cash == 490);
  CHECK(res.final_equity == 490);  // back at 50 on bar 5's close

  SECTION("margin_long 0 turns the rule off, futures-style too") {
    r.broker.margin_long_pct = 0;
    auto res2 = run(r, make_bars(o, h, l, c));
    CHECK(res2.trades.empty());
    REQUIRE(res2.open_position.has_value());
    CHECK(res2.open_position->quantity == 10);
  }
}

TEST_CASE("the squeeze report: equity no longer ends below zero", "[broker][margin]") {
  // ../shared/cases/users-reports/squeeze.csv, inlined: every bar O = H = L = C. rsi_reversion
  // (period 2, lower 30, upper 70) with shorts, filled at the close: before margin calls it ended
  // at equity −97,880 (−197.9 %).
  const std::vector<double> p = {100, 99, 98, 100, 102, 110, 130, 160, 200, 250, 320, 300};
  BacktestRequest r;
  r.strategy = "rsi_reversion";
  r.params = {{"period", 2}, {"lower", 30}, {"upper", 70}};
  r.broker.allow_short = true;
  r.broker.fill = FillRule::kClose;
  auto res = run(r, make_bars(p, p));
  CHECK(res.final_equity >= 0);
  int calls = 0;
  for (const Trade& t : res.trades) calls += t.exit_reason == ExitReason::kMarginCall;
  CHECK(calls >= 1);
  for (double e : res.equity_curve) CHECK(e >= 0);
}

TEST_CASE("trade excursions for both fill rules", "[broker][excursion]") {
  // Closes 10, 9, 11, 12, 10, 9: a cross above on bar 2, below on bar 4 (long only).
  const std::vector<double> o = {10, 9.5, 10, 11.5, 11, 9.8};
  const std::vector<double> h = {10.5, 10, 13, 12.5, 12.2, 14};
  const std::vector<double> l = {9.5, 8.8, 8.5, 11, 9.9, 7};
  const std::vector<double> c = {10, 9, 11, 12, 10, 9};
  auto r = cross_request(1000);
  r.broker.sizing = SizingKind::kUnits;
  r.broker.size = 10;
  SECTION("next open: entry at bar 3's open 11.5 counts bar 3; exit at bar 5's open 9.8 does not count bar 5") {
    r.broker.fill = FillRule::kNextOpen;
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    // Bars 3, 4: highest 12.5, lowest 9.9; the exit fill 9.8 is lower still. Bar 5 (14 / 7) not.
    CHECK(res.trades[0].max_runup == Approx(10 * (12.5 - 11.5)).epsilon(1e-12));
    CHECK(res.trades[0].max_drawdown == Approx(10 * (11.5 - 9.8)).epsilon(1e-12));
  }
  SECTION("close: entry at bar 2's close 11 does not count bar 2; exit at bar 4's close counts bar 4") {
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    // Bars 3, 4: highest 12.5, lowest 9.9 (bar 2's 13 / 8.5 not counted).
    CHECK(res.trades[0].max_runup == Approx(10 * (12.5 - 11)).epsilon(1e-12));
    CHECK(res.trades[0].max_drawdown == Approx(10 * (11 - 9.9)).epsilon(1e-12));
  }
  SECTION("a position still open at the end counts bars through the last") {
    r.broker.fill = FillRule::kNextOpen;
    const size_t n = 5;  // the exit signal on bar 4 never fills
    auto res = run(r, make_bars(std::vector<double>(o.begin(), o.begin() + n), std::vector<double>(h.begin(), h.begin() + n),
                                std::vector<double>(l.begin(), l.begin() + n), std::vector<double>(c.begin(), c.begin() + n)));
    CHECK(res.trades.empty());
    REQUIRE(res.open_position.has_value());
    CHECK(res.open_position->max_runup == Approx(10 * (12.5 - 11.5)).epsilon(1e-12));
    CHECK(res.open_position->max_drawdown == Approx(10 * (11.5 - 9.9)).epsilon(1e-12));
  }
  SECTION("a stop inside bar x counts its fill price, not bar x's range") {
    r.broker.fill = FillRule::kNextOpen;
    r.broker.stop_loss_pct = 10;  // 11.5 × 0.9 = 10.35, touched by bar 4's low 9.9
    auto res = run(r, make_bars(o, h, l, c));
    REQUIRE(res.trades.size() == 1);
    CHECK(res.trades[0].exit_reason == ExitReason::kStopLoss);
    CHECK(res.trades[0].exit_index == 4);
    // Bar 3 (12.5 / 11) and the fill 10.35; bar 4's high 12.2 and low 9.9 are not counted.
    CHECK(res.trades[0].max_runup == Approx(10 * (12.5 - 11.5)).epsilon(1e-12));
    CHECK(res.trades[0].max_drawdown == Approx(10 * (11.5 - 11.5 * 0.9)).epsilon(1e-12));
  }
}
