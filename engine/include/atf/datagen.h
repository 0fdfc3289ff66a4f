// Deterministic synthetic price data for benchmarks and tests: the same seed gives the same bars
// on every platform (integer arithmetic only).
#pragma once
#include <cstdint>
#include <string>

#include "atf/bars.h"

namespace atf {

struct GeneratorOptions {
  int64_t bars = 1'000'000;
  uint64_t seed = 42;
  int64_t start_ms = 1577836800000;  ///< 2020-01-01T00:00:00Z
  int64_t step_ms = 60'000;          ///< one-minute bars
  int64_t start_cents = 10'000;      ///< 100.00
};

/// A random walk in whole cents (two-decimal prices), so SMA ties occur as in real minute data.
Bars generate_bars(const GeneratorOptions& options = {});

/// The bars as CSV text with a `timestamp,open,high,low,close,volume` header (epoch ms).
std::string bars_to_csv(const Bars& bars);

}  // namespace atf
