// Overfitting statistics of an optimization: the Probabilistic and Deflated Sharpe Ratios, the
// Probability of Backtest Overfitting (CSCV), Monte Carlo resampling of trades and the stability
// of the best cell's neighbourhood. Each formula is written once, in statistics.cpp, with its
// source. Everything here is pure and deterministic (seeded, no std:: distributions), so native
// and Wasm results are identical.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace atf {

/// Standard normal CDF Φ(x).
double normal_cdf(double x);
/// Standard normal quantile Φ⁻¹(p), p in (0, 1) (±∞ at 0 and 1, NaN outside). Acklam's rational
/// approximation refined by one Halley step on erfc: relative error below 1e-15.
double normal_quantile(double p);

/// Sample moments of a return series, as the Sharpe-ratio papers use them.
struct ReturnMoments {
  int64_t n = 0;
  double mean = 0;
  double stddev = 0;    ///< sample standard deviation (n − 1)
  double skewness = 0;  ///< γ3 = m3 / m2^1.5 (population central moments); 0 for a normal
  double kurtosis = 3;  ///< γ4 = m4 / m2² (not excess: 3 for a normal)
  double sharpe = 0;    ///< mean / stddev, per observation (not annualised); NaN when stddev = 0
};
/// Moments of `returns` (per-bar simple returns). Fewer than 2 values or no variance: sharpe NaN.
ReturnMoments return_moments(const std::vector<double>& returns);

/// Probabilistic Sharpe Ratio: the probability that the true Sharpe ratio exceeds `benchmark`,
/// given an observed per-observation `sharpe` over `n` observations with the given skewness and
/// (non-excess) kurtosis. Bailey & López de Prado (2012), "The Sharpe Ratio Efficient Frontier",
/// Journal of Risk 15(2), eq. (9):  Φ[(SR − SR*)·√(n − 1) / √(1 − γ3·SR + (γ4 − 1)/4·SR²)].
/// NaN when n < 2 or an input is NaN.
double probabilistic_sharpe_ratio(double sharpe, double benchmark, double n, double skewness, double kurtosis);

/// The expected maximum Sharpe ratio of `trials` independent trials whose Sharpe ratios have
/// variance `variance` (per observation) when every true Sharpe ratio is zero:
/// SR₀ = √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ the Euler–Mascheroni constant.
/// Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", J. of Portfolio Management 40(5), eq. (2).
double expected_max_sharpe(double variance, double trials);

/// Deflated Sharpe Ratio: PSR with the benchmark SR₀ of expected_max_sharpe(variance, trials)
/// (same paper, eq. (2)-(3)): the probability that the best trial's Sharpe ratio is real after
/// N trials were tried. All Sharpe figures per observation.
double deflated_sharpe_ratio(double sharpe, double n, double skewness, double kurtosis, double variance, double trials);

/// Per-trial sums of per-bar returns over S contiguous blocks of bars: what CSCV needs to compute
/// the Sharpe ratio of any union of blocks exactly. Layout: sums[2·b] = Σr, sums[2·b + 1] = Σr²
/// over block b's bars.
struct BlockReturns {
  std::vector<double> sums;
};

/// The bar ranges of `blocks` equal contiguous blocks of `bars` bars: block b is
/// [bounds[b], bounds[b + 1]). Needs bars ≥ 2·blocks.
std::vector<int64_t> block_bounds(int64_t bars, int blocks);

struct PboResult {
  bool ok = false;
  std::string reason;        ///< why it could not be computed (too few trials or bars)
  int blocks = 0;            ///< S
  int64_t combinations = 0;  ///< C(S, S/2) in-sample/out-of-sample splits evaluated
  int64_t trials = 0;        ///< N
  double pbo = 0;            ///< share of splits whose in-sample best ranks at or below the OOS median
  double logit_mean = 0;     ///< mean of λ = ln(ω / (1 − ω)), ω the OOS relative rank
  double logit_median = 0;
  /// Share of splits whose in-sample best loses money out of sample (OOS mean return < 0).
  double prob_oos_loss = 0;
  /// Histogram of λ over [logit_min, logit_max] in logit_bins.size() equal bins.
  double logit_min = 0, logit_max = 0;
  std::vector<int64_t> logit_bins;
};

