// A one-line progress bar on stderr, redrawn by a background thread while a run is in flight.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace atf::cli {

/// How a run's progress is shown on stderr.
enum class ProgressStyle {
  kNone,   ///< nothing (stderr is no terminal, or --json without --progress-lines)
  kBar,    ///< a redrawn one-line bar for people
  kLines,  ///< `atf-progress DONE FAILED TOTAL\n` every 250 ms and once at the end, for drivers
           ///< such as scripts/atf-dask (DONE counts failed units too)
};

class ProgressBar {
 public:
  /// `read` returns (done, total) and is called every 100 ms; `unit` is "bars" or "trials";
  /// `label`, if given, prefixes the line (e.g. "window 3/10" for a walk-forward); `failed`, if
  /// given, is the number of failed units among `done` (printed by kLines).
  ProgressBar(std::function<std::pair<int64_t, int64_t>()> read, const char* unit, ProgressStyle style,
              std::function<std::string()> label = {}, std::function<int64_t()> failed = {});
  ~ProgressBar();  ///< stops the thread and clears the line

 private:
  void draw();
  void draw_line();

  std::function<std::pair<int64_t, int64_t>()> read_;
  const char* unit_;
  std::function<std::string()> label_;
  std::function<int64_t()> failed_;
  ProgressStyle style_;
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

}  // namespace atf::cli
