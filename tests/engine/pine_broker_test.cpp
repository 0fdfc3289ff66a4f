// TradingView's broker emulator (engine/src/pine/broker_emulator.cpp), worked by hand on small
// OHLC bars. Prices are whole numbers, so syminfo.mintick is 1 and ticks are price units.
// The intrabar path (Pine User Manual, "Strategies", broker emulator): open → the extreme nearer
// the open (the high when both are as near) → the other extreme → close.
#include <catch2/catch.hpp>

#include <array>

#include "pine_test_util.h"

using namespace atf;
using namespace atf::pine_test;

namespace {

using Ohlc = std::array<double, 4>;

Bars ohlc(const std::vector<Ohlc>& rows) {
  Bars b;
  b.symbol = "TEST";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    b.push_back(kJan1_2024 + static_cast<int64_t>(i) * kDayMs, r[0], r[1], r[2], r[3], 100);
  }
  return b;
}

BacktestResult run_ok(const std::string& src, const std::vector<Ohlc>& rows) {
  auto r = try_run(src, ohlc(rows));
  if (!r) FAIL("run error: " << r.error().message << " [" << r.error().context << "]\n--- script ---\n" << src);
  return *r;
}

std::string strat(const std::string& settings, const std::string& body) {
  return "//@version=6\nstrategy(\"t\"" + settings + ")\n" + body + "\n";
}

const Ohlc kFlat = {100, 100, 100, 100};

}  // namespace

TEST_CASE("Pine broker: a limit entry fills at its price on the path, or at the open when the bar gaps past it", "[pine_broker]") {
  // Bar 2: open 101, high 103 (2 away), low 95 (6 away): the high comes first, then the move
  // down through 97 fills the buy limit at 97.
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, limit = 97)"),
                  {kFlat, {100, 102, 98, 101}, {101, 103, 95, 96}, {96, 97, 95, 96}});
  REQUIRE(r.open_position);
  CHECK(r.open_position->entry_index == 2);
  CHECK(r.open_position->entry_price == 97);
  // Bar 3 opens at 90, below the limit 93: filled at the open, the better price.
  auto g = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, limit = 93)"),
                  {kFlat, {100, 102, 98, 101}, {101, 103, 95, 96}, {90, 92, 88, 91}});
  REQUIRE(g.open_position);
  CHECK(g.open_position->entry_index == 3);
  CHECK(g.open_position->entry_price == 90);
}

TEST_CASE("Pine broker: a stop entry fills at its price, or at the open on a gap; slippage on stops", "[pine_broker]") {
  // Bar 1: high and low both 2 from the open: the high comes first and crosses the stop 102.
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, stop = 102)"),
                  {kFlat, {100, 102, 98, 101}, {101, 103, 95, 96}});
  REQUIRE(r.open_position);
  CHECK(r.open_position->entry_index == 1);
  CHECK(r.open_position->entry_price == 102);
  // Gap: bar 1 opens at 106, above the stop 105; 2 ticks of slippage buy 2 higher.
  auto g = run_ok(strat(", slippage = 2", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, stop = 105)"),
                  {kFlat, {106, 107, 104, 105}});
  REQUIRE(g.open_position);
  CHECK(g.open_position->entry_price == 108);
}

TEST_CASE("Pine broker: a stop-limit arms at the stop, then fills as a limit", "[pine_broker]") {
  // Buy stop 104 limit 103: bar 1 reaches 104 (armed) but never trades back down to 103;
  // bar 2 opens 105 and falls to 102, through the limit: filled at 103.
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, stop = 104, limit = 103)"),
                  {kFlat, {100, 105, 100, 105}, {105, 106, 102, 104}});
  REQUIRE(r.open_position);
  CHECK(r.open_position->entry_index == 2);
  CHECK(r.open_position->entry_price == 103);
}