/// Probability of Backtest Overfitting by combinatorially symmetric cross-validation. Bailey,
/// Borwein, López de Prado & Zhu (2017), "The Probability of Backtest Overfitting", Journal of
/// Computational Finance 20(4), §2: the bars are cut into S blocks; for each of the C(S, S/2)
/// ways to pick S/2 blocks as in-sample (the rest out-of-sample), the trial with the best
/// in-sample Sharpe ratio is found, ω is its out-of-sample rank among all N trials divided by
/// N + 1 (ties share the mean rank), λ = ln(ω / (1 − ω)); PBO = #{λ ≤ 0} / C(S, S/2).
/// `trials[i]` holds trial i's BlockReturns over the blocks of `bounds` (S + 1 entries, S even).
PboResult probability_of_backtest_overfitting(const std::vector<BlockReturns>& trials, const std::vector<int64_t>& bounds);

struct MonteCarloResult {
  bool ok = false;
  std::string reason;
  int paths = 0;
  int64_t trades = 0;
  uint64_t seed = 0;
  double initial = 0;
  /// 5 / 50 / 95 % quantiles over paths of final equity and of max drawdown (%, positive).
  double final_equity_p5 = 0, final_equity_p50 = 0, final_equity_p95 = 0;
  double max_drawdown_p5 = 0, max_drawdown_p50 = 0, max_drawdown_p95 = 0;
  double prob_loss = 0;  ///< share of paths ending below the initial equity
  /// The fan: equity quantiles (5, 25, 50, 75, 95 %) after fan_steps[k] trades.
  std::vector<int64_t> fan_steps;
  std::vector<double> fan_p5, fan_p25, fan_p50, fan_p75, fan_p95;
};

/// Monte Carlo resampling of the trade sequence: `paths` sequences of as many trades drawn with
/// replacement from `trade_returns_pct` (each trade's return in % of equity), compounded from
/// `initial`. (A reordering alone would not change the compounded final equity; resampling with
/// replacement is the bootstrap of Efron (1979) applied to trades.) Deterministic for a seed.
MonteCarloResult monte_carlo_trades(const std::vector<double>& trade_returns_pct, double initial, int paths,
                                    uint64_t seed);

struct StabilityResult {
  bool ok = false;
  std::string reason;
  double best = 0;            ///< the objective at the best cell
  double neighbour_mean = 0;  ///< mean objective of its neighbours that have a value
  double neighbour_min = 0;
  int64_t neighbours = 0;     ///< neighbours with a value
  /// neighbour_mean / best when best > 0 (1 = a flat plateau, near 0 = an isolated spike).
  double ratio = 0;
  std::string verdict;        ///< "plateau" (ratio ≥ 0.75), "slope" (≥ 0.4), "spike", or "n/a"
};

/// The objective at grid cell `best` against its Moore neighbourhood (every cell within one step
/// on every axis, 3^d − 1 cells at most). `sizes` are the axes' value counts, the first axis
/// varying slowest (the optimizer's mixed radix); `value(index)` is the objective, NaN where a
/// cell has no value (failed, skipped or not evaluated) — a function, so that sparse searches
/// over huge grids need no dense array.
using CellValue = std::function<double(int64_t)>;
StabilityResult neighbourhood_stability(const std::vector<int64_t>& sizes, const CellValue& value, int64_t best);

/// The cells of `centre`'s Moore neighbourhood (without it), in index order of the enumeration:
/// what neighbourhood_stability reads, e.g. to evaluate them first when only the best trials of a
/// grid were kept (`atf merge` of `--keep-top` shards).
std::vector<int64_t> moore_neighbours(const std::vector<int64_t>& sizes, int64_t centre);

/// The mean of the objective over cell `index` and its Moore neighbourhood (cells with a value):
/// the "stability map" that smooths away isolated spikes. NaN when no cell has a value.
double neighbourhood_mean(const std::vector<int64_t>& sizes, const CellValue& value, int64_t index);

}  // namespace atf
