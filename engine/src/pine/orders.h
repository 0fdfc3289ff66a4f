// The order interface between a running script and a broker. `strategy.*` calls become
// OrderRequests; the broker answers with the read-outs scripts see (`strategy.position_size`,
// `strategy.equity`, ...). Part 1 connects it to the engine's market-order broker
// (script_broker.h); the TradingView broker emulator (limit/stop/exit brackets, OCA, margin
// calls) implements the same interface.
#pragma once
#include <cstdint>
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
};

/// What `strategy.*` read-outs return at the current bar (TradingView's names).
struct StrategyReadout {
  Value position_size = 0;       ///< signed: > 0 long, < 0 short
  Value position_avg_price = kNa;
  Value equity = 0, netprofit = 0, openprofit = 0, grossprofit = 0, grossloss = 0, initial_capital = 0;
  Value opentrades = 0, closedtrades = 0, wintrades = 0, losstrades = 0, eventrades = 0;
  Value max_drawdown = 0, max_runup = 0;
  Value position_entry_name = kNa;  ///< string handle, na when flat
};

class OrderSink {
 public:
  virtual ~OrderSink() = default;
  /// Places, modifies or cancels an order. Errors: RuntimeError naming the unsupported argument.
  virtual void submit(const OrderRequest& order) = 0;
  /// The read-outs at this point of the bar.
  virtual const StrategyReadout& readout() const = 0;
};

/// Read-outs by kStrategyVar operand.
enum class StrategyVar : int32_t {
  kPositionSize, kPositionAvgPrice, kEquity, kNetProfit, kOpenProfit, kGrossProfit, kGrossLoss, kInitialCapital,
  kOpenTrades, kClosedTrades, kWinTrades, kLossTrades, kEvenTrades, kMaxDrawdown, kMaxRunup, kPositionEntryName,
};

}  // namespace atf::pine
