// The ta.* built-ins, called directly through the registry (pine_builtin_harness.h): small
// hand-computed series (warm-up na, na inputs, length changes, errors) and, on the NVDA sample,
// agreement with plain O(n·len) recomputations written independently here.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "atf/csv_import.h"
#include "pine_builtin_harness.h"
#include "test_util.h"

using namespace atf;
using namespace atf::pine;
using namespace atf::pine::test;

namespace {

constexpr double NA = std::numeric_limits<double>::quiet_NaN();
bool na(double v) { return std::isnan(v); }
using Series = std::vector<double>;

const Bars& nvda() {
  static const Bars bars = [] {
    auto imp = import_csv_file(std::string(ATF_SAMPLES_DIR) + "/NVDA-1d-1999-2014.csv");
    if (!imp) throw std::runtime_error(imp.error().message);
    return imp->bars;
  }();
  return bars;
}

/// Daily bars whose OHLC all equal the given values (volume 1000).
Bars flat_bars(const Series& v) { return atf::test::make_bars(v, v, v, v); }

/// Index of the first element where got and want differ (both na counts as equal; numbers within
/// a relative `rel`), or -1.
long first_mismatch(const Series& got, const Series& want, double rel = 1e-9, double abs_tol = 1e-12) {
  if (got.size() != want.size()) return 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (na(want[i]) != na(got[i])) return static_cast<long>(i);
    if (na(want[i])) continue;
    const double tol = std::max(abs_tol, rel * std::fabs(want[i]));
    if (!(std::fabs(got[i] - want[i]) <= tol)) return static_cast<long>(i);
  }
  return -1;
}

#define CHECK_SERIES(got, want, ...)                                                              \
  do {                                                                                            \
    const Series g_ = (got), w_ = (want);                                                         \
    const long m_ = first_mismatch(g_, w_, ##__VA_ARGS__);                                        \
    INFO("first mismatch at " << m_ << ": got " << (m_ >= 0 && size_t(m_) < g_.size() ? g_[m_] : -1) \
                              << ", want " << (m_ >= 0 && size_t(m_) < w_.size() ? w_[m_] : -1));  \
    CHECK(m_ == -1);                                                                              \
  } while (0)

/// Runs a one-result function on `bars` with args(t).
Series run1(const Bars& bars, const char* name, size_t nargs, const std::function<std::vector<double>(size_t)>& args,
            size_t k = 0) {
  Runner r(bars);
  return r.series(name, nargs, args, k);
}
/// A source-only function with constant extra arguments over a plain series.
Series src_fn(const char* name, const Series& src, std::vector<double> extra) {
  return run1(flat_bars(src), name, 1 + extra.size(), [&](size_t t) {
    std::vector<double> a{src[t]};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  });
}

// ---- independent references over full arrays (no na in the sample) ----
Series ref_sma(const Series& x, int n) {
  Series r(x.size(), NA);
  for (size_t t = n - 1; t < x.size(); ++t) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += x[t - i];
    r[t] = s / n;
  }
  return r;
}
Series ref_smooth(const Series& x, int n, double alpha) {  // first value: mean of the first n non-na
  Series r(x.size(), NA);
  double v = NA;
  std::vector<double> seen;
  for (size_t t = 0; t < x.size(); ++t) {
    if (na(x[t])) {
      r[t] = v;
      continue;
    }
    if (na(v)) {
      seen.push_back(x[t]);
      if (static_cast<int>(seen.size()) >= n) {
        double s = 0;
        for (size_t i = seen.size() - n; i < seen.size(); ++i) s += seen[i];
        v = s / n;
      }
    } else {
      v = alpha * x[t] + (1 - alpha) * v;
    }
    r[t] = v;
  }
  return r;
}
Series ref_ema(const Series& x, int n) { return ref_smooth(x, n, 2.0 / (n + 1)); }
Series ref_rma(const Series& x, int n) { return ref_smooth(x, n, 1.0 / n); }
Series ref_wma(const Series& x, int n) {
  Series r(x.size(), NA);
  for (size_t t = n - 1; t < x.size(); ++t) {
    double s = 0, w = 0;
    for (int i = 0; i < n; ++i) {
      s += x[t - i] * (n - i);
      w += n - i;
    }
    r[t] = s / w;
  }
  return r;
}
Series ref_stdev(const Series& x, int n, bool biased) {
  Series r(x.size(), NA);
  for (size_t t = n - 1; t < x.size(); ++t) {
    double m = 0;
    for (int i = 0; i < n; ++i) m += x[t - i];
    m /= n;
    double ss = 0;
    for (int i = 0; i < n; ++i) ss += (x[t - i] - m) * (x[t - i] - m);
    r[t] = std::sqrt(ss / (biased ? n : n - 1));
  }
  return r;
}
Series ref_window(const Series& x, int n, const std::function<double(std::vector<double>)>& f) {
  Series r(x.size(), NA);
  for (size_t t = n - 1; t < x.size(); ++t) r[t] = f(std::vector<double>(x.begin() + (t + 1 - n), x.begin() + t + 1));
  return r;  // the window is oldest first
}
Series ref_tr(const Bars& b, bool handle_na) {
  Series r(b.size());
  for (size_t t = 0; t < b.size(); ++t)
    r[t] = t == 0 ? (handle_na ? b.high[0] - b.low[0] : NA)
                  : std::max({b.high[t] - b.low[t], std::fabs(b.high[t] - b.close[t - 1]),
                              std::fabs(b.low[t] - b.close[t - 1])});
  return r;
}
Series sub(const Series& a, const Series& b) {
  Series r(a.size());
  for (size_t i = 0; i < a.size(); ++i) r[i] = a[i] - b[i];
  return r;
}

}  // namespace

// ======================= moving averages =======================

TEST_CASE("ta.sma: warm-up, na ignored, series length, errors", "[pine_ta]") {
  // len 3 over 1, 2, 3, na, 4, 5: na, na, (1+2+3)/3 = 2, na skipped -> still 2, (2+3+4)/3 = 3, (3+4+5)/3 = 4
  CHECK_SERIES(src_fn("ta.sma", {1, 2, 3, NA, 4, 5}, {3}), (Series{NA, NA, 2, 2, 3, 4}));
  // length per bar 2, 2, 2, 3, 1 over 1..5: na, 1.5, 2.5, (2+3+4)/3 = 3, 5
  const Series src{1, 2, 3, 4, 5}, lens{2, 2, 2, 3, 1};
  CHECK_SERIES(run1(flat_bars(src), "ta.sma", 2, [&](size_t t) { return std::vector<double>{src[t], lens[t]}; }),
               (Series{NA, 1.5, 2.5, 3, 5}));
  // Off the tick grid (1/3): the double fallback
  const Series third(6, 1.0 / 3);
  CHECK(src_fn("ta.sma", third, {3})[5] == Approx(1.0 / 3).epsilon(1e-15));
  // Errors name the function and the argument
  CHECK_THROWS_WITH(src_fn("ta.sma", {1, 2}, {0}), "ta.sma: length must be > 0, got 0");
  CHECK_THROWS_WITH(src_fn("ta.sma", {1, 2}, {NA}), "ta.sma: length must be > 0, got na");
}

TEST_CASE("ta.sma is exact on the tick grid", "[pine_ta]") {
  // 0.1 + 0.2 + 0.3 summed in doubles is 0.6000000000000001 and / 3 gives 0.20000000000000004;
  // the tick sum 6 / (3 * 10) is exactly the double 0.2.
  const Series tenths{0.1, 0.2, 0.3};
  Runner r(flat_bars(tenths), 10);
  const Series s = r.series("ta.sma", 2, [&](size_t t) { return std::vector<double>{tenths[t], 3}; });
  CHECK(s[2] == 0.2);
  CHECK((0.1 + 0.2 + 0.3) / 3 != 0.2);
  // sma(close, 1) == close, and equal means give identical doubles, on the sample
  const Bars& b = nvda();
  const Series s1 = run1(b, "ta.sma", 2, [&](size_t t) { return std::vector<double>{b.close[t], 1}; });
  long bad = -1;
  for (size_t t = 0; t < b.size(); ++t)
    if (s1[t] != b.close[t]) bad = bad < 0 ? static_cast<long>(t) : bad;
  CHECK(bad == -1);
  // exactly sum(ticks) / (len * scale) (one division), against an independent tick sum
  const double scale = price_scale_of(b);
  const Series s20 = run1(b, "ta.sma", 2, [&](size_t t) { return std::vector<double>{b.close[t], 20}; });
  bad = -1;
  for (size_t t = 19; t < b.size(); ++t) {
    long long ticks = 0;
    for (size_t i = 0; i < 20; ++i) ticks += std::llround(b.close[t - i] * scale);
    if (s20[t] != static_cast<double>(ticks) / (20 * scale) && bad < 0) bad = static_cast<long>(t);
  }
  CHECK(bad == -1);
  CHECK(na(s20[18]));
  CHECK_SERIES(s20, ref_sma(b.close, 20), 1e-12);
}

TEST_CASE("ta.ema and ta.rma: SMA seed, na holds the value", "[pine_ta]") {
  // ema len 3 (alpha 0.5): na, na, seed (1+2+3)/3 = 2, 0.5*4 + 0.5*2 = 3, 0.5*5 + 0.5*3 = 4
  CHECK_SERIES(src_fn("ta.ema", {1, 2, 3, 4, 5}, {3}), (Series{NA, NA, 2, 3, 4}));
  // na at bar 3 keeps 2; bar 4: 0.5*5 + 0.5*2 = 3.5
  CHECK_SERIES(src_fn("ta.ema", {1, 2, 3, NA, 5}, {3}), (Series{NA, NA, 2, 2, 3.5}));
  // na before any value delays the seed: na, na, na, (2+4)/2 = 3 (ema len 2 alpha 2/3 after)
  CHECK_SERIES(src_fn("ta.ema", {NA, 2, NA, 4, 7}, {2}), (Series{NA, NA, NA, 3, 2.0 / 3 * 7 + (1 - 2.0 / 3) * 3}));
  // rma len 2 (alpha 0.5): na, (2+4)/2 = 3, 0.5*6 + 0.5*3 = 4.5, na -> 4.5, 0.5*10 + 0.5*4.5 = 7.25
  CHECK_SERIES(src_fn("ta.rma", {2, 4, 6, NA, 10}, {2}), (Series{NA, 3, 4.5, 4.5, 7.25}));
  const Bars& b = nvda();
  CHECK_SERIES(src_fn("ta.ema", b.close, {20}), ref_ema(b.close, 20), 1e-12);
  CHECK_SERIES(src_fn("ta.rma", b.close, {14}), ref_rma(b.close, 14), 1e-12);
  CHECK_THROWS_WITH(src_fn("ta.ema", {1}, {-3}), "ta.ema: length must be > 0, got -3");
}

