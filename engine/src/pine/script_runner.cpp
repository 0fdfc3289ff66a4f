#include "script_runner.h"

#include <cmath>
#include <map>
#include <memory>

#include "../bar_loop.h"
#include "../broker_sim.h"
#include "atf/csv_import.h"  // format_time
#include "program.h"
#include "vm.h"

namespace atf {
namespace {

constexpr int kHoldTarget = 2;

/// The broker as a script sees it (part 1: market orders through BrokerSim). strategy.entry and
/// strategy.close set the position the bar loop should move to; fills happen in the bar loop,
/// at the next open (or at this close with process_orders_on_close), exactly as for built-in
/// strategies.
class ScriptOrders final : public pine::OrderSink {
 public:
  ScriptOrders(const MarketData& md, double initial_capital) : md_(md) { readout_.initial_capital = initial_capital; }

  void bind(BrokerSim* broker) { broker_ = broker; }
  void set_vm(pine::Instance* vm) { vm_ = vm; }

  /// Called before the script runs on bar t: notices fills since the last bar.
  void begin_bar(size_t t) {
    t_ = t;
    const int sign = broker_ ? broker_->position_sign() : 0;
    if (sign != last_sign_) {
      entry_name_ = sign == 0 ? std::string() : pending_name_;
      last_sign_ = sign;
    }
    target_ = kHoldTarget;
    qty_ = 0;
    readout_dirty_ = true;
  }

  /// The position the bar loop should move to (Signal), after the script ran.
  Signal end_bar() {
    if (target_ == kHoldTarget) return Signal::kHold;
    if (broker_ && qty_ > 0 && target_ != 0) broker_->set_next_quantity(qty_);
    return target_ > 0 ? Signal::kLong : target_ < 0 ? Signal::kShort : Signal::kFlat;
  }

  void submit(const pine::OrderRequest& o) override {
    using K = pine::OrderRequest::Kind;
    switch (o.kind) {
      case K::kEntry: {
        if (!std::isnan(o.limit) || !std::isnan(o.stop)) {
          throw pine::RuntimeError("strategy.entry: limit and stop prices are not supported yet (market orders only)");
        }
        if (!std::isnan(o.qty) && !(o.qty > 0)) throw pine::RuntimeError("strategy.entry: qty must be positive");
        const int pos = effective_position();
        if (pos == o.direction) return;  // pyramiding = 1: already in that direction
        target_ = o.direction;
        pending_name_ = std::string(o.id);
        qty_ = std::isnan(o.qty) ? 0 : o.qty;
        break;
      }
      case K::kClose:
        if (!std::isnan(o.qty) || !std::isnan(o.qty_percent)) {
          throw pine::RuntimeError("strategy.close: partial exits (qty, qty_percent) are not supported yet");
        }
        if (o.immediately) throw pine::RuntimeError("strategy.close: immediately = true is not supported yet");
        if (last_sign_ != 0 && entry_name_ == o.id) target_ = 0;
        else if (target_ != kHoldTarget && target_ != 0 && pending_name_ == o.id) target_ = kHoldTarget;
        break;
      case K::kCloseAll:
        if (o.immediately) throw pine::RuntimeError("strategy.close_all: immediately = true is not supported yet");
        if (last_sign_ != 0) target_ = 0;
        else target_ = kHoldTarget;
        break;
      case K::kCancel:
        if (target_ != kHoldTarget && target_ != 0 && pending_name_ == o.id) target_ = kHoldTarget;
        break;
      case K::kCancelAll:
        if (target_ != 0) target_ = kHoldTarget;
        break;
      case K::kOrder:
      case K::kExit:
        throw pine::RuntimeError("this order type is not supported yet");
    }
  }

  const pine::StrategyReadout& readout() const override {
    if (readout_dirty_) refresh();
    return readout_;
  }

 private:
  int effective_position() const { return target_ != kHoldTarget ? target_ : last_sign_; }

  void refresh() const {
    readout_dirty_ = false;
    if (!broker_) return;
    const double close = md_.bars.close[t_];
    const double q = broker_->quantity();
    readout_.position_size = q;
    readout_.equity = broker_->equity(close);
    if (q != 0) {
      readout_.position_avg_price = broker_->entry_price();
      const auto p = broker_->open_position_at(t_);
      readout_.openprofit = p.unrealized_pnl;
      readout_.opentrades = 1;
      auto it = name_handles_.find(entry_name_);
      if (it == name_handles_.end()) it = name_handles_.emplace(entry_name_, vm_->heap().intern(entry_name_)).first;
      readout_.position_entry_name = it->second;
    } else {
      readout_.position_avg_price = pine::kNa;
      readout_.openprofit = 0;
      readout_.opentrades = 0;
      readout_.position_entry_name = pine::kNa;
    }
    readout_.netprofit = readout_.equity - readout_.openprofit - readout_.initial_capital;
    const auto& c = broker_->closed();
    readout_.closedtrades = static_cast<double>(c.trades);
    readout_.wintrades = static_cast<double>(c.wins);
    readout_.losstrades = static_cast<double>(c.losses);
    readout_.eventrades = static_cast<double>(c.trades - c.wins - c.losses);
    readout_.grossprofit = c.gross_profit;
    readout_.grossloss = c.gross_loss;
  }

