#include "compiler.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "checker.h"
#include "parser.h"
#include "peephole.h"

namespace atf::pine {

const char* price_field_name(PriceField f) {
  switch (f) {
    case PriceField::kOpen: return "open";
    case PriceField::kHigh: return "high";
    case PriceField::kLow: return "low";
    case PriceField::kClose: return "close";
    case PriceField::kVolume: return "volume";
    case PriceField::kHl2: return "hl2";
    case PriceField::kHlc3: return "hlc3";
    case PriceField::kOhlc4: return "ohlc4";
    case PriceField::kHlcc4: return "hlcc4";
  }
  return "close";
}

namespace {

constexpr int kDefaultMaxBarsBack = 5000;  // TradingView's limit for dynamic look-backs

struct CompileError {
  Error error;
};

std::optional<PriceField> price_field_of(const std::string& name) {
  static const std::map<std::string, PriceField> m = {
      {"open", PriceField::kOpen},   {"high", PriceField::kHigh}, {"low", PriceField::kLow},
      {"close", PriceField::kClose}, {"volume", PriceField::kVolume}, {"hl2", PriceField::kHl2},
      {"hlc3", PriceField::kHlc3},   {"ohlc4", PriceField::kOhlc4}, {"hlcc4", PriceField::kHlcc4}};
  auto it = m.find(name);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

struct BuiltinVarInfo {
  BuiltinVar var;
  Base base;
  Qual qual;
};

const std::map<std::string, BuiltinVarInfo>& builtin_vars() {
  static const std::map<std::string, BuiltinVarInfo> m = {
      {"bar_index", {BuiltinVar::kBarIndex, Base::kInt, Qual::kSeries}},
      {"last_bar_index", {BuiltinVar::kLastBarIndex, Base::kInt, Qual::kSeries}},
      {"time", {BuiltinVar::kTime, Base::kInt, Qual::kSeries}},
      {"time_close", {BuiltinVar::kTimeClose, Base::kInt, Qual::kSeries}},
      {"time_tradingday", {BuiltinVar::kTimeTradingday, Base::kInt, Qual::kSeries}},
      {"timenow", {BuiltinVar::kTimeNow, Base::kInt, Qual::kSeries}},
      {"year", {BuiltinVar::kYear, Base::kInt, Qual::kSeries}},
      {"month", {BuiltinVar::kMonth, Base::kInt, Qual::kSeries}},
      {"weekofyear", {BuiltinVar::kWeekOfYear, Base::kInt, Qual::kSeries}},
      {"dayofmonth", {BuiltinVar::kDayOfMonth, Base::kInt, Qual::kSeries}},
      {"dayofweek", {BuiltinVar::kDayOfWeek, Base::kInt, Qual::kSeries}},
      {"hour", {BuiltinVar::kHour, Base::kInt, Qual::kSeries}},
      {"minute", {BuiltinVar::kMinute, Base::kInt, Qual::kSeries}},
      {"second", {BuiltinVar::kSecond, Base::kInt, Qual::kSeries}},
      {"barstate.isfirst", {BuiltinVar::kIsFirst, Base::kBool, Qual::kSeries}},
      {"barstate.islast", {BuiltinVar::kIsLast, Base::kBool, Qual::kSeries}},
      {"barstate.isconfirmed", {BuiltinVar::kIsConfirmed, Base::kBool, Qual::kSeries}},
      {"barstate.ishistory", {BuiltinVar::kIsHistory, Base::kBool, Qual::kSeries}},
      {"barstate.isrealtime", {BuiltinVar::kIsRealtime, Base::kBool, Qual::kSeries}},
      {"barstate.isnew", {BuiltinVar::kIsNew, Base::kBool, Qual::kSeries}},
      {"barstate.islastconfirmedhistory", {BuiltinVar::kIsLastConfirmedHistory, Base::kBool, Qual::kSeries}},
      {"syminfo.mintick", {BuiltinVar::kMintick, Base::kFloat, Qual::kSimple}},
      {"syminfo.pointvalue", {BuiltinVar::kPointValue, Base::kFloat, Qual::kSimple}},
      {"syminfo.ticker", {BuiltinVar::kTicker, Base::kString, Qual::kSimple}},
      {"syminfo.tickerid", {BuiltinVar::kTickerId, Base::kString, Qual::kSimple}},
      {"syminfo.timezone", {BuiltinVar::kTimezone, Base::kString, Qual::kSimple}},
      {"timeframe.period", {BuiltinVar::kTimeframePeriod, Base::kString, Qual::kSimple}},
      {"timeframe.multiplier", {BuiltinVar::kTimeframeMultiplier, Base::kInt, Qual::kSimple}},
      {"timeframe.isintraday", {BuiltinVar::kTimeframeIsIntraday, Base::kBool, Qual::kSimple}},
      {"timeframe.isdaily", {BuiltinVar::kTimeframeIsDaily, Base::kBool, Qual::kSimple}},
      {"timeframe.isweekly", {BuiltinVar::kTimeframeIsWeekly, Base::kBool, Qual::kSimple}},
      {"timeframe.ismonthly", {BuiltinVar::kTimeframeIsMonthly, Base::kBool, Qual::kSimple}},
      {"timeframe.isseconds", {BuiltinVar::kTimeframeIsSeconds, Base::kBool, Qual::kSimple}},
      {"timeframe.isminutes", {BuiltinVar::kTimeframeIsMinutes, Base::kBool, Qual::kSimple}},
      {"timeframe.isdwm", {BuiltinVar::kTimeframeIsDwm, Base::kBool, Qual::kSimple}},
  };
  return m;
}

const std::map<std::string, StrategyVar>& strategy_vars() {
  static const std::map<std::string, StrategyVar> m = {
      {"strategy.position_size", StrategyVar::kPositionSize},
      {"strategy.position_avg_price", StrategyVar::kPositionAvgPrice},
      {"strategy.equity", StrategyVar::kEquity},
      {"strategy.netprofit", StrategyVar::kNetProfit},
      {"strategy.openprofit", StrategyVar::kOpenProfit},
      {"strategy.grossprofit", StrategyVar::kGrossProfit},
      {"strategy.grossloss", StrategyVar::kGrossLoss},
      {"strategy.initial_capital", StrategyVar::kInitialCapital},
      {"strategy.opentrades", StrategyVar::kOpenTrades},
      {"strategy.closedtrades", StrategyVar::kClosedTrades},
      {"strategy.wintrades", StrategyVar::kWinTrades},
      {"strategy.losstrades", StrategyVar::kLossTrades},
      {"strategy.eventrades", StrategyVar::kEvenTrades},
      {"strategy.max_drawdown", StrategyVar::kMaxDrawdown},
      {"strategy.max_runup", StrategyVar::kMaxRunup},
      {"strategy.position_entry_name", StrategyVar::kPositionEntryName},
      {"strategy.max_contracts_held_all", StrategyVar::kMaxContractsHeldAll},
      {"strategy.max_contracts_held_long", StrategyVar::kMaxContractsHeldLong},
      {"strategy.max_contracts_held_short", StrategyVar::kMaxContractsHeldShort},
  };
  return m;
}

/// Calls that draw or alert: they compile (arguments are not evaluated) and do nothing else.
bool is_visual_call(const std::string& n) {
  static const std::set<std::string> names = {"plotshape", "plotchar", "plotarrow", "plotcandle", "plotbar",
                                              "bgcolor",   "barcolor", "fill",      "hline",      "alert",
                                              "alertcondition"};
  if (names.count(n)) return true;
  for (const char* p : {"line.", "label.", "box.", "table.", "log.", "linefill.", "polyline.", "chart.point."}) {
    if (n.rfind(p, 0) == 0) return true;
  }
  return false;
}

/// Features outside this version: a compile error naming them.
std::optional<std::string> unsupported_feature(const std::string& n) {
  for (const char* p : {"request.", "matrix.", "map.", "ticker.", "timeframe.change", "timeframe.in_seconds",
                        "timeframe.from_seconds"}) {
    if (n.rfind(p, 0) == 0) return n;
  }
  return std::nullopt;
}

/// Where a value comes from, for deciding whether a ta.* call can be a shared series.
struct Origin {
  enum Kind { kNone, kConst, kInput, kPrice, kSourceInput, kShared } kind = kNone;
  Value value = kNa;
  int32_t index = 0, output = 0;
  std::set<int32_t> inputs;  ///< inputs it depends on
};

struct Val {
  int32_t reg = -1;
  Type type;
  std::vector<int32_t> regs;  ///< tuples: one register per element
  Origin origin;
};

struct Symbol {
  std::string name;
  Type type;
  int32_t reg = 0;
  int32_t hist = -1;   ///< history slot, −1 until `name[n]` is read
  int32_t scope = 0;   ///< execution scope (history advance)
  bool source_input = false;  ///< input.source: reads the price field chosen by the input
  int32_t field_reg = 0;
  Origin origin;       ///< for never-reassigned variables
  bool is_var = false;
  bool is_input = false;  ///< declared from input.*: cannot be reassigned
};

class Compiler {
 public:
  Compiler(Program& prog, int version) : prog_(prog) { prog_.version = version; }

  void script(const Node& body) {
    collect_reassigned(body);
    prog_.scopes.emplace_back();  // scope 0: the global scope, entered once per bar
    lexical_.emplace_back();
    exec_scope_.push_back(0);
    prog_.loop_counter_reg = new_reg();
    emit(Op::kAdvance, body, 0);
    // Declaration statement first (its settings decide what is allowed below).
    bool declared = false;
    for (const auto& st : body.kids) {
      const Node* call = st->kind == NodeKind::kExprStmt ? st->kids[0].get() : nullptr;
      if (call && call->kind == NodeKind::kCall && (call->text == "strategy" || call->text == "indicator" || call->text == "library")) {
        if (declared) fail(*call, "a script has only one declaration statement (strategy() or indicator())");
        declaration(*call);
        declared = true;
      }
    }
    if (!declared) fail(body, "the script has no declaration statement: add strategy(\"My strategy\") or indicator(\"My indicator\")");
    for (const auto& st : body.kids) {
      if (st->kind == NodeKind::kFuncDef) {
        if (funcs_.count(st->text)) fail(*st, "function '" + st->text + "' is already defined");
        funcs_[st->text] = st.get();
        continue;
      }
      const Node* call = st->kind == NodeKind::kExprStmt ? st->kids[0].get() : nullptr;
      if (call && call->kind == NodeKind::kCall && (call->text == "strategy" || call->text == "indicator")) continue;
      statement(*st);
    }
    emit(Op::kEnd, body);
    finish();
  }

 private:
  // ---- errors and emission ----
  [[noreturn]] void fail(const Node& n, const std::string& msg) { throw CompileError{compile_error(n.line, n.col, msg)}; }

  int32_t new_reg() { return prog_.nregs++; }
  int32_t emit(Op op, const Node& at, int32_t a = 0, int32_t b = 0, int32_t c = 0, int32_t d = 0) {
    prog_.code.push_back(Instr{op, a, b, c, d});
    prog_.pos.push_back(SourcePos{at.line, at.col});
    return static_cast<int32_t>(prog_.code.size() - 1);
  }
  int32_t here() const { return static_cast<int32_t>(prog_.code.size()); }
  void patch_jump(int32_t at, int32_t target) {
    Instr& i = prog_.code[static_cast<size_t>(at)];
    switch (i.op) {
      case Op::kJmp: i.a = target; break;
      case Op::kJmpF: case Op::kJmpT: case Op::kJmpNa: case Op::kVarInit: i.b = target; break;
      case Op::kForInTest: i.c = target; break;
      case Op::kForTest: i.d = target; break;
      default: break;
    }
  }

  int32_t const_reg(Value v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    auto it = consts_.find(bits);
    if (it != consts_.end()) return it->second;
    const int32_t r = new_reg();
    prog_.const_regs.emplace_back(r, v);
    consts_[bits] = r;
    return r;
  }
  int32_t string_reg(const std::string& s) {
    auto it = strings_.find(s);
    if (it != strings_.end()) return it->second;
    const int32_t r = new_reg();
    prog_.string_regs.emplace_back(r, s);
    strings_[s] = r;
    prog_.string_roots.push_back(r);
    return r;
  }
  Val const_val(Value v, Base base) {
    Val out;
    out.reg = const_reg(v);
    out.type = Type::of(base, Qual::kConst);
    out.origin.kind = Origin::kConst;
    out.origin.value = v;
    return out;
  }
  void note_root(const Type& t, int32_t reg) {
    if (t.base == Base::kString) prog_.string_roots.push_back(reg);
    if (t.base == Base::kArray) prog_.array_roots.push_back(reg);
  }

  // ---- scopes ----
  Symbol* lookup(const std::string& name) {
    for (auto it = lexical_.rbegin(); it != lexical_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return &syms_[static_cast<size_t>(f->second)];
    }
    return nullptr;
  }
  Symbol& declare(const Node& at, const std::string& name, const Type& type) {
    if (lexical_.back().count(name)) fail(at, "variable '" + name + "' is already defined in this scope; use ':=' to assign to it");
    if (builtin_vars().count(name) || price_field_of(name) || name == "na") {
      fail(at, "'" + name + "' is a built-in variable and cannot be redeclared");
    }
    Symbol s;
    s.name = name;
    s.type = type;
    s.reg = new_reg();
    s.scope = exec_scope_.back();
    note_root(type, s.reg);
    syms_.push_back(s);
    lexical_.back()[name] = static_cast<int>(syms_.size() - 1);
    return syms_.back();
  }
  /// A new lexical and execution scope (a block that may run zero or many times per bar).
  void push_block_scope(const Node& at) {
    prog_.scopes.emplace_back();
    exec_scope_.push_back(static_cast<int32_t>(prog_.scopes.size() - 1));
    lexical_.emplace_back();
    emit(Op::kAdvance, at, exec_scope_.back());
  }
  void pop_block_scope() {
    exec_scope_.pop_back();
    lexical_.pop_back();
  }

  void collect_reassigned(const Node& n) {
    if (n.kind == NodeKind::kAssign) reassigned_.insert(n.text);
    for (const auto& k : n.kids) {
      if (k) collect_reassigned(*k);
    }
  }

  int32_t hist_slot_for(int32_t reg, int32_t scope, const Node& at) {
    prog_.hist.push_back(HistSlot{reg, 1, at.line, at.col});
    const auto idx = static_cast<int32_t>(prog_.hist.size() - 1);
    prog_.scopes[static_cast<size_t>(scope)].hist.push_back(idx);
    return idx;
  }

  // ---- declaration statement ----
  void declaration(const Node& call) {
    ScriptSettings& s = prog_.settings;
    s.is_strategy = call.text == "strategy";
    if (call.text == "library") fail(call, "libraries are not supported yet");
    static const std::vector<std::string> strategy_params = {
        "title", "shorttitle", "overlay", "format", "precision", "scale", "pyramiding", "calc_on_order_fills",
        "calc_on_every_tick", "max_bars_back", "backtest_fill_limits_assumption", "default_qty_type",
        "default_qty_value", "initial_capital", "currency", "slippage", "commission_type", "commission_value",
        "process_orders_on_close", "close_entries_rule", "margin_long", "margin_short", "explicit_plot_zorder",
        "max_lines_count", "max_labels_count", "max_boxes_count", "calc_bars_count", "risk_free_rate",
        "use_bar_magnifier", "fill_orders_on_standard_ohlc", "max_polylines_count", "dynamic_requests", "behind_chart"};
    static const std::vector<std::string> indicator_params = {
        "title", "shorttitle", "overlay", "format", "precision", "scale", "max_bars_back", "timeframe",
        "timeframe_gaps", "explicit_plot_zorder", "max_lines_count", "max_labels_count", "max_boxes_count",
        "calc_bars_count", "max_polylines_count", "dynamic_requests", "behind_chart"};
    const auto& names = s.is_strategy ? strategy_params : indicator_params;
    for (size_t i = 0; i < call.kids.size(); ++i) {
      std::string pname = call.arg_names[i];
      if (pname.empty()) {
        if (i >= names.size()) fail(*call.kids[i], "too many arguments to " + call.text + "()");
        pname = names[i];
      } else if (std::find(names.begin(), names.end(), pname) == names.end()) {
        fail(*call.kids[i], call.text + "() has no argument named '" + pname + "'");
      }
      const Node& arg = *call.kids[i];
      auto num = [&]() -> double {
        auto v = const_number(arg);
        if (!v) fail(arg, "argument '" + pname + "' of " + call.text + "() must be a constant number");
        return *v;
      };
      auto text = [&]() -> std::string {
        auto v = const_text(arg);
        if (!v) fail(arg, "argument '" + pname + "' of " + call.text + "() must be a constant string");
        return *v;
      };
      auto flag = [&]() -> bool {
        if (arg.kind != NodeKind::kBool) fail(arg, "argument '" + pname + "' of " + call.text + "() must be true or false");
        return arg.num != 0;
      };
      if (pname == "title") s.title = text();
      else if (pname == "shorttitle") s.shorttitle = text();
      else if (pname == "overlay") s.overlay = flag();
      else if (pname == "pyramiding") s.pyramiding = num();
      else if (pname == "calc_on_order_fills") {
        if (flag()) fail(arg, "calc_on_order_fills = true is not supported yet");
      } else if (pname == "calc_on_every_tick") {
        if (flag()) fail(arg, "calc_on_every_tick = true is not supported yet");
      } else if (pname == "use_bar_magnifier") {
        if (flag()) fail(arg, "use_bar_magnifier = true is not supported yet");
      } else if (pname == "max_bars_back") s.max_bars_back = num();
      else if (pname == "backtest_fill_limits_assumption") s.backtest_fill_limits_assumption = num();
      else if (pname == "default_qty_type") s.default_qty_type = text();
      else if (pname == "default_qty_value") s.default_qty_value = num();
      else if (pname == "initial_capital") s.initial_capital = num();
      else if (pname == "currency") s.currency = text();
      else if (pname == "slippage") s.slippage = num();
      else if (pname == "commission_type") s.commission_type = text();
      else if (pname == "commission_value") s.commission_value = num();
      else if (pname == "process_orders_on_close") s.process_orders_on_close = flag();
      else if (pname == "close_entries_rule") s.close_entries_rule = text();
      else if (pname == "margin_long") s.margin_long = num();
      else if (pname == "margin_short") s.margin_short = num();
      else if (pname == "risk_free_rate") s.risk_free_rate = num();
      else if (pname == "timeframe") {
        if (!text().empty()) fail(arg, "indicator(timeframe = ...) is not supported yet");
      }
      // format, precision, scale, max_*_count, explicit_plot_zorder...: display only.
    }
    if (s.title.empty()) {
      bool has_title = false;
      for (const auto& n : call.arg_names) has_title |= n == "title";
      if (!has_title && call.kids.empty()) fail(call, call.text + "() needs a title");
    }
  }

  std::optional<double> const_number(const Node& n) {
    if (n.kind == NodeKind::kNumber) return n.num;
    if (n.kind == NodeKind::kCall && n.text == "timestamp") {
      // timestamp() of constants is a constant (input.time(timestamp("1 Jan 2024"), ...)).
      std::vector<double> nums;
      std::optional<std::string> text;
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (!n.arg_names[i].empty()) return std::nullopt;
        if (i == 0) {
          if (auto t = const_text(*n.kids[0])) {
            text = *t;
            continue;
          }
        }
        auto v = const_number(*n.kids[i]);
        if (!v) return std::nullopt;
        nums.push_back(*v);
      }
      if (text && nums.empty()) return parse_timestamp_text(*text, 0);
      if (nums.size() < 3 || nums.size() > 6) return std::nullopt;
      nums.resize(6, 0);
      int64_t offset = 0;
      if (text) {
        auto o = fixed_timezone_offset(*text);
        if (!o) return std::nullopt;
        offset = *o;
      }
      return pine_timestamp(nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], offset);
    }
    if (n.kind == NodeKind::kBool) return n.num;
    if (n.kind == NodeKind::kBinary) {
      // Arithmetic on constants is a constant (initial_capital = 1000 * 10).
      const auto a = const_number(*n.kids[0]), b = const_number(*n.kids[1]);
      if (!a || !b) return std::nullopt;
      switch (static_cast<Tok>(n.op)) {
        case Tok::kPlus: return *a + *b;
        case Tok::kMinus: return *a - *b;
        case Tok::kStar: return *a * *b;
        case Tok::kSlash: return *b == 0 ? std::nullopt : std::optional<double>(*a / *b);
        case Tok::kPercent: return *b == 0 ? std::nullopt : std::optional<double>(std::fmod(*a, *b));
        default: return std::nullopt;
      }
    }
    if (n.kind == NodeKind::kUnary && n.op == static_cast<int>(Tok::kMinus)) {
      auto v = const_number(*n.kids[0]);
      if (v) return -*v;
    }
    if (n.kind == NodeKind::kName) {
      for (const auto& c : builtin_registry().constants()) {
        if (c.name == n.text && c.text.empty()) return c.value;
      }
    }
    return std::nullopt;
  }
  std::optional<std::string> const_text(const Node& n) {
    if (n.kind == NodeKind::kString) return n.text;
    if (n.kind == NodeKind::kName) {
      for (const auto& c : builtin_registry().constants()) {
        if (c.name == n.text && c.type == "const string") return c.text;
      }
    }
    return std::nullopt;
  }

