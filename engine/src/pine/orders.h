// The order interface between a running script and a broker. `strategy.*` calls become
// OrderRequests; the broker answers with the read-outs scripts see (`strategy.position_size`,
// `strategy.equity`, `strategy.closedtrades.*`, ...). The TradingView broker emulator
// (broker_emulator.h) implements it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "value.h"

namespace atf::pine {

struct OrderRequest {
  enum class Kind : uint8_t {
    kEntry,      ///< strategy.entry: open or add to a position in `direction` (reversing an opposite one)
    kOrder,      ///< strategy.order: buy or sell `qty` regardless of pyramiding
    kExit,       ///< strategy.exit: a bracket (limit/stop/trail) on an entry
    kClose,      ///< strategy.close: market exit of the entry named `id`
    kCloseAll,   ///< strategy.close_all
    kCancel,     ///< strategy.cancel: drop the pending order `id`
    kCancelAll,  ///< strategy.cancel_all
  };
  Kind kind = Kind::kEntry;
  std::string_view id;          ///< order id ("" where none); valid only during the call
  std::string_view from_entry;  ///< strategy.exit
  std::string_view comment;
  int direction = 1;            ///< +1 long, −1 short (strategy.long / strategy.short)
  Value qty = kNa;              ///< contracts; na: the strategy's default sizing
  Value qty_percent = kNa;      ///< strategy.close / exit: percent of the position
  Value limit = kNa, stop = kNa;
  Value profit = kNa, loss = kNa;  ///< ticks from the entry price (strategy.exit)
  Value trail_price = kNa, trail_points = kNa, trail_offset = kNa;
  bool immediately = false;     ///< strategy.close(immediately = true): fill at this close
  std::string_view oca_name;    ///< strategy.entry / strategy.order: the OCA group ("" = none)
  std::string_view oca_type;    ///< "cancel", "reduce" or "none" (strategy.oca.*)
  std::string_view comment_profit, comment_loss, comment_trailing;  ///< strategy.exit: per-leg comments
};

/// strategy.risk.* rules (TradingView's names); `value` in the unit the rule names.
struct RiskRequest {
  enum class Rule : uint8_t {
    kAllowEntryIn,            ///< `direction`: "all", "long" or "short"
    kMaxPositionSize,         ///< contracts
    kMaxIntradayFilledOrders, ///< orders per trading day
    kMaxIntradayLoss,         ///< `value` in `type` (percent_of_equity or cash) per trading day
    kMaxDrawdown,             ///< `value` in `type` (percent_of_equity or cash) from the equity peak
    kMaxConsLossDays,         ///< consecutive losing days
  };
  Rule rule = Rule::kAllowEntryIn;
  double value = 0;
  std::string_view type;       ///< "percent_of_equity" / "cash" where the rule takes one
  std::string_view direction;  ///< allow_entry_in
};

/// One trade as `strategy.opentrades.*` / `strategy.closedtrades.*` read it (TradingView's fields).
struct TradeRecord {
  std::string entry_id, entry_comment, exit_id, exit_comment;
  double size = 0;  ///< signed: > 0 long, < 0 short
  double entry_price = 0, exit_price = kNa;
  int64_t entry_bar = 0, exit_bar = -1;
  int64_t entry_time = 0, exit_time = 0;  ///< UTC ms
  double profit = 0;      ///< closed: net of commission; open: at the last mark
  double commission = 0;  ///< entry (and exit) commission paid
  double max_runup = 0, max_drawdown = 0;  ///< currency, >= 0
};

/// What `strategy.*` read-outs return at the current bar (TradingView's names).
struct StrategyReadout {
  Value position_size = 0;       ///< signed: > 0 long, < 0 short
  Value position_avg_price = kNa;
  Value equity = 0, netprofit = 0, openprofit = 0, grossprofit = 0, grossloss = 0, initial_capital = 0;
  Value opentrades = 0, closedtrades = 0, wintrades = 0, losstrades = 0, eventrades = 0;
  Value max_drawdown = 0, max_runup = 0;
  Value position_entry_name = kNa;  ///< string handle, na when flat
  Value max_contracts_held_all = 0, max_contracts_held_long = 0, max_contracts_held_short = 0;
};

class OrderSink {
 public:
  virtual ~OrderSink() = default;
  /// Places, modifies or cancels an order. Errors: RuntimeError naming the unsupported argument.
  virtual void submit(const OrderRequest& order) = 0;
  /// The read-outs at this point of the bar.
  virtual const StrategyReadout& readout() const = 0;
  /// strategy.risk.*: sets a rule. Errors: RuntimeError naming a bad value.
  virtual void risk(const RiskRequest& rule) = 0;
  /// Trade `i` (0 = the oldest) of the open (open = true) or closed trades; nullptr when out of range.
  virtual const TradeRecord* trade(bool open, int64_t i) const = 0;
  /// A string handle for `text`, kept for the run (trade ids and comments the script reads).
  virtual Value text_handle(const std::string& text) const = 0;
};

/// Read-outs by kStrategyVar operand.
enum class StrategyVar : int32_t {
  kPositionSize, kPositionAvgPrice, kEquity, kNetProfit, kOpenProfit, kGrossProfit, kGrossLoss, kInitialCapital,
  kOpenTrades, kClosedTrades, kWinTrades, kLossTrades, kEvenTrades, kMaxDrawdown, kMaxRunup, kPositionEntryName,
  kMaxContractsHeldAll, kMaxContractsHeldLong, kMaxContractsHeldShort,
};

}  // namespace atf::pine
