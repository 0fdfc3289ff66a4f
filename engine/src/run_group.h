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
#include "atf/metrics.h"
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
/// then kCancelled. `bounds` (empty, or block_bounds(n, S): S + 1 bar indexes) also ends a batch
/// at every block boundary, where `at_bound(run_index, run, k)` is called for each live run once
/// bars [0, bounds[k]) are done (k = 1..S) — how trials snapshot their per-block returns for PBO
/// without a test in the bar loop.
template <class Run, class Advance, class FailedBar, class Fail, class AtBound>
bool advance_together(std::vector<std::unique_ptr<Run>>& runs, size_t n, RunHooks hooks,
                      std::vector<Result<TrialSummary>>& out, Advance advance, FailedBar failed_bar, Fail fail,
                      const std::vector<int64_t>& bounds, AtBound at_bound) {
  size_t next_bound = 1;
  for (size_t start = 0, end = 0; start < n; start = end) {
    end = std::min(n, start + static_cast<size_t>(kProgressBatch));
    while (next_bound < bounds.size() && static_cast<size_t>(bounds[next_bound]) <= start) ++next_bound;
    if (next_bound < bounds.size()) end = std::min(end, static_cast<size_t>(bounds[next_bound]));
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
    if (next_bound < bounds.size() && static_cast<size_t>(bounds[next_bound]) == end) {
      for (size_t i = 0; i < runs.size(); ++i) {
        if (runs[i]) at_bound(i, *runs[i], next_bound);
      }
      ++next_bound;
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

/// Per-block return sums (TrialSummary::block_sums) from the cumulative Σr and Σr² snapshots
/// taken at each bound: snapshot k (k = 1..S) at cum[2(k−1)], cum[2(k−1) + 1].
inline std::vector<double> block_sums_from(const std::vector<double>& cum) {
  std::vector<double> out(cum.size());
  for (size_t k = 0; k + 1 < cum.size(); k += 2) {
    out[k] = cum[k] - (k >= 2 ? cum[k - 2] : 0.0);
    out[k + 1] = cum[k + 1] - (k >= 2 ? cum[k - 1] : 0.0);
  }
  return out;
}

/// Records the cumulative Σr, Σr² of `stats` as snapshot k (1-based) in `cum` (2·S entries).
inline void snapshot_block(std::vector<double>& cum, size_t k, const BarStats& stats) {
  cum[2 * (k - 1)] = stats.sum_r;
  cum[2 * (k - 1) + 1] = stats.sum_r2;
}

}  // namespace atf
