// TradingView's "List of trades" CSV and Performance Summary on hand-worked trades.
#include <catch2/catch.hpp>

#include <cmath>

#include "atf/backtest.h"
#include "atf/json_io.h"
#include "atf/tv_report.h"
#include "test_util.h"

using namespace atf;

namespace {

constexpr int64_t kHour = 3'600'000, kMinute = 60'000;
constexpr int64_t kJan1_2024 = 1'704'067'200'000;  // 2024-01-01 00:00 UTC

/// 13 daily bars at 09:30 UTC from 2024-01-01; the last close is 42.
Bars thirteen_bars() {
  Bars b;
  for (int i = 0; i < 13; ++i) {
    const double c = i == 12 ? 42 : 100;
    b.push_back(kJan1_2024 + i * test::kDay + 9 * kHour + 30 * kMinute, c, c, c, c, 1000);
  }
  return b;
}

Trade trade(int side, int64_t entry, int64_t exit, double qty, double entry_price, double exit_price, double commission,
            double pnl, double runup, double drawdown, ExitReason reason, const Bars& b) {
  Trade t;
  t.side = side;
  t.entry_index = entry;
  t.exit_index = exit;
  t.entry_time = b.time[static_cast<size_t>(entry)];
  t.exit_time = b.time[static_cast<size_t>(exit)];
  t.quantity = qty;
  t.entry_price = entry_price;
  t.exit_price = exit_price;
  t.commission = commission;
  t.pnl = pnl;
  t.return_pct = pnl / (qty * entry_price) * 100;
  t.max_runup = runup;
  t.max_drawdown = drawdown;
  t.exit_reason = reason;
  return t;
}

/// Four closed trades and an open one on 10,000 initial capital:
///   1 long  bars 1→4, 10 @ 100 → 110, commission 2: pnl +98 (a winner), reversed into trade 2
///   2 short bars 4→5,  8 @ 110 → 115, stop loss, commission 2: pnl −42
///   3 long  bars 6→8,  5 @ 100 → 100.4, take profit, commission 2: pnl 0 (even)
///   4 short bars 9→10, 2 @ 50 → 60, margin call, commission 1: pnl −21, signal "Sell, big"
///   open long from bar 11, 3 @ 40, entry commission 0.25; last close 42: unrealized +5.75
BacktestResult worked_result(const Bars& b) {
  BacktestResult r;
  r.initial_capital = 10000;
  r.trades.push_back(trade(1, 1, 4, 10, 100, 110, 2, 98, 120, 30, ExitReason::kSignal, b));
  r.trades.push_back(trade(-1, 4, 5, 8, 110, 115, 2, -42, 20, 60, ExitReason::kStopLoss, b));
  r.trades.push_back(trade(1, 6, 8, 5, 100, 100.4, 2, 0, 5, 2.5, ExitReason::kTakeProfit, b));
  Trade t4 = trade(-1, 9, 10, 2, 50, 60, 1, -21, 1, 20, ExitReason::kMarginCall, b);
  t4.entry_signal = "Sell, big";
  r.trades.push_back(t4);
  OpenPosition p;
  p.side = 1;
  p.quantity = 3;
  p.entry_price = 40;
  p.entry_index = 11;
  p.entry_time = b.time[11];
  p.commission = 0.25;
  p.unrealized_pnl = 5.75;
  p.max_runup = 9;
  p.max_drawdown = 1.5;
  r.open_position = p;
  r.open_trades.push_back(open_trade_from_position(p, b, 1));
  // Equity at each close: trough 9990 at bar 1, peak 10100 at bar 2, lowest after it 10024.5.
  r.equity_curve = {10000, 9990, 10100, 10098, 10050, 10046, 10046, 10060, 10046, 10046, 10025, 10024.5, 10030.5};
  return r;
}

}  // namespace

