// Trend: ta.supertrend, ta.dmi, ta.sar.
// Definitions from the TradingView Pine Script v6 Reference Manual:
//   supertrend  pine_supertrend (src = hl2, atr = ta.atr(atrPeriod), bands src ± factor * atr,
//               ratcheted against nz(band[1]) unless close[1] crossed them; direction 1 while
//               na(atr[1]), else from prevSuperTrend == prevUpperBand; supertrend = direction == -1 ?
//               lowerBand : upperBand). Direction -1 is up, 1 is down. While atr is na the line is na
//               (the reference code would show the ratchet's nz() zero there).
//   dmi         as TradingView's DMI indicator: up = ta.change(high), down = -ta.change(low),
//               plusDM = up > down and up > 0 ? up : 0, minusDM = down > up and down > 0 ? down : 0
//               (na on the first bar), trur = ta.rma(ta.tr, diLength),
//               plus = fixnan(100 * ta.rma(plusDM, diLength) / trur), minus likewise,
//               adx = 100 * ta.rma(math.abs(plus - minus) / (sum == 0 ? 1 : sum), adxSmoothing).
//   sar         pine_sar (start, inc, max), including its bar_index == 1 initialisation and its
//               clamps to the two previous bars' lows/highs.
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

// ---- supertrend ----
struct SupertrendState : CallState {
  EmaCore atr;
  double prev_atr = kNa, prev_lower = kNa, prev_upper = kNa, prev_st = kNa;
  bool called = false;
};
void ta_supertrend(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<SupertrendState*>(s);
  const double factor = a[0];
  const int64_t period = int_arg("ta.supertrend", "atrPeriod", a[1]);
  const double src = (cx.high() + cx.low()) / 2;
  const double atr = st.atr.update(true_range(cx, true), period, rma_alpha(period), cx.price_scale, "ta.supertrend");
  double upper = src + factor * atr, lower = src - factor * atr;
  const double prev_lower = nz(st.prev_lower), prev_upper = nz(st.prev_upper);
  const double prev_close = cx.t > 0 ? cx.bars->close[cx.t - 1] : kNa;
  lower = (lower > prev_lower || prev_close < prev_lower) ? lower : prev_lower;
  upper = (upper < prev_upper || prev_close > prev_upper) ? upper : prev_upper;
  double dir;
  if (is_na(st.prev_atr)) dir = 1;
  else if (st.prev_st == prev_upper) dir = cx.close() > upper ? -1 : 1;
  else dir = cx.close() < lower ? 1 : -1;
  const double line = is_na(atr) ? kNa : (dir == -1 ? lower : upper);
  st.prev_atr = atr;
  st.prev_lower = lower;
  st.prev_upper = upper;
  st.prev_st = line;
  out[0] = line;
  out[1] = dir;
}

// ---- dmi ----
struct DmiState : CallState {
  EmaCore tr, plus_dm, minus_dm, adx;
  double prev_high = kNa, prev_low = kNa, plus = kNa, minus = kNa;
};
void ta_dmi(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<DmiState*>(s);
  const int64_t len = int_arg("ta.dmi", "diLength", a[0]);
  const int64_t sig = int_arg("ta.dmi", "adxSmoothing", a[1]);
  const double sc = cx.price_scale;
  const double up = cx.high() - st.prev_high;
  const double down = -(cx.low() - st.prev_low);
  st.prev_high = cx.high();
  st.prev_low = cx.low();
  const double pdm = is_na(up) ? kNa : (up > down && up > 0 ? up : 0);
  const double mdm = is_na(down) ? kNa : (down > up && down > 0 ? down : 0);
  const double trur = st.tr.update(true_range(cx, false), len, rma_alpha(len), sc, "ta.dmi");
  const double p = pdiv(100 * st.plus_dm.update(pdm, len, rma_alpha(len), sc, "ta.dmi"), trur);
  const double m = pdiv(100 * st.minus_dm.update(mdm, len, rma_alpha(len), sc, "ta.dmi"), trur);
  if (!is_na(p)) st.plus = p;  // fixnan
  if (!is_na(m)) st.minus = m;
  const double sum = st.plus + st.minus;
  const double dx = std::fabs(st.plus - st.minus) / (sum == 0 ? 1 : sum);
  out[0] = st.plus;
  out[1] = st.minus;
  out[2] = 100 * st.adx.update(dx, sig, rma_alpha(sig), sc, "ta.dmi");
}

// ---- sar ----
struct SarState : CallState {
  double result = kNa, max_min = kNa, acceleration = kNa;
  bool is_below = false;
};
void ta_sar(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<SarState*>(s);
  const double start = a[0], inc = a[1], max = a[2];
  const Bars& b = *cx.bars;
  const size_t t = cx.t;
  const double high = cx.high(), low = cx.low();
  bool first_trend_bar = false;
  if (t == 1) {
    if (cx.close() > b.close[0]) {
      st.is_below = true;
      st.max_min = high;
      st.result = b.low[0];
    } else {
      st.is_below = false;
      st.max_min = low;
      st.result = b.high[0];
    }
    first_trend_bar = true;
    st.acceleration = start;
  }
  st.result = st.result + st.acceleration * (st.max_min - st.result);
  if (st.is_below) {
    if (st.result > low) {
      first_trend_bar = true;
      st.is_below = false;
      st.result = nmax(high, st.max_min);
      st.max_min = low;
      st.acceleration = start;
    }
  } else {
    if (st.result < high) {
      first_trend_bar = true;
      st.is_below = true;
      st.result = nmin(low, st.max_min);
      st.max_min = high;
      st.acceleration = start;
    }
  }
  if (!first_trend_bar) {
    if (st.is_below) {
      if (high > st.max_min) {
        st.max_min = high;
        st.acceleration = nmin(st.acceleration + inc, max);
      }
    } else {
      if (low < st.max_min) {
        st.max_min = low;
        st.acceleration = nmin(st.acceleration + inc, max);
      }
    }
  }
  const double h1 = t >= 1 ? b.high[t - 1] : kNa, l1 = t >= 1 ? b.low[t - 1] : kNa;
  if (st.is_below) {
    st.result = nmin(st.result, l1);
    if (t > 1) st.result = nmin(st.result, b.low[t - 2]);
  } else {
    st.result = nmax(st.result, h1);
    if (t > 1) st.result = nmax(st.result, b.high[t - 2]);
  }
  out[0] = st.result;
}

}  // namespace

void register_trend(Registry& reg) {
  reg.function("ta.supertrend(series float factor, simple int atrPeriod) -> [series float, series int]",
               "Supertrend: [line, direction] with direction -1 up and 1 down.", ta_supertrend,
               make_state<SupertrendState>);
  reg.function("ta.dmi(simple int diLength, simple int adxSmoothing) -> [series float, series float, series float]",
               "Directional movement index: [+DI, -DI, ADX].", ta_dmi, make_state<DmiState>);
  reg.function("ta.sar(series float start, series float inc, series float max) -> series float",
               "Parabolic SAR (stop and reverse).", ta_sar, make_state<SarState>);
}

}  // namespace atf::pine::ta