TEST_CASE("ta.wma, ta.vwma, ta.hma", "[pine_ta]") {
  // wma len 3 over 1, 2, 3: weights 3,2,1 on 3,2,1 -> (9 + 4 + 1) / 6 = 14/6
  CHECK_SERIES(src_fn("ta.wma", {1, 2, 3}, {3}), (Series{NA, NA, 14.0 / 6}));
  // na ignored: 1, na, 2, 3 -> window (1, 2, 3) at bar 3
  CHECK_SERIES(src_fn("ta.wma", {1, NA, 2, 3}, {3}), (Series{NA, NA, NA, 14.0 / 6}));
  const Bars& b = nvda();
  CHECK_SERIES(src_fn("ta.wma", b.close, {10}), ref_wma(b.close, 10));
  // vwma = sum(c*v) / sum(v)
  const Series vw = run1(b, "ta.vwma", 2, [&](size_t t) { return std::vector<double>{b.close[t], 15}; });
  Series want(b.size(), NA);
  for (size_t t = 14; t < b.size(); ++t) {
    double cv = 0, v = 0;
    for (size_t i = 0; i < 15; ++i) {
      cv += b.close[t - i] * b.volume[t - i];
      v += b.volume[t - i];
    }
    want[t] = cv / v;
  }
  CHECK_SERIES(vw, want);
  // hma 9 = wma(2 * wma(4) - wma(9), 3)
  const Series w4 = ref_wma(b.close, 4), w9 = ref_wma(b.close, 9);
  Series diff(b.size(), NA);
  for (size_t t = 8; t < b.size(); ++t) diff[t] = 2 * w4[t] - w9[t];
  Series hw(b.size(), NA);
  for (size_t t = 10; t < b.size(); ++t) hw[t] = (diff[t] * 3 + diff[t - 1] * 2 + diff[t - 2]) / 6;
  CHECK_SERIES(src_fn("ta.hma", b.close, {9}), hw);
}

TEST_CASE("ta.alma, ta.swma, ta.linreg", "[pine_ta]") {
  const Bars& b = nvda();
  // alma(9, 0.85, 6): m = 6.8, s = 1.5, weights over oldest..newest
  auto alma_ref = [&](bool floor_m) {
    return ref_window(b.close, 9, [&](std::vector<double> w) {
      const double m = floor_m ? std::floor(0.85 * 8) : 0.85 * 8, s = 9.0 / 6;
      double norm = 0, sum = 0;
      for (int i = 0; i < 9; ++i) {
        const double wt = std::exp(-(i - m) * (i - m) / (2 * s * s));
        norm += wt;
        sum += w[i] * wt;
      }
      return sum / norm;
    });
  };
  CHECK_SERIES(src_fn("ta.alma", b.close, {9, 0.85, 6, 0}), alma_ref(false));
  CHECK_SERIES(src_fn("ta.alma", b.close, {9, 0.85, 6, 1}), alma_ref(true));
  // alma: na is included -> na
  CHECK(na(src_fn("ta.alma", {1, 2, NA, 4}, {2, 0.85, 6, 0})[3]));
  // swma over 6, 12, 18, 24: (6*1 + 12*2 + 18*2 + 24*1) / 6 = 15
  CHECK_SERIES(src_fn("ta.swma", {6, 12, 18, 24, NA}, {}), (Series{NA, NA, NA, 15, NA}));
  // linreg of a straight line is the line itself: 1, 3, 5, 7 (len 3, offset 0) -> 5, 7; offset 1 -> 3, 5
  CHECK_SERIES(src_fn("ta.linreg", {1, 3, 5, 7}, {3, 0}), (Series{NA, NA, 5, 7}));
  CHECK_SERIES(src_fn("ta.linreg", {1, 3, 5, 7}, {3, 1}), (Series{NA, NA, 3, 5}));
  // least squares on the sample, centred formulation
  const Series lr = ref_window(b.close, 20, [](std::vector<double> w) {
    const double n = 20, mx = 9.5;
    double my = 0;
    for (double v : w) my += v;
    my /= n;
    double sxy = 0, sxx = 0;
    for (int i = 0; i < 20; ++i) {
      sxy += (i - mx) * (w[i] - my);
      sxx += (i - mx) * (i - mx);
    }
    return my + sxy / sxx * (19 - mx);
  });
  CHECK_SERIES(src_fn("ta.linreg", b.close, {20, 0}), lr, 1e-9, 1e-9);
}

// ======================= statistics =======================

TEST_CASE("ta.stdev, ta.variance, ta.dev", "[pine_ta]") {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum 32 -> variance 4, stdev 2; unbiased 32/7
  const Series x{2, 4, 4, 4, 5, 5, 7, 9};
  CHECK(src_fn("ta.stdev", x, {8, 1})[7] == 2);
  CHECK(src_fn("ta.variance", x, {8, 1})[7] == 4);
  CHECK(src_fn("ta.stdev", x, {8, 0})[7] == Approx(std::sqrt(32.0 / 7)));
  CHECK(na(src_fn("ta.stdev", x, {8, 1})[6]));
  // dev: mean absolute deviation 3+1+1+1+0+0+2+4 = 12 / 8 = 1.5
  CHECK(src_fn("ta.dev", x, {8})[7] == 1.5);
  // a constant window has exactly zero deviation (tiny differences snap to 0)
  CHECK(src_fn("ta.stdev", {0.1, 0.1, 0.1}, {3, 1})[2] == 0);
  const Bars& b = nvda();
  CHECK_SERIES(src_fn("ta.stdev", b.close, {20, 1}), ref_stdev(b.close, 20, true), 1e-9, 1e-9);
  CHECK_SERIES(src_fn("ta.stdev", b.close, {20, 0}), ref_stdev(b.close, 20, false), 1e-9, 1e-9);
  CHECK_SERIES(src_fn("ta.dev", b.close, {10}), ref_window(b.close, 10, [](std::vector<double> w) {
                 double m = 0;
                 for (double v : w) m += v;
                 m /= w.size();
                 double s = 0;
                 for (double v : w) s += std::fabs(v - m);
                 return s / w.size();
               }), 1e-9, 1e-12);
}

TEST_CASE("ta.median, percentiles, percentrank, range", "[pine_ta]") {
  // median len 4 of 5, 1, 4, 2 -> (2 + 4) / 2 = 3; then 1, 4, 2, 9 -> 3; len 3 of 4, 2, 9 -> 4
  CHECK_SERIES(src_fn("ta.median", {5, 1, 4, 2, 9}, {4}), (Series{NA, NA, NA, 3, 3}));
  CHECK(src_fn("ta.median", {5, 1, 4, 2, 9}, {3})[4] == 4);
  // percentrank len 3 of 1, 2, 3, 2: previous 3 values 1, 2, 3, <= 2: two -> 66.67
  CHECK_SERIES(src_fn("ta.percentrank", {1, 2, 3, 2}, {3}), (Series{NA, NA, NA, 200.0 / 3}));
  CHECK(na(src_fn("ta.percentrank", {1, NA, 3, 2}, {3})[3]));
  // nearest rank of 15, 20, 35, 40, 50: 30th -> ceil(1.5) = 2nd = 20; 100th = 50; linear 40th: rank 1.6 -> 20 + 0.6*15 = 29
  const Series p{15, 20, 35, 40, 50};
  CHECK(src_fn("ta.percentile_nearest_rank", p, {5, 30})[4] == 20);
  CHECK(src_fn("ta.percentile_nearest_rank", p, {5, 100})[4] == 50);
  CHECK(src_fn("ta.percentile_linear_interpolation", p, {5, 40})[4] == Approx(29));
  CHECK(src_fn("ta.percentile_linear_interpolation", p, {5, 50})[4] == 35);
  // range len 3: 4, 1, 7 -> 6
  CHECK_SERIES(src_fn("ta.range", {4, 1, 7, 2}, {3}), (Series{NA, NA, 6, 6}));
  const Bars& b = nvda();
  CHECK_SERIES(src_fn("ta.median", b.close, {15}), ref_window(b.close, 15, [](std::vector<double> w) {
                 std::sort(w.begin(), w.end());
                 return w[7];
               }));
  CHECK_SERIES(src_fn("ta.percentile_nearest_rank", b.close, {20, 90}),
               ref_window(b.close, 20, [](std::vector<double> w) {
                 std::sort(w.begin(), w.end());
                 return w[17];  // ceil(0.9 * 20) = 18th
               }));
  CHECK_SERIES(src_fn("ta.percentrank", b.close, {10}), ref_window(b.close, 11, [](std::vector<double> w) {
                 int c = 0;
                 for (int i = 0; i < 10; ++i) c += w[i] <= w[10];
                 return c * 10.0;
               }));
  CHECK_SERIES(src_fn("ta.range", b.close, {10}), ref_window(b.close, 10, [](std::vector<double> w) {
                 return *std::max_element(w.begin(), w.end()) - *std::min_element(w.begin(), w.end());
               }));
}

