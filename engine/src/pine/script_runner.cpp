#include "script_runner.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "../run_group.h"
#include "broker_emulator.h"
#include "atf/csv_import.h"  // format_time
#include "program.h"
#include "vm.h"

namespace atf {
namespace {

pine::ChartInfo chart_of(const MarketData& md, const BacktestRequest& req) {
  pine::ChartInfo c = pine::chart_info_of(md, md.bars.symbol);
  if (req.mintick > 0) c.mintick = req.mintick;
  return c;
}

/// What one run of a script owns: its broker (TradingView's emulator), its VM, its statistics.
/// Never moves once built (the VM and the emulator point at each other).
struct ScriptRun {
  ScriptRun(const MarketData& md, const BacktestRequest& req, const pine::InputValues& inputs, bool record,
            std::vector<Trade>* trades)
      : acc(req.broker.cash),
        broker(pine::emulator_config(req.broker, req.script->program->settings, chart_of(md, req).mintick), md.bars, acc,
               trades),
        vm(req.script->program, md, chart_of(md, req), inputs, req.script->settings.is_strategy ? &broker : nullptr,
           record),
        stats(acc.bar_stats()),
        trade_from(req.trade_from_ms.value_or(INT64_MIN)),
        times(md.bars.time.data()),
        n(md.bars.size()) {
    broker.set_heap(&vm.heap());
  }

  /// Runs bars [next, end): the emulator's fills at the open and along the bar, the script at
  /// the close, the fills at the close, the equity mark. A script error propagates; failed_bar
  /// then says where.
  void advance(size_t end, double* curve) {
    for (; next < end; ++next) {
      const size_t t = next;
      broker.process_bar(t);
      vm.set_trading(times[t] >= trade_from);
      broker.begin_script(t);
      if (!vm.run_bar(t)) vm.rethrow();
      const double eq = broker.end_script(t);
      if (eq == stats.prev) stats.on_unchanged_bar(static_cast<int64_t>(t));
      else stats.on_bar(eq, static_cast<int64_t>(t));
      if (curve) curve[t] = eq;
    }
  }
  /// Hands the per-bar statistics and the exposure to the accumulator.
  void finish() {
    acc.set_bar_stats(stats, static_cast<int64_t>(next));
    acc.add_exposed_bars(broker.exposed_bars());
  }

