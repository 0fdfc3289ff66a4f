// TradingView's broker emulator: what `strategy.*` orders do to a Pine strategy's account.
//
// Per bar t (Pine User Manual, "Strategies": broker emulator, order types, margin):
//   1. market orders placed at bar t−1's close fill at t's open (slippage against the trader);
//   2. price orders (limit, stop, stop-limit, exit brackets, trailing stops) fill along the
//      assumed intrabar path: open → the extreme nearer the open → the other extreme → close
//      (the high first when it is as near as the low), at their price, or at the open when the
//      bar opens beyond it; several orders fill in the order the path reaches them, and what a
//      fill creates (an entry's bracket) is live on the rest of that same path;
//   3. a margin call, when equity at the bar's worst price no longer covers the margin the
//      position needs (liquidating 4 × the quantity that covers the shortfall);
//   4. the script runs at the close (begin_script .. end_script) and places orders; with
//      process_orders_on_close (or strategy.close(immediately = true)) market orders fill at
//      this close.
// Quantities by default_qty_type are sized when the order is placed, from that bar's close
// (TradingView sizes at placement). Entries whose resulting position needs more margin than the
// equity at the fill price are rejected (counted in rejected_orders), as TradingView v6 does.
#pragma once
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atf/bars.h"
#include "atf/broker.h"
#include "atf/metrics.h"
#include "orders.h"
#include "program.h"

namespace atf::pine {

class Heap;

/// The account settings of one run: the script's strategy() settings merged with the user's
/// broker options (script_broker_config), in the emulator's units.
struct EmulatorConfig {
  double initial_capital = 1'000'000;
  enum class QtyType : uint8_t { kFixed, kCash, kPercentOfEquity } qty_type = QtyType::kFixed;
  double qty_value = 1;          ///< contracts, cash, or percent of equity
  bool fractional = true;        ///< false: default quantities are floored to whole units
  int pyramiding = 1;            ///< entries allowed in one direction (TradingView's 0 means 1)
  double commission_pct = 0;     ///< percent of the fill's value
  double commission_per_contract = 0, commission_per_order = 0;
  double slippage = 0;           ///< price units against the trader on market and stop fills (ticks × mintick)
  double slippage_frac = 0;      ///< a user's --slippage-bps, as a fraction of the price
  double mintick = 0.01;
  double fill_limits_ticks = 0;  ///< backtest_fill_limits_assumption: a limit needs the price this far past it
  bool orders_on_close = false;  ///< process_orders_on_close
  bool close_entries_fifo = true;  ///< close_entries_rule: FIFO (default) or ANY
  double margin_long = 1, margin_short = 1;  ///< fractions (margin_long / 100); 0 = no margin rule
  double multiplier = 1;         ///< point value
  bool close_at_end = false;     ///< close what is open at the last bar's close
};

/// Makes the emulator's settings from a prepared broker config (script_broker_config: the
/// script's strategy() settings under the user's options) and the settings only the emulator
/// knows (pyramiding, close_entries_rule, backtest_fill_limits_assumption, strategy.cash sizing).
EmulatorConfig emulator_config(const BrokerConfig& broker, const ScriptSettings& settings, double mintick);

class BrokerEmulator final : public OrderSink {
 public:
  /// `trades` (may be null: optimizer trials) receives closed trades in TradingView's order.
  BrokerEmulator(const EmulatorConfig& cfg, const Bars& bars, MetricsAccumulator& acc, std::vector<Trade>* trades);

  void set_heap(Heap* heap) { heap_ = heap; }

  /// Steps 1–3 for bar t: fills at the open and along the path, then the margin check. Inline
  /// for the common bar with nothing pending, where no fill can happen.
  void process_bar(size_t t) {
    t_ = t;
    readout_dirty_ = true;
    if (!orders_.empty() || day_rules_) return process_bar_full(t);
    if (open_.empty()) return;
    const double h = bars_.high[t], l = bars_.low[t];
    mark_excursions(h);
    mark_excursions(l);
    const double worst = position_ > 0 ? l : h;
    if (worst < margin_below_ || worst > margin_above_) margin_check(t, worst);
  }
  /// Step 4: the script is about to run at bar t's close (read-outs are at the close).
  void begin_script(size_t t) {
    t_ = t;
    readout_dirty_ = true;
  }
  /// After the script at bar t: fills at the close (process_orders_on_close, immediately,
  /// close_at_end on the last bar). Returns the equity at the close.
  double end_script(size_t t) {
    if (!orders_.empty() || t + 1 == n_ || risk_rules_ || halted_) return end_script_full(t);
    if (position_ != 0) ++exposed_bars_;
    return mark_close(t);
  }