TEST_CASE("Pine broker: exit brackets follow the path: whichever level comes first", "[pine_broker]") {
  // Entry at bar 1's open (100); profit 10 and loss 5 ticks: limit 110, stop 95.
  const std::string body =
      "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\n    strategy.exit(\"X\", \"L\", profit = 10, loss = 5)";
  // Bar 2: open 103, high 111 (8 away), low 94 (9 away): high first, the take-profit fills at 110.
  auto tp = run_ok(strat("", body), {kFlat, {100, 104, 97, 103}, {103, 111, 94, 100}});
  REQUIRE(tp.trades.size() == 1);
  CHECK(tp.trades[0].exit_index == 2);
  CHECK(tp.trades[0].exit_price == 110);
  CHECK(tp.trades[0].exit_reason == ExitReason::kTakeProfit);
  CHECK(tp.trades[0].exit_signal == "X");
  // Bar 2: open 103, high 112 (9 away), low 95 (8 away): low first, the stop fills at 95.
  auto sl = run_ok(strat("", body), {kFlat, {100, 104, 97, 103}, {103, 112, 95, 100}});
  REQUIRE(sl.trades.size() == 1);
  CHECK(sl.trades[0].exit_price == 95);
  CHECK(sl.trades[0].exit_reason == ExitReason::kStopLoss);
  // The entry's own bar: filled at 100 at the open, then the path goes 101, 94: stopped at 95 on bar 1.
  auto own = run_ok(strat("", body), {kFlat, {100, 101, 94, 99}});
  REQUIRE(own.trades.size() == 1);
  CHECK(own.trades[0].entry_index == 1);
  CHECK(own.trades[0].exit_index == 1);
  CHECK(own.trades[0].exit_price == 95);
  // A gap down through the stop: bar 2 opens at 90, filled there.
  auto gap = run_ok(strat("", body), {kFlat, {100, 104, 97, 103}, {90, 92, 88, 91}});
  REQUIRE(gap.trades.size() == 1);
  CHECK(gap.trades[0].exit_price == 90);
  // Absolute prices and ticks together (v6): the nearer level wins: stop 97 beats loss 5 (95).
  auto both = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\n    strategy.exit(\"X\", \"L\", loss = 5, stop = 97)"),
                     {kFlat, {100, 104, 96, 103}});
  REQUIRE(both.trades.size() == 1);
  CHECK(both.trades[0].exit_price == 97);
}

TEST_CASE("Pine broker: a trailing stop activates at trail_points and trails by trail_offset", "[pine_broker]") {
  // Long at 100 (bar 1's open). Activation 100 + 5 = 105; offset 2. Bar 1: open 100, low 100
  // (0 away: first), high 108, close 104: active at 105, best 108, stop 106, crossed on the way
  // to 104: filled at 106.
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\n    strategy.exit(\"T\", \"L\", trail_points = 5, trail_offset = 2)"),
                  {kFlat, {100, 108, 100, 104}, {104, 105, 103, 104}});
  REQUIRE(r.trades.size() == 1);
  CHECK(r.trades[0].exit_index == 1);
  CHECK(r.trades[0].exit_price == 106);
  CHECK(r.trades[0].exit_reason == ExitReason::kStopLoss);
  // Not activated (high 104 < 105): no exit.
  auto n = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\n    strategy.exit(\"T\", \"L\", trail_points = 5, trail_offset = 2)"),
                  {kFlat, {100, 104, 99, 101}, {101, 104, 99, 100}});
  CHECK(n.trades.empty());
}

TEST_CASE("Pine broker: pyramiding limits entries in one direction", "[pine_broker]") {
  const std::string body =
      "if bar_index <= 2\n    strategy.entry(bar_index == 0 ? \"A\" : bar_index == 1 ? \"B\" : \"C\", strategy.long)\n"
      "if bar_index == 4\n    strategy.close_all()\n"
      "plot(strategy.position_avg_price, \"avg\")\nplot(strategy.opentrades, \"open\")";
  auto r = run_ok(strat(", pyramiding = 2", body), {kFlat, {100, 101, 99, 100}, {102, 103, 101, 102}, {104, 105, 103, 104}, {106, 107, 105, 106}, {108, 109, 107, 108}});
  REQUIRE(r.trades.size() == 2);  // A at 100 (bar 1), B at 102 (bar 2); C refused
  CHECK(r.trades[0].entry_price == 100);
  CHECK(r.trades[1].entry_price == 102);
  CHECK(r.trades[0].exit_index == 5);
  CHECK(r.trades[0].exit_price == 108);
  CHECK(r.trades[0].exit_signal == "Close position order");
  CHECK(r.plots[0].values[3] == 101);  // average of 100 and 102
  CHECK(r.plots[1].values[3] == 2);
}

