// Broker settings and the records a run produces: fills, costs, sizing, trades.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace atf {

/// When a market order placed at bar t's close fills.
enum class FillRule {
  kNextOpen,  ///< at bar t+1's open (backtrader, backtesting.py default)
  kClose,     ///< at bar t's close ("cheat on close")
};

enum class SizingKind {
  kUnits,   ///< a fixed quantity per entry
  kEquity,  ///< a fraction of equity per entry
  kCash,    ///< a cash amount per entry (Pine's strategy.cash; scripts only)
};

struct BrokerConfig {
  double cash = 100000;                   ///< starting cash
  SizingKind sizing = SizingKind::kEquity;
  double size = 1.0;                      ///< units, or fraction of equity in (0, 1]
  bool fractional = false;                ///< allow fractional units with equity sizing
  double commission_pct = 0;              ///< percent of notional per fill (0.1 = 0.1 %)
  double commission_fixed = 0;            ///< per order (each fill is one order)
  double commission_per_unit = 0;         ///< per unit or contract per fill
  double slippage_bps = 0;                ///< basis points against the trader on market fills
  double slippage_abs = 0;                ///< price units against the trader on market fills (a script's `slippage` ticks × mintick)
  double multiplier = 1;                  ///< contract multiplier (P&L = Δprice × qty × multiplier)
  double margin = 0;                      ///< margin per contract; > 0 makes the instrument futures-style
  FillRule fill = FillRule::kNextOpen;
  bool allow_short = false;               ///< bearish signals open shorts instead of only exiting
  bool close_at_end = false;              ///< close an open position at the last bar's close
  double stop_loss_pct = 0;               ///< 0 = off; exit when price moves this % against entry
  double take_profit_pct = 0;             ///< 0 = off; exit when price moves this % in favour
  double bars_per_year = 0;               ///< 0 = measured from the data
  /// Margin a position needs, in percent of its value (TradingView's `margin_long` /
  /// `margin_short`; 100 = a cash account, 0 = no margin rule). When equity at the bar's worst
  /// price no longer covers it, part of the position is liquidated (a margin call, TradingView's
  /// rule: 4 × the quantity that covers the shortfall).
  double margin_long_pct = 100;
  double margin_short_pct = 100;
  double risk_free_rate_pct = 2;          ///< annual, for the performance summary's Sharpe and Sortino (TradingView's `risk_free_rate`)
};

/// Why a trade was closed.
enum class ExitReason { kSignal, kStopLoss, kTakeProfit, kEnd, kMarginCall };
const char* exit_reason_name(ExitReason r);

struct Trade {
  int64_t entry_time = 0, exit_time = 0;  ///< UTC ms
  int64_t entry_index = 0, exit_index = 0;
  int side = 1;                           ///< +1 long, −1 short
  double quantity = 0;                    ///< units (positive)
  double entry_price = 0, exit_price = 0; ///< fill prices, slippage included
  double commission = 0;                  ///< entry + exit
  double pnl = 0;                         ///< net of commission
  double return_pct = 0;                  ///< pnl / entry notional × 100
  ExitReason exit_reason = ExitReason::kSignal;
  /// TradingView's "Signal" column: the entry's order id (or comment) and the exit's; built-in
  /// strategies use "long"/"short" and the exit reason. Empty = derived from side / exit_reason.
  std::string entry_signal, exit_signal;
  /// Favourable and adverse excursion while open, in currency (>= 0 each; TradingView's
  /// "Favorable excursion" / "Adverse excursion", max run-up and drawdown of the trade).
  double max_runup = 0, max_drawdown = 0;
};

struct OpenPosition {
  int side = 1;
  double quantity = 0;
  double entry_price = 0;
  int64_t entry_time = 0, entry_index = 0;
  double commission = 0;      ///< paid at entry
  double unrealized_pnl = 0;  ///< at the last close, net of the entry commission
  std::string entry_signal;   ///< order id (or comment) of the entry; empty = "long"/"short"
  double max_runup = 0, max_drawdown = 0;  ///< excursions so far, in currency (>= 0 each)
};

}  // namespace atf
