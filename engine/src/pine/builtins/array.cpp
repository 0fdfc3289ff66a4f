// The array.* namespace, with TradingView's Pine v6 semantics. Arrays are handles into cx.heap;
// every element is one Value (strings are string handles), and PineArray::elem says what they are.
//  - array.new<T>(...) is syntax: the VM calls array.new_float/new_int/... for it.
//  - array.from is variadic in Pine: registered as overloads of 1..16 arguments for each element
//    type (int, float, bool, string, color), so the new array knows its element kind.
//  - get/set/remove/insert accept negative indices (from the end, v6); an index outside the
//    array is a RuntimeError "array.get: index 5 is out of bounds, array size is 3".
//  - Statistics (sum, avg, min, max, median, mode, stdev, variance, range, percentiles) skip na
//    elements and give na for an array without values.
//  - Deviation: array.slice returns a copy. On TradingView a slice shares its parent's storage
//    (writing through one changes the other); scripts that rely on that will differ.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "common.h"

namespace atf::pine {
namespace {

using detail::array_arg;
using detail::as_int;
using detail::check_array_size;
using detail::element_index;
using detail::str_arg;
using detail::throw_out_of_bounds;

constexpr double kAscending = 1, kDescending = 0;

ElemKind kind_of(std::string_view t) {
  if (t == "int") return ElemKind::kInt;
  if (t == "bool") return ElemKind::kBool;
  if (t == "string") return ElemKind::kString;
  if (t == "color") return ElemKind::kColor;
  return ElemKind::kFloat;
}

/// Equality of two elements of an array of `kind` (strings by text, na strings as "", na numbers
/// equal to each other so that indexof(a, na) finds an na slot).
bool same(CallContext& cx, ElemKind kind, Value a, Value b) {
  if (kind == ElemKind::kString) return str_arg(cx, a) == str_arg(cx, b);
  if (is_na(a) || is_na(b)) return is_na(a) && is_na(b);
  return a == b;
}

/// Ascending order of two elements: strings by text; numbers with na after every value.
bool less(CallContext& cx, ElemKind kind, Value a, Value b) {
  if (kind == ElemKind::kString) return str_arg(cx, a) < str_arg(cx, b);
  if (is_na(a)) return false;
  if (is_na(b)) return true;
  return a < b;
}

// ---- creation ----
template <ElemKind K>
void array_new(CallContext& cx, const Value* a, Value* out, CallState*) {
  static constexpr const char* kNames[] = {"array.new_int", "array.new_float", "array.new_bool", "array.new_string",
                                           "array.new_color"};
  const char* fn = kNames[static_cast<int>(K)];
  const int64_t n = is_na(a[0]) ? 0 : as_int(a[0]);
  if (n < 0) throw RuntimeError(std::string(fn) + ": cannot create an array with a negative size");
  check_array_size(static_cast<size_t>(n), fn);
  out[0] = cx.heap->new_array(K, std::vector<Value>(static_cast<size_t>(n), a[1]));
}

template <ElemKind K, int N>
void array_from(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = cx.heap->new_array(K, std::vector<Value>(a, a + N));
}

template <int N>
void register_from(Registry& reg) {
  for (const char* t : {"int", "float", "bool", "string", "color"}) {
    std::string params;
    for (int i = 0; i < N; ++i) params += std::string(i ? ", " : "") + t + " arg" + std::to_string(i);
    BuiltinImpl impl = nullptr;
    switch (kind_of(t)) {
      case ElemKind::kInt: impl = array_from<ElemKind::kInt, N>; break;
      case ElemKind::kFloat: impl = array_from<ElemKind::kFloat, N>; break;
      case ElemKind::kBool: impl = array_from<ElemKind::kBool, N>; break;
      case ElemKind::kString: impl = array_from<ElemKind::kString, N>; break;
      case ElemKind::kColor: impl = array_from<ElemKind::kColor, N>; break;
    }
    reg.function("array.from(" + params + ") -> series array<" + t + ">", "A new array of the arguments.", impl);
  }
  if constexpr (N < 16) register_from<N + 1>(reg);
}

// ---- element access ----
void array_get(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.get");
  if (is_na(a[1])) {  // TradingView: an na index reads na
    out[0] = kNa;
    return;
  }
  out[0] = arr.items[element_index(a[1], arr.items.size(), "array.get")];
}

void array_set(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.set");
  if (is_na(a[1])) return;  // TradingView: an na index writes nothing
  arr.items[element_index(a[1], arr.items.size(), "array.set")] = a[2];
}

void array_push(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.push");
  check_array_size(arr.items.size() + 1, "array.push");
  arr.items.push_back(a[1]);
}

void array_unshift(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.unshift");
  check_array_size(arr.items.size() + 1, "array.unshift");
  arr.items.insert(arr.items.begin(), a[1]);
}

void array_pop(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.pop");
  if (arr.items.empty()) throw RuntimeError("array.pop: cannot use pop() if the array is empty");
  out[0] = arr.items.back();
  arr.items.pop_back();
}

void array_shift(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.shift");
  if (arr.items.empty()) throw RuntimeError("array.shift: cannot use shift() if the array is empty");
  out[0] = arr.items.front();
  arr.items.erase(arr.items.begin());
}

void array_insert(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.insert");
  check_array_size(arr.items.size() + 1, "array.insert");
  const int64_t size = static_cast<int64_t>(arr.items.size());
  int64_t i = is_na(a[1]) ? size : as_int(a[1]);  // TradingView: an na index appends
  if (i < 0) i += size;
  if (i < 0 || i > size) throw_out_of_bounds("array.insert", a[1], arr.items.size());
  arr.items.insert(arr.items.begin() + i, a[2]);
}

void array_remove(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.remove");
  if (is_na(a[1])) {  // TradingView: an na index removes nothing
    out[0] = kNa;
    return;
  }
  const size_t i = element_index(a[1], arr.items.size(), "array.remove");
  out[0] = arr.items[i];
  arr.items.erase(arr.items.begin() + static_cast<std::ptrdiff_t>(i));
}

void array_size(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = static_cast<double>(array_arg(cx, a[0], "array.size").items.size());
}

void array_clear(CallContext& cx, const Value* a, Value*, CallState*) { array_arg(cx, a[0], "array.clear").items.clear(); }

void array_first(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.first");
  if (arr.items.empty()) throw_out_of_bounds("array.first", 0, 0);
  out[0] = arr.items.front();
}

void array_last(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.last");
  if (arr.items.empty()) throw_out_of_bounds("array.last", -1, 0);
  out[0] = arr.items.back();
}

// ---- search ----
void array_includes(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.includes");
  bool found = false;
  for (Value v : arr.items) {
    if (same(cx, arr.elem, v, a[1])) {
      found = true;
      break;
    }
  }
  out[0] = from_bool(found);
}

void array_indexof(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.indexof");
  out[0] = -1;
  for (size_t i = 0; i < arr.items.size(); ++i) {
    if (same(cx, arr.elem, arr.items[i], a[1])) {
      out[0] = static_cast<double>(i);
      return;
    }
  }
}

void array_lastindexof(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.lastindexof");
  out[0] = -1;
  for (size_t i = arr.items.size(); i-- > 0;) {
    if (same(cx, arr.elem, arr.items[i], a[1])) {
      out[0] = static_cast<double>(i);
      return;
    }
  }
}

/// Binary search of an ascending array: the index of `val`, or -1 (mode 0); when absent, the
/// index of the greatest element below it (mode 1, leftmost) or of the smallest above it (mode 2,
/// rightmost).
template <int Mode>
void array_binary_search(CallContext& cx, const Value* a, Value* out, CallState*) {
  static constexpr const char* kNames[] = {"array.binary_search", "array.binary_search_leftmost",
                                           "array.binary_search_rightmost"};
  const auto& arr = array_arg(cx, a[0], kNames[Mode]);
  int64_t lo = 0, hi = static_cast<int64_t>(arr.items.size()) - 1;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const Value m = arr.items[static_cast<size_t>(mid)];
    if (same(cx, arr.elem, m, a[1])) {
      out[0] = static_cast<double>(mid);
      return;
    }
    if (less(cx, arr.elem, a[1], m)) {
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  out[0] = Mode == 0 ? -1.0 : Mode == 1 ? static_cast<double>(lo - 1) : static_cast<double>(hi + 1);
}

// ---- statistics (na elements skipped) ----
std::vector<double> values_of(const PineArray& arr) {
  std::vector<double> v;
  v.reserve(arr.items.size());
  for (Value x : arr.items) {
    if (!is_na(x)) v.push_back(x);
  }
  return v;
}

void array_sum(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto v = values_of(array_arg(cx, a[0], "array.sum"));
  out[0] = v.empty() ? kNa : std::accumulate(v.begin(), v.end(), 0.0);
}

void array_avg(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto v = values_of(array_arg(cx, a[0], "array.avg"));
  out[0] = v.empty() ? kNa : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

/// The nth smallest (Max = false) or nth greatest value; na when there is none.
template <bool Max>
void array_extreme(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto v = values_of(array_arg(cx, a[0], Max ? "array.max" : "array.min"));
  const int64_t nth = is_na(a[1]) ? 0 : as_int(a[1]);
  if (v.empty() || nth < 0 || nth >= static_cast<int64_t>(v.size())) {
    out[0] = kNa;
    return;
  }
  auto it = v.begin() + nth;
  if (Max) {
    std::nth_element(v.begin(), it, v.end(), std::greater<double>());
  } else {
    std::nth_element(v.begin(), it, v.end());
  }
  out[0] = *it;
}

void array_range(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto v = values_of(array_arg(cx, a[0], "array.range"));
  if (v.empty()) {
    out[0] = kNa;
    return;
  }
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  out[0] = *hi - *lo;
}

void array_median(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto v = values_of(array_arg(cx, a[0], "array.median"));
  if (v.empty()) {
    out[0] = kNa;
    return;
  }
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// The most frequent value; among equally frequent ones, the smallest.
void array_mode(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto v = values_of(array_arg(cx, a[0], "array.mode"));
  if (v.empty()) {
    out[0] = kNa;
    return;
  }
  std::sort(v.begin(), v.end());
  double best = v[0];
  size_t best_count = 0;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j < v.size() && v[j] == v[i]) ++j;
    if (j - i > best_count) {
      best_count = j - i;
      best = v[i];
    }
    i = j;
  }
  out[0] = best;
}

double variance_of(const std::vector<double>& v, bool biased) {
  if (v.empty()) return kNa;
  if (v.size() < 2) return 0;
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return ss / (biased ? n : n - 1);
}

void array_variance(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = variance_of(values_of(array_arg(cx, a[0], "array.variance")), truthy(a[1]));
}

void array_stdev(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = std::sqrt(variance_of(values_of(array_arg(cx, a[0], "array.stdev")), truthy(a[1])));
}

void array_covariance(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& x = array_arg(cx, a[0], "array.covariance");
  const auto& y = array_arg(cx, a[1], "array.covariance");
  if (x.items.size() != y.items.size()) {
    throw RuntimeError("array.covariance: the arrays have different sizes (" + std::to_string(x.items.size()) + " and " +
                       std::to_string(y.items.size()) + ")");
  }
  std::vector<double> xs, ys;
  for (size_t i = 0; i < x.items.size(); ++i) {
    if (!is_na(x.items[i]) && !is_na(y.items[i])) {
      xs.push_back(x.items[i]);
      ys.push_back(y.items[i]);
    }
  }
  if (xs.empty()) {
    out[0] = kNa;
    return;
  }
  const double n = static_cast<double>(xs.size());
  const double mx = std::accumulate(xs.begin(), xs.end(), 0.0) / n;
  const double my = std::accumulate(ys.begin(), ys.end(), 0.0) / n;
  double s = 0;
  for (size_t i = 0; i < xs.size(); ++i) s += (xs[i] - mx) * (ys[i] - my);
  const bool biased = truthy(a[2]);
  out[0] = (!biased && xs.size() < 2) ? 0.0 : s / (biased ? n : n - 1);
}

void array_standardize(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.standardize");
  const auto v = values_of(arr);
  std::vector<Value> res(arr.items.size(), kNa);
  if (!v.empty()) {
    const double n = static_cast<double>(v.size());
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
    const double sd = std::sqrt(variance_of(v, true));
    for (size_t i = 0; i < res.size(); ++i) {
      const double x = arr.items[i];
      if (!is_na(x)) res[i] = sd == 0 ? 1.0 : (x - mean) / sd;
    }
  }
  out[0] = cx.heap->new_array(ElemKind::kFloat, std::move(res));
}

/// Percentage (0–100) of the values at or below the element at `index`, over size − 1.
void array_percentrank(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.percentrank");
  const size_t n = arr.items.size();
  if (n == 0) {
    out[0] = kNa;
    return;
  }
  const int64_t i = is_na(a[1]) ? 0 : as_int(a[1]);
  if (i < 0 || i >= static_cast<int64_t>(n)) throw_out_of_bounds("array.percentrank", a[1], n);
  const double x = arr.items[static_cast<size_t>(i)];
  if (n == 1 || is_na(x)) {
    out[0] = kNa;
    return;
  }
  size_t count = 0;
  for (Value v : arr.items) count += (!is_na(v) && v <= x) ? 1 : 0;
  out[0] = static_cast<double>(count - 1) * 100.0 / static_cast<double>(n - 1);
}

double check_percentage(double p, const char* fn) {
  if (p < 0 || p > 100) {
    throw RuntimeError(std::string(fn) + ": percentage must be between 0 and 100, got " + detail::format_default(p));
  }
  return p;
}

/// Sorted values with the array's na elements counted as greater than every value: the percentile
/// ranks run over the whole size, and a rank that lands on an na gives na.
void array_percentile_linear(CallContext& cx, const Value* a, Value* out, CallState*) {
  const char* fn = "array.percentile_linear_interpolation";
  const auto& arr = array_arg(cx, a[0], fn);
  const double p = a[1];
  if (arr.items.empty() || is_na(p)) {
    out[0] = kNa;
    return;
  }
  check_percentage(p, fn);
  auto v = values_of(arr);
  std::sort(v.begin(), v.end());
  const size_t n = arr.items.size(), m = v.size();
  double pos = static_cast<double>(n) * p / 100.0 + 0.5;  // 1-based rank
  if (std::fabs(pos - std::round(pos)) < 1e-9) pos = std::round(pos);
  if (pos <= 1) {
    out[0] = m > 0 ? v[0] : kNa;
  } else if (pos >= static_cast<double>(n)) {
    out[0] = m == n ? v[m - 1] : kNa;
  } else {
    const size_t lower = static_cast<size_t>(std::floor(pos));
    const double frac = pos - static_cast<double>(lower);
    if (frac == 0) {
      out[0] = lower <= m ? v[lower - 1] : kNa;
    } else if (m < n) {
      out[0] = kNa;
    } else {
      out[0] = v[lower - 1] * (1 - frac) + v[lower] * frac;
    }
  }
}

void array_percentile_nearest(CallContext& cx, const Value* a, Value* out, CallState*) {
  const char* fn = "array.percentile_nearest_rank";
  const auto& arr = array_arg(cx, a[0], fn);
  if (arr.items.empty()) {
    out[0] = kNa;
    return;
  }
  const double p = check_percentage(is_na(a[1]) ? 0 : a[1], fn);
  auto v = values_of(arr);
  std::sort(v.begin(), v.end());
  const size_t n = arr.items.size(), m = v.size();
  if (p == 0) {
    out[0] = m > 0 ? v[0] : kNa;
    return;
  }
  int64_t rank = static_cast<int64_t>(std::ceil(p * static_cast<double>(n) / 100.0));
  rank = std::clamp<int64_t>(rank, 1, static_cast<int64_t>(n));
  out[0] = static_cast<size_t>(rank) <= m ? v[static_cast<size_t>(rank - 1)] : kNa;
}

// ---- transforms ----
std::vector<size_t> sorted_indices(CallContext& cx, const PineArray& arr, double order) {
  std::vector<size_t> idx(arr.items.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t i, size_t j) { return less(cx, arr.elem, arr.items[i], arr.items[j]); });
  if (order == kDescending) std::reverse(idx.begin(), idx.end());
  return idx;
}

void array_sort(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.sort");
  const auto idx = sorted_indices(cx, arr, a[1]);
  std::vector<Value> sorted(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) sorted[i] = arr.items[idx[i]];
  arr.items = std::move(sorted);
}

void array_sort_indices(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.sort_indices");
  const auto idx = sorted_indices(cx, arr, a[1]);
  out[0] = cx.heap->new_array(ElemKind::kInt, std::vector<Value>(idx.begin(), idx.end()));
}

void array_reverse(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.reverse");
  std::reverse(arr.items.begin(), arr.items.end());
}

void array_copy(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.copy");
  PineArray copy = arr;  // copy before new_array: it may move the heap's storage
  out[0] = cx.heap->new_array(copy.elem, std::move(copy.items));
}

// A copy, not a view (see the note at the top).
void array_slice(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.slice");
  const int64_t size = static_cast<int64_t>(arr.items.size());
  const int64_t from = is_na(a[1]) ? 0 : as_int(a[1]);
  const int64_t to = is_na(a[2]) ? size : as_int(a[2]);
  if (from < 0 || from > size) throw_out_of_bounds("array.slice", static_cast<double>(from), arr.items.size());
  if (to < 0 || to > size) throw_out_of_bounds("array.slice", static_cast<double>(to), arr.items.size());
  if (from > to) {
    throw RuntimeError("array.slice: index_from (" + std::to_string(from) + ") should be less than index_to (" +
                       std::to_string(to) + ")");
  }
  PineArray part{arr.elem, std::vector<Value>(arr.items.begin() + from, arr.items.begin() + to)};
  out[0] = cx.heap->new_array(part.elem, std::move(part.items));
}

void array_concat(CallContext& cx, const Value* a, Value* out, CallState*) {
  auto& first = array_arg(cx, a[0], "array.concat");
  const std::vector<Value> second = array_arg(cx, a[1], "array.concat").items;  // a copy: id2 may be id1
  check_array_size(first.items.size() + second.size(), "array.concat");
  first.items.insert(first.items.end(), second.begin(), second.end());
  out[0] = a[0];
}

void array_fill(CallContext& cx, const Value* a, Value*, CallState*) {
  auto& arr = array_arg(cx, a[0], "array.fill");
  const int64_t size = static_cast<int64_t>(arr.items.size());
  const int64_t from = is_na(a[2]) ? 0 : as_int(a[2]);
  const int64_t to = is_na(a[3]) ? size : as_int(a[3]);
  if (from < 0 || from > size) throw_out_of_bounds("array.fill", static_cast<double>(from), arr.items.size());
  if (to < 0 || to > size) throw_out_of_bounds("array.fill", static_cast<double>(to), arr.items.size());
  for (int64_t i = from; i < to; ++i) arr.items[static_cast<size_t>(i)] = a[1];
}

void array_abs(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.abs");
  PineArray res{arr.elem, arr.items};
  for (Value& v : res.items) v = std::fabs(v);
  out[0] = cx.heap->new_array(res.elem, std::move(res.items));
}

template <bool Every>
void array_every_some(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], Every ? "array.every" : "array.some");
  bool r = Every;
  for (Value v : arr.items) {
    if (truthy(v) != Every) {
      r = !Every;
      break;
    }
  }
  out[0] = from_bool(r);
}

