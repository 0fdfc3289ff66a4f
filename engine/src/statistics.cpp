// Overfitting statistics; each formula is written once, here, with its source (see statistics.h).
#include "atf/statistics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <numeric>

#include "rng.h"

namespace atf {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEulerGamma = 0.57721566490153286061;
constexpr double kE = 2.71828182845904523536;

/// Quantile q in [0, 1] of sorted values, linear between order statistics (Hyndman & Fan's
/// type 7, numpy's default).
double quantile_sorted(const std::vector<double>& v, double q) {
  if (v.empty()) return kNaN;
  const double h = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// A score that orders trials as their Sharpe ratio over n observations with sums Σr = s1,
/// Σr² = s2 does, as a fraction num / den (den > 0): sign(SR)·SR² = mean·|mean| / var, a
/// monotone map of mean / √var, so ranks are the same. Scores are compared by cross-multiplying
/// (a·d < c·b), without a square root or a division: the PBO loops run 10^8 comparisons. A flat
/// series (no variance) earns nothing: 0 / 1. Branch-free, so the loops over trials vectorize.
struct Score {
  double num, den;
};
inline Score sharpe_score(double inv_n, double inv_n1, double s1, double s2) {
  const double mean = s1 * inv_n;
  const double var = (s2 - s1 * mean) * inv_n1;
  const bool pos = var > 0;
  return {pos ? mean * std::fabs(mean) : 0.0, pos ? var : 1.0};
}

/// Two lanes of doubles (SSE2 natively, Wasm SIMD's f64x2 under -msimd128; plain scalar code
/// otherwise): the PBO loops score two trials per step. Every lane does the scalar path's exact
/// operations (no contraction: -ffp-contract=off), so results are bit-identical to it.
using F64x2 = double __attribute__((vector_size(16)));
using I64x2 = int64_t __attribute__((vector_size(16)));
struct Score2 {
  F64x2 num, den;
};
inline F64x2 load2(const double* p) {
  F64x2 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
/// sharpe_score of two trials at once (lane k = sharpe_score of s1[k], s2[k]).
inline Score2 sharpe_score2(double inv_n, double inv_n1, F64x2 s1, F64x2 s2) {
  const F64x2 mean = s1 * inv_n;
  const F64x2 var = (s2 - s1 * mean) * inv_n1;
  const I64x2 pos = var > 0;
  const F64x2 abs_mean = (F64x2)((I64x2)mean & INT64_MAX);
  const F64x2 one = {1.0, 1.0};
  return {(F64x2)((I64x2)(mean * abs_mean) & pos), (F64x2)(((I64x2)var & pos) | ((I64x2)one & ~pos))};
}

/// Coordinates of a mixed-radix index, the first axis varying slowest.
std::vector<int64_t> coordinates(const std::vector<int64_t>& sizes, int64_t index) {
  std::vector<int64_t> c(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    c[i] = index % sizes[i];
    index /= sizes[i];
  }
  return c;
}

/// Calls f(index) for every cell of the Moore neighbourhood of `centre` (itself excluded unless
/// `with_centre`), clipped at the grid's edges.
template <class F>
void for_each_neighbour(const std::vector<int64_t>& sizes, int64_t centre, bool with_centre, F f) {
  const std::vector<int64_t> c = coordinates(sizes, centre);
  const size_t d = sizes.size();
  std::vector<int> off(d, -1);
  for (;;) {
    bool is_centre = true, inside = true;
    int64_t index = 0;
    for (size_t i = 0; i < d; ++i) {
      const int64_t x = c[i] + off[i];
      if (off[i] != 0) is_centre = false;
      if (x < 0 || x >= sizes[i]) inside = false;
      index = index * sizes[i] + x;
    }
    if (inside && (with_centre || !is_centre)) f(index);
    size_t i = d;  // next offset vector, the last axis fastest
    while (i > 0 && off[i - 1] == 1) off[--i] = -1;
    if (i == 0) return;
    ++off[i - 1];
  }
}

}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return kNaN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  // Acklam (2003), "An algorithm for computing the inverse normal cumulative distribution function".
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low || p > 1 - p_low) {
    const double q = std::sqrt(-2 * std::log(p < p_low ? p : 1 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - p_low) x = -x;
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // One step of Halley's method on Φ(x) − p brings the 1.15e-9 approximation to full precision.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

ReturnMoments return_moments(const std::vector<double>& returns) {
  ReturnMoments m;
  m.n = static_cast<int64_t>(returns.size());
  if (m.n == 0) {
    m.sharpe = kNaN;
    return m;
  }
  const double n = static_cast<double>(m.n);
  m.mean = std::accumulate(returns.begin(), returns.end(), 0.0) / n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (double r : returns) {
    const double x = r - m.mean, x2 = x * x;
    m2 += x2;
    m3 += x2 * x;
    m4 += x2 * x2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  m.stddev = m.n > 1 ? std::sqrt(m2 * n / (n - 1)) : 0.0;
  m.skewness = m2 > 0 ? m3 / std::pow(m2, 1.5) : 0.0;
  m.kurtosis = m2 > 0 ? m4 / (m2 * m2) : 3.0;
  m.sharpe = m.stddev > 0 ? m.mean / m.stddev : kNaN;
  return m;
}

double probabilistic_sharpe_ratio(double sharpe, double benchmark, double n, double skewness, double kurtosis) {
  if (!(n >= 2) || std::isnan(sharpe) || std::isnan(benchmark) || std::isnan(skewness) || std::isnan(kurtosis)) return kNaN;
  // Bailey & López de Prado (2012), eq. (9): the standard error of the estimated Sharpe ratio
  // under non-normal returns (Mertens 2002) is √((1 − γ3·SR + (γ4 − 1)/4·SR²) / (n − 1)).
  const double var = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe;
  if (!(var > 0)) return kNaN;
  return normal_cdf((sharpe - benchmark) * std::sqrt(n - 1) / std::sqrt(var));
}

double expected_max_sharpe(double variance, double trials) {
  if (!(trials >= 1) || !(variance >= 0)) return kNaN;
  if (trials == 1) return 0.0;  // one trial: nothing was selected, no selection bias
  // Bailey & López de Prado (2014), eq. (2), from the False Strategy theorem: the expected
  // maximum of N standard normals ≈ (1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)).
  return std::sqrt(variance) *
         ((1 - kEulerGamma) * normal_quantile(1 - 1 / trials) + kEulerGamma * normal_quantile(1 - 1 / (trials * kE)));
}

double deflated_sharpe_ratio(double sharpe, double n, double skewness, double kurtosis, double variance, double trials) {
  return probabilistic_sharpe_ratio(sharpe, expected_max_sharpe(variance, trials), n, skewness, kurtosis);
}

std::vector<int64_t> block_bounds(int64_t bars, int blocks) {
  std::vector<int64_t> bounds(static_cast<size_t>(blocks) + 1);
  for (int b = 0; b <= blocks; ++b) bounds[static_cast<size_t>(b)] = bars * b / blocks;
  return bounds;
}

PboResult probability_of_backtest_overfitting(const std::vector<BlockReturns>& trials, const std::vector<int64_t>& bounds) {
  PboResult r;
  const int S = static_cast<int>(bounds.size()) - 1;
  r.blocks = S;
  r.trials = static_cast<int64_t>(trials.size());
  if (S < 2 || S % 2 != 0) {
    r.reason = "PBO needs an even number of blocks (S = " + std::to_string(S) + ")";
    return r;
  }
  if (trials.size() < 2) {
    r.reason = "PBO needs at least 2 successful trials (" + std::to_string(trials.size()) + ")";
    return r;
  }
  for (int b = 0; b < S; ++b) {
    if (bounds[static_cast<size_t>(b) + 1] - bounds[static_cast<size_t>(b)] < 2) {
      r.reason = "PBO needs at least 2 bars per block (" + std::to_string(bounds.back()) + " bars in " +
                 std::to_string(S) + " blocks)";
      return r;
    }
  }
  for (const auto& t : trials) {
    if (t.sums.size() != 2 * static_cast<size_t>(S)) {
      r.reason = "trial block returns do not match the " + std::to_string(S) + " blocks";
      return r;
    }
  }
  // A trial whose equity was ruined (a return of −100 % makes later returns undefined) has
  // non-finite sums: it takes no part (it would be no one's in-sample best anyway).
  std::vector<const BlockReturns*> usable;
  for (const auto& t : trials) {
    if (std::all_of(t.sums.begin(), t.sums.end(), [](double v) { return std::isfinite(v); })) usable.push_back(&t);
  }
  if (usable.size() < 2) {
    r.reason = "PBO needs at least 2 trials with finite returns (" + std::to_string(usable.size()) + ")";
    return r;
  }
  const size_t N = usable.size();
  r.trials = static_cast<int64_t>(N);
  // Structure of arrays: block b's Σr of every trial in one row, so the sums vectorize.
  std::vector<std::vector<double>> s1(static_cast<size_t>(S), std::vector<double>(N)), s2 = s1;
  std::vector<double> t1(N, 0.0), t2(N, 0.0);
  for (size_t i = 0; i < N; ++i) {
    for (size_t b = 0; b < static_cast<size_t>(S); ++b) {
      s1[b][i] = usable[i]->sums[2 * b];
      s2[b][i] = usable[i]->sums[2 * b + 1];
      t1[i] += s1[b][i];
      t2[i] += s2[b][i];
    }
  }
  const int half = S / 2;
  // The splits: every half A of the blocks that holds block 0 (each unordered split once); each
  // gives two combinations, A in sample with B out of sample and the reverse: all C(S, S/2).
  std::vector<uint32_t> masks;
  auto enumerate = [&](auto&& self, uint32_t mask, int count, int from) -> void {
    if (count == half) {
      masks.push_back(mask);
      return;
    }
    for (int b = from; b <= S - (half - count); ++b) self(self, mask | (1u << b), count + 1, b + 1);
  };
  enumerate(enumerate, 1u, 1, 1);
  const size_t J = masks.size();
  const double total_bars = static_cast<double>(bounds.back());
  std::vector<double> n_a(J);
  for (size_t j = 0; j < J; ++j) {
    double n = 0;
    for (int b = 0; b < S; ++b) {
      if (masks[j] >> b & 1) n += static_cast<double>(bounds[static_cast<size_t>(b) + 1] - bounds[static_cast<size_t>(b)]);
    }
    n_a[j] = n;
  }

  // The trials are walked in chunks that fit in cache (the whole set is memory-bound: ~16 passes
  // over N values per split). For each chunk, a depth-first walk over the splits shares partial
  // sums between splits with a common prefix. For split j, `k.begin(j)`, then `k.item(i, a, b)`
  // with trial i's scores on A and B (sharpe_score; `k.item2(i, a, b)` for trials i and i + 1 in
  // two lanes), then `k.end(j)`: the kernel runs inside the score loop, so no score is stored
  // and read back.
  constexpr size_t kChunk = 1024;
  std::vector<std::vector<double>> p1(static_cast<size_t>(half) + 1, std::vector<double>(kChunk, 0.0)), p2 = p1;
  std::vector<double> zeros(kChunk, 0.0);
  auto walk = [&](auto& k) {
    for (size_t lo = 0; lo < N; lo += kChunk) {
      const size_t len = std::min(kChunk, N - lo);
      auto add_block = [&](size_t depth, int b) {
        const auto bs = static_cast<size_t>(b);
        double* __restrict d1 = p1[depth].data();
        double* __restrict d2 = p2[depth].data();
        const double* __restrict q1 = p1[depth - 1].data();
        const double* __restrict q2 = p2[depth - 1].data();
        const double* __restrict x1 = s1[bs].data() + lo;
        const double* __restrict x2 = s2[bs].data() + lo;
        for (size_t i = 0; i < len; ++i) {
          d1[i] = q1[i] + x1[i];
          d2[i] = q2[i] + x2[i];
        }
      };
      add_block(1, 0);
      size_t j = 0;
      // Split j's scores from the partial sums q of its first half − 1 blocks plus block `last`
      // (added here, not stored: the leaves are most of the walk's nodes).
      auto score_leaf = [&](const double* __restrict q1, const double* __restrict q2, int last) {
        const double na = n_a[j], nb = total_bars - na;
        const double ia = 1 / na, ia1 = 1 / (na - 1), ib = 1 / nb, ib1 = 1 / (nb - 1);
        const double* __restrict x1 = last >= 0 ? s1[static_cast<size_t>(last)].data() + lo : zeros.data();
        const double* __restrict x2 = last >= 0 ? s2[static_cast<size_t>(last)].data() + lo : zeros.data();
        const double* __restrict u1 = t1.data() + lo;
        const double* __restrict u2 = t2.data() + lo;
        k.begin(j);
        size_t i = 0;
        for (; i + 2 <= len; i += 2) {
          const F64x2 a1 = load2(q1 + i) + load2(x1 + i), a2 = load2(q2 + i) + load2(x2 + i);
          k.item2(lo + i, sharpe_score2(ia, ia1, a1, a2), sharpe_score2(ib, ib1, load2(u1 + i) - a1, load2(u2 + i) - a2));
        }
        for (; i < len; ++i) {
          const double a1 = q1[i] + x1[i], a2 = q2[i] + x2[i];
          k.item(lo + i, sharpe_score(ia, ia1, a1, a2), sharpe_score(ib, ib1, u1[i] - a1, u2[i] - a2));
        }
        k.end(j++);
      };
      auto recurse = [&](auto&& self, int depth, int from) -> void {
        const auto d = static_cast<size_t>(depth);
        if (depth == half) {  // only when S = 2: the half is block 0 alone
          score_leaf(p1[d].data(), p2[d].data(), -1);
          return;
        }
        for (int b = from; b <= S - (half - depth); ++b) {
          if (depth + 1 == half) {
            score_leaf(p1[d].data(), p2[d].data(), b);
            continue;
          }
          add_block(d + 1, b);
          self(self, depth + 1, b + 1);
        }
      };
      recurse(recurse, 1, 1);
    }
  };

  // Pass 1: each direction's in-sample best (the first maximum: ties go to the lowest index, as
  // the optimizer ranks; chunks come in index order, and a new maximum is rare, so the branches
  // predict well).
  std::vector<Score> top_a(J, Score{-kInf, 1}), top_b(J, Score{-kInf, 1});
  std::vector<size_t> best_a(J, 0), best_b(J, 0);
  struct Bests {
    std::vector<Score>& top_a_;
    std::vector<Score>& top_b_;
    std::vector<size_t>& best_a_;
    std::vector<size_t>& best_b_;
    Score ta{}, tb{};
    size_t ba = 0, bb = 0;
    void begin(size_t j) { ta = top_a_[j], tb = top_b_[j], ba = best_a_[j], bb = best_b_[j]; }
    void item(size_t i, Score a, Score b) {
      if (a.num * ta.den > ta.num * a.den) ta = a, ba = i;
      if (b.num * tb.den > tb.num * b.den) tb = b, bb = i;
    }
    /// Trials i and i + 1: both lanes are tested against the current bests at once; a lane that
    /// beats one (rare) goes through item() in index order, which keeps the first maximum.
    void item2(size_t i, Score2 a, Score2 b) {
      const I64x2 ga = a.num * ta.den > ta.num * a.den, gb = b.num * tb.den > tb.num * b.den;
      if (ga[0] | ga[1] | gb[0] | gb[1]) {
        item(i, Score{a.num[0], a.den[0]}, Score{b.num[0], b.den[0]});
        item(i + 1, Score{a.num[1], a.den[1]}, Score{b.num[1], b.den[1]});
      }
    }
    void end(size_t j) { top_a_[j] = ta, top_b_[j] = tb, best_a_[j] = ba, best_b_[j] = bb; }
  } bests{top_a, top_b, best_a, best_b};
  walk(bests);
  // The best's out-of-sample score, summed in the walk's order so that it equals the walk's value.
  auto half_sums = [&](uint32_t mask, size_t i, double& a1, double& a2) {
    a1 = 0;
    a2 = 0;
    for (int b = 0; b < S; ++b) {
      if (mask >> b & 1) a1 += s1[static_cast<size_t>(b)][i], a2 += s2[static_cast<size_t>(b)][i];
    }
  };
  std::vector<Score> target_b(J), target_a(J);
  int64_t losses = 0;
  for (size_t j = 0; j < J; ++j) {
    const double na = n_a[j], nb = total_bars - na;
    double a1, a2;
    half_sums(masks[j], best_a[j], a1, a2);  // A in sample: its best measured on B
    const size_t i = best_a[j];
    target_b[j] = sharpe_score(1 / nb, 1 / (nb - 1), t1[i] - a1, t2[i] - a2);
    losses += t1[i] - a1 < 0;
    half_sums(masks[j], best_b[j], a1, a2);  // B in sample: its best measured on A
    target_a[j] = sharpe_score(1 / na, 1 / (na - 1), a1, a2);
    losses += a1 < 0;
  }
  // Pass 2: the out-of-sample ranks of those bests (ties at their mean rank).
  std::vector<int64_t> less_b(J, 0), equal_b(J, 0), less_a(J, 0), equal_a(J, 0);
  struct Ranks {
    const std::vector<Score>& target_a_;
    const std::vector<Score>& target_b_;
    std::vector<int64_t>& less_a_;
    std::vector<int64_t>& equal_a_;
    std::vector<int64_t>& less_b_;
    std::vector<int64_t>& equal_b_;
    Score ta{}, tb{};
    int64_t la = 0, ea = 0, lb = 0, eb = 0;
    void begin(size_t j) { ta = target_a_[j], tb = target_b_[j], la = ea = lb = eb = 0; }  // lanes: zero after end()
    void item(size_t, Score a, Score b) {
      const double xa = a.num * ta.den, ya = ta.num * a.den;
      const double xb = b.num * tb.den, yb = tb.num * b.den;
      la += xa < ya ? 1 : 0;
      ea += xa == ya ? 1 : 0;
      lb += xb < yb ? 1 : 0;
      eb += xb == yb ? 1 : 0;
    }
    I64x2 vla{}, vea{}, vlb{}, veb{};
    void item2(size_t, Score2 a, Score2 b) {
      const F64x2 xa = a.num * ta.den, ya = ta.num * a.den;
      const F64x2 xb = b.num * tb.den, yb = tb.num * b.den;
      vla -= xa < ya;
      vea -= xa == ya;
      vlb -= xb < yb;
      veb -= xb == yb;
    }
    void end(size_t j) {
      less_a_[j] += la + vla[0] + vla[1], equal_a_[j] += ea + vea[0] + vea[1];
      less_b_[j] += lb + vlb[0] + vlb[1], equal_b_[j] += eb + veb[0] + veb[1];
      vla = vea = vlb = veb = I64x2{};
    }
  } ranks{target_a, target_b, less_a, equal_a, less_b, equal_b};
  walk(ranks);
  std::vector<double> logits;
  logits.reserve(2 * J);
  auto logit = [&](int64_t less, int64_t equal) {
    const double rank = static_cast<double>(less) + (static_cast<double>(equal) + 1) / 2;
    const double w = rank / (static_cast<double>(N) + 1);
    return std::log(w / (1 - w));
  };
  for (size_t j = 0; j < J; ++j) {
    logits.push_back(logit(less_b[j], equal_b[j]));
    logits.push_back(logit(less_a[j], equal_a[j]));
  }

  r.ok = true;
  r.combinations = static_cast<int64_t>(logits.size());
  const auto overfit = std::count_if(logits.begin(), logits.end(), [](double l) { return l <= 0; });
  r.pbo = static_cast<double>(overfit) / static_cast<double>(logits.size());
  r.prob_oos_loss = static_cast<double>(losses) / static_cast<double>(logits.size());
  r.logit_mean = std::accumulate(logits.begin(), logits.end(), 0.0) / static_cast<double>(logits.size());
  std::vector<double> sorted = logits;
  std::sort(sorted.begin(), sorted.end());
  r.logit_median = quantile_sorted(sorted, 0.5);
  r.logit_min = sorted.front();
  r.logit_max = sorted.back();
  constexpr int kBins = 20;
  r.logit_bins.assign(kBins, 0);
  const double width = (r.logit_max - r.logit_min) / kBins;
  for (double l : logits) {
    const int bin = width > 0 ? std::min(kBins - 1, static_cast<int>((l - r.logit_min) / width)) : 0;
    ++r.logit_bins[static_cast<size_t>(bin)];
  }
  return r;
}

MonteCarloResult monte_carlo_trades(const std::vector<double>& trade_returns_pct, double initial, int paths,
                                    uint64_t seed) {
  MonteCarloResult r;
  r.paths = paths;
  r.seed = seed;
  r.initial = initial;
  r.trades = static_cast<int64_t>(trade_returns_pct.size());
  if (trade_returns_pct.empty()) {
    r.reason = "no closed trade to resample";
    return r;
  }
  if (paths < 1) {
    r.reason = "paths must be at least 1";
    return r;
  }
  const int64_t n = r.trades;
  // The fan at up to 50 evenly spaced trade counts (the last one always).
  for (int64_t k = 1; k <= 50; ++k) {
    const int64_t step = std::max<int64_t>(1, n * k / 50);
    if (r.fan_steps.empty() || step > r.fan_steps.back()) r.fan_steps.push_back(step);
  }
  const size_t steps = r.fan_steps.size();
  std::vector<double> finals(static_cast<size_t>(paths)), drawdowns(static_cast<size_t>(paths));
  std::vector<double> at_step(static_cast<size_t>(paths) * steps);
  Rng rng(seed);
  int64_t losing = 0;
  for (int p = 0; p < paths; ++p) {
    double equity = initial, peak = initial, max_dd = 0;
    size_t next_step = 0;
    for (int64_t k = 1; k <= n; ++k) {
      const double ret = trade_returns_pct[rng.below(static_cast<uint64_t>(n))];
      equity = std::max(0.0, equity * (1 + ret / 100));  // a loss beyond 100 % ruins: equity 0
      peak = std::max(peak, equity);
      if (peak > 0) max_dd = std::max(max_dd, (peak - equity) / peak * 100);
      if (next_step < steps && k == r.fan_steps[next_step]) at_step[next_step++ * static_cast<size_t>(paths) + static_cast<size_t>(p)] = equity;
    }
    finals[static_cast<size_t>(p)] = equity;
    drawdowns[static_cast<size_t>(p)] = max_dd;
    losing += equity < initial;
  }
  std::sort(finals.begin(), finals.end());
  std::sort(drawdowns.begin(), drawdowns.end());
  r.final_equity_p5 = quantile_sorted(finals, 0.05);
  r.final_equity_p50 = quantile_sorted(finals, 0.50);
  r.final_equity_p95 = quantile_sorted(finals, 0.95);
  r.max_drawdown_p5 = quantile_sorted(drawdowns, 0.05);
  r.max_drawdown_p50 = quantile_sorted(drawdowns, 0.50);
  r.max_drawdown_p95 = quantile_sorted(drawdowns, 0.95);
  r.prob_loss = static_cast<double>(losing) / paths;
  for (size_t s = 0; s < steps; ++s) {
    std::vector<double> col(at_step.begin() + static_cast<std::ptrdiff_t>(s * static_cast<size_t>(paths)),
                            at_step.begin() + static_cast<std::ptrdiff_t>((s + 1) * static_cast<size_t>(paths)));
    std::sort(col.begin(), col.end());
    r.fan_p5.push_back(quantile_sorted(col, 0.05));
    r.fan_p25.push_back(quantile_sorted(col, 0.25));
    r.fan_p50.push_back(quantile_sorted(col, 0.50));
    r.fan_p75.push_back(quantile_sorted(col, 0.75));
    r.fan_p95.push_back(quantile_sorted(col, 0.95));
  }
  r.ok = true;
  return r;
}

StabilityResult neighbourhood_stability(const std::vector<int64_t>& sizes, const CellValue& value, int64_t best) {
  StabilityResult r;
  r.verdict = "n/a";
  int64_t cells = 1;
  for (int64_t n : sizes) cells *= n;
  if (best < 0 || best >= cells || std::isnan(value(best))) {
    r.reason = "no best cell";
    return r;
  }
  r.best = value(best);
  double sum = 0, lo = kInf;
  for_each_neighbour(sizes, best, false, [&](int64_t i) {
    const double v = value(i);
    if (std::isnan(v)) return;
    sum += v;
    lo = std::min(lo, v);
    ++r.neighbours;
  });
  if (r.neighbours == 0) {
    r.reason = "the best cell has no evaluated neighbour";
    return r;
  }
  r.ok = true;
  r.neighbour_mean = sum / static_cast<double>(r.neighbours);
  r.neighbour_min = lo;
  if (r.best > 0 && std::isfinite(r.best)) {
    r.ratio = r.neighbour_mean / r.best;
    r.verdict = r.ratio >= 0.75 ? "plateau" : r.ratio >= 0.4 ? "slope" : "spike";
  } else {
    r.ratio = kNaN;
    r.reason = "the ratio needs a positive, finite best objective";
  }
  return r;
}

std::vector<int64_t> moore_neighbours(const std::vector<int64_t>& sizes, int64_t centre) {
  std::vector<int64_t> out;
  for_each_neighbour(sizes, centre, false, [&](int64_t i) { out.push_back(i); });
  return out;
}

double neighbourhood_mean(const std::vector<int64_t>& sizes, const CellValue& value, int64_t index) {
  double sum = 0;
  int64_t count = 0;
  for_each_neighbour(sizes, index, true, [&](int64_t i) {
    const double v = value(i);
    if (std::isnan(v)) return;
    sum += v;
    ++count;
  });
  return count > 0 ? sum / static_cast<double>(count) : kNaN;
}

}  // namespace atf
