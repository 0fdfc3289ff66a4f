// Pivots: ta.pivothigh, ta.pivotlow, ta.pivot_point_levels.
// Definitions from the TradingView Pine Script v6 Reference Manual:
//   pivothigh/pivotlow  "price of the pivot high/low point, NaN if there was no pivot": the value
//            `rightbars` calls ago when it is above (below) each of the `leftbars` values before it
//            (strictly) and each of the `rightbars` values after it (or equal to them: of equal
//            highs the first one is the pivot). The two-argument forms read high / low.
//   pivot_point_levels  11 levels [P, R1, S1, R2, S2, R3, S3, R4, S4, R5, S5] from the previous
//            anchor period's high, low, close (and opens) with TradingView's "Pivot Points
//            Standard" formulas; levels the type lacks are na; na before the first complete
//            period. `developing` uses the current period so far (not allowed with "Woodie").
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

struct PivotState : CallState {
  Ring hist;
};
template <bool kHigh, bool kImplicit>
void ta_pivot(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<PivotState*>(s);
  const char* fn = kHigh ? "ta.pivothigh" : "ta.pivotlow";
  const double src = kImplicit ? (kHigh ? cx.high() : cx.low()) : a[0];
  const int64_t lb = int_arg(fn, "leftbars", kImplicit ? a[0] : a[1], 0);
  const int64_t rb = int_arg(fn, "rightbars", kImplicit ? a[1] : a[2], 0);
  const int64_t n = lb + rb + 1;
  st.hist.keep(history_for(n));
  st.hist.push(src);
  check_history(fn, st.hist, n);
  out[0] = kNa;
  if (st.hist.size() < static_cast<size_t>(n)) return;
  const double c = st.hist.ago(static_cast<size_t>(rb));
  if (is_na(c)) return;
  for (int64_t i = 0; i < rb; ++i) {  // after the candidate: not beyond it
    const double x = st.hist.ago(static_cast<size_t>(i));
    if (!(kHigh ? x <= c : x >= c)) return;
  }
  for (int64_t i = rb + 1; i < n; ++i) {  // before it: strictly inside
    const double x = st.hist.ago(static_cast<size_t>(i));
    if (!(kHigh ? x < c : x > c)) return;
  }
  out[0] = c;
}

// ---- pivot_point_levels ----
struct Period {
  double open = kNa, high = kNa, low = kNa, close = kNa;
  bool valid = false;
};
struct PivotLevelsState : CallState {
  Period cur, prev;
  bool started = false;
};

void compute_levels(const std::string& type, const Period& p, double cur_open, double* L) {
  for (int i = 0; i < 11; ++i) L[i] = kNa;
  if (!p.valid) return;
  const double H = p.high, Lo = p.low, C = p.close, range = H - Lo;
  // index: 0 P, 1 R1, 2 S1, 3 R2, 4 S2, 5 R3, 6 S3, 7 R4, 8 S4, 9 R5, 10 S5
  if (type == "Traditional") {
    const double P = (H + Lo + C) / 3;
    L[0] = P;
    L[1] = P * 2 - Lo;
    L[2] = P * 2 - H;
    L[3] = P + range;
    L[4] = P - range;
    L[5] = P * 2 + (H - 2 * Lo);
    L[6] = P * 2 - (2 * H - Lo);
    L[7] = P * 3 + (H - 3 * Lo);
    L[8] = P * 3 - (3 * H - Lo);
    L[9] = P * 4 + (H - 4 * Lo);
    L[10] = P * 4 - (4 * H - Lo);
  } else if (type == "Fibonacci") {
    const double P = (H + Lo + C) / 3;
    L[0] = P;
    L[1] = P + 0.382 * range;
    L[2] = P - 0.382 * range;
    L[3] = P + 0.618 * range;
    L[4] = P - 0.618 * range;
    L[5] = P + 1.0 * range;
    L[6] = P - 1.0 * range;
  } else if (type == "Woodie") {
    const double P = (H + Lo + 2 * cur_open) / 4;
    L[0] = P;
    L[1] = 2 * P - Lo;
    L[2] = 2 * P - H;
    L[3] = P + range;
    L[4] = P - range;
    L[5] = H + 2 * (P - Lo);
    L[6] = Lo - 2 * (H - P);
    L[7] = L[5] + range;
    L[8] = L[6] - range;
  } else if (type == "Classic") {
    const double P = (H + Lo + C) / 3;
    L[0] = P;
    L[1] = 2 * P - Lo;
    L[2] = 2 * P - H;
    L[3] = P + range;
    L[4] = P - range;
    L[5] = P + 2 * range;
    L[6] = P - 2 * range;
    L[7] = P + 3 * range;
    L[8] = P - 3 * range;
  } else if (type == "DM") {
    const double O = p.open;
    const double X = C > O ? 2 * H + Lo + C : C < O ? H + 2 * Lo + C : H + Lo + 2 * C;
    L[0] = X / 4;
    L[1] = X / 2 - Lo;
    L[2] = X / 2 - H;
  } else if (type == "Camarilla") {
    const double P = (H + Lo + C) / 3;
    L[0] = P;
    L[1] = C + range * 1.1 / 12;
    L[2] = C - range * 1.1 / 12;
    L[3] = C + range * 1.1 / 6;
    L[4] = C - range * 1.1 / 6;
    L[5] = C + range * 1.1 / 4;
    L[6] = C - range * 1.1 / 4;
    L[7] = C + range * 1.1 / 2;
    L[8] = C - range * 1.1 / 2;
    L[9] = pdiv(H, Lo) * C;
    L[10] = C - (L[9] - C);
  }
}

