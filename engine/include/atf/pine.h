// Pine Script strategies and indicators: compile once, run like a built-in strategy.
//
//   auto script = compile_pine(source);          // Result<std::shared_ptr<const PineScript>>
//   BacktestRequest req;  req.script = *script;  req.params = {{"fastLength", 12}};
//   auto result = run_backtest(*data, req);      // trades, metrics, plots
//
// A script's numeric inputs (input.int / float / bool) are its parameters: ParamSpecs named by
// the variable the input is assigned to, so forms, grid axes and the optimizer treat scripts and
// built-in strategies alike. Text inputs (string, source, session, timeframe) travel in
// BacktestRequest::text_inputs.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "atf/broker.h"
#include "atf/error.h"
#include "atf/params.h"

namespace atf {

namespace pine {
struct Program;
}

/// One declared input, as editors and the CLI show it.
struct ScriptInput {
  std::string name;   ///< the variable it is assigned to (the key for overrides and axes)
  std::string title;  ///< its label
  std::string kind;   ///< int, float, bool, string, source, session, timeframe, time, price, color
  double default_value = 0;   ///< numeric kinds (bool: 0/1)
  std::string default_text;   ///< text kinds
  double min = 0, max = 0, step = 0;  ///< NaN where not declared
  std::vector<std::string> options;
  std::string tooltip, group;
  int line = 0;
};

/// The script's `strategy(...)` / `indicator(...)` declaration (NaN / "" where not given).
struct ScriptSettings {
  bool is_strategy = false;
  std::string title;
  bool overlay = false;
  double initial_capital = 0;
  std::string currency;
  std::string default_qty_type;
  double default_qty_value = 0;
  double pyramiding = 0;
  std::string commission_type;
  double commission_value = 0;
  double slippage = 0;
  bool process_orders_on_close = false;
  double margin_long = 0, margin_short = 0;
  double max_bars_back = 0;
};

/// A compiled script, immutable and shared by every run (all trials of a grid).
struct PineScript {
  std::string source;
  std::string hash;  ///< FNV-1a 64 of the source, 16 hex digits: which version produced a report
  std::shared_ptr<const pine::Program> program;
  std::vector<ScriptInput> inputs;
  std::vector<ParamSpec> params;  ///< the numeric inputs as strategy parameters
  ScriptSettings settings;
};

/// Compiles a script. Errors: kValidation with field "script", line and column, e.g.
/// "line 12:9: request.security is not supported yet" (message without the position).
Result<std::shared_ptr<const PineScript>> compile_pine(std::string_view source);

/// What an editor needs on every keystroke: diagnostics (empty when it compiles), inputs, settings.
struct ScriptCheck {
  struct Diagnostic {
    std::string severity;  ///< "error"
    std::string message;
    int64_t line = 0, column = 0;
  };
  std::vector<Diagnostic> diagnostics;
  std::shared_ptr<const PineScript> script;  ///< null when it does not compile
};
ScriptCheck check_pine(std::string_view source);

/// The broker settings of a run of `script`: TradingView's defaults, then the script's
/// `strategy()` settings, then `cfg`'s fields named in `explicit_fields` (options the user gave,
/// e.g. {"cash", "commission_pct"}), which override the script. `mintick` (the data's price
/// step, syminfo.mintick) turns `slippage` ticks into a price. Errors: kValidation naming the
/// setting that this broker cannot honour yet (e.g. pyramiding > 1).
Result<BrokerConfig> script_broker_config(const PineScript& script, const BrokerConfig& cfg,
                                          const std::set<std::string>& explicit_fields, double mintick);

/// One recorded `plot()` series of a run.
struct PlotSeries {
  std::string title;
  std::string color;  ///< "#RRGGBBAA" or ""
  bool overlay = true;
  std::vector<double> values;  ///< one per bar; NaN = na
};

}  // namespace atf
