// Window statistics: ta.stdev, ta.variance, ta.dev, ta.median, ta.percentrank,
// ta.percentile_linear_interpolation, ta.percentile_nearest_rank, ta.correlation, ta.cog,
// ta.range, ta.highest, ta.lowest, ta.highestbars, ta.lowestbars, ta.max, ta.min, ta.cum.
// Definitions from the TradingView Pine Script v6 Reference Manual:
//   stdev     pine_stdev: avg = ta.sma(src, length); sum of SUM(src[i], -avg)^2 where SUM snaps a
//             result with |res| <= 1e-10 to 0; sqrt(sum / length) (biased) or / (length - 1).
//   variance  the same without the square root.
//   dev       pine_dev: mean = ta.sma(source, length); sum of |source[i] - mean| / length.
//   median    median of the last `length` non-na values (mean of the two middle ones when even).
//   percentrank  100 * (count of source[i] <= source, i = 1..length) / length; na gives na.
//   percentile_linear_interpolation  linear interpolation between the two nearest ranks of the
//             sorted window, rank = p / 100 * (length - 1); na gives na.
//   percentile_nearest_rank  sorted[ceil(p / 100 * n) - 1] (the 0th is the smallest, the 100th the
//             largest); na values ignored.
//   correlation  Pearson correlation of the last `length` bars on which both sources are non-na.
//   cog       pine_cog: -sum(source[i] * (i + 1)) / sum(source, length).
//   range     highest - lowest of the last `length` non-na values.
//   highest/lowest(bars)  over the last `length` bars, na values skipped; the one-argument form
//             reads high (highest) or low (lowest); *bars is the offset (<= 0) of the extreme, the
//             most recent one on ties. na until `length` bars have been seen.
//   max/min   all-time extreme of the non-na values so far.
//   cum       total sum of source (na values count as 0); exact int64 ticks while every value is
//             on the tick grid.
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

// ---- stdev / variance ----
struct StdevState : CallState {
  SmaCore sma;
};
/// Sum of squared deviations of the last `len` non-na values from their ta.sma (pine_stdev).
double variance_update(StdevState& st, double v, int64_t len, bool biased, double scale, const char* fn) {
  const double avg = st.sma.update(v, len, scale, fn);
  if (is_na(avg)) return kNa;
  const Ring& h = st.sma.history();
  double sum_sq = 0.0;
  for (int64_t i = 0; i < len; ++i) {
    double d = h.ago(static_cast<size_t>(i)) + -avg;
    if (std::fabs(d) <= 1e-10) d = 0;
    sum_sq = sum_sq + d * d;
  }
  return pdiv(sum_sq, static_cast<double>(biased ? len : len - 1));
}

}  // namespace

double stdev_step(CallState* s, double v, int64_t len, bool biased, double scale, const char* fn) {
  const double var = variance_update(*static_cast<StdevState*>(s), v, len, biased, scale, fn);
  return is_na(var) ? kNa : std::sqrt(var);
}
std::unique_ptr<CallState> make_stdev_state() { return std::make_unique<StdevState>(); }

