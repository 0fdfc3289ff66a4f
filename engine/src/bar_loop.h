// The bar loop shared by every kind of strategy (built-in ones and Pine scripts): fills pending
// market orders at the open, checks stops, then the margin call (at the bar's worst price for the
// position), asks the strategy for its signal at the close, marks equity, and accumulates the
// per-bar statistics. Internal to the engine.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "atf/backtest.h"

#include "atf/broker.h"
#include "atf/error.h"
#include "atf/market_data.h"
#include "atf/metrics.h"
#include "broker_sim.h"
#include "run_group.h"
#include "strategies/signal.h"

namespace atf {

inline constexpr int kNoOrder = 2;

/// Strategies that read the broker (Pine scripts) get it here; built-in ones ignore it.
template <class S>
void bind_broker(S&, BrokerSim&) {}

/// The bar loop, instantiated once per strategy type. Progress and cancel are handled once per
/// batch of kProgressBatch bars, so their cost is independent of what the hooks do.
/// One run's bar loop, resumable so that several runs can advance block by block over the same
/// bars while those bars are in cache (optimization trials). Hot state is copied into locals for
/// each block, where the compiler keeps it in registers: the strategy, the per-bar statistics and
/// the broker's mark (refreshed after every fill, which is rare).
template <bool kRecord, class S>
class BarLoop {
 public:
  BarLoop(const S& strategy, const MarketData& md, const BrokerConfig& cfg, BrokerSim& broker, MetricsAccumulator& acc,
          double* curve)
      : strategy_(strategy), md_(md), cfg_(cfg), broker_(broker), acc_(acc), curve_(curve), stats_(acc.bar_stats()),
        mark_(broker.mark()) {}

  /// Runs bars [next, end). A strategy's exception propagates; failed_bar() then says where.
  [[gnu::noinline]] void advance(size_t end);
  size_t next() const { return next_; }
  size_t failed_bar() const { return failed_bar_; }
  /// Bars before the strategy's first possible signal.
  size_t warmup() const { return strategy_.warmup(); }
  /// No order before bar `t` (BacktestRequest::trade_from_ms): the strategy still sees those bars,
  /// so its state is what a run from the first bar gives, but its signals are dropped.
  void set_trade_from(size_t t) { trade_from_ = t; }
  /// The per-bar statistics so far (bars [0, next())).
  const BarStats& stats() const { return stats_; }
  /// Hands the per-bar statistics back to the accumulator.
  void finish() { acc_.set_bar_stats(stats_, static_cast<int64_t>(next_)); }

