// TradingView's Strategy Tester outputs for any backtest result (built-in strategies and Pine
// scripts alike): the "List of trades" CSV and the "Performance Summary" (All / Long / Short).
// Computed from a finished BacktestResult plus the bars; nothing here changes a run.
#pragma once
#include <string>
#include <vector>

#include "atf/bars.h"
#include "atf/broker.h"

namespace atf {

struct BacktestResult;

/// One column of TradingView's Performance Summary: every figure for one set of trades (all,
/// long only, short only). NaN = undefined (JSON null): a ratio or mean over no trades, or a
/// figure TradingView shows only in the All column (max run-up and drawdown, buy and hold,
/// Sharpe, Sortino: NaN in Long and Short). +∞ (JSON "Infinity") = a ratio whose denominator is
/// zero for a good reason (profit factor with no losing trade). Losses are positive magnitudes,
/// as TradingView displays them. Percentages are in percent. The formulas: tv_report.cpp, one
/// definition each; the list of keys: performance_catalog().
struct PerformanceColumn {
  double net_profit = 0, net_profit_pct = 0;
  double gross_profit = 0, gross_profit_pct = 0, gross_loss = 0, gross_loss_pct = 0;
  double max_runup = 0, max_runup_pct = 0, max_drawdown = 0, max_drawdown_pct = 0;
  double buy_hold_return = 0, buy_hold_return_pct = 0;
  double sharpe = 0, sortino = 0;
  double profit_factor = 0, max_contracts_held = 0, open_pl = 0, open_pl_pct = 0, commission_paid = 0;
  double total_closed_trades = 0, total_open_trades = 0, winning_trades = 0, losing_trades = 0, even_trades = 0;
  double percent_profitable = 0;
  double avg_trade = 0, avg_trade_pct = 0;
  double avg_winning_trade = 0, avg_winning_trade_pct = 0, avg_losing_trade = 0, avg_losing_trade_pct = 0;
  double ratio_avg_win_loss = 0;
  double largest_winning_trade = 0, largest_winning_trade_pct = 0, largest_losing_trade = 0,
         largest_losing_trade_pct = 0;
  double avg_bars_in_trades = 0, avg_bars_in_winning_trades = 0, avg_bars_in_losing_trades = 0;
  double margin_calls = 0;
};

struct PerformanceSummary {
  PerformanceColumn all, longs, shorts;
};

/// One summary figure: its snake_case key (JSON, CLI), where it lives, whether it is money (the
/// CLI prints money with 2 decimals and separators) and a one-line description.
struct PerformanceFieldInfo {
  const char* name;
  double PerformanceColumn::*field;
  bool money;
  const char* description;
};
/// Every figure, in TradingView's order.
const std::vector<PerformanceFieldInfo>& performance_catalog();

/// The summary of a finished run. Reads r.trades, r.open_trades, r.equity_curve (max run-up,
/// max drawdown, Sharpe and Sortino are NaN without it), r.initial_capital, and from `broker`
/// the contract multiplier (a trade's value = entry price × quantity × multiplier) and
/// risk_free_rate_pct. `bars` are the run's bars (times, first and last prices).
PerformanceSummary performance_summary(const BacktestResult& r, const Bars& bars, const BrokerConfig& broker);

/// The one open trade TradingView lists for a net position left open: its entry fields, the
/// exit fields at the last bar (time, index, close), pnl = the position's unrealized P&L (net of
/// the entry commission), return_pct over the entry value, exit_reason kEnd (the list calls it
/// "Open"). run_backtest fills BacktestResult::open_trades with it when the broker listed none.
Trade open_trade_from_position(const OpenPosition& p, const Bars& bars, double multiplier);

/// TradingView's "Signal" of a trade's entry: entry_signal, or "Long" / "Short" when empty.
std::string entry_signal_name(const Trade& t);
/// The "Signal" of a closed trade's exit: exit_signal, or from exit_reason when empty: a signal
/// exit is named after the opposite entry that reversed the position on the same bar ("Short"
/// after a long, "Long" after a short; `reversed`), else "Close"; then "Stop loss", "Take
/// profit", "Close at end" (close_at_end), "Margin call".
std::string exit_signal_name(const Trade& t, bool reversed);

struct TradesCsvOptions {
  double multiplier = 1;  ///< contract multiplier: Size (value) = price × quantity × multiplier
  /// Decimals of money and percent columns; TradingView displays 2. Negative = full precision
  /// (the shortest text that reads back as the same double, as prices are written).
  int decimals = 2;
};

/// TradingView's "List of trades" CSV (RFC 4180, "\n" line ends, header first):
///   Trade #,Type,Date and time,Signal,Price,Size (qty),Size (value),Net P&L,Net P&L %,
///   Favorable excursion,Favorable excursion %,Adverse excursion,Adverse excursion %,
///   Cumulative P&L,Cumulative P&L %
/// Two rows per trade sharing its number, the exit row first, then the entry row; closed trades
/// in r.trades order numbered from 1, then r.open_trades (exit row Type "Exit long"/"Exit short",
/// Signal "Open", the last close as price, the unrealized P&L). Type "Entry long" / "Exit long" /
/// "Entry short" / "Exit short"; Date and time = UTC "YYYY-MM-DD HH:MM" (entry row: entry time,
/// exit row: exit time); Signal: entry_signal_name / exit_signal_name. Both rows carry the
/// trade's figures, as TradingView's export does: Size = quantity and entry value (entry price ×
/// quantity × multiplier); Net P&L = pnl (net of commission) and % of the entry value;
/// Favorable excursion = max_runup and % of the entry value; Adverse excursion = −max_drawdown
/// (negative, as TradingView shows it) and %; Cumulative P&L = running sum of pnl up to this
/// trade (an open trade adds its unrealized P&L) and % of r.initial_capital.
/// Numbers: prices and quantities in full (the shortest text that reads back as the same
/// double); money and percentages rounded to opt.decimals (fixed; "-0.00" is written "0.00").
/// Fields holding a comma, a quote or a line break are quoted, quotes doubled.
std::string trades_csv(const BacktestResult& r, const TradesCsvOptions& opt = {});

/// "YYYY-MM-DD HH:MM" in UTC (seconds dropped), as the trade list writes times.
std::string format_trade_time(int64_t ms);

}  // namespace atf
