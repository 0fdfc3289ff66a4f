// A compiled script: register bytecode plus everything a run needs to instantiate it (constants,
// history buffers, call sites, shared series, inputs, plots, settings). Immutable once built and
// shared by every run of the script (all trials of a grid).
//
// Instruction format: op + four int32 operands. `a` is the destination register unless noted.
// Registers are Values (value.h). Jumps hold absolute instruction indexes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "builtin.h"
#include "types.h"

namespace atf::pine {

enum class Op : uint8_t {
  kEnd,
  kMove,        ///< a = b
  kAdd, kSub, kMul, kDiv, kMod,  ///< a = b op c (na propagates through NaN)
  kNeg,         ///< a = -b
  kLt, kLe, kGt, kGe, kEq, kNe,  ///< a = b op c, false when either is na
  kSEq, kSNe,   ///< string equality (contents)
  kSCat,        ///< a = string b + string c (na + s = s, as TradingView)
  kNot,         ///< a = !truthy(b)
  kBool,        ///< a = truthy(b) as 0/1
  kJmp,         ///< goto a
  kJmpF,        ///< if !truthy(reg a) goto b
  kJmpT,        ///< if truthy(reg a) goto b
  kJmpNa,       ///< if reg a is na goto b
  kJmpNotNa,    ///< if reg a is not na goto b
  kIsNa,        ///< a = na(b)
  kNz,          ///< a = na(b) ? c : b
  kTrunc,       ///< a = int(b) (toward zero; na stays na)
  kPrice,       ///< a = price field b at bar t − reg c (c < 0: n = 0); na before bar 0
  kBuiltinVar,  ///< a = built-in variable b (BuiltinVar)
  kHist,        ///< a = history slot b, reg c bars back (c < 0: d is the constant offset)
  kAdvance,     ///< scope a starts an execution: push its history slots
  kCall,        ///< a.. = call site b with args from reg c
  kShared,      ///< a = shared series b (output c) at bar t
  kVarInit,     ///< if reg a != 0 goto b, else reg a = 1 (a `var` initializer runs once)
  kLoopTick,    ///< counts loop iterations of this bar; errors past 500,000
  kForTest,     ///< loop counter a, end reg b, step reg c: if done goto d
  kForInTest,   ///< index reg a, array reg b: if a >= size goto c (d: item reg, −1 none)
  kArrayNew,    ///< a = new array (elem kind b) of reg c items, each reg d
  kPlot,        ///< record reg b into plot a
  kStrategyVar, ///< a = strategy read-out b
  kRuntimeError,///< throw message string constant a
  // Compare-and-jump (peephole.h): goto a when NOT (reg b op reg c); false comparisons with na
  // jump, as the separate comparison and kJmpF would.
  kJNLt, kJNLe, kJNGt, kJNGe, kJNEq, kJNNe,
};

/// Built-in variables read by kBuiltinVar.
enum class BuiltinVar : int32_t {
  kBarIndex, kLastBarIndex, kTime, kTimeClose, kTimeTradingday, kYear, kMonth, kWeekOfYear, kDayOfMonth, kDayOfWeek,
  kHour, kMinute, kSecond, kIsFirst, kIsLast, kIsConfirmed, kIsHistory, kIsRealtime, kIsNew, kIsLastConfirmedHistory,
  kMintick, kPointValue, kTr, kTimeframeMultiplier, kTimeframeIsIntraday, kTimeframeIsDaily, kTimeframeIsWeekly,
  kTimeframeIsMonthly, kTimeframeIsSeconds, kTimeframeIsMinutes, kTimeframeIsDwm, kTimeframePeriod, kTicker,
  kTickerId, kTimezone, kTimeNow,
};

/// Price fields read by kPrice.
enum class PriceField : int32_t { kOpen, kHigh, kLow, kClose, kVolume, kHl2, kHlc3, kOhlc4, kHlcc4 };
const char* price_field_name(PriceField f);

struct Instr {
  Op op;
  int32_t a = 0, b = 0, c = 0, d = 0;
};

struct SourcePos {
  int line = 0, col = 0;
};

/// A history buffer: the past values of one register.
struct HistSlot {
  int32_t reg = 0;
  int32_t capacity = 1;  ///< values kept (largest constant look-back + 1, or max_bars_back)
  int line = 0, col = 0; ///< where the largest look-back was written (for the error past the buffer)
};

struct Scope {
  std::vector<int32_t> hist;  ///< history slots pushed at each execution
};

/// One call of a built-in as written (or as inlined): its function and its state.
struct CallSite {
  const BuiltinFunction* fn = nullptr;
  std::string name;
  int32_t nargs = 0, nout = 1;
};

/// A series that depends only on prices and const/input values, computed once per distinct
/// input value over all bars and shared by every run through MarketData's series cache.
struct SharedSeries {
  const BuiltinFunction* fn = nullptr;
  std::string name;
  int32_t nout = 1;
  int line = 0, col = 0;  ///< the call, for errors while computing it
  /// How each argument is obtained, in declaration order.
  struct Arg {
    enum Kind { kConst, kInput, kPrice, kSourceInput, kShared } kind = kConst;
    Value value = kNa;   ///< kConst
    int32_t index = 0;   ///< input index, PriceField, or shared series index (output in `output`)
    int32_t output = 0;
  };
  std::vector<Arg> args;
};

/// A declared input (`x = input.int(10, "Length", minval = 1)`).
struct InputDecl {
  std::string name;      ///< the variable it is assigned to
  std::string title;     ///< its label ("" when none)
  std::string kind;      ///< "int", "float", "bool", "string", "source", "session", "timeframe", "time", "price", "color"
  Value defval = kNa;    ///< numeric default (source: PriceField; string kinds: na)
  std::string def_text;  ///< string default, source field name
  double minval = kNa, maxval = kNa, step = kNa;
  std::vector<std::string> options;
  std::string tooltip, group;
  int32_t reg = 0;       ///< the register holding its value
  int line = 0, col = 0;
};

struct PlotDecl {
  std::string title;
  std::string color;  ///< "#RRGGBBAA" when a constant colour was given, else ""
  bool overlay = true;
};

/// `strategy(...)` / `indicator(...)` settings; unset numbers are NaN, TradingView's defaults are
/// applied by the runner (which also applies explicit broker options over them).
struct ScriptSettings {
  bool is_strategy = false;
  std::string title, shorttitle;
  bool overlay = false;
  double initial_capital = kNa;
  std::string currency;
  std::string default_qty_type;  ///< "fixed", "cash", "percent_of_equity" ("" unset)
  double default_qty_value = kNa;
  double pyramiding = kNa;
  std::string commission_type;   ///< "percent", "cash_per_contract", "cash_per_order"
  double commission_value = kNa;
  double slippage = kNa;         ///< ticks
  bool process_orders_on_close = false;
  std::string close_entries_rule;
  double margin_long = kNa, margin_short = kNa;
  double backtest_fill_limits_assumption = kNa;
  double risk_free_rate = kNa;
  double max_bars_back = kNa;
};

struct Program {
  int version = 6;
  std::vector<Instr> code;
  std::vector<SourcePos> pos;  ///< per instruction
  std::vector<Instr> trial_code;     ///< `code` without plot recording (optimization trials)
  std::vector<SourcePos> trial_pos;
  int32_t nregs = 0;
  std::vector<std::pair<int32_t, Value>> const_regs;          ///< registers preset at instantiation
  std::vector<std::pair<int32_t, std::string>> string_regs;   ///< registers preset to interned strings
  std::vector<std::string> messages;                          ///< kRuntimeError texts
  std::vector<HistSlot> hist;
  std::vector<Scope> scopes;
  std::vector<CallSite> calls;
  std::vector<SharedSeries> shared;
  std::vector<InputDecl> inputs;
  std::vector<PlotDecl> plots;
  std::vector<int32_t> string_roots, array_roots;  ///< registers that may hold heap handles (GC roots)
  ScriptSettings settings;
  int32_t loop_counter_reg = 0;
  int32_t max_history = 0;  ///< largest history capacity (for the warm-up notice)
};

}  // namespace atf::pine
