// Small builders shared by the engine tests.
#pragma once
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "atf/backtest.h"
#include "atf/csv_import.h"
#include "atf/market_data.h"

namespace atf::test {

inline constexpr int64_t kDay = 86'400'000;
inline constexpr int64_t kJan1_2020 = 1'577'836'800'000;

/// Daily bars from explicit OHLC columns (volume 1000).
inline Bars make_bars(const std::vector<double>& o, const std::vector<double>& h, const std::vector<double>& l,
                      const std::vector<double>& c) {
  Bars b;
  for (size_t i = 0; i < c.size(); ++i) b.push_back(kJan1_2020 + static_cast<int64_t>(i) * kDay, o[i], h[i], l[i], c[i], 1000);
  return b;
}

/// Daily bars from opens and closes; high/low just wrap them.
inline Bars make_bars(const std::vector<double>& o, const std::vector<double>& c) {
  std::vector<double> h, l;
  for (size_t i = 0; i < c.size(); ++i) {
    h.push_back(std::fmax(o[i], c[i]));
    l.push_back(std::fmin(o[i], c[i]));
  }
  return make_bars(o, h, l, c);
}

inline std::shared_ptr<const MarketData> prepare(Bars b) {
  auto md = prepare_market_data(std::move(b));
  if (!md) throw std::runtime_error(md.error().message);
  return *md;
}

/// A bundled sample of data/samples (e.g. "ORCL-1d-1995-2014.csv"), imported and prepared once.
inline std::shared_ptr<const MarketData> sample(const std::string& file) {
  static std::map<std::string, std::shared_ptr<const MarketData>> cache;
  auto it = cache.find(file);
  if (it != cache.end()) return it->second;
  auto imp = import_csv_file(std::string(ATF_SAMPLES_DIR) + "/" + file);
  if (!imp) throw std::runtime_error(imp.error().message);
  return cache[file] = prepare(std::move(imp->bars));
}

}  // namespace atf::test
