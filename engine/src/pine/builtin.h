// The interface between the VM and the built-in namespaces (ta, math, array, str, ...). Each
// namespace registers its functions with a TradingView-style signature string, which the checker
// parses for argument names, types, qualifiers and defaults, so a built-in is declared once:
//
//   reg.function("ta.sma(series float source, series int length) -> series float",
//                "Simple moving average of the last `length` values.", ta_sma, make_state<SmaState>);
//
// Signature grammar:  name(param, ...) -> result
//   param  := [qualifier] type name [= default]       (default: a Pine expression, e.g. `close`, `14`, `na`)
//   result := [qualifier] type | [type, type, ...] | void
//   qualifier := const | input | simple | series       (a param's is the most it accepts; default series)
//   type   := int | float | bool | string | color | number | T | array<int|float|bool|string|color|T>
//             `number` accepts int or float; a `number` result is int when every `number` argument
//             is int, else float. `T` is generic: bound by the first argument of type T or array<T>.
//   A result without a qualifier takes the strongest qualifier of the arguments (pure functions);
//   stateful functions (ta.*) say `series`.
// Implementations receive the evaluated arguments in declaration order (defaults filled in, `na`
// as NaN), write their result(s) to out[0..], and may throw RuntimeError; the VM adds the line,
// column and bar time.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atf/bars.h"
#include "heap.h"
#include "orders.h"
#include "value.h"

namespace atf::pine {

/// What a built-in may read while running: the bars, the current bar, the heap, the run's RNG.
struct CallContext {
  Heap* heap = nullptr;
  const Bars* bars = nullptr;
  size_t t = 0;                 ///< current bar index
  double price_scale = 1;       ///< 10^decimals of the data's prices: price × scale is an integer tick count
  double mintick = 0.01;        ///< syminfo.mintick
  uint64_t* rng = nullptr;      ///< math.random's state (seeded per run; deterministic)
  int64_t timezone_offset_ms = 0;  ///< syminfo.timezone as a fixed offset (UTC: 0)
  OrderSink* orders = nullptr;  ///< the broker (strategy scripts); nullptr for indicators
  bool trading = true;          ///< false before --trade-from: strategy.* order calls are ignored

  double open() const { return bars->open[t]; }
  double high() const { return bars->high[t]; }
  double low() const { return bars->low[t]; }
  double close() const { return bars->close[t]; }
  double volume() const { return bars->volume[t]; }
  int64_t time() const { return bars->time[t]; }
};

/// Per-call-site state of a stateful built-in (each `ta.sma(...)` written in a script, and each
/// inlined call of a user function containing one, owns one). Created once per run, before bar 0.
struct CallState {
  virtual ~CallState() = default;
};

using BuiltinImpl = void (*)(CallContext& cx, const Value* args, Value* out, CallState* state);
using StateFactory = std::unique_ptr<CallState> (*)();

template <class S>
std::unique_ptr<CallState> make_state() {
  return std::make_unique<S>();
}

struct BuiltinFunction {
  std::string signature;      ///< as in the grammar above
  std::string doc;            ///< one line, shown by editors
  BuiltinImpl impl = nullptr;
  StateFactory make_state = nullptr;  ///< nullptr: stateless
};

struct BuiltinConstant {
  std::string name;  ///< e.g. "math.pi", "dayofweek.monday", "color.red"
  std::string type;  ///< "const float", "const int", "const color", "const string"
  Value value = kNa;
  std::string text;  ///< for strings: the text (value is interned when a run starts)
};

/// Every built-in function and constant; namespaces add theirs in register_*.
class Registry {
 public:
  void function(std::string signature, std::string doc, BuiltinImpl impl, StateFactory make = nullptr) {
    functions_.push_back({std::move(signature), std::move(doc), impl, make});
  }
  void constant(std::string name, std::string type, Value v) { constants_.push_back({std::move(name), std::move(type), v, {}}); }
  void string_constant(std::string name, std::string text) {
    constants_.push_back({std::move(name), "const string", kNa, std::move(text)});
  }
  const std::vector<BuiltinFunction>& functions() const { return functions_; }
  const std::vector<BuiltinConstant>& constants() const { return constants_; }

 private:
  std::vector<BuiltinFunction> functions_;
  std::vector<BuiltinConstant> constants_;
};

// One file per namespace (builtins/<ns>.cpp) defines each of these.
void register_ta(Registry& reg);
void register_math(Registry& reg);
void register_array(Registry& reg);
void register_str(Registry& reg);
void register_strategy(Registry& reg);
void register_core(Registry& reg);  ///< fixnan, runtime.error, color.*, dayofweek.*, currency.* (builtins/core.cpp)

/// timestamp(): UTC ms of a calendar date and clock time at `offset_ms` from UTC. Fields may
/// overflow as in TradingView (month 13 is January of the next year). (builtins/core.cpp)
double pine_timestamp(double year, double month, double day, double hour, double minute, double second, int64_t offset_ms);
/// The offset from UTC of a fixed-offset timezone: "UTC", "GMT+2", "UTC-05:30", "+0200"; nullopt
/// for anything else (named zones need a tz database).
std::optional<int64_t> fixed_timezone_offset(std::string_view tz);
/// A timestamp() date text as UTC ms: "2024-01-31", "2024-01-31T09:30[:00][Z|±HH:MM]",
/// "31 Jan 2024 09:30 +0200", "Jan 31 2024"; without an offset, `default_offset_ms` applies.
std::optional<double> parse_timestamp_text(std::string_view s, int64_t default_offset_ms);

/// All of them, built once (thread-safe static).
const Registry& builtin_registry();

}  // namespace atf::pine