  // OrderSink
  void submit(const OrderRequest& order) override;
  const StrategyReadout& readout() const override;
  void risk(const RiskRequest& rule) override;
  const TradeRecord* trade(bool open, int64_t i) const override;
  Value text_handle(const std::string& text) const override;

  /// Equity at `price`: initial capital + net profit + open profit.
  double equity(double price) const;
  double cash() const { return cash_; }
  double position() const { return position_; }
  int64_t rejected_orders() const { return rejected_; }
  /// Bars with a position open at their close (exposure), including the last bar when close_at_end closed it.
  int64_t exposed_bars() const { return exposed_bars_; }
  /// Open entries at bar t's close, as TradingView lists them ("Open" trades), and the net position.
  std::vector<Trade> open_trades_at(size_t t) const;
  std::optional<OpenPosition> open_position_at(size_t t) const;

 private:
  enum class OrderKind : uint8_t { kEntry, kOrder, kExit, kClose };
  enum class Oca : uint8_t { kNone, kCancel, kReduce };
  struct Order {
    OrderKind kind = OrderKind::kEntry;
    std::string id, comment, from_entry, oca_name;
    std::string comment_profit, comment_loss, comment_trailing;
    Oca oca = Oca::kNone;
    int dir = 1;                 ///< +1 buy / −1 sell (entries, orders); exits and closes: the side they close
    double qty = 0;              ///< entries/orders: contracts; closes/exits: contracts, or NaN = by percent
    double qty_percent = 100;    ///< closes/exits
    double limit = kNa, stop = kNa;
    bool stop_hit = false;       ///< stop-limit: the stop was reached, the limit is live
    // strategy.exit
    double profit = kNa, loss = kNa, trail_price = kNa, trail_points = kNa, trail_offset = kNa;
    bool trail_active = false;
    double trail_best = 0;       ///< best price since the trailing stop activated
    bool immediately = false;
    bool market_at_close = false;  ///< placed for this close (process_orders_on_close / immediately)
    size_t placed_bar = 0;
    uint64_t seq = 0;
    bool is_price_order() const { return kind == OrderKind::kExit || !std::isnan(limit) || !std::isnan(stop); }
  };
  struct OpenEntry {
    std::string id, comment;
    uint32_t id_name = 0, comment_name = 0;  ///< in names_
    int side = 1;
    double qty = 0, price = 0, commission = 0;
    size_t bar = 0;
    double max_runup = 0, max_drawdown = 0;
  };
  struct ExitLevels {
    double limit = kNa, stop = kNa;  ///< the bracket's prices (stop includes the trailing stop once active)
    double trail_activation = kNa;
  };

  void process_bar_full(size_t t);
  double end_script_full(size_t t);
  /// Equity at bar t's close, with the strategy's peak, trough, max drawdown and run-up.
  double mark_close(size_t t) {
    const double eq = equity(bars_.close[t]);
    if (eq > peak_equity_) peak_equity_ = eq;
    if (eq < trough_equity_) trough_equity_ = eq;
    if (peak_equity_ - eq > max_drawdown_) max_drawdown_ = peak_equity_ - eq;
    if (eq - trough_equity_ > max_runup_) max_runup_ = eq - trough_equity_;
    readout_dirty_ = true;
    return eq;
  }
  /// Recomputes the prices beyond which a margin call can happen (after every fill), so a quiet
  /// bar's check is one comparison.
  void update_margin_bounds();
  double to_tick(double price) const;
  double slipped(int buy, double price) const;
  double default_qty(size_t t) const;
  double commission(double qty, double price) const;
  int position_sign() const { return (position_ > 1e-12) - (position_ < -1e-12); }
  Order* find_order(const std::string& id, bool exit);
  void place(Order o);
  void cancel_where(const std::string& id);

