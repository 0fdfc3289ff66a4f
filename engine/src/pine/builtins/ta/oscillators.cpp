// Momentum and oscillators: ta.change, ta.mom, ta.roc, ta.rsi, ta.cci, ta.cmo, ta.mfi, ta.tsi,
// ta.wpr, ta.stoch, ta.macd.
// Definitions from the TradingView Pine Script v6 Reference Manual (and the built-in indicators
// they reproduce):
//   change  source - source[length] (bool: source != source[length]); na gives na.
//   mom     source - source[length]; roc 100 * (source - source[length]) / source[length].
//   rsi     up = ta.rma(math.max(ta.change(x), 0), len), down = ta.rma(-math.min(ta.change(x), 0), len),
//           down == 0 ? 100 : up == 0 ? 0 : 100 - 100 / (1 + up / down) (the RSI indicator's guards;
//           the reference's plain 100 - 100 / (1 + rs) is the same except 0/0). "na values are
//           ignored": rsi, cmo, mfi and tsi take changes between consecutive non-na values.
//   cci     (source - ta.sma(source, length)) / (0.015 * ta.dev(source, length)).
//   cmo     f_cmo: mom = ta.change(src); sm1 = math.sum(mom >= 0 ? mom : 0, length),
//           sm2 = math.sum(mom >= 0 ? 0 : -mom, length); 100 * (sm1 - sm2) / (sm1 + sm2).
//   mfi     pine_mfi: upper = math.sum(volume * (ta.change(src) <= 0 ? 0 : src), length),
//           lower = math.sum(volume * (ta.change(src) >= 0 ? 0 : src), length),
//           100 - 100 / (1 + upper / lower).
//   tsi     ta.ema(ta.ema(pc, long), short) / ta.ema(ta.ema(math.abs(pc), long), short), pc = ta.change(source).
//   wpr     100 * (close - ta.highest(length)) / (ta.highest(length) - ta.lowest(length)).
//   stoch   100 * (close - ta.lowest(low, length)) / (ta.highest(high, length) - ta.lowest(low, length)).
//   macd    fast = ta.ema(src, fastlen), slow = ta.ema(src, slowlen), macd = fast - slow,
//           signal = ta.ema(macd, siglen), hist = macd - signal.
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

// ---- change / mom / roc: the value `length` calls ago ----
struct LagState : CallState {
  Ring hist;
  /// Pushes v and returns v[len] (na when not yet available).
  double lag(double v, int64_t len, const char* fn) {
    hist.keep(history_for(len + 1));
    hist.push(v);
    check_history(fn, hist, len + 1);
    return hist.size() > static_cast<size_t>(len) ? hist.ago(static_cast<size_t>(len)) : kNa;
  }
};
void ta_change(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.change", "length", a[1], 0);
  out[0] = a[0] - static_cast<LagState*>(s)->lag(a[0], len, "ta.change");
}
void ta_change_bool(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.change", "length", a[1], 0);
  const double prev = static_cast<LagState*>(s)->lag(a[0], len, "ta.change");
  out[0] = from_bool(!is_na(prev) && truthy(a[0]) != truthy(prev));
}
void ta_mom(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.mom", "length", a[1]);
  out[0] = a[0] - static_cast<LagState*>(s)->lag(a[0], len, "ta.mom");
}
void ta_roc(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.roc", "length", a[1]);
  const double prev = static_cast<LagState*>(s)->lag(a[0], len, "ta.roc");
  out[0] = pdiv(100 * (a[0] - prev), prev);
}

// ---- rsi ----
struct RsiState : CallState {
  double prev = kNa;
  EmaCore up, down;
};
void ta_rsi(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<RsiState*>(s);
  const int64_t len = int_arg("ta.rsi", "length", a[1]);
  const double x = a[0];
  const double ch = x - st.prev;  // against the last non-na value: na values are ignored
  if (!is_na(x)) st.prev = x;
  const double u = st.up.update(nmax(ch, 0), len, rma_alpha(len), cx.price_scale, "ta.rsi");
  const double d = st.down.update(is_na(ch) ? kNa : -nmin(ch, 0), len, rma_alpha(len), cx.price_scale, "ta.rsi");
  if (is_na(u) || is_na(d)) out[0] = kNa;
  else out[0] = d == 0 ? 100 : u == 0 ? 0 : 100 - 100 / (1 + u / d);
}

