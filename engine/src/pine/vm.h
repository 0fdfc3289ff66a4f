// One run of a compiled script: registers, history buffers, call-site states, the heap. The
// register machine executes the whole program once per bar (TradingView's execution model on
// historical bars); nothing is allocated per bar except what the script itself creates (strings,
// arrays).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "atf/error.h"
#include "atf/market_data.h"
#include "program.h"

namespace atf::pine {

/// A run-time error with the place in the script where it happened (what() is the bare message).
struct ScriptError : std::runtime_error {
  ScriptError(const std::string& message, int l, int c) : std::runtime_error(message), line(l), col(c) {}
  int line = 0, col = 0;
};

/// Input values of one run: numbers by input name (ints, floats, bools as 0/1, colors) and texts
/// for string-like inputs (string, source, session, timeframe, symbol). Missing ones take the
/// script's defaults; values are checked by resolve_inputs() before a run.
struct InputValues {
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> texts;
};

/// Facts about the data that built-in variables need (derived once per dataset).
struct ChartInfo {
  std::string ticker = "DATA";
  int64_t bar_ms = 86'400'000;     ///< typical bar spacing
  std::string period = "D";        ///< timeframe.period
  int multiplier = 1;
  char unit = 'D';                 ///< 'S', 'm' (minutes), 'D', 'W', 'M'
  double mintick = 0.01;
  double pointvalue = 1;
};

/// The chart facts of a dataset: timeframe from the median bar spacing, mintick from the prices'
/// decimals.
ChartInfo chart_info_of(const MarketData& md, const std::string& ticker);

class Instance {
 public:
  /// Prepares a run: presets registers and inputs, creates call states, fetches shared series
  /// from md.cache (computing them once). `orders` may be null (indicators).
  Instance(std::shared_ptr<const Program> program, const MarketData& md, const ChartInfo& chart,
           const InputValues& inputs, OrderSink* orders, bool record_plots);

  /// Runs the script on bar t (bars must be run in order from 0). Returns false when the bar
  /// failed; rethrow() then raises its error (ScriptError with line and column, or
  /// std::bad_alloc). It does not throw itself: callers run it inside their own error boundary,
  /// and under Emscripten's JS exceptions a call that may throw inside a try block costs a trip
  /// through JS on every bar.
  bool run_bar(size_t t) noexcept;
  [[noreturn]] void rethrow() const;

  /// Recorded plot values (one vector per plot, one value per bar run), when recording.
  const std::vector<std::vector<double>>& plot_values() const { return plots_; }
  void set_trading(bool on) { ctx_.trading = on; }
  Heap& heap() { return heap_; }

 private:
  [[noreturn]] void raise(size_t pc, const std::string& message) const;
  Value builtin_var(BuiltinVar v, size_t t) const noexcept;
  Value strategy_var(StrategyVar which) const;
  void advance_scope(int32_t scope) noexcept;
  void maybe_collect();

  std::shared_ptr<const Program> prog_;
  std::optional<ScriptError> error_;  ///< why the last run_bar failed
  bool out_of_memory_ = false;
  const Instr* code_ = nullptr;      ///< the program's code, or its trial code (no plots)
  const SourcePos* pos_ = nullptr;
  const MarketData& md_;
  ChartInfo chart_;
  std::vector<Value> regs_;
  // History: one flat buffer, per slot an offset, a capacity, a head and a count.
  std::vector<Value> hist_buf_;
  struct HistState {
    size_t offset = 0;
    int32_t capacity = 1, head = -1;
    int64_t count = 0;
  };
  std::vector<HistState> hist_;
  std::vector<std::unique_ptr<CallState>> states_;
  std::vector<std::shared_ptr<const std::vector<double>>> shared_;
  std::vector<const double*> shared_data_;
  std::vector<std::vector<double>> plots_;
  bool record_plots_ = false;
  Heap heap_;
  uint64_t rng_ = 0x9E3779B97F4A7C15ull;
  CallContext ctx_;
  Value ticker_handle_ = kNa, period_handle_ = kNa, tz_handle_ = kNa;
  std::vector<int32_t> string_hist_, array_hist_;  ///< history slots holding heap handles
};

/// Checks `given` against the program's inputs (known names — by variable name or title —,
/// integer where declared, within [minval, maxval], one of the options) and returns the values
/// by variable name. Errors: kValidation naming the input as the field ("inputs.fastLength").
Result<InputValues> resolve_inputs(const Program& program, const InputValues& given);

}  // namespace atf::pine
