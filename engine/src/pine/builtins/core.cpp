// Built-ins outside the big namespaces: fixnan, runtime.error, timestamp, time(), the color.* constants and functions, and the
// constant namespaces scripts read as values (dayofweek.*, currency.*). (na(), nz() and the type
// casts compile to instructions; see compiler.cpp.)
//
// fixnan(source): source, or its last non-na value when it is na (na until the first non-na
// value). Stateful: each call site remembers its own last value and, like every stateful
// built-in, only sees the bars on which it runs. v6 accepts int, float and color (not bool).
//
// Colors are packed 0xRRGGBBAA (value.h) with AA the opacity: TradingView's transparency t
// (0 opaque … 100 invisible) is AA = round(255 × (100 − t) / 100).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../../text_parse.h"
#include "../builtin.h"

namespace atf::pine {
namespace {

struct FixnanState : CallState {
  Value last = kNa;
};

void fixnan(CallContext&, const Value* a, Value* out, CallState* s) {
  auto& st = *static_cast<FixnanState*>(s);
  if (!is_na(a[0])) st.last = a[0];
  out[0] = st.last;
}

uint32_t packed(Value c) { return static_cast<uint32_t>(static_cast<uint64_t>(c) & 0xFFFFFFFFu); }
double channel(Value c, int shift) { return static_cast<double>((packed(c) >> shift) & 0xFFu); }
double alpha_of_transp(double t) { return std::round(255.0 * (100.0 - std::clamp(t, 0.0, 100.0)) / 100.0); }
Value pack(double r, double g, double b, double a) {
  auto byte = [](double v) { return static_cast<uint32_t>(std::clamp(std::round(v), 0.0, 255.0)); };
  return static_cast<Value>((byte(r) << 24) | (byte(g) << 16) | (byte(b) << 8) | byte(a));
}

void color_new(CallContext&, const Value* a, Value* out, CallState*) {
  if (is_na(a[0]) || is_na(a[1])) {
    out[0] = is_na(a[0]) ? kNa : a[0];
    return;
  }
  out[0] = pack(channel(a[0], 24), channel(a[0], 16), channel(a[0], 8), alpha_of_transp(a[1]));
}

void color_rgb(CallContext&, const Value* a, Value* out, CallState*) {
  if (is_na(a[0]) || is_na(a[1]) || is_na(a[2])) {
    out[0] = kNa;
    return;
  }
  out[0] = pack(a[0], a[1], a[2], alpha_of_transp(is_na(a[3]) ? 0 : a[3]));
}

template <int Shift>
void color_part(CallContext&, const Value* a, Value* out, CallState*) {
  out[0] = is_na(a[0]) ? kNa : channel(a[0], Shift);
}

void color_t(CallContext&, const Value* a, Value* out, CallState*) {
  // Transparency back from the opacity byte, rounded to an integer: exact for the integer
  // transparencies scripts write (the byte is within 0.5 of 2.55 × (100 − t)).
  out[0] = is_na(a[0]) ? kNa : std::round((255.0 - channel(a[0], 0)) * 100.0 / 255.0);
}

void color_from_gradient(CallContext&, const Value* a, Value* out, CallState*) {
  const double v = a[0], lo = a[1], hi = a[2];
  if (is_na(v) || is_na(lo) || is_na(hi) || is_na(a[3]) || is_na(a[4])) {
    out[0] = kNa;
    return;
  }
  const double f = hi == lo ? 0.0 : std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
  auto mix = [&](int shift) { return channel(a[3], shift) + (channel(a[4], shift) - channel(a[3], shift)) * f; };
  out[0] = pack(mix(24), mix(16), mix(8), mix(0));
}

// ---- timestamp ----

[[noreturn]] void bad_timezone(std::string_view tz) {
  throw RuntimeError("timestamp: unsupported timezone \"" + std::string(tz) +
                     "\" (use \"UTC\", \"UTC+3\", \"GMT-05:30\" or syminfo.timezone)");
}

void timestamp_fields(CallContext& cx, const Value* a, Value* out, CallState*) {
  for (int i = 0; i < 6; ++i) {
    if (is_na(a[i])) {
      out[0] = kNa;
      return;
    }
  }
  out[0] = pine_timestamp(a[0], a[1], a[2], a[3], a[4], a[5], cx.timezone_offset_ms);
}

void timestamp_tz_fields(CallContext& cx, const Value* a, Value* out, CallState*) {
  for (int i = 1; i < 7; ++i) {
    if (is_na(a[i])) {
      out[0] = kNa;
      return;
    }
  }
  const std::string_view tz = is_na(a[0]) ? std::string_view() : cx.heap->str(a[0]);
  auto off = tz.empty() ? std::optional<int64_t>(cx.timezone_offset_ms) : fixed_timezone_offset(tz);
  if (!off) bad_timezone(tz);
  out[0] = pine_timestamp(a[1], a[2], a[3], a[4], a[5], a[6], *off);
}

void timestamp_text(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view s = is_na(a[0]) ? std::string_view() : cx.heap->str(a[0]);
  auto v = parse_timestamp_text(s, cx.timezone_offset_ms);
  if (!v) throw RuntimeError("timestamp: cannot read the date \"" + std::string(s) + "\" (e.g. \"2024-01-31\", \"2024-01-31T09:30:00+02:00\" or \"31 Jan 2024 09:30 +0200\")");
  out[0] = *v;
}

// ---- time(timeframe, session, timezone) ----

/// `t` (local ms) rounded down to the start of its period of timeframe `tf` ("" keeps it):
/// "D"/"1D", "W", "M"/"3M", "60" (minutes), "30S"; intraday periods count from local midnight.
int64_t floor_to_timeframe(int64_t t, std::string_view tf) {
  if (tf.empty()) return t;
  size_t i = 0;
  int64_t mult = 0;
  while (i < tf.size() && tf[i] >= '0' && tf[i] <= '9') mult = mult * 10 + (tf[i++] - '0');
  const std::string_view unit = tf.substr(i);
  if (i == 0) mult = 1;
  if (mult <= 0 || unit.size() > 1) throw RuntimeError("time: unsupported timeframe \"" + std::string(tf) + "\"");
  const int64_t day = text::kMsPerDay;
  const int64_t days = t >= 0 ? t / day : -((-t + day - 1) / day);
  const char u = unit.empty() ? 'm' : unit[0];
  switch (u) {
    case 'm':
    case 'S': {
      const int64_t len = mult * (u == 'm' ? 60'000 : 1000);
      return days * day + (t - days * day) / len * len;
    }
    case 'D': return (days - ((days % mult) + mult) % mult) * day;
    case 'W': {
      const int64_t monday = days - ((days + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
      return monday * day;
    }
    case 'M': {
      const auto c = text::civil_from_days(days);
      const int64_t months = c.y * 12 + (c.m - 1);
      const int64_t start = months - ((months % mult) + mult) % mult;
      return text::days_from_civil(start / 12, static_cast<unsigned>(start % 12 + 1), 1) * day;
    }
    default: throw RuntimeError("time: unsupported timeframe \"" + std::string(tf) + "\"");
  }
}

/// Whether local time `t` lies in a session "HHMM-HHMM[,HHMM-HHMM...][:days]" (days: 1 = Sunday
/// … 7 = Saturday; all days when absent). A range ending at or before its start runs overnight.
bool in_session(int64_t t, std::string_view session) {
  std::string_view ranges = session, days = "1234567";
  if (const size_t colon = session.find(':'); colon != std::string_view::npos) {
    ranges = session.substr(0, colon);
    days = session.substr(colon + 1);
  }
  const int64_t day = text::kMsPerDay;
  const int64_t d = t >= 0 ? t / day : -((-t + day - 1) / day);
  const int64_t minute = (t - d * day) / 60'000;
  const char dow = static_cast<char>('1' + ((d % 7) + 7 + 4) % 7);  // Thursday 1970-01-01 is 5
  auto hhmm = [&](std::string_view x) -> int64_t {
    if (x.size() != 4) throw RuntimeError("time: bad session \"" + std::string(session) + "\" (e.g. \"0930-1600:23456\")");
    int64_t v = 0;
    for (char c : x) {
      if (c < '0' || c > '9') throw RuntimeError("time: bad session \"" + std::string(session) + "\" (e.g. \"0930-1600:23456\")");
      v = v * 10 + (c - '0');
    }
    if (v / 100 > 24 || v % 100 > 59) throw RuntimeError("time: bad session \"" + std::string(session) + "\"");
    return v / 100 * 60 + v % 100;
  };
  if (days.find(dow) == std::string_view::npos) return false;
  for (size_t i = 0; i <= ranges.size();) {
    size_t j = ranges.find(',', i);
    if (j == std::string_view::npos) j = ranges.size();
    const std::string_view r = ranges.substr(i, j - i);
    const size_t dash = r.find('-');
    if (dash == std::string_view::npos) throw RuntimeError("time: bad session \"" + std::string(session) + "\" (e.g. \"0930-1600:23456\")");
    const int64_t a = hhmm(r.substr(0, dash)), b = hhmm(r.substr(dash + 1));
    if (a < b ? (minute >= a && minute < b) : (minute >= a || minute < b)) return true;
    i = j + 1;
  }
  return false;
}

void time_fn(CallContext& cx, const Value* a, Value* out, CallState*) {
  const std::string_view tf = is_na(a[0]) ? std::string_view() : cx.heap->str(a[0]);
  const std::string_view session = is_na(a[1]) ? std::string_view() : cx.heap->str(a[1]);
  const std::string_view tz = is_na(a[2]) ? std::string_view() : cx.heap->str(a[2]);
  auto off = tz.empty() ? std::optional<int64_t>(cx.timezone_offset_ms) : fixed_timezone_offset(tz);
  if (!off) bad_timezone(tz);
  const int64_t local = cx.time() + *off;
  if (!session.empty() && !in_session(local, session)) {
    out[0] = kNa;
    return;
  }
  out[0] = static_cast<double>(floor_to_timeframe(local, tf) - *off);
}

void runtime_error(CallContext& cx, const Value* a, Value*, CallState*) {
  throw RuntimeError(is_na(a[0]) ? std::string() : std::string(cx.heap->str(a[0])));
}

}  // namespace

double pine_timestamp(double year, double month, double day, double hour, double minute, double second, int64_t offset_ms) {
  // Fields may overflow as in TradingView (month 13 is January of the next year, day 0 the last
  // day of the previous month): normalize the month, then add days and the clock linearly.
  const auto months = static_cast<int64_t>(year) * 12 + static_cast<int64_t>(month) - 1;
  const int64_t y = months >= 0 ? months / 12 : -((-months + 11) / 12);
  const auto m = static_cast<unsigned>(months - y * 12 + 1);
  const int64_t days = text::days_from_civil(y, m, 1) + static_cast<int64_t>(day) - 1;
  const int64_t clock = (static_cast<int64_t>(hour) * 3600 + static_cast<int64_t>(minute) * 60 + static_cast<int64_t>(second)) * 1000;
  return static_cast<double>(days * text::kMsPerDay + clock - offset_ms);
}

std::optional<int64_t> fixed_timezone_offset(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  std::string_view rest = s;
  if (s.starts_with("UTC") || s.starts_with("GMT")) {
    rest = s.substr(3);
    if (rest.empty()) return 0;
  }
  if (rest.empty() || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
  const int sign = rest[0] == '-' ? -1 : 1;
  rest.remove_prefix(1);
  // ±H, ±HH, ±HH:MM, ±HHMM
  int h = 0, mi = 0;
  std::string d;
  for (char c : rest) {
    if (c >= '0' && c <= '9') d += c;
    else if (c != ':') return std::nullopt;
  }
  const size_t digits = d.size();
  if (digits == 0 || digits > 4 || digits == 3) return std::nullopt;
  if (digits <= 2) {
    h = std::stoi(d);
  } else {
    h = std::stoi(d.substr(0, 2));
    mi = std::stoi(d.substr(2));
  }
  if (h > 23 || mi > 59) return std::nullopt;
  return sign * (h * 3'600'000LL + mi * 60'000LL);
}

std::optional<double> parse_timestamp_text(std::string_view s, int64_t default_offset_ms) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  // ISO 8601: "2024-01-31", "2024-01-31T09:30[:00][Z|±HH:MM]".
  text::IsoTime iso;
  if (text::parse_iso(s, iso) == text::Parse::kOk) {
    const bool has_offset = s.size() > 10 && (s.find('Z', 10) != std::string_view::npos ||
                                              s.find('+', 10) != std::string_view::npos ||
                                              s.find('-', 10) != std::string_view::npos);
    return static_cast<double>(iso.ms - (has_offset ? 0 : default_offset_ms));
  }
  // RFC 2822-like: "31 Jan 2024 09:30 +0200", "Jan 31 2024 09:30:05", "1 Jan 2020".
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < s.size();) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',') ++j;
    if (j > i) parts.push_back(s.substr(i, j - i));
    i = j;
  }
  if (parts.size() < 3 || parts.size() > 5) return std::nullopt;
  auto number = [](std::string_view t, int64_t& v) {
    if (t.empty() || t.size() > 4) return false;
    v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  };
  int64_t day = 0, year = 0;
  unsigned month = text::month_from_name(parts[0]);
  bool ok = month != 0 ? number(parts[1], day) && number(parts[2], year)
                       : number(parts[0], day) && (month = text::month_from_name(parts[1])) != 0 && number(parts[2], year);
  if (!ok || day < 1 || year < 1000 || day > text::days_in_month(year, month)) return std::nullopt;
  int64_t clock = 0;
  int64_t offset = default_offset_ms;
  for (size_t k = 3; k < parts.size(); ++k) {
    const std::string_view t = parts[k];
    if (t.find(':') != std::string_view::npos && t[0] >= '0' && t[0] <= '9') {
      int64_t hh = 0, mm = 0, ss = 0;
      const size_t c1 = t.find(':'), c2 = t.find(':', c1 + 1);
      if (!number(t.substr(0, c1), hh)) return std::nullopt;
      if (!number(t.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1), mm)) return std::nullopt;
      if (c2 != std::string_view::npos && !number(t.substr(c2 + 1), ss)) return std::nullopt;
      if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
      clock = ((hh * 60 + mm) * 60 + ss) * 1000;
    } else if (auto off = fixed_timezone_offset(t)) {
      offset = *off;
    } else {
      return std::nullopt;
    }
  }
  return static_cast<double>(text::days_from_civil(year, month, static_cast<unsigned>(day)) * text::kMsPerDay + clock - offset);
}

void register_core(Registry& reg) {
  reg.function("time(string timeframe, string session = na, string timezone = na) -> series int",
               "Open time of the timeframe's period containing the bar; na when the bar is outside the session.", time_fn);
  reg.function("timestamp(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) -> int",
               "UNIX time (ms) of a date and time in the symbol's timezone.", timestamp_fields);
  reg.function("timestamp(string timezone, int year, int month, int day, int hour = 0, int minute = 0, int second = 0) -> int",
               "UNIX time (ms) of a date and time in a timezone (\"UTC\", \"UTC+3\", \"GMT-05:30\").", timestamp_tz_fields);
  reg.function("timestamp(string dateString) -> int",
               "UNIX time (ms) of a date text: \"2024-01-31\", \"2024-01-31T09:30:00+02:00\", \"31 Jan 2024 09:30 +0200\".",
               timestamp_text);
  reg.function("runtime.error(string message) -> void", "Stops the script with this error message.", runtime_error);

  const char* fixnan_doc = "The source, or its last non-na value when it is na.";
  reg.function("fixnan(series int source) -> series int", fixnan_doc, fixnan, make_state<FixnanState>);
  reg.function("fixnan(series float source) -> series float", fixnan_doc, fixnan, make_state<FixnanState>);
  reg.function("fixnan(series color source) -> series color", fixnan_doc, fixnan, make_state<FixnanState>);

  reg.function("color.new(color color, float transp) -> color", "The color with a transparency (0–100).", color_new);
  reg.function("color.rgb(float red, float green, float blue, float transp = 0) -> color",
               "A color from red, green, blue (0–255) and a transparency (0–100).", color_rgb);
  reg.function("color.r(color color) -> float", "The red component (0–255).", color_part<24>);
  reg.function("color.g(color color) -> float", "The green component (0–255).", color_part<16>);
  reg.function("color.b(color color) -> float", "The blue component (0–255).", color_part<8>);
  reg.function("color.t(color color) -> float", "The transparency (0–100).", color_t);
  reg.function("color.from_gradient(float value, float bottom_value, float top_value, color bottom_color, color top_color) -> color",
               "The color between bottom_color and top_color where value lies between bottom_value and top_value.",
               color_from_gradient);
  // TradingView's v6 palette.
  static const std::pair<const char*, uint32_t> colors[] = {
      {"color.aqua", 0x00BCD4FFu},   {"color.black", 0x363A45FFu},  {"color.blue", 0x2962FFFFu},
      {"color.fuchsia", 0xE040FBFFu}, {"color.gray", 0x787B86FFu},  {"color.green", 0x4CAF50FFu},
      {"color.lime", 0x00E676FFu},   {"color.maroon", 0x880E4FFFu}, {"color.navy", 0x311B92FFu},
      {"color.olive", 0x808000FFu},  {"color.orange", 0xFF9800FFu}, {"color.purple", 0x9C27B0FFu},
      {"color.red", 0xF23645FFu},    {"color.silver", 0xB2B5BEFFu}, {"color.teal", 0x089981FFu},
      {"color.white", 0xFFFFFFFFu},  {"color.yellow", 0xFDD835FFu},
  };
  for (const auto& [name, rgba] : colors) reg.constant(name, "const color", static_cast<Value>(rgba));

  static const char* days[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  for (int i = 0; i < 7; ++i) reg.constant(std::string("dayofweek.") + days[i], "const int", i + 1);

  static const char* currencies[] = {"AED", "ARS", "AUD", "BDT", "BHD", "BRL", "BTC", "CAD", "CHF", "CLP", "CNY", "COP",
                                     "CZK", "DKK", "EGP", "ETH", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "ISK",
                                     "JPY", "KES", "KRW", "KWD", "LKR", "MAD", "MXN", "MYR", "NGN", "NOK", "NZD", "PEN",
                                     "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SEK", "SGD", "THB", "TND",
                                     "TRY", "TWD", "USD", "USDT", "VES", "VND", "ZAR"};
  for (const char* c : currencies) reg.string_constant(std::string("currency.") + c, c);
  reg.string_constant("currency.NONE", "NONE");
}

}  // namespace atf::pine