TEST_CASE("trade list CSV: TradingView's header, exit row then entry row, UTC minutes, quoting", "[tv_report]") {
  const Bars b = thirteen_bars();
  const BacktestResult r = worked_result(b);
  const std::string want =
      "Trade #,Type,Date and time,Signal,Price,Size (qty),Size (value),Net P&L,Net P&L %,Favorable excursion,"
      "Favorable excursion %,Adverse excursion,Adverse excursion %,Cumulative P&L,Cumulative P&L %\n"
      // 98 / 1000 = 9.80 %; 120 / 1000 = 12 %; −30 / 1000 = −3 %; cumulative 98 = 0.98 % of 10,000.
      // The long exits on the bar where the short entered: its exit signal is that entry, "Short".
      "1,Exit long,2024-01-05 09:30,Short,110,10,1000.00,98.00,9.80,120.00,12.00,-30.00,-3.00,98.00,0.98\n"
      "1,Entry long,2024-01-02 09:30,Long,100,10,1000.00,98.00,9.80,120.00,12.00,-30.00,-3.00,98.00,0.98\n"
      // value 880; −42 / 880 = −4.77 %; 20 / 880 = 2.27 %; −60 / 880 = −6.82 %; cumulative 56.
      "2,Exit short,2024-01-06 09:30,Stop loss,115,8,880.00,-42.00,-4.77,20.00,2.27,-60.00,-6.82,56.00,0.56\n"
      "2,Entry short,2024-01-05 09:30,Short,110,8,880.00,-42.00,-4.77,20.00,2.27,-60.00,-6.82,56.00,0.56\n"
      "3,Exit long,2024-01-09 09:30,Take profit,100.4,5,500.00,0.00,0.00,5.00,1.00,-2.50,-0.50,56.00,0.56\n"
      "3,Entry long,2024-01-07 09:30,Long,100,5,500.00,0.00,0.00,5.00,1.00,-2.50,-0.50,56.00,0.56\n"
      "4,Exit short,2024-01-11 09:30,Margin call,60,2,100.00,-21.00,-21.00,1.00,1.00,-20.00,-20.00,35.00,0.35\n"
      "4,Entry short,2024-01-10 09:30,\"Sell, big\",50,2,100.00,-21.00,-21.00,1.00,1.00,-20.00,-20.00,35.00,0.35\n"
      // Open: the last close 42 as its price; 5.75 / 120 = 4.79 %; cumulative 35 + 5.75 = 40.75.
      "5,Exit long,2024-01-13 09:30,Open,42,3,120.00,5.75,4.79,9.00,7.50,-1.50,-1.25,40.75,0.41\n"
      "5,Entry long,2024-01-12 09:30,Long,40,3,120.00,5.75,4.79,9.00,7.50,-1.50,-1.25,40.75,0.41\n";
  CHECK(trades_csv(r) == want);
}

