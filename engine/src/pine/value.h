// Pine values at run time: every value is one double, so registers, series history and call
// arguments are plain arrays of 8-byte slots (no tagged union, no allocation per bar).
//   int    an integer-valued double (exact up to 2^53; bar times in ms fit)
//   float  the double itself
//   bool   0.0 or 1.0
//   color  a packed 0xRRGGBBAA in the low 32 bits (transparency 0 = opaque, as TradingView's 0–100)
//   string a handle into the run's Heap (see heap.h)
//   array  a handle into the run's Heap
// `na` of every type is a quiet NaN; the checker knows each slot's static type, so nothing at run
// time needs to ask "what is this double?".
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace atf::pine {

using Value = double;

inline constexpr Value kNa = std::numeric_limits<double>::quiet_NaN();
inline bool is_na(Value v) { return std::isnan(v); }
inline Value from_bool(bool b) { return b ? 1.0 : 0.0; }
/// Pine's truthiness: na and 0 are false (v5 semantics for bool na; v6 never makes a bool na).
inline bool truthy(Value v) { return v == v && v != 0.0; }

/// An error raised by a built-in or the VM while running a bar; the VM adds the line:column of
/// the call and the bar time before it leaves the runtime as an atf::Error (kRuntime).
class RuntimeError : public std::runtime_error {
 public:
  explicit RuntimeError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace atf::pine
