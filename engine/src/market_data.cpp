#include "atf/market_data.h"

#include <cmath>
#include <string>

#include "atf/params.h"

namespace atf {
namespace {

constexpr double kMsPerYear = 365.25 * 86400000.0;
constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
constexpr double kMaxTicks = 1e15;

// True when x is an integer up to the rounding error of one multiplication by a power of ten.
bool near_integer(double x) {
  double r = std::nearbyint(x);
  return std::fabs(x - r) <= 1e-6 + std::fabs(x) * 0x1p-50;
}

// Smallest decimals d ≥ start (≤ 8) at which p is a whole number of 10^-d; 9 if none.
int decimals_needed(double p, int start) {
  for (int d = start; d <= kMaxPriceDecimals; ++d) {
    if (near_integer(p * kPow10[d])) return d;
  }
  return kMaxPriceDecimals + 1;
}

Error bad_bar(size_t i, const std::string& what) {
  Error e = Error::make(ErrorCode::kValidation, "bar " + std::to_string(i) + ": " + what);
  e.field = "data";
  return e;
}

}  // namespace

Result<std::shared_ptr<const MarketData>> prepare_market_data(Bars bars) {
  const size_t n = bars.size();
  if (n == 0) return Error::validation("data", "the dataset has no bars");
  if (bars.open.size() != n || bars.high.size() != n || bars.low.size() != n || bars.close.size() != n ||
      bars.volume.size() != n) {
    return Error::validation("data", "bar columns have different lengths");
  }
  int decimals = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && bars.time[i] <= bars.time[i - 1]) return bad_bar(i, "timestamps are not strictly increasing");
    const double o = bars.open[i], h = bars.high[i], l = bars.low[i], c = bars.close[i];
    for (double p : {o, h, l, c}) {
      if (!std::isfinite(p) || p <= 0) return bad_bar(i, "prices must be finite and positive");
    }
    if (h < std::fmax(o, c)) return bad_bar(i, "high is below max(open, close)");
    if (l > std::fmin(o, c)) return bad_bar(i, "low is above min(open, close)");
    for (double p : {o, h, l, c}) {
      if (decimals <= kMaxPriceDecimals) decimals = decimals_needed(p, decimals);
    }
  }
  // Ticks are summed over windows of up to 2000 bars in 64 bits: keep every tick at most 1e15.
  size_t top = 0;
  for (size_t i = 1; i < n; ++i) top = bars.high[i] > bars.high[top] ? i : top;
  if (bars.high[top] > kMaxTicks) {
    return bad_bar(top, "price " + format_number(bars.high[top]) + " is too large (at most 1e15)");
  }
  auto md = std::make_shared<MarketData>();
  md->exact = decimals <= kMaxPriceDecimals;
  md->decimals = md->exact ? decimals : kMaxPriceDecimals;
  while (md->decimals > 0 && bars.high[top] * kPow10[md->decimals] > kMaxTicks) {
    --md->decimals;  // large prices with tiny fractions: fewer decimals, ticks rounded
    md->exact = false;
  }
  const double scale = kPow10[md->decimals];
  auto to_ticks = [&](const std::vector<double>& prices) {
    std::vector<int64_t> ticks(n);
    for (size_t i = 0; i < n; ++i) ticks[i] = std::llround(prices[i] * scale);
    return ticks;
  };
  md->close_ticks = to_ticks(bars.close);
  md->high_ticks = to_ticks(bars.high);
  md->low_ticks = to_ticks(bars.low);
  for (int64_t t : md->high_ticks) md->max_tick = t > md->max_tick ? t : md->max_tick;
  md->years = static_cast<double>(bars.time[n - 1] - bars.time[0]) / kMsPerYear;
  md->bars_per_year = (n >= 2 && md->years > 0) ? static_cast<double>(n - 1) / md->years : 252.0;
  md->bars = std::move(bars);
  return std::shared_ptr<const MarketData>(std::move(md));
}

}  // namespace atf
