// Runs a compiled Pine script bar by bar: TradingView's broker emulator (broker_emulator.h) fills
// its strategy.* orders along each bar, the VM runs the script at the close.
#pragma once
#include <vector>

#include "atf/backtest.h"

namespace atf {

/// One backtest of request.script (resolved inputs in request.params / text_inputs). Errors:
/// kValidation (inputs), kCancelled, kRuntime with line and column of the failing statement and
/// the bar in `context`.
Result<BacktestResult> run_script_backtest(const MarketData& data, const BacktestRequest& request, RunHooks hooks,
                                           bool record_equity_curve);

/// Several runs of request.script, one per input set in `params` (already resolved), advanced
/// together like run_trials (block_bounds too). Each fails alone.
std::vector<Result<TrialSummary>> run_script_trials(const MarketData& data, const BacktestRequest& request,
                                                    const std::vector<ParamMap>& params, RunHooks hooks,
                                                    const std::vector<int64_t>& block_bounds = {});

/// The script's declared numeric inputs with `given` applied and checked (names, types, bounds,
/// options; text inputs from request.text_inputs). Errors: kValidation with field "inputs.<name>".
Result<ParamMap> resolve_script_params(const BacktestRequest& request, const ParamMap& given);

}  // namespace atf
