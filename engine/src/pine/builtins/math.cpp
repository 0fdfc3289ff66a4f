// The math.* namespace, with TradingView's Pine v6 semantics:
//  - na propagates: any na argument gives na (math.max(1, na) is na).
//  - math.max/min/avg are variadic in Pine; they are registered as overloads of 2..10 `number`
//    parameters (math.max of ints is int).
//  - math.round(x) rounds half away from zero and is int; math.round(x, precision) rounds the
//    decimal form of x (2.675 → 2.68, as TradingView does) and is float.
//  - math.sum(source, length) is the sum of the last `length` non-na values of source (an na bar
//    adds nothing and leaves the sum as it was); na until `length` values have been seen.
//  - math.random draws from the run's generator (cx.rng, seeded per run, deterministic); with a
//    seed, from a generator of its own call site seeded once with it, so the sequence repeats.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#include "common.h"

namespace atf::pine {
namespace {

using detail::as_int;

constexpr double kPi = 3.141592653589793238462643383279502884;
constexpr double kE = 2.718281828459045235360287471352662498;
constexpr double kPhi = 1.618033988749894848204586834365638118;

// ---- one-argument functions ----
template <double (*F)(double)>
void unary(CallContext&, const Value* a, Value* out, CallState*) {
  out[0] = F(a[0]);
}

double f_abs(double x) { return std::fabs(x); }
double f_floor(double x) { return std::floor(x); }
double f_ceil(double x) { return std::ceil(x); }
double f_sqrt(double x) { return std::sqrt(x); }
double f_exp(double x) { return std::exp(x); }
double f_log(double x) { return std::log(x); }
double f_log10(double x) { return std::log10(x); }
double f_sin(double x) { return std::sin(x); }
double f_cos(double x) { return std::cos(x); }
double f_tan(double x) { return std::tan(x); }
double f_asin(double x) { return std::asin(x); }
double f_acos(double x) { return std::acos(x); }
double f_atan(double x) { return std::atan(x); }
double f_todegrees(double x) { return x * (180.0 / kPi); }
double f_toradians(double x) { return x * (kPi / 180.0); }
double f_sign(double x) {
  if (is_na(x)) return kNa;
  return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}
double f_round(double x) { return std::round(x); }  // half away from zero; na stays na

void math_pow(CallContext&, const Value* a, Value* out, CallState*) { out[0] = std::pow(a[0], a[1]); }

// ---- variadic max/min/avg ----
template <int N>
void math_max(CallContext&, const Value* a, Value* out, CallState*) {
  double m = a[0];
  for (int i = 0; i < N; ++i) {
    if (is_na(a[i])) {
      out[0] = kNa;
      return;
    }
    m = std::max(m, a[i]);
  }
  out[0] = m;
}

template <int N>
void math_min(CallContext&, const Value* a, Value* out, CallState*) {
  double m = a[0];
  for (int i = 0; i < N; ++i) {
    if (is_na(a[i])) {
      out[0] = kNa;
      return;
    }
    m = std::min(m, a[i]);
  }
  out[0] = m;
}

template <int N>
void math_avg(CallContext&, const Value* a, Value* out, CallState*) {
  double s = 0;
  for (int i = 0; i < N; ++i) s += a[i];  // na propagates through the sum
  out[0] = s / N;
}

template <int N>
void register_variadic(Registry& reg) {
  std::string params;
  for (int i = 0; i < N; ++i) params += (i ? ", number number" : "number number") + std::to_string(i);
  reg.function("math.max(" + params + ") -> number", "The greatest of the numbers (na if any is na).", math_max<N>);
  reg.function("math.min(" + params + ") -> number", "The smallest of the numbers (na if any is na).", math_min<N>);
  reg.function("math.avg(" + params + ") -> float", "The average of the numbers (na if any is na).", math_avg<N>);
  if constexpr (N < 10) register_variadic<N + 1>(reg);
}

// ---- rounding ----

/// x rounded to `precision` decimals, half away from zero on x's shortest decimal form (so
/// math.round(2.675, 2) is 2.68 although the double 2.675 is slightly below it).
double round_decimal(double x, int64_t precision) {
  if (is_na(x) || !std::isfinite(x)) return x;
  if (precision < 0) {
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return std::round(x / scale) * scale;
  }
  if (precision > 300) return x;
  // The shortest form that reads back as x, then decimal rounding of its digits.
  char buf[64];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  // buf: [-]d.ddddde[+-]xx
  const bool neg = buf[0] == '-';
  const char* p = buf + (neg ? 1 : 0);
  std::string mant;
  for (; *p && *p != 'e'; ++p) {
    if (*p != '.') mant += *p;
  }
  const int exp10 = std::atoi(p + 1);  // value = 0.mant × 10^(exp10 + 1)
  const int point = exp10 + 1;         // digits before the decimal point
  const int64_t keep = point + precision;  // significant digits kept
  if (keep >= static_cast<int64_t>(mant.size())) return x;  // nothing to round
  if (keep < 0) return neg ? -0.0 : 0.0;
  std::string kept = mant.substr(0, static_cast<size_t>(keep));
  int exp_adj = 0;
  if (mant[static_cast<size_t>(keep)] >= '5') {  // half up on the magnitude
    int i = static_cast<int>(kept.size()) - 1;
    while (i >= 0 && kept[static_cast<size_t>(i)] == '9') kept[static_cast<size_t>(i--)] = '0';
    if (i >= 0) {
      ++kept[static_cast<size_t>(i)];
    } else {
      kept.insert(kept.begin(), '1');
      exp_adj = 1;
    }
  }
  if (kept.empty()) return neg ? -0.0 : 0.0;
  std::string text = std::string(neg ? "-" : "") + "0." + kept + "e" + std::to_string(point + exp_adj);
  return std::strtod(text.c_str(), nullptr);
}

void math_round(CallContext&, const Value* a, Value* out, CallState*) { out[0] = f_round(a[0]); }

void math_round_precision(CallContext&, const Value* a, Value* out, CallState*) {
  if (is_na(a[1])) {
    out[0] = kNa;
    return;
  }
  out[0] = round_decimal(a[0], as_int(a[1]));
}

void math_round_to_mintick(CallContext& cx, const Value* a, Value* out, CallState*) {
  const double x = a[0];
  const double tick = cx.mintick;
  if (is_na(x) || !(tick > 0)) {
    out[0] = is_na(x) ? kNa : x;
    return;
  }
  const double ticks = std::floor(x / tick + 0.5);  // ties up
  // Back to a price without binary residue (1.23, not 1.2300000000000002): the decimals of the
  // tick, then one correctly rounded division.
  int decimals = 0;
  while (decimals < 15) {
    const double scaled = tick * std::pow(10.0, decimals);
    if (std::fabs(scaled - std::round(scaled)) < 1e-9 * std::max(1.0, scaled)) break;
    ++decimals;
  }
  const double pow10 = std::pow(10.0, decimals);
  out[0] = std::round(ticks * tick * pow10) / pow10;
}

// ---- math.sum ----
struct SumState : CallState {
  std::deque<double> values;  ///< last non-na values, oldest first (up to the longest length seen)
  int64_t length = 0;         ///< length of the running sum (0: recompute)
  double sum = 0, comp = 0;   ///< Neumaier-compensated running sum of the window