  MetricsAccumulator acc;
  pine::BrokerEmulator broker;
  pine::Instance vm;
  BarStats stats;
  int64_t trade_from;
  const int64_t* times;
  size_t n, next = 0;
};

pine::InputValues input_values(const BacktestRequest& req, const ParamMap& params) {
  pine::InputValues v;
  v.numbers = params;
  v.texts = req.text_inputs;
  return v;
}

std::string script_label(const BacktestRequest& req, const ParamMap& params) {
  const std::string title = req.script->settings.title.empty() ? "script" : req.script->settings.title;
  return "script '" + title + "'" + (params.empty() ? std::string() : "(" + format_params(params) + ")");
}

Error script_error(const MarketData& md, const BacktestRequest& req, const ParamMap& params, size_t bar,
                   const std::exception& e) {
  Error err = Error::make(ErrorCode::kRuntime, e.what());
  if (const auto* se = dynamic_cast<const pine::ScriptError*>(&e)) {
    err.line = se->line;
    err.column = se->col;
    err.field = "script";
    err.message = "line " + std::to_string(se->line) + ":" + std::to_string(se->col) + ": " + e.what();
  }
  const size_t shown = std::min(bar, md.bars.size() - 1);
  err.context = script_label(req, params) + " at bar " + std::to_string(bar) + " (" + format_time(md.bars.time[shown]) + ")";
  return err;
}

}  // namespace

Result<ParamMap> resolve_script_params(const BacktestRequest& request, const ParamMap& given) {
  pine::InputValues in;
  in.numbers = given;
  in.texts = request.text_inputs;
  auto r = pine::resolve_inputs(*request.script->program, in);
  if (!r) return r.error();
  ParamMap out;
  for (const auto& spec : request.script->params) out[spec.name] = r->numbers.at(spec.name);
  return out;
}

Result<BacktestResult> run_script_backtest(const MarketData& data, const BacktestRequest& request, RunHooks hooks,
                                           bool record_equity_curve) {
  auto params = resolve_script_params(request, request.params);
  if (!params) return params.error();
  const size_t n = data.bars.size();
  BacktestResult result;
  result.strategy = request.strategy.empty() ? request.script->settings.title : request.strategy;
  result.params = *params;
  result.bars = static_cast<int64_t>(n);
  result.bars_per_year = request.broker.bars_per_year > 0 ? request.broker.bars_per_year : data.bars_per_year;
  result.script_hash = request.script->hash;
  if (record_equity_curve) result.equity_curve.assign(n, 0.0);
  std::unique_ptr<ScriptRun> run;
  size_t failed_bar = 0;
  try {
    run = std::make_unique<ScriptRun>(data, request, input_values(request, *params), true, &result.trades);
    double* curve = record_equity_curve ? result.equity_curve.data() : nullptr;
    for (size_t start = 0; start < n; start += static_cast<size_t>(kProgressBatch)) {
      const size_t end = std::min(n, start + static_cast<size_t>(kProgressBatch));
      try {
        run->advance(end, curve);
      } catch (...) {
        failed_bar = run->next;
        throw;
      }
      if (hooks.progress) hooks.progress->add_bars(static_cast<int64_t>(end - start));
      if (end < n && hooks.cancel && hooks.cancel->cancelled()) return cancelled_at(end, n);
    }
    run->finish();
  } catch (const std::bad_alloc&) {
    return Error::make(ErrorCode::kLimit, script_label(request, *params) + " ran out of memory at bar " + std::to_string(failed_bar));
  } catch (const std::exception& e) {
    return script_error(data, request, *params, failed_bar, e);
  }
  const size_t last = n - 1;
  const pine::BrokerEmulator& broker = run->broker;
  result.final_equity = broker.equity(data.bars.close[last]);
  result.final_cash = broker.cash();
  result.open_position = broker.open_position_at(last);
  result.open_trades = broker.open_trades_at(last);
  result.initial_capital = request.broker.cash;
  result.rejected_orders = broker.rejected_orders();
  result.metrics = run->acc.finish(result.final_equity, data.years, result.bars_per_year);
  const auto& decls = request.script->program->plots;
  const auto& values = run->vm.plot_values();
  for (size_t i = 0; i < decls.size(); ++i) {
    PlotSeries ps;
    ps.title = decls[i].title;
    ps.color = decls[i].color;
    ps.overlay = decls[i].overlay;
    ps.values = values[i];
    result.plots.push_back(std::move(ps));
  }
  return result;
}

std::vector<Result<TrialSummary>> run_script_trials(const MarketData& data, const BacktestRequest& request,
                                                    const std::vector<ParamMap>& params, RunHooks hooks,
                                                    const std::vector<int64_t>& block_bounds) {
  // Advanced together one batch of bars at a time (run_group.h, as for built-in strategies), so
  // the bars and shared series stay in cache; each run fails alone.
  std::vector<Result<TrialSummary>> out(params.size(), Error::make(ErrorCode::kInternal, "not run"));
  std::vector<std::unique_ptr<ScriptRun>> runs(params.size());
  auto fail = [&](size_t i, size_t bar, const std::exception* e) {
    out[i] = e ? script_error(data, request, params[i], bar, *e)
               : Error::make(ErrorCode::kLimit, script_label(request, params[i]) + " ran out of memory at bar " + std::to_string(bar));
    runs[i].reset();
  };
  for (size_t i = 0; i < params.size(); ++i) {
    try {
      runs[i] = std::make_unique<ScriptRun>(data, request, input_values(request, params[i]), false, nullptr);
    } catch (const std::bad_alloc&) {
      fail(i, 0, nullptr);
    } catch (const std::exception& e) {
      fail(i, 0, &e);
    }
  }
  const size_t n = data.bars.size();
  const size_t blocks = block_bounds.empty() ? 0 : block_bounds.size() - 1;
  std::vector<std::vector<double>> cum(params.size(), std::vector<double>(2 * blocks));
  if (!advance_together(
          runs, n, hooks, out, [](ScriptRun& r, size_t end) { r.advance(end, nullptr); },
          [](const ScriptRun& r) { return r.next; },
          fail, block_bounds, [&](size_t i, const ScriptRun& r, size_t k) { snapshot_block(cum[i], k, r.stats); })) {
    return out;
  }
  const double bars_per_year = request.broker.bars_per_year > 0 ? request.broker.bars_per_year : data.bars_per_year;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i]) continue;
    ScriptRun& r = *runs[i];
    r.finish();
    TrialSummary summary;
    summary.final_equity = r.broker.equity(data.bars.close.back());
    summary.rejected_orders = r.broker.rejected_orders();
    summary.metrics = r.acc.finish(summary.final_equity, data.years, bars_per_year);
    if (blocks > 0) summary.block_sums = block_sums_from(cum[i]);
    out[i] = summary;
  }
  return out;
}

}  // namespace atf
