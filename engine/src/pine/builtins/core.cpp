// Built-ins outside the big namespaces: fixnan, runtime.error, the color.* constants and functions, and the
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
#include <string>

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

void runtime_error(CallContext& cx, const Value* a, Value*, CallState*) {
  throw RuntimeError(is_na(a[0]) ? std::string() : std::string(cx.heap->str(a[0])));
}

}  // namespace

void register_core(Registry& reg) {
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
