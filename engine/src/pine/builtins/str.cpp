// The str.* namespace, with TradingView's Pine v6 semantics, and the number formatting shared with
// array.join. TradingView has two number formatters, and they differ:
//  - str.tostring (the chart's): without a format, 10 decimals at most ("0.3333333333"), no
//    trailing zeros, no grouping, "1E21" from 1e21 up; with a pattern ("#.##", "0.00",
//    "#,###.00", "#.##%") or format.mintick/percent/volume, ties round half up on the shortest
//    decimal form of the number (2.675 → "2.68").
//  - str.format (Java's MessageFormat/DecimalFormat): "{0}" of a number is "#,##0.###" (grouped,
//    3 decimals), styles integer/currency/percent or a pattern, ties round half even on the
//    exact binary value (2.675 → "2.67", 0.125 → "0.12").
// Pine's na string behaves as "" (str.length(na) is 0); na numbers print "NaN".
// Deviations: str.format of a bool argument prints true/false only where the overload typed that
// argument bool (arguments 1..3); str.format {n,date}/{n,time}/{n,choice} placeholders raise an
// error; str.lower/upper change ASCII letters only; lengths and positions count code points.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "common.h"

namespace atf::pine {
namespace detail {
namespace {

// ---- decimal digits of a double ----

/// |v| = 0.d₁d₂…dₙ × 10^point, d without leading or trailing zeros (empty for 0).
struct Digits {
  std::string d;
  int point = 0;
};

Digits parse_e(const char* buf) {  // "d.ddde±xx" (no sign)
  Digits out;
  const char* p = buf;
  for (; *p && *p != 'e'; ++p) {
    if (*p != '.') out.d += *p;
  }
  out.point = std::atoi(p + 1) + 1;
  while (!out.d.empty() && out.d.back() == '0') out.d.pop_back();
  size_t lead = 0;
  while (lead < out.d.size() && out.d[lead] == '0') ++lead;
  out.d.erase(0, lead);
  out.point -= static_cast<int>(lead);
  if (out.d.empty()) out.point = 0;
  return out;
}

/// The shortest digits that read back as a (a ≥ 0, finite).
Digits shortest(double a) {
  if (a == 0) return {};
  char buf[64];
  for (int prec = 0; prec < 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec, a);
    if (std::strtod(buf, nullptr) == a) return parse_e(buf);
  }
  std::snprintf(buf, sizeof buf, "%.16e", a);
  return parse_e(buf);
}

/// The exact binary value's leading digits (enough to tell which side of a decimal tie it is on).
Digits exact(double a) {
  if (a == 0) return {};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.70e", a);
  return parse_e(buf);
}

enum class Rounding { kHalfUp, kJavaHalfEven };

/// `x` (≥ 0, with shortest digits `dg`) rounded to `frac` decimals: the integer digits (no leading
/// zeros, possibly empty) and exactly `frac` fraction digits.
std::pair<std::string, std::string> round_to(double x, Digits dg, int frac, Rounding mode) {
  const int keep = dg.point + frac;  // significant digits kept
  if (keep < static_cast<int>(dg.d.size())) {
    bool up = false;
    if (keep >= 0) {
      const char next = dg.d[static_cast<size_t>(keep)];
      if (mode == Rounding::kHalfUp) {
        up = next >= '5';
      } else if (next != '5') {
        up = next > '5';
      } else if (keep + 1 < static_cast<int>(dg.d.size())) {
        up = true;  // above the tie
      } else if (keep == 0) {
        up = false;  // a tie on the first significant digit rounds down (as TradingView does)
      } else {
        // A tie in the shortest form: the exact value decides, half even if it is exact.
        const Digits ex = exact(x);
        const std::string tie = dg.d.substr(0, static_cast<size_t>(keep)) + '5';
        int cmp = 0;
        if (ex.point != dg.point) {
          cmp = ex.point > dg.point ? 1 : -1;
        } else {
          const int c = ex.d.compare(0, tie.size(), tie);
          cmp = c != 0 ? (c > 0 ? 1 : -1) : (ex.d.size() > tie.size() ? 1 : 0);
        }
        up = cmp > 0 || (cmp == 0 && (dg.d[static_cast<size_t>(keep) - 1] - '0') % 2 == 1);
      }
    }
    std::string kept = keep > 0 ? dg.d.substr(0, static_cast<size_t>(keep)) : std::string();
    int point = dg.point;
    if (up) {
      if (keep < 0) {  // only possible with half-up never; keep for safety
        kept.clear();
      } else {
        int i = static_cast<int>(kept.size()) - 1;
        while (i >= 0 && kept[static_cast<size_t>(i)] == '9') kept[static_cast<size_t>(i--)] = '0';
        if (i >= 0) {
          ++kept[static_cast<size_t>(i)];
        } else {
          kept.insert(kept.begin(), '1');
          ++point;
        }
      }
    }
    dg.d = kept;
    dg.point = point;
    if (keep < 0 || dg.d.empty()) dg = Digits{};
  }
  std::string int_part, frac_part;
  for (int i = 0; i < dg.point; ++i) int_part += i < static_cast<int>(dg.d.size()) ? dg.d[static_cast<size_t>(i)] : '0';
  for (int i = 0; i < frac; ++i) {
    const int k = dg.point + i;
    frac_part += (k >= 0 && k < static_cast<int>(dg.d.size())) ? dg.d[static_cast<size_t>(k)] : '0';
  }
  const size_t nz = int_part.find_first_not_of('0');
  int_part = nz == std::string::npos ? std::string() : int_part.substr(nz);
  return {int_part, frac_part};
}

/// Plain notation of shortest digits ("0.0000001", "100000000", "1000000000000000.2").
std::string plain(const Digits& dg) {
  if (dg.d.empty()) return "0";
  std::string s;
  if (dg.point <= 0) {
    s = "0." + std::string(static_cast<size_t>(-dg.point), '0') + dg.d;
  } else if (dg.point >= static_cast<int>(dg.d.size())) {
    s = dg.d + std::string(static_cast<size_t>(dg.point) - dg.d.size(), '0');
  } else {
    s = dg.d.substr(0, static_cast<size_t>(dg.point)) + "." + dg.d.substr(static_cast<size_t>(dg.point));
  }
  return s;
}

// ---- DecimalFormat-like patterns ----
struct Pattern {
  std::string prefix, suffix, neg_prefix, neg_suffix;
  bool has_neg = false;
  int min_int = 0, max_frac = 0, min_frac = 0, grouping = 0;
  double multiplier = 1;
};

/// One subpattern: literal prefix, digits (#, 0, ',', '.'), literal suffix; quotes make literals.
void parse_subpattern(std::string_view s, std::string& prefix, std::string& digits, std::string& suffix,
                      double& multiplier) {
  int stage = 0;  // 0 prefix, 1 digits, 2 suffix
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'') {
      if (i + 1 < s.size() && s[i + 1] == '\'') {
        (stage == 0 ? prefix : suffix) += '\'';
        ++i;
      } else {
        quoted = !quoted;
      }
      continue;
    }
    const bool digit_char = !quoted && (c == '#' || c == '0' || c == ',' || c == '.');
    if (digit_char && stage < 2) {
      stage = 1;
      digits += c;
      continue;
    }
    if (stage == 1) stage = 2;
    if (!quoted && c == '%') multiplier = 100;
    if (!quoted && s.substr(i, 3) == "\xE2\x80\xB0") multiplier = 1000;  // per mille
    (stage == 0 ? prefix : suffix) += c;
  }
}

