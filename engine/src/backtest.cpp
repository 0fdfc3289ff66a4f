#include "atf/backtest.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <variant>

#include "atf/csv_import.h"  // format_time
#include "atf/strategy.h"
#include "bar_loop.h"
#include "builtin_plots.h"
#include "broker_sim.h"
#include "pine/script_runner.h"
#include "strategies/all.h"

namespace atf {
namespace {

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
                    non_negative("bars_per_year", b.bars_per_year), non_negative("margin_long_pct", b.margin_long_pct),
                    non_negative("margin_short_pct", b.margin_short_pct)}) {
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
  size_t warmup = 0;  ///< the strategy's warm-up, once initialised
};

/// Runs strategy `name` with resolved params, reporting progress and checking cancel once per
/// batch; strategy exceptions become kRuntime errors naming the strategy, its parameters and bar.
LoopRun run_any(const MarketData& md, const std::string& name, const ParamMap& params, const BrokerConfig& cfg,
                RunHooks hooks, BrokerSim& broker, MetricsAccumulator& acc, double* curve, size_t trade_from) {
  LoopRun out;
  auto strategy = make_strategy(name);
  if (!strategy) {
    out.status = Error::make(ErrorCode::kNotFound, "unknown strategy '" + name + "'");
    return out;
  }
  size_t failed_bar = 0;
  auto run = [&](auto& loop) -> Status { return drive_loop(loop, md.bars.size(), hooks, failed_bar); };
  try {
    KeepAlive keep;
    std::visit([&](auto& s) {
      s.init(md, params, keep);
      out.warmup = s.warmup();
    }, *strategy);
    out.status = std::visit(
        [&](auto& s) -> Status {
          using S = std::decay_t<decltype(s)>;
          if (curve) {
            BarLoop<true, S> loop(s, md, cfg, broker, acc, curve);
            loop.set_trade_from(trade_from);
            return run(loop);
          }
          BarLoop<false, S> loop(s, md, cfg, broker, acc, nullptr);
          loop.set_trade_from(trade_from);
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
  if (request.script) {
    if (auto p = resolve_script_params(request, request.params); !p) return p.error();
    return validate_broker(request.broker);
  }
  if (auto p = resolve_params(request.strategy, request.params); !p) return p.error();
  return validate_broker(request.broker);
}

namespace {

/// What every finished run adds, built-in or script: the initial capital, the open trade
/// TradingView lists for a position still open (when the broker listed none) and the
/// Performance Summary, which needs the equity curve (recorded always; dropped afterwards
/// unless the caller asked for it).
void finish_result(BacktestResult& result, const MarketData& data, const BrokerConfig& broker, bool keep_curve) {
  result.initial_capital = broker.cash;
  if (result.open_trades.empty() && result.open_position) {
    result.open_trades.push_back(open_trade_from_position(*result.open_position, data.bars, broker.multiplier));
  }
  result.performance = performance_summary(result, data.bars, broker);
  if (!keep_curve) std::vector<double>().swap(result.equity_curve);
}

Result<BacktestResult> run_builtin(const MarketData& data, const BacktestRequest& request, RunHooks hooks,
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
  const auto& times = data.bars.time;
  const size_t trade_from =
      request.trade_from_ms
          ? static_cast<size_t>(std::lower_bound(times.begin(), times.end(), *request.trade_from_ms) - times.begin())
          : 0;
  LoopRun run = run_any(data, request.strategy, *params, request.broker, hooks, broker, acc,
                        record_equity_curve ? result.equity_curve.data() : nullptr, trade_from);
  if (!run.status) return run.status.error();

  const size_t last = data.bars.size() - 1;
  if (broker.quantity() != 0) acc.add_exposed_bars(static_cast<int64_t>(data.bars.size() - broker.entry_index()));
  result.final_equity = broker.equity(data.bars.close[last]);
  result.final_cash = broker.cash();
  if (broker.quantity() != 0) result.open_position = broker.open_position_at(last);
  result.rejected_orders = broker.rejected_orders();
  result.warmup_bars = static_cast<int64_t>(run.warmup);
  if (request.indicator_plots) result.plots = builtin_plots(data, request.strategy, *params);
  result.metrics = acc.finish(result.final_equity, data.years, result.bars_per_year);
  return result;
}

}  // namespace

Result<BacktestResult> run_backtest(const MarketData& data, const BacktestRequest& request, RunHooks hooks,
                                    bool record_equity_curve) {
  Result<BacktestResult> result = Error::make(ErrorCode::kInternal, "not run");
  if (request.script) {
    if (auto st = validate_broker(request.broker); !st) return st.error();
    result = run_script_backtest(data, request, hooks, true);
  } else {
    result = run_builtin(data, request, hooks, true);
  }
  if (result) finish_result(*result, data, request.broker, record_equity_curve);
  return result;
}

Result<TrialSummary> run_trial(const MarketData& data, const std::string& strategy, const ParamMap& params,
                               const BrokerConfig& broker, RunHooks hooks) {
  return std::move(run_trials(data, strategy, {params}, broker, hooks).front());
}

std::vector<Result<TrialSummary>> run_trials(const MarketData& data, const std::string& strategy,
                                             const std::vector<ParamMap>& params, const BrokerConfig& cfg,
                                             RunHooks hooks, const std::vector<int64_t>& block_bounds) {
  std::vector<Result<TrialSummary>> out(params.size(), Error::make(ErrorCode::kInternal, "not run"));
  auto proto = make_strategy(strategy);
  if (!proto) {
    for (auto& r : out) r = Error::make(ErrorCode::kNotFound, "unknown strategy '" + strategy + "'");
    return out;
  }
  std::visit(
      [&](const auto& prototype) {
        using S = std::decay_t<decltype(prototype)>;
        KeepAlive keep;
        run_trial_group<S>(
            data, cfg, hooks, out,
            [&](size_t i) {
              S s = prototype;
              s.init(data, params[i], keep);
              return s;
            },
            [&](size_t i, size_t bar, const std::exception* e) {
              return e ? runtime_error_at(data, strategy, params[i], bar, *e)
                       : Error::make(ErrorCode::kLimit, strategy + "(" + format_params(params[i]) +
                                                            ") ran out of memory at bar " + std::to_string(bar));
            },
            block_bounds);
      },
      *proto);
  return out;
}

}  // namespace atf
