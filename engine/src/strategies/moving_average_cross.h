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
  void init(const MarketData& md, const ParamMap& p) {
    fast_ = static_cast<int>(p.at("fast"));
    slow_ = static_cast<int>(p.at("slow"));
    slow_sums_ = md.cache.get<int64_t>(period_key("sma", slow_), [&] { return sma_sum_series(md.close_ticks, slow_); });
    if (fast_ == 1) {
      fast_sums_ = nullptr;
      fast_data_ = md.close_ticks.data();
    } else {
      fast_sums_ = md.cache.get<int64_t>(period_key("sma", fast_), [&] { return sma_sum_series(md.close_ticks, fast_); });
      fast_data_ = fast_sums_->data();
    }
    slow_data_ = slow_sums_->data();
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
  std::shared_ptr<const std::vector<int64_t>> fast_sums_, slow_sums_;
  const int64_t* fast_data_ = nullptr;
  const int64_t* slow_data_ = nullptr;
  CrossDetector cross_;
};

/// EMA crossing in double precision. EMAs are not exact rationals of bounded size, so exact ties
/// are left to IEEE arithmetic, which is the same natively and in Wasm (no FMA contraction).
class EmaCross {
 public:
  void init(const MarketData& md, const ParamMap& p) {
    const int fast = static_cast<int>(p.at("fast"));
    slow_ = static_cast<int>(p.at("slow"));
    fast_ema_ = md.cache.get<double>(period_key("ema", fast), [&] { return ema_series(md.bars.close, fast); });
    slow_ema_ = md.cache.get<double>(period_key("ema", slow_), [&] { return ema_series(md.bars.close, slow_); });
    f_ = fast_ema_->data();
    s_ = slow_ema_->data();
  }
  size_t warmup() const { return static_cast<size_t>(slow_ - 1); }
  Signal signal(size_t t, int /*position*/) { return signal_from_cross(cross_.update(sign_of(f_[t] - s_[t]))); }

 private:
  int slow_ = 0;
  std::shared_ptr<const std::vector<double>> fast_ema_, slow_ema_;
  const double* f_ = nullptr;
  const double* s_ = nullptr;
  CrossDetector cross_;
};

}  // namespace atf