  // ---- statements ----
  /// Compiles a statement; returns its value (for the last statement of a block).
  Val statement(const Node& st) {
    switch (st.kind) {
      case NodeKind::kDecl: return declaration_stmt(st);
      case NodeKind::kTupleDecl: return tuple_decl(st);
      case NodeKind::kAssign: return assignment(st);
      case NodeKind::kExprStmt: return expr(*st.kids[0]);
      case NodeKind::kFuncDef: fail(st, "functions can only be declared at the top level of a script");
      case NodeKind::kBreak:
        if (loops_.empty()) fail(st, "'break' outside a loop");
        loops_.back().breaks.push_back(emit(Op::kJmp, st, 0));
        return Val{};
      case NodeKind::kContinue:
        if (loops_.empty()) fail(st, "'continue' outside a loop");
        loops_.back().continues.push_back(emit(Op::kJmp, st, 0));
        return Val{};
      default: return expr(st);
    }
  }

  Val block(const Node& b) {
    push_block_scope(b);
    Val last;
    for (const auto& st : b.kids) last = statement(*st);
    pop_block_scope();
    return last;
  }

  Val declaration_stmt(const Node& st) {
    const Node& init = *st.kids[0];
    std::optional<Type> declared;
    if (!st.type_name.empty()) {
      declared = parse_type_name(st.type_name);
      if (!declared) fail(st, "unknown type '" + st.type_name + "'");
    }
    // input.* assigned to a variable: the variable names the input.
    if (init.kind == NodeKind::kCall && (init.text.rfind("input", 0) == 0) &&
        (init.text == "input" || init.text.rfind("input.", 0) == 0)) {
      if (st.decl_mode != DeclMode::kPlain) fail(st, "an input cannot be declared with var");
      return input_decl(st, init);
    }
    const bool is_var = st.decl_mode != DeclMode::kPlain;
    int32_t skip = -1, flag = -1;
    if (is_var) {
      flag = new_reg();
      skip = emit(Op::kVarInit, st, flag, 0);
    }
    Val v = is_var ? with_cond([&] { return expr(init); }) : expr(init);
    if (v.type.base == Base::kTuple) fail(init, "a function returning a tuple must be assigned to a tuple: [a, b] = f()");
    if (v.type.base == Base::kVoid) fail(init, "'" + st.text + "' cannot be assigned a value of type void");
    Type t = v.type;
    if (declared) {
      if (!assignable(v.type, *declared)) {
        fail(init, "cannot assign a value of type '" + type_text(v.type) + "' to the variable '" + st.text +
                       "' of type '" + type_text(*declared) + "'");
      }
      t.base = declared->base;
      t.elem = declared->elem;
    } else if (v.type.base == Base::kNaType) {
      fail(init, "the type of '" + st.text + "' cannot be determined from na: declare it, e.g. 'float " + st.text + " = na'");
    }
    if (is_var || reassigned_.count(st.text)) t.qual = Qual::kSeries;
    Symbol& sym = declare(st, st.text, t);
    sym.is_var = is_var;
    const int32_t reg = sym.reg;
    emit(Op::kMove, st, reg, v.reg);
    if (is_var) patch_jump(skip, here());
    if (!is_var && !reassigned_.count(st.text) && cond_depth_ == 0) syms_.back().origin = v.origin;
    Val out;
    out.reg = reg;
    out.type = t;
    return out;
  }

