// Conditions and events: ta.crossover, ta.crossunder, ta.cross, ta.rising, ta.falling,
// ta.barssince, ta.valuewhen.
// Definitions from the TradingView Pine Script v6 Reference Manual:
//   crossover   source1 > source2 on this call and source1[1] <= source2[1] on the previous one.
//   crossunder  source1 < source2 and source1[1] >= source2[1]; cross: either. Comparisons with
//               na are false, so the first call and any na operand give false.
//   rising      source > source[i] for every i = 1..length (false until length + 1 values);
//   falling     source < source[i]; na values ignored (the window holds non-na values).
//   barssince   calls since the condition was last true (0 on a true bar), na before the first.
//   valuewhen   source on the `occurrence`-th most recent call where condition was true (0 is
//               the latest, including the current bar), na before.
#include "ta_internal.h"

namespace atf::pine::ta {
namespace {

struct CrossState : CallState {
  double a1 = kNa, b1 = kNa;
};
template <int kKind>  // 1 over, -1 under, 0 either
void ta_cross(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<CrossState*>(s);
  const double x = a[0], y = a[1];
  const bool over = x > y && st.a1 <= st.b1;
  const bool under = x < y && st.a1 >= st.b1;
  st.a1 = x;
  st.b1 = y;
  out[0] = from_bool(kKind == 1 ? over : kKind == -1 ? under : (over || under));
}

struct RiseState : CallState {
  Ring hist;
};
template <bool kRising>
void ta_rising(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<RiseState*>(s);
  const char* fn = kRising ? "ta.rising" : "ta.falling";
  const int64_t len = int_arg(fn, "length", a[1]);
  st.hist.keep(history_for(len + 1));
  if (!is_na(a[0])) st.hist.push(a[0]);
  check_history(fn, st.hist, len + 1);
  out[0] = 0.0;
  if (st.hist.size() < static_cast<size_t>(len + 1)) return;
  const double cur = st.hist.ago(0);
  for (int64_t i = 1; i <= len; ++i) {
    const double x = st.hist.ago(static_cast<size_t>(i));
    if (!(kRising ? cur > x : cur < x)) return;
  }
  out[0] = 1.0;
}

struct BarsSinceState : CallState {
  double count = kNa;
};
void ta_barssince(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<BarsSinceState*>(s);
  if (truthy(a[0])) st.count = 0;
  else if (!is_na(st.count)) st.count += 1;
  out[0] = st.count;
}

struct ValueWhenState : CallState {
  Ring hits;
};
void ta_valuewhen(CallContext& cx, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<ValueWhenState*>(s);
  const int64_t occ = int_arg("ta.valuewhen", "occurrence", a[2], 0);
  st.hits.keep(history_for(occ + 1));
  if (truthy(a[0])) st.hits.push(a[1]);
  out[0] = st.hits.size() > static_cast<size_t>(occ) ? st.hits.ago(static_cast<size_t>(occ)) : kNa;
}

}  // namespace

void register_misc(Registry& reg) {
  reg.function("ta.crossover(series float source1, series float source2) -> series bool",
               "True when source1 crosses above source2 on this bar.", ta_cross<1>, make_state<CrossState>);
  reg.function("ta.crossunder(series float source1, series float source2) -> series bool",
               "True when source1 crosses below source2 on this bar.", ta_cross<-1>, make_state<CrossState>);
  reg.function("ta.cross(series float source1, series float source2) -> series bool",
               "True when the two series cross each other on this bar.", ta_cross<0>, make_state<CrossState>);
  reg.function("ta.rising(series float source, series int length) -> series bool",
               "True when source is above each of its previous `length` values.", ta_rising<true>,
               make_state<RiseState>);
  reg.function("ta.falling(series float source, series int length) -> series bool",
               "True when source is below each of its previous `length` values.", ta_rising<false>,
               make_state<RiseState>);
  reg.function("ta.barssince(series bool condition) -> series int",
               "Number of bars since the condition was last true (na if never).", ta_barssince,
               make_state<BarsSinceState>);
  // One overload per value type (not a generic T: a string handle kept in the state would not be a
  // root for the heap's collector).
  const char* types[] = {"int", "float", "bool", "color"};
  for (const char* t : types)
    reg.function(std::string("ta.valuewhen(series bool condition, series ") + t +
                     " source, simple int occurrence) -> series " + t,
                 "Value of source when condition was true for the occurrence-th most recent time (0: latest).",
                 ta_valuewhen, make_state<ValueWhenState>);
}

}  // namespace atf::pine::ta
