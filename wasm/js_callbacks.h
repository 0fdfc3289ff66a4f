// JS callbacks seen from C++: each call runs inside a JS try/catch, so a throwing callback is
// recorded rather than unwound through C++ frames (which would skip destructors and leak), and
// RunHooks that forward progress to JS and take its cancel answers back.
#pragma once
#include <emscripten/val.h>

#include <cstdint>
#include <string>

#include "atf/error.h"
#include "atf/progress.h"

namespace atf::wasm {

/// A JS callback of one entry point. A throw is recorded, not propagated: the caller checks
/// failed() after each call and ends the entry point with error().
class Callback {
 public:
  Callback(emscripten::val fn, const char* name) : fn_(std::move(fn)), name_(name) {}
  bool present() const { return !fn_.isUndefined() && !fn_.isNull(); }
  /// The callback's answer, or undefined once it has thrown (it is not called again).
  emscripten::val operator()(const emscripten::val& arg);
  /// The same with two arguments.
  emscripten::val operator()(const emscripten::val& a, const emscripten::val& b);
  bool failed() const { return failed_; }
  /// kInternal "<name> threw: <error>", with the JS stack in Error::field (fail() shows it as `stack`).
  Error error() const;

 private:
  /// The guarded call's [ok, result] or [false, message, stack], recorded as failed.
  emscripten::val answer(const emscripten::val& r);

  emscripten::val fn_;
  const char* name_;
  bool failed_ = false;
  std::string message_, stack_;
};

/// RunHooks for one call: the engine reports every kProgressBatch (1,024) bars; this forwards the
/// call's running total of bars, and of optimization trials finished (completed or failed; 0 for a
/// backtest) as a second argument, to the JS callback on the first batch, then at most every
/// kMinIntervalMs of wall time; flush() (after each backtest or group of trials) reports the
/// totals if they have not been. A truthy answer requests a cancel; cancelled() returns the last answer
/// (sticky), which the engine reads after each batch but a run's last. Reading the clock costs one
/// JS call per 1,024 bars.
class JsHooks final : public ProgressSink, public CancelToken {
 public:
  static constexpr double kMinIntervalMs = 10.0;

  explicit JsHooks(emscripten::val callback) : callback_(std::move(callback), "onProgress") {}

  RunHooks hooks() { return RunHooks{this, this}; }
  void add_bars(int64_t n) override;
  /// Counts a finished trial (reported with the next progress call; no JS call of its own).
  void add_trial(bool ok) override;
  void flush();
  /// Trials finished so far in this call.
  int64_t trials() const { return trials_; }
  bool cancelled() const override { return stop_; }
  /// The callback, to check whether it threw (the run was then stopped as if cancelled).
  const Callback& callback() const { return callback_; }

 private:
  void report();

  Callback callback_;
  int64_t total_ = 0, reported_ = 0, trials_ = 0, reported_trials_ = 0;
  double last_call_ms_ = -1e300;  // the first batch always reports
  bool stop_ = false;
};

}  // namespace atf::wasm
