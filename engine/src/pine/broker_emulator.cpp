#include "broker_emulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "heap.h"
#include "value.h"

namespace atf::pine {
namespace {

constexpr double kQtyEps = 1e-9;

bool has(double v) { return !std::isnan(v); }

}  // namespace

EmulatorConfig emulator_config(const BrokerConfig& b, const ScriptSettings& st, double mintick) {
  EmulatorConfig c;
  c.initial_capital = b.cash;
  switch (b.sizing) {
    case SizingKind::kUnits: c.qty_type = EmulatorConfig::QtyType::kFixed; c.qty_value = b.size; break;
    case SizingKind::kEquity: c.qty_type = EmulatorConfig::QtyType::kPercentOfEquity; c.qty_value = b.size * 100.0; break;
    case SizingKind::kCash: c.qty_type = EmulatorConfig::QtyType::kCash; c.qty_value = b.size; break;
  }
  // size 1.0 of equity is exactly 100 %: keep it exact so sizing equals the built-in broker's.
  if (b.sizing == SizingKind::kEquity && b.size == 1.0) c.qty_value = 100;
  c.fractional = b.fractional;
  c.pyramiding = std::max(1, has(st.pyramiding) ? static_cast<int>(std::clamp(st.pyramiding, 0.0, 1e6)) : 1);
  c.commission_pct = b.commission_pct;
  c.commission_per_contract = b.commission_per_unit;
  c.commission_per_order = b.commission_fixed;
  c.slippage = b.slippage_abs;
  c.slippage_frac = b.slippage_bps / 10000.0;
  c.mintick = mintick;
  c.fill_limits_ticks = has(st.backtest_fill_limits_assumption) ? std::max(0.0, st.backtest_fill_limits_assumption) : 0;
  c.orders_on_close = b.fill == FillRule::kClose;
  c.close_entries_fifo = st.close_entries_rule != "ANY";
  c.margin_long = b.margin_long_pct / 100.0;
  c.margin_short = b.margin_short_pct / 100.0;
  c.multiplier = b.multiplier;
  c.close_at_end = b.close_at_end;
  return c;
}

BrokerEmulator::BrokerEmulator(const EmulatorConfig& cfg, const Bars& bars, MetricsAccumulator& acc,
                               std::vector<Trade>* trades)
    : cfg_(cfg), bars_(bars), acc_(acc), trades_(trades), n_(bars.close.size()), cash_(cfg.initial_capital),
      peak_equity_(cfg.initial_capital), trough_equity_(cfg.initial_capital) {
  readout_.initial_capital = cfg.initial_capital;
}

// ---------------------------------------------------------------------------------------------
// Accounting

double BrokerEmulator::equity(double price) const {
  // Cash plus the position's value, the same arithmetic as the built-in broker's, so a script
  // re-expressing a built-in strategy marks the same equity to the last bit.
  return position_ != 0 ? cash_ + position_ * price * cfg_.multiplier : cash_;
}

double BrokerEmulator::commission(double qty, double price) const {
  return cfg_.commission_pct / 100.0 * qty * price * cfg_.multiplier + cfg_.commission_per_order +
         cfg_.commission_per_contract * qty;
}

// TradingView sizes default quantities when the order is placed, from the close of that bar:
// strategy.fixed contracts, strategy.cash / close, strategy.percent_of_equity × equity / close.
double BrokerEmulator::default_qty(size_t t) const {
  const double px = bars_.close[t] * cfg_.multiplier;
  double budget = 0;
  switch (cfg_.qty_type) {
    case EmulatorConfig::QtyType::kFixed: return cfg_.qty_value;
    case EmulatorConfig::QtyType::kCash: budget = cfg_.qty_value; break;
    case EmulatorConfig::QtyType::kPercentOfEquity: budget = equity(bars_.close[t]) * (cfg_.qty_value / 100.0); break;
  }
  if (!(budget > 0) || !(px > 0)) return 0;
  const double raw = budget / px;
  if (cfg_.fractional) return raw;
  double q = std::floor(raw);
  if ((q + 1) * px <= budget) q += 1;  // floor of a quotient that rounded down
  return q;
}

// Order prices are on the symbol's tick grid, as TradingView rounds them: the nearest tick,
// computed over the inverse tick when it is a whole number (10^decimals), so the result is the
// double nearest the decimal price (2.379632, not 2.3796320000000004).
double BrokerEmulator::to_tick(double price) const {
  if (std::isnan(price) || !(cfg_.mintick > 0)) return price;
  const double inv = 1.0 / cfg_.mintick;
  const double inv_round = std::round(inv);
  if (std::fabs(inv - inv_round) < 1e-9 * inv) return std::round(price * inv_round) / inv_round;
  return std::round(price / cfg_.mintick) * cfg_.mintick;
}

// A market or stop fill's price after slippage, against the trader: ticks (TradingView's
// `slippage`, kept on the tick grid) and a user's basis points.
double BrokerEmulator::slipped(int buy, double price) const {
  if (cfg_.slippage_frac == 0) {
    if (cfg_.slippage == 0) return price;
    return to_tick(buy > 0 ? price + cfg_.slippage : price - cfg_.slippage);
  }
  return buy > 0 ? price * (1.0 + cfg_.slippage_frac) + cfg_.slippage : price * (1.0 - cfg_.slippage_frac) - cfg_.slippage;
}

// ---------------------------------------------------------------------------------------------
// Orders from the script

BrokerEmulator::Order* BrokerEmulator::find_order(const std::string& id, bool exit) {
  for (auto& o : orders_) {
    if (o.id == id && (o.kind == OrderKind::kExit) == exit && o.kind != OrderKind::kClose) return &o;
  }
  return nullptr;
}

void BrokerEmulator::place(Order o) {
  o.seq = ++seq_;
  o.placed_bar = t_;
  orders_.push_back(std::move(o));
}

void BrokerEmulator::cancel_where(const std::string& id) {
  orders_.erase(std::remove_if(orders_.begin(), orders_.end(), [&](const Order& o) { return o.id == id; }), orders_.end());
}

void BrokerEmulator::submit(const OrderRequest& r) {
  using K = OrderRequest::Kind;
  readout_dirty_ = true;
  auto text = [](std::string_view s) { return std::string(s); };
  if (r.kind == K::kCancel) {
    cancel_where(text(r.id));
    return;
  }
  if (r.kind == K::kCancelAll) {
    orders_.clear();
    return;
  }
  if (halted_ || day_halted_) return;  // a strategy.risk rule stopped trading
  if (has(r.qty) && !(r.qty > 0)) throw RuntimeError("qty must be a positive number of contracts");
  if (has(r.qty_percent) && !(r.qty_percent > 0 && r.qty_percent <= 100)) {
    throw RuntimeError("qty_percent must be in (0, 100]");
  }
  switch (r.kind) {
    case K::kEntry:
    case K::kOrder: {
      Order o;
      o.kind = r.kind == K::kEntry ? OrderKind::kEntry : OrderKind::kOrder;
      o.id = text(r.id);
      o.comment = text(r.comment);
      o.dir = r.direction;
      o.qty = has(r.qty) ? r.qty : default_qty(t_);
      o.limit = to_tick(r.limit);
      o.stop = to_tick(r.stop);
      o.oca_name = text(r.oca_name);
      o.oca = r.oca_type == "cancel" ? Oca::kCancel : r.oca_type == "reduce" ? Oca::kReduce : Oca::kNone;
      if (o.oca_name.empty()) o.oca = Oca::kNone;
      o.market_at_close = cfg_.orders_on_close && !o.is_price_order();
      // TradingView: an entry in the direction of a position already at its pyramiding limit is
      // not placed (a pending one with that id stays as it was).
      if (o.kind == OrderKind::kEntry && position_sign() == o.dir &&
          static_cast<int>(open_.size()) >= cfg_.pyramiding) {
        return;
      }
      if (Order* same = find_order(o.id, false); same && same->kind == o.kind) {
        o.seq = same->seq;  // re-issuing an id modifies the pending order (keeps its place)
        o.placed_bar = t_;
        *same = std::move(o);
        return;
      }
      if (!(o.qty > 0)) {
        // Sized to nothing (no equity left): rejected; a reversal still closes the position.
        ++rejected_;
        if (o.kind != OrderKind::kEntry || position_sign() != -o.dir) return;
        o.qty = 0;
      }
      place(std::move(o));
      return;
    }
    case K::kExit: {
      if (!has(r.profit) && !has(r.limit) && !has(r.loss) && !has(r.stop) && !has(r.trail_price) && !has(r.trail_points)) {
        throw RuntimeError("strategy.exit needs at least one of profit, limit, loss, stop, trail_price or trail_points");
      }
      if ((has(r.trail_price) || has(r.trail_points)) && !has(r.trail_offset)) {
        throw RuntimeError("strategy.exit: a trailing stop (trail_price or trail_points) needs trail_offset");
      }
      Order o;
      o.kind = OrderKind::kExit;
      o.id = text(r.id);
      o.from_entry = text(r.from_entry);
      o.comment = text(r.comment);
      o.comment_profit = text(r.comment_profit);
      o.comment_loss = text(r.comment_loss);
      o.comment_trailing = text(r.comment_trailing);
      o.qty = r.qty;
      o.qty_percent = has(r.qty_percent) ? r.qty_percent : 100;
      o.profit = r.profit;
      o.limit = r.limit;
      o.loss = r.loss;
      o.stop = r.stop;
      o.trail_price = r.trail_price;
      o.trail_points = r.trail_points;
      o.trail_offset = r.trail_offset;
      if (Order* same = find_order(o.id, true); same && same->from_entry == o.from_entry) {
        // Modified in place; an activated trailing stop keeps trailing.
        o.seq = same->seq;
        o.placed_bar = same->placed_bar;
        o.trail_active = same->trail_active;
        o.trail_best = same->trail_best;
        *same = std::move(o);
        return;
      }
      place(std::move(o));
      return;
    }
    case K::kClose:
    case K::kCloseAll: {
      Order o;
      o.kind = OrderKind::kClose;
      o.from_entry = r.kind == K::kClose ? text(r.id) : std::string();
      o.id = r.kind == K::kClose ? text(r.id) : std::string();
      o.comment = text(r.comment);
      o.qty = r.qty;
      o.qty_percent = has(r.qty_percent) ? r.qty_percent : 100;
      o.immediately = r.immediately;
      o.market_at_close = cfg_.orders_on_close || r.immediately;
      // Only an open position is closed: TradingView ignores a close of an entry not open.
      bool open = false;
      for (const auto& e : open_) open |= o.from_entry.empty() || e.id == o.from_entry;
      if (!open) return;
      // One close per entry id at a time: a later call replaces the earlier one.
      for (auto& p : orders_) {
        if (p.kind == OrderKind::kClose && p.from_entry == o.from_entry) {
          o.seq = p.seq;
          o.placed_bar = t_;
          p = std::move(o);
          return;
        }
      }
      place(std::move(o));
      return;
    }
    case K::kCancel:
    case K::kCancelAll: break;
  }
}

void BrokerEmulator::risk(const RiskRequest& r) {
  using R = RiskRequest::Rule;
  switch (r.rule) {
    case R::kAllowEntryIn:
      if (r.direction == "long") allow_dir_ = 1;
      else if (r.direction == "short") allow_dir_ = -1;
      else if (r.direction == "all") allow_dir_ = 0;
      else throw RuntimeError("strategy.risk.allow_entry_in: value must be strategy.direction.all, .long or .short");
      return;
    case R::kMaxPositionSize:
      if (!(r.value > 0)) throw RuntimeError("strategy.risk.max_position_size: contracts must be positive");
      max_position_size_ = r.value;
      return;  // applied at each fill; no per-bar work
    case R::kMaxDrawdown:
    case R::kMaxIntradayLoss: {
      const bool pct = r.type == "percent_of_equity";
      if (!pct && r.type != "cash") throw RuntimeError("strategy.risk: type must be strategy.percent_of_equity or strategy.cash");
      if (!(r.value > 0)) throw RuntimeError("strategy.risk: value must be positive");
      if (r.rule == R::kMaxDrawdown) {
        risk_max_drawdown_ = r.value;
        risk_drawdown_pct_ = pct;
      } else {
        max_intraday_loss_ = r.value;
        risk_intraday_loss_pct_ = pct;
        day_rules_ = true;
      }
      risk_rules_ = true;
      return;
    }
    case R::kMaxIntradayFilledOrders:
      if (!(r.value >= 1)) throw RuntimeError("strategy.risk.max_intraday_filled_orders: count must be at least 1");
      max_intraday_orders_ = std::floor(r.value);
      day_rules_ = risk_rules_ = true;
      return;
    case R::kMaxConsLossDays:
      if (!(r.value >= 1)) throw RuntimeError("strategy.risk.max_cons_loss_days: count must be at least 1");
      max_cons_loss_days_ = std::floor(r.value);
      day_rules_ = risk_rules_ = true;
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Fills

void BrokerEmulator::open_entry(size_t t, const Order& o, int side, double qty, double price) {
  if (max_position_size_ > 0 && position_sign() != -side) {
    qty = std::min(qty, max_position_size_ - std::fabs(position_));
    if (!(qty > kQtyEps)) return;
  }
  // TradingView v6: a fill whose resulting position needs more margin than the equity at the
  // fill price is rejected whole (margin 0: unlimited leverage, no check). Commission is not
  // part of the margin.
  const double ratio = side > 0 ? cfg_.margin_long : cfg_.margin_short;
  if (ratio > 0) {
    const double after = std::fabs(position_) + qty;
    if (after * price * cfg_.multiplier * ratio > equity(price) * (1 + 1e-12)) {
      ++rejected_;
      return;
    }
  }
  const double comm = commission(qty, price);
  cash_ -= side * qty * price * cfg_.multiplier + comm;
  position_ += side * qty;
  acc_.add_commission(comm);
  OpenEntry e;
  e.id = o.id;
  e.comment = o.comment;
  e.id_name = intern_name(o.id);
  e.comment_name = intern_name(o.comment);
  e.side = side;
  e.qty = qty;
  e.price = price;
  e.commission = comm;
  e.bar = t;
  open_.push_back(std::move(e));
  update_margin_bounds();
  const double held = std::fabs(position_);
  max_held_all_ = std::max(max_held_all_, held);
  if (side > 0) max_held_long_ = std::max(max_held_long_, held);
  else max_held_short_ = std::max(max_held_short_, held);
  ++day_orders_;
}

void BrokerEmulator::close_entry(size_t t, size_t i, double qty, double price, const ExitLabel& label, ExitReason reason) {
  const std::string& signal = label.signal;
  OpenEntry& e = open_[i];
  const bool whole = qty >= e.qty - kQtyEps;
  if (whole) qty = e.qty;
  const double share = whole ? e.commission : e.commission * (qty / e.qty);
  const double comm = commission(qty, price);
  const double signed_qty = e.side * qty;
  const double gross = signed_qty * (price - e.price) * cfg_.multiplier;
  cash_ += signed_qty * price * cfg_.multiplier - comm;
  position_ -= signed_qty;
  if (std::fabs(position_) < kQtyEps) position_ = 0;
  const double pnl = gross - share - comm;
  const double return_pct = pnl / (qty * e.price * cfg_.multiplier) * 100.0;
  const double frac = whole ? 1.0 : qty / e.qty;
  acc_.add_commission(comm);
  acc_.on_trade(pnl, return_pct);
  net_profit_ += pnl;
  if (pnl > 0) {
    ++wins_;
    gross_profit_ += pnl;
  } else if (pnl < 0) {
    ++losses_;
    gross_loss_ -= pnl;
  }
  ClosedTrade rec;
  rec.entry_id = e.id_name;
  rec.entry_comment = e.comment_name;
  rec.exit_id = intern_name(label.id);
  rec.exit_comment = intern_name(label.comment);
  rec.size = signed_qty;
  rec.entry_price = e.price;
  rec.exit_price = price;
  rec.entry_bar = static_cast<int64_t>(e.bar);
  rec.exit_bar = static_cast<int64_t>(t);
  rec.profit = pnl;
  rec.commission = share + comm;
  rec.max_runup = e.max_runup * frac;
  rec.max_drawdown = e.max_drawdown * frac;
  if (trades_) {
    Trade tr;
    tr.entry_time = bars_.time[e.bar];
    tr.exit_time = bars_.time[t];
    tr.entry_index = rec.entry_bar;
    tr.exit_index = rec.exit_bar;
    tr.side = e.side;
    tr.quantity = qty;
    tr.entry_price = e.price;
    tr.exit_price = price;
    tr.commission = rec.commission;
    tr.pnl = pnl;
    tr.return_pct = return_pct;
    tr.exit_reason = reason;
    tr.entry_signal = e.comment.empty() ? e.id : e.comment;
    tr.exit_signal = signal;
    tr.max_runup = rec.max_runup;
    tr.max_drawdown = rec.max_drawdown;
    trades_->push_back(std::move(tr));
  }
  closed_records_.push_back(rec);
  if (whole) {
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
  } else {
    e.qty -= qty;
    e.commission -= share;
    e.max_runup -= e.max_runup * frac;
    e.max_drawdown -= e.max_drawdown * frac;
  }
  update_margin_bounds();
}

// Closes `qty` contracts of the entries named `from_entry` ("" = all). FIFO (the default rule)
// takes them from the oldest entries of the position whatever their name; ANY from the named ones.
void BrokerEmulator::close_qty(size_t t, double qty, double price, const std::string& from_entry,
                               const ExitLabel& label, ExitReason reason) {
  size_t i = 0;
  while (qty > kQtyEps && i < open_.size()) {
    if (!cfg_.close_entries_fifo && !from_entry.empty() && open_[i].id != from_entry) {
      ++i;
      continue;
    }
    const double take = std::min(qty, open_[i].qty);
    const size_t before = open_.size();
    close_entry(t, i, take, price, label, reason);
    qty -= take;
    if (open_.size() == before) ++i;  // partially closed: stays, move on
  }
}

void BrokerEmulator::after_fill(const Order& o, double filled) {
  if (o.oca == Oca::kNone || o.oca_name.empty()) return;
  for (auto it = orders_.begin(); it != orders_.end();) {
    if (it->seq != o.seq && it->oca_name == o.oca_name && (it->kind == OrderKind::kEntry || it->kind == OrderKind::kOrder)) {
      if (o.oca == Oca::kCancel) {
        it = orders_.erase(it);
        continue;
      }
      if (o.oca == Oca::kReduce) {
        it->qty -= filled;
        if (!(it->qty > kQtyEps)) {
          it = orders_.erase(it);
          continue;
        }
      }
    }
    ++it;
  }
}

/// Fills order `o` at `price` (slippage already applied). Returns through the position changes.
void BrokerEmulator::execute(size_t t, Order& o, double price, bool stop_leg) {
  readout_dirty_ = true;
  // An entry or order that closes (part of) the position names the exit after itself.
  const ExitLabel by_order{o.id, o.comment, o.comment.empty() ? o.id : o.comment};
  switch (o.kind) {
    case OrderKind::kEntry: {
      int dir = o.dir;
      if (allow_dir_ != 0 && dir != allow_dir_) {
        // strategy.risk.allow_entry_in: an entry the other way only exits the position.
        if (position_sign() == -dir) close_qty(t, std::fabs(position_), price, "", by_order, ExitReason::kSignal);
        return;
      }
      if (position_sign() == -dir) close_qty(t, std::fabs(position_), price, "", by_order, ExitReason::kSignal);
      if (position_sign() == dir && static_cast<int>(open_.size()) >= cfg_.pyramiding) return;
      if (!(o.qty > 0)) return;  // a rejected reversal: only the close
      open_entry(t, o, dir, o.qty, price);
      after_fill(o, o.qty);
      return;
    }
    case OrderKind::kOrder: {
      double qty = o.qty;
      if (position_sign() == -o.dir) {
        const double reduce = std::min(qty, std::fabs(position_));
        close_qty(t, reduce, price, "", by_order, ExitReason::kSignal);
        qty -= reduce;
      }
      if (qty > kQtyEps && !(allow_dir_ != 0 && o.dir != allow_dir_)) open_entry(t, o, o.dir, qty, price);
      after_fill(o, o.qty);
      return;
    }
    case OrderKind::kClose:
    case OrderKind::kExit: {
      double matching = 0;
      for (const auto& e : open_) matching += (o.from_entry.empty() || e.id == o.from_entry) ? e.qty : 0;
      double qty = has(o.qty) ? std::min(o.qty, matching) : matching * (o.qty_percent / 100.0);
      if (!cfg_.fractional && !has(o.qty) && o.qty_percent < 100) qty = std::floor(qty + kQtyEps);
      const ExitReason reason = o.kind == OrderKind::kClose ? ExitReason::kSignal
                                : stop_leg                     ? ExitReason::kStopLoss
                                                               : ExitReason::kTakeProfit;
      ExitLabel label;
      label.id = o.id;
      if (o.kind == OrderKind::kClose) {
        label.comment = o.comment;
        label.signal = !o.comment.empty() ? o.comment : o.from_entry.empty() ? "Close position order" : "Close entry(s) order " + o.from_entry;
      } else {
        const std::string& leg = reason == ExitReason::kStopLoss ? (o.trail_active && !o.comment_trailing.empty() ? o.comment_trailing : o.comment_loss)
                                                                 : o.comment_profit;
        label.comment = !leg.empty() ? leg : o.comment;
        label.signal = !label.comment.empty() ? label.comment : o.id;
      }
      if (qty > kQtyEps) close_qty(t, qty, price, o.from_entry, label, reason);
      return;
    }
  }
}

void BrokerEmulator::fill_market_orders(size_t t, double price, bool at_close) {
  // In placement order; a fill may cancel (OCA) or void later ones, so re-scan by sequence.
  for (;;) {
    size_t best = orders_.size();
    for (size_t i = 0; i < orders_.size(); ++i) {
      const Order& o = orders_[i];
      if (o.is_price_order() || o.market_at_close != at_close) continue;
      if (!at_close && o.placed_bar >= t) continue;  // placed at this bar: fills at the next open
      if (best == orders_.size() || o.seq < orders_[best].seq) best = i;
    }
    if (best == orders_.size()) return;
    Order o = std::move(orders_[best]);
    orders_.erase(orders_.begin() + static_cast<std::ptrdiff_t>(best));
    // Market fills pay slippage: buying higher, selling lower.
    int buy = o.dir;
    if (o.kind == OrderKind::kClose) buy = -position_sign();
    const double fill = slipped(buy, price);
    if (o.kind == OrderKind::kClose && position_ == 0) continue;
    execute(t, o, fill, false);
  }
}

int BrokerEmulator::exit_side(const Order& o) const {
  for (const auto& e : open_) {
    if (o.from_entry.empty() || e.id == o.from_entry) return e.side;
  }
  return 0;
}

BrokerEmulator::ExitLevels BrokerEmulator::exit_levels(const Order& o) const {
  ExitLevels lv;
  double qty = 0, value = 0;
  int side = 0;
  for (const auto& e : open_) {
    if (!o.from_entry.empty() && e.id != o.from_entry) continue;
    qty += e.qty;
    value += e.qty * e.price;
    side = e.side;
  }
  if (!(qty > kQtyEps)) return lv;
  const double avg = value / qty, tick = cfg_.mintick;
  // TradingView v6 honours both the relative (ticks) and the absolute level: whichever the
  // price reaches first, i.e. the nearer one.
  auto nearer_limit = [&](double a, double b) { return !has(a) ? b : !has(b) ? a : side > 0 ? std::min(a, b) : std::max(a, b); };
  auto nearer_stop = [&](double a, double b) { return !has(a) ? b : !has(b) ? a : side > 0 ? std::max(a, b) : std::min(a, b); };
  lv.limit = to_tick(nearer_limit(o.limit, has(o.profit) ? avg + side * o.profit * tick : kNa));
  lv.stop = to_tick(nearer_stop(o.stop, has(o.loss) ? avg - side * o.loss * tick : kNa));
  if (has(o.trail_price) || has(o.trail_points)) {
    lv.trail_activation = to_tick(nearer_limit(o.trail_price, has(o.trail_points) ? avg + side * o.trail_points * tick : kNa));
    if (o.trail_active) lv.stop = nearer_stop(lv.stop, to_tick(o.trail_best - side * o.trail_offset * tick));
  }
  return lv;
}


// Along the path segment from `a` to `b`, where order `o` fills (its price, or `a` when `a` is
// already past it), or NaN. `stop_leg` says which leg of a bracket it was.
namespace {
struct Hit {
  double price = kNa;  ///< fill price before slippage
  double dist = 0;     ///< distance from a along the path
  bool stop = false;   ///< a stop (slippage applies) rather than a limit
};

// A buy stop / sell stop at `level` on a→b.
Hit stop_hit(int buy, double level, double a, double b) {
  Hit h;
  h.stop = true;
  if (buy > 0) {
    if (a >= level) h.price = a;
    else if (b >= level) h.price = level;
  } else {
    if (a <= level) h.price = a;
    else if (b <= level) h.price = level;
  }
  if (!std::isnan(h.price)) h.dist = std::fabs(h.price - a);
  return h;
}

// A buy limit / sell limit at `level`, needing the price `past` beyond it (fill-limits assumption).
Hit limit_hit(int buy, double level, double past, double a, double b) {
  Hit h;
  if (buy > 0) {
    const double need = level - past;
    if (a <= need) h.price = std::min(a, level);
    else if (b <= need) h.price = level;
    if (!std::isnan(h.price)) h.dist = std::fabs(std::min(a, level) == h.price ? 0 : a - need);
  } else {
    const double need = level + past;
    if (a >= need) h.price = std::max(a, level);
    else if (b >= need) h.price = level;
    if (!std::isnan(h.price)) h.dist = std::fabs(std::max(a, level) == h.price ? 0 : need - a);
  }
  return h;
}

Hit earlier(const Hit& x, const Hit& y) {
  if (std::isnan(x.price)) return y;
  if (std::isnan(y.price)) return x;
  return y.dist < x.dist ? y : x;
}
}  // namespace

void BrokerEmulator::walk_path(size_t t) {
  const double o = bars_.open[t], h = bars_.high[t], l = bars_.low[t], c = bars_.close[t];
  const double e1 = (h - o <= o - l) ? h : l;
  const double e2 = e1 == h ? l : h;
  const double pts[4] = {o, e1, e2, c};
  const double past = cfg_.fill_limits_ticks * cfg_.mintick;
  double a = o;
  // Trailing stops activate where the path reaches their activation price and then follow the
  // best price; the path's moves are monotonic, so their ends and the fills are all it visits.
  auto trail_at = [&](double p) {
    for (auto& ord : orders_) {
      if (ord.kind != OrderKind::kExit || !(has(ord.trail_price) || has(ord.trail_points)) || ord.placed_bar >= t) continue;
      const int side = exit_side(ord);
      if (side == 0) continue;
      if (!ord.trail_active) {
        const ExitLevels lv = exit_levels(ord);
        if (has(lv.trail_activation) && side * (p - lv.trail_activation) >= 0) {
          ord.trail_active = true;
          ord.trail_best = p;
        }
      } else if (side * (p - ord.trail_best) > 0) {
        ord.trail_best = p;
      }
    }
  };
  // Segment 0 is the open itself (gaps), then the three moves of the path.
  for (int seg = 0; seg < 4; ++seg) {
    const double b = seg == 0 ? o : pts[seg];
    for (int guard = 0; guard < 10000; ++guard) {
      trail_at(a);
      size_t best = orders_.size();
      Hit best_hit;
      bool best_stop_leg = false;
      for (size_t i = 0; i < orders_.size(); ++i) {
        Order& ord = orders_[i];
        if (!ord.is_price_order() || ord.placed_bar >= t) continue;  // placed at this close: from the next bar
        Hit hit;
        bool stop_leg = false;
        if (ord.kind == OrderKind::kExit) {
          const int side = exit_side(ord);
          if (side == 0) continue;
          const ExitLevels lv = exit_levels(ord);
          const int buy = -side;  // an exit trades against the position
          Hit lim = has(lv.limit) ? limit_hit(buy, lv.limit, past, a, b) : Hit{};
          Hit stp = has(lv.stop) ? stop_hit(buy, lv.stop, a, b) : Hit{};
          hit = earlier(lim, stp);
          stop_leg = !std::isnan(stp.price) && (std::isnan(lim.price) || stp.dist < lim.dist);
        } else if (has(ord.stop) && !ord.stop_hit) {
          hit = stop_hit(ord.dir, ord.stop, a, b);
        } else if (has(ord.limit)) {
          hit = limit_hit(ord.dir, ord.limit, past, a, b);
        }
        if (std::isnan(hit.price)) continue;
        if (best == orders_.size() || hit.dist < best_hit.dist ||
            (hit.dist == best_hit.dist && ord.seq < orders_[best].seq)) {
          best = i;
          best_hit = hit;
          best_stop_leg = stop_leg;
        }
      }
      if (best == orders_.size()) break;
      Order ord = orders_[best];
      a = best_hit.price;
      mark_excursions(a);
      if (ord.kind != OrderKind::kExit && has(ord.stop) && has(ord.limit) && !ord.stop_hit) {
        orders_[best].stop_hit = true;  // stop-limit: the stop armed the limit; it may fill from here
        continue;
      }
      orders_.erase(orders_.begin() + static_cast<std::ptrdiff_t>(best));
      const int buy = ord.kind == OrderKind::kExit ? -position_sign() : ord.dir;
      double fill = a;
      if (best_hit.stop) fill = slipped(buy, a);
      execute(t, ord, fill, best_stop_leg);
    }
    a = b;
    mark_excursions(a);
  }
  trail_at(c);
}

// TradingView's margin call (Pine User Manual, Strategies → Margin), once per bar at the bar's
// worst price for the position: equity = initial capital + net profit + open profit; margin =
// position value × margin ratio; when equity − margin < 0, the loss to cover is that shortfall /
// ratio, the cover quantity is the loss / price truncated to the quantity step, and 4 × the cover
// quantity (at least one unit, at most the position) is liquidated at that price.
void BrokerEmulator::margin_check(size_t t, double worst) {
  if (position_ == 0) return;
  const int side = position_sign();
  const double ratio = side > 0 ? cfg_.margin_long : cfg_.margin_short;
  if (!(ratio > 0)) return;
  const double held = std::fabs(position_);
  const double value = held * worst * cfg_.multiplier;
  const double available = equity(worst) - value * ratio;
  // A shortfall within rounding of the margin is none: an entry of all the cash can leave the
  // account a few ulps short (the built-in broker's tolerance too).
  if (!(available < -1e-9 * value * ratio)) return;
  const double loss = available / ratio;
  double cover = -loss / (worst * cfg_.multiplier);
  cover = cfg_.fractional ? cover : std::floor(cover + kQtyEps);
  if (!(cover > 0)) cover = cfg_.fractional ? -loss / (worst * cfg_.multiplier) : 1;
  const double qty = std::min(held, cover * 4);
  readout_dirty_ = true;
  close_qty(t, qty, worst, "", ExitLabel{"Margin call", "", "Margin call"}, ExitReason::kMarginCall);
}

void BrokerEmulator::drop_orphan_exits() {
  auto alive = [&](const Order& x) {
    if (x.kind != OrderKind::kExit) return true;
    for (const auto& e : open_) if (x.from_entry.empty() || e.id == x.from_entry) return true;
    for (const auto& p : orders_) {
      if ((p.kind == OrderKind::kEntry || p.kind == OrderKind::kOrder) && (x.from_entry.empty() || p.id == x.from_entry)) return true;
    }
    return false;
  };
  orders_.erase(std::remove_if(orders_.begin(), orders_.end(), [&](const Order& x) { return !alive(x); }), orders_.end());
}

void BrokerEmulator::new_day(size_t t) {
  const int64_t day = bars_.time[t] / 86'400'000;
  if (day == day_) return;
  if (day_ != INT64_MIN) {
    const double prev_close_equity = equity(bars_.close[t - 1]);
    if (prev_close_equity < day_start_equity_) ++cons_loss_days_;
    else cons_loss_days_ = 0;
    if (has(max_cons_loss_days_) && cons_loss_days_ >= max_cons_loss_days_) halted_ = true;
    day_start_equity_ = prev_close_equity;
  } else {
    day_start_equity_ = cfg_.initial_capital;
  }
  day_ = day;
  day_orders_ = 0;
  day_halted_ = false;
}

// strategy.risk limits reached: pending orders are cancelled and the position is closed with a
// market order (at the next open, or at this close with process_orders_on_close).
void BrokerEmulator::apply_risk_limits(size_t t) {
  const double eq = equity(bars_.close[t]);
  bool stop_all = false, stop_day = false;
  if (has(risk_max_drawdown_)) {
    const double dd = peak_equity_ - eq;
    stop_all = risk_drawdown_pct_ ? dd >= peak_equity_ * risk_max_drawdown_ / 100.0 : dd >= risk_max_drawdown_;
  }
  if (has(max_intraday_loss_)) {
    const double loss = day_start_equity_ - eq;
    stop_day |= risk_intraday_loss_pct_ ? loss >= day_start_equity_ * max_intraday_loss_ / 100.0 : loss >= max_intraday_loss_;
  }
  if (has(max_intraday_orders_) && static_cast<double>(day_orders_) >= max_intraday_orders_) stop_day = true;
  if (!stop_all && !stop_day && !halted_) return;
  if ((stop_all || halted_) && !halted_) halted_ = true;
  if (stop_day) day_halted_ = true;
  const bool first = !orders_.empty() || position_ != 0;
  if (!first) return;
  orders_.clear();
  if (position_ != 0) {
    Order o;
    o.kind = OrderKind::kClose;
    o.comment = "Risk limit";
    o.market_at_close = cfg_.orders_on_close;
    place(std::move(o));
  }
}

void BrokerEmulator::process_bar_full(size_t t) {
  if (day_rules_) new_day(t);
  if (orders_.empty()) {
    if (open_.empty()) return;
    mark_excursions(bars_.high[t]);
    mark_excursions(bars_.low[t]);
  } else {
    fill_market_orders(t, bars_.open[t], false);
    mark_excursions(bars_.open[t]);
    walk_path(t);
  }
  if (position_ != 0) margin_check(t, position_ > 0 ? bars_.low[t] : bars_.high[t]);
  if (!orders_.empty()) drop_orphan_exits();
}

double BrokerEmulator::end_script_full(size_t t) {
  const double c = bars_.close[t];
  if (!orders_.empty()) fill_market_orders(t, c, true);
  if (t + 1 == n_ && cfg_.close_at_end && position_ != 0) {
    close_qty(t, std::fabs(position_), c, "", ExitLabel{"Close at end", "", "Close at end"}, ExitReason::kEnd);
    closed_at_end_ = true;
    ++exposed_bars_;  // held into that close, as a position left open is
  }
  if (position_ != 0) ++exposed_bars_;
  if (!orders_.empty()) drop_orphan_exits();
  const double eq = mark_close(t);
  if (risk_rules_ || halted_) apply_risk_limits(t);
  return eq;
}

void BrokerEmulator::update_margin_bounds() {
  // Available funds at price p (margin_check): cash + q·p·m − |q|·p·m·r. Long (q > 0):
  // cash + q·m·p·(1 − r) < 0; short: cash − |q|·m·p·(1 + r) < 0. The bounds are loosened by a
  // relative 1e-9, so rounding never skips a call; margin_check decides exactly.
  margin_below_ = -HUGE_VAL;
  margin_above_ = HUGE_VAL;
  if (position_ == 0) return;
  const double m = cfg_.multiplier, q = std::fabs(position_);
  const double r = position_ > 0 ? cfg_.margin_long : cfg_.margin_short;
  if (!(r > 0)) return;
  if (position_ > 0) {
    if (r < 1) margin_below_ = -cash_ / (q * m * (1 - r));
    else if (r == 1) margin_below_ = cash_ < 0 ? HUGE_VAL : -HUGE_VAL;
    else margin_above_ = cash_ / (q * m * (r - 1));
  } else {
    margin_above_ = cash_ / (q * m * (1 + r));
  }
  if (std::isfinite(margin_below_)) margin_below_ += std::fabs(margin_below_) * 1e-9;
  if (std::isfinite(margin_above_)) margin_above_ -= std::fabs(margin_above_) * 1e-9;
}

// ---------------------------------------------------------------------------------------------
// Read-outs

uint32_t BrokerEmulator::intern_name(const std::string& s) {
  auto it = name_index_.find(s);
  if (it != name_index_.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  names_.push_back(s);
  name_index_.emplace(s, id);
  return id;
}

Value BrokerEmulator::text_handle(const std::string& text) const {
  auto it = handles_.find(text);
  if (it == handles_.end()) it = handles_.emplace(text, heap_ ? heap_->intern(text) : kNa).first;
  return it->second;
}

void BrokerEmulator::refresh_readout() const {
  readout_dirty_ = false;
  const double close = bars_.close[t_];
  StrategyReadout& r = readout_;
  r.position_size = position_;
  r.equity = equity(close);
  double value = 0, qty = 0;
  for (const auto& e : open_) {
    value += e.qty * e.price;
    qty += e.qty;
  }
  r.position_avg_price = qty > kQtyEps ? value / qty : kNa;
  r.openprofit = position_ != 0 ? r.equity - cfg_.initial_capital - net_profit_ : 0;
  r.netprofit = net_profit_;
  r.grossprofit = gross_profit_;
  r.grossloss = gross_loss_;
  r.opentrades = static_cast<double>(open_.size());
  r.closedtrades = static_cast<double>(closed_records_.size());
  r.wintrades = static_cast<double>(wins_);
  r.losstrades = static_cast<double>(losses_);
  r.eventrades = static_cast<double>(static_cast<int64_t>(closed_records_.size()) - wins_ - losses_);
  r.max_drawdown = max_drawdown_;
  r.max_runup = max_runup_;
  r.position_entry_name = open_.empty() ? kNa : text_handle(open_.front().id);
  r.max_contracts_held_all = max_held_all_;
  r.max_contracts_held_long = max_held_long_;
  r.max_contracts_held_short = max_held_short_;
}

const StrategyReadout& BrokerEmulator::readout() const {
  if (readout_dirty_) refresh_readout();
  return readout_;
}

const TradeRecord* BrokerEmulator::trade(bool open, int64_t i) const {
  if (i < 0) return nullptr;
  if (!open) {
    if (static_cast<size_t>(i) >= closed_records_.size()) return nullptr;
    const ClosedTrade& c = closed_records_[static_cast<size_t>(i)];
    TradeRecord& rec = closed_scratch_;
    rec.entry_id = names_[c.entry_id];
    rec.entry_comment = names_[c.entry_comment];
    rec.exit_id = names_[c.exit_id];
    rec.exit_comment = names_[c.exit_comment];
    rec.size = c.size;
    rec.entry_price = c.entry_price;
    rec.exit_price = c.exit_price;
    rec.entry_bar = c.entry_bar;
    rec.exit_bar = c.exit_bar;
    rec.entry_time = bars_.time[static_cast<size_t>(c.entry_bar)];
    rec.exit_time = bars_.time[static_cast<size_t>(c.exit_bar)];
    rec.profit = c.profit;
    rec.commission = c.commission;
    rec.max_runup = c.max_runup;
    rec.max_drawdown = c.max_drawdown;
    return &rec;
  }
  if (static_cast<size_t>(i) >= open_.size()) return nullptr;
  const OpenEntry& e = open_[static_cast<size_t>(i)];
  open_records_.resize(open_.size());
  TradeRecord& rec = open_records_[static_cast<size_t>(i)];
  rec.entry_id = e.id;
  rec.entry_comment = e.comment;
  rec.size = e.side * e.qty;
  rec.entry_price = e.price;
  rec.entry_bar = static_cast<int64_t>(e.bar);
  rec.entry_time = bars_.time[e.bar];
  rec.profit = e.side * e.qty * (bars_.close[t_] - e.price) * cfg_.multiplier - e.commission;
  rec.commission = e.commission;
  rec.max_runup = e.max_runup;
  rec.max_drawdown = e.max_drawdown;
  return &rec;
}

std::vector<Trade> BrokerEmulator::open_trades_at(size_t t) const {
  std::vector<Trade> out;
  for (const auto& e : open_) {
    Trade tr;
    tr.entry_time = bars_.time[e.bar];
    tr.exit_time = bars_.time[t];
    tr.entry_index = static_cast<int64_t>(e.bar);
    tr.exit_index = static_cast<int64_t>(t);
    tr.side = e.side;
    tr.quantity = e.qty;
    tr.entry_price = e.price;
    tr.exit_price = bars_.close[t];
    tr.commission = e.commission;
    tr.pnl = e.side * e.qty * (bars_.close[t] - e.price) * cfg_.multiplier - e.commission;
    tr.return_pct = tr.pnl / (e.qty * e.price * cfg_.multiplier) * 100.0;
    tr.exit_reason = ExitReason::kEnd;
    tr.entry_signal = e.comment.empty() ? e.id : e.comment;
    tr.exit_signal = "Open";
    tr.max_runup = e.max_runup;
    tr.max_drawdown = e.max_drawdown;
    out.push_back(std::move(tr));
  }
  return out;
}

std::optional<OpenPosition> BrokerEmulator::open_position_at(size_t t) const {
  if (open_.empty()) return std::nullopt;
  OpenPosition p;
  double value = 0, comm = 0, runup = 0, dd = 0;
  for (const auto& e : open_) {
    p.quantity += e.qty;
    value += e.qty * e.price;
    comm += e.commission;
    runup += e.max_runup;
    dd += e.max_drawdown;
  }
  p.side = position_sign();
  p.entry_price = open_.size() == 1 ? open_.front().price : value / p.quantity;
  p.entry_time = bars_.time[open_.front().bar];
  p.entry_index = static_cast<int64_t>(open_.front().bar);
  p.commission = comm;
  p.unrealized_pnl = position_ * (bars_.close[t] - p.entry_price) * cfg_.multiplier - comm;
  p.entry_signal = open_.front().comment.empty() ? open_.front().id : open_.front().comment;
  p.max_runup = runup;
  p.max_drawdown = dd;
  return p;
}

}  // namespace atf::pine