 private:
  S strategy_;
  const MarketData& md_;
  const BrokerConfig& cfg_;
  BrokerSim& broker_;
  MetricsAccumulator& acc_;
  double* curve_;
  BarStats stats_;
  BrokerSim::Mark mark_;
  int pending_ = kNoOrder;
  size_t next_ = 0, failed_bar_ = 0, trade_from_ = 0;
};

template <bool kRecord, class S>
void BarLoop<kRecord, S>::advance(size_t end) {
  S strategy = strategy_;
  BarStats stats = stats_;
  BrokerSim::Mark mark = mark_;
  BrokerSim& broker = broker_;
  int pending = pending_;
  double* curve = curve_;
  const size_t n = md_.bars.size();
  const size_t warmup = strategy.warmup();
  const bool next_open = cfg_.fill == FillRule::kNextOpen;
  const double* open = md_.bars.open.data();
  const double* close = md_.bars.close.data();
  const double* low = md_.bars.low.data();
  const double* high = md_.bars.high.data();
  const bool has_stops = broker.has_stops();
  const bool allow_short = cfg_.allow_short;
  const size_t close_bar = cfg_.close_at_end ? n - 1 : n;  // n: never
  size_t t = next_;
  // Before the warm-up no signal can exist, so no order or position either: equity is the cash.
  for (; t < end && t < warmup; ++t) {
    stats.on_unchanged_bar(static_cast<int64_t>(t));
    if (kRecord) curve[t] = mark.cash;
  }
  try {
    // Before trade_from: signals computed and dropped, so no order and equity is the cash (a
    // separate loop keeps the test out of the main one).
    for (; t < end && t < trade_from_; ++t) {
      (void)strategy.signal(t, 0);
      stats.on_unchanged_bar(static_cast<int64_t>(t));
      if (kRecord) curve[t] = mark.cash;
    }
    for (; t < end; ++t) {
      if (pending != kNoOrder) {
        broker.market_to(pending, open[t], t, true);
        mark = broker.mark();
        pending = kNoOrder;
      }
      if (has_stops && mark.qty != 0) {
        broker.check_stops(t);
        mark = broker.mark();
      }
      // Flat, or the bar's worst price short of the precomputed levels: no margin call, one
      // comparison each.
      if (mark.qty != 0 && mark.margin_call_possible(low[t], high[t])) {
        broker.margin_call(t);
        mark = broker.mark();
      }
      const Signal sig = strategy.signal(t, mark.sign());
      if (sig != Signal::kHold) {
        const int target = (sig == Signal::kShort && !allow_short) ? 0 : static_cast<int>(sig);
        if (target != mark.sign()) {
          if (!next_open) {
            broker.market_to(target, close[t], t, false);
            mark = broker.mark();
          } else if (t + 1 < n) {
            pending = target;  // an order on the last bar never fills
          }
        }
      }
      if (t == close_bar && mark.qty != 0) {
        broker.market_to(0, close[t], t, false, ExitReason::kEnd);
        mark = broker.mark();
      }
      // Flat: equity is the cash (exactly what equity() gives), without reading the close.
      const double eq = mark.qty != 0 ? mark.equity(close[t]) : mark.cash;
      if (eq == stats.prev) {
        stats.on_unchanged_bar(static_cast<int64_t>(t));
      } else {
        stats.on_bar(eq, static_cast<int64_t>(t));
      }
      if (kRecord) curve[t] = eq;
    }
  } catch (...) {
    failed_bar_ = t;  // only here, so the loop keeps t in a register
    throw;
  }
  strategy_ = strategy;
  stats_ = stats;
  mark_ = mark;
  pending_ = pending;
  next_ = t;
}



/// Runs one loop over all n bars in batches of kProgressBatch: progress after each batch, the
/// cancel token checked between batches (kCancelled naming the bar). If the strategy throws, the
/// exception propagates and `failed_bar` says where it stopped.
template <class Loop>
Status drive_loop(Loop& loop, size_t n, RunHooks hooks, size_t& failed_bar) {
  struct NoteFailedBar {  // on an exception, remember where the loop stopped
    Loop& l;
    size_t& bar;
    ~NoteFailedBar() {
      if (std::uncaught_exceptions() > 0) bar = l.failed_bar();
    }
  } note{loop, failed_bar};
  for (size_t start = 0; start < n; start += static_cast<size_t>(kProgressBatch)) {
    const size_t end = std::min(n, start + static_cast<size_t>(kProgressBatch));
    loop.advance(end);
    if (hooks.progress) hooks.progress->add_bars(static_cast<int64_t>(end - start));
    if (end < n && hooks.cancel && hooks.cancel->cancelled()) {
      loop.finish();
      return cancelled_at(end, n);
    }
  }
  loop.finish();
  return Ok{};
}

/// Runs out.size() runs of strategy type S together, one batch of bars at a time (so the bars
/// and shared series they read stay in cache); each result equals a lone run's. `make(i)` builds
/// run i's strategy (it may throw: that run fails alone); `fail(i, bar, e)` words the error of a
/// run that threw at `bar` (e null: out of memory). Progress counts every run's bars; a cancel
/// marks the unfinished runs cancelled.
template <class S, class Make, class Fail>
void run_trial_group(const MarketData& data, const BrokerConfig& cfg, RunHooks hooks,
                     std::vector<Result<TrialSummary>>& out, Make make, Fail fail_error,
                     const std::vector<int64_t>& block_bounds) {
  // Each run's accumulator, broker and loop; the broker keeps a reference to the accumulator,
  // so a slot never moves.
  struct Slot {
    Slot(const BrokerConfig& c, const Bars& bars) : acc(c.cash), broker(c, bars, acc, nullptr) {}
    MetricsAccumulator acc;
    BrokerSim broker;
    std::optional<BarLoop<false, S>> loop;
  };
  std::vector<std::unique_ptr<Slot>> slots(out.size());
  auto fail = [&](size_t i, size_t bar, const std::exception* e) {
    out[i] = fail_error(i, bar, e);
    slots[i].reset();
  };
  for (size_t i = 0; i < out.size(); ++i) {
    try {
      slots[i] = std::make_unique<Slot>(cfg, data.bars);
      S s = make(i);
      bind_broker(s, slots[i]->broker);
      slots[i]->loop.emplace(s, data, cfg, slots[i]->broker, slots[i]->acc, nullptr);
    } catch (const std::bad_alloc&) {
      fail(i, 0, nullptr);
    } catch (const std::exception& e) {
      fail(i, 0, &e);
    }
  }
  const size_t n = data.bars.size();
  const size_t blocks = block_bounds.empty() ? 0 : block_bounds.size() - 1;
  std::vector<std::vector<double>> cum(out.size(), std::vector<double>(2 * blocks));
  if (!advance_together(
          slots, n, hooks, out, [](Slot& s, size_t end) { s.loop->advance(end); },
          [](const Slot& s) { return s.loop->failed_bar(); },
          fail, block_bounds, [&](size_t i, const Slot& s, size_t k) { snapshot_block(cum[i], k, s.loop->stats()); })) {
    return;
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!slots[i]) continue;
    Slot& slot = *slots[i];
    slot.loop->finish();
    if (slot.broker.quantity() != 0) {
      slot.acc.add_exposed_bars(static_cast<int64_t>(n - slot.broker.entry_index()));
    }
    TrialSummary summary;
    summary.final_equity = slot.broker.equity(data.bars.close.back());
    summary.rejected_orders = slot.broker.rejected_orders();
    summary.warmup_bars = static_cast<int64_t>(slot.loop->warmup());
    summary.metrics = slot.acc.finish(summary.final_equity, data.years, cfg.bars_per_year > 0 ? cfg.bars_per_year : data.bars_per_year);
    if (blocks > 0) summary.block_sums = block_sums_from(cum[i]);
    out[i] = summary;
  }
}

}  // namespace atf
