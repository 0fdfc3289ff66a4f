// rsi_reversion and bollinger_reversion: buy weakness, sell strength.
#pragma once
#include <cmath>
#include <memory>
#include <vector>

#include "atf/market_data.h"
#include "atf/params.h"
#include "signal.h"

namespace atf {

/// Long when RSI < lower; bearish when RSI > upper; otherwise hold.
class RsiReversion {
 public:
  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    period_ = static_cast<int>(p.at("period"));
    lower_ = p.at("lower");
    upper_ = p.at("upper");
    r_ = hold(keep, md.cache.get<double>(period_key("rsi", period_), [&] { return rsi_series(md.bars.close, period_); }));
  }
  size_t warmup() const { return static_cast<size_t>(period_); }
  Signal signal(size_t t, int /*position*/) const {
    if (r_[t] < lower_) return Signal::kLong;
    if (r_[t] > upper_) return Signal::kShort;
    return Signal::kHold;
  }

 private:
  int period_ = 0;
  double lower_ = 0, upper_ = 0;
  const double* r_ = nullptr;
};

/// Long when the close is below the lower band, short (if allowed) above the upper band; a
/// position exits when the close gets back to the middle band. Band tests are exact:
/// close < mean − k·σ ⇔ S − n·c > 0 and (S − n·c)²·K² > k_num²·(n·Q − S²), with k = k_num / K.
class BollingerReversion {
 public:
  static constexpr int64_t kScale = 1000;  ///< k is exact to 1/1000

  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    n_ = static_cast<int>(p.at("period"));
    k_num_ = std::llround(p.at("k") * kScale);
    sums_ = hold(keep, md.cache.get<int64_t>(period_key("sma", n_), [&] { return sma_sum_series(md.close_ticks, n_); }));
    sq_ = hold(keep, md.cache.get<int128>(period_key("sumsq", n_), [&] { return sum_sq_series(md.close_ticks, n_); }));
    c_ = md.close_ticks.data();
    // (n·c)² · K² must fit in 127 bits: n·max_tick ≤ 1e15 keeps it below ~1e36.
    exact_ = static_cast<double>(md.max_tick) * n_ <= 1e15;
  }
  size_t warmup() const { return static_cast<size_t>(n_ - 1); }
  Signal signal(size_t t, int position) const {
    const int128 s = sums_[t];
    const int128 nc = static_cast<int128>(c_[t]) * n_;
    const int128 below = s - nc;  // > 0 when the close is under the middle band
    if (position > 0 && below <= 0) return Signal::kFlat;
    if (position < 0 && below >= 0) return Signal::kFlat;
    if (below > 0 && outside_band(below, t)) return Signal::kLong;
    if (below < 0 && outside_band(-below, t)) return Signal::kShort;
    return Signal::kHold;
  }

 private:
  // dist = |S − n·c| > 0; true when dist > k·√(n·Q − S²).
  bool outside_band(int128 dist, size_t t) const {
    const int128 s = sums_[t];
    const int128 var_n2 = static_cast<int128>(n_) * sq_[t] - s * s;
    if (exact_) return dist * dist * (kScale * kScale) > static_cast<int128>(k_num_) * k_num_ * var_n2;
    return static_cast<double>(dist) > static_cast<double>(k_num_) / kScale * std::sqrt(static_cast<double>(var_n2));
  }

  int n_ = 0;
  int64_t k_num_ = 0;
  bool exact_ = true;
  const int64_t* sums_ = nullptr;
  const int128* sq_ = nullptr;
  const int64_t* c_ = nullptr;
};

}  // namespace atf