  template <class F>
  Val with_cond(F f) {
    ++cond_depth_;
    Val v = f();
    --cond_depth_;
    return v;
  }

  Val tuple_decl(const Node& st) {
    Val v = expr(*st.kids[0]);
    if (v.type.base != Base::kTuple) fail(*st.kids[0], "the right side does not return a tuple");
    if (v.regs.size() != st.names.size()) {
      fail(st, "the tuple has " + std::to_string(v.regs.size()) + " values but " + std::to_string(st.names.size()) +
                   " names are declared");
    }
    for (size_t i = 0; i < st.names.size(); ++i) {
      if (st.names[i] == "_") continue;
      Type t = v.type.items[i];
      if (reassigned_.count(st.names[i])) t.qual = Qual::kSeries;
      Symbol& sym = declare(st, st.names[i], t);
      emit(Op::kMove, st, sym.reg, v.regs[i]);
    }
    return Val{};
  }

  Val assignment(const Node& st) {
    Symbol* sym = lookup(st.text);
    if (!sym) {
      if (builtin_vars().count(st.text) || price_field_of(st.text)) fail(st, "cannot modify the built-in variable '" + st.text + "'");
      fail(st, "undeclared identifier '" + st.text + "'");
    }
    if (sym->source_input || sym->is_input) fail(st, "cannot assign to the input '" + st.text + "': inputs keep their value");
    if (!inlining_.empty() && lexical_.front().count(st.text) &&
        &syms_[static_cast<size_t>(lexical_.front().at(st.text))] == sym) {
      fail(st, "cannot modify global variable '" + st.text + "' in function '" + inlining_.back() + "'");
    }
    const int32_t target = sym->reg;
    const Type target_type = sym->type;
    Val v;
    const Tok op = static_cast<Tok>(st.op);
    if (op == Tok::kDefine) {
      v = expr(*st.kids[0]);
    } else {
      Val cur;
      cur.reg = target;
      cur.type = target_type;
      Val rhs = expr(*st.kids[0]);
      const Tok bin = op == Tok::kPlusEq ? Tok::kPlus : op == Tok::kMinusEq ? Tok::kMinus : op == Tok::kStarEq ? Tok::kStar
                      : op == Tok::kSlashEq ? Tok::kSlash : Tok::kPercent;
      v = binary_values(st, bin, cur, rhs);
    }
    if (!assignable(v.type, target_type)) {
      fail(st, "cannot assign a value of type '" + type_text(v.type) + "' to '" + st.text + "' of type '" +
                   type_text(target_type) + "'");
    }
    if (target_type.base == Base::kInt && v.type.base == Base::kFloat) {
      fail(st, "cannot assign a float value to the int variable '" + st.text + "'; use int() to convert");
    }
    emit(Op::kMove, st, target, v.reg);
    Val out;
    out.reg = target;
    out.type = target_type;
    return out;
  }

  Val input_decl(const Node& st, const Node& call) {
    InputDecl in;
    in.name = st.text;
    in.line = call.line;
    in.col = call.col;
    std::string kind = call.text == "input" ? "" : call.text.substr(6);
    static const std::set<std::string> kinds = {"int", "float", "bool", "string", "source", "session", "timeframe",
                                                "time", "price", "color", "text_area", "symbol"};
    if (!kind.empty() && !kinds.count(kind)) {
      if (kind == "enum") fail(call, "input.enum is not supported yet (enums are not supported yet)");
      fail(call, "could not find function 'input." + kind + "'");
    }
    // Arguments: defval, title, then named.
    static const std::vector<std::string> order = {"defval", "title"};
    std::map<std::string, const Node*> args;
    for (size_t i = 0; i < call.kids.size(); ++i) {
      std::string n = call.arg_names[i];
      if (n.empty()) {
        if (i < order.size()) {
          n = order[i];
        } else if (i == 2 && (kind == "string" || kind == "int" || kind == "float") &&
                   call.kids[i]->kind == NodeKind::kTuple) {
          n = "options";
        } else if (i == 2 && (kind == "int" || kind == "float")) {
          n = "minval";
        } else if (i == 3 && (kind == "int" || kind == "float")) {
          n = "maxval";
        } else if (i == 4 && (kind == "int" || kind == "float")) {
          n = "step";
        } else if (i == 2) {
          n = "tooltip";
        } else {
          continue;  // inline, group, confirm, display...: display only
        }
      }
      args[n] = call.kids[i].get();
    }
    if (!args.count("defval")) fail(call, "missing argument 'defval' of '" + call.text + "'");
    const Node& def = *args["defval"];
    Base base = Base::kFloat;
    if (kind.empty()) {  // input(defval): the type of defval decides
      if (def.kind == NodeKind::kBool) kind = "bool";
      else if (def.kind == NodeKind::kString) kind = "string";
      else if (def.kind == NodeKind::kName && price_field_of(def.text)) kind = "source";
      else if (def.kind == NodeKind::kNumber) kind = def.is_int ? "int" : "float";
      else fail(def, "input(): the default must be a constant");
    }
    in.kind = kind;
    if (auto t = args.find("title"); t != args.end()) {
      auto s = const_text(*t->second);
      if (!s) fail(*t->second, "the title of an input must be a constant string");
      in.title = *s;
    }
    for (const char* k : {"tooltip", "group"}) {
      if (auto t = args.find(k); t != args.end()) {
        auto s = const_text(*t->second);
        if (s) (std::string(k) == "tooltip" ? in.tooltip : in.group) = *s;
      }
    }
    auto number_arg = [&](const char* k) -> double {
      auto t = args.find(k);
      if (t == args.end()) return kNa;
      auto v = const_number(*t->second);
      if (!v) fail(*t->second, std::string("argument '") + k + "' of '" + call.text + "' must be a constant number");
      return *v;
    };
    in.minval = number_arg("minval");
    in.maxval = number_arg("maxval");
    in.step = number_arg("step");
    if (auto o = args.find("options"); o != args.end()) {
      if (o->second->kind != NodeKind::kTuple) fail(*o->second, "options must be a list like [\"A\", \"B\"]");
      for (const auto& item : o->second->kids) {
        if (auto s = const_text(*item)) in.options.push_back(*s);
        else if (auto v = const_number(*item)) in.options.push_back(format_value(*v));
        else fail(*item, "each option must be a constant");
      }
    }
    if (kind == "int" || kind == "float" || kind == "price" || kind == "time") {
      auto v = const_number(def);
      if (!v) fail(def, "the default of '" + call.text + "' must be a constant number");
      if (kind == "int" && std::floor(*v) != *v) fail(def, "the default of input.int must be an integer");
      in.defval = *v;
      base = kind == "int" || kind == "time" ? Base::kInt : Base::kFloat;
    } else if (kind == "bool") {
      if (def.kind != NodeKind::kBool) fail(def, "the default of input.bool must be true or false");
      in.defval = def.num;
      base = Base::kBool;
    } else if (kind == "color") {
      if (def.kind == NodeKind::kColor) in.defval = def.num;
      base = Base::kColor;
    } else if (kind == "source") {
      if (def.kind != NodeKind::kName || !price_field_of(def.text)) {
        fail(def, "the default of input.source must be a price: open, high, low, close, volume, hl2, hlc3, ohlc4 or hlcc4");
      }
      in.defval = static_cast<double>(*price_field_of(def.text));
      in.def_text = def.text;
    } else {  // string kinds
      auto s = const_text(def);
      if (!s) fail(def, "the default of '" + call.text + "' must be a constant string");
      in.def_text = *s;
      base = Base::kString;
    }
    if (kind == "int" || kind == "float") {
      if (!std::isnan(in.minval) && !std::isnan(in.maxval) && in.minval > in.maxval) {
        fail(call, "input '" + in.name + "': minval is above maxval");
      }
    }
    in.reg = new_reg();
    const auto index = static_cast<int32_t>(prog_.inputs.size());
    Type t = Type::of(base, Qual::kInput);
    if (kind == "source") {
      t = Type::of(Base::kFloat, Qual::kSeries);
      Symbol& sym = declare(st, st.text, t);
      sym.source_input = true;
      sym.field_reg = in.reg;
      sym.origin.kind = Origin::kSourceInput;
      sym.origin.index = index;
      sym.origin.inputs.insert(index);
      prog_.inputs.push_back(in);
      return Val{};
    }
    if (base == Base::kString) prog_.string_roots.push_back(in.reg);
    Symbol& sym = declare(st, st.text, t);
    emit(Op::kMove, st, sym.reg, in.reg);
    sym.is_input = true;
    sym.origin.kind = Origin::kInput;
    sym.origin.index = index;
    sym.origin.inputs.insert(index);
    prog_.inputs.push_back(in);
    Val out;
    out.reg = sym.reg;
    out.type = t;
    out.origin = sym.origin;
    return out;
  }

