// The script runner: grids over a script's inputs (failing trials alone, with line and bar),
// shared series across trials, --trade-from, strategy() settings under explicit broker options,
// cancel, and the order rules of the market-order broker (pyramiding 1, close by entry id).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "atf/optimizer.h"
#include "atf/progress.h"
#include "pine_test_util.h"

namespace {

using namespace atf;

std::shared_ptr<const MarketData> ramp_data(size_t n) { return *prepare_market_data(pine_test::ramp(n)); }

// Closes 10, 11, ..., the script buys on bar 2 and closes on bar 5 (fills at the next opens).
constexpr const char* kBuyHold = R"(//@version=6
strategy("t", initial_capital = 1000)
failAt = input.int(-1, "Fail at")
if bar_index == failAt
    x = array.get(array.new_float(2), 9)
if bar_index == 2
    strategy.entry("L", strategy.long)
if bar_index == 5
    strategy.close("L")
)";

}  // namespace

TEST_CASE("Pine grid: a failing trial fails alone with the line and bar; the others complete", "[pine_runner]") {
  auto md = ramp_data(20);
  OptimizationRequest req;
  req.base.script = pine_test::compile(kBuyHold);
  REQUIRE(prepare_script_request(req.base, *md).ok());
  req.axes = {Axis{"failAt", {-1, 7, 50}}};  // 50: past the last bar, never fails
  auto r = run_optimization(*md, req);
  REQUIRE(r.ok());
  CHECK(r->completed == 2);
  CHECK(r->failed == 1);
  const TrialResult* bad = nullptr;
  for (const auto& t : r->trials) {
    if (!t.ok) bad = &t;
  }
  REQUIRE(bad != nullptr);
  CHECK(bad->index == 1);
  // line 5 col 9 is `array.get(...)` inside the if block; bar 7 is 2024-01-08.
  CHECK(bad->error_message.find("line 5:9: array.get: index 9 is out of bounds") == 0);
  CHECK(bad->error_stack_trace.find("at bar 7 (2024-01-08)") != std::string::npos);
}

TEST_CASE("Pine backtest: fills at the next open; the default size is one contract (TradingView's default)", "[pine_runner]") {
  auto md = ramp_data(20);
  BacktestRequest req;
  req.script = pine_test::compile(kBuyHold);
  REQUIRE(prepare_script_request(req, *md).ok());
  CHECK(req.broker.cash == 1000);                         // initial_capital
  CHECK(req.broker.sizing == SizingKind::kUnits);          // default_qty_type fixed, 1 contract
  CHECK(req.broker.size == 1);
  auto r = run_backtest(*md, req);
  REQUIRE(r.ok());
  REQUIRE(r->trades.size() == 1);
  // Entry placed at bar 2's close, filled at bar 3's open (13); exit placed at 5, filled at 6 (16).
  CHECK(r->trades[0].entry_index == 3);
  CHECK(r->trades[0].entry_price == 13);
  CHECK(r->trades[0].exit_index == 6);
  CHECK(r->trades[0].exit_price == 16);
  CHECK(r->trades[0].quantity == 1);
  CHECK(r->final_equity == 1003);
}

TEST_CASE("Pine: explicit broker options override strategy() settings; the rest come from the script", "[pine_runner]") {
  auto md = ramp_data(20);
  BacktestRequest req;
  req.script = pine_test::compile(R"(//@version=6
strategy("t", initial_capital = 5000, commission_type = strategy.commission.cash_per_order, commission_value = 2,
     default_qty_type = strategy.percent_of_equity, default_qty_value = 50, process_orders_on_close = true, slippage = 3)
if bar_index == 2
    strategy.entry("L", strategy.long)
)");
  req.broker.cash = 777;
  req.broker_given = {"cash"};
  REQUIRE(prepare_script_request(req, *md).ok());
  CHECK(req.broker.cash == 777);
  CHECK(req.broker.commission_fixed == 2);
  CHECK(req.broker.sizing == SizingKind::kEquity);
  CHECK(req.broker.size == 0.5);
  CHECK(req.broker.fill == FillRule::kClose);
  CHECK(req.broker.slippage_abs == Approx(3.0));  // 3 ticks × mintick 1 (integer prices)
  auto r = run_backtest(*md, req);
  REQUIRE(r.ok());
  REQUIRE(r->open_position.has_value());
  CHECK(r->open_position->entry_index == 2);     // process_orders_on_close: this bar's close
  CHECK(r->open_position->entry_price == 12 + 3);  // + 3 ticks of slippage
}

