#include "atf/backtest.h"

#include <cmath>
#include <algorithm>
#include <exception>
#include <new>
#include <variant>

#include "atf/csv_import.h"  // format_time
#include "atf/strategy.h"
#include "broker_sim.h"
#include "strategies/all.h"

namespace atf {
namespace {

constexpr int kNoOrder = 2;

Status positive(const char* field, double v) {
  if (std::isfinite(v) && v > 0) return Ok{};
  return Error::validation(field, std::string(field) + " must be a positive number");
}
Status non_negative(const char* field, double v) {
  if (std::isfinite(v) && v >= 0) return Ok{};
  return Error::validation(field, std::string(field) + " must be zero or a positive number");
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
    return Error::validation("size", "an equity fraction must be in (0, 1]");
  }
  if (b.commission_pct >= 100) return Error::validation("commission_pct", "commission_pct must be below 100");
  if (b.slippage_bps >= 10000) return Error::validation("slippage_bps", "slippage_bps must be below 10000");
  if (b.stop_loss_pct >= 100) return Error::validation("stop_loss_pct", "stop_loss_pct must be below 100");
  return Ok{};
}

/// The bar loop, instantiated once per strategy type. Progress and cancel are handled once per
/// batch of kProgressBatch bars, so their cost is independent of what the hooks do.
// Not inlined into the dispatch: as its own function per strategy type, the loop's state gets
// registers instead of stack slots shared with every other strategy's code.
template <bool kRecord, class S>
[[gnu::noinline]] Status run_loop(S& strategy_ref, const MarketData& md, const BrokerConfig& cfg, RunHooks hooks, BrokerSim& broker,
                MetricsAccumulator& acc, double* curve, size_t& current_bar) {
  // Hot state lives in locals the compiler can keep in registers: the strategy, the per-bar
  // statistics and the broker's mark (refreshed after every fill, which is rare).
  S strategy = strategy_ref;
  BarStats stats = acc.bar_stats();
  int64_t bars_seen = 0;
  BrokerSim::Mark mark = broker.mark();
  const Bars& bars = md.bars;
  const size_t n = bars.size();
  const size_t warmup = strategy.warmup();
  const bool next_open = cfg.fill == FillRule::kNextOpen;
  const double* open = bars.open.data();
  const double* close = bars.close.data();
  const bool has_stops = broker.has_stops();
  const bool allow_short = cfg.allow_short;
  const size_t close_bar = cfg.close_at_end ? n - 1 : n;  // n: never
  int pending = kNoOrder;
  Status status = Ok{};
  for (size_t start = 0; start < n; start += static_cast<size_t>(kProgressBatch)) {
    const size_t end = std::min(n, start + static_cast<size_t>(kProgressBatch));
    size_t t = start;
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
        const double eq = mark.equity(close[t]);
        if (eq == stats.prev) {
          stats.on_unchanged_bar(static_cast<int64_t>(t));
        } else {
          stats.on_bar(eq, static_cast<int64_t>(t));
        }
        if (kRecord) curve[t] = eq;
      }
    } catch (...) {
      current_bar = t;  // only here, so the loop keeps t in a register
      throw;
    }
    bars_seen += static_cast<int64_t>(end - start);
    if (hooks.progress) hooks.progress->add_bars(static_cast<int64_t>(end - start));
    if (end < n && hooks.cancel && hooks.cancel->cancelled()) {
      status = Error::make(ErrorCode::kCancelled, "cancelled after " + std::to_string(end) + " of " +
                                                      std::to_string(n) + " bars");
      break;
    }
  }
  acc.set_bar_stats(stats, bars_seen);
  return status;
}

struct LoopRun {
  Status status = Ok{};
  size_t bar = 0;
};

/// Runs strategy `name` with resolved params; strategy exceptions become kRuntime errors that
/// name the strategy, its parameters and the bar.
LoopRun run_any(const MarketData& md, const std::string& name, const ParamMap& params, const BrokerConfig& cfg,
                RunHooks hooks, BrokerSim& broker, MetricsAccumulator& acc, double* curve) {
  LoopRun out;
  auto strategy = make_strategy(name);
  if (!strategy) {
    out.status = Error::make(ErrorCode::kNotFound, "unknown strategy '" + name + "'");
    return out;
  }
  const std::string where = name + "(" + format_params(params) + ")";
  try {
    KeepAlive keep;
    std::visit([&](auto& s) { s.init(md, params, keep); }, *strategy);
    out.status = std::visit(
        [&](auto& s) {
          return curve ? run_loop<true>(s, md, cfg, hooks, broker, acc, curve, out.bar)
                       : run_loop<false>(s, md, cfg, hooks, broker, acc, curve, out.bar);
        },
        *strategy);
  } catch (const std::bad_alloc&) {
    out.status = Error::make(ErrorCode::kLimit, where + " ran out of memory at bar " + std::to_string(out.bar));
  } catch (const std::exception& e) {
    Error err = Error::make(ErrorCode::kRuntime, e.what());
    err.field = where + " at bar " + std::to_string(out.bar) + " (" + format_time(md.bars.time[out.bar]) + ")";
    out.status = err;
  }
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
                               const BrokerConfig& broker_cfg, RunHooks hooks, int64_t* failed_bar) {
  MetricsAccumulator acc(broker_cfg.cash);
  BrokerSim broker(broker_cfg, data.bars, acc, nullptr);
  LoopRun run = run_any(data, strategy, params, broker_cfg, hooks, broker, acc, nullptr);
  if (!run.status) {
    if (failed_bar) *failed_bar = static_cast<int64_t>(run.bar);
    return run.status.error();
  }
  TrialSummary out;
  if (broker.quantity() != 0) acc.add_exposed_bars(static_cast<int64_t>(data.bars.size() - broker.entry_index()));
  out.final_equity = broker.equity(data.bars.close.back());
  out.metrics = acc.finish(out.final_equity, data.years, bars_per_year_of(data, broker_cfg));
  return out;
}

}  // namespace atf