  static std::string format_value(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
  }

  // ---- expressions ----
  Val expr(const Node& n) {
    switch (n.kind) {
      case NodeKind::kNumber: return const_val(n.num, n.is_int ? Base::kInt : Base::kFloat);
      case NodeKind::kBool: return const_val(n.num, Base::kBool);
      case NodeKind::kColor: return const_val(n.num, Base::kColor);
      case NodeKind::kNaLiteral: {
        Val v = const_val(kNa, Base::kNaType);
        return v;
      }
      case NodeKind::kString: {
        Val v;
        v.reg = string_reg(n.text);
        v.type = Type::of(Base::kString, Qual::kConst);
        v.origin.kind = Origin::kNone;
        return v;
      }
      case NodeKind::kName: return name(n, nullptr);
      case NodeKind::kCall: return call(n);
      case NodeKind::kIndex: return history(n);
      case NodeKind::kUnary: return unary(n);
      case NodeKind::kBinary: return binary(n);
      case NodeKind::kTernary: return ternary(n);
      case NodeKind::kIf: return if_expr(n);
      case NodeKind::kSwitch: return switch_expr(n);
      case NodeKind::kFor: return for_loop(n);
      case NodeKind::kForIn: return for_in(n);
      case NodeKind::kWhile: return while_loop(n);
      case NodeKind::kTuple: {
        Val v;
        v.type.base = Base::kTuple;
        for (const auto& k : n.kids) {
          Val e = expr(*k);
          if (e.type.base == Base::kTuple) fail(*k, "tuples cannot be nested");
          const int32_t r = new_reg();
          emit(Op::kMove, *k, r, e.reg);
          note_root(e.type, r);
          v.regs.push_back(r);
          v.type.items.push_back(e.type);
        }
        return v;
      }
      case NodeKind::kBlock: return block(n);
      default: fail(n, "unexpected statement in an expression");
    }
  }

  /// A name as a value. `offset_reg`/history handled by history().
  Val name(const Node& n, const Node* /*unused*/) {
    if (Symbol* s = lookup(n.text)) {
      Val v;
      v.type = s->type;
      v.origin = s->origin;
      if (s->source_input) {
        v.reg = new_reg();
        emit(Op::kPrice, n, v.reg, -1 - s->field_reg, -1);
        return v;
      }
      v.reg = s->reg;
      return v;
    }
    if (auto f = price_field_of(n.text)) {
      Val v;
      v.reg = new_reg();
      v.type = Type::of(Base::kFloat, Qual::kSeries);
      emit(Op::kPrice, n, v.reg, static_cast<int32_t>(*f), -1);
      v.origin.kind = Origin::kPrice;
      v.origin.index = static_cast<int32_t>(*f);
      return v;
    }
    if (auto it = builtin_vars().find(n.text); it != builtin_vars().end()) {
      Val v;
      v.reg = new_reg();
      v.type = Type::of(it->second.base, it->second.qual);
      emit(Op::kBuiltinVar, n, v.reg, static_cast<int32_t>(it->second.var));
      note_root(v.type, v.reg);
      return v;
    }
    if (auto it = strategy_vars().find(n.text); it != strategy_vars().end()) {
      if (!prog_.settings.is_strategy) fail(n, "'" + n.text + "' can only be used in a strategy() script");
      Val v;
      v.reg = new_reg();
      v.type = Type::of(it->second == StrategyVar::kPositionEntryName ? Base::kString : Base::kFloat, Qual::kSeries);
      emit(Op::kStrategyVar, n, v.reg, static_cast<int32_t>(it->second));
      note_root(v.type, v.reg);
      return v;
    }
    for (const auto& c : builtin_registry().constants()) {
      if (c.name != n.text) continue;
      if (c.type == "const string") {
        Val v;
        v.reg = string_reg(c.text);
        v.type = Type::of(Base::kString, Qual::kConst);
        return v;
      }
      auto t = parse_type_name(c.type.substr(c.type.find(' ') + 1));
      return const_val(c.value, t ? t->base : Base::kFloat);
    }
    // The variable ta.tr is ta.tr(false) (Reference Manual).
    if (n.text == "ta.tr") {
      Node as_call(NodeKind::kCall, n.line, n.col);
      as_call.text = n.text;
      as_call.arg_names.push_back("");
      auto f = std::make_unique<Node>(NodeKind::kBool, n.line, n.col);
      f->num = 0;
      as_call.kids.push_back(std::move(f));
      return call(as_call);
    }
    // ta.obv, ta.vwap, ...: variables that are zero-argument functions.
    if (is_builtin_function(n.text)) {
      auto [lo, hi] = builtin_signatures().equal_range(n.text);
      for (auto it = lo; it != hi; ++it) {
        bool all_default = true;
        for (const auto& p : it->second->params) all_default &= !p.default_text.empty();
        if (all_default) {
          Node as_call(NodeKind::kCall, n.line, n.col);
          as_call.text = n.text;
          return call(as_call);
        }
      }
      fail(n, "'" + n.text + "' is a function: call it with arguments");
    }
    if (auto u = unsupported_feature(n.text)) fail(n, *u + " is not supported yet");
    if (funcs_.count(n.text)) fail(n, "'" + n.text + "' is a function: call it with arguments");
    fail(n, "undeclared identifier '" + n.text + "'");
  }

  Val history(const Node& n) {
    const Node& base = *n.kids[0];
    const Node& off = *n.kids[1];
    Val offv = expr(off);
    if (offv.type.base != Base::kInt && offv.type.base != Base::kFloat) fail(off, "the history offset must be an integer");
    // A literal offset (possibly negated) is checked and sized here; anything else is dynamic.
    const bool negated = off.kind == NodeKind::kUnary && off.op == static_cast<int>(Tok::kMinus) &&
                         off.kids[0]->kind == NodeKind::kNumber;
    const bool constant = off.kind == NodeKind::kNumber || negated;
    const double off_num = negated ? -off.kids[0]->num : off.num;
    if (constant && (off_num < 0 || std::floor(off_num) != off_num)) fail(off, "the history offset must be a non-negative integer");
    if (constant && off_num > 100000) fail(off, "the history offset " + Compiler::format_value(off_num) + " is too large (at most 100000)");
    const int32_t k = constant ? static_cast<int32_t>(off_num) : -1;
    if (prog_.version >= 6 && (base.kind == NodeKind::kNumber || base.kind == NodeKind::kString || base.kind == NodeKind::kBool ||
                               base.kind == NodeKind::kColor || base.kind == NodeKind::kNaLiteral)) {
      fail(n, "cannot reference the history of a literal value (v6)");
    }
    // Price fields read the bars directly.
    if (base.kind == NodeKind::kName && !lookup(base.text)) {
      if (auto f = price_field_of(base.text)) {
        Val v;
        v.reg = new_reg();
        v.type = Type::of(Base::kFloat, Qual::kSeries);
        emit(Op::kPrice, n, v.reg, static_cast<int32_t>(*f), offv.reg);
        return v;
      }
    }
    if (base.kind == NodeKind::kName) {
      if (Symbol* s = lookup(base.text); s && s->source_input) {
        Val v;
        v.reg = new_reg();
        v.type = s->type;
        emit(Op::kPrice, n, v.reg, -1 - s->field_reg, offv.reg);
        return v;
      }
    }
    int32_t slot;
    Type t;
    if (base.kind == NodeKind::kName && lookup(base.text)) {
      Symbol* s = lookup(base.text);
      if (s->hist < 0) s->hist = hist_slot_for(s->reg, s->scope, n);
      slot = s->hist;
      t = s->type;
    } else {
      Val v = expr(base);
      if (v.type.base == Base::kTuple || v.type.base == Base::kVoid) fail(base, "this expression has no history");
      // The value is kept in its own register so that the history push sees this execution's value.
      const int32_t r = new_reg();
      emit(Op::kMove, base, r, v.reg);
      note_root(v.type, r);
      slot = hist_slot_for(r, exec_scope_.back(), n);
      t = v.type;
    }
    HistSlot& h = prog_.hist[static_cast<size_t>(slot)];
    const int32_t need = k >= 0 ? k + 1 : -1;
    if (need < 0) dynamic_hist_.push_back(slot);
    else if (need > h.capacity) {
      h.capacity = need;
      h.line = n.line;
      h.col = n.col;
    }
    Val v;
    v.reg = new_reg();
    v.type = t;
    v.type.qual = Qual::kSeries;
    note_root(t, v.reg);
    emit(Op::kHist, n, v.reg, slot, constant ? -1 : offv.reg, k);
    return v;
  }

