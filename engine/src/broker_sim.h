// The simulated broker: fills, costs, sizing, stops and the equity mark. Inline because the run
// loop calls it every bar.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "atf/bars.h"
#include "atf/broker.h"
#include "atf/metrics.h"

namespace atf {

class BrokerSim {
 public:
  BrokerSim(const BrokerConfig& cfg, const Bars& bars, MetricsAccumulator& acc, std::vector<Trade>* trades)
      : cfg_(cfg),
        bars_(bars),
        acc_(acc),
        trades_(trades),
        cash_(cfg.cash),
        futures_(cfg.margin > 0),
        slip_(cfg.slippage_bps / 10000.0),
        pct_(cfg.commission_pct / 100.0),
        has_stops_(cfg.stop_loss_pct > 0 || cfg.take_profit_pct > 0) {}

  int position_sign() const { return (qty_ > 0) - (qty_ < 0); }
  double quantity() const { return qty_; }
  bool has_stops() const { return has_stops_; }
  int64_t rejected_orders() const { return rejected_; }
  double cash() const { return cash_; }

  /// What marking to market needs; the run loop keeps a copy in registers between fills.
  struct Mark {
    double cash, qty, entry_price, multiplier;
    bool futures;
    /// Equity at `price`: cash plus the position's value (futures-style: plus its open P&L).
    double equity(double price) const {
      return futures ? cash + qty * (price - entry_price) * multiplier : cash + qty * price * multiplier;
    }
    int sign() const { return (qty > 0) - (qty < 0); }
  };
  Mark mark() const { return Mark{cash_, qty_, entry_price_, cfg_.multiplier, futures_}; }
  double equity(double price) const { return mark().equity(price); }

  /// Market order towards `target` (−1, 0, +1) at a raw price; slippage applies.
  void market_to(int target, double raw_price, size_t t, ExitReason exit_reason = ExitReason::kSignal) {
    if (qty_ != 0 && position_sign() != target) {
      close_position(qty_ > 0 ? raw_price * (1.0 - slip_) - cfg_.slippage_abs : raw_price * (1.0 + slip_) + cfg_.slippage_abs,
                     t, exit_reason);
    }
    if (target != 0 && qty_ == 0) {
      open_position(target, target > 0 ? raw_price * (1.0 + slip_) + cfg_.slippage_abs : raw_price * (1.0 - slip_) - cfg_.slippage_abs,
                    t);
    }
  }

  /// Stop-loss / take-profit inside bar t's range. A gap through a level fills at the open; when
  /// both levels lie inside the range, the stop is assumed to come first (the cautious reading).
  void check_stops(size_t t) {
    if (qty_ == 0) return;
    const double o = bars_.open[t], h = bars_.high[t], l = bars_.low[t];
    if (qty_ > 0) {
      const bool sl_hit = sl_price_ > 0 && l <= sl_price_;
      const bool tp_hit = tp_price_ > 0 && h >= tp_price_;
      if (sl_hit && (o <= sl_price_ || !(tp_hit && o >= tp_price_))) {
        close_position(std::fmin(o, sl_price_) * (1.0 - slip_), t, ExitReason::kStopLoss);
      } else if (tp_hit) {
        close_position(std::fmax(o, tp_price_), t, ExitReason::kTakeProfit);
      }
    } else {
      const bool sl_hit = sl_price_ > 0 && h >= sl_price_;
      const bool tp_hit = tp_price_ > 0 && l <= tp_price_;
      if (sl_hit && (o >= sl_price_ || !(tp_hit && o <= tp_price_))) {
        close_position(std::fmax(o, sl_price_) * (1.0 + slip_), t, ExitReason::kStopLoss);
      } else if (tp_hit) {
        close_position(std::fmin(o, tp_price_), t, ExitReason::kTakeProfit);
      }
    }
  }

  /// The quantity of the next entry instead of the configured sizing (a script's `qty`); 0 = none.
  void set_next_quantity(double q) { next_qty_ = q; }
  double entry_price() const { return entry_price_; }
  double entry_commission() const { return entry_commission_; }
  /// Closed trades so far: count, winners, losers, gross profit and gross loss (net of commission).
  struct Closed {
    int64_t trades = 0, wins = 0, losses = 0;
    double gross_profit = 0, gross_loss = 0;
  };
  const Closed& closed() const { return closed_; }

  /// Bar at which the open position was entered.
  size_t entry_index() const { return entry_index_; }