/// array.join: ints as integers, floats as Java prints doubles ("5.0", "1.0E8"), na numbers as
/// "NaN", bools as true/false, strings as they are (na as "").
void array_join(CallContext& cx, const Value* a, Value* out, CallState*) {
  const auto& arr = array_arg(cx, a[0], "array.join");
  const std::string_view sep = str_arg(cx, a[1]);
  std::string s;
  for (size_t i = 0; i < arr.items.size(); ++i) {
    if (i) s += sep;
    const Value v = arr.items[i];
    switch (arr.elem) {
      case ElemKind::kFloat: s += detail::java_double(v); break;
      case ElemKind::kString: s += str_arg(cx, v); break;
      default: s += detail::element_text(cx, arr.elem, v); break;
    }
  }
  out[0] = cx.heap->new_string(std::move(s));
}

}  // namespace

void register_array(Registry& reg) {
  reg.constant("order.ascending", "const int", kAscending);
  reg.constant("order.descending", "const int", kDescending);

  reg.function("array.new_int(int size = 0, int initial_value = na) -> series array<int>",
               "A new int array of `size` elements set to initial_value.", array_new<ElemKind::kInt>);
  reg.function("array.new_float(int size = 0, float initial_value = na) -> series array<float>",
               "A new float array of `size` elements set to initial_value.", array_new<ElemKind::kFloat>);
  reg.function("array.new_bool(int size = 0, bool initial_value = false) -> series array<bool>",
               "A new bool array of `size` elements set to initial_value.", array_new<ElemKind::kBool>);
  reg.function("array.new_string(int size = 0, string initial_value = na) -> series array<string>",
               "A new string array of `size` elements set to initial_value.", array_new<ElemKind::kString>);
  reg.function("array.new_color(int size = 0, color initial_value = na) -> series array<color>",
               "A new color array of `size` elements set to initial_value.", array_new<ElemKind::kColor>);
  register_from<1>(reg);

  reg.function("array.get(array<T> id, int index) -> series T",
               "The element at index (negative: from the end).", array_get);
  reg.function("array.set(array<T> id, int index, T value) -> void",
               "Sets the element at index (negative: from the end).", array_set);
  reg.function("array.push(array<T> id, T value) -> void", "Appends value.", array_push);
  reg.function("array.unshift(array<T> id, T value) -> void", "Inserts value at the beginning.", array_unshift);
  reg.function("array.pop(array<T> id) -> series T", "Removes and returns the last element.", array_pop);
  reg.function("array.shift(array<T> id) -> series T", "Removes and returns the first element.", array_shift);
  reg.function("array.insert(array<T> id, int index, T value) -> void", "Inserts value before index.", array_insert);
  reg.function("array.remove(array<T> id, int index) -> series T", "Removes and returns the element at index.",
               array_remove);
  reg.function("array.size(array<T> id) -> series int", "The number of elements.", array_size);
  reg.function("array.clear(array<T> id) -> void", "Removes every element.", array_clear);
  reg.function("array.first(array<T> id) -> series T", "The first element.", array_first);
  reg.function("array.last(array<T> id) -> series T", "The last element.", array_last);
  reg.function("array.includes(array<T> id, T value) -> series bool", "Whether value is an element.", array_includes);
  reg.function("array.indexof(array<T> id, T value) -> series int", "Index of the first value, or -1.", array_indexof);
  reg.function("array.lastindexof(array<T> id, T value) -> series int", "Index of the last value, or -1.",
               array_lastindexof);
  reg.function("array.binary_search(array<T> id, T val) -> series int",
               "Index of val in an ascending array, or -1.", array_binary_search<0>);
  reg.function("array.binary_search_leftmost(array<T> id, T val) -> series int",
               "Index of val in an ascending array, else of the greatest element below it.", array_binary_search<1>);
  reg.function("array.binary_search_rightmost(array<T> id, T val) -> series int",
               "Index of val in an ascending array, else of the smallest element above it.", array_binary_search<2>);

  for (const char* t : {"int", "float"}) {
    const std::string id = std::string("array<") + t + "> id";
    const std::string same_t = std::string("series ") + t;
    reg.function("array.sum(" + id + ") -> " + same_t, "Sum of the elements (na skipped).", array_sum);
    reg.function("array.avg(" + id + ") -> series float", "Mean of the elements (na skipped).", array_avg);
    reg.function("array.min(" + id + ", int nth = 0) -> " + same_t, "The nth smallest element (0: the smallest).",
                 array_extreme<false>);
    reg.function("array.max(" + id + ", int nth = 0) -> " + same_t, "The nth greatest element (0: the greatest).",
                 array_extreme<true>);
    reg.function("array.range(" + id + ") -> " + same_t, "Greatest minus smallest element.", array_range);
    reg.function("array.median(" + id + ") -> series float", "Median of the elements.", array_median);
    reg.function("array.mode(" + id + ") -> " + same_t, "Most frequent element (the smallest of equally frequent ones).",
                 array_mode);
    reg.function("array.stdev(" + id + ", bool biased = true) -> series float", "Standard deviation.", array_stdev);
    reg.function("array.variance(" + id + ", bool biased = true) -> series float", "Variance.", array_variance);
    reg.function("array.percentrank(" + id + ", int index) -> series float",
                 "Percentage of elements at or below the one at index.", array_percentrank);
    reg.function("array.percentile_linear_interpolation(" + id + ", float percentage) -> series float",
                 "Percentile by linear interpolation between the nearest ranks.", array_percentile_linear);
    reg.function("array.percentile_nearest_rank(" + id + ", float percentage) -> " + same_t,
                 "Percentile by the nearest-rank method.", array_percentile_nearest);
    reg.function("array.abs(" + id + ") -> series array<" + t + ">", "A new array of the absolute values.", array_abs);
    reg.function("array.standardize(" + id + ") -> series array<float>", "A new array of z-scores.",
                 array_standardize);
    reg.function("array.every(" + id + ") -> series bool", "Whether every element is non-zero.",
                 array_every_some<true>);
    reg.function("array.some(" + id + ") -> series bool", "Whether some element is non-zero.",
                 array_every_some<false>);
  }
  reg.function("array.covariance(array<float> id1, array<float> id2, bool biased = true) -> series float",
               "Covariance of two arrays.", array_covariance);
  reg.function("array.covariance(array<int> id1, array<int> id2, bool biased = true) -> series float",
               "Covariance of two arrays.", array_covariance);
  reg.function("array.every(array<bool> id) -> series bool", "Whether every element is true.", array_every_some<true>);
  reg.function("array.some(array<bool> id) -> series bool", "Whether some element is true.", array_every_some<false>);

  reg.function("array.sort(array<T> id, int order = order.ascending) -> void",
               "Sorts in place (na numbers last in ascending order).", array_sort);
  reg.function("array.sort_indices(array<T> id, int order = order.ascending) -> series array<int>",
               "The indices that would sort the array.", array_sort_indices);
  reg.function("array.reverse(array<T> id) -> void", "Reverses in place.", array_reverse);
  reg.function("array.copy(array<T> id) -> series array<T>", "A new array with the same elements.", array_copy);
  reg.function("array.slice(array<T> id, int index_from, int index_to) -> series array<T>",
               "A new array of the elements from index_from up to (not including) index_to (a copy).", array_slice);
  reg.function("array.concat(array<T> id1, array<T> id2) -> series array<T>", "Appends id2 to id1; returns id1.",
               array_concat);
  reg.function("array.fill(array<T> id, T value, int index_from = 0, int index_to = na) -> void",
               "Sets the elements from index_from up to index_to (default: the size) to value.", array_fill);
  reg.function("array.join(array<T> id, string separator = \"\") -> series string",
               "The elements as text, separated by separator.", array_join);
}

}  // namespace atf::pine
