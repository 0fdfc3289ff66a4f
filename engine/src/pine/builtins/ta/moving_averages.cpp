// Moving averages: ta.sma, ta.ema, ta.rma, ta.wma, ta.vwma, ta.hma, ta.alma, ta.swma, ta.linreg.
// Definitions from the TradingView Pine Script v6 Reference Manual:
//   sma    "the sum of last y values of x, divided by y"; na values ignored.
//   ema    alpha = 2 / (length + 1); EMA = alpha * source + (1 - alpha) * EMA[1], seeded (as the
//          built-in does, not the reference's simplified pine_ema) with ta.sma of the first
//          `length` values, like pine_rma; na values ignored.
//   rma    pine_rma: sum := na(sum[1]) ? ta.sma(src, length) : alpha * src + (1 - alpha) * nz(sum[1]),
//          alpha = 1/length; na values ignored.
//   wma    pine_wma: weight = (y - i) * y; sum += x[i] * weight; norm += weight; sum / norm.
//   vwma   ta.sma(x * volume, y) / ta.sma(volume, y).
//   hma    ta.wma(2 * ta.wma(src, length / 2) - ta.wma(src, length), math.floor(math.sqrt(length)))
//          (integer halves, as the built-in Hull MA).
//   alma   pine_alma: m = offset * (windowsize - 1) (floored when floor=true), s = windowsize / sigma,
//          weight = exp(-1 * (i - m)^2 / (2 * s^2)), sum += series[windowsize - i - 1] * weight,
//          result sum / norm; na values produce na.
//   swma   x[3] * 1 / 6 + x[2] * 2 / 6 + x[1] * 2 / 6 + x[0] * 1 / 6; na values produce na.
//   linreg intercept + slope * (length - 1 - offset), least squares over x = 0 (oldest) ...
//          length - 1 (newest); na values produce na.
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

// ---- sma ----
struct SmaState : CallState {
  SmaCore core;
};
void ta_sma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.sma", "length", a[1]);
  out[0] = static_cast<SmaState*>(s)->core.update(a[0], len, cx.price_scale, "ta.sma");
}

// ---- ema / rma ----
struct EmaState : CallState {
  EmaCore core;
};
void ta_ema(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.ema", "length", a[1]);
  out[0] = static_cast<EmaState*>(s)->core.update(a[0], len, ema_alpha(len), cx.price_scale, "ta.ema");
}
void ta_rma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.rma", "length", a[1]);
  out[0] = static_cast<EmaState*>(s)->core.update(a[0], len, rma_alpha(len), cx.price_scale, "ta.rma");
}

}  // namespace

// ---- wma (shared with hma) ----
/// Weighted average of the last `len` non-na values (pine_wma), O(len) per bar.
class WmaCore {
 public:
  double update(double v, int64_t len, const char* fn) {
    hist_.keep(history_for(len));
    if (!is_na(v)) hist_.push(v);
    check_history(fn, hist_, len);
    if (hist_.size() < static_cast<size_t>(len)) return kNa;
    const double y = static_cast<double>(len);
    double norm = 0.0, sum = 0.0;
    for (int64_t i = 0; i < len; ++i) {
      const double weight = static_cast<double>(len - i) * y;
      norm = norm + weight;
      sum = sum + hist_.ago(static_cast<size_t>(i)) * weight;
    }
    return sum / norm;
  }

 private:
  Ring hist_;
};

namespace {

struct WmaState : CallState {
  WmaCore core;
};
void ta_wma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.wma", "length", a[1]);
  out[0] = static_cast<WmaState*>(s)->core.update(a[0], len, "ta.wma");
}

// ---- vwma ----
struct VwmaState : CallState {
  SmaCore num, den;
};
void ta_vwma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<VwmaState*>(s);
  const int64_t len = int_arg("ta.vwma", "length", a[1]);
  const double vol = cx.volume();
  // The product is off the tick grid in general: scale 1 keeps volume sums exact when integral.
  const double n = st.num.update(a[0] * vol, len, 1.0, "ta.vwma");
  const double d = st.den.update(vol, len, 1.0, "ta.vwma");
  out[0] = pdiv(n, d);
}

// ---- hma ----
struct HmaState : CallState {
  WmaCore half, full, outer;
};
void ta_hma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<HmaState*>(s);
  const int64_t len = int_arg("ta.hma", "length", a[1], 2);
  const int64_t sq = static_cast<int64_t>(std::floor(std::sqrt(static_cast<double>(len))));
  const double h = st.half.update(a[0], len / 2, "ta.hma");
  const double f = st.full.update(a[0], len, "ta.hma");
  out[0] = st.outer.update(2 * h - f, sq, "ta.hma");
}