TEST_CASE("ta.highest, ta.lowest and their bar offsets", "[pine_ta]") {
  // len 2 over 1, 3, na, 2, 0 (na skipped): highest na, 3, 3 (bar 1), 2, 2 (bar 3); offsets na, 0, -1,
  // 0, -1; lowest na, 1 (bar 0), 3 (bar 1), 2 (bar 3), 0 (bar 4); offsets na, -1, -1, 0, 0
  const Series x{1, 3, NA, 2, 0};
  CHECK_SERIES(src_fn("ta.highest", x, {2}), (Series{NA, 3, 3, 2, 2}));
  CHECK_SERIES(src_fn("ta.highestbars", x, {2}), (Series{NA, 0, -1, 0, -1}));
  CHECK_SERIES(src_fn("ta.lowest", x, {2}), (Series{NA, 1, 3, 2, 0}));
  CHECK_SERIES(src_fn("ta.lowestbars", x, {2}), (Series{NA, -1, -1, 0, 0}));
  const Bars& b = nvda();
  // one-argument forms read high / low
  const Series hh = run1(b, "ta.highest", 1, [](size_t) { return std::vector<double>{20}; });
  const Series llb = run1(b, "ta.lowestbars", 1, [](size_t) { return std::vector<double>{20}; });
  CHECK_SERIES(hh, ref_window(b.high, 20, [](std::vector<double> w) { return *std::max_element(w.begin(), w.end()); }));
  CHECK_SERIES(llb, ref_window(b.low, 20, [](std::vector<double> w) {
                 double best = w[19];
                 int at = 0;
                 for (int i = 0; i < 20; ++i)
                   if (w[19 - i] < best) best = w[19 - i], at = i;
                 return -static_cast<double>(at);
               }));
}

TEST_CASE("ta.highestbars / ta.lowest with a changing length and na values match a plain scan", "[pine_ta]") {
  const Bars& b = nvda();
  Series src = b.close, len(b.size());
  for (size_t t = 0; t < b.size(); ++t) {
    if (t % 17 == 5) src[t] = NA;
    len[t] = 5 + static_cast<double>((t / 50 * 7) % 26);  // steps between 5 and 30 every 50 bars
  }
  src[300] = src[301] = src[299];  // ties
  auto scan = [&](bool high, bool bars) {
    Series r(b.size(), NA);
    for (size_t t = 0; t < b.size(); ++t) {
      const size_t n = static_cast<size_t>(len[t]);
      if (t + 1 < n) continue;
      long at = -1;
      for (size_t i = 0; i < n; ++i) {
        const double x = src[t - i];
        if (!na(x) && (at < 0 || (high ? x > src[t - at] : x < src[t - at]))) at = static_cast<long>(i);
      }
      if (at >= 0) r[t] = bars ? -static_cast<double>(at) : src[t - at];
    }
    return r;
  };
  auto run = [&](const char* name) {
    return run1(b, name, 2, [&](size_t t) { return std::vector<double>{src[t], len[t]}; });
  };
  CHECK_SERIES(run("ta.highestbars"), scan(true, true), 0, 0);
  CHECK_SERIES(run("ta.lowestbars"), scan(false, true), 0, 0);
  CHECK_SERIES(run("ta.highest"), scan(true, false), 0, 0);
  CHECK_SERIES(run("ta.lowest"), scan(false, false), 0, 0);
}

TEST_CASE("ta.max, ta.min, ta.cum, ta.cog, ta.correlation", "[pine_ta]") {
  CHECK_SERIES(src_fn("ta.max", {NA, 2, 1, NA, 5}, {}), (Series{NA, 2, 2, 2, 5}));
  CHECK_SERIES(src_fn("ta.min", {NA, 2, 1, NA, 5}, {}), (Series{NA, 2, 1, 1, 1}));
  // cum: na adds nothing; 0.1 + 0.2 is exactly 0.3 with ticks
  CHECK_SERIES(src_fn("ta.cum", {1, NA, 2.5}, {}), (Series{1, 1, 3.5}));
  CHECK(src_fn("ta.cum", {0.1, 0.2}, {})[1] == 0.3);
  // cog len 3 over 1, 2, 3: -(3*1 + 2*2 + 1*3) / 6 = -10/6
  CHECK(src_fn("ta.cog", {1, 2, 3}, {3})[2] == Approx(-10.0 / 6));
  const Bars& b = nvda();
  // correlation of close with 2*close+1 is 1, with -close is -1
  const Series c1 = run1(b, "ta.correlation", 3, [&](size_t t) { return std::vector<double>{b.close[t], 2 * b.close[t] + 1, 10}; });
  const Series c2 = run1(b, "ta.correlation", 3, [&](size_t t) { return std::vector<double>{b.close[t], b.open[t], 10}; });
  CHECK(na(c1[8]));
  CHECK(c1[9] == Approx(1));
  CHECK(c1[2000] == Approx(1));
  Series want(b.size(), NA);
  for (size_t t = 9; t < b.size(); ++t) {
    double mx = 0, my = 0;
    for (int i = 0; i < 10; ++i) mx += b.close[t - i], my += b.open[t - i];
    mx /= 10, my /= 10;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 10; ++i) {
      sxy += (b.close[t - i] - mx) * (b.open[t - i] - my);
      sxx += (b.close[t - i] - mx) * (b.close[t - i] - mx);
      syy += (b.open[t - i] - my) * (b.open[t - i] - my);
    }
    want[t] = sxy / std::sqrt(sxx * syy);
  }
  CHECK_SERIES(c2, want, 1e-9, 1e-9);
}

// ======================= oscillators =======================

TEST_CASE("ta.change, ta.mom, ta.roc", "[pine_ta]") {
  // 1, 3, na, 6: len 1 -> na, 2, na, na; len 2 -> na, na, na, 6 - 3 = 3
  CHECK_SERIES(src_fn("ta.change", {1, 3, NA, 6}, {1}), (Series{NA, 2, NA, NA}));
  CHECK_SERIES(src_fn("ta.change", {1, 3, NA, 6}, {2}), (Series{NA, NA, NA, 3}));
  CHECK_SERIES(src_fn("ta.mom", {1, 3, 4}, {2}), (Series{NA, NA, 3}));
  // roc len 1: 100 * (3 - 2) / 2 = 50
  CHECK_SERIES(src_fn("ta.roc", {2, 3, 0, 1}, {1}), (Series{NA, 50, -100, NA}));
  const BuiltinFunction& bool_change = find_builtin("ta.change", 2);
  CHECK(std::string(bool_change.signature).find("series int source") != std::string::npos);
  // the bool overload: true when the value changed
  Series out;
  {
    Runner r(flat_bars({1, 1, 1, 1}));
    for (const BuiltinFunction& f : builtin_registry().functions())
      if (f.signature.rfind("ta.change(series bool", 0) == 0) {
        auto st = f.make_state();
        const Series v{1, 1, 0, 0};
        for (size_t t = 0; t < 4; ++t) {
          double a[2] = {v[t], 1}, o = NA;
          r.cx().t = t;
          f.impl(r.cx(), a, &o, st.get());
          out.push_back(o);
        }
      }
  }
  CHECK_SERIES(out, (Series{0, 0, 1, 0}));
  const Bars& b = nvda();
  Series want(b.size(), NA);
  for (size_t t = 10; t < b.size(); ++t) want[t] = 100 * (b.close[t] - b.close[t - 10]) / b.close[t - 10];
  CHECK_SERIES(src_fn("ta.roc", b.close, {10}), want);
}

TEST_CASE("ta.rsi", "[pine_ta]") {
  // 1, 2, 3, 2, 3 len 2: gains na,1,1,0,1 losses na,0,0,1,0; rma: gains bar2 1, bar3 .5, bar4 .75;
  // losses bar2 0, bar3 .5, bar4 .25 -> rsi na, na, 100 (no loss), 50, 100 - 100/(1+3) = 75
  CHECK_SERIES(src_fn("ta.rsi", {1, 2, 3, 2, 3}, {2}), (Series{NA, NA, 100, 50, 75}));
  // a window with no gain: 0
  CHECK(src_fn("ta.rsi", {3, 2, 1}, {2})[2] == 0);
  // na ignored: 1, 2, na, 3, 2 is 1, 2, 3, 2 -> gains 1, 1, 0 and losses 0, 0, 1: bar 3 100, bar 4 50
  CHECK_SERIES(src_fn("ta.rsi", {1, 2, NA, 3, 2}, {2}), (Series{NA, NA, NA, 100, 50}));
  const Bars& b = nvda();
  Series u(b.size(), NA), d(b.size(), NA);
  for (size_t t = 1; t < b.size(); ++t) {
    u[t] = std::max(b.close[t] - b.close[t - 1], 0.0);
    d[t] = std::max(b.close[t - 1] - b.close[t], 0.0);
  }
  const Series ru = ref_rma(u, 14), rd = ref_rma(d, 14);
  Series want(b.size(), NA);
  for (size_t t = 0; t < b.size(); ++t)
    if (!na(ru[t])) want[t] = rd[t] == 0 ? 100 : 100 - 100 / (1 + ru[t] / rd[t]);
  const Series got = src_fn("ta.rsi", b.close, {14});
  CHECK(na(got[13]));
  CHECK(!na(got[14]));
  CHECK_SERIES(got, want, 1e-9);
}

