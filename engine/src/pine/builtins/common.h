// Helpers shared by the math, array and str namespaces: argument conversion, array access with
// TradingView's error wording, and the number formatting both str.* and array.join need.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "../builtin.h"

namespace atf::pine::detail {

/// TradingView's maximum array size.
inline constexpr size_t kMaxArraySize = 100000;

/// An int argument as an integer (callers check na first). Truncates toward zero, as Pine does
/// when a float reaches an int parameter.
/// The integer part of v, saturated to the int64 range (a cast of an out-of-range double is
/// undefined behaviour; na gives 0 — callers test na first where it matters).
inline int64_t as_int(Value v) {
  if (!(v == v)) return 0;
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(v);
}

/// The array behind `handle`, or RuntimeError "<fn>: array is na".
inline PineArray& array_arg(CallContext& cx, Value handle, const char* fn) {
  if (is_na(handle)) throw RuntimeError(std::string(fn) + ": array is na");
  return cx.heap->array(handle);
}

/// Pine's na string behaves as the empty string (str.length(na) is 0, "a" + na is "a").
inline std::string_view str_arg(CallContext& cx, Value handle) {
  if (is_na(handle)) return {};
  return cx.heap->str(handle);
}

inline void check_array_size(size_t n, const char* fn) {
  if (n > kMaxArraySize) {
    throw RuntimeError(std::string(fn) + ": array is too large, maximum size is " + std::to_string(kMaxArraySize));
  }
}

[[noreturn]] inline void throw_out_of_bounds(const char* fn, double index, size_t size) {
  throw RuntimeError(std::string(fn) + ": index " + (is_na(index) ? std::string("na") : std::to_string(as_int(index))) +
                     " is out of bounds, array size is " + std::to_string(size));
}

/// Resolves an element index for get/set/remove: negative indices count from the end (v6:
/// -1 is the last element). Errors when it is outside the array.
inline size_t element_index(double index, size_t size, const char* fn) {
  if (is_na(index)) throw_out_of_bounds(fn, index, size);
  int64_t i = as_int(index);
  if (i < 0) i += static_cast<int64_t>(size);
  if (i < 0 || i >= static_cast<int64_t>(size)) throw_out_of_bounds(fn, index, size);
  return static_cast<size_t>(i);
}

// ---- number → text (defined in str.cpp) ----

/// str.tostring(float) without a format: rounded to 10 decimals, no trailing zeros, plain
/// notation below 1e21 ("0.3333333333", "100000000", "1E21", "1.23456789E25"); na → "NaN".
std::string format_default(double v);

/// str.tostring(value, format): a DecimalFormat-like pattern ("#.##", "0.00", "#,###.00",
/// "#.##%") or one of the format.* names ("mintick", "percent", "volume"), as TradingView's chart
/// formatter does it (ties rounded half up on the shortest decimal form).
std::string format_with(double v, std::string_view format, double mintick);

/// Java's Double.toString, which array.join uses for float elements ("5.0", "1.0E8", "9.9E-4").
std::string java_double(double v);

/// The text of one element of an array of `kind` for str.tostring(array) (numbers as
/// format_default, bools as true/false, strings as they are, na strings as "").
std::string element_text(CallContext& cx, ElemKind kind, Value v);

}  // namespace atf::pine::detail
