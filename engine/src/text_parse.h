// Low-level text parsers of the CSV importer: calendar arithmetic, ISO 8601 date-times, epoch
// numbers and decimal numbers. No locale, no time functions; every result is the same natively
// and in Wasm (the number parser's fast path is exact; see its comment).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "atf/csv_import.h"  // DateOrder

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

// ----- other calendar shapes: compact, slashed, dotted, month names; clock times -----

/// "YYYYMMDD" exactly 8 digits that name a real calendar date (years 1000-9999) -> days.
inline bool parse_compact_date(std::string_view s, int64_t& days) {
  if (s.size() != 8) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  const int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const auto m = static_cast<unsigned>((s[4] - '0') * 10 + (s[5] - '0'));
  const auto d = static_cast<unsigned>((s[6] - '0') * 10 + (s[7] - '0'));
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
  days = days_from_civil(y, m, d);
  return true;
}

inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// "Jan", "january", "Sept" (case-insensitive, English) -> 1..12; 0 otherwise.
inline unsigned month_from_name(std::string_view s) {
  static const char* const kNames[12] = {"january", "february", "march",     "april",   "may",      "june",
                                         "july",    "august",   "september", "october", "november", "december"};
  if (s.size() < 3) return 0;
  for (unsigned m = 0; m < 12; ++m) {
    const std::string_view full = kNames[m];
    if (s.size() > full.size()) continue;
    bool same = true;
    for (size_t i = 0; i < s.size() && same; ++i) same = lower(s[i]) == full[i];
    if (same) return m + 1;
    if (m == 8 && s.size() == 4 && lower(s[0]) == 's' && lower(s[1]) == 'e' && lower(s[2]) == 'p' && lower(s[3]) == 't') return 9;
  }
  return 0;
}

/// A time of day: "H:MM", "HH:MM:SS", "HH:MM:SS.fff", optionally followed by " AM"/" PM", or
/// "HHMMSS" (exactly six digits). -> ms since midnight. kBadRange for 25:00 and the like.
inline Parse parse_clock(std::string_view s, int64_t& ms) {
  const char* p = s.data();
  const char* const e = p + s.size();
  unsigned hh = 0, mi = 0, ss = 0, frac = 0;
  int ampm = 0;  // 1 AM, 2 PM
  if (s.size() == 6 && std::all_of(p, e, is_digit)) {
    hh = static_cast<unsigned>((p[0] - '0') * 10 + (p[1] - '0'));
    mi = static_cast<unsigned>((p[2] - '0') * 10 + (p[3] - '0'));
    ss = static_cast<unsigned>((p[4] - '0') * 10 + (p[5] - '0'));
  } else {
    if (p == e || !is_digit(*p)) return Parse::kBadShape;
    hh = static_cast<unsigned>(*p++ - '0');
    if (p != e && is_digit(*p)) hh = hh * 10 + static_cast<unsigned>(*p++ - '0');
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
        for (unsigned scale = 100; p != e && is_digit(*p); ++p, scale /= 10) frac += static_cast<unsigned>(*p - '0') * scale;
      }
    }
    while (p != e && *p == ' ') ++p;
    if (e - p == 2 && lower(p[1]) == 'm' && (lower(p[0]) == 'a' || lower(p[0]) == 'p')) {
      ampm = lower(p[0]) == 'a' ? 1 : 2;
      p = e;
    }
    if (p != e) return Parse::kBadShape;
  }
  if (ampm != 0) {
    if (hh < 1 || hh > 12) return Parse::kBadRange;
    hh = hh % 12 + (ampm == 2 ? 12 : 0);
  }
  if (hh > 23 || mi > 59 || ss > 59) return Parse::kBadRange;
  ms = ((int64_t{hh} * 60 + mi) * 60 + ss) * 1000 + frac;
  return Parse::kOk;
}

/// What parse_loose_date found besides the value.
struct LooseDate {
  int64_t ms = 0;
  bool has_time = false;
  bool year_last = false;   ///< a numeric date whose year comes last: needed an order
  bool month_name = false;  ///< the month was a name ("Jan")
  /// For a year-last date read without an order: the order its numbers prove (a first number
  /// above 12 can only be a day, so kDMY; a second above 12, kMDY), else kUnknown.
  DateOrder proves = DateOrder::kUnknown;
};

enum class LooseParse { kOk, kBadShape, kBadRange, kNeedsOrder, kWrongOrder, kShortYear };