TEST_CASE("ta.cci, ta.cmo, ta.mfi, ta.tsi", "[pine_ta]") {
  // cci len 3 of 1, 2, 6: sma 3, mean dev (2 + 1 + 3)/3 = 2 -> (6 - 3) / (0.015 * 2) = 100
  CHECK(src_fn("ta.cci", {1, 2, 6}, {3})[2] == Approx(100));
  // cmo len 2 of 1, 3, 2: moms na, 2, -1 -> up 2, down 1 -> 100 * 1 / 3
  CHECK_SERIES(src_fn("ta.cmo", {1, 3, 2}, {2}), (Series{NA, NA, 100.0 / 3}));
  const Bars& b = nvda();
  const Series tp = [&] {
    Series r;
    for (size_t t = 0; t < b.size(); ++t) r.push_back((b.high[t] + b.low[t] + b.close[t]) / 3);
    return r;
  }();
  CHECK_SERIES(src_fn("ta.cci", tp, {20}), [&] {
    const Series m = ref_sma(tp, 20);
    Series r(tp.size(), NA);
    for (size_t t = 19; t < tp.size(); ++t) {
      double s = 0;
      for (int i = 0; i < 20; ++i) s += std::fabs(tp[t - i] - m[t]);
      r[t] = (tp[t] - m[t]) / (0.015 * s / 20);
    }
    return r;
  }(), 1e-8, 1e-8);
  // mfi on the sample
  {
    Series want(b.size(), NA);
    for (size_t t = 13; t < b.size(); ++t) {
      double up = 0, dn = 0;
      for (size_t i = t - 13; i <= t; ++i) {
        const double ch = i == 0 ? NA : tp[i] - tp[i - 1];
        up += b.volume[i] * ((!na(ch) && ch <= 0) ? 0.0 : tp[i]);
        dn += b.volume[i] * ((!na(ch) && ch >= 0) ? 0.0 : tp[i]);
      }
      want[t] = 100 - 100 / (1 + up / dn);
    }
    const Series got = run1(b, "ta.mfi", 2, [&](size_t t) { return std::vector<double>{tp[t], 14}; });
    CHECK_SERIES(got, want, 1e-9);
  }
  // cmo on the sample
  {
    Series want(b.size(), NA);
    for (size_t t = 9; t < b.size(); ++t) {
      double up = 0, dn = 0;
      for (size_t i = t - 8; i <= t; ++i) {
        const double m = b.close[i] - b.close[i - 1];
        up += m >= 0 ? m : 0;
        dn += m >= 0 ? 0 : -m;
      }
      want[t] = 100 * (up - dn) / (up + dn);
    }
    CHECK_SERIES(src_fn("ta.cmo", b.close, {9}), want, 1e-9, 1e-9);
  }
  // tsi = ema(ema(pc, 25), 13) / ema(ema(|pc|, 25), 13)
  {
    Series pc(b.size(), NA), apc(b.size(), NA);
    for (size_t t = 1; t < b.size(); ++t) pc[t] = b.close[t] - b.close[t - 1], apc[t] = std::fabs(pc[t]);
    const Series n = ref_ema(ref_ema(pc, 25), 13), d = ref_ema(ref_ema(apc, 25), 13);
    Series want(b.size());
    for (size_t t = 0; t < b.size(); ++t) want[t] = n[t] / d[t];
    CHECK_SERIES(src_fn("ta.tsi", b.close, {13, 25}), want, 1e-9, 1e-12);
  }
}

TEST_CASE("ta.stoch, ta.wpr", "[pine_ta]") {
  // bars H/L/C: (10, 8, 9), (12, 9, 11), (11, 7, 8): stoch len 2 bar1 100*(11-8)/(12-8) = 75,
  // bar2 100*(8-7)/(12-7) = 20; wpr bar2 100*(8-12)/(12-7) = -80
  const Bars bars = atf::test::make_bars({9, 9, 9}, {10, 12, 11}, {8, 9, 7}, {9, 11, 8});
  const Series st = run1(bars, "ta.stoch", 4,
                         [&](size_t t) { return std::vector<double>{bars.close[t], bars.high[t], bars.low[t], 2}; });
  CHECK_SERIES(st, (Series{NA, 75, 20}));
  CHECK_SERIES(run1(bars, "ta.wpr", 1, [](size_t) { return std::vector<double>{2}; }), (Series{NA, -25, -80}));
  const Bars& b = nvda();
  const Series got = run1(b, "ta.stoch", 4, [&](size_t t) { return std::vector<double>{b.close[t], b.high[t], b.low[t], 14}; });
  Series want(b.size(), NA);
  for (size_t t = 13; t < b.size(); ++t) {
    double hh = b.high[t], ll = b.low[t];
    for (size_t i = t - 13; i <= t; ++i) hh = std::max(hh, b.high[i]), ll = std::min(ll, b.low[i]);
    want[t] = 100 * (b.close[t] - ll) / (hh - ll);
  }
  CHECK_SERIES(got, want);
}

TEST_CASE("ta.macd", "[pine_ta]") {
  const Bars& b = nvda();
  const auto rows = Runner(b).run("ta.macd", 4, [&](size_t t) { return std::vector<double>{b.close[t], 12, 26, 9}; });
  const Series m = sub(ref_ema(b.close, 12), ref_ema(b.close, 26));
  const Series sig = ref_ema(m, 9);
  Series gm, gs, gh;
  for (auto& r : rows) gm.push_back(r[0]), gs.push_back(r[1]), gh.push_back(r[2]);
  CHECK(na(gm[24]));
  CHECK(!na(gm[25]));
  CHECK(na(gs[32]));
  CHECK(!na(gs[33]));
  CHECK_SERIES(gm, m, 1e-9, 1e-12);
  CHECK_SERIES(gs, sig, 1e-9, 1e-12);
  CHECK_SERIES(gh, sub(m, sig), 1e-9, 1e-11);
}

// ======================= volatility =======================

TEST_CASE("ta.tr and ta.atr", "[pine_ta]") {
  // H/L/C (10, 8, 9), (11, 9, 10), (12, 9, 11): tr 2 (or na without handle_na), max(2, 2, 0) = 2,
  // max(3, 2, 1) = 3; atr 2: na, (2 + 2)/2 = 2, 0.5*3 + 0.5*2 = 2.5
  const Bars bars = atf::test::make_bars({9, 9, 9}, {10, 11, 12}, {8, 9, 9}, {9, 10, 11});
  CHECK_SERIES(run1(bars, "ta.tr", 1, [](size_t) { return std::vector<double>{1}; }), (Series{2, 2, 3}));
  CHECK_SERIES(run1(bars, "ta.tr", 1, [](size_t) { return std::vector<double>{0}; }), (Series{NA, 2, 3}));
  CHECK_SERIES(run1(bars, "ta.atr", 1, [](size_t) { return std::vector<double>{2}; }), (Series{NA, 2, 2.5}));
  const Bars& b = nvda();
  CHECK_SERIES(run1(b, "ta.atr", 1, [](size_t) { return std::vector<double>{14}; }), ref_rma(ref_tr(b, true), 14), 1e-12);
  CHECK_THROWS_WITH(run1(bars, "ta.atr", 1, [](size_t) { return std::vector<double>{0}; }),
                    "ta.atr: length must be > 0, got 0");
}

TEST_CASE("ta.bb, ta.bbw, ta.kc, ta.kcw", "[pine_ta]") {
  // bb len 3 mult 2 of 1, 2, 3: basis 2, stdev sqrt(2/3) -> 2 ± 2 sqrt(2/3); bbw = 4 sqrt(2/3) / 2 * 100
  const auto bb = Runner(flat_bars({1, 2, 3})).run("ta.bb", 3, [](size_t t) { return std::vector<double>{t + 1.0, 3, 2}; });
  CHECK(na(bb[1][0]));
  CHECK(bb[2][0] == 2);
  CHECK(bb[2][1] == Approx(2 + 2 * std::sqrt(2.0 / 3)));
  CHECK(bb[2][2] == Approx(2 - 2 * std::sqrt(2.0 / 3)));
  CHECK(src_fn("ta.bbw", {1, 2, 3}, {3, 2})[2] == Approx(4 * std::sqrt(2.0 / 3) / 2 * 100));
  const Bars& b = nvda();
  const auto rows = Runner(b).run("ta.bb", 3, [&](size_t t) { return std::vector<double>{b.close[t], 20, 2}; });
  const Series basis = ref_sma(b.close, 20), sd = ref_stdev(b.close, 20, true);
  Series up, want_up;
  for (size_t t = 0; t < b.size(); ++t) up.push_back(rows[t][1]), want_up.push_back(basis[t] + 2 * sd[t]);
  CHECK_SERIES(up, want_up, 1e-9);
  // kc(20, 1.5, true): ema(close) ± 1.5 * ema(tr without handle_na)
  const auto kc = Runner(b).run("ta.kc", 4, [&](size_t t) { return std::vector<double>{b.close[t], 20, 1.5, 1}; });
  const Series e = ref_ema(b.close, 20), re = ref_ema(ref_tr(b, false), 20);
  Series lo, want_lo, kcw, want_kcw;
  for (size_t t = 0; t < b.size(); ++t) {
    lo.push_back(kc[t][2]);
    want_lo.push_back(e[t] - re[t] * 1.5);
    want_kcw.push_back(2 * re[t] * 1.5 / e[t]);
  }
  CHECK(na(re[19]));  // the range's ema starts a bar later (tr is na on bar 0)
  CHECK(!na(re[20]));
  CHECK_SERIES(lo, want_lo, 1e-9);
  CHECK_SERIES(run1(b, "ta.kcw", 4, [&](size_t t) { return std::vector<double>{b.close[t], 20, 1.5, 1}; }), want_kcw, 1e-8);
  // useTrueRange false: high - low
  const auto kc2 = Runner(b).run("ta.kc", 4, [&](size_t t) { return std::vector<double>{b.close[t], 10, 2, 0}; });
  Series hl, got_up, want2;
  for (size_t t = 0; t < b.size(); ++t) hl.push_back(b.high[t] - b.low[t]);
  const Series e10 = ref_ema(b.close, 10), r10 = ref_ema(hl, 10);
  for (size_t t = 0; t < b.size(); ++t) got_up.push_back(kc2[t][1]), want2.push_back(e10[t] + r10[t] * 2);
  CHECK_SERIES(got_up, want2, 1e-9);
}

// ======================= trend =======================

