// Columnar OHLCV storage: one contiguous vector per field, as the hot loops read them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace atf {

struct Bars {
  std::vector<int64_t> time;  ///< bar open time, UTC milliseconds, strictly increasing
  std::vector<double> open, high, low, close, volume;
  std::string symbol;  ///< free text (file name or user label), may be empty

  size_t size() const { return time.size(); }
  bool empty() const { return time.empty(); }
  void reserve(size_t n);
  void push_back(int64_t t, double o, double h, double l, double c, double v);
  /// Copy of bars whose time lies in [from_ms, to_ms] (inclusive).
  Bars slice_time(int64_t from_ms, int64_t to_ms) const;
};

}  // namespace atf
