// How a run reports progress and learns it was cancelled. The runner calls these once per batch
// of bars (never per bar), so an implementation may be as expensive as a JS call.
#pragma once
#include <atomic>
#include <cstdint>

namespace atf {

/// Bars processed between two progress reports and cancel checks.
inline constexpr int64_t kProgressBatch = 1024;

/// Cooperative cancel flag. Subclasses may read it from elsewhere (e.g. shared memory).
class CancelToken {
 public:
  virtual ~CancelToken() = default;
  void cancel() { flag_.store(true, std::memory_order_relaxed); }
  virtual bool cancelled() const { return flag_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

/// Receives counts as a run advances. Called from worker threads: must be thread-safe.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  /// `n` more bars were processed (by any trial of the run).
  virtual void add_bars(int64_t n) = 0;
  /// One optimization trial finished; `ok` is false for a failed trial.
  virtual void add_trial(bool /*ok*/) {}
};

/// A ProgressSink that only counts, readable from any thread.
class AtomicProgress final : public ProgressSink {
 public:
  void add_bars(int64_t n) override { bars.fetch_add(n, std::memory_order_relaxed); }
  void add_trial(bool ok) override { (ok ? completed : failed).fetch_add(1, std::memory_order_relaxed); }
  std::atomic<int64_t> bars{0}, completed{0}, failed{0};
};

/// What a run is given to talk to the outside; both may be null.
struct RunHooks {
  ProgressSink* progress = nullptr;
  const CancelToken* cancel = nullptr;
};

}  // namespace atf