  Val unary(const Node& n) {
    Val a = expr(*n.kids[0]);
    const Tok op = static_cast<Tok>(n.op);
    // -1 is a constant, not a negation on every bar.
    if (op == Tok::kMinus && a.origin.kind == Origin::kConst && a.type.numeric() && a.type.qual == Qual::kConst) {
      return const_val(-a.origin.value, a.type.base == Base::kNaType ? Base::kFloat : a.type.base);
    }
    Val v;
    v.reg = new_reg();
    v.type = a.type;
    if (op == Tok::kNot) {
      if (a.type.base != Base::kBool && a.type.base != Base::kNaType) fail(n, "'not' needs a bool, got '" + type_text(a.type) + "'");
      v.type.base = Base::kBool;
      emit(Op::kNot, n, v.reg, a.reg);
      return v;
    }
    if (!a.type.numeric()) fail(n, "unary " + std::string(op == Tok::kMinus ? "'-'" : "'+'") + " needs a number, got '" + type_text(a.type) + "'");
    if (op == Tok::kMinus) emit(Op::kNeg, n, v.reg, a.reg);
    else emit(Op::kMove, n, v.reg, a.reg);
    if (a.origin.kind == Origin::kConst) {
      v.origin = a.origin;
      if (op == Tok::kMinus) v.origin.value = -v.origin.value;
    }
    return v;
  }

  Val binary(const Node& n) {
    const Tok op = static_cast<Tok>(n.op);
    if (op == Tok::kAnd || op == Tok::kOr) {
      // v6 short-circuits: the right side runs only when needed (ta.* calls in it then skip
      // bars, exactly as in TradingView). v5 evaluates both sides on every bar.
      Val a = expr(*n.kids[0]);
      check_bool(*n.kids[0], a);
      Val eager;
      if (prog_.version < 6) eager = expr(*n.kids[1]);
      Val v;
      v.reg = new_reg();
      v.type = Type::of(Base::kBool, a.type.qual);
      emit(Op::kBool, n, v.reg, a.reg);
      const int32_t j = emit(op == Tok::kAnd ? Op::kJmpF : Op::kJmpT, n, v.reg, 0);
      Val b = prog_.version < 6 ? eager : with_cond([&] { return expr(*n.kids[1]); });
      check_bool(*n.kids[1], b);
      emit(Op::kBool, n, v.reg, b.reg);
      patch_jump(j, here());
      v.type.qual = max_qual(a.type.qual, b.type.qual);
      return v;
    }
    Val a = expr(*n.kids[0]);
    Val b = expr(*n.kids[1]);
    return binary_values(n, op, a, b);
  }

  void check_bool(const Node& at, const Val& v) {
    if (v.type.base == Base::kBool || v.type.base == Base::kNaType) return;
    if (v.type.numeric()) {
      if (prog_.version < 6) return;  // v5 scripts use numbers as conditions; na/0 are false
      fail(at, "cannot use a value of type '" + type_text(v.type) +
                   "' as a condition: v6 does not convert numbers to bool; compare it instead (e.g. 'x != 0') or use bool(x)");
    }
    fail(at, "expected a bool, got '" + type_text(v.type) + "'");
  }

  Val binary_values(const Node& n, Tok op, const Val& a, const Val& b) {
    Val v;
    v.reg = new_reg();
    const Qual q = max_qual(a.type.qual, b.type.qual);
    const bool strings = a.type.base == Base::kString || b.type.base == Base::kString;
    auto op_text = [&] { return std::string(tok_name(op)); };
    if (strings) {
      const bool both = (a.type.base == Base::kString || a.type.base == Base::kNaType) &&
                        (b.type.base == Base::kString || b.type.base == Base::kNaType);
      if (!both) fail(n, "operator " + op_text() + " cannot mix '" + type_text(a.type) + "' and '" + type_text(b.type) + "'");
      if (op == Tok::kPlus) {
        v.type = Type::of(Base::kString, q);
        emit(Op::kSCat, n, v.reg, a.reg, b.reg);
        prog_.string_roots.push_back(v.reg);
        return v;
      }
      if (op == Tok::kEqEq || op == Tok::kNotEq) {
        v.type = Type::of(Base::kBool, q);
        emit(op == Tok::kEqEq ? Op::kSEq : Op::kSNe, n, v.reg, a.reg, b.reg);
        return v;
      }
      fail(n, "operator " + op_text() + " is not defined for strings");
    }
    switch (op) {
      case Tok::kPlus: case Tok::kMinus: case Tok::kStar: case Tok::kSlash: case Tok::kPercent: {
        if (!a.type.numeric() || !b.type.numeric()) {
          fail(n, "operator " + op_text() + " needs numbers, got '" + type_text(a.type) + "' and '" + type_text(b.type) + "'");
        }
        const bool ints = (a.type.base == Base::kInt || a.type.base == Base::kNaType) && (b.type.base == Base::kInt || b.type.base == Base::kNaType) &&
                          !(a.type.base == Base::kNaType && b.type.base == Base::kNaType);
        // int / int is a float in Pine v6 (v5: also for non-const ints); other int ops stay int.
        Base base = ints && op != Tok::kSlash ? Base::kInt : Base::kFloat;
        if (ints && op == Tok::kSlash && prog_.version < 6 && a.type.qual == Qual::kConst && b.type.qual == Qual::kConst) {
          // v5: const int / const int is an integer division.
          v.type = Type::of(Base::kInt, q);
          const int32_t tmp = new_reg();
          emit(Op::kDiv, n, tmp, a.reg, b.reg);
          emit(Op::kTrunc, n, v.reg, tmp);
          return v;
        }
        v.type = Type::of(base, q);
        const Op o = op == Tok::kPlus ? Op::kAdd : op == Tok::kMinus ? Op::kSub : op == Tok::kStar ? Op::kMul
                     : op == Tok::kSlash ? Op::kDiv : Op::kMod;
        emit(o, n, v.reg, a.reg, b.reg);
        if (a.origin.kind == Origin::kConst && b.origin.kind == Origin::kConst) {
          v.origin.kind = Origin::kConst;
          const double x = a.origin.value, y = b.origin.value;
          v.origin.value = o == Op::kAdd ? x + y : o == Op::kSub ? x - y : o == Op::kMul ? x * y : o == Op::kDiv ? x / y : std::fmod(x, y);
        }
        return v;
      }
      case Tok::kLess: case Tok::kLessEq: case Tok::kGreater: case Tok::kGreaterEq:
        if (!a.type.numeric() || !b.type.numeric()) {
          fail(n, "operator " + op_text() + " needs numbers, got '" + type_text(a.type) + "' and '" + type_text(b.type) + "'");
        }
        [[fallthrough]];
      case Tok::kEqEq: case Tok::kNotEq: {
        if (op == Tok::kEqEq || op == Tok::kNotEq) {
          if (a.type.base == Base::kArray || b.type.base == Base::kArray) fail(n, "arrays cannot be compared with " + op_text());
          if (!unify(a.type, b.type)) fail(n, "cannot compare '" + type_text(a.type) + "' with '" + type_text(b.type) + "'");
        }
        v.type = Type::of(Base::kBool, q);
        const Op o = op == Tok::kLess ? Op::kLt : op == Tok::kLessEq ? Op::kLe : op == Tok::kGreater ? Op::kGt
                     : op == Tok::kGreaterEq ? Op::kGe : op == Tok::kEqEq ? Op::kEq : Op::kNe;
        emit(o, n, v.reg, a.reg, b.reg);
        return v;
      }
      case Tok::kAnd: case Tok::kOr: break;
      default: break;
    }
    fail(n, "unknown operator " + op_text());
  }

  Val ternary(const Node& n) {
    Val c = expr(*n.kids[0]);
    check_bool(*n.kids[0], c);
    const int32_t res = new_reg();
    const int32_t jf = emit(Op::kJmpF, n, c.reg, 0);
    Val a = with_cond([&] { return expr(*n.kids[1]); });
    emit(Op::kMove, *n.kids[1], res, a.reg);
    const int32_t jend = emit(Op::kJmp, n, 0);
    patch_jump(jf, here());
    Val b = with_cond([&] { return expr(*n.kids[2]); });
    emit(Op::kMove, *n.kids[2], res, b.reg);
    patch_jump(jend, here());
    auto t = unify(a.type, b.type);
    if (!t) fail(n, "the two results of '?:' have different types: '" + type_text(a.type) + "' and '" + type_text(b.type) + "'");
    Val v;
    v.reg = res;
    v.type = *t;
    v.type.qual = max_qual(t->qual, c.type.qual);
    note_root(v.type, res);
    return v;
  }

  /// Unifies branch values of if/switch: a value of void type when they do not agree (allowed
  /// as long as the result is not used).
  static Type branch_type(const std::vector<Type>& types) {
    Type t = Type::of(Base::kNaType, Qual::kConst);
    for (const auto& x : types) {
      auto u = unify(t, x);
      if (!u || x.base == Base::kTuple || x.base == Base::kVoid) return Type::of(Base::kVoid);
      t = *u;
    }
    return t;
  }