TEST_CASE("trade list CSV: exit names, quotes doubled, multiplier, full precision", "[tv_report]") {
  const Bars b = thirteen_bars();
  BacktestResult r;
  r.initial_capital = 1000;
  // A long closed by a signal with no reversal ("Close"), then one closed at the end with its
  // own exit signal holding quotes.
  r.trades.push_back(trade(1, 0, 2, 1, 100, 101, 0, 1, 0, 0, ExitReason::kSignal, b));
  Trade t = trade(1, 3, 12, 1, 100, 42, 0, -58, 0, 0, ExitReason::kEnd, b);
  r.trades.push_back(t);
  t.exit_signal = "say \"bye\"";
  BacktestResult with_quotes = r;
  with_quotes.trades[1] = t;
  const std::string csv = trades_csv(r, {2, 2});  // multiplier 2: value 200, percentages halve
  CHECK(csv.find("1,Exit long,2024-01-03 09:30,Close,101,1,200.00,1.00,0.50,0.00,0.00,0.00,0.00,1.00,0.10\n") !=
        std::string::npos);
  CHECK(csv.find("2,Exit long,2024-01-13 09:30,Close at end,42,1,200.00,-58.00,-29.00,") != std::string::npos);
  CHECK(trades_csv(with_quotes).find("2,Exit long,2024-01-13 09:30,\"say \"\"bye\"\"\",42,") != std::string::npos);
  // Full precision: 1/3 written as the shortest text that reads back as the same double.
  BacktestResult thirds;
  thirds.initial_capital = 3;
  thirds.trades.push_back(trade(-1, 0, 1, 3, 1, 1, 0, 1.0 / 3, 0, 0, ExitReason::kSignal, b));
  CHECK(trades_csv(thirds, {1, -1}).find("1,Exit short,2024-01-02 09:30,Close,1,3,3,0.33333333333333331,"
                                         "11.111111111111111,0,0,0,0,0.33333333333333331,11.111111111111111\n") !=
        std::string::npos);
  CHECK(format_trade_time(-1) == "1969-12-31 23:59");
  CHECK(format_trade_time(kJan1_2024 + 59'999) == "2024-01-01 00:00");
}

TEST_CASE("performance summary: every figure of All, Long and Short worked by hand", "[tv_report]") {
  const Bars b = thirteen_bars();
  const BacktestResult r = worked_result(b);
  BrokerConfig broker;
  const PerformanceSummary s = performance_summary(r, b, broker);
  const PerformanceColumn& a = s.all;
  // Closed: +98, −42, 0, −21.
  CHECK(a.net_profit == 35);
  CHECK(a.net_profit_pct == Approx(0.35));
  CHECK(a.gross_profit == 98);
  CHECK(a.gross_profit_pct == Approx(0.98));
  CHECK(a.gross_loss == 63);
  CHECK(a.gross_loss_pct == Approx(0.63));
  CHECK(a.profit_factor == Approx(98.0 / 63.0));
  // Equity: lowest 9990 before the peak 10100 (run-up 110); 10100 → 10024.5 (drawdown 75.5).
  CHECK(a.max_runup == 110);
  CHECK(a.max_runup_pct == Approx(1.1));
  CHECK(a.max_drawdown == 75.5);
  CHECK(a.max_drawdown_pct == Approx(75.5 / 10100 * 100));  // of the peak: 0.7475 %
  // Bought at the first entry (100), held to the last close (42).
  CHECK(a.buy_hold_return_pct == Approx(-58));
  CHECK(a.buy_hold_return == Approx(-5800));
  CHECK(a.max_contracts_held == 10);  // trade 1's 10 leave on bar 4 before trade 2's 8 arrive
  CHECK(a.open_pl == 5.75);
  CHECK(a.open_pl_pct == Approx(0.0575));
  CHECK(a.commission_paid == 7.25);
  CHECK(a.total_closed_trades == 4);
  CHECK(a.total_open_trades == 1);
  CHECK(a.winning_trades == 1);
  CHECK(a.losing_trades == 2);
  CHECK(a.even_trades == 1);
  CHECK(a.percent_profitable == 25);
  CHECK(a.avg_trade == 8.75);
  // Per-trade %: 9.8, −42/880 × 100, 0, −21.
  const double p2 = -42.0 / 880 * 100;
  CHECK(a.avg_trade_pct == Approx((9.8 + p2 + 0 - 21) / 4));
  CHECK(a.avg_winning_trade == 98);
  CHECK(a.avg_winning_trade_pct == Approx(9.8));
  CHECK(a.avg_losing_trade == 31.5);
  CHECK(a.avg_losing_trade_pct == Approx((-p2 + 21) / 2));
  CHECK(a.ratio_avg_win_loss == Approx(98 / 31.5));
  CHECK(a.largest_winning_trade == 98);
  CHECK(a.largest_winning_trade_pct == Approx(9.8));
  CHECK(a.largest_losing_trade == 42);      // trade 2 lost the most money
  CHECK(a.largest_losing_trade_pct == 21);  // trade 4 the largest share of its value
  CHECK(a.avg_bars_in_trades == 1.75);      // 3, 1, 2, 1 bars
  CHECK(a.avg_bars_in_winning_trades == 3);
  CHECK(a.avg_bars_in_losing_trades == 1);
  CHECK(a.margin_calls == 1);
  // 13 daily bars in one month: daily returns, so Sharpe and Sortino are defined.
  CHECK(std::isfinite(a.sharpe));

  const PerformanceColumn& l = s.longs;  // trades 1 and 3, and the open one
  CHECK(l.net_profit == 98);
  CHECK(l.gross_profit == 98);
  CHECK(l.gross_loss == 0);
  CHECK(l.profit_factor == std::numeric_limits<double>::infinity());
  CHECK(l.commission_paid == 4.25);
  CHECK(l.open_pl == 5.75);
  CHECK(l.total_closed_trades == 2);
  CHECK(l.total_open_trades == 1);
  CHECK(l.winning_trades == 1);
  CHECK(l.losing_trades == 0);
  CHECK(l.even_trades == 1);
  CHECK(l.percent_profitable == 50);
  CHECK(l.avg_trade == 49);
  CHECK(l.avg_trade_pct == Approx(4.9));
  CHECK(std::isnan(l.avg_losing_trade));
  CHECK(std::isnan(l.largest_losing_trade));
  CHECK(l.ratio_avg_win_loss == std::numeric_limits<double>::infinity());
  CHECK(l.avg_bars_in_trades == 2.5);
  CHECK(std::isnan(l.avg_bars_in_losing_trades));
  CHECK(l.max_contracts_held == 10);
  CHECK(l.margin_calls == 0);
  for (double v : {l.max_runup, l.max_drawdown, l.buy_hold_return, l.sharpe, l.sortino}) CHECK(std::isnan(v));

  const PerformanceColumn& sh = s.shorts;  // trades 2 and 4
  CHECK(sh.net_profit == -63);
  CHECK(sh.gross_profit == 0);
  CHECK(sh.gross_loss == 63);
  CHECK(sh.profit_factor == 0);
  CHECK(sh.commission_paid == 3);
  CHECK(sh.open_pl == 0);
  CHECK(sh.winning_trades == 0);
  CHECK(sh.losing_trades == 2);
  CHECK(sh.percent_profitable == 0);
  CHECK(sh.avg_trade == -31.5);
  CHECK(std::isnan(sh.avg_winning_trade));
  CHECK(std::isnan(sh.ratio_avg_win_loss));
  CHECK(sh.avg_losing_trade == 31.5);
  CHECK(sh.largest_losing_trade == 42);
  CHECK(sh.largest_losing_trade_pct == 21);
  CHECK(sh.avg_bars_in_trades == 1);
  CHECK(sh.avg_bars_in_losing_trades == 1);
  CHECK(sh.max_contracts_held == 8);
  CHECK(sh.margin_calls == 1);

  // Without open_trades the open position is listed from open_position, at the last close.
  BacktestResult only_position = r;
  only_position.open_trades.clear();
  const PerformanceSummary s2 = performance_summary(only_position, b, broker);
  CHECK(s2.all.open_pl == 5.75);
  CHECK(s2.all.total_open_trades == 1);
  const Trade derived = open_trade_from_position(*r.open_position, b, 1);
  CHECK(derived.exit_price == 42);
  CHECK(derived.exit_index == 12);
  CHECK(derived.exit_time == b.time[12]);
}

TEST_CASE("performance summary: Sharpe and Sortino from monthly returns and the risk-free rate", "[tv_report]") {
  // One bar a month, three months: monthly returns +2 %, −1 %, +3 % on 10,000.
  Bars b;
  for (int m = 0; m < 3; ++m) b.push_back(kJan1_2024 + (14 + 31 * m) * test::kDay, 1, 1, 1, 1, 1);
  BacktestResult r;
  r.initial_capital = 10000;
  r.equity_curve = {10200, 10098, 10400.94};
  BrokerConfig broker;
  // mean 0.04 / 3; sample variance ((0.02−m)² + (−0.01−m)² + (0.03−m)²) / 2; downside with
  // target 0: only −1 %, √(0.0001 / 3).
  const double mean = 0.04 / 3;
  const double sd = std::sqrt((std::pow(0.02 - mean, 2) + std::pow(-0.01 - mean, 2) + std::pow(0.03 - mean, 2)) / 2);
  broker.risk_free_rate_pct = 0;
  PerformanceSummary s = performance_summary(r, b, broker);
  CHECK(s.all.sharpe == Approx(mean / sd));  // 0.6405
  CHECK(s.all.sortino == Approx(mean / std::sqrt(0.0001 / 3)));  // 2.3094
  // 12 % a year = 1 % a month; downside of r − 1 %: only −2 %, √(0.0004 / 3).
  broker.risk_free_rate_pct = 12;
  s = performance_summary(r, b, broker);
  CHECK(s.all.sharpe == Approx((mean - 0.01) / sd));  // 0.1601
  CHECK(s.all.sortino == Approx((mean - 0.01) / std::sqrt(0.0004 / 3)));  // 0.2887
  // TradingView's own example (risk-free 0): returns 1 %, 0, 0 give 0.577.
  r.equity_curve = {10100, 10100, 10100};
  broker.risk_free_rate_pct = 0;
  CHECK(performance_summary(r, b, broker).all.sharpe == Approx(0.57735).epsilon(1e-4));
  // Two bars on two days: too short for either.
  Bars two;
  two.push_back(kJan1_2024, 1, 1, 1, 1, 1);
  two.push_back(kJan1_2024 + test::kDay, 1, 1, 1, 1, 1);
  r.equity_curve = {10100, 10000};
  s = performance_summary(r, two, broker);
  CHECK(std::isnan(s.all.sharpe));
  CHECK(std::isnan(s.all.sortino));
  // No equity curve: the curve's figures are undefined, the trade figures are not.
  r.equity_curve.clear();
  s = performance_summary(r, b, broker);
  CHECK(std::isnan(s.all.max_drawdown));
  CHECK(std::isnan(s.all.sharpe));
  CHECK(s.all.total_closed_trades == 0);
  CHECK(std::isnan(s.all.profit_factor));
}

TEST_CASE("a backtest carries initial capital, open trades and the summary; the JSON lists them", "[tv_report]") {
  // fast = the close, slow SMA(3): the close dips below, then crosses above and stays: a long
  // is open at the end.
  const std::vector<double> px = {10, 9, 8, 7, 8, 9, 10, 11, 12, 19};
  auto md = test::prepare(test::make_bars(px, px));
  BacktestRequest req;
  req.strategy = "sma_cross";
  req.params = {{"fast", 1}, {"slow", 3}};
  req.broker.cash = 1000;
  auto r = run_backtest(*md, req, {}, false);
  REQUIRE(r.ok());
  CHECK(r->initial_capital == 1000);
  CHECK(r->equity_curve.empty());  // not asked for, though the summary used it
  REQUIRE(r->open_position);
  REQUIRE(r->open_trades.size() == 1);
  CHECK(r->open_trades[0].exit_price == 19);
  CHECK(r->performance.all.total_open_trades == 1);
  CHECK(r->performance.all.open_pl == r->open_position->unrealized_pnl);
  CHECK(std::isfinite(r->performance.all.max_runup));
  const nlohmann::json j = to_json(*r, false);
  CHECK(j["initial_capital"] == 1000);
  CHECK(j["open_trades"].size() == 1);
  CHECK(j["open_trades"][0].contains("entry_signal"));
  CHECK(j["performance"]["all"]["total_open_trades"] == 1);
  CHECK(j["performance"]["long"].contains("net_profit"));
  CHECK(j["performance"]["short"]["profit_factor"].is_null());
  CHECK(j["performance"]["all"].size() == performance_catalog().size());
  const std::string csv = trades_csv(*r);
  CHECK(csv.find("1,Exit long,2020-01-10 00:00,Open,19,") != std::string::npos);
}