  // Fills
  void fill_market_orders(size_t t, double price, bool at_close);
  void walk_path(size_t t);
  ExitLevels exit_levels(const Order& o) const;
  void execute(size_t t, Order& o, double price, bool stop_leg);
  int exit_side(const Order& o) const;
  void open_entry(size_t t, const Order& o, int side, double qty, double price);
  /// What an exit is called: its order id, its comment, and the "Signal" of the trade list
  /// (the comment when given, else the id or TradingView's name for the kind of close).
  struct ExitLabel {
    std::string id, comment, signal;
  };
  void close_qty(size_t t, double qty, double price, const std::string& from_entry, const ExitLabel& label, ExitReason reason);
  void close_entry(size_t t, size_t i, double qty, double price, const ExitLabel& label, ExitReason reason);
  void after_fill(const Order& o, double filled);
  void mark_excursions(double price) {
    for (auto& e : open_) {
      const double pl = e.side * e.qty * (price - e.price) * cfg_.multiplier;
      if (pl > e.max_runup) e.max_runup = pl;
      if (-pl > e.max_drawdown) e.max_drawdown = -pl;
    }
  }
  void margin_check(size_t t, double worst);
  void drop_orphan_exits();
  void refresh_readout() const;

  const EmulatorConfig cfg_;
  const Bars& bars_;
  MetricsAccumulator& acc_;
  std::vector<Trade>* trades_;
  Heap* heap_ = nullptr;

  const size_t n_;
  double cash_;
  double position_ = 0;
  double margin_below_ = -HUGE_VAL, margin_above_ = HUGE_VAL;
  bool day_rules_ = false, risk_rules_ = false;  ///< strategy.risk rules set (per day / any)
  std::vector<OpenEntry> open_;
  std::vector<Order> orders_;
  uint64_t seq_ = 0;
  size_t t_ = 0;
  int64_t rejected_ = 0, exposed_bars_ = 0;
  bool closed_at_end_ = false;

  /// A closed trade as the accessors need it; names are indexes into names_, so closing a trade
  /// allocates nothing (grids close millions).
  struct ClosedTrade {
    uint32_t entry_id = 0, entry_comment = 0, exit_id = 0, exit_comment = 0;
    double size = 0, entry_price = 0, exit_price = 0, profit = 0, commission = 0, max_runup = 0, max_drawdown = 0;
    int64_t entry_bar = 0, exit_bar = 0;
  };
  uint32_t intern_name(const std::string& s);
  std::vector<std::string> names_;
  std::map<std::string, uint32_t, std::less<>> name_index_;
  mutable TradeRecord closed_scratch_;

  // Closed-trade statistics for the read-outs and accessors.
  std::vector<ClosedTrade> closed_records_;
  double net_profit_ = 0, gross_profit_ = 0, gross_loss_ = 0;
  int64_t wins_ = 0, losses_ = 0;
  double peak_equity_, trough_equity_, max_drawdown_ = 0, max_runup_ = 0;
  double max_held_all_ = 0, max_held_long_ = 0, max_held_short_ = 0;

  // strategy.risk.*
  int allow_dir_ = 0;  ///< 0 all, +1 long only, −1 short only
  double max_position_size_ = kNa;
  double risk_max_drawdown_ = kNa;
  bool risk_drawdown_pct_ = true;
  double max_intraday_orders_ = kNa, max_intraday_loss_ = kNa, max_cons_loss_days_ = kNa;
  bool risk_intraday_loss_pct_ = true;
  bool halted_ = false;  ///< a risk rule stopped trading for good
  int64_t day_ = INT64_MIN;
  int64_t day_orders_ = 0;
  double day_start_equity_ = 0;
  bool day_halted_ = false;
  int64_t cons_loss_days_ = 0;
  void new_day(size_t t);
  void apply_risk_limits(size_t t);

  mutable StrategyReadout readout_;
  mutable bool readout_dirty_ = true;
  mutable std::vector<TradeRecord> open_records_;
  mutable std::map<std::string, Value> handles_;
};

}  // namespace atf::pine
