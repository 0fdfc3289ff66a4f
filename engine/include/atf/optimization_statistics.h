// The overfitting statistics of one optimization (statistics.h's formulas applied to its trials):
// what the CLI prints after a grid and the app's Robustness tab shows.
#pragma once
#include <cstdint>

#include "atf/market_data.h"
#include "atf/optimizer.h"
#include "atf/statistics.h"

namespace atf {

/// Running moments of the trials' Sharpe ratios in per-bar units (SR_ann / sqrt(bars_per_year)):
/// Welford's one-pass update, and Chan, Golub & LeVeque's (1979) pairwise combination so that the
/// shards of a grid (each keeping only its best trials, `atf optimize --keep-top`) still give the
/// variance over every trial that DSR needs.
struct SharpeMoments {
  int64_t n = 0;      ///< successful trials with a finite Sharpe ratio
  double mean = 0;    ///< mean per-bar Sharpe ratio
  double m2 = 0;      ///< Σ (sr − mean)²
  void add(double sr);
  void merge(const SharpeMoments& o);
  double variance() const { return n > 1 ? m2 / static_cast<double>(n - 1) : 0.0; }  ///< sample variance
};

/// The moments over `result`'s successful trials (per-bar Sharpe: metrics.sharpe / sqrt(bars_per_year)).
SharpeMoments sharpe_moments(const OptimizationResult& result, double bars_per_year);

/// The annualisation statistics use: the broker's bars_per_year if set, else the data's.
double statistics_bars_per_year(const MarketData& data, const OptimizationRequest& request);

struct OptimizationStatistics {
  int64_t trials = 0;        ///< N: successful trials with a defined Sharpe ratio
  int64_t observations = 0;  ///< T: per-bar returns of the selected (best) trial
  double bars_per_year = 0;  ///< annualisation used for the Sharpe figures below
  int64_t best_index = -1;   ///< the selected trial (best by the objective)
  double best_sharpe = 0;    ///< its Sharpe ratio, annualised
  double sharpe_variance = 0;      ///< V[SR_n] across the N trials, annualised (SR²)
  double expected_max_sharpe = 0;  ///< SR₀: the best Sharpe N zero-skill trials would show, annualised
  ReturnMoments returns;           ///< moments of the selected trial's per-bar returns
  double psr = 0;  ///< P(true Sharpe > 0) for the selected trial
  double dsr = 0;  ///< the same after deflating for N trials (benchmark SR₀)
  PboResult pbo;                 ///< needs statistics_blocks > 0 in the request
  MonteCarloResult monte_carlo;  ///< the selected trial's trades resampled
  StabilityResult stability;     ///< the objective around the selected cell (evaluated neighbours)
};

/// Computes the statistics of `result` (a run of `request` over `data`): re-runs the selected
/// trial for its per-bar returns and trades (deterministic), then PSR/DSR (Sharpe ratios per bar
/// inside, annualised in the fields), PBO from the trials' block sums, a Monte Carlo of
/// `mc_paths` paths (seed `seed`) over the selected trial's trades as returns on the equity
/// before each (r_i = pnl_i / (initial + Σ_{j<i} pnl_j)), and neighbourhood stability of the
/// objective. `all_trials`, when given, are the moments of every trial's Sharpe ratio for N and
/// V[SR_n] (result.trials then holds only the best ones: merged `--keep-top` shards). Errors:
/// kValidation when no trial succeeded; a part that cannot be computed says why in its own `reason`.
Result<OptimizationStatistics> optimization_statistics(const MarketData& data, const OptimizationRequest& request,
                                                       const OptimizationResult& result, int mc_paths = 1000,
                                                       uint64_t seed = 1, const SharpeMoments* all_trials = nullptr);

}  // namespace atf
