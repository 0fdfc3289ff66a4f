// Volume: ta.obv, ta.accdist, ta.pvt, ta.nvi, ta.pvi, ta.iii, ta.wad, ta.wvad (built-in VARIABLES
// in Pine: registered as zero-argument functions "ta.obv()" etc.; the VM maps a bare `ta.obv`
// identifier to a call of the zero-argument function, one call state per use), and ta.vwap.
// Definitions from the TradingView Pine Script v6 Reference Manual and built-in indicators:
//   obv      ta.cum(math.sign(ta.change(close)) * volume)
//   accdist  ta.cum(close == high and close == low or high == low ? 0
//                   : ((2 * close - low - high) / (high - low)) * volume)
//   pvt      ta.cum((ta.change(close) / close[1]) * volume)
//   nvi/pvi  start at 1.0; prev = nz(nvi[1]) == 0 ? 1 : nvi[1]; on a bar where close or close[1] is
//            0/na the index stays, else when volume < volume[1] (nvi; > for pvi)
//            prev + ((close - close[1]) / close[1]) * prev, otherwise prev.
//   iii      (2 * close - high - low) / ((high - low) * volume)
//   wad      ta.cum(close > close[1] ? close - math.min(low, close[1])
//                   : close < close[1] ? close - math.max(high, close[1]) : 0)
//   wvad     (close - open) / (high - low) * volume
//   vwap     sums of src * volume, volume and src² * volume since the anchor; vwap = sum(src·v)/sum(v),
//            stdev = sqrt(max(sum(src²·v)/sum(v) - vwap², 0)), bands vwap ± stdev * stdev_mult.
//            ta.vwap(source) anchors at each new day (UTC shifted by cx.timezone_offset_ms); with an
//            anchor argument the sums restart when it is true and are na until it first is
//            ("Calculations only begin the first time the anchor condition becomes true").
//            The variable `ta.vwap` is ta.vwap(hlc3) ("ta.vwap()" here).
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

double prev_close(const CallContext& cx) { return cx.t > 0 ? cx.bars->close[cx.t - 1] : kNa; }

struct CumVarState : CallState {
  CumCore cum;
};
void ta_obv(CallContext& cx, const Value*, Value* out, CallState* s) {
  const double ch = cx.close() - prev_close(cx);
  const double sign = is_na(ch) ? kNa : (ch > 0 ? 1.0 : ch < 0 ? -1.0 : 0.0);
  out[0] = static_cast<CumVarState*>(s)->cum.add(sign * cx.volume(), 1.0);
}
void ta_accdist(CallContext& cx, const Value*, Value* out, CallState* s) {
  const double c = cx.close(), h = cx.high(), l = cx.low();
  const double mfv = ((c == h && c == l) || h == l) ? 0 : ((2 * c - l - h) / (h - l)) * cx.volume();
  out[0] = static_cast<CumVarState*>(s)->cum.add(mfv, 1.0);
}
void ta_pvt(CallContext& cx, const Value*, Value* out, CallState* s) {
  const double pc = prev_close(cx);
  out[0] = static_cast<CumVarState*>(s)->cum.add(pdiv(cx.close() - pc, pc) * cx.volume(), 1.0);
}
void ta_wad(CallContext& cx, const Value*, Value* out, CallState* s) {
  const double c = cx.close(), pc = prev_close(cx);
  const double gain = c > pc ? c - nmin(cx.low(), pc) : c < pc ? c - nmax(cx.high(), pc) : 0;
  out[0] = static_cast<CumVarState*>(s)->cum.add(gain, cx.price_scale);
}
void ta_iii(CallContext& cx, const Value*, Value* out, CallState*) {
  out[0] = pdiv(2 * cx.close() - cx.high() - cx.low(), (cx.high() - cx.low()) * cx.volume());
}
void ta_wvad(CallContext& cx, const Value*, Value* out, CallState*) {
  out[0] = pdiv(cx.close() - cx.open(), cx.high() - cx.low()) * cx.volume();
}

struct VolumeIndexState : CallState {
  double value = 1.0;
};
template <bool kNegative>
void ta_volume_index(CallContext& cx, const Value*, Value* out, CallState* s) {
  auto& st = *static_cast<VolumeIndexState*>(s);
  const double prev = (nz(st.value) == 0.0) ? 1.0 : st.value;
  const double c = cx.close(), pc = prev_close(cx);
  if (nz(c) == 0.0 || nz(pc) == 0.0) {
    st.value = prev;
  } else {
    const double v = cx.volume(), pv = nz(cx.bars->volume[cx.t - 1]);
    const bool moved = kNegative ? v < pv : v > pv;
    st.value = moved ? prev + ((c - pc) / pc) * prev : prev;
  }
  out[0] = st.value;
}