  /// The values of an if/switch expression's branches: one register, or one per tuple element
  /// when the branches return tuples (`[a, b] = if c ...`).
  struct Branches {
    int32_t res = -1;
    std::vector<Type> types;
    std::vector<int32_t> tuple_regs;
    std::vector<std::vector<Type>> tuple_types;
    bool any_value = false;
  };
  void store_branch(const Node& at, Branches& br, const Val& b) {
    if (b.type.base == Base::kTuple) {
      if (br.tuple_regs.empty()) {
        for (size_t i = 0; i < b.regs.size(); ++i) br.tuple_regs.push_back(new_reg());
      } else if (br.tuple_regs.size() != b.regs.size()) {
        fail(at, "the branches return tuples of different sizes (" + std::to_string(br.tuple_regs.size()) + " and " +
                     std::to_string(b.regs.size()) + ")");
      }
      for (size_t i = 0; i < b.regs.size(); ++i) emit(Op::kMove, at, br.tuple_regs[i], b.regs[i]);
      br.tuple_types.push_back(b.type.items);
      return;
    }
    emit(Op::kMove, at, br.res, b.reg >= 0 ? b.reg : const_reg(kNa));
    br.types.push_back(b.reg >= 0 ? b.type : Type::of(Base::kVoid));
    if (b.reg >= 0 && b.type.base != Base::kVoid) br.any_value = true;
  }
  void fill_na(const Node& at, Branches& br) {
    emit(Op::kMove, at, br.res, const_reg(kNa));
    for (int32_t r : br.tuple_regs) emit(Op::kMove, at, r, const_reg(kNa));
  }
  Val branches_value(const Node& n, Branches& br) {
    Val v;
    if (!br.tuple_regs.empty()) {
      if (br.any_value) fail(n, "some branches return a tuple and others a single value");
      v.type.base = Base::kTuple;
      v.regs = br.tuple_regs;
      for (size_t i = 0; i < br.tuple_regs.size(); ++i) {
        std::vector<Type> ts;
        for (const auto& tt : br.tuple_types) ts.push_back(tt[i]);
        Type t = branch_type(ts);
        if (t.base == Base::kVoid) fail(n, "the branches' tuple element " + std::to_string(i + 1) + " has different types");
        t.qual = Qual::kSeries;
        note_root(t, br.tuple_regs[i]);
        v.type.items.push_back(t);
      }
      return v;
    }
    v.reg = br.res;
    v.type = branch_type(br.types);
    v.type.qual = Qual::kSeries;
    note_root(v.type, br.res);
    return v;
  }

  Val if_expr(const Node& n) {
    Branches br;
    br.res = new_reg();
    std::vector<int32_t> ends;
    const Node* cur = &n;
    while (true) {
      Val c = expr(*cur->kids[0]);
      check_bool(*cur->kids[0], c);
      const int32_t jf = emit(Op::kJmpF, *cur, c.reg, 0);
      Val a = with_cond([&] { return block(*cur->kids[1]); });
      store_branch(*cur, br, a);
      ends.push_back(emit(Op::kJmp, *cur, 0));
      patch_jump(jf, here());
      if (cur->kids.size() < 3 || !cur->kids[2]) {
        fill_na(*cur, br);
        break;
      }
      const Node& e = *cur->kids[2];
      if (e.kind == NodeKind::kIf) {
        cur = &e;
        continue;
      }
      Val b = with_cond([&] { return block(e); });
      store_branch(e, br, b);
      break;
    }
    for (int32_t j : ends) patch_jump(j, here());
    return branches_value(n, br);
  }

  Val switch_expr(const Node& n) {
    Branches br;
    br.res = new_reg();
    std::vector<int32_t> ends;
    Val subject;
    const bool has_subject = n.kids[0] != nullptr;
    if (has_subject) subject = expr(*n.kids[0]);
    bool has_default = false;
    for (size_t i = 1; i + 1 < n.kids.size(); i += 2) {
      const Node* cond = n.kids[i].get();
      const Node& body = *n.kids[i + 1];
      int32_t jf = -1;
      if (cond) {
        Val c = with_cond([&] { return expr(*cond); });
        int32_t test = c.reg;
        if (has_subject) {
          Val eq = binary_values(*cond, Tok::kEqEq, subject, c);
          test = eq.reg;
        } else {
          check_bool(*cond, c);
        }
        jf = emit(Op::kJmpF, *cond, test, 0);
      } else {
        has_default = true;
      }
      Val b = with_cond([&] { return block(body); });
      store_branch(body, br, b);
      ends.push_back(emit(Op::kJmp, body, 0));
      if (jf >= 0) patch_jump(jf, here());
    }
    if (!has_default) fill_na(n, br);
    for (int32_t j : ends) patch_jump(j, here());
    return branches_value(n, br);
  }

  struct Loop {
    std::vector<int32_t> breaks, continues;
  };

  Val for_loop(const Node& n) {
    // `to` is evaluated again before every iteration (v6: a loop over array.size(a) - 1 sees
    // removals); the direction and the step are fixed by the first evaluation: step = |by|
    // (1 by default), negated when from > to.
    Val from = expr(*n.kids[0]);
    if (!from.type.numeric()) fail(*n.kids[0], "the bounds of a for loop must be numbers");
    const int32_t step = new_reg(), end = new_reg(), dir = new_reg(), tmp = new_reg(), first = new_reg();
    const int32_t from_reg = new_reg();
    emit(Op::kMove, n, from_reg, from.reg);
    if (n.kids[2]) {
      Val by = expr(*n.kids[2]);
      if (!by.type.numeric()) fail(*n.kids[2], "the step of a for loop must be a number");
      emit(Op::kMove, n, step, by.reg);
      // |by|: step < 0 ? -step : step
      emit(Op::kLt, n, tmp, step, const_reg(0));
      const int32_t j = emit(Op::kJmpF, n, tmp, 0);
      emit(Op::kNeg, n, step, step);
      patch_jump(j, here());
    } else {
      emit(Op::kMove, n, step, const_reg(1));
    }
    push_block_scope(n);
    const int32_t res = new_reg();
    emit(Op::kMove, n, res, const_reg(kNa));
    emit(Op::kMove, n, first, const_reg(1));
    const int32_t top = here();
    Val to = with_cond([&] { return expr(*n.kids[1]); });
    if (!to.type.numeric()) fail(*n.kids[1], "the bounds of a for loop must be numbers");
    emit(Op::kMove, n, end, to.reg);
    Symbol& counter = declare(n, n.text, Type::of(from.type.base == Base::kFloat || to.type.base == Base::kFloat ? Base::kFloat : Base::kInt, Qual::kSeries));
    const int32_t i = counter.reg;
    const int32_t jfirst = emit(Op::kJmpF, n, first, 0);
    emit(Op::kMove, n, first, const_reg(0));
    emit(Op::kMove, n, i, from_reg);
    emit(Op::kGt, n, dir, from_reg, end);
    const int32_t jd = emit(Op::kJmpF, n, dir, 0);
    emit(Op::kNeg, n, step, step);
    patch_jump(jd, here());
    patch_jump(jfirst, here());
    const int32_t test = emit(Op::kForTest, n, i, end, step, 0);
    loops_.emplace_back();
    ++cond_depth_;
    const Val last = loop_body(n.kids[3]->kids, res);
    --cond_depth_;
    const int32_t cont = here();
    emit(Op::kAdd, n, i, i, step);
    emit(Op::kLoopTick, n, prog_.loop_counter_reg);
    emit(Op::kJmp, n, top);
    const int32_t exit = here();
    patch_jump(test, exit);
    for (int32_t b : loops_.back().breaks) patch_jump(b, exit);
    for (int32_t c : loops_.back().continues) patch_jump(c, cont);
    loops_.pop_back();
    pop_block_scope();
    return loop_value(last, res);
  }

  /// Compiles a loop body; its last statement's value (the loop's value, as an expression) is
  /// copied to `res` at the end of each iteration.
  Val loop_body(const std::vector<NodePtr>& stmts, int32_t res) {
    Val last;
    for (const auto& st : stmts) last = statement(*st);
    if (last.reg >= 0 && last.type.base != Base::kTuple && last.type.base != Base::kVoid && !stmts.empty()) {
      emit(Op::kMove, *stmts.back(), res, last.reg);
    }
    return last;
  }
  Val loop_value(const Val& last, int32_t res) {
    Val v;
    if (last.reg < 0 || last.type.base == Base::kTuple || last.type.base == Base::kVoid) return v;
    v.reg = res;
    v.type = last.type;
    v.type.qual = Qual::kSeries;
    note_root(v.type, res);
    return v;
  }

  Val for_in(const Node& n) {
    Val arr = expr(*n.kids[0]);
    if (arr.type.base != Base::kArray) fail(*n.kids[0], "'for ... in' needs an array, got '" + type_text(arr.type) + "'");
    const int32_t arr_reg = new_reg();
    emit(Op::kMove, n, arr_reg, arr.reg);
    prog_.array_roots.push_back(arr_reg);
    push_block_scope(n);
    const int32_t idx = n.text2.empty() ? new_reg() : declare(n, n.text2, Type::of(Base::kInt, Qual::kSeries)).reg;
    const int32_t item = declare(n, n.text, Type::of(arr.type.elem, Qual::kSeries)).reg;
    emit(Op::kMove, n, idx, const_reg(0));
    const int32_t res = new_reg();
    emit(Op::kMove, n, res, const_reg(kNa));
    const int32_t test = emit(Op::kForInTest, n, idx, arr_reg, 0, item);
    loops_.emplace_back();
    ++cond_depth_;
    const Val last = loop_body(n.kids[1]->kids, res);
    --cond_depth_;
    const int32_t cont = here();
    emit(Op::kAdd, n, idx, idx, const_reg(1));
    emit(Op::kLoopTick, n, prog_.loop_counter_reg);
    emit(Op::kJmp, n, test);
    const int32_t exit = here();
    patch_jump(test, exit);
    for (int32_t b : loops_.back().breaks) patch_jump(b, exit);
    for (int32_t c : loops_.back().continues) patch_jump(c, cont);
    loops_.pop_back();
    pop_block_scope();
    return loop_value(last, res);
  }

