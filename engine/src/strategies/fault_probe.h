// fault_probe (hidden): price-over-SMA crossing that throws at a chosen bar for a chosen period.
// It exists to prove failure isolation end to end (engine, optimizer, workers, UI) with a real
// failing trial rather than a mock.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "atf/market_data.h"
#include "atf/params.h"
#include "signal.h"

namespace atf {

class FaultProbe {
 public:
  void init(const MarketData& md, const ParamMap& p, KeepAlive& keep) {
    period_ = static_cast<int>(p.at("period"));
    armed_ = static_cast<int>(p.at("fail_period")) == period_;
    fail_at_ = static_cast<size_t>(p.at("fail_at_bar"));
    sums_ = hold(keep, md.cache.get<int64_t>(period_key("sma", period_), [&] { return sma_sum_series(md.close_ticks, period_); }));
    c_ = md.close_ticks.data();
  }
  size_t warmup() const { return static_cast<size_t>(period_ - 1); }
  Signal signal(size_t t, int /*position*/) {
    if (armed_ && t >= fail_at_) {
      throw std::runtime_error("fault_probe: injected failure for period " + std::to_string(period_));
    }
    const int128 d = static_cast<int128>(c_[t]) * period_ - sums_[t];
    return signal_from_cross(cross_.update(sign_of(d)));
  }

 private:
  int period_ = 0;
  bool armed_ = false;
  size_t fail_at_ = 0;
  const int64_t* sums_ = nullptr;
  const int64_t* c_ = nullptr;
  CrossDetector cross_;
};

}  // namespace atf