// ---- cci ----
struct CciState : CallState {
  SmaCore sma;
};
void ta_cci(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<CciState*>(s);
  const int64_t len = int_arg("ta.cci", "length", a[1]);
  const double ma = st.sma.update(a[0], len, cx.price_scale, "ta.cci");
  if (is_na(ma)) {
    out[0] = kNa;
    return;
  }
  const Ring& h = st.sma.history();
  double sum = 0.0;
  for (int64_t i = 0; i < len; ++i) sum = sum + std::fabs(h.ago(static_cast<size_t>(i)) - ma);
  const double dev = sum / static_cast<double>(len);
  out[0] = pdiv(h.ago(0) - ma, 0.015 * dev);
}

// ---- window sums of derived values (math.sum semantics: na until `length` values) ----
struct SumWindow {
  Ring hist;
  double update(double v, int64_t len, const char* fn) {
    hist.keep(history_for(len));
    hist.push(v);
    check_history(fn, hist, len);
    if (hist.size() < static_cast<size_t>(len)) return kNa;
    double sum = 0.0;
    for (int64_t i = len; i-- > 0;) sum += hist.ago(static_cast<size_t>(i));
    return sum;
  }
};

// ---- cmo ----
struct CmoState : CallState {
  double prev = kNa, last = kNa;
  SumWindow up, down;
};
void ta_cmo(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<CmoState*>(s);
  const int64_t len = int_arg("ta.cmo", "length", a[1]);
  const double x = a[0];
  const double mom = x - st.prev;
  if (!is_na(x)) st.prev = x;
  if (!is_na(mom)) {  // na values are ignored: the sums keep their window
    const double sm1 = st.up.update(mom >= 0 ? mom : 0.0, len, "ta.cmo");
    const double sm2 = st.down.update(mom >= 0 ? 0.0 : -mom, len, "ta.cmo");
    st.last = pdiv(100 * (sm1 - sm2), sm1 + sm2);
  }
  out[0] = st.last;
}

// ---- mfi ----
struct MfiState : CallState {
  double prev = kNa, last = kNa;
  SumWindow upper, lower;
};
void ta_mfi(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<MfiState*>(s);
  const int64_t len = int_arg("ta.mfi", "length", a[1]);
  const double src = a[0], vol = cx.volume();
  const double ch = src - st.prev;
  const bool first = is_na(st.prev);
  if (!is_na(src)) st.prev = src;
  if (is_na(src) || is_na(vol)) {
    out[0] = st.last;
    return;
  }
  // As pine_mfi: on the first value ta.change is na, so both comparisons are false and both sums
  // take volume * src.
  const double up = vol * ((!first && ch <= 0.0) ? 0.0 : src);
  const double dn = vol * ((!first && ch >= 0.0) ? 0.0 : src);
  const double upper = st.upper.update(up, len, "ta.mfi");
  const double lower = st.lower.update(dn, len, "ta.mfi");
  st.last = is_na(upper) ? kNa : 100.0 - 100.0 / (1.0 + upper / lower);
  out[0] = st.last;
}

// ---- tsi ----
struct TsiState : CallState {
  double prev = kNa;
  EmaCore n1, n2, d1, d2;
};
void ta_tsi(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<TsiState*>(s);
  const int64_t sl = int_arg("ta.tsi", "short_length", a[1]);
  const int64_t ll = int_arg("ta.tsi", "long_length", a[2]);
  const double pc = a[0] - st.prev;  // against the last non-na value: na values are ignored
  if (!is_na(a[0])) st.prev = a[0];
  const double sc = cx.price_scale;
  const double n = st.n2.update(st.n1.update(pc, ll, ema_alpha(ll), sc, "ta.tsi"), sl, ema_alpha(sl), sc, "ta.tsi");
  const double d =
      st.d2.update(st.d1.update(std::fabs(pc), ll, ema_alpha(ll), sc, "ta.tsi"), sl, ema_alpha(sl), sc, "ta.tsi");
  out[0] = pdiv(n, d);
}