// ---- alma ----
struct AlmaState : CallState {
  Ring hist;
  std::vector<double> weights;
  double norm = 0, key_len = -1, key_offset = kNa, key_sigma = kNa, key_floor = -1;
};
void ta_alma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<AlmaState*>(s);
  const int64_t len = int_arg("ta.alma", "length", a[1]);
  const double offset = a[2], sigma = a[3];
  const bool floor_m = truthy(a[4]);
  st.hist.keep(history_for(len));
  st.hist.push(a[0]);
  if (is_na(offset) || is_na(sigma)) {
    out[0] = kNa;
    return;
  }
  if (st.key_len != static_cast<double>(len) || st.key_offset != offset || st.key_sigma != sigma ||
      st.key_floor != static_cast<double>(floor_m)) {
    st.key_len = static_cast<double>(len);
    st.key_offset = offset;
    st.key_sigma = sigma;
    st.key_floor = floor_m;
    double m = offset * static_cast<double>(len - 1);
    if (floor_m) m = std::floor(m);
    const double sd = static_cast<double>(len) / sigma;
    st.weights.assign(static_cast<size_t>(len), 0.0);
    st.norm = 0.0;
    for (int64_t i = 0; i < len; ++i) {
      const double d = static_cast<double>(i) - m;
      const double weight = std::exp(-1 * (d * d) / (2 * (sd * sd)));
      st.weights[static_cast<size_t>(i)] = weight;
      st.norm = st.norm + weight;
    }
  }
  check_history("ta.alma", st.hist, len);
  if (st.hist.size() < static_cast<size_t>(len)) {
    out[0] = kNa;
    return;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < len; ++i) sum = sum + st.hist.ago(static_cast<size_t>(len - i - 1)) * st.weights[static_cast<size_t>(i)];
  out[0] = sum / st.norm;
}

// ---- swma ----
struct SwmaState : CallState {
  double x1 = kNa, x2 = kNa, x3 = kNa;
};
void ta_swma(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<SwmaState*>(s);
  const double x0 = a[0];
  out[0] = st.x3 * 1 / 6 + st.x2 * 2 / 6 + st.x1 * 2 / 6 + x0 * 1 / 6;
  st.x3 = st.x2;
  st.x2 = st.x1;
  st.x1 = x0;
}

// ---- linreg ----
struct LinregState : CallState {
  Ring hist;
};
void ta_linreg(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<LinregState*>(s);
  const int64_t len = int_arg("ta.linreg", "length", a[1]);
  if (is_na(a[2])) throw RuntimeError("ta.linreg: offset must not be na");
  const double offset = static_cast<double>(static_cast<int64_t>(a[2]));
  st.hist.keep(history_for(len));
  st.hist.push(a[0]);
  check_history("ta.linreg", st.hist, len);
  out[0] = kNa;
  if (st.hist.size() < static_cast<size_t>(len)) return;
  double sum_x = 0, sum_y = 0, sum_xx = 0, sum_xy = 0;
  for (int64_t j = 0; j < len; ++j) {
    const double y = st.hist.ago(static_cast<size_t>(len - 1 - j));
    if (is_na(y)) return;
    const double x = static_cast<double>(j);
    sum_x += x;
    sum_y += y;
    sum_xx += x * x;
    sum_xy += x * y;
  }
  const double n = static_cast<double>(len);
  const double slope = pdiv(n * sum_xy - sum_x * sum_y, n * sum_xx - sum_x * sum_x);
  const double intercept = sum_y / n - slope * sum_x / n;
  out[0] = intercept + slope * (n - 1 - offset);
}

}  // namespace

void register_moving_averages(Registry& reg) {
  reg.function("ta.sma(series float source, series int length) -> series float",
               "Simple moving average of the last `length` non-na values of source.", ta_sma, make_state<SmaState>);
  reg.function("ta.ema(series float source, simple int length) -> series float",
               "Exponential moving average, alpha = 2 / (length + 1), seeded with the SMA of the first `length` values.",
               ta_ema, make_state<EmaState>);
  reg.function("ta.rma(series float source, simple int length) -> series float",
               "Wilder's moving average (used by RSI, ATR): alpha = 1 / length, seeded with an SMA.", ta_rma,
               make_state<EmaState>);
  reg.function("ta.wma(series float source, series int length) -> series float",
               "Weighted moving average: weights decrease linearly, the newest value weighs most.", ta_wma,
               make_state<WmaState>);
  reg.function("ta.vwma(series float source, series int length) -> series float",
               "Volume-weighted moving average: sma(source * volume, length) / sma(volume, length).", ta_vwma,
               make_state<VwmaState>);
  reg.function("ta.hma(series float source, simple int length) -> series float",
               "Hull moving average: wma(2 * wma(src, length / 2) - wma(src, length), floor(sqrt(length))).", ta_hma,
               make_state<HmaState>);
  reg.function(
      "ta.alma(series float source, series int length, simple float offset, simple float sigma, simple bool floor = false) -> series float",
      "Arnaud Legoux moving average: Gaussian weights centred at offset * (windowsize - 1).", ta_alma,
      make_state<AlmaState>);
  reg.function("ta.swma(series float source) -> series float",
               "Symmetrically weighted moving average over 4 bars, weights 1/6, 2/6, 2/6, 1/6.", ta_swma,
               make_state<SwmaState>);
  reg.function("ta.linreg(series float source, series int length, simple int offset) -> series float",
               "Linear regression curve: intercept + slope * (length - 1 - offset) of a least-squares fit.", ta_linreg,
               make_state<LinregState>);
}

}  // namespace atf::pine::ta
