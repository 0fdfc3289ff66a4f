// donchian_breakout and macd_signal: follow the trend.
#pragma once
#include <memory>
#include <vector>

#include "atf/market_data.h"
#include "atf/params.h"
#include "signal.h"

namespace atf {

/// Long when the close breaks above the highest high of the previous `entry` bars, short (if
/// allowed) below their lowest low; a long exits below the lowest low of the previous `exit`
/// bars, a short above their highest high. Integer ticks: exact.
class DonchianBreakout {
 public:
  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    entry_ = static_cast<int>(p.at("entry"));
    exit_ = static_cast<int>(p.at("exit"));
    auto highest = [&](int n) {
      return hold(keep, md.cache.get<int64_t>(period_key("highest", n), [&] { return highest_series(md.high_ticks, n); }));
    };
    auto lowest = [&](int n) {
      return hold(keep, md.cache.get<int64_t>(period_key("lowest", n), [&] { return lowest_series(md.low_ticks, n); }));
    };
    hi_entry_ = highest(entry_);
    lo_entry_ = lowest(entry_);
    hi_exit_ = highest(exit_);
    lo_exit_ = lowest(exit_);
    c_ = md.close_ticks.data();
  }
  size_t warmup() const { return static_cast<size_t>(entry_ > exit_ ? entry_ : exit_); }
  Signal signal(size_t t, int position) const {
    const int64_t c = c_[t];
    if (c > hi_entry_[t - 1]) return Signal::kLong;
    if (c < lo_entry_[t - 1]) return Signal::kShort;
    if (position > 0 && c < lo_exit_[t - 1]) return Signal::kFlat;
    if (position < 0 && c > hi_exit_[t - 1]) return Signal::kFlat;
    return Signal::kHold;
  }

 private:
  int entry_ = 0, exit_ = 0;
  const int64_t *hi_entry_ = nullptr, *lo_entry_ = nullptr, *hi_exit_ = nullptr, *lo_exit_ = nullptr;
  const int64_t* c_ = nullptr;
};

/// Long when the MACD line crosses above its signal line, bearish when it crosses below.
class MacdSignal {
 public:
  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    const int fast = static_cast<int>(p.at("fast"));
    slow_ = static_cast<int>(p.at("slow"));
    signal_ = Ema(static_cast<int>(p.at("signal")));
    fast_ema_ = hold(keep, md.cache.get<double>(period_key("ema", fast), [&] { return ema_series(md.bars.close, fast); }));
    slow_ema_ = hold(keep, md.cache.get<double>(period_key("ema", slow_), [&] { return ema_series(md.bars.close, slow_); }));
  }
  size_t warmup() const { return static_cast<size_t>(slow_ - 1); }
  Signal signal(size_t t, int /*position*/) {
    const double line = fast_ema_[t] - slow_ema_[t];
    if (!signal_.update(line)) return Signal::kHold;
    return signal_from_cross(cross_.update(sign_of(line - signal_.value())));
  }

 private:
  int slow_ = 0;
  Ema signal_{1};
  const double* fast_ema_ = nullptr;
  const double* slow_ema_ = nullptr;
  CrossDetector cross_;
};

}  // namespace atf