  const MarketData& md_;
  BrokerSim* broker_ = nullptr;
  pine::Instance* vm_ = nullptr;
  size_t t_ = 0;
  int last_sign_ = 0, target_ = kHoldTarget;
  double qty_ = 0;
  std::string entry_name_, pending_name_;
  mutable pine::StrategyReadout readout_;
  mutable bool readout_dirty_ = true;
  mutable std::map<std::string, double> name_handles_;
};

pine::ChartInfo chart_of(const MarketData& md, const BacktestRequest& req) {
  pine::ChartInfo c = pine::chart_info_of(md, md.bars.symbol);
  if (req.mintick > 0) c.mintick = req.mintick;
  return c;
}

/// What one run of a script owns; the bar loop's strategy object points at it.
struct ScriptRun {
  ScriptRun(const MarketData& md, const BacktestRequest& req, const pine::InputValues& inputs, bool record_plots)
      : orders(md, req.broker.cash),
        vm(req.script->program, md, chart_of(md, req), inputs,
           req.script->settings.is_strategy ? &orders : nullptr, record_plots),
        trade_from(req.trade_from_ms.value_or(INT64_MIN)),
        times(md.bars.time.data()) {
    orders.set_vm(&vm);
  }
  ScriptOrders orders;
  pine::Instance vm;
  int64_t trade_from;
  const int64_t* times;
};

/// The bar loop's strategy for a script: trivially copyable (a pointer), as the loop wants.
struct PineSignal {
  ScriptRun* run = nullptr;
  size_t warmup() const { return 0; }
  Signal signal(size_t t, int /*position*/) {
    run->orders.begin_bar(t);
    run->vm.set_trading(run->times[t] >= run->trade_from);
    if (!run->vm.run_bar(t)) run->vm.rethrow();
    return run->orders.end_bar();
  }
};

void bind_broker(PineSignal& s, BrokerSim& broker) { s.run->orders.bind(&broker); }

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
  MetricsAccumulator acc(request.broker.cash);
  BrokerSim broker(request.broker, data.bars, acc, &result.trades);
  std::unique_ptr<ScriptRun> run;
  size_t failed_bar = 0;
  try {
    run = std::make_unique<ScriptRun>(data, request, input_values(request, *params), true);
    PineSignal sig{run.get()};
    bind_broker(sig, broker);
    auto drive = [&](auto& loop) -> Status { return drive_loop(loop, n, hooks, failed_bar); };
    Status st = Ok{};
    if (record_equity_curve) {
      BarLoop<true, PineSignal> loop(sig, data, request.broker, broker, acc, result.equity_curve.data());
      st = drive(loop);
    } else {
      BarLoop<false, PineSignal> loop(sig, data, request.broker, broker, acc, nullptr);
      st = drive(loop);
    }
    if (!st) return st.error();
  } catch (const std::bad_alloc&) {
    return Error::make(ErrorCode::kLimit, script_label(request, *params) + " ran out of memory at bar " + std::to_string(failed_bar));
  } catch (const std::exception& e) {
    return script_error(data, request, *params, failed_bar, e);
  }
  const size_t last = n - 1;
  if (broker.quantity() != 0) acc.add_exposed_bars(static_cast<int64_t>(n - broker.entry_index()));
  result.final_equity = broker.equity(data.bars.close[last]);
  result.final_cash = broker.cash();
  if (broker.quantity() != 0) result.open_position = broker.open_position_at(last);
  result.rejected_orders = broker.rejected_orders();
  result.metrics = acc.finish(result.final_equity, data.years, result.bars_per_year);
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
                                                    const std::vector<ParamMap>& params, RunHooks hooks) {
  std::vector<Result<TrialSummary>> out(params.size(), Error::make(ErrorCode::kInternal, "not run"));
  std::vector<std::unique_ptr<ScriptRun>> runs(params.size());
  run_trial_group<PineSignal>(
      data, request.broker, hooks, out,
      [&](size_t i) {
        runs[i] = std::make_unique<ScriptRun>(data, request, input_values(request, params[i]), false);
        return PineSignal{runs[i].get()};
      },
      [&](size_t i, size_t bar, const std::exception* e) {
        if (!e) {
          return Error::make(ErrorCode::kLimit, script_label(request, params[i]) + " ran out of memory at bar " + std::to_string(bar));
        }
        return script_error(data, request, params[i], bar, *e);
      });
  return out;
}

}  // namespace atf
