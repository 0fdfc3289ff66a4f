#include "builtin_plots.h"

#include <cmath>
#include <cstdint>

#include "atf/indicators.h"

namespace atf {
namespace {

constexpr const char* kOrange = "#FF9800FF";
constexpr const char* kBlue = "#2962FFFF";
constexpr const char* kGreen = "#089981FF";
constexpr const char* kRed = "#F23645FF";
constexpr const char* kPurple = "#9C27B0FF";
constexpr const char* kGrey = "#787B86FF";

PlotSeries series(std::string title, const char* color, bool overlay, std::vector<double> values) {
  PlotSeries p;
  p.title = std::move(title);
  p.color = color;
  p.overlay = overlay;
  p.values = std::move(values);
  return p;
}

double scale_of(const MarketData& md) { return std::pow(10.0, md.decimals); }

/// SMA of closes over `n` bars: the exact tick sum over n × 10^decimals (NaN before bar n − 1).
std::vector<double> sma(const MarketData& md, int n) {
  const auto sums = sma_sum_series(md.close_ticks, n);
  const double div = static_cast<double>(n) * scale_of(md);
  std::vector<double> out(sums.size(), kNaN);
  for (size_t t = static_cast<size_t>(n - 1); t < sums.size(); ++t) out[t] = static_cast<double>(sums[t]) / div;
  return out;
}

/// Ticks of the previous bar's channel (highest/lowest of `n` bars up to t − 1), in prices.
std::vector<double> channel(const MarketData& md, const std::vector<int64_t>& ticks, int n) {
  std::vector<double> out(ticks.size(), kNaN);
  const double scale = scale_of(md);
  for (size_t t = static_cast<size_t>(n); t < ticks.size(); ++t) out[t] = static_cast<double>(ticks[t - 1]) / scale;
  return out;
}

std::vector<double> constant(size_t n, double v) { return std::vector<double>(n, v); }

int whole(const ParamMap& p, const char* name) { return static_cast<int>(p.at(name)); }

}  // namespace

std::vector<PlotSeries> builtin_plots(const MarketData& md, const std::string& strategy, const ParamMap& p) {
  std::vector<PlotSeries> out;
  const size_t n = md.bars.size();
  if (n == 0) return out;
  if (strategy == "sma_cross") {
    out.push_back(series("Fast SMA", kOrange, true, sma(md, whole(p, "fast"))));
    out.push_back(series("Slow SMA", kBlue, true, sma(md, whole(p, "slow"))));
  } else if (strategy == "ema_cross") {
    out.push_back(series("Fast EMA", kOrange, true, ema_series(md.bars.close, whole(p, "fast"))));
    out.push_back(series("Slow EMA", kBlue, true, ema_series(md.bars.close, whole(p, "slow"))));
  } else if (strategy == "rsi_reversion") {
    out.push_back(series("RSI", kPurple, false, rsi_series(md.bars.close, whole(p, "period"))));
    out.push_back(series("Lower", kGreen, false, constant(n, p.at("lower"))));
    out.push_back(series("Upper", kRed, false, constant(n, p.at("upper"))));
  } else if (strategy == "bollinger_reversion") {
    // Middle band and mean ± k·σ (population σ), as the strategy's band test.
    const int len = whole(p, "period");
    const double k = p.at("k"), scale = scale_of(md);
    const auto sums = sma_sum_series(md.close_ticks, len);
    const auto sq = sum_sq_series(md.close_ticks, len);
    std::vector<double> mid(n, kNaN), upper(n, kNaN), lower(n, kNaN);
    for (size_t t = static_cast<size_t>(len - 1); t < n; ++t) {
      const double s = static_cast<double>(sums[t]);
      const double var_n2 = static_cast<double>(static_cast<int128>(len) * sq[t] - static_cast<int128>(sums[t]) * sums[t]);
      const double sd = std::sqrt(std::fmax(0.0, var_n2)) / len / scale;
      mid[t] = s / (len * scale);
      upper[t] = mid[t] + k * sd;
      lower[t] = mid[t] - k * sd;
    }
    out.push_back(series("Basis", kOrange, true, std::move(mid)));
    out.push_back(series("Upper", kBlue, true, std::move(upper)));
    out.push_back(series("Lower", kBlue, true, std::move(lower)));
  } else if (strategy == "donchian_breakout") {
    const int entry = whole(p, "entry"), exit = whole(p, "exit");
    out.push_back(series("Entry high", kGreen, true, channel(md, highest_series(md.high_ticks, entry), entry)));
    out.push_back(series("Entry low", kRed, true, channel(md, lowest_series(md.low_ticks, entry), entry)));
    out.push_back(series("Exit high", kGrey, true, channel(md, highest_series(md.high_ticks, exit), exit)));
    out.push_back(series("Exit low", kGrey, true, channel(md, lowest_series(md.low_ticks, exit), exit)));
  } else if (strategy == "macd_signal") {
    const auto fast = ema_series(md.bars.close, whole(p, "fast"));
    const auto slow = ema_series(md.bars.close, whole(p, "slow"));
    std::vector<double> line(n, kNaN), signal(n, kNaN);
    Ema ema(whole(p, "signal"));
    for (size_t t = 0; t < n; ++t) {
      if (std::isnan(fast[t]) || std::isnan(slow[t])) continue;
      line[t] = fast[t] - slow[t];
      if (ema.update(line[t])) signal[t] = ema.value();
    }
    out.push_back(series("MACD", kBlue, false, std::move(line)));
    out.push_back(series("Signal", kOrange, false, std::move(signal)));
  }
  return out;
}

}  // namespace atf
