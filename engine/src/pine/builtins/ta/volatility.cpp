// Volatility: ta.tr, ta.atr, ta.bb, ta.bbw, ta.kc, ta.kcw.
// Definitions from the TradingView Pine Script v6 Reference Manual:
//   tr      math.max(high - low, math.abs(high - close[1]), math.abs(low - close[1])); on the first
//           bar (close[1] na) high - low when handle_na, else na ("ta.tr(false) is exactly the same
//           as ta.tr").
//   atr     pine_atr: trueRange = na(high[1]) ? high - low : max(...); ta.rma(trueRange, length).
//   bb      basis = ta.sma(src, length), dev = mult * ta.stdev(src, length),
//           [basis, basis + dev, basis - dev].
//   bbw     (((basis + dev) - (basis - dev)) / basis) * 100.
//   kc      basis = ta.ema(src, length), span = useTrueRange ? ta.tr : high - low,
//           rangeEma = ta.ema(span, length), [basis, basis + rangeEma * mult, basis - rangeEma * mult].
//   kcw     ((basis + rangeEma * mult) - (basis - rangeEma * mult)) / basis.
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

void ta_tr(CallContext& cx, const Value* a, Value* out, CallState*) { out[0] = true_range(cx, truthy(a[0])); }

struct AtrState : CallState {
  EmaCore rma;
};
void ta_atr(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.atr", "length", a[0]);
  out[0] = static_cast<AtrState*>(s)->rma.update(true_range(cx, true), len, rma_alpha(len), cx.price_scale, "ta.atr");
}

struct BbState : CallState {
  SmaCore basis;
  std::unique_ptr<CallState> stdev = make_stdev_state();
};
bool bb_step(CallContext& cx, const Value* a, CallState* s, const char* fn, double& basis, double& dev) {
  auto& st = *static_cast<BbState*>(s);
  const int64_t len = int_arg(fn, "length", a[1]);
  basis = st.basis.update(a[0], len, cx.price_scale, fn);
  dev = a[2] * stdev_step(st.stdev.get(), a[0], len, true, cx.price_scale, fn);
  return !is_na(basis);
}
void ta_bb(CallContext& cx, const Value* a, Value* out, CallState* s) {
  double basis, dev;
  bb_step(cx, a, s, "ta.bb", basis, dev);
  out[0] = basis;
  out[1] = basis + dev;
  out[2] = basis - dev;
}
void ta_bbw(CallContext& cx, const Value* a, Value* out, CallState* s) {
  double basis, dev;
  bb_step(cx, a, s, "ta.bbw", basis, dev);
  out[0] = pdiv((basis + dev) - (basis - dev), basis) * 100;
}

struct KcState : CallState {
  EmaCore basis, range;
};
void kc_step(CallContext& cx, const Value* a, CallState* s, const char* fn, double& basis, double& band) {
  auto& st = *static_cast<KcState*>(s);
  const int64_t len = int_arg(fn, "length", a[1]);
  const double span = truthy(a[3]) ? true_range(cx, false) : cx.high() - cx.low();
  basis = st.basis.update(a[0], len, ema_alpha(len), cx.price_scale, fn);
  band = st.range.update(span, len, ema_alpha(len), cx.price_scale, fn) * a[2];
}
void ta_kc(CallContext& cx, const Value* a, Value* out, CallState* s) {
  double basis, band;
  kc_step(cx, a, s, "ta.kc", basis, band);
  out[0] = basis;
  out[1] = basis + band;
  out[2] = basis - band;
}
void ta_kcw(CallContext& cx, const Value* a, Value* out, CallState* s) {
  double basis, band;
  kc_step(cx, a, s, "ta.kcw", basis, band);
  out[0] = pdiv((basis + band) - (basis - band), basis);
}

}  // namespace

void register_volatility(Registry& reg) {
  reg.function("ta.tr(simple bool handle_na) -> series float",
               "True range; on the first bar high - low when handle_na is true, else na.", ta_tr);
  reg.function("ta.atr(simple int length) -> series float", "Average true range: ta.rma of the true range.", ta_atr,
               make_state<AtrState>);
  reg.function(
      "ta.bb(series float source, series int length, simple float mult) -> [series float, series float, series float]",
      "Bollinger Bands: [sma, sma + mult * stdev, sma - mult * stdev].", ta_bb, make_state<BbState>);
  reg.function("ta.bbw(series float source, series int length, simple float mult) -> series float",
               "Bollinger Band width in percent of the middle band.", ta_bbw, make_state<BbState>);
  reg.function(
      "ta.kc(series float source, simple int length, simple float mult, simple bool useTrueRange = true) -> [series float, series float, series float]",
      "Keltner Channels: [ema, ema + mult * ema(range), ema - mult * ema(range)].", ta_kc, make_state<KcState>);
  reg.function(
      "ta.kcw(series float source, simple int length, simple float mult, simple bool useTrueRange = true) -> series float",
      "Keltner Channel width relative to the middle line.", ta_kcw, make_state<KcState>);
}

}  // namespace atf::pine::ta
