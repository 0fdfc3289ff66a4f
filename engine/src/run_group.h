// Several runs over the same bars advanced together, one batch of bars at a time, so the bars
// and the shared series they read stay in cache (optimization trials of built-in strategies and
// of Pine scripts alike). Internal to the engine.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "atf/backtest.h"
#include "atf/error.h"
#include "atf/progress.h"

namespace atf {

/// The error of a run stopped by the cancel token after `end` of `n` bars.
inline Error cancelled_at(size_t end, size_t n) {
  return Error::make(ErrorCode::kCancelled, "cancelled after " + std::to_string(end) + " of " + std::to_string(n) + " bars");
}

/// Advances runs[i] (null: failed already) over bars [0, n) in batches of kProgressBatch.
/// `advance(run, end)` runs one to `end` and may throw; `failed_bar(run)` says where it stopped;
/// `fail(i, bar, e)` records run i's error (e null: out of memory), after which the run is
/// dropped — one run fails alone. Progress counts the live runs' bars after each batch. Returns
/// false when the cancel token fired between batches; the unfinished runs' results in `out` are
/// then kCancelled.
template <class Run, class Advance, class FailedBar, class Fail>
bool advance_together(std::vector<std::unique_ptr<Run>>& runs, size_t n, RunHooks hooks,
                      std::vector<Result<TrialSummary>>& out, Advance advance, FailedBar failed_bar, Fail fail) {
  for (size_t start = 0; start < n; start += static_cast<size_t>(kProgressBatch)) {
    const size_t end = std::min(n, start + static_cast<size_t>(kProgressBatch));
    int64_t alive = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      if (!runs[i]) continue;
      try {
        advance(*runs[i], end);
        ++alive;
      } catch (const std::bad_alloc&) {
        fail(i, failed_bar(*runs[i]), nullptr);
        runs[i].reset();
      } catch (const std::exception& e) {
        fail(i, failed_bar(*runs[i]), &e);
        runs[i].reset();
      }
    }
    if (hooks.progress && alive > 0) hooks.progress->add_bars(alive * static_cast<int64_t>(end - start));
    if (end < n && hooks.cancel && hooks.cancel->cancelled()) {
      for (size_t i = 0; i < runs.size(); ++i) {
        if (runs[i]) out[i] = cancelled_at(end, n);
      }
      return false;
    }
  }
  return true;
}

}  // namespace atf