TEST_CASE("Pine broker: a reversal closes the position and opens the new side in one order", "[pine_broker]") {
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, qty = 1)\n"
                            "if bar_index == 2\n    strategy.entry(\"S\", strategy.short, qty = 2)"),
                  {kFlat, {101, 102, 100, 101}, {102, 103, 101, 102}, {103, 104, 102, 103}, {104, 105, 103, 104}});
  REQUIRE(r.trades.size() == 1);
  CHECK(r.trades[0].side == 1);
  CHECK(r.trades[0].exit_index == 3);
  CHECK(r.trades[0].exit_price == 103);
  CHECK(r.trades[0].exit_signal == "S");
  REQUIRE(r.open_position);
  CHECK(r.open_position->side == -1);
  CHECK(r.open_position->quantity == 2);
  CHECK(r.open_position->entry_price == 103);
}

TEST_CASE("Pine broker: partial exits by qty_percent and qty; strategy.order reduces", "[pine_broker]") {
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, qty = 4)\n"
                            "if bar_index == 1\n    strategy.close(\"L\", qty_percent = 50)\n"
                            "if bar_index == 2\n    strategy.order(\"sell1\", strategy.short, qty = 1)"),
                  {kFlat, {101, 102, 100, 101}, {102, 103, 101, 102}, {103, 104, 102, 103}, {104, 105, 103, 104}});
  REQUIRE(r.trades.size() == 2);
  CHECK(r.trades[0].quantity == 2);
  CHECK(r.trades[0].exit_price == 102);
  CHECK(r.trades[1].quantity == 1);
  CHECK(r.trades[1].exit_price == 103);
  CHECK(r.trades[1].exit_signal == "sell1");
  REQUIRE(r.open_position);
  CHECK(r.open_position->quantity == 1);
}

TEST_CASE("Pine broker: OCA groups cancel or reduce the other orders", "[pine_broker]") {
  // Cancel: the buy stop 105 fills on bar 1 and cancels the sell stop 95, which bar 2 would reach.
  auto c = run_ok(strat("", "if bar_index == 0\n"
                            "    strategy.entry(\"up\", strategy.long, stop = 105, oca_name = \"g\", oca_type = strategy.oca.cancel)\n"
                            "    strategy.entry(\"dn\", strategy.short, stop = 95, oca_name = \"g\", oca_type = strategy.oca.cancel)"),
                  {kFlat, {100, 106, 100, 105}, {105, 105, 90, 92}});
  CHECK(c.trades.empty());
  REQUIRE(c.open_position);
  CHECK(c.open_position->side == 1);
  CHECK(c.open_position->entry_price == 105);
  // Reduce: a (2 at 105) fills first and takes 2 from b's 3; b then fills 1 at 107.
  auto rd = run_ok(strat(", pyramiding = 2", "if bar_index == 0\n"
                            "    strategy.entry(\"a\", strategy.long, qty = 2, stop = 105, oca_name = \"g\", oca_type = strategy.oca.reduce)\n"
                            "    strategy.entry(\"b\", strategy.long, qty = 3, stop = 107, oca_name = \"g\", oca_type = strategy.oca.reduce)"),
                   {kFlat, {100, 108, 100, 108}});
  REQUIRE(rd.open_position);
  CHECK(rd.open_position->quantity == 3);
  REQUIRE(rd.open_trades.size() == 2);
  CHECK(rd.open_trades[1].quantity == 1);
  CHECK(rd.open_trades[1].entry_price == 107);
}

TEST_CASE("Pine broker: strategy.close(immediately = true) fills at this close", "[pine_broker]") {
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\n"
                            "if bar_index == 2\n    strategy.close(\"L\", immediately = true)"),
                  {kFlat, {101, 102, 100, 101}, {102, 103, 101, 102.5}, {103, 104, 102, 103}});
  REQUIRE(r.trades.size() == 1);
  CHECK(r.trades[0].exit_index == 2);
  CHECK(r.trades[0].exit_price == 102.5);
}