void ta_pivot_point_levels(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<PivotLevelsState*>(s);
  const std::string& type = cx.heap->str(a[0]);
  if (type != "Traditional" && type != "Fibonacci" && type != "Woodie" && type != "Classic" && type != "DM" &&
      type != "Camarilla")
    throw RuntimeError("ta.pivot_point_levels: type must be one of \"Traditional\", \"Fibonacci\", \"Woodie\", "
                       "\"Classic\", \"DM\", \"Camarilla\", got \"" + type + "\"");
  const bool developing = truthy(a[2]);
  if (developing && type == "Woodie")
    throw RuntimeError("ta.pivot_point_levels: developing cannot be true with type \"Woodie\"");
  if (truthy(a[1])) {
    if (st.started) {
      st.prev = st.cur;
      st.prev.valid = true;
    }
    st.started = true;
    st.cur = Period{cx.open(), cx.high(), cx.low(), cx.close(), true};
  } else if (st.started) {
    st.cur.high = nmax(st.cur.high, cx.high());
    st.cur.low = nmin(st.cur.low, cx.low());
    st.cur.close = cx.close();
  }
  std::vector<double> levels(11);
  if (developing) compute_levels(type, st.started ? st.cur : Period{}, kNa, levels.data());
  else compute_levels(type, st.prev, st.cur.open, levels.data());
  out[0] = cx.heap->new_array(ElemKind::kFloat, std::move(levels));
}

}  // namespace

void register_pivots(Registry& reg) {
  reg.function("ta.pivothigh(series float source, series int leftbars, series int rightbars) -> series float",
               "Value of a pivot high confirmed `rightbars` bars ago, else na.", ta_pivot<true, false>,
               make_state<PivotState>);
  reg.function("ta.pivothigh(series int leftbars, series int rightbars) -> series float",
               "High of a pivot high confirmed `rightbars` bars ago, else na.", ta_pivot<true, true>,
               make_state<PivotState>);
  reg.function("ta.pivotlow(series float source, series int leftbars, series int rightbars) -> series float",
               "Value of a pivot low confirmed `rightbars` bars ago, else na.", ta_pivot<false, false>,
               make_state<PivotState>);
  reg.function("ta.pivotlow(series int leftbars, series int rightbars) -> series float",
               "Low of a pivot low confirmed `rightbars` bars ago, else na.", ta_pivot<false, true>,
               make_state<PivotState>);
  reg.function(
      "ta.pivot_point_levels(series string type, series bool anchor, simple bool developing = false) -> array<float>",
      "Pivot point levels [P, R1, S1, R2, S2, R3, S3, R4, S4, R5, S5] of the previous anchor period (new array).",
      ta_pivot_point_levels, make_state<PivotLevelsState>);
}

}  // namespace atf::pine::ta
