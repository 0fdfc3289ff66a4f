// A one-line progress bar on stderr, redrawn by a background thread while a run is in flight.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace atf::cli {

class ProgressBar {
 public:
  /// `read` returns (done, total) and is called every 100 ms; `unit` is "bars" or "trials";
  /// `label`, if given, prefixes the line (e.g. "window 3/10" for a walk-forward).
  ProgressBar(std::function<std::pair<int64_t, int64_t>()> read, const char* unit, bool enabled,
              std::function<std::string()> label = {});
  ~ProgressBar();  ///< stops the thread and clears the line

 private:
  void draw(bool final_draw);

  std::function<std::pair<int64_t, int64_t>()> read_;
  const char* unit_;
  std::function<std::string()> label_;
  bool enabled_;
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

}  // namespace atf::cli