TEST_CASE("ta.supertrend follows the reference definition", "[pine_ta]") {
  const Bars& b = nvda();
  const double factor = 3;
  const int period = 10;
  const auto rows = Runner(b).run("ta.supertrend", 2, [&](size_t) { return std::vector<double>{factor, period}; });
  const Series atr = ref_rma(ref_tr(b, true), period);
  // pine_supertrend written out over arrays
  Series lower(b.size()), upper(b.size()), line(b.size(), NA), dir(b.size());
  for (size_t t = 0; t < b.size(); ++t) {
    const double src = (b.high[t] + b.low[t]) / 2;
    double up = src + factor * atr[t], lo = src - factor * atr[t];
    const double pl = t ? (na(lower[t - 1]) ? 0 : lower[t - 1]) : 0, pu = t ? (na(upper[t - 1]) ? 0 : upper[t - 1]) : 0;
    const double pc = t ? b.close[t - 1] : NA;
    lo = (lo > pl || pc < pl) ? lo : pl;
    up = (up < pu || pc > pu) ? up : pu;
    if (t == 0 || na(atr[t - 1])) dir[t] = 1;
    else if (line[t - 1] == pu) dir[t] = b.close[t] > up ? -1 : 1;
    else dir[t] = b.close[t] < lo ? 1 : -1;
    line[t] = na(atr[t]) ? NA : (dir[t] == -1 ? lo : up);
    lower[t] = lo;
    upper[t] = up;
  }
  Series gl, gd;
  for (auto& r : rows) gl.push_back(r[0]), gd.push_back(r[1]);
  CHECK(na(gl[8]));
  CHECK(gl[9] == Approx(upper[9]));
  CHECK_SERIES(gl, line, 1e-9);
  CHECK_SERIES(gd, dir);
  long ups = std::count(gd.begin(), gd.end(), -1.0), downs = std::count(gd.begin(), gd.end(), 1.0);
  CHECK(ups > 100);
  CHECK(downs > 100);
  // the line is below price in an up trend and above it in a down trend (on the bar's close)
  long bad = -1;
  for (size_t t = period; t < b.size(); ++t)
    if ((gd[t] == -1 && !(gl[t] <= b.close[t])) || (gd[t] == 1 && !(gl[t] >= b.close[t]))) bad = static_cast<long>(t);
  CHECK(bad == -1);
}

TEST_CASE("ta.dmi follows the DMI indicator", "[pine_ta]") {
  const Bars& b = nvda();
  const int len = 14, sig = 14;
  const auto rows = Runner(b).run("ta.dmi", 2, [&](size_t) { return std::vector<double>{len, sig}; });
  Series pdm(b.size(), NA), mdm(b.size(), NA);
  for (size_t t = 1; t < b.size(); ++t) {
    const double up = b.high[t] - b.high[t - 1], down = b.low[t - 1] - b.low[t];
    pdm[t] = up > down && up > 0 ? up : 0;
    mdm[t] = down > up && down > 0 ? down : 0;
  }
  const Series trur = ref_rma(ref_tr(b, false), len), rp = ref_rma(pdm, len), rm = ref_rma(mdm, len);
  Series plus(b.size(), NA), minus(b.size(), NA), dx(b.size(), NA);
  for (size_t t = 0; t < b.size(); ++t) {
    plus[t] = 100 * rp[t] / trur[t];
    minus[t] = 100 * rm[t] / trur[t];
    if (!na(plus[t])) {
      const double s = plus[t] + minus[t];
      dx[t] = std::fabs(plus[t] - minus[t]) / (s == 0 ? 1 : s);
    }
  }
  const Series adx_r = ref_rma(dx, sig);
  Series gp, gm, ga, adx;
  for (size_t t = 0; t < b.size(); ++t) {
    gp.push_back(rows[t][0]), gm.push_back(rows[t][1]), ga.push_back(rows[t][2]);
    adx.push_back(100 * adx_r[t]);
  }
  CHECK(na(gp[13]));
  CHECK(!na(gp[14]));
  CHECK(na(ga[26]));
  CHECK(!na(ga[27]));
  CHECK_SERIES(gp, plus, 1e-9);
  CHECK_SERIES(gm, minus, 1e-9);
  CHECK_SERIES(ga, adx, 1e-8);
}

TEST_CASE("ta.sar", "[pine_ta]") {
  // H/L/C (10, 9, 9.5), (11, 10, 10.5), (12, 11, 11.5), (13, 12, 12.5); start = inc = 0.02, max 0.2.
  // bar 1: close up -> below, maxMin 11, result 9 + 0.02 * (11 - 9) = 9.04, clamped to low[1] = 9 -> 9
  // bar 2: 9 + 0.02 * 2 = 9.04; high 12 > 11: maxMin 12, acc 0.04; min(9.04, 10, 9) = 9
  // bar 3: 9 + 0.04 * 3 = 9.12; maxMin 13, acc 0.06; min(9.12, 11, 10) = 9.12
  const Bars bars = atf::test::make_bars({9.5, 10.5, 11.5, 12.5}, {10, 11, 12, 13}, {9, 10, 11, 12}, {9.5, 10.5, 11.5, 12.5});
  const Series s = run1(bars, "ta.sar", 3, [](size_t) { return std::vector<double>{0.02, 0.02, 0.2}; });
  CHECK(na(s[0]));
  CHECK(s[1] == 9);
  CHECK(s[2] == 9);
  CHECK(s[3] == Approx(9.12));
  // on the sample: the SAR always lies outside the previous two bars' range on its side
  const Bars& b = nvda();
  const Series g = run1(b, "ta.sar", 3, [](size_t) { return std::vector<double>{0.02, 0.02, 0.2}; });
  long bad = -1, flips = 0;
  for (size_t t = 2; t < b.size(); ++t) {
    const bool below = g[t] <= std::min(b.low[t - 1], b.low[t - 2]);
    const bool above = g[t] >= std::max(b.high[t - 1], b.high[t - 2]);
    if (!(below || above)) bad = static_cast<long>(t);
    if (t > 2 && (g[t] < b.close[t]) != (g[t - 1] < b.close[t - 1])) ++flips;
  }
  CHECK(bad == -1);
  CHECK(flips > 50);
}

// ======================= volume =======================

TEST_CASE("volume variables: obv, accdist, pvt, nvi, pvi, iii, wad, wvad", "[pine_ta]") {
  const Bars& b = nvda();
  Runner r(b);
  auto var = [&](const char* name) { return r.series(name, 0, [](size_t) { return std::vector<double>{}; }); };
  const size_t n = b.size();
  Series obv(n), ad(n), pvt(n), nvi(n), pvi(n), iii(n), wad(n), wvad(n);
  double so = 0, sa = 0, sp = 0, sw = 0, vn = 1, vp = 1;
  for (size_t t = 0; t < n; ++t) {
    const double c = b.close[t], h = b.high[t], l = b.low[t], o = b.open[t], v = b.volume[t];
    if (t > 0) {
      const double pc = b.close[t - 1];
      so += (c > pc ? 1 : c < pc ? -1 : 0) * v;
      sp += (c - pc) / pc * v;
      sw += c > pc ? c - std::min(l, pc) : c < pc ? c - std::max(h, pc) : 0;
      if (v < b.volume[t - 1]) vn += (c - pc) / pc * vn;
      if (v > b.volume[t - 1]) vp += (c - pc) / pc * vp;
    }
    sa += h == l ? 0 : ((2 * c - l - h) / (h - l)) * v;
    obv[t] = so, ad[t] = sa, pvt[t] = sp, wad[t] = sw, nvi[t] = vn, pvi[t] = vp;
    iii[t] = h == l ? NA : (2 * c - h - l) / ((h - l) * v);
    wvad[t] = h == l ? NA : (c - o) / (h - l) * v;
  }
  CHECK_SERIES(var("ta.obv"), obv, 0, 0);  // integer volumes: exact
  CHECK_SERIES(var("ta.accdist"), ad, 1e-9, 1e-3);
  CHECK_SERIES(var("ta.pvt"), pvt, 1e-9, 1e-3);
  CHECK_SERIES(var("ta.wad"), wad, 1e-9, 1e-9);
  CHECK_SERIES(var("ta.nvi"), nvi, 1e-9);
  CHECK_SERIES(var("ta.pvi"), pvi, 1e-9);
  CHECK_SERIES(var("ta.iii"), iii, 1e-12, 1e-20);
  CHECK_SERIES(var("ta.wvad"), wvad, 1e-12, 1e-6);
  CHECK(obv[100] != 0);
  CHECK(nvi.back() != 1);
}

TEST_CASE("ta.vwap: session reset, anchor, bands", "[pine_ta]") {
  // Hourly bars: day 1 at 00:00, 01:00, 02:00; day 2 at 00:00, 01:00. close/volume:
  // (10, 100), (12, 300), (11, 100) | (20, 50), (30, 150)
  // day 1: 10; (1000 + 3600) / 400 = 11.5; (4600 + 1100) / 500 = 11.4; day 2: 20; (1000 + 4500)/200 = 27.5
  Bars bars;
  const int64_t h = 3'600'000, d0 = atf::test::kJan1_2020;
  const Series c{10, 12, 11, 20, 30}, v{100, 300, 100, 50, 150};
  const int64_t times[] = {d0, d0 + h, d0 + 2 * h, d0 + 24 * h, d0 + 25 * h};
  for (size_t i = 0; i < 5; ++i) bars.push_back(times[i], c[i], c[i], c[i], c[i], v[i]);
  CHECK_SERIES(run1(bars, "ta.vwap", 1, [&](size_t t) { return std::vector<double>{c[t]}; }),
               (Series{10, 11.5, 11.4, 20, 27.5}));
  // the variable form averages hlc3 (= close here)
  CHECK_SERIES(run1(bars, "ta.vwap", 0, [&](size_t) { return std::vector<double>{}; }), (Series{10, 11.5, 11.4, 20, 27.5}));
  // anchored at bar 1 only: na, then 12, (3600 + 1100) / 400 = 11.75, (4700 + 1000) / 450, (5700 + 4500) / 600 = 17
  const Series anchor{0, 1, 0, 0, 0};
  CHECK_SERIES(run1(bars, "ta.vwap", 2, [&](size_t t) { return std::vector<double>{c[t], anchor[t]}; }),
               (Series{NA, 12, 11.75, 5700.0 / 450, 17}));
  // bands: at bar 2 (anchor at 1): mean 11.75, E[x²] = (300*144 + 100*121)/400 = 138.25, var 138.25 - 138.0625 = 0.1875
  const auto rows = Runner(bars).run("ta.vwap", 3, [&](size_t t) { return std::vector<double>{c[t], anchor[t], 2}; });
  CHECK(na(rows[0][1]));
  CHECK(rows[2][1] == Approx(11.75 + 2 * std::sqrt(0.1875)));
  CHECK(rows[2][2] == Approx(11.75 - 2 * std::sqrt(0.1875)));
  // daily sample bars: each bar is its own session, so vwap(close) == close
  const Bars& b = nvda();
  CHECK_SERIES(run1(b, "ta.vwap", 1, [&](size_t t) { return std::vector<double>{b.close[t]}; }), b.close, 1e-15);
}

