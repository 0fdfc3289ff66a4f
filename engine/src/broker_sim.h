// The simulated broker: fills, costs, sizing, stops, margin calls and the equity mark. Inline
// because the run loop calls it every bar.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "atf/bars.h"
#include "atf/broker.h"
#include "atf/metrics.h"

namespace atf {

/// Margin calls (TradingView's rule, Pine User Manual, "Strategies" → "Margin"), for the
/// position's side with margin% = BrokerConfig::margin_long_pct / margin_short_pct (0 = off):
/// once per bar, after the fills at the open and the stops, at the bar's worst price p for the
/// position (the low for a long, the high for a short):
///    1. money spent = quantity × entry price × multiplier
///    2. MVS (market value of the position) = quantity × p × multiplier
///    3. open profit = MVS − money spent (× −1 for a short)
///    4. equity = initial capital + net profit + open profit; here cash + the position's value at
///       p, which is the same sum with the open trade's entry commission (already paid) deducted
///    5. margin ratio = margin% / 100
///    6. margin = MVS × ratio (futures-style, BrokerConfig::margin > 0: margin × contracts; there
///       the percentage only switches the rule on or off)
///    7. available funds = equity − margin; a call only when it is below zero (equal is fine;
///       a shortfall under 1e-9 × the margin is taken for rounding, not a call)
///    8. loss = available funds / ratio
///    9. cover amount = TRUNCATE(−loss / (p × multiplier)) to whole units (not truncated with
///       fractional units; within 1e-9 of a whole number counts as it, as the Pine broker does);
///       futures-style TRUNCATE(−available funds / margin per contract)
///   10. quantity liquidated = cover amount × 4 ("four times the amount required, to prevent
///       constant margin calls"), at most the whole position; when truncation gives 0 while
///       funds are short, 1 unit (TradingView's observed behaviour, undocumented).
/// The liquidated part fills at p exactly: no slippage (p is already the bar's extreme, which
/// TradingView fills at); commission is charged as on any fill. It is its own Trade, exit_reason
/// kMarginCall, carrying its share of the entry commission (pro rata); the rest stays open at the
/// same entry price, with the same stops, and is checked again from the next bar. A position still
/// short of funds after a call is called again on the next bar, never twice in one bar.
///
/// Entries: a stock-like entry needs its value × min(margin%, 100) / 100 in cash, plus the
/// commission (margin% 0 counts as 100): at the default 100 %, exactly the full value, as before;
/// below 100 % a fixed-units entry may be leveraged. Futures-style: margin × contracts + commission.
///
/// Excursions (Trade::max_runup / max_drawdown, OpenPosition's too): the most favourable and most
/// adverse price seen while the position was held, against the entry fill price, × quantity ×
/// multiplier (0 when never favourable / adverse; commission not included). The prices counted:
/// the entry fill price; every bar's high and low from the first bar held to the last; the exit
/// fill price. First bar: an entry at bar e's open counts bar e; an entry at e's close starts at
/// e + 1. Last bar: an exit at bar x's open stops at x − 1 (x's range is not counted, its fill
/// price is); a stop, take-profit or margin call inside bar x stops at x − 1 plus its fill price;
/// an exit at x's close counts bar x. An open position reported at bar t counts bars through t.
/// Computed only when trades are recorded (optimizer trials skip it), by scanning those bars
/// forward once per position.
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
        margin_ratio_{cfg.margin_short_pct / 100.0, cfg.margin_long_pct / 100.0},
        has_stops_(cfg.stop_loss_pct > 0 || cfg.take_profit_pct > 0) {}

  int position_sign() const { return (qty_ > 0) - (qty_ < 0); }
  double quantity() const { return qty_; }
  bool has_stops() const { return has_stops_; }
  int64_t rejected_orders() const { return rejected_; }
  double cash() const { return cash_; }