  void add(double v) {
    const double t = sum + v;
    comp += std::fabs(sum) >= std::fabs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  void recompute(int64_t n) {
    sum = comp = 0;
    for (size_t i = values.size() - static_cast<size_t>(n); i < values.size(); ++i) add(values[i]);
    length = n;
  }
};

void math_sum(CallContext&, const Value* a, Value* out, CallState* st) {
  auto& s = *static_cast<SumState*>(st);
  const double x = a[0];
  if (is_na(a[1]) || a[1] < 1) {
    throw RuntimeError("math.sum: invalid length " + (is_na(a[1]) ? std::string("na") : std::to_string(as_int(a[1]))) +
                       ", it must be greater than 0");
  }
  const int64_t n = as_int(a[1]);
  const size_t cap = std::max<size_t>(static_cast<size_t>(n), s.values.size());
  if (!is_na(x)) {
    const bool full_before = static_cast<int64_t>(s.values.size()) >= n;
    double evicted = kNa;
    if (full_before && s.length == n) evicted = s.values[s.values.size() - static_cast<size_t>(n)];
    s.values.push_back(x);
    while (s.values.size() > cap) s.values.pop_front();
    if (static_cast<int64_t>(s.values.size()) < n) {
      s.length = 0;
      out[0] = kNa;
      return;
    }
    if (s.length == n && !is_na(evicted)) {
      s.add(x);
      s.add(-evicted);
    } else {
      s.recompute(n);
    }
    out[0] = s.sum + s.comp;
    return;
  }
  // An na bar: the window of the last n non-na values is unchanged.
  if (static_cast<int64_t>(s.values.size()) < n) {
    out[0] = kNa;
    return;
  }
  if (s.length != n) s.recompute(n);
  out[0] = s.sum + s.comp;
}

// ---- math.random ----
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct RandomState : CallState {
  bool seeded = false;
  uint64_t state = 0;
  uint64_t fallback = 0x853C49E6748FEA9Bull;  ///< used when the VM gave no cx.rng
};

void math_random(CallContext& cx, const Value* a, Value* out, CallState* st) {
  auto& s = *static_cast<RandomState*>(st);
  const double lo = a[0], hi = a[1], seed = a[2];
  uint64_t* gen = nullptr;
  if (!is_na(seed)) {
    if (!s.seeded) {
      s.state = static_cast<uint64_t>(as_int(seed)) ^ 0x6A09E667F3BCC909ull;
      s.seeded = true;
    }
    gen = &s.state;
  } else {
    gen = cx.rng ? cx.rng : &s.fallback;
  }
  const double u = static_cast<double>(splitmix64(*gen) >> 11) * 0x1.0p-53;  // [0, 1)
  out[0] = (is_na(lo) || is_na(hi)) ? kNa : lo + (hi - lo) * u;
}

}  // namespace

void register_math(Registry& reg) {
  reg.constant("math.pi", "const float", kPi);
  reg.constant("math.e", "const float", kE);
  reg.constant("math.phi", "const float", kPhi);
  reg.constant("math.rphi", "const float", 1.0 / kPhi);

  reg.function("math.abs(number number) -> number", "The absolute value of number.", unary<f_abs>);
  register_variadic<2>(reg);
  reg.function("math.sum(float source, int length) -> series float",
               "Sum of the last `length` non-na values of source (na until there are that many).", math_sum,
               make_state<SumState>);
  reg.function("math.round(number number) -> int", "number rounded to the nearest integer, ties away from zero.",
               math_round);
  reg.function("math.round(number number, int precision) -> float",
               "number rounded to `precision` decimals, ties away from zero.", math_round_precision);
  reg.function("math.round_to_mintick(number number) -> float",
               "number rounded to the symbol's mintick, ties up.", math_round_to_mintick);
  reg.function("math.floor(number number) -> int", "The largest integer not above number.", unary<f_floor>);
  reg.function("math.ceil(number number) -> int", "The smallest integer not below number.", unary<f_ceil>);
  reg.function("math.sqrt(float number) -> float", "Square root (na for a negative number).", unary<f_sqrt>);
  reg.function("math.pow(float base, float exponent) -> float", "base raised to the power exponent.", math_pow);
  reg.function("math.exp(float number) -> float", "e raised to the power number.", unary<f_exp>);
  reg.function("math.log(float number) -> float", "Natural logarithm.", unary<f_log>);
  reg.function("math.log10(float number) -> float", "Base-10 logarithm.", unary<f_log10>);
  reg.function("math.sign(float number) -> float", "1 if number > 0, -1 if < 0, 0 if 0.", unary<f_sign>);
  reg.function("math.sin(float angle) -> float", "Sine of an angle in radians.", unary<f_sin>);
  reg.function("math.cos(float angle) -> float", "Cosine of an angle in radians.", unary<f_cos>);
  reg.function("math.tan(float angle) -> float", "Tangent of an angle in radians.", unary<f_tan>);
  reg.function("math.asin(float angle) -> float", "Arcsine, in radians.", unary<f_asin>);
  reg.function("math.acos(float angle) -> float", "Arccosine, in radians.", unary<f_acos>);
  reg.function("math.atan(float angle) -> float", "Arctangent, in radians.", unary<f_atan>);
  reg.function("math.todegrees(float radians) -> float", "Radians to degrees.", unary<f_todegrees>);
  reg.function("math.toradians(float degrees) -> float", "Degrees to radians.", unary<f_toradians>);
  reg.function("math.random(float min = 0, float max = 1, int seed = na) -> series float",
               "A pseudo-random number in [min, max); with a seed, a repeatable sequence.", math_random,
               make_state<RandomState>);
}

}  // namespace atf::pine