Pattern parse_pattern(std::string_view text) {
  Pattern p;
  // The negative subpattern follows an unquoted ';'.
  size_t semi = std::string_view::npos;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\'') quoted = !quoted;
    if (text[i] == ';' && !quoted) {
      semi = i;
      break;
    }
  }
  std::string digits;
  parse_subpattern(text.substr(0, semi), p.prefix, digits, p.suffix, p.multiplier);
  if (semi != std::string_view::npos) {
    std::string nd;
    double m = 1;
    parse_subpattern(text.substr(semi + 1), p.neg_prefix, nd, p.neg_suffix, m);
    p.has_neg = true;
  }
  const size_t dot = digits.find('.');
  const std::string int_part = digits.substr(0, dot);
  const std::string frac_part = dot == std::string::npos ? "" : digits.substr(dot + 1);
  for (char c : int_part) p.min_int += c == '0';
  const size_t comma = int_part.rfind(',');
  if (comma != std::string::npos) p.grouping = static_cast<int>(int_part.size() - comma - 1);
  for (char c : frac_part) {
    if (c == '0') ++p.min_frac;
    if (c == '0' || c == '#') ++p.max_frac;
  }
  return p;
}

std::string apply_pattern(double v, const Pattern& p, Rounding mode) {
  if (is_na(v)) return "NaN";
  const bool neg = v < 0;
  const double a = std::fabs(v) * p.multiplier;
  if (std::isinf(a)) return std::string(neg ? "-" : "") + p.prefix + "\xE2\x88\x9E" + p.suffix;
  auto [ip, fp] = round_to(a, shortest(a), p.max_frac, mode);
  while (static_cast<int>(fp.size()) > p.min_frac && fp.back() == '0') fp.pop_back();
  if (static_cast<int>(ip.size()) < p.min_int) ip.insert(0, static_cast<size_t>(p.min_int) - ip.size(), '0');
  if (ip.empty() && (fp.empty() || p.min_frac == 0)) ip = "0";
  if (p.grouping > 0) {
    std::string g;
    for (size_t i = 0; i < ip.size(); ++i) {
      if (i && (ip.size() - i) % static_cast<size_t>(p.grouping) == 0) g += ',';
      g += ip[i];
    }
    ip = std::move(g);
  }
  std::string number = ip + (fp.empty() ? "" : "." + fp);
  const bool zero = ip.find_first_not_of("0,") == std::string::npos && fp.find_first_not_of('0') == std::string::npos;
  // Java keeps the sign of a negative number that rounds to zero ("-0"); the chart formatter
  // drops it unless the pattern has literal text.
  const bool show_sign =
      neg && (mode == Rounding::kJavaHalfEven || !zero || !p.prefix.empty() || !p.suffix.empty());
  if (show_sign && p.has_neg) return p.neg_prefix + number + p.neg_suffix;
  return std::string(show_sign ? "-" : "") + p.prefix + number + p.suffix;
}