  /// What marking to market needs; the run loop keeps a copy in registers between fills.
  struct Mark {
    double cash, qty, entry_price, multiplier;
    /// A margin call is possible on a bar only when the worst price for the position (the low
    /// for a long, the high for a short) lies below mc_below or above mc_above (±∞: never).
    double mc_below, mc_above;
    bool futures;
    /// Equity at `price`: cash plus the position's value (futures-style: plus its open P&L).
    double equity(double price) const {
      return futures ? cash + qty * (price - entry_price) * multiplier : cash + qty * price * multiplier;
    }
    int sign() const { return (qty > 0) - (qty < 0); }
    /// Whether bar (low, high) may margin-call the open position: one comparison of the worst
    /// price against each precomputed level; margin_call() then decides exactly.
    bool margin_call_possible(double low, double high) const {
      const double worst = qty > 0 ? low : high;
      return worst < mc_below || worst > mc_above;
    }
  };
  Mark mark() const { return Mark{cash_, qty_, entry_price_, cfg_.multiplier, mc_below_, mc_above_, futures_}; }
  double equity(double price) const { return mark().equity(price); }

  /// Market order towards `target` (−1, 0, +1) at a raw price, bar t's open (`at_open`) or its
  /// close; slippage applies.
  void market_to(int target, double raw_price, size_t t, bool at_open, ExitReason exit_reason = ExitReason::kSignal) {
    if (qty_ != 0 && position_sign() != target) {
      close_position(qty_ > 0 ? raw_price * (1.0 - slip_) - cfg_.slippage_abs : raw_price * (1.0 + slip_) + cfg_.slippage_abs,
                     t, exit_reason, !at_open);
    }
    if (target != 0 && qty_ == 0) {
      open_position(target, target > 0 ? raw_price * (1.0 + slip_) + cfg_.slippage_abs : raw_price * (1.0 - slip_) - cfg_.slippage_abs,
                    t, at_open);
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
        close_position(std::fmin(o, sl_price_) * (1.0 - slip_), t, ExitReason::kStopLoss, false);
      } else if (tp_hit) {
        close_position(std::fmax(o, tp_price_), t, ExitReason::kTakeProfit, false);
      }
    } else {
      const bool sl_hit = sl_price_ > 0 && h >= sl_price_;
      const bool tp_hit = tp_price_ > 0 && l <= tp_price_;
      if (sl_hit && (o >= sl_price_ || !(tp_hit && o <= tp_price_))) {
        close_position(std::fmax(o, sl_price_) * (1.0 + slip_), t, ExitReason::kStopLoss, false);
      } else if (tp_hit) {
        close_position(std::fmin(o, tp_price_), t, ExitReason::kTakeProfit, false);
      }
    }
  }

  /// The margin call of bar t (steps 1–10 in the comment above the class), at the bar's worst
  /// price for the position. The run loop calls it only when Mark::margin_call_possible says so;
  /// returns whether part or all of the position was liquidated.
  bool margin_call(size_t t) {
    if (qty_ == 0) return false;
    const double ratio = margin_ratio_[qty_ > 0];
    if (!(ratio > 0)) return false;
    const double p = qty_ > 0 ? bars_.low[t] : bars_.high[t];
    const double q = std::fabs(qty_);
    const double mvs = q * p * cfg_.multiplier;                                // 2
    const double equity = this->equity(p);                                     // 1, 3, 4
    const double margin = futures_ ? cfg_.margin * q : mvs * ratio;            // 5, 6
    const double available = equity - margin;                                  // 7
    if (!(available < -kMarginTolerance * margin)) return false;
    double cover = futures_ ? -available / cfg_.margin                         // 9 (futures-style)
                            : -(available / ratio) / (p * cfg_.multiplier);    // 8, 9
    if (!cfg_.fractional) cover = std::trunc(cover + 1e-9);  // 2.9999999999 from rounding is 3
    const double liquidate = cover > 0 ? 4 * cover : 1;                        // 10
    if (liquidate >= q) {
      close_position(p, t, ExitReason::kMarginCall, false);
    } else {
      close_quantity(liquidate, p, t, ExitReason::kMarginCall, false);
    }
    return true;
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

  /// The open position at bar t's close, if any, with its excursions through bar t.
  OpenPosition open_position_at(size_t t) const {
    OpenPosition p;
    p.side = position_sign();
    p.quantity = std::fabs(qty_);
    p.entry_price = entry_price_;
    p.entry_time = bars_.time[entry_index_];
    p.entry_index = static_cast<int64_t>(entry_index_);
    p.commission = entry_commission_;
    p.unrealized_pnl = qty_ * (bars_.close[t] - entry_price_) * cfg_.multiplier - entry_commission_;
    if (qty_ != 0) {
      scan_excursion(t + 1);
      excursions(p.side, p.quantity, exc_hi_, exc_lo_, p.max_runup, p.max_drawdown);
    }
    return p;
  }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  // Funds short by less than this fraction of the margin are rounding, not a margin call (an
  // entry of the whole cash may leave the cash a few ulps below zero).
  static constexpr double kMarginTolerance = 1e-9;

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

  void open_position(int side, double f, size_t t, bool at_open) {
    const double q = size_for(f);
    next_qty_ = 0;
    const double comm = commission(q, f);
    // The cash an entry needs: its margin (at most its full value) plus the commission.
    const double ratio = margin_ratio_[side > 0];
    const double entry_ratio = ratio > 0 && ratio < 1 ? ratio : 1.0;
    const double required = (futures_ ? cfg_.margin * q : q * f * cfg_.multiplier * entry_ratio) + comm;
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
    exc_next_ = at_open ? t : t + 1;
    exc_hi_ = exc_lo_ = f;
    set_margin_levels();
  }

  // Closes the whole position at f in bar t (at its close when `at_close`; else at its open or
  // inside it).
  void close_position(double f, size_t t, ExitReason reason, bool at_close) {
    close_quantity(std::fabs(qty_), f, t, reason, at_close);
  }

  // Closes q units (all of them, or part: a margin call) at f in bar t, recording one trade.
  void close_quantity(double q, double f, size_t t, ExitReason reason, bool at_close) {
    const double held = std::fabs(qty_);
    const bool whole = q >= held;
    if (whole) q = held;
    const int side = position_sign();
    // The trade's share of the entry commission: all of it, or pro rata for a partial close.
    const double entry_comm = whole ? entry_commission_ : entry_commission_ * (q / held);
    const double signed_q = whole ? qty_ : side * q;
    const double comm = commission(q, f);
    const double gross = signed_q * (f - entry_price_) * cfg_.multiplier;
    cash_ += futures_ ? gross - comm : signed_q * f * cfg_.multiplier - comm;
    const double pnl = gross - entry_comm - comm;
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
    if (whole) {
      // Held at the closes of bars entry..t−1: a fill at t's open or close, or a stop inside bar t,
      // all happen before t's close. Closed at the end (close_at_end, at the last close) it was held
      // into that close too, exactly as a position left open is: the same exposure either way. A
      // partial close (margin call) counts nothing: the position's bars are counted once, when it
      // is finally closed.
      acc_.add_exposed_bars(static_cast<int64_t>(t - entry_index_) + (reason == ExitReason::kEnd ? 1 : 0));
    }
    if (trades_) {
      Trade tr;
      tr.entry_time = bars_.time[entry_index_];
      tr.exit_time = bars_.time[t];
      tr.entry_index = static_cast<int64_t>(entry_index_);
      tr.exit_index = static_cast<int64_t>(t);
      tr.side = side;
      tr.quantity = q;
      tr.entry_price = entry_price_;
      tr.exit_price = f;
      tr.commission = entry_comm + comm;
      tr.pnl = pnl;
      tr.return_pct = return_pct;
      tr.exit_reason = reason;
      scan_excursion(at_close ? t + 1 : t);
      excursions(side, q, std::fmax(exc_hi_, f), std::fmin(exc_lo_, f), tr.max_runup, tr.max_drawdown);
      trades_->push_back(tr);
    }
    if (whole) {
      qty_ = 0;
      entry_commission_ = 0;
      sl_price_ = tp_price_ = 0;
    } else {
      qty_ -= signed_q;
      entry_commission_ -= entry_comm;
    }
    set_margin_levels();
  }

  // Extends the excursion scan over bars [exc_next_, end): their highs and lows (never NaN).
  void scan_excursion(size_t end) const {
    if (exc_next_ >= end) return;
    const double* high = bars_.high.data();
    const double* low = bars_.low.data();
    double hi = exc_hi_, lo = exc_lo_;
    for (size_t i = exc_next_; i < end; ++i) {
      hi = high[i] > hi ? high[i] : hi;
      lo = low[i] < lo ? low[i] : lo;
    }
    exc_hi_ = hi;
    exc_lo_ = lo;
    exc_next_ = end;
  }

  // Run-up and drawdown of q units on `side` between the highest and lowest price counted.
  void excursions(int side, double q, double hi, double lo, double& runup, double& drawdown) const {
    const double up = (hi - entry_price_) * q * cfg_.multiplier, down = (entry_price_ - lo) * q * cfg_.multiplier;
    runup = side > 0 ? up : down;
    drawdown = side > 0 ? down : up;
  }

  // The prices beyond which the open position may be margin-called (Mark::mc_below / mc_above),
  // computed once per position change. Equity minus margin (plus the rounding tolerance) is
  // linear in the price p: a + b·p, so a call needs a + b·p < 0: p < −a/b when b > 0, p > −a/b
  // when b < 0, every bar when b = 0 and a < 0. (A long in a cash account: b is the tolerance
  // alone and a the cash, never negative, so the level is −∞ or 0.) The levels are widened by a
  // relative 1e-9 so that rounding never hides a call; margin_call() decides exactly.
  void set_margin_levels() {
    mc_below_ = -kInf;
    mc_above_ = kInf;
    if (qty_ == 0) return;
    const double ratio = margin_ratio_[qty_ > 0];
    if (!(ratio > 0)) return;
    const double m = cfg_.multiplier;
    double a, b;
    const double q = std::fabs(qty_);
    if (futures_) {
      a = cash_ - qty_ * entry_price_ * m - (1 - kMarginTolerance) * cfg_.margin * q;
      b = qty_ * m;
    } else {
      a = cash_;
      b = (qty_ - (1 - kMarginTolerance) * ratio * q) * m;
    }
    if (b > 0) {
      const double level = -a / b;
      mc_below_ = level + std::fabs(level) * 1e-9;
    } else if (b < 0) {
      const double level = -a / b;
      mc_above_ = level - std::fabs(level) * 1e-9;
    } else if (a < 0) {
      mc_below_ = kInf;
    }
  }

  const BrokerConfig& cfg_;
  const Bars& bars_;
  MetricsAccumulator& acc_;
  std::vector<Trade>* trades_;
  double cash_;
  const bool futures_;
  const double slip_, pct_;
  const double margin_ratio_[2];  // [short, long]: margin% / 100; 0 = no margin rule
  const bool has_stops_;
  double qty_ = 0, entry_price_ = 0, entry_commission_ = 0, sl_price_ = 0, tp_price_ = 0;
  double mc_below_ = -kInf, mc_above_ = kInf;
  size_t entry_index_ = 0;
  // Excursion scan of the open position: highest high and lowest low (and the entry price) over
  // the bars before exc_next_.
  mutable size_t exc_next_ = 0;
  mutable double exc_hi_ = 0, exc_lo_ = 0;
  int64_t rejected_ = 0;
  double next_qty_ = 0;
  Closed closed_;
};

}  // namespace atf