// ======================= pivots =======================

TEST_CASE("ta.pivothigh and ta.pivotlow", "[pine_ta]") {
  // (1, 1) over 1, 3, 2, 5, 4, 4, 3: pivots at bar 1 (3) reported on bar 2, bar 3 (5) on bar 4
  CHECK_SERIES(src_fn("ta.pivothigh", {1, 3, 2, 5, 4, 4, 3}, {1, 1}), (Series{NA, NA, 3, NA, 5, NA, NA}));
  // equal highs: the first one is the pivot
  CHECK_SERIES(src_fn("ta.pivothigh", {1, 4, 4, 1}, {1, 1}), (Series{NA, NA, 4, NA}));
  CHECK_SERIES(src_fn("ta.pivotlow", {5, 2, 3, 1, 4}, {1, 1}), (Series{NA, NA, 2, NA, 1}));
  const Bars& b = nvda();
  const Series ph = run1(b, "ta.pivothigh", 2, [](size_t) { return std::vector<double>{3, 2}; });
  Series want(b.size(), NA);
  long count = 0;
  for (size_t t = 5; t < b.size(); ++t) {
    const double cnd = b.high[t - 2];
    bool ok = true;
    for (size_t i = t - 5; i < t - 2; ++i) ok = ok && b.high[i] < cnd;
    for (size_t i = t - 1; i <= t; ++i) ok = ok && b.high[i] <= cnd;
    if (ok) want[t] = cnd, ++count;
  }
  CHECK(count > 100);
  CHECK_SERIES(ph, want, 0, 0);
  const Series pl = run1(b, "ta.pivotlow", 3, [&](size_t t) { return std::vector<double>{b.low[t], 2, 2}; });
  const Series pl2 = run1(b, "ta.pivotlow", 2, [](size_t) { return std::vector<double>{2, 2}; });
  CHECK_SERIES(pl, pl2, 0, 0);
}

TEST_CASE("ta.pivot_point_levels", "[pine_ta]") {
  // period 1 = bars 0..2: H 12, L 8, C 10 (bar 2); period 2 starts at bar 3 (open 11)
  const Bars bars = atf::test::make_bars({9, 10, 11, 11, 12}, {10, 12, 11, 13, 14}, {9, 8, 9, 10, 11}, {9.5, 11, 10, 12, 13});
  const Series anchor{1, 0, 0, 1, 0};
  Runner r(bars);
  Site site("ta.pivot_point_levels", 3);
  auto levels = [&](const char* type, size_t upto) {
    const Value ty = r.heap().new_string(type);
    Site s("ta.pivot_point_levels", 3);
    std::vector<double> last;
    for (size_t t = 0; t <= upto; ++t) {
      r.cx().t = t;
      const Value arr = s.call(r.cx(), {ty, anchor[t], 0})[0];
      last = r.heap().array(arr).items;
    }
    return last;
  };
  const auto before = levels("Traditional", 2);
  REQUIRE(before.size() == 11);
  CHECK(std::all_of(before.begin(), before.end(), [](double v) { return na(v); }));
  // Traditional: P = 30/3 = 10, R1 = 20 - 8 = 12, S1 = 20 - 12 = 8, R2 = 10 + 4 = 14, S2 = 6,
  // R3 = 20 + (12 - 16) = 16, S3 = 20 - (24 - 8) = 4, R5 = 40 + (12 - 32) = 20
  const auto tr = levels("Traditional", 4);
  CHECK(tr[0] == 10);
  CHECK(tr[1] == 12);
  CHECK(tr[2] == 8);
  CHECK(tr[3] == 14);
  CHECK(tr[4] == 6);
  CHECK(tr[5] == 16);
  CHECK(tr[6] == 4);
  CHECK(tr[9] == 20);
  // Fibonacci R1 = 10 + 0.382 * 4; R4 absent
  const auto fib = levels("Fibonacci", 3);
  CHECK(fib[1] == Approx(11.528));
  CHECK(na(fib[7]));
  // Woodie uses the current period's open: P = (12 + 8 + 2 * 11) / 4 = 10.5
  CHECK(levels("Woodie", 3)[0] == 10.5);
  // Camarilla R1 = C + 1.1 * 4 / 12
  CHECK(levels("Camarilla", 3)[1] == Approx(10 + 1.1 * 4 / 12));
  // DM: previous period open 9 < close 10: X = 2H + L + C = 42 -> P 10.5, R1 21 - 8 = 13
  const auto dm = levels("DM", 3);
  CHECK(dm[0] == 10.5);
  CHECK(dm[1] == 13);
  CHECK(na(dm[3]));
  CHECK_THROWS_WITH(levels("Nope", 0), Catch::Contains("ta.pivot_point_levels: type must be one of"));
}

// ======================= conditions =======================

TEST_CASE("ta.crossover, ta.crossunder, ta.cross", "[pine_ta]") {
  // a 1, 2, 3, 2, 1 against 2: over on bar 2 (3 > 2, 2 <= 2), under on bar 4 (1 < 2, 2 >= 2)
  const Series a{1, 2, 3, 2, 1};
  auto run = [&](const char* name) {
    return run1(flat_bars(a), name, 2, [&](size_t t) { return std::vector<double>{a[t], 2}; });
  };
  CHECK_SERIES(run("ta.crossover"), (Series{0, 0, 1, 0, 0}));
  CHECK_SERIES(run("ta.crossunder"), (Series{0, 0, 0, 0, 1}));
  CHECK_SERIES(run("ta.cross"), (Series{0, 0, 1, 0, 1}));
  // na operands never cross
  CHECK_SERIES(run1(flat_bars(a), "ta.crossover", 2, [&](size_t t) { return std::vector<double>{t == 1 ? NA : a[t], 2}; }),
               (Series{0, 0, 0, 0, 0}));
  const Bars& b = nvda();
  const Series f = ref_sma(b.close, 10), s = ref_sma(b.close, 30);
  const Series got = run1(b, "ta.crossover", 2, [&](size_t t) { return std::vector<double>{f[t], s[t]}; });
  Series want(b.size(), 0);
  long n = 0;
  for (size_t t = 1; t < b.size(); ++t)
    if (f[t] > s[t] && f[t - 1] <= s[t - 1]) want[t] = 1, ++n;
  CHECK(n > 20);
  CHECK_SERIES(got, want, 0, 0);
}

TEST_CASE("ta.rising, ta.falling, ta.barssince, ta.valuewhen", "[pine_ta]") {
  // rising len 2: 1, 2, 3, 3, 4: bar 2 (3 > 2, 1) true, bar 3 (3 > 3) false, bar 4 (4 > 3, 3) true
  CHECK_SERIES(src_fn("ta.rising", {1, 2, 3, 3, 4}, {2}), (Series{0, 0, 1, 0, 1}));
  CHECK_SERIES(src_fn("ta.falling", {5, 4, 3, 3, 2}, {2}), (Series{0, 0, 1, 0, 1}));
  // barssince of 0, 1, 0, 0, 1, 0: na, 0, 1, 2, 0, 1
  CHECK_SERIES(src_fn("ta.barssince", {0, 1, 0, 0, 1, 0}, {}), (Series{NA, 0, 1, 2, 0, 1}));
  // valuewhen(cond, src, 1) with cond 1, 0, 1, 0, 1 and src 10..50: na, na, 10, 10, 30
  const Series cond{1, 0, 1, 0, 1}, src{10, 20, 30, 40, 50};
  CHECK_SERIES(run1(flat_bars(src), "ta.valuewhen", 3, [&](size_t t) { return std::vector<double>{cond[t], src[t], 1}; }),
               (Series{NA, NA, 10, 10, 30}));
  CHECK_SERIES(run1(flat_bars(src), "ta.valuewhen", 3, [&](size_t t) { return std::vector<double>{cond[t], src[t], 0}; }),
               (Series{10, 10, 30, 30, 50}));
  const Bars& b = nvda();
  const Series up = [&] {
    Series r(b.size(), 0);
    for (size_t t = 0; t < b.size(); ++t) r[t] = b.close[t] > b.open[t];
    return r;
  }();
  const Series bs = run1(b, "ta.barssince", 1, [&](size_t t) { return std::vector<double>{up[t]}; });
  Series want(b.size(), NA);
  long last = -1;
  for (size_t t = 0; t < b.size(); ++t) {
    if (up[t]) last = static_cast<long>(t);
    if (last >= 0) want[t] = static_cast<double>(static_cast<long>(t) - last);
  }
  CHECK_SERIES(bs, want, 0, 0);
  const Series rs = src_fn("ta.rising", b.close, {3});
  Series want_r(b.size(), 0);
  for (size_t t = 3; t < b.size(); ++t)
    want_r[t] = b.close[t] > b.close[t - 1] && b.close[t] > b.close[t - 2] && b.close[t] > b.close[t - 3];
  CHECK_SERIES(rs, want_r, 0, 0);
}

TEST_CASE("every ta function is registered once per signature, with a state when stateful", "[pine_ta]") {
  const char* names[] = {"ta.sma", "ta.ema", "ta.rma", "ta.wma", "ta.vwma", "ta.hma", "ta.alma", "ta.swma", "ta.linreg",
                         "ta.stdev", "ta.variance", "ta.dev", "ta.median", "ta.percentrank",
                         "ta.percentile_linear_interpolation", "ta.percentile_nearest_rank", "ta.highest", "ta.lowest",
                         "ta.highestbars", "ta.lowestbars", "ta.change", "ta.mom", "ta.roc", "ta.rsi", "ta.cci", "ta.cmo",
                         "ta.mfi", "ta.tsi", "ta.wpr", "ta.stoch", "ta.macd", "ta.bb", "ta.bbw", "ta.kc", "ta.kcw",
                         "ta.atr", "ta.tr", "ta.dmi", "ta.supertrend", "ta.sar", "ta.obv", "ta.accdist", "ta.pvt",
                         "ta.nvi", "ta.pvi", "ta.iii", "ta.wad", "ta.wvad", "ta.vwap", "ta.cog", "ta.correlation",
                         "ta.pivothigh", "ta.pivotlow", "ta.pivot_point_levels", "ta.crossover", "ta.crossunder",
                         "ta.cross", "ta.rising", "ta.falling", "ta.barssince", "ta.valuewhen", "ta.cum", "ta.max",
                         "ta.min", "ta.range"};
  for (const char* n : names) {
    INFO(n);
    bool found = false;
    for (const BuiltinFunction& f : builtin_registry().functions())
      if (signature_name(f.signature) == n) found = true;
    CHECK(found);
  }
  std::vector<std::string> sigs;
  for (const BuiltinFunction& f : builtin_registry().functions())
    if (f.signature.rfind("ta.", 0) == 0) {
      INFO(f.signature);
      CHECK(f.impl != nullptr);
      CHECK(!f.doc.empty());
      sigs.push_back(f.signature);
    }
  std::sort(sigs.begin(), sigs.end());
  CHECK(std::adjacent_find(sigs.begin(), sigs.end()) == sigs.end());
}