/// Dates as spreadsheets and brokers write them, optionally followed by a clock time (after a space
/// or a 'T'): "2020.01.02", "2020/1/2", "02.01.2020", "1/2/2020 9:30 PM", "Jan 2, 2020",
/// "02-Jan-2020", "2 January 2020 09:30". Numbers are 1-2 digits except the 4-digit year. A date
/// whose year comes last needs `order` (kDMY or kMDY): without it kNeedsOrder; kYMD refuses it
/// (kWrongOrder). Two-digit years are refused (kShortYear): never a guess at the century.
inline LooseParse parse_loose_date(std::string_view s, DateOrder order, LooseDate& out) {
  out = LooseDate{};
  const char* p = s.data();
  const char* const e = p + s.size();
  // Up to three date fields: digit runs or letter runs, separated by one of "-/. ," (", " counts as one).
  std::string_view f[3];
  int n = 0;
  while (p != e && n < 3) {
    const char* b = p;
    if (is_digit(*p)) {
      while (p != e && is_digit(*p)) ++p;
    } else if (is_alpha(*p)) {
      while (p != e && is_alpha(*p)) ++p;
    } else {
      return LooseParse::kBadShape;
    }
    f[n++] = std::string_view(b, static_cast<size_t>(p - b));
    if (n == 3) break;
    if (p == e) return LooseParse::kBadShape;
    const char sep = *p;
    if (sep != '-' && sep != '/' && sep != '.' && sep != ' ' && sep != ',') return LooseParse::kBadShape;
    ++p;
    if (sep == ',' || sep == '.') {
      while (p != e && *p == ' ') ++p;
    }
  }
  if (n != 3) return LooseParse::kBadShape;
  // A clock time may follow after 'T' or spaces.
  int64_t clock = 0;
  if (p != e) {
    if (*p != ' ' && *p != 'T') return LooseParse::kBadShape;
    while (p != e && (*p == ' ' || *p == 'T')) ++p;
    std::string_view rest(p, static_cast<size_t>(e - p));
    if (!rest.empty() && (rest.back() == 'Z' || rest.back() == 'z')) rest.remove_suffix(1);
    const Parse c = parse_clock(rest, clock);
    if (c == Parse::kBadShape) return LooseParse::kBadShape;
    if (c == Parse::kBadRange) return LooseParse::kBadRange;
    out.has_time = true;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  const auto num = [](std::string_view t) {
    unsigned v = 0;
    for (char c : t) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
  };
  int alpha = -1;
  for (int i = 0; i < 3; ++i) {
    if (is_alpha(f[i][0])) {
      if (alpha >= 0) return LooseParse::kBadShape;
      alpha = i;
    } else if (f[i].size() > (i == 1 ? 2u : 4u) || f[i].size() == 3) {
      return LooseParse::kBadShape;
    }
  }
  if (alpha >= 0) {
    // One month name; of the two numbers the four-digit one is the year, the other the day.
    m = month_from_name(f[alpha]);
    if (m == 0) return LooseParse::kBadShape;
    out.month_name = true;
    std::string_view a = f[alpha == 0 ? 1 : 0], b = f[alpha == 2 ? 1 : 2];
    if (a.size() == 4 && b.size() <= 2) std::swap(a, b);
    if (b.size() != 4 || a.size() > 2) return b.size() == 2 && a.size() <= 2 ? LooseParse::kShortYear : LooseParse::kBadShape;
    y = num(b);
    d = num(a);
  } else if (f[0].size() == 4) {  // year first: y m d
    if (f[1].size() > 2 || f[2].size() > 2) return LooseParse::kBadShape;
    y = num(f[0]);
    m = num(f[1]);
    d = num(f[2]);
  } else if (f[2].size() == 4 || f[2].size() == 2) {
    if (f[0].size() > 2) return LooseParse::kBadShape;
    out.year_last = true;
    const unsigned a = num(f[0]), b = num(f[1]);
    out.proves = a > 12 && b <= 12 ? DateOrder::kDMY : b > 12 && a <= 12 ? DateOrder::kMDY : DateOrder::kUnknown;
    if (f[2].size() == 2) return LooseParse::kShortYear;
    if (order == DateOrder::kUnknown) return LooseParse::kNeedsOrder;
    if (order == DateOrder::kYMD) return LooseParse::kWrongOrder;
    y = num(f[2]);
    m = order == DateOrder::kDMY ? b : a;
    d = order == DateOrder::kDMY ? a : b;
  } else {
    return LooseParse::kBadShape;
  }
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return LooseParse::kBadRange;
  out.ms = days_from_civil(y, m, d) * kMsPerDay + clock;
  return LooseParse::kOk;
}

/// Excel's serial day number (1900 date system, its phantom 1900-02-29 included) -> days since
/// 1970-01-01, for messages.
constexpr int64_t excel_serial_days(int64_t serial) { return serial - 25569; }

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
[[gnu::always_inline]] inline bool parse_number(std::string_view s, double& out) {
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