const Pattern& java_default_pattern() {
  static const Pattern p = parse_pattern("#,##0.###");
  return p;
}

}  // namespace

std::string format_default(double v) {
  if (is_na(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  const bool neg = v < 0;
  const double a = std::fabs(v);
  if (a >= 1e21) {
    const Digits dg = shortest(a);
    Digits mant{dg.d, 1};
    auto [ip, fp] = round_to(std::strtod(("0." + dg.d + "e1").c_str(), nullptr), mant, 10, Rounding::kHalfUp);
    while (!fp.empty() && fp.back() == '0') fp.pop_back();
    int e = dg.point - 1;
    if (ip == "10") {  // 9.99999999995E25 → 1E26
      ip = "1";
      ++e;
    }
    return std::string(neg ? "-" : "") + ip + (fp.empty() ? "" : "." + fp) + "E" + std::to_string(e);
  }
  // Rounded to 10 decimals on the exact binary value, then printed in its shortest form.
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.35f", a);
  std::string s = buf;
  const size_t dot = s.find('.');
  const bool up = s[dot + 11] >= '5';
  s.resize(dot + 11);
  if (up) {
    int i = static_cast<int>(s.size()) - 1;
    for (; i >= 0; --i) {
      if (s[static_cast<size_t>(i)] == '.') continue;
      if (s[static_cast<size_t>(i)] == '9') {
        s[static_cast<size_t>(i)] = '0';
      } else {
        ++s[static_cast<size_t>(i)];
        break;
      }
    }
    if (i < 0) s.insert(0, "1");
  }
  const double r = std::strtod(s.c_str(), nullptr);
  if (r == 0) return "0";
  return std::string(neg ? "-" : "") + plain(shortest(r));
}

std::string format_with(double v, std::string_view format, double mintick) {
  if (format == "mintick") {
    if (is_na(v)) return "NaN";
    if (!(mintick > 0)) return format_default(v);
    const Digits tick = shortest(mintick);
    const int decimals = std::max(0, static_cast<int>(tick.d.size()) - tick.point);
    const double ticks = std::floor(v / mintick + 0.5);
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, ticks * mintick);
    std::string s = buf;
    if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
    return s;
  }
  if (format == "percent") {
    if (is_na(v)) return "NaN%";
    Pattern p;
    p.min_int = 1;
    p.max_frac = p.min_frac = 2;
    p.suffix = "%";
    return apply_pattern(v, p, Rounding::kHalfUp);
  }
  if (format == "volume") {
    if (is_na(v)) return "NaN";
    const double a = std::fabs(v);
    static const std::pair<double, const char*> kUnits[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
    for (const auto& [scale, unit] : kUnits) {
      if (a >= scale) {
        Pattern p;
        p.max_frac = 3;
        p.suffix = unit;
        return apply_pattern(v / scale, p, Rounding::kHalfUp);
      }
    }
    return apply_pattern(v, Pattern{}, Rounding::kHalfUp);
  }
  return apply_pattern(v, parse_pattern(format), Rounding::kHalfUp);
}

std::string java_double(double v) {
  if (is_na(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  const std::string sign = std::signbit(v) ? "-" : "";
  const double a = std::fabs(v);
  if (a == 0) return sign + "0.0";
  const Digits dg = shortest(a);
  if (a >= 1e-3 && a < 1e7) {
    std::string s = plain(dg);
    if (s.find('.') == std::string::npos) s += ".0";
    return sign + s;
  }
  return sign + dg.d.substr(0, 1) + "." + (dg.d.size() > 1 ? dg.d.substr(1) : "0") + "E" + std::to_string(dg.point - 1);
}

std::string element_text(CallContext& cx, ElemKind kind, Value v) {
  switch (kind) {
    case ElemKind::kBool: return truthy(v) ? "true" : "false";
    case ElemKind::kString: return std::string(str_arg(cx, v));
    default: return format_default(v);
  }
}

}  // namespace detail

namespace {

using detail::as_int;
using detail::str_arg;

// ---- UTF-8 code points ----
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// Byte offsets of each code point, plus the end.
std::vector<size_t> code_points(std::string_view s) {
  std::vector<size_t> at;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_continuation(static_cast<unsigned char>(s[i]))) at.push_back(i);
  }
  at.push_back(s.size());
  return at;
}

size_t length_of(std::string_view s) { return code_points(s).size() - 1; }

Value new_str(CallContext& cx, std::string s) { return cx.heap->new_string(std::move(s)); }

// ---- str.tostring ----
void tostring_int(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = new_str(cx, detail::format_default(a[0]));
}
void tostring_bool(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = new_str(cx, truthy(a[0]) ? "true" : "false");
}
void tostring_string(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = new_str(cx, std::string(str_arg(cx, a[0])));
}
void tostring_format(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string fmt(str_arg(cx, a[1]));
  out[0] = new_str(cx, fmt.empty() ? detail::format_default(a[0]) : detail::format_with(a[0], fmt, cx.mintick));
}
void tostring_array(CallContext& cx, const Value* a, Value* out, CallState*) {
  const PineArray& arr = detail::array_arg(cx, a[0], "str.tostring");
  std::string s = "[";
  for (size_t i = 0; i < arr.items.size(); ++i) {
    if (i) s += ", ";
    s += detail::element_text(cx, arr.elem, arr.items[i]);
  }
  out[0] = new_str(cx, s + "]");
}

// ---- str.format (Java MessageFormat) ----
enum ArgKind : int { kNum = 0, kStr = 1, kBool = 2 };

std::string java_number(double v, std::string_view style) {
  std::string key(style);
  const size_t b = key.find_first_not_of(' '), e = key.find_last_not_of(' ');
  key = b == std::string::npos ? "" : key.substr(b, e - b + 1);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (is_na(v)) return "NaN";
  if (key.empty()) return detail::apply_pattern(v, detail::java_default_pattern(), detail::Rounding::kJavaHalfEven);
  if (key == "integer") {
    static const auto p = detail::parse_pattern("#,##0");
    return detail::apply_pattern(v, p, detail::Rounding::kJavaHalfEven);
  }
  if (key == "currency") {
    static const auto p = detail::parse_pattern("$#,##0.00");
    return detail::apply_pattern(v, p, detail::Rounding::kJavaHalfEven);
  }
  if (key == "percent") {
    static const auto p = detail::parse_pattern("#,##0%");
    return detail::apply_pattern(v, p, detail::Rounding::kJavaHalfEven);
  }
  return detail::apply_pattern(v, detail::parse_pattern(style), detail::Rounding::kJavaHalfEven);
}

std::string format_message(CallContext& cx, std::string_view pat, const Value* args, const int* kinds, int n) {
  std::string out;
  bool quoted = false;
  size_t i = 0;
  while (i < pat.size()) {
    const char c = pat[i];
    if (c == '\'') {
      if (i + 1 < pat.size() && pat[i + 1] == '\'') {
        out += '\'';
        i += 2;
      } else {
        quoted = !quoted;
        ++i;
      }
      continue;
    }
    if (c != '{' || quoted) {
      out += c;
      ++i;
      continue;
    }
    // A placeholder: index[,type[,style]] up to the matching '}'.
    std::string seg[3];
    int part = 0, depth = 0;
    bool in_q = false, closed = false;
    for (++i; i < pat.size(); ++i) {
      const char d = pat[i];
      if (in_q) {
        seg[part] += d;
        if (d == '\'') in_q = false;
        continue;
      }
      if (d == '\'') {
        in_q = true;
        seg[part] += d;
      } else if (d == ',' && part < 2) {
        ++part;
      } else if (d == '{') {
        ++depth;
        seg[part] += d;
      } else if (d == '}') {
        if (depth == 0) {
          closed = true;
          ++i;
          break;
        }
        --depth;
        seg[part] += d;
      } else if (!(d == ' ' && part == 1 && seg[1].empty())) {
        seg[part] += d;
      }
    }
    if (!closed) throw RuntimeError("str.format: Unmatched braces in the pattern.");
    const std::string& idx = seg[0];
    const bool digits_only = !idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos;
    if (!digits_only) throw RuntimeError("str.format: can't parse argument number: " + idx);
    const long k = idx.size() > 9 ? 1L << 30 : std::atol(idx.c_str());
    std::string type = seg[1];
    while (!type.empty() && type.back() == ' ') type.pop_back();
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!type.empty() && type != "number") {
      if (type == "date" || type == "time" || type == "choice") {
        throw RuntimeError("str.format: {" + idx + "," + type + "} placeholders are not supported");
      }
      throw RuntimeError("str.format: unknown format type: " + seg[1]);
    }
    if (k >= n) {  // no such argument: the placeholder is echoed
      out += "{" + std::to_string(k) + "}";
      continue;
    }
    const Value v = args[k];
    switch (kinds[k]) {
      case kStr: out += str_arg(cx, v); break;
      case kBool: out += truthy(v) ? "true" : "false"; break;
      default: out += java_number(v, seg[2]); break;
    }
  }
  return out;
}

template <int N, int B, unsigned Code>
void str_format(CallContext& cx, const Value* a, Value* out, CallState*) {
  int kinds[N];
  unsigned c = Code;
  for (int i = 0; i < N; ++i) {
    kinds[i] = static_cast<int>(c % B);
    c /= B;
  }
  out[0] = new_str(cx, format_message(cx, str_arg(cx, a[0]), a + 1, kinds, N));
}

template <int N, int B, unsigned Code>
void register_format_one(Registry& reg) {
  static constexpr const char* kTypes[] = {"float", "string", "bool"};
  std::string sig = "str.format(string formatString";
  unsigned c = Code;
  for (int i = 0; i < N; ++i) {
    sig += std::string(", ") + kTypes[c % B] + " arg" + std::to_string(i);
    c /= B;
  }
  reg.function(sig + ") -> string", "Formats the arguments into formatString's {0}, {1}, ... placeholders.",
               str_format<N, B, Code>);
}

template <int N, int B, unsigned... Codes>
void register_format_codes(Registry& reg, std::integer_sequence<unsigned, Codes...>) {
  (register_format_one<N, B, Codes>(reg), ...);
}

constexpr unsigned ipow(unsigned b, int n) { return n == 0 ? 1 : b * ipow(b, n - 1); }

/// Overloads of str.format: arguments 1..3 may each be float (int promotes), string or bool;
/// 4..7 float or string; 8..10 all float or all string.
void register_format(Registry& reg) {
  register_format_codes<1, 3>(reg, std::make_integer_sequence<unsigned, ipow(3, 1)>{});
  register_format_codes<2, 3>(reg, std::make_integer_sequence<unsigned, ipow(3, 2)>{});
  register_format_codes<3, 3>(reg, std::make_integer_sequence<unsigned, ipow(3, 3)>{});
  register_format_codes<4, 2>(reg, std::make_integer_sequence<unsigned, ipow(2, 4)>{});
  register_format_codes<5, 2>(reg, std::make_integer_sequence<unsigned, ipow(2, 5)>{});
  register_format_codes<6, 2>(reg, std::make_integer_sequence<unsigned, ipow(2, 6)>{});
  register_format_codes<7, 2>(reg, std::make_integer_sequence<unsigned, ipow(2, 7)>{});
  register_format_codes<8, 2>(reg, std::integer_sequence<unsigned, 0u, ipow(2, 8) - 1>{});
  register_format_codes<9, 2>(reg, std::integer_sequence<unsigned, 0u, ipow(2, 9) - 1>{});
  register_format_codes<10, 2>(reg, std::integer_sequence<unsigned, 0u, ipow(2, 10) - 1>{});
}

// ---- predicates and edits ----
void str_contains(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = from_bool(str_arg(cx, a[0]).find(str_arg(cx, a[1])) != std::string_view::npos);
}
void str_startswith(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = from_bool(str_arg(cx, a[0]).starts_with(str_arg(cx, a[1])));
}
void str_endswith(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = from_bool(str_arg(cx, a[0]).ends_with(str_arg(cx, a[1])));
}
void str_length(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = static_cast<double>(length_of(str_arg(cx, a[0])));
}
template <bool Upper>
void str_case(CallContext& cx, const Value* a, Value* out, CallState*) {
  std::string s(str_arg(cx, a[0]));
  for (char& c : s) {
    if (Upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!Upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  out[0] = new_str(cx, std::move(s));
}

/// Replaces the occurrence-th (0-based) match of target; matches may overlap ("aaa", "aa", 1 →
/// "a-"). An empty target inserts at that character position.
void str_replace(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view src = str_arg(cx, a[0]), target = str_arg(cx, a[1]), rep = str_arg(cx, a[2]);
  const int64_t occurrence = is_na(a[3]) ? 0 : as_int(a[3]);
  if (occurrence < 0) throw RuntimeError("str.replace: occurrence must not be negative");
  size_t at = 0;
  if (target.empty()) {
    const auto cps = code_points(src);
    at = cps[std::min<size_t>(static_cast<size_t>(occurrence), cps.size() - 1)];
  } else {
    at = src.find(target);
    for (int64_t k = 0; k < occurrence && at != std::string_view::npos; ++k) at = src.find(target, at + 1);
    if (at == std::string_view::npos) {
      out[0] = new_str(cx, std::string(src));
      return;
    }
  }
  std::string s(src.substr(0, at));
  s += rep;
  s += src.substr(at + target.size());
  out[0] = new_str(cx, std::move(s));
}

void str_replace_all(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view src = str_arg(cx, a[0]), target = str_arg(cx, a[1]), rep = str_arg(cx, a[2]);
  if (target.empty()) {
    out[0] = new_str(cx, std::string(src));
    return;
  }
  std::string s;
  size_t from = 0;
  for (size_t at = src.find(target); at != std::string_view::npos; at = src.find(target, from)) {
    s += src.substr(from, at - from);
    s += rep;
    from = at + target.size();
  }
  s += src.substr(from);
  out[0] = new_str(cx, std::move(s));
}

void str_split(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string src(str_arg(cx, a[0]));
  const std::string sep(str_arg(cx, a[1]));
  std::vector<std::string> parts;
  if (sep.empty()) {
    const auto cps = code_points(src);
    for (size_t i = 0; i + 1 < cps.size(); ++i) parts.push_back(src.substr(cps[i], cps[i + 1] - cps[i]));
    if (parts.empty()) parts.emplace_back();
  } else {
    size_t from = 0;
    for (size_t at = src.find(sep); at != std::string::npos; at = src.find(sep, from)) {
      parts.push_back(src.substr(from, at - from));
      from = at + sep.size();
    }
    parts.push_back(src.substr(from));
  }
  detail::check_array_size(parts.size(), "str.split");
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(new_str(cx, std::move(p)));
  out[0] = cx.heap->new_array(ElemKind::kString, std::move(items));
}

void substring_impl(CallContext& cx, const Value* a, Value* out, double end_arg) {
  const std::string_view src = str_arg(cx, a[0]);
  const auto cps = code_points(src);
  const int64_t len = static_cast<int64_t>(cps.size()) - 1;
  const int64_t begin = is_na(a[1]) ? 0 : as_int(a[1]);
  const int64_t end = is_na(end_arg) ? len : as_int(end_arg);
  if (begin < 0 || begin > len) {
    throw RuntimeError("str.substring: begin_pos " + std::to_string(begin) + " is out of range, the string length is " +
                       std::to_string(len));
  }
  if (end < begin || end > len) {
    throw RuntimeError("str.substring: end_pos " + std::to_string(end) + " is out of range (begin_pos " +
                       std::to_string(begin) + ", length " + std::to_string(len) + ")");
  }
  const size_t b = cps[static_cast<size_t>(begin)], e = cps[static_cast<size_t>(end)];
  out[0] = new_str(cx, std::string(src.substr(b, e - b)));
}
void str_substring(CallContext& cx, const Value* a, Value* out, CallState*) { substring_impl(cx, a, out, kNa); }
void str_substring2(CallContext& cx, const Value* a, Value* out, CallState*) { substring_impl(cx, a, out, a[2]); }

void str_pos(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view src = str_arg(cx, a[0]);
  const size_t at = src.find(str_arg(cx, a[1]));
  out[0] = at == std::string_view::npos ? kNa : static_cast<double>(length_of(src.substr(0, at)));
}

std::string_view trimmed(std::string_view s) {  // Java's trim(): every char ≤ ' '
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

void str_trim(CallContext& cx, const Value* a, Value* out, CallState*) {
  out[0] = new_str(cx, std::string(trimmed(str_arg(cx, a[0]))));
}

void str_repeat(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view src = str_arg(cx, a[0]), sep = str_arg(cx, a[2]);
  const int64_t n = is_na(a[1]) ? 0 : as_int(a[1]);
  if (n < 0) throw RuntimeError("str.repeat: repeat must not be negative, got " + std::to_string(n));
  if (static_cast<double>(n) * static_cast<double>(src.size() + sep.size()) > 10e6) {
    throw RuntimeError("str.repeat: the result would be longer than 10 million characters");
  }
  std::string s;
  for (int64_t i = 0; i < n; ++i) {
    if (i) s += sep;
    s += src;
  }
  out[0] = new_str(cx, std::move(s));
}

/// A decimal number with an optional sign and no exponent, after trimming ("12", "-.5", "5.");
/// anything else ("1e3", "0x10", "1,000", "Infinity") is na, as on TradingView.
void str_tonumber(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view s = trimmed(str_arg(cx, a[0]));
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits == 0 || i != s.size()) {
    out[0] = kNa;
    return;
  }
  const double v = std::strtod(std::string(s).c_str(), nullptr);
  out[0] = v == 0 ? 0.0 : v;  // "-0" is 0
}

// ---- str.format_time ----

/// A timezone argument as an offset from UTC in ms: na or "" is the symbol's (cx), "UTC"/"GMT"
/// with an optional ±H[H][:MM] is fixed. Named zones ("America/New_York") need a tz database.
int64_t timezone_offset(CallContext& cx, Value tz) {
  const std::string_view s = trimmed(str_arg(cx, tz));
  if (s.empty()) return cx.timezone_offset_ms;
  if (s.starts_with("UTC") || s.starts_with("GMT")) {
    std::string_view rest = s.substr(3);
    if (rest.empty()) return 0;
    const int sign = rest[0] == '-' ? -1 : rest[0] == '+' ? 1 : 0;
    rest.remove_prefix(1);
    int h = 0, m = 0, digits = 0;
    size_t i = 0;
    for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && digits < 2; ++i, ++digits) h = h * 10 + (rest[i] - '0');
    if (i < rest.size() && rest[i] == ':') ++i;
    for (int k = 0; i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && k < 2; ++i, ++k) m = m * 10 + (rest[i] - '0');
    if (sign != 0 && digits > 0 && i == rest.size() && h <= 23 && m <= 59) return sign * (h * 3600000LL + m * 60000LL);
  }
  throw RuntimeError("str.format_time: unsupported timezone \"" + std::string(s) +
                     "\" (use \"UTC\", \"UTC+3\", \"GMT-05:30\" or syminfo.timezone)");
}

/// y-m-d of a day count since 1970-01-01 (proleptic Gregorian).
void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

std::string pad(int64_t v, size_t width) {
  std::string s = std::to_string(v < 0 ? -v : v);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return (v < 0 ? "-" : "") + s;
}

/// Java SimpleDateFormat letters: y M d E H h m s S a Z z, text in '…' quoted ('' is a quote).
void str_format_time(CallContext& cx, const Value* a, Value* out, CallState*) {
  if (is_na(a[0])) {
    out[0] = kNa;
    return;
  }
  std::string fmt(str_arg(cx, a[1]));
  if (fmt.empty()) fmt = "yyyy-MM-dd'T'HH:mm:ssZ";
  const int64_t offset = timezone_offset(cx, a[2]);
  if (!(std::fabs(a[0]) < 9e15)) throw RuntimeError("str.format_time: time " + std::to_string(a[0]) + " is out of range");
  const int64_t t = static_cast<int64_t>(a[0]) + offset;
  const int64_t day = (t >= 0 ? t : t - 86399999) / 86400000;
  const int64_t ms_of_day = t - day * 86400000;
  int64_t year = 0;
  int month = 0, mday = 0;
  civil_from_days(day, year, month, mday);
  const int hour = static_cast<int>(ms_of_day / 3600000), minute = static_cast<int>(ms_of_day / 60000 % 60);
  const int second = static_cast<int>(ms_of_day / 1000 % 60), milli = static_cast<int>(ms_of_day % 1000);
  const int weekday = static_cast<int>(((day % 7) + 11) % 7);  // 0 = Sunday (1970-01-01 was a Thursday)
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  static const char* kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  const int64_t off_min = offset / 60000;
  const std::string off_sign = off_min < 0 ? "-" : "+";
  std::string s;
  for (size_t i = 0; i < fmt.size();) {
    const char c = fmt[i];
    if (c == '\'') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '\'') {
        s += '\'';
        i += 2;
        continue;
      }
      const size_t close = fmt.find('\'', i + 1);
      s += fmt.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
      i = close == std::string::npos ? fmt.size() : close + 1;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      s += c;
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < fmt.size() && fmt[i + n] == c) ++n;
    i += n;
    switch (c) {
      case 'y': s += n == 2 ? pad(year % 100, 2) : pad(year, n); break;
      case 'M': s += n >= 4 ? kMonths[month - 1] : n == 3 ? std::string(kMonths[month - 1], 3) : pad(month, n); break;
      case 'd': s += pad(mday, n); break;
      case 'E': s += n >= 4 ? kDays[weekday] : std::string(kDays[weekday], 3); break;
      case 'H': s += pad(hour, n); break;
      case 'h': s += pad(hour % 12 == 0 ? 12 : hour % 12, n); break;
      case 'm': s += pad(minute, n); break;
      case 's': s += pad(second, n); break;
      case 'S': s += pad(milli, std::max<size_t>(n, 3)).substr(0, n); break;
      case 'a': s += hour < 12 ? "AM" : "PM"; break;
      case 'Z': s += off_sign + pad(std::abs(off_min) / 60, 2) + pad(std::abs(off_min) % 60, 2); break;
      case 'z':
        s += off_min == 0 ? std::string("UTC")
                          : "GMT" + off_sign + pad(std::abs(off_min) / 60, 2) + ":" + pad(std::abs(off_min) % 60, 2);
        break;
      default: throw RuntimeError(std::string("str.format_time: illegal pattern character '") + c + "'");
    }
  }
  out[0] = new_str(cx, std::move(s));
}

}  // namespace