TEST_CASE("Pine: settings this broker cannot honour yet are refused by name", "[pine_runner]") {
  auto md = ramp_data(5);
  for (const char* setting : {"pyramiding = -1", "default_qty_type = \"shares\"", "default_qty_value = 150, default_qty_type = strategy.percent_of_equity"}) {
    BacktestRequest req;
    req.script = pine_test::compile(std::string("//@version=6\nstrategy(\"t\", ") + setting + ")\n");
    auto st = prepare_script_request(req, *md);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().field.find("script.") == 0);
  }
}

TEST_CASE("Pine: --trade-from runs every bar but places no order before it", "[pine_runner]") {
  auto md = ramp_data(30);
  BacktestRequest req;
  req.script = pine_test::compile(R"(//@version=6
strategy("t")
n = ta.sma(close, 3)
plot(n, "sma")
if bar_index % 4 == 0
    strategy.entry("L", strategy.long)
if bar_index % 4 == 2
    strategy.close("L")
)");
  req.trade_from_ms = pine_test::kJan1_2024 + 10 * pine_test::kDayMs;  // bar 10
  REQUIRE(prepare_script_request(req, *md).ok());
  auto r = run_backtest(*md, req);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->trades.empty());
  CHECK(r->trades.front().entry_index == 13);  // the order of bar 12, the first at or after bar 10
  // The series warmed up before: sma at bar 10 is the mean of closes 18, 19, 20.
  CHECK(r->plots.at(0).values.at(10) == 19);
}

TEST_CASE("Pine: pyramiding 1 ignores a second entry; close names its entry; reversal in one order", "[pine_runner]") {
  auto md = ramp_data(20);
  BacktestRequest req;
  req.script = pine_test::compile(R"(//@version=6
strategy("t")
if bar_index == 1 or bar_index == 2
    strategy.entry("A", strategy.long)
if bar_index == 4
    strategy.close("B")
if bar_index == 6
    strategy.entry("S", strategy.short)
if bar_index == 9
    strategy.close("S")
)");
  REQUIRE(prepare_script_request(req, *md).ok());
  auto r = run_backtest(*md, req);
  REQUIRE(r.ok());
  REQUIRE(r->trades.size() == 2);
  CHECK(r->trades[0].side == 1);
  CHECK(r->trades[0].entry_index == 2);  // the bar-2 entry was ignored (already long)
  CHECK(r->trades[0].exit_index == 7);   // close("B") did nothing; the short entry reversed at bar 7
  CHECK(r->trades[1].side == -1);
  CHECK(r->trades[1].entry_index == 7);
  CHECK(r->trades[1].exit_index == 10);
}

TEST_CASE("Pine: grids share ta.* series of the same input value through the series cache", "[pine_runner]") {
  auto md = ramp_data(50);
  OptimizationRequest req;
  req.base.script = pine_test::compile(R"(//@version=6
strategy("t")
len = input.int(5)
other = input.int(1)
s = ta.sma(close, len)
if close > s and other > 0
    strategy.entry("L", strategy.long)
)");
  REQUIRE(prepare_script_request(req.base, *md).ok());
  req.axes = {Axis{"len", {3, 5}}, Axis{"other", {1, 2, 3, 4}}};
  const size_t before = md->cache.used_bytes();
  auto r = run_optimization(*md, req);
  REQUIRE(r.ok());
  CHECK(r->completed == 8);
  // Two distinct lengths → two cached series of 50 doubles, whatever the other input.
  CHECK(md->cache.used_bytes() - before == 2 * 50 * sizeof(double));
}

TEST_CASE("Pine: a cancelled script backtest stops between batches", "[pine_runner]") {
  auto md = ramp_data(5000);
  BacktestRequest req;
  req.script = pine_test::compile("//@version=6\nstrategy(\"t\")\nx = ta.sma(close, 3)\n");
  REQUIRE(prepare_script_request(req, *md).ok());
  CancelToken cancel;
  cancel.cancel();
  auto r = run_backtest(*md, req, RunHooks{nullptr, &cancel});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kCancelled);
}