// ---- wpr / stoch: highest and lowest over the last `length` calls ----
struct HiLoState : CallState {
  ExtremeWindow<true> hi;
  ExtremeWindow<false> lo;
  /// Pushes (h, l); hh / ll are the highest h and lowest l of the last len calls (na skipped).
  void update(double h, double l, int64_t len, const char* fn, double& hh, double& ll) {
    hh = hi.update(h, len, fn) >= 0 ? hi.value() : kNa;
    ll = lo.update(l, len, fn) >= 0 ? lo.value() : kNa;
  }
};
void ta_wpr(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.wpr", "length", a[0]);
  double hh, ll;
  static_cast<HiLoState*>(s)->update(cx.high(), cx.low(), len, "ta.wpr", hh, ll);
  out[0] = pdiv(100 * (cx.close() - hh), hh - ll);
}
void ta_stoch(CallContext& cx, const Value* a, Value* out, CallState* s) {
  const int64_t len = int_arg("ta.stoch", "length", a[3]);
  double hh, ll;
  static_cast<HiLoState*>(s)->update(a[1], a[2], len, "ta.stoch", hh, ll);
  out[0] = pdiv(100 * (a[0] - ll), hh - ll);
}

// ---- macd ----
struct MacdState : CallState {
  EmaCore fast, slow, signal;
};
void ta_macd(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<MacdState*>(s);
  const int64_t fl = int_arg("ta.macd", "fastlen", a[1]);
  const int64_t sl = int_arg("ta.macd", "slowlen", a[2]);
  const int64_t gl = int_arg("ta.macd", "siglen", a[3]);
  const double sc = cx.price_scale;
  const double f = st.fast.update(a[0], fl, ema_alpha(fl), sc, "ta.macd");
  const double sw = st.slow.update(a[0], sl, ema_alpha(sl), sc, "ta.macd");
  const double m = f - sw;
  const double sig = st.signal.update(m, gl, ema_alpha(gl), sc, "ta.macd");
  out[0] = m;
  out[1] = sig;
  out[2] = m - sig;
}

}  // namespace

void register_oscillators(Registry& reg) {
  reg.function("ta.change(series int source, series int length = 1) -> series int",
               "Difference between the current value and its value `length` bars ago.", ta_change,
               make_state<LagState>);
  reg.function("ta.change(series float source, series int length = 1) -> series float",
               "Difference between the current value and its value `length` bars ago.", ta_change,
               make_state<LagState>);
  reg.function("ta.change(series bool source, series int length = 1) -> series bool",
               "True when the current value differs from the value `length` bars ago.", ta_change_bool,
               make_state<LagState>);
  reg.function("ta.mom(series int source, series int length) -> series int",
               "Momentum: source - source[length].", ta_mom, make_state<LagState>);
  reg.function("ta.mom(series float source, series int length) -> series float",
               "Momentum: source - source[length].", ta_mom, make_state<LagState>);
  reg.function("ta.roc(series float source, series int length) -> series float",
               "Rate of change in percent: 100 * (source - source[length]) / source[length].", ta_roc,
               make_state<LagState>);
  reg.function("ta.rsi(series float source, simple int length) -> series float",
               "Relative strength index from Wilder-smoothed gains and losses.", ta_rsi, make_state<RsiState>);
  reg.function("ta.cci(series float source, series int length) -> series float",
               "Commodity channel index: (source - sma) / (0.015 * mean absolute deviation).", ta_cci,
               make_state<CciState>);
  reg.function("ta.cmo(series float source, series int length) -> series float",
               "Chande momentum oscillator: 100 * (gains - losses) / (gains + losses) over `length` bars.", ta_cmo,
               make_state<CmoState>);
  reg.function("ta.mfi(series float source, series int length) -> series float",
               "Money flow index: RSI-like ratio of volume-weighted up and down flows.", ta_mfi,
               make_state<MfiState>);
  reg.function("ta.tsi(series float source, simple int short_length, simple int long_length) -> series float",
               "True strength index in [-1, 1]: double-smoothed momentum over double-smoothed |momentum|.", ta_tsi,
               make_state<TsiState>);
  reg.function("ta.wpr(series int length) -> series float",
               "Williams %R: 100 * (close - highest high) / (highest high - lowest low).", ta_wpr,
               make_state<HiLoState>);
  reg.function(
      "ta.stoch(series float source, series float high, series float low, series int length) -> series float",
      "Stochastic: 100 * (source - lowest(low)) / (highest(high) - lowest(low)).", ta_stoch,
      make_state<HiLoState>);
  reg.function(
      "ta.macd(series float source, simple int fastlen, simple int slowlen, simple int siglen) -> [series float, series float, series float]",
      "MACD: [macd line, signal line, histogram].", ta_macd, make_state<MacdState>);
}

}  // namespace atf::pine::ta