  Val while_loop(const Node& n) {
    const int32_t res = new_reg();
    emit(Op::kMove, n, res, const_reg(kNa));
    // The body's history advances once per execution of the loop statement (as for `for`): x[1]
    // inside a loop is x's last value on the previous bar, not on the previous iteration.
    push_block_scope(*n.kids[1]);
    const int32_t top = here();
    Val c = expr(*n.kids[0]);
    check_bool(*n.kids[0], c);
    const int32_t jf = emit(Op::kJmpF, n, c.reg, 0);
    loops_.emplace_back();
    ++cond_depth_;
    const Val last = loop_body(n.kids[1]->kids, res);
    --cond_depth_;
    pop_block_scope();
    emit(Op::kLoopTick, n, prog_.loop_counter_reg);
    emit(Op::kJmp, n, top);
    const int32_t exit = here();
    patch_jump(jf, exit);
    for (int32_t b : loops_.back().breaks) patch_jump(b, exit);
    for (int32_t cc : loops_.back().continues) patch_jump(cc, top);
    loops_.pop_back();
    return loop_value(last, res);
  }

  // ---- calls ----
  Val call(const Node& n) {
    const std::string& f = n.text;
    if (funcs_.count(f)) return user_call(n, *funcs_.at(f));
    // Method syntax on arrays: `a.push(x)` is `array.push(a, x)` when `a` is an array variable.
    if (const size_t dot = f.find('.'); dot != std::string::npos && f.find('.', dot + 1) == std::string::npos) {
      const std::string recv = f.substr(0, dot);
      if (Symbol* s = lookup(recv); s && s->type.base == Base::kArray) {
        Node as(NodeKind::kCall, n.line, n.col);
        as.text = "array." + f.substr(dot + 1);
        auto self = std::make_unique<Node>(NodeKind::kName, n.line, n.col);
        self->text = recv;
        as.kids.push_back(std::move(self));
        as.arg_names.push_back("");
        for (size_t i = 0; i < n.kids.size(); ++i) {
          as.kids.push_back(n.kids[i]->clone());
          as.arg_names.push_back(n.arg_names[i]);
        }
        return call(as);
      }
    }
    if (f == "strategy" || f == "indicator") fail(n, f + "() must be a statement at the top level of the script");
    if (f.rfind("input", 0) == 0 && (f == "input" || f.rfind("input.", 0) == 0)) {
      fail(n, "assign an input to a variable at the top level: 'len = " + f + "(...)'");
    }
    if (f == "max_bars_back") {
      // max_bars_back(var, num): keep at least num past values of var (a dynamic offset into it
      // may then reach that far). Prices are read from the bars and need nothing.
      if (n.kids.size() != 2) fail(n, "max_bars_back() takes a variable and a number of bars");
      auto num = const_number(*n.kids[1]);
      if (!num || *num < 0 || std::floor(*num) != *num) fail(*n.kids[1], "max_bars_back(): the number of bars must be a constant integer");
      if (*num > 100000) fail(*n.kids[1], "max_bars_back(): at most 100000 bars");
      const Node& target = *n.kids[0];
      if (target.kind != NodeKind::kName) fail(target, "max_bars_back(): the first argument must be a variable");
      if (Symbol* s = lookup(target.text); s && !s->source_input) {
        if (s->hist < 0) s->hist = hist_slot_for(s->reg, s->scope, n);
        HistSlot& h = prog_.hist[static_cast<size_t>(s->hist)];
        h.capacity = std::max(h.capacity, static_cast<int32_t>(*num) + 1);
      } else if (!price_field_of(target.text) && !builtin_vars().count(target.text) && !(s && s->source_input)) {
        fail(target, "undeclared identifier '" + target.text + "'");
      }
      Val v;
      v.reg = const_reg(kNa);
      v.type = Type::of(Base::kVoid);
      return v;
    }
    if (auto u = unsupported_feature(f)) {
      std::string what = *u;
      fail(n, what + " is not supported yet");
    }
    if (is_visual_call(f)) {
      Val v;
      v.reg = const_reg(kNa);
      v.type = Type::of(f.rfind("line.new", 0) == 0 || f.rfind("label.new", 0) == 0 || f.rfind("box.new", 0) == 0 ||
                                f.rfind("table.new", 0) == 0 || f == "hline"
                            ? Base::kAny
                            : Base::kVoid);
      return v;
    }
    if (f == "plot") return plot(n);
    if (f == "na") {
      if (n.kids.size() != 1) fail(n, "na() takes one argument");
      Val a = expr(*n.kids[0]);
      if (a.type.base == Base::kBool && prog_.version >= 6) fail(*n.kids[0], "na() does not accept a bool in v6 (a bool is never na)");
      Val v;
      v.reg = new_reg();
      v.type = Type::of(Base::kBool, a.type.qual);
      emit(Op::kIsNa, n, v.reg, a.reg);
      return v;
    }
    if (f == "nz") {
      if (n.kids.empty() || n.kids.size() > 2) fail(n, "nz() takes one or two arguments");
      Val a = expr(*n.kids[0]);
      Val b = n.kids.size() == 2 ? expr(*n.kids[1]) : const_val(0, a.type.base == Base::kInt ? Base::kInt : Base::kFloat);
      if (a.type.base == Base::kString || a.type.base == Base::kArray) fail(n, "nz() needs a number, bool or color");
      if (a.type.base == Base::kBool && prog_.version >= 6) fail(*n.kids[0], "nz() does not accept a bool in v6 (a bool is never na)");
      Val v;
      v.reg = new_reg();
      auto t = unify(a.type, b.type);
      if (!t) fail(n, "nz(): the replacement has another type than the value");
      v.type = *t;
      if (v.type.base == Base::kNaType) v.type.base = Base::kFloat;
      emit(Op::kNz, n, v.reg, a.reg, b.reg);
      return v;
    }
    if (f == "int" || f == "float" || f == "bool" || f == "string" || f == "color") {
      if (n.kids.size() != 1) fail(n, f + "() takes one argument");
      Val a = expr(*n.kids[0]);
      Val v;
      v.reg = new_reg();
      v.type = a.type;
      if (f == "int") {
        if (!a.type.numeric()) fail(n, "int() needs a number");
        v.type.base = Base::kInt;
        emit(Op::kTrunc, n, v.reg, a.reg);
      } else if (f == "float") {
        if (!a.type.numeric()) fail(n, "float() needs a number");
        v.type.base = Base::kFloat;
        emit(Op::kMove, n, v.reg, a.reg);
      } else if (f == "bool") {
        v.type.base = Base::kBool;
        emit(Op::kBool, n, v.reg, a.reg);
      } else {
        v.type.base = f == "string" ? Base::kString : Base::kColor;
        if (!(a.type.base == v.type.base || a.type.base == Base::kNaType)) fail(n, f + "() cannot convert '" + type_text(a.type) + "'");
        emit(Op::kMove, n, v.reg, a.reg);
        note_root(v.type, v.reg);
      }
      if (a.origin.kind == Origin::kConst && f != "int") v.origin = a.origin;
      return v;
    }
    if (!n.type_arg.empty()) {
      if (f != "array.new") fail(n, "'" + f + "<" + n.type_arg + ">' is not a generic function");
      std::string typed = "array.new_" + n.type_arg;
      auto t = parse_type_name(n.type_arg);
      if (!t || t->base == Base::kAny) fail(n, "array.new<" + n.type_arg + ">: unsupported element type");
      Node as(NodeKind::kCall, n.line, n.col);
      as.text = typed;
      as.arg_names = n.arg_names;
      for (const auto& k : n.kids) as.kids.push_back(k->clone());
      return call(as);
    }
    if (f.rfind("strategy.", 0) == 0 && !prog_.settings.is_strategy) {
      fail(n, "'" + f + "' can only be used in a strategy() script");
    }
    return builtin_call(n);
  }

  Val plot(const Node& n) {
    if (exec_scope_.size() > 1 || cond_depth_ > 0) fail(n, "cannot use 'plot' in local scope");
    static const std::vector<std::string> names = {"series", "title", "color", "linewidth", "style", "trackprice",
                                                   "histbase", "offset", "join", "editable", "show_last", "display",
                                                   "format", "precision", "force_overlay", "linestyle"};
    PlotDecl p;
    p.overlay = prog_.settings.overlay;
    const Node* series = nullptr;
    for (size_t i = 0; i < n.kids.size(); ++i) {
      std::string an = n.arg_names[i].empty() ? (i < names.size() ? names[i] : "") : n.arg_names[i];
      const Node& a = *n.kids[i];
      if (an == "series") series = &a;
      else if (an == "title") {
        auto s = const_text(a);
        if (!s) fail(a, "the title of a plot must be a constant string");
        p.title = *s;
      } else if (an == "color") {
        if (a.kind == NodeKind::kColor) p.color = a.text;
        else if (a.kind == NodeKind::kName) p.color = named_color(a.text);
      } else if (an == "force_overlay") {
        if (a.kind == NodeKind::kBool && a.num != 0) p.overlay = true;
      } else if (an.empty()) {
        fail(a, "plot() has no argument at position " + std::to_string(i + 1));
      } else if (std::find(names.begin(), names.end(), an) == names.end()) {
        fail(a, "plot() has no argument named '" + an + "'");
      }
    }
    if (!series) fail(n, "missing argument 'series' of 'plot'");
    Val s = expr(*series);
    if (!(s.type.numeric() || s.type.base == Base::kBool)) fail(*series, "plot() needs a number series, got '" + type_text(s.type) + "'");
    if (p.title.empty()) p.title = "plot " + std::to_string(prog_.plots.size());
    prog_.plots.push_back(p);
    emit(Op::kPlot, n, static_cast<int32_t>(prog_.plots.size() - 1), s.reg);
    Val v;
    v.reg = const_reg(kNa);
    v.type = Type::of(Base::kAny);
    return v;
  }

  static std::string named_color(const std::string& name) {
    for (const auto& c : builtin_registry().constants()) {
      if (c.name == name && c.type == "const color") {
        char buf[16];
        std::snprintf(buf, sizeof buf, "#%08X", static_cast<unsigned>(c.value));
        return buf;
      }
    }
    return "";
  }