namespace {

void ta_stdev(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.stdev", "length", a[1]);
  out[0] = stdev_step(s, a[0], len, a[2] != 0.0, cx.price_scale, "ta.stdev");
}
void ta_variance(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.variance", "length", a[1]);
  out[0] = variance_update(*static_cast<StdevState*>(s), a[0], len, a[2] != 0.0, cx.price_scale, "ta.variance");
}

// ---- dev ----
void ta_dev(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<StdevState*>(s);
  const int64_t len = int_arg("ta.dev", "length", a[1]);
  const double mean = st.sma.update(a[0], len, cx.price_scale, "ta.dev");
  if (is_na(mean)) {
    out[0] = kNa;
    return;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < len; ++i) sum = sum + std::fabs(st.sma.history().ago(static_cast<size_t>(i)) - mean);
  out[0] = sum / static_cast<double>(len);
}

// ---- windows of values (sorted copies for median / percentiles) ----
struct WindowState : CallState {
  Ring hist;
  std::vector<double> scratch;
  /// Pushes v (skipping na when `skip_na`) and copies the last `len` values into scratch;
  /// false when fewer than len values exist or (with !skip_na) one of them is na.
  bool window(double v, int64_t len, bool skip_na, const char* fn) {
    hist.keep(history_for(len));
    if (!(skip_na && is_na(v))) hist.push(v);
    check_history(fn, hist, len);
    if (hist.size() < static_cast<size_t>(len)) return false;
    scratch.resize(static_cast<size_t>(len));
    for (int64_t i = 0; i < len; ++i) {
      const double x = hist.ago(static_cast<size_t>(i));
      if (is_na(x)) return false;
      scratch[static_cast<size_t>(i)] = x;
    }
    return true;
  }
};

void ta_median(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<WindowState*>(s);
  const int64_t len = int_arg("ta.median", "length", a[1]);
  out[0] = kNa;
  if (!st.window(a[0], len, true, "ta.median")) return;
  auto& w = st.scratch;
  std::sort(w.begin(), w.end());
  const size_t n = w.size();
  out[0] = n % 2 == 1 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
}

void ta_percentrank(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<WindowState*>(s);
  const int64_t len = int_arg("ta.percentrank", "length", a[1]);
  out[0] = kNa;
  if (!st.window(a[0], len + 1, false, "ta.percentrank")) return;
  const double cur = st.scratch[0];
  int64_t count = 0;
  for (int64_t i = 1; i <= len; ++i)
    if (st.scratch[static_cast<size_t>(i)] <= cur) ++count;
  out[0] = 100.0 * static_cast<double>(count) / static_cast<double>(len);
}

void ta_percentile_linear(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<WindowState*>(s);
  const int64_t len = int_arg("ta.percentile_linear_interpolation", "length", a[1]);
  out[0] = kNa;
  if (!st.window(a[0], len, false, "ta.percentile_linear_interpolation") || is_na(a[2])) return;
  auto& w = st.scratch;
  std::sort(w.begin(), w.end());
  const double p = std::clamp(a[2], 0.0, 100.0);
  const double rank = p / 100 * static_cast<double>(len - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, w.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  out[0] = frac == 0 ? w[lo] : w[lo] + (w[hi] - w[lo]) * frac;
}

void ta_percentile_nearest(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<WindowState*>(s);
  const int64_t len = int_arg("ta.percentile_nearest_rank", "length", a[1]);
  out[0] = kNa;
  if (!st.window(a[0], len, true, "ta.percentile_nearest_rank") || is_na(a[2])) return;
  auto& w = st.scratch;
  std::sort(w.begin(), w.end());
  const double p = std::clamp(a[2], 0.0, 100.0);
  int64_t rank = static_cast<int64_t>(std::ceil(p / 100 * static_cast<double>(len)));
  rank = std::clamp<int64_t>(rank, 1, len);
  out[0] = w[static_cast<size_t>(rank - 1)];
}

void ta_range(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<WindowState*>(s);
  const int64_t len = int_arg("ta.range", "length", a[1]);
  out[0] = kNa;
  if (!st.window(a[0], len, true, "ta.range")) return;
  double hi = st.scratch[0], lo = st.scratch[0];
  for (double x : st.scratch) {
    if (x > hi) hi = x;
    if (x < lo) lo = x;
  }
  out[0] = hi - lo;
}

void ta_cog(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<WindowState*>(s);
  const int64_t len = int_arg("ta.cog", "length", a[1]);
  out[0] = kNa;
  if (!st.window(a[0], len, true, "ta.cog")) return;
  double sum = 0.0, num = 0.0;
  for (int64_t i = len; i-- > 0;) sum += st.scratch[static_cast<size_t>(i)];
  for (int64_t i = 0; i < len; ++i) num = num + st.scratch[static_cast<size_t>(i)] * static_cast<double>(i + 1);
  out[0] = pdiv(-num, sum);
}

// ---- correlation ----
struct CorrState : CallState {
  Ring x, y;
};
void ta_correlation(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<CorrState*>(s);
  const int64_t len = int_arg("ta.correlation", "length", a[2]);
  st.x.keep(history_for(len));
  st.y.keep(history_for(len));
  if (!is_na(a[0]) && !is_na(a[1])) {
    st.x.push(a[0]);
    st.y.push(a[1]);
  }
  check_history("ta.correlation", st.x, len);
  out[0] = kNa;
  if (st.x.size() < static_cast<size_t>(len)) return;
  const double n = static_cast<double>(len);
  double sx = 0, sy = 0;
  for (int64_t i = len; i-- > 0;) {
    sx += st.x.ago(static_cast<size_t>(i));
    sy += st.y.ago(static_cast<size_t>(i));
  }
  const double mx = sx / n, my = sy / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (int64_t i = len; i-- > 0;) {
    const double dx = st.x.ago(static_cast<size_t>(i)) - mx, dy = st.y.ago(static_cast<size_t>(i)) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  out[0] = pdiv(sxy, std::sqrt(sxx * syy));
}

// ---- highest / lowest and their offsets ----
template <bool kHigh>
struct ExtremeState : CallState {
  ExtremeWindow<kHigh> win;
};
template <bool kHigh, bool kBars, bool kImplicit>
void ta_extreme(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<ExtremeState<kHigh>*>(s);
  const char* fn = kHigh ? (kBars ? "ta.highestbars" : "ta.highest") : (kBars ? "ta.lowestbars" : "ta.lowest");
  const double src = kImplicit ? (kHigh ? cx.high() : cx.low()) : a[0];
  const int64_t len = int_arg(fn, "length", kImplicit ? a[0] : a[1]);
  const int64_t i = st.win.update(src, len, fn);
  if (i < 0) out[0] = kNa;
  else out[0] = kBars ? -static_cast<double>(i) : st.win.value();
}

// ---- all-time max / min ----
struct AllTimeState : CallState {
  double v = kNa;
};
template <bool kMax>
void ta_alltime(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<AllTimeState*>(s);
  const double x = a[0];
  if (!is_na(x) && (is_na(st.v) || (kMax ? x > st.v : x < st.v))) st.v = x;
  out[0] = st.v;
}

}  // namespace

namespace {

struct CumState : CallState {
  CumCore core;
};
void ta_cum(CallContext& cx, const Value* a, Value* out, CallState* s) {
  out[0] = static_cast<CumState*>(s)->core.add(a[0], cx.price_scale);
}

}  // namespace

void register_statistics(Registry& reg) {
  reg.function("ta.stdev(series float source, series int length, simple bool biased = true) -> series float",
               "Standard deviation of the last `length` values (biased: population estimate).", ta_stdev,
               make_state<StdevState>);
  reg.function("ta.variance(series float source, series int length, simple bool biased = true) -> series float",
               "Variance of the last `length` values around their sma (biased: population estimate).", ta_variance,
               make_state<StdevState>);
  reg.function("ta.dev(series float source, series int length) -> series float",
               "Mean absolute deviation of the last `length` values from their sma.", ta_dev, make_state<StdevState>);
  reg.function("ta.median(series float source, series int length) -> series float",
               "Median of the last `length` non-na values.", ta_median, make_state<WindowState>);
  reg.function("ta.percentrank(series float source, series int length) -> series float",
               "Percent of the previous `length` values that are <= the current value.", ta_percentrank,
               make_state<WindowState>);
  reg.function(
      "ta.percentile_linear_interpolation(series float source, series int length, simple float percentage) -> series float",
      "Percentile of the last `length` values, interpolated linearly between the two nearest ranks.",
      ta_percentile_linear, make_state<WindowState>);
  reg.function(
      "ta.percentile_nearest_rank(series float source, series int length, simple float percentage) -> series float",
      "Percentile of the last `length` values by the nearest-rank method (always a member of the window).",
      ta_percentile_nearest, make_state<WindowState>);
  reg.function("ta.correlation(series float source1, series float source2, series int length) -> series float",
               "Correlation coefficient of two series over the last `length` bars.", ta_correlation,
               make_state<CorrState>);
  reg.function("ta.cog(series float source, series int length) -> series float",
               "Center of gravity: -sum(source[i] * (i + 1)) / sum(source) over `length` values.", ta_cog,
               make_state<WindowState>);
  reg.function("ta.range(series float source, series int length) -> series float",
               "Difference between the highest and lowest of the last `length` values.", ta_range,
               make_state<WindowState>);
  reg.function("ta.highest(series float source, series int length) -> series float",
               "Highest value of the last `length` bars.", ta_extreme<true, false, false>, make_state<ExtremeState<true>>);
  reg.function("ta.highest(series int length) -> series float", "Highest high of the last `length` bars.",
               ta_extreme<true, false, true>, make_state<ExtremeState<true>>);
  reg.function("ta.lowest(series float source, series int length) -> series float",
               "Lowest value of the last `length` bars.", ta_extreme<false, false, false>, make_state<ExtremeState<false>>);
  reg.function("ta.lowest(series int length) -> series float", "Lowest low of the last `length` bars.",
               ta_extreme<false, false, true>, make_state<ExtremeState<false>>);
  reg.function("ta.highestbars(series float source, series int length) -> series int",
               "Offset (<= 0) to the bar with the highest value of the last `length` bars.",
               ta_extreme<true, true, false>, make_state<ExtremeState<true>>);
  reg.function("ta.highestbars(series int length) -> series int",
               "Offset (<= 0) to the bar with the highest high of the last `length` bars.",
               ta_extreme<true, true, true>, make_state<ExtremeState<true>>);
  reg.function("ta.lowestbars(series float source, series int length) -> series int",
               "Offset (<= 0) to the bar with the lowest value of the last `length` bars.",
               ta_extreme<false, true, false>, make_state<ExtremeState<false>>);
  reg.function("ta.lowestbars(series int length) -> series int",
               "Offset (<= 0) to the bar with the lowest low of the last `length` bars.",
               ta_extreme<false, true, true>, make_state<ExtremeState<false>>);
  reg.function("ta.max(series float source) -> series float", "All-time high of source up to the current bar.",
               ta_alltime<true>, make_state<AllTimeState>);
  reg.function("ta.min(series float source) -> series float", "All-time low of source up to the current bar.",
               ta_alltime<false>, make_state<AllTimeState>);
  reg.function("ta.cum(series float source) -> series float", "Cumulative (total) sum of source.", ta_cum,
               make_state<CumState>);
}

}  // namespace atf::pine::ta
