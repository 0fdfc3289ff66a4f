// Low-level text parsers of the CSV importer: calendar arithmetic, ISO 8601 date-times, epoch
// numbers and decimal numbers. No locale, no time functions; every result is the same natively
// and in Wasm (the number parser's fast path is exact; see its comment).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace atf::text {

constexpr int64_t kMsPerDay = 86'400'000;

// ----- calendar arithmetic (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms") -----

constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);              // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

constexpr Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                   // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // [1, 12]
  return {y + (m <= 2 ? 1 : 0), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(11017).y == 2000 && civil_from_days(11017).m == 3);

constexpr bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr unsigned days_in_month(int64_t y, unsigned m) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// ----- ISO 8601 dates and date-times -----

enum class Parse { kOk, kBadShape, kBadRange };

struct IsoTime {
  int64_t ms = 0;
  bool has_time = false;  ///< a clock time followed the date
};

inline bool two_digits(const char* p, const char* e, unsigned& v) {
  if (e - p < 2 || !is_digit(p[0]) || !is_digit(p[1])) return false;
  v = static_cast<unsigned>(p[0] - '0') * 10 + static_cast<unsigned>(p[1] - '0');
  return true;
}

/// "YYYY-MM-DD" or "YYYY-MM-DD[T ]HH:MM[:SS[.f+]][Z|±HH[:MM]|±HHMM]" -> UTC ms. A missing offset means UTC.
/// Fractions finer than a millisecond are truncated.
inline Parse parse_iso(std::string_view s, IsoTime& out) {
  const char* p = s.data();
  const char* const e = p + s.size();
  if (s.size() < 10 || p[4] != '-' || p[7] != '-') return Parse::kBadShape;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(p[i])) return Parse::kBadShape;
  }
  const int64_t year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  const auto month = static_cast<unsigned>((p[5] - '0') * 10 + (p[6] - '0'));
  const auto day = static_cast<unsigned>((p[8] - '0') * 10 + (p[9] - '0'));
  p += 10;
  unsigned hh = 0, mi = 0, ss = 0, frac_ms = 0, oh = 0, om = 0;
  int offset_sign = 0;
  out.has_time = p != e;
  if (p != e) {
    if (*p != 'T' && *p != 't' && *p != ' ') return Parse::kBadShape;
    ++p;
    if (!two_digits(p, e, hh)) return Parse::kBadShape;
    p += 2;
    if (p == e || *p != ':') return Parse::kBadShape;
    ++p;
    if (!two_digits(p, e, mi)) return Parse::kBadShape;
    p += 2;
    if (p != e && *p == ':') {
      ++p;
      if (!two_digits(p, e, ss)) return Parse::kBadShape;
      p += 2;
      if (p != e && *p == '.') {
        ++p;
        if (p == e || !is_digit(*p)) return Parse::kBadShape;
        for (unsigned scale = 100; p != e && is_digit(*p); ++p, scale /= 10) {
          frac_ms += static_cast<unsigned>(*p - '0') * scale;
        }
      }
    }
    if (p != e) {
      if (*p == 'Z' || *p == 'z') {
        ++p;
      } else if (*p == '+' || *p == '-') {
        offset_sign = *p == '-' ? -1 : 1;
        ++p;
        if (!two_digits(p, e, oh)) return Parse::kBadShape;
        p += 2;
        if (p != e) {
          if (*p == ':') ++p;
          if (!two_digits(p, e, om)) return Parse::kBadShape;
          p += 2;
        }
      }
    }
    if (p != e) return Parse::kBadShape;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hh > 23 || mi > 59 ||
      ss > 59 || oh > 23 || om > 59) {
    return Parse::kBadRange;
  }
  const int64_t clock_ms = ((int64_t{hh} * 60 + mi) * 60 + ss) * 1000 + frac_ms;
  const int64_t offset_ms = int64_t{offset_sign} * (int64_t{oh} * 60 + om) * 60'000;
  out.ms = days_from_civil(year, month, day) * kMsPerDay + clock_ms - offset_ms;
  return Parse::kOk;
}

// ----- epoch numbers -----

enum EpochUnit : int { kSeconds = 0, kMillis, kMicros, kNanos };
constexpr const char* kEpochFormats[] = {"epoch_s", "epoch_ms", "epoch_us", "epoch_ns"};
constexpr const char* kEpochUnitNames[] = {"seconds", "milliseconds", "microseconds", "nanoseconds"};