  Val builtin_call(const Node& n) {
    std::vector<ArgInfo> infos;
    std::vector<Val> vals;
    for (size_t i = 0; i < n.kids.size(); ++i) {
      Val a = expr(*n.kids[i]);
      if (a.type.base == Base::kTuple) fail(*n.kids[i], "a tuple cannot be an argument");
      if (a.type.base == Base::kVoid) fail(*n.kids[i], "this argument has no value (void)");
      vals.push_back(a);
      infos.push_back(ArgInfo{n.arg_names[i], a.type, n.kids[i].get()});
    }
    auto bound = bind_call(n.text, infos, n.line, n.col);
    if (!bound) throw CompileError{bound.error()};
    const Binding& b = *bound;
    const Signature& sig = *b.sig;
    // Arguments in declaration order, in consecutive registers.
    std::vector<Val> ordered;
    for (size_t k = 0; k < sig.params.size(); ++k) {
      const int ai = b.arg_of_param[k];
      if (ai >= 0) {
        ordered.push_back(vals[static_cast<size_t>(ai)]);
      } else {
        ordered.push_back(expr(*sig.params[k].default_expr));
      }
    }
    const bool stateful = sig.fn->make_state != nullptr;
    const auto nout = static_cast<int32_t>(std::max<size_t>(1, sig.results.size()));
    // A shared series? Stateful ta.* with price/const/input arguments, on every bar, with at
    // most one input among its dependencies (so a grid keeps one series per input value).
    if (stateful && cond_depth_ == 0 && n.text.rfind("ta.", 0) == 0 && !sig.results.empty()) {
      SharedSeries sh;
      sh.fn = sig.fn;
      sh.name = n.text;
      sh.nout = nout;
      sh.line = n.line;
      sh.col = n.col;
      std::set<int32_t> inputs;
      bool ok = true;
      for (const Val& a : ordered) {
        SharedSeries::Arg arg;
        switch (a.origin.kind) {
          case Origin::kConst: arg.kind = SharedSeries::Arg::kConst; arg.value = a.origin.value; break;
          case Origin::kInput: arg.kind = SharedSeries::Arg::kInput; arg.index = a.origin.index; break;
          case Origin::kPrice: arg.kind = SharedSeries::Arg::kPrice; arg.index = a.origin.index; break;
          case Origin::kSourceInput: arg.kind = SharedSeries::Arg::kSourceInput; arg.index = a.origin.index; break;
          case Origin::kShared: arg.kind = SharedSeries::Arg::kShared; arg.index = a.origin.index; arg.output = a.origin.output; break;
          default: ok = false; break;
        }
        if (!ok) break;
        inputs.insert(a.origin.inputs.begin(), a.origin.inputs.end());
        sh.args.push_back(arg);
      }
      // Strings (e.g. a pivot type) are not part of cache keys: keep such calls per run.
      for (const auto& p : sig.params) ok &= p.type.base != Base::kString && p.type.base != Base::kArray;
      for (const auto& r : sig.results) ok &= r.base != Base::kArray && r.base != Base::kString;
      if (ok && inputs.size() <= 1) {
        prog_.shared.push_back(sh);
        const auto idx = static_cast<int32_t>(prog_.shared.size() - 1);
        Val v;
        if (nout == 1) {
          v.reg = new_reg();
          v.type = b.results[0];
          emit(Op::kShared, n, v.reg, idx, 0);
          v.origin.kind = Origin::kShared;
          v.origin.index = idx;
          v.origin.inputs = inputs;
        } else {
          v.type.base = Base::kTuple;
          for (int32_t o = 0; o < nout; ++o) {
            const int32_t r = new_reg();
            emit(Op::kShared, n, r, idx, o);
            v.regs.push_back(r);
            v.type.items.push_back(b.results[static_cast<size_t>(o)]);
          }
        }
        return v;
      }
    }
    const int32_t base = prog_.nregs;
    for (size_t k = 0; k < ordered.size(); ++k) new_reg();
    for (size_t k = 0; k < ordered.size(); ++k) {
      emit(Op::kMove, n, base + static_cast<int32_t>(k), ordered[k].reg);
    }
    CallSite cs;
    cs.fn = sig.fn;
    cs.name = n.text;
    cs.nargs = static_cast<int32_t>(ordered.size());
    cs.nout = nout;
    prog_.calls.push_back(cs);
    const int32_t out = prog_.nregs;
    for (int32_t o = 0; o < nout; ++o) new_reg();
    emit(Op::kCall, n, out, static_cast<int32_t>(prog_.calls.size() - 1), base);
    Val v;
    if (sig.results.size() > 1) {
      v.type.base = Base::kTuple;
      for (int32_t o = 0; o < nout; ++o) {
        v.regs.push_back(out + o);
        v.type.items.push_back(b.results[static_cast<size_t>(o)]);
        note_root(b.results[static_cast<size_t>(o)], out + o);
      }
      return v;
    }
    v.reg = out;
    v.type = sig.results.empty() ? Type::of(Base::kVoid) : b.results[0];
    note_root(v.type, out);
    // A pure function of constants is a constant (math.max(2, 3)); keep that for shared keys.
    bool all_const = !stateful;
    for (const Val& a : ordered) all_const &= a.origin.kind == Origin::kConst;
    (void)all_const;
    return v;
  }

  Val user_call(const Node& n, const Node& def) {
    if (std::find(inlining_.begin(), inlining_.end(), def.text) != inlining_.end()) {
      fail(n, "function '" + def.text + "' calls itself; recursion is not allowed in Pine");
    }
    if (inlining_.size() > 64) fail(n, "functions nested too deeply");
    const size_t nparams = def.names.size();
    std::vector<const Node*> arg_of(nparams, nullptr);
    size_t pos = 0;
    for (size_t i = 0; i < n.kids.size(); ++i) {
      if (n.arg_names[i].empty()) {
        if (pos >= nparams) fail(*n.kids[i], "'" + def.text + "' takes " + std::to_string(nparams) + " arguments");
        arg_of[pos++] = n.kids[i].get();
      } else {
        auto it = std::find(def.names.begin(), def.names.end(), n.arg_names[i]);
        if (it == def.names.end()) fail(*n.kids[i], "'" + def.text + "' has no argument named '" + n.arg_names[i] + "'");
        const auto k = static_cast<size_t>(it - def.names.begin());
        if (arg_of[k]) fail(*n.kids[i], "argument '" + n.arg_names[i] + "' is given twice");
        arg_of[k] = n.kids[i].get();
      }
    }
    std::vector<Val> args;
    for (size_t k = 0; k < nparams; ++k) {
      const Node* a = arg_of[k] ? arg_of[k] : def.kids[k].get();
      if (!a) fail(n, "missing argument '" + def.names[k] + "' of '" + def.text + "'");
      Val v = expr(*a);
      if (v.type.base == Base::kTuple || v.type.base == Base::kVoid) fail(*a, "this argument has no single value");
      args.push_back(v);
    }
    // The body sees the globals and its parameters, not the caller's locals.
    auto saved_lexical = std::move(lexical_);
    lexical_.clear();
    lexical_.push_back(saved_lexical.front());
    inlining_.push_back(def.text);
    prog_.scopes.emplace_back();
    exec_scope_.push_back(static_cast<int32_t>(prog_.scopes.size() - 1));
    lexical_.emplace_back();
    emit(Op::kAdvance, n, exec_scope_.back());
    for (size_t k = 0; k < nparams; ++k) {
      Type t = args[k].type;
      if (t.base == Base::kNaType) t.base = Base::kFloat;
      Symbol& s = declare(*def.kids.back(), def.names[k], t);
      emit(Op::kMove, n, s.reg, args[k].reg);
      if (cond_depth_ == 0) syms_.back().origin = args[k].origin;
    }
    const Node& body = *def.kids.back();
    Val last;
    for (const auto& st : body.kids) last = statement(*st);
    // The result in fresh registers, so that two calls' results never alias.
    Val out;
    if (last.type.base == Base::kTuple) {
      out.type = last.type;
      for (size_t i = 0; i < last.regs.size(); ++i) {
        const int32_t r = new_reg();
        emit(Op::kMove, n, r, last.regs[i]);
        note_root(last.type.items[i], r);
        out.regs.push_back(r);
      }
    } else if (last.reg >= 0 && last.type.base != Base::kVoid) {
      out.reg = new_reg();
      out.type = last.type;
      out.origin = last.origin;
      emit(Op::kMove, n, out.reg, last.reg);
      note_root(out.type, out.reg);
    } else {
      out.reg = const_reg(kNa);
      out.type = Type::of(Base::kVoid);
    }
    exec_scope_.pop_back();
    inlining_.pop_back();
    lexical_ = std::move(saved_lexical);
    return out;
  }

  void finish() {
    const int mbb = std::isnan(prog_.settings.max_bars_back) ? kDefaultMaxBarsBack
                                                              : static_cast<int>(prog_.settings.max_bars_back);
    for (int32_t s : dynamic_hist_) {
      HistSlot& h = prog_.hist[static_cast<size_t>(s)];
      h.capacity = std::max(h.capacity, mbb + 1);
    }
    for (const auto& h : prog_.hist) prog_.max_history = std::max(prog_.max_history, h.capacity - 1);
  }

  Program& prog_;
  std::vector<std::unordered_map<std::string, int>> lexical_;
  std::vector<Symbol> syms_;
  std::vector<int32_t> exec_scope_;
  std::map<std::string, const Node*> funcs_;
  std::set<std::string> reassigned_;
  std::vector<std::string> inlining_;
  std::vector<Loop> loops_;
  std::vector<int32_t> dynamic_hist_;
  std::unordered_map<uint64_t, int32_t> consts_;
  std::map<std::string, int32_t> strings_;
  int cond_depth_ = 0;
};

}  // namespace

Result<std::shared_ptr<const Program>> compile_program(std::string_view source) {
  auto parsed = parse(source);
  if (!parsed) return parsed.error();
  if (parsed->version != 0 && parsed->version != 5 && parsed->version != 6) {
    Error e = compile_error(1, 1, "Pine Script version " + std::to_string(parsed->version) +
                                      " is not supported: use //@version=6 (or 5)");
    return e;
  }
  auto prog = std::make_shared<Program>();
  try {
    Compiler c(*prog, parsed->version == 0 ? 6 : parsed->version);
    c.script(*parsed->body);
    optimize_bytecode(*prog);
  } catch (const CompileError& e) {
    return e.error;
  }
  return std::shared_ptr<const Program>(std::move(prog));
}

}  // namespace atf::pine