// ---- vwap ----
struct VwapState : CallState {
  double sum_sv = kNa, sum_v = kNa, sum_ssv = kNa;
  int64_t day = INT64_MIN;
};
void vwap_step(VwapState& st, double src, double vol, bool new_period, double mult, Value* out, int n_out) {
  if (new_period) {
    st.sum_sv = src * vol;
    st.sum_v = vol;
    st.sum_ssv = vol * (src * src);
  } else {
    st.sum_sv = src * vol + st.sum_sv;
    st.sum_v = vol + st.sum_v;
    st.sum_ssv = vol * (src * src) + st.sum_ssv;
  }
  const double vwap = st.sum_sv / st.sum_v;
  out[0] = vwap;
  if (n_out == 3) {
    double variance = st.sum_ssv / st.sum_v - vwap * vwap;
    variance = variance < 0 ? 0 : variance;
    const double sd = std::sqrt(variance);
    out[1] = vwap + sd * mult;
    out[2] = vwap - sd * mult;
  }
}
bool new_day(const CallContext& cx, VwapState& st) {
  const int64_t ms = cx.time() + cx.timezone_offset_ms;
  const int64_t day = (ms >= 0 ? ms : ms - 86'399'999) / 86'400'000;
  const bool changed = day != st.day;
  st.day = day;
  return changed;
}
void ta_vwap_session(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<VwapState*>(s);
  vwap_step(st, a[0], cx.volume(), new_day(cx, st), 0, out, 1);
}
void ta_vwap_var(CallContext& cx, const Value*, Value* out, CallState* s) {
  auto& st = *static_cast<VwapState*>(s);
  const double hlc3 = (cx.high() + cx.low() + cx.close()) / 3;
  vwap_step(st, hlc3, cx.volume(), new_day(cx, st), 0, out, 1);
}
template <int kOut>
void ta_vwap_anchor(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<VwapState*>(s);
  const bool anchor = truthy(a[1]);
  const double mult = kOut == 3 ? a[2] : 0.0;
  vwap_step(st, a[0], cx.volume(), anchor, mult, out, kOut);  // never anchored yet: the sums stay na
}

}  // namespace

void register_volume(Registry& reg) {
  // Built-in variables (`ta.obv`, ...), exposed as zero-argument functions.
  reg.function("ta.obv() -> series float", "On-balance volume (variable ta.obv).", ta_obv, make_state<CumVarState>);
  reg.function("ta.accdist() -> series float", "Accumulation/distribution index (variable ta.accdist).", ta_accdist,
               make_state<CumVarState>);
  reg.function("ta.pvt() -> series float", "Price-volume trend (variable ta.pvt).", ta_pvt, make_state<CumVarState>);
  reg.function("ta.wad() -> series float", "Williams accumulation/distribution (variable ta.wad).", ta_wad,
               make_state<CumVarState>);
  reg.function("ta.iii() -> series float", "Intraday intensity index (variable ta.iii).", ta_iii);
  reg.function("ta.wvad() -> series float", "Williams variable accumulation/distribution (variable ta.wvad).",
               ta_wvad);
  reg.function("ta.nvi() -> series float", "Negative volume index (variable ta.nvi).", ta_volume_index<true>,
               make_state<VolumeIndexState>);
  reg.function("ta.pvi() -> series float", "Positive volume index (variable ta.pvi).", ta_volume_index<false>,
               make_state<VolumeIndexState>);
  reg.function("ta.vwap() -> series float", "Session VWAP of hlc3 (variable ta.vwap).", ta_vwap_var,
               make_state<VwapState>);
  reg.function("ta.vwap(series float source) -> series float",
               "Volume-weighted average price since the start of the day.", ta_vwap_session, make_state<VwapState>);
  reg.function("ta.vwap(series float source, series bool anchor) -> series float",
               "Volume-weighted average price since the last bar where anchor was true.", ta_vwap_anchor<1>,
               make_state<VwapState>);
  reg.function(
      "ta.vwap(series float source, series bool anchor, simple float stdev_mult) -> [series float, series float, series float]",
      "Anchored VWAP with bands: [vwap, vwap + stdev * stdev_mult, vwap - stdev * stdev_mult].", ta_vwap_anchor<3>,
      make_state<VwapState>);
}

}  // namespace atf::pine::ta