/// The unit follows the digit count of the integer part: <=11 s, 12-14 ms, 15-17 us, 18-19 ns.
constexpr int unit_for_digits(int n) {
  if (n >= 1 && n <= 11) return kSeconds;
  if (n >= 12 && n <= 14) return kMillis;
  if (n >= 15 && n <= 17) return kMicros;
  if (n >= 18 && n <= 19) return kNanos;
  return -1;
}

/// "[+-]digits[.digits]" -> UTC ms (floored); `unit` receives the detected unit.
inline bool parse_epoch(std::string_view s, int64_t& ms, int& unit) {
  const char* p = s.data();
  const char* const e = p + s.size();
  bool neg = false;
  if (p != e && (*p == '+' || *p == '-')) {
    neg = *p == '-';
    ++p;
  }
  uint64_t v = 0;
  int n = 0;
  for (; p != e && is_digit(*p); ++p, ++n) {
    if (n == 19) return false;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
  }
  if (n == 0 || v > static_cast<uint64_t>(INT64_MAX)) return false;
  uint64_t frac3 = 0;  // first three fraction digits
  bool frac_rest = false;
  if (p != e && *p == '.') {
    ++p;
    if (p == e || !is_digit(*p)) return false;
    int k = 0;
    for (; p != e && is_digit(*p); ++p, ++k) {
      if (k < 3) {
        frac3 = frac3 * 10 + static_cast<uint64_t>(*p - '0');
      } else if (*p != '0') {
        frac_rest = true;
      }
    }
    for (; k < 3; ++k) frac3 *= 10;
  }
  if (p != e) return false;
  unit = unit_for_digits(n);
  uint64_t mag = 0;
  bool rem = false;
  switch (unit) {
    case kSeconds: mag = v * 1000 + frac3; rem = frac_rest; break;
    case kMillis: mag = v; rem = frac3 != 0 || frac_rest; break;
    case kMicros: mag = v / 1000; rem = v % 1000 != 0 || frac3 != 0 || frac_rest; break;
    case kNanos: mag = v / 1'000'000; rem = v % 1'000'000 != 0 || frac3 != 0 || frac_rest; break;
    default: return false;
  }
  ms = neg ? -static_cast<int64_t>(mag) - (rem ? 1 : 0) : static_cast<int64_t>(mag);
  return true;
}

// ----- decimal numbers -----

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// [+-]digits[.digits][(e|E)[+-]digits], at least one mantissa digit. Rejects everything else
/// (empty, "null", "NaN", "inf", hex, thousands separators). The result may be infinite only when the
/// text overflows a double (e.g. 1e999); callers check.
inline bool parse_number(std::string_view s, double& out) {
  const char* p = s.data();
  const char* const e = p + s.size();
  bool neg = false;
  if (p != e && (*p == '+' || *p == '-')) {
    neg = *p == '-';
    ++p;
  }
  uint64_t m = 0;  // significant digits, exact while sig <= 19
  int sig = 0, ndigits = 0, frac = 0;
  for (; p != e && is_digit(*p); ++p, ++ndigits) {
    if (m != 0 || *p != '0') {
      if (++sig <= 19) m = m * 10 + static_cast<uint64_t>(*p - '0');
    }
  }
  if (p != e && *p == '.') {
    for (++p; p != e && is_digit(*p); ++p, ++ndigits, ++frac) {
      if (m != 0 || *p != '0') {
        if (++sig <= 19) m = m * 10 + static_cast<uint64_t>(*p - '0');
      }
    }
  }
  if (ndigits == 0) return false;
  int exp = 0;
  if (p != e && (*p == 'e' || *p == 'E')) {
    ++p;
    bool eneg = false;
    if (p != e && (*p == '+' || *p == '-')) {
      eneg = *p == '-';
      ++p;
    }
    if (p == e || !is_digit(*p)) return false;
    for (; p != e && is_digit(*p); ++p) {
      if (exp < 100000) exp = exp * 10 + (*p - '0');
    }
    if (eneg) exp = -exp;
  }
  if (p != e) return false;
  if (m == 0 && sig == 0) {
    out = neg ? -0.0 : 0.0;
    return true;
  }
  const int net = exp - frac;
  if (sig <= 19 && m <= (uint64_t{1} << 53) && net >= -22 && net <= 22) {
    // Both operands are exact doubles, so one IEEE operation yields the correctly rounded value.
    const auto mant = static_cast<double>(m);
    const double v = net < 0 ? mant / kPow10[-net] : mant * kPow10[net];
    out = neg ? -v : v;
    return true;
  }
  char small[96];
  std::string big;
  const char* z = small;
  if (s.size() < sizeof small) {
    std::memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
  } else {
    big.assign(s);
    z = big.c_str();
  }
  out = std::strtod(z, nullptr);
  return true;
}

}  // namespace atf::text