  /// The open position at bar t's close, if any.
  OpenPosition open_position_at(size_t t) const {
    OpenPosition p;
    p.side = position_sign();
    p.quantity = std::fabs(qty_);
    p.entry_price = entry_price_;
    p.entry_time = bars_.time[entry_index_];
    p.entry_index = static_cast<int64_t>(entry_index_);
    p.commission = entry_commission_;
    p.unrealized_pnl = qty_ * (bars_.close[t] - entry_price_) * cfg_.multiplier - entry_commission_;
    return p;
  }

 private:
  double commission(double q, double price) const {
    return pct_ * q * price * cfg_.multiplier + cfg_.commission_fixed + cfg_.commission_per_unit * q;
  }

  // Quantity for a new position at fill price f, from flat (equity = cash).
  double size_for(double f) const {
    if (next_qty_ > 0) return next_qty_;
    if (cfg_.sizing == SizingKind::kUnits) return cfg_.size;
    const double budget = cash_ * cfg_.size - cfg_.commission_fixed;
    const double unit_cost = (futures_ ? cfg_.margin : f * cfg_.multiplier) + pct_ * f * cfg_.multiplier +
                             cfg_.commission_per_unit;
    if (budget <= 0) return 0;
    const double raw = budget / unit_cost;
    if (cfg_.fractional) return raw;
    double q = std::floor(raw);
    if ((q + 1) * unit_cost <= budget) q += 1;  // floor of a quotient that rounded down
    return q;
  }

  void open_position(int side, double f, size_t t) {
    const double q = size_for(f);
    next_qty_ = 0;
    const double comm = commission(q, f);
    const double required = (futures_ ? cfg_.margin * q : q * f * cfg_.multiplier) + comm;
    if (!(q > 0) || required > cash_ * (1 + 1e-12)) {
      ++rejected_;
      return;
    }
    cash_ -= futures_ ? comm : side * q * f * cfg_.multiplier + comm;
    qty_ = side * q;
    entry_price_ = f;
    entry_commission_ = comm;
    entry_index_ = t;
    acc_.add_commission(comm);
    sl_price_ = cfg_.stop_loss_pct > 0 ? f * (1.0 - side * cfg_.stop_loss_pct / 100.0) : 0;
    tp_price_ = cfg_.take_profit_pct > 0 ? f * (1.0 + side * cfg_.take_profit_pct / 100.0) : 0;
  }

  void close_position(double f, size_t t, ExitReason reason) {
    const double q = std::fabs(qty_);
    const double comm = commission(q, f);
    const double gross = qty_ * (f - entry_price_) * cfg_.multiplier;
    cash_ += futures_ ? gross - comm : qty_ * f * cfg_.multiplier - comm;
    const double pnl = gross - entry_commission_ - comm;
    const double return_pct = pnl / (q * entry_price_ * cfg_.multiplier) * 100.0;
    acc_.add_commission(comm);
    acc_.on_trade(pnl, return_pct);
    ++closed_.trades;
    if (pnl > 0) {
      ++closed_.wins;
      closed_.gross_profit += pnl;
    } else if (pnl < 0) {
      ++closed_.losses;
      closed_.gross_loss -= pnl;
    }
    // Held at the closes of bars entry..t−1: a fill at t's open or close, or a stop inside bar t,
    // all happen before t's close. Closed at the end (close_at_end, at the last close) it was held
    // into that close too, exactly as a position left open is: the same exposure either way.
    acc_.add_exposed_bars(static_cast<int64_t>(t - entry_index_) + (reason == ExitReason::kEnd ? 1 : 0));
    if (trades_) {
      Trade tr;
      tr.entry_time = bars_.time[entry_index_];
      tr.exit_time = bars_.time[t];
      tr.entry_index = static_cast<int64_t>(entry_index_);
      tr.exit_index = static_cast<int64_t>(t);
      tr.side = position_sign();
      tr.quantity = q;
      tr.entry_price = entry_price_;
      tr.exit_price = f;
      tr.commission = entry_commission_ + comm;
      tr.pnl = pnl;
      tr.return_pct = return_pct;
      tr.exit_reason = reason;
      trades_->push_back(tr);
    }
    qty_ = 0;
    sl_price_ = tp_price_ = 0;
  }

  const BrokerConfig& cfg_;
  const Bars& bars_;
  MetricsAccumulator& acc_;
  std::vector<Trade>* trades_;
  double cash_;
  const bool futures_;
  const double slip_, pct_;
  const bool has_stops_;
  double qty_ = 0, entry_price_ = 0, entry_commission_ = 0, sl_price_ = 0, tp_price_ = 0;
  size_t entry_index_ = 0;
  int64_t rejected_ = 0;
  double next_qty_ = 0;
  Closed closed_;
};

}  // namespace atf
