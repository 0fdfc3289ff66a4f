// Walk-forward optimization: optimize on an in-sample window, trade the best parameters on the
// out-of-sample window after it, move on; the out-of-sample pieces stitched together are the
// honest estimate of what the optimized strategy would have earned (Pardo, "The Evaluation and
// Optimization of Trading Strategies", 2nd ed., 2008, ch. 11).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atf/market_data.h"
#include "atf/optimizer.h"
#include "atf/statistics.h"

namespace atf {

/// A window length: a number of bars or of calendar days, weeks, months or years.
struct WindowLength {
  enum class Unit { kBars, kDays, kWeeks, kMonths, kYears };
  int64_t count = 0;
  Unit unit = Unit::kBars;
};

/// Parses "N", "Nbars", "Nd", "Nw", "Nm" or "Ny" (N ≥ 1). Errors: kValidation on `field`.
Result<WindowLength> parse_window_length(std::string_view text, const std::string& field);
std::string to_string(const WindowLength& w);

struct WalkForwardRequest {
  OptimizationRequest optimization;  ///< strategy or script, axes, objective, search, threads, broker
  WindowLength in_sample, out_of_sample;
  std::optional<WindowLength> step;  ///< how far each window moves (default: the out-of-sample length)
  bool anchored = false;             ///< in-sample windows all start at the first bar (else they roll)
  int64_t max_windows = 1000;
};

/// One window's bars (half-open bar indexes into the whole data) and outcome.
struct WalkForwardWindow {
  int64_t is_start = 0, is_end = 0, oos_start = 0, oos_end = 0;
  bool ok = false;
  std::string error;           ///< why the window has no out-of-sample run (e.g. every trial failed)
  int64_t best_index = -1;     ///< in the window's optimization
  ParamMap params;             ///< the best in-sample parameters, traded out of sample
  Metrics in_sample;           ///< the best trial's metrics on the in-sample bars
  Metrics out_of_sample;       ///< the out-of-sample run's metrics on the out-of-sample bars only
  int64_t trials_completed = 0, trials_failed = 0;
  double efficiency = 0;       ///< OOS CAGR / IS CAGR (NaN when IS CAGR ≤ 0)
};

/// The spread of one parameter's chosen values across windows.
struct ParameterStability {
  std::string name;
  std::vector<double> values;  ///< per successful window, in order
  double mean = 0, stddev = 0, min = 0, max = 0;
  int64_t distinct = 0;
  double mode_share = 0;  ///< share of windows that chose the most common value
};

struct WalkForwardResult {
  std::vector<WalkForwardWindow> windows;
  /// The stitched out-of-sample equity: each window's OOS curve scaled to start where the
  /// previous one ended, from the starting cash. One value per OOS bar, with its time.
  std::vector<double> equity;
  std::vector<int64_t> time;
  std::vector<Trade> trades;   ///< OOS trades, money scaled as the equity
  Metrics out_of_sample;       ///< metrics of the stitched curve and trades
  double mean_in_sample_cagr = 0;
  /// Walk-forward efficiency: stitched OOS CAGR / mean IS CAGR of the windows' best trials
  /// (Pardo 2008: annualized OOS return over annualized IS return); NaN when the latter ≤ 0.
  double efficiency = 0;
  std::vector<ParameterStability> stability;  ///< per axis
  /// Statistics of the stitched out-of-sample curve. PSR: P(true Sharpe > 0) from its per-bar
  /// returns (Bailey & López de Prado 2012); no DSR, since nothing was selected on these bars.
  /// The Monte Carlo resamples the OOS trades (1,000 paths, the search's seed), as for a grid.
  ReturnMoments oos_returns;
  double psr = 0;  ///< NaN when the curve has no variance
  MonteCarloResult monte_carlo;
  bool cancelled = false;
};

/// Window bounds (is_start, is_end, oos_start = is_end, oos_end), bar indexes, for `bars` of
/// data with times `time`; the last out-of-sample window may be shorter (≥ 2 bars). Errors:
/// kValidation naming "in_sample"/"out_of_sample"/"step" when no window fits, kLimit over max_windows.
Result<std::vector<WalkForwardWindow>> walk_forward_windows(const std::vector<int64_t>& time,
                                                            const WalkForwardRequest& request);

/// Two-level progress: windows, and the trials of the window running (through RunHooks).
struct WalkForwardHooks {
  RunHooks run;  ///< progress counts every window's trials; cancel stops the whole walk
  /// Called when window `k` (0-based) of `n` starts (k = n at the end).
  std::function<void(int64_t k, int64_t n)> on_window;
};

/// Runs the walk: per window an optimization over the in-sample bars (any search method), then
/// a backtest of its best parameters over [is_start, oos_end) that places no order before
/// oos_start (indicators warm up on the in-sample bars; a position is closed at the window's
/// end), measured on the OOS bars only. Errors: those of validate_optimization and
/// walk_forward_windows; a window whose trials all fail is reported in it, not as an error.
Result<WalkForwardResult> run_walk_forward(const MarketData& data, const WalkForwardRequest& request,
                                           const WalkForwardHooks& hooks = {});

}  // namespace atf