TEST_CASE("Pine broker: percent_of_equity sizes at the order's close; commission types", "[pine_broker]") {
  const std::vector<Ohlc> rows = {kFlat, {110, 111, 109, 110}, {110, 111, 109, 110}, {120, 121, 119, 120}};
  const std::string body = "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\nif bar_index == 2\n    strategy.close(\"L\")";
  // 50 % of 1000 at the close of bar 0 (100): 5 contracts, filled at 110 (not 500 / 110 = 4).
  auto r = run_ok(strat(", initial_capital = 1000, default_qty_type = strategy.percent_of_equity, default_qty_value = 50", body), rows);
  REQUIRE(r.trades.size() == 1);
  CHECK(r.trades[0].quantity == 5);
  CHECK(r.trades[0].pnl == 50);  // 5 × (120 − 110)
  // 0.1 %: 0.55 at entry (5 × 110) + 0.6 at exit (5 × 120).
  auto pct = run_ok(strat(", initial_capital = 1000, default_qty_type = strategy.percent_of_equity, default_qty_value = 50, "
                          "commission_type = strategy.commission.percent, commission_value = 0.1", body), rows);
  CHECK(pct.trades.at(0).commission == Approx(1.15));
  auto contract = run_ok(strat(", default_qty_value = 5, commission_type = strategy.commission.cash_per_contract, commission_value = 2", body), rows);
  CHECK(contract.trades.at(0).commission == 20);  // 2 × 5 per fill, two fills
  auto order = run_ok(strat(", default_qty_value = 5, commission_type = strategy.commission.cash_per_order, commission_value = 3", body), rows);
  CHECK(order.trades.at(0).commission == 6);
  CHECK(order.trades.at(0).pnl == 44);  // 50 − 6
}

TEST_CASE("Pine broker: an entry needing more margin than the equity is rejected (margin 100 %)", "[pine_broker]") {
  // 100 % of 1000 at bar 0's close 100 = 10 contracts; bar 1 opens at 105: 1050 > 1000.
  auto r = run_ok(strat(", initial_capital = 1000, default_qty_type = strategy.percent_of_equity, default_qty_value = 100",
                        "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)"),
                  {kFlat, {105, 106, 104, 105}, {105, 106, 104, 105}});
  CHECK(r.rejected_orders == 1);
  CHECK_FALSE(r.open_position);
}

TEST_CASE("Pine broker: margin calls liquidate four times the cover quantity at the bar's worst price", "[pine_broker]") {
  // Short 10 at 50 with 1000 capital, margin 100 %. Bar 2's high 80: equity 1000 + 10 × (50 − 80)
  // = 700; margin 10 × 80 = 800; available −100; loss −100 / 1 = −100; cover trunc(100 / 80) = 1;
  // liquidate 4 × 1 = 4 at 80.
  auto s = run_ok(strat(", initial_capital = 1000, default_qty_value = 10, margin_short = 100",
                        "if bar_index == 0\n    strategy.entry(\"S\", strategy.short)"),
                  {{50, 50, 50, 50}, {50, 51, 49, 50}, {50, 80, 50, 70}, {70, 71, 69, 70}});
  REQUIRE(s.trades.size() >= 1);
  CHECK(s.trades[0].exit_reason == ExitReason::kMarginCall);
  CHECK(s.trades[0].exit_index == 2);
  CHECK(s.trades[0].exit_price == 80);
  CHECK(s.trades[0].quantity == 4);
  CHECK(s.trades[0].pnl == -120);
  CHECK(s.trades[0].exit_signal == "Margin call");
  // Long 30 at 50, margin 50 %: bar 2's low 30: equity 1000 + 30 × (30 − 50) = 400; margin
  // 30 × 30 × 0.5 = 450; available −50; loss −50 / 0.5 = −100; cover trunc(100 / 30) = 3; 12 at 30.
  auto l = run_ok(strat(", initial_capital = 1000, default_qty_value = 30, margin_long = 50",
                        "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)"),
                  {{50, 50, 50, 50}, {50, 51, 49, 50}, {50, 50, 30, 40}});
  REQUIRE(l.trades.size() == 1);
  CHECK(l.trades[0].exit_reason == ExitReason::kMarginCall);
  CHECK(l.trades[0].quantity == 12);
  CHECK(l.trades[0].exit_price == 30);
  // margin 0: no margin rule at all.
  auto off = run_ok(strat(", initial_capital = 1000, default_qty_value = 30, margin_long = 0",
                          "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)"),
                    {{50, 50, 50, 50}, {50, 51, 49, 50}, {50, 50, 30, 40}});
  CHECK(off.trades.empty());
}

