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
  bool failed() const { return failed_; }
  /// kInternal "<name> threw: <error>", with the JS stack in Error::field (fail() shows it as `stack`).
  Error error() const;

 private:
  emscripten::val fn_;
  const char* name_;
  bool failed_ = false;
  std::string message_, stack_;
};

/// RunHooks for one call: the engine reports every kProgressBatch (1,024) bars; this forwards the
/// call's running total of bars to the JS callback on the first batch, then at most every
/// kMinIntervalMs of wall time; flush() (after each backtest or group of trials) reports the total
/// if it has not been. A truthy answer requests a cancel; cancelled() returns the last answer
/// (sticky), which the engine reads after each batch but a run's last. Reading the clock costs one
/// JS call per 1,024 bars.
class JsHooks final : public ProgressSink, public CancelToken {
 public:
  static constexpr double kMinIntervalMs = 10.0;

  explicit JsHooks(emscripten::val callback) : callback_(std::move(callback), "onProgress") {}

  RunHooks hooks() { return RunHooks{this, this}; }
  void add_bars(int64_t n) override;
  void flush();
  bool cancelled() const override { return stop_; }
  /// The callback, to check whether it threw (the run was then stopped as if cancelled).
  const Callback& callback() const { return callback_; }

 private:
  void report();

  Callback callback_;
  int64_t total_ = 0, reported_ = 0;
  double last_call_ms_ = -1e300;  // the first batch always reports
  bool stop_ = false;
};

}  // namespace atf::wasm
