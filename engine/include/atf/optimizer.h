// Parameter-grid optimization: every combination of the axes is one trial; trials run on a
// thread pool that claims them with an atomic next-index, each inside its own error boundary.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atf/backtest.h"
#include "atf/search.h"

namespace atf {

inline constexpr int64_t kDefaultMaxCombinations = 1'000'000;
/// Hard ceiling on one axis's values whatever the limit asked for (80 MB of doubles): an axis is
/// expanded before the grid is checked, so a raised limit must not mean an unbounded allocation.
inline constexpr int64_t kMaxAxisValues = 10'000'000;

struct Axis {
  std::string name;
  std::vector<double> values;
};

/// Parses "name=min:max:step" (inclusive) or "name=v1,v2,...". `max_values` (and kMaxAxisValues)
/// bound the expansion: more values is a kLimit error.
Result<Axis> parse_axis(std::string_view text, int64_t max_values = kDefaultMaxCombinations);
/// Builds an axis from min/max/step (inclusive). Values are rounded to 1e-9 so 0.1 steps stay clean.
Result<Axis> make_range_axis(const std::string& name, double min, double max, double step,
                             int64_t max_values = kDefaultMaxCombinations);

struct OptimizationRequest {
  BacktestRequest base;  ///< strategy, fixed parameters, broker settings
  std::vector<Axis> axes;
  std::string objective = "sharpe";
  bool maximize = true;
  int threads = 1;
  /// Limit on the trials run: the grid's size for a grid search, the planned evaluations for a
  /// random or genetic one (whose grid may then hold up to 2^53 combinations).
  int64_t max_combinations = kDefaultMaxCombinations;
  SearchSpec search;  ///< which combinations to evaluate (default: the whole grid)
  /// Blocks S of bars over which each trial keeps its return sums, for PBO (statistics.h); 0 =
  /// none. Costs 16·S bytes per trial.
  int statistics_blocks = 0;
  /// Runs only slice `shard_index` (0-based) of `shard_count` of the planned trials: positions
  /// [P·k/N, P·(k+1)/N) of the plan (the grid's indexes, or the random sample, in order), so the
  /// slices are contiguous, balanced to one trial and together exactly the plan. A genetic search
  /// cannot be sliced (each generation depends on the last).
  int64_t shard_index = 0, shard_count = 1;
};

/// The combinations, in mixed radix: the first axis varies slowest.
class Grid {
 public:
  /// Validates axes against the strategy and counts combinations (kLimit over the maximum).
  static Result<Grid> make(const OptimizationRequest& request);
  int64_t size() const { return size_; }
  /// Base parameters (defaults filled) with the axis values of combination `index`.
  ParamMap params_at(int64_t index) const;
  const std::vector<Axis>& axes() const { return axes_; }

 private:
  ParamMap base_;
  std::vector<Axis> axes_;
  int64_t size_ = 0;
};

struct TrialResult {
  int64_t index = 0;  ///< combination index in the grid
  bool ok = false;
  Metrics metrics;
  double final_equity = 0;
  int64_t rejected_orders = 0;    ///< entries refused for lack of cash or margin
  int64_t warmup_bars = 0;        ///< bars the strategy needed before its first possible signal
  std::string error_message;      ///< failed trials only
  std::string error_stack_trace;  ///< where it failed: strategy, parameters, bar
  bool cancelled = false;         ///< cut short by a cancel: neither completed nor failed
  std::vector<double> block_sums; ///< per-block return sums (statistics_blocks > 0; BlockReturns layout)
};

struct OptimizationResult {
  Grid grid;
  std::string objective;
  bool maximize = true;
  /// total: the trials planned (planned_trials of search.h); completed + failed < total after a
  /// cancel, or when a genetic search ends early (grid exhausted): then cancelled says which.
  int64_t total = 0, completed = 0, failed = 0;
  bool cancelled = false;
  SearchSpec search;
  std::vector<int64_t> block_bounds;  ///< the bars of the statistics blocks (block_bounds()), if any
  /// A shard's place: total is then its slice [shard_first, shard_end) of `planned` trials.
  int64_t shard_index = 0, shard_count = 1, planned = 0, shard_first = 0, shard_end = 0;
  /// Finished trials, ranked: successful ones by objective (best first, undefined last, ties by
  /// index), then failed ones by index.
  std::vector<TrialResult> trials;
  /// The best successful trial's combination index, if any succeeded.
  std::optional<int64_t> best_index;
};

/// Checks the whole request (strategy, base parameters, broker, axes, objective, grid size).
Result<Grid> validate_optimization(const OptimizationRequest& request);

/// Runs one combination inside its own error boundary (never throws). Used by the pool and by
/// callers that distribute trials themselves (e.g. browser workers).
TrialResult run_grid_trial(const MarketData& data, const OptimizationRequest& request, const Grid& grid, int64_t index,
                           RunHooks hooks);

/// Runs the given combinations together (see run_trials), each failing alone; combinations that
/// break a rule across parameters (fast ≥ slow) fail without running. Results in `indexes` order.
std::vector<TrialResult> run_grid_trials(const MarketData& data, const OptimizationRequest& request, const Grid& grid,
                                         const std::vector<int64_t>& indexes, RunHooks hooks);

/// How many combinations a worker claims at a time: up to 8 (they advance together over the
/// bars), fewer for small grids so that every thread gets work.
int64_t trial_group_size(int64_t total, int threads);

/// Sorts trials as OptimizationResult::trials describes.
void rank_trials(std::vector<TrialResult>& trials, const std::string& objective, bool maximize);

/// Runs the trials the search chooses (every combination for a grid). A cancel stops all threads
/// within one progress batch and keeps the trials that finished (result.cancelled = true).
Result<OptimizationResult> run_optimization(const MarketData& data, const OptimizationRequest& request,
                                            RunHooks hooks = {});

/// The full report (trades, equity curve) of one combination: deterministic re-run.
Result<BacktestResult> rerun_trial(const MarketData& data, const OptimizationRequest& request, int64_t index);

}  // namespace atf