TEST_CASE("ta: a length that grows faster than the kept history is an error, not a wrong value", "[pine_ta]") {
  Series src(2000);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<double>(i % 7);
  // length 5 for 1000 bars, then 900: only max(2*5+2, 256) values were kept
  CHECK_THROWS_WITH(run1(flat_bars(src), "ta.sma", 2, [&](size_t t) { return std::vector<double>{src[t], t < 1000 ? 5.0 : 900.0}; }),
                    Catch::Contains("ta.sma: length 900 reaches further back"));
  // growing by one each bar is fine: sma(src, bar_index + 1) is the running mean
  const Series m = run1(flat_bars(src), "ta.sma", 2, [&](size_t t) { return std::vector<double>{src[t], t + 1.0}; });
  double s = 0;
  for (size_t i = 0; i < 1500; ++i) s += src[i];
  CHECK(m[1499] == Approx(s / 1500));
}

TEST_CASE("ta: more functions against plain recomputations on the sample", "[pine_ta]") {
  const Bars& b = nvda();
  const size_t n = b.size();
  // variance (unbiased) = stdev²
  const Series sd = ref_stdev(b.close, 12, false);
  Series var(n);
  for (size_t t = 0; t < n; ++t) var[t] = sd[t] * sd[t];
  CHECK_SERIES(src_fn("ta.variance", b.close, {12, 0}), var, 1e-9, 1e-9);
  // swma
  Series sw(n, NA);
  for (size_t t = 3; t < n; ++t) sw[t] = (b.close[t - 3] + 2 * b.close[t - 2] + 2 * b.close[t - 1] + b.close[t]) / 6;
  CHECK_SERIES(src_fn("ta.swma", b.close, {}), sw, 1e-12);
  // percentile_linear_interpolation 25th of 9 values: rank 2 exactly -> third smallest; 30th: rank 2.4
  CHECK_SERIES(src_fn("ta.percentile_linear_interpolation", b.close, {9, 30}),
               ref_window(b.close, 9, [](std::vector<double> w) {
                 std::sort(w.begin(), w.end());
                 return w[2] + 0.4 * (w[3] - w[2]);
               }), 1e-9);
  // cog
  CHECK_SERIES(src_fn("ta.cog", b.close, {10}), ref_window(b.close, 10, [](std::vector<double> w) {
                 double s = 0, num = 0;
                 for (int i = 0; i < 10; ++i) s += w[i], num += w[9 - i] * (i + 1);
                 return -num / s;
               }), 1e-12);
  // change / mom over 3 bars
  Series ch(n, NA);
  for (size_t t = 3; t < n; ++t) ch[t] = b.close[t] - b.close[t - 3];
  CHECK_SERIES(src_fn("ta.change", b.close, {3}), ch, 0, 0);
  CHECK_SERIES(src_fn("ta.mom", b.close, {3}), ch, 0, 0);
  // cum of prices on the tick grid is exact: equal to the tick sum / scale
  const double scale = price_scale_of(b);
  const Series cum = src_fn("ta.cum", b.close, {});
  long long ticks = 0;
  long bad = -1;
  for (size_t t = 0; t < n; ++t) {
    ticks += std::llround(b.close[t] * scale);
    if (cum[t] != static_cast<double>(ticks) / scale && bad < 0) bad = static_cast<long>(t);
  }
  CHECK(bad == -1);
  // all-time max / min
  Series mx(n), mn(n);
  for (size_t t = 0; t < n; ++t) {
    mx[t] = t ? std::max(mx[t - 1], b.high[t]) : b.high[t];
    mn[t] = t ? std::min(mn[t - 1], b.low[t]) : b.low[t];
  }
  CHECK_SERIES(src_fn("ta.max", b.high, {}), mx, 0, 0);
  CHECK_SERIES(src_fn("ta.min", b.low, {}), mn, 0, 0);
  // falling over 2
  Series fa(n, 0);
  for (size_t t = 2; t < n; ++t) fa[t] = b.close[t] < b.close[t - 1] && b.close[t] < b.close[t - 2];
  CHECK_SERIES(src_fn("ta.falling", b.close, {2}), fa, 0, 0);
  // valuewhen(close > open, close, 2)
  Series vw(n, NA);
  std::vector<double> hits;
  for (size_t t = 0; t < n; ++t) {
    if (b.close[t] > b.open[t]) hits.push_back(b.close[t]);
    if (hits.size() >= 3) vw[t] = hits[hits.size() - 3];
  }
  CHECK_SERIES(run1(b, "ta.valuewhen", 3, [&](size_t t) {
                 return std::vector<double>{b.close[t] > b.open[t] ? 1.0 : 0.0, b.close[t], 2};
               }), vw, 0, 0);
  // wpr(14)
  Series wpr(n, NA);
  for (size_t t = 13; t < n; ++t) {
    double hh = b.high[t], ll = b.low[t];
    for (size_t i = t - 13; i <= t; ++i) hh = std::max(hh, b.high[i]), ll = std::min(ll, b.low[i]);
    wpr[t] = 100 * (b.close[t] - hh) / (hh - ll);
  }
  CHECK_SERIES(run1(b, "ta.wpr", 1, [](size_t) { return std::vector<double>{14}; }), wpr, 1e-12);
  // bbw(20, 2) = 2 * 2 * stdev / sma * 100
  const Series bs = ref_sma(b.close, 20), bd = ref_stdev(b.close, 20, true);
  Series bbw(n);
  for (size_t t = 0; t < n; ++t) bbw[t] = 4 * bd[t] / bs[t] * 100;
  CHECK_SERIES(src_fn("ta.bbw", b.close, {20, 2}), bbw, 1e-8);
  // vwap anchored every 20 bars (first anchor at bar 0)
  Series vwap(n);
  double pv = 0, vv = 0;
  for (size_t t = 0; t < n; ++t) {
    if (t % 20 == 0) pv = vv = 0;
    pv += b.close[t] * b.volume[t];
    vv += b.volume[t];
    vwap[t] = pv / vv;
  }
  CHECK_SERIES(run1(b, "ta.vwap", 2, [&](size_t t) { return std::vector<double>{b.close[t], t % 20 == 0 ? 1.0 : 0.0}; }),
               vwap, 1e-12);
  // pivotlow(low, 2, 3)
  Series pl(n, NA);
  for (size_t t = 5; t < n; ++t) {
    const double c = b.low[t - 3];
    bool ok = true;
    for (size_t i = t - 5; i < t - 3; ++i) ok = ok && b.low[i] > c;
    for (size_t i = t - 2; i <= t; ++i) ok = ok && b.low[i] >= c;
    if (ok) pl[t] = c;
  }
  CHECK_SERIES(run1(b, "ta.pivotlow", 3, [&](size_t t) { return std::vector<double>{b.low[t], 2, 3}; }), pl, 0, 0);
}

TEST_CASE("ta: small hand-computed volume indicators and wide windows", "[pine_ta]") {
  // H/L/C/O/V: (10, 8, 9, 9, 100), (12, 9, 11, 10, 200), (11, 7, 8, 11, 50)
  Bars bars;
  const int64_t d = atf::test::kDay, d0 = atf::test::kJan1_2020;
  bars.push_back(d0, 9, 10, 8, 9, 100);
  bars.push_back(d0 + d, 10, 12, 9, 11, 200);
  bars.push_back(d0 + 2 * d, 11, 11, 7, 8, 50);
  Runner r(bars);
  auto var = [&](const char* name) { return r.series(name, 0, [](size_t) { return std::vector<double>{}; }); };
  // obv: 0, +200, +200 - 50 = 150
  CHECK_SERIES(var("ta.obv"), (Series{0, 200, 150}));
  // accdist: ((18-8-10)/2)*100 = 0; ((22-9-12)/3)*200 = 66.67; ((16-7-11)/4)*50 = -25
  CHECK_SERIES(var("ta.accdist"), (Series{0, 200.0 / 3, 200.0 / 3 - 25}));
  // pvt: 0, (2/9)*200, + (-3/11)*50
  CHECK_SERIES(var("ta.pvt"), (Series{0, 2.0 / 9 * 200, 2.0 / 9 * 200 - 3.0 / 11 * 50}));
  // nvi: volume falls only on bar 2: 1 + (-3/11) * 1; pvi: rises on bar 1: 1 + 2/9
  CHECK_SERIES(var("ta.nvi"), (Series{1, 1, 1 - 3.0 / 11}));
  CHECK_SERIES(var("ta.pvi"), (Series{1, 1 + 2.0 / 9, 1 + 2.0 / 9}));
  // iii: (18 - 18) / (2 * 100) = 0; (22 - 21) / (3 * 200); (16 - 18) / (4 * 50)
  CHECK_SERIES(var("ta.iii"), (Series{0, 1.0 / 600, -2.0 / 200}));
  // wvad: 0 / 2 * 100 = 0; (1 / 3) * 200; (-3 / 4) * 50
  CHECK_SERIES(var("ta.wvad"), (Series{0, 200.0 / 3, -37.5}));
  // wad: 0; close up: 11 - min(9, 9) = 2; close down: 8 - max(11, 11) = -3 -> -1
  CHECK_SERIES(var("ta.wad"), (Series{0, 2, -1}));
  // mfi len 2 on close: bar 0 both flows take 9*100; bar 1 up: upper 2200; bar 2 down: lower 400
  // -> bar 1: upper 900 + 2200, lower 900 -> 100 - 100 / (1 + 3100 / 900); bar 2: upper 2200, lower 400
  const Series mfi = run1(bars, "ta.mfi", 2, [&](size_t t) { return std::vector<double>{bars.close[t], 2}; });
  CHECK(na(mfi[0]));
  CHECK(mfi[1] == Approx(100 - 100 / (1 + 3100.0 / 900)));
  CHECK(mfi[2] == Approx(100 - 100 / (1 + 2200.0 / 400)));
  // vwma len 2: (9*100 + 11*200) / 300, (11*200 + 8*50) / 250
  CHECK_SERIES(run1(bars, "ta.vwma", 2, [&](size_t t) { return std::vector<double>{bars.close[t], 2}; }),
               (Series{NA, 3100.0 / 300, 2600.0 / 250}));
  // hma 4 over 1, 2, 4, 8, 16: wma2 = (2x0 + x1) / 3, wma4 = (4x0 + 3x1 + 2x2 + x3) / 10, then wma over 2
  const Series h = src_fn("ta.hma", {1, 2, 4, 8, 16}, {4});
  const double d3 = 2 * (2 * 8 + 4) / 3.0 - (4 * 8 + 3 * 4 + 2 * 2 + 1) / 10.0;
  const double d4 = 2 * (2 * 16 + 8) / 3.0 - (4 * 16 + 3 * 8 + 2 * 4 + 2) / 10.0;
  CHECK(na(h[3]));
  CHECK(h[4] == Approx((2 * d4 + d3) / 3));
}

