#include "vm.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <new>

#include "../text_parse.h"

namespace atf::pine {
namespace {

constexpr int64_t kLoopLimit = 500'000;  // iterations per bar, as TradingView

double price_of(const Bars& b, PriceField f, size_t t) {
  switch (f) {
    case PriceField::kOpen: return b.open[t];
    case PriceField::kHigh: return b.high[t];
    case PriceField::kLow: return b.low[t];
    case PriceField::kClose: return b.close[t];
    case PriceField::kVolume: return b.volume[t];
    case PriceField::kHl2: return (b.high[t] + b.low[t]) / 2;
    case PriceField::kHlc3: return (b.high[t] + b.low[t] + b.close[t]) / 3;
    case PriceField::kOhlc4: return (b.open[t] + b.high[t] + b.low[t] + b.close[t]) / 4;
    case PriceField::kHlcc4: return (b.high[t] + b.low[t] + b.close[t] + b.close[t]) / 4;
  }
  return kNa;
}

struct CivilTime {
  int64_t y;
  unsigned m, d;
  int dow;  ///< 1 = Sunday ... 7 = Saturday (TradingView's dayofweek)
  int hour, minute, second;
  int64_t day_start_ms;
};

CivilTime civil_of(int64_t ms) {
  int64_t days = ms / text::kMsPerDay;
  int64_t rem = ms % text::kMsPerDay;
  if (rem < 0) {
    rem += text::kMsPerDay;
    --days;
  }
  const auto c = text::civil_from_days(days);
  CivilTime out{c.y, c.m, c.d, 0, 0, 0, 0, days * text::kMsPerDay};
  // 1970-01-01 was a Thursday (5 in TradingView's 1 = Sunday numbering).
  out.dow = static_cast<int>(((days % 7) + 7 + 4) % 7) + 1;
  out.hour = static_cast<int>(rem / 3'600'000);
  out.minute = static_cast<int>(rem / 60'000 % 60);
  out.second = static_cast<int>(rem / 1000 % 60);
  return out;
}

/// ISO 8601 week number (TradingView's weekofyear).
int iso_week(const CivilTime& c) {
  const int64_t days = c.day_start_ms / text::kMsPerDay;
  const int iso_dow = (c.dow + 5) % 7 + 1;  // Monday = 1 ... Sunday = 7
  const int64_t thursday = days - iso_dow + 4;
  const auto ty = text::civil_from_days(thursday).y;
  const int64_t jan1 = text::days_from_civil(ty, 1, 1);
  return static_cast<int>((thursday - jan1) / 7 + 1);
}

}  // namespace

namespace {

/// Where a shared series' argument comes from: a constant, another series (data[t*stride+offset]),
/// or a price field.
struct SeriesArg {
  Value value;
  const double* data;
  size_t stride, offset;
  const Bars* bars;
  PriceField field;
};

/// Runs a built-in over every bar. Nothing here has a destructor, so under Emscripten's JS
/// exceptions the calls are plain calls (a live destructor or a try block would route each of
/// them through JS); an error propagates to the caller, which reports it once.
void compute_series(const BuiltinFunction* fn, CallContext& cx, CallState* state, const SeriesArg* src, Value* args,
                    size_t nargs, double* out, size_t n, size_t nout) {
  for (size_t t = 0; t < n; ++t) {
    cx.t = t;
    for (size_t a = 0; a < nargs; ++a) {
      const SeriesArg& g = src[a];
      args[a] = g.data ? g.data[t * g.stride + g.offset] : g.bars ? price_of(*g.bars, g.field, t) : g.value;
    }
    fn->impl(cx, args, out + t * nout, state);
  }
}

}  // namespace

ChartInfo chart_info_of(const MarketData& md, const std::string& ticker) {
  ChartInfo c;
  c.ticker = ticker.empty() ? "DATA" : ticker;
  c.mintick = 1.0 / std::pow(10.0, md.decimals);
  const auto& t = md.bars.time;
  if (t.size() >= 2) {
    std::vector<int64_t> gaps;
    for (size_t i = 1; i < t.size() && gaps.size() < 1000; ++i) gaps.push_back(t[i] - t[i - 1]);
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
    c.bar_ms = gaps[gaps.size() / 2];
  }
  const int64_t ms = c.bar_ms;
  const int64_t day = text::kMsPerDay;
  if (ms < 60'000) {
    c.unit = 'S';
    c.multiplier = static_cast<int>(std::max<int64_t>(1, ms / 1000));
    c.period = std::to_string(c.multiplier) + "S";
  } else if (ms < day) {
    c.unit = 'm';
    c.multiplier = static_cast<int>(ms / 60'000);
    c.period = std::to_string(c.multiplier);
  } else if (ms < 5 * day) {
    // Daily bars, with weekend gaps making some spacings 3 days: the median says 1 day.
    c.unit = 'D';
    c.multiplier = static_cast<int>(std::max<int64_t>(1, ms / day));
    c.period = c.multiplier == 1 ? "D" : std::to_string(c.multiplier) + "D";
  } else if (ms < 28 * day) {
    c.unit = 'W';
    c.multiplier = static_cast<int>(std::max<int64_t>(1, ms / (7 * day)));
    c.period = c.multiplier == 1 ? "W" : std::to_string(c.multiplier) + "W";
  } else {
    c.unit = 'M';
    c.multiplier = static_cast<int>(std::max<int64_t>(1, (ms + 15 * day) / (30 * day)));
    c.period = c.multiplier == 1 ? "M" : std::to_string(c.multiplier) + "M";
  }
  return c;
}

Result<InputValues> resolve_inputs(const Program& program, const InputValues& given) {
  InputValues out;
  auto find = [&](const std::string& key) -> const InputDecl* {
    for (const auto& in : program.inputs) {
      if (in.name == key) return &in;
    }
    for (const auto& in : program.inputs) {
      if (!in.title.empty() && in.title == key) return &in;
    }
    return nullptr;
  };
  for (const auto& in : program.inputs) {
    const bool texty = in.kind == "string" || in.kind == "source" || in.kind == "session" || in.kind == "timeframe" ||
                       in.kind == "symbol" || in.kind == "text_area";
    if (texty) out.texts[in.name] = in.def_text;
    else out.numbers[in.name] = in.defval;
  }
  auto field = [](const InputDecl& in) { return "inputs." + in.name; };
  for (const auto& [key, value] : given.numbers) {
    const InputDecl* in = find(key);
    if (!in) {
      std::string known;
      for (const auto& i : program.inputs) known += (known.empty() ? "" : ", ") + i.name;
      return Error::validation("inputs." + key, "unknown input '" + key + "'" +
                                                    (known.empty() ? " (the script declares no inputs)" : " (inputs: " + known + ")"));
    }
    if (in->kind == "string" || in->kind == "source" || in->kind == "session" || in->kind == "timeframe") {
      // A numeric value for a text input: an option index is not guessed.
      if (in->kind == "source" || !in->options.empty()) {
        return Error::validation(field(*in), "input '" + in->name + "' takes a text value" +
                                                 (in->options.empty() ? std::string() : " (one of its options)"));
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.15g", value);
      out.texts[in->name] = buf;
      continue;
    }
    if (!std::isfinite(value)) return Error::validation(field(*in), "input '" + in->name + "' must be a finite number");
    if ((in->kind == "int" || in->kind == "time") && std::floor(value) != value) {
      return Error::validation(field(*in), "input '" + in->name + "' must be an integer, got " + std::to_string(value));
    }
    if (in->kind == "bool" && value != 0 && value != 1) {
      return Error::validation(field(*in), "input '" + in->name + "' is a bool: use true/false (1/0)");
    }
    char buf[64];
    if (!std::isnan(in->minval) && value < in->minval) {
      std::snprintf(buf, sizeof buf, "%.15g", in->minval);
      return Error::validation(field(*in), "input '" + in->name + "' must be at least " + buf);
    }
    if (!std::isnan(in->maxval) && value > in->maxval) {
      std::snprintf(buf, sizeof buf, "%.15g", in->maxval);
      return Error::validation(field(*in), "input '" + in->name + "' must be at most " + buf);
    }
    if (!in->options.empty()) {
      std::snprintf(buf, sizeof buf, "%.15g", value);
      if (std::find(in->options.begin(), in->options.end(), std::string(buf)) == in->options.end()) {
        return Error::validation(field(*in), "input '" + in->name + "' must be one of its options");
      }
    }
    out.numbers[in->name] = value;
  }
  for (const auto& [key, value] : given.texts) {
    const InputDecl* in = find(key);
    if (!in) return Error::validation("inputs." + key, "unknown input '" + key + "'");
    if (in->kind == "source") {
      static const char* fields[] = {"open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4", "hlcc4"};
      if (std::find(std::begin(fields), std::end(fields), value) == std::end(fields)) {
        return Error::validation(field(*in), "input '" + in->name + "' must be one of open, high, low, close, volume, hl2, hlc3, ohlc4, hlcc4");
      }
      out.texts[in->name] = value;
    } else if (in->kind == "string" || in->kind == "session" || in->kind == "timeframe" || in->kind == "symbol" ||
               in->kind == "text_area") {
      if (!in->options.empty() && std::find(in->options.begin(), in->options.end(), value) == in->options.end()) {
        std::string opts;
        for (const auto& o : in->options) opts += (opts.empty() ? "" : ", ") + o;
        return Error::validation(field(*in), "input '" + in->name + "' must be one of: " + opts);
      }
      out.texts[in->name] = value;
    } else if (in->kind == "bool" && (value == "true" || value == "false")) {
      out.numbers[in->name] = value == "true" ? 1 : 0;
    } else {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size()) {
        return Error::validation(field(*in), "input '" + in->name + "' must be a number, got '" + value + "'");
      }
      InputValues one;
      one.numbers[key] = v;
      auto r = resolve_inputs(program, one);
      if (!r) return r.error();
      out.numbers[in->name] = v;
    }
  }
  return out;
}

Instance::Instance(std::shared_ptr<const Program> program, const MarketData& md, const ChartInfo& chart,
                   const InputValues& inputs, OrderSink* orders, bool record_plots)
    : prog_(std::move(program)), md_(md), chart_(chart), record_plots_(record_plots) {
  const Program& p = *prog_;
  regs_.assign(static_cast<size_t>(p.nregs), kNa);
  for (const auto& [r, v] : p.const_regs) regs_[static_cast<size_t>(r)] = v;
  for (const auto& [r, s] : p.string_regs) regs_[static_cast<size_t>(r)] = heap_.intern(s);
  for (const auto& in : p.inputs) {
    Value v = in.defval;
    if (auto it = inputs.numbers.find(in.name); it != inputs.numbers.end()) v = it->second;
    if (in.kind == "source") {
      std::string f = in.def_text;
      if (auto it = inputs.texts.find(in.name); it != inputs.texts.end()) f = it->second;
      for (int k = 0; k <= static_cast<int>(PriceField::kHlcc4); ++k) {
        if (f == price_field_name(static_cast<PriceField>(k))) v = k;
      }
    } else if (in.kind == "string" || in.kind == "session" || in.kind == "timeframe" || in.kind == "symbol" ||
               in.kind == "text_area") {
      std::string s = in.def_text;
      if (auto it = inputs.texts.find(in.name); it != inputs.texts.end()) s = it->second;
      v = heap_.intern(s);
    }
    regs_[static_cast<size_t>(in.reg)] = v;
  }
  // History buffers.
  size_t total = 0;
  hist_.resize(p.hist.size());
  std::vector<bool> is_string(static_cast<size_t>(p.nregs), false), is_array(static_cast<size_t>(p.nregs), false);
  for (int32_t r : p.string_roots) is_string[static_cast<size_t>(r)] = true;
  for (int32_t r : p.array_roots) is_array[static_cast<size_t>(r)] = true;
  for (size_t i = 0; i < p.hist.size(); ++i) {
    hist_[i].offset = total;
    hist_[i].capacity = p.hist[i].capacity;
    total += static_cast<size_t>(p.hist[i].capacity);
    if (is_string[static_cast<size_t>(p.hist[i].reg)]) string_hist_.push_back(static_cast<int32_t>(i));
    if (is_array[static_cast<size_t>(p.hist[i].reg)]) array_hist_.push_back(static_cast<int32_t>(i));
  }
  hist_buf_.assign(total, kNa);
  states_.resize(p.calls.size());
  for (size_t i = 0; i < p.calls.size(); ++i) {
    if (p.calls[i].fn->make_state) states_[i] = p.calls[i].fn->make_state();
  }
  ctx_.heap = &heap_;
  ctx_.bars = &md.bars;
  ctx_.price_scale = std::pow(10.0, md.decimals);
  ctx_.mintick = chart_.mintick;
  ctx_.rng = &rng_;
  ctx_.orders = orders;
  ticker_handle_ = heap_.intern(chart_.ticker);
  // v6: timeframe.period always has a multiplier ("1D", not "D" as in v5).
  std::string period = chart_.period;
  if (p.version >= 6 && !period.empty() && !std::isdigit(static_cast<unsigned char>(period[0]))) period = "1" + period;
  period_handle_ = heap_.intern(period);
  tz_handle_ = heap_.intern("UTC");
  // Shared series: one per (function, argument values), computed over all bars once and kept in
  // the dataset's series cache for every later run with the same values.
  const size_t n = md.bars.size();
  shared_.resize(p.shared.size());
  shared_data_.resize(p.shared.size());
  std::vector<std::string> keys(p.shared.size());
  for (size_t s = 0; s < p.shared.size(); ++s) {
    const SharedSeries& sh = p.shared[s];
    std::string key = "pine:" + sh.name + "(";
    std::vector<SeriesArg> getters;
    for (size_t a = 0; a < sh.args.size(); ++a) {
      const auto& arg = sh.args[a];
      char buf[64];
      if (a) key += ",";
      switch (arg.kind) {
        case SharedSeries::Arg::kConst: {
          std::snprintf(buf, sizeof buf, "%.17g", arg.value);
          key += buf;
          const double v = arg.value;
          getters.push_back(SeriesArg{v, nullptr, 0, 0, nullptr, PriceField::kClose});
          break;
        }
        case SharedSeries::Arg::kInput: {
          const double v = regs_[static_cast<size_t>(p.inputs[static_cast<size_t>(arg.index)].reg)];
          std::snprintf(buf, sizeof buf, "%.17g", v);
          key += buf;
          getters.push_back(SeriesArg{v, nullptr, 0, 0, nullptr, PriceField::kClose});
          break;
        }
        case SharedSeries::Arg::kPrice:
        case SharedSeries::Arg::kSourceInput: {
          const auto f = arg.kind == SharedSeries::Arg::kPrice
                             ? static_cast<PriceField>(arg.index)
                             : static_cast<PriceField>(static_cast<int>(regs_[static_cast<size_t>(p.inputs[static_cast<size_t>(arg.index)].reg)]));
          key += price_field_name(f);
          getters.push_back(SeriesArg{kNa, nullptr, 0, 0, &md.bars, f});
          break;
        }
        case SharedSeries::Arg::kShared: {
          const auto& other = p.shared[static_cast<size_t>(arg.index)];
          key += keys[static_cast<size_t>(arg.index)] + "#" + std::to_string(arg.output);
          const double* data = shared_data_[static_cast<size_t>(arg.index)];
          const size_t stride = static_cast<size_t>(other.nout), o = static_cast<size_t>(arg.output);
          getters.push_back(SeriesArg{kNa, data, stride, o, nullptr, PriceField::kClose});
          break;
        }
      }
    }
    key += ")";
    keys[s] = key;
    const auto nout = static_cast<size_t>(sh.nout);
    const BuiltinFunction* fn = sh.fn;
    const double scale = ctx_.price_scale, mintick = ctx_.mintick;
    try {
    shared_[s] = md.cache.get<double>(key, [&]() {
      std::vector<double> out(n * nout, kNa);
      auto state = fn->make_state ? fn->make_state() : nullptr;
      Heap heap;
      uint64_t rng = 1;
      CallContext cx;
      cx.heap = &heap;
      cx.bars = &md.bars;
      cx.price_scale = scale;
      cx.mintick = mintick;
      cx.rng = &rng;
      std::vector<Value> args(getters.size());
      compute_series(fn, cx, state.get(), getters.data(), args.data(), getters.size(), out.data(), n, nout);
      return out;
    });
    } catch (const RuntimeError& e) {
      throw ScriptError(e.what(), sh.line, sh.col);
    }
    shared_data_[s] = shared_[s]->data();
  }
  if (record_plots_) plots_.assign(p.plots.size(), std::vector<double>(n, kNa));
  code_ = record_plots_ ? p.code.data() : p.trial_code.data();
  pos_ = record_plots_ ? p.pos.data() : p.trial_pos.data();
}

void Instance::raise(size_t pc, const std::string& message) const {
  const SourcePos& sp = pos_[pc];
  throw ScriptError(message, sp.line, sp.col);
}

void Instance::advance_scope(int32_t scope) noexcept {
  for (int32_t slot : prog_->scopes[static_cast<size_t>(scope)].hist) {
    HistState& h = hist_[static_cast<size_t>(slot)];
    h.head = h.head + 1 == h.capacity ? 0 : h.head + 1;
    hist_buf_[h.offset + static_cast<size_t>(h.head)] = regs_[static_cast<size_t>(prog_->hist[static_cast<size_t>(slot)].reg)];
    ++h.count;
  }
}

void Instance::maybe_collect() {
  if (heap_.allocated_since_collect() < 4096) return;
  std::vector<Value> sroots, aroots;
  for (int32_t r : prog_->string_roots) sroots.push_back(regs_[static_cast<size_t>(r)]);
  for (int32_t r : prog_->array_roots) aroots.push_back(regs_[static_cast<size_t>(r)]);
  for (int32_t s : string_hist_) {
    const HistState& h = hist_[static_cast<size_t>(s)];
    sroots.insert(sroots.end(), hist_buf_.begin() + static_cast<std::ptrdiff_t>(h.offset),
                  hist_buf_.begin() + static_cast<std::ptrdiff_t>(h.offset + static_cast<size_t>(h.capacity)));
  }
  for (int32_t s : array_hist_) {
    const HistState& h = hist_[static_cast<size_t>(s)];
    aroots.insert(aroots.end(), hist_buf_.begin() + static_cast<std::ptrdiff_t>(h.offset),
                  hist_buf_.begin() + static_cast<std::ptrdiff_t>(h.offset + static_cast<size_t>(h.capacity)));
  }
  heap_.collect(sroots, aroots);
}

Value Instance::builtin_var(BuiltinVar v, size_t t) const noexcept {
  const Bars& bars = md_.bars;
  const int64_t tm = bars.time[t];
  double out = kNa;
  switch (v) {
    case BuiltinVar::kBarIndex: out = static_cast<double>(t); break;
    case BuiltinVar::kLastBarIndex: out = static_cast<double>(bars.size() - 1); break;
    case BuiltinVar::kTime: out = static_cast<double>(tm); break;
    case BuiltinVar::kTimeClose:
      out = t + 1 < bars.size() ? static_cast<double>(bars.time[t + 1]) : static_cast<double>(tm + chart_.bar_ms);
      if (chart_.unit != 'S' && chart_.unit != 'm') out = static_cast<double>(tm + chart_.bar_ms);
      break;
    case BuiltinVar::kTimeTradingday: out = static_cast<double>(civil_of(tm).day_start_ms); break;
    case BuiltinVar::kTimeNow: out = static_cast<double>(bars.time.back()); break;
    case BuiltinVar::kYear: out = static_cast<double>(civil_of(tm).y); break;
    case BuiltinVar::kMonth: out = civil_of(tm).m; break;
    case BuiltinVar::kWeekOfYear: out = iso_week(civil_of(tm)); break;
    case BuiltinVar::kDayOfMonth: out = civil_of(tm).d; break;
    case BuiltinVar::kDayOfWeek: out = civil_of(tm).dow; break;
    case BuiltinVar::kHour: out = civil_of(tm).hour; break;
    case BuiltinVar::kMinute: out = civil_of(tm).minute; break;
    case BuiltinVar::kSecond: out = civil_of(tm).second; break;
    case BuiltinVar::kIsFirst: out = t == 0; break;
    case BuiltinVar::kIsLast: out = t + 1 == bars.size(); break;
    case BuiltinVar::kIsConfirmed: out = 1; break;
    case BuiltinVar::kIsHistory: out = 1; break;
    case BuiltinVar::kIsRealtime: out = 0; break;
    case BuiltinVar::kIsNew: out = 1; break;
    case BuiltinVar::kIsLastConfirmedHistory: out = t + 1 == bars.size(); break;
    case BuiltinVar::kMintick: out = chart_.mintick; break;
    case BuiltinVar::kPointValue: out = chart_.pointvalue; break;
    case BuiltinVar::kTr: break;
    case BuiltinVar::kTimeframeMultiplier: out = chart_.multiplier; break;
    case BuiltinVar::kTimeframeIsIntraday: out = chart_.unit == 'S' || chart_.unit == 'm'; break;
    case BuiltinVar::kTimeframeIsDaily: out = chart_.unit == 'D'; break;
    case BuiltinVar::kTimeframeIsWeekly: out = chart_.unit == 'W'; break;
    case BuiltinVar::kTimeframeIsMonthly: out = chart_.unit == 'M'; break;
    case BuiltinVar::kTimeframeIsSeconds: out = chart_.unit == 'S'; break;
    case BuiltinVar::kTimeframeIsMinutes: out = chart_.unit == 'm'; break;
    case BuiltinVar::kTimeframeIsDwm: out = chart_.unit == 'D' || chart_.unit == 'W' || chart_.unit == 'M'; break;
    case BuiltinVar::kTimeframePeriod: out = period_handle_; break;
    case BuiltinVar::kTicker: out = ticker_handle_; break;
    case BuiltinVar::kTickerId: out = ticker_handle_; break;
    case BuiltinVar::kTimezone: out = tz_handle_; break;
  }
  return out;
}

Value Instance::strategy_var(StrategyVar which) const {
  const StrategyReadout& s = ctx_.orders->readout();
  double out = kNa;
  switch (which) {
    case StrategyVar::kPositionSize: out = s.position_size; break;
    case StrategyVar::kPositionAvgPrice: out = s.position_avg_price; break;
    case StrategyVar::kEquity: out = s.equity; break;
    case StrategyVar::kNetProfit: out = s.netprofit; break;
    case StrategyVar::kOpenProfit: out = s.openprofit; break;
    case StrategyVar::kGrossProfit: out = s.grossprofit; break;
    case StrategyVar::kGrossLoss: out = s.grossloss; break;
    case StrategyVar::kInitialCapital: out = s.initial_capital; break;
    case StrategyVar::kOpenTrades: out = s.opentrades; break;
    case StrategyVar::kClosedTrades: out = s.closedtrades; break;
    case StrategyVar::kWinTrades: out = s.wintrades; break;
    case StrategyVar::kLossTrades: out = s.losstrades; break;
    case StrategyVar::kEvenTrades: out = s.eventrades; break;
    case StrategyVar::kMaxDrawdown: out = s.max_drawdown; break;
    case StrategyVar::kMaxRunup: out = s.max_runup; break;
    case StrategyVar::kPositionEntryName: out = s.position_entry_name; break;
    case StrategyVar::kMaxContractsHeldAll: out = s.max_contracts_held_all; break;
    case StrategyVar::kMaxContractsHeldLong: out = s.max_contracts_held_long; break;
    case StrategyVar::kMaxContractsHeldShort: out = s.max_contracts_held_short; break;
  }
  return out;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
// GCC merges the dispatch jumps of threaded code back into one (cross-jumping, GCSE), which
// undoes the point of one indirect jump per instruction; keep them apart. Clang does not merge.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
bool Instance::run_bar(size_t t) noexcept {
  const Program& p = *prog_;
  const Instr* code = code_;
  Value* r = regs_.data();
  const Bars& bars = md_.bars;
  ctx_.t = t;
  r[p.loop_counter_reg] = 0;
  size_t pc = 0;
  try {
    // Direct-threaded dispatch (computed goto, a GCC/Clang extension; Wasm lowers it to a
    // br_table): each instruction ends with its own indirect jump, which predicts far better
    // than one shared switch.
    static void* const kLabels[] = {
      &&L_kEnd,
      &&L_kMove,
      &&L_kAdd,
      &&L_kSub,
      &&L_kMul,
      &&L_kDiv,
      &&L_kMod,
      &&L_kNeg,
      &&L_kLt,
      &&L_kLe,
      &&L_kGt,
      &&L_kGe,
      &&L_kEq,
      &&L_kNe,
      &&L_kSEq,
      &&L_kSNe,
      &&L_kSCat,
      &&L_kNot,
      &&L_kBool,
      &&L_kJmp,
      &&L_kJmpF,
      &&L_kJmpT,
      &&L_kJmpNa,
      &&L_kJmpNotNa,
      &&L_kIsNa,
      &&L_kNz,
      &&L_kTrunc,
      &&L_kPrice,
      &&L_kBuiltinVar,
      &&L_kHist,
      &&L_kAdvance,
      &&L_kCall,
      &&L_kShared,
      &&L_kVarInit,
      &&L_kLoopTick,
      &&L_kForTest,
      &&L_kForInTest,
      &&L_kArrayNew,
      &&L_kPlot,
      &&L_kStrategyVar,
      &&L_kRuntimeError,
      &&L_kJNLt,
      &&L_kJNLe,
      &&L_kJNGt,
      &&L_kJNGe,
      &&L_kJNEq,
      &&L_kJNNe};
    static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == static_cast<size_t>(Op::kJNNe) + 1, "one label per Op");
    const Instr* ip = code;
#define DISPATCH             \
  do {                       \
    ip = code + pc;          \
    goto* kLabels[static_cast<size_t>(ip->op)]; \
  } while (0)
#define NEXT \
  do {       \
    ++pc;    \
    DISPATCH; \
  } while (0)
    DISPATCH;
    {
        L_kEnd:
          if (heap_.allocated_since_collect() >= 4096) maybe_collect();
          return true;
        L_kMove: r[ip->a] = r[ip->b]; NEXT;
        L_kAdd: r[ip->a] = r[ip->b] + r[ip->c]; NEXT;
        L_kSub: r[ip->a] = r[ip->b] - r[ip->c]; NEXT;
        L_kMul: r[ip->a] = r[ip->b] * r[ip->c]; NEXT;
        L_kDiv: {
          // Division by zero is na in Pine (not ±inf).
          const double d = r[ip->c];
          r[ip->a] = d == 0 ? kNa : r[ip->b] / d;
          NEXT;
        }
        L_kMod: {
          const double d = r[ip->c];
          r[ip->a] = d == 0 ? kNa : std::fmod(r[ip->b], d);
          NEXT;
        }
        L_kNeg: r[ip->a] = -r[ip->b]; NEXT;
        L_kLt: r[ip->a] = r[ip->b] < r[ip->c]; NEXT;
        L_kLe: r[ip->a] = r[ip->b] <= r[ip->c]; NEXT;
        L_kGt: r[ip->a] = r[ip->b] > r[ip->c]; NEXT;
        L_kGe: r[ip->a] = r[ip->b] >= r[ip->c]; NEXT;
        L_kEq: r[ip->a] = r[ip->b] == r[ip->c]; NEXT;
        L_kNe: {
          const double x = r[ip->b], y = r[ip->c];
          r[ip->a] = x == x && y == y && x != y;
          NEXT;
        }
        L_kSEq:
        L_kSNe: {
          const double x = r[ip->b], y = r[ip->c];
          bool eq;
          if (is_na(x) || is_na(y)) eq = is_na(x) && is_na(y);
          else eq = x == y || heap_.str(x) == heap_.str(y);
          r[ip->a] = (ip->op == Op::kSEq) == eq;
          NEXT;
        }
        L_kSCat: {
          const double x = r[ip->b], y = r[ip->c];
          if (is_na(x)) r[ip->a] = y;
          else if (is_na(y)) r[ip->a] = x;
          else r[ip->a] = heap_.new_string(heap_.str(x) + heap_.str(y));
          NEXT;
        }
        L_kNot: r[ip->a] = !truthy(r[ip->b]); NEXT;
        L_kBool: r[ip->a] = truthy(r[ip->b]); NEXT;
        L_kJmp: pc = static_cast<size_t>(ip->a); DISPATCH;
        L_kJmpF:
          if (!truthy(r[ip->a])) {
            pc = static_cast<size_t>(ip->b);
            DISPATCH;
          }
          NEXT;
        L_kJmpT:
          if (truthy(r[ip->a])) {
            pc = static_cast<size_t>(ip->b);
            DISPATCH;
          }
          NEXT;
        L_kJmpNa:
          if (is_na(r[ip->a])) {
            pc = static_cast<size_t>(ip->b);
            DISPATCH;
          }
          NEXT;
        L_kJmpNotNa:
          if (!is_na(r[ip->a])) {
            pc = static_cast<size_t>(ip->b);
            DISPATCH;
          }
          NEXT;
        L_kIsNa: r[ip->a] = is_na(r[ip->b]); NEXT;
        L_kNz: r[ip->a] = is_na(r[ip->b]) ? r[ip->c] : r[ip->b]; NEXT;
        L_kTrunc: r[ip->a] = std::trunc(r[ip->b]); NEXT;
        L_kPrice: {
          int64_t back = 0;
          if (ip->c >= 0) {
            const double k = r[ip->c];
            if (is_na(k)) {
              r[ip->a] = kNa;
              NEXT;
            }
            if (k < 0) raise(pc, "the history offset must not be negative, got " + std::to_string(k > -1e15 ? static_cast<int64_t>(k) : INT64_MIN));
            back = k > 1e15 ? static_cast<int64_t>(1e15) : static_cast<int64_t>(k);  // no out-of-range cast
          }
          const auto field = ip->b >= 0 ? static_cast<PriceField>(ip->b) : static_cast<PriceField>(static_cast<int>(r[-1 - ip->b]));
          r[ip->a] = back > static_cast<int64_t>(t) ? kNa : price_of(bars, field, t - static_cast<size_t>(back));
          NEXT;
        }
        L_kBuiltinVar: r[ip->a] = builtin_var(static_cast<BuiltinVar>(ip->b), t); NEXT;
        L_kHist: {
          const HistState& h = hist_[static_cast<size_t>(ip->b)];
          int64_t k;
          if (ip->c >= 0) {
            const double kv = r[ip->c];
            if (is_na(kv)) {
              r[ip->a] = kNa;
              NEXT;
            }
            if (kv < 0) raise(pc, "the history offset must not be negative, got " + std::to_string(kv > -1e15 ? static_cast<int64_t>(kv) : INT64_MIN));
            k = kv > 1e15 ? static_cast<int64_t>(1e15) : static_cast<int64_t>(kv);  // no out-of-range cast
          } else {
            k = ip->d;
          }
          if (k == 0) {
            r[ip->a] = r[p.hist[static_cast<size_t>(ip->b)].reg];
            NEXT;
          }
          if (k > h.capacity - 1) {
            raise(pc, "history reference [" + std::to_string(k) + "] is past the " + std::to_string(h.capacity - 1) +
                          " bars kept for this series; set max_bars_back in strategy()/indicator() to at least " +
                          std::to_string(k));
          }
          if (k > h.count) {
            r[ip->a] = kNa;
            NEXT;
          }
          int32_t idx = h.head - static_cast<int32_t>(k - 1);
          if (idx < 0) idx += h.capacity;
          r[ip->a] = hist_buf_[h.offset + static_cast<size_t>(idx)];
          NEXT;
        }
        L_kAdvance: advance_scope(ip->a); NEXT;
        L_kCall: {
          const CallSite& cs = p.calls[static_cast<size_t>(ip->b)];
          cs.fn->impl(ctx_, r + ip->c, r + ip->a, states_[static_cast<size_t>(ip->b)].get());
          NEXT;
        }
        L_kShared:
          r[ip->a] = shared_data_[static_cast<size_t>(ip->b)][t * static_cast<size_t>(p.shared[static_cast<size_t>(ip->b)].nout) +
                                                            static_cast<size_t>(ip->c)];
          NEXT;
        L_kVarInit:
          if (r[ip->a] != 0 && !is_na(r[ip->a])) {
            pc = static_cast<size_t>(ip->b);
            DISPATCH;
          }
          r[ip->a] = 1;
          NEXT;
        L_kLoopTick:
          if (++r[ip->a] > static_cast<double>(kLoopLimit)) {
            raise(pc, "loop takes too long: more than " + std::to_string(kLoopLimit) + " iterations on one bar");
          }
          NEXT;
        L_kForTest: {
          const double i = r[ip->a], end = r[ip->b], step = r[ip->c];
          if (is_na(i) || is_na(end) || is_na(step) || (step > 0 ? i > end : i < end)) {
            pc = static_cast<size_t>(ip->d);
            DISPATCH;
          }
          NEXT;
        }
        L_kForInTest: {
          const double arr = r[ip->b];
          if (is_na(arr)) {
            pc = static_cast<size_t>(ip->c);
            DISPATCH;
          }
          const PineArray& a = heap_.array(arr);
          const double i = r[ip->a];
          if (i >= static_cast<double>(a.items.size())) {
            pc = static_cast<size_t>(ip->c);
            DISPATCH;
          }
          if (ip->d >= 0) r[ip->d] = a.items[static_cast<size_t>(i)];
          NEXT;
        }
        L_kArrayNew: NEXT;
        L_kPlot:
          if (record_plots_) plots_[static_cast<size_t>(ip->a)][t] = r[ip->b];
          NEXT;
        L_kStrategyVar: r[ip->a] = strategy_var(static_cast<StrategyVar>(ip->b)); NEXT;
        L_kRuntimeError: raise(pc, p.messages[static_cast<size_t>(ip->a)]);
        L_kJNLt:
          if (!(r[ip->b] < r[ip->c])) {
            pc = static_cast<size_t>(ip->a);
            DISPATCH;
          }
          NEXT;
        L_kJNLe:
          if (!(r[ip->b] <= r[ip->c])) {
            pc = static_cast<size_t>(ip->a);
            DISPATCH;
          }
          NEXT;
        L_kJNGt:
          if (!(r[ip->b] > r[ip->c])) {
            pc = static_cast<size_t>(ip->a);
            DISPATCH;
          }
          NEXT;
        L_kJNGe:
          if (!(r[ip->b] >= r[ip->c])) {
            pc = static_cast<size_t>(ip->a);
            DISPATCH;
          }
          NEXT;
        L_kJNEq:
          if (!(r[ip->b] == r[ip->c])) {
            pc = static_cast<size_t>(ip->a);
            DISPATCH;
          }
          NEXT;
        L_kJNNe: {
          const double x = r[ip->b], y = r[ip->c];
          if (!(x == x && y == y && x != y)) {
            pc = static_cast<size_t>(ip->a);
            DISPATCH;
          }
          NEXT;
        }
    }
#undef NEXT
#undef DISPATCH
  } catch (const ScriptError& e) {
    error_.emplace(e);
  } catch (const RuntimeError& e) {
    error_.emplace(e.what(), pos_[pc].line, pos_[pc].col);
  } catch (const std::bad_alloc&) {
    out_of_memory_ = true;
  } catch (const std::exception& e) {
    error_.emplace(e.what(), pos_[pc].line, pos_[pc].col);
  }
  return false;
}

#pragma GCC diagnostic pop

void Instance::rethrow() const {
  if (out_of_memory_) throw std::bad_alloc();
  if (error_) throw *error_;
  throw ScriptError("internal error: a bar failed without an error", 0, 0);
}

}  // namespace atf::pine