TEST_CASE("Pine broker: strategy.closedtrades.* and opentrades.* read the trade list", "[pine_broker]") {
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long, comment = \"go\")\n"
                            "if bar_index == 1\n    strategy.close(\"L\", comment = \"out\")\n"
                            "plot(strategy.closedtrades.exit_price(0), \"exit\")\n"
                            "plot(strategy.closedtrades.profit(0), \"profit\")\n"
                            "plot(strategy.opentrades.entry_price(0), \"open\")\n"
                            "plot(strategy.closedtrades.exit_price(5), \"none\")\n"
                            "plot(str.length(strategy.closedtrades.entry_comment(0)), \"len\")\n"
                            "plot(strategy.closedtrades.exit_id(0) == \"L\" ? 1 : 0, \"exit id\")\n"
                            "plot(strategy.closedtrades.exit_comment(0) == \"out\" ? 1 : 0, \"exit comment\")"),
                  {kFlat, {101, 102, 100, 101}, {103, 104, 102, 103}, {104, 105, 103, 104}});
  CHECK(std::isnan(r.plots[0].values[1]));
  CHECK(r.plots[0].values[2] == 103);
  CHECK(r.plots[1].values[3] == 2);
  CHECK(r.plots[2].values[1] == 101);
  CHECK(std::isnan(r.plots[2].values[2]));
  CHECK(std::isnan(r.plots[3].values[3]));
  CHECK(r.plots[4].values[3] == 2);
  CHECK(r.plots[5].values[3] == 1);  // strategy.close("L"): the exit's id is the entry's
  CHECK(r.plots[6].values[3] == 1);  // and its comment the close's
  REQUIRE(r.trades.size() == 1);
  CHECK(r.trades[0].entry_signal == "go");
  CHECK(r.trades[0].exit_signal == "out");
}

TEST_CASE("Pine broker: strategy.risk rules", "[pine_broker]") {
  // allow_entry_in(long): the short entry only closes the long.
  auto a = run_ok(strat("", "strategy.risk.allow_entry_in(strategy.direction.long)\n"
                            "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\n"
                            "if bar_index == 1\n    strategy.entry(\"S\", strategy.short)"),
                  {kFlat, {101, 102, 100, 101}, {102, 103, 101, 102}, {103, 104, 102, 103}});
  REQUIRE(a.trades.size() == 1);
  CHECK(a.trades[0].exit_index == 2);
  CHECK_FALSE(a.open_position);
  // max_position_size(3): an entry of 5 becomes 3.
  auto m = run_ok(strat("", "strategy.risk.max_position_size(3)\nif bar_index == 0\n    strategy.entry(\"L\", strategy.long, qty = 5)"),
                  {kFlat, {101, 102, 100, 101}});
  REQUIRE(m.open_position);
  CHECK(m.open_position->quantity == 3);
}

TEST_CASE("Pine broker: excursions of a trade while open", "[pine_broker]") {
  // Long 1 at 100 (bar 1's open); bar 1 reaches 104 and 97, bar 2 106 and 99, exit at bar 3's open 102.
  auto r = run_ok(strat("", "if bar_index == 0\n    strategy.entry(\"L\", strategy.long)\nif bar_index == 2\n    strategy.close(\"L\")"),
                  {kFlat, {100, 104, 97, 103}, {103, 106, 99, 100}, {102, 103, 101, 102}});
  REQUIRE(r.trades.size() == 1);
  CHECK(r.trades[0].max_runup == 6);
  CHECK(r.trades[0].max_drawdown == 3);
}
