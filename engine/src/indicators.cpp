#include "atf/indicators.h"

namespace atf {

std::vector<int64_t> sma_sum_series(const std::vector<int64_t>& ticks, int period) {
  std::vector<int64_t> out(ticks.size(), 0);
  Sma sma(period);
  for (size_t t = 0; t < ticks.size(); ++t) {
    if (sma.update(ticks[t])) out[t] = sma.sum();
  }
  return out;
}

std::vector<double> ema_series(const std::vector<double>& values, int period) {
  std::vector<double> out(values.size(), kNaN);
  Ema ema(period);
  for (size_t t = 0; t < values.size(); ++t) {
    if (ema.update(values[t])) out[t] = ema.value();
  }
  return out;
}

std::vector<double> rsi_series(const std::vector<double>& values, int period) {
  std::vector<double> out(values.size(), kNaN);
  RsiWilder rsi(period);
  for (size_t t = 0; t < values.size(); ++t) {
    if (rsi.update(values[t])) out[t] = rsi.value();
  }
  return out;
}

std::vector<int128> sum_sq_series(const std::vector<int64_t>& ticks, int period) {
  std::vector<int128> out(ticks.size(), 0);
  Bollinger bb(period);
  for (size_t t = 0; t < ticks.size(); ++t) {
    if (bb.update(ticks[t])) out[t] = bb.sum_sq();
  }
  return out;
}

template <bool Max>
static std::vector<int64_t> extreme_series(const std::vector<int64_t>& ticks, int period) {
  std::vector<int64_t> out(ticks.size(), 0);
  RollingExtreme<Max> ext(period);
  for (size_t t = 0; t < ticks.size(); ++t) {
    ext.update(ticks[t]);
    out[t] = ext.value();
  }
  return out;
}

std::vector<int64_t> highest_series(const std::vector<int64_t>& ticks, int period) {
  return extreme_series<true>(ticks, period);
}
std::vector<int64_t> lowest_series(const std::vector<int64_t>& ticks, int period) {
  return extreme_series<false>(ticks, period);
}

}  // namespace atf