TEST_CASE("ta: a call site's history is its calls (a call skipped on a bar does not advance it)", "[pine_ta]") {
  // sma(src, 2) evaluated on even bars only of 1, 2, 3, 4, 5, 6: sees 1, 3, 5 -> na, 2, 4
  Runner r(flat_bars({1, 2, 3, 4, 5, 6}));
  Site site("ta.sma", 2);
  Series got;
  for (size_t t = 0; t < 6; t += 2) {
    r.cx().t = t;
    got.push_back(site.call(r.cx(), {t + 1.0, 2})[0]);
  }
  CHECK_SERIES(got, (Series{NA, 2, 4}));
}

TEST_CASE("ta.sma off the tick grid does not drift", "[pine_ta]") {
  // 300000 pseudo-random values off the grid; the last mean against a fresh sum
  Series x(300000);
  uint64_t s = 42;
  for (double& v : x) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<double>(s >> 11) / 9007199254740992.0 * 1000 + 1.0 / 3;
  }
  Runner r(flat_bars(Series(x.size(), 1)), 100);
  Site site("ta.sma", 2);
  double last = NA;
  for (size_t t = 0; t < x.size(); ++t) {
    r.cx().t = t;
    last = site.call(r.cx(), {x[t], 50})[0];
  }
  double sum = 0;
  for (size_t i = x.size() - 50; i < x.size(); ++i) sum += x[i];
  CHECK(last == Approx(sum / 50).epsilon(1e-13));
}

TEST_CASE("ta: outputs on the sample are bit-identical to the recorded ones (native and Wasm)", "[pine_ta]") {
  // FNV-1a over the bits of every output of a broad set of calls (na hashed as one pattern). A
  // deliberate change of an implementation updates kExpected (the failure message prints the new one).
  const Bars& b = nvda();
  const auto c = [&](size_t t) { return b.close[t]; };
  struct Call {
    const char* name;
    std::function<std::vector<double>(size_t)> args;
  };
  const std::vector<Call> calls = {
      {"ta.sma", [&](size_t t) { return std::vector<double>{c(t), 20}; }},
      {"ta.ema", [&](size_t t) { return std::vector<double>{c(t), 20}; }},
      {"ta.rma", [&](size_t t) { return std::vector<double>{c(t), 14}; }},
      {"ta.wma", [&](size_t t) { return std::vector<double>{c(t), 10}; }},
      {"ta.vwma", [&](size_t t) { return std::vector<double>{c(t), 10}; }},
      {"ta.hma", [&](size_t t) { return std::vector<double>{c(t), 9}; }},
      {"ta.alma", [&](size_t t) { return std::vector<double>{c(t), 9, 0.85, 6, 0}; }},
      {"ta.swma", [&](size_t t) { return std::vector<double>{c(t)}; }},
      {"ta.linreg", [&](size_t t) { return std::vector<double>{c(t), 20, 0}; }},
      {"ta.stdev", [&](size_t t) { return std::vector<double>{c(t), 20, 1}; }},
      {"ta.dev", [&](size_t t) { return std::vector<double>{c(t), 20}; }},
      {"ta.median", [&](size_t t) { return std::vector<double>{c(t), 10}; }},
      {"ta.percentile_linear_interpolation", [&](size_t t) { return std::vector<double>{c(t), 10, 30}; }},
      {"ta.rsi", [&](size_t t) { return std::vector<double>{c(t), 14}; }},
      {"ta.cci", [&](size_t t) { return std::vector<double>{c(t), 20}; }},
      {"ta.cmo", [&](size_t t) { return std::vector<double>{c(t), 9}; }},
      {"ta.mfi", [&](size_t t) { return std::vector<double>{c(t), 14}; }},
      {"ta.tsi", [&](size_t t) { return std::vector<double>{c(t), 13, 25}; }},
      {"ta.macd", [&](size_t t) { return std::vector<double>{c(t), 12, 26, 9}; }},
      {"ta.bb", [&](size_t t) { return std::vector<double>{c(t), 20, 2}; }},
      {"ta.kc", [&](size_t t) { return std::vector<double>{c(t), 20, 1.5, 1}; }},
      {"ta.atr", [&](size_t) { return std::vector<double>{14}; }},
      {"ta.dmi", [&](size_t) { return std::vector<double>{14, 14}; }},
      {"ta.supertrend", [&](size_t) { return std::vector<double>{3, 10}; }},
      {"ta.sar", [&](size_t) { return std::vector<double>{0.02, 0.02, 0.2}; }},
      {"ta.correlation", [&](size_t t) { return std::vector<double>{c(t), b.open[t], 20}; }},
      {"ta.cog", [&](size_t t) { return std::vector<double>{c(t), 10}; }},
      {"ta.accdist", [&](size_t) { return std::vector<double>{}; }},
      {"ta.pvt", [&](size_t) { return std::vector<double>{}; }},
      {"ta.nvi", [&](size_t) { return std::vector<double>{}; }},
      {"ta.vwap", [&](size_t t) { return std::vector<double>{c(t), t % 20 == 0 ? 1.0 : 0.0, 1}; }},
  };
  uint64_t h = 1469598103934665603ULL;
  for (const Call& call : calls) {
    const size_t nargs = call.args(0).size();
    for (const auto& row : Runner(b).run(call.name, nargs, call.args))
      for (double v : row) {
        uint64_t bits;
        const double x = na(v) ? NA : v;
        std::memcpy(&bits, &x, 8);
        if (na(v)) bits = 0x7ff8000000000000ULL;
        for (int k = 0; k < 8; ++k) h = (h ^ ((bits >> (8 * k)) & 0xff)) * 1099511628211ULL;
      }
  }
  constexpr uint64_t kExpected = 0xb6daec3627b8fc1cULL;
  INFO("hash 0x" << std::hex << h);
  CHECK(h == kExpected);
}

TEST_CASE("ta: windows of non-na values with a changing length match a plain recomputation", "[pine_ta]") {
  const Bars& b = nvda();
  const size_t n = b.size();
  Series src = b.close, len(n);
  for (size_t t = 0; t < n; ++t) {
    if (t % 13 == 7) src[t] = NA;
    len[t] = 3 + static_cast<double>((t / 40 * 5) % 23);
  }
  // last `len` non-na values up to bar t (oldest first), or empty while fewer
  auto window = [&](size_t t) {
    std::vector<double> w;
    for (size_t i = t + 1; i-- > 0 && w.size() < static_cast<size_t>(len[t]);)
      if (!na(src[i])) w.insert(w.begin(), src[i]);
    if (w.size() < static_cast<size_t>(len[t])) w.clear();
    return w;
  };
  auto ref = [&](const std::function<double(const std::vector<double>&)>& f) {
    Series r(n, NA);
    for (size_t t = 0; t < n; ++t) {
      const auto w = window(t);
      if (!w.empty()) r[t] = f(w);
    }
    return r;
  };
  auto run = [&](const char* name, std::vector<double> extra) {
    return run1(b, name, 2 + extra.size(), [&](size_t t) {
      std::vector<double> a{src[t], len[t]};
      a.insert(a.end(), extra.begin(), extra.end());
      return a;
    });
  };
  const double scale = price_scale_of(b);
  // sma: exact tick mean
  CHECK_SERIES(run("ta.sma", {}), ref([&](const std::vector<double>& w) {
                 long long ticks = 0;
                 for (double v : w) ticks += std::llround(v * scale);
                 return static_cast<double>(ticks) / (static_cast<double>(w.size()) * scale);
               }), 0, 0);
  CHECK_SERIES(run("ta.stdev", {1}), ref([](const std::vector<double>& w) {
                 double m = 0;
                 for (double v : w) m += v;
                 m /= w.size();
                 double ss = 0;
                 for (double v : w) ss += (v - m) * (v - m);
                 return std::sqrt(ss / w.size());
               }), 1e-9, 1e-9);
  CHECK_SERIES(run("ta.wma", {}), ref([](const std::vector<double>& w) {
                 double s = 0, nw = 0;
                 for (size_t i = 0; i < w.size(); ++i) s += w[i] * (i + 1), nw += i + 1;
                 return s / nw;
               }), 1e-12);
  CHECK_SERIES(run("ta.median", {}), ref([](std::vector<double> w) {
                 std::sort(w.begin(), w.end());
                 const size_t k = w.size();
                 return k % 2 ? w[k / 2] : (w[k / 2 - 1] + w[k / 2]) / 2;
               }), 0, 0);
}
