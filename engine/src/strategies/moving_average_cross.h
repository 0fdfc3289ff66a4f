// sma_cross and ema_cross: long when the fast average crosses above the slow one, bearish when it
// crosses below.
#pragma once
#include <memory>
#include <vector>

#include "atf/market_data.h"
#include "atf/params.h"
#include "signal.h"

namespace atf {

/// SMA crossing decided exactly: fast SMA > slow SMA ⇔ S_f·slow > S_s·fast over integer tick sums.
class SmaCross {
 public:
  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    fast_ = static_cast<int>(p.at("fast"));
    slow_ = static_cast<int>(p.at("slow"));
    slow_data_ = hold(keep, md.cache.get<int64_t>(period_key("sma", slow_), [&] { return sma_sum_series(md.close_ticks, slow_); }));
    fast_data_ = fast_ == 1 ? md.close_ticks.data()
                            : hold(keep, md.cache.get<int64_t>(period_key("sma", fast_),
                                                               [&] { return sma_sum_series(md.close_ticks, fast_); }));
    // Products S·period stay below 2^62 in 64 bits unless ticks are huge: then use 128 bits.
    const double bound = static_cast<double>(md.max_tick) * slow_ * slow_;
    wide_ = bound > 4.0e18;
  }
  size_t warmup() const { return static_cast<size_t>(slow_ - 1); }
  Signal signal(size_t t, int /*position*/) {
    int s;
    if (!wide_) {
      const int64_t a = fast_data_[t] * slow_, b = slow_data_[t] * fast_;
      s = (a > b) - (a < b);
    } else {
      s = sign_of(static_cast<int128>(fast_data_[t]) * slow_ - static_cast<int128>(slow_data_[t]) * fast_);
    }
    return signal_from_cross(cross_.update(s));
  }

 private:
  int fast_ = 0, slow_ = 0;
  bool wide_ = false;
  const int64_t* fast_data_ = nullptr;
  const int64_t* slow_data_ = nullptr;
  CrossDetector cross_;
};

/// EMA crossing in double precision. EMAs are not exact rationals of bounded size, so exact ties
/// are left to IEEE arithmetic, which is the same natively and in Wasm (no FMA contraction).
class EmaCross {
 public:
  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    const int fast = static_cast<int>(p.at("fast"));
    slow_ = static_cast<int>(p.at("slow"));
    f_ = hold(keep, md.cache.get<double>(period_key("ema", fast), [&] { return ema_series(md.bars.close, fast); }));
    s_ = hold(keep, md.cache.get<double>(period_key("ema", slow_), [&] { return ema_series(md.bars.close, slow_); }));
  }
  size_t warmup() const { return static_cast<size_t>(slow_ - 1); }
  Signal signal(size_t t, int /*position*/) { return signal_from_cross(cross_.update(sign_of(f_[t] - s_[t]))); }

 private:
  int slow_ = 0;
  const double* f_ = nullptr;
  const double* s_ = nullptr;
  CrossDetector cross_;
};

}  // namespace atf
