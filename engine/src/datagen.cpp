#include "atf/datagen.h"

#include <algorithm>
#include <cstdio>

namespace atf {
namespace {

// splitmix64: tiny, fast, and fully specified (unlike std:: distributions).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform integer in [0, n).
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
};

}  // namespace

Bars generate_bars(const GeneratorOptions& options) {
  Bars bars;
  bars.symbol = "SYNTH-" + std::to_string(options.seed);
  bars.reserve(static_cast<size_t>(options.bars));
  SplitMix64 rng{options.seed};
  int64_t close = options.start_cents;
  for (int64_t i = 0; i < options.bars; ++i) {
    // Step size ~0.05 % of price, at least one cent; a sum of two uniforms gives a softer tail.
    const int64_t scale = std::max<int64_t>(1, close / 2000);
    const int64_t open = std::max<int64_t>(1, close + rng.below(3) - 1);
    const int64_t move = (rng.below(2 * scale + 1) - scale) + (rng.below(2 * scale + 1) - scale);
    const int64_t next_close = std::max<int64_t>(1, open + move);
    const int64_t high = std::max(open, next_close) + rng.below(scale + 1);
    const int64_t low = std::max<int64_t>(1, std::min(open, next_close) - rng.below(scale + 1));
    const int64_t volume = 100 + rng.below(10'000);
    bars.push_back(options.start_ms + i * options.step_ms, static_cast<double>(open) / 100.0,
                   static_cast<double>(high) / 100.0, static_cast<double>(low) / 100.0,
                   static_cast<double>(next_close) / 100.0, static_cast<double>(volume));
    close = next_close;
  }
  return bars;
}

std::string bars_to_csv(const Bars& bars) {
  std::string out = "timestamp,open,high,low,close,volume\n";
  out.reserve(bars.size() * 56 + out.size());
  char line[160];
  for (size_t i = 0; i < bars.size(); ++i) {
    const int n = std::snprintf(line, sizeof line, "%lld,%.2f,%.2f,%.2f,%.2f,%.0f\n", static_cast<long long>(bars.time[i]),
                                bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]);
    out.append(line, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace atf
