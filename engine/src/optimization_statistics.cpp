// The overfitting statistics of one optimization (see optimization_statistics.h).
#include "atf/optimization_statistics.h"

#include <cmath>
#include <unordered_map>

namespace atf {

void SharpeMoments::add(double sr) {
  if (!std::isfinite(sr)) return;
  ++n;
  const double d = sr - mean;
  mean += d / static_cast<double>(n);
  m2 += d * (sr - mean);
}

void SharpeMoments::merge(const SharpeMoments& o) {
  if (o.n == 0) return;
  if (n == 0) {
    *this = o;
    return;
  }
  const double na = static_cast<double>(n), nb = static_cast<double>(o.n), nn = na + nb;
  const double d = o.mean - mean;
  mean += d * nb / nn;
  m2 += o.m2 + d * d * na * nb / nn;
  n += o.n;
}

SharpeMoments sharpe_moments(const OptimizationResult& result, double bars_per_year) {
  SharpeMoments m;
  const double ann = std::sqrt(bars_per_year);
  for (const TrialResult& t : result.trials) {
    if (t.ok) m.add(t.metrics.sharpe / ann);
  }
  return m;
}

double statistics_bars_per_year(const MarketData& data, const OptimizationRequest& request) {
  return request.base.broker.bars_per_year > 0 ? request.base.broker.bars_per_year : data.bars_per_year;
}

Result<OptimizationStatistics> optimization_statistics(const MarketData& data, const OptimizationRequest& request,
                                                       const OptimizationResult& result, int mc_paths, uint64_t seed,
                                                       const SharpeMoments* all_trials) {
  if (!result.best_index) return Error::validation("trials", "no successful trial to assess");
  OptimizationStatistics s;
  s.best_index = *result.best_index;
  s.bars_per_year = statistics_bars_per_year(data, request);
  const double ann = std::sqrt(s.bars_per_year);

  // V[SR_n] over the successful trials (Welford: one pass, stable), in per-bar units for DSR.
  SharpeMoments moments;
  const TrialResult* best = nullptr;
  std::vector<BlockReturns> blocks;
  std::unordered_map<int64_t, double> objective;
  const MetricInfo* metric = find_metric(result.objective);
  for (const TrialResult& t : result.trials) {
    if (!t.ok) continue;
    if (t.index == s.best_index) best = &t;
    if (metric) objective[t.index] = t.metrics.*(metric->field);
    if (!t.block_sums.empty()) blocks.push_back(BlockReturns{t.block_sums});
    moments.add(t.metrics.sharpe / ann);
  }
  if (all_trials) moments = *all_trials;
  s.trials = moments.n;
  const double variance = moments.variance();
  s.sharpe_variance = variance * s.bars_per_year;

  // The selected trial's per-bar returns and trades, from a deterministic re-run.
  auto rerun = rerun_trial(data, request, s.best_index);
  if (!rerun) return rerun.error();
  std::vector<double> returns;
  returns.reserve(rerun->equity_curve.size());
  double prev = rerun->initial_capital;
  for (double eq : rerun->equity_curve) {
    returns.push_back(prev != 0 ? eq / prev - 1 : 0.0);
    prev = eq;
  }
  s.returns = return_moments(returns);
  s.observations = s.returns.n;
  s.best_sharpe = best ? best->metrics.sharpe : s.returns.sharpe * ann;
  const double n_trials = static_cast<double>(std::max<int64_t>(s.trials, 1));
  s.expected_max_sharpe = expected_max_sharpe(variance, n_trials) * ann;
  s.psr = probabilistic_sharpe_ratio(s.returns.sharpe, 0, static_cast<double>(s.observations), s.returns.skewness,
                                     s.returns.kurtosis);
  s.dsr = deflated_sharpe_ratio(s.returns.sharpe, static_cast<double>(s.observations), s.returns.skewness,
                                s.returns.kurtosis, variance, n_trials);

  if (result.block_bounds.empty()) {
    s.pbo.reason = request.statistics_blocks > 0 ? "too few bars for " + std::to_string(request.statistics_blocks) + " blocks"
                                                 : "not computed (no statistics blocks requested)";
  } else {
    s.pbo = probability_of_backtest_overfitting(blocks, result.block_bounds);
  }

  std::vector<double> trade_returns;
  double equity = rerun->initial_capital;
  for (const Trade& t : rerun->trades) {
    trade_returns.push_back(equity > 0 ? t.pnl / equity * 100 : 0.0);
    equity += t.pnl;
  }
  s.monte_carlo = monte_carlo_trades(trade_returns, rerun->initial_capital, mc_paths, seed);

  std::vector<int64_t> sizes;
  for (const auto& axis : result.grid.axes()) sizes.push_back(static_cast<int64_t>(axis.values.size()));
  // Minimizing objectives are negated so that "higher is better" holds for the ratio.
  std::unordered_map<int64_t, double> signed_objective;
  for (const auto& [i, v] : objective) signed_objective[i] = result.maximize ? v : -v;
  s.stability = neighbourhood_stability(sizes, [&](int64_t i) {
    auto it = signed_objective.find(i);
    return it == signed_objective.end() ? std::nan("") : it->second;
  }, s.best_index);
  return s;
}

}  // namespace atf
