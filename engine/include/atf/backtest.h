// One backtest: a strategy with parameters over prepared market data, through the broker.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "atf/broker.h"
#include "atf/error.h"
#include "atf/market_data.h"
#include "atf/metrics.h"
#include "atf/params.h"
#include "atf/pine.h"
#include "atf/progress.h"
#include "atf/tv_report.h"

namespace atf {

struct BacktestRequest {
  std::string strategy;
  ParamMap params;  ///< missing ones take their defaults
  BrokerConfig broker;
  /// A Pine script to run instead of a built-in strategy (`strategy` is then only a label);
  /// `params` are its numeric inputs by variable name. Its broker settings must already be
  /// merged into `broker` (script_broker_config).
  std::shared_ptr<const PineScript> script;
  std::map<std::string, std::string> text_inputs;  ///< script inputs that take text (string, source...)
  std::optional<int64_t> trade_from_ms;  ///< no order before this UTC ms (earlier bars warm up); built-in strategies and scripts
  double mintick = 0;  ///< scripts: syminfo.mintick (price step); 0 = from the data's price decimals
  /// Broker fields the user set (flags given, keys of a request's "broker" object): they
  /// override a script's strategy() settings when prepare_script_request merges them.
  std::set<std::string> broker_given;
  bool script_prepared = false;  ///< prepare_script_request ran
  /// Built-in strategies: also return the indicators they trade on as `plots` (off by default:
  /// on a multi-million-bar dataset they are large, and stored reports would carry them).
  bool indicator_plots = false;
};

/// For a script request: merges the script's strategy() settings under the broker fields the
/// user gave (script_broker_config, with the data's mintick) — once; no-op otherwise.
/// Errors: kValidation naming the setting this broker cannot honour yet.
Status prepare_script_request(BacktestRequest& request, const MarketData& data);

struct BacktestResult {
  std::string strategy;
  ParamMap params;  ///< resolved, defaults filled in
  Metrics metrics;
  double final_equity = 0, final_cash = 0;
  std::optional<OpenPosition> open_position;  ///< the net position left open (all its entries together)
  std::vector<Trade> trades;
  /// Entries still open at the end, one per entry (a script's pyramided entries are several),
  /// exit fields at the last close and pnl unrealized: TradingView lists them as "Open".
  std::vector<Trade> open_trades;
  double initial_capital = 0;  ///< starting equity (BrokerConfig::cash)
  std::vector<double> equity_curve;  ///< equity at each bar's close (empty when not recorded)
  int64_t bars = 0;
  int64_t rejected_orders = 0;  ///< entries refused for lack of cash or margin
  double bars_per_year = 0;
  std::vector<PlotSeries> plots;  ///< scripts: every plot() series
  std::string script_hash;        ///< scripts: PineScript::hash
  int64_t warmup_bars = 0;  ///< bars the strategy needs before its first possible signal
  /// TradingView's Performance Summary (All / Long / Short), filled by run_backtest
  /// (performance_summary in tv_report.h).
  PerformanceSummary performance;
};

/// Checks the request against the catalog and the broker rules, without running anything.
Status validate_request(const BacktestRequest& request);

/// Runs to the end. Errors: kValidation (bad request), kCancelled (the hooks' token fired; the
/// message says at which bar), kRuntime (the strategy failed; message names strategy, params, bar).
Result<BacktestResult> run_backtest(const MarketData& data, const BacktestRequest& request, RunHooks hooks = {},
                                    bool record_equity_curve = true);

/// What an optimization trial keeps: no per-bar or per-trade storage.
struct TrialSummary {
  Metrics metrics;
  double final_equity = 0;
  int64_t rejected_orders = 0;  ///< entries refused for lack of cash or margin
  int64_t warmup_bars = 0;      ///< bars the strategy needs before its first possible signal
  /// Per-block Σr, Σr² of per-bar returns over the blocks asked for (BlockReturns layout in
  /// statistics.h); empty unless the caller passed block bounds.
  std::vector<double> block_sums;
};

/// The same run without recording trades or the equity curve (identical metrics), for grids.
/// `params` must already be resolved.
Result<TrialSummary> run_trial(const MarketData& data, const std::string& strategy, const ParamMap& params,
                               const BrokerConfig& broker, RunHooks hooks);

/// Several runs of one strategy (resolved `params` each) advanced together, one batch of bars at
/// a time, so the bars and shared series they read stay in cache. Each result equals run_trial's
/// for the same parameters; a failing run fails alone. Progress counts every run's bars.
/// `block_bounds` (block_bounds() of statistics.h, or empty) fills each summary's block_sums.
std::vector<Result<TrialSummary>> run_trials(const MarketData& data, const std::string& strategy,
                                             const std::vector<ParamMap>& params, const BrokerConfig& broker,
                                             RunHooks hooks, const std::vector<int64_t>& block_bounds = {});

}  // namespace atf
