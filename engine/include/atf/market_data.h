// Bars prepared for running: exact integer prices ("ticks") and a cache of indicator series that
// every trial of a grid shares, so a period computed once serves all trials that use it.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "atf/bars.h"
#include "atf/error.h"

namespace atf {

#ifndef ATF_SERIES_CACHE_MB
#define ATF_SERIES_CACHE_MB 1024
#endif

/// Largest number of decimals we represent exactly (1e-8 ticks).
inline constexpr int kMaxPriceDecimals = 8;

/// Memoizes series by key under a byte budget; over budget, series are computed but not kept.
class SeriesCache {
 public:
  explicit SeriesCache(size_t budget_bytes) : budget_(budget_bytes) {}

  template <class T>
  std::shared_ptr<const std::vector<T>> get(const std::string& key, const std::function<std::vector<T>()>& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) return std::static_pointer_cast<const std::vector<T>>(it->second);
    }
    // Computed outside the lock; if two threads race, the first stored copy wins.
    auto made = std::make_shared<const std::vector<T>>(make());
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) return std::static_pointer_cast<const std::vector<T>>(it->second);
    size_t bytes = made->size() * sizeof(T);
    if (used_ + bytes <= budget_) {
      used_ += bytes;
      entries_.emplace(key, made);
    }
    return made;
  }
  size_t used_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return used_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const void>> entries_;
  size_t budget_;
  size_t used_ = 0;
};

struct MarketData {
  Bars bars;
  /// Prices are multiples of 10^-decimals (smallest such decimals ≤ 8).
  int decimals = 0;
  /// False when some price needs more than 8 decimals; ticks are then rounded to 1e-8.
  bool exact = true;
  std::vector<int64_t> close_ticks, high_ticks, low_ticks;
  int64_t max_tick = 0;
  /// Bars per year of this data (count over time span), for annualising Sharpe etc.
  double bars_per_year = 252;
  double years = 0;  ///< time span first→last bar in years of 365.25 days
  mutable SeriesCache cache{kDefaultCacheBytes};

  /// Memory for shared indicator series. A 20 × 20 grid over 1M bars needs 40 series × 8 MB;
  /// builds with less memory (the Wasm module: 2 GB address space) set ATF_SERIES_CACHE_MB lower.
  static constexpr size_t kDefaultCacheBytes = size_t{ATF_SERIES_CACHE_MB} << 20;
};

/// Validates (non-empty, strictly increasing time, finite positive prices) and prepares.
Result<std::shared_ptr<const MarketData>> prepare_market_data(Bars bars);

}  // namespace atf