void register_str(Registry& reg) {
  reg.string_constant("format.mintick", "mintick");
  reg.string_constant("format.percent", "percent");
  reg.string_constant("format.volume", "volume");
  reg.string_constant("format.price", "price");
  reg.string_constant("format.inherit", "inherit");

  const char* tostring_doc = "The value as text (na: \"NaN\").";
  reg.function("str.tostring(int value) -> string", tostring_doc, tostring_int);
  reg.function("str.tostring(float value) -> string", tostring_doc, tostring_int);
  reg.function("str.tostring(bool value) -> string", tostring_doc, tostring_bool);
  reg.function("str.tostring(string value) -> string", tostring_doc, tostring_string);
  reg.function("str.tostring(float value, string format) -> string",
               "The value as text, formatted by a pattern (\"#.##\", \"0.00\", \"#,###.00\") or format.*.",
               tostring_format);
  reg.function("str.tostring(array<T> value) -> series string", "The array as text, e.g. \"[1, 2.5]\".",
               tostring_array);
  register_format(reg);

  reg.function("str.contains(string source, string str) -> bool", "Whether source contains str.", str_contains);
  reg.function("str.startswith(string source, string str) -> bool", "Whether source starts with str.",
               str_startswith);
  reg.function("str.endswith(string source, string str) -> bool", "Whether source ends with str.", str_endswith);
  reg.function("str.length(string string) -> int", "The number of characters.", str_length);
  reg.function("str.lower(string source) -> string", "source in lowercase.", str_case<false>);
  reg.function("str.upper(string source) -> string", "source in uppercase.", str_case<true>);
  reg.function("str.replace(string source, string target, string replacement, int occurrence = 0) -> string",
               "Replaces the occurrence-th (0-based) match of target.", str_replace);
  reg.function("str.replace_all(string source, string target, string replacement) -> string",
               "Replaces every match of target.", str_replace_all);
  reg.function("str.split(string string, string separator) -> series array<string>",
               "The parts between separators (each character for an empty separator).", str_split);
  reg.function("str.substring(string source, int begin_pos) -> string", "The characters from begin_pos on.",
               str_substring);
  reg.function("str.substring(string source, int begin_pos, int end_pos) -> string",
               "The characters from begin_pos up to (not including) end_pos.", str_substring2);
  reg.function("str.pos(string source, string str) -> int", "Position of the first str in source, or na.", str_pos);
  reg.function("str.trim(string source) -> string", "source without leading and trailing whitespace.", str_trim);
  reg.function("str.repeat(string source, int repeat, string separator = \"\") -> string",
               "source repeated `repeat` times, separated by separator.", str_repeat);
  reg.function("str.tonumber(string string) -> float", "The decimal number in string, or na.", str_tonumber);
  reg.function(
      "str.format_time(int time, string format = \"yyyy-MM-dd'T'HH:mm:ssZ\", string timezone = na) -> string",
      "A UNIX time (ms) as text, in Java's date pattern letters; timezone defaults to the symbol's.",
      str_format_time);
}

}  // namespace atf::pine
