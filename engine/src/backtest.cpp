#include "atf/backtest.h"

#include <cmath>
#include <algorithm>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <variant>

#include "atf/csv_import.h"  // format_time
#include "atf/strategy.h"
#include "broker_sim.h"
#include "strategies/all.h"

namespace atf {
namespace {

constexpr int kNoOrder = 2;

// Broker fields are named as in the request JSON ("broker.cash"); messages use the bare name.
Error broker_error(const char* field, const std::string& what) {
  return Error::validation(std::string("broker.") + field, std::string(field) + " " + what);
}
Status positive(const char* field, double v) {
  if (std::isfinite(v) && v > 0) return Ok{};
  return broker_error(field, "must be a positive number");
}
Status non_negative(const char* field, double v) {
  if (std::isfinite(v) && v >= 0) return Ok{};
  return broker_error(field, "must be zero or a positive number");
}

Status validate_broker(const BrokerConfig& b) {
  for (Status st : {positive("cash", b.cash), positive("size", b.size), non_negative("commission_pct", b.commission_pct),
                    non_negative("commission_fixed", b.commission_fixed),
                    non_negative("commission_per_unit", b.commission_per_unit),
                    non_negative("slippage_bps", b.slippage_bps), positive("multiplier", b.multiplier),
                    non_negative("margin", b.margin), non_negative("stop_loss_pct", b.stop_loss_pct),
                    non_negative("take_profit_pct", b.take_profit_pct),
                    non_negative("bars_per_year", b.bars_per_year)}) {
    if (!st) return st;
  }
  if (b.sizing == SizingKind::kEquity && b.size > 1) {
    return broker_error("size", "must be in (0, 1] for an equity fraction");
  }
  if (b.commission_pct >= 100) return broker_error("commission_pct", "must be below 100");
  if (b.slippage_bps >= 10000) return broker_error("slippage_bps", "must be below 10000");
  if (b.stop_loss_pct >= 100) return broker_error("stop_loss_pct", "must be below 100");
  return Ok{};
}

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
  size_t next_ = 0, failed_bar_ = 0;
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
    for (; t < end; ++t) {
      if (pending != kNoOrder) {
        broker.market_to(pending, open[t], t);
        mark = broker.mark();
        pending = kNoOrder;
      }
      if (has_stops && mark.qty != 0) {
        broker.check_stops(t);
        mark = broker.mark();
      }
      const Signal sig = strategy.signal(t, mark.sign());
      if (sig != Signal::kHold) {
        const int target = (sig == Signal::kShort && !allow_short) ? 0 : static_cast<int>(sig);
        if (target != mark.sign()) {
          if (!next_open) {
            broker.market_to(target, close[t], t);
            mark = broker.mark();
          } else if (t + 1 < n) {
            pending = target;  // an order on the last bar never fills
          }
        }
      }
      if (t == close_bar && mark.qty != 0) {
        broker.market_to(0, close[t], t, ExitReason::kEnd);
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

Error cancelled_at(size_t end, size_t n) {
  return Error::make(ErrorCode::kCancelled, "cancelled after " + std::to_string(end) + " of " + std::to_string(n) + " bars");
}

Error runtime_error_at(const MarketData& md, const std::string& name, const ParamMap& params, size_t bar,
                       const std::exception& e) {
  Error err = Error::make(ErrorCode::kRuntime, e.what());
  err.context = name + "(" + format_params(params) + ") at bar " + std::to_string(bar) + " (" +
              format_time(md.bars.time[bar]) + ")";
  return err;
}

struct LoopRun {
  Status status = Ok{};
  size_t bar = 0;
};

/// Runs strategy `name` with resolved params, reporting progress and checking cancel once per
/// batch; strategy exceptions become kRuntime errors naming the strategy, its parameters and bar.
LoopRun run_any(const MarketData& md, const std::string& name, const ParamMap& params, const BrokerConfig& cfg,
                RunHooks hooks, BrokerSim& broker, MetricsAccumulator& acc, double* curve) {
  LoopRun out;
  auto strategy = make_strategy(name);
  if (!strategy) {
    out.status = Error::make(ErrorCode::kNotFound, "unknown strategy '" + name + "'");
    return out;
  }
  size_t failed_bar = 0;
  auto run = [&](auto& loop) -> Status {
    struct NoteFailedBar {  // on an exception, remember where the loop stopped
      decltype(loop)& l;
      size_t& bar;
      ~NoteFailedBar() {
        if (std::uncaught_exceptions() > 0) bar = l.failed_bar();
      }
    } note{loop, failed_bar};
    const size_t n = md.bars.size();
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
  };
  try {
    KeepAlive keep;
    std::visit([&](auto& s) { s.init(md, params, keep); }, *strategy);
    out.status = std::visit(
        [&](auto& s) -> Status {
          using S = std::decay_t<decltype(s)>;
          if (curve) {
            BarLoop<true, S> loop(s, md, cfg, broker, acc, curve);
            return run(loop);
          }
          BarLoop<false, S> loop(s, md, cfg, broker, acc, nullptr);
          return run(loop);
        },
        *strategy);
  } catch (const std::bad_alloc&) {
    out.status = Error::make(ErrorCode::kLimit, name + "(" + format_params(params) + ") ran out of memory at bar " +
                                                    std::to_string(failed_bar));
  } catch (const std::exception& e) {
    out.status = runtime_error_at(md, name, params, failed_bar, e);
  }
  out.bar = failed_bar;
  return out;
}

double bars_per_year_of(const MarketData& md, const BrokerConfig& cfg) {
  return cfg.bars_per_year > 0 ? cfg.bars_per_year : md.bars_per_year;
}

}  // namespace

Status validate_request(const BacktestRequest& request) {
  if (auto p = resolve_params(request.strategy, request.params); !p) return p.error();
  return validate_broker(request.broker);
}

Result<BacktestResult> run_backtest(const MarketData& data, const BacktestRequest& request, RunHooks hooks,
                                    bool record_equity_curve) {
  auto params = resolve_params(request.strategy, request.params);
  if (!params) return params.error();
  if (auto st = validate_broker(request.broker); !st) return st.error();

  BacktestResult result;
  result.strategy = request.strategy;
  result.params = *params;
  result.bars = static_cast<int64_t>(data.bars.size());
  result.bars_per_year = bars_per_year_of(data, request.broker);
  if (record_equity_curve) result.equity_curve.assign(data.bars.size(), 0.0);
  MetricsAccumulator acc(request.broker.cash);
  BrokerSim broker(request.broker, data.bars, acc, &result.trades);
  LoopRun run = run_any(data, request.strategy, *params, request.broker, hooks, broker, acc,
                        record_equity_curve ? result.equity_curve.data() : nullptr);
  if (!run.status) return run.status.error();

  const size_t last = data.bars.size() - 1;
  if (broker.quantity() != 0) acc.add_exposed_bars(static_cast<int64_t>(data.bars.size() - broker.entry_index()));
  result.final_equity = broker.equity(data.bars.close[last]);
  result.final_cash = broker.cash();
  if (broker.quantity() != 0) result.open_position = broker.open_position_at(last);
  result.rejected_orders = broker.rejected_orders();
  result.metrics = acc.finish(result.final_equity, data.years, result.bars_per_year);
  return result;
}

Result<TrialSummary> run_trial(const MarketData& data, const std::string& strategy, const ParamMap& params,
                               const BrokerConfig& broker, RunHooks hooks) {
  return std::move(run_trials(data, strategy, {params}, broker, hooks).front());
}

std::vector<Result<TrialSummary>> run_trials(const MarketData& data, const std::string& strategy,
                                             const std::vector<ParamMap>& params, const BrokerConfig& cfg,
                                             RunHooks hooks) {
  std::vector<Result<TrialSummary>> out(params.size(), Error::make(ErrorCode::kInternal, "not run"));
  auto proto = make_strategy(strategy);
  if (!proto) {
    for (auto& r : out) r = Error::make(ErrorCode::kNotFound, "unknown strategy '" + strategy + "'");
    return out;
  }
  std::visit(
      [&](const auto& prototype) {
        using S = std::decay_t<decltype(prototype)>;
        // Each run's accumulator, broker and loop; the broker keeps a reference to the
        // accumulator, so a slot never moves.
        struct Slot {
          Slot(const BrokerConfig& c, const Bars& bars) : acc(c.cash), broker(c, bars, acc, nullptr) {}
          MetricsAccumulator acc;
          BrokerSim broker;
          std::optional<BarLoop<false, S>> loop;
        };
        std::vector<std::unique_ptr<Slot>> slots(params.size());
        KeepAlive keep;
        auto fail = [&](size_t i, size_t bar, const std::exception* e) {
          out[i] = e ? runtime_error_at(data, strategy, params[i], bar, *e)
                     : Error::make(ErrorCode::kLimit, strategy + "(" + format_params(params[i]) +
                                                          ") ran out of memory at bar " + std::to_string(bar));
          slots[i].reset();
        };
        for (size_t i = 0; i < params.size(); ++i) {
          try {
            S s = prototype;
            s.init(data, params[i], keep);
            slots[i] = std::make_unique<Slot>(cfg, data.bars);
            slots[i]->loop.emplace(s, data, cfg, slots[i]->broker, slots[i]->acc, nullptr);
          } catch (const std::bad_alloc&) {
            fail(i, 0, nullptr);
          } catch (const std::exception& e) {
            fail(i, 0, &e);
          }
        }
        const size_t n = data.bars.size();
        for (size_t start = 0; start < n; start += static_cast<size_t>(kProgressBatch)) {
          const size_t end = std::min(n, start + static_cast<size_t>(kProgressBatch));
          int64_t alive = 0;
          for (size_t i = 0; i < slots.size(); ++i) {
            if (!slots[i]) continue;
            try {
              slots[i]->loop->advance(end);
              ++alive;
            } catch (const std::bad_alloc&) {
              fail(i, slots[i]->loop->failed_bar(), nullptr);
            } catch (const std::exception& e) {
              fail(i, slots[i]->loop->failed_bar(), &e);
            }
          }
          if (hooks.progress && alive > 0) hooks.progress->add_bars(alive * static_cast<int64_t>(end - start));
          if (end < n && hooks.cancel && hooks.cancel->cancelled()) {
            for (size_t i = 0; i < slots.size(); ++i) {
              if (slots[i]) out[i] = cancelled_at(end, n);
            }
            return;
          }
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
          summary.metrics = slot.acc.finish(summary.final_equity, data.years, bars_per_year_of(data, cfg));
          out[i] = summary;
        }
      },
      *proto);
  return out;
}

}  // namespace atf
